#!/bin/sh
# The Postfix policy service (smtpd-policy:) over its wire protocol: nsd
# serves SPF records on loopback, reputed lists a client and two domains
# through its API and answers policy requests on TCP and on a Unix socket
# (mta_policy.py sends them: actions, Received-SPF, limits, idle timeout,
# 100 connections at once). Everything started here is stopped by PID.
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/common.sh"
. "$ROOT/tests/lib/nsd.sh"
t_missing nsd curl python3
t_tmpdir mta-policy
nsd_pid=""; rep_pid=""
t_on_exit() { stop_pids $rep_pid $nsd_pid; }
set -- $(free_ports 3)
NSD_PORT=$1; API_PORT=$2; POL_PORT=$3
cat >"$TMP/spf.example.zone" <<'ZONE'
$ORIGIN spf.example.
$TTL 60
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
@ IN TXT "v=spf1 ip4:192.0.2.1 -all exp=exp.spf.example"
exp IN TXT "%{i} is not one of %{d}'s senders"
mx IN TXT "v=spf1 a -all"
mx IN A 192.0.2.1
listed IN TXT "v=spf1 ip4:192.0.2.1 -all"
forged IN TXT "v=spf1 ip4:192.0.2.1 -all"
soft IN TXT "v=spf1 ~all"
broken IN TXT "v=spf1 include:x.notserved.example -all"
ZONE
nsd_serve "$TMP" "$NSD_PORT" spf.example || { echo "0 passed, 1 failed"; exit 1; }
mkdir -p "$TMP/var"
cat >"$TMP/reputed.conf" <<CONF
server:
	directory: "$TMP/var"
	sync: 0
zone:
	name: bl.reputed.example
	kind: ip
zone:
	name: dbl.reputed.example
	kind: domain
	subdomains: yes
api:
	listen: 127.0.0.1@$API_PORT
sender-id:
	resolver: 127.0.0.1@$NSD_PORT
	timeout: 2s
smtpd-policy:
	listen: 127.0.0.1@$POL_PORT
	receiver: mx.isp.example
	idle-timeout: 2s
	max-line: 4096
	max-attributes: 50
policy:
	min-origins: 1
	threshold: 0.5
CONF
start_reputed() {
	"$ROOT/$BUILD/reputed" -d -c "$TMP/reputed.conf" >>"$TMP/reputed.log" 2>&1 &
	rep_pid=$!
	for _i in $(seq 1 50); do
		curl -s -m 1 "http://127.0.0.1:$API_PORT/metrics" >/dev/null && return 0
		sleep 0.1
	done
	cat "$TMP/reputed.log"
	return 1
}
start_reputed || { echo "0 passed, 1 failed"; exit 1; }
printf '%s\n' '{"ip":"192.0.2.66","category":"spam"}' \
	'{"domain":"listed.spf.example","category":"spam"}' \
	'{"domain":"forged.spf.example","category":"spam"}' |
	curl -s -m 10 -H 'Content-Type: application/x-ndjson' --data-binary @- \
	"http://127.0.0.1:$API_PORT/v1/reports" >/dev/null
python3 "$ROOT/tests/integration/mta_policy.py" "127.0.0.1:$POL_PORT" >"$TMP/tcp.out"
tcp_rc=$?
sed -n '/^FAIL/p' "$TMP/tcp.out"
set -- $(tail -1 "$TMP/tcp.out")
pass=${1:-0}; fail=${3:-1}
[ $tcp_rc = 0 ] || fail=$((fail > 0 ? fail : 1))

m=$(curl -s "http://127.0.0.1:$API_PORT/metrics")
case $m in *'reputed_policy_actions_total{verdict="listed"}'*) ok ;;
*) ko "metrics: no reputed_policy_actions_total" ;; esac
case $m in *"reputed_policy_bad_requests_total 5"*) ok ;;
*) ko "metrics: 5 bad requests expected: $(echo "$m" | grep policy_bad)" ;; esac
grep -q "smtpd-policy: listed from 192.0.2.66" "$TMP/reputed.log" && ok ||
	ko "the reject is not logged"

# The same over a Unix socket, after a restart (the store keeps the data).
stop_pids $rep_pid
sed -i "s|listen: 127.0.0.1@$POL_PORT|listen: \"$TMP/policy.sock\"|" "$TMP/reputed.conf"
start_reputed || ko "no restart with a Unix socket"
[ "$(stat -c %a "$TMP/policy.sock" 2>/dev/null)" = 666 ] && ok ||
	ko "socket mode: $(stat -c %a "$TMP/policy.sock" 2>&1)"
got=$(python3 - "$TMP/policy.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(b"request=smtpd_access_policy\nclient_address=192.0.2.66\n"
          b"helo_name=x\nsender=\n\n")
print(s.recv(4096).decode().split(";")[0])
PY
)
[ "$got" = "action=554 5.7.1 Service unavailable" ] && ok || ko "unix socket: $got"
stop_pids $rep_pid
[ ! -e "$TMP/policy.sock" ] && ok || ko "the socket is left behind after a stop"
rep_pid=""
t_done
