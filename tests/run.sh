#!/bin/sh
# Runs every test and prints one closing line: "N passed, N failed".
#   run.sh UNIT_BINS... -- REPLAY_BINS... -- SCRIPTS...
# Unit tests are cmocka programs (their summaries are added up); replay
# programs run a fuzz target over its seed corpus; scripts print their own
# "N passed, N failed" as their last such line, ", N skipped" after it
# when a tool they need is missing (they say which). A program that
# crashes or prints no count is one failure.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
passed=0; failed=0; skipped=0; failures=""
log=$(mktemp); trap 'rm -f "$log"' EXIT
section=unit
count() { # $1 = name, $2 = exit status; reads counts from $log
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	line=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -n "$line" ]; then
		p=$((p + $(echo "$line" | sed -E 's/^([A-Za-z]+: )?([0-9]+) passed.*/\2/')))
		f=$((f + $(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')))
	fi
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	skipped=$((skipped + ${s:-0}))
	if [ "$2" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	if [ "$p" = 0 ] && [ "$f" = 0 ] && [ "${s:-0}" = 0 ]; then
		f=1; echo "$1: ran no test" >&2
	fi
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" != 0 ] && failures="$failures $1"
}
for t in "$@"; do
	if [ "$t" = "--" ]; then
		[ $section = unit ] && section=replay || section=script
		continue
	fi
	case $section in
	unit)	echo "== $t"; "$t" >"$log" 2>&1; rc=$?; cat "$log" ;;
	replay)	name=$(basename "$t")
		echo "== replay $name"
		"$t" tests/fuzz/corpus/"$name" >"$log" 2>&1; rc=$?; tail -3 "$log" ;;
	script)	echo "== $t"; sh "$t" >"$log" 2>&1; rc=$?; cat "$log" ;;
	esac
	count "$t" $rc
done
[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" != 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
