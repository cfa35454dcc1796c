#!/bin/sh
# faults_netns.sh: the peer network on links that lose, delay and reorder.
# Five daemons, each in a network namespace of its own (ip netns), joined
# by faults_hub.py: every frame between them is delayed 50 ms +- 20 ms
# (so frames overtake each other) and 2 % are lost. (That is what
# `tc qdisc ... netem delay 50ms 20ms loss 2%` would do; the hub does it in
# user space because kernels without sch_netem, like this project's CI
# machines, are common.) The nodes form a ring with one chord (n0-n2).
# Checked: every session comes up; a report reaches all five; reports
# made at all five at once converge (equal digests); then node 0's link is
# cut for 2 s every 4 s for 24 s while reports keep coming at n0 and n2,
# and afterwards all five converge again, holding every report. Needs
# root (namespaces, TAP devices); skips otherwise. Takes about a minute.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
CTL=$TOP/$BUILD/reputectl
. "$TOP/tests/lib/common.sh"
t_missing curl python3 dig ip
skip() { echo "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
N=5
P=rf$$		# namespaces $P-n0.., TAP devices ${P}t0..
HUB=""
t_tmpdir faults
t_on_exit() {
	stop_pids $PIDS
	PIDS=""
	[ -n "$HUB" ] && stop_pids "$HUB" && cat "$TMP/hub.log"
	for i in $(seq 0 $((N - 1))); do ip netns del "$P-n$i" 2>/dev/null; done
}
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
[ -c /dev/net/tun ] || skip "no /dev/net/tun"
ip netns add "$P-probe" 2>/dev/null || skip "ip netns add is not permitted here"
ip netns del "$P-probe"

: >"$TMP/down"
python3 "$(dirname "$0")/faults_hub.py" "${P}t" $N "$TMP/down" "$TMP/ready" \
    >"$TMP/hub.log" 2>&1 &
HUB=$!
for _ in $(seq 1 50); do [ -f "$TMP/ready" ] && break; sleep 0.1; done
[ -f "$TMP/ready" ] || { cat "$TMP/hub.log"; skip "faults_hub.py cannot make TAP devices"; }

"$CTL" ca new --key "$TMP/ca.key" --cert "$TMP/ca.pem" --org orgF --cn "F CA" \
    >/dev/null || ko "ca new"
addr() { echo "10.77.0.$(($1 + 1))"; }
for i in $(seq 0 $((N - 1))); do
	ns=$P-n$i
	ip netns add "$ns" || { ko "netns $ns"; t_done; }
	ip link set "${P}t$i" netns "$ns" &&
	ip -n "$ns" link set lo up &&
	ip -n "$ns" addr add "$(addr $i)/24" dev "${P}t$i" &&
	ip -n "$ns" link set "${P}t$i" up || { ko "link of $ns"; t_done; }
	mkdir -p "$TMP/n$i"
	"$CTL" keygen --out "$TMP/n$i/node.key" >/dev/null &&
	"$CTL" cert issue --ca-key "$TMP/ca.key" --ca-cert "$TMP/ca.pem" \
	    --node-key "$TMP/n$i/node.key" --cn "n$i" --org orgF \
	    --out "$TMP/n$i/node.pem" >/dev/null || ko "cert n$i"
	{
		printf 'server:\n\tname: "n%s"\n\tdirectory: "%s"\n' $i "$TMP/n$i"
		printf '\tusername: ""\n\tpidfile: "%s"\n' "$TMP/n$i/reputed.pid"
		printf '\tkey-file: "node.key"\n\tcert-file: "node.pem"\n\tsync: 1\n'
		printf 'dns:\n\tlisten: 127.0.0.1@5353\n\trrl-limit: 0\n'
		printf 'zone:\n\tname: bl.test\n\tkind: ip\n'
		printf 'api:\n\tlisten: 127.0.0.1@8053\n'
		printf 'peering:\n\tlisten: %s@7946\n\ttrust-anchor: "%s"\n' \
		    "$(addr $i)" "$TMP/ca.pem"
		j=$(((i + 1) % N))
		printf '\tpeer: n%s %s@7946\n' $j "$(addr $j)"
		[ $i = 0 ] && printf '\tpeer: n2 %s@7946\n' "$(addr 2)"
		printf 'policy:\n\tmin-origins: 1\n\tthreshold: 0.5\n'
	} >"$TMP/n$i/reputed.conf"
done

in_ns() { n=$1; shift; ip netns exec "$P-n$n" "$@"; }
api() { in_ns "$1" curl -sf --max-time 5 "http://127.0.0.1:8053$2"; }
metric() { api "$1" /metrics | awk -v n="$2" '$1 == n {print $2}'; }
report() {
	in_ns "$1" curl -sf --max-time 10 -d "{\"ip\":\"$2\",\"category\":\"spam\",\"confidence\":100}" \
	    http://127.0.0.1:8053/v1/reports >/dev/null
}
listed() { # listed N IP -> the A record at node N
	r=$(echo "$2" | awk -F. '{print $4"."$3"."$2"."$1}')
	in_ns "$1" dig +short +time=1 +tries=1 -p 5353 @127.0.0.1 "$r.bl.test" A 2>/dev/null | head -1
}
digest() { api "$1" /v1/digest | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["digest"], d["batches"])'; }
wait_for() { # wait_for SECS CMD...: until CMD succeeds; prints the seconds taken
	s0=$(date +%s.%N); end=$(($(date +%s) + $1)); shift
	while [ "$(date +%s)" -le "$end" ]; do
		if "$@"; then echo "$(date +%s.%N) $s0" | awk '{printf "%.1f", $1 - $2}'; return 0; fi
		sleep 0.2
	done
	return 1
}
all_up() {
	for i in $(seq 0 $((N - 1))); do
		want=2; [ $i = 0 ] || [ $i = 2 ] && want=3
		[ "$(metric $i reputed_peers_up)" = $want ] || return 1
	done
}
all_listed() { for i in $(seq 0 $((N - 1))); do [ -n "$(listed $i "$1")" ] || return 1; done; }
converged() { # all digests equal and holding at least $1 batches
	d0=$(digest 0); [ -n "$d0" ] && [ "${d0#* }" -ge "$1" ] || return 1
	for i in $(seq 1 $((N - 1))); do [ "$(digest $i)" = "$d0" ] || return 1; done
}

for i in $(seq 0 $((N - 1))); do
	# not in_ns: a function run with & is a subshell, and $! would be
	# its PID, not the daemon's (ip netns exec execs the command)
	ip netns exec "$P-n$i" "$REPUTED" -d -c "$TMP/n$i/reputed.conf" \
	    >>"$TMP/n$i/log" 2>&1 &
	PIDS="$PIDS $!"
done
if t=$(wait_for 40 all_up); then ok "sessions up in ${t}s"; else
	ko "sessions up: $(for i in 0 1 2 3 4; do printf '%s ' "$(metric $i reputed_peers_up)"; done)"
fi

# One report: how long until all five list it.
report 0 198.51.100.1 || ko "report at n0"
if t=$(wait_for 30 all_listed 198.51.100.1); then ok "one report listed at all five in ${t}s"
else ko "198.51.100.1 not listed everywhere"; fi

# Five nodes report at once.
rp=""
for i in $(seq 0 $((N - 1))); do report $i "198.51.100.$((10 + i))" & rp="$rp $!"; done
for p in $rp; do wait "$p" || ko "a report at once failed"; done
if t=$(wait_for 30 converged 6); then ok "reports at all five converged in ${t}s"
else ko "no convergence: $(for i in 0 1 2 3 4; do digest $i; done | sort | uniq -c | tr '\n' ';')"; fi

# Node 0's link flaps: cut 2 s, up 2 s, for 24 s; reports keep coming.
k=0
for round in 1 2 3 4 5 6; do
	echo 0 >"$TMP/down"
	report 0 "198.51.100.$((100 + k))" || ko "report at n0 while cut"
	report 2 "198.51.100.$((150 + k))" || ko "report at n2"
	k=$((k + 1))
	sleep 2
	: >"$TMP/down"
	report 0 "198.51.100.$((100 + k))" || ko "report at n0 while up"
	report 2 "198.51.100.$((150 + k))" || ko "report at n2"
	k=$((k + 1))
	sleep 2
done
if t=$(wait_for 60 converged $((6 + 2 * k))); then
	ok "converged ${t}s after the flapping ($((6 + 2 * k)) batches)"
else
	ko "no convergence after the flapping: $(for i in 0 1 2 3 4; do digest $i; done | sort | uniq -c | tr '\n' ';')"
fi
miss=0
for j in $(seq 0 $((k - 1))); do
	for ip in "198.51.100.$((100 + j))" "198.51.100.$((150 + j))"; do
		all_listed "$ip" || miss=$((miss + 1))
	done
done
[ $miss = 0 ] && ok "every report of the flapping listed at all five" ||
    ko "$miss reports of the flapping not listed everywhere"
i=0
for p in $PIDS; do kill -0 "$p" 2>/dev/null || ko "n$i died"; i=$((i + 1)); done
t_done
