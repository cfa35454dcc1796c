/*
 * scen_fuzz.c: libFuzzer target for reputesim's scenario parser
 * (sim/scen.c). A scenario file is outside input to the simulator.
 * Besides not crashing: parsing is deterministic (the same text gives the
 * same scenario, byte for byte), and a scenario that parses stays within
 * the parser's bounds (node count, references of checks).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scenario a, b;
	char err[512], err2[512];
	int ra, rb;

	if (size > 65536)
		return 0;
	scen_default(&a);
	scen_default(&b);
	ra = scen_parse(&a, "fuzz", (const char *)data, size, err, sizeof(err));
	rb = scen_parse(&b, "fuzz", (const char *)data, size, err2,
	    sizeof(err2));
	if (ra != rb || (ra == 0 && memcmp(&a, &b, sizeof(a)) != 0) ||
	    (ra != 0 && strcmp(err, err2) != 0)) {
		fprintf(stderr, "parsing is not deterministic\n");
		abort();
	}
	if (ra != 0) {
		if (strncmp(err, "fuzz", 4) != 0) {
			fprintf(stderr, "error without the file name: %s\n",
			    err);
			abort();
		}
		return 0;
	}
	if (scen_nodes(&a) > 100000 || a.n_groups > SCEN_MAX_GROUPS ||
	    a.n_work > SCEN_MAX_WORK || a.n_checks > SCEN_MAX_CHECKS ||
	    a.duration == 0) {
		fprintf(stderr, "a parsed scenario out of bounds\n");
		abort();
	}
	return 0;
}
