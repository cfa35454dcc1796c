#!/bin/sh
# feeds_api.sh: abuse-report messages ingested through the API of one real
# daemon (n0) are listed in a peer's (n1) DNS answers. ARF through
# `reputectl ingest`, X-ARF from a maildir (moved to cur/ once handled),
# a DMARC aggregate report by curl to POST /v1/feeds/dmarc; an opt-out is
# skipped (exit 0), a message that is no report is refused (422, exit 1,
# nothing stored), and /metrics counts them.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 6
pl_org orgA
pl_node 0 orgA
pl_node 1 orgA
pl_conf 0 1
pl_conf 1
printf 'feeds:\n\town-host: .mailbox.example\n\tauthserv-id: mx1.mailbox.example\n\town-domain: example.com\n' \
    >>"$T/n0/reputed.conf"
for i in 1 0; do pl_start $i || { pl_done; exit 1; }; done
pl_wait 10 1 pl_peers_up 0 || ko "n0: no peer up"
API0=$(pl_api 0 | sed 's|http://||')
NOW=$(date -R)
NOWISO=$(date -u +%Y-%m-%dT%H:%M:%SZ)
NOWS=$(date +%s)

arf() { # arf TYPE SOURCE-IP: an ARF report with CRLF line ends
	cat <<MSG | sed 's/$/\r/'
From: fbl@fbl.mailbox.example
To: abuse@isp.example
Subject: complaint
Date: $NOW
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report;
	boundary="b"

--b
Content-Type: text/plain

A complaint.
--b
Content-Type: message/feedback-report

Feedback-Type: $1
User-Agent: FBL/1
Version: 1
Original-Mail-From: <news@shop.example>
Original-Rcpt-To: <user@mailbox.example>
Arrival-Date: $NOW
Source-IP: $2

--b
Content-Type: text/rfc822-headers

Received: from out.shop.example (out.shop.example [$2])
	by mx1.mailbox.example; $NOW
From: news@shop.example
Subject: buy
Date: $NOW

--b--
MSG
}

arf abuse 203.0.113.77 >"$T/abuse.eml"
out=$("$CTL" --api "$API0" ingest --verbose --format arf "$T/abuse.eml" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q '1 report(s) accepted'; then ok; else
	ko "ingest ARF: $out"; fi
if pl_wait 5 127.0.0.2 pl_dig 1 203.0.113.77; then ok; else
	ko "203.0.113.77 not listed at n1: '$(pl_dig 1 203.0.113.77)'"; fi

# X-ARF from a maildir: handled once, moved to cur/
mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp"
cat >"$T/md/new/1.x" <<MSG
From: cert@cert.example
To: abuse@isp.example
Subject: login attacks
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="x"

--x
Content-Type: application/json

{"xarf_version": "4.0.0", "category": "connection", "type": "login_attack",
 "source_identifier": "192.0.2.201", "timestamp": "$NOWISO"}
--x--
MSG
arf opt-out 192.0.2.202 >"$T/md/new/2.x"
out=$("$CTL" --api "$API0" ingest --maildir "$T/md" 2>&1)
if [ $? = 0 ] && echo "$out" | grep -q '2 message(s): 1 gave 1 report(s), 1 skipped'; then
	ok; else ko "ingest --maildir: $out"; fi
if [ -z "$(ls "$T/md/new")" ] && [ -f "$T/md/cur/1.x:2,S" ]; then ok; else
	ko "maildir: new/ $(ls "$T/md/new") cur/ $(ls "$T/md/cur")"; fi
out=$("$CTL" --api "$API0" ingest --maildir "$T/md" 2>&1)
if echo "$out" | grep -q '^ingest: 0 message(s)'; then ok; else
	ko "maildir handled twice: $out"; fi
if pl_wait 5 127.0.0.7 pl_dig 1 192.0.2.201; then ok; else
	ko "192.0.2.201 not listed brute-force at n1"; fi

# DMARC aggregate report, gzip, straight to the API
cat <<XML | gzip >"$T/dmarc.xml.gz"
<?xml version="1.0"?>
<feedback xmlns="urn:ietf:params:xml:ns:dmarc-2.0"><version>1.0</version>
<report_metadata><org_name>r</org_name><email>r@r.example</email>
<report_id>1</report_id><date_range><begin>$((NOWS - 3600))</begin>
<end>$NOWS</end></date_range></report_metadata>
<policy_published><domain>example.com</domain><p>reject</p></policy_published>
<record><row><source_ip>203.0.113.88</source_ip><count>9</count>
<policy_evaluated><disposition>reject</disposition><dkim>fail</dkim>
<spf>fail</spf></policy_evaluated></row>
<identifiers><header_from>example.com</header_from></identifiers>
<auth_results><spf><domain>example.com</domain><result>fail</result></spf>
</auth_results></record></feedback>
XML
code=$(curl -s -o "$T/dmarc.out" -w '%{http_code}' --max-time 5 \
    --data-binary @"$T/dmarc.xml.gz" "$(pl_api 0)/v1/feeds/dmarc")
if [ "$code" = 200 ] && grep -q '"accepted":1' "$T/dmarc.out"; then ok; else
	ko "POST /v1/feeds/dmarc: $code $(cat "$T/dmarc.out")"; fi
if pl_wait 5 127.0.0.3 pl_dig 1 203.0.113.88; then ok; else
	ko "203.0.113.88 not listed phishing at n1"; fi

# not a report: refused, exit 1, nothing stored
before=$(pl_digest 0)
printf 'From: a@b.example\nSubject: hi\n\nhello\n' >"$T/hello.eml"
out=$("$CTL" --api "$API0" ingest "$T/hello.eml" 2>&1)
if [ $? = 1 ] && echo "$out" | grep -q 'refused'; then ok; else
	ko "not a report: $out"; fi
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    --data-binary @"$T/hello.eml" "$(pl_api 0)/v1/feeds/arf")
if [ "$code" = 422 ]; then ok; else ko "not a report via curl: $code"; fi
if [ "$(pl_digest 0)" = "$before" ]; then ok; else ko "a refused message stored something"; fi
m=$(curl -sf --max-time 5 "$(pl_api 0)/metrics")
if echo "$m" | grep -q '^reputed_feed_refused_total{reason="not-a-report"} 2$' &&
    echo "$m" | grep -q '^reputed_feed_reports_total 3$'; then ok; else
	ko "metrics: $(echo "$m" | grep feed_)"; fi
pl_done
