/*
 * retention.h: the daemon's pruner (issue 12): store_prune_step in small
 * write transactions on the main loop, and the map-usage watch.
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_RETENTION_H
#define REPUTED_RETENTION_H

#include <event2/event.h>

#include "node/api.h"
#include "reputation/reputation.h"

struct retention;

/* Starts the timer; registers its metrics with api (if not NULL). */
struct retention *retention_start(struct event_base *base, struct store *st,
	    struct api *api);
void retention_stop(struct retention *r);

#endif
