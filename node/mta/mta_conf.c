/*
 * mta_conf.c: the `smtpd-policy:` clause (mta_conf.h): defaults, one
 * function per keyword behind a sorted table, and the printer that
 * `reputed -nv` uses. No I/O but the printer; errors go to the caller's
 * buffer, and node/conf.c adds file:line.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/mta/mta_conf.h"

void
mta_conf_defaults(struct mta_conf *m)
{
	memset(m, 0, sizeof(*m));
	m->reject_listed = true;
	m->reject_listed_domain = true;
	m->spf_fail = MTA_REJECT;
	m->spf_softfail = MTA_MARK;
	m->spf_temperror = MTA_DEFER_IF_PERMIT;
	m->spf_permerror = MTA_MARK;
	m->idle_s = MTA_IDLE_DEFAULT;
	m->max_line = MTA_MAX_LINE_DEFAULT;
	m->max_attrs = MTA_MAX_ATTRS_DEFAULT;
	m->max_conns = MTA_MAX_CONNS_DEFAULT;
}

bool
mta_conf_enabled(const struct mta_conf *m)
{
	return m->listen_host[0] != '\0' || m->listen_path[0] != '\0';
}

static const char *const action_names[] = {
	[MTA_MARK] = "mark", [MTA_REJECT] = "reject", [MTA_DEFER] = "defer",
	[MTA_DEFER_IF_PERMIT] = "defer-if-permit",
};

const char *
mta_spf_action_name(enum mta_spf_action a)
{
	return a <= MTA_DEFER_IF_PERMIT ? action_names[a] : "?";
}

/* ---- values ---- */

static int
mc_uint(const char *v, unsigned long min, unsigned long max,
    uint32_t *out, char *err, size_t errlen)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = isdigit((unsigned char)v[0]) ? strtoul(v, &end, 10) : 0;
	if (!isdigit((unsigned char)v[0]) || errno != 0 || *end != '\0' ||
	    n < min || n > max) {
		snprintf(err, errlen, "expected a number from %lu to %lu, not '%s'",
		    min, max, v);
		return -1;
	}
	*out = (uint32_t)n;
	return 0;
}

/* Seconds: "300", "300s", "5m", "1h". */
static int
mc_seconds(const char *v, uint32_t *out, char *err, size_t errlen)
{
	char num[16];
	size_t len = strlen(v);
	unsigned long mult = 1;

	if (len > 0 && len < sizeof(num) && strchr("smh", v[len - 1])) {
		mult = v[len - 1] == 's' ? 1 : v[len - 1] == 'm' ? 60 : 3600;
		len--;
	}
	if (len == 0 || len >= sizeof(num))
		goto bad;
	memcpy(num, v, len);
	num[len] = '\0';
	if (mc_uint(num, 1, 86400 / mult, out, err, errlen) == -1)
		goto bad;
	*out *= (uint32_t)mult;
	return 0;
bad:
	snprintf(err, errlen, "expected a duration from 1s to 24h (300s, 5m), "
	    "not '%s'", v);
	return -1;
}

static int
mc_bool(const char *v, bool *out, char *err, size_t errlen)
{
	if (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0) {
		*out = v[0] == 'y';
		return 0;
	}
	snprintf(err, errlen, "expected yes or no, not '%s'", v);
	return -1;
}

static int
mc_action(const char *v, enum mta_spf_action *out, char *err, size_t errlen)
{
	for (int a = MTA_MARK; a <= MTA_DEFER_IF_PERMIT; a++)
		if (strcmp(v, action_names[a]) == 0) {
			*out = a;
			return 0;
		}
	snprintf(err, errlen, "expected mark, reject, defer or defer-if-permit, "
	    "not '%s'", v);
	return -1;
}

/* "ADDR@PORT", "ADDR:PORT", "[v6]:PORT", or a Unix socket path (has a /). */
static int
mc_listen(struct mta_conf *m, const char *v, char *err, size_t errlen)
{
	char host[64];
	const char *port;
	uint8_t buf[16];
	uint32_t n;

	m->listen_host[0] = m->listen_path[0] = '\0';
	if (strchr(v, '/') != NULL) {
		if (strlen(v) >= sizeof(m->listen_path)) {
			snprintf(err, errlen, "socket path too long (at most %zu)",
			    sizeof(m->listen_path) - 1);
			return -1;
		}
		snprintf(m->listen_path, sizeof(m->listen_path), "%s", v);
		return 0;
	}
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		port = close && (close[1] == ':' || close[1] == '@') ? close + 2 : NULL;
		snprintf(host, sizeof(host), "%.*s", close ? (int)(close - v - 1) : 0,
		    v + 1);
	} else {
		const char *at = strrchr(v, '@');
		if (at == NULL && (at = strchr(v, ':')) != NULL &&
		    strchr(at + 1, ':') != NULL)
			at = NULL;
		port = at ? at + 1 : NULL;
		snprintf(host, sizeof(host), "%.*s", at ? (int)(at - v) :
		    (int)strlen(v), v);
	}
	if (port == NULL || (inet_pton(AF_INET, host, buf) != 1 &&
	    inet_pton(AF_INET6, host, buf) != 1) ||
	    mc_uint(port, 1, 65535, &n, err, errlen) == -1) {
		snprintf(err, errlen, "expected ADDR@PORT (numeric address) or a "
		    "socket path, not '%s'", v);
		return -1;
	}
	snprintf(m->listen_host, sizeof(m->listen_host), "%s", host);
	m->listen_port = (uint16_t)n;
	return 0;
}

/* ---- keywords, sorted by name ---- */

static int
kw_idle_timeout(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_seconds(v, &m->idle_s, e, el);
}

static int
kw_listen(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_listen(m, v, e, el);
}

static int
kw_max_attributes(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_uint(v, 8, 10000, &m->max_attrs, e, el);
}

static int
kw_max_connections(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_uint(v, 1, 100000, &m->max_conns, e, el);
}

static int
kw_max_line(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_uint(v, 256, 1 << 20, &m->max_line, e, el);
}

static int
kw_receiver(struct mta_conf *m, const char *v, char *e, size_t el)
{
	for (const char *c = v; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-') {
			snprintf(e, el, "expected a host name, not '%s'", v);
			return -1;
		}
	if (v[0] == '\0' || strlen(v) >= sizeof(m->receiver)) {
		snprintf(e, el, "expected a host name, not '%s'", v);
		return -1;
	}
	snprintf(m->receiver, sizeof(m->receiver), "%s", v);
	return 0;
}

static int
kw_reject_listed(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_bool(v, &m->reject_listed, e, el);
}

static int
kw_reject_listed_domain(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_bool(v, &m->reject_listed_domain, e, el);
}

static int
kw_spf_fail(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_action(v, &m->spf_fail, e, el);
}

static int
kw_spf_permerror(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_action(v, &m->spf_permerror, e, el);
}

static int
kw_spf_softfail(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_action(v, &m->spf_softfail, e, el);
}

static int
kw_spf_temperror(struct mta_conf *m, const char *v, char *e, size_t el)
{
	return mc_action(v, &m->spf_temperror, e, el);
}

static const struct {
	const char *name;
	int (*fn)(struct mta_conf *, const char *, char *, size_t);
} mta_keywords[] = {
	{ "idle-timeout", kw_idle_timeout },
	{ "listen", kw_listen },
	{ "max-attributes", kw_max_attributes },
	{ "max-connections", kw_max_connections },
	{ "max-line", kw_max_line },
	{ "receiver", kw_receiver },
	{ "reject-listed", kw_reject_listed },
	{ "reject-listed-domain", kw_reject_listed_domain },
	{ "spf-fail", kw_spf_fail },
	{ "spf-permerror", kw_spf_permerror },
	{ "spf-softfail", kw_spf_softfail },
	{ "spf-temperror", kw_spf_temperror },
};

int
mta_conf_keyword(struct mta_conf *m, const char *keyword, const char *value,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(mta_keywords) / sizeof(mta_keywords[0]); i++)
		if (strcmp(keyword, mta_keywords[i].name) == 0)
			return mta_keywords[i].fn(m, value, err, errlen);
	snprintf(err, errlen, "smtpd-policy: unknown keyword '%s'", keyword);
	return -1;
}

void
mta_conf_print(const struct mta_conf *m, void *file)
{
	FILE *f = file;

	if (!mta_conf_enabled(m))
		return;
	fprintf(f, "smtpd-policy:\n");
	if (m->listen_path[0] != '\0')
		fprintf(f, "\tlisten: \"%s\"\n", m->listen_path);
	else if (strchr(m->listen_host, ':') != NULL)
		fprintf(f, "\tlisten: [%s]:%u\n", m->listen_host, m->listen_port);
	else
		fprintf(f, "\tlisten: %s@%u\n", m->listen_host, m->listen_port);
	fprintf(f, "\treject-listed: %s\n", m->reject_listed ? "yes" : "no");
	fprintf(f, "\treject-listed-domain: %s\n",
	    m->reject_listed_domain ? "yes" : "no");
	fprintf(f, "\tspf-fail: %s\n", mta_spf_action_name(m->spf_fail));
	fprintf(f, "\tspf-softfail: %s\n", mta_spf_action_name(m->spf_softfail));
	fprintf(f, "\tspf-temperror: %s\n", mta_spf_action_name(m->spf_temperror));
	fprintf(f, "\tspf-permerror: %s\n", mta_spf_action_name(m->spf_permerror));
	if (m->receiver[0] != '\0')
		fprintf(f, "\treceiver: %s\n", m->receiver);
	fprintf(f, "\tidle-timeout: %us\n", m->idle_s);
	fprintf(f, "\tmax-line: %u\n", m->max_line);
	fprintf(f, "\tmax-attributes: %u\n", m->max_attrs);
	fprintf(f, "\tmax-connections: %u\n", m->max_conns);
}
