/*
 * ctl_message.c: report fields from a message our MTA received
 * (ctl_message.h). Reads the file, asks feeds/mta_verdict.c what our own
 * trace and authentication fields say, and fills the report object.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/mta_verdict.h"
#include "node/ctl/ctl_message.h"

#define CTL_MESSAGE_MAX	(64 << 20)	/* a message larger than this is refused */

static char *
read_all(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n;

	*len = 0;
	if (f == NULL)
		return NULL;
	do {
		if (*len + 65536 > cap) {
			char *p = cap < CTL_MESSAGE_MAX ? realloc(buf, cap + 65536 * 4) : NULL;
			if (p == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = p;
			cap += 65536 * 4;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	if (f != stdin)
		fclose(f);
	return buf;
}

int
ctl_message_fill(json_t *obj, const char *path, const char *authserv_id)
{
	struct mta_verdict v;
	char err[256];
	size_t len;
	char *msg;

	if (authserv_id == NULL) {
		fprintf(stderr, "reputectl: --message needs --authserv-id ID (the "
		    "name your MTA writes in its Received and "
		    "Authentication-Results fields)\n");
		return -1;
	}
	if ((msg = read_all(path, &len)) == NULL) {
		fprintf(stderr, "reputectl: %s: cannot read it (or larger than "
		    "%d MiB)\n", path, CTL_MESSAGE_MAX >> 20);
		return -1;
	}
	int rc = mta_verdict_read(msg, len, authserv_id, &v, err, sizeof(err));
	free(msg);
	if (rc == -1) {
		fprintf(stderr, "reputectl: %s: %s\n", path, err);
		return -1;
	}
	mta_verdict_to_json(&v, obj);
	return 0;
}
