/*
 * mime.c: the MIME reader of mime.h. The input is copied once with its
 * line ends made LF; every part's header is read by the rules of
 * rfc5322_parse into the message's arena (one block for many fields), and
 * its body points into that copy, or into a decoded copy in the arena
 * (base64, quoted-printable). Multipart bodies are split on their boundary lines
 * (RFC 2046 5.1.1) and message/rfc822 bodies are read as messages, each
 * one level deeper, at most MIME_MAX_DEPTH.
 *
 * Input is outside data: every scan is bounded by the part's length, the
 * tree by MIME_MAX_PARTS and MIME_MAX_DEPTH, and a decoded body is never
 * longer than its encoded form.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds/mime.h"

struct mime_ctx {
	struct mime_msg	*m;
	char		*err;
	size_t		 errlen;
};

/* One block of the message's arena: header fields and decoded bodies
 * live here, freed at once by mime_free (no malloc per field). */
struct mime_chunk {
	struct mime_chunk *next;
	size_t		 used, cap;
	max_align_t	 data[];
};

static void *
arena_alloc(struct mime_msg *m, size_t n)
{
	struct mime_chunk *ch = m->arena;
	size_t need = (n + 15) & ~(size_t)15;

	if (ch == NULL || ch->cap - ch->used < need) {
		size_t cap = need > 16384 ? need : 16384;
		if ((ch = malloc(sizeof(*ch) + cap)) == NULL)
			return NULL;
		ch->next = m->arena;
		ch->used = 0;
		ch->cap = cap;
		m->arena = ch;
	}
	ch->used += need;
	return (char *)ch->data + ch->used - need;
}

const char *
mime_status_name(enum mime_status s)
{
	static const char *names[] = { "ok", "not-a-message", "malformed",
		"bad-encoding", "too-deep", "too-many-parts", "no-memory" };

	return (size_t)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

size_t
mime_lf(const char *src, size_t len, char *dst)
{
	size_t n = 0;
	const char *cr = memchr(src, '\r', len);

	if (cr == NULL) {		/* LF already: a copy */
		memcpy(dst, src, len);
		dst[len] = '\0';
		return len;
	}
	n = (size_t)(cr - src);
	memcpy(dst, src, n);
	for (size_t i = n; i < len; i++) {
		if (src[i] == '\r') {
			dst[n++] = '\n';
			if (i + 1 < len && src[i + 1] == '\n')
				i++;
		} else
			dst[n++] = src[i];
	}
	dst[n] = '\0';
	return n;
}

const char *
mime_field(const struct rfc5322_header *hdr, const char *name)
{
	for (size_t i = 0; i < hdr->nfields; i++)
		if (strcasecmp(hdr->fields[i].name, name) == 0)
			return hdr->fields[i].value;
	return NULL;
}

int
mime_find(const struct mime_msg *m, int under, const char *type)
{
	for (size_t i = under < 0 ? 0 : (size_t)under + 1; i < m->nparts; i++) {
		if (under >= 0) {	/* still below `under`? */
			int p = m->parts[i].parent;
			while (p > under)
				p = m->parts[p].parent;
			if (p != under)
				return -1;	/* document order: left it */
		}
		if (strcmp(m->parts[i].type, type) == 0)
			return (int)i;
	}
	return -1;
}

/* strlcpy: src cut to fit dst (cap > 0). */
static void
copy(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ---- structured field values ---- */

static const char *
skip_cfws(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '\\' && depth > 0 && p[1])
			p++;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\n')
			break;
	}
	return p;
}

/* RFC 2045 5.1: token := 1*<any (US-ASCII) CHAR except SPACE, CTLs,
 * or tspecials> */
static bool
is_token(int c)
{
	static bool table[256], ready;

	if (!ready) {		/* idempotent: a race writes the same bytes */
		for (int i = 33; i < 127; i++)
			table[i] = strchr("()<>@,;:\\\"/[]?=", i) == NULL;
		ready = true;
	}
	return table[c & 0xff];
}

/* A token or a quoted-string at p into out (unquoted); the end, or NULL. */
static const char *
token_or_quoted(const char *p, char *out, size_t outlen, bool *fits)
{
	size_t n = 0;

	*fits = true;
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			if (n + 1 < outlen)
				out[n++] = *p;
			else
				*fits = false;
		}
		if (*p != '"')
			return NULL;
		p++;
	} else {
		const char *s = p;
		while (is_token((unsigned char)*p))
			p++;
		if (p == s)
			return NULL;
		for (; s < p; s++)
			if (n + 1 < outlen)
				out[n++] = *s;
			else
				*fits = false;
	}
	if (outlen > 0)
		out[n] = '\0';
	return p;
}

bool
mime_param(const char *value, const char *name, char *out, size_t outlen)
{
	const char *p = strchr(value, ';');
	char attr[64], val[512];
	bool fits;

	while (p != NULL && *p == ';') {
		p = skip_cfws(p + 1);
		if ((p = token_or_quoted(p, attr, sizeof(attr), &fits)) == NULL)
			return false;
		p = skip_cfws(p);
		if (*p != '=')
			return false;
		p = skip_cfws(p + 1);
		if ((p = token_or_quoted(p, val, sizeof(val), &fits)) == NULL)
			return false;
		if (strcasecmp(attr, name) == 0) {
			if (!fits || strlen(val) >= outlen)
				return false;
			memcpy(out, val, strlen(val) + 1);
			return true;
		}
		p = skip_cfws(p);
	}
	return false;
}

/* "type/subtype" of a Content-Type value, lowercase; false if malformed. */
static bool
content_type(const char *value, char *out, size_t outlen)
{
	const char *p = skip_cfws(value);
	size_t n = 0;

	while ((is_token((unsigned char)*p) || *p == '/') && n + 1 < outlen)
		out[n++] = (char)tolower((unsigned char)*p++);
	out[n] = '\0';
	return n > 2 && strchr(out, '/') != NULL && out[0] != '/' &&
	    out[n - 1] != '/';
}

/* ---- transfer encodings ---- */

static int
b64_value(int c)
{
	static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	static signed char table[256];
	static bool ready;

	if (!ready) {		/* idempotent: a race writes the same bytes */
		memset(table, -1, sizeof(table));
		for (int i = 0; i < 64; i++)
			table[(unsigned char)alphabet[i]] = (signed char)i;
		ready = true;
	}
	return table[c & 0xff];
}

/* RFC 2045 6.8. Whitespace is skipped; '=' ends the data; any other
 * character outside the alphabet is a broken encoding. */
static long
b64_decode(const char *in, size_t len, char *out)
{
	unsigned acc = 0, bits = 0;
	size_t n = 0, i;

	for (i = 0; i < len && in[i] != '='; i++) {
		int v = b64_value((unsigned char)in[i]);
		if (v < 0) {
			if (isspace((unsigned char)in[i]))
				continue;
			return -1;
		}
		acc = (acc << 6) | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	for (; i < len; i++)	/* after the padding: only '=' and space */
		if (in[i] != '=' && !isspace((unsigned char)in[i]))
			return -1;
	return (long)n;
}

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 2045 6.7: "=XX" and soft line breaks "=" at a line's end (after
 * optional trailing space). A lone '=' not followed by hex is kept as it
 * is, as 6.7 (note 1) advises robust decoders to do. */
static size_t
qp_decode(const char *in, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] != '=') {
			out[n++] = in[i];
			continue;
		}
		size_t j = i + 1;
		while (j < len && (in[j] == ' ' || in[j] == '\t'))
			j++;
		if (j == len || in[j] == '\n') {	/* soft line break */
			i = j;
			continue;
		}
		int hi = i + 2 < len ? hex_value((unsigned char)in[i + 1]) : -1;
		int lo = hi >= 0 ? hex_value((unsigned char)in[i + 2]) : -1;
		if (lo < 0) {
			out[n++] = '=';
			continue;
		}
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	return n;
}

/* Decodes part p's body by its Content-Transfer-Encoding (cte, or NULL). */
static enum mime_status
decode_body(struct mime_ctx *c, struct mime_part *p, const char *cte)
{
	char word[32];
	bool fits;
	long n;

	if (cte == NULL)
		return MIME_OK;
	if (token_or_quoted(skip_cfws(cte), word, sizeof(word), &fits) == NULL ||
	    !fits) {
		snprintf(c->err, c->errlen, "unreadable Content-Transfer-Encoding");
		return MIME_BAD_ENCODING;
	}
	if (strcasecmp(word, "7bit") == 0 || strcasecmp(word, "8bit") == 0 ||
	    strcasecmp(word, "binary") == 0)
		return MIME_OK;
	bool b64 = strcasecmp(word, "base64") == 0;
	if (!b64 && strcasecmp(word, "quoted-printable") != 0) {
		snprintf(c->err, c->errlen, "unknown Content-Transfer-Encoding "
		    "'%.32s'", word);
		return MIME_BAD_ENCODING;
	}
	if ((p->owned = arena_alloc(c->m, p->body_len + 1)) == NULL)
		return MIME_NO_MEMORY;
	n = b64 ? b64_decode(p->body, p->body_len, p->owned) :
	    (long)qp_decode(p->body, p->body_len, p->owned);
	if (n < 0) {
		snprintf(c->err, c->errlen, "broken base64 in a %s part",
		    p->type);
		return MIME_BAD_ENCODING;
	}
	p->owned[n] = '\0';
	p->body = p->owned;
	p->body_len = (size_t)n;
	return MIME_OK;
}

/* ---- the tree ---- */

static enum mime_status parse_entity(struct mime_ctx *c, const char *text,
	    size_t len, int parent, int depth, const char *default_type);
static enum mime_status parse_headers_part(struct mime_ctx *c, int self,
	    const char *body, size_t blen, int depth);

static struct mime_part *
part_new(struct mime_ctx *c, int parent, int depth)
{
	struct mime_msg *m = c->m;

	if (m->nparts == MIME_MAX_PARTS)
		return NULL;
	if ((m->nparts & (m->nparts - 1)) == 0) {	/* 0, 1, 2, 4, ... */
		size_t cap = m->nparts ? m->nparts * 2 : 4;
		struct mime_part *np = realloc(m->parts, cap * sizeof(*np));
		if (np == NULL)
			return NULL;
		m->parts = np;
	}
	struct mime_part *p = &m->parts[m->nparts++];
	memset(p, 0, sizeof(*p));
	p->parent = parent;
	p->depth = depth;
	return p;
}

/* Where the body starts: after the first empty line (or at len). */
static size_t
body_start(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	if (len > 0 && text[0] == '\n')
		return 1;
	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL &&
	    p + 1 < end) {
		if (p[1] == '\n')
			return (size_t)(p - text) + 2;
		p++;
	}
	return len;
}

/* The start of the next delimiter line "--boundary" at or after from
 * (at a line start), or NULL. */
static const char *
next_delimiter(const char *body, size_t len, size_t from, const char *dash,
    size_t dlen)
{
	while (from + dlen <= len) {
		const char *hit = memmem(body + from, len - from, dash, dlen);
		if (hit == NULL)
			return NULL;
		if (hit == body || hit[-1] == '\n')
			return hit;
		from = (size_t)(hit - body) + 1;
	}
	return NULL;
}

/* RFC 2046 5.1.1: splits a multipart body on "--boundary" lines; the
 * close delimiter is "--boundary--". Preamble and epilogue are dropped. A
 * body that ends without the close delimiter keeps its last part. */
static enum mime_status
parse_multipart(struct mime_ctx *c, int self, const char *body, size_t len,
    int depth)
{
	char dash[80];
	size_t dlen, n = 0;
	const char *d, *end = body + len;
	bool digest = strcmp(c->m->parts[self].type, "multipart/digest") == 0;

	dash[0] = dash[1] = '-';
	copy(dash + 2, sizeof(dash) - 2, c->m->parts[self].boundary);
	dlen = strlen(dash);
	if ((d = next_delimiter(body, len, 0, dash, dlen)) == NULL) {
		snprintf(c->err, c->errlen, "a multipart body without its "
		    "boundary line");
		return MIME_MALFORMED;
	}
	while (d != NULL) {
		const char *after = d + dlen, *eol, *start, *next;
		if (end - after >= 2 && after[0] == '-' && after[1] == '-')
			break;				/* close delimiter */
		eol = memchr(after, '\n', (size_t)(end - after));
		start = eol ? eol + 1 : end;
		next = next_delimiter(body, len, (size_t)(start - body), dash,
		    dlen);
		const char *stop = next ? next : end;
		if (next != NULL && stop > start && stop[-1] == '\n')
			stop--;		/* the LF belongs to the delimiter */
		enum mime_status s = parse_entity(c, start, (size_t)(stop -
		    start), self, depth + 1, digest ? "message/rfc822" :
		    "text/plain");
		if (s != MIME_OK)
			return s;
		n++;
		d = next;
	}
	if (n == 0) {
		snprintf(c->err, c->errlen, "a multipart body with no part");
		return MIME_MALFORMED;
	}
	return MIME_OK;
}

/*
 * RFC 5322 2.2: "A field name MUST be composed of printable US-ASCII
 * characters (i.e., characters that have values between 33 and 126,
 * inclusive), except colon."
 */
static size_t
field_name_len(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len && s[i] >= 33 && s[i] <= 126 && s[i] != ':')
		i++;
	return i < len && s[i] == ':' ? i : 0;
}

/* Fields (lines not starting with WSP) before the empty line; -1 if over
 * RFC5322_MAX_FIELDS. */
static long
field_count(const char *t, size_t len)
{
	long n = 0;

	for (size_t p = 0; p < len && t[p] != '\n';) {
		const char *nl = memchr(t + p, '\n', len - p);
		if (t[p] != ' ' && t[p] != '\t' && ++n > RFC5322_MAX_FIELDS)
			return -1;
		p = nl ? (size_t)(nl - t) + 1 : len;
	}
	return n;
}

/*
 * The header section as rfc5322_parse reads it (same rules, same errors)
 * into the arena. RFC 5322 2.2.3: "Unfolding is accomplished by simply
 * removing any CRLF that is immediately followed by WSP." (Line ends are
 * LF here.)
 */
static enum mime_status
header_read(struct mime_ctx *c, const char *t, size_t len,
    struct rfc5322_header *hdr)
{
	long n = field_count(t, len);
	size_t p = 0;

	memset(hdr, 0, sizeof(*hdr));
	if (n < 0) {
		snprintf(c->err, c->errlen, "too many header fields");
		return MIME_MALFORMED;
	}
	if (n > 0 && (hdr->fields = arena_alloc(c->m, (size_t)n *
	    sizeof(*hdr->fields))) == NULL)
		return MIME_NO_MEMORY;
	while (p < len && t[p] != '\n') {
		const char *nl = memchr(t + p, '\n', len - p);
		size_t e = nl ? (size_t)(nl - t) : len, nlen, vs, ve = e;
		if (t[p] == ' ' || t[p] == '\t') {
			snprintf(c->err, c->errlen, "continuation line before "
			    "any field");
			return MIME_MALFORMED;
		}
		if ((nlen = field_name_len(t + p, e - p)) == 0) {
			snprintf(c->err, c->errlen, "a header line without a "
			    "field name");
			return MIME_MALFORMED;
		}
		while (ve + 1 < len && (t[ve + 1] == ' ' || t[ve + 1] == '\t')) {
			nl = memchr(t + ve + 1, '\n', len - ve - 1);
			ve = nl ? (size_t)(nl - t) : len;
		}
		vs = p + nlen + 1;
		char *buf = arena_alloc(c->m, nlen + 1 + ve - vs + 1);
		if (buf == NULL)
			return MIME_NO_MEMORY;
		struct rfc5322_field *f = &hdr->fields[hdr->nfields++];
		memcpy(buf, t + p, nlen);
		buf[nlen] = '\0';
		f->name = buf;
		f->value = buf + nlen + 1;
		size_t k = 0;
		for (size_t i = vs; i < ve;) {	/* line by line, LFs left out */
			const char *lf = memchr(t + i, '\n', ve - i);
			size_t seg = lf ? (size_t)(lf - t) - i : ve - i;
			memcpy(f->value + k, t + i, seg);
			k += seg;
			i += seg + 1;
		}
		f->value[k] = '\0';
		p = ve + 1;
	}
	return MIME_OK;
}

/* Reads p's header: its type and boundary; *cte gets its
 * Content-Transfer-Encoding value or NULL. */
static enum mime_status
read_header(struct mime_ctx *c, struct mime_part *p, const char *text,
    size_t hlen, const char *default_type, const char **cte)
{
	const char *ct;
	enum mime_status s;

	if (hlen > 5 && memcmp(text, "From ", 5) == 0) {  /* mbox postmark */
		const char *nl = memchr(text, '\n', hlen);
		size_t skip = nl ? (size_t)(nl - text) + 1 : hlen;
		text += skip;
		hlen -= skip;
	}
	if ((s = header_read(c, text, hlen, &p->hdr)) != MIME_OK)
		return s;
	copy(p->type, sizeof(p->type), default_type);
	*cte = NULL;
	ct = NULL;
	for (size_t i = 0; i < p->hdr.nfields; i++) {	/* one pass */
		const char *name = p->hdr.fields[i].name;
		if ((name[0] | 0x20) != 'c' || strncasecmp(name, "Content-", 8))
			continue;
		if (ct == NULL && strcasecmp(name + 8, "Type") == 0)
			ct = p->hdr.fields[i].value;
		else if (*cte == NULL && strcasecmp(name + 8,
		    "Transfer-Encoding") == 0)
			*cte = p->hdr.fields[i].value;
	}
	if (ct == NULL)
		return MIME_OK;
	if (!content_type(ct, p->type, sizeof(p->type)))
		copy(p->type, sizeof(p->type), "text/plain");
	if (strncmp(p->type, "multipart/", 10) == 0 &&
	    !mime_param(ct, "boundary", p->boundary, sizeof(p->boundary))) {
		snprintf(c->err, c->errlen, "%s without a usable boundary",
		    p->type);
		return MIME_MALFORMED;
	}
	if (strcmp(p->type, "multipart/report") == 0)
		mime_param(ct, "report-type", p->report_type,
		    sizeof(p->report_type));
	return MIME_OK;
}

/* RFC 6522 text/rfc822-headers and RFC 5965 message/feedback-report:
 * the body read as a header section, the one child of the part. One
 * that is no header is left as text: the part stays, without a child. */
static enum mime_status
parse_headers_part(struct mime_ctx *c, int self, const char *body,
    size_t blen, int depth)
{
	size_t before = c->m->nparts;
	enum mime_status s;

	while (blen > 0 && *body == '\n')	/* a blank line first */
		body++, blen--;
	s = parse_entity(c, body, blen, self, depth + 1, "text/plain");
	if (s == MIME_MALFORMED) {
		c->m->nparts = before;
		return MIME_OK;
	}
	return s;
}

/* One entity (a header, an empty line, a body) as part of parent. */
static enum mime_status
parse_entity(struct mime_ctx *c, const char *text, size_t len, int parent,
    int depth, const char *default_type)
{
	struct mime_part *p;
	size_t bs = body_start(text, len);
	enum mime_status s;
	int self;

	if (depth > MIME_MAX_DEPTH) {
		snprintf(c->err, c->errlen, "parts nested deeper than %d levels",
		    MIME_MAX_DEPTH);
		return MIME_TOO_DEEP;
	}
	if ((p = part_new(c, parent, depth)) == NULL) {
		snprintf(c->err, c->errlen, "more than %d MIME parts",
		    MIME_MAX_PARTS);
		return c->m->nparts == MIME_MAX_PARTS ? MIME_TOO_MANY :
		    MIME_NO_MEMORY;
	}
	self = (int)(p - c->m->parts);
	const char *cte;
	if ((s = read_header(c, p, text, bs, default_type, &cte)) != MIME_OK)
		return s;
	p->body = text + bs;
	p->body_len = len - bs;
	if ((s = decode_body(c, p, cte)) != MIME_OK)
		return s;
	/* p may move when parts grow: take what we need first */
	const char *body = p->body;
	size_t blen = p->body_len;
	if (strncmp(p->type, "multipart/", 10) == 0)
		return parse_multipart(c, self, body, blen, depth);
	if (strcmp(p->type, "message/rfc822") == 0 ||
	    strcmp(p->type, "message/global") == 0)
		return parse_entity(c, body, blen, self, depth + 1,
		    "text/plain");
	if (strcmp(p->type, "text/rfc822-headers") == 0 ||
	    strcmp(p->type, "message/feedback-report") == 0)
		return parse_headers_part(c, self, body, blen, depth);
	return MIME_OK;
}

enum mime_status
mime_parse(const char *msg, size_t len, struct mime_msg *m, char *err,
    size_t errlen)
{
	struct mime_ctx c = { m, err, errlen };
	enum mime_status s;

	memset(m, 0, sizeof(*m));
	if ((m->text = malloc(len + 1)) == NULL)
		return MIME_NO_MEMORY;
	m->len = mime_lf(msg, len, m->text);
	s = parse_entity(&c, m->text, m->len, -1, 0, "text/plain");
	if (s == MIME_OK && m->parts[0].hdr.nfields == 0) {
		snprintf(err, errlen, "no header fields: not a message");
		s = MIME_NOT_MESSAGE;
	}
	if (s == MIME_MALFORMED && m->parts[0].hdr.nfields == 0)
		s = MIME_NOT_MESSAGE;	/* the top-level header is not one */
	if (s != MIME_OK)
		mime_free(m);
	return s;
}

void
mime_free(struct mime_msg *m)
{
	while (m->arena != NULL) {
		struct mime_chunk *next = m->arena->next;
		free(m->arena);
		m->arena = next;
	}
	free(m->parts);
	free(m->text);
	memset(m, 0, sizeof(*m));
}
