/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli inspect: what a trained model does with one input
 * (activations, Grad-CAM, saliency, occlusion), what its filters respond to,
 * and where it goes wrong on the test split (confusion). */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* The options of `inspect`, as deepscope-cli parsed them (texts borrowed). */
typedef struct {
  const char *data;        /* --data, or NULL: the model's dataset */
  const char *image;       /* --image FILE.png, or NULL */
  const char *layer;       /* --layer NAME, or NULL */
  const char *class_text;  /* --class: a class number or name, or NULL */
  const char *out;         /* --out FILE.png, or NULL */
  const char *steps;       /* filters: --steps N, or NULL */
  const char *step_size;   /* filters: --step-size S, or NULL */
  gboolean    index_given;
  int         index;       /* --index N (at least 0), 0 when not given */
  gboolean    json;
  gboolean    quiet;
} CliInspectOptions;

/* "activations|filters|gradcam|saliency|occlusion|confusion". */
extern const char cli_inspect_what[];

/* Refuses an unknown subcommand and the options it does not take, with a
 * G_OPTION_ERROR naming them (a usage error: deepscope-cli exits 2). */
gboolean    cli_inspect_check      (const char              *what,
                                    const CliInspectOptions *o,
                                    GError                 **error);
/* Runs `inspect MODEL what` on the loaded model m (its file: path) and
 * prints the result on stdout. Returns 0, or 1 with error set. */
int         cli_inspect_run        (NnModel                 *m,
                                    const char              *path,
                                    const char              *what,
                                    const CliInspectOptions *o,
                                    GError                 **error);

/* deepscope-cli.c: the dataset `spec` names (NULL: the model's own), with
 * the preprocessing the model keeps for it; its loader's notes on stderr
 * unless quiet. */
NnDataset  *cli_open_data          (NnModel                 *m,
                                    const char              *spec,
                                    gboolean                 quiet,
                                    GError                 **error);

G_END_DECLS
