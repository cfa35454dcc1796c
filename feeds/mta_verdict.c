/*
 * mta_verdict.c: reads back what our MTA wrote into a message
 * (mta_verdict.h): our Received field (Postfix's "from HELO (NAME [IP])
 * by ID"), the Received-SPF field of reputed's policy service (RFC 7208
 * 9.1 key=value pairs) and the Authentication-Results of reputed-milter
 * (RFC 8601 resinfo: method=result ptype.property=value). The header is
 * read with rfc5322.c, the PRA chosen by pra.c.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feeds/mta_verdict.h"

/* Copies value without comments "(...)" (nested, with quoted-pairs) and
 * with quotes removed, into out. */
static void
strip_comments(const char *v, char *out, size_t outlen)
{
	size_t n = 0;
	int depth = 0;
	bool quoted = false;

	for (; *v && n + 1 < outlen; v++) {
		if (*v == '\\' && v[1] != '\0' && (depth > 0 || quoted)) {
			if (depth == 0)
				out[n++] = v[1];
			v++;
		} else if (!quoted && *v == '(')
			depth++;
		else if (!quoted && *v == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *v == '"')
			quoted = !quoted;
		else if (depth == 0)
			out[n++] = *v;
	}
	out[n] = '\0';
}

/* The next token of *p (white space, ';' and '=' end tokens). */
static size_t
token(const char **p, char *out, size_t outlen)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	while (*s && !strchr(" \t\r\n;=", *s)) {
		if (n + 1 < outlen)
			out[n++] = *s;
		s++;
	}
	out[n] = '\0';
	*p = s;
	return n;
}

static bool
same_name(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > 0 && a[la - 1] == '.')
		la--;
	if (lb > 0 && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

/* Copies src, cut to what fits: a value that long is not one we wrote. */
static void
copy(char *dst, size_t cap, const char *src)
{
	size_t n = strnlen(src, cap - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void
set(char *dst, size_t cap, const char *src)
{
	if (dst[0] == '\0')
		copy(dst, cap, src);
}

static int
result_of(const char *word)
{
	enum spf_result r;

	return spf_result_parse(word, &r) == 0 ? (int)r : SPF_RESULTS;
}

/* ---- Authentication-Results (RFC 8601 2.2) ---- */

/* One resinfo: "method=result ptype.prop=value ...". */
static void
ar_resinfo(const char *s, struct mta_verdict *v)
{
	char method[64], result[64], key[64], val[SPF_DOMAIN_MAX + 66];

	if (token(&s, method, sizeof(method)) == 0 || *s != '=')
		return;
	s++;
	token(&s, result, sizeof(result));
	for (;;) {
		if (token(&s, key, sizeof(key)) == 0 || *s != '=')
			break;
		s++;
		token(&s, val, sizeof(val));
		if (strcasecmp(method, "spf") == 0 &&
		    strcasecmp(key, "smtp.mailfrom") == 0) {
			v->spf_mail_from = result_of(result);
			set(v->mail_from, sizeof(v->mail_from), val);
			v->have_mail_from = true;
		} else if (strcasecmp(method, "spf") == 0 &&
		    strcasecmp(key, "smtp.helo") == 0) {
			v->spf_helo = result_of(result);
			set(v->helo, sizeof(v->helo), val);
		} else if (strcasecmp(method, "reputed") == 0 &&
		    strcasecmp(key, "policy.ip") == 0)
			set(v->client_ip, sizeof(v->client_ip), val);
	}
	if (strcasecmp(method, "sender-id") == 0)
		v->sender_id = result_of(result);
	if (strcasecmp(method, "reputed") == 0)
		v->listed = strcasecmp(result, "fail") == 0;
}

static bool
ar_read(const char *value, const char *id, struct mta_verdict *v)
{
	char text[4096], first[256];
	const char *p = text;

	strip_comments(value, text, sizeof(text));
	token(&p, first, sizeof(first));
	if (!same_name(first, id))
		return false;
	while ((p = strchr(p, ';')) != NULL) {
		const char *end = strchr(++p, ';');
		char one[1024];
		snprintf(one, sizeof(one), "%.*s", end ? (int)(end - p) :
		    (int)strlen(p), p);
		ar_resinfo(one, v);
	}
	return true;
}

/* ---- Received-SPF (RFC 7208 9.1) ---- */

static bool
rspf_read(const char *value, const char *id, struct mta_verdict *v)
{
	char text[4096], result[32], key[64], val[SPF_DOMAIN_MAX + 66];
	char receiver[256] = "", identity[32] = "", ip[64] = "", helo[256] = "";
	char from[SPF_DOMAIN_MAX + 66] = "";
	bool have_from = false;
	const char *p = text;

	strip_comments(value, text, sizeof(text));
	token(&p, result, sizeof(result));
	for (;;) {
		while (*p == ';' || *p == ' ' || *p == '\t')
			p++;
		if (token(&p, key, sizeof(key)) == 0 || *p != '=')
			break;
		p++;
		token(&p, val, sizeof(val));
		if (strcasecmp(key, "receiver") == 0)
			copy(receiver, sizeof(receiver), val);
		else if (strcasecmp(key, "identity") == 0)
			copy(identity, sizeof(identity), val);
		else if (strcasecmp(key, "client-ip") == 0)
			copy(ip, sizeof(ip), val);
		else if (strcasecmp(key, "helo") == 0)
			copy(helo, sizeof(helo), val);
		else if (strcasecmp(key, "envelope-from") == 0) {
			copy(from, sizeof(from), val);
			have_from = true;
		}
	}
	if (!same_name(receiver, id))
		return false;
	set(v->client_ip, sizeof(v->client_ip), ip);
	set(v->helo, sizeof(v->helo), helo);
	if (have_from && !v->have_mail_from) {
		set(v->mail_from, sizeof(v->mail_from), from);
		v->have_mail_from = true;
	}
	if (strcasecmp(identity, "helo") == 0 && v->spf_helo == SPF_RESULTS)
		v->spf_helo = result_of(result);
	else if (strcasecmp(identity, "mailfrom") == 0 &&
	    v->spf_mail_from == SPF_RESULTS)
		v->spf_mail_from = result_of(result);
	return true;
}

/* ---- Received (RFC 5321 4.4): "from HELO (... [IP]) by ID ..." ---- */

/* The first "by" between white space (folding leaves tabs), or NULL. */
static const char *
find_by(const char *value)
{
	for (const char *p = value; (p = strcasestr(p, "by")) != NULL; p += 2)
		if (p > value && isspace((unsigned char)p[-1]) &&
		    isspace((unsigned char)p[2]))
			return p - 1;
	return NULL;
}

/* true if this Received is ours; then helo and address are read. */
static bool
received_read(const char *value, const char *id, struct mta_verdict *v)
{
	const char *by = find_by(value), *p = value, *lb, *rb;
	char word[256], byname[256];

	if (by == NULL)
		return false;
	p = by + 3;
	token(&p, byname, sizeof(byname));
	if (!same_name(byname, id))
		return false;
	p = value;
	token(&p, word, sizeof(word));
	if (strcasecmp(word, "from") != 0)
		return true;
	token(&p, word, sizeof(word));
	set(v->helo, sizeof(v->helo), word);
	if ((lb = strchr(p, '[')) != NULL && lb < by &&
	    (rb = strchr(lb, ']')) != NULL && rb < by) {
		lb++;
		if (strncasecmp(lb, "IPv6:", 5) == 0)
			lb += 5;
		snprintf(word, sizeof(word), "%.*s", (int)(rb - lb), lb);
		copy(v->client_ip, sizeof(v->client_ip), word);
	}
	return true;
}

int
mta_verdict_read(const char *msg, size_t len, const char *id,
    struct mta_verdict *v, char *err, size_t errlen)
{
	struct rfc5322_header hdr;
	bool ours = false;

	memset(v, 0, sizeof(*v));
	v->spf_mail_from = v->spf_helo = v->sender_id = SPF_RESULTS;
	if (rfc5322_parse(msg, len, &hdr, err, errlen) == -1)
		return -1;
	for (size_t i = 0; i < hdr.nfields && !ours; i++) {
		const struct rfc5322_field *f = &hdr.fields[i];
		if (strcasecmp(f->name, "Received") == 0) {
			if (!(ours = received_read(f->value, id, v)))
				break;	/* the topmost Received is not ours */
			v->trusted++;
		} else if (strcasecmp(f->name, "Authentication-Results") == 0)
			v->trusted += ar_read(f->value, id, v);
		else if (strcasecmp(f->name, "Received-SPF") == 0)
			v->trusted += rspf_read(f->value, id, v);
	}
	pra_select(&hdr, &v->pra);
	rfc5322_clear(&hdr);
	if (!ours) {
		snprintf(err, errlen, "no Received field by %s at the top: the "
		    "message did not come in through this MTA", id);
		return -1;
	}
	if (v->client_ip[0] == '\0') {
		snprintf(err, errlen, "no client address in the fields of %s", id);
		return -1;
	}
	return 0;
}

/* ---- the report fields ---- */

static void
put(json_t *obj, const char *field, const char *value)
{
	if (json_object_get(obj, field) == NULL && value != NULL)
		json_object_set_new(obj, field, json_string(value));
}

static void
put_result(json_t *obj, const char *field, int r)
{
	if (r < SPF_RESULTS)
		put(obj, field, spf_result_name((enum spf_result)r));
}

void
mta_verdict_to_json(const struct mta_verdict *v, json_t *obj)
{
	if (json_object_get(obj, "domain") == NULL &&
	    json_object_get(obj, "subject") == NULL)
		put(obj, "ip", v->client_ip);
	put(obj, "client_ip", v->client_ip);
	put(obj, "helo", v->helo[0] ? v->helo : NULL);
	put(obj, "mail_from", v->have_mail_from ? v->mail_from : NULL);
	put(obj, "pra", v->pra.status == PRA_FOUND ? v->pra.addr : NULL);
	put_result(obj, "spf_mail_from", v->spf_mail_from);
	put_result(obj, "spf_helo", v->spf_helo);
	put_result(obj, "sender_id", v->sender_id);
}
