/*
 * policy.c: the tunables of the reputation model and their defaults, and
 * the names of categories and Sender-ID results. The defaults are the ones
 * documented in README.md ("Listing policy"); docs/MODEL.md explains them.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <string.h>
#include <strings.h>

#include "reputation/reputation.h"

#define HOUR	3600.0
#define DAY	(24 * HOUR)

static const char *const category_names[CATEGORY_COUNT] = {
	NULL, "spam", "phishing", "malware", "botnet", "scanning",
	"brute-force", "ddos", "fraud", "not-spam",
};

static const char *const auth_names[] = {
	"not-checked", "none", "neutral", "pass", "fail", "softfail",
	"temperror", "permerror",
};

void
policy_default(struct policy *p)
{
	static const double half_life_days[CATEGORY_COUNT] = {
		/* -, spam, phish, malware, botnet, scan, brute, ddos, fraud,
		 * not-spam */
		1, 2, 7, 7, 3, 1, 1, 1, 14, 7,
	};
	static const uint8_t codes[CATEGORY_COUNT] = {
		0, 2, 3, 4, 5, 6, 7, 8, 9, 0,
	};
	memset(p, 0, sizeof(*p));
	for (int k = 0; k < CATEGORY_COUNT; k++)
		p->half_life_s[k] = half_life_days[k] * DAY;
	memcpy(p->code, codes, sizeof(codes));
	p->default_ttl_s = 7 * DAY;
	p->max_ttl_s = 90 * DAY;
	p->cap_per_origin = 4.0;
	p->cap_per_org = 4.0;
	p->prior_bad = 0.5;
	p->prior_good = 0.5;
	p->list_threshold = 0.8;
	p->min_orgs = 2;
	p->min_origin_weight = 0.25;
	p->allow_threshold = 0.2;
	p->allow_min_weight = 1.0;
	p->attr_neutral = 0.5;
	p->default_trust = 1.0;
	p->future_slack_ms = 10 * 60 * 1000;
	p->quota_per_hour = 3600000;	/* 1,000 reports/s over an hour */
	p->quota_block_factor = 10;	/* blocked at 10 x the quota dropped
					 * in one hour */
	p->live_ceiling = 100000000;	/* 100 M live reports: 165 reports/s
					 * without pause at the default TTL
					 * of 7 days (~43 GB of store) */
	policy_org_limits(p, false, false);
}

static uint64_t
times_four(uint64_t x)
{
	return x > UINT64_MAX / 4 ? UINT64_MAX : 4 * x;
}

void
policy_org_limits(struct policy *p, bool quota_given, bool ceiling_given)
{
	if (!quota_given)
		p->quota_per_org_hour = times_four(p->quota_per_hour);
	if (!ceiling_given)
		p->live_ceiling_per_org = times_four(p->live_ceiling);
}

/* A field added to struct policy must be added to policy_encode and
 * policy_decode too (and the length and this size changed with it). */
#if defined(__LP64__)
_Static_assert(sizeof(struct policy) == 240, "policy_encode: a new field?");
#endif

/* The policy's doubles, in the order policy_encode writes them. */
static void
policy_doubles(struct policy *p, double *d[10])
{
	double *const f[10] = {
		&p->cap_per_origin, &p->cap_per_org, &p->prior_bad,
		&p->prior_good, &p->list_threshold, &p->min_origin_weight,
		&p->allow_threshold, &p->allow_min_weight, &p->attr_neutral,
		&p->default_trust,
	};

	memcpy(d, f, sizeof(f));
}

static uint8_t *
put_le(uint8_t *o, uint64_t x, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*o++ = (uint8_t)(x >> (8 * i));
	return o;
}

static uint8_t *
put_f64(uint8_t *o, double d)
{
	uint64_t x;

	memcpy(&x, &d, sizeof(x));
	return put_le(o, x, 8);
}

void
policy_encode(const struct policy *p, uint8_t out[POLICY_ENCODED_LEN])
{
	struct policy q = *p;
	double *d[10];
	uint8_t *o = out;

	policy_doubles(&q, d);
	*o++ = 2;		/* the encoding's version (1: no ceiling) */
	for (int k = 0; k < CATEGORY_COUNT; k++)
		o = put_f64(o, q.half_life_s[k]);
	o = put_le(o, q.default_ttl_s, 4);
	o = put_le(o, q.max_ttl_s, 4);
	for (int i = 0; i < 10; i++)
		o = put_f64(o, *d[i]);
	o = put_le(o, q.future_slack_ms, 8);
	o = put_le(o, q.min_orgs, 4);
	o = put_le(o, q.quota_per_hour, 8);
	o = put_le(o, q.quota_block_factor, 4);
	o = put_le(o, q.live_ceiling, 8);
	o = put_le(o, q.quota_per_org_hour, 8);
	o = put_le(o, q.live_ceiling_per_org, 8);
	memcpy(o, q.code, CATEGORY_COUNT);
}

static uint64_t
get_le(const uint8_t **in, int bytes)
{
	uint64_t x = 0;

	for (int i = bytes - 1; i >= 0; i--)
		x = x << 8 | (*in)[i];
	*in += bytes;
	return x;
}

static double
get_f64(const uint8_t **in)
{
	uint64_t x = get_le(in, 8);
	double d;

	memcpy(&d, &x, sizeof(d));
	return d;
}

int
policy_decode(struct policy *p, const uint8_t *in, size_t len)
{
	struct policy q;
	double *d[10];
	const uint8_t *i = in + 1;

	/* version 1 had no live ceiling and no per-organisation limits: a
	 * store scored under it kept every report its quota let through */
	if (len < 1 || len != POLICY_ENCODED_LEN - (in[0] == 1 ? 24 : 0) ||
	    in[0] < 1 || in[0] > 2)
		return -1;
	memset(&q, 0, sizeof(q));
	policy_doubles(&q, d);
	for (int k = 0; k < CATEGORY_COUNT; k++)
		q.half_life_s[k] = get_f64(&i);
	q.default_ttl_s = (uint32_t)get_le(&i, 4);
	q.max_ttl_s = (uint32_t)get_le(&i, 4);
	for (int k = 0; k < 10; k++)
		*d[k] = get_f64(&i);
	q.future_slack_ms = get_le(&i, 8);
	q.min_orgs = (unsigned)get_le(&i, 4);
	q.quota_per_hour = get_le(&i, 8);
	q.quota_block_factor = (uint32_t)get_le(&i, 4);
	if (in[0] >= 2) {
		q.live_ceiling = get_le(&i, 8);
		q.quota_per_org_hour = get_le(&i, 8);
		q.live_ceiling_per_org = get_le(&i, 8);
	}
	memcpy(q.code, i, CATEGORY_COUNT);
	*p = q;
	return 0;
}

const char *
category_name(unsigned category)
{
	return category < CATEGORY_COUNT ? category_names[category] : NULL;
}

int
category_parse(const char *name)
{
	for (int k = 1; k < CATEGORY_COUNT; k++) {
		if (strcasecmp(name, category_names[k]) == 0)
			return k;
	}
	/* Accept the underscore spellings of the wire enum too. */
	if (strcasecmp(name, "brute_force") == 0)
		return REPUTED__CATEGORY__CATEGORY_BRUTE_FORCE;
	if (strcasecmp(name, "not_spam") == 0 || strcasecmp(name, "ham") == 0)
		return REPUTED__CATEGORY__CATEGORY_NOT_SPAM;
	return -1;
}

const char *
auth_result_name(unsigned result)
{
	return result < sizeof(auth_names) / sizeof(auth_names[0]) ?
	    auth_names[result] : "invalid";
}

int
auth_result_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(auth_names) / sizeof(auth_names[0]);
	    i++) {
		if (strcasecmp(name, auth_names[i]) == 0)
			return (int)i;
	}
	return -1;
}
