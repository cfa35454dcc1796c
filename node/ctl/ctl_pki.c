/*
 * ctl_pki.c: `reputectl ca` and `reputectl cert`, the PKI a deployment
 * needs (see pki.h for the model and docs/PEERING.md for the steps):
 *
 *   reputectl ca new    --key ca.key --cert ca.pem --org ORG [--cn CN] [--days N]
 *   reputectl ca bridge --key br.key --cert br.pem --org ORG [--cn CN] [--days N]
 *   reputectl ca cross  --key br.key --cert br.pem --ca org.pem --out x.pem [--days N]
 *   reputectl ca revoke --key ca.key --cert ca.pem --crl crl.pem [--days N] [CERT...]
 *   reputectl cert issue --ca-key ca.key --ca-cert ca.pem --node-key node.key
 *                        --cn NAME --out node.pem [--org ORG] [--days N]
 *                        [--chain x.pem] [--not-before UNIX]
 *   reputectl cert signer --ca-key ca.key --ca-cert ca.pem --key desk.key
 *                         --out desk.pem --cn NAME [--org ORG] [--email A]
 *                         [--days N] [--not-before UNIX] [--chain x.pem]
 *   reputectl cert show FILE      reputectl cert pin FILE
 *   reputectl cert verify --anchor A.pem [--crl C.pem] [--chain X.pem] FILE
 *
 * A missing key file (--key for ca new/bridge: Ed25519; for cert signer:
 * P-256, an abuse desk's S/MIME key) is generated; an existing one is
 * certified again. Options are
 * read by getopt_long (--name value or --name=value); an unknown option,
 * a missing value or a wrong subcommand prints the usage and exits 2.
 * Other errors go to stderr and exit 1.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/pem.h>

#include "node/ctl/ctl_pki.h"
#include "node/peer/pki.h"

#define CTL_MAX_OPTS 16
#define CTL_MAX_ARGS 64

/* Parsed "--name value" options and the remaining words. */
struct ctl_args {
	const char *value[CTL_MAX_OPTS];	/* by index in the table */
	const struct option *opts;
	char *words[CTL_MAX_ARGS];
	int nwords;
};

/* Every option of ca and cert takes a value; val is the index + 1. */
const struct option ctl_ca_options[] = {
	{ "key", required_argument, NULL, 1 },
	{ "cert", required_argument, NULL, 2 },
	{ "org", required_argument, NULL, 3 },
	{ "cn", required_argument, NULL, 4 },
	{ "days", required_argument, NULL, 5 },
	{ "ca", required_argument, NULL, 6 },
	{ "out", required_argument, NULL, 7 },
	{ "crl", required_argument, NULL, 8 },
	{ 0 } };
const struct option ctl_cert_options[] = {
	{ "ca-key", required_argument, NULL, 1 },
	{ "ca-cert", required_argument, NULL, 2 },
	{ "node-key", required_argument, NULL, 3 },
	{ "cn", required_argument, NULL, 4 },
	{ "out", required_argument, NULL, 5 },
	{ "org", required_argument, NULL, 6 },
	{ "days", required_argument, NULL, 7 },
	{ "chain", required_argument, NULL, 8 },
	{ "not-before", required_argument, NULL, 9 },
	{ "anchor", required_argument, NULL, 10 },
	{ "crl", required_argument, NULL, 11 },
	{ "key", required_argument, NULL, 12 },
	{ "email", required_argument, NULL, 13 },
	{ 0 } };

/* getopt_long over opts; argv[0] (the command) is the first word. -1 for
 * an unknown option or an option without its value (getopt says which). */
static int
ctl_parse(int argc, char **argv, const struct option *opts,
    struct ctl_args *a)
{
	int ch;

	memset(a, 0, sizeof(*a));
	a->opts = opts;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch < 1 || ch > CTL_MAX_OPTS)
			return -1;
		a->value[ch - 1] = optarg;
	}
	a->words[a->nwords++] = argv[0];
	for (int i = optind; i < argc; i++) {
		if (a->nwords == CTL_MAX_ARGS)
			return -1;
		a->words[a->nwords++] = argv[i];
	}
	return 0;
}

static const char *
ctl_opt(const struct ctl_args *a, const char *name)
{
	for (int i = 0; a->opts[i].name != NULL; i++)
		if (strcmp(a->opts[i].name, name) == 0)
			return a->value[i];
	return NULL;
}

/* An option the command cannot do without. */
static const char *
ctl_need(const struct ctl_args *a, const char *name)
{
	const char *v = ctl_opt(a, name);

	if (v == NULL)
		fprintf(stderr, "reputectl: --%s is required\n", name);
	return v;
}

static uint32_t
ctl_days(const struct ctl_args *a, uint32_t def)
{
	const char *v = ctl_opt(a, "days");

	return v ? (uint32_t)strtoul(v, NULL, 10) : def;
}

/* Loads --key, generating it first when the file does not exist. */
static EVP_PKEY *
ctl_key(const char *path, bool create)
{
	char err[256];
	EVP_PKEY *k;

	if (create && access(path, F_OK) != 0) {
		if ((k = pki_key_generate()) == NULL ||
		    pki_save_key(path, k, err, sizeof(err)) == -1) {
			fprintf(stderr, "reputectl: %s: cannot write key\n",
			    path);
			EVP_PKEY_free(k);
			return NULL;
		}
		return k;
	}
	if ((k = pki_load_key(path, err, sizeof(err))) == NULL)
		fprintf(stderr, "reputectl: %s\n", err);
	return k;
}

static X509 *
ctl_cert_file(const char *path)
{
	char err[256];
	X509 *x = pki_load_cert(path, err, sizeof(err));

	if (x == NULL)
		fprintf(stderr, "reputectl: %s\n", err);
	return x;
}

/* ca new / ca bridge: a self-signed CA. */
static int
ctl_ca_new(const struct ctl_args *a, bool bridge)
{
	const char *kp = ctl_need(a, "key"), *cp = ctl_need(a, "cert");
	const char *org = ctl_need(a, "org");
	struct pki_cert_opts o = { .org = org,
		.cn = ctl_opt(a, "cn"),
		.days = ctl_days(a, 3650),
		.ca = true,
		.pathlen = bridge ? 1 : 0 };
	char err[256];
	EVP_PKEY *k;
	X509 *x;
	int rc = 1;

	if (kp == NULL || cp == NULL || org == NULL)
		return 1;
	if (o.cn == NULL)
		o.cn = bridge ? "reputed bridge CA" : "reputed organisation CA";
	if ((k = ctl_key(kp, true)) == NULL)
		return 1;
	if ((x = pki_ca_new(k, &o, err, sizeof(err))) == NULL ||
	    pki_save_cert(cp, &x, 1, err, sizeof(err)) == -1)
		fprintf(stderr, "reputectl: %s\n", err);
	else
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

/* ca cross: the bridge certifies an organisation CA. */
static int
ctl_ca_cross(const struct ctl_args *a)
{
	const char *kp = ctl_need(a, "key"), *cp = ctl_need(a, "cert");
	const char *ca = ctl_need(a, "ca"), *out = ctl_need(a, "out");
	EVP_PKEY *k = NULL;
	X509 *br = NULL, *org = NULL, *x = NULL;
	char err[256];
	int rc = 1;

	if (kp == NULL || cp == NULL || ca == NULL || out == NULL)
		return 1;
	if ((k = ctl_key(kp, false)) == NULL ||
	    (br = ctl_cert_file(cp)) == NULL ||
	    (org = ctl_cert_file(ca)) == NULL)
		goto out;
	if ((x = pki_cross_certify(br, k, org, ctl_days(a, 1825), err,
		 sizeof(err))) == NULL ||
	    pki_save_cert(out, &x, 1, err, sizeof(err)) == -1)
		fprintf(stderr, "reputectl: %s\n", err);
	else
		rc = 0;
out:
	X509_free(x);
	X509_free(org);
	X509_free(br);
	EVP_PKEY_free(k);
	return rc;
}

/* ca revoke: adds the named certificates to the CA's CRL (made if new). */
static int
ctl_ca_revoke(const struct ctl_args *a)
{
	const char *kp = ctl_need(a, "key"), *cp = ctl_need(a, "cert");
	const char *crlp = ctl_need(a, "crl");
	X509 *revoked[CTL_MAX_ARGS], *ca = NULL;
	X509_CRL *old = NULL, *crl = NULL;
	EVP_PKEY *k = NULL;
	char err[256];
	int n = 0, rc = 1;

	if (kp == NULL || cp == NULL || crlp == NULL)
		return 1;
	if ((k = ctl_key(kp, false)) == NULL ||
	    (ca = ctl_cert_file(cp)) == NULL)
		goto out;
	if (access(crlp, F_OK) == 0 &&
	    (old = pki_load_crl(crlp, err, sizeof(err))) == NULL) {
		fprintf(stderr, "reputectl: %s\n", err);
		goto out;
	}
	for (int i = 2; i < a->nwords; i++, n++)
		if ((revoked[n] = ctl_cert_file(a->words[i])) == NULL)
			goto out;
	if ((crl = pki_crl_new(ca, k, old, revoked, (size_t)n, ctl_days(a, 30),
		 err, sizeof(err))) == NULL ||
	    pki_save_crl(crlp, crl, err, sizeof(err)) == -1)
		fprintf(stderr, "reputectl: %s\n", err);
	else
		rc = 0;
out:
	while (n-- > 0)
		X509_free(revoked[n]);
	X509_CRL_free(crl);
	X509_CRL_free(old);
	X509_free(ca);
	EVP_PKEY_free(k);
	return rc;
}

static void
ctl_ca_usage(void)
{
	fprintf(stderr,
	    "usage: reputectl ca new    --key K --cert C --org ORG [--cn CN] "
	    "[--days N]\n"
	    "       reputectl ca bridge --key K --cert C --org ORG [--cn CN] "
	    "[--days N]\n"
	    "       reputectl ca cross  --key K --cert C --ca ORGCA --out X "
	    "[--days N]\n"
	    "       reputectl ca revoke --key K --cert C --crl CRL [--days N] "
	    "[CERT...]\n");
}

int
ctl_ca(int argc, char **argv)
{
	struct ctl_args a;

	if (ctl_parse(argc, argv, ctl_ca_options, &a) == -1 || a.nwords < 2) {
		ctl_ca_usage();
		return 2;
	}
	if (strcmp(a.words[1], "new") == 0 && a.nwords == 2)
		return ctl_ca_new(&a, false);
	if (strcmp(a.words[1], "bridge") == 0 && a.nwords == 2)
		return ctl_ca_new(&a, true);
	if (strcmp(a.words[1], "cross") == 0 && a.nwords == 2)
		return ctl_ca_cross(&a);
	if (strcmp(a.words[1], "revoke") == 0)
		return ctl_ca_revoke(&a);
	ctl_ca_usage();
	return 2;
}

/* Appends the certificates of --chain after the node certificate. */
static int
ctl_save_chain(const char *out, X509 *x, const char *chain)
{
	X509 *all[CTL_MAX_ARGS];
	STACK_OF(X509) *sk = NULL;
	char err[256];
	size_t n = 0;
	int rc;

	all[n++] = x;
	if (chain != NULL) {
		if ((sk = pki_load_certs(chain, err, sizeof(err))) == NULL) {
			fprintf(stderr, "reputectl: %s\n", err);
			return 1;
		}
		for (int i = 0; i < sk_X509_num(sk) && n < CTL_MAX_ARGS; i++)
			all[n++] = sk_X509_value(sk, i);
	}
	if ((rc = pki_save_cert(out, all, n, err, sizeof(err))) == -1)
		fprintf(stderr, "reputectl: %s\n", err);
	sk_X509_pop_free(sk, X509_free);
	return rc == 0 ? 0 : 1;
}

/* cert issue: a node certificate for an existing node key. */
static int
ctl_cert_issue(const struct ctl_args *a)
{
	const char *ckp = ctl_need(a, "ca-key"), *ccp = ctl_need(a, "ca-cert");
	const char *nkp = ctl_need(a, "node-key"), *out = ctl_need(a, "out");
	const char *nb = ctl_opt(a, "not-before");
	struct pki_cert_opts o = { .org = ctl_opt(a, "org"),
		.cn = ctl_need(a, "cn"),
		.days = ctl_days(a, 825),
		.not_before = nb ? strtoll(nb, NULL, 10) : 0 };
	EVP_PKEY *ck = NULL, *nk = NULL;
	X509 *ca = NULL, *x = NULL;
	char err[256];
	int rc = 1;

	if (!ckp || !ccp || !nkp || !out || !o.cn)
		return 1;
	if ((ck = ctl_key(ckp, false)) == NULL ||
	    (ca = ctl_cert_file(ccp)) == NULL ||
	    (nk = ctl_key(nkp, false)) == NULL)
		goto out;
	if ((x = pki_cert_issue(ca, ck, nk, &o, err, sizeof(err))) == NULL)
		fprintf(stderr, "reputectl: %s\n", err);
	else
		rc = ctl_save_chain(out, x, ctl_opt(a, "chain"));
out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(nk);
	EVP_PKEY_free(ck);
	return rc;
}

/* The signer's key: --key loaded (P-256), or generated when the file
 * does not exist (*fresh: to be saved once the certificate is made). */
static EVP_PKEY *
ctl_signer_key(const char *path, bool *fresh)
{
	char err[256];
	EVP_PKEY *k;

	*fresh = access(path, F_OK) != 0;
	if (*fresh) {
		if ((k = pki_signer_key_generate()) == NULL)
			fprintf(stderr, "reputectl: cannot make a P-256 key\n");
		return k;
	}
	if ((k = pki_load_signer_key(path, err, sizeof(err))) == NULL)
		fprintf(stderr, "reputectl: %s\n", err);
	return k;
}

/* The CA's own O= (the signer's organisation unless --org says). */
static const char *
ctl_ca_org(X509 *ca, char *buf, size_t len)
{
	if (X509_NAME_get_text_by_NID(X509_get_subject_name(ca),
		NID_organizationName, buf, (int)len) <= 0)
		return NULL;
	return buf;
}

/* cert signer: an abuse desk's S/MIME signer, key and certificate. The
 * key is written first (safe_file: temporary, fsync, rename), then the
 * certificate: a failure between leaves a key a second run certifies. */
static int
ctl_cert_signer(const struct ctl_args *a)
{
	const char *ckp = ctl_need(a, "ca-key"), *ccp = ctl_need(a, "ca-cert");
	const char *kp = ctl_need(a, "key"), *out = ctl_need(a, "out");
	const char *nb = ctl_opt(a, "not-before");
	struct pki_cert_opts o = { .org = ctl_opt(a, "org"),
		.cn = ctl_need(a, "cn"),
		.days = ctl_days(a, 825),
		.not_before = nb ? strtoll(nb, NULL, 10) : 0,
		.smime = true,
		.email = ctl_opt(a, "email") };
	EVP_PKEY *ck = NULL, *k = NULL;
	X509 *ca = NULL, *x = NULL;
	char err[256], org[256];
	bool fresh = false;
	int rc = 1;

	if (!ckp || !ccp || !kp || !out || !o.cn)
		return 1;
	if ((ck = ctl_key(ckp, false)) == NULL ||
	    (ca = ctl_cert_file(ccp)) == NULL ||
	    (k = ctl_signer_key(kp, &fresh)) == NULL)
		goto out;
	if (o.org == NULL)
		o.org = ctl_ca_org(ca, org, sizeof(org));
	if ((x = pki_cert_issue(ca, ck, k, &o, err, sizeof(err))) == NULL ||
	    (fresh && pki_save_key(kp, k, err, sizeof(err)) == -1))
		fprintf(stderr, "reputectl: %s\n", err);
	else
		rc = ctl_save_chain(out, x, ctl_opt(a, "chain"));
out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ck);
	return rc;
}

static void
ctl_print_name(const char *what, const X509_NAME *n)
{
	char buf[512];

	X509_NAME_oneline(n, buf, sizeof(buf));
	printf("%-10s %s\n", what, buf);
}

/* cert show / cert pin. */
static int
ctl_cert_show(const char *path, bool pin_only)
{
	uint8_t pub[ED25519_KEY_LEN];
	char hex[65];
	X509 *x = ctl_cert_file(path);
	BIO *out;

	if (x == NULL)
		return 1;
	if (pki_cert_pubkey(x, pub) == -1) {
		fprintf(stderr, "reputectl: %s: not an Ed25519 certificate\n",
		    path);
		X509_free(x);
		return 1;
	}
	pki_pin_format(pub, hex);
	if (pin_only) {
		printf("%s\n", hex);
		X509_free(x);
		return 0;
	}
	ctl_print_name("subject", X509_get_subject_name(x));
	ctl_print_name("issuer", X509_get_issuer_name(x));
	out = BIO_new_fp(stdout, BIO_NOCLOSE);
	BIO_printf(out, "%-10s ", "notBefore");
	ASN1_TIME_print(out, X509_get0_notBefore(x));
	BIO_printf(out, "\n%-10s ", "notAfter");
	ASN1_TIME_print(out, X509_get0_notAfter(x));
	BIO_printf(out, "\n%-10s %s\n%-10s %s\n", "ca",
	    pki_cert_is_ca(x) ? "yes" : "no", "key", hex);
	BIO_free(out);
	X509_free(x);
	return 0;
}

/* cert verify: path validation as the daemon does it, now. */
static int
ctl_cert_verify(const struct ctl_args *a)
{
	const char *anchor = ctl_need(a, "anchor"), *crl = ctl_opt(a, "crl");
	const char *chain = ctl_opt(a, "chain");
	struct pki *p = pki_new();
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	char err[256];
	int rc = 1;

	if (anchor == NULL || p == NULL || a->nwords != 3)
		goto out;
	if (pki_add_anchor_file(p, anchor, err, sizeof(err)) == -1 ||
	    (crl && pki_add_crl_file(p, crl, err, sizeof(err)) == -1) ||
	    (chain && (sk = pki_load_certs(chain, err, sizeof(err))) == NULL)) {
		fprintf(stderr, "reputectl: %s\n", err);
		goto out;
	}
	if ((x = ctl_cert_file(a->words[2])) == NULL)
		goto out;
	if (pki_verify(p, x, sk, (int64_t)time(NULL), NULL, err, sizeof(err)) ==
	    0) {
		printf("%s: ok\n", a->words[2]);
		rc = 0;
	} else
		printf("%s: %s\n", a->words[2], err);
out:
	sk_X509_pop_free(sk, X509_free);
	X509_free(x);
	pki_free(p);
	return rc;
}

static void
ctl_cert_usage(void)
{
	fprintf(stderr,
	    "usage: reputectl cert issue --ca-key K --ca-cert C --node-key NK "
	    "--cn NAME\n"
	    "                 --out OUT [--org ORG] [--days N] [--chain X] "
	    "[--not-before UNIX]\n"
	    "       reputectl cert signer --ca-key K --ca-cert C --key DK "
	    "--out OUT --cn NAME\n"
	    "                 [--org ORG] [--email ADDR] [--days N] "
	    "[--chain X] [--not-before UNIX]\n"
	    "       reputectl cert show FILE | pin FILE\n"
	    "       reputectl cert verify --anchor A [--crl CRL] [--chain X] "
	    "FILE\n");
}

int
ctl_cert(int argc, char **argv)
{
	struct ctl_args a;

	if (ctl_parse(argc, argv, ctl_cert_options, &a) == -1 ||
	    a.nwords < 2) {
		ctl_cert_usage();
		return 2;
	}
	if (strcmp(a.words[1], "issue") == 0 && a.nwords == 2)
		return ctl_cert_issue(&a);
	if (strcmp(a.words[1], "signer") == 0 && a.nwords == 2)
		return ctl_cert_signer(&a);
	if (strcmp(a.words[1], "show") == 0 && a.nwords == 3)
		return ctl_cert_show(a.words[2], false);
	if (strcmp(a.words[1], "pin") == 0 && a.nwords == 3)
		return ctl_cert_show(a.words[2], true);
	if (strcmp(a.words[1], "verify") == 0)
		return ctl_cert_verify(&a);
	ctl_cert_usage();
	return 2;
}
