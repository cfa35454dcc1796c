/*
 * jsonl_test.c: feeds/jsonl.c, one JSON report -> Reputed__Report, the
 * parser behind POST /v1/reports and `reputectl report --jsonl`: every
 * field, the defaults, and the message for each kind of bad input.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "feeds/jsonl.h"

#define NOW	1700000000000ull

static struct jsonl_report r;

static int
parse(const char *json, char *err, size_t errlen)
{
	return jsonl_parse_report(json, strlen(json), NOW, &r, err, errlen);
}

static void
expect_error(const char *json, const char *want)
{
	char err[256];

	assert_int_equal(parse(json, err, sizeof(err)), -1);
	assert_string_equal(err, want);
}

static void
test_minimal_defaults(void **state)
{
	char err[256];

	assert_int_equal(parse("{\"ip\":\"192.0.2.1\",\"category\":\"spam\"}",
	    err, sizeof(err)), 0);
	assert_int_equal(r.report.category, REPUTED__CATEGORY__CATEGORY_SPAM);
	assert_int_equal(r.report.confidence, 100);
	assert_int_equal(r.report.observed_at, NOW);
	assert_int_equal(r.report.ttl, 0);
	assert_null(r.report.mail);
	assert_int_equal(r.report.subject->addr.len, 4);
	assert_int_equal(r.report.subject->addr.data[3], 1);
}

static void
test_every_field(void **state)
{
	char err[256];

	assert_int_equal(parse("{\"domain\":\"Mail.Example.COM.\","
	    "\"category\":\"brute_force\",\"confidence\":40,"
	    "\"observed_at\":1699999999000,\"ttl\":3600,"
	    "\"client_ip\":\"2001:db8::25\",\"helo\":\"mx.example.com\","
	    "\"mail_from\":\"\",\"pra\":\"news@example.com\","
	    "\"spf_helo\":\"pass\",\"spf_mail_from\":\"none\","
	    "\"sender_id\":\"softfail\"}", err, sizeof(err)), 0);
	assert_string_equal(r.report.subject->domain, "mail.example.com");
	assert_int_equal(r.report.category,
	    REPUTED__CATEGORY__CATEGORY_BRUTE_FORCE);
	assert_int_equal(r.report.confidence, 40);
	assert_int_equal(r.report.observed_at, 1699999999000ull);
	assert_int_equal(r.report.ttl, 3600);
	assert_non_null(r.report.mail);
	assert_int_equal(r.report.mail->client_ip.len, 16);
	assert_string_equal(r.report.mail->helo, "mx.example.com");
	assert_string_equal(r.report.mail->mail_from, "");
	assert_string_equal(r.report.mail->pra, "news@example.com");
	assert_int_equal(r.report.mail->spf_helo, REPUTED__AUTH_RESULT__AUTH_PASS);
	assert_int_equal(r.report.mail->spf_mail_from,
	    REPUTED__AUTH_RESULT__AUTH_NONE);
	assert_int_equal(r.report.mail->sender_id_pra,
	    REPUTED__AUTH_RESULT__AUTH_SOFTFAIL);
}

static void
test_subjects(void **state)
{
	char err[256];

	assert_int_equal(parse("{\"ip\":\"198.51.100.0/24\",\"category\":"
	    "\"scanning\"}", err, sizeof(err)), 0);
	assert_int_equal(r.report.subject->prefix_len, 24);
	assert_int_equal(parse("{\"subject\":\"::ffff:192.0.2.7\",\"category\":"
	    "\"ddos\"}", err, sizeof(err)), 0);
	assert_int_equal(r.report.subject->addr.len, 4);	/* mapped -> v4 */
	assert_int_equal(parse("{\"subject\":\"example.net\",\"category\":"
	    "\"not-spam\"}", err, sizeof(err)), 0);
	assert_string_equal(r.report.subject->domain, "example.net");
	expect_error("{\"ip\":\"example.com\",\"category\":\"spam\"}",
	    "ip: 'example.com' is not an IP address or prefix");
	expect_error("{\"ip\":\"192.0.2.1\",\"domain\":\"a.example\","
	    "\"category\":\"spam\"}",
	    "domain: only one of ip, domain and subject may be given");
	expect_error("{\"category\":\"spam\"}",
	    "missing subject: give ip, domain or subject");
}

static void
test_bad_values(void **state)
{
	expect_error("{\"ip\":\"192.0.2.1\"}", "missing category");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spamm\"}",
	    "category: unknown category 'spamm'");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"confidence\":0}",
	    "confidence: expected an integer from 1 to 100");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"confidence\":\"high\"}",
	    "confidence: expected an integer from 1 to 100");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"ttl\":-1}", "ttl: expected an integer from 0 to 4294967295");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"client_ip\":\"192.0.2.0/24\"}",
	    "client_ip: '192.0.2.0/24' is not an IP address");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"spf_helo\":\"maybe\"}", "spf_helo: 'maybe' is not one of none, "
	    "neutral, pass, fail, softfail, temperror, permerror");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"helo\":\"a b\"}",
	    "helo: only printable ASCII without spaces is allowed");
	expect_error("{\"ip\":\"192.0.2.1\",\"category\":\"spam\","
	    "\"colour\":\"red\"}", "unknown field 'colour'");
	expect_error("[{\"ip\":\"192.0.2.1\",\"category\":\"spam\"}]",
	    "a report must be a JSON object");
}

static void
test_bad_json(void **state)
{
	char err[256];

	assert_int_equal(parse("{\"ip\":\"192.0.2.1\",", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad JSON at line 1"));
	/* duplicate keys would let a later one silently win */
	assert_int_equal(parse("{\"ip\":\"192.0.2.1\",\"ip\":\"192.0.2.2\","
	    "\"category\":\"spam\"}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "duplicate"));
	/* not NUL-terminated: only len bytes are read */
	assert_int_equal(jsonl_parse_report("{\"ip\":\"192.0.2.1\",\"category\""
	    ":\"spam\"}garbage", 36, NOW, &r, err, sizeof(err)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults),
		cmocka_unit_test(test_every_field),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_bad_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
