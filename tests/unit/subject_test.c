/* subject_test.c: parsing, normalisation and key order of subjects.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "reputation/reputation.h"

static void
roundtrip(const char *in, const char *want)
{
	struct subject s, back;
	char err[160], buf[SUBJECT_TEXT_MAX];
	uint8_t key[SUBJECT_KEY_MAX];
	assert_int_equal(subject_parse(in, &s, err, sizeof(err)), 0);
	subject_format(&s, buf, sizeof(buf));
	assert_string_equal(buf, want);
	size_t n = subject_key(&s, key);
	assert_int_equal(subject_from_key(key, n, &back), 0);
	assert_true(subject_equal(&s, &back));
}

static void
test_parse_good(void **state)
{
	roundtrip("192.0.2.1", "192.0.2.1");
	roundtrip("192.0.2.0/24", "192.0.2.0/24");
	roundtrip("2001:db8::1", "2001:db8::1");
	roundtrip("2001:DB8::/32", "2001:db8::/32");
	roundtrip("::ffff:192.0.2.7", "192.0.2.7");
	roundtrip("::ffff:192.0.2.0/120", "192.0.2.0/24");
	roundtrip("Mail.Example.COM.", "mail.example.com");
	roundtrip("xn--bcher-kva.example", "xn--bcher-kva.example");
	roundtrip("_dmarc.example.org", "_dmarc.example.org");
	roundtrip("*.example.net", "*.example.net");
}

static void
expect_error(const char *in, const char *fragment)
{
	struct subject s;
	char err[160] = "";
	assert_int_equal(subject_parse(in, &s, err, sizeof(err)), -1);
	if (strstr(err, fragment) == NULL)
		fail_msg("'%s': error '%s' lacks '%s'", in, err, fragment);
}

static void
test_parse_bad(void **state)
{
	expect_error("192.0.2.1/24", "host bits");
	expect_error("192.0.2.0/33", "longer than /32");
	expect_error("192.0.2.0/x", "bad prefix length");
	expect_error("192.0.2.300", "neither an IP address nor a domain");
	expect_error("bücher.example", "non-ASCII");
	expect_error("localhost", "two labels");
	expect_error("a..example", "empty label");
	expect_error("-a.example", "starts or ends");
	expect_error("a.*.example", "first label");
	expect_error("exa mple.com", "not allowed");
	char big[300];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_error(big, "1 to 253");
	char label[80] = "";
	memset(label, 'b', 64);
	strcpy(label + 64, ".example");
	expect_error(label, "at most 63");
}

static int
key_cmp(const char *a, const char *b)
{
	struct subject sa, sb;
	char err[160];
	uint8_t ka[SUBJECT_KEY_MAX], kb[SUBJECT_KEY_MAX];
	assert_int_equal(subject_parse(a, &sa, err, sizeof(err)), 0);
	assert_int_equal(subject_parse(b, &sb, err, sizeof(err)), 0);
	size_t na = subject_key(&sa, ka), nb = subject_key(&sb, kb);
	int c = memcmp(ka, kb, na < nb ? na : nb);
	return c ? c : (int)na - (int)nb;
}

/* A domain and its subdomains are one contiguous key range: nothing that
 * is not below example.com sorts between them. */
static void
test_key_ranges(void **state)
{
	assert_true(key_cmp("example.com", "mail.example.com") < 0);
	assert_true(key_cmp("mail.example.com", "example-foo.com") < 0);
	assert_true(key_cmp("zzz.example.com", "example-foo.com") < 0);
	assert_true(key_cmp("example.co", "example.com") < 0);
	assert_true(key_cmp("10.0.0.0/8", "10.1.2.3") < 0);
	assert_true(key_cmp("10.255.255.255", "11.0.0.0") < 0);
	assert_true(key_cmp("9.255.255.255", "10.0.0.0/8") < 0);
}

static void
test_from_addr_mapped(void **state)
{
	uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 9 };
	struct subject s;
	char err[160];
	assert_int_equal(subject_from_addr(mapped, 16, 0, &s, err,
	    sizeof(err)), 0);
	assert_int_equal(s.kind, SUBJECT_IPV4);
	assert_int_equal(s.prefix_len, 32);
	assert_int_equal(subject_from_addr(mapped, 16, 64, &s, err,
	    sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_key_ranges),
		cmocka_unit_test(test_from_addr_mapped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
