/*
 * subject.c: what a report is about, in text, on the wire and as an LMDB
 * key. IPv4 and IPv6 addresses and prefixes (IPv4-mapped IPv6 becomes IPv4,
 * so one host has one key) and domain names (lowercase A-labels, RFC 1035
 * lengths).
 *
 * Keys sort usefully: addresses are big-endian bytes, so a prefix is a
 * contiguous range; domains keep their labels from the top down, each
 * closed by 0x00, so a domain and its subdomains share a key prefix.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reputation/reputation.h"

static const uint8_t v4mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };

bool
addr_mask(uint8_t *addr, size_t addrlen, unsigned prefix_len)
{
	bool had = false;
	for (unsigned i = 0; i < addrlen; i++) {
		unsigned keep = prefix_len >= 8 * (i + 1) ? 8 :
		    prefix_len > 8 * i ? prefix_len - 8 * i : 0;
		uint8_t mask = keep == 8 ? 0xff : (uint8_t)(0xff00 >> keep);
		if (addr[i] & ~mask)
			had = true;
		addr[i] &= mask;
	}
	return had;
}

int
subject_from_addr(const uint8_t *addr, size_t len, unsigned prefix_len,
    struct subject *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len == 16 && memcmp(addr, v4mapped, 12) == 0) {
		if (prefix_len != 0 && prefix_len < 96) {
			snprintf(err, errlen, "IPv4-mapped prefix /%u is "
			    "shorter than /96", prefix_len);
			return -1;
		}
		addr += 12;
		len = 4;
		prefix_len = prefix_len ? prefix_len - 96 : 0;
	}
	if (len != 4 && len != 16) {
		snprintf(err, errlen, "address of %zu bytes (need 4 or 16)",
		    len);
		return -1;
	}
	unsigned bits = 8 * (unsigned)len;
	if (prefix_len == 0)
		prefix_len = bits;
	if (prefix_len > bits) {
		snprintf(err, errlen, "prefix length /%u is longer than /%u",
		    prefix_len, bits);
		return -1;
	}
	out->kind = len == 4 ? SUBJECT_IPV4 : SUBJECT_IPV6;
	out->prefix_len = (uint8_t)prefix_len;
	memcpy(out->addr, addr, len);
	if (addr_mask(out->addr, len, prefix_len)) {
		snprintf(err, errlen, "prefix has host bits set past /%u",
		    prefix_len);
		return -1;
	}
	return 0;
}

static int
check_label(const char *label, size_t len, bool first, char *err,
    size_t errlen)
{
	if (len == 0) {
		snprintf(err, errlen, "empty label in domain name");
		return -1;
	}
	if (len > LABEL_MAX) {
		snprintf(err, errlen, "label of %zu characters (at most 63)",
		    len);
		return -1;
	}
	if (len == 1 && label[0] == '*')
		return first ? 0 : (snprintf(err, errlen, "'*' is allowed "
		    "only as the first label"), -1);
	if (label[0] == '-' || label[len - 1] == '-') {
		snprintf(err, errlen, "label '%.*s' starts or ends with '-'",
		    (int)len, label);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)label[i];
		if (!isalnum(c) && c != '-' && c != '_') {
			snprintf(err, errlen, "character '%c' not allowed in "
			    "a domain name", c);
			return -1;
		}
	}
	return 0;
}

static bool
all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
subject_parse_domain(const char *text, struct subject *out, char *err,
    size_t errlen)
{
	size_t len = strlen(text);
	memset(out, 0, sizeof(*out));
	if (len > 0 && text[len - 1] == '.')
		len--;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)text[i] >= 0x80) {
			snprintf(err, errlen, "non-ASCII domain name: give its "
			    "A-label (xn--...)");
			return -1;
		}
	}
	if (len == 0 || len > DOMAIN_MAX) {
		snprintf(err, errlen, "domain name of %zu characters (1 to "
		    "253)", len);
		return -1;
	}
	size_t start = 0, labels = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != '.')
			continue;
		if (check_label(text + start, i - start, labels == 0, err,
		    errlen) != 0)
			return -1;
		labels++;
		if (i == len && all_digits(text + start, i - start)) {
			snprintf(err, errlen, "'%.*s' is neither an IP address "
			    "nor a domain (all-numeric top-level label)",
			    (int)len, text);
			return -1;
		}
		start = i + 1;
	}
	if (labels < 2) {
		snprintf(err, errlen, "'%.*s' is not a domain: it needs at "
		    "least two labels", (int)len, text);
		return -1;
	}
	out->kind = SUBJECT_DOMAIN;
	for (size_t i = 0; i < len; i++)
		out->domain[i] = (char)tolower((unsigned char)text[i]);
	out->domain[len] = '\0';
	return 0;
}

static int
parse_prefix_len(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long n = strtoul(s, &end, 10);
	if (*s == '\0' || !isdigit((unsigned char)*s) || *end != '\0' ||
	    errno != 0 || n > 128 || n == 0)
		return -1;
	*out = (unsigned)n;
	return 0;
}

int
subject_parse(const char *text, struct subject *out, char *err,
    size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	uint8_t addr[16];
	unsigned plen = 0;
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);

	if (alen < sizeof(buf)) {
		memcpy(buf, text, alen);
		buf[alen] = '\0';
		bool v4 = inet_pton(AF_INET, buf, addr) == 1;
		if (v4 || inet_pton(AF_INET6, buf, addr) == 1) {
			if (slash && parse_prefix_len(slash + 1, &plen) != 0) {
				snprintf(err, errlen, "bad prefix length in "
				    "'%s'", text);
				return -1;
			}
			return subject_from_addr(addr, v4 ? 4 : 16, plen, out,
			    err, errlen);
		}
	}
	if (slash) {
		snprintf(err, errlen, "'%s' is not an IP prefix", text);
		return -1;
	}
	return subject_parse_domain(text, out, err, errlen);
}

int
subject_from_proto(const Reputed__Subject *pb, struct subject *out,
    char *err, size_t errlen)
{
	bool has_addr = pb->addr.len > 0;
	bool has_domain = pb->domain != NULL && pb->domain[0] != '\0';
	if (has_addr == has_domain) {
		snprintf(err, errlen, "subject must have exactly one of an "
		    "address or a domain");
		return -1;
	}
	if (has_addr)
		return subject_from_addr(pb->addr.data, pb->addr.len,
		    pb->prefix_len, out, err, errlen);
	if (pb->prefix_len != 0) {
		snprintf(err, errlen, "domain subject with a prefix length");
		return -1;
	}
	if (subject_parse_domain(pb->domain, out, err, errlen) != 0)
		return -1;
	if (strcmp(out->domain, pb->domain) != 0) {
		snprintf(err, errlen, "domain '%.64s' is not normalised",
		    pb->domain);
		return -1;
	}
	return 0;
}

void
subject_to_proto(const struct subject *s, Reputed__Subject *pb)
{
	reputed__subject__init(pb);
	if (s->kind == SUBJECT_DOMAIN) {
		pb->domain = (char *)s->domain;
		return;
	}
	pb->addr.data = (uint8_t *)s->addr;
	pb->addr.len = s->kind == SUBJECT_IPV4 ? 4 : 16;
	unsigned bits = 8 * (unsigned)pb->addr.len;
	pb->prefix_len = s->prefix_len == bits ? 0 : s->prefix_len;
}

size_t
subject_format(const struct subject *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int n;
	if (s->kind == SUBJECT_DOMAIN)
		n = snprintf(buf, len, "%s", s->domain);
	else {
		int af = s->kind == SUBJECT_IPV4 ? AF_INET : AF_INET6;
		unsigned bits = s->kind == SUBJECT_IPV4 ? 32 : 128;
		inet_ntop(af, s->addr, a, sizeof(a));
		if (s->prefix_len == bits)
			n = snprintf(buf, len, "%s", a);
		else
			n = snprintf(buf, len, "%s/%u", a, s->prefix_len);
	}
	return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

size_t
subject_key(const struct subject *s, uint8_t key[SUBJECT_KEY_MAX])
{
	if (s->kind != SUBJECT_DOMAIN) {
		size_t alen = s->kind == SUBJECT_IPV4 ? 4 : 16;
		key[0] = (uint8_t)s->kind;
		memcpy(key + 1, s->addr, alen);
		key[1 + alen] = s->prefix_len;
		return alen + 2;
	}
	/* Labels from the top: "mail.example.com" -> "com\0example\0mail\0". */
	size_t n = 1, end = strlen(s->domain);
	key[0] = SUBJECT_DOMAIN;
	while (end > 0) {
		size_t start = end;
		while (start > 0 && s->domain[start - 1] != '.')
			start--;
		memcpy(key + n, s->domain + start, end - start);
		n += end - start;
		key[n++] = 0;
		end = start ? start - 1 : 0;
	}
	key[n++] = 0;
	return n;
}

static int
domain_from_key(const uint8_t *key, size_t len, struct subject *out)
{
	/* key[1..len-2] is labels each closed by 0; key[len-1] is 0. */
	if (len < 3 || key[len - 1] != 0 || key[len - 2] != 0 ||
	    len - 2 > DOMAIN_MAX + 1)
		return -1;
	size_t pos = 0, end = len - 2;	/* the 0 closing the lowest label */
	char *d = out->domain;
	for (;;) {
		size_t start = end;
		while (start > 1 && key[start - 1] != 0)
			start--;
		size_t l = end - start;
		if (l == 0 || pos + l + 1 > DOMAIN_MAX + 1)
			return -1;
		if (pos > 0)
			d[pos++] = '.';
		memcpy(d + pos, key + start, l);
		pos += l;
		if (start == 1)
			break;
		end = start - 1;
	}
	d[pos] = '\0';
	out->kind = SUBJECT_DOMAIN;
	return 0;
}

int
subject_from_key(const uint8_t *key, size_t len, struct subject *out)
{
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return -1;
	if (key[0] == SUBJECT_DOMAIN)
		return domain_from_key(key, len, out);
	size_t alen = key[0] == SUBJECT_IPV4 ? 4 : key[0] == SUBJECT_IPV6 ?
	    16 : 0;
	if (alen == 0 || len != alen + 2 || key[alen + 1] > 8 * alen)
		return -1;
	out->kind = (enum subject_kind)key[0];
	memcpy(out->addr, key + 1, alen);
	out->prefix_len = key[alen + 1];
	return 0;
}

bool
subject_equal(const struct subject *a, const struct subject *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == SUBJECT_DOMAIN)
		return strcmp(a->domain, b->domain) == 0;
	return a->prefix_len == b->prefix_len &&
	    memcmp(a->addr, b->addr, 16) == 0;
}
