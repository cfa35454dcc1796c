/*
 * ctl_ingest.h: reputectl ingest (ctl_ingest.c), abuse-report messages
 * (ARF, X-ARF, DMARC aggregate reports) in, reports out: through the
 * daemon's POST /v1/feeds/{format}, or offline into a store as `report
 * --db` does. reputectl.c lends it its batch builder and API client.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_CTL_INGEST_H
#define REPUTED_CTL_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reputation/reputation.h"

struct ctl;
struct batch_builder;

int ctl_ingest(const struct ctl *c, int argc, char **argv);
/* Its long options (for reputectl complete). */
struct option;
extern const struct option ctl_ingest_options[];

/* reputectl.c: the offline batch builder (signs with key, applies to the
 * --db store), one report object (JSON text) at a time. add: 0, -1 for a
 * refused report (err), -2 when a batch could not be stored. */
struct batch_builder *ctl_builder_open(const struct ctl *c, const char *key);
int ctl_builder_add(struct batch_builder *bb, const char *json, size_t len,
    char *err, size_t errlen);
/* The same for a report of a verified signed complaint: it carries the
 * signature (the detached CMS and the signed part, copied) so that it
 * counts for the signer's organisation (docs/FEEDS.md). */
int ctl_builder_add_attested(struct batch_builder *bb, const char *json,
    size_t len, const uint8_t *cms, size_t cms_len, const uint8_t *part,
    size_t part_len, char *err, size_t errlen);
/* The verifier of attested reports for the builder's store (a
 * store_attest_fn and its argument, borrowed until close). */
void ctl_builder_set_attest(struct batch_builder *bb, store_attest_fn fn,
    void *arg);
int ctl_builder_close(struct batch_builder *bb, uint64_t *reports,
    uint64_t *batches, uint64_t *next_seq);
/* POSTs len bytes to the daemon's API: the HTTP status (answer body in
 * *out, caller frees), or -1 when it cannot be reached. */
int ctl_api_post(const struct ctl *c, const char *path, const char *body,
    size_t len, char **out);
bool ctl_offline(const struct ctl *c);

#endif
