/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convnet ops: forward against direct reference loops, backward against
 * central differences (nn_graph_check_grad), for every op and for strides,
 * padding, dilation, depth multipliers, fused ReLU, chunked im2col, batch
 * norm in training and inference mode, and spatial dropout. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"
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

static void
test_loss_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 2 * (int) nn_in (g, n, 0)->size;
}

static void
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

static void
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
static const NnOpInfo *const *
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

static void
fixture_init (Fixture *f)
{
  memset (f, 0, sizeof *f);
  loss_scale = 1.0;
  f->g = nn_graph_new ();
  f->g->ops = test_ops ();
  nn_rng_seed (&f->rng, 42);
}

static void
fixture_clear (Fixture *f)
{
  for (int i = 0; i < f->n_p; i++)
    {
      g_free (f->pv[i]);
      g_free (f->pg[i]);
    }
  nn_graph_free (f->g);
}

static void
fill_uniform (NnRng *r, float *v, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * nn_rng_uniform (r);
}

/* A parameter with random values in [lo, hi) and its own gradient. */
static int
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

static int
add_image (Fixture *f, int h, int w, int c)
{
  int shape[] = { h, w, c };
  f->x = nn_graph_add_input (f->g, 3, shape, 1);
  nn_graph_node (f->g, f->x)->needs_grad = 1;
  return f->x;
}

/* Adds the loss on y, allocates, fills x with values in [lo, hi). */
static void
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
static void
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

static void
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

static void
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
static gboolean
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

/* ---- output-size arithmetic -------------------------------------------- */

static void
test_out_size (void)
{
  int pad = -1;
  g_assert_cmpint (nn_conv_out_size (28, 3, 1, 1, 0, &pad), ==, 26);
  g_assert_cmpint (pad, ==, 0);
  g_assert_cmpint (nn_conv_out_size (28, 3, 1, 1, 1, &pad), ==, 28);
  g_assert_cmpint (pad, ==, 1);
  g_assert_cmpint (nn_conv_out_size (28, 3, 2, 1, 1, &pad), ==, 14);
  g_assert_cmpint (pad, ==, 0);       /* total 1: the extra row goes after */
  g_assert_cmpint (nn_conv_out_size (7, 3, 1, 2, 0, &pad), ==, 3);   /* extent 5 */
  g_assert_cmpint (nn_conv_out_size (26, 2, 2, 1, 0, &pad), ==, 13);
  g_assert_cmpint (nn_conv_out_size (5, 2, 2, 1, 0, &pad), ==, 2);
  g_assert_cmpint (nn_conv_out_size (3, 5, 1, 1, 0, &pad), <=, 0);   /* too large */
  g_assert_cmpint (nn_conv_out_size (5, 4, 1, 1, 1, &pad), ==, 5);
  g_assert_cmpint (pad, ==, 1);       /* total 3: 1 before, 2 after */
  g_assert_cmpint (nn_conv_transpose_out_size (7, 3, 2, 1, 1, &pad), ==, 14);
  g_assert_cmpint (pad, ==, 0);
  g_assert_cmpint (nn_conv_transpose_out_size (7, 3, 2, 1, 0, &pad), ==, 15);
  g_assert_cmpint (nn_conv_transpose_out_size (4, 1, 2, 1, 0, &pad), ==, 8);
  g_assert_cmpint (nn_conv_transpose_out_size (4, 4, 1, 1, 1, &pad), ==, 4);
  g_assert_cmpint (pad, ==, 1);
}

/* ---- Conv2D ------------------------------------------------------------ */

typedef struct {
  const char *name;
  int batch, h, w, cin, kh, kw, cout, sh, sw, dh, dw, same, bias, relu;
  size_t chunk_floats;  /* 0: default; small values force several chunks */
} ConvCase;

static const ConvCase conv_cases[] = {
  { "valid 3x3",            2, 7, 6, 3, 3, 3, 4, 1, 1, 1, 1, 0, 1, 0, 0 },
  { "same 3x3",             2, 6, 5, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0 },
  { "same stride 2",        2, 7, 8, 3, 3, 3, 2, 2, 2, 1, 1, 1, 0, 0, 0 },
  { "valid stride 2x1",     1, 9, 7, 2, 3, 2, 3, 2, 1, 1, 1, 0, 1, 0, 0 },
  { "dilation 2",           2, 9, 9, 2, 3, 3, 3, 1, 1, 2, 2, 0, 1, 0, 0 },
  { "same dilation 2x3",    1, 8, 9, 2, 3, 3, 2, 1, 1, 2, 3, 1, 1, 0, 0 },
  { "same even kernel",     2, 5, 6, 2, 4, 2, 3, 1, 1, 1, 1, 1, 1, 0, 0 },
  { "pointwise 1x1",        2, 4, 5, 6, 1, 1, 5, 1, 1, 1, 1, 0, 1, 0, 0 },
  { "1x1 stride 2",         2, 5, 5, 3, 1, 1, 4, 2, 2, 1, 1, 0, 0, 0, 0 },
  { "fused relu",           2, 5, 5, 3, 3, 3, 4, 1, 1, 1, 1, 0, 1, 1, 0 },
  { "chunked rows",         3, 6, 7, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 0, 40 },
  { "chunked relu stride",  3, 8, 8, 3, 3, 3, 4, 2, 2, 1, 1, 1, 0, 1, 50 },
  { "chunked pointwise",    3, 4, 4, 8, 1, 1, 2, 1, 1, 1, 1, 0, 0, 1, 30 },
  /* 3x3, stride 1, 64+ channels: Winograd F(2x2, 3x3); odd output sizes
   * leave part of the last tiles outside */
  { "winograd valid",       1, 8, 9, 64, 3, 3, 5, 1, 1, 1, 1, 0, 1, 0, 0 },
  { "winograd same",        1, 7, 6, 64, 3, 3, 4, 1, 1, 1, 1, 1, 0, 0, 0 },
  { "winograd chunks",      1, 12, 11, 64, 3, 3, 8, 1, 1, 1, 1, 1, 1, 0, 1000 },
  /* 8+ channels: the direct kernel (nn-conv-direct.c), forward and, with
   * stride 1, input gradient; output widths not a multiple of its 16
   * columns, row counts not a multiple of its 6 rows */
  { "direct valid chunks",  2, 7, 6, 16, 3, 3, 20, 1, 1, 1, 1, 0, 1, 0, 400 },
  { "direct same relu",     1, 4, 5, 9, 3, 3, 8, 1, 1, 1, 1, 1, 1, 1, 0 },
  { "direct same stride 2", 2, 7, 8, 16, 3, 3, 17, 2, 2, 1, 1, 1, 0, 0, 0 },
  { "direct dilation 2",    1, 9, 9, 16, 3, 3, 12, 1, 1, 2, 2, 1, 1, 0, 0 },
  { "direct valid dilated", 2, 9, 7, 16, 3, 2, 8, 2, 1, 2, 1, 0, 1, 0, 0 },
  { "direct even kernel",   2, 5, 6, 10, 4, 2, 9, 1, 1, 1, 1, 1, 1, 0, 0 },
  { "direct 5x5 chunks",    3, 8, 7, 8, 5, 5, 16, 1, 1, 1, 1, 1, 1, 0, 400 },
  /* a one-channel first layer: the input gradient on the one-column
   * kernel (runs of 32 and 12 floats: a tail past the eight-float steps) */
  { "one channel same",     2, 9, 8, 1, 3, 3, 32, 1, 1, 1, 1, 1, 1, 0, 0 },
  { "one channel 12 out",   1, 7, 9, 1, 3, 3, 12, 1, 1, 1, 1, 1, 1, 0, 0 },
};

/* The direct-kernel flags case c is meant to get: the forward pass with 8+
 * channels; the input gradient as windows over dz where that adds little
 * work (stride 1, output about as large as the input), else added back as
 * computed. */
static int
expected_direct (const ConvCase *c)
{
  int taps = c->kh * c->kw;
  /* 1x1 stride 1 reads x as it is; short rows have their own loops */
  int oh = nn_conv_out_size (c->h, c->kh, c->sh, c->dh, c->same, NULL);
  int ow = nn_conv_out_size (c->w, c->kw, c->sw, c->dw, c->same, NULL);
  /* a one-channel image's gradient with short rows: the one-column kernel */
  if (c->cin == 1 && taps > 1 && taps <= 32 && c->sh == 1 && c->sw == 1 && c->cout >= 8
      && taps <= NN_DIRECT_MAX_TAPS && 10 * c->h * c->w <= 11 * oh * ow)
    return NN_DIRECT_DX;
  if ((taps == 1 && c->sh == 1 && c->sw == 1 && !c->same) || taps * c->cin <= 32)
    return 0;
  int flags = 0;
  if (c->cin >= 8 && taps <= NN_DIRECT_MAX_TAPS)
    flags |= NN_DIRECT_FORWARD;
  if (c->sh == 1 && c->sw == 1 && c->cout >= 8 && taps <= NN_DIRECT_MAX_TAPS
      && 10 * c->h * c->w <= 11 * oh * ow)
    flags |= NN_DIRECT_DX;
  else if (c->cout >= 8)
    flags |= NN_DIRECT_DX_SCATTER;
  /* the kernel gradient: 16 floats at a time, from x's windows where every
   * tap is inside and a kernel row is whole 16s */
  int pt, pl;
  nn_conv_out_size (c->h, c->kh, c->sh, c->dh, c->same, &pt);
  nn_conv_out_size (c->w, c->kw, c->sw, c->dw, c->same, &pl);
  if (c->kh * c->kw * c->cin % 16 == 0)
    flags |= pt == 0 && pl == 0 && c->dw == 1 && c->kw * c->cin % 16 == 0 ? NN_DIRECT_DW_WINDOWS
                                                                           : NN_DIRECT_DW;
  return flags;
}

/* Direct convolution in double, before the activation. */
static double *
ref_conv (const ConvCase *c, const float *x, const float *w, const float *b, int oh, int ow,
          int pt, int pl)
{
  double *y = g_new0 (double, (size_t) c->batch * oh * ow * c->cout);
  for (int n = 0; n < c->batch; n++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++)
        for (int o = 0; o < c->cout; o++)
          {
            double s = b ? b[o] : 0.0;
            for (int u = 0; u < c->kh; u++)
              for (int v = 0; v < c->kw; v++)
                {
                  int h = i * c->sh - pt + u * c->dh, ww = j * c->sw - pl + v * c->dw;
                  if (h < 0 || h >= c->h || ww < 0 || ww >= c->w)
                    continue;
                  for (int ci = 0; ci < c->cin; ci++)
                    s += (double) x[((n * c->h + h) * c->w + ww) * c->cin + ci]
                         * w[((u * c->kw + v) * c->cin + ci) * c->cout + o];
                }
            y[((n * oh + i) * ow + j) * c->cout + o] = s;
          }
  return y;
}

static void
test_conv2d (void)
{
  for (guint t = 0; t < G_N_ELEMENTS (conv_cases); t++)
    {
      const ConvCase *c = &conv_cases[t];
      Fixture f;
      fixture_init (&f);
      /* Winograd's transforms round relative to the largest gradient of a
       * kernel (64 channels: large sums); a smaller loss scale keeps that
       * absolute rounding under the check's 1e-2 floor */
      if (g_str_has_prefix (c->name, "winograd"))
        loss_scale = 0.25;
      nn_conv_set_chunk_floats (c->chunk_floats);
      add_image (&f, c->h, c->w, c->cin);
      int wshape[] = { c->kh, c->kw, c->cin, c->cout }, bshape[] = { c->cout };
      int in[3] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, TRUE), -1 };
      if (c->bias)
        in[2] = add_param (&f, 1, bshape, -0.05f, 0.05f, TRUE);
      int y = nn_graph_add (f.g, NN_OP_CONV2D, in, c->bias ? 3 : 2);
      NnNode *n = nn_graph_node (f.g, y);
      n->ip[NN_CONV_STRIDE_H] = c->sh;
      n->ip[NN_CONV_STRIDE_W] = c->sw;
      n->ip[NN_CONV_DIL_H] = c->dh;
      n->ip[NN_CONV_DIL_W] = c->dw;
      n->ip[NN_CONV_SAME] = c->same;
      n->ip[NN_CONV_HAS_BIAS] = c->bias;
      n->ip[NN_CONV_ACT] = c->relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
      finish (&f, y, c->batch, -X_RANGE, X_RANGE);
      n = nn_graph_node (f.g, y);
      int pt, pl;
      int oh = nn_conv_out_size (c->h, c->kh, c->sh, c->dh, c->same, &pt);
      int ow = nn_conv_out_size (c->w, c->kw, c->sw, c->dw, c->same, &pl);
      g_assert_cmpint (n->shape[0], ==, c->batch);
      g_assert_cmpint (n->shape[1], ==, oh);
      g_assert_cmpint (n->shape[2], ==, ow);
      g_assert_cmpint (n->shape[3], ==, c->cout);
      /* the Winograd cases are meant to take that path */
      g_assert_cmpint (nn_winograd_applies (nn_graph_node (f.g, f.x), nn_graph_node (f.g, in[1]),
                                            n, n->ip),
                       ==, g_str_has_prefix (c->name, "winograd"));
      /* the direct cases are meant to take that path, the others not (a
       * one-channel image's gradient has the one-column kernel) */
      int direct = g_str_has_prefix (c->name, "direct");
      int one = g_str_has_prefix (c->name, "one channel");
      g_assert_cmpint (!!(n->ip[NN_CONV_DIRECT] & NN_DIRECT_FORWARD), ==, direct);
      g_assert_cmpint (n->ip[NN_CONV_DIRECT], ==, direct || one ? expected_direct (c) : 0);
      if (c->chunk_floats && !g_str_has_prefix (c->name, "winograd"))
        /* the case is meant to run several chunks */
        g_assert_cmpuint (nn_conv_chunk_rows ((size_t) (c->kh * c->kw * c->cin),
                                              (size_t) (c->batch * oh * ow)),
                          <, (size_t) (c->batch * oh * ow));
      if (c->chunk_floats && g_str_has_prefix (c->name, "winograd"))
        /* 16 x (2 x 64 + 8) floats a tile: 16 tiles a chunk, 36 tiles */
        g_assert_cmpuint (nn_conv_chunk_floats () * 6 / (16 * (2 * 64 + 8)), <=, 16);
      NnNode *x = nn_graph_node (f.g, f.x);
      g_autofree double *ref = NULL;
      for (int draw = 0;; draw++)
        {
          g_assert_cmpint (draw, <, MAX_DRAWS);
          ref = ref_conv (c, x->value, f.pv[0], c->bias ? f.pv[1] : NULL, oh, ow, pt, pl);
          if (!c->relu || relu_away_from_kink (ref, n->size, EPS_KINK, 0.5, X_RANGE, c->bias))
            break;
          g_clear_pointer (&ref, g_free);
          fill_uniform (&f.rng, x->value, x->size, -X_RANGE, X_RANGE);
        }
      nn_graph_forward (f.g);
      assert_close (n->value, ref, n->size, c->name);
      check_grads (&f, c->relu ? EPS_KINK : EPS_LINEAR, c->name);
      nn_conv_set_chunk_floats (0);
      fixture_clear (&f);
    }
}

/* One forward and backward pass of case c under the current switches:
 * copies of the output and of the input, kernel and bias gradients.
 * Returns the node's direct-kernel flags. */
static int
conv_results (const ConvCase *c, float *res[4], size_t sizes[4])
{
  Fixture f;
  fixture_init (&f);
  add_image (&f, c->h, c->w, c->cin);
  int wshape[] = { c->kh, c->kw, c->cin, c->cout }, bshape[] = { c->cout };
  int in[3] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, TRUE),
                add_param (&f, 1, bshape, -0.05f, 0.05f, TRUE) };
  int y = nn_graph_add (f.g, NN_OP_CONV2D, in, 3);
  NnNode *n = nn_graph_node (f.g, y);
  n->ip[NN_CONV_STRIDE_H] = c->sh;
  n->ip[NN_CONV_STRIDE_W] = c->sw;
  n->ip[NN_CONV_DIL_H] = c->dh;
  n->ip[NN_CONV_DIL_W] = c->dw;
  n->ip[NN_CONV_SAME] = c->same;
  n->ip[NN_CONV_HAS_BIAS] = 1;
  n->ip[NN_CONV_ACT] = c->relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
  finish (&f, y, c->batch, -1.0f, 1.0f);
  n = nn_graph_node (f.g, y);
  nn_graph_forward (f.g);
  memset (f.pg[0], 0, nn_graph_node (f.g, in[1])->size * sizeof (float));
  memset (f.pg[1], 0, (size_t) c->cout * sizeof (float));
  nn_graph_backward (f.g, f.loss);
  NnNode *x = nn_graph_node (f.g, f.x);
  const float *src[4] = { n->value, x->grad, f.pg[0], f.pg[1] };
  size_t len[4] = { n->size, x->size, nn_graph_node (f.g, in[1])->size, (size_t) c->cout };
  for (int k = 0; k < 4; k++)
    {
      res[k] = g_memdup2 (src[k], len[k] * sizeof (float));
      sizes[k] = len[k];
    }
  int flags = n->ip[NN_CONV_DIRECT];
  fixture_clear (&f);
  return flags;
}

/* Two ways of computing case c agree to float rounding (relative to the
 * largest value); frees the results. */
static void
assert_same_results (const char *how, const char *name, float *res[2][4], const size_t sizes[4])
{
  static const char *const what[] = { "output", "d/dx", "d/dkernel", "d/dbias" };
  for (int k = 0; k < 4; k++)
    {
      double scale = 0, diff = 0;
      for (size_t i = 0; i < sizes[k]; i++)
        {
          scale = fmax (scale, fabs (res[0][k][i]));
          diff = fmax (diff, fabs (res[0][k][i] - res[1][k][i]));
        }
      g_test_message ("%s %s %s: max difference %.2e of %.2e", how, name, what[k], diff,
                      scale);
      g_assert_cmpfloat (scale, >, 0);
      g_assert_cmpfloat (diff, <=, 1e-5 * scale);
      g_free (res[0][k]);
      g_free (res[1][k]);
    }
}

/* Winograd and im2col compute the same convolution: outputs and every
 * gradient agree. */
static void
test_winograd_matches_im2col (void)
{
  static const ConvCase cases[] = {
    { "valid",      3, 11, 13, 64, 3, 3, 24, 1, 1, 1, 1, 0, 1, 1, 0 },
    { "same",       2, 9, 8, 96, 3, 3, 16, 1, 1, 1, 1, 1, 1, 0, 0 },
    { "same chunks", 4, 26, 20, 64, 3, 3, 8, 1, 1, 1, 1, 1, 0, 1, 0 },
  };
  nn_conv_set_direct (0);
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      float *res[2][4] = { { NULL } };
      size_t sizes[4] = { 0 };
      for (int wino = 0; wino < 2; wino++)
        {
          nn_conv_set_winograd (wino);
          conv_results (&cases[t], res[wino], sizes);
        }
      nn_conv_set_winograd (1);
      assert_same_results ("winograd", cases[t].name, res, sizes);
    }
  nn_conv_set_direct (1);
}

/* The direct kernel and im2col + sgemm compute the same convolution, on
 * the classic convnet's shapes and on padded, strided and dilated ones. */
static void
test_direct_matches_im2col (void)
{
  static const ConvCase cases[] = {
    { "classic conv2",   8, 13, 13, 32, 3, 3, 64, 1, 1, 1, 1, 0, 1, 1, 0 },
    { "classic conv3",   8, 5, 5, 64, 3, 3, 64, 1, 1, 1, 1, 0, 1, 1, 0 },
    { "same 5x5",        3, 12, 9, 16, 5, 5, 40, 1, 1, 1, 1, 1, 1, 0, 0 },
    { "same stride 2",   3, 15, 14, 24, 3, 3, 32, 2, 2, 1, 1, 1, 1, 1, 0 },
    { "dilated 3x2",     2, 14, 16, 12, 3, 3, 20, 1, 1, 3, 2, 1, 1, 0, 0 },
    { "valid 1x7",       2, 6, 20, 32, 1, 7, 16, 1, 1, 1, 1, 0, 1, 0, 0 },
    { "valid stride 2 dilated", 3, 15, 14, 16, 3, 3, 24, 2, 2, 2, 1, 0, 1, 1, 0 },
    { "1x1 stride 2",    2, 9, 9, 16, 1, 1, 24, 2, 2, 1, 1, 0, 1, 1, 0 },
    /* 64 taps, the most the direct forward takes; 81: im2col forward,
     * the gradients still direct */
    { "8x8 same",        1, 10, 10, 8, 8, 8, 16, 1, 1, 1, 1, 1, 1, 0, 0 },
    { "9x9 valid",       2, 12, 11, 8, 9, 9, 16, 1, 1, 1, 1, 0, 1, 0, 0 },
    /* 4 input channels: im2col forward, direct gradients */
    { "4 channels 5x5",  2, 9, 9, 4, 5, 5, 16, 1, 1, 1, 1, 1, 1, 1, 0 },
    { "chunks",          6, 18, 17, 32, 3, 3, 48, 1, 1, 1, 1, 1, 1, 1, 3000 },
    /* DeepDream's first layer: a one-channel image's gradient */
    { "one channel valid", 1, 64, 60, 1, 3, 3, 32, 1, 1, 1, 1, 0, 1, 1, 0 },
    { "one channel 5x5",   2, 11, 13, 1, 5, 5, 16, 1, 1, 1, 1, 1, 1, 0, 0 },
  };
  nn_conv_set_winograd (0);
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      float *res[2][4] = { { NULL } };
      size_t sizes[4] = { 0 };
      nn_conv_set_chunk_floats (cases[t].chunk_floats);
      for (int direct = 0; direct < 2; direct++)
        {
          nn_conv_set_direct (direct);
          int flags = conv_results (&cases[t], res[direct], sizes);
          g_assert_cmpint (flags, ==, direct ? expected_direct (&cases[t]) : 0);
        }
      nn_conv_set_chunk_floats (0);
      assert_same_results ("direct", cases[t].name, res, sizes);
    }
  nn_conv_set_winograd (1);
}

/* The input gradient of a graph of 1 or 2 images with a frozen kernel and
 * no bias (DeepDream's: split by rows of dx over the threads, ReLU mask
 * first), on 16 channels and on one (the one-column kernel), against
 * im2col + col2im; without the ReLU (whose kinks a finite step may cross)
 * the gradient is also checked by finite differences. */
static void
test_direct_split_rows (void)
{
  static const struct { int batch, h, w, cin, cout, relu, same; } cases[] = {
    { 1, 21, 19, 16, 24, 1, 1 }, { 2, 12, 14, 16, 16, 0, 1 }, { 1, 64, 60, 1, 32, 1, 0 },
    { 1, 9, 11, 1, 8, 0, 1 },
  };
  nn_conv_set_winograd (0);
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      float *dx[2] = { NULL, NULL };
      size_t size = 0;
      for (int direct = 0; direct < 2; direct++)
        {
          nn_conv_set_direct (direct);
          Fixture f;
          fixture_init (&f);
          add_image (&f, cases[t].h, cases[t].w, cases[t].cin);
          int wshape[] = { 3, 3, cases[t].cin, cases[t].cout };
          int in[] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, FALSE) };
          int y = nn_graph_add (f.g, NN_OP_CONV2D, in, 2);
          NnNode *n = nn_graph_node (f.g, y);
          n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
          n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
          n->ip[NN_CONV_ACT] = cases[t].relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
          n->ip[NN_CONV_SAME] = cases[t].same;
          finish (&f, y, cases[t].batch, -1.0f, 1.0f);
          n = nn_graph_node (f.g, y);
          g_assert_cmpint (n->ip[NN_CONV_DIRECT] & NN_DIRECT_DX, ==, direct ? NN_DIRECT_DX : 0);
          nn_graph_forward (f.g);
          nn_graph_backward (f.g, f.loss);
          NnNode *x = nn_graph_node (f.g, f.x);
          dx[direct] = g_memdup2 (x->grad, x->size * sizeof (float));
          size = x->size;
          if (direct && !cases[t].relu)
            {
              double e = test_check_grad (f.g, f.loss, f.x, EPS_LINEAR, 400);
              g_assert_cmpfloat (e, <, GRAD_TOL);
            }
          fixture_clear (&f);
        }
      double top = 0, worst = 0;
      for (size_t i = 0; i < size; i++)
        {
          top = fmax (top, fabs (dx[0][i]));
          worst = fmax (worst, fabs (dx[0][i] - dx[1][i]));
        }
      g_test_message ("case %u: largest dx %.4g, largest difference %.3g", t, top, worst);
      g_assert_cmpfloat (top, >, 0);
      g_assert_cmpfloat (worst, <, 1e-5 * top);
      g_free (dx[0]);
      g_free (dx[1]);
    }
  nn_conv_set_direct (1);
  nn_conv_set_winograd (1);
}

/* Batch 1 and a smaller batch than allocated give the same rows as the
 * full batch (the scratch is sized once, for the largest batch). */
static void
test_conv2d_batch_change (void)
{
  Fixture f;
  fixture_init (&f);
  add_image (&f, 6, 6, 2);
  int wshape[] = { 3, 3, 2, 3 };
  int in[] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, TRUE) };
  int y = nn_graph_add (f.g, NN_OP_CONV2D, in, 2);
  NnNode *n = nn_graph_node (f.g, y);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
  n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
  n->ip[NN_CONV_SAME] = 1;
  finish (&f, y, 4, -X_RANGE, X_RANGE);
  nn_graph_forward (f.g);
  n = nn_graph_node (f.g, y);
  size_t per = n->size / 4;
  g_autofree float *full = g_memdup2 (n->value, n->size * sizeof (float));
  nn_graph_set_batch (f.g, 1);
  n = nn_graph_node (f.g, y);
  g_assert_cmpint (n->shape[0], ==, 1);
  g_assert_cmpuint (n->size, ==, per);
  nn_graph_forward (f.g);
  for (size_t i = 0; i < per; i++)
    g_assert_cmpfloat_with_epsilon (n->value[i], full[i], 1e-6);
  double e = test_check_grad (f.g, f.loss, f.p[0], EPS_LINEAR, 0);
  g_assert_cmpfloat (e, <, GRAD_TOL);
  fixture_clear (&f);
}

/* A frozen kernel (no grad) still passes the gradient to x, and a first
 * layer (x without grad) still gets its kernel gradient. */
static void
test_conv2d_partial_grads (void)
{
  for (int frozen = 0; frozen < 2; frozen++)
    {
      Fixture f;
      fixture_init (&f);
      add_image (&f, 6, 5, 2);
      if (frozen)
        nn_graph_node (f.g, f.x)->needs_grad = 1;
      else
        nn_graph_node (f.g, f.x)->needs_grad = 0;
      int wshape[] = { 3, 3, 2, 3 }, bshape[] = { 3 };
      int in[3];
      in[0] = f.x;
      in[1] = add_param (&f, 4, wshape, -0.5f, 0.5f, !frozen);
      in[2] = add_param (&f, 1, bshape, -0.5f, 0.5f, TRUE);
      int y = nn_graph_add (f.g, NN_OP_CONV2D, in, 3);
      NnNode *n = nn_graph_node (f.g, y);
      n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
      n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
      n->ip[NN_CONV_HAS_BIAS] = 1;
      finish (&f, y, 2, -X_RANGE, X_RANGE);
      if (frozen)
        {
          g_assert_null (f.pg[0]);
          double e = test_check_grad (f.g, f.loss, f.x, EPS_LINEAR, 0);
          g_assert_cmpfloat (e, <, GRAD_TOL);
        }
      else
        {
          g_assert_null (nn_graph_node (f.g, f.x)->grad);
          double e = test_check_grad (f.g, f.loss, f.p[0], EPS_LINEAR, 0);
          g_assert_cmpfloat (e, <, GRAD_TOL);
        }
      double e = test_check_grad (f.g, f.loss, f.p[1], EPS_LINEAR, 0);
      g_assert_cmpfloat (e, <, GRAD_TOL);
      fixture_clear (&f);
    }
}

/* ---- DepthwiseConv2D --------------------------------------------------- */

typedef struct {
  const char *name;
  int batch, h, w, c, kh, kw, mult, s, d, same, bias, relu;
} DepthwiseCase;

static double *
ref_depthwise (const DepthwiseCase *q, const float *x, const float *w, const float *bias,
               int oh, int ow, int pt, int pl)
{
  int H = q->h, W = q->w, C = q->c, M = q->mult;
  double *ref = g_new0 (double, (size_t) q->batch * oh * ow * C * M);
  for (int b = 0; b < q->batch; b++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++)
        for (int c = 0; c < C; c++)
          for (int m = 0; m < M; m++)
            {
              double s = bias ? bias[c * M + m] : 0.0;
              for (int u = 0; u < q->kh; u++)
                for (int v = 0; v < q->kw; v++)
                  {
                    int h = i * q->s - pt + u * q->d, ww = j * q->s - pl + v * q->d;
                    if (h >= 0 && h < H && ww >= 0 && ww < W)
                      s += (double) x[((b * H + h) * W + ww) * C + c]
                           * w[((u * q->kw + v) * C + c) * M + m];
                  }
              ref[((b * oh + i) * ow + j) * C * M + c * M + m] = s;
            }
  return ref;
}

static void
test_depthwise (void)
{
  static const DepthwiseCase cases[] = {
    { "depthwise valid",        2, 6, 7, 3, 3, 3, 1, 1, 1, 0, 1, 0 },
    { "depthwise same s2",      2, 7, 6, 4, 3, 3, 1, 2, 1, 1, 1, 0 },
    { "depthwise multiplier 2", 2, 5, 5, 3, 3, 2, 2, 1, 1, 1, 0, 0 },
    { "depthwise dilation 2",   1, 8, 8, 2, 3, 3, 1, 1, 2, 0, 1, 0 },
    { "depthwise relu",         1, 4, 4, 3, 3, 3, 2, 1, 1, 0, 1, 1 },
  };
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      const DepthwiseCase *q = &cases[t];
      Fixture f;
      fixture_init (&f);
      add_image (&f, q->h, q->w, q->c);
      int cm = q->c * q->mult;
      int wshape[] = { q->kh, q->kw, q->c, q->mult }, bshape[] = { cm };
      int in[3] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, TRUE), -1 };
      if (q->bias)
        in[2] = add_param (&f, 1, bshape, -0.05f, 0.05f, TRUE);
      int y = nn_graph_add (f.g, NN_OP_DEPTHWISE_CONV2D, in, q->bias ? 3 : 2);
      NnNode *n = nn_graph_node (f.g, y);
      n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = q->s;
      n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = q->d;
      n->ip[NN_CONV_SAME] = q->same;
      n->ip[NN_CONV_HAS_BIAS] = q->bias;
      n->ip[NN_CONV_ACT] = q->relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
      finish (&f, y, q->batch, -X_RANGE, X_RANGE);
      n = nn_graph_node (f.g, y);
      NnNode *x = nn_graph_node (f.g, f.x);
      int pt, pl;
      int oh = nn_conv_out_size (q->h, q->kh, q->s, q->d, q->same, &pt);
      int ow = nn_conv_out_size (q->w, q->kw, q->s, q->d, q->same, &pl);
      g_assert_cmpint (n->shape[1], ==, oh);
      g_assert_cmpint (n->shape[2], ==, ow);
      g_assert_cmpint (n->shape[3], ==, cm);
      g_autofree double *ref = NULL;
      for (int draw = 0;; draw++)
        {
          g_assert_cmpint (draw, <, MAX_DRAWS);
          ref = ref_depthwise (q, x->value, f.pv[0], q->bias ? f.pv[1] : NULL, oh, ow, pt, pl);
          if (!q->relu || relu_away_from_kink (ref, n->size, EPS_KINK, 0.5, X_RANGE, q->bias))
            break;
          g_clear_pointer (&ref, g_free);
          fill_uniform (&f.rng, x->value, x->size, -X_RANGE, X_RANGE);
        }
      nn_graph_forward (f.g);
      assert_close (n->value, ref, n->size, q->name);
      check_grads (&f, q->relu ? EPS_KINK : EPS_LINEAR, q->name);
      fixture_clear (&f);
    }
}

/* ---- Conv2DTranspose --------------------------------------------------- */

typedef struct {
  const char *name;
  int batch, h, w, cin, k, cout, s, d, same, bias, relu;
  size_t chunk;
} TransposeCase;

/* Reference by definition: every input pixel scatters kernel * value. */
static double *
ref_transpose (const TransposeCase *q, const float *x, const float *w, const float *bias,
               int oh, int ow, int pt, int pl)
{
  int K = q->k, Co = q->cout, Ci = q->cin, H = q->h, W = q->w;
  size_t size = (size_t) q->batch * oh * ow * Co;
  double *ref = g_new0 (double, size);
  for (int b = 0; b < q->batch; b++)
    for (int i = 0; i < H; i++)
      for (int j = 0; j < W; j++)
        for (int u = 0; u < K; u++)
          for (int v = 0; v < K; v++)
            {
              int h = i * q->s - pt + u * q->d, ww = j * q->s - pl + v * q->d;
              if (h < 0 || h >= oh || ww < 0 || ww >= ow)
                continue;
              for (int o = 0; o < Co; o++)
                for (int ci = 0; ci < Ci; ci++)
                  ref[((b * oh + h) * ow + ww) * Co + o]
                    += (double) x[((b * H + i) * W + j) * Ci + ci]
                       * w[((u * K + v) * Co + o) * Ci + ci];
            }
  if (bias)
    for (size_t i = 0; i < size; i++)
      ref[i] += bias[i % (size_t) Co];
  return ref;
}

/* Case q's transpose op on a fresh fixture f (image, kernel, bias),
 * allocated and filled: its node. */
static int
transpose_graph (Fixture *f, const TransposeCase *q)
{
  fixture_init (f);
  add_image (f, q->h, q->w, q->cin);
  int wshape[] = { q->k, q->k, q->cout, q->cin }, bshape[] = { q->cout };
  int in[3] = { f->x, add_param (f, 4, wshape, -0.5f, 0.5f, TRUE), -1 };
  if (q->bias)
    in[2] = add_param (f, 1, bshape, -0.05f, 0.05f, TRUE);
  int y = nn_graph_add (f->g, NN_OP_CONV2D_TRANSPOSE, in, q->bias ? 3 : 2);
  NnNode *n = nn_graph_node (f->g, y);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = q->s;
  n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = q->d;
  n->ip[NN_CONV_SAME] = q->same;
  n->ip[NN_CONV_HAS_BIAS] = q->bias;
  n->ip[NN_CONV_ACT] = q->relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
  finish (f, y, q->batch, -X_RANGE, X_RANGE);
  return y;
}

/* Against the definition, and the gradient check. The "gather" cases (8+
 * input, 16+ output channels) take the gather form of the forward, the
 * others the scatter form (col2im). */
static void
test_conv_transpose (void)
{
  static const TransposeCase cases[] = {
    { "transpose valid s1", 2, 4, 5, 3, 3, 2, 1, 1, 0, 1, 0, 0 },
    { "transpose same s2",  2, 4, 3, 2, 3, 3, 2, 1, 1, 1, 0, 0 },
    { "transpose valid s2", 1, 3, 4, 2, 4, 2, 2, 1, 0, 0, 0, 0 },
    { "transpose k1 s2",    2, 3, 3, 2, 1, 2, 2, 1, 0, 1, 0, 0 },
    { "transpose dilated",  1, 4, 4, 2, 3, 2, 1, 2, 0, 1, 0, 0 },
    { "transpose relu",     1, 2, 2, 2, 3, 2, 2, 1, 1, 1, 1, 0 },
    { "transpose chunked",  3, 5, 4, 2, 3, 2, 2, 1, 1, 1, 0, 40 },
    { "gather same s2",     2, 5, 4, 8, 3, 16, 2, 1, 1, 1, 0, 0 },
    { "gather valid s3 k4",  1, 3, 2, 8, 4, 16, 3, 1, 0, 1, 0, 0 },
    { "gather dilated s2",  1, 5, 3, 8, 3, 16, 2, 2, 1, 0, 0, 0 },
    { "gather k1 s3 chunked", 3, 4, 5, 8, 1, 17, 3, 1, 0, 1, 0, 40 },
  };
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      const TransposeCase *q = &cases[t];
      Fixture f;
      nn_conv_set_chunk_floats (q->chunk);
      int y = transpose_graph (&f, q);
      NnNode *n = nn_graph_node (f.g, y);
      NnNode *x = nn_graph_node (f.g, f.x);
      g_assert_cmpint (n->ip[NN_CONV_GATHER], ==, g_str_has_prefix (q->name, "gather"));
      int pt, pl;
      int oh = nn_conv_transpose_out_size (q->h, q->k, q->s, q->d, q->same, &pt);
      int ow = nn_conv_transpose_out_size (q->w, q->k, q->s, q->d, q->same, &pl);
      g_assert_cmpint (n->shape[1], ==, oh);
      g_assert_cmpint (n->shape[2], ==, ow);
      g_assert_cmpint (n->shape[3], ==, q->cout);
      if (q->chunk)
        g_assert_cmpuint (nn_conv_chunk_rows ((size_t) (q->k * q->k * q->cout),
                                              (size_t) (q->batch * q->h * q->w)),
                          <, (size_t) (q->batch * q->h * q->w));
      g_autofree double *ref = NULL;
      for (int draw = 0;; draw++)
        {
          g_assert_cmpint (draw, <, MAX_DRAWS);
          ref = ref_transpose (q, x->value, f.pv[0], q->bias ? f.pv[1] : NULL, oh, ow, pt, pl);
          if (!q->relu || relu_away_from_kink (ref, n->size, EPS_KINK, 0.5, X_RANGE, q->bias))
            break;
          g_clear_pointer (&ref, g_free);
          fill_uniform (&f.rng, x->value, x->size, -X_RANGE, X_RANGE);
        }
      nn_graph_forward (f.g);
      assert_close (n->value, ref, n->size, q->name);
      check_grads (&f, q->relu ? EPS_KINK : EPS_LINEAR, q->name);
      nn_conv_set_chunk_floats (0);
      fixture_clear (&f);
    }
}

/* Case q's output and its gradients (x, kernel, bias), the forward in the
 * gather form or not. */
static void
transpose_results (const TransposeCase *q, int gather, float *res[4], size_t sizes[4])
{
  Fixture f;
  nn_conv_set_transpose_gather (gather);
  nn_conv_set_chunk_floats (q->chunk);
  int y = transpose_graph (&f, q);
  NnNode *n = nn_graph_node (f.g, y);
  g_assert_cmpint (n->ip[NN_CONV_GATHER], ==, gather);
  nn_graph_forward (f.g);
  nn_graph_backward (f.g, f.loss);
  NnNode *x = nn_graph_node (f.g, f.x);
  const float *src[4] = { n->value, x->grad, f.pg[0], f.pg[1] };
  size_t len[4] = { n->size, x->size, (size_t) (q->k * q->k * q->cout * q->cin),
                    (size_t) q->cout };
  for (int k = 0; k < 4; k++)
    {
      res[k] = g_memdup2 (src[k], len[k] * sizeof (float));
      sizes[k] = len[k];
    }
  nn_conv_set_chunk_floats (0);
  nn_conv_set_transpose_gather (1);
  fixture_clear (&f);
}

/* The gather form of the forward and the scatter form (col2im) compute the
 * same transposed convolution: outputs and every gradient agree, over
 * strides 1 to 3, both paddings, odd sizes, dilation, several blocks. */
static void
test_transpose_gather_matches_scatter (void)
{
  static const TransposeCase cases[] = {
    { "s2 same",         3, 7, 7, 16, 3, 32, 2, 1, 1, 1, 1, 0 },
    { "s2 valid odd",    2, 5, 3, 8, 3, 16, 2, 1, 0, 1, 0, 0 },
    { "s1 same",         2, 6, 5, 12, 3, 16, 1, 1, 1, 1, 1, 0 },
    { "s1 valid",        1, 5, 7, 8, 5, 24, 1, 1, 0, 1, 0, 0 },
    { "s3 same",         2, 4, 5, 8, 3, 16, 3, 1, 1, 1, 1, 0 },
    { "s3 valid k2",     2, 5, 4, 8, 2, 16, 3, 1, 0, 1, 0, 0 },
    { "s3 same k5",      1, 3, 3, 8, 5, 16, 3, 1, 1, 1, 0, 0 },
    { "s2 dilated",      2, 5, 6, 8, 3, 16, 2, 3, 0, 1, 1, 0 },
    { "s2 even k4",      2, 4, 4, 8, 4, 16, 2, 1, 1, 1, 0, 0 },
    { "s2 chunks",       4, 7, 5, 16, 3, 20, 2, 1, 1, 1, 1, 300 },
    /* one output channel (a decoder's image): the one-column kernel, runs
     * of 96, 48 and 36 floats (tails past its eight-float steps) */
    { "one channel s1 same", 3, 9, 8, 32, 3, 1, 1, 1, 1, 1, 0, 0 },
    { "one channel s2 relu", 2, 5, 6, 16, 3, 1, 2, 1, 1, 1, 1, 0 },
    { "one channel s1 valid", 1, 6, 7, 12, 3, 1, 1, 1, 0, 1, 0, 0 },
  };
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      float *res[2][4];
      size_t sizes[4];
      for (int gather = 0; gather < 2; gather++)
        transpose_results (&cases[t], gather, res[gather], sizes);
      assert_same_results ("transpose gather", cases[t].name, res, sizes);
    }
}

/* ---- pooling ----------------------------------------------------------- */

static void
test_pooling (void)
{
  static const struct {
    const char *name;
    NnOpType op;
    int batch, h, w, c, ph, pw, sh, sw, same;
  } cases[] = {
    { "max 2x2",          NN_OP_MAX_POOL2D, 2, 6, 6, 3, 2, 2, 2, 2, 0 },
    { "max 2x2 odd",      NN_OP_MAX_POOL2D, 2, 7, 5, 2, 2, 2, 2, 2, 0 },
    { "max 3x3 s2 same",  NN_OP_MAX_POOL2D, 2, 7, 6, 3, 3, 3, 2, 2, 1 },
    { "max 3x2 s1",       NN_OP_MAX_POOL2D, 1, 5, 6, 2, 3, 2, 1, 1, 0 },
    { "avg 2x2",          NN_OP_AVG_POOL2D, 2, 6, 6, 3, 2, 2, 2, 2, 0 },
    { "avg 3x3 s2 same",  NN_OP_AVG_POOL2D, 2, 7, 6, 3, 3, 3, 2, 2, 1 },
    { "avg 3x3 s1 same",  NN_OP_AVG_POOL2D, 1, 4, 5, 2, 3, 3, 1, 1, 1 },
  };
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      Fixture f;
      fixture_init (&f);
      add_image (&f, cases[t].h, cases[t].w, cases[t].c);
      int y = nn_graph_add (f.g, cases[t].op, &f.x, 1);
      NnNode *n = nn_graph_node (f.g, y);
      n->ip[NN_POOL_H] = cases[t].ph;
      n->ip[NN_POOL_W] = cases[t].pw;
      n->ip[NN_POOL_STRIDE_H] = cases[t].sh;
      n->ip[NN_POOL_STRIDE_W] = cases[t].sw;
      n->ip[NN_POOL_SAME] = cases[t].same;
      finish (&f, y, cases[t].batch, -X_RANGE, X_RANGE);
      NnNode *x = nn_graph_node (f.g, f.x);
      if (cases[t].op == NN_OP_MAX_POOL2D)
        fill_distinct (&f, x->value, x->size);
      nn_graph_forward (f.g);
      n = nn_graph_node (f.g, y);
      int pt, pl;
      int oh = nn_conv_out_size (cases[t].h, cases[t].ph, cases[t].sh, 1, cases[t].same, &pt);
      int ow = nn_conv_out_size (cases[t].w, cases[t].pw, cases[t].sw, 1, cases[t].same, &pl);
      g_assert_cmpint (n->shape[1], ==, oh);
      g_assert_cmpint (n->shape[2], ==, ow);
      int H = cases[t].h, W = cases[t].w, C = cases[t].c;
      g_autofree double *ref = g_new0 (double, n->size);
      for (int b = 0; b < cases[t].batch; b++)
        for (int i = 0; i < oh; i++)
          for (int j = 0; j < ow; j++)
            for (int c = 0; c < C; c++)
              {
                double best = -INFINITY, sum = 0;
                int count = 0;
                for (int u = 0; u < cases[t].ph; u++)
                  for (int v = 0; v < cases[t].pw; v++)
                    {
                      int h = i * cases[t].sh - pt + u, ww = j * cases[t].sw - pl + v;
                      if (h < 0 || h >= H || ww < 0 || ww >= W)
                        continue;
                      double val = x->value[((b * H + h) * W + ww) * C + c];
                      best = fmax (best, val);
                      sum += val;
                      count++;
                    }
                ref[((b * oh + i) * ow + j) * C + c]
                  = cases[t].op == NN_OP_MAX_POOL2D ? best : sum / count;
              }
      assert_close (n->value, ref, n->size, cases[t].name);
      check_grads (&f, EPS_KINK, cases[t].name);
      fixture_clear (&f);
    }
}

/* Max pooling stores no argmax (backward finds it again) and computes the
 * same maxima with or without a gradient to pass back. */
static void
test_max_pool_inference (void)
{
  float *out[2];
  for (int grad = 0; grad < 2; grad++)
    {
      Fixture f;
      fixture_init (&f);
      add_image (&f, 7, 6, 3);
      nn_graph_node (f.g, f.x)->needs_grad = grad;
      NnOpType ops[2] = { NN_OP_MAX_POOL2D, NN_OP_GLOBAL_MAX_POOL2D };
      int y[2];
      for (int k = 0; k < 2; k++)
        {
          y[k] = nn_graph_add (f.g, ops[k], &f.x, 1);
          NnNode *n = nn_graph_node (f.g, y[k]);
          n->ip[NN_POOL_H] = n->ip[NN_POOL_W] = 3;
          n->ip[NN_POOL_STRIDE_H] = n->ip[NN_POOL_STRIDE_W] = 2;
          n->ip[NN_POOL_SAME] = 1;
        }
      g_assert_true (nn_graph_alloc (f.g, 2));
      NnNode *x = nn_graph_node (f.g, f.x);
      fill_distinct (&f, x->value, x->size);
      nn_graph_forward (f.g);
      /* no argmax is stored: backward finds it again */
      g_assert_cmpuint (nn_graph_node (f.g, y[0])->aux_size, ==, 0);
      g_assert_cmpuint (nn_graph_node (f.g, y[1])->aux_size, <=, 3);
      NnNode *p = nn_graph_node (f.g, y[0]), *q = nn_graph_node (f.g, y[1]);
      out[grad] = g_new (float, p->size + q->size);
      memcpy (out[grad], p->value, p->size * sizeof (float));
      memcpy (out[grad] + p->size, q->value, q->size * sizeof (float));
      if (grad)
        g_assert_cmpmem (out[0], (p->size + q->size) * sizeof (float), out[1],
                         (p->size + q->size) * sizeof (float));
      fixture_clear (&f);
    }
  g_free (out[0]);
  g_free (out[1]);
}

static void
test_global_pooling (void)
{
  for (int max = 0; max < 2; max++)
    {
      Fixture f;
      fixture_init (&f);
      add_image (&f, 4, 3, 5);
      NnOpType op = max ? NN_OP_GLOBAL_MAX_POOL2D : NN_OP_GLOBAL_AVG_POOL2D;
      int y = nn_graph_add (f.g, op, &f.x, 1);
      finish (&f, y, 3, -1.0f, 1.0f);
      NnNode *x = nn_graph_node (f.g, f.x);
      fill_distinct (&f, x->value, x->size);
      nn_graph_forward (f.g);
      NnNode *n = nn_graph_node (f.g, y);
      g_assert_cmpint (n->ndim, ==, 2);
      g_assert_cmpint (n->shape[0], ==, 3);
      g_assert_cmpint (n->shape[1], ==, 5);
      double ref[15];
      for (int b = 0; b < 3; b++)
        for (int c = 0; c < 5; c++)
          {
            double best = -INFINITY, sum = 0;
            for (int p = 0; p < 12; p++)
              {
                double v = x->value[(b * 12 + p) * 5 + c];
                best = fmax (best, v);
                sum += v;
              }
            ref[b * 5 + c] = max ? best : sum / 12;
          }
      assert_close (n->value, ref, 15, max ? "global max" : "global avg");
      check_grads (&f, EPS_KINK, max ? "global max" : "global avg");
      fixture_clear (&f);
    }
}

/* ---- resampling -------------------------------------------------------- */

static void
test_upsample (void)
{
  Fixture f;
  fixture_init (&f);
  add_image (&f, 3, 2, 2);
  int y = nn_graph_add (f.g, NN_OP_UPSAMPLE2D, &f.x, 1);
  nn_graph_node (f.g, y)->ip[0] = 2;
  nn_graph_node (f.g, y)->ip[1] = 3;
  finish (&f, y, 2, -1.0f, 1.0f);
  nn_graph_forward (f.g);
  NnNode *n = nn_graph_node (f.g, y), *x = nn_graph_node (f.g, f.x);
  g_assert_cmpint (n->shape[1], ==, 6);
  g_assert_cmpint (n->shape[2], ==, 6);
  for (int b = 0; b < 2; b++)
    for (int h = 0; h < 6; h++)
      for (int w = 0; w < 6; w++)
        for (int c = 0; c < 2; c++)
          g_assert_cmpfloat (n->value[((b * 6 + h) * 6 + w) * 2 + c], ==,
                             x->value[((b * 3 + h / 2) * 2 + w / 3) * 2 + c]);
  check_grads (&f, EPS_LINEAR, "upsample");
  fixture_clear (&f);
}

static void
test_zero_pad (void)
{
  Fixture f;
  fixture_init (&f);
  add_image (&f, 3, 4, 2);
  int y = nn_graph_add (f.g, NN_OP_ZERO_PAD2D, &f.x, 1);
  NnNode *n = nn_graph_node (f.g, y);
  n->ip[0] = 1;   /* top */
  n->ip[1] = 2;   /* bottom */
  n->ip[2] = 0;   /* left */
  n->ip[3] = 3;   /* right */
  finish (&f, y, 2, 0.5f, 1.0f);
  nn_graph_forward (f.g);
  n = nn_graph_node (f.g, y);
  NnNode *x = nn_graph_node (f.g, f.x);
  g_assert_cmpint (n->shape[1], ==, 6);
  g_assert_cmpint (n->shape[2], ==, 7);
  for (int b = 0; b < 2; b++)
    for (int h = 0; h < 6; h++)
      for (int w = 0; w < 7; w++)
        for (int c = 0; c < 2; c++)
          {
            float v = n->value[((b * 6 + h) * 7 + w) * 2 + c];
            if (h >= 1 && h < 4 && w < 4)
              g_assert_cmpfloat (v, ==, x->value[((b * 3 + h - 1) * 4 + w) * 2 + c]);
            else
              g_assert_cmpfloat (v, ==, 0.0f);
          }
  check_grads (&f, EPS_LINEAR, "zero pad");
  fixture_clear (&f);
}

/* ---- batch normalization ----------------------------------------------- */

static int
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

/* h x w x 3 images, batch of b: 48 rows (one block of the sums), and 432
 * rows split into seven runs over the threads. */
static void
batchnorm_training_case (int h, int w, int batch)
{
  Fixture f;
  fixture_init (&f);
  loss_scale = 0.1 * sqrt (48.0 / (h * w * batch));
  f.g->training = 1;
  add_image (&f, h, w, 3);
  float *mm, *mv;
  int y = add_batchnorm (&f, f.x, 3, FALSE, &mm, &mv);
  finish (&f, y, batch, -1.0f, 3.0f);
  float mm0[3], mv0[3];
  memcpy (mm0, mm, sizeof mm0);
  memcpy (mv0, mv, sizeof mv0);
  nn_graph_forward (f.g);
  NnNode *n = nn_graph_node (f.g, y), *x = nn_graph_node (f.g, f.x);
  const float *gamma = f.pv[0], *beta = f.pv[1];
  size_t rows = n->size / 3;
  for (int c = 0; c < 3; c++)
    {
      double mean = 0, var = 0, ymean = 0, yvar = 0;
      for (size_t r = 0; r < rows; r++)
        mean += x->value[r * 3 + c];
      mean /= (double) rows;
      for (size_t r = 0; r < rows; r++)
        var += pow (x->value[r * 3 + c] - mean, 2);
      var /= (double) rows;
      for (size_t r = 0; r < rows; r++)
        {
          double expect = gamma[c] * (x->value[r * 3 + c] - mean) / sqrt (var + 1e-3) + beta[c];
          g_assert_cmpfloat_with_epsilon (n->value[r * 3 + c], expect, 1e-4);
          ymean += n->value[r * 3 + c];
        }
      ymean /= (double) rows;
      for (size_t r = 0; r < rows; r++)
        yvar += pow (n->value[r * 3 + c] - ymean, 2);
      yvar /= (double) rows;
      /* normalized: the output has mean beta and std ~ gamma */
      g_assert_cmpfloat_with_epsilon (ymean, beta[c], 1e-4);
      g_assert_cmpfloat_with_epsilon (sqrt (yvar), gamma[c] * sqrt (var / (var + 1e-3)), 1e-4);
      /* one moving-average step */
      g_assert_cmpfloat_with_epsilon (mm[c], 0.9 * mm0[c] + 0.1 * mean, 1e-5);
      g_assert_cmpfloat_with_epsilon (mv[c], 0.9 * mv0[c] + 0.1 * var, 1e-5);
    }
  /* the moving statistics are not parameters: they have no gradient */
  g_assert_null (nn_graph_node (f.g, f.p[2])->grad);
  g_assert_null (nn_graph_node (f.g, f.p[3])->grad);
  check_grads (&f, EPS_KINK, "batchnorm training");
  fixture_clear (&f);
}

static void
test_batchnorm_training (void)
{
  batchnorm_training_case (3, 4, 4);
  batchnorm_training_case (9, 8, 6);
}

/* Batch norm after a dense layer: (B, features), statistics over B. */
static void
test_batchnorm_2d (void)
{
  Fixture f;
  fixture_init (&f);
  loss_scale = 0.1;
  f.g->training = 1;
  int shape[] = { 5 };
  f.x = nn_graph_add_input (f.g, 1, shape, 1);
  nn_graph_node (f.g, f.x)->needs_grad = 1;
  float *mm, *mv;
  int y = add_batchnorm (&f, f.x, 5, FALSE, &mm, &mv);
  finish (&f, y, 6, -2.0f, 2.0f);
  nn_graph_forward (f.g);
  NnNode *n = nn_graph_node (f.g, y);
  for (int c = 0; c < 5; c++)
    {
      double s = 0;
      for (int b = 0; b < 6; b++)
        s += n->value[b * 5 + c];
      g_assert_cmpfloat_with_epsilon (s / 6, f.pv[1][c], 1e-5);
    }
  check_grads (&f, EPS_KINK, "batchnorm 2-D");
  fixture_clear (&f);
}

static void
test_batchnorm_inference (void)
{
  for (int frozen = 0; frozen < 2; frozen++)
    {
      Fixture f;
      fixture_init (&f);
      /* A frozen layer in a training graph behaves as at inference. */
      f.g->training = frozen;
      add_image (&f, 2, 3, 4);
      float *mm, *mv;
      int y = add_batchnorm (&f, f.x, 4, frozen, &mm, &mv);
      finish (&f, y, 3, -1.0f, 1.0f);
      float mm0[4], mv0[4];
      memcpy (mm0, mm, sizeof mm0);
      memcpy (mv0, mv, sizeof mv0);
      nn_graph_forward (f.g);
      NnNode *n = nn_graph_node (f.g, y), *x = nn_graph_node (f.g, f.x);
      for (size_t i = 0; i < n->size; i++)
        {
          int c = (int) (i % 4);
          double expect = f.pv[0][c] * (x->value[i] - mm[c]) / sqrt (mv[c] + 1e-3) + f.pv[1][c];
          g_assert_cmpfloat_with_epsilon (n->value[i], expect, 1e-5);
        }
      /* statistics untouched */
      g_assert_cmpmem (mm, sizeof mm0, mm0, sizeof mm0);
      g_assert_cmpmem (mv, sizeof mv0, mv0, sizeof mv0);
      check_grads (&f, EPS_LINEAR, frozen ? "batchnorm frozen" : "batchnorm inference");
      fixture_clear (&f);
    }
}

/* ---- SpatialDropout2D -------------------------------------------------- */

static void
test_spatial_dropout (void)
{
  Fixture f;
  fixture_init (&f);
  f.g->training = 1;
  f.g->rng = &f.rng;
  add_image (&f, 4, 4, 16);
  int y = nn_graph_add (f.g, NN_OP_SPATIAL_DROPOUT2D, &f.x, 1);
  nn_graph_node (f.g, y)->fp[0] = 0.5f;
  finish (&f, y, 8, 0.5f, 1.0f);
  nn_graph_forward (f.g);
  NnNode *n = nn_graph_node (f.g, y), *x = nn_graph_node (f.g, f.x);
  int dropped = 0;
  for (int b = 0; b < 8; b++)
    for (int c = 0; c < 16; c++)
      {
        /* every pixel of a (sample, channel) map shares the fate of the first */
        float first = n->value[(size_t) b * 256 + (size_t) c];
        int kept = first != 0.0f;
        dropped += !kept;
        for (int p = 0; p < 16; p++)
          {
            size_t i = ((size_t) b * 16 + (size_t) p) * 16 + (size_t) c;
            g_assert_cmpfloat_with_epsilon (n->value[i], kept ? 2.0f * x->value[i] : 0.0f, 1e-6);
          }
      }
  /* 128 coin flips at rate 0.5 */
  g_assert_cmpint (dropped, >, 32);
  g_assert_cmpint (dropped, <, 96);
  check_grads (&f, EPS_LINEAR, "spatial dropout");
  /* inference: identity */
  f.g->training = 0;
  nn_graph_forward (f.g);
  g_assert_cmpmem (n->value, n->size * sizeof (float), x->value, x->size * sizeof (float));
  check_grads (&f, EPS_LINEAR, "spatial dropout inference");
  fixture_clear (&f);
}

/* ---- augmentation ------------------------------------------------------ */

/* For a fixed draw every augmentation is linear in the image (the sampling
 * weights do not depend on it), so central differences check the adjoint
 * exactly; the check replays the generator, so each evaluation draws the
 * same transforms. Brightness stays clear of its clipping bounds. */
static void
test_augment_op (void)
{
  static const struct {
    const char *name;
    int kind, fill, flip_h, flip_v;
    float f0, f1, f2, f3;
  } cases[] = {
    { "flip",              NN_AUG_FLIP, 0, 1, 1, 0, 0, 0, 0 },
    { "rotation reflect",  NN_AUG_ROTATION, NN_FILL_REFLECT, 0, 0, 0.2f, 0, 0, 0 },
    { "rotation constant", NN_AUG_ROTATION, NN_FILL_CONSTANT, 0, 0, 0.2f, 0, 0.3f, 0 },
    { "zoom nearest",      NN_AUG_ZOOM, NN_FILL_NEAREST, 0, 0, 0.4f, 0, 0, 0 },
    { "translation",       NN_AUG_TRANSLATION, NN_FILL_REFLECT, 0, 0, 0.3f, 0.2f, 0, 0 },
    { "brightness",        NN_AUG_BRIGHTNESS, 0, 0, 0, 0.1f, 0, -5.0f, 5.0f },
  };
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      Fixture f;
      fixture_init (&f);
      f.g->training = 1;
      f.g->rng = &f.rng;
      add_image (&f, 6, 5, 2);
      int y = nn_graph_add (f.g, NN_OP_AUGMENT, &f.x, 1);
      NnNode *n = nn_graph_node (f.g, y);
      n->ip[NN_AUG_KIND] = cases[t].kind;
      n->ip[NN_AUG_FILL] = cases[t].fill;
      n->ip[NN_AUG_FLIP_H] = cases[t].flip_h;
      n->ip[NN_AUG_FLIP_V] = cases[t].flip_v;
      n->fp[0] = cases[t].f0;
      n->fp[1] = cases[t].f1;
      n->fp[2] = cases[t].f2;
      n->fp[3] = cases[t].f3;
      finish (&f, y, 4, -1.0f, 1.0f);
      nn_graph_forward (f.g);
      n = nn_graph_node (f.g, y);
      NnNode *x = nn_graph_node (f.g, f.x);
      /* training: the batch changed */
      g_assert_true (memcmp (n->value, x->value, n->size * sizeof (float)) != 0);
      check_grads (&f, EPS_LINEAR, cases[t].name);
      /* not training: the identity */
      f.g->training = 0;
      nn_graph_forward (f.g);
      g_assert_cmpmem (n->value, n->size * sizeof (float), x->value, x->size * sizeof (float));
      fixture_clear (&f);
    }
}

/* ---- a small convnet end to end ---------------------------------------- */

/* conv -> batch norm -> average pool -> depthwise -> global average:
 * gradients flow through the whole chain to the input and every weight. */
static void
test_chain (void)
{
  Fixture f;
  fixture_init (&f);
  loss_scale = 0.1;
  f.g->training = 1;
  add_image (&f, 8, 8, 2);
  int w1[] = { 3, 3, 2, 4 }, b1[] = { 4 };
  int in[3] = { f.x, add_param (&f, 4, w1, -0.5f, 0.5f, TRUE), add_param (&f, 1, b1, 0.1f, 0.3f, TRUE) };
  int c1 = nn_graph_add (f.g, NN_OP_CONV2D, in, 3);
  NnNode *n = nn_graph_node (f.g, c1);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
  n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
  n->ip[NN_CONV_SAME] = 1;
  n->ip[NN_CONV_HAS_BIAS] = 1;
  float *mm, *mv;
  int bn = add_batchnorm (&f, c1, 4, FALSE, &mm, &mv);
  int pool = nn_graph_add (f.g, NN_OP_AVG_POOL2D, &bn, 1);
  n = nn_graph_node (f.g, pool);
  n->ip[NN_POOL_H] = n->ip[NN_POOL_W] = 2;
  n->ip[NN_POOL_STRIDE_H] = n->ip[NN_POOL_STRIDE_W] = 2;
  int w2[] = { 3, 3, 4, 1 };
  int in2[2] = { pool, add_param (&f, 4, w2, -0.5f, 0.5f, TRUE) };
  int dw = nn_graph_add (f.g, NN_OP_DEPTHWISE_CONV2D, in2, 2);
  n = nn_graph_node (f.g, dw);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
  n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
  int gap = nn_graph_add (f.g, NN_OP_GLOBAL_AVG_POOL2D, &dw, 1);
  finish (&f, gap, 3, -1.0f, 1.0f);
  NnNode *out = nn_graph_node (f.g, gap);
  g_assert_cmpint (out->shape[1], ==, 4);
  check_grads (&f, EPS_KINK, "chain");
  fixture_clear (&f);
}

/* ---- every op has a gradient check ---------------------------------------- */

/* Set in main: the command line ran only some of the tests. */
static gboolean subset;

/* The gradient checks above went through the backward pass of every op of
 * the convnet ops (the table after NN_OP_LAST_CORE, up to the sequence ops,
 * which test-seq.c covers): the other half is in test-ops.c, so together
 * the three programs cover the whole table. Runs last. */
static void
test_grad_coverage (void)
{
  if (subset)
    {
      g_test_skip ("only some tests ran: the coverage check needs them all");
      return;
    }
  test_assert_grad_checked (NN_OP_LAST_CORE, NN_OP_EMBEDDING);
}

int
main (int argc, char **argv)
{
  subset = test_args_select (argc, argv);
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/conv/out-size", test_out_size);
  g_test_add_func ("/engine/conv/conv2d", test_conv2d);
  g_test_add_func ("/engine/conv/winograd-matches-im2col", test_winograd_matches_im2col);
  g_test_add_func ("/engine/conv/direct-matches-im2col", test_direct_matches_im2col);
  g_test_add_func ("/engine/conv/direct-split-rows", test_direct_split_rows);
  g_test_add_func ("/engine/conv/conv2d-batch-change", test_conv2d_batch_change);
  g_test_add_func ("/engine/conv/conv2d-partial-grads", test_conv2d_partial_grads);
  g_test_add_func ("/engine/conv/depthwise", test_depthwise);
  g_test_add_func ("/engine/conv/transpose", test_conv_transpose);
  g_test_add_func ("/engine/conv/transpose-gather-matches-scatter",
                   test_transpose_gather_matches_scatter);
  g_test_add_func ("/engine/conv/pooling", test_pooling);
  g_test_add_func ("/engine/conv/max-pool-inference", test_max_pool_inference);
  g_test_add_func ("/engine/conv/global-pooling", test_global_pooling);
  g_test_add_func ("/engine/conv/upsample", test_upsample);
  g_test_add_func ("/engine/conv/zero-pad", test_zero_pad);
  g_test_add_func ("/engine/conv/batchnorm-training", test_batchnorm_training);
  g_test_add_func ("/engine/conv/batchnorm-2d", test_batchnorm_2d);
  g_test_add_func ("/engine/conv/batchnorm-inference", test_batchnorm_inference);
  g_test_add_func ("/engine/conv/spatial-dropout", test_spatial_dropout);
  g_test_add_func ("/engine/conv/augment", test_augment_op);
  g_test_add_func ("/engine/conv/chain", test_chain);
  g_test_add_func ("/engine/conv/coverage/grad-checks", test_grad_coverage);
  return g_test_run ();
}
