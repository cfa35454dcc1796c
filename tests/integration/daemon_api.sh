#!/bin/sh
# daemon_api.sh: starts build/reputed on free loopback ports with a temporary
# directory and drives it with curl: reports through the API (acknowledged
# only after the commit), RFC 7071 reputons, metrics, bad input refused
# with nothing stored, -n on good and bad configs, SIGHUP reload, SIGTERM
# clean stop, and kill -9 with nothing acknowledged lost. Every daemon it
# starts is stopped by PID. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
CTL=$TOP/$BUILD/reputectl
. "$TOP/tests/lib/common.sh"
pid=""
t_tmpdir daemon; tmp=$TMP
chmod 755 "$tmp"	# the daemon reads its config again as the user it drops to
t_on_exit() { stop_pids $pid; }
check() { # name, shell condition
	if eval "$2"; then ok "$1"; else ko "$1"; fi
}
t_missing curl python3

DNS_PORT=$(free_port); API_PORT=$(free_port)
API=http://127.0.0.1:$API_PORT
user=""; [ "$(id -u)" = 0 ] && user=nobody

write_conf() { # file, api port, zone ttl
	cat >"$1" <<CONF
server:
	name: "test-node"
	directory: "$tmp/var"
	username: "$user"
	sync: 2
dns:
	listen: 127.0.0.1@$DNS_PORT
	threads: 1
zone:
	name: bl.test
	kind: ip
	ttl: $3
zone:
	name: dbl.test
	kind: domain
api:
	listen: 127.0.0.1@$2
	socket: "api.sock"
policy:
	min-origins: 1
$4
CONF
	chmod 644 "$1"
}
write_conf "$tmp/reputed.conf" "$API_PORT" 300

start() { # waits until the API answers; sets pid
	"$REPUTED" -d -c "$tmp/reputed.conf" >>"$tmp/log" 2>&1 &
	pid=$!
	for i in $(seq 1 50); do
		curl -sf "$API/metrics" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "reputed did not start:"; cat "$tmp/log"; return 1
}
post() { # body [content-type] -> prints "STATUS BODY"
	curl -s -o "$tmp/body" -w '%{http_code}' -H "Content-Type: ${2:-application/json}" \
	    --data-binary "$1" "$API/v1/reports"
	printf ' '; cat "$tmp/body"
}
json() { # file, python expression over d
	python3 -c "import json,sys; d=json.load(open('$1')); sys.exit(0 if ($2) else 1)" 2>/dev/null
}
reputon() { # subject -> $tmp/rep, $tmp/hdr
	curl -s -D "$tmp/hdr" -o "$tmp/rep" "$API/v1/reputation/$1"
}

# ---- -n ----
check "-n accepts the test config" "'$REPUTED' -n -c '$tmp/reputed.conf' 2>/dev/null"
printf 'server:\n\tdirectory: x\n\tcolor: blue\n' >"$tmp/bad.conf"
"$REPUTED" -n -c "$tmp/bad.conf" 2>"$tmp/err"; rc=$?
check "-n refuses a bad config with file:line" "[ $rc = 1 ] && grep -q 'bad.conf:3: unknown keyword' '$tmp/err'"

# ---- start ----
start || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
check "prints what to try next" "grep -q 'try: dig @127.0.0.1 -p $DNS_PORT' '$tmp/log' && grep -q 'try: curl' '$tmp/log'"
check "pidfile holds the PID" "[ \"\$(cat '$tmp/var/reputed.pid' 2>/dev/null)\" = '$pid' ]"
if [ -n "$user" ]; then
	check "dropped privileges to nobody" "grep -q '^Uid:.*65534' /proc/$pid/status"
	check "store directory given to nobody" "[ \"\$(stat -c %U '$tmp/var/data.mdb')\" = nobody ]"
fi
"$REPUTED" -d -c "$tmp/reputed.conf" >"$tmp/second" 2>&1; rc=$?
check "a second daemon on the same directory is refused" "[ $rc = 1 ] && grep -q 'locked' '$tmp/second'"

# ---- reports ----
r=$(post '{"ip":"192.0.2.1","category":"spam"}')
check "POST one report: 200 after commit" "echo '$r' | grep -q '^200 .*\"accepted\":1'"
r=$(post '[{"ip":"192.0.2.1","category":"spam","confidence":90},{"ip":"2001:db8::/48","category":"botnet"},{"domain":"Spam.Example.","category":"phishing","client_ip":"198.51.100.5","helo":"mx.spam.example","mail_from":"a@spam.example","spf_mail_from":"pass"}]')
check "POST an array of 3" "echo '$r' | grep -q '^200 .*\"accepted\":3'"
r=$(post "$(printf '{"ip":"192.0.2.7","category":"scanning"}\n\n{"ip":"192.0.2.8","category":"ddos"}\n')" application/x-ndjson)
check "POST JSON lines" "echo '$r' | grep -q '^200 .*\"accepted\":2'"
r=$(post '{"ip":"192.0.2.1","category":"spamm"}')
check "unknown category: 400 with the reason" "echo \"\$r\" | grep -q '^400 .*unknown category'"
r=$(post '[{"ip":"203.0.113.77","category":"spam"},{"ip":"203.0.113.78","category":"spam","confidence":101}]')
check "one bad report in an array: 400 naming it" "echo '$r' | grep -q '^400 .*report 1: confidence'"
reputon 203.0.113.77
check "nothing stored from a refused array" "json '$tmp/rep' 'd[\"reputons\"] == []'"
python3 -c 'import json; print(json.dumps([{"ip":"10.200.%d.%d" % (i // 250, i % 250 + 1),"category":"spam"} for i in range(4097)]))' >"$tmp/big.json"
r=$(post "@$tmp/big.json")
check "more than 4096 reports in one request: 400" "echo \"\$r\" | grep -q '^400 .*an array of 1 to 4096 reports, not 4097'"
r=$(post "$(printf '{"ip":"192.0.2.1","category":"spam"}\n   \t')" application/x-ndjson)
check "JSON lines ending in a blank line" "echo \"\$r\" | grep -q '^200 .*\"accepted\":1'"
r=$(post '{"ip":"192.0.2.1"')
check "bad JSON: 400" "echo '$r' | grep -q '^400 .*bad JSON'"
r=$(post '{"ip":"not an ip","category":"spam"}')
check "bad subject: 400" "echo '$r' | grep -q '^400 '"

# ---- reputons ----
reputon 192.0.2.1
check "reputon content type" "grep -qi '^Content-Type: application/reputon+json' '$tmp/hdr'"
check "reputon fields (RFC 7071)" "json '$tmp/rep' 'd[\"application\"]==\"email-id\" and d[\"reputons\"][0][\"rated\"]==\"192.0.2.1\" and d[\"reputons\"][0][\"rater\"]==\"test-node\" and d[\"reputons\"][0][\"assertion\"]==\"spam\" and 0<=d[\"reputons\"][0][\"rating\"]<=1 and d[\"reputons\"][0][\"sample-size\"]==3'"
check "reputon explanation per origin" "json '$tmp/rep' 'len(d[\"reputons\"][0][\"reputed\"][\"explanation\"])==1 and d[\"reputons\"][0][\"reputed\"][\"explanation\"][0][\"reports\"]==3'"
reputon spam.example
check "domain subject normalised" "json '$tmp/rep' 'd[\"reputons\"][0][\"rated\"]==\"spam.example\"'"
reputon 2001:db8::%2F48
check "prefix subject (escaped slash)" "json '$tmp/rep' 'd[\"reputons\"][0][\"rated\"]==\"2001:db8::/48\"'"
post '[{"ip":"198.51.100.0/24","category":"spam"},{"ip":"198.51.100.0/24","category":"spam"},{"ip":"198.51.100.0/24","category":"spam"},{"ip":"198.51.100.0/24","category":"spam"},{"ip":"198.51.100.0/24","category":"spam"}]' >/dev/null
reputon 198.51.100.7
check "an address answers with its listed covering prefix" "json '$tmp/rep' 'd[\"reputons\"][0][\"rated\"]==\"198.51.100.0/24\" and d[\"reputons\"][0][\"reputed\"][\"listed\"] and d[\"reputons\"][0][\"reputed\"][\"code\"]==\"127.0.0.2\"'"
if command -v dig >/dev/null; then
	a=$(dig +short +time=1 +tries=2 -p "$DNS_PORT" @127.0.0.1 7.100.51.198.bl.test A)
	check "DNS lists an address reported through the API" "[ '$a' = 127.0.0.2 ]"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/v1/reputation/bad..name")
check "bad subject in the path: 400" "[ $code = 400 ]"
code=$(curl -s -o /dev/null -w '%{http_code}' "$API/nope")
check "unknown path: 404" "[ $code = 404 ]"
curl -s "$API/v1/peers" >"$tmp/peers"
check "/v1/peers placeholder" "json '$tmp/peers' 'd[\"placeholder\"] is True'"

# ---- retractions ----
curl -s -d '{"ip":"203.0.113.50","category":"spam"}' "$API/v1/reports" >"$tmp/ack"
check "POST answers with the report's id" "json '$tmp/ack' 'len(d[\"ids\"])==1 and d[\"ids\"][0][0]==d[\"first_seq\"]'"
ids=$(python3 -c "import json; print(json.dumps({'ids': json.load(open('$tmp/ack'))['ids']}))")
curl -s -d "$ids" "$API/v1/retractions" >"$tmp/retr"
check "POST /v1/retractions: 200 after the commit" "json '$tmp/retr' 'd[\"retracted\"]==1 and d[\"seq\"]>1'"
reputon 203.0.113.50
check "a retracted report no longer counts" "json '$tmp/rep' 'd[\"reputons\"]==[] or d[\"reputons\"][0][\"sample-size\"]==0'"
code=$(curl -s -o "$tmp/retr" -w '%{http_code}' -d '{"ids":[[999999,0]]}' "$API/v1/retractions")
check "retracting a batch this node never made: 400" "[ $code = 400 ] && grep -q 'no report 0 in batch 999999' '$tmp/retr'"

# ---- the API on a Unix socket ----
code=$(curl -s -o "$tmp/sock" -w '%{http_code}' --unix-socket "$tmp/var/api.sock" http://localhost/v1/reputation/192.0.2.1)
check "the API answers on its Unix socket" "[ $code = 200 ] && json '$tmp/sock' 'd[\"reputons\"][0][\"rated\"]==\"192.0.2.1\"'"
check "the Unix socket is mode 0660" "[ \"\$(stat -c %a '$tmp/var/api.sock')\" = 660 ]"

# ---- metrics ----
curl -s "$API/metrics" >"$tmp/metrics"
check "metrics: reports committed" "grep -q '^reputed_reports_committed_total 13$' '$tmp/metrics'"
check "metrics: store size and batches" "grep -q '^reputed_store_bytes [1-9]' '$tmp/metrics' && grep -q '^reputed_batches_committed_total [1-9]' '$tmp/metrics'"
check "metrics: DNS counters registered" "grep -q '^reputed_dns_queries_total ' '$tmp/metrics'"
check "metrics: bad requests counted" "grep -q '^reputed_api_bad_requests_total [4-9]' '$tmp/metrics'"
check "metrics: retractions counted" "grep -q '^reputed_retractions_committed_total 1$' '$tmp/metrics'"

# ---- DNS (when the DNS server is in the build) ----
if command -v dig >/dev/null && ! grep -q 'no DNS server' "$tmp/log"; then
	a=$(dig +short +time=1 +tries=2 -p "$DNS_PORT" @127.0.0.1 2.0.0.127.bl.test A)
	check "DNS answers the RFC 5782 test point" "[ '$a' = 127.0.0.2 ]"
fi

# ---- reputectl through the API ----
out=$("$CTL" --api "127.0.0.1:$API_PORT" report --ip 203.0.113.77 --category botnet 2>&1)
check "reputectl report through the API prints the id" "echo '$out' | grep -q 'accepted 1 report(s); ids (for retract): [0-9]*:0'"
id=$(echo "$out" | sed -n 's/.*retract): \([0-9]*:0\)$/\1/p')
"$CTL" --api "127.0.0.1:$API_PORT" report --ip 203.0.113.77 --category botnet >/dev/null 2>&1
out=$("$CTL" --api "127.0.0.1:$API_PORT" query 203.0.113.77 2>&1)
check "reputectl query through the API: listed, with the origin" "echo '$out' | grep -q '^203.0.113.77: LISTED 127.0.0.5 (botnet)' && echo '$out' | grep -q '  origin '"
"$CTL" --api "127.0.0.1:$API_PORT" retract "$id" >/dev/null 2>&1
out=$("$CTL" --api "127.0.0.1:$API_PORT" query 203.0.113.77 2>&1)
check "reputectl retract: one report left, listing recomputed" "echo '$out' | grep -q ' 1 report, '"
"$CTL" --api "127.0.0.1:$API_PORT" report --ip 203.0.113.77 --category nonsense 2>"$tmp/ctlerr"; rc=$?
check "reputectl report of a bad category: exit 1 with the reason" "[ $rc = 1 ] && grep -q 'unknown category' '$tmp/ctlerr'"

# ---- SIGHUP ----
write_conf "$tmp/reputed.conf" "$(free_port)" 600
kill -HUP "$pid"; sleep 0.5
check "SIGHUP: zones reloaded, api change needs restart" "grep -q 'reload: api: listen changed; restart' '$tmp/log' && grep -q 'reloaded $tmp/reputed.conf' '$tmp/log'"
key=$(sed -n 's/^reputed: node key \([0-9a-f]*\)$/\1/p' "$tmp/log" | head -1)
write_conf "$tmp/reputed.conf" "$API_PORT" 600 "origin:
	key: $key
	trust: 0.25"
kill -HUP "$pid"; sleep 0.5
reputon 192.0.2.1
check "SIGHUP: origin trust applied and rescored" "grep -q '1 origin changed trust' '$tmp/log' && json '$tmp/rep' 'd[\"reputons\"][0][\"reputed\"][\"explanation\"][0][\"trust\"]==0.25'"
write_conf "$tmp/reputed.conf" "$API_PORT" 600
kill -HUP "$pid"; sleep 0.5
reputon 192.0.2.1
check "SIGHUP: a removed origin goes back to the default trust" "json '$tmp/rep' 'd[\"reputons\"][0][\"reputed\"][\"explanation\"][0][\"trust\"]==1'"
write_conf "$tmp/reputed.conf" "$API_PORT" 600 "	threshold: 0.999"
kill -HUP "$pid"; sleep 0.5
a=$(dig +short +time=1 +tries=2 -p "$DNS_PORT" @127.0.0.1 7.100.51.198.bl.test A)
check "SIGHUP: a stricter policy threshold rescores and delists" "grep -q 'reload: policy changed; rescoring' '$tmp/log' && [ -z '$a' ]"
write_conf "$tmp/reputed.conf" "$API_PORT" 600
kill -HUP "$pid"; sleep 0.5
a=$(dig +short +time=1 +tries=2 -p "$DNS_PORT" @127.0.0.1 7.100.51.198.bl.test A)
check "SIGHUP: the old policy back lists it again" "[ '$a' = 127.0.0.2 ]"
printf 'server:\n\tbogus: 1\n' >"$tmp/reputed.conf"
kill -HUP "$pid"; sleep 0.5
check "SIGHUP with a broken config is refused" "grep -q 'reload refused: $tmp/reputed.conf:2: unknown keyword' '$tmp/log'"
check "still serving after the refused reload" "curl -sf '$API/metrics' >/dev/null"
write_conf "$tmp/reputed.conf" "$API_PORT" 600

# ---- SIGTERM ----
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "SIGTERM: exit 0" "[ $rc = 0 ]"
check "SIGTERM: pidfile removed" "[ ! -e '$tmp/var/reputed.pid' ]"
check "SIGTERM: Unix socket removed" "[ ! -e '$tmp/var/api.sock' ]"
check "SIGTERM: logged the stop" "grep -q 'reputed: stopped' '$tmp/log'"

# ---- restart keeps the data; kill -9 loses nothing acknowledged ----
start || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
reputon 192.0.2.1
check "restart: the data is still there" "json '$tmp/rep' 'd[\"reputons\"][0][\"sample-size\"]==3'"
: >"$tmp/acked"
writers=""
for w in 1 2 3 4 5 6 7 8; do	# 8 clients, each waiting for its commit
	(
		i=0
		while [ $i -lt 200 ]; do
			ip="10.$w.$((i / 250)).$((i % 250 + 1))"
			code=$(curl -s -o /dev/null -w '%{http_code}' --data-binary \
			    "{\"ip\":\"$ip\",\"category\":\"spam\"}" "$API/v1/reports")
			[ "$code" = 200 ] && echo "$ip" >>"$tmp/acked.$w"
			i=$((i + 1))
		done
	) &
	writers="$writers $!"
done
sleep 2
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
wait $writers
cat "$tmp"/acked.* >"$tmp/acked" 2>/dev/null
n=$(wc -l <"$tmp/acked")
start || { echo "$pass passed, $((fail + 1)) failed"; exit 1; }
lost=0
for ip in $(cat "$tmp/acked"); do
	reputon "$ip"
	json "$tmp/rep" 'len(d["reputons"]) == 1' || lost=$((lost + 1))
done
check "kill -9: all $n acknowledged reports survived ($lost lost)" "[ $n -gt 0 ] && [ $lost = 0 ]"
curl -s "$API/v1/reports" -d '{"ip":"10.99.0.1","category":"spam"}' >"$tmp/after"
check "after kill -9: new reports take the next seq" "json '$tmp/after' 'd[\"accepted\"]==1 and d[\"first_seq\"]>1'"
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
check "final stop: exit 0" "[ $rc = 0 ]"

# ---- in the background (no -d): the parent exits once the child is ready ----
"$REPUTED" -c "$tmp/reputed.conf" >"$tmp/bg" 2>&1; rc=$?
pid=$(cat "$tmp/var/reputed.pid" 2>/dev/null)
check "background start: exit 0 once ready, pidfile names the daemon" "[ $rc = 0 ] && [ -n '$pid' ] && kill -0 '$pid' && curl -sf '$API/metrics' >/dev/null"
"$REPUTED" -c "$tmp/reputed.conf" >"$tmp/bg2" 2>&1; rc=$?
check "background start that fails: exit 1 with the reason" "[ $rc = 1 ] && grep -q 'locked' '$tmp/bg2'"
if [ -n "$pid" ]; then
	kill -TERM "$pid"
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	check "background daemon stops on SIGTERM" "! kill -0 '$pid' 2>/dev/null && [ ! -e '$tmp/var/reputed.pid' ]"
	pid=""
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
