#!/usr/bin/python3
# policyd_spf_run.py: Debian's policyd-spf (postfix-policyd-spf-python)
# with its DNS questions sent to the bench's nsd on a loopback port
# instead of /etc/resolv.conf's server. pyspf asks through pydns, which
# keeps no cache: nsd answers every question from memory, over loopback.
# usage: policyd_spf_run.py DNS_PORT CONFIG_FILE  (the protocol on stdin/out)
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
import sys

import DNS
import spf  # noqa: F401 (reads resolv.conf once; we override after)

DNS.defaults["server"] = ["127.0.0.1"]
DNS.defaults["port"] = int(sys.argv[1])
sys.argv = ["policyd-spf", sys.argv[2]]
from spf_engine.policyd_spf import main  # noqa: E402

sys.exit(main())
