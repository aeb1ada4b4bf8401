/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The PNG pictures deepscope-cli inspect draws with --out: channel grids,
 * filter patterns and heat maps laid over their input, enlarged by whole
 * pixels. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* An RGB picture being composed. */
typedef struct {
  int     width, height;
  guint8 *rgb;
} CliPicture;

void        cli_picture_free    (CliPicture *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CliPicture, cli_picture_free)

/* Writes p to path as PNG. */
gboolean    cli_picture_save    (CliPicture *p, const char *path, GError **error);
/* n channels of an (h, w, n) activation on one colour scale lo..hi. */
CliPicture *cli_activation_grid (const float *a, int h, int w, int n, float lo, float hi);
/* n images (h, w, ch), each stretched over its own range. */
CliPicture *cli_image_grid      (const float *img, int n, int h, int w, int ch);
/* A (mh, mw) heat map in [0, 1] over its (h, w, ch) input. */
CliPicture *cli_overlay         (const float *input, int h, int w, int ch, const float *map,
                                 int mh, int mw);

G_END_DECLS
