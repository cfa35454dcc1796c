/*
 * dnswire_fuzz.c: libFuzzer target of the one DNS name decoder
 * (proto/dnswire.c). The first input byte is where the name starts in the
 * message made of the remaining bytes. Whatever the bytes: a name read is
 * at most 255 bytes of labels of at most 63 bytes ending in the root
 * label, the offset moves forward and stays inside the message, the text
 * form always fits DNS_NAME_TEXT_MAX, and a name without escaped bytes
 * reads back from its text to the same wire form. Lowercasing twice
 * changes nothing more than once.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/dnswire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_labels(const uint8_t *wire, size_t n)
{
	size_t o = 0;

	if (n == 0 || n > DNS_NAME_MAX)
		abort();
	while (wire[o] != 0) {
		if (wire[o] > DNS_LABEL_MAX)
			abort();
		o += 1 + (size_t)wire[o];
		if (o >= n)
			abort();
	}
	if (o + 1 != n)
		abort();
}

static void
check_text(const uint8_t *wire, size_t n)
{
	char text[DNS_NAME_TEXT_MAX];
	uint8_t back[DNS_NAME_MAX], low[DNS_NAME_MAX];

	if (dnswire_name_to_text(wire, n, text, sizeof(text)) != 0)
		abort();
	if (strchr(text, '\\') == NULL &&
	    (dnswire_name_from_text(text, back, 0) != n ||
	    memcmp(back, wire, n) != 0))
		abort();
	memcpy(low, wire, n);
	dnswire_name_lower(low, n);
	memcpy(back, low, n);
	dnswire_name_lower(back, n);
	if (memcmp(back, low, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t wire[DNS_NAME_MAX];

	if (size < 1)
		return 0;
	const uint8_t *msg = data + 1;
	size_t len = size - 1, start = data[0], off = start;
	size_t n = dnswire_name_read(msg, len, &off, wire);
	if (n == 0) {
		if (off != start)
			abort();
		return 0;
	}
	if (off <= start || off > len)
		abort();
	check_labels(wire, n);
	check_text(wire, n);
	return 0;
}
