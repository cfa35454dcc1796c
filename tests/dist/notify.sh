#!/bin/sh
# notify.sh: reputed's readiness protocol as systemd's Type=notify sees it.
# A python3 listener plays the service manager on a datagram socket named
# by NOTIFY_SOCKET (a path, then an abstract '@' name); reputed -d must
# send READY=1 once it answers on its API, RELOADING=1 (with
# MONOTONIC_USEC) then READY=1 around a SIGHUP, STOPPING=1 on SIGTERM, in
# that order. A NOTIFY_SOCKET nobody listens on is logged and changes
# nothing else. Every daemon is stopped by PID. Prints "N passed, N failed".
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
BUILD=${BUILD:-build}
TOP=$(cd "$(dirname "$0")/../.." && pwd)
REPUTED=$TOP/$BUILD/reputed
. "$TOP/tests/lib/common.sh"
t_missing python3 curl
t_tmpdir notify
tmp=$TMP
API_PORT=$(free_port)
cat >"$tmp/reputed.conf" <<CONF
server:
	directory: "$tmp/var"
api:
	listen: 127.0.0.1@$API_PORT
CONF

# listen ADDR OUT: the service manager's end; one line per datagram
# (newlines as spaces) until STOPPING=1 or 60 s.
listen() {
	python3 - "$1" "$2" <<'PY' &
import socket, sys, time
addr, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(out + ".up", "w").close()
s.settimeout(1)
end = time.time() + 60
with open(out, "w", buffering=1) as f:
    while time.time() < end:
        try:
            m = s.recv(4096).decode()
        except socket.timeout:
            continue
        f.write(m.replace("\n", " ") + "\n")
        if "STOPPING=1" in m:
            break
PY
	lpid=$!
	PIDS="$PIDS $lpid"
	for _ in $(seq 50); do [ -e "$2.up" ] && break; sleep 0.1; done
}

# wait_for FILE PATTERN: up to 10 s for a line matching PATTERN
wait_for() {
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1
	done
	return 1
}

run() { # NOTIFY_SOCKET value, label
	out=$tmp/msgs.$2
	listen "$1" "$out"
	NOTIFY_SOCKET=$1 "$REPUTED" -d -c "$tmp/reputed.conf" \
	    >"$tmp/log.$2" 2>&1 &
	dpid=$!
	PIDS="$PIDS $dpid"
	if wait_for "$out" '^READY=1'; then ok "$2: READY=1"; else
		ko "$2: no READY=1"; cat "$tmp/log.$2"; return
	fi
	curl -sf "http://127.0.0.1:$API_PORT/metrics" >/dev/null &&
	    ok "$2: serving when READY=1 came" || ko "$2: API not up at READY=1"
	kill -HUP "$dpid"
	for _ in $(seq 100); do
		[ "$(grep -c '^READY=1' "$out")" -ge 2 ] && break; sleep 0.1
	done
	if [ "$(grep -c '^READY=1' "$out")" -ge 2 ]; then
		ok "$2: READY=1 after the reload"
	else
		ko "$2: no READY=1 after SIGHUP"
	fi
	grep -q '^RELOADING=1 MONOTONIC_USEC=[0-9][0-9]*$' "$out" &&
	    ok "$2: RELOADING=1 with MONOTONIC_USEC" || ko "$2: no RELOADING=1"
	kill -TERM "$dpid"
	wait_for "$out" '^STOPPING=1' && ok "$2: STOPPING=1" ||
	    ko "$2: no STOPPING=1"
	wait "$dpid"; rc=$?
	[ "$rc" = 0 ] && ok "$2: exit 0" || ko "$2: exit $rc"
	wait "$lpid"
	seq=$(cut -d' ' -f1 "$out" | tr '\n' ' ')
	[ "$seq" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] &&
	    ok "$2: in order" || ko "$2: order: $seq"
}
run "$tmp/notify" path
run "@reputed-notify-test-$$" abstract

# Nobody listening: logged once, the daemon serves all the same.
NOTIFY_SOCKET=$tmp/nobody "$REPUTED" -d -c "$tmp/reputed.conf" \
    >"$tmp/log.nobody" 2>&1 &
dpid=$!; PIDS="$PIDS $dpid"
for _ in $(seq 100); do
	curl -sf "http://127.0.0.1:$API_PORT/metrics" >/dev/null && break
	sleep 0.1
done
curl -sf "http://127.0.0.1:$API_PORT/metrics" >/dev/null &&
    ok "no listener: serves" || ko "no listener: not serving"
kill -HUP "$dpid"; sleep 0.5
[ "$(grep -c NOTIFY_SOCKET "$tmp/log.nobody")" = 1 ] &&
    ok "no listener: logged once" || ko "no listener: $(grep -c NOTIFY_SOCKET "$tmp/log.nobody") log lines"
kill -TERM "$dpid"; wait "$dpid"; rc=$?
[ "$rc" = 0 ] && ok "no listener: exit 0" || ko "no listener: exit $rc"
t_done
