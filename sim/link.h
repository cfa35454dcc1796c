/*
 * link.h: the link model of the simulated network. A link is a TCP-like
 * byte stream in each direction: bytes arrive in order, after a one-way
 * latency drawn from a distribution, a serialisation delay at the link's
 * bandwidth (a direction sends one chunk at a time), and, with probability
 * `loss` per chunk, a retransmission delay (TCP recovers a lost segment
 * after about one retransmission timeout; the stream never loses bytes).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_LINK_H
#define REPUTED_SIM_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "sim/rng.h"

enum latency_kind { LAT_CONSTANT, LAT_UNIFORM, LAT_LOGNORMAL };

struct link_model {
	enum latency_kind kind;
	double a_us;	  /* constant: the value; uniform: min; lognormal:
			   * median */
	double b_us;	  /* uniform: max; lognormal: sigma (of ln) */
	double bw_bps;	  /* bits per second; 0 = unlimited */
	double loss;	  /* per chunk, 0..1 */
	double rto_us;	  /* retransmission timeout added per loss */
};

void link_model_default(struct link_model *m);
/* One latency draw, microseconds (>= link_floor). A lognormal draw is
 * never below the median * exp(-4 sigma) (3 draws in 100,000 would be):
 * a real path has a least delay, and the simulator's parallel
 * deliveries need one (sim/par.c). */
uint64_t link_latency(const struct link_model *m, struct rng *r);
/* The least latency the model ever draws, microseconds. */
uint64_t link_floor(const struct link_model *m);
/* One direction of a link: when it is free to send again and when its
 * last chunk arrives (arrivals never overtake each other). */
struct link_dir {
	uint64_t busy_until, last_arrival;
};
/* A chunk of len bytes handed to the link at now: its arrival time. */
uint64_t link_send(const struct link_model *m, struct link_dir *d,
    struct rng *r, size_t len, uint64_t now);

#endif
