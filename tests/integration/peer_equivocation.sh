#!/bin/sh
# peer_equivocation.sh: an equivocation on two disjoint paths. Four nodes
# in a line n0 - n1 - n2 - n3; a member (peer_evil.py, a valid org A
# certificate) sends one batch 1 to n0 and a different batch 1 to n3 at the
# same moment. The two halves meet in the middle: every node detects it and
# blocks the origin, every node then gives the same DNS answers for both
# subjects (the origin counts for nothing: not listed, although one origin
# suffices here), and the four digests agree (a blocked origin's batches
# are outside the digest, so it does not matter which copy a node kept).
# Then the halves that never meet: n5 and n6 are not linked when another
# member sends one batch 1 to each; neither can see it. n6 restarts with a
# link to n5: their Hellos carry a tip (a hash of the batch at each
# origin's highest seq), the tips differ, each sends its copy, and both
# block the origin.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
EVIL="python3 $(dirname "$0")/peer_evil.py"
pl_ports 24
pl_org orgA
for i in 0 1 2 3 4 5 6 7; do pl_node $i orgA; done	# n4, n7: equivocators
pl_conf 0
pl_conf 1 0
pl_conf 2 1
pl_conf 3 2
for i in 0 1 2 3; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 2 pl_peers_up 1 || ko "n1 not linked to both neighbours"
pl_wait 10 2 pl_peers_up 2 || ko "n2 not linked to both neighbours"

r=$($EVIL 127.0.0.1 "$PEER_0" "$T/n4/node.pem" "$T/n4/node.key" \
    "$T/orgA.pem" split "$PEER_3" 2>&1)
[ "$r" = "open open" ] && ok || ko "split: $r"
for i in 0 1 2 3; do
	pl_wait 10 1 pl_metric $i reputed_peer_equivocations_total && ok ||
	    ko "n$i did not learn of the equivocation"
done
for i in 0 1 2 3; do
	for ip in 192.0.2.80 192.0.2.81; do
		a=$(pl_dig $i $ip)
		[ -z "$a" ] && ok || ko "n$i still lists $ip for a blocked origin ($a)"
	done
done
d0=$(pl_digest 0)
for i in 1 2 3; do
	d=$(pl_digest $i)
	[ "$d" = "$d0" ] && ok || ko "digest of n$i ($d) differs from n0's ($d0)"
done
# The network still works: an honest report is listed everywhere.
pl_report 1 192.0.2.82 || ko "honest report refused"
for i in 0 1 2 3; do
	pl_wait 10 127.0.0.2 pl_dig $i 192.0.2.82 && ok ||
	    ko "n$i does not list an honest report after the equivocation"
done

# Two halves that never meet until a later exchange.
pl_conf 5
pl_conf 6
pl_start 5 && pl_start 6 || { pl_done; exit 1; }
r=$($EVIL 127.0.0.1 "$PEER_5" "$T/n7/node.pem" "$T/n7/node.key" \
    "$T/orgA.pem" split "$PEER_6" 2>&1)
[ "$r" = "open open" ] && ok || ko "split 5/6: $r"
sleep 1
for i in 5 6; do
	e=$(pl_metric $i reputed_peer_equivocations_total)
	[ "${e:-0}" = 0 ] && ok || ko "n$i saw the equivocation without a link ($e)"
done
pl_stop 6
pl_conf 6 5
pl_start 6 || { pl_done; exit 1; }
for i in 5 6; do
	pl_wait 10 1 pl_metric $i reputed_peer_equivocations_total && ok ||
	    ko "n$i did not find the equivocation at the exchange"
done
pl_wait 10 "$(pl_digest 5)" pl_digest 6 && ok ||
    ko "n5 and n6 digests differ: $(pl_digest 5) / $(pl_digest 6)"
pl_done
