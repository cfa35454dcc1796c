#!/bin/sh
# run.sh: `make sim`: runs every shipped scenario (sim/scenarios/*.conf)
# once, each writing its JSON summary and JSON-lines series into
# $SIM_OUT (default $BUILD/sim-runs), then prints one table row per run.
# The baseline runs at 200 nodes here (-D ORGS=40 -D SOURCES=667); with
# SIM_FULL=1 at its full 1,000 nodes x 10,000 reports (minutes: see
# docs/SIM.md). With SIM_PLOT=DIR the figures go to DIR (gnuplot).
# Exit status: 0 when every run ended and every check held.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
SIM=$BUILD/reputesim
OUT=${SIM_OUT:-$BUILD/sim-runs}
rm -rf "$OUT"; mkdir -p "$OUT"
failed=0

# run NAME SCENARIO [-D X=Y]...
run() {
	name=$1 file=sim/scenarios/$2.conf; shift 2
	echo "== $name"
	"$SIM" -q "$@" -o "$OUT/$name.json" -t "$OUT/$name.jsonl" "$file" \
	    >"$OUT/$name.out" 2>&1
	rc=$?
	grep -E '^(check|replay|reputesim)' "$OUT/$name.out"
	[ "$rc" != 0 ] && { failed=$((failed + 1)); echo "$name: exit $rc"; }
}

if [ -n "$SIM_FULL" ]; then run baseline baseline
else run baseline-200 baseline -D ORGS=40 -D SOURCES=667; fi
run colluders-k1 colluders -D K=1
run colluders-k3 colluders -D K=3
run one-org-pki one-org-many-nodes
run one-org-nopki one-org-many-nodes -D PKI=no -D MAXFALSE=10
run forged forged
run equivocation-ring equivocation
run equivocation-mesh equivocation -D TOPO=random
run flood flood
run flood-off flood -D RATE=0
run flood-quota flood -D QUOTA=50
run colluders10-k1 colluders-nodes -D K=1
run colluders10-k2 colluders-nodes -D K=2
run partition partition
run crash crash
run late-join late-join
run mute mute
run small small
echo
"$SIM" table "$OUT"
if [ -n "$SIM_PLOT" ]; then
	"$SIM" plot "$OUT" "$SIM_PLOT" || failed=$((failed + 1))
fi
echo "sim: $failed run(s) failed"
[ "$failed" = 0 ]
