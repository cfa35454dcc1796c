/*
 * spf_record.c: the SPF record grammar (RFC 7208 sections 4.5, 4.6.1, 5,
 * 6 and 12) and the Sender ID version tag (RFC 4406 section 3.1).
 *
 * A record is copied once and parsed whole before it is evaluated, so a
 * syntax error anywhere is a permerror even when an earlier mechanism
 * would have matched (4.6). Terms point into the copy. No DNS here, no
 * macro expansion: only the syntax of macro-strings is checked.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds/feeds.h"

#define RECORD_MAX_TERMS	1024

static bool
has_prefix_ci(const uint8_t *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && strncasecmp((const char *)s, prefix, n) == 0;
}

/*
 * RFC 7208 4.5: "Starting with the set of records that were returned by
 * the lookup, discard records that do not begin with a version section
 * of exactly "v=spf1". Note that the version section is terminated by
 * either an SP character or the end of the record."
 * RFC 4406 section 3: the version is "spf2.0/" and a comma-separated
 * list of scopes ("mfrom", "pra"; others are not ours).
 */
enum spf_version
spf_record_version(const uint8_t *txt, size_t len)
{
	if (has_prefix_ci(txt, len, "v=spf1"))
		return (len == 6 || txt[6] == ' ') ? SPF_V_SPF1 : SPF_V_NOT;
	if (!has_prefix_ci(txt, len, "spf2.0/"))
		return SPF_V_NOT;
	size_t i = 7, start = 7;
	bool pra = false;
	for (;; i++) {
		if (i == len || txt[i] == ' ' || txt[i] == ',') {
			if (i == start)
				return SPF_V_NOT;	/* empty scope */
			if (i - start == 3 &&
			    strncasecmp((const char *)txt + start, "pra", 3) == 0)
				pra = true;
			if (i == len || txt[i] == ' ')
				break;
			start = i + 1;
		} else if (!isalnum(txt[i]) && txt[i] != '-' && txt[i] != '_')
			return SPF_V_NOT;
	}
	return pra ? SPF_V_SPF2_PRA : SPF_V_SPF2_OTHER;
}

/*
 * toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
 */
static bool
toplabel_ok(const char *s, size_t len)
{
	bool alpha = false, dash = false;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		if (c == '-')
			dash = true;
		else if (isalpha(c))
			alpha = true;
		else if (!isdigit(c))
			return false;
	}
	if (dash)
		return s[0] != '-' && s[len - 1] != '-';
	return alpha;
}

/*
 * RFC 7208 7.1:
 *   domain-spec      = macro-string domain-end
 *   domain-end       = ( "." toplabel [ "." ] ) / macro-expand
 * The macro-string must be valid; the end is either a macro-expand or a
 * literal "." toplabel with an optional final dot.
 */
bool
spf_record_domain_spec_ok(const char *spec, size_t len)
{
	size_t i, tail = 0;

	if (len == 0)
		return false;
	if (memchr(spec, '%', len) == NULL) {	/* no macro: literals only */
		for (i = 0; i < len; i++)
			if ((unsigned char)spec[i] < 0x21 ||
			    (unsigned char)spec[i] > 0x7e)
				return false;
	} else if (!spf_macro_syntax_ok(spec, len, false))
		return false;
	for (i = 0; i < len; i++) {	/* find where the last macro ends */
		if (spec[i] != '%')
			continue;
		if (spec[i + 1] == '{') {
			const char *close = memchr(spec + i, '}', len - i);
			i = close - spec;
		} else
			i++;
		tail = i + 1;
	}
	if (tail == len)
		return true;		/* ends in a macro-expand */
	size_t end = len;
	if (spec[end - 1] == '.')
		end--;
	size_t dot = end;
	while (dot > tail && spec[dot - 1] != '.')
		dot--;
	if (dot == tail)
		return false;		/* no "." before the toplabel */
	return toplabel_ok(spec + dot, end - dot);
}

/* "/" ("0" / %x31-39 0*1DIGIT) or with 0*2DIGIT for IPv6. */
static int
cidr_parse(const char *s, size_t len, unsigned max, uint8_t *out)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

/* Splits "spec/24//64" from its end: dual-cidr-length. On return
 * *speclen is what is left for the domain-spec. */
static int
dual_cidr_parse(const char *s, size_t *speclen, struct spf_term *t)
{
	size_t end = *speclen, j = end;

	while (j > 0 && isdigit((unsigned char)s[j - 1]))
		j--;
	if (j < end && j >= 2 && s[j - 1] == '/' && s[j - 2] == '/') {
		if (cidr_parse(s + j, end - j, 128, &t->cidr6) == -1)
			return -1;
		end = j - 2;
		j = end;
		while (j > 0 && isdigit((unsigned char)s[j - 1]))
			j--;
	}
	if (j < end && j >= 1 && s[j - 1] == '/') {
		if (cidr_parse(s + j, end - j, 32, &t->cidr4) == -1)
			return -1;
		end = j - 1;
	}
	*speclen = end;
	return 0;
}

/* ip4-network = qnum "." qnum "." qnum "." qnum, no leading zeros. */
static int
ip4_parse(const char *s, size_t len, uint8_t addr[4])
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;
		while (i < len && isdigit((unsigned char)s[i]) && i - start < 3)
			v = v * 10 + (s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		addr[part] = v;
		if (part < 3 && (i == len || s[i++] != '.'))
			return -1;
	}
	return i == len ? 0 : -1;
}

/* ip4 / ip6: ":" network [ "/" length ] */
static int
ip_term_parse(const char *rest, size_t len, struct spf_term *t)
{
	bool v6 = t->kind == SPF_M_IP6;
	char buf[64];

	if (len < 2 || rest[0] != ':')
		return -1;
	rest++;
	len--;
	const char *slash = memchr(rest, '/', len);
	size_t alen = slash ? (size_t)(slash - rest) : len;
	if (slash && cidr_parse(slash + 1, len - alen - 1, v6 ? 128 : 32,
	    v6 ? &t->cidr6 : &t->cidr4) == -1)
		return -1;
	if (!v6)
		return ip4_parse(rest, alen, t->addr);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, rest, alen);
	buf[alen] = '\0';
	return inet_pton(AF_INET6, buf, t->addr) == 1 ? 0 : -1;
}

static const struct {
	const char		*name;
	enum spf_term_kind	 kind;
} mechanisms[] = {
	{ "all", SPF_M_ALL }, { "include", SPF_M_INCLUDE }, { "a", SPF_M_A },
	{ "mx", SPF_M_MX }, { "ptr", SPF_M_PTR }, { "ip4", SPF_M_IP4 },
	{ "ip6", SPF_M_IP6 }, { "exists", SPF_M_EXISTS },
};

/* The arguments after a mechanism name (RFC 7208 5.1 - 5.7). */
static int
mechanism_args(const char *rest, size_t len, struct spf_term *t)
{
	switch (t->kind) {
	case SPF_M_ALL:
		return len == 0 ? 0 : -1;
	case SPF_M_IP4:
	case SPF_M_IP6:
		return ip_term_parse(rest, len, t);
	case SPF_M_INCLUDE:
	case SPF_M_EXISTS:
	case SPF_M_PTR:
		if (len == 0 && t->kind == SPF_M_PTR)
			return 0;
		if (len < 2 || rest[0] != ':')
			return -1;
		t->spec = rest + 1;
		t->spec_len = len - 1;
		return spf_record_domain_spec_ok(t->spec, t->spec_len) ? 0 : -1;
	case SPF_M_A:
	case SPF_M_MX:
		if (dual_cidr_parse(rest, &len, t) == -1)
			return -1;
		if (len == 0)
			return 0;
		if (len < 2 || rest[0] != ':')
			return -1;
		t->spec = rest + 1;
		t->spec_len = len - 1;
		return spf_record_domain_spec_ok(t->spec, t->spec_len) ? 0 : -1;
	default:
		return -1;
	}
}

/* directive = [ qualifier ] mechanism */
static int
directive_parse(const char *s, size_t len, struct spf_term *t)
{
	t->qual = SPF_Q_PASS;
	if (len > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qual = s[0];
		s++;
		len--;
	}
	size_t n = 0;
	while (n < len && s[n] != ':' && s[n] != '/')
		n++;
	int c0 = n ? tolower((unsigned char)s[0]) : 0;
	for (size_t i = 0; i < sizeof(mechanisms) / sizeof(mechanisms[0]); i++) {
		if (mechanisms[i].name[0] == c0 &&
		    strlen(mechanisms[i].name) == n &&
		    strncasecmp(s, mechanisms[i].name, n) == 0) {
			t->kind = mechanisms[i].kind;
			return mechanism_args(s + n, len - n, t);
		}
	}
	return -1;
}

/*
 * modifier = redirect / explanation / unknown-modifier
 * unknown-modifier = name "=" macro-string
 *                    ; where name is not any known modifier
 * name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 * Returns 1 if s is a modifier (parsed into t), 0 if not, -1 on error.
 */
static int
modifier_parse(const char *s, size_t len, struct spf_term *t)
{
	size_t n = 0;

	if (len == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	while (n < len && (isalnum((unsigned char)s[n]) || s[n] == '-' ||
	    s[n] == '_' || s[n] == '.'))
		n++;
	if (n == len || s[n] != '=')
		return 0;
	t->spec = s + n + 1;
	t->spec_len = len - n - 1;
	if (n == 8 && strncasecmp(s, "redirect", 8) == 0)
		t->kind = SPF_MOD_REDIRECT;
	else if (n == 3 && strncasecmp(s, "exp", 3) == 0)
		t->kind = SPF_MOD_EXP;
	else {
		t->kind = SPF_MOD_UNKNOWN;
		return spf_macro_syntax_ok(t->spec, t->spec_len, true) ? 1 : -1;
	}
	return spf_record_domain_spec_ok(t->spec, t->spec_len) ? 1 : -1;
}

static int
term_parse(struct spf_record *rec, const char *s, size_t len, char *err,
    size_t errlen)
{
	struct spf_term *t = &rec->terms[rec->nterms];
	int m;

	memset(t, 0, sizeof(*t));
	t->cidr4 = 32;
	t->cidr6 = 128;
	t->text = s;
	t->text_len = len;
	if ((m = modifier_parse(s, len, t)) == 0)
		m = directive_parse(s, len, t) == 0 ? 1 : -1;
	if (m == -1) {
		snprintf(err, errlen, "syntax error in term '%.*s'",
		    (int)(len > 64 ? 64 : len), s);
		return -1;
	}
	/* RFC 7208 6: "These two modifiers MUST NOT appear in a record more
	 * than once each. If they do, then check_host() exits with a result
	 * of "permerror"." */
	if (t->kind == SPF_MOD_REDIRECT || t->kind == SPF_MOD_EXP) {
		int *slot = t->kind == SPF_MOD_REDIRECT ? &rec->redirect : &rec->exp;
		if (*slot != -1) {
			snprintf(err, errlen, "%s= appears twice",
			    t->kind == SPF_MOD_REDIRECT ? "redirect" : "exp");
			return -1;
		}
		*slot = rec->nterms;
	}
	if (t->kind == SPF_M_ALL)
		rec->has_all = true;
	rec->nterms++;
	return 0;
}

/*
 * record = version terms *SP
 * terms  = *( 1*SP ( directive / modifier ) )
 * Only SP separates terms: any other byte belongs to a term and makes it
 * invalid, which is how control characters and 8-bit bytes become the
 * permerror of RFC 7208 3.1 and 4.6.1.
 */
struct spf_record *
spf_record_parse(const uint8_t *txt, size_t len, char *err, size_t errlen)
{
	struct spf_record *rec;
	size_t i = 0, max = 1;

	for (size_t k = 0; k < len; k++)	/* terms <= spaces */
		max += txt[k] == ' ';
	if (max > RECORD_MAX_TERMS)
		max = RECORD_MAX_TERMS;
	/* one block: the record, its terms, then its text */
	rec = malloc(sizeof(*rec) + max * sizeof(*rec->terms) + len + 1);
	if (rec == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rec->terms = (struct spf_term *)(rec + 1);
	rec->text = (char *)(rec->terms + max);
	memcpy(rec->text, txt, len);
	rec->text[len] = '\0';
	rec->len = len;
	rec->nterms = 0;
	rec->redirect = rec->exp = -1;
	rec->has_all = false;
	while (i < len && rec->text[i] != ' ')	/* the version */
		i++;
	while (i < len) {
		while (i < len && rec->text[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && rec->text[i] != ' ')
			i++;
		if (i == start)
			break;
		if (rec->nterms == max) {
			snprintf(err, errlen, "too many terms");
			goto fail;
		}
		if (term_parse(rec, rec->text + start, i - start, err,
		    errlen) == -1)
			goto fail;
	}
	return rec;
fail:
	spf_record_free(rec);
	return NULL;
}

void
spf_record_free(struct spf_record *rec)
{
	free(rec);
}
