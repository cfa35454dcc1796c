/*
 * rng.h: the simulator's one pseudo-random generator, xoshiro256** seeded
 * through splitmix64, with the few distributions the link model and the
 * workload need. Deterministic on every platform for the integer draws;
 * the real-valued ones use libm (log, exp, sqrt, cos), deterministic on
 * one machine and build.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_RNG_H
#define REPUTED_SIM_RNG_H

#include <stdint.h>

struct rng {
	uint64_t s[4];
};

void rng_seed(struct rng *r, uint64_t seed);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n), without modulo bias; 0 when n is 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform in [0, 1). */
double rng_unit(struct rng *r);
/* Standard normal (Box-Muller, one value per call). */
double rng_normal(struct rng *r);
/* Exponential with the given mean. */
double rng_exp(struct rng *r, double mean);
/* A child generator: independent stream for a sub-part (keys, workload). */
void rng_fork(struct rng *parent, struct rng *child);

#endif
