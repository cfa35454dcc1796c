/*
 * feed_conf.h: what the abuse-report feeds (complaint.h) need to know
 * about this ISP: the config clause `feeds:` (node/conf.c) and the options
 * of `reputectl ingest` fill it. Apart from complaint.h so that node.h can
 * hold one without the rest of feeds/.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_FEED_CONF_H
#define REPUTED_FEED_CONF_H

#include <stdbool.h>
#include <stddef.h>

#define FEED_MAX_MESSAGE	(4u << 20)	/* bytes of one message */
#define FEED_MAX_UNPACKED	(16u << 20)	/* bytes of XML out of a gzip
						 * or zip attachment */
#define FEED_MAX_NAMES		32		/* own hosts, authserv-ids,
						 * own domains */
#define FEED_NAME_MAX		256

/* What the feed needs to know about this ISP (config `feeds:`). */
struct feed_conf {
	/* the reporter's own MTAs: host names ("mx.example.net", or
	 * ".example.net" for every name below) and IP prefixes */
	char	 own_hosts[FEED_MAX_NAMES][FEED_NAME_MAX];
	int	 n_own_hosts;
	/* authserv-ids whose Authentication-Results are believed */
	char	 authserv_ids[FEED_MAX_NAMES][FEED_NAME_MAX];
	int	 n_authserv_ids;
	/* this ISP's own domains (DMARC aggregate reports about them) */
	char	 own_domains[FEED_MAX_NAMES][FEED_NAME_MAX];
	int	 n_own_domains;
	size_t	 max_message;		/* 0: FEED_MAX_MESSAGE */
	bool	 require_signed;	/* signed: require (S/MIME from a
					 * federation member), else optional */
	size_t	 max_unpacked;		/* 0: FEED_MAX_UNPACKED */
};

/* Adds a name to one of fc's lists (kind: "own-host", "authserv-id",
 * "own-domain"); -1 with err if the list is full or the name is bad. */
int	 feed_conf_add(struct feed_conf *fc, const char *kind,
	    const char *name, char *err, size_t errlen);

#endif
