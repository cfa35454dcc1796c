/*
 * zone_export.c: a zone's listings as files other DNS servers load, so the
 * network scales out on infrastructure operators already run:
 *
 *   rbldnsd   ZONE.ip4set, ZONE.ip6trie (ip and allow zones) and
 *             ZONE.dnset (domain and allow zones), one "subject :A:TXT"
 *             line per listing, $SOA / $NS / $TTL in the first file;
 *             rbldnsd -r DIR ZONE:ip4set:ZONE.ip4set,...
 *   zone      an RFC 1035 master file: SOA, NS, then A and TXT per owner
 *             (the same owners AXFR sends, from dns_xfr_owners)
 *
 * Both read one snapshot of the store, so a file is one consistent serial.
 * The TXT text is the zone's template, exactly what reputed answers.
 * Owns nothing past a call; borrows the reader and the zone.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "node/dns/dns.h"

/* What the per-listing callbacks need. */
struct export_ctx {
	const struct conf_zone *z;
	uint64_t now;
	FILE *ip4, *ip6, *dn, *zone;	/* the open outputs, or NULL */
	struct safe_file out[4];	/* ... written whole or not at all */
	int n_out;
	uint64_t count;
	int error;
};

/* rbldnsd: "subject :127.0.0.x:text". The text runs to the end of the
 * line, and rbldnsd replaces a "$" in it by the queried name; it has no
 * escape for a literal one, so a "$" (never in the default template)
 * becomes "S". */
static void
rbldnsd_line(FILE *f, const char *subject, uint8_t code, const char *txt)
{
	fprintf(f, "%s :127.0.0.%u:", subject, code);
	for (const char *p = txt; *p; p++)
		fputc(*p == '$' || *p == '\n' ? 'S' : *p, f);
	fputc('\n', f);
}

/* The rbldnsd name of a domain subject: a zone that covers subdomains
 * lists ".example.com" (the domain and everything below). */
static void
rbldnsd_domain(const struct conf_zone *z, const struct subject *s, char *buf,
    size_t len)
{
	bool dot = z->subdomains && s->domain[0] != '*';
	snprintf(buf, len, "%s%s", dot ? "." : "", s->domain);
}

static int
export_rbldnsd_cb(void *arg, const struct subject *s, const struct listing *l)
{
	struct export_ctx *x = arg;
	char subject[SUBJECT_TEXT_MAX + 1], txt[256];
	if (!dns_xfr_in_zone(x->z, s, l, x->now))
		return 0;
	subject_format(s, subject, sizeof(subject));
	dns_txt_format(x->z, subject, l, txt, sizeof(txt));
	uint8_t code = dns_listing_code(x->z, l);
	if (s->kind == SUBJECT_IPV4 && x->ip4)
		rbldnsd_line(x->ip4, subject, code, txt);
	else if (s->kind == SUBJECT_IPV6 && x->ip6)
		rbldnsd_line(x->ip6, subject, code, txt);
	else if (s->kind == SUBJECT_DOMAIN && x->dn) {
		char name[SUBJECT_TEXT_MAX + 2];
		rbldnsd_domain(x->z, s, name, sizeof(name));
		rbldnsd_line(x->dn, name, code, txt);
	} else
		return 0;
	x->count++;
	return 0;
}

/* $SOA ttl origin person serial refresh retry expire minttl, $NS, $TTL */
static void
rbldnsd_header(FILE *f, const struct conf_zone *z, uint32_t serial,
    bool soa)
{
	fprintf(f, "# %s: exported by reputectl, serial %u\n", z->name, serial);
	fprintf(f, "$TTL %u\n", z->ttl);
	if (!soa)
		return;
	fprintf(f, "$SOA %u %s. %s. %u 3600 600 604800 %u\n", z->ttl,
	    z->ns[0] ? z->ns : z->name,
	    z->hostmaster[0] ? z->hostmaster : z->name, serial,
	    z->negative_ttl);
	fprintf(f, "$NS %u %s.\n", z->ttl, z->ns[0] ? z->ns : z->name);
}

static FILE *
open_out(struct export_ctx *x, const char *path, char *err, size_t errlen)
{
	struct safe_file *sf = &x->out[x->n_out];

	if (safe_file_open(sf, path, 0644, false, err, errlen) == -1)
		return NULL;
	x->n_out++;
	return sf->f;
}

static FILE *
open_rbldnsd(struct export_ctx *x, const char *dir, const char *zone,
    const char *ext, char *err, size_t errlen)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, zone, ext);
	return open_out(x, path, err, errlen);
}

/* Every output renamed into place (keep) or removed; with keep, the first
 * failure is reported and the outputs not yet renamed are removed. */
static int
close_all(struct export_ctx *x, bool keep, char *err, size_t errlen)
{
	int rc = 0;

	for (int i = 0; i < x->n_out; i++)
		if (!keep || rc == -1)
			safe_file_abort(&x->out[i]);
		else
			rc = safe_file_commit(&x->out[i], err, errlen);
	x->n_out = 0;
	return keep ? rc : -1;
}

int
export_rbldnsd(struct store_reader *r, const struct conf_zone *z,
    const char *dir, uint64_t now, uint64_t *count, char *err, size_t errlen)
{
	struct export_ctx x = { .z = z, .now = now };
	uint32_t serial = store_serial(r);
	bool ip = z->kind != ZONE_DOMAIN, dn = z->kind != ZONE_IP;
	if ((ip && ((x.ip4 = open_rbldnsd(&x, dir, z->name, "ip4set", err,
	    errlen)) == NULL || (x.ip6 = open_rbldnsd(&x, dir, z->name,
	    "ip6trie", err, errlen)) == NULL)) || (dn && (x.dn =
	    open_rbldnsd(&x, dir, z->name, "dnset", err, errlen)) == NULL))
		return close_all(&x, false, err, errlen);
	/* RFC 5782 5: the test points */
	if (x.ip4) {
		rbldnsd_header(x.ip4, z, serial, true);
		rbldnsd_header(x.ip6, z, serial, false);
		rbldnsd_line(x.ip4, "127.0.0.2", 2, DNS_TEST_TXT);
		rbldnsd_line(x.ip6, "::ffff:7f00:2", 2, DNS_TEST_TXT);
	}
	if (x.dn) {
		rbldnsd_header(x.dn, z, serial, x.ip4 == NULL);
		rbldnsd_line(x.dn, "test", 2, DNS_TEST_TXT);
	}
	if (store_each_listing(r, export_rbldnsd_cb, &x) != 0) {
		snprintf(err, errlen, "store read failed");
		return close_all(&x, false, err, errlen);
	}
	*count = x.count;
	return close_all(&x, true, err, errlen);
}

/* ---- master zone file ---- */

/* RFC 1035 5.1: a character-string in quotes, with \" and \\ escaped and
 * other non-printables as \DDD. */
static void
zone_txt(FILE *f, const char *txt)
{
	fputc('"', f);
	for (const unsigned char *p = (const void *)txt; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p > 0x7e)
			fprintf(f, "\\%03u", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

/* One owner: its A and TXT. */
struct zone_rec {
	struct export_ctx *x;
	uint8_t code;
	const char *txt;
};

static int
zone_owner_cb(void *arg, const char *owner)
{
	struct zone_rec *rec = arg;
	FILE *f = rec->x->zone;
	fprintf(f, "%s\tIN\tA\t127.0.0.%u\n%s\tIN\tTXT\t", owner, rec->code,
	    owner);
	zone_txt(f, rec->txt);
	fputc('\n', f);
	return 0;
}

static int
export_zone_cb(void *arg, const struct subject *s, const struct listing *l)
{
	struct export_ctx *x = arg;
	char subject[SUBJECT_TEXT_MAX + 1], txt[256];
	if (!dns_xfr_in_zone(x->z, s, l, x->now))
		return 0;
	subject_format(s, subject, sizeof(subject));
	dns_txt_format(x->z, subject, l, txt, sizeof(txt));
	struct zone_rec rec = { x, dns_listing_code(x->z, l), txt };
	if (dns_xfr_owners(x->z, s, zone_owner_cb, &rec) > 0)
		x->count++;
	return 0;
}

int
export_zone(struct store_reader *r, const struct conf_zone *z,
    const char *path, uint64_t now, uint64_t *count, char *err,
    size_t errlen)
{
	struct export_ctx x = { .z = z, .now = now };
	uint32_t serial = store_serial(r);
	const char *ns = z->ns[0] ? z->ns : z->name;
	struct zone_rec test = { &x, 2, DNS_TEST_TXT };

	if ((x.zone = open_out(&x, path, err, errlen)) == NULL)
		return -1;
	fprintf(x.zone, "; %s: exported by reputectl, serial %u\n"
	    "$ORIGIN %s.\n$TTL %u\n"
	    "@\tIN\tSOA\t%s. %s. %u 3600 600 604800 %u\n@\tIN\tNS\t%s.\n",
	    z->name, serial, z->name, z->ttl, ns,
	    z->hostmaster[0] ? z->hostmaster : z->name, serial,
	    z->negative_ttl, ns);
	if (z->kind != ZONE_DOMAIN) {
		zone_owner_cb(&test, "2.0.0.127");
		zone_owner_cb(&test, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0."
		    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
	}
	if (z->kind != ZONE_IP)
		zone_owner_cb(&test, "test");
	if (store_each_listing(r, export_zone_cb, &x) != 0) {
		snprintf(err, errlen, "store read failed");
		return close_all(&x, false, err, errlen);
	}
	*count = x.count;
	return close_all(&x, true, err, errlen);
}
