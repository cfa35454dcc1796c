#!/bin/sh
# peer_orgs.sh: the organisation is the unit of trust, with real daemons.
# n0 and n1 are two nodes of organisation A, n2 a node of organisation B,
# peered in a line n0 - n1 - n2, with the default quorum of two
# organisations. Both of A's nodes report an address: every node holds
# both reports (equal digests) and none lists it. B's node reports it too:
# listed at every node. Then n2 blocks organisation A by name.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 9
pl_org orgA
pl_org orgB
pl_node 0 orgA
pl_node 1 orgA
pl_node 2 orgB
for i in 0 1 2; do eval "ANCHORS_$i=\"$T/orgA.pem $T/orgB.pem\""; done
MIN_ORGS=2
pl_conf 0
pl_conf 1 0
pl_conf 2 1
pl_start 0 && pl_start 1 && pl_start 2 || { pl_done; exit 1; }
pl_wait 10 2 pl_peers_up 1 || ko "n1 does not have both peers up"

ip=192.0.2.77
pl_report 0 $ip || ko "report at n0"
pl_report 1 $ip || ko "report at n1"
# Both reports reached every node: the three digests agree on 2 batches.
d0() { pl_digest 0 | cut -d' ' -f2; }
d2() { pl_digest 2 | cut -d' ' -f2; }
pl_wait 10 2 d2 && ok || ko "n2 did not get both of A's batches ($(d2))"
pl_wait 10 2 d0 && ok || ko "n0 did not get n1's batch ($(d0))"
for i in 0 1 2; do
	a=$(pl_dig $i $ip)
	[ -z "$a" ] && ok || ko "n$i lists $ip on one organisation's word ($a)"
done
# The explanation names the organisation: both reports under org A's id.
orgid=$(openssl x509 -in "$T/orgA.pem" -noout -pubkey |
    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
q=$(curl -sf --max-time 5 "$(pl_api 2)/v1/reputation/$ip")
r=$(echo "$q" | python3 -c 'import json, sys
x = json.load(sys.stdin)["reputons"][0]["reputed"]
print(x["orgs"], " ".join(sorted(set(e["org"] for e in x["explanation"]))),
      len(x["explanation"]))')
[ "$r" = "1 $orgid 2" ] && ok ||
    ko "n2: two nodes of orgA should be one organisation ($orgid): $r"

pl_report 2 $ip || ko "report at n2"
for i in 0 1 2; do
	pl_wait 10 127.0.0.2 pl_dig $i $ip && ok ||
	    ko "n$i does not list $ip reported by two organisations"
done

# n2 blocks organisation A by name (its CA key's id): A's two nodes weigh
# nothing there at once (B alone is one organisation); n0 and n1 still
# list it.
printf 'origin:\n\torg: %s\n\tblocked: yes\n' "$orgid" >>"$T/n2/reputed.conf"
kill -HUP "$PID_2"
pl_wait 10 "" pl_dig 2 $ip && ok || ko "n2 still lists $ip with org A blocked"
grep -q "changed trust" "$T/n2/log" && ok || ko "n2 did not apply the org: clause"
for i in 0 1; do
	[ "$(pl_dig $i $ip)" = 127.0.0.2 ] && ok || ko "n$i stopped listing $ip"
done
pl_done
