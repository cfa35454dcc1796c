/*
 * log.h: the daemon's logging. Messages go to stderr when the daemon runs
 * in the foreground (-d) or before log_init, to syslog (facility daemon)
 * otherwise. Only node/ logs; the libraries return errors instead.
 *
 *   log_warn   a warning with ": strerror(errno)" appended
 *   log_warnx  a warning without errno
 *   log_info   normal operation (start, stop, reload)
 *   log_debug  detail, shown at verbosity 2 and above
 *   fatal[x]   log as log_warn[x] and exit(1): start-up and impossible states
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_LOG_H
#define REPUTED_LOG_H

#include <stdarg.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* foreground != 0: stderr; else syslog as ident. verbosity: 0 quiet,
 * 1 info (default), 2 debug. */
void log_init(int foreground, int verbosity, const char *ident);
void log_setverbose(int verbosity);
int log_getverbose(void);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
void fatal(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2) __attribute__((noreturn));
void vlog(int priority, const char *fmt, va_list ap) LOG_PRINTF(2, 0);

#endif
