/*
 * policy_server.c: the libevent shell of the Postfix policy service.
 * One listener (TCP on loopback, or a Unix socket); per connection one
 * bufferevent, requests taken one at a time (the next waits in the input
 * buffer while one is answered, so pipelined requests are answered in
 * order). Per request:
 * the listings of the client address, the HELO name and the MAIL FROM
 * domain from the store (policy_lookup.c), then check_host() for MAIL
 * FROM and HELO over libunbound on this loop, driven here step by step
 * (as mailcheck.c does) so that a stop can free every evaluation; then
 * policy_decide() (policy.c) and the answer.
 *
 * Limits: max-line bytes per line and max-attributes lines per request
 * (a request larger than their product is refused before it ends),
 * idle-timeout on a silent connection, max-connections at once, and the
 * sender-id: deadline per evaluation. A bad request is logged and its
 * connection closed: Postfix then takes its default action.
 *
 * Owns: the listener, the resolver, the connections and the running
 * evaluations. Borrows: the store and the configuration.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "node/log.h"
#include "node/mta/policy.h"
#include "node/mta/policy_server.h"
#include "node/prom.h"
#include "node/node.h"

struct pconn;

/* One check_host() for one identity of one request. */
struct pjob {
	struct pconn	*c;
	struct policy_spf *dst;		/* in c->facts */
	struct spf_eval	*ev;		/* owned */
	struct timespec	 start;
	bool		 in_query, answered;
	struct pjob	*prev, *next;	/* ps->jobs */
};

struct pconn {
	struct policy_server *ps;
	struct bufferevent *bev;	/* NULL once the client went away */
	struct policy_request req;
	struct policy_facts facts;
	unsigned	 pending;	/* evaluations running */
	bool		 busy;		/* a request is being answered */
	bool		 in_process;	/* inside conn_process */
	size_t		 scanned;	/* input searched for the end */
	char		 last_instance[POLICY_INSTANCE_MAX];
	struct pconn	*prev, *next;	/* ps->conns */
};

struct policy_server {
	struct event_base *base;
	const struct node_conf *conf;
	const struct mta_conf *m;
	char		 receiver[256];
	unsigned	 deadline_ms;
	struct policy_lookup *lookup;	/* owned */
	struct resolver	*res;		/* owned */
	struct evconnlistener *listener;	/* owned */
	struct pconn	*conns;
	unsigned	 nconns;
	struct pjob	*jobs;
	/* counters for /metrics */
	uint64_t	 requests, bad, refused, verdicts[POLICY_VERDICTS];
	uint64_t	 spf[SPF_PERMERROR + 1];
};

static void	conn_process(struct pconn *);

/* ---- connections ---- */

static void
conn_unlink_free(struct pconn *c)
{
	struct policy_server *ps = c->ps;

	if (c->prev)
		c->prev->next = c->next;
	else
		ps->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	ps->nconns--;
	free(c);
}

/* Closes the socket; the struct goes when no evaluation points to it. */
static void
conn_close(struct pconn *c)
{
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->pending == 0)
		conn_unlink_free(c);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
conn_answer(struct pconn *c)
{
	struct policy_server *ps = c->ps;
	char action[POLICY_ACTION_MAX];
	enum policy_verdict v;

	v = policy_decide(ps->m, ps->receiver, &c->req, &c->facts, action,
	    sizeof(action));
	ps->verdicts[v]++;
	if (v == POLICY_PREPEND)
		memcpy(c->last_instance, c->req.instance, sizeof(c->last_instance));
	if (v != POLICY_PREPEND && v != POLICY_DUNNO)
		log_info("smtpd-policy: %s from %s helo %s sender <%s>: %s",
		    policy_verdict_name(v), c->req.client_address,
		    c->req.helo_name, c->req.sender, action + 7);
	evbuffer_add_printf(bufferevent_get_output(c->bev), "%s\n\n", action);
	c->busy = false;
	if (!c->in_process)
		conn_process(c);
}

/* ---- SPF evaluations ---- */

static void	job_drive(struct pjob *);

static void
job_unlink_free(struct pjob *j)
{
	struct policy_server *ps = j->c->ps;

	if (j->prev)
		j->prev->next = j->next;
	else
		ps->jobs = j->next;
	if (j->next)
		j->next->prev = j->prev;
	spf_eval_free(j->ev);
	free(j);
}

static void
job_done(struct pjob *j)
{
	const struct spf_outcome *o = spf_eval_outcome(j->ev);
	struct policy_spf *d = j->dst;
	struct pconn *c = j->c;

	d->result = o->result;
	snprintf(d->explanation, sizeof(d->explanation), "%s", o->explanation);
	snprintf(d->problem, sizeof(d->problem), "%s", o->problem);
	snprintf(d->mechanism, sizeof(d->mechanism), "%s", o->mechanism);
	c->ps->spf[o->result]++;
	job_unlink_free(j);
	if (--c->pending > 0)
		return;
	if (c->bev == NULL)
		conn_unlink_free(c);
	else
		conn_answer(c);
}

static void
job_answer_cb(void *arg, const struct dns_answer *ans)
{
	struct pjob *j = arg;

	spf_eval_answer(j->ev, ans);
	j->answered = true;
	if (!j->in_query)
		job_drive(j);
}

/* RFC 7208 4.6.4: the elapsed-time limit, checked before each query. */
static bool
job_expired(struct pjob *j)
{
	struct timespec now;
	unsigned long ms;
	char why[80];

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ms = (now.tv_sec - j->start.tv_sec) * 1000 +
	    (now.tv_nsec - j->start.tv_nsec) / 1000000;
	if (ms <= j->c->ps->deadline_ms)
		return false;
	snprintf(why, sizeof(why), "evaluation took longer than %u ms",
	    j->c->ps->deadline_ms);
	spf_eval_abort(j->ev, why);
	return true;
}

static void
job_drive(struct pjob *j)
{
	static const struct dns_answer failed = { DNS_TEMPFAIL, 0, NULL };
	struct spf_query q;

	for (;;) {
		if (spf_eval_step(j->ev, &q) == SPF_STEP_DONE || job_expired(j)) {
			job_done(j);
			return;
		}
		j->answered = false;
		j->in_query = true;
		if (resolver_query(j->c->ps->res, q.name, q.type, job_answer_cb,
		    j) == -1) {
			spf_eval_answer(j->ev, &failed);
			j->answered = true;
		}
		j->in_query = false;
		if (!j->answered)
			return;
	}
}

/* Starts check_host() for one identity; its result lands in dst. A
 * request the evaluator refuses (a bad address) leaves dst unchecked. */
static void
job_start(struct pconn *c, struct policy_spf *dst, enum spf_scope scope)
{
	struct policy_server *ps = c->ps;
	struct spf_request r = {
		.ip = c->req.client_address,
		.sender = scope == SPF_SCOPE_MFROM ? c->req.sender : "",
		.helo = c->req.helo_name, .receiver = ps->receiver,
		.scope = scope, .max_ms = ps->deadline_ms,
	};
	struct pjob *j = calloc(1, sizeof(*j));
	char err[128];

	if (j == NULL || (j->ev = spf_eval_new(&r, err, sizeof(err))) == NULL) {
		free(j);
		return;
	}
	j->c = c;
	j->dst = dst;
	dst->checked = true;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &j->start);
	j->next = ps->jobs;
	if (ps->jobs)
		ps->jobs->prev = j;
	ps->jobs = j;
	c->pending++;
	job_drive(j);
}

/* ---- one request ---- */

static void
conn_lookup(struct pconn *c, const char *what, const char *name,
    struct policy_listing *out, bool domain)
{
	struct policy_lookup *pl = c->ps->lookup;
	uint64_t now = now_ms();

	if ((domain ? policy_lookup_domain(pl, name, now, out) :
	    policy_lookup_addr(pl, name, now, out)) == -1)
		log_debug("smtpd-policy: no lookup for %s %s", what, name);
}

static void
conn_start(struct pconn *c)
{
	struct policy_facts *f = &c->facts;
	const char *at;

	c->busy = true;
	memset(f, 0, sizeof(*f));
	f->prepended = c->req.instance[0] != '\0' &&
	    strcmp(c->req.instance, c->last_instance) == 0;
	if (c->req.client_address[0] != '\0')
		conn_lookup(c, "client", c->req.client_address, &f->client, false);
	if (!(f->client.listed && c->ps->m->reject_listed)) {
		if (policy_wants_helo(&c->req)) {
			conn_lookup(c, "helo", c->req.helo_name, &f->helo, true);
			snprintf(f->spf_helo.domain, sizeof(f->spf_helo.domain),
			    "%s", c->req.helo_name);
		}
		if (policy_wants_mfrom(&c->req)) {
			at = strrchr(c->req.sender, '@') + 1;
			conn_lookup(c, "sender", at, &f->mfrom, true);
			snprintf(f->spf_mfrom.domain, sizeof(f->spf_mfrom.domain),
			    "%s", at);
		}
		/* Both evaluations start before either can end. */
		c->pending++;
		if (policy_wants_helo(&c->req))
			job_start(c, &f->spf_helo, SPF_SCOPE_HELO);
		if (policy_wants_mfrom(&c->req))
			job_start(c, &f->spf_mfrom, SPF_SCOPE_MFROM);
		if (--c->pending > 0)
			return;
	}
	conn_answer(c);
}

/* Reads the requests waiting in the input, one at a time. */
static void
conn_process(struct pconn *c)
{
	const struct mta_conf *m = c->ps->m;
	size_t limit = (size_t)m->max_line * m->max_attrs;
	char err[256];

	c->in_process = true;
	while (c->bev != NULL && !c->busy) {
		struct evbuffer *in = bufferevent_get_input(c->bev);
		size_t len = evbuffer_get_length(in);
		struct evbuffer_ptr start, end;
		unsigned char *data;

		if (len == 0)
			break;
		evbuffer_ptr_set(in, &start, c->scanned > 0 ? c->scanned - 1 : 0,
		    EVBUFFER_PTR_SET);
		end = evbuffer_search(in, "\n\n", 2, &start);
		if (end.pos == -1) {
			data = evbuffer_pullup(in, 1);
			if (data[0] != '\n' && len <= limit) {
				c->scanned = len;
				break;
			}
			snprintf(err, sizeof(err), data[0] == '\n' ?
			    "an empty request" : "a request longer than %zu bytes",
			    limit);
		} else {
			data = evbuffer_pullup(in, end.pos + 2);
			c->scanned = 0;
			c->ps->requests++;
			if (policy_parse((char *)data, (size_t)end.pos + 1,
			    m->max_line, m->max_attrs, &c->req, err,
			    sizeof(err)) == 0) {
				evbuffer_drain(in, end.pos + 2);
				conn_start(c);
				continue;
			}
		}
		c->ps->bad++;
		log_warnx("smtpd-policy: %s; closing the connection", err);
		conn_close(c);
		return;
	}
	c->in_process = false;
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process(arg);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct pconn *c = arg;

	if (what & BEV_EVENT_TIMEOUT)
		log_debug("smtpd-policy: idle connection closed");
	conn_close(c);
}

static void
policy_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct policy_server *ps = arg;
	struct timeval idle = { ps->m->idle_s, 0 };
	struct pconn *c;

	if (ps->nconns >= ps->m->max_conns || (c = calloc(1, sizeof(*c))) == NULL) {
		if (ps->refused++ % 1000 == 0)
			log_warnx("smtpd-policy: %u connections: refusing more "
			    "(max-connections)", ps->nconns);
		evutil_closesocket(fd);
		return;
	}
	c->ps = ps;
	if ((c->bev = bufferevent_socket_new(ps->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->next = ps->conns;
	if (ps->conns)
		ps->conns->prev = c;
	ps->conns = c;
	ps->nconns++;
	bufferevent_setcb(c->bev, conn_read_cb, NULL, conn_event_cb, c);
	bufferevent_set_timeouts(c->bev, &idle, &idle);
	/* Reading goes on while a request is answered (no epoll_ctl per
	 * request); a client that sends more than one request's limit ahead
	 * is paused by the watermark, and one request past it is refused. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    (size_t)ps->m->max_line * ps->m->max_attrs + 1);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* ---- start and stop ---- */

static int
policy_bind(struct policy_server *ps, char *err, size_t errlen)
{
	const struct mta_conf *m = ps->m;
	const unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE |
	    LEV_OPT_CLOSE_ON_EXEC;
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof(ss));
	if (m->listen_path[0] != '\0') {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
		sun->sun_family = AF_UNIX;
		snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", m->listen_path);
		sl = sizeof(*sun);
		unlink(m->listen_path);
	} else {
		char port[8];
		snprintf(port, sizeof(port), "%u", m->listen_port);
		int len = sizeof(ss);
		char spec[96];
		snprintf(spec, sizeof(spec), strchr(m->listen_host, ':') ?
		    "[%s]:%s" : "%s:%s", m->listen_host, port);
		if (evutil_parse_sockaddr_port(spec, (struct sockaddr *)&ss,
		    &len) == -1) {
			snprintf(err, errlen, "bad listen address %s", spec);
			return -1;
		}
		sl = (socklen_t)len;
	}
	ps->listener = evconnlistener_new_bind(ps->base, policy_accept_cb, ps,
	    flags, 128, (struct sockaddr *)&ss, (int)sl);
	if (ps->listener == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s",
		    m->listen_path[0] ? m->listen_path : m->listen_host,
		    strerror(errno));
		return -1;
	}
	if (m->listen_path[0] != '\0' && chmod(m->listen_path, 0666) == -1) {
		snprintf(err, errlen, "chmod %s: %s", m->listen_path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
policy_resolver(struct policy_server *ps, char *err, size_t errlen)
{
	const struct node_conf *c = ps->conf;
	char spec[96];

	if (c->senderid == SENDERID_SERVER)
		snprintf(spec, sizeof(spec), strchr(c->senderid_server.host, ':') ?
		    "[%s]:%u" : "%s:%u", c->senderid_server.host,
		    c->senderid_server.port);
	ps->res = resolver_unbound_new(ps->base, c->senderid == SENDERID_SERVER ?
	    spec : NULL, c->senderid_timeout_ms, err, errlen);
	return ps->res == NULL ? -1 : 0;
}

struct policy_server *
policy_server_start(struct event_base *base, struct store *st,
    const struct node_conf *conf, char *err, size_t errlen)
{
	struct policy_server *ps = calloc(1, sizeof(*ps));

	if (ps == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->base = base;
	ps->conf = conf;
	ps->m = &conf->mta;
	ps->deadline_ms = conf->senderid_deadline_ms;
	if (conf->mta.receiver[0] != '\0')
		snprintf(ps->receiver, sizeof(ps->receiver), "%s",
		    conf->mta.receiver);
	else if (gethostname(ps->receiver, sizeof(ps->receiver) - 1) == -1)
		snprintf(ps->receiver, sizeof(ps->receiver), "%s", conf->name);
	if ((ps->lookup = policy_lookup_new(st, conf)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (policy_resolver(ps, err, errlen) == -1 ||
	    policy_bind(ps, err, errlen) == -1)
		goto fail;
	return ps;
fail:
	policy_server_stop(ps);
	return NULL;
}

void
policy_server_stop(struct policy_server *ps)
{
	if (ps == NULL)
		return;
	resolver_free(ps->res);		/* no answer comes after this */
	while (ps->jobs != NULL) {
		ps->jobs->c->pending--;
		job_unlink_free(ps->jobs);
	}
	while (ps->conns != NULL)
		conn_close(ps->conns);
	if (ps->listener != NULL)
		evconnlistener_free(ps->listener);
	if (ps->listener != NULL && ps->m->listen_path[0] != '\0')
		unlink(ps->m->listen_path);
	policy_lookup_free(ps->lookup);
	free(ps);
}

void
policy_server_metrics(void *arg, struct evbuffer *out)
{
	const struct policy_server *ps = arg;

	prom_u64(out, "reputed_policy_requests_total", PROM_COUNTER,
	    "Policy delegation requests answered.", ps->requests);
	prom_u64(out, "reputed_policy_bad_requests_total", PROM_COUNTER,
	    "Policy delegation requests that could not be read.", ps->bad);
	prom_u64(out, "reputed_policy_refused_connections_total",
	    PROM_COUNTER, "Policy connections refused (too many open).",
	    ps->refused);
	prom_u64(out, "reputed_policy_connections", PROM_GAUGE,
	    "Policy connections open.", ps->nconns);
	prom_family(out, "reputed_policy_actions_total", PROM_COUNTER,
	    "Policy answers, by verdict.");
	for (int v = 0; v < POLICY_VERDICTS; v++)
		prom_sample(out, "reputed_policy_actions_total", "verdict",
		    policy_verdict_name(v), ps->verdicts[v]);
	prom_family(out, "reputed_policy_spf_total", PROM_COUNTER,
	    "SPF evaluations of policy requests, by result.");
	for (int r = 0; r <= SPF_PERMERROR; r++)
		prom_sample(out, "reputed_policy_spf_total", "result",
		    spf_result_name(r), ps->spf[r]);
}
