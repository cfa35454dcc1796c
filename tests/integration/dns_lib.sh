# dns_lib.sh: shared by the tests/integration/dns_*.sh scripts (sourced).
# Starts reputed on 127.0.0.1 with free ports and a small fixed data set,
# counts checks, and stops everything it started by PID on exit.
#
#   dns_setup [extra config lines for the dns: clause] [zone extras]
#   check NAME EXPECTED ACTUAL      one check (string equality)
#   q SERVER PORT NAME TYPE [dig options]   answer section, sorted, no TTL
#   status SERVER PORT NAME TYPE    the rcode of a dig answer
#   dns_done                        prints "N passed, N failed", exits
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/lib/common.sh"
REPUTED=$ROOT/$BUILD/reputed
REPUTECTL=$ROOT/$BUILD/reputectl
t_tmpdir dns

check() {
	if [ "$2" = "$3" ]; then ok; else
		ko "$1: expected [$2] got [$3]"
	fi
}
dns_done() { t_done; }

# The answer section of a query, without TTLs, sorted: comparable between
# servers. Extra dig options follow the type.
q() {
	srv=$1; port=$2; name=$3; type=$4; shift 4
	dig @"$srv" -p "$port" "$name" "$type" +norec +noall +answer \
	    +time=2 +tries=2 "$@" 2>/dev/null |
	    awk '{ $2 = ""; print }' | sort
}
status() {
	dig @"$1" -p "$2" "$3" "$4" +norec +time=2 +tries=2 2>/dev/null |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}

# Waits until a DNS server answers the SOA of $3 on 127.0.0.1:$1 (or $2 s).
wait_dns() {
	for i in $(seq 1 $((${2:-10} * 5))); do
		dig @127.0.0.1 -p "$1" "${3:-bl.reputed.example}" SOA +short \
		    +time=1 +tries=1 2>/dev/null | grep -q . && return 0
		sleep 0.2
	done
	return 1
}

# The data set: listed addresses, prefixes, IPv6, domains, a wildcard,
# a subdomain (for empty non-terminals) and an allow-listed address.
DATA_V4="10.1.0.1 10.1.0.2 10.1.0.3 10.1.0.77 10.1.0.200 192.0.2.1"
DATA_NAMES="1.0.1.10 2.0.1.10 3.0.1.10 77.0.1.10 200.0.1.10 1.2.0.192
5.2.2.10 9.9.3.10 1.0.4.10 255.1.4.10 4.0.1.10 9.9.9.9 1.0.5.10 0.0.0.10
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.8.b.d.0.1.0.0.2
2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2
2.0.0.127 1.0.0.127"
DATA_DOMAINS="spam1.example.com spam2.example.com spam3.example.com
x.spam1.example.com a.b.wild.example.net wild.example.net mail.sub.example.org
clean.example.com test invalid"
gen_reports() {
	python3 - <<'EOF'
import json
r = []
for a in ["10.1.0.1", "10.1.0.2", "10.1.0.3", "10.1.0.77", "10.1.0.200",
          "192.0.2.1"]:
    r.append({"ip": a, "category": "spam"})
r.append({"ip": "10.2.2.0/24", "category": "botnet"})
r.append({"ip": "10.3.0.0/16", "category": "scanning"})
r.append({"ip": "10.4.0.0/23", "category": "malware"})
r.append({"ip": "2001:db8::1", "category": "spam"})
r.append({"ip": "2001:db8:1::/48", "category": "phishing"})
for d in ["spam1.example.com", "spam2.example.com", "spam3.example.com",
          "*.wild.example.net", "mail.sub.example.org"]:
    r.append({"domain": d, "category": "spam"})
for _ in range(3):
    r.append({"ip": "10.9.0.1", "category": "not-spam"})
for x in r:
    print(json.dumps(x))
EOF
}

# Posts JSON lines (stdin) to the API; true when accepted.
post_reports() {
	curl -s -m 10 -H 'Content-Type: application/x-ndjson' \
	    --data-binary @- "http://127.0.0.1:$API_PORT/v1/reports" |
	    grep -q accepted
}

# Starts reputed. $1: lines for the dns: clause, $2: lines for the bl and
# dbl zones (wl gets none: no AXFR ACL, no NOTIFY).
dns_setup() {
	DNS_PORT=$(free_port); API_PORT=$(free_port)
	mkdir -p "$TMP/var"
	cat >"$TMP/reputed.conf" <<EOF
server:
	name: "dnstest"
	directory: "$TMP/var"
	sync: 0
dns:
	listen: 127.0.0.1@$DNS_PORT
	threads: 2
$1
zone:
	name: bl.reputed.example
	kind: ip
$2
zone:
	name: dbl.reputed.example
	kind: domain
	subdomains: yes
$2
zone:
	name: wl.reputed.example
	kind: allow
api:
	listen: 127.0.0.1@$API_PORT
policy:
	min-origins: 1
	threshold: 0.5
EOF
	"$REPUTED" -d -c "$TMP/reputed.conf" >"$TMP/reputed.log" 2>&1 &
	REPUTED_PID=$!
	PIDS="$PIDS $REPUTED_PID"
	if ! wait_dns "$DNS_PORT" 10; then
		ko "reputed did not start"; cat "$TMP/reputed.log"; dns_done
	fi
	for i in $(seq 1 25); do
		curl -s -m 1 "http://127.0.0.1:$API_PORT/metrics" >/dev/null &&
		    break
		sleep 0.2
	done
	if gen_reports | post_reports; then ok; else
		ko "posting the test reports"; cat "$TMP/reputed.log"
	fi
}

BL=bl.reputed.example
DBL=dbl.reputed.example
WL=wl.reputed.example
