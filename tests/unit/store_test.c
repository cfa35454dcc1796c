/*
 * store_test.c: the LMDB store and the model through the real write path:
 * signed batches sealed, opened, applied and committed into a store in a
 * temporary directory.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "reputation/reputation.h"
#include "tests/lib/testlib.h"

#define T0	1700000000000ull	/* a fixed "now", ms */

struct fixture {
	char dir[TL_PATH_MAX];
	struct store *st;
	struct signer *key[3];
	struct verifier *ver;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char db[TL_PATH_MAX], name[16];
	assert_int_equal(tl_tmpdir(f->dir, sizeof(f->dir), "store_test"), 0);
	tl_path(db, sizeof(db), f->dir, "db");
	assert_non_null(f->st = tl_store_open(db, 0, 1 << 26));
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "key%d.pem", i);
		assert_non_null(f->key[i] = tl_signer_new(f->dir, name));
	}
	f->ver = verifier_new();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->st);
	for (int i = 0; i < 3; i++)
		signer_free(f->key[i]);
	verifier_free(f->ver);
	assert_int_equal(tl_rmtree(f->dir), 0);
	free(f);
	return 0;
}

/* One report; domain reports may carry mail evidence. */
struct rep {
	const char *subject;
	int category;
	const char *mail_from;		/* NULL: no mail evidence */
	int spf;			/* Reputed__AuthResult for MAIL FROM */
	const char *client_ip;
	uint64_t observed;		/* 0: T0 */
	uint32_t ttl;			/* seconds; 0: the policy's */
};

static uint64_t seal_created;		/* created_at of sealed batches; 0:
					 * T0 + seq */

/* Seals a batch of reports (and retractions of (seq, index) pairs). */
static uint8_t *
seal(struct signer *key, uint64_t seq, const struct rep *reps, size_t n,
    const uint32_t *retract, size_t nret, size_t *len)
{
	struct tl_batch *b = tl_batch_new(seq, seal_created ? seal_created :
	    T0 + seq, n);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++) {
		Reputed__Report *r = tl_batch_report(b, reps[i].subject,
		    reps[i].category, 100, reps[i].observed ? reps[i].observed :
		    T0);
		assert_non_null(r);
		r->ttl = reps[i].ttl;
		if (reps[i].mail_from) {
			Reputed__MailEvidence *m = tl_batch_mail(b,
			    reps[i].client_ip, NULL, reps[i].mail_from);
			assert_non_null(m);
			m->spf_mail_from = reps[i].spf;
		}
	}
	for (size_t i = 0; i < nret; i++)
		assert_int_equal(tl_batch_retract(b, retract[2 * i],
		    retract[2 * i + 1]), 0);
	uint8_t *sb = tl_batch_seal(b, key, len);
	assert_non_null(sb);
	tl_batch_free(b);
	return sb;
}

static enum apply_status
apply(struct fixture *f, const uint8_t *sb, size_t len)
{
	Reputed__Batch *b;
	char err[160];
	assert_int_equal(envelope_open(f->ver, sb, len, &b, err, sizeof(err)),
	    ENVELOPE_OK);
	struct store_txn *tx = store_begin(f->st, err, sizeof(err));
	assert_non_null(tx);
	enum apply_status s = store_apply(tx, sb, len, b, err, sizeof(err));
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	reputed__batch__free_unpacked(b, NULL);
	return s;
}

static enum apply_status
report(struct fixture *f, int k, uint64_t seq, const struct rep *r)
{
	size_t len;
	uint8_t *sb = seal(f->key[k], seq, r, 1, NULL, 0, &len);
	enum apply_status s = apply(f, sb, len);
	free(sb);
	return s;
}

static int
lookup(struct fixture *f, const char *text, struct listing *l)
{
	struct subject s;
	char err[160];
	struct store_reader *r = store_reader_new(f->st);
	assert_int_equal(subject_parse(text, &s, err, sizeof(err)), 0);
	assert_int_equal(store_reader_begin(r), 0);
	int rc = store_lookup(r, &s, l);
	store_reader_end(r);
	store_reader_free(r);
	return rc;
}

static void
test_listing_needs_two_origins(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.1", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct listing l;
	assert_int_equal(report(f, 0, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.1", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_reports, 1);
	assert_int_equal(report(f, 1, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.1", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(l.code, 2);
	assert_int_equal(l.n_orgs, 2);
	/* Decay: long after the TTL nothing is listed. */
	assert_false(listing_listed(&l, T0 + 8ull * 86400 * 1000));
}

static void
test_duplicate_pending_equivocation(void **state)
{
	struct fixture *f = *state;
	struct rep a = { .subject = "198.51.100.1", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct rep b = { .subject = "198.51.100.2", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	size_t l1, l2, l3;
	uint8_t *s1 = seal(f->key[0], 1, &a, 1, NULL, 0, &l1);
	uint8_t *s2 = seal(f->key[0], 2, &b, 1, NULL, 0, &l2);
	uint8_t *s2x = seal(f->key[0], 2, &a, 1, NULL, 0, &l3);
	struct origin_info oi;
	uint8_t pub[32];
	signer_public_key(f->key[0], pub);
	assert_int_equal(apply(f, s2, l2), APPLY_PENDING);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.highest_seq, 0);
	assert_int_equal(apply(f, s1, l1), APPLY_OK);	/* applies 1 and 2 */
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.highest_seq, 2);
	assert_int_equal(apply(f, s1, l1), APPLY_DUPLICATE);
	/* The same signed batch in another wrapping (an unknown field 15
	 * appended by a relay) is still a duplicate, not equivocation. */
	uint8_t *wrapped = malloc(l1 + 3);
	memcpy(wrapped, s1, l1);
	wrapped[l1] = 0x78;			/* tag 15, varint */
	wrapped[l1 + 1] = 0x01;
	assert_int_equal(apply(f, wrapped, l1 + 2), APPLY_DUPLICATE);
	free(wrapped);
	assert_int_equal(apply(f, s2x, l3), APPLY_EQUIVOCATION);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_true(oi.blocked);
	free(s1);
	free(s2);
	free(s2x);
}

static void
test_bad_signature_and_invalid(void **state)
{
	struct fixture *f = *state;
	struct rep a = { .subject = "198.51.100.7", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	size_t len;
	uint8_t *sb = seal(f->key[0], 1, &a, 1, NULL, 0, &len);
	Reputed__Batch *b;
	char err[160];
	sb[len - 1] ^= 1;	/* the signature is the last field */
	assert_int_equal(envelope_open(f->ver, sb, len, &b, err, sizeof(err)),
	    ENVELOPE_BAD_SIGNATURE);
	assert_non_null(strstr(err, "bad signature"));
	assert_int_equal(envelope_open(f->ver, sb, len / 2, &b, err,
	    sizeof(err)), ENVELOPE_MALFORMED);
	free(sb);
	struct rep bad = { .subject = "198.51.100.8", .category = 42 };	/* unknown category */
	sb = seal(f->key[0], 1, &bad, 1, NULL, 0, &len);
	assert_int_equal(envelope_open(f->ver, sb, len, &b, err, sizeof(err)),
	    ENVELOPE_OK);
	struct store_txn *tx = store_begin(f->st, err, sizeof(err));
	assert_int_equal(store_apply(tx, sb, len, b, err, sizeof(err)),
	    APPLY_INVALID);
	assert_non_null(strstr(err, "unknown category 42"));
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	reputed__batch__free_unpacked(b, NULL);
	free(sb);
	struct listing l;
	assert_int_equal(lookup(f, "198.51.100.8", &l), 1);
}

/* SPF fail: the domain is a forgery victim, the IP carries the blame. */
static void
test_sender_id_attribution(void **state)
{
	struct fixture *f = *state;
	struct rep forged = { "victim.example", 1, "bounce@victim.example",
	    REPUTED__AUTH_RESULT__AUTH_FAIL, "203.0.113.5", 0, 0 };
	struct rep real = { "spammer.example", 1, "x@mail.spammer.example",
	    REPUTED__AUTH_RESULT__AUTH_PASS, "203.0.113.6", 0, 0 };
	struct listing l;
	for (int k = 0; k < 2; k++) {
		assert_int_equal(report(f, k, 1, &forged), APPLY_OK);
		struct rep r2 = real;
		size_t len;
		uint8_t *sb = seal(f->key[k], 2, &r2, 1, NULL, 0, &len);
		assert_int_equal(apply(f, sb, len), APPLY_OK);
		free(sb);
	}
	assert_int_equal(lookup(f, "victim.example", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(lookup(f, "203.0.113.5", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(lookup(f, "spammer.example", &l), 0);
	assert_true(listing_listed(&l, T0));
}

static void
test_retraction(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.99", .category = REPUTED__CATEGORY__CATEGORY_PHISHING };
	struct listing l;
	assert_int_equal(report(f, 0, 1, &r), APPLY_OK);
	assert_int_equal(report(f, 1, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.99", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(l.code, 3);
	uint32_t ret[2] = { 1, 0 };
	size_t len;
	uint8_t *sb = seal(f->key[1], 2, NULL, 0, ret, 1, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	assert_int_equal(lookup(f, "192.0.2.99", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_reports, 1);
}

static void
test_prefix_and_parent_lookup(void **state)
{
	struct fixture *f = *state;
	struct rep net = { .subject = "10.1.0.0/16", .category = REPUTED__CATEGORY__CATEGORY_SCANNING };
	struct rep dom = { .subject = "bad.example", .category = REPUTED__CATEGORY__CATEGORY_MALWARE };
	for (int k = 0; k < 2; k++) {
		size_t len;
		struct rep both[2] = { net, dom };
		uint8_t *sb = seal(f->key[k], 1, both, 2, NULL, 0, &len);
		assert_int_equal(apply(f, sb, len), APPLY_OK);
		free(sb);
	}
	struct store_reader *r = store_reader_new(f->st);
	struct listing l;
	uint8_t in[4] = { 10, 1, 200, 3 }, out[4] = { 10, 2, 0, 1 };
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_lookup_addr(r, in, 4, T0, LOOKUP_LISTED, &l), 0);
	assert_int_equal(l.prefix_len, 16);
	assert_int_equal(l.code, 6);
	assert_int_equal(store_lookup_addr(r, out, 4, T0, LOOKUP_LISTED, &l),
	    1);
	assert_int_equal(store_lookup_domain(r, "WWW.Bad.Example.", true, T0,
	    LOOKUP_LISTED, &l), 0);
	assert_int_equal(store_lookup_domain(r, "www.bad.example", false, T0,
	    LOOKUP_LISTED, &l), 1);
	assert_int_equal(store_lookup_domain(r, "notbad.example", true, T0,
	    LOOKUP_LISTED, &l), 1);
	store_reader_end(r);
	store_reader_free(r);
}

struct snapshot {
	size_t n;
	struct { uint8_t key[SUBJECT_KEY_MAX]; size_t klen;
	    struct listing l; } e[64];
};

static int
snap_one(void *arg, const struct subject *s, const struct listing *l)
{
	struct snapshot *sn = arg;
	assert_true(sn->n < 64);
	sn->e[sn->n].klen = subject_key(s, sn->e[sn->n].key);
	sn->e[sn->n].l = *l;
	sn->n++;
	return 0;
}

static void
snapshot(struct fixture *f, struct snapshot *sn)
{
	struct store_reader *r = store_reader_new(f->st);
	memset(sn, 0, sizeof(*sn));
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_each_listing(r, snap_one, sn), 0);
	store_reader_end(r);
	store_reader_free(r);
}

/* rescore from the stored batches gives the same bytes as arrival did. */
static void
test_rescore_is_exact(void **state)
{
	struct fixture *f = *state;
	struct rep r[3] = {
		{ .subject = "192.0.2.10", .category = REPUTED__CATEGORY__CATEGORY_SPAM },
		{ "spam.example", 1, "a@spam.example",
		    REPUTED__AUTH_RESULT__AUTH_NEUTRAL, "192.0.2.11", 0, 0 },
		{ .subject = "192.0.2.10", .category = REPUTED__CATEGORY__CATEGORY_NOT_SPAM },
	};
	for (int k = 0; k < 3; k++)
		for (uint64_t seq = 1; seq <= 3; seq++) {
			size_t len;
			uint32_t ret[2] = { 1, 1 };
			uint8_t *sb = seal(f->key[k], seq, &r[(seq + k) % 3], 1,
			    ret, seq == 3 && k == 1, &len);
			assert_int_equal(apply(f, sb, len), APPLY_OK);
			free(sb);
		}
	struct snapshot before, after;
	char err[160];
	snapshot(f, &before);
	assert_true(before.n >= 3);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	snapshot(f, &after);
	assert_int_equal(before.n, after.n);
	assert_memory_equal(&before, &after, sizeof(before));
}


/* Binds origin k to organisation org_byte (inside a transaction). */
static void
bind_org(struct fixture *f, int k, uint8_t org_byte)
{
	uint8_t pub[32], org[ORG_ID_LEN];
	char err[160];
	struct store_txn *tx = store_begin(f->st, err, sizeof(err));

	assert_non_null(tx);
	signer_public_key(f->key[k], pub);
	memset(org, org_byte, sizeof(org));
	assert_int_equal(store_set_origin_org(tx, pub, org), 0);
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
}

/* An organisation is the unit of trust: two nodes of one organisation
 * never list anything alone; a node of a second one does. */
static void
test_quorum_counts_organisations(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.9", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct listing l;
	struct origin_info oi;
	uint8_t pub[32];

	bind_org(f, 0, 0xa1);
	bind_org(f, 1, 0xa1);
	bind_org(f, 2, 0xb2);
	signer_public_key(f->key[1], pub);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_true(oi.has_org);
	assert_int_equal(oi.org[0], 0xa1);
	assert_int_equal(report(f, 0, 1, &r), APPLY_OK);
	assert_int_equal(report(f, 1, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.9", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_orgs, 1);
	assert_int_equal(l.n_reports, 2);
	assert_int_equal(report(f, 2, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.9", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(l.n_orgs, 2);
}

/* An organisation blocked (or trusted less) by name: every node of it
 * weighs nothing at once, and rescore agrees. */
static void
test_org_setting(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.40", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct listing l;
	struct snapshot before, after;
	uint8_t org[ORG_ID_LEN];
	double trust;
	bool blocked;
	char err[160];

	bind_org(f, 0, 0xa1);
	bind_org(f, 1, 0xb2);
	assert_int_equal(report(f, 0, 1, &r), APPLY_OK);
	assert_int_equal(report(f, 1, 1, &r), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.40", &l), 0);
	assert_true(listing_listed(&l, T0));
	memset(org, 0xb2, sizeof(org));
	assert_int_equal(store_get_org(f->st, org, &trust, &blocked), 1);
	assert_true(trust == 1.0 && !blocked);
	assert_int_equal(store_set_org(f->st, org, 1.0, true, err,
	    sizeof(err)), 0);
	assert_int_equal(store_get_org(f->st, org, &trust, &blocked), 0);
	assert_true(blocked);
	assert_int_equal(lookup(f, "192.0.2.40", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_orgs, 1);
	snapshot(f, &before);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	snapshot(f, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(store_set_org(f->st, org, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(lookup(f, "192.0.2.40", &l), 0);
	assert_true(listing_listed(&l, T0));
}

/* A binding learned after the reports, and a block, rescore at once; and
 * rescore still reproduces every value bit for bit. */
static void
test_late_binding_and_block_rescore(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.20", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct rep q = { .subject = "192.0.2.21", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct listing l;
	struct snapshot before, after;
	uint8_t pub[32];
	char err[160];

	assert_int_equal(report(f, 0, 1, &r), APPLY_OK);
	assert_int_equal(report(f, 1, 1, &r), APPLY_OK);
	assert_int_equal(report(f, 1, 2, &q), APPLY_OK);
	assert_int_equal(report(f, 2, 1, &q), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.20", &l), 0);
	assert_true(listing_listed(&l, T0));
	bind_org(f, 0, 0xa1);
	bind_org(f, 1, 0xa1);		/* learned late: one organisation */
	assert_int_equal(lookup(f, "192.0.2.20", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(lookup(f, "192.0.2.21", &l), 0);
	assert_true(listing_listed(&l, T0));
	/* Blocked by policy: its listings go at once. */
	signer_public_key(f->key[2], pub);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, true, err,
	    sizeof(err)), 0);
	assert_int_equal(lookup(f, "192.0.2.21", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_reports, 1);	/* its report is purged */
	snapshot(f, &before);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	snapshot(f, &after);
	assert_int_equal(before.n, after.n);
	assert_memory_equal(&before, &after, sizeof(before));
	/* Unblocked: its batches fold in again, listed at once. */
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(lookup(f, "192.0.2.21", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(l.n_reports, 2);
	snapshot(f, &before);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	snapshot(f, &after);
	assert_int_equal(before.n, after.n);
	assert_memory_equal(&before, &after, sizeof(before));
}

/* An origin caught equivocating weighs 0 in the listings it made before. */
static void
test_equivocation_unlists(void **state)
{
	struct fixture *f = *state;
	struct rep a = { .subject = "192.0.2.30", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct rep b = { .subject = "192.0.2.31", .category = REPUTED__CATEGORY__CATEGORY_SPAM };
	struct listing l;
	size_t len;

	assert_int_equal(report(f, 0, 1, &a), APPLY_OK);
	assert_int_equal(report(f, 1, 1, &a), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.30", &l), 0);
	assert_true(listing_listed(&l, T0));
	uint8_t *x = seal(f->key[0], 1, &b, 1, NULL, 0, &len);
	assert_int_equal(apply(f, x, len), APPLY_EQUIVOCATION);
	free(x);
	assert_int_equal(lookup(f, "192.0.2.30", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_orgs, 1);
	assert_int_equal(l.n_reports, 1);	/* only the honest origin's */
	/* an operator's unblock (a config without the origin's block)
	 * does not lift a block for equivocation */
	struct origin_info oi;
	uint8_t pub[32];
	char err[160];
	signer_public_key(f->key[0], pub);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_true(oi.blocked);
	assert_int_equal(oi.block, ORIGIN_BLOCK_EQUIVOCATION);
	assert_int_equal(lookup(f, "192.0.2.30", &l), 0);
	assert_int_equal(l.n_reports, 1);
}

/* Seals n spam reports about 192.0.2.(base + i) in one batch made at
 * created_at. */
static uint8_t *
seal_many(struct signer *key, uint64_t seq, uint64_t created_at, int base,
    int n, size_t *len)
{
	struct tl_batch *b = tl_batch_new(seq, created_at, (size_t)n);
	char ip[32];

	assert_non_null(b);
	for (int i = 0; i < n; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", base + i);
		assert_non_null(tl_batch_report(b, ip,
		    REPUTED__CATEGORY__CATEGORY_SPAM, 100, T0));
	}
	uint8_t *sb = tl_batch_seal(b, key, len);
	assert_non_null(sb);
	tl_batch_free(b);
	return sb;
}

/* The quota: the first quota_per_hour reports of an origin per hour of
 * batch time count, the rest are dropped and counted, the same way at
 * every node and in rescore. */
static void
test_quota_per_hour(void **state)
{
	struct fixture *f = *state;
	struct policy p;
	struct origin_info oi;
	struct listing l;
	struct snapshot before, after;
	uint64_t next_hour = (T0 / 3600000 + 1) * 3600000;
	uint8_t pub[32], *sb;
	size_t len;
	char err[160];

	policy_default(&p);
	p.quota_per_hour = 3;
	store_set_policy(f->st, &p);
	signer_public_key(f->key[0], pub);
	sb = seal_many(f->key[0], 1, T0 + 1, 100, 5, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	sb = seal_many(f->key[0], 2, T0 + 2, 110, 2, &len);	/* same hour */
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	sb = seal_many(f->key[0], 3, next_hour, 120, 2, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.quota_dropped, 4);
	assert_int_equal(oi.quota_hour, next_hour / 3600000);
	assert_int_equal(oi.quota_used, 2);
	assert_int_equal(lookup(f, "192.0.2.102", &l), 0);	/* third: kept */
	assert_int_equal(l.n_reports, 1);
	assert_int_equal(lookup(f, "192.0.2.103", &l), 1);	/* fourth: over */
	assert_int_equal(lookup(f, "192.0.2.110", &l), 1);
	assert_int_equal(lookup(f, "192.0.2.121", &l), 0);	/* a new hour */
	snapshot(f, &before);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	snapshot(f, &after);
	assert_int_equal(before.n, 5);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.quota_dropped, 4);
}

/* What a store holds, for comparing two: every listing, and the counts. */
static void
state_of(struct fixture *f, struct snapshot *sn, struct store_stats *ss)
{
	struct store_reader *r = store_reader_new(f->st);
	snapshot(f, sn);
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_sizes(r, ss), 0);
	ss->bytes_on_disk = ss->map_used = ss->map_size = 0;
	store_reader_end(r);
	store_reader_free(r);
}

/*
 * Retention: 3 origins publish 80 batches each over 20 days (a batch
 * every 6 hours, reports with TTLs of 1 to 7 days, observed up to 12
 * hours before their batch, retractions now and then) about 12 subjects.
 * Store A prunes in small steps while batches arrive; store B (the same
 * batches, the same order) only at the end. After a full sweep both hold
 * the same listings, records and index entries; batches were pruned; and
 * a rescore of A from what it kept gives A's listings bit for bit.
 */
static void
test_prune_then_rescore_is_exact(void **state)
{
	struct fixture *f = *state, g;
	static const char *subjects[12] = {
		"192.0.2.1", "192.0.2.2", "192.0.2.0/24", "198.51.100.7",
		"2001:db8::1", "2001:db8::/48", "a.example", "b.example",
		"mail.a.example", "c.example", "198.51.100.0/30", "192.0.2.9",
	};
	struct store_prune pa = { 0 }, pb;
	char err[160], db[TL_PATH_MAX];
	uint32_t rng = 7;
	memset(&g, 0, sizeof(g));
	tl_path(db, sizeof(db), f->dir, "db2");
	assert_non_null(g.st = tl_store_open(db, 0, 1 << 26));
	g.ver = f->ver;
	for (uint64_t seq = 1; seq <= 80; seq++)
		for (int k = 0; k < 3; k++) {
			struct rep r[4];
			uint32_t ret[2];
			size_t n = 1 + (rng = rng * 1103515245u + 12345u) %
			    4, len;
			seal_created = T0 + seq * 6 * 3600000ull + (uint64_t)k;
			for (size_t i = 0; i < n; i++) {
				rng = rng * 1103515245u + 12345u;
				memset(&r[i], 0, sizeof(r[i]));
				r[i].subject = subjects[(rng >> 8) % 12];
				r[i].category = (rng >> 12) % 5 == 0 ?
				    REPUTED__CATEGORY__CATEGORY_NOT_SPAM :
				    REPUTED__CATEGORY__CATEGORY_SPAM;
				r[i].ttl = 86400 * (1 + (rng >> 16) % 7);
				r[i].observed = seal_created -
				    (rng >> 4) % (12 * 3600000u);
				if (r[i].subject[1] == '.') {
					r[i].mail_from = "x@a.example";
					r[i].spf = REPUTED__AUTH_RESULT__AUTH_PASS;
					r[i].client_ip = "203.0.113.5";
				}
			}
			ret[0] = (uint32_t)(seq > 3 ? seq - 3 : seq);
			ret[1] = 0;
			uint8_t *sb = seal(f->key[k], seq, r, n, ret,
			    seq % 7 == 0, &len);
			assert_int_equal(apply(f, sb, len), APPLY_OK);
			assert_int_equal(apply(&g, sb, len), APPLY_OK);
			free(sb);
			assert_true(store_prune_step(f->st, &pa, 3, err,
			    sizeof(err)) >= 0);
		}
	seal_created = 0;
	assert_true(pa.sweeps > 0);
	assert_int_equal(store_prune_all(f->st, &pa, err, sizeof(err)), 0);
	assert_int_equal(store_prune_all(g.st, &pb, err, sizeof(err)), 0);
	struct snapshot sa, sb, sr;
	struct store_stats ta, tb, tr;
	state_of(f, &sa, &ta);
	state_of(&g, &sb, &tb);
	assert_true(sa.n > 3);
	assert_int_equal(sa.n, sb.n);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	assert_memory_equal(&ta, &tb, sizeof(ta));
	/* pruned: 240 batches applied, far fewer kept; every origin keeps
	 * at least its latest */
	assert_true(ta.batches < 120 && ta.batches >= 3);
	assert_int_equal(ta.pending, 0);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	state_of(f, &sr, &tr);
	assert_memory_equal(&sa, &sr, sizeof(sa));
	assert_memory_equal(&ta, &tr, sizeof(ta));
	/* a second full sweep finds nothing more to do */
	assert_int_equal(store_prune_all(f->st, &pa, err, sizeof(err)), 0);
	assert_int_equal(pa.refolded + pa.batches_pruned, 0);
	store_close(g.st);
}

/* A sweep ends even when every batch is larger than a step's budget
 * and still counts (it once went round the same origin for ever). */
static void
test_prune_sweep_ends(void **state)
{
	struct fixture *f = *state;
	struct rep r[16];
	struct store_prune p = { 0 };
	char err[160], name[16][16];
	for (int i = 0; i < 16; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		snprintf(name[i], sizeof(name[i]), "192.0.2.%d", i + 1);
		r[i].subject = name[i];
		r[i].category = REPUTED__CATEGORY__CATEGORY_SPAM;
	}
	for (uint64_t seq = 1; seq <= 3; seq++) {
		size_t len;
		uint8_t *sb = seal(f->key[0], seq, r, 16, NULL, 0, &len);
		assert_int_equal(apply(f, sb, len), APPLY_OK);
		free(sb);
	}
	int rc = 0, steps = 0;
	while (rc == 0 && steps++ < 1000)
		rc = store_prune_step(f->st, &p, 4, err, sizeof(err));
	assert_int_equal(rc, 1);
	assert_int_equal(p.batches_pruned, 0);
}

/* Applies n reports of one origin made at created_at (short TTLs when
 * ttl is set) as batch seq. */
static void
apply_reps(struct fixture *f, int k, uint64_t seq, uint64_t created_at,
    const struct rep *r, size_t n, const uint32_t *ret, size_t nret)
{
	size_t len;
	seal_created = created_at;
	uint8_t *sb = seal(f->key[k], seq, r, n, ret, nret, &len);
	seal_created = 0;
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
}

/* Rescore reproduces the store's listings and counts bit for bit. */
static void
assert_rescore_exact(struct fixture *f)
{
	struct snapshot before, after;
	struct store_stats sb, sa;
	char err[160];
	state_of(f, &before, &sb);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	state_of(f, &after, &sa);
	assert_int_equal(before.n, after.n);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_memory_equal(&sb, &sa, sizeof(sb));
}

/* The floor of origin k's batches (batches 1..floor are pruned). */
static uint64_t
store_floor_of(struct fixture *f, int k)
{
	struct store_reader *r = store_reader_new(f->st);
	uint8_t pub[32];

	signer_public_key(f->key[k], pub);
	assert_int_equal(store_reader_begin(r), 0);
	uint64_t floor = store_floor(r, pub);
	store_reader_end(r);
	store_reader_free(r);
	return floor;
}

/* Live ceiling 5 (and no other limit that binds), for origin 0. */
static void
live_policy(struct fixture *f)
{
	struct policy p;

	policy_default(&p);
	p.live_ceiling = 5;
	store_set_policy(f->st, &p);
}

static void
origin_live(struct fixture *f, int k, uint64_t live, uint64_t dropped)
{
	struct origin_info oi;
	uint8_t pub[32];

	signer_public_key(f->key[k], pub);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.live, live);
	assert_int_equal(oi.live_dropped, dropped);
}

/* A full prune sweep, then rescore must give the same state. */
static void
prune_all_then_rescore(struct fixture *f)
{
	struct store_prune p = { 0 };
	char err[160];
	int rc = 0, steps = 0;

	while (rc == 0 && steps++ < 1000)
		rc = store_prune_step(f->st, &p, 4, err, sizeof(err));
	assert_int_equal(rc, 1);
	assert_rescore_exact(f);
}

/*
 * The live ceiling: at most live_ceiling reports of an origin count at
 * once, a report counting until the day of batch time it expires in.
 * Origin 0 (ceiling 5): 4 reports, then 3 (1 kept, 2 dropped); eight
 * days later the first ones have expired and 3 new ones count; 6 reports
 * that expire within the day pass and count nowhere; then 3 more (2
 * kept). Rescore after a full prune (which takes the expired batches
 * below the floor) reproduces it.
 */
static void
test_live_ceiling(void **state)
{
	struct fixture *f = *state;
	struct listing l;
	const uint64_t day = 86400000ull;
	const uint64_t t3 = (T0 / day + 8) * day + 3600000;
	struct rep fresh[6], brief[6];
	char ip[6][32], ip2[6][32];
	uint8_t *sb;
	size_t len;

	live_policy(f);
	sb = seal_many(f->key[0], 1, T0 + 1, 100, 4, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	sb = seal_many(f->key[0], 2, T0 + 2, 110, 3, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	origin_live(f, 0, 5, 2);
	assert_int_equal(lookup(f, "192.0.2.110", &l), 0);
	assert_int_equal(lookup(f, "192.0.2.111", &l), 1);	/* dropped */
	for (int i = 0; i < 6; i++) {
		snprintf(ip[i], sizeof(ip[i]), "198.51.100.%d", i + 1);
		fresh[i] = (struct rep){ .subject = ip[i], .category = 1,
		    .observed = t3 };
		snprintf(ip2[i], sizeof(ip2[i]), "198.51.100.%d", i + 11);
		brief[i] = fresh[i];
		brief[i].subject = ip2[i];
		brief[i].ttl = 60;
	}
	apply_reps(f, 0, 3, t3, fresh, 3, NULL, 0);
	origin_live(f, 0, 3, 2);		/* the first 5 expired */
	apply_reps(f, 0, 4, t3 + 1, brief, 6, NULL, 0);
	origin_live(f, 0, 3, 2);		/* within the day: not counted */
	apply_reps(f, 0, 5, t3 + 2, fresh + 3, 3, NULL, 0);
	origin_live(f, 0, 5, 3);
	assert_int_equal(lookup(f, "198.51.100.5", &l), 0);
	assert_int_equal(lookup(f, "198.51.100.6", &l), 1);
	prune_all_then_rescore(f);	/* the first two batches expired */
	origin_live(f, 0, 5, 3);
	assert_int_equal(store_floor_of(f, 0), 2);
}

/*
 * The ring's edge: with max-ttl 200 days, a report that lives 200 days
 * counts for the ring's 127 days ahead, not 200 (it leaves the count
 * early, as documented). At ceiling 1, a report 126 days later is
 * dropped; one 127 days later, when it has left, is kept.
 */
static void
test_live_ceiling_ring_edge(void **state)
{
	struct fixture *f = *state;
	const uint64_t day = 86400000ull, t0 = (T0 / day) * day + 3600000;
	struct rep longest = { .subject = "192.0.2.200", .category = 1,
	    .observed = t0, .ttl = 200 * 86400 };
	struct rep at126 = { .subject = "192.0.2.201", .category = 1,
	    .observed = t0 + 126 * day };
	struct rep at127 = { .subject = "192.0.2.202", .category = 1,
	    .observed = t0 + 127 * day };
	struct policy p;
	struct listing l;

	policy_default(&p);
	p.live_ceiling = 1;
	p.max_ttl_s = 200 * 86400;
	store_set_policy(f->st, &p);
	apply_reps(f, 0, 1, t0, &longest, 1, NULL, 0);
	origin_live(f, 0, 1, 0);
	apply_reps(f, 0, 2, t0 + 126 * day, &at126, 1, NULL, 0);
	origin_live(f, 0, 1, 1);		/* still counted: dropped */
	apply_reps(f, 0, 3, t0 + 127 * day, &at127, 1, NULL, 0);
	origin_live(f, 0, 1, 1);		/* the first left at 127 */
	assert_int_equal(lookup(f, "192.0.2.201", &l), 1);
	assert_int_equal(lookup(f, "192.0.2.202", &l), 0);
	assert_int_equal(lookup(f, "192.0.2.200", &l), 0);	/* it lives */
	prune_all_then_rescore(f);
	origin_live(f, 0, 1, 1);
}

/*
 * Retracted reports still count against the ceiling until they expire
 * (what counts is decided from the batches in order, never from what a
 * later batch takes back). A batch all of whose reports were retracted is
 * pruned below the floor, and the floor keeps the counts it left: after
 * the prune a rescore still drops batch 3's reports.
 */
static void
test_live_ceiling_floor(void **state)
{
	struct fixture *f = *state;
	struct listing l;
	const uint32_t ret[8] = { 1, 0, 1, 1, 1, 2, 1, 3 };
	struct rep one = { .subject = "203.0.113.9", .category = 1 };
	uint8_t *sb;
	size_t len;

	live_policy(f);
	sb = seal_many(f->key[0], 1, T0 + 1, 100, 4, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	apply_reps(f, 0, 2, T0 + 2, &one, 1, ret, 4);
	assert_int_equal(lookup(f, "192.0.2.100", &l), 1);	/* retracted */
	origin_live(f, 0, 5, 0);
	sb = seal_many(f->key[0], 3, T0 + 3, 120, 3, &len);
	assert_int_equal(apply(f, sb, len), APPLY_OK);
	free(sb);
	origin_live(f, 0, 5, 3);
	assert_int_equal(lookup(f, "192.0.2.120", &l), 1);
	assert_int_equal(store_floor_of(f, 0), 0);
	prune_all_then_rescore(f);
	assert_int_equal(store_floor_of(f, 0), 1);	/* batch 1 went */
	origin_live(f, 0, 5, 3);
	assert_int_equal(lookup(f, "192.0.2.120", &l), 1);
	assert_int_equal(lookup(f, "203.0.113.9", &l), 0);
}

/* Seals batch seq of origin k made at created_at and applies it to two
 * stores; both must answer `want`. */
static void
apply_both(struct fixture *f, struct fixture *g, int k, uint64_t seq,
    uint64_t created_at, const struct rep *r, size_t n, const uint32_t *ret,
    size_t nret, enum apply_status want)
{
	size_t len;
	seal_created = created_at;
	uint8_t *sb = seal(f->key[k], seq, r, n, ret, nret, &len);
	seal_created = 0;
	assert_int_equal(apply(f, sb, len), want);
	assert_int_equal(apply(g, sb, len), want);
	free(sb);
}

/*
 * The sequence envelope_fuzz found ("rescore changed the number of
 * listings", issue 13), and batch_fuzz's variant with a second origin
 * ("rescore changed a listing"). Origin 0: batch 1 (three addresses),
 * batch 3 (pending), batch 2 (applied, then 3 after it), then batch 4,
 * made a year later, retracting report 0 of batch 1. Batch 4 moves the
 * origin's clock past the expiry of every report it made before. Arrival
 * refolds only the records a batch touches (here the one the retraction
 * names); the others keep their expired reports until the pruner finds
 * them, whereas rescore refolds them all at once. So rescore equals
 * arrival followed by a full prune sweep (reputation.h), and the fuzz
 * harness, which compared it with arrival alone, now prunes first.
 */
static void
test_clock_jump_prune_then_rescore(void **state)
{
	struct fixture *f = *state, g;
	const uint64_t t1 = T0 + 60000, year = 365 * 86400000ull;
	struct rep b1[3] = {
		{ .subject = "192.0.2.1", .category = 1 },
		{ .subject = "198.51.100.7", .category = 5 },
		{ .subject = "203.0.113.0/24", .category = 4 },
	}, b1_other = { .subject = "198.51.100.7", .category = 1,
	    .ttl = 90 * 86400 };
	struct rep b2[2] = {
		{ "example.com", 1, "bob@example.com",
		    REPUTED__AUTH_RESULT__AUTH_PASS, "192.0.2.1", 0, 3 * 86400 },
		{ .subject = "phish.example.net", .category = 2,
		    .ttl = 3 * 86400 },
	};
	struct rep b3[3] = {
		{ .subject = "2001:db8::/32", .category = 7 },
		{ .subject = "2001:db8::", .category = 3 },
		{ .subject = "::ffff:192.0.2.99", .category = 9,
		    .ttl = 86400 },
	};
	uint32_t ret[2] = { 1, 0 };
	struct snapshot arrived, pruned, rescored;
	struct store_prune p;
	struct listing l;
	char err[160], db[TL_PATH_MAX];

	memset(&g, 0, sizeof(g));
	tl_path(db, sizeof(db), f->dir, "db2");
	assert_non_null(g.st = tl_store_open(db, 0, 1 << 26));
	g.ver = f->ver;
	apply_both(f, &g, 0, 1, t1, b1, 3, NULL, 0, APPLY_OK);
	apply_both(f, &g, 1, 1, t1, &b1_other, 1, NULL, 0, APPLY_OK);
	apply_both(f, &g, 0, 3, t1 + 120000, b3, 3, NULL, 0, APPLY_PENDING);
	apply_both(f, &g, 0, 2, t1 + 60000, b2, 2, NULL, 0, APPLY_OK);
	apply_both(f, &g, 0, 4, t1 + year, NULL, 0, ret, 1, APPLY_OK);

	/* What arrival left: the retracted report's record refolded at the
	 * new clock (192.0.2.1's other report, from batch 2, expired with
	 * it), the records batch 4 did not touch still holding expired
	 * reports. */
	snapshot(f, &arrived);
	assert_int_equal(lookup(f, "192.0.2.1", &l), 1);
	assert_int_equal(lookup(f, "203.0.113.0/24", &l), 0);
	assert_int_equal(lookup(f, "198.51.100.7", &l), 0);
	assert_int_equal(l.n_reports, 2);

	/* A full sweep refolds them: only origin 1's report is left. */
	assert_int_equal(store_prune_all(f->st, &p, err, sizeof(err)), 0);
	assert_true(p.refolded > 0);
	snapshot(f, &pruned);
	assert_int_equal(pruned.n, 1);
	assert_int_equal(lookup(f, "198.51.100.7", &l), 0);
	assert_int_equal(l.n_reports, 1);
	assert_true(arrived.n > pruned.n);

	/* Rescore of the store that never pruned gives the pruned listings
	 * bit for bit; so does rescore of the pruned one (from its floor),
	 * with the same counts. */
	assert_int_equal(store_rescore(g.st, err, sizeof(err)), 0);
	snapshot(&g, &rescored);
	assert_int_equal(rescored.n, pruned.n);
	assert_memory_equal(&rescored, &pruned, sizeof(pruned));
	assert_rescore_exact(f);
	store_close(g.st);
}

/*
 * An origin unblocked after its floor moved folds its kept batches in
 * again with the quota counters its floor left (as rescore does), not
 * from zero: the reports of the pruned batch 1 used 2 of the hour's 3.
 */
static void
test_unblock_after_prune_keeps_quota(void **state)
{
	struct fixture *f = *state;
	struct rep early[2] = {
		{ .subject = "192.0.2.101", .category = 1, .ttl = 60 },
		{ .subject = "192.0.2.102", .category = 1, .ttl = 60 },
	};
	struct rep late[3] = {
		{ .subject = "192.0.2.111", .category = 1 },
		{ .subject = "192.0.2.112", .category = 1 },
		{ .subject = "192.0.2.121", .category = 1 },
	};
	struct store_prune p;
	struct listing l;
	struct policy pol;
	uint8_t pub[32];
	char err[160];

	policy_default(&pol);
	pol.quota_per_hour = 3;
	store_set_policy(f->st, &pol);
	signer_public_key(f->key[0], pub);
	apply_reps(f, 0, 1, T0 + 1, early, 2, NULL, 0);
	apply_reps(f, 0, 2, T0 + 120000, late, 2, NULL, 0); /* 1 over */
	apply_reps(f, 0, 3, T0 + 130000, late + 2, 1, NULL, 0); /* over */
	assert_int_equal(lookup(f, "192.0.2.112", &l), 1);
	assert_int_equal(store_prune_all(f->st, &p, err, sizeof(err)), 0);
	assert_int_equal(p.batches_pruned, 1);	/* batch 1: expired */
	assert_rescore_exact(f);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, true, err,
	    sizeof(err)), 0);
	assert_int_equal(lookup(f, "192.0.2.111", &l), 1);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(lookup(f, "192.0.2.111", &l), 0);
	assert_int_equal(lookup(f, "192.0.2.112", &l), 1);	/* still over */
	assert_int_equal(lookup(f, "192.0.2.121", &l), 1);
	assert_rescore_exact(f);
}

/*
 * A blocked origin's batches stay while it is blocked: its index entries
 * were purged, not expired, so the pruner must not take that for "counts
 * no more". Unblocked, store F (blocked for a while, pruned meanwhile)
 * holds what store G (never blocked, pruned too) holds.
 */
static void
test_prune_keeps_blocked_batches(void **state)
{
	struct fixture *f = *state, g;
	struct rep r[3] = {
		{ .subject = "192.0.2.61", .category = 1 },
		{ .subject = "192.0.2.62", .category = 1 },
		{ .subject = "192.0.2.63", .category = 1 },
	};
	struct store_prune p;
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	char err[160], db[TL_PATH_MAX];
	uint8_t pub[32];

	memset(&g, 0, sizeof(g));
	tl_path(db, sizeof(db), f->dir, "db2");
	assert_non_null(g.st = tl_store_open(db, 0, 1 << 26));
	g.ver = f->ver;
	memcpy(g.key, f->key, sizeof(g.key));
	for (uint64_t seq = 1; seq <= 3; seq++)
		for (int k = 0; k < 2; k++) {
			apply_reps(f, k, seq, T0 + seq, &r[seq - 1], 1, NULL,
			    0);
			apply_reps(&g, k, seq, T0 + seq, &r[seq - 1], 1, NULL,
			    0);
		}
	signer_public_key(f->key[0], pub);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, true, err,
	    sizeof(err)), 0);
	assert_int_equal(store_prune_all(f->st, &p, err, sizeof(err)), 0);
	assert_int_equal(p.batches_pruned, 0);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(store_prune_all(f->st, &p, err, sizeof(err)), 0);
	assert_int_equal(store_prune_all(g.st, &p, err, sizeof(err)), 0);
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(sf.n, 3);
	assert_int_equal(sf.n, sg.n);
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_memory_equal(&tf, &tg, sizeof(tf));
	assert_rescore_exact(f);
	store_close(g.st);
}

/* Takes batches 1..floor of origin k as pruned elsewhere (a Pruned
 * frame). */
static enum apply_status
skip_pruned(struct fixture *f, int k, uint64_t floor)
{
	uint8_t pub[32];
	char err[160];
	struct store_txn *tx = store_begin(f->st, err, sizeof(err));
	assert_non_null(tx);
	signer_public_key(f->key[k], pub);
	enum apply_status s = store_skip_pruned(tx, pub, floor, err,
	    sizeof(err));
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	return s;
}

/*
 * A node that applied batch 1 and then hears that batches 1..2 were
 * pruned (batch 2 retracted batch 1's report, so none of them counts at
 * the pruner) drops what batch 1 contributed, and keeps the quota
 * counters batch 1 left (a quota of 1 an hour: batch 3 is over it): it
 * ends where the pruner is, and where its own rescore (which replays from
 * the floor) puts it.
 */
static void
test_skip_pruned_drops_their_reports(void **state)
{
	struct fixture *f = *state, g;
	struct rep r[2] = {
		{ .subject = "192.0.2.71", .category = 1 },
		{ .subject = "192.0.2.72", .category = 1 },
	};
	uint32_t ret[2] = { 1, 0 };
	struct store_prune p;
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	struct listing l;
	struct policy pol;
	char err[160], db[TL_PATH_MAX];

	memset(&g, 0, sizeof(g));
	tl_path(db, sizeof(db), f->dir, "db2");
	assert_non_null(g.st = tl_store_open(db, 0, 1 << 26));
	g.ver = f->ver;
	memcpy(g.key, f->key, sizeof(g.key));
	policy_default(&pol);
	pol.quota_per_hour = 1;
	store_set_policy(f->st, &pol);
	store_set_policy(g.st, &pol);
	apply_reps(f, 1, 1, T0 + 1, &r[1], 1, NULL, 0);
	apply_reps(&g, 1, 1, T0 + 1, &r[1], 1, NULL, 0);
	apply_reps(f, 0, 1, T0 + 1, &r[0], 1, NULL, 0);
	apply_reps(&g, 0, 1, T0 + 1, &r[0], 1, NULL, 0);
	apply_reps(f, 0, 2, T0 + 2, NULL, 0, ret, 1);
	apply_reps(f, 0, 3, T0 + 3, &r[1], 1, NULL, 0);
	assert_int_equal(store_prune_all(f->st, &p, err, sizeof(err)), 0);
	assert_int_equal(p.batches_pruned, 2);
	assert_int_equal(skip_pruned(&g, 0, 2), APPLY_OK);
	assert_int_equal(lookup(&g, "192.0.2.71", &l), 1);
	apply_reps(&g, 0, 3, T0 + 3, &r[1], 1, NULL, 0);
	assert_int_equal(lookup(&g, "192.0.2.72", &l), 0);
	assert_int_equal(l.n_reports, 1);	/* batch 3's: over the quota */
	assert_int_equal(store_prune_all(g.st, &p, err, sizeof(err)), 0);
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(sf.n, 1);
	assert_int_equal(sf.n, sg.n);
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_memory_equal(&tf, &tg, sizeof(tf));
	assert_rescore_exact(&g);
	store_close(g.st);
}

/* A blocked origin keeps the clock and quota counters its applied
 * batches left, in rescore too (the quota_dropped sum is in the stats). */
static void
test_rescore_counts_blocked_origin(void **state)
{
	struct fixture *f = *state;
	struct rep r[2] = {
		{ .subject = "192.0.2.81", .category = 1 },
		{ .subject = "192.0.2.82", .category = 1 },
	};
	struct policy pol;
	uint8_t pub[32];
	char err[160];

	policy_default(&pol);
	pol.quota_per_hour = 1;
	store_set_policy(f->st, &pol);
	apply_reps(f, 0, 1, T0 + 1, r, 2, NULL, 0);	/* one over */
	apply_reps(f, 1, 1, T0 + 1, r, 1, NULL, 0);
	signer_public_key(f->key[0], pub);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, true, err,
	    sizeof(err)), 0);
	assert_rescore_exact(f);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_rescore_exact(f);
}

/* A second store in f's directory with f's keys and verifier, and f's
 * policy. */
static void
second_store(struct fixture *f, struct fixture *g)
{
	char db[TL_PATH_MAX];

	memset(g, 0, sizeof(*g));
	tl_path(db, sizeof(db), f->dir, "db2");
	assert_non_null(g->st = tl_store_open(db, 0, 1 << 26));
	g->ver = f->ver;
	memcpy(g->key, f->key, sizeof(g->key));
	store_set_policy(g->st, store_policy(f->st));
}

/* Batch seq of origin k: n spam reports about 192.0.2.(base + i), made
 * at created_at. */
static enum apply_status
flood_batch(struct fixture *f, int k, uint64_t seq, uint64_t created_at,
    int base, int n)
{
	size_t len;
	uint8_t *sb = seal_many(f->key[k], seq, created_at, base, n, &len);
	enum apply_status s = apply(f, sb, len);
	free(sb);
	return s;
}

/* What the store says of origin k's share of its organisation. */
static void
origin_share(struct fixture *f, int k, uint64_t members, uint64_t quota,
    uint64_t dropped)
{
	struct origin_info oi;
	uint8_t pub[32];

	signer_public_key(f->key[k], pub);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.org_members, members);
	assert_int_equal(oi.quota_limit, quota);
	assert_int_equal(oi.quota_dropped, dropped);
}

/* Two stores hold the same listings, counts and origin records. */
static void
assert_same_stores(struct fixture *f, struct fixture *g)
{
	struct snapshot a, b;
	struct store_stats sa, sb;

	state_of(f, &a, &sa);
	state_of(g, &b, &sb);
	assert_int_equal(a.n, b.n);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_memory_equal(&sa, &sb, sizeof(sa));
	for (int k = 0; k < 3; k++) {
		struct origin_info x, y;
		uint8_t pub[32];
		signer_public_key(f->key[k], pub);
		assert_int_equal(store_get_origin(f->st, pub, &x), 0);
		assert_int_equal(store_get_origin(g->st, pub, &y), 0);
		assert_true(x.quota_dropped == y.quota_dropped &&
		    x.quota_used == y.quota_used && x.live == y.live &&
		    x.org_members == y.org_members &&
		    x.quota_limit == y.quota_limit && x.block == y.block);
	}
}

/*
 * The per-organisation quota: 6 reports an hour for an organisation, split
 * evenly over its nodes, never more than an origin's own 5. Store f knows
 * origins 0 and 1 as organisation A (3 each) and takes 5 reports of each
 * and of origin 2 (its own organisation: 5); then it learns that origin 2
 * is A's too, and all three are folded again with 2 each. Store g knew
 * all three bindings first and gets the batches in another order: both
 * end alike, and rescore reproduces f.
 */
static void
test_org_quota(void **state)
{
	struct fixture *f = *state, g;
	struct policy p;
	struct listing l;

	policy_default(&p);
	p.quota_per_hour = 5;
	p.quota_per_org_hour = 6;
	store_set_policy(f->st, &p);
	second_store(f, &g);
	bind_org(f, 0, 0xa1);
	bind_org(f, 1, 0xa1);
	for (int k = 0; k < 3; k++)
		assert_int_equal(flood_batch(f, k, 1, T0 + 1, 100 + 10 * k, 5),
		    APPLY_OK);
	origin_share(f, 0, 2, 3, 2);
	origin_share(f, 2, 1, 5, 0);
	assert_int_equal(lookup(f, "192.0.2.122", &l), 0);
	assert_int_equal(lookup(f, "192.0.2.103", &l), 1);	/* over 3 */
	bind_org(f, 2, 0xa1);		/* learned late: all three refold */
	for (int k = 0; k < 3; k++)
		origin_share(f, k, 3, 2, 3);
	assert_int_equal(lookup(f, "192.0.2.101", &l), 0);
	assert_int_equal(lookup(f, "192.0.2.102", &l), 1);	/* over 2 */
	assert_int_equal(lookup(f, "192.0.2.122", &l), 1);
	for (int k = 0; k < 3; k++)
		bind_org(&g, k, 0xa1);
	for (int k = 2; k >= 0; k--)
		assert_int_equal(flood_batch(&g, k, 1, T0 + 1,
		    100 + 10 * k, 5), APPLY_OK);
	assert_same_stores(f, &g);
	assert_rescore_exact(f);
	assert_same_stores(f, &g);
	store_close(g.st);
}

/* Whether batch seq of origin k is stored. */
static bool
batch_stored(struct fixture *f, int k, uint64_t seq)
{
	struct store_reader *r = store_reader_new(f->st);
	const uint8_t *data;
	uint8_t pub[32];
	size_t len;

	signer_public_key(f->key[k], pub);
	assert_int_equal(store_reader_begin(r), 0);
	int rc = store_get_batch(r, pub, seq, &data, &len);
	store_reader_end(r);
	store_reader_free(r);
	return rc == 0;
}

/* Quota 3 an hour, flood line at 2 x 3 = 6 reports dropped in one hour.
 * The honest origin 1 reports 192.0.2.100 too. */
static void
flood_policy(struct fixture *f, uint32_t factor)
{
	struct policy p;

	policy_default(&p);
	p.quota_per_hour = 3;
	p.quota_block_factor = factor;
	store_set_policy(f->st, &p);
}

/*
 * The flood block. Origin 0 sends 5 + 3 + 2 reports in one hour with a
 * quota of 3 (batch 4 arrives early): after batch 3, 7 are dropped, past
 * the line of 6, so it is blocked at batch 3, the same at every node,
 * from the signed batches alone. Batch 4 (stored early) goes, later
 * batches are refused and not stored, everything it contributed is
 * purged (192.0.2.100, which the honest origin 1 reported too, is no
 * longer listed), an operator's unblock does not lift it, rescore
 * reproduces it bit for bit, and a store that gets the same batches in
 * another order (as catch-up brings them) ends in the same state.
 */
static void
test_flood_block(void **state)
{
	struct fixture *f = *state, g;
	struct origin_info oi;
	struct listing l;
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	uint8_t pub[32];
	char err[160];

	flood_policy(f, 2);
	second_store(f, &g);
	signer_public_key(f->key[0], pub);
	assert_int_equal(flood_batch(f, 1, 1, T0, 100, 1), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 1, T0 + 1, 100, 5), APPLY_OK);
	assert_int_equal(lookup(f, "192.0.2.100", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_int_equal(flood_batch(f, 0, 2, T0 + 2, 110, 3), APPLY_OK);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);	/* 5 dropped: under the line */
	assert_int_equal(flood_batch(f, 0, 4, T0 + 4, 130, 1),
	    APPLY_PENDING);
	assert_int_equal(flood_batch(f, 0, 3, T0 + 3, 120, 2), APPLY_FLOOD);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_true(oi.blocked);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 3);
	assert_int_equal(oi.quota_hour_dropped, 7);
	assert_true(batch_stored(f, 0, 3));
	assert_false(batch_stored(f, 0, 4));	/* came early: gone */
	/* its contributions are purged and its subjects rescored */
	assert_int_equal(lookup(f, "192.0.2.100", &l), 0);
	assert_false(listing_listed(&l, T0));
	assert_int_equal(l.n_reports, 1);	/* only the honest origin's */
	assert_int_equal(lookup(f, "192.0.2.101", &l), 1);
	/* later seqs are refused, not stored */
	assert_int_equal(flood_batch(f, 0, 4, T0 + 4, 130, 1), APPLY_BLOCKED);
	assert_int_equal(flood_batch(f, 0, 5, T0 + 5, 140, 1), APPLY_BLOCKED);
	assert_false(batch_stored(f, 0, 4));
	assert_false(batch_stored(f, 0, 5));
	/* the operator's unblock is its own bit only */
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, true, err,
	    sizeof(err)), 0);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD | ORIGIN_BLOCK_POLICY);
	assert_int_equal(store_set_origin(f->st, pub, 1.0, false, err,
	    sizeof(err)), 0);
	/* rescore finds the same line at the same batch */
	assert_rescore_exact(f);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 3);
	/* another node, another order, the same end */
	assert_int_equal(flood_batch(&g, 0, 3, T0 + 3, 120, 2),
	    APPLY_PENDING);
	assert_int_equal(flood_batch(&g, 0, 2, T0 + 2, 110, 3),
	    APPLY_PENDING);
	assert_int_equal(flood_batch(&g, 1, 1, T0, 100, 1), APPLY_OK);
	assert_int_equal(flood_batch(&g, 0, 1, T0 + 1, 100, 5), APPLY_FLOOD);
	assert_int_equal(flood_batch(&g, 0, 4, T0 + 4, 130, 1),
	    APPLY_BLOCKED);
	/* retention keeps a blocked origin's batches: a late joiner
	 * replays them to find the line */
	struct store_prune pr;
	assert_int_equal(store_prune_all(f->st, &pr, err, sizeof(err)), 0);
	assert_int_equal(store_prune_all(g.st, &pr, err, sizeof(err)), 0);
	assert_true(batch_stored(f, 0, 1) && batch_stored(&g, 0, 1));
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(sf.n, 1);
	assert_int_equal(tf.batches, 4);
	assert_int_equal(tf.pending, 0);
	assert_int_equal(tf.blocked_flood, 1);
	assert_int_equal(tf.quota_dropped, 7);
	assert_int_equal(sf.n, sg.n);
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_memory_equal(&tf, &tg, sizeof(tf));
	assert_rescore_exact(&g);
	store_close(g.st);
}

/*
 * Factor 0: the same flood is held to its quota and never blocked. Then
 * the policy changes to factor 2 and a rescore finds the line at batch 2
 * (folding, then purging, as arrival does): batch 3 goes, and the store
 * equals one that had factor 2 all along. Back at factor 0, a rescore
 * cannot bring batch 3 back (it is gone) but unblocks the origin.
 */
static void
test_flood_factor_zero(void **state)
{
	struct fixture *f = *state, g;
	struct origin_info oi;
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	struct listing l;
	uint8_t pub[32];
	char err[160];

	flood_policy(f, 0);
	signer_public_key(f->key[0], pub);
	assert_int_equal(flood_batch(f, 1, 1, T0, 100, 1), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 1, T0 + 1, 100, 5), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 2, T0 + 2, 110, 30), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 3, T0 + 3, 150, 2), APPLY_OK);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);
	assert_int_equal(oi.quota_dropped, 34);
	assert_true(batch_stored(f, 0, 3));
	assert_rescore_exact(f);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);
	assert_int_equal(lookup(f, "192.0.2.100", &l), 0);
	assert_true(listing_listed(&l, T0));
	/* the line drawn later, by a policy change and its rescore */
	flood_policy(f, 2);
	second_store(f, &g);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 2);
	assert_false(batch_stored(f, 0, 3));
	assert_int_equal(flood_batch(&g, 1, 1, T0, 100, 1), APPLY_OK);
	assert_int_equal(flood_batch(&g, 0, 1, T0 + 1, 100, 5), APPLY_OK);
	assert_int_equal(flood_batch(&g, 0, 2, T0 + 2, 110, 30), APPLY_FLOOD);
	assert_int_equal(flood_batch(&g, 0, 3, T0 + 3, 150, 2),
	    APPLY_BLOCKED);
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(sf.n, 1);
	assert_false(listing_listed(&sf.e[0].l, T0));
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_memory_equal(&tf, &tg, sizeof(tf));
	assert_rescore_exact(f);
	flood_policy(f, 0);
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);
	assert_int_equal(lookup(f, "192.0.2.100", &l), 0);
	assert_true(listing_listed(&l, T0));
	store_close(g.st);
}

/* Below the line: 5 dropped in one hour and 5 in the next (the count is
 * per hour of batch time) never reach 6; the origin keeps its quota of
 * 3 an hour. */
static void
test_flood_below_line(void **state)
{
	struct fixture *f = *state;
	struct origin_info oi;
	struct listing l;
	uint64_t next_hour = (T0 / 3600000 + 1) * 3600000;
	uint8_t pub[32];

	flood_policy(f, 2);
	signer_public_key(f->key[0], pub);
	assert_int_equal(flood_batch(f, 1, 1, T0, 150, 1), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 1, T0 + 1, 100, 8), APPLY_OK);
	assert_int_equal(flood_batch(f, 0, 2, next_hour, 150, 8), APPLY_OK);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);
	assert_int_equal(oi.quota_dropped, 10);
	assert_int_equal(oi.quota_hour_dropped, 5);
	assert_int_equal(lookup(f, "192.0.2.150", &l), 0);
	assert_true(listing_listed(&l, T0));
	assert_rescore_exact(f);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_false(oi.blocked);
}

/*
 * The flood line at random: 3 origins, 14 batches each of 1 to 6 reports
 * about 8 shared addresses, made in hours that sometimes move on (origin
 * 2: every batch, so it never reaches the line), with a quota of 3 an
 * hour and a line of 6 dropped. Store F gets the batches in
 * order, store G in a shuffled order (most arrive early and wait). Both
 * block the same origins at the same batch and end in the same state; a
 * full prune and a rescore of each change nothing.
 */
static void
test_flood_any_order(void **state)
{
	struct fixture *f = *state, g;
	static const char *subjects[8] = {
		"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4",
		"192.0.2.5", "192.0.2.6", "192.0.2.7", "192.0.2.8",
	};
	struct { uint8_t *sb; size_t len; } b[3 * 14];
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	struct store_prune pr;
	uint32_t rng = 11;
	int n = 0, blocked = 0;
	char err[160];

	flood_policy(f, 2);
	second_store(f, &g);
	for (int k = 0; k < 3; k++) {
		uint64_t hour = T0 / 3600000;
		for (uint64_t seq = 1; seq <= 14; seq++) {
			struct rep r[6];
			size_t nr = 1 + ((rng = rng * 1103515245u + 12345u) >>
			    8 & 7);
			if (nr > 6)
				nr = 6;
			if (k == 2 || (rng >> 20) % 5 == 0)
				hour++;	/* origin 2: a new hour each batch */
			seal_created = hour * 3600000 + seq;
			for (size_t i = 0; i < nr; i++) {
				rng = rng * 1103515245u + 12345u;
				memset(&r[i], 0, sizeof(r[i]));
				r[i].subject = subjects[(rng >> 8) % 8];
				r[i].category = 1;
				r[i].observed = seal_created;
			}
			b[n].sb = seal(f->key[k], seq, r, nr, NULL, 0,
			    &b[n].len);
			n++;
		}
	}
	seal_created = 0;
	for (int i = 0; i < n; i++) {
		enum apply_status s = apply(f, b[i].sb, b[i].len);
		assert_true(s == APPLY_OK || s == APPLY_FLOOD ||
		    s == APPLY_BLOCKED);
	}
	for (int i = n - 1; i > 0; i--) {	/* Fisher-Yates */
		int j = (int)((rng = rng * 1103515245u + 12345u) >> 8) %
		    (i + 1);
		uint8_t *sb = b[i].sb;
		size_t len = b[i].len;
		b[i] = b[j];
		b[j].sb = sb;
		b[j].len = len;
	}
	for (int i = 0; i < n; i++) {
		enum apply_status s = apply(&g, b[i].sb, b[i].len);
		assert_true(s != APPLY_INVALID && s != APPLY_ERROR &&
		    s != APPLY_EQUIVOCATION);
		free(b[i].sb);
	}
	for (int k = 0; k < 3; k++) {
		struct origin_info a, c;
		uint8_t pub[32];
		signer_public_key(f->key[k], pub);
		assert_int_equal(store_get_origin(f->st, pub, &a), 0);
		assert_int_equal(store_get_origin(g.st, pub, &c), 0);
		assert_int_equal(a.block, c.block);
		assert_int_equal(a.highest_seq, c.highest_seq);
		assert_int_equal(a.quota_dropped, c.quota_dropped);
		blocked += a.blocked;
	}
	assert_true(blocked > 0 && blocked < 3);	/* both kinds */
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(tf.pending, 0);
	assert_int_equal(sf.n, sg.n);
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_memory_equal(&tf, &tg, sizeof(tf));
	assert_rescore_exact(f);
	assert_rescore_exact(&g);
	assert_int_equal(store_prune_all(f->st, &pr, err, sizeof(err)), 0);
	assert_rescore_exact(f);
	store_close(g.st);
}

/*
 * Retention and a flood block: origin 0 stays under the line in its
 * first hour (batches 1, 2) and crosses it in the next (batches 3..5, at
 * 5). The pruner may take batches 1 and 2 (purged at the block, and
 * outside the hour of the line) but keeps 3..5; rescore from that floor
 * finds the line at batch 5 again; and a node that catches up, told that
 * 1..2 were pruned, counts the hour from batch 3 and blocks the origin at
 * batch 5 too, with the same listings.
 */
static void
test_flood_block_prunes_to_its_hour(void **state)
{
	struct fixture *f = *state, g;
	struct origin_info oi;
	struct store_prune pr;
	struct snapshot sf, sg;
	struct store_stats tf, tg;
	uint64_t next_hour = (T0 / 3600000 + 1) * 3600000;
	uint8_t pub[32];
	char err[160];

	flood_policy(f, 2);
	second_store(f, &g);
	signer_public_key(f->key[0], pub);
	for (int n = 0; n < 2; n++) {
		struct fixture *x = n ? &g : f;
		assert_int_equal(flood_batch(x, 1, 1, T0, 100, 1), APPLY_OK);
		if (n == 1)
			assert_int_equal(skip_pruned(x, 0, 2), APPLY_OK);
		else {
			assert_int_equal(flood_batch(x, 0, 1, T0 + 1, 100, 5),
			    APPLY_OK);
			assert_int_equal(flood_batch(x, 0, 2, T0 + 2, 110, 2),
			    APPLY_OK);
		}
		assert_int_equal(flood_batch(x, 0, 3, next_hour, 120, 4),
		    APPLY_OK);
		assert_int_equal(flood_batch(x, 0, 4, next_hour + 1, 130, 3),
		    APPLY_OK);
		assert_int_equal(flood_batch(x, 0, 5, next_hour + 2, 140, 2),
		    APPLY_FLOOD);
	}
	assert_int_equal(store_prune_all(f->st, &pr, err, sizeof(err)), 0);
	assert_false(batch_stored(f, 0, 1));
	assert_false(batch_stored(f, 0, 2));
	assert_true(batch_stored(f, 0, 3) && batch_stored(f, 0, 5));
	assert_true(batch_stored(f, 1, 1));	/* it still counts */
	assert_rescore_exact(f);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 5);
	assert_int_equal(store_get_origin(g.st, pub, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 5);
	assert_int_equal(store_prune_all(g.st, &pr, err, sizeof(err)), 0);
	state_of(f, &sf, &tf);
	state_of(&g, &sg, &tg);
	assert_int_equal(sf.n, 1);	/* 192.0.2.100: the honest report */
	assert_memory_equal(&sf, &sg, sizeof(sf));
	assert_int_equal(tf.batches, 4);
	assert_int_equal(tg.batches, 4);
	assert_int_equal(tf.blocked_flood, 1);
	assert_int_equal(tg.blocked_flood, 1);
	assert_rescore_exact(&g);
	store_close(g.st);
}

/*
 * A commit that fails (here: the file may not grow, as on a full disk)
 * leaves no trust in the store's cache that the failed transaction read:
 * the trust change it held is not in the store, and the next scores use
 * the stored trust, as rescore does.
 */
static void
test_failed_commit_forgets_trust(void **state)
{
	struct fixture *f = *state;
	struct rep r = { .subject = "192.0.2.91", .category = 1 };
	struct rlimit old, lim;
	struct origin_info oi;
	uint8_t pub[32];
	char err[160];

	apply_reps(f, 0, 1, T0 + 1, &r, 1, NULL, 0);
	apply_reps(f, 1, 1, T0 + 1, &r, 1, NULL, 0);
	signer_public_key(f->key[0], pub);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 8192;	/* the meta pages only */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	int rc = store_set_origin(f->st, pub, 0.1, false, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(rc, -1);
	assert_int_equal(store_get_origin(f->st, pub, &oi), 0);
	assert_true(oi.trust == 1.0);
	apply_reps(f, 2, 1, T0 + 2, &r, 1, NULL, 0);
	assert_rescore_exact(f);
}

/* Longest-prefix match against a brute-force answer: nested IPv4 and IPv6
 * prefixes of many lengths, some listed (two origins) and some not (one
 * origin), looked up at random addresses near them. */
struct lpm_entry {
	uint8_t addr[16];
	unsigned len, plen;
	bool listed;
};

static uint32_t lpm_rnd = 12345;
static uint32_t
lpm_next(void)
{
	lpm_rnd = lpm_rnd * 1103515245u + 12345u;
	return lpm_rnd >> 8;
}

static void
lpm_text(const struct lpm_entry *e, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(e->len == 4 ? AF_INET : AF_INET6, e->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, e->plen);
}

static void
lpm_make(struct lpm_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lpm_entry *x = &e[i];
		x->len = i % 3 == 2 ? 16 : 4;
		memset(x->addr, 0, sizeof(x->addr));
		x->addr[0] = x->len == 4 ? 10 : 0x20;
		x->addr[1] = (uint8_t)(lpm_next() % 4);
		for (unsigned b = 2; b < x->len; b++)
			x->addr[b] = (uint8_t)lpm_next();
		x->plen = 16 + lpm_next() % (8 * x->len - 15);
		for (unsigned b = 0; b < x->len; b++) {
			int keep = (int)x->plen - 8 * (int)b;
			x->addr[b] &= keep >= 8 ? 0xff : keep <= 0 ? 0 :
			    (uint8_t)(0xff00 >> keep);
		}
		x->listed = lpm_next() % 4 != 0;
	}
}

static bool
lpm_contains(const struct lpm_entry *e, const uint8_t *a, unsigned len)
{
	if (e->len != len)
		return false;
	for (unsigned b = 0; b < len; b++) {
		int keep = (int)e->plen - 8 * (int)b;
		uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 :
		    (uint8_t)(0xff00 >> keep);
		if ((a[b] & m) != e->addr[b])
			return false;
	}
	return true;
}

static void
test_lpm_against_brute_force(void **state)
{
	struct fixture *f = *state;
	enum { N = 240 };
	static struct lpm_entry e[N];
	char text[N][64];
	uint64_t seq[2] = { 1, 1 };
	lpm_make(e, N);
	for (size_t i = 0; i < N; i += 16) {
		struct rep r[16];
		size_t n = 0, m = 0;
		struct rep only[16];
		for (size_t j = i; j < i + 16 && j < N; j++) {
			lpm_text(&e[j], text[j], sizeof(text[j]));
			r[n++] = (struct rep){ .subject = text[j],
			    .category = REPUTED__CATEGORY__CATEGORY_SPAM };
			if (e[j].listed)
				only[m++] = r[n - 1];
		}
		size_t len;
		uint8_t *sb = seal(f->key[0], seq[0]++, r, n, NULL, 0, &len);
		assert_int_equal(apply(f, sb, len), APPLY_OK);
		free(sb);
		if (m == 0)
			continue;
		sb = seal(f->key[1], seq[1]++, only, m, NULL, 0, &len);
		assert_int_equal(apply(f, sb, len), APPLY_OK);
		free(sb);
	}
	struct store_reader *rd = store_reader_new(f->st);
	int hits = 0;
	assert_int_equal(store_reader_begin(rd), 0);
	for (int q = 0; q < 4000; q++) {
		const struct lpm_entry *base = &e[lpm_next() % N];
		uint8_t a[16];
		unsigned len = base->len;
		memcpy(a, base->addr, 16);
		/* Somewhere in, or just beside, the base prefix. */
		for (unsigned b = base->plen / 8; b < len; b++)
			if (lpm_next() % 2)
				a[b] ^= (uint8_t)lpm_next();
		if (lpm_next() % 3 == 0) {	/* and often outside it */
			unsigned bit = 8 + lpm_next() % (base->plen - 8);
			a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		}
		int best = -1;
		for (int i = 0; i < N; i++)
			if (e[i].listed && lpm_contains(&e[i], a, len) &&
			    (best < 0 || e[i].plen > e[best].plen))
				best = i;
		struct listing l;
		int rc = store_lookup_addr(rd, a, len, T0, LOOKUP_LISTED, &l);
		if (best < 0) {
			assert_int_equal(rc, 1);
			continue;
		}
		hits++;
		assert_int_equal(rc, 0);
		assert_int_equal(l.prefix_len, e[best].plen);
	}
	store_reader_end(rd);
	store_reader_free(rd);
	/* Both outcomes must have been exercised in earnest. */
	printf("# %d of 4000 lookups matched a listed prefix\n", hits);
	if (hits < 1000 || hits > 3800)
		fail_msg("%d of 4000 lookups found a prefix", hits);
}

/* ---- the change journal (store_reader_changes) ---- */

static const char *self;	/* argv[0]: run again as another writer */

/* store_test --commit-origin DIR: one commit to the store in DIR. */
static int
commit_origin(const char *dir)
{
	static const uint8_t origin[ED25519_KEY_LEN] = { 1 };
	char err[160];
	struct store *st = tl_store_open(dir, 0, 1 << 26);
	int rc = st && store_set_origin(st, origin, 0.5, false, err,
	    sizeof(err)) == 0 ? 0 : 1;
	store_close(st);
	return rc;
}

struct seen {
	int n;
	uint8_t key[8][SUBJECT_KEY_MAX];
	size_t len[8];
};

static void
seen_cb(void *arg, const uint8_t *key, size_t len)
{
	struct seen *sn = arg;
	if (sn->n < 8) {
		memcpy(sn->key[sn->n], key, len);
		sn->len[sn->n] = len;
	}
	sn->n++;
}

/* Begins a snapshot and reads its changes: the return value, and in sn
 * the keys (reset first). */
static int
changes(struct store_reader *r, struct seen *sn)
{
	memset(sn, 0, sizeof(*sn));
	assert_int_equal(store_reader_begin(r), 0);
	int rc = store_reader_changes(r, seen_cb, sn);
	store_reader_end(r);
	return rc;
}

static bool
seen_subject(const struct seen *sn, const char *text)
{
	struct subject s;
	char err[64];
	uint8_t key[SUBJECT_KEY_MAX];
	assert_int_equal(subject_parse(text, &s, err, sizeof(err)), 0);
	size_t len = subject_key(&s, key);
	for (int i = 0; i < sn->n && i < 8; i++)
		if (sn->len[i] == len && memcmp(sn->key[i], key, len) == 0)
			return true;
	return false;
}

static void
test_change_journal(void **state)
{
	struct fixture *f = *state;
	struct store_reader *r = store_reader_new(f->st);
	struct seen sn;
	char err[160];
	struct rep a = { .subject = "192.0.2.7", .category = 1 };
	struct rep b = { .subject = "mail.example.org", .category = 1 };

	assert_non_null(r);
	assert_int_equal(changes(r, &sn), 1);	/* first call: unknown */
	assert_int_equal(changes(r, &sn), 0);	/* nothing committed */
	assert_int_equal(sn.n, 0);
	assert_int_equal(report(f, 0, 1, &a), APPLY_OK);
	assert_int_equal(report(f, 0, 2, &b), APPLY_OK);
	assert_int_equal(changes(r, &sn), 0);	/* two commits, two keys */
	assert_int_equal(sn.n, 2);
	assert_true(seen_subject(&sn, "192.0.2.7"));
	assert_true(seen_subject(&sn, "mail.example.org"));
	assert_int_equal(changes(r, &sn), 0);
	assert_int_equal(sn.n, 0);

	/* An aborted transaction's id is reused by the next commit: the
	 * reader must not mistake one for the other. */
	struct store_txn *tx = store_begin(f->st, err, sizeof(err));
	assert_non_null(tx);
	store_abort(tx);
	assert_int_equal(report(f, 1, 1, &a), APPLY_OK);
	assert_int_equal(changes(r, &sn), 1);
	assert_int_equal(changes(r, &sn), 0);

	/* A rescore rewrites every score: everything changed. */
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	assert_int_equal(changes(r, &sn), 1);

	/* A commit by another process: the journal has a gap. */
	assert_int_equal(report(f, 1, 2, &b), APPLY_OK);
	char db[TL_PATH_MAX];
	tl_path(db, sizeof(db), f->dir, "db");
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {		/* a program of its own, as another writer is */
		execl(self, self, "--commit-origin", db, (char *)NULL);
		_exit(127);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(changes(r, &sn), 1);
	assert_int_equal(changes(r, &sn), 0);
	store_reader_free(r);
}

/* The journal alone: pending transactions, a ring that wraps past a
 * slow reader, a commit that was never journaled. */
static void
count_cb(void *arg, const uint8_t *key, size_t len)
{
	(*(int *)arg)++;
}

static void
test_changes_ring(void **state)
{
	struct changes *c = changes_new();
	struct changes_cursor cur = { 0 };
	const uint8_t key[6] = { SUBJECT_IPV4, 192, 0, 2, 1, 32 };
	int n = 0;

	assert_non_null(c);
	assert_int_equal(changes_read(c, &cur, 0, count_cb, &n), 1);
	for (int i = 0; i < 3; i++)
		changes_key(c, 1, key, sizeof(key));
	changes_end(c, 1);
	assert_int_equal(changes_read(c, &cur, 1, count_cb, &n), 0);
	assert_int_equal(n, 3);
	changes_key(c, 2, key, sizeof(key));	/* not committed yet */
	n = 0;
	assert_int_equal(changes_read(c, &cur, 1, count_cb, &n), 0);
	assert_int_equal(n, 0);
	changes_end(c, 2);
	assert_int_equal(changes_read(c, &cur, 2, count_cb, &n), 0);
	assert_int_equal(n, 1);

	/* five big commits while the reader still sees snapshot 2: the ring
	 * wraps past it, and as long as it is at 2 it cannot be sure */
	for (uint64_t t = 3; t <= 7; t++) {
		for (int i = 0; i < 4096; i++)
			changes_key(c, t, key, sizeof(key));
		changes_end(c, t);
	}
	assert_int_equal(changes_read(c, &cur, 2, count_cb, &n), 1);
	assert_int_equal(changes_read(c, &cur, 2, count_cb, &n), 1);
	assert_int_equal(changes_read(c, &cur, 7, count_cb, &n), 1);
	assert_int_equal(changes_read(c, &cur, 7, count_cb, &n), 0);

	/* KEY_INLINE: a 64-byte key is journaled, a 65-byte one is a flush */
	uint8_t long_key[65];
	memset(long_key, 'a', sizeof(long_key));
	changes_key(c, 8, long_key, 64);
	changes_end(c, 8);
	n = 0;
	assert_int_equal(changes_read(c, &cur, 8, count_cb, &n), 0);
	assert_int_equal(n, 1);
	changes_key(c, 9, long_key, 65);
	changes_end(c, 9);
	assert_int_equal(changes_read(c, &cur, 9, count_cb, &n), 1);

	/* commit 10 was made elsewhere: 11's END shows the gap */
	changes_key(c, 11, key, sizeof(key));
	changes_end(c, 11);
	assert_int_equal(changes_read(c, &cur, 11, count_cb, &n), 1);
	assert_int_equal(changes_read(c, &cur, 11, count_cb, &n), 0);
	changes_free(c);
}

/* Reopens f's store with policy p (NULL: the one it records). */
static void
reopen_with(struct fixture *f, const struct policy *p)
{
	struct store_options o = { .map_size = 1 << 26, .policy = p };
	char db[TL_PATH_MAX], err[256];

	store_close(f->st);
	tl_path(db, sizeof(db), f->dir, "db");
	f->st = store_open(db, &o, err, sizeof(err));
	assert_non_null(f->st);
}

static void
test_policy_encoding(void **state)
{
	uint8_t a[POLICY_ENCODED_LEN], b[POLICY_ENCODED_LEN];
	struct policy p, q;

	(void)state;
	policy_default(&p);
	p.half_life_s[3] = 12345.5;
	p.min_orgs = 3;
	p.quota_per_hour = 77;
	p.quota_block_factor = 4;
	p.live_ceiling = 5000;
	p.quota_per_org_hour = 300;
	p.live_ceiling_per_org = 20000;
	p.default_trust = 0.25;
	p.code[2] = 9;
	policy_encode(&p, a);
	assert_int_equal(policy_decode(&q, a, sizeof(a)), 0);
	policy_encode(&q, b);
	assert_memory_equal(a, b, sizeof(a));
	assert_true(q.half_life_s[3] == 12345.5 && q.min_orgs == 3 &&
	    q.quota_per_hour == 77 && q.quota_block_factor == 4 &&
	    q.live_ceiling == 5000 && q.quota_per_org_hour == 300 &&
	    q.live_ceiling_per_org == 20000 && q.default_trust == 0.25 &&
	    q.code[2] == 9);
	assert_int_equal(policy_decode(&q, a, sizeof(a) - 1), -1);
	/* version 1, before the live ceiling: the same less its 8 bytes,
	 * read as no ceiling */
	uint8_t v1[POLICY_ENCODED_LEN - 24];
	size_t at = POLICY_ENCODED_LEN - CATEGORY_COUNT - 24;
	memcpy(v1, a, at);
	memcpy(v1 + at, a + at + 24, CATEGORY_COUNT);
	v1[0] = 1;
	assert_int_equal(policy_decode(&q, v1, sizeof(v1)), 0);
	assert_true(q.live_ceiling == 0 && q.quota_per_org_hour == 0 &&
	    q.live_ceiling_per_org == 0 && q.quota_block_factor == 4 &&
	    q.code[2] == 9 && q.min_orgs == 3);
	assert_int_equal(policy_decode(&q, v1, sizeof(a)), -1);
	a[0] = 3;
	assert_int_equal(policy_decode(&q, a, sizeof(a)), -1);
}

/* A store records the policy its scores were made under: opened without
 * one it takes that; opened with another it says so until rescored. */
static void
test_policy_recorded(void **state)
{
	struct fixture *f = *state;
	struct policy a, b;

	policy_default(&a);
	a.quota_per_hour = 5;
	b = a;
	b.quota_per_hour = 7;
	reopen_with(f, &a);		/* none recorded: records a */
	assert_false(store_policy_changed(f->st));
	reopen_with(f, NULL);
	assert_int_equal(store_policy(f->st)->quota_per_hour, 5);
	assert_false(store_policy_changed(f->st));
	reopen_with(f, &b);
	assert_true(store_policy_changed(f->st));
	assert_int_equal(store_policy(f->st)->quota_per_hour, 7);
	reopen_with(f, NULL);		/* b was never scored under */
	assert_int_equal(store_policy(f->st)->quota_per_hour, 5);
	reopen_with(f, &b);
	char err[256];
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	assert_false(store_policy_changed(f->st));
	reopen_with(f, NULL);
	assert_int_equal(store_policy(f->st)->quota_per_hour, 7);
	store_set_policy(f->st, &a);	/* a reload */
	assert_true(store_policy_changed(f->st));
	assert_int_equal(store_rescore(f->st, err, sizeof(err)), 0);
	reopen_with(f, NULL);
	assert_int_equal(store_policy(f->st)->quota_per_hour, 5);
}

int
main(int argc, char **argv)
{
	self = argv[0];
	if (argc == 3 && strcmp(argv[1], "--commit-origin") == 0)
		return commit_origin(argv[2]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_listing_needs_two_origins,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_duplicate_pending_equivocation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature_and_invalid,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sender_id_attribution,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_journal, setup,
		    teardown),
		cmocka_unit_test(test_changes_ring),
		cmocka_unit_test_setup_teardown(test_retraction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prefix_and_parent_lookup,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_quorum_counts_organisations,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_late_binding_and_block_rescore, setup, teardown),
		cmocka_unit_test_setup_teardown(test_equivocation_unlists,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_org_setting, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_block, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_factor_zero, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_below_line, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_flood_any_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_flood_block_prunes_to_its_hour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quota_per_hour, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_ceiling, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_ceiling_floor, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_live_ceiling_ring_edge,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_org_quota, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rescore_is_exact, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_prune_then_rescore_is_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_sweep_ends, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_unblock_after_prune_keeps_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_prune_keeps_blocked_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_skip_pruned_drops_their_reports, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_rescore_counts_blocked_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_clock_jump_prune_then_rescore, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_failed_commit_forgets_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lpm_against_brute_force,
		    setup, teardown),
		cmocka_unit_test(test_policy_encoding),
		cmocka_unit_test_setup_teardown(test_policy_recorded, setup,
		    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
