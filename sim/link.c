/*
 * link.c: latency draws, serialisation at the bandwidth, retransmission
 * on loss, in-order arrival.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <math.h>

#include "sim/link.h"

void
link_model_default(struct link_model *m)
{
	m->kind = LAT_CONSTANT;
	m->a_us = 1000;
	m->b_us = 0;
	m->bw_bps = 0;
	m->loss = 0;
	m->rto_us = 200000;
}

static double
lognormal_floor(const struct link_model *m)
{
	return m->a_us * exp(-4 * m->b_us);
}

uint64_t
link_floor(const struct link_model *m)
{
	double x = m->kind == LAT_LOGNORMAL ? lognormal_floor(m) : m->a_us;

	return x > 0 ? (uint64_t)llround(x) : 0;
}

uint64_t
link_latency(const struct link_model *m, struct rng *r)
{
	double x;

	switch (m->kind) {
	case LAT_UNIFORM:
		x = m->a_us + (m->b_us - m->a_us) * rng_unit(r);
		break;
	case LAT_LOGNORMAL:
		x = m->a_us * exp(m->b_us * rng_normal(r));
		if (x < lognormal_floor(m))
			x = lognormal_floor(m);
		break;
	default:
		x = m->a_us;
		break;
	}
	return x > 0 ? (uint64_t)llround(x) : 0;
}

uint64_t
link_send(const struct link_model *m, struct link_dir *d, struct rng *r,
    size_t len, uint64_t now)
{
	uint64_t start = now > d->busy_until ? now : d->busy_until, at;

	if (m->bw_bps > 0)
		d->busy_until = start +
		    (uint64_t)llround((double)len * 8e6 / m->bw_bps);
	else
		d->busy_until = start;
	at = d->busy_until + link_latency(m, r);
	if (m->loss > 0 && rng_unit(r) < m->loss)
		at += (uint64_t)m->rto_us;
	if (at < d->last_arrival)
		at = d->last_arrival;
	d->last_arrival = at;
	return at;
}
