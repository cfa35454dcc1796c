/*
 * jsonl_fuzz.c: libFuzzer target for feeds/jsonl.c, the JSON report parser
 * behind POST /v1/reports and `reputectl report --jsonl`. Besides not
 * crashing: a report it accepts must have a subject that reads back
 * (subject_from_proto) and must pack.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "feeds/jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jsonl_report r;
	struct subject s;
	char err[256];
	uint8_t *buf;

	if (jsonl_parse_report((const char *)data, size, 1700000000000ull, &r,
	    err, sizeof(err)) != 0)
		return 0;
	if (subject_from_proto(r.report.subject, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "accepted subject does not read back: %s\n", err);
		abort();
	}
	if ((buf = malloc(reputed__report__get_packed_size(&r.report) + 1)) == NULL)
		return 0;
	reputed__report__pack(&r.report, buf);
	free(buf);
	return 0;
}
