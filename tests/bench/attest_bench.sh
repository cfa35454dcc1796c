#!/bin/sh
# Attested reports (docs/FEEDS.md, "Signed complaints"): attest_check per
# second beside a bare CMS_verify of the same signatures in the same run,
# a batch of 256 attested reports through store_apply beside 256 plain
# ones, and a rescore that verifies nothing again (attest_bench.c).
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
: "${BUILD:=build}"
bench="$BUILD/bench/attest_bench"
[ -x "$bench" ] || { echo "attest_bench: $bench not built"; exit 1; }
pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
$pin "$bench" -n "${ATTEST_BENCH_BATCHES:-20}"
