/*
 * mime.h: a small MIME reader (RFC 2045, 2046) over the header reader of
 * rfc5322.c. Sans-I/O and library-like: bytes in, a tree of parts out; no
 * logging, no globals. Shared by the abuse-report feeds (complaint.h) and
 * anything else that must look inside a message.
 *
 * What it does: line ends CRLF, LF or a lone CR (all read as LF), header
 * unfolding, Content-Type with its parameters, multipart nesting and
 * message/rfc822 parts (both descended into), base64 and quoted-printable
 * bodies decoded, text/rfc822-headers (RFC 6522) and
 * message/feedback-report (RFC 5965) bodies read as a header section (the
 * part's one child). RFC 2047 encoded words are not decoded: no field the
 * feeds keep may hold one (RFC 2047 section 5 keeps them out of addresses).
 *
 * Limits (outside data): MIME_MAX_DEPTH levels of nesting, MIME_MAX_PARTS
 * parts, RFC5322_MAX_FIELDS fields per header. Over a limit the whole
 * message is refused with the reason.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_MIME_H
#define REPUTED_MIME_H

#include <stdbool.h>
#include <stddef.h>

#include "feeds/feeds.h"

#define MIME_MAX_DEPTH	8	/* multipart / message/rfc822 levels */
#define MIME_MAX_PARTS	256	/* parts in one message, all levels */
#define MIME_TYPE_MAX	96

enum mime_status {
	MIME_OK,
	MIME_NOT_MESSAGE,	/* no header section at all */
	MIME_MALFORMED,		/* a header or multipart structure is broken */
	MIME_BAD_ENCODING,	/* broken base64, unknown transfer encoding */
	MIME_TOO_DEEP,		/* nested deeper than MIME_MAX_DEPTH */
	MIME_TOO_MANY,		/* more than MIME_MAX_PARTS parts */
	MIME_NO_MEMORY,
};

/* One part. parts[0] is the message itself. */
struct mime_part {
	struct rfc5322_header hdr;	/* its header fields (in the arena:
					 * never rfc5322_clear them) */
	char	 type[MIME_TYPE_MAX];	/* "type/subtype", lowercase;
					 * text/plain if none is given */
	char	 boundary[72];		/* multipart: the boundary */
	char	 report_type[48];	/* multipart/report: report-type */
	const char *body;		/* the decoded body (borrowed from the
					 * mime_msg, valid until mime_free) */
	size_t	 body_len;
	int	 parent;		/* index of the enclosing part; -1 */
	int	 depth;			/* 0 for the message */
	char	*owned;			/* decoded copy, if any (in the arena) */
};

struct mime_msg {
	char	*text;			/* the input, line ends made LF */
	size_t	 len;
	struct mime_part *parts;	/* owned; in document order */
	size_t	 nparts;
	struct mime_chunk *arena;	/* fields and decoded bodies */
};

/* Reads msg[0..len). On MIME_OK, m holds the tree (free with mime_free);
 * otherwise m is empty and err says why. */
enum mime_status mime_parse(const char *msg, size_t len, struct mime_msg *m,
	    char *err, size_t errlen);
void	 mime_free(struct mime_msg *m);
/* The first field called name (case-insensitive) in hdr, or NULL. */
const char *mime_field(const struct rfc5322_header *hdr, const char *name);
/* The index of the first part of type (lowercase) below part `under`
 * (any depth; -1: anywhere), or -1. */
int	 mime_find(const struct mime_msg *m, int under, const char *type);
/* A parameter of a structured field value such as Content-Type
 * ("text/plain; charset=us-ascii"): copied, unquoted, into out. false if
 * the value has no such parameter (or it does not fit). */
bool	 mime_param(const char *value, const char *name, char *out,
	    size_t outlen);
/* Normalises CRLF and lone CR to LF; returns the new length. dst needs
 * len + 1 bytes (NUL-terminated). */
size_t	 mime_lf(const char *src, size_t len, char *dst);
const char *mime_status_name(enum mime_status s);

#endif
