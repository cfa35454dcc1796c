/*
 * subject_fuzz.c: subject text (command line, JSON lines, DNS query names)
 * and subject keys. The input is text for subject_parse and
 * subject_parse_domain, and raw bytes for subject_from_key.
 *
 * Checks, each an abort() when broken:
 *   - a parsed subject survives key -> subject_from_key, text ->
 *     subject_parse, and proto -> subject_from_proto unchanged (the whole
 *     struct, byte for byte: the parsers zero what they do not set);
 *   - a domain's key is a prefix of each of its subdomains' keys, less the
 *     closing 0 (the contiguous-range property lookups rely on);
 *   - a key that subject_from_key accepts and whose domain is normalised
 *     re-keys to the same bytes. subject_from_key only reads keys we wrote
 *     and does not check label characters, so a '.' inside a key label
 *     (which re-keys as two labels) is skipped, not treated as a bug.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reputation/reputation.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_round_trips(const struct subject *s)
{
	uint8_t key[SUBJECT_KEY_MAX];
	char text[SUBJECT_TEXT_MAX + 1], err[256];
	struct subject back;
	Reputed__Subject pb;
	size_t klen = subject_key(s, key);
	if (klen == 0 || klen > SUBJECT_KEY_MAX)
		fuzz_fail("subject_key length", NULL);
	if (subject_from_key(key, klen, &back) != 0)
		fuzz_fail("subject_from_key refuses a key of subject_key",
		    NULL);
	if (memcmp(&back, s, sizeof(back)) != 0 || !subject_equal(&back, s))
		fuzz_fail("key round trip changed the subject", NULL);
	size_t tlen = subject_format(s, text, sizeof(text));
	if (tlen == 0 || tlen >= sizeof(text))
		fuzz_fail("subject_format", NULL);
	if (subject_parse(text, &back, err, sizeof(err)) != 0)
		fuzz_fail("formatted subject does not parse", err);
	if (memcmp(&back, s, sizeof(back)) != 0)
		fuzz_fail("text round trip changed the subject", text);
	subject_to_proto(s, &pb);
	if (subject_from_proto(&pb, &back, err, sizeof(err)) != 0)
		fuzz_fail("subject_to_proto gives an invalid subject", err);
	if (memcmp(&back, s, sizeof(back)) != 0)
		fuzz_fail("proto round trip changed the subject", text);
}

/* The parent of a domain (drop its first label) keys as a prefix. */
static void
check_parent(const struct subject *s)
{
	const char *dot = strchr(s->domain, '.');
	struct subject parent;
	uint8_t key[SUBJECT_KEY_MAX], pkey[SUBJECT_KEY_MAX];
	char err[256];
	if (dot == NULL || subject_parse_domain(dot + 1, &parent, err,
	    sizeof(err)) != 0)
		return;
	size_t klen = subject_key(s, key), plen = subject_key(&parent, pkey);
	if (plen >= klen || memcmp(key, pkey, plen - 1) != 0)
		fuzz_fail("a parent's key is not a prefix of its child's",
		    s->domain);
}

static void
check_raw_key(const uint8_t *data, size_t size)
{
	struct subject s, norm;
	uint8_t key[SUBJECT_KEY_MAX];
	char text[SUBJECT_TEXT_MAX + 1], err[256];
	if (subject_from_key(data, size, &s) != 0)
		return;
	if (s.kind == SUBJECT_DOMAIN && memchr(data, '.', size) != NULL)
		return;
	subject_format(&s, text, sizeof(text));
	if (s.kind == SUBJECT_DOMAIN && (subject_parse_domain(s.domain, &norm,
	    err, sizeof(err)) != 0 || strcmp(norm.domain, s.domain) != 0))
		return;		/* not a key we would ever write */
	size_t klen = subject_key(&s, key);
	if (klen != size || memcmp(key, data, size) != 0)
		fuzz_fail("an accepted key does not re-key to itself", text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct subject s;
	char err[256];
	char *text = malloc(size + 1);
	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (subject_parse(text, &s, err, sizeof(err)) == 0) {
		check_round_trips(&s);
		if (s.kind == SUBJECT_DOMAIN)
			check_parent(&s);
	}
	if (subject_parse_domain(text, &s, err, sizeof(err)) == 0) {
		if (s.kind != SUBJECT_DOMAIN)
			fuzz_fail("subject_parse_domain gave a non-domain", NULL);
		check_round_trips(&s);
	}
	free(text);
	check_raw_key(data, size);
	return 0;
}
