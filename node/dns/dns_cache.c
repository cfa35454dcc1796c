/*
 * dns_cache.c: what a name resolved to, kept per DNS worker so the next
 * query for it costs a hash probe instead of several LMDB searches.
 *
 * Correctness rests on knowing what each commit changed (the store's change
 * journal, store_reader_changes) and on what an answer depends on:
 *
 *   an IPv4 name (ip zone): the /32 key of the address, and every shorter
 *     prefix stored; a change to a prefix invalidates every IPv4 entry;
 *   a domain name N (domain zone): the keys of N and of each parent of N,
 *     the wildcards at those parents, and anything stored below N (an empty
 *     non-terminal). A changed domain D marks D's own hash (a wildcard
 *     "*.P" marks P's) and the "below" hash of each parent of D.
 *
 * Marks sit in a fixed table indexed by hash; each holds the snapshot id of
 * the last change seen for that hash (collisions only invalidate more). An
 * entry resolved in snapshot t is good while no mark it depends on is
 * newer than t, no flush came since it was made, and the clock has not
 * reached the entry's expiry: a listing ends by time alone, without a
 * commit (listed_until). Only answers that time cannot otherwise change are
 * kept: listed (until it ends) and NXDOMAIN. Empty non-terminals, test
 * points, IPv6 and allow-list zones are answered from the store each time.
 *
 * Owns: the entry and mark tables, allocated once. No locks: one worker.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>

#include "node/dns/dns.h"

#define MARKS		65536	/* power of two */
#define NAME_INLINE	30	/* longer domain names are not cached */
#define BELOW_SALT	0x9e3779b97f4a7c15ull
#define V4_SALT		0xc2b2ae3d27d4eb4full

/* One cache line: all an A answer or an NXDOMAIN needs. The listing
 * (for TXT) is in a parallel array, read only when asked for. */
struct entry {
	uint64_t hash;			/* 0: empty */
	uint64_t txn;			/* the snapshot it was resolved in */
	uint64_t expires;		/* ms: holds until then by time */
	uint32_t epoch;			/* of the cache when it was made */
	uint8_t zone;
	uint8_t listed;			/* else NXDOMAIN */
	uint8_t code;			/* the listing's code */
	uint8_t name_len;
	uint8_t subj_off;		/* subject: name + subj_off, */
	uint8_t subj_wild;		/* after a "*" if set */
	uint8_t name[NAME_INLINE];	/* IPv4: 4 bytes; domain: text */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct entry) == 64, "an entry is one cache line");

struct dns_cache {
	size_t mask;			/* entries - 1 */
	struct entry *tab;
	struct listing *listings;	/* tab[i]'s is listings[i] */
	uint64_t marks[MARKS];
	uint64_t txn;			/* the current snapshot */
	uint32_t epoch;			/* a flush starts a new one */
	uint64_t v4_prefix;		/* an IPv4 prefix changed then */
	uint64_t engine;		/* id of the zones the entries were
					 * made for */
	uint64_t hits, misses;
};

static uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* FNV-1a, continued from h. */
static uint64_t
fnv(uint64_t h, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_INIT	0xcbf29ce484222325ull

/* A zeroed table of its own mapping, on huge pages where the kernel has
 * them: a probe is a random access, and with 4 KiB pages most would also
 * miss the TLB. */
static void *
table(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
	/* Fault it in now, at start-up: the first touch of a huge page may
	 * compact memory, and in a worker that stalled answers (75-100 ms
	 * once, in the first bench run after a start). */
	for (size_t off = 0; off < size; off += 4096)
		((volatile uint8_t *)p)[off] = 0;
	return p;
}

static void
table_free(void *p, size_t size)
{
	if (p != NULL)
		munmap(p, size);
}

struct dns_cache *
dns_cache_new(size_t entries)
{
	size_t n = 2;
	if (entries == 0)
		return NULL;
	while (n < entries && n < ((size_t)1 << 26))
		n <<= 1;
	struct dns_cache *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->mask = n - 1;
	if ((c->tab = table(n * sizeof(*c->tab))) == NULL ||
	    (c->listings = table(n * sizeof(*c->listings))) == NULL) {
		dns_cache_free(c);
		return NULL;
	}
	return c;
}

void
dns_cache_free(struct dns_cache *c)
{
	if (c == NULL)
		return;
	table_free(c->tab, (c->mask + 1) * sizeof(*c->tab));
	table_free(c->listings, (c->mask + 1) * sizeof(*c->listings));
	free(c);
}

void
dns_cache_begin(struct dns_cache *c, uint64_t txn, uint64_t engine)
{
	c->txn = txn;
	if (engine != c->engine) {
		c->engine = engine;
		c->epoch++;
	}
}

void
dns_cache_flush(struct dns_cache *c)
{
	c->epoch++;
}

static void
mark(struct dns_cache *c, uint64_t h)
{
	c->marks[mix(h) & (MARKS - 1)] = c->txn;
}

static uint64_t
mark_of(const struct dns_cache *c, uint64_t h)
{
	return c->marks[mix(h) & (MARKS - 1)];
}

/* A domain key (kind, then labels from the top each closed by a 0, then
 * a 0): marks the changed name (a wildcard's parent) and "below" for
 * each parent. */
static void
changed_domain(struct dns_cache *c, const uint8_t *key, size_t len)
{
	uint64_t h = FNV_INIT, self = 0;
	size_t start = 1;
	for (size_t i = 1; i + 1 < len; i++) {
		if (key[i] != 0)
			continue;
		bool last = i + 2 == len;
		bool wild = last && i - start == 1 && key[start] == '*';
		if (last && !wild)
			self = fnv(h, key + start, i + 1 - start);
		if (wild)
			self = h;
		if (!last) {		/* a parent of the changed name */
			h = fnv(h, key + start, i + 1 - start);
			mark(c, h ^ BELOW_SALT);
		}
		start = i + 1;
	}
	mark(c, self);
}

void
dns_cache_changed(void *arg, const uint8_t *key, size_t len)
{
	struct dns_cache *c = arg;
	if (len == 6 && key[0] == SUBJECT_IPV4) {
		if (key[5] == 32)
			mark(c, fnv(V4_SALT, key + 1, 4));
		else
			c->v4_prefix = c->txn;
	} else if (len >= 3 && key[0] == SUBJECT_DOMAIN)
		changed_domain(c, key, len);
	/* IPv6 keys: no cached answer reads them */
}

/* Two-choice placement: a name may sit in either of two pairs of slots
 * (from two halves of its hash), which keeps nearly every name of a
 * table three-quarters full in place. */
static struct entry *
pair(struct dns_cache *c, uint64_t hash, int which)
{
	uint64_t h = which == 0 ? hash : mix(hash ^ 0x5bd1e995u);
	return &c->tab[h & c->mask & ~(size_t)1];
}

static struct entry *
probe(struct dns_cache *c, uint64_t hash, int zone, const uint8_t *name,
    size_t len)
{
	for (int p = 0; p < 2; p++) {
		struct entry *e = pair(c, hash, p);
		for (int i = 0; i < 2; i++, e++)
			if (e->hash == hash && e->zone == zone &&
			    e->name_len == len &&
			    memcmp(e->name, name, len) == 0)
				return e;
	}
	return NULL;
}

/* An empty (or flushed) slot of the four, else the one resolved longest ago; among
 * equals, one picked by a bit of the hash, so two names never keep
 * evicting each other. */
static struct entry *
victim(struct dns_cache *c, uint64_t hash)
{
	struct entry *slot[4], *best = NULL;
	for (int p = 0; p < 2; p++) {
		struct entry *e = pair(c, hash, p);
		slot[2 * p] = e;
		slot[2 * p + 1] = e + 1;
	}
	for (int i = 0; i < 4; i++) {
		if (slot[i]->hash == 0 || slot[i]->epoch != c->epoch)
			return slot[i];
		if (best == NULL || slot[i]->txn < best->txn)
			best = slot[i];
	}
	for (int i = 0, k = (int)(hash >> 62); i < 4; i++)
		if (slot[(k + i) % 4]->txn == best->txn)
			return slot[(k + i) % 4];
	return best;
}

static bool
fresh(const struct dns_cache *c, const struct entry *e, uint64_t now)
{
	return e->epoch == c->epoch && now < e->expires;
}

static void
put(struct dns_cache *c, uint64_t hash, int zone, const uint8_t *name,
    size_t len, const struct listing *l)
{
	struct entry *e = probe(c, hash, zone, name, len);
	if (e == NULL)
		e = victim(c, hash);
	e->hash = hash;
	e->txn = c->txn;
	e->epoch = c->epoch;
	e->zone = (uint8_t)zone;
	e->name_len = (uint8_t)len;
	memcpy(e->name, name, len);
	e->listed = l != NULL;
	if (l != NULL) {
		c->listings[e - c->tab] = *l;
		e->code = l->code;
		e->expires = l->listed_until;
	} else
		e->expires = UINT64_MAX;
}

/* A hit's listing: whole when asked for (TXT), else the code alone. */
static void
hit_listing(const struct dns_cache *c, const struct entry *e, bool whole,
    struct listing *l)
{
	if (whole) {
		*l = c->listings[e - c->tab];
		return;
	}
	memset(l, 0, sizeof(*l));
	l->code = e->code;
	l->listed_until = e->expires;
}

/* A lookup's result from its entry, NULL if none is good: -1 miss, 0
 * NXDOMAIN, 1 listed. */
static int
lookup_end(struct dns_cache *c, const struct entry *e, bool whole,
    struct listing *l)
{
	if (e == NULL) {
		c->misses++;
		return -1;
	}
	c->hits++;
	if (!e->listed)
		return 0;
	hit_listing(c, e, whole, l);
	return 1;
}

static uint64_t
ip_hash(int zone, const uint8_t addr[4])
{
	return mix(fnv(FNV_INIT + (uint64_t)zone, addr, 4)) | 1;
}

int
dns_cache_get_ip(struct dns_cache *c, int zone, const uint8_t addr[4],
    uint64_t now, bool whole, struct listing *l)
{
	struct entry *e = probe(c, ip_hash(zone, addr), zone, addr, 4);
	if (e != NULL && (!fresh(c, e, now) || e->txn < c->v4_prefix ||
	    mark_of(c, fnv(V4_SALT, addr, 4)) > e->txn))
		e = NULL;
	return lookup_end(c, e, whole, l);
}

void
dns_cache_put_ip(struct dns_cache *c, int zone, const uint8_t addr[4],
    const struct listing *l)
{
	put(c, ip_hash(zone, addr), zone, addr, 4, l);
}

static uint64_t
domain_hash(int zone, const char *name, size_t len)
{
	return mix(fnv(FNV_INIT + 0x100 + (uint64_t)zone,
	    (const uint8_t *)name, len)) | 1;
}

/* Is any mark name (dotted text) depends on newer than t? Walks its labels
 * from the top, hashing them as the store's keys hold them. */
static bool
domain_marked(const struct dns_cache *c, const char *name, size_t len,
    uint64_t t)
{
	static const uint8_t zero = 0;
	uint64_t h = FNV_INIT;
	size_t end = len;
	for (;;) {
		size_t start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		h = fnv(h, (const uint8_t *)name + start, end - start);
		h = fnv(h, &zero, 1);
		if (mark_of(c, h) > t)
			return true;
		if (start == 0)
			break;
		end = start - 1;
	}
	return mark_of(c, h ^ BELOW_SALT) > t;
}

int
dns_cache_get_domain(struct dns_cache *c, int zone, const char *name,
    uint64_t now, bool whole, struct listing *l, size_t *subj_off,
    bool *subj_wild)
{
	size_t len = strlen(name);
	struct entry *e = len <= NAME_INLINE ? probe(c,
	    domain_hash(zone, name, len), zone, (const uint8_t *)name, len) :
	    NULL;
	if (e != NULL && (!fresh(c, e, now) ||
	    domain_marked(c, name, len, e->txn)))
		e = NULL;
	int rc = lookup_end(c, e, whole, l);
	if (rc == 1) {
		*subj_off = e->subj_off;
		*subj_wild = e->subj_wild;
	}
	return rc;
}

void
dns_cache_put_domain(struct dns_cache *c, int zone, const char *name,
    const struct listing *l, size_t subj_off, bool subj_wild)
{
	size_t len = strlen(name);
	if (len > NAME_INLINE || subj_off > len)
		return;
	uint64_t hash = domain_hash(zone, name, len);
	put(c, hash, zone, (const uint8_t *)name, len, l);
	struct entry *e = probe(c, hash, zone, (const uint8_t *)name, len);
	e->subj_off = (uint8_t)subj_off;
	e->subj_wild = subj_wild;
}

void
dns_cache_stats(const struct dns_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c ? c->hits : 0;
	*misses = c ? c->misses : 0;
}
