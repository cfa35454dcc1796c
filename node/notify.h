/*
 * notify.h: telling the service manager how the daemon is doing, by
 * systemd's readiness protocol (sd_notify(3)) without libsystemd.
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_NOTIFY_H
#define REPUTED_NOTIFY_H

/* notify.c */
/* Sends state ("READY=1", "STOPPING=1", ... newline-separated KEY=VALUE
 * lines; borrowed) as one datagram to the socket $NOTIFY_SOCKET names.
 * Returns 1 if sent, 0 when not run by a service manager (no
 * $NOTIFY_SOCKET), -1 on error (errno set). */
int notify_send(const char *state);
/* "RELOADING=1" with the MONOTONIC_USEC= a reload notice carries. */
int notify_reloading(void);

#endif
