# reputed: plain make. Each top-level folder adds its sources in module.mk:
#   CORE_SRCS   library code linked into every program (libreputed.a)
#   CTL_SRCS    extra sources of reputectl      DAEMON_SRCS  of reputed
#   UNIT_TESTS  tests/unit/*_test.c, each a cmocka program
#   TESTLIB_SRCS  helpers linked into every unit test and benchmark
#   TEST_SCRIPTS  scripts run by `make test` after the unit tests
#   FUZZERS     tests/fuzz/*_fuzz.c, each with tests/fuzz/corpus/<name>/
#   BENCH_SRCS / BENCH_SCRIPTS   `make bench`
#   DEB_PKGS    Debian packages the module needs (make deps installs them)
# Build products go to $(BUILD) (default build/), so parallel checkouts or
# sanitizer builds never mix objects.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC

.DEFAULT_GOAL := all

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
CC	?= cc
PKGS	= libevent libevent_openssl openssl libprotobuf-c lmdb libunbound jansson yaml-0.1
WARN	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	  -Wno-unused-parameter
OPT	?= -O2 -g
CFLAGS	?= $(OPT)
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) -I. -I$(BUILD) \
	  $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

DEB_PKGS = build-essential pkg-config libevent-dev libssl-dev libprotobuf-c-dev \
	protobuf-c-compiler liblmdb-dev lmdb-utils libunbound-dev libcmocka-dev \
	libjansson-dev libyaml-dev clang python3 dnsutils knot-dnsutils

CORE_SRCS =
CTL_SRCS =
DAEMON_SRCS =
SIM_SRCS =
UNIT_TESTS =
TESTLIB_SRCS =
TEST_SCRIPTS =
FUZZERS =
BENCH_SRCS =
BENCH_SCRIPTS =
PROTO_GEN =

include proto/module.mk
include reputation/module.mk
include feeds/module.mk
include node/module.mk
include sim/module.mk
include tests/module.mk
include dist/module.mk

CORE_OBJS   = $(patsubst %.c,$(BUILD)/%.o,$(PROTO_GEN) $(CORE_SRCS))
CTL_OBJS    = $(patsubst %.c,$(BUILD)/%.o,$(CTL_SRCS))
DAEMON_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(DAEMON_SRCS))
SIM_OBJS    = $(patsubst %.c,$(BUILD)/%.o,$(SIM_SRCS))
TESTLIB_OBJS = $(patsubst %.c,$(BUILD)/%.o,$(TESTLIB_SRCS))
.SECONDARY: $(TESTLIB_OBJS)	# kept: make would delete them as intermediate
TEST_BINS   = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_TESTS))
BENCH_BINS  = $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRCS))
REPLAY_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/replay/%,$(FUZZERS))
FUZZ_BINS   = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZERS))
PROGRAMS    = $(BUILD)/reputed $(BUILD)/reputectl $(if $(SIM_SRCS),$(BUILD)/reputesim)

.PHONY: all run test check asan fuzz bench sim install clean deps tests
all: $(PROGRAMS)

deps:
	@sh .ci/deps.sh $(DEB_PKGS)

$(BUILD)/libreputed.a: $(CORE_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/%.o: %.c $(addprefix $(BUILD)/,$(PROTO_GEN:.c=.h))
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/reputed: $(DAEMON_OBJS) $(BUILD)/libreputed.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(DAEMON_OBJS) $(BUILD)/libreputed.a $(LIBS)
$(BUILD)/reputectl: $(CTL_OBJS) $(BUILD)/libreputed.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(CTL_OBJS) $(BUILD)/libreputed.a $(LIBS)
$(BUILD)/reputesim: $(SIM_OBJS) $(BUILD)/libreputed.a
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(SIM_OBJS) $(BUILD)/libreputed.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB_OBJS) $(BUILD)/libreputed.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(TESTLIB_OBJS) $(BUILD)/libreputed.a $(LIBS) $(TEST_LIBS)
$(BUILD)/bench/%: tests/bench/%.c $(TESTLIB_OBJS) $(BUILD)/libreputed.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(TESTLIB_OBJS) $(BUILD)/libreputed.a $(LIBS)
# Corpus replay: the fuzz target with a plain main(), built by the normal
# compiler, so `make test` replays every corpus without libFuzzer. The
# target comes last so that -MMD records its headers.
$(BUILD)/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(BUILD)/libreputed.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -o $@ tests/fuzz/replay_main.c $< $(BUILD)/libreputed.a $(LIBS)

tests: $(PROGRAMS) $(TEST_BINS) $(REPLAY_BINS)

# The one command: install what is missing, build, run every test.
test: deps
	@$(MAKE) --no-print-directory tests
	@BUILD=$(BUILD) sh tests/run.sh $(TEST_BINS) -- $(REPLAY_BINS) -- $(TEST_SCRIPTS)
check: test

run: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh tests/tour.sh

# AddressSanitizer + UndefinedBehaviorSanitizer build of everything, tests run
# (all but the valgrind scripts: valgrind cannot run sanitized programs).
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  tests
	@BUILD=build-asan ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  sh tests/run.sh $(patsubst $(BUILD)/%,build-asan/%,$(TEST_BINS)) -- \
	  $(patsubst $(BUILD)/%,build-asan/%,$(REPLAY_BINS)) -- \
	  $(filter-out %valgrind.sh,$(TEST_SCRIPTS))

# libFuzzer: FUZZ_SECONDS per target (default 60).
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	  $(patsubst $(BUILD)/%,build-fuzz/%,$(FUZZ_BINS))
	@failed=""; for f in $(notdir $(FUZZ_BINS)); do \
	  mkdir -p build-fuzz/corpus/$$f build-fuzz/crashes/$$f; \
	  echo "== fuzz $$f ($(FUZZ_SECONDS)s)"; \
	  build-fuzz/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -artifact_prefix=build-fuzz/crashes/$$f/ \
	    build-fuzz/corpus/$$f tests/fuzz/corpus/$$f || failed="$$failed $$f"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (inputs in build-fuzz/crashes/)"; exit 1; fi
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/libreputed.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -fsanitize=fuzzer -o $@ $< $(BUILD)/libreputed.a $(LIBS)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@BUILD=$(BUILD) sh tests/bench/run.sh $(BENCH_SCRIPTS)

# reputesim's scenarios, one run each, and their table (sim/run.sh).
sim: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) sh sim/run.sh

install: $(BUILD)/reputed $(BUILD)/reputectl
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/reputed $(DESTDIR)$(PREFIX)/sbin/reputed
	install -m 755 $(BUILD)/reputectl $(DESTDIR)$(PREFIX)/bin/reputectl

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
