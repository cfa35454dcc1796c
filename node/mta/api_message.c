/*
 * api_message.c: POST /v1/reports/message?category=C[&authserv-id=ID]
 * [&confidence=N] with the message (or its header) as the body. The
 * message is read by feeds/mta_verdict.c: only the fields our own MTA
 * wrote count (the authserv-id defaults to smtpd-policy: receiver, else
 * the host name); the report object then takes the path of any other
 * (jsonl_report_from_json, api_submit: Sender-ID evaluation of what is
 * missing, batching, the answer after the commit).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "feeds/jsonl.h"
#include "feeds/mta_verdict.h"
#include "node/api.h"
#include "node/batcher.h"
#include "node/mta/api_message.h"
#include "node/node.h"

struct api_message {
	struct api	*a;			/* borrowed */
	char		 authserv_id[256];	/* the default */
};

static void
api_message_error(struct evhttp_request *req, int code, const char *msg)
{
	api_reply_json(req, code, json_pack("{s:s}", "error", msg));
}

/* The report object from the query and the message; NULL with err. */
static json_t *
api_message_object(struct api_message *m, struct evhttp_request *req,
    char *err, size_t errlen)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq args = { 0 };
	const char *cat, *id, *conf;
	struct mta_verdict v;
	json_t *obj = NULL;

	if (q == NULL || evhttp_parse_query_str(q, &args) == -1 ||
	    (cat = evhttp_find_header(&args, "category")) == NULL) {
		snprintf(err, errlen, "?category=CATEGORY is required");
		goto done;
	}
	if ((id = evhttp_find_header(&args, "authserv-id")) == NULL)
		id = m->authserv_id;
	if (body == NULL || mta_verdict_read(body, len, id, &v, err,
	    errlen) == -1) {
		if (body == NULL)
			snprintf(err, errlen, "empty body: send the message");
		goto done;
	}
	obj = json_pack("{s:s}", "category", cat);
	if ((conf = evhttp_find_header(&args, "confidence")) != NULL)
		json_object_set_new(obj, "confidence",
		    json_integer(strtol(conf, NULL, 10)));
	mta_verdict_to_json(&v, obj);
done:
	evhttp_clear_headers(&args);
	return obj;
}

static void
api_message_post(struct evhttp_request *req, void *arg)
{
	struct api_message *m = arg;
	struct jsonl_report *rep;
	char err[256];
	json_t *obj;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		api_message_error(req, 405, "POST the message");
		return;
	}
	if ((obj = api_message_object(m, req, err, sizeof(err))) == NULL) {
		api_message_error(req, 422, err);
		return;
	}
	if ((rep = calloc(1, sizeof(*rep))) == NULL) {
		json_decref(obj);
		api_message_error(req, 503, "out of memory");
		return;
	}
	if (jsonl_report_from_json(obj, batcher_now(), rep, err,
	    sizeof(err)) == -1) {
		json_decref(obj);
		free(rep);
		api_message_error(req, 400, err);
		return;
	}
	json_decref(obj);
	api_submit(m->a, req, rep, 1);	/* takes rep */
}

struct api_message *
api_message_attach(struct api *a, const struct node_conf *conf)
{
	struct api_message *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->a = a;
	if (conf->mta.receiver[0] != '\0')
		snprintf(m->authserv_id, sizeof(m->authserv_id), "%s",
		    conf->mta.receiver);
	else if (gethostname(m->authserv_id, sizeof(m->authserv_id) - 1) == -1)
		snprintf(m->authserv_id, sizeof(m->authserv_id), "localhost");
	if (api_route(a, "/v1/reports/message", api_message_post, m) == -1) {
		free(m);
		return NULL;
	}
	return m;
}

void
api_message_free(struct api_message *m)
{
	free(m);
}
