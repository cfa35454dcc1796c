/*
 * policy_lookup.h: what the policy service and the milter ask the store
 * about an identity: is the address (longest prefix) or the domain (and
 * its parents, when the domain zone lists subdomains) listed now, with
 * the code and the TXT text the DNS zone would answer. Kept apart from
 * policy.h because node/dns/dns.h (which formats the TXT) and
 * feeds/feeds.h name the same DNS types.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_POLICY_LOOKUP_H
#define REPUTED_MTA_POLICY_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

struct store;
struct node_conf;

/* One listing found for an identity. */
struct policy_listing {
	bool	 listed;
	uint8_t	 code;			/* 127.0.0.code */
	char	 zone[256];		/* the zone that lists it */
	char	 txt[256];		/* the zone's TXT text for it */
};

struct policy_lookup;

/* A reader of st for the zones of conf (both borrowed; conf must outlive
 * the lookup). NULL on out of memory. */
struct policy_lookup *policy_lookup_new(struct store *st,
	    const struct node_conf *conf);
void	 policy_lookup_free(struct policy_lookup *pl);
/* ip: address text. now: Unix ms. 0 with out filled (listed or not), -1
 * on a store error or an address that does not parse. */
int	 policy_lookup_addr(struct policy_lookup *pl, const char *ip,
	    uint64_t now, struct policy_listing *out);
/* domain: a domain name (case and a final dot do not matter). */
int	 policy_lookup_domain(struct policy_lookup *pl, const char *domain,
	    uint64_t now, struct policy_listing *out);

#endif
