/*
 * jsonl.c: a JSON object (one line of a JSON-lines feed, or one element of
 * an API request) -> Reputed__Report in caller storage. Checks every field
 * it reads: the subject with reputation/'s subject_parse, names of
 * categories and Sender-ID results with policy.c's tables, ranges of the
 * numbers. Uses jansson; allocates nothing the caller must free.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "feeds/jsonl.h"

enum jsonl_field_kind { JF_SUBJECT, JF_CATEGORY, JF_CONFIDENCE, JF_OBSERVED,
	JF_TTL, JF_CLIENT_IP, JF_HELO, JF_MAIL_FROM, JF_PRA, JF_SPF_HELO,
	JF_SPF_MAIL_FROM, JF_SENDER_ID };

/* The fields an object may have, sorted by name. */
static const struct jsonl_field {
	const char *name;
	enum jsonl_field_kind kind;
} jsonl_fields[] = {
	{ "category", JF_CATEGORY },
	{ "client_ip", JF_CLIENT_IP },
	{ "confidence", JF_CONFIDENCE },
	{ "domain", JF_SUBJECT },
	{ "helo", JF_HELO },
	{ "ip", JF_SUBJECT },
	{ "mail_from", JF_MAIL_FROM },
	{ "observed_at", JF_OBSERVED },
	{ "pra", JF_PRA },
	{ "sender_id", JF_SENDER_ID },
	{ "spf_helo", JF_SPF_HELO },
	{ "spf_mail_from", JF_SPF_MAIL_FROM },
	{ "subject", JF_SUBJECT },
	{ "ttl", JF_TTL },
};

static const struct jsonl_field *
jsonl_field_find(const char *name)
{
	for (size_t i = 0; i < sizeof(jsonl_fields) / sizeof(jsonl_fields[0]); i++)
		if (strcmp(jsonl_fields[i].name, name) == 0)
			return &jsonl_fields[i];
	return NULL;
}

static const char *
jsonl_string(const char *key, const json_t *v, char *err, size_t errlen)
{
	if (!json_is_string(v)) {
		snprintf(err, errlen, "%s: expected a string", key);
		return NULL;
	}
	return json_string_value(v);
}

/* An integer in [min, max]. */
static int
jsonl_integer(const char *key, const json_t *v, json_int_t min,
    json_int_t max, json_int_t *out, char *err, size_t errlen)
{
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		snprintf(err, errlen, "%s: expected an integer from %lld to %lld",
		    key, (long long)min, (long long)max);
		return -1;
	}
	*out = json_integer_value(v);
	return 0;
}

static int
jsonl_subject(const char *key, const json_t *v, struct jsonl_report *r,
    char *err, size_t errlen)
{
	const char *text = jsonl_string(key, v, err, errlen);
	char why[128];

	if (text == NULL)
		return -1;
	if (r->report.subject != NULL) {
		snprintf(err, errlen, "%s: only one of ip, domain and subject "
		    "may be given", key);
		return -1;
	}
	if ((strcmp(key, "domain") == 0 ? subject_parse_domain(text, &r->subj,
	    why, sizeof(why)) : subject_parse(text, &r->subj, why,
	    sizeof(why))) == -1) {
		snprintf(err, errlen, "%s: %s", key, why);
		return -1;
	}
	if (strcmp(key, "ip") == 0 && r->subj.kind == SUBJECT_DOMAIN) {
		snprintf(err, errlen, "ip: '%.64s' is not an IP address or prefix",
		    text);
		return -1;
	}
	subject_to_proto(&r->subj, &r->subject);
	r->report.subject = &r->subject;
	return 0;
}

/* Printable ASCII up to cap - 1 bytes, copied into dst. */
static int
jsonl_text(const char *key, const json_t *v, char *dst, size_t cap,
    char *err, size_t errlen)
{
	const char *s = jsonl_string(key, v, err, errlen);
	size_t len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len >= cap || len != json_string_length(v)) {
		snprintf(err, errlen, "%s: longer than %zu bytes or holds a NUL",
		    key, cap - 1);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) {
			snprintf(err, errlen, "%s: only printable ASCII without "
			    "spaces is allowed", key);
			return -1;
		}
	memcpy(dst, s, len + 1);
	return 0;
}

static int
jsonl_client_ip(const char *key, const json_t *v, struct jsonl_report *r,
    char *err, size_t errlen)
{
	const char *s = jsonl_string(key, v, err, errlen);
	struct subject ip;
	char why[128];

	if (s == NULL)
		return -1;
	if (subject_parse(s, &ip, why, sizeof(why)) == -1 ||
	    ip.kind == SUBJECT_DOMAIN || ip.prefix_len !=
	    (ip.kind == SUBJECT_IPV4 ? 32 : 128)) {
		snprintf(err, errlen, "%s: '%.64s' is not an IP address", key, s);
		return -1;
	}
	memcpy(r->client_ip, ip.addr, 16);
	r->mail.client_ip.data = r->client_ip;
	r->mail.client_ip.len = ip.kind == SUBJECT_IPV4 ? 4 : 16;
	return 0;
}

/* A Sender-ID / SPF result word; "not-checked" is the absence of one. */
static int
jsonl_auth(const char *key, const json_t *v, Reputed__AuthResult *out,
    char *err, size_t errlen)
{
	const char *s = jsonl_string(key, v, err, errlen);
	int res;

	if (s == NULL)
		return -1;
	if ((res = auth_result_parse(s)) < 0) {
		snprintf(err, errlen, "%s: '%.32s' is not one of none, neutral, "
		    "pass, fail, softfail, temperror, permerror", key, s);
		return -1;
	}
	*out = (Reputed__AuthResult)res;
	return 0;
}

static int
jsonl_category(const char *key, const json_t *v, struct jsonl_report *r,
    char *err, size_t errlen)
{
	const char *s = jsonl_string(key, v, err, errlen);
	int k;

	if (s == NULL)
		return -1;
	if ((k = category_parse(s)) <= 0) {
		snprintf(err, errlen, "category: unknown category '%.32s'", s);
		return -1;
	}
	r->report.category = (Reputed__Category)k;
	return 0;
}

static int
jsonl_field(const struct jsonl_field *f, const char *key, const json_t *v,
    struct jsonl_report *r, char *err, size_t errlen)
{
	json_int_t n;

	switch (f->kind) {
	case JF_SUBJECT:
		return jsonl_subject(key, v, r, err, errlen);
	case JF_CATEGORY:
		return jsonl_category(key, v, r, err, errlen);
	case JF_CONFIDENCE:
		if (jsonl_integer(key, v, 1, 100, &n, err, errlen) == -1)
			return -1;
		r->report.confidence = (uint32_t)n;
		return 0;
	case JF_OBSERVED:
		if (jsonl_integer(key, v, 1, INT64_MAX, &n, err, errlen) == -1)
			return -1;
		r->report.observed_at = (uint64_t)n;
		return 0;
	case JF_TTL:
		if (jsonl_integer(key, v, 0, UINT32_MAX, &n, err, errlen) == -1)
			return -1;
		r->report.ttl = (uint32_t)n;
		return 0;
	case JF_CLIENT_IP:
		return jsonl_client_ip(key, v, r, err, errlen);
	case JF_HELO:
		r->mail.helo = r->helo;
		return jsonl_text(key, v, r->helo, sizeof(r->helo), err, errlen);
	case JF_MAIL_FROM:
		r->mail.mail_from = r->mail_from;
		return jsonl_text(key, v, r->mail_from, sizeof(r->mail_from),
		    err, errlen);
	case JF_PRA:
		r->mail.pra = r->pra;
		return jsonl_text(key, v, r->pra, sizeof(r->pra), err, errlen);
	case JF_SPF_HELO:
		return jsonl_auth(key, v, &r->mail.spf_helo, err, errlen);
	case JF_SPF_MAIL_FROM:
		return jsonl_auth(key, v, &r->mail.spf_mail_from, err, errlen);
	case JF_SENDER_ID:
		return jsonl_auth(key, v, &r->mail.sender_id_pra, err, errlen);
	}
	return -1;
}

static void
jsonl_report_init(struct jsonl_report *r, uint64_t now)
{
	memset(r, 0, sizeof(*r));
	reputed__report__init(&r->report);
	reputed__subject__init(&r->subject);
	reputed__mail_evidence__init(&r->mail);
	r->report.confidence = 100;
	r->report.observed_at = now;
}

int
jsonl_report_from_json(const json_t *obj, uint64_t now,
    struct jsonl_report *out, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	bool mail = false;

	jsonl_report_init(out, now);
	if (!json_is_object(obj)) {
		snprintf(err, errlen, "a report must be a JSON object");
		return -1;
	}
	json_object_foreach((json_t *)obj, key, v) {
		const struct jsonl_field *f = jsonl_field_find(key);
		if (f == NULL) {
			snprintf(err, errlen, "unknown field '%.32s'", key);
			return -1;
		}
		if (jsonl_field(f, key, v, out, err, errlen) == -1)
			return -1;
		mail |= f->kind >= JF_CLIENT_IP;
	}
	if (out->report.subject == NULL) {
		snprintf(err, errlen, "missing subject: give ip, domain or subject");
		return -1;
	}
	if (out->report.category == 0) {
		snprintf(err, errlen, "missing category");
		return -1;
	}
	if (mail)
		out->report.mail = &out->mail;
	return 0;
}

int
jsonl_parse_report(const char *json, size_t len, uint64_t now,
    struct jsonl_report *out, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *obj;
	int rc;

	obj = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj == NULL) {
		jsonl_report_init(out, now);
		snprintf(err, errlen, "bad JSON at line %d column %d: %s",
		    jerr.line, jerr.column, jerr.text);
		return -1;
	}
	rc = jsonl_report_from_json(obj, now, out, err, errlen);
	json_decref(obj);
	return rc;
}
