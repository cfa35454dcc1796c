#!/bin/sh
# sim_bench.sh: reputesim's measures (docs/SIM.md).
#   1. calibration: the 5-node line of peer_bench.sh with real daemons
#      (real TLS on loopback, 200 reports submitted at A, listed in E's
#      DNS answers) beside sim/scenarios/calibration.conf (the same line,
#      policy and reports in the simulator): both p50s and their ratio;
#   2. scale: 1,000 nodes (200 organisations x 5, degree 8) x 10,000
#      reports, and 100 nodes x 100,000 reports: wall and CPU seconds,
#      events/s, peak memory per simulated node, with reputesim's default
#      threads (one per core) and the 1,000-node run also on one (-j 1),
#      with the trace hashes, which must be equal (SIM_BENCH_SCALE=0 skips
#      them: they take minutes).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/../integration/peer_lib.sh"
BENCH=$(cd "$(dirname "$0")" && pwd)
SIM=$ROOT/$BUILD/reputesim
PROP=${PEER_BENCH_PROPAGATION:-200}
pl_init
pl_ports 15
pl_org orgA
for i in 0 1 2 3 4; do pl_node $i orgA; done

# real_line IDLE: the daemons' p50 in ms (batch-idle: seal or wait)
real_line() {
	pl_conf 0 1; pl_conf 1 2; pl_conf 2 3; pl_conf 3 4; pl_conf 4
	for i in 0 1 2 3 4; do
		printf 'server:\n\tbatch-idle: %s\n\tbatch-window: 100ms\n' "$1" \
		    >>"$T/n$i/reputed.conf"
	done
	for i in 4 3 2 1 0; do pl_start $i || return 1; done
	pl_wait 10 1 pl_peers_up 4 >/dev/null || echo "line not up" >&2
	sleep 1
	eval "python3 $BENCH/peer_latency.py $(pl_api 0) \$DNS_4 $ZONE $PROP" \
	    >"$T/real-$1.txt"
	for i in 0 1 2 3 4; do pl_stop $i; done
	echo "real daemons, batch-idle: $1: $(cat "$T/real-$1.txt")" >&2
	sed -n 's/.* p50 \([0-9.]*\) ms.*/\1/p' "$T/real-$1.txt"
}

# sim_line IDLE: the simulator's p50 in ms
sim_line() {
	"$SIM" -q -D IDLE="$1" -o "$T/cal-$1.json" \
	    "$ROOT/sim/scenarios/calibration.conf" >"$T/cal-$1.out" ||
	    echo "calibration run failed" >&2
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
p=d["propagation_listed"]
sys.stderr.write("simulated, batch-idle %s: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n"
    % (sys.argv[2], p["p50_ms"], p["p90_ms"], p["p99_ms"]))
print("%.2f" % p["p50_ms"])' "$T/cal-$1.json" "$1"
}

for idle in wait seal; do
	real=$(real_line $idle)
	sim=$(sim_line $([ $idle = wait ] && echo no || echo yes))
	python3 -c 'import sys; r, s = float(sys.argv[1]), float(sys.argv[2])
print("calibration, line of 5, batch-idle %s: real p50 %.1f ms, simulated"
      " p50 %.1f ms, simulated/real %.2f" % (sys.argv[3], r, s, s / r))' \
	    "$real" "$sim" "$idle" || echo "calibration $idle: no figure"
done

# scale NAME ARGS...: one run, its wall and CPU time, events/s, memory
scale() {
	name=$1; shift
	/usr/bin/time -f "%e %U %S %M" -o "$T/$name.time" "$SIM" -q \
	    -o "$T/$name.json" "$@" "$ROOT/sim/scenarios/baseline.conf" \
	    >"$T/$name.out" 2>&1 || echo "$name: reputesim failed"
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); t=open(sys.argv[2]).read().splitlines()[-1].split()
wall, cpu, kb = float(t[0]), float(t[1]) + float(t[2]), int(t[3])
r=d["run"]; a=d["propagation_applied"]
print("%s: %d nodes, %d reports in %d batches: %.1f s wall, %.1f s CPU,"
      " %.0f events/s (wall), peak %.0f MB (%.0f KB/node), store %.0f KB/node;"
      " applied p50 %.0f ms p99 %.0f ms; memo %d verifies for %d checks;"
      " trace %s" % (
      sys.argv[3], d["nodes"], d["reports"]["made"], d["reports"]["batches"],
      wall, cpu, r["events"] / wall, kb / 1024, kb / d["nodes"],
      d["store"]["mean_bytes"] / 1024, a["p50_ms"], a["p99_ms"],
      r["verify_memo_misses"], r["verify_memo_misses"] + r["verify_memo_hits"],
      d["trace"]))' \
	    "$T/$name.json" "$T/$name.time" "$name"
}
if [ "${SIM_BENCH_SCALE:-1}" != 0 ]; then
	scale scale-1000x10k -D BURSTS=1
	scale scale-1000x10k-j1 -j 1 -D BURSTS=1
	scale scale-100x100k -D ORGS=20 -D SOURCES=33334 -D BURSTS=4
fi
t_summary >/dev/null
