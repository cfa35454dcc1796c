/*
 * main.c: reputesim, the command line.
 *
 *   reputesim [-nq] [-s SEED] [-D NAME=VALUE]... [-o SUMMARY.json]
 *             [-t SERIES.jsonl] [--store DIR] [--plot DIR] SCENARIO
 *   reputesim summary DIR        medians and spreads of the runs in DIR
 *   reputesim table DIR          one row per run in DIR
 *   reputesim plot DIR OUTDIR    SVG figures of the runs in DIR
 *
 * Exit status: 0 ok, 1 a check failed (the replay command is printed),
 * 2 usage or scenario error, 3 the run itself failed.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "sim/scen.h"
#include "sim/sim.h"
#include "sim/simout.h"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: reputesim [-nq] [-j THREADS] [-s SEED] [-D NAME=VALUE]... "
	    "[-o SUMMARY.json]\n"
	    "                 [-t SERIES.jsonl] [--store DIR] [--plot DIR] "
	    "SCENARIO\n"
	    "       reputesim summary DIR | table DIR\n"
	    "       reputesim plot DIR OUTDIR\n");
	exit(2);
}

/* The command that replays this run, for failed checks. */
static void
replay_command(char *buf, size_t len, const struct scenario *s,
    const char *file)
{
	size_t o = (size_t)snprintf(buf, len, "reputesim -s %llu",
	    (unsigned long long)s->seed);

	for (int i = 0; i < s->n_defs && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, " -D %s=%s",
		    s->def_name[i], s->def_value[i]);
	if (o < len)
		snprintf(buf + o, len - o, " %s   # commit %s", file,
		    simout_commit());
}

/* -j's default: one thread per core, at most SIM_THREADS_MAX */
static int
cpus_online(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > SIM_THREADS_MAX ? SIM_THREADS_MAX : (int)n;
}

static int
run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "store", required_argument, NULL, 'S' },
		{ "plot", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct scenario *s = malloc(sizeof(*s));
	struct sim_opts o = { .progress = isatty(2), .threads = cpus_online() };
	const char *json_path = NULL, *series_path = NULL, *plot = NULL;
	char err[512], replay[1024];
	bool check_only = false, seed_set = false;
	unsigned long long seed = 0;
	int c, rc = 0;

	if (s == NULL)
		return 3;
	scen_default(s);
	while ((c = getopt_long(argc, argv, "nqj:s:D:o:t:", longopts, NULL)) !=
	    -1) {
		switch (c) {
		case 'n':
			check_only = true;
			break;
		case 'q':
			o.progress = false;
			break;
		case 'j':
			o.threads = atoi(optarg);
			if (o.threads < 1 || o.threads > SIM_THREADS_MAX) {
				fprintf(stderr, "reputesim: -j: 1 to %d\n",
				    SIM_THREADS_MAX);
				free(s);
				return 2;
			}
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			seed_set = true;
			break;
		case 'D':
			if ((rc = scen_define(s, optarg, err, sizeof(err))) ==
			    -1) {
				fprintf(stderr, "reputesim: %s\n", err);
				free(s);
				return 2;
			}
			if (rc == 1) {	/* silently keeping one was a trap */
				fprintf(stderr, "reputesim: -D %s: that name is "
				    "defined twice\n", optarg);
				free(s);
				return 2;
			}
			break;
		case 'o':
			json_path = optarg;
			break;
		case 't':
			series_path = optarg;
			break;
		case 'S':
			o.store_root = optarg;
			break;
		case 'P':
			plot = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc)
		usage();
	if (scen_load(s, argv[optind], err, sizeof(err)) == -1) {
		fprintf(stderr, "reputesim: %s\n", err);
		free(s);
		return 2;
	}
	if (seed_set)
		s->seed = seed;
	if (check_only) {
		printf("%s: ok (%s: %u organisations, %u nodes)\n",
		    argv[optind], s->name, scen_orgs(s), scen_nodes(s));
		free(s);
		return 0;
	}
	replay_command(replay, sizeof(replay), s, argv[optind]);
	o.replay = replay;
	if (series_path && (o.series = fopen(series_path, "w")) == NULL) {
		perror(series_path);
		free(s);
		return 2;
	}
	struct sim *w = sim_new(s, &o, err, sizeof(err));
	if (w == NULL || sim_run(w, err, sizeof(err)) == -1) {
		fprintf(stderr, "reputesim: %s\n", err);
		fprintf(stderr, "replay: %s\n", replay);
		rc = 3;
		goto out;
	}
	sim_table(w, stdout);
	if (sim_checks(w, stdout) > 0)
		rc = 1;
	if (json_path != NULL) {
		json_t *j = sim_summary(w);
		json_object_set_new(j, "failed_checks",
		    json_integer(rc == 1 ? 1 : 0));
		if (json_dump_file(j, json_path, JSON_INDENT(1)) == -1) {
			fprintf(stderr, "reputesim: cannot write %s\n",
			    json_path);
			rc = 3;
		}
		json_decref(j);
	}
	if (o.series)
		fflush(o.series);
	if (plot != NULL && json_path != NULL && series_path != NULL &&
	    simout_plot_run(json_path, series_path, plot) == -1)
		rc = rc ? rc : 3;
out:
	sim_free(w);
	if (o.series)
		fclose(o.series);
	free(s);
	return rc;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "summary") == 0) {
		if (argc != 3)
			usage();
		return simout_summary_dir(argv[2], stdout) == 0 ? 0 : 2;
	}
	if (argc >= 2 && strcmp(argv[1], "table") == 0) {
		if (argc != 3)
			usage();
		return simout_table_dir(argv[2], stdout) == 0 ? 0 : 2;
	}
	if (argc >= 2 && strcmp(argv[1], "plot") == 0) {
		if (argc != 4)
			usage();
		return simout_plot_dir(argv[2], argv[3]) == 0 ? 0 : 2;
	}
	return run(argc, argv);
}
