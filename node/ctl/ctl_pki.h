/*
 * ctl_pki.h: the reputectl subcommands that make a deployment's PKI.
 * Each takes argv from its subcommand name on ("ca", "new", ...), prints
 * errors to stderr and returns the process exit status.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_CTL_PKI_H
#define REPUTED_CTL_PKI_H

struct option;

/* ctl_pki.c */
/* The long options of ca and cert (for `reputectl complete`). */
extern const struct option ctl_ca_options[];
extern const struct option ctl_cert_options[];
/* reputectl ca new|bridge|cross|revoke ... */
int ctl_ca(int argc, char **argv);
/* reputectl cert issue|show|pin|verify ... */
int ctl_cert(int argc, char **argv);

#endif
