#!/bin/sh
# Runs the library unit tests and every fuzz corpus replay under valgrind's
# memcheck: any leak or invalid access is a failure. Prints
# "N passed, N failed".
BUILD=${BUILD:-build}
passed=0; failed=0
if ! command -v valgrind >/dev/null; then
	echo "valgrind not installed"; echo "0 passed, 1 failed"; exit 1
fi
run() { # name, command...
	name=$1; shift
	if valgrind -q --suppressions=tests/valgrind.supp --leak-check=full --show-leak-kinds=definite,indirect \
	    --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
	    "$@" >/tmp/valgrind.$$ 2>&1; then
		passed=$((passed + 1)); echo "ok   $name"
	else
		failed=$((failed + 1)); echo "FAIL $name"; tail -30 /tmp/valgrind.$$
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
rm -f /tmp/valgrind.$$
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
