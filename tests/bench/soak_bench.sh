#!/bin/sh
# Retention soak (issue 12): 30 simulated days, 10.5M reports, TTLs 1-7
# days, on a virtual clock (tests/bench/soak_bench.c). SOAK_ARGS passes
# options, e.g. "-d 10 -r 100000" for a short run, "-c 1" to check
# against a rescore every day.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bin="$BUILD/bench/soak_bench"
[ -x "$bin" ] || { echo "soak_bench: $bin not built"; exit 1; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# shellcheck disable=SC2086
"$bin" $SOAK_ARGS
status=$?
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
