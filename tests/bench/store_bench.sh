#!/bin/sh
# The foundation's measures (issue 2): ingest, 1-report batches against the
# Ed25519 verify rate of `openssl speed`, queries on a 1.2M-subject store,
# rescore. Pinned to one core. STORE_BENCH_ARGS passes options through to
# store_bench (e.g. "-r 1000000" for a shorter rescore, "-p ingest,single,query"
# to skip it).
: "${BUILD:=build}"
bin="$BUILD/bench/store_bench"
[ -x "$bin" ] || { echo "store_bench: $bin not built"; exit 1; }
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
verify=$($pin openssl speed -seconds 3 ed25519 2>/dev/null |
	awk '/\(Ed25519\)/ { print $NF }')
[ -n "$verify" ] || verify=0
echo "openssl: $(openssl version)"
# shellcheck disable=SC2086
$pin "$bin" -v "$verify" $STORE_BENCH_ARGS
