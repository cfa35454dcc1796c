/*
 * scen.h: a reputesim scenario, parsed from a file in the reputed.conf
 * syntax family: clauses (`sim:`, `orgs:`, `topology:`, `link:`,
 * `policy:`, `spam:`, `honest:`, `forged:`, `partition:`, `crash:`,
 * `churn:`, `late-join:`, `check:`) each followed by `keyword: value`
 * lines; `#` starts a comment; values may be "quoted". `${NAME}` is
 * replaced by a definition (`define: NAME VALUE` in `sim:`, or the
 * command line's -D NAME=VALUE). Errors name file:line and what was
 * expected. Times are durations: 250ms, 10s, 2m, 1h, 500us.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_SCEN_H
#define REPUTED_SIM_SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reputation/reputation.h"
#include "sim/link.h"

#define SCEN_MAX_GROUPS 16
#define SCEN_MAX_WORK 16
#define SCEN_MAX_FAULTS 32
#define SCEN_MAX_CHECKS 16
#define SCEN_MAX_DEFINES 16
#define SCEN_NAME_MAX 48

enum org_role {
	ROLE_HONEST,	  /* reports what it sees */
	ROLE_COLLUDER,	  /* reports innocent subjects as spam */
	ROLE_FLOODER,	  /* reports fresh subjects at a high rate */
	ROLE_EQUIVOCATOR, /* signs two batches with one seq, one per half
			   * of its peers */
	ROLE_MUTE,	  /* stops reading from its peers */
};

/* `orgs:` a group of organisations of one kind. */
struct scen_orgs {
	char name[SCEN_NAME_MAX];
	unsigned count, nodes;
	double trust;	  /* < 0: the policy's default trust */
	enum org_role role;
	unsigned innocents; /* colluder: innocent subjects it reports */
	char target[SCEN_NAME_MAX]; /* colluder: "" its own innocents, or
				     * the subjects of this honest: workload
				     * (defended by not-spam reports) */
	bool all_nodes;	  /* colluder: every node reports (not one) */
	double rate;	  /* flooder: reports per second per node */
	uint64_t start, stop; /* us: when the role acts */
};

enum topo_kind { TOPO_RANDOM, TOPO_LINE, TOPO_RING, TOPO_TIERED, TOPO_FULL };
enum intra_kind { INTRA_NONE, INTRA_LINE, INTRA_RING, INTRA_FULL };

enum work_kind { WORK_SPAM, WORK_HONEST, WORK_FORGED };
enum subj_shape { SHAPE_IP, SHAPE_PREFIX, SHAPE_DOMAIN };

/* `spam:`, `honest:` (not-spam about honest senders), `forged:` (spam
 * whose MAIL FROM forges an innocent domain: SPF fail). */
struct scen_work {
	char name[SCEN_NAME_MAX];
	enum work_kind kind;
	enum subj_shape shape;
	unsigned count;	  /* subjects */
	unsigned seen_by; /* organisations reporting each */
	unsigned per_org; /* reports per organisation per subject */
	uint64_t start, spread; /* us: reports uniform in [start,
				 * start + spread] */
	unsigned confidence;
	unsigned bursts;  /* 0: each report at its own time; N: each
			   * organisation submits its reports in N bulk
			   * submissions (one node each) */
	unsigned track;	  /* subjects whose DNS listing is measured */
	int node;	  /* >= 0: every report from this node of its
			   * organisation (else a random one) */
};

enum fault_kind { FAULT_PARTITION, FAULT_CRASH, FAULT_CHURN, FAULT_LATE };

struct scen_fault {
	enum fault_kind kind;
	uint64_t from, to; /* us; to 0 = never (crash), or end (churn) */
	double split;	   /* partition: share of organisations on side A */
	unsigned nodes;	   /* crash, late-join: how many */
	double rate;	   /* churn: crashes per minute */
	uint64_t down;	   /* churn: how long a crashed node stays down */
	int line;
};

enum check_kind {
	CHECK_LISTED,	    /* every tracked subject of a workload listed
			     * at >= pct of honest up nodes at the end */
	CHECK_NEVER_LISTED, /* no honest node ever listed one of them */
	CHECK_CONVERGED,    /* equal digests at the end */
	CHECK_FALSE_MAX,    /* innocent subjects listed anywhere <= n */
};

struct scen_check {
	enum check_kind kind;
	char work[SCEN_NAME_MAX];
	double value;
	int line;
	char text[96];	  /* as written, for the report */
};

struct scenario {
	char file[256];
	char name[SCEN_NAME_MAX];
	uint64_t seed;
	uint64_t duration, sample, tick, reconnect; /* us */
	size_t store_map;	/* bytes per node */
	bool memo;		/* share verified signatures */
	int measure_node;	/* >= 0: listing latency at this node only */
	bool pki;		/* member certificates from one CA per
				 * organisation (origins bound to it) */
	uint32_t batch_window_ms, batch_size; /* 0: the batcher's defaults */
	int batch_idle;		/* -1 default, 0 no, 1 yes */
	double cost_verify, cost_apply; /* us of a node's CPU per new batch
					 * and per report it applies */
	struct scen_orgs groups[SCEN_MAX_GROUPS];
	int n_groups;
	enum topo_kind topo;
	unsigned degree, tier1;
	enum intra_kind intra;
	struct link_model inter, intra_link;
	struct policy policy;
	struct scen_work work[SCEN_MAX_WORK];
	int n_work;
	struct scen_fault faults[SCEN_MAX_FAULTS];
	int n_faults;
	struct scen_check checks[SCEN_MAX_CHECKS];
	int n_checks;
	char def_name[SCEN_MAX_DEFINES][32];
	char def_value[SCEN_MAX_DEFINES][64];
	int n_defs;
};

/* Defaults: seed 1, 60 s, no organisations. */
void scen_default(struct scenario *s);
/* Adds NAME=VALUE (the command line's -D; it wins over define:). 0, 1
 * if NAME is defined already (that value stays), -1 and why in err. */
int scen_define(struct scenario *s, const char *def, char *err,
    size_t errlen);
/* Parses len bytes of text (file names errors). 0, or -1 and
 * "file:line: what" in err. */
int scen_parse(struct scenario *s, const char *file, const char *text,
    size_t len, char *err, size_t errlen);
int scen_load(struct scenario *s, const char *path, char *err, size_t errlen);
/* Total organisations and nodes. */
unsigned scen_orgs(const struct scenario *s);
unsigned scen_nodes(const struct scenario *s);
const char *scen_role_name(enum org_role r);

#endif
