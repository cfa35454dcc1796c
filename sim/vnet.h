/*
 * vnet.h: the simulator's network: nodes that run the real gossip core
 * over their own LMDB store, and virtual links (a pair of gossip sessions)
 * between them. Both the event-driven simulator (sim.c, which carries the
 * bytes through the link model on a virtual clock) and the gossip unit
 * test (tests/unit/gossip_test.c, through the stepping network below:
 * random chunks in random order) are built on it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_VNET_H
#define REPUTED_SIM_VNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/peer/gossip.h"

struct evp_pkey_st;

/* One node: key, store, verifier, gossip core. */
struct vnode {
	char dir[256];
	struct store *st;
	struct signer *sig;
	struct evp_pkey_st *pkey; /* owned */
	struct verifier *v;
	struct gossip *g;
	uint8_t key[ED25519_KEY_LEN];
	uint64_t seq; /* last seq it originated (the test's batches) */
	uint64_t closed_bad_sig, closed_proto, closed_slow, equivocations;
};

/* Opens the store in dir (created if needed), makes the signer (a new key
 * when n->pkey is NULL) and the verifier, then the gossip core with gc
 * (its store, verifier and node key are filled in here). -1 and err. */
int vnode_open(struct vnode *n, const char *dir, const struct store_options *so,
    struct gossip_conf *gc, char *err, size_t errlen);
/* A new gossip core over the node's store (a restart); gc as above. */
int vnode_restart(struct vnode *n, struct gossip_conf *gc, char *err,
    size_t errlen);
/* Frees the core, the store, the signer and the verifier (the key too
 * when free_key); the directory stays. */
void vnode_close(struct vnode *n, bool free_key);
/* Removes a store directory and the files in it. -1 on failure. */
int vnode_remove_dir(const char *dir);
/* Reads the node's events, counts what closed its sessions and calls fn
 * (may be NULL) with each. */
typedef void (*vnode_event_fn)(void *arg, struct vnode *n,
    const struct gossip_event *ev);
void vnode_events(struct vnode *n, vnode_event_fn fn, void *arg);
/* The store's batch-set digest (gossip_digest): the batch count, or
 * UINT64_MAX on error. */
uint64_t vnode_digest(struct vnode *n, uint8_t d[32]);

/* A link: one session at each end. */
struct vlink {
	int a, b;
	struct gossip_session *sa, *sb;
	bool up;
};
/* Both ends authenticate the other's key. -1 if a session could not be
 * made. */
int vlink_connect(struct vlink *l, struct vnode *na, struct vnode *nb,
    uint64_t now);
/* The link broke: both ends see it, the sessions go. */
void vlink_break(struct vlink *l, const char *why);
/* Whether a closed end has said all it had to say. */
bool vlink_finished(const struct vlink *l);

/* ---- the stepping network of the unit tests ---- */

#define VNET_MAX_NODES 16
#define VNET_MAX_LINKS 64

struct vnet {
	struct vnode n[VNET_MAX_NODES];
	int nn;
	struct vlink l[VNET_MAX_LINKS];
	int nl;
	uint64_t now; /* Unix ms */
	unsigned rng;
	struct pki *pki; /* shared trust store, or NULL */
	size_t chunk_max;
};

/* A small LCG: the tests' own sequence. */
unsigned vnet_rnd(struct vnet *net, unsigned n);
/* nn nodes with default gossip settings, stores in temporary directories,
 * the clock at now. -1 and err. */
int vnet_init(struct vnet *net, int nn, unsigned seed, uint64_t now, char *err,
    size_t errlen);
/* Node i with settings gc and (cert may be NULL) a certificate chain of
 * one, its store in a new temporary directory. */
int vnet_node(struct vnet *net, int i, struct gossip_conf *gc,
    const uint8_t *cert, size_t certlen, char *err, size_t errlen);
/* Closes every link and node, removes the stores. -1 if a directory could
 * not be removed. */
int vnet_free(struct vnet *net);
struct vlink *vnet_link(struct vnet *net, int a, int b);
int vnet_connect(struct vnet *net, struct vlink *l);
/* Moves up to chunk_max bytes (a random count) from one end to the other;
 * false when there was nothing to move. */
bool vnet_move(struct vnet *net, struct gossip_session *from,
    struct gossip_session *to);
/* One random step on a link; a closed end that has said everything
 * breaks the link. */
bool vnet_step(struct vnet *net, struct vlink *l);
/* Advances the clock by ms and ticks every core. */
void vnet_tick(struct vnet *net, uint64_t ms);
/* Delivers in random order until every queue is empty. */
void vnet_run(struct vnet *net);

#endif
