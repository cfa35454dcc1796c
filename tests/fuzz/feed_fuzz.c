/*
 * feed_fuzz.c: libFuzzer target of the whole feed path (feeds/complaint.c
 * over mime.c, arf.c, xarf.c, dmarc.c): any bytes as a message, read in
 * each format. Every report it gives must pass feeds/jsonl.c's checks
 * (what the API and reputectl apply next), and a message that gives no
 * report must say why.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/complaint.h"
#include "feeds/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct feed_conf fc;

static void
conf_once(void)
{
	char err[128];

	if (fc.n_own_hosts > 0)
		return;
	feed_conf_add(&fc, "own-host", ".mailbox.example", err, sizeof(err));
	feed_conf_add(&fc, "own-host", "198.51.100.0/24", err, sizeof(err));
	feed_conf_add(&fc, "authserv-id", "mx1.mailbox.example", err,
	    sizeof(err));
	feed_conf_add(&fc, "own-domain", "example.com", err, sizeof(err));
	fc.max_unpacked = 1u << 20;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_result res;
	struct jsonl_report jr;
	char err[256];
	size_t i;
	json_t *r;

	conf_once();
	for (int f = FEED_AUTO; f <= FEED_DMARC; f++) {
		enum feed_outcome o = feed_parse(&fc, (enum feed_format)f,
		    (const char *)data, size, 1796601600000ULL, &res);
		if ((o == FEED_REPORTS) != (json_array_size(res.reports) > 0))
			abort();
		if (o != FEED_REPORTS && (res.reason == FR_NONE ||
		    res.why[0] == '\0'))
			abort();
		json_array_foreach(res.reports, i, r)
			if (jsonl_report_from_json(r, 1, &jr, err,
			    sizeof(err)) != 0)
				abort();
		feed_result_clear(&res);
	}
	return 0;
}
