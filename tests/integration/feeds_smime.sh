#!/bin/sh
# feeds_smime.sh: S/MIME signed complaints from a member without a node.
# The organisation CA and the CRL come from `reputectl ca new` / `ca
# revoke`; the abuse desk's signing keys (P-256: OpenSSL 3.0's CMS cannot
# sign with Ed25519) and certificates from `reputectl cert signer` with
# that CA, which `reputectl cert verify` takes, and refuses once revoked.
# One real daemon with
# `feeds: signed: require` and the CA as its peering trust anchor takes a
# valid signed ARF report, and refuses: an expired signer, a revoked one,
# one of a CA it does not anchor, a message altered after signing, and an
# unsigned one; /metrics counts each reason. Then signed: optional takes
# the unsigned one as its own observation. Offline, `reputectl ingest
# --trust-anchor --crl --signed require` gives the same verdicts. Last,
# SIGHUP reloads the anchors and the CRL the feeds check signers with.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/peer_lib.sh"
pl_init
pl_ports 3
pl_org orgB
pl_org orgX		# a CA the node does not anchor
D=$T/desk
mkdir -p "$D"

cert() { pl_signer "$@"; }
cert valid orgB --days 30
cert expired orgB --not-before 1577836800 --days 31	# 2020-01-01 to 02-01
cert revoked orgB --days 30
cert other orgX --days 30
verify() { # verify NAME [--crl F]: `reputectl cert verify` against orgB
	n=$1; shift
	"$CTL" cert verify --anchor "$T/orgB.pem" "$@" "$D/$n.pem" 2>&1
}
out=$(verify revoked)
[ "$out" = "$D/revoked.pem: ok" ] && ok || ko "signer before revocation: $out"
"$CTL" ca revoke --key "$T/orgB.key" --cert "$T/orgB.pem" \
    --crl "$T/orgB.crl" "$D/revoked.pem" >/dev/null || ko "ca revoke"
out=$(verify revoked --crl "$T/orgB.crl")
[ "$out" = "$D/revoked.pem: certificate revoked" ] && ok || ko "revoked signer: $out"
out=$(verify valid --crl "$T/orgB.crl")
[ "$out" = "$D/valid.pem: ok" ] && ok || ko "valid signer: $out"
case $(verify expired) in *": certificate has expired") ok ;; *) ko "expired signer" ;; esac
case $(verify other) in *": unable to get local issuer certificate") ok ;;
*) ko "other signer: $(verify other)" ;; esac
openssl x509 -in "$D/valid.pem" -noout -ext keyUsage,extendedKeyUsage,subjectAltName \
    >"$T/ext" 2>&1
for w in 'critical' 'Digital Signature' 'E-mail Protection' 'email:valid@orgB.example'; do
	grep -q "$w" "$T/ext" && ok || ko "signer extensions: no $w: $(cat "$T/ext")"
done

NOW=$(date -R)
report() { # report SOURCE-IP: an ARF report (the part that is signed)
	cat <<MSG
From: fbl@ispb.example
To: abuse@isp-a.example
Subject: complaint
Date: $NOW
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: text/plain

A complaint.
--b
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: FBL/1
Version: 1
Arrival-Date: $NOW
Source-IP: $1

--b--
MSG
}
sign() { # sign NAME SOURCE-IP > message: signed by NAME, outer header
	report "$2" >"$D/in.eml"
	printf 'From: desk@ispb.example\nTo: abuse@isp-a.example\nSubject: signed complaint\n'
	openssl cms -sign -in "$D/in.eml" -signer "$D/$1.pem" -inkey "$D/$1.key"
}
sign valid 192.0.2.61 >"$T/valid.eml"
sign expired 192.0.2.62 >"$T/expired.eml"
sign revoked 192.0.2.63 >"$T/revoked.eml"
sign other 192.0.2.64 >"$T/other.eml"
sign valid 192.0.2.65 | sed 's/^Source-IP: 192.0.2.65/Source-IP: 192.0.2.66/' >"$T/altered.eml"
report 192.0.2.67 >"$T/unsigned.eml"
grep -q '192.0.2.66' "$T/altered.eml" || ko "the alteration did not take"

CRL="$T/orgB.crl"
pl_node 0 orgB
pl_conf 0
printf 'feeds:\n\tsigned: require\n' >>"$T/n0/reputed.conf"
pl_start 0 || { pl_done; exit 1; }
post() { # post FILE -> "CODE BODY", headers in $T/h
	curl -s -D "$T/h" -o "$T/b" -w '%{http_code}' --max-time 5 \
	    --data-binary @"$1" "$(pl_api 0)/v1/feeds/arf"
	printf ' %s' "$(cat "$T/b")"
}
out=$(post "$T/valid.eml")
case $out in 200*'"accepted":1'*) ok ;; *) ko "valid signer: $out" ;; esac
if grep -qi '^X-Reputed-Signed-By: org=[0-9a-f]\{64\}; signer="[^"]*CN=valid' "$T/h"; then
	ok; else ko "no X-Reputed-Signed-By: $(cat "$T/h")"; fi
for c in expired:untrusted-signer revoked:untrusted-signer \
    other:untrusted-signer altered:bad-signature unsigned:unsigned; do
	f=${c%%:*}; want=${c#*:}
	out=$(post "$T/$f.eml")
	case $out in 422*"\"refused\":\"$want\""*) ok ;; *) ko "$f: $out" ;; esac
done
if pl_wait 5 127.0.0.2 pl_dig 0 192.0.2.61; then ok; else ko "192.0.2.61 not listed"; fi
for ip in 192.0.2.62 192.0.2.63 192.0.2.64 192.0.2.65 192.0.2.66 192.0.2.67; do
	[ -z "$(pl_dig 0 $ip)" ] && ok || ko "$ip listed from a refused message"
done
m=$(curl -sf --max-time 5 "$(pl_api 0)/metrics")
for c in untrusted-signer:3 bad-signature:1 unsigned:1; do
	echo "$m" | grep -q "^reputed_feed_refused_total{reason=\"${c%%:*}\"} ${c#*:}\$" &&
	    ok || ko "metric ${c%%:*} != ${c#*:}"
done
echo "$m" | grep -q '^reputed_feed_signed_total 1$' && ok || ko "signed_total"
# signed: optional: the unsigned message is this node's own observation
pl_stop 0
sed -i 's/signed: require/signed: optional/' "$T/n0/reputed.conf"
pl_start 0 || { pl_done; exit 1; }
out=$(post "$T/unsigned.eml")
case $out in 200*'"accepted":1'*) ok ;; *) ko "unsigned, optional: $out" ;; esac
pl_stop 0
# offline, the same checks: reputectl ingest --trust-anchor --crl --signed
out=$("$CTL" --db "$T/off" ingest --dry-run --verbose --trust-anchor \
    "$T/orgB.pem" --crl "$T/orgB.crl" --signed require "$T/valid.eml" \
    "$T/expired.eml" "$T/revoked.eml" "$T/other.eml" "$T/altered.eml" \
    "$T/unsigned.eml" 2>&1)
rc=$?
for c in valid:'s/mime signed: signed by org [0-9a-f]\{64\}' \
    expired:'refused untrusted-signer: .*certificate has expired' \
    revoked:'refused untrusted-signer: .*revoked' \
    other:'refused untrusted-signer' altered:'refused bad-signature' \
    unsigned:'refused unsigned'; do
	echo "$out" | grep -q "^${c%%:*}.eml: .*${c#*:}" && ok || ko "offline ${c%%:*}: $out"
done
if [ $rc = 1 ] && echo "$out" | grep -q '"ip":"192.0.2.61"' &&
    echo "$out" | grep -q '^ingest: 6 message(s): 1 gave 1 report(s), 0 skipped, 5 refused'; then
	ok; else ko "offline totals ($rc): $out"; fi

# SIGHUP reloads the feeds' trust anchors and CRL, as it does peering's:
# orgX's signer is refused, then taken once orgX is an anchor; the valid
# signer is taken, then refused once the CRL file revokes it.
sed -i 's/signed: optional/signed: require/' "$T/n0/reputed.conf"
pl_start 0 || { pl_done; exit 1; }
hup() { # hup N: SIGHUP, then wait for the Nth feeds reload in the log
	kill -HUP "$PID_0"
	pl_wait 5 "$1" sh -c "grep -c 'reload: feeds:' '$T/n0/log'" || ko "no reload $1"
}
sign other 192.0.2.68 >"$T/other2.eml"
sign valid 192.0.2.69 >"$T/valid2.eml"
out=$(post "$T/other2.eml")
case $out in 422*'"refused":"untrusted-signer"'*) ok ;; *) ko "other before reload: $out" ;; esac
sed -i "s|^peering:\$|peering:\n\ttrust-anchor: \"$T/orgX.pem\"|" "$T/n0/reputed.conf"
grep -q "trust-anchor: \"$T/orgX.pem\"" "$T/n0/reputed.conf" || ko "orgX anchor not in the config"
hup 1
out=$(post "$T/other2.eml")
case $out in 200*'"accepted":1'*) ok ;; *) ko "other after reload: $out" ;; esac
out=$(post "$T/valid2.eml")
case $out in 200*'"accepted":1'*) ok ;; *) ko "valid before revocation: $out" ;; esac
"$CTL" ca revoke --key "$T/orgB.key" --cert "$T/orgB.pem" \
    --crl "$T/orgB.crl" "$D/valid.pem" >/dev/null || ko "ca revoke valid"
hup 2
out=$(post "$T/valid2.eml")
case $out in 422*'"refused":"untrusted-signer"'*) ok ;; *) ko "valid after revocation: $out" ;; esac
grep -q 'O=orgB/CN=valid is not on .*: revoked' "$T/n0/log" && ok || ko "revocation not logged"
pl_stop 0
pl_done
