/*
 * par.c: deliveries on several threads, with the results of one.
 *
 * Most of a run's time is a delivery's node part (sim_deliver_input: the
 * node's gossip core reads the bytes, verifies and applies what is new to
 * its store), and that part touches its node alone. Deliveries at the head
 * of the event queue, each to another node and all earlier than the first
 * one's time plus the lookahead (the least latency any link draws), cannot
 * affect each other: whatever one causes at another node arrives a link's
 * latency later at the earliest. So their node parts run at once, a node
 * always on the same thread (node % threads: each thread's verify memo then
 * sees the same batches in every run), and their world parts (measures,
 * the node's sends, the trace) run one by one in queue order on the main
 * thread. An event that a world part schedules for its own node before the
 * next delivery of the group (a batcher flush, say) runs in between, as it
 * would one event at a time. The trace hash of a run is therefore the same
 * for any number of threads; tests/unit/sim_test.c holds that.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "sim/simint.h"

#define PAR_GROUP 256		/* deliveries run at once, at most */
#define PAR_SPINS 4000		/* polls before a thread sleeps */

struct par {
	struct sim *w;
	int threads;
	pthread_t tid[SIM_THREADS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t go;
	atomic_uint_fast64_t gen;	/* group number: workers start on it */
	atomic_int busy;		/* workers still in this group */
	atomic_bool quit;
	uint64_t group;			/* for snode.par_batch */
	size_t n;
	struct event ev[PAR_GROUP];
	struct dwork dw[PAR_GROUP];
};

/* Thread t's share of the group: the deliveries to its nodes, in order. */
static void
run_share(struct par *p, int t)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->dw[i].ni % p->threads == t)
			sim_deliver_input(p->w, &p->ev[i], &p->dw[i]);
}

/* Waits for the group after `seen`; false when told to quit. */
static bool
wait_group(struct par *p, uint64_t seen)
{
	for (int spin = 0; spin < PAR_SPINS; spin++) {
		if (atomic_load(&p->quit))
			return false;
		if (atomic_load(&p->gen) != seen)
			return true;
		sched_yield();
	}
	pthread_mutex_lock(&p->mu);
	while (atomic_load(&p->gen) == seen && !atomic_load(&p->quit))
		pthread_cond_wait(&p->go, &p->mu);
	pthread_mutex_unlock(&p->mu);
	return !atomic_load(&p->quit);
}

struct worker_arg {
	struct par *p;
	int t;
};

static void *
worker(void *arg)
{
	struct worker_arg a = *(struct worker_arg *)arg;
	uint64_t seen = 0;

	free(arg);
	while (wait_group(a.p, seen)) {
		seen = atomic_load(&a.p->gen);
		run_share(a.p, a.t);
		atomic_fetch_sub(&a.p->busy, 1);
	}
	return NULL;
}

struct par *
par_new(struct sim *w, int threads)
{
	struct par *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->w = w;
	p->threads = threads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->go, NULL);
	for (int t = 1; t < threads; t++) {
		struct worker_arg *a = malloc(sizeof(*a));
		if (a == NULL)
			goto fail;
		a->p = p;
		a->t = t;
		if (pthread_create(&p->tid[t], NULL, worker, a) != 0) {
			free(a);
			goto fail;
		}
		p->threads = t + 1;	/* par_free joins what started */
	}
	p->threads = threads;
	return p;
fail:
	par_free(p);
	return NULL;
}

void
par_free(struct par *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->quit, true);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int t = 1; t < p->threads; t++)
		if (p->tid[t])
			pthread_join(p->tid[t], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	free(p);
}

/* The deliveries after first that may run beside it, off the queue. */
static void
gather(struct par *p, const struct event *first)
{
	struct sim *w = p->w;
	uint64_t end = first->at + w->lookahead;
	struct event e;

	if (end > w->s.duration)
		end = w->s.duration;
	p->group++;
	p->n = 0;
	p->ev[p->n++] = *first;
	w->nodes[sim_deliver_node(w, first)].par_batch = p->group;
	while (p->n < PAR_GROUP && evq_peek(&w->q, &e) &&
	    e.kind == EV_DELIVER && e.at < end && sim_deliver_ready(w, &e)) {
		struct snode *n = &w->nodes[sim_deliver_node(w, &e)];
		if (n->par_batch == p->group)
			break;	/* its second: after the first's world part */
		n->par_batch = p->group;
		evq_pop(&w->q, &e);
		p->ev[p->n++] = e;
	}
}

/* The node parts of the group, on every thread. */
static void
run_nodes(struct par *p)
{
	for (size_t i = 0; i < p->n; i++)
		p->dw[i].ni = sim_deliver_node(p->w, &p->ev[i]);
	atomic_store(&p->busy, p->threads - 1);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	run_share(p, 0);
	while (atomic_load(&p->busy) > 0)
		sched_yield();
}

void
par_deliveries(struct par *p, const struct event *first)
{
	struct sim *w = p->w;
	struct event e;

	gather(p, first);
	if (p->n == 1) {
		sim_event(w, first);
		return;
	}
	run_nodes(p);
	for (size_t i = 0; i < p->n; i++) {
		const struct event *d = &p->ev[i];
		w->now = d->at;
		w->events++;
		sim_trace(w, d->at, (uint64_t)d->kind,
		    (uint64_t)d->a << 32 | d->b);
		sim_deliver_finish(w, &p->dw[i]);
		/* what that scheduled before the next one runs first */
		while (i + 1 < p->n && evq_peek(&w->q, &e) &&
		    e.at < p->ev[i + 1].at) {
			evq_pop(&w->q, &e);
			sim_event(w, &e);
		}
	}
}
