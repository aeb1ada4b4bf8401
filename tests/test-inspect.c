/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/inspect's core: probes (nested models included), activations
 * against nn_model_run, gradients against central differences, dead units,
 * and every way of misusing it returning an error in words. */
#include <math.h>
#include <string.h>

#include "test-util.h"

/* Activations and nn_model_run run the same kernels on the same batch of
 * one; a relative difference above this is a bug, not rounding. */
#define ACT_TOL     1e-6
/* Central differences in float: the analytic gradient against (f(x+h) -
 * f(x-h)) / 2h with f summed in double. */
#define FD_EPS      1e-2
#define FD_TOL      1e-2
/* The chain rule through a probe: two float backward passes. */
#define CHAIN_TOL   1e-4

/* Gives every weight of m (and of the models nested in it) seeded values
 * away from their initial ones, so that batch norms have statistics and
 * biases are not zero. */
static void
scramble_weights (NnModel *m, NnRng *rng)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *sub = nn_model_layer_get_submodel (m, l);
      if (sub)
        {
          scramble_weights (sub, rng);
          continue;
        }
      for (int k = 0; k < nn_model_layer_get_n_weights (m, l); k++)
        {
          NnTensor w;
          const char *name = nn_model_layer_get_weight (m, l, k, &w);
          for (size_t i = 0; i < w.size; i++)
            if (g_str_equal (name, "moving_variance"))
              w.data[i] = 0.5f + nn_rng_uniform (rng);
            else
              w.data[i] = w.data[i] * (0.8f + 0.4f * nn_rng_uniform (rng))
                          + 0.05f * nn_rng_normal (rng);
        }
    }
}

/* A sample with weights from its initializers (seeded), scrambled. */
static NnModel *
load_sample (const char *name, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load (test_sample (name), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, seed + 100);
  scramble_weights (m, &rng);
  return m;
}

/* (n, shape...) uniform in [0, 1). */
static NnTensor *
random_input (NnInspector *in, int n, NnRng *rng)
{
  int shape[NN_MAX_DIMS + 1] = { n };
  int ndim = nn_inspector_get_input_shape (in, shape + 1);
  NnTensor *t = nn_tensor_new (ndim + 1, shape);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = nn_rng_uniform (rng);
  return t;
}

static NnTensor *
random_like (int ndim, const int *shape, NnRng *rng)
{
  NnTensor *t = nn_tensor_new (ndim, shape);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = nn_rng_normal (rng);
  return t;
}

/* max |a - b| / max (1, max |b|) */
static double
rel_diff (const NnTensor *a, const NnTensor *b)
{
  g_assert_cmpuint (a->size, ==, b->size);
  double d = 0, scale = 1;
  for (size_t i = 0; i < a->size; i++)
    {
      d = fmax (d, fabs ((double) a->data[i] - b->data[i]));
      scale = fmax (scale, fabs ((double) b->data[i]));
    }
  return d / scale;
}

/* Every top-level probe of a sample equals nn_model_run of its layer call. */
static void
check_activations_match_run (const char *sample)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample (sample, 7);
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 3);
  g_autoptr (NnTensor) x = random_input (in, 1, &rng);
  NnTensor *pred = NULL;
  NnTensor **acts = nn_inspector_activations (in, x, &pred, &error);
  g_assert_no_error (error);
  g_assert_nonnull (acts);
  int n = nn_inspector_get_n_probes (in), top = 0;
  g_assert_cmpint (n, ==, nn_model_get_n_layers (m));
  for (int k = 0; k < n; k++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, k);
      g_assert_cmpint (p->depth, ==, 0);
      g_assert_cmpstr (p->path, ==, nn_model_layer_get_name (m, p->ref.layer));
      NnTensor *xs[1] = { x };
      g_autoptr (NnTensor) want = nn_model_run (m, xs, 1, p->ref, &error);
      g_assert_no_error (error);
      g_assert_cmpint (acts[k]->ndim, ==, p->ndim + 1);
      g_assert_cmpint (acts[k]->shape[0], ==, 1);
      g_assert_cmpmem (acts[k]->shape + 1, sizeof (int) * p->ndim, p->shape,
                       sizeof (int) * p->ndim);
      double d = rel_diff (acts[k], want);
      if (d > ACT_TOL)
        g_test_message ("%s: %s differs from nn_model_run by %g", sample, p->path, d);
      g_assert_cmpfloat (d, <=, ACT_TOL);
      top++;
    }
  g_assert_cmpint (top, >, 3);
  /* the prediction is output 0 and predict agrees */
  NnTensor *xs[1] = { x };
  g_autoptr (NnTensor) want = nn_model_run (m, xs, 1, nn_model_get_output (m, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_diff (pred, want), <=, ACT_TOL);
  g_autoptr (NnTensor) p1 = nn_inspector_predict (in, x, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_diff (p1, want), <=, ACT_TOL);
  g_test_message ("%s: %d probes equal nn_model_run", sample, n);
  nn_tensor_free (pred);
  nn_tensors_free (acts, n);
}

static void
test_activations_convnet (void)
{
  check_activations_match_run ("fashion_convnet.json");
}

static void
test_activations_convnet_bn (void)
{
  check_activations_match_run ("fashion_convnet_bn.json");
}

static void
test_activations_mlp (void)
{
  check_activations_match_run ("fashion_mlp.json");
}

/* Predicting a batch larger than the inference graph's slice equals
 * predicting each sample alone. */
static void
test_predict_batch (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample ("fashion_convnet.json", 5);
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 9);
  g_autoptr (NnTensor) x = random_input (in, 70, &rng);
  g_autoptr (NnTensor) all = nn_inspector_predict (in, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (all->shape[0], ==, 70);
  g_assert_cmpint (all->shape[1], ==, 10);
  NnTensor *xs[1] = { x };
  g_autoptr (NnTensor) want = nn_model_run (m, xs, 1, nn_model_get_output (m, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_diff (all, want), <=, ACT_TOL);
  g_assert_cmpint (nn_inspector_get_n_classes (in), ==, 10);
}

/* The transfer sample's base is a Model layer: its inner calls are probes
 * named "conv_base/...", and each equals nn_model_run of the inner model on
 * the Model layer's input. */
static void
test_activations_nested (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_sample ("transfer_head.json", 11);
  int base = nn_model_find_layer (m, "conv_base");
  g_assert_cmpint (base, >=, 0);
  NnModel *sub = nn_model_layer_get_submodel (m, base);
  g_assert_nonnull (sub);
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 4);
  g_autoptr (NnTensor) x = random_input (in, 1, &rng);
  NnTensor **acts = nn_inspector_activations (in, x, NULL, &error);
  g_assert_no_error (error);
  int n = nn_inspector_get_n_probes (in), nested = 0, top = 0;
  /* every inner layer but its Input; every outer layer but the Model layer */
  g_assert_cmpint (n, ==, nn_model_get_n_layers (m) - 1 + nn_model_get_n_layers (sub) - 1);
  NnTensor *xs[1] = { x };
  for (int k = 0; k < n; k++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, k);
      g_assert_cmpstr (p->layer_type, !=, "Model");
      g_autoptr (NnTensor) want = NULL;
      if (p->depth == 1)
        {
          g_autofree char *path = g_strdup_printf ("conv_base/%s", p->layer_name);
          g_assert_cmpstr (p->path, ==, path);
          g_assert_cmpint (p->ref.layer, ==, base);
          int l = nn_model_find_layer (sub, p->layer_name);
          g_assert_cmpint (l, >=, 0);
          /* the Model layer's input is the outer Input here */
          want = nn_model_run (sub, xs, 1, (NnRef) { l, 0 }, &error);
          nested++;
        }
      else
        {
          g_assert_cmpint (p->depth, ==, 0);
          want = nn_model_run (m, xs, 1, p->ref, &error);
          top++;
        }
      g_assert_no_error (error);
      double d = rel_diff (acts[k], want);
      if (d > ACT_TOL)
        g_test_message ("%s differs from nn_model_run by %g", p->path, d);
      g_assert_cmpfloat (d, <=, ACT_TOL);
      /* forward order: a probe's input comes before it */
      if (k > 0 && p->depth == 1 && g_str_equal (p->layer_name, "conv1"))
        g_assert_cmpstr (nn_inspector_get_probe (in, k - 1)->layer_type, ==, "Input");
    }
  g_assert_cmpint (nested, ==, nn_model_get_n_layers (sub) - 1);
  g_assert_cmpint (top, ==, nn_model_get_n_layers (m) - 1);
  g_assert_cmpint (nn_inspector_find_probe (in, "conv_base/conv1"), >=, 0);
  g_assert_cmpint (nn_inspector_find_probe (in, "conv_base"), ==, -1);
  g_assert_cmpint (nn_inspector_find_probe (in, "conv1"), ==, -1);
  /* the default Grad-CAM layer is the base's last spatial output */
  int cam = nn_inspector_default_cam_probe (in);
  g_assert_cmpint (cam, >=, 0);
  const NnProbe *cp = nn_inspector_get_probe (in, cam);
  g_assert_true (cp->spatial);
  g_assert_cmpint (cp->depth, ==, 1);
  for (int k = cam + 1; k < n; k++)
    g_assert_false (nn_inspector_get_probe (in, k)->spatial);
  g_test_message ("%d nested probes and %d top-level ones equal nn_model_run; Grad-CAM "
                  "default %s", nested, top, cp->path);
  nn_tensors_free (acts, n);
}

/* Input (6, 6, 2) -> Conv2D 3 (relu) -> Conv2D 4 (tanh) -> Flatten ->
 * Dense 3 (softmax), seeded weights. */
static NnModel *
small_conv_model (void)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_new ("small");
  int x = test_add (m, "Input", "x");
  test_set (m, x, "shape", "6,6,2");
  int c1 = test_add (m, "Conv2D", "c1");
  test_set (m, c1, "filters", "3");
  test_set (m, c1, "kernel_size", "3,3");
  test_set (m, c1, "activation", "relu");
  int c2 = test_add (m, "Conv2D", "c2");
  test_set (m, c2, "filters", "4");
  test_set (m, c2, "kernel_size", "3,3");
  test_set (m, c2, "padding", "same");
  test_set (m, c2, "activation", "tanh");
  int f = test_add (m, "Flatten", "f");
  int d = test_add (m, "Dense", "out");
  test_set (m, d, "units", "3");
  test_set (m, d, "activation", "softmax");
  test_connect (m, x, c1);
  test_connect (m, c1, c2);
  test_connect (m, c2, f);
  test_connect (m, f, d);
  g_assert_true (nn_model_init_weights (m, 21, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 22);
  scramble_weights (m, &rng);
  return m;
}

/* sum over elements of a * b, in double */
static double
dot (const float *a, const float *b, size_t n)
{
  double s = 0;
  for (size_t i = 0; i < n; i++)
    s += (double) a[i] * b[i];
  return s;
}

/* sum of seed * (the probe's output) on x, from the activations */
static double
probe_objective (NnInspector *in, NnTensor *x, int probe, const NnTensor *seed)
{
  g_autoptr (GError) error = NULL;
  NnTensor **acts = nn_inspector_activations (in, x, NULL, &error);
  g_assert_no_error (error);
  double f = dot (acts[probe]->data, seed->data, seed->size);
  nn_tensors_free (acts, nn_inspector_get_n_probes (in));
  return f;
}

/* Relative error of analytic against central differences of f at a
 * handful of x's elements. */
typedef double (*Objective) (NnInspector *in, NnTensor *x, gpointer data);

static double
fd_error (NnInspector *in, NnTensor *x, const NnTensor *analytic, Objective f, gpointer data)
{
  double worst = 0;
  size_t stride = x->size / 9 + 1;
  int checked = 0;
  for (size_t i = 1; i < x->size; i += stride)
    {
      float orig = x->data[i];
      x->data[i] = orig + (float) FD_EPS;
      double fp = f (in, x, data);
      x->data[i] = orig - (float) FD_EPS;
      double fm = f (in, x, data);
      x->data[i] = orig;
      double num = (fp - fm) / (2 * FD_EPS), a = analytic->data[i];
      double err = fabs (a - num) / fmax (fmax (fabs (a), fabs (num)), 1e-2);
      worst = fmax (worst, err);
      checked++;
    }
  g_assert_cmpint (checked, >=, 8);
  return worst;
}

typedef struct {
  int probe;
  const NnTensor *seed;
} ProbeSeed;

static double
probe_objective_cb (NnInspector *in, NnTensor *x, gpointer data)
{
  ProbeSeed *ps = data;
  return probe_objective (in, x, ps->probe, ps->seed);
}

/* d(sum seed * probe output)/d(input) against central differences, at the
 * first and second convolutions. */
static void
test_input_gradient (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = small_conv_model ();
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 31);
  const char *paths[] = { "c1", "c2", "x" };
  for (guint k = 0; k < G_N_ELEMENTS (paths); k++)
    {
      int probe = nn_inspector_find_probe (in, paths[k]);
      g_assert_cmpint (probe, >=, 0);
      const NnProbe *p = nn_inspector_get_probe (in, probe);
      g_autoptr (NnTensor) x = random_input (in, 1, &rng);
      int shape[NN_MAX_DIMS + 1] = { 1 };
      memcpy (shape + 1, p->shape, sizeof (int) * p->ndim);
      g_autoptr (NnTensor) seed = random_like (p->ndim + 1, shape, &rng);
      NnTensor *value = NULL;
      g_autoptr (NnTensor) grad = nn_inspector_input_gradient (in, x, probe, seed, &value,
                                                               &error);
      g_assert_no_error (error);
      g_assert_cmpuint (grad->size, ==, x->size);
      /* the probe's value is its activation */
      NnTensor **acts = nn_inspector_activations (in, x, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpfloat (rel_diff (value, acts[probe]), <=, ACT_TOL);
      nn_tensors_free (acts, nn_inspector_get_n_probes (in));
      nn_tensor_free (value);
      ProbeSeed ps = { probe, seed };
      double err = fd_error (in, x, grad, probe_objective_cb, &ps);
      g_test_message ("input gradient at %s: relative error %.2e", paths[k], err);
      g_assert_cmpfloat (err, <, FD_TOL);
    }
}

/* sum over classes of seed * log p: equals seed * logits when each
 * sample's seed sums to zero (log p = z - logsumexp z). */
static double
logit_objective_cb (NnInspector *in, NnTensor *x, gpointer data)
{
  const NnTensor *seed = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTensor) p = nn_inspector_predict (in, x, &error);
  g_assert_no_error (error);
  double s = 0;
  for (size_t i = 0; i < p->size; i++)
    s += seed->data[i] * log ((double) p->data[i]);
  return s;
}

/* The gradient of the logits at the Input probe against central
 * differences; at an inner probe, pushed down to the input by
 * input_gradient (the chain rule), it gives the same. */
static void
test_probe_gradient (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = small_conv_model ();
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 41);
  int n = 2;
  g_autoptr (NnTensor) x = random_input (in, n, &rng);
  int oshape[2] = { n, 3 };
  g_autoptr (NnTensor) seed = random_like (2, oshape, &rng);
  for (int i = 0; i < n; i++)
    {
      float mean = (seed->data[3 * i] + seed->data[3 * i + 1] + seed->data[3 * i + 2]) / 3;
      for (int j = 0; j < 3; j++)
        seed->data[3 * i + j] -= mean;
    }
  int input = nn_inspector_find_probe (in, "x"), c1 = nn_inspector_find_probe (in, "c1");
  NnTensor *out = NULL, *value = NULL;
  g_autoptr (NnTensor) gx = nn_inspector_probe_gradient (in, x, input, seed, &value, &out,
                                                         &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_diff (value, x), ==, 0);
  g_autoptr (NnTensor) p = nn_inspector_predict (in, x, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (rel_diff (out, p), <=, ACT_TOL);
  nn_tensor_free (out);
  nn_tensor_free (value);
  double err = fd_error (in, x, gx, logit_objective_cb, seed);
  g_test_message ("probe gradient at the input: relative error %.2e", err);
  g_assert_cmpfloat (err, <, FD_TOL);

  g_autoptr (NnTensor) g1 = nn_inspector_probe_gradient (in, x, c1, seed, NULL, NULL, &error);
  g_assert_no_error (error);
  const NnProbe *p1 = nn_inspector_get_probe (in, c1);
  g_assert_cmpint (g1->shape[0], ==, n);
  g_assert_cmpmem (g1->shape + 1, sizeof (int) * p1->ndim, p1->shape, sizeof (int) * p1->ndim);
  g_assert_cmpfloat (nn_tensor_max (g1) - nn_tensor_min (g1), >, 0);
  g_autoptr (NnTensor) chained = nn_inspector_input_gradient (in, x, c1, g1, NULL, &error);
  g_assert_no_error (error);
  double d = rel_diff (chained, gx);
  g_test_message ("probe gradient at c1 pushed to the input: relative difference %.2e", d);
  g_assert_cmpfloat (d, <, CHAIN_TOL);

  /* the output layer comes after its logits: they do not depend on it */
  int o = nn_inspector_find_probe (in, "out");
  g_autoptr (NnTensor) go = nn_inspector_probe_gradient (in, x, o, seed, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (nn_tensor_max (go), ==, 0);
  g_assert_cmpfloat (nn_tensor_min (go), ==, 0);
}

/* A Dense ReLU whose units 1 and 4 have a bias far below anything the
 * inputs can reach is reported with 2 of 6 units dead; the rest have
 * positive weights and inputs, so they live. */
static void
test_dead_units (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_new ("dead");
  int x = test_add (m, "Input", "x");
  test_set (m, x, "shape", "4");
  int h = test_add (m, "Dense", "hidden");
  test_set (m, h, "units", "6");
  test_set (m, h, "activation", "relu");
  int o = test_add (m, "Dense", "out");
  test_set (m, o, "units", "2");
  test_set (m, o, "activation", "softmax");
  test_connect (m, x, h);
  test_connect (m, h, o);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  NnTensor kernel, bias;
  g_assert_cmpstr (nn_model_layer_get_weight (m, h, 0, &kernel), ==, "kernel");
  g_assert_cmpstr (nn_model_layer_get_weight (m, h, 1, &bias), ==, "bias");
  for (size_t i = 0; i < kernel.size; i++)
    kernel.data[i] = 0.25f;
  for (int u = 0; u < 6; u++)
    bias.data[u] = u == 1 || u == 4 ? -1000.0f : 0.1f;
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 51);
  /* more samples than one inference slice */
  g_autoptr (NnTensor) xs = random_input (in, 40, &rng);
  int n = nn_inspector_get_n_probes (in);
  g_assert_cmpint (n, ==, 3);
  double fractions[3];
  g_assert_true (nn_inspector_dead_units (in, xs, fractions, &error));
  g_assert_no_error (error);
  int hp = nn_inspector_find_probe (in, "hidden");
  g_assert_true (nn_inspector_get_probe (in, hp)->relu);
  g_assert_cmpfloat_with_epsilon (fractions[hp], 2.0 / 6.0, 1e-12);
  g_assert_true (isnan (fractions[nn_inspector_find_probe (in, "x")]));
  g_assert_true (isnan (fractions[nn_inspector_find_probe (in, "out")]));
  g_assert_false (nn_inspector_get_probe (in, nn_inspector_find_probe (in, "out"))->relu);
  g_assert_cmpint (nn_inspector_default_cam_probe (in), ==, -1);
  g_assert_cmpint (nn_inspector_get_n_classes (in), ==, 2);
  g_test_message ("dead units of hidden: %.4f", fractions[hp]);
}

/* Every misuse returns NULL/FALSE with an NN_TRAIN_ERROR_CONFIG in words. */
static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  /* no weights */
  g_autoptr (NnModel) bare = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  g_assert_false (nn_model_has_weights (bare));
  g_assert_null (nn_inspector_new (bare, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "train it first"));
  g_clear_error (&error);

  /* two inputs */
  g_autoptr (NnModel) two = load_sample ("two_inputs_two_outputs.json", 3);
  g_assert_null (nn_inspector_new (two, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "2 inputs"));
  g_assert_nonnull (strstr (error->message, "one Input layer"));
  g_clear_error (&error);

  g_autoptr (NnModel) m = small_conv_model ();
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 61);
  g_autoptr (NnTensor) x = random_input (in, 1, &rng);
  g_autoptr (NnTensor) x2 = random_input (in, 2, &rng);
  int bad_shape[4] = { 1, 5, 6, 2 };
  g_autoptr (NnTensor) wrong = nn_tensor_new (4, bad_shape);

  /* wrong input shape: the expected shape is named */
  g_assert_null (nn_inspector_predict (in, wrong, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "(1, 5, 6, 2)"));
  g_assert_nonnull (strstr (error->message, "(batch, 6, 6, 2)"));
  g_clear_error (&error);
  NnTensor *pred = (NnTensor *) 0x1;
  g_assert_null (nn_inspector_activations (in, x2, &pred, &error));
  g_assert_null (pred);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "(1, 6, 6, 2)"));
  g_clear_error (&error);
  double fr[8];
  g_assert_false (nn_inspector_dead_units (in, wrong, fr, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (nn_inspector_activations (in, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);

  /* probe out of range: the valid range is named */
  int n = nn_inspector_get_n_probes (in);
  int oshape[2] = { 1, 3 };
  g_autoptr (NnTensor) oseed = random_like (2, oshape, &rng);
  g_assert_null (nn_inspector_get_probe (in, n));
  g_assert_null (nn_inspector_get_probe (in, -1));
  g_assert_null (nn_inspector_probe_gradient (in, x, n, oseed, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_autofree char *range = g_strdup_printf ("(0 to %d)", n - 1);
  g_assert_nonnull (strstr (error->message, range));
  g_clear_error (&error);
  g_assert_null (nn_inspector_input_gradient (in, x, -1, oseed, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);

  /* seed shapes */
  int c1 = nn_inspector_find_probe (in, "c1");
  NnTensor *value = (NnTensor *) 0x1;
  g_assert_null (nn_inspector_input_gradient (in, x, c1, oseed, &value, &error));
  g_assert_null (value);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "(1, 4, 4, 3)"));
  g_assert_nonnull (strstr (error->message, "c1"));
  g_clear_error (&error);
  g_assert_null (nn_inspector_input_gradient (in, x, c1, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_null (nn_inspector_probe_gradient (in, x2, c1, oseed, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "(2, 3)"));
  g_clear_error (&error);

  /* a regression output has no classes: 0, not an error */
  g_autoptr (NnModel) reg = nn_model_new ("regression");
  int ri = test_add (reg, "Input", "x");
  test_set (reg, ri, "shape", "3");
  int rd = test_add (reg, "Dense", "y");
  test_set (reg, rd, "units", "1");
  test_set (reg, rd, "activation", "linear");
  test_connect (reg, ri, rd);
  g_assert_true (nn_model_init_weights (reg, 1, &error));
  g_autoptr (NnInspector) rin = nn_inspector_new (reg, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_inspector_get_n_classes (rin), ==, 0);
  g_assert_cmpint (nn_inspector_find_probe (rin, "nothing"), ==, -1);
  g_assert_cmpint (nn_inspector_find_probe (rin, NULL), ==, -1);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/inspect/activations/convnet", test_activations_convnet);
  g_test_add_func ("/engine/inspect/activations/convnet-bn", test_activations_convnet_bn);
  g_test_add_func ("/engine/inspect/activations/mlp", test_activations_mlp);
  g_test_add_func ("/engine/inspect/activations/nested", test_activations_nested);
  g_test_add_func ("/engine/inspect/predict/batch", test_predict_batch);
  g_test_add_func ("/engine/inspect/gradient/input", test_input_gradient);
  g_test_add_func ("/engine/inspect/gradient/probe", test_probe_gradient);
  g_test_add_func ("/engine/inspect/dead-units", test_dead_units);
  g_test_add_func ("/engine/inspect/errors", test_errors);
  return g_test_run ();
}
