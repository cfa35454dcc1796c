/*
 * testlib.h: what the unit tests and benchmarks share: a temporary
 * directory and its removal (no shell), a node key, a store, and a batch
 * built from report subjects in text and sealed. Linked into every
 * tests/unit program and every tests/bench program; no cmocka, so a
 * failure is a NULL or -1 return with the reason on stderr, for the
 * caller to assert on.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_TESTLIB_H
#define REPUTED_TESTLIB_H

#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "reputation/reputation.h"

#define TL_PATH_MAX 256

/* Makes /tmp/reputed-NAME.XXXXXX; its path goes to dir (len at least
 * TL_PATH_MAX). 0 or -1. */
int tl_tmpdir(char *dir, size_t len, const char *name);
/* Removes path and everything below it, without a shell. 0 or -1. */
int tl_rmtree(const char *path);
/* buf = dir "/" name */
void tl_path(char *buf, size_t len, const char *dir, const char *name);

/* A new Ed25519 key written to dir/name and loaded; NULL on error. The
 * caller frees it with signer_free. */
struct signer *tl_signer_new(const char *dir, const char *name);
/* The store in dir (made if missing) with this sync level; map_size 0
 * means 64 MiB. NULL on error. The caller closes it. */
struct store *tl_store_open(const char *dir, int sync, size_t map_size);

/* A batch being built: up to max reports and 16 retractions. Owns its
 * reports and subjects; borrows the strings given to tl_batch_mail until
 * tl_batch_free. */
struct tl_batch;
struct tl_batch *tl_batch_new(uint64_t seq, uint64_t created_at, size_t max);
void tl_batch_free(struct tl_batch *b);
/* Adds a report about subject (text, as subject_parse reads it) with the
 * given category, confidence and observation time (ttl 0: the default).
 * Returns the report to adjust further, or NULL (bad subject, full). */
Reputed__Report *tl_batch_report(struct tl_batch *b, const char *subject,
    int category, unsigned confidence, uint64_t observed_at);
/* Gives the last report mail evidence: client_ip (text or NULL), helo and
 * mail_from (borrowed, may be NULL). Returns it to set Sender-ID results,
 * or NULL. */
Reputed__MailEvidence *tl_batch_mail(struct tl_batch *b,
    const char *client_ip, const char *helo, const char *mail_from);
/* Retracts report index of the origin's batch seq. 0 or -1 (full). */
int tl_batch_retract(struct tl_batch *b, uint64_t seq, uint32_t index);
/* The batch as built, borrowed until tl_batch_free. */
Reputed__Batch *tl_batch_pb(struct tl_batch *b);
/* envelope_seal of the batch: the SignedBatch bytes (the caller frees
 * them) and their length, or NULL. */
uint8_t *tl_batch_seal(struct tl_batch *b, struct signer *key, size_t *len);

#endif
