/*
 * spf_macro.c: SPF macro expansion (RFC 7208 section 7).
 *
 * Every write is bounded by the caller's buffer; a value is split into at
 * most MACRO_PARTS parts; nothing is allocated. The %{p} letter needs DNS,
 * which this file never does: it returns SPF_MACRO_NEED_P and the
 * evaluator (spf.c) looks the name up and expands again. This is the code
 * where libspf2 had its memory-safety bugs; the fuzz target
 * tests/fuzz/spf_macro_fuzz.c drives it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "feeds/feeds.h"

#define MACRO_VALUE_MAX	1024	/* longest value we transform */
#define MACRO_PARTS	(MACRO_VALUE_MAX + 1)

struct out {
	char	*buf;
	size_t	 len, cap;
	bool	 overflow;
};

static void
out_put(struct out *o, const char *s, size_t n)
{
	if (o->overflow || n >= o->cap - o->len) {
		o->overflow = true;
		return;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

/*
 * RFC 7208 7.3: "Uppercase macros expand exactly as their lowercase
 * equivalents, and are then URL escaped. URL escaping MUST be performed
 * for characters not in the "unreserved" set, which is defined in
 * [RFC3986]."   unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~"
 */
static void
out_put_escaped(struct out *o, const char *s, size_t n, bool escape)
{
	char hex[4];

	if (!escape) {
		out_put(o, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
			out_put(o, s + i, 1);
		else {
			snprintf(hex, sizeof(hex), "%%%02X", c);
			out_put(o, hex, 3);
		}
	}
}

/* The value of a macro letter (lowercase), or NULL if it is not one. */
static const char *
letter_value(int letter, const struct spf_macro_env *env, bool explain,
    char *tmp, size_t tmplen, enum spf_macro_status *st)
{
	switch (letter) {
	case 's': return env->sender;
	case 'l': return env->local;
	case 'o': return env->sender_domain;
	case 'd': return env->domain;
	case 'i': return env->ip_dotted;
	case 'h': return env->helo;
	case 'v': return env->ip6 ? "ip6" : "in-addr";
	case 'p':
		if (env->validated == NULL)
			*st = SPF_MACRO_NEED_P;
		return env->validated;
	}
	/* RFC 7208 7.2: "The following macro letters are allowed only in
	 * "exp" text: c r t" */
	if (!explain)
		return NULL;
	switch (letter) {
	case 'c': return env->ip_text;
	case 'r': return env->receiver ? env->receiver : "unknown";
	case 't':
		snprintf(tmp, tmplen, "%lld", (long long)env->now);
		return tmp;
	}
	return NULL;
}

/*
 * RFC 7208 7.3: "If transformers or delimiters are provided, the
 * replacement value for a macro letter is split into parts separated by
 * one or more of the specified delimiter characters. After performing
 * any reversal operation and/or removal of left-hand parts, the parts
 * are rejoined using "." and not the original splitting characters."
 */
static void
transform(struct out *o, const char *v, size_t vlen, unsigned keep,
    bool reverse, const char *delims, size_t ndelims, bool escape)
{
	static const char dot = '.';
	uint16_t start[MACRO_PARTS], end[MACRO_PARTS];
	size_t n = 0, s = 0;

	for (size_t i = 0; i <= vlen; i++) {
		if (i == vlen || memchr(delims, v[i], ndelims) != NULL) {
			start[n] = s;
			end[n++] = i;
			s = i + 1;
		}
	}
	size_t first = (keep == 0 || keep >= n) ? 0 : n - keep;
	for (size_t k = first; k < n; k++) {
		size_t p = reverse ? n - 1 - k : k;
		if (k > first)
			out_put(o, &dot, 1);
		out_put_escaped(o, v + start[p], end[p] - start[p], escape);
	}
}

/*
 * macro-expand = ( "%{" macro-letter transformers *delimiter "}" )
 *                / "%%" / "%_" / "%-"
 * transformers = *DIGIT [ "r" ]
 * delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
 * Expands the "{...}" form at s (just past the '%'); *used is how many
 * bytes it took. o may be NULL to check syntax only.
 */
static enum spf_macro_status
expand_one(const char *s, size_t len, size_t *used,
    const struct spf_macro_env *env, bool explain, struct out *o)
{
	enum spf_macro_status st = SPF_MACRO_OK;
	size_t i = 1, ndigits = 0, dstart;
	unsigned keep = 0;
	bool reverse = false;
	char tmp[32];

	if (len < 3 || s[0] != '{')
		return SPF_MACRO_SYNTAX;
	int letter = tolower((unsigned char)s[i]);
	bool escape = isupper((unsigned char)s[i]);
	if (strchr("slodiphvcrt", letter) == NULL || letter == 0)
		return SPF_MACRO_SYNTAX;
	if (!explain && strchr("crt", letter) != NULL)
		return SPF_MACRO_SYNTAX;
	for (i++; i < len && isdigit((unsigned char)s[i]); i++, ndigits++)
		if (keep < 1000)
			keep = keep * 10 + (s[i] - '0');
	/* RFC 7208 7.3: "If a DIGIT is specified, the value MUST be
	 * nonzero." */
	if (ndigits > 0 && keep == 0)
		return SPF_MACRO_SYNTAX;
	if (i < len && (s[i] == 'r' || s[i] == 'R')) {
		reverse = true;
		i++;
	}
	for (dstart = i; i < len && strchr(".-+,/_=", s[i]) != NULL &&
	    s[i] != '\0'; i++)
		;
	if (i == len || s[i] != '}')
		return SPF_MACRO_SYNTAX;
	*used = i + 1;
	if (o == NULL)
		return SPF_MACRO_OK;
	const char *v = letter_value(letter, env, explain, tmp, sizeof(tmp), &st);
	if (st != SPF_MACRO_OK)
		return st;
	if (v == NULL)
		v = "";
	size_t vlen = strlen(v);
	if (vlen > MACRO_VALUE_MAX)
		return SPF_MACRO_TOO_LONG;
	if (i == dstart)
		transform(o, v, vlen, keep, reverse, ".", 1, escape);
	else
		transform(o, v, vlen, keep, reverse, s + dstart, i - dstart,
		    escape);
	return SPF_MACRO_OK;
}

/*
 * macro-string = *( macro-expand / macro-literal )
 * macro-literal = %x21-24 / %x26-7E   ; visible characters except "%"
 * explain-string = *( macro-string / SP )
 */
static enum spf_macro_status
walk(const char *src, size_t len, const struct spf_macro_env *env,
    bool explain, struct out *o)
{
	static const char pct = '%', sp = ' ';
	enum spf_macro_status st;
	size_t i = 0, used;

	while (i < len) {
		unsigned char c = src[i];
		if (c != '%') {
			if ((c < 0x21 || c > 0x7e) && !(explain && c == ' '))
				return SPF_MACRO_SYNTAX;
			if (o)
				out_put(o, src + i, 1);
			i++;
			continue;
		}
		if (i + 1 == len)
			return SPF_MACRO_SYNTAX;
		switch (src[i + 1]) {
		case '%': if (o) out_put(o, &pct, 1); i += 2; continue;
		case '_': if (o) out_put(o, &sp, 1); i += 2; continue;
		case '-': if (o) out_put(o, "%20", 3); i += 2; continue;
		}
		st = expand_one(src + i + 1, len - i - 1, &used, env, explain, o);
		if (st != SPF_MACRO_OK)
			return st;
		i += 1 + used;
	}
	return o && o->overflow ? SPF_MACRO_TOO_LONG : SPF_MACRO_OK;
}

bool
spf_macro_syntax_ok(const char *src, size_t len, bool explain)
{
	return walk(src, len, NULL, explain, NULL) == SPF_MACRO_OK;
}

/*
 * RFC 7208 7.3: "When the result of macro expansion is used in a domain
 * name query, if the expanded domain name exceeds 253 characters (the
 * maximum length of a domain name in this format), the left side is
 * truncated to fit, by removing successive domain labels (and their
 * following dots) until the total length does not exceed 253
 * characters."
 */
static void
truncate_left(char *buf, size_t *len)
{
	size_t skip = 0;

	if (*len > 0 && buf[*len - 1] == '.')
		buf[--*len] = '\0';
	while (*len - skip > SPF_DOMAIN_MAX) {
		char *dot = memchr(buf + skip, '.', *len - skip);
		if (dot == NULL)
			break;
		skip = dot - buf + 1;
	}
	memmove(buf, buf + skip, *len - skip + 1);
	*len -= skip;
}

enum spf_macro_status
spf_macro_expand(const char *src, size_t len, const struct spf_macro_env *env,
    bool explain, bool domain, char *out, size_t outlen)
{
	struct out o = { out, 0, outlen, false };
	enum spf_macro_status st;

	if (outlen == 0)
		return SPF_MACRO_TOO_LONG;
	out[0] = '\0';
	if ((st = walk(src, len, env, explain, &o)) != SPF_MACRO_OK)
		return st;
	if (domain)
		truncate_left(out, &o.len);
	return SPF_MACRO_OK;
}
