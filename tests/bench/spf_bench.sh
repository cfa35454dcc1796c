#!/bin/sh
# Sender-ID evaluation speed (issue 3), all in one run:
#  1. reputed and pyspf (python3-spf) on the same cases through an
#     in-memory zone: the openspf RFC 7208 + RFC 4408 suites, and a
#     generated mix (include chains, redirects, macros, mx, a); the ratio.
#  2. reputed over libunbound against a local authoritative nsd serving the
#     mix zone on a loopback port, with 1, 100 and 1000 evaluations in
#     flight, with unbound's cache kept (warm) and emptied for every pass
#     over the cases (cold). nsd is started here and stopped by its PID; its response
#     rate limiting is off (it would throttle the NXDOMAIN answers).
# SPF_BENCH_SECONDS (default 2) is the time per in-memory measure; three
# rounds alternate the two implementations, pinned to the same core when
# taskset exists.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bench="$BUILD/bench/spf_bench"
pyspf="tests/bench/spf_pyspf.py"
doc=/usr/share/doc/python3-spf
secs=${SPF_BENCH_SECONDS:-2}
[ -x "$bench" ] || { echo "spf_bench: $bench not built"; exit 1; }
[ -r "$doc/rfc7208-tests.yml.gz" ] || { echo "python3-spf missing"; exit 1; }
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
. "$(dirname "$0")/../lib/common.sh"
t_tmpdir spfbench; tmp=$TMP
nsd_pid=""
t_on_exit() { stop_pids $nsd_pid; }

rate() { sed -n 's/.*: \([0-9]*\) evaluations\/s.*/\1/p' | head -1; }
cpurate() { sed -n 's/.* \([0-9]*\) per CPU second.*/\1/p' | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0fx", (b > 0 ? a / b : 0) }'; }
max() { tr ' ' '\n' | sort -n | tail -1; }

# Rounds alternate reputed and pyspf so that a busy machine slows both;
# each prints its line, then the best of each and their ratio.
compare() { # $1 = label, $2 = reputed mode and args, $3 = pyspf files
	label=$1; rr=""; pr=""; rc=""; pc=""
	for round in 1 2 3; do
		# shellcheck disable=SC2086
		r=$($pin "$bench" $2 -s "$secs"); echo "$r"
		# shellcheck disable=SC2086
		p=$($pin /usr/bin/python3 "$pyspf" "$secs" $3); echo "$p"
		rr="$rr $(echo "$r" | rate)"; pr="$pr $(echo "$p" | rate)"
		rc="$rc $(echo "$r" | cpurate)"; pc="$pc $(echo "$p" | cpurate)"
	done
	rb=$(echo "$rr" | max); pb=$(echo "$pr" | max)
	rcb=$(echo "$rc" | max); pcb=$(echo "$pc" | max)
	echo "$label: best of 3, wall clock: reputed $rb, pyspf $pb evaluations/s: reputed / pyspf = $(ratio "$rb" "$pb")"
	echo "$label: best of 3, CPU time: reputed $rcb, pyspf $pcb evaluations per CPU second: reputed / pyspf = $(ratio "$rcb" "$pcb")"
}

echo "pyspf $(/usr/bin/python3 -c 'import spf; print(spf.__version__)'), $(/usr/bin/python3 --version)"
suites="$doc/rfc7208-tests.yml.gz $doc/rfc4408-tests.yml.gz"
compare suites "suite $suites" "$suites"
"$bench" mix -n 500 -s 0 -y "$tmp/mix.yml" -z "$tmp/bench.example.zone" >/dev/null
compare mix "mix -n 500" "$tmp/mix.yml"

port=$(free_port)
[ -n "$port" ] || { echo "no free port for nsd"; exit 1; }
. "$(dirname "$0")/../lib/nsd.sh"
nsd_serve "$tmp" "$port" bench.example || exit 1
echo "nsd $(nsd -v 2>&1 | sed -n '1s/NSD version //p') on 127.0.0.1@$port (pid $nsd_pid), zone bench.example"
for c in 1 100 1000; do
	n=$((c == 1 ? 2000 : 20000))
	"$bench" unbound "127.0.0.1@$port" -n 500 -c "$c" -k "$n" || exit 1
done
# An empty cache for every pass of 1000 evaluations: each pass asks nsd
# for every name again.
for c in 1 100 1000; do
	"$bench" unbound "127.0.0.1@$port" -n 500 -c "$c" -k 10000 -f || exit 1
done
