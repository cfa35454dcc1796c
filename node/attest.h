/*
 * attest.h: the verifier of attested reports (attest.c): a report that a
 * member without a node signed with S/MIME and a node relayed in its
 * batch (proto/reputed.proto, Attestation). The store calls it once per
 * attested report (reputation.h, store_set_attest) and keeps the
 * verdict; docs/FEEDS.md, "Signed complaints", has the whole design.
 *
 * A report verifies when its CMS signature verifies over its signed
 * part (feeds/smime.c), the signer's path reaches an anchor of pki at the
 * batch's time, with its CRLs (node/peer/pki.c, as for peer links), and
 * the signed part, read by feeds/complaint.c with no local settings
 * (deterministic: no clock but the batch's, no DNS), gives a report with
 * the subject, category and time this one claims.
 *
 * No libevent, no logging (a note hook says why a report was dropped):
 * linked by the daemon and the unit tests.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_ATTEST_H
#define REPUTED_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reputation/reputation.h"

struct pki;

enum attest_result {
	ATTEST_OK,		/* counts for the signer's organisation */
	ATTEST_BAD_SIGNATURE,	/* unreadable CMS, or it does not verify */
	ATTEST_UNTRUSTED,	/* no path to an anchor at the batch's time:
				 * other anchor, expired, revoked, no pki */
	ATTEST_MISMATCH,	/* the signed part does not say what the
				 * report says */
	ATTEST_OVER_LIMIT,	/* past ATTEST_MAX_PER_BATCH in its batch:
				 * not verified (a verification costs about
				 * 0.3 ms, inside the write transaction) */
	ATTEST_RESULTS
};
const char *attest_result_name(enum attest_result r);

/* Why a report was dropped (r != ATTEST_OK); why valid during the call. */
typedef void (*attest_note_fn)(void *arg, enum attest_result r,
    const char *why);

struct attest;
struct attest *attest_new(void);
void attest_free(struct attest *a);
/* The trust store to check signers with (borrowed; NULL: none, every
 * attested report is dropped). Replace it after a reload. */
void attest_set_pki(struct attest *a, struct pki *p);
void attest_set_note(struct attest *a, attest_note_fn fn, void *arg);
/* Reports verified so far, by result. */
uint64_t attest_count(const struct attest *a, enum attest_result r);

/* Checks report r of a batch made at created_at (Unix ms) and fills v
 * (v->ok only for ATTEST_OK); why gets the reason. */
enum attest_result attest_check(struct attest *a, const Reputed__Report *r,
    uint64_t created_at, struct attest_verdict *v, char *why, size_t whylen);
/* Whether a signed part may travel in an Attestation (to every node,
 * kept as long as its batch): an ARF report with no returned message or
 * headers and no Original-Rcpt-To (personal data never travels), of at
 * most ATTEST_PART_MAX bytes, its CMS of at most ATTEST_CMS_MAX. false
 * with why: the report is then the receiving node's own observation. */
#define ATTEST_PART_MAX	(16u << 10)
#define ATTEST_CMS_MAX	(16u << 10)
bool attest_may_travel(const char *part, size_t len, size_t cms_len,
    char *why, size_t whylen);

/* Attested reports verified in one batch, in index order; the rest are
 * dropped. An honest node's batch holds fewer: its batcher closes a
 * batch at BATCHER_MAX_BYTES (512 KiB) and an attested report takes
 * more than 1 KiB. */
#define ATTEST_MAX_PER_BATCH	512

/* store_attest_fn: attest_check, counted and noted. arg: the attest. */
void attest_store_cb(void *arg, const Reputed__Batch *b, size_t index,
    struct attest_verdict *out);

#endif
