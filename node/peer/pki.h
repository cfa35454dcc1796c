/*
 * pki.h: identity and trust for the peer network (the Bridge-CA model).
 *
 * Making things (used by reputectl ca / cert):
 *   - an organisation CA: Ed25519, self-signed;
 *   - a node certificate for an existing node Ed25519 key, issued by an
 *     organisation CA (the same key signs the node's batches);
 *   - an abuse desk's S/MIME signer certificate (node-less members sign
 *     complaints with it, docs/FEEDS.md) for a P-256 key, issued by an
 *     organisation CA (OpenSSL 3.0's CMS cannot sign with Ed25519);
 *   - a bridge CA: a self-signed CA that cross-certifies organisation CAs
 *     (a cross certificate has the organisation CA's name and key, and the
 *     bridge as issuer), so members of every organisation trust the bridge
 *     only and need no n:n cross-certification;
 *   - CRLs issued by any of these CAs.
 *
 * Checking things (used by peer.c and gossip.c): struct pki is a trust
 * store: anchors (files from the config), CRLs (files, and CRLs learned from
 * the member directory, accepted only when signed by a known CA), untrusted
 * intermediates (CA and cross certificates from the directory). Path
 * validation is OpenSSL's, at a time the caller passes in (the gossip core
 * has no clock). Library-like: no logging, no globals; errors in err.
 *
 * All X509 / EVP_PKEY objects returned are owned by the caller.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_PKI_H
#define REPUTED_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "proto/proto.h"

#define PKI_MAX_INTERMEDIATES 1024 /* directory-learned CA certs kept */
#define PKI_MAX_UNVERIFIED    128  /* ... of them not validating here */
#define PKI_MAX_CRLS	      256

/* What to put into a new certificate. */
struct pki_cert_opts {
	const char *org;    /* O=, may be NULL */
	const char *cn;	    /* CN=, required */
	int64_t not_before; /* Unix seconds; 0 = now - 60 s */
	uint32_t days;	    /* validity from not_before */
	bool ca;	    /* basicConstraints CA:TRUE, keyCertSign, cRLSign */
	int pathlen;	    /* for a CA: -1 = unlimited */
	bool smime;	    /* end entity: emailProtection, not TLS */
	const char *email;  /* smime: subjectAltName rfc822Name, may be NULL */
};

/* ---- making ---- */
EVP_PKEY *pki_key_generate(void);
/* A P-256 key, for an S/MIME signer (issue with .smime set). */
EVP_PKEY *pki_signer_key_generate(void);
/* Self-signed CA (organisation or bridge root). */
X509 *pki_ca_new(EVP_PKEY *key, const struct pki_cert_opts *o, char *err,
    size_t errlen);
/* A certificate for subject_key issued by issuer/issuer_key. With
 * o->smime: keyUsage digitalSignature, extendedKeyUsage emailProtection,
 * o->email (ASCII, one '@') as subjectAltName; NULL and err for an
 * address that is not one. */
X509 *pki_cert_issue(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *subject_key,
    const struct pki_cert_opts *o, char *err, size_t errlen);
/* Cross-certifies ca (its subject name and key) by the bridge. */
X509 *pki_cross_certify(X509 *bridge, EVP_PKEY *bridge_key, X509 *ca,
    uint32_t days, char *err, size_t errlen);
/* A CRL by ca listing the serials of the certs in revoked (n may be 0);
 * if old is non-NULL its entries are kept. Valid for days. */
X509_CRL *pki_crl_new(X509 *ca, EVP_PKEY *ca_key, X509_CRL *old,
    X509 *const *revoked, size_t n, uint32_t days, char *err, size_t errlen);

/* PEM files. Loaders return NULL with err set. Savers write mode 0644
 * (keys 0600) through a temporary file and rename. */
EVP_PKEY *pki_load_key(const char *path, char *err, size_t errlen);
/* A signer's key: P-256 only. */
EVP_PKEY *pki_load_signer_key(const char *path, char *err, size_t errlen);
X509 *pki_load_cert(const char *path, char *err, size_t errlen);
/* Every certificate in a PEM file (a chain). Caller frees with
 * sk_X509_pop_free(sk, X509_free). */
STACK_OF(X509) * pki_load_certs(const char *path, char *err, size_t errlen);
X509_CRL *pki_load_crl(const char *path, char *err, size_t errlen);
int pki_save_key(const char *path, EVP_PKEY *key, char *err, size_t errlen);
int pki_save_cert(const char *path, X509 *const *certs, size_t n, char *err,
    size_t errlen);
int pki_save_crl(const char *path, X509_CRL *crl, char *err, size_t errlen);

/* ---- keys ---- */
/* The raw Ed25519 public key of a certificate; -1 if not Ed25519. */
int pki_cert_pubkey(X509 *cert, uint8_t pub[ED25519_KEY_LEN]);
int pki_key_pubkey(EVP_PKEY *key, uint8_t pub[ED25519_KEY_LEN]);
/* Hex (64 digits, either case) to a key. */
int pki_pin_parse(const char *hex, uint8_t pub[ED25519_KEY_LEN]);
void pki_pin_format(const uint8_t pub[ED25519_KEY_LEN], char hex[65]);
bool pki_cert_is_ca(X509 *cert);

/* ---- checking ---- */
struct pki;

struct pki *pki_new(void);
void pki_free(struct pki *p);
/* Trust anchors: every certificate in a PEM file. */
int
pki_add_anchor_file(struct pki *p, const char *path, char *err, size_t errlen);
int pki_add_anchor(struct pki *p, X509 *cert); /* takes its own ref */
/* Replaces every anchor by those of the n files (a reload); learned CAs
 * and CRLs stay. -1 and err if a file does not load: nothing changes. */
int pki_replace_anchors(struct pki *p, const char *const *paths, int n,
    char *err, size_t errlen);
/* A CRL file from the config (trusted as configured: its issuer need not
 * be known yet, but it is checked against its issuer at validation). */
int pki_add_crl_file(struct pki *p, const char *path, char *err, size_t errlen);
/* Reads a CRL file again (after SIGHUP): it replaces the CRL held for the
 * same issuer, whatever its date (the operator's file is authoritative). */
int
pki_reload_crl_file(struct pki *p, const char *path, char *err, size_t errlen);
/* Learned from the directory: a CA certificate (kept as an untrusted
 * intermediate). 1 = new, 0 = known already, -1 = rejected (not a CA,
 * self-signed, not Ed25519). One that does not validate here at now is
 * kept too (a peer with other anchors may need it), but at most
 * PKI_MAX_UNVERIFIED of those: the oldest goes first. */
int pki_learn_ca(struct pki *p, X509 *cert, int64_t now);
/* Learned from the directory: a CRL, kept only if its signature verifies
 * against an anchor or a learned CA that itself validates, and if it is
 * newer than the one held for that issuer. 1 = new, 0 = not newer,
 * -1 = rejected. */
int pki_learn_crl(struct pki *p, X509_CRL *crl, int64_t now);
/* Path validation of leaf at time now (Unix seconds), with CRL checks
 * where CRLs are held, using chain (may be NULL) and learned CAs as
 * untrusted intermediates. 0 = valid; -1 with OpenSSL's reason in err.
 * *revoked (if non-NULL) tells a revocation from other failures. */
int pki_verify(struct pki *p, X509 *leaf, STACK_OF(X509) * chain, int64_t now,
    bool *revoked, char *err, size_t errlen);
/* The organisation of a member certificate that validates at now: the
 * SHA-256 of the public key (DER SubjectPublicKeyInfo) of the CA that
 * issued it. The same at every node and on every path (an organisation's
 * own root, or its cross-certificate from a bridge: one key). 0, or -1
 * when the certificate does not validate. */
#define PKI_ORG_ID_LEN 32
int pki_cert_org(struct pki *p, X509 *leaf, STACK_OF(X509) * chain,
    int64_t now, uint8_t org[PKI_ORG_ID_LEN]);
/* pki_cert_org at a past time when (Unix seconds), as for a signature
 * made then (node/attest.c): the CRLs held now speak for that time too,
 * whenever they were issued, for the certificates they say were revoked
 * at or before it (a later revocation date is passed over). 0, or -1
 * with the reason in err (*revoked, if not NULL, tells a revocation). */
int pki_cert_org_at(struct pki *p, X509 *leaf, STACK_OF(X509) * chain,
    int64_t when, bool *revoked, char *err, size_t errlen,
    uint8_t org[PKI_ORG_ID_LEN]);
/* SHA-256 over the anchors and the CRLs held (DER, in order): equal
 * while what they say is the same, whatever was reloaded or learned. */
void pki_fingerprint(struct pki *p, uint8_t out[32]);
/* A counter bumped whenever anchors, CAs or CRLs change: callers that cache
 * verdicts revalidate when it moved. */
uint64_t pki_generation(const struct pki *p);
/* Every learned CA and CRL, DER-encoded, for a Directory frame: fn is
 * called once per item; is_crl says which. */
typedef void (
    *pki_each_fn)(void *arg, bool is_crl, const uint8_t *der, size_t len);
void pki_each_learned(struct pki *p, pki_each_fn fn, void *arg);

#endif
