/*
 * dmarc.c: DMARC aggregate reports, the XML of RFC 7489 appendix C and
 * of RFC 9990 (namespace urn:ietf:params:xml:ns:dmarc-2.0), read with
 * libxml2 (no network, no DTD, no entity substitution), from plain XML or
 * a gzip (zlib) or zip (libzip) attachment found by its magic bytes.
 *
 * Unpacking is bounded: a gzip stream or zip entry that would give more
 * than max_unpacked bytes is refused as a bomb without producing them.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <zip.h>
#include <zlib.h>

#include "feeds/complaint.h"

#define NS_9990	"urn:ietf:params:xml:ns:dmarc-2.0"

/* ---- unpacking ---- */

static enum dmarc_status
gunzip(const char *in, size_t len, size_t max, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	z_stream z = { 0 };
	size_t cap = len * 4 < 65536 ? 65536 : len * 4, n = 0;
	char *buf;
	int rc;

	if (cap > max + 1)
		cap = max + 1;
	if ((buf = malloc(cap)) == NULL || inflateInit2(&z, 15 + 32) != Z_OK) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return DMARC_MALFORMED;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	do {
		if (n == cap) {
			if (cap > max) {
				rc = Z_BUF_ERROR;
				break;
			}
			size_t nc = cap * 2 > max + 1 ? max + 1 : cap * 2;
			char *nb = realloc(buf, nc);
			if (nb == NULL)
				break;
			buf = nb;
			cap = nc;
		}
		z.next_out = (Bytef *)buf + n;
		z.avail_out = (uInt)(cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		n = cap - z.avail_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (n > max) {
		free(buf);
		snprintf(err, errlen, "the gzip attachment unpacks to more than "
		    "%zu bytes (a bomb?)", max);
		return DMARC_TOO_BIG;
	}
	if (rc != Z_STREAM_END) {
		free(buf);
		snprintf(err, errlen, "a broken gzip stream");
		return DMARC_MALFORMED;
	}
	*out = buf;
	*outlen = n;
	return DMARC_OK;
}

/* The first .xml entry of a zip (or the first entry), at most max bytes. */
static enum dmarc_status
unzip(const char *in, size_t len, size_t max, char **out, size_t *outlen,
    char *err, size_t errlen)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	zip_file_t *zf = NULL;
	zip_int64_t idx = -1, got;
	char *buf = NULL;
	enum dmarc_status s = DMARC_MALFORMED;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(in, len, 0, &ze)) == NULL ||
	    (za = zip_open_from_source(src, ZIP_RDONLY, &ze)) == NULL) {
		snprintf(err, errlen, "a broken zip attachment: %s",
		    zip_error_strerror(&ze));
		zip_source_free(src);
		zip_error_fini(&ze);
		return DMARC_MALFORMED;
	}
	zip_int64_t ne = zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < ne && idx < 0; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, 0);
		size_t nl = name ? strlen(name) : 0;
		if (nl > 4 && strcasecmp(name + nl - 4, ".xml") == 0)
			idx = i;
	}
	if (idx < 0 && ne > 0)
		idx = 0;
	if (idx < 0 || zip_stat_index(za, (zip_uint64_t)idx, 0, &st) != 0) {
		snprintf(err, errlen, "an empty zip attachment");
		goto done;
	}
	if (!(st.valid & ZIP_STAT_SIZE) || st.size > max) {
		snprintf(err, errlen, "the zip attachment unpacks to more than "
		    "%zu bytes (a bomb?)", max);
		s = DMARC_TOO_BIG;
		goto done;
	}
	/* read one byte more than the header claims: a lying size shows */
	if ((buf = malloc(st.size + 2)) == NULL ||
	    (zf = zip_fopen_index(za, (zip_uint64_t)idx, 0)) == NULL ||
	    (got = zip_fread(zf, buf, st.size + 1)) < 0 ||
	    (zip_uint64_t)got != st.size) {
		snprintf(err, errlen, "a broken zip entry");
		goto done;
	}
	*out = buf;
	*outlen = (size_t)got;
	buf = NULL;
	s = DMARC_OK;
done:
	if (zf != NULL)
		zip_fclose(zf);
	zip_discard(za);
	zip_error_fini(&ze);
	free(buf);
	return s;
}

/* ---- the XML ---- */

static bool
named(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE &&
	    strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *
child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (named(c, name))
			return c;
	return NULL;
}

/* The trimmed text of n's child `name` into dst ("" if none). */
static void
text(const xmlNode *n, const char *name, char *dst, size_t cap)
{
	const xmlNode *c = child(n, name);
	xmlChar *t = c ? xmlNodeGetContent(c) : NULL;
	const char *s = (const char *)t;
	size_t len;

	dst[0] = '\0';
	if (s == NULL)
		return;
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
	xmlFree(t);
}

static uint64_t
number(const xmlNode *n, const char *name)
{
	char buf[32];

	text(n, name, buf, sizeof(buf));
	return strtoull(buf, NULL, 10);
}

static void
row_read(const xmlNode *rec, struct dmarc_row *w)
{
	const xmlNode *row = child(rec, "row"), *pe = child(row, "policy_evaluated");
	const xmlNode *ids = child(rec, "identifiers");
	const xmlNode *spf = child(child(rec, "auth_results"), "spf");

	memset(w, 0, sizeof(*w));
	text(row, "source_ip", w->source_ip, sizeof(w->source_ip));
	w->count = number(row, "count");
	text(pe, "disposition", w->disposition, sizeof(w->disposition));
	text(pe, "dkim", w->dkim, sizeof(w->dkim));
	text(pe, "spf", w->spf, sizeof(w->spf));
	text(ids, "header_from", w->header_from, sizeof(w->header_from));
	text(ids, "envelope_from", w->envelope_from, sizeof(w->envelope_from));
	text(spf, "domain", w->spf_domain, sizeof(w->spf_domain));
	text(spf, "result", w->spf_result, sizeof(w->spf_result));
}

static enum dmarc_status
feedback_read(const xmlNode *root, struct dmarc_report *r, char *err,
    size_t errlen)
{
	const xmlNode *meta = child(root, "report_metadata");
	size_t n = 0;

	r->format = root->ns && root->ns->href && strcmp((const char *)
	    root->ns->href, NS_9990) == 0 ? 2 : 1;
	text(meta, "org_name", r->org_name, sizeof(r->org_name));
	text(meta, "report_id", r->report_id, sizeof(r->report_id));
	r->begin = number(child(meta, "date_range"), "begin");
	r->end = number(child(meta, "date_range"), "end");
	text(child(root, "policy_published"), "domain", r->policy_domain,
	    sizeof(r->policy_domain));
	for (const xmlNode *c = root->children; c; c = c->next)
		n += named(c, "record");
	if (n > DMARC_MAX_ROWS) {
		snprintf(err, errlen, "more than %d records", DMARC_MAX_ROWS);
		return DMARC_TOO_BIG;
	}
	if (n > 0 && (r->rows = calloc(n, sizeof(*r->rows))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return DMARC_MALFORMED;
	}
	for (const xmlNode *c = root->children; c; c = c->next)
		if (named(c, "record"))
			row_read(c, &r->rows[r->nrows++]);
	return DMARC_OK;
}

static enum dmarc_status
xml_read(const char *xml, size_t len, struct dmarc_report *r, char *err,
    size_t errlen)
{
	xmlDoc *doc;
	const xmlNode *root;
	enum dmarc_status s;

	if (len > INT32_MAX || (doc = xmlReadMemory(xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)) ==
	    NULL) {
		const xmlError *e = xmlGetLastError();
		snprintf(err, errlen, "bad XML: %s", e && e->message ?
		    e->message : "unreadable");
		err[strcspn(err, "\n")] = '\0';
		return DMARC_MALFORMED;
	}
	root = xmlDocGetRootElement(doc);
	if (root == NULL || !named(root, "feedback") ||
	    child(root, "policy_published") == NULL) {
		snprintf(err, errlen, "XML that is not a DMARC aggregate report");
		xmlFreeDoc(doc);
		return DMARC_NOT_DMARC;
	}
	s = feedback_read(root, r, err, errlen);
	xmlFreeDoc(doc);
	return s;
}

enum dmarc_status
dmarc_parse(const char *data, size_t len, size_t max_unpacked,
    struct dmarc_report *r, char *err, size_t errlen)
{
	char *plain = NULL;
	size_t plen = 0;
	enum dmarc_status s = DMARC_OK;
	const unsigned char *u = (const unsigned char *)data;

	memset(r, 0, sizeof(*r));
	if (max_unpacked == 0)
		max_unpacked = FEED_MAX_UNPACKED;
	if (len >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		s = gunzip(data, len, max_unpacked, &plain, &plen, err, errlen);
	else if (len >= 4 && memcmp(data, "PK\3\4", 4) == 0)
		s = unzip(data, len, max_unpacked, &plain, &plen, err, errlen);
	if (s != DMARC_OK)
		return s;
	s = plain ? xml_read(plain, plen, r, err, errlen) :
	    xml_read(data, len, r, err, errlen);
	free(plain);
	if (s != DMARC_OK)
		dmarc_clear(r);
	return s;
}

static bool
looks_dmarc(const struct mime_part *p)
{
	const unsigned char *u = (const unsigned char *)p->body;
	size_t n = p->body_len;

	if (n >= 2 && u[0] == 0x1f && u[1] == 0x8b)
		return true;
	if (n >= 4 && memcmp(u, "PK\3\4", 4) == 0)
		return true;
	while (n > 0 && isspace(*u))
		u++, n--;
	return n > 5 && (memcmp(u, "<?xml", 5) == 0 ||
	    memcmp(u, "<feedback", n < 9 ? n : 9) == 0);
}

enum dmarc_status
dmarc_parse_message(const struct mime_msg *m, size_t max_unpacked,
    struct dmarc_report *r, char *err, size_t errlen)
{
	enum dmarc_status s = DMARC_NOT_DMARC;

	for (size_t i = 0; i < m->nparts; i++) {
		const struct mime_part *p = &m->parts[i];
		if (strncmp(p->type, "multipart/", 10) == 0 || !looks_dmarc(p))
			continue;
		s = dmarc_parse(p->body, p->body_len, max_unpacked, r, err,
		    errlen);
		if (s != DMARC_NOT_DMARC)
			return s;
	}
	memset(r, 0, sizeof(*r));
	if (s == DMARC_NOT_DMARC)
		snprintf(err, errlen, "no DMARC aggregate report attached");
	return s;
}

void
dmarc_clear(struct dmarc_report *r)
{
	free(r->rows);
	memset(r, 0, sizeof(*r));
}
