/*
 * policy_fuzz.c: libFuzzer target of the Postfix policy request parser
 * (node/mta/policy.c), the input a policy client sends. Any bytes as one
 * request; a request that parses is then decided with every SPF result
 * and listing state the first bytes pick, and the answer must stay one
 * line of printable ASCII starting with "action=".
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "node/mta/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *s)
{
	if (strncmp(s, "action=", 7) != 0)
		abort();
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_request req;
	struct policy_facts f;
	struct mta_conf m;
	char err[256], action[POLICY_ACTION_MAX];
	uint8_t pick = size > 0 ? data[0] : 0;

	if (policy_parse((const char *)data, size, 512, 64, &req, err,
	    sizeof(err)) == -1)
		return 0;
	mta_conf_defaults(&m);
	m.spf_fail = pick & 3;
	memset(&f, 0, sizeof(f));
	f.client.listed = pick & 4;
	memcpy(f.client.txt, req.helo_name, sizeof(f.client.txt) - 1);
	f.spf_helo.checked = policy_wants_helo(&req);
	f.spf_helo.result = (pick >> 3) % (SPF_PERMERROR + 1);
	f.spf_mfrom.checked = policy_wants_mfrom(&req);
	f.spf_mfrom.result = (pick >> 5) % (SPF_PERMERROR + 1);
	memcpy(f.spf_mfrom.explanation, req.sender, sizeof(req.sender));
	memcpy(f.spf_mfrom.domain, req.sender, sizeof(f.spf_mfrom.domain) - 1);
	f.mfrom.listed = f.spf_mfrom.result == SPF_PASS && (pick & 128);
	policy_decide(&m, "mx.example", &req, &f, action, sizeof(action));
	check_line(action);
	return 0;
}
