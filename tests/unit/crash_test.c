/*
 * crash_test.c: the store survives SIGKILL at any moment, and the order in
 * which batches arrive does not change any score.
 *
 * kill_at_random_moments: a child process applies signed batches with the
 * store's default sync (an fsync per commit) and, after each commit, writes
 * the committed seq to a pipe. The parent kills it with SIGKILL after a
 * random delay, reopens the store and checks that every seq the child
 * reported is there (origin highest_seq, the stored SignedBatch) and that
 * scores read. 30 rounds on the same store, the first of them possibly
 * killing the child while it creates the store.
 *
 * arrival_order_does_not_matter: three origins' batches (with retractions,
 * a gap that never closes and batches that arrive before the gap) applied
 * in several random orders, in random group commits, into separate stores:
 * every score record is identical (memcmp of struct listing), and
 * store_rescore reproduces it bit for bit.
 *
 * CRASH_SEED=N in the environment repeats a run; the seed is printed.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/proto.h"
#include "reputation/reputation.h"
#include "tests/lib/testlib.h"

#define T0		1764374400000ull	/* 2025-11-29 00:00 UTC, ms */
#define KILL_ROUNDS	30
#define MAX_SEQS	100000
#define ORIGINS		3
#define ORDER_SEQS	20	/* batches per origin in the order test */
#define ORDERS		5

static char tmpdir[TL_PATH_MAX];
static uint64_t rng_state;

static uint64_t
rnd(void)
{
	/* xorshift64*: enough for test data and timing. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int
setup(void **state)
{
	const char *seed = getenv("CRASH_SEED");
	rng_state = seed ? strtoull(seed, NULL, 10) :
	    (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	if (rng_state == 0)
		rng_state = 1;
	printf("# CRASH_SEED=%llu\n", (unsigned long long)rng_state);
	return tl_tmpdir(tmpdir, sizeof(tmpdir), "crash");
}

static int
teardown(void **state)
{
	return tl_rmtree(tmpdir);
}

static void
path_in(char *buf, size_t len, const char *name)
{
	tl_path(buf, len, tmpdir, name);
}

static struct signer *
new_signer(const char *name)
{
	struct signer *s = tl_signer_new(tmpdir, name);
	if (s == NULL)
		fail_msg("no key %s", name);
	return s;
}

/* ---- building batches ---- */

struct report_buf {
	Reputed__Report r;
	Reputed__Subject s;
	Reputed__MailEvidence m;
	uint8_t addr[4];
	uint8_t client[4];
	char domain[32], mfrom[48];
};

/* Fills one report about subject number `which` of a small pool: IPv4
 * hosts, a /24, and domains with Sender-ID evidence. */
static void
make_report(struct report_buf *x, unsigned which, uint64_t at)
{
	reputed__report__init(&x->r);
	reputed__subject__init(&x->s);
	x->r.subject = &x->s;
	x->r.observed_at = at;
	x->r.category = 1 + (unsigned)(rnd() % 8);	/* spam .. fraud */
	x->r.confidence = 20 + (unsigned)(rnd() % 81);
	x->r.ttl = (unsigned)(rnd() % 3) * 86400;	/* 0 = default */
	if (which % 10 == 9) {
		x->r.category = REPUTED__CATEGORY__CATEGORY_NOT_SPAM;
	}
	if (which % 4 != 3) {	/* an address or a prefix */
		x->addr[0] = 10;
		x->addr[1] = (uint8_t)(which / 256);
		x->addr[2] = (uint8_t)which;
		x->addr[3] = which % 5 == 0 ? 0 : (uint8_t)(1 + which % 200);
		x->s.addr.data = x->addr;
		x->s.addr.len = 4;
		x->s.prefix_len = which % 5 == 0 ? 24 : 0;
		return;
	}
	snprintf(x->domain, sizeof(x->domain), "d%u.example", which % 40);
	snprintf(x->mfrom, sizeof(x->mfrom), "user@%s", x->domain);
	x->s.domain = x->domain;
	reputed__mail_evidence__init(&x->m);
	x->client[0] = 192;
	x->client[1] = 0;
	x->client[2] = 2;
	x->client[3] = (uint8_t)(which % 250);
	x->m.client_ip.data = x->client;
	x->m.client_ip.len = 4;
	x->m.helo = "mx.example.net";
	x->m.mail_from = x->mfrom;
	x->m.spf_mail_from = (unsigned)(rnd() % 8);
	x->m.sender_id_pra = (unsigned)(rnd() % 8);
	x->r.mail = &x->m;
}

/* A sealed batch of n reports about subjects from a pool of `pool`, with
 * retractions of random earlier (seq, index) pairs. Caller frees. */
static uint8_t *
make_batch(struct signer *s, uint64_t seq, size_t n, unsigned pool,
    size_t nretract, size_t *len)
{
	struct report_buf *rb = calloc(n ? n : 1, sizeof(*rb));
	Reputed__Report **rp = calloc(n ? n : 1, sizeof(*rp));
	Reputed__Retraction rt[4], *rtp[4];
	Reputed__Batch b = REPUTED__BATCH__INIT;
	assert_non_null(rb);
	assert_non_null(rp);
	for (size_t i = 0; i < n; i++) {
		make_report(&rb[i], (unsigned)(rnd() % pool),
		    T0 + seq * 1000 + i);
		rp[i] = &rb[i].r;
	}
	if (nretract > 4)
		nretract = 4;
	for (size_t i = 0; i < nretract; i++) {
		reputed__retraction__init(&rt[i]);
		rt[i].seq = 1 + rnd() % seq;	/* may be this very batch */
		rt[i].index = (uint32_t)(rnd() % 6);	/* may not exist */
		rtp[i] = &rt[i];
	}
	b.seq = seq;
	b.created_at = T0 + seq * 1000 + n;
	b.reports = rp;
	b.n_reports = n;
	b.retractions = rtp;
	b.n_retractions = nretract;
	uint8_t *sb = envelope_seal(s, &b, len);
	assert_non_null(sb);
	free(rp);
	free(rb);
	return sb;
}

/* ---- the crash test ---- */

/* The store's sync level for the kill test: 2 (the default, fsync per
 * commit) or 0 (no fsync, MDB_WRITEMAP): both must survive a SIGKILL. */
static int crash_sync = 2;

/* The child: applies batches from the origin's next seq on, forever,
 * reporting each committed seq on fd. Never returns. */
static void
child_apply(const char *dir, struct signer *s, int fd)
{
	char err[256];
	uint8_t pub[ED25519_KEY_LEN];
	struct origin_info oi;
	struct store_options opt = { .sync = crash_sync };
	struct store *st = store_open(dir, &opt, err, sizeof(err));
	struct verifier *v = verifier_new();
	if (st == NULL || v == NULL)
		_exit(2);
	signer_public_key(s, pub);
	uint64_t seq = store_get_origin(st, pub, &oi) == 0 ?
	    oi.highest_seq + 1 : 1;
	for (;;) {
		/* One to three batches per transaction: group commit. */
		unsigned group = 1 + (unsigned)(rnd() % 3);
		struct store_txn *tx = store_begin(st, err, sizeof(err));
		if (tx == NULL)
			_exit(3);
		for (unsigned g = 0; g < group; g++) {
			size_t len;
			Reputed__Batch *b;
			uint8_t *sb = make_batch(s, seq + g,
			    1 + (size_t)(rnd() % 32), 2000, rnd() % 3, &len);
			if (envelope_open(v, sb, len, &b, err, sizeof(err)) !=
			    ENVELOPE_OK)
				_exit(4);
			if (store_apply(tx, sb, len, b, err, sizeof(err)) !=
			    APPLY_OK)
				_exit(5);
			reputed__batch__free_unpacked(b, NULL);
			free(sb);
		}
		if (store_commit(tx, err, sizeof(err)) != 0)
			_exit(6);
		seq += group;
		uint64_t done = seq - 1;
		if (write(fd, &done, sizeof(done)) != sizeof(done))
			_exit(7);
	}
}

static int
count_cb(void *arg, const struct subject *s, const struct listing *l)
{
	(void)s;
	if (l->n_reports == 0 || l->score < 0 || l->score > 1)
		return 1;	/* stop: the caller sees a short count */
	(*(uint64_t *)arg)++;
	return 0;
}

/* Reopens the store after a kill and checks that seqs 1..last are there. */
static void
check_after_kill(const char *dir, const uint8_t *pub, uint64_t last)
{
	char err[256];
	struct origin_info oi = { 0 };
	struct store_stats ss;
	uint64_t listings = 0;
	struct store_options opt = { .sync = crash_sync };
	struct store *st = store_open(dir, &opt, err, sizeof(err));
	if (st == NULL)
		fail_msg("store_open after SIGKILL: %s", err);
	int rc = store_get_origin(st, pub, &oi);
	assert_true(rc >= 0);
	if (oi.highest_seq < last)
		fail_msg("child reported seq %llu committed, store has %llu",
		    (unsigned long long)last,
		    (unsigned long long)oi.highest_seq);
	struct store_reader *r = store_reader_new(st);
	assert_non_null(r);
	assert_int_equal(store_reader_begin(r), 0);
	for (uint64_t seq = 1; seq <= last; seq++) {
		const uint8_t *data;
		size_t len;
		if (store_get_batch(r, pub, seq, &data, &len) != 0)
			fail_msg("committed batch %llu is missing",
			    (unsigned long long)seq);
	}
	assert_int_equal(store_stats(r, T0, &ss), 0);
	assert_int_equal(store_each_listing(r, count_cb, &listings), 0);
	assert_int_equal(listings, ss.subjects);
	if (last > 0)
		assert_true(listings > 0);
	store_reader_end(r);
	store_reader_free(r);
	store_close(st);
}

static void
kill_at_random_moments(void **state)
{
	char dir[128];
	uint8_t pub[ED25519_KEY_LEN];
	uint64_t last = 0, killed_busy = 0;
	struct signer *s = new_signer(crash_sync ? "crash.pem" :
	    "crash-nosync.pem");
	signer_public_key(s, pub);
	path_in(dir, sizeof(dir), crash_sync ? "crash-store" :
	    "crash-store-nosync");
	for (int round = 0; round < KILL_ROUNDS; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		rnd();
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			child_apply(dir, s, fds[1]);
		}
		close(fds[1]);
		/* Up to 80 ms, from before store_open to many commits in;
		 * one round in four within 3 ms, while the child opens (or
		 * in round 0 creates) the store. */
		usleep((useconds_t)(round == 0 || rnd() % 4 == 0 ?
		    rnd() % 3000 : rnd() % 80000));
		kill(pid, SIGKILL);
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status))
			fail_msg("child exited with %d before the kill",
			    WEXITSTATUS(status));
		uint64_t seq;
		ssize_t n;
		while ((n = read(fds[0], &seq, sizeof(seq))) == sizeof(seq)) {
			assert_true(seq > last);
			last = seq;
			killed_busy++;
		}
		assert_int_equal(n, 0);
		close(fds[0]);
		check_after_kill(dir, pub, last);
	}
	printf("# %d kills, %llu commits reported, last seq %llu\n",
	    KILL_ROUNDS, (unsigned long long)killed_busy,
	    (unsigned long long)last);
	assert_true(last > 0);
	signer_free(s);
}

static void
kill_at_random_moments_nosync(void **state)
{
	crash_sync = 0;
	kill_at_random_moments(state);
	crash_sync = 2;
}

/* ---- the order test ---- */

struct sealed {
	uint8_t *sb;
	size_t len;
};

struct snapshot {
	size_t n, cap;
	uint8_t (*keys)[SUBJECT_KEY_MAX];
	struct listing *l;
};

static int
snap_cb(void *arg, const struct subject *s, const struct listing *l)
{
	struct snapshot *sn = arg;
	if (sn->n == sn->cap) {
		sn->cap = sn->cap ? sn->cap * 2 : 256;
		sn->keys = realloc(sn->keys, sn->cap * sizeof(*sn->keys));
		sn->l = realloc(sn->l, sn->cap * sizeof(*sn->l));
		assert_non_null(sn->keys);
		assert_non_null(sn->l);
	}
	memset(sn->keys[sn->n], 0, SUBJECT_KEY_MAX);
	subject_key(s, sn->keys[sn->n]);
	sn->l[sn->n++] = *l;
	return 0;
}

static void
take_snapshot(struct store *st, struct snapshot *sn)
{
	struct store_reader *r = store_reader_new(st);
	memset(sn, 0, sizeof(*sn));
	assert_non_null(r);
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_each_listing(r, snap_cb, sn), 0);
	store_reader_end(r);
	store_reader_free(r);
}

static void
snapshot_free(struct snapshot *sn)
{
	free(sn->keys);
	free(sn->l);
}

static void
assert_same(const struct snapshot *a, const struct snapshot *b,
    const char *what)
{
	if (a->n != b->n)
		fail_msg("%s: %zu subjects against %zu", what, a->n, b->n);
	for (size_t i = 0; i < a->n; i++) {
		if (memcmp(a->keys[i], b->keys[i], SUBJECT_KEY_MAX) != 0)
			fail_msg("%s: subject %zu differs", what, i);
		if (memcmp(&a->l[i], &b->l[i], sizeof(a->l[i])) != 0)
			fail_msg("%s: listing of subject %zu differs (score "
			    "%.9g vs %.9g)", what, i, a->l[i].score,
			    b->l[i].score);
	}
}

/* Applies the batches in the order given, a random number per commit. */
static struct store *
apply_in_order(const char *name, struct sealed *bs, size_t n, size_t *order)
{
	char dir[128], err[256];
	struct verifier *v = verifier_new();
	struct store_options opt = { .map_size = (size_t)256 << 20, .sync = 0 };
	path_in(dir, sizeof(dir), name);
	struct store *st = store_open(dir, &opt, err, sizeof(err));
	if (st == NULL)
		fail_msg("%s", err);
	for (size_t i = 0; i < n;) {
		struct store_txn *tx = store_begin(st, err, sizeof(err));
		assert_non_null(tx);
		size_t group = 1 + rnd() % 4;
		for (; group > 0 && i < n; group--, i++) {
			Reputed__Batch *b;
			struct sealed *x = &bs[order[i]];
			assert_int_equal(envelope_open(v, x->sb, x->len, &b,
			    err, sizeof(err)), ENVELOPE_OK);
			enum apply_status a = store_apply(tx, x->sb, x->len, b,
			    err, sizeof(err));
			if (a != APPLY_OK && a != APPLY_PENDING)
				fail_msg("apply: %s %s", apply_status_name(a),
				    err);
			reputed__batch__free_unpacked(b, NULL);
		}
		assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	}
	verifier_free(v);
	return st;
}

static void
shuffle(size_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd() % i, t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

static void
arrival_order_does_not_matter(void **state)
{
	struct signer *s[ORIGINS];
	struct sealed bs[ORIGINS * ORDER_SEQS];
	size_t n = 0, order[ORIGINS * ORDER_SEQS];
	struct snapshot first, snap;
	char err[256];
	for (int o = 0; o < ORIGINS; o++) {
		char name[32];
		snprintf(name, sizeof(name), "order%d.pem", o);
		s[o] = new_signer(name);
		for (uint64_t seq = 1; seq <= ORDER_SEQS; seq++) {
			/* Origin 2 never delivers seq 9: 10.. stay pending. */
			if (o == 2 && seq == 9)
				continue;
			bs[n].sb = make_batch(s[o], seq, 1 + rnd() % 24, 120,
			    seq > 1 ? rnd() % 4 : 0, &bs[n].len);
			n++;
		}
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (int k = 0; k < ORDERS; k++) {
		char name[32];
		snprintf(name, sizeof(name), "order-store-%d", k);
		if (k > 0)
			shuffle(order, n);
		struct store *st = apply_in_order(name, bs, n, order);
		take_snapshot(st, k == 0 ? &first : &snap);
		if (k == 0)
			assert_true(first.n > 10);
		else {
			assert_same(&first, &snap, "arrival order");
			snapshot_free(&snap);
		}
		assert_int_equal(store_rescore(st, err, sizeof(err)), 0);
		take_snapshot(st, &snap);
		assert_same(&first, &snap, "rescore");
		snapshot_free(&snap);
		store_close(st);
	}
	bool listed = false;
	for (size_t i = 0; i < first.n; i++)
		listed |= first.l[i].listed_until > 0;
	assert_true(listed);	/* the data does exercise listing */
	snapshot_free(&first);
	for (size_t i = 0; i < n; i++)
		free(bs[i].sb);
	for (int o = 0; o < ORIGINS; o++)
		signer_free(s[o]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kill_at_random_moments),
		cmocka_unit_test(kill_at_random_moments_nosync),
		cmocka_unit_test(arrival_order_does_not_matter),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
