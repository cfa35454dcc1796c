#!/bin/sh
# peer_quota.sh: a flooding member is held to its quota, the same way at
# every node, while the others' reports still propagate. Three nodes in a
# line n0 - n1 - n2 with quota-per-hour 1000. n0 floods 5,000 valid reports
# at once; every node keeps the first 1,000 of them (in n0's seq order) and
# counts 4,000 dropped, the digests agree, a report made at n2 during
# the flood is listed at n0, and `reputectl peers` at n1 shows n0's 4,000
# reports over its quota on n0's session.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 9
pl_org orgA
for i in 0 1 2; do pl_node $i orgA; done
QUOTA=1000
pl_conf 0
pl_conf 1 0
pl_conf 2 1
for i in 0 1 2; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 2 pl_peers_up 1 || ko "n1 not linked to both neighbours"

flood() { # 5,000 reports in chunks of 1,000, 10.B.x.y
	for b in 0 1 2 3 4; do
		python3 -c '
import json, sys
b = int(sys.argv[1])
print("\n".join(json.dumps({"ip": "10.%d.%d.%d" % (b, i // 256, i % 256),
    "category": "spam"}) for i in range(1000)))' $b |
		curl -sf --max-time 20 -H 'Content-Type: application/x-ndjson' \
		    --data-binary @- "$(pl_api 0)/v1/reports" >/dev/null ||
		    ko "flood chunk $b refused"
	done
}
flood &
fpid=$!
PIDS="$PIDS $fpid"
pl_report 2 192.0.2.90 || ko "honest report at n2"
wait $fpid
pl_wait 15 127.0.0.2 pl_dig 0 192.0.2.90 && ok ||
    ko "n0 does not list n2's report made during the flood"
for i in 0 1 2; do
	pl_wait 15 4000 pl_metric $i reputed_store_quota_dropped && ok ||
	    ko "n$i dropped $(pl_metric $i reputed_store_quota_dropped), not 4000"
done
# The first thousand count everywhere, the rest nowhere.
for i in 0 1 2; do
	a=$(pl_dig $i 10.0.0.5); b=$(pl_dig $i 10.4.3.0)
	[ "$a" = 127.0.0.2 ] && [ -z "$b" ] && ok ||
	    ko "n$i: kept report answers '$a', dropped report answers '$b'"
done
# reputectl peers at n1: n0's session carries n0's own counts
"$CTL" --api "127.0.0.1:$API_1" peers >"$T/peers1.txt" 2>&1
grep -q 'reports over its quota 4000$' "$T/peers1.txt" && ok ||
    { ko "reputectl peers at n1 does not show n0's 4000 over quota"; cat "$T/peers1.txt"; }
"$CTL" --api "127.0.0.1:$API_1" peers --json >"$T/peers1.json" 2>&1
python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
q = sorted(s.get("quota_dropped", -1) for s in d["sessions"])
sys.exit(0 if q == [0, 4000] else 1)' "$T/peers1.json" && ok ||
    ko "peers --json at n1: quota_dropped of its two sessions not [0, 4000]"
d0=$(pl_digest 0)
for i in 1 2; do
	pl_wait 10 "$d0" pl_digest $i && ok || ko "n$i digest differs from n0's"
done
pl_done
