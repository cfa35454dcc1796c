/*
 * retention.c: the pruner's libevent shell. While a sweep is under way, a
 * timer runs one store_prune_step (one small write transaction, at most
 * RETENTION_BUDGET records or reports looked at) every RETENTION_BUSY_MS,
 * so batches and peers get the loop between steps; after a sweep it waits
 * RETENTION_IDLE_MS. Each step's duration is measured: the longest is a
 * metric (the pruner's share of write-transaction stalls). The same timer
 * watches the map: a warning in the log and a metric past 80 % full.
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "node/log.h"
#include "node/retention.h"

#define RETENTION_BUDGET	2048
#define RETENTION_BUSY_MS	20
#define RETENTION_IDLE_MS	10000
#define MAP_WARN		0.80	/* warn at this share of the map */
#define MAP_REARM		0.75	/* and again after going below this */

struct retention {
	struct store *st;
	struct event *ev;
	struct store_prune p;
	uint64_t steps, refolded, batches;	/* totals */
	double step_max_s, step_last_s;
	double map_ratio;
	bool map_warned;
};

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
retention_arm(struct retention *r, unsigned ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(r->ev, &tv);
}

static void
retention_watch_map(struct retention *r)
{
	uint64_t used, size;

	if (store_map_use(r->st, &used, &size) == -1 || size == 0)
		return;
	r->map_ratio = (double)used / (double)size;
	if (r->map_ratio >= MAP_WARN && !r->map_warned) {
		log_warnx("store: the map is %.0f%% full (%llu of %llu MiB): "
		    "raise server: store-size, or shorten TTLs",
		    100 * r->map_ratio, (unsigned long long)(used >> 20),
		    (unsigned long long)(size >> 20));
		r->map_warned = true;
	} else if (r->map_ratio < MAP_REARM)
		r->map_warned = false;
}

static void
retention_cb(evutil_socket_t fd, short events, void *arg)
{
	struct retention *r = arg;
	char err[256];
	bool fresh = r->p.phase == 0 && r->p.key_len == 0;
	uint64_t rf0 = fresh ? 0 : r->p.refolded;
	uint64_t bp0 = fresh ? 0 : r->p.batches_pruned;
	double t0 = mono_s();
	int rc = store_prune_step(r->st, &r->p, RETENTION_BUDGET, err,
	    sizeof(err));

	r->step_last_s = mono_s() - t0;
	if (r->step_last_s > r->step_max_s)
		r->step_max_s = r->step_last_s;
	r->steps++;
	if (rc == -1) {
		log_warnx("prune: %s", err);
		memset(&r->p, 0, sizeof(r->p));
		retention_arm(r, RETENTION_IDLE_MS);
		return;
	}
	r->refolded += r->p.refolded - rf0;
	r->batches += r->p.batches_pruned - bp0;
	if (rc == 1) {
		if (r->p.refolded || r->p.batches_pruned)
			log_debug("prune: sweep %llu: %llu records refolded, "
			    "%llu batches pruned",
			    (unsigned long long)r->p.sweeps,
			    (unsigned long long)r->p.refolded,
			    (unsigned long long)r->p.batches_pruned);
		retention_watch_map(r);
	}
	retention_arm(r, rc == 1 ? RETENTION_IDLE_MS : RETENTION_BUSY_MS);
}

static void
retention_metrics(void *arg, struct evbuffer *out)
{
	struct retention *r = arg;
	struct { const char *name, *type, *help; double v; } m[] = {
		{ "reputed_store_map_used_ratio", "gauge",
		    "Share of the store's map in use (warning at 0.8).",
		    r->map_ratio },
		{ "reputed_prune_sweeps_total", "counter",
		    "Pruner sweeps over the whole store.",
		    (double)r->p.sweeps },
		{ "reputed_prune_steps_total", "counter",
		    "Pruner write transactions.", (double)r->steps },
		{ "reputed_prune_refolded_total", "counter",
		    "Evidence records refolded without expired reports.",
		    (double)r->refolded },
		{ "reputed_prune_batches_total", "counter",
		    "Batches pruned (none of their reports counts).",
		    (double)r->batches },
		{ "reputed_prune_step_max_seconds", "gauge",
		    "The longest pruner write transaction.", r->step_max_s },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n"
		    "%s %.17g\n", m[i].name, m[i].help, m[i].name, m[i].type,
		    m[i].name, m[i].v);
}

struct retention *
retention_start(struct event_base *base, struct store *st, struct api *api)
{
	struct retention *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->st = st;
	if ((r->ev = evtimer_new(base, retention_cb, r)) == NULL) {
		free(r);
		return NULL;
	}
	retention_watch_map(r);
	retention_arm(r, RETENTION_BUSY_MS);
	if (api != NULL && api_metrics_register(api, retention_metrics, r) ==
	    -1)
		log_warnx("prune: no room for its metrics");
	return r;
}

void
retention_stop(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->ev);
	free(r);
}
