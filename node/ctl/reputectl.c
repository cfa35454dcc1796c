/*
 * reputectl.c: the command-line tool. With --db DIR it works offline on a
 * store directory (the daemon must not be running on it); without, the
 * subcommands that read or change data talk to a running reputed through
 * its local HTTP API (--api HOST:PORT, default 127.0.0.1:8053).
 *
 *   reputectl keygen --out FILE
 *   reputectl [--db DIR] report --key FILE (--ip A | --domain D) --category C
 *             [--confidence N] [--ttl S] [--observed-at MS] [--client-ip A]
 *             [--helo H] [--mail-from M] [--pra P] [--spf-helo R]
 *             [--spf-mfrom R] [--senderid R]
 *   reputectl [--db DIR] report --key FILE --jsonl   (reports on stdin)
 *             offline also [--check-spf [--resolver system|HOST:PORT]
 *             [--timeout MS]]: evaluate missing Sender-ID results first
 *   reputectl [--db DIR] query SUBJECT [--json]
 *   reputectl --db DIR rescore | prune | stats [--json]
 *   reputectl backup --db DIR --out FILE  (the daemon may be running)
 *   reputectl retract SEQ:INDEX ...      (through the daemon)
 *   reputectl peers [--json]             (through the daemon)
 *   reputectl spf | senderid | export | ca | cert | ingest ... (ctl_*.c)
 *
 * Report options become one JSON object, checked by feeds/jsonl.c exactly
 * as the API checks what it receives, so both paths accept the same input.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "feeds/jsonl.h"
#include "node/ctl/ctl_export.h"
#include "node/ctl/ctl_message.h"
#include "node/ctl/ctl_ingest.h"
#include "node/ctl/ctl_pki.h"
#include "node/ctl/ctl_spf.h"
#include "node/mailcheck.h"
#include "node/node.h"
#include "node/reputon.h"
#include "reputation/reputation.h"

#define JSONL_BATCH	256
#define LINE_MAX_LEN	65536
#define BULK_TXN_REPORTS 65536	/* reports per write transaction (bulk) */
#define PROGRESS_MS	500	/* progress line refresh on a terminal */

struct ctl {
	const char *db;		/* offline store, or NULL: use the API */
	const char *api;	/* host:port of the daemon's API */
	bool json;		/* machine-readable output */
};

static uint64_t
now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

static void
format_time(uint64_t ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct store *
open_store_policy(const struct ctl *c, bool bulk, const struct policy *p)
{
	char err[256];
	struct store_options o = { .sync = 2, .bulk = bulk, .policy = p };
	struct store *st = store_open(c->db, &o, err, sizeof(err));
	if (st == NULL)
		fprintf(stderr, "reputectl: %s\n", err);
	return st;
}

static struct store *
open_store(const struct ctl *c)
{
	return open_store_policy(c, false, NULL);
}

/* The store of --db and one read snapshot of it in *r; NULL (and nothing
 * left open) when either fails. snapshot_close undoes both. */
static struct store *
snapshot_open(const struct ctl *c, struct store_reader **r)
{
	struct store *st = open_store(c);

	*r = st ? store_reader_new(st) : NULL;
	if (*r != NULL && store_reader_begin(*r) == 0)
		return st;
	if (*r != NULL)
		store_reader_free(*r);
	store_close(st);
	return NULL;
}

static void
snapshot_close(struct store *st, struct store_reader *r)
{
	store_reader_end(r);
	store_reader_free(r);
	store_close(st);
}

/* ---- talking to the daemon ---- */

/* One HTTP/1.0 request to the API; the body of the answer in *out (caller
 * frees). Returns the HTTP status, or -1 if the daemon is not reachable. */
static int api_request_len(const struct ctl *c, const char *method,
    const char *path, const char *body, size_t blen, char **out);

static int
api_request(const struct ctl *c, const char *method, const char *path,
    const char *body, char **out)
{
	return api_request_len(c, method, path, body, body ? strlen(body) : 0,
	    out);
}

/* The same for a body of blen bytes (a raw message may hold any byte). */
static int
api_request_len(const struct ctl *c, const char *method, const char *path,
    const char *body, size_t blen, char **out)
{
	char host[128], port[16] = "8053";
	const char *colon = strrchr(c->api, ':');
	size_t hl = colon ? (size_t)(colon - c->api) : strlen(c->api);
	if (hl >= sizeof(host))
		return -1;
	memcpy(host, c->api, hl);
	host[hl] = '\0';
	if (colon)
		snprintf(port, sizeof(port), "%s", colon + 1);
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	int fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		fprintf(stderr, "reputectl: cannot reach reputed at %s (give "
		    "--db DIR to work on a store offline)\n", c->api);
		return -1;
	}
	freeaddrinfo(ai);
	dprintf(fd, "%s %s HTTP/1.0\r\nHost: %s\r\nContent-Type: "
	    "application/json\r\nContent-Length: %zu\r\n\r\n", method, path,
	    c->api, blen);
	if (blen && write(fd, body, blen) != (ssize_t)blen) {
		close(fd);
		return -1;
	}
	size_t len = 0, cap = 8192;
	char *buf = malloc(cap + 1);
	ssize_t n;
	while (buf && (n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			char *nb = realloc(buf, 2 * cap + 1);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (buf == NULL)
		return -1;
	buf[len] = '\0';
	int status = 0;
	sscanf(buf, "HTTP/%*s %d", &status);
	char *sep = strstr(buf, "\r\n\r\n");
	*out = strdup(sep ? sep + 4 : "");
	free(buf);
	return status;
}

/* POSTs doc (taken: freed here) as compact JSON; as api_request. */
static int
api_post_json(const struct ctl *c, const char *path, json_t *doc, char **out)
{
	char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (body == NULL) {
		fprintf(stderr, "reputectl: out of memory\n");
		return -1;
	}
	int status = api_request(c, "POST", path, body, out);
	free(body);
	return status;
}

/* ---- keygen ---- */

static const struct option keygen_options[] = {
	{ "out", required_argument, NULL, 'o' }, { 0 } };

static const struct option json_option[] = {
	{ "json", no_argument, NULL, 'j' }, { 0 } };
static const struct option no_options[] = { { 0 } };

/*
 * getopt_long over a subcommand that takes only --json (opts json_option)
 * or nothing (no_options): sets *json for --json. Returns the number of
 * operands left at argv[optind], or -1 after the usage for an unknown
 * option or a count of operands outside [min, max].
 */
static int
plain_args(int argc, char **argv, const struct option *opts, bool *json,
    int min, int max, const char *usage)
{
	int ch, n;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j')
			goto usage;
		*json = true;
	}
	n = argc - optind;
	if (n >= min && n <= max)
		return n;
usage:
	fprintf(stderr, "usage: %s\n", usage);
	return -1;
}

static int
cmd_keygen(const struct ctl *c, int argc, char **argv)
{
	const char *out = NULL;
	char err[256];
	int ch;
	while ((ch = getopt_long(argc, argv, "o:", keygen_options, NULL)) != -1) {
		if (ch != 'o')
			goto usage;
		out = optarg;
	}
	if (out == NULL || optind != argc) {
usage:
		fprintf(stderr, "usage: reputectl keygen --out FILE\n");
		return 2;
	}
	if (signer_generate(out, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	struct signer *s = signer_load(out, err, sizeof(err));
	uint8_t pub[ED25519_KEY_LEN];
	char h[2 * ED25519_KEY_LEN + 1];
	if (s == NULL) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	signer_public_key(s, pub);
	signer_free(s);
	hex(pub, sizeof(pub), h);
	printf(c->json ? "{\"key\":\"%s\",\"public\":\"%s\"}\n" :
	    "wrote %s\npublic key %s\n", out, h);
	return 0;
}

/* ---- report ---- */

/* Command-line report options -> the JSON object the API takes. */
static const struct {
	const char *opt, *field;
	bool integer;
} report_fields[] = {
	{ "ip", "ip", false }, { "domain", "domain", false },
	{ "subject", "subject", false }, { "category", "category", false },
	{ "confidence", "confidence", true }, { "ttl", "ttl", true },
	{ "observed-at", "observed_at", true },
	{ "client-ip", "client_ip", false }, { "helo", "helo", false },
	{ "mail-from", "mail_from", false }, { "pra", "pra", false },
	{ "spf-helo", "spf_helo", false },
	{ "spf-mfrom", "spf_mail_from", false },
	{ "senderid", "sender_id", false },
};
#define N_REPORT_FIELDS	(sizeof(report_fields) / sizeof(report_fields[0]))

struct report_opts {
	const char *key;
	bool jsonl;
	json_t *obj;
	bool check_spf;		/* --check-spf: evaluate before signing */
	const char *resolver;	/* "system" or HOST:PORT */
	unsigned timeout_ms;	/* per DNS query */
	const char *message;	/* --message FILE (node/ctl/ctl_message.c) */
	const char *authserv_id;
	const char *conf;	/* --conf FILE: its policy decides (--db) */
};

/* report's long options: one per report field (val 256 + its index), then
 * the rest. Built once; the parser and `reputectl complete` both use it. */
static const struct option *
report_options(void)
{
	static struct option opts[N_REPORT_FIELDS + 9];
	size_t i;
	if (opts[0].name != NULL)
		return opts;
	for (i = 0; i < N_REPORT_FIELDS; i++)
		opts[i] = (struct option){ report_fields[i].opt,
		    required_argument, NULL, 256 + (int)i };
	opts[i++] = (struct option){ "key", required_argument, NULL, 'k' };
	opts[i++] = (struct option){ "jsonl", no_argument, NULL, 'j' };
	opts[i++] = (struct option){ "check-spf", no_argument, NULL, 'S' };
	opts[i++] = (struct option){ "resolver", required_argument, NULL, 'R' };
	opts[i++] = (struct option){ "timeout", required_argument, NULL, 'T' };
	opts[i++] = (struct option){ "message", required_argument, NULL, 'M' };
	opts[i++] = (struct option){ "authserv-id", required_argument, NULL, 'A' };
	opts[i++] = (struct option){ "conf", required_argument, NULL, 'C' };
	opts[i] = (struct option){ 0 };
	return opts;
}

static int
report_args(int argc, char **argv, struct report_opts *ro)
{
	const struct option *opts = report_options();
	ro->obj = json_object();
	ro->resolver = "system";
	ro->timeout_ms = 5000;
	int ch;
	while ((ch = getopt_long(argc, argv, "k:j", opts, NULL)) != -1) {
		if (ch == 'k')
			ro->key = optarg;
		else if (ch == 'S')
			ro->check_spf = true;
		else if (ch == 'R')
			ro->resolver = optarg;
		else if (ch == 'T')
			ro->timeout_ms = (unsigned)strtoul(optarg, NULL, 10);
		else if (ch == 'j')
			ro->jsonl = true;
		else if (ch == 'M')
			ro->message = optarg;
		else if (ch == 'A')
			ro->authserv_id = optarg;
		else if (ch == 'C')
			ro->conf = optarg;
		else if (ch >= 256) {
			size_t f = (size_t)ch - 256;
			char *end;
			long long n = strtoll(optarg, &end, 10);
			json_t *v = !report_fields[f].integer ?
			    json_string(optarg) : *end || !*optarg ?
			    json_string(optarg) : json_integer(n);
			json_object_set_new(ro->obj, report_fields[f].field, v);
		} else
			return -1;
	}
	return 0;
}

struct batch_builder {
	struct jsonl_report *reps;	/* JSONL_BATCH of them */
	Reputed__Report *ptrs[JSONL_BATCH];
	size_t n;
	struct signer *key;
	struct store *st;
	struct verifier *ver;
	struct store_txn *tx;		/* open across batches (bulk) */
	uint64_t seq;			/* the next seq to use */
	uint64_t reports, batches;	/* committed */
	uint64_t tx_reports, tx_batches;	/* in the open transaction */
	uint64_t txn_reports;		/* commit after this many */
	uint8_t origin[ED25519_KEY_LEN];	/* the key's public half */
	uint64_t dropped0;		/* its quota_dropped before */
	uint64_t live_dropped0;		/* its live_dropped before */
	struct event_base *base;	/* --check-spf: the mailcheck's loop */
	struct mailcheck *mc;		/* --check-spf, or NULL */
	uint8_t *att[JSONL_BATCH];	/* attestation bytes of the pending
					 * reports (ingest), owned */
	size_t att_bytes;
};

/* The pending reports' attestation bytes go (the batch holds them). */
static void
builder_att_clear(struct batch_builder *bb)
{
	for (size_t i = 0; i < JSONL_BATCH; i++) {
		free(bb->att[i]);
		bb->att[i] = NULL;
	}
	bb->att_bytes = 0;
}

/* Commits the open transaction, if any: its batches count from here. */
static int
builder_commit(struct batch_builder *bb)
{
	char err[256];
	if (bb->tx == NULL)
		return 0;
	int rc = store_commit(bb->tx, err, sizeof(err));
	bb->tx = NULL;
	if (rc != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		bb->seq -= bb->tx_batches;
		bb->tx_reports = bb->tx_batches = 0;
		return -1;
	}
	bb->reports += bb->tx_reports;
	bb->batches += bb->tx_batches;
	bb->tx_reports = bb->tx_batches = 0;
	return 0;
}

/* Drops the open transaction: its batches are not stored. */
static void
builder_abort(struct batch_builder *bb)
{
	if (bb->tx == NULL)
		return;
	store_abort(bb->tx);
	bb->tx = NULL;
	bb->seq -= bb->tx_batches;
	bb->tx_reports = bb->tx_batches = 0;
}

/* Seals the pending reports into one batch, verifies it as a receiver
 * would, and applies it in the open write transaction; commits when the
 * transaction holds txn_reports (1: every batch). */
static int
builder_flush(struct batch_builder *bb)
{
	char err[256];
	if (bb->n == 0)
		return 0;
	Reputed__Batch b = REPUTED__BATCH__INIT;
	for (size_t i = 0; i < bb->n; i++)
		bb->ptrs[i] = &bb->reps[i].report;
	/* --check-spf: this node's verdict, signed in as the daemon does */
	if (bb->mc != NULL && mailcheck_run_wait(bb->mc, bb->base, bb->ptrs,
	    bb->n, err, sizeof(err)) == -1) {
		fprintf(stderr, "reputectl: Sender-ID: %s\n", err);
		return -1;
	}
	b.seq = bb->seq;
	b.created_at = now_ms();
	b.reports = bb->ptrs;
	b.n_reports = bb->n;
	size_t len;
	uint8_t *sb = envelope_seal(bb->key, &b, &len);
	Reputed__Batch *dec = NULL;
	int rc = -1;
	err[0] = '\0';
	if (sb == NULL) {
		snprintf(err, sizeof(err), "could not sign the batch");
		goto out;
	}
	if (envelope_open(bb->ver, sb, len, &dec, err, sizeof(err)) !=
	    ENVELOPE_OK)
		goto out;
	if (bb->tx == NULL &&
	    (bb->tx = store_begin(bb->st, err, sizeof(err))) == NULL)
		goto out;
	enum apply_status s = store_apply(bb->tx, sb, len, dec, err,
	    sizeof(err));
	if (s != APPLY_OK) {
		builder_abort(bb);
		fprintf(stderr, "reputectl: batch %llu %s: %s\n",
		    (unsigned long long)bb->seq, apply_status_name(s), err);
		err[0] = '\0';
		goto out;
	}
	bb->tx_reports += bb->n;
	bb->tx_batches++;
	bb->seq++;
	bb->n = 0;
	builder_att_clear(bb);
	rc = bb->tx_reports >= bb->txn_reports ? builder_commit(bb) : 0;
out:
	if (rc != 0 && err[0])
		fprintf(stderr, "reputectl: %s\n", err);
	if (dec)
		reputed__batch__free_unpacked(dec, NULL);
	free(sb);
	return rc;
}

static int
builder_add_json(struct batch_builder *bb, const char *line, size_t len)
{
	char err[256];
	if (jsonl_parse_report(line, len, now_ms(), &bb->reps[bb->n], err,
	    sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return -1;
	}
	bb->n++;
	return builder_flush(bb);
}

/* bulk: many batches per transaction and one sync at the end, instead
 * of a commit and an fsync per batch. */
static int
builder_init(struct batch_builder *bb, const struct ctl *c, const char *key,
    bool bulk, const struct policy *p)
{
	char err[256];
	struct origin_info oi;
	memset(bb, 0, sizeof(*bb));
	bb->reps = calloc(JSONL_BATCH, sizeof(*bb->reps));
	bb->ver = verifier_new();
	if (bb->reps == NULL || bb->ver == NULL)
		return -1;
	if ((bb->key = signer_load(key, err, sizeof(err))) == NULL) {
		fprintf(stderr, "reputectl: %s\n", err);
		return -1;
	}
	if ((bb->st = open_store_policy(c, bulk, p)) == NULL)
		return -1;
	if (store_policy_changed(bb->st)) {
		fprintf(stderr, "reputectl: %s was scored under another policy "
		    "than --conf's: rescore it first (reputectl --db %s "
		    "rescore --conf FILE)\n", c->db, c->db);
		return -1;
	}
	bb->txn_reports = bulk ? BULK_TXN_REPORTS : 1;
	signer_public_key(bb->key, bb->origin);
	if (store_get_origin(bb->st, bb->origin, &oi) < 0)
		return -1;
	bb->seq = oi.highest_seq + 1;
	bb->dropped0 = oi.quota_dropped;
	bb->live_dropped0 = oi.live_dropped;
	return 0;
}

/* Reports of this run that the origin's quota (policy quota-per-hour of
 * batch time) dropped, and (*live) its live ceiling (policy
 * live-ceiling): stored, signed, but they count nowhere, here or at any
 * peer. */
static uint64_t
builder_dropped(struct batch_builder *bb, uint64_t *live)
{
	struct origin_info oi;
	*live = 0;
	if (store_get_origin(bb->st, bb->origin, &oi) < 0)
		return 0;
	*live = oi.live_dropped - bb->live_dropped0;
	return oi.quota_dropped - bb->dropped0;
}

/* --check-spf: a mailcheck over libunbound on a loop of our own. */
static int
builder_check_spf(struct batch_builder *bb, const struct report_opts *ro)
{
	char err[256];

	if ((bb->base = event_base_new()) == NULL ||
	    (bb->mc = mailcheck_new(bb->base, ro->resolver, ro->timeout_ms, 0,
	    0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "reputectl: --check-spf: %s\n", bb->base ?
		    err : "event_base_new failed");
		return -1;
	}
	return 0;
}

static void
builder_free(struct batch_builder *bb)
{
	builder_abort(bb);
	builder_att_clear(bb);
	mailcheck_free(bb->mc);
	if (bb->base != NULL)
		event_base_free(bb->base);
	store_close(bb->st);
	signer_free(bb->key);
	verifier_free(bb->ver);
	free(bb->reps);
}

/* The progress line of a bulk import on a terminal: count, rate and,
 * when stdin is a file, how much is left. */
struct progress {
	bool on;			/* stderr is a terminal */
	uint64_t t0, last;		/* ms */
	uint64_t total, done;		/* bytes of a file input, read */
};

static void
progress_init(struct progress *pg)
{
	struct stat sb;
	memset(pg, 0, sizeof(*pg));
	pg->on = isatty(STDERR_FILENO);
	pg->t0 = pg->last = now_ms();
	if (fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode))
		pg->total = (uint64_t)sb.st_size;
}

static void
progress_show(struct progress *pg, uint64_t reports, bool final)
{
	uint64_t now = now_ms();
	if (!pg->on || (!final && now - pg->last < PROGRESS_MS))
		return;
	pg->last = now;
	double s = (double)(now - pg->t0) / 1000, rate = s > 0 ?
	    (double)reports / s : 0;
	fprintf(stderr, "\r%llu reports, %.0f/s, %.0f s",
	    (unsigned long long)reports, rate, s);
	if (pg->total > 0 && pg->done > 0 && pg->done < pg->total)
		fprintf(stderr, ", %.0f%%, %.0f s left",
		    100.0 * (double)pg->done / (double)pg->total,
		    s * (double)(pg->total - pg->done) / (double)pg->done);
	fputs(final ? "\n" : "   ", stderr);
}

/* Reads JSON lines from stdin; blank lines and '#' comments are skipped.
 * A bad line is reported with its number and skipped (a feed goes on);
 * the exit status then says something was refused. */
static int
report_jsonl_offline(struct batch_builder *bb)
{
	char *line = malloc(LINE_MAX_LEN), err[256];
	unsigned long lineno = 0, bad = 0;
	struct progress pg;
	int rc = line ? 0 : -1;
	progress_init(&pg);
	while (rc == 0 && fgets(line, LINE_MAX_LEN, stdin)) {
		size_t len = strlen(line);
		lineno++;
		pg.done += len;
		while (len && isspace((unsigned char)line[len - 1]))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (jsonl_parse_report(line, len, now_ms(), &bb->reps[bb->n],
		    err, sizeof(err)) != 0) {
			fprintf(stderr, "%sreputectl: line %lu skipped: %s\n",
			    pg.on ? "\n" : "", lineno, err);
			bad++;
			continue;
		}
		if (++bb->n == JSONL_BATCH) {
			rc = builder_flush(bb);
			progress_show(&pg, bb->reports + bb->tx_reports,
			    false);
		}
	}
	free(line);
	if (rc == 0)
		rc = builder_flush(bb);
	if (rc == 0)
		rc = builder_commit(bb);
	if (rc == 0 && store_sync(bb->st, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		rc = -1;
	}
	progress_show(&pg, bb->reports, true);
	if (bad)
		fprintf(stderr, "reputectl: %lu line%s skipped\n", bad,
		    bad == 1 ? "" : "s");
	return rc == 0 && bad == 0 ? 0 : rc == 0 ? 1 : rc;
}

/* The policy of --conf FILE (into *nc), or NULL for the one the store
 * records (the default for a new store); -1 when the file does not
 * parse. */
static int
report_policy(const struct report_opts *ro, struct node_conf *nc,
    const struct policy **p)
{
	char err[512];
	*p = NULL;
	if (ro->conf == NULL)
		return 0;
	if (conf_load(nc, ro->conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return -1;
	}
	*p = &nc->policy;
	return 0;
}

/* The summary of an offline report; reports over the quota make the exit
 * status 1, as skipped lines do. */
static int
report_summary(const struct ctl *c, struct batch_builder *bb, uint64_t t0,
    int rc)
{
	double s = (double)(now_ms() - t0) / 1000;
	double rate = s > 0 ? (double)bb->reports / s : 0;
	uint64_t live = 0, dropped = rc >= 0 ? builder_dropped(bb, &live) : 0;
	if (rc < 0)
		return rc;
	printf(c->json ? "{\"reports\":%llu,\"batches\":%llu,"
	    "\"next_seq\":%llu,\"seconds\":%.3f,\"reports_per_s\":%.0f,"
	    : "applied %llu reports in %llu batches (next seq %llu) in %.1f "
	    "s, %.0f reports/s", (unsigned long long)bb->reports,
	    (unsigned long long)bb->batches, (unsigned long long)bb->seq, s,
	    rate);
	if (c->json)
		printf("\"quota_dropped\":%llu,\"live_dropped\":%llu}\n",
		    (unsigned long long)dropped, (unsigned long long)live);
	else if (dropped + live > 0)
		printf(", %llu of them over the quota and %llu over the live "
		    "ceiling (dropped)\n", (unsigned long long)dropped,
		    (unsigned long long)live);
	else
		putchar('\n');
	if (dropped > 0)
		fprintf(stderr, "reputectl: %llu reports were over the "
		    "origin's quota (policy quota-per-hour %llu per hour of "
		    "batch time): stored, but they count nowhere; sign with "
		    "more origin keys, or over more hours\n",
		    (unsigned long long)dropped, (unsigned long long)
		    store_policy(bb->st)->quota_per_hour);
	if (live > 0)
		fprintf(stderr, "reputectl: %llu reports were over the "
		    "origin's live ceiling (policy live-ceiling %llu reports "
		    "that live into a later day): stored, but they count "
		    "nowhere; shorter TTLs leave room sooner\n",
		    (unsigned long long)live, (unsigned long long)
		    store_policy(bb->st)->live_ceiling);
	return dropped + live > 0 ? 1 : rc;
}

static int
report_offline(const struct ctl *c, struct report_opts *ro)
{
	static struct node_conf nc;	/* --conf: large */
	const struct policy *p;
	struct batch_builder bb;
	int rc = -1;
	if (ro->key == NULL) {
		fprintf(stderr, "reputectl: report --db needs --key FILE (the "
		    "origin key that signs the batch)\n");
		return 2;
	}
	if (report_policy(ro, &nc, &p) != 0)
		return 1;
	uint64_t t0 = now_ms();
	if (builder_init(&bb, c, ro->key, ro->jsonl, p) == 0 &&
	    (!ro->check_spf || builder_check_spf(&bb, ro) == 0)) {
		if (ro->jsonl)
			rc = report_jsonl_offline(&bb);
		else {
			char *text = json_dumps(ro->obj, JSON_COMPACT);
			rc = builder_add_json(&bb, text, strlen(text));
			free(text);
		}
		rc = report_summary(c, &bb, t0, rc);
	}
	builder_free(&bb);
	return rc == 0 ? 0 : 1;
}

/* Through the daemon: the daemon's own key signs; reports go as JSON. */
static int
report_online(const struct ctl *c, struct report_opts *ro)
{
	json_t *arr = json_array();
	char line[LINE_MAX_LEN], *answer = NULL;
	if (ro->jsonl) {
		while (fgets(line, sizeof(line), stdin)) {
			json_error_t je;
			json_t *o = json_loads(line, JSON_DISABLE_EOF_CHECK,
			    &je);
			if (o == NULL && line[strspn(line, " \t\r\n")] &&
			    line[0] != '#') {
				fprintf(stderr, "reputectl: %s\n", je.text);
				json_decref(arr);
				return 1;
			}
			if (o)
				json_array_append_new(arr, o);
		}
	} else
		json_array_append(arr, ro->obj);
	int status = api_post_json(c, "/v1/reports", arr, &answer);
	if (status < 0)
		return 1;
	json_t *doc = json_loads(answer, 0, NULL);
	if (status / 100 == 2 && !c->json && doc != NULL) {
		size_t i;
		json_t *id;
		printf("accepted %lld report(s); ids (for retract):",
		    json_integer_value(json_object_get(doc, "accepted")));
		json_array_foreach(json_object_get(doc, "ids"), i, id)
			printf(" %lld:%lld", json_integer_value(json_array_get(id,
			    0)), json_integer_value(json_array_get(id, 1)));
		putchar('\n');
	} else {
		fputs(answer, status / 100 == 2 ? stdout : stderr);
		if (answer[0] && answer[strlen(answer) - 1] != '\n')
			putchar('\n');
	}
	json_decref(doc);
	free(answer);
	return status / 100 == 2 ? 0 : 1;
}

static int
cmd_report(const struct ctl *c, int argc, char **argv)
{
	struct report_opts ro = { 0 };
	int rc = 2;
	if (report_args(argc, argv, &ro) != 0 || optind != argc) {
		fprintf(stderr, "usage: reputectl [--db DIR] report --key FILE "
		    "(--ip ADDR | --domain NAME) --category CAT [...] | "
		    "--jsonl [--conf FILE] [--check-spf [--resolver "
		    "system|HOST:PORT] [--timeout MS]] | --message FILE.eml "
		    "--authserv-id ID --category CAT\n");
	} else if (ro.message != NULL && (ro.jsonl ||
	    ctl_message_fill(ro.obj, ro.message, ro.authserv_id) == -1)) {
		if (ro.jsonl)
			fprintf(stderr, "reputectl: --message and --jsonl do not "
			    "go together\n");
	} else if (ro.check_spf && !c->db)
		fprintf(stderr, "reputectl: --check-spf is for --db; through "
		    "the API, the daemon evaluates (sender-id: in its config)\n");
	else if (ro.conf && !c->db)
		fprintf(stderr, "reputectl: --conf is for --db; through the "
		    "API, the daemon's own config decides\n");
	else
		rc = c->db ? report_offline(c, &ro) : report_online(c, &ro);
	json_decref(ro.obj);
	return rc;
}

/* ---- query ---- */

struct explain_ctx {
	const struct policy *p;
	uint64_t now;
};

static void
explain_text(struct explain_ctx *x, const char *origin,
    const struct evidence *ev, double trust)
{
	char first[32], last[32];
	format_time(ev->first_seen, first, sizeof(first));
	format_time(ev->last_seen, last, sizeof(last));
	printf("  origin %.16s  trust %.2f  %u report%s, first %s, last %s\n",
	    origin, trust, ev->n_reports, ev->n_reports == 1 ? "" : "s",
	    first, last);
	for (unsigned k = 1; k < CATEGORY_COUNT; k++) {
		if (ev->weight[k] == 0)
			continue;
		printf("    %-11s weight %.3f, decayed to now %.3f\n",
		    category_name(k), ev->weight[k],
		    evidence_weight_at(ev, k, x->now, x->p));
	}
	if (ev->spoofed > 0)
		printf("    Sender-ID: %.3f withheld from the domain (SPF / "
		    "Sender ID fail: counted as spoofing, not against it)\n",
		    ev->spoofed);
}

static int
explain_one(void *arg, const uint8_t origin[32], const struct evidence *ev,
    double trust)
{
	char h[65];
	hex(origin, 32, h);
	explain_text(arg, h, ev, trust);
	return 0;
}

static void
print_listing_text(const char *subject, const struct listing *l, bool found,
    uint64_t now)
{
	char first[32], last[32], until[32];
	if (!found) {
		printf("%s: not listed (no reports)\n", subject);
		return;
	}
	bool listed = listing_listed(l, now);
	format_time(l->first_seen, first, sizeof(first));
	format_time(l->last_seen, last, sizeof(last));
	format_time(l->listed_until, until, sizeof(until));
	printf("%s: %s", subject, listed ? "LISTED" : listing_allowed(l, now) ?
	    "allow-listed" : "not listed");
	if (listed)
		printf(" 127.0.0.%u (%s) until %s", l->code,
		    category_name(l->category), until);
	printf("\n  score %.3f, %u report%s, %u organisation%s with weight; first "
	    "reported %s, last %s\n", l->score, l->n_reports,
	    l->n_reports == 1 ? "" : "s", l->n_orgs,
	    l->n_orgs == 1 ? "" : "s", first, last);
}

/* The reputon document of the API (node/reputon.c), rated by "reputed"
 * (the default server name): the same members as GET /v1/reputation. */
static int
query_offline_json(struct store_reader *r, const struct policy *p,
    const struct subject *s, uint64_t now)
{
	json_t *doc = reputon_document(r, p, "reputed", s, now);
	char *out = doc ? json_dumps(doc, REPUTON_JSON_FLAGS) : NULL;

	json_decref(doc);
	if (out == NULL) {
		fprintf(stderr, "reputectl: cannot build the reputon\n");
		return 1;
	}
	puts(out);
	free(out);
	return 0;
}

static int
query_offline(const struct ctl *c, const char *text)
{
	struct subject s;
	struct listing l;
	char err[256], canon[SUBJECT_TEXT_MAX];
	int rc = 0;
	if (subject_parse(text, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 2;
	}
	struct store_reader *r;
	struct store *st = snapshot_open(c, &r);
	if (st == NULL)
		return 1;
	uint64_t now = now_ms();
	if (c->json)
		rc = query_offline_json(r, store_policy(st), &s, now);
	else {
		struct explain_ctx x = { store_policy(st), now };
		bool found = store_lookup(r, &s, &l) == 0;
		subject_format(&s, canon, sizeof(canon));
		print_listing_text(canon, &l, found, now);
		store_explain(r, &s, explain_one, &x);
	}
	snapshot_close(st, r);
	return rc;
}

/* One reputon of GET /v1/reputation, printed as query_offline does. */
static void
print_reputon_text(const char *asked, json_t *r)
{
	json_t *x = json_object_get(r, "reputed"), *o;
	struct listing l = { 0 };
	size_t i;
	if (r == NULL || x == NULL) {
		printf("%s: not listed (no reports)\n", asked);
		return;
	}
	l.score = (float)json_real_value(json_object_get(r, "rating"));
	l.n_reports = (uint32_t)json_integer_value(json_object_get(r,
	    "sample-size"));
	l.n_orgs = (uint16_t)json_integer_value(json_object_get(x,
	    "origins"));
	l.first_seen = (uint64_t)json_integer_value(json_object_get(x,
	    "first_seen"));
	l.last_seen = (uint64_t)json_integer_value(json_object_get(x,
	    "last_seen"));
	const char *cat = json_string_value(json_object_get(x, "category"));
	l.category = (uint8_t)(cat ? category_parse(cat) : 0);
	const char *code = json_string_value(json_object_get(x, "code"));
	if (code && strncmp(code, "127.0.0.", 8) == 0)
		l.code = (uint8_t)atoi(code + 8);
	uint64_t now = now_ms();
	if (json_is_true(json_object_get(x, "listed")))
		l.listed_until = (uint64_t)json_integer_value(json_object_get(
		    r, "expires")) * 1000;
	if (json_is_true(json_object_get(x, "allowed")))
		l.allowed_until = UINT64_MAX;
	print_listing_text(json_string_value(json_object_get(r, "rated")), &l,
	    true, now);
	json_array_foreach(json_object_get(x, "explanation"), i, o) {
		char first[32], last[32];
		format_time((uint64_t)json_integer_value(json_object_get(o,
		    "first_seen")), first, sizeof(first));
		format_time((uint64_t)json_integer_value(json_object_get(o,
		    "last_seen")), last, sizeof(last));
		printf("  origin %.16s  trust %.2f  %lld reports, first %s, "
		    "last %s\n", json_string_value(json_object_get(o,
		    "origin")), json_real_value(json_object_get(o, "trust")),
		    json_integer_value(json_object_get(o, "reports")), first,
		    last);
		const char *k;
		json_t *w;
		json_object_foreach(json_object_get(o, "weight"), k, w)
			printf("    %-11s decayed to now %.3f\n", k,
			    json_real_value(w));
		double sp = json_real_value(json_object_get(o, "spoofed"));
		if (sp > 0)
			printf("    Sender-ID: %.3f withheld from the domain "
			    "(SPF / Sender ID fail)\n", sp);
	}
}

static int
query_online(const struct ctl *c, const char *text)
{
	char path[512], *answer = NULL;
	snprintf(path, sizeof(path), "/v1/reputation/%s", text);
	int status = api_request(c, "GET", path, NULL, &answer);
	if (status < 0)
		return 1;
	if (status != 200 || c->json) {
		fputs(answer, status == 200 ? stdout : stderr);
		free(answer);
		return status == 200 ? 0 : 1;
	}
	json_error_t je;
	json_t *doc = json_loads(answer, 0, &je);
	free(answer);
	if (doc == NULL) {
		fprintf(stderr, "reputectl: bad answer: %s\n", je.text);
		return 1;
	}
	print_reputon_text(text, json_array_get(json_object_get(doc,
	    "reputons"), 0));
	json_decref(doc);
	return 0;
}

static int
cmd_query(const struct ctl *c, int argc, char **argv)
{
	struct ctl local = *c;
	if (plain_args(argc, argv, json_option, &local.json, 1, 1,
	    "reputectl [--db DIR] query SUBJECT [--json]") == -1)
		return 2;
	const char *subject = argv[optind];
	return c->db ? query_offline(&local, subject) :
	    query_online(&local, subject);
}

/* ---- retract ---- */

/* reputectl retract SEQ:INDEX ...: withdraws reports this node made, by
 * the ids POST /v1/reports answered with. */
static int
cmd_retract(const struct ctl *c, int argc, char **argv)
{
	bool unused = false;
	if (plain_args(argc, argv, no_options, &unused, 1, INT_MAX,
	    "reputectl retract SEQ:INDEX ... (through the daemon: the ids "
	    "its POST /v1/reports answered)") == -1)
		return 2;
	json_t *ids = json_array();
	char *answer = NULL;
	for (int i = optind; i < argc; i++) {
		unsigned long long seq;
		unsigned index;
		char tail;
		if (sscanf(argv[i], "%llu:%u%c", &seq, &index, &tail) != 2 ||
		    seq == 0) {
			fprintf(stderr, "reputectl: '%s' is not SEQ:INDEX\n",
			    argv[i]);
			json_decref(ids);
			return 2;
		}
		json_array_append_new(ids, json_pack("[I,I]", (json_int_t)seq,
		    (json_int_t)index));
	}
	if (json_array_size(ids) == 0 || c->db) {
		fprintf(stderr, "usage: reputectl retract SEQ:INDEX ... (through "
		    "the daemon: the ids its POST /v1/reports answered)\n");
		json_decref(ids);
		return 2;
	}
	int status = api_post_json(c, "/v1/retractions",
	    json_pack("{s:o}", "ids", ids), &answer);
	if (status < 0)
		return 1;
	fputs(answer, status == 200 ? stdout : stderr);
	if (answer[0] && answer[strlen(answer) - 1] != '\n')
		putchar('\n');
	free(answer);
	return status == 200 ? 0 : 1;
}

/* ---- peers ---- */

static const char *
jstr(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? v : "?";
}

static void
print_session(json_t *x)
{
	printf("  %-16s %-8s %-6s %s\n    batches in %lld out %lld, bytes in "
	    "%lld out %lld, queued %lld%s\n", jstr(x, "remote_name"),
	    jstr(x, "direction"), jstr(x, "state"), jstr(x, "addr"),
	    json_integer_value(json_object_get(x, "batches_in")),
	    json_integer_value(json_object_get(x, "batches_out")),
	    json_integer_value(json_object_get(x, "bytes_in")),
	    json_integer_value(json_object_get(x, "bytes_out")),
	    json_integer_value(json_object_get(x, "queued")),
	    json_is_true(json_object_get(x, "throttled")) ? " (throttled)" :
	    "");
	if (json_object_get(x, "quota_dropped") != NULL)
		printf("    its own batches applied %lld, reports over its "
		    "quota %lld, live %lld, over its live ceiling %lld%s%s%s\n",
		    json_integer_value(json_object_get(x, "origin_batches")),
		    json_integer_value(json_object_get(x, "quota_dropped")),
		    json_integer_value(json_object_get(x, "live_reports")),
		    json_integer_value(json_object_get(x, "live_dropped")),
		    json_is_true(json_object_get(x, "blocked")) ?
		    ", blocked (" : "",
		    json_is_true(json_object_get(x, "blocked")) ?
		    jstr(x, "blocked_reason") : "",
		    json_is_true(json_object_get(x, "blocked")) ? ")" : "");
}

/* reputectl peers: the daemon's peer sessions and configured peers. */
static int
cmd_peers(const struct ctl *c, int argc, char **argv)
{
	char *answer = NULL;
	json_t *doc, *x;
	size_t i;
	bool json = c->json;
	if (plain_args(argc, argv, json_option, &json, 0, 0,
	    "reputectl peers [--json]") == -1)
		return 2;
	if (c->db) {
		fprintf(stderr, "reputectl: peers asks a running daemon (no "
		    "--db)\n");
		return 2;
	}
	int status = api_request(c, "GET", "/v1/peers", NULL, &answer);
	if (status < 0)
		return 1;
	if (status != 200 || json ||
	    (doc = json_loads(answer, 0, NULL)) == NULL) {
		fputs(answer, status == 200 ? stdout : stderr);
		free(answer);
		return status == 200 ? 0 : 1;
	}
	free(answer);
	printf("sessions: %zu\n", json_array_size(json_object_get(doc,
	    "sessions")));
	json_array_foreach(json_object_get(doc, "sessions"), i, x)
		print_session(x);
	printf("configured peers: %zu\n", json_array_size(json_object_get(
	    doc, "configured")));
	json_array_foreach(json_object_get(doc, "configured"), i, x)
		printf("  %-16s %s:%lld  %s, %lld connects, %lld failures\n",
		    jstr(x, "name"), jstr(x, "host"),
		    json_integer_value(json_object_get(x, "port")),
		    json_is_true(json_object_get(x, "connected")) ?
		    "connected" : "not connected",
		    json_integer_value(json_object_get(x, "connects")),
		    json_integer_value(json_object_get(x, "failures")));
	json_decref(doc);
	return 0;
}

/* ---- rescore, stats ---- */

static int
need_db(const struct ctl *c, const char *cmd)
{
	if (c->db)
		return 0;
	fprintf(stderr, "reputectl: %s works on a store: give --db DIR (for "
	    "a running daemon, see GET /metrics)\n", cmd);
	return -1;
}

static const struct option rescore_options[] = {
	{ "conf", required_argument, NULL, 'C' }, { 0 } };

/*
 * Rebuilds every record from the stored batches under the policy the
 * store records (the daemon's, as of its last start or reload), or under
 * --conf FILE's policy: clause, which the store then records.
 */
static int
cmd_rescore(const struct ctl *c, int argc, char **argv)
{
	static struct node_conf nc;	/* large */
	const char *conf = NULL;
	char err[512];
	int ch;

	while ((ch = getopt_long(argc, argv, "", rescore_options, NULL)) != -1) {
		if (ch != 'C')
			goto usage;
		conf = optarg;
	}
	if (optind != argc) {
usage:
		fprintf(stderr, "usage: reputectl --db DIR rescore "
		    "[--conf FILE]\n");
		return 2;
	}
	if (need_db(c, "rescore") != 0)
		return 2;
	if (conf != NULL && conf_load(&nc, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	struct store *st = open_store_policy(c, false,
	    conf ? &nc.policy : NULL);
	if (st == NULL)
		return 1;
	struct timeval a, b;
	gettimeofday(&a, NULL);
	int rc = store_rescore(st, err, sizeof(err));
	gettimeofday(&b, NULL);
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	printf("rescored in %.3f s\n", (double)(b.tv_sec - a.tv_sec) +
	    (b.tv_usec - a.tv_usec) / 1e6);
	return 0;
}

/* Sweeps the pruner over the whole store (the daemon does it in the
 * background, in small transactions; this is for a stopped one). */
static int
cmd_prune(const struct ctl *c, int argc, char **argv)
{
	char err[256];
	struct store_prune p;
	bool json = c->json;
	if (plain_args(argc, argv, json_option, &json, 0, 0,
	    "reputectl --db DIR prune [--json]") == -1 ||
	    need_db(c, "prune") != 0)
		return 2;
	struct store *st = open_store(c);
	if (st == NULL)
		return 1;
	uint64_t t0 = now_ms();
	int rc = store_prune_all(st, &p, err, sizeof(err));
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	printf(json ? "{\"refolded\":%llu,\"batches_pruned\":%llu,"
	    "\"seconds\":%.3f}\n" : "%llu records refolded, %llu batches "
	    "pruned in %.3f s\n", (unsigned long long)p.refolded,
	    (unsigned long long)p.batches_pruned,
	    (double)(now_ms() - t0) / 1000);
	return 0;
}

static const struct option backup_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "out", required_argument, NULL, 'o' }, { 0 } };

/* A compacting copy of a store, live or not: LMDB copies one read
 * snapshot, so the daemon can go on writing. Restore: the file becomes
 * data.mdb of an empty directory (docs/DAEMON.md). */
static int
cmd_backup(const struct ctl *c, int argc, char **argv)
{
	struct ctl cc = *c;
	const char *out = NULL;
	char err[256];
	int ch;
	while ((ch = getopt_long(argc, argv, "d:o:", backup_options, NULL)) !=
	    -1) {
		if (ch == 'd')
			cc.db = optarg;
		else if (ch == 'o')
			out = optarg;
		else
			goto usage;
	}
	if (out == NULL || cc.db == NULL || optind != argc) {
usage:
		fprintf(stderr, "usage: reputectl backup --db DIR --out FILE\n");
		return 2;
	}
	struct store *st = open_store(&cc);
	if (st == NULL)
		return 1;
	uint64_t t0 = now_ms();
	int rc = store_backup(st, out, err, sizeof(err));
	store_close(st);
	if (rc != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	struct stat sb;
	printf("backed up %s to %s (%lld bytes) in %.3f s\n", cc.db, out,
	    stat(out, &sb) == 0 ? (long long)sb.st_size : -1LL,
	    (double)(now_ms() - t0) / 1000);
	return 0;
}

static int
cmd_stats(const struct ctl *c, int argc, char **argv)
{
	struct store_stats s;
	bool json = c->json;
	if (plain_args(argc, argv, json_option, &json, 0, 0,
	    "reputectl --db DIR stats [--json]") == -1 ||
	    need_db(c, "stats") != 0)
		return 2;
	struct store_reader *r;
	struct store *st = snapshot_open(c, &r);
	if (st == NULL)
		return 1;
	store_stats(r, now_ms(), &s);
	snapshot_close(st, r);
	const char *fmt = json ? "{\"batches\":%llu,\"pending\":%llu,"
	    "\"reports_indexed\":%llu,\"evidence\":%llu,\"subjects\":%llu,"
	    "\"listed\":%llu,\"origins\":%llu,\"equivocations\":%llu,"
	    "\"blocked_policy\":%llu,\"blocked_equivocation\":%llu,"
	    "\"blocked_flood\":%llu,\"bytes_on_disk\":%llu}\n" :
	    "batches        %llu (%llu pending)\nreports        %llu\n"
	    "evidence       %llu\nsubjects       %llu\nlisted now     %llu\n"
	    "origins        %llu\nequivocations  %llu\n"
	    "blocked        %llu by policy, %llu for equivocation, %llu for "
	    "flooding\nbytes on disk  %llu\n";
	printf(fmt, (unsigned long long)s.batches,
	    (unsigned long long)s.pending,
	    (unsigned long long)s.reports_indexed,
	    (unsigned long long)s.evidence, (unsigned long long)s.subjects,
	    (unsigned long long)s.listed, (unsigned long long)s.origins,
	    (unsigned long long)s.equivocations,
	    (unsigned long long)s.blocked_policy,
	    (unsigned long long)s.blocked_equivocation,
	    (unsigned long long)s.blocked_flood,
	    (unsigned long long)s.bytes_on_disk);
	return 0;
}

/* ---- ingest (node/ctl/ctl_ingest.c): the batch builder and the API ---- */

struct batch_builder *
ctl_builder_open(const struct ctl *c, const char *key)
{
	struct batch_builder *bb = malloc(sizeof(*bb));

	if (bb != NULL && builder_init(bb, c, key, false, NULL) == 0)
		return bb;
	if (bb != NULL)
		builder_free(bb);
	free(bb);
	return NULL;
}

/* One report object (JSON text); a full batch is sealed and applied. */
int
ctl_builder_add(struct batch_builder *bb, const char *json, size_t len,
    char *err, size_t errlen)
{
	if (jsonl_parse_report(json, len, now_ms(), &bb->reps[bb->n], err,
	    errlen) != 0)
		return -1;
	if (++bb->n == JSONL_BATCH && builder_flush(bb) != 0) {
		snprintf(err, errlen, "the batch could not be stored");
		return -2;
	}
	return 0;
}

/* The same for a report of a verified signed complaint, carrying its
 * signature (cms, then the signed part: copied) to every node. A batch
 * is sealed before its attestations pass half a frame. */
int
ctl_builder_add_attested(struct batch_builder *bb, const char *json,
    size_t len, const uint8_t *cms, size_t cms_len, const uint8_t *part,
    size_t part_len, char *err, size_t errlen)
{
	struct jsonl_report *r = &bb->reps[bb->n];
	uint8_t *buf;

	if (bb->n > 0 && bb->att_bytes + cms_len + part_len >
	    FRAME_MAX_DEFAULT / 2 && builder_flush(bb) != 0) {
		snprintf(err, errlen, "the batch could not be stored");
		return -2;
	}
	if (jsonl_parse_report(json, len, now_ms(), r, err, errlen) != 0)
		return -1;
	if ((buf = malloc(cms_len + part_len + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(buf, cms, cms_len);
	memcpy(buf + cms_len, part, part_len);
	free(bb->att[bb->n]);
	bb->att[bb->n] = buf;
	bb->att_bytes += cms_len + part_len;
	reputed__attestation__init(&r->attestation);
	r->attestation.cms.data = buf;
	r->attestation.cms.len = cms_len;
	r->attestation.signed_part.data = buf + cms_len;
	r->attestation.signed_part.len = part_len;
	r->report.attestation = &r->attestation;
	if (++bb->n == JSONL_BATCH && builder_flush(bb) != 0) {
		snprintf(err, errlen, "the batch could not be stored");
		return -2;
	}
	return 0;
}

void
ctl_builder_set_attest(struct batch_builder *bb, store_attest_fn fn,
    void *arg)
{
	store_set_attest(bb->st, fn, arg);
}

/* Seals what is pending; the counts; frees bb. 0, or -1. */
int
ctl_builder_close(struct batch_builder *bb, uint64_t *reports,
    uint64_t *batches, uint64_t *next_seq)
{
	int rc = builder_flush(bb);

	*reports = bb->reports;
	*batches = bb->batches;
	*next_seq = bb->seq;
	builder_free(bb);
	free(bb);
	return rc;
}

int
ctl_api_post(const struct ctl *c, const char *path, const char *body,
    size_t len, char **out)
{
	return api_request_len(c, "POST", path, body, len, out);
}

bool
ctl_offline(const struct ctl *c)
{
	return c->db != NULL;
}

static int
cmd_ingest(const struct ctl *c, int argc, char **argv)
{
	return ctl_ingest(c, argc, argv);
}

/* ---- dispatch ---- */

static const struct option *keygen_opts(void) { return keygen_options; }
static const struct option *json_opts(void) { return json_option; }
static const struct option *backup_opts(void) { return backup_options; }
static const struct option *export_opts(void) { return ctl_export_options; }
static const struct option *spf_opts(void) { return ctl_spf_options; }
static const struct option *ingest_opts(void) { return ctl_ingest_options; }
static const struct option *ca_opts(void) { return ctl_ca_options; }
static const struct option *cert_opts(void) { return ctl_cert_options; }

/* The commands, sorted. `reputectl complete` prints this table for the
 * shell completion (dist/reputectl.bash), so it cannot drift from it. */
static const struct command {
	const char *name;
	int (*run)(const struct ctl *, int, char **);
	int (*plain)(int, char **);	/* subcommands with their own parser */
	const char *help;
	const struct option *(*options)(void);	/* its long options, or NULL */
	const char *words;		/* its own subcommands, or NULL */
} commands[] = {
	{ "backup", cmd_backup, NULL, "a compacted copy of a (live) store",
	    backup_opts, NULL },
	{ "ca", NULL, ctl_ca, "organisation and bridge CAs, CRLs", ca_opts,
	    "new bridge cross revoke" },
	{ "cert", NULL, ctl_cert,
	    "node and S/MIME signer certificates: issue, show, verify",
	    cert_opts, "issue signer show pin verify" },
	{ "export", NULL, ctl_export, "zones as rbldnsd files or a master file",
	    export_opts, NULL },
	{ "ingest", cmd_ingest, NULL, "abuse reports (ARF, X-ARF, DMARC) in",
	    ingest_opts, NULL },
	{ "keygen", cmd_keygen, NULL, "make an Ed25519 node / origin key",
	    keygen_opts, NULL },
	{ "peers", cmd_peers, NULL, "the daemon's peer sessions", json_opts,
	    NULL },
	{ "prune", cmd_prune, NULL, "remove what no longer counts",
	    json_opts, NULL },
	{ "query", cmd_query, NULL, "a subject's listing and explanation",
	    json_opts, NULL },
	{ "report", cmd_report, NULL, "submit reports", report_options, NULL },
	{ "rescore", cmd_rescore, NULL, "recompute every score", NULL, NULL },
	{ "retract", cmd_retract, NULL, "withdraw this node's reports", NULL,
	    NULL },
	{ "senderid", NULL, ctl_senderid, "Sender ID (PRA) of a message",
	    spf_opts, NULL },
	{ "spf", NULL, ctl_spf, "SPF check, or an openspf YAML suite",
	    spf_opts, NULL },
	{ "stats", cmd_stats, NULL, "store statistics", json_opts, NULL },
};
#define N_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

/* The global options, as main() reads them. */
static const struct option global_options[] = {
	{ "api", required_argument, NULL, 'a' },
	{ "db", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' }, { 0 } };

static void
print_options(const struct option *o)
{
	for (; o != NULL && o->name != NULL; o++)
		printf(" --%s%s", o->name, o->has_arg == required_argument ?
		    "=" : "");
}

/* reputectl complete (not in the usage): one line per command, "NAME
 * [sub ...] --opt --opt= ..." ("=": takes a value); the first line,
 * named "-", holds the global options. */
static int
cmd_complete(void)
{
	printf("-");
	print_options(global_options);
	printf("\n");
	for (size_t i = 0; i < N_COMMANDS; i++) {
		printf("%s", commands[i].name);
		if (commands[i].words != NULL)
			printf(" %s", commands[i].words);
		if (commands[i].options != NULL)
			print_options(commands[i].options());
		printf("\n");
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: reputectl [--db DIR] [--api HOST:PORT] "
	    "[--json] COMMAND [ARGS]\n");
	for (size_t i = 0; i < N_COMMANDS; i++)
		fprintf(stderr, "  %-9s %s\n", commands[i].name,
		    commands[i].help);
}

int
main(int argc, char **argv)
{
	struct ctl c = { NULL, "127.0.0.1:8053", false };
	int ch, i;
	/* "+": stop at the command, whose options are its own */
	while ((ch = getopt_long(argc, argv, "+", global_options, NULL)) != -1)
		if (ch == 'a')
			c.api = optarg;
		else if (ch == 'd')
			c.db = optarg;
		else if (ch == 'j')
			c.json = true;
		else {
			usage();
			return 2;
		}
	i = optind;
	if (i == argc) {
		usage();
		return 2;
	}
	if (strcmp(argv[i], "complete") == 0)
		return cmd_complete();
	for (size_t k = 0; k < N_COMMANDS; k++) {
		if (strcmp(argv[i], commands[k].name) != 0)
			continue;
		/* getopt in the subcommand starts afresh: 0 makes glibc
		 * forget the "+" (stop at the first operand) of the global
		 * parse, so options may follow operands (query X --json) */
		optind = 0;
		if (commands[k].plain)
			return commands[k].plain(argc - i, argv + i);
		return commands[k].run(&c, argc - i, argv + i);
	}
	fprintf(stderr, "reputectl: unknown command '%s'\n", argv[i]);
	usage();
	return 2;
}
