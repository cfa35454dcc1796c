#!/bin/sh
# peer_refused.sh: who may peer. n0 (organisation A) trusts its own CA and
# a bridge; it must refuse, at the TLS handshake, a node whose certificate
# is from an unknown CA, an expired one, a revoked one (n0's CRL), and a
# node whose key is not the one pinned. It must accept organisation B's
# node through the bridge's cross certificate, and a correctly pinned peer.
# Refusals never take n0 down: it keeps its good sessions.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 24
pl_org orgA
pl_org orgB
pl_org rogue
"$CTL" ca bridge --key "$T/bridge.key" --cert "$T/bridge.pem" --org Bridge \
    >/dev/null || ko "ca bridge"
"$CTL" ca cross --key "$T/bridge.key" --cert "$T/bridge.pem" \
    --ca "$T/orgB.pem" --out "$T/orgB-cross.pem" >/dev/null || ko "ca cross"
"$CTL" ca cross --key "$T/bridge.key" --cert "$T/bridge.pem" \
    --ca "$T/orgA.pem" --out "$T/orgA-cross.pem" >/dev/null || ko "ca cross"

pl_node 0 orgA --chain "$T/orgA-cross.pem"	# the node under test
pl_node 1 orgA				# good, same organisation
pl_node 2 rogue				# unknown CA
pl_node 3 orgA --not-before $(($(date +%s) - 864000)) --days 1	# expired
pl_node 4 orgA				# revoked below
pl_node 5 orgB --chain "$T/orgB-cross.pem"	# via the bridge
pl_node 6 orgA				# n0 pins n6 with n1's key: wrong pin
pl_node 7 orgA				# n0 pins n7 with n7's key: right pin
"$CTL" ca revoke --key "$T/orgA.key" --cert "$T/orgA.pem" --crl "$T/crl.pem" \
    "$T/n4/node.pem" >/dev/null || ko "ca revoke"
"$CTL" cert verify --anchor "$T/orgA.pem" --crl "$T/crl.pem" \
    "$T/n4/node.pem" >/dev/null 2>&1 && ko "reputectl cert verify accepts a revoked cert"
"$CTL" cert verify --anchor "$T/bridge.pem" "$T/n5/node.pem" \
    --chain "$T/orgB-cross.pem" >/dev/null || ko "reputectl cert verify refuses n5 via the bridge"

ANCHORS_0="$T/orgA.pem $T/bridge.pem"
ANCHORS_5="$T/orgB.pem $T/bridge.pem"
ANCHORS_7="$T/orgA.pem $T/bridge.pem"
ANCHORS_2="$T/orgA.pem"		# it would accept n0; n0 must refuse it
CRL="$T/crl.pem" pl_conf 0 "6:$(pl_pin 1)" "7:$(pl_pin 7)"
for i in 1 2 3 4 5; do pl_conf $i 0; done
pl_conf 6
pl_conf 7
for i in 0 1 2 3 4 5 6 7; do pl_start $i || { pl_done; exit 1; }; done

# n0: up with n1, n5 (bridge) and n7 (pinned): three sessions.
if pl_wait 15 3 pl_peers_up 0; then ok; else
	ko "n0 has $(pl_peers_up 0) peers up, want 3"
fi
sleep 2
if [ "$(pl_peers_up 0)" = 3 ]; then ok; else ko "n0 peers up: $(pl_peers_up 0)"; fi
for i in 2 3 4; do
	if [ "$(pl_peers_up $i)" = 0 ]; then ok; else ko "n$i was let in"; fi
done
grep -q "certificate refused" "$T/n0/log" && ok || ko "n0 logged no refusal"
grep -q "certificate revoked" "$T/n0/log" && ok || ko "n0 did not log the revocation"
grep -q "certificate has expired" "$T/n0/log" && ok || ko "n0 did not log the expiry"
grep -q "peer n6: certificate refused: key differs from the pinned key" \
    "$T/n0/log" && ok || ko "n0 did not refuse n6 for its pin"
r=$(pl_metric 0 reputed_peer_refused_total)
[ "${r:-0}" -ge 3 ] && ok || ko "refused counter $r"
# Reports cross the bridge both ways.
pl_report 5 198.51.100.5 || ko "report at n5"
pl_wait 5 127.0.0.2 pl_dig 0 198.51.100.5 && ok || ko "n5's report not at n0"
pl_wait 5 127.0.0.2 pl_dig 7 198.51.100.5 && ok || ko "n5's report not at n7"
# n1 trusts only its own CA: n5's batches reach it (through n0) with n5's
# certificate, which it cannot validate: held, never applied.
h=$(pl_metric 1 reputed_peer_held_total)
[ "${h:-0}" -ge 1 ] && ok || ko "n1 held nothing ($h)"
[ -z "$(pl_dig 1 198.51.100.5)" ] && ok || ko "n1 applied a batch it cannot verify"
# ... but never to the refused nodes.
[ -z "$(pl_dig 2 198.51.100.5)" ] && ok || ko "refused n2 got a report"
# Revoking a connected peer: a new CRL and SIGHUP close its session, and
# its reconnections are refused.
"$CTL" ca revoke --key "$T/orgA.key" --cert "$T/orgA.pem" --crl "$T/crl.pem" \
    "$T/n1/node.pem" >/dev/null || ko "ca revoke n1"
kill -HUP "$PID_0"
if pl_wait 10 2 pl_peers_up 0; then ok; else
	ko "n0 still has $(pl_peers_up 0) peers after revoking n1"
fi
sleep 2
[ "$(pl_peers_up 0)" = 2 ] && ok || ko "n1 came back: $(pl_peers_up 0) peers"
[ "$(pl_peers_up 1)" = 0 ] && ok || ko "n1 still peers"
pl_done
