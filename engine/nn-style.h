/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/inspect: neural style transfer. An image is optimized in input
 * space (Adam, from the content image) so that the Gram matrices of its
 * activations at several layers match the style image's, its activations
 * at one upper layer match the content image's, and it stays smooth (total
 * variation). The feature network is any convnet, or a network of random
 * filters at several scales built from a seed. Plain tensors; no GTK. */
#pragma once

#include "nn-inspect.h"

G_BEGIN_DECLS

typedef struct {
  int      n_style;          /* style layers (probe paths, image-like outputs) */
  char   **style_layers;
  char    *content_layer;    /* NULL: the last style layer */
  double   content_weight;   /* default 1 */
  double   style_weight;     /* default 1e6; shared equally by the style layers */
  double   tv_weight;        /* default 1e-4 */
  int      iterations;       /* default 200 */
  double   learning_rate;    /* Adam's, in input units; default 0.02 */
} NnStyleConfig;

/* The losses at one point, each already multiplied by its weight; total
 * is their sum. */
typedef struct {
  double content, style, tv, total;
} NnStyleLosses;

void      nn_style_config_init      (NnStyleConfig *c);
void      nn_style_config_clear     (NnStyleConfig *c);
void      nn_style_config_add_style (NnStyleConfig *c, const char *path);
/* Parses "a,b,c" into the style layers (replacing them). */
void      nn_style_config_set_styles (NnStyleConfig *c, const char *list);

/* The Gram matrix of features f, hw positions × c channels (row-major, the
 * channels last): gram (c × c) = fᵀ f. */
void      nn_style_gram             (const float *f, int hw, int c, float *gram);
/* The style loss of one layer, as in Chollet's book: Σ (G(f) − target)² /
 * (4 c² hw²); grad (hw × c, may be NULL) gets its gradient w.r.t. f. */
double    nn_style_gram_loss        (const float *f, const float *target, int hw, int c,
                                     float *grad);
/* The total-variation loss of img (1, h, w, c), as in the book: Σ over
 * pixels but the last row and column of (dy² + dx²)^1.25; grad (img's
 * size, may be NULL) gets weight × its gradient added. */
double    nn_style_tv_loss          (const NnTensor *img, double weight, float *grad);

/* A PNG file as an image (1, h, w, channels) of values in [0, 1], resized
 * (bilinear) so that its longer side is `side` pixels; channels 0 takes the
 * file's own (gray: 1, else 3) and *file_channels (may be NULL) gets it.
 * NULL with why (a missing or broken file). */
NnTensor *nn_style_load_png         (const char *path, int channels, int side,
                                     int *file_channels, GError **error);

/* A convnet of random filters (Glorot-uniform from seed, ReLU, "same"
 * padding) at four scales: conv1 (32 3×3 filters) at full size, then
 * 2×2 average pooling before each of conv2, conv3, conv4 (32, 64, 64).
 * Its input is (size, size, channels); the style transfer runs it at any
 * size. Its default layers: style conv1..conv4, content conv4. */
NnModel  *nn_style_random_filters   (int channels, guint64 seed, GError **error);

/* The prepared problem: the feature network cut down to the chosen layers
 * at the content's size, the style Grams and the content activations. */
typedef struct _NnStyle NnStyle;

/* content (1, H, W, C) and style (1, h, w, C; resized to H × W); C must be
 * m's input channels. NULL with why (bad layer, too small, shapes). */
NnStyle  *nn_style_new              (const NnModel *m, const NnTensor *content,
                                     const NnTensor *style, const NnStyleConfig *cfg,
                                     GError **error);
void      nn_style_free             (NnStyle *s);
/* The weighted losses of img (content's shape) and, when grad is not NULL
 * (img's shape), the gradient of their total w.r.t. img. */
void      nn_style_evaluate         (NnStyle *s, const NnTensor *img, NnStyleLosses *losses,
                                     NnTensor *grad);

/* Called after every iteration (from 1) with the losses measured before
 * its update and the image after it; FALSE cancels. */
typedef gboolean (*NnStyleProgress) (int iteration, int iterations, const NnStyleLosses *losses,
                                     const NnTensor *image, gpointer user_data);

/* Runs cfg->iterations of Adam on the image from the content image.
 * first and last (may be NULL) get the losses at the first iteration and
 * of the returned image. NULL with G_IO_ERROR_CANCELLED when cancelled. */
NnTensor *nn_style_transfer         (const NnModel *m, const NnTensor *content,
                                     const NnTensor *style, const NnStyleConfig *cfg,
                                     NnStyleProgress progress, gpointer user_data,
                                     NnStyleLosses *first, NnStyleLosses *last, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnStyle, nn_style_free)

G_END_DECLS
