#!/bin/sh
# store_ctl.sh: the store's life through reputectl (issue 12).
#   bulk import: `report --jsonl` of more reports than one write
#   transaction holds, with a bad line (skipped, exit status 1), counts in
#   the summary and in stats, a second import continuing the seq, and a
#   rescore that changes nothing.
#   retention: reports that expire by their origin's clock (a later batch
#   of the same origin moves it) are refolded away by `prune`, their
#   batches pruned but the latest; rescore afterwards changes nothing; a
#   second prune finds nothing.
#   quota: an import of more reports than the origin's quota (policy
#   quota-per-hour of --conf: 1,000) says how many were dropped, exits 1,
#   and stats count only the kept ones (the 10M DNS bench once imported
#   10M reports a key against the default 3.6M and said nothing).
#   the store's policy: a store records the policy its scores were made
#   under; rescore without --conf keeps the quota it was imported with
#   (it used the default one and kept every dropped report); report
#   --conf with another policy is refused until `rescore --conf` records
#   it; a daemon started with another policy rescores at once.
#   backup: a compacted copy restores (as data.mdb of a new directory) to
#   the same counts and answers.
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$ROOT/$BUILD/reputectl
. "$ROOT/tests/lib/common.sh"
t_tmpdir store_ctl; tmp=$TMP
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

nocount() { sed "s/,\"bytes_on_disk.*//"; }
"$CTL" keygen --out "$tmp/b.key" >/dev/null || exit 1
now=$(date +%s)
python3 - "$tmp/old.jsonl" "$now" <<'PY'
import sys
t = (int(sys.argv[2]) - 3595) * 1000     # expires 5 s from now
with open(sys.argv[1], "w") as f:
    for i in range(1000):
        f.write('{"ip":"172.16.%d.%d","category":"spam","observed_at":%d,'
                '"ttl":3600}\n' % (i >> 8, i & 255, t))
PY
"$CTL" --db "$tmp/r" report --key "$tmp/b.key" --jsonl <"$tmp/old.jsonl" \
	>/dev/null 2>&1
st=$("$CTL" --db "$tmp/r" --json stats)
check "1000 live reports in 4 batches ($st)" \
	'echo "$st" | grep -q "\"batches\":4,.*\"reports_indexed\":1000,"'
sleep 6
echo '{"ip":"172.17.0.1","category":"spam","ttl":3600}' |
	"$CTL" --db "$tmp/r" report --key "$tmp/b.key" --jsonl >/dev/null 2>&1
out=$("$CTL" --db "$tmp/r" prune)
check "prune refolds 1000 records, prunes 4 batches ($out)" \
	'echo "$out" | grep -q "^1000 records refolded, 4 batches pruned"'
st=$("$CTL" --db "$tmp/r" --json stats)
check "after prune: 1 batch, 1 report, 1 subject ($st)" \
	'echo "$st" | grep -q "\"batches\":1,\"pending\":0,\"reports_indexed\":1,\"evidence\":1,\"subjects\":1,"'
"$CTL" --db "$tmp/r" rescore >/dev/null 2>&1
check "rescore after prune changes no count" \
	'[ "$(echo "$st" | nocount)" = "$("$CTL" --db "$tmp/r" --json stats | nocount)" ]'
out=$("$CTL" --db "$tmp/r" prune)
check "a second prune finds nothing ($out)" \
	'echo "$out" | grep -q "^0 records refolded, 0 batches pruned"'

printf 'policy:\n\tquota-per-hour: 1000\n' >"$tmp/q.conf"
head -2501 "$tmp/in.jsonl" | grep -v 10.0.0.300 >"$tmp/q.jsonl"
"$CTL" --db "$tmp/q" report --key "$tmp/a.key" --conf "$tmp/q.conf" \
	--jsonl <"$tmp/q.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "over the quota: exit status 1 (got $rc)" '[ $rc -eq 1 ]'
check "the summary counts 1500 over the quota ($(cat "$tmp/out"))" \
	'grep -q "^applied 2500 reports in .*, 1500 of them over the quota and 0 over the live ceiling (dropped)$" "$tmp/out"'
check "and stderr says why" \
	'grep -q "^reputectl: 1500 reports were over the origin.s quota (policy quota-per-hour 1000" "$tmp/err"'
st=$("$CTL" --db "$tmp/q" --json stats)
check "stats: 1000 reports indexed ($st)" \
	'echo "$st" | grep -q "\"reports_indexed\":1000,"'

# The live ceiling: 600 reports of one origin live at once, at most (a
# report counts until the day of batch time it expires in: TTLs of two
# days, since one of an hour may end within the day).
printf 'policy:\n\tlive-ceiling: 600\n' >"$tmp/l.conf"
sed 's/"ttl":3600/"ttl":172800/' "$tmp/q.jsonl" >"$tmp/l.jsonl"
"$CTL" --db "$tmp/l" report --key "$tmp/a.key" --conf "$tmp/l.conf" \
	--jsonl <"$tmp/l.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
check "over the live ceiling: exit status 1 (got $rc)" '[ $rc -eq 1 ]'
check "the summary counts 1900 over the live ceiling ($(cat "$tmp/out"))" \
	'grep -q "^applied 2500 reports in .*, 0 of them over the quota and 1900 over the live ceiling (dropped)$" "$tmp/out"'
check "and stderr says why" \
	'grep -q "^reputectl: 1900 reports were over the origin.s live ceiling (policy live-ceiling 600" "$tmp/err"'
st=$("$CTL" --db "$tmp/l" --json stats)
check "stats: 600 reports indexed ($st)" \
	'echo "$st" | grep -q "\"reports_indexed\":600,"'
"$CTL" --db "$tmp/l" rescore >/dev/null 2>&1
check "rescore under the recorded ceiling keeps the same 600" \
	'[ "$(echo "$st" | nocount)" = "$("$CTL" --db "$tmp/l" --json stats | nocount)" ]'
out=$("$CTL" --db "$tmp/q" --json report --key "$tmp/b.key" --conf \
	"$tmp/q.conf" --jsonl <"$tmp/old.jsonl")
check "under the quota: quota_dropped 0 in the JSON summary ($out)" \
	'echo "$out" | grep -q "\"quota_dropped\":0,\"live_dropped\":0}$"'
check "--conf through the API is refused" \
	'! "$CTL" report --conf "$tmp/q.conf" --jsonl </dev/null 2>/dev/null'
check "a --conf that does not parse is refused" \
	'! "$CTL" --db "$tmp/q" report --key "$tmp/a.key" --conf "$tmp/in.jsonl" --jsonl </dev/null 2>/dev/null'

idx() { "$CTL" --db "$tmp/q" --json stats | sed 's/.*"reports_indexed":\([0-9]*\).*/\1/'; }
kept=$(idx)
"$CTL" --db "$tmp/q" rescore >/dev/null 2>&1
check "rescore without --conf keeps the store's quota ($kept, now $(idx))" \
	'[ "$(idx)" = "$kept" ]'
printf 'policy:\n\tquota-per-hour: 2000\n' >"$tmp/q2.conf"
"$CTL" --db "$tmp/q" report --key "$tmp/a.key" --conf "$tmp/q2.conf" \
	--jsonl <"$tmp/old.jsonl" >/dev/null 2>"$tmp/err"; rc=$?
check "report --conf with another policy is refused (exit $rc)" \
	'[ $rc -eq 1 ] && grep -q "scored under another policy than --conf.s: rescore it first" "$tmp/err"'
check "and the store is unchanged" '[ "$(idx)" = "$kept" ]'
"$CTL" --db "$tmp/q" rescore --conf "$tmp/q2.conf" >/dev/null 2>&1
check "rescore --conf with a quota of 2000 keeps 1000 more ($kept, now $(idx))" \
	'[ "$(idx)" = "$((kept + 1000))" ]'
"$CTL" --db "$tmp/q" rescore >/dev/null 2>&1
check "and the store keeps that policy" '[ "$(idx)" = "$((kept + 1000))" ]'
check "rescore takes no operand" \
	'! "$CTL" --db "$tmp/q" rescore x 2>/dev/null'
REPUTED=$ROOT/$BUILD/reputed
dport=$(free_port); aport=$(free_port)
cat >"$tmp/d.conf" <<CONF
server:
	directory: "$tmp/q"
	username: ""
dns:
	listen: 127.0.0.1@$dport
api:
	listen: 127.0.0.1@$aport
policy:
	quota-per-hour: 1000
CONF
PIDS=""
if t_reputed "$tmp/d.conf" "$tmp/dlog" "$aport"; then
	stop_pids $PIDS; PIDS=""
	check "a daemon started with another policy rescores" \
		'grep -q "policy: not the one the store was scored under; rescoring" "$tmp/dlog" && grep -q "rescored in" "$tmp/dlog"'
	check "under its own quota ($(idx))" '[ "$(idx)" = "$kept" ]'
	t_reputed "$tmp/d.conf" "$tmp/dlog2" "$aport" ||
		ko "the daemon did not start again: $(tail -3 "$tmp/dlog2")"
	stop_pids $PIDS; PIDS=""
	check "and not again at the next start" \
		'! grep -q "rescoring" "$tmp/dlog2"'
else
	ko "the daemon did not start: $(tail -3 "$tmp/dlog")"
fi

"$CTL" backup --db "$tmp/db" --out "$tmp/b.mdb" >"$tmp/bk" 2>&1
check "backup writes a file" '[ -s "$tmp/b.mdb" ] && grep -q "^backed up" "$tmp/bk"'
check "backup refuses to overwrite" \
	'! "$CTL" backup --db "$tmp/db" --out "$tmp/b.mdb" 2>/dev/null'
mkdir "$tmp/restored" && mv "$tmp/b.mdb" "$tmp/restored/data.mdb"
check "the restored store has the same counts" \
	'[ "$("$CTL" --db "$tmp/db" --json stats | nocount)" = "$("$CTL" --db "$tmp/restored" --json stats | nocount)" ]'
check "and the same answer" \
	'[ "$("$CTL" --db "$tmp/db" query 10.1.17.111)" = "$("$CTL" --db "$tmp/restored" query 10.1.17.111)" ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
