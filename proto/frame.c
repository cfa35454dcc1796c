/*
 * frame.c: peer-link framing. Every message on a peer link is a Frame
 * (proto/reputed.proto) behind a 4-byte big-endian length. The length is
 * checked against a hard limit before any byte of the payload is buffered,
 * so a peer cannot make us hold more than one frame's worth of memory.
 * Owns nothing; callers own the buffers they pass and the frames returned.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

enum frame_status
frame_peek(const uint8_t *buf, size_t len, uint32_t max, uint32_t *payload_len)
{
	if (len < FRAME_HEADER_LEN)
		return FRAME_NEED_MORE;
	uint32_t n = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 |
	    (uint32_t)buf[2] << 8 | buf[3];
	*payload_len = n;
	if (n == 0)
		return FRAME_EMPTY;
	if (n > max)
		return FRAME_TOO_LARGE;
	if (len - FRAME_HEADER_LEN < n)
		return FRAME_NEED_MORE;
	return FRAME_OK;
}

static int
frame_check_hello(const Reputed__Hello *h, char *err, size_t errlen)
{
	if (h->node_key.len != ED25519_KEY_LEN) {
		snprintf(err, errlen, "hello: node key is %zu bytes, not 32",
		    h->node_key.len);
		return -1;
	}
	for (size_t i = 0; i < h->n_vv; i++) {
		if (h->vv[i]->origin.len != ED25519_KEY_LEN) {
			snprintf(err, errlen, "hello: version vector entry %zu "
			    "has a %zu-byte origin", i, h->vv[i]->origin.len);
			return -1;
		}
	}
	return 0;
}

static int
frame_check_want(const Reputed__Want *w, char *err, size_t errlen)
{
	for (size_t i = 0; i < w->n_ranges; i++) {
		const Reputed__WantRange *r = w->ranges[i];
		if (r->origin.len != ED25519_KEY_LEN) {
			snprintf(err, errlen, "want: range %zu has a %zu-byte "
			    "origin", i, r->origin.len);
			return -1;
		}
		if (r->from_seq == 0 || (r->to_seq != 0 &&
		    r->to_seq < r->from_seq)) {
			snprintf(err, errlen, "want: range %zu [%llu, %llu] is "
			    "empty", i, (unsigned long long)r->from_seq,
			    (unsigned long long)r->to_seq);
			return -1;
		}
	}
	return 0;
}

/* Structural checks that protobuf itself cannot express. */
static int
frame_check(const Reputed__Frame *f, char *err, size_t errlen)
{
	switch (f->msg_case) {
	case REPUTED__FRAME__MSG_HELLO:
		return frame_check_hello(f->hello, err, errlen);
	case REPUTED__FRAME__MSG_WANT:
		return frame_check_want(f->want, err, errlen);
	case REPUTED__FRAME__MSG_BATCH:
		if (f->batch->signature.len != ED25519_SIG_LEN ||
		    f->batch->batch.len == 0) {
			snprintf(err, errlen, "batch: signature of %zu bytes "
			    "or empty batch", f->batch->signature.len);
			return -1;
		}
		return 0;
	case REPUTED__FRAME__MSG_PING:
	case REPUTED__FRAME__MSG_PONG:
	case REPUTED__FRAME__MSG_GOODBYE:
	case REPUTED__FRAME__MSG_DIRECTORY:
		return 0;
	case REPUTED__FRAME__MSG_PRUNED:
		if (f->pruned->origin.len != ED25519_KEY_LEN ||
		    f->pruned->floor == 0) {
			snprintf(err, errlen, "pruned: origin of %zu bytes or "
			    "floor 0", f->pruned->origin.len);
			return -1;
		}
		return 0;
	default:
		snprintf(err, errlen, "frame carries no known message");
		return -1;
	}
}

Reputed__Frame *
frame_decode(const uint8_t *payload, size_t len, char *err, size_t errlen)
{
	Reputed__Frame *f = reputed__frame__unpack(NULL, len, payload);
	if (f == NULL) {
		snprintf(err, errlen, "frame of %zu bytes is not a valid "
		    "protobuf Frame", len);
		return NULL;
	}
	if (frame_check(f, err, errlen) != 0) {
		reputed__frame__free_unpacked(f, NULL);
		return NULL;
	}
	return f;
}

uint8_t *
frame_encode(const Reputed__Frame *frame, size_t *outlen)
{
	size_t n = reputed__frame__get_packed_size(frame);
	if (n > UINT32_MAX)
		return NULL;
	uint8_t *buf = malloc(FRAME_HEADER_LEN + n);
	if (buf == NULL)
		return NULL;
	buf[0] = n >> 24;
	buf[1] = n >> 16;
	buf[2] = n >> 8;
	buf[3] = n;
	reputed__frame__pack(frame, buf + FRAME_HEADER_LEN);
	*outlen = FRAME_HEADER_LEN + n;
	return buf;
}

const char *
frame_kind_name(const Reputed__Frame *frame)
{
	switch (frame->msg_case) {
	case REPUTED__FRAME__MSG_HELLO:		return "hello";
	case REPUTED__FRAME__MSG_BATCH:		return "batch";
	case REPUTED__FRAME__MSG_WANT:		return "want";
	case REPUTED__FRAME__MSG_PING:		return "ping";
	case REPUTED__FRAME__MSG_PONG:		return "pong";
	case REPUTED__FRAME__MSG_GOODBYE:	return "goodbye";
	case REPUTED__FRAME__MSG_DIRECTORY:	return "directory";
	case REPUTED__FRAME__MSG_PRUNED:	return "pruned";
	default:				return "unknown";
	}
}
