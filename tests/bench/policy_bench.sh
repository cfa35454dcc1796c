#!/bin/sh
# The Postfix policy service against Debian's policyd-spf on the same
# requests in the same run. nsd serves 200 sender domains (ip4, a and
# include: mechanisms); 1000 requests mix passes and fails over them, each
# asking SPF for the HELO name and the MAIL FROM. After a warm-up pass
# (reputed's libunbound cache then answers every question; pyspf keeps no
# cache and asks nsd, which answers from memory over loopback), the client
# (policy_bench) keeps one request in flight per connection, as Postfix
# does, for POLICY_BENCH_SECONDS (5). reputed also looks every client,
# HELO and sender domain up in its store. Everything started here is
# stopped by PID.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bench=$BUILD/bench/policy_bench
secs=${POLICY_BENCH_SECONDS:-5}
[ -x "$bench" ] || { echo "policy_bench: $bench not built"; exit 1; }
command -v policyd-spf >/dev/null || { echo "policyd-spf missing (postfix-policyd-spf-python)"; exit 1; }
. "$(dirname "$0")/../lib/common.sh"
. "$(dirname "$0")/../lib/nsd.sh"
t_tmpdir policybench
nsd_pid=""; rep_pid=""
t_on_exit() { stop_pids $rep_pid $nsd_pid; }
set -- $(free_ports 3)
NSD_PORT=$1; API_PORT=$2; POL_PORT=$3

{
	printf '$ORIGIN bench.example.\n$TTL 3600\n'
	printf '@ IN SOA ns hostmaster 1 3600 600 86400 3600\n@ IN NS ns\nns IN A 127.0.0.1\n'
	printf '_spf IN TXT "v=spf1 ip4:198.51.100.0/24 -all"\n'
	for i in $(seq 1 200); do
		printf 'd%d IN TXT "v=spf1 ip4:203.0.113.%d a:mx%d.bench.example include:_spf.bench.example -all"\n' \
		    "$i" $((i % 250)) "$i"
		printf 'mx%d IN A 192.0.2.%d\n' "$i" $((i % 250))
	done
} >"$TMP/bench.example.zone"
nsd_serve "$TMP" "$NSD_PORT" bench.example || exit 1
# 1000 requests: 4 of 5 from an authorised address (pass), 1 of 5 not (fail)
/usr/bin/python3 - "$TMP/requests" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for k in range(1000):
        d = k % 200 + 1
        ip = "198.51.100.%d" % (k % 250 + 1) if k % 5 else "192.0.2.%d" % (k % 250 + 1)
        f.write("request=smtpd_access_policy\nprotocol_state=RCPT\n"
                "protocol_name=ESMTP\nclient_address=%s\nclient_name=unknown\n"
                "helo_name=mx%d.bench.example\nsender=user%d@d%d.bench.example\n"
                "recipient=rcpt@isp.example\nrecipient_count=0\n"
                "size=0\n\n" % (ip, d, k, d))
PY
mkdir -p "$TMP/var"
cat >"$TMP/reputed.conf" <<CONF
server:
	directory: "$TMP/var"
	sync: 0
	verbosity: 0
zone:
	name: bl.reputed.example
	kind: ip
zone:
	name: dbl.reputed.example
	kind: domain
api:
	listen: 127.0.0.1@$API_PORT
sender-id:
	resolver: 127.0.0.1@$NSD_PORT
smtpd-policy:
	listen: 127.0.0.1@$POL_PORT
	receiver: mx.isp.example
	spf-fail: reject
CONF
"$BUILD/reputed" -d -c "$TMP/reputed.conf" >"$TMP/reputed.log" 2>&1 &
rep_pid=$!
for _i in $(seq 1 50); do
	curl -s -m 1 "http://127.0.0.1:$API_PORT/metrics" >/dev/null && break
	sleep 0.1
done
cat >"$TMP/policyd-spf.conf" <<CONF
debugLevel = 0
TestOnly = 1
HELO_reject = Fail
Mail_From_reject = Fail
PermError_reject = False
TempError_Defer = False
skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1
CONF
pyrun="/usr/bin/python3 $(dirname "$0")/policyd_spf_run.py $NSD_PORT $TMP/policyd-spf.conf"
rate() { sed -n 's/.*: \([0-9]*\) requests\/s.*/\1/p'; }
cpurate() { sed -n 's/.*: \([0-9]*\) requests per CPU second.*/\1/p'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", (b > 0 ? a / b : 0) }'; }
echo "policyd-spf $(dpkg-query -W -f='${Version}' postfix-policyd-spf-python 2>/dev/null), reputed smtpd-policy; $secs s each, the machine is shared"
for c in 4 16; do
	r=$("$bench" -c "$c" -s "$secs" -f "$TMP/requests" -p "$rep_pid" tcp "127.0.0.1:$POL_PORT")
	echo "reputed     $r"
	# shellcheck disable=SC2086
	p=$("$bench" -c "$c" -s "$secs" -f "$TMP/requests" cmd $pyrun)
	echo "policyd-spf $p"
	echo "$c connections: reputed / policyd-spf = $(ratio "$(echo "$r" | rate)" "$(echo "$p" | rate)") in requests/s, $(ratio "$(echo "$r" | cpurate)" "$(echo "$p" | cpurate)") in requests per CPU second"
done
