/*
 * feed_sign.c: the signer of an abuse-report message, checked as peer
 * links are (feed_sign.h). Library-like: no logging; reasons in buffers.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/feed_sign.h"
#include "node/peer/pki.h"

enum feed_reason
feed_sign_check(struct pki *pki, const char *msg, size_t len, int64_t now,
    struct smime_signed *sm, struct feed_signer *who, char *why,
    size_t whylen)
{
	uint8_t org[PKI_ORG_ID_LEN];
	bool revoked = false;
	char err[256];

	memset(who, 0, sizeof(*who));
	switch (smime_open(msg, len, sm, why, whylen)) {
	case SMIME_UNSIGNED:
		snprintf(why, whylen, "not S/MIME signed");
		return FR_UNSIGNED;
	case SMIME_BAD_SIGNATURE:
		return FR_BAD_SIGNATURE;
	case SMIME_SIGNED:
		break;
	}
	X509_NAME_oneline(X509_get_subject_name(sm->signer), who->subject,
	    sizeof(who->subject));
	if (pki == NULL || pki_verify(pki, sm->signer, sm->certs, now,
	    &revoked, err, sizeof(err)) != 0 || pki_cert_org(pki, sm->signer,
	    sm->certs, now, org) != 0) {
		snprintf(why, whylen, "signer %s is not on the federation's "
		    "paths: %s", who->subject, pki == NULL ? "no trust anchor" :
		    revoked ? "revoked" : err);
		free(sm->content);	/* not to be read as signed */
		sm->content = NULL;
		return FR_UNTRUSTED_SIGNER;
	}
	for (size_t i = 0; i < PKI_ORG_ID_LEN; i++)
		snprintf(who->org + 2 * i, 3, "%02x", org[i]);
	snprintf(why, whylen, "signed by org %s, %s", who->org, who->subject);
	return FR_NONE;
}

struct pki *
feed_sign_pki(const char (*anchors)[256], int n, const char *crl, char *why,
    size_t whylen)
{
	struct pki *p;

	if (n == 0 || (p = pki_new()) == NULL) {
		snprintf(why, whylen, "no trust anchor");
		return NULL;
	}
	for (int i = 0; i < n; i++)
		if (pki_add_anchor_file(p, anchors[i], why, whylen) == -1) {
			pki_free(p);
			return NULL;
		}
	if (crl != NULL && crl[0] != '\0' && pki_add_crl_file(p, crl, why,
	    whylen) == -1) {
		pki_free(p);
		return NULL;
	}
	return p;
}
