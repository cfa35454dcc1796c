/*
 * sim_test.c: the simulator's engine parts: the event queue (time order,
 * ties in push order), the PRNG (same seed, same stream; ranges), the link
 * model (latency kinds and their floor, bandwidth, in-order arrival, loss
 * as a retransmission delay) and the scenario parser (values, definitions,
 * file:line errors).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/evq.h"
#include "sim/link.h"
#include "sim/rng.h"
#include "sim/scen.h"

static void
test_evq_order_and_ties(void **state)
{
	struct evq q;
	struct event e;
	struct rng r;
	uint64_t last_at = 0, last_seq = 0;

	evq_init(&q);
	assert_false(evq_pop(&q, &e));
	/* ten events at the same time come out in push order */
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(evq_push(&q, 500, 1, i, 0, NULL), 0);
	assert_int_equal(evq_push(&q, 100, 2, 99, 0, NULL), 0);
	assert_true(evq_pop(&q, &e));
	assert_int_equal(e.at, 100);
	assert_int_equal(e.a, 99);
	for (uint32_t i = 0; i < 10; i++) {
		assert_true(evq_pop(&q, &e));
		assert_int_equal(e.at, 500);
		assert_int_equal(e.a, i);
	}
	assert_int_equal(evq_len(&q), 0);
	/* 10,000 random times: non-decreasing (at, seq) */
	rng_seed(&r, 42);
	for (int i = 0; i < 10000; i++)
		evq_push(&q, rng_below(&r, 1000), 0, 0, 0, NULL);
	for (int i = 0; i < 10000; i++) {
		assert_true(evq_pop(&q, &e));
		assert_true(e.at > last_at ||
		    (e.at == last_at && (i == 0 || e.seq > last_seq)));
		last_at = e.at;
		last_seq = e.seq;
	}
	assert_false(evq_pop(&q, &e));
	evq_free(&q);
}

static void
test_rng(void **state)
{
	struct rng a, b, c;
	double sum = 0;

	rng_seed(&a, 7);
	rng_seed(&b, 7);
	rng_seed(&c, 8);
	for (int i = 0; i < 100; i++)
		assert_int_equal(rng_next(&a), rng_next(&b));
	assert_true(rng_next(&a) != rng_next(&c));
	/* the reference xoshiro256** stream for this seed never changes */
	rng_seed(&a, 0);
	uint64_t first = rng_next(&a);
	rng_seed(&b, 0);
	assert_int_equal(rng_next(&b), first);
	for (int i = 0; i < 100000; i++) {
		assert_true(rng_below(&a, 10) < 10);
		double u = rng_unit(&a);
		assert_true(u >= 0 && u < 1);
		sum += u;
	}
	assert_true(sum / 100000 > 0.49 && sum / 100000 < 0.51);
	assert_int_equal(rng_below(&a, 0), 0);
	assert_int_equal(rng_below(&a, 1), 0);
}

static void
test_link_latency(void **state)
{
	struct link_model m;
	struct rng r;
	uint64_t v[2001];
	int n = 2001;

	rng_seed(&r, 1);
	link_model_default(&m);
	m.a_us = 5000;
	assert_int_equal(link_latency(&m, &r), 5000);
	m.kind = LAT_UNIFORM;
	m.a_us = 1000;
	m.b_us = 3000;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = link_latency(&m, &r);
		assert_true(x >= 1000 && x <= 3000);
	}
	/* lognormal: the median is the median */
	m.kind = LAT_LOGNORMAL;
	m.a_us = 20000;
	m.b_us = 0.5;
	for (int i = 0; i < n; i++)
		v[i] = link_latency(&m, &r);
	int below = 0;
	for (int i = 0; i < n; i++)
		below += v[i] < 20000;
	assert_true(below > n * 45 / 100 && below < n * 55 / 100);
	/* the floor, 4 sigma under the median: never below it, and a
	 * sigma wide enough to reach it does */
	assert_int_equal(link_floor(&m), 2707);	/* 20 ms * exp(-2) */
	m.b_us = 3;
	assert_int_equal(link_floor(&m), 0);	/* 20 ms * exp(-12) */
	m.a_us = 1e9;
	int at_floor = 0;
	for (int i = 0; i < 1000000; i++) {	/* 32 expected */
		uint64_t x = link_latency(&m, &r);
		assert_true(x >= link_floor(&m));
		at_floor += x == link_floor(&m);
	}
	assert_true(at_floor > 5 && at_floor < 80);
	m.kind = LAT_UNIFORM;
	m.a_us = 1000;
	assert_int_equal(link_floor(&m), 1000);
}

static void
test_link_bandwidth_order_loss(void **state)
{
	struct link_model m;
	struct link_dir d = { 0, 0 };
	struct rng r;
	uint64_t at1, at2;

	rng_seed(&r, 3);
	link_model_default(&m);
	m.a_us = 1000;
	m.bw_bps = 8e6; /* 1 byte per us */
	at1 = link_send(&m, &d, &r, 5000, 0);
	assert_int_equal(at1, 5000 + 1000);
	/* the second chunk waits for the first to be on the wire */
	at2 = link_send(&m, &d, &r, 1000, 10);
	assert_int_equal(at2, 5000 + 1000 + 1000);
	/* a shorter latency never overtakes: arrivals stay in order */
	m.kind = LAT_UNIFORM;
	m.a_us = 0;
	m.b_us = 100000;
	m.bw_bps = 0;
	uint64_t last = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t at = link_send(&m, &d, &r, 100, (uint64_t)i * 10);
		assert_true(at >= last);
		last = at;
	}
	/* loss 100 %: every chunk pays one retransmission timeout */
	struct link_dir d2 = { 0, 0 };
	link_model_default(&m);
	m.a_us = 1000;
	m.loss = 1;
	m.rto_us = 200000;
	assert_int_equal(link_send(&m, &d2, &r, 10, 0), 201000);
}

static const char good[] =
    "# a comment\n"
    "sim:\n"
    "\tname: t1\n"
    "\tdefine: N 7\n"
    "\tseed: 99\n"
    "\tduration: 2m\n"
    "\tsample: 250ms\n"
    "orgs:\n"
    "\tname: isp\n"
    "\tcount: ${N}\n"
    "\tnodes: 3\n"
    "\ttrust: 0.5\n"
    "orgs:\n"
    "\tname: bad\n"
    "\trole: colluder\n"
    "\tinnocents: 4\n"
    "\tfrom: 10s\n"
    "topology:\n"
    "\tkind: ring\n"
    "\tintra: full\n"
    "link:\n"
    "\tscope: inter\n"
    "\tlatency: lognormal 20ms 0.5   # median, sigma\n"
    "\tbandwidth: 100Mbit\n"
    "\tloss: 1%\n"
    "link:\n"
    "\tscope: intra\n"
    "\tlatency: uniform 500us 2ms\n"
    "policy:\n"
    "\tmin-origins: 3\n"
    "spam:\n"
    "\tname: \"s1\"\n"
    "\tcount: 10\n"
    "\tseen-by: 3\n"
    "\tsubject: prefix\n"
    "partition:\n"
    "\tfrom: 10s\n"
    "\tto: 20s\n"
    "\tsplit: 0.25\n"
    "check:\n"
    "\tlisted: s1 99%\n"
    "\tconverged: yes\n";

static int
parse(struct scenario *s, const char *text, char *err, size_t errlen)
{
	scen_default(s);
	return scen_parse(s, "t.conf", text, strlen(text), err, errlen);
}

static void
test_scen_good(void **state)
{
	struct scenario *s = malloc(sizeof(*s));
	char err[512];

	assert_int_equal(parse(s, good, err, sizeof(err)), 0);
	assert_string_equal(s->name, "t1");
	assert_int_equal(s->seed, 99);
	assert_int_equal(s->duration, 120000000);
	assert_int_equal(s->sample, 250000);
	assert_int_equal(s->n_groups, 2);
	assert_int_equal(s->groups[0].count, 7);
	assert_int_equal(s->groups[0].nodes, 3);
	assert_true(s->groups[0].trust == 0.5);
	assert_int_equal(s->groups[1].role, ROLE_COLLUDER);
	assert_int_equal(s->groups[1].start, 10000000);
	assert_int_equal(scen_orgs(s), 8);
	assert_int_equal(scen_nodes(s), 22);
	assert_int_equal(s->topo, TOPO_RING);
	assert_int_equal(s->intra, INTRA_FULL);
	assert_int_equal(s->inter.kind, LAT_LOGNORMAL);
	assert_true(s->inter.a_us == 20000 && s->inter.b_us == 0.5);
	assert_true(s->inter.bw_bps == 1e8 && s->inter.loss == 0.01);
	assert_int_equal(s->intra_link.kind, LAT_UNIFORM);
	assert_true(s->intra_link.a_us == 500 && s->intra_link.b_us == 2000);
	assert_int_equal(s->policy.min_orgs, 3);
	assert_string_equal(s->work[0].name, "s1");
	assert_int_equal(s->work[0].shape, SHAPE_PREFIX);
	assert_int_equal(s->faults[0].kind, FAULT_PARTITION);
	assert_true(s->faults[0].split == 0.25);
	assert_int_equal(s->n_checks, 2);
	assert_true(s->checks[0].value > 0.989 && s->checks[0].value < 0.991);
	/* -D wins over define: */
	scen_default(s);
	assert_int_equal(scen_define(s, "N=3", err, sizeof(err)), 0);
	assert_int_equal(scen_parse(s, "t.conf", good, strlen(good), err,
			     sizeof(err)),
	    0);
	assert_int_equal(s->groups[0].count, 3);
	free(s);
}

/* Each bad text and the error it must give (file:line: ...). */
static void
test_scen_errors(void **state)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "count: 3\n", "t.conf:1: 'count' before any clause" },
		{ "sim:\n\tspeed: 3\n", "t.conf:2: unknown keyword 'speed'" },
		{ "bogus:\n", "t.conf:1: expected one of sim, orgs" },
		{ "sim:\n\tduration: 10 s\n", "t.conf:2: duration: takes 1" },
		{ "sim:\n\tduration: 10parsecs\n",
		    "t.conf:2: expected a duration" },
		{ "sim:\n\tduration: 0s\n", "t.conf:2: a duration above 0" },
		{ "orgs:\n\tnodes: 0\n", "t.conf:2: an organisation has at "
					 "least 1 node" },
		{ "orgs:\n\trole: king\n", "t.conf:2: expected one of honest" },
		{ "orgs:\n\ttrust: 1.5\n", "t.conf:2: expected a number from "
					   "0 to 1" },
		{ "link:\n\tlatency: uniform 5ms\n", "t.conf:2: latency: "
						     "constant T" },
		{ "link:\n\tlatency: uniform 5ms 1ms\n", "t.conf:2: uniform: "
							 "MAX below MIN" },
		{ "link:\n\tbandwidth: fast\n", "t.conf:2: expected a "
						"bandwidth" },
		{ "sim:\n\tname: \"a b\n", "t.conf:2: unclosed quote" },
		{ "orgs:\n\tcount: ${K}\n", "t.conf:2: undefined ${K}" },
		{ "orgs:\n\tcount: 2\nspam:\n\tseen-by: 3\n",
		    "t.conf: workload work1: seen-by 3 but only 2 honest" },
		{ "check:\n\tlisted: nope 50%\n",
		    "t.conf:2: no workload named 'nope'" },
		{ "check:\n\tlisted: nope 150%\n",
		    "t.conf:2: expected a number from 0 to 100" },
		{ "sim:\n\tseed: -1\n", "t.conf:2: expected a number" },
		{ "sim:\n\tstore-map: 64G\n", "t.conf:2: expected a size" },
	};
	struct scenario *s = malloc(sizeof(*s));
	char err[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(s, bad[i].text, err, sizeof(err)), -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    bad[i].want);
	}
	/* a NUL byte is an error, not the end of the text */
	scen_default(s);
	assert_int_equal(scen_parse(s, "t.conf", "sim:\n\0x", 7, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "NUL"));
	assert_int_equal(scen_define(s, "noequals", err, sizeof(err)), -1);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evq_order_and_ties),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_link_latency),
		cmocka_unit_test(test_link_bandwidth_order_loss),
		cmocka_unit_test(test_scen_good),
		cmocka_unit_test(test_scen_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
