/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pooling, channels-last: every loop runs over the contiguous channel axis,
 * so the compiler vectorises it.
 *
 * NN_OP_MAX_POOL2D: y = max over the window (padding never wins, as in
 *   Keras); dx[argmax] += dy, the argmax being the first window position
 *   holding the maximum. Backward finds it again by comparing the window
 *   with y: cheaper than storing it (a select and an index per element in
 *   forward) and no scratch at all.
 * NN_OP_AVG_POOL2D: y = mean over the window's positions inside the image
 *   ("same" padding is not counted, as in Keras); dx += dy / count.
 * NN_OP_GLOBAL_AVG_POOL2D: y (B, C) = mean over H, W; dx += dy / (H W).
 * NN_OP_GLOBAL_MAX_POOL2D: y (B, C) = max over H, W; dx[argmax] += dy,
 *   the argmax found again in backward the same way. */
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-simd-private.h"


typedef struct {
  int batch, ih, iw, c, oh, ow, ph, pw, sh, sw, pt, pl;
} PoolGeom;

static PoolGeom
pool_geom (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  PoolGeom q = {
    .batch = x->shape[0], .ih = x->shape[1], .iw = x->shape[2], .c = x->shape[3],
    .oh = n->shape[1], .ow = n->shape[2],
    .ph = n->ip[NN_POOL_H], .pw = n->ip[NN_POOL_W],
    .sh = n->ip[NN_POOL_STRIDE_H], .sw = n->ip[NN_POOL_STRIDE_W],
    .pt = n->ip[NN_POOL_PAD_TOP], .pl = n->ip[NN_POOL_PAD_LEFT],
  };
  return q;
}

static void
pool_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  int same = n->ip[NN_POOL_SAME];
  n->ndim = 4;
  n->shape[0] = x->shape[0];
  n->shape[1] = nn_conv_out_size (x->shape[1], n->ip[NN_POOL_H], n->ip[NN_POOL_STRIDE_H], 1,
                                  same, &n->ip[NN_POOL_PAD_TOP]);
  n->shape[2] = nn_conv_out_size (x->shape[2], n->ip[NN_POOL_W], n->ip[NN_POOL_STRIDE_W], 1,
                                  same, &n->ip[NN_POOL_PAD_LEFT]);
  n->shape[3] = x->shape[3];
  n->aux_size = 0;
}

static void
max_pool_shape (NnGraph *g, NnNode *n)
{
  pool_shape (g, n);
}

/* The window of output (oh, ow) clipped to the image: [h0, h1) x [w0, w1). */
static inline void
pool_window (const PoolGeom *q, int oh, int ow, int *h0, int *h1, int *w0, int *w1)
{
  *h0 = oh * q->sh - q->pt;
  *w0 = ow * q->sw - q->pl;
  *h1 = *h0 + q->ph;
  *w1 = *w0 + q->pw;
  if (*h0 < 0)
    *h0 = 0;
  if (*w0 < 0)
    *w0 = 0;
  if (*h1 > q->ih)
    *h1 = q->ih;
  if (*w1 > q->iw)
    *w1 = q->iw;
}

/* The pooling kernels below work on whole images; these run one over
 * runs of images on the engine's threads (outputs and input gradients of
 * different images never overlap). */
typedef enum { MAX_FWD, MAX_BWD, AVG_FWD, AVG_BWD } PoolKind;

typedef struct {
  PoolKind kind;
  PoolGeom q;
  int per_task;
  int rows, parts; /* 2x2 max pooling of few images: output rows a task, tasks an image */
  const float *x, *y, *dy;
  float *out; /* y (forward) or dx (backward) */
} PoolJob;

static void pool_task (void *data, int task, int thread);
static void pool_rows_task (void *data, int task, int thread);
static int is_pool_2x2 (const PoolGeom *q);

static void
pool_run (PoolKind kind, const PoolGeom *q, const float *x, const float *y, const float *dy,
          float *out)
{
  PoolJob j = { kind, *q, 1, 0, 0, x, y, dy, out };
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  /* A 2x2 max pooling's windows do not overlap: a batch too small for the
   * threads (DeepDream's one image) is split by output rows, tasks of
   * about 64 Ki input floats. */
  if ((kind == MAX_FWD || kind == MAX_BWD) && is_pool_2x2 (q)
      && q->batch < 2 * nn_parallel_threads () && q->oh > 1)
    {
      size_t per_row = 2 * (size_t) q->iw * (size_t) q->c;
      j.rows = (int) ((size_t) 64 * 1024 / (per_row ? per_row : 1));
      j.rows = j.rows < 1 ? 1 : j.rows > q->oh ? q->oh : j.rows;
      j.parts = (q->oh + j.rows - 1) / j.rows;
      nn_parallel_for (q->batch * j.parts, pool_rows_task, &j);
      return;
    }
  /* Tasks of about 64 Ki input floats, at least two per thread. */
  int per = (int) ((size_t) 64 * 1024 / (img ? img : 1));
  int fair = (q->batch + 2 * nn_parallel_threads () - 1) / (2 * nn_parallel_threads ());
  if (per > fair)
    per = fair;
  j.per_task = per < 1 ? 1 : per;
  nn_parallel_for ((q->batch + j.per_task - 1) / j.per_task, pool_task, &j);
}

NN_CLONES static void
max_pool_kernel (const PoolGeom *q, const float *x, float *y)
{
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  int c = q->c;
  for (int b = 0; b < q->batch; b++)
    {
      const float *xb = x + (size_t) b * img;
      for (int oh = 0; oh < q->oh; oh++)
        for (int ow = 0; ow < q->ow; ow++)
          {
            float *restrict yo = y + (((size_t) b * (size_t) q->oh + (size_t) oh) * (size_t) q->ow
                                      + (size_t) ow) * (size_t) c;
            int h0, h1, w0, w1;
            pool_window (q, oh, ow, &h0, &h1, &w0, &w1);
            const float *first = xb + ((size_t) h0 * (size_t) q->iw + (size_t) w0) * (size_t) c;
            for (int k = 0; k < c; k++)
              yo[k] = first[k];
            for (int h = h0; h < h1; h++)
              for (int w = w0; w < w1; w++)
                {
                  const float *restrict xs = xb + ((size_t) h * (size_t) q->iw + (size_t) w)
                                                  * (size_t) c;
                  for (int k = 0; k < c; k++)
                    yo[k] = xs[k] > yo[k] ? xs[k] : yo[k];
                }
          }
    }
}

static void
max_pool_forward (NnGraph *g, NnNode *n)
{
  PoolGeom q = pool_geom (g, n);
  pool_run (MAX_FWD, &q, nn_in (g, n, 0)->value, NULL, NULL, n->value);
}

/* Channels handled per pass of the backward scan (its "found" flags). */
#define SCAN 64

/* dx at the first position of the window holding y gets dy. */
NN_CLONES static void
max_pool_backward_kernel (const PoolGeom *q, const float *x, const float *y, const float *dy,
                          float *dx)
{
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  int c = q->c;
  for (int b = 0; b < q->batch; b++)
    {
      const float *xb = x + (size_t) b * img;
      float *dxb = dx + (size_t) b * img;
      for (int oh = 0; oh < q->oh; oh++)
        for (int ow = 0; ow < q->ow; ow++)
          {
            size_t o = (((size_t) b * (size_t) q->oh + (size_t) oh) * (size_t) q->ow
                        + (size_t) ow) * (size_t) c;
            int h0, h1, w0, w1;
            pool_window (q, oh, ow, &h0, &h1, &w0, &w1);
            for (int k0 = 0; k0 < c; k0 += SCAN)
              {
                int kn = c - k0 < SCAN ? c - k0 : SCAN;
                const float *restrict yo = y + o + k0, *restrict go = dy + o + k0;
                float left[SCAN];     /* the gradient not yet given out */
                for (int k = 0; k < kn; k++)
                  left[k] = go[k];
                for (int h = h0; h < h1; h++)
                  for (int w = w0; w < w1; w++)
                    {
                      size_t p = ((size_t) h * (size_t) q->iw + (size_t) w) * (size_t) c + k0;
                      const float *restrict xs = xb + p;
                      float *restrict d = dxb + p;
                      /* branch-free (a 0/1 factor) so that it vectorises */
                      for (int k = 0; k < kn; k++)
                        {
                          float give = (float) (xs[k] == yo[k]) * left[k];
                          d[k] += give;
                          left[k] -= give;
                        }
                    }
              }
          }
    }
}

static void
max_pool_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  PoolGeom q = pool_geom (g, n);
  pool_run (MAX_BWD, &q, x->value, n->value, n->grad, x->grad);
}

NN_CLONES static void
avg_pool_kernel (const PoolGeom *q, const float *x, float *y)
{
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  size_t c = (size_t) q->c;
  for (int b = 0; b < q->batch; b++)
    for (int oh = 0; oh < q->oh; oh++)
      for (int ow = 0; ow < q->ow; ow++)
        {
          float *restrict yo = y + (((size_t) b * (size_t) q->oh + (size_t) oh) * (size_t) q->ow
                                    + (size_t) ow) * c;
          int h0, h1, w0, w1;
          pool_window (q, oh, ow, &h0, &h1, &w0, &w1);
          memset (yo, 0, c * sizeof (float));
          for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
              {
                const float *restrict xs = x + (size_t) b * img
                                           + ((size_t) h * (size_t) q->iw + (size_t) w) * c;
                for (size_t k = 0; k < c; k++)
                  yo[k] += xs[k];
              }
          int count = (h1 - h0) * (w1 - w0);
          float inv = count > 0 ? 1.0f / (float) count : 0.0f;
          for (size_t k = 0; k < c; k++)
            yo[k] *= inv;
        }
}

NN_CLONES static void
avg_pool_backward_kernel (const PoolGeom *q, const float *dy, float *dx)
{
  size_t img = (size_t) q->ih * (size_t) q->iw * (size_t) q->c;
  size_t c = (size_t) q->c;
  for (int b = 0; b < q->batch; b++)
    for (int oh = 0; oh < q->oh; oh++)
      for (int ow = 0; ow < q->ow; ow++)
        {
          const float *restrict go = dy + (((size_t) b * (size_t) q->oh + (size_t) oh)
                                           * (size_t) q->ow + (size_t) ow) * c;
          int h0, h1, w0, w1;
          pool_window (q, oh, ow, &h0, &h1, &w0, &w1);
          int count = (h1 - h0) * (w1 - w0);
          if (count <= 0)
            continue;
          float inv = 1.0f / (float) count;
          for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++)
              {
                float *restrict d = dx + (size_t) b * img
                                    + ((size_t) h * (size_t) q->iw + (size_t) w) * c;
                for (size_t k = 0; k < c; k++)
                  d[k] += go[k] * inv;
              }
        }
}

static void
avg_pool_forward (NnGraph *g, NnNode *n)
{
  PoolGeom q = pool_geom (g, n);
  pool_run (AVG_FWD, &q, nn_in (g, n, 0)->value, NULL, NULL, n->value);
}

static void
avg_pool_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  PoolGeom q = pool_geom (g, n);
  pool_run (AVG_BWD, &q, NULL, NULL, n->grad, x->grad);
}

/* ---- global pooling ---------------------------------------------------- */

static void
global_shape (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  n->ndim = 2;
  n->shape[0] = x->shape[0];
  n->shape[1] = x->shape[3];
  /* global max: the backward scan's per-channel gradient left to give */
  n->aux_size = n->op == NN_OP_GLOBAL_MAX_POOL2D ? (size_t) n->shape[1] : 0;
}

NN_CLONES static void
global_avg_kernel (const float *x, int batch, size_t hw, size_t c, float *y)
{
  float inv = 1.0f / (float) hw;
  for (int b = 0; b < batch; b++)
    {
      float *restrict yb = y + (size_t) b * c;
      const float *xb = x + (size_t) b * hw * c;
      memset (yb, 0, c * sizeof (float));
      for (size_t p = 0; p < hw; p++)
        {
          const float *restrict xs = xb + p * c;
          for (size_t k = 0; k < c; k++)
            yb[k] += xs[k];
        }
      for (size_t k = 0; k < c; k++)
        yb[k] *= inv;
    }
}

NN_CLONES static void
global_avg_backward_kernel (const float *dy, int batch, size_t hw, size_t c, float *dx)
{
  float inv = 1.0f / (float) hw;
  for (int b = 0; b < batch; b++)
    {
      const float *restrict gb = dy + (size_t) b * c;
      for (size_t p = 0; p < hw; p++)
        {
          float *restrict d = dx + ((size_t) b * hw + p) * c;
          for (size_t k = 0; k < c; k++)
            d[k] += gb[k] * inv;
        }
    }
}

NN_CLONES static void
global_max_kernel (const float *x, int batch, size_t hw, size_t c, float *y)
{
  for (int b = 0; b < batch; b++)
    {
      float *restrict yb = y + (size_t) b * c;
      const float *xb = x + (size_t) b * hw * c;
      for (size_t k = 0; k < c; k++)
        yb[k] = xb[k];
      for (size_t p = 1; p < hw; p++)
        {
          const float *restrict xs = xb + p * c;
          for (size_t k = 0; k < c; k++)
            yb[k] = xs[k] > yb[k] ? xs[k] : yb[k];
        }
    }
}

/* dx at each channel's first position holding its maximum gets dy; left
 * (c floats of scratch) holds the gradient not yet given out. */
NN_CLONES static void
global_max_backward_kernel (const float *x, const float *y, const float *dy, int batch,
                            size_t hw, size_t c, float *dx, float *left)
{
  for (int b = 0; b < batch; b++)
    {
      const float *restrict yb = y + (size_t) b * c;
      const float *xb = x + (size_t) b * hw * c;
      float *dxb = dx + (size_t) b * hw * c;
      for (size_t k = 0; k < c; k++)
        left[k] = dy[(size_t) b * c + k];
      for (size_t p = 0; p < hw; p++)
        {
          const float *restrict xs = xb + p * c;
          float *restrict d = dxb + p * c;
          for (size_t k = 0; k < c; k++)
            {
              float give = (float) (xs[k] == yb[k]) * left[k];
              d[k] += give;
              left[k] -= give;
            }
        }
    }
}

static void
global_avg_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  global_avg_kernel (x->value, x->shape[0], (size_t) x->shape[1] * (size_t) x->shape[2],
                     (size_t) x->shape[3], n->value);
}

static void
global_avg_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (x->grad)
    global_avg_backward_kernel (n->grad, x->shape[0],
                                (size_t) x->shape[1] * (size_t) x->shape[2],
                                (size_t) x->shape[3], x->grad);
}

static void
global_max_forward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  global_max_kernel (x->value, x->shape[0], (size_t) x->shape[1] * (size_t) x->shape[2],
                     (size_t) x->shape[3], n->value);
}

static void
global_max_backward (NnGraph *g, NnNode *n)
{
  NnNode *x = nn_in (g, n, 0);
  if (!x->grad)
    return;
  global_max_backward_kernel (x->value, n->value, n->grad, x->shape[0],
                              (size_t) x->shape[1] * (size_t) x->shape[2],
                              (size_t) x->shape[3], x->grad, n->aux);
}

/* ---- 2x2 windows, stride 2, no padding: the classic convnet's pooling -- */

static const v8f zero8 = { 0 };

/* Every window is 2x2 and lies whole inside the image. "same" padding on
 * an odd height or width has no padding before (pt = pl = 0) but one row
 * or column after: its last windows hang over the edge, and the kernels
 * below, which read all four positions, would read the next image there
 * (or past the buffer) and, backward, write there. */
static int
is_pool_2x2 (const PoolGeom *q)
{
  return q->ph == 2 && q->pw == 2 && q->sh == 2 && q->sw == 2 && q->pt == 0 && q->pl == 0
         && 2 * q->oh <= q->ih && 2 * q->ow <= q->iw;
}

NN_CLONES static void
max_pool_2x2 (const PoolGeom *q, const float *x, float *y)
{
  size_t c = (size_t) q->c, row = (size_t) q->iw * c;
  for (int b = 0; b < q->batch; b++)
    for (int oh = 0; oh < q->oh; oh++)
      {
        const float *x0 = x + ((size_t) b * (size_t) q->ih + 2 * (size_t) oh) * row;
        const float *x1 = x0 + row;
        float *restrict yo = y + ((size_t) b * (size_t) q->oh + (size_t) oh) * (size_t) q->ow * c;
        for (int ow = 0; ow < q->ow; ow++, yo += c)
          {
            const float *restrict a = x0 + 2 * (size_t) ow * c, *restrict d = x1 + 2 * (size_t) ow * c;
            for (size_t k = 0; k < c; k++)
              {
                float m0 = a[k] > a[c + k] ? a[k] : a[c + k];
                float m1 = d[k] > d[c + k] ? d[k] : d[c + k];
                yo[k] = m0 > m1 ? m0 : m1;
              }
          }
      }
}

/* Sets dx (every element, so no zeroing first): the window's first
 * position holding the maximum gets dy, the others 0, as the generic
 * kernel; with relu (the pooled input is a ReLU's output) a maximum of 0
 * passes no gradient, which is the ReLU's own backward folded in. With
 * add, dx += that instead, and what no window reads is left alone. */
NN_CLONES static void
max_pool_2x2_backward_set (const PoolGeom *q, const float *x, const float *y, const float *dy,
                           int relu, int add, float *dx)
{
  size_t c = (size_t) q->c, row = (size_t) q->iw * c;
  for (int b = 0; b < q->batch; b++)
    {
      for (int oh = 0; oh < q->oh; oh++)
        {
          size_t r0 = ((size_t) b * (size_t) q->ih + 2 * (size_t) oh) * row;
          const float *x0 = x + r0, *x1 = x0 + row;
          float *g0 = dx + r0, *g1 = g0 + row;
          size_t o = ((size_t) b * (size_t) q->oh + (size_t) oh) * (size_t) q->ow * c;
          for (int ow = 0; ow < q->ow; ow++, o += c)
            {
              size_t p = 2 * (size_t) ow * c;
              const float *restrict a = x0 + p, *restrict d = x1 + p;
              float *restrict ga = g0 + p, *restrict gd = g1 + p;
              const float *restrict yo = y + o, *restrict go = dy + o;
              size_t k = 0;
              /* eight channels at a time; masks select whole floats, so
               * this is exactly the scalar loop below */
              for (; k + 8 <= c; k += 8)
                {
                  v8f v = load8 (yo + k), left = load8 (go + k);
                  if (relu)
                    left = (v8f) ((v8i) left & (v > zero8));
                  v8i m0 = load8 (a + k) == v, m1 = load8 (a + c + k) == v;
                  v8i m2 = load8 (d + k) == v;
                  v8f e0 = (v8f) ((v8i) left & m0);
                  left = (v8f) ((v8i) left & ~m0);
                  v8f e1 = (v8f) ((v8i) left & m1);
                  left = (v8f) ((v8i) left & ~m1);
                  v8f e2 = (v8f) ((v8i) left & m2);
                  left = (v8f) ((v8i) left & ~m2);
                  if (add)
                    {
                      e0 += load8 (ga + k);
                      e1 += load8 (ga + c + k);
                      e2 += load8 (gd + k);
                      left += load8 (gd + c + k);
                    }
                  store8 (ga + k, e0);
                  store8 (ga + c + k, e1);
                  store8 (gd + k, e2);
                  store8 (gd + c + k, left);
                }
              for (; k < c; k++)
                {
                  float v = yo[k], left = relu && !(v > 0.0f) ? 0.0f : go[k];
                  float e0 = a[k] == v ? left : 0.0f;
                  left -= e0;
                  float e1 = a[c + k] == v ? left : 0.0f;
                  left -= e1;
                  float e2 = d[k] == v ? left : 0.0f;
                  left -= e2;
                  ga[k] = add ? ga[k] + e0 : e0;
                  ga[c + k] = add ? ga[c + k] + e1 : e1;
                  gd[k] = add ? gd[k] + e2 : e2;
                  gd[c + k] = add ? gd[c + k] + left : left;
                }
            }
          /* an odd last column no window reads */
          if (!add && 2 * q->ow < q->iw)
            {
              memset (g0 + 2 * (size_t) q->ow * c, 0, (size_t) (q->iw - 2 * q->ow) * c * sizeof (float));
              memset (g1 + 2 * (size_t) q->ow * c, 0, (size_t) (q->iw - 2 * q->ow) * c * sizeof (float));
            }
        }
      /* and odd last rows */
      if (!add && 2 * q->oh < q->ih)
        memset (dx + ((size_t) b * (size_t) q->ih + 2 * (size_t) q->oh) * row, 0,
                (size_t) (q->ih - 2 * q->oh) * row * sizeof (float));
    }
}

static void
pool_task (void *data, int task, int thread)
{
  const PoolJob *j = data;
  PoolGeom q = j->q;
  int b0 = task * j->per_task;
  q.batch = b0 + j->per_task < j->q.batch ? j->per_task : j->q.batch - b0;
  size_t in = (size_t) b0 * (size_t) q.ih * (size_t) q.iw * (size_t) q.c;
  size_t o = (size_t) b0 * (size_t) q.oh * (size_t) q.ow * (size_t) q.c;
  switch (j->kind)
    {
    case MAX_FWD:
      if (is_pool_2x2 (&q))
        max_pool_2x2 (&q, j->x + in, j->out + o);
      else
        max_pool_kernel (&q, j->x + in, j->out + o);
      break;
    case MAX_BWD:
      if (is_pool_2x2 (&q))
        max_pool_2x2_backward_set (&q, j->x + in, j->y + o, j->dy + o, 0, 1, j->out + in);
      else
        max_pool_backward_kernel (&q, j->x + in, j->y + o, j->dy + o, j->out + in);
      break;
    case AVG_FWD:
      avg_pool_kernel (&q, j->x + in, j->out + o);
      break;
    case AVG_BWD:
      avg_pool_backward_kernel (&q, j->dy + o, j->out + in);
      break;
    }
}

/* Output rows [r0, r0 + rows) of one image of a 2x2 max pooling: the
 * same kernels on the two input rows each reads. */
static void
pool_rows_task (void *data, int task, int thread)
{
  const PoolJob *j = data;
  PoolGeom q = j->q;
  int b = task / j->parts, r0 = (task % j->parts) * j->rows;
  q.batch = 1;
  q.oh = r0 + j->rows < j->q.oh ? j->rows : j->q.oh - r0;
  q.ih = 2 * q.oh;
  size_t in = ((size_t) b * (size_t) j->q.ih + 2 * (size_t) r0) * (size_t) q.iw * (size_t) q.c;
  size_t o = ((size_t) b * (size_t) j->q.oh + (size_t) r0) * (size_t) q.ow * (size_t) q.c;
  if (j->kind == MAX_FWD)
    max_pool_2x2 (&q, j->x + in, j->out + o);
  else
    max_pool_2x2_backward_set (&q, j->x + in, j->y + o, j->dy + o, 0, 1, j->out + in);
}

/* 2x2 stride-2 pooling that also records which of the four positions
 * held the maximum (0..3 in row order, the first on ties: the position the
 * backward above would find), so the fused convolution's backward needs
 * neither the convolution's output nor its gradient in memory. x is
 * (batch, ih, iw, c); y and arg are (batch, ih / 2, iw / 2, c). */
NN_CLONES void
nn_max_pool_2x2_argmax (const float *x, int batch, int ih, int iw, int c, float *y,
                        uint8_t *arg)
{
  int oh = ih / 2, ow = iw / 2;
  size_t cc = (size_t) c, row = (size_t) iw * cc;
  for (int b = 0; b < batch; b++)
    for (int i = 0; i < oh; i++)
      {
        const float *x0 = x + ((size_t) b * (size_t) ih + 2 * (size_t) i) * row, *x1 = x0 + row;
        size_t o = ((size_t) b * (size_t) oh + (size_t) i) * (size_t) ow * cc;
        for (int j = 0; j < ow; j++, o += cc)
          {
            const float *restrict a = x0 + 2 * (size_t) j * cc, *restrict d = x1 + 2 * (size_t) j * cc;
            float *restrict yo = y + o;
            uint8_t *restrict ao = arg + o;
            size_t k = 0;
            /* eight channels at a time: the same comparisons as below */
            for (; k + 8 <= cc; k += 8)
              {
                v8f m = load8 (a + k), v;
                v8i w = { 0 }, gt;
                v = load8 (a + cc + k);
                gt = v > m;
                m = (v8f) (((v8i) v & gt) | ((v8i) m & ~gt));
                w = (w & ~gt) | (gt & 1);
                v = load8 (d + k);
                gt = v > m;
                m = (v8f) (((v8i) v & gt) | ((v8i) m & ~gt));
                w = (w & ~gt) | (gt & 2);
                v = load8 (d + cc + k);
                gt = v > m;
                m = (v8f) (((v8i) v & gt) | ((v8i) m & ~gt));
                w = (w & ~gt) | (gt & 3);
                store8 (yo + k, m);
                v8u8 wb = __builtin_convertvector (w, v8u8);
                memcpy (ao + k, &wb, sizeof wb);
              }
            for (; k < cc; k++)
              {
                float m = a[k];
                uint8_t w = 0;
                if (a[cc + k] > m)
                  m = a[cc + k], w = 1;
                if (d[k] > m)
                  m = d[k], w = 2;
                if (d[cc + k] > m)
                  m = d[cc + k], w = 3;
                yo[k] = m;
                ao[k] = w;
              }
          }
      }
}

/* Sets dx (batch, ih, iw, c), every element: dy at each window's recorded
 * position, 0 elsewhere (and in an odd last row or column); with relu, a
 * window whose maximum y is 0 passes nothing. */
NN_CLONES void
nn_max_pool_2x2_argmax_backward (const float *y, const float *dy, const uint8_t *arg, int batch,
                                 int ih, int iw, int c, int relu, float *dx)
{
  int oh = ih / 2, ow = iw / 2;
  size_t cc = (size_t) c, row = (size_t) iw * cc;
  for (int b = 0; b < batch; b++)
    {
      for (int i = 0; i < oh; i++)
        {
          float *g0 = dx + ((size_t) b * (size_t) ih + 2 * (size_t) i) * row, *g1 = g0 + row;
          size_t o = ((size_t) b * (size_t) oh + (size_t) i) * (size_t) ow * cc;
          for (int j = 0; j < ow; j++, o += cc)
            {
              float *restrict ga = g0 + 2 * (size_t) j * cc, *restrict gd = g1 + 2 * (size_t) j * cc;
              const float *restrict yo = y + o, *restrict go = dy + o;
              const uint8_t *restrict ao = arg + o;
              size_t k = 0;
              for (; k + 8 <= cc; k += 8)
                {
                  v8f gk = load8 (go + k);
                  if (relu)
                    gk = (v8f) ((v8i) gk & (load8 (yo + k) > zero8));
                  v8u8 wb;
                  memcpy (&wb, ao + k, sizeof wb);
                  v8i w = __builtin_convertvector (wb, v8i);
                  store8 (ga + k, (v8f) ((v8i) gk & (w == 0)));
                  store8 (ga + cc + k, (v8f) ((v8i) gk & (w == 1)));
                  store8 (gd + k, (v8f) ((v8i) gk & (w == 2)));
                  store8 (gd + cc + k, (v8f) ((v8i) gk & (w == 3)));
                }
              for (; k < cc; k++)
                {
                  float gk = relu && !(yo[k] > 0.0f) ? 0.0f : go[k];
                  unsigned w = ao[k];
                  ga[k] = w == 0 ? gk : 0.0f;
                  ga[cc + k] = w == 1 ? gk : 0.0f;
                  gd[k] = w == 2 ? gk : 0.0f;
                  gd[cc + k] = w == 3 ? gk : 0.0f;
                }
            }
          if (2 * ow < iw)
            {
              memset (g0 + 2 * (size_t) ow * cc, 0, cc * sizeof (float));
              memset (g1 + 2 * (size_t) ow * cc, 0, cc * sizeof (float));
            }
        }
      if (2 * oh < ih)
        memset (dx + ((size_t) b * (size_t) ih + 2 * (size_t) oh) * row, 0, row * sizeof (float));
    }
}

/* The fused convolution + max pooling (nn-op-conv2d.c) pools a few images
 * at a time, right after computing them. */
void
nn_max_pool_images (NnGraph *g, NnNode *pool, int b0, int b1)
{
  PoolGeom q = pool_geom (g, pool);
  q.batch = b1 - b0;
  size_t in = (size_t) b0 * (size_t) q.ih * (size_t) q.iw * (size_t) q.c;
  size_t o = (size_t) b0 * (size_t) q.oh * (size_t) q.ow * (size_t) q.c;
  if (is_pool_2x2 (&q))
    max_pool_2x2 (&q, nn_in (g, pool, 0)->value + in, pool->value + o);
  else
    max_pool_kernel (&q, nn_in (g, pool, 0)->value + in, pool->value + o);
}

void
nn_max_pool_images_backward (NnGraph *g, NnNode *pool, int b0, int b1, int relu, float *dx)
{
  PoolGeom q = pool_geom (g, pool);
  q.batch = b1 - b0;
  size_t in = (size_t) b0 * (size_t) q.ih * (size_t) q.iw * (size_t) q.c;
  size_t o = (size_t) b0 * (size_t) q.oh * (size_t) q.ow * (size_t) q.c;
  const float *x = nn_in (g, pool, 0)->value + in;
  if (is_pool_2x2 (&q))
    {
      max_pool_2x2_backward_set (&q, x, pool->value + o, pool->grad + o, relu, 0, dx + in);
      return;
    }
  size_t count = (size_t) q.batch * (size_t) q.ih * (size_t) q.iw * (size_t) q.c;
  memset (dx + in, 0, count * sizeof (float));
  max_pool_backward_kernel (&q, x, pool->value + o, pool->grad + o, dx + in);
  if (relu)
    {
      /* A ReLU output of 0 passes no gradient (the generic kernel gave it
       * out where a window's maximum was 0). */
      const float *xs = x;
      float *d = dx + in;
      for (size_t i = 0; i < count; i++)
        d[i] = xs[i] > 0.0f ? d[i] : 0.0f;
    }
}

const NnOpInfo nn_op_max_pool2d_info = {
  "max_pool2d", max_pool_shape, max_pool_forward, max_pool_backward
};
const NnOpInfo nn_op_avg_pool2d_info = {
  "avg_pool2d", pool_shape, avg_pool_forward, avg_pool_backward
};
const NnOpInfo nn_op_global_avg_pool2d_info = {
  "global_avg_pool2d", global_shape, global_avg_forward, global_avg_backward
};
const NnOpInfo nn_op_global_max_pool2d_info = {
  "global_max_pool2d", global_shape, global_max_forward, global_max_backward
};
