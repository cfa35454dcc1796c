/*
 * prom.h: the one writer of the Prometheus text format (version 0.0.4)
 * for GET /metrics. Every metric family gets its `# HELP` and `# TYPE`
 * lines before its samples, so `promtool check metrics` accepts the page
 * (tests/integration/daemon_metrics.sh checks it).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_PROM_H
#define REPUTED_PROM_H

#include <stdint.h>

struct evbuffer;

#define PROM_COUNTER	"counter"
#define PROM_GAUGE	"gauge"
#define PROM_HISTOGRAM	"histogram"

/* # HELP and # TYPE of the family name; help is one line of text. */
void prom_family(struct evbuffer *out, const char *name, const char *type,
    const char *help);
/* One sample of family name; label and value may be NULL (no label); the
 * label value is escaped as the format asks. */
void prom_sample(struct evbuffer *out, const char *name, const char *label,
    const char *value, uint64_t v);
/* One unlabelled sample with a real value (a histogram's _sum). */
void prom_value(struct evbuffer *out, const char *name, double v);
/* One sample with two labels. */
void prom_sample2(struct evbuffer *out, const char *name, const char *label1,
    const char *value1, const char *label2, const char *value2, uint64_t v);
/* A family of one unlabelled sample: an integer, or a real number. */
void prom_u64(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t v);
void prom_double(struct evbuffer *out, const char *name, const char *type,
    const char *help, double v);

#endif
