/*
 * ctl_export.c: `reputectl export`. Opens the store, takes one snapshot and
 * writes each selected zone (all zones of the config, or --zone NAME) with
 * zone_export.c:
 *
 *   --format rbldnsd   --out DIR: DIR/ZONE.ip4set, .ip6trie, .dnset
 *   --format zone      --out FILE (one zone) or DIR (DIR/ZONE.zone each)
 *
 * Zones come from --conf FILE (the daemon's config) or the embedded
 * default. Prints the rbldnsd command line that serves the files.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "node/ctl/ctl_export.h"
#include "node/dns/dns.h"

struct export_opts {
	const char *db, *conf, *format, *zone, *out;
};

static int
export_usage(void)
{
	fprintf(stderr, "usage: reputectl export --db DIR [--conf FILE] "
	    "[--format rbldnsd|zone] [--zone NAME] --out FILE-or-DIR\n");
	return 2;
}

const struct option ctl_export_options[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "conf", required_argument, NULL, 'c' },
	{ "format", required_argument, NULL, 'f' },
	{ "zone", required_argument, NULL, 'z' },
	{ "out", required_argument, NULL, 'o' },
	{ NULL, 0, NULL, 0 }
};

static int
export_parse(int argc, char **argv, struct export_opts *o)
{
	int ch;
	memset(o, 0, sizeof(*o));
	o->format = "rbldnsd";
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:c:f:z:o:", ctl_export_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'd': o->db = optarg; break;
		case 'c': o->conf = optarg; break;
		case 'f': o->format = optarg; break;
		case 'z': o->zone = optarg; break;
		case 'o': o->out = optarg; break;
		default: return -1;
		}
	}
	if (optind != argc || o->db == NULL || o->out == NULL ||
	    (strcmp(o->format, "rbldnsd") != 0 &&
	    strcmp(o->format, "zone") != 0))
		return -1;
	return 0;
}

static bool
is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* One zone in the chosen format. */
static int
export_one(const struct export_opts *o, struct store_reader *r,
    const struct conf_zone *z, bool one, uint64_t now)
{
	char err[512], path[1024];
	uint64_t count = 0;
	int rc;
	if (strcmp(o->format, "rbldnsd") == 0)
		rc = export_rbldnsd(r, z, o->out, now, &count, err,
		    sizeof(err));
	else {
		if (one && !is_dir(o->out))
			snprintf(path, sizeof(path), "%s", o->out);
		else
			snprintf(path, sizeof(path), "%s/%s.zone", o->out,
			    z->name);
		rc = export_zone(r, z, path, now, &count, err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "reputectl: export %s: %s\n", z->name, err);
		return -1;
	}
	printf("%s: %llu listings\n", z->name, (unsigned long long)count);
	return 0;
}

/* The rbldnsd datasets of one zone, for the printed command line. */
static void
print_datasets(const struct conf_zone *z)
{
	if (z->kind != ZONE_DOMAIN)
		printf(" %s:ip4set:%s.ip4set %s:ip6trie:%s.ip6trie", z->name,
		    z->name, z->name, z->name);
	if (z->kind != ZONE_IP)
		printf(" %s:dnset:%s.dnset", z->name, z->name);
}

int
ctl_export(int argc, char **argv)
{
	struct export_opts o;
	static struct node_conf conf;
	char err[512];
	struct timeval tv;
	int rc = 0, n = 0;

	if (export_parse(argc, argv, &o) != 0)
		return export_usage();
	if (conf_load(&conf, o.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "reputectl: %s\n", err);
		return 1;
	}
	if (strcmp(o.format, "rbldnsd") == 0 && !is_dir(o.out) &&
	    mkdir(o.out, 0755) != 0) {
		perror(o.out);
		return 1;
	}
	struct store_options so = { .sync = 0 };
	struct store *st = store_open(o.db, &so, err, sizeof(err));
	struct store_reader *r = st ? store_reader_new(st) : NULL;
	if (r == NULL || store_reader_begin(r) != 0) {
		fprintf(stderr, "reputectl: %s: %s\n", o.db,
		    st ? "cannot read the store" : err);
		if (r != NULL)
			store_reader_free(r);
		store_close(st);
		return 1;
	}
	gettimeofday(&tv, NULL);
	uint64_t now = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
	for (int i = 0; i < conf.n_zones; i++) {
		if (o.zone && strcasecmp(o.zone, conf.zones[i].name) != 0)
			continue;
		n++;
		if (export_one(&o, r, &conf.zones[i], o.zone != NULL, now) != 0)
			rc = 1;
	}
	store_reader_end(r);
	store_reader_free(r);
	store_close(st);
	if (n == 0) {
		fprintf(stderr, "reputectl: no zone %s in the config\n",
		    o.zone ? o.zone : "at all");
		return 1;
	}
	if (rc == 0 && strcmp(o.format, "rbldnsd") == 0) {
		printf("serve with: rbldnsd -n -r %s -b 127.0.0.1/53", o.out);
		for (int i = 0; i < conf.n_zones; i++)
			if (!o.zone || strcasecmp(o.zone, conf.zones[i].name)
			    == 0)
				print_datasets(&conf.zones[i]);
		printf("\n");
	}
	return rc;
}
