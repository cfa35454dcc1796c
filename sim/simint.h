/*
 * simint.h: the inside of reputesim's world, shared by sim.c (events and
 * measurements), sim_setup.c (building the world) and sim_out.c (JSON,
 * table, checks).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_SIMINT_H
#define REPUTED_SIM_SIMINT_H

#include "node/batcher.h"
#include "node/dns/dns.h"
#include "sim/evq.h"
#include "sim/link.h"
#include "sim/rng.h"
#include "sim/scen.h"
#include "sim/sim.h"
#include "sim/vnet.h"

#define HIST_BUCKETS 1600 /* 10 us steps to 1 ms, then 1 % steps */
#define TOUCH_MAX 64
#define STAMP_SLOTS 64
#define PENDING_MAX 512

struct hist {
	uint64_t b[HIST_BUCKETS];
	uint64_t n, max;
	double sum;
};
void hist_add(struct hist *h, uint64_t us);
double hist_quantile(const struct hist *h, double p);

enum ev_kind {
	EV_REPORT,
	EV_FLUSH,
	EV_DELIVER,
	EV_BREAK,
	EV_CONNECT,
	EV_TICK,
	EV_SAMPLE,
	EV_PROBE,
	EV_FLOOD,
	EV_EQUIV,
	EV_UNMUTE,
	EV_PART_START,
	EV_PART_END,
	EV_CRASH,
	EV_RESTART,
	EV_END,
};

/* Bytes in flight on one direction of a link. */
struct chunk {
	uint32_t link;
	uint8_t side; /* 0: a -> b */
	uint32_t gen; /* the connection it belongs to */
	size_t len;
	uint8_t data[];
};

struct okey {
	uint8_t key[ED25519_KEY_LEN];
	uint32_t origin;
};

/* One batch of one origin: the measured reports it carries. */
struct bmeta {
	uint64_t made;
	uint32_t first; /* report index + 1, chained by sreport.next */
	uint32_t n_reports;
	bool taken;
};

struct origin {
	uint8_t key[ED25519_KEY_LEN];
	int node;
	struct bmeta *meta; /* by seq - 1 */
	size_t n_meta, cap_meta;
};

enum subj_role { SUBJ_SPAM, SUBJ_HONEST, SUBJ_FORGED, SUBJ_INNOCENT };

struct ssubj {
	char text[80];
	enum subj_role role;
	int work;    /* workload index, or -1 */
	int tracked; /* index in tracked[], or -1 */
	char client_ip[16];   /* forged: the spam source's address */
};

struct sreport {
	struct sim *w;
	uint64_t at; /* us: submitted */
	uint64_t seq;
	uint32_t subj;
	uint32_t next; /* in its batch: report index + 1 */
	int node, origin;
	uint8_t category;
	bool measured;
	bool made, lost; /* submitted; lost at a node that was down */
};

/* A subject whose listing is measured at every node by DNS. */
struct tsubj {
	int subj;
	uint8_t query[300];
	size_t qlen;
	uint32_t n_listed; /* honest nodes listing it now */
	uint64_t first_any, t99, tall; /* us + 1 */
	uint64_t listed_us; /* honest node-time listed (closed spans) */
	uint64_t decisive;  /* us + 1: the last report made before the first
			     * listing anywhere; 0 = never listed */
	uint32_t lost;	    /* its reports lost at nodes that were down */
	bool ever_honest;
};

struct tstate {
	uint64_t since, first; /* us + 1 */
};

struct snode {
	struct vnode vn; /* first: events give the vnode */
	struct sim *w;
	char name[32];
	struct batcher *b;
	struct store_reader *rd;
	int group, org, origin;
	bool face; /* an equivocator's second face */
	bool up, honest, mute, late;
	bool busy; /* told the batcher: its links have bytes queued */
	uint64_t mute_from, mute_to;
	uint64_t flush_at;   /* us + 1 of the pending flush event */
	uint64_t busy_until; /* us: its CPU */
	uint32_t *links;
	size_t n_links, cap_links;
	uint64_t *hi;		/* highest seq applied, per origin */
	uint32_t *touch_stamp;	/* per origin */
	int touched[TOUCH_MAX];
	size_t n_touched;
	bool touch_overflow;
	uint32_t touch_gen;
	uint64_t caught_txn;	/* the store's commit at catch_touched */
	uint64_t par_batch;	/* sim/par.c: the batch it has a delivery in */
	int stamp[STAMP_SLOTS];
	int pending[PENDING_MAX];
	size_t n_pending;
	uint8_t *der; /* its member certificate (pki: yes), or NULL */
	size_t der_len;
	uint64_t equiv_known; /* us + 1 */
	uint64_t bytes_out, applied_batches, applied_reports;
};

struct slink {
	int a, b;
	struct vlink vl;
	struct link_dir dir[2];
	const struct link_model *m;
	uint32_t gen;
	bool cut, closing;
};

struct sim {
	struct scenario s;
	struct sim_opts o;
	struct rng rng, rng_link, rng_work;
	struct evq q;
	uint64_t now, trace, events;
	char root[512];
	struct snode *nodes;
	int n_nodes, n_regular;
	struct slink *links;
	int n_links, cap_links;
	struct origin *origins;
	struct okey *okeys;
	int n_origins;
	int n_orgs;
	int components; /* of the topology (1: connected) */
	int *org_group, *org_first; /* per org: group, first node */
	struct ssubj *subjects;
	int n_subjects, cap_subjects;
	struct sreport *reports;
	size_t n_reports, cap_reports;
	struct tsubj *tracked;
	int n_tracked, cap_tracked;
	struct tstate *tstate; /* tracked x nodes */
	struct verify_memo *memo[SIM_THREADS_MAX]; /* one per thread */
	struct par *par;	/* parallel deliveries (threads > 1) */
	int threads;
	uint64_t lookahead;	/* us: the least latency of any link */
	struct pki *pki; /* one trust store: every organisation's CA */
	struct dns_engine dns;
	int n_honest, n_honest_up;
	struct hist h_applied, h_listed;
	uint64_t bytes, copies_honest, applies, batches_made;
	uint64_t reports_made, reports_failed, reports_lost, flood_reports;
	uint64_t dns_queries, link_breaks, link_ups, dropped_slow;
	uint64_t flood_seq;
	uint64_t last_fault_end, converged_at; /* us + 1 */
	bool has_faults, converged_end;
	uint64_t equiv_start; /* us + 1 */
	uint64_t fault_windows[SCEN_MAX_FAULTS * 2];
	int n_windows;
	uint32_t probe_gen; /* the convergence probe running */
	bool oom;
	char fail[300];
	double wall_s, cpu_s;
	long rss_kb;
	uint64_t memo_hits, memo_misses;
	int failed_checks;
};

/* A delivery's two parts (sim.c): the node's, which touches that node
 * alone (its gossip core and store), and the world's, in event order. */
struct dwork {
	int ni;
	uint64_t copies, b0, r0;
};
bool sim_deliver_ready(const struct sim *w, const struct event *e);
int sim_deliver_node(const struct sim *w, const struct event *e);
void sim_deliver_input(struct sim *w, const struct event *e,
    struct dwork *d);
void sim_deliver_finish(struct sim *w, const struct dwork *d);
/* One event the single-threaded way: the clock, the trace, dispatch. */
void sim_event(struct sim *w, const struct event *e);
/* par.c */
struct par *par_new(struct sim *w, int threads);
void par_free(struct par *p);
/* Runs e (a ready delivery) and the deliveries after it that may run
 * beside it, the results as if one by one. */
void par_deliveries(struct par *p, const struct event *e);

uint64_t sim_now_ms(const struct sim *w);
void sim_trace(struct sim *w, uint64_t a, uint64_t b, uint64_t c);
void sim_push(struct sim *w, uint64_t at, int kind, uint32_t a, uint32_t b,
    void *p);
int sim_origin_of(const struct sim *w, const uint8_t *key);
size_t sim_build_query(const char *name, uint8_t *q, size_t cap);
void sim_observe(struct sim *w, int ni, int ti);
void sim_node_catch(struct sim *w, int ni, int o);
int sim_node_start(struct sim *w, int ni, char *err, size_t errlen);
/* sim_setup.c */
int sim_setup(struct sim *w, char *err, size_t errlen);
/* sim_out.c */
void sim_sample(struct sim *w);

#endif
