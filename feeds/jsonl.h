/*
 * jsonl.h: one abuse report as a JSON object -> a Reputed__Report, for the
 * local API (POST /v1/reports) and `reputectl report --jsonl`. Library
 * code: no I/O, no logging; errors come back in a caller buffer.
 *
 * The object (unknown fields are an error, so a typo is not silently lost):
 *   exactly one of "ip" (address or prefix), "domain", "subject" (either)
 *   "category"     spam, phishing, malware, botnet, scanning, brute-force,
 *                  ddos, fraud, not-spam (required)
 *   "confidence"   1..100 (default 100)
 *   "observed_at"  Unix milliseconds (default: now)
 *   "ttl"          seconds the report stays relevant (default: policy)
 *   mail evidence: "client_ip", "helo", "mail_from", "pra" (strings) and
 *   "spf_helo", "spf_mail_from", "sender_id" (none, neutral, pass, fail,
 *   softfail, temperror, permerror)
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_JSONL_H
#define REPUTED_JSONL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "reputation/reputation.h"

#define JSONL_HELO_MAX		255	/* RFC 5321 4.5.3.1.2: a domain */
#define JSONL_PATH_MAX		256	/* RFC 5321 4.5.3.1.3: a path */

/* A report and the storage it points into: `report` borrows from the other
 * fields, so keep the struct alive (and unmoved) while report is used. No
 * heap memory: nothing to free. */
struct jsonl_report {
	Reputed__Report report;
	Reputed__Subject subject;
	Reputed__MailEvidence mail;
	struct subject subj;		/* the parsed subject */
	uint8_t client_ip[16];
	char helo[JSONL_HELO_MAX + 1];
	char mail_from[JSONL_PATH_MAX + 1];
	char pra[JSONL_PATH_MAX + 1];
	Reputed__Attestation attestation;	/* storage for a caller that
					 * points report.attestation here (its
					 * bytes are the caller's) */
};

/* Parses one JSON object of len bytes (need not be NUL-terminated). now is
 * the default observed_at (Unix ms). 0, or -1 with err. */
int jsonl_parse_report(const char *json, size_t len, uint64_t now,
	    struct jsonl_report *out, char *err, size_t errlen);
/* The same from a parsed jansson object (borrowed). */
int jsonl_report_from_json(const json_t *obj, uint64_t now,
	    struct jsonl_report *out, char *err, size_t errlen);

#endif
