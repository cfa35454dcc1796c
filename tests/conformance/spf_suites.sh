#!/bin/sh
# Sender-ID conformance: the openspf RFC 7208 and RFC 4408 suites shipped by
# Debian's python3-spf, and our PRA suite, each through
# `reputectl spf --suite` (the in-memory resolver). Prints one line per suite
# with its own honest counts, then the total as "N passed, N failed".
# RFC 4408 tests whose rule RFC 7208 changed are listed, with the result we
# give, in rfc4408-differences.txt; a listed test that fails with exactly the
# listed result counts as an expected difference (shown as such), not as a
# failure. Anything else that fails is a failure.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ctl=$BUILD/reputectl
here=$(dirname "$0")
doc=/usr/share/doc/python3-spf
total_p=0; total_f=0

if ! "$ctl" spf --help 2>&1 | grep -q 'reputectl spf --suite'; then
	echo "$ctl has no 'spf' subcommand (reputectl dispatch not wired)"
	echo "0 passed, 1 failed"
	exit 1
fi

suite() { # $1 = label, $2 = file, rest = extra arguments
	label=$1; file=$2; shift 2
	if [ ! -r "$file" ]; then
		echo "$label: $file missing (apt-get install python3-spf)"
		total_f=$((total_f + 1))
		return
	fi
	out=$("$ctl" spf --suite "$file" "$@" 2>&1); rc=$?
	echo "$out" | grep -E '^(FAIL|DIFF) ' | head -50
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -1)
	if [ -z "$line" ]; then
		echo "$label: no result ($out)"
		total_f=$((total_f + 1))
		return
	fi
	p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
	d=$(echo "$out" | sed -n 's/^\([0-9]*\) of the failures are documented.*/\1/p')
	d=${d:-0}
	if [ "$rc" != 0 ] && [ "$f" = "$d" ]; then d=0; fi
	echo "$label: $p passed, $f failed ($d documented RFC 7208 differences)"
	total_p=$((total_p + p + d)); total_f=$((total_f + f - d))
}

suite rfc7208-tests.yml "$doc/rfc7208-tests.yml.gz"
suite rfc4408-tests.yml "$doc/rfc4408-tests.yml.gz" \
	--differences "$here/rfc4408-differences.txt"
suite pra-tests.yml "$here/pra-tests.yml"
echo "$total_p passed, $total_f failed"
[ "$total_f" = 0 ]
