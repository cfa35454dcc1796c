/*
 * par.c: deliveries on several threads, with the results of one.
 *
 * Most of a run's time is a delivery's node part (sim_deliver_input: the
 * node's gossip core reads the bytes, verifies and applies what is new to
 * its store), and that part touches its node alone. A group is the events
 * at the head of the queue within a few lookaheads of the first. Its
 * parallel members are ready deliveries to nodes not yet in the group,
 * each earlier than every earlier member's time plus the least delay from
 * that member's node to its own (the shortest path over the links' least
 * latencies: whatever a node does reaches another no sooner); their node
 * parts run at once, a node always on the same thread (node % threads:
 * each thread's verify memo then sees the same batches in every run).
 * Then every member, in queue order on the main thread, has its turn: the
 * world part of a parallel one (measures, the node's sends, the trace), or
 * the whole of any other (a node's second delivery, a flush, a tick). An
 * event that a turn schedules before the next member's time runs in
 * between, as it would one event at a time. The trace hash of a run is
 * therefore the same for any number of threads
 * (tests/integration/sim_small.sh holds that).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/simint.h"

#define PAR_GROUP 256		/* events in a group, at most */
#define PAR_SPINS 2000		/* polls before a thread sleeps or yields */
#define PAR_DIST_NODES 4096	/* larger: the global least latency */
/* A group holds the events of this many lookaheads from its first: a
 * longer group runs more of what falls between its members one at a time
 * (3: the fastest of 1, 3, 10 and 30 ms at the 200-node baseline). */
#define PAR_SPAN_LOOKAHEADS 3

struct par {
	struct sim *w;
	int threads;
	pthread_t tid[SIM_THREADS_MAX];
	pthread_mutex_t mu;
	pthread_cond_t go;
	atomic_uint_fast64_t gen;	/* group number: workers start on it */
	atomic_int busy;		/* workers still in this group */
	atomic_bool quit;
	uint32_t *dist;			/* n x n least delays, us, or NULL */
	uint64_t span;			/* us: a group's events within this */
	uint64_t group;			/* for snode.par_batch */
	uint64_t groups, grouped;	/* groups of 2 or more, their size */
	uint64_t calls, members;
	size_t n, n_par;
	struct event ev[PAR_GROUP];
	struct dwork dw[PAR_GROUP];
	bool inpar[PAR_GROUP];		/* its node part runs with others' */
};

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Thread t's share of the group: the deliveries to its nodes, in order. */
static void
run_share(struct par *p, int t)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->inpar[i] && p->dw[i].ni % p->threads == t)
			sim_deliver_input(p->w, &p->ev[i], &p->dw[i]);
}

/* Waits for the group after `seen`; false when told to quit. */
static bool
wait_group(struct par *p, uint64_t seen)
{
	for (int spin = 0; spin < PAR_SPINS; spin++) {
		if (atomic_load_explicit(&p->gen, memory_order_acquire) != seen)
			return true;
		cpu_relax();
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

/* Least delays from node src to every node (Dijkstra over the links'
 * floors; a plain O(n^2) scan, n is at most PAR_DIST_NODES). */
static void
dist_from(const struct sim *w, int src, uint32_t *d, bool *done)
{
	int n = w->n_nodes;

	for (int i = 0; i < n; i++) {
		d[i] = UINT32_MAX;
		done[i] = false;
	}
	d[src] = 0;
	for (;;) {
		int u = -1;
		for (int i = 0; i < n; i++)
			if (!done[i] && d[i] != UINT32_MAX &&
			    (u < 0 || d[i] < d[u]))
				u = i;
		if (u < 0)
			return;
		done[u] = true;
		const struct snode *nu = &w->nodes[u];
		for (size_t k = 0; k < nu->n_links; k++) {
			const struct slink *l = &w->links[nu->links[k]];
			int v = l->a == u ? l->b : l->a;
			uint64_t f = link_floor(l->m), x = (uint64_t)d[u] + f;
			if (x < d[v])
				d[v] = x > UINT32_MAX - 1 ? UINT32_MAX - 1 :
				    (uint32_t)x;
		}
	}
}

static uint32_t *
all_dists(const struct sim *w)
{
	size_t n = (size_t)w->n_nodes;
	uint32_t *d;
	bool *done;

	if (n == 0 || n > PAR_DIST_NODES ||
	    (d = malloc(n * n * sizeof(*d))) == NULL)
		return NULL;
	if ((done = malloc(n)) == NULL) {
		free(d);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		dist_from(w, (int)i, d + i * n, done);
	free(done);
	return d;
}

/* The least delay from node a's doings to node b. */
static uint64_t
par_dist(const struct par *p, int a, int b)
{
	if (p->dist == NULL)
		return p->w->lookahead;
	return p->dist[(size_t)a * (size_t)p->w->n_nodes + (size_t)b];
}

struct par *
par_new(struct sim *w, int threads)
{
	struct par *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->w = w;
	p->threads = threads;
	p->dist = all_dists(w);
	p->span = PAR_SPAN_LOOKAHEADS * w->lookahead;
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
	if (getenv("REPUTESIM_PAR_STATS"))
		fprintf(stderr, "par: %llu groups, %llu deliveries in them; "
		    "%llu gathers of %llu events\n",
		    (unsigned long long)p->groups,
		    (unsigned long long)p->grouped,
		    (unsigned long long)p->calls,
		    (unsigned long long)p->members);
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->quit, true);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	for (int t = 1; t < p->threads; t++)
		if (p->tid[t])
			pthread_join(p->tid[t], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->go);
	free(p->dist);
	free(p);
}

/* The node an event acts on, for those a group may hold; -1 for the
 * others (links, samples, faults: they end a group). */
static int
member_node(const struct sim *w, const struct event *e)
{
	switch (e->kind) {
	case EV_DELIVER:
		return sim_deliver_node(w, e);
	case EV_FLUSH:
	case EV_TICK:
		return (int)e->a;
	default:
		return -1;
	}
}

/*
 * How e joins the group: 1, its node part beside the others' (a ready
 * delivery to a node not yet in the group, which no earlier member's
 * doings can reach by its time); 0, whole and in its turn on the main
 * thread (a node's second event, a flush, a tick, a delivery that is not
 * ready or is within reach), its node then the group's to the end; -1,
 * it ends the group. A member in its turn sees what one event at a time
 * would show it: earlier members' node parts touched other nodes only,
 * and whatever they cause reaches a later parallel member's node no
 * sooner than that member's time, which is what the check below keeps.
 */
static int
joins(const struct par *p, const struct event *e)
{
	const struct sim *w = p->w;
	int j;

	if (e->at >= w->s.duration || (j = member_node(w, e)) < 0 ||
	    e->at >= p->ev[0].at + p->span)
		return -1;
	if (e->kind != EV_DELIVER || w->nodes[j].par_batch == p->group ||
	    !sim_deliver_ready(w, e))
		return 0;
	for (size_t i = 0; i < p->n; i++)
		if (e->at >= p->ev[i].at + par_dist(p, p->dw[i].ni, j))
			return 0;
	return 1;
}

static void
add_member(struct par *p, const struct event *e, bool par)
{
	struct sim *w = p->w;
	int j = member_node(w, e);

	p->ev[p->n] = *e;
	p->dw[p->n].ni = j;
	p->inpar[p->n] = par;
	p->n_par += par;
	w->nodes[j].par_batch = p->group;
	p->n++;
}

/* The events after first that may go with it, off the queue. */
static void
gather(struct par *p, const struct event *first)
{
	struct sim *w = p->w;
	struct event e;
	int how;

	p->group++;
	p->n = p->n_par = 0;
	add_member(p, first, true);
	while (p->n < PAR_GROUP && evq_peek(&w->q, &e) &&
	    (how = joins(p, &e)) >= 0) {
		evq_pop(&w->q, &e);
		add_member(p, &e, how == 1);
	}
}

/* The node parts of the group, on every thread. */
static void
run_nodes(struct par *p)
{
	atomic_store(&p->busy, p->threads - 1);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add(&p->gen, 1);
	pthread_cond_broadcast(&p->go);
	pthread_mutex_unlock(&p->mu);
	run_share(p, 0);
	for (unsigned spin = 0; atomic_load(&p->busy) > 0; spin++)
		if (spin < PAR_SPINS)
			cpu_relax();
		else
			sched_yield();
}

void
par_deliveries(struct par *p, const struct event *first)
{
	struct sim *w = p->w;
	struct event e;
	bool run = false;

	gather(p, first);
	p->calls++;
	p->members += p->n;
	if (p->n_par > 1) {
		p->groups++;
		p->grouped += p->n_par;
		run_nodes(p);
		run = true;
	}
	for (size_t i = 0; i < p->n; i++) {
		const struct event *d = &p->ev[i];
		if (run && p->inpar[i]) {
			w->now = d->at;
			w->events++;
			sim_trace(w, d->at, (uint64_t)d->kind,
			    (uint64_t)d->a << 32 | d->b);
			sim_deliver_finish(w, &p->dw[i]);
		} else
			sim_event(w, d);
		/* what that scheduled before the next one runs first */
		while (i + 1 < p->n && evq_peek(&w->q, &e) &&
		    e.at < p->ev[i + 1].at) {
			evq_pop(&w->q, &e);
			sim_event(w, &e);
		}
	}
}
