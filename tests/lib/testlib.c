/*
 * testlib.c: temporary directories, keys, stores and sealed batches for
 * the unit tests and benchmarks (see testlib.h).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/lib/testlib.h"

#define TL_RETRACT_MAX 16

struct tl_slot {
	Reputed__Report r;
	Reputed__Subject pb;
	Reputed__MailEvidence mail;
	struct subject subject;
	struct subject client;
};

struct tl_batch {
	Reputed__Batch pb;
	struct tl_slot *slot;
	Reputed__Report **rp;
	size_t max;
	Reputed__Retraction rt[TL_RETRACT_MAX];
	Reputed__Retraction *rtp[TL_RETRACT_MAX];
};

int
tl_tmpdir(char *dir, size_t len, const char *name)
{
	if ((size_t)snprintf(dir, len, "/tmp/reputed-%s.XXXXXX", name) >=
	    len) {
		fprintf(stderr, "tl_tmpdir: name too long: %s\n", name);
		return -1;
	}
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return -1;
	}
	return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	if (remove(path) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

int
tl_rmtree(const char *path)
{
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void
tl_path(char *buf, size_t len, const char *dir, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

struct signer *
tl_signer_new(const char *dir, const char *name)
{
	char path[TL_PATH_MAX], err[256];
	struct signer *s;

	tl_path(path, sizeof(path), dir, name);
	if (signer_generate(path, err, sizeof(err)) != 0 ||
	    (s = signer_load(path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		return NULL;
	}
	return s;
}

struct store *
tl_store_open(const char *dir, int sync, size_t map_size)
{
	struct store_options o = { .map_size = map_size ? map_size : 64u << 20,
		.sync = sync };
	char err[256];
	struct store *st = store_open(dir, &o, err, sizeof(err));

	if (st == NULL)
		fprintf(stderr, "store_open %s: %s\n", dir, err);
	return st;
}

struct tl_batch *
tl_batch_new(uint64_t seq, uint64_t created_at, size_t max)
{
	struct tl_batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->slot = calloc(max ? max : 1, sizeof(*b->slot));
	b->rp = calloc(max ? max : 1, sizeof(*b->rp));
	if (b->slot == NULL || b->rp == NULL) {
		tl_batch_free(b);
		return NULL;
	}
	b->max = max;
	reputed__batch__init(&b->pb);
	b->pb.seq = seq;
	b->pb.created_at = created_at;
	b->pb.reports = b->rp;
	b->pb.retractions = b->rtp;
	return b;
}

void
tl_batch_free(struct tl_batch *b)
{
	if (b == NULL)
		return;
	free(b->slot);
	free(b->rp);
	free(b);
}

Reputed__Report *
tl_batch_report(struct tl_batch *b, const char *subject, int category,
    unsigned confidence, uint64_t observed_at)
{
	struct tl_slot *x;
	char err[160];

	if (b->pb.n_reports == b->max) {
		fprintf(stderr, "tl_batch_report: more than %zu reports\n",
		    b->max);
		return NULL;
	}
	x = &b->slot[b->pb.n_reports];
	if (subject_parse(subject, &x->subject, err, sizeof(err)) != 0) {
		fprintf(stderr, "tl_batch_report: %s: %s\n", subject, err);
		return NULL;
	}
	reputed__report__init(&x->r);
	subject_to_proto(&x->subject, &x->pb);
	x->r.subject = &x->pb;
	x->r.category = category;
	x->r.confidence = confidence;
	x->r.observed_at = observed_at;
	b->rp[b->pb.n_reports++] = &x->r;
	return &x->r;
}

Reputed__MailEvidence *
tl_batch_mail(struct tl_batch *b, const char *client_ip, const char *helo,
    const char *mail_from)
{
	struct tl_slot *x;
	char err[160];

	if (b->pb.n_reports == 0)
		return NULL;
	x = &b->slot[b->pb.n_reports - 1];
	reputed__mail_evidence__init(&x->mail);
	if (client_ip != NULL) {
		if (subject_parse(client_ip, &x->client, err, sizeof(err)) != 0 ||
		    x->client.kind == SUBJECT_DOMAIN) {
			fprintf(stderr, "tl_batch_mail: %s: not an address\n",
			    client_ip);
			return NULL;
		}
		x->mail.client_ip.data = x->client.addr;
		x->mail.client_ip.len = x->client.kind == SUBJECT_IPV4 ? 4 : 16;
	}
	x->mail.helo = (char *)helo;
	x->mail.mail_from = (char *)mail_from;
	x->r.mail = &x->mail;
	return &x->mail;
}

int
tl_batch_retract(struct tl_batch *b, uint64_t seq, uint32_t index)
{
	Reputed__Retraction *rt;

	if (b->pb.n_retractions == TL_RETRACT_MAX)
		return -1;
	rt = &b->rt[b->pb.n_retractions];
	reputed__retraction__init(rt);
	rt->seq = seq;
	rt->index = index;
	b->rtp[b->pb.n_retractions++] = rt;
	return 0;
}

Reputed__Batch *
tl_batch_pb(struct tl_batch *b)
{
	return &b->pb;
}

uint8_t *
tl_batch_seal(struct tl_batch *b, struct signer *key, size_t *len)
{
	uint8_t *sb = envelope_seal(key, &b->pb, len);

	if (sb == NULL)
		fprintf(stderr, "tl_batch_seal: envelope_seal failed\n");
	return sb;
}
