# common.sh: what the test and bench scripts share (sourced, not run): one
# temporary directory, free loopback ports, counting checks, and stopping
# the servers a script started. Sourcing it installs the exit trap.
#
#   t_tmpdir NAME     makes /tmp/reputed-NAME.XXXXXX, sets $TMP to it; it is
#                     removed on exit (kept, and named, when KEEP_TMP is set)
#   free_port         a port free for both TCP and UDP on 127.0.0.1, never
#                     one this script was handed before
#   free_ports N      N such ports, space separated
#   ok [MSG]          one check passed ("ok   MSG" printed when MSG is given)
#   ko MSG            one check failed ("FAIL: MSG")
#   t_summary         prints "N passed, N failed"; true only if none failed
#   t_done            t_summary, then exits with its status
#   t_missing TOOL... prints what is missing and "0 passed, 1 failed" and
#                     exits 1 unless every TOOL is on the PATH
#   stop_pids PID...  SIGTERM to each, up to 2 s each to go, then SIGKILL
#   PIDS              the servers to stop on exit: PIDS="$PIDS $!"
#   t_on_exit         a function the script may define: runs first on exit
#   t_reputed CONF LOG PORT  starts $REPUTED -d -c CONF (output to LOG),
#                     adds it to PIDS and sets $pid; true once its API on
#                     127.0.0.1:PORT answers (within 5 s)
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
pass=0; fail=0
PIDS=""
TMP=""
T_PORTS=$(mktemp /tmp/reputed-ports.XXXXXX)

stop_pids() {
	for _p in "$@"; do kill "$_p" 2>/dev/null; done
	for _p in "$@"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$_p" 2>/dev/null || break; sleep 0.2
		done
		kill -9 "$_p" 2>/dev/null
	done
	return 0
}

t_exit() {
	_rc=$?
	command -v t_on_exit >/dev/null 2>&1 && t_on_exit
	stop_pids $PIDS
	if [ -n "$TMP" ]; then
		if [ -n "$KEEP_TMP" ]; then echo "kept: $TMP"; else rm -rf "$TMP"; fi
	fi
	rm -f "$T_PORTS"
	exit $_rc
}
trap t_exit EXIT
trap 'exit 1' INT TERM

t_tmpdir() {
	TMP=$(mktemp -d "/tmp/reputed-$1.XXXXXX") || exit 1
}

free_ports() {
	python3 - "$1" "$T_PORTS" <<'PY'
import socket, sys
n, log = int(sys.argv[1]), sys.argv[2]
used = set(open(log).read().split())
held, got = [], []
while len(got) < n:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p))
    except OSError:
        t.close(); u.close(); continue
    held += [t, u]
    if str(p) not in used:
        got.append(str(p))
open(log, "a").write(" ".join(got) + "\n")
print(" ".join(got))
PY
}
free_port() { free_ports 1; }

ok() {
	pass=$((pass + 1))
	[ -z "$1" ] || echo "ok   $1"
}
ko() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
t_summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}
t_done() {
	t_summary
	exit $?
}
t_missing() {
	for _t in "$@"; do
		command -v "$_t" >/dev/null 2>&1 && continue
		echo "$_t missing"; echo "0 passed, 1 failed"; exit 1
	done
}

t_reputed() {
	"$REPUTED" -d -c "$1" >>"$2" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	for _ in $(seq 1 50); do
		curl -sf "http://127.0.0.1:$3/metrics" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
