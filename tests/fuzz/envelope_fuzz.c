/*
 * envelope_fuzz.c: a SignedBatch as received from a peer. The input goes
 * through envelope_decode and envelope_open (with a verifier that has seen
 * the fixed fuzz key, so seeds signed by it verify); a batch that decodes is
 * applied to a real store (tests/fuzz/fuzz_common.h).
 *
 * envelope_peek (the look at the wire the gossip core uses to see copies)
 * must read the same origin and seq as the decoder from every batch that
 * decodes.
 *
 * Checks: open never accepts what decode refuses; when the batch names the
 * fixed key as its origin, the same batch bytes re-signed with that key must
 * open (the signature covers the bytes as received, never a re-encoding).
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

/* Re-signs the batch bytes inside sb with the fixed key; opening must now
 * succeed. */
static void
check_resigned(const uint8_t *data, size_t size)
{
	Reputed__SignedBatch *sb = reputed__signed_batch__unpack(NULL, size,
	    data);
	Reputed__Batch *b;
	char err[256];
	size_t len;
	if (sb == NULL)
		fuzz_fail("decodable SignedBatch does not unpack", NULL);
	uint8_t *wrapped = fuzz_wrap(sb->batch.data, sb->batch.len, &len);
	reputed__signed_batch__free_unpacked(sb, NULL);
	if (envelope_open(fuzz_verifier(), wrapped, len, &b, err,
	    sizeof(err)) != ENVELOPE_OK)
		fuzz_fail("a batch signed by its origin does not open", err);
	reputed__batch__free_unpacked(b, NULL);
	free(wrapped);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reputed__Batch *b = NULL, *ob = NULL;
	char err[256];
	uint8_t pub[ED25519_KEY_LEN];
	enum envelope_status ds = envelope_decode(data, size, &b, err,
	    sizeof(err));
	enum envelope_status os = envelope_open(fuzz_verifier(), data, size,
	    &ob, err, sizeof(err));
	if (os == ENVELOPE_OK && ds != ENVELOPE_OK)
		fuzz_fail("envelope_open accepts what envelope_decode refuses",
		    NULL);
	if ((ds == ENVELOPE_MALFORMED) != (os == ENVELOPE_MALFORMED))
		fuzz_fail("decode and open disagree on the structure", err);
	if (ob != NULL) {
		if (ob->seq != b->seq || ob->n_reports != b->n_reports)
			fuzz_fail("open and decode give different batches",
			    NULL);
		reputed__batch__free_unpacked(ob, NULL);
	}
	if (ds != ENVELOPE_OK)
		return 0;
	uint8_t origin[ED25519_KEY_LEN];
	uint64_t seq;
	if (envelope_peek(data, size, origin, &seq) == 0 &&
	    (seq != b->seq || memcmp(origin, b->origin.data, sizeof(origin))))
		fuzz_fail("envelope_peek reads another origin or seq", NULL);
	signer_public_key(fuzz_signer(), pub);
	if (memcmp(b->origin.data, pub, ED25519_KEY_LEN) == 0)
		check_resigned(data, size);
	fuzz_apply(data, size, b);
	reputed__batch__free_unpacked(b, NULL);
	return 0;
}
