# sim/: reputesim, the deterministic network simulator (docs/SIM.md).
# The engine's parts that tests link (event queue, PRNG, link model, the
# virtual network, the scenario parser) go into libreputed.a; the world,
# its outputs and the command line are SIM_SRCS.
# Copyright (c) 2026 The reputed authors
# SPDX-License-Identifier: ISC
CORE_SRCS += sim/rng.c sim/evq.c sim/link.c sim/vnet.c sim/scen.c
SIM_SRCS += sim/main.c sim/sim.c sim/sim_setup.c sim/sim_out.c sim/simout.c \
    sim/par.c
# The commit a run names (its JSON, its replay line): the two objects
# that print it are rebuilt when HEAD moves (the stamp changes only then).
SIM_COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
$(BUILD)/sim/sim_out.o $(BUILD)/sim/simout.o: ALL_CFLAGS += -DSIM_COMMIT=\"$(SIM_COMMIT)\"
$(BUILD)/sim/sim_out.o $(BUILD)/sim/simout.o: $(BUILD)/sim/commit.stamp
$(BUILD)/sim/commit.stamp: sim-commit-check
	@:
.PHONY: sim-commit-check
sim-commit-check:
	@mkdir -p $(BUILD)/sim
	@echo '$(SIM_COMMIT)' | cmp -s - $(BUILD)/sim/commit.stamp || \
	    echo '$(SIM_COMMIT)' > $(BUILD)/sim/commit.stamp
DEB_PKGS += gnuplot-nox parallel
UNIT_TESTS += tests/unit/sim_test.c
FUZZERS += tests/fuzz/scen_fuzz.c
TEST_SCRIPTS += tests/integration/sim_small.sh
BENCH_SCRIPTS += tests/bench/sim_bench.sh
