/*
 * attest.c: the verifier of attested reports (attest.h). Owns its
 * counters; borrows the pki. Reads the signed part with feeds/ and
 * checks the signer with node/peer/pki.c; holds no other state, so the
 * same report gets the same verdict wherever the same anchors and CRLs
 * are held.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "feeds/complaint.h"
#include "feeds/jsonl.h"
#include "node/attest.h"
#include "node/peer/pki.h"

struct attest {
	struct pki *pki;		/* borrowed; NULL: no anchors */
	struct feed_conf neutral;	/* no own hosts, no trusted
					 * authserv-id: what every node reads */
	attest_note_fn note;
	void *note_arg;
	uint64_t counts[ATTEST_RESULTS];
};

const char *
attest_result_name(enum attest_result r)
{
	static const char *const names[ATTEST_RESULTS] = { "verified",
		"bad-signature", "untrusted-signer", "mismatch", "over-limit" };
	return (unsigned)r < ATTEST_RESULTS ? names[r] : "unknown";
}

struct attest *
attest_new(void)
{
	return calloc(1, sizeof(struct attest));
}

void
attest_free(struct attest *a)
{
	free(a);
}

void
attest_set_pki(struct attest *a, struct pki *p)
{
	a->pki = p;
}

void
attest_set_note(struct attest *a, attest_note_fn fn, void *arg)
{
	a->note = fn;
	a->note_arg = arg;
}

uint64_t
attest_count(const struct attest *a, enum attest_result r)
{
	return (unsigned)r < ATTEST_RESULTS ? a->counts[r] : 0;
}

/* SHA-256 of the signer's DER SubjectPublicKeyInfo. */
static int
attest_signer_id(X509 *signer, uint8_t id[32])
{
	unsigned char *der = NULL;
	unsigned len = 32;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(signer), &der);
	int rc = n > 0 && EVP_Digest(der, (size_t)n, id, &len, EVP_sha256(),
	    NULL) == 1 ? 0 : -1;

	OPENSSL_free(der);
	return rc;
}

/* Whether report o, read from the signed part, is r: the same subject
 * and category, and the same time, unless the signed part fixes none
 * (then the reader gives the batch's time, and r's may be any before). */
static bool
attest_same(const json_t *o, const Reputed__Report *r, uint64_t created_at)
{
	struct jsonl_report jr;
	struct subject s;
	char err[160];
	uint64_t at = r->observed_at ? r->observed_at : created_at;

	if (jsonl_report_from_json(o, created_at, &jr, err, sizeof(err)) != 0 ||
	    r->subject == NULL ||
	    subject_from_proto(r->subject, &s, err, sizeof(err)) != 0)
		return false;
	if (!subject_equal(&s, &jr.subj) || jr.report.category != r->category)
		return false;
	return jr.report.observed_at == at ||
	    (jr.report.observed_at == created_at && at <= created_at);
}

/* The signed part gives r (feeds/complaint.c, neutral settings). */
static bool
attest_says(struct attest *a, const Reputed__Attestation *att,
    const Reputed__Report *r, uint64_t created_at, char *why,
    size_t whylen)
{
	struct feed_result res;
	bool same = false;
	size_t i;
	json_t *o;

	feed_parse(&a->neutral, FEED_AUTO, (const char *)att->signed_part.data,
	    att->signed_part.len, created_at, &res);
	if (res.outcome != FEED_REPORTS)
		snprintf(why, whylen, "the signed part gives no report: %s",
		    res.why);
	json_array_foreach(res.reports, i, o)
		if (!same)
			same = attest_same(o, r, created_at);
	if (res.outcome == FEED_REPORTS && !same)
		snprintf(why, whylen, "the signed part does not give this "
		    "report (subject, category or time differ)");
	feed_result_clear(&res);
	return same;
}

enum attest_result
attest_check(struct attest *a, const Reputed__Report *r, uint64_t created_at,
    struct attest_verdict *v, char *why, size_t whylen)
{
	const Reputed__Attestation *att = r->attestation;
	int64_t at = (int64_t)(created_at / 1000);
	struct smime_signed sm;
	bool revoked = false;
	char err[256] = "no organisation";
	enum attest_result res = ATTEST_UNTRUSTED;

	memset(v, 0, sizeof(*v));
	if (att == NULL) {
		snprintf(why, whylen, "no attestation");
		return ATTEST_MISMATCH;
	}
	if (smime_verify(att->cms.data, att->cms.len, att->signed_part.data,
	    att->signed_part.len, &sm, why, whylen) != SMIME_SIGNED)
		return ATTEST_BAD_SIGNATURE;
	if (a->pki == NULL)
		snprintf(why, whylen, "no trust anchor");
	else if (pki_cert_org_at(a->pki, sm.signer, sm.certs, at, &revoked,
	    err, sizeof(err), v->org) != 0)
		snprintf(why, whylen, "signer off the federation's paths at "
		    "the batch's time: %s", revoked ? "revoked" : err);
	else if (attest_signer_id(sm.signer, v->signer) != 0)
		snprintf(why, whylen, "signer key unreadable");
	else if (!attest_says(a, att, r, created_at, why, whylen))
		res = ATTEST_MISMATCH;
	else {
		v->ok = true;
		res = ATTEST_OK;
		snprintf(why, whylen, "verified");
	}
	if (!v->ok)
		memset(v, 0, sizeof(*v));
	smime_clear(&sm);
	return res;
}

bool
attest_may_travel(const char *part, size_t len, size_t cms_len, char *why,
    size_t whylen)
{
	static const char *returned[] = { "message/rfc822", "message/global",
		"text/rfc822-headers", "message/rfc822-headers" };
	struct mime_msg m;
	struct arf_report arf;
	char err[160];
	bool ok = false;

	if (len > ATTEST_PART_MAX || cms_len > ATTEST_CMS_MAX) {
		snprintf(why, whylen, "signed part (%zu bytes) or signature "
		    "(%zu) too large to travel", len, cms_len);
		return false;
	}
	if (mime_parse(part, len, &m, err, sizeof(err)) != MIME_OK) {
		snprintf(why, whylen, "signed part unreadable: %s", err);
		return false;
	}
	if (arf_parse(&m, &arf, err, sizeof(err)) != ARF_OK)
		snprintf(why, whylen, "signed part is not an ARF report");
	else if (arf.rcpt_to > 0)
		snprintf(why, whylen, "signed part names the recipient "
		    "(Original-Rcpt-To)");
	else {
		ok = true;
		for (size_t i = 0; i < sizeof(returned) / sizeof(*returned);
		    i++)
			if (mime_find(&m, -1, returned[i]) >= 0)
				ok = false;
		if (!ok)
			snprintf(why, whylen, "signed part holds the returned "
			    "message");
	}
	arf_clear(&arf);
	mime_free(&m);
	return ok;
}

void
attest_store_cb(void *arg, const Reputed__Batch *b, size_t index,
    struct attest_verdict *out)
{
	struct attest *a = arg;
	char why[320];
	size_t before = 0;
	enum attest_result r;

	for (size_t i = 0; i < index; i++)
		before += b->reports[i]->attestation != NULL;
	if (before >= ATTEST_MAX_PER_BATCH) {
		memset(out, 0, sizeof(*out));
		snprintf(why, sizeof(why), "more than %d attested reports in "
		    "one batch", ATTEST_MAX_PER_BATCH);
		r = ATTEST_OVER_LIMIT;
	} else
		r = attest_check(a, b->reports[index], b->created_at, out, why,
		    sizeof(why));
	a->counts[r]++;
	if (r != ATTEST_OK && a->note != NULL)
		a->note(a->note_arg, r, why);
}
