/*
 * mailcheck.h: Sender-ID evaluation of locally submitted reports, before
 * they are batched and signed (issue 3). A report whose mail evidence has
 * a client IP and a MAIL FROM, HELO or PRA, but whose spf_mail_from /
 * spf_helo / sender_id_pra is AUTH_NOT_CHECKED, gets the missing results
 * from check_host() (feeds/spf.c) over a resolver; results the submitter
 * gave are kept. The verdict is this node's, taken at the time the report
 * is submitted, and travels signed in the batch (docs/SENDER-ID.md).
 *
 * At most max_inflight evaluations run at once; the rest wait in a FIFO
 * (at most MAILCHECK_MAX_QUEUED), so one submission of 4096 reports never
 * starts 12,000 lookups at once. Each evaluation has an elapsed-time
 * limit (deadline_ms, RFC 7208 4.6.4), checked before each DNS query.
 *
 * The core takes any resolver: libunbound on the daemon's event_base
 * (mailcheck_new), or the in-memory one in the unit tests
 * (mailcheck_new_resolver), where everything completes synchronously.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MAILCHECK_H
#define REPUTED_MAILCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "feeds/feeds.h"
#include "proto/reputed.pb-c.h"

struct event_base;
struct evbuffer;
struct mailcheck;

#define MAILCHECK_MAX_INFLIGHT	256	/* default evaluations at once */
#define MAILCHECK_MAX_QUEUED	65536	/* evaluations waiting, all requests */
#define MAILCHECK_MAX_HELD	65536	/* reports of submissions not done:
					 * they wait in memory meanwhile */

enum mailcheck_status {
	MAILCHECK_DONE,		/* every evaluation of the submission ended */
	MAILCHECK_CANCELLED,	/* mailcheck_cancel or _free came first:
				 * the reports may be partly evaluated;
				 * do not store them */
};

/* Called once per mailcheck_run that returned 0, possibly before it
 * returns (nothing to evaluate, or a synchronous resolver). */
typedef void (*mailcheck_done_cb)(void *arg, enum mailcheck_status status);

struct mailcheck_stats {
	uint64_t results[SPF_RESULTS];	/* evaluations ended, by
					 * enum spf_result */
	uint64_t reports;	/* reports that needed an evaluation */
	uint64_t refused;	/* submissions refused: queue full */
	unsigned inflight;	/* evaluations running now */
	unsigned inflight_max;	/* the most that ever ran at once */
	unsigned queued;	/* evaluations waiting to start */
	unsigned held;		/* reports of submissions not done */
};

/* A checker over res (takes ownership of res). max_inflight 0: the
 * default; deadline_ms 0: SPF_MAX_MS (20 s). NULL on out of memory. */
struct mailcheck *mailcheck_new_resolver(struct resolver *res,
	    unsigned max_inflight, unsigned deadline_ms);
/* A checker over libunbound on base. spec: "system" (resolv.conf) or
 * "HOST@PORT" / "HOST:PORT" of a server to forward to. timeout_ms per
 * DNS query (a query not answered in time is temperror). NULL with err. */
struct mailcheck *mailcheck_new(struct event_base *base, const char *spec,
	    unsigned timeout_ms, unsigned max_inflight, unsigned deadline_ms,
	    char *err, size_t errlen);
/* For a stop while the loop still runs (so the answers can go out):
 * calls every pending submission's done with MAILCHECK_CANCELLED now
 * (their reports are no longer touched) and refuses new submissions.
 * Evaluations already running end on their own, unseen. */
void	 mailcheck_cancel(struct mailcheck *mc);
/* Cancels what runs and waits (done with MAILCHECK_CANCELLED where
 * mailcheck_cancel did not already say so), frees the resolver first so
 * no answer comes after. NULL is a no-op. done must not free mc. */
void	 mailcheck_free(struct mailcheck *mc);

/* Evaluates what reps[0..n) lack and writes the results into their mail
 * evidence. The reports are borrowed, and written to, until done is
 * called. %{t} is each report's observed_at. 0: done will be called
 * once; -1 with err (MAILCHECK_MAX_QUEUED or _HELD reached, or cancelled): done is never called,
 * nothing changed. */
int	 mailcheck_run(struct mailcheck *mc, Reputed__Report *const *reps,
	    size_t n, mailcheck_done_cb done, void *arg, char *err,
	    size_t errlen);
/* For tools (reputectl report --check-spf): mailcheck_run, then runs
 * base's loop until it is done. 0, or -1 with err. */
int	 mailcheck_run_wait(struct mailcheck *mc, struct event_base *base,
	    Reputed__Report *const *reps, size_t n, char *err, size_t errlen);
/* Evaluations report r needs (0 to 3, as mailcheck_run would count). */
unsigned mailcheck_needed(const Reputed__Report *r);

void	 mailcheck_stats(const struct mailcheck *mc, struct mailcheck_stats *s);
/* Prometheus lines for GET /metrics (an api_metrics_fn; arg: the
 * mailcheck). */
void	 mailcheck_metrics(void *arg, struct evbuffer *out);

#endif
