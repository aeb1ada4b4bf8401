/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli dream: DeepDream on a PNG or an upscaled dataset image. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* The options of `dream`, as deepscope-cli parsed them (texts borrowed;
 * NULL: not given). */
typedef struct {
  const char *data;          /* --data, or NULL: the model's dataset */
  const char *image;         /* --image IN.png */
  const char *out;           /* --out OUT.png (required) */
  const char *layers;        /* --layers NAME:WEIGHT,... */
  const char *octaves;       /* --octaves N */
  const char *octave_scale;  /* --octave-scale S */
  const char *steps;         /* --steps N */
  const char *step_size;     /* --step-size S */
  const char *max_loss;      /* --max-loss L */
  gboolean    index_given;
  int         index;         /* --index N */
  gboolean    quiet;
} CliDreamOptions;

/* Sets a G_OPTION_ERROR "--option takes RANGE, not “TEXT”"; FALSE. */
gboolean cli_bad_value   (const char *option, const char *range, const char *text,
                          GError **error);
/* --steps N (1 to 100000) into *n and --step-size S (above 0) into *size,
 * each when given (not NULL), or FALSE with a G_OPTION_ERROR naming the
 * option. dream and `inspect filters` share them. */
gboolean cli_parse_steps (const char *steps, const char *step_size, int *n, double *size,
                          GError **error);
/* Fills cfg (initialised by the caller) from o, or FALSE with a
 * G_OPTION_ERROR naming the option (a usage error: exit 2). */
gboolean cli_dream_check (const CliDreamOptions *o, NnDreamConfig *cfg, GError **error);
/* Dreams with model m (its file: path) and writes --out; prints each
 * octave's size and loss. Returns 0, or 1 with error set. */
int      cli_dream_run   (NnModel *m, const char *path, const CliDreamOptions *o,
                          const NnDreamConfig *cfg, GError **error);

G_END_DECLS
