/*
 * dns_rrl.c: response-rate limiting per client prefix, sans-I/O (the
 * caller passes the time). Without it an authoritative server answering
 * UDP is an amplifier for anyone who forges a victim's address.
 *
 * As in BIND's and NSD's RRL: clients are grouped by IPv4 /24 or IPv6 /56;
 * each group may receive `limit` answers per second. Past that, every
 * `slip`-th answer goes out truncated and empty (TC=1: a real resolver
 * retries over TCP, which cannot be forged) and the others are dropped.
 * The table is fixed-size and needs no allocation; a collision replaces
 * the older group, which can only make limiting laxer, never stricter.
 * One table per worker thread, no locks.
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "node/dns.h"

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

/* FNV-1a over the prefix. */
static uint32_t
prefix_hash(const uint8_t p[8])
{
	uint32_t h = 2166136261u;
	for (int i = 0; i < 8; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

enum dns_rrl_verdict
dns_rrl_check(struct dns_rrl *r, const struct sockaddr *sa, uint64_t now_ms)
{
	uint8_t p[8];
	if (r->limit == 0 || !client_prefix(sa, p))
		return DNS_RRL_SEND;
	uint32_t sec = (uint32_t)(now_ms / 1000);
	struct dns_rrl_bucket *b = &r->tab[prefix_hash(p) % DNS_RRL_BUCKETS];
	if (memcmp(b->prefix, p, 8) != 0 || b->second != sec) {
		memcpy(b->prefix, p, 8);
		b->second = sec;
		b->count = 0;
	}
	if (++b->count <= r->limit)
		return DNS_RRL_SEND;
	if (r->slip > 0 && ++r->limited % r->slip == 0)
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
		if (dns_name_read(msg, len, &off, name) == 0 || len - off < 4)
			return len;
		off += 4;
	} else
		off = DNS_HEADER_LEN;
	msg[2] |= 0x02;		/* TC */
	memset(msg + 6, 0, 6);	/* AN, NS, AR counts */
	return off;
}
