# nsd.sh: sourced by test and bench scripts that need an authoritative
# server with test data (SPF records, say).
#
# nsd_serve DIR PORT ZONE: serves DIR/ZONE.zone with nsd on 127.0.0.1@PORT
# (rate limiting off, state files in DIR) as a background job and sets
# nsd_pid, which the caller stops. Returns 0 once the zone's SOA answers,
# 1 (with nsd's output on stderr) if it does not within 5 s.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
nsd_serve() {
	cat >"$1/nsd.conf" <<CONF
server:
	ip-address: 127.0.0.1@$2
	username: ""
	chroot: ""
	zonesdir: "$1"
	database: ""
	pidfile: "$1/nsd.pid"
	xfrdfile: "$1/xfrd.state"
	zonelistfile: "$1/zone.list"
	logfile: "$1/nsd.log"
	server-count: 1
	verbosity: 0
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
zone:
	name: $3
	zonefile: $3.zone
CONF
	nsd -d -c "$1/nsd.conf" >"$1/nsd.out" 2>&1 &
	nsd_pid=$!
	for _i in $(seq 1 20); do
		dig @127.0.0.1 -p "$2" "$3" SOA +short +time=1 +tries=1 \
		    2>/dev/null | grep -q . && return 0
		sleep 0.25
	done
	echo "nsd did not answer on 127.0.0.1@$2:" >&2
	cat "$1/nsd.out" "$1/nsd.log" >&2 2>/dev/null
	return 1
}
