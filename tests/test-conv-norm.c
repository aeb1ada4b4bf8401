/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convnet ops beside the convolutions: pooling (max, average, global),
 * up-sampling and zero padding, batch normalization in training and
 * inference, spatial dropout and the augmentation op; forward against
 * reference loops, backward against central differences. Part of the
 * test-conv program, whose coverage check counts these ops too. */
#include "test-conv-fx.h"

/* ---- pooling ----------------------------------------------------------- */

/* The input gradient of max pooling y: each window's gradient (the test
 * loss's weight) at the first position holding its maximum, summed over
 * the windows; zero where no window reads. */
static void
assert_max_pool_dx (Fixture *f, NnNode *y, int ph, int pw, int sh, int sw, int pt, int pl)
{
  NnNode *x = nn_graph_node (f->g, f->x);
  int B = x->shape[0], H = x->shape[1], W = x->shape[2], C = x->shape[3];
  int oh = y->shape[1], ow = y->shape[2];
  nn_graph_backward (f->g, f->loss);
  g_autofree double *ref = g_new0 (double, x->size);
  for (int b = 0; b < B; b++)
    for (int i = 0; i < oh; i++)
      for (int j = 0; j < ow; j++)
        for (int c = 0; c < C; c++)
          {
            size_t o = (((size_t) b * oh + i) * ow + j) * C + c, at = 0;
            double best = -INFINITY;
            for (int u = 0; u < ph; u++)
              for (int v = 0; v < pw; v++)
                {
                  int h = i * sh - pt + u, w = j * sw - pl + v;
                  size_t p = (((size_t) b * H + h) * W + w) * C + c;
                  if (h >= 0 && h < H && w >= 0 && w < W && x->value[p] > best)
                    {
                      best = x->value[p];
                      at = p;
                    }
                }
            ref[at] += loss_weight (o);
          }
  assert_close (x->grad, ref, x->size, "max pooling's dx");
}

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
    /* one image, rows wide enough that each task takes one output row,
     * an odd last row and column no window reads */
    { "max 2x2 rows",     NN_OP_MAX_POOL2D, 1, 7, 129, 128, 2, 2, 2, 2, 0 },
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
      if (cases[t].op == NN_OP_MAX_POOL2D)
        assert_max_pool_dx (&f, n, cases[t].ph, cases[t].pw, cases[t].sh, cases[t].sw, pt, pl);
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


void
test_conv_norm_add_tests (void)
{
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
}
