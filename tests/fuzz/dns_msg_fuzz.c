/*
 * dns_msg_fuzz.c: libFuzzer target for the DNS core. The input is one DNS
 * message; it goes through dns_answer over UDP and over TCP against three
 * zones (ip, domain, allow) backed by a small in-memory source, through an
 * AXFR when the core flags one, and through the RRL slip. The answers are
 * parsed back, so a malformed answer shows up too. Each answer is made a
 * second time through an answer cache (dns_cache.c) kept across inputs:
 * the source never changes, so the two must be the same bytes.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <string.h>

#include "node/dns/dns.h"

static int
fz_addr(void *arg, const uint8_t *addr, size_t len, uint64_t now,
    bool allow, struct listing *out)
{
	if (allow || addr[0] % 3 != 0)
		return addr[0] == 255 ? -1 : 1;
	memset(out, 0, sizeof(*out));
	out->listed_until = UINT64_MAX;
	out->code = addr[len - 1];
	out->prefix_len = (uint8_t)(addr[0] % (8 * len + 1));
	out->n_reports = addr[1];
	return 0;
}

static int
fz_domain(void *arg, const char *name, uint64_t now, bool allow,
    struct listing *out)
{
	if (strlen(name) % 4 != 0)
		return 1;
	memset(out, 0, sizeof(*out));
	out->listed_until = UINT64_MAX;
	out->allowed_until = allow ? UINT64_MAX : 0;
	out->code = 3;
	return 0;
}

static int
fz_below(void *arg, const struct subject *p, bool allow, uint64_t now)
{
	return p->kind == SUBJECT_DOMAIN ? (int)(strlen(p->domain) % 2) :
	    p->prefix_len % 2;
}

static uint32_t
fz_serial(void *arg)
{
	return 7;
}

static void
fz_emit(void *arg, const uint8_t *msg, size_t len)
{
	size_t *total = arg;
	*total += len;
}

static struct dns_engine engine;
static const struct dns_source src = { NULL, fz_addr, fz_domain, fz_below,
	fz_serial, NULL };

static void
fz_init(void)
{
	static struct node_conf c;
	char err[128];
	const char *names[] = { "bl.test", "dbl.test", "wl.test" };
	c.n_zones = 3;
	for (int i = 0; i < 3; i++) {
		struct conf_zone *z = &c.zones[i];
		strcpy(z->name, names[i]);
		z->kind = (enum zone_kind)i;
		z->subdomains = i == 1;
		z->ttl = 60;
		z->negative_ttl = 30;
	}
	strcpy(c.zones[1].txt_template, "$subject $category $reports "
	    "$origins $score $last_seen $first_seen $code $");
	dns_engine_init(&engine, &c, err, sizeof(err));
}

static uint8_t out[DNS_MSG_MAX], cached[DNS_MSG_MAX];

/* The same answer through the cache; traps if it differs. */
static void
check_cached(const uint8_t *data, size_t size, bool tcp, const uint8_t *want,
    size_t n)
{
	static struct dns_cache *cache;
	static struct dns_source csrc;
	struct dns_result res;
	if (cache == NULL) {
		cache = dns_cache_new(1024);
		csrc = src;
		csrc.cache = cache;
		dns_cache_begin(cache, 1, engine.id);
	}
	size_t m = dns_answer(&engine, &csrc, data, size, cached,
	    sizeof(cached), tcp, 1000, &res);
	if (m != n || memcmp(cached, want, n) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_result res;
	static struct dns_xfr x;
	static bool ready;
	if (!ready) {
		fz_init();
		ready = true;
	}
	for (int tcp = 0; tcp < 2; tcp++) {
		size_t n = dns_answer(&engine, &src, data, size, out,
		    sizeof(out), tcp, 1000, &res);
		check_cached(data, size, tcp, out, n);
		if (n > 0) {
			struct dns_result again;
			uint8_t tmp[DNS_UDP_MIN];
			/* an answer is never answered */
			if (dns_answer(&engine, &src, out, n, tmp, sizeof(tmp),
			    false, 1000, &again) != 0)
				__builtin_trap();
			dns_rrl_slip(out, n);
		}
		if (res.xfr) {
			size_t total = 0;
			struct subject s;
			struct listing l;
			char err[64];
			if (dns_xfr_begin(&x, &engine, data, size, 7, 1000,
			    fz_emit, &total) == 0) {
				dns_test_listing(&l);
				subject_parse("10.0.0.0/9", &s, err, sizeof(err));
				dns_xfr_add(&x, &s, &l);
				subject_parse("*.x.example", &s, err,
				    sizeof(err));
				dns_xfr_add(&x, &s, &l);
				dns_xfr_end(&x);
			}
		}
	}
	return 0;
}
