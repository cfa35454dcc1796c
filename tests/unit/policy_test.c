/*
 * policy_test.c: the Postfix policy core (node/mta/policy.c): request
 * parsing and its limits, the action for each listing and SPF result
 * under each configured action, one Received-SPF per message, and the
 * Received-SPF field's quoting (RFC 7208 9.1), with hostile values.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "node/mta/policy.h"

static const char full[] =
    "request=smtpd_access_policy\nprotocol_state=RCPT\n"
    "protocol_name=ESMTP\nclient_address=192.0.2.1\n"
    "client_name=mx.example.com\nhelo_name=mx.example.com\n"
    "sender=foo@example.com\nrecipient=bar@example.net\n"
    "instance=123.456.7\nsize=12345\nccert_subject=\n";

static int
parse(const char *text, struct policy_request *req, char *err)
{
	return policy_parse(text, strlen(text), 128, 16, req, err, 256);
}

static void
test_parse_postfix(void **state)
{
	struct policy_request req;
	char err[256];

	assert_int_equal(parse(full, &req, err), 0);
	assert_string_equal(req.client_address, "192.0.2.1");
	assert_string_equal(req.helo_name, "mx.example.com");
	assert_string_equal(req.sender, "foo@example.com");
	assert_string_equal(req.instance, "123.456.7");
	assert_string_equal(req.protocol_state, "RCPT");
	assert_int_equal(req.nattrs, 11);
	assert_true(policy_wants_helo(&req));
	assert_true(policy_wants_mfrom(&req));
	/* the same with CR LF line ends (a hand-typed client) */
	assert_int_equal(parse("request=smtpd_access_policy\r\nsender=a@b.c\r\n",
	    &req, err), 0);
	assert_string_equal(req.sender, "a@b.c");
}

static void
test_parse_refused(void **state)
{
	struct policy_request req;
	char err[256], line[200];

	assert_int_equal(parse("client_address=192.0.2.1\n", &req, err), -1);
	assert_string_equal(err, "no request attribute");
	assert_int_equal(parse("request=other\n", &req, err), -1);
	assert_int_equal(parse("request=smtpd_access_policy\nrequest="
	    "smtpd_access_policy\n", &req, err), -1);
	assert_int_equal(parse("request=smtpd_access_policy\nnoequals\n", &req,
	    err), -1);
	assert_int_equal(parse("=x\nrequest=smtpd_access_policy\n", &req, err), -1);
	assert_int_equal(parse("request=smtpd_access_policy\n\nsender=a@b\n",
	    &req, err), -1);
	assert_int_equal(policy_parse("request=smtpd_access_policy\n\0x=y\n",
	    32, 128, 16, &req, err, sizeof(err)), -1);
	/* the line limit: 128 bytes kept, 129 refused */
	memset(line, 'a', sizeof(line));
	memcpy(line, "stress=", 7);
	line[128] = '\0';
	char text[400];
	snprintf(text, sizeof(text), "request=smtpd_access_policy\n%s\n", line);
	assert_int_equal(parse(text, &req, err), 0);
	line[128] = 'a';
	line[129] = '\0';
	snprintf(text, sizeof(text), "request=smtpd_access_policy\n%s\n", line);
	assert_int_equal(parse(text, &req, err), -1);
	/* the attribute limit: 16 kept, 17 refused */
	char many[600] = "request=smtpd_access_policy\n";
	for (int i = 1; i < 16; i++)
		strcat(many, "x=1\n");
	assert_int_equal(parse(many, &req, err), 0);
	strcat(many, "x=1\n");
	assert_int_equal(parse(many, &req, err), -1);
	assert_string_equal(err, "more than 16 attributes");
	/* a known attribute that does not fit its slot */
	char helo[400] = "request=smtpd_access_policy\nhelo_name=";
	memset(helo + strlen(helo), 'h', 300);
	helo[strlen("request=smtpd_access_policy\nhelo_name=") + 300] = '\0';
	assert_int_equal(policy_parse(helo, strlen(helo), 1000, 16, &req, err,
	    sizeof(err)), -1);
}

static void
facts_pass(struct policy_facts *f, enum spf_result mfrom)
{
	memset(f, 0, sizeof(*f));
	f->spf_mfrom.checked = true;
	f->spf_mfrom.result = mfrom;
	snprintf(f->spf_mfrom.domain, sizeof(f->spf_mfrom.domain), "example.com");
	f->spf_helo.checked = true;
	f->spf_helo.result = SPF_NONE;
}

static void
test_decide(void **state)
{
	struct policy_request req;
	struct policy_facts f;
	struct mta_conf m;
	char err[256], out[POLICY_ACTION_MAX];

	mta_conf_defaults(&m);
	assert_int_equal(parse(full, &req, err), 0);
	facts_pass(&f, SPF_PASS);
	f.client.listed = true;
	snprintf(f.client.zone, sizeof(f.client.zone), "bl.example");
	snprintf(f.client.txt, sizeof(f.client.txt), "192.0.2.1: spam");
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_LISTED);
	assert_string_equal(out, "action=554 5.7.1 Service unavailable; client "
	    "host [192.0.2.1] blocked using bl.example; 192.0.2.1: spam");
	m.reject_listed = false;
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_PREPEND);
	/* a listed MAIL FROM domain counts only when SPF passed */
	facts_pass(&f, SPF_PASS);
	f.mfrom.listed = true;
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_LISTED_DOMAIN);
	facts_pass(&f, SPF_SOFTFAIL);
	f.mfrom.listed = true;
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_PREPEND);
	/* fail: reject with the explanation, or defer, or mark */
	facts_pass(&f, SPF_FAIL);
	snprintf(f.spf_mfrom.explanation, sizeof(f.spf_mfrom.explanation),
	    "not\r\nours");
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_SPF_ACTION);
	assert_string_equal(out, "action=550 5.7.23 SPF fail for mailfrom "
	    "example.com: not??ours");
	m.spf_fail = MTA_DEFER;
	policy_decide(&m, "mx", &req, &f, out, sizeof(out));
	assert_string_equal(out, "action=451 4.7.23 SPF fail for mailfrom "
	    "example.com: not??ours");
	m.spf_fail = MTA_MARK;
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_PREPEND);
	assert_non_null(strstr(out, "action=PREPEND Received-SPF: fail ("));
	/* temperror: defer_if_permit by default */
	facts_pass(&f, SPF_TEMPERROR);
	snprintf(f.spf_mfrom.problem, sizeof(f.spf_mfrom.problem), "timeout");
	policy_decide(&m, "mx", &req, &f, out, sizeof(out));
	assert_string_equal(out, "action=DEFER_IF_PERMIT 4.7.24 SPF temperror "
	    "for mailfrom example.com: timeout");
	/* a HELO fail decides before MAIL FROM (RFC 7208 2.3) */
	facts_pass(&f, SPF_PASS);
	f.spf_helo.result = SPF_FAIL;
	m.spf_fail = MTA_REJECT;
	policy_decide(&m, "mx", &req, &f, out, sizeof(out));
	assert_non_null(strstr(out, "SPF fail for helo"));
	/* one Received-SPF per message */
	facts_pass(&f, SPF_PASS);
	f.prepended = true;
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_DUNNO);
	assert_string_equal(out, "action=DUNNO");
	/* nothing checked */
	memset(&f, 0, sizeof(f));
	assert_int_equal(policy_decide(&m, "mx", &req, &f, out, sizeof(out)),
	    POLICY_DUNNO);
}

static void
test_received_spf(void **state)
{
	struct policy_request req;
	struct policy_spf spf = { .checked = true, .result = SPF_PASS };
	char err[256], out[1024];

	assert_int_equal(parse(full, &req, err), 0);
	snprintf(spf.mechanism, sizeof(spf.mechanism), "ip4:192.0.2.0/24");
	assert_true(policy_received_spf("mx.isp.example", &req, &spf,
	    "mailfrom", out, sizeof(out)) > 0);
	assert_string_equal(out, "Received-SPF: pass (mx.isp.example: domain of "
	    "foo@example.com designates 192.0.2.1 as permitted sender) "
	    "client-ip=192.0.2.1; envelope-from=\"foo@example.com\"; "
	    "helo=mx.example.com; receiver=mx.isp.example; identity=mailfrom; "
	    "mechanism=\"ip4:192.0.2.0/24\"");
	/* hostile values: quoted, escaped, no parenthesis in the comment */
	assert_int_equal(parse("request=smtpd_access_policy\nclient_address="
	    "192.0.2.1\nhelo_name=a\"b(c)\\d\nsender=x\"y@e(x).com\n", &req,
	    err), 0);
	spf.mechanism[0] = '\0';
	assert_true(policy_received_spf("mx", &req, &spf, "mailfrom", out,
	    sizeof(out)) > 0);
	assert_string_equal(out, "Received-SPF: pass (mx: domain of x\"y@e?x?.com "
	    "designates 192.0.2.1 as permitted sender) client-ip=192.0.2.1; "
	    "envelope-from=\"x\\\"y@e(x).com\"; helo=\"a\\\"b(c)\\\\d\"; "
	    "receiver=mx; identity=mailfrom");
	/* too small a buffer: 0, not a cut field */
	assert_int_equal(policy_received_spf("mx", &req, &spf, "mailfrom", out,
	    40), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_postfix),
		cmocka_unit_test(test_parse_refused),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_received_spf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
