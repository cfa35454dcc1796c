#!/bin/sh
# peer_bench.sh: the peer network's measures, with real daemons and real
# TLS 1.3 on loopback.
#   1. propagation p50/p99 over a line of 5 nodes (submit at A, listed in
#      E's DNS answers), batching included;
#   2. one TLS link: live reports/s from A's API to B's store, and bytes
#      per report on the wire;
#   3. catch-up: a node that missed PEER_BENCH_REPORTS (default 1,000,000)
#      reports: time and bytes;
#   4. memory per idle peer session (anonymous memory, 50 sessions).
# Sizes: PEER_BENCH_REPORTS, PEER_BENCH_PROPAGATION (default 200 reports).
# PEER_BENCH_PARTS picks the measures ("1 2 3 4"); PEER_BENCH_CONF adds a
# line to every node's server: clause (e.g. "batch-idle: wait", the fixed
# batch window of before, to compare in one run).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/../integration/peer_lib.sh"
BENCH=$(cd "$(dirname "$0")" && pwd)
REPORTS=${PEER_BENCH_REPORTS:-1000000}
PROP=${PEER_BENCH_PROPAGATION:-200}
PARTS=${PEER_BENCH_PARTS:-1 2 3 4}
part() { case " $PARTS " in *" $1 "*) return 0;; esac; return 1; }
# pl_conf, then the extra server: line
bench_conf() {
	pl_conf "$@"
	[ -z "$PEER_BENCH_CONF" ] ||
	    sed -i "/^server:/a\\$PEER_BENCH_CONF" "$T/n$1/reputed.conf"
}
pl_init
pl_ports 30
pl_org orgA
for i in 0 1 2 3 4 5 6 7 8 9; do pl_node $i orgA; done

# jsonl N PREFIX: N spam reports with distinct IPs (10.x.y.z from PREFIX).
jsonl() {
	python3 -c '
import sys
n, p = int(sys.argv[1]), int(sys.argv[2])
w = sys.stdout.write
for i in range(n):
    w("{\"ip\":\"%d.%d.%d.%d\",\"category\":\"spam\"}\n" %
      (p, (i >> 16) & 255, (i >> 8) & 255, i & 255))' "$1" "$2"
}
now_ms() { python3 -c 'import time; print(int(time.time() * 1000))'; }
metric_out() { curl -sf --max-time 5 "$(pl_api "$1")/metrics" |
	awk '/^reputed_peer_bytes_total\{dir="out"\}/ {print $2}'; }
metric() { curl -sf --max-time 5 "$(pl_api "$1")/metrics" |
	awk -v m="$2" '$1 == m {print $2}'; }
cpu_ms() { eval "awk -v hz=$(getconf CLK_TCK) '{print (\$14 + \$15) * 1000 / hz}' /proc/\$PID_$1/stat"; }
anon() { eval "awk '/RssAnon/ {print \$2}' /proc/\$PID_$1/status"; }

if part 1; then
# ---- 1. propagation over a line of five ----
bench_conf 0 1; bench_conf 1 2; bench_conf 2 3; bench_conf 3 4; bench_conf 4
for i in 4 3 2 1 0; do pl_start $i || exit 1; done
pl_wait 10 1 pl_peers_up 4 || echo "line not up"
eval "python3 $BENCH/peer_latency.py $(pl_api 0) \$DNS_4 $ZONE $PROP"
for i in 0 1 2 3 4; do pl_stop $i; done

fi
if part 2; then
# ---- 2. one link, live ----
bench_conf 5 6; bench_conf 6
pl_start 6 && pl_start 5 || exit 1
pl_wait 10 1 pl_peers_up 5 || echo "link not up"
LIVE=200000
jsonl $LIVE 11 | split -l 4096 - "$T/live."
t0=$(now_ms)
for f in "$T"/live.*; do
	curl -sf --max-time 60 -H 'Content-Type: application/x-ndjson' \
	    --data-binary @"$f" "$(pl_api 5)/v1/reports" >/dev/null || echo "post failed"
done
t1=$(now_ms)
want=$(pl_digest 5)
pl_wait 120 "$want" pl_digest 6 || echo "n6 did not converge"
t2=$(now_ms)
b=$(metric_out 5)
echo "one TLS link, live: $LIVE reports submitted at A in $((t1 - t0)) ms" \
    "($((LIVE * 1000 / (t1 - t0 + 1))) reports/s), all at B after $((t2 - t0)) ms" \
    "($((LIVE * 1000 / (t2 - t0 + 1))) reports/s end to end);" \
    "$b bytes on the wire, $((b / LIVE)) bytes/report"
# CPU time is steadier than wall time on a shared machine
echo "one TLS link, live: CPU time A $(cpu_ms 5) ms, B $(cpu_ms 6) ms;" \
    "A signed $(metric 5 reputed_batches_committed_total) batches" \
    "in $(metric 5 reputed_commits_total) commits"
pl_stop 5; pl_stop 6

fi
if part 3; then
# ---- 3. catch-up of $REPORTS reports ----
# n7's store is filled offline, signed with n7's key; then n8 connects.
t0=$(now_ms)
jsonl "$REPORTS" 12 | "$CTL" --db "$T/n7" report --key "$T/n7/node.key" \
    --jsonl >/dev/null || echo "offline fill failed"
t1=$(now_ms)
echo "catch-up: $REPORTS reports stored offline at A in $((t1 - t0)) ms"
bench_conf 7; bench_conf 8 7
pl_start 7 || exit 1
want=$(pl_digest 7)
t0=$(now_ms)
pl_start 8 || exit 1
pl_wait 900 "$want" pl_digest 8 || echo "n8 did not catch up: $(pl_digest 8)"
t1=$(now_ms)
b=$(metric_out 7)
echo "catch-up: $REPORTS reports ($(echo "$want" | cut -d' ' -f2) batches)" \
    "in $((t1 - t0)) ms ($((REPORTS * 1000 / (t1 - t0 + 1))) reports/s)," \
    "$b bytes, $((b / REPORTS)) bytes/report"

fi
if part 4; then
# ---- 4. memory per session ----
# 50 sessions to a node with a small store, reading what they are sent
# and then idle, each its own node key and certificate (one link per
# node: a second link from the same key is closed as a duplicate).
mkdir -p "$T/m"
for k in $(seq 1 50); do
	"$CTL" keygen --out "$T/m/$k.key" >/dev/null
	"$CTL" cert issue --ca-key "$T/orgA.key" --ca-cert "$T/orgA.pem" \
	    --node-key "$T/m/$k.key" --cn "m$k" --out "$T/m/$k.pem" >/dev/null
	"$CTL" cert pin "$T/m/$k.pem" >"$T/m/$k.pin"
done
bench_conf 9
pl_start 9 || exit 1
pl_report 9 192.0.2.9
before=$(anon 9)
python3 - "$PEER_9" "$T" <<'EOF2' &
import socket, ssl, sys, time
port, t = int(sys.argv[1]), sys.argv[2]
ss = []
for k in range(1, 51):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.check_hostname = False
    ctx.load_verify_locations(t + "/orgA.pem")
    ctx.load_cert_chain("%s/m/%d.pem" % (t, k), "%s/m/%d.key" % (t, k))
    key = bytes.fromhex(open("%s/m/%d.pin" % (t, k)).read().strip())
    hello = b"\x08\x01\x12\x20" + key
    hello = b"\x0a" + bytes([len(hello)]) + hello
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)))
    s.sendall(len(hello).to_bytes(4, "big") + hello)
    ss.append(s)
end = time.time() + 8          # read (and drop) what the node sends
while time.time() < end:
    import select
    r, _, _ = select.select(ss, [], [], 0.2)
    for s in r:
        try:
            s.recv(65536)
        except (ssl.SSLError, OSError):
            pass
EOF2
pypid=$!
sleep 5
during=$(anon 9)
up=$(pl_peers_up 9)
wait $pypid
echo "memory: $up sessions up, anonymous memory $before kB -> $during kB," \
    "$(((during - before) / (up > 0 ? up : 1))) kB per session"
fi
pl_done >/dev/null
