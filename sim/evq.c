/*
 * evq.c: a binary min-heap of events keyed by (at, seq).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdlib.h>

#include "sim/evq.h"

static bool
before(const struct event *x, const struct event *y)
{
	return x->at < y->at || (x->at == y->at && x->seq < y->seq);
}

void
evq_init(struct evq *q)
{
	q->heap = NULL;
	q->n = q->cap = 0;
	q->next_seq = 0;
}

void
evq_free(struct evq *q)
{
	free(q->heap);
	evq_init(q);
}

int
evq_push(struct evq *q, uint64_t at, int kind, uint32_t a, uint32_t b,
    void *p)
{
	size_t i;

	if (q->n == q->cap) {
		size_t ncap = q->cap ? q->cap * 2 : 1024;
		struct event *h = realloc(q->heap, ncap * sizeof(*h));
		if (h == NULL)
			return -1;
		q->heap = h;
		q->cap = ncap;
	}
	struct event e = { at, q->next_seq++, kind, a, b, p };
	for (i = q->n++; i > 0; i = (i - 1) / 2) {
		struct event *parent = &q->heap[(i - 1) / 2];
		if (!before(&e, parent))
			break;
		q->heap[i] = *parent;
	}
	q->heap[i] = e;
	return 0;
}

bool
evq_peek(const struct evq *q, struct event *out)
{
	if (q->n == 0)
		return false;
	*out = q->heap[0];
	return true;
}

bool
evq_pop(struct evq *q, struct event *out)
{
	size_t i = 0;

	if (q->n == 0)
		return false;
	*out = q->heap[0];
	struct event last = q->heap[--q->n];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= q->n)
			break;
		if (c + 1 < q->n && before(&q->heap[c + 1], &q->heap[c]))
			c++;
		if (!before(&q->heap[c], &last))
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->n > 0)
		q->heap[i] = last;
	return true;
}

size_t
evq_len(const struct evq *q)
{
	return q->n;
}
