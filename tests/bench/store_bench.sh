#!/bin/sh
# The foundation's measures (issue 2): ingest, 1-report batches against the
# Ed25519 verify rate of `openssl speed`, queries on a 1.2M-subject store,
# rescore. store_bench is single-threaded (one core); it prints each rate
# per wall second and per CPU second. openssl speed divides by CPU time
# too, so the ratio on CPU time is the like-for-like one.
# STORE_BENCH_ARGS passes options to store_bench, e.g. "-r 1000000" for a
# shorter rescore or "-p ingest,single,query" to skip it.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bin="$BUILD/bench/store_bench"
[ -x "$bin" ] || { echo "store_bench: $bin not built"; exit 1; }
verify=$(openssl speed -seconds 3 ed25519 2>/dev/null |
	awk '/\(Ed25519\)/ { print $NF }')
[ -n "$verify" ] || verify=0
echo "openssl: $(openssl version); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$bin" -v "$verify" $STORE_BENCH_ARGS
status=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
