/*
 * batcher_event.c: the batcher's libevent shell. A timer that runs
 * batcher_flush when the core says a batch is due (a zero timer when it is
 * due at once: then the flush runs after the other events of the loop
 * turn, and the reports they bring join its batch), and the wall clock the
 * daemon and reputectl pass to the core. The simulator has its own shell
 * (the virtual clock), so nothing here is linked into a simulated node.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdlib.h>
#include <time.h>

#include <event2/event.h>

#include "node/batcher.h"

struct batcher_timer {
	struct batcher *b;
	struct event *ev;
};

uint64_t
batcher_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The core's wake hook: set the timer for the next deadline. */
static void
batcher_timer_set(void *arg, uint64_t due, uint64_t now)
{
	struct batcher_timer *t = arg;
	struct batcher_policy pol;
	uint64_t wait;
	struct timeval tv;

	if (due == 0) {
		event_del(t->ev);
		return;
	}
	batcher_get_policy(t->b, &pol);
	/* due now (nothing in flight): a zero timer runs the flush after the
	 * rest of this loop turn, so what is read in the same turn joins */
	wait = due > now ? due - now : 0;
	if (wait > pol.window_ms)	/* the clock went back */
		wait = pol.window_ms;
	tv.tv_sec = (time_t)(wait / 1000);
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	event_add(t->ev, &tv);
}

static void
batcher_timer_cb(evutil_socket_t fd, short events, void *arg)
{
	struct batcher_timer *t = arg;

	batcher_flush(t->b, batcher_now(), false);
	/* libevent's coarse monotonic clock can fire the timer a few ms
	 * before batcher_now() says the batch is due; then flush took nothing
	 * and armed nothing: arm again, or the batch waits for the next
	 * submission. */
	batcher_timer_set(t, batcher_deadline(t->b), batcher_now());
}

struct batcher_timer *
batcher_attach(struct batcher *b, struct event_base *base)
{
	struct batcher_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->b = b;
	if ((t->ev = evtimer_new(base, batcher_timer_cb, t)) == NULL) {
		free(t);
		return NULL;
	}
	batcher_set_wake(b, batcher_timer_set, t);
	batcher_timer_set(t, batcher_deadline(b), batcher_now());
	return t;
}

void
batcher_detach(struct batcher_timer *t)
{
	if (t == NULL)
		return;
	batcher_set_wake(t->b, NULL, NULL);
	event_free(t->ev);
	free(t);
}
