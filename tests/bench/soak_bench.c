/*
 * soak_bench.c: a store under steady load for weeks, on a virtual clock
 * (issue 12). Two origins publish, every simulated hour, batches of up to
 * 4096 reports about subjects drawn from a pool (IPv4 addresses, /24
 * prefixes and domains), TTLs uniform from 1 to 7 days, observed up to an
 * hour before their batch. Batches go through store_apply in one write
 * transaction per hour (as a busy node's group commits would); every 6
 * simulated hours the pruner sweeps the store in steps of 2048 (as the
 * daemon does), and the longest step is kept. Once a day it prints the
 * store: live reports, subjects, batches kept, pages in use, the map's
 * high-water mark; and at checkpoints (-c) it compares every listing and
 * 2000 DNS lookups at that moment with what a fresh rescore of a copy
 * (store_backup) gives.
 *
 *   soak_bench [-d DAYS] [-r REPORTS_PER_DAY] [-s SUBJECTS] [-c EVERY]
 *
 * Defaults: 30 days, 350,000 reports a day (10.5M in all), 1,000,000
 * subjects, a rescore check every 5 days (-c 1: daily; 0: none).
 * Prints "soak: PASS" when the pages in use after the first 7 days stay
 * within +-10% of their mean and every check matched, else "soak: FAIL".
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "proto/proto.h"
#include "reputation/reputation.h"
#include "tests/lib/testlib.h"

#define T0		1764374400000ull	/* 2025-11-29 00:00 UTC */
#define HOUR_MS		3600000ull
#define DAY_MS		(24 * HOUR_MS)
#define BATCH_MAX	4096
#define LOOKUPS		2000

static char tmpdir[TL_PATH_MAX];
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

static double
clock_of(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
mono(void)
{
	return clock_of(CLOCK_MONOTONIC);
}

static void
die(const char *what, const char *err)
{
	fprintf(stderr, "soak_bench: %s: %s\n", what, err);
	if (tmpdir[0])
		tl_rmtree(tmpdir);
	exit(1);
}

/* Subject i of the pool: 80% addresses, 10% /24 prefixes, 10% domains. */
static void
subject_text(uint64_t i, char *buf, size_t len)
{
	if (i % 10 == 8)
		snprintf(buf, len, "172.%u.%u.0/24", (unsigned)(16 + (i >> 16) %
		    16), (unsigned)(i >> 8) & 255);
	else if (i % 10 == 9)
		snprintf(buf, len, "host%llu.example%llu.com",
		    (unsigned long long)i, (unsigned long long)(i % 997));
	else
		snprintf(buf, len, "10.%u.%u.%u", (unsigned)(i >> 16) & 255,
		    (unsigned)(i >> 8) & 255, (unsigned)i & 255);
}

struct soak {
	struct store *st;
	struct signer *key[2];
	uint64_t seq[2];
	uint64_t per_day, subjects, reports;
	double prune_max, prune_cpu_max, prune_s, apply_s;
};

static void
apply_batch(struct soak *k, struct store_txn *tx, int o, uint64_t created,
    size_t n)
{
	char err[256], text[64];
	struct tl_batch *b = tl_batch_new(++k->seq[o], created, n);
	if (b == NULL)
		die("batch", "out of memory");
	for (size_t i = 0; i < n; i++) {
		subject_text(rnd() % k->subjects, text, sizeof(text));
		int cat = rnd() % 8 == 0 ? REPUTED__CATEGORY__CATEGORY_NOT_SPAM :
		    REPUTED__CATEGORY__CATEGORY_SPAM;
		Reputed__Report *r = tl_batch_report(b, text, cat, 100,
		    created - rnd() % HOUR_MS);
		if (r == NULL)
			die("report", text);
		r->ttl = (uint32_t)(86400 + rnd() % (6 * 86400 + 1));
	}
	size_t len;
	uint8_t *sb = tl_batch_seal(b, k->key[o], &len);
	if (sb == NULL)
		die("seal", "failed");
	enum apply_status s = store_apply(tx, sb, len, tl_batch_pb(b), err,
	    sizeof(err));
	if (s != APPLY_OK)
		die(apply_status_name(s), err);
	free(sb);
	tl_batch_free(b);
	k->reports += n;
}

/* One simulated hour of both origins, in one write transaction. */
static void
hour(struct soak *k, uint64_t now)
{
	char err[256];
	double t0 = mono();
	struct store_txn *tx = store_begin(k->st, err, sizeof(err));
	if (tx == NULL)
		die("begin", err);
	for (int o = 0; o < 2; o++) {
		size_t left = (size_t)(k->per_day / 48);
		while (left > 0) {
			size_t n = left < BATCH_MAX ? left : BATCH_MAX;
			apply_batch(k, tx, o, now + (uint64_t)o, n);
			left -= n;
		}
	}
	if (store_commit(tx, err, sizeof(err)) != 0)
		die("commit", err);
	k->apply_s += mono() - t0;
}

static void
sweep(struct soak *k)
{
	struct store_prune p = { 0 };
	char err[256];
	int rc;
	do {
		double t0 = mono(), c0 = clock_of(CLOCK_PROCESS_CPUTIME_ID);
		rc = store_prune_step(k->st, &p, 2048, err, sizeof(err));
		double dt = mono() - t0;
		double dc = clock_of(CLOCK_PROCESS_CPUTIME_ID) - c0;
		k->prune_s += dt;
		if (dt > k->prune_max)
			k->prune_max = dt;
		if (dc > k->prune_cpu_max)
			k->prune_cpu_max = dc;
	} while (rc == 0);
	if (rc < 0)
		die("prune", err);
}

/* FNV-1a over every listing, and over LOOKUPS address lookups at now. */
struct digest {
	uint64_t listings, lookups;
};

static int
hash_listing(void *arg, const struct subject *s, const struct listing *l)
{
	uint64_t *h = arg;
	uint8_t key[SUBJECT_KEY_MAX];
	size_t n = subject_key(s, key);
	const uint8_t *p[2] = { key, (const uint8_t *)l };
	size_t len[2] = { n, sizeof(*l) };
	for (int j = 0; j < 2; j++)
		for (size_t i = 0; i < len[j]; i++)
			*h = (*h ^ p[j][i]) * 0x100000001b3ull;
	return 0;
}

static void
digest_of(struct soak *k, uint64_t now, struct digest *d)
{
	struct store_reader *r = store_reader_new(k->st);
	uint64_t seed = 12345;
	d->listings = d->lookups = 0xcbf29ce484222325ull;
	if (r == NULL || store_reader_begin(r) != 0)
		die("reader", "cannot begin");
	store_each_listing(r, hash_listing, &d->listings);
	for (int i = 0; i < LOOKUPS; i++) {
		struct listing l;
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint64_t j = (seed >> 20) % k->subjects;
		uint8_t a[4] = { 10, (uint8_t)(j >> 16), (uint8_t)(j >> 8),
		    (uint8_t)j };
		if (j % 10 == 8) {
			a[0] = 172;
			a[1] = (uint8_t)(16 + (j >> 16) % 16);
			a[2] = (uint8_t)(j >> 8);
			a[3] = (uint8_t)j;
		}
		int rc = store_lookup_addr(r, a, 4, now, LOOKUP_LISTED, &l);
		uint64_t v = rc == 0 ? (uint64_t)l.code << 8 | l.prefix_len :
		    (uint64_t)(rc + 2);
		d->lookups = (d->lookups ^ v) * 0x100000001b3ull;
	}
	store_reader_end(r);
	store_reader_free(r);
}

/* The listings and lookups now against a fresh rescore of a copy (the
 * store under test is left as it is: a rescore in place would rewrite
 * every page and change what the soak measures). */
static int
checkpoint(struct soak *k, uint64_t now, double *rescore_s)
{
	struct digest a, b;
	char err[256], dir[TL_PATH_MAX], file[TL_PATH_MAX];
	struct soak copy = *k;
	digest_of(k, now, &a);
	tl_path(dir, sizeof(dir), tmpdir, "copy");
	tl_rmtree(dir);
	if (mkdir(dir, 0700) != 0)
		die(dir, "mkdir");
	tl_path(file, sizeof(file), dir, "data.mdb");
	if (store_backup(k->st, file, err, sizeof(err)) != 0)
		die("backup", err);
	if ((copy.st = tl_store_open(dir, 0, (size_t)64 << 30)) == NULL)
		die("copy", "cannot open");
	double t0 = mono();
	if (store_rescore(copy.st, err, sizeof(err)) != 0)
		die("rescore", err);
	*rescore_s = mono() - t0;
	digest_of(&copy, now, &b);
	store_close(copy.st);
	tl_rmtree(dir);
	return a.listings == b.listings && a.lookups == b.lookups;
}

int
main(int argc, char **argv)
{
	struct soak k = { .per_day = 350000, .subjects = 1000000 };
	unsigned days = 30, every = 5;
	int ch;
	while ((ch = getopt(argc, argv, "d:r:s:c:")) != -1) {
		switch (ch) {
		case 'd': days = (unsigned)atoi(optarg); break;
		case 'r': k.per_day = strtoull(optarg, NULL, 10); break;
		case 's': k.subjects = strtoull(optarg, NULL, 10); break;
		case 'c': every = (unsigned)atoi(optarg); break;
		default:
			fprintf(stderr, "usage: soak_bench [-d DAYS] [-r "
			    "REPORTS_PER_DAY] [-s SUBJECTS] [-c EVERY]\n");
			return 2;
		}
	}
	if (days == 0 || k.per_day < 48 || k.subjects == 0)
		die("options", "days, reports a day (>= 48), subjects");
	char dir[TL_PATH_MAX];
	if (tl_tmpdir(tmpdir, sizeof(tmpdir), "soak") != 0)
		die("tmpdir", "cannot make one");
	tl_path(dir, sizeof(dir), tmpdir, "db");
	if ((k.st = tl_store_open(dir, 0, (size_t)64 << 30)) == NULL ||
	    (k.key[0] = tl_signer_new(tmpdir, "a.key")) == NULL ||
	    (k.key[1] = tl_signer_new(tmpdir, "b.key")) == NULL)
		die("setup", "store or keys");
	printf("soak: %u days, %llu reports/day, %llu subjects, sync 0, "
	    "prune sweep every 6 h in steps of 2048\n", days,
	    (unsigned long long)k.per_day, (unsigned long long)k.subjects);
	printf("%4s %11s %10s %9s %8s %9s %9s %9s %8s %s\n", "day", "reports",
	    "live", "subjects", "batches", "used MiB", "hwm MiB", "B/live",
	    "step ms", "rescore check (step: longest prune step, wall)");
	double used[400], t_start = mono();
	int bad = 0, checks = 0;
	for (unsigned d = 1; d <= days; d++) {
		uint64_t now = 0;
		for (unsigned h = 0; h < 24; h++) {
			now = T0 + (uint64_t)(d - 1) * DAY_MS + h * HOUR_MS;
			hour(&k, now);
			if (h % 6 == 5)
				sweep(&k);
		}
		struct store_stats ss;
		struct store_reader *r = store_reader_new(k.st);
		uint64_t hwm, mapsz;
		store_reader_begin(r);
		store_sizes(r, &ss);
		store_reader_end(r);
		store_reader_free(r);
		store_map_use(k.st, &hwm, &mapsz);
		used[d < 400 ? d : 399] = (double)ss.bytes_on_disk;
		char check[64] = "";
		if (every && d % every == 0) {
			double rs;
			int okc = checkpoint(&k, now + HOUR_MS, &rs);
			checks++;
			bad += !okc;
			snprintf(check, sizeof(check), "%s (rescore %.1f s)",
			    okc ? "equal" : "DIFFERENT", rs);
		}
		printf("%4u %11llu %10llu %9llu %8llu %9.1f %9.1f %9.0f %8.1f "
		    "%s\n", d, (unsigned long long)k.reports,
		    (unsigned long long)ss.reports_indexed,
		    (unsigned long long)ss.subjects,
		    (unsigned long long)ss.batches,
		    (double)ss.bytes_on_disk / 1048576, (double)hwm / 1048576,
		    ss.reports_indexed ? (double)ss.bytes_on_disk /
		    (double)ss.reports_indexed : 0, k.prune_max * 1000, check);
		fflush(stdout);
	}
	double sum = 0, lo = 1e300, hi = 0;
	unsigned n = 0;
	for (unsigned d = 8; d <= days && d < 400; d++, n++) {
		sum += used[d];
		lo = used[d] < lo ? used[d] : lo;
		hi = used[d] > hi ? used[d] : hi;
	}
	double mean = n ? sum / n : 0;
	bool flat = n > 0 && lo >= 0.9 * mean && hi <= 1.1 * mean;
	printf("after day 7: pages in use %.1f MiB mean, %.1f%% .. +%.1f%%; "
	    "%s\n", mean / 1048576, n ? 100 * (lo / mean - 1) : 0,
	    n ? 100 * (hi / mean - 1) : 0, flat ? "flat" : "NOT flat");
	printf("apply %.1f s (%.0f reports/s), prune %.1f s, longest prune "
	    "step %.1f ms wall, %.1f ms CPU; wall %.1f s; checks %d, %d "
	    "different\n", k.apply_s, (double)k.reports / k.apply_s,
	    k.prune_s, k.prune_max * 1000, k.prune_cpu_max * 1000,
	    mono() - t_start, checks, bad);
	printf("soak: %s\n", flat && bad == 0 ? "PASS" : "FAIL");
	store_close(k.st);
	signer_free(k.key[0]);
	signer_free(k.key[1]);
	tl_rmtree(tmpdir);
	return flat && bad == 0 ? 0 : 1;
}
