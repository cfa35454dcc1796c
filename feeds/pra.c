/*
 * pra.c: the Purported Responsible Address of a message (RFC 4407
 * section 2), chosen from header fields read by rfc5322.c. Pure: fields
 * in, one address (or none, with the reason) out.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "feeds/feeds.h"

/*
 * RFC 4407 2: "For the purposes of this algorithm, a header field is
 * "non-empty" if and only if it contains any non-whitespace characters."
 */
static bool
field_is(const struct rfc5322_field *f, const char *name)
{
	if (strcasecmp(f->name, name) != 0)
		return false;
	for (const char *p = f->value; *p; p++)
		if (!isspace((unsigned char)*p))
			return true;
	return false;
}

static int
first(const struct rfc5322_header *hdr, const char *name, size_t from,
    size_t to)
{
	for (size_t i = from; i < to && i < hdr->nfields; i++)
		if (field_is(&hdr->fields[i], name))
			return i;
	return -1;
}

static int
count(const struct rfc5322_header *hdr, const char *name, int *which)
{
	int n = 0;

	*which = -1;
	for (size_t i = 0; i < hdr->nfields; i++)
		if (field_is(&hdr->fields[i], name) && n++ == 0)
			*which = i;
	return n;
}

/* Step 1: is the Resent-Sender at rs to be passed over? */
static bool
resent_sender_stale(const struct rfc5322_header *hdr, int rs)
{
	int rf = -1;

	for (int i = 0; i < rs; i++)
		if (field_is(&hdr->fields[i], "Resent-From"))
			rf = i;
	if (rf == -1)
		return false;
	for (int i = rf + 1; i < rs; i++) {
		const char *n = hdr->fields[i].name;
		if (strcasecmp(n, "Received") == 0 ||
		    strcasecmp(n, "Return-Path") == 0)
			return true;
	}
	return false;
}

static void
none(struct pra_result *res, const char *why)
{
	res->status = PRA_NONE;
	res->addr[0] = '\0';
	snprintf(res->why, sizeof(res->why), "%s", why);
}

/*
 * Step 5: "A previous step has selected a single header from the
 * message. If that header is malformed (e.g., it appears to contain
 * multiple mailboxes, or the single mailbox is hopelessly malformed, or
 * the single mailbox does not contain a domain name), continue with
 * step 6. Otherwise, return that single mailbox as the Purported
 * Responsible Address."
 */
static void
step5(const struct rfc5322_header *hdr, int i, struct pra_result *res)
{
	char addrs[2][SPF_DOMAIN_MAX + 66], err[96];
	int n = rfc5322_mailboxes(hdr->fields[i].value, addrs, 2, err,
	    sizeof(err));

	snprintf(res->field, sizeof(res->field), "%s", hdr->fields[i].name);
	if (n != 1) {
		none(res, n < 0 ? "the selected field is malformed" :
		    "the selected field has more than one mailbox");
		return;
	}
	const char *at = strrchr(addrs[0], '@');
	if (at == NULL || at[1] == '\0' || at[1] == '[') {
		none(res, "the selected mailbox has no domain name");
		return;
	}
	res->status = PRA_FOUND;
	snprintf(res->addr, sizeof(res->addr), "%s", addrs[0]);
}

/*
 * RFC 4407 2, steps 1 to 4:
 * 1. "Select the first non-empty Resent-Sender header in the message.
 *    If no such header is found, continue with step 2. If it is
 *    preceded by a non-empty Resent-From header and one or more
 *    Received or Return-Path headers occur after said Resent-From
 *    header and before the Resent-Sender header, continue with step 2.
 *    Otherwise, proceed to step 5."
 * 2. "Select the first non-empty Resent-From header in the message. If
 *    a Resent-From header is found, proceed to step 5. Otherwise,
 *    continue with step 3."
 * 3. "Select all the non-empty Sender headers in the message. If there
 *    are no such headers, continue with step 4. If there is exactly one
 *    such header, proceed to step 5. If there is more than one such
 *    header, proceed to step 6."
 * 4. "Select all the non-empty From headers in the message. If there is
 *    exactly one such header, continue with step 5. Otherwise, proceed
 *    to step 6."
 * 6. "The Purported Responsible Address could not be determined."
 */
void
pra_select(const struct rfc5322_header *hdr, struct pra_result *res)
{
	int i, n;

	memset(res, 0, sizeof(*res));
	i = first(hdr, "Resent-Sender", 0, hdr->nfields);
	if (i >= 0 && !resent_sender_stale(hdr, i)) {
		step5(hdr, i, res);
		return;
	}
	if ((i = first(hdr, "Resent-From", 0, hdr->nfields)) >= 0) {
		step5(hdr, i, res);
		return;
	}
	if ((n = count(hdr, "Sender", &i)) == 1) {
		step5(hdr, i, res);
		return;
	}
	if (n > 1) {
		none(res, "more than one Sender field");
		return;
	}
	if ((n = count(hdr, "From", &i)) == 1) {
		step5(hdr, i, res);
		return;
	}
	none(res, n ? "more than one From field" : "no From field");
}
