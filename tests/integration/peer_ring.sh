#!/bin/sh
# peer_ring.sh: a ring of eight real daemons (n0..n7, each connecting to the
# next). Reports flow while one node is killed with SIGKILL; it restarts
# from its store and catches up. Then a partition: two opposite nodes stop,
# cutting the ring in two halves that both keep taking reports; when they
# come back the halves heal. Every time: every node ends with the same
# digest (the same batches) and the same DNS answers (the same scores).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
N=8
pl_ports $((3 * N))
pl_org orgA
for i in $(seq 0 $((N - 1))); do pl_node "$i" orgA; done
for i in $(seq 0 $((N - 1))); do pl_conf "$i" $(((i + 1) % N)); done
for i in $(seq 0 $((N - 1))); do pl_start "$i" || { pl_done; exit 1; }; done
for i in $(seq 0 $((N - 1))); do
	pl_wait 15 2 pl_peers_up "$i" || ko "n$i: not 2 peers up"
done

# Every digest equal (waits for it), and the same answer for IP $2 at
# every node as at node $1.
all_digests() {
	for i in $(seq 0 $((N - 1))); do pl_digest "$i"; done | sort -u | wc -l
}
converged() {
	if pl_wait 30 1 all_digests; then ok; else
		ko "$3: digests differ:"
		for i in $(seq 0 $((N - 1))); do echo "  n$i $(pl_digest "$i")"; done
	fi
	a=$(pl_dig "$1" "$2")
	[ -n "$a" ] || ko "$3: $2 not listed at n$1"
	for i in $(seq 0 $((N - 1))); do
		if [ "$(pl_dig "$i" "$2")" = "$a" ]; then ok; else
			ko "$3: n$i answers '$(pl_dig "$i" "$2")' for $2, n$1 '$a'"
		fi
	done
}

k=0
burst() { # burst NODES...: five reports at each
	for i in "$@"; do
		for _ in 1 2 3 4 5; do
			k=$((k + 1))
			pl_report "$i" "10.$((k / 250)).$((k % 250)).1" ||
			    ko "report at n$i"
		done
	done
}

burst 0 2 4 6
converged 0 10.0.1.1 "before"

# SIGKILL n3; reports keep flowing around it (the ring is now a line).
pl_kill 3
burst 0 1 2 4 5 6 7
pl_start 3 || ko "n3 did not restart"
burst 3
converged 3 10.0.30.1 "after kill -9"

# Partition: n0 and n4 stop; {1,2,3} and {5,6,7} are cut off.
pl_stop 0
pl_stop 4
burst 1 2 3
burst 5 6 7
pl_start 0 || ko "n0 did not restart"
pl_start 4 || ko "n4 did not restart"
converged 5 10.0.75.1 "partition healed"
pl_done
