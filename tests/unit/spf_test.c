/*
 * spf_test.c: unit tests of the SPF evaluator (feeds/spf*.c) and its
 * resolvers: record grammar, the macro examples of RFC 7208 section 7.4,
 * the processing limits of 4.6.4, the asynchronous driver with a resolver
 * that answers later, the DNS wire reader, and the openspf RFC 7208 suite
 * through the library (when python3-spf is installed).
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
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "feeds/feeds.h"

static void
test_record_grammar(void **state)
{
	static const char *good[] = {
		"v=spf1", "v=spf1 -all", "v=spf1 a mx ptr -all ",
		"v=spf1 a:foo.example.com/24//64 mx//0 ?all",
		"v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all",
		"v=spf1 include:_spf.example.com exists:%{i}.bl.example.com",
		"v=spf1 redirect=_spf.example.com exp=exp.%{d}",
		"v=spf1 moo.cow-far_out=man:dog/cat -all",
		"v=spf1 a:foo.example.xn--zckzah", "V=SPF1 A:%{d}",
		"spf2.0/pra ip4:192.0.2.1 -all",
	};
	static const char *bad[] = {
		"v=spf1 -all.", "v=spf1 -all:foo", "v=spf1 -all/8", "v=spf1 ptr/0",
		"v=spf1 a:", "v=spf1 a/33", "v=spf1 a//129", "v=spf1 a/24/64",
		"v=spf1 ip4:1.2.3.4/032", "v=spf1 ip4:1.2.3", "v=spf1 ip4:01.2.3.4",
		"v=spf1 ip4:1.2.3.4//32", "v=spf1 ip6::CAFE::BABE", "v=spf1 ip6",
		"v=spf1 a:foo-bar", "v=spf1 a:111.222.33.44", "v=spf1 a:museum.",
		"v=spf1 a:example.-com", "v=spf1 exists", "v=spf1 include",
		"v=spf1 exp=", "v=spf1 redirect=-all", "v=spf1 1up=foo",
		"v=spf1 =all", "v=spf1 foo=%abc", "v=spf1 exp=%{r}.example.com",
		"v=spf1 -all exp=a.example.com exp=b.example.com",
		"v=spf1 redirect=a.example.com redirect=b.example.com",
		"v=spf1 a:ctrl.example.com\rptr", "v=spf1 \x80\x61", "v=spf1 %{x}",
		"v=spf1 exists:%{d0}.example.com",
	};
	char err[128];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct spf_record *r = spf_record_parse((const uint8_t *)good[i],
		    strlen(good[i]), err, sizeof(err));
		if (r == NULL)
			fail_msg("'%s' should parse: %s", good[i], err);
		spf_record_free(r);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct spf_record *r = spf_record_parse((const uint8_t *)bad[i],
		    strlen(bad[i]), err, sizeof(err));
		if (r != NULL)
			fail_msg("'%s' should not parse", bad[i]);
	}
}

static void
test_record_version(void **state)
{
#define V(s) spf_record_version((const uint8_t *)(s), strlen(s))
	assert_int_equal(V("v=spf1"), SPF_V_SPF1);
	assert_int_equal(V("v=spf1 -all"), SPF_V_SPF1);
	assert_int_equal(V("v=spf10"), SPF_V_NOT);
	assert_int_equal(V("v=spf1mx"), SPF_V_NOT);
	assert_int_equal(V("spf2.0/pra"), SPF_V_SPF2_PRA);
	assert_int_equal(V("spf2.0/mfrom,pra -all"), SPF_V_SPF2_PRA);
	assert_int_equal(V("SPF2.0/PRA +all"), SPF_V_SPF2_PRA);
	assert_int_equal(V("spf2.0/mfrom -all"), SPF_V_SPF2_OTHER);
	assert_int_equal(V("spf2.0/ -all"), SPF_V_NOT);
	assert_int_equal(V("spf2.0/pra,"), SPF_V_NOT);
#undef V
}

/* RFC 7208 7.4: sender strong-bad@email.example.com, IP 192.0.2.3. */
static void
test_macro_rfc_examples(void **state)
{
	static const char *cases[][2] = {
		{ "%{s}", "strong-bad@email.example.com" },
		{ "%{o}", "email.example.com" },
		{ "%{d}", "email.example.com" },
		{ "%{d4}", "email.example.com" },
		{ "%{d3}", "email.example.com" },
		{ "%{d2}", "example.com" },
		{ "%{d1}", "com" },
		{ "%{dr}", "com.example.email" },
		{ "%{d2r}", "example.email" },
		{ "%{l}", "strong-bad" },
		{ "%{l-}", "strong.bad" },
		{ "%{lr}", "strong-bad" },
		{ "%{lr-}", "bad.strong" },
		{ "%{l1r-}", "strong" },
		{ "%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com" },
		{ "%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com" },
		{ "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}",
		  "bad.strong.lp.3.2.0.192.in-addr._spf.example.com" },
		{ "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}",
		  "3.2.0.192.in-addr.strong.lp._spf.example.com" },
		{ "%{d2}.trusted-domains.example.net",
		  "example.com.trusted-domains.example.net" },
		{ "%%%_%-", "% %20" },
		{ "%{L}", "strong-bad" },
		{ "%{S}", "strong-bad%40email.example.com" },
	};
	struct spf_macro_env env = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad",
		.sender_domain = "email.example.com",
		.domain = "email.example.com", .ip_dotted = "192.0.2.3",
		.ip_text = "192.0.2.3", .helo = "mx.example.org",
	};
	char out[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(spf_macro_expand(cases[i][0],
		    strlen(cases[i][0]), &env, false, false, out, sizeof(out)),
		    SPF_MACRO_OK);
		assert_string_equal(out, cases[i][1]);
	}
	/* the IPv6 example: case does not matter to DNS */
	env.ip6 = true;
	env.ip_dotted = "2.0.0.1.0.D.B.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.C.B.0.1";
	assert_int_equal(spf_macro_expand("%{ir}.%{v}._spf.%{d2}", 21, &env,
	    false, false, out, sizeof(out)), SPF_MACRO_OK);
	assert_true(strcasecmp(out, "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com") == 0);
}

static void
test_macro_errors(void **state)
{
	struct spf_macro_env env = { .sender = "a@b.c", .local = "a",
	    .sender_domain = "b.c", .domain = "b.c", .ip_dotted = "1.2.3.4",
	    .ip_text = "1.2.3.4", .helo = "h" };
	char out[300], small[8];
	static const char *bad[] = { "%", "%x", "%{", "%{d", "%{x}", "%{d0}",
	    "%{c}", "%{r}", "%{t}", "a b", "%{d2r-+,/_=!}" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(spf_macro_expand(bad[i], strlen(bad[i]), &env,
		    false, false, out, sizeof(out)), SPF_MACRO_SYNTAX);
	/* c, r, t and spaces are fine in explanation text */
	assert_int_equal(spf_macro_expand("%{c} from %{r}", 14, &env, true,
	    false, out, sizeof(out)), SPF_MACRO_OK);
	assert_string_equal(out, "1.2.3.4 from unknown");
	assert_int_equal(spf_macro_expand("%{p}", 4, &env, false, false, out,
	    sizeof(out)), SPF_MACRO_NEED_P);
	assert_int_equal(spf_macro_expand("%{s}%{s}", 8, &env, false, false,
	    small, sizeof(small)), SPF_MACRO_TOO_LONG);
}

/* RFC 7208 7.3: a name longer than 253 is cut from the left by labels. */
static void
test_macro_truncation(void **state)
{
	char local[200], spec[64], out[1024];
	struct spf_macro_env env = { .domain = "example.com" };

	for (int i = 0; i < 3; i++) {		/* three labels of 60 */
		memset(local + 61 * i, 'a' + i, 60);
		local[61 * i + 60] = '.';
	}
	local[181] = '\0';
	env.local = local;
	snprintf(spec, sizeof(spec), "%%{l}.%%{l}.example.com");
	assert_int_equal(spf_macro_expand(spec, strlen(spec), &env, false, true,
	    out, sizeof(out)), SPF_MACRO_OK);
	assert_true(strlen(out) <= 253);
	assert_int_equal(strlen(out), 253);
	assert_string_equal(out + strlen(out) - 12, ".example.com");
}

/* ---- evaluation through the in-memory resolver ---- */

static struct resolver *
zone(const char *const *recs)
{
	struct resolver *z = resolver_mem_new();

	assert_non_null(z);
	for (; recs[0] != NULL; recs += 2) {
		if (strncmp(recs[1], "A ", 2) == 0) {
			uint8_t a[4];
			assert_int_equal(sscanf(recs[1] + 2, "%hhu.%hhu.%hhu.%hhu",
			    &a[0], &a[1], &a[2], &a[3]), 4);
			assert_int_equal(resolver_mem_add(z, recs[0], DNS_T_A, a,
			    4, 0), 0);
		} else if (strncmp(recs[1], "MX ", 3) == 0)
			assert_int_equal(resolver_mem_add(z, recs[0], DNS_T_MX,
			    recs[1] + 3, strlen(recs[1] + 3), 10), 0);
		else
			assert_int_equal(resolver_mem_add(z, recs[0], DNS_T_TXT,
			    recs[1], strlen(recs[1]), 0), 0);
	}
	return z;
}

static enum spf_result
check(struct resolver *z, const char *ip, const char *sender,
    struct spf_outcome *out)
{
	struct spf_request req = { .ip = ip, .sender = sender, .helo = "helo.example" };
	struct spf_outcome local;
	char err[128];

	if (out == NULL)
		out = &local;
	assert_int_equal(spf_run_sync(z, &req, out, err, sizeof(err)), 0);
	return out->result;
}

static void
test_eval_basic(void **state)
{
	static const char *const recs[] = {
		"example.com", "v=spf1 mx a:relay.example.com -all",
		"example.com", "MX mail.example.com",
		"mail.example.com", "A 192.0.2.10",
		"relay.example.com", "A 192.0.2.20",
		"soft.example.com", "v=spf1 ~all",
		NULL,
	};
	struct resolver *z = zone(recs);
	struct spf_outcome out;

	assert_int_equal(check(z, "192.0.2.10", "a@example.com", &out), SPF_PASS);
	assert_string_equal(out.mechanism, "mx");
	assert_int_equal(check(z, "192.0.2.20", "a@example.com", NULL), SPF_PASS);
	assert_int_equal(check(z, "::ffff:192.0.2.20", "a@example.com", NULL),
	    SPF_PASS);
	assert_int_equal(check(z, "192.0.2.30", "a@example.com", &out), SPF_FAIL);
	assert_string_equal(out.explanation, "SPF fail - not authorized");
	assert_int_equal(check(z, "192.0.2.30", "a@soft.example.com", NULL),
	    SPF_SOFTFAIL);
	assert_int_equal(check(z, "192.0.2.30", "a@none.example.com", NULL),
	    SPF_NONE);
	assert_int_equal(check(z, "192.0.2.30", "a@nodot", NULL), SPF_NONE);
	resolver_free(z);
}

/* RFC 7208 4.6.4: the 11th DNS term, the 3rd void lookup, loops. */
static void
test_eval_limits(void **state)
{
	static const char *const recs[] = {
		"ten.example.com", "v=spf1 a a a a a a a a a a ip4:192.0.2.1 -all",
		"eleven.example.com", "v=spf1 a a a a a a a a a a a ip4:192.0.2.1",
		"ten.example.com", "A 198.51.100.1",
		"eleven.example.com", "A 198.51.100.1",
		"void.example.com", "v=spf1 a:n1.example.com a:n2.example.com "
		    "a:n3.example.com ?all",
		"loop.example.com", "v=spf1 include:loop.example.com",
		"redir.example.com", "v=spf1 redirect=redir.example.com",
		NULL,
	};
	struct resolver *z = zone(recs);
	struct spf_outcome out;

	assert_int_equal(check(z, "192.0.2.1", "a@ten.example.com", &out), SPF_PASS);
	assert_int_equal(out.dns_terms, 10);
	assert_int_equal(check(z, "192.0.2.1", "a@eleven.example.com", NULL),
	    SPF_PERMERROR);
	assert_int_equal(check(z, "192.0.2.1", "a@void.example.com", &out),
	    SPF_PERMERROR);
	assert_int_equal(out.void_lookups, 3);
	assert_int_equal(check(z, "192.0.2.1", "a@loop.example.com", &out),
	    SPF_PERMERROR);
	assert_true(out.queries <= 12);
	assert_int_equal(check(z, "192.0.2.1", "a@redir.example.com", NULL),
	    SPF_PERMERROR);
	resolver_free(z);
}

static void
test_result_auth(void **state)
{
	assert_int_equal(spf_result_auth(SPF_PASS), REPUTED__AUTH_RESULT__AUTH_PASS);
	assert_int_equal(spf_result_auth(SPF_NONE), REPUTED__AUTH_RESULT__AUTH_NONE);
	assert_int_equal(spf_result_auth(SPF_PERMERROR),
	    REPUTED__AUTH_RESULT__AUTH_PERMERROR);
	assert_int_equal(spf_result_auth(SPF_TEMPERROR),
	    REPUTED__AUTH_RESULT__AUTH_TEMPERROR);
	enum spf_result r;
	assert_int_equal(spf_result_parse("unknown", &r), 0);
	assert_int_equal(r, SPF_PERMERROR);
	assert_int_equal(spf_result_parse("bogus", &r), -1);
}

/* ---- the asynchronous driver: a resolver that answers later ---- */

struct later {
	struct resolver	*zone;		/* where answers come from */
	char		 name[300];
	enum dns_type	 type;
	resolver_done_cb cb;
	void		*arg;
	bool		 pending;
};

static int
later_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct later *l = impl;

	assert_false(l->pending);
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = type;
	l->cb = cb;
	l->arg = arg;
	l->pending = true;
	return 0;
}

static void
later_free(void *impl)
{
}

static void
later_done(void *arg, const struct spf_outcome *out)
{
	*(enum spf_result *)arg = out->result;
}

struct saved {
	resolver_done_cb cb;
	void		*arg;
};

static void
later_answer_cb(void *arg, const struct dns_answer *ans)
{
	struct saved *sv = arg;

	sv->cb(sv->arg, ans);	/* the run steps on, maybe asks again */
}

static void
test_eval_async(void **state)
{
	static const char *const recs[] = {
		"example.com", "v=spf1 include:inc.example.com -all",
		"inc.example.com", "v=spf1 a:host.example.com",
		"host.example.com", "A 192.0.2.5",
		NULL,
	};
	static const struct resolver_ops ops = { later_query, later_free };
	struct later l = { .zone = zone(recs) };
	struct resolver *res = resolver_new(&ops, &l);
	struct spf_request req = { .ip = "192.0.2.5", .sender = "x@example.com",
	    .helo = "h.example" };
	enum spf_result result = -1;
	char err[128], name[300];
	int rounds = 0;

	assert_int_equal(spf_run_start(res, &req, later_done, &result, err,
	    sizeof(err)), 0);
	assert_int_equal((int)result, -1);	/* nothing answered yet */
	while (l.pending && rounds < 20) {
		struct saved sv = { l.cb, l.arg };
		rounds++;
		l.pending = false;
		snprintf(name, sizeof(name), "%s", l.name);
		resolver_query(l.zone, name, l.type, later_answer_cb, &sv);
	}
	assert_int_equal(result, SPF_PASS);
	assert_int_equal(rounds, 3);
	resolver_free(res);
	resolver_free(l.zone);
}

/* RFC 7208 4.6.4: past the elapsed-time limit, temperror. */
struct slow {
	struct resolver	*zone;
};

static int
slow_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct slow *sl = impl;
	struct timespec ts = { 0, 3 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	return resolver_query(sl->zone, name, type, cb, arg);
}

static void
test_eval_deadline(void **state)
{
	static const char *const recs[] = {
		"example.com", "v=spf1 a:a1.example.com a:a2.example.com "
		    "a:a3.example.com a:a4.example.com -all",
		"a1.example.com", "A 198.51.100.1", "a2.example.com", "A 198.51.100.2",
		"a3.example.com", "A 198.51.100.3", "a4.example.com", "A 198.51.100.4",
		NULL,
	};
	static const struct resolver_ops ops = { slow_query, later_free };
	struct slow sl = { zone(recs) };
	struct resolver *res = resolver_new(&ops, &sl);
	struct spf_request req = { .ip = "192.0.2.1", .sender = "a@example.com",
	    .helo = "h.example", .max_ms = 5 };
	struct spf_outcome out;
	char err[128];

	assert_int_equal(spf_run_sync(res, &req, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_TEMPERROR);
	assert_non_null(strstr(out.problem, "longer than 5 ms"));
	req.max_ms = 0;			/* the default: 20 s */
	assert_int_equal(spf_run_sync(res, &req, &out, err, sizeof(err)), 0);
	assert_int_equal(out.result, SPF_FAIL);
	resolver_free(res);
	resolver_free(sl.zone);
}

/* ---- DNS wire answers ---- */

static void
test_wire(void **state)
{
	/* answer to "e.x MX": 0 10 mail.e.x (compressed), and a TXT */
	static const uint8_t pkt[] = {
		0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
		1, 'e', 1, 'x', 0, 0, 15, 0, 1,
		0xc0, 12, 0, 15, 0, 1, 0, 0, 0, 60, 0, 9,
		0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12,
		0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6,
		2, 'a', 'b', 2, 'c', 'd',
	};
	struct dns_rr rr[4];
	uint8_t buf[256];
	struct dns_answer ans;

	assert_int_equal(resolver_wire_parse(pkt, sizeof(pkt), DNS_T_MX, rr, 4,
	    buf, sizeof(buf), &ans), 0);
	assert_int_equal(ans.status, DNS_ANSWER);
	assert_int_equal(ans.count, 1);
	assert_int_equal(rr[0].pref, 10);
	assert_string_equal((const char *)rr[0].data, "mail.e.x");
	assert_int_equal(resolver_wire_parse(pkt, sizeof(pkt), DNS_T_TXT, rr, 4,
	    buf, sizeof(buf), &ans), 0);
	assert_int_equal(ans.count, 1);
	assert_memory_equal(rr[0].data, "abcd", 4);
	/* truncated and looping packets are refused, never overread */
	for (size_t n = 0; n < sizeof(pkt); n++)
		(void)resolver_wire_parse(pkt, n, DNS_T_MX, rr, 4, buf,
		    sizeof(buf), &ans);
	uint8_t loop[sizeof(pkt)];
	memcpy(loop, pkt, sizeof(pkt));
	loop[40] = 0xc0;
	loop[41] = 40;		/* a pointer to itself */
	assert_int_equal(resolver_wire_parse(loop, sizeof(loop), DNS_T_MX, rr,
	    4, buf, sizeof(buf), &ans), 0);
	assert_int_equal(ans.count, 0);
	uint8_t nx[12] = { 0, 0, 0x81, 0x83 };
	assert_int_equal(resolver_wire_parse(nx, 12, DNS_T_A, rr, 4, buf,
	    sizeof(buf), &ans), 0);
	assert_int_equal(ans.status, DNS_NXDOMAIN);
}

/* ---- the openspf RFC 7208 suite through the library ---- */

static void
test_rfc7208_suite(void **state)
{
	const char *path = "/usr/share/doc/python3-spf/rfc7208-tests.yml.gz";
	struct spf_outcome out;
	char err[256], msg[1024];
	size_t failed = 0;

	if (access(path, R_OK) != 0)
		skip();
	struct spf_suite *s = spf_suite_load(path, err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(spf_suite_count(s), 203);
	for (size_t i = 0; i < spf_suite_count(s); i++)
		if (!spf_suite_run(spf_suite_case(s, i), &out, msg, sizeof(msg))) {
			print_message("%s: %s\n", spf_suite_case(s, i)->name, msg);
			failed++;
		}
	spf_suite_free(s);
	assert_int_equal(failed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_grammar),
		cmocka_unit_test(test_record_version),
		cmocka_unit_test(test_macro_rfc_examples),
		cmocka_unit_test(test_macro_errors),
		cmocka_unit_test(test_macro_truncation),
		cmocka_unit_test(test_eval_basic),
		cmocka_unit_test(test_eval_limits),
		cmocka_unit_test(test_result_auth),
		cmocka_unit_test(test_eval_async),
		cmocka_unit_test(test_eval_deadline),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_rfc7208_suite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
