/*
 * proto_test.c: framing limits and the signed envelope, at and around each
 * limit: the length prefix, the frame size limit, empty and truncated
 * frames, garbage, and a signature over other bytes; files written for
 * keeps (safe_file) and a key cut short.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "proto/proto.h"
#include "tests/lib/testlib.h"

static void
header(uint8_t *b, uint32_t n)
{
	b[0] = (uint8_t)(n >> 24);
	b[1] = (uint8_t)(n >> 16);
	b[2] = (uint8_t)(n >> 8);
	b[3] = (uint8_t)n;
}

static void
test_frame_peek_limits(void **state)
{
	uint8_t b[8] = { 0 };
	uint32_t n;
	assert_int_equal(frame_peek(b, 3, 100, &n), FRAME_NEED_MORE);
	assert_int_equal(frame_peek(b, 4, 100, &n), FRAME_EMPTY);
	header(b, 100);
	assert_int_equal(frame_peek(b, 4, 100, &n), FRAME_NEED_MORE);
	assert_int_equal(n, 100);
	header(b, 101);		/* one past the limit: refused at once */
	assert_int_equal(frame_peek(b, 4, 100, &n), FRAME_TOO_LARGE);
	header(b, 4);
	assert_int_equal(frame_peek(b, 8, 100, &n), FRAME_OK);
	header(b, UINT32_MAX);
	assert_int_equal(frame_peek(b, 8, FRAME_MAX_DEFAULT, &n),
	    FRAME_TOO_LARGE);
}

static void
test_frame_roundtrip_and_garbage(void **state)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Ping ping = REPUTED__PING__INIT;
	char err[160];
	size_t len;
	uint32_t n;
	ping.nonce = 42;
	f.msg_case = REPUTED__FRAME__MSG_PING;
	f.ping = &ping;
	uint8_t *buf = frame_encode(&f, &len);
	assert_non_null(buf);
	assert_int_equal(frame_peek(buf, len, FRAME_MAX_DEFAULT, &n), FRAME_OK);
	Reputed__Frame *d = frame_decode(buf + 4, n, err, sizeof(err));
	assert_non_null(d);
	assert_string_equal(frame_kind_name(d), "ping");
	assert_int_equal(d->ping->nonce, 42);
	reputed__frame__free_unpacked(d, NULL);
	/* Truncated by one byte: not a valid Frame. */
	assert_null(frame_decode(buf + 4, n - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "not a valid protobuf Frame"));
	free(buf);
	/* A Hello whose key is not 32 bytes. */
	Reputed__Hello h = REPUTED__HELLO__INIT;
	uint8_t key[31] = { 0 };
	h.node_key.data = key;
	h.node_key.len = sizeof(key);
	f.msg_case = REPUTED__FRAME__MSG_HELLO;
	f.hello = &h;
	buf = frame_encode(&f, &len);
	assert_null(frame_decode(buf + 4, len - 4, err, sizeof(err)));
	assert_non_null(strstr(err, "node key is 31 bytes"));
	free(buf);
	/* No message at all. */
	uint8_t empty[2] = { 0x08, 0x01 };	/* unknown field 1 varint */
	assert_null(frame_decode(empty, 0, err, sizeof(err)));
}

static void
test_envelope_signature(void **state)
{
	char dir[TL_PATH_MAX], path[TL_PATH_MAX], err[160];
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "proto_test"), 0);
	tl_path(path, sizeof(path), dir, "k.pem");
	assert_int_equal(signer_generate(path, err, sizeof(err)), 0);
	assert_int_equal(signer_generate(path, err, sizeof(err)), -1);
	struct signer *s = signer_load(path, err, sizeof(err));
	assert_non_null(s);
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Retraction rt = REPUTED__RETRACTION__INIT, *rtp = &rt;
	rt.seq = 1;
	b.seq = 2;
	b.retractions = &rtp;
	b.n_retractions = 1;
	size_t len;
	uint8_t *sb = envelope_seal(s, &b, &len);
	assert_non_null(sb);
	struct verifier *v = verifier_new();
	Reputed__Batch *out;
	assert_int_equal(envelope_open(v, sb, len, &out, err, sizeof(err)),
	    ENVELOPE_OK);
	assert_int_equal(out->seq, 2);
	reputed__batch__free_unpacked(out, NULL);
	/* Flip a bit of the signed bytes: the signature no longer holds. */
	Reputed__SignedBatch *w = reputed__signed_batch__unpack(NULL, len, sb);
	w->batch.data[w->batch.len - 1] ^= 1;
	uint8_t bad[512];
	size_t blen = reputed__signed_batch__pack(w, bad);
	reputed__signed_batch__free_unpacked(w, NULL);
	assert_int_equal(envelope_open(v, bad, blen, &out, err, sizeof(err)),
	    ENVELOPE_BAD_SIGNATURE);
	/* seq 0 and an empty batch are malformed before any signature. */
	b.seq = 0;
	free(sb);
	sb = envelope_seal(s, &b, &len);
	assert_int_equal(envelope_open(v, sb, len, &out, err, sizeof(err)),
	    ENVELOPE_MALFORMED);
	assert_non_null(strstr(err, "seq 0"));
	free(sb);
	b.seq = 1;
	b.n_retractions = 0;
	sb = envelope_seal(s, &b, &len);
	assert_int_equal(envelope_decode(sb, len, &out, err, sizeof(err)),
	    ENVELOPE_MALFORMED);
	assert_non_null(strstr(err, "empty"));
	free(sb);
	verifier_free(v);
	signer_free(s);
	assert_int_equal(tl_rmtree(dir), 0);
}

/* envelope_peek: the origin and seq off the wire, as the decoder reads
 * them; -1 for what is not plainly well formed. */
static void
test_envelope_peek(void **state)
{
	uint8_t origin[ED25519_KEY_LEN], key[ED25519_KEY_LEN], got[32];
	uint8_t bb[128], sb[256];
	uint64_t seq;
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__SignedBatch s = REPUTED__SIGNED_BATCH__INIT;

	memset(key, 7, sizeof(key));
	b.origin.data = key;
	b.origin.len = sizeof(key);
	b.seq = 300;
	size_t blen = reputed__batch__pack(&b, bb);
	s.batch.data = bb;
	s.batch.len = blen;
	size_t len = reputed__signed_batch__pack(&s, sb);
	assert_int_equal(envelope_peek(sb, len, origin, &seq), 0);
	assert_int_equal(seq, 300);
	assert_memory_equal(origin, key, sizeof(key));
	for (size_t cut = 0; cut < len; cut++)	/* truncated */
		assert_int_equal(envelope_peek(sb, cut, got, &seq), -1);
	/* A second seq field after the first: the last one wins, as in
	 * protobuf; an unknown fixed64 field is skipped. */
	bb[blen++] = 0x10;	/* field 2, varint */
	bb[blen++] = 0x05;
	bb[blen++] = 0x31;	/* field 6, fixed64 */
	memset(bb + blen, 0, 8);
	blen += 8;
	s.batch.len = blen;
	len = reputed__signed_batch__pack(&s, sb);
	assert_int_equal(envelope_peek(sb, len, origin, &seq), 0);
	assert_int_equal(seq, 5);
	Reputed__Batch *d = reputed__batch__unpack(NULL, blen, bb);
	assert_non_null(d);
	assert_int_equal(d->seq, 5);
	reputed__batch__free_unpacked(d, NULL);
	/* seq as a fixed64, seq 0, an origin of 31 bytes: not peeked */
	blen -= 11;
	bb[blen++] = 0x11;	/* field 2, fixed64 */
	memset(bb + blen, 1, 8);
	s.batch.len = blen + 8;
	len = reputed__signed_batch__pack(&s, sb);
	assert_int_equal(envelope_peek(sb, len, origin, &seq), -1);
	b.seq = 0;
	s.batch.len = reputed__batch__pack(&b, bb);
	len = reputed__signed_batch__pack(&s, sb);
	assert_int_equal(envelope_peek(sb, len, origin, &seq), -1);
	b.seq = 1;
	b.origin.len = 31;
	s.batch.len = reputed__batch__pack(&b, bb);
	len = reputed__signed_batch__pack(&s, sb);
	assert_int_equal(envelope_peek(sb, len, origin, &seq), -1);
}

/* BATCH_MAX_RETRACTIONS is allowed, one more is not; a batch too large for
 * one frame is never sealed. */
static void
test_envelope_limits(void **state)
{
	char dir[TL_PATH_MAX], err[160];
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "proto_test"), 0);
	struct signer *s = tl_signer_new(dir, "k.pem");
	assert_non_null(s);
	struct verifier *v = verifier_new();
	enum { N = BATCH_MAX_RETRACTIONS + 1 };
	Reputed__Retraction *rt = calloc(N, sizeof(*rt));
	Reputed__Retraction **rtp = calloc(N, sizeof(*rtp));
	for (int i = 0; i < N; i++) {
		reputed__retraction__init(&rt[i]);
		rt[i].seq = 1;
		rt[i].index = (uint32_t)i;
		rtp[i] = &rt[i];
	}
	Reputed__Batch b = REPUTED__BATCH__INIT, *out;
	b.seq = 2;
	b.retractions = rtp;
	size_t len;
	b.n_retractions = BATCH_MAX_RETRACTIONS;
	uint8_t *sb = envelope_seal(s, &b, &len);
	assert_int_equal(envelope_open(v, sb, len, &out, err, sizeof(err)),
	    ENVELOPE_OK);
	reputed__batch__free_unpacked(out, NULL);
	free(sb);
	b.n_retractions = N;
	sb = envelope_seal(s, &b, &len);
	assert_int_equal(envelope_open(v, sb, len, &out, err, sizeof(err)),
	    ENVELOPE_MALFORMED);
	assert_non_null(strstr(err, "retractions"));
	free(sb);
	/* 4096 reports with 255-byte HELO names: over 1 MiB, not sealed. */
	enum { R = BATCH_MAX_REPORTS };
	Reputed__Report *r = calloc(R, sizeof(*r)), **rp = calloc(R,
	    sizeof(*rp));
	Reputed__MailEvidence m = REPUTED__MAIL_EVIDENCE__INIT;
	char helo[256];
	memset(helo, 'h', 255);
	helo[255] = '\0';
	m.helo = helo;
	for (int i = 0; i < R; i++) {
		reputed__report__init(&r[i]);
		r[i].mail = &m;
		rp[i] = &r[i];
	}
	b.n_retractions = 0;
	b.reports = rp;
	b.n_reports = R;
	assert_null(envelope_seal(s, &b, &len));
	free(r);
	free(rp);
	free(rt);
	free(rtp);
	verifier_free(v);
	signer_free(s);
	assert_int_equal(tl_rmtree(dir), 0);
}

/* The verify memo: the same bytes verify once for real, then hit; altered
 * bytes under the same key and signature miss and fail; two verifiers
 * share one memo. */
static void
test_verify_memo(void **state)
{
	char dir[TL_PATH_MAX];
	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "proto_test"), 0);
	struct signer *s = tl_signer_new(dir, "k.pem");
	assert_non_null(s);
	struct verify_memo *m = verify_memo_new();
	struct verifier *v1 = verifier_new(), *v2 = verifier_new();
	uint8_t pub[ED25519_KEY_LEN], sig[ED25519_SIG_LEN], msg[64] = { 1, 2 };
	uint64_t hits, misses;

	verifier_set_memo(v1, m);
	verifier_set_memo(v2, m);
	signer_public_key(s, pub);
	assert_int_equal(signer_sign(s, msg, sizeof(msg), sig), 0);
	assert_true(verifier_check(v1, pub, msg, sizeof(msg), sig, sizeof(sig)));
	assert_true(verifier_check(v2, pub, msg, sizeof(msg), sig, sizeof(sig)));
	verify_memo_stats(m, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	msg[63] ^= 1;	/* forged bytes: a miss, a real check, a failure */
	assert_false(verifier_check(v2, pub, msg, sizeof(msg), sig, sizeof(sig)));
	assert_false(verifier_check(v1, pub, msg, sizeof(msg), sig, sizeof(sig)));
	verify_memo_stats(m, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 3);
	/* many distinct triples: the table grows and still finds them */
	for (int i = 0; i < 3000; i++) {
		msg[0] = (uint8_t)i;
		msg[1] = (uint8_t)(i >> 8);
		assert_int_equal(signer_sign(s, msg, sizeof(msg), sig), 0);
		assert_true(verifier_check(v1, pub, msg, sizeof(msg), sig,
		    sizeof(sig)));
	}
	assert_true(verifier_check(v2, pub, msg, sizeof(msg), sig, sizeof(sig)));
	verify_memo_stats(m, &hits, &misses);
	assert_int_equal(hits, 2);
	verifier_free(v1);
	verifier_free(v2);
	verify_memo_free(m);
	signer_free(s);
	assert_int_equal(tl_rmtree(dir), 0);
}

/* Reads a whole small file into buf; its length, -1 if missing. */
static long
slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

static int
files_in(const char *dir)
{
	char cmd[600], line[64];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	return atoi(line);
}

/* A file written for keeps is the old one or the whole new one; the
 * temporary file never stays; an exclusive write never replaces. */
static void
test_safe_file(void **state)
{
	char dir[256], path[300], buf[64], err[256];
	struct safe_file sf;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "proto_test"), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(safe_file_open(&sf, path, 0600, false, err,
	    sizeof(err)), 0);
	fputs("one", sf.f);
	assert_int_equal(slurp(path, buf, sizeof(buf)), -1); /* not yet */
	assert_int_equal(safe_file_commit(&sf, err, sizeof(err)), 0);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "one");
	/* abort: the old file stays, the temporary goes */
	assert_int_equal(safe_file_open(&sf, path, 0600, false, err,
	    sizeof(err)), 0);
	fputs("two, cut short", sf.f);
	safe_file_abort(&sf);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 3);
	assert_int_equal(files_in(dir), 1);
	/* exclusive: refused over an existing file, which stays */
	assert_int_equal(safe_file_open(&sf, path, 0600, true, err,
	    sizeof(err)), 0);
	fputs("three", sf.f);
	assert_int_equal(safe_file_commit(&sf, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "File exists"));
	assert_int_equal(slurp(path, buf, sizeof(buf)), 3);
	assert_int_equal(files_in(dir), 1);
	/* replace */
	assert_int_equal(safe_file_open(&sf, path, 0600, false, err,
	    sizeof(err)), 0);
	fputs("four", sf.f);
	assert_int_equal(safe_file_commit(&sf, err, sizeof(err)), 0);
	assert_int_equal(slurp(path, buf, sizeof(buf)), 4);
	assert_int_equal(files_in(dir), 1);
	/* a directory that is not there */
	snprintf(path, sizeof(path), "%s/no/f", dir);
	assert_int_equal(safe_file_open(&sf, path, 0600, false, err,
	    sizeof(err)), -1);
	tl_rmtree(dir);
}

/* A key cut short (empty, or without its END line) is reported as
 * truncated, not as OpenSSL's "unsupported". */
static void
test_key_truncated(void **state)
{
	char dir[256], path[300], buf[512], err[256];
	struct signer *s;
	FILE *f;
	long n;

	assert_int_equal(tl_tmpdir(dir, sizeof(dir), "proto_test"), 0);
	snprintf(path, sizeof(path), "%s/node.key", dir);
	assert_int_equal(signer_generate(path, err, sizeof(err)), 0);
	assert_int_equal(files_in(dir), 1);
	/* never over an existing key */
	assert_int_equal(signer_generate(path, err, sizeof(err)), -1);
	n = slurp(path, buf, sizeof(buf));
	assert_true(n > 40);
	s = signer_load(path, err, sizeof(err));
	assert_non_null(s);
	signer_free(s);
	f = fopen(path, "w"); /* half the key */
	fwrite(buf, 1, (size_t)n / 2, f);
	fclose(f);
	assert_null(signer_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "truncated"));
	f = fopen(path, "w"); /* empty */
	fclose(f);
	assert_null(signer_load(path, err, sizeof(err)));
	assert_non_null(strstr(err, "truncated"));
	f = fopen(path, "w"); /* not PEM at all: not called truncated */
	fputs("garbage\n", f);
	fclose(f);
	assert_null(signer_load(path, err, sizeof(err)));
	assert_null(strstr(err, "truncated"));
	tl_rmtree(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_peek_limits),
		cmocka_unit_test(test_frame_roundtrip_and_garbage),
		cmocka_unit_test(test_envelope_signature),
		cmocka_unit_test(test_envelope_limits),
		cmocka_unit_test(test_envelope_peek),
		cmocka_unit_test(test_verify_memo),
		cmocka_unit_test(test_safe_file),
		cmocka_unit_test(test_key_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
