/*
 * dnswire.c: domain names in DNS wire form (see dnswire.h). The one
 * decoder of names from messages: the DNSBL responder reads questions and
 * the Sender-ID resolver reads answers with it.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <string.h>

#include "proto/dnswire.h"

const char *
dns_type_name(enum dns_type type)
{
	switch (type) {
	case DNS_T_A:		return "A";
	case DNS_T_NS:		return "NS";
	case DNS_T_CNAME:	return "CNAME";
	case DNS_T_SOA:		return "SOA";
	case DNS_T_PTR:		return "PTR";
	case DNS_T_MX:		return "MX";
	case DNS_T_TXT:		return "TXT";
	case DNS_T_AAAA:	return "AAAA";
	case DNS_T_OPT:		return "OPT";
	case DNS_T_SPF:		return "SPF";
	case DNS_T_IXFR:	return "IXFR";
	case DNS_T_AXFR:	return "AXFR";
	case DNS_T_MAILB:	return "MAILB";
	case DNS_T_MAILA:	return "MAILA";
	case DNS_T_ANY:		return "ANY";
	}
	return "?";
}

const char *
dns_rcode_name(int rcode)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL",
	    "NXDOMAIN", "NOTIMP", "REFUSED" };

	if (rcode >= 0 && rcode <= 5)
		return names[rcode];
	return rcode == DNS_R_BADVERS ? "BADVERS" : "OTHER";
}

/*
 * RFC 1035 4.1.4: "a domain name in a message can be represented as
 * either: a sequence of labels ending in a zero octet; a pointer; a
 * sequence of labels ending with a pointer." A pointer here must point
 * strictly before itself, so every jump goes backwards and a loop cannot
 * happen; the 255-byte limit of 3.1 bounds the rest.
 */
size_t
dnswire_name_read(const uint8_t *msg, size_t len, size_t *off,
    uint8_t wire[DNS_NAME_MAX])
{
	size_t pos = *off, n = 0, end = 0;
	int jumped = 0;

	for (;;) {
		if (pos >= len)
			return 0;
		uint8_t c = msg[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return 0;
			size_t ptr = (size_t)(c & 0x3f) << 8 | msg[pos + 1];
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			if (ptr >= pos)
				return 0;
			pos = ptr;
			continue;
		}
		if (c & 0xc0)		/* 0x40, 0x80: obsolete label types */
			return 0;
		if (c > len - pos - 1 || n + 1 + c > DNS_NAME_MAX)
			return 0;
		memcpy(wire + n, msg + pos, 1 + (size_t)c);
		n += 1 + (size_t)c;
		pos += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*off = jumped ? end : pos;
	return n;
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

void
dnswire_name_lower(uint8_t *wire, size_t len)
{
	for (size_t o = 0; o < len && wire[o] != 0; o += 1 + wire[o])
		for (size_t i = 1; i <= wire[o] && o + i < len; i++)
			wire[o + i] = lower(wire[o + i]);
}

size_t
dnswire_name_from_text(const char *text, uint8_t wire[DNS_NAME_MAX],
    int lower_case)
{
	size_t n = 0, tl = strlen(text), i = 0;

	if (tl > 0 && text[tl - 1] == '.')
		tl--;
	while (i < tl) {
		size_t j = i;
		while (j < tl && text[j] != '.')
			j++;
		size_t ll = j - i;
		if (ll == 0 || ll > DNS_LABEL_MAX ||
		    n + 1 + ll + 1 > DNS_NAME_MAX)
			return 0;
		wire[n++] = (uint8_t)ll;
		for (size_t k = i; k < j; k++)
			wire[n++] = lower_case ? lower((uint8_t)text[k]) :
			    (uint8_t)text[k];
		i = j + 1;
	}
	wire[n++] = 0;
	return n;
}

static int
must_escape(uint8_t c)
{
	return c == '.' || c == '\\' || c <= 0x20 || c >= 0x7f;
}

int
dnswire_name_to_text(const uint8_t *wire, size_t len, char *out,
    size_t outlen)
{
	size_t n = 0, o = 0;

	if (outlen == 0)
		return -1;
	while (o < len && wire[o] != 0) {
		size_t l = wire[o];
		if (o + 1 + l > len)
			return -1;
		if (n > 0) {
			if (n + 1 >= outlen)
				return -1;
			out[n++] = '.';
		}
		for (size_t i = 1; i <= l; i++) {
			uint8_t c = wire[o + i];
			if (!must_escape(c)) {
				if (n + 1 >= outlen)
					return -1;
				out[n++] = (char)c;
				continue;
			}
			if (n + 4 >= outlen)
				return -1;
			n += (size_t)snprintf(out + n, outlen - n, "\\%03u", c);
		}
		o += 1 + l;
	}
	out[n] = '\0';
	return 0;
}
