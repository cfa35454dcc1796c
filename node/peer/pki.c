/*
 * pki.c: Ed25519 X.509 certificates, CRLs and path validation for the peer
 * network (see pki.h for the model). Owns struct pki: anchors, learned CA
 * certificates, CRLs, and an X509_STORE rebuilt from them when they change.
 * Calls only OpenSSL: no logging, no clock (times are passed in, except
 * that "now" defaults are taken by the making functions used by reputectl).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "node/peer/pki.h"

struct pki {
	STACK_OF(X509) * anchors; /* trusted roots (configured) */
	STACK_OF(X509) * cas;	  /* learned CA / cross certs (untrusted) */
	uint8_t cas_valid[PKI_MAX_INTERMEDIATES]; /* validated when learned */
	STACK_OF(X509_CRL) * crls; /* configured and learned CRLs */
	X509_STORE *store;	   /* built from anchors + crls; NULL = stale */
	uint64_t generation;	   /* bumped on every change */
};

static void
pki_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[160] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s%s%s", what, e ? ": " : "", buf);
}

EVP_PKEY *
pki_key_generate(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
}

EVP_PKEY *
pki_signer_key_generate(void)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/* ---- making ---- */

static int
pki_name(X509_NAME *n, const struct pki_cert_opts *o)
{
	if (o->org != NULL && *o->org != '\0' &&
	    !X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
		(const unsigned char *)o->org, -1, -1, 0))
		return -1;
	if (o->cn == NULL ||
	    !X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
		(const unsigned char *)o->cn, -1, -1, 0))
		return -1;
	return 0;
}

static int
pki_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int rc = -1;

	if (bn != NULL &&
	    BN_rand(bn, 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL)
		rc = 0;
	BN_free(bn);
	return rc;
}

static int
pki_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* An address fit for an rfc822Name: printable ASCII (an IA5String; no
 * SmtpUTF8Mailbox here), no space, one '@' with something either side. */
static bool
pki_email_ok(const char *e)
{
	const char *at = strchr(e, '@');

	if (at == NULL || at == e || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (; *e != '\0'; e++)
		if (*e <= ' ' || *e > '~')
			return false;
	return true;
}

/* subjectAltName: the one rfc822Name email (built, not parsed from a
 * config string, so no character of the address is syntax). */
static int
pki_san_email(X509 *x, const char *email)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *gen = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();
	int ok = 0;

	if (gens != NULL && gen != NULL && ia5 != NULL &&
	    ASN1_STRING_set(ia5, email, -1)) {
		GENERAL_NAME_set0_value(gen, GEN_EMAIL, ia5);
		ia5 = NULL;
		if (sk_GENERAL_NAME_push(gens, gen)) {
			gen = NULL;
			ok = X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0,
			    X509V3_ADD_DEFAULT);
		}
	}
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(gen);
	GENERAL_NAMES_free(gens);
	return ok == 1 ? 0 : -1;
}

/* An end entity: a node (TLS both ways) or an S/MIME signer. */
static int
pki_ee_exts(X509 *x, X509 *issuer, const struct pki_cert_opts *o)
{
	if (pki_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") ==
		-1 ||
	    pki_ext(x, issuer, NID_key_usage, "critical,digitalSignature") ==
		-1 ||
	    pki_ext(x, issuer, NID_ext_key_usage,
		o->smime ? "emailProtection" : "serverAuth,clientAuth") == -1)
		return -1;
	if (o->smime && o->email != NULL && pki_san_email(x, o->email) == -1)
		return -1;
	return 0;
}

/* The extensions of a CA or of an end-entity certificate. */
static int
pki_exts(X509 *x, X509 *issuer, const struct pki_cert_opts *o)
{
	char bc[64];

	if (o->ca) {
		if (o->pathlen >= 0)
			snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d",
			    o->pathlen);
		else
			snprintf(bc, sizeof(bc), "critical,CA:TRUE");
		if (pki_ext(x, issuer, NID_basic_constraints, bc) == -1 ||
		    pki_ext(x, issuer, NID_key_usage,
			"critical,keyCertSign,cRLSign") == -1)
			return -1;
	} else if (pki_ee_exts(x, issuer, o) == -1)
		return -1;
	if (pki_ext(x, issuer, NID_subject_key_identifier, "hash") == -1)
		return -1;
	if (issuer != x &&
	    pki_ext(x, issuer, NID_authority_key_identifier, "keyid:always") ==
		-1)
		return -1;
	return 0;
}

/* Fills version, serial, validity and the subject key of a new cert. */
static X509 *
pki_skeleton(EVP_PKEY *subject_key, const struct pki_cert_opts *o)
{
	X509 *x = X509_new();
	time_t nb = o->not_before ? (time_t)o->not_before : time(NULL) - 60;

	if (x == NULL)
		return NULL;
	if (!X509_set_version(x, 2) || pki_serial(x) == -1 ||
	    X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, &nb) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), (int)o->days, 0, &nb) ==
		NULL ||
	    !X509_set_pubkey(x, subject_key) ||
	    pki_name(X509_get_subject_name(x), o) == -1) {
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *
pki_ca_new(EVP_PKEY *key, const struct pki_cert_opts *o, char *err,
    size_t errlen)
{
	struct pki_cert_opts co = *o;
	X509 *x;

	co.ca = true;
	if ((x = pki_skeleton(key, &co)) == NULL ||
	    !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    pki_exts(x, x, &co) == -1 || X509_sign(x, key, NULL) == 0) {
		pki_err(err, errlen, "making the CA certificate");
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *
pki_cert_issue(X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *subject_key,
    const struct pki_cert_opts *o, char *err, size_t errlen)
{
	X509 *x;

	if (X509_check_private_key(issuer, issuer_key) != 1) {
		pki_err(err, errlen,
		    "the CA key does not match the CA certificate");
		return NULL;
	}
	if (o->smime && o->email != NULL && !pki_email_ok(o->email)) {
		if (err != NULL)
			snprintf(err, errlen, "%s: not an e-mail address "
			    "(ASCII, one '@', no spaces)", o->email);
		return NULL;
	}
	if ((x = pki_skeleton(subject_key, o)) == NULL ||
	    !X509_set_issuer_name(x, X509_get_subject_name(issuer)) ||
	    pki_exts(x, issuer, o) == -1 ||
	    X509_sign(x, issuer_key, NULL) == 0) {
		pki_err(err, errlen, "issuing the certificate");
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *
pki_cross_certify(X509 *bridge, EVP_PKEY *bridge_key, X509 *ca, uint32_t days,
    char *err, size_t errlen)
{
	struct pki_cert_opts o = { .cn = "x",
		.days = days,
		.ca = true,
		.pathlen = 0 };
	EVP_PKEY *pub = X509_get0_pubkey(ca);
	X509 *x;

	if (pub == NULL || !pki_cert_is_ca(ca)) {
		if (err != NULL)
			snprintf(err, errlen, "not a CA certificate");
		return NULL;
	}
	if ((x = pki_cert_issue(bridge, bridge_key, pub, &o, err, errlen)) ==
	    NULL)
		return NULL;
	/* The cross cert names the organisation CA exactly as it names itself,
	 * so its node certificates chain through it to the bridge. */
	if (!X509_set_subject_name(x, X509_get_subject_name(ca)) ||
	    X509_sign(x, bridge_key, NULL) == 0) {
		pki_err(err, errlen, "cross-certifying");
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
pki_crl_add(X509_CRL *crl, const ASN1_INTEGER *serial, const ASN1_TIME *when)
{
	X509_REVOKED *r = X509_REVOKED_new();

	if (r == NULL ||
	    !X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)serial) ||
	    !X509_REVOKED_set_revocationDate(r, (ASN1_TIME *)when) ||
	    !X509_CRL_add0_revoked(crl, r)) {
		X509_REVOKED_free(r);
		return -1;
	}
	return 0;
}

/* Copies old's entries and adds the new serials. */
static int
pki_crl_fill(X509_CRL *crl, X509_CRL *old, X509 *const *revoked, size_t n,
    const ASN1_TIME *now)
{
	STACK_OF(X509_REVOKED) *rs = old ? X509_CRL_get_REVOKED(old) : NULL;

	for (int i = 0; i < sk_X509_REVOKED_num(rs); i++) {
		X509_REVOKED *r = sk_X509_REVOKED_value(rs, i);
		if (pki_crl_add(crl, X509_REVOKED_get0_serialNumber(r),
			X509_REVOKED_get0_revocationDate(r)) == -1)
			return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (pki_crl_add(crl, X509_get0_serialNumber(revoked[i]), now) ==
		    -1)
			return -1;
	return X509_CRL_sort(crl) ? 0 : -1;
}

static int
pki_crl_number(X509_CRL *crl, X509_CRL *old)
{
	ASN1_INTEGER *num = NULL, *oldnum = NULL;
	long next = 1;
	int rc;

	if (old != NULL &&
	    (oldnum = X509_CRL_get_ext_d2i(old, NID_crl_number, NULL, NULL)) !=
		NULL) {
		next = ASN1_INTEGER_get(oldnum) + 1;
		ASN1_INTEGER_free(oldnum);
	}
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set(num, next)) {
		ASN1_INTEGER_free(num);
		return -1;
	}
	rc = X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0);
	ASN1_INTEGER_free(num);
	return rc ? 0 : -1;
}

X509_CRL *
pki_crl_new(X509 *ca, EVP_PKEY *ca_key, X509_CRL *old, X509 *const *revoked,
    size_t n, uint32_t days, char *err, size_t errlen)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *last = ASN1_TIME_new(), *next = ASN1_TIME_new();
	time_t now = time(NULL) - 60;

	if (crl == NULL || last == NULL || next == NULL ||
	    X509_check_private_key(ca, ca_key) != 1 ||
	    !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca)) ||
	    X509_time_adj_ex(last, 0, 0, &now) == NULL ||
	    X509_time_adj_ex(next, (int)days, 0, &now) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, last) ||
	    !X509_CRL_set1_nextUpdate(crl, next) ||
	    pki_crl_fill(crl, old, revoked, n, last) == -1 ||
	    pki_crl_number(crl, old) == -1 ||
	    X509_CRL_sign(crl, ca_key, NULL) == 0) {
		pki_err(err, errlen, "making the CRL");
		X509_CRL_free(crl);
		crl = NULL;
	}
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	return crl;
}

/* ---- files ---- */

static FILE *
pki_open(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");

	if (f == NULL && err != NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

/* Any private key in a PEM file; NULL with err set. */
static EVP_PKEY *
pki_read_key(const char *path, char *err, size_t errlen)
{
	FILE *f = pki_open(path, err, errlen);
	EVP_PKEY *k;

	if (f == NULL)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL && !pem_file_cut_short(path, err, errlen))
		pki_err(err, errlen, path);
	return k;
}

/* k unless it is not of the kind wanted (then freed, NULL, err set). */
static EVP_PKEY *
pki_key_kind(EVP_PKEY *k, bool ok, const char *path, const char *kind,
    char *err, size_t errlen)
{
	if (k != NULL && !ok) {
		snprintf(err, errlen, "%s: not %s key", path, kind);
		EVP_PKEY_free(k);
		k = NULL;
	}
	return k;
}

EVP_PKEY *
pki_load_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *k = pki_read_key(path, err, errlen);

	return pki_key_kind(k, k && EVP_PKEY_get_id(k) == EVP_PKEY_ED25519,
	    path, "an Ed25519", err, errlen);
}

EVP_PKEY *
pki_load_signer_key(const char *path, char *err, size_t errlen)
{
	EVP_PKEY *k = pki_read_key(path, err, errlen);
	char group[32] = "";

	if (k != NULL && EVP_PKEY_get_id(k) == EVP_PKEY_EC)
		EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME,
		    group, sizeof(group), NULL);
	ERR_clear_error();
	return pki_key_kind(k, strcmp(group, "prime256v1") == 0, path,
	    "a P-256", err, errlen);
}

X509 *
pki_load_cert(const char *path, char *err, size_t errlen)
{
	FILE *f = pki_open(path, err, errlen);
	X509 *x;

	if (f == NULL)
		return NULL;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL && !pem_file_cut_short(path, err, errlen))
		pki_err(err, errlen, path);
	return x;
}

STACK_OF(X509) * pki_load_certs(const char *path, char *err, size_t errlen)
{
	FILE *f = pki_open(path, err, errlen);
	STACK_OF(X509) * sk;
	X509 *x;

	if (f == NULL)
		return NULL;
	if ((sk = sk_X509_new_null()) == NULL) {
		fclose(f);
		return NULL;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	ERR_clear_error();
	fclose(f);
	if (sk_X509_num(sk) == 0) {
		if (!pem_file_cut_short(path, err, errlen))
			snprintf(err, errlen, "%s: no certificate in it", path);
		sk_X509_free(sk);
		return NULL;
	}
	return sk;
}

X509_CRL *
pki_load_crl(const char *path, char *err, size_t errlen)
{
	FILE *f = pki_open(path, err, errlen);
	X509_CRL *c;

	if (f == NULL)
		return NULL;
	c = PEM_read_X509_CRL(f, NULL, NULL, NULL);
	fclose(f);
	if (c == NULL && !pem_file_cut_short(path, err, errlen))
		pki_err(err, errlen, path);
	return c;
}

/* Writes through a temporary file, fsync, rename and a directory fsync
 * (safe_file), so a crash leaves the old file or the whole new one. */
typedef int (*pki_write_fn)(FILE *f, const void *arg);

static int
pki_write(const char *path, mode_t mode, pki_write_fn fn, const void *arg,
    char *err, size_t errlen)
{
	struct safe_file sf;

	if (safe_file_open(&sf, path, mode, false, err, errlen) == -1)
		return -1;
	if (fn(sf.f, arg) == -1) {
		safe_file_abort(&sf);
		pki_err(err, errlen, path);
		return -1;
	}
	return safe_file_commit(&sf, err, errlen);
}

static int
pki_write_key(FILE *f, const void *arg)
{
	return PEM_write_PrivateKey(f, (EVP_PKEY *)arg, NULL, NULL, 0, NULL,
		   NULL) ?
	    0 :
	    -1;
}

struct pki_certs {
	X509 *const *certs;
	size_t n;
};

static int
pki_write_certs(FILE *f, const void *arg)
{
	const struct pki_certs *c = arg;

	for (size_t i = 0; i < c->n; i++)
		if (!PEM_write_X509(f, c->certs[i]))
			return -1;
	return 0;
}

static int
pki_write_crl(FILE *f, const void *arg)
{
	return PEM_write_X509_CRL(f, (X509_CRL *)arg) ? 0 : -1;
}

int
pki_save_key(const char *path, EVP_PKEY *key, char *err, size_t errlen)
{
	return pki_write(path, 0600, pki_write_key, key, err, errlen);
}

int
pki_save_cert(const char *path, X509 *const *certs, size_t n, char *err,
    size_t errlen)
{
	struct pki_certs c = { certs, n };

	return pki_write(path, 0644, pki_write_certs, &c, err, errlen);
}

int
pki_save_crl(const char *path, X509_CRL *crl, char *err, size_t errlen)
{
	return pki_write(path, 0644, pki_write_crl, crl, err, errlen);
}

/* ---- keys ---- */

int
pki_key_pubkey(EVP_PKEY *key, uint8_t pub[ED25519_KEY_LEN])
{
	size_t len = ED25519_KEY_LEN;

	if (key == NULL || EVP_PKEY_get_id(key) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(key, pub, &len) != 1 ||
	    len != ED25519_KEY_LEN)
		return -1;
	return 0;
}

int
pki_cert_pubkey(X509 *cert, uint8_t pub[ED25519_KEY_LEN])
{
	return pki_key_pubkey(X509_get0_pubkey(cert), pub);
}

int
pki_pin_parse(const char *hex, uint8_t pub[ED25519_KEY_LEN])
{
	if (strlen(hex) != 2 * ED25519_KEY_LEN)
		return -1;
	for (int i = 0; i < ED25519_KEY_LEN; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    strchr("0123456789abcdefABCDEF", hex[2 * i]) == NULL ||
		    strchr("0123456789abcdefABCDEF", hex[2 * i + 1]) == NULL)
			return -1;
		pub[i] = (uint8_t)v;
	}
	return 0;
}

void
pki_pin_format(const uint8_t pub[ED25519_KEY_LEN], char hex[65])
{
	for (int i = 0; i < ED25519_KEY_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", pub[i]);
}

bool
pki_cert_is_ca(X509 *cert)
{
	return X509_check_ca(cert) >= 1;
}

/* ---- checking ---- */

struct pki *
pki_new(void)
{
	struct pki *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->anchors = sk_X509_new_null();
	p->cas = sk_X509_new_null();
	p->crls = sk_X509_CRL_new_null();
	if (p->anchors == NULL || p->cas == NULL || p->crls == NULL) {
		pki_free(p);
		return NULL;
	}
	return p;
}

void
pki_free(struct pki *p)
{
	if (p == NULL)
		return;
	sk_X509_pop_free(p->anchors, X509_free);
	sk_X509_pop_free(p->cas, X509_free);
	sk_X509_CRL_pop_free(p->crls, X509_CRL_free);
	X509_STORE_free(p->store);
	free(p);
}

static void
pki_changed(struct pki *p)
{
	X509_STORE_free(p->store);
	p->store = NULL;
	p->generation++;
}

uint64_t
pki_generation(const struct pki *p)
{
	return p->generation;
}

int
pki_add_anchor(struct pki *p, X509 *cert)
{
	if (!X509_up_ref(cert))
		return -1;
	if (!sk_X509_push(p->anchors, cert)) {
		X509_free(cert);
		return -1;
	}
	pki_changed(p);
	return 0;
}

int
pki_add_anchor_file(struct pki *p, const char *path, char *err, size_t errlen)
{
	STACK_OF(X509) *sk = pki_load_certs(path, err, errlen);
	int rc = 0;

	if (sk == NULL)
		return -1;
	for (int i = 0; i < sk_X509_num(sk) && rc == 0; i++)
		rc = pki_add_anchor(p, sk_X509_value(sk, i));
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

int
pki_replace_anchors(struct pki *p, const char *const *paths, int n, char *err,
    size_t errlen)
{
	STACK_OF(X509) *anchors = sk_X509_new_null(), *sk;
	X509 *x;

	for (int i = 0; i < n && anchors != NULL; i++) {
		if ((sk = pki_load_certs(paths[i], err, errlen)) == NULL) {
			sk_X509_pop_free(anchors, X509_free);
			return -1;
		}
		while ((x = sk_X509_shift(sk)) != NULL)
			if (!sk_X509_push(anchors, x)) {
				X509_free(x);
				sk_X509_pop_free(anchors, X509_free);
				anchors = NULL;
				break;
			}
		sk_X509_pop_free(sk, X509_free);
	}
	if (anchors == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sk_X509_pop_free(p->anchors, X509_free);
	p->anchors = anchors;
	pki_changed(p);
	return 0;
}

int
pki_add_crl_file(struct pki *p, const char *path, char *err, size_t errlen)
{
	X509_CRL *crl = pki_load_crl(path, err, errlen);

	if (crl == NULL)
		return -1;
	if (!sk_X509_CRL_push(p->crls, crl)) {
		X509_CRL_free(crl);
		return -1;
	}
	pki_changed(p);
	return 0;
}

/* The index of the CRL from crl's issuer, or the count if none. */
static int
crl_slot(struct pki *p, const X509_CRL *crl)
{
	const X509_NAME *issuer = X509_CRL_get_issuer(crl);
	int i;
	for (i = 0; i < sk_X509_CRL_num(p->crls); i++)
		if (X509_NAME_cmp(X509_CRL_get_issuer(
				      sk_X509_CRL_value(p->crls, i)),
			issuer) == 0)
			break;
	return i;
}

/* Puts crl (owned from here) in slot i: replaces the one there, or
 * appends when i is the count. 0, or -1 (crl freed). */
static int
crl_store(struct pki *p, int i, X509_CRL *crl)
{
	if (i < sk_X509_CRL_num(p->crls)) {
		X509_CRL_free(sk_X509_CRL_value(p->crls, i));
		sk_X509_CRL_set(p->crls, i, crl);
	} else if (!sk_X509_CRL_push(p->crls, crl)) {
		X509_CRL_free(crl);
		return -1;
	}
	pki_changed(p);
	return 0;
}

int
pki_reload_crl_file(struct pki *p, const char *path, char *err, size_t errlen)
{
	X509_CRL *crl = pki_load_crl(path, err, errlen);

	if (crl == NULL)
		return -1;
	return crl_store(p, crl_slot(p, crl), crl);
}

static bool
pki_has_cert(STACK_OF(X509) * sk, X509 *x)
{
	for (int i = 0; i < sk_X509_num(sk); i++)
		if (X509_cmp(sk_X509_value(sk, i), x) == 0)
			return true;
	return false;
}

/* Drops the oldest learned CA that did not validate when learned; -1 if
 * there is none. */
static int
pki_drop_unverified(struct pki *p)
{
	int n = sk_X509_num(p->cas);

	for (int i = 0; i < n; i++) {
		if (p->cas_valid[i])
			continue;
		X509_free(sk_X509_delete(p->cas, i));
		memmove(&p->cas_valid[i], &p->cas_valid[i + 1],
		    (size_t)(n - i - 1));
		return 0;
	}
	return -1;
}

int
pki_learn_ca(struct pki *p, X509 *cert, int64_t now)
{
	uint8_t pub[ED25519_KEY_LEN];
	int unverified = 0, n = sk_X509_num(p->cas);
	bool valid;

	if (pki_has_cert(p->cas, cert) || pki_has_cert(p->anchors, cert))
		return 0;
	/* A self-signed CA is useful only as a configured anchor; as an
	 * untrusted intermediate it would only mislead chain building. */
	if (!pki_cert_is_ca(cert) || pki_cert_pubkey(cert, pub) == -1 ||
	    X509_check_issued(cert, cert) == X509_V_OK)
		return -1;
	valid = pki_verify(p, cert, NULL, now, NULL, NULL, 0) == 0;
	for (int i = 0; i < n; i++)
		unverified += !p->cas_valid[i];
	if (((!valid && unverified >= PKI_MAX_UNVERIFIED) ||
		n >= PKI_MAX_INTERMEDIATES) &&
	    pki_drop_unverified(p) == -1)
		return -1;
	if (!X509_up_ref(cert))
		return -1;
	if (!sk_X509_push(p->cas, cert)) {
		X509_free(cert);
		return -1;
	}
	p->cas_valid[sk_X509_num(p->cas) - 1] = valid;
	pki_changed(p);
	return 1;
}

/* Builds the store from anchors and CRLs. */
static X509_STORE *
pki_store(struct pki *p)
{
	if (p->store != NULL)
		return p->store;
	if ((p->store = X509_STORE_new()) == NULL)
		return NULL;
	for (int i = 0; i < sk_X509_num(p->anchors); i++)
		X509_STORE_add_cert(p->store, sk_X509_value(p->anchors, i));
	for (int i = 0; i < sk_X509_CRL_num(p->crls); i++)
		X509_STORE_add_crl(p->store, sk_X509_CRL_value(p->crls, i));
	X509_STORE_set_flags(p->store,
	    X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL |
		X509_V_FLAG_X509_STRICT);
	ERR_clear_error();
	return p->store;
}

/* CRLs are optional: a CA without one is not an error, a revoked or
 * badly signed or expired CRL is. */
static int
pki_verify_cb(int ok, X509_STORE_CTX *ctx)
{
	if (!ok &&
	    X509_STORE_CTX_get_error(ctx) == X509_V_ERR_UNABLE_TO_GET_CRL)
		return 1;
	return ok;
}

/* The organisation id of a verified chain: SHA-256 of the DER public key
 * of the leaf's issuer (the leaf's own for a chain of one). */
static int
pki_chain_org(STACK_OF(X509) * verified, uint8_t org[PKI_ORG_ID_LEN])
{
	int n = sk_X509_num(verified);
	X509 *issuer = sk_X509_value(verified, n > 1 ? 1 : 0);
	unsigned char *der = NULL;
	unsigned int mdlen = 0;
	int len, rc = -1;

	if (issuer == NULL ||
	    (len = i2d_PUBKEY(X509_get0_pubkey(issuer), &der)) <= 0)
		return -1;
	if (EVP_Digest(der, (size_t)len, org, &mdlen, EVP_sha256(), NULL) == 1 &&
	    mdlen == PKI_ORG_ID_LEN)
		rc = 0;
	OPENSSL_free(der);
	return rc;
}

/* What a validation at a past time needs in its callback. */
struct pki_past {
	struct pki *p;
	int64_t when;
};

/* Whether a CRL held says cert was revoked at or before when (OpenSSL
 * reports a revocation whatever its date, and does not say which CRL). */
static bool
pki_revoked_by(struct pki *p, X509 *cert, int64_t when)
{
	time_t t = (time_t)when;

	for (int i = 0; i < sk_X509_CRL_num(p->crls); i++) {
		X509_CRL *crl = sk_X509_CRL_value(p->crls, i);
		X509_REVOKED *rev = NULL;
		if (X509_NAME_cmp(X509_CRL_get_issuer(crl),
		    X509_get_issuer_name(cert)) != 0 ||
		    X509_CRL_get0_by_cert(crl, &rev, cert) != 1 || rev == NULL)
			continue;
		if (X509_cmp_time(X509_REVOKED_get0_revocationDate(rev),
		    &t) <= 0)
			return true;
	}
	return false;
}

/*
 * Validation at a past time (pki_cert_org_at): a CRL issued after it
 * still speaks for that time, for what it says was revoked by then. So
 * "not yet valid" is no error for a CRL, and a revocation dated after
 * the time is passed over.
 */
static int
pki_verify_past_cb(int ok, X509_STORE_CTX *ctx)
{
	int e = X509_STORE_CTX_get_error(ctx);
	const struct pki_past *past = X509_STORE_CTX_get_app_data(ctx);

	if (ok)
		return ok;
	if (e == X509_V_ERR_UNABLE_TO_GET_CRL ||
	    e == X509_V_ERR_CRL_NOT_YET_VALID)
		return 1;
	if (e != X509_V_ERR_CERT_REVOKED || past == NULL)
		return 0;
	return !pki_revoked_by(past->p, X509_STORE_CTX_get_current_cert(ctx),
	    past->when);
}

/* pki_verify, and the organisation of the verified chain into org (if
 * not NULL); past: at a past time (pki_verify_past_cb). */
static int
pki_verify_org(struct pki *p, X509 *leaf, STACK_OF(X509) * chain, int64_t now,
    bool *revoked, char *err, size_t errlen, uint8_t *org, bool past)
{
	X509_STORE *store = pki_store(p);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_dup(p->cas);
	int rc = -1, e;

	if (revoked != NULL)
		*revoked = false;
	if (store == NULL || ctx == NULL || untrusted == NULL)
		goto out;
	for (int i = 0; i < sk_X509_num(chain); i++)
		sk_X509_push(untrusted, sk_X509_value(chain, i));
	if (!X509_STORE_CTX_init(ctx, store, leaf, untrusted))
		goto out;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
	struct pki_past at = { p, now };
	X509_STORE_CTX_set_verify_cb(ctx, past ? pki_verify_past_cb :
	    pki_verify_cb);
	X509_STORE_CTX_set_app_data(ctx, &at);
	if (X509_verify_cert(ctx) == 1) {
		rc = org == NULL ? 0 :
		    pki_chain_org(X509_STORE_CTX_get0_chain(ctx), org);
		goto out;
	}
	e = X509_STORE_CTX_get_error(ctx);
	if (revoked != NULL)
		*revoked = e == X509_V_ERR_CERT_REVOKED;
	if (err != NULL)
		snprintf(err, errlen, "%s", X509_verify_cert_error_string(e));
out:
	if (rc == -1 && ctx == NULL && err != NULL)
		snprintf(err, errlen, "out of memory");
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	return rc;
}

int
pki_verify(struct pki *p, X509 *leaf, STACK_OF(X509) * chain, int64_t now,
    bool *revoked, char *err, size_t errlen)
{
	return pki_verify_org(p, leaf, chain, now, revoked, err, errlen, NULL,
	    false);
}

int
pki_cert_org(struct pki *p, X509 *leaf, STACK_OF(X509) * chain, int64_t now,
    uint8_t org[PKI_ORG_ID_LEN])
{
	return pki_verify_org(p, leaf, chain, now, NULL, NULL, 0, org, false);
}

/* One certificate or CRL into the fingerprint. */
static void
pki_fp_add(EVP_MD_CTX *md, unsigned char *der, int len)
{
	if (len > 0)
		EVP_DigestUpdate(md, der, (size_t)len);
	OPENSSL_free(der);
}

void
pki_fingerprint(struct pki *p, uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned len = 32;

	memset(out, 0, 32);
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return;
	}
	for (int i = 0; i < sk_X509_num(p->anchors); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509(sk_X509_value(p->anchors, i), &der);
		pki_fp_add(md, der, n);
	}
	EVP_DigestUpdate(md, "|", 1);
	for (int i = 0; i < sk_X509_CRL_num(p->crls); i++) {
		unsigned char *der = NULL;
		int n = i2d_X509_CRL(sk_X509_CRL_value(p->crls, i), &der);
		pki_fp_add(md, der, n);
	}
	EVP_DigestFinal_ex(md, out, &len);
	EVP_MD_CTX_free(md);
}

int
pki_cert_org_at(struct pki *p, X509 *leaf, STACK_OF(X509) * chain,
    int64_t when, bool *revoked, char *err, size_t errlen,
    uint8_t org[PKI_ORG_ID_LEN])
{
	return pki_verify_org(p, leaf, chain, when, revoked, err, errlen, org,
	    true);
}

/* Finds a certificate that signed crl: an anchor, or a learned CA that
 * validates at now. */
static bool
pki_crl_signed(struct pki *p, X509_CRL *crl, int64_t now)
{
	const X509_NAME *issuer = X509_CRL_get_issuer(crl);

	for (int i = 0; i < sk_X509_num(p->anchors); i++) {
		X509 *a = sk_X509_value(p->anchors, i);
		if (X509_NAME_cmp(X509_get_subject_name(a), issuer) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(a)) == 1)
			return true;
	}
	for (int i = 0; i < sk_X509_num(p->cas); i++) {
		X509 *c = sk_X509_value(p->cas, i);
		if (X509_NAME_cmp(X509_get_subject_name(c), issuer) == 0 &&
		    X509_CRL_verify(crl, X509_get0_pubkey(c)) == 1 &&
		    pki_verify(p, c, NULL, now, NULL, NULL, 0) == 0)
			return true;
	}
	ERR_clear_error();
	return false;
}

/* Whether crl supersedes old: by CRL number when both carry one (two
 * CRLs issued in the same second differ there), else by lastUpdate. */
static bool
crl_newer(X509_CRL *crl, X509_CRL *old)
{
	ASN1_INTEGER *a = X509_CRL_get_ext_d2i(crl, NID_crl_number, NULL, NULL);
	ASN1_INTEGER *b = X509_CRL_get_ext_d2i(old, NID_crl_number, NULL, NULL);
	int cmp;

	if (a != NULL && b != NULL)
		cmp = ASN1_INTEGER_cmp(a, b);
	else
		cmp = ASN1_TIME_compare(X509_CRL_get0_lastUpdate(crl),
		    X509_CRL_get0_lastUpdate(old));
	ASN1_INTEGER_free(a);
	ASN1_INTEGER_free(b);
	return cmp > 0;
}

int
pki_learn_crl(struct pki *p, X509_CRL *crl, int64_t now)
{
	if (!pki_crl_signed(p, crl, now))
		return -1;
	int i = crl_slot(p, crl), n = sk_X509_CRL_num(p->crls);
	if (i < n && !crl_newer(crl, sk_X509_CRL_value(p->crls, i)))
		return 0; /* not newer than the one we have */
	if (i == n && n >= PKI_MAX_CRLS)
		return -1;
	if (!X509_CRL_up_ref(crl))
		return -1;
	return crl_store(p, i, crl) == 0 ? 1 : -1;
}

void
pki_each_learned(struct pki *p, pki_each_fn fn, void *arg)
{
	unsigned char *der;
	int len;

	for (int i = 0; i < sk_X509_num(p->cas); i++) {
		der = NULL;
		if ((len = i2d_X509(sk_X509_value(p->cas, i), &der)) > 0)
			fn(arg, false, der, (size_t)len);
		OPENSSL_free(der);
	}
	for (int i = 0; i < sk_X509_CRL_num(p->crls); i++) {
		der = NULL;
		if ((len = i2d_X509_CRL(sk_X509_CRL_value(p->crls, i), &der)) >
		    0)
			fn(arg, true, der, (size_t)len);
		OPENSSL_free(der);
	}
}
