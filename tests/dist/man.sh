#!/bin/sh
# man.sh: the man pages in dist/man (mdoc).
#  - `mandoc -T lint` finds nothing in them, but for "referenced manual not
#    found" (a cross reference is looked up in the system's mandoc.db, so
#    reputed(8) is found only once installed: tests/dist/deb.sh lints the
#    installed pages);
#  - every clause and keyword that `reputed -nv` prints, for the embedded
#    default, dist/reputed.conf and every tests/data/conf/*.in, has its
#    `.It Ic KEYWORD` under `.Ss CLAUSE` in reputed.conf(5), and every
#    keyword documented there is one reputed knows;
#  - every command, subcommand and option in the table reputectl parses
#    with (`reputectl complete`) is in reputectl(8);
#  - every option in reputed's usage is in reputed(8).
# Prints "N passed, N failed" (", 1 skipped" without mandoc).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
MAN=$TOP/dist/man
if ! command -v mandoc >/dev/null; then
	echo "SKIP: mandoc is not installed (make deps installs it)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
. "$TOP/tests/lib/common.sh"
t_tmpdir man
for page in reputed.8 reputectl.8 reputed.conf.5; do
	mandoc -T lint "$MAN/$page" 2>&1 |
	    grep -v -e 'referenced manual not found' -e 'mandoc.db' >"$TMP/lint"
	[ -s "$TMP/lint" ] && ko "mandoc -T lint $page: $(cat "$TMP/lint")" ||
	    ok "mandoc -T lint $page"
	mandoc -T utf8 "$MAN/$page" >/dev/null 2>&1 && ok || ko "$page does not render"
done

# reputed.conf(5): "clause keyword" pairs documented, from .Ss and .It Ic
awk '/^\.Ss / { c = $2 } /^\.It Ic / && c != "" { print c, $3 }' \
    "$MAN/reputed.conf.5" | sort -u >"$TMP/documented"
{
	"$TOP/$BUILD/reputed" -nv
	"$TOP/$BUILD/reputed" -nv -c "$TOP/dist/reputed.conf"
	for f in "$TOP"/tests/data/conf/*.in; do
		"$TOP/$BUILD/reputed" -nv -c "$f" 2>/dev/null
	done
} | awk '/^[a-z-]+:$/ { c = substr($1, 1, length($1) - 1) }
    /^\t[a-z-]+:/ { k = $1; sub(/:$/, "", k); print c, k }' |
    sort -u >"$TMP/printed"
[ "$(wc -l <"$TMP/printed")" -ge 40 ] && ok || ko "reputed -nv printed few keywords"
while read -r clause kw; do
	grep -qx "$clause $kw" "$TMP/documented" && ok ||
	    ko "reputed.conf.5: no '.It Ic $kw' under '.Ss $clause'"
done <"$TMP/printed"

# ... and nothing documented that the parser does not know (a stale page).
while read -r clause kw; do
	printf '%s:\n\t%s: x\n' "$clause" "$kw" >"$TMP/kw.conf"
	"$TOP/$BUILD/reputed" -n -c "$TMP/kw.conf" 2>&1 | grep -q "unknown keyword" &&
	    ko "reputed.conf.5 documents '$kw' in $clause:, which reputed does not know" || ok
done <"$TMP/documented"

# reputectl(8): commands (.It Cm NAME), subcommands, options (Fl -OPT)
"$TOP/$BUILD/reputectl" complete >"$TMP/table" || ko "reputectl complete"
while read -r cmd rest; do
	if [ "$cmd" != - ]; then
		grep -q "^\.It Cm $cmd\( \|$\)" "$MAN/reputectl.8" && ok ||
		    ko "reputectl.8: no '.It Cm $cmd'"
	fi
	for w in $rest; do
		case $w in
		--*)	o=${w%=}; o=${o#-}	# Fl adds the first dash
			grep -q "Fl $o\( \|$\)" "$MAN/reputectl.8" && ok ||
			    ko "reputectl.8: $cmd option -$o not documented" ;;
		*)	grep "^\.It Cm $cmd " "$MAN/reputectl.8" |
			    grep -q "Cm \(.*| \)\?$w\( \|$\)" && ok ||
			    ko "reputectl.8: no '.It Cm $cmd Cm $w'" ;;
		esac
	done
done <"$TMP/table"

for c in $(sed -n 's/^\.It Cm \([a-z-]*\).*/\1/p' "$MAN/reputectl.8" | sort -u); do
	grep -q "^$c " "$TMP/table" || grep -qx "$c" "$TMP/table" && ok ||
	    ko "reputectl.8 documents '$c', which reputectl does not have"
done

# reputed(8): the flags of its usage
"$TOP/$BUILD/reputed" -h 2>&1 | sed -n 's/^  -\([a-z]\) .*/\1/p' >"$TMP/flags"
[ -s "$TMP/flags" ] && ok || ko "reputed -h printed no flags"
for f in $(cat "$TMP/flags"); do
	grep -q "^\.It Fl $f\( \|$\)" "$MAN/reputed.8" && ok ||
	    ko "reputed.8: no '.It Fl $f'"
done
t_done
