/*
 * spf_suite.c: loads and runs test suites in the openspf YAML format
 * (rfc7208-tests.yml, rfc4408-tests.yml, and our own PRA suite, which
 * adds a "headers" field to a test).
 *
 * A suite file is a stream of YAML documents, one per scenario:
 *   description: ...
 *   tests:    { name: { host, mailfrom, helo, result, explanation,
 *                       headers }, ... }
 *   zonedata: { name: [ { TYPE: value }, "TIMEOUT", ... ], ... }
 * Each scenario's zone becomes an in-memory resolver. As the suite's own
 * driver does, records of type SPF are also served as TXT for a name that
 * has no TXT entry at all ("TXT: NONE" counts as one).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>
#include <zlib.h>

#include "feeds/feeds.h"

#define SUITE_FILE_MAX	(64u << 20)

struct spf_suite {
	struct spf_suite_case *cases;	/* owned, strings owned too */
	size_t		 ncases, capcases;
	struct resolver	**zones;	/* owned, one per scenario */
	size_t		 nzones;
};

/* ---- reading ---- */

static char *
suite_read(const char *path, size_t *len, char *err, size_t errlen)
{
	gzFile gz = gzopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0;
	int n;

	*len = 0;
	if (gz == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return NULL;
	}
	do {
		if (cap - *len < 65536) {
			cap = cap ? cap * 2 : 262144;
			char *p = cap <= SUITE_FILE_MAX ? realloc(buf, cap) : NULL;
			if (p == NULL) {
				snprintf(err, errlen, "%s: too large", path);
				goto fail;
			}
			buf = p;
		}
		n = gzread(gz, buf + *len, cap - *len - 1);
		if (n < 0) {
			snprintf(err, errlen, "%s: read error", path);
			goto fail;
		}
		*len += n;
	} while (n > 0);
	gzclose(gz);
	buf[*len] = '\0';
	return buf;
fail:
	gzclose(gz);
	free(buf);
	return NULL;
}

/* ---- YAML helpers ---- */

static const char *
scalar(yaml_node_t *n, size_t *len)
{
	if (n == NULL || n->type != YAML_SCALAR_NODE)
		return NULL;
	if (len)
		*len = n->data.scalar.length;
	return (const char *)n->data.scalar.value;
}

static bool
key_is(yaml_document_t *doc, yaml_node_pair_t *p, const char *key)
{
	const char *k = scalar(yaml_document_get_node(doc, p->key), NULL);

	return k && strcmp(k, key) == 0;
}

static yaml_node_t *
map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	    p < map->data.mapping.pairs.top; p++)
		if (key_is(doc, p, key))
			return yaml_document_get_node(doc, p->value);
	return NULL;
}

static char *
dup_scalar(yaml_node_t *n)
{
	size_t len;
	const char *s = scalar(n, &len);
	char *d;

	if (s == NULL || (d = malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

/* TXT value: a string, or a list of strings joined with nothing. */
static int
txt_join(yaml_document_t *doc, yaml_node_t *v, char *buf, size_t cap,
    size_t *len)
{
	size_t n;
	const char *s;

	*len = 0;
	if ((s = scalar(v, &n)) != NULL) {
		if (n >= cap)
			return -1;
		memcpy(buf, s, n);
		*len = n;
		return 0;
	}
	if (v == NULL || v->type != YAML_SEQUENCE_NODE)
		return -1;
	for (yaml_node_item_t *i = v->data.sequence.items.start;
	    i < v->data.sequence.items.top; i++) {
		if ((s = scalar(yaml_document_get_node(doc, *i), &n)) == NULL ||
		    n >= cap - *len)
			return -1;
		memcpy(buf + *len, s, n);
		*len += n;
	}
	return 0;
}

/* ---- zone data ---- */

static int
zone_address(struct resolver *z, const char *name, const char *type,
    const char *v)
{
	uint8_t a[16];

	if (strcmp(type, "A") == 0 && inet_pton(AF_INET, v, a) == 1)
		return resolver_mem_add(z, name, DNS_T_A, a, 4, 0);
	if (strcmp(type, "AAAA") == 0 && inet_pton(AF_INET6, v, a) == 1)
		return resolver_mem_add(z, name, DNS_T_AAAA, a, 16, 0);
	return -1;
}

/* One { TYPE: value } entry of a name. */
static int
zone_entry(yaml_document_t *doc, struct resolver *z, const char *name,
    yaml_node_pair_t *p)
{
	char buf[16384];
	const char *type = scalar(yaml_document_get_node(doc, p->key), NULL);
	yaml_node_t *v = yaml_document_get_node(doc, p->value);
	const char *s = scalar(v, NULL);
	size_t len;

	if (type == NULL)
		return -1;
	if (strcmp(type, "TXT") == 0 || strcmp(type, "SPF") == 0) {
		if (txt_join(doc, v, buf, sizeof(buf), &len) == -1)
			return -1;
		if (strcmp(type, "TXT") == 0)
			return len == 4 && memcmp(buf, "NONE", 4) == 0 ?
			    resolver_mem_touch(z, name) :
			    resolver_mem_add(z, name, DNS_T_TXT, buf, len, 0);
		if (resolver_mem_add(z, name, DNS_T_SPF, buf, len, 0) == -1)
			return -1;
		return 0;
	}
	if (strcmp(type, "MX") == 0) {
		yaml_node_t *pref, *host;
		if (v == NULL || v->type != YAML_SEQUENCE_NODE ||
		    v->data.sequence.items.top - v->data.sequence.items.start != 2)
			return -1;
		pref = yaml_document_get_node(doc, v->data.sequence.items.start[0]);
		host = yaml_document_get_node(doc, v->data.sequence.items.start[1]);
		if (scalar(pref, NULL) == NULL || (s = scalar(host, &len)) == NULL)
			return -1;
		return resolver_mem_add(z, name, DNS_T_MX, s, len,
		    atoi(scalar(pref, NULL)));
	}
	if (s == NULL)
		return -1;
	if (strcmp(type, "PTR") == 0 || strcmp(type, "CNAME") == 0)
		return resolver_mem_add(z, name, type[0] == 'P' ? DNS_T_PTR :
		    DNS_T_CNAME, s, strlen(s), 0);
	return zone_address(z, name, type, s);
}

/* The records of one name, then the SPF records again as TXT. */
static int
zone_name(yaml_document_t *doc, struct resolver *z, const char *name,
    yaml_node_t *list)
{
	char buf[16384];
	bool has_txt = false;
	size_t len;

	if (list == NULL || list->type != YAML_SEQUENCE_NODE)
		return -1;
	yaml_node_item_t *i, *start = list->data.sequence.items.start,
	    *top = list->data.sequence.items.top;
	for (i = start; i < top; i++) {
		yaml_node_t *e = yaml_document_get_node(doc, *i);
		if (map_get(doc, e, "TXT") != NULL)
			has_txt = true;
	}
	if (resolver_mem_touch(z, name) == -1)
		return -1;
	for (i = start; i < top; i++) {
		yaml_node_t *e = yaml_document_get_node(doc, *i);
		const char *s = scalar(e, NULL);
		if (s && strcmp(s, "TIMEOUT") == 0) {
			if (resolver_mem_add_timeout(z, name) == -1)
				return -1;
			continue;
		}
		if (e == NULL || e->type != YAML_MAPPING_NODE)
			return -1;
		for (yaml_node_pair_t *p = e->data.mapping.pairs.start;
		    p < e->data.mapping.pairs.top; p++)
			if (zone_entry(doc, z, name, p) == -1)
				return -1;
	}
	for (i = start; i < top && !has_txt; i++) {
		yaml_node_t *spf = map_get(doc, yaml_document_get_node(doc, *i),
		    "SPF");
		if (spf && (txt_join(doc, spf, buf, sizeof(buf), &len) == -1 ||
		    resolver_mem_add(z, name, DNS_T_TXT, buf, len, 0) == -1))
			return -1;
	}
	return 0;
}

static struct resolver *
zone_load(yaml_document_t *doc, yaml_node_t *zonedata, char *err,
    size_t errlen)
{
	struct resolver *z = resolver_mem_new();

	if (z == NULL || zonedata == NULL)
		return z;
	if (zonedata->type != YAML_MAPPING_NODE)
		goto bad;
	for (yaml_node_pair_t *p = zonedata->data.mapping.pairs.start;
	    p < zonedata->data.mapping.pairs.top; p++) {
		const char *name = scalar(yaml_document_get_node(doc, p->key), NULL);
		if (name == NULL || zone_name(doc, z, name,
		    yaml_document_get_node(doc, p->value)) == -1) {
			snprintf(err, errlen, "bad zone data for %s",
			    name ? name : "(?)");
			resolver_free(z);
			return NULL;
		}
	}
	return z;
bad:
	snprintf(err, errlen, "zonedata is not a mapping");
	resolver_free(z);
	return NULL;
}

/* ---- tests ---- */

static int
case_results(yaml_document_t *doc, yaml_node_t *v, unsigned *bits)
{
	enum spf_result r;
	const char *s;

	*bits = 0;
	if ((s = scalar(v, NULL)) != NULL) {
		if (spf_result_parse(s, &r) == -1)
			return -1;
		*bits = 1u << r;
		return 0;
	}
	if (v == NULL || v->type != YAML_SEQUENCE_NODE)
		return -1;
	for (yaml_node_item_t *i = v->data.sequence.items.start;
	    i < v->data.sequence.items.top; i++) {
		s = scalar(yaml_document_get_node(doc, *i), NULL);
		if (s == NULL || spf_result_parse(s, &r) == -1)
			return -1;
		*bits |= 1u << r;
	}
	return *bits ? 0 : -1;
}

static void
case_free_strings(struct spf_suite_case *c)
{
	free((char *)c->scenario);
	free((char *)c->name);
	free((char *)c->host);
	free((char *)c->mailfrom);
	free((char *)c->helo);
	free((char *)c->headers);
	free((char *)c->explanation);
}

static int
case_load(struct spf_suite *s, yaml_document_t *doc, const char *scenario,
    yaml_node_pair_t *p, struct resolver *zone)
{
	yaml_node_t *t = yaml_document_get_node(doc, p->value);
	struct spf_suite_case c = { 0 };

	if (s->ncases == s->capcases) {
		size_t cap = s->capcases ? s->capcases * 2 : 64;
		struct spf_suite_case *cs = realloc(s->cases, cap * sizeof(*cs));
		if (cs == NULL)
			return -1;
		s->cases = cs;
		s->capcases = cap;
	}
	c.scenario = strdup(scenario);
	c.name = dup_scalar(yaml_document_get_node(doc, p->key));
	c.host = dup_scalar(map_get(doc, t, "host"));
	c.mailfrom = dup_scalar(map_get(doc, t, "mailfrom"));
	c.helo = dup_scalar(map_get(doc, t, "helo"));
	c.headers = dup_scalar(map_get(doc, t, "headers"));
	c.explanation = dup_scalar(map_get(doc, t, "explanation"));
	c.scope = c.headers ? SPF_SCOPE_PRA : SPF_SCOPE_MFROM;
	c.zone = zone;
	if (c.scenario == NULL || c.name == NULL || c.host == NULL ||
	    case_results(doc, map_get(doc, t, "result"), &c.results) == -1) {
		case_free_strings(&c);
		return -1;
	}
	s->cases[s->ncases++] = c;
	return 0;
}

static int
scenario_load(struct spf_suite *s, yaml_document_t *doc, yaml_node_t *root,
    char *err, size_t errlen)
{
	const char *desc = scalar(map_get(doc, root, "description"), NULL);
	yaml_node_t *tests = map_get(doc, root, "tests");
	struct resolver *zone, **zones;

	if (tests == NULL || tests->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "scenario without tests");
		return -1;
	}
	if ((zone = zone_load(doc, map_get(doc, root, "zonedata"), err,
	    errlen)) == NULL)
		return -1;
	if ((zones = realloc(s->zones, (s->nzones + 1) * sizeof(*zones))) == NULL) {
		resolver_free(zone);
		return -1;
	}
	s->zones = zones;
	s->zones[s->nzones++] = zone;
	for (yaml_node_pair_t *p = tests->data.mapping.pairs.start;
	    p < tests->data.mapping.pairs.top; p++) {
		if (case_load(s, doc, desc ? desc : "", p, zone) == -1) {
			snprintf(err, errlen, "bad test in scenario '%s'",
			    desc ? desc : "");
			return -1;
		}
	}
	return 0;
}

struct spf_suite *
spf_suite_load(const char *path, char *err, size_t errlen)
{
	struct spf_suite *s = calloc(1, sizeof(*s));
	yaml_parser_t parser;
	yaml_document_t doc;
	size_t len;
	char *text;

	if (s == NULL || (text = suite_read(path, &len, err, errlen)) == NULL) {
		free(s);
		return NULL;
	}
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	for (;;) {
		if (!yaml_parser_load(&parser, &doc)) {
			snprintf(err, errlen, "%s:%zu: %s", path,
			    parser.problem_mark.line + 1,
			    parser.problem ? parser.problem : "YAML error");
			goto fail;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (root == NULL) {
			yaml_document_delete(&doc);
			break;
		}
		int rc = scenario_load(s, &doc, root, err, errlen);
		yaml_document_delete(&doc);
		if (rc == -1)
			goto fail;
	}
	yaml_parser_delete(&parser);
	free(text);
	return s;
fail:
	yaml_parser_delete(&parser);
	free(text);
	spf_suite_free(s);
	return NULL;
}

size_t
spf_suite_count(const struct spf_suite *s)
{
	return s->ncases;
}

const struct spf_suite_case *
spf_suite_case(const struct spf_suite *s, size_t i)
{
	return i < s->ncases ? &s->cases[i] : NULL;
}

static void
expected_words(unsigned bits, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int r = SPF_NONE; r <= SPF_PERMERROR; r++)
		if (bits & (1u << r))
			n += snprintf(buf + n, n < len ? len - n : 0, "%s%s",
			    n ? "|" : "", spf_result_name(r));
}

bool
spf_suite_run(const struct spf_suite_case *c, struct spf_outcome *out,
    char *msg, size_t msglen)
{
	struct spf_request req = {
		.ip = c->host, .sender = c->mailfrom, .helo = c->helo,
		.default_exp = "DEFAULT", .scope = c->scope,
	};
	struct pra_result pra;
	char err[256], want[96];
	int rc;

	if (c->headers)
		rc = senderid_check_sync(c->zone, c->host, c->helo, c->headers,
		    strlen(c->headers), &pra, out, err, sizeof(err));
	else
		rc = spf_run_sync(c->zone, &req, out, err, sizeof(err));
	if (rc == -1) {
		snprintf(msg, msglen, "error: %s", err);
		return false;
	}
	expected_words(c->results, want, sizeof(want));
	if (!(c->results & (1u << out->result))) {
		snprintf(msg, msglen, "expected %s, got %s (%s)", want,
		    spf_result_name(out->result), out->problem);
		return false;
	}
	if (c->explanation && strcmp(c->explanation, out->explanation) != 0) {
		snprintf(msg, msglen, "explanation: expected '%s', got '%s'",
		    c->explanation, out->explanation);
		return false;
	}
	snprintf(msg, msglen, "%s", spf_result_name(out->result));
	return true;
}

void
spf_suite_free(struct spf_suite *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->ncases; i++)
		case_free_strings(&s->cases[i]);
	for (size_t i = 0; i < s->nzones; i++)
		resolver_free(s->zones[i]);
	free(s->cases);
	free(s->zones);
	free(s);
}
