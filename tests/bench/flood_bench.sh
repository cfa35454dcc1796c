#!/bin/sh
# The flood block's cost at the node that applies it (flood_bench.c):
# FLOOD_BENCH_ARGS passes options, e.g. "-q 3600000" for the default
# quota (39.6M reports, several minutes to build).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bin="$BUILD/bench/flood_bench"
[ -x "$bin" ] || { echo "flood_bench: $bin not built"; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$bin" ${FLOOD_BENCH_ARGS:--q 1000000}
