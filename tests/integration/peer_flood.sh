#!/bin/sh
# peer_flood.sh: a member flooding past the flood line is blocked at every
# node, from the signed batches alone. Three nodes in a line n0 - n1 - n2
# with quota-per-hour 100 and quota-block-factor 10: the line is 1,000
# reports dropped over the quota in one hour of batch time. A member
# (peer_evil.py with n3's certificate) sends n0 30 batches of 100 reports,
# all made at one moment: after batch 11, 1,000 are dropped, so every node
# blocks it at batch 11 (reason flood in /metrics and `reputectl peers`,
# logged once), keeps batches 1..11 and never stores 12..30 (stored
# batches minus the digest's count of unblocked batches is 11 everywhere),
# and none lists what its first 100 reports named (purged). A report made
# at n2 during the flood is listed at n0, and the digests agree. Then n4
# joins late (linked to n2 only): catch-up brings it batches 1..11, it
# blocks the member at the same batch and its digest is n0's; stopped,
# `reputectl --db stats` shows the flood block and a rescore gives the
# same store.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
EVIL="python3 $(dirname "$0")/peer_evil.py"
pl_ports 15
pl_org orgA
for i in 0 1 2 3 4; do pl_node $i orgA; done	# n3: the flooder
QUOTA=100
QUOTA_BLOCK=10
pl_conf 0
pl_conf 1 0
pl_conf 2 1
for i in 0 1 2; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 2 pl_peers_up 1 || ko "n1 not linked to both neighbours"

FLOOD='reputed_store_origins_blocked{reason="flood"}'
$EVIL 127.0.0.1 "$PEER_0" "$T/n3/node.pem" "$T/n3/node.key" \
    "$T/orgA.pem" flood 30 >"$T/evil.out" 2>&1 &
epid=$!
PIDS="$PIDS $epid"
pl_report 2 192.0.2.90 || ko "honest report at n2"
# While its session is up, n0 shows why the flooder is blocked.
peers_flood() {
	"$CTL" --api "127.0.0.1:$API_0" peers >"$T/peers0.txt" 2>&1
	grep -c 'reports over its quota 1000, live [0-9]*, over its live ceiling 0, blocked (flood)$' "$T/peers0.txt"
}
pl_wait 8 1 peers_flood && ok ||
    { ko "reputectl peers at n0: no flood block"; cat "$T/peers0.txt"; }
wait $epid
[ "$(cat "$T/evil.out")" = open ] && ok ||
    ko "the flooder's session: $(cat "$T/evil.out")"
for i in 0 1 2; do
	pl_wait 15 1 pl_metric $i "$FLOOD" && ok ||
	    ko "n$i: origins blocked for flooding: $(pl_metric $i "$FLOOD")"
done
pl_wait 15 127.0.0.2 pl_dig 0 192.0.2.90 && ok ||
    ko "n0 does not list n2's report made during the flood"

# Batches 1..11 of the flooder held at every node, 12..30 nowhere.
flooder_batches() {
	s=$(pl_metric "$1" reputed_store_batches)
	d=$(pl_digest "$1" | cut -d' ' -f2)
	echo $((${s:-0} - ${d:-0}))
}
for i in 0 1 2; do
	pl_wait 10 11 flooder_batches $i && ok ||
	    ko "n$i holds $(flooder_batches $i) batches of the flooder, not 11"
	f=$(pl_metric $i reputed_peer_flood_blocks_total)
	[ "$f" = 1 ] && ok || ko "n$i counted $f flood blocks, not 1"
	n=$(grep -c 'blocked for flooding at seq 11' "$T/n$i/log")
	[ "$n" = 1 ] && ok || ko "n$i logged the flood block $n times"
done
# Its reports count nowhere, those under its quota neither.
for i in 0 1 2; do
	for ip in 10.1.0.5 10.11.0.5 10.12.0.5; do
		a=$(pl_dig $i $ip)
		[ -z "$a" ] && ok || ko "n$i lists $ip of the flooder ($a)"
	done
done
d0=$(pl_digest 0)
for i in 1 2; do
	pl_wait 10 "$d0" pl_digest $i && ok || ko "n$i digest differs from n0's"
done

# A late joiner reaches the same decision from the held batches.
pl_conf 4 2
pl_start 4 || { pl_done; exit 1; }
pl_wait 15 1 pl_metric 4 "$FLOOD" && ok ||
    ko "n4 did not block the flooder on catch-up"
pl_wait 10 11 flooder_batches 4 && ok ||
    ko "n4 holds $(flooder_batches 4) batches of the flooder, not 11"
pl_wait 10 "$d0" pl_digest 4 && ok ||
    ko "n4 digest $(pl_digest 4) differs from n0's $d0"
pl_wait 10 127.0.0.2 pl_dig 4 192.0.2.90 && ok ||
    ko "n4 does not list n2's report"
a=$(pl_dig 4 10.1.0.5)
[ -z "$a" ] && ok || ko "n4 lists 10.1.0.5 of the flooder ($a)"

# Offline, the reason is in the store, and a rescore finds it again.
pl_stop 4
nocount() { sed 's/,"bytes_on_disk.*//'; }
before=$("$CTL" --db "$T/n4" stats --json | nocount)
echo "$before" | grep -q '"blocked_flood":1' && ok ||
    ko "reputectl stats at n4: $before"
"$CTL" --db "$T/n4" rescore >/dev/null 2>&1 || ko "rescore at n4"
after=$("$CTL" --db "$T/n4" stats --json | nocount)
[ "$after" = "$before" ] && ok ||
    ko "rescore changed n4's store: $before -> $after"
pl_done
