#!/bin/sh
# completion.sh: the bash completion of reputectl (dist/reputectl.bash)
# against the table the program parses with (`reputectl complete`):
# every command completes, every command's options complete to exactly its
# table, subcommands of ca / cert complete, and every option in the table
# is one the command's parser accepts (no "unrecognized option").
# Prints "N passed, N failed" (", 1 skipped" without bash-completion).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
CTL=$ROOT/$BUILD/reputectl
BC=/usr/share/bash-completion/bash_completion
if [ ! -r "$BC" ] || ! command -v bash >/dev/null; then
	echo "SKIP: bash-completion is not installed (make deps installs it)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi
. "$ROOT/tests/lib/common.sh"
t_tmpdir completion
tmp=$TMP

# complete WORD...: what the completion offers for the command line
# "reputectl WORD..." with the cursor at the end of the last word.
complete_words() {
	PATH=$ROOT/$BUILD:$PATH bash -c '
		. "$1"; . "$2"; shift 2
		COMP_WORDS=(reputectl "$@"); COMP_CWORD=$#
		COMP_LINE="reputectl $*"; COMP_POINT=${#COMP_LINE}
		_reputectl; printf "%s\n" "${COMPREPLY[@]}" | sort' \
	    sh "$BC" "$ROOT/dist/reputectl.bash" "$@"
}

"$CTL" complete >"$tmp/table" || ko "reputectl complete failed"
awk '$1 != "-" { print $1 }' "$tmp/table" | sort >"$tmp/cmds"
[ "$(wc -l <"$tmp/cmds")" -ge 10 ] && ok || ko "fewer than 10 commands"
complete_words "" >"$tmp/got"
cmp -s "$tmp/cmds" "$tmp/got" && ok || ko "commands: got $(cat "$tmp/got")"
"$CTL" 2>"$tmp/usage"
for c in $(cat "$tmp/cmds"); do
	grep -q "^  $c " "$tmp/usage" && ok || ko "$c not in the usage"
done
[ "$(complete_words rep)" = report ] && ok || ko "rep -> $(complete_words rep)"
[ "$(complete_words --db x que)" = query ] && ok || ko "--db x que"
[ "$(complete_words report --cat)" = --category ] && ok || ko "report --cat"
complete_words ca "" | tr '\n' ' ' >"$tmp/got"
[ "$(cat "$tmp/got")" = "bridge cross new revoke " ] && ok ||
    ko "ca: $(cat "$tmp/got")"
complete_words -- | tr '\n' ' ' >"$tmp/got"
[ "$(cat "$tmp/got")" = "--api --db --json " ] && ok || ko "--: $(cat "$tmp/got")"

# Each command's options: completed exactly, and accepted by its parser.
while read -r cmd rest; do
	[ "$cmd" = - ] && continue
	printf '%s\n' $rest | grep '^--' | tr -d = | sort >"$tmp/want"
	[ -s "$tmp/want" ] || continue
	complete_words "$cmd" -- >"$tmp/got"
	cmp -s "$tmp/want" "$tmp/got" && ok || ko "$cmd --: $(cat "$tmp/got")"
	for o in $(printf '%s\n' $rest | grep '^--'); do
		case $o in *=) arg="${o%=}=x" ;; *) arg=$o ;; esac
		(cd "$tmp" && timeout 10 "$CTL" --api 127.0.0.1:1 "$cmd" \
		    "$arg" </dev/null >/dev/null 2>"$tmp/err")
		if grep -qE "unrecognized option|not allowed an argument" \
		    "$tmp/err"; then
			ko "$cmd $arg: $(cat "$tmp/err")"
		else
			ok
		fi
	done
done <"$tmp/table"
t_done
