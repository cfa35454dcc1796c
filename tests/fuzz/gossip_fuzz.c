/*
 * gossip_fuzz.c: the peer session core (node/peer/gossip.c) fed a byte stream
 * as a peer would send it. The first input byte picks the mode: bit 0 set
 * = no Hello first (the HELLO state is fuzzed), else a valid Hello is fed
 * before the input so the frames reach the UP state; the second byte sets
 * the chunk size the stream is cut into. Then the core is ticked past
 * every timeout. Invariants: the core never crashes or leaks, a session
 * closed stays closed, the send queue never passes queue_max (plus one
 * Goodbye), and the store stays readable.
 *
 * Batches in the seeds are signed by the fixed key of fuzz_common.h, so
 * their unmutated copies verify and go all the way to the store. Seeds:
 * build this file with -DGOSSIP_FUZZ_SEEDS and run it with the corpus
 * folder (see the end of the file).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdint.h>
#include <stdlib.h>

#include "node/peer/gossip.h"
#include "tests/fuzz/fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1764374400000ull /* 2025-11-29 00:00 UTC, in ms */

static const uint8_t peer_key[ED25519_KEY_LEN] = { 0x70, 0x65, 0x65, 0x72 };

/* A Hello frame from peer_key with a small version vector. */
static uint8_t *
hello_frame(size_t *len)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Hello h = REPUTED__HELLO__INIT;
	Reputed__VersionEntry e = REPUTED__VERSION_ENTRY__INIT, *ep = &e;
	uint8_t origin[ED25519_KEY_LEN];

	signer_public_key(fuzz_signer(), origin);
	e.origin.data = origin;
	e.origin.len = sizeof(origin);
	e.seq = 1;
	h.version = PROTO_VERSION;
	h.node_key.data = (uint8_t *)peer_key;
	h.node_key.len = sizeof(peer_key);
	h.n_vv = 1;
	h.vv = &ep;
	h.name = "fuzz";
	f.msg_case = REPUTED__FRAME__MSG_HELLO;
	f.hello = &h;
	return frame_encode(&f, len);
}

static void
drain(struct gossip *g)
{
	struct gossip_event ev;

	while (gossip_event_next(g, &ev))
		;
}

static void
check_queue(struct gossip_session *s, const struct gossip_conf *c)
{
	const uint8_t *buf;

	if (gossip_session_output(s, &buf) > c->queue_max + 512)
		fuzz_fail("send queue over its limit", NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gossip_conf c;
	struct gossip *g;
	struct gossip_session *s;
	char err[256];
	uint8_t *hello;
	size_t hlen, chunk;
	uint64_t now = T0;
	bool closed = false;

	if (size < 2)
		return 0;
	gossip_conf_default(&c);
	c.store = fuzz_store();
	c.verifier = fuzz_verifier();
	c.queue_low = 4096;
	c.queue_high = 16384;
	c.queue_max = 65536;
	signer_public_key(fuzz_signer(), c.node_key);
	c.node_key[0] ^= 0xff; /* not the batch origin's key */
	if ((g = gossip_new(&c, err, sizeof(err))) == NULL)
		fuzz_fail("gossip_new", err);
	s = gossip_session_new(g, peer_key, data[0] & 2, now);
	if ((data[0] & 1) == 0) {
		hello = hello_frame(&hlen);
		gossip_session_input(s, hello, hlen, now);
		free(hello);
	}
	chunk = 1 + data[1] * 16u;
	for (size_t off = 2; off < size; off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;
		now += 3;
		if (gossip_session_input(s, data + off, n, now) == -1)
			closed = true;
		else if (closed)
			fuzz_fail("a closed session came back", NULL);
		check_queue(s, &c);
		drain(g);
	}
	gossip_session_sent(s, 100, now);
	gossip_tick(g, now + c.dead_after_ms + c.hello_timeout_ms + 1);
	if (gossip_session_state(s) != GOSSIP_CLOSED)
		fuzz_fail("no timeout closed the session", NULL);
	check_queue(s, &c);
	drain(g);
	gossip_session_free(s);
	gossip_free(g);
	if (++fuzz_inputs >= FUZZ_STORE_INPUTS)
		fuzz_store_remove();
	return 0;
}

#ifdef GOSSIP_FUZZ_SEEDS
/* cc -DGOSSIP_FUZZ_SEEDS ... tests/fuzz/gossip_fuzz.c libreputed.a;
 * ./a.out tests/fuzz/corpus/gossip_fuzz */
static void
seed_add(uint8_t **buf, size_t *len, const Reputed__Frame *f)
{
	size_t n;
	uint8_t *fr = frame_encode(f, &n);

	*buf = realloc(*buf, *len + n);
	memcpy(*buf + *len, fr, n);
	*len += n;
	free(fr);
}

static void
seed_batch(uint8_t **buf, size_t *len, uint64_t seq)
{
	Reputed__Batch b = REPUTED__BATCH__INIT;
	Reputed__Report r = REPUTED__REPORT__INIT, *rp = &r;
	Reputed__Subject sj = REPUTED__SUBJECT__INIT;
	Reputed__Frame f = REPUTED__FRAME__INIT;
	uint8_t addr[4] = { 192, 0, 2, (uint8_t)seq };
	size_t sblen;

	sj.addr.data = addr;
	sj.addr.len = 4;
	r.subject = &sj;
	r.category = 1;
	r.observed_at = T0;
	b.seq = seq;
	b.created_at = T0;
	b.n_reports = 1;
	b.reports = &rp;
	uint8_t *sb = envelope_seal(fuzz_signer(), &b, &sblen);
	f.msg_case = REPUTED__FRAME__MSG_BATCH;
	f.batch = reputed__signed_batch__unpack(NULL, sblen, sb);
	seed_add(buf, len, &f);
	reputed__signed_batch__free_unpacked(f.batch, NULL);
	free(sb);
}

static void
seed_write(const char *dir, const char *name, uint8_t mode, const uint8_t *buf,
    size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return;
	fputc(mode, fp);
	fputc(4, fp);
	fwrite(buf, 1, len, fp);
	fclose(fp);
}

int
main(int argc, char **argv)
{
	Reputed__Frame f = REPUTED__FRAME__INIT;
	Reputed__Ping ping = REPUTED__PING__INIT;
	Reputed__Want want = REPUTED__WANT__INIT;
	Reputed__WantRange wr = REPUTED__WANT_RANGE__INIT, *wrp = &wr;
	Reputed__Goodbye bye = REPUTED__GOODBYE__INIT;
	Reputed__Directory dir = REPUTED__DIRECTORY__INIT;
	ProtobufCBinaryData junk = { 5, (uint8_t *)"\x30\x03\x02\x01\x01" };
	uint8_t origin[32], *buf = NULL;
	size_t len = 0;

	if (argc != 2)
		return 1;
	signer_public_key(fuzz_signer(), origin);
	f.msg_case = REPUTED__FRAME__MSG_PING;
	f.ping = &ping;
	ping.nonce = 7;
	seed_add(&buf, &len, &f);
	seed_write(argv[1], "ping", 0, buf, len);
	seed_write(argv[1], "ping-before-hello", 1, buf, len);
	len = 0;
	for (uint64_t seq = 1; seq <= 3; seq++)
		seed_batch(&buf, &len, seq);
	seed_write(argv[1], "batches", 0, buf, len);
	len = 0;
	seed_batch(&buf, &len, 5); /* a gap: PENDING, then a Want */
	seed_batch(&buf, &len, 2);
	seed_write(argv[1], "batches-gap", 2, buf, len);
	len = 0;
	wr.origin.data = origin;
	wr.origin.len = 32;
	wr.from_seq = 1;
	want.n_ranges = 1;
	want.ranges = &wrp;
	f.msg_case = REPUTED__FRAME__MSG_WANT;
	f.want = &want;
	seed_add(&buf, &len, &f);
	dir.n_certs = 1;
	dir.certs = &junk;
	dir.n_crls = 1;
	dir.crls = &junk;
	f.msg_case = REPUTED__FRAME__MSG_DIRECTORY;
	f.directory = &dir;
	seed_add(&buf, &len, &f);
	bye.reason = 1;
	bye.text = "bye";
	f.msg_case = REPUTED__FRAME__MSG_GOODBYE;
	f.goodbye = &bye;
	seed_add(&buf, &len, &f);
	seed_write(argv[1], "want-directory-goodbye", 0, buf, len);
	free(buf);
	return 0;
}
#endif
