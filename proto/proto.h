/*
 * proto.h: the wire layer. Framing of peer messages and the signed batch
 * envelope. Library code: no I/O, no logging, no globals; errors come back as
 * -1 (or a status) with a message in a caller buffer.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_PROTO_H
#define REPUTED_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "proto/reputed.pb-c.h"

#define PROTO_VERSION		1
#define FRAME_HEADER_LEN	4		/* big-endian payload length */
#define FRAME_MAX_DEFAULT	(1u << 20)	/* hard limit on one frame */
#define BATCH_MAX_REPORTS	4096
#define BATCH_MAX_RETRACTIONS	4096
#define ED25519_KEY_LEN		32
#define ED25519_SIG_LEN		64
#define BATCH_SIGN_PREFIX	"reputed-batch-v1"	/* then one 0x00 byte */

/* frame.c */
enum frame_status {
	FRAME_OK,		/* a whole frame is in the buffer */
	FRAME_NEED_MORE,	/* not yet: wait for more bytes */
	FRAME_TOO_LARGE,	/* the length prefix exceeds the limit */
	FRAME_EMPTY,		/* a zero-length frame, never valid */
};
/* Looks at the start of buf: on FRAME_OK *payload_len is the payload length;
 * the frame occupies FRAME_HEADER_LEN + *payload_len bytes. */
enum frame_status frame_peek(const uint8_t *buf, size_t len, uint32_t max,
	    uint32_t *payload_len);
/* Decodes and checks one payload. Returns a Frame the caller owns (free with
 * reputed__frame__free_unpacked(f, NULL)), or NULL with err set. */
Reputed__Frame *frame_decode(const uint8_t *payload, size_t len, char *err,
	    size_t errlen);
/* Encodes header + frame into a new buffer the caller frees. */
uint8_t *frame_encode(const Reputed__Frame *frame, size_t *outlen);
const char *frame_kind_name(const Reputed__Frame *frame);

/* envelope.c */
struct signer;		/* an Ed25519 private key */
struct verifier;	/* a cache of origin public keys */

/* Loads an Ed25519 private key (PEM, PKCS#8). NULL and err on failure. */
struct signer *signer_load(const char *path, char *err, size_t errlen);
/* Generates a new key and writes it to path (mode 0600, PEM). */
int signer_generate(const char *path, char *err, size_t errlen);
/* Wraps an existing EVP_PKEY (takes a reference of its own). */
struct signer *signer_from_pkey(void *evp_pkey);
void signer_free(struct signer *s);
void signer_public_key(const struct signer *s, uint8_t pub[ED25519_KEY_LEN]);
/* Signs batch bytes: sig = Ed25519(prefix || 0x00 || batch). */
int signer_sign(struct signer *s, const uint8_t *batch, size_t len,
	    uint8_t sig[ED25519_SIG_LEN]);
/* Serializes batch (its origin is set to the signer's key) and signs it.
 * Returns a serialized SignedBatch the caller frees, or NULL (also when it
 * would not fit in one frame of FRAME_MAX_DEFAULT). */
uint8_t *envelope_seal(struct signer *s, Reputed__Batch *batch, size_t *outlen);

struct verifier *verifier_new(void);
void verifier_free(struct verifier *v);
/* Verifies sig over (prefix || 0x00 || batch) with the key pub. */
bool verifier_check(struct verifier *v, const uint8_t pub[ED25519_KEY_LEN],
	    const uint8_t *batch, size_t len, const uint8_t *sig, size_t siglen);

/* A memo of signatures that verified, for many verifiers in one process
 * (the simulator's nodes): a (key, signature, exact bytes) triple that
 * verified once is not verified again; any other bytes (a forgery, an
 * altered batch) miss it and are verified for real. Not thread-safe. */
struct verify_memo;
struct verify_memo *verify_memo_new(void);
void verify_memo_free(struct verify_memo *m);
void verify_memo_stats(const struct verify_memo *m, uint64_t *hits,
	    uint64_t *misses);
/* m is borrowed and must outlive v; NULL turns the memo off. */
void verifier_set_memo(struct verifier *v, struct verify_memo *m);

/* What envelope_open says about one SignedBatch. */
enum envelope_status {
	ENVELOPE_OK,
	ENVELOPE_MALFORMED,	/* not a SignedBatch / Batch, or limits broken */
	ENVELOPE_BAD_SIGNATURE,
};
/* Decodes a SignedBatch, checks the batch structure (origin length, seq >= 1,
 * counts) and the signature over the batch bytes as received. On ENVELOPE_OK
 * *out is the decoded Batch (caller frees with reputed__batch__free_unpacked).
 * Its byte fields point into its own allocation, not into sb. */
enum envelope_status envelope_open(struct verifier *v, const uint8_t *sb,
	    size_t len, Reputed__Batch **out, char *err, size_t errlen);
/* The same without the signature check (for stored, already verified
 * batches). */
enum envelope_status envelope_decode(const uint8_t *sb, size_t len,
	    Reputed__Batch **out, char *err, size_t errlen);

/* The origin and seq of a SignedBatch read off the wire, without decoding
 * its reports: 0, or -1 when the bytes are not that plainly well formed (a
 * full decode then says why). Enough to see a copy already held, the common
 * case on a flooding network; a batch is still decoded and checked in full
 * before it is used. */
int envelope_peek(const uint8_t *sb, size_t len,
	    uint8_t origin[ED25519_KEY_LEN], uint64_t *seq);

/* safefile.c: files written for keeps, whole or not at all. */
#define SAFE_FILE_PATH_MAX 4096
struct safe_file {
	FILE *f; /* write here between open and commit */
	char path[SAFE_FILE_PATH_MAX];
	char tmp[SAFE_FILE_PATH_MAX];
	bool exclusive;
};
/* A temporary file beside path with the given mode. exclusive: the commit
 * fails if path exists (it is never replaced). */
int safe_file_open(struct safe_file *sf, const char *path, unsigned mode,
	    bool exclusive, char *err, size_t errlen);
/* fsync, then rename (or link) over path, then fsync of the directory.
 * On error the temporary file is removed and path is untouched. */
int safe_file_commit(struct safe_file *sf, char *err, size_t errlen);
/* Closes and removes the temporary file (no-op if not open). */
void safe_file_abort(struct safe_file *sf);
/* After a PEM file failed to load: 1 and a message in err if it is empty
 * or a PEM block without its END line (a write cut short), else 0. */
int pem_file_cut_short(const char *path, char *err, size_t errlen);

#endif
