/*
 * dns.h: the DNSBL responder.
 *
 *   dns.c         sans-I/O core: a query in (bytes), an answer out (bytes, in
 *                 the caller's fixed buffer). No sockets, no clock, no
 *                 allocation per query. Reads listings through a small
 *                 lookup interface (struct dns_source) so tests can feed it
 *                 without LMDB; dns_source_store() binds it to a store_reader.
 *   dns_xfr.c     zone contents as records: the owner names of a listing,
 *                 AXFR message building, NOTIFY building (RFC 5936, 1996).
 *   dns_rrl.c     response-rate limiting per client prefix (sans-I/O).
 *   dns_server.c  the libevent shell: UDP and TCP listeners in worker
 *                 threads (SO_REUSEPORT, one event_base and one
 *                 store_reader each), AXFR, NOTIFY, counters.
 *   zone_export.c      rbldnsd data files and master zone files from a store.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_DNS_H
#define REPUTED_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/node.h"
#include "proto/dnswire.h"

struct event_base;
struct evbuffer;
struct sockaddr;

/* RFC 1035 4.2.1: "Messages carried by UDP are restricted to 512 bytes". */
#define DNS_UDP_MIN		512
#define DNS_EDNS_DEFAULT	1232	/* DNS flag day 2020 */
#define DNS_MSG_MAX		65535

/* ---- dns.c: the core ---- */

/* Where answers come from. Each function returns 0 found (out filled),
 * 1 not found, -1 error (the query gets SERVFAIL). */
struct dns_source {
	void *arg;
	/* longest-prefix match of an address (4 or 16 bytes) among subjects
	 * listed (allow: allow-listed) at now */
	int (*lookup_addr)(void *arg, const uint8_t *addr, size_t len,
	    uint64_t now, bool allow, struct listing *out);
	/* exactly this domain (the core walks parents and wildcards itself,
	 * so it knows which name matched) */
	int (*lookup_domain)(void *arg, const char *name, uint64_t now,
	    bool allow, struct listing *out);
	/* 0 if some subject strictly below `prefix` (an IP prefix or a
	 * domain) is listed (allow: allowed) at now, 1 if none, 2 if no
	 * subject at all is stored below it (then nothing under it can
	 * match: the core prunes the walk), -1 error. Used for empty
	 * non-terminals; may be NULL (then: none). */
	int (*below)(void *arg, const struct subject *prefix, bool allow,
	    uint64_t now);
	uint32_t (*serial)(void *arg);
	/* answers already resolved in this or an earlier snapshot
	 * (dns_cache.c); NULL: none */
	struct dns_cache *cache;
};

/* A store_reader as a dns_source (r borrowed; begin/end are the caller's). */
void dns_source_store(struct dns_source *src, struct store_reader *r);

/* One zone, prepared for the hot path. */
struct dns_zone {
	const struct conf_zone *conf;	/* borrowed from the engine's copy */
	uint8_t apex[DNS_NAME_MAX];	/* wire form, lowercase */
	size_t apex_len;
	int apex_labels;
	uint8_t ns[DNS_NAME_MAX];	/* NS / SOA MNAME, wire form */
	size_t ns_len;
	uint8_t rname[DNS_NAME_MAX];	/* SOA RNAME, wire form */
	size_t rname_len;
	size_t ns_own, rname_own;	/* bytes before the apex (the rest is
					 * a compression pointer), or the
					 * whole length if outside the zone */
};

/* The read-only state answers need: zones and policy. Shared by threads. */
struct dns_engine {
	struct node_conf conf;		/* our own copy */
	struct dns_zone zones[CONF_MAX_ZONES];
	int n_zones;
	uint16_t edns_size;		/* our UDP payload size */
	uint64_t id;			/* unique per dns_engine_init, so a
					 * cache knows a reload even when the
					 * new engine reuses an old address */
};

/* What the core did with one message, for counters, RRL and the shell. */
struct dns_result {
	int rcode;			/* -1: dropped, no answer */
	uint16_t qtype;
	int zone;			/* index, -1 if none */
	bool tc;			/* answer truncated */
	bool xfr;			/* AXFR/IXFR over TCP was asked: the shell
					 * checks its ACL and calls dns_xfr_* */
	bool listed;			/* an A/TXT answer from a listing */
	bool edns;
};

/* Prepares the zones of conf (copied). -1 and err on a bad zone. */
int dns_engine_init(struct dns_engine *e, const struct node_conf *conf,
	    char *err, size_t errlen);
/* Answers one query. in/inlen: the message; out/outcap: the caller's buffer
 * (>= DNS_MSG_MAX for TCP, >= edns_size for UDP is enough); tcp: transport;
 * now: Unix ms. Returns the answer's length, 0 to drop. */
size_t dns_answer(const struct dns_engine *e, const struct dns_source *src,
	    const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
	    bool tcp, uint64_t now, struct dns_result *res);
/* Formats the zone's TXT template for a subject and listing into buf
 * (at most 255 bytes: one character-string). Returns the length. */
size_t dns_txt_format(const struct conf_zone *z, const char *subject,
	    const struct listing *l, char *buf, size_t buflen);
/* The RFC 5782 test points as listings (code 2, TXT DNS_TEST_TXT). */
#define DNS_TEST_TXT	"RFC 5782 test point"
void dns_test_listing(struct listing *l);
/* The last octet of the A record (127.0.0.x) for a listing in zone z. */
uint8_t dns_listing_code(const struct conf_zone *z, const struct listing *l);

/* ---- dns_cache.c: a worker's answer cache ---- */

/* entries: rounded up to a power of two; 0 gives NULL (no cache). */
struct dns_cache *dns_cache_new(size_t entries);
void dns_cache_free(struct dns_cache *c);
/* Before answering from snapshot txn (store_reader_txn) with the engine
 * whose id is engine_id;
 * then feed it the snapshot's changes: dns_cache_changed is a changes_fn
 * for store_reader_changes, and dns_cache_flush is for when that returns 1.
 * A new engine (a reload) flushes. */
void dns_cache_begin(struct dns_cache *c, uint64_t txn, uint64_t engine_id);
void dns_cache_changed(void *c, const uint8_t *key, size_t len);
void dns_cache_flush(struct dns_cache *c);
/* Lookups: -1 not cached, 0 NXDOMAIN, 1 listed: l filled, whole or (an A
 * answer needs no more) only its code and end. zone: index. */
int dns_cache_get_ip(struct dns_cache *c, int zone, const uint8_t addr[4],
	    uint64_t now, bool whole, struct listing *l);
/* l NULL: NXDOMAIN. */
void dns_cache_put_ip(struct dns_cache *c, int zone, const uint8_t addr[4],
	    const struct listing *l);
/* name: relative to the zone, dotted, lowercase; the listing's subject is
 * "*" (if subj_wild) then name + subj_off. */
int dns_cache_get_domain(struct dns_cache *c, int zone, const char *name,
	    uint64_t now, bool whole, struct listing *l, size_t *subj_off,
	    bool *subj_wild);
void dns_cache_put_domain(struct dns_cache *c, int zone, const char *name,
	    const struct listing *l, size_t subj_off, bool subj_wild);
void dns_cache_stats(const struct dns_cache *c, uint64_t *hits,
	    uint64_t *misses);

/* ---- dns_xfr.c: zone contents, AXFR, NOTIFY ---- */

/* Calls fn with each owner name (text, relative to the apex, no dot at the
 * end; "*.x" for wildcards) under which subject s appears in zone z.
 * A prefix that is not on an octet (nibble) boundary becomes several
 * wildcards. fn returns non-zero to stop. Returns the number of owners, or
 * -1 if fn stopped. */
typedef int (*dns_owner_fn)(void *arg, const char *owner);
int dns_xfr_owners(const struct conf_zone *z, const struct subject *s,
	    dns_owner_fn fn, void *arg);
/* Whether listing l of subject s belongs in zone z at now. */
bool dns_xfr_in_zone(const struct conf_zone *z, const struct subject *s,
	    const struct listing *l, uint64_t now);

/* An AXFR response in progress: the shell feeds it listings, it calls emit
 * with each complete message (the shell frames it for TCP). */
typedef void (*dns_emit_fn)(void *arg, const uint8_t *msg, size_t len);
struct dns_xfr {
	const struct dns_engine *e;
	const struct dns_zone *zone;
	uint64_t now;
	uint32_t serial;
	uint16_t id;			/* the query's ID */
	uint8_t qname[DNS_NAME_MAX];	/* the question as asked */
	size_t qname_len;
	uint16_t qtype;
	dns_emit_fn emit;
	void *arg;
	size_t len;			/* of the message in buf */
	uint16_t ancount;
	uint64_t records;		/* records sent, for logs */
	uint64_t messages;
	uint8_t buf[16384];		/* the message being filled (last:
					 * begin clears everything before) */
};
/* Starts with the query that dns_answer flagged xfr; sends SOA and NS. */
int dns_xfr_begin(struct dns_xfr *x, const struct dns_engine *e,
	    const uint8_t *query, size_t qlen, uint32_t serial, uint64_t now,
	    dns_emit_fn emit, void *arg);
/* Adds the records of one subject (nothing if not in the zone). */
int dns_xfr_add(struct dns_xfr *x, const struct subject *s,
	    const struct listing *l);
/* Ends with the closing SOA and flushes the last message. */
int dns_xfr_end(struct dns_xfr *x);
/* Builds a NOTIFY for zone z (RFC 1996 3.7: SOA in the answer). Returns
 * the length, 0 if cap is too small. */
size_t dns_notify_build(const struct dns_engine *e, int zone, uint16_t id,
	    uint32_t serial, uint8_t *out, size_t cap);

/* ---- dns_rrl.c: response-rate limiting per client prefix ---- */

#define DNS_RRL_BUCKETS	4096
enum dns_rrl_verdict { DNS_RRL_SEND, DNS_RRL_SLIP, DNS_RRL_DROP };
/* One table for all workers: each bucket is one 64-bit word (the client
 * prefix's tag, the second, the count) updated by compare-and-swap, so a
 * client spread over workers by SO_REUSEPORT is counted once. */
struct dns_rrl {
	uint32_t limit;			/* responses/s per prefix; 0 = off
					 * (atomic: a reload changes it) */
	uint32_t slip;			/* every slip-th limited answer: TC */
	uint32_t limited;		/* counter for slipping (atomic) */
	uint64_t tab[DNS_RRL_BUCKETS];	/* tag 32 | second 8 | count 24 */
};
void dns_rrl_init(struct dns_rrl *r, uint32_t limit, uint32_t slip);
/* Thread-safe: any number of workers may check against one table. */
enum dns_rrl_verdict dns_rrl_check(struct dns_rrl *r, const struct sockaddr *sa,
	    uint64_t now_ms);
/* Turns an answer into an empty truncated one (TC=1): a real client retries
 * over TCP, a spoofed victim gets no amplification. Returns the new length. */
size_t dns_rrl_slip(uint8_t *msg, size_t len);

/* ---- zone_export.c: files for rbldnsd and for master-file servers ---- */

/* Writes DIR/ZONE.ip4set and DIR/ZONE.ip6trie (ip, allow zones) and
 * DIR/ZONE.dnset (domain, allow zones) from the reader's snapshot (begun
 * by the caller). *count gets the number of listings written. */
int export_rbldnsd(struct store_reader *r, const struct conf_zone *z,
	    const char *dir, uint64_t now, uint64_t *count, char *err,
	    size_t errlen);
/* Writes an RFC 1035 master file of the zone to path. */
int export_zone(struct store_reader *r, const struct conf_zone *z,
	    const char *path, uint64_t now, uint64_t *count, char *err,
	    size_t errlen);

/* ---- dns_server.c: the libevent shell ---- */

#define DNS_LATENCY_BUCKETS	10	/* the last is +Inf */
extern const uint32_t dns_latency_le_us[DNS_LATENCY_BUCKETS - 1];

struct dns_counters {
	uint64_t queries;		/* messages received */
	uint64_t rcode[DNS_R_COUNT];	/* answers by rcode */
	uint64_t dropped;		/* malformed, not answered */
	uint64_t rrl_dropped, rrl_slipped;
	uint64_t truncated;		/* TC answers (not counting RRL slips) */
	uint64_t tcp;			/* queries over TCP */
	uint64_t axfr, axfr_refused;
	uint64_t notify_sent;
	uint64_t cache_hits, cache_misses;	/* answer cache lookups */
	/* UDP answers by the time from receipt (recvmmsg returned) to the
	 * reply handed to the kernel (sendmmsg returned), for the histogram
	 * reputed_dns_answer_seconds: answers at most dns_latency_le_us[i] */
	uint64_t latency[DNS_LATENCY_BUCKETS];
	uint64_t latency_sum_us;
};

/* Binds every dns_listen address (UDP and TCP) and starts conf->dns_threads
 * workers (default: cores - 1, 1..8) with their own event_base and
 * store_reader; the main base gets a timer that sends NOTIFY when
 * store_serial changes (at most once per 5 s per zone). st and main_base
 * are borrowed until dns_server_stop. Call before dropping privileges.
 * -1 and err on failure. */
int dns_server_start(struct event_base *main_base, struct store *st,
	    const struct node_conf *conf, char *err, size_t errlen);
/* New zones, TTLs, templates, RRL limit and ACLs. Listen addresses and the
 * thread count stay as they were. */
int dns_server_reload(const struct node_conf *conf, char *err, size_t errlen);
/* Stops the workers and closes the sockets. */
void dns_server_stop(void);
/* Sums of every worker's counters (zeros when not running). */
void dns_server_counters(struct dns_counters *out);
/* The counters in Prometheus text format (node/prom.h), for /metrics:
 * an api_metrics_fn (arg unused). */
void dns_server_metrics(void *arg, struct evbuffer *out);

#endif
