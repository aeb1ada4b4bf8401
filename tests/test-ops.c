/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core ops: every forward against a float64 or hand-computed reference, every
 * backward against central differences (nn_graph_check_grad), at the
 * allocation batch and at smaller ones, and the no-allocation promise. */
#include <malloc.h>
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-graph-private.h"
#include "test-ops-fx.h"

/* ---- MATMUL_BIAS -------------------------------------------------------- */

/* y = x W (+ b), x (B, T, K) or (B, K), checked in float64. */
static void
check_matmul_forward (Fx *fx, int x, int w, int b, int y)
{
  NnNode *xn = node (fx, x), *wn = node (fx, w), *yn = node (fx, y);
  int k = wn->shape[0], cols = wn->shape[1];
  size_t rows = xn->size / (size_t) k;
  g_assert_cmpuint (yn->size, ==, rows * (size_t) cols);
  for (size_t r = 0; r < rows; r++)
    for (int j = 0; j < cols; j++)
      {
        double s = b >= 0 ? node (fx, b)->value[j] : 0.0;
        for (int i = 0; i < k; i++)
          s += (double) xn->value[r * (size_t) k + (size_t) i] * wn->value[i * cols + j];
        assert_close (yn->value[r * (size_t) cols + (size_t) j], s, FWD_TOL);
      }
}

static void
test_matmul_forward (void)
{
  for (int has_bias = 0; has_bias <= 1; has_bias++)
    {
      Fx fx;
      fx_init (&fx, 1 + has_bias);
      int xs[] = { 7 }, ws[] = { 7, 3 }, bs[] = { 3 };
      int x = input (&fx, 1, xs, 0);
      int w = param (&fx, 2, ws, -1, 1);
      int b = has_bias ? param (&fx, 1, bs, -1, 1) : -1;
      int in[] = { x, w, b };
      int y = op (&fx, NN_OP_MATMUL_BIAS, has_bias ? 3 : 2, in);
      node (&fx, y)->ip[0] = has_bias;
      alloc (&fx, 8);
      int batches[] = { 8, 3, 1, 8 };
      for (int t = 0; t < 4; t++)
        {
          nn_graph_set_batch (fx.g, batches[t]);
          nn_graph_forward (fx.g);
          int want[] = { batches[t], 3 };
          assert_shape (&fx, y, 2, want);
          check_matmul_forward (&fx, x, w, b, y);
        }
      fx_clear (&fx);
    }

  /* A hand-computed case: x = [1 2], W = [[1 0 -1], [2 1 0]], b = [0.5 0 1] */
  Fx fx;
  fx_init (&fx, 3);
  int xs[] = { 2 }, ws[] = { 2, 3 }, bs[] = { 3 };
  int x = input (&fx, 1, xs, 0);
  int w = param (&fx, 2, ws, 0, 0);
  int b = param (&fx, 1, bs, 0, 0);
  int in[] = { x, w, b };
  int y = op (&fx, NN_OP_MATMUL_BIAS, 3, in);
  node (&fx, y)->ip[0] = 1;
  alloc (&fx, 1);
  const float xv[] = { 1, 2 }, wv[] = { 1, 0, -1, 2, 1, 0 }, bv[] = { 0.5f, 0, 1 };
  memcpy (node (&fx, x)->value, xv, sizeof xv);
  memcpy (node (&fx, w)->value, wv, sizeof wv);
  memcpy (node (&fx, b)->value, bv, sizeof bv);
  nn_graph_forward (fx.g);
  const float want[] = { 5.5f, 2, 0 };
  g_assert_cmpmem (node (&fx, y)->value, sizeof want, want, sizeof want);
  fx_clear (&fx);
}

static void
test_matmul_3d (void)
{
  /* (B, T, K) inputs are read as B*T rows, as Keras's Dense does. */
  Fx fx;
  fx_init (&fx, 4);
  int xs[] = { 2, 5 }, ws[] = { 5, 4 }, bs[] = { 4 }, ys[] = { 2, 4 };
  int x = input (&fx, 2, xs, 1);
  int w = param (&fx, 2, ws, -1, 1);
  int b = param (&fx, 1, bs, -1, 1);
  int in[] = { x, w, b };
  int y = op (&fx, NN_OP_MATMUL_BIAS, 3, in);
  node (&fx, y)->ip[0] = 1;
  int loss = probe_loss (&fx, y, 2, ys, NULL);
  alloc (&fx, 6);
  for (int batch = 6; batch >= 2; batch -= 4)
    {
      nn_graph_set_batch (fx.g, batch);
      nn_graph_forward (fx.g);
      int want[] = { batch, 2, 4 };
      assert_shape (&fx, y, 3, want);
      check_matmul_forward (&fx, x, w, b, y);
      assert_grad_ok (&fx, loss, x, LINEAR_EPS, "matmul3d dx");
      assert_grad_ok (&fx, loss, w, LINEAR_EPS, "matmul3d dW");
      assert_grad_ok (&fx, loss, b, LINEAR_EPS, "matmul3d db");
    }
  fx_clear (&fx);
}

static void
test_matmul_backward (void)
{
  for (int has_bias = 0; has_bias <= 1; has_bias++)
    {
      Fx fx;
      fx_init (&fx, 10 + has_bias);
      int xs[] = { 9 }, ws[] = { 9, 5 }, bs[] = { 5 }, ys[] = { 5 };
      int x = input (&fx, 1, xs, 1);
      int w = param (&fx, 2, ws, -1, 1);
      int b = has_bias ? param (&fx, 1, bs, -1, 1) : -1;
      int in[] = { x, w, b };
      int y = op (&fx, NN_OP_MATMUL_BIAS, has_bias ? 3 : 2, in);
      node (&fx, y)->ip[0] = has_bias;
      int loss = probe_loss (&fx, y, 1, ys, NULL);
      alloc (&fx, 7);
      int batches[] = { 7, 4, 1 };
      for (int t = 0; t < 3; t++)
        {
          nn_graph_set_batch (fx.g, batches[t]);
          assert_grad_ok (&fx, loss, x, LINEAR_EPS, "matmul dx");
          assert_grad_ok (&fx, loss, w, LINEAR_EPS, "matmul dW");
          if (has_bias)
            assert_grad_ok (&fx, loss, b, LINEAR_EPS, "matmul db");
        }
      fx_clear (&fx);
    }
}

/* The first Dense layer's data input has no gradient: dx must not be
 * computed (nor written anywhere), dW and db must still be exact, and param
 * grads accumulate across backward calls. */
static void
test_matmul_no_dx (void)
{
  Fx fx;
  fx_init (&fx, 12);
  int xs[] = { 6 }, ws[] = { 6, 4 }, bs[] = { 4 }, ys[] = { 4 };
  int x = input (&fx, 1, xs, 0);
  int w = param (&fx, 2, ws, -1, 1);
  int b = param (&fx, 1, bs, -1, 1);
  int in[] = { x, w, b };
  int y = op (&fx, NN_OP_MATMUL_BIAS, 3, in);
  node (&fx, y)->ip[0] = 1;
  int probe;
  int loss = probe_loss (&fx, y, 1, ys, &probe);
  alloc (&fx, 5);
  g_assert_null (node (&fx, x)->grad);
  g_assert_nonnull (node (&fx, y)->grad);
  nn_graph_set_batch (fx.g, 3);
  assert_grad_ok (&fx, loss, w, LINEAR_EPS, "matmul dW without dx");
  assert_grad_ok (&fx, loss, b, LINEAR_EPS, "matmul db without dx");

  /* dW = x^T p and db = column sums of p, by hand; twice after two steps. */
  NnNode *xn = node (&fx, x), *wn = node (&fx, w), *bn = node (&fx, b), *pn = node (&fx, probe);
  memset (wn->grad, 0, wn->size * sizeof (float));
  memset (bn->grad, 0, bn->size * sizeof (float));
  for (int step = 1; step <= 2; step++)
    {
      nn_graph_forward (fx.g);
      nn_graph_backward (fx.g, loss);
      for (int j = 0; j < 4; j++)
        {
          double db = 0;
          for (int r = 0; r < 3; r++)
            db += pn->value[r * 4 + j];
          assert_close (bn->grad[j], step * db, FWD_TOL);
          for (int i = 0; i < 6; i++)
            {
              double dw = 0;
              for (int r = 0; r < 3; r++)
                dw += (double) xn->value[r * 6 + i] * pn->value[r * 4 + j];
              assert_close (wn->grad[i * 4 + j], step * dw, FWD_TOL);
            }
        }
    }
  fx_clear (&fx);
}

/* ---- ADD, MUL, SCALE ---------------------------------------------------- */

static void
test_add_op (void)
{
  Fx fx;
  fx_init (&fx, 20);
  int s[] = { 3, 4 };
  int a = input (&fx, 2, s, 1), b = input (&fx, 2, s, 1), c = input (&fx, 2, s, 1);
  int in[] = { a, b, c };
  int y = op (&fx, NN_OP_ADD, 3, in);
  int loss = probe_loss (&fx, y, 2, s, NULL);
  alloc (&fx, 5);
  for (int batch = 5; batch >= 2; batch -= 3)
    {
      nn_graph_set_batch (fx.g, batch);
      nn_graph_forward (fx.g);
      int want[] = { batch, 3, 4 };
      assert_shape (&fx, y, 3, want);
      for (size_t i = 0; i < node (&fx, y)->size; i++)
        assert_close (node (&fx, y)->value[i],
                      (double) node (&fx, a)->value[i] + node (&fx, b)->value[i]
                      + node (&fx, c)->value[i], FWD_TOL);
      assert_grad_ok (&fx, loss, a, LINEAR_EPS, "add da");
      assert_grad_ok (&fx, loss, b, LINEAR_EPS, "add db");
      assert_grad_ok (&fx, loss, c, LINEAR_EPS, "add dc");
    }
  fx_clear (&fx);
}

static void
test_mul (void)
{
  for (int n_in = 2; n_in <= 3; n_in++)
    {
      Fx fx;
      fx_init (&fx, 30 + n_in);
      int s[] = { 6 };
      int in[3];
      for (int k = 0; k < n_in; k++)
        in[k] = input (&fx, 1, s, 1);
      int y = op (&fx, NN_OP_MUL, n_in, in);
      int loss = probe_loss (&fx, y, 1, s, NULL);
      alloc (&fx, 4);
      /* A zero factor must not break the others' gradients (no division). */
      node (&fx, in[0])->value[1] = 0.0f;
      for (int batch = 4; batch >= 3; batch--)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          NnNode *yn = node (&fx, y);
          for (size_t i = 0; i < yn->size; i++)
            {
              double p = 1;
              for (int k = 0; k < n_in; k++)
                p *= node (&fx, in[k])->value[i];
              assert_close (yn->value[i], p, FWD_TOL);
            }
          for (int k = 0; k < n_in; k++)
            assert_grad_ok (&fx, loss, in[k], LINEAR_EPS, n_in == 2 ? "mul2 dx_k" : "mul3 dx_k");
        }
      fx_clear (&fx);
    }
}

static void
test_scale (void)
{
  Fx fx;
  fx_init (&fx, 40);
  int s[] = { 5 };
  int x = input (&fx, 1, s, 1);
  int y = op1 (&fx, NN_OP_SCALE, x);
  node (&fx, y)->fp[0] = -1.5f;
  int loss = probe_loss (&fx, y, 1, s, NULL);
  alloc (&fx, 3);
  nn_graph_set_batch (fx.g, 2);
  nn_graph_forward (fx.g);
  for (size_t i = 0; i < node (&fx, y)->size; i++)
    g_assert_cmpfloat (node (&fx, y)->value[i], ==, -1.5f * node (&fx, x)->value[i]);
  assert_grad_ok (&fx, loss, x, LINEAR_EPS, "scale dx");
  fx_clear (&fx);
}

/* ---- Activations -------------------------------------------------------- */

static double
ref_act (NnOpType t, double x)
{
  switch ((int) t)
    {
    case NN_OP_RELU: return x > 0 ? x : 0;
    case NN_OP_SIGMOID: return 1 / (1 + exp (-x));
    case NN_OP_TANH: return tanh (x);
    default: g_assert_not_reached ();
    }
}

static void
test_activations (void)
{
  const NnOpType types[] = { NN_OP_RELU, NN_OP_SIGMOID, NN_OP_TANH };
  const char *names[] = { "relu dx", "sigmoid dx", "tanh dx" };
  for (int t = 0; t < 3; t++)
    {
      Fx fx;
      fx_init (&fx, 50 + t);
      int s[] = { 2, 5 };
      int x = input (&fx, 2, s, 1);
      int y = op1 (&fx, types[t], x);
      int loss = probe_loss (&fx, y, 2, s, NULL);
      alloc (&fx, 6);
      /* Away from ReLU's kink at 0 by more than eps. */
      fill_away (&fx, node (&fx, x)->value, node (&fx, x)->capacity, 0.1f, 2.5f);
      for (int batch = 6; batch >= 1; batch -= 5)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          NnNode *xn = node (&fx, x), *yn = node (&fx, y);
          g_assert_cmpuint (yn->size, ==, (size_t) batch * 10);
          for (size_t i = 0; i < yn->size; i++)
            assert_close (yn->value[i], ref_act (types[t], xn->value[i]), FWD_TOL);
          assert_grad_ok (&fx, loss, x, 1e-2, names[t]);
        }
      /* Saturation gives the limits, never NaN. */
      NnNode *xn = node (&fx, x), *yn = node (&fx, y);
      xn->value[0] = -200.0f;
      xn->value[1] = 200.0f;
      nn_graph_forward (fx.g);
      g_assert_cmpfloat (yn->value[0], ==, types[t] == NN_OP_TANH ? -1.0f : 0.0f);
      g_assert_cmpfloat (yn->value[1], ==, types[t] == NN_OP_RELU ? 200.0f : 1.0f);
      fx_clear (&fx);
    }
}

/* The activations of tf.keras 2.x beyond the first four, with Keras's
 * default parameters, in float64. */
static double
ref_act_more (NnOpType t, double x)
{
  const double selu_a = 1.6732632423543772848170429916717;
  const double selu_s = 1.0507009873554804934193349852946;
  switch ((int) t)
    {
    case NN_OP_LEAKY_RELU: return x > 0 ? x : 0.3 * x;
    case NN_OP_ELU: return x > 0 ? x : exp (x) - 1;
    case NN_OP_SELU: return selu_s * (x > 0 ? x : selu_a * (exp (x) - 1));
    case NN_OP_GELU: return 0.5 * x * (1 + erf (x / sqrt (2.0)));
    case NN_OP_SWISH: return x / (1 + exp (-x));
    case NN_OP_SOFTPLUS: return log1p (exp (x));
    case NN_OP_HARD_SIGMOID: return fmin (1, fmax (0, 0.2 * x + 0.5));
    case NN_OP_EXPONENTIAL: return exp (x);
    default: g_assert_not_reached ();
    }
}

static void
test_activations_more (void)
{
  const NnOpType types[] = {
    NN_OP_LEAKY_RELU, NN_OP_ELU, NN_OP_SELU, NN_OP_GELU, NN_OP_SWISH,
    NN_OP_SOFTPLUS, NN_OP_HARD_SIGMOID, NN_OP_EXPONENTIAL,
  };
  const char *names[] = {
    "leaky_relu dx", "elu dx", "selu dx", "gelu dx", "swish dx", "softplus dx",
    "hard_sigmoid dx", "exponential dx",
  };
  for (guint t = 0; t < G_N_ELEMENTS (types); t++)
    {
      Fx fx;
      fx_init (&fx, 70 + t);
      int s[] = { 2, 5 };
      int x = input (&fx, 2, s, 1);
      int y = op1 (&fx, types[t], x);
      int loss = probe_loss (&fx, y, 2, s, NULL);
      alloc (&fx, 6);
      /* Both signs, away from the kinks (0 for the ReLU family, +-2.5 for
       * hard_sigmoid) by more than eps. */
      fill_away (&fx, node (&fx, x)->value, node (&fx, x)->capacity, 0.1f, 2.3f);
      for (int batch = 6; batch >= 1; batch -= 5)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          NnNode *xn = node (&fx, x), *yn = node (&fx, y);
          g_assert_cmpuint (yn->size, ==, (size_t) batch * 10);
          for (size_t i = 0; i < yn->size; i++)
            assert_close (yn->value[i], ref_act_more (types[t], xn->value[i]), FWD_TOL);
          assert_grad_ok (&fx, loss, x, 1e-2, names[t]);
        }
      /* Far out: finite limits, never NaN (exponential overflows to inf,
       * as e^200 does in float32). */
      NnNode *xn = node (&fx, x), *yn = node (&fx, y);
      xn->value[0] = -200.0f;
      xn->value[1] = 200.0f;
      nn_graph_forward (fx.g);
      g_assert_false (isnan (yn->value[0]));
      g_assert_false (isnan (yn->value[1]));
      assert_close (yn->value[0], ref_act_more (types[t], -200.0), FWD_TOL);
      if (types[t] != NN_OP_EXPONENTIAL)
        assert_close (yn->value[1], ref_act_more (types[t], 200.0), FWD_TOL);
      fx_clear (&fx);
    }
}

/* ---- DROPOUT ------------------------------------------------------------ */

static void
test_dropout_inference (void)
{
  Fx fx;
  fx_init (&fx, 60);
  int s[] = { 50 };
  int x = input (&fx, 1, s, 1);
  int y = op1 (&fx, NN_OP_DROPOUT, x);
  node (&fx, y)->fp[0] = 0.5f;
  int probe;
  int loss = probe_loss (&fx, y, 1, s, &probe);
  alloc (&fx, 4);
  fx.g->training = 0;
  NnRng before = fx.drop_rng;
  nn_graph_forward (fx.g);
  nn_graph_backward (fx.g, loss);
  NnNode *xn = node (&fx, x), *yn = node (&fx, y), *pn = node (&fx, probe);
  g_assert_cmpmem (yn->value, yn->size * sizeof (float), xn->value, xn->size * sizeof (float));
  g_assert_cmpmem (xn->grad, xn->size * sizeof (float), pn->value, pn->size * sizeof (float));
  /* Inference draws no random numbers. */
  g_assert_cmpmem (&before, sizeof before, &fx.drop_rng, sizeof before);

  /* Rate 0 while training is the identity too. */
  fx.g->training = 1;
  node (&fx, y)->fp[0] = 0.0f;
  nn_graph_forward (fx.g);
  g_assert_cmpmem (yn->value, yn->size * sizeof (float), xn->value, xn->size * sizeof (float));
  fx_clear (&fx);
}

static void
test_dropout_training (void)
{
  Fx fx;
  fx_init (&fx, 61);
  int s[] = { 1000 };
  int x = input (&fx, 1, s, 1);
  int y = op1 (&fx, NN_OP_DROPOUT, x);
  int probe;
  int loss = probe_loss (&fx, y, 1, s, &probe);
  alloc (&fx, 100);
  fill_node (&fx, x, 0.5f, 1.5f);  /* never 0, so y == 0 means dropped */
  fx.g->training = 1;
  NnNode *xn = node (&fx, x), *yn = node (&fx, y), *pn = node (&fx, probe);
  float *first_mask = g_new (float, yn->size);

  /* The rate is read at every forward: change it between steps. */
  const float rates[] = { 0.3f, 0.6f, 0.3f };
  for (int t = 0; t < 3; t++)
    {
      float rate = rates[t], scale = 1.0f / (1.0f - rate);
      node (&fx, y)->fp[0] = rate;
      nn_graph_forward (fx.g);
      nn_graph_backward (fx.g, loss);
      size_t dropped = 0;
      for (size_t i = 0; i < yn->size; i++)
        {
          if (yn->value[i] == 0.0f)
            {
              dropped++;
              g_assert_cmpfloat (xn->grad[i], ==, 0.0f);
            }
          else
            {
              /* Kept units are scaled so the expected value is unchanged. */
              assert_close (yn->value[i], (double) xn->value[i] * scale, 1e-6);
              assert_close (xn->grad[i], (double) pn->value[i] * scale, 1e-6);
            }
        }
      double frac = (double) dropped / (double) yn->size;
      g_test_message ("dropout rate %.2f: dropped %.4f of %zu", rate, frac, yn->size);
      /* Binomial standard deviation is about 0.005 here. */
      g_assert_cmpfloat (fabs (frac - rate), <, 0.02);
      /* Mean of y stays close to mean of x. */
      double sx = 0, sy = 0;
      for (size_t i = 0; i < yn->size; i++)
        {
          sx += xn->value[i];
          sy += yn->value[i];
        }
      g_assert_cmpfloat (fabs (sy / sx - 1.0), <, 0.05);
      if (t == 0)
        for (size_t i = 0; i < yn->size; i++)
          first_mask[i] = yn->value[i] == 0.0f;
      if (t == 2)
        {
          /* Same rate, new draws: a different mask. */
          size_t same = 0;
          for (size_t i = 0; i < yn->size; i++)
            same += first_mask[i] == (yn->value[i] == 0.0f);
          g_assert_cmpuint (same, <, yn->size * 9 / 10);
        }
    }
  g_free (first_mask);
  fx_clear (&fx);
}

/* Dropout draws from the graph's generator: one nn_rng_next per unit, so
 * the same seed gives the same masks, and the generator moves on. */
static void
test_dropout_stream (void)
{
  Fx fx;
  fx_init (&fx, 63);
  int s[] = { 37 };
  int x = input (&fx, 1, s, 0);
  int y = op1 (&fx, NN_OP_DROPOUT, x);
  float rate = 0.35f;
  node (&fx, y)->fp[0] = rate;
  alloc (&fx, 3);
  fill_node (&fx, x, 1.0f, 2.0f);
  fx.g->training = 1;
  NnRng mirror;
  nn_rng_seed (&fx.drop_rng, 2024);
  nn_rng_seed (&mirror, 2024);
  uint32_t thr = (uint32_t) ((double) rate * 4294967296.0);
  for (int step = 0; step < 2; step++)
    {
      nn_graph_forward (fx.g);
      NnNode *yn = node (&fx, y);
      for (size_t i = 0; i < yn->size; i++)
        g_assert_cmpint (yn->value[i] != 0.0f, ==, nn_rng_next (&mirror) >= thr);
      g_assert_cmpmem (fx.drop_rng.s, sizeof mirror.s, mirror.s, sizeof mirror.s);
    }
  fx_clear (&fx);
}

static void
test_dropout_grad (void)
{
  /* check_grad restores the graph's generator before every forward, so
   * each evaluation sees the same mask. */
  Fx fx;
  fx_init (&fx, 62);
  int s[] = { 8 };
  int x = input (&fx, 1, s, 1);
  int y = op1 (&fx, NN_OP_DROPOUT, x);
  node (&fx, y)->fp[0] = 0.4f;
  int loss = probe_loss (&fx, y, 1, s, NULL);
  alloc (&fx, 6);
  fx.g->training = 1;
  for (int batch = 6; batch >= 2; batch -= 4)
    {
      nn_graph_set_batch (fx.g, batch);
      assert_grad_ok (&fx, loss, x, LINEAR_EPS, "dropout dx");
    }
  fx_clear (&fx);
}

/* ---- WEIGHT_PENALTY ----------------------------------------------------- */

static void
test_weight_penalty (void)
{
  Fx fx;
  fx_init (&fx, 70);
  int ws[] = { 4, 3 };
  int w = param (&fx, 2, ws, 0, 0);
  fill_away (&fx, node (&fx, w)->value, 12, 0.05f, 1.0f);
  int y = op1 (&fx, NN_OP_WEIGHT_PENALTY, w);
  node (&fx, y)->fp[0] = 0.01f;
  node (&fx, y)->fp[1] = 0.5f;
  alloc (&fx, 8);
  int one[] = { 1 };
  assert_shape (&fx, y, 1, one);
  g_assert_false (node (&fx, y)->batched);
  nn_graph_forward (fx.g);
  double l1 = 0, l2 = 0;
  for (int i = 0; i < 12; i++)
    {
      l1 += fabs (node (&fx, w)->value[i]);
      l2 += (double) node (&fx, w)->value[i] * node (&fx, w)->value[i];
    }
  assert_close (node (&fx, y)->value[0], 0.01 * l1 + 0.5 * l2, FWD_TOL);
  /* Linear plus quadratic in w and |w| >= 0.05: exact for a step below 0.05. */
  assert_grad_ok (&fx, y, w, 0.04, "weight penalty dw");
  /* The penalty does not depend on the batch. */
  nn_graph_set_batch (fx.g, 3);
  nn_graph_forward (fx.g);
  assert_close (node (&fx, y)->value[0], 0.01 * l1 + 0.5 * l2, FWD_TOL);
  fx_clear (&fx);
}

/* ---- SAMPLING, KL (variational autoencoders) --------------------------- */

/* Sampling while training: z = mean + exp(log_var / 2) eps; the check
 * replays the graph's generator, so every forward draws the same eps. */
static void
test_sampling_grad (void)
{
  Fx fx;
  fx_init (&fx, 75);
  int s[] = { 3 };
  int m = input (&fx, 1, s, 1), v = input (&fx, 1, s, 1);
  int z = op2 (&fx, NN_OP_SAMPLING, m, v);
  int loss = probe_loss (&fx, z, 1, s, NULL);
  fx.g->training = 1;
  alloc (&fx, 4);
  int zs[] = { 4, 3 };
  assert_shape (&fx, z, 2, zs);
  nn_graph_forward (fx.g);
  /* z - mean is exp(log_var / 2) times the eps kept in aux. */
  for (int i = 0; i < 12; i++)
    assert_close (node (&fx, z)->value[i],
                  node (&fx, m)->value[i]
                  + exp (0.5 * node (&fx, v)->value[i]) * node (&fx, z)->aux[i], FWD_TOL);
  assert_grad_ok (&fx, loss, m, LINEAR_EPS, "sampling dmean");
  assert_grad_ok (&fx, loss, v, 1e-2, "sampling dlog_var");
  /* Inference: the mean itself. */
  fx.g->training = 0;
  nn_graph_forward (fx.g);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (node (&fx, z)->value[i], ==, node (&fx, m)->value[i]);
  fx_clear (&fx);
}

static void
test_kl_grad (void)
{
  Fx fx;
  fx_init (&fx, 76);
  int s[] = { 3 };
  int m = input (&fx, 1, s, 1), v = input (&fx, 1, s, 1);
  int kl = op2 (&fx, NN_OP_KL, m, v);
  alloc (&fx, 5);
  int one[] = { 1 };
  assert_shape (&fx, kl, 1, one);
  nn_graph_forward (fx.g);
  double want = 0;
  for (int i = 0; i < 15; i++)
    {
      double mu = node (&fx, m)->value[i], lv = node (&fx, v)->value[i];
      want += -0.5 * (1 + lv - mu * mu - exp (lv));
    }
  assert_close (node (&fx, kl)->value[0], want / 5, FWD_TOL);
  assert_grad_ok (&fx, kl, m, 1e-2, "kl dmean");
  assert_grad_ok (&fx, kl, v, 1e-2, "kl dlog_var");
  fx_clear (&fx);
}

/* ---- CONCAT, RESHAPE ---------------------------------------------------- */

static void
test_concat (void)
{
  Fx fx;
  fx_init (&fx, 80);
  int s0[] = { 2, 3 }, s1[] = { 2, 1 }, s2[] = { 2, 4 }, ys[] = { 2, 8 };
  int a = input (&fx, 2, s0, 1), b = input (&fx, 2, s1, 1), c = input (&fx, 2, s2, 1);
  int in[] = { a, b, c };
  int y = op (&fx, NN_OP_CONCAT, 3, in);
  int loss = probe_loss (&fx, y, 2, ys, NULL);
  alloc (&fx, 5);
  for (int batch = 5; batch >= 2; batch -= 3)
    {
      nn_graph_set_batch (fx.g, batch);
      nn_graph_forward (fx.g);
      int want[] = { batch, 2, 8 };
      assert_shape (&fx, y, 3, want);
      NnNode *yn = node (&fx, y);
      const int widths[] = { 3, 1, 4 };
      for (int r = 0; r < batch * 2; r++)
        {
          int off = 0;
          for (int k = 0; k < 3; k++)
            {
              for (int j = 0; j < widths[k]; j++)
                g_assert_cmpfloat (yn->value[r * 8 + off + j], ==,
                                   node (&fx, in[k])->value[r * widths[k] + j]);
              off += widths[k];
            }
        }
      assert_grad_ok (&fx, loss, a, LINEAR_EPS, "concat d0");
      assert_grad_ok (&fx, loss, b, LINEAR_EPS, "concat d1");
      assert_grad_ok (&fx, loss, c, LINEAR_EPS, "concat d2");
    }
  fx_clear (&fx);
}

static void
test_reshape (void)
{
  Fx fx;
  fx_init (&fx, 90);
  int xs[] = { 6 }, ys[] = { 2, 3 };
  int x = input (&fx, 1, xs, 1);
  int y = op1 (&fx, NN_OP_RESHAPE, x);
  node (&fx, y)->ip[0] = 2;
  node (&fx, y)->ip[1] = 2;
  node (&fx, y)->ip[2] = 3;
  int loss = probe_loss (&fx, y, 2, ys, NULL);
  alloc (&fx, 4);
  for (int batch = 4; batch >= 1; batch -= 3)
    {
      nn_graph_set_batch (fx.g, batch);
      nn_graph_forward (fx.g);
      int want[] = { batch, 2, 3 };
      assert_shape (&fx, y, 3, want);
      g_assert_true (node (&fx, y)->batched);
      g_assert_cmpmem (node (&fx, y)->value, node (&fx, y)->size * sizeof (float),
                       node (&fx, x)->value, node (&fx, x)->size * sizeof (float));
      assert_grad_ok (&fx, loss, x, LINEAR_EPS, "reshape dx");
    }
  fx_clear (&fx);
}

/* ---- SOFTMAX ------------------------------------------------------------ */

static void
test_softmax (void)
{
  Fx fx;
  fx_init (&fx, 100);
  int s[] = { 3, 5 };
  int x = input (&fx, 2, s, 1);
  int y = op1 (&fx, NN_OP_SOFTMAX, x);
  int loss = probe_loss (&fx, y, 2, s, NULL);
  alloc (&fx, 4);
  fill_node (&fx, x, -2, 2);
  for (int batch = 4; batch >= 2; batch -= 2)
    {
      nn_graph_set_batch (fx.g, batch);
      nn_graph_forward (fx.g);
      NnNode *xn = node (&fx, x), *yn = node (&fx, y);
      for (int r = 0; r < batch * 3; r++)
        {
          const float *xr = xn->value + r * 5;
          double z = 0, sum = 0;
          for (int j = 0; j < 5; j++)
            z += exp (xr[j]);
          for (int j = 0; j < 5; j++)
            {
              assert_close (yn->value[r * 5 + j], exp (xr[j]) / z, FWD_TOL);
              sum += yn->value[r * 5 + j];
            }
          assert_close (sum, 1.0, 1e-6);
        }
      assert_grad_ok (&fx, loss, x, 2e-2, "softmax dx");
    }

  /* Large logits: shifting a row changes nothing and overflows nothing. */
  NnNode *xn = node (&fx, x), *yn = node (&fx, y);
  float before[5];
  nn_graph_forward (fx.g);
  memcpy (before, yn->value, sizeof before);
  for (int j = 0; j < 5; j++)
    xn->value[j] += 1000.0f;
  nn_graph_forward (fx.g);
  for (int j = 0; j < 5; j++)
    {
      g_assert_true (isfinite (yn->value[j]));
      /* 1000 + x loses float precision of x, hence the looser bound. */
      assert_close (yn->value[j], before[j], 2e-3);
    }
  fx_clear (&fx);
}

/* ---- Losses ------------------------------------------------------------- */

typedef struct {
  int pred, target, loss;
} LossGraph;

/* pred (B, pshape), target (B, tshape). The target asks for a gradient
 * so the test can check that none arrives. */
static LossGraph
loss_graph (Fx *fx, NnOpType type, int from_logits, int pndim, const int *pshape,
            int tndim, const int *tshape)
{
  LossGraph lg;
  lg.pred = input (fx, pndim, pshape, 1);
  lg.target = input (fx, tndim, tshape, 1);
  lg.loss = op2 (fx, type, lg.pred, lg.target);
  node (fx, lg.loss)->ip[0] = from_logits;
  return lg;
}

static void
assert_target_untouched (Fx *fx, LossGraph *lg)
{
  NnNode *t = node (fx, lg->target);
  nn_graph_forward (fx->g);
  nn_graph_backward (fx->g, lg->loss);
  for (size_t i = 0; i < t->size; i++)
    g_assert_cmpfloat (t->grad[i], ==, 0.0f);
}

static void
assert_scalar_loss (Fx *fx, LossGraph *lg)
{
  int one[] = { 1 };
  assert_shape (fx, lg->loss, 1, one);
  g_assert_false (node (fx, lg->loss)->batched);
}

static double
ref_bce (const float *x, const float *z, size_t n, int from_logits)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    {
      double p = from_logits ? 1 / (1 + exp (-(double) x[i])) : x[i];
      s -= z[i] * log (p) + (1 - z[i]) * log (1 - p);
    }
  return s / (double) n;
}

static void
test_loss_bce (void)
{
  for (int logits = 0; logits <= 1; logits++)
    {
      Fx fx;
      fx_init (&fx, 110 + logits);
      int s[] = { 3 };
      LossGraph lg = loss_graph (&fx, NN_OP_BCE, logits, 1, s, 1, s);
      alloc (&fx, 6);
      /* Predictions lean towards the labels (see GRAD_TOL); probabilities
       * stay in [0.2, 0.8], where log is smooth at this step. */
      NnNode *z = node (&fx, lg.target), *pr = node (&fx, lg.pred);
      for (size_t i = 0; i < z->capacity; i++)
        {
          int one = nn_rng_below (&fx.rng, 2);
          z->value[i] = (float) one;
          if (logits)
            pr->value[i] = (one ? 1 : -1) * uniform (&fx, 0.5f, 2.5f);
          else
            pr->value[i] = one ? uniform (&fx, 0.6f, 0.8f) : uniform (&fx, 0.2f, 0.4f);
        }
      z->value[0] = 0.3f;   /* soft labels are allowed */
      pr->value[0] = logits ? 2.0f : 0.7f;
      for (int batch = 6; batch >= 2; batch -= 4)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          assert_scalar_loss (&fx, &lg);
          NnNode *p = node (&fx, lg.pred);
          assert_close (node (&fx, lg.loss)->value[0],
                        ref_bce (p->value, z->value, p->size, logits), FWD_TOL);
          assert_grad_ok (&fx, lg.loss, lg.pred, logits ? 1e-2 : 5e-3,
                          logits ? "bce(logits) dx" : "bce(probs) dp");
          assert_target_untouched (&fx, &lg);
        }

      /* Extremes: logits never overflow; probabilities are clipped. */
      NnNode *p = node (&fx, lg.pred);
      nn_graph_set_batch (fx.g, 1);
      const float ext[] = { 90.0f, -90.0f, 0.0f };
      const float zs[] = { 0.0f, 0.0f, 1.0f };
      memcpy (z->value, zs, sizeof zs);
      if (logits)
        {
          memcpy (p->value, ext, sizeof ext);
          nn_graph_forward (fx.g);
          /* losses 90, ~0, log 2 */
          assert_close (node (&fx, lg.loss)->value[0], (90.0 + log (2.0)) / 3, 1e-5);
        }
      else
        {
          const float probs[] = { 1.0f, 0.0f, 0.0f };
          memcpy (p->value, probs, sizeof probs);
          nn_graph_forward (fx.g);
          /* Clipped to [1e-7, 1 - 1e-7] in float: two confidently wrong
           * (-log of the clip bounds), one right (~0). */
          double lo = 1e-7f, hi = 1.0f - 1e-7f;
          double want = (-log (1 - hi) - log (1 - lo) - log (lo)) / 3;
          g_assert_true (isfinite (node (&fx, lg.loss)->value[0]));
          assert_close (node (&fx, lg.loss)->value[0], want, 1e-3);
        }
      fx_clear (&fx);
    }
}

/* -sum_j z_j log q_j per row, mean over rows; q = softmax(x) or p / sum p. */
static double
ref_cce (const float *x, const float *z, size_t rows, int c, int from_logits)
{
  double s = 0;
  for (size_t r = 0; r < rows; r++)
    {
      const float *xr = x + r * (size_t) c;
      double norm = 0;
      for (int j = 0; j < c; j++)
        norm += from_logits ? exp (xr[j]) : xr[j];
      for (int j = 0; j < c; j++)
        {
          double q = (from_logits ? exp (xr[j]) : xr[j]) / norm;
          s -= z[r * (size_t) c + (size_t) j] * log (q);
        }
    }
  return s / (double) rows;
}

static void
fill_one_hot (Fx *fx, NnNode *z, int c)
{
  size_t rows = z->capacity / (size_t) c;
  memset (z->value, 0, z->capacity * sizeof (float));
  for (size_t r = 0; r < rows; r++)
    {
      uint32_t k = nn_rng_below (&fx->rng, (uint32_t) c);
      z->value[r * (size_t) c + k] = 1.0f;
    }
}

static void
test_loss_cce (void)
{
  for (int logits = 0; logits <= 1; logits++)
    {
      Fx fx;
      fx_init (&fx, 120 + logits);
      int s[] = { 5 };
      LossGraph lg = loss_graph (&fx, NN_OP_CCE, logits, 1, s, 1, s);
      alloc (&fx, 6);
      /* Probabilities need not be normalized: Keras rescales each row.
       * Predictions lean towards the target class (see GRAD_TOL). */
      if (logits)
        fill_node (&fx, lg.pred, -1.5f, 1.5f);
      else
        fill_node (&fx, lg.pred, 0.3f, 1.0f);
      fill_one_hot (&fx, node (&fx, lg.target), 5);
      NnNode *pr = node (&fx, lg.pred), *z = node (&fx, lg.target);
      for (size_t i = 0; i < pr->capacity; i++)
        pr->value[i] += z->value[i] * (logits ? 2.0f : 1.5f);
      for (int batch = 6; batch >= 1; batch -= 5)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          assert_scalar_loss (&fx, &lg);
          NnNode *p = node (&fx, lg.pred);
          assert_close (node (&fx, lg.loss)->value[0],
                        ref_cce (p->value, node (&fx, lg.target)->value, (size_t) batch, 5, logits),
                        FWD_TOL);
          assert_grad_ok (&fx, lg.loss, lg.pred, logits ? 1e-2 : 5e-3,
                          logits ? "cce(logits) dx" : "cce(probs) dp");
          assert_target_untouched (&fx, &lg);
        }
      if (logits)
        {
          /* Large logits stay finite. */
          NnNode *p = node (&fx, lg.pred);
          p->value[0] = 2000.0f;
          p->value[1] = -2000.0f;
          nn_graph_forward (fx.g);
          g_assert_true (isfinite (node (&fx, lg.loss)->value[0]));
          nn_graph_backward (fx.g, lg.loss);
          for (size_t i = 0; i < p->size; i++)
            g_assert_true (isfinite (p->grad[i]));
        }
      fx_clear (&fx);
    }

  /* Hand-computed: probabilities (0.2, 0.5, 0.3), class 1: -log 0.5. */
  Fx fx;
  fx_init (&fx, 125);
  int s[] = { 3 };
  LossGraph lg = loss_graph (&fx, NN_OP_CCE, 0, 1, s, 1, s);
  alloc (&fx, 1);
  const float p[] = { 0.2f, 0.5f, 0.3f }, z[] = { 0, 1, 0 };
  memcpy (node (&fx, lg.pred)->value, p, sizeof p);
  memcpy (node (&fx, lg.target)->value, z, sizeof z);
  nn_graph_forward (fx.g);
  assert_close (node (&fx, lg.loss)->value[0], log (2.0), 1e-6);
  fx_clear (&fx);
}

static void
test_loss_sparse_cce (void)
{
  for (int logits = 0; logits <= 1; logits++)
    for (int tdim = 0; tdim <= 1; tdim++)
      {
        Fx fx;
        fx_init (&fx, 130 + 2 * logits + tdim);
        int s[] = { 4 }, ts[] = { 1 };
        /* Targets (B) or (B, 1) */
        LossGraph lg = loss_graph (&fx, NN_OP_SPARSE_CCE, logits, 1, s, tdim, ts);
        alloc (&fx, 5);
        if (logits)
          fill_node (&fx, lg.pred, -1.5f, 1.5f);
        else
          fill_node (&fx, lg.pred, 0.3f, 1.0f);
        NnNode *t = node (&fx, lg.target);
        g_assert_cmpuint (t->capacity, ==, 5);
        float onehot[5 * 4] = { 0 };
        for (int r = 0; r < 5; r++)
          {
            uint32_t k = nn_rng_below (&fx.rng, 4);
            t->value[r] = (float) k;
            onehot[r * 4 + k] = 1.0f;
            node (&fx, lg.pred)->value[r * 4 + k] += logits ? 2.0f : 1.5f;
          }
        for (int batch = 5; batch >= 2; batch -= 3)
          {
            nn_graph_set_batch (fx.g, batch);
            nn_graph_forward (fx.g);
            assert_scalar_loss (&fx, &lg);
            NnNode *p = node (&fx, lg.pred);
            /* Same as CCE with the one-hot targets. */
            assert_close (node (&fx, lg.loss)->value[0],
                          ref_cce (p->value, onehot, (size_t) batch, 4, logits), FWD_TOL);
            assert_grad_ok (&fx, lg.loss, lg.pred, logits ? 1e-2 : 5e-3,
                            logits ? "sparse cce(logits) dx" : "sparse cce(probs) dp");
            assert_target_untouched (&fx, &lg);
          }
        fx_clear (&fx);
      }
}

static void
test_loss_mse_mae (void)
{
  for (int mae = 0; mae <= 1; mae++)
    {
      Fx fx;
      fx_init (&fx, 140 + mae);
      int s[] = { 2, 3 };
      LossGraph lg = loss_graph (&fx, mae ? NN_OP_MAE : NN_OP_MSE, 0, 2, s, 2, s);
      alloc (&fx, 4);
      /* Keep |pred - target| >= 0.1 so MAE's kink is out of reach. */
      NnNode *p = node (&fx, lg.pred), *t = node (&fx, lg.target);
      fill_away (&fx, p->value, p->capacity, 0.1f, 1.0f);
      for (size_t i = 0; i < p->capacity; i++)
        p->value[i] += t->value[i];
      for (int batch = 4; batch >= 1; batch -= 3)
        {
          nn_graph_set_batch (fx.g, batch);
          nn_graph_forward (fx.g);
          assert_scalar_loss (&fx, &lg);
          double s2 = 0;
          for (size_t i = 0; i < p->size; i++)
            {
              double d = (double) p->value[i] - t->value[i];
              s2 += mae ? fabs (d) : d * d;
            }
          /* Mean over the 6 elements of a sample, then over the batch. */
          assert_close (node (&fx, lg.loss)->value[0], s2 / (6.0 * batch), FWD_TOL);
          assert_grad_ok (&fx, lg.loss, lg.pred, 1e-2, mae ? "mae dp" : "mse dp");
          assert_target_untouched (&fx, &lg);
        }
      fx_clear (&fx);
    }

  /* By hand: pred (1, 3), target (0, 0, 0): MSE 14/3... of (1, 2, 3). */
  Fx fx;
  fx_init (&fx, 145);
  int s[] = { 3 };
  LossGraph a = loss_graph (&fx, NN_OP_MSE, 0, 1, s, 1, s);
  int b = op2 (&fx, NN_OP_MAE, a.pred, a.target);
  alloc (&fx, 1);
  const float pv[] = { 1, -2, 3 };
  memcpy (node (&fx, a.pred)->value, pv, sizeof pv);
  memset (node (&fx, a.target)->value, 0, 3 * sizeof (float));
  nn_graph_forward (fx.g);
  assert_close (node (&fx, a.loss)->value[0], 14.0 / 3, 1e-6);
  assert_close (node (&fx, b)->value[0], 2.0, 1e-6);
  fx_clear (&fx);
}

/* ---- A whole step: gradients through a small net, and no allocation ---- */

typedef struct {
  float *value, *grad, *aux;
} NodePtrs;

static void
test_mlp_step (void)
{
  Fx fx;
  fx_init (&fx, 150);
  int xs[] = { 20 }, w1s[] = { 20, 16 }, b1s[] = { 16 }, w2s[] = { 16, 5 }, b2s[] = { 5 };
  int x = input (&fx, 1, xs, 0);
  int w1 = param (&fx, 2, w1s, -0.4f, 0.4f), b1 = param (&fx, 1, b1s, -0.1f, 0.1f);
  int w2 = param (&fx, 2, w2s, -1.0f, 1.0f), b2 = param (&fx, 1, b2s, -0.1f, 0.1f);
  int in1[] = { x, w1, b1 };
  int h = op (&fx, NN_OP_MATMUL_BIAS, 3, in1);
  node (&fx, h)->ip[0] = 1;
  int a = op1 (&fx, NN_OP_TANH, h);
  int d = op1 (&fx, NN_OP_DROPOUT, a);
  node (&fx, d)->fp[0] = 0.25f;
  int in2[] = { d, w2, b2 };
  int logits = op (&fx, NN_OP_MATMUL_BIAS, 3, in2);
  node (&fx, logits)->ip[0] = 1;
  int target = input (&fx, 0, NULL, 0);
  int ce = op2 (&fx, NN_OP_SPARSE_CCE, logits, target);
  node (&fx, ce)->ip[0] = 1;
  int pen = op1 (&fx, NN_OP_WEIGHT_PENALTY, w1);
  node (&fx, pen)->fp[1] = 1e-3f;
  int total = op2 (&fx, NN_OP_ADD, ce, pen);
  alloc (&fx, 32);
  fx.g->training = 1;
  g_assert_null (node (&fx, x)->grad);

  /* Label each sample with the net's own top class (under the dropout mask
   * check_grad will replay): a confident, mostly right net keeps the loss
   * small (see GRAD_TOL) while every weight still gets a gradient. */
  nn_graph_set_batch (fx.g, 7);
  NnRng rng_at_check = fx.drop_rng;
  nn_graph_forward (fx.g);
  fx.drop_rng = rng_at_check;
  NnNode *tn = node (&fx, target), *ln = node (&fx, logits);
  for (int r = 0; r < 7; r++)
    {
      int best = 0;
      for (int j = 1; j < 5; j++)
        if (ln->value[r * 5 + j] > ln->value[r * 5 + best])
          best = j;
      tn->value[r] = (float) best;
    }
  nn_graph_forward (fx.g);
  fx.drop_rng = rng_at_check;
  g_test_message ("mlp loss %.4f", node (&fx, total)->value[0]);
  assert_grad_ok (&fx, total, w1, 1e-2, "mlp dW1");
  assert_grad_ok (&fx, total, b1, 1e-2, "mlp db1");
  assert_grad_ok (&fx, total, w2, 1e-2, "mlp dW2");
  assert_grad_ok (&fx, total, b2, 1e-2, "mlp db2");

  /* Warm up once (OpenBLAS sets up its buffers on first use), then record
   * every pointer and the heap, and run more steps at several batches. */
  nn_graph_set_batch (fx.g, 32);
  nn_graph_forward (fx.g);
  nn_graph_backward (fx.g, total);
  int nn = fx.g->n_nodes;
  NodePtrs *before = g_new (NodePtrs, nn);
  for (int i = 0; i < nn; i++)
    before[i] = (NodePtrs) { node (&fx, i)->value, node (&fx, i)->grad, node (&fx, i)->aux };
  NnGraph saved = *fx.g;
  NnNode *nodes = fx.g->nodes;
  struct mallinfo2 m0 = mallinfo2 ();
  const int batches[] = { 32, 9, 32, 1 };
  float loss_sum = 0;
  for (int t = 0; t < 4; t++)
    {
      nn_graph_set_batch (fx.g, batches[t]);
      nn_graph_forward (fx.g);
      nn_graph_backward (fx.g, total);
      loss_sum += node (&fx, total)->value[0];
    }
  struct mallinfo2 m1 = mallinfo2 ();
  g_assert_true (isfinite (loss_sum));
  g_assert_true (fx.g->nodes == nodes);
  g_assert_true (fx.g->value_arena == saved.value_arena);
  g_assert_true (fx.g->grad_arena == saved.grad_arena);
  g_assert_true (fx.g->aux_arena == saved.aux_arena);
  g_assert_cmpuint (fx.g->value_arena_size, ==, saved.value_arena_size);
  g_assert_cmpuint (fx.g->grad_arena_size, ==, saved.grad_arena_size);
  g_assert_cmpuint (fx.g->aux_arena_size, ==, saved.aux_arena_size);
  for (int i = 0; i < nn; i++)
    {
      g_assert_true (node (&fx, i)->value == before[i].value);
      g_assert_true (node (&fx, i)->grad == before[i].grad);
      g_assert_true (node (&fx, i)->aux == before[i].aux);
    }
  /* Nothing was left allocated on the heap by the steps. */
  g_assert_cmpuint (m1.uordblks, ==, m0.uordblks);
  g_assert_cmpuint (m1.hblkhd, ==, m0.hblkhd);
  g_free (before);
  fx_clear (&fx);
}

static void
test_op_table (void)
{
  /* A new graph runs the engine's one table. */
  NnGraph *g = nn_graph_new ();
  g_assert_true (g->ops == nn_op_table);
  nn_graph_free (g);
  g_assert_null (nn_op_info (NN_OP_INPUT));
  g_assert_null (nn_op_info (NN_OP_PARAM));
  g_assert_null (nn_op_info (NN_OP_LAST_CORE));
  g_assert_null (nn_op_info ((NnOpType) NN_N_OPS));
  /* Every op has all three functions. */
  for (int t = NN_OP_MATMUL_BIAS; t <= NN_OP_AUGMENT; t++)
    {
      if (t == NN_OP_LAST_CORE)
        continue;
      const NnOpInfo *info = nn_op_info ((NnOpType) t);
      g_assert_nonnull (info);
      g_assert_nonnull (info->name);
      g_assert_nonnull (info->shape);
      g_assert_nonnull (info->forward);
      g_assert_nonnull (info->backward);
    }
}

/* ---- every op has a gradient check ---------------------------------------- */

/* Set in main: the command line ran only some of the tests. */
static gboolean subset;

/* The gradient checks above went through the backward pass of every op of
 * the core ops (the table before NN_OP_LAST_CORE): the other half is in test-conv.c, so together the two programs cover the
 * whole table. Runs last. */
static void
test_grad_coverage (void)
{
  if (subset)
    {
      g_test_skip ("only some tests ran: the coverage check needs them all");
      return;
    }
  test_assert_grad_checked (NN_OP_INPUT, NN_OP_LAST_CORE);
}

int
main (int argc, char **argv)
{
  subset = test_args_select (argc, argv);
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/ops/table", test_op_table);
  g_test_add_func ("/engine/ops/matmul/forward", test_matmul_forward);
  g_test_add_func ("/engine/ops/matmul/backward", test_matmul_backward);
  g_test_add_func ("/engine/ops/matmul/3d", test_matmul_3d);
  g_test_add_func ("/engine/ops/matmul/no-dx", test_matmul_no_dx);
  g_test_add_func ("/engine/ops/add", test_add_op);
  g_test_add_func ("/engine/ops/mul", test_mul);
  g_test_add_func ("/engine/ops/scale", test_scale);
  g_test_add_func ("/engine/ops/activations", test_activations);
  g_test_add_func ("/engine/ops/activations/more", test_activations_more);
  g_test_add_func ("/engine/ops/dropout/inference", test_dropout_inference);
  g_test_add_func ("/engine/ops/dropout/training", test_dropout_training);
  g_test_add_func ("/engine/ops/dropout/stream", test_dropout_stream);
  g_test_add_func ("/engine/ops/dropout/grad", test_dropout_grad);
  g_test_add_func ("/engine/ops/weight-penalty", test_weight_penalty);
  g_test_add_func ("/engine/ops/sampling", test_sampling_grad);
  g_test_add_func ("/engine/ops/kl", test_kl_grad);
  g_test_add_func ("/engine/ops/concat", test_concat);
  g_test_add_func ("/engine/ops/reshape", test_reshape);
  g_test_add_func ("/engine/ops/softmax", test_softmax);
  g_test_add_func ("/engine/ops/loss/bce", test_loss_bce);
  g_test_add_func ("/engine/ops/loss/cce", test_loss_cce);
  g_test_add_func ("/engine/ops/loss/sparse-cce", test_loss_sparse_cce);
  g_test_add_func ("/engine/ops/loss/mse-mae", test_loss_mse_mae);
  g_test_add_func ("/engine/ops/mlp-step", test_mlp_step);
  g_test_add_func ("/engine/ops/coverage/grad-checks", test_grad_coverage);
  return g_test_run ();
}
