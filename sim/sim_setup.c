/*
 * sim_setup.c: builds reputesim's world from a scenario: node keys from
 * the PRNG, stores under a temporary directory, the topology, the
 * workload (every report made in advance, at its time), the faults.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <openssl/x509.h>

#include "node/node.h"
#include "node/peer/pki.h"
#include "sim/simint.h"

static int
okey_cmp(const void *a, const void *b)
{
	return memcmp(a, b, ED25519_KEY_LEN);
}

static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
add_node_link(struct sim *w, int ni, int li)
{
	struct snode *n = &w->nodes[ni];

	if (n->n_links == n->cap_links) {
		size_t nc = n->cap_links ? n->cap_links * 2 : 8;
		uint32_t *p = realloc(n->links, nc * sizeof(*p));
		if (p == NULL)
			return -1;
		n->links = p;
		n->cap_links = nc;
	}
	n->links[n->n_links++] = (uint32_t)li;
	return 0;
}

static bool
linked(const struct sim *w, int a, int b)
{
	const struct snode *n = &w->nodes[a];

	for (size_t i = 0; i < n->n_links; i++) {
		const struct slink *l = &w->links[n->links[i]];
		if ((l->a == a && l->b == b) || (l->a == b && l->b == a))
			return true;
	}
	return false;
}

static int
add_link(struct sim *w, int a, int b, const struct link_model *m)
{
	struct slink *l;

	if (a == b || linked(w, a, b))
		return 0;
	if (w->n_links == w->cap_links) {
		int nc = w->cap_links ? w->cap_links * 2 : 256;
		struct slink *p = realloc(w->links, (size_t)nc * sizeof(*p));
		if (p == NULL)
			return -1;
		w->links = p;
		w->cap_links = nc;
	}
	l = &w->links[w->n_links];
	memset(l, 0, sizeof(*l));
	l->a = a;
	l->b = b;
	l->vl.a = a;
	l->vl.b = b;
	l->m = m;
	if (add_node_link(w, a, w->n_links) == -1 ||
	    add_node_link(w, b, w->n_links) == -1)
		return -1;
	w->n_links++;
	return 0;
}

/* ---- nodes and keys ---- */

static int
make_nodes(struct sim *w, char *err, size_t errlen)
{
	const struct scenario *s = &w->s;
	int faces = 0, ni = 0, org = 0;

	for (int g = 0; g < s->n_groups; g++)
		if (s->groups[g].role == ROLE_EQUIVOCATOR)
			faces += (int)s->groups[g].count;
	w->n_regular = (int)scen_nodes(s);
	w->n_nodes = w->n_regular + faces;
	w->n_orgs = (int)scen_orgs(s);
	w->n_origins = w->n_regular;
	w->nodes = calloc((size_t)w->n_nodes, sizeof(*w->nodes));
	w->origins = calloc((size_t)w->n_origins, sizeof(*w->origins));
	w->okeys = calloc((size_t)w->n_origins, sizeof(*w->okeys));
	w->org_group = calloc((size_t)w->n_orgs + 1, sizeof(int));
	w->org_first = calloc((size_t)w->n_orgs + 1, sizeof(int));
	if (!w->nodes || !w->origins || !w->okeys || !w->org_group ||
	    !w->org_first)
		goto oom;
	for (int g = 0; g < s->n_groups; g++) {
		const struct scen_orgs *gr = &s->groups[g];
		for (unsigned k = 0; k < gr->count; k++, org++) {
			w->org_group[org] = g;
			w->org_first[org] = ni;
			for (unsigned j = 0; j < gr->nodes; j++, ni++) {
				struct snode *n = &w->nodes[ni];
				n->group = g;
				n->org = org;
				n->origin = ni;
				n->honest = gr->role == ROLE_HONEST;
				n->mute = gr->role == ROLE_MUTE;
				n->mute_from = gr->start;
				n->mute_to = gr->stop ? gr->stop : UINT64_MAX;
				snprintf(n->name, sizeof(n->name), "%s-%u-%u",
				    gr->name, k, j);
			}
		}
	}
	/* an equivocator's second face: node 0 of the org, a second store */
	for (int o = 0, f = w->n_regular; o < w->n_orgs; o++) {
		if (s->groups[w->org_group[o]].role != ROLE_EQUIVOCATOR)
			continue;
		struct snode *n = &w->nodes[f], *t = &w->nodes[w->org_first[o]];
		char name[32];
		snprintf(name, sizeof(name), "%.24s-face", t->name);
		*n = *t;
		n->face = true;
		memcpy(n->name, name, sizeof(name));
		f++;
	}
	for (int i = 0; i < w->n_nodes; i++) {
		struct snode *n = &w->nodes[i];
		n->w = w;
		n->hi = calloc((size_t)w->n_origins, sizeof(uint64_t));
		n->touch_stamp = calloc((size_t)w->n_origins, sizeof(uint32_t));
		if (n->hi == NULL || n->touch_stamp == NULL)
			goto oom;
		if (n->honest)
			w->n_honest++;
	}
	for (int i = 0; i < w->n_regular; i++) {
		uint8_t priv[32], pub[32];
		size_t publen = sizeof(pub);
		for (int k = 0; k < 4; k++) {
			uint64_t x = rng_next(&w->rng);
			memcpy(priv + 8 * k, &x, 8);
		}
		EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519,
		    NULL, priv, sizeof(priv));
		if (pk == NULL ||
		    EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1) {
			EVP_PKEY_free(pk);
			snprintf(err, errlen, "cannot make a node key");
			return -1;
		}
		w->nodes[i].vn.pkey = pk;
		memcpy(w->origins[i].key, pub, 32);
		w->origins[i].node = i;
		memcpy(w->okeys[i].key, pub, 32);
		w->okeys[i].origin = (uint32_t)i;
	}
	for (int i = w->n_regular; i < w->n_nodes; i++) {
		w->nodes[i].vn.pkey = w->nodes[w->org_first[w->nodes[i].org]]
					  .vn.pkey;
		EVP_PKEY_up_ref(w->nodes[i].vn.pkey);
		w->nodes[i].links = NULL;
		w->nodes[i].n_links = w->nodes[i].cap_links = 0;
	}
	qsort(w->okeys, (size_t)w->n_origins, sizeof(*w->okeys), okey_cmp);
	return 0;
oom:
	snprintf(err, errlen, "out of memory for %d nodes", w->n_nodes);
	return -1;
}

/* ---- member certificates ---- */

static EVP_PKEY *
key_from_rng(struct rng *r)
{
	uint8_t priv[32];

	for (int k = 0; k < 4; k++) {
		uint64_t x = rng_next(r);
		memcpy(priv + 8 * k, &x, 8);
	}
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, priv,
	    sizeof(priv));
}

/* The same bytes in every run: a serial of our own (pki's are random),
 * then signed again (Ed25519 signatures are deterministic). */
static int
fix_serial(X509 *x, EVP_PKEY *signer, long serial)
{
	ASN1_INTEGER *a = X509_get_serialNumber(x);

	if (a == NULL || !ASN1_INTEGER_set(a, serial) ||
	    X509_sign(x, signer, NULL) <= 0)
		return -1;
	return 0;
}

/* One CA per organisation, a member certificate per node, every CA an
 * anchor of one shared trust store: the gossip core binds each origin to
 * its organisation, as between real daemons. */
static int
make_pki(struct sim *w, char *err, size_t errlen)
{
	int64_t nb = (int64_t)(SIM_EPOCH_MS / 1000) - 3600;
	long serial = 1;

	if ((w->pki = pki_new()) == NULL)
		goto oom;
	for (int o = 0; o < w->n_orgs; o++) {
		const struct scen_orgs *g = &w->s.groups[w->org_group[o]];
		char name[64];
		snprintf(name, sizeof(name), "%s-%d", g->name, o);
		struct pki_cert_opts co = { .org = name,
			.cn = name,
			.not_before = nb,
			.days = 3650,
			.ca = true,
			.pathlen = 0 };
		EVP_PKEY *cak = key_from_rng(&w->rng);
		X509 *ca = cak ? pki_ca_new(cak, &co, err, errlen) : NULL;
		if (ca == NULL || fix_serial(ca, cak, serial++) == -1 ||
		    pki_add_anchor(w->pki, ca) == -1) {
			X509_free(ca);
			EVP_PKEY_free(cak);
			snprintf(err, errlen, "cannot make the CA of org %d", o);
			return -1;
		}
		for (unsigned j = 0; j < g->nodes; j++) {
			struct snode *n = &w->nodes[w->org_first[o] + (int)j];
			struct pki_cert_opts no = { .org = name,
				.cn = n->name,
				.not_before = nb,
				.days = 3650 };
			X509 *x = pki_cert_issue(ca, cak, n->vn.pkey, &no, err,
			    errlen);
			int len;
			if (x == NULL || fix_serial(x, cak, serial++) == -1 ||
			    (len = i2d_X509(x, &n->der)) <= 0) {
				X509_free(x);
				X509_free(ca);
				EVP_PKEY_free(cak);
				snprintf(err, errlen, "cannot certify %s",
				    n->name);
				return -1;
			}
			n->der_len = (size_t)len;
			X509_free(x);
		}
		X509_free(ca);
		EVP_PKEY_free(cak);
	}
	for (int i = w->n_regular; i < w->n_nodes; i++) {
		struct snode *twin = &w->nodes[w->org_first[w->nodes[i].org]];
		w->nodes[i].der = twin->der;
		w->nodes[i].der_len = twin->der_len;
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

/* ---- topology ---- */

/* The node of org o that takes its next inter-org link (round robin). */
static int
org_port(struct sim *w, int o, unsigned *rr)
{
	unsigned nodes = w->s.groups[w->org_group[o]].nodes;

	return w->org_first[o] + (int)(rr[o]++ % nodes);
}

static int
org_link(struct sim *w, int x, int y, unsigned *rr, unsigned *deg)
{
	int a = org_port(w, x, rr), b = org_port(w, y, rr);

	if (add_link(w, a, b, &w->s.inter) == -1)
		return -1;
	deg[x]++;
	deg[y]++;
	return 0;
}

static bool
orgs_linked(struct sim *w, int x, int y)
{
	unsigned nx = w->s.groups[w->org_group[x]].nodes;

	for (unsigned j = 0; j < nx; j++) {
		const struct snode *n = &w->nodes[w->org_first[x] + (int)j];
		for (size_t i = 0; i < n->n_links; i++) {
			const struct slink *l = &w->links[n->links[i]];
			int other = w->nodes[l->a].org == x ? l->b : l->a;
			if (w->nodes[other].org == y)
				return true;
		}
	}
	return false;
}

static int
random_orgs(struct sim *w, unsigned *rr, unsigned *deg)
{
	int n = w->n_orgs;
	unsigned k = w->s.degree;

	for (int x = 0; x < n; x++) {
		for (int tries = 0; deg[x] < k && tries < 50 * (int)k;
		    tries++) {
			int y = (int)rng_below(&w->rng, (uint64_t)n);
			if (y == x || deg[y] >= k || orgs_linked(w, x, y))
				continue;
			if (org_link(w, x, y, rr, deg) == -1)
				return -1;
		}
	}
	return 0;
}

static int
intra_links(struct sim *w)
{
	for (int o = 0; o < w->n_orgs; o++) {
		int first = w->org_first[o];
		int nodes = (int)w->s.groups[w->org_group[o]].nodes;
		for (int i = 0; i < nodes; i++) {
			for (int j = i + 1; j < nodes; j++) {
				bool want = w->s.intra == INTRA_FULL ||
				    j == i + 1 ||
				    (w->s.intra == INTRA_RING && i == 0 &&
					j == nodes - 1 && nodes > 2);
				if (w->s.intra == INTRA_NONE || !want)
					continue;
				if (add_link(w, first + i, first + j,
					&w->s.intra_link) == -1)
					return -1;
			}
		}
	}
	return 0;
}

static int
uf_find(int *up, int x)
{
	while (up[x] != x)
		x = up[x] = up[up[x]];
	return x;
}

/* Connected components of the node graph (a random topology of low
 * degree may fall apart: the run says so). */
static int
components(struct sim *w)
{
	int *up = malloc((size_t)w->n_nodes * sizeof(int)), n = w->n_nodes;

	if (up == NULL)
		return -1;
	for (int i = 0; i < w->n_nodes; i++)
		up[i] = i;
	for (int li = 0; li < w->n_links; li++) {
		int a = uf_find(up, w->links[li].a), b = uf_find(up,
							  w->links[li].b);
		if (a != b) {
			up[a] = b;
			n--;
		}
	}
	free(up);
	return n;
}

/* Every other link of an equivocator moves to its second face. */
static void
split_faces(struct sim *w)
{
	for (int f = w->n_regular; f < w->n_nodes; f++) {
		int t = w->org_first[w->nodes[f].org];
		struct snode *tn = &w->nodes[t];
		size_t keep = 0;
		for (size_t i = 0; i < tn->n_links; i++) {
			struct slink *l = &w->links[tn->links[i]];
			if (i % 2 == 0) {
				tn->links[keep++] = tn->links[i];
				continue;
			}
			if (l->a == t)
				l->a = l->vl.a = f;
			else
				l->b = l->vl.b = f;
			add_node_link(w, f, (int)tn->links[i]);
		}
		tn->n_links = keep;
	}
}

static int
make_topology(struct sim *w, char *err, size_t errlen)
{
	int n = w->n_orgs;
	unsigned *rr = calloc((size_t)n + 1, sizeof(unsigned));
	unsigned *deg = calloc((size_t)n + 1, sizeof(unsigned));
	int rc = 0;

	if (rr == NULL || deg == NULL) {
		free(rr);
		free(deg);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	switch (w->s.topo) {
	case TOPO_RANDOM:
		rc = random_orgs(w, rr, deg);
		break;
	case TOPO_LINE:
	case TOPO_RING:
		for (int x = 0; x + 1 < n && rc == 0; x++)
			rc = org_link(w, x, x + 1, rr, deg);
		if (w->s.topo == TOPO_RING && n > 2 && rc == 0)
			rc = org_link(w, n - 1, 0, rr, deg);
		break;
	case TOPO_FULL:
		for (int x = 0; x < n && rc == 0; x++)
			for (int y = x + 1; y < n && rc == 0; y++)
				rc = org_link(w, x, y, rr, deg);
		break;
	case TOPO_TIERED: {
		int t1 = (int)(w->s.tier1 ? w->s.tier1 : 4);
		if (t1 > n)
			t1 = n;
		for (int x = 0; x < t1 && rc == 0; x++)
			for (int y = x + 1; y < t1 && rc == 0; y++)
				rc = org_link(w, x, y, rr, deg);
		for (int x = t1; x < n && rc == 0; x++) {
			unsigned up = w->s.degree ? w->s.degree : 2;
			for (unsigned k = 0; k < up && k < (unsigned)t1; k++) {
				int y = (int)((x + k) % (unsigned)t1);
				rc = org_link(w, x, y, rr, deg);
				if (rc)
					break;
			}
		}
		break;
	}
	}
	free(rr);
	free(deg);
	if (rc == 0)
		rc = intra_links(w);
	if (rc == -1) {
		snprintf(err, errlen, "out of memory for links");
		return -1;
	}
	split_faces(w);
	w->components = components(w);
	if (w->components > 1)
		fprintf(stderr, "reputesim: warning: the topology has %d "
				"connected components\n",
		    w->components);
	return 0;
}

/* ---- workload ---- */

static int
add_subject(struct sim *w, enum subj_role role, int work, const char *text)
{
	struct ssubj *s;

	if (w->n_subjects == w->cap_subjects) {
		int nc = w->cap_subjects ? w->cap_subjects * 2 : 1024;
		struct ssubj *p = realloc(w->subjects, (size_t)nc * sizeof(*p));
		if (p == NULL)
			return -1;
		w->subjects = p;
		w->cap_subjects = nc;
	}
	s = &w->subjects[w->n_subjects];
	memset(s, 0, sizeof(*s));
	s->role = role;
	s->work = work;
	s->tracked = -1;
	snprintf(s->text, sizeof(s->text), "%s", text);
	return w->n_subjects++;
}

static int
track(struct sim *w, int si)
{
	struct ssubj *s = &w->subjects[si];
	struct tsubj *t;
	struct subject sub;
	char name[600], err[64];
	const char *zone;

	if (w->n_tracked == w->cap_tracked) {
		int nc = w->cap_tracked ? w->cap_tracked * 2 : 64;
		struct tsubj *p = realloc(w->tracked, (size_t)nc * sizeof(*p));
		if (p == NULL)
			return -1;
		w->tracked = p;
		w->cap_tracked = nc;
	}
	t = &w->tracked[w->n_tracked];
	memset(t, 0, sizeof(*t));
	t->subj = si;
	if (subject_parse(s->text, &sub, err, sizeof(err)) != 0)
		return -1;
	if (sub.kind == SUBJECT_DOMAIN) {
		zone = w->dns.zones[1].conf->name;
		snprintf(name, sizeof(name), "%s.%s", sub.domain, zone);
	} else {
		zone = w->dns.zones[0].conf->name;
		snprintf(name, sizeof(name), "%u.%u.%u.%u.%s",
		    sub.addr[3] | (sub.prefix_len < 32 ? 1 : 0), sub.addr[2],
		    sub.addr[1], sub.addr[0], zone);
	}
	t->qlen = sim_build_query(name, t->query, sizeof(t->query));
	s->tracked = w->n_tracked++;
	return 0;
}

static int
add_report(struct sim *w, int si, int ni, uint64_t at, int category,
    bool measured)
{
	struct sreport *r;

	if (w->n_reports == w->cap_reports) {
		size_t nc = w->cap_reports ? w->cap_reports * 2 : 4096;
		struct sreport *p = realloc(w->reports, nc * sizeof(*p));
		if (p == NULL)
			return -1;
		w->reports = p;
		w->cap_reports = nc;
	}
	r = &w->reports[w->n_reports++];
	memset(r, 0, sizeof(*r));
	r->w = w;
	r->at = at;
	r->subj = (uint32_t)si;
	r->node = ni;
	r->origin = w->nodes[ni].origin;
	r->category = (uint8_t)category;
	r->measured = measured;
	return 0;
}

/* A node of org o that is there from the start (else any). */
static int
pick_node(struct sim *w, int o)
{
	int nodes = (int)w->s.groups[w->org_group[o]].nodes;
	int first = w->org_first[o], k = (int)rng_below(&w->rng_work,
					     (uint64_t)nodes);

	for (int i = 0; i < nodes; i++) {
		int ni = first + (k + i) % nodes;
		if (!w->nodes[ni].late)
			return ni;
	}
	return first + k;
}

/* The node of org o that makes bulk submission b. */
static int
burst_node(struct sim *w, int o, uint64_t b)
{
	int nodes = (int)w->s.groups[w->org_group[o]].nodes;
	int first = w->org_first[o];

	for (int i = 0; i < nodes; i++) {
		int ni = first + (int)((b + (uint64_t)i) % (uint64_t)nodes);
		if (!w->nodes[ni].late)
			return ni;
	}
	return first;
}

static void
subject_text(const struct scen_work *wk, int wi, unsigned i, char *buf,
    size_t len)
{
	unsigned hi = (i >> 8) & 255, lo = i & 255, top = (i >> 16) & 255;

	switch (wk->shape) {
	case SHAPE_PREFIX:
		snprintf(buf, len, "%u.%u.%u.0/24", 20 + wi, hi + top * 0, lo);
		break;
	case SHAPE_DOMAIN:
		snprintf(buf, len, "%s%u.w%d.example",
		    wk->kind == WORK_FORGED ? "victim" : "spam", i, wi);
		break;
	default:
		snprintf(buf, len, "%u.%u.%u.%u",
		    wk->kind == WORK_HONEST ? 172u : 10u, (unsigned)wi + top * 16,
		    hi, lo);
		break;
	}
}

static int
make_work(struct sim *w, int wi, const int *honest_orgs, int n_honest_orgs)
{
	const struct scen_work *wk = &w->s.work[wi];
	int *pick = malloc((size_t)n_honest_orgs * sizeof(int));
	enum subj_role role = wk->kind == WORK_SPAM ? SUBJ_SPAM :
	    wk->kind == WORK_HONEST		    ? SUBJ_HONEST :
							      SUBJ_FORGED;
	int category = wk->kind == WORK_HONEST ?
	    REPUTED__CATEGORY__CATEGORY_NOT_SPAM :
	    REPUTED__CATEGORY__CATEGORY_SPAM;
	char text[80];

	if (pick == NULL)
		return -1;
	for (unsigned i = 0; i < wk->count; i++) {
		subject_text(wk, wi, i, text, sizeof(text));
		int si = add_subject(w, role, wi, text);
		if (si < 0)
			goto fail;
		if (role == SUBJ_FORGED)
			snprintf(w->subjects[si].client_ip,
			    sizeof(w->subjects[si].client_ip), "198.18.%u.%u",
			    (i >> 8) & 255, i & 255);
		if (i < wk->track && track(w, si) == -1)
			goto fail;
		memcpy(pick, honest_orgs, (size_t)n_honest_orgs * sizeof(int));
		for (unsigned k = 0; k < wk->seen_by; k++) {
			int j = k + (int)rng_below(&w->rng_work,
					(uint64_t)(n_honest_orgs - (int)k));
			int o = pick[j];
			pick[j] = pick[k];
			pick[k] = o;
			for (unsigned r = 0; r < wk->per_org; r++) {
				uint64_t at;
				int ni;
				if (wk->node >= 0) {
					at = wk->start +
					    rng_below(&w->rng_work,
						wk->spread + 1);
					ni = w->org_first[o] +
					    wk->node % (int)w->s
							   .groups[w->org_group[o]]
							   .nodes;
				} else if (wk->bursts > 0) {
					uint64_t b = rng_below(&w->rng_work,
					    wk->bursts);
					at = wk->start + wk->spread * b /
					    wk->bursts;
					ni = burst_node(w, o, b);
				} else {
					at = wk->start +
					    rng_below(&w->rng_work,
						wk->spread + 1);
					ni = pick_node(w, o);
				}
				if (add_report(w, si, ni, at, category,
					true) == -1)
					goto fail;
			}
		}
	}
	free(pick);
	return 0;
fail:
	free(pick);
	return -1;
}

static int
make_colluders(struct sim *w, int g)
{
	const struct scen_orgs *gr = &w->s.groups[g];
	char text[80];

	int target = -1, seen = 0;

	for (int k = 0; k < w->s.n_work && gr->target[0]; k++)
		if (strcmp(w->s.work[k].name, gr->target) == 0)
			target = k;
	for (unsigned i = 0; i < gr->innocents; i++) {
		int si = -1;
		if (target >= 0) { /* the i-th subject of that workload */
			for (int k = 0; k < w->n_subjects && si < 0; k++)
				if (w->subjects[k].work == target &&
				    seen++ == (int)i)
					si = k;
			seen = 0;
			if (si < 0)
				break;
			if (w->subjects[si].tracked < 0 && track(w, si) == -1)
				return -1;
		} else {
			snprintf(text, sizeof(text), "100.%u.%u.%u", 64 + g,
			    (i >> 8) & 255, i & 255);
			si = add_subject(w, SUBJ_INNOCENT, -1, text);
			if (si < 0 || track(w, si) == -1)
				return -1;
		}
		for (int o = 0; o < w->n_orgs; o++) {
			if (w->org_group[o] != g)
				continue;
			for (unsigned j = 0; j < gr->nodes; j++) {
				if (!gr->all_nodes && j > 0)
					break;
				uint64_t at = gr->start +
				    rng_below(&w->rng_work, 1000000);
				if (add_report(w, si, w->org_first[o] + (int)j,
					at, REPUTED__CATEGORY__CATEGORY_SPAM,
					true) == -1)
					return -1;
			}
		}
	}
	return 0;
}

static int
make_workload(struct sim *w, char *err, size_t errlen)
{
	int *honest = malloc(((size_t)w->n_orgs + 1) * sizeof(int)), nh = 0;

	if (honest == NULL)
		goto oom;
	for (int o = 0; o < w->n_orgs; o++)
		if (w->s.groups[w->org_group[o]].role == ROLE_HONEST)
			honest[nh++] = o;
	for (int wi = 0; wi < w->s.n_work; wi++)
		if (make_work(w, wi, honest, nh) == -1)
			goto oom;
	for (int g = 0; g < w->s.n_groups; g++)
		if (w->s.groups[g].role == ROLE_COLLUDER &&
		    make_colluders(w, g) == -1)
			goto oom;
	free(honest);
	for (size_t i = 0; i < w->n_reports; i++)
		sim_push(w, w->reports[i].at, EV_REPORT, (uint32_t)i, 0, NULL);
	w->tstate = calloc((size_t)w->n_tracked * (size_t)w->n_nodes + 1,
	    sizeof(*w->tstate));
	if (w->tstate == NULL)
		goto oom;
	return 0;
oom:
	free(honest);
	snprintf(err, errlen, "out of memory for the workload");
	return -1;
}

/* ---- faults ---- */

static int
random_honest(struct sim *w)
{
	if (w->n_honest == 0)
		return -1;
	for (int tries = 0; tries < 1000; tries++) {
		int ni = (int)rng_below(&w->rng, (uint64_t)w->n_regular);
		if (w->nodes[ni].honest && !w->nodes[ni].late)
			return ni;
	}
	return -1;
}

static void
window(struct sim *w, uint64_t from, uint64_t to)
{
	if (w->n_windows >= SCEN_MAX_FAULTS)
		return;
	w->fault_windows[2 * w->n_windows] = from;
	w->fault_windows[2 * w->n_windows + 1] = to;
	w->n_windows++;
}

static void
make_faults(struct sim *w)
{
	for (int i = 0; i < w->s.n_faults; i++) {
		const struct scen_fault *f = &w->s.faults[i];
		uint64_t to = f->to ? f->to : w->s.duration;
		w->has_faults = true;
		switch (f->kind) {
		case FAULT_PARTITION:
			sim_push(w, f->from, EV_PART_START, (uint32_t)i, 0,
			    NULL);
			if (f->to)
				sim_push(w, f->to, EV_PART_END, (uint32_t)i, 0,
				    NULL);
			window(w, f->from, to);
			break;
		case FAULT_CRASH:
			for (unsigned k = 0; k < f->nodes; k++) {
				int ni = random_honest(w);
				if (ni < 0)
					break;
				sim_push(w, f->from, EV_CRASH, (uint32_t)ni, 0,
				    NULL);
				if (f->to)
					sim_push(w, f->to, EV_RESTART,
					    (uint32_t)ni, 0, NULL);
			}
			window(w, f->from, to);
			break;
		case FAULT_CHURN:
			for (uint64_t t = f->from;;) {
				t += 1 + (uint64_t)rng_exp(&w->rng,
					     60e6 / (f->rate > 0 ? f->rate : 1));
				if (t >= to)
					break;
				int ni = random_honest(w);
				if (ni < 0)
					break;
				sim_push(w, t, EV_CRASH, (uint32_t)ni, 0, NULL);
				sim_push(w, t + f->down, EV_RESTART,
				    (uint32_t)ni, 0, NULL);
			}
			window(w, f->from, to);
			break;
		case FAULT_LATE:
			for (unsigned k = 0; k < f->nodes; k++) {
				int ni = random_honest(w);
				if (ni < 0)
					break;
				w->nodes[ni].late = true;
				sim_push(w, f->from, EV_RESTART, (uint32_t)ni,
				    0, NULL);
			}
			window(w, 0, f->from);
			break;
		}
	}
}

/* ---- the whole ---- */

static int
make_root(struct sim *w, char *err, size_t errlen)
{
	const char *base = w->o.store_root ? w->o.store_root : "/dev/shm";

	snprintf(w->root, sizeof(w->root), "%s/reputesim-XXXXXX", base);
	if (mkdtemp(w->root) == NULL) {
		snprintf(err, errlen, "%s: %s", w->root, strerror(errno));
		w->root[0] = '\0';
		return -1;
	}
	return 0;
}

int
sim_setup(struct sim *w, char *err, size_t errlen)
{
	struct node_conf conf;

	rng_seed(&w->rng, w->s.seed);
	rng_fork(&w->rng, &w->rng_link);
	rng_fork(&w->rng, &w->rng_work);
	raise_nofile();
	if (conf_load(&conf, NULL, err, errlen) == -1 ||
	    dns_engine_init(&w->dns, &conf, err, errlen) == -1)
		return -1;
	for (int t = 0; t < w->threads && w->s.memo; t++)
		if ((w->memo[t] = verify_memo_new()) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	if (make_nodes(w, err, errlen) == -1 ||
	    (w->s.pki && make_pki(w, err, errlen) == -1) ||
	    make_topology(w, err, errlen) == -1)
		return -1;
	w->lookahead = w->n_links > 0 ? UINT64_MAX : 0;
	for (int li = 0; li < w->n_links; li++)
		if (link_floor(w->links[li].m) < w->lookahead)
			w->lookahead = link_floor(w->links[li].m);
	/* pki: yes shares one trust store, which a Directory frame may
	 * change during a node's part: one thread then */
	if (w->threads > 1 && w->lookahead > 0 && !w->s.pki &&
	    (w->par = par_new(w, w->threads)) == NULL) {
		snprintf(err, errlen, "cannot start %d threads", w->threads);
		return -1;
	}
	make_faults(w);
	if (make_workload(w, err, errlen) == -1 ||
	    make_root(w, err, errlen) == -1)
		return -1;
	for (int i = 0; i < w->n_nodes; i++) {
		struct snode *n = &w->nodes[i];
		if (!n->late && sim_node_start(w, i, err, errlen) == -1)
			return -1;
		sim_push(w, (uint64_t)i * w->s.tick / (uint64_t)w->n_nodes +
			1000,
		    EV_TICK, (uint32_t)i, 0, NULL);
	}
	for (int li = 0; li < w->n_links; li++)
		sim_push(w, 0, EV_CONNECT, (uint32_t)li, 0, NULL);
	for (int o = 0; o < w->n_orgs; o++) {
		const struct scen_orgs *g = &w->s.groups[w->org_group[o]];
		if (g->role == ROLE_FLOODER && g->rate > 0)
			for (unsigned j = 0; j < g->nodes; j++)
				sim_push(w, g->start, EV_FLOOD, (uint32_t)o, j,
				    NULL);
		if (g->role == ROLE_EQUIVOCATOR)
			sim_push(w, g->start, EV_EQUIV, (uint32_t)o, 0, NULL);
	}
	for (int i = 0; i < w->n_nodes; i++)
		if (w->nodes[i].mute && w->nodes[i].mute_to != UINT64_MAX)
			sim_push(w, w->nodes[i].mute_to, EV_UNMUTE,
			    (uint32_t)i, 0, NULL);
	sim_push(w, w->s.sample, EV_SAMPLE, 0, 0, NULL);
	sim_push(w, w->s.duration, EV_END, 0, 0, NULL);
	return 0;
}
