/*
 * feeds.h: the outside world <-> reports. Library code: no event loop of
 * its own, no logging, no exit, no globals. Actions return 0 / -1 (or a
 * named enum) with a message in a caller buffer.
 *
 * Sections, one per feed:
 *   Sender-ID   SPF (RFC 7208), Sender ID (RFC 4406) with the PRA
 *               (RFC 4407), the resolver interface they ask, and the
 *               openspf YAML suite runner.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_FEEDS_H
#define REPUTED_FEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "proto/dnswire.h"
#include "proto/reputed.pb-c.h"

struct event_base;

/* Sender-ID */

#define SPF_DOMAIN_MAX		253	/* RFC 1035 text form, no final dot */
#define SPF_EXPLAIN_MAX		1024	/* explanation text we keep */
#define SPF_RECORD_SHOW		512	/* record text kept in an outcome */
#define SPF_DNS_TERM_LIMIT	10	/* RFC 7208 4.6.4 */
#define SPF_VOID_LIMIT		2
#define SPF_NAME_LIMIT		10	/* MX or PTR names looked at */

/* ---- resolver.c: the interface the evaluator asks ---- */

/* enum dns_type (DNS_T_A, DNS_T_MX, ...) is proto/dnswire.h's. The
 * evaluator asks for A, AAAA, MX, PTR and TXT; CNAME lives only inside the
 * in-memory resolver, SPF (type 99) only in the suites' zones. */

enum dns_status {
	DNS_ANSWER,		/* RCODE 0; count may be 0 (no data) */
	DNS_NXDOMAIN,		/* RCODE 3 */
	DNS_TEMPFAIL,		/* SERVFAIL, timeout, any other error */
};

/* One record of an answer. TXT: the character-strings joined with no
 * separator (RFC 7208 3.3); A / AAAA: 4 / 16 address bytes; MX and PTR:
 * the name in text form without the final dot, NUL-terminated. */
struct dns_rr {
	const uint8_t	*data;		/* borrowed, see dns_answer */
	size_t		 len;		/* bytes in data */
	uint16_t	 pref;		/* MX preference */
};

/* An answer is borrowed: valid only until the callback returns. */
struct dns_answer {
	enum dns_status	 status;
	size_t		 count;		/* records of the type asked */
	const struct dns_rr *rr;
};

struct resolver;		/* opaque: one implementation behind ops */

/* Called once per query; may be called before resolver_query returns. */
typedef void (*resolver_done_cb)(void *arg, const struct dns_answer *ans);

struct resolver_ops {
	int	(*query)(void *impl, const char *name, enum dns_type type,
		    resolver_done_cb cb, void *arg);
	void	(*free)(void *impl);
};

/* Wraps an implementation; the resolver takes ownership of impl. */
struct resolver *resolver_new(const struct resolver_ops *ops, void *impl);
/* Asks for name/type; 0 when cb will be called, -1 when it never will. */
int	 resolver_query(struct resolver *res, const char *name,
	    enum dns_type type, resolver_done_cb cb, void *arg);
void	 resolver_free(struct resolver *res);
/* For implementations: their state behind the handle (borrowed). */
void	*resolver_impl(const struct resolver *res);

/* ---- resolver_mem.c: answers from zone data held in memory ---- */

/* An empty zone. Answers are given synchronously, inside resolver_query. */
struct resolver *resolver_mem_new(void);
/* Adds a record to name (copied). TXT data is the joined strings. Records
 * of one name keep their order, as do TIMEOUT markers between them. */
int	 resolver_mem_add(struct resolver *res, const char *name,
	    enum dns_type type, const void *data, size_t len, uint16_t pref);
/* Marks name: a query for a type with no record added before the marker
 * times out (openspf suite semantics). */
int	 resolver_mem_add_timeout(struct resolver *res, const char *name);
/* Just makes name exist (no records): queries get no data, not NXDOMAIN. */
int	 resolver_mem_touch(struct resolver *res, const char *name);
/* Number of queries answered so far. */
unsigned long resolver_mem_queries(const struct resolver *res);

/* ---- resolver_unbound.c: libunbound on a libevent loop ---- */

/* server: NULL for /etc/resolv.conf, or "host:port", "host@port",
 * "[v6]:port" of a server that answers for the zones asked (queries are
 * forwarded to it; an authoritative server for the zones will do; loopback
 * is allowed). With a server named, every question goes to it: none of
 * libunbound's default local zones (RFC 6303 reverse zones, the
 * documentation prefixes, RFC 6761 names) is answered locally. timeout_ms:
 * a query not answered in time is reported as DNS_TEMPFAIL. */
struct resolver *resolver_unbound_new(struct event_base *base,
	    const char *server, unsigned timeout_ms, char *err, size_t errlen);
/* Queries sent but not answered yet. */
unsigned resolver_unbound_inflight(const struct resolver *res);
/* The same, answering inside resolver_query (ub_resolve blocks), usable
 * from several threads at once over one cache (reputed-milter). Queries
 * for stub_zone (optional) go to stub_server, an authoritative server such
 * as reputed's own DNS. timeout_ms bounds unbound's retransmit timeout
 * (infra-cache-max-rtt): a dead server costs a few of them, not minutes. */
struct resolver *resolver_unbound_sync_new(const char *server,
	    const char *stub_zone, const char *stub_server, unsigned timeout_ms,
	    char *err, size_t errlen);

/* ---- resolver_wire.c: reading a DNS answer packet ---- */

/* Parses a wire-format response into records of `type` (the rest of the
 * answer section, CNAMEs included, is skipped). Record data lands in buf;
 * rr[] points into it. Returns 0 and fills ans, or -1 if malformed. */
int	 resolver_wire_parse(const uint8_t *pkt, size_t len,
	    enum dns_type type, struct dns_rr *rr, size_t rrmax,
	    uint8_t *buf, size_t buflen, struct dns_answer *ans);

/* ---- spf.c: results and the check_host() state machine ---- */

enum spf_result {
	SPF_NONE,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};
#define SPF_RESULTS	(SPF_PERMERROR + 1)	/* how many results there are */

enum spf_scope {
	SPF_SCOPE_MFROM,	/* RFC 7208: v=spf1 only */
	SPF_SCOPE_HELO,		/* RFC 7208 HELO identity: v=spf1 only */
	SPF_SCOPE_PRA,		/* RFC 4406: spf2.0/pra, else v=spf1 */
};

/* What check_host() is asked. Strings are borrowed for spf_eval_new only
 * (the evaluator copies them), except default_exp. */
struct spf_request {
	const char	*ip;		/* client address, IPv4 or IPv6 text */
	const char	*sender;	/* MAIL FROM or PRA; "" or NULL: HELO */
	const char	*helo;		/* HELO/EHLO name */
	const char	*receiver;	/* %{r}; NULL: "unknown" */
	const char	*default_exp;	/* explanation without exp=; NULL:
					 * a built-in text. Borrowed for the
					 * whole evaluation (a constant) */
	enum spf_scope	 scope;
	time_t		 now;		/* %{t}; 0: time(NULL) */
	unsigned	 max_ms;	/* spf_run: elapsed-time limit, checked
					 * before each query; 0: SPF_MAX_MS */
};

#define SPF_MAX_MS	20000	/* RFC 7208 4.6.4: "at least 20 seconds" */

/* What check_host() answered. */
struct spf_outcome {
	enum spf_result	 result;
	char	 domain[SPF_DOMAIN_MAX + 1];	/* whose record decided */
	char	 record[SPF_RECORD_SHOW];	/* that record (truncated) */
	char	 mechanism[128];		/* the term that matched */
	char	 explanation[SPF_EXPLAIN_MAX];	/* on fail only */
	char	 problem[256];		/* why none/permerror/temperror */
	unsigned dns_terms;		/* DNS-querying terms evaluated */
	unsigned void_lookups;
	unsigned queries;		/* DNS queries asked */
};

/* One DNS question the evaluator wants answered before it can go on. */
struct spf_query {
	const char	*name;		/* valid until the next step */
	enum dns_type	 type;
};

enum spf_step {
	SPF_STEP_QUERY,		/* answer *q with spf_eval_answer, step again */
	SPF_STEP_DONE,		/* spf_eval_outcome has the result */
};

struct spf_eval;

/* Room for an evaluator in caller storage (spf_eval_init). */
#define SPF_EVAL_SIZE	(20 * 1024)

/* A new evaluation (sans-I/O). NULL with err if ip is not an address. */
struct spf_eval *spf_eval_new(const struct spf_request *req, char *err,
	    size_t errlen);
/* The same in caller storage mem (len >= SPF_EVAL_SIZE, aligned as
 * max_align_t), for an evaluation that ends before mem goes away;
 * spf_eval_free still frees what the evaluation allocated. */
struct spf_eval *spf_eval_init(void *mem, size_t len,
	    const struct spf_request *req, char *err, size_t errlen);
/* Runs until the evaluator needs DNS data or is done. */
enum spf_step spf_eval_step(struct spf_eval *ev, struct spf_query *q);
/* Gives the answer to the last query; it is copied. */
void	 spf_eval_answer(struct spf_eval *ev, const struct dns_answer *ans);
/* Valid until spf_eval_free. */
const struct spf_outcome *spf_eval_outcome(const struct spf_eval *ev);
/* Ends the evaluation now with temperror (a time limit hit); a fail whose
 * explanation is being fetched stays a fail with the default text. */
void	 spf_eval_abort(struct spf_eval *ev, const char *why);
void	 spf_eval_free(struct spf_eval *ev);

const char *spf_result_name(enum spf_result r);
/* "pass" -> SPF_PASS (also "unknown" -> permerror, "error" -> temperror,
 * the RFC 4408 names). -1 if unknown. */
int	 spf_result_parse(const char *word, enum spf_result *r);
/* The wire enum that reports carry. */
Reputed__AuthResult spf_result_auth(enum spf_result r);

/* ---- spf_run.c: an evaluation driven over a resolver ---- */

typedef void (*spf_done_cb)(void *arg, const struct spf_outcome *out);

/* Starts check_host() over res; done is called once with the outcome
 * (borrowed for the call), possibly before spf_run_start returns. The run
 * frees itself after done. -1 with err if the request is invalid (then
 * done is never called). */
int	 spf_run_start(struct resolver *res,
	    const struct spf_request *req, spf_done_cb done, void *arg,
	    char *err, size_t errlen);
/* Evaluates with a resolver that answers synchronously (resolver_mem);
 * 0 and *out filled, or -1 with err. */
int	 spf_run_sync(struct resolver *res, const struct spf_request *req,
	    struct spf_outcome *out, char *err, size_t errlen);

/* ---- spf_record.c: the record grammar (RFC 7208 section 12) ---- */

enum spf_qual { SPF_Q_PASS = '+', SPF_Q_FAIL = '-', SPF_Q_SOFTFAIL = '~',
	SPF_Q_NEUTRAL = '?' };

enum spf_term_kind {
	SPF_M_ALL, SPF_M_INCLUDE, SPF_M_A, SPF_M_MX, SPF_M_PTR, SPF_M_IP4,
	SPF_M_IP6, SPF_M_EXISTS,
	SPF_MOD_REDIRECT, SPF_MOD_EXP, SPF_MOD_UNKNOWN,
};

/* One term; text pieces point into the record's own copy. */
struct spf_term {
	enum spf_term_kind kind;
	char		 qual;		/* '+', '-', '~', '?' (mechanisms) */
	const char	*spec;		/* domain-spec / macro-string or NULL */
	size_t		 spec_len;
	const char	*text;		/* the whole term, for outcomes */
	size_t		 text_len;
	uint8_t		 addr[16];	/* ip4 / ip6 network */
	uint8_t		 cidr4;		/* 0..32, default 32 */
	uint8_t		 cidr6;		/* 0..128, default 128 */
};

struct spf_record {
	char		*text;		/* copy of the record (same block) */
	size_t		 len;
	struct spf_term	*terms;		/* same block */
	size_t		 nterms;
	int		 redirect;	/* index of redirect=, or -1 */
	int		 exp;		/* index of exp=, or -1 */
	bool		 has_all;
};

/* Which record versions a TXT string can be. */
enum spf_version { SPF_V_NOT, SPF_V_SPF1, SPF_V_SPF2_PRA, SPF_V_SPF2_OTHER };

/* Classifies a TXT string: "v=spf1" followed by a space or the end,
 * "spf2.0/<scopes>" naming pra or not (RFC 4406 section 3). */
enum spf_version spf_record_version(const uint8_t *txt, size_t len);
/* Parses a whole record (any version prefix); -1 with err on any syntax
 * error (a permerror). The record is caller-freed with spf_record_free. */
struct spf_record *spf_record_parse(const uint8_t *txt, size_t len,
	    char *err, size_t errlen);
void	 spf_record_free(struct spf_record *rec);
/* domain-spec syntax (RFC 7208 7.1) of spec[0..len). */
bool	 spf_record_domain_spec_ok(const char *spec, size_t len);

/* ---- spf_macro.c: macro expansion (RFC 7208 section 7) ---- */

/* The values macros expand to. Strings are borrowed. */
struct spf_macro_env {
	const char	*sender;	/* s */
	const char	*local;		/* l */
	const char	*sender_domain;	/* o */
	const char	*domain;	/* d */
	const char	*ip_dotted;	/* i: dotted quad or nibbles */
	const char	*ip_text;	/* c */
	const char	*validated;	/* p; NULL: not known yet */
	bool		 ip6;		/* v: "ip6" or "in-addr" */
	const char	*helo;		/* h */
	const char	*receiver;	/* r */
	time_t		 now;		/* t */
};

enum spf_macro_status {
	SPF_MACRO_OK,
	SPF_MACRO_SYNTAX,	/* a permerror in a record */
	SPF_MACRO_NEED_P,	/* %{p} wanted and env->validated is NULL */
	SPF_MACRO_TOO_LONG,	/* the output buffer would overflow */
};

/* Expands src[0..len) into out (NUL-terminated). explain: the c, r and t
 * letters are allowed (explanation text). domain: the result is used as
 * a domain name, so it is cut from the left to 253 characters (7.3). */
enum spf_macro_status spf_macro_expand(const char *src, size_t len,
	    const struct spf_macro_env *env, bool explain, bool domain,
	    char *out, size_t outlen);
/* Only checks the syntax (for parsing); explain as above. */
bool	 spf_macro_syntax_ok(const char *src, size_t len, bool explain);

/* ---- rfc5322.c: a small message header reader ---- */

#define RFC5322_MAX_FIELDS	4096	/* a header with more is refused */

struct rfc5322_field {
	char	*name;			/* as written, owned */
	char	*value;			/* unfolded, owned */
};

struct rfc5322_header {
	struct rfc5322_field *fields;	/* in message order, owned */
	size_t	 nfields;
};

/* Reads the header section of a message (up to the first empty line or
 * the end): unfolds, keeps the order. -1 with err if it is not a header
 * (a line without a colon, a field before any name, too many fields). */
int	 rfc5322_parse(const char *msg, size_t len,
	    struct rfc5322_header *hdr, char *err, size_t errlen);
void	 rfc5322_clear(struct rfc5322_header *hdr);
/* Reads an address-list / mailbox-list value (RFC 5322 3.4): comments,
 * quoted strings, display names, angle addresses, groups. Each mailbox's
 * addr-spec goes to addrs[i] (size addrlen each, quoted local parts kept
 * quoted). Returns the number of mailboxes, or -1 if the value is not a
 * valid list. Encoded words are left as they are. */
int	 rfc5322_mailboxes(const char *value, char addrs[][SPF_DOMAIN_MAX + 66],
	    int max, char *err, size_t errlen);

/* ---- pra.c: the Purported Responsible Address (RFC 4407) ---- */

enum pra_status {
	PRA_FOUND,		/* addr holds local@domain */
	PRA_NONE,		/* could not be determined (step 6) */
};

/* Which header held the PRA. */
struct pra_result {
	enum pra_status	 status;
	char		 addr[SPF_DOMAIN_MAX + 66];
	char		 field[32];	/* "Resent-Sender", ..., "From" */
	char		 why[128];	/* on PRA_NONE */
};

void	 pra_select(const struct rfc5322_header *hdr, struct pra_result *res);

/* ---- spf_suite.c: openspf YAML test suites ---- */

struct spf_suite;

/* What one test expected and what came. */
struct spf_suite_case {
	const char	*scenario;	/* description of its scenario */
	const char	*name;
	const char	*host, *mailfrom, *helo;
	const char	*headers;	/* PRA suites: the header block */
	enum spf_scope	 scope;
	unsigned	 results;	/* bit (1 << spf_result) acceptable */
	const char	*explanation;	/* NULL: not checked */
	struct resolver	*zone;		/* the scenario's zone (borrowed) */
};

/* Loads a suite (YAML, plain or gzip-compressed, read with zlib). NULL
 * with err if it cannot be read or is not a suite. */
struct spf_suite *spf_suite_load(const char *path, char *err, size_t errlen);
size_t	 spf_suite_count(const struct spf_suite *s);
const struct spf_suite_case *spf_suite_case(const struct spf_suite *s,
	    size_t i);
/* Runs one case through its zone. Returns true if it passed; out tells
 * what came, msg what was expected when it did not pass. */
bool	 spf_suite_run(const struct spf_suite_case *c,
	    struct spf_outcome *out, char *msg, size_t msglen);
void	 spf_suite_free(struct spf_suite *s);

/* ---- senderid.c: Sender ID (RFC 4406) over a header block ---- */

/* Selects the PRA of the header block msg and evaluates it for ip with
 * the pra scope. The PRA goes to pra (may be NULL). A message without a
 * PRA is a permerror (see senderid.c). Synchronous resolver only. */
int	 senderid_check_sync(struct resolver *res, const char *ip,
	    const char *helo, const char *msg, size_t len,
	    struct pra_result *pra, struct spf_outcome *out, char *err,
	    size_t errlen);
/* The request for an already selected PRA. */
void	 senderid_request(struct spf_request *req, const char *ip,
	    const char *helo, const struct pra_result *pra);

#endif /* REPUTED_FEEDS_H */
