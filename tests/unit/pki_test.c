/*
 * pki_test.c: node/peer/pki.c. Organisation CAs, node certificates, a bridge that
 * cross-certifies two organisations, CRLs (configured and learned), expiry,
 * keys and pins, the files, and an abuse desk's S/MIME signer (P-256).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/cms.h>
#include <openssl/x509v3.h>

#include "node/peer/pki.h"

/* One organisation: CA key and cert, one node key and cert. */
struct org {
	EVP_PKEY *ca_key, *node_key;
	X509 *ca, *node;
};

static void
org_make(struct org *o, const char *name, int64_t nb, uint32_t days)
{
	struct pki_cert_opts co = { .org = name,
		.cn = "ca",
		.days = 3650,
		.ca = true,
		.pathlen = 0 };
	struct pki_cert_opts no = { .org = name,
		.cn = "node1",
		.days = days,
		.not_before = nb };
	char err[256];

	o->ca_key = pki_key_generate();
	o->node_key = pki_key_generate();
	assert_non_null(o->ca_key);
	o->ca = pki_ca_new(o->ca_key, &co, err, sizeof(err));
	assert_non_null(o->ca);
	o->node = pki_cert_issue(o->ca, o->ca_key, o->node_key, &no, err,
	    sizeof(err));
	assert_non_null(o->node);
}

static void
org_free(struct org *o)
{
	X509_free(o->ca);
	X509_free(o->node);
	EVP_PKEY_free(o->ca_key);
	EVP_PKEY_free(o->node_key);
}

static int64_t
now_s(void)
{
	return (int64_t)time(NULL);
}

static void
test_org_ca_validates_own_nodes(void **state)
{
	struct org a, b;
	struct pki *p = pki_new();
	char err[256];

	org_make(&a, "ISP A", 0, 30);
	org_make(&b, "ISP B", 0, 30);
	assert_int_equal(pki_add_anchor(p, a.ca), 0);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	assert_int_equal(pki_verify(p, b.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    -1);
	assert_true(pki_cert_is_ca(a.ca));
	assert_false(pki_cert_is_ca(a.node));
	org_free(&a);
	org_free(&b);
	pki_free(p);
}

static void
test_bridge_cross_certifies(void **state)
{
	struct org a, b, c;
	struct pki_cert_opts bo = { .org = "Bridge",
		.cn = "bridge",
		.days = 3650,
		.ca = true,
		.pathlen = 1 };
	EVP_PKEY *bk = pki_key_generate();
	X509 *bridge, *xa, *xb;
	struct pki *p = pki_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	char err[256];

	org_make(&a, "ISP A", 0, 30);
	org_make(&b, "ISP B", 0, 30);
	org_make(&c, "ISP C", 0, 30);
	bridge = pki_ca_new(bk, &bo, err, sizeof(err));
	assert_non_null(bridge);
	xa = pki_cross_certify(bridge, bk, a.ca, 365, err, sizeof(err));
	xb = pki_cross_certify(bridge, bk, b.ca, 365, err, sizeof(err));
	assert_non_null(xa);
	assert_non_null(xb);
	/* A node of B trusts only the bridge. */
	assert_int_equal(pki_add_anchor(p, bridge), 0);
	sk_X509_push(chain, xa);
	assert_int_equal(pki_verify(p, a.node, chain, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	/* Without the cross cert, then once learned from the directory. */
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    -1);
	assert_int_equal(pki_learn_ca(p, xa, now_s()), 1);
	assert_int_equal(pki_learn_ca(p, xa, now_s()), 0);
	assert_int_equal(pki_learn_ca(p, a.ca, now_s()), -1); /* self-signed */
	assert_int_equal(pki_learn_ca(p, a.node, now_s()), -1); /* not a CA */
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	/* C was never cross-certified. */
	assert_int_equal(pki_verify(p, c.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    -1);
	sk_X509_free(chain);
	X509_free(bridge);
	X509_free(xa);
	X509_free(xb);
	EVP_PKEY_free(bk);
	org_free(&a);
	org_free(&b);
	org_free(&c);
	pki_free(p);
}

static void
test_expired_and_not_yet_valid(void **state)
{
	struct org a, f;
	struct pki *p = pki_new();
	char err[256];

	org_make(&a, "ISP A", now_s() - 10 * 86400, 1); /* expired */
	org_make(&f, "ISP F", now_s() + 10 * 86400, 1); /* future */
	pki_add_anchor(p, a.ca);
	pki_add_anchor(p, f.ca);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "expired"));
	assert_int_equal(pki_verify(p, f.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    -1);
	/* The core passes its own time in: at a time inside the window, ok. */
	assert_int_equal(pki_verify(p, f.node, NULL,
			     now_s() + 10 * 86400 + 3600, NULL, err,
			     sizeof(err)),
	    0);
	org_free(&a);
	org_free(&f);
	pki_free(p);
}

static void
test_crl_revokes(void **state)
{
	struct org a;
	struct pki *p = pki_new(), *q = pki_new();
	char err[256], path[] = "/tmp/pki_test_crlXXXXXX";
	X509_CRL *crl, *crl2;
	bool revoked;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	close(fd);
	org_make(&a, "ISP A", 0, 30);
	pki_add_anchor(p, a.ca);
	pki_add_anchor(q, a.ca);
	crl = pki_crl_new(a.ca, a.ca_key, NULL, NULL, 0, 30, err, sizeof(err));
	assert_non_null(crl);
	assert_int_equal(pki_learn_crl(p, crl, now_s()), 1);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), &revoked, err,
			     sizeof(err)),
	    0);
	sleep(1); /* lastUpdate has one-second resolution */
	crl2 =
	    pki_crl_new(a.ca, a.ca_key, crl, &a.node, 1, 30, err, sizeof(err));
	assert_non_null(crl2);
	assert_int_equal(pki_learn_crl(p, crl2, now_s()), 1);
	assert_int_equal(pki_learn_crl(p, crl, now_s()), 0); /* older */
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), &revoked, err,
			     sizeof(err)),
	    -1);
	assert_true(revoked);
	/* Through a file, as the config gives it. */
	assert_int_equal(pki_save_crl(path, crl2, err, sizeof(err)), 0);
	assert_int_equal(pki_add_crl_file(q, path, err, sizeof(err)), 0);
	assert_int_equal(pki_verify(q, a.node, NULL, now_s(), &revoked, err,
			     sizeof(err)),
	    -1);
	assert_true(revoked);
	/* A reloaded file replaces the CRL of its issuer, even an older one:
	 * the operator un-revoked the node. */
	assert_int_equal(pki_save_crl(path, crl, err, sizeof(err)), 0);
	assert_int_equal(pki_reload_crl_file(q, path, err, sizeof(err)), 0);
	assert_int_equal(pki_verify(q, a.node, NULL, now_s(), &revoked, err,
			     sizeof(err)),
	    0);
	assert_int_equal(pki_reload_crl_file(q, "/nonexistent", err,
			     sizeof(err)),
	    -1);
	unlink(path);
	X509_CRL_free(crl);
	X509_CRL_free(crl2);
	org_free(&a);
	pki_free(p);
	pki_free(q);
}

static void
test_forged_crl_rejected(void **state)
{
	struct org a, m;
	struct pki *p = pki_new();
	X509_CRL *crl;
	char err[256];

	org_make(&a, "ISP A", 0, 30);
	org_make(&m, "ISP A", 0, 30); /* same name, other key */
	pki_add_anchor(p, a.ca);
	crl =
	    pki_crl_new(m.ca, m.ca_key, NULL, &a.node, 1, 30, err, sizeof(err));
	assert_non_null(crl);
	assert_int_equal(pki_learn_crl(p, crl, now_s()), -1);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	X509_CRL_free(crl);
	org_free(&a);
	org_free(&m);
	pki_free(p);
}

/* A CMS signature by the signer over a few bytes, and its verification
 * (the signature only: the path is pki's, as in feeds/smime.c). */
static void
signer_cms_round_trip(X509 *x, EVP_PKEY *k)
{
	BIO *in = BIO_new_mem_buf("Feedback-Type: abuse\r\n", -1);
	BIO *again = BIO_new_mem_buf("Feedback-Type: abuse\r\n", -1);
	CMS_ContentInfo *cms = CMS_sign(x, k, NULL, in,
	    CMS_DETACHED | CMS_BINARY);

	assert_non_null(cms);
	assert_int_equal(CMS_verify(cms, NULL, NULL, again, NULL,
			     CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY),
	    1);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	BIO_free(again);
}

/* `reputectl cert signer`: a P-256 key certified by an organisation CA
 * for S/MIME validates like its nodes, names the same organisation, can
 * sign CMS, and is refused once a CRL lists it; a bad address is
 * refused, the key files load only as what they are. */
static void
test_smime_signer(void **state)
{
	struct org a;
	struct pki_cert_opts so = { .org = "ISP A",
		.cn = "abuse desk",
		.days = 30,
		.smime = true,
		.email = "abuse@isp-a.example" };
	struct pki *p = pki_new();
	uint8_t org1[PKI_ORG_ID_LEN], org2[PKI_ORG_ID_LEN];
	char err[256], kp[] = "/tmp/pki_test_signerXXXXXX";
	EVP_PKEY *k = pki_signer_key_generate(), *k2;
	X509 *x;
	X509_CRL *crl;
	bool revoked;

	close(mkstemp(kp));
	org_make(&a, "ISP A", 0, 30);
	pki_add_anchor(p, a.ca);
	assert_non_null(k);
	x = pki_cert_issue(a.ca, a.ca_key, k, &so, err, sizeof(err));
	assert_non_null(x);
	assert_true(X509_get_key_usage(x) == KU_DIGITAL_SIGNATURE);
	assert_true(X509_get_extended_key_usage(x) == XKU_SMIME);
	assert_int_equal(X509_check_purpose(x, X509_PURPOSE_SMIME_SIGN, 0), 1);
	assert_int_equal(X509_check_email(x, "abuse@isp-a.example", 0, 0), 1);
	assert_non_null(X509_get0_authority_key_id(x));
	assert_int_equal(pki_verify(p, x, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	assert_int_equal(pki_cert_org(p, x, NULL, now_s(), org1), 0);
	assert_int_equal(pki_cert_org(p, a.node, NULL, now_s(), org2), 0);
	assert_memory_equal(org1, org2, PKI_ORG_ID_LEN);
	signer_cms_round_trip(x, k);
	/* revoked by the CA's CRL, as `reputectl ca revoke` makes it */
	crl = pki_crl_new(a.ca, a.ca_key, NULL, &x, 1, 30, err, sizeof(err));
	assert_non_null(crl);
	assert_int_equal(pki_learn_crl(p, crl, now_s()), 1);
	assert_int_equal(pki_verify(p, x, NULL, now_s(), &revoked, err,
			     sizeof(err)),
	    -1);
	assert_true(revoked);
	assert_int_equal(pki_cert_org(p, x, NULL, now_s(), org1), -1);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	/* an address that is not one */
	so.email = "a,b@c d";
	assert_null(pki_cert_issue(a.ca, a.ca_key, k, &so, err, sizeof(err)));
	so.email = "nobody";
	assert_null(pki_cert_issue(a.ca, a.ca_key, k, &so, err, sizeof(err)));
	/* the key file: a signer key, not a node key, and the other way */
	assert_int_equal(pki_save_key(kp, k, err, sizeof(err)), 0);
	assert_null(pki_load_key(kp, err, sizeof(err)));
	assert_non_null(strstr(err, "not an Ed25519 key"));
	k2 = pki_load_signer_key(kp, err, sizeof(err));
	assert_non_null(k2);
	assert_int_equal(EVP_PKEY_eq(k, k2), 1);
	EVP_PKEY_free(k2);
	assert_int_equal(pki_save_key(kp, a.node_key, err, sizeof(err)), 0);
	assert_null(pki_load_signer_key(kp, err, sizeof(err)));
	assert_non_null(strstr(err, "not a P-256 key"));
	unlink(kp);
	X509_CRL_free(crl);
	X509_free(x);
	EVP_PKEY_free(k);
	org_free(&a);
	pki_free(p);
}

static void
test_keys_pins_files(void **state)
{
	struct org a;
	uint8_t k1[32], k2[32], k3[32];
	char hex[65], err[256], kp[] = "/tmp/pki_test_keyXXXXXX";
	char cp[] = "/tmp/pki_test_certXXXXXX";
	EVP_PKEY *k;
	X509 *x;
	STACK_OF(X509) * sk;

	close(mkstemp(kp));
	close(mkstemp(cp));
	org_make(&a, "ISP A", 0, 30);
	assert_int_equal(pki_cert_pubkey(a.node, k1), 0);
	assert_int_equal(pki_key_pubkey(a.node_key, k2), 0);
	assert_memory_equal(k1, k2, 32);
	pki_pin_format(k1, hex);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(pki_pin_parse(hex, k3), 0);
	assert_memory_equal(k1, k3, 32);
	assert_int_equal(pki_pin_parse("abc", k3), -1);
	hex[5] = 'x';
	assert_int_equal(pki_pin_parse(hex, k3), -1);
	assert_int_equal(pki_save_key(kp, a.node_key, err, sizeof(err)), 0);
	k = pki_load_key(kp, err, sizeof(err));
	assert_non_null(k);
	assert_int_equal(pki_key_pubkey(k, k3), 0);
	assert_memory_equal(k1, k3, 32);
	X509 *both[2] = { a.node, a.ca };
	assert_int_equal(pki_save_cert(cp, both, 2, err, sizeof(err)), 0);
	x = pki_load_cert(cp, err, sizeof(err));
	sk = pki_load_certs(cp, err, sizeof(err));
	assert_non_null(x);
	assert_int_equal(sk_X509_num(sk), 2);
	assert_int_equal(X509_cmp(x, a.node), 0);
	assert_null(pki_load_key("/nonexistent/key", err, sizeof(err)));
	unlink(kp);
	unlink(cp);
	sk_X509_pop_free(sk, X509_free);
	X509_free(x);
	EVP_PKEY_free(k);
	org_free(&a);
}

static void
count_learned(void *arg, bool is_crl, const uint8_t *der, size_t len)
{
	if (!is_crl)
		(*(int *)arg)++;
}

/* Learned CAs are bounded: ones that do not validate here are kept only up
 * to PKI_MAX_UNVERIFIED (oldest out), and a valid cross cert still gets in. */
static void
test_learned_cas_bounded(void **state)
{
	struct org a, r;
	struct pki_cert_opts bo = { .org = "Bridge",
		.cn = "bridge",
		.days = 3650,
		.ca = true,
		.pathlen = 1 };
	EVP_PKEY *bk = pki_key_generate();
	struct pki *p = pki_new();
	X509 *bridge, *xa;
	char err[256];
	int learned = 0;

	org_make(&a, "ISP A", 0, 30);
	org_make(&r, "Rogue", 0, 30);
	bridge = pki_ca_new(bk, &bo, err, sizeof(err));
	pki_add_anchor(p, bridge);
	for (int i = 0; i < PKI_MAX_UNVERIFIED + 50; i++) {
		struct pki_cert_opts co = { .cn = "sub",
			.days = 30,
			.ca = true,
			.pathlen = 0 };
		EVP_PKEY *k = pki_key_generate();
		X509 *x =
		    pki_cert_issue(r.ca, r.ca_key, k, &co, err, sizeof(err));
		learned += pki_learn_ca(p, x, now_s()) == 1;
		X509_free(x);
		EVP_PKEY_free(k);
	}
	assert_int_equal(learned, PKI_MAX_UNVERIFIED + 50); /* oldest out */
	xa = pki_cross_certify(bridge, bk, a.ca, 365, err, sizeof(err));
	assert_int_equal(pki_learn_ca(p, xa, now_s()), 1);
	assert_int_equal(pki_verify(p, a.node, NULL, now_s(), NULL, err,
			     sizeof(err)),
	    0);
	int held = 0;
	pki_each_learned(p, count_learned, &held);
	assert_int_equal(held, PKI_MAX_UNVERIFIED + 1);
	X509_free(xa);
	X509_free(bridge);
	EVP_PKEY_free(bk);
	org_free(&a);
	org_free(&r);
	pki_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_org_ca_validates_own_nodes),
		cmocka_unit_test(test_bridge_cross_certifies),
		cmocka_unit_test(test_expired_and_not_yet_valid),
		cmocka_unit_test(test_crl_revokes),
		cmocka_unit_test(test_forged_crl_rejected),
		cmocka_unit_test(test_keys_pins_files),
		cmocka_unit_test(test_smime_signer),
		cmocka_unit_test(test_learned_cas_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
