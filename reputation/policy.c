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
