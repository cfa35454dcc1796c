/*
 * api.h: the local HTTP API (libevent evhttp, loopback only).
 *
 *   POST /v1/reports            JSON object, array of objects, or JSON lines
 *                               (Content-Type application/x-ndjson); fields
 *                               in feeds/jsonl.h. Answers after the commit:
 *                               200 {"accepted":N,"first_seq":S,"last_seq":T,
 *                               "ids":[[seq,index],...]} (one per report)
 *                               400 {"error":"report I: why"} (nothing stored)
 *                               503 {"error":...} when the commit failed
 *   POST /v1/retractions        {"ids":[[seq,index],...]}: withdraws this
 *                               node's own reports; 200 {"retracted":N,
 *                               "seq":S} after the commit of batch S
 *   GET  /v1/reputation/SUBJECT RFC 7071 reputons, application/reputon+json,
 *                               with each origin's evidence (store_explain)
 *   GET  /metrics               Prometheus text; others add lines through
 *                               api_metrics_register
 *   GET  /v1/peers, /v1/digest  placeholders until the peer layer routes
 *                               its own handlers with api_route
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_API_H
#define REPUTED_API_H

#include "node/node.h"

struct api;
struct batcher;
struct event_base;
struct evbuffer;
struct evhttp_request;

/* Binds conf->api_listen on base. st and b are borrowed until api_stop.
 * NULL and err on failure. */
struct api *api_start(struct event_base *base, const struct node_conf *conf,
	    struct store *st, struct batcher *b, char *err, size_t errlen);
/* Closes the listener and every connection. Call after the batcher has
 * told every submitter (batcher_flush + batcher_free), so no reply is
 * pending. */
void api_stop(struct api *a);
/* The rater name in reputons follows server: name (for SIGHUP). */
void api_set_name(struct api *a, const char *name);
/* POST /v1/reports evaluates Sender-ID with mc (borrowed; NULL: off)
 * before the batcher. mc must outlive the API or be freed first: freeing
 * it answers the reports it holds with 503. */
struct mailcheck;
void api_set_mailcheck(struct api *a, struct mailcheck *mc);

/* Adds lines to GET /metrics: fn appends Prometheus text to out (with
 * its own # HELP / # TYPE lines). At most API_MAX_METRICS. */
#define API_MAX_METRICS	16
typedef void (*api_metrics_fn)(void *arg, struct evbuffer *out);
int api_metrics_register(struct api *a, api_metrics_fn fn, void *arg);

/* Serves GET/POST of exactly `path` with fn (replaces a placeholder such
 * as /v1/peers). path is copied. At most API_MAX_ROUTES. */
#define API_MAX_ROUTES	16
typedef void (*api_handler_fn)(struct evhttp_request *req, void *arg);
int api_route(struct api *a, const char *path, api_handler_fn fn, void *arg);
/* Stores reports as POST /v1/reports does (the node's Sender-ID
 * evaluation first, when on) and answers req after the commit. Takes
 * reps (calloc'd, n of them). For other routes that make reports. */
struct jsonl_report;
void api_submit(struct api *a, struct evhttp_request *req,
	    struct jsonl_report *reps, size_t n);
/* Sends body (a JSON value, taken: it is freed) with status code. */
struct json_t;
void api_reply_json(struct evhttp_request *req, int code, struct json_t *body);

#endif
