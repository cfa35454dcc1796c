/*
 * batcher_test.c: node/batcher.c's sans-I/O core against a real LMDB
 * store in a temporary directory: batching by count and by time, group
 * commit, acknowledgement only after the commit, seq numbering that
 * survives a restart, and refusal of bad reports with nothing queued.
 * Adaptive batching: idle, a report is due at once; while a commit or a
 * send is in flight, what arrives joins the next batch; the window and the
 * size limit still close a batch. This node's own quota: reports it would
 * drop are refused, never signed.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "node/batcher.h"
#include "tests/lib/testlib.h"

#define T0	1700000000000ull	/* a fixed "now", ms */

struct fixture {
	char dir[TL_PATH_MAX];
	struct store *st;
	struct signer *key;
	struct batcher *b;
	/* what the callbacks saw */
	int done_calls, done_status;
	bool done_over_quota;
	uint64_t first_seq, last_seq;
	char done_err[256];
	struct batcher_id ids[512];	/* the last done's ids */
	size_t n_ids;
	int committed_calls;
	uint64_t committed_seq[8];
	size_t committed_reports[8];
	/* the wake hook's last call */
	int wakes;
	uint64_t wake_due, wake_now;
	/* on_done_submit: reports to submit from inside the done callback */
	size_t submit_in_done;
};

static struct store *
open_store(const char *dir)
{
	struct store *st = tl_store_open(dir, 0, 1 << 26);

	assert_non_null(st);
	return st;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_int_equal(tl_tmpdir(f->dir, sizeof(f->dir), "batcher_test"), 0);
	assert_non_null(f->key = tl_signer_new(f->dir, "node.key"));
	f->st = open_store(f->dir);
	assert_non_null(f->b = batcher_new(f->st, f->key, err, sizeof(err)));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	batcher_free(f->b);
	store_close(f->st);
	signer_free(f->key);
	assert_int_equal(tl_rmtree(f->dir), 0);
	free(f);
	return 0;
}

static void
on_done(void *arg, const struct batcher_result *res)
{
	struct fixture *f = arg;

	f->done_calls++;
	f->done_status = res->status;
	f->done_over_quota = res->over_quota;
	f->first_seq = res->first_seq;
	f->last_seq = res->last_seq;
	snprintf(f->done_err, sizeof(f->done_err), "%s", res->err ? res->err : "");
	f->n_ids = 0;
	for (size_t i = 0; res->ids != NULL && i < res->n && i < 512; i++)
		f->ids[f->n_ids++] = res->ids[i];
}

static void
on_committed(void *arg, const uint8_t *sb, size_t len)
{
	struct fixture *f = arg;
	Reputed__Batch *batch;
	char err[128];

	assert_int_equal(envelope_decode(sb, len, &batch, err, sizeof(err)),
	    ENVELOPE_OK);
	if (f->committed_calls < 8) {
		f->committed_seq[f->committed_calls] = batch->seq;
		f->committed_reports[f->committed_calls] = batch->n_reports;
	}
	f->committed_calls++;
	reputed__batch__free_unpacked(batch, NULL);
}

/* A report about subject text; storage in *r and *s. */
static void
make_report(Reputed__Report *r, Reputed__Subject *pb, struct subject *s,
    const char *text, int category)
{
	char err[128];

	assert_int_equal(subject_parse(text, s, err, sizeof(err)), 0);
	reputed__report__init(r);
	subject_to_proto(s, pb);
	r->subject = pb;
	r->category = (Reputed__Category)category;
	r->confidence = 80;
	r->observed_at = T0;
}

static void
on_wake(void *arg, uint64_t due, uint64_t now)
{
	struct fixture *f = arg;

	f->wakes++;
	f->wake_due = due;
	f->wake_now = now;
}

/* The fixed window of before (batch-idle: wait), or another policy. */
static void
set_policy(struct fixture *f, uint32_t window_ms, uint32_t max, bool idle)
{
	struct batcher_policy p = { .window_ms = window_ms,
		.max_reports = max, .idle_seal = idle };

	batcher_set_policy(f->b, &p, T0);
}

/* n reports about 10.0.x.y, submitted as one. */
static int
submit_many(struct fixture *f, size_t n, uint64_t now)
{
	Reputed__Report *r = calloc(n, sizeof(*r));
	Reputed__Subject *pb = calloc(n, sizeof(*pb));
	struct subject *s = calloc(n, sizeof(*s));
	const Reputed__Report **ptr = calloc(n, sizeof(*ptr));
	char text[32], err[256];
	int rc;

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "10.0.%zu.%zu", i / 256, i % 256);
		make_report(&r[i], &pb[i], &s[i], text, 1);
		ptr[i] = &r[i];
	}
	rc = batcher_submit(f->b, ptr, n, now, on_done, f, err, sizeof(err));
	free(r);
	free(pb);
	free(s);
	free(ptr);
	return rc;
}

static void
test_ack_after_commit(void **state)
{
	struct fixture *f = *state;
	struct store_reader *rd;
	struct subject s;
	struct listing l;
	char err[64];

	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	batcher_set_committed(f->b, on_committed, f);
	assert_int_equal(submit_many(f, 3, T0), 0);
	assert_int_equal(f->done_calls, 0);
	assert_int_equal(batcher_deadline(f->b), T0 + BATCHER_WINDOW_MS);
	assert_int_equal(batcher_flush(f->b, T0 + 50, false), 0);
	assert_int_equal(f->done_calls, 0);
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 1);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->done_status, 0);
	assert_int_equal(f->first_seq, 1);
	assert_int_equal(f->last_seq, 1);
	assert_int_equal(f->committed_calls, 1);
	assert_int_equal(f->committed_seq[0], 1);
	assert_int_equal(f->committed_reports[0], 3);
	assert_int_equal(batcher_deadline(f->b), 0);
	/* visible to readers now */
	assert_non_null(rd = store_reader_new(f->st));
	assert_int_equal(store_reader_begin(rd), 0);
	assert_int_equal(subject_parse("10.0.0.2", &s, err, sizeof(err)), 0);
	assert_int_equal(store_lookup(rd, &s, &l), 0);
	assert_int_equal(l.n_reports, 1);
	store_reader_end(rd);
	store_reader_free(rd);
}

static void
test_full_batch_and_group_commit(void **state)
{
	struct fixture *f = *state;
	struct batcher_stats bs;

	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	batcher_set_committed(f->b, on_committed, f);
	/* 600 reports: two full batches due now, 88 waiting for the timer */
	assert_int_equal(submit_many(f, 600, T0), 0);
	assert_int_equal(batcher_deadline(f->b), T0);
	assert_int_equal(batcher_flush(f->b, T0, false), 2);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.commits, 1);
	assert_int_equal(bs.batches, 2);
	assert_int_equal(bs.queued, 600 - 2 * BATCHER_MAX_REPORTS);
	assert_int_equal(f->done_calls, 0);	/* its last batch is not in */
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 1);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->first_seq, 1);
	assert_int_equal(f->last_seq, 3);
	assert_int_equal(f->committed_calls, 3);
	assert_int_equal(f->committed_reports[2], 600 - 2 * BATCHER_MAX_REPORTS);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.reports, 600);
	assert_int_equal(bs.next_seq, 4);
	assert_int_equal(bs.queued, 0);
}

/* Reports with large attestations: a batch closes before its packed
 * reports pass BATCHER_MAX_BYTES, so every batch fits in a frame. */
static void
test_byte_limit(void **state)
{
	struct fixture *f = *state;
	enum { N = 100, BLOB = 8192 };
	Reputed__Report r[N];
	Reputed__Subject pb[N];
	struct subject s[N];
	Reputed__Attestation att = REPUTED__ATTESTATION__INIT;
	const Reputed__Report *ptr[N];
	uint8_t *blob = calloc(1, 2 * BLOB);
	struct store_reader *rd;
	struct batcher_stats bs;
	char text[32], err[256];

	assert_non_null(blob);
	att.cms.data = blob;
	att.cms.len = BLOB;
	att.signed_part.data = blob + BLOB;
	att.signed_part.len = BLOB;
	for (size_t i = 0; i < N; i++) {
		snprintf(text, sizeof(text), "10.1.0.%zu", i);
		make_report(&r[i], &pb[i], &s[i], text, 1);
		r[i].attestation = &att;
		ptr[i] = &r[i];
	}
	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, true);
	assert_int_equal(batcher_submit(f->b, ptr, N, T0, on_done, f, err,
	    sizeof(err)), 0);
	free(blob);
	while (batcher_deadline(f->b) != 0)
		assert_true(batcher_flush(f->b, T0 + 100, true) >= 0);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->done_status, 0);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.reports, N);
	/* 16 KiB each: 31 to a batch at most */
	assert_true(bs.batches >= (N * 2 * BLOB) / BATCHER_MAX_BYTES + 1);
	assert_non_null(rd = store_reader_new(f->st));
	assert_int_equal(store_reader_begin(rd), 0);
	uint8_t pub[ED25519_KEY_LEN];
	signer_public_key(f->key, pub);
	for (uint64_t seq = 1; seq <= bs.batches; seq++) {
		const uint8_t *sb;
		size_t len;
		assert_int_equal(store_get_batch(rd, pub, seq, &sb, &len), 0);
		assert_true(len <= BATCHER_MAX_BYTES + 4096);
	}
	store_reader_end(rd);
	store_reader_free(rd);
}

static void
test_seq_survives_restart(void **state)
{
	struct fixture *f = *state;
	struct batcher_stats bs;
	char err[256];

	assert_int_equal(submit_many(f, 2, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0, true), 1);
	assert_int_equal(submit_many(f, 2, T0 + 1), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 1, true), 1);
	batcher_free(f->b);
	store_close(f->st);
	f->st = open_store(f->dir);
	assert_non_null(f->b = batcher_new(f->st, f->key, err, sizeof(err)));
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.next_seq, 3);
	assert_int_equal(submit_many(f, 1, T0 + 2), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 2, true), 1);
	assert_int_equal(f->first_seq, 3);
}

static void
expect_refused(struct fixture *f, const Reputed__Report *bad, const char *want)
{
	Reputed__Report good;
	Reputed__Subject pb;
	struct subject s;
	const Reputed__Report *two[2] = { &good, bad };
	char err[256];

	make_report(&good, &pb, &s, "192.0.2.1", 1);
	assert_int_equal(batcher_submit(f->b, two, 2, T0, on_done, f, err,
	    sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(batcher_deadline(f->b), 0);	/* nothing queued */
}

static void
test_bad_reports_refused(void **state)
{
	struct fixture *f = *state;
	Reputed__Report r;
	Reputed__Subject pb;
	Reputed__MailEvidence m = REPUTED__MAIL_EVIDENCE__INIT;
	struct subject s;
	uint8_t five[5] = { 1, 2, 3, 4, 5 };
	struct batcher_stats bs;

	make_report(&r, &pb, &s, "192.0.2.1", 0);
	expect_refused(f, &r, "report 1: unknown category 0");
	r.category = 10;
	expect_refused(f, &r, "report 1: unknown category 10");
	make_report(&r, &pb, &s, "192.0.2.1", 1);
	r.confidence = 101;
	expect_refused(f, &r, "report 1: confidence 101 is over 100");
	r.confidence = 1;
	r.observed_at = T0 + 3600 * 1000;
	expect_refused(f, &r, "report 1: observed_at is 3600000 ms in the future");
	r.observed_at = T0;
	pb.addr.data = five;
	pb.addr.len = 5;
	expect_refused(f, &r, "report 1: address of 5 bytes (need 4 or 16)");
	make_report(&r, &pb, &s, "example.com", 1);
	pb.domain = "Example.COM";
	expect_refused(f, &r, "report 1: domain 'Example.COM' is "
	    "not normalised");
	r.subject = NULL;
	expect_refused(f, &r, "report 1: report without a subject");
	make_report(&r, &pb, &s, "example.com", 1);
	m.client_ip.data = five;
	m.client_ip.len = 3;
	r.mail = &m;
	expect_refused(f, &r, "report 1: client IP of 3 bytes");
	m.client_ip.len = 4;
	m.spf_mail_from = 9;
	expect_refused(f, &r, "report 1: unknown SPF / Sender ID result");
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.rejected, 2 * 9);
	assert_int_equal(f->done_calls, 0);
}

static void
test_free_tells_waiting(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(submit_many(f, 5, T0), 0);
	batcher_free(f->b);
	f->b = NULL;
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->done_status, -1);
	assert_string_equal(f->done_err, "shutting down");
}

/* Seals a one-report batch with seq under the node's key and commits it
 * directly, as the peer layer would when catching up. */
static void
apply_own_batch(struct fixture *f, uint64_t seq)
{
	struct tl_batch *b = tl_batch_new(seq, T0, 1);
	struct store_txn *tx;
	uint8_t *sb;
	size_t len;
	char err[256];

	assert_non_null(b);
	assert_non_null(tl_batch_report(b, "198.51.100.1", 1, 80, T0));
	assert_non_null(sb = tl_batch_seal(b, f->key, &len));
	assert_non_null(tx = store_begin(f->st, err, sizeof(err)));
	assert_int_equal(store_apply(tx, sb, len, tl_batch_pb(b), err,
	    sizeof(err)), APPLY_OK);
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	tl_batch_free(b);
	free(sb);
}

static void
test_seq_follows_own_batches_from_peers(void **state)
{
	struct fixture *f = *state;

	/* the batcher started with next seq 1; a peer then brings back
	 * this node's batches 1 and 2 (the store had been lost) */
	apply_own_batch(f, 1);
	apply_own_batch(f, 2);
	assert_int_equal(submit_many(f, 1, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0, true), 1);
	assert_int_equal(f->done_status, 0);
	assert_int_equal(f->first_seq, 3);
}

static void
test_report_ids(void **state)
{
	struct fixture *f = *state;

	/* 300 reports: 256 in batch 1, 44 in batch 2 */
	assert_int_equal(submit_many(f, 300, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 2);
	assert_int_equal(f->n_ids, 300);
	assert_int_equal(f->ids[0].seq, 1);
	assert_int_equal(f->ids[0].index, 0);
	assert_int_equal(f->ids[255].seq, 1);
	assert_int_equal(f->ids[255].index, 255);
	assert_int_equal(f->ids[256].seq, 2);
	assert_int_equal(f->ids[256].index, 0);
	assert_int_equal(f->ids[299].index, 43);
	/* two submissions sharing batch 3 */
	assert_int_equal(submit_many(f, 2, T0 + 200), 0);
	assert_int_equal(submit_many(f, 3, T0 + 200), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 300, false), 1);
	assert_int_equal(f->done_calls, 3);
	assert_int_equal(f->n_ids, 3);
	assert_int_equal(f->ids[0].seq, 3);
	assert_int_equal(f->ids[0].index, 2);
	assert_int_equal(f->ids[2].index, 4);
}

static int
lookup_reports(struct fixture *f, const char *text)
{
	struct store_reader *rd = store_reader_new(f->st);
	struct subject s;
	struct listing l;
	char err[64];
	int n = 0;

	assert_non_null(rd);
	assert_int_equal(store_reader_begin(rd), 0);
	assert_int_equal(subject_parse(text, &s, err, sizeof(err)), 0);
	if (store_lookup(rd, &s, &l) == 0)
		n = (int)l.n_reports;
	store_reader_end(rd);
	store_reader_free(rd);
	return n;
}

static void
test_retraction(void **state)
{
	struct fixture *f = *state;
	struct batcher_id bad[2] = { { 0, 0 }, { 5, 0 } }, id;
	struct batcher_stats bs;
	char err[256];

	assert_int_equal(submit_many(f, 3, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0, true), 1);
	assert_int_equal(lookup_reports(f, "10.0.0.1"), 1);
	id = f->ids[1];		/* 10.0.0.1 */
	assert_int_equal(batcher_retract(f->b, &id, 1, T0 + 1, on_done, f,
	    err, sizeof(err)), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 1, true), 1);
	assert_int_equal(f->done_status, 0);
	assert_int_equal(f->first_seq, 2);
	assert_int_equal(f->n_ids, 0);
	assert_int_equal(lookup_reports(f, "10.0.0.1"), 0);
	assert_int_equal(lookup_reports(f, "10.0.0.2"), 1);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.retractions, 1);
	assert_int_equal(batcher_retract(f->b, bad, 1, T0, on_done, f, err,
	    sizeof(err)), BATCHER_INVALID);
	assert_string_equal(err, "retraction 0: no report 0 in batch 0 of this "
	    "node (batches 1..2 so far)");
	assert_int_equal(batcher_retract(f->b, bad + 1, 1, T0, on_done, f, err,
	    sizeof(err)), BATCHER_INVALID);
	assert_int_equal(batcher_deadline(f->b), 0);
}

static void
test_failed_commit_acks_nothing(void **state)
{
	struct fixture *f = *state;
	struct batcher_stats bs;
	char err[256], path[TL_PATH_MAX];
	int rc = 0;

	/* a store of 1 MiB fills up: the commit fails */
	batcher_free(f->b);
	store_close(f->st);
	tl_path(path, sizeof(path), f->dir, "data.mdb");
	assert_int_equal(unlink(path), 0);
	assert_non_null(f->st = tl_store_open(f->dir, 0, 1 << 20));
	assert_non_null(f->b = batcher_new(f->st, f->key, err, sizeof(err)));
	for (int i = 0; i < 16 && rc >= 0; i++) {
		assert_int_equal(submit_many(f, BATCHER_MAX_SUBMIT, T0), 0);
		rc = batcher_flush(f->b, T0, true);
	}
	assert_int_equal(rc, -1);
	assert_int_equal(f->done_status, -1);
	assert_non_null(strstr(f->done_err, "MDB_MAP_FULL"));
	batcher_stats(f->b, &bs);
	assert_true(bs.failed > 0);
	/* the failed batches took no seq: the next one follows the last
	 * committed one */
	assert_int_equal(bs.next_seq, bs.batches + 1);
}

static void
test_queue_full_is_busy(void **state)
{
	struct fixture *f = *state;
	Reputed__Report r;
	Reputed__Subject pb;
	struct subject s;
	const Reputed__Report *one[1] = { &r };
	char err[256];

	for (int i = 0; i < BATCHER_MAX_QUEUED / BATCHER_MAX_SUBMIT; i++)
		assert_int_equal(submit_many(f, BATCHER_MAX_SUBMIT, T0), 0);
	make_report(&r, &pb, &s, "192.0.2.1", 1);
	assert_int_equal(batcher_submit(f->b, one, 1, T0, on_done, f, err,
	    sizeof(err)), BATCHER_BUSY);
	assert_string_equal(err, "too many reports waiting; try again");
	/* after a flush there is room again */
	assert_true(batcher_flush(f->b, T0, true) > 0);
	assert_int_equal(batcher_submit(f->b, one, 1, T0, on_done, f, err,
	    sizeof(err)), 0);
}

static void
test_clock_going_back(void **state)
{
	struct fixture *f = *state;

	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	/* the wall clock steps back an hour after the batch opened: the
	 * batch must not wait an hour */
	assert_int_equal(submit_many(f, 2, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0 - 3600 * 1000, false), 1);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->done_status, 0);
}

static void
test_idle_seals_at_once(void **state)
{
	struct fixture *f = *state;
	struct batcher_stats bs;

	batcher_set_committed(f->b, on_committed, f);
	batcher_set_wake(f->b, on_wake, f);
	/* the default: nothing in flight, so a lone report is due now */
	assert_int_equal(submit_many(f, 1, T0), 0);
	assert_int_equal(f->wakes, 1);
	assert_int_equal(f->wake_due, T0);
	assert_int_equal(batcher_deadline(f->b), T0);
	/* what comes before the shell runs the flush (the same loop turn)
	 * joins the batch */
	assert_int_equal(submit_many(f, 2, T0), 0);
	assert_int_equal(f->done_calls, 0);
	assert_int_equal(batcher_flush(f->b, T0, false), 1);
	assert_int_equal(f->done_calls, 2);
	assert_int_equal(f->done_status, 0);
	assert_int_equal(f->committed_calls, 1);
	assert_int_equal(f->committed_reports[0], 3);
	assert_int_equal(f->wake_due, 0);	/* nothing waits */
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.batches, 1);
	assert_int_equal(bs.commits, 1);
	/* idle again: the next lone report is its own batch at once */
	assert_int_equal(submit_many(f, 1, T0 + 7), 0);
	assert_int_equal(f->wake_due, T0 + 7);
	assert_int_equal(batcher_flush(f->b, T0 + 7, false), 1);
	assert_int_equal(f->committed_seq[1], 2);
	assert_int_equal(f->committed_reports[1], 1);
}

static void
test_send_in_flight_joins_next_batch(void **state)
{
	struct fixture *f = *state;

	batcher_set_committed(f->b, on_committed, f);
	batcher_set_wake(f->b, on_wake, f);
	/* a send is in progress: reports wait for it, up to the window */
	batcher_set_busy(f->b, true, T0);
	assert_int_equal(submit_many(f, 1, T0), 0);
	assert_int_equal(f->wake_due, T0 + BATCHER_WINDOW_MS);
	assert_int_equal(batcher_flush(f->b, T0 + 3, false), 0);
	assert_int_equal(submit_many(f, 4, T0 + 5), 0);
	assert_int_equal(f->done_calls, 0);
	/* the send is over: the waiting batch is due at once, all in one */
	batcher_set_busy(f->b, false, T0 + 9);
	assert_int_equal(f->wake_due, T0);
	assert_int_equal(f->wake_now, T0 + 9);
	assert_int_equal(batcher_flush(f->b, T0 + 9, false), 1);
	assert_int_equal(f->committed_calls, 1);
	assert_int_equal(f->committed_reports[0], 5);
	assert_int_equal(f->done_calls, 2);
	/* a send that never ends: the window still closes the batch */
	batcher_set_busy(f->b, true, T0 + 20);
	assert_int_equal(submit_many(f, 2, T0 + 20), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 119, false), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 120, false), 1);
	assert_int_equal(f->committed_reports[1], 2);
}

/* A done callback that submits more (as a submitter answering at once
 * might): the report arrives while the commit is in progress. */
static void
on_done_submit(void *arg, const struct batcher_result *res)
{
	struct fixture *f = arg;
	size_t n = f->submit_in_done;

	on_done(arg, res);
	f->submit_in_done = 0;
	if (n > 0)
		assert_int_equal(submit_many(f, n, T0 + 1), 0);
}

static void
test_commit_in_flight_joins_next_batch(void **state)
{
	struct fixture *f = *state;
	Reputed__Report r;
	Reputed__Subject pb;
	struct subject s;
	const Reputed__Report *one[1] = { &r };
	char err[256];

	batcher_set_committed(f->b, on_committed, f);
	batcher_set_wake(f->b, on_wake, f);
	make_report(&r, &pb, &s, "192.0.2.1", 1);
	f->submit_in_done = 3;
	assert_int_equal(batcher_submit(f->b, one, 1, T0, on_done_submit, f,
	    err, sizeof(err)), 0);
	/* the flush commits the one report; the three submitted during its
	 * commit are not in it, but due as soon as it returns */
	assert_int_equal(batcher_flush(f->b, T0 + 1, false), 1);
	assert_int_equal(f->committed_calls, 1);
	assert_int_equal(f->committed_reports[0], 1);
	assert_int_equal(batcher_deadline(f->b), T0 + 1);
	assert_int_equal(f->wake_due, T0 + 1);
	assert_int_equal(batcher_flush(f->b, T0 + 1, false), 1);
	assert_int_equal(f->committed_calls, 2);
	assert_int_equal(f->committed_reports[1], 3);
	assert_int_equal(f->committed_seq[1], 2);
}

static void
test_caps_hold(void **state)
{
	struct fixture *f = *state;
	struct batcher_policy p;

	batcher_set_committed(f->b, on_committed, f);
	set_policy(f, 20, 10, true);
	batcher_set_busy(f->b, true, T0);
	/* 25 reports while busy: two batches full (due), five wait */
	assert_int_equal(submit_many(f, 25, T0), 0);
	assert_int_equal(batcher_deadline(f->b), T0);
	assert_int_equal(batcher_flush(f->b, T0, false), 2);
	assert_int_equal(f->committed_reports[0], 10);
	assert_int_equal(f->committed_reports[1], 10);
	assert_int_equal(batcher_deadline(f->b), T0 + 20);
	assert_int_equal(batcher_flush(f->b, T0 + 19, false), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 20, false), 1);
	assert_int_equal(f->committed_reports[2], 5);
	/* idle: the size limit still splits a large submission */
	batcher_set_busy(f->b, false, T0 + 30);
	assert_int_equal(submit_many(f, 15, T0 + 30), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 30, false), 2);
	assert_int_equal(f->committed_reports[3], 10);
	assert_int_equal(f->committed_reports[4], 5);
	/* out of range: clamped */
	set_policy(f, 0, 1000, true);
	batcher_get_policy(f->b, &p);
	assert_int_equal(p.window_ms, 1);
	assert_int_equal(p.max_reports, BATCHER_MAX_REPORTS);
	set_policy(f, BATCHER_WINDOW_MAX_MS + 1, 0, true);
	batcher_get_policy(f->b, &p);
	assert_int_equal(p.window_ms, BATCHER_WINDOW_MAX_MS);
	assert_int_equal(p.max_reports, 1);
}

/* The quota of this node's own origin, counted from the store. */
static void
own_origin(struct fixture *f, struct origin_info *oi)
{
	uint8_t pub[ED25519_KEY_LEN];

	signer_public_key(f->key, pub);
	assert_true(store_get_origin(f->st, pub, oi) >= 0);
}

/* quota-per-hour 5: what would go over it is refused at submission
 * (counting what waits) and never signed; the origin drops nothing and
 * is never blocked, however much is offered; a new hour has room. */
static void
test_own_quota_refused(void **state)
{
	struct fixture *f = *state;
	uint64_t next_hour = (T0 / 3600000 + 1) * 3600000;
	struct batcher_stats bs;
	struct origin_info oi;
	struct policy p;
	char err[256];
	const Reputed__Report *one[1];
	Reputed__Report r;
	Reputed__Subject pb;
	struct subject s;

	policy_default(&p);
	p.quota_per_hour = 5;
	store_set_policy(f->st, &p);
	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	batcher_set_committed(f->b, on_committed, f);
	assert_int_equal(submit_many(f, 3, T0), 0);
	assert_int_equal(submit_many(f, 3, T0), BATCHER_QUOTA);	/* 3 wait */
	assert_int_equal(submit_many(f, 2, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 1);
	assert_int_equal(f->committed_reports[0], 5);
	/* the store kept 5 this hour: one more is one too many */
	make_report(&r, &pb, &s, "192.0.2.1", 1);
	one[0] = &r;
	assert_int_equal(batcher_submit(f->b, one, 1, T0 + 200, on_done, f,
	    err, sizeof(err)), BATCHER_QUOTA);
	assert_string_equal(err, "over this node's quota-per-hour (5): 5 "
	    "reports of this hour of batch time kept or waiting, room for 0 "
	    "more; every node would drop the rest, so nothing was signed; "
	    "send again after 23:00 UTC");
	/* past the flood line (10 x 5 dropped) if it were signed */
	for (int i = 0; i < 20; i++)
		assert_int_equal(submit_many(f, 3, T0 + 300), BATCHER_QUOTA);
	assert_int_equal(batcher_flush(f->b, T0 + 1000, true), 0);
	assert_int_equal(f->committed_calls, 1);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.over_quota, 3 + 1 + 20 * 3);
	assert_int_equal(bs.reports, 5);
	assert_int_equal(bs.rejected, 0);
	own_origin(f, &oi);
	assert_int_equal(oi.quota_used, 5);
	assert_int_equal(oi.quota_hour, T0 / 3600000);
	assert_int_equal(oi.quota_dropped, 0);
	assert_false(oi.blocked);
	assert_int_equal(oi.highest_seq, 1);
	/* the next hour of batch time has room again */
	assert_int_equal(submit_many(f, 5, next_hour), 0);
	assert_int_equal(batcher_flush(f->b, next_hour + 100, false), 1);
	assert_int_equal(f->done_status, 0);
	own_origin(f, &oi);
	assert_int_equal(oi.quota_used, 5);
	assert_int_equal(oi.quota_hour, next_hour / 3600000);
	assert_int_equal(oi.quota_dropped, 0);
	assert_false(oi.blocked);
}

/* live-ceiling 5: what would go over it is refused at submission
 * (counting what waits), never signed, and counted as over_live; once
 * the reports have expired (a week: the default TTL) there is room. */
static void
test_own_live_ceiling_refused(void **state)
{
	struct fixture *f = *state;
	const uint64_t later = T0 + 8 * 86400000ull;
	struct batcher_stats bs;
	struct origin_info oi;
	struct policy p;
	char err[256];
	const Reputed__Report *one[1];
	Reputed__Report r;
	Reputed__Subject pb;
	struct subject s;

	policy_default(&p);
	p.live_ceiling = 5;
	store_set_policy(f->st, &p);
	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	batcher_set_committed(f->b, on_committed, f);
	assert_int_equal(submit_many(f, 3, T0), 0);
	assert_int_equal(submit_many(f, 3, T0), BATCHER_QUOTA);	/* 3 wait */
	assert_int_equal(submit_many(f, 2, T0), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 1);
	assert_int_equal(f->committed_reports[0], 5);
	make_report(&r, &pb, &s, "192.0.2.1", 1);
	one[0] = &r;
	assert_int_equal(batcher_submit(f->b, one, 1, T0 + 200, on_done, f,
	    err, sizeof(err)), BATCHER_QUOTA);
	assert_string_equal(err, "over this node's live-ceiling (5): 5 "
	    "reports live or waiting, room for 0 more; every node would drop "
	    "the rest, so nothing was signed; room comes back as reports "
	    "expire");
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.over_live, 3 + 1);
	assert_int_equal(bs.over_quota, 0);
	own_origin(f, &oi);
	assert_int_equal(oi.live, 5);
	assert_int_equal(oi.live_dropped, 0);
	/* eight days on, the first five have expired: room for five */
	assert_int_equal(submit_many(f, 5, later), 0);
	assert_int_equal(submit_many(f, 1, later), BATCHER_QUOTA);
	assert_int_equal(batcher_flush(f->b, later + 100, false), 1);
	assert_int_equal(f->done_status, 0);
	own_origin(f, &oi);
	/* these say they were observed at T0: expired already, they count
	 * nowhere (the check at submission counted them: it errs on the
	 * side of refusing) */
	assert_int_equal(oi.live, 0);
	assert_int_equal(oi.live_dropped, 0);
	assert_false(oi.blocked);
}

/* The quota is checked again at sealing: a peer brought back batches of
 * this node's origin meanwhile (catch-up), so what waited no longer
 * fits. That batch is refused whole, unsigned, its submitter told. */
static void
test_own_quota_at_sealing(void **state)
{
	struct fixture *f = *state;
	struct batcher_stats bs;
	struct origin_info oi;
	struct policy p;

	policy_default(&p);
	p.quota_per_hour = 5;
	store_set_policy(f->st, &p);
	set_policy(f, BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, false);
	batcher_set_committed(f->b, on_committed, f);
	assert_int_equal(submit_many(f, 3, T0), 0);
	apply_own_batch(f, 1);
	apply_own_batch(f, 2);
	apply_own_batch(f, 3);
	assert_int_equal(batcher_flush(f->b, T0 + 100, false), 0);
	assert_int_equal(f->done_calls, 1);
	assert_int_equal(f->done_status, -1);
	assert_true(f->done_over_quota);
	assert_non_null(strstr(f->done_err, "over this node's quota-per-hour "
	    "(5)"));
	assert_int_equal(f->committed_calls, 0);
	batcher_stats(f->b, &bs);
	assert_int_equal(bs.over_quota, 3);
	assert_int_equal(bs.failed, 0);
	assert_int_equal(bs.next_seq, 4);
	own_origin(f, &oi);
	assert_int_equal(oi.highest_seq, 3);
	assert_int_equal(oi.quota_used, 3);
	assert_int_equal(oi.quota_dropped, 0);
	/* two still fit */
	assert_int_equal(submit_many(f, 2, T0 + 200), 0);
	assert_int_equal(batcher_flush(f->b, T0 + 300, false), 1);
	assert_int_equal(f->done_status, 0);
	assert_int_equal(f->first_seq, 4);
	own_origin(f, &oi);
	assert_int_equal(oi.quota_used, 5);
	assert_int_equal(oi.quota_dropped, 0);
	assert_false(oi.blocked);
}

static void
test_submission_limits(void **state)
{
	struct fixture *f = *state;
	char err[256];

	assert_int_equal(batcher_submit(f->b, NULL, 0, T0, on_done, f, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "a submission holds 1 to 4096 reports, not 0");
	assert_int_equal(submit_many(f, BATCHER_MAX_SUBMIT + 1, T0), -1);
	assert_int_equal(batcher_deadline(f->b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ack_after_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_batch_and_group_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_reports_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_tells_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_follows_own_batches_from_peers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retraction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_commit_acks_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue_full_is_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_going_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submission_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_seals_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_in_flight_joins_next_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_in_flight_joins_next_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caps_hold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_quota_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_quota_at_sealing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_live_ceiling_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
