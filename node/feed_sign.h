/*
 * feed_sign.h: who signed an abuse-report message (feed_sign.c): an
 * S/MIME signature (feeds/smime.c) whose signer validates on the
 * federation's paths (node/peer/pki.c: the anchors and CRLs of peer
 * links) at a given time. Shared by POST /v1/feeds and reputectl ingest.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_FEED_SIGN_H
#define REPUTED_FEED_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/complaint.h"

struct pki;

struct feed_signer {
	char	 org[65];		/* the organisation id, hex (pki_cert_org) */
	char	 subject[256];		/* the signer certificate's subject */
};

/* FR_NONE: msg is signed by a certificate that validates with pki at now
 * (Unix seconds); sm->content is then what was signed and who says who
 * signed it. Otherwise why not: FR_UNSIGNED, FR_BAD_SIGNATURE (does not
 * verify, or unreadable) or FR_UNTRUSTED_SIGNER (no path to an anchor,
 * expired, revoked, or pki NULL), with the reason in why; sm->content is
 * then NULL. Clear sm with smime_clear in every case. */
enum feed_reason feed_sign_check(struct pki *pki, const char *msg, size_t len,
    int64_t now, struct smime_signed *sm, struct feed_signer *who, char *why,
    size_t whylen);
/* A trust store of the anchor files and the CRL file (NULL: none);
 * NULL with why if an anchor cannot be read. */
struct pki *feed_sign_pki(const char (*anchors)[256], int n, const char *crl,
    char *why, size_t whylen);

#endif
