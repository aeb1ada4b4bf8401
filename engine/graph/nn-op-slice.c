/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_SLICE: a contiguous part of each sample of a batched input, with
 * its own per-sample shape. ip[0] = offset in the sample's values,
 * ip[1] = ndim (without batch), ip[2 ..] = shape. A recurrent layer with
 * return_state packs its output and final states into one node's rows
 * (nn-op-rnn.c); slices take them apart. */
#include <string.h>

#include "nn-graph-private.h"

static size_t
slice_count (const NnNode *n)
{
  size_t count = 1;
  for (int k = 0; k < n->ip[1]; k++)
    count *= (size_t) n->ip[2 + k];
  return count;
}

static void
slice_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  n->batched = 1;
  n->ndim = 1 + n->ip[1];
  n->shape[0] = x->shape[0];
  for (int k = 0; k < n->ip[1]; k++)
    n->shape[1 + k] = n->ip[2 + k];
  n->aux_size = 0;
}

static void
slice_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  size_t rows = (size_t) x->shape[0], per = rows ? x->size / rows : 0;
  size_t count = slice_count (n), off = (size_t) n->ip[0];
  for (size_t b = 0; b < rows; b++)
    memcpy (n->value + b * count, x->value + b * per + off, sizeof (float) * count);
}

static void
slice_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  size_t rows = (size_t) x->shape[0], per = rows ? x->size / rows : 0;
  size_t count = slice_count (n), off = (size_t) n->ip[0];
  for (size_t b = 0; b < rows; b++)
    {
      float *dx = x->grad + b * per + off;
      const float *dy = n->grad + b * count;
      for (size_t i = 0; i < count; i++)
        dx[i] += dy[i];
    }
}

const NnOpInfo nn_op_slice_info = { "slice", slice_shape, slice_forward, slice_backward };
