/*
 * sim_out.c: what a run measured: the JSON summary, the JSON-lines time
 * series, the terminal table and the scenario's checks.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sim/simint.h"

#ifndef SIM_COMMIT
#define SIM_COMMIT "unknown"
#endif

static double
secs(uint64_t us)
{
	return (double)us / 1e6;
}

/* Share of honest nodes up listing a tracked subject now. */
static double
share(const struct sim *w, const struct tsubj *t)
{
	return w->n_honest_up ? (double)t->n_listed / w->n_honest_up : 0;
}

static bool
innocent(const struct ssubj *s)
{
	return s->role == SUBJ_INNOCENT || s->role == SUBJ_HONEST;
}

/* Mean and minimum share listed over a workload's tracked subjects. */
static void
work_share(const struct sim *w, int wi, double *mean, double *min, int *n)
{
	double sum = 0;

	*min = 1;
	*n = 0;
	for (int ti = 0; ti < w->n_tracked; ti++) {
		const struct tsubj *t = &w->tracked[ti];
		if (w->subjects[t->subj].work != wi)
			continue;
		double x = share(w, t);
		sum += x;
		if (x < *min)
			*min = x;
		(*n)++;
	}
	*mean = *n ? sum / *n : 0;
	if (*n == 0)
		*min = 0;
}

void
sim_sample(struct sim *w)
{
	json_t *o, *l;
	int innocents = 0, forged = 0;
	char *text;

	if (w->o.series == NULL)
		return;
	for (int ti = 0; ti < w->n_tracked; ti++) {
		const struct tsubj *t = &w->tracked[ti];
		const struct ssubj *s = &w->subjects[t->subj];
		innocents += innocent(s) && t->n_listed > 0;
		forged += s->role == SUBJ_FORGED && t->n_listed > 0;
	}
	l = json_object();
	for (int wi = 0; wi < w->s.n_work; wi++) {
		double mean, min;
		int n;
		work_share(w, wi, &mean, &min, &n);
		json_object_set_new(l, w->s.work[wi].name, json_real(mean));
	}
	o = json_pack("{s:f, s:I, s:I, s:I, s:i, s:o, s:i, s:i}", "t",
	    secs(w->now), "events", (json_int_t)w->events, "applies",
	    (json_int_t)w->applies, "bytes", (json_int_t)w->bytes,
	    "honest_up", w->n_honest_up, "listed", l, "innocents_listed",
	    innocents, "forged_listed", forged);
	if (o != NULL && (text = json_dumps(o, JSON_COMPACT)) != NULL) {
		fprintf(w->o.series, "%s\n", text);
		free(text);
	}
	json_decref(o);
}

static json_t *
cdf(const struct hist *h)
{
	json_t *a = json_array();

	for (int i = 1; i <= 50; i++)
		json_array_append_new(a,
		    json_pack("[f, f]", hist_quantile(h, i / 50.0) / 1e3,
			i / 50.0));
	return a;
}

static json_t *
quantiles(const struct hist *h)
{
	json_t *o = json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "n",
	    (json_int_t)h->n, "p50_ms", hist_quantile(h, 0.5) / 1e3, "p90_ms",
	    hist_quantile(h, 0.9) / 1e3, "p99_ms",
	    hist_quantile(h, 0.99) / 1e3, "max_ms", (double)h->max / 1e3,
	    "mean_ms", h->n ? h->sum / (double)h->n / 1e3 : 0.0);

	json_object_set_new(o, "cdf_ms", cdf(h));
	return o;
}

static int
dcmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Time from the report that tipped a spam source's score to its listing
 * at 99 % of the honest nodes, over the tracked spam sources listed. */
static json_t *
time_to_list(const struct sim *w)
{
	double *v = malloc(((size_t)w->n_tracked + 1) * sizeof(double));
	int n = 0, listable = 0;
	json_t *o;

	if (v == NULL)
		return json_null();
	for (int ti = 0; ti < w->n_tracked; ti++) {
		const struct tsubj *t = &w->tracked[ti];
		const struct ssubj *s = &w->subjects[t->subj];
		if (s->role != SUBJ_SPAM || t->decisive == 0)
			continue;
		listable++;
		if (t->t99 != 0)
			v[n++] = secs(t->t99 - t->decisive);
	}
	qsort(v, (size_t)n, sizeof(double), dcmp);
	o = json_pack("{s:i, s:i, s:f, s:f}", "sources_listed", listable,
	    "reached_99pct", n, "median_s", n ? v[n / 2] : -1.0, "max_s",
	    n ? v[n - 1] : -1.0);
	free(v);
	return o;
}

static json_t *
false_listings(const struct sim *w, bool forged)
{
	int subjects = 0, ever = 0;
	uint32_t max_nodes = 0;
	double node_s = 0;

	for (int ti = 0; ti < w->n_tracked; ti++) {
		const struct tsubj *t = &w->tracked[ti];
		const struct ssubj *s = &w->subjects[t->subj];
		if (forged ? s->role != SUBJ_FORGED : !innocent(s))
			continue;
		subjects++;
		ever += t->ever_honest;
		if (t->n_listed > max_nodes)
			max_nodes = t->n_listed;
		node_s += secs(t->listed_us);
		for (int ni = 0; ni < w->n_nodes; ni++) {
			const struct tstate *st =
			    &w->tstate[(size_t)ti * w->n_nodes + ni];
			if (w->nodes[ni].honest && st->since)
				node_s += secs(w->now + 1 - st->since);
		}
	}
	return json_pack("{s:i, s:i, s:i, s:f}", "subjects", subjects,
	    "listed_anywhere", ever, "max_nodes_at_end", (int)max_nodes,
	    "honest_node_seconds", node_s);
}

static json_t *
equivocation(const struct sim *w)
{
	int known = 0;
	uint64_t last = 0;

	if (w->equiv_start == 0)
		return json_null();
	for (int i = 0; i < w->n_nodes; i++) {
		const struct snode *n = &w->nodes[i];
		if (!n->honest)
			continue;
		if (n->equiv_known) {
			known++;
			if (n->equiv_known > last)
				last = n->equiv_known;
		}
	}
	return json_pack("{s:i, s:i, s:o}", "honest_nodes_knowing", known,
	    "honest_nodes", w->n_honest, "all_know_after_s",
	    known == w->n_honest && last >= w->equiv_start ?
		json_real(secs(last - w->equiv_start)) :
		json_null());
}

/* Store bytes at the end, over the nodes that are up, and over the
 * honest ones (what a flooder or colluder costs the others). */
static json_t *
store_sizes_json(const struct sim *w)
{
	double sum = 0, max = 0, hsum = 0, hmax = 0;
	int n = 0, hn = 0;

	for (int i = 0; i < w->n_nodes; i++) {
		struct store_stats st;
		const struct snode *nd = &w->nodes[i];
		if (!nd->up || store_reader_begin(nd->rd) == -1)
			continue;
		memset(&st, 0, sizeof(st));
		if (store_sizes(nd->rd, &st) == 0) {
			double b = (double)st.bytes_on_disk;
			sum += b;
			max = b > max ? b : max;
			n++;
			if (nd->honest) {
				hsum += b;
				hmax = b > hmax ? b : hmax;
				hn++;
			}
		}
		store_reader_end(nd->rd);
	}
	return json_pack("{s:f, s:f, s:f, s:f}", "mean_bytes",
	    n ? sum / n : 0.0, "max_bytes", max, "honest_mean_bytes",
	    hn ? hsum / hn : 0.0, "honest_max_bytes", hmax);
}

/* What one honest node's store says of the flooder origins. */
struct flood_view {
	uint64_t kept, dropped, live_dropped, blocked, limit, members;
};

static bool
flood_view(const struct sim *w, const struct snode *nd, struct flood_view *v)
{
	struct origin_info oi;

	memset(v, 0, sizeof(*v));
	if (!nd->up || !nd->honest || store_reader_begin(nd->rd) == -1)
		return false;
	for (int o = 0; o < w->n_origins; o++) {
		const struct snode *f = &w->nodes[w->origins[o].node];
		if (w->s.groups[f->group].role != ROLE_FLOODER ||
		    store_reader_origin(nd->rd, w->origins[o].key, &oi) != 0)
			continue;
		v->kept += oi.quota_used;
		v->dropped += oi.quota_dropped;
		v->live_dropped += oi.live_dropped;
		v->blocked += oi.blocked;
		if (v->limit == 0 || oi.quota_limit < v->limit)
			v->limit = oi.quota_limit;
		if (oi.org_members > v->members)
			v->members = oi.org_members;
	}
	store_reader_end(nd->rd);
	return true;
}

#define FV_FIELDS 6
static const char *const fv_names[FV_FIELDS] = { "kept", "dropped",
	"live_dropped", "blocked_keys", "quota_limit_min", "org_members_max" };

/* The flooder origins' records at the honest nodes at the end, each
 * figure summed over those origins, then its least and greatest over the
 * honest nodes (kept: in the hour of batch time, the whole run); null
 * without flooders. */
static json_t *
flooders_json(const struct sim *w)
{
	uint64_t lo[FV_FIELDS], hi[FV_FIELDS];
	int keys = 0, seen = 0;
	json_t *o;

	for (int oi = 0; oi < w->n_origins; oi++)
		keys += w->s.groups[w->nodes[w->origins[oi].node].group].role ==
		    ROLE_FLOODER;
	if (keys == 0)
		return json_null();
	for (int i = 0; i < w->n_nodes; i++) {
		struct flood_view v;
		if (!flood_view(w, &w->nodes[i], &v))
			continue;
		uint64_t x[FV_FIELDS] = { v.kept, v.dropped, v.live_dropped,
			v.blocked, v.limit, v.members };
		for (int k = 0; k < FV_FIELDS; k++) {
			lo[k] = seen == 0 || x[k] < lo[k] ? x[k] : lo[k];
			hi[k] = seen == 0 || x[k] > hi[k] ? x[k] : hi[k];
		}
		seen++;
	}
	o = json_pack("{s:i, s:i}", "keys", keys, "honest_nodes", seen);
	for (int k = 0; k < FV_FIELDS && seen > 0; k++)
		json_object_set_new(o, fv_names[k],
		    json_pack("[I, I]", (json_int_t)lo[k], (json_int_t)hi[k]));
	return o;
}

static json_t *
workloads(const struct sim *w)
{
	json_t *a = json_array();

	for (int wi = 0; wi < w->s.n_work; wi++) {
		static const char *const kinds[] = { "spam", "honest",
			"forged" };
		double mean, min;
		int n;
		work_share(w, wi, &mean, &min, &n);
		json_array_append_new(a,
		    json_pack("{s:s, s:s, s:i, s:i, s:f, s:f}", "name",
			w->s.work[wi].name, "kind", kinds[w->s.work[wi].kind],
			"subjects", (int)w->s.work[wi].count, "tracked", n,
			"listed_share_mean", mean, "listed_share_min", min));
	}
	return a;
}

static json_t *
windows(const struct sim *w)
{
	json_t *a = json_array();

	for (int i = 0; i < w->n_windows; i++)
		json_array_append_new(a,
		    json_pack("[f, f]", secs(w->fault_windows[2 * i]),
			secs(w->fault_windows[2 * i + 1])));
	return a;
}

void *
sim_summary(struct sim *w)
{
	char trace[24];
	double reports = w->reports_made ? (double)w->reports_made : 1;
	double batches = w->batches_made ? (double)w->batches_made : 1;
	json_t *o;

	snprintf(trace, sizeof(trace), "%016llx",
	    (unsigned long long)w->trace);
	o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:i, s:i, s:i, s:i, s:f}",
	    "scenario", w->s.name, "file", w->s.file, "seed",
	    (json_int_t)w->s.seed, "commit", SIM_COMMIT, "trace", trace,
	    "nodes", w->n_nodes, "orgs", w->n_orgs, "honest_nodes",
	    w->n_honest, "links", w->n_links, "sim_seconds",
	    secs(w->s.duration));
	json_object_set_new(o, "components", json_integer(w->components));
	json_object_set_new(o, "defines", json_object());
	for (int i = 0; i < w->s.n_defs; i++)
		json_object_set_new(json_object_get(o, "defines"),
		    w->s.def_name[i], json_string(w->s.def_value[i]));
	json_object_set_new(o, "run",
	    json_pack("{s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I}",
		"events", (json_int_t)w->events, "wall_seconds", w->wall_s,
		"cpu_seconds", w->cpu_s,
		"events_per_second", w->wall_s > 0 ? w->events / w->wall_s : 0,
		"peak_rss_mb", w->rss_kb / 1024.0, "rss_kb_per_node",
		w->n_nodes ? (double)w->rss_kb / w->n_nodes : 0.0,
		"verify_memo_hits", (json_int_t)w->memo_hits,
		"verify_memo_misses", (json_int_t)w->memo_misses, "dns_queries",
		(json_int_t)w->dns_queries));
	json_object_set_new(o, "reports",
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "made",
		(json_int_t)w->reports_made, "refused",
		(json_int_t)w->reports_failed, "lost_node_down",
		(json_int_t)w->reports_lost, "flood",
		(json_int_t)w->flood_reports, "batches",
		(json_int_t)w->batches_made));
	json_object_set_new(o, "propagation_applied", quantiles(&w->h_applied));
	json_object_set_new(o, "propagation_listed", quantiles(&w->h_listed));
	json_object_set_new(o, "copies_per_batch_per_honest_node",
	    json_real(w->n_honest ?
		    (double)w->copies_honest / batches / w->n_honest :
		    0));
	json_object_set_new(o, "bytes_sent_per_node_per_report",
	    json_real((double)w->bytes / (w->n_nodes ? w->n_nodes : 1) /
		reports));
	json_object_set_new(o, "time_to_list_99pct", time_to_list(w));
	json_object_set_new(o, "false_listings", false_listings(w, false));
	json_object_set_new(o, "forged_victims", false_listings(w, true));
	json_object_set_new(o, "equivocation", equivocation(w));
	json_object_set_new(o, "convergence",
	    json_pack("{s:b, s:o, s:b}", "had_faults", w->has_faults,
		"after_last_fault_s",
		w->converged_at && w->last_fault_end ?
		    json_real(secs(w->converged_at - w->last_fault_end)) :
		    json_null(),
		"equal_digests_at_end", w->converged_end));
	json_object_set_new(o, "links",
	    json_pack("{s:I, s:I, s:I}", "connects", (json_int_t)w->link_ups,
		"breaks", (json_int_t)w->link_breaks, "dropped_slow",
		(json_int_t)w->dropped_slow));
	json_object_set_new(o, "store", store_sizes_json(w));
	json_object_set_new(o, "flooders", flooders_json(w));
	json_object_set_new(o, "workloads", workloads(w));
	json_object_set_new(o, "fault_windows", windows(w));
	return o;
}

static double
num(json_t *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o;
	    k = strtok_r(NULL, ".", &save))
		o = json_object_get(o, k);
	return o && json_is_number(o) ? json_number_value(o) : NAN;
}

static uint64_t
range_at(json_t *f, const char *name, int end)
{
	return (uint64_t)json_integer_value(
	    json_array_get(json_object_get(f, name), (size_t)end));
}

/* The flooder keys at the honest nodes: each figure least..greatest. */
static void
flooders_line(json_t *f, FILE *out)
{
	static const char *const label[FV_FIELDS] = { "kept", "dropped",
		"dropped live", "blocked", "quota/key", "members" };

	fprintf(out, "%-22s %lld keys at %lld honest nodes:", "flooders",
	    (long long)json_integer_value(json_object_get(f, "keys")),
	    (long long)json_integer_value(json_object_get(f, "honest_nodes")));
	for (int k = 0; k < FV_FIELDS; k++) {
		uint64_t lo = range_at(f, fv_names[k], 0),
			 hi = range_at(f, fv_names[k], 1);
		if (lo == hi)
			fprintf(out, " %s %llu", label[k],
			    (unsigned long long)lo);
		else
			fprintf(out, " %s %llu..%llu", label[k],
			    (unsigned long long)lo, (unsigned long long)hi);
		fputs(k + 1 < FV_FIELDS ? "," : "\n", out);
	}
}

void
sim_table(struct sim *w, FILE *out)
{
	json_t *o = sim_summary(w);

	fprintf(out, "%-22s %s (seed %llu, %d nodes in %d orgs, %d links, "
		     "%.0f s simulated)\n",
	    "scenario", w->s.name, (unsigned long long)w->s.seed, w->n_nodes,
	    w->n_orgs, w->n_links, secs(w->s.duration));
	if (w->components > 1)
		fprintf(out, "%-22s %d connected components: not one network\n",
		    "topology", w->components);
	fprintf(out, "%-22s %.0f made, %.0f batches, %.0f lost (node down)\n",
	    "reports", num(o, "reports.made"), num(o, "reports.batches"),
	    num(o, "reports.lost_node_down"));
	fprintf(out, "%-22s p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms (n %.0f)\n",
	    "made -> applied", num(o, "propagation_applied.p50_ms"),
	    num(o, "propagation_applied.p90_ms"),
	    num(o, "propagation_applied.p99_ms"),
	    num(o, "propagation_applied.max_ms"),
	    num(o, "propagation_applied.n"));
	fprintf(out, "%-22s p50 %.1f  p90 %.1f  p99 %.1f  max %.1f ms (n %.0f)\n",
	    "tipping report->listed", num(o, "propagation_listed.p50_ms"),
	    num(o, "propagation_listed.p90_ms"),
	    num(o, "propagation_listed.p99_ms"),
	    num(o, "propagation_listed.max_ms"),
	    num(o, "propagation_listed.n"));
	fprintf(out, "%-22s median %.2f s, max %.2f s (%.0f of %.0f sources)\n",
	    "listed at 99 %", num(o, "time_to_list_99pct.median_s"),
	    num(o, "time_to_list_99pct.max_s"),
	    num(o, "time_to_list_99pct.reached_99pct"),
	    num(o, "time_to_list_99pct.sources_listed"));
	fprintf(out, "%-22s %.2f copies/batch/node, %.0f bytes/node/report\n",
	    "cost", num(o, "copies_per_batch_per_honest_node"),
	    num(o, "bytes_sent_per_node_per_report"));
	fprintf(out, "%-22s %.0f of %.0f innocent subjects, %.0f node-seconds\n",
	    "false listings", num(o, "false_listings.listed_anywhere"),
	    num(o, "false_listings.subjects"),
	    num(o, "false_listings.honest_node_seconds"));
	fprintf(out, "%-22s %.0f of %.0f forged domains listed\n",
	    "forged victims", num(o, "forged_victims.listed_anywhere"),
	    num(o, "forged_victims.subjects"));
	if (w->equiv_start)
		fprintf(out, "%-22s known by %.0f of %.0f honest nodes, all "
			     "after %.2f s\n",
		    "equivocation",
		    num(o, "equivocation.honest_nodes_knowing"),
		    num(o, "equivocation.honest_nodes"),
		    num(o, "equivocation.all_know_after_s"));
	fprintf(out, "%-22s %s at end%s\n", "digests",
	    w->converged_end ? "equal" : "DIFFERENT",
	    w->converged_at && w->last_fault_end ? "" : "");
	if (w->last_fault_end)
		fprintf(out, "%-22s %.1f s after the last fault ended\n",
		    "converged",
		    num(o, "convergence.after_last_fault_s"));
	for (int wi = 0; wi < w->s.n_work; wi++) {
		double mean, min;
		int n;
		work_share(w, wi, &mean, &min, &n);
		fprintf(out, "%-22s listed at %.1f %% of honest nodes (min %.1f "
			     "%%, %d tracked)\n",
		    w->s.work[wi].name, 100 * mean, 100 * min, n);
	}
	if (json_is_object(json_object_get(o, "flooders")))
		flooders_line(json_object_get(o, "flooders"), out);
	fprintf(out, "%-22s %.0f MB peak RSS (%.0f KB/node), store %.0f KB/node "
		     "(honest: mean %.0f KB, max %.0f KB)\n",
	    "memory", num(o, "run.peak_rss_mb"), num(o, "run.rss_kb_per_node"),
	    num(o, "store.mean_bytes") / 1024,
	    num(o, "store.honest_mean_bytes") / 1024,
	    num(o, "store.honest_max_bytes") / 1024);
	fprintf(out, "%-22s %.0f events in %.1f s wall, %.1f s CPU (%.0f "
		     "events/s), memo %.0f hits / %.0f verifies\n",
	    "run", num(o, "run.events"), w->wall_s, w->cpu_s,
	    num(o, "run.events_per_second"), num(o, "run.verify_memo_hits"),
	    num(o, "run.verify_memo_misses"));
	fprintf(out, "%-22s %016llx\n", "trace", (unsigned long long)w->trace);
	json_decref(o);
}

static int
work_index(const struct sim *w, const char *name)
{
	for (int i = 0; i < w->s.n_work; i++)
		if (strcmp(w->s.work[i].name, name) == 0)
			return i;
	return -1;
}

static bool
check_one(struct sim *w, const struct scen_check *c, char *why, size_t len)
{
	int wi = work_index(w, c->work);
	double min;
	int n, ever = 0;
	json_t *f;

	switch (c->kind) {
	case CHECK_LISTED: /* over the subjects none of whose reports was
			    * lost at a node that was down */
		min = 1;
		n = 0;
		for (int ti = 0; ti < w->n_tracked; ti++) {
			const struct tsubj *t = &w->tracked[ti];
			if (w->subjects[t->subj].work != wi)
				continue;
			if (t->lost) {
				ever++;
				continue;
			}
			if (share(w, t) < min)
				min = share(w, t);
			n++;
		}
		snprintf(why, len, "lowest share listed %.1f %% over %d "
				   "subjects; %d left out: a report lost at a "
				   "node that was down",
		    100 * min, n, ever);
		return n > 0 && min + 1e-9 >= c->value;
	case CHECK_NEVER_LISTED:
		for (int ti = 0; ti < w->n_tracked; ti++)
			if (w->subjects[w->tracked[ti].subj].work == wi)
				ever += w->tracked[ti].ever_honest;
		snprintf(why, len, "%d subjects listed at some honest node",
		    ever);
		return ever == 0;
	case CHECK_CONVERGED:
		snprintf(why, len, "digests %s at end",
		    w->converged_end ? "equal" : "different");
		return w->converged_end;
	case CHECK_FALSE_MAX:
		f = false_listings(w, false);
		ever = (int)json_integer_value(
		    json_object_get(f, "listed_anywhere"));
		json_decref(f);
		snprintf(why, len, "%d innocent subjects listed", ever);
		return ever <= (int)c->value;
	}
	return false;
}

int
sim_checks(struct sim *w, FILE *out)
{
	char why[128];
	int failed = 0;

	for (int i = 0; i < w->s.n_checks; i++) {
		const struct scen_check *c = &w->s.checks[i];
		bool ok = check_one(w, c, why, sizeof(why));
		static const char *const kinds[] = { "listed", "never-listed",
			"converged", "false-listings-max" };
		fprintf(out, "check %s:%d %s: %s: %s (%s)\n", w->s.file,
		    c->line, kinds[c->kind], c->text, ok ? "ok" : "FAILED",
		    why);
		failed += !ok;
	}
	if (failed && w->o.replay)
		fprintf(out, "replay: %s\n", w->o.replay);
	w->failed_checks = failed;
	return failed;
}
