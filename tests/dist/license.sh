#!/bin/sh
# license.sh: every tracked source file (*.c, *.h, *.sh, *.py, *.proto,
# Makefile, module.mk) names its licence near its top (first 60 lines):
# "Copyright (c) 2026 The reputed authors" and "SPDX-License-Identifier:
# ISC" (LICENSE has the text). Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
if [ ! -e .git ] || ! command -v git >/dev/null; then
	echo "SKIP: not a git checkout (the tracked files are what is checked)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
pass=0; fail=0
grep -q "^Permission to use, copy, modify, and distribute this software" \
    LICENSE && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: LICENSE is not ISC"; }
for f in $(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.proto' Makefile \
    '*module.mk'); do
	[ -e "$f" ] || continue
	if head -60 "$f" | grep -q 'Copyright (c) 2026 The reputed authors' &&
	    head -60 "$f" | grep -q 'SPDX-License-Identifier: ISC'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: $f has no ISC header (python3 tests/dist/license_fix.py adds it)"
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
