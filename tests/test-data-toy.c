/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Generated datasets (toy sets, features, regression, test share),
 * one-hot targets and per-batch gathering. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static size_t
count_class (const NnDataset *ds,
             int              c)
{
  const gint32 *lab = ds->targets[0]->data;
  size_t k = 0;
  for (size_t i = 0; i < ds->n; i++)
    k += lab[i] == c;
  return k;
}

static float
raw_f32 (const NnArray *a,
         size_t         i,
         size_t         j)
{
  g_assert_cmpint (a->dtype, ==, NN_DTYPE_F32);
  return ((const float *) a->data)[i * a->sample_size + j];
}

/* ------------------------------------------------------------------------ */
/* Generated sets                                                           */
/* ------------------------------------------------------------------------ */

static void
test_toy (void)
{
  static const struct { const char *spec; int k; } cases[] = {
    { "spirals", 2 }, { "spirals:classes=3", 3 }, { "moons", 2 }, { "circles", 2 },
    { "circles:classes=3", 3 }, { "xor", 2 }, { "blobs", 3 }, { "blobs:classes=5:n=500", 5 },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);
      g_assert_no_error (error);
      size_t n = strstr (cases[c].spec, "n=500") ? 500 : 1000;
      g_assert_cmpuint (ds->n, ==, n);
      g_assert_cmpuint (ds->n_test, ==, n / 5);
      g_assert_cmpuint (ds->n_train, ==, n - n / 5);
      for (size_t i = 1; i < ds->n_test; i++)
        g_assert_cmpuint (ds->test_idx[i], >, ds->test_idx[i - 1]);
      g_assert_cmpuint (ds->test_idx[0], ==, n - n / 5);
      g_assert_cmpint (ds->n_classes, ==, cases[c].k);
      NnArray *x = ds->inputs[0], *y = ds->targets[0];
      g_assert_cmpint (x->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (x->ndim, ==, 1);
      g_assert_cmpint (x->shape[0], ==, 2);
      g_assert_cmpint (y->dtype, ==, NN_DTYPE_I32);
      g_assert_cmpint (y->ndim, ==, 0);

      /* Balanced classes overall, and each class in the test split. */
      for (int k = 0; k < cases[c].k; k++)
        {
          size_t cnt = count_class (ds, k), in_test = 0;
          g_assert_cmpuint (cnt, >=, n / cases[c].k);
          g_assert_cmpuint (cnt, <=, n / cases[c].k + 1);
          for (size_t i = 0; i < ds->n_test; i++)
            in_test += ((gint32 *) y->data)[ds->test_idx[i]] == k;
          g_assert_cmpuint (in_test, >, 0);
        }
      const float *p = x->data;
      for (size_t i = 0; i < 2 * n; i++)
        g_assert_cmpfloat (fabsf (p[i]), <, 1.6f);

      /* Same seed, same data; another seed, other data. */
      g_autofree char *same = g_strdup_printf ("%s:seed=1", cases[c].spec);
      g_autofree char *other = g_strdup_printf ("%s:seed=2", cases[c].spec);
      g_autoptr(NnDataset) a = nn_dataset_open (same, NULL, &error);
      g_assert_no_error (error);
      g_autoptr(NnDataset) b = nn_dataset_open (other, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (a->inputs[0]->data, n * 8, ds->inputs[0]->data, n * 8);
      g_assert_cmpmem (a->targets[0]->data, n * 4, ds->targets[0]->data, n * 4);
      g_assert_true (memcmp (b->inputs[0]->data, ds->inputs[0]->data, n * 8) != 0);
    }
}

static void
test_toy_shapes_of_classes (void)
{
  g_autoptr(GError) error = NULL;

  /* circles: class 0 is the outer ring. */
  g_autoptr(NnDataset) c = nn_dataset_new_toy (NN_TOY_CIRCLES, 1000, 0.05, 2, 3, &error);
  g_assert_no_error (error);
  double r[2] = { 0, 0 };
  for (size_t i = 0; i < c->n; i++)
    {
      const float *p = (const float *) c->inputs[0]->data + 2 * i;
      r[((gint32 *) c->targets[0]->data)[i]] += hypot (p[0], p[1]) / 500;
    }
  g_assert_cmpfloat_with_epsilon (r[0], 1.0, 0.05);
  g_assert_cmpfloat_with_epsilon (r[1], 0.5, 0.05);

  /* xor without noise: class 1 exactly where the signs differ. */
  g_autoptr(NnDataset) x = nn_dataset_new_toy (NN_TOY_XOR, 400, 0.0, 0, 4, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < x->n; i++)
    {
      const float *p = (const float *) x->inputs[0]->data + 2 * i;
      g_assert_cmpint (((gint32 *) x->targets[0]->data)[i], ==, (p[0] > 0) != (p[1] > 0));
    }

  /* Errors: classes for a two-class set, too few samples, bad options. */
  g_assert_null (nn_dataset_new_toy (NN_TOY_MOONS, 100, 0.1, 3, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_new_toy (NN_TOY_BLOBS, 5, 0.1, 3, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE);
  g_clear_error (&error);
  const char *bad[] = {
    "moons:classes=3", "spirals:n=abc", "spirals:n=0", "spirals:noise=-1",
    "spirals:arms=3", "spirals:n", "xor:seed=1.5", "blobs:classes=99",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (nn_dataset_open (bad[i], NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_test_message ("%s: %s", bad[i], error->message);
      g_clear_error (&error);
    }
  g_assert_null (nn_dataset_open ("spirals:arms=3", NULL, &error));
  g_assert_nonnull (strstr (error->message, "noise"));
  g_clear_error (&error);

  g_assert_null (nn_dataset_open ("cifar10", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "spirals"));
  g_assert_nonnull (strstr (error->message, "fashion-mnist"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
  g_assert_null (nn_dataset_open (":n=3", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
}

static void
test_regression_twoinput (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("regression", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n, ==, 1000);
  g_assert_cmpuint (ds->n_test, ==, 200);
  g_assert_cmpint (ds->n_classes, ==, 0);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 8);
  NnArray *y = ds->targets[0];
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (y->ndim, ==, 1);
  g_assert_cmpint (y->shape[0], ==, 1);
  double s = 0, sq = 0;
  for (size_t i = 0; i < y->n; i++)
    s += raw_f32 (y, i, 0), sq += raw_f32 (y, i, 0) * raw_f32 (y, i, 0);
  double sd = sqrt (sq / y->n - (s / y->n) * (s / y->n));
  g_test_message ("regression target: mean %.3f sd %.3f", s / y->n, sd);
  g_assert_cmpfloat (sd, >, 0.5);
  g_assert_cmpfloat (sd, <, 3.0);

  /* The target is a function of the features: with no noise the same
   * features give the same target, and noise changes it only a little. */
  g_autoptr(NnDataset) a = nn_dataset_new_regression (50, 3, 0.0, 9, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) b = nn_dataset_new_regression (50, 3, 0.0, 9, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a->targets[0]->data, 200, b->targets[0]->data, 200);
  g_autoptr(NnDataset) c = nn_dataset_open ("regression:n=50:features=3:seed=10:noise=0.5",
                                            NULL, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (a->inputs[0]->data, c->inputs[0]->data, 600) != 0);
  g_assert_null (nn_dataset_open ("regression:features=0", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);

  g_autoptr(NnDataset) t = nn_dataset_open ("twoinput:n=500", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->n_inputs, ==, 2);
  g_assert_cmpint (t->n_targets, ==, 2);
  g_assert_cmpuint (t->n_test, ==, 100);
  g_assert_cmpint (t->inputs[0]->shape[0], ==, 8);
  g_assert_cmpint (t->inputs[1]->shape[0], ==, 8);
  g_assert_cmpuint (t->inputs[1]->n, ==, 500);
  g_assert_cmpint (t->targets[0]->dtype, ==, NN_DTYPE_I32);
  g_assert_cmpint (t->targets[1]->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (t->targets[1]->shape[0], ==, 1);
  g_assert_cmpint (t->n_classes, ==, 2);
  size_t ones = count_class (t, 1);
  g_assert_cmpuint (ones, >, 150);
  g_assert_cmpuint (ones, <, 350);
}

/* ------------------------------------------------------------------------ */
/* Preprocessing and gathering                                              */
/* ------------------------------------------------------------------------ */

static void
test_one_hot (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("blobs:n=30", NULL, &error);
  g_assert_no_error (error);
  g_autofree gint32 *lab = g_memdup2 (ds->targets[0]->data, 30 * sizeof (gint32));
  g_assert_true (nn_dataset_one_hot (ds, 0, &error));
  g_assert_no_error (error);
  NnArray *y = ds->targets[0];
  g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
  g_assert_cmpint (y->ndim, ==, 1);
  g_assert_cmpint (y->shape[0], ==, 3);
  g_assert_cmpuint (y->n, ==, 30);
  g_assert_cmpstr (y->feature_names[2], ==, ds->class_names[2]);
  for (size_t i = 0; i < 30; i++)
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat (raw_f32 (y, i, c), ==, c == lab[i] ? 1.f : 0.f);

  /* Twice: it is no longer a class label. A regression target never was. */
  g_assert_false (nn_dataset_one_hot (ds, 0, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);
  g_autoptr(NnDataset) r = nn_dataset_open ("twoinput:n=20", NULL, &error);
  g_assert_no_error (error);
  g_assert_false (nn_dataset_one_hot (r, 1, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_true (nn_dataset_one_hot (r, 0, &error));
  g_assert_cmpint (r->targets[0]->shape[0], ==, 2);
}

static NnArray *
make_array (NnDType     dtype,
            size_t      n,
            size_t      m,
            const void *data,
            gboolean    scaled)
{
  NnArray *a = g_new0 (NnArray, 1);
  a->name = g_strdup ("t");
  a->dtype = dtype;
  a->ndim = 1;
  a->shape[0] = (int) m;
  a->sample_size = m;
  a->n = n;
  size_t es = dtype == NN_DTYPE_U8 ? 1 : 4;
  a->data = g_memdup2 (data, n * m * es);
  if (scaled)
    {
      a->scale = g_new (float, m);
      a->offset = g_new (float, m);
      for (size_t j = 0; j < m; j++)
        {
          a->scale[j] = 0.5f * (j + 1);
          a->offset[j] = (float) j - 1.f;
        }
    }
  return a;
}

static void
test_gather (void)
{
  enum { N = 4, M = 19 };   /* odd width: vector loops have a tail */
  guint8 u8[N * M];
  gint32 i32[N * M];
  float f32[N * M];
  for (int k = 0; k < N * M; k++)
    {
      u8[k] = (guint8) (k * 13 + 200);
      i32[k] = k * 7 - 100;
      f32[k] = (float) k * 0.25f - 3.f;
    }
  const guint32 idx[5] = { 3, 0, 2, 2, 1 };
  const NnDType types[3] = { NN_DTYPE_U8, NN_DTYPE_I32, NN_DTYPE_F32 };
  const void *src[3] = { u8, i32, f32 };

  for (int t = 0; t < 3; t++)
    for (int scaled = 0; scaled < 2; scaled++)
      {
        g_autoptr(NnArray) a = make_array (types[t], N, M, src[t], scaled);
        float out[5 * M];
        nn_array_gather (a, idx, 5, out);
        for (int i = 0; i < 5; i++)
          for (int j = 0; j < M; j++)
            {
              size_t k = idx[i] * M + j;
              double raw = t == 0 ? u8[k] : t == 1 ? i32[k] : f32[k];
              double want = scaled ? raw * 0.5 * (j + 1) + (j - 1.0) : raw;
              g_assert_cmpfloat_with_epsilon (out[i * M + j], want, 1e-4 * (1 + fabs (want)));
              g_assert_cmpfloat_with_epsilon (nn_array_get (a, idx[i], j), out[i * M + j],
                                              1e-5 * (1 + fabs (want)));
            }
      }

  /* uint8 values convert exactly (0 and 255 included). */
  guint8 ends[2] = { 0, 255 };
  g_autoptr(NnArray) e = make_array (NN_DTYPE_U8, 1, 2, ends, FALSE);
  float eo[2];
  guint32 zero = 0;
  nn_array_gather (e, &zero, 1, eo);
  g_assert_cmpfloat (eo[0], ==, 0.f);
  g_assert_cmpfloat (eo[1], ==, 255.f);

  /* Empty batch: nothing to do, nothing touched. */
  nn_array_gather (e, NULL, 0, NULL);
}

/* ------------------------------------------------------------------------ */

static void
test_toy_features (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) plain = nn_dataset_open ("spirals:n=200", NULL, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) ds = nn_dataset_open ("spirals:n=200:features=x1x2,x1sq,sinx2,x1",
                                             NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds->points);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 4);
  g_assert_cmpstr (ds->inputs[0]->feature_names[0], ==, "x1");
  g_assert_cmpstr (ds->inputs[0]->feature_names[1], ==, "x1sq");
  g_assert_cmpstr (ds->inputs[0]->feature_names[2], ==, "x1x2");
  g_assert_cmpstr (ds->inputs[0]->feature_names[3], ==, "sinx2");
  for (size_t i = 0; i < ds->n; i += 17)
    {
      double x = nn_array_get (plain->inputs[0], i, 0), y = nn_array_get (plain->inputs[0], i, 1);
      g_assert_cmpfloat (nn_array_get (ds->points, i, 0), ==, x);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 0), x, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 1), x * x, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 2), x * y, 1e-6);
      g_assert_cmpfloat_with_epsilon (nn_array_get (ds->inputs[0], i, 3), sin (G_PI * y), 1e-6);
    }
  g_assert_cmpint (ds->n_test, ==, plain->n_test);

  g_assert_null (nn_dataset_open ("spirals:features=x3", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "x3"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("twoinput:features=x1", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  guint mask = 0;
  g_assert_true (nn_features_parse ("sinx1, x2", &mask, NULL));
  g_autofree char *text = nn_features_to_string (mask);
  g_assert_cmpstr (text, ==, "x2,sinx1");
  g_assert_cmpint (nn_features_count (mask), ==, 2);
}

/* plane and gaussians: two coordinates in [-1, 1] in, one value out, no
 * classes; without noise plane's value is (x1 + x2) / 2 exactly and the
 * Gaussians' bumps sit where they are placed (up at (-0.55, 0.55), down at
 * (0.55, 0.55)). */
static void
test_toy_regression (void)
{
  static const char *const kinds[] = { "plane", "gaussians" };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *spec = g_strdup_printf ("%s:noise=0:n=600", kinds[k]);
      g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ds->n, ==, 600);
      g_assert_cmpint (ds->n_classes, ==, 0);
      g_assert_cmpint (ds->n_inputs, ==, 1);
      g_assert_cmpint (ds->n_targets, ==, 1);
      NnArray *x = ds->inputs[0], *y = ds->targets[0];
      g_assert_cmpint (x->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (x->ndim, ==, 1);
      g_assert_cmpint (x->shape[0], ==, 2);
      g_assert_cmpint (y->dtype, ==, NN_DTYPE_F32);
      g_assert_cmpint (y->ndim, ==, 1);
      g_assert_cmpint (y->shape[0], ==, 1);
      /* The default share held out for testing: a fifth, the tail. */
      g_assert_cmpuint (ds->n_test, ==, 120);
      g_assert_cmpuint (ds->n_train, ==, 480);
      g_assert_cmpuint (ds->test_idx[0], ==, 480);

      double lo = INFINITY, hi = -INFINITY, up = -INFINITY, down = INFINITY;
      for (size_t i = 0; i < ds->n; i++)
        {
          double px = nn_array_get (x, i, 0), py = nn_array_get (x, i, 1), v = nn_array_get (y, i, 0);

          g_assert_cmpfloat (px, >=, -1);
          g_assert_cmpfloat (px, <=, 1);
          g_assert_cmpfloat (py, >=, -1);
          g_assert_cmpfloat (py, <=, 1);
          g_assert_cmpfloat (v, >=, -1);
          g_assert_cmpfloat (v, <=, 1);
          lo = MIN (lo, v);
          hi = MAX (hi, v);
          if (k == 0)
            g_assert_cmpfloat_with_epsilon (v, (px + py) / 2, 1e-6);
          else if (hypot (px + 0.55, py - 0.55) < 0.15)
            up = MAX (up, v);
          else if (hypot (px - 0.55, py - 0.55) < 0.15)
            down = MIN (down, v);
        }
      g_test_message ("%s: values from %.3f to %.3f", kinds[k], lo, hi);
      /* The values use the range, not a corner of it. */
      g_assert_cmpfloat (lo, <, -0.5);
      g_assert_cmpfloat (hi, >, 0.5);
      if (k == 1)
        {
          g_assert_cmpfloat (up, >, 0.7);
          g_assert_cmpfloat (down, <, -0.7);
        }

      /* noise=F adds that much (a standard deviation) to each value. */
      g_autofree char *noisy_spec = g_strdup_printf ("%s:noise=0.2:n=600", kinds[k]);
      g_autoptr(NnDataset) noisy = nn_dataset_open (noisy_spec, NULL, &error);
      g_assert_no_error (error);
      double ss = 0;
      for (size_t i = 0; i < ds->n; i++)
        {
          g_assert_cmpfloat (nn_array_get (noisy->inputs[0], i, 0), ==, nn_array_get (x, i, 0));
          ss += pow (nn_array_get (noisy->targets[0], i, 0) - nn_array_get (y, i, 0), 2);
        }
      g_test_message ("%s: noise 0.2 gives a spread of %.3f", kinds[k], sqrt (ss / ds->n));
      g_assert_cmpfloat (fabs (sqrt (ss / ds->n) - 0.2), <, 0.03);

      /* A regression set has no classes to ask for. */
      g_autofree char *bad = g_strdup_printf ("%s:classes=3", kinds[k]);
      g_assert_null (nn_dataset_open (bad, NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
    }
}

/* :test=F holds out that share of the samples (rounded), the last ones,
 * for classification and regression sets alike; outside 0.05..0.95 it is
 * refused with the range. */
static void
test_toy_test_share (void)
{
  static const struct { const char *spec; size_t n_test; } cases[] = {
    { "spirals:n=500:test=0.3", 150 }, { "moons:n=500:test=0.05", 25 },
    { "blobs:n=333:test=0.5", 167 }, { "plane:n=500:test=0.4", 200 },
    { "gaussians:n=1000:test=0.95", 950 }, { "xor:n=10:test=0.25", 3 },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (cases[c].spec, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: %zu test, %zu training", cases[c].spec, ds->n_test, ds->n_train);
      g_assert_cmpuint (ds->n_test, ==, cases[c].n_test);
      g_assert_cmpuint (ds->n_train + ds->n_test, ==, ds->n);
      for (size_t i = 0; i < ds->n_test; i++)
        g_assert_cmpuint (ds->test_idx[i], ==, ds->n - ds->n_test + i);
      for (size_t i = 0; i < ds->n_train; i++)
        g_assert_cmpuint (ds->train_idx[i], ==, i);
    }

  static const char *const bad[] = {
    "spirals:test=0.99", "plane:test=0", "gaussians:test=-0.2", "moons:test=half",
  };
  for (guint c = 0; c < G_N_ELEMENTS (bad); c++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_null (nn_dataset_open (bad[c], NULL, &error));
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      g_assert_nonnull (strstr (error->message, "test"));
      g_assert_nonnull (strstr (error->message, "0.05 to 0.95"));
      g_test_message ("%s: %s", bad[c], error->message);
    }
}

/* ring: sample i of class k lies near mode k, at angle 2 pi k / K on the
 * circle of radius NN_TOY_RING_RADIUS; the noise is the asked std. */
static void
test_toy_ring (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("ring:n=4000:noise=0.05", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds->n_classes, ==, 8);
  const float *xy = ds->inputs[0]->data;
  const gint32 *k = ds->targets[0]->data;
  double sq = 0;
  for (size_t i = 0; i < ds->n; i++)
    {
      double a = 2 * G_PI * k[i] / 8;
      double dx = xy[2 * i] - NN_TOY_RING_RADIUS * cos (a);
      double dy = xy[2 * i + 1] - NN_TOY_RING_RADIUS * sin (a);
      g_assert_cmpfloat (hypot (dx, dy), <, 6 * 0.05);
      sq += dx * dx + dy * dy;
    }
  double sigma = sqrt (sq / (2.0 * ds->n));
  g_assert_cmpfloat (fabs (sigma - 0.05), <, 0.003);
  g_assert_null (nn_dataset_open ("ring:classes=40", NULL, &error));
  g_assert_nonnull (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/data/toy/sets", test_toy);
  g_test_add_func ("/engine/data/toy/classes", test_toy_shapes_of_classes);
  g_test_add_func ("/engine/data/toy/features", test_toy_features);
  g_test_add_func ("/engine/data/toy/regression", test_toy_regression);
  g_test_add_func ("/engine/data/toy/test-share", test_toy_test_share);
  g_test_add_func ("/engine/data/toy/ring", test_toy_ring);
  g_test_add_func ("/engine/data/regression-twoinput", test_regression_twoinput);
  g_test_add_func ("/engine/data/one-hot", test_one_hot);
  g_test_add_func ("/engine/data/gather", test_gather);

  int ret = g_test_run ();
  return ret;
}
