/*
 * complaint.c: one abuse-report message -> report objects. Reads the
 * message as ARF, X-ARF or a DMARC aggregate report (arf.c, xarf.c,
 * dmarc.c over mime.c), then decides the subject, the category, the time
 * and the mail evidence of each report as docs/FEEDS.md says, and writes
 * them as JSON objects with the fields of feeds/jsonl.h (so every way in
 * checks them as it checks any report).
 *
 * Only what docs/FEEDS.md lists leaves this file: the subject, category,
 * confidence, observed_at and the mail evidence (client IP, HELO, MAIL
 * FROM, PRA, SPF and Sender ID results). The body, the subject line, the
 * recipients and every other header stay in the caller's buffer.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "feeds/complaint.h"
#include "feeds/jsonl.h"
#include "reputation/reputation.h"

#define CONF_ARF		100	/* confidence of a user's complaint */
#define CONF_AUTH_FAILURE	50	/* of a failed authentication: a
					 * forwarder fails too */

static const char *const format_names[] = { "auto", "arf", "xarf", "dmarc" };
static const char *const reason_names[FR_COUNT] = { "none", "not-a-report",
	"no-subject", "too-big", "zip-bomb", "too-deep", "bad-encoding",
	"malformed", "ignored-type", "nothing-failed", "unsigned",
	"bad-signature", "untrusted-signer" };

const char *
feed_format_name(enum feed_format f)
{
	return (size_t)f < 4 ? format_names[f] : "?";
}

int
feed_format_parse(const char *name, enum feed_format *f)
{
	for (size_t i = 0; i < 4; i++)
		if (strcasecmp(name, format_names[i]) == 0) {
			*f = (enum feed_format)i;
			return 0;
		}
	return -1;
}

const char *
feed_reason_name(enum feed_reason r)
{
	return (size_t)r < FR_COUNT ? reason_names[r] : "?";
}

enum feed_reason
feed_reason_parse(const char *name, enum feed_reason otherwise)
{
	for (int k = 0; k < FR_COUNT; k++)
		if (strcmp(reason_names[k], name) == 0)
			return (enum feed_reason)k;
	return otherwise;
}

/* ---- names and addresses ---- */

static bool
parse_ip(const char *text, struct subject *s)
{
	char err[64];

	return subject_parse(text, s, err, sizeof(err)) == 0 &&
	    s->kind != SUBJECT_DOMAIN &&
	    s->prefix_len == (s->kind == SUBJECT_IPV4 ? 32 : 128);
}

static bool
is_loopback(const struct subject *ip)
{
	static const uint8_t v6lo[16] = { [15] = 1 };

	return ip->kind == SUBJECT_IPV4 ? ip->addr[0] == 127 :
	    memcmp(ip->addr, v6lo, 16) == 0;
}

/* Is name (a host name, or an IP in text) one of the reporter's own? */
static bool
own_host(const struct feed_conf *fc, const char *name, const struct subject *ip)
{
	for (int i = 0; i < fc->n_own_hosts; i++) {
		const char *h = fc->own_hosts[i];
		struct subject pfx;
		char err[64];
		if (ip != NULL && subject_parse(h, &pfx, err, sizeof(err)) == 0 &&
		    pfx.kind == ip->kind) {
			uint8_t a[16];
			size_t len = ip->kind == SUBJECT_IPV4 ? 4 : 16;
			memcpy(a, ip->addr, 16);
			addr_mask(a, len, pfx.prefix_len);
			if (memcmp(a, pfx.addr, len) == 0)
				return true;
			continue;
		}
		if (name == NULL || name[0] == '\0')
			continue;
		size_t nl = strlen(name), hl = strlen(h);
		if (h[0] == '.' ? nl > hl && strcasecmp(name + nl - hl, h) == 0 :
		    strcasecmp(name, h) == 0)
			return true;
	}
	return false;
}

int
feed_conf_add(struct feed_conf *fc, const char *kind, const char *name,
    char *err, size_t errlen)
{
	char (*list)[FEED_NAME_MAX];
	int *n;
	struct subject s;

	if (strcmp(kind, "own-host") == 0) {
		list = fc->own_hosts;
		n = &fc->n_own_hosts;
	} else if (strcmp(kind, "authserv-id") == 0) {
		list = fc->authserv_ids;
		n = &fc->n_authserv_ids;
	} else if (strcmp(kind, "own-domain") == 0) {
		list = fc->own_domains;
		n = &fc->n_own_domains;
		if (subject_parse_domain(name, &s, err, errlen) == -1)
			return -1;
	} else {
		snprintf(err, errlen, "unknown list '%s'", kind);
		return -1;
	}
	if (*n == FEED_MAX_NAMES || strlen(name) >= FEED_NAME_MAX ||
	    name[0] == '\0' || strpbrk(name, " \t;") != NULL) {
		snprintf(err, errlen, "%s: '%.64s' is empty, too long, holds a "
		    "space or the list is full (%d)", kind, name, FEED_MAX_NAMES);
		return -1;
	}
	snprintf(list[(*n)++], FEED_NAME_MAX, "%s", name);
	return 0;
}

/* The domain of an address ("a@b.example" or "<a@b.example>"), lowercase,
 * into out; false if none (null path, domain literal, bad name). */
static bool
addr_domain(const char *addr, char *out, size_t outlen)
{
	const char *at = strrchr(addr, '@');
	struct subject s;
	char d[FEED_NAME_MAX], err[64];
	size_t n;

	if (at == NULL || at[1] == '[')
		return false;
	n = strcspn(at + 1, "> \t");
	if (n == 0 || n >= sizeof(d))
		return false;
	memcpy(d, at + 1, n);
	d[n] = '\0';
	if (subject_parse_domain(d, &s, err, sizeof(err)) == -1)
		return false;
	snprintf(out, outlen, "%s", s.domain);
	return true;
}

/* A path ("<a@b>" or "a@b") as the bare address, checked printable and
 * short enough for feeds/jsonl.c; "" for the null path or junk. */
static void
bare_path(const char *v, char *out, size_t outlen)
{
	size_t n;

	out[0] = '\0';
	while (*v == ' ' || *v == '\t' || *v == '<')
		v++;
	n = strcspn(v, "> \t");
	if (n == 0 || n >= outlen || n > 256 || memchr(v, '@', n) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x21 || (unsigned char)v[i] > 0x7e)
			return;
	memcpy(out, v, n);
	out[n] = '\0';
}

/* ---- Authentication-Results (RFC 8601) ---- */

/* The next token of an A-R value (comments skipped), at most cap-1. */
static const char *
ar_token(const char *p, char *out, size_t cap, const char *stops)
{
	size_t n = 0;
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth > 0)
			continue;
		else if (isspace((unsigned char)*p) || strchr(stops, *p))
			if (n > 0)
				break;
			else
				continue;
		else if (n + 1 < cap)
			out[n++] = (char)tolower((unsigned char)*p);
	}
	out[n] = '\0';
	return p;
}

static int
ar_result(const char *word)
{
	if (strcmp(word, "hardfail") == 0)
		return auth_result_parse("fail");
	return auth_result_parse(word);
}

/*
 * RFC 8601 2.2:
 *   authres-header-field = "Authentication-Results:" authres-payload
 *   authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
 *                     ( no-result / 1*resinfo ) [CFWS] CRLF
 *   resinfo = [CFWS] ";" methodspec [ CFWS reasonspec ] [ 1*propspec ]
 */
bool
feed_auth_results(const struct feed_conf *fc, const char *value,
    struct feed_auth *out)
{
	char id[FEED_NAME_MAX], tok[128];
	const char *p = ar_token(value, id, sizeof(id), ";");
	bool trusted = false;

	out->spf_mfrom = out->spf_helo = out->sender_id = -1;
	for (int i = 0; i < fc->n_authserv_ids && !trusted; i++)
		trusted = strcasecmp(id, fc->authserv_ids[i]) == 0;
	if (!trusted)
		return false;
	while ((p = strchr(p, ';')) != NULL) {
		const char *seg = ++p, *end = strchr(seg, ';');
		size_t sl = end ? (size_t)(end - seg) : strlen(seg);
		char *eq, *method = tok;
		ar_token(seg, tok, sizeof(tok), ";");
		if ((eq = strchr(tok, '=')) == NULL)
			continue;
		*eq = '\0';
		int r = ar_result(eq + 1);
		if (r < 0)
			continue;
		char s[512];
		snprintf(s, sizeof(s), "%.*s", (int)(sl < 511 ? sl : 511), seg);
		for (char *c = s; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(method, "spf") == 0) {
			if (strstr(s, "smtp.helo=") && !strstr(s, "smtp.mailfrom="))
				out->spf_helo = r;
			else
				out->spf_mfrom = r;
		} else if (strcmp(method, "sender-id") == 0 ||
		    strcmp(method, "senderid") == 0)
			out->sender_id = r;
	}
	return true;
}

/* ---- Received (RFC 5321 4.4) ---- */

/* "from HELO (rdns [IP])" of one Received value: helo, rdns and ip. */
static bool
received_from(const char *v, char *helo, size_t hl, char *rdns, size_t rl,
    struct subject *ip)
{
	const char *p = v, *by, *lb;
	char tok[FEED_NAME_MAX];

	helo[0] = rdns[0] = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (strncasecmp(p, "from", 4) != 0 || !isspace((unsigned char)p[4]))
		return false;
	p += 5;
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(helo, hl, "%.*s", (int)strcspn(p, " \t()"), p);
	by = strcasestr(p, " by ");
	size_t span = by ? (size_t)(by - p) : strlen(p);
	/* the TCP-info: "[192.0.2.1]" or "[IPv6:2001:db8::1]" */
	for (lb = memchr(p, '[', span); lb != NULL && lb < p + span;
	    lb = memchr(lb + 1, '[', (size_t)(p + span - lb - 1))) {
		size_t n = strcspn(lb + 1, "]");
		const char *a = lb + 1;
		if (strncasecmp(a, "IPv6:", 5) == 0)
			a += 5, n -= n >= 5 ? 5 : n;
		snprintf(tok, sizeof(tok), "%.*s", (int)n, a);
		if (parse_ip(tok, ip)) {
			const char *op = memchr(p, '(', span);
			if (op != NULL && op < lb)
				snprintf(rdns, rl, "%.*s", (int)strcspn(op + 1,
				    " \t[)"), op + 1);
			return true;
		}
		if (lb + 1 >= p + span)
			break;
	}
	/* no brackets: "from 192.0.2.1" */
	return parse_ip(helo, ip);
}

bool
feed_received_client(const struct feed_conf *fc,
    const struct rfc5322_header *hdr, char *ip, size_t iplen, char *helo,
    size_t helolen)
{
	for (size_t i = 0; i < hdr->nfields; i++) {
		char h[FEED_NAME_MAX], rdns[FEED_NAME_MAX];
		struct subject a;
		if (strcasecmp(hdr->fields[i].name, "Received") != 0 ||
		    !received_from(hdr->fields[i].value, h, sizeof(h), rdns,
		    sizeof(rdns), &a))
			continue;
		if (is_loopback(&a) || own_host(fc, rdns, &a) ||
		    own_host(fc, h, NULL))
			continue;
		subject_format(&a, ip, iplen);
		snprintf(helo, helolen, "%s", h);
		return true;
	}
	return false;
}

/* ---- times ---- */

static int
month_index(const char *m)
{
	static const char names[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	for (int i = 0; i < 12; i++)
		if (strncasecmp(m, names + 3 * i, 3) == 0)
			return i;
	return -1;
}

/* Up to max digits at *p as a number (advances *p); -1 if none. */
static int
digits(const char **p, int max)
{
	int v = 0, n = 0;

	while (n < max && isdigit((unsigned char)**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n ? v : -1;
}

static void
skip_space(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* RFC 5322 3.3 zone (and obs-zone names), RFC 3339 "Z" / "+01:00":
 * seconds east of UTC. */
static long
zone_offset(const char *z)
{
	static const struct { const char *n; int h; } obs[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "Z", 0 }, { "EST", -5 },
		{ "EDT", -4 }, { "CST", -6 }, { "CDT", -5 }, { "MST", -7 },
		{ "MDT", -6 }, { "PST", -8 }, { "PDT", -7 } };

	skip_space(&z);
	if ((z[0] == '+' || z[0] == '-') && isdigit((unsigned char)z[1])) {
		const char *p = z + 1;
		int hh = digits(&p, 2), mm;
		if (*p == ':')
			p++;
		mm = digits(&p, 2);
		long off = hh * 3600L + (mm > 0 ? mm : 0) * 60L;
		return z[0] == '-' ? -off : off;
	}
	for (size_t i = 0; i < sizeof(obs) / sizeof(obs[0]); i++)
		if (strncasecmp(z, obs[i].n, strlen(obs[i].n)) == 0)
			return obs[i].h * 3600L;
	return 0;
}

static uint64_t
utc_ms(struct tm *tm, long offset)
{
	time_t t = timegm(tm);

	if (t == (time_t)-1 || t - offset <= 0)
		return 0;
	return (uint64_t)(t - offset) * 1000;
}

/* "hh:mm[:ss]" at *p into tm; false if it is not there. */
static bool
clock_time(const char **p, struct tm *tm)
{
	if ((tm->tm_hour = digits(p, 2)) < 0 || *(*p)++ != ':' ||
	    (tm->tm_min = digits(p, 2)) < 0)
		return false;
	if (**p == ':') {
		(*p)++;
		if ((tm->tm_sec = digits(p, 2)) < 0)
			return false;
	}
	return true;
}

/* RFC 5322 3.3 date-time ([day ","] day month year time zone); 0 if it
 * is not one. */
static uint64_t
rfc5322_date(const char *s)
{
	struct tm tm = { 0 };
	const char *p = strchr(s, ',');

	p = p ? p + 1 : s;
	skip_space(&p);
	if ((tm.tm_mday = digits(&p, 2)) < 1)
		return 0;
	skip_space(&p);
	if ((tm.tm_mon = month_index(p)) < 0)
		return 0;
	p += 3;
	skip_space(&p);
	if ((tm.tm_year = digits(&p, 4)) < 0)
		return 0;
	skip_space(&p);
	if (!clock_time(&p, &tm))
		return 0;
	if (tm.tm_year < 100)		/* RFC 5322 4.3 obs-year */
		tm.tm_year += tm.tm_year < 50 ? 2000 : 1900;
	tm.tm_year -= 1900;
	return utc_ms(&tm, zone_offset(p));
}

/* ISO 8601 / RFC 3339 "2024-01-15T14:30:25Z"; 0 if it is not one. */
static uint64_t
iso_date(const char *s)
{
	struct tm tm = { 0 };
	const char *p = s;

	if ((tm.tm_year = digits(&p, 4)) < 0 || *p++ != '-' ||
	    (tm.tm_mon = digits(&p, 2)) < 1 || *p++ != '-' ||
	    (tm.tm_mday = digits(&p, 2)) < 1 || (*p != 'T' && *p != 't' &&
	    *p != ' '))
		return 0;
	p++;
	if (!clock_time(&p, &tm))
		return 0;
	while (*p == '.' || isdigit((unsigned char)*p))
		p++;
	tm.tm_year -= 1900;
	tm.tm_mon--;
	return utc_ms(&tm, zone_offset(p));
}

/* A report's time: when the mail came, never later than now. */
static uint64_t
report_time(uint64_t when, uint64_t now)
{
	return when == 0 || when > now ? now : when;
}

/* ---- report objects ---- */

struct evidence_in {
	const char *client_ip, *helo, *mail_from, *pra;
	struct feed_auth auth;
};

static void
put_auth(json_t *o, const char *key, int r)
{
	if (r >= 0)
		json_object_set_new(o, key, json_string(auth_result_name(
		    (unsigned)r)));
}

/* Text fit for the evidence as feeds/jsonl.c checks it: printable
 * ASCII, no space, at most max bytes (HELO 255, paths 256). */
static bool
text_ok(const char *h, size_t max)
{
	size_t n = h ? strlen(h) : 0;

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)h[i] < 0x21 || (unsigned char)h[i] > 0x7e)
			return false;
	return true;
}

static int
add_report(struct feed_result *res, const char *skey, const char *subject,
    const char *category, unsigned confidence, uint64_t at,
    const struct evidence_in *ev)
{
	json_t *o;

	if (json_array_size(res->reports) >= FEED_MAX_REPORTS)
		return -1;
	if ((o = json_object()) == NULL)
		return -1;
	json_object_set_new_nocheck(o, skey, json_string_nocheck(subject));
	json_object_set_new_nocheck(o, "category", json_string_nocheck(
	    category));
	json_object_set_new_nocheck(o, "confidence", json_integer(confidence));
	json_object_set_new_nocheck(o, "observed_at", json_integer(
	    (json_int_t)at));
	if (ev != NULL) {
		if (ev->client_ip && ev->client_ip[0])
			json_object_set_new_nocheck(o, "client_ip",
			    json_string_nocheck(ev->client_ip));
		if (text_ok(ev->helo, JSONL_HELO_MAX))
			json_object_set_new_nocheck(o, "helo",
			    json_string_nocheck(ev->helo));
		if (text_ok(ev->mail_from, JSONL_PATH_MAX))
			json_object_set_new_nocheck(o, "mail_from",
			    json_string_nocheck(ev->mail_from));
		if (text_ok(ev->pra, JSONL_PATH_MAX))
			json_object_set_new_nocheck(o, "pra",
			    json_string_nocheck(ev->pra));
		put_auth(o, "spf_mail_from", ev->auth.spf_mfrom);
		put_auth(o, "spf_helo", ev->auth.spf_helo);
		put_auth(o, "sender_id", ev->auth.sender_id);
	}
	json_array_append_new(res->reports, o);
	return 0;
}

static enum feed_outcome
finish(struct feed_result *res, enum feed_outcome o, enum feed_reason r,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum feed_outcome
finish(struct feed_result *res, enum feed_outcome o, enum feed_reason r,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
	res->outcome = o;
	res->reason = r;
	if (o != FEED_REPORTS)
		json_array_clear(res->reports);
	return o;
}

/* ---- ARF ---- */

struct arf_map {
	const char *type, *category;
	bool ip_only;		/* never a domain subject */
	unsigned confidence;
};

/* RFC 5965 7.3 and RFC 6430, RFC 6591 feedback types. */
static const struct arf_map *
arf_category(const struct arf_report *a)
{
	static const struct arf_map map[] = {
		{ "abuse", "spam", false, CONF_ARF },
		{ "fraud", "fraud", false, CONF_ARF },
		{ "virus", "malware", false, CONF_ARF },
		{ "not-spam", "not-spam", false, CONF_ARF },
		{ "auth-failure", "phishing", true, CONF_AUTH_FAILURE },
	};
	static const struct arf_map phish = { "fraud", "phishing", false,
		CONF_ARF };

	if (strcmp(a->feedback_type, "fraud") == 0 && a->reported_uri)
		return &phish;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(a->feedback_type, map[i].type) == 0)
			return &map[i];
	return NULL;
}

/* The SPF / Sender ID results of the first trusted A-R field, from the
 * report part first, then the returned header. */
static void
arf_auth(const struct feed_conf *fc, const struct arf_report *a,
    struct feed_auth *auth)
{
	auth->spf_mfrom = auth->spf_helo = auth->sender_id = -1;
	for (int i = 0; i < a->n_auth_results; i++)
		if (feed_auth_results(fc, a->auth_results[i], auth))
			return;
	for (size_t i = 0; i < a->returned.nfields; i++)
		if (strcasecmp(a->returned.fields[i].name,
		    "Authentication-Results") == 0 &&
		    feed_auth_results(fc, a->returned.fields[i].value, auth))
			return;
}

static enum feed_outcome
arf_reports(const struct feed_conf *fc, const struct arf_report *a,
    uint64_t now, struct feed_result *res)
{
	const struct arf_map *map = arf_category(a);
	struct evidence_in ev;
	struct feed_auth auth;
	char ip[64] = "", helo[FEED_NAME_MAX] = "", from[ARF_ADDR_MAX] = "";
	char dom[FEED_NAME_MAX] = "";
	struct pra_result pra = { .status = PRA_NONE };
	struct subject s;
	const char *rp, *date;

	if (map == NULL)
		return finish(res, FEED_SKIPPED, FR_IGNORED_TYPE, "feedback "
		    "type '%s' names no abuse category", a->feedback_type);
	if (a->source_ip[0] && parse_ip(a->source_ip, &s))
		subject_format(&s, ip, sizeof(ip));
	else
		feed_received_client(fc, &a->returned, ip, sizeof(ip), helo,
		    sizeof(helo));
	bare_path(a->original_mail_from, from, sizeof(from));
	if (from[0] == '\0' && (rp = mime_field(&a->returned,
	    "Return-Path")) != NULL)
		bare_path(rp, from, sizeof(from));
	if (a->returned.nfields > 0)
		pra_select(&a->returned, &pra);
	arf_auth(fc, a, &auth);
	ev = (struct evidence_in){ ip, helo, from, pra.status == PRA_FOUND ?
	    pra.addr : NULL, auth };
	if (!map->ip_only && !addr_domain(from, dom, sizeof(dom)) &&
	    pra.status == PRA_FOUND)
		addr_domain(pra.addr, dom, sizeof(dom));
	date = a->arrival_date[0] ? a->arrival_date :
	    mime_field(&a->returned, "Date");
	uint64_t at = report_time(date ? rfc5322_date(date) : 0, now);
	if (dom[0] != '\0')
		add_report(res, "domain", dom, map->category, map->confidence,
		    at, &ev);
	else if (ip[0] != '\0')
		add_report(res, "ip", ip, map->category, map->confidence, at,
		    &ev);
	else
		return finish(res, FEED_REFUSED, FR_NO_SUBJECT, "no Source-IP, "
		    "no Received hop outside the own hosts%s", map->ip_only ?
		    "" : " and no sender domain");
	return finish(res, FEED_REPORTS, FR_NONE, "%s -> %s %s (client %s)",
	    a->feedback_type, map->category, dom[0] ? dom : ip,
	    ip[0] ? ip : "unknown");
}

/* ---- X-ARF ---- */

/* xarf-spec v4 types (and the earlier ReportType names), '_' as '-'. */
static const char *
xarf_category(const char *type)
{
	static const struct { const char *type, *category; } map[] = {
		{ "auth-failure", "brute-force" }, { "bot", "botnet" },
		{ "botnet", "botnet" }, { "bulk-messaging", "spam" },
		{ "ddos", "ddos" }, { "ddos-amplification", "ddos" },
		{ "fraud", "fraud" }, { "infected-host", "botnet" },
		{ "login-attack", "brute-force" }, { "malware", "malware" },
		{ "malware-distribution", "malware" },
		{ "phishing", "phishing" }, { "port-scan", "scanning" },
		{ "portscan", "scanning" }, { "reconnaissance", "scanning" },
		{ "spam", "spam" }, { "spamvertised", "spam" },
		{ "vuln-scanning", "scanning" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(type, map[i].type) == 0)
			return map[i].category;
	return NULL;
}

/* The host of a source that may be a URL ("http://host:port/path"). */
static void
xarf_host(const char *src, char *out, size_t outlen)
{
	const char *p = strstr(src, "://");

	p = p ? p + 3 : src;
	if (*p == '[') {	/* [v6]:port */
		snprintf(out, outlen, "%.*s", (int)strcspn(p + 1, "]"), p + 1);
		return;
	}
	size_t n = strcspn(p, "/?#");
	/* host:port, but not a bare IPv6 address */
	const char *colon = memchr(p, ':', n);
	if (colon && memchr(colon + 1, ':', (size_t)(p + n - colon - 1)) == NULL)
		n = (size_t)(colon - p);
	snprintf(out, outlen, "%.*s", (int)n, p);
}

static enum feed_outcome
xarf_reports(const struct xarf_report *x, uint64_t now,
    struct feed_result *res)
{
	const char *cat = xarf_category(x->type);
	struct evidence_in ev = { .auth = { -1, -1, -1 } };
	char host[FEED_NAME_MAX], from[ARF_ADDR_MAX], why[64];
	struct subject s;
	bool ip;

	if (cat == NULL)
		return finish(res, FEED_SKIPPED, FR_IGNORED_TYPE, "X-ARF type "
		    "'%s' (%s) names no category", x->type, x->cls);
	xarf_host(x->source, host, sizeof(host));
	if (subject_parse(host, &s, why, sizeof(why)) == -1)
		return finish(res, FEED_REFUSED, FR_NO_SUBJECT, "X-ARF source "
		    "'%.64s' is no IP address or domain", x->source);
	subject_format(&s, host, sizeof(host));
	ip = s.kind != SUBJECT_DOMAIN;
	bare_path(x->smtp_from, from, sizeof(from));
	if (ip && s.prefix_len == (s.kind == SUBJECT_IPV4 ? 32 : 128))
		ev.client_ip = host;
	ev.mail_from = from;
	add_report(res, ip ? "ip" : "domain", host, cat, CONF_ARF,
	    report_time(iso_date(x->timestamp), now),
	    ev.client_ip || from[0] ? &ev : NULL);
	return finish(res, FEED_REPORTS, FR_NONE, "x-arf %s -> %s %s",
	    x->type, cat, host);
}

/* ---- DMARC ---- */

static bool
own_domain(const struct feed_conf *fc, const char *d)
{
	size_t dl = strlen(d);

	for (int i = 0; i < fc->n_own_domains; i++) {
		const char *o = fc->own_domains[i];
		size_t ol = strlen(o);
		if (strcasecmp(d, o) == 0 || (dl > ol && d[dl - ol - 1] == '.' &&
		    strcasecmp(d + dl - ol, o) == 0))
			return true;
	}
	return false;
}

/* RFC 7489 appendix C / RFC 9990: a row whose DKIM and SPF both fail
 * (unaligned) failed DMARC. One for an own domain is evidence against
 * its source IP, never against the domain, which was forged. */
static enum feed_outcome
dmarc_reports(const struct feed_conf *fc, const struct dmarc_report *d,
    uint64_t now, struct feed_result *res)
{
	uint64_t at = report_time(d->end * 1000, now);
	struct subject s;

	res->rows = d->nrows;
	for (size_t i = 0; i < d->nrows; i++) {
		const struct dmarc_row *w = &d->rows[i];
		const char *dom = w->header_from[0] ? w->header_from :
		    d->policy_domain;
		struct evidence_in ev = { .auth = { -1, -1, -1 } };
		char ip[64];
		if (strcasecmp(w->dkim, "pass") == 0 ||
		    strcasecmp(w->spf, "pass") == 0 || !own_domain(fc, dom) ||
		    !parse_ip(w->source_ip, &s)) {
			res->rows_skipped++;
			continue;
		}
		subject_format(&s, ip, sizeof(ip));
		ev.client_ip = ip;
		if (add_report(res, "ip", ip, "phishing", CONF_AUTH_FAILURE, at,
		    &ev) == -1)
			res->rows_skipped++;
	}
	if (json_array_size(res->reports) == 0)
		return finish(res, FEED_SKIPPED, FR_NOTHING_FAILED, "DMARC "
		    "report %.64s for %.64s: %zu row(s), none failing for an "
		    "own domain%s", d->report_id, d->policy_domain, d->nrows,
		    fc->n_own_domains ? "" : " (no own-domain configured)");
	return finish(res, FEED_REPORTS, FR_NONE, "DMARC report %.64s for "
	    "%.64s: %zu failing row(s) of %zu", d->report_id, d->policy_domain,
	    json_array_size(res->reports), d->nrows);
}

/* ---- dispatch ---- */

static enum feed_reason
mime_reason(enum mime_status s)
{
	switch (s) {
	case MIME_NOT_MESSAGE:	return FR_NOT_REPORT;
	case MIME_BAD_ENCODING:	return FR_BAD_ENCODING;
	case MIME_TOO_DEEP:
	case MIME_TOO_MANY:	return FR_TOO_DEEP;
	default:		return FR_MALFORMED;
	}
}

static enum feed_outcome
from_dmarc_status(const struct feed_conf *fc, enum dmarc_status s,
    struct dmarc_report *d, const char *err, uint64_t now,
    struct feed_result *res)
{
	enum feed_outcome o;

	res->format = FEED_DMARC;
	switch (s) {
	case DMARC_OK:
		o = dmarc_reports(fc, d, now, res);
		dmarc_clear(d);
		return o;
	case DMARC_TOO_BIG:
		return finish(res, FEED_REFUSED, FR_BOMB, "%s", err);
	case DMARC_NOT_DMARC:
		return finish(res, FEED_REFUSED, FR_NOT_REPORT, "%s", err);
	default:
		return finish(res, FEED_REFUSED, FR_BAD_ENCODING, "%s", err);
	}
}

/* A file that is no mail: DMARC XML, gzip or zip, or X-ARF JSON. */
static bool
raw_document(const char *msg, size_t len)
{
	const unsigned char *u = (const unsigned char *)msg;
	size_t i = 0;

	if (len >= 2 && ((u[0] == 0x1f && u[1] == 0x8b) || (len >= 4 &&
	    memcmp(msg, "PK\3\4", 4) == 0)))
		return true;
	while (i < len && isspace(u[i]))
		i++;
	return i < len && (u[i] == '<' || u[i] == '{');
}

static enum feed_outcome
feed_raw(const struct feed_conf *fc, enum feed_format fmt, const char *msg,
    size_t len, uint64_t now, struct feed_result *res)
{
	char err[256];
	struct xarf_report x;
	struct dmarc_report d;
	size_t i = 0;

	while (i < len && isspace((unsigned char)msg[i]))
		i++;
	if (i < len && msg[i] == '{' && (fmt == FEED_AUTO || fmt == FEED_XARF)) {
		res->format = FEED_XARF;
		switch (xarf_parse_json(msg, len, &x, err, sizeof(err))) {
		case XARF_OK:
			return xarf_reports(&x, now, res);
		case XARF_NOT_XARF:
			return finish(res, FEED_REFUSED, FR_NOT_REPORT, "%s", err);
		default:
			return finish(res, FEED_REFUSED, FR_MALFORMED, "%s", err);
		}
	}
	if (fmt != FEED_AUTO && fmt != FEED_DMARC)
		return finish(res, FEED_REFUSED, FR_NOT_REPORT, "a bare document, "
		    "not a mail message: not %s", feed_format_name(fmt));
	enum dmarc_status s = dmarc_parse(msg, len, fc->max_unpacked, &d, err,
	    sizeof(err));
	return from_dmarc_status(fc, s, &d, err, now, res);
}

static enum feed_outcome
feed_message(const struct feed_conf *fc, enum feed_format fmt,
    const struct mime_msg *m, uint64_t now, struct feed_result *res)
{
	char err[256];
	struct arf_report a;
	struct xarf_report x;
	struct dmarc_report d;
	enum feed_outcome o;
	bool arf = mime_find(m, -1, "message/feedback-report") >= 0;

	if (fmt == FEED_ARF || (fmt == FEED_AUTO && arf)) {
		res->format = FEED_ARF;
		enum arf_status s = arf_parse(m, &a, err, sizeof(err));
		o = s == ARF_OK ? arf_reports(fc, &a, now, res) :
		    finish(res, FEED_REFUSED, s == ARF_NOT_ARF ? FR_NOT_REPORT :
		    FR_MALFORMED, "%s", err);
		arf_clear(&a);
		return o;
	}
	if (fmt == FEED_XARF || fmt == FEED_AUTO) {
		enum xarf_status s = xarf_parse(m, &x, err, sizeof(err));
		if (s == XARF_OK) {
			res->format = FEED_XARF;
			return xarf_reports(&x, now, res);
		}
		if (s == XARF_MALFORMED || fmt == FEED_XARF) {
			res->format = FEED_XARF;
			return finish(res, FEED_REFUSED, s == XARF_MALFORMED ?
			    FR_MALFORMED : FR_NOT_REPORT, "%s", err);
		}
	}
	enum dmarc_status s = dmarc_parse_message(m, fc->max_unpacked, &d, err,
	    sizeof(err));
	if (s == DMARC_NOT_DMARC && fmt == FEED_AUTO)
		snprintf(err, sizeof(err), "neither ARF, X-ARF nor a DMARC "
		    "aggregate report");
	return from_dmarc_status(fc, s, &d, err, now, res);
}

enum feed_outcome
feed_parse(const struct feed_conf *fc, enum feed_format fmt, const char *msg,
    size_t len, uint64_t now, struct feed_result *res)
{
	size_t max = fc->max_message ? fc->max_message : FEED_MAX_MESSAGE;
	struct mime_msg m;
	char err[256];
	enum mime_status ms;
	enum feed_outcome o;

	memset(res, 0, sizeof(*res));
	res->format = fmt;
	if ((res->reports = json_array()) == NULL)
		return finish(res, FEED_REFUSED, FR_MALFORMED, "out of memory");
	if (len > max)
		return finish(res, FEED_REFUSED, FR_TOO_BIG, "%zu bytes: over "
		    "the limit of %zu", len, max);
	if (memchr(msg, '\0', len) != NULL && !raw_document(msg, len))
		return finish(res, FEED_REFUSED, FR_NOT_REPORT, "a NUL byte: "
		    "not a mail message");
	if (raw_document(msg, len))
		return feed_raw(fc, fmt, msg, len, now, res);
	if ((ms = mime_parse(msg, len, &m, err, sizeof(err))) != MIME_OK)
		return finish(res, FEED_REFUSED, mime_reason(ms), "%s", err);
	o = feed_message(fc, fmt, &m, now, res);
	mime_free(&m);
	return o;
}

void
feed_result_clear(struct feed_result *res)
{
	json_decref(res->reports);
	res->reports = NULL;
}
