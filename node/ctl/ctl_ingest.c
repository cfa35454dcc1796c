/*
 * ctl_ingest.c: reputectl ingest. Reads abuse-report messages (files,
 * standard input, or a maildir's new/), one at a time, and
 *   - without --db: POSTs each to the daemon's /v1/feeds/FORMAT (the
 *     daemon reads it with its `feeds:` config and signs the reports);
 *   - with --db DIR --key FILE: reads it here (feeds/complaint.c, with the
 *     --own-host / --authserv-id / --own-domain options) and signs the
 *     reports into the store, as `report --db` does;
 *   - with --dry-run: prints the report objects, stores nothing.
 * Here (offline or --dry-run) S/MIME signed complaints are checked with
 * --trust-anchor / --crl as the daemon checks them with its peering
 * anchors (node/feed_sign.c); --signed require refuses the rest.
 * A maildir message is handled once: moved to cur/ (flag S), or, with
 * --state FILE, named in that file. Exit 0 when every message gave
 * reports or was skipped for a stated reason; 1 when one was refused; 75
 * (EX_TEMPFAIL, for an MTA's pipe) when one could not be handed on (a
 * maildir message then stays in new/).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <jansson.h>

#include "feeds/complaint.h"
#include "node/attest.h"
#include "node/ctl/ctl_ingest.h"
#include "node/feed_sign.h"
#include "node/peer/pki.h"

#define INGEST_STATE_MAX	1000000	/* names a state file may hold */
#define INGEST_EX_TEMPFAIL	75	/* sysexits.h EX_TEMPFAIL */

struct ingest {
	const struct ctl *c;
	enum feed_format fmt;
	struct feed_conf fc;
	const char *key;
	bool verbose, dry_run, json;
	struct batch_builder *bb;	/* offline */
	char anchors[8][256];		/* --trust-anchor: signed complaints */
	int n_anchors;
	const char *crl;		/* --crl */
	struct pki *pki;
	struct attest *attest;		/* the store's verifier (offline) */
	/* totals */
	unsigned long messages, with_reports, skipped, refused, failed;
	unsigned long reports;
	unsigned long reasons[FR_COUNT];
};

enum handled { HANDLED, NOT_HANDED_ON };	/* NOT_HANDED_ON: try again */

static uint64_t
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* The whole file (or stdin for "-"), at most max + 1 bytes. */
static char *
read_message(const char *path, size_t max, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	size_t cap = 65536, n = 0;
	char *buf = NULL;

	if (f == NULL)
		return NULL;
	while ((buf == NULL || n == cap) && n <= max) {
		char *nb = realloc(buf, (cap = buf ? cap * 2 : cap) + 1);
		if (nb == NULL)
			break;
		buf = nb;
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (buf != NULL) {
		buf[n] = '\0';
		*len = n;
	}
	return buf;
}

static void
count(struct ingest *in, enum feed_outcome o, enum feed_reason r,
    unsigned long reports)
{
	in->messages++;
	in->reasons[r]++;
	if (o == FEED_REPORTS) {
		in->with_reports++;
		in->reports += reports;
	} else if (o == FEED_SKIPPED)
		in->skipped++;
	else
		in->refused++;
}

static void
say(const struct ingest *in, const char *name, const char *fmt,
    const char *what, const char *why)
{
	if (in->verbose)
		printf("%s: %s %s: %s\n", name, fmt, what, why);
}

/* Offline (or --dry-run): read here, sign into the store. */
static enum handled
ingest_local(struct ingest *in, const char *name, const char *msg,
    size_t len)
{
	struct feed_result res;
	char err[256], what[64];
	size_t i;
	json_t *r;
	enum handled h = HANDLED;

	struct smime_signed sm = { 0 };
	struct feed_signer who;
	enum feed_reason sig = FR_UNSIGNED;
	char why[320];

	if (in->pki != NULL || in->fc.require_signed)
		sig = feed_sign_check(in->pki, msg, len, (int64_t)(now_ms() /
		    1000), &sm, &who, why, sizeof(why));
	if (sig != FR_NONE && in->fc.require_signed) {
		count(in, FEED_REFUSED, sig, 0);
		snprintf(what, sizeof(what), "refused %s", feed_reason_name(sig));
		say(in, name, feed_format_name(in->fmt), what, why);
		if (!in->verbose)
			fprintf(stderr, "reputectl: %s: refused (%s): %s\n", name,
			    feed_reason_name(sig), why);
		smime_clear(&sm);
		return HANDLED;
	}
	if (sig == FR_NONE)
		say(in, name, "s/mime", "signed", why);
	feed_parse(&in->fc, in->fmt, sm.content ? sm.content : msg,
	    sm.content ? sm.len : len, now_ms(), &res);
	/* its signature travels with its reports when it may (attest.c) */
	bool attested = sm.content != NULL && res.outcome == FEED_REPORTS &&
	    attest_may_travel(sm.content, sm.len, sm.cms_len, why, sizeof(why));
	if (sm.content != NULL && res.outcome == FEED_REPORTS)
		say(in, name, "s/mime", attested ? "attested" : "not attested",
		    attested ? "its reports count for the signer's "
		    "organisation" : why);
	json_array_foreach(res.reports, i, r) {
		char *text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
		int rc = 0;
		if (in->dry_run)
			printf("%s\n", text);
		else if (attested)
			rc = ctl_builder_add_attested(in->bb, text,
			    strlen(text), sm.cms, sm.cms_len,
			    (const uint8_t *)sm.content, sm.len, err,
			    sizeof(err));
		else
			rc = ctl_builder_add(in->bb, text, strlen(text), err,
			    sizeof(err));
		free(text);
		if (rc == -1)
			fprintf(stderr, "reputectl: %s: report refused: %s\n",
			    name, err);
		if (rc == -2) {
			h = NOT_HANDED_ON;
			in->failed++;
			break;
		}
	}
	smime_clear(&sm);
	count(in, res.outcome, res.reason, json_array_size(res.reports));
	if (res.outcome == FEED_REPORTS)
		snprintf(what, sizeof(what), "%zu report(s)",
		    json_array_size(res.reports));
	else
		snprintf(what, sizeof(what), "%s %s", res.outcome ==
		    FEED_SKIPPED ? "skipped" : "refused",
		    feed_reason_name(res.reason));
	say(in, name, feed_format_name(res.format), what, res.why);
	if (res.outcome == FEED_REFUSED && !in->verbose)
		fprintf(stderr, "reputectl: %s: refused (%s): %s\n", name,
		    feed_reason_name(res.reason), res.why);
	feed_result_clear(&res);
	return h;
}

static const char *
jstr(const json_t *doc, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(doc, key));

	return s ? s : dflt;
}

/* Through the daemon: the raw message to POST /v1/feeds/FORMAT. */
static enum handled
ingest_api(struct ingest *in, const char *name, const char *msg, size_t len)
{
	char path[64], *answer = NULL, what[96];
	int status;
	json_t *doc;

	snprintf(path, sizeof(path), "/v1/feeds/%s", feed_format_name(in->fmt));
	if ((status = ctl_api_post(in->c, path, msg, len, &answer)) < 0) {
		in->failed++;
		return NOT_HANDED_ON;
	}
	doc = json_loads(answer, 0, NULL);
	const char *fmt = jstr(doc, "format", feed_format_name(in->fmt));
	if (status == 200 && json_object_get(doc, "accepted") != NULL) {
		json_int_t n = json_integer_value(json_object_get(doc,
		    "accepted"));
		count(in, FEED_REPORTS, FR_NONE, (unsigned long)n);
		snprintf(what, sizeof(what), "%lld report(s) accepted",
		    (long long)n);
		say(in, name, fmt, what, "stored by the daemon");
	} else if (status == 200 && json_object_get(doc, "skipped") != NULL) {
		count(in, FEED_SKIPPED, feed_reason_parse(jstr(doc, "skipped",
		    ""), FR_NONE), 0);
		snprintf(what, sizeof(what), "skipped %s", jstr(doc, "skipped",
		    "?"));
		say(in, name, fmt, what, jstr(doc, "why", ""));
	} else if (status == 422) {
		count(in, FEED_REFUSED, feed_reason_parse(jstr(doc, "refused",
		    ""), FR_MALFORMED), 0);
		snprintf(what, sizeof(what), "refused %s", jstr(doc, "refused",
		    "?"));
		say(in, name, fmt, what, jstr(doc, "error", ""));
		if (!in->verbose)
			fprintf(stderr, "reputectl: %s: refused: %s\n", name,
			    jstr(doc, "error", answer));
	} else {		/* 503 and the like: not stored, try again */
		fprintf(stderr, "reputectl: %s: the daemon answered %d: %s\n",
		    name, status, jstr(doc, "error", answer));
		in->failed++;
		json_decref(doc);
		free(answer);
		return NOT_HANDED_ON;
	}
	json_decref(doc);
	free(answer);
	return HANDLED;
}

static enum handled
ingest_one(struct ingest *in, const char *path, const char *name)
{
	size_t max = in->fc.max_message ? in->fc.max_message : FEED_MAX_MESSAGE;
	size_t len = 0;
	char *msg = read_message(path, max, &len);
	enum handled h;

	if (msg == NULL) {
		fprintf(stderr, "reputectl: %s: %s\n", path, strerror(errno));
		in->failed++;
		return NOT_HANDED_ON;
	}
	h = ctl_offline(in->c) || in->dry_run ? ingest_local(in, name, msg,
	    len) : ingest_api(in, name, msg, len);
	free(msg);
	return h;
}

/* ---- maildir ---- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of dir (no dot files), sorted; NULL-terminated. */
static char **
list_dir(const char *dir, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL)
		return NULL;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n + 1 >= cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) *
			    sizeof(*nn));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (names != NULL) {
		qsort(names, *n, sizeof(*names), name_cmp);
		names[*n] = NULL;
	}
	return names;
}

static void
free_names(char **names)
{
	for (size_t i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

static bool
in_state(char **state, size_t n, const char *name)
{
	return n > 0 && bsearch(&name, state, n, sizeof(*state), name_cmp);
}

/* The names in a state file, one a line, sorted (an absent file: none). */
static char **
list_state(const char *path, size_t *n)
{
	FILE *f = fopen(path, "r");
	char line[4096], **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) && *n < INGEST_STATE_MAX) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (*n + 1 >= cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 64) *
			    sizeof(*nn));
			if (nn == NULL)
				break;
			names = nn;
		}
		names[(*n)++] = strdup(line);
	}
	fclose(f);
	if (names != NULL) {
		qsort(names, *n, sizeof(*names), name_cmp);
		names[*n] = NULL;
	}
	return names;
}

/* new/ (and with a state file cur/ too): each message not handled yet. */
static int
ingest_maildir(struct ingest *in, const char *dir, const char *state_path)
{
	static const char *subs[] = { "new", "cur" };
	size_t ns = 0;
	char **state = state_path ? list_state(state_path, &ns) : NULL;
	FILE *sf = state_path ? fopen(state_path, "a") : NULL;

	if (state_path != NULL && sf == NULL) {
		fprintf(stderr, "reputectl: %s: %s\n", state_path,
		    strerror(errno));
		free_names(state);
		return -1;
	}
	for (int s = 0; s < (state_path ? 2 : 1); s++) {
		char sub[4096], path[8192], dst[8192];
		size_t n;
		snprintf(sub, sizeof(sub), "%s/%s", dir, subs[s]);
		char **names = list_dir(sub, &n);
		if (names == NULL && s == 0) {
			fprintf(stderr, "reputectl: %s: not a maildir\n", sub);
			if (sf)
				fclose(sf);
			free_names(state);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (in_state(state, ns, names[i]))
				continue;
			snprintf(path, sizeof(path), "%s/%s", sub, names[i]);
			if (ingest_one(in, path, names[i]) != HANDLED)
				continue;
			if (sf != NULL) {
				fprintf(sf, "%s\n", names[i]);
				fflush(sf);
				continue;
			}
			snprintf(dst, sizeof(dst), "%s/cur/%s%s", dir, names[i],
			    strchr(names[i], ':') ? "" : ":2,S");
			if (rename(path, dst) == -1)
				fprintf(stderr, "reputectl: rename %s: %s\n",
				    path, strerror(errno));
		}
		free_names(names);
	}
	if (sf)
		fclose(sf);
	free_names(state);
	return 0;
}

/* ---- the command ---- */

static void
totals(const struct ingest *in)
{
	json_t *reasons = json_object(), *doc;
	const char *sep = " (";
	char *t;

	if (!in->json) {
		printf("ingest: %lu message(s): %lu gave %lu report(s), %lu "
		    "skipped, %lu refused, %lu not handed on", in->messages,
		    in->with_reports, in->reports, in->skipped, in->refused,
		    in->failed);
		for (int r = 1; r < FR_COUNT; r++)
			if (in->reasons[r]) {
				printf("%s%s %lu", sep, feed_reason_name(r),
				    in->reasons[r]);
				sep = ", ";
			}
		printf("%s\n", sep[0] == ',' ? ")" : "");
		json_decref(reasons);
		return;
	}
	for (int r = 1; r < FR_COUNT; r++)
		if (in->reasons[r])
			json_object_set_new(reasons, feed_reason_name(r),
			    json_integer((json_int_t)in->reasons[r]));
	doc = json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:o}", "messages",
	    (json_int_t)in->messages, "with_reports",
	    (json_int_t)in->with_reports, "reports", (json_int_t)in->reports,
	    "skipped", (json_int_t)in->skipped, "refused",
	    (json_int_t)in->refused, "not_handed_on", (json_int_t)in->failed,
	    "reasons", reasons);
	t = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
	printf("%s\n", t ? t : "{}");
	free(t);
	json_decref(doc);
}

static void
usage(void)
{
	fprintf(stderr, "usage: reputectl [--api HOST:PORT | --db DIR] ingest "
	    "[--format arf|xarf|dmarc|auto]\n"
	    "         [--verbose] [--json] [--maildir DIR [--state FILE]] "
	    "[FILE... | -]\n"
	    "       offline (--db DIR): --key FILE [--own-host H]... "
	    "[--authserv-id ID]...\n"
	    "         [--own-domain D]... [--max-size BYTES] [--trust-anchor "
	    "F]... [--crl F]\n         [--signed require|optional]; "
	    "--dry-run prints the reports\n");
}

const struct option ctl_ingest_options[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "key", required_argument, NULL, 'k' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "json", no_argument, NULL, 'j' },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "maildir", required_argument, NULL, 'm' },
	{ "state", required_argument, NULL, 's' },
	{ "own-host", required_argument, NULL, 'H' },
	{ "authserv-id", required_argument, NULL, 'A' },
	{ "own-domain", required_argument, NULL, 'D' },
	{ "max-size", required_argument, NULL, 'M' },
	{ "trust-anchor", required_argument, NULL, 'T' },
	{ "crl", required_argument, NULL, 'C' },
	{ "signed", required_argument, NULL, 'S' },
	{ 0 } };

/* Options; the index of the first file, or -1. */
static int
ingest_args(struct ingest *in, int argc, char **argv, const char **maildir,
    const char **state)
{
	char err[160];
	int ch;

	while ((ch = getopt_long(argc, argv, "f:k:vjnm:s:",
	    ctl_ingest_options, NULL)) != -1) {
		const char *kind = ch == 'H' ? "own-host" : ch == 'A' ?
		    "authserv-id" : ch == 'D' ? "own-domain" : NULL;
		if (kind != NULL) {
			if (feed_conf_add(&in->fc, kind, optarg, err,
			    sizeof(err)) == -1) {
				fprintf(stderr, "reputectl: %s\n", err);
				return -1;
			}
			continue;
		}
		switch (ch) {
		case 'f':
			if (feed_format_parse(optarg, &in->fmt) == 0)
				break;
			fprintf(stderr, "reputectl: unknown format '%s'\n",
			    optarg);
			return -1;
		case 'k': in->key = optarg; break;
		case 'v': in->verbose = true; break;
		case 'j': in->json = true; break;
		case 'n': in->dry_run = true; break;
		case 'm': *maildir = optarg; break;
		case 's': *state = optarg; break;
		case 'M':
			in->fc.max_message = strtoul(optarg, NULL, 10);
			break;
		case 'T':
			if (in->n_anchors == 8 || strlen(optarg) >= 256)
				return -1;
			snprintf(in->anchors[in->n_anchors++], 256, "%s",
			    optarg);
			break;
		case 'C': in->crl = optarg; break;
		case 'S':
			if (strcmp(optarg, "require") != 0 &&
			    strcmp(optarg, "optional") != 0)
				return -1;
			in->fc.require_signed = strcmp(optarg, "require") == 0;
			break;
		default:
			return -1;
		}
	}
	return optind;
}

int
ctl_ingest(const struct ctl *c, int argc, char **argv)
{
	static struct ingest in;	/* the feed_conf is 24 KB */
	const char *maildir = NULL, *state = NULL;
	uint64_t reports = 0, batches = 0, next = 0;
	char why[256];
	int first, rc = 0;

	memset(&in, 0, sizeof(in));
	in.c = c;
	if ((first = ingest_args(&in, argc, argv, &maildir, &state)) < 0 ||
	    (state != NULL && maildir == NULL)) {
		usage();
		return 2;
	}
	if (ctl_offline(c) && !in.dry_run) {
		if (in.key == NULL) {
			fprintf(stderr, "reputectl: ingest --db needs --key FILE "
			    "(the origin key that signs the batches)\n");
			return 2;
		}
		if ((in.bb = ctl_builder_open(c, in.key)) == NULL)
			return 1;
	}
	if (in.n_anchors > 0 && (in.pki = feed_sign_pki(
	    (const char (*)[256])in.anchors, in.n_anchors, in.crl, why,
	    sizeof(why))) == NULL) {
		fprintf(stderr, "reputectl: --trust-anchor: %s\n", why);
		return 2;
	}
	if (in.bb != NULL && (in.attest = attest_new()) != NULL) {
		attest_set_pki(in.attest, in.pki);
		ctl_builder_set_attest(in.bb, attest_store_cb, in.attest);
	}
	if (maildir != NULL)
		rc = ingest_maildir(&in, maildir, state);
	for (int i = first; i < argc && rc == 0; i++) {
		const char *slash = strrchr(argv[i], '/');
		ingest_one(&in, argv[i], slash ? slash + 1 : argv[i]);
	}
	if (maildir == NULL && first == argc)
		ingest_one(&in, "-", "stdin");
	if (in.bb != NULL && ctl_builder_close(in.bb, &reports, &batches,
	    &next) != 0)
		in.failed++;
	attest_free(in.attest);
	pki_free(in.pki);
	totals(&in);
	if (in.bb != NULL && !in.json)
		printf("applied %llu reports in %llu batches (next seq %llu)\n",
		    (unsigned long long)reports, (unsigned long long)batches,
		    (unsigned long long)next);
	if (in.failed > 0)
		return INGEST_EX_TEMPFAIL;	/* an MTA keeps and retries it */
	return rc == 0 && in.refused == 0 ? 0 : 1;
}
