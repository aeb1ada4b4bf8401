/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Weight initializers: each draws what its Keras namesake draws. Checked on
 * the statistics of many samples (mean, standard deviation, largest |w|:
 * the truncation bound, or values well beyond it where there is none) and,
 * for orthogonal, on W^T W = I (W W^T = I for wide matrices), through the
 * model API: a layer's kernel after nn_model_init_weights. */
#include <math.h>
#include <string.h>

#include "nn.h"

/* Keras's truncated normals: drawn at stddev s / 0.8796..., redrawn
 * beyond two of those; the values' own stddev is s. */
#define TRUNCATED_STDDEV 0.87962566103423978

static int
add (NnModel *m, const char *cls, const char *name)
{
  g_autoptr (GError) error = NULL;
  int i = nn_model_add_layer (m, cls, name, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i, >=, 0);
  return i;
}

static void
set (NnModel *m, int layer, const char *p, const char *v)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_layer_set_param (m, layer, p, v, &error));
  g_assert_no_error (error);
}

/* Input(input_shape) -> cls (its kernel initialized by init), weights
 * drawn from seed; *layer is the layer with the kernel. */
static NnModel *
kernel_model (const char *input_shape, const char *cls, const char *size_param,
              const char *size, const char *init, guint64 seed, int *layer)
{
  NnModel *m = nn_model_new ("init");
  int in = add (m, "Input", "in");
  set (m, in, "shape", input_shape);
  *layer = add (m, cls, NULL);
  set (m, *layer, size_param, size);
  set (m, *layer, "kernel_initializer", init);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, *layer, -1, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  return m;
}

typedef struct {
  double mean, sd, max_abs;
  size_t n;
} Stats;

static Stats
stats_of (const NnTensor *t)
{
  Stats s = { 0 };
  s.n = t->size;
  for (size_t i = 0; i < t->size; i++)
    s.mean += t->data[i];
  s.mean /= (double) t->size;
  for (size_t i = 0; i < t->size; i++)
    {
      double d = t->data[i] - s.mean;
      s.sd += d * d;
      s.max_abs = fmax (s.max_abs, fabs (t->data[i]));
    }
  s.sd = sqrt (s.sd / (double) (t->size - 1));
  return s;
}

/* The kernel of a Dense fan_in -> fan_out (seed 5): about 10^5 values. */
static Stats
dense_kernel_stats (const char *init, int fan_in, int fan_out)
{
  g_autofree char *shape = g_strdup_printf ("%d", fan_in);
  g_autofree char *units = g_strdup_printf ("%d", fan_out);
  int layer;
  g_autoptr (NnModel) m = kernel_model (shape, "Dense", "units", units, init, 5, &layer);
  NnTensor w;
  g_assert_cmpstr (nn_model_layer_get_weight (m, layer, 0, &w), ==, "kernel");
  g_assert_cmpint (w.ndim, ==, 2);
  g_assert_cmpint (w.shape[0], ==, fan_in);
  g_assert_cmpint (w.shape[1], ==, fan_out);
  Stats s = stats_of (&w);
  g_test_message ("%s (%d, %d): %zu values, mean %.2e, sd %.5f, max |w| %.5f", init, fan_in,
                  fan_out, s.n, s.mean, s.sd, s.max_abs);
  return s;
}

/* The mean within 5 standard errors of 0, the sd within 2 %. */
static void
assert_mean_sd (const Stats *s, double want_sd)
{
  g_assert_cmpfloat (fabs (s->mean), <, 5 * want_sd / sqrt ((double) s->n));
  g_assert_cmpfloat (fabs (s->sd / want_sd - 1), <, 0.02);
}

/* RandomNormal: mean 0, stddev 0.05, not truncated: among 10^5 normal
 * values about 47 lie beyond 3.5 sd, and 4.55 % beyond 2 sd. */
static void
test_random_normal (void)
{
  Stats s = dense_kernel_stats ("random_normal", 250, 400);
  assert_mean_sd (&s, 0.05);
  g_assert_cmpfloat (s.max_abs, >, 3.5 * 0.05);
  int layer;
  g_autoptr (NnModel) m = kernel_model ("250", "Dense", "units", "400", "random_normal", 5,
                                        &layer);
  NnTensor w;
  nn_model_layer_get_weight (m, layer, 0, &w);
  size_t beyond = 0;
  for (size_t i = 0; i < w.size; i++)
    beyond += fabsf (w.data[i]) > 2 * 0.05f;
  double frac = (double) beyond / (double) w.size;
  g_test_message ("random_normal: %.4f of the values beyond 2 sd (normal: 0.0455)", frac);
  g_assert_cmpfloat (fabs (frac - 0.0455), <, 0.004);
}

/* glorot_normal, he_normal, lecun_normal: truncated normals whose values
 * have stddev sqrt (scale / fan), none beyond 2 sqrt (scale / fan) /
 * 0.8796 and some close to it. */
static void
test_truncated_normals (void)
{
  static const struct {
    const char *init;
    int fan_in, fan_out;
  } cases[] = {
    { "glorot_normal", 300, 200 },
    { "he_normal", 300, 200 },
    { "lecun_normal", 200, 500 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int fi = cases[i].fan_in, fo = cases[i].fan_out;
      double sd = g_str_equal (cases[i].init, "glorot_normal") ? sqrt (2.0 / (fi + fo))
                : g_str_equal (cases[i].init, "he_normal") ? sqrt (2.0 / fi)
                : sqrt (1.0 / fi);
      double bound = 2 * sd / TRUNCATED_STDDEV;
      Stats s = dense_kernel_stats (cases[i].init, fi, fo);
      g_test_message ("  want sd %.5f, bound %.5f", sd, bound);
      assert_mean_sd (&s, sd);
      g_assert_cmpfloat (s.max_abs, <=, bound * (1 + 1e-6));
      g_assert_cmpfloat (s.max_abs, >, 0.99 * bound);
    }
}

/* glorot_uniform, he_uniform: uniform on [-lim, lim], sd lim / sqrt 3. */
static void
test_uniforms (void)
{
  for (int he = 0; he <= 1; he++)
    {
      int fi = 300, fo = 200;
      double lim = he ? sqrt (6.0 / fi) : sqrt (6.0 / (fi + fo));
      Stats s = dense_kernel_stats (he ? "he_uniform" : "glorot_uniform", fi, fo);
      assert_mean_sd (&s, lim / sqrt (3.0));
      g_assert_cmpfloat (s.max_abs, <=, lim);
      g_assert_cmpfloat (s.max_abs, >, 0.999 * lim);
    }
}

/* Conv2D kernels: fans over the receptive field (3x3), as Keras. */
static void
test_conv_fans (void)
{
  int layer;
  g_autoptr (NnModel) m = kernel_model ("8, 8, 40", "Conv2D", "filters", "60", "he_normal", 9,
                                        &layer);
  NnTensor w;
  nn_model_layer_get_weight (m, layer, 0, &w);
  g_assert_cmpint (w.ndim, ==, 4);
  Stats s = stats_of (&w);
  double sd = sqrt (2.0 / (3 * 3 * 40));
  g_test_message ("he_normal 3x3x40x60: sd %.5f (want %.5f), max |w| %.5f (bound %.5f)", s.sd,
                  sd, s.max_abs, 2 * sd / TRUNCATED_STDDEV);
  assert_mean_sd (&s, sd);
  g_assert_cmpfloat (s.max_abs, <=, 2 * sd / TRUNCATED_STDDEV * (1 + 1e-6));
}

/* orthogonal: the kernel as a (rows, cols) matrix, rows the product of all
 * axes but the last, has orthonormal columns (rows >= cols) or rows. */
static void
test_orthogonal (void)
{
  static const struct {
    const char *input, *cls, *size_param, *size;
    int rows, cols;
  } cases[] = {
    { "64", "Dense", "units", "32", 64, 32 },            /* tall */
    { "16", "Dense", "units", "48", 16, 48 },            /* wide */
    { "40", "Dense", "units", "40", 40, 40 },            /* square */
    { "9, 9, 4", "Conv2D", "filters", "20", 36, 20 },    /* 3x3x4 -> 20: tall */
    { "9, 9, 2", "Conv2D", "filters", "32", 18, 32 },    /* 3x3x2 -> 32: wide */
    { "300", "Dense", "units", "200", 300, 200 },
  };
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      int layer;
      g_autoptr (NnModel) m = kernel_model (cases[ci].input, cases[ci].cls, cases[ci].size_param,
                                            cases[ci].size, "orthogonal", 3 + ci, &layer);
      NnTensor w;
      nn_model_layer_get_weight (m, layer, 0, &w);
      int rows = cases[ci].rows, cols = cases[ci].cols;
      g_assert_cmpuint (w.size, ==, (size_t) rows * (size_t) cols);
      /* tall: W^T W (cols x cols); wide: W W^T (rows x rows) */
      int tall = rows >= cols, k = tall ? cols : rows, len = tall ? rows : cols;
      double worst = 0;
      for (int a = 0; a < k; a++)
        for (int b = 0; b < k; b++)
          {
            double dot = 0;
            for (int i = 0; i < len; i++)
              {
                size_t ia = tall ? (size_t) i * cols + a : (size_t) a * cols + i;
                size_t ib = tall ? (size_t) i * cols + b : (size_t) b * cols + i;
                dot += (double) w.data[ia] * w.data[ib];
              }
            worst = fmax (worst, fabs (dot - (a == b)));
          }
      Stats s = stats_of (&w);
      g_test_message ("orthogonal %s %s (%d, %d): max |%s - I| %.2e, sd %.4f (1/sqrt %d: %.4f)",
                      cases[ci].cls, cases[ci].input, rows, cols, tall ? "W^T W" : "W W^T",
                      worst, s.sd, len, 1 / sqrt ((double) len));
      g_assert_cmpfloat (worst, <, 1e-5);
      /* unit vectors of len entries: mean square 1 / len; not a
       * permutation or a sign matrix */
      g_assert_cmpfloat (fabs (s.sd * sqrt ((double) len) - 1), <, 0.1);
      g_assert_cmpfloat (s.max_abs, <, 0.9);
    }
  /* the seed decides the matrix */
  int l1, l2;
  g_autoptr (NnModel) a = kernel_model ("20", "Dense", "units", "10", "orthogonal", 1, &l1);
  g_autoptr (NnModel) b = kernel_model ("20", "Dense", "units", "10", "orthogonal", 1, &l2);
  g_autoptr (NnModel) c = kernel_model ("20", "Dense", "units", "10", "orthogonal", 2, &l2);
  NnTensor wa, wb, wc;
  nn_model_layer_get_weight (a, l1, 0, &wa);
  nn_model_layer_get_weight (b, l2, 0, &wb);
  nn_model_layer_get_weight (c, l2, 0, &wc);
  g_assert_cmpmem (wa.data, wa.size * sizeof (float), wb.data, wb.size * sizeof (float));
  g_assert_true (memcmp (wa.data, wc.data, wa.size * sizeof (float)) != 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/init/random-normal", test_random_normal);
  g_test_add_func ("/engine/init/truncated-normals", test_truncated_normals);
  g_test_add_func ("/engine/init/uniforms", test_uniforms);
  g_test_add_func ("/engine/init/conv-fans", test_conv_fans);
  g_test_add_func ("/engine/init/orthogonal", test_orthogonal);
  return g_test_run ();
}
