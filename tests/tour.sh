#!/bin/sh
# tour.sh: what `make run` does after building. Starts reputed in the
# foreground on its embedded default configuration (store and node key in
# ./var, DNSBL zones bl/dbl/wl.reputed.example on 127.0.0.1@5353, local API
# on 127.0.0.1@8053). reputed prints what to try next; Ctrl-C stops it
# cleanly. (An offline tour of reputectl may run before this.)
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
if [ ! -x "$BUILD/reputed" ]; then
	echo "tour: $BUILD/reputed is not built; run make first" >&2
	exit 1
fi
echo "== reputed -d (embedded config; reputed -nv prints it). Ctrl-C stops it."
echo "== reputectl is $BUILD/reputectl"
exec "$BUILD/reputed" -d
