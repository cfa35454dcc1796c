/*
 * sim.h: reputesim's world. N nodes in one process on a virtual clock,
 * each running the daemon's cores: the gossip core (node/peer/gossip.c)
 * over its own LMDB store with the scoring model, the batcher
 * (node/batcher.c) woken on the virtual clock, and the DNS core
 * (node/dns/dns.c) answering the lookups that measure "listed". Only the
 * shells are replaced: the links are sim/link.c's model carrying the
 * sessions' bytes; there are no sockets and no wall clock. Deliveries
 * that cannot affect each other run on several threads (sim/par.c), with
 * the results of one.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_SIM_H
#define REPUTED_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/scen.h"

struct sim;

#define SIM_THREADS_MAX 16	/* -j's ceiling */

struct sim_opts {
	const char *store_root; /* where node stores go: default /dev/shm */
	bool progress;		/* a progress line on stderr */
	FILE *series;		/* JSON lines, one per sample; may be NULL */
	const char *replay;	/* the command that replays this run */
	int threads;		/* for deliveries (sim/par.c); the results
				 * are the same for any number; reputesim's
				 * default is one per core online */
};

struct sim *sim_new(const struct scenario *s, const struct sim_opts *o,
    char *err, size_t errlen);
/* Runs to the end of the scenario. -1 and err on an internal failure
 * (a store that cannot be opened, out of memory). */
int sim_run(struct sim *w, char *err, size_t errlen);
/* The summary as JSON (a jansson json_t *, the caller decrefs) and the
 * terminal table; the number of failed checks. */
void *sim_summary(struct sim *w);
void sim_table(struct sim *w, FILE *out);
int sim_checks(struct sim *w, FILE *out);
uint64_t sim_trace_hash(const struct sim *w);
void sim_free(struct sim *w);

/* The virtual clock's epoch (Unix ms at simulated time 0): a constant, so
 * runs never depend on the host's clock. */
#define SIM_EPOCH_MS 1800000000000ULL

#endif
