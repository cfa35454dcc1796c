/*
 * safefile.c: files written for keeps (keys, certificates, CRLs, zone
 * exports). A file is written to a temporary file in the same directory,
 * flushed to disk (fsync), renamed over its name (or linked, when it must
 * not replace one), and the directory is synced, so a crash at any moment
 * leaves either the old file or the whole new one, never a part. Also
 * tells a PEM file cut short from one that is not PEM at all.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto/proto.h"

static int
safe_file_sync_dir(const char *path)
{
	char copy[SAFE_FILE_PATH_MAX];
	int fd, rc;

	snprintf(copy, sizeof(copy), "%s", path);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

int
safe_file_open(struct safe_file *sf, const char *path, unsigned mode,
    bool exclusive, char *err, size_t errlen)
{
	int fd;

	memset(sf, 0, sizeof(*sf));
	sf->exclusive = exclusive;
	if ((size_t)snprintf(sf->path, sizeof(sf->path), "%s", path) >=
		sizeof(sf->path) ||
	    (size_t)snprintf(sf->tmp, sizeof(sf->tmp), "%s.tmp.XXXXXX",
		path) >= sizeof(sf->tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	if ((fd = mkostemp(sf->tmp, O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, (mode_t)mode) == -1 ||
	    (sf->f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		close(fd);
		unlink(sf->tmp);
		return -1;
	}
	return 0;
}

void
safe_file_abort(struct safe_file *sf)
{
	if (sf->f == NULL)
		return;
	fclose(sf->f);
	sf->f = NULL;
	unlink(sf->tmp);
}

int
safe_file_commit(struct safe_file *sf, char *err, size_t errlen)
{
	FILE *f = sf->f;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: not open", sf->path);
		return -1;
	}
	sf->f = NULL;
	if (ferror(f) || fflush(f) != 0 || fsync(fileno(f)) != 0) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		fclose(f);
		unlink(sf->tmp);
		return -1;
	}
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", sf->tmp, strerror(errno));
		unlink(sf->tmp);
		return -1;
	}
	/* link() refuses to replace an existing file; rename() replaces. */
	rc = sf->exclusive ? link(sf->tmp, sf->path) : rename(sf->tmp,
							    sf->path);
	if (rc == -1) {
		snprintf(err, errlen, "%s: %s", sf->path, strerror(errno));
		unlink(sf->tmp);
		return -1;
	}
	if (sf->exclusive)
		unlink(sf->tmp);
	if (safe_file_sync_dir(sf->path) == -1) {
		snprintf(err, errlen, "%s: syncing its directory: %s",
		    sf->path, strerror(errno));
		return -1;
	}
	return 0;
}

int
pem_file_cut_short(const char *path, char *err, size_t errlen)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen,
		    "%s: empty (truncated: a write was cut short)", path);
		return 1;
	}
	if (strstr(buf, "-----BEGIN ") != NULL &&
	    strstr(buf, "-----END ") == NULL) {
		snprintf(err, errlen,
		    "%s: truncated (a PEM block without its END line)", path);
		return 1;
	}
	return 0;
}
