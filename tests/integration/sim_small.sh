#!/bin/sh
# sim_small.sh: reputesim in `make test` (seconds).
#   1. determinism: sim/scenarios/small.conf run twice with one seed gives
#      the same trace hash (every event and the final store digests), a
#      second seed another; equivocation.conf twice, the same;
#      the trace is the same with 1, 2 and 3 threads (-j: sim/par.c runs
#      deliveries to different nodes at once, results as one by one);
#   2. the scenario's asserted outcomes (its check: clause): a spam source
#      reported by three organisations listed at every honest node, one
#      reported by a single organisation listed nowhere, the network
#      partitioned from 10 s to 20 s converged to equal digests;
#   3. a failed check exits 1 and prints the replay command;
#   4. -n checks a scenario; a bad one names file:line and exits 2, as
#      does one name given twice with -D.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
SIM=$BUILD/reputesim
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
ko() { fail=$((fail + 1)); echo "FAILED: $1"; }

"$SIM" -q -o "$T/a.json" sim/scenarios/small.conf >"$T/a.out" 2>&1; ra=$?
"$SIM" -q -o "$T/b.json" sim/scenarios/small.conf >"$T/b.out" 2>&1; rb=$?
ha=$(awk '/^trace/ {print $2}' "$T/a.out")
hb=$(awk '/^trace/ {print $2}' "$T/b.out")
if [ -n "$ha" ] && [ "$ha" = "$hb" ]; then ok "same seed, same trace ($ha)"
else ko "traces differ: '$ha' '$hb'"; fi
"$SIM" -q -s 2 sim/scenarios/small.conf >"$T/c.out" 2>&1
hc=$(awk '/^trace/ {print $2}' "$T/c.out")
if [ -n "$hc" ] && [ "$hc" != "$ha" ]; then ok "another seed, another trace"
else ko "seed 2 gave trace '$hc'"; fi

# the same with an equivocator's two faces and a ring (other code paths)
e1=$("$SIM" -q sim/scenarios/equivocation.conf 2>&1 | awk '/^trace/ {print $2}')
e2=$("$SIM" -q sim/scenarios/equivocation.conf 2>&1 | awk '/^trace/ {print $2}')
if [ -n "$e1" ] && [ "$e1" = "$e2" ]; then ok "equivocation.conf: same trace"
else ko "equivocation.conf traces differ: '$e1' '$e2'"; fi

# threads change the speed, never the run
for f in small equivocation partition crash; do
	h1=$("$SIM" -q -j 1 sim/scenarios/$f.conf 2>&1 | awk '/^trace/ {print $2}')
	h2=$("$SIM" -q -j 2 sim/scenarios/$f.conf 2>&1 | awk '/^trace/ {print $2}')
	h3=$("$SIM" -q -j 3 sim/scenarios/$f.conf 2>&1 | awk '/^trace/ {print $2}')
	if [ -n "$h1" ] && [ "$h1" = "$h2" ] && [ "$h1" = "$h3" ]; then
		ok "$f.conf: the same trace with 1, 2 and 3 threads"
	else ko "$f.conf: -j1 $h1, -j2 $h2, -j3 $h3"; fi
done

cat "$T/a.out"
if [ "$ra" = 0 ] && [ "$(grep -c ': ok (' "$T/a.out")" = 4 ]; then
	ok "small.conf: the four checks hold"
else ko "small.conf: checks (exit $ra)"; fi
grep -q '"equal_digests_at_end": true' "$T/a.json" &&
    ok "JSON summary says equal digests" || ko "JSON summary"

# 3. a check that cannot hold: the single-organisation subject at 100 %
sed 's/never-listed: single/listed: single 100%/' sim/scenarios/small.conf \
    >"$T/fail.conf"
"$SIM" -q "$T/fail.conf" >"$T/f.out" 2>&1; rf=$?
if [ "$rf" = 1 ] && grep -q "^replay: reputesim -s 1 .*fail.conf" "$T/f.out"
then ok "failed check: exit 1 and a replay command"
else ko "failed check gave exit $rf"; cat "$T/f.out"; fi

# 4. -n
"$SIM" -n sim/scenarios/small.conf >/dev/null && ok "-n accepts small.conf" ||
    ko "-n small.conf"
printf 'sim:\n\tduration: soon\n' >"$T/bad.conf"
"$SIM" -n "$T/bad.conf" >"$T/n.out" 2>&1; rn=$?
if [ "$rn" = 2 ] && grep -q "bad.conf:2: expected a duration" "$T/n.out"
then ok "-n names file:line"; else ko "-n bad.conf: exit $rn"; fi
"$SIM" -n -D SEED=1 -D SEED=2 sim/scenarios/small.conf >"$T/d.out" 2>&1; rn=$?
if [ "$rn" = 2 ] && grep -q "SEED=2: that name is defined twice" "$T/d.out"
then ok "a name given twice with -D exits 2"; else ko "-D twice: exit $rn"; fi
for f in sim/scenarios/*.conf; do
	"$SIM" -n "$f" >/dev/null || ko "-n $f"
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
