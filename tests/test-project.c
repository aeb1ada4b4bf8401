/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The projector's engine: PCA against a power iteration written here,
 * t-SNE separating well-separated blobs in 2-D and 3-D, determinism,
 * cancelling, bad input refused in words, and probe values against
 * nn_model_run. */
#include <math.h>
#include <string.h>

#include "test-util.h"

/* PCA's components against the power iteration's, relative to the
 * projection's largest value: float products against double ones. */
#define PCA_TOL 1e-4
/* What "explains ~100%" means for a rank-2 set in float. */
#define RANK2_SHARE 0.9999
/* Nearest-neighbour label agreement t-SNE must reach on the blobs. */
#define BLOB_AGREEMENT 0.95

/* (n, d): points z diag (scale) A, z and A normal from seed, plus an
 * offset of 3 on every feature (PCA must centre). */
static NnTensor *
mixed_gaussian (int n, int d, const double *scale, guint64 seed)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  g_autofree double *a = g_new (double, (size_t) d * (size_t) d);
  for (int i = 0; i < d * d; i++)
    a[i] = nn_rng_normal (&rng);
  int shape[2] = { n, d };
  NnTensor *x = nn_tensor_new (2, shape);
  g_autofree double *z = g_new (double, (size_t) d);
  for (int i = 0; i < n; i++)
    {
      for (int k = 0; k < d; k++)
        z[k] = nn_rng_normal (&rng) * scale[k];
      for (int j = 0; j < d; j++)
        {
          double s = 3;
          for (int k = 0; k < d; k++)
            s += z[k] * a[k * d + j];
          x->data[i * d + j] = (float) s;
        }
    }
  return x;
}

/* The covariance (d, d) of x in double, and its mean. */
static double *
covariance (const NnTensor *x, double *mean)
{
  int n = x->shape[0], d = x->shape[1];
  for (int j = 0; j < d; j++)
    {
      mean[j] = 0;
      for (int i = 0; i < n; i++)
        mean[j] += x->data[i * d + j];
      mean[j] /= n;
    }
  double *c = g_new0 (double, (size_t) d * (size_t) d);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < d; j++)
      for (int k = 0; k < d; k++)
        c[j * d + k] += (x->data[i * d + j] - mean[j]) * (x->data[i * d + k] - mean[k]) / (n - 1);
  return c;
}

/* The top eigenvector of c by power iteration (until it moves less than
 * 1e-13), sign fixed so that its largest coordinate is positive; returns
 * its eigenvalue. */
static double
power_iteration (const double *c, int d, double *v)
{
  g_autofree double *w = g_new (double, (size_t) d);
  for (int j = 0; j < d; j++)
    v[j] = 1.0 / sqrt (d) + 0.01 * j;
  double lambda = 0;
  for (int it = 0; it < 100000; it++)
    {
      double norm = 0, move = 0;
      for (int j = 0; j < d; j++)
        {
          w[j] = 0;
          for (int k = 0; k < d; k++)
            w[j] += c[j * d + k] * v[k];
          norm += w[j] * w[j];
        }
      norm = sqrt (norm);
      for (int j = 0; j < d; j++)
        {
          move = fmax (move, fabs (w[j] / norm - v[j]));
          v[j] = w[j] / norm;
        }
      lambda = norm;
      if (move < 1e-13)
        break;
    }
  int big = 0;
  for (int j = 1; j < d; j++)
    if (fabs (v[j]) > fabs (v[big]))
      big = j;
  if (v[big] < 0)
    for (int j = 0; j < d; j++)
      v[j] = -v[j];
  return lambda;
}

/* max over points of |y[:, col] - (x - mean) v| / max |(x - mean) v| */
static double
component_diff (const NnTensor *y, int col, const NnTensor *x, const double *mean,
                const double *v)
{
  int n = x->shape[0], d = x->shape[1], dims = y->shape[1];
  double diff = 0, scale = 0;
  for (int i = 0; i < n; i++)
    {
      double want = 0;
      for (int j = 0; j < d; j++)
        want += (x->data[i * d + j] - mean[j]) * v[j];
      diff = fmax (diff, fabs (y->data[i * dims + col] - want));
      scale = fmax (scale, fabs (want));
    }
  return diff / scale;
}

static void
test_pca_power_iteration (void)
{
  const int n = 500, d = 12;
  const double scale[12] = { 6, 4, 3, 2.2, 1.7, 1.3, 1, 0.8, 0.6, 0.4, 0.3, 0.2 };
  g_autoptr (NnTensor) x = mixed_gaussian (n, d, scale, 11);
  g_autoptr (GError) error = NULL;
  NnProjectConfig cfg;
  nn_project_config_init (&cfg);
  g_assert_cmpint (cfg.method, ==, NN_PROJECT_PCA);
  cfg.dims = 3;
  double explained[3] = { -1, -1, -1 };
  int calls = 0;
  g_autoptr (NnTensor) y = nn_project (x, &cfg, NULL, &calls, explained, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, n);
  g_assert_cmpint (y->shape[1], ==, 3);

  double mean[12];
  g_autofree double *c = covariance (x, mean);
  double trace = 0;
  for (int j = 0; j < d; j++)
    trace += c[j * d + j];
  /* the first two components, the second by deflation */
  for (int comp = 0; comp < 2; comp++)
    {
      double v[12];
      double lambda = power_iteration (c, d, v);
      double diff = component_diff (y, comp, x, mean, v);
      g_test_message ("component %d: eigenvalue %g, share %g (PCA's %g), relative difference %g",
                      comp, lambda, lambda / trace, explained[comp], diff);
      g_assert_cmpfloat (diff, <=, PCA_TOL);
      g_assert_cmpfloat (fabs (explained[comp] - lambda / trace), <=, PCA_TOL);
      for (int j = 0; j < d; j++)
        for (int k = 0; k < d; k++)
          c[j * d + k] -= lambda * v[j] * v[k];
    }
  /* shares sorted, positive, summing to at most 1 */
  double sum = 0;
  for (int k = 0; k < 3; k++)
    {
      g_assert_cmpfloat (explained[k], >, 0);
      if (k > 0)
        g_assert_cmpfloat (explained[k], <=, explained[k - 1]);
      sum += explained[k];
    }
  g_assert_cmpfloat (sum, <=, 1.0);
  g_assert_cmpfloat (sum, <, 0.99); /* 12 features: three do not explain everything */
}

/* More features than points (a flattened convolution: 40 points of 300
 * features): the Gram route gives the covariance's top components as the
 * power iteration finds them, where a (300, 300) covariance would also do
 * but a (21632, 21632) one would not fit. */
static void
test_pca_wide (void)
{
  const int n = 40, d = 300;
  g_autofree double *scale = g_new (double, d);
  for (int k = 0; k < d; k++)
    scale[k] = k < 3 ? 8.0 / (k + 1) : 0.05;
  g_autoptr (NnTensor) x = mixed_gaussian (n, d, scale, 5);
  g_autoptr (GError) error = NULL;
  NnProjectConfig cfg;
  double explained[2] = { -1, -1 };
  nn_project_config_init (&cfg);
  g_autoptr (NnTensor) y = nn_project (x, &cfg, NULL, NULL, explained, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  g_assert_cmpint (y->shape[0], ==, n);
  g_assert_cmpint (y->shape[1], ==, 2);

  g_autofree double *mean = g_new (double, d);
  g_autofree double *c = covariance (x, mean);
  g_autofree double *v = g_new (double, d);
  double trace = 0;
  for (int j = 0; j < d; j++)
    trace += c[j * d + j];
  for (int comp = 0; comp < 2; comp++)
    {
      double lambda = power_iteration (c, d, v);
      double diff = component_diff (y, comp, x, mean, v);
      g_test_message ("wide, component %d: share %g (PCA's %g), relative difference %g", comp,
                      lambda / trace, explained[comp], diff);
      g_assert_cmpfloat (diff, <=, 1e-3);
      g_assert_cmpfloat (fabs (explained[comp] - lambda / trace), <=, 1e-4);
      for (int j = 0; j < d; j++)
        for (int k = 0; k < d; k++)
          c[j * d + k] -= lambda * v[j] * v[k];
    }
}

static void
test_pca_rank2 (void)
{
  /* points on a plane through (1, ..., 1) in 10-D */
  const int n = 200, d = 10;
  int shape[2] = { n, d };
  g_autoptr (NnTensor) x = nn_tensor_new (2, shape);
  NnRng rng;
  nn_rng_seed (&rng, 5);
  double u[10], w[10];
  for (int j = 0; j < d; j++)
    {
      u[j] = nn_rng_normal (&rng);
      w[j] = nn_rng_normal (&rng);
    }
  for (int i = 0; i < n; i++)
    {
      double a = 5 * nn_rng_normal (&rng), b = 2 * nn_rng_normal (&rng);
      for (int j = 0; j < d; j++)
        x->data[i * d + j] = (float) (1 + a * u[j] + b * w[j]);
    }
  for (int dims = 2; dims <= 3; dims++)
    {
      g_autoptr (GError) error = NULL;
      NnProjectConfig cfg;
      nn_project_config_init (&cfg);
      cfg.dims = dims;
      double explained[3] = { -1, -1, -1 };
      g_autoptr (NnTensor) y = nn_project (x, &cfg, NULL, NULL, explained, &error);
      g_assert_no_error (error);
      g_assert_cmpint (y->shape[1], ==, dims);
      g_test_message ("rank 2 in %d-D: shares %g %g %g", dims, explained[0], explained[1],
                      dims == 3 ? explained[2] : 0);
      g_assert_cmpfloat (explained[0] + explained[1], >=, RANK2_SHARE);
      g_assert_cmpfloat (explained[0] + explained[1], <=, 1 + 1e-9);
      g_assert_cmpfloat (explained[0], >=, explained[1]);
      if (dims == 3)
        g_assert_cmpfloat (explained[2], <=, 1 - RANK2_SHARE);
      /* each component's largest coordinate is positive: the projections
       * then sum to zero with the larger ones on the positive side for
       * these symmetric data, so at least check they are centred */
      for (int k = 0; k < dims; k++)
        {
          double s = 0, m = 0;
          for (int i = 0; i < n; i++)
            {
              s += y->data[i * dims + k];
              m = fmax (m, fabs (y->data[i * dims + k]));
            }
          g_assert_cmpfloat (fabs (s / n), <=, 1e-4 * fmax (m, 1));
        }
    }
}

/* Three Gaussian blobs of `per` points in d dimensions, centres 10 apart
 * on distinct axes, sd 1; labels gets each point's blob. */
static NnTensor *
blobs (int per, int d, int *labels, guint64 seed)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  int n = 3 * per, shape[2] = { n, d };
  NnTensor *x = nn_tensor_new (2, shape);
  for (int i = 0; i < n; i++)
    {
      int b = i % 3;
      labels[i] = b;
      for (int j = 0; j < d; j++)
        x->data[i * d + j] = nn_rng_normal (&rng) + (j == b ? 10.0f : 0.0f);
    }
  return x;
}

/* The share of points whose nearest other point in the map has their label. */
static double
nn_agreement (const NnTensor *y, const int *labels)
{
  int n = y->shape[0], dims = y->shape[1], same = 0;
  for (int i = 0; i < n; i++)
    {
      int best = -1;
      double bd = INFINITY;
      for (int j = 0; j < n; j++)
        {
          if (j == i)
            continue;
          double dist = 0;
          for (int k = 0; k < dims; k++)
            dist += pow (y->data[i * dims + k] - y->data[j * dims + k], 2);
          if (dist < bd)
            {
              bd = dist;
              best = j;
            }
        }
      same += labels[best] == labels[i];
    }
  return (double) same / n;
}

typedef struct {
  int calls, last_step, steps, stop_at;
} Progress;

static gboolean
progress_cb (int step, int steps, gpointer user_data)
{
  Progress *p = user_data;
  p->calls++;
  g_assert_cmpint (step, ==, p->last_step + 1);
  p->last_step = step;
  p->steps = steps;
  return p->stop_at <= 0 || step < p->stop_at;
}

static void
check_tsne_blobs (int dims)
{
  int labels[300];
  g_autoptr (NnTensor) x = blobs (100, 10, labels, 21);
  NnProjectConfig cfg;
  nn_project_config_init (&cfg);
  cfg.method = NN_PROJECT_TSNE;
  cfg.dims = dims;
  cfg.seed = 4;
  g_autoptr (GError) error = NULL;
  Progress p = { 0 };
  double explained[3] = { 0, 0, 0 };
  g_autoptr (NnTensor) y = nn_project (x, &cfg, progress_cb, &p, explained, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  g_assert_cmpint (y->shape[0], ==, 300);
  g_assert_cmpint (y->shape[1], ==, dims);
  g_assert_cmpint (p.calls, ==, cfg.iterations);
  g_assert_cmpint (p.steps, ==, cfg.iterations);
  g_assert_true (isnan (explained[0]));
  double spread = 0;
  for (size_t i = 0; i < y->size; i++)
    {
      g_assert_true (isfinite (y->data[i]));
      spread = fmax (spread, fabs (y->data[i]));
    }
  double agree = nn_agreement (y, labels);
  g_test_message ("t-SNE %d-D on 3 blobs of 100 points in 10-D: nearest-neighbour label "
                  "agreement %.3f, map radius %.1f",
                  dims, agree, spread);
  g_print ("# t-SNE %d-D: nearest-neighbour label agreement %.3f\n", dims, agree);
  g_assert_cmpfloat (agree, >=, BLOB_AGREEMENT);
  /* the map has grown from its 1e-4 start */
  g_assert_cmpfloat (spread, >, 1);
}

static void
test_tsne_blobs_2d (void)
{
  check_tsne_blobs (2);
}

static void
test_tsne_blobs_3d (void)
{
  check_tsne_blobs (3);
}

static void
test_tsne_seed (void)
{
  int labels[90];
  g_autoptr (NnTensor) x = blobs (30, 5, labels, 8);
  NnProjectConfig cfg;
  nn_project_config_init (&cfg);
  cfg.method = NN_PROJECT_TSNE;
  cfg.perplexity = 10;
  cfg.iterations = 300;
  cfg.seed = 77;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTensor) a = nn_project (x, &cfg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) b = nn_project (x, &cfg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
  cfg.seed = 78;
  g_autoptr (NnTensor) c = nn_project (x, &cfg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (memcmp (a->data, c->data, a->size * sizeof (float)), !=, 0);
}

static void
test_cancel (void)
{
  int labels[90];
  g_autoptr (NnTensor) x = blobs (30, 5, labels, 8);
  NnProjectConfig cfg;
  nn_project_config_init (&cfg);
  cfg.method = NN_PROJECT_TSNE;
  cfg.perplexity = 10;
  g_autoptr (GError) error = NULL;
  Progress p = { .stop_at = 10 };
  NnTensor *y = nn_project (x, &cfg, progress_cb, &p, NULL, &error);
  g_assert_null (y);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (p.calls, ==, 10);
  g_clear_error (&error);
  /* PCA reports once, and can be cancelled there */
  cfg.method = NN_PROJECT_PCA;
  p = (Progress) { .stop_at = 1 };
  y = nn_project (x, &cfg, progress_cb, &p, NULL, &error);
  g_assert_null (y);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (p.calls, ==, 1);
  g_assert_cmpint (p.steps, ==, 1);
}

/* nn_project refuses x with cfg, with NN_TRAIN_ERROR_CONFIG and a message
 * holding `words`. */
static void
check_refused (const NnTensor *x, const NnProjectConfig *cfg, const char *words)
{
  g_autoptr (GError) error = NULL;
  double explained[3];
  NnTensor *y = nn_project (x, cfg, NULL, NULL, explained, &error);
  g_assert_null (y);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_bad_input (void)
{
  int labels[30];
  g_autoptr (NnTensor) x = blobs (10, 4, labels, 2);
  NnProjectConfig pca, tsne;
  nn_project_config_init (&pca);
  nn_project_config_init (&tsne);
  tsne.method = NN_PROJECT_TSNE;
  tsne.perplexity = 5;

  int one_shape[2] = { 1, 4 };
  g_autoptr (NnTensor) one = nn_tensor_new (2, one_shape);
  check_refused (one, &pca, "at least 2 points, not 1");
  check_refused (one, &tsne, "at least 2 points, not 1");
  int flat_shape[1] = { 12 };
  g_autoptr (NnTensor) flat = nn_tensor_new (1, flat_shape);
  check_refused (flat, &pca, "(n, features)");
  check_refused (NULL, &pca, "nothing");

  for (int dims = 0; dims <= 4; dims += 4)
    {
      NnProjectConfig c = pca;
      c.dims = dims;
      check_refused (x, &c, "2 or 3 dimensions");
      c = tsne;
      c.dims = dims;
      check_refused (x, &c, "2 or 3 dimensions");
    }

  g_autoptr (NnTensor) bad = nn_tensor_copy (x);
  bad->data[2 * 4 + 3] = NAN;
  check_refused (bad, &pca, "Point 2 has a value that is not a number");
  check_refused (bad, &tsne, "feature 3");
  bad->data[2 * 4 + 3] = INFINITY;
  check_refused (bad, &tsne, "Point 2");

  NnProjectConfig c = tsne;
  c.perplexity = 30; /* n is 30 */
  check_refused (x, &c, "perplexity 30 is out of range for 30 points");
  c.perplexity = 0;
  check_refused (x, &c, "perplexity 0");
  c.perplexity = NAN;
  check_refused (x, &c, "perplexity");
  c = tsne;
  c.iterations = 0;
  check_refused (x, &c, "at least 1 iteration");
  c = tsne;
  c.learning_rate = -1;
  check_refused (x, &c, "learning rate");
  c = tsne;
  c.method = 7;
  check_refused (x, &c, "no projection method 7");

  /* the largest valid perplexity and the fewest points work */
  g_autoptr (GError) error = NULL;
  c = tsne;
  c.perplexity = 29;
  c.iterations = 50;
  g_autoptr (NnTensor) y = nn_project (x, &c, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
  int two_shape[2] = { 2, 4 };
  g_autoptr (NnTensor) two = nn_tensor_new (2, two_shape);
  two->data[0] = 1;
  c.perplexity = 1;
  g_autoptr (NnTensor) y2 = nn_project (two, &c, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < y2->size; i++)
    g_assert_true (isfinite (y2->data[i]));
  /* identical points: PCA gives zeros and no shares, t-SNE stays finite */
  g_autoptr (NnTensor) same30 = nn_tensor_copy (x);
  nn_tensor_fill (same30, 2.5f);
  double explained[2] = { -1, -1 };
  g_autoptr (NnTensor) y3 = nn_project (same30, &pca, NULL, NULL, explained, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (explained[0], ==, 0);
  g_assert_cmpfloat (nn_tensor_max (y3), ==, 0);
  g_assert_cmpfloat (nn_tensor_min (y3), ==, 0);
  c.perplexity = 5;
  g_autoptr (NnTensor) y4 = nn_project (same30, &c, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < y4->size; i++)
    g_assert_true (isfinite (y4->data[i]));
}

/* A 1-feature set projected to 2-D: the second column is zero, its share 0. */
static void
test_pca_fewer_features (void)
{
  int shape[2] = { 5, 1 };
  g_autoptr (NnTensor) x = nn_tensor_new (2, shape);
  for (int i = 0; i < 5; i++)
    x->data[i] = (float) (i * i);
  NnProjectConfig cfg;
  nn_project_config_init (&cfg);
  g_autoptr (GError) error = NULL;
  double explained[2] = { -1, -1 };
  g_autoptr (NnTensor) y = nn_project (x, &cfg, NULL, NULL, explained, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (explained[0] - 1), <=, 1e-6);
  g_assert_cmpfloat (explained[1], ==, 0);
  for (int i = 0; i < 5; i++)
    {
      g_assert_cmpfloat (fabs (y->data[i * 2] - (i * i - 6.0f)), <=, 1e-5);
      g_assert_cmpfloat (y->data[i * 2 + 1], ==, 0);
    }
}

/* probe values (n, features) against nn_model_run of the probe's layer
 * call, reshaped; n above the inspector's forward batch, so slices are
 * joined. */
static void
test_probe_values (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  int shape[NN_MAX_DIMS + 1] = { 45 };
  int ndim = nn_inspector_get_input_shape (in, shape + 1);
  g_autoptr (NnTensor) x = nn_tensor_new (ndim + 1, shape);
  NnRng rng;
  nn_rng_seed (&rng, 9);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = nn_rng_uniform (&rng);
  int checked = 0, spatial = 0;
  for (int k = 0; k < nn_inspector_get_n_probes (in); k++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, k);
      g_autoptr (NnTensor) v = nn_inspector_probe_values (in, x, k, &error);
      g_assert_no_error (error);
      size_t per = nn_shape_size (p->ndim, p->shape);
      g_assert_cmpint (v->ndim, ==, 2);
      g_assert_cmpint (v->shape[0], ==, 45);
      g_assert_cmpint (v->shape[1], ==, (int) per);
      NnTensor *xs[1] = { x };
      g_autoptr (NnTensor) want = nn_model_run (m, xs, 1, p->ref, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (want->size, ==, v->size);
      double d = 0, scale = 1;
      for (size_t i = 0; i < v->size; i++)
        {
          d = fmax (d, fabs ((double) v->data[i] - want->data[i]));
          scale = fmax (scale, fabs ((double) want->data[i]));
        }
      g_assert_cmpfloat (d / scale, <=, 1e-6);
      checked++;
      spatial += p->spatial;
    }
  g_assert_cmpint (checked, >, 4);
  g_assert_cmpint (spatial, >, 1);
  /* a probe out of range and a wrong input shape are refused */
  int n = nn_inspector_get_n_probes (in);
  NnTensor *none = nn_inspector_probe_values (in, x, n, &error);
  g_assert_null (none);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  int wrong_shape[2] = { 3, 7 };
  g_autoptr (NnTensor) wrong = nn_tensor_new (2, wrong_shape);
  none = nn_inspector_probe_values (in, wrong, 0, &error);
  g_assert_null (none);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/project/pca/power-iteration", test_pca_power_iteration);
  g_test_add_func ("/engine/project/pca/rank2", test_pca_rank2);
  g_test_add_func ("/engine/project/pca/wide", test_pca_wide);
  g_test_add_func ("/engine/project/pca/fewer-features", test_pca_fewer_features);
  g_test_add_func ("/engine/project/tsne/blobs-2d", test_tsne_blobs_2d);
  g_test_add_func ("/engine/project/tsne/blobs-3d", test_tsne_blobs_3d);
  g_test_add_func ("/engine/project/tsne/seed", test_tsne_seed);
  g_test_add_func ("/engine/project/cancel", test_cancel);
  g_test_add_func ("/engine/project/bad-input", test_bad_input);
  g_test_add_func ("/engine/project/probe-values", test_probe_values);
  return g_test_run ();
}
