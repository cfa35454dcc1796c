/*
 * policy.h: the Postfix policy delegation service (Postfix's
 * SMTPD_POLICY_README), the sans-I/O core. A request is name=value lines
 * ended by an empty line; the answer is one `action=...` line and an empty
 * line. The core parses a request (policy_parse), and from the facts the
 * shell gathered (listings from the store, SPF results from check_host())
 * picks the action (policy_decide) and writes the Received-SPF header
 * field of RFC 7208 section 9.1 (policy_received_spf). No sockets, no
 * clock, no logging: node/mta/policy_server.c is the libevent shell,
 * node/mta/policy_lookup.c asks the store.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_POLICY_H
#define REPUTED_MTA_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feeds/feeds.h"
#include "node/mta/mta_conf.h"
#include "node/mta/policy_lookup.h"

#define POLICY_ADDR_MAX		64	/* client_address text */
#define POLICY_HELO_MAX		256
#define POLICY_SENDER_MAX	(SPF_DOMAIN_MAX + 66)
#define POLICY_INSTANCE_MAX	64
#define POLICY_ACTION_MAX	1024	/* the answer line, action= included */

/* What the service uses of one request (copied out of the input). */
struct policy_request {
	char	 client_address[POLICY_ADDR_MAX];
	char	 helo_name[POLICY_HELO_MAX];
	char	 sender[POLICY_SENDER_MAX];	/* "" for the null sender */
	char	 instance[POLICY_INSTANCE_MAX];	/* one per message */
	char	 protocol_state[16];		/* RCPT, DATA, ... */
	unsigned nattrs;			/* attributes read */
};

/* Parses one request: text[0..len) holds its lines (each ended by LF; a
 * CR before the LF is dropped), without the empty line that ends it.
 * Limits: max_line bytes per line, max_attrs attributes. Unknown
 * attributes are skipped (Postfix adds new ones over time); a known one
 * whose value does not fit is an error, as are a line without '=', an
 * empty name, a NUL byte, a second `request`, and a request that is not
 * `smtpd_access_policy`. 0, or -1 with err. text is not changed. */
int	 policy_parse(const char *text, size_t len, size_t max_line,
	    unsigned max_attrs, struct policy_request *req, char *err,
	    size_t errlen);

/* SPF of one identity. */
struct policy_spf {
	bool	 checked;		/* an evaluation ran */
	enum spf_result result;
	char	 domain[POLICY_HELO_MAX];	/* the identity's domain */
	char	 explanation[SPF_EXPLAIN_MAX];	/* on fail */
	char	 problem[256];		/* on none / temperror / permerror */
	char	 mechanism[128];
};

/* What the shell found out for one request. */
struct policy_facts {
	struct policy_listing client, helo, mfrom;
	struct policy_spf spf_helo, spf_mfrom;
	bool	 prepended;		/* this message already got its
					 * Received-SPF on this connection */
};

enum policy_verdict {
	POLICY_LISTED,		/* client listed: 554 */
	POLICY_LISTED_DOMAIN,	/* authorised domain listed: 554 */
	POLICY_SPF_ACTION,	/* an SPF result's configured reject/defer */
	POLICY_PREPEND,		/* Received-SPF, then on (DUNNO) */
	POLICY_DUNNO,		/* nothing to say */
	POLICY_VERDICTS
};
const char *policy_verdict_name(enum policy_verdict v);

/* Which SPF evaluations a request needs (the shell runs them). */
bool	 policy_wants_helo(const struct policy_request *req);
bool	 policy_wants_mfrom(const struct policy_request *req);

/* The identity whose SPF result the answer follows: a HELO fail first
 * (RFC 7208 2.3), then MAIL FROM, or HELO for the null sender (2.4).
 * NULL if none was checked. *identity: "helo" or "mailfrom". */
const struct policy_spf *policy_spf_decisive(const struct policy_facts *f,
	    const struct policy_request *req, const char **identity);

/* Picks the action; writes "action=..." (no newline) into out. */
enum policy_verdict policy_decide(const struct mta_conf *m,
	    const char *receiver, const struct policy_request *req,
	    const struct policy_facts *f, char *out, size_t outlen);

/* "Received-SPF: RESULT (COMMENT) key=value; ..." (RFC 7208 9.1) for
 * the decisive identity, one line, values quoted where needed and
 * characters outside printable ASCII replaced. Returns its length, or 0
 * when it did not fit. */
size_t	 policy_received_spf(const char *receiver,
	    const struct policy_request *req, const struct policy_spf *spf,
	    const char *identity, char *out, size_t outlen);

#endif
