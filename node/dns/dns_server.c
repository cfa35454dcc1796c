/*
 * dns_server.c: the libevent shell around the DNS core (dns.c).
 *
 * Workers: conf->dns_threads threads (default 2), each with its own
 * event_base, its own store_reader and its own UDP and TCP sockets bound
 * to every listen address with SO_REUSEPORT, so the kernel spreads clients
 * over them and no lock is shared on the query path. A worker drains its
 * UDP socket with recvmmsg, answers the whole batch from one LMDB read
 * snapshot, and sends with sendmmsg. The main thread, which applies
 * reports, never answers a query, so ingest cannot stall answers, and
 * LMDB readers never wait for the writer.
 *
 * TCP: two-byte length framing (RFC 1035 4.2.2), pipelined queries, an
 * idle timeout, AXFR (RFC 5936) for the zone's allow-axfr ACL streamed
 * from one snapshot.
 *
 * Main thread: a 1 s timer reads store_serial and sends NOTIFY (RFC 1996)
 * to each zone's secondaries when it changed, at most once per 5 s per
 * zone, retrying unanswered ones up to 3 times.
 *
 * Owns: the sockets, the workers, the engines (the zones: replaced whole
 * on reload, the old one kept until the next reload or stop so a worker in
 * the middle of a batch never reads freed memory). Borrows: the store and
 * the main event_base.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include "node/dns/dns.h"
#include "node/log.h"
#include "node/prom.h"

#define BATCH		32		/* datagrams per recvmmsg */
#define UDP_IN_MAX	4096		/* larger queries are not queries */
#define TCP_IDLE_S	10
#define TCP_OUT_MAX	(1 << 20)	/* stop reading while this is queued */
#define NOTIFY_EVERY_MS	5000
#define NOTIFY_TRIES	3
#define RRL_SLIP	2

/* Counters: one writer (the worker), readers anywhere. */
#define CINC(x)		__atomic_store_n(&(x), (x) + 1, __ATOMIC_RELAXED)
#define CGET(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)

/* The buckets of reputed_dns_answer_seconds, in microseconds. */
const uint32_t dns_latency_le_us[DNS_LATENCY_BUCKETS - 1] = { 25, 50, 100,
	250, 500, 1000, 2500, 10000, 50000 };

struct dns_worker {
	pthread_t thread;
	bool started;			/* thread is running */
	int id;
	struct event_base *base;
	struct store_reader *reader;
	struct dns_cache *cache;	/* NULL: dns cache-size 0 */
	struct dns_source src;
	int udp[CONF_MAX_LISTEN], tcp[CONF_MAX_LISTEN], n_fds;
	struct event *udp_ev[CONF_MAX_LISTEN];
	struct evconnlistener *listener[CONF_MAX_LISTEN];
	struct dns_counters c;
	/* recvmmsg / sendmmsg slots, allocated once */
	struct mmsghdr in_msgs[BATCH], out_msgs[BATCH];
	struct iovec in_iov[BATCH], out_iov[BATCH];
	struct sockaddr_storage peers[BATCH];
	uint8_t in_buf[BATCH][UDP_IN_MAX];
	uint8_t out_buf[BATCH][4096];
	uint8_t tcp_out[DNS_MSG_MAX + 2];
};

/* A NOTIFY waiting for its answer. */
struct notify_slot {
	bool used;
	int zone, tries;
	uint16_t id;
	uint32_t serial;
	uint64_t sent_ms;
	struct sockaddr_storage to;
	socklen_t tolen;
};

static struct {
	bool running;
	struct event_base *main_base;
	struct store *st;
	struct dns_engine *engine;	/* current: read with acquire */
	struct dns_engine *old_engine;	/* the one before the last reload */
	struct dns_worker *workers;
	int n_workers;
	struct dns_rrl rrl;		/* shared by the workers */
	/* NOTIFY, main thread only */
	struct store_reader *reader;
	struct event *timer;
	struct event *notify_ev, *notify_ev6;
	int notify_fd, notify_fd6;	/* IPv4 and IPv6 secondaries */
	uint32_t serial;
	bool serial_known;
	bool pending[CONF_MAX_ZONES];
	uint64_t last_notify[CONF_MAX_ZONES];
	struct notify_slot slots[64];
	uint64_t notify_sent;
} srv = { .notify_fd = -1, .notify_fd6 = -1 };

static uint64_t
now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static const struct dns_engine *
engine_get(void)
{
	return __atomic_load_n(&srv.engine, __ATOMIC_ACQUIRE);
}

/* ---- sockets ---- */

static int
addr_resolve(const struct conf_addr *a, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo hints, *ai;
	char port[8];
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_DGRAM;
	snprintf(port, sizeof(port), "%u", a->port);
	if (getaddrinfo(a->host[0] ? a->host : NULL, port, &hints, &ai) != 0)
		return -1;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

/* A non-blocking socket with SO_REUSEPORT bound to a. */
static int
sock_bind(const struct conf_addr *a, int type, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;
	if (addr_resolve(a, &ss, &sl) != 0) {
		snprintf(err, errlen, "dns listen %s@%u: not an address",
		    a->host, a->port);
		return -1;
	}
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM) {
		int sz = 4 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, 128) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "dns listen %s@%u: %s", a->host, a->port,
	    strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* ---- UDP ---- */

static void
count_answer(struct dns_worker *w, const struct dns_result *res)
{
	if (res->rcode < 0)
		CINC(w->c.dropped);
	else if (res->rcode < DNS_R_COUNT)
		CINC(w->c.rcode[res->rcode]);
	if (res->tc)
		CINC(w->c.truncated);
}

/* Answers datagram i into out slot; returns its length, 0 to send none. */
static size_t
udp_one(struct dns_worker *w, const struct dns_engine *e, int i,
    uint64_t now)
{
	struct dns_result res;
	size_t n = dns_answer(e, &w->src, w->in_buf[i], w->in_msgs[i].msg_len,
	    w->out_buf[i], sizeof(w->out_buf[i]), false, now, &res);
	CINC(w->c.queries);
	count_answer(w, &res);
	if (n == 0)
		return 0;
	switch (dns_rrl_check(&srv.rrl, (struct sockaddr *)&w->peers[i],
	    now)) {
	case DNS_RRL_SEND:
		return n;
	case DNS_RRL_SLIP:
		CINC(w->c.rrl_slipped);
		return dns_rrl_slip(w->out_buf[i], n);
	default:
		CINC(w->c.rrl_dropped);
		return 0;
	}
}

static void
udp_prepare(struct dns_worker *w)
{
	for (int i = 0; i < BATCH; i++) {
		w->in_iov[i].iov_base = w->in_buf[i];
		w->in_iov[i].iov_len = sizeof(w->in_buf[i]);
		memset(&w->in_msgs[i], 0, sizeof(w->in_msgs[i]));
		w->in_msgs[i].msg_hdr.msg_iov = &w->in_iov[i];
		w->in_msgs[i].msg_hdr.msg_iovlen = 1;
		w->in_msgs[i].msg_hdr.msg_name = &w->peers[i];
		w->in_msgs[i].msg_hdr.msg_namelen = sizeof(w->peers[i]);
	}
}

/* A new read snapshot for the next answers, and the answer cache brought
 * up to it: what the commits since the last one changed is dropped. */
static void
worker_snapshot(struct dns_worker *w, const struct dns_engine *e)
{
	if (store_reader_begin(w->reader) != 0) {
		log_warnx("dns: worker %d: cannot open a read snapshot",
		    w->id);
		if (w->cache != NULL)	/* no stale answers meanwhile */
			dns_cache_flush(w->cache);
		return;
	}
	if (w->cache == NULL)
		return;
	dns_cache_begin(w->cache, store_reader_txn(w->reader), e->id);
	if (store_reader_changes(w->reader, dns_cache_changed, w->cache))
		dns_cache_flush(w->cache);
	uint64_t hits, misses;
	dns_cache_stats(w->cache, &hits, &misses);
	__atomic_store_n(&w->c.cache_hits, hits, __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.cache_misses, misses, __ATOMIC_RELAXED);
}

static uint64_t
mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* n answers that took us microseconds each (a batch is answered as one). */
static void
count_latency(struct dns_worker *w, int n, uint64_t us)
{
	int b = 0;
	while (b < DNS_LATENCY_BUCKETS - 1 && us > dns_latency_le_us[b])
		b++;
	__atomic_store_n(&w->c.latency[b], w->c.latency[b] + (uint64_t)n,
	    __ATOMIC_RELAXED);
	__atomic_store_n(&w->c.latency_sum_us, w->c.latency_sum_us +
	    (uint64_t)n * us, __ATOMIC_RELAXED);
}

/* One batch: receive, answer from one snapshot, send. Returns how many
 * datagrams came in (0: the socket is drained). */
static int
udp_batch(struct dns_worker *w, int fd)
{
	udp_prepare(w);
	int n = recvmmsg(fd, w->in_msgs, BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0)
		return 0;
	uint64_t t0 = mono_us();
	const struct dns_engine *e = engine_get();
	uint64_t now = now_ms();
	int out = 0;
	worker_snapshot(w, e);
	for (int i = 0; i < n; i++) {
		size_t len = udp_one(w, e, i, now);
		if (len == 0)
			continue;
		w->out_iov[out].iov_base = w->out_buf[i];
		w->out_iov[out].iov_len = len;
		memset(&w->out_msgs[out], 0, sizeof(w->out_msgs[out]));
		w->out_msgs[out].msg_hdr.msg_iov = &w->out_iov[out];
		w->out_msgs[out].msg_hdr.msg_iovlen = 1;
		w->out_msgs[out].msg_hdr.msg_name = &w->peers[i];
		w->out_msgs[out].msg_hdr.msg_namelen =
		    w->in_msgs[i].msg_hdr.msg_namelen;
		out++;
	}
	store_reader_end(w->reader);
	for (int sent = 0; sent < out;) {
		int s = sendmmsg(fd, w->out_msgs + sent,
		    (unsigned)(out - sent), MSG_DONTWAIT);
		if (s <= 0)
			break;	/* a full send buffer drops, as UDP does */
		sent += s;
	}
	if (out > 0)
		count_latency(w, out, mono_us() - t0);
	return n;
}

static void
dns_server_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dns_worker *w = arg;
	/* a few batches, then let TCP and timers run */
	for (int i = 0; i < 8; i++)
		if (udp_batch(w, fd) < BATCH)
			break;
}

/* ---- TCP ---- */

/* Is the client in the zone's allow-axfr list? */
static bool
axfr_allowed(const struct conf_zone *z, const struct sockaddr *sa)
{
	uint8_t addr[16];
	size_t len;
	if (sa->sa_family == AF_INET) {
		memcpy(addr, &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, 4);
		len = 4;
	} else if (sa->sa_family == AF_INET6) {
		memcpy(addr, &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr, 16);
		len = 16;
	} else
		return false;
	struct subject client, acl;
	char err[64];
	if (subject_from_addr(addr, len, 0, &client, err, sizeof(err)) != 0)
		return false;
	for (int i = 0; i < z->n_allow_axfr; i++) {
		if (subject_parse(z->allow_axfr[i], &acl, err, sizeof(err)) != 0
		    || acl.kind != client.kind)
			continue;
		bool match = true;
		for (unsigned b = 0; b < acl.prefix_len && match; b++) {
			uint8_t m = (uint8_t)(0x80 >> (b % 8));
			match = (acl.addr[b / 8] & m) == (client.addr[b / 8] & m);
		}
		if (match)
			return true;
	}
	return false;
}

static void
tcp_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct evbuffer *out = arg;
	uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
	evbuffer_add(out, hdr, 2);
	evbuffer_add(out, msg, len);
}

static int
axfr_each_cb(void *arg, const struct subject *s, const struct listing *l)
{
	dns_xfr_add(arg, s, l);
	return 0;
}

/* RFC 5936 4.1: the whole zone from one snapshot, over this connection.
 * The transfer works on its own copy of the zones, so reloads during a
 * long transfer cannot free them under it. */
static void
tcp_axfr(struct dns_worker *w, const struct dns_engine *shared,
    struct bufferevent *bev, const uint8_t *q, size_t qlen, uint64_t now)
{
	char err[256];
	struct dns_xfr *x = malloc(sizeof(*x));	/* rare: not the hot path */
	struct dns_engine *e = malloc(sizeof(*e));
	if (x == NULL || e == NULL ||
	    dns_engine_init(e, &shared->conf, err, sizeof(err)) != 0) {
		free(x);
		free(e);
		return;
	}
	uint32_t serial = store_serial(w->reader);
	if (dns_xfr_begin(x, e, q, qlen, serial, now, tcp_emit,
	    bufferevent_get_output(bev)) == 0) {
		if (store_each_listing(w->reader, axfr_each_cb, x) != 0)
			log_warnx("dns: AXFR %s: store read failed",
			    x->zone->conf->name);
		dns_xfr_end(x);
		log_info("dns: AXFR of %s serial %u: %llu records",
		    x->zone->conf->name, serial,
		    (unsigned long long)x->records);
		CINC(w->c.axfr);
	}
	free(x);
	free(e);
}

/* One framed query: answer it (or transfer the zone). */
static void
tcp_query(struct dns_worker *w, struct bufferevent *bev, const uint8_t *q,
    size_t qlen)
{
	const struct dns_engine *e = engine_get();
	struct dns_result res;
	uint64_t now = now_ms();
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	CINC(w->c.queries);
	CINC(w->c.tcp);
	worker_snapshot(w, e);
	size_t n = dns_answer(e, &w->src, q, qlen, w->tcp_out + 2,
	    DNS_MSG_MAX, true, now, &res);
	if (res.xfr && getpeername(bufferevent_getfd(bev),
	    (struct sockaddr *)&ss, &sl) == 0 &&
	    axfr_allowed(e->zones[res.zone].conf, (struct sockaddr *)&ss)) {
		tcp_axfr(w, e, bev, q, qlen, now);
		store_reader_end(w->reader);
		return;
	}
	store_reader_end(w->reader);
	if (res.xfr)
		CINC(w->c.axfr_refused);
	count_answer(w, &res);
	if (n == 0)
		return;
	w->tcp_out[0] = (uint8_t)(n >> 8);
	w->tcp_out[1] = (uint8_t)n;
	bufferevent_write(bev, w->tcp_out, n + 2);
}

static void
dns_server_tcp_read_cb(struct bufferevent *bev, void *arg)
{
	struct dns_worker *w = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t hdr[2];

	while (evbuffer_copyout(in, hdr, 2) == 2) {
		size_t len = (size_t)hdr[0] << 8 | hdr[1];
		if (evbuffer_get_length(in) < len + 2)
			break;
		if (evbuffer_get_length(bufferevent_get_output(bev)) >
		    TCP_OUT_MAX)
			break;	/* the client is not reading: wait */
		uint8_t *msg = evbuffer_pullup(in, (ssize_t)len + 2);
		if (msg == NULL)
			break;
		tcp_query(w, bev, msg + 2, len);
		evbuffer_drain(in, len + 2);
	}
}

static void
dns_server_tcp_write_cb(struct bufferevent *bev, void *arg)
{
	/* output drained: answer what was held back */
	if (evbuffer_get_length(bufferevent_get_input(bev)) >= 2)
		dns_server_tcp_read_cb(bev, arg);
}

static void
dns_server_tcp_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		bufferevent_free(bev);
}

static void
dns_server_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct dns_worker *w = arg;
	struct bufferevent *bev = bufferevent_socket_new(w->base, fd,
	    BEV_OPT_CLOSE_ON_FREE);
	struct timeval idle = { TCP_IDLE_S, 0 };
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, dns_server_tcp_read_cb, dns_server_tcp_write_cb,
	    dns_server_tcp_event_cb, w);
	bufferevent_set_timeouts(bev, &idle, &idle);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* ---- workers ---- */

static void *
worker_main(void *arg)
{
	struct dns_worker *w = arg;
	event_base_dispatch(w->base);
	return NULL;
}

static void
worker_free(struct dns_worker *w)
{
	for (int i = 0; i < w->n_fds; i++) {
		if (w->udp_ev[i])
			event_free(w->udp_ev[i]);
		if (w->listener[i])
			evconnlistener_free(w->listener[i]);	/* closes tcp */
		else if (w->tcp[i] >= 0)
			close(w->tcp[i]);
		if (w->udp[i] >= 0)
			close(w->udp[i]);
	}
	w->n_fds = 0;
	if (w->base)
		event_base_free(w->base);
	w->base = NULL;
	store_reader_free(w->reader);
	w->reader = NULL;
	dns_cache_free(w->cache);
	w->cache = NULL;
}

static int
worker_init(struct dns_worker *w, int id, const struct node_conf *conf,
    char *err, size_t errlen)
{
	w->id = id;
	if ((w->base = event_base_new()) == NULL ||
	    (w->reader = store_reader_new(srv.st)) == NULL ||
	    (conf->dns_cache > 0 &&
	    (w->cache = dns_cache_new(conf->dns_cache)) == NULL)) {
		snprintf(err, errlen, "dns worker %d: out of memory", id);
		return -1;
	}
	dns_source_store(&w->src, w->reader);
	w->src.cache = w->cache;
	for (int i = 0; i < conf->n_dns_listen; i++) {
		const struct conf_addr *a = &conf->dns_listen[i];
		w->udp[i] = w->tcp[i] = -1;
		w->n_fds = i + 1;
		if ((w->udp[i] = sock_bind(a, SOCK_DGRAM, err, errlen)) < 0 ||
		    (w->tcp[i] = sock_bind(a, SOCK_STREAM, err, errlen)) < 0)
			return -1;
		w->udp_ev[i] = event_new(w->base, w->udp[i],
		    EV_READ | EV_PERSIST, dns_server_udp_cb, w);
		w->listener[i] = evconnlistener_new(w->base,
		    dns_server_accept_cb, w, LEV_OPT_CLOSE_ON_FREE, -1,
		    w->tcp[i]);
		if (w->udp_ev[i] == NULL || w->listener[i] == NULL ||
		    event_add(w->udp_ev[i], NULL) != 0) {
			snprintf(err, errlen, "dns worker %d: libevent setup "
			    "failed", id);
			return -1;
		}
	}
	return 0;
}

/* ---- NOTIFY (main thread) ---- */

static void
notify_send(struct notify_slot *s, uint64_t now)
{
	const struct dns_engine *e = engine_get();
	uint8_t msg[1024];
	size_t n = dns_notify_build(e, s->zone, s->id, s->serial, msg,
	    sizeof(msg));
	int fd = s->to.ss_family == AF_INET6 ? srv.notify_fd6 : srv.notify_fd;
	if (n == 0 || sendto(fd, msg, n, 0, (struct sockaddr *)&s->to,
	    s->tolen) < 0)
		log_warn("dns: NOTIFY for %s", e->zones[s->zone].conf->name);
	s->tries++;
	s->sent_ms = now;
	srv.notify_sent++;
}

/* RFC 1996 3.6: "the Master sends a NOTIFY ... to each Slave"; one slot
 * per secondary, retried until answered. */
static void
notify_zone(int zone, uint32_t serial, uint64_t now)
{
	const struct conf_zone *z = engine_get()->zones[zone].conf;
	for (int i = 0; i < z->n_notify; i++) {
		struct notify_slot *s = NULL;
		for (size_t k = 0; k < sizeof(srv.slots) / sizeof(srv.slots[0]);
		    k++)
			if (!srv.slots[k].used) {
				s = &srv.slots[k];
				break;
			}
		if (s == NULL)
			return;
		memset(s, 0, sizeof(*s));
		if (addr_resolve(&z->notify[i], &s->to, &s->tolen) != 0 ||
		    (s->to.ss_family == AF_INET6 && srv.notify_fd6 < 0)) {
			log_warnx("dns: NOTIFY for %s: cannot send to %s",
			    z->name, z->notify[i].host);
			continue;
		}
		s->used = true;
		s->zone = zone;
		s->serial = serial;
		s->id = (uint16_t)random();
		notify_send(s, now);
	}
	srv.last_notify[zone] = now;
	srv.pending[zone] = false;
}

static void
dns_server_notify_read_cb(evutil_socket_t fd, short what, void *arg)
{
	uint8_t buf[512];
	ssize_t n;
	struct sockaddr_storage from;
	socklen_t fl = sizeof(from);
	/* an answer closes the slot with its ID, if it came from the
	 * secondary the NOTIFY went to */
	while ((n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT,
	    (struct sockaddr *)&from, &fl)) >= 12) {
		uint16_t id = (uint16_t)(buf[0] << 8 | buf[1]);
		for (size_t k = 0; k < sizeof(srv.slots) / sizeof(srv.slots[0]);
		    k++) {
			struct notify_slot *s = &srv.slots[k];
			if (s->used && s->id == id && (buf[2] & 0x80) &&
			    fl == s->tolen && memcmp(&from, &s->to, fl) == 0)
				s->used = false;
		}
		fl = sizeof(from);
	}
}

static void
dns_server_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	const struct dns_engine *e = engine_get();
	uint64_t now = now_ms();
	uint32_t serial;

	if (store_reader_begin(srv.reader) != 0)
		return;
	serial = store_serial(srv.reader);
	store_reader_end(srv.reader);
	if (srv.serial_known && serial != srv.serial)
		for (int z = 0; z < e->n_zones; z++)
			srv.pending[z] = e->zones[z].conf->n_notify > 0;
	srv.serial = serial;
	srv.serial_known = true;
	for (int z = 0; z < e->n_zones; z++)
		if (srv.pending[z] && now - srv.last_notify[z] >= NOTIFY_EVERY_MS)
			notify_zone(z, serial, now);
	for (size_t k = 0; k < sizeof(srv.slots) / sizeof(srv.slots[0]); k++) {
		struct notify_slot *s = &srv.slots[k];
		if (s->used && now - s->sent_ms >= 2000)
			s->tries < NOTIFY_TRIES ? notify_send(s, now) :
			    (void)(s->used = false);
	}
}

/* A NOTIFY socket of one family and its event (answers close slots). A
 * host without IPv6 gets none for it: -1, and IPv6 secondaries are
 * skipped with a warning. */
static int
notify_socket(int family, struct event **ev)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	*ev = event_new(srv.main_base, fd, EV_READ | EV_PERSIST,
	    dns_server_notify_read_cb, NULL);
	if (*ev == NULL || event_add(*ev, NULL) != 0) {
		if (*ev)
			event_free(*ev);
		*ev = NULL;
		close(fd);
		return -1;
	}
	return fd;
}

static int
notify_init(char *err, size_t errlen)
{
	struct timeval one = { 1, 0 };
	srv.notify_fd = notify_socket(AF_INET, &srv.notify_ev);
	srv.notify_fd6 = notify_socket(AF_INET6, &srv.notify_ev6);
	if (srv.notify_fd < 0 ||
	    (srv.reader = store_reader_new(srv.st)) == NULL) {
		snprintf(err, errlen, "dns: notify setup: %s", strerror(errno));
		return -1;
	}
	srv.timer = event_new(srv.main_base, -1, EV_PERSIST,
	    dns_server_timer_cb, NULL);
	if (srv.timer == NULL || event_add(srv.timer, &one) != 0) {
		snprintf(err, errlen, "dns: notify setup: libevent failed");
		return -1;
	}
	return 0;
}

/* ---- entry points ---- */

/* For a conf that names no thread count (the parser's default is 2): one
 * worker per core, 2 to 8. On two cores shared with dnsperf, two workers
 * answered 4-10% more than one, at half the latency (docs/DNS.md). */
static int
default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n <= 2 ? 2 : n > 8 ? 8 : (int)n;
}

int
dns_server_start(struct event_base *main_base, struct store *st,
    const struct node_conf *conf, char *err, size_t errlen)
{
	if (srv.running) {
		snprintf(err, errlen, "dns server already running");
		return -1;
	}
	evthread_use_pthreads();
	srv.main_base = main_base;
	srv.st = st;
	dns_rrl_init(&srv.rrl, conf->rrl_limit, RRL_SLIP);
	srv.engine = calloc(1, sizeof(*srv.engine));
	if (srv.engine == NULL || dns_engine_init(srv.engine, conf, err,
	    errlen) != 0)
		goto fail;
	srv.n_workers = conf->dns_threads > 0 ? conf->dns_threads :
	    default_workers();
	srv.workers = calloc((size_t)srv.n_workers, sizeof(*srv.workers));
	if (srv.workers == NULL) {
		snprintf(err, errlen, "dns: out of memory");
		goto fail;
	}
	srv.running = true;	/* from here dns_server_stop cleans up */
	for (int i = 0; i < srv.n_workers; i++)
		if (worker_init(&srv.workers[i], i, conf, err, errlen) != 0)
			goto fail;
	if (notify_init(err, errlen) != 0)
		goto fail;
	for (int i = 0; i < srv.n_workers; i++)
		if (pthread_create(&srv.workers[i].thread, NULL, worker_main,
		    &srv.workers[i]) != 0) {
			snprintf(err, errlen, "dns: pthread_create failed");
			goto fail;
		} else
			srv.workers[i].started = true;
	log_info("dns: %d zones, %d listen addresses, %d workers",
	    srv.engine->n_zones, conf->n_dns_listen, srv.n_workers);
	return 0;
fail:
	dns_server_stop();
	free(srv.engine);
	srv.engine = NULL;
	return -1;
}

int
dns_server_reload(const struct node_conf *conf, char *err, size_t errlen)
{
	if (!srv.running)
		return 0;
	struct dns_engine *e = calloc(1, sizeof(*e));
	if (e == NULL || dns_engine_init(e, conf, err, errlen) != 0) {
		free(e);
		return -1;
	}
	/* keep the listen addresses and threads; take zones and limits */
	free(srv.old_engine);
	srv.old_engine = srv.engine;
	__atomic_store_n(&srv.engine, e, __ATOMIC_RELEASE);
	__atomic_store_n(&srv.rrl.limit, conf->rrl_limit, __ATOMIC_RELAXED);
	log_info("dns: reloaded, %d zones", e->n_zones);
	return 0;
}

void
dns_server_stop(void)
{
	if (!srv.running)
		return;
	for (int i = 0; i < srv.n_workers; i++) {
		struct dns_worker *w = &srv.workers[i];
		if (w->started) {
			event_base_loopbreak(w->base);
			pthread_join(w->thread, NULL);
		}
		worker_free(w);
	}
	free(srv.workers);
	srv.workers = NULL;
	if (srv.timer)
		event_free(srv.timer);
	if (srv.notify_ev)
		event_free(srv.notify_ev);
	if (srv.notify_ev6)
		event_free(srv.notify_ev6);
	if (srv.notify_fd >= 0)
		close(srv.notify_fd);
	if (srv.notify_fd6 >= 0)
		close(srv.notify_fd6);
	store_reader_free(srv.reader);
	free(srv.old_engine);
	free(srv.engine);
	struct event_base *b = srv.main_base;
	memset(&srv, 0, sizeof(srv));
	srv.notify_fd = srv.notify_fd6 = -1;
	srv.main_base = b;
}

void
dns_server_counters(struct dns_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < srv.n_workers && srv.workers; i++) {
		const struct dns_counters *c = &srv.workers[i].c;
		out->queries += CGET(c->queries);
		for (int r = 0; r < DNS_R_COUNT; r++)
			out->rcode[r] += CGET(c->rcode[r]);
		out->dropped += CGET(c->dropped);
		out->rrl_dropped += CGET(c->rrl_dropped);
		out->rrl_slipped += CGET(c->rrl_slipped);
		out->truncated += CGET(c->truncated);
		out->tcp += CGET(c->tcp);
		out->axfr += CGET(c->axfr);
		out->axfr_refused += CGET(c->axfr_refused);
		out->cache_hits += CGET(c->cache_hits);
		out->cache_misses += CGET(c->cache_misses);
		for (int b = 0; b < DNS_LATENCY_BUCKETS; b++)
			out->latency[b] += CGET(c->latency[b]);
		out->latency_sum_us += CGET(c->latency_sum_us);
	}
	out->notify_sent = srv.notify_sent;
}

/* The UDP answer time histogram (Prometheus: cumulative buckets). */
static void
dns_latency_metrics(const struct dns_counters *c, struct evbuffer *out)
{
	const char *name = "reputed_dns_answer_seconds";
	uint64_t cum = 0;
	char le[32];

	prom_family(out, name, PROM_HISTOGRAM, "UDP answers by the time from "
	    "receipt to the reply sent.");
	for (int b = 0; b < DNS_LATENCY_BUCKETS - 1; b++) {
		cum += c->latency[b];
		snprintf(le, sizeof(le), "%g", dns_latency_le_us[b] / 1e6);
		prom_sample(out, "reputed_dns_answer_seconds_bucket", "le", le,
		    cum);
	}
	cum += c->latency[DNS_LATENCY_BUCKETS - 1];
	prom_sample(out, "reputed_dns_answer_seconds_bucket", "le", "+Inf",
	    cum);
	prom_value(out, "reputed_dns_answer_seconds_sum",
	    c->latency_sum_us / 1e6);
	prom_sample(out, "reputed_dns_answer_seconds_count", NULL, NULL, cum);
}

void
dns_server_metrics(void *arg, struct evbuffer *out)
{
	struct dns_counters c;
	static const int shown[] = { DNS_R_NOERROR, DNS_R_FORMERR,
	    DNS_R_SERVFAIL, DNS_R_NXDOMAIN, DNS_R_NOTIMP, DNS_R_REFUSED,
	    DNS_R_BADVERS };

	dns_server_counters(&c);
	const struct {
		const char *name, *help;
		uint64_t v;
	} m[] = {
		{ "reputed_dns_dropped_total",
		  "DNS messages dropped unanswered (malformed, not a query).",
		  c.dropped },
		{ "reputed_dns_rrl_dropped_total",
		  "Answers dropped by response rate limiting.", c.rrl_dropped },
		{ "reputed_dns_rrl_slipped_total",
		  "Answers sent truncated by response rate limiting (slip).",
		  c.rrl_slipped },
		{ "reputed_dns_truncated_total",
		  "UDP answers truncated (TC) to fit the message size.",
		  c.truncated },
		{ "reputed_dns_tcp_queries_total", "DNS queries over TCP.",
		  c.tcp },
		{ "reputed_dns_axfr_total", "Zone transfers (AXFR, IXFR) served.",
		  c.axfr },
		{ "reputed_dns_cache_hits_total",
		  "Answers from the answer cache.", c.cache_hits },
		{ "reputed_dns_cache_misses_total",
		  "Answers looked up in the store (not in the cache).",
		  c.cache_misses },
		{ "reputed_dns_axfr_refused_total",
		  "Zone transfers refused (not allowed by the ACL).",
		  c.axfr_refused },
		{ "reputed_dns_notify_sent_total",
		  "NOTIFY messages sent to secondaries.", c.notify_sent },
	};

	prom_u64(out, "reputed_dns_queries_total", PROM_COUNTER,
	    "DNS queries received.", c.queries);
	prom_family(out, "reputed_dns_responses_total", PROM_COUNTER,
	    "DNS answers sent, by response code.");
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
		prom_sample(out, "reputed_dns_responses_total", "rcode",
		    dns_rcode_name(shown[i]), c.rcode[shown[i]]);
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		prom_u64(out, m[i].name, PROM_COUNTER, m[i].help, m[i].v);
	dns_latency_metrics(&c, out);
}
