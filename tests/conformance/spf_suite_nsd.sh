#!/bin/sh
# The whole openspf RFC 7208 suite (203 tests) over real DNS: each
# scenario served by a local nsd, each test through `reputectl spf
# --resolver` and libunbound (spf_suite_nsd.py says how). With a server
# named, libunbound answers none of its default local zones itself
# (RFC 6303 reverse zones, the documentation prefixes): the ptr and %{p}
# tests need those answered by the server. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
. "$(dirname "$0")/../lib/common.sh"
suite=/usr/share/doc/python3-spf/rfc7208-tests.yml.gz
[ -r "$suite" ] || { echo "$suite missing (python3-spf)"; echo "0 passed, 1 failed"; exit 1; }
t_missing nsd dig python3
t_tmpdir spf-suite-nsd
/usr/bin/python3 "$(dirname "$0")/spf_suite_nsd.py" "$BUILD/reputectl" \
	"$suite" "$TMP" "$(free_port)"
