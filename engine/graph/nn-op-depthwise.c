/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DepthwiseConv2D.
 *
 * NN_OP_DEPTHWISE_CONV2D: y[.., c*M+m] = sum_ij x[.., c] W[i, j, c, m] + b,
 * direct loops vectorised over channels (there is no big matrix product).
 * (Conv2DTranspose: nn-op-transpose.c.) */
#include <string.h>

#include "nn-conv-geom-private.h"
#include "nn-simd-private.h"

/* ---- DepthwiseConv2D --------------------------------------------------- */

static void
depthwise_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
  nn_conv_out_shape (n, x, w);
  n->shape[3] = w->shape[2] * w->shape[3];
  /* Per thread, one output pixel of the ReLU mask; per backward task, its
   * kernel and bias sums (see conv2d: same split, same determinism). */
  size_t cm = (size_t) n->shape[3];
  size_t partial = (size_t) w->shape[0] * (size_t) w->shape[1] * cm + cm;
  n->aux_size = cm * (size_t) nn_parallel_threads () + partial * NN_CONV_TASKS;
}

/* acc[c*M+m] += xs[c] * ws[c*M+m] for c < C, m < M. */
static inline void
dw_madd (float *restrict acc, const float *restrict xs, const float *restrict ws, int c, int mult)
{
  if (mult == 1)
    for (int k = 0; k < c; k++)
      acc[k] += xs[k] * ws[k];
  else
    for (int k = 0; k < c; k++)
      for (int m = 0; m < mult; m++)
        acc[k * mult + m] += xs[k] * ws[k * mult + m];
}

NN_CLONES static void
depthwise_forward_kernel (const Geom *q, int mult, const float *x, const float *w,
                          const float *b, int relu, int batch, float *y)
{
  int cm = q->c * mult;
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  for (int bi = 0; bi < batch; bi++)
    for (int oh = 0; oh < q->oh; oh++)
      for (int ow = 0; ow < q->ow; ow++)
        {
          float *acc = y + (((size_t) bi * (size_t) q->oh + (size_t) oh) * (size_t) q->ow
                            + (size_t) ow) * (size_t) cm;
          for (int k = 0; k < cm; k++)
            acc[k] = b ? b[k] : 0.0f;
          for (int i = 0; i < q->kh; i++)
            {
              int h = oh * q->sh - q->pt + i * q->dh;
              if (h < 0 || h >= q->ih)
                continue;
              for (int j = 0; j < q->kw; j++)
                {
                  int ww = ow * q->sw - q->pl + j * q->dw;
                  if (ww < 0 || ww >= q->iw)
                    continue;
                  const float *xs = x + (size_t) bi * img
                                    + ((size_t) h * (size_t) q->iw + (size_t) ww) * (size_t) q->c;
                  const float *ws = w + ((size_t) i * (size_t) q->kw + (size_t) j) * (size_t) cm;
                  dw_madd (acc, xs, ws, q->c, mult);
                }
            }
          if (relu)
            for (int k = 0; k < cm; k++)
              acc[k] = acc[k] > 0.0f ? acc[k] : 0.0f;
        }
}

NN_CLONES static void
depthwise_backward_kernel (const Geom *q, int mult, const float *x, const float *w,
                           const float *y, const float *dy, int relu, int batch,
                           float *dx, float *dw, float *db, float *dzbuf)
{
  int cm = q->c * mult;
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  for (int bi = 0; bi < batch; bi++)
    for (int oh = 0; oh < q->oh; oh++)
      for (int ow = 0; ow < q->ow; ow++)
        {
          size_t o = (((size_t) bi * (size_t) q->oh + (size_t) oh) * (size_t) q->ow
                      + (size_t) ow) * (size_t) cm;
          const float *dz = dy + o;
          if (relu)
            {
              for (int k = 0; k < cm; k++)
                dzbuf[k] = y[o + (size_t) k] > 0.0f ? dz[k] : 0.0f;
              dz = dzbuf;
            }
          if (db)
            for (int k = 0; k < cm; k++)
              db[k] += dz[k];
          for (int i = 0; i < q->kh; i++)
            {
              int h = oh * q->sh - q->pt + i * q->dh;
              if (h < 0 || h >= q->ih)
                continue;
              for (int j = 0; j < q->kw; j++)
                {
                  int ww = ow * q->sw - q->pl + j * q->dw;
                  if (ww < 0 || ww >= q->iw)
                    continue;
                  size_t xo = (size_t) bi * img
                              + ((size_t) h * (size_t) q->iw + (size_t) ww) * (size_t) q->c;
                  size_t wo = ((size_t) i * (size_t) q->kw + (size_t) j) * (size_t) cm;
                  if (dw)
                    /* dW[i, j, c, m] += x[c] dz[c*M+m] */
                    dw_madd (dw + wo, x + xo, dz, q->c, mult);
                  if (dx)
                    {
                      if (mult == 1)
                        for (int k = 0; k < q->c; k++)
                          dx[xo + (size_t) k] += w[wo + (size_t) k] * dz[k];
                      else
                        for (int k = 0; k < q->c; k++)
                          {
                            float s = 0.0f;
                            for (int m = 0; m < mult; m++)
                              s += w[wo + (size_t) (k * mult + m)] * dz[k * mult + m];
                            dx[xo + (size_t) k] += s;
                          }
                    }
                }
            }
        }
}

typedef struct {
  NnNode *n, *x, *w;
  Geom q;
  int mult, relu, batch, tasks;
  const float *b;
  float *db;
  size_t in_img, out_img, partial;
} DwJob;

static DwJob
dw_job (NnGraph *g, NnNode *n)
{
  DwJob j = { 0 };
  j.n = n;
  j.x = nn_in (g, n, 0);
  j.w = nn_in (g, n, 1);
  j.q = geom_make (j.x->shape, n->shape[1], n->shape[2], n, j.w->shape[0], j.w->shape[1]);
  j.mult = j.w->shape[3];
  j.relu = n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
  j.batch = n->shape[0];
  j.tasks = j.batch < NN_CONV_TASKS ? j.batch : NN_CONV_TASKS;
  j.b = nn_conv_bias_value (g, n);
  j.db = nn_conv_bias_grad (g, n);
  j.in_img = (size_t) j.q.ih * (size_t) j.q.iw * (size_t) j.q.c;
  j.out_img = (size_t) n->shape[1] * (size_t) n->shape[2] * (size_t) n->shape[3];
  size_t cm = (size_t) n->shape[3];
  j.partial = (size_t) j.w->shape[0] * (size_t) j.w->shape[1] * cm + cm;
  return j;
}

static void
depthwise_forward_task (void *data, int task, int thread)
{
  const DwJob *j = data;
  size_t first, last;
  nn_split_range ((size_t) j->batch, j->tasks, task, &first, &last);
  depthwise_forward_kernel (&j->q, j->mult, j->x->value + first * j->in_img, j->w->value, j->b,
                            j->relu, (int) (last - first), j->n->value + first * j->out_img);
}

static void
depthwise_forward (NnGraph *g, NnNode *n)
{
  DwJob j = dw_job (g, n);
  nn_parallel_for (j.tasks, depthwise_forward_task, &j);
}

static void
depthwise_backward_task (void *data, int task, int thread)
{
  const DwJob *j = data;
  size_t first, last;
  nn_split_range ((size_t) j->batch, j->tasks, task, &first, &last);
  size_t cm = (size_t) j->n->shape[3];
  float *partial = j->n->aux + cm * (size_t) nn_parallel_threads () + (size_t) task * j->partial;
  size_t kcm = j->partial - cm;
  memset (partial, 0, j->partial * sizeof (float));
  depthwise_backward_kernel (&j->q, j->mult, j->x->value + first * j->in_img, j->w->value,
                             j->n->value + first * j->out_img, j->n->grad + first * j->out_img,
                             j->relu, (int) (last - first),
                             j->x->grad ? j->x->grad + first * j->in_img : NULL,
                             j->w->grad ? partial : NULL, j->db ? partial + kcm : NULL,
                             j->n->aux + (size_t) thread * cm);
}

static void
depthwise_backward (NnGraph *g, NnNode *n)
{
  DwJob j = dw_job (g, n);
  nn_parallel_for (j.tasks, depthwise_backward_task, &j);
  size_t cm = (size_t) n->shape[3], kcm = j.partial - cm;
  const float *partials = n->aux + cm * (size_t) nn_parallel_threads ();
  for (int t = 0; t < j.tasks; t++)
    {
      const float *p = partials + (size_t) t * j.partial;
      if (j.w->grad)
        for (size_t i = 0; i < kcm; i++)
          j.w->grad[i] += p[i];
      if (j.db)
        for (size_t i = 0; i < cm; i++)
          j.db[i] += p[kcm + i];
    }
}

/* ---- the op description (nn-ops.c lists it) ---------------------------- */

const NnOpInfo nn_op_depthwise_conv2d_info = {
  "depthwise_conv2d", depthwise_shape, depthwise_forward, depthwise_backward
};
