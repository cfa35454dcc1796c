#!/bin/sh
# systemd.sh: the unit (dist/reputed.service) as systemd would take it.
#  - `systemd-analyze verify` accepts it (here with the build tree's
#    binary in ExecStart and without the man page check; tests/dist/deb.sh
#    verifies the installed unit with both);
#  - `systemd-analyze security --offline` scores it at most MAX_EXPOSURE
#    (docs/INSTALL.md has the figure);
#  - the sandbox fits the daemon: reputed -d, traced by strace through a
#    start, reports, a query, /metrics, DNS answers, a SIGHUP and a
#    SIGTERM, with Sender-ID evaluation (libunbound) on, makes no system
#    call outside @system-service or inside the
#    unit's ~@privileged @resources, and opens sockets only of the
#    families in RestrictAddressFamilies.
# Prints "N passed, N failed" (", N skipped" for a missing tool).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
UNIT=$TOP/dist/reputed.service
MAX_EXPOSURE=2.0	# 1.5 measured (docs/INSTALL.md)
. "$TOP/tests/lib/common.sh"
skip=0
t_tmpdir systemd
tmp=$TMP
summary() {
	if [ "$skip" = 0 ]; then t_done; fi
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]; exit
}
skipped() { skip=$((skip + 1)); echo "SKIP $1 (make deps installs it)"; }

if ! command -v systemd-analyze >/dev/null; then
	skipped "systemd-analyze: systemd is not installed"
else
	sed "s|/usr/sbin/reputed|$REPUTED|g" "$UNIT" >"$tmp/reputed.service"
	if systemd-analyze verify --man=no "$tmp/reputed.service" \
	    >"$tmp/verify" 2>&1; then
		ok "systemd-analyze verify"
	else
		ko "systemd-analyze verify"; cat "$tmp/verify"
	fi
	mkdir -p "$tmp/root/etc/systemd/system"
	cp "$UNIT" "$tmp/root/etc/systemd/system/"
	systemd-analyze security --offline=true --root="$tmp/root" \
	    reputed.service >"$tmp/security" 2>&1
	score=$(sed -n 's/.*Overall exposure level for reputed.service: \([0-9.]*\).*/\1/p' "$tmp/security")
	echo "systemd-analyze security: exposure $score (0 = best, 10 = worst)"
	if [ -n "$score" ] && awk "BEGIN { exit !($score <= $MAX_EXPOSURE) }"; then
		ok "security exposure $score <= $MAX_EXPOSURE"
	else
		ko "security exposure '$score'"; tail -5 "$tmp/security"
	fi
fi

if ! command -v strace >/dev/null || ! command -v systemd-analyze >/dev/null ||
    ! command -v dig >/dev/null || ! command -v curl >/dev/null; then
	skipped "sandbox trace: strace, systemd-analyze, dig or curl missing"
	summary; exit
fi
set -- $(free_ports 3)
API_PORT=$1; DNS_PORT=$2; NOBODY_PORT=$3
# The packaged config, on free ports, with Sender-ID evaluation through
# libunbound on (against a port nobody answers: temperror after 300 ms).
sed -e "s|/var/lib/reputed|$tmp/var|" -e "s|127.0.0.1@5353|127.0.0.1@$DNS_PORT|" \
    -e "s|127.0.0.1@8053|127.0.0.1@$API_PORT|" -e "/username:/d" \
    -e "s|resolver: off.*|resolver: 127.0.0.1@$NOBODY_PORT\n\ttimeout: 300ms|" \
    "$TOP/dist/reputed.conf" >"$tmp/reputed.conf"
# LeakSanitizer cannot run under ptrace (make asan): no leak check here.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -qq -o "$tmp/trace" "$REPUTED" -d -c "$tmp/reputed.conf" \
    >"$tmp/log" 2>&1 &
pid=$!
PIDS="$PIDS $pid"
API=http://127.0.0.1:$API_PORT
for _ in $(seq 100); do curl -sf "$API/metrics" >/dev/null && break; sleep 0.1; done
curl -sf -d '{"ip":"192.0.2.7","category":"spam"}' "$API/v1/reports" \
    >/dev/null && ok "traced daemon takes a report" || ko "report"
curl -sf "$API/v1/reputation/192.0.2.7" >/dev/null && ok "query" || ko "query"
curl -sf -d '{"domain":"example.com","category":"spam","client_ip":"192.0.2.8","mail_from":"a@example.com"}' \
    "$API/v1/reports" >/dev/null && ok "a report evaluated for Sender-ID" ||
    ko "Sender-ID report"
dig +short +tries=1 +time=2 @127.0.0.1 -p "$DNS_PORT" \
    7.2.0.192.bl.reputed.example A >/dev/null && ok "DNS answer" || ko "DNS"
dig +tcp +short +tries=1 +time=2 @127.0.0.1 -p "$DNS_PORT" \
    7.2.0.192.bl.reputed.example TXT >/dev/null && ok "DNS over TCP" || ko "DNS TCP"
dpid=$(cat "$tmp/var/reputed.pid")	# $pid is strace's
kill -HUP "$dpid"; sleep 0.5
curl -sf "$API/metrics" >/dev/null && ok "serves after SIGHUP" || ko "SIGHUP"
kill -TERM "$dpid"; wait "$pid"; rc=$?
[ "$rc" = 0 ] && ok "traced daemon stops, exit 0" || { ko "exit $rc"; cat "$tmp/log"; }

# strace lines: "PID name(args) = ..." (resumed calls have no name).
sed -n 's/^[0-9]*  *\([a-z_0-9]*\)(.*/\1/p' "$tmp/trace" | sort -u >"$tmp/used"
# filter SET...: the system calls of the sets, the sets they name expanded
filter() {
	for _s in "$@"; do
		systemd-analyze syscall-filter "$_s" | sed -n 's/^  *\([@a-z_0-9-]*\)$/\1/p' |
		while read -r _c; do
			case $_c in @*) filter "$_c" ;; *) echo "$_c" ;; esac
		done
	done | sort -u
}
filter @system-service >"$tmp/allowed"
filter @privileged @resources >"$tmp/denied"
echo "system calls used: $(wc -l <"$tmp/used")"
outside=$(comm -23 "$tmp/used" "$tmp/allowed" | tr '\n' ' ')
[ -z "$outside" ] && ok "every system call in @system-service" ||
    ko "outside @system-service: $outside"
denied=$(comm -12 "$tmp/used" "$tmp/denied" | tr '\n' ' ')
[ -z "$denied" ] && ok "none in ~@privileged @resources" ||
    ko "denied by the unit: $denied"
families=$(sed -n 's/^[0-9]*  *socket(\(AF_[A-Z0-9]*\).*/\1/p' "$tmp/trace" | sort -u | tr '\n' ' ')
allowed_af=$(sed -n 's/^RestrictAddressFamilies=//p' "$UNIT")
bad=""
for f in $families; do
	case " $allowed_af " in *" $f "*) ;; *) bad="$bad $f" ;; esac
done
[ -z "$bad" ] && ok "socket families ($families) allowed" ||
    ko "socket families not in RestrictAddressFamilies:$bad"
summary
