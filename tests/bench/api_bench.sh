#!/bin/sh
# api_bench.sh: reports/s through the local API of a real reputed (loopback,
# temporary store, sync 1), each request answered after its commit: single
# reports from 1..64 clients (latency is the 100 ms batch window) and
# arrays of 256 and 4096 reports. Stops the daemon it starts by PID.
: "${BUILD:=build}"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/tests/lib/common.sh"
t_tmpdir apibench; tmp=$TMP
pid=""
t_on_exit() { stop_pids $pid; }
API_PORT=$(free_port)
cat >"$tmp/reputed.conf" <<CONF
server:
	directory: "$tmp/var"
	sync: 1
dns:
	listen: 127.0.0.1@$(free_port)
	threads: 1
api:
	listen: 127.0.0.1@$API_PORT
CONF
"$TOP/$BUILD/reputed" -d -c "$tmp/reputed.conf" >"$tmp/log" 2>&1 &
pid=$!
for i in $(seq 1 50); do
	curl -sf "http://127.0.0.1:$API_PORT/metrics" >/dev/null 2>&1 && break
	sleep 0.1
done
SECONDS_EACH=${API_BENCH_SECONDS:-5}
for c in "1 1" "16 1" "64 1" "4 256" "2 4096"; do
	python3 "$TOP/tests/bench/api_bench.py" 127.0.0.1 "$API_PORT" $c "$SECONDS_EACH" || exit 1
done
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E '^reputed_(batches_committed_total|commits_total|store_bytes) '
kill "$pid"; wait "$pid"; pid=""
