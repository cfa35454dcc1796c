/*
 * ctl_spf.h: the reputectl subcommands of Sender-ID evaluation (SPF,
 * Sender ID). Each takes argv from its subcommand name on ("spf",
 * "senderid"), prints errors to stderr and returns the exit status:
 * 0 done (whatever the result), 1 error or a failed suite, 2 usage.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_CTL_SPF_H
#define REPUTED_CTL_SPF_H

#include <getopt.h>

/* ctl_spf.c */
/* reputectl spf --ip A --mail-from M --helo H | --suite FILE.yml */
int ctl_spf(int argc, char **argv);
/* reputectl senderid --ip A --headers FILE */
int ctl_senderid(int argc, char **argv);

/* the long options of spf and senderid (for `reputectl complete` too) */
extern const struct option ctl_spf_options[];

#endif
