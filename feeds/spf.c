/*
 * spf.c: check_host() of RFC 7208 as a sans-I/O state machine, for the
 * MAIL FROM and HELO identities and for Sender ID's pra scope (RFC 4406).
 *
 * The caller asks spf_eval_step() what to do: either look up one DNS
 * question (SPF_STEP_QUERY; then give the answer to spf_eval_answer() and
 * step again) or read the outcome (SPF_STEP_DONE). No sockets, no clock
 * beyond the request's time, no allocation on a query's path except the
 * answer copy, the parsed records and the MX / PTR name lists.
 *
 * An include is a pushed frame; a redirect replaces the frame's domain
 * and record. Each include or redirect costs one of the 10 DNS terms of
 * RFC 7208 4.6.4, so the stack never holds more than SPF_DEPTH frames.
 * The %{p} macro and the exp= explanation are small sub-machines that run
 * in front of the frame that needs them.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds/feeds.h"

#define SPF_DEPTH	(SPF_DNS_TERM_LIMIT + 2)
#define EXPAND_MAX	2048		/* macro output before truncation */
#define ANSWER_MAX_RR	1024		/* records of one answer we keep */
#define NAME_LEN	(SPF_DOMAIN_MAX + 1)
#define DEFAULT_EXP	"SPF fail - not authorized"

enum frame_state { FS_LOOKUP, FS_RECORD, FS_TERMS, FS_REDIRECT };

/* One check_host() invocation (the root, or an include). */
struct frame {
	char		 domain[NAME_LEN];	/* <domain> */
	struct spf_record *rec;			/* its record, owned */
	enum frame_state state;
	size_t		 term;			/* term being evaluated */
	int		 phase;			/* step within that term */
	bool		 redirected;		/* reached by redirect= */
	char		 target[NAME_LEN];	/* expanded target-name */
	char		(*names)[NAME_LEN];	/* MX / PTR names, owned */
	size_t		 nnames, iname;
	enum spf_result	 child;			/* result of an include */
};

/* The %{p} sub-machine: the validated names of <ip>. */
struct pmacro {
	int		 state;			/* 0 not run, 1 running, 2 done */
	int		 phase;
	char		(*names)[NAME_LEN];	/* owned */
	bool		 valid[SPF_NAME_LIMIT];
	size_t		 nnames, i;
	char		 value[NAME_LEN];	/* for the current <domain> */
};

#define ANSWER_INLINE_RR	16
#define ANSWER_INLINE_BUF	1024

/* The last answer, copied: into the inline arrays when it fits. */
struct answer {
	enum dns_status	 status;
	size_t		 count;
	struct dns_rr	*rr;			/* inline_rr or owned */
	size_t		 rrcap;
	uint8_t		*buf;			/* inline_buf or owned */
	size_t		 bufcap;
	struct dns_rr	 inline_rr[ANSWER_INLINE_RR];
	uint8_t		 inline_buf[ANSWER_INLINE_BUF];
};

struct spf_eval {
	/* the request, copied */
	char		 sender[SPF_DOMAIN_MAX + 66 + NAME_LEN + 4];
	char		 local[SPF_DOMAIN_MAX + 66];
	char		 sender_domain[NAME_LEN + 2];
	char		 helo[NAME_LEN + 2];
	char		 receiver[NAME_LEN];
	const char	*default_exp;		/* borrowed, see spf_request */
	enum spf_scope	 scope;
	time_t		 now;
	uint8_t		 ip[16];		/* IPv4 in the first 4 bytes */
	bool		 ip6;
	char		 ip_text[INET6_ADDRSTRLEN];
	char		 ip_dotted[72];		/* %{i} */
	char		 rev[80];		/* PTR name of ip */
	/* evaluation */
	struct frame	 frames[SPF_DEPTH];
	int		 depth;
	struct pmacro	 p;
	int		 exp_phase;		/* 0 none, 1 ask, 2 read, 3 text */
	char		*exp_text;		/* owned */
	struct answer	 ans;
	char		 qname[NAME_LEN];
	enum dns_type	 qtype;
	bool		 done;
	bool		 heap;			/* ev itself is malloc'ed */
	struct spf_outcome out;
};

_Static_assert(sizeof(struct spf_eval) <= SPF_EVAL_SIZE, "SPF_EVAL_SIZE");

/* What evaluating a term did. */
enum run { R_WAIT, R_AGAIN, R_MATCH, R_NOMATCH, R_ERROR };

static void	frame_finish(struct spf_eval *, enum spf_result, const char *);

static const char *result_names[] = {
	"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
};

const char *
spf_result_name(enum spf_result r)
{
	if ((unsigned)r >= sizeof(result_names) / sizeof(result_names[0]))
		return "invalid";
	return result_names[r];
}

int
spf_result_parse(const char *word, enum spf_result *r)
{
	for (size_t i = 0; i < sizeof(result_names) / sizeof(result_names[0]); i++)
		if (strcasecmp(word, result_names[i]) == 0) {
			*r = i;
			return 0;
		}
	if (strcasecmp(word, "unknown") == 0)
		*r = SPF_PERMERROR;
	else if (strcasecmp(word, "error") == 0)
		*r = SPF_TEMPERROR;
	else
		return -1;
	return 0;
}

Reputed__AuthResult
spf_result_auth(enum spf_result r)
{
	switch (r) {
	case SPF_NONE:		return REPUTED__AUTH_RESULT__AUTH_NONE;
	case SPF_NEUTRAL:	return REPUTED__AUTH_RESULT__AUTH_NEUTRAL;
	case SPF_PASS:		return REPUTED__AUTH_RESULT__AUTH_PASS;
	case SPF_FAIL:		return REPUTED__AUTH_RESULT__AUTH_FAIL;
	case SPF_SOFTFAIL:	return REPUTED__AUTH_RESULT__AUTH_SOFTFAIL;
	case SPF_TEMPERROR:	return REPUTED__AUTH_RESULT__AUTH_TEMPERROR;
	case SPF_PERMERROR:	return REPUTED__AUTH_RESULT__AUTH_PERMERROR;
	}
	return REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED;
}

/* ---- names ---- */

/*
 * RFC 7208 4.3: "If the <domain> is malformed (e.g., label longer than
 * 63 characters, zero-length label not at the end, etc.) or is not a
 * multi-label domain name, [...] check_host() immediately returns the
 * result "none"." The same test tells a target-name that no DNS query
 * can be made of: such a name is treated as not existing.
 */
static bool
name_ok(const char *name, bool multi_label)
{
	size_t len = strlen(name), label = 0, labels = 1;

	/* Any octet may appear in a DNS label (RFC 2181 11); only lengths
	 * make a name unusable. */
	if (len > 0 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > SPF_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = name[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			labels++;
		} else if (++label > 63)
			return false;
	}
	return label > 0 && (!multi_label || labels >= 2);
}

/* name equals domain or ends in "." domain, ignoring case. */
static bool
name_within(const char *name, const char *domain)
{
	size_t n = strlen(name), d = strlen(domain);

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (d > 0 && domain[d - 1] == '.')
		d--;
	if (n < d || strncasecmp(name + n - d, domain, d) != 0)
		return false;
	return n == d || name[n - d - 1] == '.';
}

/* Copies src into dst, truncating; they may overlap. */
static void
copy_str(char *dst, size_t dstlen, const char *src)
{
	size_t n = src ? strnlen(src, dstlen - 1) : 0;

	if (n)
		memmove(dst, src, n);
	dst[n] = '\0';
}

/* ---- the request ---- */

/* Writes one decimal octet and sep; returns the end. */
static char *
octet(char *p, unsigned v, char sep)
{
	if (v >= 100)
		*p++ = '0' + v / 100;
	if (v >= 10)
		*p++ = '0' + v / 10 % 10;
	*p++ = '0' + v % 10;
	*p++ = sep;
	return sep ? p : p - 1;
}

static int
ip_setup(struct spf_eval *ev, const char *ip)
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t a[16];

	if (ip == NULL)
		return -1;
	if (inet_pton(AF_INET, ip, a) == 1)
		ev->ip6 = false;
	else if (inet_pton(AF_INET6, ip, a) == 1) {
		/* An IPv4-mapped IPv6 client is an IPv4 client (RFC 7208 5;
		 * openspf tests cidr6-ip4, ip4-mapped-ip6). */
		static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
		ev->ip6 = memcmp(a, mapped, 12) != 0;
		if (!ev->ip6)
			memmove(a, a + 12, 4);
	} else
		return -1;
	memcpy(ev->ip, a, ev->ip6 ? 16 : 4);
	if (!ev->ip6) {
		char *r = ev->rev, *t = ev->ip_text;
		for (int i = 0; i < 4; i++)
			t = octet(t, a[i], i < 3 ? '.' : '\0');
		copy_str(ev->ip_dotted, sizeof(ev->ip_dotted), ev->ip_text);
		for (int i = 3; i >= 0; i--)
			r = octet(r, a[i], '.');
		strcpy(r, "in-addr.arpa");
		return 0;
	}
	inet_ntop(AF_INET6, a, ev->ip_text, sizeof(ev->ip_text));
	/* RFC 7208 7.3: IPv6 "i" is dot-format: 32 nibbles. Case does not
	 * matter to DNS; uppercase is what the openspf suite shows. */
	char *d = ev->ip_dotted, *r = ev->rev;
	for (int i = 0; i < 32; i++) {
		int nib = i % 2 ? a[i / 2] & 15 : a[i / 2] >> 4;
		int rnib = i % 2 ? a[15 - i / 2] >> 4 : a[15 - i / 2] & 15;
		*d++ = hex[nib];
		*d++ = i < 31 ? '.' : '\0';
		*r++ = hex[rnib];
		*r++ = '.';
	}
	strcpy(r, "ip6.arpa");
	return 0;
}

/*
 * RFC 7208 4.3: "If the <sender> has no local-part, substitute the
 * string "postmaster" for the local-part."
 * RFC 7208 2.4: for a null reverse-path, the MAIL FROM identity is
 * "the mailbox composed of the local-part "postmaster" and the "HELO"
 * identity".
 */
/* dst = a "@" b, truncating each part to what dst can hold. */
static void
join_at(char *dst, size_t dstlen, const char *a, const char *b)
{
	size_t na = strnlen(a, dstlen / 2), nb = strnlen(b, dstlen - na - 2);

	memcpy(dst, a, na);
	dst[na] = '@';
	memcpy(dst + na + 1, b, nb);
	dst[na + 1 + nb] = '\0';
}

static void
sender_setup(struct spf_eval *ev, const struct spf_request *req)
{
	const char *s = req->sender, *helo = req->helo ? req->helo : "";

	if (s == NULL || *s == '\0' || req->scope == SPF_SCOPE_HELO) {
		copy_str(ev->local, sizeof(ev->local), "postmaster");
		copy_str(ev->sender_domain, sizeof(ev->sender_domain), helo);
	} else {
		const char *at = strrchr(s, '@');
		size_t n = at ? (size_t)(at - s) : 0;
		if (n >= sizeof(ev->local))
			n = sizeof(ev->local) - 1;
		memcpy(ev->local, s, n);
		ev->local[n] = '\0';
		copy_str(ev->sender_domain, sizeof(ev->sender_domain),
		    at ? at + 1 : s);
		if (ev->local[0] == '\0')
			copy_str(ev->local, sizeof(ev->local), "postmaster");
	}
	join_at(ev->sender, sizeof(ev->sender), ev->local, ev->sender_domain);
}

static void
frame_init(struct frame *f, const char *domain)
{
	copy_str(f->domain, sizeof(f->domain), domain);
	f->rec = NULL;
	f->state = FS_LOOKUP;
	f->term = 0;
	f->phase = 0;
	f->redirected = false;
	f->target[0] = '\0';
	f->names = NULL;
	f->nnames = f->iname = 0;
	f->child = SPF_NONE;
}

/* Only what is read before it is written: the evaluator is large and
 * made once per evaluation, so it is not cleared whole. */
static void
eval_setup(struct spf_eval *ev)
{
	ev->depth = 0;
	memset(&ev->p, 0, offsetof(struct pmacro, value));
	ev->exp_phase = 0;
	ev->exp_text = NULL;
	ev->ans.status = DNS_TEMPFAIL;
	ev->ans.count = 0;
	ev->ans.rr = ev->ans.inline_rr;
	ev->ans.rrcap = ANSWER_INLINE_RR;
	ev->ans.buf = ev->ans.inline_buf;
	ev->ans.bufcap = ANSWER_INLINE_BUF;
	ev->done = false;
	ev->heap = false;
	ev->qname[0] = '\0';
	memset(&ev->out, 0, offsetof(struct spf_outcome, domain));
	ev->out.domain[0] = ev->out.record[0] = ev->out.mechanism[0] = '\0';
	ev->out.explanation[0] = ev->out.problem[0] = '\0';
	ev->out.dns_terms = ev->out.void_lookups = ev->out.queries = 0;
}

struct spf_eval *
spf_eval_init(void *mem, size_t len, const struct spf_request *req,
    char *err, size_t errlen)
{
	struct spf_eval *ev = mem;

	if (len < sizeof(*ev)) {
		snprintf(err, errlen, "evaluator storage too small");
		return NULL;
	}
	eval_setup(ev);
	if (ip_setup(ev, req->ip) == -1) {
		snprintf(err, errlen, "not an IP address: %.64s",
		    req->ip ? req->ip : "(none)");
		return NULL;
	}
	sender_setup(ev, req);
	copy_str(ev->helo, sizeof(ev->helo), req->helo);
	copy_str(ev->receiver, sizeof(ev->receiver),
	    req->receiver ? req->receiver : "unknown");
	ev->default_exp = req->default_exp ? req->default_exp : DEFAULT_EXP;
	ev->scope = req->scope;
	ev->now = req->now ? req->now : time(NULL);
	ev->depth = 1;
	struct frame *f = &ev->frames[0];
	frame_init(f, ev->sender_domain);
	if (!name_ok(f->domain, true) || f->domain[0] == '[')
		frame_finish(ev, SPF_NONE, "the domain is not a valid name");
	return ev;
}

struct spf_eval *
spf_eval_new(const struct spf_request *req, char *err, size_t errlen)
{
	struct spf_eval *ev = malloc(sizeof(*ev));

	if (ev == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (spf_eval_init(ev, sizeof(*ev), req, err, errlen) == NULL) {
		free(ev);
		return NULL;
	}
	ev->heap = true;
	return ev;
}

/* ---- answers ---- */

void
spf_eval_answer(struct spf_eval *ev, const struct dns_answer *in)
{
	struct answer *a = &ev->ans;
	size_t total = 0, n = in->count;

	a->status = in->status;
	a->count = 0;
	if (in->status != DNS_ANSWER)
		return;
	if (n > ANSWER_MAX_RR)
		n = ANSWER_MAX_RR;
	for (size_t i = 0; i < n; i++)
		total += in->rr[i].len + 1;
	if (n > a->rrcap) {
		struct dns_rr *rr = realloc(a->rr == a->inline_rr ? NULL : a->rr,
		    n * sizeof(*rr));
		if (rr == NULL)
			goto oom;
		a->rr = rr;
		a->rrcap = n;
	}
	if (total > a->bufcap) {
		uint8_t *buf = realloc(a->buf == a->inline_buf ? NULL : a->buf,
		    total);
		if (buf == NULL)
			goto oom;
		a->buf = buf;
		a->bufcap = total;
	}
	total = 0;
	for (size_t i = 0; i < n; i++) {
		memcpy(a->buf + total, in->rr[i].data, in->rr[i].len);
		a->buf[total + in->rr[i].len] = '\0';
		a->rr[i].data = a->buf + total;
		a->rr[i].len = in->rr[i].len;
		a->rr[i].pref = in->rr[i].pref;
		total += in->rr[i].len + 1;
	}
	a->count = n;
	return;
oom:
	a->status = DNS_TEMPFAIL;	/* out of memory: try again later */
}

static enum run
ask(struct spf_eval *ev, const char *name, enum dns_type type)
{
	copy_str(ev->qname, sizeof(ev->qname), name);
	ev->qtype = type;
	ev->ans.status = DNS_TEMPFAIL;	/* unless answered */
	ev->ans.count = 0;
	return R_WAIT;
}

static bool
addr_match(const struct spf_eval *ev, const struct dns_rr *rr,
    unsigned cidr4, unsigned cidr6)
{
	size_t alen = ev->ip6 ? 16 : 4;
	unsigned bits = ev->ip6 ? cidr6 : cidr4;

	if (rr->len != alen)
		return false;
	if (memcmp(rr->data, ev->ip, bits / 8) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	uint8_t mask = 0xff << (8 - bits % 8);
	return (rr->data[bits / 8] & mask) == (ev->ip[bits / 8] & mask);
}

/* ---- limits ---- */

/*
 * RFC 7208 4.6.4: "Some mechanisms and modifiers (collectively, "terms")
 * cause DNS queries at the time of evaluation [...] The following terms
 * cause DNS queries: the "include", "a", "mx", "ptr", and "exists"
 * mechanisms, and the "redirect" modifier. SPF implementations MUST
 * limit the total number of those terms to 10 during SPF evaluation, to
 * avoid unreasonable load on the DNS. If this limit is exceeded, the
 * implementation MUST return "permerror"."
 */
static enum run
count_term(struct spf_eval *ev)
{
	if (++ev->out.dns_terms > SPF_DNS_TERM_LIMIT) {
		frame_finish(ev, SPF_PERMERROR,
		    "more than 10 DNS-querying terms (RFC 7208 4.6.4)");
		return R_ERROR;
	}
	return R_AGAIN;
}

/*
 * RFC 7208 4.6.4: "SPF implementations SHOULD limit "void lookups" to
 * two. [...] Exceeding the limit produces a "permerror" result."
 * Returns R_NOMATCH for a void answer within the limit.
 */
static enum run
void_lookup(struct spf_eval *ev)
{
	if (++ev->out.void_lookups > SPF_VOID_LIMIT) {
		frame_finish(ev, SPF_PERMERROR,
		    "more than 2 void lookups (RFC 7208 4.6.4)");
		return R_ERROR;
	}
	return R_NOMATCH;
}

static bool
is_void(const struct answer *a)
{
	return a->status == DNS_NXDOMAIN ||
	    (a->status == DNS_ANSWER && a->count == 0);
}

/*
 * RFC 7208 5: "For these DNS queries, except where noted, if the DNS
 * server returns an error (RCODE other than 0 or 3) or the query times
 * out, the mechanism stops and the topmost check_host() returns
 * "temperror". If the server returns "Name Error" (RCODE 3), then
 * evaluation of the mechanism continues as if the server returned no
 * error (RCODE 0) and zero answer records."
 */
static enum run
temperror(struct spf_eval *ev)
{
	char why[NAME_LEN + 64];

	snprintf(why, sizeof(why), "DNS error for %s %s", ev->qname,
	    dns_type_name(ev->qtype));
	frame_finish(ev, SPF_TEMPERROR, why);
	return R_ERROR;
}

/* ---- macros ---- */

static void
p_choose(struct spf_eval *ev, const char *domain)
{
	struct pmacro *p = &ev->p;
	int best = -1, rank = 0;

	/* RFC 7208 7.3: "If the <domain> is present in the list of validated
	 * domains, it SHOULD be used. Otherwise, if a subdomain of the
	 * <domain> is present, it SHOULD be used. Otherwise, any name from
	 * the list can be used. If there are no validated domain names or
	 * if a DNS error occurs, the string "unknown" is used." */
	for (size_t i = 0; i < p->nnames; i++) {
		if (!p->valid[i])
			continue;
		int r = strcasecmp(p->names[i], domain) == 0 ? 3 :
		    name_within(p->names[i], domain) ? 2 : 1;
		if (r > rank) {
			rank = r;
			best = i;
		}
	}
	copy_str(p->value, sizeof(p->value), best < 0 ? "unknown" :
	    p->names[best]);
}

static void
macro_env(struct spf_eval *ev, const char *domain, struct spf_macro_env *env)
{
	env->sender = ev->sender;
	env->local = ev->local;
	env->sender_domain = ev->sender_domain;
	env->domain = domain;
	env->ip_dotted = ev->ip_dotted;
	env->ip_text = ev->ip_text;
	env->ip6 = ev->ip6;
	env->helo = ev->helo;
	env->receiver = ev->receiver;
	env->now = ev->now;
	env->validated = NULL;
	if (ev->p.state == 2) {
		p_choose(ev, domain);
		env->validated = ev->p.value;
	}
}

enum target { TG_OK, TG_WAIT, TG_INVALID };

/* Expands a domain-spec (or takes <domain>) into out. */
static enum target
target_name(struct spf_eval *ev, struct frame *f, const char *spec,
    size_t len, char out[NAME_LEN])
{
	struct spf_macro_env env;
	char buf[EXPAND_MAX];

	if (spec == NULL) {
		copy_str(out, NAME_LEN, f->domain);
		return TG_OK;
	}
	if (len <= SPF_DOMAIN_MAX && memchr(spec, '%', len) == NULL) {
		size_t n = len;			/* no macro: a plain name */
		if (n > 0 && spec[n - 1] == '.')
			n--;
		memcpy(out, spec, n);
		out[n] = '\0';
		return name_ok(out, false) ? TG_OK : TG_INVALID;
	}
	macro_env(ev, f->domain, &env);
	switch (spf_macro_expand(spec, len, &env, false, true, buf,
	    sizeof(buf))) {
	case SPF_MACRO_OK:
		break;
	case SPF_MACRO_NEED_P:
		ev->p.state = 1;
		ev->p.phase = 0;
		return TG_WAIT;
	default:
		return TG_INVALID;
	}
	if (!name_ok(buf, false))
		return TG_INVALID;
	copy_str(out, NAME_LEN, buf);
	return TG_OK;
}

/* ---- the %{p} sub-machine ---- */

static int
names_alloc(char (**names)[NAME_LEN])
{
	if (*names == NULL)
		*names = malloc(SPF_NAME_LIMIT * sizeof(**names));
	return *names ? 0 : -1;
}

/* Copies the first SPF_NAME_LIMIT names of the answer. */
static size_t
names_copy(struct spf_eval *ev, char (*names)[NAME_LEN], bool skip_root)
{
	size_t n = 0;

	for (size_t i = 0; i < ev->ans.count && n < SPF_NAME_LIMIT; i++) {
		const char *name = (const char *)ev->ans.rr[i].data;
		if (skip_root && (name[0] == '\0' || strcmp(name, ".") == 0))
			continue;
		copy_str(names[n++], NAME_LEN, name);
	}
	return n;
}

/*
 * The %{p} macro: PTR of <ip>, then each of at most 10 names is kept if
 * one of its addresses is <ip> (RFC 7208 5.5 and 4.6.4).
 */
static enum run
p_advance(struct spf_eval *ev)
{
	struct pmacro *p = &ev->p;
	enum dns_type at = ev->ip6 ? DNS_T_AAAA : DNS_T_A;

	switch (p->phase) {
	case 0:
		p->phase = 1;
		return ask(ev, ev->rev, DNS_T_PTR);
	case 1:
		p->nnames = 0;
		if (ev->ans.status == DNS_ANSWER && names_alloc(&p->names) == 0)
			p->nnames = names_copy(ev, p->names, true);
		memset(p->valid, 0, sizeof(p->valid));
		p->i = 0;
		p->phase = 2;
		return R_AGAIN;
	case 2:
		if (p->i >= p->nnames) {
			p->state = 2;
			return R_AGAIN;
		}
		p->phase = 3;
		return ask(ev, p->names[p->i], at);
	default:
		for (size_t k = 0; k < ev->ans.count; k++)
			if (ev->ans.status == DNS_ANSWER &&
			    addr_match(ev, &ev->ans.rr[k], 32, 128))
				p->valid[p->i] = true;
		p->i++;
		p->phase = 2;
		return R_AGAIN;
	}
}

/* ---- mechanisms ---- */

/* a, mx and exists share the address check of one answer. */
static bool
answer_matches(struct spf_eval *ev, const struct spf_term *t)
{
	for (size_t i = 0; i < ev->ans.count; i++)
		if (addr_match(ev, &ev->ans.rr[i], t->cidr4, t->cidr6))
			return true;
	return false;
}

/*
 * RFC 7208 5.3: "An address lookup is done on the <target-name> using
 * the type of lookup (A or AAAA) appropriate for the connection type
 * (IPv4 or IPv6). The <ip> is compared to the returned address(es). If
 * any address matches, the mechanism matches."
 * Also exists (5.7), which always asks A and matches on any answer.
 */
static enum run
mech_a(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	bool exists = t->kind == SPF_M_EXISTS;

	switch (f->phase) {
	case 0:
		f->phase = 1;
		return count_term(ev);
	case 1:
		switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
		case TG_WAIT:
			return R_AGAIN;
		case TG_INVALID:
			return R_NOMATCH;
		case TG_OK:
			break;
		}
		f->phase = 2;
		return ask(ev, f->target, exists || !ev->ip6 ? DNS_T_A :
		    DNS_T_AAAA);
	default:
		if (ev->ans.status == DNS_TEMPFAIL)
			return temperror(ev);
		if (is_void(&ev->ans))
			return void_lookup(ev);
		if (exists)
			return R_MATCH;
		return answer_matches(ev, t) ? R_MATCH : R_NOMATCH;
	}
}

/*
 * RFC 7208 5.4: "check_host() first performs an MX lookup on the
 * <target-name>. Then it performs an address lookup on each MX name
 * returned. [...] If any address matches, the mechanism matches."
 * RFC 7208 4.6.4: "the evaluation of each "MX" record MUST NOT result
 * in querying more than 10 address records [...] If this limit is
 * exceeded, the "mx" mechanism MUST produce a "permerror" result."
 */
static enum run
mech_mx(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	switch (f->phase) {
	case 0:
		f->phase = 1;
		return count_term(ev);
	case 1:
		switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
		case TG_WAIT:
			return R_AGAIN;
		case TG_INVALID:
			return R_NOMATCH;
		case TG_OK:
			break;
		}
		f->phase = 2;
		return ask(ev, f->target, DNS_T_MX);
	case 2:
		if (ev->ans.status == DNS_TEMPFAIL)
			return temperror(ev);
		if (is_void(&ev->ans))
			return void_lookup(ev);
		if (ev->ans.count > SPF_NAME_LIMIT) {
			frame_finish(ev, SPF_PERMERROR,
			    "more than 10 MX names (RFC 7208 4.6.4)");
			return R_ERROR;
		}
		if (names_alloc(&f->names) == -1)
			return temperror(ev);
		f->nnames = names_copy(ev, f->names, true);
		f->iname = 0;
		f->phase = 3;
		return R_AGAIN;
	case 3:
		if (f->iname >= f->nnames)
			return R_NOMATCH;
		f->phase = 4;
		return ask(ev, f->names[f->iname], ev->ip6 ? DNS_T_AAAA :
		    DNS_T_A);
	default:
		if (ev->ans.status == DNS_TEMPFAIL)
			return temperror(ev);
		if (answer_matches(ev, t))
			return R_MATCH;
		f->iname++;
		f->phase = 3;
		return R_AGAIN;
	}
}

/*
 * RFC 7208 5.5: "First, the <ip>'s name is looked up using this
 * procedure: o Perform a DNS reverse-mapping for <ip> [...] o For each
 * record returned, validate the domain name by looking up its IP
 * addresses. [...] o If <ip> is among the returned IP addresses, then
 * that domain name is validated. Check all validated domain names to see
 * if they either match the <target-name> domain or are a subdomain of
 * the <target-name> domain. If any do, this mechanism matches. [...] If
 * a DNS error occurs while doing the PTR RR lookup, then this mechanism
 * fails to match. If a DNS error occurs while doing an A RR lookup, then
 * that domain name is skipped and the search continues."
 * Names outside the target are not validated: they could never match.
 */
static enum run
mech_ptr(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	switch (f->phase) {
	case 0:
		f->phase = 1;
		return count_term(ev);
	case 1:
		switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
		case TG_WAIT:
			return R_AGAIN;
		case TG_INVALID:
			return R_NOMATCH;
		case TG_OK:
			break;
		}
		f->phase = 2;
		return ask(ev, ev->rev, DNS_T_PTR);
	case 2:
		if (ev->ans.status == DNS_TEMPFAIL)
			return R_NOMATCH;
		if (is_void(&ev->ans))
			return void_lookup(ev);
		if (names_alloc(&f->names) == -1)
			return R_NOMATCH;
		f->nnames = names_copy(ev, f->names, true);
		f->iname = 0;
		f->phase = 3;
		return R_AGAIN;
	case 3:
		while (f->iname < f->nnames &&
		    !name_within(f->names[f->iname], f->target))
			f->iname++;
		if (f->iname >= f->nnames)
			return R_NOMATCH;
		f->phase = 4;
		return ask(ev, f->names[f->iname], ev->ip6 ? DNS_T_AAAA :
		    DNS_T_A);
	default:
		for (size_t i = 0; i < ev->ans.count; i++)
			if (addr_match(ev, &ev->ans.rr[i], 32, 128))
				return R_MATCH;
		f->iname++;
		f->phase = 3;
		return R_AGAIN;
	}
}

/*
 * RFC 7208 5.2: the include mechanism "triggers a recursive evaluation
 * of check_host()".
 *   pass -> match; fail, softfail, neutral -> not match;
 *   temperror -> return temperror; permerror, none -> return permerror.
 */
static enum run
mech_include(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	switch (f->phase) {
	case 0:
		f->phase = 1;
		return count_term(ev);
	case 1:
		switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
		case TG_WAIT:
			return R_AGAIN;
		case TG_INVALID:
			frame_finish(ev, SPF_PERMERROR, "include of an invalid name");
			return R_ERROR;
		case TG_OK:
			break;
		}
		if (ev->depth == SPF_DEPTH) {
			frame_finish(ev, SPF_PERMERROR, "includes nested too deep");
			return R_ERROR;
		}
		f->phase = 2;
		frame_init(&ev->frames[ev->depth++], f->target);
		return R_AGAIN;
	default:
		switch (f->child) {
		case SPF_PASS:
			return R_MATCH;
		case SPF_FAIL:
		case SPF_SOFTFAIL:
		case SPF_NEUTRAL:
			return R_NOMATCH;
		case SPF_TEMPERROR:
			frame_finish(ev, SPF_TEMPERROR, NULL);
			return R_ERROR;
		default:
			frame_finish(ev, SPF_PERMERROR, f->child == SPF_NONE ?
			    "included domain has no SPF record" : NULL);
			return R_ERROR;
		}
	}
}

static enum run
mech_ip(struct spf_eval *ev, const struct spf_term *t)
{
	struct dns_rr rr = { t->addr, t->kind == SPF_M_IP6 ? 16 : 4, 0 };

	/* RFC 7208 5.6: an IPv4 <ip> never matches ip6, nor IPv6 ip4. */
	if ((t->kind == SPF_M_IP6) != ev->ip6)
		return R_NOMATCH;
	return addr_match(ev, &rr, t->cidr4, t->cidr6) ? R_MATCH : R_NOMATCH;
}

static enum run
term_run(struct spf_eval *ev, struct frame *f, const struct spf_term *t)
{
	switch (t->kind) {
	case SPF_M_ALL:		return R_MATCH;
	case SPF_M_INCLUDE:	return mech_include(ev, f, t);
	case SPF_M_A:
	case SPF_M_EXISTS:	return mech_a(ev, f, t);
	case SPF_M_MX:		return mech_mx(ev, f, t);
	case SPF_M_PTR:		return mech_ptr(ev, f, t);
	case SPF_M_IP4:
	case SPF_M_IP6:		return mech_ip(ev, t);
	default:		return R_NOMATCH;	/* modifiers */
	}
}

/* ---- frames ---- */

static void
frame_clear(struct frame *f)
{
	spf_record_free(f->rec);
	free(f->names);
	f->rec = NULL;
	f->names = NULL;
	f->nnames = f->iname = 0;
}

static void
outcome_record(struct spf_eval *ev, const struct frame *f)
{
	copy_str(ev->out.domain, sizeof(ev->out.domain), f->domain);
	if (f->rec)
		copy_str(ev->out.record, sizeof(ev->out.record), f->rec->text);
}

static void
set_problem(struct spf_eval *ev, const char *why)
{
	if (why && ev->out.problem[0] == '\0')
		copy_str(ev->out.problem, sizeof(ev->out.problem), why);
}

/*
 * Ends the top frame with r. For an include the parent's term reads the
 * result; for the root it is the outcome, and a fail goes on to exp=.
 */
static void
frame_finish(struct spf_eval *ev, enum spf_result r, const char *why)
{
	struct frame *f = &ev->frames[ev->depth - 1];

	if (r == SPF_PERMERROR || r == SPF_TEMPERROR || r == SPF_NONE)
		set_problem(ev, why);
	if (ev->depth > 1) {
		frame_clear(f);
		ev->depth--;
		ev->frames[ev->depth - 1].child = r;
		return;
	}
	ev->out.result = r;
	if (r == SPF_FAIL) {
		copy_str(ev->out.explanation, sizeof(ev->out.explanation),
		    ev->default_exp);
		if (f->rec && f->rec->exp >= 0) {
			ev->exp_phase = 1;
			return;
		}
	}
	ev->done = true;
}

static int
qual_result(char q)
{
	switch (q) {
	case SPF_Q_FAIL:	return SPF_FAIL;
	case SPF_Q_SOFTFAIL:	return SPF_SOFTFAIL;
	case SPF_Q_NEUTRAL:	return SPF_NEUTRAL;
	default:		return SPF_PASS;
	}
}

/*
 * RFC 7208 4.5: "If the resultant record set includes no records,
 * check_host() produces the "none" result. If the resultant record set
 * includes more than one record, check_host() produces the "permerror"
 * result."  For the pra scope (RFC 4406 section 3), spf2.0 records
 * naming pra come first; only without any, a v=spf1 record is used.
 */
static void
frame_record(struct spf_eval *ev, struct frame *f)
{
	const struct dns_rr *pick = NULL;
	size_t n1 = 0, n2 = 0;
	char err[128];

	if (ev->ans.status == DNS_TEMPFAIL) {
		temperror(ev);
		return;
	}
	for (size_t i = 0; i < ev->ans.count; i++) {
		const struct dns_rr *rr = &ev->ans.rr[i];
		switch (spf_record_version(rr->data, rr->len)) {
		case SPF_V_SPF1:
			if (n1++ == 0 && n2 == 0)
				pick = rr;
			break;
		case SPF_V_SPF2_PRA:
			if (ev->scope == SPF_SCOPE_PRA && n2++ == 0)
				pick = rr;
			break;
		default:
			break;
		}
	}
	if ((n2 ? n2 : n1) > 1) {
		frame_finish(ev, SPF_PERMERROR, "more than one SPF record");
		return;
	}
	if (pick == NULL) {
		/* RFC 7208 6.1: for redirect, "if no SPF record is found,
		 * [...] the result is a "permerror" rather than "none"." */
		frame_finish(ev, f->redirected ? SPF_PERMERROR : SPF_NONE,
		    "no SPF record");
		return;
	}
	if ((f->rec = spf_record_parse(pick->data, pick->len, err,
	    sizeof(err))) == NULL) {
		frame_finish(ev, SPF_PERMERROR, err);
		return;
	}
	if (ev->depth == 1)
		outcome_record(ev, f);
	f->state = FS_TERMS;
	f->term = 0;
	f->phase = 0;
}

/*
 * RFC 7208 6.1: "If all mechanisms fail to match, and a "redirect"
 * modifier is present, then processing proceeds as follows: The
 * domain-spec portion of the redirect section is expanded as per the
 * macro rules in Section 7. Then check_host() is evaluated with the
 * resulting string as the <domain>." and "Any "redirect" modifier MUST
 * be ignored if there is an "all" mechanism anywhere in the record."
 */
static enum run
frame_redirect(struct spf_eval *ev, struct frame *f)
{
	const struct spf_term *t = &f->rec->terms[f->rec->redirect];

	if (f->phase == 0) {
		f->phase = 1;
		return count_term(ev);
	}
	switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
	case TG_WAIT:
		return R_AGAIN;
	case TG_INVALID:
		frame_finish(ev, SPF_PERMERROR, "redirect to an invalid name");
		return R_ERROR;
	case TG_OK:
		break;
	}
	char target[NAME_LEN];
	copy_str(target, sizeof(target), f->target);
	frame_clear(f);
	copy_str(f->domain, sizeof(f->domain), target);
	f->redirected = true;
	f->state = FS_LOOKUP;
	f->phase = 0;
	return R_AGAIN;
}

/* Evaluates the top frame's current term; returns R_WAIT or R_AGAIN. */
static enum run
frame_terms(struct spf_eval *ev, struct frame *f)
{
	if (f->term >= f->rec->nterms) {
		if (f->rec->redirect >= 0 && !f->rec->has_all) {
			f->state = FS_REDIRECT;
			f->phase = 0;
			return R_AGAIN;
		}
		/* RFC 7208 4.7: "If none of the mechanisms match and there
		 * is no "redirect" modifier, then the check_host() returns a
		 * result of "neutral", just as if "?all" were specified as
		 * the last directive." */
		frame_finish(ev, SPF_NEUTRAL, NULL);
		return R_AGAIN;
	}
	const struct spf_term *t = &f->rec->terms[f->term];
	enum run r = term_run(ev, f, t);
	switch (r) {
	case R_MATCH:
		if (ev->depth == 1) {
			outcome_record(ev, f);
			size_t n = t->text_len < sizeof(ev->out.mechanism) ?
			    t->text_len : sizeof(ev->out.mechanism) - 1;
			memcpy(ev->out.mechanism, t->text, n);
			ev->out.mechanism[n] = '\0';
		}
		frame_finish(ev, qual_result(t->qual), NULL);
		return R_AGAIN;
	case R_NOMATCH:
		f->term++;
		f->phase = 0;
		return R_AGAIN;
	case R_ERROR:
		return R_AGAIN;
	default:
		return r;
	}
}

/* ---- exp= ---- */

static bool
ascii_only(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/*
 * RFC 7208 6.2: "If <domain-spec> is empty, or there are any DNS
 * processing errors (any RCODE other than 0), or if no records are
 * returned, or if more than one record is returned, or if there are
 * syntax errors in the explanation string, then proceed as if no "exp"
 * modifier was given." The lookup does not count against the limits.
 */
static enum run
exp_advance(struct spf_eval *ev)
{
	struct frame *f = &ev->frames[0];
	const struct spf_term *t = &f->rec->terms[f->rec->exp];
	struct spf_macro_env env;
	char buf[EXPAND_MAX];
	enum spf_macro_status st;

	switch (ev->exp_phase) {
	case 1:
		switch (target_name(ev, f, t->spec, t->spec_len, f->target)) {
		case TG_WAIT:
			return R_AGAIN;
		case TG_INVALID:
			ev->done = true;
			return R_AGAIN;
		case TG_OK:
			break;
		}
		ev->exp_phase = 2;
		return ask(ev, f->target, DNS_T_TXT);
	case 2:
		if (ev->ans.status != DNS_ANSWER || ev->ans.count != 1 ||
		    !ascii_only(ev->ans.rr[0].data, ev->ans.rr[0].len) ||
		    (ev->exp_text = strdup((const char *)ev->ans.rr[0].data)) ==
		    NULL) {
			ev->done = true;
			return R_AGAIN;
		}
		ev->exp_phase = 3;
		/* FALLTHROUGH */
	default:
		macro_env(ev, f->domain, &env);
		st = spf_macro_expand(ev->exp_text, strlen(ev->exp_text), &env,
		    true, false, buf, sizeof(buf));
		if (st == SPF_MACRO_NEED_P) {
			ev->p.state = 1;
			ev->p.phase = 0;
			return R_AGAIN;
		}
		if (st == SPF_MACRO_OK)
			copy_str(ev->out.explanation,
			    sizeof(ev->out.explanation), buf);
		ev->done = true;
		return R_AGAIN;
	}
}

/* ---- the step loop ---- */

static enum run
advance(struct spf_eval *ev)
{
	if (ev->p.state == 1)
		return p_advance(ev);
	if (ev->exp_phase)
		return exp_advance(ev);
	struct frame *f = &ev->frames[ev->depth - 1];
	switch (f->state) {
	case FS_LOOKUP:
		f->state = FS_RECORD;
		return ask(ev, f->domain, DNS_T_TXT);
	case FS_RECORD:
		frame_record(ev, f);
		return R_AGAIN;
	case FS_TERMS:
		return frame_terms(ev, f);
	default:
		return frame_redirect(ev, f);
	}
}

enum spf_step
spf_eval_step(struct spf_eval *ev, struct spf_query *q)
{
	while (!ev->done) {
		if (advance(ev) == R_WAIT) {
			ev->out.queries++;
			q->name = ev->qname;
			q->type = ev->qtype;
			return SPF_STEP_QUERY;
		}
	}
	return SPF_STEP_DONE;
}

/*
 * RFC 7208 4.6.4: "MTAs or other processors SHOULD impose a limit on the
 * maximum amount of elapsed time to evaluate check_host(). Such a limit
 * SHOULD allow at least 20 seconds. If such a limit is exceeded, the
 * result of authorization SHOULD be "temperror"."
 */
void
spf_eval_abort(struct spf_eval *ev, const char *why)
{
	if (ev->done)
		return;
	ev->done = true;
	if (ev->exp_phase)
		return;			/* the result is fail already */
	ev->out.result = SPF_TEMPERROR;
	ev->out.explanation[0] = '\0';
	copy_str(ev->out.problem, sizeof(ev->out.problem), why);
}

const struct spf_outcome *
spf_eval_outcome(const struct spf_eval *ev)
{
	return &ev->out;
}

void
spf_eval_free(struct spf_eval *ev)
{
	if (ev == NULL)
		return;
	for (int i = 0; i < ev->depth; i++)
		frame_clear(&ev->frames[i]);
	free(ev->p.names);
	free(ev->exp_text);
	if (ev->ans.rr != ev->ans.inline_rr)
		free(ev->ans.rr);
	if (ev->ans.buf != ev->ans.inline_buf)
		free(ev->ans.buf);
	if (ev->heap)
		free(ev);
}
