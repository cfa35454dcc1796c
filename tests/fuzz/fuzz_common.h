/*
 * fuzz_common.h: helpers shared by the fuzz targets and make_seeds.c.
 *
 *   - a fixed Ed25519 key (from a constant seed), so seed batches are signed
 *     by a key the targets know and can re-sign mutated batch bytes with;
 *   - one store per process in a fresh /tmp directory (64 MiB map, sync 0),
 *     wiped and reopened every FUZZ_STORE_INPUTS inputs, when it fills up,
 *     or when an origin gets blocked, so state never stalls the fuzzer;
 *   - fuzz_apply(): store_apply of a decoded batch plus the invariants that
 *     must hold whatever the input (a second apply is a duplicate, a stored
 *     batch reads back byte for byte, a duplicate's stored copy has the same
 *     signed Batch bytes, lookups of its subjects do not fail), and every
 *     FUZZ_RESCORE_EVERY inputs (and after each batch applied) a full prune
 *     sweep, then store_rescore, which must reproduce every listing bit for
 *     bit (the store is wiped when an origin gets blocked, since a rescore
 *     is what applies a block to old evidence).
 *
 * FUZZ_LOG_DIR=dir (a debugging aid): every SignedBatch given to the store
 * is also written to dir/NNNNNN, and the files are removed when the store is
 * wiped, so after a crash dir holds exactly the inputs the crashing store
 * saw; replaying them in name order through build/replay/envelope_fuzz
 * (one store, same counters) repeats the sequence, whichever target found it.
 *
 * Header-only (static inline) so each target stays one .c file for the
 * Makefile's $(BUILD)/fuzz/% and $(BUILD)/replay/% rules. A broken invariant
 * calls abort(), which libFuzzer reports as a crash with the input.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_FUZZ_COMMON_H
#define REPUTED_FUZZ_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "proto/proto.h"
#include "reputation/reputation.h"

#define FUZZ_STORE_INPUTS	512
#define FUZZ_RESCORE_EVERY	64	/* inputs between rescore checks */
#define FUZZ_MAP_SIZE		((size_t)64 << 20)

static const uint8_t fuzz_key_seed[32] = {
	0x72, 0x65, 0x70, 0x75, 0x74, 0x65, 0x64, 0x2d,	/* "reputed-" */
	0x66, 0x75, 0x7a, 0x7a, 0x2d, 0x6b, 0x65, 0x79,	/* "fuzz-key" */
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

static inline void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz invariant broken: %s%s%s\n", what,
	    detail ? ": " : "", detail ? detail : "");
	abort();
}

/* The fixed signer, created on first use; lives for the process. */
static inline struct signer *
fuzz_signer(void)
{
	static struct signer *s;
	if (s == NULL) {
		EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519,
		    NULL, fuzz_key_seed, sizeof(fuzz_key_seed));
		if (pk == NULL || (s = signer_from_pkey(pk)) == NULL)
			fuzz_fail("fixed Ed25519 key", NULL);
		EVP_PKEY_free(pk);
	}
	return s;
}

static inline struct verifier *
fuzz_verifier(void)
{
	static struct verifier *v;
	if (v == NULL && (v = verifier_new()) == NULL)
		fuzz_fail("verifier_new", NULL);
	return v;
}

/* Wraps batch bytes, as they are, in a SignedBatch signed by the fixed key.
 * Returns a buffer the caller frees. */
static inline uint8_t *
fuzz_wrap(const uint8_t *batch, size_t len, size_t *outlen)
{
	uint8_t sig[ED25519_SIG_LEN];
	if (signer_sign(fuzz_signer(), batch, len, sig) != 0)
		fuzz_fail("signer_sign", NULL);
	Reputed__SignedBatch sb = REPUTED__SIGNED_BATCH__INIT;
	sb.batch.data = (uint8_t *)batch;
	sb.batch.len = len;
	sb.signature.data = sig;
	sb.signature.len = sizeof(sig);
	*outlen = reputed__signed_batch__get_packed_size(&sb);
	uint8_t *out = malloc(*outlen ? *outlen : 1);
	if (out == NULL)
		fuzz_fail("out of memory", NULL);
	reputed__signed_batch__pack(&sb, out);
	return out;
}

/* ---- the per-process store ---- */

static char fuzz_dir[64];
static struct store *fuzz_st;
static unsigned fuzz_inputs;

static unsigned fuzz_logged;

/* FUZZ_LOG_DIR: see the opening comment. */
static inline void
fuzz_log_input(const uint8_t *sb, size_t sblen)
{
	const char *dir = getenv("FUZZ_LOG_DIR");
	char path[4096];
	FILE *f;
	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%06u", dir, fuzz_logged++);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(sb, 1, sblen, f) != sblen || fclose(f) != 0)
		fuzz_fail("FUZZ_LOG_DIR", path);
}

static inline void
fuzz_log_forget(void)
{
	const char *dir = getenv("FUZZ_LOG_DIR");
	char path[4096];
	if (dir == NULL)
		return;
	while (fuzz_logged > 0) {
		snprintf(path, sizeof(path), "%s/%06u", dir, --fuzz_logged);
		unlink(path);
	}
}

static inline void
fuzz_store_remove(void)
{
	char path[128];
	fuzz_log_forget();
	if (fuzz_st != NULL) {
		store_close(fuzz_st);
		fuzz_st = NULL;
	}
	if (fuzz_dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/data.mdb", fuzz_dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", fuzz_dir);
	unlink(path);
}

static inline void
fuzz_store_cleanup(void)
{
	fuzz_store_remove();
	if (fuzz_dir[0] != '\0')
		rmdir(fuzz_dir);
}

static inline struct store *
fuzz_store(void)
{
	char err[256];
	if (fuzz_st != NULL)
		return fuzz_st;
	if (fuzz_dir[0] == '\0') {
		snprintf(fuzz_dir, sizeof(fuzz_dir), "/tmp/reputed-fuzz-XXXXXX");
		if (mkdtemp(fuzz_dir) == NULL)
			fuzz_fail("mkdtemp", NULL);
		atexit(fuzz_store_cleanup);
	}
	struct store_options opt = { .map_size = FUZZ_MAP_SIZE, .sync = 0 };
	if ((fuzz_st = store_open(fuzz_dir, &opt, err, sizeof(err))) == NULL)
		fuzz_fail("store_open", err);
	fuzz_inputs = 0;
	return fuzz_st;
}

static inline bool
fuzz_map_full(const char *err)
{
	return strstr(err, "MDB_MAP_FULL") != NULL;
}

/* Reads back what a commit left: the stored batch, each subject's listing
 * and explanation, the address and domain lookups. */
static inline int
fuzz_explain_cb(void *arg, const uint8_t origin[32], const struct evidence *ev,
    double trust)
{
	(void)origin;
	*(uint32_t *)arg += ev->n_reports + (trust > 0);
	return 0;
}

/* The stored copy of a batch the store took or called a duplicate. */
static inline void
fuzz_check_stored(struct store_reader *r, const uint8_t *sb, size_t sblen,
    const Reputed__Batch *b, enum apply_status a)
{
	const uint8_t *data;
	size_t len;
	int rc = store_get_batch(r, b->origin.data, b->seq, &data, &len);
	/* A duplicate may be a batch applied once and pruned since. */
	if (rc == 1 && a == APPLY_DUPLICATE &&
	    b->seq <= store_floor(r, b->origin.data))
		return;
	if (rc != 0)
		fuzz_fail("a stored batch is missing", NULL);
	if (a != APPLY_DUPLICATE && (len != sblen ||
	    memcmp(data, sb, len) != 0))
		fuzz_fail("a stored batch reads back different", NULL);
	/* A duplicate may be another wrapping of the same signed Batch
	 * bytes: those must match. */
	Reputed__SignedBatch *x = reputed__signed_batch__unpack(NULL, len,
	    data), *y = reputed__signed_batch__unpack(NULL, sblen, sb);
	if (x == NULL || y == NULL || x->batch.len != y->batch.len ||
	    memcmp(x->batch.data, y->batch.data, x->batch.len) != 0)
		fuzz_fail("a duplicate holds other signed bytes", NULL);
	reputed__signed_batch__free_unpacked(x, NULL);
	reputed__signed_batch__free_unpacked(y, NULL);
}

static inline void
fuzz_read_back(const uint8_t *sb, size_t sblen, const Reputed__Batch *b,
    enum apply_status a)
{
	struct store_reader *r = store_reader_new(fuzz_store());
	if (r == NULL || store_reader_begin(r) != 0)
		fuzz_fail("store_reader_begin", NULL);
	if (a == APPLY_OK || a == APPLY_PENDING || a == APPLY_DUPLICATE)
		fuzz_check_stored(r, sb, sblen, b, a);
	for (size_t i = 0; i < b->n_reports && i < 64; i++) {
		const Reputed__Report *rp = b->reports[i];
		struct subject s;
		struct listing l;
		char err[160];
		uint32_t seen = 0;
		if (rp->subject == NULL ||
		    subject_from_proto(rp->subject, &s, err, sizeof(err)) != 0)
			continue;
		if (store_lookup(r, &s, &l) < 0 ||
		    store_explain(r, &s, fuzz_explain_cb, &seen) != 0)
			fuzz_fail("lookup of a reported subject", NULL);
		if (s.kind == SUBJECT_DOMAIN) {
			if (store_lookup_domain(r, s.domain, true, b->created_at,
			    LOOKUP_LISTED, &l) < 0)
				fuzz_fail("store_lookup_domain", NULL);
		} else if (store_lookup_addr(r, s.addr, s.kind ==
		    SUBJECT_IPV4 ? 4 : 16, b->created_at, LOOKUP_ALLOWED,
		    &l) < 0)
			fuzz_fail("store_lookup_addr", NULL);
	}
	(void)store_serial(r);
	store_reader_end(r);
	store_reader_free(r);
}

/* All listings of the store, keys and records, in key order. */
struct fuzz_snapshot {
	size_t n, cap;
	uint8_t *keys;			/* n * SUBJECT_KEY_MAX */
	struct listing *l;
};

static inline int
fuzz_snap_cb(void *arg, const struct subject *s, const struct listing *l)
{
	struct fuzz_snapshot *sn = arg;
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? 2 * sn->cap : 64;
		sn->keys = realloc(sn->keys, sn->cap * SUBJECT_KEY_MAX);
		sn->l = realloc(sn->l, sn->cap * sizeof(*sn->l));
		if (sn->keys == NULL || sn->l == NULL)
			fuzz_fail("out of memory", NULL);
	}
	memset(sn->keys + sn->n * SUBJECT_KEY_MAX, 0, SUBJECT_KEY_MAX);
	subject_key(s, sn->keys + sn->n * SUBJECT_KEY_MAX);
	sn->l[sn->n++] = *l;
	return 0;
}

static inline void
fuzz_snapshot(struct fuzz_snapshot *sn)
{
	struct store_reader *r = store_reader_new(fuzz_store());
	memset(sn, 0, sizeof(*sn));
	if (r == NULL || store_reader_begin(r) != 0 ||
	    store_each_listing(r, fuzz_snap_cb, sn) != 0)
		fuzz_fail("store_each_listing", NULL);
	store_reader_end(r);
	store_reader_free(r);
}

/*
 * store_rescore must give exactly what incremental application followed by
 * a full prune sweep gives (reputation.h). Without the sweep the two differ
 * as soon as an origin's clock passes a report's expiry: arrival refolds
 * only the records it folds into (and retractions the records they touch),
 * the pruner the rest, later; rescore refolds them all at once.
 */
static inline void
fuzz_check_rescore(void)
{
	struct fuzz_snapshot a, b;
	struct store_prune p;
	char err[256];
	if (store_prune_all(fuzz_store(), &p, err, sizeof(err)) != 0) {
		if (!fuzz_map_full(err))
			fuzz_fail("store_prune_all", err);
		fuzz_store_remove();
		return;
	}
	fuzz_snapshot(&a);
	if (store_rescore(fuzz_store(), err, sizeof(err)) != 0) {
		if (!fuzz_map_full(err))
			fuzz_fail("store_rescore", err);
		fuzz_store_remove();
	} else {
		fuzz_snapshot(&b);
		if (a.n != b.n)
			fuzz_fail("rescore changed the number of listings",
			    NULL);
		if (a.n > 0 && (memcmp(a.keys, b.keys, a.n * SUBJECT_KEY_MAX)
		    != 0 || memcmp(a.l, b.l, a.n * sizeof(*a.l)) != 0))
			fuzz_fail("rescore changed a listing", NULL);
		free(b.keys);
		free(b.l);
	}
	free(a.keys);
	free(a.l);
}

/* Applies a decoded batch (its SignedBatch bytes sb) in one transaction and
 * commits. Storage errors other than a full map are bugs. */
static inline void
fuzz_apply(const uint8_t *sb, size_t sblen, const Reputed__Batch *b)
{
	char err[256];
	struct store_txn *tx = store_begin(fuzz_store(), err, sizeof(err));
	if (tx == NULL)
		fuzz_fail("store_begin", err);
	fuzz_log_input(sb, sblen);
	enum apply_status a = store_apply(tx, sb, sblen, b, err, sizeof(err));
	if (a == APPLY_ERROR) {
		store_abort(tx);
		if (!fuzz_map_full(err))
			fuzz_fail("store_apply", err);
		fuzz_store_remove();
		return;
	}
	if (a == APPLY_OK || a == APPLY_PENDING) {
		/* Idempotence: the same bytes again change nothing. */
		enum apply_status again = store_apply(tx, sb, sblen, b, err,
		    sizeof(err));
		if (again != APPLY_DUPLICATE)
			fuzz_fail("second apply is not a duplicate",
			    apply_status_name(again));
	}
	if (store_commit(tx, err, sizeof(err)) != 0) {
		if (!fuzz_map_full(err))
			fuzz_fail("store_commit", err);
		fuzz_store_remove();
		return;
	}
	fuzz_read_back(sb, sblen, b, a);
	if (a == APPLY_EQUIVOCATION || a == APPLY_BLOCKED) {
		fuzz_store_remove();
		return;
	}
	if (++fuzz_inputs % FUZZ_RESCORE_EVERY == 0 || a == APPLY_OK)
		fuzz_check_rescore();
	if (fuzz_st != NULL && fuzz_inputs >= FUZZ_STORE_INPUTS)
		fuzz_store_remove();
}

#endif
