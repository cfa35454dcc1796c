/*
 * mta_verdict_fuzz.c: libFuzzer target of feeds/mta_verdict.c, which
 * reads a message an ISP reports (any bytes): our Received,
 * Received-SPF and Authentication-Results fields, the PRA.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/mta_verdict.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mta_verdict v;
	char err[256];

	if (mta_verdict_read((const char *)data, size, "mx.isp.example", &v,
	    err, sizeof(err)) == 0 && (v.client_ip[0] == '\0' ||
	    strlen(v.client_ip) >= sizeof(v.client_ip) ||
	    v.spf_mail_from > SPF_RESULTS || v.sender_id > SPF_RESULTS))
		abort();
	return 0;
}
