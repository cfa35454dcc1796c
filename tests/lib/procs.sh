# procs.sh: sourced by test scripts that start servers.
#
# stop_pids PID...: SIGTERM to each, up to 2 s for each to go, then
# SIGKILL to any still there. Every server a test starts is stopped this
# way, by the PID it was started with.
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
