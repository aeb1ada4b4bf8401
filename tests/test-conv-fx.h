/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the convnet op tests share (test-conv.c, test-conv-norm.c): a test
 * loss in the op table's free slot, a graph fixture, and the checks. */
#pragma once

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
/* One gradient-check record for the program's two files. */
#define TEST_GRAD_CHECKED_SHARED
#include "test-util.h"
#include "nn-conv-private.h"


/* Linear-in-the-inputs checks: central differences are exact for a linear
 * function, so float32 rounding is the only error, and a larger step keeps
 * it small next to the difference (Winograd's transforms round more). */
#define EPS_LINEAR  1e-1
/* Checks through max, ReLU or batch statistics: small steps, inputs kept
 * away from the kinks. */
#define EPS_KINK    1e-2
#define GRAD_TOL    1e-3
#define VALUE_TOL   1e-4
/* Convolution inputs stay small: float32 rounding noise in the outputs
 * scales with their size while d/dx does not, so this keeps the central
 * differences clean. */
#define X_RANGE     0.25f

/* ---- a test loss: L = scale * sum_i y_i r_i, fixed pseudo-random r ----- */

/* The op slot just below NN_N_OPS is free; the test loss lives there so the
 * checks depend on no other op's conventions. It outputs each term y_i r_i
 * split exactly into a float and its float remainder rather than their sum:
 * nn_graph_check_grad adds a loss node's elements in double, so the loss
 * itself adds no rounding and only the ops' own float32 rounding remains. */
#define OP_TEST_LOSS ((NnOpType) (NN_N_OPS - 1))

/* Batch norm moves every output of a channel when one input moves, so the
 * float32 rounding of all of them enters each difference; its checks use a
 * smaller scale to keep that absolute noise below the check's 1e-2 floor. */
static double loss_scale = 1.0;

static double
loss_weight (size_t i)
{
  uint32_t h = (uint32_t) i * 2654435761u + 12345u;
  h ^= h >> 15;
  return loss_scale * ((double) (h % 2001u) / 1000.0 - 1.0);
}

static inline void
test_loss_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 2 * (int) nn_in (g, n, 0)->size;
}

static inline void
test_loss_forward (NnGraph *g, NnNode *n)
{
  NnNode *y = nn_in (g, n, 0);
  for (size_t i = 0; i < y->size; i++)
    {
      double t = (double) y->value[i] * loss_weight (i);
      n->value[2 * i] = (float) t;
      n->value[2 * i + 1] = (float) (t - (double) n->value[2 * i]);
    }
}

static inline void
test_loss_backward (NnGraph *g, NnNode *n)
{
  NnNode *y = nn_in (g, n, 0);
  if (y->grad)
    for (size_t i = 0; i < y->size; i++)
      y->grad[i] += (float) (n->grad[2 * i] * loss_weight (i));
}

static const NnOpInfo test_loss_info = {
  "test_loss", test_loss_shape, test_loss_forward, test_loss_backward
};

/* The engine's op table with the test loss in its free slot. */
static inline const NnOpInfo *const *
test_ops (void)
{
  static const NnOpInfo *ops[NN_N_OPS];
  if (!ops[OP_TEST_LOSS])
    {
      g_assert_null (nn_op_table[OP_TEST_LOSS]);
      memcpy (ops, nn_op_table, sizeof ops);
      ops[OP_TEST_LOSS] = &test_loss_info;
    }
  return ops;
}

/* ---- helpers ----------------------------------------------------------- */

typedef struct {
  NnGraph *g;
  int      x, y, loss;
  int      p[12];       /* param nodes */
  float   *pv[12], *pg[12];
  int      n_p;
  NnRng    rng;
} Fixture;

static inline void
fixture_init (Fixture *f)
{
  memset (f, 0, sizeof *f);
  loss_scale = 1.0;
  f->g = nn_graph_new ();
  f->g->ops = test_ops ();
  nn_rng_seed (&f->rng, 42);
}

static inline void
fixture_clear (Fixture *f)
{
  for (int i = 0; i < f->n_p; i++)
    {
      g_free (f->pv[i]);
      g_free (f->pg[i]);
    }
  nn_graph_free (f->g);
}

static inline void
fill_uniform (NnRng *r, float *v, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * nn_rng_uniform (r);
}

/* A parameter with random values in [lo, hi) and its own gradient. */
static inline int
add_param (Fixture *f, int ndim, const int *shape, float lo, float hi, gboolean trainable)
{
  size_t n = nn_shape_size (ndim, shape);
  g_assert_cmpint (f->n_p, <, (int) G_N_ELEMENTS (f->p));
  int k = f->n_p++;
  f->pv[k] = g_new (float, n);
  f->pg[k] = trainable ? g_new0 (float, n) : NULL;
  fill_uniform (&f->rng, f->pv[k], n, lo, hi);
  f->p[k] = nn_graph_add_param (f->g, ndim, shape, f->pv[k], f->pg[k]);
  return f->p[k];
}

static inline int
add_image (Fixture *f, int h, int w, int c)
{
  int shape[] = { h, w, c };
  f->x = nn_graph_add_input (f->g, 3, shape, 1);
  nn_graph_node (f->g, f->x)->needs_grad = 1;
  return f->x;
}

/* Adds the loss on y, allocates, fills x with values in [lo, hi). */
static inline void
finish (Fixture *f, int y, int batch, float lo, float hi)
{
  f->y = y;
  f->loss = nn_graph_add (f->g, OP_TEST_LOSS, &y, 1);
  g_assert_true (nn_graph_alloc (f->g, batch));
  NnNode *x = nn_graph_node (f->g, f->x);
  fill_uniform (&f->rng, x->value, x->size, lo, hi);
}

/* Distinct values spaced by 0.03 in random order: no ties for max pooling
 * and no argmax change under a step of EPS_KINK. */
static inline void
fill_distinct (Fixture *f, float *v, size_t n)
{
  guint32 *perm = g_new (guint32, n);
  for (size_t i = 0; i < n; i++)
    perm[i] = (guint32) i;
  nn_rng_shuffle (&f->rng, perm, n);
  for (size_t i = 0; i < n; i++)
    v[i] = 0.03f * ((float) perm[i] - 0.5f * (float) n);
  g_free (perm);
}

static inline void
check_grads (Fixture *f, double eps, const char *what)
{
  double e = test_check_grad (f->g, f->loss, f->x, eps, 400);
  g_test_message ("%s: d/dx max relative error %.2e", what, e);
  g_assert_cmpfloat (e, <, GRAD_TOL);
  for (int k = 0; k < f->n_p; k++)
    if (f->pg[k])
      {
        e = test_check_grad (f->g, f->loss, f->p[k], eps, 400);
        g_test_message ("%s: d/dparam%d max relative error %.2e", what, k, e);
        g_assert_cmpfloat (e, <, GRAD_TOL);
      }
}

static inline void
assert_close (const float *a, const double *ref, size_t n, const char *what)
{
  double worst = 0;
  for (size_t i = 0; i < n; i++)
    {
      double d = fabs (a[i] - ref[i]) / fmax (1.0, fabs (ref[i]));
      if (d > worst)
        worst = d;
    }
  g_test_message ("%s: forward max error %.2e", what, worst);
  g_assert_cmpfloat (worst, <, VALUE_TOL);
}

/* A fused ReLU is checked only where no step of the check can cross its
 * kink: one step of eps in an input, a weight or a bias moves a
 * pre-activation by at most eps * max (|w|, |x|, 1 with a bias), so every
 * pre-activation must be farther than that from 0. Returns FALSE otherwise
 * (the caller draws new inputs). Also applies the ReLU to pre. */
static inline gboolean
relu_away_from_kink (double *pre, size_t n, double eps, double max_w, double max_x,
                     gboolean bias)
{
  double margin = 1.01 * eps * fmax (fmax (max_w, max_x), bias ? 1.0 : 0.0);
  for (size_t i = 0; i < n; i++)
    if (fabs (pre[i]) <= margin)
      return FALSE;
  for (size_t i = 0; i < n; i++)
    pre[i] = pre[i] > 0 ? pre[i] : 0;
  return TRUE;
}

#define MAX_DRAWS 10000


static inline int
add_batchnorm (Fixture *f, int x, int c, gboolean frozen, float **mm, float **mv)
{
  int cshape[] = { c };
  int in[5];
  in[0] = x;
  in[1] = add_param (f, 1, cshape, 0.5f, 1.5f, !frozen);   /* gamma */
  in[2] = add_param (f, 1, cshape, -0.5f, 0.5f, !frozen);  /* beta */
  in[3] = add_param (f, 1, cshape, -0.2f, 0.2f, FALSE);    /* moving mean */
  in[4] = add_param (f, 1, cshape, 0.5f, 1.5f, FALSE);     /* moving variance */
  *mm = f->pv[f->n_p - 2];
  *mv = f->pv[f->n_p - 1];
  int y = nn_graph_add (f->g, NN_OP_BATCHNORM, in, 5);
  NnNode *n = nn_graph_node (f->g, y);
  n->fp[0] = 0.9f;
  n->fp[1] = 1e-3f;
  n->ip[0] = frozen;
  return y;
}

/* The pooling, resampling, normalization, dropout and augmentation tests
 * (test-conv-norm.c), registered by test-conv.c's main. */
void test_conv_norm_add_tests (void);
