/*
 * node.h: what the parts of the daemon share: the parsed configuration and
 * the start/stop entry points of each subsystem. Each subsystem owns its
 * own state behind an opaque handle and is driven by one event_base.
 *
 *   conf.c     config file -> struct node_conf (no I/O beyond reading it)
 *   log.c      log_warn/log_warnx/log_info/log_debug/fatal/fatalx
 *   reputed.c  main: parse, bind, drop privileges, run the loop, signals
 *   dns*.c     DNSBL responder (dns.h)      api.c   local HTTP API
 *   batcher.c  local reports -> signed batches -> store
 *   peer*.c / gossip.c   the peer network
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_NODE_H
#define REPUTED_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feeds/feed_conf.h"
#include "reputation/reputation.h"
#include "node/mta/mta_conf.h"

#define CONF_MAX_LISTEN	16
#define CONF_MAX_ZONES	16
#define CONF_MAX_PEERS	64
#define CONF_MAX_ACL	32
#define CONF_MAX_ORIGINS 256
#define CONF_MAX_ANCHORS 16

/* "127.0.0.1@5353", "[::1]:5353", "::1@53" */
struct conf_addr {
	char host[64];
	uint16_t port;
};

enum zone_kind { ZONE_IP, ZONE_DOMAIN, ZONE_ALLOW };

struct conf_zone {
	char name[DOMAIN_MAX + 1];	/* apex, lowercase, no trailing dot */
	enum zone_kind kind;
	bool subdomains;		/* domain zone: listing covers subdomains */
	uint32_t ttl;			/* answer TTL, seconds */
	uint32_t negative_ttl;		/* SOA minimum */
	char ns[DOMAIN_MAX + 1];	/* NS name at the apex */
	char hostmaster[DOMAIN_MAX + 1];	/* SOA RNAME */
	char txt_template[256];		/* "$subject: $reports reports from ..." */
	struct conf_addr notify[CONF_MAX_ACL];	/* secondaries to NOTIFY */
	int n_notify;
	char allow_axfr[CONF_MAX_ACL][64];	/* address or prefix */
	int n_allow_axfr;
};

struct conf_peer {
	char name[64];
	struct conf_addr addr;		/* where to connect */
	char pin[65];			/* hex Ed25519 key to pin, or "" */
};

/* An origin: clause names one node (key:) or a whole organisation (org:,
 * the SHA-256 of its CA's public key, as explanations show it). */
struct conf_origin {
	uint8_t key[ED25519_KEY_LEN];	/* the node key, or the org id */
	bool is_org;
	double trust;
	bool blocked;
};

#define CONF_DNS_CACHE_DEFAULT	262144	/* about 36 MB per DNS worker */

struct node_conf {
	char path[256];			/* the file, or "(embedded)" */
	/* server: */
	char name[64];			/* this node's name, for logs and Hello */
	char directory[256];		/* store and keys live here */
	char username[32];		/* drop to this user after binding */
	char pidfile[256];
	char key_file[256];		/* Ed25519 node key (PEM) */
	char cert_file[256];		/* X.509 node certificate (PEM) */
	int verbosity;
	int sync;			/* store sync level, see store_options */
	uint64_t store_size;		/* LMDB map size in bytes, 0 = the store's
					 * default (added by the daemon engineer) */
	uint32_t batch_window_ms;	/* a local batch waits at most this */
	uint32_t batch_size;		/* ... and holds at most this many */
	bool batch_idle_seal;		/* idle: sealed at once (batch-idle) */
	/* dns: */
	struct conf_addr dns_listen[CONF_MAX_LISTEN];
	int n_dns_listen;
	int dns_threads;
	uint32_t rrl_limit;		/* responses/s per client prefix; 0 = off */
	uint16_t edns_size;		/* our UDP payload size, default 1232 */
	uint32_t dns_cache;		/* answer cache entries per worker,
					 * 0 = none */
	struct conf_zone zones[CONF_MAX_ZONES];
	int n_zones;
	/* api: */
	struct conf_addr api_listen;
	char api_socket[108];		/* also on this Unix socket, "" = none
					 * (added by the daemon engineer) */
	/* peering: */
	struct conf_addr peer_listen;	/* port 0 = no inbound peering */
	char anchors[CONF_MAX_ANCHORS][256];	/* trust anchor PEM files */
	int n_anchors;
	char crl_file[256];
	struct conf_peer peers[CONF_MAX_PEERS];
	int n_peers;
	struct conf_origin origins[CONF_MAX_ORIGINS];	/* local policy */
	int n_origins;
	/* sender-id: the node's own SPF / Sender ID of local reports
	 * (node/mailcheck.c; added by the Sender-ID wiring) */
	enum { SENDERID_OFF, SENDERID_SYSTEM, SENDERID_SERVER } senderid;
	struct conf_addr senderid_server;	/* SENDERID_SERVER: forward to */
	uint32_t senderid_timeout_ms;	/* per DNS query, then temperror */
	uint32_t senderid_deadline_ms;	/* per evaluation (RFC 7208 4.6.4) */
	uint32_t senderid_inflight;	/* evaluations at once */
	struct mta_conf mta;		/* smtpd-policy: (node/mta/) */
	/* feeds: abuse reports by mail (feeds/feed_conf.h; issue 14) */
	struct feed_conf feeds;
	/* model: */
	struct policy policy;
};

/* conf.c */
/* Fills c from a file (path) or, with path NULL, from the embedded default.
 * On error: -1 and "file:line: what was expected" in err. */
int conf_load(struct node_conf *c, const char *path, char *err, size_t errlen);
/* The same for len bytes of text in memory, named file in errors (for the
 * fuzzer and tests; added by the daemon engineer). text needs room for
 * len + 1 bytes and is modified. A NUL byte in the text is an error. */
int conf_parse_buffer(struct node_conf *c, const char *file, char *text,
	    size_t len, char *err, size_t errlen);
/* Writes the normalised config (for reputed -nv). */
void conf_print(const struct node_conf *c, void *file);	/* a FILE pointer */
extern const char conf_default_text[];

#endif
