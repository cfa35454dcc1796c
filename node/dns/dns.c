/*
 * dns.c: the DNSBL responder's sans-I/O core. A query comes in as bytes, an
 * answer goes out as bytes in the caller's buffer; the listings come from a
 * struct dns_source (a store_reader in the daemon, a table in the tests).
 * No sockets, no clock (the caller passes `now`), no allocation, no logging:
 * the shell (dns_server.c) and the fuzzer drive it the same way.
 *
 * What it answers, for each zone of the config:
 *   apex        SOA and NS (serial from the store); other types: NODATA
 *   ip zone     IPv4 reversed octets, IPv6 reversed nibbles (RFC 5782 2.1,
 *               2.4), longest-prefix match; shorter names are empty
 *               non-terminals when something listed lies below them
 *   domain zone the name, its wildcards and (if the zone says so) its
 *               parents (RFC 5782 2.3)
 *   allow zone  the same names, answered when the subject is allow-listed
 * A listed subject has A 127.0.0.code and TXT from the zone's template;
 * anything else is NXDOMAIN (or NODATA) with the SOA in the authority
 * section (RFC 2308). Names outside every zone are REFUSED.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <string.h>

#include "node/dns/dns.h"

#define FLAG_QR		0x8000
#define FLAG_AA		0x0400
#define FLAG_TC		0x0200
#define FLAG_RD		0x0100
#define OPCODE(f)	(((f) >> 11) & 0xf)

#define LABELS_MAX	128
#define TEST_TXT	DNS_TEST_TXT
#define DEFAULT_TEMPLATE \
	"$subject listed for $category: $reports reports from $origins " \
	"origins, score $score, last seen $last_seen"

/* A bounded writer over the caller's buffer: a write that does not fit
 * sets full and writes nothing, so callers check once at the end. */
struct wbuf {
	uint8_t *p;
	size_t cap, len;
	bool full;
};

/* The parsed query. */
struct query {
	uint16_t id, flags;
	uint8_t qname[DNS_NAME_MAX];	/* lowercased */
	size_t qname_len;
	size_t qend;			/* offset past the question */
	uint16_t qtype, qclass;
	bool edns;
	uint16_t payload;		/* the client's UDP payload size */
	uint8_t version;
	bool do_bit;
	int label_off[LABELS_MAX];	/* offset of each label in qname */
	int labels;			/* not counting the root */
};

/* What a name resolved to. */
enum outcome { OUT_APEX, OUT_LISTED, OUT_NODATA, OUT_NXDOMAIN, OUT_SERVFAIL };
struct found {
	struct listing l;
	char subject[SUBJECT_TEXT_MAX];	/* unless addr_len is set: then */
	uint8_t addr[16];		/* the subject is this address at */
	size_t addr_len;		/* l.prefix_len, formatted for TXT */
	bool test;			/* an RFC 5782 test point */
};

static void
put(struct wbuf *w, const void *d, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void
put16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 2);
}

static void
put32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };
	put(w, b, 4);
}

static void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* How many bytes of name (wire form) come before the zone's apex, when the
 * name is in the zone; else len (the name cannot be compressed to it). */
static size_t
own_labels(const struct dns_zone *z, const uint8_t *name, size_t len)
{
	for (size_t o = 0; o < len && name[o] != 0; o += 1 + name[o])
		if (len - o == z->apex_len &&
		    memcmp(name + o, z->apex, z->apex_len) == 0)
			return o;
	return len;
}

int
dns_engine_init(struct dns_engine *e, const struct node_conf *conf,
    char *err, size_t errlen)
{
	static uint64_t ids;
	memset(e, 0, sizeof(*e));
	e->id = __atomic_add_fetch(&ids, 1, __ATOMIC_RELAXED);
	e->conf = *conf;
	e->edns_size = conf->edns_size >= DNS_UDP_MIN ? conf->edns_size :
	    DNS_EDNS_DEFAULT;
	for (int i = 0; i < conf->n_zones && i < CONF_MAX_ZONES; i++) {
		struct dns_zone *z = &e->zones[i];
		z->conf = &e->conf.zones[i];
		z->apex_len = dnswire_name_from_text(z->conf->name, z->apex, 1);
		if (z->apex_len <= 1) {
			snprintf(err, errlen, "zone \"%s\": not a valid name",
			    z->conf->name);
			return -1;
		}
		for (size_t o = 0; z->apex[o] != 0; o += 1 + z->apex[o])
			z->apex_labels++;
		z->ns_len = dnswire_name_from_text(z->conf->ns[0] ?
		    z->conf->ns : z->conf->name, z->ns, 1);
		z->rname_len = dnswire_name_from_text(z->conf->hostmaster[0] ?
		    z->conf->hostmaster : z->conf->name, z->rname, 1);
		if (z->ns_len == 0 || z->rname_len == 0) {
			snprintf(err, errlen, "zone \"%s\": bad ns or "
			    "hostmaster name", z->conf->name);
			return -1;
		}
		z->ns_own = own_labels(z, z->ns, z->ns_len);
		z->rname_own = own_labels(z, z->rname, z->rname_len);
		e->n_zones++;
	}
	return 0;
}

/* ---- parsing ---- */

/* Skips one resource record; fills type/class/ttl/rdata position. */
static int
rr_skip(const uint8_t *in, size_t len, size_t *off, uint8_t name[DNS_NAME_MAX],
    size_t *name_len, uint16_t *type, uint16_t *klass, uint32_t *ttl,
    size_t *rdoff, uint16_t *rdlen)
{
	*name_len = dnswire_name_read(in, len, off, name);
	if (*name_len == 0 || len - *off < 10)
		return -1;
	const uint8_t *p = in + *off;
	*type = dnswire_get16(p);
	*klass = dnswire_get16(p + 2);
	*ttl = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 |
	    (uint32_t)p[6] << 8 | p[7];
	*rdlen = dnswire_get16(p + 8);
	*rdoff = *off + 10;
	if (*rdlen > len - *rdoff)
		return -1;
	*off = *rdoff + *rdlen;
	return 0;
}

/*
 * RFC 6891 6.1.1: "If a query message with more than one OPT RR is
 * received, a FORMERR (RCODE=1) MUST be returned." The OPT owner is the
 * root; CLASS is the requestor's UDP payload size; TTL holds the extended
 * RCODE, the VERSION and the DO bit. Options must fit the RDATA.
 */
static int
opt_parse(const uint8_t *in, size_t name_len, const uint8_t *name,
    uint16_t klass, uint32_t ttl, size_t rdoff, uint16_t rdlen,
    struct query *q)
{
	if (q->edns || name_len != 1 || name[0] != 0)
		return -1;
	q->edns = true;
	q->payload = klass;
	q->version = (uint8_t)(ttl >> 16);
	q->do_bit = (ttl & 0x8000) != 0;
	for (size_t o = 0; o < rdlen;) {
		if (rdlen - o < 4)
			return -1;
		uint16_t olen = dnswire_get16(in + rdoff + o + 2);
		if (olen > rdlen - o - 4)
			return -1;
		o += 4 + (size_t)olen;
	}
	return 0;
}

/* The sections after the question: checked for form, OPT picked out. */
static int
sections_parse(const uint8_t *in, size_t len, size_t off, struct query *q)
{
	unsigned an = dnswire_get16(in + 6), ns = dnswire_get16(in + 8), ar = dnswire_get16(in + 10);
	uint8_t name[DNS_NAME_MAX];
	size_t name_len, rdoff;
	uint16_t type, klass, rdlen;
	uint32_t ttl;

	for (unsigned i = 0; i < an + ns + ar; i++) {
		if (rr_skip(in, len, &off, name, &name_len, &type, &klass,
		    &ttl, &rdoff, &rdlen) != 0)
			return -1;
		if (type == DNS_T_OPT && (i < an + ns ||
		    opt_parse(in, name_len, name, klass, ttl, rdoff, rdlen,
		    q) != 0))
			return -1;
	}
	return 0;
}

/* Offsets of the labels of qname, for zone matching. */
static int
labels_index(struct query *q)
{
	int n = 0;
	for (size_t o = 0; q->qname[o] != 0; o += 1 + q->qname[o]) {
		if (n == LABELS_MAX)
			return -1;
		q->label_off[n++] = (int)o;
	}
	q->labels = n;
	return 0;
}

/* Returns -1 to drop the message, else the rcode to answer with. */
static int
query_parse(const uint8_t *in, size_t len, struct query *q)
{
	if (len < DNS_HEADER_LEN)
		return -1;
	q->id = dnswire_get16(in);
	q->flags = dnswire_get16(in + 2);
	if (q->flags & FLAG_QR)		/* never answer an answer */
		return -1;
	if (OPCODE(q->flags) != DNS_OP_QUERY)
		return DNS_R_NOTIMP;
	if (dnswire_get16(in + 4) != 1)
		return DNS_R_FORMERR;
	size_t off = DNS_HEADER_LEN;
	q->qname_len = dnswire_name_read(in, len, &off, q->qname);
	dnswire_name_lower(q->qname, q->qname_len);
	/* the question is the first name: it cannot be compressed */
	if (q->qname_len == 0 || off != DNS_HEADER_LEN + q->qname_len ||
	    len - off < 4 || labels_index(q) != 0)
		return DNS_R_FORMERR;
	q->qtype = dnswire_get16(in + off);
	q->qclass = dnswire_get16(in + off + 2);
	q->qend = off + 4;
	if (sections_parse(in, len, q->qend, q) != 0)
		return DNS_R_FORMERR;
	return DNS_R_NOERROR;
}

static void addr_subject(const uint8_t *addr, size_t len, unsigned plen,
	    char *buf, size_t buflen);

/* ---- answer writing ---- */

/* The answer being built: the caller's buffer, counts, the limit. */
struct reply {
	struct wbuf w;
	const struct query *q;
	const struct dns_engine *e;
	const struct dns_zone *z;
	uint16_t an, ns;
	size_t qlen;		/* header + question: where sections start */
};

static void
reply_begin(struct reply *r, const uint8_t *in, bool question)
{
	const struct query *q = r->q;
	put16(&r->w, q->id);
	put16(&r->w, 0);	/* flags, set in reply_end */
	put16(&r->w, question ? 1 : 0);
	put32(&r->w, 0);
	put16(&r->w, 0);
	if (question)
		put(&r->w, in + DNS_HEADER_LEN, q->qend - DNS_HEADER_LEN);
	r->qlen = r->w.len;
}

/* Offset of the zone apex inside the echoed qname, for compression. */
static uint16_t
apex_ptr(const struct reply *r)
{
	return (uint16_t)(0xc000 | (DNS_HEADER_LEN + r->q->qname_len -
	    r->z->apex_len));
}

static void
rr_head(struct reply *r, uint16_t owner_ptr, uint16_t type, uint32_t ttl)
{
	put16(&r->w, owner_ptr);
	put16(&r->w, type);
	put16(&r->w, DNS_C_IN);
	put32(&r->w, ttl);
}

/* A name of the zone's data (NS target, SOA RNAME): the labels above the
 * apex, then a pointer to the apex in the question (RFC 1035 4.1.4; SOA and
 * NS RDATA may be compressed, RFC 3597 4). A name outside the zone is
 * written whole. */
static void
put_zone_name(struct reply *r, const uint8_t *name, size_t len, size_t own)
{
	if (own >= len) {
		put(&r->w, name, len);
		return;
	}
	put(&r->w, name, own);
	put16(&r->w, apex_ptr(r));
}

/* RFC 1035 3.3.13: MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM */
static void
soa_rdata(struct reply *r, uint32_t serial)
{
	const struct dns_zone *z = r->z;
	struct wbuf *w = &r->w;
	size_t at = w->len;
	put16(w, 0);
	put_zone_name(r, z->ns, z->ns_len, z->ns_own);
	put_zone_name(r, z->rname, z->rname_len, z->rname_own);
	put32(w, serial);
	put32(w, 3600);		/* refresh */
	put32(w, 600);		/* retry */
	put32(w, 604800);	/* expire */
	put32(w, z->conf->negative_ttl);
	if (!w->full)
		set16(w->p + at, (uint16_t)(w->len - at - 2));
}

static void
add_soa(struct reply *r, uint32_t serial, uint32_t ttl, bool authority)
{
	rr_head(r, apex_ptr(r), DNS_T_SOA, ttl);
	soa_rdata(r, serial);
	if (authority)
		r->ns++;
	else
		r->an++;
}

static void
add_ns(struct reply *r)
{
	const struct dns_zone *z = r->z;
	rr_head(r, apex_ptr(r), DNS_T_NS, z->conf->ttl);
	put16(&r->w, (uint16_t)(z->ns_own < z->ns_len ? z->ns_own + 2 :
	    z->ns_len));
	put_zone_name(r, z->ns, z->ns_len, z->ns_own);
	r->an++;
}

static void
add_a(struct reply *r, uint8_t code)
{
	static const uint8_t lo[3] = { 127, 0, 0 };
	rr_head(r, 0xc000 | DNS_HEADER_LEN, DNS_T_A, r->z->conf->ttl);
	put16(&r->w, 4);
	put(&r->w, lo, 3);
	put(&r->w, &code, 1);
	r->an++;
}

static void
add_txt(struct reply *r, const struct found *f)
{
	char text[256], subject[SUBJECT_TEXT_MAX];
	const char *subj = f->subject;
	if (f->addr_len > 0) {
		addr_subject(f->addr, f->addr_len, f->l.prefix_len, subject,
		    sizeof(subject));
		subj = subject;
	}
	size_t n = f->test ? strlen(TEST_TXT) :
	    dns_txt_format(r->z->conf, subj, &f->l, text, sizeof(text));
	uint8_t len = (uint8_t)n;
	rr_head(r, 0xc000 | DNS_HEADER_LEN, DNS_T_TXT, r->z->conf->ttl);
	put16(&r->w, (uint16_t)(n + 1));
	put(&r->w, &len, 1);
	put(&r->w, f->test ? TEST_TXT : text, n);
	r->an++;
}

/* RFC 6891 6.1.2/6.1.3: our payload size, extended RCODE, version 0, and
 * (RFC 3225) the DO bit copied from the query. */
static void
add_opt(struct reply *r, int rcode)
{
	uint8_t root = 0;
	put(&r->w, &root, 1);
	put16(&r->w, DNS_T_OPT);
	put16(&r->w, r->e->edns_size);
	put32(&r->w, (uint32_t)(rcode >> 4) << 24 | (r->q->do_bit ? 0x8000 : 0));
	put16(&r->w, 0);
}

/*
 * Closes the message: OPT if the query had one, the header's flags and
 * counts. RFC 2181 9: when the answer does not fit, set TC and send what
 * fits; we send the header and the question only, so a client retries
 * over TCP. Returns the length.
 */
static size_t
reply_end(struct reply *r, int rcode, bool aa, struct dns_result *res)
{
	bool tc = false;
	if (r->w.full) {
		r->w.full = false;
		r->w.len = r->qlen;
		r->an = r->ns = 0;
		tc = true;
	}
	if (r->q->edns)
		add_opt(r, rcode);
	if (r->w.full)
		return 0;
	uint16_t flags = FLAG_QR | (uint16_t)(OPCODE(r->q->flags) << 11) |
	    (r->q->flags & FLAG_RD) | (uint16_t)(rcode & 0xf);
	if (aa)
		flags |= FLAG_AA;
	if (tc)
		flags |= FLAG_TC;
	set16(r->w.p + 2, flags);
	set16(r->w.p + 6, r->an);
	set16(r->w.p + 8, r->ns);
	set16(r->w.p + 10, r->q->edns ? 1 : 0);
	res->rcode = rcode;
	res->tc = tc;
	res->edns = r->q->edns;
	return r->w.len;
}

/* ---- resolution ---- */

/* A byte a stored domain can hold (subject.c: letters, digits, '-', '_',
 * '*'); the core has already lowercased letters. */
static bool
domain_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	    c == '_' || c == '*';
}

/* The rel labels of the qname (those below the apex) joined by dots.
 * False if a label holds a byte no listed domain can have (a dot or a NUL
 * inside a label must not alias another name). */
static bool
rel_text(const struct query *q, int nrel, char *buf, size_t len)
{
	size_t n = 0;
	for (int i = 0; i < nrel; i++) {
		const uint8_t *l = q->qname + q->label_off[i];
		if (n + l[0] + 2 > len)
			return false;
		if (i > 0)
			buf[n++] = '.';
		for (int k = 1; k <= l[0]; k++) {
			if (!domain_byte(l[k]))
				return false;
			buf[n++] = (char)l[k];
		}
	}
	buf[n] = '\0';
	return true;
}

static void
test_found(struct found *f, const char *subject)
{
	memset(f, 0, sizeof(*f));
	dns_test_listing(&f->l);
	snprintf(f->subject, sizeof(f->subject), "%s", subject);
	f->test = true;
}

void
dns_test_listing(struct listing *l)
{
	memset(l, 0, sizeof(*l));
	l->listed_until = UINT64_MAX;
	l->allowed_until = UINT64_MAX;
	l->code = 2;
	l->score = 1;
}

uint8_t
dns_listing_code(const struct conf_zone *z, const struct listing *l)
{
	return z->kind == ZONE_ALLOW || l->code == 0 ? 2 : l->code;
}

static bool
active(const struct conf_zone *zc, const struct listing *l, uint64_t now)
{
	return zc->kind == ZONE_ALLOW ? listing_allowed(l, now) :
	    listing_listed(l, now);
}

/* A decimal octet label, strict: "0".."255", no leading zeros. */
static int
octet(const uint8_t *l)
{
	if (l[0] < 1 || l[0] > 3 || (l[0] > 1 && l[1] == '0'))
		return -1;
	int v = 0;
	for (int i = 1; i <= l[0]; i++) {
		if (l[i] < '0' || l[i] > '9')
			return -1;
		v = v * 10 + (l[i] - '0');
	}
	return v <= 255 ? v : -1;
}

static int
nibble(const uint8_t *l)
{
	if (l[0] != 1)
		return -1;
	uint8_t c = l[1];
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * RFC 5782 2.1: "IPv4 address ... the octets of the address are reversed";
 * 2.4: IPv6 "the address is reversed as a sequence of nibbles". n labels
 * give a prefix of 8n (IPv4) or 4n (IPv6) bits. Returns the address length
 * (4 or 16) or 0 if the labels are not such a name.
 */
static size_t
rel_addr(const struct query *q, int n, bool v6, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (!v6) {
		if (n < 1 || n > 4)
			return 0;
		for (int i = 0; i < n; i++) {
			int v = octet(q->qname + q->label_off[n - 1 - i]);
			if (v < 0)
				return 0;
			addr[i] = (uint8_t)v;
		}
		return 4;
	}
	if (n < 1 || n > 32)
		return 0;
	for (int i = 0; i < n; i++) {
		int v = nibble(q->qname + q->label_off[n - 1 - i]);
		if (v < 0)
			return 0;
		addr[i / 2] |= (uint8_t)(i % 2 ? v : v << 4);
	}
	return 16;
}

/* Masks addr to plen bits and formats it as a subject ("192.0.2.0/24"). */
static void
addr_subject(const uint8_t *addr, size_t len, unsigned plen, char *buf,
    size_t buflen)
{
	struct subject s;
	memset(&s, 0, sizeof(s));
	s.kind = len == 4 ? SUBJECT_IPV4 : SUBJECT_IPV6;
	s.prefix_len = (uint8_t)plen;
	for (unsigned i = 0; i < len; i++) {
		unsigned keep = plen >= 8 * (i + 1) ? 8 :
		    plen > 8 * i ? plen - 8 * i : 0;
		s.addr[i] = addr[i] & (uint8_t)(0xff00 >> keep);
	}
	subject_format(&s, buf, buflen);
}

static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
static const uint8_t test_v4_listed[4] = { 127, 0, 0, 2 };
static const uint8_t test_v4_not[4] = { 127, 0, 0, 1 };

/* One full address: the test points first, then the store. */
static enum outcome
resolve_addr(const struct conf_zone *zc, const struct dns_source *src,
    const uint8_t *addr, size_t len, uint64_t now, struct found *f)
{
	if (len == 16 && memcmp(addr, v4mapped, 12) == 0) {
		addr += 12;
		len = 4;
	}
	if (len == 4 && memcmp(addr, test_v4_listed, 4) == 0) {
		test_found(f, "127.0.0.2");
		return OUT_LISTED;
	}
	if (len == 4 && memcmp(addr, test_v4_not, 4) == 0)
		return OUT_NXDOMAIN;
	int rc = src->lookup_addr(src->arg, addr, len, now,
	    zc->kind == ZONE_ALLOW, &f->l);
	if (rc < 0)
		return OUT_SERVFAIL;
	if (rc > 0 || !active(zc, &f->l, now))
		return OUT_NXDOMAIN;
	memcpy(f->addr, addr, len);	/* formatted if a TXT needs it */
	f->addr_len = len;
	return OUT_LISTED;
}

/* Does the prefix cover a test point? (They make empty non-terminals.) */
static bool
prefix_has_test(const uint8_t *addr, size_t len, unsigned plen)
{
	uint8_t t[16];
	size_t tl = len;
	if (len == 4)
		memcpy(t, test_v4_listed, 4);
	else {
		memcpy(t, v4mapped, 12);
		memcpy(t + 12, test_v4_listed, 4);
	}
	for (unsigned i = 0; i < tl && plen > 0; i++) {
		unsigned bits = plen >= 8 ? 8 : plen;
		uint8_t mask = (uint8_t)(0xff00 >> bits);
		if ((t[i] & mask) != (addr[i] & mask))
			return false;
		plen -= bits;
	}
	return true;
}

/* A partial address: an empty non-terminal when anything listed is in
 * or covers the prefix, else NXDOMAIN. */
static enum outcome
resolve_prefix(const struct conf_zone *zc, const struct dns_source *src,
    const uint8_t *addr, size_t len, unsigned plen, uint64_t now)
{
	struct listing l;
	if (prefix_has_test(addr, len, plen))
		return OUT_NODATA;
	int rc = src->lookup_addr(src->arg, addr, len, now,
	    zc->kind == ZONE_ALLOW, &l);
	if (rc < 0)
		return OUT_SERVFAIL;
	if (rc == 0 && active(zc, &l, now))
		return OUT_NODATA;
	if (src->below == NULL)
		return OUT_NXDOMAIN;
	struct subject s;
	char err[64];
	if (subject_from_addr(addr, len, plen, &s, err, sizeof(err)) != 0)
		return OUT_NXDOMAIN;
	rc = src->below(src->arg, &s, zc->kind == ZONE_ALLOW, now);
	return rc < 0 ? OUT_SERVFAIL : rc == 0 ? OUT_NODATA : OUT_NXDOMAIN;
}

static enum outcome
resolve_ip(const struct conf_zone *zc, const struct dns_source *src,
    const struct query *q, int nrel, uint64_t now, struct found *f)
{
	uint8_t addr[16];
	if (nrel == 4 && rel_addr(q, 4, false, addr))
		return resolve_addr(zc, src, addr, 4, now, f);
	if (nrel == 32 && rel_addr(q, 32, true, addr))
		return resolve_addr(zc, src, addr, 16, now, f);
	if (nrel < 4 && rel_addr(q, nrel, false, addr)) {
		enum outcome o = resolve_prefix(zc, src, addr, 4,
		    (unsigned)(8 * nrel), now);
		if (o != OUT_NXDOMAIN)
			return o;
	}
	if (nrel < 32 && rel_addr(q, nrel, true, addr))
		return resolve_prefix(zc, src, addr, 16, (unsigned)(4 * nrel),
		    now);
	return OUT_NXDOMAIN;
}

/* One exact domain from the source; 0 if active, 1 if not, -1 error. */
static int
domain_try(const struct conf_zone *zc, const struct dns_source *src,
    const char *name, uint64_t now, struct found *f)
{
	int rc = src->lookup_domain(src->arg, name, now,
	    zc->kind == ZONE_ALLOW, &f->l);
	if (rc != 0)
		return rc;
	if (!active(zc, &f->l, now))
		return 1;
	size_t n = strlen(name);
	if (n >= sizeof(f->subject))
		return 1;
	memcpy(f->subject, name, n + 1);
	return 0;
}

/* A domain subject from a name the core has already checked (rel_text:
 * lowercase, allowed bytes), without the subject parser's rules: a
 * top-level label is no subject, but it is a key prefix the store can
 * scan under. False if too long. */
static bool
domain_subject(const char *name, struct subject *s)
{
	size_t n = strlen(name);
	if (n == 0 || n > DOMAIN_MAX)
		return false;
	s->kind = SUBJECT_DOMAIN;
	memcpy(s->domain, name, n + 1);
	return true;
}

/* When nothing at all is stored under the name's top-level domain, no
 * name under it can match but the TLD itself (a zone listing subdomains):
 * one range probe instead of the whole walk. 0 listed (f filled), 2 not,
 * 1 go on with the walk, -1 error. */
static int
tld_prune(const struct conf_zone *zc, const struct dns_source *src,
    const char *name, uint64_t now, struct found *f)
{
	const char *tld = strrchr(name, '.');
	struct subject s;
	if (tld == NULL || src->below == NULL || !domain_subject(tld + 1, &s))
		return 1;
	int rc = src->below(src->arg, &s, zc->kind == ZONE_ALLOW, now);
	if (rc != 2)
		return rc < 0 ? -1 : 1;
	if (!zc->subdomains)
		return 2;
	rc = domain_try(zc, src, tld + 1, now, f);
	return rc < 0 ? -1 : rc == 0 ? 0 : 2;
}

/*
 * RFC 5782 2.3: a domain-based list has an entry for the domain itself;
 * its subdomains are covered by a wildcard entry ("*.example.com") or,
 * when the zone lists subdomains, by the parent's own entry. The most
 * specific active entry wins; its name becomes the TXT subject.
 */
static enum outcome
resolve_domain(const struct conf_zone *zc, const struct dns_source *src,
    const char *name, uint64_t now, struct found *f)
{
	char wild[DOMAIN_MAX + 3];
	int rc;

	if (strcmp(name, "test") == 0) {
		test_found(f, "test");
		return OUT_LISTED;
	}
	if (strcmp(name, "invalid") == 0 || strlen(name) > DOMAIN_MAX)
		return OUT_NXDOMAIN;
	if ((rc = tld_prune(zc, src, name, now, f)) != 1)
		return rc == 0 ? OUT_LISTED : rc == 2 ? OUT_NXDOMAIN :
		    OUT_SERVFAIL;
	if ((rc = domain_try(zc, src, name, now, f)) <= 0)
		return rc < 0 ? OUT_SERVFAIL : OUT_LISTED;
	for (const char *p = strchr(name, '.'); p != NULL;
	    p = strchr(p + 1, '.')) {
		snprintf(wild, sizeof(wild), "*%s", p);
		if ((rc = domain_try(zc, src, wild, now, f)) <= 0)
			return rc < 0 ? OUT_SERVFAIL : OUT_LISTED;
		if (zc->subdomains &&
		    (rc = domain_try(zc, src, p + 1, now, f)) <= 0)
			return rc < 0 ? OUT_SERVFAIL : OUT_LISTED;
	}
	if (src->below == NULL)
		return OUT_NXDOMAIN;
	struct subject s;
	if (!domain_subject(name, &s))
		return OUT_NXDOMAIN;
	rc = src->below(src->arg, &s, zc->kind == ZONE_ALLOW, now);
	return rc < 0 ? OUT_SERVFAIL : rc == 0 ? OUT_NODATA : OUT_NXDOMAIN;
}

/* A full IPv4 name of an ip zone through the worker's answer cache
 * (dns_cache.c says which answers it keeps and why they stay right). */
static enum outcome
resolve_v4_cached(const struct dns_zone *z, int zi,
    const struct dns_source *src, const uint8_t addr[4], bool txt,
    uint64_t now, struct found *f)
{
	int rc = dns_cache_get_ip(src->cache, zi, addr, now, txt, &f->l);
	if (rc == 0)
		return OUT_NXDOMAIN;
	if (rc == 1) {
		memcpy(f->addr, addr, 4);
		f->addr_len = 4;
		return OUT_LISTED;
	}
	enum outcome o = resolve_addr(z->conf, src, addr, 4, now, f);
	if (o == OUT_LISTED && !f->test)
		dns_cache_put_ip(src->cache, zi, addr, &f->l);
	else if (o == OUT_NXDOMAIN)
		dns_cache_put_ip(src->cache, zi, addr, NULL);
	return o;
}

/* A domain zone's name through the cache; the subject (the name, a parent
 * or a parent's wildcard) is kept as where it starts in the name. */
static enum outcome
resolve_domain_cached(const struct dns_zone *z, int zi,
    const struct dns_source *src, const char *name, bool txt, uint64_t now,
    struct found *f)
{
	size_t off;
	bool wild;
	int rc = dns_cache_get_domain(src->cache, zi, name, now, txt, &f->l,
	    &off, &wild);
	if (rc == 0)
		return OUT_NXDOMAIN;
	if (rc == 1) {
		size_t n = 0, rest = strlen(name + off);
		if (wild)
			f->subject[n++] = '*';
		memcpy(f->subject + n, name + off, rest + 1);
		return OUT_LISTED;
	}
	enum outcome o = resolve_domain(z->conf, src, name, now, f);
	size_t nl = strlen(name), sl = strlen(f->subject);
	wild = f->subject[0] == '*';
	if (o == OUT_LISTED && !f->test && sl > 0 && sl - wild <= nl) {
		dns_cache_put_domain(src->cache, zi, name, &f->l,
		    nl - (sl - wild), wild);
	} else if (o == OUT_NXDOMAIN)
		dns_cache_put_domain(src->cache, zi, name, NULL, 0, false);
	return o;
}

/* An allow zone takes both forms: an address name first, else a domain. */
static enum outcome
resolve(const struct reply *r, const struct dns_source *src, uint64_t now,
    struct found *f)
{
	const struct dns_zone *z = r->z;
	const struct query *q = r->q;
	int nrel = q->labels - z->apex_labels, zi = (int)(z - r->e->zones);
	bool txt = q->qtype == DNS_T_TXT;	/* needs the whole listing */
	char name[DNS_NAME_MAX + 1];
	uint8_t addr[16];

	if (nrel == 0)
		return OUT_APEX;
	if (z->conf->kind == ZONE_IP) {
		if (src->cache != NULL && nrel == 4 &&
		    rel_addr(q, 4, false, addr))
			return resolve_v4_cached(z, zi, src, addr, txt, now, f);
		return resolve_ip(z->conf, src, q, nrel, now, f);
	}
	if (z->conf->kind == ZONE_ALLOW) {
		enum outcome o = resolve_ip(z->conf, src, q, nrel, now, f);
		if (o != OUT_NXDOMAIN)
			return o;
	}
	if (!rel_text(q, nrel, name, sizeof(name)))
		return OUT_NXDOMAIN;
	if (src->cache != NULL && z->conf->kind == ZONE_DOMAIN)
		return resolve_domain_cached(z, zi, src, name, txt, now, f);
	return resolve_domain(z->conf, src, name, now, f);
}

/* The zone whose apex is the longest suffix of qname, or -1. */
static int
zone_find(const struct dns_engine *e, const struct query *q)
{
	int best = -1;
	for (int i = 0; i < e->n_zones; i++) {
		const struct dns_zone *z = &e->zones[i];
		int skip = q->labels - z->apex_labels;
		if (skip < 0 || (best >= 0 &&
		    z->apex_labels <= e->zones[best].apex_labels))
			continue;
		size_t at = skip == q->labels ? q->qname_len - 1 :
		    (size_t)q->label_off[skip];
		if (q->qname_len - at == z->apex_len &&
		    memcmp(q->qname + at, z->apex, z->apex_len) == 0)
			best = i;
	}
	return best;
}

/* The answer section for a listed name (RFC 8482 4.1: ANY gets one RRset,
 * the A record). Returns false when the type has no data. */
static bool
answer_listed(struct reply *r, const struct found *f)
{
	uint8_t code = dns_listing_code(r->z->conf, &f->l);
	switch (r->q->qtype) {
	case DNS_T_A:
	case DNS_T_ANY:
		add_a(r, code);
		return true;
	case DNS_T_TXT:
		add_txt(r, f);
		return true;
	default:
		return false;
	}
}

static bool
answer_apex(struct reply *r, uint32_t serial)
{
	switch (r->q->qtype) {
	case DNS_T_SOA:
	case DNS_T_ANY:
	case DNS_T_IXFR:	/* RFC 1995 4: over UDP, the SOA alone */
		add_soa(r, serial, r->z->conf->ttl, false);
		return true;
	case DNS_T_NS:
		add_ns(r);
		return true;
	default:
		return false;
	}
}

static size_t
answer_zone(struct reply *r, const struct dns_source *src, uint64_t now,
    struct dns_result *res)
{
	struct found f;
	f.test = false;
	f.addr_len = 0;
	f.subject[0] = '\0';
	enum outcome o = resolve(r, src, now, &f);
	uint32_t serial = src->serial ? src->serial(src->arg) : 1;
	bool data = false;

	if (o == OUT_SERVFAIL)
		return reply_end(r, DNS_R_SERVFAIL, false, res);
	if (o == OUT_APEX)
		data = answer_apex(r, serial);
	else if (o == OUT_LISTED)
		data = res->listed = answer_listed(r, &f);
	/* RFC 2308 3: the SOA in the authority section, with TTL
	 * min(SOA TTL, SOA MINIMUM). */
	if (!data)
		add_soa(r, serial, r->z->conf->negative_ttl < r->z->conf->ttl ?
		    r->z->conf->negative_ttl : r->z->conf->ttl, true);
	return reply_end(r, o == OUT_NXDOMAIN ? DNS_R_NXDOMAIN :
	    DNS_R_NOERROR, true, res);
}

/* The largest answer this query may get. RFC 6891 6.2.5: a payload size
 * below 512 is treated as 512. */
static size_t
answer_limit(const struct dns_engine *e, const struct query *q, bool tcp,
    size_t outcap)
{
	size_t max = DNS_UDP_MIN;
	if (tcp)
		max = DNS_MSG_MAX;
	else if (q->edns && q->payload > DNS_UDP_MIN)
		max = q->payload < e->edns_size ? q->payload : e->edns_size;
	return max < outcap ? max : outcap;
}

static bool
qtype_unsupported(uint16_t t)
{
	return t == DNS_T_MAILA || t == DNS_T_MAILB || t == DNS_T_OPT ||
	    (t >= 128 && t <= 250);	/* other meta types, TKEY, TSIG */
}

size_t
dns_answer(const struct dns_engine *e, const struct dns_source *src,
    const uint8_t *in, size_t inlen, uint8_t *out, size_t outcap,
    bool tcp, uint64_t now, struct dns_result *res)
{
	struct query q;
	memset(res, 0, sizeof(*res));
	res->rcode = -1;
	res->zone = -1;
	memset(&q, 0, sizeof(q));
	int rc = query_parse(in, inlen, &q);
	if (rc < 0 || outcap < DNS_UDP_MIN)
		return 0;
	struct reply r = { .w = { out, answer_limit(e, &q, tcp, outcap), 0,
	    false }, .q = &q, .e = e };
	res->qtype = q.qtype;
	if (rc != DNS_R_NOERROR) {	/* header only: the rest is suspect */
		q.edns = false;
		reply_begin(&r, in, false);
		return reply_end(&r, rc, false, res);
	}
	reply_begin(&r, in, true);
	if (q.version != 0)		/* RFC 6891 6.1.3 */
		return reply_end(&r, DNS_R_BADVERS, false, res);
	if (q.qclass != DNS_C_IN && q.qclass != DNS_C_ANY)
		return reply_end(&r, DNS_R_REFUSED, false, res);
	if (qtype_unsupported(q.qtype) || (q.qtype == DNS_T_AXFR && !tcp))
		return reply_end(&r, DNS_R_NOTIMP, false, res);
	res->zone = zone_find(e, &q);
	if (res->zone < 0)
		return reply_end(&r, DNS_R_REFUSED, false, res);
	r.z = &e->zones[res->zone];
	if (tcp && (q.qtype == DNS_T_AXFR || q.qtype == DNS_T_IXFR)) {
		/* the shell checks its ACL; REFUSED unless it transfers */
		res->xfr = q.labels == r.z->apex_labels;
		return reply_end(&r, res->xfr ? DNS_R_REFUSED : DNS_R_NOTIMP,
		    false, res);
	}
	return answer_zone(&r, src, now, res);
}

/* ---- TXT template ---- */

static size_t
append(char *buf, size_t len, size_t n, const char *s)
{
	while (*s && n + 1 < len)
		buf[n++] = *s++;
	buf[n] = '\0';
	return n;
}

/* Unsigned decimal into buf (at least 21 bytes); returns the length. */
static size_t
fmt_uint(uint64_t v, char *buf)
{
	char tmp[21];
	size_t n = 0, i = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return i;
}

/* Two digits, zero-padded. */
static void
fmt_2(unsigned v, char *p)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

/* "2026-11-29T01:25:34Z" without gmtime/strftime (no locale, no locks):
 * days to civil date after H. Hinnant's algorithm. buf: >= 21 bytes. */
static void
format_time(uint64_t ms, char *buf)
{
	if (ms == 0) {
		memcpy(buf, "never", 6);
		return;
	}
	uint64_t secs = ms / 1000, days = secs / 86400, sod = secs % 86400;
	int64_t z = (int64_t)days + 719468;
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	uint64_t y = (uint64_t)(yoe + era * 400) + (m <= 2);
	if (y > 9999)
		y = 9999;
	size_t n = fmt_uint(y, buf);
	buf[n] = '-';
	fmt_2(m, buf + n + 1);
	buf[n + 3] = '-';
	fmt_2(d, buf + n + 4);
	buf[n + 6] = 'T';
	fmt_2((unsigned)(sod / 3600), buf + n + 7);
	buf[n + 9] = ':';
	fmt_2((unsigned)(sod / 60 % 60), buf + n + 10);
	buf[n + 12] = ':';
	fmt_2((unsigned)(sod % 60), buf + n + 13);
	memcpy(buf + n + 15, "Z", 2);
}

/* A score in [0,1] as "0.75" (two decimals, rounded). */
static void
format_score(float score, char *buf)
{
	double s = score < 0 ? 0 : score > 99 ? 99 : (double)score;
	unsigned c = (unsigned)(s * 100 + 0.5);
	size_t n = fmt_uint(c / 100, buf);
	buf[n] = '.';
	fmt_2(c % 100, buf + n + 1);
	buf[n + 3] = '\0';
}

/* One $variable: its value into val (>= SUBJECT_TEXT_MAX bytes). Returns
 * the name's length, 0 if unknown. */
static size_t
template_var(const char *p, const char *subject, const struct listing *l,
    char *val, size_t len)
{
	static const char *names[] = { "subject", "category", "reports",
	    "origins", "score", "last_seen", "first_seen", "code", "orgs" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i]);
		if (strncmp(p, names[i], n) != 0)
			continue;
		const char *cat;
		switch (i) {
		case 0: snprintf(val, len, "%s", subject); break;
		case 1:
			cat = category_name(l->category);
			snprintf(val, len, "%s", cat ? cat : "abuse");
			break;
		case 2: fmt_uint(l->n_reports, val); break;
		case 3:		/* $origins: the old name of $orgs */
		case 8: fmt_uint(l->n_orgs, val); break;
		case 4: format_score(l->score, val); break;
		case 5: format_time(l->last_seen, val); break;
		case 6: format_time(l->first_seen, val); break;
		default: fmt_uint(l->code, val); break;
		}
		return n;
	}
	return 0;
}

size_t
dns_txt_format(const struct conf_zone *z, const char *subject,
    const struct listing *l, char *buf, size_t buflen)
{
	const char *t = z->txt_template[0] ? z->txt_template : DEFAULT_TEMPLATE;
	size_t len = buflen < 256 ? buflen : 256, n = 0;
	char val[SUBJECT_TEXT_MAX + 16];

	buf[0] = '\0';
	while (*t && n + 1 < len) {
		size_t vn;
		if (*t == '$' && (vn = template_var(t + 1, subject, l, val,
		    sizeof(val))) > 0) {
			n = append(buf, len, n, val);
			t += 1 + vn;
		} else {
			buf[n++] = *t++;
			buf[n] = '\0';
		}
	}
	return n;
}

/* ---- the store as a source ---- */

static int
store_addr_cb(void *arg, const uint8_t *addr, size_t len, uint64_t now,
    bool allow, struct listing *out)
{
	return store_lookup_addr(arg, addr, len, now,
	    allow ? LOOKUP_ALLOWED : LOOKUP_LISTED, out);
}

/* The core hands over lowercase names of valid bytes, so the subject is
 * built directly (store_lookup_domain would parse and check it again). */
static int
store_domain_cb(void *arg, const char *name, uint64_t now, bool allow,
    struct listing *out)
{
	struct subject s;
	if (!domain_subject(name, &s))
		return 1;
	int rc = store_lookup(arg, &s, out);
	if (rc != 0)
		return rc;
	return (allow ? listing_allowed(out, now) : listing_listed(out, now)) ?
	    0 : 1;
}

static int
store_below_cb(void *arg, const struct subject *prefix, bool allow,
    uint64_t now)
{
	return store_lookup_below(arg, prefix, now,
	    allow ? LOOKUP_ALLOWED : LOOKUP_LISTED);
}

static uint32_t
store_serial_cb(void *arg)
{
	return store_serial(arg);
}

void
dns_source_store(struct dns_source *src, struct store_reader *r)
{
	memset(src, 0, sizeof(*src));
	src->arg = r;
	src->lookup_addr = store_addr_cb;
	src->lookup_domain = store_domain_cb;
	src->below = store_below_cb;
	src->serial = store_serial_cb;
	src->cache = NULL;
}
