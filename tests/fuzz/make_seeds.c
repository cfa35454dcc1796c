/*
 * make_seeds.c: writes the seed corpora of the fuzz targets into
 * tests/fuzz/corpus/<target>/. Run from the top of the tree after building
 * the library (any BUILD directory):
 *
 *   make BUILD=build-fnd build-fnd/libreputed.a
 *   cc -std=c17 -D_GNU_SOURCE -I. -Ibuild-fnd -o /tmp/make_seeds \
 *       tests/fuzz/make_seeds.c build-fnd/libreputed.a \
 *       $(pkg-config --libs openssl libprotobuf-c lmdb) -lm
 *   /tmp/make_seeds tests/fuzz/corpus
 *
 * Batches are signed by the fixed key of fuzz_common.h, so the targets can
 * verify and re-sign them. Ed25519 signatures are deterministic, so the
 * seeds are the same on every run.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "proto/proto.h"
#include "tests/fuzz/fuzz_common.h"

#define T0	1764374400000ull	/* 2025-11-29 00:00 UTC, in ms */

static const char *outdir;

static void
write_seed(const char *target, const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		perror(path);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* ---- batches ---- */

struct rep {
	Reputed__Report r;
	Reputed__Subject s;
	Reputed__MailEvidence m;
};

static void
rep_ip(struct rep *x, const uint8_t *addr, size_t alen, unsigned plen,
    unsigned cat, unsigned conf, uint64_t at)
{
	reputed__report__init(&x->r);
	reputed__subject__init(&x->s);
	x->s.addr.data = (uint8_t *)addr;
	x->s.addr.len = alen;
	x->s.prefix_len = plen;
	x->r.subject = &x->s;
	x->r.category = cat;
	x->r.confidence = conf;
	x->r.observed_at = at;
}

static void
rep_domain(struct rep *x, const char *domain, unsigned cat, uint64_t at,
    const uint8_t *client, const char *helo, const char *mfrom,
    const char *pra, unsigned spf_helo, unsigned spf_mfrom, unsigned sid)
{
	reputed__report__init(&x->r);
	reputed__subject__init(&x->s);
	x->s.domain = (char *)domain;
	x->r.subject = &x->s;
	x->r.category = cat;
	x->r.observed_at = at;
	x->r.ttl = 3 * 86400;
	if (helo == NULL)
		return;
	reputed__mail_evidence__init(&x->m);
	x->m.client_ip.data = (uint8_t *)client;
	x->m.client_ip.len = client ? 4 : 0;
	x->m.helo = (char *)helo;
	x->m.mail_from = (char *)mfrom;
	x->m.pra = (char *)pra;
	x->m.spf_helo = spf_helo;
	x->m.spf_mail_from = spf_mfrom;
	x->m.sender_id_pra = sid;
	x->r.mail = &x->m;
}

/* Packs a batch of the fixed key; returns the Batch bytes. */
static uint8_t *
pack_batch(uint64_t seq, struct rep *reps, size_t n, Reputed__Retraction **rt,
    size_t nrt, size_t *len)
{
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Report *rs[16];
	uint8_t pub[ED25519_KEY_LEN];
	signer_public_key(fuzz_signer(), pub);
	for (size_t i = 0; i < n; i++)
		rs[i] = &reps[i].r;
	b.origin.data = pub;
	b.origin.len = sizeof(pub);
	b.seq = seq;
	b.created_at = T0 + seq * 60000;
	b.reports = rs;
	b.n_reports = n;
	b.retractions = rt;
	b.n_retractions = nrt;
	*len = reputed__batch__get_packed_size(&b);
	uint8_t *out = malloc(*len);
	reputed__batch__pack(&b, out);
	return out;
}

/* Writes one batch as a batch_fuzz seed and, signed, as an envelope_fuzz
 * seed; returns the SignedBatch bytes (caller frees). */
static uint8_t *
batch_seed(const char *name, uint64_t seq, struct rep *reps, size_t n,
    Reputed__Retraction **rt, size_t nrt, size_t *sblen)
{
	size_t blen;
	uint8_t *bb = pack_batch(seq, reps, n, rt, nrt, &blen);
	uint8_t *sb = fuzz_wrap(bb, blen, sblen);
	write_seed("batch_fuzz", name, bb, blen);
	write_seed("envelope_fuzz", name, sb, *sblen);
	free(bb);
	return sb;
}

static uint8_t *first_sb;
static size_t first_sblen;

static void
batches(void)
{
	static const uint8_t v4a[4] = { 192, 0, 2, 1 }, v4b[4] = { 198, 51,
	    100, 7 }, net[4] = { 203, 0, 113, 0 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 192, 0,
	    2, 99 };
	struct rep r[8];
	size_t len;
	uint8_t *sb;

	rep_ip(&r[0], v4a, 4, 0, REPUTED__CATEGORY__CATEGORY_SPAM, 80, T0);
	rep_ip(&r[1], v4b, 4, 0, REPUTED__CATEGORY__CATEGORY_SCANNING, 0, 0);
	rep_ip(&r[2], net, 4, 24, REPUTED__CATEGORY__CATEGORY_BOTNET, 50, T0);
	first_sb = batch_seed("seq1-ipv4", 1, r, 3, NULL, 0, &first_sblen);

	rep_domain(&r[0], "example.com", REPUTED__CATEGORY__CATEGORY_SPAM,
	    T0 + 1000, v4a, "mail.example.com", "bob@example.com",
	    "bob@example.com", REPUTED__AUTH_RESULT__AUTH_PASS,
	    REPUTED__AUTH_RESULT__AUTH_PASS, REPUTED__AUTH_RESULT__AUTH_PASS);
	rep_domain(&r[1], "victim.example", REPUTED__CATEGORY__CATEGORY_PHISHING,
	    T0 + 2000, v4b, "bot.invalid", "ceo@victim.example",
	    "ceo@victim.example", REPUTED__AUTH_RESULT__AUTH_NONE,
	    REPUTED__AUTH_RESULT__AUTH_FAIL,
	    REPUTED__AUTH_RESULT__AUTH_SOFTFAIL);
	rep_domain(&r[2], "neutral.example.org",
	    REPUTED__CATEGORY__CATEGORY_SPAM, T0 + 3000, NULL, "x.example.org",
	    "", "a@neutral.example.org", REPUTED__AUTH_RESULT__AUTH_NEUTRAL,
	    REPUTED__AUTH_RESULT__AUTH_NOT_CHECKED,
	    REPUTED__AUTH_RESULT__AUTH_TEMPERROR);
	rep_domain(&r[3], "phish.example.net",
	    REPUTED__CATEGORY__CATEGORY_PHISHING, T0, NULL, NULL, NULL, NULL,
	    0, 0, 0);
	sb = batch_seed("seq2-domains-mail", 2, r, 4, NULL, 0, &len);
	free(sb);

	rep_ip(&r[0], v6, 16, 32, REPUTED__CATEGORY__CATEGORY_DDOS, 30, T0);
	rep_ip(&r[1], v6, 16, 0, REPUTED__CATEGORY__CATEGORY_MALWARE, 100, T0);
	rep_ip(&r[2], mapped, 16, 0, REPUTED__CATEGORY__CATEGORY_NOT_SPAM, 90,
	    T0);
	r[2].r.ttl = 86400;
	sb = batch_seed("seq3-ipv6", 3, r, 3, NULL, 0, &len);
	free(sb);

	Reputed__Retraction rt[2] = { REPUTED__RETRACTION__INIT,
	    REPUTED__RETRACTION__INIT };
	Reputed__Retraction *rtp[2] = { &rt[0], &rt[1] };
	rt[0].seq = 1;
	rt[0].index = 0;
	rt[1].seq = 2;
	rt[1].index = 1;
	rep_ip(&r[0], v4a, 4, 0, REPUTED__CATEGORY__CATEGORY_BRUTE_FORCE, 60,
	    T0 + 240000);
	sb = batch_seed("seq4-retractions", 4, r, 1, rtp, 2, &len);
	free(sb);
	sb = batch_seed("seq4-retract-only", 4, r, 0, rtp, 1, &len);
	free(sb);

	rep_ip(&r[0], v4b, 4, 0, REPUTED__CATEGORY__CATEGORY_FRAUD, 10,
	    T0 + 400000);
	sb = batch_seed("seq7-gap", 7, r, 1, NULL, 0, &len);
	free(sb);

	/* Invalid: unknown category, confidence over 100, future report. */
	rep_ip(&r[0], v4a, 4, 0, 42, 0, T0);
	sb = batch_seed("bad-category", 5, r, 1, NULL, 0, &len);
	free(sb);
	rep_ip(&r[0], v4a, 4, 0, REPUTED__CATEGORY__CATEGORY_SPAM, 101, T0);
	sb = batch_seed("bad-confidence", 5, r, 1, NULL, 0, &len);
	free(sb);
	rep_ip(&r[0], v4a, 4, 0, REPUTED__CATEGORY__CATEGORY_SPAM, 1,
	    T0 + 86400000ull * 365);
	sb = batch_seed("bad-future", 5, r, 1, NULL, 0, &len);
	free(sb);

	/* A corrupted signature: the last byte of the SignedBatch. */
	rep_ip(&r[0], v4a, 4, 0, REPUTED__CATEGORY__CATEGORY_SPAM, 100, T0);
	sb = batch_seed("seq5-spam", 5, r, 1, NULL, 0, &len);
	sb[len - 1] ^= 0x01;
	write_seed("envelope_fuzz", "bad-signature", sb, len);
	free(sb);
}

/* ---- frames ---- */

static void
frame_seed(const char *name, const Reputed__Frame *f, uint8_t **stream,
    size_t *slen)
{
	size_t len;
	uint8_t *buf = frame_encode(f, &len);
	write_seed("frame_fuzz", name, buf, len);
	*stream = realloc(*stream, *slen + len);
	memcpy(*stream + *slen, buf, len);
	*slen += len;
	free(buf);
}

static void
frames(void)
{
	uint8_t pub[ED25519_KEY_LEN], *stream = NULL;
	size_t slen = 0;
	signer_public_key(fuzz_signer(), pub);

	Reputed__VersionEntry ve = REPUTED__VERSION_ENTRY__INIT, *vep = &ve;
	ve.origin.data = pub;
	ve.origin.len = sizeof(pub);
	ve.seq = 42;
	Reputed__Hello hello = REPUTED__HELLO__INIT;
	hello.version = PROTO_VERSION;
	hello.node_key.data = pub;
	hello.node_key.len = sizeof(pub);
	hello.vv = &vep;
	hello.n_vv = 1;
	hello.name = "isp-a.example";
	Reputed__Frame f = REPUTED__FRAME__INIT;
	f.msg_case = REPUTED__FRAME__MSG_HELLO;
	f.hello = &hello;
	frame_seed("hello", &f, &stream, &slen);

	Reputed__SignedBatch *sb = reputed__signed_batch__unpack(NULL,
	    first_sblen, first_sb);
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_BATCH;
	f.batch = sb;
	frame_seed("batch", &f, &stream, &slen);
	reputed__signed_batch__free_unpacked(sb, NULL);

	Reputed__WantRange wr = REPUTED__WANT_RANGE__INIT, *wrp = &wr;
	wr.origin.data = pub;
	wr.origin.len = sizeof(pub);
	wr.from_seq = 3;
	wr.to_seq = 9;
	Reputed__Want want = REPUTED__WANT__INIT;
	want.ranges = &wrp;
	want.n_ranges = 1;
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_WANT;
	f.want = &want;
	frame_seed("want", &f, &stream, &slen);

	Reputed__Ping ping = REPUTED__PING__INIT;
	ping.nonce = 0x0123456789abcdefull;
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_PING;
	f.ping = &ping;
	frame_seed("ping", &f, &stream, &slen);
	Reputed__Pong pong = REPUTED__PONG__INIT;
	pong.nonce = ping.nonce;
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_PONG;
	f.pong = &pong;
	frame_seed("pong", &f, &stream, &slen);

	Reputed__Goodbye bye = REPUTED__GOODBYE__INIT;
	bye.reason = REPUTED__GOODBYE_REASON__BYE_BAD_SIGNATURE;
	bye.text = "batch 7 of origin ab12: bad signature";
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_GOODBYE;
	f.goodbye = &bye;
	frame_seed("goodbye", &f, &stream, &slen);

	static uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
	ProtobufCBinaryData certs[2] = { { sizeof(der), der },
	    { sizeof(der), der } };
	Reputed__Directory dir = REPUTED__DIRECTORY__INIT;
	dir.certs = certs;
	dir.n_certs = 2;
	dir.crls = certs;
	dir.n_crls = 1;
	reputed__frame__init(&f);
	f.msg_case = REPUTED__FRAME__MSG_DIRECTORY;
	f.directory = &dir;
	frame_seed("directory", &f, &stream, &slen);

	write_seed("frame_fuzz", "stream", stream, slen);
	write_seed("frame_fuzz", "truncated", stream, slen / 2);
	static const uint8_t empty[] = { 0, 0, 0, 0, 0x22, 0x00 };
	static const uint8_t huge[] = { 0x7f, 0xff, 0xff, 0xff, 0x22, 0x00 };
	static const uint8_t short_hdr[] = { 0x00, 0x00 };
	static const uint8_t nokind[] = { 0, 0, 0, 2, 0x78, 0x01 };
	write_seed("frame_fuzz", "empty-frame", empty, sizeof(empty));
	write_seed("frame_fuzz", "too-large", huge, sizeof(huge));
	write_seed("frame_fuzz", "short-header", short_hdr, sizeof(short_hdr));
	write_seed("frame_fuzz", "unknown-field", nokind, sizeof(nokind));
	free(stream);
}

/* ---- subjects ---- */

static void
subjects(void)
{
	static const char *const texts[][2] = {
		{ "ipv4", "192.0.2.1" },
		{ "ipv4-prefix", "198.51.100.0/24" },
		{ "ipv4-host-bits", "198.51.100.1/24" },
		{ "ipv6", "2001:db8::1" },
		{ "ipv6-prefix", "2001:db8::/32" },
		{ "ipv4-mapped", "::ffff:192.0.2.1" },
		{ "ipv4-mapped-prefix", "::ffff:192.0.2.0/120" },
		{ "domain", "Mail.Example.COM." },
		{ "wildcard", "*.example.org" },
		{ "underscore", "_dmarc.example.net" },
		{ "a-label", "xn--bcher-kva.example" },
		{ "non-ascii", "b\xc3\xbc" "cher.example" },
		{ "numeric-tld", "1.2.3.4.5" },
		{ "one-label", "localhost" },
		{ "hyphen", "-bad-.example" },
		{ "long-label", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com" },
		{ "bad-prefix", "10.0.0.0/33" },
		{ "empty-label", "a..example" },
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		write_seed("subject_fuzz", texts[i][0], texts[i][1],
		    strlen(texts[i][1]));
	static const uint8_t key_v4[] = { 4, 192, 0, 2, 0, 24 };
	static const uint8_t key_dom[] = "Dcom\0example\0mail\0";
	write_seed("subject_fuzz", "key-ipv4", key_v4, sizeof(key_v4));
	write_seed("subject_fuzz", "key-domain", key_dom, sizeof(key_dom));
}

int
main(int argc, char **argv)
{
	outdir = argc > 1 ? argv[1] : "tests/fuzz/corpus";
	batches();
	frames();
	subjects();
	free(first_sb);
	return 0;
}
