/*
 * simout.h: reputesim's outputs over several runs: the summary table of
 * a directory of run summaries (medians and spreads) and the SVG figures
 * (drawn by gnuplot).
 *
 * Copyright (c) 2026 The reputed authors
 * SPDX-License-Identifier: ISC
 */
#ifndef REPUTED_SIM_SIMOUT_H
#define REPUTED_SIM_SIMOUT_H

#include <stdio.h>

const char *simout_commit(void);
/* Groups DIR/ *.json by scenario and definitions; prints one row per
 * group. 0, or -1 with a message on stderr. */
int simout_summary_dir(const char *dir, FILE *out);
/* One row per run of DIR: the figures a reader compares first. */
int simout_table_dir(const char *dir, FILE *out);
/* Figures of the runs in DIR (X.json, with X.jsonl for time series)
 * into OUTDIR: cdf.svg, listed-SCENARIO.svg, colluders.svg. */
int simout_plot_dir(const char *dir, const char *outdir);
/* The figures of one run. */
int simout_plot_run(const char *json, const char *series, const char *outdir);

#endif
