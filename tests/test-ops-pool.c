/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 2x2 stride-2 pooling with "same" padding on odd sizes, alone and fused
 * into the Conv2D that it reads, against naive references and central
 * differences. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "nn-conv-private.h"
#include "test-ops-fx.h"

/* ---- 2x2 stride-2 pooling, "same" padding, odd sizes --------------------- */

/* Keras: out = ceil (in / 2), the padding max ((out - 1) 2 + 2 - in, 0)
 * split with the extra element after the image; padded positions never
 * win a max and are not counted in an average. x is an exact-size buffer
 * of its own (a parameter), so that a read past its last image is a read
 * past the allocation, which the sanitizer build reports. */
static void
test_pool_same_odd (void)
{
  static const int sizes[][2] = { { 7, 5 }, { 5, 7 }, { 3, 3 }, { 1, 1 }, { 9, 4 } };
  for (int avg = 0; avg <= 1; avg++)
    for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
      {
        int B = 2, H = sizes[s][0], W = sizes[s][1], C = 3;
        int OH = (H + 1) / 2, OW = (W + 1) / 2;
        int pt = MAX ((OH - 1) * 2 + 2 - H, 0) / 2, pl = MAX ((OW - 1) * 2 + 2 - W, 0) / 2;
        Fx fx;
        fx_init (&fx, 40 + s);
        int xs[] = { B, H, W, C }, ys[] = { B, OH, OW, C };
        int x = param (&fx, 4, xs, -1.0f, 1.0f);
        int y = op1 (&fx, avg ? NN_OP_AVG_POOL2D : NN_OP_MAX_POOL2D, x);
        NnNode *n = node (&fx, y);
        n->ip[NN_POOL_H] = n->ip[NN_POOL_W] = 2;
        n->ip[NN_POOL_STRIDE_H] = n->ip[NN_POOL_STRIDE_W] = 2;
        n->ip[NN_POOL_SAME] = 1;
        int p = param (&fx, 4, ys, -1.0f, 1.0f);
        int loss = op2 (&fx, NN_OP_MUL, y, p);
        alloc (&fx, 1);
        assert_shape (&fx, y, 4, ys);
        NnNode *xn = node (&fx, x);
        size_t nx = xn->size;
        /* distinct values 0.03 apart: no ties, and no argmax change
         * under the difference step below */
        guint32 *perm = g_new (guint32, nx);
        for (size_t i = 0; i < nx; i++)
          perm[i] = (guint32) i;
        nn_rng_shuffle (&fx.rng, perm, nx);
        for (size_t i = 0; i < nx; i++)
          xn->value[i] = 0.03f * ((float) perm[i] - 0.5f * (float) nx);
        g_free (perm);
        nn_graph_forward (fx.g);
        memset (xn->grad, 0, nx * sizeof (float));
        nn_graph_backward (fx.g, loss);
        /* naive forward and backward, the probe p being dy */
        const float *pv = node (&fx, p)->value, *yv = node (&fx, y)->value;
        g_autofree double *dx = g_new0 (double, nx);
        double worst = 0;
        for (int b = 0; b < B; b++)
          for (int i = 0; i < OH; i++)
            for (int j = 0; j < OW; j++)
              for (int c = 0; c < C; c++)
                {
                  double best = -INFINITY, sum = 0;
                  size_t arg = 0;
                  int count = 0;
                  for (int u = 0; u < 2; u++)
                    for (int v = 0; v < 2; v++)
                      {
                        int h = 2 * i - pt + u, w = 2 * j - pl + v;
                        if (h < 0 || h >= H || w < 0 || w >= W)
                          continue;
                        size_t at = (((size_t) b * H + h) * W + w) * C + c;
                        if (xn->value[at] > best)
                          best = xn->value[at], arg = at;
                        sum += xn->value[at];
                        count++;
                      }
                  g_assert_cmpint (count, >, 0);
                  size_t o = (((size_t) b * OH + i) * OW + j) * C + c;
                  double want = avg ? sum / count : best;
                  worst = fmax (worst, fabs (yv[o] - want));
                  if (avg)
                    {
                      for (int u = 0; u < 2; u++)
                        for (int v = 0; v < 2; v++)
                          {
                            int h = 2 * i - pt + u, w = 2 * j - pl + v;
                            if (h >= 0 && h < H && w >= 0 && w < W)
                              dx[(((size_t) b * H + h) * W + w) * C + c] += pv[o] / count;
                          }
                    }
                  else
                    dx[arg] += pv[o];
                }
        double worst_dx = 0;
        for (size_t i = 0; i < nx; i++)
          worst_dx = fmax (worst_dx, fabs (xn->grad[i] - dx[i]));
        g_test_message ("%s 2x2 same %dx%d: max |y - ref| %.2e, max |dx - ref| %.2e",
                        avg ? "avg" : "max", H, W, worst, worst_dx);
        g_assert_cmpfloat (worst, <, FWD_TOL);
        g_assert_cmpfloat (worst_dx, <, FWD_TOL);
        double err = nn_graph_check_grad (fx.g, loss, x, 1e-2, 0);
        g_test_message ("  d/dx against central differences: max rel err %.2e", err);
        g_assert_cmpfloat (err, <, GRAD_TOL);
        fx_clear (&fx);
      }
}

/* A Conv2D run with the "same" 2x2 max pooling that reads it (as training
 * graphs fuse them), odd sizes: against a naive convolution and pooling,
 * and every gradient against central differences. The convolution is 1x1
 * from one channel with positive weights, so each output channel orders
 * the positions as x does: with x's values 0.03 apart, no difference step
 * moves a window's maximum, and the max has no kink to straddle. */
static void
test_pool_fused_same_odd (void)
{
  static const int sizes[][2] = { { 7, 5 }, { 5, 7 }, { 3, 3 }, { 1, 1 }, { 9, 4 } };
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int B = 3, H = sizes[s][0], W = sizes[s][1], F = 4;
      int OH = (H + 1) / 2, OW = (W + 1) / 2;
      int pt = MAX ((OH - 1) * 2 + 2 - H, 0) / 2, pl = MAX ((OW - 1) * 2 + 2 - W, 0) / 2;
      Fx fx;
      fx_init (&fx, 60 + s);
      int xs[] = { H, W, 1 }, ws[] = { 1, 1, 1, F }, bs[] = { F }, ys[] = { OH, OW, F };
      int x = input (&fx, 3, xs, 1);
      int w = param (&fx, 4, ws, 0.5f, 1.0f);
      int bias = param (&fx, 1, bs, -0.2f, 0.2f);
      int ins[] = { x, w, bias };
      int conv = op (&fx, NN_OP_CONV2D, 3, ins);
      NnNode *cn = node (&fx, conv);
      cn->ip[NN_CONV_STRIDE_H] = cn->ip[NN_CONV_STRIDE_W] = 1;
      cn->ip[NN_CONV_DIL_H] = cn->ip[NN_CONV_DIL_W] = 1;
      cn->ip[NN_CONV_HAS_BIAS] = 1;
      int pool = op1 (&fx, NN_OP_MAX_POOL2D, conv);
      NnNode *pn = node (&fx, pool);
      pn->ip[NN_POOL_H] = pn->ip[NN_POOL_W] = 2;
      pn->ip[NN_POOL_STRIDE_H] = pn->ip[NN_POOL_STRIDE_W] = 2;
      pn->ip[NN_POOL_SAME] = 1;
      /* fused as nn-compile.c fuses a training graph's pair */
      cn = node (&fx, conv);
      cn->ip[NN_CONV_POOL] = pool + 1;
      cn->sets_own_grad = 1;
      node (&fx, pool)->computed_by_input = 1;
      int loss = probe_loss (&fx, pool, 3, ys, NULL);
      alloc (&fx, B);
      /* still fused after the shape rules */
      g_assert_cmpint (node (&fx, conv)->ip[NN_CONV_POOL], ==, pool + 1);
      g_assert_cmpint (node (&fx, pool)->computed_by_input, ==, 1);
      NnNode *xn = node (&fx, x);
      guint32 *perm = g_new (guint32, xn->size);
      for (size_t i = 0; i < xn->size; i++)
        perm[i] = (guint32) i;
      nn_rng_shuffle (&fx.rng, perm, xn->size);
      for (size_t i = 0; i < xn->size; i++)
        xn->value[i] = 0.03f * ((float) perm[i] - 0.5f * (float) xn->size);
      g_free (perm);
      nn_graph_forward (fx.g);
      const float *wv = node (&fx, w)->value, *bv = node (&fx, bias)->value;
      const float *yv = node (&fx, pool)->value;
      double worst = 0;
      for (int b = 0; b < B; b++)
        for (int i = 0; i < OH; i++)
          for (int j = 0; j < OW; j++)
            for (int f = 0; f < F; f++)
              {
                double best = -INFINITY;
                for (int u = 0; u < 2; u++)
                  for (int v = 0; v < 2; v++)
                    {
                      int h = 2 * i - pt + u, ww = 2 * j - pl + v;
                      if (h >= 0 && h < H && ww >= 0 && ww < W)
                        best = fmax (best, (double) wv[f] * xn->value[((size_t) b * H + h) * W + ww]
                                           + bv[f]);
                    }
                size_t o = (((size_t) b * OH + i) * OW + j) * F + f;
                worst = fmax (worst, fabs (yv[o] - best));
              }
      g_test_message ("fused conv + max 2x2 same %dx%d: max |y - ref| %.2e", H, W, worst);
      g_assert_cmpfloat (worst, <, FWD_TOL);
      assert_grad_ok (&fx, loss, x, 1e-2, "d/dx");
      assert_grad_ok (&fx, loss, w, 1e-2, "d/dw");
      assert_grad_ok (&fx, loss, bias, 1e-2, "d/db");
      fx_clear (&fx);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/ops/pool/same-odd", test_pool_same_odd);
  g_test_add_func ("/engine/ops/pool/fused-same-odd", test_pool_fused_same_odd);
  return g_test_run ();
}
