# bash completion for reputectl.
# SPDX-License-Identifier: ISC
#
# The words come from `reputectl complete`, which prints the table the
# program parses its command line with (node/ctl/reputectl.c): one line
# per command, "NAME [subcommand ...] --opt --opt= ..." ("=": the option
# takes a value), the first line, "-", the global options. So this file
# never lists a command or an option itself and cannot drift.

_reputectl_table()
{
	"${1:-reputectl}" complete 2>/dev/null
}

_reputectl()
{
	local cur prev words cword
	_init_completion -n = || return

	local table cmd="-" line i
	table=$(_reputectl_table "${words[0]}") || return
	# The command is the first word that does not start with "-" and is
	# not the value of a global option that takes one.
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--db|--api) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]}; break ;;
		esac
	done
	line=$(printf '%s\n' "$table" | awk -v c="$cmd" '$1 == c')

	# The value of an option: a file, but for --api (HOST:PORT).
	if [[ $prev == --* && " $line " == *" $prev= "* ]]; then
		[[ $prev == --api ]] && return
		_filedir
		return
	fi
	if [[ $cur == -* ]]; then
		local opts
		opts=$(printf '%s\n' "$line" | tr ' ' '\n' | grep '^--' |
		    tr -d '=')
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	if [[ $cmd == - ]]; then
		COMPREPLY=($(compgen -W "$(printf '%s\n' "$table" |
		    awk '$1 != "-" { print $1 }')" -- "$cur"))
		return
	fi
	# The command's own subcommands (ca new, cert issue ...), if it has
	# them and none is given yet; otherwise files (cert show FILE).
	local subs
	subs=$(printf '%s\n' "$line" | tr ' ' '\n' | sed 1d | grep -v '^--')
	if [[ -n $subs && ${words[cword - 1]} == "$cmd" ]]; then
		COMPREPLY=($(compgen -W "$subs" -- "$cur"))
		return
	fi
	_filedir
}
complete -F _reputectl reputectl
