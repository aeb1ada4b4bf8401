/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Ops that move values without arithmetic.
 *   CONCAT  y = [x_0 | x_1 | ...] along the last axis;  dx_k += its slice of dy
 *   RESHAPE y = x with per-sample shape ip[1..ip[0]], batch axis kept; dx += dy
 *           (nothing to do for a view: the bytes are shared) */
#include <string.h>

#include "nn-graph-private.h"

static void
concat_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  int c = 0;
  for (int k = 0; k < n->n_in; k++)
    c += nn_node_cols (nn_in (g, n, k));
  n->shape[n->ndim - 1] = c;
}

/* Every input has the same rows (all axes but the last); each output row is
 * the inputs' rows side by side. */
static void
concat_forward (NnGraph *g, NnNode *n)
{
  size_t rows = nn_node_rows (n), cols = (size_t) nn_node_cols (n);
  size_t off = 0;
  for (int k = 0; k < n->n_in; k++)
    {
      NnNode *x = nn_in (g, n, k);
      size_t c = (size_t) nn_node_cols (x);
      for (size_t r = 0; r < rows; r++)
        memcpy (n->value + r * cols + off, x->value + r * c, c * sizeof (float));
      off += c;
    }
}

static void
concat_backward (NnGraph *g, NnNode *n)
{
  size_t rows = nn_node_rows (n), cols = (size_t) nn_node_cols (n);
  size_t off = 0;
  for (int k = 0; k < n->n_in; k++)
    {
      NnNode *x = nn_in (g, n, k);
      size_t c = (size_t) nn_node_cols (x);
      if (x->grad)
        for (size_t r = 0; r < rows; r++)
          {
            float *restrict dx = x->grad + r * c;
            const float *restrict dy = n->grad + r * cols + off;
            for (size_t j = 0; j < c; j++)
              dx[j] += dy[j];
          }
      off += c;
    }
}

static void
reshape_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  int k = 0;
  if (x->batched)
    {
      int steps = n->ip[NN_RESHAPE_STEPS] > 0 ? n->ip[NN_RESHAPE_STEPS] : 1;
      n->shape[k++] = n->ip[NN_RESHAPE_FOLD] == 1 ? x->shape[0] * steps
                      : n->ip[NN_RESHAPE_FOLD] == 2 ? x->shape[0] / steps : x->shape[0];
    }
  for (int d = 0; d < n->ip[0]; d++)
    n->shape[k++] = n->ip[1 + d];
  n->ndim = k;
}

/* A copy, unless the node is a view (NnNode.view: training graphs), whose
 * value and gradient are its input's bytes already. */
static void
reshape_forward (NnGraph *g, NnNode *n)
{
  if (!n->view)
    memcpy (n->value, nn_in (g, n, 0)->value, n->size * sizeof (float));
}

static void
reshape_backward (NnGraph *g, NnNode *n)
{
  if (n->view)
    return;
  float *restrict dx = nn_in (g, n, 0)->grad;
  const float *restrict dy = n->grad;
  if (dx)
    for (size_t i = 0; i < n->size; i++)
      dx[i] += dy[i];
}

const NnOpInfo nn_op_concat_info = { "concat", concat_shape, concat_forward, concat_backward };
const NnOpInfo nn_op_reshape_info = { "reshape", reshape_shape, reshape_forward, reshape_backward };
