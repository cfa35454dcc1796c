/*
 * dns_rrl.c: response-rate limiting per client prefix, sans-I/O (the
 * caller passes the time). Without it an authoritative server answering
 * UDP is an amplifier for anyone who forges a victim's address.
 *
 * As in BIND's and NSD's RRL: clients are grouped by IPv4 /24 or IPv6 /56;
 * each group may receive `limit` answers per second. Past that, every
 * `slip`-th answer goes out truncated and empty (TC=1: a real resolver
 * retries over TCP, which cannot be forged) and the others are dropped.
 * The table is fixed-size and needs no allocation. One table serves every
 * worker: a bucket is one 64-bit word (a 32-bit tag of the prefix, the
 * second modulo 256, a 24-bit count) changed by compare-and-swap, so the
 * limit holds for a client whatever worker SO_REUSEPORT hands its queries
 * to. Two prefixes in one bucket keep resetting each other's count, which
 * only makes limiting laxer; two with the same tag as well (one pair in
 * 2^32) share a count.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "node/dns/dns.h"

void
dns_rrl_init(struct dns_rrl *r, uint32_t limit, uint32_t slip)
{
	memset(r, 0, sizeof(*r));
	r->limit = limit;
	r->slip = slip;
}

/* The client's prefix as 8 bytes; false for an unknown family. */
static bool
client_prefix(const struct sockaddr *sa, uint8_t p[8])
{
	memset(p, 0, 8);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		memcpy(p + 1, &s4->sin_addr, 3);
		p[0] = 4;
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		memcpy(p + 1, &s6->sin6_addr, 7);
		return true;
	}
	return false;
}

/* FNV-1a over the prefix, 64 bits: the low bits pick the bucket, the
 * high 32 are the tag. */
static uint64_t
prefix_hash(const uint8_t p[8])
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (int i = 0; i < 8; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#define COUNT_MAX	0xffffffu

/* Counts one answer in the bucket; returns the count so far this second. */
static uint32_t
bucket_count(uint64_t *b, uint32_t tag, uint32_t sec)
{
	uint64_t old = __atomic_load_n(b, __ATOMIC_RELAXED), nw;
	uint32_t count;
	do {
		count = (uint32_t)(old & COUNT_MAX);
		if ((uint32_t)(old >> 32) != tag ||
		    (uint8_t)(old >> 24) != (uint8_t)sec)
			count = 0;
		if (count < COUNT_MAX)
			count++;
		nw = (uint64_t)tag << 32 | (uint64_t)(uint8_t)sec << 24 | count;
	} while (!__atomic_compare_exchange_n(b, &old, nw, true,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return count;
}

enum dns_rrl_verdict
dns_rrl_check(struct dns_rrl *r, const struct sockaddr *sa, uint64_t now_ms)
{
	uint8_t p[8];
	uint32_t limit = __atomic_load_n(&r->limit, __ATOMIC_RELAXED);
	if (limit == 0 || !client_prefix(sa, p))
		return DNS_RRL_SEND;
	uint64_t h = prefix_hash(p);
	if (bucket_count(&r->tab[h % DNS_RRL_BUCKETS], (uint32_t)(h >> 32),
	    (uint32_t)(now_ms / 1000)) <= limit)
		return DNS_RRL_SEND;
	if (r->slip > 0 && __atomic_add_fetch(&r->limited, 1,
	    __ATOMIC_RELAXED) % r->slip == 0)
		return DNS_RRL_SLIP;
	return DNS_RRL_DROP;
}

/* Keeps the header and the question (and the OPT record if it is last),
 * empties the sections and sets TC. */
size_t
dns_rrl_slip(uint8_t *msg, size_t len)
{
	size_t off = DNS_HEADER_LEN;
	uint8_t name[DNS_NAME_MAX];
	if (len < DNS_HEADER_LEN)
		return len;
	if (msg[4] == 0 && msg[5] == 1) {
		if (dnswire_name_read(msg, len, &off, name) == 0 || len - off < 4)
			return len;
		off += 4;
	} else
		off = DNS_HEADER_LEN;
	msg[2] |= 0x02;		/* TC */
	memset(msg + 6, 0, 6);	/* AN, NS, AR counts */
	return off;
}
