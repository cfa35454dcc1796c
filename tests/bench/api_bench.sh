#!/bin/sh
# api_bench.sh: reports/s through the local API of a real reputed (loopback,
# temporary store, sync 1), each request answered after its commit: single
# reports from 1..64 clients (one client alone: the answer time of a lone
# report, sealed at once; it waited the 100 ms window before adaptive
# batching) and arrays of 256 and 4096 reports. At sync 1 every commit
# waits for the disk, so the disk's own fdatasync time is printed first.
# API_BENCH_SYNC sets the sync level (1); API_BENCH_CONF adds a server:
# line ("batch-idle: wait": the fixed window of before). Stops the daemon it
# starts by PID.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
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
	sync: ${API_BENCH_SYNC:-1}
	${API_BENCH_CONF:-}
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
python3 -c '
import os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
ts = []
for i in range(200):
    os.pwrite(fd, b"x" * 4096, (i % 16) * 4096)
    t = time.perf_counter()
    os.fdatasync(fd)
    ts.append((time.perf_counter() - t) * 1000)
ts.sort()
print("this disk: fdatasync of 4 kB p50 %.1f ms p99 %.1f ms" % (ts[100], ts[198]))
' "$tmp/fsync.probe"
SECONDS_EACH=${API_BENCH_SECONDS:-5}
for c in "1 1" "16 1" "64 1" "4 256" "2 4096"; do
	python3 "$TOP/tests/bench/api_bench.py" 127.0.0.1 "$API_PORT" $c "$SECONDS_EACH" || exit 1
done
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E '^reputed_(batches_committed_total|commits_total|store_bytes) '
kill "$pid"; wait "$pid"; pid=""
