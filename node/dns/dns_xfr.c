/*
 * dns_xfr.c: a zone's contents as DNS records, sans-I/O. Which owner names a
 * listed subject has in a zone (shared with zone_export.c, so the rbldnsd files,
 * the master zone file and AXFR say the same thing), AXFR responses built
 * into a fixed buffer and handed to the shell one message at a time, and
 * NOTIFY messages.
 *
 * Prefixes: a DNS name holds whole octets (IPv4) or nibbles (IPv6), so a
 * prefix becomes a wildcard at its boundary ("192.0.2.0/24" ->
 * "*.2.0.192"), and a prefix off the boundary becomes the wildcards of
 * every boundary prefix it covers (a /23 -> two /24 wildcards).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "node/dns/dns.h"

#define FLAG_QR		0x8000
#define FLAG_AA		0x0400
#define XFR_ROOM	(sizeof(((struct dns_xfr *)0)->buf))

/* Appends the reversed labels of the first `units` octets or nibbles. */
static size_t
rev_labels(const uint8_t *addr, bool v6, unsigned units, char *buf,
    size_t len, size_t n)
{
	for (unsigned i = units; i-- > 0;) {
		int w;
		if (v6)
			w = snprintf(buf + n, len - n, "%s%x", n ? "." : "",
			    (addr[i / 2] >> (i % 2 ? 0 : 4)) & 0xf);
		else
			w = snprintf(buf + n, len - n, "%s%u", n ? "." : "",
			    addr[i]);
		if (w < 0 || (size_t)w >= len - n)
			return len;
		n += (size_t)w;
	}
	return n;
}

/* The owners of one address prefix. */
static int
addr_owners(const struct subject *s, dns_owner_fn fn, void *arg)
{
	bool v6 = s->kind == SUBJECT_IPV6;
	unsigned unit = v6 ? 4 : 8, bits = v6 ? 128 : 32;
	unsigned plen = s->prefix_len;
	if (plen == 0)
		return 0;	/* everything: not worth a zone */
	unsigned r = (plen + unit - 1) / unit * unit;
	unsigned count = 1u << (r - plen), n = 0;
	char owner[80];

	for (unsigned k = 0; k < count; k++) {
		uint8_t a[16];
		memcpy(a, s->addr, 16);
		/* set the bits plen..r-1 to k */
		for (unsigned b = 0; b < r - plen; b++) {
			unsigned bit = r - 1 - b;
			if (k & (1u << b))
				a[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
		}
		size_t o = 0;
		if (r < bits)
			o = (size_t)snprintf(owner, sizeof(owner), "*");
		o = rev_labels(a, v6, r / unit, owner, sizeof(owner), o);
		if (o >= sizeof(owner))
			return -1;
		if (fn(arg, owner) != 0)
			return -1;
		n++;
	}
	return (int)n;
}

int
dns_xfr_owners(const struct conf_zone *z, const struct subject *s,
    dns_owner_fn fn, void *arg)
{
	char owner[DOMAIN_MAX + 3];
	bool ip = s->kind == SUBJECT_IPV4 || s->kind == SUBJECT_IPV6;

	if (ip)
		return z->kind == ZONE_DOMAIN ? 0 : addr_owners(s, fn, arg);
	if (z->kind == ZONE_IP)
		return 0;
	if (fn(arg, s->domain) != 0)
		return -1;
	if (!z->subdomains || s->domain[0] == '*')
		return 1;
	snprintf(owner, sizeof(owner), "*.%s", s->domain);
	return fn(arg, owner) != 0 ? -1 : 2;
}

bool
dns_xfr_in_zone(const struct conf_zone *z, const struct subject *s,
    const struct listing *l, uint64_t now)
{
	bool ip = s->kind == SUBJECT_IPV4 || s->kind == SUBJECT_IPV6;
	if (z->kind == ZONE_IP && !ip)
		return false;
	if (z->kind == ZONE_DOMAIN && ip)
		return false;
	return z->kind == ZONE_ALLOW ? listing_allowed(l, now) :
	    listing_listed(l, now);
}

/* ---- AXFR ---- */

static void
w16(struct dns_xfr *x, uint16_t v)
{
	x->buf[x->len++] = (uint8_t)(v >> 8);
	x->buf[x->len++] = (uint8_t)v;
}

static void
w32(struct dns_xfr *x, uint32_t v)
{
	w16(x, (uint16_t)(v >> 16));
	w16(x, (uint16_t)v);
}

static void
wbytes(struct dns_xfr *x, const void *p, size_t n)
{
	memcpy(x->buf + x->len, p, n);
	x->len += n;
}

/* A new message: header and (RFC 5936 2.2.1 allows it in every message)
 * the question, so owners can point at the apex at offset 12. */
static void
xfr_open(struct dns_xfr *x)
{
	x->len = 0;
	x->ancount = 0;
	w16(x, x->id);
	w16(x, FLAG_QR | FLAG_AA);
	w16(x, 1);
	w32(x, 0);
	w16(x, 0);
	wbytes(x, x->qname, x->qname_len);
	w16(x, x->qtype);
	w16(x, DNS_C_IN);
}

static void
xfr_flush(struct dns_xfr *x)
{
	if (x->ancount == 0)
		return;
	x->buf[6] = (uint8_t)(x->ancount >> 8);
	x->buf[7] = (uint8_t)x->ancount;
	x->emit(x->arg, x->buf, x->len);
	x->messages++;
	xfr_open(x);
}

/* Makes room for a record of up to need bytes. */
static void
xfr_room(struct dns_xfr *x, size_t need)
{
	if (x->len + need > XFR_ROOM || x->ancount == 0xffff)
		xfr_flush(x);
}

/* Owner: the relative labels of text, then a pointer to the apex. */
static int
xfr_owner(struct dns_xfr *x, const char *rel)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t n = 1;
	wire[0] = 0;
	if (rel[0] != '\0' && (n = dnswire_name_from_text(rel, wire, 1)) == 0)
		return -1;
	if (n - 1 + x->zone->apex_len > DNS_NAME_MAX)
		return -1;
	wbytes(x, wire, n - 1);
	w16(x, 0xc000 | DNS_HEADER_LEN);
	return 0;
}

static void
xfr_rr_head(struct dns_xfr *x, uint16_t type, uint32_t ttl)
{
	w16(x, type);
	w16(x, DNS_C_IN);
	w32(x, ttl);
}

static void
xfr_name(struct dns_xfr *x, const char *text)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t n = dnswire_name_from_text(text, wire, 1);
	if (n == 0)
		wire[n++] = 0;
	wbytes(x, wire, n);
}

static void
xfr_soa(struct dns_xfr *x)
{
	const struct conf_zone *zc = x->zone->conf;
	xfr_room(x, 2 + 10 + 2 * DNS_NAME_MAX + 20);
	xfr_owner(x, "");
	xfr_rr_head(x, DNS_T_SOA, zc->ttl);
	size_t at = x->len;
	w16(x, 0);
	xfr_name(x, zc->ns[0] ? zc->ns : zc->name);
	xfr_name(x, zc->hostmaster[0] ? zc->hostmaster : zc->name);
	w32(x, x->serial);
	w32(x, 3600);
	w32(x, 600);
	w32(x, 604800);
	w32(x, zc->negative_ttl);
	x->buf[at] = (uint8_t)((x->len - at - 2) >> 8);
	x->buf[at + 1] = (uint8_t)(x->len - at - 2);
	x->ancount++;
	x->records++;
}

static void
xfr_ns(struct dns_xfr *x)
{
	const struct conf_zone *zc = x->zone->conf;
	xfr_room(x, 2 + 10 + DNS_NAME_MAX);
	xfr_owner(x, "");
	xfr_rr_head(x, DNS_T_NS, zc->ttl);
	size_t at = x->len;
	w16(x, 0);
	xfr_name(x, zc->ns[0] ? zc->ns : zc->name);
	x->buf[at] = (uint8_t)((x->len - at - 2) >> 8);
	x->buf[at + 1] = (uint8_t)(x->len - at - 2);
	x->ancount++;
	x->records++;
}

/* What one owner gets: A 127.0.0.code and the TXT. */
struct xfr_rec {
	struct dns_xfr *x;
	uint8_t code;
	const char *txt;
	size_t txt_len;
};

static int
xfr_owner_cb(void *arg, const char *owner)
{
	struct xfr_rec *rec = arg;
	struct dns_xfr *x = rec->x;
	const uint8_t a[4] = { 127, 0, 0, rec->code };
	uint8_t tl = (uint8_t)rec->txt_len;

	xfr_room(x, 2 * (DNS_NAME_MAX + 12) + 4 + 256);
	if (xfr_owner(x, owner) != 0)
		return 0;	/* too long under this apex: skip it */
	xfr_rr_head(x, DNS_T_A, x->zone->conf->ttl);
	w16(x, 4);
	wbytes(x, a, 4);
	xfr_owner(x, owner);
	xfr_rr_head(x, DNS_T_TXT, x->zone->conf->ttl);
	w16(x, (uint16_t)(rec->txt_len + 1));
	wbytes(x, &tl, 1);
	wbytes(x, rec->txt, rec->txt_len);
	x->ancount += 2;
	x->records += 2;
	return 0;
}

/* The RFC 5782 test points the zone answers for. */
static void
xfr_test_points(struct dns_xfr *x)
{
	struct xfr_rec rec = { x, 2, DNS_TEST_TXT, strlen(DNS_TEST_TXT) };
	enum zone_kind k = x->zone->conf->kind;
	if (k != ZONE_DOMAIN) {
		xfr_owner_cb(&rec, "2.0.0.127");
		xfr_owner_cb(&rec, "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0."
		    "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
	}
	if (k != ZONE_IP)
		xfr_owner_cb(&rec, "test");
}

int
dns_xfr_begin(struct dns_xfr *x, const struct dns_engine *e,
    const uint8_t *query, size_t qlen, uint32_t serial, uint64_t now,
    dns_emit_fn emit, void *arg)
{
	size_t off = DNS_HEADER_LEN;
	uint8_t name[DNS_NAME_MAX];

	memset(x, 0, offsetof(struct dns_xfr, buf));
	if (qlen < DNS_HEADER_LEN)
		return -1;
	x->qname_len = dnswire_name_read(query, qlen, &off, name);
	dnswire_name_lower(name, x->qname_len);
	if (x->qname_len == 0 || qlen - off < 4)
		return -1;
	for (int i = 0; i < e->n_zones; i++)
		if (e->zones[i].apex_len == x->qname_len &&
		    memcmp(e->zones[i].apex, name, x->qname_len) == 0)
			x->zone = &e->zones[i];
	if (x->zone == NULL)
		return -1;
	/* echo the question as asked (case kept) */
	memcpy(x->qname, query + DNS_HEADER_LEN, x->qname_len);
	x->qtype = (uint16_t)(query[off] << 8 | query[off + 1]);
	x->id = (uint16_t)(query[0] << 8 | query[1]);
	x->e = e;
	x->now = now;
	x->serial = serial;
	x->emit = emit;
	x->arg = arg;
	xfr_open(x);
	/* RFC 5936 2.2: "the first and the last RR transmitted must be
	 * the SOA record of the zone" */
	xfr_soa(x);
	xfr_ns(x);
	xfr_test_points(x);
	return 0;
}

int
dns_xfr_add(struct dns_xfr *x, const struct subject *s,
    const struct listing *l)
{
	const struct conf_zone *zc = x->zone->conf;
	char subject[SUBJECT_TEXT_MAX], txt[256];

	if (!dns_xfr_in_zone(zc, s, l, x->now))
		return 0;
	subject_format(s, subject, sizeof(subject));
	struct xfr_rec rec = { x, dns_listing_code(zc, l), txt,
	    dns_txt_format(zc, subject, l, txt, sizeof(txt)) };
	return dns_xfr_owners(zc, s, xfr_owner_cb, &rec) < 0 ? -1 : 0;
}

int
dns_xfr_end(struct dns_xfr *x)
{
	xfr_soa(x);
	xfr_flush(x);
	return 0;
}

/* RFC 1996 3.7: "A NOTIFY request has QDCOUNT>0, ANCOUNT>=0 ... the
 * answer section may contain the new SOA" (3.7 "Master's SOA"); opcode 4,
 * AA set. */
size_t
dns_notify_build(const struct dns_engine *e, int zone, uint16_t id,
    uint32_t serial, uint8_t *out, size_t cap)
{
	struct dns_xfr x;	/* 16 KiB on the stack */
	if (zone < 0 || zone >= e->n_zones)
		return 0;
	memset(&x, 0, offsetof(struct dns_xfr, buf));
	x.e = e;
	x.zone = &e->zones[zone];
	x.id = id;
	x.serial = serial;
	x.qtype = DNS_T_SOA;
	x.qname_len = x.zone->apex_len;
	memcpy(x.qname, x.zone->apex, x.qname_len);
	xfr_open(&x);
	xfr_soa(&x);
	x.buf[2] = (uint8_t)((DNS_OP_NOTIFY << 3) | (FLAG_AA >> 8));
	x.buf[7] = 1;
	if (x.len > cap)
		return 0;
	memcpy(out, x.buf, x.len);
	return x.len;
}
