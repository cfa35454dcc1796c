/*
 * ctl_export.h: `reputectl export`, the store's zones as files for rbldnsd
 * and for master-file servers (NSD, Knot, BIND). Takes argv from the
 * subcommand name on, prints errors to stderr, returns the exit status.
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_CTL_EXPORT_H
#define REPUTED_CTL_EXPORT_H

#include <getopt.h>

/* ctl_export.c */
/* reputectl export --db DIR [--conf FILE] [--format rbldnsd|zone]
 *                  [--zone NAME] --out FILE-or-DIR */
int ctl_export(int argc, char **argv);

/* the long options of export (for `reputectl complete` too) */
extern const struct option ctl_export_options[];

#endif
