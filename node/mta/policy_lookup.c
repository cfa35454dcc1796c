/*
 * policy_lookup.c: listings of the identities of one SMTP transaction
 * (policy_lookup.h), read from the store as the DNS zones read them: the
 * address through the longest listed prefix (store_lookup_addr), the
 * domain and, when the first domain zone lists subdomains, its parents.
 * The TXT text is the zone's own template (dns_txt_format), so a reject
 * says what `dig TXT` would.
 *
 * Owns one store_reader (main thread only). Borrows the store and the
 * configuration.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/node.h"
#include "node/dns/dns.h"
#include "node/mta/policy_lookup.h"

struct policy_lookup {
	struct store_reader	*reader;	/* owned */
	const struct node_conf	*conf;		/* borrowed */
	struct conf_zone	 fallback;	/* when no zone of a kind */
};

struct policy_lookup *
policy_lookup_new(struct store *st, const struct node_conf *conf)
{
	struct policy_lookup *pl = calloc(1, sizeof(*pl));

	if (pl == NULL)
		return NULL;
	if ((pl->reader = store_reader_new(st)) == NULL) {
		free(pl);
		return NULL;
	}
	pl->conf = conf;
	snprintf(pl->fallback.name, sizeof(pl->fallback.name), "%s", conf->name);
	snprintf(pl->fallback.txt_template, sizeof(pl->fallback.txt_template),
	    "$subject: $reports reports from $origins origins, score $score");
	pl->fallback.subdomains = true;
	return pl;
}

void
policy_lookup_free(struct policy_lookup *pl)
{
	if (pl == NULL)
		return;
	store_reader_free(pl->reader);
	free(pl);
}

static const struct conf_zone *
lookup_zone(const struct policy_lookup *pl, enum zone_kind kind)
{
	for (int i = 0; i < pl->conf->n_zones; i++)
		if (pl->conf->zones[i].kind == kind)
			return &pl->conf->zones[i];
	return &pl->fallback;
}

static void
lookup_fill(const struct conf_zone *z, const struct subject *s,
    const struct listing *l, struct policy_listing *out)
{
	char subj[SUBJECT_TEXT_MAX];

	subject_format(s, subj, sizeof(subj));
	out->listed = true;
	out->code = dns_listing_code(z, l);
	snprintf(out->zone, sizeof(out->zone), "%s", z->name);
	dns_txt_format(z, subj, l, out->txt, sizeof(out->txt));
}

int
policy_lookup_addr(struct policy_lookup *pl, const char *ip, uint64_t now,
    struct policy_listing *out)
{
	const struct conf_zone *z = lookup_zone(pl, ZONE_IP);
	struct subject s, prefix;	/* the address; the listed prefix */
	struct listing l;
	char err[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if (subject_parse(ip, &s, err, sizeof(err)) == -1 ||
	    s.kind == SUBJECT_DOMAIN)
		return -1;
	if (store_reader_begin(pl->reader) == -1)
		return -1;
	rc = store_lookup_addr(pl->reader, s.addr, s.kind == SUBJECT_IPV4 ?
	    4 : 16, now, LOOKUP_LISTED, &l);
	if (rc == 0 && subject_from_addr(s.addr, s.kind == SUBJECT_IPV4 ? 4 :
	    16, l.prefix_len, &prefix, err, sizeof(err)) == 0)
		lookup_fill(z, &prefix, &l, out);
	store_reader_end(pl->reader);
	return rc == -1 ? -1 : 0;
}

int
policy_lookup_domain(struct policy_lookup *pl, const char *domain,
    uint64_t now, struct policy_listing *out)
{
	const struct conf_zone *z = lookup_zone(pl, ZONE_DOMAIN);
	struct subject s;
	struct listing l;
	char err[128];
	int rc;

	memset(out, 0, sizeof(*out));
	if (subject_parse_domain(domain, &s, err, sizeof(err)) == -1)
		return -1;
	if (store_reader_begin(pl->reader) == -1)
		return -1;
	rc = store_lookup_domain(pl->reader, s.domain, z->subdomains, now,
	    LOOKUP_LISTED, &l);
	if (rc == 0)
		lookup_fill(z, &s, &l, out);
	store_reader_end(pl->reader);
	return rc == -1 ? -1 : 0;
}
