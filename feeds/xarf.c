/*
 * xarf.c: X-ARF v4 reports: a JSON document (jansson), sent as a mail
 * part (application/json, or any part whose body is a JSON object with
 * an X-ARF version) or as the body itself. Two shapes are read: the
 * xarf-spec v4 one (xarf_version, category or class, type,
 * source_identifier, timestamp, smtp_from) and the earlier v4 one
 * (Version "4", Report { ReportClass, ReportType, SourceIp, Date }).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "feeds/complaint.h"

static const char *
str(const json_t *o, const char *a, const char *b)
{
	const json_t *v = json_object_get(o, a);

	if (!json_is_string(v) && b != NULL)
		v = json_object_get(o, b);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Lowercase, '_' as '-', cut to fit. */
static void
word_copy(char *dst, size_t cap, const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s && n + 1 < cap; s++)
		dst[n++] = *s == '_' ? '-' : (char)tolower((unsigned char)*s);
	dst[n] = '\0';
}

static void
text_copy(char *dst, size_t cap, const char *s)
{
	snprintf(dst, cap, "%s", s ? s : "");
}

enum xarf_status
xarf_parse_json(const char *json, size_t len, struct xarf_report *r,
    char *err, size_t errlen)
{
	json_error_t je;
	json_t *doc, *rep;
	const char *ver;

	memset(r, 0, sizeof(*r));
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		snprintf(err, errlen, "X-ARF: bad JSON at line %d: %s", je.line,
		    je.text);
		return XARF_MALFORMED;
	}
	rep = json_object_get(doc, "Report");
	if ((ver = str(doc, "xarf_version", "Version")) == NULL ||
	    ver[0] != '4') {
		snprintf(err, errlen, "JSON without an X-ARF version 4");
		json_decref(doc);
		return XARF_NOT_XARF;
	}
	text_copy(r->version, sizeof(r->version), ver);
	if (json_is_object(rep)) {		/* the earlier v4 shape */
		word_copy(r->cls, sizeof(r->cls), str(rep, "ReportClass", NULL));
		word_copy(r->type, sizeof(r->type), str(rep, "ReportType", NULL));
		text_copy(r->source, sizeof(r->source), str(rep, "SourceIp",
		    "Source"));
		text_copy(r->timestamp, sizeof(r->timestamp), str(rep, "Date",
		    NULL));
		text_copy(r->smtp_from, sizeof(r->smtp_from), str(rep,
		    "SmtpMailFromAddress", NULL));
	} else {
		word_copy(r->cls, sizeof(r->cls), str(doc, "category", "class"));
		word_copy(r->type, sizeof(r->type), str(doc, "type", NULL));
		text_copy(r->source, sizeof(r->source), str(doc,
		    "source_identifier", NULL));
		text_copy(r->timestamp, sizeof(r->timestamp), str(doc,
		    "timestamp", NULL));
		text_copy(r->smtp_from, sizeof(r->smtp_from), str(doc,
		    "smtp_from", NULL));
	}
	json_decref(doc);
	if (r->type[0] == '\0') {
		snprintf(err, errlen, "X-ARF report without a type");
		return XARF_MALFORMED;
	}
	return XARF_OK;
}

static bool
looks_json(const char *b, size_t n)
{
	while (n > 0 && isspace((unsigned char)*b))
		b++, n--;
	return n > 0 && *b == '{';
}

enum xarf_status
xarf_parse(const struct mime_msg *m, struct xarf_report *r, char *err,
    size_t errlen)
{
	enum xarf_status s = XARF_NOT_XARF;

	/* a JSON part first, then any part that looks like JSON */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < m->nparts; i++) {
			const struct mime_part *p = &m->parts[i];
			if (strncmp(p->type, "multipart/", 10) == 0 ||
			    (pass == 0 && strcmp(p->type, "application/json")) ||
			    !looks_json(p->body, p->body_len))
				continue;
			s = xarf_parse_json(p->body, p->body_len, r, err, errlen);
			if (s != XARF_NOT_XARF)
				return s;
		}
	memset(r, 0, sizeof(*r));
	snprintf(err, errlen, "no X-ARF JSON part: not an X-ARF report");
	return XARF_NOT_XARF;
}
