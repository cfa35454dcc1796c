#!/bin/sh
# peer_reload.sh: SIGHUP applies peers, pins and trust anchors without
# touching the sessions they do not concern. n1 (org A) links to n0 and
# must keep the same session through every reload below; n2 (org B) is
# refused until n0 trusts org B's CA; n3 (org A) is added with a wrong
# pin (refused), then the right one (linked), then removed (closed); org
# B's anchor removed closes n2's session. A config that does not parse,
# or names an anchor file that does not exist, is refused and changes
# nothing.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 12
pl_org orgA
pl_org orgB
pl_node 0 orgA
pl_node 1 orgA
pl_node 2 orgB
pl_node 3 orgA
ANCHORS_2="$T/orgB.pem $T/orgA.pem"
pl_conf 0
pl_conf 1 0
pl_conf 2 0
pl_conf 3
for i in 0 1 2 3; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 1 pl_peers_up 0 && ok || ko "n0 has $(pl_peers_up 0) peers up, want 1"

# since_ms of the session of n0 with the node named $1 ("" if none)
since() {
	curl -sf --max-time 5 "$(pl_api 0)/v1/peers" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(str(s["since_ms"]) for s in d["sessions"]
               if s["remote_name"] == sys.argv[1] and s["state"] == "up"))' "$1"
}
s1=$(since n1)
[ -n "$s1" ] && ok || ko "no session with n1"
same_n1() {
	[ "$(since n1)" = "$s1" ] && ok || ko "$1: n1's session changed ($(since n1) != $s1)"
}
reload() { # reload LOG-LINE: SIGHUP n0, wait for the line to appear
	c=$(grep -c "$1" "$T/n0/log")
	kill -HUP "$PID_0"
	pl_wait 5 $((c + 1)) grep -c "$1" "$T/n0/log" || ko "n0 did not log '$1'"
}

# 1: org B's CA trusted, n2 and n3 (wrong pin: n1's key) added.
ANCHORS_0="$T/orgA.pem $T/orgB.pem"
pl_conf 0 2 "3:$(pl_pin 1)"
reload "reloaded "
pl_wait 10 2 pl_peers_up 0 && ok || ko "after reload 1: $(pl_peers_up 0) peers up, want 2"
grep -q "peer n3: certificate refused: key differs from the pinned key" \
    "$T/n0/log" && ok || ko "n3 not refused for its pin"
grep -q "reload: peering: 2 peers added, 0 removed" "$T/n0/log" && ok ||
    ko "no 'peers added' line"
[ -n "$(since n2)" ] && ok || ko "n2 not linked after its anchor was added"
same_n1 "reload 1"

# 2: n3's right pin.
pl_conf 0 2 "3:$(pl_pin 3)"
reload "reloaded "
pl_wait 10 3 pl_peers_up 0 && ok || ko "after reload 2: $(pl_peers_up 0) peers up, want 3"
same_n1 "reload 2"

# 3: n3 removed, org B's anchor removed (n2 stays configured).
ANCHORS_0="$T/orgA.pem"
pl_conf 0 2
reload "reloaded "
pl_wait 10 1 pl_peers_up 0 && ok || ko "after reload 3: $(pl_peers_up 0) peers up, want 1"
grep -q "closed: no longer a configured peer" "$T/n0/log" && ok ||
    ko "n3's session not closed as removed"
grep -q "peer n2: closed: unable to get local issuer certificate" \
    "$T/n0/log" && ok || ko "n2's session not closed for its anchor"
sleep 2
[ "$(pl_peers_up 0)" = 1 ] && ok || ko "n2 or n3 came back: $(pl_peers_up 0) peers"
same_n1 "reload 3"

# 4: a config that does not parse: refused, nothing changes.
cp "$T/n0/reputed.conf" "$T/good.conf"
ANCHORS_0="$T/orgA.pem $T/orgB.pem"
pl_conf 0 2
printf 'peering:\n\tpeer: broken\n' >>"$T/n0/reputed.conf"
reload "reload refused"
sleep 1
[ "$(pl_peers_up 0)" = 1 ] && ok || ko "a refused config changed the peers: $(pl_peers_up 0)"
same_n1 "refused reload"

# 5: an anchor file that does not exist: the peering part is refused.
ANCHORS_0="$T/orgA.pem $T/missing.pem"
pl_conf 0 2
reload "keeping the old peers, anchors and CRL"
sleep 1
[ "$(pl_peers_up 0)" = 1 ] && ok || ko "a missing anchor changed the peers: $(pl_peers_up 0)"
same_n1 "missing anchor"
[ "$(since n2)" = "" ] && ok || ko "n2 came back with the refused anchors"
pl_done
