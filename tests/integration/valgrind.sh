#!/bin/sh
# Runs the library unit tests and every fuzz corpus replay under valgrind's
# memcheck: any leak or invalid access is a failure. Prints
# "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
. "$(dirname "$0")/../lib/common.sh"
t_missing valgrind
t_tmpdir valgrind
run() { # name, command...
	name=$1; shift
	if valgrind -q --suppressions=tests/valgrind.supp --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    "$@" >"$TMP/out" 2>&1; then
		ok "$name"
	else
		ko "$name"; tail -30 "$TMP/out"
	fi
}
for t in subject_test store_test proto_test conf_test batcher_test jsonl_test; do
	[ -x "$BUILD/tests/$t" ] && run "$t" "$BUILD/tests/$t"
done
for r in "$BUILD"/replay/*; do
	[ -x "$r" ] || continue
	n=$(basename "$r")
	run "replay $n" "$r" "tests/fuzz/corpus/$n"
done
t_done
