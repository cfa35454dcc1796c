/*
 * ctl_message.h: `reputectl report --message FILE --authserv-id ID`: a
 * message the ISP judged abusive -> the fields of a report, from what our
 * own MTA wrote into it (feeds/mta_verdict.c).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_CTL_MESSAGE_H
#define REPUTED_CTL_MESSAGE_H

#include <jansson.h>

/* Reads the message at path ("-": stdin) and sets, in obj, each report
 * field it gives that obj does not have yet (the command line wins): ip
 * (the subject: the client address), client_ip, helo, mail_from, pra,
 * spf_mail_from, spf_helo, sender_id. 0, or -1 with the reason on stderr. */
int	 ctl_message_fill(json_t *obj, const char *path, const char *authserv_id);

#endif
