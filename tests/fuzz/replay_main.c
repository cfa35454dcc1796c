/*
 * replay_main.c: a plain main() for a libFuzzer target, so `make test` can
 * replay a seed corpus with the normal compiler (and under ASan in
 * `make asan`). Arguments are files or folders; each file is one input.
 * Prints "N passed, 0 failed" where N is the number of inputs run: an input
 * "passes" by returning without a crash. A folder's files run in name
 * order (the store targets keep state from one input to the next).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		perror(path);
		return -1;
	}
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0, n;
	do {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *p = realloc(buf, cap);
			if (p == NULL) {
				free(buf);
				fclose(f);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static long
run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	/* In name order: the store targets keep one store across inputs,
	 * so a corpus replays as the same sequence on every file system. */
	struct dirent **e;
	int n = scandir(path, &e, NULL, alphasort);
	if (n < 0)
		return -1;
	long count = 0;
	for (int i = 0; i < n; i++) {
		char sub[4096];
		if (count >= 0 && e[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, e[i]->d_name);
			long got = run_path(sub);
			count = got < 0 ? -1 : count + got;
		}
		free(e[i]);
	}
	free(e);
	return count;
}

int
main(int argc, char **argv)
{
	long total = 0;
	for (int i = 1; i < argc; i++) {
		long n = run_path(argv[i]);
		if (n < 0) {
			printf("0 passed, 1 failed\n");
			return 1;
		}
		total += n;
	}
	printf("%ld passed, 0 failed\n", total);
	return total > 0 ? 0 : 1;
}
