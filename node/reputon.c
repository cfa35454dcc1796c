/*
 * reputon.c: reputons and their explanation from a store snapshot (see
 * reputon.h). Member names are the API's (docs/DAEMON.md): `expires` in
 * Unix seconds while listed; per origin `expires` (Unix ms, as the other
 * evidence times) and `weight`, the decayed weight per category now.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "node/reputon.h"

struct explain {
	struct store_reader *reader;
	json_t *list;
	const struct policy *policy;
	uint64_t now;
	bool failed;		/* out of memory: the list is incomplete */
};

/* RFC 7073 assertions for our categories. */
static const char *
reputon_assertion(unsigned category)
{
	switch (category) {
	case REPUTED__CATEGORY__CATEGORY_SPAM:		return "spam";
	case REPUTED__CATEGORY__CATEGORY_PHISHING:
	case REPUTED__CATEGORY__CATEGORY_FRAUD:		return "fraudulent";
	case REPUTED__CATEGORY__CATEGORY_MALWARE:
	case REPUTED__CATEGORY__CATEGORY_BOTNET:	return "malicious";
	default:					return "abusive";
	}
}

static void
reputon_hex(const uint8_t *b, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* One origin's evidence, decayed to now; -1 when memory runs out. */
static int
reputon_explain_cb(void *arg, const uint8_t origin[32],
    const struct evidence *ev, double trust)
{
	struct explain *x = arg;
	json_t *weights = json_object(), *o;
	char hex[65], org_hex[65];
	struct origin_info oi = { .has_org = false };

	for (unsigned k = 1; k < CATEGORY_COUNT && weights != NULL; k++) {
		double w = evidence_weight_at(ev, k, x->now, x->policy);
		if (w > 0 && json_object_set_new(weights, category_name(k),
		    json_real(w)) != 0)
			x->failed = true;
	}
	reputon_hex(origin, 32, hex);
	/* Its organisation: the id of its CA, or itself when none vouches. */
	if (store_reader_origin(x->reader, origin, &oi) >= 0 && oi.has_org)
		reputon_hex(oi.org, ORG_ID_LEN, org_hex);
	else
		memcpy(org_hex, hex, sizeof(org_hex));
	o = json_pack("{s:s,s:s,s:f,s:I,s:I,s:I,s:I,s:f,s:o}", "origin", hex,
	    "org", org_hex, "trust", trust, "reports",
	    (json_int_t)ev->n_reports, "first_seen", (json_int_t)ev->first_seen,
	    "last_seen", (json_int_t)ev->last_seen, "expires", (json_int_t)ev->expires_at, "spoofed",
	    (double)ev->spoofed, "weight", weights);
	/* a pseudo-origin of attested reports: the node that relayed them */
	if (o != NULL && oi.has_via) {
		reputon_hex(oi.via, 32, hex);
		if (json_object_set_new(o, "via", json_string(hex)) != 0)
			x->failed = true;
	}
	if (o == NULL || json_array_append_new(x->list, o) != 0)
		x->failed = true;
	return x->failed ? -1 : 0;
}

/* The reputon for a subject with a score record. */
static json_t *
reputon_new(const char *rater, const char *rated, const struct listing *l,
    json_t *explanation, uint64_t now)
{
	bool listed = listing_listed(l, now), allowed = listing_allowed(l, now);
	char code[16];
	json_t *ext, *r;

	snprintf(code, sizeof(code), "127.0.0.%u", l->code);
	ext = json_pack("{s:b,s:b,s:s?,s:s?,s:I,s:I,s:I,s:I,s:o}", "listed",
	    listed, "allowed", allowed, "category", category_name(l->category),
	    "code", listed ? code : NULL, "orgs", (json_int_t)l->n_orgs,
	    "origins", (json_int_t)l->n_orgs,
	    "first_seen", (json_int_t)l->first_seen, "last_seen",
	    (json_int_t)l->last_seen, "explanation", explanation);
	r = json_pack("{s:s,s:s,s:s,s:f,s:I,s:I,s:o}", "rater", rater,
	    "assertion", reputon_assertion(l->category), "rated", rated,
	    "rating", (double)l->score, "sample-size", (json_int_t)l->n_reports,
	    "generated", (json_int_t)(now / 1000), "reputed", ext);
	if (r != NULL && listed && json_object_set_new(r, "expires",
	    json_integer((json_int_t)(l->listed_until / 1000))) != 0) {
		json_decref(r);
		return NULL;
	}
	return r;
}

/* An address with no record of its own: the longest listed prefix that
 * covers it (what the DNS zone answers), with s changed to that prefix. */
static int
reputon_covering_prefix(struct store_reader *r, struct subject *s,
    uint64_t now, struct listing *l)
{
	size_t len = s->kind == SUBJECT_IPV4 ? 4 : 16;
	struct subject prefix;
	uint8_t net[16];
	char err[128];

	if (s->kind == SUBJECT_DOMAIN || s->prefix_len != 8 * len ||
	    store_lookup_addr(r, s->addr, len, now, LOOKUP_LISTED, l) != 0)
		return -1;
	memcpy(net, s->addr, len);
	addr_mask(net, len, l->prefix_len);	/* host bits off */
	if (subject_from_addr(net, len, l->prefix_len, &prefix, err,
	    sizeof(err)) != 0)
		return -1;
	*s = prefix;
	return 0;
}

json_t *
reputon_document(struct store_reader *r, const struct policy *p,
    const char *rater, const struct subject *asked, uint64_t now)
{
	struct explain x = { .reader = r, .list = json_array(), .policy = p,
	    .now = now };
	json_t *reputons = json_array(), *one;
	char rated[SUBJECT_TEXT_MAX];
	struct subject s = *asked;
	struct listing l;
	int found;

	if (x.list == NULL || reputons == NULL)
		goto fail;
	found = store_lookup(r, &s, &l);
	if (found != 0 && reputon_covering_prefix(r, &s, now, &l) == 0)
		found = 0;	/* s is now the listed prefix that covers it */
	subject_format(&s, rated, sizeof(rated));
	if (store_explain(r, &s, reputon_explain_cb, &x) != 0 || x.failed)
		goto fail;
	if (found == 0) {
		one = reputon_new(rater, rated, &l, x.list, now);
		x.list = NULL;		/* owned by one, or freed */
		if (one == NULL || json_array_append_new(reputons, one) != 0)
			goto fail;
	}
	json_decref(x.list);
	return json_pack("{s:s,s:o}", "application", "email-id", "reputons",
	    reputons);
fail:
	json_decref(x.list);
	json_decref(reputons);
	return NULL;
}
