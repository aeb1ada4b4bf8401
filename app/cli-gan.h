/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli gan: a generator and a discriminator trained adversarially
 * on the discriminator's dataset; both models and a picture written. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* The options of `gan`, as deepscope-cli parsed them (texts borrowed; NULL:
 * not given). */
typedef struct {
  const char *data;             /* --data: else the discriminator's dataset */
  const char *out_dir;          /* --out-dir (required) */
  const char *steps;            /* --steps N (default 2000) */
  const char *d_steps;          /* --d-steps K (default 1) */
  const char *label_smoothing;  /* --label-smoothing S */
  const char *label_flip;       /* --label-flip P */
  const char *label_noise;      /* --label-noise A */
  int         batch;            /* --batch (0: the discriminator's batch_size, else 64) */
  gboolean    seed_given;
  gint64      seed;             /* --seed */
  gboolean    quiet;
} CliGanOptions;

/* Trains generator g_path against discriminator d_path, printing the losses
 * and D's accuracies now and then; writes OUT_DIR/generator.json,
 * OUT_DIR/discriminator.json and OUT_DIR/samples.png (2-D points over D's
 * decision map, or a grid of images). Returns 0; 2 with error for a usage
 * error; 1 with error otherwise. */
int cli_gan_run (const char *g_path, const char *d_path, const CliGanOptions *o,
                 GError **error);

/* Prints gan's own help and returns TRUE when argv (deepscope-cli gan ...)
 * asks for it. */
gboolean cli_gan_print_help_if_asked (int argc, char **argv);

G_END_DECLS
