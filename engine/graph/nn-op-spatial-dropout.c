/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_SPATIAL_DROPOUT2D: inverted dropout of whole feature maps.
 *   y[b, h, w, c] = x[b, h, w, c] * m[b, c],  m = 0 with probability rate,
 *   else 1 / (1 - rate);  dx += dy * m.
 * Neighbouring pixels of a feature map are strongly correlated, so dropping
 * single activations regularises a convnet little; dropping a channel per
 * sample does. Identity when the graph is not training. */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "nn-conv-private.h"

static int
active (NnGraph *g, NnNode *n)
{
  return g->training && n->fp[0] > 0.0f;
}

static void
spatial_dropout_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  /* the mask: one value per (sample, channel) */
  n->aux_size = (size_t) n->shape[0] * (size_t) n->shape[n->ndim - 1];
}

/* y (or dx) rows of c floats times m, `rows` rows per sample. */
static void
apply_mask (const float *src, const float *mask, int batch, size_t rows, size_t c, float *dst,
            int accumulate)
{
  for (int b = 0; b < batch; b++)
    {
      const float *restrict m = mask + (size_t) b * c;
      for (size_t r = 0; r < rows; r++)
        {
          const float *restrict s = src + ((size_t) b * rows + r) * c;
          float *restrict d = dst + ((size_t) b * rows + r) * c;
          if (accumulate)
            for (size_t k = 0; k < c; k++)
              d[k] += s[k] * m[k];
          else
            for (size_t k = 0; k < c; k++)
              d[k] = s[k] * m[k];
        }
    }
}

static void
spatial_dropout_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!active (g, n))
    {
      memcpy (n->value, x->value, n->size * sizeof (float));
      return;
    }
  assert (g->rng);
  int batch = n->shape[0];
  size_t c = (size_t) n->shape[n->ndim - 1];
  float rate = n->fp[0];
  float scale = rate < 1.0f ? 1.0f / (1.0f - rate) : 0.0f;
  for (size_t i = 0; i < (size_t) batch * c; i++)
    n->aux[i] = nn_rng_uniform (g->rng) >= rate ? scale : 0.0f;
  apply_mask (x->value, n->aux, batch, n->size / ((size_t) batch * c), c, n->value, 0);
}

static void
spatial_dropout_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  if (!active (g, n))
    {
      for (size_t i = 0; i < n->size; i++)
        x->grad[i] += n->grad[i];
      return;
    }
  int batch = n->shape[0];
  size_t c = (size_t) n->shape[n->ndim - 1];
  apply_mask (n->grad, n->aux, batch, n->size / ((size_t) batch * c), c, x->grad, 1);
}

const NnOpInfo nn_op_spatial_dropout2d_info = {
  "spatial_dropout2d", spatial_dropout_shape, spatial_dropout_forward, spatial_dropout_backward
};
