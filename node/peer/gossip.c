/*
 * gossip.c: the dissemination core (see gossip.h for the model). Owns the
 * sessions, their send queues and catch-up ranges, the member directory
 * (origin -> certificate verdict), the held batches and the event queue.
 * Calls proto/ (frames, envelopes), reputation/ (the store) and pki.c;
 * never a socket, a clock or a log.
 *
 * The rules of the flood, in the order gossip_batch applies them:
 *   1. a batch whose (origin, seq) is stored with the same bytes is a
 *      duplicate: dropped before any signature check;
 *   2. an origin blocked (equivocation, flooding) or revoked: dropped and
 *      counted;
 *   3. an origin without a valid certificate (with a pki): held, bounded;
 *   4. the signature is checked once: a bad one closes the session;
 *   5. the batch is applied; after the commit, a new batch is forwarded to
 *      every session but the sender whose version vector lacks it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "node/peer/gossip.h"
#include "node/peer/pki.h"

/* clang-format off */
#define GOSSIP_EVENTS_MAX	1024	/* events not yet read are dropped */
#define GOSSIP_WORK_MAX		512	/* batches per group commit */
#define GOSSIP_RECHECK_MS	60000	/* certificate verdicts age */
#define GOSSIP_WANT_GAP_MS	1000	/* one Want per origin per second */
#define GOSSIP_DIR_CHUNK	(256u * 1024)	/* bytes of certs per Directory */
#define GOSSIP_HELD_BYTES	(16u << 20)	/* bytes of held batches */
#define GOSSIP_CERT_MAX		8192	/* DER bytes of one member certificate */
#define GOSSIP_UNVERIFIED_MAX	1024	/* members kept that do not validate
					 * here (passed on for others) */
#define GOSSIP_MAX_RANGES	8192	/* catch-up ranges per session (one per
					 * origin: Wants cannot grow it further) */
/* clang-format on */

/* ---- a hash map from a 32-byte key to a value ---- */

struct gossip_slot {
	uint8_t key[ED25519_KEY_LEN];
	uint64_t val; /* a seq, or a verdict */
	uint64_t aux; /* a time, or a generation */
	bool used;
};

struct gossip_map {
	struct gossip_slot *slots;
	size_t cap, n;
};

static size_t
gossip_map_hash(const uint8_t *key, size_t cap)
{
	uint64_t h;

	memcpy(&h, key, sizeof(h)); /* keys are public keys: uniform */
	return (size_t)(h & (cap - 1));
}

static struct gossip_slot *
gossip_map_find(const struct gossip_map *m, const uint8_t *key)
{
	if (m->cap == 0)
		return NULL;
	for (size_t i = gossip_map_hash(key, m->cap);;
	     i = (i + 1) & (m->cap - 1)) {
		struct gossip_slot *s = &m->slots[i];
		if (!s->used)
			return NULL;
		if (memcmp(s->key, key, ED25519_KEY_LEN) == 0)
			return s;
	}
}

static int
gossip_map_grow(struct gossip_map *m)
{
	struct gossip_map big = { .cap = m->cap ? m->cap * 2 : 16 };

	if ((big.slots = calloc(big.cap, sizeof(*big.slots))) == NULL)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct gossip_slot *s = &m->slots[i];
		if (!s->used)
			continue;
		size_t j = gossip_map_hash(s->key, big.cap);
		while (big.slots[j].used)
			j = (j + 1) & (big.cap - 1);
		big.slots[j] = *s;
		big.n++;
	}
	free(m->slots);
	*m = big;
	return 0;
}

/* The slot of key, made (zeroed) if new; NULL if out of memory. */
static struct gossip_slot *
gossip_map_get(struct gossip_map *m, const uint8_t *key)
{
	struct gossip_slot *s = gossip_map_find(m, key);
	size_t i;

	if (s != NULL)
		return s;
	if ((m->n + 1) * 2 > m->cap && gossip_map_grow(m) == -1)
		return NULL;
	for (i = gossip_map_hash(key, m->cap); m->slots[i].used;
	     i = (i + 1) & (m->cap - 1))
		;
	s = &m->slots[i];
	memcpy(s->key, key, ED25519_KEY_LEN);
	s->val = s->aux = 0;
	s->used = true;
	m->n++;
	return s;
}

static void
gossip_map_free(struct gossip_map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

/* ---- state ---- */

/* A growable byte queue with a read offset. */
struct gossip_buf {
	uint8_t *data;
	size_t off, len, cap; /* live bytes are data[off, len) */
};

struct gossip_range {
	uint8_t origin[ED25519_KEY_LEN];
	uint64_t next, last; /* still to send: [next, last] */
};

struct gossip_session {
	struct gossip *g;
	struct gossip_session *next; /* in g->sessions */
	enum gossip_state state;
	bool outbound, throttled, has_key;
	uint8_t key[ED25519_KEY_LEN]; /* expected / announced node key */
	char name[64];
	struct gossip_buf in, out;
	struct gossip_map peer_vv;   /* what the peer holds: origin -> seq;
					 * aux = time of our last Want */
	struct gossip_range *ranges; /* catch-up still to send */
	size_t n_ranges, cap_ranges;
	uint64_t created, last_rx, last_tx, ping_nonce;
	uint64_t batches_in, batches_out, bytes_in, bytes_out, errors;
	void *udata;
};

/* A member certificate and its verdict. */
enum gossip_verdict {
	VERDICT_UNKNOWN,
	VERDICT_VALID,
	VERDICT_REVOKED,
	VERDICT_INVALID
};

struct gossip_member {
	uint8_t key[ED25519_KEY_LEN];
	uint8_t *der;
	size_t len;
	X509 *cert;
	enum gossip_verdict verdict;
	bool has_org; /* valid, and org is its organisation */
	uint8_t org[PKI_ORG_ID_LEN];
};

/* A batch waiting for its origin's certificate. */
struct gossip_held {
	uint8_t *sb;
	size_t len;
	uint8_t origin[ED25519_KEY_LEN];
	uint64_t seq, expires;
};

/* A verified batch waiting for the group commit. */
struct gossip_work {
	uint8_t *sb; /* owned copy */
	size_t len;
	Reputed__Batch *batch;	     /* owned */
	struct gossip_session *from; /* NULL = local or released */
};

struct gossip {
	struct gossip_conf conf;
	char name[64];
	struct gossip_session *sessions;
	struct store_reader *reader;
	struct gossip_stats stats;
	uint64_t now;
	/* events: a ring */
	struct gossip_event *events;
	size_t ev_head, ev_n;
	/* directory */
	struct gossip_member *members;
	size_t n_members;
	struct gossip_map verdicts; /* origin -> verdict, aux = member + 1
				     * whose organisation it has */
	uint64_t verdict_gen, verdict_time;
	struct gossip_map blocked; /* origins blocked here for equivocation
				    * or flooding since start (the store
				    * refuses the others) */
	struct gossip_held *held;
	size_t n_held, held_bytes;
	struct gossip_work work[GOSSIP_WORK_MAX];
	size_t n_work;
};

void
gossip_conf_default(struct gossip_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->name = "reputed";
	c->frame_max = FRAME_MAX_DEFAULT;
	c->hello_timeout_ms = 10000;
	c->ping_interval_ms = 15000;
	c->dead_after_ms = 60000;
	c->queue_low = 256 * 1024;
	c->queue_high = 2u << 20;
	c->queue_max = 8u << 20;
	c->catchup_burst = 256;
	c->pending_window = 1024;	/* twice a group commit's batches */
	c->future_max_ms = 10 * 60 * 1000;
	c->held_max = 4096;
	c->held_ttl_ms = 120000;
	c->members_max = 4096;
}

/* ---- events ---- */

static void gossip_event(struct gossip *g, enum gossip_event_kind kind,
    struct gossip_session *s, int reason, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
gossip_event(struct gossip *g, enum gossip_event_kind kind,
    struct gossip_session *s, int reason, const char *fmt, ...)
{
	struct gossip_event *ev;
	va_list ap;

	if (g->ev_n == GOSSIP_EVENTS_MAX) { /* drop the oldest warning */
		g->ev_head = (g->ev_head + 1) % GOSSIP_EVENTS_MAX;
		g->ev_n--;
	}
	ev = &g->events[(g->ev_head + g->ev_n++) % GOSSIP_EVENTS_MAX];
	memset(ev, 0, sizeof(*ev));
	ev->kind = kind;
	ev->session = s;
	ev->reason = reason;
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
}

bool
gossip_event_next(struct gossip *g, struct gossip_event *ev)
{
	if (g->ev_n == 0)
		return false;
	*ev = g->events[g->ev_head];
	g->ev_head = (g->ev_head + 1) % GOSSIP_EVENTS_MAX;
	g->ev_n--;
	return true;
}

/* Forgets events naming a session about to be freed. */
static void
gossip_event_forget(struct gossip *g, struct gossip_session *s)
{
	for (size_t i = 0; i < g->ev_n; i++) {
		struct gossip_event *ev =
		    &g->events[(g->ev_head + i) % GOSSIP_EVENTS_MAX];
		if (ev->session == s)
			ev->session = NULL;
	}
}

/* ---- send queue ---- */

static int
gossip_buf_add(struct gossip_buf *b, const uint8_t *data, size_t len)
{
	if (len == 0)	/* nothing to add: data + 0 on a NULL buffer is UB */
		return 0;
	if (b->off > 0 && b->off == b->len)
		b->off = b->len = 0;
	if (b->len + len > b->cap && b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
	}
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		uint8_t *p = realloc(b->data, cap);
		if (p == NULL)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static size_t
gossip_buf_size(const struct gossip_buf *b)
{
	return b->len - b->off;
}

static void
gossip_buf_free(struct gossip_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* An emptied queue gives back a large buffer: idle sessions stay small. */
static void
gossip_buf_trim(struct gossip_buf *b)
{
	if (b->off == b->len && b->cap > 16384)
		gossip_buf_free(b);
}

static void gossip_close(struct gossip_session *s, int reason, bool bye,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Queues one encoded frame. Over the hard limit the peer is too slow: it
 * is dropped (the core never holds more than queue_max for it). */
static int
gossip_queue(struct gossip_session *s, const uint8_t *frame, size_t len)
{
	struct gossip *g = s->g;
	size_t q = gossip_buf_size(&s->out);

	if (s->state == GOSSIP_CLOSED)
		return -1;
	if (q + len > g->conf.queue_max) {
		g->stats.dropped_slow++;
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_TOO_SLOW, false,
		    "send queue over %zu bytes: peer too slow",
		    g->conf.queue_max);
		return -1;
	}
	if (gossip_buf_add(&s->out, frame, len) == -1) {
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_UNSPECIFIED, false,
		    "out of memory for the send queue");
		return -1;
	}
	g->stats.queued_bytes += len;
	if (!s->throttled && q + len > g->conf.queue_high) {
		s->throttled = true;
		gossip_event(g, GOSSIP_EV_THROTTLED, s, 0,
		    "send queue over %zu bytes: throttled", g->conf.queue_high);
	}
	return 0;
}

static int
gossip_send(struct gossip_session *s, const Reputed__Frame *f)
{
	size_t len;
	uint8_t *buf = frame_encode(f, &len);
	int rc;

	if (buf == NULL)
		return -1;
	rc = gossip_queue(s, buf, len);
	free(buf);
	return rc;
}

/* A batch frame, encoded by hand from the SignedBatch bytes as they are:
 * header, then field 2 (length-delimited) of Frame. */
static int
gossip_send_batch(struct gossip_session *s, const uint8_t *sb, size_t len)
{
	uint8_t hdr[16];
	size_t n = FRAME_HEADER_LEN, v = len, payload;

	hdr[n++] = 0x12;
	do {
		hdr[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	payload = n - FRAME_HEADER_LEN + len;
	if (payload > s->g->conf.frame_max)
		return -1;
	hdr[0] = (uint8_t)(payload >> 24);
	hdr[1] = (uint8_t)(payload >> 16);
	hdr[2] = (uint8_t)(payload >> 8);
	hdr[3] = (uint8_t)payload;
	if (gossip_queue(s, hdr, n) == -1 || gossip_queue(s, sb, len) == -1)
		return -1;
	s->batches_out++;
	s->g->stats.batches_out++;
	return 0;
}

/* ---- closing ---- */

static void
gossip_close(struct gossip_session *s, int reason, bool bye, const char *fmt,
    ...)
{
	struct gossip *g = s->g;
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Goodbye gb = REPUTED__GOODBYE__INIT;
	struct gossip_event *ev;
	va_list ap;

	if (s->state == GOSSIP_CLOSED)
		return;
	if (s->state == GOSSIP_UP && g->stats.sessions_up > 0)
		g->stats.sessions_up--;
	s->state = GOSSIP_CLOSED;
	g->stats.sessions_closed++;
	s->n_ranges = 0;
	gossip_event(g, GOSSIP_EV_CLOSED, s, reason, "%s", "");
	ev = &g->events[(g->ev_head + g->ev_n - 1) % GOSSIP_EVENTS_MAX];
	va_start(ap, fmt);
	vsnprintf(ev->text, sizeof(ev->text), fmt, ap);
	va_end(ap);
	if (!bye)
		return;
	/* The Goodbye goes out even past the queue limits. */
	gb.reason = reason;
	gb.text = ev->text;
	f.msg_case = REPUTED__FRAME__MSG_GOODBYE;
	f.goodbye = &gb;
	size_t len;
	uint8_t *buf = frame_encode(&f, &len);
	if (buf != NULL && gossip_buf_add(&s->out, buf, len) == 0)
		g->stats.queued_bytes += len;
	free(buf);
}

/* A peer broke a rule: counted, session closed with a Goodbye. */
static void
gossip_fault(struct gossip_session *s, int reason, const char *what,
    const char *detail)
{
	s->errors++;
	gossip_close(s, reason, true, "%s: %s", what, detail);
}

void
gossip_session_close(struct gossip_session *s, int reason, const char *text)
{
	gossip_close(s, reason, true, "%s", text ? text : "closed");
}

void
gossip_session_lost(struct gossip_session *s, const char *text)
{
	gossip_close(s, REPUTED__GOODBYE_REASON__BYE_UNSPECIFIED, false, "%s",
	    text ? text : "link lost");
}

/* ---- version vectors ---- */

struct gossip_vv {
	Reputed__VersionEntry *entries;
	Reputed__VersionEntry **ptrs;
	uint8_t (*keys)[ED25519_KEY_LEN];
	size_t n, cap;
};

/* Collects one entry; -1 when memory runs out (the walk stops and the
 * vector is not used). */
static int
gossip_vv_add(void *arg, const uint8_t origin[32], uint64_t seq)
{
	struct gossip_vv *vv = arg;

	if (vv->n == vv->cap) {
		size_t cap = vv->cap ? vv->cap * 2 : 64;
		void *e = realloc(vv->entries, cap * sizeof(*vv->entries));
		if (e == NULL)
			return -1;
		vv->entries = e;
		void *k = realloc(vv->keys, cap * sizeof(*vv->keys));
		if (k == NULL)
			return -1;
		vv->keys = k;
		vv->cap = cap;
	}
	memcpy(vv->keys[vv->n], origin, ED25519_KEY_LEN);
	reputed__version_entry__init(&vv->entries[vv->n]);
	vv->entries[vv->n].seq = seq;
	vv->n++;
	return 0;
}

static void
gossip_vv_free(struct gossip_vv *vv)
{
	free(vv->entries);
	free(vv->ptrs);
	free(vv->keys);
}

/* Our version vector from the store. */
static int
gossip_vv_load(struct gossip *g, struct gossip_vv *vv)
{
	int rc;

	memset(vv, 0, sizeof(*vv));
	if (store_reader_begin(g->reader) == -1)
		return -1;
	rc = store_version_vector(g->reader, gossip_vv_add, vv);
	store_reader_end(g->reader);
	if (rc == -1)
		return -1;
	if (vv->n > 0 && (vv->ptrs = calloc(vv->n, sizeof(*vv->ptrs))) == NULL)
		return -1;
	for (size_t i = 0; i < vv->n; i++) {
		vv->entries[i].origin.data = vv->keys[i];
		vv->entries[i].origin.len = ED25519_KEY_LEN;
		vv->ptrs[i] = &vv->entries[i];
	}
	return 0;
}

#define GOSSIP_TIP_LEN 16

/* The tip of a stored SignedBatch: the first bytes of SHA-256 over the
 * signed Batch bytes (not the wrapping, which a relay may change). */
static int
gossip_tip(const uint8_t *sb, size_t len, uint8_t tip[GOSSIP_TIP_LEN])
{
	Reputed__SignedBatch *s = reputed__signed_batch__unpack(NULL, len, sb);
	uint8_t h[32];
	int rc = -1;

	if (s != NULL &&
	    EVP_Digest(s->batch.data, s->batch.len, h, NULL, EVP_sha256(),
		NULL) == 1) {
		memcpy(tip, h, GOSSIP_TIP_LEN);
		rc = 0;
	}
	if (s != NULL)
		reputed__signed_batch__free_unpacked(s, NULL);
	return rc;
}

/* Fills the tips of a version vector for Hello (tips is n * TIP_LEN). */
static int
gossip_vv_tips(struct gossip *g, struct gossip_vv *vv, uint8_t *tips)
{
	if (store_reader_begin(g->reader) == -1)
		return -1;
	for (size_t i = 0; i < vv->n; i++) {
		const uint8_t *sb;
		size_t len;
		uint8_t *tip = tips + i * GOSSIP_TIP_LEN;
		if (store_get_batch(g->reader, vv->keys[i],
			vv->entries[i].seq, &sb, &len) != 0 ||
		    gossip_tip(sb, len, tip) != 0)
			continue; /* pruned: no tip */
		vv->entries[i].tip.data = tip;
		vv->entries[i].tip.len = GOSSIP_TIP_LEN;
	}
	store_reader_end(g->reader);
	return 0;
}

static int
gossip_send_hello(struct gossip_session *s)
{
	struct gossip *g = s->g;
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Hello h = REPUTED__HELLO__INIT;
	struct gossip_vv vv;
	int rc;

	uint8_t *tips = NULL;

	if (gossip_vv_load(g, &vv) == -1 ||
	    (vv.n > 0 &&
		(tips = malloc(vv.n * GOSSIP_TIP_LEN)) == NULL) ||
	    gossip_vv_tips(g, &vv, tips) == -1) {
		gossip_vv_free(&vv);
		free(tips);
		return -1;
	}
	h.version = PROTO_VERSION;
	h.node_key.data = g->conf.node_key;
	h.node_key.len = ED25519_KEY_LEN;
	h.n_vv = vv.n;
	h.vv = vv.ptrs;
	h.name = g->name;
	f.msg_case = REPUTED__FRAME__MSG_HELLO;
	f.hello = &h;
	rc = gossip_send(s, &f);
	gossip_vv_free(&vv);
	free(tips);
	return rc;
}

/* What the peer has of origin; updated as batches pass either way. */
static void
gossip_peer_has(struct gossip_session *s, const uint8_t *origin, uint64_t seq)
{
	struct gossip_slot *sl = gossip_map_get(&s->peer_vv, origin);

	if (sl != NULL && seq == sl->val + 1)
		sl->val = seq;
}

static bool
gossip_peer_lacks(struct gossip_session *s, const uint8_t *origin, uint64_t seq)
{
	struct gossip_slot *sl = gossip_map_find(&s->peer_vv, origin);

	return sl == NULL || seq > sl->val;
}

/* ---- catch-up ---- */

static void
gossip_range_add(struct gossip_session *s, const uint8_t *origin, uint64_t from,
    uint64_t to)
{
	if (from == 0 || to < from)
		return;
	for (size_t i = 0; i < s->n_ranges; i++) {
		struct gossip_range *r = &s->ranges[i];
		if (memcmp(r->origin, origin, ED25519_KEY_LEN) != 0)
			continue;
		if (from < r->next)
			r->next = from;
		if (to > r->last)
			r->last = to;
		return;
	}
	if (s->n_ranges >= GOSSIP_MAX_RANGES)
		return;
	if (s->n_ranges == s->cap_ranges) {
		size_t cap = s->cap_ranges ? s->cap_ranges * 2 : 16;
		void *p = realloc(s->ranges, cap * sizeof(*s->ranges));
		if (p == NULL)
			return;
		s->ranges = p;
		s->cap_ranges = cap;
	}
	memcpy(s->ranges[s->n_ranges].origin, origin, ED25519_KEY_LEN);
	s->ranges[s->n_ranges].next = from;
	s->ranges[s->n_ranges].last = to;
	s->n_ranges++;
}

/* A catch-up range that starts at or below our floor: those batches were
 * pruned here, not lost. Tells the peer (Pruned) so that it stops waiting
 * for them, and goes on from floor + 1. 0 if so, -1 if the range does not
 * start in pruned history. */
static int
gossip_pruned_below(struct gossip_session *s, struct gossip_range *r)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Pruned p = REPUTED__PRUNED__INIT;
	uint64_t floor = store_floor(s->g->reader, r->origin);

	if (r->next > floor)
		return -1;
	if (gossip_peer_lacks(s, r->origin, floor)) {
		p.origin.data = r->origin;
		p.origin.len = ED25519_KEY_LEN;
		p.floor = floor;
		f.msg_case = REPUTED__FRAME__MSG_PRUNED;
		f.pruned = &p;
		gossip_send(s, &f);
		gossip_peer_has(s, r->origin, floor);
	}
	r->next = floor + 1;
	return 0;
}

/* Sends catch-up batches while the queue is short: live batches queued
 * meanwhile wait behind at most queue_low bytes of catch-up. */
static void
gossip_pump(struct gossip_session *s)
{
	struct gossip *g = s->g;
	size_t sent = 0;

	if (s->state != GOSSIP_UP || s->n_ranges == 0 ||
	    store_reader_begin(g->reader) == -1)
		return;
	while (s->n_ranges > 0 && sent < g->conf.catchup_burst &&
	    gossip_buf_size(&s->out) < g->conf.queue_low &&
	    s->state == GOSSIP_UP) {
		struct gossip_range *r = &s->ranges[0];
		const uint8_t *sb;
		size_t len;
		int got = r->next > r->last ? 1 :
		    store_get_batch(g->reader, r->origin, r->next, &sb, &len);
		if (got != 0 && r->next <= r->last &&
		    gossip_pruned_below(s, r) == 0)
			continue;
		if (got != 0) {
			s->ranges[0] = s->ranges[--s->n_ranges];
			continue;
		}
		if (gossip_peer_lacks(s, r->origin, r->next) &&
		    gossip_send_batch(s, sb, len) == 0) {
			gossip_peer_has(s, r->origin, r->next);
			g->stats.catchup_out++;
			sent++;
		}
		r->next++;
	}
	store_reader_end(g->reader);
}

/* ---- the member directory ---- */

static enum gossip_verdict
gossip_check_cert(struct gossip *g, struct gossip_member *m)
{
	int64_t now = (int64_t)(g->now / 1000);
	bool revoked;

	m->has_org = false;
	if (pki_verify(g->conf.pki, m->cert, NULL, now, &revoked, NULL, 0) != 0)
		return revoked ? VERDICT_REVOKED : VERDICT_INVALID;
	m->has_org = pki_cert_org(g->conf.pki, m->cert, NULL, now, m->org) == 0;
	return VERDICT_VALID;
}

/* Recomputes every member's verdict when the trust store changed or the
 * verdicts are old (certificates expire). */
static void
gossip_verdicts_refresh(struct gossip *g, bool force)
{
	uint64_t gen = pki_generation(g->conf.pki);

	if (!force && gen == g->verdict_gen &&
	    g->now < g->verdict_time + GOSSIP_RECHECK_MS)
		return;
	g->verdict_gen = gen;
	g->verdict_time = g->now;
	gossip_map_free(&g->verdicts);
	for (size_t i = 0; i < g->n_members; i++) {
		struct gossip_member *m = &g->members[i];
		struct gossip_slot *sl;
		m->verdict = gossip_check_cert(g, m);
		if ((sl = gossip_map_get(&g->verdicts, m->key)) == NULL)
			continue;
		/* One valid certificate for a key is enough; revoked wins. */
		if (sl->val != VERDICT_REVOKED &&
		    (m->verdict == VERDICT_REVOKED ||
			m->verdict == VERDICT_VALID))
			sl->val = m->verdict;
		/* Its organisation: of the first valid certificate, so that
		 * every node picks the same one from the same directory. */
		if (m->verdict == VERDICT_VALID && m->has_org && sl->aux == 0)
			sl->aux = i + 1;
	}
}

/* Binds an origin to its organisation in the store, inside the group
 * commit, before its batch applies: the store then counts its reports for
 * that organisation (MODEL.md). Without a pki, or for an origin with no
 * valid certificate, there is nothing to bind: an organisation of its
 * own. 0, or an LMDB error. */
static int
gossip_bind_org(struct gossip *g, struct store_txn *tx, const uint8_t *origin)
{
	struct gossip_slot *sl;

	if (g->conf.pki == NULL)
		return 0;
	gossip_verdicts_refresh(g, false);
	sl = gossip_map_find(&g->verdicts, origin);
	if (sl == NULL || sl->val != VERDICT_VALID || sl->aux == 0 ||
	    sl->aux > g->n_members ||
	    memcmp(g->members[sl->aux - 1].key, origin, ED25519_KEY_LEN) != 0)
		return 0;
	return store_set_origin_org(tx, origin, g->members[sl->aux - 1].org);
}

static enum gossip_verdict
gossip_origin_verdict(struct gossip *g, const uint8_t *origin)
{
	struct gossip_slot *sl;

	if (g->conf.pki == NULL)
		return VERDICT_VALID;
	gossip_verdicts_refresh(g, false);
	sl = gossip_map_find(&g->verdicts, origin);
	return sl ? (enum gossip_verdict)sl->val : VERDICT_UNKNOWN;
}

/* Makes room for one more member: when the bound is reached, or when the
 * newcomer does not validate here and too many such are kept already, the
 * oldest member that does not validate goes. -1 if none can go. */
static int
gossip_member_room(struct gossip *g, bool valid)
{
	size_t unverified = 0, oldest = SIZE_MAX;

	for (size_t i = 0; i < g->n_members; i++)
		if (g->members[i].verdict != VERDICT_VALID &&
		    g->members[i].verdict != VERDICT_REVOKED) {
			unverified++;
			if (oldest == SIZE_MAX)
				oldest = i;
		}
	if (g->n_members < g->conf.members_max &&
	    (valid || unverified < GOSSIP_UNVERIFIED_MAX))
		return 0;
	if (oldest == SIZE_MAX)
		return -1;
	free(g->members[oldest].der);
	X509_free(g->members[oldest].cert);
	memmove(&g->members[oldest], &g->members[oldest + 1],
	    (g->n_members - oldest - 1) * sizeof(*g->members));
	g->n_members--;
	return 0;
}

/* Adds a leaf certificate; 1 if new, 0 if known, -1 if refused. Leaves
 * that do not validate here are kept too (bounded), to pass them on to
 * peers with other anchors. */
static int
gossip_member_add(struct gossip *g, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	struct gossip_member *m, tmp = { 0 };
	enum gossip_verdict v;
	X509 *x;

	for (size_t i = 0; i < g->n_members; i++)
		if (g->members[i].len == len &&
		    memcmp(g->members[i].der, der, len) == 0)
			return 0;
	if (len > GOSSIP_CERT_MAX ||
	    (x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return -1;
	if ((size_t)(p - der) != len || pki_cert_is_ca(x)) {
		int rc = pki_cert_is_ca(x) && (size_t)(p - der) == len ?
		    pki_learn_ca(g->conf.pki, x, (int64_t)(g->now / 1000)) :
		    -1;
		X509_free(x);
		return rc;
	}
	tmp.cert = x;
	v = gossip_check_cert(g, &tmp);
	if (gossip_member_room(g, v == VERDICT_VALID || v == VERDICT_REVOKED) ==
		-1 ||
	    (m = realloc(g->members, (g->n_members + 1) * sizeof(*m))) ==
		NULL) {
		X509_free(x);
		return -1;
	}
	g->members = m;
	m = &g->members[g->n_members];
	memset(m, 0, sizeof(*m));
	if (pki_cert_pubkey(x, m->key) == -1 ||
	    (m->der = malloc(len)) == NULL) {
		X509_free(x);
		return -1;
	}
	memcpy(m->der, der, len);
	m->len = len;
	m->cert = x;
	m->verdict = v;
	m->has_org = tmp.has_org;
	memcpy(m->org, tmp.org, sizeof(m->org));
	g->n_members++;
	g->stats.members = g->n_members;
	g->verdict_gen = UINT64_MAX; /* recompute */
	return 1;
}

static int
gossip_crl_add(struct gossip *g, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);
	int rc;

	if (crl == NULL)
		return -1;
	rc = pki_learn_crl(g->conf.pki, crl, (int64_t)(g->now / 1000));
	X509_CRL_free(crl);
	return rc;
}

/* A Directory frame being built, split at GOSSIP_DIR_CHUNK bytes. */
struct gossip_dir {
	struct gossip *g;
	struct gossip_session *s; /* NULL = to every session up */
	struct gossip_session *except;
	ProtobufCBinaryData certs[256], crls[64];
	size_t n_certs, n_crls, bytes;
};

static void
gossip_dir_flush(struct gossip *g, struct gossip_dir *d)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Directory dir = REPUTED__DIRECTORY__INIT;

	if (d->n_certs + d->n_crls == 0)
		return;
	dir.n_certs = d->n_certs;
	dir.certs = d->certs;
	dir.n_crls = d->n_crls;
	dir.crls = d->crls;
	f.msg_case = REPUTED__FRAME__MSG_DIRECTORY;
	f.directory = &dir;
	if (d->s != NULL)
		gossip_send(d->s, &f);
	else
		for (struct gossip_session *s = g->sessions; s; s = s->next)
			if (s->state == GOSSIP_UP && s != d->except)
				gossip_send(s, &f);
	for (size_t i = 0; i < d->n_certs; i++)
		free(d->certs[i].data);
	for (size_t i = 0; i < d->n_crls; i++)
		free(d->crls[i].data);
	d->n_certs = d->n_crls = d->bytes = 0;
}

static void
gossip_dir_add(void *arg, bool is_crl, const uint8_t *der, size_t len)
{
	struct gossip_dir *d = arg;
	struct gossip *g = d->g;
	ProtobufCBinaryData *b;
	uint8_t *copy;

	if (d->bytes + len > GOSSIP_DIR_CHUNK || d->n_certs == 256 ||
	    d->n_crls == 64)
		gossip_dir_flush(g, d);
	if ((copy = malloc(len)) == NULL)
		return;
	memcpy(copy, der, len);
	b = is_crl ? &d->crls[d->n_crls++] : &d->certs[d->n_certs++];
	b->data = copy;
	b->len = len;
	d->bytes += len;
}

/* Everything we know, to a session that just came up. */
static void
gossip_send_directory(struct gossip_session *s)
{
	struct gossip *g = s->g;
	struct gossip_dir d = { .g = g, .s = s };

	if (g->conf.pki == NULL)
		return;
	for (size_t i = 0; i < g->conf.n_certs; i++)
		gossip_dir_add(&d, false, g->conf.certs[i],
		    g->conf.cert_lens[i]);
	for (size_t i = 0; i < g->n_members; i++)
		gossip_dir_add(&d, false, g->members[i].der, g->members[i].len);
	pki_each_learned(g->conf.pki, gossip_dir_add, &d);
	gossip_dir_flush(g, &d);
}

static void gossip_release_held(struct gossip *g);

/* A Directory from a peer: learn what is new, pass the new on. */
static void
gossip_on_directory(struct gossip_session *s, const Reputed__Directory *dir)
{
	struct gossip *g = s->g;
	struct gossip_dir fwd = { .g = g, .except = s };

	if (g->conf.pki == NULL)
		return;
	for (size_t i = 0; i < dir->n_crls; i++)
		if (gossip_crl_add(g, dir->crls[i].data, dir->crls[i].len) ==
		    1) {
			g->stats.crl_updates++;
			gossip_dir_add(&fwd, true, dir->crls[i].data,
			    dir->crls[i].len);
		}
	for (size_t i = 0; i < dir->n_certs; i++)
		if (gossip_member_add(g, dir->certs[i].data,
			dir->certs[i].len) == 1)
			gossip_dir_add(&fwd, false, dir->certs[i].data,
			    dir->certs[i].len);
	if (fwd.n_certs + fwd.n_crls == 0)
		return;
	gossip_dir_flush(g, &fwd);
	gossip_verdicts_refresh(g, true);
	gossip_release_held(g);
}

void
gossip_directory_add(struct gossip *g, const uint8_t *der, size_t len,
    uint64_t now)
{
	struct gossip_dir fwd = { .g = g };

	g->now = now;
	if (g->conf.pki == NULL || gossip_member_add(g, der, len) != 1)
		return;
	gossip_dir_add(&fwd, false, der, len); /* to every session up */
	gossip_dir_flush(g, &fwd);
	gossip_verdicts_refresh(g, true);
	gossip_release_held(g);
}

static void
gossip_dir_add_crl(void *arg, bool is_crl, const uint8_t *der, size_t len)
{
	if (is_crl)
		gossip_dir_add(arg, true, der, len);
}

void
gossip_crls_changed(struct gossip *g, uint64_t now)
{
	struct gossip_dir fwd = { .g = g }; /* to every session up */

	g->now = now;
	if (g->conf.pki == NULL)
		return;
	g->stats.crl_updates++;
	pki_each_learned(g->conf.pki, gossip_dir_add_crl, &fwd);
	gossip_dir_flush(g, &fwd);
	gossip_verdicts_refresh(g, true);
	gossip_release_held(g);
}

/* ---- batches ---- */

static void
gossip_work_free(struct gossip_work *w)
{
	free(w->sb);
	if (w->batch != NULL)
		reputed__batch__free_unpacked(w->batch, NULL);
	memset(w, 0, sizeof(*w));
}

static void
gossip_flood(struct gossip *g, const uint8_t *sb, size_t len,
    const Reputed__Batch *b, struct gossip_session *from)
{
	for (struct gossip_session *s = g->sessions; s; s = s->next) {
		if (s == from || s->state != GOSSIP_UP ||
		    !gossip_peer_lacks(s, b->origin.data, b->seq))
			continue;
		if (gossip_send_batch(s, sb, len) == 0)
			gossip_peer_has(s, b->origin.data, b->seq);
	}
}

/* Equivocation: both signed copies go to every peer, the sender too, so
 * each node blocks the origin once (then its copies are dropped). */
static void
gossip_flood_proof(struct gossip *g, const uint8_t *sb, size_t len,
    const Reputed__Batch *b)
{
	const uint8_t *data;
	size_t dlen;
	bool stored;

	if (store_reader_begin(g->reader) == -1)
		return;
	stored = store_get_batch(g->reader, b->origin.data, b->seq, &data,
		     &dlen) == 0;
	for (struct gossip_session *s = g->sessions; s; s = s->next) {
		if (s->state != GOSSIP_UP)
			continue;
		gossip_send_batch(s, sb, len);
		if (stored)
			gossip_send_batch(s, data, dlen);
	}
	store_reader_end(g->reader);
}

/* Asks the sender for the gap before a batch that came early. */
static void
gossip_want_gap(struct gossip *g, struct gossip_session *s,
    const uint8_t *origin, uint64_t seq)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Want w = REPUTED__WANT__INIT;
	Reputed__WantRange r = REPUTED__WANT_RANGE__INIT, *rp = &r;
	struct gossip_slot *sl = gossip_map_get(&s->peer_vv, origin);
	struct origin_info oi;

	if (sl == NULL ||
	    (sl->aux != 0 && g->now < sl->aux + GOSSIP_WANT_GAP_MS) ||
	    store_get_origin(g->conf.store, origin, &oi) != 0 ||
	    oi.highest_seq + 1 >= seq)
		return;
	sl->aux = g->now ? g->now : 1;
	r.origin.data = (uint8_t *)origin;
	r.origin.len = ED25519_KEY_LEN;
	r.from_seq = oi.highest_seq + 1;
	r.to_seq = seq - 1;
	w.n_ranges = 1;
	w.ranges = &rp;
	f.msg_case = REPUTED__FRAME__MSG_WANT;
	f.want = &w;
	gossip_send(s, &f);
}

/*
 * A batch more than pending_window seqs past its origin's highest applied
 * one is not taken: stored, it would wait for a gap its origin may never
 * fill, beyond the quota and the flood line (both decided when a batch
 * is applied, in seq order). Not stored, it is not relayed either; the
 * sender is asked for the gap, and the batch comes again with the
 * catch-up that follows it. Decided before its signature is checked.
 */
static bool
gossip_too_far(struct gossip *g, struct gossip_session *from,
    const uint8_t *origin, uint64_t seq)
{
	struct origin_info oi;
	int rc;

	/* every batch passes here: the core's reader, renewed, as
	 * gossip_stored does, not a read transaction of its own */
	if (g->conf.pending_window == 0 || store_reader_begin(g->reader) == -1)
		return false;
	rc = store_reader_origin(g->reader, origin, &oi);
	store_reader_end(g->reader);
	if (rc < 0 || seq <= oi.highest_seq + g->conf.pending_window)
		return false;
	g->stats.too_far++;
	if (from != NULL && from->state == GOSSIP_UP)
		gossip_want_gap(g, from, origin, seq);
	return true;
}

/* What one store_apply result means for the flood. */
static void
gossip_applied(struct gossip *g, struct gossip_work *w, enum apply_status st,
    const char *err)
{
	const Reputed__Batch *b = w->batch;

	switch (st) {
	case APPLY_FLOOD:
		g->stats.flood_blocks++;
		gossip_event(g, GOSSIP_EV_FLOOD, w->from, 0,
		    "origin %02x%02x%02x%02x...: %s", b->origin.data[0],
		    b->origin.data[1], b->origin.data[2], b->origin.data[3],
		    err);
		/* stored and applied, relayed like any batch */
		/* FALLTHROUGH */
	case APPLY_OK:
	case APPLY_PENDING:
		g->stats.batches_in++;
		if (w->from != NULL)
			w->from->batches_in++;
		break;
	case APPLY_DUPLICATE:
		g->stats.duplicates++;
		gossip_work_free(w);
		break;
	case APPLY_EQUIVOCATION:
		g->stats.equivocations++;
		gossip_event(g, GOSSIP_EV_EQUIVOCATION, w->from, 0,
		    "origin %02x%02x%02x%02x... seq %llu: %s",
		    b->origin.data[0], b->origin.data[1], b->origin.data[2],
		    b->origin.data[3], (unsigned long long)b->seq, err);
		break; /* the proof is flooded once, like a batch */
	case APPLY_BLOCKED:
		g->stats.blocked++;
		gossip_work_free(w);
		break;
	case APPLY_INVALID:
		g->stats.invalid++;
		gossip_work_free(w);
		break;
	case APPLY_ERROR:
		break;
	}
}

/* The group commit: applies every verified batch in one transaction, and
 * forwards the new ones only after the commit. */
static void
gossip_commit(struct gossip *g)
{
	char err[192];
	struct store_txn *tx;
	enum apply_status st[GOSSIP_WORK_MAX];
	size_t i;

	if (g->n_work == 0)
		return;
	if ((tx = store_begin(g->conf.store, err, sizeof(err))) == NULL)
		goto fail;
	/* Our own origin too, whose batches the batcher applies. */
	if (gossip_bind_org(g, tx, g->conf.node_key) != 0) {
		store_abort(tx);
		goto fail;
	}
	for (i = 0; i < g->n_work; i++) {
		struct gossip_work *w = &g->work[i];
		if (gossip_bind_org(g, tx, w->batch->origin.data) != 0) {
			store_abort(tx);
			goto fail;
		}
		st[i] =
		    store_apply(tx, w->sb, w->len, w->batch, err, sizeof(err));
		if (st[i] == APPLY_ERROR) {
			store_abort(tx);
			goto fail;
		}
		gossip_applied(g, w, st[i], err);
	}
	if (store_commit(tx, err, sizeof(err)) == -1)
		goto fail;
	for (i = 0; i < g->n_work; i++) {
		struct gossip_work *w = &g->work[i];
		if (w->sb == NULL)
			continue;
		if (st[i] == APPLY_EQUIVOCATION || st[i] == APPLY_FLOOD) {
			/* blocked in the store now that it committed: the
			 * core drops the origin's batches from here on */
			struct gossip_slot *sl = gossip_map_get(&g->blocked,
			    w->batch->origin.data);
			if (sl != NULL)
				sl->val = 1;
		}
		if (st[i] == APPLY_EQUIVOCATION)
			gossip_flood_proof(g, w->sb, w->len, w->batch);
		else
			gossip_flood(g, w->sb, w->len, w->batch, w->from);
		if (st[i] == APPLY_PENDING && w->from != NULL &&
		    w->from->state == GOSSIP_UP)
			gossip_want_gap(g, w->from, w->batch->origin.data,
			    w->batch->seq);
		gossip_work_free(w);
	}
	g->n_work = 0;
	return;
fail:
	/* Nothing was stored: the batches come again by catch-up. */
	g->stats.store_errors++;
	gossip_event(g, GOSSIP_EV_WARNING, NULL, 0, "store: %s", err);
	for (i = 0; i < g->n_work; i++)
		gossip_work_free(&g->work[i]);
	g->n_work = 0;
}

/* Stored with the same bytes: a duplicate. 1 = dup, 0 = not stored,
 * 2 = stored with other bytes (verify, then the store decides). */
static int
gossip_stored(struct gossip *g, const uint8_t *sb, size_t len,
    const uint8_t *origin, uint64_t seq)
{
	const uint8_t *data;
	size_t dlen;
	int rc = 0;

	for (size_t i = 0; i < g->n_work; i++) {
		struct gossip_work *w = &g->work[i];
		if (w->sb != NULL && w->batch->seq == seq &&
		    memcmp(w->batch->origin.data, origin, 32) == 0)
			return w->len == len && memcmp(w->sb, sb, len) == 0 ?
			    1 :
			    2;
	}
	if (store_reader_begin(g->reader) == -1)
		return 0;
	if (store_get_batch(g->reader, origin, seq, &data, &dlen) == 0)
		rc = dlen == len && memcmp(data, sb, len) == 0 ? 1 : 2;
	store_reader_end(g->reader);
	return rc;
}

static void
gossip_hold(struct gossip *g, const uint8_t *sb, size_t len,
    const uint8_t *origin, uint64_t seq)
{
	struct gossip_held *h;

	for (size_t i = 0; i < g->n_held; i++)
		if (g->held[i].seq == seq &&
		    memcmp(g->held[i].origin, origin, 32) == 0)
			return;
	if (g->n_held >= g->conf.held_max ||
	    g->held_bytes + len > GOSSIP_HELD_BYTES) {
		g->stats.held_dropped++;
		return;
	}
	h = &g->held[g->n_held];
	if ((h->sb = malloc(len)) == NULL)
		return;
	memcpy(h->sb, sb, len);
	h->len = len;
	memcpy(h->origin, origin, ED25519_KEY_LEN);
	h->seq = seq;
	h->expires = g->now + g->conf.held_ttl_ms;
	g->n_held++;
	g->held_bytes += len;
	g->stats.held++;
}

static int gossip_batch(struct gossip *g, struct gossip_session *from,
    const uint8_t *sb, size_t len);

/* Held batches whose origin is now valid are processed; expired ones and
 * those of revoked origins are dropped and counted. */
static void
gossip_release_held(struct gossip *g)
{
	size_t i = 0;

	while (i < g->n_held) {
		struct gossip_held h = g->held[i];
		enum gossip_verdict v = gossip_origin_verdict(g, h.origin);
		if (v != VERDICT_VALID && v != VERDICT_REVOKED &&
		    g->now < h.expires) {
			i++;
			continue;
		}
		g->held[i] = g->held[--g->n_held];
		g->held_bytes -= h.len;
		if (v == VERDICT_VALID)
			gossip_batch(g, NULL, h.sb, h.len);
		else if (v == VERDICT_REVOKED)
			g->stats.revoked++;
		else {
			g->stats.held_dropped++;
			gossip_event(g, GOSSIP_EV_WARNING, NULL, 0,
			    "held batch seq "
			    "%llu dropped: no valid certificate for its origin",
			    (unsigned long long)h.seq);
		}
		free(h.sb);
	}
	gossip_commit(g);
}

/* A batch that does not decode closes the session it came on. */
static int
gossip_malformed(struct gossip *g, struct gossip_session *from,
    const char *why)
{
	g->stats.malformed++;
	if (from != NULL)
		gossip_fault(from, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    "malformed batch", why);
	return -1;
}

/* Is the batch well formed? (For the paths that drop or hold it without
 * opening it: a malformed one closes its session there too.) */
static int
gossip_check_decodes(struct gossip *g, struct gossip_session *from,
    const uint8_t *sb, size_t len)
{
	char err[160];
	Reputed__Batch *b;

	if (envelope_decode(sb, len, &b, err, sizeof(err)) != ENVELOPE_OK)
		return gossip_malformed(g, from, err);
	reputed__batch__free_unpacked(b, NULL);
	return 0;
}

/* The batch's origin and seq, and whether it is a copy of one held: a
 * look at the wire first (most batches on a flooding network are copies),
 * a full decode only to say why when that look fails. */
static int
gossip_batch_id(struct gossip *g, struct gossip_session *from,
    const uint8_t *sb, size_t len, uint8_t *origin, uint64_t *seq)
{
	char err[160];
	Reputed__Batch *b;

	if (envelope_peek(sb, len, origin, seq) == 0)
		return 0;
	if (envelope_decode(sb, len, &b, err, sizeof(err)) != ENVELOPE_OK)
		return gossip_malformed(g, from, err);
	/* decodes, yet the look failed: take what the decoder read */
	memcpy(origin, b->origin.data, ED25519_KEY_LEN);
	*seq = b->seq;
	reputed__batch__free_unpacked(b, NULL);
	return 0;
}

/*
 * A batch made more than future_max_ms ahead of this node's clock is not
 * taken yet. Quotas count hours of batch time, the origin's own signed
 * clock: an origin that dated each batch an hour later than the last
 * would get a fresh quota with each. Held back until this node's clock
 * nears its time, its batches run no faster than real hours. The batch
 * comes again when its origin's next one asks for the gap, or at the next
 * session's catch-up; every node takes it once its clock is there, so all
 * end with the same store. Clocks of honest members agree within the
 * bound (NTP; their TLS certificates need it as much).
 */
static bool
gossip_too_early(struct gossip *g, const Reputed__Batch *b)
{
	if (g->conf.future_max_ms == 0 ||
	    b->created_at <= g->now + g->conf.future_max_ms)
		return false;
	g->stats.too_early++;
	return true;
}

/* One SignedBatch from a session (or a released held one, from NULL).
 * Returns -1 when the session was closed for it. */
static int
gossip_batch(struct gossip *g, struct gossip_session *from, const uint8_t *sb,
    size_t len)
{
	char err[160];
	Reputed__Batch *b;
	uint8_t origin[ED25519_KEY_LEN];
	uint64_t seq;
	enum envelope_status es;

	if (gossip_batch_id(g, from, sb, len, origin, &seq) != 0)
		return -1;
	if (gossip_stored(g, sb, len, origin, seq) == 1) {
		g->stats.duplicates++;
		if (from != NULL)
			gossip_peer_has(from, origin, seq);
		return 0;
	}
	if (gossip_map_find(&g->blocked, origin) != NULL) {
		if (gossip_check_decodes(g, from, sb, len) != 0)
			return -1;
		g->stats.blocked++;
		return 0;
	}
	switch (gossip_origin_verdict(g, origin)) {
	case VERDICT_VALID:
		break;
	case VERDICT_REVOKED:
		if (gossip_check_decodes(g, from, sb, len) != 0)
			return -1;
		g->stats.revoked++;
		return 0;
	default:
		if (gossip_check_decodes(g, from, sb, len) != 0)
			return -1;
		gossip_hold(g, sb, len, origin, seq);
		return 0;
	}
	if (gossip_too_far(g, from, origin, seq))
		return gossip_check_decodes(g, from, sb, len);
	es = envelope_open(g->conf.verifier, sb, len, &b, err, sizeof(err));
	if (es == ENVELOPE_OK && (b->seq != seq ||
	    memcmp(b->origin.data, origin, ED25519_KEY_LEN) != 0)) {
		reputed__batch__free_unpacked(b, NULL);	/* cannot happen */
		return gossip_malformed(g, from, "batch id read two ways");
	}
	if (es == ENVELOPE_MALFORMED)
		return gossip_malformed(g, from, err);
	if (es != ENVELOPE_OK) {
		g->stats.bad_signature++;
		if (from != NULL)
			gossip_fault(from,
			    REPUTED__GOODBYE_REASON__BYE_BAD_SIGNATURE,
			    "bad batch", err);
		return -1;
	}
	if (gossip_too_early(g, b)) {
		reputed__batch__free_unpacked(b, NULL);
		return 0;
	}
	if (from != NULL)
		gossip_peer_has(from, origin, seq);
	if (g->n_work == GOSSIP_WORK_MAX)
		gossip_commit(g);
	struct gossip_work *w = &g->work[g->n_work];
	if ((w->sb = malloc(len)) == NULL) {
		reputed__batch__free_unpacked(b, NULL);
		return 0;
	}
	memcpy(w->sb, sb, len);
	w->len = len;
	w->batch = b;
	w->from = from;
	g->n_work++;
	return 0;
}

void
gossip_local_batch(struct gossip *g, const uint8_t *sb, size_t len,
    uint64_t now)
{
	Reputed__Batch *b;
	char err[160];

	g->now = now;
	if (envelope_decode(sb, len, &b, err, sizeof(err)) != ENVELOPE_OK)
		return;
	gossip_flood(g, sb, len, b, NULL);
	reputed__batch__free_unpacked(b, NULL);
}

/* ---- frames ---- */

/* Peer-chosen text (Hello name, Goodbye text) goes into logs: printable
 * ASCII only, at most len - 1 bytes. */
static void
gossip_printable(char *out, size_t len, const char *in)
{
	size_t i = 0;

	for (; in != NULL && in[i] != '\0' && i + 1 < len; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[i] = '\0';
}

static void
gossip_on_goodbye(struct gossip_session *s, const Reputed__Goodbye *b)
{
	char text[128];

	struct gossip *g = s->g;
	struct gossip_event *ev;

	gossip_printable(text, sizeof(text), b->text);
	gossip_close(s, (int)b->reason, false, "peer said goodbye: %s", text);
	ev = &g->events[(g->ev_head + g->ev_n - 1) % GOSSIP_EVENTS_MAX];
	if (g->ev_n > 0 && ev->kind == GOSSIP_EV_CLOSED && ev->session == s)
		ev->by_peer = true;
}

/* Equivocation seen at the exchange: where the peer's tip for (origin,
 * seq) is not the batch we hold there, send ours; the peer's store then
 * finds the two batches, blocks the origin and floods the proof. */
static void
gossip_check_tips(struct gossip_session *s, const Reputed__Hello *h)
{
	struct gossip *g = s->g;

	if (store_reader_begin(g->reader) == -1)
		return;
	for (size_t i = 0; i < h->n_vv; i++) {
		const Reputed__VersionEntry *e = h->vv[i];
		const uint8_t *sb;
		size_t len;
		uint8_t tip[GOSSIP_TIP_LEN];
		if (e->tip.len != GOSSIP_TIP_LEN ||
		    e->origin.len != ED25519_KEY_LEN ||
		    store_get_batch(g->reader, e->origin.data, e->seq, &sb,
			&len) != 0 ||
		    gossip_tip(sb, len, tip) != 0 ||
		    memcmp(tip, e->tip.data, GOSSIP_TIP_LEN) == 0)
			continue;
		g->stats.tip_mismatches++;
		gossip_send_batch(s, sb, len);
	}
	store_reader_end(g->reader);
}

/* Every equivocation proof we hold (both batches) goes to a new session:
 * a peer that was cut off when the proof flooded learns it now. */
static int
gossip_proof_send(void *arg, const uint8_t *origin, uint64_t seq,
    const uint8_t *second, size_t len)
{
	struct gossip_session *s = arg;
	const uint8_t *first;
	size_t flen;

	gossip_send_batch(s, second, len);
	if (store_get_batch(s->g->reader, origin, seq, &first, &flen) == 0)
		gossip_send_batch(s, first, flen);
	return 0;
}

static void
gossip_send_proofs(struct gossip_session *s)
{
	if (store_reader_begin(s->g->reader) == -1)
		return;
	store_each_equivocation(s->g->reader, gossip_proof_send, s);
	store_reader_end(s->g->reader);
}

static void
gossip_on_hello(struct gossip_session *s, const Reputed__Hello *h)
{
	struct gossip *g = s->g;
	struct gossip_vv vv;

	if (h->version != PROTO_VERSION) {
		gossip_fault(s, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    "hello", "unsupported protocol version");
		return;
	}
	if (s->has_key && memcmp(s->key, h->node_key.data, 32) != 0) {
		gossip_fault(s, REPUTED__GOODBYE_REASON__BYE_POLICY, "hello",
		    "node key differs from the authenticated key");
		return;
	}
	memcpy(s->key, h->node_key.data, ED25519_KEY_LEN);
	s->has_key = true;
	gossip_printable(s->name, sizeof(s->name), h->name);
	for (size_t i = 0; i < h->n_vv; i++) {
		struct gossip_slot *sl =
		    gossip_map_get(&s->peer_vv, h->vv[i]->origin.data);
		if (sl != NULL)
			sl->val = h->vv[i]->seq;
	}
	s->state = GOSSIP_UP;
	g->stats.sessions_up++;
	gossip_event(g, GOSSIP_EV_UP, s, 0, "up: %s", s->name);
	gossip_send_directory(s);
	gossip_check_tips(s, h);
	gossip_send_proofs(s);
	/* Catch-up: every origin where we are ahead of the peer. */
	if (gossip_vv_load(g, &vv) == 0)
		for (size_t i = 0; i < vv.n; i++) {
			struct gossip_slot *sl =
			    gossip_map_find(&s->peer_vv, vv.keys[i]);
			uint64_t has = sl ? sl->val : 0;
			gossip_range_add(s, vv.keys[i], has + 1,
			    vv.entries[i].seq);
		}
	else
		gossip_event(g, GOSSIP_EV_WARNING, s, 0, "%s: no catch-up: "
		    "cannot read the version vector (out of memory or store)",
		    s->name);
	gossip_vv_free(&vv);
	gossip_pump(s);
}

static void
gossip_on_want(struct gossip_session *s, const Reputed__Want *w)
{
	for (size_t i = 0; i < w->n_ranges && i < 1024; i++) {
		const Reputed__WantRange *r = w->ranges[i];
		uint64_t to = r->to_seq ? r->to_seq : UINT64_MAX;
		gossip_range_add(s, r->origin.data, r->from_seq, to);
	}
	gossip_pump(s);
}

/* The peer pruned batches 1..floor of an origin: if we lack some, they
 * count as applied (store_skip_pruned) and we go on from floor + 1. */
static void
gossip_on_pruned(struct gossip_session *s, const Reputed__Pruned *p)
{
	struct gossip *g = s->g;
	struct store_txn *tx;
	char err[192];
	enum apply_status st;

	if (p->origin.len != ED25519_KEY_LEN || p->floor == 0) {
		gossip_fault(s, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    "pruned", "bad origin or floor");
		return;
	}
	gossip_commit(g);	/* what came before it goes first */
	if ((tx = store_begin(g->conf.store, err, sizeof(err))) == NULL) {
		gossip_event(g, GOSSIP_EV_WARNING, s, 0, "pruned: %s", err);
		return;
	}
	st = store_skip_pruned(tx, p->origin.data, p->floor, err, sizeof(err));
	if (st == APPLY_ERROR) {
		store_abort(tx);
		gossip_event(g, GOSSIP_EV_WARNING, s, 0, "pruned: %s", err);
		return;
	}
	if (store_commit(tx, err, sizeof(err)) == -1) {
		gossip_event(g, GOSSIP_EV_WARNING, s, 0, "pruned: %s", err);
		return;
	}
	if (st == APPLY_OK || st == APPLY_FLOOD)
		gossip_event(g, GOSSIP_EV_WARNING, s, 0,
		    "origin %02x%02x%02x%02x...: batches 1..%llu were pruned "
		    "by %s; going on from %llu", p->origin.data[0],
		    p->origin.data[1], p->origin.data[2], p->origin.data[3],
		    (unsigned long long)p->floor, s->name,
		    (unsigned long long)p->floor + 1);
	if (st == APPLY_FLOOD) {
		struct gossip_slot *sl = gossip_map_get(&g->blocked,
		    p->origin.data);
		if (sl != NULL)
			sl->val = 1;
		g->stats.flood_blocks++;
		gossip_event(g, GOSSIP_EV_FLOOD, s, 0, "origin "
		    "%02x%02x%02x%02x...: %s", p->origin.data[0],
		    p->origin.data[1], p->origin.data[2], p->origin.data[3],
		    err);
	}
}

static void
gossip_on_ping(struct gossip_session *s, uint64_t nonce)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Pong p = REPUTED__PONG__INIT;

	p.nonce = nonce;
	f.msg_case = REPUTED__FRAME__MSG_PONG;
	f.pong = &p;
	gossip_send(s, &f);
}

/* One decoded frame, by session state. */
static void
gossip_dispatch(struct gossip_session *s, const Reputed__Frame *f)
{
	if (s->state == GOSSIP_HELLO) {
		if (f->msg_case == REPUTED__FRAME__MSG_HELLO)
			gossip_on_hello(s, f->hello);
		else if (f->msg_case == REPUTED__FRAME__MSG_GOODBYE)
			gossip_on_goodbye(s, f->goodbye);
		else
			gossip_fault(s,
			    REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
			    frame_kind_name(f), "before hello");
		return;
	}
	switch (f->msg_case) {
	case REPUTED__FRAME__MSG_WANT:
		gossip_on_want(s, f->want);
		break;
	case REPUTED__FRAME__MSG_PING:
		gossip_on_ping(s, f->ping->nonce);
		break;
	case REPUTED__FRAME__MSG_PONG:
		break;
	case REPUTED__FRAME__MSG_DIRECTORY:
		gossip_on_directory(s, f->directory);
		break;
	case REPUTED__FRAME__MSG_PRUNED:
		gossip_on_pruned(s, f->pruned);
		break;
	case REPUTED__FRAME__MSG_GOODBYE:
		gossip_on_goodbye(s, f->goodbye);
		break;
	default:
		gossip_fault(s, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    frame_kind_name(f), "unexpected");
		break;
	}
}

/* A batch frame's SignedBatch bytes, without decoding the frame: field 2,
 * length-delimited, spanning the whole payload. NULL if encoded otherwise. */
static const uint8_t *
gossip_batch_slice(const uint8_t *p, size_t len, size_t *sblen)
{
	uint64_t v = 0;
	size_t i = 1;

	if (len < 2 || p[0] != 0x12)
		return NULL;
	for (int shift = 0; i < len && shift < 35; shift += 7) {
		v |= (uint64_t)(p[i] & 0x7f) << shift;
		if ((p[i++] & 0x80) == 0) {
			if (v != len - i)
				return NULL;
			*sblen = (size_t)v;
			return p + i;
		}
	}
	return NULL;
}

/* Reads a minimal varint; 0 on a bad or non-minimal one. */
static size_t
gossip_varint(const uint8_t *p, size_t len, uint64_t *v)
{
	*v = 0;
	for (size_t i = 0; i < len && i < 5; i++) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if ((p[i] & 0x80) == 0)
			return i > 0 && p[i] == 0 ? 0 : i + 1;
	}
	return 0;
}

/* Is sb the one canonical encoding of its (batch, signature): field 1,
 * field 2 of 64 bytes, minimal lengths, nothing else? Such a frame is
 * sliced without decoding it; any other is re-packed first, so what we
 * store and flood has one form and the cheap byte compare in
 * gossip_stored finds duplicates. (The store itself treats copies that
 * differ only in their wrapping as duplicates, never as equivocation.) */
static bool
gossip_sb_canonical(const uint8_t *sb, size_t len)
{
	uint64_t blen;
	size_t n;

	if (len < 2 || sb[0] != 0x0a ||
	    (n = gossip_varint(sb + 1, len - 1, &blen)) == 0)
		return false;
	n += 1;
	return blen <= len - n && len - n - blen == 2 + ED25519_SIG_LEN &&
	    sb[n + blen] == 0x12 && sb[n + blen + 1] == ED25519_SIG_LEN;
}

/* The canonical SignedBatch of a decoded one (unknown fields dropped). */
static void
gossip_batch_repacked(struct gossip_session *s, const Reputed__SignedBatch *in)
{
	Reputed__SignedBatch sb = REPUTED__SIGNED_BATCH__INIT;
	uint8_t *buf;

	sb.batch = in->batch;
	sb.signature = in->signature;
	if ((buf = malloc(reputed__signed_batch__get_packed_size(&sb))) == NULL)
		return;
	gossip_batch(s->g, s, buf, reputed__signed_batch__pack(&sb, buf));
	free(buf);
}

static void
gossip_frame(struct gossip_session *s, const uint8_t *p, size_t len)
{
	struct gossip *g = s->g;
	char err[160];
	Reputed__Frame *f;
	const uint8_t *sb;
	size_t sblen;

	if (s->state == GOSSIP_UP &&
	    (sb = gossip_batch_slice(p, len, &sblen)) != NULL &&
	    gossip_sb_canonical(sb, sblen)) {
		gossip_batch(g, s, sb, sblen);
		return;
	}
	if ((f = frame_decode(p, len, err, sizeof(err))) == NULL) {
		g->stats.malformed++;
		gossip_fault(s, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    "malformed frame", err);
		return;
	}
	if (f->msg_case == REPUTED__FRAME__MSG_BATCH && s->state == GOSSIP_UP)
		gossip_batch_repacked(s, f->batch);
	else
		gossip_dispatch(s, f);
	reputed__frame__free_unpacked(f, NULL);
}

int
gossip_session_input(struct gossip_session *s, const uint8_t *buf, size_t len,
    uint64_t now)
{
	struct gossip *g = s->g;
	uint32_t plen;
	enum frame_status fs;

	g->now = now;
	if (s->state == GOSSIP_CLOSED)
		return -1;
	s->last_rx = now;
	s->bytes_in += len;
	g->stats.bytes_in += len;
	if (gossip_buf_add(&s->in, buf, len) == -1) {
		gossip_close(s, 0, false, "out of memory");
		return -1;
	}
	while (s->state != GOSSIP_CLOSED && gossip_buf_size(&s->in) > 0) {
		const uint8_t *p = s->in.data + s->in.off;
		fs = frame_peek(p, gossip_buf_size(&s->in), g->conf.frame_max,
		    &plen);
		if (fs == FRAME_NEED_MORE)
			break;
		if (fs != FRAME_OK) {
			g->stats.malformed++;
			gossip_fault(s,
			    REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
			    "frame",
			    fs == FRAME_TOO_LARGE ? "over the size limit" :
						    "empty frame");
			break;
		}
		gossip_frame(s, p + FRAME_HEADER_LEN, plen);
		s->in.off += FRAME_HEADER_LEN + plen;
	}
	gossip_buf_trim(&s->in);
	gossip_commit(g);
	return s->state == GOSSIP_CLOSED ? -1 : 0;
}

size_t
gossip_session_output(struct gossip_session *s, const uint8_t **buf)
{
	*buf = s->out.data != NULL ? s->out.data + s->out.off : NULL;
	return gossip_buf_size(&s->out);
}

void
gossip_session_sent(struct gossip_session *s, size_t n, uint64_t now)
{
	struct gossip *g = s->g;
	size_t q = gossip_buf_size(&s->out);

	g->now = now;
	if (n > q)
		n = q;
	s->out.off += n;
	s->bytes_out += n;
	s->last_tx = now;
	g->stats.bytes_out += n;
	g->stats.queued_bytes -=
	    n < g->stats.queued_bytes ? n : g->stats.queued_bytes;
	if (s->throttled && gossip_buf_size(&s->out) < g->conf.queue_low)
		s->throttled = false;
	if (!s->throttled)
		gossip_pump(s);
	gossip_buf_trim(&s->out);
}

/* ---- sessions ---- */

struct gossip_session *
gossip_session_new(struct gossip *g, const uint8_t *peer_key, bool outbound,
    uint64_t now)
{
	struct gossip_session *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	g->now = now;
	s->g = g;
	s->state = GOSSIP_HELLO;
	s->outbound = outbound;
	s->created = s->last_rx = s->last_tx = now;
	if (peer_key != NULL) {
		memcpy(s->key, peer_key, ED25519_KEY_LEN);
		s->has_key = true;
	}
	s->next = g->sessions;
	g->sessions = s;
	if (gossip_send_hello(s) == -1)
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_UNSPECIFIED, false,
		    "cannot read the version vector");
	return s;
}

void
gossip_session_free(struct gossip_session *s)
{
	struct gossip *g;

	if (s == NULL)
		return;
	g = s->g;
	if (s->state != GOSSIP_CLOSED)
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_SHUTDOWN, false,
		    "freed");
	for (struct gossip_session **p = &g->sessions; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	for (size_t i = 0; i < g->n_work; i++)
		if (g->work[i].from == s)
			g->work[i].from = NULL;
	gossip_event_forget(g, s);
	size_t q = gossip_buf_size(&s->out);
	g->stats.queued_bytes -=
	    q < g->stats.queued_bytes ? q : g->stats.queued_bytes;
	gossip_buf_free(&s->in);
	gossip_buf_free(&s->out);
	gossip_map_free(&s->peer_vv);
	free(s->ranges);
	free(s);
}

enum gossip_state
gossip_session_state(const struct gossip_session *s)
{
	return s->state;
}

void
gossip_session_set_udata(struct gossip_session *s, void *udata)
{
	s->udata = udata;
}

void *
gossip_session_udata(const struct gossip_session *s)
{
	return s->udata;
}

void
gossip_session_info(const struct gossip_session *s,
    struct gossip_session_info *out)
{
	memset(out, 0, sizeof(*out));
	out->state = s->state;
	out->outbound = s->outbound;
	out->throttled = s->throttled;
	memcpy(out->name, s->name, sizeof(out->name));
	memcpy(out->key, s->key, ED25519_KEY_LEN);
	out->has_key = s->has_key;
	out->since = s->created;
	out->batches_in = s->batches_in;
	out->batches_out = s->batches_out;
	out->bytes_in = s->bytes_in;
	out->bytes_out = s->bytes_out;
	out->errors = s->errors;
	out->queued = gossip_buf_size(&s->out);
	out->catchup_ranges = s->n_ranges;
}

void
gossip_each_session(struct gossip *g, gossip_each_fn fn, void *arg)
{
	struct gossip_session *s, *next;

	for (s = g->sessions; s != NULL; s = next) {
		next = s->next;
		fn(arg, s);
	}
}

/* ---- the node ---- */

static void
gossip_session_timers(struct gossip_session *s, uint64_t now)
{
	struct gossip *g = s->g;
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Ping p = REPUTED__PING__INIT;

	if (s->state == GOSSIP_HELLO &&
	    now >= s->created + g->conf.hello_timeout_ms) {
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR,
		    true, "no hello within %llu ms",
		    (unsigned long long)g->conf.hello_timeout_ms);
		return;
	}
	if (s->state != GOSSIP_UP)
		return;
	if (now >= s->last_rx + g->conf.dead_after_ms) {
		gossip_close(s, REPUTED__GOODBYE_REASON__BYE_UNSPECIFIED, true,
		    "dead peer: nothing received for %llu ms",
		    (unsigned long long)(now - s->last_rx));
		return;
	}
	if (now >= s->last_tx + g->conf.ping_interval_ms &&
	    gossip_buf_size(&s->out) == 0) {
		p.nonce = ++s->ping_nonce;
		f.msg_case = REPUTED__FRAME__MSG_PING;
		f.ping = &p;
		gossip_send(s, &f);
		s->last_tx = now;
	}
	if (!s->throttled)
		gossip_pump(s);
}

void
gossip_tick(struct gossip *g, uint64_t now)
{
	g->now = now;
	for (struct gossip_session *s = g->sessions; s; s = s->next)
		if (s->state != GOSSIP_CLOSED)
			gossip_session_timers(s, now);
	if (g->n_held > 0)
		gossip_release_held(g);
}

const struct gossip_stats *
gossip_stats(const struct gossip *g)
{
	return &g->stats;
}

struct gossip *
gossip_new(const struct gossip_conf *c, char *err, size_t errlen)
{
	struct gossip *g = calloc(1, sizeof(*g));

	if (g == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->conf = *c;
	snprintf(g->name, sizeof(g->name), "%s", c->name ? c->name : "");
	g->conf.name = g->name;
	g->conf.certs = NULL; /* copied below */
	g->events = calloc(GOSSIP_EVENTS_MAX, sizeof(*g->events));
	g->held = calloc(c->held_max ? c->held_max : 1, sizeof(*g->held));
	g->reader = store_reader_new(c->store);
	if (g->events == NULL || g->held == NULL || g->reader == NULL) {
		snprintf(err, errlen, "out of memory");
		gossip_free(g);
		return NULL;
	}
	/* Our own chain: leaf into the directory, CAs into the pki. */
	for (size_t i = 0; c->pki != NULL && i < c->n_certs; i++)
		gossip_member_add(g, c->certs[i], c->cert_lens[i]);
	g->conf.n_certs = 0;
	g->verdict_gen = UINT64_MAX;
	return g;
}

void
gossip_free(struct gossip *g)
{
	if (g == NULL)
		return;
	while (g->sessions != NULL)
		gossip_session_free(g->sessions);
	for (size_t i = 0; i < g->n_work; i++)
		gossip_work_free(&g->work[i]);
	for (size_t i = 0; i < g->n_held; i++)
		free(g->held[i].sb);
	for (size_t i = 0; i < g->n_members; i++) {
		free(g->members[i].der);
		X509_free(g->members[i].cert);
	}
	free(g->members);
	gossip_map_free(&g->verdicts);
	gossip_map_free(&g->blocked);
	if (g->reader != NULL)
		store_reader_free(g->reader);
	free(g->held);
	free(g->events);
	free(g);
}

/* ---- digest ---- */

struct gossip_digest_vv {
	uint8_t (*keys)[ED25519_KEY_LEN];
	uint64_t *seqs;
	size_t n, cap;
	bool oom;		/* a collector ran out of memory */
};

/* Collects one origin; -1 (and d->oom) when memory runs out. */
static int
gossip_digest_add(void *arg, const uint8_t origin[32], uint64_t seq)
{
	struct gossip_digest_vv *d = arg;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		void *k = realloc(d->keys, cap * sizeof(*d->keys));
		if (k == NULL)
			goto oom;
		d->keys = k;
		void *s = realloc(d->seqs, cap * sizeof(*d->seqs));
		if (s == NULL)
			goto oom;
		d->seqs = s;
		d->cap = cap;
	}
	memcpy(d->keys[d->n], origin, ED25519_KEY_LEN);
	d->seqs[d->n++] = seq;
	return 0;
oom:
	d->oom = true;
	return -1;
}

/*
 * The digest of the applied history: for each origin in key order, its
 * highest contiguous seq and the SHA-256 of the batch at that seq (the
 * latest batch is never pruned; all zero if not held, as after a jump
 * over pruned history before the next batch came). Two nodes with equal
 * digests have applied the same signed batches, so after a full prune
 * sweep they hold the same live state, however much each has pruned
 * (docs/PEERING.md). *n_batches counts the applied batches. Blocked
 * origins are left out (see gossip.h).
 */
int
gossip_digest(struct store *st, uint8_t out[32], uint64_t *n_batches, char *err,
    size_t errlen)
{
	struct store_reader *r;
	struct gossip_digest_vv d = { 0 };
	EVP_MD_CTX *ctx;
	int rc = -1;

	*n_batches = 0;
	errno = 0;	/* a reader or context not made: ENOMEM says why */
	r = store_reader_new(st);
	ctx = EVP_MD_CTX_new();
	if (r == NULL || ctx == NULL) {
		snprintf(err, errlen, "%s", errno == ENOMEM ? "out of memory" :
		    "cannot read the store");
		goto out;
	}
	if (store_reader_begin(r) == -1 ||
	    store_version_vector(r, gossip_digest_add, &d) == -1 ||
	    !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		snprintf(err, errlen, "%s", d.oom ? "out of memory" :
		    "cannot read the store");
		goto out;
	}
	for (size_t i = 0; i < d.n; i++) {
		struct origin_info oi;
		/* A blocked origin counts for nothing, and which of its two
		 * batches a node kept depends on arrival: not in the digest. */
		if (store_reader_origin(r, d.keys[i], &oi) >= 0 && oi.blocked)
			continue;
		const uint8_t *data;
		size_t len;
		uint8_t h[32] = { 0 }, be[8];
		uint64_t seq = d.seqs[i];
		if (store_get_batch(r, d.keys[i], seq, &data, &len) == 0)
			EVP_Digest(data, len, h, NULL, EVP_sha256(), NULL);
		for (int k = 0; k < 8; k++)
			be[k] = (uint8_t)(seq >> (56 - 8 * k));
		EVP_DigestUpdate(ctx, d.keys[i], ED25519_KEY_LEN);
		EVP_DigestUpdate(ctx, be, sizeof(be));
		EVP_DigestUpdate(ctx, h, sizeof(h));
		*n_batches += seq;
	}
	rc = EVP_DigestFinal_ex(ctx, out, NULL) ? 0 : -1;
out:
	if (r != NULL) {
		store_reader_end(r);
		store_reader_free(r);
	}
	EVP_MD_CTX_free(ctx);
	free(d.keys);
	free(d.seqs);
	return rc;
}
