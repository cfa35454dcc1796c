#!/bin/sh
# peer_line.sh: a line of five real daemons A-E (n0..n4) over TLS 1.3 on
# loopback, each connecting to the next, all under one organisation CA.
# A report submitted at A must list the IP in E's DNS answers; every node
# ends with the same batch-set digest. Also: a report at E reaches A (the
# flood goes both ways), and /v1/peers shows the sessions.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 15
pl_org orgA
for i in 0 1 2 3 4; do pl_node $i orgA; done
pl_conf 0 1
pl_conf 1 2
pl_conf 2 3
pl_conf 3 4
pl_conf 4
for i in 4 3 2 1 0; do pl_start $i || { pl_done; exit 1; }; done

for i in 0 4; do
	if pl_wait 10 1 pl_peers_up $i; then ok; else ko "n$i: no peer up"; fi
done
for i in 1 2 3; do
	if pl_wait 10 2 pl_peers_up $i; then ok; else ko "n$i: not 2 peers up"; fi
done

# A -> E
pl_report 0 198.51.100.7 || ko "report at n0 refused"
if pl_wait 5 127.0.0.2 pl_dig 4 198.51.100.7; then ok; else
	ko "198.51.100.7 not listed at n4: '$(pl_dig 4 198.51.100.7)'"
fi
# E -> A
pl_report 4 203.0.113.9 || ko "report at n4 refused"
if pl_wait 5 127.0.0.2 pl_dig 0 203.0.113.9; then ok; else
	ko "203.0.113.9 not listed at n0"
fi
# Many reports from the middle; everyone converges.
for k in $(seq 1 30); do pl_report 2 "192.0.2.$k" || ko "report $k"; done
want=$(pl_digest 2)
for i in 0 1 3 4; do
	if pl_wait 10 "$want" pl_digest $i; then ok; else
		ko "n$i digest $(pl_digest $i) != n2 $want"
	fi
done
if [ "$(pl_dig 0 192.0.2.30)" = 127.0.0.2 ]; then ok; else ko "192.0.2.30 at n0"; fi
if curl -sf --max-time 5 "$(pl_api 2)/v1/peers" | grep -q '"state": *"up"'; then ok; else
	ko "/v1/peers at n2 shows no session up"
fi
out=$("$ROOT/$BUILD/reputectl" --api "$(pl_api 2 | sed 's|http://||')" peers 2>&1)
if echo "$out" | grep -q '^sessions: 2$' && echo "$out" | grep -q ' up '; then ok; else
	ko "reputectl peers at n2: $out"
fi
if curl -sf --max-time 5 "$(pl_api 2)/metrics" | grep -q '^reputed_peer_batches_total{dir="in"}'; then
	ok; else ko "no peer metrics"; fi
pl_done
