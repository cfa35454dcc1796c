/*
 * store_bench.c: the foundation's measures (issue 2), printed as a table.
 *
 *   ingest    signed batches of 256 reports: envelope_open (Ed25519 verify),
 *             store_begin, store_apply, store_commit, one batch per commit,
 *             with sync 2 (fsync per commit, the default), 1 and 0; and 16
 *             batches per commit (group commit) with sync 2 and 0.
 *   single    1-report batches: batches/s, one per commit and 64 per commit
 *             (group commit), against the Ed25519 verify rate given with -v
 *             (store_bench.sh measures it with `openssl speed ed25519`).
 *   query     a store of 1,000,000 IPv4 subjects and 200,000 domains built
 *             through store_apply by two origins (one in three subjects
 *             reported by both, hence listed): store_lookup_addr and
 *             store_lookup_domain lookups/s with one store_reader_begin per
 *             lookup and per 100, store_explain lookups/s, bytes on disk per
 *             subject.
 *   rescore   store_rescore of a store holding -r reports (default 10M).
 *
 * Everything runs on one thread; stores live under /tmp and are removed.
 * Options: -v VERIFY_PER_S  -r RESCORE_REPORTS  -q IPV4_SUBJECTS
 *          -d DOMAINS  -p PARTS (comma list; default all four)
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto/proto.h"
#include "reputation/reputation.h"
#include "tests/lib/testlib.h"

#define T0		1764374400000ull	/* 2025-11-29 00:00 UTC, ms */
#define BIG_BATCH	4096			/* BATCH_MAX_REPORTS */
#define INGEST_BATCHES	400
#define INGEST_REPORTS	256

static char tmpdir[TL_PATH_MAX];
static struct signer *origin[2];
static uint64_t next_seq[2];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Each measure is timed twice: wall clock (what a peer sees, fsync waits
 * included) and this process's CPU time (what the work costs; on a shared
 * machine the steadier figure). */
static double lap_wall, lap_cpu, lap_wall0, lap_cpu0;

static double
clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
lap_start(void)
{
	lap_wall0 = clock_s(CLOCK_MONOTONIC);
	lap_cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static void
lap_stop(void)
{
	lap_wall = clock_s(CLOCK_MONOTONIC) - lap_wall0;
	lap_cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - lap_cpu0;
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "store_bench: %s: %s\n", what, err);
	exit(1);
}

static void
cleanup(void)
{
	if (tmpdir[0])
		tl_rmtree(tmpdir);
}

static struct store *
new_store(const char *name, int sync)
{
	char dir[TL_PATH_MAX];
	tl_path(dir, sizeof(dir), tmpdir, name);
	struct store *st = tl_store_open(dir, sync, (size_t)64 << 30);
	if (st == NULL)
		die(dir, "cannot open the store");
	return st;
}

static void
drop_store(struct store *st, const char *name)
{
	char dir[TL_PATH_MAX];
	store_close(st);
	tl_path(dir, sizeof(dir), tmpdir, name);
	tl_rmtree(dir);
}

/* ---- subjects and batches ---- */

/* Subject i of the query store: distinct IPv4 addresses in 10/8 (an odd
 * multiplier is a bijection mod 2^24), and domains d<i>.example.com. */
static void
ipv4_of(uint32_t i, uint8_t a[4])
{
	uint32_t x = 0x0a000000u | ((i * 2654435761u) & 0xffffffu);
	a[0] = x >> 24;
	a[1] = x >> 16;
	a[2] = x >> 8;
	a[3] = (uint8_t)x;
}

struct report_buf {
	Reputed__Report r;
	Reputed__Subject s;
	uint8_t addr[4];
	char domain[32];
};

/* Fills reports about subject numbers subj[0..n): below n_v4 an IPv4
 * subject, above it a domain. */
static uint8_t *
seal_batch(int o, const uint32_t *subj, size_t n, uint32_t n_v4,
    uint64_t at, size_t *len)
{
	static struct report_buf rb[BIG_BATCH];
	static Reputed__Report *rp[BIG_BATCH];
	Reputed__Batch b = REPUTED__BATCH__INIT;
	for (size_t i = 0; i < n; i++) {
		struct report_buf *x = &rb[i];
		reputed__report__init(&x->r);
		reputed__subject__init(&x->s);
		x->r.subject = &x->s;
		x->r.category = REPUTED__CATEGORY__CATEGORY_SPAM;
		x->r.confidence = 100;
		x->r.observed_at = at;
		if (subj[i] < n_v4) {
			ipv4_of(subj[i], x->addr);
			x->s.addr.data = x->addr;
			x->s.addr.len = 4;
		} else {
			snprintf(x->domain, sizeof(x->domain),
			    "d%u.example.com", subj[i] - n_v4);
			x->s.domain = x->domain;
		}
		rp[i] = &x->r;
	}
	b.seq = ++next_seq[o];
	b.created_at = at;
	b.reports = rp;
	b.n_reports = n;
	uint8_t *sb = envelope_seal(origin[o], &b, len);
	if (sb == NULL)
		die("envelope_seal", "failed");
	return sb;
}

struct sealed {
	uint8_t *sb;
	size_t len;
};

/* ---- ingest ---- */

static struct sealed *
make_ingest_batches(size_t nb, size_t per)
{
	struct sealed *bs = calloc(nb, sizeof(*bs));
	uint32_t *subj = malloc(per * sizeof(*subj));
	for (size_t i = 0; i < nb; i++) {
		for (size_t j = 0; j < per; j++)	/* 1M IPv4 + 200k domains */
			subj[j] = (uint32_t)(rnd() % 1200000);
		bs[i].sb = seal_batch((int)(i & 1), subj, per, 1000000,
		    T0 + i * 1000, &bs[i].len);
	}
	free(subj);
	return bs;
}

static void
free_batches(struct sealed *bs, size_t nb)
{
	for (size_t i = 0; i < nb; i++)
		free(bs[i].sb);
	free(bs);
}

/* Verifies, applies and commits bs[0..nb), `group` batches per commit;
 * the lap times it. */
static void
ingest(struct store *st, struct sealed *bs, size_t nb, size_t group)
{
	char err[256];
	struct verifier *v = verifier_new();
	lap_start();
	for (size_t i = 0; i < nb;) {
		struct store_txn *tx = store_begin(st, err, sizeof(err));
		if (tx == NULL)
			die("store_begin", err);
		for (size_t g = 0; g < group && i < nb; g++, i++) {
			Reputed__Batch *b;
			if (envelope_open(v, bs[i].sb, bs[i].len, &b, err,
			    sizeof(err)) != ENVELOPE_OK)
				die("envelope_open", err);
			enum apply_status a = store_apply(tx, bs[i].sb,
			    bs[i].len, b, err, sizeof(err));
			if (a != APPLY_OK)
				die(apply_status_name(a), err);
			reputed__batch__free_unpacked(b, NULL);
		}
		if (store_commit(tx, err, sizeof(err)) != 0)
			die("store_commit", err);
	}
	lap_stop();
	verifier_free(v);
}

/* A rate row: count per wall second and per CPU second of the last lap. */
static void
row(const char *what, double count, const char *unit, const char *target)
{
	printf("| %-60s | %11.0f | %11.0f | %-10s | %-9s |\n", what,
	    count / lap_wall, count / lap_cpu, unit, target);
	fflush(stdout);
}

/* A row of two given values (wall, CPU) or one value in both columns. */
static void
rowv(const char *what, double wall, double cpu, const char *unit,
    const char *target)
{
	printf("| %-60s | %11.2f | %11.2f | %-10s | %-9s |\n", what, wall, cpu,
	    unit, target);
	fflush(stdout);
}

static void
bench_ingest(void)
{
	static const struct { int sync; size_t group; const char *name; }
	    modes[] = {
		{ 2, 1, "ingest 256-report batches, sync 2 (default), 1/commit" },
		{ 1, 1, "ingest 256-report batches, sync 1, 1/commit" },
		{ 0, 1, "ingest 256-report batches, sync 0, 1/commit" },
		{ 2, 16, "ingest 256-report batches, sync 2, 16/commit" },
		{ 0, 16, "ingest 256-report batches, sync 0, 16/commit" },
	};
	for (size_t k = 0; k < sizeof(modes) / sizeof(modes[0]); k++) {
		next_seq[0] = next_seq[1] = 0;
		struct sealed *bs = make_ingest_batches(INGEST_BATCHES,
		    INGEST_REPORTS);
		struct store *st = new_store("ingest", modes[k].sync);
		ingest(st, bs, INGEST_BATCHES, modes[k].group);
		row(modes[k].name, INGEST_BATCHES * INGEST_REPORTS,
		    "reports/s", ">= 200000");
		drop_store(st, "ingest");
		free_batches(bs, INGEST_BATCHES);
	}
}

static void
bench_single(double verify_rate)
{
	static const struct { int sync; size_t group, n; const char *name; }
	    modes[] = {
		{ 2, 1, 1000, "1-report batches, sync 2, 1 batch/commit" },
		{ 1, 1, 2000, "1-report batches, sync 1, 1 batch/commit" },
		{ 0, 1, 20000, "1-report batches, sync 0, 1 batch/commit" },
		{ 2, 64, 20000, "1-report batches, sync 2, 64 batches/commit" },
	};
	char what[96];
	if (verify_rate > 0)
		rowv("Ed25519 verify, openssl speed -seconds 3 ed25519 (CPU)",
		    verify_rate, verify_rate, "verify/s", "");
	/* The verifier alone, on the same batches: the ceiling. */
	next_seq[0] = next_seq[1] = 0;
	struct sealed *bs = make_ingest_batches(20000, 1);
	struct verifier *v = verifier_new();
	char err[256];
	lap_start();
	for (size_t i = 0; i < 20000; i++) {
		Reputed__Batch *b;
		if (envelope_open(v, bs[i].sb, bs[i].len, &b, err,
		    sizeof(err)) != ENVELOPE_OK)
			die("envelope_open", err);
		reputed__batch__free_unpacked(b, NULL);
	}
	lap_stop();
	verifier_free(v);
	row("envelope_open alone (decode + verify), 1-report batches",
	    20000, "batches/s", "");
	free_batches(bs, 20000);
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		next_seq[0] = next_seq[1] = 0;
		bs = make_ingest_batches(modes[m].n, 1);
		struct store *st = new_store("single", modes[m].sync);
		ingest(st, bs, modes[m].n, modes[m].group);
		row(modes[m].name, (double)modes[m].n, "batches/s", "");
		if (verify_rate > 0) {
			snprintf(what, sizeof(what), "  ratio to openssl "
			    "verify/s");
			rowv(what, modes[m].n / lap_wall / verify_rate,
			    modes[m].n / lap_cpu / verify_rate, "", ">= 0.80");
		}
		drop_store(st, "single");
		free_batches(bs, modes[m].n);
	}
}

/* ---- building big stores ---- */

/* Applies reports about subjects subj[0..n) from origin o, in batches of
 * BIG_BATCH, `per_commit` per commit, without verifying (the bench's own
 * batches). */
static void
bulk_apply(struct store *st, int o, const uint32_t *subj, size_t n,
    uint32_t n_v4, uint64_t at, size_t per_commit)
{
	char err[256];
	struct store_txn *tx = NULL;
	size_t in_txn = 0;
	for (size_t i = 0; i < n; i += BIG_BATCH) {
		size_t k = n - i < BIG_BATCH ? n - i : BIG_BATCH, len;
		uint8_t *sb = seal_batch(o, subj + i, k, n_v4, at, &len);
		Reputed__Batch *b;
		if (envelope_decode(sb, len, &b, err, sizeof(err)) !=
		    ENVELOPE_OK)
			die("envelope_decode", err);
		if (tx == NULL && (tx = store_begin(st, err,
		    sizeof(err))) == NULL)
			die("store_begin", err);
		enum apply_status a = store_apply(tx, sb, len, b, err,
		    sizeof(err));
		if (a != APPLY_OK)
			die(apply_status_name(a), err);
		reputed__batch__free_unpacked(b, NULL);
		free(sb);
		if (++in_txn == per_commit) {
			if (store_commit(tx, err, sizeof(err)) != 0)
				die("store_commit", err);
			tx = NULL;
			in_txn = 0;
		}
	}
	if (tx != NULL && store_commit(tx, err, sizeof(err)) != 0)
		die("store_commit", err);
}

static void
shuffle(uint32_t *a, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = rnd() % i;
		uint32_t t = a[i - 1];
		a[i - 1] = a[j];
		a[j] = t;
	}
}

/* ---- query ---- */

static int
explain_cb(void *arg, const uint8_t o[32], const struct evidence *ev,
    double trust)
{
	(void)o;
	*(double *)arg += ev->weight[1] * trust;
	return 0;
}

static void
bench_query(uint32_t n_v4, uint32_t n_dom)
{
	uint32_t total = n_v4 + n_dom;
	uint32_t *subj = malloc(total * sizeof(*subj));
	size_t n3 = 0;
	if (subj == NULL || total == 0)
		die("query store", "no subjects");
	for (uint32_t i = 0; i < total; i++)
		subj[i] = i;
	shuffle(subj, total);
	struct store *st = new_store("query", 0);
	next_seq[0] = next_seq[1] = 0;
	lap_start();
	bulk_apply(st, 0, subj, total, n_v4, T0, 8);
	for (uint32_t i = 0; i < total; i++)	/* a third, by origin 1 */
		if (subj[i] % 3 == 0)
			subj[n3++] = subj[i];
	bulk_apply(st, 1, subj, n3, n_v4, T0 + 1000, 8);
	lap_stop();
	row("query store build (sync 0, 4096-report batches, 8/commit)",
	    (double)(total + n3), "reports/s", "");

	struct store_reader *r = store_reader_new(st);
	struct store_stats ss;
	uint64_t now = T0 + 3600 * 1000;
	store_reader_begin(r);
	store_stats(r, now, &ss);
	store_reader_end(r);
	printf("| %-60s | %llu subjects, %llu listed, %llu reports |\n",
	    "query store", (unsigned long long)ss.subjects,
	    (unsigned long long)ss.listed,
	    (unsigned long long)ss.reports_indexed);
	double bps = (double)ss.bytes_on_disk / (double)ss.subjects;
	rowv("bytes on disk per subject (store_stats)", bps, bps, "bytes", "");

	enum { N = 2000000 };
	uint8_t (*addrs)[4] = malloc(N * sizeof(*addrs));
	char (*names)[32] = malloc(200000 * sizeof(*names));
	for (size_t i = 0; i < N; i++)
		ipv4_of((uint32_t)(rnd() % n_v4), addrs[i]);
	for (size_t i = 0; i < 200000; i++)
		snprintf(names[i], sizeof(names[i]), "d%u.example.com",
		    (uint32_t)(rnd() % n_dom));
	for (int per = 1; per <= 100; per *= 100) {
		struct listing l;
		size_t found = 0;
		char what[96];
		lap_start();
		for (size_t i = 0; i < N; i++) {
			if (i % per == 0) {
				if (i)
					store_reader_end(r);
				store_reader_begin(r);
			}
			found += store_lookup_addr(r, addrs[i], 4, now,
			    LOOKUP_LISTED, &l) == 0;
		}
		store_reader_end(r);
		lap_stop();
		snprintf(what, sizeof(what), "store_lookup_addr, reader "
		    "begin per %d lookup%s (%.0f%% listed)", per,
		    per > 1 ? "s" : "", 100.0 * found / N);
		row(what, N, "lookups/s", ">= 500000");
		found = 0;
		lap_start();
		for (size_t i = 0; i < 200000; i++) {
			if (i % per == 0) {
				if (i)
					store_reader_end(r);
				store_reader_begin(r);
			}
			found += store_lookup_domain(r, names[i], true, now,
			    LOOKUP_LISTED, &l) == 0;
		}
		store_reader_end(r);
		lap_stop();
		snprintf(what, sizeof(what), "store_lookup_domain parents, "
		    "begin per %d (%.0f%% listed)", per, 100.0 * found / 200000);
		row(what, 200000, "lookups/s", ">= 500000");
	}
	/* Explanation: parse the text as reputectl does, walk evidence. */
	double sum = 0;
	lap_start();
	for (size_t i = 0; i < 200000; i++) {
		struct subject s;
		char text[32], err[128];
		if (i % 100 == 0) {
			if (i)
				store_reader_end(r);
			store_reader_begin(r);
		}
		snprintf(text, sizeof(text), "%u.%u.%u.%u", addrs[i][0],
		    addrs[i][1], addrs[i][2], addrs[i][3]);
		if (subject_parse(text, &s, err, sizeof(err)) != 0 ||
		    store_explain(r, &s, explain_cb, &sum) != 0)
			die("store_explain", text);
	}
	store_reader_end(r);
	lap_stop();
	row("store_explain (subject_parse + evidence walk), begin per 100",
	    200000, "lookups/s", "");
	store_reader_free(r);
	free(addrs);
	free(names);
	free(subj);
	drop_store(st, "query");
}

/* ---- rescore ---- */

static void
bench_rescore(size_t reports)
{
	char err[256], what[96];
	uint32_t pool = 1000000;
	size_t chunk = (size_t)BIG_BATCH * 64;
	uint32_t *subj = malloc(chunk * sizeof(*subj));
	struct store *st = new_store("rescore", 0);
	next_seq[0] = next_seq[1] = 0;
	lap_start();
	for (size_t done = 0; done < reports; done += chunk) {
		size_t n = reports - done < chunk ? reports - done : chunk;
		for (size_t i = 0; i < n; i++)
			subj[i] = (uint32_t)(rnd() % pool);
		bulk_apply(st, (int)((done / chunk) & 1), subj, n, pool,
		    T0 + done, 64);
	}
	lap_stop();
	snprintf(what, sizeof(what), "rescore store build: %zuk reports, %uk "
	    "subj., sync 0, 64x4096/commit", reports / 1000, pool / 1000);
	row(what, (double)reports, "reports/s", "");
	struct store_reader *r = store_reader_new(st);
	struct store_stats ss;
	store_reader_begin(r);
	store_stats(r, T0, &ss);
	store_reader_end(r);
	store_reader_free(r);
	lap_start();
	if (store_rescore(st, err, sizeof(err)) != 0)
		die("store_rescore", err);
	lap_stop();
	snprintf(what, sizeof(what), "store_rescore of %llu stored reports",
	    (unsigned long long)ss.reports_indexed);
	rowv(what, lap_wall, lap_cpu, "s", "");
	free(subj);
	drop_store(st, "rescore");
}

int
main(int argc, char **argv)
{
	double verify_rate = 0;
	size_t rescore_reports = 10000000;
	uint32_t n_v4 = 1000000, n_dom = 200000;
	const char *parts = "ingest,single,query,rescore";
	int c;
	while ((c = getopt(argc, argv, "v:r:q:d:p:")) != -1) {
		switch (c) {
		case 'v': verify_rate = atof(optarg); break;
		case 'r': rescore_reports = strtoull(optarg, NULL, 10); break;
		case 'q': n_v4 = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'd': n_dom = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'p': parts = optarg; break;
		default:
			fprintf(stderr, "usage: store_bench [-v verify/s] "
			    "[-r reports] [-q ipv4] [-d domains] "
			    "[-p ingest,single,query,rescore]\n");
			return 2;
		}
	}
	if (tl_tmpdir(tmpdir, sizeof(tmpdir), "bench") != 0)
		die("mkdtemp", "/tmp");
	atexit(cleanup);
	for (int o = 0; o < 2; o++) {
		char name[32];
		snprintf(name, sizeof(name), "origin%d.pem", o);
		if ((origin[o] = tl_signer_new(tmpdir, name)) == NULL)
			die(name, "no key");
	}
	printf("| %-60s | %11s | %11s | %-10s | %-9s |\n", "measure",
	    "per wall s", "per CPU s", "unit", "target");
	printf("|--------------------------------------------------------------"
	    "|-------------|-------------|------------|-----------|\n");
	if (strstr(parts, "ingest"))
		bench_ingest();
	if (strstr(parts, "single"))
		bench_single(verify_rate);
	if (strstr(parts, "query"))
		bench_query(n_v4, n_dom);
	if (strstr(parts, "rescore"))
		bench_rescore(rescore_reports);
	signer_free(origin[0]);
	signer_free(origin[1]);
	return 0;
}
