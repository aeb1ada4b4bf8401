/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli generate: character generation with a temperature. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* The options of `generate`, as deepscope-cli parsed them (texts borrowed;
 * NULL: not given). */
typedef struct {
  const char *seed_text;     /* --seed-text (required; may be empty) */
  const char *length;        /* --length N */
  const char *temperature;   /* --temperature T */
  const char *temperatures;  /* --temperatures T1,T2,... */
  gboolean    seed_given;
  gint64      seed;          /* --seed S */
  gboolean    stateful;      /* --stateful */
  gboolean    quiet;
} CliGenerateOptions;

/* What cli_generate_check makes of the options. */
typedef struct {
  int    length;
  int    n_temperatures;
  double temperatures[NN_TEXTGEN_MAX_STREAMS];
} CliGenerateConfig;

/* Fills cfg from o, or FALSE with a G_OPTION_ERROR naming the option (a
 * usage error: exit 2). */
gboolean cli_generate_check (const CliGenerateOptions *o, CliGenerateConfig *cfg,
                             GError **error);
/* Generates with model m (its file: path): one temperature streams to
 * stdout character by character; several run as one batch and are
 * printed one after the other, each under its temperature. Returns 0, or
 * 1 with error set. */
int      cli_generate_run   (NnModel *m, const char *path, const CliGenerateOptions *o,
                             const CliGenerateConfig *cfg, GError **error);

G_END_DECLS
