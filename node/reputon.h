/*
 * reputon.h: the one writer of reputons (RFC 7071, application "email-id")
 * with reputed's extension member and per-origin explanation. The API's
 * GET /v1/reputation and `reputectl --db DIR query --json` both print
 * what reputon_document builds, so they carry the same members.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_REPUTON_H
#define REPUTED_REPUTON_H

#include <stdint.h>

#include <jansson.h>

#include "reputation/reputation.h"

/*
 * The document {"application":"email-id","reputons":[...]} for subject s
 * at now (Unix ms), read from r (the caller has begun its snapshot and
 * ends it after). An address with no record of its own is answered with
 * the listed prefix that covers it (what the DNS zone answers); no data
 * gives an empty reputons array. rater names this node. The caller owns
 * the result; NULL if memory ran out or the store could not be read.
 */
json_t *reputon_document(struct store_reader *r, const struct policy *p,
    const char *rater, const struct subject *s, uint64_t now);
/* json_dumps flags of the API's answers (compact, 6 digits). */
#define REPUTON_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(6))

#endif
