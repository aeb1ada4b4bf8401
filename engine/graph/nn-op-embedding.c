/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Token embeddings and the padding mask they make.
 *   EMBEDDING  in: ids (B, ..) as floats, W (V, D); y (B, .., D): y[i] = W[ids[i]]
 *              dW[ids[i]] += dy[i] (a scatter-add: only the rows read get
 *              gradient); ids get none. An id outside [0, V) (or not a whole
 *              number) reads a zero vector and passes no gradient: the
 *              kernel never reads out of bounds, and forward counts such ids
 *              into ip[NN_EMBED_BAD] (the last batch's count) so callers can
 *              report them.
 *   NOT_ZERO   in: ids (B, T); y (B, T) = ids != 0 (1.0 for a real step, 0.0
 *              for padding): the mask of Embedding(mask_zero=True). No
 *              gradient flows through it. */
#include <string.h>

#include "nn-graph-private.h"
#include "nn-seq-private.h"

static void
embedding_shape (NnGraph *g, NnNode *n)
{
  NnNode *w = nn_in (g, n, 1);
  nn_shape_like_input (g, n);
  n->shape[n->ndim++] = w->shape[1];
}

static void
embedding_forward (NnGraph *g, NnNode *n)
{
  NnNode *ids = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  int vocab = w->shape[0];
  size_t d = (size_t) w->shape[1];
  int bad = 0;
  for (size_t i = 0; i < ids->size; i++)
    {
      long r = nn_embedding_row (ids->value[i], vocab);
      float *y = n->value + i * d;
      if (r < 0)
        {
          memset (y, 0, d * sizeof (float));
          bad++;
        }
      else
        memcpy (y, w->value + (size_t) r * d, d * sizeof (float));
    }
  n->ip[NN_EMBED_BAD] = bad;
}

static void
embedding_backward (NnGraph *g, NnNode *n)
{
  NnNode *ids = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  if (!w->grad)
    return;
  int vocab = w->shape[0];
  size_t d = (size_t) w->shape[1];
  for (size_t i = 0; i < ids->size; i++)
    {
      long r = nn_embedding_row (ids->value[i], vocab);
      if (r < 0)
        continue;
      float *restrict dw = w->grad + (size_t) r * d;
      const float *restrict dy = n->grad + i * d;
      for (size_t k = 0; k < d; k++)
        dw[k] += dy[k];
    }
}

static void
not_zero_forward (NnGraph *g, NnNode *n)
{
  const float *x = nn_in (g, n, 0)->value;
  for (size_t i = 0; i < n->size; i++)
    n->value[i] = x[i] != 0.0f ? 1.0f : 0.0f;
}

static void
not_zero_backward (NnGraph *g, NnNode *n)
{
  /* a step function: zero gradient almost everywhere */
}

const NnOpInfo nn_op_embedding_info = {
  "embedding", embedding_shape, embedding_forward, embedding_backward
};
const NnOpInfo nn_op_not_zero_info = {
  "not_zero", nn_shape_like_input, not_zero_forward, not_zero_backward
};
