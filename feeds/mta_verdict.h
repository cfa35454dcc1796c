/*
 * mta_verdict.h: what our own MTA wrote into a message it received (its
 * Received field, the Received-SPF of reputed's policy service and the
 * Authentication-Results of reputed-milter), read back when the ISP
 * reports the message as abusive (`reputectl report --message`).
 * Library code: no I/O, no logging.
 *
 * Only fields that our MTA added count: those above and including the
 * topmost Received field whose `by` is our authserv-id, and among them
 * only an Authentication-Results with our authserv-id and a Received-SPF
 * with our receiver=. Everything below came with the message and may be
 * forged. The PRA is selected from the whole header (RFC 4407).
 *
 * The Authentication-Results reader here could serve feeds/arf.c (which
 * keeps those fields as text) once both settle: docs/MTA.md.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MTA_VERDICT_H
#define REPUTED_MTA_VERDICT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "feeds/feeds.h"

struct mta_verdict {
	char	 client_ip[64];		/* "" if no trusted field named it */
	char	 helo[256];
	char	 mail_from[SPF_DOMAIN_MAX + 66];
	bool	 have_mail_from;	/* mail_from "" then is <> */
	struct pra_result pra;
	/* SPF_RESULTS (spf_result + 1): not found in a trusted field */
	int	 spf_mail_from, spf_helo, sender_id;
	bool	 listed;		/* reputed=fail in our A-R */
	unsigned trusted;		/* trusted fields read */
};

/* Reads msg[0..len) (a whole message or its header). 0 and v filled, or
 * -1 with err: not a header, or no trusted field gave the client address. */
int	 mta_verdict_read(const char *msg, size_t len, const char *authserv_id,
	    struct mta_verdict *v, char *err, size_t errlen);

/* Sets, in obj, each report field v gives that obj lacks (a caller's own
 * fields win): ip (the subject, unless obj has a domain or subject),
 * client_ip, helo, mail_from, pra, spf_mail_from, spf_helo, sender_id. */
void	 mta_verdict_to_json(const struct mta_verdict *v, json_t *obj);

#endif
