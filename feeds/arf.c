/*
 * arf.c: the Abuse Reporting Format (RFC 5965) and its authentication
 * failure extension (RFC 6591), read from a MIME tree (mime.c): the
 * machine-readable message/feedback-report part and the returned message
 * or its header. Fields are copied into fixed buffers (too long: cut);
 * Original-Rcpt-To is counted only, never copied.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "feeds/complaint.h"

/* A field value without surrounding space, copied (cut to fit). */
static void
copy_trim(char *dst, size_t cap, const char *v)
{
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n > 0 && isspace((unsigned char)v[n - 1]))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static void
lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* RFC 5965 3.1 / 3.2 and RFC 6591 3.1: the fields we read. */
static void
arf_field(struct arf_report *r, const char *name, const char *value)
{
	struct {
		const char *name;
		char *dst;
		size_t cap;
	} f[] = {
		{ "Feedback-Type", r->feedback_type, sizeof(r->feedback_type) },
		{ "User-Agent", r->user_agent, sizeof(r->user_agent) },
		{ "Version", r->version, sizeof(r->version) },
		{ "Source-IP", r->source_ip, sizeof(r->source_ip) },
		{ "Arrival-Date", r->arrival_date, sizeof(r->arrival_date) },
		{ "Received-Date", r->arrival_date, sizeof(r->arrival_date) },
		{ "Original-Mail-From", r->original_mail_from,
		    sizeof(r->original_mail_from) },
		{ "Reported-Domain", r->reported_domain,
		    sizeof(r->reported_domain) },
		{ "Auth-Failure", r->auth_failure, sizeof(r->auth_failure) },
		{ "Delivery-Result", r->delivery_result,
		    sizeof(r->delivery_result) },
		{ "DKIM-Domain", r->dkim_domain, sizeof(r->dkim_domain) },
		{ "DKIM-Selector", r->dkim_selector, sizeof(r->dkim_selector) },
		{ "SPF-DNS", r->spf_dns, sizeof(r->spf_dns) },
	};

	if (strcasecmp(name, "Original-Rcpt-To") == 0) {
		r->rcpt_to++;
		return;
	}
	if (strcasecmp(name, "Reported-URI") == 0) {
		r->reported_uri = true;
		return;
	}
	if (strcasecmp(name, "Incidents") == 0) {
		unsigned long n = strtoul(value, NULL, 10);
		r->incidents = n > 1000000 ? 1000000 : (unsigned)n;
		return;
	}
	if (strcasecmp(name, "Authentication-Results") == 0) {
		if (r->n_auth_results < ARF_MAX_AR)
			r->auth_results[r->n_auth_results++] = value;
		return;
	}
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcasecmp(name, f[i].name) == 0 && f[i].dst[0] == '\0') {
			copy_trim(f[i].dst, f[i].cap, value);
			return;
		}
}

/* The returned message (the part after the report) or its header: the
 * header of the one child of a message/rfc822 or text/rfc822-headers
 * part (mime.c reads both), borrowed from the tree. */
static void
arf_returned(const struct mime_msg *m, int report, struct arf_report *r)
{
	static const char *types[] = { "message/rfc822", "message/global",
		"text/rfc822-headers" };
	int parent = m->parts[report].parent;

	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
		int i = mime_find(m, parent, types[k]);
		if (i >= 0 && (size_t)i + 1 < m->nparts &&
		    m->parts[i + 1].parent == i) {
			r->returned = m->parts[i + 1].hdr;
			return;
		}
	}
}

enum arf_status
arf_parse(const struct mime_msg *m, struct arf_report *r, char *err,
    size_t errlen)
{
	const struct rfc5322_header *fields;
	int i = mime_find(m, -1, "message/feedback-report");

	memset(r, 0, sizeof(*r));
	if (i < 0) {
		snprintf(err, errlen, "no message/feedback-report part: not "
		    "an ARF report");
		return ARF_NOT_ARF;
	}
	if ((size_t)i + 1 >= m->nparts || m->parts[i + 1].parent != i) {
		snprintf(err, errlen, "the feedback report is not a list of "
		    "fields");
		return ARF_MALFORMED;
	}
	fields = &m->parts[i + 1].hdr;
	for (size_t k = 0; k < fields->nfields; k++)
		arf_field(r, fields->fields[k].name, fields->fields[k].value);
	lower(r->feedback_type);
	lower(r->auth_failure);
	/* RFC 5965 3.1: Feedback-Type, User-Agent and Version are required;
	 * senders in the wild leave out the last two, which change nothing
	 * we read, so only Feedback-Type is insisted on. */
	if (r->feedback_type[0] == '\0') {
		snprintf(err, errlen, "the feedback report has no "
		    "Feedback-Type field");
		return ARF_MALFORMED;
	}
	arf_returned(m, i, r);
	return ARF_OK;
}

void
arf_clear(struct arf_report *r)
{
	memset(&r->returned, 0, sizeof(r->returned));	/* borrowed */
}
