/*
 * smime.c: S/MIME signed messages (RFC 8551) with OpenSSL's CMS: whether
 * a message is signed (multipart/signed with an application/pkcs7-
 * signature part, or application/pkcs7-mime signed-data), and if so,
 * whether the signature verifies over the content, who signed it (the
 * signer certificate and the certificates the message carries) and what
 * was signed. The signer's path to a trust anchor is the caller's to
 * check (node/peer/pki.c, as for peer links): this file holds no trust.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "feeds/complaint.h"

/* The top-level Content-Type says S/MIME signed. */
static bool
smime_is_signed(const char *msg, size_t len)
{
	struct mime_msg m;
	char err[128], st[32];
	bool is = false;

	/* the header alone: a message cut after its empty line */
	const char *end = memmem(msg, len, "\n\n", 2);
	const char *crlf = memmem(msg, len, "\r\n\r\n", 4);
	size_t hl = end ? (size_t)(end - msg) + 2 : len;

	if (crlf != NULL && (size_t)(crlf - msg) + 4 < hl)
		hl = (size_t)(crlf - msg) + 4;
	if (mime_parse(msg, hl, &m, err, sizeof(err)) != MIME_OK) {
		/* a multipart/signed header with no body parts: still look */
		return memmem(msg, hl, "multipart/signed", 16) != NULL;
	}
	const char *ct = mime_field(&m.parts[0].hdr, "Content-Type");
	if (strcmp(m.parts[0].type, "multipart/signed") == 0)
		is = true;
	else if ((strcmp(m.parts[0].type, "application/pkcs7-mime") == 0 ||
	    strcmp(m.parts[0].type, "application/x-pkcs7-mime") == 0) &&
	    ct != NULL && (!mime_param(ct, "smime-type", st, sizeof(st)) ||
	    strcasecmp(st, "signed-data") == 0))
		is = true;
	mime_free(&m);
	return is;
}

static void
ssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[160];

	ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", e ? buf : "");
	ERR_clear_error();
}

/* The signature without the content it carries, if any (detaching
 * leaves the signature whole: it is over the content's digest), as DER
 * into s->cms: what travels beside the signed part (docs/FEEDS.md). */
static int
smime_detached_der(CMS_ContentInfo *cms, struct smime_signed *s, char *err,
    size_t errlen)
{
	unsigned char *der = NULL;
	int len;

	if (CMS_set_detached(cms, 1) != 1 ||
	    (len = i2d_CMS_ContentInfo(cms, &der)) <= 0) {
		ssl_error(err, errlen, "S/MIME: cannot encode the signature");
		return -1;
	}
	if ((s->cms = malloc((size_t)len)) == NULL) {
		OPENSSL_free(der);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(s->cms, der, (size_t)len);
	s->cms_len = (size_t)len;
	OPENSSL_free(der);
	return 0;
}

enum smime_status
smime_open(const char *msg, size_t len, struct smime_signed *s, char *err,
    size_t errlen)
{
	BIO *in = NULL, *bcont = NULL, *out = NULL;
	CMS_ContentInfo *cms = NULL;
	STACK_OF(X509) *signers = NULL;
	enum smime_status st = SMIME_BAD_SIGNATURE;
	BUF_MEM *bm;

	memset(s, 0, sizeof(*s));
	if (!smime_is_signed(msg, len))
		return SMIME_UNSIGNED;
	if (len > INT32_MAX || (in = BIO_new_mem_buf(msg, (int)len)) == NULL ||
	    (out = BIO_new(BIO_s_mem())) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if ((cms = SMIME_read_CMS(in, &bcont)) == NULL) {
		ssl_error(err, errlen, "an unreadable S/MIME signature");
		goto done;
	}
	/* the signature over the content; the signer's path is checked by
	 * the caller against the federation's anchors and CRLs */
	if (CMS_verify(cms, NULL, NULL, bcont, out,
	    CMS_NO_SIGNER_CERT_VERIFY) != 1) {
		ssl_error(err, errlen, "the S/MIME signature does not verify "
		    "(altered after signing?)");
		goto done;
	}
	signers = CMS_get0_signers(cms);
	if (signers == NULL || sk_X509_num(signers) != 1) {
		snprintf(err, errlen, "S/MIME: not exactly one signer");
		goto done;
	}
	s->signer = sk_X509_value(signers, 0);
	X509_up_ref(s->signer);
	s->certs = CMS_get1_certs(cms);
	BIO_get_mem_ptr(out, &bm);
	if ((s->content = malloc(bm->length + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	memcpy(s->content, bm->data, bm->length);
	s->content[bm->length] = '\0';
	s->len = bm->length;
	if (smime_detached_der(cms, s, err, errlen) != 0)
		goto done;
	st = SMIME_SIGNED;
done:
	sk_X509_free(signers);
	if (st != SMIME_SIGNED)
		smime_clear(s);
	CMS_ContentInfo_free(cms);
	BIO_free(bcont);
	BIO_free(out);
	BIO_free(in);
	return st;
}

void
smime_clear(struct smime_signed *s)
{
	X509_free(s->signer);
	if (s->certs != NULL)
		sk_X509_pop_free(s->certs, X509_free);
	free(s->content);
	free(s->cms);
	memset(s, 0, sizeof(*s));
}

/* The one signer of a verified cms, and its certificates, into s. */
static int
smime_take_signer(CMS_ContentInfo *cms, struct smime_signed *s, char *err,
    size_t errlen)
{
	STACK_OF(X509) *signers = CMS_get0_signers(cms);
	int rc = -1;

	if (signers == NULL || sk_X509_num(signers) != 1)
		snprintf(err, errlen, "S/MIME: not exactly one signer");
	else {
		s->signer = sk_X509_value(signers, 0);
		X509_up_ref(s->signer);
		s->certs = CMS_get1_certs(cms);
		rc = 0;
	}
	sk_X509_free(signers);
	return rc;
}

enum smime_status
smime_verify(const uint8_t *der, size_t der_len, const uint8_t *content,
    size_t len, struct smime_signed *s, char *err, size_t errlen)
{
	const unsigned char *p = der;
	CMS_ContentInfo *cms = NULL;
	BIO *in = NULL, *mem = NULL;
	enum smime_status st = SMIME_BAD_SIGNATURE;

	memset(s, 0, sizeof(*s));
	if (der_len == 0 || der_len > SMIME_CMS_MAX || len > INT32_MAX) {
		snprintf(err, errlen, "S/MIME: a signature of %zu bytes",
		    der_len);
		return st;
	}
	if ((cms = d2i_CMS_ContentInfo(NULL, &p, (long)der_len)) == NULL ||
	    p != der + der_len) {
		ssl_error(err, errlen, "S/MIME: unreadable CMS");
		goto done;
	}
	if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed ||
	    CMS_is_detached(cms) != 1) {
		snprintf(err, errlen, "S/MIME: not a detached SignedData");
		goto done;
	}
	/* behind a null filter: OpenSSL 3.0's CMS_verify copies a memory
	 * BIO into one of its own and leaks that copy when the CMS names a
	 * digest it cannot set up (found by attest_fuzz) */
	if ((in = BIO_new(BIO_f_null())) == NULL ||
	    (mem = BIO_new_mem_buf(content, (int)len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	in = BIO_push(in, mem);
	mem = NULL;
	if (CMS_verify(cms, NULL, NULL, in, NULL, CMS_NO_SIGNER_CERT_VERIFY |
	    CMS_BINARY) != 1) {
		ssl_error(err, errlen, "the S/MIME signature does not verify "
		    "over the signed part");
		goto done;
	}
	if (smime_take_signer(cms, s, err, errlen) == 0)
		st = SMIME_SIGNED;
done:
	if (st != SMIME_SIGNED)
		smime_clear(s);
	ERR_clear_error();
	CMS_ContentInfo_free(cms);
	BIO_free(mem);
	BIO_free_all(in);
	return st;
}
