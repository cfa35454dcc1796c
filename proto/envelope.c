/*
 * envelope.c: signed batches. An origin serializes a Batch once and signs
 *   "reputed-batch-v1" 0x00 || batch bytes
 * with its Ed25519 key (OpenSSL EVP, one-shot). A receiver verifies the
 * bytes exactly as received and decodes them; nothing is ever re-encoded, so
 * a batch relayed through any number of peers stays verifiable.
 *
 * The verifier caches one EVP_PKEY per origin key (an open-addressing table),
 * because building a key object costs about as much as a verification.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>

#include "proto/proto.h"

#define PREFIX_LEN	(sizeof(BATCH_SIGN_PREFIX))	/* with its 0x00 */

struct signer {
	EVP_PKEY *pkey;
	EVP_MD_CTX *ctx;
	uint8_t pub[ED25519_KEY_LEN];
	uint8_t *msg;			/* prefix || batch, reused */
	size_t msgcap;
};

struct key_slot {
	uint8_t pub[ED25519_KEY_LEN];
	EVP_PKEY *pkey;			/* NULL = empty slot */
};

struct verifier {
	struct key_slot *slots;
	size_t cap, used;		/* cap is a power of two */
	EVP_MD_CTX *ctx;
	uint8_t *msg;
	size_t msgcap;
	struct verify_memo *memo;	/* borrowed, NULL = none */
};

/* One (key, signature, bytes) triple that verified. */
struct memo_slot {
	uint8_t pub[ED25519_KEY_LEN];
	uint8_t sig[ED25519_SIG_LEN];
	uint8_t *bytes;			/* NULL = empty slot */
	size_t len;
};

struct verify_memo {
	struct memo_slot *slots;
	size_t cap, used;		/* cap is a power of two */
	uint64_t hits, misses;
};

/* Grows buf to hold prefix || len bytes and fills it; NULL on ENOMEM. */
static const uint8_t *
signed_message(uint8_t **buf, size_t *cap, const uint8_t *data, size_t len)
{
	if (*cap < PREFIX_LEN + len) {
		size_t ncap = PREFIX_LEN + len + 4096;
		uint8_t *p = realloc(*buf, ncap);
		if (p == NULL)
			return NULL;
		*buf = p;
		*cap = ncap;
	}
	memcpy(*buf, BATCH_SIGN_PREFIX, PREFIX_LEN);	/* includes the 0x00 */
	memcpy(*buf + PREFIX_LEN, data, len);
	return *buf;
}

static void
openssl_error(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	snprintf(err, errlen, "%s: %s", what,
	    e ? ERR_reason_error_string(e) : "unknown error");
	ERR_clear_error();
}

struct signer *
signer_from_pkey(void *evp_pkey)
{
	EVP_PKEY *pkey = evp_pkey;
	size_t publen = ED25519_KEY_LEN;
	if (EVP_PKEY_get_id(pkey) != EVP_PKEY_ED25519)
		return NULL;
	struct signer *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->ctx = EVP_MD_CTX_new();
	if (s->ctx == NULL ||
	    EVP_PKEY_get_raw_public_key(pkey, s->pub, &publen) != 1) {
		EVP_MD_CTX_free(s->ctx);
		free(s);
		return NULL;
	}
	EVP_PKEY_up_ref(pkey);
	s->pkey = pkey;
	return s;
}

struct signer *
signer_load(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %m", path);
		return NULL;
	}
	EVP_PKEY *pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pkey == NULL) {
		openssl_error(err, errlen, path);
		(void)pem_file_cut_short(path, err, errlen); /* says so */
		return NULL;
	}
	struct signer *s = signer_from_pkey(pkey);
	EVP_PKEY_free(pkey);
	if (s == NULL)
		snprintf(err, errlen, "%s: not an Ed25519 private key", path);
	return s;
}

int
signer_generate(const char *path, char *err, size_t errlen)
{
	struct safe_file sf;
	EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	int ok;

	if (pkey == NULL) {
		openssl_error(err, errlen, "Ed25519 key generation");
		return -1;
	}
	if (safe_file_open(&sf, path, 0600, true, err, errlen) == -1) {
		EVP_PKEY_free(pkey);
		return -1;
	}
	ok = PEM_write_PrivateKey(sf.f, pkey, NULL, NULL, 0, NULL, NULL);
	EVP_PKEY_free(pkey);
	if (!ok) {
		safe_file_abort(&sf);
		snprintf(err, errlen, "%s: could not write the key", path);
		return -1;
	}
	return safe_file_commit(&sf, err, errlen);
}

void
signer_free(struct signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->pkey);
	EVP_MD_CTX_free(s->ctx);
	free(s->msg);
	free(s);
}

void
signer_public_key(const struct signer *s, uint8_t pub[ED25519_KEY_LEN])
{
	memcpy(pub, s->pub, ED25519_KEY_LEN);
}

int
signer_sign(struct signer *s, const uint8_t *batch, size_t len,
    uint8_t sig[ED25519_SIG_LEN])
{
	const uint8_t *msg = signed_message(&s->msg, &s->msgcap, batch, len);
	size_t siglen = ED25519_SIG_LEN;
	if (msg == NULL || EVP_MD_CTX_reset(s->ctx) != 1 ||
	    EVP_DigestSignInit(s->ctx, NULL, NULL, NULL, s->pkey) != 1 ||
	    EVP_DigestSign(s->ctx, sig, &siglen, msg, PREFIX_LEN + len) != 1) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

uint8_t *
envelope_seal(struct signer *s, Reputed__Batch *batch, size_t *outlen)
{
	uint8_t sig[ED25519_SIG_LEN];
	batch->origin.data = s->pub;
	batch->origin.len = ED25519_KEY_LEN;
	size_t blen = reputed__batch__get_packed_size(batch);
	uint8_t *bbuf = malloc(blen ? blen : 1);
	if (bbuf == NULL)
		return NULL;
	reputed__batch__pack(batch, bbuf);
	if (signer_sign(s, bbuf, blen, sig) != 0) {
		free(bbuf);
		return NULL;
	}
	Reputed__SignedBatch sb = REPUTED__SIGNED_BATCH__INIT;
	sb.batch.data = bbuf;
	sb.batch.len = blen;
	sb.signature.data = sig;
	sb.signature.len = sizeof(sig);
	*outlen = reputed__signed_batch__get_packed_size(&sb);
	/* A batch that cannot travel in one frame is never made: peers
	 * could not relay it. 16 bytes leave room for the Frame around it. */
	if (*outlen + 16 > FRAME_MAX_DEFAULT) {
		free(bbuf);
		return NULL;
	}
	uint8_t *out = malloc(*outlen);
	if (out != NULL)
		reputed__signed_batch__pack(&sb, out);
	free(bbuf);
	return out;
}

struct verifier *
verifier_new(void)
{
	struct verifier *v = calloc(1, sizeof(*v));
	if (v == NULL)
		return NULL;
	v->cap = 64;
	v->slots = calloc(v->cap, sizeof(*v->slots));
	v->ctx = EVP_MD_CTX_new();
	if (v->slots == NULL || v->ctx == NULL) {
		verifier_free(v);
		return NULL;
	}
	return v;
}

void
verifier_free(struct verifier *v)
{
	if (v == NULL)
		return;
	for (size_t i = 0; v->slots != NULL && i < v->cap; i++)
		EVP_PKEY_free(v->slots[i].pkey);
	free(v->slots);
	EVP_MD_CTX_free(v->ctx);
	free(v->msg);
	free(v);
}

static size_t
slot_index(const uint8_t pub[ED25519_KEY_LEN], size_t cap)
{
	uint64_t h;
	memcpy(&h, pub, sizeof(h));	/* keys are uniformly random bytes */
	return (size_t)h & (cap - 1);
}

static int
verifier_grow(struct verifier *v)
{
	size_t ncap = v->cap * 2;
	struct key_slot *ns = calloc(ncap, sizeof(*ns));
	if (ns == NULL)
		return -1;
	for (size_t i = 0; i < v->cap; i++) {
		if (v->slots[i].pkey == NULL)
			continue;
		size_t j = slot_index(v->slots[i].pub, ncap);
		while (ns[j].pkey != NULL)
			j = (j + 1) & (ncap - 1);
		ns[j] = v->slots[i];
	}
	free(v->slots);
	v->slots = ns;
	v->cap = ncap;
	return 0;
}

/* The cached key object for pub, created on first use. */
static EVP_PKEY *
verifier_key(struct verifier *v, const uint8_t pub[ED25519_KEY_LEN])
{
	size_t i = slot_index(pub, v->cap);
	while (v->slots[i].pkey != NULL) {
		if (memcmp(v->slots[i].pub, pub, ED25519_KEY_LEN) == 0)
			return v->slots[i].pkey;
		i = (i + 1) & (v->cap - 1);
	}
	EVP_PKEY *pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
	    pub, ED25519_KEY_LEN);
	if (pkey == NULL) {
		ERR_clear_error();
		return NULL;
	}
	memcpy(v->slots[i].pub, pub, ED25519_KEY_LEN);
	v->slots[i].pkey = pkey;
	if (++v->used * 2 > v->cap && verifier_grow(v) != 0)
		return pkey;	/* still usable; the table is just fuller */
	return pkey;
}

struct verify_memo *
verify_memo_new(void)
{
	struct verify_memo *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->cap = 1024;
	if ((m->slots = calloc(m->cap, sizeof(*m->slots))) == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void
verify_memo_free(struct verify_memo *m)
{
	if (m == NULL)
		return;
	for (size_t i = 0; i < m->cap; i++)
		free(m->slots[i].bytes);
	free(m->slots);
	free(m);
}

void
verify_memo_stats(const struct verify_memo *m, uint64_t *hits,
    uint64_t *misses)
{
	*hits = m->hits;
	*misses = m->misses;
}

void
verifier_set_memo(struct verifier *v, struct verify_memo *m)
{
	v->memo = m;
}

/* Signatures are uniformly random bytes: their first 8 index the table. */
static struct memo_slot *
memo_find(struct verify_memo *m, const uint8_t *sig, const uint8_t *pub,
    const uint8_t *batch, size_t len, bool *found)
{
	uint64_t h;
	size_t i;

	memcpy(&h, sig, sizeof(h));
	for (i = (size_t)h & (m->cap - 1); m->slots[i].bytes != NULL;
	    i = (i + 1) & (m->cap - 1)) {
		struct memo_slot *s = &m->slots[i];
		if (memcmp(s->sig, sig, ED25519_SIG_LEN) == 0 &&
		    memcmp(s->pub, pub, ED25519_KEY_LEN) == 0 &&
		    s->len == len && memcmp(s->bytes, batch, len) == 0) {
			*found = true;
			return s;
		}
	}
	*found = false;
	return &m->slots[i];
}

static void
memo_grow(struct verify_memo *m)
{
	size_t ncap = m->cap * 2;
	struct memo_slot *ns = calloc(ncap, sizeof(*ns));

	if (ns == NULL)
		return;		/* still usable, just fuller */
	for (size_t i = 0; i < m->cap; i++) {
		uint64_t h;
		size_t j;
		if (m->slots[i].bytes == NULL)
			continue;
		memcpy(&h, m->slots[i].sig, sizeof(h));
		for (j = (size_t)h & (ncap - 1); ns[j].bytes != NULL;
		    j = (j + 1) & (ncap - 1))
			;
		ns[j] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

/* Remembers a triple that verified (nothing on ENOMEM: it is a memo). */
static void
memo_add(struct verify_memo *m, struct memo_slot *s, const uint8_t *pub,
    const uint8_t *sig, const uint8_t *batch, size_t len)
{
	if ((s->bytes = malloc(len ? len : 1)) == NULL)
		return;
	memcpy(s->bytes, batch, len);
	s->len = len;
	memcpy(s->pub, pub, ED25519_KEY_LEN);
	memcpy(s->sig, sig, ED25519_SIG_LEN);
	if (++m->used * 2 > m->cap)
		memo_grow(m);
}

static bool verifier_check_real(struct verifier *v,
    const uint8_t pub[ED25519_KEY_LEN], const uint8_t *batch, size_t len,
    const uint8_t *sig, size_t siglen);

bool
verifier_check(struct verifier *v, const uint8_t pub[ED25519_KEY_LEN],
    const uint8_t *batch, size_t len, const uint8_t *sig, size_t siglen)
{
	struct memo_slot *s;
	bool found, ok;

	if (v->memo == NULL || siglen != ED25519_SIG_LEN)
		return verifier_check_real(v, pub, batch, len, sig, siglen);
	s = memo_find(v->memo, sig, pub, batch, len, &found);
	if (found) {
		v->memo->hits++;
		return true;
	}
	v->memo->misses++;
	ok = verifier_check_real(v, pub, batch, len, sig, siglen);
	if (ok)
		memo_add(v->memo, s, pub, sig, batch, len);
	return ok;
}

static bool
verifier_check_real(struct verifier *v, const uint8_t pub[ED25519_KEY_LEN],
    const uint8_t *batch, size_t len, const uint8_t *sig, size_t siglen)
{
	if (siglen != ED25519_SIG_LEN)
		return false;
	EVP_PKEY *pkey = verifier_key(v, pub);
	const uint8_t *msg = signed_message(&v->msg, &v->msgcap, batch, len);
	if (pkey == NULL || msg == NULL)
		return false;
	bool ok = EVP_MD_CTX_reset(v->ctx) == 1 &&
	    EVP_DigestVerifyInit(v->ctx, NULL, NULL, NULL, pkey) == 1 &&
	    EVP_DigestVerify(v->ctx, sig, siglen, msg, PREFIX_LEN + len) == 1;
	if (!ok)
		ERR_clear_error();
	return ok;
}

static int
batch_check(const Reputed__Batch *b, char *err, size_t errlen)
{
	if (b->origin.len != ED25519_KEY_LEN) {
		snprintf(err, errlen, "batch origin is %zu bytes, not 32",
		    b->origin.len);
		return -1;
	}
	if (b->seq == 0) {
		snprintf(err, errlen, "batch seq 0 (sequence numbers start "
		    "at 1)");
		return -1;
	}
	if (b->n_reports > BATCH_MAX_REPORTS ||
	    b->n_retractions > BATCH_MAX_RETRACTIONS) {
		snprintf(err, errlen, "batch has %zu reports and %zu "
		    "retractions (limit %d each)", b->n_reports,
		    b->n_retractions, BATCH_MAX_REPORTS);
		return -1;
	}
	if (b->n_reports + b->n_retractions == 0) {
		snprintf(err, errlen, "batch is empty");
		return -1;
	}
	return 0;
}

/* ---- the wire, read without decoding (envelope_peek) ---- */

static bool
wire_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t c = *(*p)++;
		*v |= (uint64_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			return true;
	}
	return false;
}

/* Fields 1 and 2 of a message: a length-delimited field's bytes or a
 * varint's value, the last occurrence winning as in protobuf. */
struct wire_field {
	const uint8_t *data;
	uint64_t value;		/* the length, for bytes */
	unsigned type;		/* wire type seen; 8 = absent */
};

static int
wire_skip(const uint8_t **p, const uint8_t *end, unsigned type,
    struct wire_field *keep)
{
	uint64_t v;
	size_t left = (size_t)(end - *p);

	switch (type) {
	case 0:
		if (!wire_varint(p, end, &v))
			return -1;
		break;
	case 1:
	case 5:
		if (left < (type == 1 ? 8u : 4u))
			return -1;
		*p += type == 1 ? 8 : 4;
		return keep == NULL ? 0 : -1;
	case 2:
		if (!wire_varint(p, end, &v) || v > (uint64_t)(end - *p))
			return -1;
		if (keep != NULL)
			keep->data = *p;
		*p += v;
		break;
	default:
		return -1;
	}
	if (keep != NULL) {
		keep->value = v;
		keep->type = type;
	}
	return 0;
}

static int
wire_fields12(const uint8_t *p, size_t len, struct wire_field f[2])
{
	const uint8_t *end = p + len;

	f[0].type = f[1].type = 8;
	while (p < end) {
		uint64_t key;
		if (!wire_varint(&p, end, &key) || key >> 3 == 0)
			return -1;
		uint64_t num = key >> 3;
		if (wire_skip(&p, end, (unsigned)(key & 7),
		    num <= 2 ? &f[num - 1] : NULL) != 0)
			return -1;
	}
	return 0;
}

int
envelope_peek(const uint8_t *sb, size_t len, uint8_t origin[ED25519_KEY_LEN],
    uint64_t *seq)
{
	struct wire_field sf[2], bf[2];

	if (wire_fields12(sb, len, sf) != 0 || sf[0].type != 2 ||
	    wire_fields12(sf[0].data, (size_t)sf[0].value, bf) != 0 ||
	    bf[0].type != 2 || bf[0].value != ED25519_KEY_LEN ||
	    bf[1].type != 0 || bf[1].value == 0)
		return -1;
	memcpy(origin, bf[0].data, ED25519_KEY_LEN);
	*seq = bf[1].value;
	return 0;
}

static enum envelope_status
envelope_unpack(const uint8_t *sb, size_t len, Reputed__SignedBatch **sbp,
    Reputed__Batch **out, char *err, size_t errlen)
{
	Reputed__SignedBatch *s = reputed__signed_batch__unpack(NULL, len, sb);
	if (s == NULL) {
		snprintf(err, errlen, "not a valid SignedBatch (%zu bytes)",
		    len);
		return ENVELOPE_MALFORMED;
	}
	if (s->signature.len != ED25519_SIG_LEN) {
		snprintf(err, errlen, "signature is %zu bytes, not 64",
		    s->signature.len);
		reputed__signed_batch__free_unpacked(s, NULL);
		return ENVELOPE_MALFORMED;
	}
	Reputed__Batch *b = reputed__batch__unpack(NULL, s->batch.len,
	    s->batch.data);
	if (b == NULL || batch_check(b, err, errlen) != 0) {
		if (b == NULL)
			snprintf(err, errlen, "signed bytes are not a valid "
			    "Batch");
		else
			reputed__batch__free_unpacked(b, NULL);
		reputed__signed_batch__free_unpacked(s, NULL);
		return ENVELOPE_MALFORMED;
	}
	*sbp = s;
	*out = b;
	return ENVELOPE_OK;
}

enum envelope_status
envelope_decode(const uint8_t *sb, size_t len, Reputed__Batch **out,
    char *err, size_t errlen)
{
	Reputed__SignedBatch *s;
	enum envelope_status st = envelope_unpack(sb, len, &s, out, err,
	    errlen);
	if (st == ENVELOPE_OK)
		reputed__signed_batch__free_unpacked(s, NULL);
	return st;
}

enum envelope_status
envelope_open(struct verifier *v, const uint8_t *sb, size_t len,
    Reputed__Batch **out, char *err, size_t errlen)
{
	Reputed__SignedBatch *s;
	Reputed__Batch *b;
	enum envelope_status st = envelope_unpack(sb, len, &s, &b, err,
	    errlen);
	if (st != ENVELOPE_OK)
		return st;
	bool ok = verifier_check(v, b->origin.data, s->batch.data,
	    s->batch.len, s->signature.data, s->signature.len);
	reputed__signed_batch__free_unpacked(s, NULL);
	if (!ok) {
		snprintf(err, errlen, "bad signature on batch seq %llu",
		    (unsigned long long)b->seq);
		reputed__batch__free_unpacked(b, NULL);
		return ENVELOPE_BAD_SIGNATURE;
	}
	*out = b;
	return ENVELOPE_OK;
}
