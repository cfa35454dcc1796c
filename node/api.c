/*
 * api.c: the local HTTP API on loopback, a thin evhttp shell over the
 * batcher (writes) and a store_reader (reads). Requests are dispatched by
 * path from one generic callback: a small route table first (others add
 * routes with api_route), then the built-in handlers.
 *
 * POST /v1/reports is answered only after the store commit that carries
 * its reports (the batcher's done callback sends the reply), so a 200
 * means the reports survive kill -9. A request whose client went away
 * is still answered: evhttp frees it then.
 *
 * With a mailcheck (sender-id: in the config), reports first get the
 * Sender-ID results their submitter left out (node/mailcheck.c), then go
 * to the batcher; the reply still waits for the commit.
 *
 * Owns: the evhttp server, one store_reader, the metrics timer. Borrows:
 * the store and the batcher.
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
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "feeds/jsonl.h"
#include "node/api.h"
#include "node/batcher.h"
#include "node/log.h"
#include "node/mailcheck.h"
#include "node/prom.h"
#include "node/reputon.h"

#define API_MAX_BODY		(8u << 20)	/* bytes of one request body */
/* evhttp's own bound, past which it answers its HTML 413 (libevent 2.1
 * has no error callback): up to it, an over-large body is read and
 * refused with the API's JSON error. */
#define API_HARD_BODY		(4 * API_MAX_BODY)
#define API_RATE_SLOTS		10		/* seconds of reports/s window */
#define API_IDLE_TIMEOUT_S	60		/* idle or slow connections go */
#define API_LISTED_MS		30000		/* how old the listed count may be */

struct api_route_entry {
	char path[64];
	api_handler_fn fn;
	void *arg;
};

struct api {
	struct evhttp *http;
	char socket_path[108];		/* the Unix socket to unlink, or "" */
	struct store *st;
	struct store_reader *reader;
	struct batcher *batcher;
	struct mailcheck *mc;		/* borrowed; NULL: no Sender-ID */
	char name[64];			/* rater in reputons */
	struct api_route_entry routes[API_MAX_ROUTES];
	int n_routes;
	struct { api_metrics_fn fn; void *arg; } metrics[API_MAX_METRICS];
	int n_metrics;
	struct event *tick;		/* once a second: the reports/s window */
	uint64_t rate_slot[API_RATE_SLOTS];	/* committed reports, per tick */
	unsigned rate_pos;
	uint64_t requests, bad_requests;
	uint64_t listed;		/* subjects listed, counted at ... */
	uint64_t listed_at;		/* ... this time (ms); 0 = never */
};

void
api_reply_json(struct evhttp_request *req, int code, struct json_t *body)
{
	struct evbuffer *out = evbuffer_new();
	char *text = json_dumps(body, REPUTON_JSON_FLAGS);

	json_decref(body);
	if (out != NULL && text != NULL) {
		evbuffer_add(out, text, strlen(text));
		evbuffer_add(out, "\n", 1);
	}
	if (evhttp_find_header(evhttp_request_get_output_headers(req),
	    "Content-Type") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Type", "application/json");
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", out);
	free(text);
	if (out != NULL)
		evbuffer_free(out);
}

static void
api_error(struct api *a, struct evhttp_request *req, int code, const char *msg)
{
	if (code == 400)
		a->bad_requests++;
	api_reply_json(req, code, json_pack("{s:s}", "error", msg));
}

/* ---- POST /v1/reports ---- */

static json_t *api_ids(const struct batcher_id *ids, size_t n);

static void
api_reports_done(void *arg, const struct batcher_result *res)
{
	struct evhttp_request *req = arg;

	if (res->status != 0) {
		api_reply_json(req, res->over_quota ? 429 : 503,
		    json_pack("{s:s}", "error", res->err));
		return;
	}
	if (res->ids == NULL) {		/* retractions */
		api_reply_json(req, 200, json_pack("{s:I,s:I}", "retracted",
		    (json_int_t)res->n, "seq", (json_int_t)res->first_seq));
		return;
	}
	api_reply_json(req, 200, json_pack("{s:I,s:I,s:I,s:o}", "accepted",
	    (json_int_t)res->n, "first_seq", (json_int_t)res->first_seq,
	    "last_seq", (json_int_t)res->last_seq, "ids",
	    api_ids(res->ids, res->n)));
}

/* [[seq, index], ...]: what POST /v1/retractions takes back. */
static json_t *
api_ids(const struct batcher_id *ids, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_pack("[I,I]",
		    (json_int_t)ids[i].seq, (json_int_t)ids[i].index));
	return a;
}

/* Splits a JSON-lines body into reports. Returns the count or -1. */
static long
api_parse_lines(const char *body, size_t len, uint64_t now,
    struct jsonl_report **out, size_t max, char *err, size_t errlen)
{
	size_t n = 0, line = 0, lines = 1;
	const char *p = body, *end = body + len;
	struct jsonl_report *reps;
	char why[200];

	for (const char *q = body; q < end; q++)
		lines += *q == '\n';
	*out = reps = calloc(lines < max ? lines : max, sizeof(*reps));
	if (reps == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end, *c = p;
		line++;
		while (c < stop && (*c == ' ' || *c == '\t' || *c == '\r'))
			c++;
		if (c < stop) {	/* not a blank line */
			if (n == max) {
				snprintf(err, errlen, "more than %zu reports", max);
				return -1;
			}
			if (jsonl_parse_report(p, (size_t)(stop - p), now,
			    &reps[n], why, sizeof(why)) == -1) {
				snprintf(err, errlen, "line %zu: %s", line, why);
				return -1;
			}
			n++;
		}
		p = stop + 1;
	}
	return (long)n;
}

/* A JSON object or an array of objects. Returns the count or -1. */
static long
api_parse_json(const char *body, size_t len, uint64_t now,
    struct jsonl_report **out, size_t max, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	struct jsonl_report *reps;
	size_t n = 1;
	char why[200];

	if (doc == NULL) {
		snprintf(err, errlen, "bad JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	n = json_is_array(doc) ? json_array_size(doc) : 1;
	if (n == 0 || n > max) {
		snprintf(err, errlen, "an array of 1 to %zu reports, not %zu",
		    max, n);
		json_decref(doc);
		return -1;
	}
	if ((*out = reps = calloc(n, sizeof(*reps))) == NULL) {
		snprintf(err, errlen, "out of memory");
		json_decref(doc);
		return -1;
	}
	if (!json_is_array(doc)) {
		if (jsonl_report_from_json(doc, now, &reps[0], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "%s", why);
			n = 0;
		}
		json_decref(doc);
		return n == 0 ? -1 : 1;
	}
	for (size_t i = 0; i < n; i++)
		if (jsonl_report_from_json(json_array_get(doc, i), now,
		    &reps[i], why, sizeof(why)) == -1) {
			snprintf(err, errlen, "report %zu: %s", i, why);
			json_decref(doc);
			return -1;
		}
	json_decref(doc);
	return (long)n;
}

static bool
api_is_jsonl(struct evhttp_request *req)
{
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type");

	return ct != NULL && (strstr(ct, "ndjson") != NULL ||
	    strstr(ct, "jsonl") != NULL || strstr(ct, "json-seq") != NULL);
}

/* Hands parsed reports to the batcher; the reply comes from
 * api_reports_done after the commit, or now if they are refused. */
static void
api_submit_reports(struct api *a, struct evhttp_request *req,
    const struct jsonl_report *reps, size_t n)
{
	const Reputed__Report **ptrs = calloc(n, sizeof(*ptrs));
	char err[256];
	int rc;

	if (ptrs == NULL) {
		api_error(a, req, 503, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &reps[i].report;
	if ((rc = batcher_submit(a->batcher, ptrs, n, batcher_now(),
	    api_reports_done, req, err, sizeof(err))) != 0) {
		log_debug("api: refused reports: %s", err);
		if (rc == BATCHER_BUSY)
			evhttp_add_header(evhttp_request_get_output_headers(req),
			    "Retry-After", "1");
		api_error(a, req, rc == BATCHER_BUSY ? 503 :
		    rc == BATCHER_QUOTA ? 429 : 400, err);
	}
	free(ptrs);
}

/* Reports waiting for their Sender-ID evaluation (node/mailcheck.c).
 * Owns reps; borrows req, which evhttp keeps until we reply even if the
 * client goes away. */
struct api_checking {
	struct api *a;
	struct evhttp_request *req;
	struct jsonl_report *reps;	/* owned, written by the mailcheck */
	size_t n;
};

static void
api_checked_cb(void *arg, enum mailcheck_status status)
{
	struct api_checking *ck = arg;

	if (status == MAILCHECK_CANCELLED) {	/* the daemon is stopping */
		evhttp_add_header(evhttp_request_get_output_headers(ck->req),
		    "Retry-After", "1");
		api_error(ck->a, ck->req, 503, "stopping before the Sender-ID "
		    "evaluation ended; nothing stored, send again");
	} else
		api_submit_reports(ck->a, ck->req, ck->reps, ck->n);
	free(ck->reps);
	free(ck);
}

/* The node evaluates what the submitter left AUTH_NOT_CHECKED, then
 * submits; takes ownership of reps. */
static void
api_check_reports(struct api *a, struct evhttp_request *req,
    struct jsonl_report *reps, size_t n)
{
	struct api_checking *ck = calloc(1, sizeof(*ck));
	Reputed__Report **ptrs = calloc(n, sizeof(*ptrs));
	char err[256];

	if (ck == NULL || ptrs == NULL) {
		api_error(a, req, 503, "out of memory");
		goto free_all;
	}
	*ck = (struct api_checking){ a, req, reps, n };
	for (size_t i = 0; i < n; i++)
		ptrs[i] = &reps[i].report;
	if (mailcheck_run(a->mc, ptrs, n, api_checked_cb, ck, err,
	    sizeof(err)) == 0) {
		free(ptrs);		/* ck and reps: api_checked_cb's now */
		return;
	}
	log_debug("api: refused reports: %s", err);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", "1");
	api_error(a, req, 503, err);
free_all:
	free(ptrs);
	free(ck);
	free(reps);
}

static void
api_post_reports(struct api *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	uint64_t now = batcher_now();
	struct jsonl_report *reps = NULL;
	char err[256];
	long n;

	if (body == NULL) {
		api_error(a, req, 400, "empty body");
		return;
	}
	if (api_is_jsonl(req))
		n = api_parse_lines(body, len, now, &reps, BATCHER_MAX_SUBMIT,
		    err, sizeof(err));
	else
		n = api_parse_json(body, len, now, &reps, BATCHER_MAX_SUBMIT,
		    err, sizeof(err));
	if (n <= 0) {
		if (n == 0)
			snprintf(err, sizeof(err), "no reports in the body");
		api_error(a, req, 400, err);
		free(reps);
		return;
	}
	api_submit(a, req, reps, (size_t)n);
}

void
api_submit(struct api *a, struct evhttp_request *req,
    struct jsonl_report *reps, size_t n)
{
	if (a->mc != NULL) {
		api_check_reports(a, req, reps, n);
		return;
	}
	api_submit_reports(a, req, reps, n);
	free(reps);
}

/* ---- POST /v1/retractions ---- */

/* One [seq, index] pair or {"seq":S,"index":I}. */
static int
api_retraction(const json_t *v, struct batcher_id *id)
{
	json_t *seq, *idx;

	if (json_is_array(v) && json_array_size(v) == 2) {
		seq = json_array_get(v, 0);
		idx = json_array_get(v, 1);
	} else if (json_is_object(v) && json_object_size(v) == 2) {
		seq = json_object_get(v, "seq");
		idx = json_object_get(v, "index");
	} else
		return -1;
	if (!json_is_integer(seq) || !json_is_integer(idx) ||
	    json_integer_value(seq) < 1 || json_integer_value(idx) < 0 ||
	    json_integer_value(idx) > UINT32_MAX)
		return -1;
	id->seq = (uint64_t)json_integer_value(seq);
	id->index = (uint32_t)json_integer_value(idx);
	return 0;
}

/* {"ids": [[seq, index], ...]}: the ids POST /v1/reports answered with. */
static void
api_post_retractions(struct api *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in), n = 0;
	const char *body = (const char *)evbuffer_pullup(in, -1);
	json_t *doc = body ? json_loadb(body, len, JSON_REJECT_DUPLICATES,
	    NULL) : NULL, *list = json_object_get(doc, "ids");
	struct batcher_id *ids = NULL;
	char err[256] = "expected {\"ids\": [[seq, index], ...]}";
	int rc = BATCHER_INVALID;

	if (json_is_array(list) && (n = json_array_size(list)) > 0 &&
	    n <= BATCHER_MAX_SUBMIT && (ids = calloc(n, sizeof(*ids))) != NULL) {
		size_t i;
		for (i = 0; i < n; i++)
			if (api_retraction(json_array_get(list, i), &ids[i]) == -1)
				break;
		if (i < n)
			snprintf(err, sizeof(err), "ids %zu: expected [seq, "
			    "index]", i);
		else
			rc = batcher_retract(a->batcher, ids, n, batcher_now(),
			    api_reports_done, req, err, sizeof(err));
	}
	if (rc != 0)
		api_error(a, req, rc == BATCHER_BUSY ? 503 : 400, err);
	free(ids);
	json_decref(doc);
}

/* ---- GET /v1/reputation/SUBJECT (RFC 7071) ---- */

/* RFC 7073 (the email-id application) names these assertions. */
static void
api_get_reputation(struct api *a, struct evhttp_request *req, const char *enc)
{
	char *text = evhttp_uridecode(enc, 0, NULL), err[160];
	struct subject s;
	json_t *doc;

	if (text == NULL || subject_parse(text, &s, err, sizeof(err)) == -1) {
		free(text);
		api_error(a, req, 400, text == NULL ? "bad URI" : err);
		return;
	}
	free(text);
	if (store_reader_begin(a->reader) == -1) {
		api_error(a, req, 503, "cannot read the store");
		return;
	}
	doc = reputon_document(a->reader, store_policy(a->st), a->name, &s,
	    batcher_now());
	store_reader_end(a->reader);
	if (doc == NULL) {
		api_error(a, req, 503, "cannot build the reputon");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/reputon+json");
	api_reply_json(req, 200, doc);
}

/* ---- GET /metrics ---- */

static void
api_tick_cb(evutil_socket_t fd, short events, void *arg)
{
	struct api *a = arg;
	struct batcher_stats bs;

	batcher_stats(a->batcher, &bs);
	a->rate_slot[a->rate_pos++ % API_RATE_SLOTS] = bs.reports;
}

static double
api_reports_per_second(struct api *a)
{
	unsigned have = a->rate_pos < API_RATE_SLOTS ? a->rate_pos :
	    API_RATE_SLOTS;
	uint64_t newest, oldest;

	if (have < 2)
		return 0;
	newest = a->rate_slot[(a->rate_pos - 1) % API_RATE_SLOTS];
	oldest = a->rate_slot[(a->rate_pos - have) % API_RATE_SLOTS];
	return (double)(newest - oldest) / (have - 1);
}

/* One origin's line of reputed_origin_seq: across nodes, max by origin
 * minus a node's value is how far it lags; no increase in an hour, an
 * origin that sent nothing (dist/prometheus/reputed.rules.yml). */
static int
api_metric_origin(void *arg, const uint8_t origin[32], uint64_t seq)
{
	char hex[65];

	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", origin[i]);
	prom_sample(arg, "reputed_origin_seq", "origin", hex, seq);
	return 0;
}

static void
api_metrics_store(struct api *a, struct evbuffer *out)
{
	struct store_stats ss;

	uint64_t now = batcher_now();

	if (store_reader_begin(a->reader) == -1)
		return;
	/* Counting listings walks every score record: on the main loop that
	 * would stall ingest and peers at each scrape of a large store, so
	 * the count is refreshed at most every API_LISTED_MS. */
	if (a->listed_at == 0 || now - a->listed_at >= API_LISTED_MS) {
		a->listed = store_count_listed(a->reader, now);
		a->listed_at = now;
	}
	if (store_sizes(a->reader, &ss) == 0) {
		ss.listed = a->listed;
		prom_double(out, "reputed_store_bytes", "gauge",
		    "Bytes the store uses on disk.", (double)ss.bytes_on_disk);
		prom_double(out, "reputed_store_batches", "gauge",
		    "Batches held in the store.", (double)ss.batches);
		prom_double(out, "reputed_store_subjects", "gauge",
		    "Subjects with a score.", (double)ss.subjects);
		prom_double(out, "reputed_store_listed", "gauge",
		    "Subjects listed (counted at most every 30 s).",
		    (double)ss.listed);
		prom_double(out, "reputed_store_origins", "gauge",
		    "Origins known to the store.", (double)ss.origins);
		prom_double(out, "reputed_store_pending_batches", "gauge",
		    "Batches waiting for an earlier seq.", (double)ss.pending);
		prom_double(out, "reputed_store_quota_dropped", "gauge",
		    "Reports dropped over their origin's quota (policy "
		    "quota-per-hour), as the stored batches give them.",
		    (double)ss.quota_dropped);
		prom_double(out, "reputed_store_live_dropped", "gauge",
		    "Reports dropped at their origin's live ceiling (policy "
		    "live-ceiling), as the stored batches give them.",
		    (double)ss.live_dropped);
		prom_family(out, "reputed_store_origins_blocked", PROM_GAUGE,
		    "Origins blocked, by reason: policy (an origin: clause), "
		    "equivocation, flood (policy quota-block-factor).");
		prom_sample(out, "reputed_store_origins_blocked", "reason",
		    "policy", ss.blocked_policy);
		prom_sample(out, "reputed_store_origins_blocked", "reason",
		    "equivocation", ss.blocked_equivocation);
		prom_sample(out, "reputed_store_origins_blocked", "reason",
		    "flood", ss.blocked_flood);
		prom_double(out, "reputed_store_no_space_total", "counter",
		    "Commits refused: no space left on the store's disk.",
		    (double)ss.no_space);
		prom_double(out, "reputed_store_full", "gauge",
		    "1 while the store's disk is full (the last commit failed "
		    "for it).", ss.full ? 1 : 0);
		prom_double(out, "reputed_store_map_bytes", "gauge",
		    "The LMDB map size (server: store-size): the store cannot "
		    "grow past it.", (double)ss.map_size);
		prom_double(out, "reputed_store_map_used_bytes", "gauge",
		    "Bytes of the map in use.", (double)ss.map_used);
	}
	prom_family(out, "reputed_origin_seq", PROM_GAUGE, "The highest "
	    "contiguous batch seq applied, per origin.");
	store_version_vector(a->reader, api_metric_origin, out);
	store_reader_end(a->reader);
}

static void
api_get_metrics(struct api *a, struct evhttp_request *req)
{
	struct evbuffer *out = evbuffer_new();
	struct batcher_stats bs;

	batcher_stats(a->batcher, &bs);
	prom_double(out, "reputed_reports_committed_total", "counter",
	    "Local reports committed to the store.", (double)bs.reports);
	prom_double(out, "reputed_reports_per_second", "gauge",
	    "Local reports committed per second, last 10 s.",
	    api_reports_per_second(a));
	prom_double(out, "reputed_reports_rejected_total", "counter",
	    "Local reports refused as invalid or over the queue limit.",
	    (double)bs.rejected);
	prom_family(out, "reputed_reports_refused_total", PROM_COUNTER,
	    "Local reports refused (HTTP 429), never signed: this node's own "
	    "quota (policy quota-per-hour) or live ceiling (live-ceiling) "
	    "would drop them.");
	prom_sample(out, "reputed_reports_refused_total", "reason", "quota",
	    bs.over_quota);
	prom_sample(out, "reputed_reports_refused_total", "reason",
	    "live_ceiling", bs.over_live);
	prom_double(out, "reputed_reports_failed_total", "counter",
	    "Local reports lost to a failed commit (never acknowledged).",
	    (double)bs.failed);
	prom_double(out, "reputed_reports_queued", "gauge",
	    "Local reports waiting for their batch.", (double)bs.queued);
	prom_double(out, "reputed_retractions_committed_total", "counter",
	    "Retractions of local reports committed.", (double)bs.retractions);
	prom_double(out, "reputed_batches_committed_total", "counter",
	    "Local batches committed.", (double)bs.batches);
	prom_double(out, "reputed_commits_total", "counter",
	    "Store transactions committed by the batcher.", (double)bs.commits);
	prom_double(out, "reputed_api_requests_total", "counter",
	    "HTTP requests to the local API.", (double)a->requests);
	prom_double(out, "reputed_api_bad_requests_total", "counter",
	    "API requests refused with 400 (nothing stored).",
	    (double)a->bad_requests);
	api_metrics_store(a, out);
	for (int i = 0; i < a->n_metrics; i++)
		a->metrics[i].fn(a->metrics[i].arg, out);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
}

/* ---- placeholders and dispatch ---- */

static void
api_placeholder(struct api *a, struct evhttp_request *req, const char *what)
{
	api_reply_json(req, 200, json_pack("{s:b,s:s,s:[]}", "placeholder", 1,
	    "note", "peering is off: no peering: listen or peer in the "
	    "config", what));
}

static void
api_dispatch(struct evhttp_request *req, void *arg)
{
	struct api *a = arg;
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	static const char rep[] = "/v1/reputation/";

	a->requests++;
	if (path == NULL)
		path = "/";
	log_debug("api: %s %s", cmd == EVHTTP_REQ_POST ? "POST" : "GET", path);
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) >
	    API_MAX_BODY) {
		char msg[80];
		snprintf(msg, sizeof(msg), "request body over %u bytes",
		    API_MAX_BODY);
		api_error(a, req, 413, msg);
		return;
	}
	for (int i = 0; i < a->n_routes; i++)
		if (strcmp(a->routes[i].path, path) == 0) {
			a->routes[i].fn(req, a->routes[i].arg);
			return;
		}
	if (strcmp(path, "/v1/reports") == 0 && cmd == EVHTTP_REQ_POST)
		api_post_reports(a, req);
	else if (strcmp(path, "/v1/retractions") == 0 && cmd == EVHTTP_REQ_POST)
		api_post_retractions(a, req);
	else if (strncmp(path, rep, sizeof(rep) - 1) == 0 && cmd == EVHTTP_REQ_GET)
		api_get_reputation(a, req, path + sizeof(rep) - 1);
	else if (strcmp(path, "/metrics") == 0 && cmd == EVHTTP_REQ_GET)
		api_get_metrics(a, req);
	else if (strcmp(path, "/v1/peers") == 0 && cmd == EVHTTP_REQ_GET)
		api_placeholder(a, req, "peers");
	else if (strcmp(path, "/v1/digest") == 0 && cmd == EVHTTP_REQ_GET)
		api_placeholder(a, req, "origins");
	else
		api_error(a, req, 404, "no such endpoint (POST /v1/reports, "
		    "/v1/retractions; GET /v1/reputation/SUBJECT, /metrics, "
		    "/v1/peers, /v1/digest)");
}

/* ---- life cycle ---- */

/* The API on a Unix socket as well (mode 0660: access by file
 * permissions). The listener is evhttp's from then on. */
static int
api_bind_unix(struct api *a, struct event_base *base, const char *path,
    char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct evconnlistener *l;
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "api: socket path too long: %s", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);	/* a stale socket from a previous run */
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    chmod(path, 0660) == -1 || listen(fd, 128) == -1 ||
	    evutil_make_socket_nonblocking(fd) == -1 ||
	    (l = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE,
	    -1, fd)) == NULL) {
		snprintf(err, errlen, "api: socket %s: %s", path, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	if (evhttp_bind_listener(a->http, l) == NULL) {
		evconnlistener_free(l);
		snprintf(err, errlen, "api: socket %s: cannot serve it", path);
		return -1;
	}
	snprintf(a->socket_path, sizeof(a->socket_path), "%s", path);
	return 0;
}

static bool
api_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&a6);
}

struct api *
api_start(struct event_base *base, const struct node_conf *conf,
    struct store *st, struct batcher *b, char *err, size_t errlen)
{
	struct api *a = calloc(1, sizeof(*a));
	struct timeval second = { 1, 0 };

	if (a == NULL || (a->http = evhttp_new(base)) == NULL ||
	    (a->reader = store_reader_new(st)) == NULL ||
	    (a->tick = event_new(base, -1, EV_PERSIST, api_tick_cb, a)) == NULL) {
		snprintf(err, errlen, "api: out of memory");
		api_stop(a);
		return NULL;
	}
	a->st = st;
	a->batcher = b;
	api_set_name(a, conf->name);
	evhttp_set_max_body_size(a->http, API_HARD_BODY);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_gencb(a->http, api_dispatch, a);
	if (evhttp_bind_socket(a->http, conf->api_listen.host,
	    conf->api_listen.port) != 0) {
		snprintf(err, errlen, "api: cannot listen on %s@%u",
		    conf->api_listen.host, conf->api_listen.port);
		api_stop(a);
		return NULL;
	}
	if (conf->api_socket[0] != '\0' &&
	    api_bind_unix(a, base, conf->api_socket, err, errlen) == -1) {
		api_stop(a);
		return NULL;
	}
	evhttp_set_timeout(a->http, API_IDLE_TIMEOUT_S);
	if (!api_is_loopback(conf->api_listen.host))
		log_warnx("api: %s is not a loopback address: whoever reaches "
		    "it can report in this node's name", conf->api_listen.host);
	event_add(a->tick, &second);
	return a;
}

void
api_stop(struct api *a)
{
	if (a == NULL)
		return;
	if (a->tick != NULL)
		event_free(a->tick);
	if (a->http != NULL)
		evhttp_free(a->http);
	if (a->socket_path[0] != '\0' && unlink(a->socket_path) == -1)
		log_warn("unlink %s", a->socket_path);
	store_reader_free(a->reader);
	free(a);
}

void
api_set_name(struct api *a, const char *name)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
}

void
api_set_mailcheck(struct api *a, struct mailcheck *mc)
{
	a->mc = mc;
}

int
api_metrics_register(struct api *a, api_metrics_fn fn, void *arg)
{
	if (a->n_metrics == API_MAX_METRICS)
		return -1;
	a->metrics[a->n_metrics].fn = fn;
	a->metrics[a->n_metrics++].arg = arg;
	return 0;
}

int
api_route(struct api *a, const char *path, api_handler_fn fn, void *arg)
{
	struct api_route_entry *r;

	if (a->n_routes == API_MAX_ROUTES || strlen(path) >= sizeof(r->path))
		return -1;
	r = &a->routes[a->n_routes++];
	snprintf(r->path, sizeof(r->path), "%s", path);
	r->fn = fn;
	r->arg = arg;
	return 0;
}
