/*
 * mailcheck.c: Sender-ID evaluation of locally submitted reports (see
 * mailcheck.h). A submission becomes one block: a header (struct mc_sub)
 * and one job per evaluation it needs. Jobs wait in one FIFO shared by all
 * submissions and start while fewer than max_inflight run; each drives the
 * sans-I/O check_host() (spf_eval_*) over the resolver, one question at a
 * time, and writes its result into the report when it ends. When the last
 * job of a submission ends, its done callback runs and the block is freed.
 *
 * We drive spf_eval_* here rather than call spf_run_start() so that a
 * running evaluation can be cancelled: mailcheck_free frees the resolver
 * (which never calls back after that) and then every evaluation it owns.
 *
 * Owns: the resolver, every queued or running evaluation. Borrows: the
 * reports of each submission until its done callback. Reads the monotonic
 * clock for the elapsed-time limit (RFC 7208 4.6.4), as spf_run.c does.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "feeds/feeds.h"
#include "node/mailcheck.h"
#include "node/prom.h"

/* Which identity a job checks. */
enum mc_kind {
	MC_MFROM,		/* RFC 7208 MAIL FROM */
	MC_HELO,		/* RFC 7208 HELO (also a null sender's MAIL FROM) */
	MC_PRA,			/* RFC 4406 Sender ID, pra scope */
};

struct mc_sub;

struct mc_job {
	struct mc_sub	*sub;
	Reputed__MailEvidence *mail;	/* borrowed: the results go here */
	enum mc_kind	 kind;
	bool		 set_mfrom;	/* result goes to spf_mail_from */
	bool		 set_helo;	/* ... to spf_helo */
	time_t		 now;		/* %{t}: when the report was observed */
	struct spf_eval	*ev;		/* owned while running */
	struct timespec	 start;		/* for the elapsed-time limit */
	bool		 in_query;	/* inside resolver_query() */
	bool		 answered;	/* the last query has its answer */
	struct mc_job	*prev, *next;	/* in the queue or the running list */
};

/* One mailcheck_run: this header, then njobs jobs, in one allocation. */
struct mc_sub {
	struct mailcheck *mc;
	mailcheck_done_cb done;
	void		*arg;
	size_t		 njobs;
	size_t		 nreps;		/* reports of the submission */
	size_t		 pending;	/* jobs not ended */
	bool		 cancelled;	/* done was called: the reports are
					 * gone, results go nowhere */
	struct mc_sub	*prev, *next;	/* mc->subs */
	struct mc_job	 jobs[];
};

struct mailcheck {
	struct resolver	*res;		/* owned */
	unsigned	 max_inflight;
	unsigned	 deadline_ms;
	struct mc_job	*queue, *queue_tail;	/* FIFO of jobs to start */
	struct mc_job	*running;	/* jobs with an evaluation */
	struct mc_sub	*subs;		/* submissions not done */
	bool		 pumping;	/* inside mc_pump */
	bool		 stopped;	/* mailcheck_cancel: take no more */
	struct mailcheck_stats stats;
};

#define MC_PATH_MAX	(SPF_DOMAIN_MAX + 66)	/* a MAIL FROM we evaluate */

static void	mc_drive(struct mc_job *);
static void	mc_pump(struct mailcheck *);

/* ---- what a report needs ---- */

static bool
mc_has(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* The MAIL FROM without one pair of angle brackets ("<>" is empty). */
static void
mc_path(const char *path, char *out, size_t outlen)
{
	size_t len = path ? strlen(path) : 0;

	if (len >= 2 && path[0] == '<' && path[len - 1] == '>')
		snprintf(out, outlen, "%.*s", (int)(len - 2), path + 1);
	else
		snprintf(out, outlen, "%s", path ? path : "");
}

/* The jobs of one report, as flags: 1 MAIL FROM, 2 HELO, 4 PRA; 8 when
 * one HELO evaluation answers both MAIL FROM and HELO (a null sender:
 * RFC 7208 2.4 checks postmaster@HELO, the HELO check's own identity). */
static unsigned
mc_plan(const Reputed__Report *r)
{
	const Reputed__MailEvidence *m = r->mail;
	char from[MC_PATH_MAX];
	unsigned plan = 0;

	if (m == NULL || (m->client_ip.len != 4 && m->client_ip.len != 16))
		return 0;
	mc_path(m->mail_from, from, sizeof(from));
	if (m->spf_mail_from == REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED &&
	    (from[0] != '\0' || mc_has(m->helo)))
		plan |= 1;
	if (m->spf_helo == REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED &&
	    mc_has(m->helo))
		plan |= 2;
	if (m->sender_id_pra == REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED &&
	    mc_has(m->pra))
		plan |= 4;
	if ((plan & 3) == 3 && from[0] == '\0')
		plan |= 8;
	return plan;
}

unsigned
mailcheck_needed(const Reputed__Report *r)
{
	unsigned plan = mc_plan(r);

	return (plan & 1) + !!(plan & 2) + !!(plan & 4) - !!(plan & 8);
}

/* ---- one evaluation ---- */

static void
mc_list_remove(struct mc_job **head, struct mc_job *j)
{
	if (j->prev)
		j->prev->next = j->next;
	else
		*head = j->next;
	if (j->next)
		j->next->prev = j->prev;
	j->prev = j->next = NULL;
}

/* The last job of a submission ended: tell the submitter (unless
 * mailcheck_cancel already did), free it. */
static void
mc_sub_end(struct mc_sub *sub, enum mailcheck_status status)
{
	struct mailcheck *mc = sub->mc;

	if (sub->prev)
		sub->prev->next = sub->next;
	else
		mc->subs = sub->next;
	if (sub->next)
		sub->next->prev = sub->prev;
	if (!sub->cancelled) {
		mc->stats.held -= (unsigned)sub->nreps;
		sub->done(sub->arg, status);
	}
	free(sub);
}

/* A job ended (out NULL: it could not start); writes its result. */
static void
mc_job_end(struct mc_job *j, const struct spf_outcome *out)
{
	struct mailcheck *mc = j->sub->mc;
	struct mc_sub *sub = j->sub;

	if (out != NULL)
		mc->stats.results[out->result]++;
	if (out != NULL && !sub->cancelled) {
		Reputed__AuthResult auth = spf_result_auth(out->result);
		if (j->set_mfrom)
			j->mail->spf_mail_from = auth;
		if (j->set_helo)
			j->mail->spf_helo = auth;
		if (j->kind == MC_PRA)
			j->mail->sender_id_pra = auth;
	}
	if (j->ev != NULL) {
		mc_list_remove(&mc->running, j);
		spf_eval_free(j->ev);
		j->ev = NULL;
		mc->stats.inflight--;
	}
	if (--sub->pending == 0)
		mc_sub_end(sub, MAILCHECK_DONE);
}

static unsigned long
mc_elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return (unsigned long)((now.tv_sec - start->tv_sec) * 1000 +
	    (now.tv_nsec - start->tv_nsec) / 1000000);
}

/* RFC 7208 4.6.4: "MAY want to impose a limit on the amount of elapsed
 * time", at least 20 seconds. Checked before each query, so a run ends at
 * most one query timeout past it, with temperror. */
static bool
mc_expired(struct mc_job *j)
{
	char why[80];

	if (mc_elapsed_ms(&j->start) <= j->sub->mc->deadline_ms)
		return false;
	snprintf(why, sizeof(why), "evaluation took longer than %u ms "
	    "(RFC 7208 4.6.4)", j->sub->mc->deadline_ms);
	spf_eval_abort(j->ev, why);
	return true;
}

static void
mc_answer_cb(void *arg, const struct dns_answer *ans)
{
	struct mc_job *j = arg;
	struct mailcheck *mc = j->sub->mc;

	spf_eval_answer(j->ev, ans);
	j->answered = true;
	if (!j->in_query) {		/* from the event loop */
		mc_drive(j);
		mc_pump(mc);
	}
}

/* Steps the evaluation until it waits for DNS or ends; a resolver that
 * answers inside resolver_query() is handled without recursion. */
static void
mc_drive(struct mc_job *j)
{
	static const struct dns_answer failed = { DNS_TEMPFAIL, 0, NULL };
	struct spf_query q;

	for (;;) {
		if (spf_eval_step(j->ev, &q) == SPF_STEP_DONE || mc_expired(j)) {
			mc_job_end(j, spf_eval_outcome(j->ev));
			return;
		}
		j->answered = false;
		j->in_query = true;
		if (resolver_query(j->sub->mc->res, q.name, q.type,
		    mc_answer_cb, j) == -1) {	/* cb will never be called */
			spf_eval_answer(j->ev, &failed);
			j->answered = true;
		}
		j->in_query = false;
		if (!j->answered)
			return;		/* the answer comes from the loop */
	}
}

/* Builds the request from the report and starts the evaluation. */
static void
mc_job_start(struct mailcheck *mc, struct mc_job *j)
{
	const Reputed__MailEvidence *m = j->mail;
	char ip[INET6_ADDRSTRLEN], from[MC_PATH_MAX], err[128];
	struct spf_request req;
	struct pra_result pra;

	if (inet_ntop(m->client_ip.len == 4 ? AF_INET : AF_INET6,
	    m->client_ip.data, ip, sizeof(ip)) == NULL) {
		mc_job_end(j, NULL);
		return;
	}
	memset(&req, 0, sizeof(req));
	if (j->kind == MC_PRA) {
		memset(&pra, 0, sizeof(pra));
		pra.status = PRA_FOUND;
		snprintf(pra.addr, sizeof(pra.addr), "%s", m->pra);
		senderid_request(&req, ip, m->helo, &pra);
		req.default_exp = NULL;
	} else {
		mc_path(m->mail_from, from, sizeof(from));
		req.ip = ip;
		req.sender = j->kind == MC_MFROM ? from : "";
		req.helo = m->helo ? m->helo : "";
		req.scope = j->kind == MC_MFROM ? SPF_SCOPE_MFROM :
		    SPF_SCOPE_HELO;
	}
	req.now = j->now;
	req.max_ms = mc->deadline_ms;
	if ((j->ev = spf_eval_new(&req, err, sizeof(err))) == NULL) {
		mc_job_end(j, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC_COARSE, &j->start);
	j->next = mc->running;
	if (mc->running)
		mc->running->prev = j;
	mc->running = j;
	if (++mc->stats.inflight > mc->stats.inflight_max)
		mc->stats.inflight_max = mc->stats.inflight;
	mc_drive(j);
}

/* Starts queued jobs while there is room. Jobs that end at once (a
 * synchronous resolver) make room again within the same loop. */
static void
mc_pump(struct mailcheck *mc)
{
	struct mc_job *j;

	if (mc->pumping)
		return;
	mc->pumping = true;
	while (mc->stats.inflight < mc->max_inflight &&
	    (j = mc->queue) != NULL) {
		if ((mc->queue = j->next) == NULL)
			mc->queue_tail = NULL;
		j->next = NULL;
		mc->stats.queued--;
		if (j->sub->cancelled)
			mc_job_end(j, NULL);	/* nobody waits for it */
		else
			mc_job_start(mc, j);
	}
	mc->pumping = false;
}

/* ---- submissions ---- */

static void
mc_enqueue(struct mailcheck *mc, struct mc_job *j)
{
	j->prev = j->next = NULL;
	if (mc->queue_tail)
		mc->queue_tail->next = j;
	else
		mc->queue = j;
	mc->queue_tail = j;
	mc->stats.queued++;
}

/* Fills the jobs of report r from its plan; returns the next free job. */
static struct mc_job *
mc_add_jobs(struct mc_sub *sub, struct mc_job *j, Reputed__Report *r)
{
	unsigned plan = mc_plan(r);
	time_t now = (time_t)(r->observed_at / 1000);

	if (plan != 0)
		sub->mc->stats.reports++;
	for (int k = 0; k < 3; k++) {
		if (!(plan & (1u << k)) || (k == 0 && (plan & 8)))
			continue;	/* the HELO job answers MAIL FROM too */
		memset(j, 0, sizeof(*j));
		j->sub = sub;
		j->mail = r->mail;
		j->now = now;
		j->kind = k == 0 ? MC_MFROM : k == 1 ? MC_HELO : MC_PRA;
		j->set_mfrom = k == 0 || (k == 1 && (plan & 8));
		j->set_helo = k == 1;
		j++;
	}
	return j;
}

int
mailcheck_run(struct mailcheck *mc, Reputed__Report *const *reps, size_t n,
    mailcheck_done_cb done, void *arg, char *err, size_t errlen)
{
	struct mc_sub *sub;
	size_t njobs = 0;

	if (mc->stopped) {
		snprintf(err, errlen, "stopping; send again");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		njobs += mailcheck_needed(reps[i]);
	if (njobs == 0) {
		done(arg, MAILCHECK_DONE);
		return 0;
	}
	if (mc->stats.queued + njobs > MAILCHECK_MAX_QUEUED ||
	    mc->stats.held + n > MAILCHECK_MAX_HELD) {
		mc->stats.refused++;
		snprintf(err, errlen, "Sender-ID: %u evaluations and %u reports "
		    "waiting; try again later", mc->stats.queued,
		    mc->stats.held);
		return -1;
	}
	if ((sub = calloc(1, sizeof(*sub) + njobs * sizeof(sub->jobs[0]))) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sub->mc = mc;
	sub->done = done;
	sub->arg = arg;
	sub->njobs = sub->pending = njobs;
	sub->nreps = n;
	mc->stats.held += (unsigned)n;
	sub->next = mc->subs;
	if (mc->subs)
		mc->subs->prev = sub;
	mc->subs = sub;
	for (size_t i = 0, k = 0; i < n; i++) {
		struct mc_job *end = mc_add_jobs(sub, &sub->jobs[k], reps[i]);
		k = (size_t)(end - sub->jobs);
	}
	for (size_t k = 0; k < njobs; k++)
		mc_enqueue(mc, &sub->jobs[k]);
	mc_pump(mc);
	return 0;
}

static void
mc_wait_cb(void *arg, enum mailcheck_status status)
{
	*(bool *)arg = true;
}

int
mailcheck_run_wait(struct mailcheck *mc, struct event_base *base,
    Reputed__Report *const *reps, size_t n, char *err, size_t errlen)
{
	bool done = false;

	if (mailcheck_run(mc, reps, n, mc_wait_cb, &done, err, errlen) == -1)
		return -1;
	while (!done)
		if (event_base_loop(base, EVLOOP_ONCE) != 0) {
			snprintf(err, errlen, "event loop: nothing to wait for");
			mailcheck_cancel(mc);	/* reps are no longer touched */
			return -1;
		}
	return 0;
}

/* ---- life cycle and counters ---- */

struct mailcheck *
mailcheck_new_resolver(struct resolver *res, unsigned max_inflight,
    unsigned deadline_ms)
{
	struct mailcheck *mc = calloc(1, sizeof(*mc));

	if (mc == NULL) {
		resolver_free(res);
		return NULL;
	}
	mc->res = res;
	mc->max_inflight = max_inflight ? max_inflight : MAILCHECK_MAX_INFLIGHT;
	mc->deadline_ms = deadline_ms ? deadline_ms : SPF_MAX_MS;
	return mc;
}

struct mailcheck *
mailcheck_new(struct event_base *base, const char *spec, unsigned timeout_ms,
    unsigned max_inflight, unsigned deadline_ms, char *err, size_t errlen)
{
	struct resolver *res;
	struct mailcheck *mc;

	res = resolver_unbound_new(base, strcmp(spec, "system") == 0 ? NULL :
	    spec, timeout_ms, err, errlen);
	if (res == NULL)
		return NULL;
	if ((mc = mailcheck_new_resolver(res, max_inflight, deadline_ms)) ==
	    NULL)
		snprintf(err, errlen, "out of memory");
	return mc;
}

void
mailcheck_cancel(struct mailcheck *mc)
{
	mc->stopped = true;
	for (struct mc_sub *sub = mc->subs; sub != NULL; sub = sub->next)
		if (!sub->cancelled) {
			sub->cancelled = true;
			mc->stats.held -= (unsigned)sub->nreps;
			sub->done(sub->arg, MAILCHECK_CANCELLED);
		}
}

void
mailcheck_free(struct mailcheck *mc)
{
	struct mc_job *j;

	if (mc == NULL)
		return;
	resolver_free(mc->res);		/* no answer comes after this */
	mc->res = NULL;
	while ((j = mc->running) != NULL) {
		mc->running = j->next;
		spf_eval_free(j->ev);
	}
	mc->queue = mc->queue_tail = NULL;
	while (mc->subs != NULL)
		mc_sub_end(mc->subs, MAILCHECK_CANCELLED);
	free(mc);
}

void
mailcheck_stats(const struct mailcheck *mc, struct mailcheck_stats *s)
{
	*s = mc->stats;
}

void
mailcheck_metrics(void *arg, struct evbuffer *out)
{
	const struct mailcheck *mc = arg;
	const struct mailcheck_stats *s = &mc->stats;

	prom_family(out, "reputed_senderid_evaluations_total", PROM_COUNTER,
	    "Sender-ID evaluations of local reports, by result.");
	for (int r = SPF_NONE; r <= SPF_PERMERROR; r++)
		prom_sample(out, "reputed_senderid_evaluations_total", "result",
		    spf_result_name(r), s->results[r]);
	prom_u64(out, "reputed_senderid_reports_total", PROM_COUNTER,
	    "Local reports that needed a Sender-ID evaluation.", s->reports);
	prom_u64(out, "reputed_senderid_refused_total", PROM_COUNTER,
	    "Submissions refused because too many evaluations waited.",
	    s->refused);
	prom_u64(out, "reputed_senderid_inflight", PROM_GAUGE,
	    "Sender-ID evaluations running.", s->inflight);
	prom_u64(out, "reputed_senderid_inflight_max", PROM_GAUGE,
	    "Sender-ID evaluations that ran at once, at most.",
	    s->inflight_max);
	prom_u64(out, "reputed_senderid_queued", PROM_GAUGE,
	    "Sender-ID evaluations waiting.", s->queued);
	prom_u64(out, "reputed_senderid_held_reports", PROM_GAUGE,
	    "Reports waiting for the evaluations of their submission.",
	    s->held);
}
