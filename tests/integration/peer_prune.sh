#!/bin/sh
# peer_prune.sh: pruned history between real daemons (issue 12). n0 and n1
# peer; n1 is stopped after two batches (a partition). n0 makes three more
# batches whose reports expire a few seconds later, then a fresh one: its
# pruner (in the background) removes the five batches that no longer
# count, keeping the latest. n2, a late joiner, then connects to n0 and is
# told that batches 1..5 were pruned (not missing): it gets batch 6 and
# the same digest and answers. n1 comes back across the prune: the same.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 9
pl_org orgA
for i in 0 1 2; do pl_node $i orgA; done
pl_conf 0
pl_conf 1 0
pl_conf 2 0
pl_start 0 && pl_start 1 || { pl_done; exit 1; }
pl_wait 10 1 pl_peers_up 1 || ko "n1 did not peer with n0"

# POST reports at node 0 that expire in $2 seconds (0: an hour from now).
expiring() { # expiring FIRST_OCTET SECONDS
	now=$(date +%s)
	if [ "$2" -gt 0 ]; then obs=$(((now - 3600 + $2) * 1000)); else obs=$((now * 1000)); fi
	body=$(for k in 1 2 3 4 5; do
		printf '{"ip":"10.%s.0.%s","category":"spam","observed_at":%s,"ttl":3600}\n' \
		    "$1" "$k" "$obs"; done | paste -sd, -)
	curl -sf --max-time 5 -d "[$body]" "$(pl_api 0)/v1/reports" >/dev/null ||
		ko "reports at n0 refused"
	sleep 0.3	# one batch each
}
batches() { pl_digest "$1" | cut -d' ' -f2; }
expiring 1 8; expiring 2 8
if pl_wait 10 2 batches 1; then ok; else ko "n1 has not 2 batches: $(batches 1)"; fi
pl_stop 1
expiring 3 8; expiring 4 8; expiring 5 8
sleep 8
expiring 6 0
if [ "$(pl_dig 0 10.1.0.1)" = "" ]; then ok; else ko "an expired report still listed"; fi
if [ "$(pl_dig 0 10.6.0.1)" = 127.0.0.2 ]; then ok; else ko "10.6.0.1 not listed at n0"; fi
# the pruner's sweep (every 10 s when idle)
if pl_wait 25 5 pl_metric 0 reputed_prune_batches_total; then ok; else
	ko "n0 pruned $(pl_metric 0 reputed_prune_batches_total) batches, not 5"
fi
d0=$(pl_digest 0)
if [ "$(batches 0)" = 6 ]; then ok; else ko "n0 digest counts $(batches 0) batches, not 6"; fi
# a late joiner
pl_start 2 || { pl_done; exit 1; }
if pl_wait 15 "$d0" pl_digest 2; then ok; else ko "n2 digest $(pl_digest 2) != n0 $d0"; fi
if pl_wait 5 127.0.0.2 pl_dig 2 10.6.0.1; then ok; else ko "10.6.0.1 not listed at n2"; fi
if [ "$(pl_dig 2 10.4.0.1)" = "" ]; then ok; else ko "a pruned report listed at n2"; fi
grep -q "batches 1..5 were pruned" "$T/n2/log" && ok || ko "n2 did not log the pruned history"
# n1 back across the prune: it held batches 1..2, n0 pruned 1..5. New
# ports (n1 connects to n0, nobody to n1): on a shared machine its old
# ones may have been taken meanwhile.
p=$(free_ports 3)
DNS_1=$(pl_nth 1 "$p"); API_1=$(pl_nth 2 "$p"); PEER_1=$(pl_nth 3 "$p")
pl_conf 1 0
pl_start 1 || { pl_done; exit 1; }
if pl_wait 15 "$d0" pl_digest 1; then ok; else ko "n1 digest $(pl_digest 1) != n0 $d0"; fi
if pl_wait 5 127.0.0.2 pl_dig 1 10.6.0.1; then ok; else ko "10.6.0.1 not listed at n1"; fi
if [ "$(pl_dig 1 10.2.0.1)" = "" ]; then ok; else ko "an expired report listed at n1"; fi
if curl -sf --max-time 5 "$(pl_api 0)/metrics" | grep -q '^reputed_prune_step_max_seconds '; then
	ok; else ko "no pruner metrics"; fi
pl_done
