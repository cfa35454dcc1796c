/*
 * policy.c: the policy delegation core (policy.h). Parsing of one
 * request, the choice of the action, and the Received-SPF field.
 * Everything that reaches an answer line (HELO names, senders, TXT
 * texts, SPF explanations) goes through one sanitiser, so a client cannot
 * end the line or the header field early.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "node/mta/policy.h"

static const char *const verdict_names[POLICY_VERDICTS] = {
	"listed", "listed-domain", "spf", "prepend", "dunno",
};

const char *
policy_verdict_name(enum policy_verdict v)
{
	return v < POLICY_VERDICTS ? verdict_names[v] : "?";
}

/* ---- parsing ---- */

/* The attributes we keep, and where. */
struct attr_slot {
	const char	*name;
	size_t		 off;
	size_t		 size;
};

#define SLOT(n, f) { n, offsetof(struct policy_request, f), \
	sizeof(((struct policy_request *)0)->f) }
static const struct attr_slot attr_slots[] = {
	SLOT("client_address", client_address),
	SLOT("helo_name", helo_name),
	SLOT("instance", instance),
	SLOT("protocol_state", protocol_state),
	SLOT("sender", sender),
};
#undef SLOT

static int
parse_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
parse_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* One name=value line (without its LF). */
static int
parse_attr(const char *line, size_t len, struct policy_request *req,
    bool *seen_request, char *err, size_t errlen)
{
	const char *eq = memchr(line, '=', len);
	size_t nlen, vlen;

	if (eq == NULL || eq == line)
		return parse_error(err, errlen, "attribute %u: expected name=value",
		    req->nattrs);
	nlen = (size_t)(eq - line);
	vlen = len - nlen - 1;
	if (nlen == 7 && memcmp(line, "request", 7) == 0) {
		if (*seen_request)
			return parse_error(err, errlen, "a second request attribute");
		*seen_request = true;
		if (vlen != 19 || memcmp(eq + 1, "smtpd_access_policy", 19) != 0)
			return parse_error(err, errlen, "request=%.*s: only "
			    "smtpd_access_policy is served", (int)(vlen > 40 ? 40 :
			    vlen), eq + 1);
		return 0;
	}
	for (size_t i = 0; i < sizeof(attr_slots) / sizeof(attr_slots[0]); i++) {
		const struct attr_slot *s = &attr_slots[i];
		if (strlen(s->name) != nlen || memcmp(s->name, line, nlen) != 0)
			continue;
		if (vlen >= s->size)
			return parse_error(err, errlen, "%s: value longer than %zu "
			    "bytes", s->name, s->size - 1);
		memcpy((char *)req + s->off, eq + 1, vlen);
		((char *)req + s->off)[vlen] = '\0';
		return 0;
	}
	return 0;		/* an attribute we do not use */
}

int
policy_parse(const char *text, size_t len, size_t max_line,
    unsigned max_attrs, struct policy_request *req, char *err, size_t errlen)
{
	bool seen_request = false;
	size_t pos = 0;

	memset(req, 0, sizeof(*req));
	if (memchr(text, '\0', len) != NULL)
		return parse_error(err, errlen, "a NUL byte in the request");
	while (pos < len) {
		const char *line = text + pos, *lf = memchr(line, '\n', len - pos);
		size_t llen = lf ? (size_t)(lf - line) : len - pos;

		pos += llen + (lf != NULL);
		if (llen > max_line)
			return parse_error(err, errlen, "a line longer than %zu "
			    "bytes", max_line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			return parse_error(err, errlen, "an empty line inside "
			    "the request");
		if (++req->nattrs > max_attrs)
			return parse_error(err, errlen, "more than %u attributes",
			    max_attrs);
		if (parse_attr(line, llen, req, &seen_request, err, errlen) == -1)
			return -1;
	}
	if (!seen_request)
		return parse_error(err, errlen, "no request attribute");
	return 0;
}

/* ---- what to evaluate ---- */

/* A HELO name worth an SPF check: a domain, not an address literal. */
bool
policy_wants_helo(const struct policy_request *req)
{
	const char *h = req->helo_name;

	return h[0] != '\0' && h[0] != '[' && strchr(h, '.') != NULL &&
	    req->client_address[0] != '\0';
}

bool
policy_wants_mfrom(const struct policy_request *req)
{
	return req->sender[0] != '\0' && strchr(req->sender, '@') != NULL &&
	    req->client_address[0] != '\0';
}

const struct policy_spf *
policy_spf_decisive(const struct policy_facts *f,
    const struct policy_request *req, const char **identity)
{
	if (f->spf_helo.checked && f->spf_helo.result == SPF_FAIL) {
		*identity = "helo";
		return &f->spf_helo;
	}
	if (f->spf_mfrom.checked) {
		*identity = "mailfrom";
		return &f->spf_mfrom;
	}
	if (req->sender[0] == '\0' && f->spf_helo.checked) {
		*identity = "helo";
		return &f->spf_helo;
	}
	*identity = NULL;
	return NULL;
}

/* ---- writing ---- */

struct out {
	char	*buf;
	size_t	 len, cap;
	bool	 full;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->len + n >= o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void
out_str(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

/* Text from outside (TXT, explanations, names): printable ASCII only;
 * in a comment, no parentheses or backslashes either. */
static void
out_clean(struct out *o, const char *s, bool comment)
{
	for (; *s; s++) {
		char c = *s;
		if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e ||
		    (comment && (c == '(' || c == ')' || c == '\\')))
			c = '?';
		out_put(o, &c, 1);
	}
}

/* RFC 7208 9.1: a value is a dot-atom or a quoted-string. */
static void
out_value(struct out *o, const char *s)
{
	bool atom = s[0] != '\0' && s[0] != '.';

	for (const char *c = s; *c && atom; c++)
		atom = isalnum((unsigned char)*c) ||
		    (strchr("!#$%&'*+-/=?^_`{|}~.", *c) && *c != '\0');
	if (atom && strstr(s, "..") == NULL && s[strlen(s) - 1] != '.') {
		out_str(o, s);
		return;
	}
	out_put(o, "\"", 1);
	for (; *s; s++) {
		char c = *s;
		if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e)
			c = '?';
		if (c == '"' || c == '\\')
			out_put(o, "\\", 1);
		out_put(o, &c, 1);
	}
	out_put(o, "\"", 1);
}

static void
out_kv(struct out *o, const char *key, const char *value)
{
	out_str(o, " ");
	out_str(o, key);
	out_str(o, "=");
	out_value(o, value);
	out_str(o, ";");
}

/* The comment of RFC 7208 9.1's examples, per result. */
static void
out_comment(struct out *o, const char *receiver,
    const struct policy_request *req, const struct policy_spf *spf,
    const char *identity)
{
	const char *who = strcmp(identity, "helo") == 0 ? req->helo_name :
	    req->sender;

	out_str(o, " (");
	out_clean(o, receiver, true);
	out_str(o, ": ");
	switch (spf->result) {
	case SPF_PASS:
		out_str(o, "domain of ");
		out_clean(o, who, true);
		out_str(o, " designates ");
		out_clean(o, req->client_address, true);
		out_str(o, " as permitted sender");
		break;
	case SPF_FAIL:
	case SPF_SOFTFAIL:
		out_str(o, "domain of ");
		out_clean(o, who, true);
		out_str(o, " does not designate ");
		out_clean(o, req->client_address, true);
		out_str(o, " as permitted sender");
		break;
	case SPF_NEUTRAL:
		out_clean(o, req->client_address, true);
		out_str(o, " is neither permitted nor denied by domain of ");
		out_clean(o, who, true);
		break;
	default:
		out_str(o, spf->problem[0] ? "" : "no SPF result for ");
		out_clean(o, spf->problem[0] ? spf->problem : who, true);
		break;
	}
	out_str(o, ")");
}

size_t
policy_received_spf(const char *receiver, const struct policy_request *req,
    const struct policy_spf *spf, const char *identity, char *buf,
    size_t cap)
{
	struct out o = { buf, 0, cap, cap == 0 };

	if (cap > 0)
		buf[0] = '\0';
	out_str(&o, "Received-SPF: ");
	out_str(&o, spf_result_name(spf->result));
	out_comment(&o, receiver, req, spf, identity);
	out_kv(&o, "client-ip", req->client_address);
	out_kv(&o, "envelope-from", req->sender);
	out_kv(&o, "helo", req->helo_name);
	out_kv(&o, "receiver", receiver);
	out_kv(&o, "identity", identity);
	if (spf->mechanism[0] != '\0')
		out_kv(&o, "mechanism", spf->mechanism);
	if (spf->problem[0] != '\0' && spf->result != SPF_PASS)
		out_kv(&o, "problem", spf->problem);
	if (o.full)
		return 0;
	o.buf[--o.len] = '\0';		/* the last ';' */
	return o.len;
}

/* ---- the decision ---- */

static enum mta_spf_action
spf_action(const struct mta_conf *m, enum spf_result r)
{
	switch (r) {
	case SPF_FAIL:		return m->spf_fail;
	case SPF_SOFTFAIL:	return m->spf_softfail;
	case SPF_TEMPERROR:	return m->spf_temperror;
	case SPF_PERMERROR:	return m->spf_permerror;
	default:		return MTA_MARK;
	}
}

/* "action=554 5.7.1 Service unavailable; WHAT blocked using ZONE; TXT" */
static void
write_listed(struct out *o, const char *what, const char *name,
    const char *close, const struct policy_listing *l)
{
	out_str(o, "action=554 5.7.1 Service unavailable; ");
	out_str(o, what);
	out_clean(o, name, false);
	out_str(o, close);
	out_str(o, " blocked using ");
	out_clean(o, l->zone, false);
	if (l->txt[0] != '\0') {
		out_str(o, "; ");
		out_clean(o, l->txt, false);
	}
}

static void
write_spf(struct out *o, enum mta_spf_action a, const struct policy_spf *spf,
    const char *identity)
{
	bool temp = spf->result == SPF_TEMPERROR;

	switch (a) {
	case MTA_REJECT:
		out_str(o, temp ? "action=451 4.7.24 " : "action=550 5.7.23 ");
		break;
	case MTA_DEFER:
		out_str(o, temp ? "action=451 4.7.24 " : "action=451 4.7.23 ");
		break;
	default:
		out_str(o, temp ? "action=DEFER_IF_PERMIT 4.7.24 " :
		    "action=DEFER_IF_PERMIT 4.7.23 ");
		break;
	}
	out_str(o, "SPF ");
	out_str(o, spf_result_name(spf->result));
	out_str(o, " for ");
	out_str(o, identity);
	out_str(o, " ");
	out_clean(o, spf->domain, false);
	out_str(o, ": ");
	out_clean(o, spf->result == SPF_FAIL && spf->explanation[0] ?
	    spf->explanation : spf->problem[0] ? spf->problem :
	    "not authorized", false);
}

/* A listed domain counts only when SPF authorised the client for it (the
 * store's attribution: a domain that failed is a forgery victim, MODEL.md). */
static bool
domain_blamed(const struct policy_listing *l, const struct policy_spf *spf)
{
	return l->listed && spf->checked && spf->result == SPF_PASS;
}

enum policy_verdict
policy_decide(const struct mta_conf *m, const char *receiver,
    const struct policy_request *req, const struct policy_facts *f,
    char *buf, size_t cap)
{
	struct out o = { buf, 0, cap, cap == 0 };
	const struct policy_spf *spf;
	const char *identity;
	enum mta_spf_action a;

	if (cap > 0)
		buf[0] = '\0';
	if (m->reject_listed && f->client.listed) {
		write_listed(&o, "client host [", req->client_address, "]",
		    &f->client);
		return POLICY_LISTED;
	}
	if (m->reject_listed_domain && domain_blamed(&f->mfrom, &f->spf_mfrom)) {
		write_listed(&o, "sender domain of ", req->sender, "",
		    &f->mfrom);
		return POLICY_LISTED_DOMAIN;
	}
	if (m->reject_listed_domain && domain_blamed(&f->helo, &f->spf_helo)) {
		write_listed(&o, "helo name ", req->helo_name, "", &f->helo);
		return POLICY_LISTED_DOMAIN;
	}
	if ((spf = policy_spf_decisive(f, req, &identity)) == NULL) {
		out_str(&o, "action=DUNNO");
		return POLICY_DUNNO;
	}
	if ((a = spf_action(m, spf->result)) != MTA_MARK) {
		write_spf(&o, a, spf, identity);
		return POLICY_SPF_ACTION;
	}
	if (f->prepended) {
		out_str(&o, "action=DUNNO");
		return POLICY_DUNNO;
	}
	out_str(&o, "action=PREPEND ");
	if (o.len + 1 < cap && policy_received_spf(receiver, req, spf,
	    identity, buf + o.len, cap - o.len) > 0)
		return POLICY_PREPEND;
	snprintf(buf, cap, "action=DUNNO");
	return POLICY_DUNNO;
}
