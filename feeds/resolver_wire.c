/*
 * resolver_wire.c: reads a DNS response packet (RFC 1035 4.1) into the
 * records of one type, for resolver_unbound.c (libunbound's event API
 * hands back the wire packet). The packet comes from the network: every
 * read is bounds-checked, names are read by proto/dnswire.c (compression
 * pointers only backwards, at most 255 bytes), and output never exceeds
 * the caller's buffers.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <string.h>

#include "feeds/feeds.h"

/* Skips the name at *off; -1 if malformed. */
static int
name_skip(const uint8_t *pkt, size_t len, size_t *off)
{
	uint8_t wire[DNS_NAME_MAX];

	return dnswire_name_read(pkt, len, off, wire) == 0 ? -1 : 0;
}

/* Expands the name at off into text (no final dot); -1 if malformed. */
static int
name_text(const uint8_t *pkt, size_t len, size_t off, char *out,
    size_t outlen)
{
	uint8_t wire[DNS_NAME_MAX];
	size_t n = dnswire_name_read(pkt, len, &off, wire);

	return n == 0 ? -1 : dnswire_name_to_text(wire, n, out, outlen);
}

/* TXT rdata: character-strings joined (RFC 7208 3.3). */
static int
txt_join(const uint8_t *rd, size_t rdlen, uint8_t *out, size_t outlen,
    size_t *n)
{
	size_t p = 0;

	*n = 0;
	while (p < rdlen) {
		size_t l = rd[p++];
		if (p + l > rdlen || *n + l > outlen)
			return -1;
		memcpy(out + *n, rd + p, l);
		*n += l;
		p += l;
	}
	return 0;
}

/* One record's data into buf at *used; -1 if it does not fit. */
static int
rdata(const uint8_t *pkt, size_t len, size_t off, size_t rdlen,
    enum dns_type type, struct dns_rr *rr, uint8_t *buf, size_t buflen,
    size_t *used)
{
	uint8_t *dst = buf + *used;
	size_t room = buflen - *used, n;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		n = type == DNS_T_A ? 4 : 16;
		if (rdlen != n || n > room)
			return -1;
		memcpy(dst, pkt + off, n);
		break;
	case DNS_T_TXT:
		if (txt_join(pkt + off, rdlen, dst, room, &n) == -1 || n >= room)
			return -1;
		dst[n] = '\0';
		break;
	case DNS_T_MX:
		if (rdlen < 3)
			return -1;
		rr->pref = dnswire_get16(pkt + off);
		off += 2;
		/* FALLTHROUGH */
	default:
		if (name_text(pkt, len, off, (char *)dst, room) == -1)
			return -1;
		n = strlen((char *)dst);
		break;
	}
	rr->data = dst;
	rr->len = n;
	*used += n + 1;
	return 0;
}

int
resolver_wire_parse(const uint8_t *pkt, size_t len, enum dns_type type,
    struct dns_rr *rr, size_t rrmax, uint8_t *buf, size_t buflen,
    struct dns_answer *ans)
{
	size_t off = DNS_HEADER_LEN, used = 0;

	memset(ans, 0, sizeof(*ans));
	ans->rr = rr;
	if (len < DNS_HEADER_LEN)
		return -1;
	unsigned rcode = pkt[3] & 0x0f, qd = dnswire_get16(pkt + 4), an = dnswire_get16(pkt + 6);
	if (rcode == DNS_R_NXDOMAIN) {
		ans->status = DNS_NXDOMAIN;
		return 0;
	}
	if (rcode != DNS_R_NOERROR) {
		ans->status = DNS_TEMPFAIL;
		return 0;
	}
	for (unsigned i = 0; i < qd; i++) {
		if (name_skip(pkt, len, &off) == -1 || off + 4 > len)
			return -1;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		if (name_skip(pkt, len, &off) == -1 || off + 10 > len)
			return -1;
		unsigned t = dnswire_get16(pkt + off), rdlen = dnswire_get16(pkt + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -1;
		if (t == (unsigned)type && ans->count < rrmax) {
			memset(&rr[ans->count], 0, sizeof(rr[0]));
			if (rdata(pkt, len, off, rdlen, type, &rr[ans->count], buf,
			    buflen, &used) == 0)
				ans->count++;
		}
		off += rdlen;
	}
	ans->status = DNS_ANSWER;
	return 0;
}
