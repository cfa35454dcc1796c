/*
 * score.c: the reputation model, as pure functions.
 *
 * Evidence is kept per (subject, origin): for each category a weight that
 * decays exponentially with the category's half-life and is capped, so one
 * origin (or a thousand Sybil reports from it) moves a score only so far.
 * Reports of one origin are always folded in (seq, index) order, both when
 * they arrive and when `rescore` replays them, so the floating-point result
 * is bit for bit the same either way.
 *
 * An organisation, not a node, is the unit of trust: the evidence of all the
 * origins of one organisation adds up per category and is capped again at
 * cap_per_org, so ten nodes of one organisation weigh what one does. The
 * score is a Beta estimate over the trust-weighted evidence of all
 * organisations: (prior_bad + bad) / (prior_bad + prior_good + bad + good).
 * A subject is listed while the score is at least list_threshold AND at
 * least min_orgs organisations have weight. The listing's end time is computed here,
 * once, when evidence changes; a DNS lookup only compares it with the clock.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <math.h>
#include <string.h>

#include "reputation/reputation.h"

static const char *const attr_names[] = {
	"full", "partial", "spoofed", "not-mail",
};

const char *
attribution_name(unsigned attr)
{
	return attr < 4 ? attr_names[attr] : "invalid";
}

static double
decay(double dt_ms, double half_life_s)
{
	return dt_ms <= 0 ? 1.0 : exp2(-dt_ms / (1000.0 * half_life_s));
}

static double
attribution_factor(unsigned attr, const struct policy *p)
{
	switch (attr) {
	case ATTR_FULL:
	case ATTR_NOT_MAIL:	return 1.0;
	case ATTR_PARTIAL:	return p->attr_neutral;
	default:		return 0.0;
	}
}

void
evidence_fold(struct evidence *e, const struct contribution *c,
    const struct policy *p)
{
	uint64_t t = c->observed_at;
	if (e->n_reports == 0) {
		memset(e, 0, sizeof(*e));
		e->as_of = e->first_seen = e->last_seen = t;
	}
	if (t > e->as_of) {	/* move the record forward to t */
		for (int k = 0; k < CATEGORY_COUNT; k++) {
			if (e->weight[k] != 0)
				e->weight[k] = (float)(e->weight[k] *
				    decay((double)(t - e->as_of),
				    p->half_life_s[k]));
		}
		e->spoofed = (float)(e->spoofed * decay((double)(t - e->as_of),
		    p->half_life_s[c->category]));
		e->as_of = t;
	}
	unsigned k = c->category < CATEGORY_COUNT ? c->category : 0;
	double w = c->confidence / 100.0 *
	    decay((double)(e->as_of - t), p->half_life_s[k]);
	double attr = attribution_factor(c->attribution, p);
	double nw = e->weight[k] + w * attr;
	e->weight[k] = (float)(nw < p->cap_per_origin ? nw : p->cap_per_origin);
	if (c->attribution == ATTR_SPOOFED) {
		double ns = e->spoofed + w;
		e->spoofed = (float)(ns < p->cap_per_origin ? ns :
		    p->cap_per_origin);
	}
	if (t < e->first_seen)
		e->first_seen = t;
	if (t > e->last_seen)
		e->last_seen = t;
	uint64_t exp = t + (uint64_t)c->ttl_s * 1000;
	if (exp > e->expires_at)
		e->expires_at = exp;
	if (e->n_reports == 0 || exp < e->first_expiry)
		e->first_expiry = exp;
	e->n_reports++;
}

double
evidence_weight_at(const struct evidence *e, unsigned k, uint64_t t,
    const struct policy *p)
{
	if (k >= CATEGORY_COUNT || t >= e->expires_at || e->weight[k] == 0)
		return 0;
	if (t <= e->as_of)
		return e->weight[k];
	return e->weight[k] * decay((double)(t - e->as_of), p->half_life_s[k]);
}

/* The state of a subject at one moment. */
struct moment {
	double bad, good;		/* trust-weighted sums */
	double per_cat[CATEGORY_COUNT];
	unsigned bad_orgs;		/* organisations with weight >= min */
	double score;
	bool listed, allowed;
	/* How far inside the state it is (>= 0 inside, < 0 out, as listed
	 * and allowed say): what state_end interpolates on. */
	double list_margin, allow_margin;
};

/* The organisation of each origin as a small index (the order of first
 * appearance, so the sums below run in the same order on every node). An
 * origin with org NULL is an organisation of its own. */
static size_t
org_groups(const struct origin_evidence *oe, size_t n, size_t *group)
{
	size_t n_groups = 0;

	for (size_t i = 0; i < n; i++) {
		group[i] = n_groups;
		for (size_t j = 0; j < i; j++)
			if (oe[i].org != NULL && oe[j].org != NULL &&
			    memcmp(oe[j].org, oe[i].org, ORG_ID_LEN) == 0) {
				group[i] = group[j];
				break;
			}
		if (group[i] == n_groups)
			n_groups++;
	}
	return n_groups;
}

/*
 * One non-zero weight of one trusted origin: what the state at a moment
 * sums. score_compute builds the list once, so each of the twenty-odd
 * moments state_end looks at walks these alone, not every (origin,
 * category) pair, most of which are zero. Zero terms add nothing to a sum,
 * so leaving them out changes no bit of the result.
 */
struct term {
	size_t group;
	unsigned k;
	double trust, weight;
	double hl_ms;			/* the category's half-life, in ms */
	uint64_t as_of, expires_at;
};

struct terms {
	const struct term *t;
	size_t n, n_groups;
	const uint16_t *cats;		/* per group: categories with terms */
};

static size_t
make_terms(const struct origin_evidence *oe, size_t n, const size_t *group,
    const struct policy *p, struct term *out)
{
	size_t nt = 0;

	for (size_t i = 0; i < n; i++) {
		if (oe[i].trust <= 0)
			continue;
		for (unsigned k = 1; k < CATEGORY_COUNT; k++) {
			if (oe[i].ev->weight[k] == 0)
				continue;
			out[nt++] = (struct term){ .group = group[i], .k = k,
			    .trust = oe[i].trust, .weight = oe[i].ev->weight[k],
			    .hl_ms = 1000.0 * p->half_life_s[k],
			    .as_of = oe[i].ev->as_of,
			    .expires_at = oe[i].ev->expires_at };
		}
	}
	return nt;
}

/* evidence_weight_at for one term, the same arithmetic. */
static double
term_weight_at(const struct term *x, uint64_t t)
{
	if (t >= x->expires_at)
		return 0;
	if (t <= x->as_of)
		return x->weight;
	return x->weight * exp2(-(double)(t - x->as_of) / x->hl_ms);
}

/* The min_orgs-th largest of v[0..n) (0 when there are fewer), v
 * reordered. */
static double
kth_largest(double *v, size_t n, unsigned k)
{
	if (k == 0 || k > n)
		return 0;
	for (size_t i = 0; i < k; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[j] > v[i]) {
				double x = v[i];
				v[i] = v[j];
				v[j] = x;
			}
	return v[k - 1];
}

static void
set_margins(struct moment *m, const struct policy *p, double *counted,
    size_t n_counted)
{
	double orgs = p->min_orgs == 0 ? 1.0 :
	    kth_largest(counted, n_counted, p->min_orgs) -
	    p->min_origin_weight;
	double score = m->score - p->list_threshold;
	double allow = p->allow_threshold - m->score;
	double good = m->good - p->allow_min_weight;

	m->list_margin = score < orgs ? score : orgs;
	m->allow_margin = allow < good ? allow : good;
}

/*
 * The state at t. Per organisation and category: the trust-weighted sum
 * over its origins, capped at cap_per_org; raw, the same without trust,
 * decides whether the organisation counts towards the quorum.
 */
static void
evaluate(const struct terms *ts, const struct policy *p, uint64_t t,
    struct moment *m)
{
	size_t ng = ts->n_groups > 0 ? ts->n_groups : 1;
	double w[ng][CATEGORY_COUNT];
	double raw[ng][CATEGORY_COUNT];

	/* Only the (group, category) cells that have terms are read below:
	 * the others would add exact zeros. */
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < ts->n; i++)
		w[ts->t[i].group][ts->t[i].k] = raw[ts->t[i].group][ts->t[i].k] =
		    0;
	for (size_t i = 0; i < ts->n; i++) {
		const struct term *x = &ts->t[i];
		double v = term_weight_at(x, t);
		w[x->group][x->k] += x->trust * v;
		raw[x->group][x->k] += v;
	}
	double counted[ng];		/* bad_raw of the groups with bad > 0 */
	size_t n_counted = 0;
	for (size_t g = 0; g < ts->n_groups; g++) {
		double bad = 0, bad_raw = 0;
		for (unsigned k = 1; k < CATEGORY_COUNT; k++) {
			if (!(ts->cats[g] & 1u << k))
				continue;
			double wk = w[g][k] < p->cap_per_org ? w[g][k] :
			    p->cap_per_org;
			if (k == REPUTED__CATEGORY__CATEGORY_NOT_SPAM) {
				m->good += wk;
				continue;
			}
			m->per_cat[k] += wk;
			bad += wk;
			bad_raw += raw[g][k] < p->cap_per_org ? raw[g][k] :
			    p->cap_per_org;
		}
		m->bad += bad;
		if (bad > 0 && bad_raw >= p->min_origin_weight)
			m->bad_orgs++;
		if (bad > 0)
			counted[n_counted++] = bad_raw;
	}
	m->score = (p->prior_bad + m->bad) /
	    (p->prior_bad + p->prior_good + m->bad + m->good);
	m->listed = m->score >= p->list_threshold &&
	    m->bad_orgs >= p->min_orgs;
	m->allowed = m->score <= p->allow_threshold &&
	    m->good >= p->allow_min_weight;
	set_margins(m, p, counted, n_counted);
}

static bool
holds(const struct moment *m, bool want_listed)
{
	return want_listed ? m->listed : m->allowed;
}

static double
margin(const struct moment *m, bool want_listed)
{
	return want_listed ? m->list_margin : m->allow_margin;
}

/*
 * The first moment after t0 at which the state stops holding (listed or
 * allowed), to one second: doubling steps from an eighth of the shortest
 * half-life bracket it, then the bracket closes by regula falsi on the
 * margin (the Illinois variant: an end kept twice has its margin halved),
 * with a bisection step every fourth try so that a margin that jumps (a
 * report expiring) cannot slow it down for long. Whether the state holds
 * at a moment is decided by the state itself, never by the margin. Assumes
 * the state, once lost, does not come back without new evidence; new
 * evidence recomputes it anyway. m0 is the state at t0.
 */
static uint64_t
state_end(const struct terms *ts, const struct policy *p, uint64_t t0,
    uint64_t horizon, bool want_listed, const struct moment *m0)
{
	struct moment m;
	double hmin = p->half_life_s[1], flo = margin(m0, want_listed), fhi;
	for (int k = 2; k < CATEGORY_COUNT; k++)
		if (p->half_life_s[k] < hmin)
			hmin = p->half_life_s[k];
	uint64_t lo = t0, step = (uint64_t)(hmin * 1000 / 8) + 1, hi;
	if (horizon <= t0)
		return horizon;
	for (;;) {
		/* At the horizon every report has expired: if the state
		 * holds even then, it lasts; else it ends before. (Returning
		 * the horizon when a step went past it, as this did before,
		 * kept a state that ended within that step.) */
		hi = lo + step < horizon ? lo + step : horizon;
		evaluate(ts, p, hi, &m);
		if (!holds(&m, want_listed))
			break;
		if (hi == horizon)
			return horizon;
		lo = hi;
		flo = margin(&m, want_listed);
		step *= 2;
	}
	fhi = margin(&m, want_listed);
	for (int n = 1, kept = 0; hi - lo > 1000; n++) {	/* lo holds */
		uint64_t mid = lo + (hi - lo) / 2;
		if (n % 4 != 0 && flo > 0 && fhi < 0) {
			mid = lo + (uint64_t)((double)(hi - lo) * flo /
			    (flo - fhi));
			if (mid < lo + 400)	/* a step that can close it */
				mid = lo + 400;
			if (mid > hi - 400)
				mid = hi - 400;
		}
		evaluate(ts, p, mid, &m);
		if (holds(&m, want_listed)) {
			lo = mid;
			flo = margin(&m, want_listed);
			if (kept == 1)		/* hi kept twice */
				fhi /= 2;
			kept = 1;
		} else {
			hi = mid;
			fhi = margin(&m, want_listed);
			if (kept == -1)		/* lo kept twice */
				flo /= 2;
			kept = -1;
		}
	}
	return hi;
}

void
score_compute(const struct origin_evidence *oe, size_t n,
    const struct policy *p, struct listing *out)
{
	uint64_t t0 = 0, horizon = 0;
	memset(out, 0, sizeof(*out));
	out->first_seen = UINT64_MAX;
	for (size_t i = 0; i < n; i++) {
		const struct evidence *e = oe[i].ev;
		if (e->n_reports == 0)
			continue;
		t0 = e->as_of > t0 ? e->as_of : t0;
		horizon = e->expires_at > horizon ? e->expires_at : horizon;
		out->n_reports += e->n_reports;
		out->first_seen = e->first_seen < out->first_seen ?
		    e->first_seen : out->first_seen;
		out->last_seen = e->last_seen > out->last_seen ?
		    e->last_seen : out->last_seen;
	}
	if (out->n_reports == 0) {
		out->first_seen = 0;
		out->score = (float)(p->prior_bad /
		    (p->prior_bad + p->prior_good));
		return;
	}
	struct moment m;
	size_t group[n > 0 ? n : 1];
	struct term term[n > 0 ? n * (CATEGORY_COUNT - 1) : 1];
	uint16_t cats[n > 0 ? n : 1];
	struct terms ts = { .t = term, .cats = cats };
	ts.n_groups = org_groups(oe, n, group);
	ts.n = make_terms(oe, n, group, p, term);
	memset(cats, 0, sizeof(cats));
	for (size_t i = 0; i < ts.n; i++)
		cats[term[i].group] |= (uint16_t)(1u << term[i].k);
	evaluate(&ts, p, t0, &m);
	out->as_of = t0;
	out->score = (float)m.score;
	out->n_orgs = (uint16_t)(m.bad_orgs > UINT16_MAX ? UINT16_MAX :
	    m.bad_orgs);
	unsigned best = 0;
	for (unsigned k = 1; k < CATEGORY_COUNT; k++)
		if (m.per_cat[k] > m.per_cat[best])
			best = k;
	out->category = (uint8_t)best;
	out->code = p->code[best];
	if (m.listed && out->code != 0)
		out->listed_until = state_end(&ts, p, t0, horizon, true, &m);
	if (m.allowed)
		out->allowed_until = state_end(&ts, p, t0, horizon, false,
		    &m);
}

bool
listing_listed(const struct listing *l, uint64_t now)
{
	return now < l->listed_until;
}

bool
listing_allowed(const struct listing *l, uint64_t now)
{
	return now < l->allowed_until;
}
