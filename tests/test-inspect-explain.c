/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/inspect's explanations (Grad-CAM, saliency, occlusion), filter
 * visualization and the confusion matrix, each against what theory or a
 * hand count says it must give. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-data-private.h"
#include "nn-inspect-private.h"
#include "test-util.h"

/* Grad-CAM and CAM agree this closely on a global-pooling model. */
#define CAM_TOL 1e-5
/* Saliency of a linear model and |w| agree this closely. */
#define SALIENCY_TOL 1e-6
/* An occlusion drop below this counts as none (the copies go through the
 * model in a batch, the original alone: the sums may round apart). */
#define OCCLUSION_ZERO 1e-6
/* The filter gain the acceptance asks for, for every filter. */
#define MIN_GAIN 10.0
/* Confusion accuracy and nn_model_evaluate's agree this closely. */
#define ACC_TOL 1e-9

/* ---- models ------------------------------------------------------------------ */

static NnModel *
take_weights (NnModel *m, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  return m;
}

/* Input (8, 8, 1) -> Conv2D 4 (3x3, same, relu) -> GlobalAveragePooling2D
 * -> Dense 3 softmax; with nested, the convolution sits inside a Model
 * layer "base". */
static NnModel *
cam_model (gboolean nested)
{
  NnModel *m = nn_model_new ("cam");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", "8,8,1");
  int conv;
  if (nested)
    {
      g_autoptr (NnModel) inner = nn_model_new ("base");
      int i = test_add (inner, "Input", "x");
      test_set (inner, i, "shape", "8,8,1");
      int c = test_add (inner, "Conv2D", "conv");
      test_set (inner, c, "filters", "4");
      test_set (inner, c, "kernel_size", "3,3");
      test_set (inner, c, "padding", "same");
      test_set (inner, c, "activation", "relu");
      test_connect (inner, i, c);
      g_assert_cmpint (nn_model_auto_outputs (inner), ==, 1);
      g_autoptr (GError) error = NULL;
      conv = nn_model_add_submodel (m, inner, "base", &error);
      g_assert_no_error (error);
    }
  else
    {
      conv = test_add (m, "Conv2D", "conv");
      test_set (m, conv, "filters", "4");
      test_set (m, conv, "kernel_size", "3,3");
      test_set (m, conv, "padding", "same");
      test_set (m, conv, "activation", "relu");
    }
  test_connect (m, in, conv);
  int gap = test_add (m, "GlobalAveragePooling2D", "gap");
  test_connect (m, conv, gap);
  int out = test_add (m, "Dense", "out");
  test_set (m, out, "units", "3");
  test_set (m, out, "activation", "softmax");
  test_connect (m, gap, out);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef){ out, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, &acc, 1);
  return take_weights (m, 7);
}

/* Input (shape) -> Flatten -> Dense units (activation, loss). */
static NnModel *
dense_model (const char *shape, int units, const char *activation, NnLoss loss)
{
  NnModel *m = nn_model_new ("dense");
  int in = test_add (m, "Input", "x");
  test_set (m, in, "shape", shape);
  int prev = in;
  if (strchr (shape, ','))
    {
      prev = test_add (m, "Flatten", "flatten");
      test_connect (m, in, prev);
    }
  int out = test_add (m, "Dense", "out");
  g_autofree char *u = g_strdup_printf ("%d", units);
  test_set (m, out, "units", u);
  test_set (m, out, "activation", activation);
  test_connect (m, prev, out);
  NnMetric acc = loss == NN_LOSS_MSE ? NN_METRIC_MAE : NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef){ out, 0 }, loss, 1.0, &acc, 1);
  return take_weights (m, 3);
}

static NnInspector *
inspector (NnModel *m)
{
  g_autoptr (GError) error = NULL;
  NnInspector *in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  g_assert_nonnull (in);
  return in;
}

/* One sample (1, shape...) of uniform values in [lo, hi). */
static NnTensor *
random_input (NnInspector *in, guint64 seed, float lo, float hi)
{
  int shape[NN_MAX_DIMS + 1] = { 1 };
  int ndim = nn_inspector_get_input_shape (in, shape + 1);
  NnTensor *t = nn_tensor_new (ndim + 1, shape);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = lo + (hi - lo) * nn_rng_uniform (&rng);
  return t;
}

/* The probe whose path ends in name (nested or not). */
static int
probe_named (NnInspector *in, const char *name)
{
  for (int p = 0; p < nn_inspector_get_n_probes (in); p++)
    if (g_str_equal (nn_inspector_get_probe (in, p)->layer_name, name))
      return p;
  g_error ("no probe named %s", name);
  return -1;
}

/* ---- Grad-CAM ------------------------------------------------------------------ */

/* On Conv2D -> GAP -> Dense, d logit_c / d A_k = w_kc / (H W) at every
 * position, so Grad-CAM is ReLU(Σ_k w_kc A_k) up to a factor its
 * normalization removes: the class activation map, computed here from the
 * Dense kernel and the activations alone. */
static void
check_gradcam_is_cam (gboolean nested)
{
  g_autoptr (NnModel) m = cam_model (nested);
  g_autoptr (NnInspector) in = inspector (m);
  int conv = probe_named (in, "conv");
  const NnProbe *pr = nn_inspector_get_probe (in, conv);
  g_assert_true (pr->spatial);
  g_assert_cmpint (pr->depth, ==, nested ? 1 : 0);
  g_assert_cmpint (nn_inspector_default_cam_probe (in), ==, conv);
  g_autoptr (NnTensor) x = random_input (in, 11, 0.0f, 1.0f);
  g_autoptr (GError) error = NULL;

  NnTensor *pred = NULL;
  NnTensor **acts = nn_inspector_activations (in, x, &pred, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) prediction = pred;
  const NnTensor *a = acts[conv]; /* (1, 8, 8, 4) */
  g_assert_cmpint (a->size, ==, 8 * 8 * 4);
  NnTensor kernel; /* (4, 3) */
  const NnModel *im = nn_inspector_get_model (in);
  nn_model_layer_get_weight (im, nn_model_find_layer (im, "out"), 0, &kernel);
  g_assert_cmpint (kernel.size, ==, 4 * 3);

  for (int c = 0; c < 3; c++)
    {
      double cam[64], mx = 0;
      for (int p = 0; p < 64; p++)
        {
          double s = 0;
          for (int k = 0; k < 4; k++)
            s += (double) kernel.data[k * 3 + c] * a->data[p * 4 + k];
          cam[p] = MAX (s, 0.0);
          mx = MAX (mx, cam[p]);
        }
      /* the identity is only worth checking where the map is not empty */
      g_assert_cmpfloat (mx, >, 0.0);

      NnExplainConfig cfg;
      nn_explain_config_init (&cfg);
      cfg.class_index = c;
      int cls = -1;
      double score = -1;
      g_autoptr (NnTensor) map = nn_inspector_explain (in, x, &cfg, &cls, &score, &error);
      g_assert_no_error (error);
      g_assert_cmpint (map->ndim, ==, 2);
      g_assert_cmpint (map->shape[0], ==, 8);
      g_assert_cmpint (map->shape[1], ==, 8);
      g_assert_cmpint (cls, ==, c);
      g_assert_cmpfloat_with_epsilon (score, prediction->data[c], 1e-6);
      double worst = 0;
      for (int p = 0; p < 64; p++)
        worst = MAX (worst, fabs (map->data[p] - cam[p] / mx));
      g_test_message ("class %d: Grad-CAM vs CAM, largest difference %.3g", c, worst);
      g_assert_cmpfloat (worst, <=, CAM_TOL);
    }

  /* class -1: the predicted one */
  NnExplainConfig cfg;
  nn_explain_config_init (&cfg);
  int cls = -1;
  g_autoptr (NnTensor) map = nn_inspector_explain (in, x, &cfg, &cls, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cls, ==, (int) nn_tensor_argmax (prediction));
  nn_tensors_free (acts, nn_inspector_get_n_probes (in));
}

static void
test_gradcam_cam (void)
{
  check_gradcam_is_cam (FALSE);
}

static void
test_gradcam_cam_nested (void)
{
  check_gradcam_is_cam (TRUE);
}

/* ---- saliency ------------------------------------------------------------------ */

/* One sigmoid unit's logit is w·x + b: its gradient is w, so the saliency
 * map is max over channels of |w| at each pixel, over its maximum (for
 * class 0 too, whose logit is -z). */
static void
test_saliency_linear (void)
{
  g_autoptr (NnModel) m = dense_model ("5,6,2", 1, "sigmoid", NN_LOSS_BINARY_CROSSENTROPY);
  g_autoptr (NnInspector) in = inspector (m);
  g_assert_cmpint (nn_inspector_get_n_classes (in), ==, 2);
  g_autoptr (NnTensor) x = random_input (in, 5, -1.0f, 1.0f);
  NnTensor w; /* (60, 1) */
  const NnModel *im = nn_inspector_get_model (in);
  nn_model_layer_get_weight (im, nn_model_find_layer (im, "out"), 0, &w);
  g_assert_cmpint (w.size, ==, 60);
  double want[30], mx = 0;
  for (int p = 0; p < 30; p++)
    {
      want[p] = MAX (fabs (w.data[p * 2]), fabs (w.data[p * 2 + 1]));
      mx = MAX (mx, want[p]);
    }
  g_assert_cmpfloat (mx, >, 0);
  for (int c = 0; c < 2; c++)
    {
      g_autoptr (GError) error = NULL;
      NnExplainConfig cfg;
      nn_explain_config_init (&cfg);
      cfg.kind = NN_EXPLAIN_SALIENCY;
      cfg.class_index = c;
      g_autoptr (NnTensor) map = nn_inspector_explain (in, x, &cfg, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (map->ndim, ==, 2);
      g_assert_cmpint (map->shape[0], ==, 5);
      g_assert_cmpint (map->shape[1], ==, 6);
      for (int p = 0; p < 30; p++)
        g_assert_cmpfloat_with_epsilon (map->data[p], want[p] / mx, SALIENCY_TOL);
    }
}

/* ---- occlusion ----------------------------------------------------------------- */

/* Occlusion computed the plain way, for reference: each occluded copy
 * predicted alone (batch 1), the drops averaged over the patches covering
 * each pixel; patch starts as the engine places them (every stride, and
 * one flush with the far edge). */
static NnTensor *
occlusion_one_by_one (NnInspector *in, const NnTensor *x, int patch, int stride, int cls)
{
  int shape[NN_MAX_DIMS] = { 0 };
  nn_inspector_get_input_shape (in, shape);
  int h = shape[0], w = shape[1], c = shape[2], starts_y[64], starts_x[64], ny = 0, nx = 0;
  for (int s0 = 0; s0 + patch < h; s0 += stride)
    starts_y[ny++] = s0;
  if (ny == 0 || starts_y[ny - 1] != h - patch)
    starts_y[ny++] = h - patch;
  for (int s0 = 0; s0 + patch < w; s0 += stride)
    starts_x[nx++] = s0;
  if (nx == 0 || starts_x[nx - 1] != w - patch)
    starts_x[nx++] = w - patch;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTensor) p0 = nn_inspector_predict (in, x, &error);
  g_assert_no_error (error);
  double base = p0->data[cls], fill = nn_tensor_mean (x);
  g_autofree double *sum = g_new0 (double, (size_t) h * w);
  g_autofree int *count = g_new0 (int, (size_t) h * w);
  for (int a = 0; a < ny; a++)
    for (int b = 0; b < nx; b++)
      {
        g_autoptr (NnTensor) copy = nn_tensor_copy (x);
        for (int y = starts_y[a]; y < starts_y[a] + patch; y++)
          for (int xx = starts_x[b]; xx < starts_x[b] + patch; xx++)
            for (int k = 0; k < c; k++)
              copy->data[((size_t) y * w + xx) * c + k] = (float) fill;
        g_autoptr (NnTensor) p = nn_inspector_predict (in, copy, &error);
        g_assert_no_error (error);
        for (int y = starts_y[a]; y < starts_y[a] + patch; y++)
          for (int xx = starts_x[b]; xx < starts_x[b] + patch; xx++)
            {
              sum[y * w + xx] += base - p->data[cls];
              count[y * w + xx]++;
            }
      }
  NnTensor *map = nn_tensor_new (2, (int[]){ h, w });
  for (int q = 0; q < h * w; q++)
    map->data[q] = count[q] ? (float) (sum[q] / count[q]) : 0.0f;
  return map;
}

/* The engine predicts the occluded copies in batches (64 a call, as many
 * as its forward graph takes at once): the map equals the one-by-one
 * reference, with 49 patches (one call) and 121 (two calls, the last
 * partial). */
static void
test_occlusion_batched (void)
{
  struct {
    NnModel *m;
    int patch, stride, n_patches;
  } cases[] = {
    { cam_model (TRUE), 2, 1, 49 },
    { dense_model ("12,12,1", 3, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY), 2, 1, 121 },
  };
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (NnModel) m = cases[k].m;
      g_autoptr (NnInspector) in = inspector (m);
      g_autoptr (NnTensor) x = random_input (in, 21 + k, 0.0f, 1.0f);
      g_autoptr (GError) error = NULL;
      NnExplainConfig cfg;
      nn_explain_config_init (&cfg);
      cfg.kind = NN_EXPLAIN_OCCLUSION;
      cfg.patch = cases[k].patch;
      cfg.stride = cases[k].stride;
      cfg.class_index = 1;
      int cls = -1;
      g_autoptr (NnTensor) map = nn_inspector_explain (in, x, &cfg, &cls, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (cls, ==, 1);
      g_autoptr (NnTensor) ref = occlusion_one_by_one (in, x, cases[k].patch, cases[k].stride, 1);
      g_assert_true (nn_shape_equal (map->ndim, map->shape, ref->ndim, ref->shape));
      double worst = 0, largest = 0;
      for (size_t q = 0; q < map->size; q++)
        {
          worst = MAX (worst, fabs (map->data[q] - ref->data[q]));
          largest = MAX (largest, fabs (ref->data[q]));
        }
      g_test_message ("occlusion, %d patches: batched vs one by one, largest difference %.2g "
                      "(largest drop %.3g)", cases[k].n_patches, worst, largest);
      g_assert_cmpfloat (largest, >, 1e-4);
      g_assert_cmpfloat (worst, <=, 1e-6);
    }
}

#define OCC_SIZE 12
#define OCC_Y0 3
#define OCC_Y1 5 /* rows 3 and 4 */
#define OCC_X0 8
#define OCC_X1 10 /* columns 8 and 9 */

static gboolean
in_region (int y, int x)
{
  return y >= OCC_Y0 && y < OCC_Y1 && x >= OCC_X0 && x < OCC_X1;
}

/* A 2-class linear model whose kernel is zero outside a 2x2 region:
 * only patches that touch the region may change its score. */
static void
test_occlusion_region (void)
{
  g_autoptr (NnModel)
      m = dense_model ("12,12,1", 2, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  NnTensor w; /* (144, 2) */
  nn_model_layer_get_weight (m, nn_model_find_layer (m, "out"), 0, &w);
  NnTensor b;
  nn_model_layer_get_weight (m, nn_model_find_layer (m, "out"), 1, &b);
  memset (w.data, 0, w.size * sizeof (float));
  memset (b.data, 0, b.size * sizeof (float));
  for (int y = 0; y < OCC_SIZE; y++)
    for (int x = 0; x < OCC_SIZE; x++)
      if (in_region (y, x))
        {
          w.data[(y * OCC_SIZE + x) * 2] = 0.3f;
          w.data[(y * OCC_SIZE + x) * 2 + 1] = -0.3f;
        }
  g_autoptr (NnInspector) in = inspector (m);
  g_autoptr (NnTensor) x = random_input (in, 9, 0.0f, 0.5f);
  for (int y = 0; y < OCC_SIZE; y++)
    for (int xx = 0; xx < OCC_SIZE; xx++)
      if (in_region (y, xx))
        x->data[y * OCC_SIZE + xx] = 1.0f;

  g_autoptr (GError) error = NULL;
  NnExplainConfig cfg;
  nn_explain_config_init (&cfg);
  cfg.kind = NN_EXPLAIN_OCCLUSION;
  cfg.patch = 3;
  cfg.stride = 1;
  int cls = -1;
  double score = 0;
  g_autoptr (NnTensor) map = nn_inspector_explain (in, x, &cfg, &cls, &score, &error);
  g_assert_no_error (error);
  g_assert_cmpint (cls, ==, 0);
  /* logit difference 2 * 0.3 * 4 = 2.4 */
  g_assert_cmpfloat_with_epsilon (score, 1.0 / (1.0 + exp (-2.4)), 1e-5);
  g_assert_cmpint (map->shape[0], ==, OCC_SIZE);
  g_assert_cmpint (map->shape[1], ==, OCC_SIZE);
  int touched = 0, untouched = 0;
  for (int y = 0; y < OCC_SIZE; y++)
    for (int xx = 0; xx < OCC_SIZE; xx++)
      {
        /* does any 3x3 patch (corners 0..9, stride 1) covering (y, xx)
         * also cover a pixel of the region? */
        gboolean touches = FALSE;
        for (int y0 = MAX (0, y - 2); y0 <= MIN (y, OCC_SIZE - 3); y0++)
          for (int x0 = MAX (0, xx - 2); x0 <= MIN (xx, OCC_SIZE - 3); x0++)
            for (int ry = y0; ry < y0 + 3; ry++)
              for (int rx = x0; rx < x0 + 3; rx++)
                touches |= in_region (ry, rx);
        float v = map->data[y * OCC_SIZE + xx];
        if (touches)
          {
            g_assert_cmpfloat (v, >, 1e-3);
            touched++;
          }
        else
          {
            g_assert_cmpfloat (fabsf (v), <=, OCCLUSION_ZERO);
            untouched++;
          }
      }
  g_assert_cmpint (touched, >, 0);
  g_assert_cmpint (untouched, >, 0);
  /* the region itself shows the largest drops */
  float top = nn_tensor_max (map);
  size_t at = nn_tensor_argmax (map);
  g_assert_true (in_region ((int) at / OCC_SIZE, (int) at % OCC_SIZE));
  g_assert_cmpfloat (top, >, 0.05);
}

/* ---- filters ------------------------------------------------------------------- */

typedef struct {
  NnTensor *first; /* the images of step 0 */
  NnTensor *last;  /* the images of the last report */
  int reports;
  int last_step;
  int cancel_at; /* report number that returns FALSE; -1: never */
} Progress;

static gboolean
progress_cb (int step, int steps, const NnTensor *images, gpointer user_data)
{
  Progress *p = user_data;
  g_assert_cmpint (step, ==, p->reports);
  g_assert_cmpint (step, <=, steps);
  if (images != NULL)
    {
      if (step == 0)
        p->first = nn_tensor_copy (images);
      g_clear_pointer (&p->last, nn_tensor_free);
      p->last = nn_tensor_copy (images);
    }
  p->last_step = step;
  return p->reports++ != p->cancel_at;
}

/* The confusion's reports: batches done so far, no images. */
static gboolean
batch_cb (int step, int steps, const NnTensor *images, gpointer user_data)
{
  Progress *p = user_data;
  g_assert_null (images);
  g_assert_cmpint (step, ==, p->reports + 1);
  g_assert_cmpint (step, <=, steps);
  p->last_step = step;
  return p->reports++ != p->cancel_at;
}

static void
progress_clear (Progress *p)
{
  g_clear_pointer (&p->first, nn_tensor_free);
  g_clear_pointer (&p->last, nn_tensor_free);
}

/* Mean of channel ch of probe on image b of images, through
 * nn_inspector_activations (not the ascent's own forward pass). */
static double
activation_mean (NnInspector *in, const NnTensor *images, int b, int probe, int ch)
{
  int shape[NN_MAX_DIMS];
  memcpy (shape, images->shape, sizeof shape);
  shape[0] = 1;
  size_t per = images->size / (size_t) images->shape[0];
  g_autoptr (NnTensor) one = nn_tensor_new (images->ndim, shape);
  memcpy (one->data, images->data + (size_t) b * per, per * sizeof (float));
  g_autoptr (GError) error = NULL;
  NnTensor **acts = nn_inspector_activations (in, one, NULL, &error);
  g_assert_no_error (error);
  const NnTensor *a = acts[probe];
  int k_n = a->shape[a->ndim - 1];
  size_t positions = a->size / (size_t) k_n;
  double s = 0;
  for (size_t p = 0; p < positions; p++)
    s += a->data[p * (size_t) k_n + (size_t) ch];
  nn_tensors_free (acts, nn_inspector_get_n_probes (in));
  return s / (double) positions;
}

/* The sliced route of a filter grid (one channel per image, computed
 * directly) gives the whole graph's gradient: Input (10, 10, 2) -> conv a
 * (3 filters, 3x3 valid, relu) -> conv b (5 filters, 3x3, strides 2, same,
 * relu) and conv c (4 filters, 2x2, dilation 2, linear) on a. A channel of
 * b pushed below zero everywhere climbs its mean before the ReLU, as the
 * same model with a linear b does. */
#define SLICED_TOL 1e-5

static NnModel *
sliced_model (const char *a_activation, const char *b_activation)
{
  NnModel *m = nn_model_new ("sliced");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", "10,10,2");
  int a = test_add (m, "Conv2D", "a");
  test_set (m, a, "filters", "3");
  test_set (m, a, "kernel_size", "3,3");
  test_set (m, a, "activation", a_activation);
  test_connect (m, in, a);
  int b = test_add (m, "Conv2D", "b");
  test_set (m, b, "filters", "5");
  test_set (m, b, "kernel_size", "3,3");
  test_set (m, b, "strides", "2,2");
  test_set (m, b, "padding", "same");
  test_set (m, b, "activation", b_activation);
  test_connect (m, a, b);
  int c = test_add (m, "Conv2D", "c");
  test_set (m, c, "filters", "4");
  test_set (m, c, "kernel_size", "2,2");
  test_set (m, c, "dilation_rate", "2,2");
  test_set (m, c, "activation", "linear");
  test_connect (m, a, c);
  g_assert_cmpint (nn_model_auto_outputs (m), ==, 2);
  take_weights (m, 3);
  /* channel 4 of b: zero everywhere after its ReLU */
  NnTensor bias;
  int bl = nn_model_find_layer (m, "b");
  g_assert_cmpstr (nn_model_layer_get_weight (m, bl, 1, &bias), ==, "bias");
  bias.data[4] = -100.0f;
  return m;
}

static double
max_rel_diff (const NnTensor *x, const NnTensor *y)
{
  g_assert_cmpuint (x->size, ==, y->size);
  double top = 0, d = 0;
  for (size_t i = 0; i < x->size; i++)
    {
      top = MAX (top, fabs (y->data[i]));
      d = MAX (d, fabs ((double) x->data[i] - y->data[i]));
    }
  return d / MAX (top, 1e-12);
}

static void
test_filters_sliced (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = sliced_model ("relu", "relu");
  g_autoptr (NnInspector) in = inspector (m);
  /* per layer, the model in which that layer alone is linear */
  g_autoptr (NnModel) lin_a = sliced_model ("linear", "relu");
  g_autoptr (NnModel) lin_b = sliced_model ("relu", "linear");
  g_autoptr (NnInspector) twin_a = inspector (lin_a);
  g_autoptr (NnInspector) twin_b = inspector (lin_b);
  int dead_seen = 0;
  const char *names[] = { "a", "b", "c" };
  for (guint l = 0; l < G_N_ELEMENTS (names); l++)
    {
      int probe = nn_inspector_find_probe (in, names[l]);
      const NnProbe *pr = nn_inspector_get_probe (in, probe);
      int k_n = pr->shape[pr->ndim - 1], n = 2 * k_n;
      g_autofree int *channels = g_new (int, n);
      for (int b = 0; b < n; b++)
        channels[b] = b % k_n;
      NnSlicedConv sc;
      g_assert_true (nn_sliced_conv_find (in, probe, n, &sc, &error));
      g_assert_no_error (error);
      g_assert_true (sc.ok);
      g_test_message ("layer %s: relu %d", names[l], sc.relu);
      g_assert_true (sc.relu == (l < 2));
      int shape[4] = { n, 10, 10, 2 };
      g_autoptr (NnTensor) images = nn_tensor_new (4, shape);
      NnRng rng;
      nn_rng_seed (&rng, 11 + l);
      for (size_t i = 0; i < images->size; i++)
        images->data[i] = nn_rng_uniform (&rng);
      g_autofree double *means = g_new (double, n);
      g_autoptr (NnTensor) fast = nn_sliced_conv_gradient (in, &sc, images, channels, means,
                                                           &error);
      g_assert_no_error (error);
      /* the whole graph, seeded with d(mean of channel c_b) / d(output) */
      int sshape[NN_MAX_DIMS] = { n };
      memcpy (sshape + 1, pr->shape, sizeof (int) * (size_t) pr->ndim);
      g_autoptr (NnTensor) seed = nn_tensor_new (pr->ndim + 1, sshape);
      size_t per = seed->size / (size_t) n, positions = per / (size_t) k_n;
      for (int b = 0; b < n; b++)
        for (size_t p = 0; p < positions; p++)
          seed->data[(size_t) b * per + p * (size_t) k_n + (size_t) channels[b]]
              = 1.0f / (float) positions;
      gboolean b_layer = g_str_equal (names[l], "b");
      NnInspector *lin = l == 0 ? twin_a : twin_b;
      NnTensor *value = NULL;
      g_autoptr (NnTensor) full = nn_inspector_input_gradient (in, images, probe, seed, &value,
                                                               &error);
      g_assert_no_error (error);
      /* the dead channel's images: the linear twin's gradient */
      g_autoptr (NnTensor) twin = l < 2 ? nn_inspector_input_gradient (
                                            lin, images, nn_inspector_find_probe (lin, names[l]),
                                            seed, NULL, &error)
                                      : NULL;
      g_assert_no_error (error);
      size_t per_in = images->size / (size_t) n;
      for (int b = 0; b < n; b++)
        {
          double hand = 0;
          for (size_t p = 0; p < positions; p++)
            hand += value->data[(size_t) b * per + p * (size_t) k_n + (size_t) channels[b]];
          hand /= (double) positions;
          g_assert_cmpfloat_with_epsilon (means[b], hand, 1e-5);
          /* a ReLU channel zero everywhere climbs before its ReLU */
          gboolean dead = l < 2 && hand == 0;
          dead_seen += dead;
          const NnTensor *want = dead ? twin : full;
          NnTensor got_one = { .ndim = 1, .shape = { (int) per_in }, .size = per_in,
                               .data = fast->data + (size_t) b * per_in };
          NnTensor want_one = { .ndim = 1, .shape = { (int) per_in }, .size = per_in,
                                .data = want->data + (size_t) b * per_in };
          double d = max_rel_diff (&got_one, &want_one);
          if (!(d <= SLICED_TOL))
            g_error ("layer %s, image %d (channel %d, mean %g): sliced gradient differs by %g",
                     names[l], b, channels[b], means[b], d);
        }
      if (b_layer)
        {
          /* the dead channel's gradient is not zero: it can climb */
          double s = 0;
          for (size_t i = 0; i < per_in; i++)
            s += fabs (fast->data[4 * per_in + i]);
          g_assert_cmpfloat (s, >, 0);
          g_assert_cmpfloat (means[4], ==, 0);
        }
      nn_tensor_free (value);
    }
  g_test_message ("%d images of dead channels climbed before their ReLU", dead_seen);
  g_assert_cmpint (dead_seen, >=, 2);

  /* the convnet sample's conv layers take the sliced route */
  g_autoptr (NnModel) cn = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  take_weights (cn, 1);
  g_autoptr (NnInspector) cin = inspector (cn);
  const char *convs[] = { "conv1", "conv2" };
  for (guint l = 0; l < G_N_ELEMENTS (convs); l++)
    {
      NnSlicedConv sc;
      g_assert_true (nn_sliced_conv_find (cin, nn_inspector_find_probe (cin, convs[l]), 64, &sc,
                                          &error));
      g_assert_no_error (error);
      if (!sc.ok)
        g_error ("%s of the convnet sample does not take the sliced route", convs[l]);
    }
}

/* The acceptance: every filter of the convnet sample's first two Conv2D
 * layers (weights from the seeded initializers) gets its mean activation
 * raised at least 10x by 40 default steps. */
static void
test_filters_gain (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  take_weights (m, 1);
  g_autoptr (NnInspector) in = inspector (m);
  const char *layers[] = { "conv1", "conv2" };
  for (guint l = 0; l < G_N_ELEMENTS (layers); l++)
    {
      int probe = nn_inspector_find_probe (in, layers[l]);
      g_assert_cmpint (probe, >=, 0);
      const NnProbe *pr = nn_inspector_get_probe (in, probe);
      g_assert_true (pr->conv);
      int k_n = pr->shape[pr->ndim - 1];
      g_autofree int *channels = g_new (int, k_n);
      for (int k = 0; k < k_n; k++)
        channels[k] = k;
      g_autofree double *gains = g_new (double, k_n);
      NnFilterConfig cfg;
      nn_filter_config_init (&cfg);
      g_assert_cmpint (cfg.steps, ==, 40);
      cfg.raw = TRUE;
      Progress p = { .cancel_at = -1 };
      g_autoptr (NnTensor) images = nn_inspector_filters (in, probe, channels, k_n, &cfg,
                                                          progress_cb, &p, gains, &error);
      g_assert_no_error (error);
      g_assert_cmpint (p.reports, ==, cfg.steps + 1);
      g_assert_cmpint (images->shape[0], ==, k_n);
      /* raw: the images the progress saw last are the ones returned */
      g_assert_cmpmem (images->data, images->size * sizeof (float), p.last->data,
                       p.last->size * sizeof (float));
      double lowest = G_MAXDOUBLE;
      int lowest_k = -1, checked = -1;
      for (int k = 0; k < k_n; k++)
        {
          if (gains[k] < lowest)
            lowest = gains[k], lowest_k = k;
          if (!(gains[k] >= MIN_GAIN))
            g_error ("%s filter %d: gain %g, below %g", layers[l], k, gains[k], MIN_GAIN);
        }
      g_test_message ("%s: %d filters, lowest gain %.3g (filter %d)", layers[l], k_n, lowest,
                      lowest_k);
      /* The gains once more, through nn_inspector_activations on the
       * starting and final images: the filter with the lowest gain, and
       * the first that is clearly active on grey. */
      int check[2] = { lowest_k, -1 };
      for (int k = 0; k < k_n && check[1] < 0; k++)
        if (activation_mean (in, p.first, k, probe, k) > 1e-3)
          check[1] = k;
      g_assert_cmpint (check[1], >=, 0);
      for (int i = 0; i < 2; i++)
        {
          int k = check[i];
          double start = activation_mean (in, p.first, k, probe, k);
          double final = activation_mean (in, images, k, probe, k);
          double gain = final / MAX (start, 1e-6);
          g_test_message ("%s filter %d: mean %.4g -> %.4g, gain %.4g (returned %.4g)", layers[l],
                          k, start, final, gain, gains[k]);
          g_assert_cmpfloat (gain, >=, MIN_GAIN);
          if (start > 1e-3)
            g_assert_cmpfloat (fabs (gain - gains[k]), <=, 1e-3 * gains[k]);
          checked = k;
        }
      g_assert_cmpint (checked, >=, 0);
      progress_clear (&p);
    }
}

/* Display images: each rescaled to [0, 1], progress images too; jitter
 * and blur run; the same seed gives the same images. */
static void
test_filters_display (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  take_weights (m, 1);
  g_autoptr (NnInspector) in = inspector (m);
  int probe = nn_inspector_find_probe (in, "conv2");
  int channels[] = { 5, 0, 63 };
  NnFilterConfig cfg;
  nn_filter_config_init (&cfg);
  cfg.steps = 8;
  cfg.jitter = 2;
  cfg.blur = 0.7f;
  Progress p = { .cancel_at = -1 };
  g_autoptr (NnTensor)
      a = nn_inspector_filters (in, probe, channels, 3, &cfg, progress_cb, &p, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->ndim, ==, 4);
  g_assert_cmpint (a->shape[0], ==, 3);
  g_assert_cmpint (a->shape[1], ==, 28);
  for (int b = 0; b < 3; b++)
    {
      NnTensor *shown[] = { a, p.last };
      for (int s = 0; s < 2; s++)
        {
          g_autoptr (NnTensor)
              img = nn_tensor_new_view (shown[s]->data + b * 784, 1, (int[]){ 784 });
          g_assert_cmpfloat (nn_tensor_min (img), ==, 0.0f);
          g_assert_cmpfloat (nn_tensor_max (img), ==, 1.0f);
        }
    }
  g_autoptr (NnTensor)
      again = nn_inspector_filters (in, probe, channels, 3, &cfg, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a->data, a->size * sizeof (float), again->data, again->size * sizeof (float));
  progress_clear (&p);
}

static void
test_filters_cancel (void)
{
  g_autoptr (NnModel) m = cam_model (FALSE);
  g_autoptr (NnInspector) in = inspector (m);
  int probe = nn_inspector_find_probe (in, "conv");
  int channels[] = { 0, 1, 2, 3 };
  g_autoptr (GError) error = NULL;
  Progress p = { .cancel_at = 2 };
  double gains[4] = { -1, -1, -1, -1 };
  NnTensor *t = nn_inspector_filters (in, probe, channels, 4, NULL, progress_cb, &p, gains, &error);
  g_assert_null (t);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (p.reports, ==, 3);
  g_assert_cmpint (p.last_step, ==, 2);
  g_assert_cmpfloat (gains[0], ==, -1);
  progress_clear (&p);
}

/* ---- confusion ----------------------------------------------------------------- */

/* Eight points, three classes; the model predicts argmax (x1, x2, 0.5). */
static const float tiny_x[8][2] = { { 1, 0 }, { 0.9f, 0.1f }, { 0, 1 },    { 0, 0 },
                                    { 2, 0 }, { 0, 0.2f },    { 0.1f, 3 }, { 0.2f, 0.1f } };
static const int tiny_y[8] = { 0, 0, 1, 1, 2, 2, 0, 1 };

static NnDataset *
tiny_dataset (void)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_dataset_alloc ("tiny", 1, 1);
  ds->inputs[0] = nn_array_new ("x", NN_DTYPE_F32, 1, (int[]){ 2 }, 8, &error);
  g_assert_no_error (error);
  ds->targets[0] = nn_array_new ("y", NN_DTYPE_I32, 1, (int[]){ 1 }, 8, &error);
  g_assert_no_error (error);
  memcpy (ds->inputs[0]->data, tiny_x, sizeof tiny_x);
  memcpy (ds->targets[0]->data, tiny_y, sizeof tiny_y);
  ds->n = 8;
  ds->n_classes = 3;
  ds->class_names = g_new0 (char *, 3);
  ds->class_names[0] = g_strdup ("zero");
  ds->class_names[1] = g_strdup ("one");
  ds->class_names[2] = g_strdup ("two");
  nn_dataset_split_tail (ds, 8);
  return ds;
}

static NnModel *
tiny_model (void)
{
  NnModel *m = dense_model ("2", 3, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  NnTensor w, b;
  int out = nn_model_find_layer (m, "out");
  nn_model_layer_get_weight (m, out, 0, &w);
  nn_model_layer_get_weight (m, out, 1, &b);
  const float kernel[6] = { 1, 0, 0, 0, 1, 0 }; /* (2, 3) */
  const float bias[3] = { 0, 0, 0.5f };
  memcpy (w.data, kernel, sizeof kernel);
  memcpy (b.data, bias, sizeof bias);
  return m;
}

/* Counted by hand: truth rows, predicted columns. */
static void
test_confusion_tiny (void)
{
  g_autoptr (NnDataset) ds = tiny_dataset ();
  g_autoptr (NnModel) m = tiny_model ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnConfusion) c = nn_confusion_compute (m, ds, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->n_classes, ==, 3);
  g_assert_cmpuint (c->n, ==, 8);
  g_assert_cmpstr (c->class_names[2], ==, "two");
  const guint32 want[9] = { 2, 1, 0, 0, 1, 2, 1, 0, 1 };
  g_assert_cmpmem (c->counts, sizeof want, want, sizeof want);
  g_assert_cmpfloat (c->accuracy, ==, 0.5);
  const double precision[3] = { 2.0 / 3, 1.0 / 2, 1.0 / 3 };
  const double recall[3] = { 2.0 / 3, 1.0 / 3, 1.0 / 2 };
  for (int k = 0; k < 3; k++)
    {
      g_assert_cmpfloat_with_epsilon (c->precision[k], precision[k], 1e-12);
      g_assert_cmpfloat_with_epsilon (c->recall[k], recall[k], 1e-12);
    }
  for (int i = 0; i < 8; i++)
    {
      g_assert_cmpuint (c->index[i], ==, i);
      g_assert_cmpint (c->truth[i], ==, tiny_y[i]);
    }
  /* the mistakes: 6 (softmax (0.1, 3, 0.5)[1]), 4, 3, 7 */
  size_t pos[8];
  g_assert_cmpuint (nn_confusion_most_wrong (c, pos, 8), ==, 4);
  const size_t order[4] = { 6, 4, 3, 7 };
  g_assert_cmpmem (pos, 4 * sizeof (size_t), order, sizeof order);
  double e3 = exp (3), e05 = exp (0.5);
  g_assert_cmpfloat_with_epsilon (c->confidence[6], e3 / (exp (0.1) + e3 + e05), 1e-6);
  g_assert_cmpfloat_with_epsilon (c->confidence[7], e05 / (exp (0.2) + exp (0.1) + e05), 1e-6);
  g_assert_cmpuint (nn_confusion_most_wrong (c, pos, 2), ==, 2);
  g_assert_cmpuint (pos[0], ==, 6);
  g_assert_cmpuint (pos[1], ==, 4);
  /* cells, in sample order */
  g_assert_cmpuint (nn_confusion_cell (c, 1, 2, pos, 8), ==, 2);
  g_assert_cmpuint (pos[0], ==, 3);
  g_assert_cmpuint (pos[1], ==, 7);
  g_assert_cmpuint (nn_confusion_cell (c, 0, 0, pos, 8), ==, 2);
  g_assert_cmpuint (pos[0], ==, 0);
  g_assert_cmpuint (pos[1], ==, 1);
  g_assert_cmpuint (nn_confusion_cell (c, 2, 1, pos, 8), ==, 0);
  g_assert_cmpuint (nn_confusion_cell (c, 0, 3, pos, 8), ==, 0);

  /* a subset: samples 6 and 2, both predicted 1 */
  const guint32 idx[2] = { 6, 2 };
  g_autoptr (NnConfusion) s = nn_confusion_compute (m, ds, idx, 2, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (s->counts[0 * 3 + 1], ==, 1);
  g_assert_cmpuint (s->counts[1 * 3 + 1], ==, 1);
  g_assert_cmpuint (s->index[0], ==, 6);
  g_assert_cmpfloat (s->accuracy, ==, 0.5);
  g_assert_true (isnan (s->precision[0]));
  g_assert_true (isnan (s->recall[2]));

  /* and nn_model_evaluate agrees */
  NnScores sc = { 0 };
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 32, &sc, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (nn_scores_get (&sc, "accuracy", NULL), c->accuracy, ACC_TOL);
  nn_scores_clear (&sc);
}

/* Sums, the diagonal against nn_model_evaluate, most_wrong order and cell
 * lists, on a test split of more than one batch, for a softmax (class
 * numbers and one-hot targets) and a sigmoid model. */
static void
check_confusion_evaluate (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  Progress p = { .cancel_at = -1 };
  g_autoptr (NnConfusion) c = nn_confusion_compute (m, ds, NULL, 0, batch_cb, &p, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.reports, ==, (int) ((ds->n_test + 511) / 512));
  g_assert_cmpuint (c->n, ==, ds->n_test);
  guint64 sum = 0, diag = 0;
  for (int t = 0; t < c->n_classes; t++)
    for (int q = 0; q < c->n_classes; q++)
      {
        guint32 cnt = c->counts[t * c->n_classes + q];
        sum += cnt;
        diag += t == q ? cnt : 0;
        g_autofree size_t *pos = g_new (size_t, c->n);
        g_assert_cmpuint (nn_confusion_cell (c, t, q, pos, c->n), ==, cnt);
        for (guint32 i = 0; i < cnt; i++)
          {
            g_assert_cmpint (c->truth[pos[i]], ==, t);
            g_assert_cmpint (c->predicted[pos[i]], ==, q);
            if (i > 0)
              g_assert_cmpuint (pos[i], >, pos[i - 1]);
          }
      }
  g_assert_cmpuint (sum, ==, ds->n_test);
  NnScores sc = { 0 };
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 64, &sc, &error));
  g_assert_no_error (error);
  double acc = nn_scores_get (&sc, "accuracy", NULL);
  g_test_message ("%s: %zu test samples, accuracy %.4f (evaluate %.4f)", ds->name, c->n,
                  c->accuracy, acc);
  g_assert_cmpfloat_with_epsilon ((double) diag / (double) c->n, acc, ACC_TOL);
  g_assert_cmpfloat_with_epsilon (c->accuracy, acc, ACC_TOL);
  nn_scores_clear (&sc);
  /* the model must be wrong sometimes for the order to mean anything */
  g_autofree size_t *pos = g_new (size_t, c->n);
  size_t n_wrong = nn_confusion_most_wrong (c, pos, c->n);
  g_assert_cmpuint (n_wrong, ==, c->n - diag);
  g_assert_cmpuint (n_wrong, >, 1);
  for (size_t i = 0; i < n_wrong; i++)
    {
      g_assert_cmpint (c->truth[pos[i]], !=, c->predicted[pos[i]]);
      if (i > 0)
        g_assert_cmpfloat (c->confidence[pos[i]], <=, c->confidence[pos[i - 1]]);
    }
  progress_clear (&p);
}

static void
test_confusion_evaluate (void)
{
  g_autoptr (GError) error = NULL;
  /* softmax, class numbers, then one-hot targets */
  g_autoptr (NnDataset) blobs = nn_dataset_open ("blobs:n=3000:classes=3:noise=0.5", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blobs->n_test, >, 512);
  g_autoptr (NnModel)
      soft = dense_model ("2", 3, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  check_confusion_evaluate (soft, blobs);
  g_assert_true (nn_dataset_one_hot (blobs, 0, &error));
  g_assert_no_error (error);
  nn_model_output_set_loss (soft, 0, NN_LOSS_CATEGORICAL_CROSSENTROPY, 1.0);
  check_confusion_evaluate (soft, blobs);
  /* one sigmoid unit */
  g_autoptr (NnDataset) moons = nn_dataset_open ("moons:n=1000", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) sig = dense_model ("2", 1, "sigmoid", NN_LOSS_BINARY_CROSSENTROPY);
  check_confusion_evaluate (sig, moons);
}

static void
test_confusion_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) blobs = nn_dataset_open ("blobs:n=3000:classes=3", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) m = dense_model ("2", 3, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  Progress p = { .cancel_at = 0 };
  NnConfusion *c = nn_confusion_compute (m, blobs, NULL, 0, batch_cb, &p, &error);
  g_assert_null (c);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (p.reports, ==, 1);
}

/* ---- misuse --------------------------------------------------------------------- */

static void
assert_config_error (GError **error, const char *mentions)
{
  g_assert_error (*error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", (*error)->message);
  if (mentions)
    g_assert_nonnull (strstr ((*error)->message, mentions));
  g_clear_error (error);
}

static void
test_misuse (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = cam_model (FALSE);
  g_autoptr (NnInspector) in = inspector (m);
  g_autoptr (NnTensor) x = random_input (in, 1, 0, 1);
  NnExplainConfig cfg;

  /* a probe that does not exist */
  nn_explain_config_init (&cfg);
  cfg.probe = nn_inspector_get_n_probes (in);
  g_assert_null (nn_inspector_explain (in, x, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "no layer number");
  cfg.probe = -7;
  g_assert_null (nn_inspector_explain (in, x, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "no layer number");
  /* Grad-CAM at a probe that is not an image */
  cfg.probe = nn_inspector_find_probe (in, "gap");
  g_assert_cmpint (cfg.probe, >=, 0);
  g_assert_null (nn_inspector_explain (in, x, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "“gap”");
  /* class out of range */
  nn_explain_config_init (&cfg);
  cfg.class_index = 3;
  g_assert_null (nn_inspector_explain (in, x, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "0 to 2");
  /* wrong input shape */
  nn_explain_config_init (&cfg);
  g_autoptr (NnTensor) bad = nn_tensor_new (4, (int[]){ 1, 7, 8, 1 });
  g_assert_null (nn_inspector_explain (in, bad, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "(1, 8, 8, 1)");
  g_autoptr (NnTensor) two = nn_tensor_new (4, (int[]){ 2, 8, 8, 1 });
  g_assert_null (nn_inspector_explain (in, two, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "one sample");
  /* occlusion with a negative patch */
  cfg.kind = NN_EXPLAIN_OCCLUSION;
  cfg.patch = -1;
  g_assert_null (nn_inspector_explain (in, x, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "patch");

  /* filters: not an image, bad channels, bad settings */
  int ch[] = { 0, 4 };
  g_assert_null (nn_inspector_filters (in, nn_inspector_find_probe (in, "out"), ch, 1, NULL, NULL,
                                       NULL, NULL, &error));
  assert_config_error (&error, "“out”");
  int conv = nn_inspector_find_probe (in, "conv");
  g_assert_null (nn_inspector_filters (in, conv, ch, 2, NULL, NULL, NULL, NULL, &error));
  assert_config_error (&error, "no channel 4");
  g_assert_null (nn_inspector_filters (in, conv, ch, 0, NULL, NULL, NULL, NULL, &error));
  assert_config_error (&error, "at least one channel");
  g_assert_null (nn_inspector_filters (in, 99, ch, 1, NULL, NULL, NULL, NULL, &error));
  assert_config_error (&error, "no layer number 99");
  NnFilterConfig fc;
  nn_filter_config_init (&fc);
  fc.steps = 0;
  g_assert_null (nn_inspector_filters (in, conv, ch, 1, &fc, NULL, NULL, NULL, &error));
  assert_config_error (&error, "steps");
  nn_filter_config_init (&fc);
  fc.step_size = NAN;
  g_assert_null (nn_inspector_filters (in, conv, ch, 1, &fc, NULL, NULL, NULL, &error));
  assert_config_error (&error, "step size");

  /* a model with no spatial layer: no default Grad-CAM layer */
  g_autoptr (NnModel)
      flat = dense_model ("4", 3, "softmax", NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY);
  g_autoptr (NnInspector) fin = inspector (flat);
  g_autoptr (NnTensor) fx = random_input (fin, 1, 0, 1);
  nn_explain_config_init (&cfg);
  g_assert_null (nn_inspector_explain (fin, fx, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "Grad-CAM needs a convolutional layer");

  /* a regression model: nothing to explain, nothing to confuse */
  g_autoptr (NnModel) reg = dense_model ("4", 1, "linear", NN_LOSS_MSE);
  g_autoptr (NnInspector) rin = inspector (reg);
  g_assert_cmpint (nn_inspector_get_n_classes (rin), ==, 0);
  g_autoptr (NnTensor) rx = random_input (rin, 1, 0, 1);
  nn_explain_config_init (&cfg);
  cfg.kind = NN_EXPLAIN_SALIENCY;
  g_assert_null (nn_inspector_explain (rin, rx, &cfg, NULL, NULL, &error));
  assert_config_error (&error, "“out”");
  g_autoptr (NnDataset) plane = nn_dataset_open ("regression:n=200:features=4", NULL, &error);
  g_assert_no_error (error);
  g_assert_null (nn_confusion_compute (reg, plane, NULL, 0, NULL, NULL, &error));
  assert_config_error (&error, "does not classify");

  /* confusion: labels outside the model's classes */
  g_autoptr (NnDataset) ds = tiny_dataset ();
  ((gint32 *) ds->targets[0]->data)[5] = 7;
  g_autoptr (NnModel) tm = tiny_model ();
  g_assert_null (nn_confusion_compute (tm, ds, NULL, 0, NULL, NULL, &error));
  assert_config_error (&error, "class 7");
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/inspect/gradcam/cam", test_gradcam_cam);
  g_test_add_func ("/engine/inspect/gradcam/cam-nested", test_gradcam_cam_nested);
  g_test_add_func ("/engine/inspect/saliency/linear", test_saliency_linear);
  g_test_add_func ("/engine/inspect/occlusion/region", test_occlusion_region);
  g_test_add_func ("/engine/inspect/occlusion/batched", test_occlusion_batched);
  g_test_add_func ("/engine/inspect/filters/gain", test_filters_gain);
  g_test_add_func ("/engine/inspect/filters/display", test_filters_display);
  g_test_add_func ("/engine/inspect/filters/sliced", test_filters_sliced);
  g_test_add_func ("/engine/inspect/filters/cancel", test_filters_cancel);
  g_test_add_func ("/engine/inspect/confusion/tiny", test_confusion_tiny);
  g_test_add_func ("/engine/inspect/confusion/evaluate", test_confusion_evaluate);
  g_test_add_func ("/engine/inspect/confusion/cancel", test_confusion_cancel);
  g_test_add_func ("/engine/inspect/misuse", test_misuse);
  return g_test_run ();
}
