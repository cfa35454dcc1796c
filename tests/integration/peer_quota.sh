#!/bin/sh
# peer_quota.sh: a flooding member is held to its quota, the same way at
# every node, while the others' reports still propagate; and an honest
# node never signs past its own quota. Three nodes in a line n0 - n1 - n2
# with quota-per-hour 1000. A member (peer_evil.py with n3's certificate)
# sends n0 50 batches of 100 valid reports made at one moment; every node
# keeps the first 1,000 of them (in its seq order) and counts 4,000
# dropped, the digests agree, a report made at n2 during the flood is
# listed at n0, and `reputectl peers` at n0 shows the 4,000 reports over
# its quota on the member's session. Then n0's own API is offered more
# than n0's quota: 1,005 reports at once get 429 and the JSON error, 1,000
# are taken, one more gets 429; the refusals are counted in
# reputed_reports_refused_total{reason="quota"}, no node drops any of
# n0's reports (quota_dropped stays 4,000) and n0's key is not blocked.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
EVIL="python3 $(dirname "$0")/peer_evil.py"
pl_ports 12
pl_org orgA
for i in 0 1 2 3; do pl_node $i orgA; done	# n3: the flooder
QUOTA=1000
pl_conf 0
pl_conf 1 0
pl_conf 2 1
for i in 0 1 2; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 2 pl_peers_up 1 || ko "n1 not linked to both neighbours"

$EVIL 127.0.0.1 "$PEER_0" "$T/n3/node.pem" "$T/n3/node.key" \
    "$T/orgA.pem" flood 50 >"$T/evil.out" 2>&1 &
epid=$!
PIDS="$PIDS $epid"
pl_report 2 192.0.2.90 || ko "honest report at n2"
# While its session is up, n0 shows the member's reports over its quota.
peers_quota() {
	"$CTL" --api "127.0.0.1:$API_0" peers >"$T/peers0.txt" 2>&1
	"$CTL" --api "127.0.0.1:$API_0" peers --json >"$T/peers0.json" 2>&1
	grep -c 'reports over its quota 4000, live [0-9]*, over its live ceiling 0$' "$T/peers0.txt"
}
pl_wait 8 1 peers_quota && ok ||
    { ko "reputectl peers at n0 does not show 4000 over quota"; cat "$T/peers0.txt"; }
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
q = sorted((s["remote_name"], s.get("quota_dropped", 0)) for s in d["sessions"])
sys.exit(0 if q == [("evil", 4000), ("n1", 0)] else 1)' "$T/peers0.json" && ok ||
    { ko "peers --json at n0: quota_dropped of the member 4000 and n1 0?"; cat "$T/peers0.json"; }
wait $epid
[ "$(cat "$T/evil.out")" = open ] && ok ||
    ko "the flooder's session: $(cat "$T/evil.out")"
pl_wait 15 127.0.0.2 pl_dig 0 192.0.2.90 && ok ||
    ko "n0 does not list n2's report made during the flood"
for i in 0 1 2; do
	pl_wait 15 4000 pl_metric $i reputed_store_quota_dropped && ok ||
	    ko "n$i dropped $(pl_metric $i reputed_store_quota_dropped), not 4000"
done
# The first thousand (batches 1..10) count everywhere, the rest nowhere.
for i in 0 1 2; do
	a=$(pl_dig $i 10.1.0.5); b=$(pl_dig $i 10.10.0.99)
	c=$(pl_dig $i 10.11.0.5); d=$(pl_dig $i 10.50.0.5)
	[ "$a$b" = 127.0.0.2127.0.0.2 ] && [ -z "$c$d" ] && ok ||
	    ko "n$i: kept reports answer '$a' '$b', dropped ones '$c' '$d'"
done
d0=$(pl_digest 0)
for i in 1 2; do
	pl_wait 10 "$d0" pl_digest $i && ok || ko "n$i digest differs from n0's"
done

# n0's own reports: never signed past its own quota.
own() { # own N FIRST_OCTET -> HTTP code; body in $T/own.out
	python3 -c '
import json, sys
n, b = int(sys.argv[1]), int(sys.argv[2])
print("\n".join(json.dumps({"ip": "172.%d.%d.%d" % (b, i // 256, i % 256),
    "category": "spam"}) for i in range(n)))' "$1" "$2" |
	curl -s --max-time 20 -o "$T/own.out" -w '%{http_code}' \
	    -H 'Content-Type: application/x-ndjson' --data-binary @- \
	    "$(pl_api 0)/v1/reports"
}
over_quota() { # the 429's body: {"error": "over this node's quota-per-hour (1000): ..."}
	python3 -c 'import json,sys
e = json.load(open(sys.argv[1]))["error"]
sys.exit(0 if e.startswith("over this node'"'"'s quota-per-hour (1000): ") else 1)' "$T/own.out"
}
REFUSED='reputed_reports_refused_total{reason="quota"}'
code=$(own 1005 16)
[ "$code" = 429 ] && over_quota && ok ||
    ko "1005 reports at n0: $code $(cat "$T/own.out")"
h0=$(date -u +%Y%m%d%H)
code=$(own 1000 17)
[ "$code" = 200 ] && ok || ko "1000 reports at n0: $code $(cat "$T/own.out")"
code=$(own 1 18)
if [ "$(date -u +%Y%m%d%H)" = "$h0" ]; then	# not a new hour meanwhile
	[ "$code" = 429 ] && over_quota && ok ||
	    ko "the 1001st report at n0: $code $(cat "$T/own.out")"
	r=$(pl_metric 0 "$REFUSED")
	[ "$r" = 1006 ] && ok || ko "n0 counted $r reports refused, not 1006"
fi
pl_wait 15 127.0.0.2 pl_dig 2 172.17.3.231 && ok ||
    ko "n2 does not list n0's 1000th report"
for i in 0 1 2; do
	pl_wait 10 4000 pl_metric $i reputed_store_quota_dropped && ok ||
	    ko "n$i dropped $(pl_metric $i reputed_store_quota_dropped), not 4000"
	b=$(pl_metric $i 'reputed_store_origins_blocked{reason="flood"}')
	[ "$b" = 0 ] && ok || ko "n$i blocked $b origins for flooding"
	a=$(pl_dig $i 172.16.0.5)
	[ -z "$a" ] && ok || ko "n$i lists a refused report of n0 ($a)"
done
d0=$(pl_digest 0)
for i in 1 2; do
	pl_wait 10 "$d0" pl_digest $i && ok || ko "n$i digest differs from n0's"
done
pl_done
