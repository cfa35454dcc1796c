/*
 * conf.c: the config file -> struct node_conf, in the style of unbound.conf
 * and nsd.conf: clauses (`server:`, `dns:`, `zone:`, `api:`, `peering:`,
 * `origin:`, `policy:`, `sender-id:`, `feeds:`) each followed by
 * `keyword: value` lines. Indentation is free, `#` starts a comment,
 * values may be "quoted". One sorted keyword table (conf_keywords) says
 * which keywords each clause takes; anything else is an error naming
 * file:line and what was expected.
 *
 * Relative paths (key-file, cert-file, pidfile, trust-anchor, crl) are
 * relative to `directory`: the daemon changes to it at start.
 *
 * Owns nothing: the result is a flat struct the caller owns. Reads only the
 * file it is given; no logging (errors go to the caller's buffer).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node/batcher.h"
#include "node/node.h"

#define CONF_MAX_FILE	(1 << 20)	/* a config larger than this is a mistake */
#define CONF_MAX_ARGS	8

const char conf_default_text[] =
    "# reputed: the embedded default configuration, used when no -c is\n"
    "# given. Store and node key under ./var, DNSBL zones on\n"
    "# 127.0.0.1@5353, the local API on 127.0.0.1@8053, no peering.\n"
    "server:\n"
    "\tname: \"reputed\"\n"
    "\tdirectory: \"./var\"\n"
    "\tusername: \"nobody\"\n"
    "\tverbosity: 1\n"
    "dns:\n"
    "\tlisten: 127.0.0.1@5353\n"
    "zone:\n"
    "\tname: bl.reputed.example\n"
    "\tkind: ip\n"
    "zone:\n"
    "\tname: dbl.reputed.example\n"
    "\tkind: domain\n"
    "\tsubdomains: yes\n"
    "zone:\n"
    "\tname: wl.reputed.example\n"
    "\tkind: allow\n"
    "api:\n"
    "\tlisten: 127.0.0.1@8053\n";

/* The parser's state while it reads one file. */
struct parser {
	struct node_conf *c;
	const char *file;
	int line;
	const char *clause;		/* the current clause, NULL before one */
	const char *keyword;		/* the keyword of the current line */
	int ttl_line;			/* the last default-ttl or max-ttl */
	bool org_quota_set;		/* quota-per-org-hour given */
	bool org_ceiling_set;		/* live-ceiling-per-org given */
	int dir_line;			/* the last directory */
	int zone_line[CONF_MAX_ZONES];	/* where each zone began */
	int origin_line[CONF_MAX_ORIGINS];
	char *err;
	size_t errlen;
};

typedef int (*conf_fn)(struct parser *, char **argv, int argc);

struct conf_keyword {
	const char *clause;		/* "" for the clause names themselves */
	const char *name;
	conf_fn fn;
	int min_args, max_args;
};

static int conf_error(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
conf_error(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%d: %s", p->file, p->line, msg);
	return -1;
}

/* ---- value parsers ---- */

static int
conf_string(struct parser *p, const char *v, char *dst, size_t cap)
{
	if (strlen(v) >= cap)
		return conf_error(p, "value too long (at most %zu characters)",
		    cap - 1);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
conf_uint(struct parser *p, const char *v, unsigned long max,
    unsigned long *out)
{
	char *end;

	*out = 0;	/* set on every path (the analyzer cannot see that
			 * conf_error always returns -1) */
	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return conf_error(p, "expected a number, not '%s'", v);
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || *out > max)
		return conf_error(p, "expected a number from 0 to %lu, not '%s'",
		    max, v);
	return 0;
}

/* A duration in seconds: "90", "90s", "15m", "12h", "7d", "2w". */
#define DURATION_EXPECTED "expected a duration (90s, 15m, 12h, 7d, 2w), not '%s'"
static int
conf_duration(struct parser *p, const char *v, uint32_t *out)
{
	static const struct { char unit; unsigned long mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
		{ 'w', 604800 },
	};
	unsigned long n, mult = 1;
	char *end;

	*out = 0;
	errno = 0;
	if (!isdigit((unsigned char)v[0]))
		return conf_error(p, DURATION_EXPECTED, v);
	n = strtoul(v, &end, 10);
	if (*end != '\0') {
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (end[0] == units[i].unit && end[1] == '\0')
				break;
		if (i == sizeof(units) / sizeof(units[0]))
			return conf_error(p, DURATION_EXPECTED, v);
		mult = units[i].mult;
	}
	if (errno != 0 || n > UINT32_MAX / mult)
		return conf_error(p, "duration '%s' is too long", v);
	*out = (uint32_t)(n * mult);
	return 0;
}

static int
conf_real(struct parser *p, const char *v, double min, double max, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !(*out >= min && *out <= max))
		return conf_error(p, "expected a number from %g to %g, not '%s'",
		    min, max, v);
	return 0;
}

static int
conf_bool(struct parser *p, const char *v, bool *out)
{
	if (strcmp(v, "yes") == 0)
		*out = true;
	else if (strcmp(v, "no") == 0)
		*out = false;
	else
		return conf_error(p, "expected yes or no, not '%s'", v);
	return 0;
}

static int
conf_hex(struct parser *p, const char *v, uint8_t *out, size_t len)
{
	if (strlen(v) != 2 * len)
		return conf_error(p, "expected %zu hex digits, not '%s'", 2 * len, v);
	for (size_t i = 0; i < len; i++) {
		unsigned int b;
		if (!isxdigit((unsigned char)v[2 * i]) ||
		    !isxdigit((unsigned char)v[2 * i + 1]) ||
		    sscanf(v + 2 * i, "%2x", &b) != 1)
			return conf_error(p, "expected hex digits, not '%s'", v);
		out[i] = (uint8_t)b;
	}
	return 0;
}

static bool
conf_is_ip(const char *host)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

/* Letters, digits, '-', '_' and dots between non-empty labels. */
static bool
conf_is_hostname(const char *host)
{
	size_t label = 0, len = strlen(host);

	if (len == 0 || len > DOMAIN_MAX)
		return false;
	for (const char *s = host; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
			if (++label > LABEL_MAX)
				return false;
		} else
			return false;
	}
	return true;
}

/* "127.0.0.1@5353", "::1@53", "[::1]:53", "192.0.2.1:53", or a bare
 * host with default_port. need_ip: the host must be a numeric address. */
static int
conf_address(struct parser *p, const char *v, uint16_t default_port,
    bool need_ip, struct conf_addr *out)
{
	char host[sizeof(out->host)];
	const char *port = NULL;
	size_t hlen;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (close == NULL || (close[1] != '\0' && close[1] != ':' &&
		    close[1] != '@'))
			return conf_error(p, "bad address '%s'", v);
		hlen = (size_t)(close - v - 1);
		v++;
		port = close[1] ? close + 2 : NULL;
	} else {
		const char *at = strrchr(v, '@');
		const char *colon = strchr(v, ':');
		if (at == NULL && colon != NULL && strchr(colon + 1, ':') == NULL)
			at = colon;	/* host:port, not an IPv6 address */
		hlen = at ? (size_t)(at - v) : strlen(v);
		port = at ? at + 1 : NULL;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return conf_error(p, "bad address '%s'", v);
	memcpy(host, v, hlen);
	host[hlen] = '\0';
	if (need_ip && !conf_is_ip(host))
		return conf_error(p, "expected a numeric IPv4 or IPv6 "
		    "address, not '%s'", host);
	if (!need_ip && !conf_is_ip(host) && !conf_is_hostname(host))
		return conf_error(p, "expected an address or a host name, not '%s'", host);
	out->port = default_port;
	if (port != NULL) {
		unsigned long n;
		if (conf_uint(p, port, 65535, &n) == -1)
			return -1;
		out->port = (uint16_t)n;
	}
	memcpy(out->host, host, hlen + 1);
	return 0;
}

/* A domain name: lowercased, one trailing dot dropped. */
static int
conf_domain(struct parser *p, const char *v, char *dst, size_t cap)
{
	struct subject s;
	char err[128];

	if (subject_parse_domain(v, &s, err, sizeof(err)) == -1)
		return conf_error(p, "bad domain name '%s': %s", v, err);
	if (strchr(s.domain, '*') != NULL)	/* fine in reports, not here */
		return conf_error(p, "a wildcard is not a name: '%s'", v);
	return conf_string(p, s.domain, dst, cap);
}

/* ---- clause starts ---- */

static int
conf_clause(struct parser *p, char **argv, int argc)
{
	return 0;	/* p->clause is set by the caller */
}

static int
conf_zone_start(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;
	struct conf_zone *z;

	if (c->n_zones == CONF_MAX_ZONES)
		return conf_error(p, "too many zones (at most %d)", CONF_MAX_ZONES);
	z = &c->zones[c->n_zones];
	memset(z, 0, sizeof(*z));
	z->kind = (enum zone_kind)-1;
	z->ttl = 2100;
	z->negative_ttl = 300;
	p->zone_line[c->n_zones++] = p->line;
	return 0;
}

static int
conf_origin_start(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;
	struct conf_origin *o;

	if (c->n_origins == CONF_MAX_ORIGINS)
		return conf_error(p, "too many origins (at most %d)", CONF_MAX_ORIGINS);
	o = &c->origins[c->n_origins];
	memset(o, 0, sizeof(*o));
	o->trust = -1;	/* unset: policy default-trust */
	p->origin_line[c->n_origins++] = p->line;
	return 0;
}

/* ---- server: ---- */

static int
kw_server_name(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->name, sizeof(p->c->name));
}

static int
kw_server_directory(struct parser *p, char **argv, int argc)
{
	p->dir_line = p->line;
	return conf_string(p, argv[0], p->c->directory, sizeof(p->c->directory));
}

static int
kw_server_username(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->username, sizeof(p->c->username));
}

static int
kw_server_pidfile(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->pidfile, sizeof(p->c->pidfile));
}

static int
kw_server_key_file(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->key_file, sizeof(p->c->key_file));
}

static int
kw_server_cert_file(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->cert_file, sizeof(p->c->cert_file));
}

/* A size in bytes: "1048576", "512m", "64g", "1t". */
static int
kw_server_store_size(struct parser *p, char **argv, int argc)
{
	static const char units[] = "kmgt";
	const char *v = argv[0], *u;
	unsigned long long n;
	char *end;

	if (!isdigit((unsigned char)v[0]))
		return conf_error(p, "expected a size (512m, 64g), not '%s'", v);
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0)
		return conf_error(p, "size '%s' is too large", v);
	if (*end != '\0') {
		if (end[1] != '\0' || end[0] == '\0' ||
		    (u = strchr(units, tolower((unsigned char)end[0]))) == NULL)
			return conf_error(p, "expected a size (512m, 64g), not '%s'", v);
		for (long i = 0; i <= u - units; i++) {
			if (n > (UINT64_MAX >> 10))
				return conf_error(p, "size '%s' is too large", v);
			n *= 1024;
		}
	}
	if (n != 0 && n < (1ull << 20))
		return conf_error(p, "store-size must be at least 1m");
	p->c->store_size = n;
	return 0;
}

static int
kw_server_verbosity(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 5, &n) == -1)
		return -1;
	p->c->verbosity = (int)n;
	return 0;
}

static int
kw_server_sync(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 2, &n) == -1)
		return -1;
	p->c->sync = (int)n;
	return 0;
}

static int conf_millis(struct parser *p, const char *v, uint32_t max,
    uint32_t *out);

/* batch-window: 100ms; the window caps a batch under load. */
static int
kw_server_batch_window(struct parser *p, char **argv, int argc)
{
	return conf_millis(p, argv[0], BATCHER_WINDOW_MAX_MS,
	    &p->c->batch_window_ms);
}

static int
kw_server_batch_size(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], BATCHER_MAX_REPORTS, &n) == -1)
		return -1;
	if (n == 0)
		return conf_error(p, "expected 1 to %d, not 0",
		    BATCHER_MAX_REPORTS);
	p->c->batch_size = (uint32_t)n;
	return 0;
}

/* batch-idle: seal (nothing in flight: at once) or wait (the window). */
static int
kw_server_batch_idle(struct parser *p, char **argv, int argc)
{
	if (strcmp(argv[0], "seal") == 0)
		p->c->batch_idle_seal = true;
	else if (strcmp(argv[0], "wait") == 0)
		p->c->batch_idle_seal = false;
	else
		return conf_error(p, "expected seal or wait, not '%s'",
		    argv[0]);
	return 0;
}

/* ---- dns: ---- */

static int
kw_dns_listen(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;

	if (c->n_dns_listen == CONF_MAX_LISTEN)
		return conf_error(p, "too many listen addresses (at most %d)",
		    CONF_MAX_LISTEN);
	return conf_address(p, argv[0], 53, true,
	    &c->dns_listen[c->n_dns_listen++]);
}

static int
kw_dns_threads(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 64, &n) == -1)
		return -1;
	if (n == 0)
		return conf_error(p, "threads must be at least 1");
	p->c->dns_threads = (int)n;
	return 0;
}

static int
kw_dns_rrl_limit(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 1000000, &n) == -1)
		return -1;
	p->c->rrl_limit = (uint32_t)n;
	return 0;
}

static int
kw_dns_cache_size(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 1ul << 26, &n) == -1)
		return -1;
	p->c->dns_cache = (uint32_t)n;
	return 0;
}

static int
kw_dns_edns_size(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 65535, &n) == -1)
		return -1;
	if (n < 512)
		return conf_error(p, "edns-size must be at least 512");
	p->c->edns_size = (uint16_t)n;
	return 0;
}

/* ---- zone: ---- */

static struct conf_zone *
conf_cur_zone(struct parser *p)
{
	return &p->c->zones[p->c->n_zones - 1];
}

static int
kw_zone_name(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);

	return conf_domain(p, argv[0], z->name, sizeof(z->name));
}

static int
kw_zone_kind(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);

	if (strcmp(argv[0], "ip") == 0)
		z->kind = ZONE_IP;
	else if (strcmp(argv[0], "domain") == 0)
		z->kind = ZONE_DOMAIN;
	else if (strcmp(argv[0], "allow") == 0)
		z->kind = ZONE_ALLOW;
	else
		return conf_error(p, "expected kind ip, domain or allow, not '%s'",
		    argv[0]);
	return 0;
}

static int
kw_zone_subdomains(struct parser *p, char **argv, int argc)
{
	return conf_bool(p, argv[0], &conf_cur_zone(p)->subdomains);
}

static int
kw_zone_ttl(struct parser *p, char **argv, int argc)
{
	return conf_duration(p, argv[0], &conf_cur_zone(p)->ttl);
}

static int
kw_zone_negative_ttl(struct parser *p, char **argv, int argc)
{
	return conf_duration(p, argv[0], &conf_cur_zone(p)->negative_ttl);
}

static int
kw_zone_ns(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);

	return conf_domain(p, argv[0], z->ns, sizeof(z->ns));
}

static int
kw_zone_hostmaster(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);
	char name[DOMAIN_MAX + 1], *at;

	/* "hostmaster@example.net" is accepted and becomes an RNAME. */
	if (conf_string(p, argv[0], name, sizeof(name)) == -1)
		return -1;
	if ((at = strchr(name, '@')) != NULL)
		*at = '.';
	return conf_domain(p, name, z->hostmaster, sizeof(z->hostmaster));
}

static int
kw_zone_txt(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);

	return conf_string(p, argv[0], z->txt_template, sizeof(z->txt_template));
}

static int
kw_zone_notify(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);

	if (z->n_notify == CONF_MAX_ACL)
		return conf_error(p, "too many notify addresses (at most %d)",
		    CONF_MAX_ACL);
	return conf_address(p, argv[0], 53, true, &z->notify[z->n_notify++]);
}

/* An address or a prefix: "192.0.2.1", "192.0.2.0/24", "2001:db8::/32". */
static int
kw_zone_allow_axfr(struct parser *p, char **argv, int argc)
{
	struct conf_zone *z = conf_cur_zone(p);
	struct subject s;
	char err[128];

	if (z->n_allow_axfr == CONF_MAX_ACL)
		return conf_error(p, "too many allow-axfr entries (at most %d)",
		    CONF_MAX_ACL);
	if (subject_parse(argv[0], &s, err, sizeof(err)) == -1 ||
	    s.kind == SUBJECT_DOMAIN)
		return conf_error(p, "expected an address or prefix, not '%s'",
		    argv[0]);
	return conf_string(p, argv[0], z->allow_axfr[z->n_allow_axfr++],
	    sizeof(z->allow_axfr[0]));
}

/* ---- api: ---- */

static int
kw_api_listen(struct parser *p, char **argv, int argc)
{
	return conf_address(p, argv[0], 8053, true, &p->c->api_listen);
}

static int
kw_api_socket(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->api_socket,
	    sizeof(p->c->api_socket));
}

/* ---- smtpd-policy: (node/mta/mta_conf.c parses its values) ---- */

static int
kw_smtpd_policy(struct parser *p, char **argv, int argc)
{
	char msg[256];

	if (mta_conf_keyword(&p->c->mta, p->keyword, argv[0], msg,
	    sizeof(msg)) == -1)
		return conf_error(p, "%s", msg);
	return 0;
}

/* ---- sender-id: ---- */

/* off, system (/etc/resolv.conf) or the address of a server to ask. */
static int
kw_senderid_resolver(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;

	memset(&c->senderid_server, 0, sizeof(c->senderid_server));
	if (strcmp(argv[0], "off") == 0)
		c->senderid = SENDERID_OFF;
	else if (strcmp(argv[0], "system") == 0)
		c->senderid = SENDERID_SYSTEM;
	else {
		c->senderid = SENDERID_SERVER;
		if (conf_address(p, argv[0], 53, true, &c->senderid_server) == -1)
			return conf_error(p, "expected off, system or "
			    "ADDRESS@PORT, not '%s'", argv[0]);
	}
	return 0;
}

/* Milliseconds: "500ms", or seconds as every duration ("5", "5s"). */
static int
conf_millis(struct parser *p, const char *v, uint32_t max, uint32_t *out)
{
	size_t len = strlen(v);
	unsigned long ms;
	uint32_t s;
	char num[32];

	*out = 0;
	if (len > 2 && len < sizeof(num) && strcmp(v + len - 2, "ms") == 0) {
		memcpy(num, v, len - 2);
		num[len - 2] = '\0';
		if (conf_uint(p, num, max, &ms) == -1)
			return -1;
		*out = (uint32_t)ms;
	} else {
		if (conf_duration(p, v, &s) == -1)
			return -1;
		if (s > max / 1000)
			return conf_error(p, "'%s' is too long (at most %us)",
			    v, max / 1000);
		*out = s * 1000;
	}
	if (*out == 0)
		return conf_error(p, "expected more than 0, not '%s'", v);
	return 0;
}

static int
kw_senderid_timeout(struct parser *p, char **argv, int argc)
{
	return conf_millis(p, argv[0], 600000, &p->c->senderid_timeout_ms);
}

static int
kw_senderid_deadline(struct parser *p, char **argv, int argc)
{
	return conf_millis(p, argv[0], 600000, &p->c->senderid_deadline_ms);
}

static int
kw_senderid_max_inflight(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 65536, &n) == -1)
		return -1;
	if (n == 0)
		return conf_error(p, "expected 1 to 65536, not 0");
	p->c->senderid_inflight = (uint32_t)n;
	return 0;
}

/* ---- feeds: (abuse-report feeds, feeds/feed_conf.h) ---- */

/* own-host, authserv-id and own-domain: one name a line, repeatable. */
static int
kw_feeds_name(struct parser *p, char **argv, int argc)
{
	char err[160];

	if (feed_conf_add(&p->c->feeds, p->keyword, argv[0], err,
	    sizeof(err)) == -1)
		return conf_error(p, "%s", err);
	return 0;
}

/* The largest message taken, in bytes (at most 64 MiB). */
static int
kw_feeds_max_size(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 64ul << 20, &n) == -1)
		return -1;
	if (n < 1024)
		return conf_error(p, "max-size must be at least 1024 bytes");
	p->c->feeds.max_message = n;
	return 0;
}

/* require: only S/MIME messages signed by a federation member; optional
 * (the default): unsigned ones are the node's own observation. */
static int
kw_feeds_signed(struct parser *p, char **argv, int argc)
{
	if (strcmp(argv[0], "require") != 0 && strcmp(argv[0], "optional"))
		return conf_error(p, "expected require or optional, not '%s'",
		    argv[0]);
	p->c->feeds.require_signed = strcmp(argv[0], "require") == 0;
	return 0;
}

/* ---- peering: ---- */

static int
kw_peering_listen(struct parser *p, char **argv, int argc)
{
	return conf_address(p, argv[0], 7946, true, &p->c->peer_listen);
}

static int
kw_peering_trust_anchor(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;

	if (c->n_anchors == CONF_MAX_ANCHORS)
		return conf_error(p, "too many trust anchors (at most %d)",
		    CONF_MAX_ANCHORS);
	return conf_string(p, argv[0], c->anchors[c->n_anchors++],
	    sizeof(c->anchors[0]));
}

static int
kw_peering_crl(struct parser *p, char **argv, int argc)
{
	return conf_string(p, argv[0], p->c->crl_file, sizeof(p->c->crl_file));
}

/* peer: NAME HOST@PORT [pin HEX] */
static int
kw_peering_peer(struct parser *p, char **argv, int argc)
{
	struct node_conf *c = p->c;
	struct conf_peer *peer;
	uint8_t key[ED25519_KEY_LEN];

	if (c->n_peers == CONF_MAX_PEERS)
		return conf_error(p, "too many peers (at most %d)", CONF_MAX_PEERS);
	if (argc != 2 && argc != 4)
		return conf_error(p, "expected peer: NAME HOST@PORT [pin HEX]");
	peer = &c->peers[c->n_peers];
	memset(peer, 0, sizeof(*peer));
	if (conf_string(p, argv[0], peer->name, sizeof(peer->name)) == -1 ||
	    conf_address(p, argv[1], 7946, false, &peer->addr) == -1)
		return -1;
	if (argc == 4) {
		if (strcmp(argv[2], "pin") != 0)
			return conf_error(p, "expected 'pin', not '%s'", argv[2]);
		if (conf_hex(p, argv[3], key, sizeof(key)) == -1)
			return -1;
		for (size_t i = 0; i < sizeof(key); i++)
			snprintf(peer->pin + 2 * i, 3, "%02x", key[i]);
	}
	for (int i = 0; i < c->n_peers; i++)
		if (strcmp(c->peers[i].name, peer->name) == 0)
			return conf_error(p, "peer '%s' is defined twice", peer->name);
	c->n_peers++;
	return 0;
}

/* ---- origin: ---- */

static struct conf_origin *
conf_cur_origin(struct parser *p)
{
	return &p->c->origins[p->c->n_origins - 1];
}

static int
kw_origin_key(struct parser *p, char **argv, int argc)
{
	if (conf_cur_origin(p)->is_org)
		return conf_error(p, "origin: names a node (key) or an "
		    "organisation (org), not both");
	return conf_hex(p, argv[0], conf_cur_origin(p)->key, ED25519_KEY_LEN);
}

static int
kw_origin_org(struct parser *p, char **argv, int argc)
{
	static const uint8_t zero[ED25519_KEY_LEN];

	if (memcmp(conf_cur_origin(p)->key, zero, sizeof(zero)) != 0)
		return conf_error(p, "origin: names a node (key) or an "
		    "organisation (org), not both");
	conf_cur_origin(p)->is_org = true;
	return conf_hex(p, argv[0], conf_cur_origin(p)->key, ED25519_KEY_LEN);
}

static int
kw_origin_trust(struct parser *p, char **argv, int argc)
{
	return conf_real(p, argv[0], 0, 1, &conf_cur_origin(p)->trust);
}

static int
kw_origin_blocked(struct parser *p, char **argv, int argc)
{
	return conf_bool(p, argv[0], &conf_cur_origin(p)->blocked);
}

/* ---- policy: ---- */

static int
conf_category(struct parser *p, const char *v)
{
	int k = category_parse(v);

	if (k <= 0 || k >= CATEGORY_COUNT)
		return conf_error(p, "unknown category '%s'", v);
	return k;
}

static int
kw_policy_half_life(struct parser *p, char **argv, int argc)
{
	int k = conf_category(p, argv[0]);
	uint32_t s;

	if (k == -1 || conf_duration(p, argv[1], &s) == -1)
		return -1;
	if (s == 0)
		return conf_error(p, "half-life must be longer than 0");
	p->c->policy.half_life_s[k] = s;
	return 0;
}

static int
kw_policy_code(struct parser *p, char **argv, int argc)
{
	int k = conf_category(p, argv[0]);
	unsigned long n;

	if (k == -1 || conf_uint(p, argv[1], 255, &n) == -1)
		return -1;
	if (n == 1)
		return conf_error(p, "code must be 0 (never listed) or from 2 "
		    "to 255 (127.0.0.1 means not listed)");
	p->c->policy.code[k] = (uint8_t)n;
	return 0;
}

static int
kw_policy_default_ttl(struct parser *p, char **argv, int argc)
{
	p->ttl_line = p->line;
	return conf_duration(p, argv[0], &p->c->policy.default_ttl_s);
}

static int
kw_policy_max_ttl(struct parser *p, char **argv, int argc)
{
	p->ttl_line = p->line;
	return conf_duration(p, argv[0], &p->c->policy.max_ttl_s);
}

static int
kw_policy_future_slack(struct parser *p, char **argv, int argc)
{
	uint32_t s;

	if (conf_duration(p, argv[0], &s) == -1)
		return -1;
	p->c->policy.future_slack_ms = (uint64_t)s * 1000;
	return 0;
}

/* min-orgs; min-origins is its old name (the quorum counted nodes then). */
static int
kw_policy_min_orgs(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 1000, &n) == -1)
		return -1;
	p->c->policy.min_orgs = (unsigned)n;
	return 0;
}

/* A count of reports, up to 10^12. */
static int
conf_reports(struct parser *p, const char *v, uint64_t *out)
{
	unsigned long n;

	if (conf_uint(p, v, 1000000000000ul, &n) == -1)
		return -1;
	*out = n;
	return 0;
}

static int
kw_policy_quota_per_hour(struct parser *p, char **argv, int argc)
{
	return conf_reports(p, argv[0], &p->c->policy.quota_per_hour);
}

static int
kw_policy_quota_block_factor(struct parser *p, char **argv, int argc)
{
	unsigned long n;

	if (conf_uint(p, argv[0], 1000000, &n) == -1)
		return -1;
	p->c->policy.quota_block_factor = (uint32_t)n;
	return 0;
}

static int
kw_policy_live_ceiling(struct parser *p, char **argv, int argc)
{
	return conf_reports(p, argv[0], &p->c->policy.live_ceiling);
}

static int
kw_policy_quota_per_org_hour(struct parser *p, char **argv, int argc)
{
	p->org_quota_set = true;
	return conf_reports(p, argv[0], &p->c->policy.quota_per_org_hour);
}

static int
kw_policy_live_ceiling_per_org(struct parser *p, char **argv, int argc)
{
	p->org_ceiling_set = true;
	return conf_reports(p, argv[0], &p->c->policy.live_ceiling_per_org);
}

/* The real-valued tunables, by keyword. */
static double *
conf_policy_real(struct policy *pol, const char *kw, double *max)
{
	static const struct { const char *kw; size_t off; double max; } f[] = {
		{ "allow-min-weight", offsetof(struct policy, allow_min_weight), 1e9 },
		{ "allow-threshold", offsetof(struct policy, allow_threshold), 1 },
		{ "attr-neutral", offsetof(struct policy, attr_neutral), 1 },
		{ "cap-per-org", offsetof(struct policy, cap_per_org), 1e9 },
		{ "cap-per-origin", offsetof(struct policy, cap_per_origin), 1e9 },
		{ "default-trust", offsetof(struct policy, default_trust), 1 },
		{ "min-origin-weight", offsetof(struct policy, min_origin_weight), 1e9 },
		{ "prior-bad", offsetof(struct policy, prior_bad), 1e9 },
		{ "prior-good", offsetof(struct policy, prior_good), 1e9 },
		{ "threshold", offsetof(struct policy, list_threshold), 1 },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(f[i].kw, kw) == 0) {
			*max = f[i].max;
			return (double *)((char *)pol + f[i].off);
		}
	return NULL;
}

static int
kw_policy_real(struct parser *p, char **argv, int argc)
{
	double max = 1, *field = conf_policy_real(&p->c->policy, p->keyword,
	    &max);

	return conf_real(p, argv[0], 0, max, field);
}

/* ---- the keyword table: sorted by clause, then name ---- */

static const struct conf_keyword conf_keywords[] = {
	{ "", "api", conf_clause, 0, 0 },
	{ "", "dns", conf_clause, 0, 0 },
	{ "", "feeds", conf_clause, 0, 0 },
	{ "", "origin", conf_origin_start, 0, 0 },
	{ "", "peering", conf_clause, 0, 0 },
	{ "", "policy", conf_clause, 0, 0 },
	{ "", "sender-id", conf_clause, 0, 0 },
	{ "", "server", conf_clause, 0, 0 },
	{ "", "smtpd-policy", conf_clause, 0, 0 },
	{ "", "zone", conf_zone_start, 0, 0 },
	{ "api", "listen", kw_api_listen, 1, 1 },
	{ "api", "socket", kw_api_socket, 1, 1 },
	{ "dns", "cache-size", kw_dns_cache_size, 1, 1 },
	{ "dns", "edns-size", kw_dns_edns_size, 1, 1 },
	{ "dns", "listen", kw_dns_listen, 1, 1 },
	{ "dns", "rrl-limit", kw_dns_rrl_limit, 1, 1 },
	{ "dns", "threads", kw_dns_threads, 1, 1 },
	{ "feeds", "authserv-id", kw_feeds_name, 1, 1 },
	{ "feeds", "max-size", kw_feeds_max_size, 1, 1 },
	{ "feeds", "own-domain", kw_feeds_name, 1, 1 },
	{ "feeds", "own-host", kw_feeds_name, 1, 1 },
	{ "feeds", "signed", kw_feeds_signed, 1, 1 },
	{ "origin", "blocked", kw_origin_blocked, 1, 1 },
	{ "origin", "key", kw_origin_key, 1, 1 },
	{ "origin", "org", kw_origin_org, 1, 1 },
	{ "origin", "trust", kw_origin_trust, 1, 1 },
	{ "peering", "crl", kw_peering_crl, 1, 1 },
	{ "peering", "listen", kw_peering_listen, 1, 1 },
	{ "peering", "peer", kw_peering_peer, 2, 4 },
	{ "peering", "trust-anchor", kw_peering_trust_anchor, 1, 1 },
	{ "policy", "allow-min-weight", kw_policy_real, 1, 1 },
	{ "policy", "allow-threshold", kw_policy_real, 1, 1 },
	{ "policy", "attr-neutral", kw_policy_real, 1, 1 },
	{ "policy", "cap-per-org", kw_policy_real, 1, 1 },
	{ "policy", "cap-per-origin", kw_policy_real, 1, 1 },
	{ "policy", "code", kw_policy_code, 2, 2 },
	{ "policy", "default-trust", kw_policy_real, 1, 1 },
	{ "policy", "default-ttl", kw_policy_default_ttl, 1, 1 },
	{ "policy", "future-slack", kw_policy_future_slack, 1, 1 },
	{ "policy", "half-life", kw_policy_half_life, 2, 2 },
	{ "policy", "live-ceiling", kw_policy_live_ceiling, 1, 1 },
	{ "policy", "live-ceiling-per-org", kw_policy_live_ceiling_per_org, 1,
	    1 },
	{ "policy", "max-ttl", kw_policy_max_ttl, 1, 1 },
	{ "policy", "min-orgs", kw_policy_min_orgs, 1, 1 },
	{ "policy", "min-origin-weight", kw_policy_real, 1, 1 },
	{ "policy", "min-origins", kw_policy_min_orgs, 1, 1 },
	{ "policy", "prior-bad", kw_policy_real, 1, 1 },
	{ "policy", "prior-good", kw_policy_real, 1, 1 },
	{ "policy", "quota-block-factor", kw_policy_quota_block_factor, 1, 1 },
	{ "policy", "quota-per-hour", kw_policy_quota_per_hour, 1, 1 },
	{ "policy", "quota-per-org-hour", kw_policy_quota_per_org_hour, 1, 1 },
	{ "policy", "threshold", kw_policy_real, 1, 1 },
	{ "sender-id", "deadline", kw_senderid_deadline, 1, 1 },
	{ "sender-id", "max-inflight", kw_senderid_max_inflight, 1, 1 },
	{ "sender-id", "resolver", kw_senderid_resolver, 1, 1 },
	{ "sender-id", "timeout", kw_senderid_timeout, 1, 1 },
	{ "server", "batch-idle", kw_server_batch_idle, 1, 1 },
	{ "server", "batch-size", kw_server_batch_size, 1, 1 },
	{ "server", "batch-window", kw_server_batch_window, 1, 1 },
	{ "server", "cert-file", kw_server_cert_file, 1, 1 },
	{ "server", "directory", kw_server_directory, 1, 1 },
	{ "server", "key-file", kw_server_key_file, 1, 1 },
	{ "server", "name", kw_server_name, 1, 1 },
	{ "server", "pidfile", kw_server_pidfile, 1, 1 },
	{ "server", "store-size", kw_server_store_size, 1, 1 },
	{ "server", "sync", kw_server_sync, 1, 1 },
	{ "server", "username", kw_server_username, 1, 1 },
	{ "server", "verbosity", kw_server_verbosity, 1, 1 },
	{ "smtpd-policy", "idle-timeout", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "listen", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "max-attributes", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "max-connections", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "max-line", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "receiver", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "reject-listed", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "reject-listed-domain", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "spf-fail", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "spf-permerror", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "spf-softfail", kw_smtpd_policy, 1, 1 },
	{ "smtpd-policy", "spf-temperror", kw_smtpd_policy, 1, 1 },
	{ "zone", "allow-axfr", kw_zone_allow_axfr, 1, 1 },
	{ "zone", "hostmaster", kw_zone_hostmaster, 1, 1 },
	{ "zone", "kind", kw_zone_kind, 1, 1 },
	{ "zone", "name", kw_zone_name, 1, 1 },
	{ "zone", "negative-ttl", kw_zone_negative_ttl, 1, 1 },
	{ "zone", "notify", kw_zone_notify, 1, 1 },
	{ "zone", "ns", kw_zone_ns, 1, 1 },
	{ "zone", "subdomains", kw_zone_subdomains, 1, 1 },
	{ "zone", "ttl", kw_zone_ttl, 1, 1 },
	{ "zone", "txt", kw_zone_txt, 1, 1 },
};

static int
conf_keyword_cmp(const void *key, const void *elem)
{
	const struct conf_keyword *a = key, *b = elem;
	int r = strcmp(a->clause, b->clause);

	return r != 0 ? r : strcmp(a->name, b->name);
}

static const struct conf_keyword *
conf_keyword_find(const char *clause, const char *name)
{
	struct conf_keyword k = { clause, name, NULL, 0, 0 };

	return bsearch(&k, conf_keywords, sizeof(conf_keywords) /
	    sizeof(conf_keywords[0]), sizeof(conf_keywords[0]),
	    conf_keyword_cmp);
}

/* ---- lines ---- */

/* Splits line in place into words; "quoted strings" keep their spaces,
 * '#' outside quotes ends the line. Returns the count or -1. */
static int
conf_split(struct parser *p, char *line, char **argv, int max)
{
	int argc = 0;
	char *s = line;

	for (;;) {
		while (*s == ' ' || *s == '\t' || *s == '\r')
			s++;
		if (*s == '\0' || *s == '#')
			return argc;
		if (argc == max)
			return conf_error(p, "too many values on one line");
		if (*s == '"') {
			argv[argc++] = ++s;
			while (*s != '"' && *s != '\0')
				s++;
			if (*s != '"')
				return conf_error(p, "missing closing quote");
			*s++ = '\0';
			if (*s != '\0' && *s != ' ' && *s != '\t' && *s != '#' &&
			    *s != '\r')
				return conf_error(p, "expected a space after a quoted value");
			continue;
		}
		argv[argc++] = s;
		while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '#' &&
		    *s != '\r') {
			if (*s == '"')
				return conf_error(p, "a quote inside a value: "
				    "quote the whole value");
			s++;
		}
		if (*s == '#') {
			*s = '\0';
			return argc;
		}
		if (*s != '\0')
			*s++ = '\0';
	}
}

static int
conf_line(struct parser *p, char *line)
{
	char *argv[CONF_MAX_ARGS + 1], *colon;
	const struct conf_keyword *kw;
	int argc;

	if ((argc = conf_split(p, line, argv, CONF_MAX_ARGS + 1)) <= 0)
		return argc;
	colon = argv[0] + strlen(argv[0]) - 1;
	if (argv[0][0] == '\0' || *colon != ':')
		return conf_error(p, "expected 'keyword:', not '%s'", argv[0]);
	*colon = '\0';
	argc--;
	if (argc == 0 && (kw = conf_keyword_find("", argv[0])) != NULL) {
		p->clause = kw->name;
		return kw->fn(p, NULL, 0);
	}
	if (p->clause == NULL)
		return conf_error(p, "expected a clause (server:, dns:, zone:, "
		    "api:, peering:, origin:, policy:), not '%s:'", argv[0]);
	if ((kw = conf_keyword_find(p->clause, argv[0])) == NULL)
		return conf_error(p, "unknown keyword '%s' in %s:", argv[0],
		    p->clause);
	if (argc < kw->min_args || argc > kw->max_args)
		return conf_error(p, "%s: expects %d value%s, got %d", kw->name,
		    kw->min_args, kw->min_args == 1 ? "" : "s", argc);
	p->keyword = kw->name;
	return kw->fn(p, argv + 1, argc);
}

/* ---- defaults and checks after the whole file ---- */

static void
conf_defaults(struct node_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "reputed");
	snprintf(c->directory, sizeof(c->directory), "/var/lib/reputed");
	c->verbosity = 1;
	c->sync = 1;
	c->batch_window_ms = BATCHER_WINDOW_MS;
	c->batch_size = BATCHER_MAX_REPORTS;
	c->batch_idle_seal = true;
	c->dns_threads = 2;
	c->edns_size = 1232;
	c->dns_cache = CONF_DNS_CACHE_DEFAULT;
	snprintf(c->api_listen.host, sizeof(c->api_listen.host), "127.0.0.1");
	c->api_listen.port = 8053;
	c->senderid = SENDERID_OFF;
	c->senderid_timeout_ms = 5000;
	c->senderid_deadline_ms = 20000;
	c->senderid_inflight = 256;
	mta_conf_defaults(&c->mta);
	policy_default(&c->policy);
}

/* dst = prefix + name when that fits in a domain name, else name. */
static void
conf_prefix_name(char dst[DOMAIN_MAX + 1], const char *prefix,
    const char *name)
{
	size_t pl = strlen(prefix), nl = strlen(name);

	if (pl + nl > DOMAIN_MAX)
		pl = 0;
	memcpy(dst, prefix, pl);
	memcpy(dst + pl, name, nl + 1);
}

static int
conf_check_zone(struct parser *p, int i)
{
	struct conf_zone *z = &p->c->zones[i];

	p->line = p->zone_line[i];
	if (z->name[0] == '\0')
		return conf_error(p, "zone: missing name");
	if ((int)z->kind == -1)
		return conf_error(p, "zone %s: missing kind (ip, domain or allow)",
		    z->name);
	for (int j = 0; j < i; j++)
		if (strcmp(p->c->zones[j].name, z->name) == 0)
			return conf_error(p, "zone %s is defined twice", z->name);
	if (z->ns[0] == '\0')
		conf_prefix_name(z->ns, "ns.", z->name);
	if (z->hostmaster[0] == '\0')
		conf_prefix_name(z->hostmaster, "hostmaster.", z->name);
	if (z->txt_template[0] == '\0')
		snprintf(z->txt_template, sizeof(z->txt_template),
		    "$subject: $reports reports from $origins origins, "
		    "score $score, last seen $last_seen");
	return 0;
}

static int
conf_check_origin(struct parser *p, int i)
{
	static const uint8_t zero[ED25519_KEY_LEN];
	struct conf_origin *o = &p->c->origins[i];

	p->line = p->origin_line[i];
	if (memcmp(o->key, zero, sizeof(zero)) == 0)
		return conf_error(p, "origin: missing key (or org)");
	for (int j = 0; j < i; j++)
		if (memcmp(p->c->origins[j].key, o->key, sizeof(o->key)) == 0)
			return conf_error(p, "origin is defined twice");
	if (o->trust < 0)
		o->trust = p->c->policy.default_trust;
	return 0;
}

static int
conf_check(struct parser *p)
{
	struct node_conf *c = p->c;

	for (int i = 0; i < c->n_zones; i++)
		if (conf_check_zone(p, i) == -1)
			return -1;
	for (int i = 0; i < c->n_origins; i++)
		if (conf_check_origin(p, i) == -1)
			return -1;
	p->line = p->dir_line;
	if (c->directory[0] == '\0')
		return conf_error(p, "server: directory must not be empty");
	if (c->key_file[0] == '\0')
		snprintf(c->key_file, sizeof(c->key_file), "node.key");
	if (c->pidfile[0] == '\0')
		snprintf(c->pidfile, sizeof(c->pidfile), "reputed.pid");
	policy_org_limits(&c->policy, p->org_quota_set, p->org_ceiling_set);
	p->line = p->ttl_line;
	if (c->policy.max_ttl_s < c->policy.default_ttl_s)
		return conf_error(p, "policy: max-ttl is shorter than default-ttl");
	return 0;
}

/* Parses text (NUL-terminated, modified in place) as file. */
static int
conf_parse(struct node_conf *c, const char *file, char *text, char *err,
    size_t errlen)
{
	struct parser p = { .c = c, .file = file, .err = err, .errlen = errlen };
	char *line = text, *next;

	conf_defaults(c);
	snprintf(c->path, sizeof(c->path), "%s", file);
	for (; line != NULL; line = next) {
		p.line++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (conf_line(&p, line) == -1)
			return -1;
	}
	return conf_check(&p);
}

/* Reads a whole file into a new NUL-terminated buffer; sets *len. */
static char *
conf_read(const char *path, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(CONF_MAX_FILE + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, CONF_MAX_FILE + 1, f);
	if (ferror(f) || *len > CONF_MAX_FILE) {
		snprintf(err, errlen, "%s: %s", path, ferror(f) ?
		    strerror(errno) : "file too large");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[*len] = '\0';
	return buf;
}

int
conf_load(struct node_conf *c, const char *path, char *err, size_t errlen)
{
	char *text;
	size_t len;
	int rc;

	if (path == NULL) {
		if ((text = strdup(conf_default_text)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		rc = conf_parse(c, "(embedded)", text, err, errlen);
	} else {
		if ((text = conf_read(path, &len, err, errlen)) == NULL)
			return -1;
		rc = conf_parse_buffer(c, path, text, len, err, errlen);
	}
	free(text);
	return rc;
}

/* For the fuzzer and tests: parses len bytes of text (which may hold NULs
 * and need not be terminated) as if read from file. text must have room
 * for len + 1 bytes; it is modified. */
int
conf_parse_buffer(struct node_conf *c, const char *file, char *text,
    size_t len, char *err, size_t errlen)
{
	if (memchr(text, '\0', len) != NULL) {
		/* report the line of the first NUL */
		int line = 1;
		for (const char *s = text; *s != '\0'; s++)
			line += *s == '\n';
		memset(c, 0, sizeof(*c));
		snprintf(err, errlen, "%s:%d: NUL byte in the file", file, line);
		return -1;
	}
	text[len] = '\0';
	return conf_parse(c, file, text, err, errlen);
}

/* ---- printing the normalised config (reputed -nv) ---- */

/* Durations print in the largest unit that divides them. */
static void
conf_print_duration(FILE *f, const char *kw, const char *arg, uint32_t s)
{
	static const struct { char unit; uint32_t mult; } units[] = {
		{ 'w', 604800 }, { 'd', 86400 }, { 'h', 3600 }, { 'm', 60 },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (s != 0 && s % units[i].mult == 0)
			break;
	fprintf(f, "\t%s: %s%s", kw, arg, arg[0] ? " " : "");
	if (i < sizeof(units) / sizeof(units[0]))
		fprintf(f, "%u%c\n", s / units[i].mult, units[i].unit);
	else
		fprintf(f, "%us\n", s);
}

/* Sizes print in the largest binary unit that divides them. */
static void
conf_print_size(FILE *f, const char *kw, uint64_t n)
{
	static const char units[] = "tgmk";
	int i;

	for (i = 0; i < 4; i++)
		if (n != 0 && n % (1ull << (10 * (4 - i))) == 0)
			break;
	if (i < 4)
		fprintf(f, "\t%s: %llu%c\n", kw,
		    (unsigned long long)(n >> (10 * (4 - i))), units[i]);
	else
		fprintf(f, "\t%s: %llu\n", kw, (unsigned long long)n);
}

static void
conf_print_addr(FILE *f, const char *kw, const struct conf_addr *a)
{
	fprintf(f, "\t%s: %s@%u\n", kw, a->host, a->port);
}

static void
conf_print_hex(FILE *f, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", b[i]);
}

static void
conf_print_server(FILE *f, const struct node_conf *c)
{
	fprintf(f, "server:\n");
	fprintf(f, "\tname: \"%s\"\n", c->name);
	fprintf(f, "\tdirectory: \"%s\"\n", c->directory);
	fprintf(f, "\tusername: \"%s\"\n", c->username);
	fprintf(f, "\tpidfile: \"%s\"\n", c->pidfile);
	fprintf(f, "\tkey-file: \"%s\"\n", c->key_file);
	fprintf(f, "\tcert-file: \"%s\"\n", c->cert_file);
	fprintf(f, "\tverbosity: %d\n", c->verbosity);
	fprintf(f, "\tsync: %d\n", c->sync);
	conf_print_size(f, "store-size", c->store_size);
	fprintf(f, "\tbatch-window: %ums\n", c->batch_window_ms);
	fprintf(f, "\tbatch-size: %u\n", c->batch_size);
	fprintf(f, "\tbatch-idle: %s\n", c->batch_idle_seal ? "seal" : "wait");
}

static void
conf_print_dns(FILE *f, const struct node_conf *c)
{
	fprintf(f, "dns:\n");
	for (int i = 0; i < c->n_dns_listen; i++)
		conf_print_addr(f, "listen", &c->dns_listen[i]);
	fprintf(f, "\tthreads: %d\n", c->dns_threads);
	fprintf(f, "\trrl-limit: %u\n", c->rrl_limit);
	fprintf(f, "\tedns-size: %u\n", c->edns_size);
	fprintf(f, "\tcache-size: %u\n", c->dns_cache);
}

static const char *
conf_kind_name(enum zone_kind k)
{
	return k == ZONE_IP ? "ip" : k == ZONE_DOMAIN ? "domain" : "allow";
}

static void
conf_print_zone(FILE *f, const struct conf_zone *z)
{
	fprintf(f, "zone:\n");
	fprintf(f, "\tname: %s\n", z->name);
	fprintf(f, "\tkind: %s\n", conf_kind_name(z->kind));
	fprintf(f, "\tsubdomains: %s\n", z->subdomains ? "yes" : "no");
	conf_print_duration(f, "ttl", "", z->ttl);
	conf_print_duration(f, "negative-ttl", "", z->negative_ttl);
	fprintf(f, "\tns: %s\n", z->ns);
	fprintf(f, "\thostmaster: %s\n", z->hostmaster);
	fprintf(f, "\ttxt: \"%s\"\n", z->txt_template);
	for (int i = 0; i < z->n_notify; i++)
		conf_print_addr(f, "notify", &z->notify[i]);
	for (int i = 0; i < z->n_allow_axfr; i++)
		fprintf(f, "\tallow-axfr: %s\n", z->allow_axfr[i]);
}

static void
conf_print_senderid(FILE *f, const struct node_conf *c)
{
	fprintf(f, "sender-id:\n");
	if (c->senderid == SENDERID_SERVER)
		conf_print_addr(f, "resolver", &c->senderid_server);
	else
		fprintf(f, "\tresolver: %s\n", c->senderid == SENDERID_SYSTEM ?
		    "system" : "off");
	fprintf(f, "\ttimeout: %ums\n", c->senderid_timeout_ms);
	fprintf(f, "\tdeadline: %ums\n", c->senderid_deadline_ms);
	fprintf(f, "\tmax-inflight: %u\n", c->senderid_inflight);
}

/* Printed only when set, so configs without it print as before. */
static void
conf_print_feeds(FILE *f, const struct feed_conf *fc)
{
	if (fc->n_own_hosts + fc->n_authserv_ids + fc->n_own_domains == 0 &&
	    fc->max_message == 0 && !fc->require_signed)
		return;
	fprintf(f, "feeds:\n");
	for (int i = 0; i < fc->n_own_hosts; i++)
		fprintf(f, "\town-host: %s\n", fc->own_hosts[i]);
	for (int i = 0; i < fc->n_authserv_ids; i++)
		fprintf(f, "\tauthserv-id: %s\n", fc->authserv_ids[i]);
	for (int i = 0; i < fc->n_own_domains; i++)
		fprintf(f, "\town-domain: %s\n", fc->own_domains[i]);
	if (fc->max_message != 0)
		fprintf(f, "\tmax-size: %zu\n", fc->max_message);
	fprintf(f, "\tsigned: %s\n", fc->require_signed ? "require" :
	    "optional");
}

static void
conf_print_peering(FILE *f, const struct node_conf *c)
{
	fprintf(f, "peering:\n");
	if (c->peer_listen.port != 0)
		conf_print_addr(f, "listen", &c->peer_listen);
	for (int i = 0; i < c->n_anchors; i++)
		fprintf(f, "\ttrust-anchor: \"%s\"\n", c->anchors[i]);
	fprintf(f, "\tcrl: \"%s\"\n", c->crl_file);
	for (int i = 0; i < c->n_peers; i++) {
		const struct conf_peer *p = &c->peers[i];
		fprintf(f, "\tpeer: \"%s\" %s@%u", p->name, p->addr.host,
		    p->addr.port);
		if (p->pin[0] != '\0')
			fprintf(f, " pin %s", p->pin);
		fprintf(f, "\n");
	}
}

static void
conf_print_origin(FILE *f, const struct conf_origin *o)
{
	fprintf(f, "origin:\n\t%s: ", o->is_org ? "org" : "key");
	conf_print_hex(f, o->key, sizeof(o->key));
	fprintf(f, "\n\ttrust: %g\n", o->trust);
	fprintf(f, "\tblocked: %s\n", o->blocked ? "yes" : "no");
}

static void
conf_print_policy(FILE *f, const struct policy *pol)
{
	static const char *reals[] = { "threshold", "min-origin-weight",
	    "cap-per-origin", "cap-per-org",
	    "prior-bad", "prior-good", "allow-threshold",
	    "allow-min-weight", "attr-neutral", "default-trust" };
	struct policy copy = *pol;
	double max;

	fprintf(f, "policy:\n");
	for (unsigned k = 1; k < CATEGORY_COUNT; k++)
		conf_print_duration(f, "half-life", category_name(k),
		    (uint32_t)pol->half_life_s[k]);
	for (unsigned k = 1; k < CATEGORY_COUNT; k++)
		fprintf(f, "\tcode: %s %u\n", category_name(k), pol->code[k]);
	conf_print_duration(f, "default-ttl", "", pol->default_ttl_s);
	conf_print_duration(f, "max-ttl", "", pol->max_ttl_s);
	conf_print_duration(f, "future-slack", "",
	    (uint32_t)(pol->future_slack_ms / 1000));
	fprintf(f, "\tmin-orgs: %u\n", pol->min_orgs);
	fprintf(f, "\tquota-per-hour: %llu\n",
	    (unsigned long long)pol->quota_per_hour);
	fprintf(f, "\tquota-block-factor: %u\n", pol->quota_block_factor);
	fprintf(f, "\tlive-ceiling: %llu\n",
	    (unsigned long long)pol->live_ceiling);
	fprintf(f, "\tquota-per-org-hour: %llu\n",
	    (unsigned long long)pol->quota_per_org_hour);
	fprintf(f, "\tlive-ceiling-per-org: %llu\n",
	    (unsigned long long)pol->live_ceiling_per_org);
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		fprintf(f, "\t%s: %g\n", reals[i],
		    *conf_policy_real(&copy, reals[i], &max));
}

void
conf_print(const struct node_conf *c, void *file)
{
	FILE *f = file;

	fprintf(f, "# reputed configuration, normalised\n");
	conf_print_server(f, c);
	conf_print_dns(f, c);
	for (int i = 0; i < c->n_zones; i++)
		conf_print_zone(f, &c->zones[i]);
	fprintf(f, "api:\n");
	conf_print_addr(f, "listen", &c->api_listen);
	if (c->api_socket[0] != '\0')
		fprintf(f, "\tsocket: \"%s\"\n", c->api_socket);
	conf_print_senderid(f, c);
	mta_conf_print(&c->mta, f);
	conf_print_feeds(f, &c->feeds);
	conf_print_peering(f, c);
	for (int i = 0; i < c->n_origins; i++)
		conf_print_origin(f, &c->origins[i]);
	conf_print_policy(f, &c->policy);
}
