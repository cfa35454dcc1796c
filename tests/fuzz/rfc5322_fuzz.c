/*
 * rfc5322_fuzz.c: libFuzzer target of the RFC 5322 header reader
 * (feeds/rfc5322.c) and the PRA selection (feeds/pra.c): any bytes as a
 * header section; every field value is also read as an address list.
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
	struct rfc5322_header hdr;
	struct pra_result pra;
	char addrs[4][SPF_DOMAIN_MAX + 66], err[128];

	if (rfc5322_parse((const char *)data, size, &hdr, err, sizeof(err)) == -1)
		return 0;
	pra_select(&hdr, &pra);
	if (pra.status == PRA_FOUND && strchr(pra.addr, '@') == NULL)
		abort();
	for (size_t i = 0; i < hdr.nfields; i++)
		(void)rfc5322_mailboxes(hdr.fields[i].value, addrs, 4, err,
		    sizeof(err));
	rfc5322_clear(&hdr);
	return 0;
}
