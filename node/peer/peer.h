/*
 * peer.h: the I/O shell of the peer network. TLS 1.3 links (libevent
 * bufferevent_openssl), both sides authenticated by their Ed25519 node
 * certificates, checked against the configured anchors, CRLs and pins
 * (pki.h); outbound peers from the config with reconnect, exponential
 * backoff and jitter; an inbound listener. Everything the links carry is
 * handed to the sans-I/O core (gossip.h); the shell only moves bytes,
 * keeps timers and logs what the core reports.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_PEER_H
#define REPUTED_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/node.h"

struct peers;
struct api;
struct event_base;
struct evbuffer;
struct evhttp_request;

#define PEER_BACKOFF_MIN_MS 250		 /* first reconnect delay */
#define PEER_BACKOFF_MAX_MS 30000	 /* the delay doubles up to this */
#define PEER_TICK_MS	    50		 /* core timers */
#define PEER_BEV_HIGH	    (256 * 1024) /* bytes handed to TLS at once */
#define PEER_CLOSE_GRACE_MS 2000	 /* to flush a Goodbye */
#define PEER_RECHECK_MS	    60000	 /* peer certificates checked again */

/* peer.c */
/* Reads conf's key and cert files, anchors and CRL, binds peer_listen (if
 * its port is not 0) and starts connecting to conf's peers. st and key are
 * borrowed until peers_stop; conf is copied. NULL and err on failure
 * (call before dropping privileges). */
struct peers *peers_start(struct event_base *base, struct store *st,
    struct signer *key, const struct node_conf *conf, char *err, size_t errlen);
/* SIGHUP: applies conf's peers, pins, trust anchors and CRL file.
 * Configured peers that stay keep their links (a changed pin is checked
 * against the key of the link); removed ones are closed; added ones are
 * connected. Anchors are replaced (learned CAs and CRLs stay); the CRL
 * file is read again and every CRL floods to the sessions. Then every
 * session is checked against the new trust, and those that fail close.
 * -1 and err (a bad pin, an unreadable anchor or CRL file, a switch
 * between anchors and pins only): nothing changed. */
int peers_reload(struct peers *p, const struct node_conf *conf, char *err,
    size_t errlen);
/* Says Goodbye to every peer and frees everything. */
void peers_stop(struct peers *p);
/* The trust store of the peer links: the configured anchors and CRL file
 * (peers_reload changes them in place) and the CAs and CRLs learned from
 * the member directory; NULL when the config names no anchor (pins
 * only). Borrowed until peers_stop. */
struct pki *peers_pki(struct peers *p);
/* The batcher's on_committed hook (a batcher_committed_fn): arg is the
 * struct peers. Floods a local batch that is committed. */
void peers_batch_committed(void *arg, const uint8_t *sb, size_t len);
/* Told, when it changes, whether a send is in progress: a link that is up
 * has bytes queued (in the core or in TLS). The daemon passes it to the
 * batcher (batcher_set_busy), which holds small batches meanwhile. */
typedef void (*peers_busy_fn)(void *arg, bool busy);
void peers_set_busy_hook(struct peers *p, peers_busy_fn fn, void *arg);
/* Routes GET /v1/peers and GET /v1/digest and adds the peer lines to
 * GET /metrics. */
int peers_api_attach(struct peers *p, struct api *a);
/* The pieces peers_api_attach uses (api_metrics_fn, api_handler_fn). */
void peers_metrics(void *arg, struct evbuffer *out);
void peers_http_peers(struct evhttp_request *req, void *arg);
void peers_http_digest(struct evhttp_request *req, void *arg);

#endif
