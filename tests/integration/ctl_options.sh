#!/bin/sh
# ctl_options.sh: every reputectl command reads its options with
# getopt_long, and an unknown option is an error everywhere: the usage on
# stderr, exit status 2, nothing done. The commands come from the table
# the program parses with (`reputectl complete`), so a new command is
# covered without editing this file. Also: an option may follow the
# operands (query X --json), --name=value works, a missing value is the
# same error. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$TOP/$BUILD/reputectl
. "$TOP/tests/lib/common.sh"
t_tmpdir ctlopts; tmp=$TMP
cd "$tmp" || exit 1

# refused ARGS...: exit 2 with a usage line, and no file made here.
refused() {
	"$CTL" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
	rc=$?
	if [ "$rc" = 2 ] && grep -qi 'usage' "$tmp/err" &&
	    [ -z "$(ls "$tmp" | grep -v '^out$\|^err$\|^table$')" ]; then
		ok
	else
		ko "reputectl $*: exit $rc, $(head -c 200 "$tmp/err")"
	fi
}

"$CTL" complete >"$tmp/table" || ko "reputectl complete"
while read -r cmd rest; do
	[ "$cmd" = - ] && continue
	refused "$cmd" --no-such-option
	# the subcommands of ca and cert parse their options too
	for sub in $(printf '%s\n' $rest | grep -v '^--'); do
		refused "$cmd" "$sub" --no-such-option
	done
done <"$tmp/table"
refused --no-such-option query 192.0.2.1
refused query 192.0.2.1 --no-such-option
refused --db "$tmp/db" query 192.0.2.1 --no-such-option
refused keygen --out k.pem --no-such-option
refused keygen --out
refused ca new --key
refused ca new --key k.pem --cert c.pem --org O --no-such-option
refused cert issue --ca-key k --no-such-option
refused --db "$tmp/db" stats extra
refused --db "$tmp/db" rescore --json
refused retract 1:1 --no-such-option
refused peers extra
refused query
refused query 192.0.2.1 192.0.2.2

# what is right still works, options after operands and with =
"$CTL" keygen --out=k.pem >/dev/null 2>&1 && [ -s k.pem ] && ok ||
    ko "keygen --out=FILE"
"$CTL" --db "$tmp/db" query 192.0.2.1 --json >"$tmp/q" 2>&1 &&
    grep -q '"reputons":\[\]' "$tmp/q" && ok ||
    ko "query X --json after the operand: $(cat "$tmp/q")"
"$CTL" ca new --key ca.key --cert ca.pem --org O >/dev/null 2>&1 &&
    "$CTL" cert issue --ca-key ca.key --ca-cert ca.pem --node-key k.pem \
    --cn n --out=n.pem >/dev/null 2>&1 &&
    "$CTL" cert verify n.pem --anchor ca.pem >/dev/null 2>&1 && ok ||
    ko "ca new, cert issue --out=, cert verify FILE --anchor"
t_done
