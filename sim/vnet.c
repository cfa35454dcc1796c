/*
 * vnet.c: nodes running the real gossip core over their own store, links
 * made of two gossip sessions, and the stepping network the gossip unit
 * test drives (moved here from tests/unit/gossip_test.c).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "node/peer/gossip.h"
#include "node/peer/pki.h"
#include "sim/vnet.h"

static int
vnode_core(struct vnode *n, struct gossip_conf *gc, char *err, size_t errlen)
{
	memcpy(gc->node_key, n->key, ED25519_KEY_LEN);
	gc->store = n->st;
	gc->verifier = n->v;
	if ((n->g = gossip_new(gc, err, errlen)) == NULL)
		return -1;
	return 0;
}

int
vnode_open(struct vnode *n, const char *dir, const struct store_options *so,
    struct gossip_conf *gc, char *err, size_t errlen)
{
	snprintf(n->dir, sizeof(n->dir), "%s", dir);
	if ((n->st = store_open(dir, so, err, errlen)) == NULL)
		return -1;
	if (n->pkey == NULL && (n->pkey = pki_key_generate()) == NULL) {
		snprintf(err, errlen, "cannot generate a key");
		return -1;
	}
	if ((n->sig = signer_from_pkey(n->pkey)) == NULL ||
	    (n->v = verifier_new()) == NULL) {
		snprintf(err, errlen, "out of memory for a signer");
		return -1;
	}
	signer_public_key(n->sig, n->key);
	return vnode_core(n, gc, err, errlen);
}

int
vnode_restart(struct vnode *n, struct gossip_conf *gc, char *err,
    size_t errlen)
{
	gossip_free(n->g);
	n->g = NULL;
	return vnode_core(n, gc, err, errlen);
}

void
vnode_close(struct vnode *n, bool free_key)
{
	gossip_free(n->g);
	store_close(n->st);
	signer_free(n->sig);
	verifier_free(n->v);
	n->g = NULL;
	n->st = NULL;
	n->sig = NULL;
	n->v = NULL;
	if (free_key) {
		EVP_PKEY_free(n->pkey);
		n->pkey = NULL;
	}
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	return remove(path);
}

int
vnode_remove_dir(const char *dir)
{
	return nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
vnode_events(struct vnode *n, vnode_event_fn fn, void *arg)
{
	struct gossip_event ev;

	while (gossip_event_next(n->g, &ev)) {
		if (ev.kind == GOSSIP_EV_EQUIVOCATION)
			n->equivocations++;
		if (ev.kind == GOSSIP_EV_CLOSED && !ev.by_peer) {
			if (ev.reason ==
			    REPUTED__GOODBYE_REASON__BYE_BAD_SIGNATURE)
				n->closed_bad_sig++;
			else if (ev.reason ==
			    REPUTED__GOODBYE_REASON__BYE_PROTOCOL_ERROR)
				n->closed_proto++;
			else if (ev.reason ==
			    REPUTED__GOODBYE_REASON__BYE_TOO_SLOW)
				n->closed_slow++;
		}
		if (fn != NULL)
			fn(arg, n, &ev);
	}
}

uint64_t
vnode_digest(struct vnode *n, uint8_t d[32])
{
	uint64_t count;
	char err[128];

	if (gossip_digest(n->st, d, &count, err, sizeof(err)) != 0)
		return UINT64_MAX;
	return count;
}

int
vlink_connect(struct vlink *l, struct vnode *na, struct vnode *nb,
    uint64_t now)
{
	l->sa = gossip_session_new(na->g, nb->key, true, now);
	l->sb = gossip_session_new(nb->g, na->key, false, now);
	if (l->sa == NULL || l->sb == NULL) {
		gossip_session_free(l->sa);
		gossip_session_free(l->sb);
		l->sa = l->sb = NULL;
		return -1;
	}
	l->up = true;
	return 0;
}

void
vlink_break(struct vlink *l, const char *why)
{
	if (!l->up)
		return;
	gossip_session_lost(l->sa, why);
	gossip_session_lost(l->sb, why);
	gossip_session_free(l->sa);
	gossip_session_free(l->sb);
	l->sa = l->sb = NULL;
	l->up = false;
}

bool
vlink_finished(const struct vlink *l)
{
	const uint8_t *buf;

	return (gossip_session_state(l->sa) == GOSSIP_CLOSED &&
		   gossip_session_output(l->sa, &buf) == 0) ||
	    (gossip_session_state(l->sb) == GOSSIP_CLOSED &&
		gossip_session_output(l->sb, &buf) == 0);
}

/* ---- the stepping network ---- */

unsigned
vnet_rnd(struct vnet *net, unsigned n)
{
	net->rng = net->rng * 1103515245u + 12345u;
	return (net->rng >> 8) % n;
}

int
vnet_node(struct vnet *net, int i, struct gossip_conf *gc,
    const uint8_t *cert, size_t certlen, char *err, size_t errlen)
{
	struct vnode *t = &net->n[i];
	struct store_options so = { .sync = 0, .map_size = 64u << 20 };
	char dir[64];
	const uint8_t *certs[1] = { cert };
	size_t lens[1] = { certlen };

	snprintf(dir, sizeof(dir), "/tmp/vnet_XXXXXX");
	if (mkdtemp(dir) == NULL) {
		snprintf(err, errlen, "mkdtemp failed");
		return -1;
	}
	gc->name = "node";
	gc->pki = net->pki;
	gc->certs = certs;
	gc->cert_lens = lens;
	gc->n_certs = cert ? 1 : 0;
	return vnode_open(t, dir, &so, gc, err, errlen);
}

int
vnet_init(struct vnet *net, int nn, unsigned seed, uint64_t now, char *err,
    size_t errlen)
{
	struct gossip_conf gc;

	memset(net, 0, sizeof(*net));
	net->nn = nn;
	net->rng = seed;
	net->now = now;
	net->chunk_max = 3000;
	for (int i = 0; i < nn; i++) {
		gossip_conf_default(&gc);
		if (vnet_node(net, i, &gc, NULL, 0, err, errlen) == -1)
			return -1;
	}
	return 0;
}

int
vnet_free(struct vnet *net)
{
	int rc = 0;

	for (int i = 0; i < net->nl; i++) {
		gossip_session_free(net->l[i].sa);
		gossip_session_free(net->l[i].sb);
	}
	for (int i = 0; i < net->nn; i++) {
		vnode_close(&net->n[i], true);
		if (net->n[i].dir[0] && vnode_remove_dir(net->n[i].dir) != 0)
			rc = -1;
	}
	return rc;
}

int
vnet_connect(struct vnet *net, struct vlink *l)
{
	return vlink_connect(l, &net->n[l->a], &net->n[l->b], net->now);
}

struct vlink *
vnet_link(struct vnet *net, int a, int b)
{
	struct vlink *l;

	if (net->nl == VNET_MAX_LINKS)
		return NULL;
	l = &net->l[net->nl++];
	l->a = a;
	l->b = b;
	if (vnet_connect(net, l) == -1)
		return NULL;
	return l;
}

bool
vnet_move(struct vnet *net, struct gossip_session *from,
    struct gossip_session *to)
{
	const uint8_t *buf;
	size_t len = gossip_session_output(from, &buf), n;

	if (len == 0)
		return false;
	n = 1 + vnet_rnd(net, (unsigned)net->chunk_max);
	if (n > len)
		n = len;
	if (gossip_session_state(to) != GOSSIP_CLOSED)
		gossip_session_input(to, buf, n, net->now);
	gossip_session_sent(from, n, net->now);
	return true;
}

bool
vnet_step(struct vnet *net, struct vlink *l)
{
	bool moved;

	if (!l->up)
		return false;
	moved = vnet_rnd(net, 2) ? vnet_move(net, l->sa, l->sb) :
				   vnet_move(net, l->sb, l->sa);
	vnode_events(&net->n[l->a], NULL, NULL);
	vnode_events(&net->n[l->b], NULL, NULL);
	/* A closed end has nothing more to say once its queue is empty. */
	if (vlink_finished(l)) {
		while (vnet_move(net, l->sa, l->sb) ||
		    vnet_move(net, l->sb, l->sa))
			;
		vlink_break(l, "test: link broken");
		vnode_events(&net->n[l->a], NULL, NULL);
		vnode_events(&net->n[l->b], NULL, NULL);
		return true;
	}
	return moved;
}

void
vnet_tick(struct vnet *net, uint64_t ms)
{
	net->now += ms;
	for (int i = 0; i < net->nn; i++) {
		gossip_tick(net->n[i].g, net->now);
		vnode_events(&net->n[i], NULL, NULL);
	}
}

void
vnet_run(struct vnet *net)
{
	for (int idle = 0; idle < 3;) {
		bool moved = false;
		for (int k = 0; k < net->nl * 4; k++)
			moved |= vnet_step(net,
			    &net->l[vnet_rnd(net, (unsigned)net->nl)]);
		for (int i = 0; i < net->nl; i++)
			moved |= vnet_step(net, &net->l[i]);
		vnet_tick(net, 5);
		idle = moved ? 0 : idle + 1;
	}
}
