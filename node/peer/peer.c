/*
 * peer.c: the libevent / OpenSSL shell of the peer network (see peer.h).
 * Owns the TLS context, the listener, the configured outbound peers with
 * their reconnect timers, the links (one bufferevent_openssl each) and the
 * gossip core. It moves bytes between the links and the core, ticks the
 * core's timers, and logs what the core reports; every protocol decision
 * is the core's (gossip.c). Trust decisions during the handshake are
 * pki.c's, plus the pins of the config.
 *
 * Links are freed only from the reap event, never inside their own
 * callbacks, so no callback sees a freed link.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "node/api.h"
#include "node/peer/gossip.h"
#include "node/log.h"
#include "node/peer/peer.h"
#include "node/prom.h"
#include "node/peer/pki.h"

#define PEER_MAX_INBOUND      256 /* authenticated inbound links */
#define PEER_MAX_PENDING      64  /* inbound links still in their handshake */
#define PEER_MAX_PENDING_ADDR 8	  /* ... from one source address */
#define PEER_HANDSHAKE_MS     10000 /* from accept or connect: then closed */
#define PEER_MAX_CHAIN	      8

struct peer_link;

/* A peer from the config: we connect to it, and again after a loss. */
struct peer_out {
	struct peers *p;
	struct conf_peer conf;
	uint8_t pin[ED25519_KEY_LEN];
	bool has_pin;
	uint8_t key[ED25519_KEY_LEN]; /* learned at the first handshake */
	bool has_key;
	uint32_t backoff_ms; /* next delay before jitter */
	struct event *retry;
	struct peer_link *link; /* the current attempt or session */
	uint64_t connects, failures;
};

struct peer_link {
	struct peers *p;
	struct peer_link *next;
	struct peer_out *out; /* NULL: inbound */
	struct bufferevent *bev;
	struct gossip_session *s; /* after the handshake */
	char addr[80];
	char host[64];	   /* the source address of an inbound link */
	char why[192];	   /* why verification refused the peer */
	bool closing, dead;
	bool pending;	   /* inbound, handshake not done: in n_pending */
	bool member;	   /* inbound, authenticated: in n_inbound */
	uint64_t deadline; /* ms: the handshake must be done by then */
	uint64_t close_at; /* ms: force the close by then */
};

struct peers {
	struct event_base *base;
	struct node_conf conf;
	struct store *st;
	SSL_CTX *ctx;
	struct pki *pki;
	bool have_anchors;
	struct verifier *verifier;
	struct gossip *g;
	uint8_t key[ED25519_KEY_LEN];
	struct evconnlistener *listener;
	struct event *tick, *reap;
	struct peer_out *outs;
	int n_outs;
	struct peer_link *links;
	int n_inbound; /* authenticated inbound links */
	int n_pending; /* inbound links in their handshake */
	uint8_t *chain_der[PEER_MAX_CHAIN];
	size_t chain_len[PEER_MAX_CHAIN];
	size_t n_chain;
	uint64_t handshakes, refused, reconnects;
	uint64_t hs_timeouts, accept_refused;
	uint64_t last_recheck; /* ms */
	uint64_t checked_gen;  /* pki generation the links were checked at */
	peers_busy_fn busy_fn; /* told when busy changes */
	void *busy_arg;
	bool busy; /* a link that is up has bytes queued */
};

static uint64_t
peers_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static const char *
peer_name(const struct peer_link *l)
{
	return l->out ? l->out->conf.name : l->addr;
}

/* ---- trust: the handshake's certificate check ---- */

static bool
peers_key_pinned(const struct peers *p, const uint8_t *key)
{
	for (int i = 0; i < p->n_outs; i++)
		if (p->outs[i].has_pin && memcmp(p->outs[i].pin, key, 32) == 0)
			return true;
	return false;
}

/* The trust decision for a link's peer certificate: path validation by
 * pki.c (anchors, learned CAs, CRLs), then the pin of an outbound peer.
 * Without anchors, only pinned keys are accepted. 0, or -1 and why. */
static int
peers_check_cert(struct peers *p, const struct peer_link *l, X509 *leaf,
    STACK_OF(X509) * chain, char *why, size_t len)
{
	uint8_t key[ED25519_KEY_LEN];
	bool pinned = l && l->out && l->out->has_pin;

	why[0] = '\0';
	if (l == NULL || leaf == NULL || pki_cert_pubkey(leaf, key) == -1)
		snprintf(why, len, "not an Ed25519 certificate");
	else if (pinned && memcmp(key, l->out->pin, ED25519_KEY_LEN) != 0)
		snprintf(why, len, "key differs from the pinned key");
	else if (p->have_anchors)
		(void)pki_verify(p->pki, leaf, chain, (int64_t)time(NULL), NULL,
		    why, len); /* why says */
	else if (!pinned && !peers_key_pinned(p, key))
		snprintf(why, len,
		    "no trust anchor configured and the "
		    "key is not pinned");
	return why[0] == '\0' ? 0 : -1;
}

/* Replaces OpenSSL's verification by peers_check_cert. */
static int
peers_verify_cb(X509_STORE_CTX *xctx, void *arg)
{
	struct peers *p = arg;
	SSL *ssl = X509_STORE_CTX_get_ex_data(xctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	struct peer_link *l = ssl ? SSL_get_app_data(ssl) : NULL;
	char why[160];

	if (peers_check_cert(p, l, X509_STORE_CTX_get0_cert(xctx),
		X509_STORE_CTX_get0_untrusted(xctx), why, sizeof(why)) == 0)
		return 1;
	if (l != NULL)
		snprintf(l->why, sizeof(l->why), "certificate refused: %s",
		    why);
	X509_STORE_CTX_set_error(xctx, X509_V_ERR_APPLICATION_VERIFICATION);
	return 0;
}

static SSL_CTX *
peers_tls(struct peers *p, EVP_PKEY *key, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());

	if (ctx == NULL ||
	    !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    SSL_CTX_use_certificate_chain_file(ctx, p->conf.cert_file) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		unsigned long e = ERR_get_error();
		snprintf(err, errlen, "TLS context with %s and %s: %s",
		    p->conf.cert_file, p->conf.key_file,
		    e ? ERR_reason_error_string(e) : "failed");
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx,
	    SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_cert_verify_callback(ctx, peers_verify_cb, p);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

/* ---- links ---- */

static void peers_service(struct peers *p);
static void peers_recheck(struct peers *p);
static void peer_out_schedule(struct peer_out *o);

/* Marks a link for the reap event. */
static void
peer_link_kill(struct peer_link *l)
{
	if (l->dead)
		return;
	l->dead = true;
	if (l->bev != NULL)
		bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	event_active(l->p->reap, EV_TIMEOUT, 0);
}

static void
peer_link_free(struct peer_link *l)
{
	struct peers *p = l->p;

	for (struct peer_link **pp = &p->links; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	if (l->s != NULL)
		gossip_session_free(l->s);
	if (l->bev != NULL)
		bufferevent_free(l->bev); /* frees the SSL and the socket */
	if (l->out != NULL) {
		l->out->link = NULL;
		peer_out_schedule(l->out);
	}
	p->n_pending -= l->pending;
	p->n_inbound -= l->member;
	free(l);
}

static void
peers_reap_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct peers *p = arg;
	struct peer_link *l, *next;

	for (l = p->links; l != NULL; l = next) {
		next = l->next;
		if (l->dead)
			peer_link_free(l);
	}
}

/* Hands the core's queue to TLS, at most PEER_BEV_HIGH bytes at a time:
 * what waits beyond that stays in the core, which measures it. */
static void
peer_link_flush(struct peer_link *l, uint64_t now)
{
	struct evbuffer *out;
	const uint8_t *buf;
	size_t have, n;

	if (l->s == NULL || l->dead)
		return;
	if (!l->closing && gossip_session_state(l->s) == GOSSIP_CLOSED) {
		/* closed, and its event lost to a full event queue */
		l->closing = true;
		l->close_at = now + PEER_CLOSE_GRACE_MS;
		bufferevent_disable(l->bev, EV_READ);
	}
	out = bufferevent_get_output(l->bev);
	while ((have = evbuffer_get_length(out)) < PEER_BEV_HIGH &&
	    (n = gossip_session_output(l->s, &buf)) > 0) {
		if (n > PEER_BEV_HIGH - have)
			n = PEER_BEV_HIGH - have;
		if (bufferevent_write(l->bev, buf, n) == -1)
			break;
		gossip_session_sent(l->s, n, now);
	}
	if (l->closing && gossip_session_output(l->s, &buf) == 0 &&
	    evbuffer_get_length(out) == 0)
		peer_link_kill(l);
}

static void
peer_read_cb(struct bufferevent *bev, void *arg)
{
	struct peer_link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[65536];
	int n;

	if (l->s == NULL || l->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while ((n = evbuffer_remove(in, buf, sizeof(buf))) > 0)
		if (gossip_session_input(l->s, buf, (size_t)n, peers_now()) ==
		    -1) {
			evbuffer_drain(in, evbuffer_get_length(in));
			break;
		}
	peers_service(l->p);
}

static void
peer_write_cb(struct bufferevent *bev, void *arg)
{
	struct peer_link *l = arg;

	peer_link_flush(l, peers_now());
	peers_service(l->p);
}

/* Why a link failed, for the log. */
static void
peer_link_error(struct peer_link *l, short what, char *buf, size_t len)
{
	unsigned long e = bufferevent_get_openssl_error(l->bev);
	int se = EVUTIL_SOCKET_ERROR();

	if (l->why[0] != '\0')
		snprintf(buf, len, "%s", l->why);
	else if (e != 0 && ERR_GET_LIB(e) != ERR_LIB_SYS &&
	    ERR_GET_LIB(e) != 0) {
		char ebuf[160];
		ERR_error_string_n(e, ebuf, sizeof(ebuf));
		snprintf(buf, len, "TLS: %s", ebuf);
	} else if (what & BEV_EVENT_TIMEOUT)
		snprintf(buf, len, "handshake timeout");
	else if (what & BEV_EVENT_EOF)
		snprintf(buf, len, "connection closed");
	else
		snprintf(buf, len, "%s",
		    se ? evutil_socket_error_to_string(se) :
			 "connection failed");
	while (bufferevent_get_openssl_error(l->bev) != 0)
		;
}

/* The peer's certificates go into the member directory: its batches
 * verify before its Directory frame arrives. */
static void
peer_link_directory(struct peers *p, SSL *ssl, X509 *leaf)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	unsigned char *der = NULL;
	int len;

	for (int i = 0; i < sk_X509_num(chain); i++) {
		der = NULL;
		if ((len = i2d_X509(sk_X509_value(chain, i), &der)) > 0)
			gossip_directory_add(p->g, der, (size_t)len,
			    peers_now());
		OPENSSL_free(der);
	}
	der = NULL;
	if ((len = i2d_X509(leaf, &der)) > 0)
		gossip_directory_add(p->g, der, (size_t)len, peers_now());
	OPENSSL_free(der);
}

static bool peers_key_configured(const struct peers *p, const uint8_t *key);

/* An inbound link that authenticated leaves the handshake budget for the
 * members' one; when that is full only configured peers get in. */
static int
peer_link_admit(struct peer_link *l, const uint8_t *key)
{
	struct peers *p = l->p;

	l->deadline = 0;
	if (!l->pending)
		return 0;
	l->pending = false;
	p->n_pending--;
	if (p->n_inbound >= PEER_MAX_INBOUND &&
	    !peers_key_configured(p, key)) {
		log_warnx("peer %s: too many inbound member links (%d)",
		    peer_name(l), PEER_MAX_INBOUND);
		return -1;
	}
	l->member = true;
	p->n_inbound++;
	return 0;
}

/* The handshake finished: the peer is authenticated; start a session. */
static void
peer_link_connected(struct peer_link *l)
{
	struct peers *p = l->p;
	SSL *ssl = bufferevent_openssl_get_ssl(l->bev);
	X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
	uint8_t key[ED25519_KEY_LEN];

	if (cert == NULL || pki_cert_pubkey(cert, key) == -1) {
		log_warnx("peer %s: no Ed25519 certificate", peer_name(l));
		peer_link_kill(l);
		return;
	}
	p->handshakes++;
	if (peer_link_admit(l, key) == -1) {
		peer_link_kill(l);
		return;
	}
	if (l->out != NULL) {
		memcpy(l->out->key, key, ED25519_KEY_LEN);
		l->out->has_key = true;
	}
	peer_link_directory(p, ssl, cert);
	l->s = gossip_session_new(p->g, key, l->out != NULL, peers_now());
	if (l->s == NULL) {
		peer_link_kill(l);
		return;
	}
	gossip_session_set_udata(l->s, l);
	log_debug("peer %s: TLS up (%s)", peer_name(l), SSL_get_version(ssl));
}

static void
peer_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct peer_link *l = arg;
	char why[256];

	if (what & BEV_EVENT_CONNECTED) {
		peer_link_connected(l);
		peers_service(l->p);
		return;
	}
	peer_link_error(l, what, why, sizeof(why));
	if (l->s != NULL) {
		gossip_session_lost(l->s, why);
		peers_service(l->p);
	} else {
		if (l->why[0] != '\0')
			l->p->refused++;
		log_warnx("peer %s: %s", peer_name(l), why);
	}
	if (l->out != NULL)
		l->out->failures++;
	peer_link_kill(l);
}

static struct peer_link *
peer_link_new(struct peers *p, struct peer_out *o, evutil_socket_t fd,
    enum bufferevent_ssl_state state)
{
	struct peer_link *l = calloc(1, sizeof(*l));
	SSL *ssl;

	if (l == NULL)
		return NULL;
	if ((ssl = SSL_new(p->ctx)) == NULL) {
		free(l);
		return NULL;
	}
	SSL_set_app_data(ssl, l);
	l->bev = bufferevent_openssl_socket_new(p->base, fd, ssl, state,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
	if (l->bev == NULL) {
		SSL_free(ssl);
		free(l);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(l->bev, 1);
	l->p = p;
	l->out = o;
	bufferevent_setcb(l->bev, peer_read_cb, peer_write_cb, peer_event_cb,
	    l);
	bufferevent_setwatermark(l->bev, EV_WRITE, PEER_BEV_HIGH / 4, 0);
	l->deadline = peers_now() + PEER_HANDSHAKE_MS; /* not re-armed */
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
	l->next = p->links;
	p->links = l;
	return l;
}

/* ---- outbound peers ---- */

static bool
peers_key_up(struct peers *p, const uint8_t *key)
{
	struct gossip_session_info si;

	for (struct peer_link *l = p->links; l; l = l->next) {
		if (l->s == NULL || l->dead)
			continue;
		gossip_session_info(l->s, &si);
		if (si.state == GOSSIP_UP && memcmp(si.key, key, 32) == 0)
			return true;
	}
	return false;
}

static void
peer_out_connect(struct peer_out *o)
{
	struct peers *p = o->p;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV },
			*ai = NULL;
	char port[8];
	int rc;

	/* An inbound session from the same node already carries everything. */
	if (o->has_key && peers_key_up(p, o->key)) {
		o->backoff_ms = PEER_BACKOFF_MAX_MS;
		peer_out_schedule(o);
		return;
	}
	snprintf(port, sizeof(port), "%u", o->conf.addr.port);
	if ((rc = getaddrinfo(o->conf.addr.host, port, &hints, &ai)) != 0) {
		log_warnx("peer %s: %s: %s", o->conf.name, o->conf.addr.host,
		    gai_strerror(rc));
		peer_out_schedule(o);
		return;
	}
	o->connects++;
	if ((o->link = peer_link_new(p, o, -1, BUFFEREVENT_SSL_CONNECTING)) ==
		NULL ||
	    bufferevent_socket_connect(o->link->bev, ai->ai_addr,
		(int)ai->ai_addrlen) == -1) {
		if (o->link != NULL)
			peer_link_kill(o->link);
		else
			peer_out_schedule(o);
	}
	if (o->link != NULL)
		snprintf(o->link->addr, sizeof(o->link->addr), "%s@%u",
		    o->conf.addr.host, o->conf.addr.port);
	freeaddrinfo(ai);
}

static void
peer_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct peer_out *o = arg;

	o->p->reconnects++;
	peer_out_connect(o);
}

/* Exponential backoff with +-25% jitter, so that a restarted network does
 * not reconnect in lockstep. */
static void
peer_out_schedule(struct peer_out *o)
{
	uint32_t d = o->backoff_ms;
	struct timeval tv;

	if (o->retry == NULL || o->link != NULL)
		return;
	d = d - d / 4 + (uint32_t)(random() % (d / 2 + 1));
	tv.tv_sec = d / 1000;
	tv.tv_usec = (d % 1000) * 1000;
	evtimer_add(o->retry, &tv);
	o->backoff_ms = o->backoff_ms * 2 > PEER_BACKOFF_MAX_MS ?
	    PEER_BACKOFF_MAX_MS :
	    o->backoff_ms * 2;
}

/* ---- inbound ---- */

/* Whether key is a configured peer's: pinned, or learned from a link we
 * opened to it. */
static bool
peers_key_configured(const struct peers *p, const uint8_t *key)
{
	for (int i = 0; i < p->n_outs; i++)
		if ((p->outs[i].has_pin &&
			memcmp(p->outs[i].pin, key, ED25519_KEY_LEN) == 0) ||
		    (p->outs[i].has_key &&
			memcmp(p->outs[i].key, key, ED25519_KEY_LEN) == 0))
			return true;
	return false;
}

static bool
peers_host_configured(const struct peers *p, const char *host)
{
	for (int i = 0; i < p->n_outs; i++)
		if (strcmp(p->outs[i].conf.addr.host, host) == 0)
			return true;
	return false;
}

/* The handshake budget: at most PEER_MAX_PENDING links at once and
 * PEER_MAX_PENDING_ADDR from one address. A configured peer's address is
 * held to the second bound only, so strangers cannot keep it out. */
static bool
peers_pending_room(const struct peers *p, const char *host)
{
	int same = 0;

	for (const struct peer_link *l = p->links; l; l = l->next)
		same += l->pending && strcmp(l->host, host) == 0;
	if (same >= PEER_MAX_PENDING_ADDR)
		return false;
	return p->n_pending < PEER_MAX_PENDING ||
	    peers_host_configured(p, host);
}

static void
peers_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct peers *p = arg;
	struct peer_link *l;
	char host[64] = "?", port[8] = "?";

	getnameinfo(sa, (socklen_t)salen, host, sizeof(host), port,
	    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	if (!peers_pending_room(p, host)) {
		/* counted, not logged: a flood would flood the log */
		p->accept_refused++;
		log_debug("peer %s@%s: too many handshakes", host, port);
		evutil_closesocket(fd);
		return;
	}
	if ((l = peer_link_new(p, NULL, fd, BUFFEREVENT_SSL_ACCEPTING)) ==
	    NULL) {
		evutil_closesocket(fd);
		return;
	}
	l->pending = true;
	p->n_pending++;
	snprintf(l->host, sizeof(l->host), "%s", host);
	snprintf(l->addr, sizeof(l->addr), "%s@%s", host, port);
}

static int
peers_listen(struct peers *p, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE },
			*ai;
	char port[8];
	int rc;

	if (p->conf.peer_listen.port == 0)
		return 0;
	snprintf(port, sizeof(port), "%u", p->conf.peer_listen.port);
	if ((rc = getaddrinfo(p->conf.peer_listen.host[0] ?
		     p->conf.peer_listen.host :
		     NULL,
		 port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "peering listen %s: %s",
		    p->conf.peer_listen.host, gai_strerror(rc));
		return -1;
	}
	p->listener = evconnlistener_new_bind(p->base, peers_accept_cb, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 128, ai->ai_addr,
	    (int)ai->ai_addrlen);
	freeaddrinfo(ai);
	if (p->listener == NULL) {
		snprintf(err, errlen, "peering listen %s@%u: %s",
		    p->conf.peer_listen.host, p->conf.peer_listen.port,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the core's events ---- */

/* Two links to one node (both sides connected): the one opened by the
 * node with the lower key stays, so both ends pick the same one. */
static void
peers_dedup(struct peers *p, struct peer_link *l)
{
	struct gossip_session_info si, oi;

	gossip_session_info(l->s, &si);
	if (memcmp(si.key, p->key, ED25519_KEY_LEN) == 0) {
		gossip_session_close(l->s, REPUTED__GOODBYE_REASON__BYE_POLICY,
		    "connected to itself");
		return;
	}
	for (struct peer_link *o = p->links; o; o = o->next) {
		if (o == l || o->s == NULL || o->dead)
			continue;
		gossip_session_info(o->s, &oi);
		if (oi.state != GOSSIP_UP || memcmp(oi.key, si.key, 32) != 0)
			continue;
		bool mine = memcmp(p->key, si.key, ED25519_KEY_LEN) < 0;
		struct peer_link *loser = (l->out != NULL) == mine ? o : l;
		/* Same direction: the peer restarted and the old link has not
		 * noticed yet; the new one wins. */
		if ((l->out != NULL) == (o->out != NULL))
			loser = o;
		gossip_session_close(loser->s,
		    REPUTED__GOODBYE_REASON__BYE_POLICY, "duplicate link");
		return;
	}
}

static void
peers_on_event(struct peers *p, const struct gossip_event *ev)
{
	struct peer_link *l =
	    ev->session ? gossip_session_udata(ev->session) : NULL;
	const char *name = l ? peer_name(l) : "-";

	switch (ev->kind) {
	case GOSSIP_EV_UP:
		log_info("peer %s: %s", name, ev->text);
		if (l != NULL && l->out != NULL)
			l->out->backoff_ms = PEER_BACKOFF_MIN_MS;
		if (l != NULL)
			peers_dedup(p, l);
		break;
	case GOSSIP_EV_CLOSED:
		if (ev->reason == REPUTED__GOODBYE_REASON__BYE_SHUTDOWN)
			log_info("peer %s: closed: %s", name, ev->text);
		else
			log_warnx("peer %s: closed: %s", name, ev->text);
		if (l != NULL && !l->closing) {
			l->closing = true;
			l->close_at = peers_now() + PEER_CLOSE_GRACE_MS;
			bufferevent_disable(l->bev, EV_READ);
		}
		break;
	case GOSSIP_EV_THROTTLED:
		log_warnx("peer %s: %s", name, ev->text);
		break;
	case GOSSIP_EV_EQUIVOCATION:
		log_warnx("equivocation (via %s): %s", name, ev->text);
		break;
	case GOSSIP_EV_FLOOD:
		log_warnx("flood (via %s): %s", name, ev->text);
		break;
	case GOSSIP_EV_WARNING:
		log_warnx("gossip: %s", ev->text);
		break;
	}
}

/* A send in progress: a link that is up has bytes not yet written. */
static bool
peers_sending(struct peers *p)
{
	const uint8_t *buf;

	for (struct peer_link *l = p->links; l; l = l->next) {
		if (l->s == NULL || l->closing || l->dead ||
		    gossip_session_state(l->s) != GOSSIP_UP)
			continue;
		if (gossip_session_output(l->s, &buf) > 0 ||
		    evbuffer_get_length(bufferevent_get_output(l->bev)) > 0)
			return true;
	}
	return false;
}

static void
peers_tell_busy(struct peers *p)
{
	bool busy = peers_sending(p);

	if (busy == p->busy)
		return;
	p->busy = busy;
	if (p->busy_fn != NULL)
		p->busy_fn(p->busy_arg, busy);
}

void
peers_set_busy_hook(struct peers *p, peers_busy_fn fn, void *arg)
{
	if (p == NULL)
		return;
	p->busy_fn = fn;
	p->busy_arg = arg;
}

/* After any call into the core: act on its events, move its output. */
static void
peers_service(struct peers *p)
{
	struct gossip_event ev;
	uint64_t now = peers_now();

	for (int round = 0; round < 4; round++) {
		while (gossip_event_next(p->g, &ev))
			peers_on_event(p, &ev);
		for (struct peer_link *l = p->links; l; l = l->next)
			peer_link_flush(l, now);
	}
	/* A CRL (or CA) learned from a peer: links are checked at once. */
	if (p->have_anchors && pki_generation(p->pki) != p->checked_gen)
		peers_recheck(p);
	peers_tell_busy(p);
	/* Timers added by later callbacks of this loop turn (the batcher's)
	 * are relative to the cached time: keep it from lagging behind the
	 * work done here, or they fire early. */
	event_base_update_cache_time(p->base);
}

/* Closes the sessions whose peer certificate stopped validating: revoked
 * by a CRL learned or reloaded since the handshake, expired, no longer
 * under an anchor or no longer matching a pin (after a reload). */
static void
peers_recheck(struct peers *p)
{
	char why[160];

	p->last_recheck = peers_now();
	p->checked_gen = pki_generation(p->pki);
	for (struct peer_link *l = p->links; l; l = l->next) {
		SSL *ssl = l->bev ? bufferevent_openssl_get_ssl(l->bev) : NULL;
		X509 *cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
		if (l->s == NULL || l->closing || l->dead || cert == NULL)
			continue;
		if (peers_check_cert(p, l, cert, SSL_get_peer_cert_chain(ssl),
			why, sizeof(why)) == 0)
			continue;
		p->refused++;
		gossip_session_close(l->s, REPUTED__GOODBYE_REASON__BYE_POLICY,
		    why);
	}
	peers_service(p);
}

/* ---- reload ---- */

static int peer_out_init(struct peers *p, struct peer_out *o,
    const struct conf_peer *c, char *err, size_t errlen);

static int
peers_find_out(const struct peers *p, const struct conf_peer *c)
{
	for (int i = 0; i < p->n_outs; i++)
		if (strcmp(p->outs[i].conf.name, c->name) == 0 &&
		    strcmp(p->outs[i].conf.addr.host, c->addr.host) == 0 &&
		    p->outs[i].conf.addr.port == c->addr.port)
			return i;
	return -1;
}

/* A configured peer that stays: its state moves to the new array (its
 * link and timer follow); a changed pin forgets the key learned. */
static int
peer_out_move(struct peer_out *o, struct peer_out *old,
    const struct conf_peer *c, char *err, size_t errlen)
{
	struct timeval soon = { 0, PEER_BACKOFF_MIN_MS * 1000 };
	bool waiting = evtimer_pending(old->retry, NULL);

	*o = *old;
	o->retry = NULL;
	if (peer_out_init(o->p, o, c, err, errlen) == -1)
		return -1;
	o->backoff_ms = old->backoff_ms;
	if (o->has_pin != old->has_pin ||
	    memcmp(o->pin, old->pin, ED25519_KEY_LEN) != 0)
		o->has_key = false;
	if (o->link != NULL)
		o->link->out = o;
	else if (waiting)
		evtimer_add(o->retry, &soon);
	return 0;
}

/* A configured peer that went: its link closes, we stop connecting. */
static void
peer_out_drop(struct peer_out *o)
{
	if (o->retry != NULL)
		event_free(o->retry);
	o->retry = NULL;
	if (o->link == NULL)
		return;
	o->link->out = NULL;
	if (o->link->s != NULL)
		gossip_session_close(o->link->s,
		    REPUTED__GOODBYE_REASON__BYE_POLICY,
		    "no longer a configured peer");
	else
		peer_link_kill(o->link);
	o->link = NULL;
}

/* The configured peers become conf's: kept ones keep their links. */
static int
peers_reload_outs(struct peers *p, const struct node_conf *conf, char *err,
    size_t errlen)
{
	int n = conf->n_peers, added = 0, removed = 0;
	struct peer_out *outs = calloc((size_t)n + 1, sizeof(*outs));
	int *from = calloc((size_t)n + 1, sizeof(*from));
	bool *kept = calloc((size_t)p->n_outs + 1, sizeof(*kept));
	int i, j, rc = -1;

	if (outs == NULL || from == NULL || kept == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		outs[i].p = p;
		if ((from[i] = peers_find_out(p, &conf->peers[i])) >= 0 &&
		    kept[from[i]])
			from[i] = -1; /* the same peer twice */
		if (from[i] >= 0)
			kept[from[i]] = true;
		if ((from[i] >= 0 ?
			    peer_out_move(&outs[i], &p->outs[from[i]],
				&conf->peers[i], err, errlen) :
			    peer_out_init(p, &outs[i], &conf->peers[i], err,
				errlen)) == -1)
			goto undo;
	}
	for (j = 0; j < p->n_outs; j++)
		if (!kept[j]) {
			peer_out_drop(&p->outs[j]);
			removed++;
		} else if (p->outs[j].retry != NULL)
			event_free(p->outs[j].retry);
	free(p->outs);
	p->outs = outs;
	p->n_outs = n;
	outs = NULL;
	for (i = 0; i < n; i++)
		if (from[i] < 0) {
			added++;
			peer_out_connect(&p->outs[i]);
		}
	if (added + removed > 0)
		log_info("reload: peering: %d peer%s added, %d removed", added,
		    added == 1 ? "" : "s", removed);
	rc = 0;
	goto out;
undo:
	/* nothing moved yet: the old peers' links still point at them */
	for (int k = 0; k <= i && k < n; k++) {
		if (from[k] >= 0 && p->outs[from[k]].link != NULL)
			p->outs[from[k]].link->out = &p->outs[from[k]];
		if (outs[k].retry != NULL)
			event_free(outs[k].retry);
	}
out:
	free(outs);
	free(from);
	free(kept);
	return rc;
}

/* New anchors from conf if they differ; the mode (anchors or pins only)
 * is fixed at start. */
static int
peers_reload_anchors(struct peers *p, const struct node_conf *conf, char *err,
    size_t errlen)
{
	const char *paths[CONF_MAX_ANCHORS];

	if (conf->n_anchors == p->conf.n_anchors &&
	    memcmp(conf->anchors, p->conf.anchors, sizeof(conf->anchors)) == 0)
		return 0;
	if ((conf->n_anchors > 0) != p->have_anchors) {
		snprintf(err, errlen,
		    "trust-anchor: switching between anchors and pins "
		    "only needs a restart");
		return -1;
	}
	for (int i = 0; i < conf->n_anchors; i++)
		paths[i] = conf->anchors[i];
	if (pki_replace_anchors(p->pki, paths, conf->n_anchors, err, errlen) ==
	    -1)
		return -1;
	log_info("reload: peering: %d trust anchor file%s", conf->n_anchors,
	    conf->n_anchors == 1 ? "" : "s");
	return 0;
}

int
peers_reload(struct peers *p, const struct node_conf *conf, char *err,
    size_t errlen)
{
	X509_CRL *crl;

	if (p == NULL)
		return 0;
	/* What can fail is checked before anything changes. */
	for (int i = 0; i < conf->n_peers; i++) {
		uint8_t pin[ED25519_KEY_LEN];
		if (conf->peers[i].pin[0] != '\0' &&
		    pki_pin_parse(conf->peers[i].pin, pin) == -1) {
			snprintf(err, errlen, "peer %s: bad pin",
			    conf->peers[i].name);
			return -1;
		}
	}
	if (conf->crl_file[0] != '\0') {
		if ((crl = pki_load_crl(conf->crl_file, err, errlen)) == NULL)
			return -1;
		X509_CRL_free(crl);
	}
	if (peers_reload_anchors(p, conf, err, errlen) == -1 ||
	    peers_reload_outs(p, conf, err, errlen) == -1)
		return -1;
	if (conf->crl_file[0] != '\0') {
		if (pki_reload_crl_file(p->pki, conf->crl_file, err, errlen) ==
		    -1)
			log_warnx("reload: peering: %s", err);
		gossip_crls_changed(p->g, peers_now());
	}
	memcpy(p->conf.anchors, conf->anchors, sizeof(conf->anchors));
	p->conf.n_anchors = conf->n_anchors;
	memcpy(p->conf.peers, conf->peers, sizeof(conf->peers));
	p->conf.n_peers = conf->n_peers;
	memcpy(p->conf.crl_file, conf->crl_file, sizeof(conf->crl_file));
	peers_recheck(p);
	return 0;
}

static void
peers_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct peers *p = arg;
	uint64_t now = peers_now();

	if (now >= p->last_recheck + PEER_RECHECK_MS)
		peers_recheck(p);

	gossip_tick(p->g, now);
	for (struct peer_link *l = p->links; l; l = l->next) {
		if (l->closing && now >= l->close_at)
			peer_link_kill(l);
		if (l->s == NULL && !l->dead && l->deadline != 0 &&
		    now >= l->deadline) {
			p->hs_timeouts++;
			if (l->out != NULL)
				l->out->failures++;
			log_warnx("peer %s: handshake not done in %d s",
			    peer_name(l), PEER_HANDSHAKE_MS / 1000);
			peer_link_kill(l);
		}
	}
	peers_service(p);
}

void
peers_batch_committed(void *arg, const uint8_t *sb, size_t len)
{
	struct peers *p = arg;

	if (p == NULL)
		return;
	gossip_local_batch(p->g, sb, len, peers_now());
	peers_service(p);
}

/* ---- start and stop ---- */

static int
peers_load_trust(struct peers *p, char *err, size_t errlen)
{
	STACK_OF(X509) * chain;

	if ((p->pki = pki_new()) == NULL)
		return -1;
	for (int i = 0; i < p->conf.n_anchors; i++)
		if (pki_add_anchor_file(p->pki, p->conf.anchors[i], err,
			errlen) == -1)
			return -1;
	p->have_anchors = p->conf.n_anchors > 0;
	if (p->conf.crl_file[0] != '\0' &&
	    pki_add_crl_file(p->pki, p->conf.crl_file, err, errlen) == -1)
		return -1;
	if ((chain = pki_load_certs(p->conf.cert_file, err, errlen)) == NULL)
		return -1;
	for (int i = 0; i < sk_X509_num(chain) && p->n_chain < PEER_MAX_CHAIN;
	     i++) {
		unsigned char *der = NULL;
		int len = i2d_X509(sk_X509_value(chain, i), &der);
		if (len <= 0)
			continue;
		p->chain_der[p->n_chain] = der;
		p->chain_len[p->n_chain++] = (size_t)len;
	}
	sk_X509_pop_free(chain, X509_free);
	return 0;
}

static int
peers_core(struct peers *p, char *err, size_t errlen)
{
	struct gossip_conf gc;

	gossip_conf_default(&gc);
	gc.name = p->conf.name;
	memcpy(gc.node_key, p->key, ED25519_KEY_LEN);
	gc.store = p->st;
	gc.verifier = p->verifier;
	gc.pki = p->have_anchors ? p->pki : NULL;
	gc.certs = (const uint8_t *const *)p->chain_der;
	gc.cert_lens = p->chain_len;
	gc.n_certs = p->n_chain;
	if ((p->g = gossip_new(&gc, err, errlen)) == NULL)
		return -1;
	return 0;
}

static int
peer_out_init(struct peers *p, struct peer_out *o, const struct conf_peer *c,
    char *err, size_t errlen)
{
	o->p = p;
	o->conf = *c;
	o->backoff_ms = PEER_BACKOFF_MIN_MS;
	o->has_pin = false;
	if (c->pin[0] != '\0') {
		if (pki_pin_parse(c->pin, o->pin) == -1) {
			snprintf(err, errlen, "peer %s: bad pin", c->name);
			return -1;
		}
		o->has_pin = true;
	}
	if ((o->retry = evtimer_new(p->base, peer_retry_cb, o)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

static int
peers_outs(struct peers *p, char *err, size_t errlen)
{
	p->n_outs = p->conf.n_peers;
	if (p->n_outs > 0 &&
	    (p->outs = calloc((size_t)p->n_outs, sizeof(*p->outs))) == NULL)
		return -1;
	for (int i = 0; i < p->n_outs; i++)
		if (peer_out_init(p, &p->outs[i], &p->conf.peers[i], err,
			errlen) == -1)
			return -1;
	return 0;
}

struct peers *
peers_start(struct event_base *base, struct store *st, struct signer *key,
    const struct node_conf *conf, char *err, size_t errlen)
{
	struct peers *p = calloc(1, sizeof(*p));
	uint8_t pub[ED25519_KEY_LEN];
	struct timeval tick = { 0, PEER_TICK_MS * 1000 };
	EVP_PKEY *pkey = NULL;

	if (p == NULL)
		return NULL;
	p->base = base;
	p->st = st;
	p->conf = *conf;
	p->last_recheck = peers_now();
	snprintf(err, errlen, "out of memory");
	signer_public_key(key, p->key);
	srandom((unsigned)(peers_now() ^ (uint64_t)getpid()));
	if ((pkey = pki_load_key(conf->key_file, err, errlen)) == NULL)
		goto fail;
	if (pki_key_pubkey(pkey, pub) == -1 || memcmp(pub, p->key, 32) != 0) {
		snprintf(err, errlen, "%s is not the node key", conf->key_file);
		goto fail;
	}
	if (peers_load_trust(p, err, errlen) == -1 ||
	    (p->ctx = peers_tls(p, pkey, err, errlen)) == NULL ||
	    (p->verifier = verifier_new()) == NULL ||
	    peers_core(p, err, errlen) == -1 ||
	    peers_outs(p, err, errlen) == -1)
		goto fail;
	p->tick = event_new(base, -1, EV_PERSIST, peers_tick_cb, p);
	p->reap = event_new(base, -1, 0, peers_reap_cb, p);
	if (p->tick == NULL || p->reap == NULL || event_add(p->tick, &tick) ||
	    peers_listen(p, err, errlen) == -1)
		goto fail;
	EVP_PKEY_free(pkey);
	for (int i = 0; i < p->n_outs; i++)
		peer_out_connect(&p->outs[i]);
	log_info("peering: %d peer%s, listening on %s@%u, %d anchor%s%s",
	    p->n_outs, p->n_outs == 1 ? "" : "s", conf->peer_listen.host,
	    conf->peer_listen.port, conf->n_anchors,
	    conf->n_anchors == 1 ? "" : "s",
	    conf->crl_file[0] ? ", a CRL" : "");
	return p;
fail:
	EVP_PKEY_free(pkey);
	peers_stop(p);
	return NULL;
}

struct pki *
peers_pki(struct peers *p)
{
	return p != NULL && p->have_anchors ? p->pki : NULL;
}

void
peers_stop(struct peers *p)
{
	if (p == NULL)
		return;
	/* Goodbyes, given one turn of the loop to leave. */
	for (struct peer_link *l = p->links; l; l = l->next)
		if (l->s != NULL)
			gossip_session_close(l->s,
			    REPUTED__GOODBYE_REASON__BYE_SHUTDOWN,
			    "shutting down");
	if (p->g != NULL)
		peers_service(p);
	if (p->links != NULL)
		event_base_loop(p->base, EVLOOP_NONBLOCK);
	for (int i = 0; i < p->n_outs; i++) {
		if (p->outs[i].retry != NULL)
			event_free(p->outs[i].retry);
		p->outs[i].retry = NULL;
	}
	while (p->links != NULL)
		peer_link_free(p->links);
	if (p->listener != NULL)
		evconnlistener_free(p->listener);
	if (p->tick != NULL)
		event_free(p->tick);
	if (p->reap != NULL)
		event_free(p->reap);
	gossip_free(p->g);
	verifier_free(p->verifier);
	pki_free(p->pki);
	SSL_CTX_free(p->ctx);
	for (size_t i = 0; i < p->n_chain; i++)
		OPENSSL_free(p->chain_der[i]);
	free(p->outs);
	free(p);
}

/* ---- the local API ---- */

/* Whether a session with the configured peer is up: the link we opened,
 * or one it opened to us (of two links between two nodes one is kept),
 * known by its pinned or learned key. */
static bool
peers_out_up(const struct peers *p, const struct peer_out *o)
{
	struct gossip_session_info si;

	for (struct peer_link *l = p->links; l; l = l->next) {
		if (l->s == NULL || l->closing || l->dead ||
		    gossip_session_state(l->s) != GOSSIP_UP)
			continue;
		if (l->out == o)
			return true;
		gossip_session_info(l->s, &si);
		if (si.has_key && ((o->has_pin && memcmp(o->pin, si.key,
		    ED25519_KEY_LEN) == 0) || (o->has_key && memcmp(o->key,
		    si.key, ED25519_KEY_LEN) == 0)))
			return true;
	}
	return false;
}

/* Each configured peer (peering: peer), by name: its session up or not,
 * and its failed connection attempts; the "peer down" alert of
 * dist/prometheus/reputed.rules.yml. */
static void
peers_metrics_configured(const struct peers *p, struct evbuffer *out)
{
	prom_family(out, "reputed_peer_connected", PROM_GAUGE,
	    "1 while a session with the configured peer is up.");
	for (int i = 0; i < p->n_outs; i++)
		prom_sample(out, "reputed_peer_connected", "peer",
		    p->outs[i].conf.name, peers_out_up(p, &p->outs[i]));
	prom_family(out, "reputed_peer_connect_failures_total", PROM_COUNTER,
	    "Failed connection attempts to the configured peer.");
	for (int i = 0; i < p->n_outs; i++)
		prom_sample(out, "reputed_peer_connect_failures_total", "peer",
		    p->outs[i].conf.name, p->outs[i].failures);
}

void
peers_metrics(void *arg, struct evbuffer *out)
{
	struct peers *p = arg;
	const struct gossip_stats *s = gossip_stats(p->g);

	prom_u64(out, "reputed_peers_up", "gauge", "Peer sessions up.",
	    s->sessions_up);
	prom_u64(out, "reputed_peer_queue_bytes", "gauge",
	    "Bytes waiting in peer send queues.", s->queued_bytes);
	prom_u64(out, "reputed_peer_members", "gauge",
	    "Member certificates in the directory.", s->members);
	prom_family(out, "reputed_peer_batches_total", PROM_COUNTER,
	    "Batches received (new) and sent.");
	prom_sample(out, "reputed_peer_batches_total", "dir", "in",
	    s->batches_in);
	prom_sample(out, "reputed_peer_batches_total", "dir", "out",
	    s->batches_out);
	prom_family(out, "reputed_peer_batches_dropped_total", PROM_COUNTER,
	    "Batches not applied, by reason.");
	const struct {
		const char *r;
		uint64_t v;
	} d[] = {
		{ "duplicate", s->duplicates },
		{ "bad_signature", s->bad_signature },
		{ "malformed", s->malformed },
		{ "blocked", s->blocked },
		{ "revoked", s->revoked },
		{ "invalid", s->invalid },
		{ "no_certificate", s->held_dropped },
		{ "too_far_ahead", s->too_far },
		{ "made_in_future", s->too_early },
		{ "store_error", s->store_errors },
	};
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		prom_sample(out, "reputed_peer_batches_dropped_total",
		    "reason", d[i].r, d[i].v);
	prom_u64(out, "reputed_peer_equivocations_total", "counter",
	    "Origins caught signing two batches with one seq.",
	    s->equivocations);
	prom_u64(out, "reputed_peer_flood_blocks_total", "counter",
	    "Origins blocked here for crossing the flood line (policy "
	    "quota-block-factor).", s->flood_blocks);
	prom_u64(out, "reputed_peer_held_total", "counter",
	    "Batches held for their origin's certificate.", s->held);
	prom_u64(out, "reputed_peer_catchup_batches_total", "counter",
	    "Batches sent by catch-up.", s->catchup_out);
	prom_u64(out, "reputed_peer_sessions_closed_total", "counter",
	    "Peer sessions closed.", s->sessions_closed);
	prom_u64(out, "reputed_peer_dropped_slow_total", "counter",
	    "Peers dropped for not reading.", s->dropped_slow);
	prom_u64(out, "reputed_peer_crl_updates_total", "counter",
	    "CRLs learned from peers or reloaded (each floods).",
	    s->crl_updates);
	prom_u64(out, "reputed_peer_handshakes_pending", "gauge",
	    "Inbound links in their TLS handshake.", (uint64_t)p->n_pending);
	prom_u64(out, "reputed_peer_handshake_timeouts_total", "counter",
	    "Links closed for not finishing the handshake in time.",
	    p->hs_timeouts);
	prom_u64(out, "reputed_peer_accept_refused_total", "counter",
	    "Inbound connections closed at once: handshake budget full.",
	    p->accept_refused);
	prom_u64(out, "reputed_peer_refused_total", "counter",
	    "TLS handshakes refused by certificate checks.", p->refused);
	prom_family(out, "reputed_peer_bytes_total", PROM_COUNTER,
	    "Bytes on peer links.");
	prom_sample(out, "reputed_peer_bytes_total", "dir", "in", s->bytes_in);
	prom_sample(out, "reputed_peer_bytes_total", "dir", "out",
	    s->bytes_out);
	peers_metrics_configured(p, out);
}

static const char *
peers_state_name(enum gossip_state s)
{
	return s == GOSSIP_UP ? "up" : s == GOSSIP_HELLO ? "hello" : "closed";
}

/* What the store knows of a peer as an origin: its reports applied and
 * dropped over its quota (policy quota-per-hour), live and dropped at
 * its live ceiling (policy live-ceiling), blocked or not and why
 * (policy, equivocation, flood). */
static void
peers_origin_json(const struct peers *p, const uint8_t *key, json_t *o)
{
	struct origin_info oi;

	if (p->st == NULL || store_get_origin(p->st, key, &oi) != 0)
		return;
	json_object_set_new(o, "origin_batches", json_integer((json_int_t)
	    oi.batches));
	json_object_set_new(o, "quota_dropped", json_integer((json_int_t)
	    oi.quota_dropped));
	json_object_set_new(o, "live_reports", json_integer((json_int_t)
	    oi.live));
	json_object_set_new(o, "live_dropped", json_integer((json_int_t)
	    oi.live_dropped));
	/* its limits: the policy's, or its share of its organisation's */
	json_object_set_new(o, "org_members", json_integer((json_int_t)
	    oi.org_members));
	json_object_set_new(o, "quota_limit", json_integer((json_int_t)
	    oi.quota_limit));
	json_object_set_new(o, "live_limit", json_integer((json_int_t)
	    oi.live_limit));
	json_object_set_new(o, "blocked", json_boolean(oi.blocked));
	if (oi.blocked) {
		char why[64];
		json_object_set_new(o, "blocked_reason", json_string(
		    origin_block_reasons(oi.block, why, sizeof(why))));
	}
}

static json_t *
peers_link_json(const struct peers *p, const struct peer_link *l)
{
	struct gossip_session_info si;
	char hex[65];
	json_t *o;

	gossip_session_info(l->s, &si);
	pki_pin_format(si.key, hex);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, "
		      "s:I, s:b, s:I}",
	    "name", peer_name(l), "remote_name", si.name, "key", hex,
	    "direction", l->out ? "out" : "in", "state",
	    peers_state_name(si.state), "since_ms", (json_int_t)si.since,
	    "batches_in", (json_int_t)si.batches_in, "batches_out",
	    (json_int_t)si.batches_out, "bytes_in", (json_int_t)si.bytes_in,
	    "bytes_out", (json_int_t)si.bytes_out, "queued",
	    (json_int_t)si.queued, "throttled", si.throttled, "catchup_ranges",
	    (json_int_t)si.catchup_ranges);
	json_object_set_new(o, "addr", json_string(l->addr));
	peers_origin_json(p, si.key, o);
	return o;
}

void
peers_http_peers(struct evhttp_request *req, void *arg)
{
	struct peers *p = arg;
	json_t *arr = json_array(), *cfg = json_array();

	for (struct peer_link *l = p->links; l; l = l->next)
		if (l->s != NULL && !l->dead)
			json_array_append_new(arr, peers_link_json(p, l));
	for (int i = 0; i < p->n_outs; i++) {
		const struct peer_out *o = &p->outs[i];
		json_array_append_new(cfg,
		    json_pack("{s:s, s:s, s:I, s:b, s:I, "
			      "s:I}",
			"name", o->conf.name, "host", o->conf.addr.host, "port",
			(json_int_t)o->conf.addr.port, "connected",
			peers_out_up(p, o), "connects",
			(json_int_t)o->connects, "failures",
			(json_int_t)o->failures));
	}
	api_reply_json(req, 200,
	    json_pack("{s:o, s:o}", "sessions", arr, "configured", cfg));
}

void
peers_http_digest(struct evhttp_request *req, void *arg)
{
	struct peers *p = arg;
	uint8_t d[32];
	uint64_t n;
	char hex[65], err[128];

	if (gossip_digest(p->st, d, &n, err, sizeof(err)) == -1) {
		api_reply_json(req, 503, json_pack("{s:s}", "error", err));
		return;
	}
	pki_pin_format(d, hex);
	api_reply_json(req, 200,
	    json_pack("{s:s, s:I}", "digest", hex, "batches", (json_int_t)n));
}

int
peers_api_attach(struct peers *p, struct api *a)
{
	if (p == NULL || a == NULL)
		return 0;
	if (api_metrics_register(a, peers_metrics, p) == -1 ||
	    api_route(a, "/v1/peers", peers_http_peers, p) == -1 ||
	    api_route(a, "/v1/digest", peers_http_digest, p) == -1)
		return -1;
	return 0;
}
