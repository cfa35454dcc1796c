/*
 * simout.c: summaries over many runs, and figures. The numbers come from
 * the runs' JSON summaries and JSON-lines series; gnuplot (Debian
 * gnuplot-nox) draws the SVGs from data files written next to them.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "sim/simout.h"

#ifndef SIM_COMMIT
#define SIM_COMMIT "unknown"
#endif

#define MAX_RUNS 4096

const char *
simout_commit(void)
{
	return SIM_COMMIT;
}

struct run {
	char path[512];
	char group[256];
	json_t *j;
};

static double
num(json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o;
	    k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	if (o && json_is_boolean(o))
		return json_is_true(o);
	return o && json_is_number(o) ? json_number_value(o) : NAN;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
run_cmp(const void *a, const void *b)
{
	const struct run *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c ? c : strcmp(x->path, y->path);
}

/* Group key: scenario name and definitions but the seed. */
static void
group_of(json_t *j, char *buf, size_t len)
{
	json_t *defs = json_object_get(j, "defines");
	const char *k;
	json_t *v;
	size_t o = (size_t)snprintf(buf, len, "%s",
	    json_string_value(json_object_get(j, "scenario")) ?: "?");

	json_object_foreach(defs, k, v)
	{
		if (o < len)
			o += (size_t)snprintf(buf + o, len - o, " %s=%s", k,
			    json_string_value(v) ?: "");
	}
}

/* Loads DIR/ *.json sorted by name (readdir's order is not stable). */
static int
load_runs(const char *dir, struct run **out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	struct run *runs;
	int nr = 0;

	if (d == NULL) {
		fprintf(stderr, "reputesim: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL && n < MAX_RUNS) {
		size_t l = strlen(e->d_name);
		if (l < 6 || strcmp(e->d_name + l - 5, ".json") != 0)
			continue;
		char **p = realloc(names, (n + 1) * sizeof(*p));
		if (p == NULL)
			break;
		names = p;
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	runs = calloc(n + 1, sizeof(*runs));
	for (size_t i = 0; runs && i < n; i++) {
		json_error_t je;
		struct run *r = &runs[nr];
		snprintf(r->path, sizeof(r->path), "%s/%s", dir, names[i]);
		if ((r->j = json_load_file(r->path, 0, &je)) == NULL ||
		    json_object_get(r->j, "scenario") == NULL) {
			fprintf(stderr, "reputesim: %s: not a run summary\n",
			    r->path);
			json_decref(r->j);
			continue;
		}
		group_of(r->j, r->group, sizeof(r->group));
		nr++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (runs)
		qsort(runs, (size_t)nr, sizeof(*runs), run_cmp);
	*out = runs;
	return nr;
}

static void
free_runs(struct run *runs, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(runs[i].j);
	free(runs);
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* median, min and max of a metric over runs[from, to) (NaN skipped) */
static int
spread(struct run *runs, int from, int to, const char *path, double *med,
    double *min, double *max)
{
	double v[MAX_RUNS];
	int n = 0;

	for (int i = from; i < to; i++) {
		double x = num(runs[i].j, path);
		if (!isnan(x))
			v[n++] = x;
	}
	if (n == 0) {
		*med = *min = *max = NAN;
		return 0;
	}
	qsort(v, (size_t)n, sizeof(double), dcmp);
	*med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	*min = v[0];
	*max = v[n - 1];
	return n;
}

static const struct {
	const char *title, *path;
} metrics[] = {
	{ "applied p50 ms", "propagation_applied.p50_ms" },
	{ "applied p99 ms", "propagation_applied.p99_ms" },
	{ "listed p50 ms", "propagation_listed.p50_ms" },
	{ "listed p99 ms", "propagation_listed.p99_ms" },
	{ "to 99% s", "time_to_list_99pct.median_s" },
	{ "false listed", "false_listings.listed_anywhere" },
	{ "forged listed", "forged_victims.listed_anywhere" },
	{ "converge s", "convergence.after_last_fault_s" },
	{ "equal digests", "convergence.equal_digests_at_end" },
	{ "copies/batch", "copies_per_batch_per_honest_node" },
	{ "bytes/node/rep", "bytes_sent_per_node_per_report" },
	{ "wall s", "run.wall_seconds" },
	{ "cpu s", "run.cpu_seconds" },
	{ "failed checks", "failed_checks" },
};

int
simout_summary_dir(const char *dir, FILE *out)
{
	struct run *runs;
	int n = load_runs(dir, &runs);

	if (n < 0)
		return -1;
	if (n == 0) {
		fprintf(stderr, "reputesim: no run summaries in %s\n", dir);
		free(runs);
		return -1;
	}
	fprintf(out, "median [min .. max] over the runs of each group\n");
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && strcmp(runs[j].group, runs[i].group) == 0)
			j++;
		fprintf(out, "\n%s (%d run%s)\n", runs[i].group, j - i,
		    j - i == 1 ? "" : "s");
		for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]);
		    m++) {
			double med, min, max;
			if (spread(runs, i, j, metrics[m].path, &med, &min,
				&max) == 0)
				continue;
			fprintf(out, "  %-16s %10.2f  [%.2f .. %.2f]\n",
			    metrics[m].title, med, min, max);
		}
		i = j;
	}
	free_runs(runs, n);
	return 0;
}

int
simout_table_dir(const char *dir, FILE *out)
{
	struct run *runs;
	int n = load_runs(dir, &runs);

	if (n <= 0) {
		free(runs);
		return -1;
	}
	fprintf(out, "%-34s %6s %8s %8s %8s %6s %6s %7s %6s %7s %7s %5s\n",
	    "scenario", "nodes", "appl p50", "appl p99", "list p99",
	    "false", "forged", "equiv", "conv s", "digests", "cpu s",
	    "fails");
	for (int i = 0; i < n; i++) {
		json_t *j = runs[i].j;
		char equiv[16] = "-", conv[16] = "-";
		if (json_is_object(json_object_get(j, "equivocation")))
			snprintf(equiv, sizeof(equiv), "%.0f/%.0f",
			    num(j, "equivocation.honest_nodes_knowing"),
			    num(j, "equivocation.honest_nodes"));
		if (!isnan(num(j, "convergence.after_last_fault_s")))
			snprintf(conv, sizeof(conv), "%.1f",
			    num(j, "convergence.after_last_fault_s"));
		fprintf(out,
		    "%-34.34s %6.0f %8.1f %8.1f %8.1f %6.0f %6.0f %7s %6s "
		    "%7s %7.1f %5.0f\n",
		    runs[i].group, num(j, "nodes"),
		    num(j, "propagation_applied.p50_ms"),
		    num(j, "propagation_applied.p99_ms"),
		    num(j, "propagation_listed.p99_ms"),
		    num(j, "false_listings.listed_anywhere"),
		    num(j, "forged_victims.listed_anywhere"), equiv, conv,
		    num(j, "convergence.equal_digests_at_end") == 1 ? "equal" :
								      "DIFFER",
		    num(j, "run.cpu_seconds"), num(j, "failed_checks"));
	}
	fprintf(out, "(ms: report made -> applied / tipping report -> listed "
		     "at honest nodes; false: innocent subjects listed at "
		     "some honest node; conv: s after the last fault to "
		     "equal digests)\n");
	free_runs(runs, n);
	return 0;
}

/* ---- figures ---- */

static FILE *
open_dat(const char *outdir, const char *name, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", outdir, name);
	return fopen(path, "w");
}

static int
gnuplot(const char *script)
{
	FILE *p = popen("gnuplot", "w");

	if (p == NULL) {
		fprintf(stderr, "reputesim: cannot run gnuplot (Debian "
				"gnuplot-nox)\n");
		return -1;
	}
	fputs(script, p);
	if (pclose(p) != 0) {
		fprintf(stderr, "reputesim: gnuplot failed\n");
		return -1;
	}
	return 0;
}

/* Propagation CDF per group: median over runs, band from min to max. */
static int
plot_cdf(struct run *runs, int n, const char *outdir)
{
	char script[16384], dat[600];
	size_t o;
	int g = 0;

	o = (size_t)snprintf(script, sizeof(script),
	    "set terminal svg size 800,500 dynamic font 'sans,11'\n"
	    "set output '%s/cdf.svg'\n"
	    "set title 'Report made -> applied at each honest node, over "
	    "seeds'\n"
	    "set xlabel 'milliseconds'\nset ylabel 'share of (report, node) "
	    "pairs'\nset key top left\nset grid\nset logscale x\n"
	    "set yrange [0:1]\nplot ",
	    outdir);
	for (int i = 0; i < n && g < 8;) {
		int j = i;
		char name[64];
		while (j < n && strcmp(runs[j].group, runs[i].group) == 0)
			j++;
		snprintf(name, sizeof(name), "cdf-%d.dat", g);
		FILE *f = open_dat(outdir, name, dat, sizeof(dat));
		if (f == NULL)
			return -1;
		for (int q = 0; q < 50; q++) {
			double v[MAX_RUNS];
			int k = 0;
			for (int r = i; r < j; r++) {
				json_t *c = json_object_get(
				    json_object_get(runs[r].j,
					"propagation_applied"),
				    "cdf_ms");
				json_t *pt = json_array_get(c, (size_t)q);
				if (pt)
					v[k++] = json_number_value(
					    json_array_get(pt, 0));
			}
			if (k == 0)
				continue;
			qsort(v, (size_t)k, sizeof(double), dcmp);
			fprintf(f, "%g %g %g %g\n", (q + 1) / 50.0, v[k / 2],
			    v[0], v[k - 1]);
		}
		fclose(f);
		o += (size_t)snprintf(script + o, sizeof(script) - o,
		    "%s'%s' using 3:1 with lines lw 1 dt 2 lc %d notitle, "
		    "'%s' using 4:1 with lines lw 1 dt 2 lc %d notitle, "
		    "'%s' using 2:1 with lines lw 2 lc %d title '%s (%d "
		    "runs: median, dashed min and max)'",
		    g ? ", " : "", dat, g + 1, dat, g + 1, dat, g + 1,
		    runs[i].group, j - i);
		g++;
		i = j;
	}
	snprintf(script + o, sizeof(script) - o, "\n");
	return gnuplot(script);
}

/* Listed share over time for one run, fault windows shaded. */
static int
plot_listed(const char *json, const char *series, const char *outdir)
{
	json_error_t je;
	json_t *j = json_load_file(json, 0, &je), *line, *win;
	char script[16384], dat[600], *buf = NULL;
	size_t o, cap = 0;
	FILE *in, *f;
	int nwork = 0;
	const char *names[16];

	if (j == NULL || (in = fopen(series, "r")) == NULL) {
		json_decref(j);
		return -1;
	}
	const char *scen = json_string_value(json_object_get(j, "scenario"));
	char dname[128];
	snprintf(dname, sizeof(dname), "listed-%s.dat", scen ? scen : "run");
	if ((f = open_dat(outdir, dname, dat, sizeof(dat))) == NULL) {
		fclose(in);
		json_decref(j);
		return -1;
	}
	json_t *works = json_object_get(j, "workloads"), *wk;
	size_t wi;
	json_array_foreach(works, wi, wk)
	{
		if (nwork < 16)
			names[nwork++] = json_string_value(
			    json_object_get(wk, "name"));
	}
	while (getline(&buf, &cap, in) > 0) {
		if ((line = json_loads(buf, 0, &je)) == NULL)
			continue;
		fprintf(f, "%g", num(line, "t"));
		for (int k = 0; k < nwork; k++) {
			json_t *l = json_object_get(json_object_get(line,
							"listed"),
			    names[k]);
			fprintf(f, " %g", l ? 100 * json_number_value(l) : 0);
		}
		fprintf(f, " %g %g\n", num(line, "innocents_listed"),
		    num(line, "honest_up"));
		json_decref(line);
	}
	free(buf);
	fclose(in);
	fclose(f);
	o = (size_t)snprintf(script, sizeof(script),
	    "set terminal svg size 800,500 dynamic font 'sans,11'\n"
	    "set output '%s/listed-%s.svg'\n"
	    "set title 'Tracked subjects listed at honest nodes: %s "
	    "(shaded: faults)'\n"
	    "set xlabel 'simulated seconds'\nset ylabel 'mean share of honest "
	    "nodes listing, %%'\nset yrange [0:105]\nset key bottom right\n"
	    "set grid\n",
	    outdir, scen ? scen : "run", scen ? scen : "run");
	win = json_object_get(j, "fault_windows");
	json_t *wv;
	json_array_foreach(win, wi, wv)
	{
		o += (size_t)snprintf(script + o, sizeof(script) - o,
		    "set object %zu rect from %g, graph 0 to %g, graph 1 "
		    "fc rgb '#f4cccc' fs solid 0.5 noborder behind\n",
		    wi + 1, json_number_value(json_array_get(wv, 0)),
		    json_number_value(json_array_get(wv, 1)));
	}
	o += (size_t)snprintf(script + o, sizeof(script) - o, "plot ");
	for (int k = 0; k < nwork; k++)
		o += (size_t)snprintf(script + o, sizeof(script) - o,
		    "%s'%s' using 1:%d with lines lw 2 title '%s'",
		    k ? ", " : "", dat, k + 2, names[k]);
	if (nwork == 0)
		o += (size_t)snprintf(script + o, sizeof(script) - o,
		    "'%s' using 1:%d with lines title 'innocent subjects "
		    "listed'",
		    dat, 2);
	snprintf(script + o, sizeof(script) - o, "\n");
	json_decref(j);
	return gnuplot(script);
}

/* Innocent subjects listed at some honest node against the number of
 * colluding organisations K: one line per value of TARGET (runs that
 * define K; median and min..max over seeds). */
static int
plot_colluders(struct run *runs, int n, const char *outdir)
{
	char script[8192], dat[600], targets[8][64];
	size_t o;
	int nt = 0, rows = 0;

	for (int i = 0; i < n; i++) {
		json_t *d = json_object_get(runs[i].j, "defines");
		const char *t = json_string_value(json_object_get(d, "TARGET"));
		bool seen = false;
		if (json_object_get(d, "K") == NULL)
			continue;
		t = t ? t : "none";
		for (int k = 0; k < nt; k++)
			seen |= strcmp(targets[k], t) == 0;
		if (!seen && nt < 8)
			snprintf(targets[nt++], sizeof(targets[0]), "%s", t);
	}
	if (nt == 0)
		return 0;
	o = (size_t)snprintf(script, sizeof(script),
	    "set terminal svg size 800,500 dynamic font 'sans,11'\n"
	    "set output '%s/colluders.svg'\n"
	    "set title 'Innocent subjects listed at some honest node vs "
	    "colluding organisations'\n"
	    "set xlabel 'colluding organisations (K), one node each'\n"
	    "set ylabel 'innocent subjects listed (of the 10 targeted)'\n"
	    "set yrange [-0.5:10.5]\nset grid\nset key bottom right\n"
	    "set logscale x\nset xtics (1, 2, 3, 4, 5, 10, 20)\nplot ",
	    outdir);
	for (int t = 0; t < nt; t++) {
		char name[64];
		FILE *f;
		snprintf(name, sizeof(name), "colluders-%d.dat", t);
		if ((f = open_dat(outdir, name, dat, sizeof(dat))) == NULL)
			return -1;
		for (int k = 0; k <= 64; k++) {
			double v[MAX_RUNS];
			int m = 0;
			for (int i = 0; i < n; i++) {
				json_t *d = json_object_get(runs[i].j,
				    "defines");
				const char *kv = json_string_value(
				    json_object_get(d, "K"));
				const char *tv = json_string_value(
				    json_object_get(d, "TARGET"));
				if (kv == NULL || atoi(kv) != k ||
				    strcmp(tv ? tv : "none", targets[t]) != 0)
					continue;
				v[m++] = num(runs[i].j,
				    "false_listings.listed_anywhere");
			}
			if (m == 0)
				continue;
			qsort(v, (size_t)m, sizeof(double), dcmp);
			fprintf(f, "%d %g %g %g\n", k, v[m / 2], v[0],
			    v[m - 1]);
			rows++;
		}
		fclose(f);
		o += (size_t)snprintf(script + o, sizeof(script) - o,
		    "%s'%s' using 1:2:3:4 with yerrorlines lw 2 pt 7 title "
		    "'%s (median, min..max over seeds)'",
		    t ? ", " : "", dat,
		    strcmp(targets[t], "none") == 0 ?
			"undefended innocents" :
			"honest senders vouched for by 5 organisations");
	}
	snprintf(script + o, sizeof(script) - o, "\n");
	return rows ? gnuplot(script) : 0;
}

int
simout_plot_dir(const char *dir, const char *outdir)
{
	struct run *runs;
	int n = load_runs(dir, &runs), rc = 0;
	char last[256] = "";

	if (n <= 0) {
		free(runs);
		return -1;
	}
	mkdir(outdir, 0755);
	if (plot_cdf(runs, n, outdir) == -1 ||
	    plot_colluders(runs, n, outdir) == -1)
		rc = -1;
	for (int i = 0; i < n && rc == 0; i++) {
		char series[520];
		size_t l = strlen(runs[i].path);
		if (strcmp(runs[i].group, last) == 0)
			continue;
		snprintf(series, sizeof(series), "%.*sjsonl", (int)(l - 4),
		    runs[i].path);
		FILE *t = fopen(series, "r");
		if (t == NULL)
			continue;
		fclose(t);
		snprintf(last, sizeof(last), "%s", runs[i].group);
		if (plot_listed(runs[i].path, series, outdir) == -1)
			rc = -1;
	}
	free_runs(runs, n);
	return rc;
}

int
simout_plot_run(const char *json, const char *series, const char *outdir)
{
	mkdir(outdir, 0755);
	return plot_listed(json, series, outdir);
}
