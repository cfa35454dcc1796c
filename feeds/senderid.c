/*
 * senderid.c: Sender ID (RFC 4406): the PRA of a message (pra.c over
 * rfc5322.c) checked with check_host() in the pra scope (spf.c), where
 * spf2.0/pra records come first and v=spf1 records are the fallback.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <string.h>

#include "feeds/feeds.h"

void
senderid_request(struct spf_request *req, const char *ip, const char *helo,
    const struct pra_result *pra)
{
	memset(req, 0, sizeof(*req));
	req->ip = ip;
	req->sender = pra->addr;
	req->helo = helo ? helo : "";
	req->scope = SPF_SCOPE_PRA;
	req->default_exp = "DEFAULT";
}

/*
 * RFC 4407 2, step 6: "The Purported Responsible Address could not be
 * determined." The message has no responsible address to check; we
 * report that as a permerror (the message is at fault, and RFC 4407 has
 * the receiver reject it) rather than none, which would say that a
 * domain published nothing. docs/SENDER-ID.md lists this choice.
 */
int
senderid_check_sync(struct resolver *res, const char *ip, const char *helo,
    const char *msg, size_t len, struct pra_result *pra,
    struct spf_outcome *out, char *err, size_t errlen)
{
	struct rfc5322_header hdr;
	struct pra_result local;
	struct spf_request req;

	if (pra == NULL)
		pra = &local;
	memset(out, 0, sizeof(*out));
	if (rfc5322_parse(msg, len, &hdr, err, errlen) == -1) {
		memset(pra, 0, sizeof(*pra));
		pra->status = PRA_NONE;
		snprintf(pra->why, sizeof(pra->why), "%s", err);
	} else {
		pra_select(&hdr, pra);
		rfc5322_clear(&hdr);
	}
	if (pra->status != PRA_FOUND) {
		out->result = SPF_PERMERROR;
		snprintf(out->problem, sizeof(out->problem), "no PRA: %s",
		    pra->why);
		return 0;
	}
	senderid_request(&req, ip, helo, pra);
	return spf_run_sync(res, &req, out, err, errlen);
}
