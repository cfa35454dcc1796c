#!/bin/sh
# peer_orgquota.sh: an organisation's node keys share its quota, the same
# way at every node, whatever order their batches arrive in. Three nodes
# of organisation A in a line n0 - n1 - n2, quota-per-hour 1000 and
# quota-per-org-hour 1000. Organisation B issues itself two node
# certificates (n3, n4; peer_evil.py) and floods n0 with each: 20
# batches of 100 from n3 (10.SEQ.x.y), then 20 from n4 (11.SEQ.x.y). As
# long as n0 knows only n3, n3 keeps its own 1,000; once n4's first
# batch is applied, B has two members and each keeps its first 500 (n3's
# batches are folded again under the new share). Every node ends with
# the same: 3,000 dropped, batches 1..5 of each listed and 6.. not, the
# same digest; and a report made at n2 during the flood is listed at n0.
# /v1/peers shows B's share (org_members 2, quota_limit 500).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
EVIL="python3 $(dirname "$0")/peer_evil.py"
pl_ports 15
pl_org orgA
pl_org orgB
for i in 0 1 2; do pl_node $i orgA; done
for i in 3 4; do pl_node $i orgB; done	# B's two flooding certificates
for i in 0 1 2; do eval "ANCHORS_$i=\"$T/orgA.pem $T/orgB.pem\""; done
QUOTA=1000
ORG_QUOTA=1000
pl_conf 0
pl_conf 1 0
pl_conf 2 1
for i in 0 1 2; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 2 pl_peers_up 1 || ko "n1 not linked to both neighbours"

flood() { # flood I FIRST_OCTET
	$EVIL 127.0.0.1 "$PEER_0" "$T/n$1/node.pem" "$T/n$1/node.key" \
	    "$T/orgA.pem" flood 20 "$2" >"$T/evil$1.out" 2>&1
	[ "$(cat "$T/evil$1.out")" = open ] && ok ||
	    ko "n$1's flooding session: $(cat "$T/evil$1.out")"
}
flood 3 10
# n0 knows one member of B so far: its own 1,000 an hour.
pl_wait 15 1000 pl_metric 0 reputed_store_quota_dropped && ok ||
    ko "n0 dropped $(pl_metric 0 reputed_store_quota_dropped) of n3's, not 1000"
pl_report 2 192.0.2.91 || ko "honest report at n2"
flood 4 11
for i in 0 1 2; do
	pl_wait 20 3000 pl_metric $i reputed_store_quota_dropped && ok ||
	    ko "n$i dropped $(pl_metric $i reputed_store_quota_dropped), not 3000"
done
for i in 0 1 2; do
	a=$(pl_dig $i 10.5.0.99); b=$(pl_dig $i 11.5.0.99)
	c=$(pl_dig $i 10.6.0.0); d=$(pl_dig $i 11.6.0.0); e=$(pl_dig $i 10.10.0.5)
	[ "$a$b" = 127.0.0.2127.0.0.2 ] && [ -z "$c$d$e" ] && ok ||
	    ko "n$i: kept '$a' '$b', dropped '$c' '$d' '$e'"
done
pl_wait 15 127.0.0.2 pl_dig 0 192.0.2.91 && ok ||
    ko "n0 does not list n2's report made during the flood"
d0=$(pl_digest 0)
for i in 1 2; do
	pl_wait 10 "$d0" pl_digest $i && ok || ko "n$i digest differs from n0's"
done
# While a session of B's is up, /v1/peers shows its share.
$EVIL 127.0.0.1 "$PEER_0" "$T/n3/node.pem" "$T/n3/node.key" \
    "$T/orgA.pem" good >/dev/null 2>&1 &
PIDS="$PIDS $!"
share() {
	"$CTL" --api "127.0.0.1:$API_0" peers --json 2>/dev/null |
	python3 -c 'import json,sys
d = json.load(sys.stdin)
print(" ".join("%s/%s" % (s.get("org_members"), s.get("quota_limit"))
    for s in d["sessions"] if s["remote_name"] == "evil"))'
}
pl_wait 8 2/500 share && ok || ko "/v1/peers at n0 shows B's share as '$(share)'"
pl_done
