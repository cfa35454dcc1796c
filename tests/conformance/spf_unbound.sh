#!/bin/sh
# Sender-ID over real DNS: `reputectl spf` and `reputectl senderid` with
# --resolver against a local authoritative nsd (started here on a free
# loopback port, stopped by its PID), through libunbound on libevent.
# Also a server that never answers, and one that answers 0.5 s late (a
# proxy in front of nsd): a query past --timeout and an evaluation past
# --deadline must both be temperror; a patient one still passes.
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ctl=$BUILD/reputectl
. "$(dirname "$0")/../lib/common.sh"
nsd_pid=""
slow_pid=""
t_tmpdir spf-unbound; tmp=$TMP
t_on_exit() { stop_pids $slow_pid $nsd_pid; }

if ! "$ctl" spf --help 2>&1 | grep -q 'reputectl spf --suite'; then
	echo "$ctl has no 'spf' subcommand (reputectl dispatch not wired)"
	echo "0 passed, 1 failed"
	exit 1
fi
t_missing nsd

port=$(free_port)
dead=$(free_port)		# nothing listens there
long="v=spf1"
for i in $(seq 1 40); do long="$long ip4:198.51.100.$i"; done
cat > "$tmp/spf.example.zone" <<ZONE
\$ORIGIN spf.example.
\$TTL 60
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:192.0.2.1 include:inc.spf.example -all exp=exp.spf.example"
inc IN TXT "v=spf1 mx -all"
inc IN MX 10 mx.spf.example.
mx IN A 192.0.2.2
exp IN TXT "%{i} is not authorised by %{d}"
helo IN TXT "v=spf1 a -all"
helo IN A 192.0.2.3
pra IN TXT "v=spf1 -all"
pra IN TXT "spf2.0/pra ip4:192.0.2.4 -all"
long IN TXT $(printf '%s -all' "$long" | fold -w 200 | sed 's/.*/"&"/' | tr '\n' ' ')
six IN TXT "v=spf1 ip6:2001:db8::/32 -all"
ZONE
. "$(dirname "$0")/../lib/nsd.sh"
if ! nsd_serve "$tmp" "$port" spf.example; then
	echo "0 passed, 1 failed"
	exit 1
fi

check() { # $1 = name, $2 = expected output (lines joined by |), rest = command
	name=$1; want=$2; shift 2
	got=$("$@" 2>&1 | tr '\n' '|' | sed 's/|$//')
	if [ "$got" = "$want" ]; then ok; else
		ko "$name: expected '$want', got '$got'"
	fi
}
r="--resolver 127.0.0.1:$port"
check ip4-pass "pass" "$ctl" spf --ip 192.0.2.1 --mail-from a@spf.example --helo x.example $r
check include-mx "pass" "$ctl" spf --ip 192.0.2.2 --mail-from a@spf.example --helo x.example $r
check fail-exp "fail|192.0.2.9 is not authorised by spf.example" \
	"$ctl" spf --ip 192.0.2.9 --mail-from a@spf.example --helo x.example $r
check mapped-v6 "pass" "$ctl" spf --ip ::ffff:192.0.2.1 --mail-from a@spf.example --helo x.example $r
check helo-identity "pass" "$ctl" spf --ip 192.0.2.3 --mail-from '' --helo helo.spf.example $r
check helo-identity-fail "fail|SPF fail - not authorized" \
	"$ctl" spf --ip 192.0.2.1 --mail-from '' --helo helo.spf.example $r
check multi-string "pass" "$ctl" spf --ip 198.51.100.40 --mail-from a@long.spf.example --helo x.example $r
check ip6 "pass" "$ctl" spf --ip 2001:db8::25 --mail-from a@six.spf.example --helo x.example $r
check nxdomain "none" "$ctl" spf --ip 192.0.2.1 --mail-from a@nowhere.spf.example --helo x.example $r
printf 'Received: x\nFrom: Someone <someone@pra.spf.example>\n\nbody\n' > "$tmp/msg"
check senderid-pra "pass" "$ctl" senderid --ip 192.0.2.4 --headers "$tmp/msg" $r
check senderid-pra-fail "fail|SPF fail - not authorized" \
	"$ctl" senderid --ip 192.0.2.1 --headers "$tmp/msg" $r
got=$("$ctl" spf --ip 192.0.2.2 --mail-from a@spf.example --helo x.example $r --json)
case $got in
*'"result":"pass"'*'"mechanism":"include:inc.spf.example"'*) ok ;;
*) ko "json: $got" ;;
esac
check timeout "temperror" "$ctl" spf --ip 192.0.2.1 --mail-from a@spf.example \
	--helo x.example --resolver "127.0.0.1:$dead" --timeout 300
slow=$(free_port)
/usr/bin/python3 "$(dirname "$0")/spf_slowdns.py" "$slow" "$port" 0.5 \
	>"$tmp/slow.out" 2>&1 &
slow_pid=$!
for i in $(seq 1 20); do
	grep -q ready "$tmp/slow.out" 2>/dev/null && break
	sleep 0.1
done
s="--resolver 127.0.0.1:$slow"
check slow-query-timeout "temperror" "$ctl" spf --ip 192.0.2.2 \
	--mail-from a@spf.example --helo x.example $s --timeout 200
check slow-but-patient "pass" "$ctl" spf --ip 192.0.2.2 \
	--mail-from a@spf.example --helo x.example $s --timeout 3000
got=$("$ctl" spf --ip 192.0.2.2 --mail-from a@spf.example --helo x.example \
	$s --timeout 3000 --deadline 700 --json)
case $got in
*'"result":"temperror"'*'longer than 700 ms'*) ok ;;
*) ko "slow-deadline: $got" ;;
esac
t_done
