/*
 * pra_test.c: unit tests of the RFC 5322 header reader (feeds/rfc5322.c),
 * the PRA selection of RFC 4407 (feeds/pra.c) and Sender ID over the
 * in-memory resolver (feeds/senderid.c).
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

static void
test_header_unfold(void **state)
{
	static const char msg[] = "From nobody Mon Jan  1 00:00:00 2024\n"
	    "Subject: a\r\n  folded\r\n\tline\r\nX-Empty:\r\nFrom: a@b.c\r\n"
	    "\r\nBody: not a header\r\n";
	struct rfc5322_header h;
	char err[128];

	assert_int_equal(rfc5322_parse(msg, strlen(msg), &h, err, sizeof(err)), 0);
	assert_int_equal(h.nfields, 3);
	assert_string_equal(h.fields[0].name, "Subject");
	assert_string_equal(h.fields[0].value, " a  folded\tline");
	assert_string_equal(h.fields[1].value, "");
	assert_string_equal(h.fields[2].name, "From");
	rfc5322_clear(&h);
	/* many trace fields before the From: all are read */
	char *big = malloc(600 * 40 + 64), *p = big;
	assert_non_null(big);
	for (int i = 0; i < 600; i++)
		p += sprintf(p, "Received: from h%d by x\n", i);
	strcpy(p, "From: late@example.org\n");
	assert_int_equal(rfc5322_parse(big, strlen(big), &h, err, sizeof(err)), 0);
	assert_int_equal(h.nfields, 601);
	assert_string_equal(h.fields[600].value, " late@example.org");
	rfc5322_clear(&h);
	free(big);
	assert_int_equal(rfc5322_parse(" leading: x\n", 12, &h, err,
	    sizeof(err)), -1);
	assert_int_equal(rfc5322_parse("no colon here\n", 14, &h, err,
	    sizeof(err)), -1);
}

static void
test_mailboxes(void **state)
{
	static const struct {
		const char	*value;
		int		 n;
		const char	*first;
	} cases[] = {
		{ "a@b.c", 1, "a@b.c" },
		{ " Alice <alice@example.org> ", 1, "alice@example.org" },
		{ "\"Smith, John\" <\"j s\"@example.org>", 1, "\"j s\"@example.org" },
		{ "(c (nested)) a@b.c (x)", 1, "a@b.c" },
		{ "a@b.c, d@e.f", 2, "a@b.c" },
		{ "a@b.c,, d@e.f,", 2, "a@b.c" },
		{ "group: a@b.c, d@e.f;", 2, "a@b.c" },
		{ "undisclosed-recipients:;", 0, NULL },
		{ "=?utf-8?q?J=C3=B6rg?= <j@example.org>", 1, "j@example.org" },
		{ "<@route.example:a@b.c>", 1, "a@b.c" },
		{ "a@[192.0.2.1]", 1, "a@[192.0.2.1]" },
		{ "john.q.public@example.com", 1, "john.q.public@example.com" },
		{ "alice", -1, NULL },
		{ "a@", -1, NULL },
		{ "<a@b.c", -1, NULL },
		{ "(unclosed a@b.c", -1, NULL },
		{ "\"unclosed@b.c", -1, NULL },
		{ "a@b.c d@e.f", -1, NULL },
	};
	char addrs[4][SPF_DOMAIN_MAX + 66], err[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = rfc5322_mailboxes(cases[i].value, addrs, 4, err,
		    sizeof(err));
		if (n != cases[i].n)
			fail_msg("'%s': %d mailboxes, expected %d", cases[i].value,
			    n, cases[i].n);
		if (cases[i].first)
			assert_string_equal(addrs[0], cases[i].first);
	}
}

static void
pra_of(const char *msg, struct pra_result *res)
{
	struct rfc5322_header h;
	char err[128];

	assert_int_equal(rfc5322_parse(msg, strlen(msg), &h, err, sizeof(err)), 0);
	pra_select(&h, res);
	rfc5322_clear(&h);
}

/* RFC 4407 section 2, step by step. */
static void
test_pra_steps(void **state)
{
	struct pra_result r;

	pra_of("From: f@a.example\n", &r);
	assert_int_equal(r.status, PRA_FOUND);
	assert_string_equal(r.addr, "f@a.example");
	assert_string_equal(r.field, "From");
	pra_of("From: f@a.example\nSender: s@a.example\n", &r);
	assert_string_equal(r.addr, "s@a.example");
	pra_of("Resent-From: rf@a.example\nSender: s@a.example\n", &r);
	assert_string_equal(r.addr, "rf@a.example");
	pra_of("Resent-Sender: rs@a.example\nResent-From: rf@a.example\n", &r);
	assert_string_equal(r.addr, "rs@a.example");
	pra_of("Resent-From: rf@a.example\nResent-Sender: rs@a.example\n", &r);
	assert_string_equal(r.addr, "rs@a.example");
	pra_of("Resent-From: rf@a.example\nReceived: x\n"
	    "Resent-Sender: rs@a.example\n", &r);
	assert_string_equal(r.addr, "rf@a.example");
	pra_of("Resent-From: rf@a.example\nreturn-path: <x@y.z>\n"
	    "Resent-Sender: rs@a.example\n", &r);
	assert_string_equal(r.addr, "rf@a.example");
	pra_of("Resent-Sender:  \nFrom: f@a.example\n", &r);
	assert_string_equal(r.addr, "f@a.example");
	pra_of("Sender: a@a.example\nSender: b@a.example\nFrom: f@a.example\n", &r);
	assert_int_equal(r.status, PRA_NONE);
	pra_of("From: a@a.example\nFrom: b@a.example\n", &r);
	assert_int_equal(r.status, PRA_NONE);
	pra_of("From: a@a.example, b@a.example\n", &r);
	assert_int_equal(r.status, PRA_NONE);
	pra_of("From: alice\n", &r);
	assert_int_equal(r.status, PRA_NONE);
	pra_of("From: a@[192.0.2.1]\n", &r);
	assert_int_equal(r.status, PRA_NONE);
	pra_of("Subject: nothing\n", &r);
	assert_int_equal(r.status, PRA_NONE);
}

/* Sender ID: spf2.0/pra first, v=spf1 as the fallback (RFC 4406 section 3). */
static void
test_senderid(void **state)
{
	struct resolver *z = resolver_mem_new();
	struct spf_outcome out;
	struct pra_result pra;
	char err[128];
	static const char both[] = "v=spf1 -all", pra2[] = "spf2.0/pra +all",
	    spf1[] = "v=spf1 ip4:192.0.2.1 -all";

	assert_int_equal(resolver_mem_add(z, "both.example", DNS_T_TXT, both,
	    strlen(both), 0), 0);
	assert_int_equal(resolver_mem_add(z, "both.example", DNS_T_TXT, pra2,
	    strlen(pra2), 0), 0);
	assert_int_equal(resolver_mem_add(z, "one.example", DNS_T_TXT, spf1,
	    strlen(spf1), 0), 0);
	const char *m1 = "From: x@both.example\n";
	assert_int_equal(senderid_check_sync(z, "192.0.2.9", "h", m1, strlen(m1),
	    &pra, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_PASS);
	assert_string_equal(pra.addr, "x@both.example");
	const char *m2 = "Sender: s@one.example\nFrom: x@both.example\n";
	assert_int_equal(senderid_check_sync(z, "192.0.2.9", "h", m2, strlen(m2),
	    &pra, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_FAIL);
	assert_int_equal(senderid_check_sync(z, "192.0.2.1", "h", m2, strlen(m2),
	    &pra, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_PASS);
	const char *m3 = "To: nobody\n";
	assert_int_equal(senderid_check_sync(z, "192.0.2.1", "h", m3, strlen(m3),
	    &pra, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_PERMERROR);
	resolver_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_unfold),
		cmocka_unit_test(test_mailboxes),
		cmocka_unit_test(test_pra_steps),
		cmocka_unit_test(test_senderid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
