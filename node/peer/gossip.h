/*
 * gossip.h: the dissemination core of the peer network, sans-I/O.
 *
 * Bytes and time in, actions out: the core never touches a socket or a
 * clock and has no globals. The shell (peer.c), the unit tests and the
 * simulator feed it what a link received (gossip_session_input), take what
 * it wants sent (gossip_session_output / gossip_session_sent), tick it with
 * the time, and read its events (gossip_event_next): a session is up, must
 * be closed (with a reason to log), is throttled, an origin equivocated.
 *
 * One struct gossip per node, one struct gossip_session per peer link.
 * A session is an explicit state machine:
 *
 *   HELLO  --Hello ok-->  UP  --Goodbye / error / timeout / slow-->  CLOSED
 *
 * Both sides send Hello (protocol version, node key, version vector) first.
 * When UP, each side pushes what the other lacks by the version vectors
 * (catch-up, in seq order, only while the send queue is short, so live
 * traffic is never stuck behind it), floods new batches to every session
 * but the sender, answers Want and Ping, and passes member certificates
 * (Directory). A batch is verified once, applied and committed to the store,
 * and only then forwarded. Anything a peer can cause closes that session
 * with a reason, never more.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_GOSSIP_H
#define REPUTED_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/proto.h"
#include "reputation/reputation.h"

struct pki;
struct gossip;
struct gossip_session;

struct gossip_conf {
	const char *name;		   /* this node's name, for Hello */
	uint8_t node_key[ED25519_KEY_LEN]; /* this node's public key */
	struct store *store;		   /* borrowed, must outlive the core */
	struct verifier *verifier;	   /* borrowed */
	struct pki *pki;		   /* borrowed; NULL = any origin whose
					 * signature verifies is accepted */
	const uint8_t *const *certs; /* this node's cert chain, DER (copied) */
	const size_t *cert_lens;
	size_t n_certs;
	uint32_t frame_max;	   /* hard limit on one frame */
	uint64_t hello_timeout_ms; /* no Hello by then: close */
	uint64_t ping_interval_ms; /* Ping when idle this long */
	uint64_t dead_after_ms;	   /* nothing received this long: close */
	size_t queue_low;	   /* catch-up fills the queue up to this */
	size_t queue_high;	   /* above: throttled (no catch-up) */
	size_t queue_max;	   /* above: the peer is dropped */
	size_t catchup_burst;	   /* catch-up batches per pump */
	uint64_t pending_window;   /* a batch more than this many seqs
				    * past its origin's highest applied one
				    * is not taken (0: no limit) */
	uint64_t future_max_ms;	   /* a batch made further ahead of this
				    * node's clock waits (0: no limit) */
	size_t held_max;	   /* batches held for a missing cert */
	uint64_t held_ttl_ms;	   /* ... and how long */
	size_t members_max;	   /* member certificates kept */
};
void gossip_conf_default(struct gossip_conf *c);

/* Counters for /metrics (monotonic, except where noted). */
struct gossip_stats {
	uint64_t batches_in;  /* verified, applied and new */
	uint64_t batches_out; /* batch frames queued to peers */
	uint64_t duplicates;  /* dropped without verifying */
	uint64_t bad_signature;
	uint64_t malformed; /* frames and batches */
	uint64_t blocked;   /* from a blocked origin */
	uint64_t revoked;   /* from a revoked origin */
	uint64_t invalid;   /* store said a report is invalid */
	uint64_t equivocations;
	uint64_t flood_blocks; /* origins that crossed the flood line here */
	uint64_t tip_mismatches; /* Hello tips that differed from ours */
	uint64_t held;	       /* held for a missing cert */
	uint64_t held_dropped; /* ... and dropped (bound or timeout) */
	uint64_t too_far;      /* past the pending window: not taken */
	uint64_t too_early;    /* made ahead of our clock: not taken yet */
	uint64_t catchup_out;  /* batches sent by catch-up */
	uint64_t store_errors;
	uint64_t sessions_up; /* gauge */
	uint64_t sessions_closed;
	uint64_t dropped_slow; /* peers dropped by the queue limit */
	uint64_t bytes_in, bytes_out;
	uint64_t queued_bytes; /* gauge: sum of send queues */
	uint64_t members;      /* gauge: member certificates held */
	uint64_t crl_updates;  /* CRLs learned from peers or reloaded */
};

/* What the shell must act on. Sessions named in events stay valid until
 * the shell frees them. */
enum gossip_event_kind {
	GOSSIP_EV_UP,		/* Hello exchanged */
	GOSSIP_EV_CLOSED,	/* flush the output, then close the link */
	GOSSIP_EV_THROTTLED,	/* send queue passed the high-water mark */
	GOSSIP_EV_EQUIVOCATION, /* an origin signed two batches with one seq */
	GOSSIP_EV_FLOOD,	/* an origin crossed the flood line (policy
				 * quota-block-factor): blocked */
	GOSSIP_EV_WARNING,	/* something to log (held batches dropped,
				 * store errors, ...) */
};

struct gossip_event {
	enum gossip_event_kind kind;
	struct gossip_session *session; /* NULL for node-wide events */
	int reason;			/* Reputed__GoodbyeReason for CLOSED */
	bool by_peer;			/* CLOSED: the peer said Goodbye */
	char text[192];
};

enum gossip_state { GOSSIP_HELLO, GOSSIP_UP, GOSSIP_CLOSED };

struct gossip_session_info {
	enum gossip_state state;
	bool outbound;
	bool throttled;
	char name[64];		      /* from the peer's Hello */
	uint8_t key[ED25519_KEY_LEN]; /* the peer's node key */
	bool has_key;
	uint64_t since; /* ms: created */
	uint64_t batches_in, batches_out, bytes_in, bytes_out;
	uint64_t errors;       /* frames that closed it */
	size_t queued;	       /* bytes waiting to be sent */
	size_t catchup_ranges; /* catch-up still to send */
};

/* gossip.c: the node */
struct gossip *
gossip_new(const struct gossip_conf *c, char *err, size_t errlen);
/* Frees the core; sessions still open are freed too. */
void gossip_free(struct gossip *g);
/* Timers: Hello timeouts, pings, dead peers, catch-up, held batches. */
void gossip_tick(struct gossip *g, uint64_t now);
/* A local batch that is already committed to the store: flood it. */
void gossip_local_batch(struct gossip *g, const uint8_t *sb, size_t len,
    uint64_t now);
/* A certificate the link authenticated (the TLS peer's leaf and chain,
 * DER): into the member directory as if a Directory frame brought it. */
void gossip_directory_add(struct gossip *g, const uint8_t *der, size_t len,
    uint64_t now);
/* The shell changed the trust store's CRLs (a CRL file reloaded): every
 * CRL held goes to every session up at once (a peer keeps the newer),
 * members' verdicts are recomputed and held batches of revoked origins
 * dropped. The shell then rechecks its links' certificates. */
void gossip_crls_changed(struct gossip *g, uint64_t now);
/* Next event, false when none. */
bool gossip_event_next(struct gossip *g, struct gossip_event *ev);
const struct gossip_stats *gossip_stats(const struct gossip *g);
/* Calls fn for every session. */
typedef void (*gossip_each_fn)(void *arg, struct gossip_session *s);
void gossip_each_session(struct gossip *g, gossip_each_fn fn, void *arg);

/* gossip.c: one session (link) */
/* peer_key (may be NULL) is the key the link authenticated (the TLS
 * certificate's): the peer's Hello must name the same. Queues our Hello. */
struct gossip_session *gossip_session_new(struct gossip *g,
    const uint8_t *peer_key, bool outbound, uint64_t now);
void gossip_session_free(struct gossip_session *s);
/* Bytes the link received. Returns -1 once the session is closed. */
int gossip_session_input(struct gossip_session *s, const uint8_t *buf,
    size_t len, uint64_t now);
/* Bytes to send: *buf borrows the queue (valid until the next call into
 * the core). Then gossip_session_sent with how many the link took. */
size_t gossip_session_output(struct gossip_session *s, const uint8_t **buf);
void gossip_session_sent(struct gossip_session *s, size_t n, uint64_t now);
/* Local close (shutdown, policy): queues a Goodbye, emits CLOSED. */
void
gossip_session_close(struct gossip_session *s, int reason, const char *text);
/* The link broke (EOF, TLS error): closes without a Goodbye. */
void gossip_session_lost(struct gossip_session *s, const char *text);
void gossip_session_info(const struct gossip_session *s,
    struct gossip_session_info *out);
enum gossip_state gossip_session_state(const struct gossip_session *s);
void gossip_session_set_udata(struct gossip_session *s, void *udata);
void *gossip_session_udata(const struct gossip_session *s);

/* The digest of the applied history: each origin's highest contiguous
 * seq and the hash of the batch at it, in origin order, every origin that
 * is not blocked. Two nodes with equal digests have applied the same
 * batches that count, however much each has pruned since; n_batches is
 * the number applied. An origin blocked for equivocation is left out: its
 * contributions are purged everywhere, and which of its two batches a
 * node kept depends only on which arrived first. */
int gossip_digest(struct store *st, uint8_t out[32], uint64_t *n_batches,
    char *err, size_t errlen);

#endif
