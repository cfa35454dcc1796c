#!/bin/sh
# dns_dig.sh: reputed's DNSBL answers, case by case, with dig and kdig:
# RFC 5782 test points, listed IPv4 / prefixes / IPv6 / domains /
# wildcards, NXDOMAIN with the SOA, empty non-terminals, the apex, flags,
# REFUSED / FORMERR / NOTIMP / BADVERS, EDNS0, truncation and the TCP
# retry, ANY (RFC 8482), AXFR and its ACL, IXFR over UDP, and a report
# becoming visible to the next query. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/dns_lib.sh"

PAD="padding padding padding padding padding padding padding padding"
PAD3="padding padding padding padding padding"
dns_setup "	rrl-limit: 0" "	allow-axfr: 127.0.0.1
	txt: \"\$subject: \$reports reports from \$origins origins, score \$score, last seen \$last_seen. $PAD $PAD $PAD3\""
P=$DNS_PORT
S=127.0.0.1

kq() { # kdig: answer rdata, sorted
	kdig @$S -p $P "$1" "$2" +norec +short +timeout=2 2>/dev/null |
	    sort
}
kstatus() {
	kdig @$S -p $P "$1" "$2" +norec +timeout=2 2>/dev/null |
	    sed -n 's/.*status: \([A-Z]*\);.*/\1/p'
}
short() { dig @$S -p $P "$1" "$2" +norec +short +time=2 2>/dev/null | sort; }
both() { # NAME TYPE EXPECTED-rdata
	check "dig $1 $2" "$3" "$(short "$1" "$2")"
	check "kdig $1 $2" "$3" "$(kq "$1" "$2")"
}
both_status() { # NAME TYPE EXPECTED-rcode
	check "dig status $1 $2" "$3" "$(status $S $P "$1" "$2")"
	check "kdig status $1 $2" "$3" "$(kstatus "$1" "$2")"
}
V6T=2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0
V6N=1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0
V6L=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
V6P=5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2

# RFC 5782 5: test points, in every kind of zone
both 2.0.0.127.$BL A 127.0.0.2
both $V6T.$BL A 127.0.0.2
both test.$DBL A 127.0.0.2
both 2.0.0.127.$WL A 127.0.0.2
both_status 1.0.0.127.$BL A NXDOMAIN
both_status $V6N.$BL A NXDOMAIN
both_status invalid.$DBL A NXDOMAIN
both_status 1.0.0.127.$WL A NXDOMAIN
check "test point TXT" '"RFC 5782 test point"' "$(short 2.0.0.127.$BL TXT)"

# listed: A 127.0.0.x by category, TXT from the template
both 1.0.1.10.$BL A 127.0.0.2
both 200.0.1.10.$BL A 127.0.0.2
both 5.2.2.10.$BL A "$(short 1.2.2.10.$BL A)"
case "$(short 5.2.2.10.$BL TXT)" in
'"10.2.2.0/24: 1 reports from 1 origins, score'*) ok ;;
*) ko "TXT of a /24: $(short 5.2.2.10.$BL TXT)" ;; esac
case "$(kq 77.0.1.10.$BL TXT)" in
*'"10.1.0.77: 1 reports'*) ok ;; *) ko "kdig TXT: $(kq 77.0.1.10.$BL TXT)" ;; esac
check "/16 listed" 1 "$(short 9.9.3.10.$BL A | grep -c '^127\.0\.0\.')"
check "/23 low" 1 "$(short 1.0.4.10.$BL A | grep -c '^127\.0\.0\.')"
check "/23 high" 1 "$(short 255.1.4.10.$BL A | grep -c '^127\.0\.0\.')"
check "IPv6 /128" 1 "$(short $V6L.$BL A | grep -c '^127\.0\.0\.')"
check "IPv6 /48" 1 "$(short $V6P.$BL A | grep -c '^127\.0\.0\.')"
check "domain" 1 "$(short spam1.example.com.$DBL A | grep -c '^127\.0\.0\.')"
check "subdomain (zone lists subdomains)" 1 \
    "$(kq x.spam1.example.com.$DBL A | grep -c '^127\.0\.0\.')"
case "$(short x.spam1.example.com.$DBL TXT)" in
'"spam1.example.com: '*) ok ;; *) ko "subdomain TXT names the parent" ;; esac
check "wildcard" 1 "$(short a.b.wild.example.net.$DBL A | grep -c '^127')"
check "allow-listed" 127.0.0.2 "$(short 1.0.9.10.$WL A)"
# case is kept in the answer (0x20 bit)
check "case kept" 1 "$(dig @$S -p $P 1.0.1.10.BL.Reputed.example A +norec \
    +noall +answer | grep -c '^1\.0\.1\.10\.BL\.Reputed\.example\.')"

# not listed: NXDOMAIN, SOA in the authority section, TTL = negative TTL
both_status 4.0.1.10.$BL A NXDOMAIN
both_status 1.0.5.10.$BL TXT NXDOMAIN
both_status clean.example.com.$DBL A NXDOMAIN
both_status a.b.nosuchtld.$DBL A NXDOMAIN
both_status nosuchtld.$DBL A NXDOMAIN
both_status 1.0.1.10.$WL A NXDOMAIN
check "NXDOMAIN authority" "$BL. 300 IN SOA" "$(dig @$S -p $P 4.0.1.10.$BL A \
    +norec +noall +authority | awk '{print $1, $2, $3, $4}')"
# empty non-terminals: NOERROR, no answer, SOA in authority
both_status 0.1.10.$BL A NOERROR
both_status 1.10.$BL A NOERROR
both_status 10.$BL A NOERROR
both_status wild.example.net.$DBL A NOERROR
both_status sub.example.org.$DBL A NOERROR
both_status example.org.$DBL A NOERROR
both_status 0.0.127.$BL A NOERROR
check "ENT has no answer" "" "$(short 0.1.10.$BL A)"
both_status 5.1.10.$BL A NXDOMAIN
both_status foo.$BL A NXDOMAIN
# a listed name, other type: NODATA
both_status 1.0.1.10.$BL AAAA NOERROR
check "NODATA" "" "$(short 1.0.1.10.$BL AAAA)"

# apex
check "SOA" "ns.bl.reputed.example. hostmaster.bl.reputed.example." \
    "$(short $BL SOA | awk '{print $1, $2}')"
both $BL NS ns.bl.reputed.example.
both_status $BL A NOERROR
check "apex A: no data" "" "$(short $BL A)"

# flags: AA set, RD copied, RA clear
flags=$(dig @$S -p $P 2.0.0.127.$BL A +rec | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')
check "flags with RD" "qr aa rd" "$flags"
flags=$(dig @$S -p $P 2.0.0.127.$BL A +norec | sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')
check "flags without RD" "qr aa" "$flags"

# outside the zones, other classes, opcodes, EDNS versions
both_status www.example.com A REFUSED
both_status reputed.example A REFUSED
check "CH class" REFUSED "$(dig @$S -p $P version.bind TXT CH +norec |
    sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"
check "opcode STATUS" NOTIMP "$(dig @$S -p $P $BL SOA +opcode=2 |
    sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"
check "EDNS version 1" BADVERS "$(dig @$S -p $P $BL SOA +edns=1 +noednsneg |
    sed -n 's/.*status: \([A-Z]*\),.*/\1/p')"
check "MAILB" NOTIMP "$(status $S $P $BL MAILB)"
# malformed: FORMERR (two questions; a compression loop), drop (a response)
formerr=$(python3 - "$P" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(1)
def ask(pkt):
    s.sendto(pkt, ("127.0.0.1", int(sys.argv[1])))
    try:
        r = s.recv(4096); return str(r[3] & 15)
    except socket.timeout:
        return "none"
q = b"\x02bl\x07reputed\x07example\x00\x00\x01\x00\x01"
out = [ask(struct.pack(">HHHHHH", 1, 0, 2, 0, 0, 0) + q + q),
       ask(struct.pack(">HHHHHH", 2, 0, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01"),
       ask(struct.pack(">HHHHHH", 3, 0x8000, 1, 0, 0, 0) + q),
       ask(struct.pack(">HHHHHH", 4, 0, 1, 0, 0, 0) + q[:9]),
       ask(struct.pack(">HHHHHH", 5, 0, 1, 0, 0, 0) + q[:-4] + b"\x00\xfc\x00\x01")]
print(" ".join(out))
EOF
)
check "FORMERR, FORMERR, dropped response, FORMERR, AXFR/UDP NOTIMP" \
    "1 1 none 1 4" "$formerr"

# EDNS0: OPT echoed with our payload size; none without EDNS
check "EDNS payload" "udp: 1232" "$(dig @$S -p $P 2.0.0.127.$BL A +bufsize=4096 |
    sed -n 's/.*EDNS: version: 0.*\(udp: [0-9]*\)/\1/p')"
check "no OPT without EDNS" "" "$(dig @$S -p $P 2.0.0.127.$BL A +noedns |
    grep 'EDNS:')"
kedns=$(kdig @$S -p $P 2.0.0.127.$BL A +edns | grep -c 'Version: 0; flags: ; UDP size: 1232')
check "kdig EDNS" 1 "$kedns"

# truncation: a long name and a long TXT do not fit 512 bytes
L=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
LONG=$L.$L.$L.$L.wild.example.net.$DBL
tc=$(dig @$S -p $P $LONG TXT +noedns +ignore +norec | grep -c 'flags:.* tc')
check "TC over UDP" 1 "$tc"
check "TC: no answer" "" "$(dig @$S -p $P $LONG TXT +noedns +ignore +short)"
check "retry over TCP" 1 "$(dig @$S -p $P $LONG TXT +noedns +short | grep -c padding)"
check "kdig retry over TCP" 1 "$(kdig @$S -p $P $LONG TXT +noedns +short | grep -c padding)"
check "fits with EDNS 1232" 1 "$(dig @$S -p $P $LONG TXT +short +ignore | grep -c padding)"
both 1.0.1.10.$BL A 127.0.0.2
check "dig +tcp" 127.0.0.2 "$(dig @$S -p $P 1.0.1.10.$BL A +tcp +short)"
check "kdig +tcp" 127.0.0.2 "$(kdig @$S -p $P 1.0.1.10.$BL A +tcp +short)"

# ANY: one RRset (RFC 8482): the A record; at the apex, the SOA
check "ANY listed" 1 "$(dig @$S -p $P 1.0.1.10.$BL ANY +norec +noall +answer | grep -c IN)"
check "ANY apex" SOA "$(dig @$S -p $P $BL ANY +norec +noall +answer | awk '{print $4}')"

# IXFR over UDP: the SOA alone (RFC 1995 4)
check "IXFR/UDP" SOA "$(dig @$S -p $P $BL IXFR=0 +notcp +norec +noall +answer |
    awk '{print $4}' | sort -u)"

# AXFR: allowed for 127.0.0.1 on bl and dbl, refused on wl
dig @$S -p $P $BL AXFR >"$TMP/axfr" 2>&1
n=$(grep -c 'IN	A	127\.0\.0\.' "$TMP/axfr")
check "AXFR records" 1 "$([ "$n" -ge 10 ] && echo 1 || echo "$n")"
check "AXFR first and last SOA" "SOA SOA" "$(grep -v '^;' "$TMP/axfr" |
    grep . | awk 'NR == 1 {f = $4} {l = $4} END {print f, l}')"
check "AXFR wildcard for a /24" 1 "$(grep -c '^\*\.2\.2\.10\..*A' "$TMP/axfr")"
check "kdig AXFR" 1 "$(kdig @$S -p $P $DBL AXFR | grep -c '^\*\.wild\.example\.net.*TXT')"
check "AXFR refused" 1 "$(dig @$S -p $P $WL AXFR 2>&1 | grep -ci 'transfer failed')"

# live: a report is visible to the next query, and the serial moves
s1=$(short $BL SOA | awk '{print $3}')
both_status 7.7.7.10.$BL A NXDOMAIN
echo '{"ip":"10.7.7.7","category":"spam"}' | post_reports && ok || ko "post"
both 7.7.7.10.$BL A 127.0.0.2
s2=$(short $BL SOA | awk '{print $3}')
check "serial moved" 1 "$([ "$s2" -gt "$s1" ] && echo 1 || echo "$s1 -> $s2")"

# live through the answer cache: names answered (and cached) before a
# report reach it after: the name, a subdomain (the zone lists them), the
# new empty non-terminal above it, a neighbour that must stay NXDOMAIN
both_status fresh.sub.cachetest.$DBL A NXDOMAIN
both_status a.b.fresh.sub.cachetest.$DBL A NXDOMAIN
both_status sub.cachetest.$DBL A NXDOMAIN
both_status cachetest.$DBL A NXDOMAIN
both_status other.sub.cachetest.$DBL A NXDOMAIN
echo '{"domain":"fresh.sub.cachetest","category":"spam"}' | post_reports && ok ||
    ko "post domain"
both fresh.sub.cachetest.$DBL A 127.0.0.2
both a.b.fresh.sub.cachetest.$DBL A 127.0.0.2
both_status sub.cachetest.$DBL A NOERROR
both_status cachetest.$DBL A NOERROR
both_status other.sub.cachetest.$DBL A NXDOMAIN
m=$(curl -s -m 5 "http://127.0.0.1:$API_PORT/metrics")
n=$(echo "$m" | sed -n 's/^reputed_dns_cache_hits_total //p')
check "answer cache used" 1 "$([ "${n:-0}" -gt 0 ] && echo 1 || echo "${n:-none}")"

# counters on /metrics
m=$(curl -s -m 5 "http://127.0.0.1:$API_PORT/metrics")
for r in NOERROR NXDOMAIN REFUSED FORMERR NOTIMP; do
	n=$(echo "$m" | sed -n "s/^reputed_dns_responses_total{rcode=\"$r\"} //p")
	check "metrics $r" 1 "$([ "${n:-0}" -gt 0 ] && echo 1 || echo "${n:-none}")"
done
n=$(echo "$m" | sed -n 's/^reputed_dns_axfr_total //p')
check "metrics AXFR" 1 "$([ "${n:-0}" -ge 2 ] && echo 1 || echo "${n:-none}")"

kill -0 "$REPUTED_PID" 2>/dev/null && ok || ko "reputed died"
dns_done
