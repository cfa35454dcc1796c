/*
 * rfc5322.c: a small reader of message header sections (RFC 5322),
 * enough for the PRA (RFC 4407): fields in order, unfolded, and the
 * mailboxes of an address-list or mailbox-list value.
 *
 * Input is outside data: every loop is bounded by its length, comments
 * nest at most COMMENT_DEPTH deep, the number of fields is capped, and
 * addresses are written into caller buffers with their size checked.
 * Encoded words (RFC 2047) are atoms here: display names are skipped,
 * never decoded.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

#define COMMENT_DEPTH	32
#define ADDR_LEN	(SPF_DOMAIN_MAX + 66)

/* ---- header fields ---- */

static int
field_add(struct rfc5322_header *hdr, const char *name, size_t nlen,
    const char *value, size_t vlen)
{
	if (hdr->nfields == RFC5322_MAX_FIELDS)
		return -1;
	/* room for 16, then doubled at 16, 32, 64, ... */
	if (hdr->nfields == 0 || (hdr->nfields >= 16 &&
	    (hdr->nfields & (hdr->nfields - 1)) == 0)) {
		size_t cap = hdr->nfields ? hdr->nfields * 2 : 16;
		struct rfc5322_field *fs = realloc(hdr->fields,
		    cap * sizeof(*fs));
		if (fs == NULL)
			return -1;
		hdr->fields = fs;
	}
	struct rfc5322_field *f = &hdr->fields[hdr->nfields];
	if ((f->name = strndup(name, nlen)) == NULL)
		return -1;
	if ((f->value = malloc(vlen + 1)) == NULL) {
		free(f->name);
		return -1;
	}
	/* RFC 5322 2.2.3: "Unfolding is accomplished by simply removing any
	 * CRLF that is immediately followed by WSP." */
	size_t n = 0;
	for (size_t i = 0; i < vlen; i++)
		if (value[i] != '\r' && value[i] != '\n')
			f->value[n++] = value[i];
	f->value[n] = '\0';
	hdr->nfields++;
	return 0;
}

/* The end of the line at p (the index of its '\n', or len). */
static size_t
line_end(const char *msg, size_t len, size_t p)
{
	const char *nl = memchr(msg + p, '\n', len - p);

	return nl ? (size_t)(nl - msg) : len;
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

int
rfc5322_parse(const char *msg, size_t len, struct rfc5322_header *hdr,
    char *err, size_t errlen)
{
	size_t p = 0;

	memset(hdr, 0, sizeof(*hdr));
	if (len > 5 && memcmp(msg, "From ", 5) == 0)	/* mbox postmark */
		p = line_end(msg, len, 0) + 1;
	while (p < len) {
		size_t e = line_end(msg, len, p), ll = e - p;
		if (ll > 0 && msg[e - 1] == '\r')
			ll--;
		if (ll == 0)
			break;			/* the empty line: body follows */
		if (msg[p] == ' ' || msg[p] == '\t') {
			snprintf(err, errlen, "continuation line before any field");
			goto fail;
		}
		size_t nlen = field_name_len(msg + p, ll);
		if (nlen == 0) {
			snprintf(err, errlen, "a header line without a field name");
			goto fail;
		}
		size_t vstart = p + nlen + 1, vend = e;
		/* continuation lines start with WSP */
		while (vend + 1 < len && (msg[vend + 1] == ' ' ||
		    msg[vend + 1] == '\t'))
			vend = line_end(msg, len, vend + 1);
		if (field_add(hdr, msg + p, nlen, msg + vstart, vend - vstart) == -1) {
			snprintf(err, errlen, "too many header fields");
			goto fail;
		}
		p = vend + 1;
	}
	return 0;
fail:
	rfc5322_clear(hdr);
	return -1;
}

void
rfc5322_clear(struct rfc5322_header *hdr)
{
	for (size_t i = 0; i < hdr->nfields; i++) {
		free(hdr->fields[i].name);
		free(hdr->fields[i].value);
	}
	free(hdr->fields);
	memset(hdr, 0, sizeof(*hdr));
}

/* ---- addresses ---- */

struct lex {
	const char	*s;
	size_t		 i, len;
};

static int
lex_peek(const struct lex *lx)
{
	return lx->i < lx->len ? (unsigned char)lx->s[lx->i] : -1;
}

/*
 * CFWS = (1*([FWS] comment) [FWS]) / FWS
 * comment = "(" *([FWS] ccontent) [FWS] ")" ; ccontent may nest
 */
static int
skip_cfws(struct lex *lx)
{
	int depth = 0;

	while (lx->i < lx->len) {
		char c = lx->s[lx->i];
		if (depth == 0 && c != '(' && c != ' ' && c != '\t' &&
		    c != '\r' && c != '\n')
			return 0;
		if (c == '\\' && depth > 0)
			lx->i++;
		else if (c == '(' && ++depth > COMMENT_DEPTH)
			return -1;
		else if (c == ')' && depth > 0)
			depth--;
		lx->i++;
	}
	return depth == 0 ? 0 : -1;
}

/* atext: ALPHA / DIGIT / "!#$%&'*+-/=?^_`{|}~" */
static bool
is_atext(int c)
{
	return c > 0 && c < 127 && (isalnum(c) ||
	    strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

struct buf {
	char	*p;
	size_t	 len, cap;
};

static int
buf_put(struct buf *b, const char *s, size_t n)
{
	if (n >= b->cap - b->len)
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

/* quoted-string, kept with its quotes and quoted-pairs. */
static int
quoted(struct lex *lx, struct buf *b)
{
	size_t start = lx->i++;

	while (lx->i < lx->len && lx->s[lx->i] != '"') {
		if (lx->s[lx->i] == '\\')
			lx->i++;
		lx->i++;
	}
	if (lx->i >= lx->len)
		return -1;
	lx->i++;
	return b ? buf_put(b, lx->s + start, lx->i - start) : 0;
}

/* A word (atom or quoted-string) or a dot, as in dot-atom and in the
 * obsolete phrase and local-part forms. 0 if there is none. */
static int
word(struct lex *lx, struct buf *b)
{
	int c = lex_peek(lx);
	size_t start = lx->i;

	if (c == '"')
		return quoted(lx, b) == 0 ? 1 : -1;
	while (is_atext(lex_peek(lx)) || lex_peek(lx) == '.')
		lx->i++;
	if (lx->i == start)
		return 0;
	return b && buf_put(b, lx->s + start, lx->i - start) == -1 ? -1 : 1;
}

/* domain = dot-atom / domain-literal */
static int
domain(struct lex *lx, struct buf *b)
{
	if (skip_cfws(lx) == -1)
		return -1;
	if (lex_peek(lx) == '[') {
		const char *close = memchr(lx->s + lx->i, ']', lx->len - lx->i);
		if (close == NULL)
			return -1;
		size_t n = close - (lx->s + lx->i) + 1;
		if (buf_put(b, lx->s + lx->i, n) == -1)
			return -1;
		lx->i += n;
	} else {
		size_t start = lx->i;
		while (is_atext(lex_peek(lx)) || lex_peek(lx) == '.')
			lx->i++;
		if (lx->i == start || buf_put(b, lx->s + start, lx->i - start) == -1)
			return -1;
	}
	return skip_cfws(lx);
}

/* addr-spec = local-part "@" domain, with local-part read as words. */
static int
addr_spec(struct lex *lx, struct buf *b)
{
	int w;

	b->len = 0;
	b->p[0] = '\0';
	for (;;) {
		if (skip_cfws(lx) == -1 || (w = word(lx, b)) == -1)
			return -1;
		if (w == 0)
			break;
	}
	if (b->len == 0 || lex_peek(lx) != '@')
		return -1;
	lx->i++;
	if (buf_put(b, "@", 1) == -1)
		return -1;
	return domain(lx, b);
}

/* angle-addr = [CFWS] "<" [obs-route] addr-spec ">" [CFWS] */
static int
angle_addr(struct lex *lx, struct buf *b)
{
	lx->i++;				/* '<' */
	if (skip_cfws(lx) == -1)
		return -1;
	if (lex_peek(lx) == '@') {		/* obs-route: skip to ':' */
		const char *colon = memchr(lx->s + lx->i, ':', lx->len - lx->i);
		if (colon == NULL)
			return -1;
		lx->i = colon - lx->s + 1;
	}
	if (addr_spec(lx, b) == -1 || lex_peek(lx) != '>')
		return -1;
	lx->i++;
	return skip_cfws(lx);
}

struct mboxes {
	char	(*addrs)[ADDR_LEN];
	int	 n, max;
};

static int
mbox_store(struct mboxes *m, const struct buf *b)
{
	if (m->n < m->max)
		snprintf(m->addrs[m->n], ADDR_LEN, "%s", b->p);
	m->n++;
	return 0;
}

/*
 * mailbox = name-addr / addr-spec ; name-addr = [display-name] angle-addr
 * Or, when allowed, group = display-name ":" [group-list] ";" [CFWS].
 * The phrase is read first; what follows tells which form it was.
 */
static int
address(struct lex *lx, struct mboxes *m, bool group_ok)
{
	char tmp[ADDR_LEN];
	struct buf b = { tmp, 0, sizeof(tmp) };
	size_t start = lx->i;
	int w;

	tmp[0] = '\0';
	do {
		if (skip_cfws(lx) == -1 || (w = word(lx, NULL)) == -1)
			return -1;
	} while (w == 1);
	switch (lex_peek(lx)) {
	case '<':
		if (angle_addr(lx, &b) == -1)
			return -1;
		return mbox_store(m, &b);
	case '@':
		lx->i = start;
		if (addr_spec(lx, &b) == -1)
			return -1;
		return mbox_store(m, &b);
	case ':':
		if (!group_ok || lx->i == start)
			return -1;
		lx->i++;
		for (;;) {
			if (skip_cfws(lx) == -1)
				return -1;
			int c = lex_peek(lx);
			if (c == ';') {
				lx->i++;
				return skip_cfws(lx);
			}
			if (c == ',') {
				lx->i++;
				continue;
			}
			if (c == -1 || address(lx, m, false) == -1)
				return -1;
		}
	default:
		return -1;
	}
}

int
rfc5322_mailboxes(const char *value, char addrs[][SPF_DOMAIN_MAX + 66],
    int max, char *err, size_t errlen)
{
	struct lex lx = { value, 0, strlen(value) };
	struct mboxes m = { addrs, 0, max };

	for (;;) {
		if (skip_cfws(&lx) == -1)
			goto bad;
		int c = lex_peek(&lx);
		if (c == -1)
			break;
		if (c == ',') {			/* obs-addr-list: empty items */
			lx.i++;
			continue;
		}
		if (address(&lx, &m, true) == -1)
			goto bad;
		c = lex_peek(&lx);
		if (c != -1 && c != ',')
			goto bad;
	}
	return m.n;
bad:
	snprintf(err, errlen, "not an address list near offset %zu", lx.i);
	return -1;
}
