/*
 * spf_bench.c: evaluations per second of the SPF evaluator.
 *
 *   spf_bench suite FILE.yml[.gz]... [-s SECONDS]
 *       every test of the suites, round after round, through the
 *       in-memory resolver (the scenario zones of the suites).
 *   spf_bench mix [-n DOMAINS] [-s SECONDS] [-y OUT.yml] [-z OUT.zone]
 *       a generated mix (include chains, redirects, macros, mx and a
 *       records) through the in-memory resolver; -y writes the same cases
 *       as an openspf-style suite (for pyspf), -z the zone as an RFC 1035
 *       master file (for nsd).
 *   spf_bench unbound HOST:PORT [-n DOMAINS] [-c CONCURRENT] [-k COUNT] [-f]
 *       the same mix over libunbound against that server, with up to
 *       CONCURRENT evaluations in flight on one libevent loop; -f starts
 *       every pass over the cases with an empty cache.
 * Prints one line per measure.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feeds/feeds.h"

#define ZONE	"bench.example"

struct mixcase {
	char	ip[48];
	char	sender[128];
};

struct ymlrec {
	char	 name[128];
	char	 line[600];
	size_t	 seq;
};

struct mix {
	struct ymlrec	*yrec;		/* zone lines for the YAML, grouped later */
	size_t		 nyrec, capyrec;
	struct resolver	*zone;
	struct mixcase	*cases;
	size_t		 ncases;
	FILE		*yml, *zf;	/* optional outputs */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU time of this process: on a busy machine, wall time also counts the
 * time others had the core. */
static double
cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the generated mix ---- */

static void
yml_add(struct mix *m, const char *name, const char *line)
{
	if (m->yml == NULL)
		return;
	if (m->nyrec == m->capyrec) {
		m->capyrec = m->capyrec ? m->capyrec * 2 : 1024;
		m->yrec = realloc(m->yrec, m->capyrec * sizeof(*m->yrec));
		if (m->yrec == NULL)
			exit(1);
	}
	struct ymlrec *y = &m->yrec[m->nyrec];
	snprintf(y->name, sizeof(y->name), "%s", name);
	snprintf(y->line, sizeof(y->line), "%s", line);
	y->seq = m->nyrec++;
}

static int
yml_cmp(const void *a, const void *b)
{
	const struct ymlrec *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void
mix_txt(struct mix *m, const char *name, const char *txt)
{
	char line[600], *p = line;

	resolver_mem_add(m->zone, name, DNS_T_TXT, txt, strlen(txt), 0);
	p += sprintf(p, "TXT: \"");
	for (const char *t = txt; *t && p < line + sizeof(line) - 4; t++) {
		if (*t == '"' || *t == '\\')
			*p++ = '\\';
		*p++ = *t;
	}
	strcpy(p, "\"");
	yml_add(m, name, line);
	if (m->zf)
		fprintf(m->zf, "%s. 300 IN TXT \"%s\"\n", name, txt);
}

static void
mix_addr(struct mix *m, const char *name, const char *addr)
{
	uint8_t a[16];
	bool v6 = strchr(addr, ':') != NULL;

	inet_pton(v6 ? AF_INET6 : AF_INET, addr, a);
	resolver_mem_add(m->zone, name, v6 ? DNS_T_AAAA : DNS_T_A, a,
	    v6 ? 16 : 4, 0);
	char line[96];
	snprintf(line, sizeof(line), "%s: %s", v6 ? "AAAA" : "A", addr);
	yml_add(m, name, line);
	if (m->zf)
		fprintf(m->zf, "%s. 300 IN %s %s\n", name, v6 ? "AAAA" : "A", addr);
}

static void
mix_mx(struct mix *m, const char *name, int pref, const char *host)
{
	resolver_mem_add(m->zone, name, DNS_T_MX, host, strlen(host), pref);
	char line[200];
	snprintf(line, sizeof(line), "MX: [%d, %s]", pref, host);
	yml_add(m, name, line);
	if (m->zf)
		fprintf(m->zf, "%s. 300 IN MX %d %s.\n", name, pref, host);
}

static void
mix_case(struct mix *m, const char *ip, int user, int dom)
{
	struct mixcase *c = &m->cases[m->ncases++];

	snprintf(c->ip, sizeof(c->ip), "%s", ip);
	snprintf(c->sender, sizeof(c->sender), "user%d@d%d." ZONE, user, dom);
}

/* Domain i, in one of five shapes; its cases: one inside, one outside. */
static void
mix_domain(struct mix *m, int i, int n)
{
	char name[128], t[128], txt[512], ip[48], in[48], out[48];

	snprintf(name, sizeof(name), "d%d." ZONE, i);
	snprintf(in, sizeof(in), "198.51.%d.%d", i / 250 % 250, i % 250 + 1);
	snprintf(out, sizeof(out), "203.0.%d.%d", i / 250 % 250, i % 250 + 1);
	switch (i % 5) {
	case 0:	/* an include chain, three deep */
		snprintf(txt, sizeof(txt), "v=spf1 include:_spf%d." ZONE " ~all", i);
		mix_txt(m, name, txt);
		snprintf(t, sizeof(t), "_spf%d." ZONE, i);
		snprintf(txt, sizeof(txt), "v=spf1 ip4:192.0.2.0/24 include:_net%d."
		    ZONE " -all", i);
		mix_txt(m, t, txt);
		snprintf(t, sizeof(t), "_net%d." ZONE, i);
		snprintf(txt, sizeof(txt), "v=spf1 ip6:2001:db8:%x::/48 ip4:%s -all",
		    i, in);
		mix_txt(m, t, txt);
		break;
	case 1:	/* redirect to a policy with mx and a */
		snprintf(txt, sizeof(txt), "v=spf1 redirect=_r%d." ZONE, i);
		mix_txt(m, name, txt);
		snprintf(t, sizeof(t), "_r%d." ZONE, i);
		mix_txt(m, t, "v=spf1 mx a -all");
		snprintf(txt, sizeof(txt), "mx%d." ZONE, i);
		mix_mx(m, t, 10, txt);
		mix_addr(m, txt, in);
		snprintf(ip, sizeof(ip), "2001:db8::%x", i + 1);
		mix_addr(m, t, ip);
		break;
	case 2:	/* macros: a per-sender exists, then a */
		snprintf(txt, sizeof(txt), "v=spf1 exists:%%{i}.%%{l}.x%d." ZONE
		    " a:mail%d." ZONE " -all", i, i);
		mix_txt(m, name, txt);
		snprintf(t, sizeof(t), "%s.user%d.x%d." ZONE, in, i, i);
		mix_addr(m, t, "127.0.0.2");
		snprintf(t, sizeof(t), "mail%d." ZONE, i);
		mix_addr(m, t, "192.0.2.99");
		break;
	case 3:	/* mx with a CIDR, several MX hosts, and exp= */
		snprintf(txt, sizeof(txt), "v=spf1 mx/24 -all exp=e%d." ZONE, i);
		mix_txt(m, name, txt);
		for (int k = 0; k < 3; k++) {
			snprintf(t, sizeof(t), "m%d-%d." ZONE, i, k);
			mix_mx(m, name, 10 * k, t);
			snprintf(ip, sizeof(ip), "198.51.%d.%d", i / 250 % 250,
			    k == 2 ? i % 250 + 1 : 200 + k);
			mix_addr(m, t, ip);
		}
		snprintf(t, sizeof(t), "e%d." ZONE, i);
		mix_txt(m, t, "%{i} is not a mail server of %{d}");
		break;
	default: /* a/CIDR, ip4, and an include of the next domain */
		snprintf(txt, sizeof(txt), "v=spf1 a:h%d." ZONE "/28 ip4:192.0.2.%d "
		    "include:d%d." ZONE " -all", i, i % 250, (i + 1) % n);
		mix_txt(m, name, txt);
		snprintf(t, sizeof(t), "h%d." ZONE, i);
		mix_addr(m, t, in);
		break;
	}
	mix_case(m, in, i, i);
	mix_case(m, out, i + 1, i);
}

static int
mix_build(struct mix *m, int n, const char *ymlpath, const char *zonepath)
{
	memset(m, 0, sizeof(*m));
	if ((m->zone = resolver_mem_new()) == NULL ||
	    (m->cases = calloc(2 * n, sizeof(*m->cases))) == NULL)
		return -1;
	if (ymlpath && (m->yml = fopen(ymlpath, "w")) == NULL)
		return -1;
	if (zonepath && (m->zf = fopen(zonepath, "w")) == NULL)
		return -1;
	if (m->yml)
		fprintf(m->yml, "# generated by spf_bench mix\n---\n"
		    "description: generated mix\nzonedata:\n");
	if (m->zf)
		fprintf(m->zf, "$ORIGIN " ZONE ".\n$TTL 300\n@ IN SOA ns." ZONE
		    ". hostmaster." ZONE ". 1 3600 600 86400 300\n@ IN NS ns."
		    ZONE ".\nns IN A 127.0.0.1\n");
	for (int i = 0; i < n; i++)
		mix_domain(m, i, n);
	if (m->zf)
		fclose(m->zf);
	m->zf = NULL;
	return 0;
}

/* The tests part of the YAML, with the results our evaluator gives. */
static void
mix_tests(struct mix *m)
{
	char err[128];

	if (m->yml == NULL)
		return;
	qsort(m->yrec, m->nyrec, sizeof(*m->yrec), yml_cmp);
	for (size_t i = 0; i < m->nyrec; i++) {
		if (i == 0 || strcmp(m->yrec[i].name, m->yrec[i - 1].name) != 0)
			fprintf(m->yml, "  %s:\n", m->yrec[i].name);
		fprintf(m->yml, "    - %s\n", m->yrec[i].line);
	}
	free(m->yrec);
	m->yrec = NULL;
	fprintf(m->yml, "tests:\n");
	for (size_t i = 0; i < m->ncases; i++) {
		struct spf_request req = { .ip = m->cases[i].ip,
		    .sender = m->cases[i].sender, .helo = "mx.example.net",
		    .default_exp = "DEFAULT", .now = 1 };
		struct spf_outcome out;
		if (spf_run_sync(m->zone, &req, &out, err, sizeof(err)) == -1)
			continue;
		fprintf(m->yml, "  case%zu:\n    host: %s\n    mailfrom: %s\n"
		    "    helo: mx.example.net\n    result: %s\n", i,
		    m->cases[i].ip, m->cases[i].sender,
		    spf_result_name(out.result));
	}
	fclose(m->yml);
	m->yml = NULL;
}

static void
mix_free(struct mix *m)
{
	resolver_free(m->zone);
	free(m->cases);
}

/* ---- in-memory runs ---- */

static void
bench_mix(int n, double seconds, const char *yml, const char *zonefile)
{
	struct mix m;
	struct spf_outcome out;
	char err[128];
	unsigned long evals = 0, counts[SPF_PERMERROR + 1] = { 0 };

	if (mix_build(&m, n, yml, zonefile) == -1) {
		fprintf(stderr, "mix: cannot build\n");
		exit(1);
	}
	mix_tests(&m);
	unsigned long q0 = resolver_mem_queries(m.zone);
	double t0 = now_s(), c0 = cpu_s(), t;
	do {
		for (size_t i = 0; i < m.ncases; i++, evals++) {
			struct spf_request req = { .ip = m.cases[i].ip,
			    .sender = m.cases[i].sender, .helo = "mx.example.net",
			    .now = 1 };
			spf_run_sync(m.zone, &req, &out, err, sizeof(err));
			counts[out.result]++;
		}
		t = now_s() - t0;
	} while (t < seconds);
	double cpu = cpu_s() - c0;
	printf("reputed mix: %zu cases (%d domains), %lu evaluations in %.2f s: "
	    "%.0f evaluations/s, %.0f per CPU second (pass %lu, fail %lu, "
	    "softfail %lu, other %lu), %.1f DNS queries per evaluation\n",
	    m.ncases, n, evals, t, evals / t, evals / cpu, counts[SPF_PASS],
	    counts[SPF_FAIL], counts[SPF_SOFTFAIL],
	    evals - counts[SPF_PASS] - counts[SPF_FAIL] - counts[SPF_SOFTFAIL],
	    (double)(resolver_mem_queries(m.zone) - q0) / evals);
	mix_free(&m);
}

static void
bench_suites(int argc, char **argv, double seconds)
{
	struct spf_suite *s[8];
	struct spf_outcome out;
	char err[256], msg[512];
	int ns = 0;
	unsigned long evals = 0, ncases = 0;

	for (int i = 0; i < argc && ns < 8; i++) {
		if ((s[ns] = spf_suite_load(argv[i], err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			exit(1);
		}
		ncases += spf_suite_count(s[ns++]);
	}
	double t0 = now_s(), c0 = cpu_s(), t;
	do {
		for (int k = 0; k < ns; k++)
			for (size_t i = 0; i < spf_suite_count(s[k]); i++, evals++) {
				const struct spf_suite_case *sc = spf_suite_case(s[k], i);
				struct spf_request req = { .ip = sc->host,
				    .sender = sc->mailfrom, .helo = sc->helo,
				    .default_exp = "DEFAULT", .now = 1 };
				if (sc->headers)
					spf_suite_run(sc, &out, msg, sizeof(msg));
				else
					spf_run_sync(sc->zone, &req, &out, msg,
					    sizeof(msg));
			}
		t = now_s() - t0;
	} while (t < seconds);
	printf("reputed suites: %lu cases, %lu evaluations in %.2f s: "
	    "%.0f evaluations/s, %.0f per CPU second\n", ncases, evals, t,
	    evals / t, evals / (cpu_s() - c0));
	for (int k = 0; k < ns; k++)
		spf_suite_free(s[k]);
}

/* ---- libunbound ---- */

struct ubbench {
	struct event_base *base;
	struct resolver	*res;
	struct mix	*m;
	size_t		 next, done, total;
	unsigned	 inflight, max_inflight, concurrency;
	unsigned long	 sum_inflight, samples, results[SPF_PERMERROR + 1];
};

static void	ub_launch(struct ubbench *);

static void
ub_done_cb(void *arg, const struct spf_outcome *out)
{
	struct ubbench *b = arg;

	b->results[out->result]++;
	b->inflight--;
	b->done++;
	if (b->done == b->total)
		event_base_loopbreak(b->base);
	else
		ub_launch(b);
}

static void
ub_launch(struct ubbench *b)
{
	char err[128];

	while (b->inflight < b->concurrency && b->next < b->total) {
		const struct mixcase *c = &b->m->cases[b->next % b->m->ncases];
		char sender[160];
		struct spf_request req = { .ip = c->ip, .sender = sender,
		    .helo = "mx.example.net", .now = 1 };
		/* vary the local part so the exists:%{l} names miss the cache */
		snprintf(sender, sizeof(sender), "r%zu%s", b->next / b->m->ncases,
		    c->sender);
		b->next++;
		b->inflight++;
		if (b->inflight > b->max_inflight)
			b->max_inflight = b->inflight;
		b->sum_inflight += b->inflight;
		b->samples++;
		if (spf_run_start(b->res, &req, ub_done_cb, b, err, sizeof(err)) == -1) {
			b->inflight--;
			b->done++;
		}
	}
}

/* fresh: a new libunbound context (an empty cache) for every pass over
 * the cases, so each pass asks nsd again. */
static void
bench_unbound(const char *server, int n, unsigned concurrency, size_t count,
    bool fresh)
{
	struct mix m;
	struct ubbench b = { 0 };
	char err[256];

	if (mix_build(&m, n, NULL, NULL) == -1)
		exit(1);
	b.base = event_base_new();
	b.m = &m;
	b.concurrency = concurrency;
	double t0 = now_s();
	while (b.done < count) {
		if ((b.res = resolver_unbound_new(b.base, server, 5000, err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "unbound: %s\n", err);
			exit(1);
		}
		b.total = fresh && b.done + m.ncases < count ? b.done + m.ncases :
		    count;
		ub_launch(&b);
		if (b.done < b.total)
			event_base_dispatch(b.base);
		resolver_free(b.res);
	}
	double t = now_s() - t0;
	printf("reputed libunbound (%s, %s cache): %zu evaluations in %.2f s: "
	    "%.0f evaluations/s; in flight: max %u, mean %.1f (limit %u); pass "
	    "%lu, fail %lu, softfail %lu, temperror %lu, other %lu\n", server,
	    fresh ? "cold" : "warm", b.done, t, b.done / t, b.max_inflight,
	    b.samples ? (double)b.sum_inflight / b.samples : 0, concurrency,
	    b.results[SPF_PASS], b.results[SPF_FAIL], b.results[SPF_SOFTFAIL],
	    b.results[SPF_TEMPERROR], b.done - b.results[SPF_PASS] -
	    b.results[SPF_FAIL] - b.results[SPF_SOFTFAIL] -
	    b.results[SPF_TEMPERROR]);
	event_base_free(b.base);
	mix_free(&m);
}

int
main(int argc, char **argv)
{
	const char *yml = NULL, *zonefile = NULL, *mode = argc > 1 ? argv[1] : "";
	double seconds = 2;
	int n = 500, c, k = 20000;
	unsigned concurrency = 100;
	bool fresh = false;

	if (argc < 2) {
		fprintf(stderr, "usage: spf_bench suite|mix|unbound ...\n");
		return 2;
	}
	optind = 2;
	while ((c = getopt(argc, argv, "s:n:y:z:c:k:f")) != -1) {
		switch (c) {
		case 's': seconds = atof(optarg); break;
		case 'n': n = atoi(optarg); break;
		case 'y': yml = optarg; break;
		case 'z': zonefile = optarg; break;
		case 'c': concurrency = atoi(optarg); break;
		case 'k': k = atoi(optarg); break;
		case 'f': fresh = true; break;
		default: return 2;
		}
	}
	if (strcmp(mode, "suite") == 0)
		bench_suites(argc - optind, argv + optind, seconds);
	else if (strcmp(mode, "mix") == 0)
		bench_mix(n, seconds, yml, zonefile);
	else if (strcmp(mode, "unbound") == 0 && optind < argc)
		bench_unbound(argv[optind], n, concurrency, k, fresh);
	else
		return 2;
	return 0;
}
