#!/bin/sh
# dns_unbound.sh: reputed behind unbound, the way an ISP wires a DNSBL into
# its resolvers (a stub-zone per DNSBL zone). Answers through unbound must
# equal the direct ones (with qname minimisation on, so the empty
# non-terminals matter), and negative answers must be cached: a name
# listed after unbound saw its NXDOMAIN stays NXDOMAIN through unbound
# for the negative TTL while reputed itself already lists it.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/dns_lib.sh"

dns_setup "	rrl-limit: 0" ""
U=$(free_port)
mkdir -p "$TMP/unbound"
cat >"$TMP/unbound/unbound.conf" <<EOF
server:
	interface: 127.0.0.1
	port: $U
	do-ip6: no
	username: ""
	chroot: ""
	directory: "$TMP/unbound"
	pidfile: "$TMP/unbound/unbound.pid"
	use-syslog: no
	logfile: ""
	verbosity: 1
	module-config: "iterator"
	do-not-query-localhost: no
	access-control: 127.0.0.0/8 allow
	qname-minimisation: yes
	num-threads: 1
remote-control:
	control-enable: no
EOF
for z in $BL $DBL $WL; do
	printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: 127.0.0.1@%s\n' \
	    "$z" "$DNS_PORT" >>"$TMP/unbound/unbound.conf"
done
unbound -d -c "$TMP/unbound/unbound.conf" >"$TMP/unbound/log" 2>&1 &
PIDS="$PIDS $!"
if wait_dns "$U" 10; then ok; else
	ko "unbound did not start"; cat "$TMP/unbound/log"; dns_done
fi

ustatus() { # recursion desired: unbound refuses +norec for what it lacks
	dig @127.0.0.1 -p "$U" "$1" "$2" +time=3 +tries=2 2>/dev/null |
	    sed -n 's/.*status: \([A-Z]*\),.*/\1/p'
}
short() { dig @127.0.0.1 -p "$1" "$2" "$3" +short +time=3 +tries=2 2>/dev/null | sort; }
for n in $DATA_NAMES; do
	for t in A TXT; do
		check "unbound $n $t" "$(short $DNS_PORT $n.$BL $t)" \
		    "$(short $U $n.$BL $t)"
	done
	check "unbound status $n" "$(status 127.0.0.1 $DNS_PORT $n.$BL A)" \
	    "$(ustatus $n.$BL A)"
done
for n in $DATA_DOMAINS; do
	for t in A TXT; do
		check "unbound $n $t" "$(short $DNS_PORT $n.$DBL $t)" \
		    "$(short $U $n.$DBL $t)"
	done
	check "unbound status $n" "$(status 127.0.0.1 $DNS_PORT $n.$DBL A)" \
	    "$(ustatus $n.$DBL A)"
done
for n in 1.0.9.10 2.0.0.127 1.0.1.10; do
	check "unbound wl $n" "$(short $DNS_PORT $n.$WL A)" "$(short $U $n.$WL A)"
done
# RA is set by unbound, AA is not: it is a resolver's answer
check "unbound flags" "qr rd ra" "$(dig @127.0.0.1 -p $U 2.0.0.127.$BL A |
    sed -n 's/.*flags: \([a-z ]*\);.*/\1/p')"

# negative caching (RFC 2308): NXDOMAIN, then the name gets listed
check "before: direct" NXDOMAIN "$(status 127.0.0.1 $DNS_PORT 8.8.8.10.$BL A)"
check "before: unbound" NXDOMAIN "$(ustatus 8.8.8.10.$BL A)"
ttl=$(dig @127.0.0.1 -p $U 8.8.8.10.$BL A +noall +authority | awk '{print $2}')
check "negative TTL from the SOA" 1 "$([ "${ttl:-999}" -le 300 ] && echo 1 || echo "$ttl")"
echo '{"ip":"10.8.8.8","category":"spam"}' | post_reports && ok || ko "post"
check "after: direct" 127.0.0.2 "$(short $DNS_PORT 8.8.8.10.$BL A)"
check "after: unbound still cached" NXDOMAIN "$(ustatus 8.8.8.10.$BL A)"
# a name unbound never asked for is fresh
echo '{"ip":"10.8.8.9","category":"spam"}' | post_reports && ok || ko "post"
check "fresh name through unbound" 127.0.0.2 "$(short $U 9.8.8.10.$BL A)"
dns_done
