/*
 * smime_fuzz.c: libFuzzer target of the S/MIME reader (feeds/smime.c,
 * OpenSSL's SMIME_read_CMS and CMS_verify behind it): any bytes as a
 * message. A message it calls signed must come with a signer and the
 * content that was signed.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>

#include "feeds/complaint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smime_signed s;
	char err[256];

	if (size > FEED_MAX_MESSAGE)
		return 0;
	if (smime_open((const char *)data, size, &s, err, sizeof(err)) ==
	    SMIME_SIGNED && (s.signer == NULL || s.content == NULL))
		abort();
	smime_clear(&s);
	return 0;
}
