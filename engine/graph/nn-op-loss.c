/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Losses: inputs (pred, target), output one scalar, the mean over the batch
 * of per-sample losses, as Keras computes them. Targets never get grads.
 *   BCE    mean_i  -(z log p + (1-z) log(1-p)); logits: max(x,0) - x z + log(1+e^-|x|)
 *   CCE    mean_rows -sum_j z_j log p_j          logits: lse(x) sum z - z.x
 *   SPARSE_CCE as CCE with z = onehot(target)
 *   MSE    mean_i (p - t)^2        MAE  mean_i |p - t|
 * For BCE, MSE and MAE a sample's loss is the mean over its elements, so the
 * batch mean is the mean over all elements; for CCE it is the sum over the
 * classes, so the batch mean is the mean over rows. */
#include <math.h>
#include <string.h>

#include "nn-graph-private.h"

/* Keras's backend epsilon: probabilities are clipped to [EPS, 1 - EPS]. */
#define EPS 1e-7f

static float
clip_prob (float p)
{
  return p < EPS ? EPS : p > 1.0f - EPS ? 1.0f - EPS : p;
}

static void
loss_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 1;
}

/* Softmax probabilities are kept from forward for backward when the loss
 * takes logits. */
static void
loss_softmax_shape (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  loss_shape (g, n);
  n->aux_size = n->ip[0] ? nn_shape_size (p->ndim, p->shape) : 0;
}

/* ---- BCE ---------------------------------------------------------------- */

static void
bce_forward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  const float *x = p->value, *z = nn_in (g, n, 1)->value;
  size_t size = p->size;
  double s = 0;
  if (n->ip[0])
    for (size_t i = 0; i < size; i++)
      {
        /* Never exponentiates a positive number: no overflow for any x. */
        float a = x[i];
        s += (a > 0.0f ? a : 0.0f) - a * z[i] + log1pf (expf (-fabsf (a)));
      }
  else
    for (size_t i = 0; i < size; i++)
      {
        float q = clip_prob (x[i]);
        s -= z[i] * logf (q) + (1.0f - z[i]) * logf (1.0f - q);
      }
  n->value[0] = (float) (s / (double) size);
}

static void
bce_backward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  float *restrict dx = p->grad;
  if (!dx)
    return;
  const float *restrict x = p->value, *restrict z = nn_in (g, n, 1)->value;
  size_t size = p->size;
  float k = n->grad[0] / (float) size;
  if (n->ip[0])
    for (size_t i = 0; i < size; i++)
      dx[i] += k * (1.0f / (1.0f + expf (-x[i])) - z[i]);
  else
    for (size_t i = 0; i < size; i++)
      {
        float q = x[i];
        /* The clip passes no gradient where it bites. */
        if (q >= EPS && q <= 1.0f - EPS)
          dx[i] += k * (q - z[i]) / (q * (1.0f - q));
      }
}

/* ---- CCE and SPARSE_CCE ------------------------------------------------- */

/* log-sum-exp of one row, writing its softmax into prob. The sum is kept
 * in double: the loss is what the user watches, and it costs nothing next
 * to the matmuls that produced the logits. */
static double
row_log_softmax (const float *restrict x, float *restrict prob, size_t c)
{
  float mx = x[0];
  for (size_t j = 1; j < c; j++)
    mx = x[j] > mx ? x[j] : mx;
  double s = 0.0;
  for (size_t j = 0; j < c; j++)
    {
      prob[j] = expf (x[j] - mx);
      s += prob[j];
    }
  float inv = (float) (1.0 / s);
  for (size_t j = 0; j < c; j++)
    prob[j] *= inv;
  return mx + log (s);
}

/* Keras rescales probabilities to sum to 1 per row before clipping. */
static float
row_sum (const float *p, size_t c)
{
  float s = 0.0f;
  for (size_t j = 0; j < c; j++)
    s += p[j];
  return s > EPS ? s : EPS;
}

/* Class index of a sparse target, or -1 when out of range (the row then
 * contributes nothing: data loaders validate labels, kernels stay safe). */
static long
sparse_class (float t, size_t c)
{
  float r = floorf (t + 0.5f);
  return r >= 0.0f && r < (float) c ? (long) r : -1;
}

/* Target of row r, class j: one-hot row or sparse index. */
static inline float
target_at (const NnNode *n, const float *z, size_t r, size_t j, size_t c)
{
  if (n->op == NN_OP_SPARSE_CCE)
    return sparse_class (z[r], c) == (long) j ? 1.0f : 0.0f;
  return z[r * c + j];
}

static void
cce_forward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  const float *z = nn_in (g, n, 1)->value;
  size_t rows = nn_node_rows (p), c = (size_t) nn_node_cols (p);
  int sparse = n->op == NN_OP_SPARSE_CCE;
  double s = 0;
  for (size_t r = 0; r < rows; r++)
    {
      const float *x = p->value + r * c;
      if (sparse && sparse_class (z[r], c) < 0)
        continue;
      if (n->ip[0])
        {
          double lse = row_log_softmax (x, n->aux + r * c, c);
          if (sparse)
            s += lse - x[sparse_class (z[r], c)];
          else
            for (size_t j = 0; j < c; j++)
              s += z[r * c + j] * (lse - x[j]);
        }
      else
        {
          float inv = 1.0f / row_sum (x, c);
          if (sparse)
            s -= logf (clip_prob (x[sparse_class (z[r], c)] * inv));
          else
            for (size_t j = 0; j < c; j++)
              if (z[r * c + j] != 0.0f)
                s -= z[r * c + j] * logf (clip_prob (x[j] * inv));
        }
    }
  n->value[0] = (float) (s / (double) rows);
}

static void
cce_backward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  if (!p->grad)
    return;
  const float *z = nn_in (g, n, 1)->value;
  size_t rows = nn_node_rows (p), c = (size_t) nn_node_cols (p);
  int sparse = n->op == NN_OP_SPARSE_CCE;
  float k = n->grad[0] / (float) rows;
  for (size_t r = 0; r < rows; r++)
    {
      if (sparse && sparse_class (z[r], c) < 0)
        continue;
      float *restrict dx = p->grad + r * c;
      if (n->ip[0])
        {
          /* d/dx_j [lse(x) sum z - z.x] = softmax_j sum z - z_j */
          const float *restrict prob = n->aux + r * c;
          if (sparse)
            {
              for (size_t j = 0; j < c; j++)
                dx[j] += k * prob[j];
              dx[sparse_class (z[r], c)] -= k;
              continue;
            }
          const float *restrict zr = z + r * c;
          float zs = 0.0f;
          for (size_t j = 0; j < c; j++)
            zs += zr[j];
          for (size_t j = 0; j < c; j++)
            dx[j] += k * (prob[j] * zs - zr[j]);
        }
      else
        {
          /* q = clip(p / S): with g_j = dL/dq_j = -z_j / q_j (0 where
           * clipped), dL/dp_k = (g_k - sum_j g_j p_j / S) / S. */
          const float *x = p->value + r * c;
          float inv = 1.0f / row_sum (x, c);
          float dot = 0.0f;
          for (size_t j = 0; j < c; j++)
            {
              float zj = target_at (n, z, r, j, c), q = x[j] * inv;
              if (zj != 0.0f && q >= EPS && q <= 1.0f - EPS)
                dot -= zj; /* g_j q_j */
            }
          for (size_t j = 0; j < c; j++)
            {
              float zj = target_at (n, z, r, j, c), q = x[j] * inv, gj = 0.0f;
              if (zj != 0.0f && q >= EPS && q <= 1.0f - EPS)
                gj = -zj / q;
              dx[j] += k * (gj - dot) * inv;
            }
        }
    }
}

/* ---- MSE and MAE -------------------------------------------------------- */

static void
mse_forward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  const float *x = p->value, *t = nn_in (g, n, 1)->value;
  double s = 0;
  for (size_t i = 0; i < p->size; i++)
    {
      double d = (double) x[i] - t[i];
      s += d * d;
    }
  n->value[0] = (float) (s / (double) p->size);
}

static void
mse_backward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  float *restrict dx = p->grad;
  const float *restrict x = p->value, *restrict t = nn_in (g, n, 1)->value;
  float k = 2.0f * n->grad[0] / (float) p->size;
  if (dx)
    for (size_t i = 0; i < p->size; i++)
      dx[i] += k * (x[i] - t[i]);
}

static void
mae_forward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  const float *x = p->value, *t = nn_in (g, n, 1)->value;
  double s = 0;
  for (size_t i = 0; i < p->size; i++)
    s += fabs ((double) x[i] - t[i]);
  n->value[0] = (float) (s / (double) p->size);
}

static void
mae_backward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  float *restrict dx = p->grad;
  const float *restrict x = p->value, *restrict t = nn_in (g, n, 1)->value;
  float k = n->grad[0] / (float) p->size;
  if (dx)
    for (size_t i = 0; i < p->size; i++)
      dx[i] += k * ((float) (x[i] > t[i]) - (float) (x[i] < t[i]));
}

const NnOpInfo nn_op_bce_info = { "binary_crossentropy", loss_shape, bce_forward, bce_backward };
const NnOpInfo nn_op_cce_info = { "categorical_crossentropy", loss_softmax_shape, cce_forward, cce_backward };
const NnOpInfo nn_op_sparse_cce_info = { "sparse_categorical_crossentropy", loss_softmax_shape, cce_forward, cce_backward };
const NnOpInfo nn_op_mse_info = { "mean_squared_error", loss_shape, mse_forward, mse_backward };
const NnOpInfo nn_op_mae_info = { "mean_absolute_error", loss_shape, mae_forward, mae_backward };
