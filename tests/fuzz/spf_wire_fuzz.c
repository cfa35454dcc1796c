/*
 * spf_wire_fuzz.c: libFuzzer target of the DNS answer reader that
 * resolver_unbound.c uses (feeds/resolver_wire.c): any bytes as a
 * response packet, read for each record type SPF asks.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum dns_type types[] = { DNS_T_A, DNS_T_AAAA, DNS_T_MX,
	    DNS_T_PTR, DNS_T_TXT };
	struct dns_rr rr[8];
	uint8_t buf[512];
	struct dns_answer ans;

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		if (resolver_wire_parse(data, size, types[t], rr, 8, buf,
		    sizeof(buf), &ans) == -1)
			continue;
		for (size_t i = 0; i < ans.count; i++)
			if (rr[i].data < buf || rr[i].data + rr[i].len >
			    buf + sizeof(buf))
				abort();
	}
	return 0;
}
