/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Resampling ops, channels-last: whole pixels (C contiguous floats) move.
 *
 * NN_OP_UPSAMPLE2D (nearest): y[b, h, w] = x[b, h / sh, w / sw];
 *   dx[b, i, j] += sum of dy over its sh x sw block.
 * NN_OP_ZERO_PAD2D: y = x surrounded by zeros (top, bottom, left, right);
 *   dx += the inner window of dy. */
#include <string.h>

#include "nn-conv-private.h"

static void
upsample_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  n->ndim = 4;
  n->shape[0] = x->shape[0];
  n->shape[1] = x->shape[1] * n->ip[0];
  n->shape[2] = x->shape[2] * n->ip[1];
  n->shape[3] = x->shape[3];
}

static void
upsample_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  int sh = n->ip[0], sw = n->ip[1];
  int h_in = x->shape[1], w_in = x->shape[2], oh = n->shape[1], ow = n->shape[2];
  size_t c = (size_t) x->shape[3];
  for (int b = 0; b < n->shape[0]; b++)
    for (int h = 0; h < oh; h++)
      {
        float *yrow = n->value + (((size_t) b * (size_t) oh + (size_t) h) * (size_t) ow) * c;
        const float *xrow = x->value
                            + (((size_t) b * (size_t) h_in + (size_t) (h / sh)) * (size_t) w_in) * c;
        if (h % sh)
          {
            /* the rows of a block are equal: copy the row just written */
            memcpy (yrow, yrow - (size_t) ow * c, (size_t) ow * c * sizeof (float));
            continue;
          }
        for (int w = 0; w < ow; w++)
          memcpy (yrow + (size_t) w * c, xrow + (size_t) (w / sw) * c, c * sizeof (float));
      }
}

static void
upsample_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  int sh = n->ip[0], sw = n->ip[1];
  int h_in = x->shape[1], w_in = x->shape[2], oh = n->shape[1], ow = n->shape[2];
  size_t c = (size_t) x->shape[3];
  for (int b = 0; b < n->shape[0]; b++)
    for (int h = 0; h < oh; h++)
      {
        const float *gy = n->grad + (((size_t) b * (size_t) oh + (size_t) h) * (size_t) ow) * c;
        float *gx = x->grad + (((size_t) b * (size_t) h_in + (size_t) (h / sh)) * (size_t) w_in) * c;
        for (int w = 0; w < ow; w++)
          {
            float *restrict d = gx + (size_t) (w / sw) * c;
            const float *restrict s = gy + (size_t) w * c;
            for (size_t k = 0; k < c; k++)
              d[k] += s[k];
          }
      }
}

static void
zero_pad_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  n->ndim = 4;
  n->shape[0] = x->shape[0];
  n->shape[1] = x->shape[1] + n->ip[0] + n->ip[1];
  n->shape[2] = x->shape[2] + n->ip[2] + n->ip[3];
  n->shape[3] = x->shape[3];
}

static void
zero_pad_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  int top = n->ip[0], left = n->ip[2];
  int h_in = x->shape[1], w_in = x->shape[2], oh = n->shape[1], ow = n->shape[2];
  size_t c = (size_t) x->shape[3];
  memset (n->value, 0, n->size * sizeof (float));
  for (int b = 0; b < n->shape[0]; b++)
    for (int h = 0; h < h_in; h++)
      memcpy (n->value + (((size_t) b * (size_t) oh + (size_t) (h + top)) * (size_t) ow
                          + (size_t) left) * c,
              x->value + ((size_t) b * (size_t) h_in + (size_t) h) * (size_t) w_in * c,
              (size_t) w_in * c * sizeof (float));
}

static void
zero_pad_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  int top = n->ip[0], left = n->ip[2];
  int h_in = x->shape[1], w_in = x->shape[2], oh = n->shape[1], ow = n->shape[2];
  size_t c = (size_t) x->shape[3];
  size_t len = (size_t) w_in * c;
  for (int b = 0; b < n->shape[0]; b++)
    for (int h = 0; h < h_in; h++)
      {
        const float *restrict s = n->grad + (((size_t) b * (size_t) oh + (size_t) (h + top))
                                             * (size_t) ow + (size_t) left) * c;
        float *restrict d = x->grad + ((size_t) b * (size_t) h_in + (size_t) h) * len;
        for (size_t k = 0; k < len; k++)
          d[k] += s[k];
      }
}

const NnOpInfo nn_op_upsample2d_info = {
  "upsample2d", upsample_shape, upsample_forward, upsample_backward
};
const NnOpInfo nn_op_zero_pad2d_info = {
  "zero_pad2d", zero_pad_shape, zero_pad_forward, zero_pad_backward
};
