/*
 * resolver_mem.c: a resolver that answers from zone data held in memory,
 * synchronously, for tests, the openspf suites and the benchmark.
 *
 * Semantics follow the openspf suite's zone data: records of a name keep
 * their order; a TIMEOUT marker makes a query time out unless a record of
 * the asked type came before it (then the answer stops there); a name
 * that was never added is NXDOMAIN, a name without records of the type
 * is "no data"; a CNAME is followed (8 hops at most, a loop is a
 * temporary failure, as a real resolver's SERVFAIL).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

#define MEM_CNAME_HOPS	8
#define MEM_NAME_MAX	(SPF_DOMAIN_MAX + 2)

struct mem_entry {
	enum dns_type	 type;		/* 0 for a TIMEOUT marker */
	uint8_t		*data;		/* owned, NUL-terminated */
	size_t		 len;
	uint16_t	 pref;
};

struct mem_name {
	struct mem_name	*next;		/* hash chain */
	uint32_t	 hash;
	struct mem_entry *e;		/* owned */
	size_t		 n, cap;
	char		 name[];	/* lowercase, no final dot */
};

struct mem_zone {
	struct mem_name	**bucket;
	size_t		 nbuckets, nnames;
	struct dns_rr	*scratch;	/* the answer being given */
	size_t		 scratch_cap;
	unsigned long	 queries;
};

static void
mem_normalize(const char *in, char out[MEM_NAME_MAX])
{
	size_t n = 0;

	for (; in[n] != '\0' && n < MEM_NAME_MAX - 1; n++) {
		unsigned char c = in[n];
		out[n] = c >= 'A' && c <= 'Z' ? c + 32 : c;
	}
	if (n > 0 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

static uint32_t
mem_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct mem_name *
mem_find(const struct mem_zone *z, const char *norm)
{
	uint32_t h = mem_hash(norm);
	struct mem_name *n = z->bucket[h & (z->nbuckets - 1)];

	while (n && (n->hash != h || strcmp(n->name, norm) != 0))
		n = n->next;
	return n;
}

static int
mem_grow(struct mem_zone *z)
{
	size_t nb = z->nbuckets * 4;
	struct mem_name **b = calloc(nb, sizeof(*b));

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < z->nbuckets; i++) {
		struct mem_name *n = z->bucket[i], *next;
		for (; n; n = next) {
			next = n->next;
			size_t h = n->hash & (nb - 1);
			n->next = b[h];
			b[h] = n;
		}
	}
	free(z->bucket);
	z->bucket = b;
	z->nbuckets = nb;
	return 0;
}

static struct mem_name *
mem_get(struct mem_zone *z, const char *name)
{
	char norm[MEM_NAME_MAX];
	struct mem_name *n;

	mem_normalize(name, norm);
	if ((n = mem_find(z, norm)) != NULL)
		return n;
	if (z->nnames >= z->nbuckets && mem_grow(z) == -1)
		return NULL;
	size_t len = strlen(norm);
	if ((n = calloc(1, sizeof(*n) + len + 1)) == NULL)
		return NULL;
	memcpy(n->name, norm, len + 1);
	n->hash = mem_hash(norm);
	size_t h = n->hash & (z->nbuckets - 1);
	n->next = z->bucket[h];
	z->bucket[h] = n;
	z->nnames++;
	return n;
}

static int
mem_append(struct mem_zone *z, const char *name, enum dns_type type,
    const void *data, size_t len, uint16_t pref)
{
	struct mem_name *n = mem_get(z, name);

	if (n == NULL)
		return -1;
	if (n->n == n->cap) {
		size_t cap = n->cap ? n->cap * 2 : 4;
		struct mem_entry *e = realloc(n->e, cap * sizeof(*e));
		if (e == NULL)
			return -1;
		n->e = e;
		n->cap = cap;
	}
	struct mem_entry *e = &n->e[n->n];
	if ((e->data = malloc(len + 1)) == NULL)
		return -1;
	if (len)
		memcpy(e->data, data, len);
	e->data[len] = '\0';
	e->len = len;
	e->type = type;
	e->pref = pref;
	n->n++;
	return 0;
}

int
resolver_mem_add(struct resolver *res, const char *name, enum dns_type type,
    const void *data, size_t len, uint16_t pref)
{
	return mem_append(resolver_impl(res), name, type, data, len, pref);
}

int
resolver_mem_add_timeout(struct resolver *res, const char *name)
{
	return mem_append(resolver_impl(res), name, 0, "", 0, 0);
}

int
resolver_mem_touch(struct resolver *res, const char *name)
{
	return mem_get(resolver_impl(res), name) ? 0 : -1;
}

unsigned long
resolver_mem_queries(const struct resolver *res)
{
	const struct mem_zone *z = resolver_impl(res);

	return z->queries;
}

/* Collects the records of one name; -1 if it times out. *cname gets a
 * CNAME target when there is no record of the type. */
static int
mem_collect(struct mem_zone *z, const struct mem_name *n, enum dns_type type,
    size_t *count, const char **cname)
{
	*count = 0;
	*cname = NULL;
	for (size_t i = 0; i < n->n; i++) {
		const struct mem_entry *e = &n->e[i];
		if (e->type == 0) {
			if (*count == 0)
				return -1;
			break;
		}
		if (e->type == DNS_T_CNAME && *cname == NULL)
			*cname = (const char *)e->data;
		if (e->type != type)
			continue;
		if (*count == z->scratch_cap) {
			size_t cap = z->scratch_cap ? z->scratch_cap * 2 : 16;
			struct dns_rr *rr = realloc(z->scratch, cap * sizeof(*rr));
			if (rr == NULL)
				return -1;
			z->scratch = rr;
			z->scratch_cap = cap;
		}
		z->scratch[*count].data = e->data;
		z->scratch[*count].len = e->len;
		z->scratch[(*count)++].pref = e->pref;
	}
	return 0;
}

static int
mem_query(void *impl, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	struct mem_zone *z = impl;
	struct dns_answer ans = { DNS_NXDOMAIN, 0, NULL };
	char norm[MEM_NAME_MAX];
	const char *cname;

	z->queries++;
	mem_normalize(name, norm);
	for (int hop = 0; hop <= MEM_CNAME_HOPS; hop++) {
		const struct mem_name *n = mem_find(z, norm);
		if (n == NULL) {
			ans.status = DNS_NXDOMAIN;
			ans.count = 0;
			break;
		}
		if (mem_collect(z, n, type, &ans.count, &cname) == -1) {
			ans.status = DNS_TEMPFAIL;
			break;
		}
		ans.status = DNS_ANSWER;
		ans.rr = z->scratch;
		if (ans.count > 0 || cname == NULL || type == DNS_T_CNAME)
			break;
		mem_normalize(cname, norm);
		if (hop == MEM_CNAME_HOPS)
			ans.status = DNS_TEMPFAIL;	/* a CNAME loop */
	}
	cb(arg, &ans);
	return 0;
}

static void
mem_free(void *impl)
{
	struct mem_zone *z = impl;

	if (z == NULL)
		return;
	for (size_t i = 0; i < z->nbuckets; i++) {
		struct mem_name *n = z->bucket[i], *next;
		for (; n; n = next) {
			next = n->next;
			for (size_t k = 0; k < n->n; k++)
				free(n->e[k].data);
			free(n->e);
			free(n);
		}
	}
	free(z->bucket);
	free(z->scratch);
	free(z);
}

static const struct resolver_ops mem_ops = { mem_query, mem_free };

struct resolver *
resolver_mem_new(void)
{
	struct mem_zone *z = calloc(1, sizeof(*z));

	if (z == NULL)
		return NULL;
	z->nbuckets = 64;
	if ((z->bucket = calloc(z->nbuckets, sizeof(*z->bucket))) == NULL) {
		free(z);
		return NULL;
	}
	return resolver_new(&mem_ops, z);
}
