#!/bin/sh
# daemon_senderid.sh: the node evaluates Sender-ID itself (issue 3). Starts
# nsd on a free loopback port with a zone of SPF records, and reputed with
# `sender-id: resolver: 127.0.0.1@PORT`; submits reports with mail evidence
# and no results through the API (curl), then reads the reputons: a domain
# whose SPF passes for the client IP carries full weight, one that fails
# none (the weight shows as spoofed), neutral / none / temperror half; the
# client IP always carries the report; results the submitter gave are
# kept; a HELO and a PRA identity are evaluated too. A second reputed asks
# a server that never answers: its reports end in temperror while the API
# keeps answering other requests. Every daemon is stopped by PID.
# WRAP runs the daemons under a wrapper, e.g.
#   WRAP="valgrind -q --leak-check=full --error-exitcode=99" (then a
#   daemon's exit status 0 also means no memory error).
# Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
nsd_pid=""; pid=""; pid2=""; hole_pid=""
t_tmpdir senderid; tmp=$TMP
chmod 755 "$tmp"
t_on_exit() { stop_pids $pid $pid2 $nsd_pid $hole_pid; }
check() { # name, shell condition
	if eval "$2"; then ok "$1"; else ko "$1"; fi
}
t_missing nsd dig curl python3
NS_PORT=$(free_port); API_PORT=$(free_port); API2_PORT=$(free_port)
HOLE_PORT=$(free_port)
user=""; [ "$(id -u)" = 0 ] && user=nobody

# ---- nsd with the SPF zone ----
cat >"$tmp/sid.example.zone" <<ZONE
\$ORIGIN sid.example.
\$TTL 60
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
pass IN TXT "v=spf1 ip4:192.0.2.1 -all"
fail IN TXT "v=spf1 ip4:192.0.2.1 -all"
soft IN TXT "v=spf1 ip4:192.0.2.1 ~all"
neutral IN TXT "v=spf1 ?all"
bare IN A 192.0.2.99
given IN TXT "v=spf1 ip4:192.0.2.1 -all"
helo IN TXT "v=spf1 a -all"
helo IN A 192.0.2.3
pra IN TXT "v=spf1 -all"
pra IN TXT "spf2.0/pra ip4:192.0.2.4 -all"
praf IN TXT "spf2.0/pra ip4:192.0.2.4 -all"
bounce IN TXT "v=spf1 ip4:192.0.2.5 -all"
ZONE
. "$TOP/tests/lib/nsd.sh"
nsd_serve "$tmp" "$NS_PORT" sid.example
check "nsd serves the SPF zone" "dig @127.0.0.1 -p $NS_PORT pass.sid.example TXT +short +time=1 +tries=1 | grep -q spf1"

# ---- reputed asking nsd ----
write_conf() { # file, dir, api port, resolver, timeout
	cat >"$1" <<CONF
server:
	name: "sid-node"
	directory: "$2"
	username: "$user"
	sync: 0
	store-size: 64m
api:
	listen: 127.0.0.1@$3
sender-id:
	resolver: $4
	timeout: $5
	deadline: 5s
	max-inflight: 4
policy:
	min-origins: 1
CONF
	chmod 644 "$1"
}
start() { # conf, api port, log; sets started (a child of this shell)
	$WRAP "$REPUTED" -d -c "$1" >>"$3" 2>&1 &
	started=$!
	for i in $(seq 1 150); do
		curl -sf "http://127.0.0.1:$2/metrics" >/dev/null 2>&1 && break
		kill -0 "$started" 2>/dev/null || break
		sleep 0.1
	done
}
write_conf "$tmp/a.conf" "$tmp/a" "$API_PORT" "127.0.0.1@$NS_PORT" 2s
start "$tmp/a.conf" "$API_PORT" "$tmp/a.log"; pid=$started
API=http://127.0.0.1:$API_PORT
if ! curl -sf "$API/metrics" >/dev/null; then
	echo "reputed did not start:"; cat "$tmp/a.log"
	echo "$pass passed, $((fail + 1)) failed"; exit 1
fi
check "the log names the resolver" "grep -q 'sender-id: evaluating reports over 127.0.0.1@$NS_PORT' '$tmp/a.log'"

post() { # api, body -> "STATUS BODY"
	curl -s -o "$tmp/body" -w '%{http_code}' --data-binary "$2" "$1/v1/reports"
	printf ' '; cat "$tmp/body"
}
# weight SUBJECT [API]: "SPAM_WEIGHT SPOOFED" of the one origin, or "none"
weight() {
	curl -s "${2:-$API}/v1/reputation/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if not d["reputons"]:
    print("none"); sys.exit()
e = d["reputons"][0]["reputed"]["explanation"][0]
print("%.2f %.2f" % (e["weight"].get("spam", 0), e["spoofed"]))'
}
metric() { # api, line prefix -> value
	curl -s "$1/metrics" | awk -v k="$2" 'index($0, k " ") == 1 { print $2 }'
}

# One report per domain, mail evidence without results.
rep() { # domain client mail_from helo [pra]
	printf '{"domain":"%s","category":"spam","client_ip":"%s","mail_from":"%s","helo":"%s"%s}' \
	    "$1" "$2" "$3" "$4" "${5:+,\"pra\":\"$5\"}"
}
body="[$(rep pass.sid.example 192.0.2.1 a@pass.sid.example mx.other.example),\
$(rep fail.sid.example 198.51.100.7 a@fail.sid.example mx.other.example),\
$(rep soft.sid.example 198.51.100.8 a@soft.sid.example mx.other.example),\
$(rep neutral.sid.example 198.51.100.9 a@neutral.sid.example mx.other.example),\
$(rep bare.sid.example 198.51.100.10 a@bare.sid.example mx.other.example),\
$(rep helo.sid.example 198.51.100.11 '' helo.sid.example),\
$(rep pra.sid.example 192.0.2.4 '' mx.other.example boss@pra.sid.example),\
$(rep praf.sid.example 198.51.100.12 '' mx.other.example boss@praf.sid.example),\
$(rep bounce.sid.example 192.0.2.5 '<>' bounce.sid.example)]"
r=$(post "$API" "$body")
check "reports with mail evidence: 200 after evaluation and commit" "echo '$r' | grep -q '^200 .*\"accepted\":9'"
check "pass: the domain carries full weight" "[ \"$(weight pass.sid.example)\" = '1.00 0.00' ]"
check "fail: no weight to the domain, kept as spoofed" "[ \"$(weight fail.sid.example)\" = '0.00 1.00' ]"
check "softfail: spoofed too" "[ \"$(weight soft.sid.example)\" = '0.00 1.00' ]"
check "neutral: partial weight" "[ \"$(weight neutral.sid.example)\" = '0.50 0.00' ]"
check "none (no SPF record): partial weight" "[ \"$(weight bare.sid.example)\" = '0.50 0.00' ]"
check "HELO identity evaluated (fail)" "[ \"$(weight helo.sid.example)\" = '0.00 1.00' ]"
check "PRA evaluated in the pra scope (pass; its v=spf1 says -all)" "[ \"$(weight pra.sid.example)\" = '1.00 0.00' ]"
check "PRA fail: spoofed" "[ \"$(weight praf.sid.example)\" = '0.00 1.00' ]"
check "null sender: MAIL FROM is postmaster@HELO (pass)" "[ \"$(weight bounce.sid.example)\" = '1.00 0.00' ]"
check "the client IP of a forged domain carries the report" "[ \"$(weight 198.51.100.7)\" = '1.00 0.00' ]"
check "the client IP of a passing domain too" "[ \"$(weight 192.0.2.1)\" = '1.00 0.00' ]"

# Results the submitter gave are kept (and not asked again).
before=$(metric "$API" 'reputed_senderid_reports_total')
r=$(post "$API" '{"domain":"given.sid.example","category":"spam","client_ip":"198.51.100.20","mail_from":"a@given.sid.example","helo":"given.sid.example","spf_mail_from":"pass","spf_helo":"pass"}')
check "a report with its results: 200" "echo '$r' | grep -q '^200 '"
check "given results kept: full weight although SPF would fail" "[ \"$(weight given.sid.example)\" = '1.00 0.00' ]"
check "given results: no evaluation" "[ \"$(metric "$API" reputed_senderid_reports_total)\" = '$before' ]"
check "metrics count evaluations by result" "[ \"$(metric "$API" 'reputed_senderid_evaluations_total{result=\"fail\"}')\" = 3 ] && [ \"$(metric "$API" 'reputed_senderid_evaluations_total{result=\"pass\"}')\" = 3 ]"
check "nothing left in flight" "[ \"$(metric "$API" reputed_senderid_inflight)\" = 0 ] && [ \"$(metric "$API" reputed_senderid_queued)\" = 0 ] && [ \"$(metric "$API" reputed_senderid_held_reports)\" = 0 ]"

# A large submission: 600 reports, 1800 evaluations, at most 4 at once.
python3 -c '
import json
print(json.dumps([{"domain":"fail.sid.example","category":"spam",
    "client_ip":"198.51.%d.%d" % (101 + i // 250, i % 250 + 1),
    "mail_from":"u%d@fail.sid.example" % i, "helo":"helo.sid.example",
    "pra":"p@praf.sid.example"} for i in range(600)]))' >"$tmp/big.json"
curl -s -o "$tmp/bigout" -w '%{http_code}' --data-binary "@$tmp/big.json" \
    "$API/v1/reports" >"$tmp/bigcode"
maxin=$(metric "$API" reputed_senderid_inflight_max)
check "600 reports with 1800 evaluations: 200" "[ \"\$(cat '$tmp/bigcode')\" = 200 ] && grep -q '\"accepted\":600' '$tmp/bigout'"
check "evaluations in flight reach max-inflight and no more (4; saw $maxin)" "[ '$maxin' = 4 ]"
check "every one of them spoofed" "[ \"$(weight fail.sid.example | cut -d' ' -f1)\" = '0.00' ]"

# ---- offline: reputectl --db DIR report --check-spf ----
CTL=$TOP/$BUILD/reputectl
"$CTL" keygen --out "$tmp/k.pem" >/dev/null
"$CTL" --db "$tmp/off" report --key "$tmp/k.pem" --domain fail.sid.example \
    --category spam --client-ip 198.51.100.7 --mail-from a@fail.sid.example \
    --check-spf --resolver "127.0.0.1:$NS_PORT" --timeout 2000 >/dev/null 2>&1
"$CTL" --db "$tmp/off" query fail.sid.example --json >"$tmp/off.json" 2>&1
check "reputectl --db report --check-spf: the forged domain is spoofed" "python3 -c 'import json,sys; e=json.load(open(\"$tmp/off.json\"))[\"reputons\"][0][\"reputed\"][\"explanation\"][0]; sys.exit(0 if e[\"spoofed\"] > 0.99 and not e[\"weight\"].get(\"spam\") else 1)'"
"$CTL" --db "$tmp/off" report --key "$tmp/k.pem" --domain neutral.sid.example \
    --category spam --client-ip 198.51.100.7 --mail-from a@neutral.sid.example \
    --spf-mfrom pass --check-spf --resolver "127.0.0.1:$NS_PORT" >/dev/null 2>&1
"$CTL" --db "$tmp/off" query neutral.sid.example --json >"$tmp/off.json" 2>&1
check "reputectl --check-spf keeps a given result" "python3 -c 'import json,sys; e=json.load(open(\"$tmp/off.json\"))[\"reputons\"][0][\"reputed\"][\"explanation\"][0]; sys.exit(0 if e[\"weight\"][\"spam\"] > 0.99 else 1)'"
"$CTL" report --domain x.example --category spam --check-spf 2>"$tmp/err"; rc=$?
check "reputectl --check-spf through the API is refused (the daemon evaluates)" "[ $rc = 2 ] && grep -q 'daemon evaluates' '$tmp/err'"

# ---- a resolver that never answers ----
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
time.sleep(600)' "$HOLE_PORT" >"$tmp/hole.out" 2>&1 &
hole_pid=$!
write_conf "$tmp/b.conf" "$tmp/b" "$API2_PORT" "127.0.0.1@$HOLE_PORT" 1500ms
start "$tmp/b.conf" "$API2_PORT" "$tmp/b.log"; pid2=$started
API2=http://127.0.0.1:$API2_PORT
t0=$(date +%s%N)
curl -s -o "$tmp/slowout" -w '%{http_code}' --data-binary \
    "$(rep pass.sid.example 192.0.2.1 a@pass.sid.example mx.other.example)" \
    "$API2/v1/reports" >"$tmp/slowcode" &
cpid=$!
sleep 0.3
t1=$(date +%s%N)
r=$(post "$API2" '{"ip":"203.0.113.9","category":"spam"}')
t2=$(date +%s%N)
inflight=$(metric "$API2" reputed_senderid_inflight)
check "while a lookup hangs, another report is answered at once ($(( (t2 - t1) / 1000000 )) ms)" "echo '$r' | grep -q '^200 ' && [ $(( (t2 - t1) / 1000000 )) -lt 1000 ]"
check "the hanging evaluations are in flight (MAIL FROM, HELO)" "[ '$inflight' = 2 ]"
wait $cpid
t3=$(date +%s%N)
check "the timed-out report is stored after the timeout ($(( (t3 - t0) / 1000000 )) ms)" "[ \"\$(cat '$tmp/slowcode')\" = 200 ] && [ $(( (t3 - t0) / 1000000 )) -ge 1400 ]"
check "DNS timeout: temperror, partial weight" "[ \"$(weight pass.sid.example "$API2")\" = '0.50 0.00' ] && [ \"$(metric "$API2" 'reputed_senderid_evaluations_total{result=\"temperror\"}')\" = 2 ]"

# SIGTERM while an evaluation hangs: 503, nothing stored, clean exit.
curl -s -o "$tmp/stopout" -w '%{http_code}' --data-binary \
    "$(rep neutral.sid.example 192.0.2.77 a@neutral.sid.example mx.other.example)" \
    "$API2/v1/reports" >"$tmp/stopcode" &
cpid=$!
sleep 0.3
kill -TERM "$pid2"; wait "$pid2"; rc=$?; pid2=""
wait $cpid
check "SIGTERM during an evaluation: 503 and a clean exit" "[ $rc = 0 ] && [ \"\$(cat '$tmp/stopcode')\" = 503 ] && grep -q 'nothing stored' '$tmp/stopout' && grep -q 'reputed: stopped' '$tmp/b.log'"

# SIGHUP keeps the resolver and says so.
sed -i "s/timeout: 2s/timeout: 3s/" "$tmp/a.conf"
kill -HUP "$pid"
for i in $(seq 1 20); do
	grep -q 'reloaded' "$tmp/a.log" && break
	sleep 0.1
done
check "SIGHUP: a sender-id change needs a restart" "grep -q 'reload: sender-id: timeout changed; restart to apply it' '$tmp/a.log'"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "SIGTERM: clean exit" "[ $rc = 0 ]"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
