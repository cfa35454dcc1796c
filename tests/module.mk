# tests/: unit tests, fuzz targets, scripts, benchmarks of the foundation.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC

# Fuzz targets (tests/fuzz/make_seeds.c writes their seed corpora).
FUZZERS += tests/fuzz/frame_fuzz.c tests/fuzz/envelope_fuzz.c tests/fuzz/dnswire_fuzz.c \
	tests/fuzz/subject_fuzz.c tests/fuzz/batch_fuzz.c

# Helpers of the unit tests and benchmarks: temporary directories, keys,
# stores, sealed batches (tests/lib/testlib.h).
TESTLIB_SRCS += tests/lib/testlib.c

# Unit tests of the foundation.
UNIT_TESTS += tests/unit/crash_test.c

# Benchmarks (make bench): the foundation's measures.
BENCH_SRCS += tests/bench/store_bench.c tests/bench/flood_bench.c
BENCH_SCRIPTS += tests/bench/store_bench.sh tests/bench/import_bench.sh \
	tests/bench/flood_bench.sh

# The cores the simulator links build without libevent (docs/ARCHITECTURE.md).
TEST_SCRIPTS += tests/integration/cores_standalone.sh
# Retention under steady load on a virtual clock (issue 12).
BENCH_SRCS += tests/bench/soak_bench.c
BENCH_SCRIPTS += tests/bench/soak_bench.sh
