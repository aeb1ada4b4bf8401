/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_SOFTMAX over the last axis, row by row.
 *   y_j = e^(x_j - max x) / sum_i e^(x_i - max x)
 *   dx_j += y_j (dy_j - sum_i dy_i y_i) */
#include <math.h>

#include "nn-graph-private.h"

static void
softmax_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
}

static void
softmax_forward (NnGraph *g, NnNode *n)
{
  size_t rows = nn_node_rows (n), c = (size_t) nn_node_cols (n);
  const float *xv = nn_in (g, n, 0)->value;
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict x = xv + r * c;
      float *restrict y = n->value + r * c;
      /* Subtracting the row max keeps every exponent <= 0: no overflow. */
      float mx = x[0];
      for (size_t j = 1; j < c; j++)
        mx = x[j] > mx ? x[j] : mx;
      float s = 0.0f;
      for (size_t j = 0; j < c; j++)
        {
          y[j] = expf (x[j] - mx);
          s += y[j];
        }
      float inv = 1.0f / s;
      for (size_t j = 0; j < c; j++)
        y[j] *= inv;
    }
}

static void
softmax_backward (NnGraph *g, NnNode *n)
{
  float *dxv = nn_in (g, n, 0)->grad;
  if (!dxv)
    return;
  size_t rows = nn_node_rows (n), c = (size_t) nn_node_cols (n);
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict y = n->value + r * c, *restrict dy = n->grad + r * c;
      float *restrict dx = dxv + r * c;
      float dot = 0.0f;
      for (size_t j = 0; j < c; j++)
        dot += dy[j] * y[j];
      for (size_t j = 0; j < c; j++)
        dx[j] += y[j] * (dy[j] - dot);
    }
}

const NnOpInfo nn_op_softmax_info = { "softmax", softmax_shape, softmax_forward, softmax_backward };
