/*
 * feeds_test.c: unit tests of the abuse-report feeds (feeds/mime.c,
 * arf.c, xarf.c, dmarc.c, complaint.c). Each message in tests/data/feeds
 * has a NAME.want beside it: the first line is "OUTCOME REASON", then the
 * reports it must give, one JSON object a line (keys sorted). With
 * FEEDS_TEST_PRINT=1 in the environment the test prints what came instead
 * of comparing (to write a .want after reading the message by hand).
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

#include "feeds/complaint.h"
#include "feeds/jsonl.h"

#define DATA	"tests/data/feeds/"
#define NOW	1796601600000ULL	/* 2026-12-07T00:00:00Z */

static const char *outcome_names[] = { "reports", "skipped", "refused" };

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

static void
test_conf(struct feed_conf *fc)
{
	char err[128];

	memset(fc, 0, sizeof(*fc));
	assert_int_equal(feed_conf_add(fc, "own-host", ".mailbox.example", err,
	    sizeof(err)), 0);
	assert_int_equal(feed_conf_add(fc, "own-host", "198.51.100.0/24", err,
	    sizeof(err)), 0);
	assert_int_equal(feed_conf_add(fc, "authserv-id", "mx1.mailbox.example",
	    err, sizeof(err)), 0);
	assert_int_equal(feed_conf_add(fc, "authserv-id", "mail.example.com",
	    err, sizeof(err)), 0);
	assert_int_equal(feed_conf_add(fc, "own-domain", "example.com", err,
	    sizeof(err)), 0);
}

/* What a message gave, in the .want form. */
static char *
render(const struct feed_result *res)
{
	size_t cap = 65536, n;
	char *out = malloc(cap);
	size_t i;
	json_t *r;

	assert_non_null(out);
	n = (size_t)snprintf(out, cap, "%s %s\n", outcome_names[res->outcome],
	    feed_reason_name(res->reason));
	json_array_foreach(res->reports, i, r) {
		char *line = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
		n += (size_t)snprintf(out + n, cap - n, "%s\n", line);
		free(line);
	}
	return out;
}

/* Every report must pass feeds/jsonl.c as the API would check it. */
static void
check_jsonl(const struct feed_result *res)
{
	struct jsonl_report jr;
	char err[256];
	size_t i;
	json_t *r;

	json_array_foreach(res->reports, i, r)
		if (jsonl_report_from_json(r, NOW, &jr, err, sizeof(err)) != 0)
			fail_msg("report %zu refused by jsonl: %s", i, err);
}

static void
run_case(const char *name, enum feed_format fmt, const char *want_name)
{
	char path[256], *msg, *want, *got;
	size_t len, wlen;
	struct feed_conf fc;
	struct feed_result res;

	test_conf(&fc);
	snprintf(path, sizeof(path), DATA "%s", name);
	msg = slurp(path, &len);
	assert_non_null(msg);
	feed_parse(&fc, fmt, msg, len, NOW, &res);
	got = render(&res);
	check_jsonl(&res);
	if (getenv("FEEDS_TEST_PRINT") != NULL) {
		printf("== %s (%s)\n%s", name, res.why, got);
	} else {
		snprintf(path, sizeof(path), DATA "%s.want", want_name ?
		    want_name : name);
		want = slurp(path, &wlen);
		if (want == NULL)
			fail_msg("%s: no .want file", name);
		if (strcmp(want, got) != 0)
			fail_msg("%s (%s):\nwant:\n%sgot:\n%s", name, res.why,
			    want, got);
		free(want);
	}
	feed_result_clear(&res);
	free(got);
	free(msg);
}

#define CASE(fn, file, fmt) \
	static void fn(void **state) { run_case(file, fmt, NULL); }

CASE(test_rfc5965_b1, "rfc5965-b1.eml", FEED_ARF)
CASE(test_rfc5965_b2, "rfc5965-b2.eml", FEED_AUTO)
CASE(test_rfc6591, "rfc6591-b.eml", FEED_AUTO)
CASE(test_dmarc_7489, "dmarc-rfc7489.xml", FEED_DMARC)
CASE(test_dmarc_9990, "dmarc-rfc9990.xml", FEED_AUTO)
CASE(test_crlf_abuse, "crlf-abuse.eml", FEED_AUTO)
CASE(test_cr_received, "cr-received.eml", FEED_AUTO)
CASE(test_b64_qp, "b64-qp.eml", FEED_AUTO)
CASE(test_forged_ar, "forged-ar.eml", FEED_AUTO)
CASE(test_fraud_uri, "fraud-uri.eml", FEED_AUTO)
CASE(test_virus, "virus.eml", FEED_AUTO)
CASE(test_not_spam, "not-spam.eml", FEED_AUTO)
CASE(test_opt_out, "opt-out.eml", FEED_AUTO)
CASE(test_no_subject, "no-subject.eml", FEED_AUTO)
CASE(test_not_a_report, "not-a-report.eml", FEED_AUTO)
CASE(test_deep_nesting, "deep-nesting.eml", FEED_AUTO)
CASE(test_broken_base64, "broken-base64.eml", FEED_AUTO)
CASE(test_xarf_spam, "xarf-spam.eml", FEED_XARF)
CASE(test_xarf_old, "xarf-old.json", FEED_AUTO)
CASE(test_xarf_copyright, "xarf-copyright.json", FEED_AUTO)
CASE(test_dmarc_gzip, "dmarc-gzip.eml", FEED_AUTO)
CASE(test_dmarc_zip, "dmarc-zip.eml", FEED_DMARC)
CASE(test_zip_bomb, "zip-bomb.eml", FEED_AUTO)
CASE(test_gzip_bomb, "gzip-bomb.xml.gz", FEED_AUTO)
/* --format arf given an X-ARF message: not an ARF report */
static void
test_arf_asked_of_xarf(void **state)
{
	run_case("xarf-spam.eml", FEED_ARF, "xarf-spam-as-arf");
}

/* Over the stated limit: refused before any parsing. */
static void
test_oversized(void **state)
{
	struct feed_conf fc;
	struct feed_result res;
	size_t len = FEED_MAX_MESSAGE + 1;
	char *msg = malloc(len);

	test_conf(&fc);
	assert_non_null(msg);
	memset(msg, 'a', len);
	memcpy(msg, "From: a@b.example\n\n", 19);
	assert_int_equal(feed_parse(&fc, FEED_AUTO, msg, len, NOW, &res),
	    FEED_REFUSED);
	assert_int_equal(res.reason, FR_TOO_BIG);
	assert_int_equal(json_array_size(res.reports), 0);
	feed_result_clear(&res);
	free(msg);
}

/* Line ends: the same message with CRLF, LF and CR gives the same tree. */
static void
test_mime_line_ends(void **state)
{
	static const char lf[] = "Content-Type: multipart/mixed;\n"
	    " boundary=x\n\n--x\nContent-Type: text/plain\n"
	    "Content-Transfer-Encoding: quoted-printable\n\na=3Db=\n"
	    "c\n--x--\n";
	char crlf[256], cr[256], err[128];
	size_t n = 0, k = 0;

	for (const char *p = lf; *p; p++) {
		if (*p == '\n')
			crlf[n++] = '\r';
		crlf[n++] = *p;
		cr[k++] = *p == '\n' ? '\r' : *p;
	}
	const char *texts[] = { lf, crlf, cr };
	size_t lens[] = { strlen(lf), n, k };
	for (int i = 0; i < 3; i++) {
		struct mime_msg m;
		assert_int_equal(mime_parse(texts[i], lens[i], &m, err,
		    sizeof(err)), MIME_OK);
		assert_int_equal(m.nparts, 2);
		assert_string_equal(m.parts[0].type, "multipart/mixed");
		assert_string_equal(m.parts[1].type, "text/plain");
		assert_int_equal(m.parts[1].body_len, 4);
		assert_memory_equal(m.parts[1].body, "a=bc", 4);
		mime_free(&m);
	}
}

static void
test_mime_params(void **state)
{
	char out[64];

	assert_true(mime_param("multipart/report; report-type=\"feedback-"
	    "report\";\n\tboundary=\"a b\\\"c\"", "boundary", out,
	    sizeof(out)));
	assert_string_equal(out, "a b\"c");
	assert_true(mime_param("text/plain; (comment) CharSet = us-ascii",
	    "charset", out, sizeof(out)));
	assert_string_equal(out, "us-ascii");
	assert_false(mime_param("text/plain", "charset", out, sizeof(out)));
	assert_false(mime_param("text/plain; charset=\"open", "charset", out,
	    sizeof(out)));
}

static void
test_auth_results(void **state)
{
	struct feed_conf fc;
	struct feed_auth a;

	test_conf(&fc);
	assert_true(feed_auth_results(&fc, "MX1.mailbox.example 1; spf=softfail"
	    " (no) smtp.mailfrom=a@b; sender-id=fail header.from=a@b",
	    &a));
	assert_int_equal(a.spf_mfrom, auth_result_parse("softfail"));
	assert_int_equal(a.sender_id, auth_result_parse("fail"));
	assert_int_equal(a.spf_helo, -1);
	assert_true(feed_auth_results(&fc, "mail.example.com; spf=pass "
	    "smtp.helo=mx.b.example", &a));
	assert_int_equal(a.spf_helo, auth_result_parse("pass"));
	assert_int_equal(a.spf_mfrom, -1);
	assert_false(feed_auth_results(&fc, "mx1.mailbox.example.evil; "
	    "spf=pass", &a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc5965_b1),
		cmocka_unit_test(test_rfc5965_b2),
		cmocka_unit_test(test_rfc6591),
		cmocka_unit_test(test_dmarc_7489),
		cmocka_unit_test(test_dmarc_9990),
		cmocka_unit_test(test_crlf_abuse),
		cmocka_unit_test(test_cr_received),
		cmocka_unit_test(test_b64_qp),
		cmocka_unit_test(test_forged_ar),
		cmocka_unit_test(test_fraud_uri),
		cmocka_unit_test(test_virus),
		cmocka_unit_test(test_not_spam),
		cmocka_unit_test(test_opt_out),
		cmocka_unit_test(test_no_subject),
		cmocka_unit_test(test_not_a_report),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_broken_base64),
		cmocka_unit_test(test_xarf_spam),
		cmocka_unit_test(test_xarf_old),
		cmocka_unit_test(test_xarf_copyright),
		cmocka_unit_test(test_dmarc_gzip),
		cmocka_unit_test(test_dmarc_zip),
		cmocka_unit_test(test_zip_bomb),
		cmocka_unit_test(test_gzip_bomb),
		cmocka_unit_test(test_arf_asked_of_xarf),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_mime_line_ends),
		cmocka_unit_test(test_mime_params),
		cmocka_unit_test(test_auth_results),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
