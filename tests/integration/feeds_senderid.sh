#!/bin/sh
# feeds_senderid.sh: complaints whose SPF / Sender ID results nobody
# trusted gets them from the node (sender-id: resolver), as API reports
# do. nsd on a free loopback port serves SPF records; reputed with
# `sender-id: resolver: 127.0.0.1@PORT` and `feeds: authserv-id` takes
# ARF complaints through POST /v1/feeds/arf:
#  - a forged sender (SPF fail for the client IP) with a forged
#    Authentication-Results (untrusted authserv-id, "spf=pass"): the node's
#    own evaluation decides: the domain gets no weight (spoofed), the
#    client IP the report;
#  - a genuine sender (SPF pass): the domain carries full weight;
#  - a trusted Authentication-Results ("spf=fail" by our authserv-id) for
#    a domain whose record would pass: the trusted result is kept.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
nsd_pid=""; pid=""
t_tmpdir feeds_senderid; tmp=$TMP
chmod 755 "$tmp"
t_on_exit() { stop_pids $pid $nsd_pid; }
t_missing nsd dig curl python3
NS_PORT=$(free_port); API_PORT=$(free_port)
user=""; [ "$(id -u)" = 0 ] && user=nobody

cat >"$tmp/fsid.example.zone" <<ZONE
\$ORIGIN fsid.example.
\$TTL 60
@ IN SOA ns hostmaster 1 3600 600 86400 60
@ IN NS ns
ns IN A 127.0.0.1
forged IN TXT "v=spf1 ip4:192.0.2.1 -all"
genuine IN TXT "v=spf1 ip4:192.0.2.21 -all"
trusted IN TXT "v=spf1 ip4:192.0.2.22 -all"
ZONE
. "$TOP/tests/lib/nsd.sh"
nsd_serve "$tmp" "$NS_PORT" fsid.example
dig @127.0.0.1 -p "$NS_PORT" forged.fsid.example TXT +short +time=1 +tries=1 |
    grep -q spf1 && ok "nsd serves the zone" || ko "nsd does not serve the zone"

mkdir -p "$tmp/a"; chmod 777 "$tmp/a"
cat >"$tmp/a.conf" <<CONF
server:
	name: "feeds-sid"
	directory: "$tmp/a"
	username: "$user"
	sync: 0
	store-size: 64m
api:
	listen: 127.0.0.1@$API_PORT
sender-id:
	resolver: 127.0.0.1@$NS_PORT
	timeout: 2s
	deadline: 5s
feeds:
	authserv-id: mx.isp-a.example
policy:
	min-origins: 1
CONF
chmod 644 "$tmp/a.conf"
"$REPUTED" -d -c "$tmp/a.conf" >>"$tmp/a.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do
	curl -sf "http://127.0.0.1:$API_PORT/metrics" >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
API=http://127.0.0.1:$API_PORT
curl -sf "$API/metrics" >/dev/null || { cat "$tmp/a.log"; ko "reputed did not start"; t_done; }

NOW=$(date -R)
arf() { # SOURCE-IP SENDER AUTH-RESULTS
	cat <<MSG
From: fbl@mailbox.example
Subject: complaint
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1
Version: 1
Original-Mail-From: <$2>
Arrival-Date: $NOW
Source-IP: $1
Authentication-Results: $3

--b--
MSG
}
post() {
	curl -s -o "$tmp/body" -w '%{http_code}' --data-binary @- "$API/v1/feeds/arf"
	printf ' '; cat "$tmp/body"
}
weight() { # SUBJECT -> "SPAM_WEIGHT SPOOFED", or none
	curl -s "$API/v1/reputation/$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if not d["reputons"]:
    print("none"); sys.exit()
e = d["reputons"][0]["reputed"]["explanation"][0]
print("%.2f %.2f" % (e["weight"].get("spam", 0), e["spoofed"]))'
}
r=$(arf 203.0.113.50 news@forged.fsid.example "evil.example; spf=pass smtp.mailfrom=news@forged.fsid.example" | post)
echo "$r" | grep -q '^200 .*"accepted":1' && ok || ko "forged: $r"
r=$(arf 192.0.2.21 news@genuine.fsid.example "evil.example; spf=fail" | post)
echo "$r" | grep -q '^200 .*"accepted":1' && ok || ko "genuine: $r"
r=$(arf 192.0.2.22 news@trusted.fsid.example "mx.isp-a.example; spf=fail smtp.mailfrom=news@trusted.fsid.example" | post)
echo "$r" | grep -q '^200 .*"accepted":1' && ok || ko "trusted: $r"
w=$(weight forged.fsid.example)
[ "$w" = "0.00 1.00" ] && ok || ko "forged sender: the domain must be spoofed, not blamed: $w"
w=$(weight 203.0.113.50)
[ "$w" = "1.00 0.00" ] && ok || ko "forged sender: the client IP carries the report: $w"
w=$(weight genuine.fsid.example)
[ "$w" = "1.00 0.00" ] && ok || ko "genuine sender (SPF pass): full weight: $w"
w=$(weight trusted.fsid.example)
[ "$w" = "0.00 1.00" ] && ok || ko "a trusted A-R result is kept (fail), not re-evaluated: $w"
t_done
