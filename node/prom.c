/*
 * prom.c: Prometheus text lines into an evbuffer (see prom.h).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <event2/buffer.h>

#include "node/prom.h"

void
prom_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s ", name);
	for (const char *c = help; *c != '\0'; c++) {
		if (*c == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*c == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, c, 1);
	}
	evbuffer_add_printf(out, "\n# TYPE %s %s\n", name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void
prom_label_value(struct evbuffer *out, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add(out, "\\", 1);
		if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

static void
prom_label(struct evbuffer *out, const char *sep, const char *label,
    const char *value)
{
	evbuffer_add_printf(out, "%s%s=\"", sep, label);
	prom_label_value(out, value);
	evbuffer_add(out, "\"", 1);
}

void
prom_sample(struct evbuffer *out, const char *name, const char *label,
    const char *value, uint64_t v)
{
	evbuffer_add_printf(out, "%s", name);
	if (label != NULL && value != NULL) {
		prom_label(out, "{", label, value);
		evbuffer_add(out, "}", 1);
	}
	evbuffer_add_printf(out, " %llu\n", (unsigned long long)v);
}

void
prom_sample2(struct evbuffer *out, const char *name, const char *label1,
    const char *value1, const char *label2, const char *value2, uint64_t v)
{
	evbuffer_add_printf(out, "%s", name);
	prom_label(out, "{", label1, value1);
	prom_label(out, ",", label2, value2);
	evbuffer_add_printf(out, "} %llu\n", (unsigned long long)v);
}

void
prom_u64(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t v)
{
	prom_family(out, name, type, help);
	prom_sample(out, name, NULL, NULL, v);
}

void
prom_double(struct evbuffer *out, const char *name, const char *type,
    const char *help, double v)
{
	prom_family(out, name, type, help);
	prom_value(out, name, v);
}

void
prom_value(struct evbuffer *out, const char *name, double v)
{
	evbuffer_add_printf(out, "%s %.17g\n", name, v);
}
