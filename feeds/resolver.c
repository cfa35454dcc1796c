/*
 * resolver.c: the resolver interface the Sender-ID evaluator asks. An
 * implementation (resolver_mem.c, resolver_unbound.c) fills a table of
 * operations; callers see one opaque handle. Answers arrive through a
 * callback, possibly before resolver_query() returns.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdlib.h>

#include "feeds/feeds.h"

struct resolver {
	const struct resolver_ops *ops;
	void	*impl;			/* owned */
};

struct resolver *
resolver_new(const struct resolver_ops *ops, void *impl)
{
	struct resolver *res = malloc(sizeof(*res));

	if (res == NULL) {
		ops->free(impl);
		return NULL;
	}
	res->ops = ops;
	res->impl = impl;
	return res;
}

int
resolver_query(struct resolver *res, const char *name, enum dns_type type,
    resolver_done_cb cb, void *arg)
{
	return res->ops->query(res->impl, name, type, cb, arg);
}

void
resolver_free(struct resolver *res)
{
	if (res == NULL)
		return;
	res->ops->free(res->impl);
	free(res);
}

void *
resolver_impl(const struct resolver *res)
{
	return res->impl;
}

