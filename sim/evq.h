/*
 * evq.h: the discrete-event queue, a binary min-heap ordered by (time,
 * sequence number). The sequence number is given at push time, so events
 * due at the same virtual millisecond run in the order they were
 * scheduled: the order never depends on the heap's layout or on memory
 * addresses.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_EVQ_H
#define REPUTED_SIM_EVQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event {
	uint64_t at;	/* virtual time, microseconds */
	uint64_t seq;	/* tie-break: push order */
	int kind;	/* the caller's */
	uint32_t a, b;	/* the caller's (node, link, ...) */
	void *p;	/* the caller's */
};

struct evq {
	struct event *heap;
	size_t n, cap;
	uint64_t next_seq;
};

void evq_init(struct evq *q);
void evq_free(struct evq *q);
/* -1 on ENOMEM. */
int evq_push(struct evq *q, uint64_t at, int kind, uint32_t a, uint32_t b,
    void *p);
/* The earliest event, false when empty. */
bool evq_pop(struct evq *q, struct event *out);
bool evq_peek(const struct evq *q, struct event *out);
size_t evq_len(const struct evq *q);

#endif
