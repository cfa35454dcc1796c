/*
 * conf_test.c: the config parser (node/conf.c) on text in memory: the
 * embedded default, every value form, defaults filled in after the file,
 * and errors that name the line and what was expected.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "node/node.h"

static struct node_conf *
parse(const char *text, char *err, size_t errlen)
{
	static struct node_conf c;
	size_t len = strlen(text);
	char *buf = malloc(len + 1);

	memcpy(buf, text, len);
	int rc = conf_parse_buffer(&c, "t.conf", buf, len, err, errlen);
	free(buf);
	return rc == 0 ? &c : NULL;
}

static void
expect_error(const char *text, const char *want)
{
	char err[512];

	assert_null(parse(text, err, sizeof(err)));
	assert_string_equal(err, want);
}

static void
test_embedded_default(void **state)
{
	struct node_conf c;
	char err[256];

	assert_int_equal(conf_load(&c, NULL, err, sizeof(err)), 0);
	assert_string_equal(c.path, "(embedded)");
	assert_string_equal(c.directory, "./var");
	assert_int_equal(c.n_dns_listen, 1);
	assert_string_equal(c.dns_listen[0].host, "127.0.0.1");
	assert_int_equal(c.dns_listen[0].port, 5353);
	assert_string_equal(c.api_listen.host, "127.0.0.1");
	assert_int_equal(c.api_listen.port, 8053);
	assert_int_equal(c.n_zones, 3);
	assert_string_equal(c.zones[0].name, "bl.reputed.example");
	assert_int_equal(c.zones[0].kind, ZONE_IP);
	assert_string_equal(c.zones[1].name, "dbl.reputed.example");
	assert_int_equal(c.zones[1].kind, ZONE_DOMAIN);
	assert_true(c.zones[1].subdomains);
	assert_string_equal(c.zones[2].name, "wl.reputed.example");
	assert_int_equal(c.zones[2].kind, ZONE_ALLOW);
	assert_int_equal(c.peer_listen.port, 0);
}

static void
test_defaults_after_file(void **state)
{
	char err[256];
	struct node_conf *c = parse("zone:\n name: bl.example\n kind: ip\n",
	    err, sizeof(err));
	struct policy p;

	assert_non_null(c);
	assert_string_equal(c->key_file, "node.key");
	assert_string_equal(c->pidfile, "reputed.pid");
	assert_string_equal(c->zones[0].ns, "ns.bl.example");
	assert_string_equal(c->zones[0].hostmaster, "hostmaster.bl.example");
	assert_int_equal(c->zones[0].ttl, 2100);
	assert_int_equal(c->edns_size, 1232);
	policy_default(&p);
	assert_memory_equal(&c->policy, &p, sizeof(p));
}

static void
test_addresses(void **state)
{
	char err[256];
	struct node_conf *c = parse("dns:\n listen: 192.0.2.1@53\n"
	    " listen: [2001:db8::1]:5353\n listen: ::1\n listen: 10.0.0.1:54\n"
	    " listen: \"::ffff:192.0.2.2@55\"\n", err, sizeof(err));

	assert_non_null(c);
	assert_int_equal(c->n_dns_listen, 5);
	assert_string_equal(c->dns_listen[1].host, "2001:db8::1");
	assert_int_equal(c->dns_listen[1].port, 5353);
	assert_string_equal(c->dns_listen[2].host, "::1");
	assert_int_equal(c->dns_listen[2].port, 53);
	assert_string_equal(c->dns_listen[3].host, "10.0.0.1");
	assert_int_equal(c->dns_listen[3].port, 54);
	assert_int_equal(c->dns_listen[4].port, 55);
	expect_error("dns:\n listen: [::1\n", "t.conf:2: bad address '[::1'");
	expect_error("dns:\n listen: 1.2.3.4@\n",
	    "t.conf:2: expected a number, not ''");
}

static void
test_durations(void **state)
{
	char err[256];
	struct node_conf *c = parse("zone:\n name: a.example\n kind: ip\n"
	    " ttl: 2w\n negative-ttl: 15m\npolicy:\n half-life: spam 36h\n"
	    " future-slack: 30s\n", err, sizeof(err));

	assert_non_null(c);
	assert_int_equal(c->zones[0].ttl, 2 * 604800);
	assert_int_equal(c->zones[0].negative_ttl, 900);
	assert_true(c->policy.half_life_s[REPUTED__CATEGORY__CATEGORY_SPAM] ==
	    36 * 3600);
	assert_int_equal(c->policy.future_slack_ms, 30000);
	expect_error("policy:\n max-ttl: 99999999w\n",
	    "t.conf:2: duration '99999999w' is too long");
	expect_error("policy:\n half-life: spam 0\n",
	    "t.conf:2: half-life must be longer than 0");
}

static void
test_origins_and_peers(void **state)
{
	char err[256];
	struct node_conf *c = parse("policy:\n default-trust: 0.3\norigin:\n"
	    " key: 0101010101010101010101010101010101010101010101010101010101010101\n"
	    "peering:\n peer: b h.example@1 pin "
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
	    err, sizeof(err));

	assert_non_null(c);
	assert_int_equal(c->n_origins, 1);
	assert_true(c->origins[0].trust == 0.3);	/* filled from the policy */
	assert_int_equal(c->origins[0].key[31], 1);
	assert_int_equal(c->n_peers, 1);
	assert_string_equal(c->peers[0].addr.host, "h.example");
	assert_int_equal(c->peers[0].addr.port, 1);
	assert_int_equal(strlen(c->peers[0].pin), 64);
	assert_int_equal(c->peers[0].pin[0], 'a');
	expect_error("peering:\n peer: b h@1 pin\n",
	    "t.conf:2: expected peer: NAME HOST@PORT [pin HEX]");
	expect_error("peering:\n peer: b h@1 key aa\n",
	    "t.conf:2: expected 'pin', not 'key'");
}

static void
test_errors_name_the_line(void **state)
{
	expect_error("\n\nserver:\n  bogus: 1\n",
	    "t.conf:4: unknown keyword 'bogus' in server:");
	expect_error("api:\n listen: 127.0.0.1@8053 # comment\n listen\n",
	    "t.conf:3: expected 'keyword:', not 'listen'");
	expect_error("server:\n name: \"a\"b\n",
	    "t.conf:2: expected a space after a quoted value");
	expect_error("dns:\n threads: 0\n", "t.conf:2: threads must be at least 1");
	expect_error("zone:\n name: a.example\n",
	    "t.conf:1: zone a.example: missing kind (ip, domain or allow)");
	expect_error("zone:\n kind: ip\n zone: x\n",
	    "t.conf:3: unknown keyword 'zone' in zone:");
	expect_error("server:\n a: 1 2 3 4 5 6 7 8 9\n",
	    "t.conf:2: too many values on one line");
	expect_error("policy:\n code: spam 1\n", "t.conf:2: code must be 0 "
	    "(never listed) or from 2 to 255 (127.0.0.1 means not listed)");
}

static void
test_sizes_and_wildcards(void **state)
{
	char err[256];
	struct node_conf *c = parse("server:\n store-size: 512m\n", err,
	    sizeof(err));

	assert_non_null(c);
	assert_int_equal(c->store_size, 512ull << 20);
	assert_non_null(c = parse("server:\n store-size: 2t\n", err,
	    sizeof(err)));
	assert_int_equal(c->store_size, 2ull << 40);
	assert_non_null(c = parse("server:\n store-size: 0\n", err,
	    sizeof(err)));
	assert_int_equal(c->store_size, 0);
	assert_non_null(c = parse("server:\n store-size: 64G\n", err,
	    sizeof(err)));
	assert_int_equal(c->store_size, 64ull << 30);
	expect_error("server:\n store-size: 64gb\n",
	    "t.conf:2: expected a size (512m, 64g), not '64gb'");
	expect_error("zone:\n name: bl.example\n kind: ip\n ns: *.example\n",
	    "t.conf:4: a wildcard is not a name: '*.example'");
	expect_error("peering:\n peer: b *.example@1\n",
	    "t.conf:2: expected an address or a host name, not '*.example'");
}

static void
test_batching(void **state)
{
	char err[256];
	struct node_conf *c = parse("api:\n", err, sizeof(err));

	assert_non_null(c);	/* the defaults: the window of before */
	assert_int_equal(c->batch_window_ms, 100);
	assert_int_equal(c->batch_size, 256);
	assert_true(c->batch_idle_seal);
	assert_non_null(c = parse("server:\n batch-window: 250ms\n"
	    " batch-size: 64\n batch-idle: wait\n", err, sizeof(err)));
	assert_int_equal(c->batch_window_ms, 250);
	assert_int_equal(c->batch_size, 64);
	assert_false(c->batch_idle_seal);
	assert_non_null(c = parse("server:\n batch-window: 2s\n", err,
	    sizeof(err)));
	assert_int_equal(c->batch_window_ms, 2000);
	expect_error("server:\n batch-window: 100\n",
	    "t.conf:2: '100' is too long (at most 60s)");
	expect_error("server:\n batch-window: 0ms\n",
	    "t.conf:2: expected more than 0, not '0ms'");
	expect_error("server:\n batch-size: 257\n",
	    "t.conf:2: expected a number from 0 to 256, not '257'");
	expect_error("server:\n batch-size: 0\n",
	    "t.conf:2: expected 1 to 256, not 0");
	expect_error("server:\n batch-idle: yes\n",
	    "t.conf:2: expected seal or wait, not 'yes'");
}

static void
test_nul_byte(void **state)
{
	struct node_conf c;
	char text[] = "server:\n name: a\0b\n", err[128];

	assert_int_equal(conf_parse_buffer(&c, "t.conf", text,
	    sizeof(text) - 1, err, sizeof(err)), -1);
	assert_string_equal(err, "t.conf:2: NUL byte in the file");
}

static void
test_limits(void **state)
{
	char text[16 * 64 + 64], err[256];
	size_t off = 0;

	for (int i = 0; i <= CONF_MAX_ZONES; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "zone:\n");
	assert_null(parse(text, err, sizeof(err)));
	assert_string_equal(err, "t.conf:17: too many zones (at most 16)");
}

static void
test_print_reads_back(void **state)
{
	char err[256], *out = NULL;
	size_t len = 0;
	struct node_conf a, b;
	FILE *f;

	assert_int_equal(conf_load(&a, NULL, err, sizeof(err)), 0);
	f = open_memstream(&out, &len);
	conf_print(&a, f);
	fclose(f);
	assert_int_equal(conf_parse_buffer(&b, "(printed)", out, len, err,
	    sizeof(err)), 0);
	snprintf(b.path, sizeof(b.path), "%s", a.path);
	assert_memory_equal(&a, &b, sizeof(a));
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_embedded_default),
		cmocka_unit_test(test_defaults_after_file),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_origins_and_peers),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_sizes_and_wildcards),
		cmocka_unit_test(test_batching),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_print_reads_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
