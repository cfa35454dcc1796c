/*
 * collect_test.c: the store's walks (store_version_vector, store_explain)
 * stop when their callback says so and report it, and the gossip digest
 * reports a collector that ran out of memory instead of hashing a partial
 * version vector. The allocation failure is real: a child process lowers
 * its address-space limit (RLIMIT_AS) to what it uses and takes every
 * free block of 1.5 KiB or more, so the collector's first array (2 KiB)
 * cannot be had while the digest's small blocks come from the free lists
 * that a first digest left.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "node/peer/gossip.h"
#include "tests/lib/testlib.h"

#define T0	1764374400000ull
#define ORIGINS	40

struct fixture {
	char dir[TL_PATH_MAX];
	struct store *st;
	struct store_reader *r;
};

/* ORIGINS origins, each one batch with a report on 192.0.2.1. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[32], err[256];

	assert_int_equal(tl_tmpdir(f->dir, sizeof(f->dir), "collect_test"), 0);
	assert_non_null(f->st = tl_store_open(f->dir, 0, 1 << 26));
	for (int i = 0; i < ORIGINS; i++) {
		struct tl_batch *b = tl_batch_new(1, T0, 1);
		struct signer *key;
		struct store_txn *tx;
		uint8_t *sb;
		size_t len;

		snprintf(name, sizeof(name), "k%d.pem", i);
		assert_non_null(key = tl_signer_new(f->dir, name));
		assert_non_null(tl_batch_report(b, "192.0.2.1", 1, 80, T0));
		assert_non_null(sb = tl_batch_seal(b, key, &len));
		assert_non_null(tx = store_begin(f->st, err, sizeof(err)));
		assert_int_equal(store_apply(tx, sb, len, tl_batch_pb(b), err,
		    sizeof(err)), APPLY_OK);
		assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
		free(sb);
		tl_batch_free(b);
		signer_free(key);
	}
	assert_non_null(f->r = store_reader_new(f->st));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	store_reader_free(f->r);
	store_close(f->st);
	assert_int_equal(tl_rmtree(f->dir), 0);
	free(f);
	return 0;
}

struct counter {
	int calls, fail_at;	/* fail_at 0: never */
};

static int
count_vv(void *arg, const uint8_t origin[32], uint64_t seq)
{
	struct counter *c = arg;

	return ++c->calls == c->fail_at ? -1 : 0;
}

static int
count_explain(void *arg, const uint8_t origin[32], const struct evidence *ev,
    double trust)
{
	struct counter *c = arg;

	return ++c->calls == c->fail_at ? -1 : 0;
}

/* A callback that stops the walk makes it fail, at once. */
static void
test_walks_report_a_stop(void **state)
{
	struct fixture *f = *state;
	struct subject s;
	char err[128];
	struct counter c = { 0, 0 };

	assert_int_equal(subject_parse("192.0.2.1", &s, err, sizeof(err)), 0);
	assert_int_equal(store_reader_begin(f->r), 0);
	assert_int_equal(store_version_vector(f->r, count_vv, &c), 0);
	assert_int_equal(c.calls, ORIGINS);
	c = (struct counter){ 0, 3 };
	assert_int_equal(store_version_vector(f->r, count_vv, &c), -1);
	assert_int_equal(c.calls, 3);
	c = (struct counter){ 0, 0 };
	assert_int_equal(store_explain(f->r, &s, count_explain, &c), 0);
	assert_int_equal(c.calls, ORIGINS);
	c = (struct counter){ 0, 5 };
	assert_int_equal(store_explain(f->r, &s, count_explain, &c), -1);
	assert_int_equal(c.calls, 5);
	store_reader_end(f->r);
}

/* The address space this process has mapped, in bytes (VmSize). */
static rlim_t
mapped_bytes(void)
{
	FILE *fp = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long kb = 0;

	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "VmSize: %llu kB", &kb) == 1)
			break;
	if (fp != NULL)
		fclose(fp);
	return (rlim_t)kb * 1024;
}

/* Takes every block of at least 1.5 KiB there is (never freed: the
 * child exits). */
static void
exhaust(void)
{
	static const size_t sizes[] = { 1 << 20, 1 << 16, 1 << 12, 2048, 1536 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		while (malloc(sizes[i]) != NULL)
			;
}

/* In a child: the digest once with memory (warms the heap's free lists
 * for the small blocks), then with no address space left. Exit 0: the
 * second failed and said "out of memory"; 1: it succeeded; 2: another
 * error; 3: the first failed. */
static int
digest_without_memory(struct store *st)
{
	uint8_t out[32];
	uint64_t n;
	char err[128];
	struct rlimit rl;

	if (gossip_digest(st, out, &n, err, sizeof(err)) != 0 || n != ORIGINS)
		return 3;
	rl.rlim_cur = rl.rlim_max = mapped_bytes();
	if (rl.rlim_cur == 0 || setrlimit(RLIMIT_AS, &rl) != 0)
		return 2;
	exhaust();
	if (gossip_digest(st, out, &n, err, sizeof(err)) == 0)
		return 1;
	return strcmp(err, "out of memory") == 0 ? 0 : 2;
}

static void
test_digest_out_of_memory(void **state)
{
	struct fixture *f = *state;
	int status;
	pid_t pid;

#if defined(__SANITIZE_ADDRESS__)
	skip();		/* ASan's allocator does not fail this way */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
	skip();
#endif
#endif
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(digest_without_memory(f->st));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) != 0)
		fail_msg("child exit %d (1: the digest succeeded without memory,"
		    " 2: another error, 3: no digest at all)",
		    WEXITSTATUS(status));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walks_report_a_stop),
		cmocka_unit_test(test_digest_out_of_memory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
