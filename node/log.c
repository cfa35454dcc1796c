/*
 * log.c: one place where the daemon's messages leave the process, in the
 * manner of OpenBGPD's log.c. stderr (with a level tag) in the foreground,
 * syslog otherwise. Before log_init everything goes to stderr, so errors
 * while parsing the command line and the config are seen.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "node/log.h"

static int log_foreground = 1;
static int log_verbosity = 1;

void
log_init(int foreground, int verbosity, const char *ident)
{
	log_foreground = foreground;
	log_verbosity = verbosity;
	if (!foreground)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int verbosity)
{
	log_verbosity = verbosity;
}

int
log_getverbose(void)
{
	return log_verbosity;
}

static const char *
log_tag(int priority)
{
	switch (priority) {
	case LOG_CRIT:		return "fatal: ";
	case LOG_ERR:		return "error: ";
	case LOG_WARNING:	return "warning: ";
	case LOG_DEBUG:		return "debug: ";
	default:		return "";
	}
}

void
vlog(int priority, const char *fmt, va_list ap)
{
	if (log_foreground) {
		char buf[1024];
		vsnprintf(buf, sizeof(buf), fmt, ap);
		fprintf(stderr, "reputed: %s%s\n", log_tag(priority), buf);
		fflush(stderr);
	} else {
		vsyslog(priority, fmt, ap);
	}
}

static void log_errno(int priority, int saved, const char *fmt, va_list ap)
    LOG_PRINTF(3, 0);

/* Formats fmt and appends ": strerror(saved errno)". */
static void
log_errno(int priority, int saved, const char *fmt, va_list ap)
{
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (priority == LOG_CRIT && !log_foreground)
		syslog(priority, "fatal: %s: %s", buf, strerror(saved));
	else if (log_foreground)
		fprintf(stderr, "reputed: %s%s: %s\n", log_tag(priority), buf,
		    strerror(saved));
	else
		syslog(priority, "%s: %s", buf, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_WARNING, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
