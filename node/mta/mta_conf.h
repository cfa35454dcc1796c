/*
 * mta_conf.h: the `smtpd-policy:` clause of reputed.conf, the Postfix
 * policy delegation service (node/mta/policy*.c, docs/MTA.md). The clause
 * is not called `policy:`: that name was taken by the reputation model's
 * parameters (MODEL.md) before the MTA side existed.
 *
 * node/conf.c hands each keyword of the clause to mta_conf_keyword and
 * prints the clause with mta_conf_print; this header needs nothing else,
 * so node.h can include it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_CONF_H
#define REPUTED_MTA_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What to do with an SPF result that is not a pass. */
enum mta_spf_action {
	MTA_MARK,		/* PREPEND Received-SPF and go on (DUNNO) */
	MTA_REJECT,		/* 550 5.7.23 with the explanation */
	MTA_DEFER,		/* 451 4.7.23: try again later */
	MTA_DEFER_IF_PERMIT,	/* DEFER_IF_PERMIT 4.7.24 */
};

#define MTA_MAX_LINE_DEFAULT	2048	/* bytes of one name=value line */
#define MTA_MAX_ATTRS_DEFAULT	100	/* Postfix 3.7 sends about 40 */
#define MTA_MAX_CONNS_DEFAULT	1024
#define MTA_IDLE_DEFAULT	300	/* seconds; Postfix's max_idle is 100 */

struct mta_conf {
	char	 listen_host[64];	/* "" and no path: the service is off */
	uint16_t listen_port;
	char	 listen_path[108];	/* a Unix socket instead (mode 0666) */
	bool	 reject_listed;		/* 554 5.7.1 for a listed client */
	bool	 reject_listed_domain;	/* ... for a listed MAIL FROM / HELO
					 * domain that SPF authorised */
	enum mta_spf_action spf_fail;	/* default reject */
	enum mta_spf_action spf_softfail;	/* default mark */
	enum mta_spf_action spf_temperror;	/* default defer-if-permit */
	enum mta_spf_action spf_permerror;	/* default mark */
	char	 receiver[256];		/* Received-SPF receiver=; "" = the
					 * host name at start */
	uint32_t idle_s;		/* a connection silent this long closes */
	uint32_t max_line;
	uint32_t max_attrs;
	uint32_t max_conns;
};

/* mta_conf.c */
void	 mta_conf_defaults(struct mta_conf *m);
bool	 mta_conf_enabled(const struct mta_conf *m);
/* One `keyword: value` line of the clause; -1 with what was expected in
 * err (the caller adds file:line). */
int	 mta_conf_keyword(struct mta_conf *m, const char *keyword,
	    const char *value, char *err, size_t errlen);
/* Prints the clause (only when the service is on); f is a FILE pointer. */
void	 mta_conf_print(const struct mta_conf *m, void *f);
const char *mta_spf_action_name(enum mta_spf_action a);

#endif
