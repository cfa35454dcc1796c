/*
 * conf_fuzz.c: libFuzzer target for the config parser (node/conf.c).
 * A config file is outside input to the daemon. Besides not crashing, a
 * config that parses must print (reputed -nv) to text that parses again
 * and prints the same: the normalised form is a fixed point.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints c into a new malloc'd buffer; sets *len. */
static char *
print_conf(const struct node_conf *c, size_t *len)
{
	char *out = NULL;
	FILE *f = open_memstream(&out, len);

	if (f == NULL)
		abort();
	conf_print(c, f);
	fclose(f);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct node_conf a, b;
	char err[512], *text, *once, *twice;
	size_t len1, len2;

	if (size > 65536)
		return 0;
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	if (conf_parse_buffer(&a, "fuzz", text, size, err, sizeof(err)) == 0) {
		once = print_conf(&a, &len1);
		if (conf_parse_buffer(&b, "fuzz", once, len1, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "printed config does not parse: %s\n", err);
			abort();
		}
		free(once);
		once = print_conf(&a, &len1);
		twice = print_conf(&b, &len2);
		if (len1 != len2 || memcmp(once, twice, len1) != 0) {
			fprintf(stderr, "printing is not a fixed point\n");
			abort();
		}
		free(once);
		free(twice);
	}
	free(text);
	return 0;
}
