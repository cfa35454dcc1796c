/*
 * reputation.h: subjects, the LMDB store, the scoring model and the listing
 * policy. Library code: no event loop, no sockets, no logging, no globals.
 * Errors come back as -1 (or a status enum) and a message in a caller buffer.
 *
 * Times are Unix milliseconds passed in by the caller: the library never
 * reads a clock, so the simulator and the tests can drive it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_REPUTATION_H
#define REPUTED_REPUTATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"

/* ---- subject.c: IP addresses, prefixes and domains, and their keys ---- */

enum subject_kind {
	SUBJECT_IPV4 = 4,
	SUBJECT_IPV6 = 6,
	SUBJECT_DOMAIN = 'D',
};

#define DOMAIN_MAX	253		/* RFC 1035 2.3.4, without the dot */
#define LABEL_MAX	63
#define SUBJECT_KEY_MAX	(1 + DOMAIN_MAX + 2)
#define SUBJECT_TEXT_MAX (DOMAIN_MAX + 8)

struct subject {
	enum subject_kind kind;
	uint8_t addr[16];	/* IPv4 in the first 4 bytes; host bits zero */
	uint8_t prefix_len;	/* 32 or 128 for a single address */
	char domain[DOMAIN_MAX + 1];	/* lowercase, no trailing dot */
};

/* Parses "192.0.2.1", "192.0.2.0/24", "2001:db8::1", "2001:db8::/32",
 * "::ffff:192.0.2.1" (becomes IPv4) or a domain name. Host bits set in a
 * prefix are an error, as are non-ASCII names (use A-labels). */
int subject_parse(const char *text, struct subject *out, char *err,
	    size_t errlen);
/* Only a domain: lowercases, strips one trailing dot, checks lengths and
 * characters (letters, digits, '-', '_' ; '*' only as a whole first label). */
int subject_parse_domain(const char *text, struct subject *out, char *err,
	    size_t errlen);
/* An address of 4 or 16 bytes (IPv4-mapped IPv6 becomes IPv4). */
/* Clears the bits of addr (len bytes) past prefix_len; true if any was
 * set. */
bool addr_mask(uint8_t *addr, size_t len, unsigned prefix_len);
int subject_from_addr(const uint8_t *addr, size_t len, unsigned prefix_len,
	    struct subject *out, char *err, size_t errlen);
int subject_from_proto(const Reputed__Subject *pb, struct subject *out,
	    char *err, size_t errlen);
/* Fills pb (which borrows from s: keep s alive while pb is used). */
void subject_to_proto(const struct subject *s, Reputed__Subject *pb);
/* Writes text form into buf; returns its length. */
size_t subject_format(const struct subject *s, char *buf, size_t len);
/* Keys sort so that ranges are contiguous:
 *   IPv4   0x04 addr[4] plen        IPv6  0x06 addr[16] plen
 *   domain 'D' then the labels from the top, each followed by 0x00, then
 *          one more 0x00: example.com -> "Dcom\0example\0\0".
 * A domain and all its subdomains share the prefix "Dcom\0example\0".
 * Returns the key length. */
size_t subject_key(const struct subject *s, uint8_t key[SUBJECT_KEY_MAX]);
int subject_from_key(const uint8_t *key, size_t len, struct subject *out);
bool subject_equal(const struct subject *a, const struct subject *b);

/* ---- policy.c: every tunable of the model, with documented defaults ---- */

#define CATEGORY_COUNT	10	/* Reputed__Category values 0..9 */

struct policy {
	double half_life_s[CATEGORY_COUNT];	/* evidence half-life per category */
	uint32_t default_ttl_s;		/* a report's TTL when it gives none */
	uint32_t max_ttl_s;		/* longer TTLs are cut to this */
	double cap_per_origin;		/* max decayed weight one origin adds per category */
	double cap_per_org;		/* ... and all the nodes of one organisation */
	double prior_bad, prior_good;	/* Beta prior pseudo-counts */
	double list_threshold;		/* listed when score >= this ... */
	unsigned min_orgs;		/* ... and at least this many organisations */
	double min_origin_weight;	/* an organisation counts when its weight
					 * (over all its nodes) >= this */
	double allow_threshold;		/* allow-listed when score <= this ... */
	double allow_min_weight;	/* ... with this much positive weight */
	double attr_neutral;		/* domain weight for none/neutral/errors */
	double default_trust;		/* trust of an origin with no setting */
	uint64_t future_slack_ms;	/* how far ahead of a batch a report may be */
	uint64_t quota_per_hour;	/* reports of one origin kept per hour of
					 * batch time (0: no quota) */
	uint32_t quota_block_factor;	/* an origin whose reports dropped over
					 * its quota in one hour of batch time
					 * reach this many times quota_per_hour
					 * is blocked (flood) at the batch that
					 * crossed that line (0: never) */
	uint64_t live_ceiling;		/* reports of one origin that live into
					 * a later day of batch time, at most
					 * (0: no ceiling) */
	/* the same two for all the nodes of one organisation, split evenly
	 * over them: each origin has the smaller of its own and its share
	 * (0: no such limit) */
	uint64_t quota_per_org_hour;
	uint64_t live_ceiling_per_org;
	uint8_t code[CATEGORY_COUNT];	/* 127.0.0.x per category */
};
void policy_default(struct policy *p);
/* The organisation limits a config did not give (quota_given,
 * ceiling_given false): four times the per-node ones, as they now are,
 * so that an organisation of up to four nodes has each its own. */
void policy_org_limits(struct policy *p, bool quota_given,
	    bool ceiling_given);
/* A policy as bytes that mean the same on every machine (a version, then
 * every field in order, little-endian; doubles by their IEEE 754 bits):
 * what a store records of the policy its scores were made under. */
#define POLICY_ENCODED_LEN	(1 + 8 * CATEGORY_COUNT + 4 + 4 + 8 * 11 + \
				 4 + 8 + 4 + 8 * 3 + CATEGORY_COUNT)
void policy_encode(const struct policy *p, uint8_t out[POLICY_ENCODED_LEN]);
/* 0, or -1 (and *p untouched) if in is not one of policy_encode's. */
int policy_decode(struct policy *p, const uint8_t *in, size_t len);
const char *category_name(unsigned category);	/* "spam", ... ; NULL if bad */
int category_parse(const char *name);		/* -1 if unknown */
const char *auth_result_name(unsigned result);	/* "pass", ... */
int auth_result_parse(const char *name);	/* -1 if unknown */

/* ---- score.c: the model, pure functions over evidence records ---- */

/* What one origin has said about one subject, decayed to as_of. */
struct evidence {
	uint64_t as_of;		/* the latest observed_at folded in */
	uint64_t first_seen, last_seen;	/* observed_at range of its reports */
	uint64_t expires_at;	/* max(observed_at + ttl): after it, weight 0 */
	uint32_t n_reports;	/* reports folded in (retracted ones removed) */
	float weight[CATEGORY_COUNT];	/* capped, decayed weight per category */
	float spoofed;		/* weight withheld from a domain by SPF/SID fail */
	uint64_t first_expiry;	/* min(observed_at + ttl): from then on, by
				 * its origin's clock, a report in it no
				 * longer counts and the record is refolded */
};

/* One report's contribution to one subject, as kept in the report index. */
struct contribution {
	uint64_t observed_at;
	uint32_t ttl_s;
	uint8_t category;
	uint8_t confidence;	/* 1..100 */
	uint8_t attribution;	/* enum attribution */
};

enum attribution {
	ATTR_FULL,		/* an IP subject, or a domain that passed SPF/SID */
	ATTR_PARTIAL,		/* domain with none / neutral / errors */
	ATTR_SPOOFED,		/* domain failed SPF/SID: a forgery victim */
	ATTR_NOT_MAIL,		/* no mail evidence: full weight */
};
const char *attribution_name(unsigned attr);

void evidence_fold(struct evidence *e, const struct contribution *c,
	    const struct policy *p);
/* Weight of category k at time t (0 after expiry). */
double evidence_weight_at(const struct evidence *e, unsigned k, uint64_t t,
	    const struct policy *p);

/* The derived state of a subject: what DNS answers read. */
struct listing {
	uint64_t as_of;		/* the time the score was computed for */
	uint64_t listed_until;	/* listed while now < listed_until */
	uint64_t allowed_until;	/* allow-listed while now < allowed_until */
	uint64_t first_seen, last_seen;
	float score;		/* Beta estimate of badness at as_of, 0..1 */
	uint32_t n_reports;
	uint16_t n_orgs;	/* organisations with weight at as_of */
	uint8_t code;		/* 127.0.0.code when listed */
	uint8_t category;	/* the dominant category */
	uint8_t prefix_len;	/* for IP lookups: the prefix that matched */
	uint8_t pad[3];
};

/* One origin's evidence and trust, as the score function sees it, and the
 * organisation it belongs to (ORG_ID_LEN bytes; NULL: an organisation of
 * its own, as an origin that no organisation CA vouches for). */
#define ORG_ID_LEN	32
struct origin_evidence {
	const struct evidence *ev;
	double trust;
	const uint8_t *org;
};
void score_compute(const struct origin_evidence *oe, size_t n,
	    const struct policy *p, struct listing *out);
bool listing_listed(const struct listing *l, uint64_t now);
bool listing_allowed(const struct listing *l, uint64_t now);

/* ---- store.c: the LMDB environment ---- */

struct store;
struct store_reader;

struct store_options {
	size_t map_size;	/* bytes; 0 = 64 GiB (sparse) */
	int sync;		/* 2 = full fsync per commit, 1 = data only, 0 = none */
	bool bulk;		/* no fsync per commit: store_sync makes it
				 * durable */
	bool writemap;		/* write through the map (MDB_WRITEMAP): no
				 * page copies, but a page the file system
				 * cannot back is SIGBUS, not ENOSPC: for
				 * stores on tmpfs the size of their map */
	const struct policy *policy;	/* copied; NULL = the policy the store
					 * was last scored under, as recorded
					 * in it (policy_default() if none) */
};

struct store *store_open(const char *dir, const struct store_options *opt,
	    char *err, size_t errlen);
void store_close(struct store *st);
/* The map: bytes in use (pages up to the last one written; freed pages
 * inside it are reused before the map grows) and its size. */
int store_map_use(struct store *st, uint64_t *used, uint64_t *size);
/* A consistent, compacted copy of the store (free pages left out) into
 * the file path, made from one read snapshot: the store may be written
 * meanwhile, by this process or another. The file must not exist. */
int store_backup(struct store *st, const char *path, char *err,
	    size_t errlen);
/* Flushes every commit to disk (fsync): the end of a bulk import. */
int store_sync(struct store *st, char *err, size_t errlen);
const struct policy *store_policy(const struct store *st);
/* Replaces the policy (copied). Scores are derived state: call
 * store_rescore to bring stored listings in line with it. */
void store_set_policy(struct store *st, const struct policy *p);
/* True when the store was opened with a policy other than the one it
 * records its scores were made under (store_rescore records the policy it
 * scored with; a new store records the one it is opened with). */
bool store_policy_changed(const struct store *st);

/* Writing: one write transaction may apply many batches (group commit).
 * Nothing is visible to readers, or acknowledged, before store_commit. */
enum apply_status {
	APPLY_OK,		/* stored and applied (and maybe gap batches after it) */
	APPLY_PENDING,		/* stored, waiting for an earlier seq of its origin */
	APPLY_DUPLICATE,	/* the same batch is already stored */
	APPLY_EQUIVOCATION,	/* same origin+seq, different bytes: origin blocked */
	APPLY_BLOCKED,		/* the origin is blocked: nothing stored */
	APPLY_INVALID,		/* a report in it is invalid: nothing stored */
	APPLY_ERROR,		/* storage failure: abort the transaction */
	APPLY_FLOOD,		/* stored and applied, and its origin (this
				 * batch, or one it let follow) crossed the
				 * flood line: origin blocked from here on */
};
const char *apply_status_name(enum apply_status s);

/* Checks one report exactly as store_apply will for a batch made at
 * created_at (Unix ms): subject, category, confidence, mail evidence,
 * observed time. 0, or -1 with a specific message. */
int report_check(const Reputed__Report *r, uint64_t created_at,
	    const struct policy *p, char *err, size_t errlen);

struct store_txn;
struct store_txn *store_begin(struct store *st, char *err, size_t errlen);
/* Applies one verified batch. sb/sblen are the SignedBatch bytes to keep;
 * batch is its decoded Batch (borrowed). */
enum apply_status store_apply(struct store_txn *tx, const uint8_t *sb,
	    size_t sblen, const Reputed__Batch *batch, char *err, size_t errlen);
int store_commit(struct store_txn *tx, char *err, size_t errlen);
void store_abort(struct store_txn *tx);

/* Why an origin is blocked: bits, any of them blocks it. The policy bit
 * is the operator's (store_set_origin) and only it; the other two are
 * derived from signed batches, the same at every node, and an operator's
 * unblock leaves them. */
enum origin_block {
	ORIGIN_BLOCK_POLICY = 1,	/* origin: ... blocked: yes */
	ORIGIN_BLOCK_EQUIVOCATION = 2,	/* two batches with one seq */
	ORIGIN_BLOCK_FLOOD = 4,		/* quota_block_factor crossed */
};
/* "policy", "equivocation", "flood", joined by ',' into buf ("" when
 * none); returns buf. */
const char *origin_block_reasons(unsigned block, char *buf, size_t len);

/* Origins: trust in [0,1] and blocking, and the organisation. */
struct origin_info {
	double trust;
	bool blocked;		/* for any reason */
	uint8_t block;		/* enum origin_block bits */
	uint64_t highest_seq;	/* highest contiguous seq applied */
	uint64_t batches;	/* batches applied */
	bool has_org;		/* org is known (else its own organisation) */
	uint8_t org[ORG_ID_LEN];
	uint64_t quota_dropped;	/* reports dropped over its quota */
	uint64_t quota_hour_dropped;	/* ... of them in its latest hour */
	uint64_t quota_hour;	/* that hour (of batch time, created_at /
				 * 3600000): later batches count in it or a
				 * later one, never an earlier one */
	uint64_t quota_used;	/* its reports kept in that hour */
	uint64_t live;		/* its reports that live past the day of
				 * quota_hour (the live ceiling's count) */
	uint64_t live_dropped;	/* reports dropped at the live ceiling */
	uint64_t org_members;	/* nodes of its organisation, itself too */
	uint64_t quota_limit;	/* its quota and live ceiling: the policy's, */
	uint64_t live_limit;	/* or its share of its organisation's */
	bool has_via;		/* a pseudo-origin of attested reports */
	uint8_t via[ED25519_KEY_LEN];	/* ... relayed by this origin */
};

/*
 * Attested reports (docs/FEEDS.md, "Signed complaints"). A report with
 * an Attestation counts, when it verifies, for a pseudo-origin of its
 * signer bound to the signer's organisation, and when it does not, for
 * nobody: never for the origin that relayed it. The verifier is the
 * caller's (this library holds no trust): the store calls it once per
 * attested report, when the batch that carries it is first applied, and
 * keeps the verdict beside the batch, so a rescore, a refold or a
 * retraction gives the same result without verifying again. Without a
 * verifier, an attested report with no kept verdict counts for nobody
 * (and no verdict is kept).
 */
struct attest_verdict {
	bool ok;			/* it verifies: the rest is set */
	uint8_t signer[32];		/* SHA-256 of the signer's key (DER
					 * SubjectPublicKeyInfo) */
	uint8_t org[ORG_ID_LEN];	/* the signer's organisation */
};
/* Fills *out for report index of b (b and out borrowed for the call). */
typedef void (*store_attest_fn)(void *arg, const Reputed__Batch *b,
	    size_t index, struct attest_verdict *out);
/* fn NULL: none. arg is borrowed and must outlive its use. */
void store_set_attest(struct store *st, store_attest_fn fn, void *arg);
/* The pseudo-origin of a verified attested report relayed by relay:
 * SHA-256("reputed-attest-v1" 0x00 || relay || signer || org). One per
 * relaying origin, so its reports keep that origin's (seq, index) order
 * and its clock, and a new organisation is a new pseudo-origin. */
void attest_pseudo_origin(const uint8_t relay[ED25519_KEY_LEN],
	    const struct attest_verdict *v, uint8_t out[ED25519_KEY_LEN]);
/* Forgets every kept verdict and verifies the attested reports again
 * with the verifier set now (after the trust anchors or CRLs changed: a
 * signer now anchored, or revoked from before its batch). Each origin
 * that relayed one has its applied batches taken out and folded in
 * again, in (seq, index) order, as when it is unblocked (a blocked
 * origin's verdicts are only forgotten: its unblock verifies). One
 * write transaction; *relays: the origins refolded. 0, or -1 and err. */
int store_attest_recheck(struct store *st, uint64_t *relays, char *err,
	    size_t errlen);
/* The verdict kept for report index of (origin, seq), in a reader's
 * snapshot: 0 found, 1 none, -1 error. */
int store_reader_attest(struct store_reader *r,
	    const uint8_t origin[ED25519_KEY_LEN], uint64_t seq,
	    uint32_t index, struct attest_verdict *out);
/* Sets an origin's trust and the operator's block (ORIGIN_BLOCK_POLICY:
 * a block for equivocation or flooding stays); every subject it reported
 * is rescored at once when its effective weight changed. */
int store_set_origin(struct store *st, const uint8_t origin[ED25519_KEY_LEN],
	    double trust, bool blocked, char *err, size_t errlen);
/* An organisation's trust (in [0, 1]; 1 without a setting) or block, which
 * multiplies the trust of every origin bound to it; its origins' subjects
 * are rescored at once. store_get_org: 0 set, 1 not set, -1 error. */
int store_set_org(struct store *st, const uint8_t org[ORG_ID_LEN],
	    double trust, bool blocked, char *err, size_t errlen);
int store_get_org(struct store *st, const uint8_t org[ORG_ID_LEN],
	    double *trust, bool *blocked);
/* Binds an origin to its organisation (ORG_ID_LEN bytes: the id of the CA
 * that issued its member certificate), inside a write transaction; a new
 * or changed binding rescores every subject the origin reported. 0, or an
 * LMDB error code. */
int store_set_origin_org(struct store_txn *tx,
	    const uint8_t origin[ED25519_KEY_LEN],
	    const uint8_t org[ORG_ID_LEN]);
int store_get_origin(struct store *st, const uint8_t origin[ED25519_KEY_LEN],
	    struct origin_info *out);
/* The same as a batch made at t (Unix ms) would find it: in a later
 * hour of batch time, that hour with nothing counted in it yet, and the
 * live count without the reports that expire before its day. */
int store_get_origin_at(struct store *st,
	    const uint8_t origin[ED25519_KEY_LEN], uint64_t t,
	    struct origin_info *out);
/* The same, in a reader's snapshot: 0 found, 1 not (defaults), -1 error. */
int store_reader_origin(struct store_reader *r,
	    const uint8_t origin[ED25519_KEY_LEN], struct origin_info *out);

/* Recomputes every evidence record, report index entry and score from the
 * stored batches (each origin from its floor). Gives exactly what
 * incremental application followed by a full prune gives. */
int store_rescore(struct store *st, char *err, size_t errlen);

/*
 * Retention. A report counts until its expiry (observed_at + ttl) by its
 * origin's clock: the latest created_at among the origin's applied
 * batches, signed content, so every node at the same version vector
 * agrees. A record (subject, origin) holding an expired report is
 * refolded from its live reports (the expired ones leave the report
 * index; a record with none left goes, and a score with no evidence);
 * then each origin's floor moves up over its oldest batches none of whose
 * reports still counts (the latest batch always stays). Equivocation
 * proofs are never pruned. Work is done in small write transactions:
 * store_prune_step does one, looking at up to budget records or reports,
 * and returns 1 when it finished a sweep over the whole store, 0 when
 * there is more, -1 on error. The state a full sweep reaches depends only
 * on the applied batches, not on when or how often the pruner ran.
 */
struct store_prune {
	int phase;			/* 0: records, 1: batches */
	uint8_t key[SUBJECT_KEY_MAX + ED25519_KEY_LEN];	/* resume here */
	size_t key_len;			/* 0: from the start */
	uint64_t refolded;		/* records refolded this sweep */
	uint64_t batches_pruned;	/* batches removed this sweep */
	uint64_t sweeps;		/* sweeps completed */
};
int store_prune_step(struct store *st, struct store_prune *p,
	    uint32_t budget, char *err, size_t errlen);
/* An origin's floor in the reader's snapshot (0: nothing pruned). */
uint64_t store_floor(struct store_reader *r, const uint8_t origin[32]);
/* A peer says batches 1..floor of origin were pruned there. If this store
 * lacks some of them (its highest contiguous seq is below floor), it
 * takes them as applied: the origin's batches up to floor that it holds
 * are dropped, its floor and highest seq become floor, and stored batches
 * after floor are applied. APPLY_OK, APPLY_DUPLICATE (nothing lacking),
 * APPLY_BLOCKED, APPLY_INVALID (floor 0) or APPLY_ERROR. */
enum apply_status store_skip_pruned(struct store_txn *tx,
	    const uint8_t origin[32], uint64_t floor, char *err,
	    size_t errlen);
/* Sweeps until done (offline, tests). */
int store_prune_all(struct store *st, struct store_prune *p, char *err,
	    size_t errlen);

/* Reading. A reader is a reusable read-only snapshot; begin takes a fresh
 * snapshot (a listing change committed before it is visible), end releases
 * it. No allocation between begin and end. Not thread-safe: one per thread. */
struct store_reader *store_reader_new(struct store *st);
void store_reader_free(struct store_reader *r);
int store_reader_begin(struct store_reader *r);
void store_reader_end(struct store_reader *r);

/* Exact subject. 0 = found, 1 = not found, -1 = error. */
int store_lookup(struct store_reader *r, const struct subject *s,
	    struct listing *out);
/* What a lookup wants: a listing (block lists) or an allow-listing. */
enum lookup_want { LOOKUP_LISTED, LOOKUP_ALLOWED };
/* Longest-prefix match over stored IPv4/IPv6 subjects for one address
 * (4 or 16 bytes, IPv4-mapped IPv6 is treated as IPv4); out->prefix_len
 * says which prefix matched. Only subjects whose listing (or allow-listing)
 * is active at `now` count. 0 = found, 1 = not found, -1 = error. */
int store_lookup_addr(struct store_reader *r, const uint8_t *addr,
	    size_t addrlen, uint64_t now, enum lookup_want want,
	    struct listing *out);
/* The domain itself, then (if parents) each parent domain; the first
 * active one wins. name need not be normalised (case, trailing dot). */
int store_lookup_domain(struct store_reader *r, const char *name,
	    bool parents, uint64_t now, enum lookup_want want,
	    struct listing *out);
/* Whether some subject strictly below s (a longer prefix inside an IP
 * prefix, or a subdomain of a domain) is active at now: 0 = yes, 1 = no,
 * 2 = no subject at all is stored below s (exact, whatever the scan
 * limit), -1 = error. For DNS empty non-terminals and pruning. Looks at
 * no more than 256 stored subjects under s, so an answer stays cheap
 * (1 may then miss an active one further on; 2 never errs). */
int store_lookup_below(struct store_reader *r, const struct subject *s,
	    uint64_t now, enum lookup_want want);
/* A serial that changes whenever a commit changed any listing (for SOA). */
uint32_t store_serial(struct store_reader *r);
/* The id of the reader's snapshot (LMDB's transaction id). */
uint64_t store_reader_txn(struct store_reader *r);
/* For a cache in front of this reader: calls fn with each score key that
 * commits up to this snapshot changed since the previous call on this
 * reader, and returns 0; or returns 1, calling fn for none, when it
 * cannot tell (the first call, a commit by another process, a reader too
 * far behind, a rescore) and everything must be taken as changed. */
typedef void (*changes_fn)(void *arg, const uint8_t *key, size_t len);
int store_reader_changes(struct store_reader *r, changes_fn fn, void *arg);

/* ---- changes.c: the journal behind store_reader_changes ---- */
struct changes;
struct changes_cursor {
	bool started;			/* false: the next read flushes */
	uint64_t seq;			/* next record to read */
	uint64_t txn;			/* transactions read up to this one */
};
struct changes *changes_new(void);
void changes_free(struct changes *c);
/* Writer: key changed in transaction txn; everything may have (FLUSH);
 * txn is complete (call just before mdb_txn_commit). */
void changes_key(struct changes *c, uint64_t txn, const uint8_t *key,
	    size_t len);
void changes_flush(struct changes *c, uint64_t txn);
void changes_end(struct changes *c, uint64_t txn);
/* Reader at snapshot upto: see store_reader_changes. */
int changes_read(struct changes *c, struct changes_cursor *cur,
	    uint64_t upto, changes_fn fn, void *arg);

/* Explanation: calls fn once per origin with evidence on s. fn returns 0
 * to go on, non-zero to stop (out of memory, say): store_explain then
 * returns -1, so a caller never takes a partial list for the whole. */
typedef int (*store_explain_fn)(void *arg, const uint8_t origin[32],
	    const struct evidence *ev, double trust);
int store_explain(struct store_reader *r, const struct subject *s,
	    store_explain_fn fn, void *arg);

/* Iterates every subject with a score record (for export). fn returns
 * non-zero to stop. */
typedef int (*store_each_fn)(void *arg, const struct subject *s,
	    const struct listing *l);
int store_each_listing(struct store_reader *r, store_each_fn fn, void *arg);

/* Version vector: fn once per origin with its highest contiguous seq.
 * fn returns 0 to go on, non-zero to stop: store_version_vector then
 * returns -1 (a partial vector would make a wrong Hello or digest). */
typedef int (*store_vv_fn)(void *arg, const uint8_t origin[32], uint64_t seq);
int store_version_vector(struct store_reader *r, store_vv_fn fn, void *arg);
/* Equivocation proofs: fn once per (origin, seq) with the second,
 * conflicting SignedBatch (the first is the stored batch); borrowed until
 * store_reader_end. fn returns non-zero to stop. */
typedef int (*store_equiv_fn)(void *arg, const uint8_t origin[32],
	    uint64_t seq, const uint8_t *sb, size_t len);
int store_each_equivocation(struct store_reader *r, store_equiv_fn fn,
	    void *arg);
/* A stored SignedBatch; *data borrows from the snapshot (valid until
 * store_reader_end). 0 found, 1 not found. */
int store_get_batch(struct store_reader *r, const uint8_t origin[32],
	    uint64_t seq, const uint8_t **data, size_t *len);
/* Whether report index of batch seq of origin stands in the reader's
 * snapshot: 1 yes, 0 no (no such batch or report, or retracted), -1 on a
 * store error. */
int store_report_live(struct store_reader *r, const uint8_t origin[32],
	    uint64_t seq, uint32_t index);

struct store_stats {
	uint64_t batches, reports_indexed, evidence, subjects, listed;
	uint64_t origins, pending, equivocations;
	uint64_t bytes_on_disk;
	uint64_t quota_dropped;	/* reports dropped over origins' quotas */
	uint64_t live_dropped;	/* ... and at their live ceilings */
	uint64_t blocked_policy;	/* origins blocked, by reason (an */
	uint64_t blocked_equivocation;	/* origin may count under more */
	uint64_t blocked_flood;		/* than one) */
	uint64_t no_space;	/* commits refused for a full disk (counter) */
	bool full;		/* the last commit failed so; none since */
	uint64_t map_size;	/* the LMDB map: the store cannot grow past it */
	uint64_t map_used;	/* bytes of the map in use (last page + 1) */
};
/* Everything, listed included: a walk over every score record. */
int store_stats(struct store_reader *r, uint64_t now, struct store_stats *out);
/* All but `listed` (left 0), from LMDB's counters and the origins: cheap
 * enough for every /metrics scrape. */
int store_sizes(struct store_reader *r, struct store_stats *out);
/* Subjects listed at now: walks every score record (O(subjects)). */
uint64_t store_count_listed(struct store_reader *r, uint64_t now);

#endif
