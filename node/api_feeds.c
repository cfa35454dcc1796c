/*
 * api_feeds.c: the abuse-report feeds on the local API (api_feeds.h). A
 * thin shell: the body goes to feed_parse (feeds/complaint.c), each
 * report object through jsonl_report_from_json (the checks every report
 * gets), then to api_submit. Owns its counters; borrows the API and the
 * config.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "feeds/complaint.h"
#include "feeds/jsonl.h"
#include "node/api.h"
#include "node/api_feeds.h"
#include "node/attest.h"
#include "node/batcher.h"
#include "node/feed_sign.h"
#include "node/log.h"
#include "node/node.h"
#include "node/peer/pki.h"
#include "node/prom.h"

struct api_feeds {
	struct api *a;
	const struct feed_conf *fc;
	struct pki *pki;		/* the peering anchors and CRL: who may
					 * sign complaints; NULL: none */
	bool shared;			/* pki is the peer links' (borrowed) */
	struct attest *attest;		/* borrowed: checks with pki too */
	uint64_t signed_ok;		/* S/MIME from a member, verified */
	uint64_t attested;		/* reports sent with an attestation */
	uint64_t messages[4][3];	/* by feed_format, feed_outcome */
	uint64_t refused[FR_COUNT];	/* refused or skipped, by reason */
	uint64_t reports;		/* report objects handed on */
};

/* The format named by the last path segment. */
static int
api_feeds_format(struct evhttp_request *req, enum feed_format *fmt)
{
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(
	    req));
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? feed_format_parse(slash + 1, fmt) : -1;
}

/* Report objects -> reports in calloc'd storage; NULL with err. With
 * sm, each carries the attestation of sm's signature (its bytes after
 * the reports, in the same allocation: one free). */
static struct jsonl_report *
api_feeds_reports(const json_t *arr, uint64_t now,
    const struct smime_signed *sm, char *err, size_t errlen)
{
	size_t n = json_array_size(arr), i;
	size_t tail = sm ? sm->cms_len + sm->len : 0;
	struct jsonl_report *reps = calloc(1, n * sizeof(*reps) + tail);
	uint8_t *cms = (uint8_t *)(reps + n), *part = cms + (sm ? sm->cms_len :
	    0);
	char why[200];
	json_t *o;

	if (reps == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sm != NULL) {
		memcpy(cms, sm->cms, sm->cms_len);
		memcpy(part, sm->content, sm->len);
	}
	json_array_foreach(arr, i, o) {
		if (jsonl_report_from_json(o, now, &reps[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "report %zu: %s", i, why);
			free(reps);
			return NULL;
		}
		if (sm == NULL)
			continue;
		reputed__attestation__init(&reps[i].attestation);
		reps[i].attestation.cms.data = cms;
		reps[i].attestation.cms.len = sm->cms_len;
		reps[i].attestation.signed_part.data = part;
		reps[i].attestation.signed_part.len = sm->len;
		reps[i].report.attestation = &reps[i].attestation;
	}
	return reps;
}

/* A verified signed part travels with its reports when it may (node/
 * attest.c); the reply says which in X-Reputed-Attested. */
static const struct smime_signed *
api_feeds_attestation(struct evhttp_request *req, const struct smime_signed *sm)
{
	char why[200], hdr[240];

	if (sm->content == NULL)
		return NULL;
	if (attest_may_travel(sm->content, sm->len, sm->cms_len, why,
	    sizeof(why))) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "X-Reputed-Attested", "yes");
		return sm;
	}
	log_info("api: feed: signed, but counted as this node's own: %s",
	    why);
	snprintf(hdr, sizeof(hdr), "no; %s", why);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Reputed-Attested", hdr);
	return NULL;
}

/* The signature of a message (node/feed_sign.c); a valid one is named
 * in the reply's X-Reputed-Signed-By. */
static enum feed_reason
api_feeds_signature(struct api_feeds *f, struct evhttp_request *req,
    const char *body, size_t len, struct smime_signed *sm, char *why,
    size_t whylen)
{
	struct feed_signer who;
	char hdr[400];
	enum feed_reason r = feed_sign_check(f->pki, body ? body : "", len,
	    (int64_t)(batcher_now() / 1000), sm, &who, why, whylen);

	if (r == FR_BAD_SIGNATURE || r == FR_UNTRUSTED_SIGNER)
		log_info("api: feed: %s", why);
	if (r != FR_NONE)
		return r;
	snprintf(hdr, sizeof(hdr), "org=%s; signer=\"%s\"", who.org,
	    who.subject);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Reputed-Signed-By", hdr);
	f->signed_ok++;
	return FR_NONE;
}

static void
api_feeds_post(struct evhttp_request *req, void *arg)
{
	struct api_feeds *f = arg;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *body = (const char *)evbuffer_pullup(in, -1);
	struct feed_result res;
	struct jsonl_report *reps;
	enum feed_format fmt;
	char err[256];

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST ||
	    api_feeds_format(req, &fmt) == -1) {
		api_reply_json(req, 405, json_pack("{s:s}", "error",
		    "POST the message to /v1/feeds/arf, xarf, dmarc or auto"));
		return;
	}
	struct smime_signed sm;
	char why[320];
	enum feed_reason sig = api_feeds_signature(f, req, body, len, &sm, why,
	    sizeof(why));
	if (sig != FR_NONE && f->fc->require_signed) {
		f->messages[fmt][FEED_REFUSED]++;
		f->refused[sig]++;
		api_reply_json(req, 422, json_pack("{s:s,s:s,s:s}", "format",
		    feed_format_name(fmt), "refused", feed_reason_name(sig),
		    "error", why));
		smime_clear(&sm);
		return;
	}
	if (sm.content != NULL)		/* the signed part: the report */
		feed_parse(f->fc, fmt, sm.content, sm.len, batcher_now(), &res);
	else
		feed_parse(f->fc, fmt, body ? body : "", len, batcher_now(),
		    &res);
	f->messages[res.format][res.outcome]++;
	f->refused[res.reason]++;
	if (sig != FR_NONE && sig != FR_UNSIGNED)	/* counted, then read
							 * as unsigned */
		f->refused[sig]++;
	log_debug("api: feed %s: %s: %s", feed_format_name(res.format),
	    feed_reason_name(res.reason), res.why);
	if (res.outcome == FEED_SKIPPED)
		api_reply_json(req, 200, json_pack("{s:s,s:s,s:s}", "format",
		    feed_format_name(res.format), "skipped",
		    feed_reason_name(res.reason), "why", res.why));
	else if (res.outcome == FEED_REFUSED)
		api_reply_json(req, 422, json_pack("{s:s,s:s,s:s}", "format",
		    feed_format_name(res.format), "refused",
		    feed_reason_name(res.reason), "error", res.why));
	else if ((reps = api_feeds_reports(res.reports, batcher_now(),
	    api_feeds_attestation(req, &sm), err, sizeof(err))) == NULL)
		api_reply_json(req, 422, json_pack("{s:s,s:s}", "refused",
		    "malformed", "error", err));
	else {
		f->reports += json_array_size(res.reports);
		if (reps[0].report.attestation != NULL)
			f->attested += json_array_size(res.reports);
		api_submit(f->a, req, reps, json_array_size(res.reports));
	}
	smime_clear(&sm);
	feed_result_clear(&res);
}

static void
api_feeds_metrics(void *arg, struct evbuffer *out)
{
	static const char *outcomes[] = { "reports", "skipped", "refused" };
	struct api_feeds *f = arg;

	prom_family(out, "reputed_feed_messages_total", PROM_COUNTER,
	    "Abuse-report messages received on /v1/feeds.");
	for (int k = 0; k < 4; k++)
		for (int o = 0; o < 3; o++)
			prom_sample2(out, "reputed_feed_messages_total",
			    "format", feed_format_name((enum feed_format)k),
			    "outcome", outcomes[o], f->messages[k][o]);
	prom_family(out, "reputed_feed_refused_total", PROM_COUNTER,
	    "Feed messages that gave no report, by reason.");
	for (int r = 1; r < FR_COUNT; r++)
		prom_sample(out, "reputed_feed_refused_total", "reason",
		    feed_reason_name((enum feed_reason)r), f->refused[r]);
	prom_u64(out, "reputed_feed_signed_total", PROM_COUNTER,
	    "Feed messages signed (S/MIME) by a federation member, verified.",
	    f->signed_ok);
	prom_u64(out, "reputed_feed_reports_total", PROM_COUNTER,
	    "Reports made from feed messages.", f->reports);
	prom_u64(out, "reputed_feed_attested_total", PROM_COUNTER,
	    "Reports made from signed feed messages that carry the "
	    "member's signature to every node.", f->attested);
	prom_family(out, "reputed_attested_reports_total", PROM_COUNTER,
	    "Attested reports in applied batches (this node's and its "
	    "peers'), by verdict: only verified ones count, for the "
	    "signer's organisation.");
	for (int r = 0; r < ATTEST_RESULTS; r++)
		prom_sample(out, "reputed_attested_reports_total", "result",
		    attest_result_name((enum attest_result)r),
		    attest_count(f->attest, (enum attest_result)r));
}

/* The trust of peer links: anchors and CRL of the peering: clause. */
static struct pki *
api_feeds_pki(const struct node_conf *conf)
{
	char why[256];
	struct pki *p;

	if (conf->n_anchors == 0)
		return NULL;
	if ((p = feed_sign_pki(conf->anchors, conf->n_anchors,
	    conf->crl_file, why, sizeof(why))) == NULL)
		log_warnx("feeds: signed complaints cannot be checked: %s", why);
	return p;
}

struct api_feeds *
api_feeds_attach(struct api *a, const struct node_conf *conf,
    struct attest *attest)
{
	const struct feed_conf *fc = &conf->feeds;
	static const char *paths[] = { "/v1/feeds/arf", "/v1/feeds/xarf",
		"/v1/feeds/dmarc", "/v1/feeds/auto" };
	struct api_feeds *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->a = a;
	f->fc = fc;
	f->pki = api_feeds_pki(conf);
	f->attest = attest;
	attest_set_pki(attest, f->pki);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (api_route(a, paths[i], api_feeds_post, f) == -1) {
			free(f);	/* routes stay, but cannot be reached
					 * again: the daemon stops on NULL */
			return NULL;
		}
	if (api_metrics_register(a, api_feeds_metrics, f) == -1) {
		free(f);
		return NULL;
	}
	return f;
}

void
api_feeds_trust_fingerprint(struct api_feeds *f, unsigned char out[32])
{
	if (f->pki != NULL)
		pki_fingerprint(f->pki, out);
	else
		memset(out, 0, 32);
}

void
api_feeds_share_pki(struct api_feeds *f, struct pki *p)
{
	if (!f->shared)
		pki_free(f->pki);
	f->pki = p;
	f->shared = p != NULL;
	attest_set_pki(f->attest, p);
}

int
api_feeds_reload(struct api_feeds *f, const struct node_conf *conf)
{
	char why[256];
	struct pki *p = NULL;

	if (f->shared) {	/* peers_reload read them again, in place */
		log_info("reload: feeds: the peer links' anchors and CRL");
		return 0;
	}
	if (conf->n_anchors > 0 && (p = feed_sign_pki(conf->anchors,
	    conf->n_anchors, conf->crl_file, why, sizeof(why))) == NULL) {
		log_warnx("reload: feeds: %s (keeping the old anchors and "
		    "CRL)", why);
		return -1;
	}
	attest_set_pki(f->attest, p);
	pki_free(f->pki);
	f->pki = p;
	log_info("reload: feeds: %d trust anchor file%s%s", conf->n_anchors,
	    conf->n_anchors == 1 ? "" : "s", conf->crl_file[0] ? " and the "
	    "CRL" : "");
	return 0;
}

void
api_feeds_free(struct api_feeds *f)
{
	if (f != NULL && !f->shared)
		pki_free(f->pki);
	free(f);
}
