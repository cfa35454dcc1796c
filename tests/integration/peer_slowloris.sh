#!/bin/sh
# peer_slowloris.sh: handshakes that never end cannot lock members out.
# Strangers (peer_trickle.py, from 127.0.0.2 and up) open hundreds of
# connections to n0 and send a real TLS ClientHello one byte every two
# seconds. n0 must close each of them 10 s after accept at the latest
# (an absolute deadline, not an inactivity timeout), keep at most 8 in
# handshake per source address and 64 in all, and meanwhile let members
# in: n2 (not configured at n0) restarts and links again while 320 such
# connections come from five addresses; n1 (configured at n0) does the
# same while the handshake budget is full.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
TRICKLE="python3 $(dirname "$0")/peer_trickle.py"
pl_ports 9
pl_org orgA
for i in 0 1 2; do pl_node $i orgA; done
pl_conf 0 1
pl_conf 1 0
pl_conf 2 0
for i in 0 1 2; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 15 2 pl_peers_up 0 && ok || ko "n0 has $(pl_peers_up 0) peers up, want 2"

# 320 slow handshakes from five addresses, for 24 s; n2 restarts meanwhile.
$TRICKLE 127.0.0.1 "$PEER_0" 5 320 24 2 >"$T/trickle1" &
tp=$!
sleep 3
pending=$(pl_metric 0 reputed_peer_handshakes_pending)
[ "${pending:-99}" -le 40 ] && ok || ko "n0 holds $pending handshakes from 5 addresses (cap 8 each)"
pl_stop 2
pl_wait 10 1 pl_peers_up 0 || ko "n0 did not notice n2 leave"
pl_start 2 || ko "n2 restart"
pl_wait 10 2 pl_peers_up 0 && ok || ko "n2 could not link again during the trickle"
wait $tp
read -r _ conn _ at_once _ later _ longest _ still <"$T/trickle1"
echo "trickle from 5 addresses: $(cat "$T/trickle1")"
[ "$at_once" -ge 270 ] && ok || ko "only $at_once of $conn refused at once"
[ "$still" = 0 ] && ok || ko "$still slow handshakes still open after 24 s"
awk -v l="$longest" 'BEGIN { exit !(l <= 12.5) }' && ok ||
    ko "a slow handshake stayed open $longest s (deadline 10 s)"
t=$(pl_metric 0 reputed_peer_handshake_timeouts_total)
[ "${t:-0}" -ge 30 ] && ok || ko "handshake timeouts counted: $t"
r=$(pl_metric 0 reputed_peer_accept_refused_total)
[ "${r:-0}" -ge 250 ] && ok || ko "accepts refused counted: $r"

# The budget full (12 addresses x 8 > 64): n1, a configured peer, restarts
# and links again.
$TRICKLE 127.0.0.1 "$PEER_0" 12 200 14 2 >"$T/trickle2" &
tp=$!
sleep 2
pending=$(pl_metric 0 reputed_peer_handshakes_pending)
[ "${pending:-0}" -ge 64 ] && ok || ko "budget not full: $pending pending"
pl_stop 1
pl_wait 10 1 pl_peers_up 0 || ko "n0 did not notice n1 leave"
pl_start 1 || ko "n1 restart"
pl_wait 10 2 pl_peers_up 0 && ok || ko "configured n1 could not link during the flood"
wait $tp
echo "trickle from 12 addresses: $(cat "$T/trickle2")"
pl_wait 5 2 pl_peers_up 0 && ok || ko "n0 lost members after the trickle"
pl_done
