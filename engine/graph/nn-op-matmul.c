/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_MATMUL_BIAS: y = x W + b, the Dense layer's work.
 *   x (B.., K) read as M = size/K rows, W (K, N), b (N) optional, y (B.., N)
 *   dW += x^T dy,  db += sum_rows dy,  dx += dy W^T */
#include <cblas.h>
#include <string.h>

#include "nn-graph-private.h"
#include "nn-parallel-private.h"

/* Row-major C = A B (+ beta C), alpha 1, split over the engine's threads. */
static void
gemm (CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, const float *a, int lda,
      const float *b, int ldb, float beta, float *c, int ldc)
{
  nn_sgemm (ta, tb, m, n, k, 1.0f, a, lda, b, ldb, beta, c, ldc);
}

static int
has_bias (const NnNode *n)
{
  return n->ip[0] && n->n_in > 2;
}

static void
matmul_shape (NnGraph *g, NnNode *n)
{
  NnNode *w = nn_in (g, n, 1);
  nn_shape_like_input (g, n);
  n->shape[n->ndim - 1] = w->shape[1];
}

static void
matmul_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  int k = w->shape[0], cols = w->shape[1];
  int m = (int) (x->size / (size_t) k);
  if (m == 0)
    return;
  float beta = 0.0f;
  if (has_bias (n))
    {
      /* Start from the bias and let sgemm add x W on top (beta = 1): one
       * pass over y instead of two. */
      const float *b = nn_in (g, n, 2)->value;
      for (int r = 0; r < m; r++)
        memcpy (n->value + (size_t) r * (size_t) cols, b, sizeof (float) * (size_t) cols);
      beta = 1.0f;
    }
  gemm (CblasNoTrans, CblasNoTrans, m, cols, k, x->value, k, w->value, cols, beta, n->value, cols);
}

static void
matmul_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  int k = w->shape[0], cols = w->shape[1];
  int m = (int) (x->size / (size_t) k);
  const float *dy = n->grad;
  if (m == 0)
    return;
  if (w->grad)
    gemm (CblasTrans, CblasNoTrans, k, cols, m, x->value, k, dy, cols, 1.0f, w->grad, cols);
  if (has_bias (n))
    {
      float *db = nn_in (g, n, 2)->grad;
      if (db)
        for (int r = 0; r < m; r++)
          {
            const float *row = dy + (size_t) r * (size_t) cols;
            for (int j = 0; j < cols; j++)
              db[j] += row[j];
          }
    }
  /* The first layer's data input has no grad: skipping dx there saves a
   * third of the work of a dense net's backward pass. */
  if (x->grad)
    gemm (CblasNoTrans, CblasTrans, m, k, cols, dy, cols, w->value, cols, 1.0f, x->grad, k);
}

const NnOpInfo nn_op_matmul_bias_info = {
  "matmul_bias", matmul_shape, matmul_forward, matmul_backward
};
