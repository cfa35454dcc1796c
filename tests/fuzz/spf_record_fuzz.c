/*
 * spf_record_fuzz.c: libFuzzer target of the SPF record parser
 * (feeds/spf_record.c) and, for records that parse, of the evaluator
 * (feeds/spf.c) over an in-memory zone where the record is example.com's
 * policy and includes point back at it. Whatever the record, evaluation
 * must end, free everything and stay within the lookup limits of RFC 7208
 * 4.6.4: at most 10 DNS terms, each costing at most 1 + 10 queries.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

#define MAX_QUERIES	(1 + SPF_DNS_TERM_LIMIT * (1 + SPF_NAME_LIMIT) + \
			 (1 + SPF_NAME_LIMIT) + 1)

static void
add(struct resolver *z, const char *name, enum dns_type t, const void *d,
    size_t len)
{
	resolver_mem_add(z, name, t, d, len, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t a[4] = { 192, 0, 2, 1 }, a6[16] = { 0x20, 1, 0xd, 0xb8 };
	struct spf_record *rec;
	struct resolver *z;
	struct spf_outcome out;
	char err[256];

	if (size > 4096)
		return 0;
	if ((rec = spf_record_parse(data, size, err, sizeof(err))) == NULL)
		return 0;
	spf_record_free(rec);
	if ((z = resolver_mem_new()) == NULL)
		return 0;
	add(z, "example.com", DNS_T_TXT, data, size);
	add(z, "example.com", DNS_T_A, a, 4);
	add(z, "example.com", DNS_T_AAAA, a6, 16);
	add(z, "example.com", DNS_T_MX, "example.com", 11);
	add(z, "example.com", DNS_T_MX, "mx.example.com", 14);
	add(z, "mx.example.com", DNS_T_A, a, 4);
	add(z, "1.2.0.192.in-addr.arpa", DNS_T_PTR, "example.com", 11);
	add(z, "sub.example.com", DNS_T_TXT, data, size);
	add(z, "exp.example.com", DNS_T_TXT, "%{i} %{s} %{p} %{r} %{t}", 24);
	for (int v6 = 0; v6 < 2; v6++) {
		struct spf_request req = {
			.ip = v6 ? "2001:db8::1" : "192.0.2.1",
			.sender = "user@example.com", .helo = "mx.example.com",
			.now = 1,
		};
		if (spf_run_sync(z, &req, &out, err, sizeof(err)) == -1)
			abort();
		if (out.queries > MAX_QUERIES || out.dns_terms > 11 ||
		    out.void_lookups > 3)
			abort();
	}
	resolver_free(z);
	return 0;
}
