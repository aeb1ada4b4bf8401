/* SPDX-License-Identifier: GPL-3.0-or-later */
/* NN_OP_BATCHNORM over the last (channel) axis, every other axis pooled:
 * inputs x (.., C), gamma, beta, moving_mean, moving_variance (C each).
 *
 * Training (g->training and not frozen):
 *   mu, var = batch mean and (biased) variance per channel over R rows
 *   xhat = (x - mu) / sqrt (var + eps),  y = gamma xhat + beta
 *   moving = momentum moving + (1 - momentum) batch   (as Keras)
 *   dbeta = sum dy, dgamma = sum dy xhat,
 *   dx = gamma / sqrt (var + eps) (dy - dbeta / R - xhat dgamma / R)
 * Inference, or a frozen layer (Keras runs a non-trainable BatchNorm in
 * inference mode so that fine-tuning does not wreck its statistics):
 *   y = gamma (x - moving_mean) / sqrt (moving_variance + eps) + beta
 *
 * Every loop runs over channels innermost (channels-last), so it
 * vectorises; per-channel sums are taken in float over blocks of rows and
 * carried in double, which keeps large batches accurate. */
#include <math.h>
#include <string.h>

#include "nn-conv-private.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define NN_CLONES
#endif

#define BLOCK_ROWS 64

enum { BN_X, BN_GAMMA, BN_BETA, BN_MEAN, BN_VAR };

static int
use_batch_stats (NnGraph *g, const NnNode *n)
{
  return g->training && !n->ip[0];
}

static void
batchnorm_shape (NnGraph *g, NnNode *n)
{
  nn_shape_like_input (g, n);
  size_t c = (size_t) n->shape[n->ndim - 1];
  /* mean, inv_std, two float partial sums, two double totals (4 floats) */
  n->aux_size = 8 * c + 16;
}

typedef struct {
  float  *mean, *inv_std, *p1, *p2;
  double *t1, *t2;
} Scratch;

static Scratch
scratch (NnNode *n, size_t c)
{
  Scratch s;
  s.mean = n->aux;
  s.inv_std = s.mean + c;
  s.p1 = s.inv_std + c;
  s.p2 = s.p1 + c;
  /* aux is 64-byte aligned and 4c floats are a multiple of 8 bytes */
  s.t1 = (double *) (void *) (s.p2 + c);
  s.t2 = s.t1 + c;
  return s;
}

/* t1 += sum_rows a; t2 += sum_rows (a - shift) * b (b may be a itself). */
NN_CLONES static void
channel_sums (const float *a, const float *b, const float *shift, size_t rows, size_t c,
              float *p1, float *p2, double *t1, double *t2)
{
  for (size_t k = 0; k < c; k++)
    t1[k] = t2[k] = 0.0;
  for (size_t r0 = 0; r0 < rows; r0 += BLOCK_ROWS)
    {
      size_t r1 = r0 + BLOCK_ROWS < rows ? r0 + BLOCK_ROWS : rows;
      memset (p1, 0, c * sizeof (float));
      memset (p2, 0, c * sizeof (float));
      for (size_t r = r0; r < r1; r++)
        {
          const float *restrict ar = a + r * c;
          const float *restrict br = b + r * c;
          float *restrict q1 = p1, *restrict q2 = p2;
          for (size_t k = 0; k < c; k++)
            {
              q1[k] += ar[k];
              q2[k] += (br[k] - shift[k]) * ar[k];
            }
        }
      for (size_t k = 0; k < c; k++)
        {
          t1[k] += p1[k];
          t2[k] += p2[k];
        }
    }
}

/* y = x * a + b per channel. */
NN_CLONES static void
affine (const float *x, const float *a, const float *b, size_t rows, size_t c, float *y)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict xr = x + r * c;
      float *restrict yr = y + r * c;
      for (size_t k = 0; k < c; k++)
        yr[k] = xr[k] * a[k] + b[k];
    }
}

/* dx += dy * a + x * b + d per channel. */
NN_CLONES static void
affine2_acc (const float *dy, const float *x, const float *a, const float *b, const float *d,
             size_t rows, size_t c, float *dx)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict gr = dy + r * c;
      const float *restrict xr = x + r * c;
      float *restrict o = dx + r * c;
      for (size_t k = 0; k < c; k++)
        o[k] += gr[k] * a[k] + xr[k] * b[k] + d[k];
    }
}

static void
batchnorm_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, BN_X);
  const float *gamma = nn_in (g, n, BN_GAMMA)->value, *beta = nn_in (g, n, BN_BETA)->value;
  float *mm = nn_in (g, n, BN_MEAN)->value, *mv = nn_in (g, n, BN_VAR)->value;
  float momentum = n->fp[0], eps = n->fp[1];
  size_t c = (size_t) n->shape[n->ndim - 1];
  size_t rows = n->size / c;
  Scratch s = scratch (n, c);
  /* p1, p2 double as the affine coefficients once the sums are done */
  float *a = s.p1, *b = s.p2;
  if (use_batch_stats (g, n) && rows > 0)
    {
      /* mean first, then the variance around it: the two-pass form does not
       * lose precision when |mean| >> std */
      memset (s.mean, 0, c * sizeof (float));
      channel_sums (x->value, x->value, s.mean, rows, c, s.p1, s.p2, s.t1, s.t2);
      for (size_t k = 0; k < c; k++)
        s.mean[k] = (float) (s.t1[k] / (double) rows);
      channel_sums (x->value, x->value, s.mean, rows, c, s.p1, s.p2, s.t1, s.t2);
      for (size_t k = 0; k < c; k++)
        {
          /* sum (x - mu) x = sum (x - mu)^2 */
          double var = s.t2[k] / (double) rows;
          if (var < 0)
            var = 0;
          s.inv_std[k] = (float) (1.0 / sqrt (var + (double) eps));
          mm[k] = momentum * mm[k] + (1.0f - momentum) * s.mean[k];
          mv[k] = momentum * mv[k] + (1.0f - momentum) * (float) var;
        }
    }
  else
    for (size_t k = 0; k < c; k++)
      {
        s.mean[k] = mm[k];
        s.inv_std[k] = 1.0f / sqrtf (mv[k] + eps);
      }
  for (size_t k = 0; k < c; k++)
    {
      a[k] = gamma[k] * s.inv_std[k];
      b[k] = beta[k] - s.mean[k] * a[k];
    }
  affine (x->value, a, b, rows, c, n->value);
}

static void
batchnorm_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, BN_X);
  const float *gamma = nn_in (g, n, BN_GAMMA)->value;
  float *dgamma = nn_in (g, n, BN_GAMMA)->grad, *dbeta = nn_in (g, n, BN_BETA)->grad;
  size_t c = (size_t) n->shape[n->ndim - 1];
  size_t rows = n->size / c;
  if (rows == 0)
    return;
  Scratch s = scratch (n, c);
  /* mean and inv_std are those of the forward pass of this step */
  channel_sums (n->grad, x->value, s.mean, rows, c, s.p1, s.p2, s.t1, s.t2);
  for (size_t k = 0; k < c; k++)
    {
      /* t1 = sum dy, t2 = sum dy (x - mu), so sum dy xhat = t2 inv_std */
      if (dbeta)
        dbeta[k] += (float) s.t1[k];
      if (dgamma)
        dgamma[k] += (float) (s.t2[k] * s.inv_std[k]);
    }
  if (!x->grad)
    return;
  float *a = s.p1, *b = s.p2, *d = s.mean; /* mean is read just before d[k] is set */
  int batch_stats = use_batch_stats (g, n);
  for (size_t k = 0; k < c; k++)
    {
      float ak = gamma[k] * s.inv_std[k];
      float mu = s.mean[k];
      if (batch_stats)
        {
          /* dx = A dy + B (x - mu) - A sum dy / R,
           * A = gamma inv_std, B = -A inv_std^2 t2 / R */
          double bk = -(double) ak * s.inv_std[k] * s.inv_std[k] * s.t2[k] / (double) rows;
          a[k] = ak;
          b[k] = (float) bk;
          d[k] = (float) (-(double) ak * s.t1[k] / (double) rows - bk * mu);
        }
      else
        {
          a[k] = ak;
          b[k] = 0.0f;
          d[k] = 0.0f;
        }
    }
  affine2_acc (n->grad, x->value, a, b, d, rows, c, x->grad);
}

static const NnOpInfo batchnorm_info = {
  "batchnorm", batchnorm_shape, batchnorm_forward, batchnorm_backward
};

void nn_ops_register_batchnorm (void);

void
nn_ops_register_batchnorm (void)
{
  nn_op_register (NN_OP_BATCHNORM, &batchnorm_info);
}
