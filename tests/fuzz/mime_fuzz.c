/*
 * mime_fuzz.c: libFuzzer target of the MIME reader (feeds/mime.c) and the
 * report readers over its tree (feeds/arf.c, xarf.c, dmarc.c): any bytes
 * as a message. Checks what must hold whatever the input: parts point
 * inside their message or a decoded copy, parents come first,
 * depths stay within MIME_MAX_DEPTH.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/complaint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_tree(const struct mime_msg *m)
{
	for (size_t i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];
		int inside = p->body >= m->text && p->body + p->body_len <=
		    m->text + m->len;
		int owned = 0;	/* in a decoded copy: its own or an ancestor's */
		for (size_t j = 0; j <= i && !owned; j++)
			owned = m->parts[j].owned != NULL &&
			    p->body >= m->parts[j].owned && p->body +
			    p->body_len <= m->parts[j].owned +
			    m->parts[j].body_len;
		if (!inside && !owned && p->body_len > 0)
			abort();
		if (p->parent >= (int)i || p->depth > MIME_MAX_DEPTH ||
		    (i > 0 && p->parent < 0))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mime_msg m;
	struct arf_report a;
	struct xarf_report x;
	struct dmarc_report d;
	char err[256];

	if (size > FEED_MAX_MESSAGE)
		return 0;
	if (mime_parse((const char *)data, size, &m, err, sizeof(err)) !=
	    MIME_OK)
		return 0;
	check_tree(&m);
	(void)arf_parse(&m, &a, err, sizeof(err));
	arf_clear(&a);
	(void)xarf_parse(&m, &x, err, sizeof(err));
	if (dmarc_parse_message(&m, 1u << 20, &d, err, sizeof(err)) == DMARC_OK)
		dmarc_clear(&d);
	mime_free(&m);
	return 0;
}
