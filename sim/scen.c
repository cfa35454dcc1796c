/*
 * scen.c: the scenario file -> struct scenario. One table (scen_keywords)
 * says which keywords each clause takes and how many values; a handler
 * per keyword checks its values. Reads only the text it is given.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/scen.h"

#define SCEN_MAX_FILE (1 << 20)
#define SCEN_MAX_LINE 1024
#define SCEN_MAX_ARGS 8

struct sparser {
	struct scenario *s;
	const char *file;
	int line;
	const char *clause;
	int scope; /* link: 0 inter, 1 intra, 2 both */
	bool org_quota_set, org_ceiling_set; /* given, else 4 x the node's */
	char *err;
	size_t errlen;
};

static int perr(struct sparser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct sparser *p, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->file, p->line, msg);
	return -1;
}

/* ---- values ---- */

static int
p_uint(struct sparser *p, const char *v, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return perr(p, "expected a number, not '%s'", v);
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n > max)
		return perr(p, "expected a number from 0 to %lu, not '%s'", max,
		    v);
	*out = (unsigned)n;
	return 0;
}

static int
p_double(struct sparser *p, const char *v, double min, double max,
    double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || !isfinite(d) ||
	    d < min || d > max)
		return perr(p, "expected a number from %g to %g, not '%s'", min,
		    max, v);
	*out = d;
	return 0;
}

/* "99%" or "0.99" -> 0.99 */
static int
p_share(struct sparser *p, const char *v, double *out)
{
	char buf[32];
	size_t n = strlen(v);

	if (n > 1 && n < sizeof(buf) && v[n - 1] == '%') {
		memcpy(buf, v, n - 1);
		buf[n - 1] = '\0';
		if (p_double(p, buf, 0, 100, out) == -1)
			return -1;
		*out /= 100;
		return 0;
	}
	return p_double(p, v, 0, 1, out);
}

/* A duration: 500us, 250ms, 10s, 2m, 1h (a bare number is seconds), in
 * microseconds, at most a week. */
static int
p_time(struct sparser *p, const char *v, uint64_t *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 }, { "", 1e6 },
		{ "m", 60e6 }, { "h", 3600e6 } };
	char *end;
	double d;

	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		goto bad;
	d = strtod(v, &end);
	if (errno != 0)
		goto bad;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		d *= units[i].mult;
		if (!isfinite(d) || d > 604800e6)
			goto bad;
		*out = (uint64_t)llround(d);
		return 0;
	}
bad:
	return perr(p, "expected a duration (500us, 250ms, 10s, 2m, 1h) up to "
		       "a week, not '%s'",
	    v);
}

/* bits per second: 100Mbit, 1Gbit, 512kbit, 0 (unlimited) */
static int
p_bandwidth(struct sparser *p, const char *v, double *out)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "bit", 1 }, { "kbit", 1e3 }, { "Mbit", 1e6 },
		{ "Gbit", 1e9 } };
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno == 0 && end != v && d >= 0 && isfinite(d)) {
		if (*end == '\0' && d == 0) {
			*out = 0;
			return 0;
		}
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strcmp(end, units[i].unit) == 0) {
				*out = d * units[i].mult;
				return 0;
			}
	}
	return perr(p, "expected a bandwidth (512kbit, 100Mbit, 1Gbit, 0), not "
		       "'%s'",
	    v);
}

static int
p_bool(struct sparser *p, const char *v, bool *out)
{
	*out = false;
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return perr(p, "expected yes or no, not '%s'", v);
	return 0;
}

static int
p_name(struct sparser *p, const char *v, char *dst)
{
	size_t n = strlen(v);

	if (n == 0 || n >= SCEN_NAME_MAX)
		return perr(p, "a name of 1 to %d characters, not '%s'",
		    SCEN_NAME_MAX - 1, v);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			return perr(p, "a name of letters, digits, '-' and '_', "
				       "not '%s'",
			    v);
	memcpy(dst, v, n + 1);
	return 0;
}

static int
p_enum(struct sparser *p, const char *v, const char *const *names, int n,
    int *out)
{
	char list[200] = "";

	*out = 0;
	for (int i = 0; i < n; i++) {
		if (strcmp(v, names[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", i ? ", " : "", names[i]);
	}
	return perr(p, "expected one of %s, not '%s'", list, v);
}

/* ---- the current clause's object ---- */

static struct scen_orgs *
cur_group(struct sparser *p)
{
	return &p->s->groups[p->s->n_groups - 1];
}

static struct scen_work *
cur_work(struct sparser *p)
{
	return &p->s->work[p->s->n_work - 1];
}

static struct scen_fault *
cur_fault(struct sparser *p)
{
	return &p->s->faults[p->s->n_faults - 1];
}

/* ---- keyword handlers ---- */

typedef int (*kw_fn)(struct sparser *p, char **v, int n);

static int
k_sim_name(struct sparser *p, char **v, int n)
{
	return p_name(p, v[0], p->s->name);
}

static int
k_seed(struct sparser *p, char **v, int n)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)v[0][0]))
		return perr(p, "expected a number, not '%s'", v[0]);
	p->s->seed = strtoull(v[0], &end, 10);
	if (errno != 0 || *end != '\0')
		return perr(p, "expected a 64-bit number, not '%s'", v[0]);
	return 0;
}

static int
k_duration(struct sparser *p, char **v, int n)
{
	if (p_time(p, v[0], &p->s->duration) == -1)
		return -1;
	if (p->s->duration == 0)
		return perr(p, "a duration above 0");
	return 0;
}

static int
k_sample(struct sparser *p, char **v, int n)
{
	if (p_time(p, v[0], &p->s->sample) == -1)
		return -1;
	if (p->s->sample < 1000)
		return perr(p, "a sample interval of at least 1ms");
	return 0;
}

static int
k_tick(struct sparser *p, char **v, int n)
{
	if (p_time(p, v[0], &p->s->tick) == -1)
		return -1;
	if (p->s->tick < 1000)
		return perr(p, "a tick of at least 1ms");
	return 0;
}

static int
k_reconnect(struct sparser *p, char **v, int n)
{
	return p_time(p, v[0], &p->s->reconnect);
}

static int
k_store_map(struct sparser *p, char **v, int n)
{
	unsigned mb;
	char buf[32];
	size_t len = strlen(v[0]);

	if (len < 2 || len >= sizeof(buf) || v[0][len - 1] != 'M')
		return perr(p, "expected a size in MiB (64M), not '%s'", v[0]);
	memcpy(buf, v[0], len - 1);
	buf[len - 1] = '\0';
	if (p_uint(p, buf, 1 << 20, &mb) == -1)
		return -1;
	if (mb < 1)
		return perr(p, "a store map of at least 1M");
	p->s->store_map = (size_t)mb << 20;
	return 0;
}

static int
k_memo(struct sparser *p, char **v, int n)
{
	return p_bool(p, v[0], &p->s->memo);
}

static int
k_cost(struct sparser *p, char **v, int n)
{
	uint64_t a, b;

	if (p_time(p, v[0], &a) == -1 || p_time(p, v[1], &b) == -1)
		return -1;
	p->s->cost_verify = (double)a;
	p->s->cost_apply = (double)b;
	return 0;
}

static int
k_pki(struct sparser *p, char **v, int n)
{
	return p_bool(p, v[0], &p->s->pki);
}

static int
k_batch_window(struct sparser *p, char **v, int n)
{
	uint64_t t;

	if (p_time(p, v[0], &t) == -1)
		return -1;
	if (t < 1000 || t > 60000000)
		return perr(p, "a batch window from 1ms to 60s");
	p->s->batch_window_ms = (uint32_t)(t / 1000);
	return 0;
}

static int
k_batch_size(struct sparser *p, char **v, int n)
{
	unsigned x;

	if (p_uint(p, v[0], 256, &x) == -1)
		return -1;
	if (x == 0)
		return perr(p, "a batch size from 1 to 256");
	p->s->batch_size = x;
	return 0;
}

static int
k_batch_idle(struct sparser *p, char **v, int n)
{
	bool b = false;

	if (p_bool(p, v[0], &b) == -1)
		return -1;
	p->s->batch_idle = b;
	return 0;
}

static int
k_define(struct sparser *p, char **v, int n)
{
	return 0; /* read by the pre-pass */
}

static int
k_org_name(struct sparser *p, char **v, int n)
{
	return p_name(p, v[0], cur_group(p)->name);
}

static int
k_count(struct sparser *p, char **v, int n)
{
	if (strcmp(p->clause, "orgs") == 0) {
		if (p_uint(p, v[0], 100000, &cur_group(p)->count) == -1)
			return -1;
		return 0;
	}
	return p_uint(p, v[0], 1000000, &cur_work(p)->count);
}

static int
k_nodes(struct sparser *p, char **v, int n)
{
	unsigned x;

	if (strcmp(p->clause, "orgs") == 0) {
		if (p_uint(p, v[0], 1000, &x) == -1)
			return -1;
		if (x == 0)
			return perr(p, "an organisation has at least 1 node");
		cur_group(p)->nodes = x;
		return 0;
	}
	if (p_uint(p, v[0], 100000, &x) == -1)
		return -1;
	cur_fault(p)->nodes = x;
	return 0;
}

static int
k_trust(struct sparser *p, char **v, int n)
{
	return p_double(p, v[0], 0, 1, &cur_group(p)->trust);
}

static int
k_role(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "honest", "colluder", "flooder",
		"equivocator", "mute" };
	int r;

	if (p_enum(p, v[0], names, 5, &r) == -1)
		return -1;
	cur_group(p)->role = (enum org_role)r;
	return 0;
}

static int
k_innocents(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 10000, &cur_group(p)->innocents);
}

static int
k_target(struct sparser *p, char **v, int n)
{
	if (strcmp(v[0], "none") == 0) {
		cur_group(p)->target[0] = '\0';
		return 0;
	}
	return p_name(p, v[0], cur_group(p)->target);
}

static int
k_reporters(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "one", "all" };
	int r;

	if (p_enum(p, v[0], names, 2, &r) == -1)
		return -1;
	cur_group(p)->all_nodes = r == 1;
	return 0;
}

static int
k_rate(struct sparser *p, char **v, int n)
{
	double *dst = strcmp(p->clause, "orgs") == 0 ? &cur_group(p)->rate :
						       &cur_fault(p)->rate;
	char buf[32];
	size_t len = strlen(v[0]);
	const char *num = v[0];

	if (len > 2 && len < sizeof(buf) &&
	    (strcmp(v[0] + len - 2, "/s") == 0 ||
		strcmp(v[0] + len - 2, "/m") == 0)) {
		memcpy(buf, v[0], len - 2);
		buf[len - 2] = '\0';
		num = buf;
	}
	return p_double(p, num, 0, 1e6, dst);
}

static int
k_from(struct sparser *p, char **v, int n)
{
	if (strcmp(p->clause, "orgs") == 0)
		return p_time(p, v[0], &cur_group(p)->start);
	return p_time(p, v[0], &cur_fault(p)->from);
}

static int
k_to(struct sparser *p, char **v, int n)
{
	if (strcmp(p->clause, "orgs") == 0)
		return p_time(p, v[0], &cur_group(p)->stop);
	return p_time(p, v[0], &cur_fault(p)->to);
}

static int
k_topo_kind(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "random", "line", "ring",
		"tiered", "full" };
	int r;

	if (p_enum(p, v[0], names, 5, &r) == -1)
		return -1;
	p->s->topo = (enum topo_kind)r;
	return 0;
}

static int
k_degree(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 1000, &p->s->degree);
}

static int
k_tier1(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 1000, &p->s->tier1);
}

static int
k_intra(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "none", "line", "ring", "full" };
	int r;

	if (p_enum(p, v[0], names, 4, &r) == -1)
		return -1;
	p->s->intra = (enum intra_kind)r;
	return 0;
}

/* link: the scope keyword picks the model (0 inter, 1 intra, 2 both);
 * the others set it. */

static struct link_model *
cur_link(struct sparser *p)
{
	return p->scope == 1 ? &p->s->intra_link : &p->s->inter;
}

static int
k_scope(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "inter", "intra", "all" };
	int r;

	if (p_enum(p, v[0], names, 3, &r) == -1)
		return -1;
	p->scope = r;
	return 0;
}

static int
k_latency(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "constant", "uniform",
		"lognormal" };
	struct link_model *m = cur_link(p);
	uint64_t a, b = 0;
	int k;

	if (p_enum(p, v[0], names, 3, &k) == -1)
		return -1;
	if (n < 2 || (k != LAT_CONSTANT && n < 3) ||
	    (k == LAT_CONSTANT && n > 2))
		return perr(p, "latency: constant T | uniform MIN MAX | "
			       "lognormal MEDIAN SIGMA");
	if (p_time(p, v[1], &a) == -1)
		return -1;
	m->kind = (enum latency_kind)k;
	m->a_us = (double)a;
	if (k == LAT_UNIFORM) {
		if (p_time(p, v[2], &b) == -1)
			return -1;
		if (b < a)
			return perr(p, "uniform: MAX below MIN");
		m->b_us = (double)b;
	} else if (k == LAT_LOGNORMAL &&
	    p_double(p, v[2], 0, 5, &m->b_us) == -1)
		return -1;
	if (p->scope == 2)
		p->s->intra_link = p->s->inter;
	return 0;
}

static int
k_bandwidth(struct sparser *p, char **v, int n)
{
	if (p_bandwidth(p, v[0], &cur_link(p)->bw_bps) == -1)
		return -1;
	if (p->scope == 2)
		p->s->intra_link.bw_bps = p->s->inter.bw_bps;
	return 0;
}

static int
k_loss(struct sparser *p, char **v, int n)
{
	if (p_share(p, v[0], &cur_link(p)->loss) == -1)
		return -1;
	if (p->scope == 2)
		p->s->intra_link.loss = p->s->inter.loss;
	return 0;
}

static int
k_min_orgs(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 1000, &p->s->policy.min_orgs);
}

static int
k_cap_org(struct sparser *p, char **v, int n)
{
	return p_double(p, v[0], 0, 1000, &p->s->policy.cap_per_org);
}

static int
k_list_threshold(struct sparser *p, char **v, int n)
{
	return p_double(p, v[0], 0, 1, &p->s->policy.list_threshold);
}

static int
k_cap(struct sparser *p, char **v, int n)
{
	return p_double(p, v[0], 0, 1000, &p->s->policy.cap_per_origin);
}

/* A count of reports into *out. */
static int
p_reports(struct sparser *p, const char *v, uint64_t *out)
{
	unsigned x;

	if (p_uint(p, v, 4000000000u, &x) == -1)
		return -1;
	*out = x;
	return 0;
}

static int
k_quota(struct sparser *p, char **v, int n)
{
	return p_reports(p, v[0], &p->s->policy.quota_per_hour);
}

static int
k_quota_block(struct sparser *p, char **v, int n)
{
	unsigned x;

	if (p_uint(p, v[0], 1000000u, &x) == -1)
		return -1;
	p->s->policy.quota_block_factor = x;
	return 0;
}

static int
k_live_ceiling(struct sparser *p, char **v, int n)
{
	return p_reports(p, v[0], &p->s->policy.live_ceiling);
}

/* An organisation's limit: a number of reports, or `default` (four times
 * the node's, as when not given: a scenario's -D can then leave it so). */
static int
p_org_limit(struct sparser *p, const char *v, uint64_t *out, bool *set)
{
	*set = strcmp(v, "default") != 0;
	return *set ? p_reports(p, v, out) : 0;
}

static int
k_quota_org(struct sparser *p, char **v, int n)
{
	return p_org_limit(p, v[0], &p->s->policy.quota_per_org_hour,
	    &p->org_quota_set);
}

static int
k_live_ceiling_org(struct sparser *p, char **v, int n)
{
	return p_org_limit(p, v[0], &p->s->policy.live_ceiling_per_org,
	    &p->org_ceiling_set);
}

static int
k_default_trust(struct sparser *p, char **v, int n)
{
	return p_double(p, v[0], 0, 1, &p->s->policy.default_trust);
}

static int
k_work_name(struct sparser *p, char **v, int n)
{
	return p_name(p, v[0], cur_work(p)->name);
}

static int
k_subject(struct sparser *p, char **v, int n)
{
	static const char *const names[] = { "ip", "prefix", "domain" };
	int r;

	if (p_enum(p, v[0], names, 3, &r) == -1)
		return -1;
	cur_work(p)->shape = (enum subj_shape)r;
	return 0;
}

static int
k_seen_by(struct sparser *p, char **v, int n)
{
	if (p_uint(p, v[0], 100000, &cur_work(p)->seen_by) == -1)
		return -1;
	if (cur_work(p)->seen_by == 0)
		return perr(p, "seen-by at least 1");
	return 0;
}

static int
k_per_org(struct sparser *p, char **v, int n)
{
	if (p_uint(p, v[0], 1000, &cur_work(p)->per_org) == -1)
		return -1;
	if (cur_work(p)->per_org == 0)
		return perr(p, "per-org at least 1");
	return 0;
}

static int
k_start(struct sparser *p, char **v, int n)
{
	return p_time(p, v[0], &cur_work(p)->start);
}

static int
k_spread(struct sparser *p, char **v, int n)
{
	return p_time(p, v[0], &cur_work(p)->spread);
}

static int
k_confidence(struct sparser *p, char **v, int n)
{
	unsigned c;

	if (p_uint(p, v[0], 100, &c) == -1)
		return -1;
	if (c == 0)
		return perr(p, "confidence from 1 to 100");
	cur_work(p)->confidence = c;
	return 0;
}

static int
k_bursts(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 100000, &cur_work(p)->bursts);
}

static int
k_work_node(struct sparser *p, char **v, int n)
{
	unsigned x;

	if (p_uint(p, v[0], 1000, &x) == -1)
		return -1;
	cur_work(p)->node = (int)x;
	return 0;
}

static int
k_measure_node(struct sparser *p, char **v, int n)
{
	unsigned x;

	if (p_uint(p, v[0], 1000000, &x) == -1)
		return -1;
	p->s->measure_node = (int)x;
	return 0;
}

static int
k_track(struct sparser *p, char **v, int n)
{
	return p_uint(p, v[0], 100000, &cur_work(p)->track);
}

static int
k_split(struct sparser *p, char **v, int n)
{
	return p_share(p, v[0], &cur_fault(p)->split);
}

static int
k_down(struct sparser *p, char **v, int n)
{
	return p_time(p, v[0], &cur_fault(p)->down);
}

static struct scen_check *
new_check(struct sparser *p, enum check_kind kind, char **v, int n)
{
	struct scen_check *c;
	size_t off = 0;

	if (p->s->n_checks == SCEN_MAX_CHECKS) {
		perr(p, "at most %d checks", SCEN_MAX_CHECKS);
		return NULL;
	}
	c = &p->s->checks[p->s->n_checks++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->line = p->line;
	for (int i = 0; i < n && off < sizeof(c->text); i++)
		off += (size_t)snprintf(c->text + off, sizeof(c->text) - off,
		    "%s%s", i ? " " : "", v[i]);
	return c;
}

static int
k_check_listed(struct sparser *p, char **v, int n)
{
	struct scen_check *c = new_check(p, CHECK_LISTED, v, n);

	if (c == NULL || p_name(p, v[0], c->work) == -1)
		return -1;
	return p_share(p, v[1], &c->value);
}

static int
k_check_never(struct sparser *p, char **v, int n)
{
	struct scen_check *c = new_check(p, CHECK_NEVER_LISTED, v, n);

	if (c == NULL)
		return -1;
	return p_name(p, v[0], c->work);
}

static int
k_check_converged(struct sparser *p, char **v, int n)
{
	bool yes;

	if (p_bool(p, v[0], &yes) == -1)
		return -1;
	if (!yes)
		return 0;
	return new_check(p, CHECK_CONVERGED, v, n) ? 0 : -1;
}

static int
k_check_false(struct sparser *p, char **v, int n)
{
	struct scen_check *c = new_check(p, CHECK_FALSE_MAX, v, n);
	unsigned x;

	if (c == NULL || p_uint(p, v[0], 1000000, &x) == -1)
		return -1;
	c->value = x;
	return 0;
}

/* ---- clauses ---- */

static int
c_orgs(struct sparser *p)
{
	struct scen_orgs *g;

	if (p->s->n_groups == SCEN_MAX_GROUPS)
		return perr(p, "at most %d orgs: clauses", SCEN_MAX_GROUPS);
	g = &p->s->groups[p->s->n_groups++];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "group%d", p->s->n_groups);
	g->count = 1;
	g->nodes = 1;
	g->trust = -1;
	g->innocents = 1;
	g->rate = 100;
	return 0;
}

static int
c_work(struct sparser *p, enum work_kind kind)
{
	struct scen_work *w;

	if (p->s->n_work == SCEN_MAX_WORK)
		return perr(p, "at most %d workloads", SCEN_MAX_WORK);
	w = &p->s->work[p->s->n_work++];
	memset(w, 0, sizeof(*w));
	snprintf(w->name, sizeof(w->name), "work%d", p->s->n_work);
	w->kind = kind;
	w->shape = kind == WORK_FORGED ? SHAPE_DOMAIN : SHAPE_IP;
	w->count = 1;
	w->seen_by = 1;
	w->per_org = 1;
	w->confidence = 90;
	w->track = 50;
	w->node = -1;
	return 0;
}

static int
c_fault(struct sparser *p, enum fault_kind kind)
{
	struct scen_fault *f;

	if (p->s->n_faults == SCEN_MAX_FAULTS)
		return perr(p, "at most %d faults", SCEN_MAX_FAULTS);
	f = &p->s->faults[p->s->n_faults++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->split = 0.5;
	f->nodes = 1;
	f->rate = 1;
	f->down = 10000000;
	f->line = p->line;
	return 0;
}

static int
start_clause(struct sparser *p, const char *name)
{
	static const char *const names[] = { "sim", "orgs", "topology", "link",
		"policy", "spam", "honest", "forged", "partition", "crash",
		"churn", "late-join", "check" };
	int k;

	if (p_enum(p, name, names, 13, &k) == -1)
		return -1;
	p->clause = names[k];
	switch (k) {
	case 1:
		return c_orgs(p);
	case 3:
		p->scope = 2;
		return 0;
	case 5:
		return c_work(p, WORK_SPAM);
	case 6:
		return c_work(p, WORK_HONEST);
	case 7:
		return c_work(p, WORK_FORGED);
	case 8:
		return c_fault(p, FAULT_PARTITION);
	case 9:
		return c_fault(p, FAULT_CRASH);
	case 10:
		return c_fault(p, FAULT_CHURN);
	case 11:
		return c_fault(p, FAULT_LATE);
	default:
		return 0;
	}
}

struct scen_keyword {
	const char *clause, *name;
	kw_fn fn;
	int min, max;
};

#define WORKS(kw, fn, a, b)                                              \
	{ "spam", kw, fn, a, b }, { "honest", kw, fn, a, b },            \
	{                                                                \
		"forged", kw, fn, a, b                                   \
	}
#define FAULTS(kw, fn)                                                   \
	{ "partition", kw, fn, 1, 1 }, { "crash", kw, fn, 1, 1 },        \
	    { "churn", kw, fn, 1, 1 },                                   \
	{                                                                \
		"late-join", kw, fn, 1, 1                                \
	}

static const struct scen_keyword scen_keywords[] = {
	{ "sim", "name", k_sim_name, 1, 1 },
	{ "sim", "seed", k_seed, 1, 1 },
	{ "sim", "duration", k_duration, 1, 1 },
	{ "sim", "sample", k_sample, 1, 1 },
	{ "sim", "tick", k_tick, 1, 1 },
	{ "sim", "reconnect", k_reconnect, 1, 1 },
	{ "sim", "store-map", k_store_map, 1, 1 },
	{ "sim", "verify-memo", k_memo, 1, 1 },
	{ "sim", "pki", k_pki, 1, 1 },
	{ "sim", "measure-node", k_measure_node, 1, 1 },
	{ "sim", "cpu-cost", k_cost, 2, 2 },
	{ "sim", "define", k_define, 2, 2 },
	{ "sim", "batch-window", k_batch_window, 1, 1 },
	{ "sim", "batch-size", k_batch_size, 1, 1 },
	{ "sim", "batch-idle", k_batch_idle, 1, 1 },
	{ "orgs", "name", k_org_name, 1, 1 },
	{ "orgs", "count", k_count, 1, 1 },
	{ "orgs", "nodes", k_nodes, 1, 1 },
	{ "orgs", "trust", k_trust, 1, 1 },
	{ "orgs", "role", k_role, 1, 1 },
	{ "orgs", "innocents", k_innocents, 1, 1 },
	{ "orgs", "reporters", k_reporters, 1, 1 },
	{ "orgs", "target", k_target, 1, 1 },
	{ "orgs", "rate", k_rate, 1, 1 },
	{ "orgs", "from", k_from, 1, 1 },
	{ "orgs", "to", k_to, 1, 1 },
	{ "topology", "kind", k_topo_kind, 1, 1 },
	{ "topology", "degree", k_degree, 1, 1 },
	{ "topology", "tier1", k_tier1, 1, 1 },
	{ "topology", "intra", k_intra, 1, 1 },
	{ "link", "scope", k_scope, 1, 1 },
	{ "link", "latency", k_latency, 2, 3 },
	{ "link", "bandwidth", k_bandwidth, 1, 1 },
	{ "link", "loss", k_loss, 1, 1 },
	{ "policy", "min-orgs", k_min_orgs, 1, 1 },
	{ "policy", "min-origins", k_min_orgs, 1, 1 }, /* its old name */
	{ "policy", "cap-per-org", k_cap_org, 1, 1 },
	{ "policy", "list-threshold", k_list_threshold, 1, 1 },
	{ "policy", "cap-per-origin", k_cap, 1, 1 },
	{ "policy", "default-trust", k_default_trust, 1, 1 },
	{ "policy", "quota-per-hour", k_quota, 1, 1 },
	{ "policy", "quota-block-factor", k_quota_block, 1, 1 },
	{ "policy", "live-ceiling", k_live_ceiling, 1, 1 },
	{ "policy", "quota-per-org-hour", k_quota_org, 1, 1 },
	{ "policy", "live-ceiling-per-org", k_live_ceiling_org, 1, 1 },
	WORKS("name", k_work_name, 1, 1),
	WORKS("count", k_count, 1, 1),
	WORKS("subject", k_subject, 1, 1),
	WORKS("seen-by", k_seen_by, 1, 1),
	WORKS("per-org", k_per_org, 1, 1),
	WORKS("start", k_start, 1, 1),
	WORKS("spread", k_spread, 1, 1),
	WORKS("confidence", k_confidence, 1, 1),
	WORKS("track", k_track, 1, 1),
	WORKS("bursts", k_bursts, 1, 1),
	WORKS("node", k_work_node, 1, 1),
	FAULTS("from", k_from),
	FAULTS("to", k_to),
	{ "partition", "split", k_split, 1, 1 },
	{ "crash", "nodes", k_nodes, 1, 1 },
	{ "late-join", "nodes", k_nodes, 1, 1 },
	{ "churn", "rate", k_rate, 1, 1 },
	{ "churn", "down", k_down, 1, 1 },
	{ "check", "listed", k_check_listed, 2, 2 },
	{ "check", "never-listed", k_check_never, 1, 1 },
	{ "check", "converged", k_check_converged, 1, 1 },
	{ "check", "false-listings-max", k_check_false, 1, 1 },
};

/* ---- lines ---- */

/* Splits a line into words: quotes group, '#' outside quotes ends it.
 * Returns the count, -1 on an unclosed quote or too many words. */
static int
split_words(struct sparser *p, char *line, char **w, int max)
{
	int n = 0;
	char *s = line, *o;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			return n;
		if (n == max)
			return perr(p, "too many values (at most %d)", max - 1);
		if (*s == '"') {
			w[n++] = o = ++s;
			while (*s && *s != '"')
				*o++ = *s++;
			if (*s != '"')
				return perr(p, "unclosed quote");
			s++;
			*o = '\0';
			if (*s && *s != ' ' && *s != '\t' && *s != '\r' &&
			    *s != '#')
				return perr(p, "a space after a quoted value");
			continue;
		}
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\r' && *s != '#')
			s++;
		if (*s == '#') {
			*s = '\0';
			return n;
		}
		if (*s)
			*s++ = '\0';
	}
}

static const char *
find_define(const struct scenario *s, const char *name, size_t len)
{
	for (int i = 0; i < s->n_defs; i++)
		if (strlen(s->def_name[i]) == len &&
		    memcmp(s->def_name[i], name, len) == 0)
			return s->def_value[i];
	return NULL;
}

/* Replaces ${NAME} in line (in place, bounded). */
static int
substitute(struct sparser *p, char *line, size_t cap)
{
	char out[SCEN_MAX_LINE];
	size_t o = 0;

	for (const char *s = line; *s;) {
		if (s[0] == '$' && s[1] == '{') {
			const char *end = strchr(s + 2, '}'), *val;
			if (end == NULL)
				return perr(p, "unclosed ${");
			val = find_define(p->s, s + 2, (size_t)(end - s - 2));
			if (val == NULL)
				return perr(p, "undefined ${%.*s} (define: or "
					       "-D)",
				    (int)(end - s - 2), s + 2);
			if (o + strlen(val) >= sizeof(out))
				return perr(p, "line too long");
			memcpy(out + o, val, strlen(val));
			o += strlen(val);
			s = end + 1;
			continue;
		}
		if (o + 1 >= sizeof(out))
			return perr(p, "line too long");
		out[o++] = *s++;
	}
	out[o] = '\0';
	if (o >= cap)
		return perr(p, "line too long");
	memcpy(line, out, o + 1);
	return 0;
}

static int
keyword_line(struct sparser *p, char **w, int n)
{
	size_t len = strlen(w[0]);
	char kw[64];

	if (len < 2 || w[0][len - 1] != ':' || len >= sizeof(kw))
		return perr(p, "expected 'keyword:' or 'clause:', not '%s'",
		    w[0]);
	memcpy(kw, w[0], len - 1);
	kw[len - 1] = '\0';
	if (n == 1)
		return start_clause(p, kw);
	if (p->clause == NULL)
		return perr(p, "'%s' before any clause (sim:, orgs:, ...)", kw);
	for (size_t i = 0; i < sizeof(scen_keywords) / sizeof(scen_keywords[0]);
	    i++) {
		const struct scen_keyword *k = &scen_keywords[i];
		if (strcmp(k->clause, p->clause) != 0 ||
		    strcmp(k->name, kw) != 0)
			continue;
		if (n - 1 < k->min || n - 1 > k->max)
			return perr(p, "%s: takes %d to %d values, not %d", kw,
			    k->min, k->max, n - 1);
		return k->fn(p, w + 1, n - 1);
	}
	return perr(p, "unknown keyword '%s' in %s:", kw, p->clause);
}

/* define: lines, read before anything else (-D already there wins). */
static int
pre_defines(struct sparser *p, const char *text, size_t len)
{
	char line[SCEN_MAX_LINE], *w[SCEN_MAX_ARGS];
	size_t i = 0;

	p->line = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		p->line++;
		if (e - i < sizeof(line)) {
			memcpy(line, text + i, e - i);
			line[e - i] = '\0';
			int n = split_words(p, line, w, SCEN_MAX_ARGS);
			if (n == 3 && strcmp(w[0], "define:") == 0 &&
			    find_define(p->s, w[1], strlen(w[1])) == NULL) {
				char def[128];
				snprintf(def, sizeof(def), "%s=%s", w[1], w[2]);
				if (scen_define(p->s, def, p->err, p->errlen) ==
				    -1)
					return perr(p, "bad define: %s %s",
					    w[1], w[2]);
			}
		}
		i = e + 1;
	}
	return 0;
}

static int
check_refs(struct sparser *p)
{
	struct scenario *s = p->s;

	for (int i = 0; i < s->n_checks; i++) {
		struct scen_check *c = &s->checks[i];
		bool found = c->kind == CHECK_CONVERGED ||
		    c->kind == CHECK_FALSE_MAX;
		for (int k = 0; k < s->n_work && !found; k++)
			found = strcmp(s->work[k].name, c->work) == 0;
		if (!found) {
			p->line = c->line;
			return perr(p, "no workload named '%s'", c->work);
		}
	}
	for (int g = 0; g < s->n_groups; g++) {
		bool found = s->groups[g].target[0] == '\0';
		for (int k = 0; k < s->n_work && !found; k++)
			found = s->work[k].kind == WORK_HONEST &&
			    strcmp(s->work[k].name, s->groups[g].target) == 0;
		if (!found) {
			snprintf(p->err, p->errlen,
			    "%s: orgs %s: target '%s' is no honest: workload",
			    p->file, s->groups[g].name, s->groups[g].target);
			return -1;
		}
	}
	for (int i = 0; i < s->n_work; i++) {
		unsigned honest = 0;
		for (int g = 0; g < s->n_groups; g++)
			if (s->groups[g].role == ROLE_HONEST)
				honest += s->groups[g].count;
		if (s->work[i].seen_by > honest) {
			snprintf(p->err, p->errlen,
			    "%s: workload %s: seen-by %u but only %u honest "
			    "organisations",
			    p->file, s->work[i].name, s->work[i].seen_by,
			    honest);
			return -1;
		}
	}
	if (scen_nodes(s) > 100000) {
		snprintf(p->err, p->errlen, "%s: %u nodes (at most 100000)",
		    p->file, scen_nodes(s));
		return -1;
	}
	return 0;
}

void
scen_default(struct scenario *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "unnamed");
	s->seed = 1;
	s->duration = 60000000;
	s->sample = 5000000;
	s->tick = 1000000;
	s->reconnect = 1000000;
	s->store_map = (size_t)64 << 20;
	s->memo = true;
	s->batch_idle = -1;
	s->measure_node = -1;
	s->cost_verify = 60;
	s->cost_apply = 4;
	s->topo = TOPO_RANDOM;
	s->degree = 4;
	s->intra = INTRA_RING;
	link_model_default(&s->inter);
	link_model_default(&s->intra_link);
	s->intra_link.a_us = 200;
	policy_default(&s->policy);
}

int
scen_define(struct scenario *s, const char *def, char *err, size_t errlen)
{
	const char *eq = strchr(def, '=');
	size_t nlen = eq ? (size_t)(eq - def) : 0;

	if (eq == NULL || nlen == 0 || nlen >= sizeof(s->def_name[0]) ||
	    strlen(eq + 1) >= sizeof(s->def_value[0])) {
		snprintf(err, errlen, "a definition is NAME=VALUE (name < 32, "
				      "value < 64 characters): '%s'",
		    def);
		return -1;
	}
	if (find_define(s, def, nlen) != NULL)
		return 1; /* the first one wins; the caller says so */
	if (s->n_defs == SCEN_MAX_DEFINES) {
		snprintf(err, errlen, "at most %d definitions",
		    SCEN_MAX_DEFINES);
		return -1;
	}
	memcpy(s->def_name[s->n_defs], def, nlen);
	s->def_name[s->n_defs][nlen] = '\0';
	snprintf(s->def_value[s->n_defs], sizeof(s->def_value[0]), "%s",
	    eq + 1);
	s->n_defs++;
	return 0;
}

int
scen_parse(struct scenario *s, const char *file, const char *text, size_t len,
    char *err, size_t errlen)
{
	struct sparser p = { .s = s,
		.file = file,
		.err = err,
		.errlen = errlen };
	char line[SCEN_MAX_LINE], *w[SCEN_MAX_ARGS];
	size_t i = 0;

	snprintf(s->file, sizeof(s->file), "%s", file);
	p.scope = 2;
	if (len > SCEN_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %d bytes", file,
		    SCEN_MAX_FILE);
		return -1;
	}
	if (memchr(text, '\0', len) != NULL) {
		snprintf(err, errlen, "%s: a NUL byte in the text", file);
		return -1;
	}
	if (pre_defines(&p, text, len) == -1)
		return -1;
	p.line = 0;
	while (i < len) {
		size_t e = i;
		int n;
		while (e < len && text[e] != '\n')
			e++;
		p.line++;
		if (e - i >= sizeof(line))
			return perr(&p, "line longer than %d bytes",
			    SCEN_MAX_LINE - 1);
		memcpy(line, text + i, e - i);
		line[e - i] = '\0';
		i = e + 1;
		if (substitute(&p, line, sizeof(line)) == -1 ||
		    (n = split_words(&p, line, w, SCEN_MAX_ARGS)) == -1)
			return -1;
		if (n > 0 && keyword_line(&p, w, n) == -1)
			return -1;
	}
	/* as reputed.conf: organisation limits not given are 4 x the node's */
	policy_org_limits(&p.s->policy, p.org_quota_set, p.org_ceiling_set);
	return check_refs(&p);
}

int
scen_load(struct scenario *s, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if ((buf = malloc(SCEN_MAX_FILE + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = fread(buf, 1, SCEN_MAX_FILE + 1, f);
	fclose(f);
	rc = scen_parse(s, path, buf, n, err, errlen);
	free(buf);
	return rc;
}

unsigned
scen_orgs(const struct scenario *s)
{
	unsigned n = 0;

	for (int i = 0; i < s->n_groups; i++)
		n += s->groups[i].count;
	return n;
}

unsigned
scen_nodes(const struct scenario *s)
{
	unsigned long n = 0;

	for (int i = 0; i < s->n_groups; i++)
		n += (unsigned long)s->groups[i].count * s->groups[i].nodes;
	return n > 1000000 ? 1000000 : (unsigned)n;
}

const char *
scen_role_name(enum org_role r)
{
	static const char *const names[] = { "honest", "colluder", "flooder",
		"equivocator", "mute" };
	return (unsigned)r < 5 ? names[r] : "?";
}
