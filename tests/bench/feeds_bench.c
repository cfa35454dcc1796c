/*
 * feeds_bench.c: abuse-report messages parsed and turned into reports
 * per second (feeds/complaint.c, then feeds/jsonl.c's checks, as the API
 * does), over the files named on the command line, all read into memory
 * first. Repeats the corpus for at least SECONDS. Prints the rate, and
 * with -o FILE one line per message: "NAME SUBJECT" (the first report's
 * subject, or "-"), to compare with the reference parser's.
 *
 *   feeds_bench [-s SECONDS] [-o FILE] MESSAGE...
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds/complaint.h"
#include "feeds/jsonl.h"

struct msg {
	const char *name;
	char *text;
	size_t len;
};

static double
now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0) {
		rewind(f);
		if ((buf = malloc((size_t)n + 1)) != NULL &&
		    fread(buf, 1, (size_t)n, f) == (size_t)n)
			*len = (size_t)n;
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

/* One message through the whole path; the number of reports. */
static size_t
one(const struct feed_conf *fc, const struct msg *m, char *subject,
    size_t sublen)
{
	struct feed_result res;
	struct jsonl_report jr;
	char err[256];
	size_t i, n = 0;
	json_t *r;

	feed_parse(fc, FEED_AUTO, m->text, m->len, 1796601600000ULL, &res);
	json_array_foreach(res.reports, i, r)
		if (jsonl_report_from_json(r, 1, &jr, err, sizeof(err)) == 0)
			n++;
	if (subject != NULL) {
		json_t *r0 = json_array_get(res.reports, 0);
		const char *s = json_string_value(json_object_get(r0, "ip"));
		if (s == NULL)
			s = json_string_value(json_object_get(r0, "domain"));
		snprintf(subject, sublen, "%s", s ? s : "-");
	}
	feed_result_clear(&res);
	return n;
}

int
main(int argc, char **argv)
{
	struct feed_conf fc = { 0 };
	double secs = 2, t0, c0, wall, cpu;
	const char *out = NULL;
	unsigned long long msgs = 0, reports = 0;
	struct msg *ms;
	char err[128], subject[300];
	int ch, n;

	while ((ch = getopt(argc, argv, "s:o:")) != -1)
		if (ch == 's')
			secs = atof(optarg);
		else if (ch == 'o')
			out = optarg;
		else
			return 2;
	n = argc - optind;
	if (n <= 0 || (ms = calloc((size_t)n, sizeof(*ms))) == NULL) {
		fprintf(stderr, "usage: feeds_bench [-s SECONDS] [-o FILE] "
		    "MESSAGE...\n");
		return 2;
	}
	feed_conf_add(&fc, "own-host", ".mailbox.example", err, sizeof(err));
	for (int i = 0; i < n; i++) {
		ms[i].name = argv[optind + i];
		if ((ms[i].text = slurp(ms[i].name, &ms[i].len)) == NULL) {
			perror(ms[i].name);
			return 1;
		}
	}
	if (out != NULL) {
		FILE *f = fopen(out, "w");
		if (f == NULL) {
			perror(out);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			one(&fc, &ms[i], subject, sizeof(subject));
			const char *base = strrchr(ms[i].name, '/');
			fprintf(f, "%s %s\n", base ? base + 1 : ms[i].name,
			    subject);
		}
		fclose(f);
	}
	t0 = now_s(CLOCK_MONOTONIC);
	c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);
	do {
		for (int i = 0; i < n; i++)
			reports += one(&fc, &ms[i], NULL, 0);
		msgs += (unsigned long long)n;
	} while ((wall = now_s(CLOCK_MONOTONIC) - t0) < secs);
	cpu = now_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("reputed feeds: %llu messages, %llu reports in %.2f s: %.0f "
	    "messages/s, %.0f per CPU second\n", msgs, reports, wall,
	    (double)msgs / wall, (double)msgs / cpu);
	for (int i = 0; i < n; i++)
		free(ms[i].text);
	free(ms);
	return 0;
}
