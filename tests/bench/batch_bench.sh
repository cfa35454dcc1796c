#!/bin/sh
# batch_bench.sh: batches (and so signatures) per report by load. Two real
# daemons linked by TLS 1.3 on loopback, at the daemon's default sync (1);
# node A is offered single-report POSTs at 1, 100, 1,000 and 10,000
# reports/s (tests/bench/rate_post.c, keep-alive connections, each answered
# after its commit); A's batch counter is read around each rate. Prints
# batches per report, reports per batch, and the API answer time.
#   BATCH_BENCH_RATES ("1 100 1000 10000"), BATCH_BENCH_SECONDS (10),
#   BATCH_BENCH_SYNC (1), BATCH_BENCH_CONF (a server: line to add)
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/../integration/peer_lib.sh"
RATES=${BATCH_BENCH_RATES:-1 100 1000 10000}
SECS=${BATCH_BENCH_SECONDS:-10}
POST=$ROOT/$BUILD/bench/rate_post
[ -x "$POST" ] || { echo "batch_bench: $POST is missing"; exit 1; }
pl_init
pl_ports 6
pl_org orgA
pl_node 0 orgA; pl_node 1 orgA
pl_conf 0 1; pl_conf 1
for i in 0 1; do
	sed -i "s/sync: 0/sync: ${BATCH_BENCH_SYNC:-1}/" "$T/n$i/reputed.conf"
	[ -n "$BATCH_BENCH_CONF" ] &&
	    sed -i "/^server:/a\\$BATCH_BENCH_CONF" "$T/n$i/reputed.conf"
done
pl_start 1 && pl_start 0 || exit 1
pl_wait 10 1 pl_peers_up 0 || echo "link not up"
batches() { curl -sf --max-time 5 "$(pl_api 0)/metrics" |
	awk '/^reputed_batches_committed_total / {print $2}'; }
octet=20
for r in $RATES; do
	s=$SECS
	[ "$r" -lt 10 ] && s=$((SECS * 3))	# a few reports at least
	b0=$(batches)
	out=$("$POST" "$API_0" "$r" "$s" 128 "$octet")
	b1=$(batches)
	octet=$((octet + 1))
	n=$(echo "$out" | sed -n 's/.* \([0-9]*\) answered 200.*/\1/p')
	echo "$out"
	awk -v r="$r" -v n="$n" -v b="$((b1 - b0))" 'BEGIN {
	    printf "  %6d reports/s offered: %d reports in %d batches: " \
		"%.3f batches (signatures) per report, %.1f reports per batch\n",
		r, n, b, n ? b / n : 0, b ? n / b : 0 }'
done
want=$(pl_digest 0)
pl_wait 30 "$want" pl_digest 1 || echo "B did not converge"
pl_done >/dev/null
