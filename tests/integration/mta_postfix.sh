#!/bin/sh
# A real Postfix (Debian's postfix) wired to reputed's policy service and
# to reputed-milter, on loopback only: its own configuration directory, a
# high port, no SMTP client service at all and every transport `error`,
# so it can never relay anywhere. Each message is held in its queue
# (HOLD) and read back with postcat. Mail is sent with swaks from
# several loopback source addresses (127.0.0.5 is listed, ...).
# Checks: a listed client is rejected with the code and the TXT; an SPF
# fail is rejected (spf-fail: reject) or marked (mark); a pass gets
# Received-SPF: pass and an Authentication-Results field that parses; with
# reputed stopped Postfix takes its smtpd_policy_service_default_action.
# Everything started here is stopped by PID. Skipped, with the reason,
# when Postfix cannot run here.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/common.sh"
. "$ROOT/tests/lib/nsd.sh"
t_missing nsd curl python3
skip() { echo "SKIP: $*"; echo "0 passed, 0 failed, 1 skipped"; exit 0; }
command -v postfix >/dev/null && command -v swaks >/dev/null ||
	skip "postfix or swaks is not installed (make deps installs them)"
[ "$(id -u)" = 0 ] || skip "Postfix's master must start as root"
id postfix >/dev/null 2>&1 || skip "no postfix user"
t_tmpdir mta-postfix
chmod 755 "$TMP"
nsd_pid=""; rep_pid=""; pf_pid=""; milter_pid=""
t_on_exit() { stop_pids $pf_pid $milter_pid $rep_pid $nsd_pid; }
set -- $(free_ports 6)
NSD_PORT=$1; API_PORT=$2; POL_PORT=$3; SMTP_PORT=$4; MILTER_PORT=$5; DNS_PORT=$6

# ---- DNS: SPF records for the senders ----
cat >"$TMP/spf.example.zone" <<'ZONE'
$ORIGIN spf.example.
$TTL 60
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
good IN TXT "v=spf1 ip4:127.0.0.3 -all"
bad IN TXT "v=spf1 ip4:127.0.0.3 -all exp=exp.spf.example"
exp IN TXT "%{i} may not send for %{d}"
ZONE
nsd_serve "$TMP" "$NSD_PORT" spf.example || { echo "0 passed, 1 failed"; exit 1; }

# ---- reputed: the policy service ----
mkdir -p "$TMP/var"
write_reputed_conf() { # $1 = spf-fail action, $2 = reject-listed
	cat >"$TMP/reputed.conf" <<CONF
server:
	directory: "$TMP/var"
	sync: 0
dns:
	listen: 127.0.0.1@$DNS_PORT
zone:
	name: bl.reputed.example
	kind: ip
api:
	listen: 127.0.0.1@$API_PORT
sender-id:
	resolver: 127.0.0.1@$NSD_PORT
	timeout: 2s
smtpd-policy:
	listen: 127.0.0.1@$POL_PORT
	receiver: mx.isp.example
	spf-fail: $1
	reject-listed: $2
policy:
	min-origins: 1
	threshold: 0.5
CONF
}
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
write_reputed_conf reject yes
start_reputed || { echo "0 passed, 1 failed"; exit 1; }
curl -s -m 10 -d '{"ip":"127.0.0.5","category":"spam"}' \
	"http://127.0.0.1:$API_PORT/v1/reports" >/dev/null

# ---- reputed-milter: Authentication-Results ----
"$ROOT/$BUILD/reputed-milter" -s "inet:$MILTER_PORT@127.0.0.1" \
	--authserv-id mx.isp.example --resolver "127.0.0.1:$NSD_PORT" \
	--zone bl.reputed.example --zone-server "127.0.0.1:$DNS_PORT" \
	>"$TMP/milter.log" 2>&1 &
milter_pid=$!

# ---- Postfix: its own directory, loopback only ----
PF=$TMP/postfix
mkdir -p "$PF/conf" "$PF/queue" "$PF/data"
chown postfix "$PF/data"
cat >"$PF/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $PF/queue
data_directory = $PF/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF/maillog
maillog_file_prefixes = $PF
myhostname = mx.isp.example
mydomain = isp.example
myorigin = isp.example
mydestination = isp.example
mynetworks = 192.0.2.250/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtp_dns_support_level = disabled
smtpd_peername_lookup = no
disable_dns_lookups = yes
# never deliver or relay: remote transports are the error transport,
# local ones discard, master.cf has no smtp, lmtp, local or pipe service,
# and every message accepted is held in the queue (smtpd_data_restrictions).
default_transport = error:this test never relays
relay_transport = error:this test never relays
local_transport = discard:held, never delivered
virtual_transport = discard:held, never delivered
relayhost =
local_recipient_maps =
smtpd_helo_required = yes
smtpd_recipient_restrictions =
	reject_unauth_destination
	check_policy_service inet:127.0.0.1:$POL_PORT
	permit
smtpd_policy_service_default_action = 451 4.3.5 reputed is not answering
smtpd_policy_service_timeout = 10s
smtpd_policy_service_try_limit = 2
smtpd_policy_service_retry_delay = 1s
smtpd_data_restrictions = check_client_access static:HOLD
smtpd_milters = inet:127.0.0.1:$MILTER_PORT
milter_default_action = tempfail
milter_protocol = 6
CONF
cat >"$PF/conf/master.cf" <<CONF
127.0.0.1:$SMTP_PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CONF
postfix -c "$PF/conf" check >"$TMP/pfcheck.out" 2>&1 ||
	skip "postfix check failed: $(head -3 "$TMP/pfcheck.out")"
postfix -c "$PF/conf" start-fg >"$TMP/postfix.out" 2>&1 &
pf_pid=$!
up=0
for _i in $(seq 1 50); do
	if python3 -c "import socket; socket.create_connection(('127.0.0.1', $SMTP_PORT), 1)" 2>/dev/null; then
		up=1; break
	fi
	sleep 0.2
done
[ $up = 1 ] || skip "Postfix did not start: $(cat "$TMP/postfix.out" "$PF/maillog" 2>/dev/null | tail -3)"
# start-fg runs master as a child of postfix-script: stop master itself.
master_pid=$(tr -dc 0-9 <"$PF/queue/pid/master.pid" 2>/dev/null)
[ -n "$master_pid" ] && pf_pid="$master_pid $pf_pid"
ok "postfix $(postconf -d -h mail_version) on 127.0.0.1:$SMTP_PORT (master pid $master_pid)"

send() { # $1 = source address, $2 = MAIL FROM, rest: swaks options
	_src=$1; _from=$2; shift 2
	swaks --server 127.0.0.1 --port "$SMTP_PORT" --local-interface "$_src" \
	    --helo "client.example" --from "$_from" --to "user@isp.example" \
	    --timeout 30 "$@" 2>&1 | tee "$TMP/last_send"
}
# held: the message the last send put in the queue, headers only: by the
# queue id in its 250 reply ("queued as ID"), since two messages can arrive
# in the same second; the newest by arrival time when there is none.
held() {
	_id=$(sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p' \
	    "$TMP/last_send" 2>/dev/null | tail -1)
	[ -n "$_id" ] || _id=$(postqueue -c "$PF/conf" -j 2>/dev/null |
	    python3 -c '
import json, sys
q = [json.loads(l) for l in sys.stdin if l.strip()]
q.sort(key=lambda m: m["arrival_time"])
print(q[-1]["queue_id"] if q else "")')
	[ -n "$_id" ] && postcat -c "$PF/conf" -h -q "$_id" 2>/dev/null
}

# 1. a listed client: 554 with the listing's TXT
out=$(send 127.0.0.5 a@good.spf.example)
case $out in
*"<** 554 5.7.1 "*"Service unavailable; client host [127.0.0.5] blocked using bl.reputed.example; 127.0.0.5: 1 reports from 1 origins"*) ok "listed client: 554 with the TXT" ;;
*) ko "listed client not rejected as expected: $(echo "$out" | grep '<\*\*')" ;;
esac

# 2. an SPF fail, spf-fail: reject -> 550 5.7.23 with the explanation
out=$(send 127.0.0.4 a@bad.spf.example)
case $out in
*"<** 550 5.7.23 "*"SPF fail for mailfrom bad.spf.example: 127.0.0.4 may not send for bad.spf.example"*) ok "SPF fail rejected with the explanation" ;;
*) ko "SPF fail not rejected: $(echo "$out" | grep '<\*\*')" ;;
esac

# 3. a pass: accepted, Received-SPF: pass in the message
out=$(send 127.0.0.3 a@good.spf.example --header "Subject: pass")
case $out in
*"<-  250 2.0.0 Ok: queued"*) ok "SPF pass accepted" ;;
*) ko "pass not accepted: $(echo "$out" | grep '<[-*]')" ;;
esac
hdr=$(held)
case $hdr in
*"Received-SPF: pass (mx.isp.example: domain of a@good.spf.example designates 127.0.0.3 as permitted sender) client-ip=127.0.0.3; envelope-from=\"a@good.spf.example\"; helo=client.example; receiver=mx.isp.example; identity=mailfrom"*) ok "Received-SPF: pass prepended" ;;
*) ko "no Received-SPF: pass in the held message: $hdr" ;;
esac

# ... and the milter's Authentication-Results, which a parser (Python's
# authres) reads; a forged one with our authserv-id is gone, another
# server's is kept.
ar_check() { # $1 = what, $2 = expected "method=result ..." list
	_got=$(held | /usr/bin/python3 -c '
import sys, authres
lines, cur = [], None
for l in sys.stdin.read().split("\n"):
    if l[:1] in (" ", "\t") and cur is not None:
        lines[-1] += " " + l.strip()
    else:
        lines.append(l); cur = l
ours = [l for l in lines if l.lower().startswith("authentication-results:")]
out = []
for l in ours:
    h = authres.AuthenticationResultsHeader.parse(l)
    out.append(h.authserv_id + ": " + " ".join(
        "%s=%s" % (r.method, r.result) for r in h.results))
print(" | ".join(out))' 2>&1)
	if [ "$_got" = "$2" ]; then ok "$1"; else ko "$1: expected [$2] got [$_got]"; fi
}
ar_check "Authentication-Results parses: spf, sender-id, reputed" \
	"mx.isp.example: spf=pass sender-id=pass reputed=pass"
out=$(send 127.0.0.3 a@good.spf.example --header "Subject: forged" \
	--add-header "Authentication-Results: mx.isp.example; spf=pass smtp.mailfrom=ceo@good.spf.example" \
	--add-header "Authentication-Results: other.example; spf=none")
ar_check "a forged field with our authserv-id removed, another kept" \
	"mx.isp.example: spf=pass sender-id=pass reputed=pass | other.example: spf=none"

# 4. spf-fail: mark -> the fail is accepted and marked
stop_pids $rep_pid
write_reputed_conf mark no
start_reputed || ko "reputed did not restart"
out=$(send 127.0.0.4 a@bad.spf.example --header "Subject: marked")
case $out in
*"<-  250 2.0.0 Ok: queued"*) ok "SPF fail accepted with spf-fail: mark" ;;
*) ko "fail with mark not accepted: $(echo "$out" | grep '<[-*]')" ;;
esac
case $(held) in
*"Received-SPF: fail (mx.isp.example: domain of a@bad.spf.example does not designate 127.0.0.4 as permitted sender)"*) ok "Received-SPF: fail prepended" ;;
*) ko "no Received-SPF: fail in the held message" ;;
esac
ar_check "Authentication-Results of the marked fail" \
	"mx.isp.example: spf=fail sender-id=fail reputed=pass"

# The abuse desk reports the marked message: reputectl report --message
# reads our own fields (Received, Received-SPF, Authentication-Results).
held >"$TMP/marked.eml"
out=$("$ROOT/$BUILD/reputectl" --api "127.0.0.1:$API_PORT" report \
	--message "$TMP/marked.eml" --authserv-id mx.isp.example --category spam 2>&1)
case $out in
"accepted 1 report(s)"*) ok "report --message through the API: $out" ;;
*) ko "report --message: $out" ;;
esac
out=$("$ROOT/$BUILD/reputectl" --api "127.0.0.1:$API_PORT" query 127.0.0.4 --json 2>&1)
case $out in
*'"listed":true'*) ok "the reported client 127.0.0.4 is listed" ;;
*) ko "127.0.0.4 not listed after the report: $out" ;;
esac
out=$("$ROOT/$BUILD/reputectl" --api "127.0.0.1:$API_PORT" report \
	--message "$TMP/marked.eml" --authserv-id other.example --category spam 2>&1)
case $out in
*"no Received field by other.example"*) ok "report --message refuses another authserv-id" ;;
*) ko "report --message with a foreign authserv-id: $out" ;;
esac

# The same through the API: POST /v1/reports/message (the authserv-id
# defaults to smtpd-policy: receiver).
out=$(curl -s -m 10 --data-binary @"$TMP/marked.eml" \
	"http://127.0.0.1:$API_PORT/v1/reports/message?category=spam&confidence=80")
case $out in
*'"accepted":1'*) ok "POST /v1/reports/message accepted" ;;
*) ko "POST /v1/reports/message: $out" ;;
esac
out=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --data-binary @"$TMP/marked.eml" \
	"http://127.0.0.1:$API_PORT/v1/reports/message?category=spam&authserv-id=other.example")
[ "$out" = 422 ] && ok "POST /v1/reports/message refuses another authserv-id (422)" ||
	ko "POST /v1/reports/message with another authserv-id: HTTP $out"

# reject-listed: no -> the listed client gets in, marked by the milter
out=$(send 127.0.0.5 a@good.spf.example --header "Subject: listed, marked")
case $out in
*"<-  250 2.0.0 Ok: queued"*) ok "listed client accepted with reject-listed: no" ;;
*) ko "listed client with reject-listed: no: $(echo "$out" | grep '<[-*]')" ;;
esac
ar_check "Authentication-Results of a listed client: reputed=fail" \
	"mx.isp.example: spf=fail sender-id=fail reputed=fail"
case $(held) in
*"reputed=fail (127.0.0.5: 1 reports from 1 origins"*"policy.ip=127.0.0.5 policy.zone=bl.reputed.example policy.code=2"*) ok "reputed=fail carries the TXT and the code" ;;
*) ko "reputed=fail without TXT or code: $(held | head -6)" ;;
esac

# 5. reputed stopped: Postfix takes smtpd_policy_service_default_action
stop_pids $rep_pid
rep_pid=""
out=$(send 127.0.0.3 a@good.spf.example)
case $out in
*"<** 451 4.3.5 "*"reputed is not answering"*) ok "reputed down: Postfix's default action (451 4.3.5)" ;;
*) ko "reputed down: $(echo "$out" | grep '<[-*]')" ;;
esac
t_done
