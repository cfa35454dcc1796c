/*
 * batch_fuzz.c: the Batch message and the store's own validation. The input
 * is serialized Batch bytes (what an origin signs). They are unpacked with
 * reputed__batch__unpack, signed as they are with the fixed fuzz key, opened
 * like any received batch, and the decoded batch goes through store_apply
 * into a real store (tests/fuzz/fuzz_common.h): report checks, subjects,
 * Sender-ID attribution, folding, retractions, gaps and rescoring of
 * subjects all run on fuzzed values.
 *
 * The seeds all use the fixed key as origin; a mutated origin makes the
 * signature fail, and then the batch is applied after envelope_decode only
 * (the store trusts its caller to have verified; the checks it makes itself
 * must still hold).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reputed__Batch *raw = reputed__batch__unpack(NULL, size, data);
	Reputed__Batch *b;
	char err[256];
	uint8_t pub[ED25519_KEY_LEN];
	size_t sblen;
	if (raw == NULL)
		return 0;
	uint8_t *sb = fuzz_wrap(data, size, &sblen);
	enum envelope_status os = envelope_open(fuzz_verifier(), sb, sblen, &b,
	    err, sizeof(err));
	signer_public_key(fuzz_signer(), pub);
	bool ours = raw->origin.len == ED25519_KEY_LEN &&
	    memcmp(raw->origin.data, pub, ED25519_KEY_LEN) == 0;
	if (os == ENVELOPE_BAD_SIGNATURE && ours)
		fuzz_fail("a batch signed by its origin fails to verify", err);
	if (os == ENVELOPE_BAD_SIGNATURE)
		os = envelope_decode(sb, sblen, &b, err, sizeof(err));
	if (os == ENVELOPE_OK) {
		if (b->seq != raw->seq || b->n_reports != raw->n_reports ||
		    b->n_retractions != raw->n_retractions)
			fuzz_fail("the envelope changed the batch", NULL);
		fuzz_apply(sb, sblen, b);
		reputed__batch__free_unpacked(b, NULL);
	}
	reputed__batch__free_unpacked(raw, NULL);
	free(sb);
	return 0;
}
