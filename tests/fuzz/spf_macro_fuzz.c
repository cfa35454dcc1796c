/*
 * spf_macro_fuzz.c: libFuzzer target of SPF macro expansion
 * (feeds/spf_macro.c), the code where libspf2 had its memory-safety
 * CVEs. The first byte picks the mode (explanation text or not, domain
 * truncation or not, %{p} known or not) and the output buffer size; the
 * rest is the macro-string. The output must stay NUL-terminated within
 * its buffer, and what the syntax check accepts must expand.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "feeds/feeds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spf_macro_env env = {
		.sender = "strong-bad@email.example.com", .local = "strong-bad",
		.sender_domain = "email.example.com",
		.domain = "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.example.com",
		.ip_dotted = "1.0.B.C.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
		    "8.B.D.0.1.0.0.2",
		.ip_text = "2001:db8::cb01", .ip6 = true,
		.helo = "JUMPIN' JUPITER", .receiver = "mx.example.net", .now = 1,
	};
	char *out;

	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	bool explain = mode & 1, domain = mode & 2;
	size_t outlen = (mode & 4) ? 16 + (mode >> 3) : 4096;
	env.validated = (mode & 8) ? "mx.example.com" : NULL;
	if ((out = malloc(outlen)) == NULL)
		return 0;
	const char *src = (const char *)data + 1;
	enum spf_macro_status st = spf_macro_expand(src, size - 1, &env, explain,
	    domain, out, outlen);
	if (st == SPF_MACRO_OK && strlen(out) >= outlen)
		abort();
	if ((st == SPF_MACRO_OK || st == SPF_MACRO_SYNTAX) &&
	    spf_macro_syntax_ok(src, size - 1, explain) != (st == SPF_MACRO_OK))
		abort();
	free(out);
	return 0;
}
