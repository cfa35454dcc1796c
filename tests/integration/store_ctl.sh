#!/bin/sh
# store_ctl.sh: the store's life through reputectl (issue 12).
#   bulk import: `report --jsonl` of more reports than one write
#   transaction holds, with a bad line (skipped, exit status 1), counts in
#   the summary and in stats, a second import continuing the seq, and a
#   rescore that changes nothing.
# Prints "N passed, N failed".
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$ROOT/$BUILD/reputectl
pass=0; fail=0
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else ko "$1"; fi; }

"$CTL" keygen --out "$tmp/a.key" >/dev/null || exit 1
# 70,000 reports (more than one bulk transaction of 65,536) and a bad line
python3 - "$tmp/in.jsonl" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(70000):
        if i == 1000:
            f.write('{"ip":"10.0.0.300","category":"spam"}\n')
        f.write('{"ip":"10.%d.%d.%d","category":"spam","ttl":3600}\n'
                % (i >> 16, (i >> 8) & 255, i & 255))
PY
"$CTL" --db "$tmp/db" report --key "$tmp/a.key" --jsonl <"$tmp/in.jsonl" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
check "a bad line makes the exit status 1 (got $rc)" '[ $rc -eq 1 ]'
check "the bad line is named" 'grep -q "line 1001 skipped" "$tmp/err"'
check "summary: 70000 reports in 274 batches" \
	'grep -q "^applied 70000 reports in 274 batches (next seq 275) in .* reports/s$" "$tmp/out"'
st=$("$CTL" --db "$tmp/db" --json stats)
check "stats: 70000 indexed, 274 batches ($st)" \
	'echo "$st" | grep -q "\"batches\":274,.*\"reports_indexed\":70000,"'
head -3 "$tmp/in.jsonl" | "$CTL" --db "$tmp/db" --json report \
	--key "$tmp/a.key" --jsonl >"$tmp/out2" 2>&1
check "a second import continues at seq 275" \
	'grep -q "\"reports\":3,\"batches\":1,\"next_seq\":276," "$tmp/out2"'
check "an imported subject is found" \
	'"$CTL" --db "$tmp/db" query 10.1.17.111 | grep -q "1 report"'
before=$("$CTL" --db "$tmp/db" --json stats)
"$CTL" --db "$tmp/db" rescore >/dev/null 2>&1
after=$("$CTL" --db "$tmp/db" --json stats)
check "rescore after a bulk import changes no count" \
	'[ "$(echo "$before" | sed "s/,\"bytes_on_disk.*//")" = "$(echo "$after" | sed "s/,\"bytes_on_disk.*//")" ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
