/*
 * ctl_spf.c: the reputectl subcommands of Sender-ID evaluation.
 *
 *   reputectl spf --ip ADDR --mail-from ADDR --helo NAME
 *                 [--resolver HOST:PORT] [--timeout MS] [--deadline MS] [--json]
 *   reputectl spf --suite FILE.yml [--differences FILE] [--verbose]
 *   reputectl senderid --ip ADDR --headers FILE [--helo NAME]
 *                 [--resolver HOST:PORT] [--timeout MS] [--json]
 *
 * Real lookups go through libunbound on a libevent loop (feeds/
 * resolver_unbound.c); suites run through the in-memory resolver. The
 * evaluation itself is feeds/spf.c; this file only reads arguments and
 * prints: the result word on the first line, the explanation (if any) on
 * the second, or one JSON object with --json.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <event2/event.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"
#include "node/ctl/ctl_spf.h"

#define CTL_TIMEOUT_MS	5000
#define HEADERS_MAX	(1u << 20)

struct ctl_spf_opts {
	const char	*ip, *mail_from, *helo, *resolver, *suite;
	const char	*differences, *headers;
	unsigned	 timeout_ms;	/* per DNS query */
	unsigned	 deadline_ms;	/* whole evaluation; 0: SPF_MAX_MS */
	bool		 json, verbose, mail_from_set, help;
};

/* The state of one evaluation over real DNS. */
struct ctl_spf_wait {
	struct event_base *base;
	struct spf_outcome out;
	bool		 done;
};

static void
ctl_spf_usage(const char *cmd)
{
	if (strcmp(cmd, "senderid") == 0)
		fprintf(stderr, "usage: reputectl senderid --ip ADDR --headers "
		    "FILE [--helo NAME] [--resolver HOST:PORT] [--timeout MS] "
		    "[--deadline MS] [--json]\n");
	else
		fprintf(stderr, "usage: reputectl spf --ip ADDR --mail-from ADDR "
		    "--helo NAME [--resolver HOST:PORT] [--timeout MS] [--deadline MS] "
		    "[--json]\n"
		    "       reputectl spf --suite FILE.yml [--differences FILE] "
		    "[--verbose]\n");
}

const struct option ctl_spf_options[] = {
	{ "ip", required_argument, NULL, 'i' },
	{ "mail-from", required_argument, NULL, 'm' },
	{ "helo", required_argument, NULL, 'H' },
	{ "resolver", required_argument, NULL, 'r' },
	{ "timeout", required_argument, NULL, 't' },
	{ "deadline", required_argument, NULL, 'D' },
	{ "suite", required_argument, NULL, 's' },
	{ "differences", required_argument, NULL, 'd' },
	{ "headers", required_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'x' },
	{ NULL, 0, NULL, 0 },
};

static int
ctl_spf_getopt(int argc, char **argv, struct ctl_spf_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = CTL_TIMEOUT_MS;
	optind = 0;		/* glibc: start over, state included */
	while ((c = getopt_long(argc, argv, "", ctl_spf_options, NULL)) != -1) {
		switch (c) {
		case 'i': o->ip = optarg; break;
		case 'm': o->mail_from = optarg; o->mail_from_set = true; break;
		case 'H': o->helo = optarg; break;
		case 'r': o->resolver = optarg; break;
		case 't': o->timeout_ms = strtoul(optarg, NULL, 10); break;
		case 'D': o->deadline_ms = strtoul(optarg, NULL, 10); break;
		case 's': o->suite = optarg; break;
		case 'd': o->differences = optarg; break;
		case 'h': o->headers = optarg; break;
		case 'j': o->json = true; break;
		case 'v': o->verbose = true; break;
		case 'x': o->help = true; return -1;
		default: return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

/* ---- printing ---- */

static void
ctl_spf_print(const struct spf_outcome *out, const char *identity,
    const struct pra_result *pra, bool json)
{
	if (!json) {
		printf("%s\n", spf_result_name(out->result));
		if (out->explanation[0])
			printf("%s\n", out->explanation);
		return;
	}
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i}",
	    "result", spf_result_name(out->result),
	    "identity", identity,
	    "explanation", out->explanation,
	    "domain", out->domain,
	    "record", out->record,
	    "mechanism", out->mechanism,
	    "problem", out->problem,
	    "dns_terms", (int)out->dns_terms,
	    "void_lookups", (int)out->void_lookups,
	    "queries", (int)out->queries);
	if (o == NULL)
		return;
	if (pra) {
		json_object_set_new(o, "pra", json_string(pra->addr));
		json_object_set_new(o, "pra_field", json_string(pra->field));
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s)
		printf("%s\n", s);
	free(s);
	json_decref(o);
}

/* ---- real DNS ---- */

static void
ctl_spf_done_cb(void *arg, const struct spf_outcome *out)
{
	struct ctl_spf_wait *w = arg;

	w->out = *out;
	w->done = true;
	event_base_loopbreak(w->base);
}

/* Runs one request over libunbound; 0 and w->out filled, or -1. */
static int
ctl_spf_resolve(const struct ctl_spf_opts *o, const struct spf_request *req,
    struct ctl_spf_wait *w)
{
	struct resolver *res;
	char err[256];
	int rc = -1;

	memset(w, 0, sizeof(*w));
	if ((w->base = event_base_new()) == NULL) {
		fprintf(stderr, "event_base_new failed\n");
		return -1;
	}
	if ((res = resolver_unbound_new(w->base, o->resolver, o->timeout_ms,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "resolver: %s\n", err);
		goto free_base;
	}
	if (spf_run_start(res, req, ctl_spf_done_cb, w, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		goto free_res;
	}
	while (!w->done && event_base_dispatch(w->base) == 0)
		;
	rc = w->done ? 0 : -1;
	if (rc == -1)
		fprintf(stderr, "the event loop stopped before an answer\n");
free_res:
	resolver_free(res);
free_base:
	event_base_free(w->base);
	return rc;
}

static int
ctl_spf_one(const struct ctl_spf_opts *o)
{
	struct spf_request req = { 0 };
	struct ctl_spf_wait w;

	if (o->ip == NULL || o->helo == NULL || !o->mail_from_set) {
		ctl_spf_usage("spf");
		return 2;
	}
	req.ip = o->ip;
	req.sender = o->mail_from;
	req.helo = o->helo;
	req.scope = o->mail_from[0] ? SPF_SCOPE_MFROM : SPF_SCOPE_HELO;
	req.max_ms = o->deadline_ms;
	if (ctl_spf_resolve(o, &req, &w) == -1)
		return 1;
	ctl_spf_print(&w.out, o->mail_from[0] ? "mailfrom" : "helo", NULL,
	    o->json);
	return 0;
}

/* ---- suites ---- */

/* A documented difference: "name result  # why" per line. */
static bool
ctl_spf_documented(const char *path, const char *name, enum spf_result got)
{
	char line[512], tname[256], word[32];
	enum spf_result r;
	bool found = false;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || sscanf(line, "%255s %31s", tname, word) != 2)
			continue;
		found = strcmp(tname, name) == 0 &&
		    spf_result_parse(word, &r) == 0 && r == got;
	}
	fclose(f);
	return found;
}

static int
ctl_spf_suite(const struct ctl_spf_opts *o)
{
	struct spf_suite *s;
	struct spf_outcome out;
	size_t passed = 0, failed = 0, documented = 0;
	char err[512], msg[2048];

	if ((s = spf_suite_load(o->suite, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (size_t i = 0; i < spf_suite_count(s); i++) {
		const struct spf_suite_case *c = spf_suite_case(s, i);
		if (spf_suite_run(c, &out, msg, sizeof(msg))) {
			passed++;
			if (o->verbose)
				printf("ok %s: %s\n", c->name, msg);
			continue;
		}
		failed++;
		if (ctl_spf_documented(o->differences, c->name, out.result)) {
			documented++;
			printf("DIFF %s (%s): %s [documented RFC 7208 change]\n",
			    c->name, c->scenario, msg);
		} else
			printf("FAIL %s (%s): %s\n", c->name, c->scenario, msg);
	}
	spf_suite_free(s);
	if (o->differences)
		printf("%zu of the failures are documented RFC 7208 differences\n",
		    documented);
	printf("%zu passed, %zu failed\n", passed, failed);
	return failed == documented ? 0 : 1;
}

int
ctl_spf(int argc, char **argv)
{
	struct ctl_spf_opts o;

	if (ctl_spf_getopt(argc, argv, &o) == -1) {
		ctl_spf_usage("spf");
		return o.help ? 0 : 2;
	}
	return o.suite ? ctl_spf_suite(&o) : ctl_spf_one(&o);
}

/* ---- Sender ID ---- */

static char *
ctl_spf_read(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf;

	if (f == NULL || (buf = malloc(HEADERS_MAX + 1)) == NULL) {
		if (f && f != stdin)
			fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, HEADERS_MAX, f);
	buf[*len] = '\0';
	if (f != stdin)
		fclose(f);
	return buf;
}

int
ctl_senderid(int argc, char **argv)
{
	struct ctl_spf_opts o;
	struct rfc5322_header hdr;
	struct pra_result pra;
	struct spf_request req;
	struct ctl_spf_wait w;
	char err[256], *msg;
	size_t len;

	if (ctl_spf_getopt(argc, argv, &o) == -1 || o.ip == NULL ||
	    o.headers == NULL) {
		ctl_spf_usage("senderid");
		return o.help ? 0 : 2;
	}
	if ((msg = ctl_spf_read(o.headers, &len)) == NULL) {
		fprintf(stderr, "%s: cannot read\n", o.headers);
		return 1;
	}
	memset(&pra, 0, sizeof(pra));
	pra.status = PRA_NONE;
	if (rfc5322_parse(msg, len, &hdr, err, sizeof(err)) == -1)
		snprintf(pra.why, sizeof(pra.why), "%.100s", err);
	else {
		pra_select(&hdr, &pra);
		rfc5322_clear(&hdr);
	}
	free(msg);
	if (pra.status != PRA_FOUND) {
		memset(&w.out, 0, sizeof(w.out));
		w.out.result = SPF_PERMERROR;
		snprintf(w.out.problem, sizeof(w.out.problem), "no PRA: %s",
		    pra.why);
	} else {
		senderid_request(&req, o.ip, o.helo, &pra);
		req.default_exp = NULL;
		req.max_ms = o.deadline_ms;
		if (ctl_spf_resolve(&o, &req, &w) == -1)
			return 1;
	}
	ctl_spf_print(&w.out, "pra", &pra, o.json);
	return 0;
}
