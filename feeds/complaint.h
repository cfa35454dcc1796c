/*
 * complaint.h: abuse reports as ISPs receive them -> reports. Library
 * code (sans-I/O): a message's bytes in, report objects out; no logging,
 * no exit, no clock (the caller passes now).
 *
 *   arf.c        ARF (RFC 5965, with RFC 6591's auth-failure fields): the
 *                message/feedback-report part and the returned message
 *                (message/rfc822) or its header (text/rfc822-headers)
 *   xarf.c       X-ARF v4: the JSON report part
 *   dmarc.c      DMARC aggregate reports (RFC 7489 appendix C, RFC 9990),
 *                XML plain, gzip or zip (libxml2, zlib, libzip)
 *   complaint.c  what each becomes: the subject, category, time and mail
 *                evidence of a report (docs/FEEDS.md has the mapping and
 *                says exactly what is kept), as JSON objects that
 *                feeds/jsonl.c checks like any other report
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_COMPLAINT_H
#define REPUTED_COMPLAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "feeds/feed_conf.h"
#include "feeds/mime.h"

#define FEED_MAX_REPORTS	4096		/* reports from one message */
#define ARF_MAX_AR		8		/* Authentication-Results kept */
#define ARF_ADDR_MAX		(SPF_DOMAIN_MAX + 66)

/* ---- arf.c ---- */

struct arf_report {
	char	 feedback_type[32];	/* lowercase: abuse, fraud, virus,
					 * other, not-spam, auth-failure, ... */
	char	 user_agent[128];
	char	 version[16];
	char	 source_ip[64];
	char	 arrival_date[96];
	char	 original_mail_from[ARF_ADDR_MAX];
	char	 reported_domain[FEED_NAME_MAX];
	bool	 reported_uri;		/* a Reported-URI field was there */
	unsigned incidents;		/* 0: not given */
	unsigned rcpt_to;		/* Original-Rcpt-To fields: counted,
					 * never kept (personal data) */
	/* RFC 6591 */
	char	 auth_failure[32];	/* adsp, bodyhash, revoked, signature,
					 * spf, dmarc */
	char	 delivery_result[32];
	char	 dkim_domain[FEED_NAME_MAX];
	char	 dkim_selector[64];
	char	 spf_dns[FEED_NAME_MAX];	/* first SPF-DNS field */
	/* Authentication-Results of the report part, unfolded (borrowed
	 * from the mime_msg, as returned is) */
	const char *auth_results[ARF_MAX_AR];
	int	 n_auth_results;
	/* the returned message's header section; nfields 0 if none.
	 * Borrowed from the mime_msg: valid until its mime_free. */
	struct rfc5322_header returned;
};

enum arf_status { ARF_OK, ARF_NOT_ARF, ARF_MALFORMED };

/* Finds the feedback report in m (any depth) and reads it. r is to be
 * cleared with arf_clear whatever the outcome. */
enum arf_status arf_parse(const struct mime_msg *m, struct arf_report *r,
	    char *err, size_t errlen);
void	 arf_clear(struct arf_report *r);

/* ---- xarf.c ---- */

struct xarf_report {
	char	 version[16];		/* "4", "4.0.0" */
	char	 cls[32];		/* class / category, lowercase */
	char	 type[48];		/* lowercase, '_' made '-' */
	char	 source[FEED_NAME_MAX];	/* source_identifier / SourceIp */
	char	 timestamp[64];		/* timestamp / Date */
	char	 smtp_from[ARF_ADDR_MAX];
};

enum xarf_status { XARF_OK, XARF_NOT_XARF, XARF_MALFORMED };

/* The X-ARF v4 JSON in m (a JSON part, or the whole body), either the
 * xarf_version / category / type / source_identifier form or the older
 * Version / Report { ReportClass, ReportType, SourceIp } form. */
enum xarf_status xarf_parse(const struct mime_msg *m, struct xarf_report *r,
	    char *err, size_t errlen);
/* The same from JSON text alone. */
enum xarf_status xarf_parse_json(const char *json, size_t len,
	    struct xarf_report *r, char *err, size_t errlen);

/* ---- dmarc.c ---- */

struct dmarc_row {
	char	 source_ip[64];
	uint64_t count;
	char	 disposition[16];	/* policy_evaluated */
	char	 dkim[16];		/* policy_evaluated: pass / fail */
	char	 spf[16];
	char	 header_from[FEED_NAME_MAX];
	char	 envelope_from[FEED_NAME_MAX];
	char	 spf_domain[FEED_NAME_MAX];	/* auth_results/spf */
	char	 spf_result[16];
};

struct dmarc_report {
	int	 format;		/* 1: RFC 7489, 2: RFC 9990 namespace */
	char	 org_name[128];
	char	 report_id[128];
	char	 policy_domain[FEED_NAME_MAX];
	uint64_t begin, end;		/* date_range, Unix seconds */
	struct dmarc_row *rows;		/* owned */
	size_t	 nrows;
};

enum dmarc_status { DMARC_OK, DMARC_NOT_DMARC, DMARC_MALFORMED,
	DMARC_TOO_BIG };

#define DMARC_MAX_ROWS	100000

/* An aggregate report from XML, or gzip / zip of it (by magic bytes),
 * unpacking at most max_unpacked bytes (0: FEED_MAX_UNPACKED). */
enum dmarc_status dmarc_parse(const char *data, size_t len,
	    size_t max_unpacked, struct dmarc_report *r, char *err,
	    size_t errlen);
/* The same for the report attached to m (or m's body). */
enum dmarc_status dmarc_parse_message(const struct mime_msg *m,
	    size_t max_unpacked, struct dmarc_report *r, char *err,
	    size_t errlen);
void	 dmarc_clear(struct dmarc_report *r);

/* ---- complaint.c ---- */

enum feed_format { FEED_AUTO, FEED_ARF, FEED_XARF, FEED_DMARC };

enum feed_outcome {
	FEED_REPORTS,		/* reports holds one or more reports */
	FEED_SKIPPED,		/* a report, but nothing to learn (reason) */
	FEED_REFUSED,		/* bad input (reason); nothing to store */
};

/* Why a message gave no report: one counter each. */
enum feed_reason {
	FR_NONE,
	FR_NOT_REPORT,		/* not a report of the format asked */
	FR_NO_SUBJECT,		/* no usable IP address or domain */
	FR_TOO_BIG,		/* over max_message */
	FR_BOMB,		/* an attachment unpacks past max_unpacked */
	FR_TOO_DEEP,		/* MIME nesting or part count */
	FR_BAD_ENCODING,	/* broken base64, unknown encoding, bad XML */
	FR_MALFORMED,		/* the format's structure is broken */
	FR_IGNORED_TYPE,	/* feedback / report type with no category */
	FR_NOTHING_FAILED,	/* DMARC: no failing row for an own domain */
	FR_UNSIGNED,		/* signed: require, and no S/MIME signature */
	FR_BAD_SIGNATURE,	/* an S/MIME signature that does not verify */
	FR_UNTRUSTED_SIGNER,	/* a signer off the federation's paths:
				 * other anchor, expired, revoked */
	FR_COUNT
};

struct feed_result {
	enum feed_format format;	/* what it was read as */
	enum feed_outcome outcome;
	enum feed_reason reason;
	char	 why[256];		/* the reason, or a one-line summary */
	json_t	*reports;		/* array of report objects (jsonl.h
					 * fields), owned; empty if none */
	size_t	 rows, rows_skipped;	/* DMARC: rows read, rows that gave
					 * no report */
};

/* Reads one message as fmt (FEED_AUTO: whichever it is) and fills res
 * (clear it with feed_result_clear). now: Unix ms, the default time of a
 * report. Returns res->outcome. */
enum feed_outcome feed_parse(const struct feed_conf *fc, enum feed_format fmt,
	    const char *msg, size_t len, uint64_t now, struct feed_result *res);
void	 feed_result_clear(struct feed_result *res);

const char *feed_format_name(enum feed_format f);
int	 feed_format_parse(const char *name, enum feed_format *f);
const char *feed_reason_name(enum feed_reason r);
/* The reason named name (as feed_reason_name gives it), or otherwise. */
enum feed_reason feed_reason_parse(const char *name, enum feed_reason otherwise);

/* ---- smime.c ---- */

#include <openssl/x509.h>

enum smime_status { SMIME_UNSIGNED, SMIME_SIGNED, SMIME_BAD_SIGNATURE };

/* A verified S/MIME message: all owned (smime_clear). */
struct smime_signed {
	X509	*signer;		/* the signer's certificate */
	STACK_OF(X509) *certs;		/* the certificates it carried */
	char	*content;		/* the signed entity (the report) */
	size_t	 len;
	uint8_t	*cms;			/* the signature as detached CMS
					 * SignedData (DER): content and cms
					 * verify again with smime_verify */
	size_t	 cms_len;
};

/* SMIME_UNSIGNED: msg is not S/MIME signed. SMIME_SIGNED: the signature
 * verifies over its content; s holds the signer and the content (the
 * signer's path to an anchor is NOT checked here). SMIME_BAD_SIGNATURE:
 * signed, but it does not verify or cannot be read (err says why). */
enum smime_status smime_open(const char *msg, size_t len,
	    struct smime_signed *s, char *err, size_t errlen);
void	 smime_clear(struct smime_signed *s);
/* A detached CMS SignedData (DER, at most SMIME_CMS_MAX bytes) over
 * content: SMIME_SIGNED with s's signer and certs set (s->content stays
 * NULL: the caller has it), or SMIME_BAD_SIGNATURE with err (unreadable,
 * not detached SignedData, not one signer, does not verify). */
#define SMIME_CMS_MAX	(64u << 10)
enum smime_status smime_verify(const uint8_t *cms, size_t cms_len,
	    const uint8_t *content, size_t len, struct smime_signed *s,
	    char *err, size_t errlen);

/* Authentication-Results (RFC 8601) of a trusted authserv-id: the SPF
 * and Sender ID results in it (auth_result_parse values), or -1 each for
 * none. Returns false if the field's authserv-id is not trusted. */
struct feed_auth {
	int	 spf_mfrom, spf_helo, sender_id;
};
bool	 feed_auth_results(const struct feed_conf *fc, const char *value,
	    struct feed_auth *out);
/* The client IP of a returned header: the first Received hop outside
 * fc's own hosts (RFC 5321 4.4 trace fields, newest first). false if
 * none has an address. helo gets the name that hop gave, or "". */
bool	 feed_received_client(const struct feed_conf *fc,
	    const struct rfc5322_header *hdr, char *ip, size_t iplen,
	    char *helo, size_t helolen);

#endif
