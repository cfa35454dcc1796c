/*
 * session_fuzz.c: the peer network's core as a whole: a gossip core with a
 * trust store (one CA as anchor, the fixed fuzz key's member certificate,
 * a CRL revoking it) and a store, two sessions (A and B, so what one
 * brings is flooded to the other), driven by a program the input spells:
 * each step is an opcode byte and its operands.
 *
 *   0 L BYTES   L+1 raw bytes into session A        1  the same into B
 *   2 T         time moves on T x 250 ms; the core ticks
 *   3           both links take everything queued (gossip_session_sent)
 *   4 F         session B is closed and a new one opened (F: outbound,
 *               Hello first)
 *   5           the CRL is reloaded (learned, gossip_crls_changed)
 *   6 F S       a valid batch of seq S from the fuzz key, into A or B (F)
 *   7 F         the member certificate into the directory, or a Directory
 *               frame carrying the CRL into session A (F)
 *
 * Invariants: no crash, leak or undefined behaviour; a closed session
 * stays closed; a send queue never passes queue_max (plus a Goodbye);
 * once the CRL is held (reloaded, or learned from a Directory), no batch
 * of the revoked key is applied again (batches_in stands still).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "node/peer/gossip.h"
#include "node/peer/pki.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t key_a[ED25519_KEY_LEN] = { 0x61 };
static const uint8_t key_b[ED25519_KEY_LEN] = { 0x62 };

/* Made once per process: the CA, the fuzz key's certificate, the CRL. */
static struct {
	X509 *ca, *member;
	X509_CRL *crl;
	uint8_t *member_der, *crl_der;
	int member_len, crl_len;
	uint64_t t0; /* ms: the core's clock starts here */
} fx;

static void
fixture(void)
{
	struct pki_cert_opts o = { .org = "fuzz", .cn = "fuzz CA",
		.days = 3650, .ca = true, .pathlen = -1 };
	EVP_PKEY *cakey, *member;
	char err[256];

	if (fx.ca != NULL)
		return;
	fx.t0 = (uint64_t)time(NULL) * 1000;
	o.not_before = (int64_t)(fx.t0 / 1000) - 86400;
	member = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    fuzz_key_seed, sizeof(fuzz_key_seed));
	if ((cakey = pki_key_generate()) == NULL || member == NULL ||
	    (fx.ca = pki_ca_new(cakey, &o, err, sizeof(err))) == NULL)
		fuzz_fail("fixture CA", err);
	o.cn = "fuzz node";
	o.ca = false;
	if ((fx.member = pki_cert_issue(fx.ca, cakey, member, &o, err,
		 sizeof(err))) == NULL ||
	    (fx.crl = pki_crl_new(fx.ca, cakey, NULL, &fx.member, 1, 30, err,
		 sizeof(err))) == NULL)
		fuzz_fail("fixture certificate and CRL", err);
	fx.member_len = i2d_X509(fx.member, &fx.member_der);
	fx.crl_len = i2d_X509_CRL(fx.crl, &fx.crl_der);
	if (fx.member_len <= 0 || fx.crl_len <= 0)
		fuzz_fail("fixture DER", NULL);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(member);
}

struct run {
	struct gossip_conf c;
	struct gossip *g;
	struct pki *pki;
	struct gossip_session *a, *b;
	bool a_closed, b_closed;
	uint64_t now;
	bool revoked;
	uint64_t applied_at_revocation;
};

static void
feed(struct run *r, struct gossip_session *s, const uint8_t *buf, size_t len)
{
	bool *closed = s == r->a ? &r->a_closed : &r->b_closed;

	if (gossip_session_input(s, buf, len, r->now) == -1)
		*closed = true;
	else if (*closed)
		fuzz_fail("a closed session came back", NULL);
}

static void
feed_frame(struct run *r, struct gossip_session *s, const Reputed__Frame *f)
{
	size_t len;
	uint8_t *buf = frame_encode(f, &len);

	if (buf == NULL)
		fuzz_fail("frame_encode", NULL);
	feed(r, s, buf, len);
	free(buf);
}

static void
hello(struct run *r, struct gossip_session *s, const uint8_t *key)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Hello h = REPUTED__HELLO__INIT;

	h.version = PROTO_VERSION;
	h.node_key.data = (uint8_t *)key;
	h.node_key.len = ED25519_KEY_LEN;
	h.name = "fuzz";
	f.msg_case = REPUTED__FRAME__MSG_HELLO;
	f.hello = &h;
	feed_frame(r, s, &f);
}

static void
valid_batch(struct run *r, struct gossip_session *s, uint64_t seq)
{
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Report rep = REPUTED__REPORT__INIT, *rp = &rep;
	Reputed__Subject sj = REPUTED__SUBJECT__INIT;
	Reputed__Frame f = REPUTED__FRAME__INIT;
	uint8_t addr[4] = { 192, 0, 2, (uint8_t)seq };
	size_t sblen;
	uint8_t *sb;

	sj.addr.data = addr;
	sj.addr.len = 4;
	rep.subject = &sj;
	rep.category = 1;
	rep.observed_at = fx.t0;
	b.seq = seq;
	b.created_at = fx.t0;
	b.n_reports = 1;
	b.reports = &rp;
	if ((sb = envelope_seal(fuzz_signer(), &b, &sblen)) == NULL)
		fuzz_fail("envelope_seal", NULL);
	f.msg_case = REPUTED__FRAME__MSG_BATCH;
	f.batch = reputed__signed_batch__unpack(NULL, sblen, sb);
	feed_frame(r, s, &f);
	reputed__signed_batch__free_unpacked(f.batch, NULL);
	free(sb);
}

static void
crl_directory(struct run *r)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Directory dir = REPUTED__DIRECTORY__INIT;
	ProtobufCBinaryData crl = { (size_t)fx.crl_len, fx.crl_der };

	dir.n_crls = 1;
	dir.crls = &crl;
	f.msg_case = REPUTED__FRAME__MSG_DIRECTORY;
	f.directory = &dir;
	feed_frame(r, r->a, &f);
}

static void
drain(struct run *r)
{
	struct gossip_event ev;
	const uint8_t *buf;

	while (gossip_event_next(r->g, &ev))
		;
	if (gossip_session_output(r->a, &buf) > r->c.queue_max + 512 ||
	    gossip_session_output(r->b, &buf) > r->c.queue_max + 512)
		fuzz_fail("send queue over its limit", NULL);
}

static void
sent(struct run *r, struct gossip_session *s)
{
	const uint8_t *buf;
	size_t n;

	while ((n = gossip_session_output(s, &buf)) > 0)
		gossip_session_sent(s, n, r->now);
}

static void
reopen_b(struct run *r, uint8_t flags)
{
	gossip_session_free(r->b);
	r->b = gossip_session_new(r->g, key_b, flags & 1, r->now);
	r->b_closed = false;
	if (flags & 2)
		hello(r, r->b, key_b);
}

static void
check_revocation(struct run *r)
{
	const struct gossip_stats *st = gossip_stats(r->g);

	if (!r->revoked && st->crl_updates > 0) {
		r->revoked = true;
		r->applied_at_revocation = st->batches_in;
	}
	if (r->revoked && st->batches_in != r->applied_at_revocation)
		fuzz_fail("a batch of a revoked member was applied", NULL);
}

/* One step of the program at *p; false when the input is used up. */
static bool
step(struct run *r, const uint8_t **p, const uint8_t *end)
{
	uint8_t op, x;
	size_t len;

	if (*p >= end)
		return false;
	op = *(*p)++ % 8;
	x = *p < end ? *(*p)++ : 0;
	switch (op) {
	case 0:
	case 1:
		len = (size_t)x + 1;
		if (len > (size_t)(end - *p))
			len = (size_t)(end - *p);
		feed(r, op == 0 ? r->a : r->b, *p, len);
		*p += len;
		break;
	case 2:
		r->now += (uint64_t)x * 250;
		gossip_tick(r->g, r->now);
		break;
	case 3:
		sent(r, r->a);
		sent(r, r->b);
		break;
	case 4:
		reopen_b(r, x);
		break;
	case 5:
		(void)pki_learn_crl(r->pki, fx.crl, (int64_t)(r->now / 1000));
		gossip_crls_changed(r->g, r->now);
		break;
	case 6:
		valid_batch(r, x & 1 ? r->b : r->a,
		    1 + (*p < end ? *(*p)++ : 0));
		break;
	case 7:
		if (x & 1)
			crl_directory(r);
		else
			gossip_directory_add(r->g, fx.member_der,
			    (size_t)fx.member_len, r->now);
		break;
	}
	drain(r);
	check_revocation(r);
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { 0 };
	const uint8_t *p = data, *end = data + size;
	char err[256];

	if (size < 1)
		return 0;
	fixture();
	r.now = fx.t0;
	if ((r.pki = pki_new()) == NULL || pki_add_anchor(r.pki, fx.ca) == -1)
		fuzz_fail("pki", NULL);
	gossip_conf_default(&r.c);
	r.c.store = fuzz_store();
	r.c.verifier = fuzz_verifier();
	r.c.pki = r.pki;
	r.c.queue_low = 4096;
	r.c.queue_high = 16384;
	r.c.queue_max = 65536;
	r.c.node_key[0] = 0x6e; /* neither peer nor the batch origin */
	if ((r.g = gossip_new(&r.c, err, sizeof(err))) == NULL)
		fuzz_fail("gossip_new", err);
	/* The first byte: whether A and B say Hello first, and A's side. */
	r.a = gossip_session_new(r.g, key_a, data[0] & 4, r.now);
	r.b = gossip_session_new(r.g, key_b, data[0] & 8, r.now);
	if (data[0] & 1)
		hello(&r, r.a, key_a);
	if (data[0] & 2)
		hello(&r, r.b, key_b);
	p++;
	while (step(&r, &p, end))
		;
	gossip_tick(r.g, r.now + r.c.dead_after_ms + r.c.hello_timeout_ms + 1);
	if (gossip_session_state(r.a) != GOSSIP_CLOSED ||
	    gossip_session_state(r.b) != GOSSIP_CLOSED)
		fuzz_fail("no timeout closed a session", NULL);
	drain(&r);
	check_revocation(&r);
	gossip_session_free(r.a);
	gossip_session_free(r.b);
	gossip_free(r.g);
	pki_free(r.pki);
	if (++fuzz_inputs >= FUZZ_STORE_INPUTS)
		fuzz_store_remove();
	return 0;
}
