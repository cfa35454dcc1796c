/*
 * spf_run.c: drives a sans-I/O evaluation (spf.c) over a resolver. Each
 * query the evaluator asks goes to the resolver; each answer is copied
 * into the evaluator and the evaluation steps on. A resolver may answer
 * inside resolver_query() (resolver_mem) or later from the event loop
 * (resolver_unbound): the loop below handles both without recursion.
 * This shell (not the sans-I/O core) reads the clock, for the elapsed-time
 * limit of RFC 7208 4.6.4.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "feeds/feeds.h"

struct spf_run {
	struct spf_eval	*ev;		/* owned */
	struct timespec	 start;		/* for the elapsed-time limit */
	unsigned	 max_ms;
	struct resolver	*res;		/* borrowed */
	spf_done_cb	 done;
	void		*arg;
	bool		 in_query;	/* inside resolver_query() */
	bool		 answered;	/* the last query has its answer */
};

static void	run_drive(struct spf_run *);

static unsigned long
run_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* The elapsed-time limit, checked before each query (so an evaluation
 * ends at most one query timeout after it). The coarse clock (a few ms
 * of resolution) is plenty for a limit of seconds, and reading it costs
 * next to nothing. */
static bool
run_expired(struct spf_eval *ev, const struct timespec *start,
    unsigned max_ms)
{
	char why[80];

	if (run_elapsed_ms(start) <= max_ms)
		return false;
	snprintf(why, sizeof(why), "evaluation took longer than %u ms "
	    "(RFC 7208 4.6.4)", max_ms);
	spf_eval_abort(ev, why);
	return true;
}

static void
run_answer_cb(void *arg, const struct dns_answer *ans)
{
	struct spf_run *run = arg;

	spf_eval_answer(run->ev, ans);
	run->answered = true;
	if (!run->in_query)
		run_drive(run);
}

static void
run_drive(struct spf_run *run)
{
	static const struct dns_answer failed = { DNS_TEMPFAIL, 0, NULL };
	struct spf_query q;

	for (;;) {
		if (spf_eval_step(run->ev, &q) == SPF_STEP_DONE ||
		    run_expired(run->ev, &run->start, run->max_ms)) {
			run->done(run->arg, spf_eval_outcome(run->ev));
			spf_eval_free(run->ev);
			free(run);
			return;
		}
		run->answered = false;
		run->in_query = true;
		if (resolver_query(run->res, q.name, q.type, run_answer_cb,
		    run) == -1) {		/* cb will never be called */
			spf_eval_answer(run->ev, &failed);
			run->answered = true;
		}
		run->in_query = false;
		if (!run->answered)
			return;		/* the answer comes later */
	}
}

int
spf_run_start(struct resolver *res, const struct spf_request *req,
    spf_done_cb done, void *arg, char *err, size_t errlen)
{
	struct spf_run *run = calloc(1, sizeof(*run));

	if (run == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((run->ev = spf_eval_new(req, err, errlen)) == NULL) {
		free(run);
		return -1;
	}
	run->res = res;
	run->done = done;
	run->arg = arg;
	run->max_ms = req->max_ms ? req->max_ms : SPF_MAX_MS;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &run->start);
	run_drive(run);
	return 0;
}

struct sync_state {
	bool		 answered;
	struct spf_eval	*ev;
};

static void
sync_answer_cb(void *arg, const struct dns_answer *ans)
{
	struct sync_state *st = arg;

	spf_eval_answer(st->ev, ans);
	st->answered = true;
}

/* Copies the used part of each string only: outcomes are large. */
static void
outcome_copy(struct spf_outcome *dst, const struct spf_outcome *src)
{
	dst->result = src->result;
	dst->dns_terms = src->dns_terms;
	dst->void_lookups = src->void_lookups;
	dst->queries = src->queries;
	memcpy(dst->domain, src->domain, strlen(src->domain) + 1);
	memcpy(dst->record, src->record, strlen(src->record) + 1);
	memcpy(dst->mechanism, src->mechanism, strlen(src->mechanism) + 1);
	memcpy(dst->explanation, src->explanation, strlen(src->explanation) + 1);
	memcpy(dst->problem, src->problem, strlen(src->problem) + 1);
}

int
spf_run_sync(struct resolver *res, const struct spf_request *req,
    struct spf_outcome *out, char *err, size_t errlen)
{
	_Alignas(max_align_t) unsigned char mem[SPF_EVAL_SIZE];
	struct sync_state st = { false, NULL };
	struct spf_query q;

	struct timespec start;
	unsigned max_ms = req->max_ms ? req->max_ms : SPF_MAX_MS;

	if ((st.ev = spf_eval_init(mem, sizeof(mem), req, err, errlen)) == NULL)
		return -1;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &start);
	while (spf_eval_step(st.ev, &q) == SPF_STEP_QUERY &&
	    !run_expired(st.ev, &start, max_ms)) {
		st.answered = false;
		if (resolver_query(res, q.name, q.type, sync_answer_cb, &st) == -1 ||
		    !st.answered) {
			snprintf(err, errlen, "the resolver did not answer at once");
			spf_eval_free(st.ev);
			return -1;
		}
	}
	outcome_copy(out, spf_eval_outcome(st.ev));
	spf_eval_free(st.ev);
	return 0;
}
