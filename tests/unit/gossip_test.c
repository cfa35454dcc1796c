/*
 * gossip_test.c: node/peer/gossip.c, the dissemination core, driven as the
 * simulator drives it, on the simulator's network (sim/vnet.c): several
 * nodes in one process, each with its own LMDB store in a temporary
 * directory, virtual links that deliver bytes in random chunks and random
 * orders, a virtual clock, links that break and come back. Every scenario ends with the same batch set on every node
 * (gossip_digest), or with the misbehaving peer contained.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include <cmocka.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "node/peer/gossip.h"
#include "node/peer/pki.h"
#include "sim/vnet.h"

/* The network is sim/vnet.c (the simulator's); these wrap it for
 * cmocka. */
#define net_free(net) assert_int_equal(vnet_free(net), 0)
#define node_events(t) vnode_events((t), NULL, NULL)
#define link_break(l) vlink_break((l), "test: link broken")
#define link_step vnet_step
#define net_tick vnet_tick
#define net_run vnet_run
#define rnd vnet_rnd

static void
node_init(struct vnet *net, int i, struct gossip_conf *gc, const uint8_t *cert,
    size_t certlen)
{
	char err[256];

	if (vnet_node(net, i, gc, cert, certlen, err, sizeof(err)) != 0)
		fail_msg("node %d: %s", i, err);
}

static void
net_init(struct vnet *net, int nn, unsigned seed)
{
	char err[256];

	if (vnet_init(net, nn, seed, (uint64_t)time(NULL) * 1000, err,
		sizeof(err)) != 0)
		fail_msg("%s", err);
}

static void
link_connect(struct vnet *net, struct vlink *l)
{
	assert_int_equal(vnet_connect(net, l), 0);
}

static struct vlink *
net_link(struct vnet *net, int a, int b)
{
	struct vlink *l = vnet_link(net, a, b);

	assert_non_null(l);
	return l;
}

/* A signed batch of origin t with n reports, seq = t->seq + 1 (or seq). */
static uint8_t *
make_batch(struct vnet *net, struct vnode *t, uint64_t seq, unsigned n,
    unsigned salt, size_t *len)
{
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Report r[8], *rp[8];
	Reputed__Subject s[8];
	uint8_t addr[8][4];

	assert_true(n <= 8);
	for (unsigned i = 0; i < n; i++) {
		reputed__report__init(&r[i]);
		reputed__subject__init(&s[i]);
		addr[i][0] = 198;
		addr[i][1] = 51;
		addr[i][2] = (uint8_t)(seq + salt);
		addr[i][3] = (uint8_t)i;
		s[i].addr.data = addr[i];
		s[i].addr.len = 4;
		r[i].subject = &s[i];
		r[i].category = REPUTED__CATEGORY__CATEGORY_SPAM;
		r[i].confidence = 80;
		r[i].observed_at = net->now - salt;
		r[i].ttl = 3600;
		rp[i] = &r[i];
	}
	b.seq = seq;
	b.created_at = net->now;
	b.n_reports = n;
	b.reports = rp;
	uint8_t *sb = envelope_seal(t->sig, &b, len);
	assert_non_null(sb);
	return sb;
}

/* What the batcher does: seal, commit, then hand to the core. */
static void
originate(struct vnet *net, int i)
{
	struct vnode *t = &net->n[i];
	Reputed__Batch *b;
	struct store_txn *tx;
	char err[256];
	size_t len;
	uint8_t *sb = make_batch(net, t, ++t->seq, 3, 0, &len);

	assert_int_equal(envelope_decode(sb, len, &b, err, sizeof(err)),
	    ENVELOPE_OK);
	tx = store_begin(t->st, err, sizeof(err));
	assert_non_null(tx);
	assert_int_equal(store_apply(tx, sb, len, b, err, sizeof(err)),
	    APPLY_OK);
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	gossip_local_batch(t->g, sb, len, net->now);
	reputed__batch__free_unpacked(b, NULL);
	free(sb);
}

static uint64_t
node_digest(struct vnode *t, uint8_t d[32])
{
	uint64_t n;
	char err[128];

	assert_int_equal(gossip_digest(t->st, d, &n, err, sizeof(err)), 0);
	return n;
}

/* Every node holds `want` batches and the same digest. */
static void
assert_converged(struct vnet *net, uint64_t want)
{
	uint8_t d0[32], d[32];

	assert_int_equal(node_digest(&net->n[0], d0), want);
	for (int i = 1; i < net->nn; i++) {
		assert_int_equal(node_digest(&net->n[i], d), want);
		assert_memory_equal(d, d0, 32);
	}
}

static uint64_t
total_seq(struct vnet *net)
{
	uint64_t s = 0;

	for (int i = 0; i < net->nn; i++)
		s += net->n[i].seq;
	return s;
}

/* ---- the tests ---- */

static void
test_two_nodes(void **state)
{
	struct vnet net;

	net_init(&net, 2, 1);
	originate(&net, 0);
	originate(&net, 0); /* before any link: catch-up carries these */
	net_link(&net, 0, 1);
	net_run(&net);
	originate(&net, 1); /* live flood */
	net_run(&net);
	assert_converged(&net, 3);
	assert_int_equal(gossip_stats(net.n[1].g)->batches_in, 2);
	assert_int_equal(gossip_stats(net.n[0].g)->batches_in, 1);
	assert_int_equal(gossip_stats(net.n[1].g)->sessions_up, 1);
	net_free(&net);
}

static void
test_line_of_five(void **state)
{
	struct vnet net;

	net_init(&net, 5, 2);
	for (int i = 0; i < 4; i++)
		net_link(&net, i, i + 1);
	net_run(&net);
	for (int k = 0; k < 20; k++)
		originate(&net, k % 5);
	net_run(&net);
	assert_converged(&net, 20);
	/* Flooding never sends a batch back where it came from. */
	assert_int_equal(gossip_stats(net.n[4].g)->duplicates, 0);
	net_free(&net);
}

/* Random mesh, random delivery, links broken and restored while batches
 * are made: after the last reconnect, everyone has everything. */
static void
random_mesh(unsigned seed)
{
	struct vnet net;
	int nn = 4 + (int)(seed % 4);

	net_init(&net, nn, seed);
	for (int i = 0; i + 1 < nn; i++)
		net_link(&net, i, i + 1);
	for (int k = 0; k < nn; k++) {
		int a = (int)rnd(&net, (unsigned)nn),
		    b = (int)rnd(&net, (unsigned)nn);
		if (a != b)
			net_link(&net, a, b);
	}
	for (int round = 0; round < 30; round++) {
		for (int k = (int)rnd(&net, 4); k > 0; k--)
			originate(&net, (int)rnd(&net, (unsigned)nn));
		for (int k = 0; k < 20; k++)
			link_step(&net, &net.l[rnd(&net, (unsigned)net.nl)]);
		net_tick(&net, 7);
		struct vlink *l = &net.l[rnd(&net, (unsigned)net.nl)];
		if (rnd(&net, 5) == 0)
			link_break(l); /* loss: everything in flight is gone */
		else if (!l->up)
			link_connect(&net, l);
	}
	for (int i = 0; i < net.nl; i++)
		if (!net.l[i].up)
			link_connect(&net, &net.l[i]);
	net_run(&net);
	assert_converged(&net, total_seq(&net));
	net_free(&net);
}

static void
test_random_meshes_converge(void **state)
{
	for (unsigned seed = 1; seed <= 12; seed++)
		random_mesh(seed * 7919);
}

/* A node restarts from its store (its sessions gone): it catches up. */
static void
test_restart_catches_up(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	char err[128];

	net_init(&net, 3, 3);
	net_link(&net, 0, 1);
	net_link(&net, 1, 2);
	net_run(&net);
	link_break(&net.l[1]);
	for (int k = 0; k < 50; k++)
		originate(&net, k % 2);
	net_run(&net);
	/* Node 2 "restarts": a new core over the same store. */
	gossip_free(net.n[2].g);
	gossip_conf_default(&gc);
	memcpy(gc.node_key, net.n[2].key, 32);
	gc.store = net.n[2].st;
	gc.verifier = net.n[2].v;
	gc.catchup_burst = 3; /* several pumps */
	net.n[2].g = gossip_new(&gc, err, sizeof(err));
	link_connect(&net, &net.l[1]);
	net_run(&net);
	assert_converged(&net, 50);
	assert_true(gossip_stats(net.n[1].g)->catchup_out >= 50);
	net_free(&net);
}

/* Store counts that a full prune makes equal on nodes with the same
 * applied history (the stored batches aside). */
static void
prune_and_sizes(struct vnode *t, struct store_stats *ss)
{
	struct store_prune p;
	struct store_reader *r;
	char err[128];

	assert_int_equal(store_prune_all(t->st, &p, err, sizeof(err)), 0);
	assert_non_null(r = store_reader_new(t->st));
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_sizes(r, ss), 0);
	store_reader_end(r);
	store_reader_free(r);
	ss->batches = ss->bytes_on_disk = ss->map_used = ss->map_size = 0;
}

/*
 * Pruned history. Node 0 makes 20 batches (reports with a TTL of an
 * hour), then, two hours later, 5 more: batches 1..20 no longer count.
 * Node 1 follows; node 2 is cut off after batch 10. Node 0 prunes (floor
 * 20), node 1 does not. Node 2 then meets node 0 first: it is told
 * batches 1..20 were pruned (not missing), takes them as applied and gets
 * 21..25; a late joiner (node 3, empty) the same from node 1 after node 1
 * pruned too. Every digest equal, and after a full prune the same live
 * state everywhere.
 */
static void
test_pruned_history(void **state)
{
	struct vnet net;
	struct store_stats s0, s;
	struct store_prune p;
	uint8_t d0[32], d[32];
	char err[128];

	net_init(&net, 4, 11);
	struct vlink *l01 = net_link(&net, 0, 1);
	struct vlink *l12 = net_link(&net, 1, 2);
	net_run(&net);
	for (int k = 0; k < 10; k++)
		originate(&net, 0);
	net_run(&net);
	link_break(l12);
	for (int k = 0; k < 10; k++)
		originate(&net, 0);
	net_run(&net);
	net.now += 2 * 3600 * 1000;
	for (int k = 0; k < 5; k++)
		originate(&net, 0);
	net_run(&net);
	assert_int_equal(store_prune_all(net.n[0].st, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.batches_pruned, 20);
	/* node 2 meets the pruned node 0 */
	struct vlink *l02 = net_link(&net, 0, 2);
	net_run(&net);
	assert_int_equal(node_digest(&net.n[2], d), 25);
	assert_int_equal(node_digest(&net.n[0], d0), 25);
	assert_memory_equal(d, d0, 32);
	assert_int_equal(node_digest(&net.n[1], d), 25);
	assert_memory_equal(d, d0, 32);
	/* a late joiner meets node 1 after node 1 pruned as well */
	assert_int_equal(store_prune_all(net.n[1].st, &p, err, sizeof(err)),
	    0);
	link_break(l02);
	net_link(&net, 1, 3);
	net_run(&net);
	assert_int_equal(node_digest(&net.n[3], d), 25);
	assert_memory_equal(d, d0, 32);
	prune_and_sizes(&net.n[0], &s0);
	assert_true(s0.reports_indexed > 0);
	for (int i = 1; i < 4; i++) {
		prune_and_sizes(&net.n[i], &s);
		assert_memory_equal(&s, &s0, sizeof(s));
	}
	(void)l01;
	net_free(&net);
}

/* Catch-up fills the send queue only up to queue_low, so a live batch made
 * while a peer catches up on 300 old ones reaches it long before the
 * catch-up ends. */
static void
test_catchup_does_not_starve_live(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	struct store_reader *r;
	const uint8_t *data;
	size_t len;
	char err[128];
	int steps;

	net_init(&net, 2, 12);
	gossip_free(net.n[0].g);
	gossip_conf_default(&gc);
	memcpy(gc.node_key, net.n[0].key, 32);
	gc.store = net.n[0].st;
	gc.verifier = net.n[0].v;
	gc.queue_low = 2000;
	gc.catchup_burst = 4;
	net.n[0].g = gossip_new(&gc, err, sizeof(err));
	for (int k = 0; k < 300; k++)
		originate(&net, 0);
	net.chunk_max = 600;
	struct vlink *l = net_link(&net, 0, 1);
	for (int k = 0; k < 6; k++) /* Hellos, the first catch-up */
		link_step(&net, l);
	originate(&net, 0); /* seq 301, live */
	r = store_reader_new(net.n[1].st);
	for (steps = 0; steps < 100000; steps++) {
		link_step(&net, l);
		store_reader_begin(r);
		int got = store_get_batch(r, net.n[0].key, 301, &data, &len);
		store_reader_end(r);
		if (got == 0)
			break;
	}
	store_reader_begin(r);
	/* Live batch arrived while most of the catch-up is still to come. */
	assert_int_equal(store_get_batch(r, net.n[0].key, 301, &data, &len), 0);
	assert_int_equal(store_get_batch(r, net.n[0].key, 200, &data, &len), 1);
	store_reader_end(r);
	store_reader_free(r);
	net_run(&net);
	assert_converged(&net, 301);
	net_free(&net);
}

/* Queues a raw frame payload on a's link end as if b sent it. */
static void
inject(struct vnet *net, struct vlink *l, const uint8_t *payload, size_t len)
{
	uint8_t *buf = malloc(len + 4);

	buf[0] = (uint8_t)(len >> 24);
	buf[1] = (uint8_t)(len >> 16);
	buf[2] = (uint8_t)(len >> 8);
	buf[3] = (uint8_t)len;
	memcpy(buf + 4, payload, len);
	gossip_session_input(l->sb, buf, len + 4, net->now);
	free(buf);
}

static void
inject_batch(struct vnet *net, struct vlink *l, const uint8_t *sb, size_t len)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__SignedBatch *s = reputed__signed_batch__unpack(NULL, len, sb);
	size_t flen;
	uint8_t *buf;

	assert_non_null(s);
	f.msg_case = REPUTED__FRAME__MSG_BATCH;
	f.batch = s;
	buf = frame_encode(&f, &flen);
	gossip_session_input(l->sb, buf, flen, net->now);
	free(buf);
	reputed__signed_batch__free_unpacked(s, NULL);
}

/* A forged copy (bad signature) arrives first: the session that sent it
 * is closed and counted, and the real batch is still accepted later. */
static void
test_bad_signature_contained(void **state)
{
	struct vnet net;
	struct vlink *l;
	size_t len;
	uint8_t *sb;
	uint8_t d[32];

	net_init(&net, 3, 4);
	l = net_link(&net, 0, 1);
	net_link(&net, 2, 1);
	net_run(&net);
	sb = make_batch(&net, &net.n[2], 1, 2, 0, &len);
	sb[len - 1] ^= 1; /* the signature's last byte */
	inject_batch(&net, l, sb, len);
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_CLOSED);
	node_events(&net.n[1]);
	assert_int_equal(net.n[1].closed_bad_sig, 1);
	assert_int_equal(gossip_stats(net.n[1].g)->bad_signature, 1);
	net_run(&net);
	assert_false(l->up);
	/* The forged copy was not "seen": the real one goes through. */
	free(sb);
	originate(&net, 2);
	net_run(&net);
	assert_int_equal(node_digest(&net.n[1], d), 1);
	link_connect(&net, l);
	net_run(&net);
	assert_converged(&net, 1);
	net_free(&net);
}

/* Garbage, an oversized length prefix, a frame before Hello, another key
 * in Hello: each closes that session only. */
static void
test_malformed_contained(void **state)
{
	struct vnet net;
	struct vlink *l;
	uint8_t junk[64], big[8] = { 0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4 };

	net_init(&net, 2, 5);
	l = net_link(&net, 0, 1);
	net_run(&net);
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)rnd(&net, 256);
	inject(&net, l, junk, sizeof(junk));
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_CLOSED);
	net_run(&net);
	link_connect(&net, l);
	net_run(&net);
	gossip_session_input(l->sb, big, sizeof(big), net.now);
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_CLOSED);
	net_run(&net);
	/* Before Hello: a Ping. */
	link_connect(&net, l);
	uint8_t ping[] = { 0x22, 0x02, 0x08, 0x01 };
	inject(&net, l, ping, sizeof(ping));
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_CLOSED);
	net_run(&net);
	node_events(&net.n[1]);
	assert_int_equal(net.n[1].closed_proto, 3);
	/* Hello from a key other than the authenticated one. */
	l->sa = gossip_session_new(net.n[0].g, net.n[1].key, true, net.now);
	l->sb = gossip_session_new(net.n[1].g, net.n[1].key, false, net.now);
	l->up = true;
	net_run(&net);
	assert_false(l->up);
	/* The node still works. */
	link_connect(&net, l);
	originate(&net, 0);
	net_run(&net);
	assert_converged(&net, 1);
	net_free(&net);
}

/* Same origin and seq, different content: both nodes detect it, keep the
 * proof, block the origin, and later batches from it go nowhere. */
static void
test_equivocation(void **state)
{
	struct vnet net;
	struct vnode *x;
	struct store_txn *tx;
	Reputed__Batch *b;
	char err[256];
	size_t l1, l2;
	uint8_t *b1, *b2;
	struct origin_info oi;

	net_init(&net, 3, 6);
	x = &net.n[2]; /* the equivocator, never linked */
	b1 = make_batch(&net, x, 1, 2, 0, &l1);
	b2 = make_batch(&net, x, 1, 2, 99, &l2);
	/* Node 0 gets b1, node 1 gets b2, then floods it live. */
	net_link(&net, 0, 1);
	net_run(&net);
	for (int i = 0; i < 2; i++) {
		uint8_t *sb = i ? b2 : b1;
		size_t len = i ? l2 : l1;
		envelope_decode(sb, len, &b, err, sizeof(err));
		tx = store_begin(net.n[i].st, err, sizeof(err));
		assert_int_equal(store_apply(tx, sb, len, b, err, sizeof(err)),
		    APPLY_OK);
		store_commit(tx, err, sizeof(err));
		reputed__batch__free_unpacked(b, NULL);
		if (i == 1)
			gossip_local_batch(net.n[1].g, sb, len, net.now);
	}
	net_run(&net);
	assert_int_equal(net.n[0].equivocations + net.n[1].equivocations, 2);
	assert_int_equal(store_get_origin(net.n[0].st, x->key, &oi), 0);
	assert_true(oi.blocked);
	assert_int_equal(store_get_origin(net.n[1].st, x->key, &oi), 0);
	assert_true(oi.blocked);
	free(b1);
	free(b2);
	net_free(&net);
}

/* Applies a signed batch at node i directly (as its batcher or a
 * catch-up would have). */
static enum apply_status
apply_at(struct vnet *net, int i, const uint8_t *sb, size_t len)
{
	struct store_txn *tx;
	Reputed__Batch *b;
	char err[256];

	assert_int_equal(envelope_decode(sb, len, &b, err, sizeof(err)),
	    ENVELOPE_OK);
	assert_non_null(tx = store_begin(net->n[i].st, err, sizeof(err)));
	enum apply_status st = store_apply(tx, sb, len, b, err, sizeof(err));
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	reputed__batch__free_unpacked(b, NULL);
	return st;
}

/*
 * An equivocator's proof stays whole after a prune: node 0 holds batches
 * 1..3 of origin x, node 1 another batch 1; both block x. Node 0 then
 * prunes (x's index entries were purged by the block, which must not let
 * its batches go). A late joiner (node 3) gets both halves of the proof
 * from node 0, blocks x too, and the digests agree. When the pruner took
 * x's batch 1, the joiner got only node 1's batch 1, applied it as an
 * honest batch, never blocked x, and its digest differed.
 */
static void
test_equivocation_proof_survives_prune(void **state)
{
	struct vnet net;
	struct vnode *x;
	struct store_prune p;
	struct origin_info oi;
	uint8_t d0[32], d[32];
	char err[128];
	size_t len[4];
	uint8_t *b[4];

	net_init(&net, 4, 12);
	x = &net.n[2]; /* the equivocator, never linked */
	for (int i = 0; i < 3; i++)
		b[i] = make_batch(&net, x, (uint64_t)i + 1, 2, 0, &len[i]);
	b[3] = make_batch(&net, x, 1, 2, 99, &len[3]);
	net_link(&net, 0, 1);
	net_run(&net);
	originate(&net, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(apply_at(&net, 0, b[i], len[i]), APPLY_OK);
	assert_int_equal(apply_at(&net, 1, b[3], len[3]), APPLY_OK);
	gossip_local_batch(net.n[1].g, b[3], len[3], net.now);
	net_run(&net);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_get_origin(net.n[i].st, x->key, &oi), 0);
		assert_true(oi.blocked);
	}
	assert_int_equal(store_prune_all(net.n[0].st, &p, err, sizeof(err)),
	    0);
	assert_int_equal(p.batches_pruned, 0);
	net_link(&net, 0, 3);
	net_run(&net);
	assert_int_equal(store_get_origin(net.n[3].st, x->key, &oi), 0);
	assert_true(oi.blocked);
	node_digest(&net.n[0], d0);
	node_digest(&net.n[1], d);
	assert_memory_equal(d, d0, 32);
	node_digest(&net.n[3], d);
	assert_memory_equal(d, d0, 32);
	for (int i = 0; i < 4; i++)
		free(b[i]);
	net_free(&net);
}

/*
 * The flood line through the core: x (node 3, linked to node 0 only)
 * floods 6 batches of 4 reports made at one moment; nodes 0, 1, 2 (a
 * line) have a quota of 3 an hour and a line of 6 dropped, so each blocks
 * x at batch 3 (once, with a flood event), stores none of 4..6, and the
 * three agree on the digest (of node 0's and node 2's own batches).
 * Node 4 joins late, linked to node 2 only: catch-up brings it batches
 * 1..3 and it blocks x at the same batch.
 */
static void
test_flood_block(void **state)
{
	struct vnet net;
	struct vnode *x;
	struct origin_info oi;
	struct policy p;
	uint8_t d0[32], d[32];
	const uint8_t *data;
	size_t dlen;

	net_init(&net, 5, 21);
	x = &net.n[3];
	policy_default(&p);
	p.quota_per_hour = 3;
	p.quota_block_factor = 2;
	for (int i = 0; i < 5; i++)
		if (i != 3)
			store_set_policy(net.n[i].st, &p);
	net_link(&net, 0, 1);
	net_link(&net, 1, 2);
	net_run(&net);
	originate(&net, 0);	/* honest batches: a digest of something */
	originate(&net, 2);
	for (uint64_t seq = 1; seq <= 6; seq++) {
		size_t len;
		uint8_t *sb = make_batch(&net, x, seq, 4, 0, &len);
		assert_int_equal(apply_at(&net, 3, sb, len), APPLY_OK);
		gossip_local_batch(x->g, sb, len, net.now);
		free(sb);
	}
	net_link(&net, 3, 0);
	net_run(&net);
	for (int i = 0; i < 3; i++) {
		struct store_reader *r = store_reader_new(net.n[i].st);
		assert_int_equal(store_get_origin(net.n[i].st, x->key, &oi), 0);
		assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
		assert_int_equal(oi.highest_seq, 3);
		assert_int_equal(gossip_stats(net.n[i].g)->flood_blocks, 1);
		assert_int_equal(store_reader_begin(r), 0);
		assert_int_equal(store_get_batch(r, x->key, 3, &data, &dlen),
		    0);
		assert_int_equal(store_get_batch(r, x->key, 4, &data, &dlen),
		    1);
		store_reader_end(r);
		store_reader_free(r);
	}
	assert_true(gossip_stats(net.n[0].g)->blocked >= 3);	/* 4..6 */
	assert_int_equal(node_digest(&net.n[0], d0), 2);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(node_digest(&net.n[i], d), 2);
		assert_memory_equal(d, d0, 32);
	}
	net_link(&net, 4, 2);
	net_run(&net);
	assert_int_equal(store_get_origin(net.n[4].st, x->key, &oi), 0);
	assert_int_equal(oi.block, ORIGIN_BLOCK_FLOOD);
	assert_int_equal(oi.highest_seq, 3);
	assert_int_equal(node_digest(&net.n[4], d), 2);
	assert_memory_equal(d, d0, 32);
	net_free(&net);
}

/*
 * Equivocation found in a group commit that the store then refuses (the
 * file may not grow, as on a full disk): nothing was blocked, so the core
 * must not drop the origin's batches either. Once the store takes writes
 * again, the next exchange finds the two batches and both nodes block it.
 */
static void
test_equivocation_after_failed_commit(void **state)
{
	struct vnet net;
	struct vnode *x;
	struct origin_info oi;
	struct rlimit old, lim;
	size_t l1, l2;
	uint8_t *b1, *b2;

	net_init(&net, 3, 13);
	x = &net.n[2]; /* the equivocator, never linked */
	b1 = make_batch(&net, x, 1, 2, 0, &l1);
	b2 = make_batch(&net, x, 1, 2, 99, &l2);
	assert_int_equal(apply_at(&net, 0, b1, l1), APPLY_OK);
	assert_int_equal(apply_at(&net, 1, b2, l2), APPLY_OK);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 8192;	/* LMDB's meta pages only */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	struct vlink *l = net_link(&net, 0, 1);
	net_run(&net);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_get_origin(net.n[i].st, x->key, &oi), 0);
		assert_false(oi.blocked);
	}
	link_break(l);
	net_run(&net);
	net_link(&net, 0, 1);
	net_run(&net);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_get_origin(net.n[i].st, x->key, &oi), 0);
		assert_true(oi.blocked);
	}
	free(b1);
	free(b2);
	net_free(&net);
}

/* A relay re-wraps an honest batch (an unknown field in the SignedBatch,
 * a non-minimal length): still the same batch, a duplicate, never an
 * "equivocation" that would block an honest origin. */
static void
test_rewrapped_batch_is_duplicate(void **state)
{
	struct vnet net;
	struct vlink *l;
	struct origin_info oi;
	size_t len;
	uint8_t *sb, *w;
	uint8_t d[32];

	net_init(&net, 2, 11);
	l = net_link(&net, 0, 1);
	net_run(&net);
	originate(&net, 0);
	net_run(&net);
	assert_int_equal(node_digest(&net.n[1], d), 1);
	/* The same SignedBatch plus field 15 (varint 1) at the end. */
	struct store_reader *r = store_reader_new(net.n[0].st);
	const uint8_t *data;
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_get_batch(r, net.n[0].key, 1, &data, &len), 0);
	sb = malloc(len);
	memcpy(sb, data, len);
	store_reader_end(r);
	store_reader_free(r);
	w = malloc(len + 6);
	memcpy(w, sb, len);
	w[len] = 0x78;
	w[len + 1] = 0x01;
	uint8_t frame[4 + 3 + 2048];
	size_t n = 0, plen = len + 2;
	frame[4 + n++] = 0x12;
	frame[4 + n++] = (uint8_t)(0x80 | (plen & 0x7f));
	frame[4 + n++] = (uint8_t)(plen >> 7);
	assert_true(plen < 2048 && (plen >> 7) < 128);
	memcpy(frame + 4 + n, w, plen);
	n += plen;
	frame[0] = 0;
	frame[1] = 0;
	frame[2] = (uint8_t)(n >> 8);
	frame[3] = (uint8_t)n;
	gossip_session_input(l->sb, frame, n + 4, net.now);
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_UP);
	assert_int_equal(gossip_stats(net.n[1].g)->equivocations, 0);
	assert_int_equal(store_get_origin(net.n[1].st, net.n[0].key, &oi), 0);
	assert_false(oi.blocked);
	assert_true(gossip_stats(net.n[1].g)->duplicates >= 1);
	free(w);
	free(sb);
	net_free(&net);
}

/* A peer that stops reading: throttled, then dropped; memory bounded. */
static void
test_slow_peer_dropped(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	struct vlink *l;
	char err[128];

	net_init(&net, 2, 7);
	gossip_free(net.n[0].g);
	gossip_conf_default(&gc);
	memcpy(gc.node_key, net.n[0].key, 32);
	gc.store = net.n[0].st;
	gc.verifier = net.n[0].v;
	gc.queue_low = 1000;
	gc.queue_high = 4000;
	gc.queue_max = 16000;
	net.n[0].g = gossip_new(&gc, err, sizeof(err));
	l = net_link(&net, 0, 1);
	net_run(&net);
	for (int k = 0; k < 200; k++) { /* node 1 reads nothing */
		originate(&net, 0);
		const uint8_t *buf;
		assert_true(gossip_session_output(l->sa, &buf) <= 16000 + 512);
	}
	node_events(&net.n[0]);
	assert_int_equal(net.n[0].closed_slow, 1);
	assert_int_equal(gossip_stats(net.n[0].g)->dropped_slow, 1);
	assert_int_equal(gossip_session_state(l->sa), GOSSIP_CLOSED);
	link_break(l);
	link_connect(&net, l); /* reconnects and catches up */
	net_run(&net);
	assert_converged(&net, 200);
	net_free(&net);
}

/* Dead peer timeout, and keepalive keeps a quiet link up. */
static void
test_keepalive_and_dead_peer(void **state)
{
	struct vnet net;
	struct vlink *l;

	net_init(&net, 2, 8);
	l = net_link(&net, 0, 1);
	net_run(&net);
	for (int k = 0; k < 100; k++) { /* 100 s of silence, delivered */
		net_tick(&net, 1000);
		net_run(&net);
	}
	assert_true(l->up);
	net_tick(&net, 61000); /* nothing delivered for 61 s */
	assert_int_equal(gossip_session_state(l->sa), GOSSIP_CLOSED);
	net_free(&net);
}

/* With a pki: a batch from an origin whose certificate is not known yet is
 * held; when the certificate comes through the directory, it is applied;
 * a revoked origin's batches are dropped. */
static void
test_directory_and_held(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	struct pki_cert_opts co = { .org = "ISP",
		.cn = "ca",
		.days = 30,
		.ca = true,
		.pathlen = 0 },
			     no = { .cn = "n", .days = 10 };
	EVP_PKEY *cak = pki_key_generate();
	char err[256];
	X509 *ca, *certs[3];
	uint8_t *der[3] = { NULL, NULL, NULL };
	int dlen[3];
	uint8_t d[32];

	memset(&net, 0, sizeof(net));
	net.nn = 3;
	net.rng = 9;
	net.now = (uint64_t)time(NULL) * 1000;
	net.chunk_max = 5000;
	net.pki = pki_new();
	ca = pki_ca_new(cak, &co, err, sizeof(err));
	pki_add_anchor(net.pki, ca);
	for (int i = 0; i < 3; i++) {
		net.n[i].pkey = pki_key_generate();
		certs[i] = pki_cert_issue(ca, cak, net.n[i].pkey, &no, err,
		    sizeof(err));
		dlen[i] = i2d_X509(certs[i], &der[i]);
	}
	/* Node 0 knows its own cert; node 1 too; node 2 (the origin) is
	 * not peered with node 1 and its cert reaches 1 only through 0. */
	for (int i = 0; i < 3; i++) {
		gossip_conf_default(&gc);
		node_init(&net, i, &gc, der[i], (size_t)dlen[i]);
	}
	struct vlink *l01 = net_link(&net, 0, 1);
	net_run(&net);
	/* A batch of node 2 reaches 1 before 2's cert: held. */
	size_t len;
	uint8_t *sb = make_batch(&net, &net.n[2], 1, 2, 0, &len);
	inject_batch(&net, l01, sb, len);
	assert_int_equal(gossip_stats(net.n[1].g)->held, 1);
	assert_int_equal(node_digest(&net.n[1], d), 0);
	free(sb);
	/* Node 2 links to 0: its cert floods to 1, the held batch applies. */
	net.n[2].seq = 1;
	net_link(&net, 2, 0);
	net_run(&net);
	assert_int_equal(node_digest(&net.n[1], d), 1);
	assert_int_equal(gossip_stats(net.n[1].g)->members, 3);
	/* Revoke 2: its next batch is dropped everywhere. */
	X509_CRL *crl =
	    pki_crl_new(ca, cak, NULL, &certs[2], 1, 30, err, sizeof(err));
	pki_learn_crl(net.pki, crl, (int64_t)(net.now / 1000));
	net_tick(&net, 1);
	sb = make_batch(&net, &net.n[2], 2, 2, 0, &len);
	inject_batch(&net, l01, sb, len);
	free(sb);
	assert_int_equal(gossip_stats(net.n[1].g)->revoked, 1);
	assert_int_equal(node_digest(&net.n[1], d), 1);
	X509_CRL_free(crl);
	net_free(&net);
	for (int i = 0; i < 3; i++) {
		X509_free(certs[i]);
		OPENSSL_free(der[i]);
	}
	X509_free(ca);
	EVP_PKEY_free(cak);
	pki_free(net.pki);
}

/* The DER of a leaf certificate of exactly want bytes: a comment
 * extension pads it (near 8 KiB every DER length takes two bytes, so the
 * size grows one for one with the padding). */
static uint8_t *
cert_of_size(X509 *ca, EVP_PKEY *cak, EVP_PKEY *k, size_t want)
{
	struct pki_cert_opts no = { .cn = "n", .days = 10 };
	char err[256];
	size_t pad = 1000;
	/* a few tries: the serial is random, so its DER length varies */
	for (int round = 0; round < 16; round++) {
		X509 *x = pki_cert_issue(ca, cak, k, &no, err, sizeof(err));
		char *text = malloc(pad + 1);
		memset(text, 'a', pad);
		text[pad] = '\0';
		X509_EXTENSION *ext =
		    X509V3_EXT_conf_nid(NULL, NULL, NID_netscape_comment, text);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		assert_true(X509_sign(x, cak, NULL) > 0);
		uint8_t *der = NULL;
		int len = i2d_X509(x, &der);
		X509_EXTENSION_free(ext);
		X509_free(x);
		free(text);
		if ((size_t)len == want)
			return der;
		OPENSSL_free(der);
		pad = pad + want - (size_t)len; /* len may exceed want */
	}
	fail_msg("no certificate of %zu bytes", want);
	return NULL;
}

/* GOSSIP_CERT_MAX: a member certificate of 8192 bytes is kept, one of
 * 8193 refused. */
static void
test_directory_cert_size_limit(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	struct pki_cert_opts co = { .org = "X",
		.cn = "ca",
		.days = 30,
		.ca = true,
		.pathlen = 0 };
	EVP_PKEY *rogue = pki_key_generate(), *k = pki_key_generate();
	char err[256];

	memset(&net, 0, sizeof(net));
	net.nn = 1;
	net.now = (uint64_t)time(NULL) * 1000;
	net.pki = pki_new();
	X509 *rca = pki_ca_new(rogue, &co, err, sizeof(err));
	gossip_conf_default(&gc);
	node_init(&net, 0, &gc, NULL, 0);
	struct gossip *g = net.n[0].g;
	uint8_t *over = cert_of_size(rca, rogue, k, 8193);
	uint8_t *at = cert_of_size(rca, rogue, k, 8192);
	gossip_directory_add(g, over, 8193, net.now);
	assert_int_equal(gossip_stats(g)->members, 0);
	gossip_directory_add(g, at, 8192, net.now);
	assert_int_equal(gossip_stats(g)->members, 1);
	OPENSSL_free(over);
	OPENSSL_free(at);
	net_free(&net);
	X509_free(rca);
	EVP_PKEY_free(rogue);
	EVP_PKEY_free(k);
	pki_free(net.pki);
}

/* The member directory is bounded: certificates that do not validate here
 * (another CA) are kept only up to a bound, oldest first out; oversized or
 * unparsable ones are refused; valid ones still get in. */
static void
test_directory_bounded(void **state)
{
	struct vnet net;
	struct gossip_conf gc;
	struct pki_cert_opts co = { .org = "X",
		.cn = "ca",
		.days = 30,
		.ca = true,
		.pathlen = 0 },
			     no = { .cn = "n", .days = 10 };
	EVP_PKEY *cak = pki_key_generate(), *rogue = pki_key_generate();
	EVP_PKEY *k = pki_key_generate();
	X509 *ca, *rca;
	char err[256];
	uint8_t big[9000] = { 0x30 };

	memset(&net, 0, sizeof(net));
	net.nn = 1;
	net.now = (uint64_t)time(NULL) * 1000;
	net.pki = pki_new();
	ca = pki_ca_new(cak, &co, err, sizeof(err));
	rca = pki_ca_new(rogue, &co, err, sizeof(err));
	pki_add_anchor(net.pki, ca);
	gossip_conf_default(&gc);
	node_init(&net, 0, &gc, NULL, 0);
	struct gossip *g = net.n[0].g;
	gossip_directory_add(g, big, sizeof(big), net.now);
	gossip_directory_add(g, (const uint8_t *)"junk", 4, net.now);
	assert_int_equal(gossip_stats(g)->members, 0);
	for (int i = 0; i < 1100; i++) { /* from a CA we do not trust */
		X509 *x = pki_cert_issue(rca, rogue, k, &no, err, sizeof(err));
		uint8_t *der = NULL;
		int len = i2d_X509(x, &der);
		gossip_directory_add(g, der, (size_t)len, net.now);
		OPENSSL_free(der);
		X509_free(x);
	}
	assert_int_equal(gossip_stats(g)->members, 1024);
	X509 *good = pki_cert_issue(ca, cak, k, &no, err, sizeof(err));
	uint8_t *der = NULL;
	int len = i2d_X509(good, &der);
	gossip_directory_add(g, der, (size_t)len, net.now);
	assert_int_equal(gossip_stats(g)->members, 1025);
	OPENSSL_free(der);
	X509_free(good);
	net_free(&net);
	X509_free(ca);
	X509_free(rca);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(rogue);
	EVP_PKEY_free(k);
	pki_free(net.pki);
}

/* Does node i's store hold origin t's batch seq? */
static bool
holds(struct vnet *net, int i, struct vnode *t, uint64_t seq)
{
	struct store_reader *r = store_reader_new(net->n[i].st);
	const uint8_t *data;
	size_t len;
	int rc;

	assert_int_equal(store_reader_begin(r), 0);
	rc = store_get_batch(r, t->key, seq, &data, &len);
	store_reader_end(r);
	store_reader_free(r);
	return rc == 0;
}

static void
inject_seq(struct vnet *net, struct vlink *l, struct vnode *t, uint64_t seq)
{
	size_t len;
	uint8_t *sb = make_batch(net, t, seq, 1, 0, &len);

	inject_batch(net, l, sb, len);
	free(sb);
	net_run(net);
}

/*
 * A batch far past its origin's highest applied seq (a gap its origin may
 * never fill) is not taken: not stored, not relayed, counted; within the
 * window it waits as pending; once the gap is filled the window moves.
 */
static void
test_pending_window(void **state)
{
	struct vnet net;
	struct vlink *l;
	struct vnode *x;
	struct origin_info oi;

	net_init(&net, 4, 23);
	x = &net.n[3];			/* the origin, linked to no one */
	l = net_link(&net, 0, 1);	/* injected on it, as from n0 */
	net_link(&net, 1, 2);		/* n1 relays to n2 */
	net_run(&net);
	inject_seq(&net, l, x, 2);	/* early: pending */
	assert_true(holds(&net, 1, x, 2) && holds(&net, 2, x, 2));
	inject_seq(&net, l, x, 1026);	/* 1,024 past 0 and more */
	assert_false(holds(&net, 1, x, 1026) || holds(&net, 2, x, 1026));
	assert_int_equal(gossip_stats(net.n[1].g)->too_far, 1);
	assert_int_equal(gossip_stats(net.n[1].g)->bad_signature, 0);
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_UP);
	inject_seq(&net, l, x, 1024);	/* at the window's edge: pending */
	assert_true(holds(&net, 1, x, 1024) && holds(&net, 2, x, 1024));
	inject_seq(&net, l, x, 1);	/* the gap filled: 1 and 2 applied */
	assert_int_equal(store_get_origin(net.n[1].st, x->key, &oi), 0);
	assert_int_equal(oi.highest_seq, 2);
	inject_seq(&net, l, x, 1026);	/* the window moved with them */
	assert_true(holds(&net, 1, x, 1026) && holds(&net, 2, x, 1026));
	assert_int_equal(gossip_stats(net.n[1].g)->too_far, 1);
	assert_int_equal(gossip_stats(net.n[2].g)->too_far, 0);
	net_free(&net);
}

/*
 * A batch made further ahead of a node's clock than future_max_ms (10
 * minutes) is not taken yet (an origin dating each batch an hour on would
 * get a fresh quota with each); it is taken once the clock is there.
 */
static void
test_future_batch_waits(void **state)
{
	struct vnet net;
	struct vlink *l;
	struct vnode *x;
	struct origin_info oi;
	uint64_t ahead = 10 * 60 * 1000 + 30 * 1000;
	size_t len;
	uint8_t *sb;

	net_init(&net, 3, 29);
	x = &net.n[2];
	l = net_link(&net, 0, 1);
	net_run(&net);
	net.now += ahead;		/* made 10.5 minutes ahead */
	sb = make_batch(&net, x, 1, 1, 0, &len);
	net.now -= ahead;
	inject_batch(&net, l, sb, len);
	net_run(&net);
	assert_false(holds(&net, 1, x, 1));
	assert_int_equal(gossip_stats(net.n[1].g)->too_early, 1);
	assert_int_equal(gossip_session_state(l->sb), GOSSIP_UP);
	net.now += 40 * 1000;		/* now 9.8 minutes ahead: taken */
	inject_batch(&net, l, sb, len);
	net_run(&net);
	assert_int_equal(store_get_origin(net.n[1].st, x->key, &oi), 0);
	assert_int_equal(oi.highest_seq, 1);
	assert_int_equal(gossip_stats(net.n[1].g)->too_early, 1);
	free(sb);
	net_free(&net);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_nodes),
		cmocka_unit_test(test_line_of_five),
		cmocka_unit_test(test_random_meshes_converge),
		cmocka_unit_test(test_restart_catches_up),
		cmocka_unit_test(test_catchup_does_not_starve_live),
		cmocka_unit_test(test_pruned_history),
		cmocka_unit_test(test_bad_signature_contained),
		cmocka_unit_test(test_malformed_contained),
		cmocka_unit_test(test_equivocation),
		cmocka_unit_test(test_equivocation_proof_survives_prune),
		cmocka_unit_test(test_flood_block),
		cmocka_unit_test(test_pending_window),
		cmocka_unit_test(test_future_batch_waits),
		cmocka_unit_test(test_equivocation_after_failed_commit),
		cmocka_unit_test(test_rewrapped_batch_is_duplicate),
		cmocka_unit_test(test_slow_peer_dropped),
		cmocka_unit_test(test_keepalive_and_dead_peer),
		cmocka_unit_test(test_directory_and_held),
		cmocka_unit_test(test_directory_cert_size_limit),
		cmocka_unit_test(test_directory_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
