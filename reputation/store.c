/*
 * store.c: the LMDB store. One environment per node, eight named databases:
 *
 *   meta       "schema" -> u32, "serial" -> u32, "plens" -> prefix lengths
 *              in use (bit n of 33 IPv4 + 129 IPv6 bits), "txn" -> u64
 *              (the last commit's id: it makes every commit a real one),
 *              "policy" -> the policy the scores were made under
 *              (policy_encode)
 *   batches    origin[32] seq[8 BE] -> SignedBatch bytes, as received
 *   origins    origin[32] -> struct origin_rec (trust, why it is blocked,
 *              highest seq, the organisation, quota counters; for the
 *              pseudo-origin of attested reports, the relay too)
 *   reports    subject key, origin, seq[8 BE], index[4 BE] -> contribution
 *   evidence   subject key, origin -> struct evidence
 *   scores     subject key -> struct listing (what DNS answers read)
 *   equivocations  origin seq -> the second, conflicting SignedBatch
 *   attestations   origin seq index -> the verdict on an attested report
 *              (struct attest_rec), kept while its batch is stored
 *
 * Batches of one origin are applied strictly in seq order; a batch that
 * arrives early is stored and applied when the gap closes. Reports fold into
 * evidence in (seq, index) order, so a full rescore reproduces every value
 * bit for bit. Values are host-endian structs: the store is not portable
 * between architectures (exports are).
 *
 * Ownership: a struct store owns its environment; a store_txn owns its write
 * transaction until commit/abort; a reader owns one read transaction that
 * it renews for each snapshot. Data returned by store_get_batch lives only
 * until store_reader_end.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/evp.h>

#include "reputation/reputation.h"

#define SCHEMA_VERSION	2		/* 2: origin clock and floor, evidence
				 * first_expiry (retention) */
#define ORIGIN_LEN	ED25519_KEY_LEN
#define PLEN_BYTES	21		/* 33 + 129 bits, rounded up */
#define TRUST_CACHE	1024
#define HELO_MAX	255
#define ADDR_SPEC_MAX	320
#define CHANGES_PER_TXN	4096	/* journaled keys; more is a FLUSH */
#define REFOLD_COST	32	/* pruner budget units of one refold */
#define LIVE_RING	128	/* days an origin's live reports are counted
				 * ahead: more than the longest TTL */
#define DAY_MS		86400000ULL

/*
 * The live ceiling's counters (policy live_ceiling): an origin's kept
 * reports by the day of batch time they expire in, each counted while
 * the origin's day (quota_hour / 24, which never goes back) is before
 * it. A report expired by the origin's clock is counted nowhere, so
 * batches pruned below the floor leave nothing here that a replay from
 * the floor would need, but the floor copy of the counters the replay
 * starts from (floor_live).
 */
struct live_count {
	uint64_t live;			/* the sum of day[] */
	uint64_t dropped;		/* reports dropped at the ceiling */
	uint32_t day[LIVE_RING];	/* by expiry day % LIVE_RING */
};
static void live_advance(struct live_count *lc, uint64_t from, uint64_t to);
struct origin_rec;
static void quota_advance(struct origin_rec *rec, uint64_t hour,
    uint64_t seq);

struct origin_rec {
	double trust;
	uint8_t blocked;		/* enum origin_block bits */
	uint8_t trust_set;		/* trust was configured, not default */
	uint8_t org_set;		/* org is known (else its own) */
	uint8_t pad[5];
	uint64_t highest_seq;		/* highest contiguous seq applied */
	uint64_t batches;		/* batches applied */
	uint8_t org[ORG_ID_LEN];	/* the organisation (its CA's key id) */
	uint64_t quota_hour;		/* hour of batch time counted in */
	uint64_t quota_used;		/* reports kept in that hour */
	uint64_t quota_dropped;		/* reports over the quota, in all */
	uint64_t clock;			/* max created_at of the batches
					 * applied: the retention clock */
	uint64_t floor;			/* batches 1..floor are pruned */
	uint64_t floor_clock;		/* clock after batch floor */
	uint64_t floor_quota_hour;	/* quota counters after batch floor */
	uint64_t floor_quota_used;
	uint64_t floor_quota_dropped;
	uint8_t via[ORIGIN_LEN];	/* a pseudo-origin: its relay */
	uint8_t via_set;
	uint8_t pad2[7];
	uint64_t quota_hour_dropped;	/* reports over the quota in
					 * quota_hour: the flood line */
	uint64_t floor_quota_hour_dropped;
	uint64_t kept_seq;		/* the last applied batch with a
					 * report its quota kept: passes over
					 * what the origin contributed stop
					 * there (UINT64_MAX: not known, in
					 * an older record) */
	uint64_t hour_seq;		/* the first batch counted in
					 * quota_hour: a flood-blocked origin's
					 * batches before it may go */
	uint64_t floor_hour_seq;
	uint64_t org_members;		/* nodes of its organisation (0 or 1:
					 * alone): its share of the
					 * organisation's limits */
	/* from here on kept compactly: origin_encode */
	struct live_count live;
	struct live_count floor_live;	/* after batch floor */
};
/* Older records are shorter: the fields after them read as 0. */
#define ORIGIN_REC_V1	offsetof(struct origin_rec, org)
#define ORIGIN_REC_FIXED offsetof(struct origin_rec, live)
/* the fixed part, then per live_count: live, dropped, how many days are
 * not 0, and each as (slot, count) */
#define ORIGIN_REC_MAX	(ORIGIN_REC_FIXED + 2 * (8 + 8 + 1 + LIVE_RING * 5))

/*
 * An origin's part of a limit that also holds per organisation: the
 * organisation's limit split evenly over its nodes (as many as the store
 * has bound to it: org_members), and never more than the per-origin
 * limit. 0 means no limit, as in the policy.
 */
static uint64_t
limit_share(uint64_t per_origin, uint64_t per_org, uint64_t members)
{
	uint64_t share;

	if (per_org == 0)
		return per_origin;
	share = per_org / (members > 1 ? members : 1);
	if (share == 0)
		share = 1;
	return per_origin != 0 && per_origin < share ? per_origin : share;
}

static uint64_t
origin_quota(const struct origin_rec *rec, const struct policy *p)
{
	return limit_share(p->quota_per_hour, p->quota_per_org_hour,
	    rec->org_members);
}

static uint64_t
origin_ceiling(const struct origin_rec *rec, const struct policy *p)
{
	return limit_share(p->live_ceiling, p->live_ceiling_per_org,
	    rec->org_members);
}

struct trust_slot {
	uint8_t origin[ORIGIN_LEN];
	double trust;
	bool used;
	bool has_org;
	uint8_t org[ORG_ID_LEN];
};

struct store {
	MDB_env *env;
	MDB_dbi meta, batches, origins, reports, evidence, scores, equiv;
	MDB_dbi attest;
	struct policy policy;
	bool policy_changed;	/* opened with another than it was scored
				 * under (meta "policy") */
	store_attest_fn attest_fn;	/* the caller's verifier, or NULL */
	void *attest_arg;
	struct trust_slot trust[TRUST_CACHE];
	struct changes *changes;	/* journal for readers' caches */
	uint64_t no_space;		/* commits refused: disk full */
	bool full;			/* ... and none has worked since */
};

struct store_txn {
	struct store *st;
	MDB_txn *txn;
	bool listing_changed;		/* bump the serial at commit */
	uint8_t plens[PLEN_BYTES];
	bool plens_dirty;
	bool defer_score;		/* rescore: scores once, at the end */
	uint64_t clock;			/* the applying origin's clock */
	MDB_cursor *ecur, *scur;	/* evidence and scores, opened on first
					 * use, closed with the transaction */
	uint64_t id;			/* mdb_txn_id: journal records */
	unsigned n_changed;		/* score keys journaled */
	bool flushed;			/* journaled as "everything" */
};

struct store_reader {
	struct store *st;
	MDB_txn *txn;
	bool active;
	uint8_t plens[PLEN_BYTES];
	MDB_cursor *cur;		/* scores cursor of store_lookup_below,
					 * opened once, renewed per snapshot */
	bool cur_ready;			/* renewed for this snapshot */
	uint32_t serial;		/* store_serial of this snapshot, */
	bool serial_ready;		/* read once (every DNS answer
					 * carries it in an SOA) */
	struct changes_cursor journal;	/* store_reader_changes */
	uint64_t meta_txn;		/* snapshot plens and serial are of */
};

/* ---- small helpers ---- */

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t
get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int
lmdb_fail(char *err, size_t errlen, const char *what, int rc)
{
	snprintf(err, errlen, "%s: %s", what, mdb_strerror(rc));
	return -1;
}

/* A write the file system cannot take reaches LMDB as a short write,
 * which it reports as EIO: when the store's file system has next to no
 * room left, that is what the operator is told (ENOSPC). */
#define STORE_FULL_BYTES ((uint64_t)8 << 20)

static int
store_commit_fail(struct store *st, char *err, size_t errlen, int rc)
{
	const char *path;
	struct statvfs sv;

	if (rc == EIO && mdb_env_get_path(st->env, &path) == 0 &&
	    statvfs(path, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize < STORE_FULL_BYTES)
		rc = ENOSPC;
	if (rc == ENOSPC) {
		st->no_space++;
		st->full = true;
	}
	return lmdb_fail(err, errlen, "commit", rc);
}

static MDB_val
val(const void *data, size_t len)
{
	MDB_val v = { len, (void *)data };
	return v;
}

static size_t
batch_key(uint8_t *key, const uint8_t *origin, uint64_t seq)
{
	memcpy(key, origin, ORIGIN_LEN);
	put_be64(key + ORIGIN_LEN, seq);
	return ORIGIN_LEN + 8;
}

/* ---- open / close ---- */

static int
open_dbs(struct store *st, MDB_txn *txn, char *err, size_t errlen)
{
	struct { const char *name; MDB_dbi *dbi; } dbs[] = {
		{ "meta", &st->meta }, { "batches", &st->batches },
		{ "origins", &st->origins }, { "reports", &st->reports },
		{ "evidence", &st->evidence }, { "scores", &st->scores },
		{ "equivocations", &st->equiv },
		{ "attestations", &st->attest },
	};
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		int rc = mdb_dbi_open(txn, dbs[i].name, MDB_CREATE, dbs[i].dbi);
		if (rc != 0)
			return lmdb_fail(err, errlen, dbs[i].name, rc);
	}
	return 0;
}

/* A new store gets the schema version; an old one must have ours. */
static int
check_schema(struct store *st, MDB_txn *txn, char *err, size_t errlen)
{
	MDB_val k = val("schema", 6), v;
	uint32_t want = SCHEMA_VERSION, have;
	int rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		v = val(&want, sizeof(want));
		rc = mdb_put(txn, st->meta, &k, &v, 0);
		return rc ? lmdb_fail(err, errlen, "write schema", rc) : 0;
	}
	if (rc != 0)
		return lmdb_fail(err, errlen, "read schema", rc);
	if (v.mv_size != sizeof(have)) {
		snprintf(err, errlen, "store schema record is corrupt");
		return -1;
	}
	memcpy(&have, v.mv_data, sizeof(have));
	if (have != SCHEMA_VERSION) {
		snprintf(err, errlen, "store has schema version %u; this "
		    "reputed needs %u (run rescore with a matching version)",
		    have, SCHEMA_VERSION);
		return -1;
	}
	return 0;
}

static int
put_policy(MDB_txn *txn, struct store *st)
{
	uint8_t enc[POLICY_ENCODED_LEN];
	MDB_val k = val("policy", 6), v = val(enc, sizeof(enc));

	policy_encode(&st->policy, enc);
	return mdb_put(txn, st->meta, &k, &v, 0);
}

/*
 * The policy the store's scores were made under, in meta "policy". Opened
 * without a policy, the store takes that one; opened with one, a store
 * that records none records it, and one that records another is marked
 * changed (store_policy_changed: its scores are not those of the policy
 * until store_rescore, which records it).
 */
static int
open_policy(struct store *st, MDB_txn *txn, bool given, char *err,
    size_t errlen)
{
	uint8_t enc[POLICY_ENCODED_LEN];
	struct policy rec;
	MDB_val k = val("policy", 6), v;
	int rc = mdb_get(txn, st->meta, &k, &v);

	if (rc == MDB_NOTFOUND) {
		rc = given ? put_policy(txn, st) : 0;
		return rc ? lmdb_fail(err, errlen, "write policy", rc) : 0;
	}
	if (rc != 0)
		return lmdb_fail(err, errlen, "read policy", rc);
	if (policy_decode(&rec, v.mv_data, v.mv_size) != 0) {
		snprintf(err, errlen, "store policy record is corrupt");
		return -1;
	}
	policy_encode(&st->policy, enc);
	if (!given)
		st->policy = rec;
	else
		st->policy_changed = memcmp(enc, v.mv_data, sizeof(enc)) != 0;
	return 0;
}

static int origin_read(MDB_txn *txn, struct store *st, const uint8_t *origin,
    struct origin_rec *out);
static int origin_write(MDB_txn *txn, struct store *st, const uint8_t *origin,
    const struct origin_rec *rec);

/*
 * Stores written before the block reasons held 1 for any block: an
 * origin with an equivocation proof gets its reason, so an operator's
 * unblock does not lift it. Idempotent; writes only what it changes.
 */
static int
mark_equivocators(struct store *st, MDB_txn *txn, char *err, size_t errlen)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, st->equiv, &c);

	if (rc != 0)
		return lmdb_fail(err, errlen, "equivocations", rc);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		if (k.mv_size != ORIGIN_LEN + 8 ||
		    origin_read(txn, st, k.mv_data, &rec) != 0 ||
		    (rec.blocked & ORIGIN_BLOCK_EQUIVOCATION))
			continue;
		rec.blocked |= ORIGIN_BLOCK_EQUIVOCATION;
		if ((rc = origin_write(txn, st, k.mv_data, &rec)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return lmdb_fail(err, errlen, "mark equivocators", rc);
	return 0;
}

/*
 * sync 2: fsync of data and meta page per commit: a power loss loses
 * nothing committed. sync 1: the meta page is not synced: a power loss may
 * undo the last commit, never corrupt. sync 0: no fsync: a process crash
 * (kill -9) still loses nothing committed, since the pages are in the
 * kernel's page cache, but a power loss may lose or corrupt the latest
 * commits. Readers never need a lock in any mode.
 *
 * No level uses MDB_WRITEMAP by itself: with it the data file is a sparse
 * file the size of the map, written through the map, and a page the full
 * file system cannot back kills the process with SIGBUS (the DNS server
 * with it). Without it a full disk is a failed commit (ENOSPC), and the
 * next commit works again once there is room. The simulator asks for it
 * (`writemap`): its stores are on tmpfs, where the copy of every dirty
 * page and the write(2) of it were a fifth of its time.
 */
static unsigned
env_flags(int sync, bool bulk, bool writemap)
{
	unsigned f = MDB_NOTLS | MDB_NORDAHEAD;
	if (writemap)
		f |= MDB_WRITEMAP;
	if (sync <= 0 || bulk)		/* bulk: store_sync at the end */
		f |= MDB_NOSYNC;
	else if (sync == 1)
		f |= MDB_NOMETASYNC;
	return f;
}

struct store *
store_open(const char *dir, const struct store_options *opt, char *err,
    size_t errlen)
{
	struct store *st = calloc(1, sizeof(*st));
	MDB_txn *txn = NULL;
	int rc;
	if (st == NULL || (st->changes = changes_new()) == NULL) {
		free(st);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (opt && opt->policy)
		st->policy = *opt->policy;
	else
		policy_default(&st->policy);
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	size_t map = opt && opt->map_size ? opt->map_size : (size_t)64 << 30;
	if ((rc = mdb_env_create(&st->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(st->env, 16)) != 0 ||
	    (rc = mdb_env_set_mapsize(st->env, map)) != 0 ||
	    (rc = mdb_env_set_maxreaders(st->env, 254)) != 0 ||
	    (rc = mdb_env_open(st->env, dir, env_flags(opt ? opt->sync : 2,
	    opt && opt->bulk, opt && opt->writemap),
	    0640)) != 0) {
		lmdb_fail(err, errlen, dir, rc);
		goto fail;
	}
	if ((rc = mdb_txn_begin(st->env, NULL, 0, &txn)) != 0) {
		lmdb_fail(err, errlen, "begin", rc);
		goto fail;
	}
	if (open_dbs(st, txn, err, errlen) != 0 ||
	    check_schema(st, txn, err, errlen) != 0 ||
	    open_policy(st, txn, opt && opt->policy, err, errlen) != 0 ||
	    mark_equivocators(st, txn, err, errlen) != 0)
		goto fail;
	if ((rc = mdb_txn_commit(txn)) != 0) {
		txn = NULL;
		lmdb_fail(err, errlen, "commit", rc);
		goto fail;
	}
	return st;
fail:
	if (txn)
		mdb_txn_abort(txn);
	if (st->env)
		mdb_env_close(st->env);
	changes_free(st->changes);
	free(st);
	return NULL;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	mdb_env_close(st->env);
	changes_free(st->changes);
	free(st);
}

int
store_map_use(struct store *st, uint64_t *used, uint64_t *size)
{
	MDB_envinfo ei;
	MDB_stat es;
	if (mdb_env_info(st->env, &ei) != 0 || mdb_env_stat(st->env, &es) != 0)
		return -1;
	*used = ((uint64_t)ei.me_last_pgno + 1) * es.ms_psize;
	*size = ei.me_mapsize;
	return 0;
}

int
store_backup(struct store *st, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	int rc = mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT);
	if (rc == 0 && fsync(fd) != 0)
		rc = errno;
	if (close(fd) != 0 && rc == 0)
		rc = errno;
	if (rc != 0) {
		unlink(path);
		snprintf(err, errlen, "backup to %s: %s", path,
		    mdb_strerror(rc));
		return -1;
	}
	return 0;
}

int
store_sync(struct store *st, char *err, size_t errlen)
{
	int rc = mdb_env_sync(st->env, 1);
	return rc ? lmdb_fail(err, errlen, "sync", rc) : 0;
}

const struct policy *
store_policy(const struct store *st)
{
	return &st->policy;
}

void
store_set_policy(struct store *st, const struct policy *p)
{
	uint8_t a[POLICY_ENCODED_LEN], b[POLICY_ENCODED_LEN];

	policy_encode(&st->policy, a);
	policy_encode(p, b);
	st->policy_changed |= memcmp(a, b, sizeof(a)) != 0;
	st->policy = *p;
	memset(st->trust, 0, sizeof(st->trust));	/* default_trust */
}

bool
store_policy_changed(const struct store *st)
{
	return st->policy_changed;
}

/* ---- origins and trust ---- */

static uint8_t *
live_encode(uint8_t *o, const struct live_count *lc)
{
	uint8_t *n = o + 16;

	memcpy(o, &lc->live, 8);
	memcpy(o + 8, &lc->dropped, 8);
	*n = 0;
	o += 17;
	for (unsigned i = 0; i < LIVE_RING; i++) {
		if (lc->day[i] == 0)
			continue;
		*o++ = (uint8_t)i;
		memcpy(o, &lc->day[i], 4);
		o += 4;
		(*n)++;
	}
	return o;
}

/* NULL if [in, end) does not hold one of live_encode's. */
static const uint8_t *
live_decode(const uint8_t *in, const uint8_t *end, struct live_count *lc)
{
	if (end - in < 17)
		return NULL;
	memcpy(&lc->live, in, 8);
	memcpy(&lc->dropped, in + 8, 8);
	unsigned n = in[16];
	in += 17;
	if ((size_t)(end - in) < (size_t)n * 5)
		return NULL;
	for (unsigned i = 0; i < n; i++, in += 5) {
		if (in[0] >= LIVE_RING)
			return NULL;
		memcpy(&lc->day[in[0]], in + 1, 4);
	}
	return in;
}

/* The bytes an origin record is kept as: returns their length. */
static size_t
origin_encode(const struct origin_rec *rec, uint8_t out[ORIGIN_REC_MAX])
{
	memcpy(out, rec, ORIGIN_REC_FIXED);
	uint8_t *o = live_encode(out + ORIGIN_REC_FIXED, &rec->live);
	return (size_t)(live_encode(o, &rec->floor_live) - out);
}

/* An origin record of any size from ORIGIN_REC_V1 (before organisations
 * and quotas) up to ours. */
static int
origin_decode(const MDB_val *v, struct origin_rec *out)
{
	if (v->mv_size < ORIGIN_REC_V1 || v->mv_size > ORIGIN_REC_MAX)
		return -1;
	memset(out, 0, sizeof(*out));
	if (v->mv_size > ORIGIN_REC_FIXED) {
		const uint8_t *in = (const uint8_t *)v->mv_data +
		    ORIGIN_REC_FIXED, *end = (const uint8_t *)v->mv_data +
		    v->mv_size;
		memcpy(out, v->mv_data, ORIGIN_REC_FIXED);
		if ((in = live_decode(in, end, &out->live)) == NULL ||
		    (in = live_decode(in, end, &out->floor_live)) == NULL ||
		    in != end)
			return -1;
		return 0;
	}
	memcpy(out, v->mv_data, v->mv_size);
	if (v->mv_size < offsetof(struct origin_rec, quota_hour))
		out->org_set = 0;
	if (v->mv_size < offsetof(struct origin_rec, kept_seq) +
	    sizeof(out->kept_seq))
		out->kept_seq = UINT64_MAX;
	return 0;
}

static int
origin_read(MDB_txn *txn, struct store *st, const uint8_t *origin,
    struct origin_rec *out)
{
	MDB_val k = val(origin, ORIGIN_LEN), v;
	int rc = mdb_get(txn, st->origins, &k, &v);
	memset(out, 0, sizeof(*out));
	out->trust = st->policy.default_trust;
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0 || origin_decode(&v, out) != 0)
		return -1;
	if (!out->trust_set)
		out->trust = st->policy.default_trust;
	return 0;
}

static int
origin_write(MDB_txn *txn, struct store *st, const uint8_t *origin,
    const struct origin_rec *rec)
{
	uint8_t buf[ORIGIN_REC_MAX];
	MDB_val k = val(origin, ORIGIN_LEN), v = val(buf, origin_encode(rec,
	    buf));
	return mdb_put(txn, st->origins, &k, &v, 0);
}

/* The same at an origins cursor's position. The key comes from the
 * caller's copy: a record of another size is put anew, and the key bytes
 * the cursor returned go with the old one. */
static int
origin_put_current(MDB_cursor *c, const uint8_t *origin,
    const struct origin_rec *rec)
{
	uint8_t buf[ORIGIN_REC_MAX];
	MDB_val k = val(origin, ORIGIN_LEN), v = val(buf, origin_encode(rec,
	    buf));
	return mdb_cursor_put(c, &k, &v, MDB_CURRENT);
}

static size_t
trust_slot(const uint8_t *origin)
{
	uint32_t h;
	memcpy(&h, origin, sizeof(h));
	return h % TRUST_CACHE;
}

/* An organisation's trust setting, in meta under "org" + its id. */
struct org_rec {
	double trust;
	uint8_t blocked;
	uint8_t pad[7];
};

static size_t
org_key(uint8_t *key, const uint8_t *org)
{
	memcpy(key, "org", 3);
	memcpy(key + 3, org, ORG_ID_LEN);
	return 3 + ORG_ID_LEN;
}

/*
 * An organisation's nodes, in meta under "om" + org + origin: the origins
 * (node keys; never the pseudo-origins of attested reports, whose reports
 * count against their relay's limits) bound to it that have a batch
 * applied. How many there are sets each one's share of the
 * organisation's limits (org_members). A key joins with its first batch,
 * not with its binding: every node learns a binding before that origin's
 * first batch counts, but a node that never reports is known as a member
 * only to itself; counting it there would give that node other shares
 * than everyone else's.
 */
#define MEMBER_KEY_LEN	(2 + ORG_ID_LEN + ORIGIN_LEN)

static size_t
member_key(uint8_t *key, const uint8_t *org, const uint8_t *origin)
{
	memcpy(key, "om", 2);
	memcpy(key + 2, org, ORG_ID_LEN);
	if (origin == NULL)
		return 2 + ORG_ID_LEN;
	memcpy(key + 2 + ORG_ID_LEN, origin, ORIGIN_LEN);
	return MEMBER_KEY_LEN;
}

static int
member_set(MDB_txn *txn, struct store *st, const uint8_t *org,
    const uint8_t *origin, bool member)
{
	uint8_t key[MEMBER_KEY_LEN], one = 1;
	MDB_val k = val(key, member_key(key, org, origin)), v = val(&one, 1);
	int rc = member ? mdb_put(txn, st->meta, &k, &v, 0) :
	    mdb_del(txn, st->meta, &k, NULL);

	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The members of org: their number into *n, and when out is not NULL
 * their keys into *out (malloc'd, NULL when there are none; the caller
 * frees it). */
static int
member_list(MDB_txn *txn, struct store *st, const uint8_t *org,
    uint8_t (**out)[ORIGIN_LEN], size_t *n)
{
	uint8_t key[MEMBER_KEY_LEN];
	size_t plen = member_key(key, org, NULL), cap = 0;
	MDB_cursor *c;
	MDB_val k = val(key, plen), v;
	int rc = mdb_cursor_open(txn, st->meta, &c);

	if (out != NULL)
		*out = NULL;
	*n = 0;
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != MEMBER_KEY_LEN || memcmp(k.mv_data, key,
		    plen) != 0)
			break;
		if (out == NULL) {
			(*n)++;
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			void *p = realloc(*out, cap * ORIGIN_LEN);
			if (p == NULL) {
				rc = ENOMEM;
				break;
			}
			*out = p;
		}
		memcpy((*out)[(*n)++], (const uint8_t *)k.mv_data + plen,
		    ORIGIN_LEN);
	}
	mdb_cursor_close(c);
	if (rc == 0 || rc == MDB_NOTFOUND)
		return 0;
	if (out != NULL) {
		free(*out);
		*out = NULL;
	}
	*n = 0;
	return rc;
}

/* The weight an organisation's setting gives its origins: 1 without one. */
static double
org_trust(MDB_txn *txn, struct store *st, const uint8_t *org)
{
	uint8_t key[3 + ORG_ID_LEN];
	MDB_val k = val(key, org_key(key, org)), v;
	struct org_rec rec;

	if (mdb_get(txn, st->meta, &k, &v) != 0 || v.mv_size != sizeof(rec))
		return 1.0;
	memcpy(&rec, v.mv_data, sizeof(rec));
	return rec.blocked ? 0 : rec.trust;
}

/* The effective weight of an origin (0 when blocked) and its organisation
 * (copied into org; false when it is an organisation of its own). Cached
 * per store; every change of an origin record clears the cache. */
static double
origin_trust(MDB_txn *txn, struct store *st, const uint8_t *origin,
    uint8_t org[ORG_ID_LEN], bool *has_org)
{
	struct trust_slot *s = &st->trust[trust_slot(origin)];
	if (!s->used || memcmp(s->origin, origin, ORIGIN_LEN) != 0) {
		struct origin_rec rec;
		if (origin_read(txn, st, origin, &rec) < 0) {
			*has_org = false;
			return 0;
		}
		memcpy(s->origin, origin, ORIGIN_LEN);
		s->trust = rec.blocked ? 0 : rec.trust;
		if (rec.org_set)
			s->trust *= org_trust(txn, st, rec.org);
		s->has_org = rec.org_set;
		memcpy(s->org, rec.org, ORG_ID_LEN);
		s->used = true;
	}
	*has_org = s->has_org;
	memcpy(org, s->org, ORG_ID_LEN);
	return s->trust;
}

enum origin_redo {
	REDO_SCORES,	/* its weight or organisation changed */
	REDO_PURGE,	/* blocked: its contributions go */
	REDO_REFOLD,	/* unblocked: its batches fold in again */
};

static void quota_from_floor(struct origin_rec *rec);
static int apply_following(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec, const Reputed__Batch *first);
static int unfold_batches_to(struct store_txn *tx, const uint8_t *origin,
    const struct origin_rec *rec, uint64_t last);
static enum apply_status flood_block(struct store_txn *tx,
    const uint8_t *origin, struct origin_rec *rec, char *err, size_t errlen);
static int rescore_origin(struct store_txn *tx, const uint8_t *origin,
    uint64_t upto, enum origin_redo how);

int
store_set_origin(struct store *st, const uint8_t origin[ED25519_KEY_LEN],
    double trust, bool blocked, char *err, size_t errlen)
{
	struct origin_rec rec;
	struct store_txn *tx = store_begin(st, err, errlen);
	int rc;

	if (tx == NULL)
		return -1;
	if (origin_read(tx->txn, st, origin, &rec) < 0) {
		store_abort(tx);
		snprintf(err, errlen, "origin record is corrupt");
		return -1;
	}
	double old = rec.blocked ? 0 : rec.trust;
	bool was_blocked = rec.blocked != 0;
	rec.trust = trust < 0 ? 0 : trust > 1 ? 1 : trust;
	rec.trust_set = 1;
	/* only the operator's own bit: an equivocation or flood block
	 * stays, whatever the config says */
	rec.blocked = (uint8_t)((rec.blocked & ~ORIGIN_BLOCK_POLICY) |
	    (blocked ? ORIGIN_BLOCK_POLICY : 0));
	blocked = rec.blocked != 0;
	if ((rc = origin_write(tx->txn, st, origin, &rec)) != 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "write origin", rc);
	}
	memset(st->trust, 0, sizeof(st->trust));
	/* A weight that changed applies to its listings now, not when each
	 * subject next hears news. */
	enum origin_redo how = was_blocked == blocked ? REDO_SCORES :
	    blocked ? REDO_PURGE : REDO_REFOLD;
	if ((how != REDO_SCORES || old != rec.trust) &&
	    (rc = rescore_origin(tx, origin, rec.highest_seq, how)) != 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "rescore origin", rc);
	}
	return store_commit(tx, err, errlen);
}

/* Rescores every origin bound to org (its setting changed). */
static int
rescore_org(struct store_txn *tx, const uint8_t *org)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(tx->txn, tx->st->origins, &c);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		uint8_t origin[ORIGIN_LEN];
		if (k.mv_size != ORIGIN_LEN || origin_decode(&v, &rec) != 0 ||
		    !rec.org_set || memcmp(rec.org, org, ORG_ID_LEN) != 0)
			continue;
		/* a copy: writing the record may move the cursor's key */
		memcpy(origin, k.mv_data, ORIGIN_LEN);
		if ((rc = rescore_origin(tx, origin, rec.highest_seq,
		    REDO_SCORES)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

int
store_set_org(struct store *st, const uint8_t org[ORG_ID_LEN], double trust,
    bool blocked, char *err, size_t errlen)
{
	uint8_t key[3 + ORG_ID_LEN];
	struct org_rec rec = { .blocked = blocked };
	struct store_txn *tx = store_begin(st, err, errlen);
	MDB_val k = val(key, org_key(key, org)), v = val(&rec, sizeof(rec));
	int rc;

	if (tx == NULL)
		return -1;
	rec.trust = trust < 0 ? 0 : trust > 1 ? 1 : trust;
	if ((rc = mdb_put(tx->txn, st->meta, &k, &v, 0)) != 0 ||
	    (memset(st->trust, 0, sizeof(st->trust)),
		rc = rescore_org(tx, org)) != 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "set organisation", rc);
	}
	return store_commit(tx, err, errlen);
}

int
store_get_org(struct store *st, const uint8_t org[ORG_ID_LEN], double *trust,
    bool *blocked)
{
	uint8_t key[3 + ORG_ID_LEN];
	MDB_val k = val(key, org_key(key, org)), v;
	struct org_rec rec = { .trust = 1.0 };
	MDB_txn *txn;
	int rc;

	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) != 0)
		return -1;
	rc = mdb_get(txn, st->meta, &k, &v);
	if (rc == 0 && v.mv_size == sizeof(rec))
		memcpy(&rec, v.mv_data, sizeof(rec));
	mdb_txn_abort(txn);
	*trust = rec.trust;
	*blocked = rec.blocked;
	return rc == 0 ? 0 : rc == MDB_NOTFOUND ? 1 : -1;
}

/*
 * An origin whose share of its organisation's limits changed: what it
 * contributed goes, and its batches are applied again from its floor, in
 * seq order, under the new share, as if it had had that share from the
 * start (so a node that learned the binding late ends where one that
 * knew it first does). Past the flood line under the new share it is
 * blocked at the crossing batch, as on arrival. An origin blocked by
 * the operator or for equivocation contributes nothing anyway: its
 * counters are brought up to date by the next rescore.
 */
static int
refold_share(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec, uint64_t members)
{
	char err[160];
	int rc;

	rec->org_members = members;
	if (rec->blocked & ~ORIGIN_BLOCK_FLOOD)
		return origin_write(tx->txn, tx->st, origin, rec);
	if ((rc = unfold_batches_to(tx, origin, rec, rec->highest_seq)) != 0)
		return rc;
	quota_from_floor(rec);
	rec->kept_seq = 0;
	rec->highest_seq = rec->batches = rec->floor;
	rec->clock = rec->floor_clock;
	rec->blocked &= (uint8_t)~ORIGIN_BLOCK_FLOOD;
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	if ((rc = apply_following(tx, origin, rec, NULL)) != 0)
		return rc;
	if (!(rec->blocked & ORIGIN_BLOCK_FLOOD))
		return origin_write(tx->txn, tx->st, origin, rec);
	return flood_block(tx, origin, rec, err, sizeof(err)) == APPLY_FLOOD ?
	    0 : MDB_PANIC;
}

/* Gives every member of org the share that their number now sets; only
 * those whose limits change are folded again. */
static int
reshare_org(struct store_txn *tx, const uint8_t *org)
{
	const struct policy *p = &tx->st->policy;
	uint8_t (*members)[ORIGIN_LEN];
	size_t n;
	int rc = member_list(tx->txn, tx->st, org, &members, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct origin_rec rec, now;
		if (origin_read(tx->txn, tx->st, members[i], &rec) < 0) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (rec.org_members == n)
			continue;
		now = rec;
		now.org_members = n;
		if (origin_quota(&now, p) == origin_quota(&rec, p) &&
		    origin_ceiling(&now, p) == origin_ceiling(&rec, p))
			rc = origin_write(tx->txn, tx->st, members[i], &now);
		else
			rc = refold_share(tx, members[i], &rec, n);
	}
	free(members);
	return rc;
}

/* An origin bound to an organisation applied its first batch: it counts
 * among the organisation's members from now on. */
static int
member_joins(struct store_txn *tx, const uint8_t *origin)
{
	struct origin_rec rec;
	int rc;

	if (origin_read(tx->txn, tx->st, origin, &rec) < 0)
		return MDB_CORRUPTED;
	if (!rec.org_set || rec.via_set || rec.highest_seq == 0)
		return 0;
	if ((rc = member_set(tx->txn, tx->st, rec.org, origin, true)) != 0)
		return rc;
	return reshare_org(tx, rec.org);
}

int
store_set_origin_org(struct store_txn *tx, const uint8_t origin[ORIGIN_LEN],
    const uint8_t org[ORG_ID_LEN])
{
	struct origin_rec rec;
	uint8_t old[ORG_ID_LEN];
	bool had_org;
	int rc;

	if (origin_read(tx->txn, tx->st, origin, &rec) < 0)
		return MDB_CORRUPTED;
	if (rec.org_set && memcmp(rec.org, org, ORG_ID_LEN) == 0)
		return 0;
	had_org = rec.org_set && !rec.via_set && rec.highest_seq > 0;
	memcpy(old, rec.org, ORG_ID_LEN);
	rec.org_set = 1;
	memcpy(rec.org, org, ORG_ID_LEN);
	if ((rc = origin_write(tx->txn, tx->st, origin, &rec)) != 0)
		return rc;
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	if (had_org && ((rc = member_set(tx->txn, tx->st, old, origin,
	    false)) != 0 || (rc = reshare_org(tx, old)) != 0))
		return rc;
	if (!rec.via_set && rec.highest_seq > 0 && ((rc = member_set(tx->txn,
	    tx->st, org, origin, true)) != 0 || (rc = reshare_org(tx, org)) !=
	    0))
		return rc;
	if (origin_read(tx->txn, tx->st, origin, &rec) < 0)
		return MDB_CORRUPTED;
	return rescore_origin(tx, origin, rec.highest_seq, REDO_SCORES);
}

/* An origin's record as struct origin_info, read in txn: 0 found, 1 not
 * (defaults), -1 error. */
static int
origin_info_read(MDB_txn *txn, struct store *st, const uint8_t *origin,
    uint64_t t, struct origin_info *out)
{
	struct origin_rec rec;
	int rc = origin_read(txn, st, origin, &rec);

	if (rc < 0)
		return -1;
	if (t / 3600000 > rec.quota_hour)	/* as a batch made at t finds it */
		quota_advance(&rec, t / 3600000, rec.highest_seq + 1);
	out->trust = rec.trust;
	out->blocked = rec.blocked != 0;
	out->block = rec.blocked;
	out->quota_hour_dropped = rec.quota_hour_dropped;
	out->quota_hour = rec.quota_hour;
	out->quota_used = rec.quota_used;
	out->live = rec.live.live;
	out->live_dropped = rec.live.dropped;
	out->org_members = rec.org_members > 1 ? rec.org_members : 1;
	out->quota_limit = origin_quota(&rec, &st->policy);
	out->live_limit = origin_ceiling(&rec, &st->policy);
	out->highest_seq = rec.highest_seq;
	out->batches = rec.batches;
	out->has_org = rec.org_set;
	out->quota_dropped = rec.quota_dropped;
	memcpy(out->org, rec.org, ORG_ID_LEN);
	out->has_via = rec.via_set;
	memcpy(out->via, rec.via, ORIGIN_LEN);
	return rc;
}

int
store_get_origin_at(struct store *st, const uint8_t origin[ED25519_KEY_LEN],
    uint64_t t, struct origin_info *out)
{
	MDB_txn *txn;
	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) != 0)
		return -1;
	int rc = origin_info_read(txn, st, origin, t, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_get_origin(struct store *st, const uint8_t origin[ED25519_KEY_LEN],
    struct origin_info *out)
{
	return store_get_origin_at(st, origin, 0, out);
}

int
store_reader_origin(struct store_reader *r,
    const uint8_t origin[ED25519_KEY_LEN], struct origin_info *out)
{
	return origin_info_read(r->txn, r->st, origin, 0, out);
}

/* ---- the write path ---- */

const char *
origin_block_reasons(unsigned block, char *buf, size_t len)
{
	static const char *const names[] = { "policy", "equivocation",
	    "flood" };
	size_t at = 0;

	if (len > 0)
		buf[0] = '\0';
	for (unsigned i = 0; i < 3; i++) {
		if (!(block & (1u << i)))
			continue;
		int n = snprintf(buf + at, len - at, "%s%s", at ? "," : "",
		    names[i]);
		if (n < 0 || (size_t)n >= len - at)
			break;
		at += (size_t)n;
	}
	return buf;
}

const char *
apply_status_name(enum apply_status s)
{
	static const char *const names[] = {
		"applied", "pending", "duplicate", "equivocation", "blocked",
		"invalid", "error", "flood",
	};
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] :
	    "unknown";
}

struct store_txn *
store_begin(struct store *st, char *err, size_t errlen)
{
	struct store_txn *tx = calloc(1, sizeof(*tx));
	if (tx == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int rc = mdb_txn_begin(st->env, NULL, 0, &tx->txn);
	if (rc != 0) {
		lmdb_fail(err, errlen, "begin", rc);
		free(tx);
		return NULL;
	}
	tx->st = st;
	tx->id = mdb_txn_id(tx->txn);
	MDB_val k = val("plens", 5), v;
	if (mdb_get(tx->txn, st->meta, &k, &v) == 0 &&
	    v.mv_size == PLEN_BYTES)
		memcpy(tx->plens, v.mv_data, PLEN_BYTES);
	return tx;
}

void
store_abort(struct store_txn *tx)
{
	if (tx == NULL)
		return;
	mdb_txn_abort(tx->txn);
	/* The next transaction reuses the id: readers must not take these
	 * records for its changes. */
	changes_flush(tx->st->changes, tx->id);
	/* Trust values read inside the aborted transaction may be gone. */
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	free(tx);
}

/* Journals one changed score key for readers' caches; past
 * CHANGES_PER_TXN the transaction becomes one "everything changed". */
static void
note_flush(struct store_txn *tx)
{
	if (!tx->flushed)
		changes_flush(tx->st->changes, tx->id);
	tx->flushed = true;
}

static void
note_change(struct store_txn *tx, const uint8_t *key, size_t len)
{
	if (tx->flushed)
		return;
	if (++tx->n_changed > CHANGES_PER_TXN)
		note_flush(tx);
	else
		changes_key(tx->st->changes, tx->id, key, len);
}

static int
bump_serial(struct store_txn *tx)
{
	MDB_val k = val("serial", 6), v;
	uint32_t serial = 0;
	if (mdb_get(tx->txn, tx->st->meta, &k, &v) == 0 &&
	    v.mv_size == sizeof(serial))
		memcpy(&serial, v.mv_data, sizeof(serial));
	serial = serial + 1 ? serial + 1 : 1;	/* never 0 after the first */
	v = val(&serial, sizeof(serial));
	return mdb_put(tx->txn, tx->st->meta, &k, &v, 0);
}

int
store_commit(struct store_txn *tx, char *err, size_t errlen)
{
	int rc = 0;
	if (tx->listing_changed)
		rc = bump_serial(tx);
	if (rc == 0 && tx->plens_dirty) {
		MDB_val k = val("plens", 5), v = val(tx->plens, PLEN_BYTES);
		rc = mdb_put(tx->txn, tx->st->meta, &k, &v, 0);
	}
	/* LMDB gives an empty transaction no id of its own, so every commit
	 * writes: the journal's END for this id then names this commit. */
	if (rc == 0) {
		MDB_val k = val("txn", 3), v = val(&tx->id, sizeof(tx->id));
		rc = mdb_put(tx->txn, tx->st->meta, &k, &v, 0);
	}
	if (rc != 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "commit", rc);
	}
	struct store *st = tx->st;
	struct changes *ch = st->changes;
	uint64_t id = tx->id;
	changes_end(ch, id);
	rc = mdb_txn_commit(tx->txn);
	free(tx);
	if (rc != 0) {
		changes_flush(ch, id);
		/* LMDB aborted it: as store_abort, forget the trust read
		 * inside it. */
		memset(st->trust, 0, sizeof(st->trust));
		return store_commit_fail(st, err, errlen, rc);
	}
	st->full = false;
	return 0;
}

/* Bit of the prefix-length set: IPv4 lengths 0..32, then IPv6 0..128. */
static unsigned
plen_bit(enum subject_kind kind, unsigned plen)
{
	return kind == SUBJECT_IPV4 ? plen : 33 + plen;
}

static bool
plen_has(const uint8_t *plens, unsigned bit)
{
	return plens[bit / 8] & (1u << (bit % 8));
}

/* The write transaction's evidence and scores cursors, opened once. */
static int
txn_cursors(struct store_txn *tx)
{
	int rc = 0;
	if (tx->ecur == NULL)
		rc = mdb_cursor_open(tx->txn, tx->st->evidence, &tx->ecur);
	if (rc == 0 && tx->scur == NULL)
		rc = mdb_cursor_open(tx->txn, tx->st->scores, &tx->scur);
	return rc;
}

static bool
evidence_of(const MDB_val *k, const uint8_t *skey, size_t sklen)
{
	return k->mv_size == sklen + ORIGIN_LEN &&
	    memcmp(k->mv_data, skey, sklen) == 0;
}

/*
 * The evidence cursor on the subject's first record. From a cursor that
 * stands on one of them (fold_one just wrote it), a step back per record
 * before it instead of a search from the root: a subject's records are
 * contiguous, since no subject key is a prefix of another (subject_key).
 */
static int
evidence_first(MDB_cursor *c, const uint8_t *skey, size_t sklen,
    bool positioned, MDB_val *k, MDB_val *v)
{
	int rc;

	if (!positioned) {
		*k = val(skey, sklen);
		return mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	}
	while ((rc = mdb_cursor_get(c, k, v, MDB_PREV)) == 0)
		if (!evidence_of(k, skey, sklen))
			return mdb_cursor_get(c, k, v, MDB_NEXT);
	return rc == MDB_NOTFOUND ? mdb_cursor_get(c, k, v, MDB_FIRST) : rc;
}

/* Recomputes the score of one subject from all its evidence records;
 * positioned: the evidence cursor stands on one of them. */
static int
rescore_subject_at(struct store_txn *tx, const uint8_t *skey, size_t sklen,
    bool positioned)
{
	struct store *st = tx->st;
	struct evidence evs[64];
	struct origin_evidence oe[64];
	uint8_t orgs[64][ORG_ID_LEN];
	size_t n = 0;
	MDB_val k, v;
	int rc = txn_cursors(tx);
	if (rc != 0)
		return rc;
	MDB_cursor *c = tx->ecur;
	/* Evidence keys are the subject key + 32 bytes of origin. A subject
	 * reported by more than 64 origins is scored on the 64 it trusts
	 * most: beyond that, more origins cannot change a listing. */
	for (rc = evidence_first(c, skey, sklen, positioned, &k, &v); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!evidence_of(&k, skey, sklen))
			break;
		if (v.mv_size != sizeof(struct evidence))
			continue;
		uint8_t org[ORG_ID_LEN];
		bool has_org;
		double trust = origin_trust(tx->txn, st,
		    (const uint8_t *)k.mv_data + sklen, org, &has_org);
		size_t slot = n;
		if (n == 64) {	/* keep the most trusted 64 */
			slot = 0;
			for (size_t i = 1; i < 64; i++)
				if (oe[i].trust < oe[slot].trust)
					slot = i;
			if (oe[slot].trust >= trust)
				continue;
		} else
			n++;
		memcpy(&evs[slot], v.mv_data, sizeof(evs[slot]));
		memcpy(orgs[slot], org, ORG_ID_LEN);
		oe[slot].ev = &evs[slot];
		oe[slot].trust = trust;
		oe[slot].org = has_org ? orgs[slot] : NULL;
	}
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;

	/* The scores cursor stays on the old record, so the new one is
	 * written in place without a second search. */
	struct listing old, nl;
	bool had = false;
	k = val(skey, sklen);
	if (mdb_cursor_get(tx->scur, &k, &v, MDB_SET_KEY) == 0 &&
	    v.mv_size == sizeof(old)) {
		memcpy(&old, v.mv_data, sizeof(old));
		had = true;
	}
	score_compute(oe, n, &st->policy, &nl);
	if (nl.n_reports == 0) {
		if (had) {
			tx->listing_changed = true;
			note_change(tx, skey, sklen);
			return mdb_cursor_del(tx->scur, 0);
		}
		return 0;
	}
	if (skey[0] != SUBJECT_DOMAIN) {
		unsigned bit = plen_bit((enum subject_kind)skey[0],
		    skey[sklen - 1]);
		nl.prefix_len = skey[sklen - 1];
		if (!plen_has(tx->plens, bit)) {
			tx->plens[bit / 8] |= (uint8_t)(1u << (bit % 8));
			tx->plens_dirty = true;
		}
	}
	if (!had || old.listed_until != nl.listed_until ||
	    old.allowed_until != nl.allowed_until || old.code != nl.code ||
	    old.n_reports != nl.n_reports)
		tx->listing_changed = true;
	if (!had || memcmp(&old, &nl, sizeof(nl)) != 0)
		note_change(tx, skey, sklen);
	v = val(&nl, sizeof(nl));
	if (had)
		return mdb_cursor_put(tx->scur, &k, &v, MDB_CURRENT);
	return mdb_put(tx->txn, st->scores, &k, &v, 0);
}

static int
rescore_subject(struct store_txn *tx, const uint8_t *skey, size_t sklen)
{
	return rescore_subject_at(tx, skey, sklen, false);
}

/* Does `identity` (a domain) equal d or lie below it? */
static bool
domain_covers(const char *d, const char *identity)
{
	size_t dl = strlen(d), il = strlen(identity);
	if (il == dl)
		return strcasecmp(identity, d) == 0;
	return il > dl && identity[il - dl - 1] == '.' &&
	    strcasecmp(identity + il - dl, d) == 0;
}

static const char *
addr_domain(const char *addr)
{
	const char *at = addr ? strrchr(addr, '@') : NULL;
	return at ? at + 1 : addr;
}

static int
result_rank(unsigned r)
{
	switch (r) {
	case REPUTED__AUTH_RESULT__AUTH_PASS:		return 2;
	case REPUTED__AUTH_RESULT__AUTH_FAIL:
	case REPUTED__AUTH_RESULT__AUTH_SOFTFAIL:	return 1;
	default:					return 0;
	}
}

/*
 * Sender-ID attribution (DESIGN.md): a domain carries the evidence in full
 * only when SPF or Sender ID passed for an identity at or below it, none
 * when every matching identity failed (the domain is a forgery victim), and
 * partly otherwise. A domain that is none of the mail's identities (a URL
 * in the body, say) is not judged by Sender-ID at all.
 */
static enum attribution
attribute(const struct subject *s, const Reputed__MailEvidence *m)
{
	if (s->kind != SUBJECT_DOMAIN)
		return m ? ATTR_FULL : ATTR_NOT_MAIL;
	if (m == NULL)
		return ATTR_NOT_MAIL;
	const char *mfrom = m->mail_from && m->mail_from[0] ?
	    addr_domain(m->mail_from) : m->helo;
	struct { const char *id; unsigned result; } ids[] = {
		{ mfrom, m->spf_mail_from },
		{ addr_domain(m->pra), m->sender_id_pra },
		{ m->helo, m->spf_helo },
	};
	int best = -1;
	for (size_t i = 0; i < 3; i++) {
		if (ids[i].id == NULL || ids[i].id[0] == '\0' ||
		    !domain_covers(s->domain, ids[i].id))
			continue;
		int r = result_rank(ids[i].result);
		best = r > best ? r : best;
	}
	switch (best) {
	case -1:	return ATTR_NOT_MAIL;
	case 2:		return ATTR_FULL;
	case 1:		return ATTR_SPOOFED;
	default:	return ATTR_PARTIAL;
	}
}

static bool
auth_ok(unsigned r)
{
	return r <= REPUTED__AUTH_RESULT__AUTH_PERMERROR;
}

static int
check_mail(const Reputed__MailEvidence *m, char *err, size_t errlen)
{
	if (m->client_ip.len != 0 && m->client_ip.len != 4 &&
	    m->client_ip.len != 16) {
		snprintf(err, errlen, "client IP of %zu bytes",
		    m->client_ip.len);
		return -1;
	}
	if ((m->helo && strlen(m->helo) > HELO_MAX) ||
	    (m->mail_from && strlen(m->mail_from) > ADDR_SPEC_MAX) ||
	    (m->pra && strlen(m->pra) > ADDR_SPEC_MAX)) {
		snprintf(err, errlen, "HELO, MAIL FROM or PRA too long");
		return -1;
	}
	if (!auth_ok(m->spf_helo) || !auth_ok(m->spf_mail_from) ||
	    !auth_ok(m->sender_id_pra)) {
		snprintf(err, errlen, "unknown SPF / Sender ID result");
		return -1;
	}
	return 0;
}

/* A report's observed time (its batch's when it gives none) and TTL (the
 * policy's default when it gives none, cut to the longest allowed). */
static uint64_t
report_observed(const Reputed__Report *r, uint64_t created_at)
{
	return r->observed_at ? r->observed_at : created_at;
}

static uint32_t
report_ttl(const Reputed__Report *r, const struct policy *p)
{
	uint32_t ttl = r->ttl ? r->ttl : p->default_ttl_s;

	return ttl > p->max_ttl_s ? p->max_ttl_s : ttl;
}

/* Checks one report; on success fills its subject and contribution. */
static int
check_report(const Reputed__Report *r, uint64_t created_at,
    const struct policy *p, struct subject *s, struct contribution *c,
    char *err, size_t errlen)
{
	if (r->subject == NULL) {
		snprintf(err, errlen, "report without a subject");
		return -1;
	}
	if (subject_from_proto(r->subject, s, err, errlen) != 0)
		return -1;
	if (r->category == 0 || r->category >= CATEGORY_COUNT) {
		snprintf(err, errlen, "unknown category %u", r->category);
		return -1;
	}
	if (r->confidence > 100) {
		snprintf(err, errlen, "confidence %u is over 100",
		    r->confidence);
		return -1;
	}
	if (r->mail && check_mail(r->mail, err, errlen) != 0)
		return -1;
	c->observed_at = report_observed(r, created_at);
	if (c->observed_at > created_at + p->future_slack_ms) {
		snprintf(err, errlen, "report observed after its batch was "
		    "made");
		return -1;
	}
	c->ttl_s = report_ttl(r, p);
	c->category = (uint8_t)r->category;
	c->confidence = (uint8_t)(r->confidence ? r->confidence : 100);
	c->attribution = (uint8_t)attribute(s, r->mail);
	return 0;
}

int
report_check(const Reputed__Report *r, uint64_t created_at,
    const struct policy *p, char *err, size_t errlen)
{
	struct subject s;
	struct contribution c;
	return check_report(r, created_at, p, &s, &c, err, errlen);
}

/* A report's contributions: to its subject, and to the connecting IP
 * when the subject is a domain (the IP always carries the evidence). */
static int
report_targets(const Reputed__Report *r, const Reputed__Batch *b,
    const struct policy *p, struct subject s[2], struct contribution c[2],
    char *err, size_t errlen)
{
	if (check_report(r, b->created_at, p, &s[0], &c[0], err, errlen) != 0)
		return -1;
	if (s[0].kind != SUBJECT_DOMAIN || r->mail == NULL ||
	    r->mail->client_ip.len == 0)
		return 1;
	char e2[8];
	if (subject_from_addr(r->mail->client_ip.data, r->mail->client_ip.len,
	    0, &s[1], e2, sizeof(e2)) != 0)
		return 1;
	c[1] = c[0];
	c[1].attribution = ATTR_FULL;
	return 2;
}

static size_t
report_key(uint8_t *key, const uint8_t *skey, size_t sklen,
    const uint8_t *origin, uint64_t seq, uint32_t index)
{
	memcpy(key, skey, sklen);
	memcpy(key + sklen, origin, ORIGIN_LEN);
	put_be64(key + sklen + ORIGIN_LEN, seq);
	put_be32(key + sklen + ORIGIN_LEN + 8, index);
	return sklen + ORIGIN_LEN + 12;
}

/* A report no longer counts once its origin's clock (the latest
 * created_at of the origin's applied batches: signed, the same on every
 * node at the same version vector) has reached its expiry. */
static bool
report_dead(const struct contribution *c, uint64_t clock)
{
	return c->observed_at + (uint64_t)c->ttl_s * 1000 <= clock;
}

/* ---- attested reports (reputation.h, docs/FEEDS.md) ---- */

/* A verdict as kept: ok, then the signer and organisation ids. */
struct attest_rec {
	uint8_t ok;
	uint8_t signer[32];
	uint8_t org[ORG_ID_LEN];
};

void
store_set_attest(struct store *st, store_attest_fn fn, void *arg)
{
	st->attest_fn = fn;
	st->attest_arg = arg;
}

void
attest_pseudo_origin(const uint8_t relay[ORIGIN_LEN],
    const struct attest_verdict *v, uint8_t out[ORIGIN_LEN])
{
	static const char tag[] = "reputed-attest-v1";	/* and its NUL */
	uint8_t in[sizeof(tag) + ORIGIN_LEN + 32 + ORG_ID_LEN];
	unsigned len = ORIGIN_LEN;

	memcpy(in, tag, sizeof(tag));
	memcpy(in + sizeof(tag), relay, ORIGIN_LEN);
	memcpy(in + sizeof(tag) + ORIGIN_LEN, v->signer, 32);
	memcpy(in + sizeof(tag) + ORIGIN_LEN + 32, v->org, ORG_ID_LEN);
	/* never fails: SHA-256 is built in */
	if (EVP_Digest(in, sizeof(in), out, &len, EVP_sha256(), NULL) != 1)
		memset(out, 0, ORIGIN_LEN);
}

static size_t
attest_key(uint8_t *key, const uint8_t *origin, uint64_t seq, uint32_t index)
{
	batch_key(key, origin, seq);
	put_be32(key + ORIGIN_LEN + 8, index);
	return ORIGIN_LEN + 12;
}

/* 0 found, MDB_NOTFOUND, or an LMDB error. */
static int
attest_read(MDB_txn *txn, struct store *st, const uint8_t *origin,
    uint64_t seq, uint32_t index, struct attest_verdict *out)
{
	uint8_t key[ORIGIN_LEN + 12];
	MDB_val k = val(key, attest_key(key, origin, seq, index)), v;
	struct attest_rec rec;
	int rc = mdb_get(txn, st->attest, &k, &v);

	if (rc != 0)
		return rc;
	if (v.mv_size != sizeof(rec))
		return MDB_CORRUPTED;
	memcpy(&rec, v.mv_data, sizeof(rec));
	out->ok = rec.ok;
	memcpy(out->signer, rec.signer, 32);
	memcpy(out->org, rec.org, ORG_ID_LEN);
	return 0;
}

/* The pseudo-origin's record: bound to the signer's organisation and to
 * the relay whose clock its reports expire by. */
static int
attest_bind(struct store_txn *tx, const uint8_t *relay,
    const struct attest_verdict *v)
{
	uint8_t pseudo[ORIGIN_LEN];
	struct origin_rec rec;

	attest_pseudo_origin(relay, v, pseudo);
	if (origin_read(tx->txn, tx->st, pseudo, &rec) < 0)
		return MDB_CORRUPTED;
	if (rec.org_set && rec.via_set)
		return 0;
	rec.org_set = rec.via_set = 1;
	memcpy(rec.org, v->org, ORG_ID_LEN);
	memcpy(rec.via, relay, ORIGIN_LEN);
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	return origin_write(tx->txn, tx->st, pseudo, &rec);
}

/* The first application of report index of b: the verifier's verdict,
 * kept, if none is kept yet (a refold or a rescore finds it). */
static int
attest_first(struct store_txn *tx, const Reputed__Batch *b, uint32_t index)
{
	struct store *st = tx->st;
	struct attest_verdict v;
	struct attest_rec rec;
	uint8_t key[ORIGIN_LEN + 12];
	int rc;

	if (b->reports[index]->attestation == NULL || st->attest_fn == NULL)
		return 0;
	rc = attest_read(tx->txn, st, b->origin.data, b->seq, index, &v);
	if (rc != MDB_NOTFOUND)
		return rc;
	memset(&v, 0, sizeof(v));
	st->attest_fn(st->attest_arg, b, index, &v);
	memset(&rec, 0, sizeof(rec));
	rec.ok = v.ok;
	if (v.ok) {
		memcpy(rec.signer, v.signer, 32);
		memcpy(rec.org, v.org, ORG_ID_LEN);
	}
	MDB_val k = val(key, attest_key(key, b->origin.data, b->seq, index));
	MDB_val d = val(&rec, sizeof(rec));
	if ((rc = mdb_put(tx->txn, st->attest, &k, &d, 0)) != 0)
		return rc;
	return v.ok ? attest_bind(tx, b->origin.data, &v) : 0;
}

/*
 * Whose report index of b is: *out is its origin's key, or for an
 * attested report the pseudo-origin of its verified signer (in buf), or
 * NULL when it counts for nobody (it did not verify, or no verdict is
 * kept). 0, or an LMDB error.
 */
static int
attest_origin(MDB_txn *txn, struct store *st, const Reputed__Batch *b,
    uint32_t index, uint8_t buf[ORIGIN_LEN], const uint8_t **out)
{
	struct attest_verdict v;
	int rc;

	*out = b->origin.data;
	if (b->reports[index]->attestation == NULL)
		return 0;
	*out = NULL;
	rc = attest_read(txn, st, b->origin.data, b->seq, index, &v);
	if (rc != 0)
		return rc == MDB_NOTFOUND ? 0 : rc;
	if (v.ok) {
		attest_pseudo_origin(b->origin.data, &v, buf);
		*out = buf;
	}
	return 0;
}

/* Deletes the verdicts kept for batch seq of origin (it is pruned). */
static int
attest_drop(struct store_txn *tx, const uint8_t *origin, uint64_t seq)
{
	uint8_t key[ORIGIN_LEN + 12];
	MDB_cursor *c;
	MDB_val k = val(key, attest_key(key, origin, seq, 0)), v;
	int rc = mdb_cursor_open(tx->txn, tx->st->attest, &c);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ORIGIN_LEN + 12 ||
		    memcmp(k.mv_data, key, ORIGIN_LEN + 8) != 0)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

int
store_reader_attest(struct store_reader *r,
    const uint8_t origin[ORIGIN_LEN], uint64_t seq, uint32_t index,
    struct attest_verdict *out)
{
	int rc = attest_read(r->txn, r->st, origin, seq, index, out);

	return rc == 0 ? 0 : rc == MDB_NOTFOUND ? 1 : -1;
}

/*
 * Rebuilds the evidence of (subject, origin) from its report index
 * entries still live at the origin's clock tx->clock, folded in (seq,
 * index) order, and deletes the entries that are not: the record is then
 * exactly the fold of its live reports, wherever and whenever this runs.
 * A record with none left is deleted. Used after a retraction, when a
 * fold finds a report of the record expired, and by the pruner.
 */
static int
refold(struct store_txn *tx, const uint8_t *skey, size_t sklen,
    const uint8_t *origin, struct evidence *ev)
{
	uint8_t prefix[SUBJECT_KEY_MAX + ORIGIN_LEN];
	uint8_t cur_key[SUBJECT_KEY_MAX + ORIGIN_LEN + 12];
	struct contribution c;
	MDB_cursor *cur;
	memcpy(prefix, skey, sklen);
	memcpy(prefix + sklen, origin, ORIGIN_LEN);
	size_t plen = sklen + ORIGIN_LEN;
	MDB_val k = val(prefix, plen), v;
	memset(ev, 0, sizeof(*ev));
	int rc = mdb_cursor_open(tx->txn, tx->st->reports, &cur);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && k.mv_size == plen + 12 &&
	    memcmp(k.mv_data, prefix, plen) == 0) {
		bool ok = v.mv_size == sizeof(c);
		if (ok)
			memcpy(&c, v.mv_data, sizeof(c));
		if (ok && !report_dead(&c, tx->clock)) {
			evidence_fold(ev, &c, &tx->st->policy);
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* expired (or unreadable): delete it, and seek from its
		 * key to the next entry whatever delete did to the cursor */
		size_t klen = k.mv_size;
		memcpy(cur_key, k.mv_data, klen);
		if ((rc = mdb_cursor_del(cur, 0)) != 0)
			break;
		k = val(cur_key, klen);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(cur);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	k = val(prefix, plen);
	if (ev->n_reports == 0)
		rc = mdb_del(tx->txn, tx->st->evidence, &k, NULL);
	else {
		v = val(ev, sizeof(*ev));
		rc = mdb_put(tx->txn, tx->st->evidence, &k, &v, 0);
	}
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int
fold_one(struct store_txn *tx, const struct subject *s, const uint8_t *origin,
    uint64_t seq, uint32_t index, const struct contribution *c)
{
	uint8_t skey[SUBJECT_KEY_MAX], key[SUBJECT_KEY_MAX + ORIGIN_LEN + 12];
	struct evidence ev;
	if (report_dead(c, tx->clock))
		return 0;	/* expired on arrival: counts nowhere */
	size_t sklen = subject_key(s, skey);
	int rc = txn_cursors(tx);
	if (rc != 0)
		return rc;
	MDB_val k = val(key, report_key(key, skey, sklen, origin, seq, index));
	MDB_val v;
	k.mv_size = sklen + ORIGIN_LEN;
	memset(&ev, 0, sizeof(ev));
	rc = mdb_cursor_get(tx->ecur, &k, &v, MDB_SET_KEY);
	bool found = rc == 0 && v.mv_size == sizeof(ev);
	if (found)
		memcpy(&ev, v.mv_data, sizeof(ev));
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	bool in_place = found;
	if (found && ev.first_expiry <= tx->clock) {
		/* a report in it has expired: the live ones, folded anew */
		if ((rc = refold(tx, skey, sklen, origin, &ev)) != 0)
			return rc;
		in_place = false;
	}
	k = val(key, sklen + ORIGIN_LEN + 12);
	v = val(c, sizeof(*c));
	if ((rc = mdb_put(tx->txn, tx->st->reports, &k, &v, 0)) != 0)
		return rc;
	evidence_fold(&ev, c, &tx->st->policy);
	k.mv_size = sklen + ORIGIN_LEN;
	v = val(&ev, sizeof(ev));
	/* In place when the record was there: no second search. Either way
	 * the cursor is left on the record, where rescoring starts. */
	rc = mdb_cursor_put(tx->ecur, &k, &v, in_place ? MDB_CURRENT : 0);
	if (rc != 0 || tx->defer_score)
		return rc;
	return rescore_subject_at(tx, skey, sklen, true);
}

/* After a retraction removed an entry: the evidence of (subject, origin)
 * from its live entries, and the subject's score. */
static int
rebuild_evidence(struct store_txn *tx, const uint8_t *skey, size_t sklen,
    const uint8_t *origin)
{
	struct evidence ev;
	int rc = refold(tx, skey, sklen, origin, &ev);
	if (rc != 0 || tx->defer_score)
		return rc;
	return rescore_subject(tx, skey, sklen);
}

/* Removes report index of an applied batch from the report index, if it
 * is there, and refolds the evidence of its subjects. */
static int
unfold_report(struct store_txn *tx, const Reputed__Batch *b, uint32_t index)
{
	struct subject s[2];
	struct contribution c[2];
	char err[160];
	uint8_t pseudo[ORIGIN_LEN];
	const uint8_t *origin;
	int rc = attest_origin(tx->txn, tx->st, b, index, pseudo, &origin);
	int n = report_targets(b->reports[index], b, &tx->st->policy, s, c,
	    err, sizeof(err));

	for (int i = 0; i < n && rc == 0 && origin != NULL; i++) {
		uint8_t skey[SUBJECT_KEY_MAX];
		uint8_t key[SUBJECT_KEY_MAX + ORIGIN_LEN + 12];
		size_t sklen = subject_key(&s[i], skey);
		MDB_val rk = val(key, report_key(key, skey, sklen, origin,
		    b->seq, index));
		rc = mdb_del(tx->txn, tx->st->reports, &rk, NULL);
		if (rc == MDB_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc == 0)
			rc = rebuild_evidence(tx, skey, sklen, origin);
	}
	return rc;
}

/* Removes report `index` of batch `seq` of this origin, if it exists. */
static int
retract_one(struct store_txn *tx, const Reputed__Batch *b,
    const Reputed__Retraction *rt)
{
	uint8_t bk[ORIGIN_LEN + 8];
	MDB_val k = val(bk, batch_key(bk, b->origin.data, rt->seq)), v;
	Reputed__Batch *old;
	char err[160];
	int rc = mdb_get(tx->txn, tx->st->batches, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (envelope_decode(v.mv_data, v.mv_size, &old, err, sizeof(err)) !=
	    ENVELOPE_OK)
		return 0;
	rc = rt->index < old->n_reports ? unfold_report(tx, old, rt->index) :
	    0;
	reputed__batch__free_unpacked(old, NULL);
	return rc;
}

/* Moves the live counters from day `from` to day `to` (later): the
 * reports that expire in between no longer count. */
static void
live_advance(struct live_count *lc, uint64_t from, uint64_t to)
{
	if (to - from >= LIVE_RING) {
		memset(lc->day, 0, sizeof(lc->day));
		lc->live = 0;
		return;
	}
	for (uint64_t d = from + 1; d <= to; d++) {
		lc->live -= lc->day[d % LIVE_RING];
		lc->day[d % LIVE_RING] = 0;
	}
}

/*
 * The live ceiling: a report that lives past the origin's day counts
 * there until its expiry day; when policy live_ceiling of them already
 * count, it is dropped (counted in lc->dropped). A report that expires
 * within the day always passes and counts nowhere. Expiry beyond the
 * ring counts in its last day (it leaves the count early).
 */
static bool
live_take(struct live_count *lc, uint64_t today, uint64_t expiry_day,
    uint64_t ceiling)
{
	if (expiry_day <= today)
		return true;
	if (ceiling != 0 && lc->live >= ceiling) {
		lc->dropped++;
		return false;
	}
	if (expiry_day > today + LIVE_RING - 1)
		expiry_day = today + LIVE_RING - 1;
	if (lc->day[expiry_day % LIVE_RING] != UINT32_MAX) {
		lc->day[expiry_day % LIVE_RING]++;
		lc->live++;
	}
	return true;
}

/* Moves an origin's quota counters on to a later hour of batch time,
 * whose first batch is seq: a new hour's count, and the reports that
 * expire before its day no longer live. */
static void
quota_advance(struct origin_rec *rec, uint64_t hour, uint64_t seq)
{
	live_advance(&rec->live, rec->quota_hour / 24, hour / 24);
	rec->quota_hour = hour;
	rec->quota_used = 0;
	rec->quota_hour_dropped = 0;
	rec->hour_seq = seq;
}

/* A valid report's expiry (Unix ms), as check_report reads it. */
static uint64_t
report_expiry(const Reputed__Report *r, uint64_t created_at,
    const struct policy *p)
{
	return report_observed(r, created_at) + (uint64_t)report_ttl(r, p) *
	    1000;
}

/*
 * The quota: at most policy quota_per_hour reports of one origin per hour
 * of batch time (the signed created_at), the first ones in (seq, index)
 * order kept, the rest dropped and counted. Decided from the signed
 * content and the origin's own order alone, so every node, and rescore,
 * drops the same reports. Hours never go back: a batch made earlier than
 * the hour being counted counts in it.
 */
static bool
quota_take(struct origin_rec *rec, const Reputed__Batch *b, size_t index,
    const struct policy *p)
{
	uint64_t hour = b->created_at / 3600000;
	uint64_t quota = origin_quota(rec, p);

	if (hour > rec->quota_hour)
		quota_advance(rec, hour, b->seq);
	if (quota != 0 && rec->quota_used >= quota) {
		rec->quota_dropped++;
		rec->quota_hour_dropped++;
		return false;
	}
	if (!live_take(&rec->live, rec->quota_hour / 24,
	    report_expiry(b->reports[index], b->created_at, p) / DAY_MS,
	    origin_ceiling(rec, p))) {
		rec->quota_hour_dropped++;	/* the flood line counts it */
		return false;
	}
	rec->quota_used++;
	return true;
}

/*
 * The flood line: an origin whose reports dropped over its quota within
 * one hour of batch time reach quota_block_factor x quota_per_hour is
 * blocked at the batch that crossed it (checked after each whole batch),
 * from the counters alone, so at every node and in rescore at the same
 * batch. The batches up to that one stay stored (so a node that catches
 * up reaches the same decision by applying them); later ones are
 * refused. Sets the flood bit; true if the line was crossed.
 */
static bool
flood_check(struct origin_rec *rec, const struct policy *p)
{
	uint64_t line, quota = origin_quota(rec, p);

	if (p->quota_block_factor == 0 || quota == 0 ||
	    (rec->blocked & ORIGIN_BLOCK_FLOOD))
		return false;
	line = quota > UINT64_MAX / p->quota_block_factor ?
	    UINT64_MAX : quota * p->quota_block_factor;
	if (rec->quota_hour_dropped < line)
		return false;
	rec->blocked |= ORIGIN_BLOCK_FLOOD;
	return true;
}

/* The quota counters as batch floor left them (all 0 before pruning):
 * where a replay of the kept batches starts. */
static void
quota_from_floor(struct origin_rec *rec)
{
	rec->live = rec->floor_live;
	rec->quota_hour = rec->floor_quota_hour;
	rec->quota_used = rec->floor_quota_used;
	rec->quota_dropped = rec->floor_quota_dropped;
	rec->quota_hour_dropped = rec->floor_quota_hour_dropped;
	rec->hour_seq = rec->floor_hour_seq;
}

/* The quota counters of q (the record itself, or a replay's copy of it)
 * become rec's floor copy: what quota_from_floor starts from. */
static void
quota_to_floor(struct origin_rec *rec, const struct origin_rec *q)
{
	rec->floor_live = q->live;
	rec->floor_quota_hour = q->quota_hour;
	rec->floor_quota_used = q->quota_used;
	rec->floor_quota_dropped = q->quota_dropped;
	rec->floor_quota_hour_dropped = q->quota_hour_dropped;
	rec->floor_hour_seq = q->hour_seq;
}

/* Applies the contents of a batch that is next in its origin's order;
 * rec is the origin's record (its quota counters move, and its clock:
 * the batch's created_at moves it forward first). */
static int
apply_contents(struct store_txn *tx, const Reputed__Batch *b,
    struct origin_rec *rec)
{
	char err[160];
	if (b->created_at > rec->clock)
		rec->clock = b->created_at;
	tx->clock = rec->clock;
	for (size_t i = 0; i < b->n_reports; i++) {
		struct subject s[2];
		struct contribution c[2];
		uint8_t pseudo[ORIGIN_LEN];
		const uint8_t *origin;
		if (!quota_take(rec, b, i, &tx->st->policy))
			continue;
		rec->kept_seq = b->seq;
		/* an attested report: its signer's pseudo-origin, or nobody */
		int rc = attest_first(tx, b, (uint32_t)i);
		if (rc != 0 || (rc = attest_origin(tx->txn, tx->st, b,
		    (uint32_t)i, pseudo, &origin)) != 0)
			return rc;
		int n = origin == NULL ? 0 : report_targets(b->reports[i], b,
		    &tx->st->policy, s, c, err, sizeof(err));
		for (int j = 0; j < n; j++) {
			rc = fold_one(tx, &s[j], origin, b->seq, (uint32_t)i,
			    &c[j]);
			if (rc != 0)
				return rc;
		}
	}
	for (size_t i = 0; i < b->n_retractions; i++) {
		int rc = retract_one(tx, b, b->retractions[i]);
		if (rc != 0)
			return rc;
	}
	flood_check(rec, &tx->st->policy);
	return 0;
}

/* What applying a batch does to its origin's record alone (clock, quota
 * counters, the flood line), for a blocked origin in rescore. */
static void
count_contents(const Reputed__Batch *b, struct origin_rec *rec,
    const struct policy *p)
{
	if (b->created_at > rec->clock)
		rec->clock = b->created_at;
	for (size_t i = 0; i < b->n_reports; i++)
		if (quota_take(rec, b, i, p))
			rec->kept_seq = b->seq;
	flood_check(rec, p);
}

static int
validate_batch(const Reputed__Batch *b, const struct policy *p, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < b->n_reports; i++) {
		struct subject s;
		struct contribution c;
		char e[160];
		if (check_report(b->reports[i], b->created_at, p, &s, &c, e,
		    sizeof(e)) != 0) {
			snprintf(err, errlen, "report %zu: %s", i, e);
			return -1;
		}
	}
	for (size_t i = 0; i < b->n_retractions; i++) {
		const Reputed__Retraction *r = b->retractions[i];
		if (r->seq == 0 || r->seq > b->seq) {
			snprintf(err, errlen, "retraction %zu names seq %llu "
			    "(must be 1..%llu)", i,
			    (unsigned long long)r->seq,
			    (unsigned long long)b->seq);
			return -1;
		}
	}
	return 0;
}

/* Applies stored batches seq+1, seq+2, ... of an origin while present.
 * first, when not NULL, is batch seq+1 already decoded (the one just
 * stored): it is not read back and decoded again. */
static int
apply_following(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec, const Reputed__Batch *first)
{
	if (first != NULL) {
		int rc = apply_contents(tx, first, rec);
		if (rc != 0)
			return rc;
		rec->highest_seq++;
		rec->batches++;
	}
	/* past the flood line, nothing more of this origin is applied */
	while (!(rec->blocked & ORIGIN_BLOCK_FLOOD)) {
		uint8_t bk[ORIGIN_LEN + 8];
		MDB_val k = val(bk, batch_key(bk, origin,
		    rec->highest_seq + 1)), v;
		Reputed__Batch *b;
		char err[160];
		int rc = mdb_get(tx->txn, tx->st->batches, &k, &v);
		if (rc == MDB_NOTFOUND)
			return 0;
		if (rc != 0)
			return rc;
		if (envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			return MDB_CORRUPTED;
		rc = apply_contents(tx, b, rec);
		reputed__batch__free_unpacked(b, NULL);
		if (rc != 0)
			return rc;
		rec->highest_seq++;
		rec->batches++;
	}
	return 0;
}


/* Deletes every record of dbi whose key starts with prefix[0..len). */
static int
del_prefix(struct store_txn *tx, MDB_dbi dbi, const uint8_t *prefix,
    size_t len)
{
	MDB_cursor *c;
	MDB_val k = val(prefix, len), v;
	int rc = mdb_cursor_open(tx->txn, dbi, &c);

	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size < len || memcmp(k.mv_data, prefix, len) != 0)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}
/* Removes one origin's contribution to one subject: its evidence record
 * and its entries in the report index (derived state, rebuilt by a
 * refold or a rescore from the stored batches). */
static int
purge_subject_origin(struct store_txn *tx, const uint8_t *skey, size_t sklen,
    const uint8_t *origin)
{
	uint8_t prefix[SUBJECT_KEY_MAX + ORIGIN_LEN];
	MDB_val k;
	int rc;

	memcpy(prefix, skey, sklen);
	memcpy(prefix + sklen, origin, ORIGIN_LEN);
	k = val(prefix, sklen + ORIGIN_LEN);
	rc = mdb_del(tx->txn, tx->st->evidence, &k, NULL);
	if (rc != 0 && rc != MDB_NOTFOUND)
		return rc;
	return del_prefix(tx, tx->st->reports, prefix, sklen + ORIGIN_LEN);
}

/* The subjects of one applied batch's reports that its quota kept (q
 * counts them as apply_contents did): rescored, after the origin's
 * contribution to them was removed for REDO_PURGE/REFOLD. In a rescore
 * (scores deferred) they are scored at its end. */
static int
redo_batch_subjects(struct store_txn *tx, const Reputed__Batch *b,
    enum origin_redo how, struct origin_rec *q)
{
	char err[160];

	for (size_t i = 0; i < b->n_reports; i++) {
		struct subject s[2];
		struct contribution c[2];
		uint8_t pseudo[ORIGIN_LEN];
		const uint8_t *origin;
		if (!quota_take(q, b, i, &tx->st->policy))
			continue;	/* dropped: it contributed nothing */
		int rc = attest_origin(tx->txn, tx->st, b, (uint32_t)i, pseudo,
		    &origin);
		if (rc != 0)
			return rc;
		int n = origin == NULL ? 0 : report_targets(b->reports[i], b,
		    &tx->st->policy, s, c, err, sizeof(err));
		for (int j = 0; j < n; j++) {
			uint8_t skey[SUBJECT_KEY_MAX];
			size_t sklen = subject_key(&s[j], skey);
			if (how != REDO_SCORES)
				rc = purge_subject_origin(tx, skey, sklen,
				    origin);
			if (rc == 0 && !tx->defer_score)
				rc = rescore_subject(tx, skey, sklen);
			if (rc != 0)
				return rc;
		}
	}
	return 0;
}

/* One pass over an origin's applied batches (1..upto), in seq order:
 * fold (apply the contents again) or redo its subjects. */
static int
origin_batches_pass(struct store_txn *tx, const uint8_t *origin,
    uint64_t upto, enum origin_redo how, bool fold)
{
	uint8_t bk[ORIGIN_LEN + 8];
	MDB_val k = val(bk, batch_key(bk, origin, 1)), v;
	MDB_cursor *c;
	struct origin_rec rec;
	int rc;

	/* A pass counts the quota again from the first kept batch, with
	 * the counters the pruned ones (1..floor) left, as rescore does: a
	 * refold keeps what the quota kept, a redo finds what it kept. */
	if (origin_read(tx->txn, tx->st, origin, &rec) < 0)
		return MDB_CORRUPTED;
	quota_from_floor(&rec);
	/* Batches after the last one its quota kept a report of added
	 * nothing to redo: a flooder's blocked hour is mostly those. */
	if (!fold && rec.kept_seq < upto)
		upto = rec.kept_seq;
	if ((rc = mdb_cursor_open(tx->txn, tx->st->batches, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Reputed__Batch *b;
		char err[160];
		if (k.mv_size != ORIGIN_LEN + 8 ||
		    memcmp(k.mv_data, origin, ORIGIN_LEN) != 0 ||
		    get_be64((const uint8_t *)k.mv_data + ORIGIN_LEN) > upto)
			break;
		if (envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK) {
			rc = MDB_CORRUPTED;
			break;
		}
		rc = fold ? apply_contents(tx, b, &rec) :
		    redo_batch_subjects(tx, b, how, &rec);
		reputed__batch__free_unpacked(b, NULL);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	return fold ? origin_write(tx->txn, tx->st, origin, &rec) : 0;
}

/*
 * Brings every subject an origin reported in line with a change of that
 * origin, at once rather than when each subject next hears news: new
 * scores for a changed weight or organisation; its contributions removed
 * when it is blocked (as `rescore`, which skips blocked origins, leaves
 * them), and folded in again, in (seq, index) order, when it is unblocked.
 * The cost is that origin's own stored batches.
 */
static int
rescore_origin(struct store_txn *tx, const uint8_t *origin, uint64_t upto,
    enum origin_redo how)
{
	struct origin_rec rec;
	int rc = origin_batches_pass(tx, origin, upto, how, false);

	if (rc != 0 || how != REDO_REFOLD)
		return rc;
	if ((rc = origin_batches_pass(tx, origin, upto, how, true)) != 0)
		return rc;
	/* Under the policy its batches were applied with, a refold crosses
	 * no flood line they did not; under another (before the rescore
	 * that a policy change calls for) it may: a blocked origin keeps
	 * no contributions. */
	if (origin_read(tx->txn, tx->st, origin, &rec) < 0)
		return MDB_CORRUPTED;
	if (!rec.blocked)
		return 0;
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	return origin_batches_pass(tx, origin, upto, REDO_PURGE, false);
}

/* The next origin after prev (NULL: the first) with a kept verdict, into
 * out: 0, MDB_NOTFOUND when none is left, or an LMDB error. */
static int
attest_next_relay(struct store_txn *tx, const uint8_t *prev,
    uint8_t out[ORIGIN_LEN])
{
	uint8_t key[ORIGIN_LEN + 12];
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(tx->txn, tx->st->attest, &c);

	if (rc != 0)
		return rc;
	if (prev == NULL)
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	else {		/* past every key of prev: seq and index all 0xff */
		memcpy(key, prev, ORIGIN_LEN);
		memset(key + ORIGIN_LEN, 0xff, 12);
		k = val(key, sizeof(key));
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == sizeof(key) &&
		    memcmp(k.mv_data, key, sizeof(key)) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (rc == 0 && k.mv_size >= ORIGIN_LEN)
		memcpy(out, k.mv_data, ORIGIN_LEN);
	mdb_cursor_close(c);
	return rc;
}

/* Deletes every verdict kept for the batches of origin. */
static int
attest_drop_origin(struct store_txn *tx, const uint8_t *origin)
{
	return del_prefix(tx, tx->st->attest, origin, ORIGIN_LEN);
}

/* One relay: its contributions (and its pseudo-origins') out, its
 * verdicts forgotten, its batches folded in again (verified anew). */
static int
attest_recheck_relay(struct store_txn *tx, const uint8_t *relay)
{
	struct origin_rec rec;
	int rc;

	if (origin_read(tx->txn, tx->st, relay, &rec) < 0)
		return MDB_CORRUPTED;
	if (!rec.blocked && (rc = origin_batches_pass(tx, relay,
	    rec.highest_seq, REDO_PURGE, false)) != 0)
		return rc;
	if ((rc = attest_drop_origin(tx, relay)) != 0)
		return rc;
	if (rec.blocked)
		return 0;
	return origin_batches_pass(tx, relay, rec.highest_seq, REDO_REFOLD,
	    true);
}

int
store_attest_recheck(struct store *st, uint64_t *relays, char *err,
    size_t errlen)
{
	struct store_txn *tx = store_begin(st, err, errlen);
	uint8_t relay[ORIGIN_LEN];
	int rc;

	*relays = 0;
	if (tx == NULL)
		return -1;
	for (rc = attest_next_relay(tx, NULL, relay); rc == 0;
	    rc = attest_next_relay(tx, relay, relay)) {
		if ((rc = attest_recheck_relay(tx, relay)) != 0)
			break;
		(*relays)++;
	}
	if (rc != MDB_NOTFOUND) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "recheck attested reports", rc);
	}
	return store_commit(tx, err, errlen);
}

static enum apply_status
record_equivocation(struct store_txn *tx, const uint8_t *bk,
    const uint8_t *sb, size_t sblen, struct origin_rec *rec,
    const uint8_t *origin, char *err, size_t errlen)
{
	MDB_val k = val(bk, ORIGIN_LEN + 8), v = val(sb, sblen);
	int rc = mdb_put(tx->txn, tx->st->equiv, &k, &v, 0);
	rec->blocked |= ORIGIN_BLOCK_EQUIVOCATION;
	if (rc == 0)
		rc = origin_write(tx->txn, tx->st, origin, rec);
	if (rc != 0) {
		lmdb_fail(err, errlen, "record equivocation", rc);
		return APPLY_ERROR;
	}
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	/* A blocked origin counts for nothing from now on, in every listing
	 * it made; whichever of the two batches a node applied first, every
	 * node ends with the same evidence. */
	if ((rc = rescore_origin(tx, origin, rec->highest_seq,
	    REDO_PURGE)) != 0) {
		lmdb_fail(err, errlen, "rescore equivocating origin", rc);
		return APPLY_ERROR;
	}
	snprintf(err, errlen, "two different batches with seq %llu: origin "
	    "blocked", (unsigned long long)get_be64(bk + ORIGIN_LEN));
	return APPLY_EQUIVOCATION;
}

/* Deletes the origin's stored batches with seq > last (and the verdicts
 * kept for them). */
static int
drop_batches_after(struct store_txn *tx, const uint8_t *origin, uint64_t last)
{
	uint8_t bk[ORIGIN_LEN + 8];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	if (last == UINT64_MAX)
		return 0;
	k = val(bk, batch_key(bk, origin, last + 1));
	if ((rc = mdb_cursor_open(tx->txn, tx->st->batches, &c)) != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ORIGIN_LEN + 8 ||
		    memcmp(k.mv_data, origin, ORIGIN_LEN) != 0)
			break;
		uint64_t seq = get_be64((uint8_t *)k.mv_data + ORIGIN_LEN);
		if ((rc = mdb_cursor_del(c, 0)) != 0 ||
		    (rc = attest_drop(tx, origin, seq)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : rc;
}

/*
 * The origin crossed the flood line (flood_check) at its highest seq,
 * rec not yet written: the batches stored after that one go (they came
 * early; they would have been refused), and, as for equivocation,
 * everything it contributed is purged and its subjects rescored at once.
 */
static enum apply_status
flood_block(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec, char *err, size_t errlen)
{
	int rc;

	if ((rc = drop_batches_after(tx, origin, rec->highest_seq)) != 0 ||
	    (rc = origin_write(tx->txn, tx->st, origin, rec)) != 0) {
		lmdb_fail(err, errlen, "block flooding origin", rc);
		return APPLY_ERROR;
	}
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	if ((rc = rescore_origin(tx, origin, rec->highest_seq,
	    REDO_PURGE)) != 0) {
		lmdb_fail(err, errlen, "rescore flooding origin", rc);
		return APPLY_ERROR;
	}
	snprintf(err, errlen, "%llu reports over its quota of %llu in one "
	    "hour of batch time (the line is %u times the quota): origin "
	    "blocked for flooding at seq %llu",
	    (unsigned long long)rec->quota_hour_dropped,
	    (unsigned long long)origin_quota(rec, &tx->st->policy),
	    tx->st->policy.quota_block_factor,
	    (unsigned long long)rec->highest_seq);
	return APPLY_FLOOD;
}

/*
 * Two SignedBatch encodings of one (origin, seq): the same batch when the
 * signed Batch bytes are equal, whatever the wrapping (a relay may encode
 * the outer message differently, or add fields). Only different signed
 * content is equivocation.
 */
static bool
same_signed_batch(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	Reputed__SignedBatch *sa = reputed__signed_batch__unpack(NULL, alen, a);
	Reputed__SignedBatch *sb = reputed__signed_batch__unpack(NULL, blen, b);
	bool same = sa && sb && sa->batch.len == sb->batch.len &&
	    memcmp(sa->batch.data, sb->batch.data, sa->batch.len) == 0;
	if (sa)
		reputed__signed_batch__free_unpacked(sa, NULL);
	if (sb)
		reputed__signed_batch__free_unpacked(sb, NULL);
	return same;
}

/*
 * The end of applying an origin's batches (rec as they left it): blocked
 * at the flood line, or its record written; and when they were its first
 * (joins), it counts among its organisation's members from now on.
 */
static enum apply_status
applied(struct store_txn *tx, const uint8_t *origin, struct origin_rec *rec,
    bool joins, const char *what, char *err, size_t errlen)
{
	enum apply_status st = APPLY_OK;
	int rc;

	if (rec->blocked & ORIGIN_BLOCK_FLOOD)
		st = flood_block(tx, origin, rec, err, errlen);
	else if ((rc = origin_write(tx->txn, tx->st, origin, rec)) != 0) {
		lmdb_fail(err, errlen, what, rc);
		return APPLY_ERROR;
	}
	if (st != APPLY_ERROR && joins && (rc = member_joins(tx, origin)) !=
	    0) {
		lmdb_fail(err, errlen, "organisation shares", rc);
		return APPLY_ERROR;
	}
	return st;
}

enum apply_status
store_apply(struct store_txn *tx, const uint8_t *sb, size_t sblen,
    const Reputed__Batch *b, char *err, size_t errlen)
{
	struct origin_rec rec;
	uint8_t bk[ORIGIN_LEN + 8];
	const uint8_t *origin = b->origin.data;
	if (b->origin.len != ORIGIN_LEN || b->seq == 0) {
		snprintf(err, errlen, "batch without a valid origin and seq");
		return APPLY_INVALID;
	}
	if (origin_read(tx->txn, tx->st, origin, &rec) < 0) {
		snprintf(err, errlen, "origin record is corrupt");
		return APPLY_ERROR;
	}
	if (rec.blocked) {
		snprintf(err, errlen, "origin is blocked");
		return APPLY_BLOCKED;
	}
	MDB_val k = val(bk, batch_key(bk, origin, b->seq)), v;
	int rc = mdb_get(tx->txn, tx->st->batches, &k, &v);
	if (rc == 0) {
		if (same_signed_batch(v.mv_data, v.mv_size, sb, sblen))
			return APPLY_DUPLICATE;
		return record_equivocation(tx, bk, sb, sblen, &rec, origin,
		    err, errlen);
	}
	if (rc != MDB_NOTFOUND) {
		lmdb_fail(err, errlen, "read batch", rc);
		return APPLY_ERROR;
	}
	if (b->seq <= rec.highest_seq) {
		/* Applied once and pruned since: nothing to do. */
		return APPLY_DUPLICATE;
	}
	if (validate_batch(b, &tx->st->policy, err, errlen) != 0)
		return APPLY_INVALID;
	v = val(sb, sblen);
	if ((rc = mdb_put(tx->txn, tx->st->batches, &k, &v, 0)) != 0) {
		lmdb_fail(err, errlen, "store batch", rc);
		return APPLY_ERROR;
	}
	if (b->seq != rec.highest_seq + 1) {
		if ((rc = origin_write(tx->txn, tx->st, origin, &rec)) != 0) {
			lmdb_fail(err, errlen, "write origin", rc);
			return APPLY_ERROR;
		}
		return APPLY_PENDING;
	}
	bool joins = rec.highest_seq == 0;	/* its first batch applied */
	if ((rc = apply_following(tx, origin, &rec, b)) != 0) {
		lmdb_fail(err, errlen, "apply batch", rc);
		return APPLY_ERROR;
	}
	return applied(tx, origin, &rec, joins, "apply batch", err, errlen);
}

/* ---- retention ---- */

/* An origin's retention clock, cached for a run of its records. */
struct clock_cache {
	uint8_t origin[ORIGIN_LEN];
	uint64_t clock;
	bool used;
};

static uint64_t
cached_clock(struct store_txn *tx, struct clock_cache *cc,
    const uint8_t *origin)
{
	struct origin_rec rec;
	if (cc->used && memcmp(cc->origin, origin, ORIGIN_LEN) == 0)
		return cc->clock;
	origin_read(tx->txn, tx->st, origin, &rec);
	memcpy(cc->origin, origin, ORIGIN_LEN);
	if (rec.via_set)	/* a pseudo-origin: its relay's clock */
		origin_read(tx->txn, tx->st, rec.via, &rec);
	cc->clock = rec.clock;
	cc->used = true;
	return cc->clock;
}

static void
resume_at(struct store_prune *p, const MDB_val *k)
{
	p->key_len = k->mv_size <= sizeof(p->key) ? k->mv_size : 0;
	memcpy(p->key, k->mv_data, p->key_len);
}

/*
 * Walks the evidence records from p->key, looking at up to budget of
 * them, and refolds each with a report expired by its origin's clock
 * (deleting those reports from the index, and the record when none is
 * left), rescoring its subject unless deferred. Returns 1 when the walk
 * reached the end, 0 when it stopped on the budget (p->key: where to go
 * on), or -(LMDB error).
 */
static int
prune_records(struct store_txn *tx, struct store_prune *p, uint32_t budget)
{
	uint8_t kbuf[SUBJECT_KEY_MAX + ORIGIN_LEN];
	struct clock_cache cc = { .used = false };
	MDB_cursor *c;
	MDB_val k = val(p->key, p->key_len), v;
	int rc = mdb_cursor_open(tx->txn, tx->st->evidence, &c);
	if (rc != 0)
		return -rc;
	rc = mdb_cursor_get(c, &k, &v, p->key_len ? MDB_SET_RANGE : MDB_FIRST);
	for (uint64_t n = 0; rc == 0; n++) {
		struct evidence ev;
		if (n >= budget) {
			resume_at(p, &k);
			mdb_cursor_close(c);
			return 0;
		}
		if (k.mv_size <= ORIGIN_LEN || k.mv_size > sizeof(kbuf) ||
		    v.mv_size != sizeof(ev)) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		memcpy(&ev, v.mv_data, sizeof(ev));
		size_t klen = k.mv_size, sklen = klen - ORIGIN_LEN;
		memcpy(kbuf, k.mv_data, klen);
		tx->clock = cached_clock(tx, &cc, kbuf + sklen);
		if (ev.first_expiry > tx->clock) {
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
			continue;
		}
		if ((rc = refold(tx, kbuf, sklen, kbuf + sklen, &ev)) != 0 ||
		    (!tx->defer_score && (rc = rescore_subject(tx, kbuf,
		    sklen)) != 0))
			break;
		p->refolded++;
		n += REFOLD_COST - 1;	/* a refold and a rescore cost more
					 * than a look */
		/* the record may be gone: on from its key */
		k = val(kbuf, klen);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && k.mv_size == klen && memcmp(k.mv_data, kbuf,
		    klen) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return -rc;
	p->key_len = 0;
	return 1;
}

/* Whether any report of batch b still has an index entry (counts). */
static int
batch_counts(struct store_txn *tx, const Reputed__Batch *b)
{
	char err[160];
	for (size_t i = 0; i < b->n_reports; i++) {
		struct subject s[2];
		struct contribution c[2];
		uint8_t pseudo[ORIGIN_LEN];
		const uint8_t *origin;
		int rc = attest_origin(tx->txn, tx->st, b, (uint32_t)i, pseudo,
		    &origin);
		if (rc != 0)
			return -rc;
		int n = origin == NULL ? 0 : report_targets(b->reports[i], b,
		    &tx->st->policy, s, c, err, sizeof(err));
		for (int j = 0; j < n; j++) {
			uint8_t skey[SUBJECT_KEY_MAX];
			uint8_t key[SUBJECT_KEY_MAX + ORIGIN_LEN + 12];
			size_t sklen = subject_key(&s[j], skey);
			MDB_val k = val(key, report_key(key, skey, sklen,
			    origin, b->seq, (uint32_t)i)), v;
			rc = mdb_get(tx->txn, tx->st->reports, &k, &v);
			if (rc != MDB_NOTFOUND)
				return rc == 0 ? 1 : -rc;
		}
	}
	return 0;
}

/* The quota counters after batch b, from those after the floor: what
 * rescore starts from once b is pruned. */
static void
floor_quota(struct origin_rec *rec, const Reputed__Batch *b,
    const struct policy *p)
{
	/* a copy of the whole record, so that the replay has everything
	 * quota_take reads (its share too), from the floor's counters */
	struct origin_rec q = *rec;

	quota_from_floor(&q);
	for (size_t i = 0; i < b->n_reports; i++)
		quota_take(&q, b, i, p);
	quota_to_floor(rec, &q);
}

/*
 * Moves an origin's floor up over the batches none of whose reports
 * counts any more, oldest first, keeping the latest applied batch (the
 * head a digest names); for an origin blocked for flooding (and for
 * nothing else), keeping the batches of the hour it crossed the line in:
 * a node that catches up from that floor counts that hour from its first
 * batch, so it crosses at the same batch (those before were purged at
 * the block and count nowhere). Looks at up to *budget reports (a batch
 * larger than what is left takes it all); *more when the budget ran out
 * before a batch that counts was found. 1 if the floor moved, 0 if not,
 * -(LMDB error).
 */
static int
prune_origin_batches(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec, uint32_t *budget, uint64_t *pruned, bool *more)
{
	uint64_t keep = rec->blocked == ORIGIN_BLOCK_FLOOD ? rec->hour_seq :
	    rec->highest_seq;
	int moved = 0;
	*more = false;
	while (rec->floor + 1 < keep) {
		if (*budget == 0) {	/* more to look at, next step */
			*more = true;
			break;
		}
		uint8_t bk[ORIGIN_LEN + 8];
		MDB_val k = val(bk, batch_key(bk, origin, rec->floor + 1)), v;
		Reputed__Batch *b = NULL;
		char err[160];
		int rc = mdb_get(tx->txn, tx->st->batches, &k, &v);
		if (rc != 0 && rc != MDB_NOTFOUND)
			return -rc;
		if (rc == 0 && envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			return -MDB_CORRUPTED;
		int counts = b ? batch_counts(tx, b) : 0;
		uint64_t created = b ? b->created_at : 0;
		if (b && counts == 0)
			floor_quota(rec, b, &tx->st->policy);
		*budget -= b && b->n_reports < *budget ?
		    (uint32_t)b->n_reports + 1 : *budget;
		if (b)
			reputed__batch__free_unpacked(b, NULL);
		if (counts < 0)
			return counts;
		if (counts > 0)
			break;
		if (rc == 0 && ((rc = mdb_del(tx->txn, tx->st->batches, &k,
		    NULL)) != 0 || (rc = attest_drop(tx, origin,
		    rec->floor + 1)) != 0))
			return -rc;
		if (created > rec->floor_clock)
			rec->floor_clock = created;
		rec->floor++;
		(*pruned)++;
		moved = 1;
	}
	return moved;
}

/* The batches phase: each origin from p->key on. 1 when every origin was
 * done, 0 on the budget, -(LMDB error). */
static int
prune_batches(struct store_txn *tx, struct store_prune *p, uint32_t budget)
{
	MDB_cursor *c;
	MDB_val k = val(p->key, p->key_len), v;
	int rc = mdb_cursor_open(tx->txn, tx->st->origins, &c);
	if (rc != 0)
		return -rc;
	rc = mdb_cursor_get(c, &k, &v, p->key_len ? MDB_SET_RANGE : MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		uint8_t origin[ORIGIN_LEN];
		if (budget == 0) {
			resume_at(p, &k);
			mdb_cursor_close(c);
			return 0;
		}
		/* A blocked origin's index entries were purged, not
		 * expired: its batches stay for the refold if it is
		 * unblocked (no new ones come while it is blocked), and
		 * an equivocator's as the proof. A block for flooding
		 * alone is never lifted: prune_origin_batches. */
		if (k.mv_size != ORIGIN_LEN || origin_decode(&v, &rec) != 0 ||
		    (rec.blocked != 0 && rec.blocked != ORIGIN_BLOCK_FLOOD))
			continue;
		memcpy(origin, k.mv_data, ORIGIN_LEN);
		bool more;
		int moved = prune_origin_batches(tx, origin, &rec, &budget,
		    &p->batches_pruned, &more);
		if (moved < 0) {
			mdb_cursor_close(c);
			return moved;
		}
		if (moved && (rc = origin_put_current(c, origin, &rec)) != 0)
			break;
		if (more) {
			resume_at(p, &k);	/* this origin again */
			mdb_cursor_close(c);
			return 0;
		}
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return -rc;
	p->key_len = 0;
	return 1;
}

int
store_prune_step(struct store *st, struct store_prune *p, uint32_t budget,
    char *err, size_t errlen)
{
	struct store_txn *tx = store_begin(st, err, errlen);
	if (tx == NULL)
		return -1;
	if (p->phase == 0 && p->key_len == 0)	/* a new sweep */
		p->refolded = p->batches_pruned = 0;
	int rc = p->phase == 0 ? prune_records(tx, p, budget) :
	    prune_batches(tx, p, budget);
	if (rc < 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "prune", -rc);
	}
	if (store_commit(tx, err, errlen) != 0)
		return -1;
	if (rc == 0)
		return 0;
	if (p->phase == 0) {
		p->phase = 1;
		return 0;
	}
	p->phase = 0;
	p->sweeps++;
	return 1;
}

uint64_t
store_floor(struct store_reader *r, const uint8_t origin[32])
{
	struct origin_rec rec;
	return origin_read(r->txn, r->st, origin, &rec) == 0 ? rec.floor : 0;
}

/* Takes back what the origin's applied batches rec->floor + 1 .. last
 * contributed (an index entry and evidence each report still has): they
 * are pruned elsewhere, so none of their reports counts there. */
static int
unfold_batches_to(struct store_txn *tx, const uint8_t *origin,
    const struct origin_rec *rec, uint64_t last)
{
	tx->clock = rec->clock;
	for (uint64_t seq = rec->floor + 1; seq <= last; seq++) {
		uint8_t bk[ORIGIN_LEN + 8];
		MDB_val k = val(bk, batch_key(bk, origin, seq)), v;
		Reputed__Batch *b;
		char err[160];
		int rc = mdb_get(tx->txn, tx->st->batches, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != 0)
			return rc;
		if (envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			return MDB_CORRUPTED;
		for (size_t i = 0; i < b->n_reports && rc == 0; i++)
			rc = unfold_report(tx, b, (uint32_t)i);
		reputed__batch__free_unpacked(b, NULL);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Deletes the origin's stored batches with seq <= last. */
static int
drop_batches_to(struct store_txn *tx, const uint8_t *origin, uint64_t last)
{
	uint8_t bk[ORIGIN_LEN + 8];
	MDB_cursor *c;
	MDB_val k = val(bk, batch_key(bk, origin, 1)), v;
	int rc = mdb_cursor_open(tx->txn, tx->st->batches, &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) {
		if (k.mv_size != ORIGIN_LEN + 8 || memcmp(k.mv_data, origin,
		    ORIGIN_LEN) != 0 || get_be64((uint8_t *)k.mv_data +
		    ORIGIN_LEN) > last)
			break;
		uint64_t seq = get_be64((uint8_t *)k.mv_data + ORIGIN_LEN);
		if ((rc = mdb_cursor_del(c, 0)) != 0 ||
		    (rc = attest_drop(tx, origin, seq)) != 0)
			break;
		k = val(bk, ORIGIN_LEN + 8);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

enum apply_status
store_skip_pruned(struct store_txn *tx, const uint8_t origin[32],
    uint64_t floor, char *err, size_t errlen)
{
	struct origin_rec rec;
	int rc;
	if (floor == 0) {
		snprintf(err, errlen, "pruned floor 0");
		return APPLY_INVALID;
	}
	if (origin_read(tx->txn, tx->st, origin, &rec) < 0) {
		snprintf(err, errlen, "origin record is corrupt");
		return APPLY_ERROR;
	}
	if (rec.blocked) {
		snprintf(err, errlen, "origin is blocked");
		return APPLY_BLOCKED;
	}
	if (floor <= rec.highest_seq)
		return APPLY_DUPLICATE;
	/*
	 * What our applied batches up to floor contributed goes (the peer
	 * pruned them: none of their reports counts there), and the floor
	 * keeps the clock and quota counters they left, so that rescore,
	 * which replays from the floor, finds what arrival built. Those of
	 * the batches we never held are unknown here (docs/MODEL.md).
	 */
	if ((rc = unfold_batches_to(tx, origin, &rec, rec.highest_seq)) != 0) {
		lmdb_fail(err, errlen, "skip pruned batches", rc);
		return APPLY_ERROR;
	}
	bool joins = rec.highest_seq == 0;
	rec.highest_seq = rec.floor = rec.batches = floor;
	rec.floor_clock = rec.clock;
	quota_to_floor(&rec, &rec);
	if ((rc = drop_batches_to(tx, origin, floor)) != 0 ||
	    (rc = apply_following(tx, origin, &rec, NULL)) != 0) {
		lmdb_fail(err, errlen, "skip pruned batches", rc);
		return APPLY_ERROR;
	}
	return applied(tx, origin, &rec, joins, "skip pruned batches", err,
	    errlen);
}

int
store_prune_all(struct store *st, struct store_prune *p, char *err,
    size_t errlen)
{
	memset(p, 0, sizeof(*p));
	int rc;
	while ((rc = store_prune_step(st, p, 4096, err, errlen)) == 0)
		;
	return rc < 0 ? -1 : 0;
}

/* ---- rescore ---- */

/* The organisations' members again, from the origin records (a store
 * made before they were kept has none). */
static int
members_rebuild(struct store_txn *tx)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = del_prefix(tx, tx->st->meta, (const uint8_t *)"om", 2);

	if (rc != 0 || (rc = mdb_cursor_open(tx->txn, tx->st->origins, &c)) !=
	    0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		if (k.mv_size == ORIGIN_LEN && origin_decode(&v, &rec) == 0 &&
		    rec.org_set && !rec.via_set && rec.highest_seq > 0 &&
		    (rc = member_set(tx->txn, tx->st, rec.org, k.mv_data,
		    true)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* How many members rec's organisation has (0 for one of its own). */
static int
members_of(struct store_txn *tx, const struct origin_rec *rec, uint64_t *n)
{
	size_t count = 0;
	int rc = 0;

	if (rec->org_set && !rec->via_set && rec->highest_seq > 0)
		rc = member_list(tx->txn, tx->st, rec->org, NULL, &count);
	*n = count;
	return rc;
}

static int
reset_origins(struct store_txn *tx)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = members_rebuild(tx);
	if (rc != 0 || (rc = mdb_cursor_open(tx->txn, tx->st->origins, &c)) !=
	    0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		if (k.mv_size != ORIGIN_LEN || origin_decode(&v, &rec) != 0)
			continue;
		/* its share, before its seq goes back to the floor */
		if ((rc = members_of(tx, &rec, &rec.org_members)) != 0)
			break;
		/* from the floor: pruned batches stay applied, with the
		 * clock and quota counters they left; the flood line is
		 * found again as the batches are replayed */
		quota_from_floor(&rec);
		rec.kept_seq = 0;	/* found again as for the quota */
		/* the flood bit stays, as a hint: replay_flood_hint */
		rec.highest_seq = rec.floor;
		rec.batches = rec.floor;
		rec.clock = rec.floor_clock;
		uint8_t origin[ORIGIN_LEN];
		memcpy(origin, k.mv_data, ORIGIN_LEN);
		if ((rc = origin_put_current(c, origin, &rec)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* In a replay, the origin crossed the flood line at its highest seq: what
 * it contributed so far is purged, as on arrival (its later batches go
 * as the replay meets them). */
static int
replay_flood_block(struct store_txn *tx, const uint8_t *origin,
    const struct origin_rec *rec)
{
	int rc = origin_write(tx->txn, tx->st, origin, rec);

	if (rc != 0)
		return rc;
	memset(tx->st->trust, 0, sizeof(tx->st->trust));
	return rescore_origin(tx, origin, rec->highest_seq, REDO_PURGE);
}

/*
 * A replay meets an origin that was blocked for flooding: the bit is only
 * a hint (the policy may have changed), so it goes, and a look-ahead over
 * the origin's batches with its counters alone says whether it crosses
 * the line now. If it does, the replay only counts its batches, which
 * ends where folding them and purging all at the line would (at a large
 * quota, millions of records folded and deleted in one transaction); if
 * not, it is replayed as any origin. True: count only.
 */
static bool
replay_flood_hint(struct store_txn *tx, const uint8_t *origin,
    struct origin_rec *rec)
{
	uint8_t bk[ORIGIN_LEN + 8];
	struct origin_rec q;
	MDB_cursor *c;
	MDB_val k, v;
	bool hint = (rec->blocked & ORIGIN_BLOCK_FLOOD) != 0, crosses = false;
	int rc;

	rec->blocked &= (uint8_t)~ORIGIN_BLOCK_FLOOD;
	if (!hint || rec->blocked != 0 ||
	    mdb_cursor_open(tx->txn, tx->st->batches, &c) != 0)
		return false;	/* otherwise blocked: counted anyway */
	q = *rec;
	k = val(bk, batch_key(bk, origin, q.highest_seq + 1));
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY); rc == 0 &&
	    !crosses; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		Reputed__Batch *b;
		char err[160];
		if (k.mv_size != ORIGIN_LEN + 8 ||
		    memcmp(k.mv_data, origin, ORIGIN_LEN) != 0 ||
		    get_be64((uint8_t *)k.mv_data + ORIGIN_LEN) !=
		    q.highest_seq + 1 ||
		    envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			break;
		count_contents(b, &q, &tx->st->policy);
		reputed__batch__free_unpacked(b, NULL);
		q.highest_seq++;
		crosses = (q.blocked & ORIGIN_BLOCK_FLOOD) != 0;
	}
	mdb_cursor_close(c);
	return crosses;
}

/* Walks the batches in (origin, seq) order and applies each origin's
 * contiguous run from seq 1, exactly as arrival in any order would have. */
static int
replay_batches(struct store_txn *tx)
{
	MDB_cursor *c;
	MDB_val k, v;
	uint8_t origin[ORIGIN_LEN];
	struct origin_rec rec;
	bool have = false, count_only = false;
	int rc = mdb_cursor_open(tx->txn, tx->st->batches, &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ORIGIN_LEN + 8)
			continue;
		if (!have || memcmp(origin, k.mv_data, ORIGIN_LEN) != 0) {
			if (have && (rc = origin_write(tx->txn, tx->st,
			    origin, &rec)) != 0)
				break;
			memcpy(origin, k.mv_data, ORIGIN_LEN);
			origin_read(tx->txn, tx->st, origin, &rec);
			count_only = replay_flood_hint(tx, origin, &rec);
			have = true;
		}
		uint64_t seq = get_be64((uint8_t *)k.mv_data + ORIGIN_LEN);
		if ((rec.blocked & ORIGIN_BLOCK_FLOOD) &&
		    seq > rec.highest_seq) {
			/* past the flood line: refused on arrival */
			if ((rc = mdb_cursor_del(c, 0)) != 0 ||
			    (rc = attest_drop(tx, origin, seq)) != 0)
				break;
			continue;
		}
		if (seq != rec.highest_seq + 1)
			continue;
		Reputed__Batch *b;
		char err[160];
		if (envelope_decode(v.mv_data, v.mv_size, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			continue;
		/* A blocked origin's batches count for nothing (its
		 * contributions were purged when it was blocked), but its
		 * version vector, clock and quota counters stay what its
		 * applied batches made them. */
		bool was_blocked = rec.blocked != 0;
		if (was_blocked || count_only)
			count_contents(b, &rec, &tx->st->policy);
		else
			rc = apply_contents(tx, b, &rec);
		reputed__batch__free_unpacked(b, NULL);
		if (rc != 0)
			break;
		rec.highest_seq++;
		rec.batches++;
		if (!was_blocked && !count_only && rec.blocked)
			rc = replay_flood_block(tx, origin, &rec);
		if (rc != 0)
			break;
	}
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND && have)
		rc = origin_write(tx->txn, tx->st, origin, &rec);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* After the evidence is rebuilt: scores each subject that has evidence
 * once, from its final evidence, which is what the score after its last
 * fold was (a score depends only on the evidence, trust and policy).
 * Walks the evidence in key order, so score pages fill in order. */
static int
score_all(struct store_txn *tx)
{
	uint8_t skey[SUBJECT_KEY_MAX];
	size_t sklen = 0;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(tx->txn, tx->st->evidence, &c);
	if (rc != 0)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size <= ORIGIN_LEN ||
		    k.mv_size - ORIGIN_LEN > SUBJECT_KEY_MAX)
			continue;
		if (k.mv_size - ORIGIN_LEN == sklen &&
		    memcmp(k.mv_data, skey, sklen) == 0)
			continue;	/* the same subject, another origin */
		sklen = k.mv_size - ORIGIN_LEN;
		memcpy(skey, k.mv_data, sklen);
		if ((rc = rescore_subject(tx, skey, sklen)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Replays the kept batches of each origin from its floor, folding as
 * arrival did (scores deferred), refolds every record with an expired
 * report at its origin's clock, as a full prune would, then scores each
 * subject once. The result equals the incrementally built store after a
 * full prune, bit for bit.
 */
int
store_rescore(struct store *st, char *err, size_t errlen)
{
	struct store_txn *tx = store_begin(st, err, errlen);
	if (tx == NULL)
		return -1;
	memset(st->trust, 0, sizeof(st->trust));
	memset(tx->plens, 0, sizeof(tx->plens));
	tx->plens_dirty = true;
	tx->listing_changed = true;
	tx->defer_score = true;
	struct store_prune all = { 0 };
	int rc;
	if ((rc = mdb_drop(tx->txn, st->reports, 0)) != 0 ||
	    (rc = mdb_drop(tx->txn, st->evidence, 0)) != 0 ||
	    (note_flush(tx), rc = mdb_drop(tx->txn, st->scores, 0)) != 0 ||
	    (rc = reset_origins(tx)) != 0 ||
	    (rc = replay_batches(tx)) != 0 ||
	    (rc = prune_records(tx, &all, UINT32_MAX)) < 0 ||
	    (rc = score_all(tx)) != 0 || (rc = put_policy(tx->txn, st)) != 0) {
		store_abort(tx);
		return lmdb_fail(err, errlen, "rescore", rc < 0 ? -rc : rc);
	}
	if (store_commit(tx, err, errlen) != 0)
		return -1;
	st->policy_changed = false;
	return 0;
}

/* ---- the read path ---- */

struct store_reader *
store_reader_new(struct store *st)
{
	struct store_reader *r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->st = st;
	if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &r->txn) != 0) {
		free(r);
		return NULL;
	}
	mdb_txn_reset(r->txn);
	return r;
}

void
store_reader_free(struct store_reader *r)
{
	if (r == NULL)
		return;
	if (r->cur != NULL)
		mdb_cursor_close(r->cur);
	mdb_txn_abort(r->txn);
	free(r);
}

int
store_reader_begin(struct store_reader *r)
{
	if (r->active)
		mdb_txn_reset(r->txn);
	r->active = false;
	if (mdb_txn_renew(r->txn) != 0)
		return -1;
	r->active = true;
	r->cur_ready = false;
	/* The same snapshot as last time: what was read from it holds. */
	uint64_t id = mdb_txn_id(r->txn);
	if (id == r->meta_txn && id != 0)
		return 0;
	r->meta_txn = id;
	r->serial_ready = false;
	MDB_val k = val("plens", 5), v;
	if (mdb_get(r->txn, r->st->meta, &k, &v) == 0 &&
	    v.mv_size == PLEN_BYTES)
		memcpy(r->plens, v.mv_data, PLEN_BYTES);
	else
		memset(r->plens, 0, PLEN_BYTES);
	return 0;
}

void
store_reader_end(struct store_reader *r)
{
	if (r->active)
		mdb_txn_reset(r->txn);
	r->active = false;
}

static int
get_listing(struct store_reader *r, const uint8_t *key, size_t klen,
    struct listing *out)
{
	MDB_val k = val(key, klen), v;
	int rc = mdb_get(r->txn, r->st->scores, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0 || v.mv_size != sizeof(*out))
		return -1;
	memcpy(out, v.mv_data, sizeof(*out));
	return 0;
}

int
store_lookup(struct store_reader *r, const struct subject *s,
    struct listing *out)
{
	uint8_t key[SUBJECT_KEY_MAX];
	return get_listing(r, key, subject_key(s, key), out);
}

static bool
wanted(const struct listing *l, uint64_t now, enum lookup_want want)
{
	return want == LOOKUP_LISTED ? listing_listed(l, now) :
	    listing_allowed(l, now);
}

/* The reader's scores cursor, opened once and renewed per snapshot: no
 * malloc per DNS query. NULL on failure. */
static MDB_cursor *
reader_cursor(struct store_reader *r)
{
	int rc;
	if (r->cur == NULL)
		rc = mdb_cursor_open(r->txn, r->st->scores, &r->cur);
	else
		rc = r->cur_ready ? 0 : mdb_cursor_renew(r->txn, r->cur);
	if (rc != 0)
		return NULL;
	r->cur_ready = true;
	return r->cur;
}

static void
mask_into(uint8_t *dst, const uint8_t *addr, size_t len, unsigned plen)
{
	memcpy(dst, addr, len);
	addr_mask(dst, len, plen);
}

/* Leading bits a and b share, up to len bytes. */
static unsigned
common_bits(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (unsigned i = 0; i < len; i++) {
		uint8_t x = a[i] ^ b[i];
		if (x != 0)
			return 8 * i + (unsigned)__builtin_clz(x) - 24;
	}
	return 8 * (unsigned)len;
}

/* The greatest key <= key (klen bytes), or rc MDB_NOTFOUND. */
static int
seek_le(MDB_cursor *c, const uint8_t *key, size_t klen, MDB_val *k,
    MDB_val *v)
{
	*k = val(key, klen);
	int rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (rc == MDB_NOTFOUND)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	if (rc != 0 || (k->mv_size == klen && memcmp(k->mv_data, key,
	    klen) == 0))
		return rc;
	return mdb_cursor_get(c, k, v, MDB_PREV);
}

/*
 * Longest-prefix match by seeking, not by probing every prefix length in
 * use. Keys sort by (address, length), so the greatest key K <= (addr/t)
 * is the longest prefix of length <= t that contains addr, if K contains
 * addr at all. If it does not, K and addr share c leading bits, and no
 * stored prefix longer than c can contain addr (it would sort between K
 * and the target): seek again with t = c. Each step shortens t, and the
 * prefix lengths in use bound it further; a miss usually costs one get
 * (the longest length in use) and one seek.
 */
int
store_lookup_addr(struct store_reader *r, const uint8_t *addr,
    size_t addrlen, uint64_t now, enum lookup_want want,
    struct listing *out)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t key[18];
	MDB_val k, v;
	if (addrlen == 16 && memcmp(addr, v4mapped, 12) == 0) {
		addr += 12;
		addrlen = 4;
	}
	if (addrlen != 4 && addrlen != 16)
		return -1;
	enum subject_kind kind = addrlen == 4 ? SUBJECT_IPV4 : SUBJECT_IPV6;
	MDB_cursor *c = reader_cursor(r);
	if (c == NULL)
		return -1;
	key[0] = (uint8_t)kind;
	int t = 8 * (int)addrlen;
	while (t >= 0 && !plen_has(r->plens, plen_bit(kind, (unsigned)t)))
		t--;
	if (t < 0)
		return 1;
	/* The longest length in use by a plain get: a listed host, the
	 * common answer, costs one search, and a store with one length in
	 * use needs no more. */
	mask_into(key + 1, addr, addrlen, (unsigned)t);
	key[1 + addrlen] = (uint8_t)t;
	int found = get_listing(r, key, addrlen + 2, out);
	if (found < 0)
		return -1;
	if (found == 0 && wanted(out, now, want)) {
		out->prefix_len = (uint8_t)t;
		return 0;
	}
	for (t--; ; ) {
		while (t >= 0 && !plen_has(r->plens, plen_bit(kind,
		    (unsigned)t)))
			t--;
		if (t < 0)
			return 1;
		mask_into(key + 1, addr, addrlen, (unsigned)t);
		key[1 + addrlen] = (uint8_t)t;
		int rc = seek_le(c, key, addrlen + 2, &k, &v);
		if (rc == MDB_NOTFOUND)
			return 1;
		const uint8_t *kd = k.mv_data;
		if (rc != 0 || v.mv_size != sizeof(*out))
			return rc != 0 ? -1 : 1;
		if (k.mv_size != addrlen + 2 || kd[0] != kind)
			return 1;	/* no key of this family below */
		unsigned l = kd[1 + addrlen], cb = common_bits(kd + 1, addr,
		    addrlen);
		if (cb >= l) {		/* K contains addr */
			memcpy(out, v.mv_data, sizeof(*out));
			if (wanted(out, now, want)) {
				out->prefix_len = (uint8_t)l;
				return 0;
			}
			t = (int)l - 1;
		} else
			t = (int)cb < t ? (int)cb : t - 1;
	}
}

int
store_lookup_domain(struct store_reader *r, const char *name, bool parents,
    uint64_t now, enum lookup_want want, struct listing *out)
{
	struct subject s;
	char err[8];
	if (subject_parse_domain(name, &s, err, sizeof(err)) != 0)
		return 1;
	uint8_t key[SUBJECT_KEY_MAX];
	size_t klen = subject_key(&s, key);
	/* A parent's key is a prefix of the child's key plus a closing 0:
	 * drop the last label by cutting back to the previous 0. */
	for (;;) {
		int rc = get_listing(r, key, klen, out);
		if (rc < 0)
			return -1;
		if (rc == 0 && wanted(out, now, want))
			return 0;
		if (!parents)
			return 1;
		size_t end = klen - 2;		/* the 0 of the lowest label */
		while (end > 1 && key[end - 1] != 0)
			end--;
		/* end is where the lowest label starts; keep two labels. */
		if (end <= 1)
			return 1;
		size_t labels = 0;
		for (size_t i = 1; i < end; i++)
			labels += key[i] == 0;
		if (labels < 2)
			return 1;
		key[end] = 0;
		klen = end + 1;
	}
}

/* Is key k (a stored subject) inside the subject whose key is skey?
 * Addresses: same kind, same leading prefix_len bits. Domains: skey
 * without its closing 0 is a prefix of k. Keys inside sort together. */
static bool
key_inside(const uint8_t *skey, size_t sklen, const struct subject *s,
    const uint8_t *k, size_t klen)
{
	if (s->kind == SUBJECT_DOMAIN)
		return klen >= sklen && memcmp(k, skey, sklen - 1) == 0;
	/* skey's address is masked: k is inside when they share its bits. */
	return klen == sklen && k[0] == skey[0] &&
	    common_bits(k + 1, skey + 1, sklen - 2) >= s->prefix_len;
}

int
store_lookup_below(struct store_reader *r, const struct subject *s,
    uint64_t now, enum lookup_want want)
{
	uint8_t skey[SUBJECT_KEY_MAX];
	size_t sklen = subject_key(s, skey);
	MDB_val k = val(skey, sklen - 1), v;	/* the range starts there */
	int rc, found = 2;
	MDB_cursor *c = reader_cursor(r);
	if (c == NULL)
		return -1;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (int n = 0; rc == 0 && n < 256; n++) {
		struct listing l;
		const uint8_t *kd = k.mv_data;
		if (!key_inside(skey, sklen, s, kd, k.mv_size))
			break;
		bool below = s->kind == SUBJECT_DOMAIN ? k.mv_size > sklen :
		    kd[k.mv_size - 1] > s->prefix_len;
		if (below && v.mv_size == sizeof(l)) {
			found = 1;
			memcpy(&l, v.mv_data, sizeof(l));
			if (wanted(&l, now, want)) {
				found = 0;
				break;
			}
		}
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	return rc == 0 || rc == MDB_NOTFOUND ? found : -1;
}

uint32_t
store_serial(struct store_reader *r)
{
	if (r->serial_ready)
		return r->serial;
	MDB_val k = val("serial", 6), v;
	uint32_t serial = 0;
	if (mdb_get(r->txn, r->st->meta, &k, &v) == 0 &&
	    v.mv_size == sizeof(serial))
		memcpy(&serial, v.mv_data, sizeof(serial));
	r->serial = serial;
	r->serial_ready = true;
	return serial;
}

uint64_t
store_reader_txn(struct store_reader *r)
{
	return r->active ? (uint64_t)mdb_txn_id(r->txn) : 0;
}

int
store_reader_changes(struct store_reader *r, changes_fn fn, void *arg)
{
	uint64_t upto = store_reader_txn(r);
	if (r->journal.started && upto == r->journal.txn)
		return 0;		/* no commit since: no lock */
	return changes_read(r->st->changes, &r->journal, upto, fn, arg);
}

int
store_explain(struct store_reader *r, const struct subject *s,
    store_explain_fn fn, void *arg)
{
	uint8_t skey[SUBJECT_KEY_MAX];
	size_t sklen = subject_key(s, skey);
	MDB_cursor *c;
	MDB_val k = val(skey, sklen), v;
	int rc = mdb_cursor_open(r->txn, r->st->evidence, &c);
	if (rc != 0)
		return -1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct evidence ev;
		if (k.mv_size != sklen + ORIGIN_LEN ||
		    memcmp(k.mv_data, skey, sklen) != 0)
			break;
		if (v.mv_size != sizeof(ev))
			continue;
		memcpy(&ev, v.mv_data, sizeof(ev));
		const uint8_t *origin = (const uint8_t *)k.mv_data + sklen;
		struct origin_rec rec;
		origin_read(r->txn, r->st, origin, &rec);
		if (fn(arg, origin, &ev, rec.blocked ? 0 : rec.trust) != 0) {
			mdb_cursor_close(c);
			return -1;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : -1;
}

int
store_each_listing(struct store_reader *r, store_each_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(r->txn, r->st->scores, &c);
	if (rc != 0)
		return -1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct subject s;
		struct listing l;
		if (v.mv_size != sizeof(l) ||
		    subject_from_key(k.mv_data, k.mv_size, &s) != 0)
			continue;
		memcpy(&l, v.mv_data, sizeof(l));
		if (fn(arg, &s, &l) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
}

int
store_version_vector(struct store_reader *r, store_vv_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(r->txn, r->st->origins, &c);
	if (rc != 0)
		return -1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		struct origin_rec rec;
		if (k.mv_size != ORIGIN_LEN || origin_decode(&v, &rec) != 0)
			continue;
		if (rec.highest_seq > 0 && fn(arg, k.mv_data,
		    rec.highest_seq) != 0) {
			mdb_cursor_close(c);
			return -1;
		}
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : -1;
}

int
store_each_equivocation(struct store_reader *r, store_equiv_fn fn, void *arg)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(r->txn, r->st->equiv, &c);

	if (rc != 0)
		return -1;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != ORIGIN_LEN + 8)
			continue;
		if (fn(arg, k.mv_data, get_be64((uint8_t *)k.mv_data +
		    ORIGIN_LEN), v.mv_data, v.mv_size) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND || rc == 0 ? 0 : -1;
}

int
store_get_batch(struct store_reader *r, const uint8_t origin[32],
    uint64_t seq, const uint8_t **data, size_t *len)
{
	uint8_t bk[ORIGIN_LEN + 8];
	MDB_val k = val(bk, batch_key(bk, origin, seq)), v;
	int rc = mdb_get(r->txn, r->st->batches, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc != 0)
		return -1;
	*data = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int
store_report_live(struct store_reader *r, const uint8_t origin[32],
    uint64_t seq, uint32_t index)
{
	uint8_t bk[ORIGIN_LEN + 8], skey[SUBJECT_KEY_MAX];
	uint8_t key[SUBJECT_KEY_MAX + ORIGIN_LEN + 12];
	MDB_val k = val(bk, batch_key(bk, origin, seq)), v;
	struct subject s[2];
	struct contribution c[2];
	Reputed__Batch *b;
	char err[160];
	int rc = mdb_get(r->txn, r->st->batches, &k, &v);

	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return -1;
	if (envelope_decode(v.mv_data, v.mv_size, &b, err, sizeof(err)) !=
	    ENVELOPE_OK)
		return 0;
	uint8_t pseudo[ORIGIN_LEN];
	const uint8_t *whose = NULL;
	rc = 0;
	if (index < b->n_reports && attest_origin(r->txn, r->st, b, index,
	    pseudo, &whose) == 0 && whose != NULL &&
	    report_targets(b->reports[index], b, &r->st->policy, s, c, err,
	    sizeof(err)) > 0) {
		size_t sklen = subject_key(&s[0], skey);
		MDB_val rk = val(key, report_key(key, skey, sklen, whose, seq,
		    index));
		rc = mdb_get(r->txn, r->st->reports, &rk, &v);
		rc = rc == 0 ? 1 : rc == MDB_NOTFOUND ? 0 : -1;
	}
	reputed__batch__free_unpacked(b, NULL);
	return rc;
}

static uint64_t
db_entries(MDB_txn *txn, MDB_dbi dbi, uint64_t *pages)
{
	MDB_stat s;
	if (mdb_stat(txn, dbi, &s) != 0)
		return 0;
	*pages += s.ms_branch_pages + s.ms_leaf_pages + s.ms_overflow_pages;
	return s.ms_entries;
}

static int
count_listed(void *arg, const struct subject *s, const struct listing *l)
{
	uint64_t *counts = arg;	/* [0] = now, [1] = listed */
	(void)s;
	if (listing_listed(l, counts[0]))
		counts[1]++;
	return 0;
}

uint64_t
store_count_listed(struct store_reader *r, uint64_t now)
{
	uint64_t counts[2] = { now, 0 };
	store_each_listing(r, count_listed, counts);
	return counts[1];
}

int
store_stats(struct store_reader *r, uint64_t now, struct store_stats *out)
{
	if (store_sizes(r, out) != 0)
		return -1;
	out->listed = store_count_listed(r, now);
	return 0;
}

int
store_sizes(struct store_reader *r, struct store_stats *out)
{
	struct store *st = r->st;
	uint64_t pages = 0;
	MDB_stat es;
	memset(out, 0, sizeof(*out));
	out->no_space = st->no_space;
	out->full = st->full;
	out->batches = db_entries(r->txn, st->batches, &pages);
	out->reports_indexed = db_entries(r->txn, st->reports, &pages);
	out->evidence = db_entries(r->txn, st->evidence, &pages);
	out->subjects = db_entries(r->txn, st->scores, &pages);
	out->origins = db_entries(r->txn, st->origins, &pages);
	out->equivocations = db_entries(r->txn, st->equiv, &pages);
	db_entries(r->txn, st->meta, &pages);
	MDB_envinfo ei;
	if (mdb_env_stat(st->env, &es) == 0)
		out->bytes_on_disk = pages * es.ms_psize;
	if (mdb_env_info(st->env, &ei) == 0) {
		out->map_size = ei.me_mapsize;
		out->map_used = ((uint64_t)ei.me_last_pgno + 1) * es.ms_psize;
	}
	/* Pending batches: stored beyond each origin's contiguous run. */
	uint64_t applied = 0;
	MDB_cursor *c;
	MDB_val k, v;
	if (mdb_cursor_open(r->txn, st->origins, &c) == 0) {
		int rc;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		    rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct origin_rec rec;
			if (origin_decode(&v, &rec) == 0) {
				applied += rec.highest_seq - rec.floor;
				out->quota_dropped += rec.quota_dropped;
				out->live_dropped += rec.live.dropped;
				out->blocked_policy += (rec.blocked &
				    ORIGIN_BLOCK_POLICY) != 0;
				out->blocked_equivocation += (rec.blocked &
				    ORIGIN_BLOCK_EQUIVOCATION) != 0;
				out->blocked_flood += (rec.blocked &
				    ORIGIN_BLOCK_FLOOD) != 0;
			}
		}
		mdb_cursor_close(c);
	}
	out->pending = out->batches > applied ? out->batches - applied : 0;
	return 0;
}
