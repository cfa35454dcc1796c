/*
 * mime.c: the MIME reader of mime.h. The input is copied once with its
 * line ends made LF; every part's header is read by rfc5322_parse and its
 * body points into that copy, or into a decoded copy of its own (base64,
 * quoted-printable). Multipart bodies are split on their boundary lines
 * (RFC 2046 5.1.1) and message/rfc822 bodies are read as messages, each
 * one level deeper, at most MIME_MAX_DEPTH.
 *
 * Input is outside data: every scan is bounded by the part's length, the
 * tree by MIME_MAX_PARTS and MIME_MAX_DEPTH, and a decoded body is never
 * longer than its encoded form.
 *
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

	for (size_t i = 0; i < len; i++) {
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
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
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
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
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

/* Decodes part p's body by its Content-Transfer-Encoding. */
static enum mime_status
decode_body(struct mime_ctx *c, struct mime_part *p)
{
	const char *cte = mime_field(&p->hdr, "Content-Transfer-Encoding");
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
	if ((p->owned = malloc(p->body_len + 1)) == NULL)
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
	const char *e;

	if (len > 0 && text[0] == '\n')
		return 1;
	e = memmem(text, len, "\n\n", 2);
	return e ? (size_t)(e - text) + 2 : len;
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

	dlen = (size_t)snprintf(dash, sizeof(dash), "--%s",
	    c->m->parts[self].boundary);
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

static enum mime_status
read_header(struct mime_ctx *c, struct mime_part *p, const char *text,
    size_t hlen, const char *default_type)
{
	const char *ct;

	if (rfc5322_parse(text, hlen, &p->hdr, c->err, c->errlen) == -1)
		return MIME_MALFORMED;
	snprintf(p->type, sizeof(p->type), "%s", default_type);
	if ((ct = mime_field(&p->hdr, "Content-Type")) == NULL)
		return MIME_OK;
	if (!content_type(ct, p->type, sizeof(p->type)))
		snprintf(p->type, sizeof(p->type), "%s", "text/plain");
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
	if ((s = read_header(c, p, text, bs, default_type)) != MIME_OK)
		return s;
	p->body = text + bs;
	p->body_len = len - bs;
	if ((s = decode_body(c, p)) != MIME_OK)
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
	for (size_t i = 0; i < m->nparts; i++) {
		rfc5322_clear(&m->parts[i].hdr);
		free(m->parts[i].owned);
	}
	free(m->parts);
	free(m->text);
	memset(m, 0, sizeof(*m));
}
