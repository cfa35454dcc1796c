#!/bin/sh
# peer_revoke.sh: a revocation reaches every organisation at once. Two
# organisations joined by a bridge: n0 and n1 (org A), n2 and n3 (org B),
# and n4 (org B), a relay without trust anchors that pins n1 and n3 and so
# passes on whatever n1 signs. Org A revokes n1 and reloads only n0's CRL
# (SIGHUP). The CRL must flood: n2 (org B) closes its session with n1 and
# refuses it from then on, within seconds, not at the next periodic
# recheck. A batch n1 signs afterwards, relayed by n4, is dropped at n3
# (counted as revoked) and never applied at n0, n2 or n3, whose digests
# stay equal.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 15
pl_org orgA
pl_org orgB
"$CTL" ca bridge --key "$T/bridge.key" --cert "$T/bridge.pem" --org Bridge \
    >/dev/null || ko "ca bridge"
for o in orgA orgB; do
	"$CTL" ca cross --key "$T/bridge.key" --cert "$T/bridge.pem" \
	    --ca "$T/$o.pem" --out "$T/$o-cross.pem" >/dev/null || ko "ca cross $o"
done
pl_node 0 orgA --chain "$T/orgA-cross.pem"
pl_node 1 orgA --chain "$T/orgA-cross.pem"	# revoked below
pl_node 2 orgB --chain "$T/orgB-cross.pem"
pl_node 3 orgB --chain "$T/orgB-cross.pem"
pl_node 4 orgB --chain "$T/orgB-cross.pem"	# the relay
# Org A's CRL, empty for now: only n0 is configured with it.
"$CTL" ca revoke --key "$T/orgA.key" --cert "$T/orgA.pem" --crl "$T/crl.pem" \
    >/dev/null || ko "empty CRL"
ANCHORS_0="$T/orgA.pem $T/bridge.pem"
ANCHORS_1="$T/orgA.pem $T/bridge.pem"
ANCHORS_2="$T/orgB.pem $T/bridge.pem"
ANCHORS_3="$T/orgB.pem $T/bridge.pem"
ANCHORS_4=""
CRL="$T/crl.pem" pl_conf 0 1 2
pl_conf 1 2
pl_conf 2 3
pl_conf 3
pl_conf 4 "1:$(pl_pin 1)" "3:$(pl_pin 3)"
for i in 0 1 2 3 4; do pl_start $i || { pl_done; exit 1; }; done

pl_wait 15 3 pl_peers_up 1 && ok || ko "n1 has $(pl_peers_up 1) peers up, want 3"
pl_wait 15 2 pl_peers_up 3 && ok || ko "n3 has $(pl_peers_up 3) peers up, want 2"
pl_report 1 198.51.100.1 || ko "report at n1"
for i in 0 2 3 4; do
	pl_wait 5 127.0.0.2 pl_dig $i 198.51.100.1 && ok ||
	    ko "n1's report before the revocation not at n$i"
done

# Org A revokes n1; only n0 reloads its CRL.
"$CTL" ca revoke --key "$T/orgA.key" --cert "$T/orgA.pem" --crl "$T/crl.pem" \
    "$T/n1/node.pem" >/dev/null || ko "ca revoke n1"
kill -HUP "$PID_0"
# n0 and n2 (which learned the CRL from n0) drop n1; n4 has no anchors.
pl_wait 10 1 pl_peers_up 1 && ok || ko "n1 still has $(pl_peers_up 1) peers up"
pl_wait 5 2 pl_peers_up 2 && ok || ko "n2 has $(pl_peers_up 2) peers up, want 2"
grep -q "closed: certificate revoked" "$T/n2/log" && ok ||
    ko "n2 did not close n1 for its revocation"
c=$(pl_metric 2 reputed_peer_crl_updates_total)
[ "${c:-0}" -ge 1 ] && ok || ko "n2 counted no CRL update ($c)"
# ... and n1's reconnections are refused at n2's handshake.
sleep 2
[ "$(pl_peers_up 1)" = 1 ] && ok || ko "n1 came back: $(pl_peers_up 1) peers"

# A batch n1 signs now goes to n4 only, which passes it to n3.
pl_report 1 198.51.100.2 || ko "report at n1 after the revocation"
pl_wait 5 127.0.0.2 pl_dig 4 198.51.100.2 && ok || ko "the relay n4 did not get it"
pl_wait 5 1 sh -c "curl -sf --max-time 5 '$(pl_api 3)/metrics' |
    awk '\$1 == \"reputed_peer_batches_dropped_total{reason=\\\"revoked\\\"}\" {print (\$2 >= 1)}'" &&
    ok || ko "n3 did not drop n1's batch as revoked"
for i in 0 2 3; do
	[ -z "$(pl_dig $i 198.51.100.2)" ] && ok ||
	    ko "n$i applied a batch signed after the revocation"
done
d0=$(pl_digest 0)
pl_wait 5 "$d0" pl_digest 2 && ok || ko "n2 digest $(pl_digest 2) != n0 $d0"
pl_wait 5 "$d0" pl_digest 3 && ok || ko "n3 digest $(pl_digest 3) != n0 $d0"
pl_done
