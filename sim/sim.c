/*
 * sim.c: reputesim's world: setup (keys, stores, topology, workload,
 * faults), the event loop, and the measurements. See sim.h and
 * docs/SIM.md.
 *
 * Determinism: one PRNG (sim/rng.c) seeded from the scenario; events
 * ordered by (time, push sequence); every iteration is over arrays in
 * index order; node keys come from the PRNG, so signatures, batches and
 * store contents are the same bytes in every run. The trace hash covers
 * every event processed and the final store digests.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "node/node.h"
#include "node/peer/pki.h"
#include "proto/dnswire.h"
#include "sim/simint.h"

/* ---- small helpers ---- */

uint64_t
sim_now_ms(const struct sim *w)
{
	return SIM_EPOCH_MS + w->now / 1000;
}

void
sim_trace(struct sim *w, uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t v[3] = { a, b, c };

	for (int i = 0; i < 3; i++) {
		w->trace ^= v[i];
		w->trace *= 0x100000001b3ULL;
		w->trace ^= w->trace >> 29;
	}
}

void
sim_push(struct sim *w, uint64_t at, int kind, uint32_t a, uint32_t b, void *p)
{
	if (evq_push(&w->q, at, kind, a, b, p) == -1)
		w->oom = true;
}

void
hist_add(struct hist *h, uint64_t us)
{
	size_t i;

	if (us < 1000)
		i = (size_t)(us / 10);
	else {
		double x = log((double)us / 1000.0) / log(1.01);
		i = 100 + (size_t)x;
	}
	if (i >= HIST_BUCKETS)
		i = HIST_BUCKETS - 1;
	h->b[i]++;
	h->n++;
	h->sum += (double)us;
	if (us > h->max)
		h->max = us;
}

/* The upper edge of the bucket holding the p-quantile, in us. */
double
hist_quantile(const struct hist *h, double p)
{
	uint64_t want, acc = 0;

	if (h->n == 0)
		return 0;
	want = (uint64_t)ceil(p * (double)h->n);
	if (want == 0)
		want = 1;
	for (size_t i = 0; i < HIST_BUCKETS; i++) {
		acc += h->b[i];
		if (acc >= want) {
			double edge = i < 100 ?
			    (double)(i + 1) * 10 :
			    1000.0 * pow(1.01, (double)(i - 100 + 1));
			return edge < (double)h->max ? edge : (double)h->max;
		}
	}
	return (double)h->max;
}

/* ---- origins ---- */

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ED25519_KEY_LEN);
}

int
sim_origin_of(const struct sim *w, const uint8_t *key)
{
	const struct okey *k = bsearch(key, w->okeys, w->n_origins,
	    sizeof(*w->okeys), key_cmp);

	return k ? (int)k->origin : -1;
}

static struct bmeta *
batch_meta(struct sim *w, int o, uint64_t seq, bool create)
{
	struct origin *or = &w->origins[o];

	if (seq == 0)
		return NULL;
	if (seq > or->n_meta) {
		if (!create)
			return NULL;
		if (seq > or->cap_meta) {
			size_t ncap = or->cap_meta ? or->cap_meta * 2 : 64;
			while (ncap < seq)
				ncap *= 2;
			struct bmeta *m = realloc(or->meta, ncap * sizeof(*m));
			if (m == NULL) {
				w->oom = true;
				return NULL;
			}
			memset(m + or->cap_meta, 0,
			    (ncap - or->cap_meta) * sizeof(*m));
			or->meta = m;
			or->cap_meta = ncap;
		}
		or->n_meta = seq;
	}
	return &or->meta[seq - 1];
}

/* ---- DNS: is subject s listed at node n? ---- */

size_t
sim_build_query(const char *name, uint8_t *q, size_t cap)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t wl = dnswire_name_from_text(name, wire, 1);

	if (wl == 0 || DNS_HEADER_LEN + wl + 4 > cap)
		return 0;
	memset(q, 0, DNS_HEADER_LEN);
	q[5] = 1; /* QDCOUNT */
	memcpy(q + DNS_HEADER_LEN, wire, wl);
	q[DNS_HEADER_LEN + wl + 1] = DNS_T_A;
	q[DNS_HEADER_LEN + wl + 3] = DNS_C_IN;
	return DNS_HEADER_LEN + wl + 4;
}

static bool
dns_listed(struct sim *w, struct snode *n, struct tsubj *t)
{
	struct dns_source src;
	struct dns_result res;
	uint8_t out[1024];

	if (n->rd == NULL || t->qlen == 0 || store_reader_begin(n->rd) == -1)
		return false;
	dns_source_store(&src, n->rd);
	memset(&res, 0, sizeof(res));
	dns_answer(&w->dns, &src, t->query, t->qlen, out, sizeof(out), false,
	    sim_now_ms(w), &res);
	store_reader_end(n->rd);
	w->dns_queries++;
	return res.rcode == DNS_R_NOERROR && res.listed;
}

/* Re-reads one tracked subject at one node and records a change. */
void
sim_observe(struct sim *w, int ni, int ti)
{
	struct snode *n = &w->nodes[ni];
	struct tsubj *t = &w->tracked[ti];
	struct tstate *st = &w->tstate[(size_t)ti * w->n_nodes + ni];
	bool listed = n->up && dns_listed(w, n, t);

	if (listed == (st->since != 0))
		return;
	sim_trace(w, 0x4c, (uint64_t)ni, (uint64_t)ti);
	if (listed) {
		st->since = w->now + 1;
		if (st->first == 0)
			st->first = w->now + 1;
		if (n->honest) {
			t->n_listed++;
			if (t->first_any == 0)
				t->first_any = w->now + 1;
			t->ever_honest = true;
			if (t->t99 == 0 &&
			    (uint64_t)t->n_listed * 100 >= (uint64_t)w->n_honest_up * 99)
				t->t99 = w->now + 1;
			if (t->tall == 0 && (int)t->n_listed >= w->n_honest_up)
				t->tall = w->now + 1;
		}
	} else {
		if (n->honest) {
			t->n_listed--;
			t->listed_us += w->now + 1 - st->since;
		}
		st->since = 0;
	}
}

/* ---- reports and batches ---- */

/* The batcher told us where a report went: remember it by batch. */
static void
report_done(void *arg, const struct batcher_result *res)
{
	struct sreport *r = arg;
	struct sim *w = r->w;
	struct bmeta *m;

	if (res->status != 0 || res->ids == NULL) {
		w->reports_failed++;
		return;
	}
	r->seq = res->ids[0].seq;
	m = batch_meta(w, r->origin, r->seq, true);
	if (m == NULL || m->taken)
		return; /* a second face's batch: not measured */
	r->next = m->first;
	m->first = (uint32_t)(r - w->reports) + 1;
	m->n_reports++;
	/* The batcher may run the committed hook before telling the
	 * submitters: the batch is then applied at its origin already. */
	struct snode *n = &w->nodes[r->node];
	if (n->hi[r->origin] >= r->seq && r->measured) {
		int ti = w->subjects[r->subj].tracked;
		n->applied_reports++;
		if (n->honest)
			hist_add(&w->h_applied, w->now - r->at);
		if (ti >= 0)
			sim_observe(w, r->node, ti);
	}
}

static void
node_applied(struct sim *w, int ni, int o, uint64_t seq)
{
	struct snode *n = &w->nodes[ni];
	struct bmeta *m = batch_meta(w, o, seq, false);

	w->applies++;
	n->applied_batches++;
	if (m == NULL)
		return;
	if (m->made == 0)
		m->made = w->now + 1;
	for (uint32_t i = m->first; i != 0; i = w->reports[i - 1].next) {
		struct sreport *r = &w->reports[i - 1];
		n->applied_reports++;
		if (!n->honest || !r->measured)
			continue;
		hist_add(&w->h_applied, w->now - r->at);
		int ti = w->subjects[r->subj].tracked;
		if (ti >= 0 && n->stamp[ti % STAMP_SLOTS] != ti + 1) {
			n->stamp[ti % STAMP_SLOTS] = ti + 1;
			if (n->n_pending < PENDING_MAX)
				n->pending[n->n_pending] = ti;
			n->n_pending++;
		}
	}
}

/* The node's store says how far each origin got: record what is new. */
void
sim_node_catch(struct sim *w, int ni, int o)
{
	struct snode *n = &w->nodes[ni];
	struct origin_info oi;

	if (store_get_origin(n->vn.st, w->origins[o].key, &oi) != 0)
		return;
	while (n->hi[o] < oi.highest_seq)
		node_applied(w, ni, o, ++n->hi[o]);
}

/* After a delivery: what the store applied of the origins its frames
 * named, read in one snapshot, and only when the store committed since
 * the node's last look (most deliveries are copies of held batches). */
static void
catch_touched(struct sim *w, int ni)
{
	struct snode *n = &w->nodes[ni];
	struct origin_info oi;
	uint64_t txn;

	if (store_reader_begin(n->rd) == -1)
		return;
	if ((txn = store_reader_txn(n->rd)) != n->caught_txn) {
		size_t count = n->touch_overflow ? (size_t)w->n_origins :
		    n->n_touched;
		n->caught_txn = txn;
		for (size_t i = 0; i < count; i++) {
			int o = n->touch_overflow ? (int)i : n->touched[i];
			if (store_reader_origin(n->rd, w->origins[o].key,
			    &oi) != 0)
				continue;
			while (n->hi[o] < oi.highest_seq)
				node_applied(w, ni, o, ++n->hi[o]);
		}
	}
	store_reader_end(n->rd);
}

/* Listing checks for the tracked subjects the last applies touched. */
static void
node_observe_pending(struct sim *w, int ni)
{
	struct snode *n = &w->nodes[ni];

	if (n->n_pending > PENDING_MAX) { /* too many: look at them all */
		for (int ti = 0; ti < w->n_tracked; ti++)
			sim_observe(w, ni, ti);
	} else
		for (size_t i = 0; i < n->n_pending; i++)
			sim_observe(w, ni, n->pending[i]);
	memset(n->stamp, 0, sizeof(n->stamp));
	n->n_pending = 0;
}

static void
on_committed(void *arg, const uint8_t *sb, size_t len)
{
	struct snode *n = arg;
	struct sim *w = n->w;
	int ni = (int)(n - w->nodes);

	struct bmeta *m;

	w->batches_made++;
	sim_trace(w, 0x43, (uint64_t)ni, len);
	sim_node_catch(w, ni, n->origin);
	m = batch_meta(w, n->origin, n->hi[n->origin], false);
	if (m != NULL)
		m->taken = true;
	gossip_local_batch(n->vn.g, sb, len, sim_now_ms(w));
}

static void
on_wake(void *arg, uint64_t due, uint64_t now)
{
	struct snode *n = arg;
	struct sim *w = n->w;
	uint64_t at;

	if (due == 0)
		return;
	at = due > SIM_EPOCH_MS ? (due - SIM_EPOCH_MS) * 1000 : 0;
	if (at < w->now)
		at = w->now;
	if (n->flush_at != 0 && n->flush_at - 1 <= at)
		return;
	n->flush_at = at + 1;
	sim_push(w, at, EV_FLUSH, (uint32_t)(n - w->nodes), 0, NULL);
}

/* ---- frames crossing a link ---- */

static bool
pb_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int s = 0; s < 64 && *p < end; s += 7) {
		uint8_t c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80))
			return true;
	}
	return false;
}

/* Field `want` (length-delimited) of a message, or varint field. */
static bool
pb_field(const uint8_t *p, size_t len, unsigned want, const uint8_t **out,
    size_t *olen, uint64_t *ival)
{
	const uint8_t *end = p + len;
	uint64_t tag, v;

	while (p < end) {
		if (!pb_varint(&p, end, &tag))
			return false;
		switch (tag & 7) {
		case 0:
			if (!pb_varint(&p, end, &v))
				return false;
			if ((tag >> 3) == want && ival != NULL) {
				*ival = v;
				return true;
			}
			break;
		case 1:
			p += 8;
			break;
		case 5:
			p += 4;
			break;
		case 2:
			if (!pb_varint(&p, end, &v) || v > (uint64_t)(end - p))
				return false;
			if ((tag >> 3) == want && out != NULL) {
				*out = p;
				*olen = (size_t)v;
				return true;
			}
			p += v;
			break;
		default:
			return false;
		}
	}
	return false;
}

/* The origins of the batches in a chunk of whole frames: marks them in
 * the node's touched list; returns the number of batch copies. */
static uint64_t
scan_frames(const struct sim *w, struct snode *n, const uint8_t *p,
    size_t len)
{
	uint64_t copies = 0;

	while (len >= 4) {
		size_t fl = (size_t)p[0] << 24 | (size_t)p[1] << 16 |
		    (size_t)p[2] << 8 | p[3];
		const uint8_t *sb, *b, *key;
		size_t sbl, bl, kl;
		if (fl > len - 4)
			break;
		if (pb_field(p + 4, fl, 2, &sb, &sbl, NULL) &&
		    pb_field(sb, sbl, 1, &b, &bl, NULL) &&
		    pb_field(b, bl, 1, &key, &kl, NULL) &&
		    kl == ED25519_KEY_LEN) {
			int o = sim_origin_of(w, key);
			copies++;
			if (o >= 0 && n->touch_stamp[o] != n->touch_gen) {
				n->touch_stamp[o] = n->touch_gen;
				if (n->n_touched < TOUCH_MAX)
					n->touched[n->n_touched++] = o;
				else
					n->touch_overflow = true;
			}
		}
		p += 4 + fl;
		len -= 4 + fl;
	}
	return copies;
}

/* ---- links ---- */

static struct gossip_session *
end_session(struct slink *l, int side)
{
	return side == 0 ? l->vl.sa : l->vl.sb;
}

/* Sends what node ni's end of link li has queued. */
static void
pump_link(struct sim *w, int li, int side)
{
	struct slink *l = &w->links[li];
	int to = side == 0 ? l->b : l->a;
	const uint8_t *buf;
	size_t len;
	struct chunk *c;
	uint64_t at, t0;
	int from = side == 0 ? l->a : l->b;

	if (!l->vl.up)
		return;
	if (w->nodes[to].mute && w->now >= w->nodes[to].mute_from &&
	    w->now < w->nodes[to].mute_to)
		return; /* it stopped reading: the bytes stay queued */
	len = gossip_session_output(end_session(l, side), &buf);
	if (len == 0)
		return;
	if ((c = malloc(sizeof(*c) + len)) == NULL) {
		w->oom = true;
		return;
	}
	c->link = (uint32_t)li;
	c->side = (uint8_t)side;
	c->gen = l->gen;
	c->len = len;
	memcpy(c->data, buf, len);
	t0 = w->nodes[from].busy_until > w->now ? w->nodes[from].busy_until :
						 w->now;
	at = link_send(l->m, &l->dir[side], &w->rng_link, len, t0);
	gossip_session_sent(end_session(l, side), len, sim_now_ms(w));
	w->nodes[from].bytes_out += len;
	w->bytes += len;
	sim_push(w, at, EV_DELIVER, (uint32_t)li, 0, c);
}

/* Sends what the node has queued on every link. Bytes that stay queued
 * (a peer that stopped reading) make the node busy for its batcher, as the
 * daemon's peer shell says when its sockets hold bytes. */
static void
pump_node(struct sim *w, int ni)
{
	struct snode *n = &w->nodes[ni];
	bool busy = false;

	for (size_t i = 0; i < n->n_links; i++) {
		struct slink *l = &w->links[n->links[i]];
		const uint8_t *buf;
		int side = l->a == ni ? 0 : 1;
		pump_link(w, (int)n->links[i], side);
		if (l->vl.up &&
		    gossip_session_output(end_session(l, side), &buf) > 0)
			busy = true;
	}
	if (n->up && busy != n->busy) {
		n->busy = busy;
		batcher_set_busy(n->b, busy, sim_now_ms(w));
	}
}

static void
link_down(struct sim *w, int li, bool reconnect)
{
	struct slink *l = &w->links[li];

	if (l->vl.up) {
		vlink_break(&l->vl, "sim: link broken");
		w->link_breaks++;
	}
	l->gen++;
	l->closing = false;
	l->dir[0].busy_until = l->dir[1].busy_until = 0;
	if (reconnect && w->nodes[l->a].up && w->nodes[l->b].up && !l->cut)
		sim_push(w, w->now + w->s.reconnect, EV_CONNECT, (uint32_t)li,
		    l->gen, NULL);
}

static void node_events(struct sim *w, int ni);

static void
link_up(struct sim *w, int li)
{
	struct slink *l = &w->links[li];

	if (l->vl.up || l->cut || !w->nodes[l->a].up || !w->nodes[l->b].up)
		return;
	if (vlink_connect(&l->vl, &w->nodes[l->a].vn, &w->nodes[l->b].vn,
		sim_now_ms(w)) == -1) {
		w->oom = true;
		return;
	}
	gossip_session_set_udata(l->vl.sa, (void *)(uintptr_t)(li + 1));
	gossip_session_set_udata(l->vl.sb, (void *)(uintptr_t)(li + 1));
	if (w->pki != NULL) { /* what TLS authenticated: the peer's leaf */
		struct snode *na = &w->nodes[l->a], *nb = &w->nodes[l->b];
		gossip_directory_add(na->vn.g, nb->der, nb->der_len,
		    sim_now_ms(w));
		gossip_directory_add(nb->vn.g, na->der, na->der_len,
		    sim_now_ms(w));
	}
	l->gen++;
	w->link_ups++;
	pump_link(w, li, 0);
	pump_link(w, li, 1);
}

/* A session closed: its last words go out, then the link breaks. */
static void
on_gossip_event(void *arg, struct vnode *vn, const struct gossip_event *ev)
{
	struct sim *w = arg;
	int ni = (int)((struct snode *)(void *)vn - w->nodes);
	struct snode *n = &w->nodes[ni];

	if (ev->kind == GOSSIP_EV_EQUIVOCATION && n->equiv_known == 0) {
		n->equiv_known = w->now + 1;
		sim_trace(w, 0x45, (uint64_t)ni, 0);
	}
	if (ev->kind == GOSSIP_EV_CLOSED && ev->session != NULL) {
		uintptr_t u = (uintptr_t)gossip_session_udata(ev->session);
		if (u == 0)
			return;
		struct slink *l = &w->links[u - 1];
		if (ev->reason == REPUTED__GOODBYE_REASON__BYE_TOO_SLOW)
			w->dropped_slow++;
		if (!l->closing && l->vl.up) {
			l->closing = true;
			/* the other end hears of it a link's latency
			 * later at the earliest (sim/par.c counts on it) */
			uint64_t d = link_floor(l->m);
			sim_push(w, w->now + (d > 0 ? d : 1), EV_BREAK,
			    (uint32_t)(u - 1), l->gen, NULL);
		}
	}
}

static void
node_events(struct sim *w, int ni)
{
	vnode_events(&w->nodes[ni].vn, on_gossip_event, w);
}

/* ---- nodes up and down ---- */

int
sim_node_start(struct sim *w, int ni, char *err, size_t errlen)
{
	struct snode *n = &w->nodes[ni];
	struct store_options so = { .sync = 0, .writemap = true,
		.map_size = w->s.store_map,
		.policy = &w->s.policy };
	struct policy own = w->s.policy;
	struct gossip_conf gc;
	char dir[600];

	/* A flooder does not hold itself to the quota, its own nor its
	 * share of its organisation's (nor so to the flood line): with none
	 * in its own store, its batcher's own-quota check lets every report
	 * through and it signs them all; the others decide. */
	if (w->s.groups[n->group].role == ROLE_FLOODER) {
		own.quota_per_hour = 0;
		own.quota_per_org_hour = 0;
		so.policy = &own;
	}

	snprintf(dir, sizeof(dir), "%s/n%d", w->root, ni);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	gossip_conf_default(&gc);
	gc.name = n->name;
	const uint8_t *certs[1] = { n->der };
	size_t lens[1] = { n->der_len };
	if (w->pki != NULL) {
		gc.pki = w->pki;
		gc.certs = certs;
		gc.cert_lens = lens;
		gc.n_certs = 1;
	}
	if (vnode_open(&n->vn, dir, &so, &gc, err, errlen) == -1)
		return -1;
	if (w->memo[ni % w->threads] != NULL)
		verifier_set_memo(n->vn.v, w->memo[ni % w->threads]);
	for (int g = 0; g < w->s.n_groups; g++) {
		double trust = w->s.groups[g].trust;
		if (trust < 0)
			continue;
		for (int o = 0; o < w->n_origins; o++)
			if (w->nodes[w->origins[o].node].group == g &&
			    store_set_origin(n->vn.st, w->origins[o].key, trust,
				false, err, errlen) == -1)
				return -1;
	}
	if ((n->b = batcher_new(n->vn.st, n->vn.sig, err, errlen)) == NULL)
		return -1;
	batcher_set_committed(n->b, on_committed, n);
	batcher_set_wake(n->b, on_wake, n);
	if (w->s.batch_window_ms || w->s.batch_size || w->s.batch_idle >= 0) {
		struct batcher_policy bp;
		batcher_get_policy(n->b, &bp);
		if (w->s.batch_window_ms)
			bp.window_ms = w->s.batch_window_ms;
		if (w->s.batch_size)
			bp.max_reports = w->s.batch_size;
		if (w->s.batch_idle >= 0)
			bp.idle_seal = w->s.batch_idle;
		batcher_set_policy(n->b, &bp, sim_now_ms(w));
	}
	n->busy = false;
	if ((n->rd = store_reader_new(n->vn.st)) == NULL) {
		snprintf(err, errlen, "out of memory for a reader");
		return -1;
	}
	n->up = true;
	n->flush_at = 0;
	if (n->honest)
		w->n_honest_up++;
	return 0;
}

static void
node_stop(struct sim *w, int ni)
{
	struct snode *n = &w->nodes[ni];

	if (!n->up)
		return;
	for (size_t i = 0; i < n->n_links; i++)
		link_down(w, (int)n->links[i], false);
	batcher_free(n->b);
	n->b = NULL;
	store_reader_free(n->rd);
	n->rd = NULL;
	vnode_close(&n->vn, false);
	n->up = false;
	n->flush_at = 0;
	if (n->honest)
		w->n_honest_up--;
	/* what it listed is no longer answered */
	for (int ti = 0; ti < w->n_tracked; ti++)
		sim_observe(w, ni, ti);
}

static void
node_restart(struct sim *w, int ni)
{
	struct snode *n = &w->nodes[ni];
	char err[256];

	if (n->up)
		return;
	if (sim_node_start(w, ni, err, sizeof(err)) == -1) {
		snprintf(w->fail, sizeof(w->fail), "restart of node %d: %.200s",
		    ni, err);
		return;
	}
	for (int o = 0; o < w->n_origins; o++)
		sim_node_catch(w, ni, o);
	for (size_t i = 0; i < n->n_links; i++)
		sim_push(w, w->now, EV_CONNECT, n->links[i], 0, NULL);
	for (int ti = 0; ti < w->n_tracked; ti++)
		sim_observe(w, ni, ti);
}


/* ---- events ---- */

static void
fill_subject(const struct ssubj *ss, Reputed__Subject *pb, struct subject *s,
    uint8_t addr[16])
{
	char err[64];

	reputed__subject__init(pb);
	if (subject_parse(ss->text, s, err, sizeof(err)) != 0)
		return;
	if (s->kind == SUBJECT_DOMAIN) {
		pb->domain = s->domain;
		return;
	}
	memcpy(addr, s->addr, 16);
	pb->addr.data = addr;
	pb->addr.len = s->kind == SUBJECT_IPV4 ? 4 : 16;
	pb->prefix_len = s->prefix_len == (s->kind == SUBJECT_IPV4 ? 32 : 128) ?
	    0 :
	    s->prefix_len;
}

/* Submits one report at node ni (done may be NULL). 0 when it was
 * queued, 1 when the node was down, -1 when refused. */
static int
submit(struct sim *w, int ni, const struct ssubj *ss, int category,
    unsigned confidence, batcher_done_fn done, void *arg)
{
	struct snode *n = &w->nodes[ni];
	Reputed__Report r = REPUTED__REPORT__INIT, *rp = &r;
	Reputed__MailEvidence m = REPUTED__MAIL_EVIDENCE__INIT;
	Reputed__Subject pb;
	struct subject s;
	uint8_t addr[16], cip[4];
	char from[120], err[256];
	int rc;

	if (!n->up) {
		w->reports_lost++;
		return 1;
	}
	fill_subject(ss, &pb, &s, addr);
	r.subject = &pb;
	r.category = (Reputed__Category)category;
	r.confidence = confidence;
	r.observed_at = sim_now_ms(w);
	if (ss->role == SUBJ_FORGED) {
		struct subject c;
		if (subject_parse(ss->client_ip, &c, err, sizeof(err)) == 0)
			memcpy(cip, c.addr, 4);
		snprintf(from, sizeof(from), "bounce@%s", ss->text);
		m.client_ip.data = cip;
		m.client_ip.len = 4;
		m.helo = "mx.spammer.example";
		m.mail_from = from;
		m.spf_mail_from = REPUTED__AUTH_RESULT__AUTH_FAIL;
		r.mail = &m;
	}
	rc = batcher_submit(n->b, (const Reputed__Report *const *)&rp, 1,
	    sim_now_ms(w), done, arg, err, sizeof(err));
	if (rc != 0) {
		w->reports_failed++;
		if (w->fail[0] == '\0' && rc == BATCHER_INVALID)
			snprintf(w->fail, sizeof(w->fail),
			    "report about %.60s refused: %.200s", ss->text, err);
		return -1;
	}
	w->reports_made++;
	return 0;
}

static void
ev_report(struct sim *w, const struct event *e)
{
	struct sreport *r = &w->reports[e->a];
	const struct ssubj *ss = &w->subjects[r->subj];

	int rc = submit(w, r->node, ss, r->category,
	    ss->role == SUBJ_HONEST ? 90 : w->s.work[ss->work < 0 ? 0 : ss->work]
						  .confidence,
	    report_done, r);

	r->made = rc == 0;
	r->lost = rc == 1;
}

static void
ev_flush(struct sim *w, const struct event *e)
{
	struct snode *n = &w->nodes[e->a];

	if (!n->up || n->flush_at != e->at + 1)
		return;
	n->flush_at = 0;
	batcher_flush(n->b, sim_now_ms(w), false);
	node_observe_pending(w, (int)e->a);
	node_events(w, (int)e->a);
	pump_node(w, (int)e->a);
}

/* The node a delivery is for. */
int
sim_deliver_node(const struct sim *w, const struct event *e)
{
	const struct chunk *c = e->p;
	const struct slink *l = &w->links[c->link];

	return c->side == 0 ? l->b : l->a;
}

static bool
deliver_live(const struct sim *w, const struct event *e)
{
	const struct chunk *c = e->p;
	const struct slink *l = &w->links[c->link];

	return c->gen == l->gen && l->vl.up &&
	    w->nodes[sim_deliver_node(w, e)].up;
}

/* A delivery on a live connection to a node whose CPU is free: one that
 * ev_deliver neither drops nor postpones. */
bool
sim_deliver_ready(const struct sim *w, const struct event *e)
{
	return deliver_live(w, e) &&
	    w->nodes[sim_deliver_node(w, e)].busy_until <= e->at;
}

/* The node's part of a delivery to node d->ni: its gossip core reads the
 * bytes and its store applies what is new. It touches that node alone (and
 * d), so sim/par.c runs the parts of several nodes at once. */
void
sim_deliver_input(struct sim *w, const struct event *e, struct dwork *d)
{
	struct chunk *c = e->p;
	struct slink *l = &w->links[c->link];
	struct snode *n = &w->nodes[sim_deliver_node(w, e)];

	n->touch_gen++;
	n->n_touched = 0;
	n->touch_overflow = false;
	d->copies = scan_frames(w, n, c->data, c->len);
	d->b0 = gossip_stats(n->vn.g)->batches_in;
	d->r0 = n->applied_reports;
	gossip_session_input(end_session(l, 1 - c->side), c->data, c->len,
	    SIM_EPOCH_MS + e->at / 1000);
	free(c);
}

/* The world's part, at w->now: what the node applied, the CPU time that
 * took, the listings it changed, its events and its sends. */
void
sim_deliver_finish(struct sim *w, const struct dwork *d)
{
	int ni = d->ni;
	struct snode *n = &w->nodes[ni];
	double cost;

	if (n->honest)
		w->copies_honest += d->copies;
	catch_touched(w, ni);
	cost = (double)(gossip_stats(n->vn.g)->batches_in - d->b0) *
		w->s.cost_verify +
	    (double)(n->applied_reports - d->r0) * w->s.cost_apply;
	n->busy_until = w->now + (uint64_t)cost;
	node_observe_pending(w, ni);
	node_events(w, ni);
	pump_node(w, ni);
}

static void
ev_deliver(struct sim *w, const struct event *e)
{
	struct dwork d;

	if (!deliver_live(w, e)) {
		free(e->p);
		return;
	}
	if (w->nodes[sim_deliver_node(w, e)].busy_until > w->now) {
		/* its CPU is busy: wait */
		sim_push(w, w->nodes[sim_deliver_node(w, e)].busy_until,
		    EV_DELIVER, e->a, 0, e->p);
		return;
	}
	d.ni = sim_deliver_node(w, e);
	sim_deliver_input(w, e, &d);
	sim_deliver_finish(w, &d);
}

static void
ev_tick(struct sim *w, const struct event *e)
{
	struct snode *n = &w->nodes[e->a];

	if (n->up) {
		gossip_tick(n->vn.g, sim_now_ms(w));
		node_events(w, (int)e->a);
		pump_node(w, (int)e->a);
	}
	sim_push(w, w->now + w->s.tick, EV_TICK, e->a, 0, NULL);
}

/* Equal version vectors at every honest node that is up, then equal
 * digests (the real gossip_digest) to confirm. */
static bool
all_converged(struct sim *w)
{
	int first = -1;
	uint8_t d0[32], d[32];

	for (int i = 0; i < w->n_nodes; i++) {
		struct snode *n = &w->nodes[i];
		if (!n->honest || !n->up)
			continue;
		if (first < 0)
			first = i;
		else if (memcmp(n->hi, w->nodes[first].hi,
			     (size_t)w->n_origins * sizeof(uint64_t)) != 0)
			return false;
	}
	if (first < 0)
		return true;
	vnode_digest(&w->nodes[first].vn, d0);
	for (int i = first + 1; i < w->n_nodes; i++) {
		struct snode *n = &w->nodes[i];
		if (!n->honest || !n->up)
			continue;
		vnode_digest(&n->vn, d);
		if (memcmp(d, d0, 32) != 0)
			return false;
	}
	return true;
}

static void
ev_probe(struct sim *w, const struct event *e)
{
	if (e->b != w->probe_gen || w->converged_at != 0)
		return; /* a later fault restarted the probe */
	if (all_converged(w)) {
		w->converged_at = w->now + 1;
		sim_trace(w, 0x50, w->now, 0);
		return;
	}
	sim_push(w, w->now + 1000000, EV_PROBE, 0, e->b, NULL);
}

/* A fault ended: measure convergence from now. */
static void
fault_ended(struct sim *w)
{
	w->last_fault_end = w->now + 1;
	w->converged_at = 0;
	w->probe_gen++;
	sim_push(w, w->now + 1000000, EV_PROBE, 0, w->probe_gen, NULL);
}

/* One report of a flooder organisation's node b (a: the organisation):
 * each of its nodes floods at the group's rate with its own key. */
static void
ev_flood(struct sim *w, const struct event *e)
{
	const struct scen_orgs *g = &w->s.groups[w->org_group[e->a]];
	int ni = w->org_first[e->a] + (int)e->b;
	struct ssubj ss;
	uint64_t k = w->flood_seq++;

	memset(&ss, 0, sizeof(ss));
	ss.role = SUBJ_SPAM;
	ss.work = -1;
	snprintf(ss.text, sizeof(ss.text), "44.%u.%u.%u",
	    (unsigned)((k >> 16) & 255), (unsigned)((k >> 8) & 255),
	    (unsigned)(k & 255));
	w->flood_reports++;
	submit(w, ni, &ss, REPUTED__CATEGORY__CATEGORY_SPAM, 90, NULL, NULL);
	uint64_t next = w->now + 1 + (uint64_t)rng_exp(&w->rng, 1e6 / g->rate);
	if (g->stop == 0 || next < g->stop)
		sim_push(w, next, EV_FLOOD, e->a, e->b, NULL);
}

/* Both faces of an equivocating origin sign their next seq over other
 * reports. */
static void
ev_equiv(struct sim *w, const struct event *e)
{
	int ni = w->org_first[e->a];
	struct ssubj ss;

	memset(&ss, 0, sizeof(ss));
	ss.role = SUBJ_SPAM;
	ss.work = -1;
	if (w->equiv_start == 0)
		w->equiv_start = w->now + 1;
	for (int i = 0; i < w->n_nodes; i++) {
		if (w->nodes[i].org != (int)e->a)
			continue;
		snprintf(ss.text, sizeof(ss.text), "45.%u.%d.1", e->a & 255, i);
		(void)ni;
		submit(w, i, &ss, REPUTED__CATEGORY__CATEGORY_SPAM, 90, NULL,
		    NULL);
	}
}

static void
ev_unmute(struct sim *w, const struct event *e)
{
	struct snode *n = &w->nodes[e->a];

	for (size_t i = 0; i < n->n_links; i++) {
		struct slink *l = &w->links[n->links[i]];
		int other = l->a == (int)e->a ? l->b : l->a;
		pump_node(w, other);
	}
}

static bool
side_a(const struct sim *w, const struct scen_fault *f, int ni)
{
	return (double)w->nodes[ni].org < f->split * (double)w->n_orgs;
}

static void
ev_partition(struct sim *w, const struct event *e, bool start)
{
	const struct scen_fault *f = &w->s.faults[e->a];

	for (int li = 0; li < w->n_links; li++) {
		struct slink *l = &w->links[li];
		if (side_a(w, f, l->a) == side_a(w, f, l->b))
			continue;
		if (start) {
			l->cut = true;
			link_down(w, li, false);
		} else {
			l->cut = false;
			link_up(w, li);
		}
	}
	if (!start)
		fault_ended(w);
}

static void
dispatch(struct sim *w, const struct event *e)
{
	switch (e->kind) {
	case EV_REPORT:
		ev_report(w, e);
		break;
	case EV_FLUSH:
		ev_flush(w, e);
		break;
	case EV_DELIVER:
		ev_deliver(w, e);
		break;
	case EV_BREAK:
		if (e->b == w->links[e->a].gen)
			link_down(w, (int)e->a, true);
		break;
	case EV_CONNECT:
		link_up(w, (int)e->a);
		break;
	case EV_TICK:
		ev_tick(w, e);
		break;
	case EV_SAMPLE:
		sim_sample(w);
		sim_push(w, w->now + w->s.sample, EV_SAMPLE, 0, 0, NULL);
		break;
	case EV_PROBE:
		ev_probe(w, e);
		break;
	case EV_FLOOD:
		ev_flood(w, e);
		break;
	case EV_EQUIV:
		ev_equiv(w, e);
		break;
	case EV_UNMUTE:
		ev_unmute(w, e);
		break;
	case EV_PART_START:
	case EV_PART_END:
		ev_partition(w, e, e->kind == EV_PART_START);
		break;
	case EV_CRASH:
		node_stop(w, (int)e->a);
		break;
	case EV_RESTART:
		node_restart(w, (int)e->a);
		fault_ended(w);
		break;
	default:
		break;
	}
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts); /* progress display only */
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
cpu_seconds(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
	    ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
}

/* A line of /proc/self/status in kB (VmHWM: the peak, VmRSS: now). */
static long
status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(key);
	long kb = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0) {
			kb = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

static long
rss_kb(void)
{
	return status_kb("VmHWM:");
}

static long
rss_now_kb(void)
{
	return status_kb("VmRSS:");
}

static long rss_now_kb(void);

static void
progress(struct sim *w, double t0, double *last)
{
	double t = wall_now();

	if (t - *last < 1.0)
		return;
	*last = t;
	fprintf(stderr,
	    "\r%s: sim %.1f s / %.1f s, %llu events, %.0fk events/s, "
	    "%llu applies, %ld MB   ",
	    w->s.name, (double)w->now / 1e6, (double)w->s.duration / 1e6,
	    (unsigned long long)w->events,
	    (double)w->events / (t - t0 + 1e-9) / 1e3,
	    (unsigned long long)w->applies, rss_now_kb() / 1024);
}

/* Listing latency: from the last report made before a subject was first
 * listed anywhere (the one that tipped the score) to its listing at each
 * honest node. */
static void
listing_latency(struct sim *w)
{
	for (size_t i = 0; i < w->n_reports; i++) {
		const struct sreport *r = &w->reports[i];
		int ti = w->subjects[r->subj].tracked;
		if (ti < 0)
			continue;
		struct tsubj *t = &w->tracked[ti];
		t->lost += r->lost;
		if (r->made && t->first_any != 0 && r->at + 1 <= t->first_any &&
		    r->at + 1 > t->decisive)
			t->decisive = r->at + 1;
	}
	for (int ti = 0; ti < w->n_tracked; ti++) {
		const struct tsubj *t = &w->tracked[ti];
		if (t->decisive == 0)
			continue;
		for (int ni = 0; ni < w->n_nodes; ni++) {
			const struct tstate *st =
			    &w->tstate[(size_t)ti * w->n_nodes + ni];
			if (w->s.measure_node >= 0 && ni != w->s.measure_node)
				continue;
			if (w->nodes[ni].honest && st->first >= t->decisive)
				hist_add(&w->h_listed, st->first - t->decisive);
		}
	}
}

static void
finish(struct sim *w)
{
	uint8_t d[32];

	for (int ni = 0; ni < w->n_nodes; ni++)
		for (int ti = 0; ti < w->n_tracked; ti++)
			sim_observe(w, ni, ti);
	listing_latency(w);
	w->converged_end = all_converged(w);
	for (int i = 0; i < w->n_nodes; i++) {
		if (!w->nodes[i].up)
			continue;
		uint64_t n = vnode_digest(&w->nodes[i].vn, d);
		uint64_t x;
		memcpy(&x, d, sizeof(x));
		sim_trace(w, 0x44, n, x);
	}
	w->memo_hits = w->memo_misses = 0;
	for (int t = 0; t < w->threads; t++) {
		uint64_t hits, misses;
		if (w->memo[t] == NULL)
			continue;
		verify_memo_stats(w->memo[t], &hits, &misses);
		w->memo_hits += hits;
		w->memo_misses += misses;
	}
}

/* SIGINT / SIGTERM: stop at the next event, so the stores are removed. */
static volatile sig_atomic_t sim_stop;

static void
on_signal(int sig)
{
	sim_stop = sig;
}

void
sim_event(struct sim *w, const struct event *e)
{
	w->now = e->at;
	w->events++;
	sim_trace(w, e->at, (uint64_t)e->kind, (uint64_t)e->a << 32 | e->b);
	dispatch(w, e);
}

int
sim_run(struct sim *w, char *err, size_t errlen)
{
	struct event e;
	double t0 = wall_now(), last = t0, c0 = cpu_seconds();

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	while (evq_pop(&w->q, &e)) {
		if (e.at > w->s.duration || e.kind == EV_END)
			break;
		if (w->par != NULL && e.kind == EV_DELIVER &&
		    sim_deliver_ready(w, &e))
			par_deliveries(w->par, &e);
		else
			sim_event(w, &e);
		if (sim_stop) {
			snprintf(err, errlen, "interrupted by signal %d at "
					      "simulated %.3f s",
			    (int)sim_stop, (double)w->now / 1e6);
			return -1;
		}
		if (w->oom || w->fail[0]) {
			snprintf(err, errlen, "%s",
			    w->oom ? "out of memory" : w->fail);
			return -1;
		}
		if (w->o.progress && (w->events & 0x3fff) == 0)
			progress(w, t0, &last);
	}
	w->now = w->s.duration;
	finish(w);
	w->wall_s = wall_now() - t0;
	w->cpu_s = cpu_seconds() - c0;
	w->rss_kb = rss_kb();
	if (w->o.progress)
		fprintf(stderr, "\n");
	return 0;
}

uint64_t
sim_trace_hash(const struct sim *w)
{
	return w->trace;
}

struct sim *
sim_new(const struct scenario *s, const struct sim_opts *o, char *err,
    size_t errlen)
{
	struct sim *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	w->s = *s;
	w->o = *o;
	w->trace = 0xcbf29ce484222325ULL;
	w->threads = o->threads < 1 ? 1 : o->threads > SIM_THREADS_MAX ?
	    SIM_THREADS_MAX : o->threads;
	evq_init(&w->q);
	if (sim_setup(w, err, errlen) == -1) {
		sim_free(w);
		return NULL;
	}
	return w;
}

void
sim_free(struct sim *w)
{
	struct event e;

	if (w == NULL)
		return;
	par_free(w->par);
	while (evq_pop(&w->q, &e))
		if (e.kind == EV_DELIVER)
			free(e.p);
	evq_free(&w->q);
	for (int li = 0; li < w->n_links; li++)
		if (w->links[li].vl.up)
			vlink_break(&w->links[li].vl, "sim: end");
	for (int i = 0; i < w->n_nodes; i++) {
		struct snode *n = &w->nodes[i];
		if (n->up) {
			batcher_free(n->b);
			store_reader_free(n->rd);
			vnode_close(&n->vn, false);
		}
		EVP_PKEY_free(n->vn.pkey);
		if (!n->face)
			OPENSSL_free(n->der);
		free(n->links);
		free(n->hi);
		free(n->touch_stamp);
	}
	if (w->root[0])
		vnode_remove_dir(w->root);
	for (int o = 0; o < w->n_origins; o++)
		free(w->origins[o].meta);
	free(w->origins);
	free(w->okeys);
	free(w->nodes);
	free(w->links);
	free(w->org_group);
	free(w->org_first);
	free(w->subjects);
	free(w->reports);
	free(w->tracked);
	free(w->tstate);
	for (int t = 0; t < SIM_THREADS_MAX; t++)
		verify_memo_free(w->memo[t]);
	pki_free(w->pki);
	free(w);
}
