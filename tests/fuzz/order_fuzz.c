/*
 * order_fuzz.c: what a store ends with does not depend on the order its
 * batches arrive in. The input describes up to 48 batches of three origins
 * (1 to 6 reports each about 8 subjects, spam or not-spam, with TTLs from
 * an hour to a week; batch time that stays in its hour or moves on;
 * retractions of earlier reports) under a small quota, flood line and
 * live ceiling (4 reports an hour, blocked at 2 x 4 dropped, 10 live at
 * once; origins 0 and 1 are one organisation's, which may keep 6 an hour
 * and 16 live, so 3 and 8 each), and an order to deliver them in. Store
 * A knows the organisation first and applies the batches as they were
 * made (each origin in seq order); store B in the input's order, where
 * an early batch waits as pending for its gap, and learns the
 * organisation at a point the input chooses (refolding both). After a full prune
 * sweep of each, both must hold the same listings, the same counts and
 * the same origin records (blocked and why, highest seq, reports dropped,
 * live count), and a rescore of A must give A's listings again. This is
 * the property every node's convergence rests on: peers deliver in any
 * order.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"
#include "tests/fuzz/fuzz_common.h"

#define ORIGINS		3
#define BATCHES_MAX	48
#define REPORTS_MAX	6
#define T_START		1700000000000ull	/* batch time, ms */
#define HOUR_MS		3600000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
	const uint8_t *p;
	size_t left;
};

static unsigned
next_byte(struct input *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->p++;
}

struct sealed {
	uint8_t *sb;
	size_t len;
	Reputed__Batch *b;
};

static struct signer *
origin_signer(int k)
{
	static struct signer *s[ORIGINS];
	uint8_t seed[32];

	if (s[k] == NULL) {
		memcpy(seed, fuzz_key_seed, sizeof(seed));
		seed[31] ^= (uint8_t)(0x40 + k);
		EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519,
		    NULL, seed, sizeof(seed));
		if (pk == NULL || (s[k] = signer_from_pkey(pk)) == NULL)
			fuzz_fail("origin key", NULL);
		EVP_PKEY_free(pk);
	}
	return s[k];
}

/* Reports in each origin's batches, for retractions that name one. */
static unsigned n_reports[ORIGINS][BATCHES_MAX + 1];

/* One batch of origin k with sequence number seq, made at created. */
static void
make_batch(struct input *in, int k, uint64_t seq, uint64_t created,
    struct sealed *out)
{
	static const uint32_t ttls[4] = { 3600, 6 * 3600, 86400, 7 * 86400 };
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Report r[REPORTS_MAX], *rp[REPORTS_MAX];
	Reputed__Subject s[REPORTS_MAX];
	Reputed__Retraction x = REPUTED__RETRACTION__INIT, *xp = &x;
	uint8_t addr[REPORTS_MAX][4];
	unsigned shape = next_byte(in), n = 1 + (shape & 7) % REPORTS_MAX;
	char err[160];

	for (unsigned i = 0; i < n; i++) {
		unsigned v = next_byte(in);
		reputed__report__init(&r[i]);
		reputed__subject__init(&s[i]);
		memcpy(addr[i], (uint8_t[4]){ 192, 0, 2, (uint8_t)(v & 7) }, 4);
		s[i].addr.data = addr[i];
		s[i].addr.len = 4;
		r[i].subject = &s[i];
		r[i].category = v & 8 ? REPUTED__CATEGORY__CATEGORY_NOT_SPAM :
		    REPUTED__CATEGORY__CATEGORY_SPAM;
		r[i].confidence = 100;
		r[i].observed_at = created - (v >> 6) * 60000;
		r[i].ttl = ttls[(v >> 4) & 3];
		rp[i] = &r[i];
	}
	b.seq = seq;		/* envelope_seal sets the origin */
	b.created_at = created;
	b.n_reports = n;
	b.reports = rp;
	n_reports[k][seq] = n;
	if ((shape & 0x80) && seq > 1) {	/* retract an earlier report */
		x.seq = 1 + next_byte(in) % (seq - 1);
		x.index = next_byte(in) % n_reports[k][x.seq];
		b.n_retractions = 1;
		b.retractions = &xp;
	}
	out->sb = envelope_seal(origin_signer(k), &b, &out->len);
	if (out->sb == NULL ||
	    envelope_decode(out->sb, out->len, &out->b, err, sizeof(err)) !=
	    ENVELOPE_OK)
		fuzz_fail("seal", err);
}

static struct store *
open_store(char *dir, size_t dirlen)
{
	struct policy p;
	struct store_options o = { .map_size = FUZZ_MAP_SIZE, .sync = 0,
	    .policy = &p };
	char err[256];
	struct store *st;

	snprintf(dir, dirlen, "/tmp/reputed-order-XXXXXX");
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp", NULL);
	policy_default(&p);
	p.quota_per_hour = 4;
	p.quota_block_factor = 2;
	p.live_ceiling = 10;
	p.quota_per_org_hour = 6;	/* origins 0 and 1 share it: 3 each */
	p.live_ceiling_per_org = 16;	/* ... and 8 each */
	if ((st = store_open(dir, &o, err, sizeof(err))) == NULL)
		fuzz_fail("store_open", err);
	return st;
}

static void
remove_store(struct store *st, const char *dir)
{
	char path[128];

	store_close(st);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/lock.mdb", dir);
	unlink(path);
	rmdir(dir);
}

static void
apply_one(struct store *st, const struct sealed *s)
{
	char err[256];
	struct store_txn *tx = store_begin(st, err, sizeof(err));
	enum apply_status a;

	if (tx == NULL)
		fuzz_fail("store_begin", err);
	a = store_apply(tx, s->sb, s->len, s->b, err, sizeof(err));
	if (a == APPLY_ERROR || a == APPLY_INVALID || a == APPLY_EQUIVOCATION)
		fuzz_fail("store_apply", err);
	if (store_commit(tx, err, sizeof(err)) != 0)
		fuzz_fail("store_commit", err);
}

static void
snapshot_of(struct store *st, struct fuzz_snapshot *sn, struct store_stats *ss)
{
	struct store_reader *r = store_reader_new(st);

	memset(sn, 0, sizeof(*sn));
	memset(ss, 0, sizeof(*ss));
	if (r == NULL || store_reader_begin(r) != 0 ||
	    store_each_listing(r, fuzz_snap_cb, sn) != 0 ||
	    store_sizes(r, ss) != 0)
		fuzz_fail("reading a store", NULL);
	ss->bytes_on_disk = ss->map_used = ss->map_size = 0;
	store_reader_end(r);
	store_reader_free(r);
}

static void
prune_all(struct store *st)
{
	struct store_prune p;
	char err[256];

	if (store_prune_all(st, &p, err, sizeof(err)) != 0)
		fuzz_fail("store_prune_all", err);
}

static void
same_listings(const struct fuzz_snapshot *a, const struct fuzz_snapshot *b,
    const char *what)
{
	if (a->n != b->n || (a->n > 0 &&
	    (memcmp(a->keys, b->keys, a->n * SUBJECT_KEY_MAX) != 0 ||
	    memcmp(a->l, b->l, a->n * sizeof(*a->l)) != 0)))
		fuzz_fail(what, NULL);
}

static void
same_origins(struct store *a, struct store *b)
{
	uint8_t pub[ED25519_KEY_LEN];
	struct origin_info x, y;

	for (int k = 0; k < ORIGINS; k++) {
		signer_public_key(origin_signer(k), pub);
		int ra = store_get_origin(a, pub, &x);
		int rb = store_get_origin(b, pub, &y);
		if (ra != rb || (ra == 0 && (x.block != y.block ||
		    x.highest_seq != y.highest_seq ||
		    x.quota_dropped != y.quota_dropped ||
		    x.live != y.live || x.live_dropped != y.live_dropped)))
			fuzz_fail("an origin record depends on the order", NULL);
	}
}

/* A's listings, then A rescored: the same. */
/* Origins 0 and 1 are one organisation's nodes. */
static void
bind_org(struct store *st)
{
	uint8_t org[ORG_ID_LEN], pub[ED25519_KEY_LEN];
	char err[256];
	struct store_txn *tx = store_begin(st, err, sizeof(err));

	if (tx == NULL)
		fuzz_fail("store_begin", err);
	memset(org, 0x5a, sizeof(org));
	for (int k = 0; k < 2; k++) {
		signer_public_key(origin_signer(k), pub);
		if (store_set_origin_org(tx, pub, org) != 0)
			fuzz_fail("store_set_origin_org", NULL);
	}
	if (store_commit(tx, err, sizeof(err)) != 0)
		fuzz_fail("store_commit", err);
}

static void
check_rescore(struct store *st)
{
	struct fuzz_snapshot a, b;
	struct store_stats sa, sb;
	char err[256];

	snapshot_of(st, &a, &sa);
	if (store_rescore(st, err, sizeof(err)) != 0)
		fuzz_fail("store_rescore", err);
	snapshot_of(st, &b, &sb);
	same_listings(&a, &b, "rescore changed a listing");
	free(a.keys);
	free(a.l);
	free(b.keys);
	free(b.l);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct sealed s[BATCHES_MAX];
	uint64_t seq[ORIGINS] = { 0 }, t[ORIGINS];
	unsigned n = 1 + next_byte(&in) % BATCHES_MAX;
	char da[64], db[64];

	for (int k = 0; k < ORIGINS; k++)
		t[k] = T_START;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = next_byte(&in);
		int k = (int)(c % ORIGINS);
		t[k] += (c & 0x30) ? 60000 : HOUR_MS;	/* minutes or an hour */
		make_batch(&in, k, ++seq[k], t[k], &s[i]);
	}
	struct store *a = open_store(da, sizeof(da));
	struct store *b = open_store(db, sizeof(db));
	bind_org(a);
	for (unsigned i = 0; i < n; i++)
		apply_one(a, &s[i]);
	for (unsigned i = n - 1; i > 0; i--) {	/* the input's order */
		unsigned j = next_byte(&in) % (i + 1);
		struct sealed tmp = s[i];
		s[i] = s[j];
		s[j] = tmp;
	}
	unsigned bound_at = next_byte(&in) % (n + 1);	/* B learns late */
	for (unsigned i = 0; i < n; i++) {
		if (i == bound_at)
			bind_org(b);
		apply_one(b, &s[i]);
	}
	if (bound_at == n)
		bind_org(b);
	prune_all(a);
	prune_all(b);
	struct fuzz_snapshot la, lb;
	struct store_stats ca, cb;
	snapshot_of(a, &la, &ca);
	snapshot_of(b, &lb, &cb);
	same_listings(&la, &lb, "the listings depend on the order");
	if (memcmp(&ca, &cb, sizeof(ca)) != 0)
		fuzz_fail("the store's counts depend on the order", NULL);
	same_origins(a, b);
	check_rescore(a);
	free(la.keys);
	free(la.l);
	free(lb.keys);
	free(lb.l);
	for (unsigned i = 0; i < n; i++) {
		free(s[i].sb);
		reputed__batch__free_unpacked(s[i].b, NULL);
	}
	remove_store(a, da);
	remove_store(b, db);
	return 0;
}
