/*
 * attest_test.c: attested reports (node/attest.c, and the store's part
 * in reputation/store.c). Real certificates (an Ed25519 organisation CA
 * from node/peer/pki.c, P-256 abuse-desk signers: OpenSSL 3.0's CMS
 * cannot sign with Ed25519), real CMS signatures (OpenSSL), real batches
 * through store_apply: a verified report counts for its signer's
 * organisation under a pseudo-origin; a corrupted signature, an altered
 * signed part, an untrusted, expired or revoked signer, or a signed part
 * that says something else is dropped and counted, and the relay's other
 * reports count as before; rescore without a verifier gives the same.
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
#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/evp.h>

#include "node/attest.h"
#include "node/peer/pki.h"
#include "tests/lib/testlib.h"

#define NOW_S	1796601600		/* 2026-12-07T00:00:00Z */
#define ARRIVAL	"Mon, 07 Dec 2026 00:00:00 +0000"
#define BATCH_AT ((uint64_t)(NOW_S + 60) * 1000)

struct fx {
	char dir[TL_PATH_MAX];
	EVP_PKEY *ca_key, *other_key, *desk_key;
	X509 *ca, *other_ca, *desk, *expired, *stranger;
	struct pki *pki;
	struct attest *at;
	uint8_t org[PKI_ORG_ID_LEN];
};

static X509 *
issue(X509 *ca, EVP_PKEY *ca_key, EVP_PKEY *key, const char *cn,
    int64_t not_before, uint32_t days)
{
	struct pki_cert_opts o = { .org = "ISP C", .cn = cn,
	    .not_before = not_before, .days = days, .smime = true,
	    .email = "abuse@isp-c.example" };
	char err[256];
	X509 *x = pki_cert_issue(ca, ca_key, key, &o, err, sizeof(err));

	if (x == NULL)
		fprintf(stderr, "issue %s: %s\n", cn, err);
	return x;
}

static X509 *
new_ca(EVP_PKEY *key, const char *org)
{
	struct pki_cert_opts o = { .org = org, .cn = org, .ca = true,
	    .pathlen = -1, .not_before = NOW_S - 86400, .days = 365 };
	char err[256];

	return pki_ca_new(key, &o, err, sizeof(err));
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(tl_tmpdir(f->dir, sizeof(f->dir), "attest_test"), 0);
	assert_non_null(f->ca_key = pki_key_generate());
	assert_non_null(f->other_key = pki_key_generate());
	assert_non_null(f->desk_key = pki_signer_key_generate());
	assert_non_null(f->ca = new_ca(f->ca_key, "ISP C"));
	assert_non_null(f->other_ca = new_ca(f->other_key, "Elsewhere"));
	assert_non_null(f->desk = issue(f->ca, f->ca_key, f->desk_key, "desk",
	    NOW_S - 3600, 30));
	assert_non_null(f->expired = issue(f->ca, f->ca_key, f->desk_key,
	    "old desk", NOW_S - 40 * 86400, 30));
	assert_non_null(f->stranger = issue(f->other_ca, f->other_key,
	    f->desk_key, "stranger", NOW_S - 3600, 30));
	assert_non_null(f->pki = pki_new());
	assert_int_equal(pki_add_anchor(f->pki, f->ca), 0);
	assert_int_equal(pki_cert_org(f->pki, f->desk, NULL, NOW_S, f->org),
	    0);
	assert_non_null(f->at = attest_new());
	attest_set_pki(f->at, f->pki);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	attest_free(f->at);
	pki_free(f->pki);
	X509_free(f->ca);
	X509_free(f->other_ca);
	X509_free(f->desk);
	X509_free(f->expired);
	X509_free(f->stranger);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->other_key);
	EVP_PKEY_free(f->desk_key);
	assert_int_equal(tl_rmtree(f->dir), 0);
	free(f);
	return 0;
}

/* The signed part: an ARF report about ip, with no returned message. */
static size_t
arf_part(char *buf, size_t len, const char *ip)
{
	return (size_t)snprintf(buf, len,
	    "Content-Type: multipart/report; report-type=feedback-report; "
	    "boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	    "A complaint.\r\n--b\r\nContent-Type: message/feedback-report"
	    "\r\n\r\nFeedback-Type: abuse\r\nUser-Agent: FBL/1\r\n"
	    "Version: 1\r\nArrival-Date: " ARRIVAL "\r\nSource-IP: %s\r\n"
	    "\r\n--b--\r\n", ip);
}

/* A detached CMS SignedData over part by cert (DER, malloc'd). */
static uint8_t *
cms_sign(X509 *cert, EVP_PKEY *key, const char *part, size_t len,
    size_t *der_len)
{
	BIO *in = BIO_new_mem_buf(part, (int)len);
	CMS_ContentInfo *cms = CMS_sign(cert, key, NULL, in, CMS_DETACHED |
	    CMS_BINARY);
	unsigned char *der = NULL;
	int n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
	uint8_t *out = n > 0 ? malloc((size_t)n) : NULL;

	if (out != NULL) {
		memcpy(out, der, (size_t)n);
		*der_len = (size_t)n;
	}
	OPENSSL_free(der);
	CMS_ContentInfo_free(cms);
	BIO_free(in);
	return out;
}

/* An attested report: its storage, so that it can be altered. */
struct att {
	char part[2048];
	size_t part_len;
	uint8_t *cms;
	size_t cms_len;
	Reputed__Attestation pb;
};

static void
att_make(struct att *a, X509 *cert, EVP_PKEY *key, const char *ip)
{
	a->part_len = arf_part(a->part, sizeof(a->part), ip);
	assert_non_null(a->cms = cms_sign(cert, key, a->part, a->part_len,
	    &a->cms_len));
	reputed__attestation__init(&a->pb);
	a->pb.cms.data = a->cms;
	a->pb.cms.len = a->cms_len;
	a->pb.signed_part.data = (uint8_t *)a->part;
	a->pb.signed_part.len = a->part_len;
}

/* A report claiming what the signed part says (for ip), attested. */
static void
report_make(Reputed__Report *r, Reputed__Subject *sp, struct subject *s,
    const char *ip, struct att *a)
{
	char err[128];

	assert_int_equal(subject_parse(ip, s, err, sizeof(err)), 0);
	reputed__report__init(r);
	subject_to_proto(s, sp);
	r->subject = sp;
	r->category = REPUTED__CATEGORY__CATEGORY_SPAM;
	r->observed_at = (uint64_t)NOW_S * 1000;
	r->attestation = &a->pb;
}

static enum attest_result
check(struct fx *f, const Reputed__Report *r, struct attest_verdict *v)
{
	char why[320];

	return attest_check(f->at, r, BATCH_AT, v, why, sizeof(why));
}

static void
test_verified(void **state)
{
	struct fx *f = *state;
	struct att a;
	Reputed__Report r;
	Reputed__Subject sp;
	struct subject s;
	struct attest_verdict v;
	uint8_t zero[32] = { 0 };

	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	report_make(&r, &sp, &s, "192.0.2.9", &a);
	assert_int_equal(check(f, &r, &v), ATTEST_OK);
	assert_true(v.ok);
	assert_memory_equal(v.org, f->org, ORG_ID_LEN);
	assert_memory_not_equal(v.signer, zero, 32);
	/* the part fixes a time: a report that leaves it to the batch is
	 * not the same report */
	r.observed_at = 0;
	assert_int_equal(check(f, &r, &v), ATTEST_MISMATCH);
	free(a.cms);
}

/* A corrupted CMS (a flipped byte in the signature value, cut short,
 * not DER at all) or a signed part altered after signing. */
static void
test_bad_signature(void **state)
{
	struct fx *f = *state;
	struct att a;
	Reputed__Report r;
	Reputed__Subject sp;
	struct subject s;
	struct attest_verdict v;

	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	report_make(&r, &sp, &s, "192.0.2.9", &a);
	a.cms[a.cms_len - 8] ^= 0x01;		/* in the signature value */
	assert_int_equal(check(f, &r, &v), ATTEST_BAD_SIGNATURE);
	assert_false(v.ok);
	a.cms[a.cms_len - 8] ^= 0x01;
	assert_int_equal(check(f, &r, &v), ATTEST_OK);
	a.pb.cms.len = a.cms_len / 2;
	assert_int_equal(check(f, &r, &v), ATTEST_BAD_SIGNATURE);
	a.pb.cms.len = 0;
	assert_int_equal(check(f, &r, &v), ATTEST_BAD_SIGNATURE);
	a.pb.cms.data = (uint8_t *)"not der";
	a.pb.cms.len = 7;
	assert_int_equal(check(f, &r, &v), ATTEST_BAD_SIGNATURE);
	a.pb.cms.data = a.cms;
	a.pb.cms.len = a.cms_len;
	a.part[a.part_len - 12] = '8';		/* Source-IP 192.0.2.8 */
	assert_int_equal(check(f, &r, &v), ATTEST_BAD_SIGNATURE);
	free(a.cms);
}

/* A CRL by ca made at issued, revoking cert at revoked (Unix s). */
static X509_CRL *
crl_at(X509 *ca, EVP_PKEY *key, X509 *cert, int64_t issued, int64_t revoked)
{
	X509_CRL *crl = X509_CRL_new();
	X509_REVOKED *rev = X509_REVOKED_new();
	ASN1_TIME *last = ASN1_TIME_set(NULL, (time_t)issued);
	ASN1_TIME *next = ASN1_TIME_set(NULL, (time_t)issued + 30 * 86400);
	ASN1_TIME *when = ASN1_TIME_set(NULL, (time_t)revoked);

	assert_non_null(crl);
	assert_non_null(rev);
	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl,
	    X509_get_subject_name(ca)), 1);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, last), 1);
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, next), 1);
	assert_int_equal(X509_REVOKED_set_serialNumber(rev,
	    X509_get_serialNumber(cert)), 1);
	assert_int_equal(X509_REVOKED_set_revocationDate(rev, when), 1);
	assert_int_equal(X509_CRL_add0_revoked(crl, rev), 1);
	assert_int_equal(X509_CRL_sort(crl), 1);
	assert_true(X509_CRL_sign(crl, key, NULL) > 0);
	ASN1_TIME_free(last);
	ASN1_TIME_free(next);
	ASN1_TIME_free(when);
	return crl;
}

/* The CRLs held speak for the batch's time, whenever they were issued:
 * one issued after it that revokes another certificate, or the signer's
 * from a date after the batch, changes nothing; one that says the signer
 * was revoked before the batch was made drops it. */
static void
test_crl_later(void **state)
{
	struct fx *f = *state;
	struct att a;
	Reputed__Report r;
	Reputed__Subject sp;
	struct subject s;
	struct attest_verdict v;
	int64_t batch_s = (int64_t)(BATCH_AT / 1000);
	X509_CRL *crl;

	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	report_make(&r, &sp, &s, "192.0.2.9", &a);
	crl = crl_at(f->ca, f->ca_key, f->expired, batch_s + 3600,
	    batch_s - 60);
	assert_int_equal(pki_learn_crl(f->pki, crl, batch_s + 3600), 1);
	X509_CRL_free(crl);
	assert_int_equal(check(f, &r, &v), ATTEST_OK);
	crl = crl_at(f->ca, f->ca_key, f->desk, batch_s + 7200, batch_s + 60);
	assert_int_equal(pki_learn_crl(f->pki, crl, batch_s + 7200), 1);
	X509_CRL_free(crl);
	assert_int_equal(check(f, &r, &v), ATTEST_OK);
	crl = crl_at(f->ca, f->ca_key, f->desk, batch_s + 10800, batch_s - 60);
	assert_int_equal(pki_learn_crl(f->pki, crl, batch_s + 10800), 1);
	X509_CRL_free(crl);
	assert_int_equal(check(f, &r, &v), ATTEST_UNTRUSTED);
	assert_false(v.ok);
	free(a.cms);
}

/* Off the paths at the batch's time: another anchor, expired, revoked,
 * or no trust store at all. */
static void
test_untrusted(void **state)
{
	struct fx *f = *state;
	struct att a, b;
	Reputed__Report r;
	Reputed__Subject sp;
	struct subject s;
	struct attest_verdict v;

	att_make(&a, f->stranger, f->desk_key, "192.0.2.9");
	report_make(&r, &sp, &s, "192.0.2.9", &a);
	assert_int_equal(check(f, &r, &v), ATTEST_UNTRUSTED);
	free(a.cms);
	att_make(&b, f->expired, f->desk_key, "192.0.2.9");
	r.attestation = &b.pb;
	assert_int_equal(check(f, &r, &v), ATTEST_UNTRUSTED);
	free(b.cms);
	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	r.attestation = &a.pb;
	attest_set_pki(f->at, NULL);
	assert_int_equal(check(f, &r, &v), ATTEST_UNTRUSTED);
	attest_set_pki(f->at, f->pki);
	assert_int_equal(check(f, &r, &v), ATTEST_OK);
	/* revoked before the batch was made (a CRL of that time) */
	X509_CRL *crl = crl_at(f->ca, f->ca_key, f->desk, NOW_S, NOW_S - 60);
	assert_int_equal(pki_learn_crl(f->pki, crl, NOW_S), 1);
	char why[320];
	assert_int_equal(attest_check(f->at, &r, BATCH_AT, &v, why,
	    sizeof(why)), ATTEST_UNTRUSTED);
	assert_non_null(strstr(why, "revoked"));
	assert_false(v.ok);
	X509_CRL_free(crl);
	free(a.cms);
}

/* A valid signature over a part that says something else. */
static void
test_mismatch(void **state)
{
	struct fx *f = *state;
	struct att a;
	Reputed__Report r;
	Reputed__Subject sp;
	struct subject s;
	struct attest_verdict v;

	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	report_make(&r, &sp, &s, "192.0.2.10", &a);
	assert_int_equal(check(f, &r, &v), ATTEST_MISMATCH);
	report_make(&r, &sp, &s, "192.0.2.9", &a);
	r.category = REPUTED__CATEGORY__CATEGORY_PHISHING;
	assert_int_equal(check(f, &r, &v), ATTEST_MISMATCH);
	r.category = REPUTED__CATEGORY__CATEGORY_SPAM;
	r.observed_at -= 1000;
	assert_int_equal(check(f, &r, &v), ATTEST_MISMATCH);
	assert_false(v.ok);
	free(a.cms);
}

/* Past ATTEST_MAX_PER_BATCH attested reports in one batch, the rest are
 * dropped unverified, in index order (plain reports do not count). */
static void
test_over_limit(void **state)
{
	struct fx *f = *state;
	enum { N = ATTEST_MAX_PER_BATCH + 2 };
	Reputed__Report *rps[N], rs[N];
	Reputed__Subject sp;
	struct subject s;
	Reputed__Batch b = REPUTED__BATCH__INIT;
	struct attest_verdict v;
	struct att a;

	att_make(&a, f->desk, f->desk_key, "192.0.2.9");
	for (int i = 0; i < N; i++) {
		report_make(&rs[i], &sp, &s, "192.0.2.9", &a);
		rps[i] = &rs[i];
	}
	rs[0].attestation = NULL;		/* a plain one: not counted */
	b.reports = rps;
	b.n_reports = N;
	b.created_at = BATCH_AT;
	attest_store_cb(f->at, &b, 1, &v);
	assert_true(v.ok);
	a.cms[a.cms_len - 8] ^= 0x01;		/* cheap to refuse */
	for (int i = 2; i < N - 1; i++)
		attest_store_cb(f->at, &b, (size_t)i, &v);
	assert_int_equal(attest_count(f->at, ATTEST_BAD_SIGNATURE),
	    ATTEST_MAX_PER_BATCH - 1);
	assert_int_equal(attest_count(f->at, ATTEST_OVER_LIMIT), 0);
	a.cms[a.cms_len - 8] ^= 0x01;		/* valid again, but too late */
	attest_store_cb(f->at, &b, N - 1, &v);
	assert_false(v.ok);
	assert_int_equal(attest_count(f->at, ATTEST_OVER_LIMIT), 1);
	assert_int_equal(attest_count(f->at, ATTEST_OK), 1);
	free(a.cms);
}

/* What may travel: no returned message, no recipient, small. */
static void
test_may_travel(void **state)
{
	char part[4096], why[200], *big;
	size_t n = arf_part(part, sizeof(part), "192.0.2.9");

	(void)state;
	assert_true(attest_may_travel(part, n, 1000, why, sizeof(why)));
	assert_false(attest_may_travel(part, n, ATTEST_CMS_MAX + 1, why,
	    sizeof(why)));
	n = (size_t)snprintf(part, sizeof(part), "Content-Type: multipart/"
	    "report; report-type=feedback-report; boundary=\"b\"\n\n--b\n"
	    "Content-Type: message/feedback-report\n\nFeedback-Type: abuse\n"
	    "Source-IP: 192.0.2.9\n\n--b\nContent-Type: text/rfc822-headers\n"
	    "\nFrom: a@example.com\nTo: b@example.net\n\n--b--\n");
	assert_false(attest_may_travel(part, n, 1000, why, sizeof(why)));
	assert_non_null(strstr(why, "returned message"));
	n = (size_t)snprintf(part, sizeof(part), "Content-Type: message/"
	    "feedback-report\n\nFeedback-Type: abuse\nSource-IP: 192.0.2.9\n"
	    "Original-Rcpt-To: <b@example.net>\n");
	assert_false(attest_may_travel(part, n, 1000, why, sizeof(why)));
	assert_non_null(strstr(why, "Original-Rcpt-To"));
	n = (size_t)snprintf(part, sizeof(part), "Content-Type: message/"
	    "feedback-report\n\nFeedback-Type: abuse\nSource-IP: 192.0.2.9\n");
	assert_true(attest_may_travel(part, n, 1000, why, sizeof(why)));
	assert_non_null(big = calloc(1, ATTEST_PART_MAX + 2));
	memset(big, 'x', ATTEST_PART_MAX + 1);
	assert_false(attest_may_travel(big, ATTEST_PART_MAX + 1, 1000, why,
	    sizeof(why)));
	free(big);
}

/* What the store has for subject ip: the origins of its evidence. */
struct seen {
	int n;
	uint8_t origin[4][32];
};

static int
seen_cb(void *arg, const uint8_t origin[32], const struct evidence *ev,
    double trust)
{
	struct seen *s = arg;

	(void)ev;
	(void)trust;
	if (s->n < 4)
		memcpy(s->origin[s->n++], origin, 32);
	return 0;
}

static struct seen
explain(struct store *st, const char *ip)
{
	struct store_reader *r = store_reader_new(st);
	struct seen s = { 0 };
	struct subject subj;
	char err[128];

	assert_int_equal(subject_parse(ip, &subj, err, sizeof(err)), 0);
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_explain(r, &subj, seen_cb, &s), 0);
	store_reader_end(r);
	store_reader_free(r);
	return s;
}

static void
apply(struct store *st, struct tl_batch *tb, struct signer *key)
{
	size_t len;
	uint8_t *sb = tl_batch_seal(tb, key, &len);
	Reputed__Batch *b;
	char err[256];

	assert_non_null(sb);
	assert_int_equal(envelope_decode(sb, len, &b, err, sizeof(err)),
	    ENVELOPE_OK);
	struct store_txn *tx = store_begin(st, err, sizeof(err));
	assert_non_null(tx);
	assert_int_equal(store_apply(tx, sb, len, b, err, sizeof(err)),
	    APPLY_OK);
	assert_int_equal(store_commit(tx, err, sizeof(err)), 0);
	reputed__batch__free_unpacked(b, NULL);
	free(sb);
}

static void
lookup(struct store *st, const char *ip, struct listing *l, int want)
{
	struct store_reader *r = store_reader_new(st);
	struct subject s;
	char err[128];

	assert_int_equal(subject_parse(ip, &s, err, sizeof(err)), 0);
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_lookup(r, &s, l), want);
	store_reader_end(r);
	store_reader_free(r);
}

/* Through store_apply: a relay's batch with a plain report, a verified
 * attested one and one with a corrupted CMS. */
static void
test_store(void **state)
{
	struct fx *f = *state;
	char db[TL_PATH_MAX], err[256];
	struct signer *relay = tl_signer_new(f->dir, "relay.pem");
	struct store *st;
	struct att good, bad;
	struct tl_batch *tb = tl_batch_new(1, BATCH_AT, 4);
	uint8_t pub[32], pseudo[32];
	struct attest_verdict v;
	struct listing before, after;
	struct origin_info oi;

	tl_path(db, sizeof(db), f->dir, "db");
	assert_non_null(relay);
	assert_non_null(st = tl_store_open(db, 0, 1 << 26));
	store_set_attest(st, attest_store_cb, f->at);
	signer_public_key(relay, pub);
	att_make(&good, f->desk, f->desk_key, "192.0.2.9");
	att_make(&bad, f->desk, f->desk_key, "192.0.2.11");
	bad.cms[bad.cms_len - 8] ^= 0x01;
	Reputed__Report *rp;
	assert_non_null(tl_batch_report(tb, "192.0.2.8", 1, 100,
	    (uint64_t)NOW_S * 1000));
	assert_non_null(rp = tl_batch_report(tb, "192.0.2.9", 1, 100,
	    (uint64_t)NOW_S * 1000));
	rp->attestation = &good.pb;
	assert_non_null(rp = tl_batch_report(tb, "192.0.2.11", 1, 100,
	    (uint64_t)NOW_S * 1000));
	rp->attestation = &bad.pb;
	apply(st, tb, relay);
	tl_batch_free(tb);

	/* the relay's own report: its own; the verified one: the pseudo-
	 * origin of the signer, bound to the organisation, via the relay;
	 * the corrupted one: nobody's, counted */
	struct seen s8 = explain(st, "192.0.2.8"), s9 = explain(st,
	    "192.0.2.9"), s11 = explain(st, "192.0.2.11");
	assert_int_equal(s8.n, 1);
	assert_memory_equal(s8.origin[0], pub, 32);
	assert_int_equal(s11.n, 0);
	lookup(st, "192.0.2.11", &after, 1);
	assert_int_equal(attest_count(f->at, ATTEST_OK), 1);
	assert_int_equal(attest_count(f->at, ATTEST_BAD_SIGNATURE), 1);
	struct store_reader *r = store_reader_new(st);
	assert_int_equal(store_reader_begin(r), 0);
	assert_int_equal(store_reader_attest(r, pub, 1, 1, &v), 0);
	assert_true(v.ok);
	assert_int_equal(store_reader_attest(r, pub, 1, 2, &v), 0);
	assert_false(v.ok);
	assert_int_equal(store_reader_attest(r, pub, 1, 0, &v), 1);
	assert_int_equal(store_reader_attest(r, pub, 1, 1, &v), 0);
	attest_pseudo_origin(pub, &v, pseudo);
	assert_int_equal(s9.n, 1);
	assert_memory_equal(s9.origin[0], pseudo, 32);
	assert_int_equal(store_reader_origin(r, pseudo, &oi), 0);
	assert_true(oi.has_org && oi.has_via);
	assert_memory_equal(oi.org, f->org, ORG_ID_LEN);
	assert_memory_equal(oi.via, pub, 32);
	assert_int_equal(oi.highest_seq, 0);
	store_reader_end(r);
	store_reader_free(r);
	lookup(st, "192.0.2.9", &before, 0);
	assert_int_equal(before.n_orgs, 1);

	/* rescore with no verifier: the kept verdicts decide, the same */
	store_set_attest(st, NULL, NULL);
	assert_int_equal(store_rescore(st, err, sizeof(err)), 0);
	lookup(st, "192.0.2.9", &after, 0);
	assert_memory_equal(&before, &after, sizeof(before));
	lookup(st, "192.0.2.11", &after, 1);
	s9 = explain(st, "192.0.2.9");
	assert_int_equal(s9.n, 1);
	assert_memory_equal(s9.origin[0], pseudo, 32);
	assert_int_equal(explain(st, "192.0.2.8").n, 1);
	assert_int_equal(attest_count(f->at, ATTEST_OK), 1);

	/* the relay may retract what it relayed */
	tb = tl_batch_new(2, BATCH_AT + 1000, 1);
	assert_int_equal(tl_batch_retract(tb, 1, 1), 0);
	assert_non_null(tl_batch_report(tb, "192.0.2.12", 1, 100,
	    (uint64_t)NOW_S * 1000));
	apply(st, tb, relay);
	tl_batch_free(tb);
	assert_int_equal(explain(st, "192.0.2.9").n, 0);
	assert_int_equal(explain(st, "192.0.2.8").n, 1);
	free(good.cms);
	free(bad.cms);
	store_close(st);
	signer_free(relay);
}

/* After the trust changes, store_attest_recheck verifies again: a
 * signer anchored only now counts; one whose CRL now dates its
 * revocation before the batch drops out; the relay's own report stays;
 * a rescore gives what the recheck gave. */
static void
test_recheck(void **state)
{
	struct fx *f = *state;
	char db[TL_PATH_MAX], err[256];
	struct signer *relay = tl_signer_new(f->dir, "relay.pem");
	struct store *st;
	struct att good;
	struct tl_batch *tb = tl_batch_new(1, BATCH_AT, 2);
	struct pki *empty = pki_new();
	struct listing before, after;
	uint64_t relays;
	Reputed__Report *rp;

	tl_path(db, sizeof(db), f->dir, "db");
	assert_non_null(relay);
	assert_non_null(empty);
	assert_non_null(st = tl_store_open(db, 0, 1 << 26));
	store_set_attest(st, attest_store_cb, f->at);
	attest_set_pki(f->at, empty);		/* C is not anchored yet */
	att_make(&good, f->desk, f->desk_key, "192.0.2.9");
	assert_non_null(tl_batch_report(tb, "192.0.2.8", 1, 100,
	    (uint64_t)NOW_S * 1000));
	assert_non_null(rp = tl_batch_report(tb, "192.0.2.9", 1, 100,
	    (uint64_t)NOW_S * 1000));
	rp->attestation = &good.pb;
	apply(st, tb, relay);
	tl_batch_free(tb);
	assert_int_equal(explain(st, "192.0.2.9").n, 0);
	assert_int_equal(attest_count(f->at, ATTEST_UNTRUSTED), 1);

	attest_set_pki(f->at, f->pki);		/* now it is */
	assert_int_equal(store_attest_recheck(st, &relays, err, sizeof(err)),
	    0);
	assert_int_equal(relays, 1);
	assert_int_equal(explain(st, "192.0.2.9").n, 1);
	assert_int_equal(explain(st, "192.0.2.8").n, 1);
	assert_int_equal(attest_count(f->at, ATTEST_OK), 1);
	lookup(st, "192.0.2.9", &before, 0);
	assert_int_equal(store_rescore(st, err, sizeof(err)), 0);
	lookup(st, "192.0.2.9", &after, 0);
	assert_memory_equal(&before, &after, sizeof(before));

	/* a CRL that says the desk was revoked before the batch */
	X509_CRL *crl = crl_at(f->ca, f->ca_key, f->desk, NOW_S + 86400,
	    NOW_S - 60);
	assert_int_equal(pki_learn_crl(f->pki, crl, NOW_S + 86400), 1);
	X509_CRL_free(crl);
	assert_int_equal(store_attest_recheck(st, &relays, err, sizeof(err)),
	    0);
	assert_int_equal(explain(st, "192.0.2.9").n, 0);
	lookup(st, "192.0.2.9", &after, 1);
	assert_int_equal(explain(st, "192.0.2.8").n, 1);
	assert_int_equal(attest_count(f->at, ATTEST_UNTRUSTED), 2);
	lookup(st, "192.0.2.8", &before, 0);
	assert_int_equal(store_rescore(st, err, sizeof(err)), 0);
	lookup(st, "192.0.2.8", &after, 0);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(explain(st, "192.0.2.9").n, 0);
	free(good.cms);
	store_close(st);
	signer_free(relay);
	pki_free(empty);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_signature, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_untrusted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_crl_later, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_limit, setup,
		    teardown),
		cmocka_unit_test(test_may_travel),
		cmocka_unit_test_setup_teardown(test_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recheck, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
