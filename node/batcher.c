/*
 * batcher.c: this node's own reports -> signed batches -> one store commit.
 *
 * Reports arrive in submissions (one API request, one reputectl call). Each
 * report is checked, packed (so the caller's memory is free again) and put
 * into the open batch; a batch closes when full, when its window is over,
 * or at once when nothing is in flight (idle_seal: no commit running, no
 * send the shell reported busy). batcher_flush seals every closed batch
 * with the next seq of this node's origin, applies them all in one write
 * transaction, commits, and only then tells the submitters and the
 * on_committed hook. A failed commit consumes no seq and acknowledges
 * nothing.
 *
 * This node's own quota (policy quota-per-hour of batch time) is never
 * overrun: batcher_submit refuses what would not fit in the current hour
 * (what the store kept of this origin plus what waits here), and a batch
 * that would still not fit when it is sealed is refused, not signed.
 *
 * The core reads no clock and does no I/O besides the store: whenever its
 * deadline may have moved it calls the wake hook, and the shell (a libevent
 * timer in batcher_event.c, the virtual clock in sim/) runs batcher_flush
 * at that time. Owns: the queued reports, the submissions. Borrows: the
 * store and the signer.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/batcher.h"

#define QUOTA_HOUR_MS	3600000ULL	/* the quota's hour of batch time */

/* One submission: told once, when its last batch is committed or failed. */
struct bsub {
	batcher_done_fn done;
	void *arg;
	size_t n;		/* reports or retractions */
	size_t queued;		/* of them queued so far */
	bool retractions;	/* a submission of retractions */
	int outstanding;	/* batches carrying its items, not yet done */
	bool failed;
	bool over_quota;	/* failed: a batch over this node's quota */
	char err[256];
	uint64_t first_seq, last_seq;
	struct batcher_id *ids;	/* reports: where each one went */
};

/* A batch being filled or waiting for the commit. */
struct bbatch {
	struct bbatch *next;
	bool closed;
	uint64_t opened_at;	/* when its first report came */
	uint64_t last_at;	/* when its last report came */
	int n;			/* reports */
	bool over_quota;	/* refused at sealing: over the quota */
	uint8_t *packed[BATCHER_MAX_REPORTS];	/* packed Reputed__Report */
	size_t len[BATCHER_MAX_REPORTS];
	size_t bytes;		/* packed, in all (BATCHER_MAX_BYTES) */
	int n_retr;		/* retractions */
	struct batcher_id retr[BATCHER_MAX_REPORTS];
	/* Distinct submitters, in order; a submitter's reports are
	 * contiguous: from report sub_first[k], its own number sub_pos[k]. */
	struct bsub *subs[BATCHER_MAX_REPORTS];
	int sub_first[BATCHER_MAX_REPORTS];
	size_t sub_pos[BATCHER_MAX_REPORTS];
	int n_subs;
	/* filled while committing */
	uint64_t seq;
	uint8_t *sb;
	size_t sblen;
};

struct batcher {
	struct store *st;
	struct store_reader *reader;	/* checks what retractions name */
	struct signer *signer;
	uint8_t origin[ED25519_KEY_LEN];
	uint64_t next_seq;
	uint64_t queued_reports;	/* reports waiting (no retractions) */
	struct bbatch *head, *tail;	/* oldest first; tail may be open */
	struct batcher_stats stats;
	batcher_committed_fn committed;
	void *committed_arg;
	batcher_wake_fn wake;	/* the shell's, or NULL */
	void *wake_arg;
	struct batcher_policy pol;
	bool busy;		/* the shell: a send is in progress */
	bool flushing;		/* a commit is in progress */
};

/* Nothing in flight, and the policy seals what comes then at once. */
static bool
batcher_idle(const struct batcher *b)
{
	return b->pol.idle_seal && !b->busy && !b->flushing;
}

/* Tells the shell when batcher_flush is next due (0: nothing waits). */
static void
batcher_arm(struct batcher *b, uint64_t now)
{
	if (b->wake != NULL)
		b->wake(b->wake_arg, batcher_deadline(b), now);
}

struct batcher *
batcher_new(struct store *st, struct signer *s, char *err, size_t errlen)
{
	struct batcher *b = calloc(1, sizeof(*b));
	struct origin_info info;

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->st = st;
	b->signer = s;
	b->pol.window_ms = BATCHER_WINDOW_MS;
	b->pol.max_reports = BATCHER_MAX_REPORTS;
	b->pol.idle_seal = true;
	signer_public_key(s, b->origin);
	if (store_get_origin(st, b->origin, &info) < 0 ||
	    (b->reader = store_reader_new(st)) == NULL) {
		snprintf(err, errlen, "cannot read this node's origin record");
		free(b);
		return NULL;
	}
	b->next_seq = info.highest_seq + 1;
	return b;
}

static void
bsub_release(struct bsub *sub)
{
	struct batcher_result res = { 0 };

	if (--sub->outstanding > 0)
		return;
	res.status = sub->failed ? -1 : 0;
	res.n = sub->n;
	res.first_seq = sub->first_seq;
	res.last_seq = sub->last_seq;
	res.err = sub->failed ? sub->err : NULL;
	res.ids = sub->failed ? NULL : sub->ids;
	res.over_quota = sub->failed && sub->over_quota;
	if (sub->done != NULL)
		sub->done(sub->arg, &res);
	free(sub->ids);
	free(sub);
}

static void
bsub_fail(struct bsub *sub, const char *why)
{
	if (!sub->failed)
		snprintf(sub->err, sizeof(sub->err), "%.200s", why);
	sub->failed = true;
}

/* Frees a batch; with why != NULL its submitters are told it failed. */
static void
bbatch_free(struct bbatch *bb, const char *why)
{
	for (int i = 0; i < bb->n; i++)
		free(bb->packed[i]);
	for (int i = 0; i < bb->n_subs; i++) {
		if (why != NULL)
			bsub_fail(bb->subs[i], why);
		bsub_release(bb->subs[i]);
	}
	free(bb->sb);
	free(bb);
}

void
batcher_free(struct batcher *b)
{
	struct bbatch *bb, *next;

	if (b == NULL)
		return;
	for (bb = b->head; bb != NULL; bb = next) {
		next = bb->next;
		b->stats.failed += (uint64_t)bb->n;
		bbatch_free(bb, "shutting down");
	}
	store_reader_free(b->reader);
	free(b);
}

void
batcher_set_committed(struct batcher *b, batcher_committed_fn fn, void *arg)
{
	b->committed = fn;
	b->committed_arg = arg;
}

/* The store's own check (report_check) for a batch made now: the batch
 * gets a created_at no earlier than now, so what passes here passes in
 * store_apply, and one bad report cannot sink a batch of others. */
int
batcher_check(const Reputed__Report *r, const struct policy *p, uint64_t now,
    char *err, size_t errlen)
{
	if (r->observed_at > now + p->future_slack_ms) {
		/* the same rule, said in the submitter's terms */
		snprintf(err, errlen, "observed_at is %llu ms in the future",
		    (unsigned long long)(r->observed_at - now));
		return -1;
	}
	return report_check(r, now, p, err, errlen);
}

/* The batch reports go into now: the open tail, or a new one. */
static struct bbatch *
batcher_open(struct batcher *b, uint64_t now)
{
	struct bbatch *bb;

	if (b->tail != NULL && !b->tail->closed)
		return b->tail;
	if ((bb = calloc(1, sizeof(*bb))) == NULL)
		return NULL;
	bb->opened_at = now;
	if (b->tail != NULL)
		b->tail->next = bb;
	else
		b->head = bb;
	b->tail = bb;
	return bb;
}

/* Notes that bb carries (one more) item of sub; closes bb when full. */
static void
bbatch_note(struct batcher *b, struct bbatch *bb, struct bsub *sub,
    uint64_t now)
{
	if (bb->n_subs == 0 || bb->subs[bb->n_subs - 1] != sub) {
		bb->sub_first[bb->n_subs] = bb->n - (sub->retractions ? 0 : 1);
		bb->sub_pos[bb->n_subs] = sub->queued;
		bb->subs[bb->n_subs++] = sub;
		sub->outstanding++;
	}
	sub->queued++;
	if (now > bb->last_at)
		bb->last_at = now;
	if (bb->n + bb->n_retr >= (int)b->pol.max_reports)
		bb->closed = true;
	b->stats.queued++;
}

/* Packs r into the open batch for sub. -1 when out of memory. */
static int
batcher_enqueue(struct batcher *b, const Reputed__Report *r, struct bsub *sub,
    uint64_t now)
{
	struct bbatch *bb = batcher_open(b, now);
	size_t len = reputed__report__get_packed_size(r);
	uint8_t *buf;

	/* attested reports are large: a batch must fit in one frame */
	if (bb != NULL && bb->n > 0 && bb->bytes + len > BATCHER_MAX_BYTES) {
		bb->closed = true;
		bb = batcher_open(b, now);
	}
	if (bb == NULL || (buf = malloc(len ? len : 1)) == NULL)
		return -1;
	reputed__report__pack(r, buf);
	bb->packed[bb->n] = buf;
	bb->bytes += len;
	bb->len[bb->n++] = len;
	b->queued_reports++;
	bbatch_note(b, bb, sub, now);
	return 0;
}

/* A submission of n items, held (outstanding 1) until all are queued. */
static struct bsub *
bsub_new(size_t n, bool retractions, batcher_done_fn done, void *arg)
{
	struct bsub *sub = calloc(1, sizeof(*sub));

	if (sub == NULL)
		return NULL;
	if (!retractions && (sub->ids = calloc(n, sizeof(*sub->ids))) == NULL) {
		free(sub);
		return NULL;
	}
	sub->done = done;
	sub->arg = arg;
	sub->n = n;
	sub->retractions = retractions;
	sub->outstanding = 1;
	return sub;
}

/*
 * Whether n more reports fit under this node's own live ceiling, counting
 * every report waiting as live too (one that expires within the day
 * would not count: the check errs on the side of refusing, never of
 * signing a report every node drops).
 */
static bool
live_fits(struct batcher *b, const struct origin_info *oi, size_t n,
    char *err, size_t errlen)
{
	uint64_t ceiling = oi->live_limit, live = oi->live + b->queued_reports;

	if (ceiling == 0)
		return true;
	if (live <= ceiling && n <= ceiling - live)
		return true;
	snprintf(err, errlen, "over this node's live-ceiling (%llu): %llu "
	    "reports live or waiting, room for %llu more; every node would "
	    "drop the rest, so nothing was signed; room comes back as "
	    "reports expire", (unsigned long long)ceiling,
	    (unsigned long long)live,
	    (unsigned long long)(live < ceiling ? ceiling - live : 0));
	b->stats.over_live += n;
	return false;
}

/* 0 when n more reports fit in this node's own quota for the hour a
 * batch made now counts in (hours never go back: the store's counters
 * as such a batch finds them), besides those waiting; else BATCHER_QUOTA
 * (BATCHER_BUSY if the store cannot be read) and why in err. */
static int
batcher_quota_check(struct batcher *b, size_t n, uint64_t now, char *err,
    size_t errlen)
{
	uint64_t quota, hour, used;
	struct origin_info oi;

	if (store_get_origin_at(b->st, b->origin, now, &oi) < 0) {
		snprintf(err, errlen, "the store cannot be read; try again");
		return BATCHER_BUSY;
	}
	quota = oi.quota_limit;		/* the policy's, or this node's share
					 * of its organisation's */
	if (!live_fits(b, &oi, n, err, errlen))
		return BATCHER_QUOTA;
	if (quota == 0)
		return 0;
	hour = oi.quota_hour;
	used = oi.quota_used + b->queued_reports;
	if (used <= quota && n <= quota - used)
		return 0;
	snprintf(err, errlen, "over this node's quota-per-hour (%llu): %llu "
	    "reports of this hour of batch time kept or waiting, room for "
	    "%llu more; every node would drop the rest, so nothing was "
	    "signed; send again after %02llu:00 UTC",
	    (unsigned long long)quota, (unsigned long long)used,
	    (unsigned long long)(used < quota ? quota - used : 0),
	    (unsigned long long)((hour + 1) % 24));
	b->stats.over_quota += n;
	return BATCHER_QUOTA;
}

int
batcher_submit(struct batcher *b, const Reputed__Report *const *reports,
    size_t n, uint64_t now, batcher_done_fn done, void *arg, char *err,
    size_t errlen)
{
	const struct policy *p = store_policy(b->st);
	struct bsub *sub;
	char why[160];
	int rc;

	if (n == 0 || n > BATCHER_MAX_SUBMIT) {
		snprintf(err, errlen, "a submission holds 1 to %d reports, not %zu",
		    BATCHER_MAX_SUBMIT, n);
		return -1;
	}
	if (b->stats.queued + n > BATCHER_MAX_QUEUED) {
		snprintf(err, errlen, "too many reports waiting; try again");
		b->stats.rejected += n;
		return BATCHER_BUSY;
	}
	for (size_t i = 0; i < n; i++)
		if (batcher_check(reports[i], p, now, why, sizeof(why)) == -1) {
			snprintf(err, errlen, "report %zu: %s", i, why);
			b->stats.rejected += n;
			return -1;
		}
	if ((rc = batcher_quota_check(b, n, now, err, errlen)) != 0)
		return rc;
	if ((sub = bsub_new(n, false, done, arg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return BATCHER_BUSY;
	}
	for (size_t i = 0; i < n; i++)
		if (batcher_enqueue(b, reports[i], sub, now) == -1) {
			bsub_fail(sub, "out of memory");
			break;
		}
	bsub_release(sub);
	batcher_arm(b, now);
	return 0;
}

static int
batcher_id_cmp(const void *x, const void *y)
{
	const struct batcher_id *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/* Whether a retraction of id waits in a batch not yet committed. */
static bool
batcher_retracting(const struct batcher *b, const struct batcher_id *id)
{
	for (const struct bbatch *bb = b->head; bb != NULL; bb = bb->next)
		for (int i = 0; i < bb->n_retr; i++)
			if (batcher_id_cmp(&bb->retr[i], id) == 0)
				return true;
	return false;
}

/* Every id must name a report of ours that stands: not past the end of
 * its batch, not retracted (or being retracted) already, not twice in
 * the submission. A retraction that retracts nothing spends no seq. */
static int
batcher_retract_check(struct batcher *b, const struct batcher_id *ids,
    size_t n, char *err, size_t errlen)
{
	struct batcher_id *sorted = malloc(n * sizeof(*sorted));
	int rc = 0;

	if (sorted == NULL) {
		snprintf(err, errlen, "out of memory");
		return BATCHER_BUSY;
	}
	memcpy(sorted, ids, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), batcher_id_cmp);
	for (size_t i = 1; i < n && rc == 0; i++)
		if (batcher_id_cmp(&sorted[i - 1], &sorted[i]) == 0) {
			snprintf(err, errlen, "report %u of batch %llu named "
			    "twice", sorted[i].index,
			    (unsigned long long)sorted[i].seq);
			rc = BATCHER_INVALID;
		}
	free(sorted);
	if (rc != 0)
		return rc;
	if (store_reader_begin(b->reader) == -1) {
		snprintf(err, errlen, "the store cannot be read; try again");
		return BATCHER_BUSY;
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		int live = store_report_live(b->reader, b->origin, ids[i].seq,
		    ids[i].index);
		if (live == 1 && !batcher_retracting(b, &ids[i]))
			continue;
		if (live == -1) {
			snprintf(err, errlen, "the store cannot be read; try "
			    "again");
			rc = BATCHER_BUSY;
		} else {
			snprintf(err, errlen, "retraction %zu: no report %u "
			    "standing in batch %llu of this node (past the "
			    "end of the batch, or retracted already)", i,
			    ids[i].index, (unsigned long long)ids[i].seq);
			rc = BATCHER_INVALID;
		}
	}
	store_reader_end(b->reader);
	return rc;
}

int
batcher_retract(struct batcher *b, const struct batcher_id *ids, size_t n,
    uint64_t now, batcher_done_fn done, void *arg, char *err, size_t errlen)
{
	struct bsub *sub;
	struct bbatch *bb;
	int rc;

	if (n == 0 || n > BATCHER_MAX_SUBMIT) {
		snprintf(err, errlen, "a submission holds 1 to %d retractions, "
		    "not %zu", BATCHER_MAX_SUBMIT, n);
		return BATCHER_INVALID;
	}
	if (b->stats.queued + n > BATCHER_MAX_QUEUED) {
		snprintf(err, errlen, "too many reports waiting; try again");
		return BATCHER_BUSY;
	}
	for (size_t i = 0; i < n; i++)
		if (ids[i].seq == 0 || ids[i].seq >= b->next_seq ||
		    ids[i].index >= BATCH_MAX_REPORTS) {
			snprintf(err, errlen, "retraction %zu: no report %u in "
			    "batch %llu of this node (batches 1..%llu so far)", i,
			    ids[i].index, (unsigned long long)ids[i].seq,
			    (unsigned long long)(b->next_seq - 1));
			return BATCHER_INVALID;
		}
	if ((rc = batcher_retract_check(b, ids, n, err, errlen)) != 0)
		return rc;
	if ((sub = bsub_new(n, true, done, arg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return BATCHER_BUSY;
	}
	for (size_t i = 0; i < n; i++) {
		if ((bb = batcher_open(b, now)) == NULL) {
			bsub_fail(sub, "out of memory");
			break;
		}
		bb->retr[bb->n_retr++] = ids[i];
		bbatch_note(b, bb, sub, now);
	}
	bsub_release(sub);
	batcher_arm(b, now);
	return 0;
}

uint64_t
batcher_deadline(const struct batcher *b)
{
	if (b->head == NULL)
		return 0;
	if (b->head->closed || batcher_idle(b))
		return b->head->opened_at;	/* due already */
	return b->head->opened_at + b->pol.window_ms;
}

/* The created_at of bb sealed now: never before a report was accepted,
 * as they were checked against that time (the clock may step back). */
static uint64_t
bbatch_created_at(const struct bbatch *bb, uint64_t now)
{
	return now > bb->last_at ? now : bb->last_at;
}

/* Unpacks a batch's reports, seals it with seq, and applies it in tx. */
static enum apply_status
batcher_seal_apply(struct batcher *b, struct store_txn *tx, struct bbatch *bb,
    uint64_t now, char *err, size_t errlen)
{
	Reputed__Report *reps[BATCHER_MAX_REPORTS];
	Reputed__Retraction retr[BATCHER_MAX_REPORTS], *rp[BATCHER_MAX_REPORTS];
	Reputed__Batch batch = REPUTED__BATCH__INIT;
	enum apply_status st = APPLY_ERROR;
	int n;

	for (int i = 0; i < bb->n_retr; i++) {
		reputed__retraction__init(&retr[i]);
		retr[i].seq = bb->retr[i].seq;
		retr[i].index = bb->retr[i].index;
		rp[i] = &retr[i];
	}
	batch.n_retractions = (size_t)bb->n_retr;
	batch.retractions = rp;

	for (n = 0; n < bb->n; n++)
		if ((reps[n] = reputed__report__unpack(NULL, bb->len[n],
		    bb->packed[n])) == NULL)
			break;
	snprintf(err, errlen, "cannot seal the batch");
	if (n == bb->n) {
		batch.seq = bb->seq;
		batch.created_at = bbatch_created_at(bb, now);
		batch.n_reports = (size_t)n;
		batch.reports = reps;
		bb->sb = envelope_seal(b->signer, &batch, &bb->sblen);
		if (bb->sb != NULL)
			st = store_apply(tx, bb->sb, bb->sblen, &batch, err,
			    errlen);
	}
	while (n-- > 0)
		reputed__report__free_unpacked(reps[n], NULL);
	return st;
}

/* Takes the closed batches off the queue (closing the open one if due). */
static struct bbatch *
batcher_take_ready(struct batcher *b, uint64_t now, bool force)
{
	struct bbatch *first = b->head, *last = NULL, *bb;

	/* now < opened_at: the wall clock went back; do not wait for it */
	if (b->tail != NULL && !b->tail->closed && (force || batcher_idle(b) ||
	    now >= b->tail->opened_at + b->pol.window_ms ||
	    now < b->tail->opened_at))
		b->tail->closed = true;
	for (bb = b->head; bb != NULL && bb->closed; bb = bb->next)
		last = bb;
	if (last == NULL)
		return NULL;
	b->head = last->next;
	if (b->head == NULL)
		b->tail = NULL;
	last->next = NULL;
	for (bb = first; bb != NULL; bb = bb->next) {
		b->stats.queued -= (uint64_t)(bb->n + bb->n_retr);
		b->queued_reports -= (uint64_t)bb->n;
	}
	return first;
}

/* This node's quota as the batches of one flush use it up. */
struct quota_run {
	uint64_t quota;		/* its quota: policy quota_per_hour, or
				 * its share of its organisation's (0:
				 * none) */
	uint64_t hour, used;	/* the origin's hour, reports kept in it */
};

/* Whether every report of bb is kept by the quota (as quota_take will
 * count them); if so they are counted in q. */
static bool
quota_fits(struct quota_run *q, const struct bbatch *bb, uint64_t now)
{
	uint64_t hour = bbatch_created_at(bb, now) / QUOTA_HOUR_MS;

	if (bb->n == 0)
		return true;
	if (hour > q->hour) {
		q->hour = hour;
		q->used = 0;
	}
	if (q->quota != 0 && (q->used > q->quota ||
	    (uint64_t)bb->n > q->quota - q->used))
		return false;
	q->used += (uint64_t)bb->n;
	return true;
}

/* bb gets no seq: its submitters are told why. */
static void
bbatch_refuse(struct bbatch *bb, const char *why, bool over_quota)
{
	bb->seq = 0;
	bb->over_quota = over_quota;
	for (int i = 0; i < bb->n_subs; i++) {
		bsub_fail(bb->subs[i], why);
		bb->subs[i]->over_quota |= over_quota;
	}
	free(bb->sb);
	bb->sb = NULL;
}

/* Applies the list in one transaction. Batches the store refused as
 * invalid, and those over this node's quota (never signed), are marked
 * (seq 0) and get no seq. 0, or -1 with err when the whole transaction
 * must go. */
static int
batcher_apply_all(struct batcher *b, struct bbatch *list, uint64_t now,
    char *err, size_t errlen)
{
	struct store_txn *tx;
	struct origin_info info;
	struct quota_run q = { 0, 0, 0 };
	uint64_t seq;
	char why[256];

	/* The peer layer may have applied batches of this origin (catch-up
	 * after the store was lost): never reuse their seqs. Read before the
	 * write transaction: LMDB allows one transaction per thread. */
	if (store_get_origin(b->st, b->origin, &info) < 0) {
		snprintf(err, errlen, "cannot read this node's origin record");
		return -1;
	}
	if (info.highest_seq >= b->next_seq)
		b->next_seq = info.highest_seq + 1;
	q.quota = info.quota_limit;
	q.hour = info.quota_hour;
	q.used = info.quota_used;
	seq = b->next_seq;
	if ((tx = store_begin(b->st, err, errlen)) == NULL)
		return -1;
	for (struct bbatch *bb = list; bb != NULL; bb = bb->next) {
		if (!quota_fits(&q, bb, now)) {
			snprintf(why, sizeof(why), "over this node's "
			    "quota-per-hour (%llu): the batch's %d reports "
			    "would be dropped by every node; not signed",
			    (unsigned long long)q.quota, bb->n);
			b->stats.over_quota += (uint64_t)bb->n;
			bbatch_refuse(bb, why, true);
			continue;
		}
		bb->seq = seq;
		switch (batcher_seal_apply(b, tx, bb, now, why, sizeof(why))) {
		case APPLY_OK:
		case APPLY_FLOOD:	/* stored; this node's own origin is
					 * blocked from the next batch on */
			seq++;
			break;
		case APPLY_INVALID:
		case APPLY_BLOCKED:
			bbatch_refuse(bb, why, false);
			break;
		default:
			snprintf(err, errlen, "batch seq %llu: %.200s",
			    (unsigned long long)seq, why);
			store_abort(tx);
			return -1;
		}
	}
	if (store_commit(tx, err, errlen) == -1)
		return -1;
	b->next_seq = seq;
	return 0;
}

/* Submitter k of a committed batch: its seq range and report ids. */
static void
bsub_committed(const struct bbatch *bb, int k)
{
	struct bsub *sub = bb->subs[k];
	int end = k + 1 < bb->n_subs ? bb->sub_first[k + 1] : bb->n;

	if (sub->first_seq == 0)
		sub->first_seq = bb->seq;
	sub->last_seq = bb->seq;
	if (sub->retractions)
		return;
	for (int i = bb->sub_first[k]; i < end; i++) {
		size_t pos = bb->sub_pos[k] + (size_t)(i - bb->sub_first[k]);
		sub->ids[pos].seq = bb->seq;
		sub->ids[pos].index = (uint32_t)i;
	}
}

/* After the commit: count, tell the hook and the submitters, free. */
static int
batcher_complete(struct batcher *b, struct bbatch *list, const char *why)
{
	struct bbatch *bb, *next;
	int committed = 0;

	for (bb = list; bb != NULL; bb = next) {
		next = bb->next;
		if (why == NULL && bb->seq != 0) {
			committed++;
			b->stats.batches++;
			b->stats.reports += (uint64_t)bb->n;
			b->stats.retractions += (uint64_t)bb->n_retr;
			for (int i = 0; i < bb->n_subs; i++)
				bsub_committed(bb, i);
			if (b->committed != NULL)
				b->committed(b->committed_arg, bb->sb, bb->sblen);
		} else if (!bb->over_quota)	/* counted there */
			b->stats.failed += (uint64_t)bb->n;
		bbatch_free(bb, why);
	}
	return committed;
}

int
batcher_flush(struct batcher *b, uint64_t now, bool force)
{
	struct bbatch *list = batcher_take_ready(b, now, force);
	char err[256];
	int n;

	if (list == NULL)
		return 0;
	/* What the callbacks submit joins the next batch, due when this
	 * flush is over. */
	b->flushing = true;
	if (batcher_apply_all(b, list, now, err, sizeof(err)) == -1) {
		struct origin_info info;
		/* Start again from what the store holds. */
		if (store_get_origin(b->st, b->origin, &info) >= 0)
			b->next_seq = info.highest_seq + 1;
		batcher_complete(b, list, err);
		n = -1;
	} else {
		b->stats.commits++;
		n = batcher_complete(b, list, NULL);
	}
	b->flushing = false;
	batcher_arm(b, now);
	return n;
}

void
batcher_stats(const struct batcher *b, struct batcher_stats *out)
{
	*out = b->stats;
	out->next_seq = b->next_seq;
}

void
batcher_set_wake(struct batcher *b, batcher_wake_fn fn, void *arg)
{
	b->wake = fn;
	b->wake_arg = arg;
}

void
batcher_set_policy(struct batcher *b, const struct batcher_policy *p,
    uint64_t now)
{
	b->pol = *p;
	if (b->pol.window_ms < 1)
		b->pol.window_ms = 1;
	if (b->pol.window_ms > BATCHER_WINDOW_MAX_MS)
		b->pol.window_ms = BATCHER_WINDOW_MAX_MS;
	if (b->pol.max_reports < 1)
		b->pol.max_reports = 1;
	if (b->pol.max_reports > BATCHER_MAX_REPORTS)
		b->pol.max_reports = BATCHER_MAX_REPORTS;
	if (b->tail != NULL && !b->tail->closed &&
	    b->tail->n + b->tail->n_retr >= (int)b->pol.max_reports)
		b->tail->closed = true;
	batcher_arm(b, now);
}

void
batcher_get_policy(const struct batcher *b, struct batcher_policy *out)
{
	*out = b->pol;
}

void
batcher_set_busy(struct batcher *b, bool busy, uint64_t now)
{
	if (b->busy == busy)
		return;
	b->busy = busy;
	batcher_arm(b, now);
}
