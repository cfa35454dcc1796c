/*
 * score_test.c: when a listing and an allow-listing end. score_compute
 * finds the end to one second (state_end: doubling, then regula falsi with
 * bisection steps); these tests compute the state second by second, from
 * the model's definition written out again here, and check that the true
 * end lies in the last second before the one score_compute gives.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "reputation/reputation.h"

#define T0 1800000000000ULL	/* ms */
#define SPAM REPUTED__CATEGORY__CATEGORY_SPAM
#define GOOD REPUTED__CATEGORY__CATEGORY_NOT_SPAM

/* One organisation per origin, one category each: the model by hand. */
static double
weight_at(const struct evidence *e, unsigned k, uint64_t t,
    const struct policy *p)
{
	if (t >= e->expires_at || e->weight[k] == 0)
		return 0;
	if (t <= e->as_of)
		return e->weight[k];
	return e->weight[k] * exp2(-(double)(t - e->as_of) /
	    (1000.0 * p->half_life_s[k]));
}

static bool
state_at(const struct evidence *ev, size_t n, const struct policy *p,
    uint64_t t, bool want_listed)
{
	double bad = 0, good = 0;
	unsigned orgs = 0;

	for (size_t i = 0; i < n; i++) {
		double b = weight_at(&ev[i], SPAM, t, p);
		double g = weight_at(&ev[i], GOOD, t, p);
		b = b < p->cap_per_org ? b : p->cap_per_org;
		g = g < p->cap_per_org ? g : p->cap_per_org;
		bad += b;
		good += g;
		orgs += b > 0 && b >= p->min_origin_weight;
	}
	double score = (p->prior_bad + bad) /
	    (p->prior_bad + p->prior_good + bad + good);
	if (want_listed)
		return score >= p->list_threshold && orgs >= p->min_orgs;
	return score <= p->allow_threshold && good >= p->allow_min_weight;
}

/* The first whole second after t0 at which the state no longer holds. */
static uint64_t
true_end(const struct evidence *ev, size_t n, const struct policy *p,
    uint64_t t0, uint64_t horizon, bool want_listed)
{
	for (uint64_t t = t0; t < horizon; t += 1000)
		if (!state_at(ev, n, p, t, want_listed))
			return t;
	return horizon;
}

/* monotone: the state once lost never comes back (evidence of one
 * kind, which only decays and expires); otherwise only the end's own
 * second is checked (docs/MODEL.md: the end assumes it does not come
 * back without new evidence). */
static void
check_end(const struct evidence *ev, size_t n, const struct policy *p,
    bool want_listed, bool monotone)
{
	struct origin_evidence oe[16];
	struct listing l;
	uint64_t t0 = 0, horizon = 0;

	for (size_t i = 0; i < n; i++) {
		oe[i] = (struct origin_evidence){ &ev[i], 1.0, NULL };
		t0 = ev[i].as_of > t0 ? ev[i].as_of : t0;
		horizon = ev[i].expires_at > horizon ? ev[i].expires_at :
		    horizon;
	}
	score_compute(oe, n, p, &l);
	uint64_t got = want_listed ? l.listed_until : l.allowed_until;
	if (!state_at(ev, n, p, t0, want_listed)) {
		assert_int_equal(got, 0);
		return;
	}
	/* score_compute's end: the state is gone at it, and held a second
	 * before; the first whole second without it is within that second */
	if (got != horizon) {
		assert_false(state_at(ev, n, p, got, want_listed));
		assert_true(state_at(ev, n, p, got - 1000, want_listed));
	}
	if (monotone) {
		uint64_t want = true_end(ev, n, p, t0, horizon, want_listed);
		assert_true(want + 1000 > got && got + 1000 > want);
	}
}

static struct evidence
spam(double w, uint64_t as_of, uint64_t ttl_days)
{
	struct evidence e;

	memset(&e, 0, sizeof(e));
	e.as_of = e.first_seen = e.last_seen = as_of;
	e.expires_at = as_of + ttl_days * 86400000ULL;
	e.first_expiry = e.expires_at;
	e.n_reports = 1;
	e.weight[SPAM] = (float)w;
	return e;
}

/* The score decides: three organisations at 1 stay listed for one
 * half-life (2 days), the score falling to 0.8. */
static void
test_end_by_score(void **state)
{
	struct policy p;
	struct evidence ev[3] = { spam(1, T0, 7), spam(1, T0, 7),
		spam(1, T0, 7) };

	policy_default(&p);
	check_end(ev, 3, &p, true, true);
}

/* The quorum decides: the second organisation's weight falls under
 * min_origin_weight long before the score would end it. */
static void
test_end_by_quorum(void **state)
{
	struct policy p;
	struct evidence ev[2] = { spam(4, T0, 7), spam(0.3f, T0 - 3600000,
		7) };

	policy_default(&p);
	check_end(ev, 2, &p, true, true);
}

/* An expiry decides: the margin jumps when the second organisation's
 * reports expire. */
static void
test_end_by_expiry(void **state)
{
	struct policy p;
	struct evidence ev[2] = { spam(4, T0, 7), spam(4, T0, 1) };

	policy_default(&p);
	check_end(ev, 2, &p, true, true);
}

/* Random evidence: weights, ages, expiries and policies; spam only,
 * not-spam only (each state then ends once) and mixed. */
static void
test_end_random(void **state)
{
	struct policy p;
	struct evidence ev[6];

	srand(7);
	for (int c = 0; c < 300; c++) {
		size_t n = 1 + (size_t)(rand() % 6);
		int kind = c % 3;	/* 0 spam, 1 not-spam, 2 mixed */
		policy_default(&p);
		p.min_orgs = (unsigned)(rand() % 4);
		p.list_threshold = 0.55 + (rand() % 40) / 100.0;
		for (size_t i = 0; i < n; i++) {
			double w = (rand() % 500) / 100.0;
			uint64_t age = (uint64_t)(rand() % 48) * 3600000;
			ev[i] = spam(w, T0 - age, 1 + (uint64_t)(rand() % 7));
			if (kind == 1 || (kind == 2 && rand() % 3 == 0)) {
				ev[i].weight[GOOD] = ev[i].weight[SPAM];
				ev[i].weight[SPAM] = 0;
			}
		}
		check_end(ev, n, &p, true, kind == 0);
		check_end(ev, n, &p, false, kind == 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_by_score),
		cmocka_unit_test(test_end_by_quorum),
		cmocka_unit_test(test_end_by_expiry),
		cmocka_unit_test(test_end_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
