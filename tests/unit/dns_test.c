/*
 * dns_test.c: the DNS core (node/dns/dns.c, dns_xfr.c, dns_rrl.c) driven with
 * hand-built messages and a table-backed dns_source: no LMDB, no sockets.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "node/dns/dns.h"

#define NOW	1700000000000ull

/* ---- a fake source: a few listings ---- */

struct fake {
	const char *text;	/* subject */
	struct subject s;
	struct listing l;
};
static struct fake fakes[] = {
	{ .text = "192.0.2.1" }, { .text = "198.51.100.0/24" },
	{ .text = "2001:db8::/32" }, { .text = "spam.example" },
	{ .text = "mail.listed.example" }, { .text = "*.wild.example" },
	{ .text = "10.0.0.0/8" },
};
#define NFAKES (sizeof(fakes) / sizeof(fakes[0]))

static void
fakes_init(void)
{
	char err[64];
	for (size_t i = 0; i < NFAKES; i++) {
		assert_int_equal(subject_parse(fakes[i].text, &fakes[i].s, err,
		    sizeof(err)), 0);
		memset(&fakes[i].l, 0, sizeof(fakes[i].l));
		fakes[i].l.listed_until = NOW + 3600000;
		fakes[i].l.code = 2;
		fakes[i].l.n_reports = 7;
		fakes[i].l.n_orgs = 3;
		fakes[i].l.score = 0.9f;
		fakes[i].l.last_seen = NOW - 1000;
	}
	fakes[0].l.code = 4;
}

static bool
addr_in(const struct subject *s, const uint8_t *addr, size_t len)
{
	if ((s->kind == SUBJECT_IPV4) != (len == 4) ||
	    s->kind == SUBJECT_DOMAIN)
		return false;
	for (unsigned b = 0; b < s->prefix_len; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		if ((s->addr[b / 8] & m) != (addr[b / 8] & m))
			return false;
	}
	return true;
}

static int lookups;	/* calls into the fake store */

static int
fake_addr(void *arg, const uint8_t *addr, size_t len, uint64_t now,
    bool allow, struct listing *out)
{
	int best = -1;
	lookups++;
	for (size_t i = 0; i < NFAKES; i++)
		if (addr_in(&fakes[i].s, addr, len) && (best < 0 ||
		    fakes[i].s.prefix_len > fakes[best].s.prefix_len))
			best = (int)i;
	if (best < 0 || allow)
		return 1;
	*out = fakes[best].l;
	out->prefix_len = fakes[best].s.prefix_len;
	return 0;
}

static int
fake_domain(void *arg, const char *name, uint64_t now, bool allow,
    struct listing *out)
{
	lookups++;
	for (size_t i = 0; i < NFAKES; i++)
		if (fakes[i].s.kind == SUBJECT_DOMAIN &&
		    strcmp(fakes[i].s.domain, name) == 0 && !allow) {
			*out = fakes[i].l;
			return 0;
		}
	return 1;
}

static int
fake_below(void *arg, const struct subject *p, bool allow, uint64_t now)
{
	if (p->kind == SUBJECT_DOMAIN && strcmp(p->domain, "nosuchtld") == 0)
		return 2;	/* nothing stored under it */
	for (size_t i = 0; i < NFAKES; i++) {
		const struct subject *s = &fakes[i].s;
		if (p->kind == SUBJECT_DOMAIN && s->kind == SUBJECT_DOMAIN) {
			size_t a = strlen(s->domain), b = strlen(p->domain);
			if (a > b + 1 && s->domain[a - b - 1] == '.' &&
			    strcmp(s->domain + a - b, p->domain) == 0)
				return 0;
		} else if (p->kind == s->kind && s->prefix_len > p->prefix_len &&
		    addr_in(p, s->addr, p->kind == SUBJECT_IPV4 ? 4 : 16))
			return 0;
	}
	return 1;
}

static uint32_t
fake_serial(void *arg)
{
	return 42;
}

static struct dns_source src = { NULL, fake_addr, fake_domain, fake_below,
	fake_serial, NULL };
static struct dns_engine engine;

static int
setup(void **state)
{
	struct node_conf c;
	char err[128];
	memset(&c, 0, sizeof(c));
	c.n_zones = 3;
	const char *names[] = { "bl.test", "dbl.test", "wl.test" };
	enum zone_kind kinds[] = { ZONE_IP, ZONE_DOMAIN, ZONE_ALLOW };
	for (int i = 0; i < 3; i++) {
		struct conf_zone *z = &c.zones[i];
		snprintf(z->name, sizeof(z->name), "%s", names[i]);
		z->kind = kinds[i];
		z->ttl = 600;
		z->negative_ttl = 300;
		snprintf(z->ns, sizeof(z->ns), "ns.%s", names[i]);
		snprintf(z->hostmaster, sizeof(z->hostmaster), "hm.%s",
		    names[i]);
	}
	fakes_init();
	return dns_engine_init(&engine, &c, err, sizeof(err));
}

/* ---- message helpers ---- */

static size_t
build_query(uint8_t *buf, const char *name, uint16_t qtype, bool edns,
    uint16_t payload)
{
	memset(buf, 0, DNS_HEADER_LEN);
	buf[0] = 0x12; buf[1] = 0x34;
	buf[2] = 0x01;		/* RD */
	buf[5] = 1;
	buf[11] = edns ? 1 : 0;
	size_t n = DNS_HEADER_LEN;
	n += dnswire_name_from_text(name, buf + n, 1);
	buf[n++] = (uint8_t)(qtype >> 8); buf[n++] = (uint8_t)qtype;
	buf[n++] = 0; buf[n++] = 1;
	if (edns) {
		const uint8_t opt[11] = { 0, 0, 41, (uint8_t)(payload >> 8),
		    (uint8_t)payload, 0, 0, 0x80, 0, 0, 0 };
		memcpy(buf + n, opt, 11);
		n += 11;
	}
	return n;
}

static uint8_t out[DNS_MSG_MAX];
static struct dns_result res;

static size_t
ask(const char *name, uint16_t qtype, bool edns, bool tcp)
{
	uint8_t q[512];
	size_t ql = build_query(q, name, qtype, edns, 1232);
	return dns_answer(&engine, &src, q, ql, out, sizeof(out), tcp, NOW,
	    &res);
}

static int rcode_of(void) { return out[3] & 0xf; }
static int ancount(void) { return out[6] << 8 | out[7]; }
static int nscount(void) { return out[8] << 8 | out[9]; }
static int arcount(void) { return out[10] << 8 | out[11]; }

/* The rdata of the first answer record (after a 1-name question). */
static const uint8_t *
first_rdata(size_t len, uint16_t *type, uint16_t *rdlen)
{
	size_t off = DNS_HEADER_LEN;
	uint8_t name[DNS_NAME_MAX];
	assert_true(dnswire_name_read(out, len, &off, name) > 0);
	off += 4;
	assert_true(dnswire_name_read(out, len, &off, name) > 0);
	*type = (uint16_t)(out[off] << 8 | out[off + 1]);
	*rdlen = (uint16_t)(out[off + 8] << 8 | out[off + 9]);
	return out + off + 10;
}

/* ---- tests ---- */

static void
test_name_read(void **state)
{
	uint8_t w[DNS_NAME_MAX];
	/* "a.b" then a pointer back to it at offset 0 */
	const uint8_t m[] = { 1, 'A', 1, 'b', 0, 1, 'x', 0xc0, 0 };
	size_t off = 5;
	assert_int_equal(dnswire_name_read(m, sizeof(m), &off, w), 7);
	assert_int_equal(off, sizeof(m));
	assert_memory_equal(w, "\001x\001A\001b", 7);	/* case kept */
	dnswire_name_lower(w, 7);
	assert_memory_equal(w, "\001x\001a\001b", 7);
	/* a pointer to itself, a forward pointer, a truncated label */
	const uint8_t loop[] = { 0xc0, 0 };
	off = 0;
	assert_int_equal(dnswire_name_read(loop, sizeof(loop), &off, w), 0);
	const uint8_t fwd[] = { 0xc0, 2, 0 };
	off = 0;
	assert_int_equal(dnswire_name_read(fwd, sizeof(fwd), &off, w), 0);
	const uint8_t trunc[] = { 5, 'a', 'b' };
	off = 0;
	assert_int_equal(dnswire_name_read(trunc, sizeof(trunc), &off, w), 0);
	/* a name longer than 255 bytes */
	uint8_t big[300];
	for (int i = 0; i < 4; i++) {
		big[i * 64] = 63;
		memset(big + i * 64 + 1, 'a', 63);
	}
	big[256] = 0;
	off = 0;
	assert_int_equal(dnswire_name_read(big, 257, &off, w), 0);
}

static void
test_testpoints(void **state)
{
	size_t n = ask("2.0.0.127.bl.test", DNS_T_A, false, false);
	assert_true(n > 0);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 1);
	assert_true(out[2] & 0x04);		/* AA */
	assert_true(out[2] & 0x01);		/* RD copied */
	assert_false(out[3] & 0x80);		/* RA clear */
	uint16_t t, rl;
	const uint8_t *rd = first_rdata(n, &t, &rl);
	assert_int_equal(t, DNS_T_A);
	assert_memory_equal(rd, "\x7f\0\0\x02", 4);
	ask("1.0.0.127.bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	assert_int_equal(nscount(), 1);
	ask("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 1);
	ask("1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
	    ".bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	ask("test.dbl.test", DNS_T_TXT, false, false);
	assert_int_equal(ancount(), 1);
	ask("invalid.dbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
}

static void
test_listed(void **state)
{
	size_t n = ask("1.2.0.192.bl.test", DNS_T_A, false, false);
	uint16_t t, rl;
	const uint8_t *rd = first_rdata(n, &t, &rl);
	assert_memory_equal(rd, "\x7f\0\0\x04", 4);
	n = ask("77.100.51.198.BL.test", DNS_T_TXT, false, false);
	assert_int_equal(ancount(), 1);
	rd = first_rdata(n, &t, &rl);
	assert_int_equal(t, DNS_T_TXT);
	assert_true(rd[0] > 0 && memmem(rd + 1, rd[0], "198.51.100.0/24", 15));
	assert_true(memmem(rd + 1, rd[0], "7 reports from 3", 16) != NULL);
	/* IPv6 nibbles inside 2001:db8::/32 */
	ask("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
	    ".bl.test", DNS_T_A, false, false);
	assert_int_equal(ancount(), 1);
	ask("spam.example.dbl.test", DNS_T_A, false, false);
	assert_int_equal(ancount(), 1);
	ask("x.y.wild.example.dbl.test", DNS_T_A, false, false);
	assert_int_equal(ancount(), 1);
	/* ANY: the A record only (RFC 8482) */
	ask("spam.example.dbl.test", DNS_T_ANY, false, false);
	assert_int_equal(ancount(), 1);
	/* AAAA of a listed name: NODATA */
	ask("spam.example.dbl.test", DNS_T_AAAA, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 0);
	assert_int_equal(nscount(), 1);
}

static void
test_negative(void **state)
{
	ask("3.2.0.192.bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	assert_int_equal(nscount(), 1);
	/* empty non-terminals: parents of listed names */
	ask("2.0.192.bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 0);
	ask("0.0.127.bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	ask("listed.example.dbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 0);
	ask("wild.example.dbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	ask("other.example.dbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	ask("a.b.nosuchtld.dbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	ask("foo.bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	/* a label with a dot in it is not two labels */
	uint8_t q[512];
	size_t ql = build_query(q, "x.example.dbl.test", DNS_T_A, false, 0);
	ql = DNS_HEADER_LEN;
	memcpy(q + ql, "\014spam.example\003dbl\004test", 22);
	ql += 22;
	memcpy(q + ql, "\0\0\1\0\1", 5);
	ql += 5;
	dns_answer(&engine, &src, q, ql, out, sizeof(out), false, NOW, &res);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	/* outside the zones */
	ask("example.com", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_REFUSED);
	assert_false(out[2] & 0x04);
	ask("xbl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_REFUSED);
}

static void
test_apex(void **state)
{
	size_t n = ask("bl.test", DNS_T_SOA, false, false);
	uint16_t t, rl;
	const uint8_t *rd = first_rdata(n, &t, &rl);
	assert_int_equal(t, DNS_T_SOA);
	assert_int_equal(rd[rl - 20 + 3], 42);	/* serial */
	ask("bl.test", DNS_T_NS, false, false);
	assert_int_equal(ancount(), 1);
	ask("bl.test", DNS_T_A, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOERROR);
	assert_int_equal(ancount(), 0);
	assert_int_equal(nscount(), 1);
}

static void
test_malformed(void **state)
{
	uint8_t q[512];
	size_t ql = build_query(q, "2.0.0.127.bl.test", DNS_T_A, false, 0);
	/* short: dropped */
	assert_int_equal(dns_answer(&engine, &src, q, 11, out, sizeof(out),
	    false, NOW, &res), 0);
	/* a response: dropped */
	q[2] |= 0x80;
	assert_int_equal(dns_answer(&engine, &src, q, ql, out, sizeof(out),
	    false, NOW, &res), 0);
	q[2] &= 0x7f;
	/* truncated question: FORMERR */
	assert_true(dns_answer(&engine, &src, q, ql - 3, out, sizeof(out),
	    false, NOW, &res) > 0);
	assert_int_equal(rcode_of(), DNS_R_FORMERR);
	/* QDCOUNT 2: FORMERR */
	q[5] = 2;
	dns_answer(&engine, &src, q, ql, out, sizeof(out), false, NOW, &res);
	assert_int_equal(rcode_of(), DNS_R_FORMERR);
	q[5] = 1;
	/* opcode STATUS: NOTIMP */
	q[2] |= 2 << 3;
	dns_answer(&engine, &src, q, ql, out, sizeof(out), false, NOW, &res);
	assert_int_equal(rcode_of(), DNS_R_NOTIMP);
	q[2] &= (uint8_t)~(2 << 3);
	/* two OPT records: FORMERR */
	ql = build_query(q, "bl.test", DNS_T_SOA, true, 1232);
	memcpy(q + ql, q + ql - 11, 11);
	q[11] = 2;
	dns_answer(&engine, &src, q, ql + 11, out, sizeof(out), false, NOW,
	    &res);
	assert_int_equal(rcode_of(), DNS_R_FORMERR);
	/* AXFR over UDP, MAILB: NOTIMP */
	ask("bl.test", DNS_T_AXFR, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOTIMP);
	ask("bl.test", DNS_T_MAILB, false, false);
	assert_int_equal(rcode_of(), DNS_R_NOTIMP);
}

static void
test_edns(void **state)
{
	size_t n = ask("2.0.0.127.bl.test", DNS_T_A, true, false);
	assert_int_equal(arcount(), 1);
	/* OPT last: root, type 41, our payload size, DO copied */
	const uint8_t *opt = out + n - 11;
	assert_int_equal(opt[0], 0);
	assert_int_equal(opt[2], 41);
	assert_int_equal(opt[3] << 8 | opt[4], 1232);
	assert_int_equal(opt[7], 0x80);
	/* version 1: BADVERS (extended rcode 1, header 0) */
	uint8_t q[512];
	size_t ql = build_query(q, "bl.test", DNS_T_SOA, true, 1232);
	q[ql - 5] = 1;
	n = dns_answer(&engine, &src, q, ql, out, sizeof(out), false, NOW,
	    &res);
	assert_int_equal(res.rcode, DNS_R_BADVERS);
	assert_int_equal(out[n - 11 + 5], 1);
}

static void
test_truncation(void **state)
{
	/* a long template and a long name do not fit 512 bytes */
	struct conf_zone *z = &engine.conf.zones[1];
	memset(z->txt_template, 'x', 250);
	z->txt_template[250] = '\0';
	char name[300];
	snprintf(name, sizeof(name), "%s.%s.%s.%s.wild.example.dbl.test",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	    "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc");
	ask(name, DNS_T_TXT, false, false);
	assert_true(out[2] & 0x02);
	assert_int_equal(ancount(), 0);
	assert_true(res.tc);
	ask(name, DNS_T_TXT, false, true);	/* TCP: it fits */
	assert_false(out[2] & 0x02);
	assert_int_equal(ancount(), 1);
	ask(name, DNS_T_TXT, true, false);	/* EDNS 1232: it fits */
	assert_int_equal(ancount(), 1);
	z->txt_template[0] = '\0';
}

static int xfr_msgs, xfr_soas;
static void
xfr_emit(void *arg, const uint8_t *msg, size_t len)
{
	xfr_msgs++;
	assert_true(len > DNS_HEADER_LEN);
	/* every message parses as a response to the query */
	struct dns_result r;
	uint8_t tmp[DNS_MSG_MAX];
	assert_int_equal(dns_answer(&engine, &src, msg, len, tmp, sizeof(tmp),
	    true, NOW, &r), 0);
	xfr_soas += msg[7];
}

static void
test_axfr(void **state)
{
	uint8_t q[512];
	size_t ql = build_query(q, "bl.test", DNS_T_AXFR, false, 0);
	dns_answer(&engine, &src, q, ql, out, sizeof(out), true, NOW, &res);
	assert_true(res.xfr);
	assert_int_equal(rcode_of(), DNS_R_REFUSED);
	struct dns_xfr x;
	assert_int_equal(dns_xfr_begin(&x, &engine, q, ql, 42, NOW, xfr_emit,
	    NULL), 0);
	for (size_t i = 0; i < NFAKES; i++)
		dns_xfr_add(&x, &fakes[i].s, &fakes[i].l);
	dns_xfr_end(&x);
	assert_int_equal(xfr_msgs, 1);
	/* SOA NS, 2 test points x2, 192.0.2.1 x2, /24 x2, /32 x2, /8 x2, SOA */
	assert_int_equal(x.records, 2 + 4 + 2 + 2 + 2 + 2 + 1);
}

static int owners;
static int
count_owner(void *arg, const char *o)
{
	owners++;
	if (arg)
		assert_string_equal(o, arg);
	return 0;
}

static void
test_owners(void **state)
{
	struct subject s;
	char err[64];
	struct conf_zone *ip = &engine.conf.zones[0];
	subject_parse("192.0.2.0/23", &s, err, sizeof(err));
	owners = 0;
	assert_int_equal(dns_xfr_owners(ip, &s, count_owner, NULL), 2);
	subject_parse("192.0.2.0/24", &s, err, sizeof(err));
	dns_xfr_owners(ip, &s, count_owner, "*.2.0.192");
	subject_parse("192.0.2.9", &s, err, sizeof(err));
	dns_xfr_owners(ip, &s, count_owner, "9.2.0.192");
	subject_parse("2001:db8::/30", &s, err, sizeof(err));
	owners = 0;
	assert_int_equal(dns_xfr_owners(ip, &s, count_owner, NULL), 4);
	subject_parse("example.com", &s, err, sizeof(err));
	assert_int_equal(dns_xfr_owners(ip, &s, count_owner, NULL), 0);
}

static void
test_notify(void **state)
{
	uint8_t m[512];
	size_t n = dns_notify_build(&engine, 0, 7, 99, m, sizeof(m));
	assert_true(n > DNS_HEADER_LEN);
	assert_int_equal((m[2] >> 3) & 0xf, DNS_OP_NOTIFY);
	assert_int_equal(m[7], 1);
}

static void
test_rrl(void **state)
{
	struct dns_rrl r;
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "192.0.2.7", &a.sin_addr);
	dns_rrl_init(&r, 5, 2);
	int send = 0, slip = 0, drop = 0;
	for (int i = 0; i < 20; i++) {
		enum dns_rrl_verdict v = dns_rrl_check(&r,
		    (struct sockaddr *)&a, NOW);
		send += v == DNS_RRL_SEND;
		slip += v == DNS_RRL_SLIP;
		drop += v == DNS_RRL_DROP;
	}
	assert_int_equal(send, 5);
	assert_int_equal(slip, 7);
	assert_int_equal(drop, 8);
	/* the next second starts afresh */
	assert_int_equal(dns_rrl_check(&r, (struct sockaddr *)&a, NOW + 1000),
	    DNS_RRL_SEND);
	size_t n = ask("2.0.0.127.bl.test", DNS_T_A, true, false);
	size_t m = dns_rrl_slip(out, n);
	assert_true(m < n);
	assert_true(out[2] & 0x02);
	assert_int_equal(ancount(), 0);
}

/* Workers share one table: answers to one client prefix from several
 * threads at once are counted exactly. */
struct rrl_run {
	struct dns_rrl *r;
	int sent;
};

static void *
rrl_thread(void *arg)
{
	struct rrl_run *run = arg;
	struct sockaddr_in a = { .sin_family = AF_INET };
	inet_pton(AF_INET, "198.51.100.9", &a.sin_addr);
	for (int i = 0; i < 20000; i++)
		run->sent += dns_rrl_check(run->r, (struct sockaddr *)&a,
		    NOW) == DNS_RRL_SEND;
	return NULL;
}

static void
test_rrl_shared(void **state)
{
	static struct dns_rrl r;
	struct rrl_run runs[4];
	pthread_t t[4];
	dns_rrl_init(&r, 1000, 2);
	for (int i = 0; i < 4; i++) {
		runs[i] = (struct rrl_run){ &r, 0 };
		assert_int_equal(pthread_create(&t[i], NULL, rrl_thread,
		    &runs[i]), 0);
	}
	int sent = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		sent += runs[i].sent;
	}
	assert_int_equal(sent, 1000);
}

static void
test_template(void **state)
{
	struct conf_zone z;
	struct listing l;
	char buf[256];
	memset(&z, 0, sizeof(z));
	memset(&l, 0, sizeof(l));
	snprintf(z.txt_template, sizeof(z.txt_template),
	    "$subject $reports/$origins $score $last_seen $$x");
	l.n_reports = 3;
	l.n_orgs = 2;
	l.score = 0.5f;
	l.last_seen = 86400000;
	dns_txt_format(&z, "192.0.2.1", &l, buf, sizeof(buf));
	assert_string_equal(buf, "192.0.2.1 3/2 0.50 1970-01-02T00:00:00Z $$x");
	/* the hand-made date formatter agrees with gmtime/strftime */
	snprintf(z.txt_template, sizeof(z.txt_template), "$last_seen $score");
	uint64_t t = 1;
	for (int i = 0; i < 2000; i++) {
		char want[64];
		t = t * 6364136223846793005ull + 1442695040888963407ull;
		l.last_seen = (t >> 24) % 8000000000000ull + 1000;
		l.score = (float)(i % 101) / 100.0f;
		time_t secs = (time_t)(l.last_seen / 1000);
		struct tm tm;
		gmtime_r(&secs, &tm);
		size_t n = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		snprintf(want + n, sizeof(want) - n, " %.2f", (double)l.score);
		dns_txt_format(&z, "x", &l, buf, sizeof(buf));
		assert_string_equal(buf, want);
	}
}

/* ---- the answer cache ---- */

static struct dns_source csrc;		/* src with a cache */

/* The answer through the cache at time now; it must equal the answer
 * straight from the source, byte for byte. Returns the lookups it made. */
static int
cask_at(const char *name, uint16_t qtype, uint64_t now)
{
	uint8_t q[512], direct[DNS_MSG_MAX];
	struct dns_result r2;
	size_t ql = build_query(q, name, qtype, false, 0);
	size_t dn = dns_answer(&engine, &src, q, ql, direct, sizeof(direct),
	    false, now, &r2);
	int before = lookups;
	size_t n = dns_answer(&engine, &csrc, q, ql, out, sizeof(out), false,
	    now, &res);
	assert_int_equal(n, dn);
	assert_memory_equal(out, direct, n);
	return lookups - before;
}

static int
cask(const char *name, uint16_t qtype)
{
	return cask_at(name, qtype, NOW);
}

/* A commit: snapshot txn, whose changes are the subjects given. */
static void
commit(struct dns_cache *c, uint64_t txn, const char *const *subjects)
{
	dns_cache_begin(c, txn, engine.id);
	for (; *subjects != NULL; subjects++) {
		struct subject s;
		char err[64];
		uint8_t key[SUBJECT_KEY_MAX];
		assert_int_equal(subject_parse(*subjects, &s, err, sizeof(err)),
		    0);
		dns_cache_changed(c, key, subject_key(&s, key));
	}
}

static void
test_cache(void **state)
{
	static const char *const none[] = { NULL };
	struct dns_cache *c = dns_cache_new(64);
	assert_non_null(c);
	csrc = src;
	csrc.cache = c;
	commit(c, 1, none);
	dns_cache_flush(c);

	/* a listed address, A then TXT, and an unlisted one: each looked up
	 * once, then answered from the cache */
	assert_true(cask("1.2.0.192.bl.test", DNS_T_A) > 0);
	assert_int_equal(cask("1.2.0.192.bl.test", DNS_T_A), 0);
	assert_int_equal(cask("1.2.0.192.bl.test", DNS_T_TXT), 0);
	assert_int_equal(cask("77.100.51.198.bl.test", DNS_T_TXT), 1);
	assert_int_equal(cask("77.100.51.198.bl.test", DNS_T_TXT), 0);
	assert_true(cask("3.2.0.192.bl.test", DNS_T_A) > 0);
	assert_int_equal(cask("3.2.0.192.bl.test", DNS_T_A), 0);
	/* test points and empty non-terminals are never kept */
	assert_int_equal(cask("2.0.0.127.bl.test", DNS_T_A), 0);
	assert_true(cask("2.0.192.bl.test", DNS_T_A) > 0);
	assert_true(cask("2.0.192.bl.test", DNS_T_A) > 0);

	/* a commit that changed another /32 keeps them; one that changed
	 * this /32 drops it; one that changed a prefix drops every IPv4 */
	commit(c, 2, (const char *const[]){ "192.0.2.9", NULL });
	assert_int_equal(cask("1.2.0.192.bl.test", DNS_T_A), 0);
	commit(c, 3, (const char *const[]){ "192.0.2.1", NULL });
	assert_true(cask("1.2.0.192.bl.test", DNS_T_A) > 0);
	assert_int_equal(cask("3.2.0.192.bl.test", DNS_T_A), 0);
	commit(c, 4, (const char *const[]){ "203.0.113.0/24", NULL });
	assert_true(cask("3.2.0.192.bl.test", DNS_T_A) > 0);
	assert_true(cask("1.2.0.192.bl.test", DNS_T_A) > 0);

	/* the store changes under a cached answer: the answer holds until
	 * the commit is reported */
	uint8_t q[512];
	size_t ql = build_query(q, "1.2.0.192.bl.test", DNS_T_A, false, 0);
	fakes[0].l.listed_until = 0;
	dns_answer(&engine, &csrc, q, ql, out, sizeof(out), false, NOW, &res);
	assert_int_equal(ancount(), 1);
	commit(c, 5, (const char *const[]){ "192.0.2.1", NULL });
	dns_answer(&engine, &csrc, q, ql, out, sizeof(out), false, NOW, &res);
	assert_int_equal(rcode_of(), DNS_R_NXDOMAIN);
	fakes_init();
	commit(c, 6, (const char *const[]){ "192.0.2.1", NULL });

	/* a listing ends by time alone */
	assert_true(cask_at("1.2.0.192.bl.test", DNS_T_A, NOW + 3600000) > 0);

	/* domains: the name, a wildcard above it, a parent, something new
	 * below an NXDOMAIN (it becomes an empty non-terminal) */
	assert_true(cask("x.y.wild.example.dbl.test", DNS_T_TXT) > 0);
	assert_int_equal(cask("x.y.wild.example.dbl.test", DNS_T_TXT), 0);
	assert_int_equal(cask("x.y.wild.example.dbl.test", DNS_T_A), 0);
	commit(c, 7, (const char *const[]){ "other.example", NULL });
	assert_int_equal(cask("x.y.wild.example.dbl.test", DNS_T_A), 0);
	commit(c, 8, (const char *const[]){ "*.wild.example", NULL });
	assert_true(cask("x.y.wild.example.dbl.test", DNS_T_A) > 0);
	commit(c, 9, (const char *const[]){ "wild.example", NULL });
	assert_true(cask("x.y.wild.example.dbl.test", DNS_T_A) > 0);
	assert_true(cask("other.example.dbl.test", DNS_T_A) > 0);
	assert_int_equal(cask("other.example.dbl.test", DNS_T_A), 0);
	commit(c, 10, (const char *const[]){ "a.b.other.example", NULL });
	assert_true(cask("other.example.dbl.test", DNS_T_A) > 0);
	assert_int_equal(cask("spam.example.dbl.test", DNS_T_A), 1);
	assert_int_equal(cask("spam.example.dbl.test", DNS_T_A), 0);

	/* names up to 30 bytes (relative to the zone) are kept, longer ones
	 * looked up each time */
	assert_true(cask("aaaaaaaaaaaaaaaaaaaaaa.example.dbl.test", DNS_T_A) > 0);
	assert_int_equal(cask("aaaaaaaaaaaaaaaaaaaaaa.example.dbl.test",
	    DNS_T_A), 0);
	assert_true(cask("aaaaaaaaaaaaaaaaaaaaaaa.example.dbl.test", DNS_T_A) >
	    0);
	assert_true(cask("aaaaaaaaaaaaaaaaaaaaaaa.example.dbl.test", DNS_T_A) >
	    0);

	/* a reload (another engine) or a flush forgets everything */
	dns_cache_begin(c, 10, engine.id + 1000);
	assert_true(cask("spam.example.dbl.test", DNS_T_A) > 0);
	dns_cache_flush(c);
	assert_true(cask("spam.example.dbl.test", DNS_T_A) > 0);
	assert_int_equal(cask("spam.example.dbl.test", DNS_T_A), 0);

	uint64_t hits, misses;
	dns_cache_stats(c, &hits, &misses);
	assert_true(hits > 10 && misses > 10);
	dns_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_read),
		cmocka_unit_test(test_testpoints),
		cmocka_unit_test(test_listed),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_apex),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_edns),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_axfr),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_rrl),
		cmocka_unit_test(test_rrl_shared),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_cache),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
