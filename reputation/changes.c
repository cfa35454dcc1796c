/*
 * changes.c: which score keys each write transaction of this process
 * changed, so a cache in front of a store reader (the DNS answer cache)
 * can drop exactly what a commit made stale instead of everything.
 *
 * The writer appends records while its transaction runs and an END record
 * just before mdb_txn_commit; all under one mutex. A reader that sees
 * snapshot T (mdb_txn_id) then finds every record of every transaction
 * up to T, because the writer released the mutex before the commit the
 * reader observed. LMDB gives committed write transactions consecutive
 * ids, so a reader knows when a commit is missing from the journal (one
 * made by another process, or records that fell out of the ring) and then
 * answers "everything may have changed".
 *
 * Records of an aborted transaction stay, followed by a FLUSH for its id;
 * the next transaction reuses the id, so a reader sees the abort as a
 * flush, never as the new transaction's changes.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "reputation/reputation.h"

#define RING		16384	/* records; a reader further behind flushes */
#define KEY_INLINE	64	/* longer keys are journaled as a FLUSH */

enum rec_type { REC_KEY, REC_FLUSH, REC_END };

struct rec {
	uint64_t txn;
	uint8_t type;
	uint8_t len;
	uint8_t key[KEY_INLINE];
};

struct changes {
	pthread_mutex_t lock;
	uint64_t head;			/* records ever written */
	struct rec ring[RING];
};

struct changes *
changes_new(void)
{
	struct changes *c = calloc(1, sizeof(*c));
	if (c != NULL && pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

void
changes_free(struct changes *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void
append(struct changes *c, uint64_t txn, enum rec_type type,
    const uint8_t *key, size_t len)
{
	pthread_mutex_lock(&c->lock);
	struct rec *r = &c->ring[c->head % RING];
	r->txn = txn;
	r->type = (uint8_t)type;
	r->len = (uint8_t)len;
	if (len > 0)
		memcpy(r->key, key, len);
	c->head++;
	pthread_mutex_unlock(&c->lock);
}

void
changes_key(struct changes *c, uint64_t txn, const uint8_t *key, size_t len)
{
	if (len > KEY_INLINE)
		append(c, txn, REC_FLUSH, NULL, 0);
	else
		append(c, txn, REC_KEY, key, len);
}

void
changes_flush(struct changes *c, uint64_t txn)
{
	append(c, txn, REC_FLUSH, NULL, 0);
}

void
changes_end(struct changes *c, uint64_t txn)
{
	append(c, txn, REC_END, NULL, 0);
}

/* Puts a reader at snapshot upto on the first record of a later
 * transaction. That is only sure when the ring still holds a record of
 * upto or before: if its oldest record is already of a later transaction,
 * that transaction's first records may be overwritten, and the reader
 * must resync (and flush) again next time. */
static void
resync(const struct changes *c, struct changes_cursor *cur, uint64_t upto)
{
	uint64_t seq = c->head > RING ? c->head - RING : 0;
	bool sure = c->head <= RING || c->ring[seq % RING].txn <= upto;
	while (seq < c->head && c->ring[seq % RING].txn <= upto)
		seq++;
	cur->started = sure;
	cur->seq = seq;
	cur->txn = upto;
}

int
changes_read(struct changes *c, struct changes_cursor *cur, uint64_t upto,
    changes_fn fn, void *arg)
{
	int flush = 0;
	pthread_mutex_lock(&c->lock);
	if (!cur->started || c->head - cur->seq > RING) {
		resync(c, cur, upto);
		pthread_mutex_unlock(&c->lock);
		return 1;
	}
	uint64_t expect = cur->txn + 1;
	for (; cur->seq < c->head; cur->seq++) {
		const struct rec *r = &c->ring[cur->seq % RING];
		if (r->txn > upto)
			break;
		if (r->txn < expect || r->type == REC_FLUSH)
			flush = 1;
		else if (r->type == REC_END) {
			if (r->txn > expect)
				flush = 1;	/* a commit not journaled */
			expect = r->txn + 1;
		} else if (!flush)
			fn(arg, r->key, r->len);
	}
	pthread_mutex_unlock(&c->lock);
	if (expect <= upto)
		flush = 1;		/* commits after the last END we saw */
	cur->txn = upto;
	return flush;
}
