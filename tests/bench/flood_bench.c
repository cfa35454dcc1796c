/*
 * flood_bench.c: what the flood block costs the node that applies it. One
 * origin sends batches of 4,096 reports made at one moment against a
 * quota of -q reports per hour and quota-block-factor -f; the batch that
 * crosses the line blocks it, and that one store_apply purges what the
 * quota kept and rescores those subjects (a stall of the write path,
 * once). Prints the time of the applies before it, of that apply, and of
 * a store_rescore of the result (which finds the line again). One thread;
 * the store lives under /tmp and is removed.
 * Options: -q QUOTA_PER_HOUR (default 1000000)  -f FACTOR (default 10)
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "reputation/reputation.h"
#include "tests/lib/testlib.h"

#define BATCH	4096
#define T0	1700000000000ull

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Batch seq of reports about 10.x.y.z, from report number first on. */
static uint8_t *
flood_batch(struct signer *key, uint64_t seq, uint64_t first, size_t *len)
{
	struct tl_batch *b = tl_batch_new(seq, T0 + seq, BATCH);
	char ip[32];
	uint8_t *sb;

	if (b == NULL)
		return NULL;
	for (uint64_t i = first; i < first + BATCH; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.%u",
		    (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255,
		    (unsigned)i & 255);
		if (tl_batch_report(b, ip, 1, 90, T0) == NULL) {
			tl_batch_free(b);
			return NULL;
		}
	}
	sb = tl_batch_seal(b, key, len);
	tl_batch_free(b);
	return sb;
}

/* Applies one sealed batch in its own transaction; its status, or
 * APPLY_ERROR. */
static enum apply_status
apply_one(struct store *st, struct verifier *ver, const uint8_t *sb,
    size_t len, char *err, size_t errlen)
{
	Reputed__Batch *b;
	enum apply_status s;
	struct store_txn *tx;

	if (envelope_open(ver, sb, len, &b, err, errlen) != ENVELOPE_OK)
		return APPLY_ERROR;
	if ((tx = store_begin(st, err, errlen)) == NULL) {
		reputed__batch__free_unpacked(b, NULL);
		return APPLY_ERROR;
	}
	s = store_apply(tx, sb, len, b, err, errlen);
	reputed__batch__free_unpacked(b, NULL);
	if (s == APPLY_ERROR || store_commit(tx, err, errlen) != 0) {
		if (s == APPLY_ERROR)
			store_abort(tx);
		return APPLY_ERROR;
	}
	return s;
}

int
main(int argc, char **argv)
{
	char dir[TL_PATH_MAX], db[TL_PATH_MAX], err[256];
	struct policy p;
	struct store *st;
	struct signer *key;
	struct verifier *ver;
	enum apply_status s = APPLY_OK;
	double before = 0, block = 0, t;
	uint64_t seq = 0;
	int c;

	policy_default(&p);
	p.quota_per_hour = 1000000;
	while ((c = getopt(argc, argv, "q:f:")) != -1) {
		if (c == 'q')
			p.quota_per_hour = strtoull(optarg, NULL, 10);
		else if (c == 'f')
			p.quota_block_factor = (uint32_t)strtoul(optarg, NULL,
			    10);
		else {
			fprintf(stderr, "usage: flood_bench [-q quota] "
			    "[-f factor]\n");
			return 2;
		}
	}
	if (p.quota_per_hour == 0 || p.quota_block_factor == 0) {
		fprintf(stderr, "flood_bench: quota and factor must be > 0\n");
		return 2;
	}
	if (tl_tmpdir(dir, sizeof(dir), "flood_bench") != 0)
		return 1;
	tl_path(db, sizeof(db), dir, "db");
	if ((st = tl_store_open(db, 0, (size_t)16 << 30)) == NULL ||
	    (key = tl_signer_new(dir, "key.pem")) == NULL ||
	    (ver = verifier_new()) == NULL) {
		fprintf(stderr, "flood_bench: cannot set up\n");
		return 1;
	}
	store_set_policy(st, &p);
	while (s == APPLY_OK) {
		size_t len;
		uint8_t *sb = flood_batch(key, seq + 1, seq * BATCH, &len);
		seq++;
		if (sb == NULL)
			break;
		t = now_s();
		s = apply_one(st, ver, sb, len, err, sizeof(err));
		t = now_s() - t;
		free(sb);
		if (s == APPLY_OK)
			before += t;
		else
			block = t;
	}
	if (s != APPLY_FLOOD) {
		fprintf(stderr, "flood_bench: batch %llu: %s: %s\n",
		    (unsigned long long)seq, apply_status_name(s), err);
		return 1;
	}
	printf("quota %llu per hour, factor %u: blocked at batch %llu "
	    "(%llu reports, %llu kept)\n",
	    (unsigned long long)p.quota_per_hour, p.quota_block_factor,
	    (unsigned long long)seq, (unsigned long long)seq * BATCH,
	    (unsigned long long)p.quota_per_hour);
	printf("  the %llu applies before it   %8.3f s\n",
	    (unsigned long long)seq - 1, before);
	printf("  the apply that blocks       %8.3f s (purge and rescore of "
	    "what the quota kept)\n", block);
	fflush(stdout);
	t = now_s();
	if (store_rescore(st, err, sizeof(err)) != 0) {
		fprintf(stderr, "flood_bench: rescore: %s\n", err);
		return 1;
	}
	printf("  store_rescore afterwards    %8.3f s\n", now_s() - t);
	store_close(st);
	signer_free(key);
	verifier_free(ver);
	tl_rmtree(dir);
	return 0;
}
