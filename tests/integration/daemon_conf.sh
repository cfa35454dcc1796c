#!/bin/sh
# daemon_conf.sh: golden tests of the config parser through `reputed -n`.
#   tests/data/conf/N.in   -> `reputed -nv -c N.in` must print N.ok, and
#                             that output read back must print itself
#   tests/data/conf/N.bad  -> `reputed -n -c N.bad` must fail with the one
#                             line in N.err ("N.bad:LINE: what was expected")
# Also: the embedded default passes -n. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
REPUTED=$(cd "$(dirname "$0")/../.." && pwd)/$BUILD/reputed
. "$(dirname "$0")/../lib/common.sh"
cd "$(dirname "$0")/../data/conf" || exit 1
t_tmpdir conf; tmp=$TMP

for f in *.in; do
	n=${f%.in}
	if "$REPUTED" -nv -c "$f" >"$tmp/out" 2>"$tmp/err" &&
	    cmp -s "$tmp/out" "$n.ok"; then ok; else
		ko "$f: output differs from $n.ok"
		diff "$n.ok" "$tmp/out" | head -10; cat "$tmp/err"
	fi
	if "$REPUTED" -nv -c "$tmp/out" >"$tmp/again" 2>&1 &&
	    cmp -s "$tmp/out" "$tmp/again"; then ok; else
		ko "$f: the normalised output does not read back to itself"
	fi
done
for f in *.bad; do
	n=${f%.bad}
	if "$REPUTED" -n -c "$f" >"$tmp/out" 2>"$tmp/err"; then
		ko "$f: accepted"
	elif [ "$(sed 's/^reputed: //' "$tmp/err")" = "$(cat "$n.err")" ]; then
		ok
	else
		ko "$f: expected '$(cat "$n.err")', got '$(cat "$tmp/err")'"
	fi
done
if "$REPUTED" -n >/dev/null 2>&1; then ok; else ko "embedded default fails -n"; fi
if "$REPUTED" -n -c /nonexistent/reputed.conf 2>"$tmp/err"; then
	ko "a missing file passes -n"
elif grep -q "/nonexistent/reputed.conf: No such file" "$tmp/err"; then ok
else ko "missing file: $(cat "$tmp/err")"; fi
if "$REPUTED" -x >/dev/null 2>&1; then ko "unknown option accepted"; else ok; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
