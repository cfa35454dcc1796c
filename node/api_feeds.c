/*
 * api_feeds.c: the abuse-report feeds on the local API (api_feeds.h). A
 * thin shell: the body goes to feed_parse (feeds/complaint.c), each
 * report object through jsonl_report_from_json (the checks every report
 * gets), then to api_submit. Owns its counters; borrows the API and the
 * config.
 *
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
#include "node/batcher.h"
#include "node/log.h"
#include "node/node.h"
#include "node/peer/pki.h"
#include "node/prom.h"

struct api_feeds {
	struct api *a;
	const struct feed_conf *fc;
	struct pki *pki;		/* the peering anchors and CRL: who may
					 * sign complaints; NULL: none */
	uint64_t signed_ok;		/* S/MIME from a member, verified */
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

/* Report objects -> reports in calloc'd storage; NULL with err. */
static struct jsonl_report *
api_feeds_reports(const json_t *arr, uint64_t now, char *err, size_t errlen)
{
	size_t n = json_array_size(arr), i;
	struct jsonl_report *reps = calloc(n, sizeof(*reps));
	char why[200];
	json_t *o;

	if (reps == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_array_foreach(arr, i, o)
		if (jsonl_report_from_json(o, now, &reps[i], why,
		    sizeof(why)) == -1) {
			snprintf(err, errlen, "report %zu: %s", i, why);
			free(reps);
			return NULL;
		}
	return reps;
}

/* An S/MIME signature: FR_NONE when the message is signed by a
 * certificate that validates on the federation's paths now (then
 * sm->content is what was signed, and the reply names the signer's
 * organisation), else why not (unsigned, bad signature, untrusted). */
static enum feed_reason
api_feeds_signature(struct api_feeds *f, struct evhttp_request *req,
    const char *body, size_t len, struct smime_signed *sm)
{
	char err[256], subject[256], hex[2 * PKI_ORG_ID_LEN + 1], hdr[400];
	uint8_t org[PKI_ORG_ID_LEN];
	bool revoked = false;

	switch (smime_open(body ? body : "", len, sm, err, sizeof(err))) {
	case SMIME_UNSIGNED:
		return FR_UNSIGNED;
	case SMIME_BAD_SIGNATURE:
		log_info("api: feed: %s", err);
		return FR_BAD_SIGNATURE;
	case SMIME_SIGNED:
		break;
	}
	X509_NAME_oneline(X509_get_subject_name(sm->signer), subject,
	    sizeof(subject));
	if (f->pki == NULL || pki_verify(f->pki, sm->signer, sm->certs,
	    (int64_t)(batcher_now() / 1000), &revoked, err, sizeof(err)) != 0 ||
	    pki_cert_org(f->pki, sm->signer, sm->certs,
	    (int64_t)(batcher_now() / 1000), org) != 0) {
		log_info("api: feed: signer %s not on the federation's paths: "
		    "%s", subject, f->pki ? (revoked ? "revoked" : err) :
		    "no trust-anchor configured");
		free(sm->content);	/* not to be read as signed */
		sm->content = NULL;
		return FR_UNTRUSTED_SIGNER;
	}
	for (size_t i = 0; i < PKI_ORG_ID_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", org[i]);
	snprintf(hdr, sizeof(hdr), "org=%s; signer=\"%s\"", hex, subject);
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
	enum feed_reason sig = api_feeds_signature(f, req, body, len, &sm);
	if (sig != FR_NONE && f->fc->require_signed) {
		f->messages[fmt][FEED_REFUSED]++;
		f->refused[sig]++;
		api_reply_json(req, 422, json_pack("{s:s,s:s,s:s}", "format",
		    feed_format_name(fmt), "refused", feed_reason_name(sig),
		    "error", "signed: require, and this message is not signed "
		    "by a federation member (see the log)"));
		smime_clear(&sm);
		return;
	}
	if (sm.content != NULL)		/* the signed part: the report */
		feed_parse(f->fc, fmt, sm.content, sm.len, batcher_now(), &res);
	else
		feed_parse(f->fc, fmt, body ? body : "", len, batcher_now(),
		    &res);
	smime_clear(&sm);
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
	else if ((reps = api_feeds_reports(res.reports, batcher_now(), err,
	    sizeof(err))) == NULL)
		api_reply_json(req, 422, json_pack("{s:s,s:s}", "refused",
		    "malformed", "error", err));
	else {
		f->reports += json_array_size(res.reports);
		api_submit(f->a, req, reps, json_array_size(res.reports));
	}
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
}

/* The trust of peer links: anchors and CRL of the peering: clause. */
static struct pki *
api_feeds_pki(const struct node_conf *conf)
{
	struct pki *p;
	char err[256];

	if (conf->n_anchors == 0 || (p = pki_new()) == NULL)
		return NULL;
	for (int i = 0; i < conf->n_anchors; i++)
		if (pki_add_anchor_file(p, conf->anchors[i], err,
		    sizeof(err)) == -1)
			log_warnx("feeds: %s", err);
	if (conf->crl_file[0] != '\0' && pki_add_crl_file(p, conf->crl_file,
	    err, sizeof(err)) == -1)
		log_warnx("feeds: %s", err);
	return p;
}

struct api_feeds *
api_feeds_attach(struct api *a, const struct node_conf *conf)
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
api_feeds_free(struct api_feeds *f)
{
	if (f != NULL)
		pki_free(f->pki);
	free(f);
}
