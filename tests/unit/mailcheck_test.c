/*
 * mailcheck_test.c: unit tests of node/mailcheck.c over the in-memory
 * resolver (feeds/resolver_mem.c), and over a resolver that holds its
 * queries until the test answers them (to see the in-flight bound, the
 * queue and cancellation).
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

#include "feeds/feeds.h"
#include "node/mailcheck.h"

#define NC	REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED
#define PASS	REPUTED__AUTH_RESULT__AUTH_PASS
#define FAIL	REPUTED__AUTH_RESULT__AUTH_FAIL
#define SOFT	REPUTED__AUTH_RESULT__AUTH_SOFTFAIL
#define NEUT	REPUTED__AUTH_RESULT__AUTH_NEUTRAL
#define NONE	REPUTED__AUTH_RESULT__AUTH_NONE
#define TEMP	REPUTED__AUTH_RESULT__AUTH_TEMPERROR

/* A report with mail evidence; strings borrowed. */
struct trep {
	Reputed__Report r;
	Reputed__MailEvidence m;
	uint8_t ip[4];
};

static void
trep_init(struct trep *t, const uint8_t ip[4], const char *from,
    const char *helo, const char *pra)
{
	reputed__report__init(&t->r);
	reputed__mail_evidence__init(&t->m);
	memcpy(t->ip, ip, 4);
	t->m.client_ip.data = t->ip;
	t->m.client_ip.len = 4;
	t->m.mail_from = (char *)(from ? from : "");
	t->m.helo = (char *)(helo ? helo : "");
	t->m.pra = (char *)(pra ? pra : "");
	t->r.mail = &t->m;
	t->r.observed_at = 1700000000000ull;
}

static const uint8_t good_ip[4] = { 192, 0, 2, 1 };
static const uint8_t bad_ip[4] = { 198, 51, 100, 7 };

static void
txt(struct resolver *z, const char *name, const char *rec)
{
	assert_int_equal(resolver_mem_add(z, name, DNS_T_TXT, rec, strlen(rec),
	    0), 0);
}

static struct resolver *
zone(void)
{
	struct resolver *z = resolver_mem_new();

	assert_non_null(z);
	txt(z, "example.com", "v=spf1 ip4:192.0.2.0/24 -all");
	txt(z, "mx.example.com", "v=spf1 ip4:192.0.2.1 -all");
	txt(z, "soft.example", "v=spf1 ~all");
	txt(z, "neutral.example", "v=spf1 ?all");
	resolver_mem_touch(z, "bare.example");
	txt(z, "pra.example", "spf2.0/pra ip4:192.0.2.1 -all");
	txt(z, "pra.example", "v=spf1 -all");
	resolver_mem_add_timeout(z, "slow.example");
	return z;
}

struct done_state {
	int calls;
	enum mailcheck_status status;
};

static void
done_cb(void *arg, enum mailcheck_status status)
{
	struct done_state *d = arg;

	d->calls++;
	d->status = status;
}

static void
run(struct mailcheck *mc, struct trep *t, size_t n, struct done_state *d)
{
	Reputed__Report *ptrs[16];
	char err[128];

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &t[i].r;
	assert_int_equal(mailcheck_run(mc, ptrs, n, done_cb, d, err,
	    sizeof(err)), 0);
}

/* Every identity evaluated: pass for the authorised IP, fail for a
 * forger, and the others as published. */
static void
test_results(void **state)
{
	struct mailcheck *mc = mailcheck_new_resolver(zone(), 0, 0);
	struct done_state d = { 0 };
	struct mailcheck_stats s;
	struct trep t[5];

	trep_init(&t[0], good_ip, "user@example.com", "mx.example.com",
	    "boss@pra.example");
	trep_init(&t[1], bad_ip, "user@example.com", "mx.example.com",
	    "boss@pra.example");
	trep_init(&t[2], bad_ip, "a@soft.example", NULL, NULL);
	trep_init(&t[3], bad_ip, "<a@neutral.example>", "bare.example", NULL);
	trep_init(&t[4], bad_ip, "a@slow.example", NULL, NULL);
	run(mc, t, 5, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, MAILCHECK_DONE);
	assert_int_equal(t[0].m.spf_mail_from, PASS);
	assert_int_equal(t[0].m.spf_helo, PASS);
	assert_int_equal(t[0].m.sender_id_pra, PASS);
	assert_int_equal(t[1].m.spf_mail_from, FAIL);
	assert_int_equal(t[1].m.spf_helo, FAIL);
	assert_int_equal(t[1].m.sender_id_pra, FAIL);
	assert_int_equal(t[2].m.spf_mail_from, SOFT);
	assert_int_equal(t[2].m.spf_helo, NC);		/* no HELO given */
	assert_int_equal(t[2].m.sender_id_pra, NC);	/* no PRA given */
	assert_int_equal(t[3].m.spf_mail_from, NEUT);	/* <> stripped */
	assert_int_equal(t[3].m.spf_helo, NONE);
	assert_int_equal(t[4].m.spf_mail_from, TEMP);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.reports, 5);
	assert_int_equal(s.results[SPF_PASS], 3);
	assert_int_equal(s.results[SPF_FAIL], 3);
	assert_int_equal(s.inflight, 0);
	assert_int_equal(s.queued, 0);
	mailcheck_free(mc);
}

/* What the submitter gave is kept; only what is missing is asked. */
static void
test_given_kept(void **state)
{
	struct mailcheck *mc = mailcheck_new_resolver(zone(), 0, 0);
	struct done_state d = { 0 };
	struct trep t[1];

	trep_init(&t[0], bad_ip, "user@example.com", "mx.example.com",
	    "boss@pra.example");
	t[0].m.spf_mail_from = PASS;		/* a reporter's own verdict */
	t[0].m.sender_id_pra = REPUTED__AUTH_RESULT__AUTH_PERMERROR;
	assert_int_equal(mailcheck_needed(&t[0].r), 1);
	run(mc, t, 1, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(t[0].m.spf_mail_from, PASS);
	assert_int_equal(t[0].m.spf_helo, FAIL);
	assert_int_equal(t[0].m.sender_id_pra,
	    REPUTED__AUTH_RESULT__AUTH_PERMERROR);
	mailcheck_free(mc);
}

/* A null sender: MAIL FROM is postmaster@HELO (RFC 7208 2.4), so one
 * HELO evaluation answers both. */
static void
test_null_sender(void **state)
{
	struct resolver *z = zone();
	struct mailcheck *mc = mailcheck_new_resolver(z, 0, 0);
	struct done_state d = { 0 };
	struct trep t[2];

	trep_init(&t[0], good_ip, "", "mx.example.com", NULL);
	trep_init(&t[1], bad_ip, "<>", "mx.example.com", NULL);
	assert_int_equal(mailcheck_needed(&t[0].r), 1);
	assert_int_equal(mailcheck_needed(&t[1].r), 1);
	run(mc, t, 2, &d);
	assert_int_equal(resolver_mem_queries(z), 2);
	assert_int_equal(t[0].m.spf_mail_from, PASS);
	assert_int_equal(t[0].m.spf_helo, PASS);
	assert_int_equal(t[1].m.spf_mail_from, FAIL);
	assert_int_equal(t[1].m.spf_helo, FAIL);
	mailcheck_free(mc);
}

/* Nothing to evaluate: done at once, nothing asked. */
static void
test_nothing(void **state)
{
	struct resolver *z = zone();
	struct mailcheck *mc = mailcheck_new_resolver(z, 0, 0);
	struct done_state d = { 0 };
	struct trep t[3];

	trep_init(&t[0], good_ip, "user@example.com", NULL, NULL);
	t[0].m.client_ip.len = 0;		/* no client IP */
	trep_init(&t[1], good_ip, NULL, NULL, NULL);	/* no identity */
	trep_init(&t[2], good_ip, "user@example.com", NULL, NULL);
	t[2].r.mail = NULL;			/* no mail evidence */
	for (int i = 0; i < 3; i++)
		assert_int_equal(mailcheck_needed(&t[i].r), 0);
	run(mc, t, 3, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(resolver_mem_queries(z), 0);
	assert_int_equal(t[1].m.spf_mail_from, NC);
	mailcheck_free(mc);
}

/* ---- a resolver that answers when the test says ---- */

struct held {
	resolver_done_cb cb;
	void *arg;
};

struct hold_res {
	struct held q[512];
	int n;
	int max_seen;
};

static int
hold_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct hold_res *h = impl;

	assert_true(h->n < 512);
	h->q[h->n].cb = cb;
	h->q[h->n++].arg = arg;
	if (h->n > h->max_seen)
		h->max_seen = h->n;
	return 0;
}

static void
hold_free(void *impl)
{
	free(impl);		/* never calls back */
}

static const struct resolver_ops hold_ops = { hold_query, hold_free };

/* Answers the oldest held query with NXDOMAIN (SPF: none). */
static bool
hold_answer_one(struct hold_res *h)
{
	static const struct dns_answer nx = { DNS_NXDOMAIN, 0, NULL };
	struct held q;

	if (h->n == 0)
		return false;
	q = h->q[0];
	memmove(h->q, h->q + 1, (size_t)--h->n * sizeof(h->q[0]));
	q.cb(q.arg, &nx);
	return true;
}

/* At most max_inflight at once; the rest wait and start as others end. */
static void
test_inflight_bound(void **state)
{
	struct hold_res *h = calloc(1, sizeof(*h));
	struct mailcheck *mc;
	struct done_state d[2] = { { 0 }, { 0 } };
	struct mailcheck_stats s;
	struct trep t[16];

	assert_non_null(h);
	mc = mailcheck_new_resolver(resolver_new(&hold_ops, h), 3, 0);
	for (int i = 0; i < 16; i++)
		trep_init(&t[i], bad_ip, "a@x.example", "h.example",
		    "b@y.example");
	run(mc, t, 10, &d[0]);		/* 30 evaluations */
	run(mc, t + 10, 6, &d[1]);	/* 18 more, behind them */
	mailcheck_stats(mc, &s);
	assert_int_equal(s.inflight, 3);
	assert_int_equal(s.queued, 45);
	assert_int_equal(h->n, 3);
	while (hold_answer_one(h))
		;
	assert_int_equal(h->max_seen, 3);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.inflight_max, 3);
	assert_int_equal(d[0].calls, 1);
	assert_int_equal(d[1].calls, 1);
	assert_int_equal(t[15].m.sender_id_pra, NONE);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.results[SPF_NONE], 48);
	assert_int_equal(s.inflight + s.queued, 0);
	mailcheck_free(mc);
}

/* mailcheck_free cancels: done once per submission, nothing leaks. */
static void
test_cancel(void **state)
{
	struct hold_res *h = calloc(1, sizeof(*h));
	struct mailcheck *mc;
	struct done_state d = { 0 };
	struct trep t[4];

	assert_non_null(h);
	mc = mailcheck_new_resolver(resolver_new(&hold_ops, h), 2, 0);
	for (int i = 0; i < 4; i++)
		trep_init(&t[i], bad_ip, "a@x.example", NULL, NULL);
	run(mc, t, 4, &d);
	hold_answer_one(h);		/* one ends, a third starts */
	assert_int_equal(t[0].m.spf_mail_from, NONE);
	assert_int_equal(d.calls, 0);
	mailcheck_free(mc);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, MAILCHECK_CANCELLED);
	assert_int_equal(t[3].m.spf_mail_from, NC);
}

/* Reports that need nothing still wait with their submission: their
 * number is bounded too (MAILCHECK_MAX_HELD). */
static void
test_held_bound(void **state)
{
	size_t n = MAILCHECK_MAX_HELD / 2;
	struct hold_res *h = calloc(1, sizeof(*h));
	struct trep *t = calloc(n + 1, sizeof(*t));
	Reputed__Report **ptrs = calloc(n + 1, sizeof(*ptrs));
	struct mailcheck *mc;
	struct done_state d = { 0 };
	struct mailcheck_stats s;
	char err[128];

	assert_non_null(h);
	assert_non_null(t);
	assert_non_null(ptrs);
	mc = mailcheck_new_resolver(resolver_new(&hold_ops, h), 4, 0);
	for (size_t i = 0; i <= n; i++) {	/* one evaluation, n reports */
		trep_init(&t[i], bad_ip, i == 0 ? "a@x.example" : NULL, NULL,
		    NULL);
		ptrs[i] = &t[i].r;
	}
	assert_int_equal(mailcheck_run(mc, ptrs, n, done_cb, &d, err,
	    sizeof(err)), 0);
	assert_int_equal(mailcheck_run(mc, ptrs, n, done_cb, &d, err,
	    sizeof(err)), 0);
	assert_int_equal(mailcheck_run(mc, ptrs, n + 1, done_cb, &d, err,
	    sizeof(err)), -1);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.held, 2 * n);
	while (hold_answer_one(h))
		;
	assert_int_equal(d.calls, 2);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.held, 0);
	mailcheck_free(mc);
	free(ptrs);
	free(t);
}

/* mailcheck_cancel answers at once; what still runs ends unseen (the
 * reports are not written to), what waits never starts. */
static void
test_cancel_running(void **state)
{
	struct hold_res *h = calloc(1, sizeof(*h));
	struct mailcheck *mc;
	struct done_state d = { 0 };
	struct mailcheck_stats s;
	struct trep t[4], late[1];
	char err[128];
	Reputed__Report *p = &late[0].r;

	assert_non_null(h);
	mc = mailcheck_new_resolver(resolver_new(&hold_ops, h), 2, 0);
	for (int i = 0; i < 4; i++)
		trep_init(&t[i], bad_ip, "a@x.example", NULL, NULL);
	run(mc, t, 4, &d);
	mailcheck_cancel(mc);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.status, MAILCHECK_CANCELLED);
	trep_init(&late[0], bad_ip, "a@x.example", NULL, NULL);
	assert_int_equal(mailcheck_run(mc, &p, 1, done_cb, &d, err,
	    sizeof(err)), -1);
	while (hold_answer_one(h))
		;
	for (int i = 0; i < 4; i++)
		assert_int_equal(t[i].m.spf_mail_from, NC);
	assert_int_equal(d.calls, 1);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.results[SPF_NONE], 2);	/* the two running */
	assert_int_equal(s.inflight + s.queued, 0);
	mailcheck_free(mc);
	assert_int_equal(d.calls, 1);
}

/* More than MAILCHECK_MAX_QUEUED evaluations waiting: refused whole. */
static void
test_queue_full(void **state)
{
	size_t n = MAILCHECK_MAX_QUEUED / 3 + 1;
	struct hold_res *h = calloc(1, sizeof(*h));
	struct trep *t = calloc(n, sizeof(*t));
	Reputed__Report **ptrs = calloc(n, sizeof(*ptrs));
	struct mailcheck *mc;
	struct done_state d = { 0 };
	struct mailcheck_stats s;
	char err[128];

	assert_non_null(h);
	assert_non_null(t);
	assert_non_null(ptrs);
	mc = mailcheck_new_resolver(resolver_new(&hold_ops, h), 4, 0);
	for (size_t i = 0; i < n; i++) {
		trep_init(&t[i], bad_ip, "a@x.example", "h.example",
		    "b@y.example");
		ptrs[i] = &t[i].r;
	}
	assert_int_equal(mailcheck_run(mc, ptrs, n, done_cb, &d, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "try again"));
	assert_int_equal(d.calls, 0);
	assert_int_equal(h->n, 0);
	assert_int_equal(mailcheck_run(mc, ptrs, n - 1, done_cb, &d, err,
	    sizeof(err)), 0);
	mailcheck_stats(mc, &s);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.inflight, 4);
	assert_int_equal(s.held, n - 1);
	mailcheck_free(mc);
	assert_int_equal(d.calls, 1);
	free(ptrs);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_given_kept),
		cmocka_unit_test(test_null_sender),
		cmocka_unit_test(test_nothing),
		cmocka_unit_test(test_inflight_bound),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_cancel_running),
		cmocka_unit_test(test_held_bound),
		cmocka_unit_test(test_queue_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
