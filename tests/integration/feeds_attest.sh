#!/bin/sh
# feeds_attest.sh: a signed complaint from a member without a node counts
# for that member's organisation at every node (docs/FEEDS.md, "Signed
# complaints"). A federation of organisations A, B and C under one bridge
# CA; C runs no node. n0 (org A) and n1 (org B) peer over TLS, each
# anchored on the bridge only, with a quorum of two organisations.
#   - 192.0.2.71: n0 reports it itself (org A), and receives an S/MIME
#     complaint about it signed by C's abuse desk (the cross certificate
#     travels in the signature): listed at n1, and n1's explanation names
#     organisation C, for a pseudo-origin that is not n0's.
#   - 192.0.2.72: two unsigned complaints through n0: one organisation,
#     not listed at n1.
#   - 192.0.2.73: n0 reports it, and C signs a complaint that holds the
#     returned message: it may not travel (personal data), so it is n0's
#     own observation: not listed.
# n2 (org B) anchors organisations A and B only, not the bridge: there
# the signature of C's desk has no path, so the attested report is
# dropped and counted (untrusted-signer) and 192.0.2.71 is org A's word
# alone; once n2 anchors the bridge too (SIGHUP), it verifies its kept
# verdicts again and lists it. A CRL learned from a peer counts for signed complaints: n1's
# crl: file revokes org B's desk deskB2; n0, with no CRL file, learns it
# from n1's directory and will not take deskB2's signature. Then n1's
# store, rescored offline (no trust anchors there), gives the same
# listing and the same organisation.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 9
pl_org orgA
pl_org orgB
pl_org orgC
"$CTL" ca bridge --key "$T/bridge.key" --cert "$T/bridge.pem" \
    --org Bridge >/dev/null || ko "ca bridge"
for o in orgA orgB orgC; do
	"$CTL" ca cross --key "$T/bridge.key" --cert "$T/bridge.pem" \
	    --ca "$T/$o.pem" --out "$T/$o-cross.pem" >/dev/null || ko "cross $o"
done
pl_node 0 orgA --chain "$T/orgA-cross.pem"
pl_node 1 orgB --chain "$T/orgB-cross.pem"
pl_node 2 orgB --chain "$T/orgB-cross.pem"
ANCHORS_0=$T/bridge.pem
ANCHORS_1=$T/bridge.pem
ANCHORS_2="$T/orgA.pem $T/orgB.pem"
MIN_ORGS=2
pl_signer deskC orgC --days 30
pl_signer deskB2 orgB --days 30
D=$T/desk
"$CTL" ca revoke --key "$T/orgB.key" --cert "$T/orgB.pem" \
    --crl "$T/orgB.crl" "$D/deskB2.pem" >/dev/null || ko "ca revoke deskB2"
pl_conf 0
CRL=$T/orgB.crl pl_conf 1 0
pl_conf 2 0
printf 'feeds:\n\tsigned: optional\n' >>"$T/n0/reputed.conf"

NOW=$(date -R)
report() { # report SOURCE-IP [returned]: an ARF report
	cat <<MSG
From: fbl@ispc.example
To: abuse@isp-a.example
Subject: complaint
Date: $NOW
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: text/plain

A complaint.
--b
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1
Version: 1
Arrival-Date: $NOW
Source-IP: $1

MSG
	if [ -n "$2" ]; then
		printf -- '--b\nContent-Type: text/rfc822-headers\n\n'
		printf 'From: someone@victim.example\nTo: user@isp-c.example\n\n'
	fi
	printf -- '--b--\n'
}
sign_by() { # sign_by DESK ORG SOURCE-IP [returned]: chain included
	desk=$1; org=$2; shift 2
	report "$@" >"$D/in.eml"
	printf 'From: desk@%s.example\nTo: abuse@isp-a.example\nSubject: signed complaint\n' "$org"
	openssl cms -sign -in "$D/in.eml" -signer "$D/$desk.pem" \
	    -inkey "$D/$desk.key" -certfile "$T/$org-cross.pem"
}
sign() { sign_by deskC orgC "$@"; }
sign 192.0.2.71 >"$T/c71.eml"
report 192.0.2.72 >"$T/u72.eml"
sign 192.0.2.73 returned >"$T/c73.eml"
sign_by deskB2 orgB 192.0.2.74 >"$T/b74.eml"

pl_start 0 && pl_start 1 && pl_start 2 || { pl_done; exit 1; }
pl_wait 10 1 pl_peers_up 1 || ko "n1 is not peered with n0"
pl_wait 10 1 pl_peers_up 2 || ko "n2 is not peered with n0"
post() { # post FILE -> CODE, headers in $T/h
	curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' --max-time 5 \
	    --data-binary @"$1" "$(pl_api 0)/v1/feeds/arf"
}
orgid() {
	openssl x509 -in "$T/$1.pem" -noout -pubkey |
	    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1
}
ORG_A=$(orgid orgA)
ORG_C=$(orgid orgC)

pl_report 0 192.0.2.71 || ko "report 71 at n0"
c=$(post "$T/c71.eml")
[ "$c" = 200 ] && grep -qi '^X-Reputed-Attested: yes' "$T/h" && ok ||
    ko "signed complaint 71: $c $(cat "$T/b") $(cat "$T/h")"
for f in u72 u72; do
	c=$(post "$T/$f.eml")
	[ "$c" = 200 ] && ok || ko "unsigned complaint 72: $c $(cat "$T/b")"
done
pl_report 0 192.0.2.73 || ko "report 73 at n0"
c=$(post "$T/c73.eml")
[ "$c" = 200 ] && grep -qi '^X-Reputed-Attested: no; .*returned message' "$T/h" &&
    ok || ko "complaint 73 with the returned message: $c $(cat "$T/h")"

pl_wait 10 127.0.0.2 pl_dig 1 192.0.2.71 && ok ||
    ko "n1 does not list 192.0.2.71 (org A's and org C's word)"
pl_wait 10 127.0.0.2 pl_dig 0 192.0.2.71 && ok ||
    ko "n0 does not list 192.0.2.71"
for i in 0 1; do
	for ip in 192.0.2.72 192.0.2.73; do
		[ -z "$(pl_dig $i $ip)" ] && ok ||
		    ko "n$i lists $ip on one organisation's word"
	done
done
# the explanation at n1: one origin of org A (n0), one of org C that is
# not n0's key but names n0 as the node that relayed it (via)
n0key=$("$CTL" cert pin "$T/n0/node.pem")
explain() { # explain IP -> "ORGS ORG:ORIGIN-IS-N0 ..." (sorted)
	curl -sf --max-time 5 "$(pl_api 1)/v1/reputation/$1" | python3 -c '
import json, sys
x = json.load(sys.stdin)["reputons"][0]["reputed"]
print(x["orgs"], " ".join(sorted("%s:%s:%s" % (e["org"], e["origin"] == sys.argv[1],
      e.get("via") == sys.argv[1]) for e in x["explanation"])))' "$n0key"
}
want=$(printf '%s\n' "$ORG_A:True:False" "$ORG_C:False:True" | sort | tr '\n' ' ')
r=$(explain 192.0.2.71)
[ "$r " = "2 $want" ] && ok || ko "n1's explanation of 71: $r (want 2 $want)"
r=$(explain 192.0.2.72)
[ "$r" = "1 $ORG_A:True:False" ] && ok || ko "n1's explanation of 72: $r"
r=$(explain 192.0.2.73)
[ "$r" = "1 $ORG_A:True:False" ] && ok || ko "n1's explanation of 73: $r"
for i in 0 1; do
	v=$(pl_metric $i 'reputed_attested_reports_total{result="verified"}')
	[ "$v" = 1 ] && ok || ko "n$i: verified attested reports: $v"
done

# n2 holds every batch of n0 (the same digest), but not C's path
d() { pl_digest "$1" | cut -d' ' -f1; }
pl_wait 10 "$(d 0)" d 2 && ok || ko "n2 does not hold n0's batches"
for c in untrusted-signer:1 verified:0; do
	v=$(pl_metric 2 "reputed_attested_reports_total{result=\"${c%%:*}\"}")
	[ "$v" = "${c#*:}" ] && ok || ko "n2: ${c%%:*} attested reports: $v"
done
[ -z "$(pl_dig 2 192.0.2.71)" ] && ok || ko "n2 lists 192.0.2.71 without C's path"
r=$(curl -sf --max-time 5 "$(pl_api 2)/v1/reputation/192.0.2.71" | python3 -c '
import json, sys
x = json.load(sys.stdin)["reputons"][0]["reputed"]
print(x["orgs"], " ".join(e["org"] for e in x["explanation"]))')
[ "$r" = "1 $ORG_A" ] && ok || ko "n2's explanation of 71: $r"
grep -q 'attested report dropped (untrusted-signer)' "$T/n2/log" && ok ||
    ko "n2 did not log the drop"
# n2 anchors the bridge too, and SIGHUP: its kept verdicts are checked
# again with the new trust, and C's word counts there now
sed -i "s|^peering:\$|peering:\n\ttrust-anchor: \"$T/bridge.pem\"|" "$T/n2/reputed.conf"
kill -HUP "$PID_2"
pl_wait 10 127.0.0.2 pl_dig 2 192.0.2.71 && ok ||
    ko "n2 does not list 192.0.2.71 once it anchors the bridge"
grep -q 'attested reports of 1 origin verified again' "$T/n2/log" && ok ||
    ko "n2 did not verify again"
v=$(pl_metric 2 'reputed_attested_reports_total{result="verified"}')
[ "$v" = 1 ] && ok || ko "n2: verified after the reload: $v"

# n0 learned n1's CRL (peering), and checks complaints with it
pl_wait 10 1 pl_metric 0 reputed_peer_crl_updates_total ||
    ko "n0 did not learn n1's CRL"
c=$(post "$T/b74.eml")
if [ "$c" = 200 ] && ! grep -qi '^X-Reputed-Signed-By' "$T/h" &&
    ! grep -qi '^X-Reputed-Attested' "$T/h"; then ok
else ko "deskB2's complaint at n0: $c $(cat "$T/h")"; fi
grep -q 'O=orgB/CN=deskB2 is not on .*: revoked' "$T/n0/log" && ok ||
    ko "n0 did not refuse deskB2's signature as revoked"

# Rescore offline at n1: no verifier there, the kept verdict decides.
pl_stop 1
"$CTL" --db "$T/n1" rescore >/dev/null || ko "rescore n1"
q=$("$CTL" --db "$T/n1" query 192.0.2.71 --json 2>&1)
r=$(echo "$q" | python3 -c '
import json, sys
x = json.load(sys.stdin)["reputons"][0]["reputed"]
print(x["orgs"], " ".join(sorted(set(e["org"] for e in x["explanation"]))))' 2>&1)
want=$(printf '%s\n' "$ORG_A" "$ORG_C" | sort | tr '\n' ' ')
[ "$r " = "2 $want" ] && ok || ko "after rescore: $r (want 2 $want): $q"

# Offline, reputectl --db ingest attests the same way: its batch carries
# the signature, and its store's verifier (--trust-anchor) binds the
# report to org C, via the ingesting key.
"$CTL" keygen --out "$T/off.key" >/dev/null || ko "keygen off"
offkey=$(openssl pkey -in "$T/off.key" -pubout -outform DER | tail -c 32 |
    od -An -tx1 | tr -d ' \n')
out=$("$CTL" --db "$T/off" ingest --key "$T/off.key" --verbose \
    --trust-anchor "$T/bridge.pem" --signed require "$T/c71.eml" 2>&1)
echo "$out" | grep -q '^c71.eml: s/mime attested' && ok || ko "offline: not attested: $out"
q=$("$CTL" --db "$T/off" query 192.0.2.71 --json 2>&1)
r=$(echo "$q" | python3 -c '
import json, sys
x = json.load(sys.stdin)["reputons"][0]["reputed"]
print(" ".join("%s:%s" % (e["org"], e.get("via")) for e in x["explanation"]))' 2>&1)
[ "$r" = "$ORG_C:$offkey" ] && ok || ko "offline ingest: $r (want $ORG_C:$offkey)"
pl_done
