/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Mask-aware sequence ops (layout in nn-seq-private.h).
 *   GLOBAL_POOL1D  max: y[b, f] = max over real t of x[b, t, f] (0 when no
 *                  step is real); dx at the first such argmax += dy.
 *                  mean: y[b, f] = sum_t m[b, t] x[b, t, f] / sum_t m[b, t];
 *                  dx[b, t, f] += m[b, t] dy[b, f] / sum_t m[b, t].
 *                  Without a mask every step is real.
 *   MASKED_LOSS    L = sum_r m_r l_r / sum_r m_r over the B T rows r, l_r the
 *                  row's loss as the plain loss ops define it (nn-op-loss.c):
 *                  BCE, MSE, MAE the mean over the row's C values, CCE the
 *                  sum over its classes. With every step real it equals the
 *                  plain loss, so padding changes neither loss nor gradient. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "nn-seq-private.h"

/* ---- GLOBAL_POOL1D ------------------------------------------------------ */

static void
gpool_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  n->ndim = 2;
  n->shape[0] = x->shape[0];
  n->shape[1] = x->shape[2];
  /* max: the step each output came from (exact in a float up to 2^24) */
  n->aux_size = n->ip[NN_GPOOL_MAX] ? (size_t) x->shape[0] * (size_t) x->shape[2] : 0;
}

static inline float
step_real (const NnNode *mask, size_t b, size_t t, size_t steps)
{
  return mask ? mask->value[b * steps + t] : 1.0f;
}

static void
gpool_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *mask = n->n_in > 1 ? nn_in (g, n, 1) : NULL;
  size_t batch = (size_t) x->shape[0], steps = (size_t) x->shape[1], f = (size_t) x->shape[2];
  int is_max = n->ip[NN_GPOOL_MAX];
  for (size_t b = 0; b < batch; b++)
    {
      float *restrict y = n->value + b * f;
      float *restrict arg = is_max ? n->aux + b * f : NULL;
      double count = 0;
      if (is_max)
        for (size_t k = 0; k < f; k++)
          {
            y[k] = -FLT_MAX;
            arg[k] = -1.0f;
          }
      else
        memset (y, 0, f * sizeof (float));
      for (size_t t = 0; t < steps; t++)
        {
          float m = step_real (mask, b, t, steps);
          if (m == 0.0f)
            continue;
          const float *restrict xs = x->value + (b * steps + t) * f;
          count += m;
          if (is_max)
            for (size_t k = 0; k < f; k++)
              {
                if (xs[k] > y[k] || arg[k] < 0.0f)
                  {
                    y[k] = xs[k];
                    arg[k] = (float) t;
                  }
              }
          else
            for (size_t k = 0; k < f; k++)
              y[k] += m * xs[k];
        }
      if (is_max)
        {
          for (size_t k = 0; k < f; k++)
            if (arg[k] < 0.0f)
              y[k] = 0.0f;
        }
      else if (count > 0)
        {
          float inv = (float) (1.0 / count);
          for (size_t k = 0; k < f; k++)
            y[k] *= inv;
        }
    }
}

static void
gpool_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *mask = n->n_in > 1 ? nn_in (g, n, 1) : NULL;
  if (!x->grad)
    return;
  size_t batch = (size_t) x->shape[0], steps = (size_t) x->shape[1], f = (size_t) x->shape[2];
  for (size_t b = 0; b < batch; b++)
    {
      const float *restrict dy = n->grad + b * f;
      float *dx = x->grad + b * steps * f;
      if (n->ip[NN_GPOOL_MAX])
        {
          const float *arg = n->aux + b * f;
          for (size_t k = 0; k < f; k++)
            if (arg[k] >= 0.0f)
              dx[(size_t) arg[k] * f + k] += dy[k];
          continue;
        }
      double count = 0;
      for (size_t t = 0; t < steps; t++)
        count += step_real (mask, b, t, steps);
      if (count <= 0)
        continue;
      for (size_t t = 0; t < steps; t++)
        {
          float m = step_real (mask, b, t, steps);
          if (m == 0.0f)
            continue;
          float s = (float) (m / count);
          float *restrict d = dx + t * f;
          for (size_t k = 0; k < f; k++)
            d[k] += s * dy[k];
        }
    }
}

/* ---- MASKED_LOSS -------------------------------------------------------- */

/* Keras's backend epsilon, as in nn-op-loss.c */
#define EPS 1e-7f

static float
clip_prob (float p)
{
  return p < EPS ? EPS : p > 1.0f - EPS ? 1.0f - EPS : p;
}

/* CCE on logits keeps each row's softmax for backward in the scratch. */
static int
keeps_probs (const NnNode *n)
{
  return n->ip[0] && (n->ip[NN_MLOSS_KIND] == NN_MLOSS_CCE
                      || n->ip[NN_MLOSS_KIND] == NN_MLOSS_SPARSE);
}

static void
mloss_shape (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0);
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 1;
  /* sparse targets become a one-hot row (the last c floats) as each row
   * is read */
  n->aux_size = (keeps_probs (n) ? nn_shape_size (p->ndim, p->shape) : 0)
                + (n->ip[NN_MLOSS_KIND] == NN_MLOSS_SPARSE ? (size_t) nn_node_cols (p) : 0);
}

/* Row r's target: its c values, or for sparse targets its class number as a
 * one-hot row in the scratch's tail (NULL when the number is no class:
 * the row then counts as padding). */
static const float *
row_target (NnNode *n, const NnNode *t, size_t r, size_t c)
{
  if (n->ip[NN_MLOSS_KIND] != NN_MLOSS_SPARSE)
    return t->value + r * c;
  float v = t->value[r];
  if (!(v >= 0.0f && v < (float) c) || v != (float) (long) v)
    return NULL;
  float *hot = n->aux + n->aux_size - c;
  memset (hot, 0, sizeof (float) * c);
  hot[(size_t) v] = 1.0f;
  return hot;
}

/* Real steps: the mask's sum, less the real steps whose sparse target is
 * no class. */
static double
real_rows (NnNode *n, const NnNode *t, const NnNode *mask, size_t c)
{
  double s = 0;
  for (size_t r = 0; r < mask->size; r++)
    if (mask->value[r] != 0.0f && row_target (n, t, r, c))
      s += mask->value[r];
  return s;
}

/* The loss of one row of c predictions x against targets z. */
static double
row_loss (NnNode *n, const float *x, const float *z, float *prob, size_t c)
{
  int logits = n->ip[0];
  double s = 0;
  switch (n->ip[NN_MLOSS_KIND])
    {
    case NN_MLOSS_BCE:
      for (size_t j = 0; j < c; j++)
        {
          if (logits)
            s += (x[j] > 0.0f ? x[j] : 0.0f) - x[j] * z[j] + log1pf (expf (-fabsf (x[j])));
          else
            {
              float q = clip_prob (x[j]);
              s -= z[j] * logf (q) + (1.0f - z[j]) * logf (1.0f - q);
            }
        }
      return s / (double) c;
    case NN_MLOSS_CCE:
    case NN_MLOSS_SPARSE:
      if (logits)
        {
          float mx = x[0];
          for (size_t j = 1; j < c; j++)
            mx = x[j] > mx ? x[j] : mx;
          double e = 0;
          for (size_t j = 0; j < c; j++)
            {
              prob[j] = expf (x[j] - mx);
              e += prob[j];
            }
          for (size_t j = 0; j < c; j++)
            prob[j] = (float) (prob[j] / e);
          double lse = mx + log (e);
          for (size_t j = 0; j < c; j++)
            s += z[j] * (lse - x[j]);
        }
      else
        {
          float sum = 0.0f;
          for (size_t j = 0; j < c; j++)
            sum += x[j];
          float inv = 1.0f / (sum > EPS ? sum : EPS);
          for (size_t j = 0; j < c; j++)
            if (z[j] != 0.0f)
              s -= z[j] * logf (clip_prob (x[j] * inv));
        }
      return s;
    case NN_MLOSS_MSE:
      for (size_t j = 0; j < c; j++)
        s += ((double) x[j] - z[j]) * ((double) x[j] - z[j]);
      return s / (double) c;
    default:
      for (size_t j = 0; j < c; j++)
        s += fabs ((double) x[j] - z[j]);
      return s / (double) c;
    }
}

/* dx += k d(row loss)/dx for one row (prob: its softmax, CCE on logits). */
static void
row_backward (NnNode *n, const float *x, const float *z, const float *prob, float k,
              float *restrict dx, size_t c)
{
  int logits = n->ip[0];
  switch (n->ip[NN_MLOSS_KIND])
    {
    case NN_MLOSS_BCE:
      k /= (float) c;
      for (size_t j = 0; j < c; j++)
        if (logits)
          dx[j] += k * (1.0f / (1.0f + expf (-x[j])) - z[j]);
        else if (x[j] >= EPS && x[j] <= 1.0f - EPS)
          dx[j] += k * (x[j] - z[j]) / (x[j] * (1.0f - x[j]));
      break;
    case NN_MLOSS_CCE:
    case NN_MLOSS_SPARSE:
      if (logits)
        {
          float zs = 0.0f;
          for (size_t j = 0; j < c; j++)
            zs += z[j];
          for (size_t j = 0; j < c; j++)
            dx[j] += k * (prob[j] * zs - z[j]);
        }
      else
        {
          /* as nn-op-loss.c: q = clip(p / S), dL/dp_k = (g_k - sum_j g_j q_j) / S */
          float sum = 0.0f, dot = 0.0f;
          for (size_t j = 0; j < c; j++)
            sum += x[j];
          float inv = 1.0f / (sum > EPS ? sum : EPS);
          for (size_t j = 0; j < c; j++)
            {
              float q = x[j] * inv;
              if (z[j] != 0.0f && q >= EPS && q <= 1.0f - EPS)
                dot -= z[j];
            }
          for (size_t j = 0; j < c; j++)
            {
              float q = x[j] * inv, gj = 0.0f;
              if (z[j] != 0.0f && q >= EPS && q <= 1.0f - EPS)
                gj = -z[j] / q;
              dx[j] += k * (gj - dot) * inv;
            }
        }
      break;
    case NN_MLOSS_MSE:
      k *= 2.0f / (float) c;
      for (size_t j = 0; j < c; j++)
        dx[j] += k * (x[j] - z[j]);
      break;
    default:
      k /= (float) c;
      for (size_t j = 0; j < c; j++)
        dx[j] += k * ((float) (x[j] > z[j]) - (float) (x[j] < z[j]));
      break;
    }
}

static void
mloss_forward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0), *t = nn_in (g, n, 1), *mask = nn_in (g, n, 2);
  size_t c = (size_t) nn_node_cols (p), rows = mask->size;
  double total = real_rows (n, t, mask, c), s = 0;
  int probs = keeps_probs (n);
  for (size_t r = 0; r < rows; r++)
    {
      float m = mask->value[r];
      float *prob = probs ? n->aux + r * c : NULL;
      const float *z = m != 0.0f ? row_target (n, t, r, c) : NULL;
      if (z)
        s += m * row_loss (n, p->value + r * c, z, prob, c);
    }
  n->value[0] = total > 0 ? (float) (s / total) : 0.0f;
}

static void
mloss_backward (NnGraph *g, NnNode *n)
{
  NnNode *p = nn_in (g, n, 0), *t = nn_in (g, n, 1), *mask = nn_in (g, n, 2);
  if (!p->grad)
    return;
  size_t c = (size_t) nn_node_cols (p), rows = mask->size;
  double total = real_rows (n, t, mask, c);
  if (total <= 0)
    return;
  int probs = keeps_probs (n);
  for (size_t r = 0; r < rows; r++)
    {
      float m = mask->value[r];
      const float *z = m != 0.0f ? row_target (n, t, r, c) : NULL;
      if (!z)
        continue;
      const float *prob = probs ? n->aux + r * c : NULL;
      row_backward (n, p->value + r * c, z, prob, (float) (n->grad[0] * m / total),
                    p->grad + r * c, c);
    }
}

const NnOpInfo nn_op_global_pool1d_info = {
  "global_pool1d", gpool_shape, gpool_forward, gpool_backward
};
const NnOpInfo nn_op_masked_loss_info = {
  "masked_loss", mloss_shape, mloss_forward, mloss_backward
};
