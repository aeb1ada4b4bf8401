/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convolution ops: forward against direct reference loops, backward
 * against central differences (nn_graph_check_grad), for strides, padding,
 * dilation, depth multipliers, fused ReLU, chunked im2col, Winograd, the
 * direct kernels and the transposed convolution. Pooling, resampling, batch
 * norm, spatial dropout and augmentation are in test-conv-norm.c, part of
 * this program; the coverage check at the end counts both. */
#include "test-conv-fx.h"

gboolean test_grad_checked_table[NN_N_OPS];

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

/* The input gradient alone (a frozen kernel, no bias: DeepDream's) and
 * the forward pass on Winograd's bands (16+ input channels, the direct
 * kernel's products, even bands then odd ones) against im2col + col2im:
 * bands of one tile row and of several, across images, and groups cut
 * inside a tile row; without the ReLU the gradient is also checked by
 * finite differences. */
static void
test_winograd_dx_bands (void)
{
  static const struct { int batch, h, w, cin, cout, relu, same; } cases[] = {
    { 1, 21, 19, 32, 24, 1, 1 }, { 4, 30, 30, 16, 8, 0, 0 }, { 1, 12, 100, 64, 16, 1, 1 },
    { 2, 9, 11, 16, 64, 0, 1 },
  };
  nn_conv_set_direct (0);
  for (guint t = 0; t < G_N_ELEMENTS (cases); t++)
    {
      float *out[2][2] = { { NULL } };
      size_t size[2] = { 0 };
      for (int wino = 0; wino < 2; wino++)
        {
          nn_conv_set_winograd (wino);
          Fixture f;
          fixture_init (&f);
          /* Winograd's rounding, as in test_conv2d */
          loss_scale = 0.25;
          add_image (&f, cases[t].h, cases[t].w, cases[t].cin);
          int wshape[] = { 3, 3, cases[t].cin, cases[t].cout }, bshape[] = { cases[t].cout };
          int in[] = { f.x, add_param (&f, 4, wshape, -0.5f, 0.5f, FALSE),
                       add_param (&f, 1, bshape, -0.05f, 0.05f, FALSE) };
          int y = nn_graph_add (f.g, NN_OP_CONV2D, in, 3);
          NnNode *n = nn_graph_node (f.g, y);
          n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_STRIDE_W] = 1;
          n->ip[NN_CONV_DIL_H] = n->ip[NN_CONV_DIL_W] = 1;
          n->ip[NN_CONV_HAS_BIAS] = 1;
          n->ip[NN_CONV_ACT] = cases[t].relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
          n->ip[NN_CONV_SAME] = cases[t].same;
          finish (&f, y, cases[t].batch, -1.0f, 1.0f);
          n = nn_graph_node (f.g, y);
          g_assert_cmpint (n->ip[NN_CONV_WINOGRAD], ==, wino);
          nn_graph_forward (f.g);
          nn_graph_backward (f.g, f.loss);
          NnNode *x = nn_graph_node (f.g, f.x);
          out[0][wino] = g_memdup2 (n->value, n->size * sizeof (float));
          out[1][wino] = g_memdup2 (x->grad, x->size * sizeof (float));
          size[0] = n->size;
          size[1] = x->size;
          if (wino && !cases[t].relu)
            {
              double e = test_check_grad (f.g, f.loss, f.x, EPS_LINEAR, 400);
              g_assert_cmpfloat (e, <, GRAD_TOL);
            }
          fixture_clear (&f);
        }
      for (int k = 0; k < 2; k++)
        {
          double top = 0, worst = 0;
          for (size_t i = 0; i < size[k]; i++)
            {
              top = fmax (top, fabs (out[k][0][i]));
              worst = fmax (worst, fabs (out[k][0][i] - out[k][1][i]));
            }
          g_test_message ("case %u %s: largest %.4g, largest difference %.3g", t,
                          k ? "dx" : "y", top, worst);
          g_assert_cmpfloat (top, >, 0);
          g_assert_cmpfloat (worst, <, 1e-5 * top);
          g_free (out[k][0]);
          g_free (out[k][1]);
        }
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
  g_test_add_func ("/engine/conv/winograd-dx-bands", test_winograd_dx_bands);
  g_test_add_func ("/engine/conv/conv2d-batch-change", test_conv2d_batch_change);
  g_test_add_func ("/engine/conv/conv2d-partial-grads", test_conv2d_partial_grads);
  g_test_add_func ("/engine/conv/depthwise", test_depthwise);
  g_test_add_func ("/engine/conv/transpose", test_conv_transpose);
  g_test_add_func ("/engine/conv/transpose-gather-matches-scatter",
                   test_transpose_gather_matches_scatter);
  test_conv_norm_add_tests ();
  g_test_add_func ("/engine/conv/chain", test_chain);
  g_test_add_func ("/engine/conv/coverage/grad-checks", test_grad_coverage);
  return g_test_run ();
}
