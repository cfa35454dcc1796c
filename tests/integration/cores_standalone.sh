#!/bin/sh
# cores_standalone.sh: the cores that the simulator links compile with no
# libevent header reachable (docs/ARCHITECTURE.md, "node/ by role").
# A directory of poison headers, one per libevent header name, each an
# #error, comes first on the include path, so an #include of any of them,
# direct or through another header, fails the compile. A shell file
# (node/batcher_event.c, dns_server.c, peer.c) must fail, which shows the poison works.
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
CC=${CC:-cc}
. "$(dirname "$0")/../lib/common.sh"
cd "$(dirname "$0")/../.." || exit 1
t_tmpdir cores; tmp=$TMP

CORES="node/peer/gossip.c node/peer/pki.c node/batcher.c node/log.c node/conf.c
	node/reputon.c
	node/dns/dns.c node/dns/dns_cache.c node/dns/dns_rrl.c
	node/dns/dns_xfr.c node/dns/zone_export.c
	$(ls reputation/*.c proto/*.c)"
SHELLS="node/batcher_event.c node/dns/dns_server.c node/peer/peer.c"

# Every header name libevent installs, also those this machine lacks.
mkdir -p "$tmp/poison/event2"
for h in buffer buffer_compat bufferevent bufferevent_compat bufferevent_ssl \
    bufferevent_struct dns dns_compat dns_struct event-config event \
    event_compat event_struct http http_compat http_struct keyvalq_struct \
    listener rpc rpc_compat rpc_struct tag tag_compat thread util visibility \
    $(ls /usr/include/event2 2>/dev/null | sed 's/\.h$//'); do
	echo "#error \"libevent header event2/$h.h reached\"" \
	    >"$tmp/poison/event2/$h.h"
done
for h in event evdns evhttp evrpc evutil; do
	echo "#error \"libevent header $h.h reached\"" >"$tmp/poison/$h.h"
done

compile() { # $1 = source; the flags of the Makefile but libevent's
	$CC -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$tmp/poison" -I. \
	    -I"$BUILD" -c "$1" -o "$tmp/out.o" >"$tmp/err" 2>&1
}
for f in $CORES; do
	if compile "$f"; then ok; else
		ko "$f: does not compile without libevent"
		grep -m 3 -E 'error|reached' "$tmp/err"
	fi
done
for f in $SHELLS; do
	if compile "$f"; then
		ko "$f: a libevent shell compiled: the poison headers are not reached"
	elif grep -q 'libevent header .* reached' "$tmp/err"; then ok; else
		ko "$f: failed for another reason than libevent"
		grep -m 3 error "$tmp/err"
	fi
done
t_done
