/*
 * resolver_unbound.c: the resolver interface over libunbound, driven by
 * the caller's libevent loop (ub_ctx_create_event / ub_resolve_event).
 * libevent 2.1's evdns cannot ask for TXT or MX records; libunbound can.
 *
 * Each query carries its own timer: when it fires first, the caller gets
 * DNS_TEMPFAIL at once and unbound's late answer is dropped when it
 * comes. Queries still outstanding when the resolver is freed are freed
 * with it (ub_ctx_delete never calls back). The answer packet is parsed
 * by resolver_wire.c into a per-query buffer that lives only for the
 * callback.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unbound.h>
#include <unbound-event.h>

#include "feeds/feeds.h"

#define UB_RR_MAX	256
#define UB_BUF		65536

struct ub_query;

struct ub_res {
	struct ub_ctx	*ctx;		/* owned */
	struct event_base *base;	/* borrowed */
	unsigned	 timeout_ms;
	unsigned	 inflight;	/* queries the caller still waits for */
	struct ub_query	*live;		/* every query unbound still holds */
};

struct ub_query {
	struct ub_res	*r;
	enum dns_type	 type;
	resolver_done_cb cb;
	void		*arg;
	struct event	*timer;		/* owned */
	bool		 timed_out;	/* the caller already has TEMPFAIL */
	struct ub_query	*prev, *next;
};

static void
ubq_unlink(struct ub_query *q)
{
	if (q->prev)
		q->prev->next = q->next;
	else
		q->r->live = q->next;
	if (q->next)
		q->next->prev = q->prev;
}

static void
ubq_free(struct ub_query *q)
{
	if (q->timer)
		event_free(q->timer);
	free(q);
}

static void
ubq_deliver(struct ub_query *q, const struct dns_answer *ans)
{
	q->r->inflight--;
	q->cb(q->arg, ans);
}

static void
resolver_unbound_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	static const struct dns_answer timeout = { DNS_TEMPFAIL, 0, NULL };
	struct ub_query *q = arg;

	q->timed_out = true;
	ubq_deliver(q, &timeout);
}

static void
resolver_unbound_answer_cb(void *arg, int rcode, void *packet, int len,
    int sec, char *why_bogus, int was_ratelimited)
{
	struct ub_query *q = arg;
	struct dns_answer ans = { DNS_TEMPFAIL, 0, NULL };
	struct dns_rr *rr = NULL;
	uint8_t *buf = NULL;

	ubq_unlink(q);
	if (q->timed_out) {
		ubq_free(q);
		return;
	}
	if (q->timer)
		event_del(q->timer);
	if (rcode == 3)
		ans.status = DNS_NXDOMAIN;
	else if (rcode == 0 && packet != NULL && sec != 1 &&
	    (rr = calloc(UB_RR_MAX, sizeof(*rr))) != NULL &&
	    (buf = malloc(UB_BUF)) != NULL &&
	    resolver_wire_parse(packet, len, q->type, rr, UB_RR_MAX, buf,
	    UB_BUF, &ans) == -1)
		ans.status = DNS_TEMPFAIL;
	ubq_deliver(q, &ans);
	free(rr);
	free(buf);
	ubq_free(q);
}

/* Escapes what libunbound's text parser would read as syntax. */
static int
ub_name(const char *name, char *out, size_t outlen)
{
	size_t n = 0;

	for (; *name; name++) {
		unsigned char c = *name;
		if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '"' ||
		    c == '(' || c == ')' || c == ';') {
			if (n + 5 >= outlen)
				return -1;
			n += snprintf(out + n, outlen - n, "\\%03u", c);
		} else {
			if (n + 2 >= outlen)
				return -1;
			out[n++] = c;
		}
	}
	out[n] = '\0';
	return 0;
}

static int
ub_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct ub_res *r = impl;
	struct ub_query *q = calloc(1, sizeof(*q));
	char text[4 * SPF_DOMAIN_MAX + 8];
	int id;

	if (q == NULL || ub_name(name, text, sizeof(text)) == -1)
		goto fail;
	q->r = r;
	q->type = type;
	q->cb = cb;
	q->arg = arg;
	if (r->timeout_ms) {
		struct timeval tv = { r->timeout_ms / 1000,
		    (r->timeout_ms % 1000) * 1000 };
		q->timer = evtimer_new(r->base, resolver_unbound_timeout_cb, q);
		if (q->timer == NULL || evtimer_add(q->timer, &tv) == -1)
			goto fail;
	}
	q->next = r->live;
	if (r->live)
		r->live->prev = q;
	r->live = q;
	r->inflight++;
	if (ub_resolve_event(r->ctx, text, type, 1, q,
	    resolver_unbound_answer_cb, &id) != 0) {
		r->inflight--;
		ubq_unlink(q);
		goto fail;
	}
	return 0;
fail:
	if (q)
		ubq_free(q);
	return -1;
}

static void
ub_free(void *impl)
{
	struct ub_res *r = impl;
	struct ub_query *q, *next;

	if (r == NULL)
		return;
	if (r->ctx)
		ub_ctx_delete(r->ctx);
	for (q = r->live; q; q = next) {
		next = q->next;
		ubq_free(q);
	}
	free(r);
}

static const struct resolver_ops ub_ops = { ub_query, ub_free };

/* "host:port", "host@port", "[v6]:port", "host" -> "host@port" */
static int
ub_server(const char *server, char *out, size_t outlen)
{
	const char *colon = strrchr(server, ':');

	if (server[0] == '[') {
		const char *close = strchr(server, ']');
		if (close == NULL)
			return -1;
		snprintf(out, outlen, "%.*s%s%s", (int)(close - server - 1),
		    server + 1, close[1] == ':' ? "@" : "",
		    close[1] == ':' ? close + 2 : "");
	} else if (colon && strchr(server, ':') == colon)
		snprintf(out, outlen, "%.*s@%s", (int)(colon - server), server,
		    colon + 1);
	else
		snprintf(out, outlen, "%s", server);
	return 0;
}

/*
 * The zones libunbound serves itself by default (RFC 6303 locally served
 * zones, RFC 6761 special names, the documentation prefixes; unbound.conf(5)
 * "local-zone"). Without a server named, that is what a stub wants. With
 * a server named (an ISP's own resolver, which does serve its private
 * reverse zones), every question goes to it: SPF's ptr mechanism and the
 * %{p} macro depend on those reverse zones.
 */
static const char *const ub_default_zones[] = {
	"localhost.", "127.in-addr.arpa.", "home.arpa.", "onion.", "test.",
	"invalid.", "10.in-addr.arpa.", "168.192.in-addr.arpa.",
	"0.in-addr.arpa.", "254.169.in-addr.arpa.", "2.0.192.in-addr.arpa.",
	"100.51.198.in-addr.arpa.", "113.0.203.in-addr.arpa.",
	"255.255.255.255.in-addr.arpa.",
	"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa.",
	"d.f.ip6.arpa.", "8.e.f.ip6.arpa.", "9.e.f.ip6.arpa.",
	"a.e.f.ip6.arpa.", "b.e.f.ip6.arpa.", "8.b.d.0.1.0.0.2.ip6.arpa.",
};

/* Removes every default local zone (172.16-31 and 100.64-127 too). This
 * finalizes the context: every option must be set before. The option
 * `local-zone: NAME nodefault` set through ub_ctx_set_option does not
 * reach the defaults in libunbound 1.17 (they were still served). */
static int
ub_no_local_zones(struct ub_ctx *ctx)
{
	char zone[32];
	int rc;

	for (size_t i = 0; i < sizeof(ub_default_zones) /
	    sizeof(ub_default_zones[0]); i++)
		if ((rc = ub_ctx_zone_remove(ctx, ub_default_zones[i])) != 0)
			return rc;
	for (int o = 16; o <= 31; o++) {
		snprintf(zone, sizeof(zone), "%d.172.in-addr.arpa.", o);
		if ((rc = ub_ctx_zone_remove(ctx, zone)) != 0)
			return rc;
	}
	for (int o = 64; o <= 127; o++) {
		snprintf(zone, sizeof(zone), "%d.100.in-addr.arpa.", o);
		if ((rc = ub_ctx_zone_remove(ctx, zone)) != 0)
			return rc;
	}
	return 0;
}

static int	ub_setup_ctx(struct ub_ctx *, const char *, const char *,
		    const char *, char *, size_t);

static int
ub_setup(struct ub_res *r, const char *server, char *err, size_t errlen)
{
	return ub_setup_ctx(r->ctx, server, NULL, NULL, err, errlen);
}

static int
ub_setup_ctx(struct ub_ctx *ctx, const char *server, const char *stub_zone,
    const char *stub_server, char *err, size_t errlen)
{
	char addr[128];
	int rc;

	if (stub_zone != NULL) {
		if (ub_server(stub_server, addr, sizeof(addr)) == -1) {
			snprintf(err, errlen, "bad server address %s", stub_server);
			return -1;
		}
		if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:",
		    "no")) != 0 ||
		    (rc = ub_ctx_set_stub(ctx, stub_zone, addr, 0)) != 0) {
			snprintf(err, errlen, "stub %s at %s: %s", stub_zone,
			    stub_server, ub_strerror(rc));
			return -1;
		}
	}
	if (server == NULL) {
		if ((rc = ub_ctx_resolvconf(ctx, NULL)) != 0) {
			snprintf(err, errlen, "resolv.conf: %s", ub_strerror(rc));
			return -1;
		}
		return 0;
	}
	if (ub_server(server, addr, sizeof(addr)) == -1) {
		snprintf(err, errlen, "bad server address %s", server);
		return -1;
	}
	/* A local test server is on loopback, which unbound skips unless
	 * told otherwise; forwarding lets an authoritative server answer. */
	if ((rc = ub_ctx_set_option(ctx, "do-not-query-localhost:", "no")) != 0 ||
	    (rc = ub_ctx_set_option(ctx, "qname-minimisation:", "no")) != 0 ||
	    (rc = ub_ctx_set_fwd(ctx, addr)) != 0 ||
	    (rc = ub_no_local_zones(ctx)) != 0) {
		snprintf(err, errlen, "server %s: %s", server, ub_strerror(rc));
		return -1;
	}
	return 0;
}

struct resolver *
resolver_unbound_new(struct event_base *base, const char *server,
    unsigned timeout_ms, char *err, size_t errlen)
{
	struct ub_res *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->base = base;
	r->timeout_ms = timeout_ms;
	if ((r->ctx = ub_ctx_create_event(base)) == NULL) {
		snprintf(err, errlen, "ub_ctx_create_event failed");
		free(r);
		return NULL;
	}
	if (ub_setup(r, server, err, errlen) == -1) {
		ub_free(r);
		return NULL;
	}
	struct resolver *res = resolver_new(&ub_ops, r);
	if (res == NULL)
		snprintf(err, errlen, "out of memory");
	return res;
}

unsigned
resolver_unbound_inflight(const struct resolver *res)
{
	const struct ub_res *r = resolver_impl(res);

	return r->inflight;
}

/* ---- the synchronous variant, for threads (reputed-milter) ---- */

/* One shared context: libunbound serialises ub_resolve on it itself. */
struct ub_sync {
	struct ub_ctx	*ctx;		/* owned */
};

static int
ub_sync_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct ub_sync *u = impl;
	struct dns_answer ans = { DNS_TEMPFAIL, 0, NULL };
	struct ub_result *result = NULL;
	struct dns_rr *rr = NULL;
	uint8_t *buf = NULL;
	char text[4 * SPF_DOMAIN_MAX + 8];

	if (ub_name(name, text, sizeof(text)) == -1)
		return -1;
	if (ub_resolve(u->ctx, text, type, 1, &result) != 0 || result == NULL)
		goto deliver;
	if (result->rcode == 3)
		ans.status = DNS_NXDOMAIN;
	else if (result->rcode == 0 && result->answer_packet != NULL &&
	    !result->bogus &&
	    (rr = calloc(UB_RR_MAX, sizeof(*rr))) != NULL &&
	    (buf = malloc(UB_BUF)) != NULL &&
	    resolver_wire_parse(result->answer_packet, result->answer_len,
	    type, rr, UB_RR_MAX, buf, UB_BUF, &ans) == -1)
		ans.status = DNS_TEMPFAIL;
deliver:
	cb(arg, &ans);
	free(rr);
	free(buf);
	if (result != NULL)
		ub_resolve_free(result);
	return 0;
}

static void
ub_sync_free(void *impl)
{
	struct ub_sync *u = impl;

	if (u == NULL)
		return;
	if (u->ctx)
		ub_ctx_delete(u->ctx);
	free(u);
}

static const struct resolver_ops ub_sync_ops = { ub_sync_query, ub_sync_free };

struct resolver *
resolver_unbound_sync_new(const char *server, const char *stub_zone,
    const char *stub_server, unsigned timeout_ms, char *err, size_t errlen)
{
	struct ub_sync *u = calloc(1, sizeof(*u));
	char rtt[16];
	int rc;

	if (u == NULL || (u->ctx = ub_ctx_create()) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(u);
		return NULL;
	}
	snprintf(rtt, sizeof(rtt), "%u", timeout_ms ? timeout_ms : 2000);
	if ((rc = ub_ctx_set_option(u->ctx, "infra-cache-max-rtt:", rtt)) != 0) {
		snprintf(err, errlen, "infra-cache-max-rtt: %s", ub_strerror(rc));
		ub_sync_free(u);
		return NULL;
	}
	if (ub_setup_ctx(u->ctx, server, stub_zone, stub_server, err,
	    errlen) == -1) {
		ub_sync_free(u);
		return NULL;
	}
	struct resolver *res = resolver_new(&ub_sync_ops, u);
	if (res == NULL)
		snprintf(err, errlen, "out of memory");
	return res;
}
