#!/bin/sh
# Abuse-report feeds (issue 14): messages parsed and turned into reports
# per second, reputed (feeds_bench: feed_parse + the jsonl checks) beside
# the reference (feeds_ref.py: Python's email package with a small ARF
# field extractor), on the same corpus in the same run (3 rounds,
# alternating, best of each), and the subjects both extracted compared
# message by message. The corpus: FEEDS_BENCH_N (default 2000) ARF
# messages from tests/data/feeds/make_corpus.py --bench (abuse with
# Source-IP; CRLF with a base64 returned message and no Source-IP;
# text/rfc822-headers with a quoted-printable report; auth-failure).
# Each has its own MIME boundary, as real mail does: Python's re module
# caches 512 compiled patterns, and the email parser compiles one per
# boundary, so a corpus under 512 messages replayed flatters the
# reference (docs/FEEDS.md gives both figures).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bench="$BUILD/bench/feeds_bench"
n=${FEEDS_BENCH_N:-2000}
secs=${FEEDS_BENCH_SECONDS:-2}
[ -x "$bench" ] || { echo "feeds_bench: $bench not built"; exit 1; }
. "$(dirname "$0")/../lib/common.sh"
t_tmpdir feedsbench; tmp=$TMP
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
python3 tests/data/feeds/make_corpus.py --bench "$tmp/corpus" "$n" || exit 1
rate() { sed -n 's/.*: \([0-9]*\) messages\/s.*/\1/p' | head -1; }
cpurate() { sed -n 's/.* \([0-9]*\) per CPU second.*/\1/p' | head -1; }
max() { tr ' ' '\n' | sort -n | tail -1; }
rr=""; pr=""; rc=""; pc=""
for round in 1 2 3; do
	o=""; [ $round = 1 ] && o="-o $tmp/reputed.subjects"
	# shellcheck disable=SC2086
	r=$($pin "$bench" -s "$secs" $o "$tmp"/corpus/*.eml); echo "$r"
	o=""; [ $round = 1 ] && o="-o $tmp/ref.subjects"
	# shellcheck disable=SC2086
	p=$($pin python3 tests/bench/feeds_ref.py "$secs" $o "$tmp"/corpus/*.eml)
	echo "$p"
	rr="$rr $(echo "$r" | rate)"; pr="$pr $(echo "$p" | rate)"
	rc="$rc $(echo "$r" | cpurate)"; pc="$pc $(echo "$p" | cpurate)"
done
rb=$(echo "$rr" | max); pb=$(echo "$pr" | max)
rcb=$(echo "$rc" | max); pcb=$(echo "$pc" | max)
ratio=$(awk -v a="$rb" -v b="$pb" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')
cratio=$(awk -v a="$rcb" -v b="$pcb" 'BEGIN { printf "%.0f", (b > 0 ? a / b : 0) }')
echo "feeds: best of 3, wall clock: reputed $rb, python email $pb messages/s: reputed / reference = ${ratio}x"
echo "feeds: best of 3, CPU time: reputed $rcb, python email $pcb messages per CPU second: reputed / reference = ${cratio}x"
same=$(join "$tmp/reputed.subjects" "$tmp/ref.subjects" | awk '$2 == $3' | wc -l)
both=$(join "$tmp/reputed.subjects" "$tmp/ref.subjects" | awk '$2 != "-" && $3 != "-"' | wc -l)
diff=$(join "$tmp/reputed.subjects" "$tmp/ref.subjects" | awk '$2 != $3')
echo "feeds: subjects: $same of $n the same; $both where both gave one"
[ -z "$diff" ] || { echo "feeds: subjects differ:"; echo "$diff" | head -5; }
fail=0
[ -z "$diff" ] || fail=1
[ "$ratio" -ge 50 ] || { echo "feeds: under 50x the reference"; fail=1; }
exit $fail
