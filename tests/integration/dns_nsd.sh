#!/bin/sh
# dns_nsd.sh: NSD as a secondary of reputed. NSD transfers the zones with
# AXFR (allowed for 127.0.0.1 by allow-axfr) and must then answer the same
# as reputed for a sample of names; a new report changes the serial,
# reputed sends NOTIFY (over IPv6, to ::1: the transfers are IPv4), and
# NSD transfers again and answers the new name.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
. "$(dirname "$0")/dns_lib.sh"

N=$(free_port)
dns_setup "	rrl-limit: 0" "	allow-axfr: 127.0.0.1
	notify: ::1@$N"
mkdir -p "$TMP/nsd"
chmod 755 "$TMP"
cat >"$TMP/nsd/nsd.conf" <<EOF
server:
	ip-address: 127.0.0.1
	ip-address: ::1
	port: $N
	username: ""
	chroot: ""
	zonesdir: "$TMP/nsd"
	database: ""
	zonelistfile: "$TMP/nsd/zone.list"
	xfrdfile: "$TMP/nsd/xfrd.state"
	xfrdir: "$TMP/nsd"
	pidfile: "$TMP/nsd/nsd.pid"
	logfile: "$TMP/nsd/nsd.log"
	server-count: 1
	verbosity: 2
remote-control:
	control-enable: no
EOF
for z in $BL $DBL; do
	printf 'zone:\n\tname: "%s"\n\trequest-xfr: AXFR 127.0.0.1@%s NOKEY\n\tallow-notify: ::1 NOKEY\n' \
	    "$z" "$DNS_PORT" >>"$TMP/nsd/nsd.conf"
done
nsd -d -c "$TMP/nsd/nsd.conf" >"$TMP/nsd/out" 2>&1 &
PIDS="$PIDS $!"

serial() { dig @127.0.0.1 -p "$1" "$2" SOA +short +time=1 +tries=1 2>/dev/null | awk '{print $3}'; }
# NSD has the zone when it serves reputed's serial
synced() {
	for i in $(seq 1 75); do
		[ -n "$(serial $N $1)" ] && [ "$(serial $N $1)" = "$(serial $DNS_PORT $1)" ] &&
		    return 0
		sleep 0.2
	done
	return 1
}
for z in $BL $DBL; do
	if synced $z; then ok; else
		ko "NSD did not transfer $z (reputed $(serial $DNS_PORT $z), nsd $(serial $N $z))"
		cat "$TMP/nsd/nsd.log" "$TMP/nsd/out"; dns_done
	fi
done

short() { dig @127.0.0.1 -p "$1" "$2" "$3" +norec +short +time=2 2>/dev/null | sort; }
same() { # NAME: A, TXT and rcode equal on both servers
	for t in A TXT; do
		check "nsd $1 $t" "$(short $DNS_PORT $1 $t)" "$(short $N $1 $t)"
	done
	check "nsd status $1" "$(status 127.0.0.1 $DNS_PORT $1 A)" \
	    "$(status 127.0.0.1 $N $1 A)"
}
for n in $DATA_NAMES 0.1.10 1.10 2.2.10; do same $n.$BL; done
for n in $DATA_DOMAINS sub.example.org example.org; do same $n.$DBL; done
check "apex NS" "$(short $DNS_PORT $BL NS)" "$(short $N $BL NS)"

# NOTIFY: a new listing reaches NSD without waiting for the refresh
echo '{"ip":"10.6.6.6","category":"spam"}' | post_reports && ok || ko "post"
check "reputed lists it" 127.0.0.2 "$(short $DNS_PORT 6.6.6.10.$BL A)"
if synced $BL; then ok; else ko "NOTIFY did not bring the new serial to NSD"; fi
check "NSD lists it after NOTIFY" 127.0.0.2 "$(short $N 6.6.6.10.$BL A)"
check "reputed logged the AXFRs" 1 "$(grep -c 'AXFR of bl.reputed.example' "$TMP/reputed.log" |
    awk '{print ($1 >= 2)}')"
dns_done
