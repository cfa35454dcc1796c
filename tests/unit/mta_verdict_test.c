/*
 * mta_verdict_test.c: reading back our MTA's fields from a message
 * (feeds/mta_verdict.c): Postfix's Received, reputed's Received-SPF and
 * reputed-milter's Authentication-Results; forged fields below ours and
 * other servers' fields ignored; the PRA from the header.
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

#include "feeds/mta_verdict.h"

static const char held[] =
    "Authentication-Results: mx.isp.example;\r\n"
    "\tspf=fail smtp.mailfrom=a@bad.spf.example;\r\n"
    "\tsender-id=fail header.from=a@bad.spf.example;\r\n"
    "\treputed=fail (127.0.0.4: 2 reports; score 0.9) policy.ip=127.0.0.4\r\n"
    "\t policy.zone=bl.reputed.example policy.code=2\r\n"
    "Received-SPF: fail (mx.isp.example: domain of a@bad.spf.example does "
    "not designate 127.0.0.4 as permitted sender) client-ip=127.0.0.4; "
    "envelope-from=\"a@bad.spf.example\"; helo=client.example; "
    "receiver=mx.isp.example; identity=mailfrom; mechanism=-all\r\n"
    "Received: from client.example (unknown [127.0.0.4])\r\n"
    "\tby mx.isp.example (Postfix) with ESMTP id AD2C1A743A1\r\n"
    "\tfor <user@isp.example>; Mon,  7 Dec 2026 02:58:23 +0000 (UTC)\r\n"
    "Authentication-Results: mx.isp.example; spf=pass "
    "smtp.mailfrom=ceo@forged.example; reputed=pass policy.ip=10.9.9.9\r\n"
    "Received: from evil (evil [10.9.9.9]) by mx.isp.example\r\n"
    "Sender: list@lists.example\r\n"
    "From: Someone <a@bad.spf.example>\r\n"
    "Subject: marked\r\n\r\nbody\r\n";

static void
test_held_message(void **state)
{
	struct mta_verdict v;
	char err[256];

	assert_int_equal(mta_verdict_read(held, strlen(held), "mx.isp.example",
	    &v, err, sizeof(err)), 0);
	assert_string_equal(v.client_ip, "127.0.0.4");
	assert_string_equal(v.helo, "client.example");
	assert_true(v.have_mail_from);
	assert_string_equal(v.mail_from, "a@bad.spf.example");
	assert_int_equal(v.spf_mail_from, SPF_FAIL);
	assert_int_equal(v.spf_helo, SPF_RESULTS);
	assert_int_equal(v.sender_id, SPF_FAIL);
	assert_true(v.listed);
	assert_int_equal(v.trusted, 3);
	/* RFC 4407: Sender before From */
	assert_int_equal(v.pra.status, PRA_FOUND);
	assert_string_equal(v.pra.addr, "list@lists.example");
	/* case and a final dot do not matter in the id */
	assert_int_equal(mta_verdict_read(held, strlen(held), "MX.isp.example.",
	    &v, err, sizeof(err)), 0);
}

static void
test_not_ours(void **state)
{
	struct mta_verdict v;
	char err[256];

	assert_int_equal(mta_verdict_read(held, strlen(held), "other.example",
	    &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no Received field by other.example"));
	/* a foreign Received on top: everything under it is untrusted */
	const char *relayed = "Received: from x by relay.example; now\n"
	    "Received: from y ([192.0.2.1]) by mx.isp.example; now\n\n";
	assert_int_equal(mta_verdict_read(relayed, strlen(relayed),
	    "mx.isp.example", &v, err, sizeof(err)), -1);
	/* a Received of ours with no address and no other field: no IP */
	const char *bare = "Received: by mx.isp.example; now\n\n";
	assert_int_equal(mta_verdict_read(bare, strlen(bare), "mx.isp.example",
	    &v, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no client address"));
	assert_int_equal(mta_verdict_read("no header", 9, "mx.isp.example",
	    &v, err, sizeof(err)), -1);
}

static void
test_received_spf_only(void **state)
{
	struct mta_verdict v;
	char err[256];
	const char *m =
	    "Received-SPF: pass (mx: ok) client-ip=2001:db8::1; "
	    "envelope-from=\"\"; helo=h.example; receiver=mx.isp.example; "
	    "identity=helo\n"
	    "Received-SPF: fail client-ip=192.0.2.99; receiver=other.example\n"
	    "Received: from h.example (h.example [IPv6:2001:db8::1])\n"
	    "\tby mx.isp.example (Postfix) with ESMTP id 1\n"
	    "From: x@y.example\n\n";

	assert_int_equal(mta_verdict_read(m, strlen(m), "mx.isp.example", &v,
	    err, sizeof(err)), 0);
	assert_string_equal(v.client_ip, "2001:db8::1");
	assert_string_equal(v.helo, "h.example");
	assert_true(v.have_mail_from);
	assert_string_equal(v.mail_from, "");		/* the null sender */
	assert_int_equal(v.spf_helo, SPF_PASS);
	assert_int_equal(v.spf_mail_from, SPF_RESULTS);
	assert_int_equal(v.trusted, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_held_message),
		cmocka_unit_test(test_not_ours),
		cmocka_unit_test(test_received_spf_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
