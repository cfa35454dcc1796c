/*
 * dnswire.h: the DNS vocabulary (RFC 1035 and successors) that every part
 * of reputed shares: record types, classes, opcodes, response codes, and
 * domain names in wire form, read from a message (bounds and compression
 * checked) and converted to and from text. The DNSBL responder
 * (node/dns/) and the Sender-ID resolvers (feeds/resolver_*.c) both stand
 * on it. Library code: no I/O, no allocation, no logging.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_DNSWIRE_H
#define REPUTED_DNSWIRE_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN		12
#define DNS_NAME_MAX		255	/* wire form, with the root label */
#define DNS_LABEL_MAX		63
/* A name as text: each byte of a label may be escaped as \DDD. */
#define DNS_NAME_TEXT_MAX	(4 * DNS_NAME_MAX + 1)

/* RR types (RFC 1035 3.2.2, 3596, 6891, 7208, 1995, 5936). */
enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_PTR = 12,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_AAAA = 28,
	DNS_T_OPT = 41,
	DNS_T_SPF = 99,		/* obsolete (RFC 7208 3.1); in test suites */
	DNS_T_IXFR = 251,
	DNS_T_AXFR = 252,
	DNS_T_MAILB = 253,
	DNS_T_MAILA = 254,
	DNS_T_ANY = 255,
};
enum dns_class { DNS_C_IN = 1, DNS_C_CH = 3, DNS_C_ANY = 255 };
enum dns_opcode { DNS_OP_QUERY = 0, DNS_OP_NOTIFY = 4 };
enum dns_rcode {
	DNS_R_NOERROR = 0, DNS_R_FORMERR = 1, DNS_R_SERVFAIL = 2,
	DNS_R_NXDOMAIN = 3, DNS_R_NOTIMP = 4, DNS_R_REFUSED = 5,
	DNS_R_BADVERS = 16,	/* extended: needs OPT */
	DNS_R_COUNT = 17
};

/* "A", "MX", ...; "?" for a type not above. */
const char *dns_type_name(enum dns_type type);
/* "NOERROR", "NXDOMAIN", ...; "OTHER" for a code not above. */
const char *dns_rcode_name(int rcode);

static inline unsigned
dnswire_get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * Reads the name at *off of msg (len bytes) into wire, as it is on the
 * wire (case kept), following compression pointers (RFC 1035 4.1.4). A
 * pointer must point strictly before itself, so a loop cannot happen; the
 * name may not exceed DNS_NAME_MAX bytes; obsolete label types (0x40,
 * 0x80) are refused. On success *off is past the name in msg (past the
 * first pointer, if any) and the length of wire is returned; 0 if the
 * name is malformed (*off unchanged).
 */
size_t dnswire_name_read(const uint8_t *msg, size_t len, size_t *off,
    uint8_t wire[DNS_NAME_MAX]);
/* Lowercases the ASCII letters of a wire name of len bytes in place. */
void dnswire_name_lower(uint8_t *wire, size_t len);
/*
 * "example.com" or "example.com." to wire form; lowercased when lower is
 * true. Returns the length, 0 if a label is empty or longer than 63 bytes
 * or the name longer than 255. No escapes: a text name here is a host
 * name from a config file or a domain subject.
 */
size_t dnswire_name_from_text(const char *text, uint8_t wire[DNS_NAME_MAX],
    int lower);
/*
 * A wire name (as dnswire_name_read gives it) to text without the final
 * dot ("" for the root); a byte of a label that is '.', '\\', a space or
 * control character or not ASCII is written \DDD. 0 or -1 if it does not
 * fit in out (outlen >= DNS_NAME_TEXT_MAX always fits).
 */
int dnswire_name_to_text(const uint8_t *wire, size_t len, char *out,
    size_t outlen);

#endif
