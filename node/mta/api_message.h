/*
 * api_message.h: POST /v1/reports/message on the local API: a message the
 * ISP judged abusive, as received, -> one report (what `reputectl report
 * --message` does on the client side; docs/MTA.md).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_API_MESSAGE_H
#define REPUTED_MTA_API_MESSAGE_H

struct api;
struct node_conf;
struct api_message;

/* Adds the route; NULL if the API has no room. conf is borrowed. */
struct api_message *api_message_attach(struct api *a,
	    const struct node_conf *conf);
void	 api_message_free(struct api_message *m);

#endif
