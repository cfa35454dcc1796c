/*
 * attest_fuzz.c: libFuzzer target of the attestation a peer's batch may
 * carry (node/attest.c, feeds/smime.c smime_verify, OpenSSL's
 * d2i_CMS_ContentInfo and CMS_verify behind it). Input: a 2-byte
 * big-endian length, that many bytes of CMS (DER), the rest the signed
 * part. A signature it calls verified must come with a signer; without
 * a trust store the verdict is never "verified".
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>

#include "feeds/complaint.h"
#include "node/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct attest *at;
	struct smime_signed s;
	struct attest_verdict v;
	Reputed__Attestation att = REPUTED__ATTESTATION__INIT;
	Reputed__Report r = REPUTED__REPORT__INIT;
	char err[320];

	if (size < 2 || (at == NULL && (at = attest_new()) == NULL))
		return 0;
	size_t n = (size_t)data[0] << 8 | data[1];
	if (n > size - 2)
		n = size - 2;
	att.cms.data = (uint8_t *)data + 2;
	att.cms.len = n;
	att.signed_part.data = (uint8_t *)data + 2 + n;
	att.signed_part.len = size - 2 - n;
	if (smime_verify(att.cms.data, n, att.signed_part.data,
	    att.signed_part.len, &s, err, sizeof(err)) == SMIME_SIGNED &&
	    s.signer == NULL)
		abort();
	smime_clear(&s);
	r.attestation = &att;
	if (attest_check(at, &r, 1796601660000ull, &v, err, sizeof(err)) ==
	    ATTEST_OK || v.ok)
		abort();
	return 0;
}
