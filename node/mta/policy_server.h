/*
 * policy_server.h: the Postfix policy service's libevent shell
 * (policy_server.c), started by reputed.c when `smtpd-policy: listen` is
 * set. Not including feeds/feeds.h: reputed.c also includes dns.h.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_POLICY_SERVER_H
#define REPUTED_MTA_POLICY_SERVER_H

#include <stddef.h>

struct event_base;
struct evbuffer;
struct store;
struct node_conf;
struct policy_server;

/* Binds the listener and makes the resolver (the sender-id: resolver, or
 * the system's when that is off). conf and st are borrowed for the
 * server's life. NULL with err. */
struct policy_server *policy_server_start(struct event_base *base,
	    struct store *st, const struct node_conf *conf, char *err,
	    size_t errlen);
/* Frees the resolver first (no answer comes after), then every running
 * evaluation and connection; removes a Unix socket. NULL is a no-op. */
void	 policy_server_stop(struct policy_server *ps);
/* Prometheus lines for GET /metrics (an api_metrics_fn). */
void	 policy_server_metrics(void *arg, struct evbuffer *out);

#endif
