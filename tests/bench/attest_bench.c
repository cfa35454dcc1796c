/*
 * attest_bench.c: what attested reports cost (docs/FEEDS.md, "Signed
 * complaints"), on one thread, CPU time:
 *
 *   verify   attest_check of one attested report (a P-256 S/MIME
 *            signature, a path of one Ed25519 CA, the signed ARF part
 *            read again): reports/s, beside a bare CMS_verify of the
 *            same signature (what OpenSSL alone costs) in the same run.
 *   apply    a batch of 256 attested reports (each signed apart) through
 *            store_apply with the verifier, beside 256 plain reports:
 *            ms per batch, inside the write transaction; and rescore of
 *            the store (kept verdicts, no verification).
 *
 * Options: -n BATCHES (default 20).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/evp.h>

#include "node/attest.h"
#include "node/peer/pki.h"
#include "tests/lib/testlib.h"

#define NOW_S		1796601600		/* 2026-12-07T00:00:00Z */
#define PER_BATCH	256

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "attest_bench: %s\n", what);
	exit(1);
}

/* One signed complaint part about 192.0.2.x, and its detached CMS. */
struct att {
	char part[1024];
	size_t part_len;
	unsigned char *cms;
	int cms_len;
	Reputed__Attestation pb;
};

static void
att_make(struct att *a, X509 *cert, EVP_PKEY *key, unsigned host)
{
	a->part_len = (size_t)snprintf(a->part, sizeof(a->part),
	    "Content-Type: message/feedback-report\r\n\r\nFeedback-Type: "
	    "abuse\r\nArrival-Date: Mon, 07 Dec 2026 00:00:00 +0000\r\n"
	    "Source-IP: 192.0.%u.%u\r\n", host / 256, host % 256);
	BIO *in = BIO_new_mem_buf(a->part, (int)a->part_len);
	CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, in, CMS_DETACHED |
	    CMS_BINARY);
	a->cms = NULL;
	if (cms == NULL || (a->cms_len = i2d_CMS_ContentInfo(cms,
	    &a->cms)) <= 0)
		die("CMS_sign");
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	reputed__attestation__init(&a->pb);
	a->pb.cms.data = a->cms;
	a->pb.cms.len = (size_t)a->cms_len;
	a->pb.signed_part.data = (uint8_t *)a->part;
	a->pb.signed_part.len = a->part_len;
}

int
main(int argc, char **argv)
{
	int nb = 20, c;
	char dir[TL_PATH_MAX], db[TL_PATH_MAX], err[256];
	struct pki_cert_opts co = { .org = "ISP C", .cn = "ISP C", .ca = true,
	    .pathlen = -1, .not_before = NOW_S - 86400, .days = 365 };
	struct pki_cert_opts lo = { .org = "ISP C", .cn = "desk",
	    .not_before = NOW_S - 3600, .days = 30, .smime = true };

	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n')
			nb = atoi(optarg);
	if (tl_tmpdir(dir, sizeof(dir), "attest_bench") != 0)
		die("tmpdir");
	EVP_PKEY *cak = pki_key_generate(), *dk = pki_signer_key_generate();
	X509 *ca = pki_ca_new(cak, &co, err, sizeof(err));
	X509 *desk = ca ? pki_cert_issue(ca, cak, dk, &lo, err, sizeof(err)) :
	    NULL;
	struct pki *pki = pki_new();
	struct attest *at = attest_new();
	if (desk == NULL || pki == NULL || at == NULL ||
	    pki_add_anchor(pki, ca) != 0)
		die(err);
	attest_set_pki(at, pki);

	struct att *atts = calloc(PER_BATCH, sizeof(*atts));
	if (atts == NULL)
		die("out of memory");
	for (unsigned i = 0; i < PER_BATCH; i++)
		att_make(&atts[i], desk, dk, i + 1);

	/* verify: attest_check against a bare CMS_verify, same signatures */
	Reputed__Report r = REPUTED__REPORT__INIT;
	Reputed__Subject sp = REPUTED__SUBJECT__INIT;
	struct subject s;
	struct attest_verdict v;
	char why[320];
	uint64_t n = 0;
	double t0 = cpu_now();
	while (cpu_now() - t0 < 2.0) {
		struct att *a = &atts[n % PER_BATCH];
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.%u.%u",
		    (unsigned)(n % PER_BATCH + 1) / 256,
		    (unsigned)(n % PER_BATCH + 1) % 256);
		subject_parse(ip, &s, err, sizeof(err));
		subject_to_proto(&s, &sp);
		r.subject = &sp;
		r.category = 1;
		r.observed_at = (uint64_t)NOW_S * 1000;
		r.attestation = &a->pb;
		if (attest_check(at, &r, (uint64_t)(NOW_S + 60) * 1000, &v,
		    why, sizeof(why)) != ATTEST_OK)
			die(why);
		n++;
	}
	double ours = (double)n / (cpu_now() - t0);
	n = 0;
	t0 = cpu_now();
	while (cpu_now() - t0 < 2.0) {
		struct att *a = &atts[n % PER_BATCH];
		const unsigned char *p = a->cms;
		CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p,
		    a->cms_len);
		BIO *in = BIO_new_mem_buf(a->part, (int)a->part_len);
		if (cms == NULL || CMS_verify(cms, NULL, NULL, in, NULL,
		    CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) != 1)
			die("CMS_verify");
		CMS_ContentInfo_free(cms);
		BIO_free(in);
		n++;
	}
	double bare = (double)n / (cpu_now() - t0);
	printf("verify: %.0f attested reports/s (attest_check: CMS, path, "
	    "signed part read again); bare CMS_verify %.0f/s; ratio %.2f\n",
	    ours, bare, ours / bare);

	/* apply: batches of attested reports against plain ones */
	tl_path(db, sizeof(db), dir, "db");
	struct store *st = tl_store_open(db, 0, (size_t)1 << 30);
	struct signer *relay = tl_signer_new(dir, "relay.pem");
	if (st == NULL || relay == NULL)
		die("store");
	store_set_attest(st, attest_store_cb, at);
	double ms[2] = { 0, 0 };
	uint64_t seq = 1;
	for (int k = 0; k < nb; k++)
		for (int attested = 0; attested < 2; attested++) {
			struct tl_batch *tb = tl_batch_new(seq,
			    (uint64_t)(NOW_S + 60) * 1000 + seq, PER_BATCH);
			for (unsigned i = 0; i < PER_BATCH; i++) {
				char ip[32];
				snprintf(ip, sizeof(ip), "192.0.%u.%u",
				    (i + 1) / 256, (i + 1) % 256);
				Reputed__Report *rp = tl_batch_report(tb, ip, 1,
				    100, (uint64_t)NOW_S * 1000);
				if (rp == NULL)
					die("report");
				if (attested)
					rp->attestation = &atts[i].pb;
			}
			size_t len;
			uint8_t *sb = tl_batch_seal(tb, relay, &len);
			Reputed__Batch *b;
			if (sb == NULL || envelope_decode(sb, len, &b, err,
			    sizeof(err)) != ENVELOPE_OK)
				die("seal");
			double t = cpu_now();
			struct store_txn *tx = store_begin(st, err,
			    sizeof(err));
			if (tx == NULL || store_apply(tx, sb, len, b, err,
			    sizeof(err)) != APPLY_OK ||
			    store_commit(tx, err, sizeof(err)) != 0)
				die(err);
			ms[attested] += (cpu_now() - t) * 1000;
			reputed__batch__free_unpacked(b, NULL);
			free(sb);
			tl_batch_free(tb);
			seq++;
		}
	printf("apply: a batch of %d reports through store_apply: %.1f ms "
	    "plain, %.1f ms attested (%d batches each)\n", PER_BATCH,
	    ms[0] / nb, ms[1] / nb, nb);
	uint64_t before = attest_count(at, ATTEST_OK);
	t0 = cpu_now();
	if (store_rescore(st, err, sizeof(err)) != 0)
		die(err);
	printf("rescore: %d batches (%d attested reports) in %.1f ms, %llu "
	    "verifications before, %llu after\n", 2 * nb, nb * PER_BATCH,
	    (cpu_now() - t0) * 1000, (unsigned long long)before,
	    (unsigned long long)attest_count(at, ATTEST_OK));
	store_close(st);
	signer_free(relay);
	for (unsigned i = 0; i < PER_BATCH; i++)
		OPENSSL_free(atts[i].cms);
	free(atts);
	attest_free(at);
	pki_free(pki);
	X509_free(ca);
	X509_free(desk);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(dk);
	tl_rmtree(dir);
	return 0;
}
