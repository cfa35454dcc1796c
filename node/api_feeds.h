/*
 * api_feeds.h: POST /v1/feeds/{arf,xarf,dmarc,auto} on the local API: the
 * raw abuse-report message as the body (feeds/complaint.h reads it with
 * the config's `feeds:` clause); the reports it gives are stored as
 * POST /v1/reports stores them (api_submit), after the node's Sender-ID
 * evaluation when that is on.
 *
 *   200 {"accepted":N,...}              as POST /v1/reports (reports made)
 *   200 {"skipped":REASON,"why":TEXT}   a report with nothing to learn
 *   422 {"refused":REASON,"error":TEXT} bad input; nothing stored
 *
 * An S/MIME signed message (feeds/smime.c) whose signer validates on the
 * federation's paths (the anchors and CRL of peer links, node/peer/pki.c,
 * and the CAs and CRLs learned by the peer layer: api_feeds_share_pki)
 * is read from its signed part, and the reply carries X-Reputed-Signed-By
 * (the organisation id and the signer); `feeds: signed: require` refuses
 * any other (422, reason unsigned / bad-signature / untrusted-signer).
 * With signed: optional such a message counts as this node's own.
 * The reports of a verified message carry its signature (an Attestation,
 * node/attest.c) when the signed part may travel, so that they count for
 * the signer's organisation at every node; X-Reputed-Attested says
 * whether they do.
 *
 * Counters go to GET /metrics (reputed_feed_messages_total by format and
 * outcome, reputed_feed_refused_total by reason, reputed_feed_attested_
 * total, and reputed_attested_reports_total by the verdict of attest.c
 * on the attested reports of every applied batch).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_API_FEEDS_H
#define REPUTED_API_FEEDS_H

struct api;
struct api_feeds;
struct pki;
struct node_conf;

struct attest;

/* Routes the four paths on a and registers the counters. conf is
 * borrowed (the daemon's config: it stays put across a reload); its
 * feeds: clause, and its peering: trust-anchor and crl for S/MIME signed
 * complaints, which attest (borrowed) checks attested reports with too.
 * NULL if the API has no room. */
struct api_feeds *api_feeds_attach(struct api *a, const struct node_conf *conf,
    struct attest *attest);
/* From then on, signed complaints and attested reports are checked with
 * the peer links' trust store (borrowed, node/peer/peer.c peers_pki: the
 * same anchors and CRL file, and the CAs and CRLs learned from the
 * member directory), reloaded by the peer layer; NULL: none (before
 * peers_stop). */
void api_feeds_share_pki(struct api_feeds *f, struct pki *p);
/* SIGHUP: the trust anchors and CRL of conf, read again (for signed
 * complaints and attested reports alike), unless the peer links' are
 * shared. -1, logged, when one does not load: the old ones stay. */
int api_feeds_reload(struct api_feeds *f, const struct node_conf *conf);
/* What the trust store in use says (pki_fingerprint; zeros: none). */
void api_feeds_trust_fingerprint(struct api_feeds *f, unsigned char out[32]);
void api_feeds_free(struct api_feeds *f);

#endif
