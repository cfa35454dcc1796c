/*
 * batcher.h: this node's own reports -> numbered, signed batches -> store.
 *
 * The core is sans-I/O: callers pass the time (Unix ms) in, and
 * batcher_flush does the work when it is due; the wake hook tells a shell
 * when that is. batcher_attach (batcher_event.c) puts a thin libevent timer
 * on top so the daemon flushes on time by itself; the simulator puts its
 * virtual clock there instead.
 *
 * Batches form adaptively, as Nagle's algorithm and group commit do: a
 * report that arrives while nothing is in flight is due at once (the
 * shell seals it at the end of its event loop turn, with whatever came in
 * the same turn); while a commit runs or the shell says a send is in
 * progress (batcher_set_busy), what arrives waits and joins the next
 * batch. The window (window_ms after a batch's first report) and the size
 * limit (max_reports) still close a batch under load. With idle_seal off
 * every batch waits its window, as before this was adaptive. Batches ready
 * together are applied in one store transaction (group commit). Only
 * after that commit completed does a submitter hear back (its done
 * callback) and the on_committed hook see the SignedBatch bytes (the peer
 * layer floods them from there).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_BATCHER_H
#define REPUTED_BATCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reputation/reputation.h"

#define BATCHER_MAX_REPORTS	256	/* items a batch can hold */
#define BATCHER_WINDOW_MS	100	/* default window (server: batch-window) */
#define BATCHER_WINDOW_MAX_MS	60000	/* the longest window allowed */
#define BATCHER_MAX_QUEUED	65536	/* reports waiting; more is refused */
#define BATCHER_MAX_SUBMIT	4096	/* reports in one submission */
/* packed reports in one batch (attestations are large) */
#define BATCHER_MAX_BYTES	(FRAME_MAX_DEFAULT / 2)

struct batcher;
struct batcher_timer;
struct event_base;

/* Where a report went: report `index` of this node's batch `seq`. A
 * retraction names a report the same way. */
struct batcher_id {
	uint64_t seq;
	uint32_t index;
};

/* What became of one submission. */
struct batcher_result {
	int status;		/* 0 committed, -1 not stored (see err) */
	size_t n;		/* reports (or retractions) in the submission */
	uint64_t first_seq, last_seq;	/* the batches that carry them */
	const char *err;	/* on failure; valid during the callback only */
	const struct batcher_id *ids;	/* reports: n ids, in submission
					 * order (NULL for retractions or on
					 * failure); valid during the callback */
	bool over_quota;	/* failed: over this node's own quota */
};
typedef void (*batcher_done_fn)(void *arg, const struct batcher_result *res);
/* sb borrows: valid during the call only. */
typedef void (*batcher_committed_fn)(void *arg, const uint8_t *sb, size_t len);

struct batcher_stats {
	uint64_t reports;	/* reports committed */
	uint64_t retractions;	/* retractions committed */
	uint64_t batches;	/* batches committed */
	uint64_t commits;	/* store transactions committed */
	uint64_t rejected;	/* reports refused by batcher_submit */
	uint64_t over_quota;	/* reports refused (never signed): this
				 * node's own quota would drop them */
	uint64_t over_live;	/* ... its own live ceiling would */
	uint64_t failed;	/* reports lost to a failed commit (not acked) */
	uint64_t queued;	/* reports waiting now */
	uint64_t next_seq;	/* the seq the next batch gets */
};

/* How batches form (server: batch-window, batch-size, batch-idle). The
 * defaults: BATCHER_WINDOW_MS, BATCHER_MAX_REPORTS, idle_seal on. */
struct batcher_policy {
	uint32_t window_ms;	/* a batch closes this long after it opened
				 * (1 .. BATCHER_WINDOW_MAX_MS) */
	uint32_t max_reports;	/* ... or holding this many reports and
				 * retractions (1 .. BATCHER_MAX_REPORTS) */
	bool idle_seal;		/* nothing in flight: due at once; false:
				 * every batch waits its window */
};

/* st and s are borrowed and must outlive the batcher. Reads this node's
 * highest applied seq from the store. NULL and err on failure. */
struct batcher *batcher_new(struct store *st, struct signer *s, char *err,
	    size_t errlen);
/* Submissions still waiting are told they failed ("shutting down"); call
 * batcher_flush(b, now, true) first to commit them. */
void batcher_free(struct batcher *b);
void batcher_set_committed(struct batcher *b, batcher_committed_fn fn,
	    void *arg);

/* Checks one report as the store will (subject, category, confidence,
 * mail evidence, time). 0, or -1 with a specific message in err. */
int batcher_check(const Reputed__Report *r, const struct policy *p,
	    uint64_t now, char *err, size_t errlen);
/* Queues n reports (copied: the caller keeps ownership) as one
 * submission; done(arg, ...) is called once, after the commit of the last
 * batch that carries them (or on failure). All or nothing: on a bad report
 * nothing is queued and BATCHER_INVALID (-1) returns with "report I: why"
 * in err; BATCHER_BUSY (-2) when the queue is full or memory ran out (try
 * again later); BATCHER_QUOTA (-3) when this node's own origin has no
 * room for n more reports in the current hour of batch time (policy
 * quota-per-hour, counting what the store kept and what waits here):
 * every node would drop the excess, and past the flood line block this
 * node's key. done may be NULL.
 *
 * The quota is checked again when batches are sealed (the hour is the
 * batch's created_at's, or the origin's later one): a batch whose reports
 * would not all be kept is never signed; its submitters are told, with
 * over_quota set. So this node never signs a report its quota drops. */
#define BATCHER_INVALID	(-1)
#define BATCHER_BUSY	(-2)
#define BATCHER_QUOTA	(-3)
int batcher_submit(struct batcher *b, const Reputed__Report *const *reports,
	    size_t n, uint64_t now, batcher_done_fn done, void *arg,
	    char *err, size_t errlen);
/* Queues n retractions of this node's own reports (by the ids that
 * batcher_submit reported), as one submission; they travel in the next
 * batch like reports. BATCHER_INVALID for an id that cannot name a
 * committed report of this node. */
int batcher_retract(struct batcher *b, const struct batcher_id *ids,
	    size_t n, uint64_t now, batcher_done_fn done, void *arg,
	    char *err, size_t errlen);
/* Sets how batches form; a value out of range is clamped into it. Applies
 * to the open batch too (the shell is told the new deadline). */
void batcher_set_policy(struct batcher *b, const struct batcher_policy *p,
	    uint64_t now);
void batcher_get_policy(const struct batcher *b, struct batcher_policy *out);
/* The shell says whether a send of earlier batches is in progress (the
 * peer links have bytes queued). While it is, new reports wait (up to the
 * window) and join one batch; when it ends, a waiting batch is due. */
void batcher_set_busy(struct batcher *b, bool busy, uint64_t now);
/* When batcher_flush should next run (Unix ms), or 0 when nothing waits. */
uint64_t batcher_deadline(const struct batcher *b);
/* Closes the open batch if it is due (or force), then seals and commits
 * every closed batch in one transaction and runs the callbacks. Returns the
 * number of batches committed, -1 if the commit failed (the submissions
 * in it were told). */
int batcher_flush(struct batcher *b, uint64_t now, bool force);
void batcher_stats(const struct batcher *b, struct batcher_stats *out);

/* The shell's hook: called with the next deadline (0: nothing waits) and
 * the time the core was given, whenever the deadline may have moved. */
typedef void (*batcher_wake_fn)(void *arg, uint64_t due, uint64_t now);
void batcher_set_wake(struct batcher *b, batcher_wake_fn fn, void *arg);

/* batcher_event.c, the libevent shell: a timer on base that runs
 * batcher_flush when due (NULL on failure); detach before batcher_free. */
struct batcher_timer *batcher_attach(struct batcher *b,
	    struct event_base *base);
void batcher_detach(struct batcher_timer *t);
/* Unix time in milliseconds (the shell's clock). */
uint64_t batcher_now(void);

#endif
