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
 * In a training graph a ReLU that is the batch norm's only reader runs
 * inside it (ip[1] = 1 + the ReLU's node): the forward pass writes
 * max (y, 0) straight into the ReLU's value, and the backward pass reads
 * the ReLU's gradient masked by its value > 0, in the same passes; y
 * itself and the ReLU's own passes are never needed.
 *
 * Every loop runs over channels innermost (channels-last), so it
 * vectorises; per-channel sums are taken in float over blocks of rows and
 * carried in double, which keeps large batches accurate. The rows are
 * split into BN_TASKS runs over the engine's threads; each run sums into
 * its own slots, added in run order, so the result does not depend on the
 * thread count. */
#include <math.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-simd-private.h"


#define BLOCK_ROWS 64
#define BN_TASKS 8

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
  /* mean, inv_std, two coefficient rows; per run: two float partial sums
   * and two double totals (4 floats); the totals of all runs (4 floats) */
  n->aux_size = 4 * c + BN_TASKS * 6 * c + 4 * c + 16;
}

typedef struct {
  float  *mean, *inv_std, *a, *b;
  double *t1, *t2;     /* totals over all runs */
  float  *runs;        /* per run: p1, p2 (c floats each), t1, t2 (c doubles each) */
} Scratch;

static Scratch
scratch (NnNode *n, size_t c)
{
  Scratch s;
  /* aux is 64-byte aligned and every block below is a multiple of 2c
   * floats, so the doubles stay aligned */
  s.t1 = (double *) (void *) n->aux;
  s.t2 = s.t1 + c;
  s.mean = (float *) (void *) (s.t2 + c);
  s.inv_std = s.mean + c;
  s.a = s.inv_std + c;
  s.b = s.a + c;
  s.runs = s.b + c;
  return s;
}

/* t1 = sum_rows a; t2 = sum_rows (b - shift) * a (b may be a itself);
 * with mask, a counts only where mask > 0 (a fused ReLU's backward). */
NN_CLONES static void
channel_sums (const float *a, const float *b, const float *shift, const float *mask,
              size_t rows, size_t c, float *p1, float *p2, double *t1, double *t2)
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
          if (mask)
            {
              const float *restrict mr = mask + r * c;
              for (size_t k = 0; k < c; k++)
                {
                  float ak = mr[k] > 0.0f ? ar[k] : 0.0f;
                  q1[k] += ak;
                  q2[k] += (br[k] - shift[k]) * ak;
                }
              continue;
            }
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

typedef struct {
  const float *x, *y, *shift, *a, *b, *d;
  const float *mask;   /* a fused ReLU's output: x counts where it is > 0 */
  float *out;
  size_t rows, c;
  int tasks, relu;     /* relu: the forward pass applies it */
  Scratch s;
} BnJob;

/* Rows of run `task`: whole blocks, so the blocked sums do not depend on
 * where a run starts. */
static void
run_rows (const BnJob *j, int task, size_t *lo, size_t *hi)
{
  size_t blocks = (j->rows + BLOCK_ROWS - 1) / BLOCK_ROWS, b0, b1;
  nn_split_range (blocks, j->tasks, task, &b0, &b1);
  *lo = b0 * BLOCK_ROWS;
  *hi = b1 * BLOCK_ROWS < j->rows ? b1 * BLOCK_ROWS : j->rows;
}

static void
sums_task (void *data, int task, int thread)
{
  const BnJob *j = data;
  size_t lo, hi, c = j->c;
  run_rows (j, task, &lo, &hi);
  float *p1 = j->s.runs + (size_t) task * 6 * c, *p2 = p1 + c;
  double *t1 = (double *) (void *) (p2 + c), *t2 = t1 + c;
  channel_sums (j->x + lo * c, j->y + lo * c, j->shift, j->mask ? j->mask + lo * c : NULL,
                hi - lo, c, p1, p2, t1, t2);
}

/* s.t1 = sum_rows x; s.t2 = sum_rows (y - shift) * x, over the threads. */
static void
parallel_sums (BnJob *j)
{
  size_t c = j->c;
  nn_parallel_for (j->tasks, sums_task, j);
  for (size_t k = 0; k < c; k++)
    j->s.t1[k] = j->s.t2[k] = 0.0;
  for (int t = 0; t < j->tasks; t++)
    {
      const double *t1 = (const double *) (const void *) (j->s.runs + (size_t) t * 6 * c + 2 * c);
      const double *t2 = t1 + c;
      for (size_t k = 0; k < c; k++)
        {
          j->s.t1[k] += t1[k];
          j->s.t2[k] += t2[k];
        }
    }
}

/* y = x * a + b per channel, then max (y, 0) with relu. */
NN_CLONES static void
affine (const float *x, const float *a, const float *b, int relu, size_t rows, size_t c,
        float *y)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict xr = x + r * c;
      float *restrict yr = y + r * c;
      if (relu)
        for (size_t k = 0; k < c; k++)
          {
            float v = xr[k] * a[k] + b[k];
            yr[k] = v > 0.0f ? v : 0.0f;
          }
      else
        for (size_t k = 0; k < c; k++)
          yr[k] = xr[k] * a[k] + b[k];
    }
}

/* dx += dy * a + x * b + d per channel; with mask, dy counts only where
 * mask > 0. */
NN_CLONES static void
affine2_acc (const float *dy, const float *x, const float *a, const float *b, const float *d,
             const float *mask, size_t rows, size_t c, float *dx)
{
  for (size_t r = 0; r < rows; r++)
    {
      const float *restrict gr = dy + r * c;
      const float *restrict xr = x + r * c;
      float *restrict o = dx + r * c;
      if (mask)
        {
          const float *restrict mr = mask + r * c;
          for (size_t k = 0; k < c; k++)
            o[k] += (mr[k] > 0.0f ? gr[k] : 0.0f) * a[k] + xr[k] * b[k] + d[k];
        }
      else
        for (size_t k = 0; k < c; k++)
          o[k] += gr[k] * a[k] + xr[k] * b[k] + d[k];
    }
}

static void
affine_task (void *data, int task, int thread)
{
  const BnJob *j = data;
  size_t lo, hi;
  run_rows (j, task, &lo, &hi);
  affine (j->x + lo * j->c, j->a, j->b, j->relu, hi - lo, j->c, j->out + lo * j->c);
}

static void
affine2_task (void *data, int task, int thread)
{
  const BnJob *j = data;
  size_t lo, hi;
  run_rows (j, task, &lo, &hi);
  affine2_acc (j->y + lo * j->c, j->x + lo * j->c, j->a, j->b, j->d,
               j->mask ? j->mask + lo * j->c : NULL, hi - lo, j->c, j->out + lo * j->c);
}

static BnJob
bn_job (NnNode *n, const float *x, size_t c)
{
  BnJob j = { 0 };
  j.x = j.y = x;
  j.c = c;
  j.rows = n->size / c;
  size_t blocks = (j.rows + BLOCK_ROWS - 1) / BLOCK_ROWS;
  j.tasks = blocks < BN_TASKS ? (int) blocks : BN_TASKS;
  j.s = scratch (n, c);
  return j;
}

/* The ReLU fused into n, or NULL. */
static NnNode *
fused_relu (NnGraph *g, const NnNode *n)
{
  return n->ip[1] ? &g->nodes[n->ip[1] - 1] : NULL;
}

static void
batchnorm_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, BN_X);
  const float *gamma = nn_in (g, n, BN_GAMMA)->value, *beta = nn_in (g, n, BN_BETA)->value;
  float *mm = nn_in (g, n, BN_MEAN)->value, *mv = nn_in (g, n, BN_VAR)->value;
  float momentum = n->fp[0], eps = n->fp[1];
  size_t c = (size_t) n->shape[n->ndim - 1];
  BnJob j = bn_job (n, x->value, c);
  size_t rows = j.rows;
  Scratch s = j.s;
  float *a = s.a, *b = s.b;
  if (use_batch_stats (g, n) && rows > 0)
    {
      /* mean first, then the variance around it: the two-pass form does not
       * lose precision when |mean| >> std */
      memset (s.mean, 0, c * sizeof (float));
      j.shift = s.mean;
      parallel_sums (&j);
      for (size_t k = 0; k < c; k++)
        s.mean[k] = (float) (s.t1[k] / (double) rows);
      parallel_sums (&j);
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
  j.a = a;
  j.b = b;
  NnNode *relu = fused_relu (g, n);
  j.out = relu ? relu->value : n->value;
  j.relu = relu != NULL;
  if (j.tasks > 0)
    nn_parallel_for (j.tasks, affine_task, &j);
}

static void
batchnorm_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, BN_X);
  const float *gamma = nn_in (g, n, BN_GAMMA)->value;
  float *dgamma = nn_in (g, n, BN_GAMMA)->grad, *dbeta = nn_in (g, n, BN_BETA)->grad;
  size_t c = (size_t) n->shape[n->ndim - 1];
  /* with a fused ReLU: its gradient, where its output is positive */
  NnNode *relu = fused_relu (g, n);
  const float *dy = relu ? relu->grad : n->grad;
  BnJob j = bn_job (n, dy, c);
  j.mask = relu ? relu->value : NULL;
  size_t rows = j.rows;
  if (rows == 0)
    return;
  Scratch s = j.s;
  /* mean and inv_std are those of the forward pass of this step:
   * t1 = sum dy, t2 = sum (x - mu) dy */
  j.y = x->value;
  j.shift = s.mean;
  parallel_sums (&j);
  for (size_t k = 0; k < c; k++)
    {
      /* sum dy xhat = t2 inv_std */
      if (dbeta)
        dbeta[k] += (float) s.t1[k];
      if (dgamma)
        dgamma[k] += (float) (s.t2[k] * s.inv_std[k]);
    }
  if (!x->grad)
    return;
  /* the run slots are free again: the third coefficient row goes there */
  float *a = s.a, *b = s.b, *d = s.runs;
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
  /* affine2: out += y a + x b + d with y = dy */
  j.y = dy;
  j.x = x->value;
  j.a = a;
  j.b = b;
  j.d = d;
  j.out = x->grad;
  nn_parallel_for (j.tasks, affine2_task, &j);
}

const NnOpInfo nn_op_batchnorm_info = {
  "batchnorm", batchnorm_shape, batchnorm_forward, batchnorm_backward
};
