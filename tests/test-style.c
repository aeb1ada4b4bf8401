/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Neural style transfer (nn-style.h): the Gram matrix, the style, content
 * and total-variation losses against numerical gradients (w.r.t. the
 * features and w.r.t. the input image through a network), bit-identical
 * results from a fixed seed, the losses falling under Adam, cancel, and
 * every misuse refused in words. */
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-model-private.h"

/* Central differences in float: a step of EPS, agreement within TOL of the
 * largest gradient entry. */
#define EPS 1e-2
#define TOL 2e-2

static void
fill (float *a, size_t n, guint64 seed, float lo, float hi)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (size_t e = 0; e < n; e++)
    a[e] = lo + (hi - lo) * nn_rng_uniform (&rng);
}

static NnTensor *
image (int h, int w, int c, guint64 seed)
{
  int shape[4] = { 1, h, w, c };
  NnTensor *t = nn_tensor_new (4, shape);
  fill (t->data, t->size, seed, 0, 1);
  return t;
}

static double
max_abs (const float *a, size_t n)
{
  double m = 0;
  for (size_t e = 0; e < n; e++)
    m = MAX (m, fabs (a[e]));
  return m;
}

static void
test_gram (void)
{
  int hw = 7, c = 3;
  float f[21], gram[9];
  fill (f, 21, 1, -1, 1);
  nn_style_gram (f, hw, c, gram);
  for (int i = 0; i < c; i++)
    for (int j = 0; j < c; j++)
      {
        double want = 0;
        for (int p = 0; p < hw; p++)
          want += (double) f[p * c + i] * f[p * c + j];
        g_assert_cmpfloat_with_epsilon (gram[i * c + j], want, 1e-5);
      }
}

static double
gram_loss_at (float *f, const float *target, int hw, int c, int e, double d)
{
  float keep = f[e];
  f[e] = (float) (keep + d);
  double l = nn_style_gram_loss (f, target, hw, c, NULL);
  f[e] = keep;
  return l;
}

/* The style loss of one layer against its normalization by hand and its
 * gradient against central differences, at every feature. */
static void
test_gram_loss_gradient (void)
{
  int hw = 6, c = 4;
  float f[24], g[24], other[24], target[16];
  fill (f, 24, 2, 0, 2);
  fill (other, 24, 3, 0, 2);
  nn_style_gram (other, hw, c, target);
  double loss = nn_style_gram_loss (f, target, hw, c, g);
  float gram[16];
  nn_style_gram (f, hw, c, gram);
  double want = 0;
  for (int e = 0; e < 16; e++)
    want += ((double) gram[e] - target[e]) * ((double) gram[e] - target[e]);
  want /= 4.0 * c * c * hw * hw;
  g_assert_cmpfloat (loss, >, 0);
  g_assert_cmpfloat (fabs (loss - want), <=, 1e-5 * want);
  double big = max_abs (g, 24);
  g_assert_cmpfloat (big, >, 0);
  for (int e = 0; e < 24; e++)
    {
      double num = (gram_loss_at (f, target, hw, c, e, EPS)
                    - gram_loss_at (f, target, hw, c, e, -EPS)) / (2 * EPS);
      g_assert_cmpfloat (fabs (num - g[e]), <=, TOL * big);
    }
  /* The target itself: no loss. */
  g_assert_cmpfloat (nn_style_gram_loss (other, target, hw, c, NULL), <, 1e-9);
}

static void
test_tv_gradient (void)
{
  g_autoptr (NnTensor) img = image (5, 6, 2, 4);
  g_autofree float *g = g_new0 (float, img->size);
  double loss = nn_style_tv_loss (img, 3.0, g);
  g_assert_cmpfloat (loss, >, 0);
  double big = max_abs (g, img->size);
  for (size_t e = 0; e < img->size; e++)
    {
      float keep = img->data[e];
      img->data[e] = (float) (keep + EPS);
      double up = nn_style_tv_loss (img, 0, NULL);
      img->data[e] = (float) (keep - EPS);
      double down = nn_style_tv_loss (img, 0, NULL);
      img->data[e] = keep;
      g_assert_cmpfloat (fabs (3.0 * (up - down) / (2 * EPS) - g[e]), <=, TOL * big);
    }
  /* A flat image has none. */
  memset (img->data, 0, img->size * sizeof (float));
  g_assert_cmpfloat (nn_style_tv_loss (img, 1, NULL), ==, 0);
}

/* The random filters with tanh instead of ReLU: smooth, so central
 * differences through the network do not straddle a kink. */
static NnModel *
smooth_filters (guint64 seed)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_style_random_filters (1, seed, &error);
  g_assert_no_error (error);
  for (int i = 1; i <= 4; i++)
    {
      g_autofree char *name = g_strdup_printf ("conv%d", i);
      int l = nn_model_find_layer (m, name);
      g_assert_cmpint (l, >=, 0);
      g_assert_true (nn_model_layer_set_param (m, l, "activation", "tanh", &error));
    }
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  return m;
}

static double
total_at (NnStyle *s, NnTensor *img, size_t e, double d)
{
  float keep = img->data[e];
  NnStyleLosses l;
  img->data[e] = (float) (keep + d);
  nn_style_evaluate (s, img, &l, NULL);
  img->data[e] = keep;
  return l.total;
}

/* One weight at a time (content, style, total variation), then all: the
 * gradient w.r.t. the input image against central differences at 12
 * pixels spread over the image. */
static void
check_input_gradient (double cw, double sw, double tvw)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = smooth_filters (5);
  g_autoptr (NnTensor) content = image (12, 12, 1, 6);
  g_autoptr (NnTensor) style = image (16, 16, 1, 7);
  g_autoptr (NnTensor) img = image (12, 12, 1, 8);
  g_autoptr (NnTensor) grad = image (12, 12, 1, 9);
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  nn_style_config_set_styles (&cfg, "conv1, conv2,conv3");
  cfg.content_layer = g_strdup ("conv2");
  cfg.content_weight = cw;
  cfg.style_weight = sw;
  cfg.tv_weight = tvw;
  g_autoptr (NnStyle) s = nn_style_new (m, content, style, &cfg, &error);
  g_assert_no_error (error);
  NnStyleLosses l;
  nn_style_evaluate (s, img, &l, grad);
  g_test_message ("weights %g %g %g: content %.6g style %.6g tv %.6g", cw, sw, tvw, l.content,
                  l.style, l.tv);
  g_assert_cmpfloat (l.total, >, 0);
  g_assert_cmpfloat (fabs (l.total - (l.content + l.style + l.tv)), <=, 1e-9 * l.total);
  g_assert_true (cw > 0 || l.content == 0);
  g_assert_true (sw > 0 || l.style == 0);
  g_assert_true (tvw > 0 || l.tv == 0);
  double big = max_abs (grad->data, grad->size);
  g_assert_cmpfloat (big, >, 0);
  for (size_t e = 5; e < img->size; e += 12)
    {
      double num = (total_at (s, img, e, EPS) - total_at (s, img, e, -EPS)) / (2 * EPS);
      g_assert_cmpfloat (fabs (num - grad->data[e]), <=, TOL * big);
    }
  nn_style_config_clear (&cfg);
}

static void
test_input_gradient_content (void)
{
  check_input_gradient (1, 0, 0);
}

static void
test_input_gradient_style (void)
{
  check_input_gradient (0, 1e3, 0);
}

static void
test_input_gradient_tv (void)
{
  check_input_gradient (0, 0, 1);
}

static void
test_input_gradient_all (void)
{
  check_input_gradient (0.5, 1e3, 0.1);
}

typedef struct {
  int calls;
  int cancel_at; /* 0: never */
  double first_style, last_style;
} Seen;

static gboolean
progress_cb (int it, int n, const NnStyleLosses *l, const NnTensor *img, gpointer data)
{
  Seen *s = data;
  g_assert_cmpint (it, ==, s->calls + 1);
  g_assert_cmpint (it, <=, n);
  g_assert_true (isfinite (l->total));
  g_assert_cmpint (img->ndim, ==, 4);
  s->calls++;
  if (it == 1)
    s->first_style = l->style;
  s->last_style = l->style;
  return it != s->cancel_at;
}

static NnTensor *
run (guint64 seed, int iterations, Seen *seen, NnStyleLosses *first, NnStyleLosses *last,
     NnModel **model)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_style_random_filters (1, seed, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) content = image (24, 24, 1, 10);
  g_autoptr (NnTensor) style = image (24, 24, 1, 11);
  /* A smooth content, a striped style: texture the content has not. */
  for (int y = 0; y < 24; y++)
    for (int x = 0; x < 24; x++)
      {
        content->data[y * 24 + x] = (float) (0.5 + 0.3 * sin (0.2 * x) * cos (0.15 * y));
        style->data[y * 24 + x] = (x / 3) % 2 ? 0.9f : 0.1f;
      }
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  cfg.iterations = iterations;
  NnTensor *out = nn_style_transfer (m, content, style, &cfg, progress_cb, seen, first, last,
                                     &error);
  g_assert_no_error (error);
  nn_style_config_clear (&cfg);
  if (model)
    *model = g_steal_pointer (&m);
  return out;
}

/* The same seed: the same filters and the same image, bit for bit; another
 * seed: other filters. */
static void
test_fixed_seed (void)
{
  NnModel *a = NULL, *b = NULL;
  Seen sa = { 0 }, sb = { 0 };
  g_autoptr (NnTensor) ia = run (3, 5, &sa, NULL, NULL, &a);
  g_autoptr (NnTensor) ib = run (3, 5, &sb, NULL, NULL, &b);
  g_assert_cmpint (a->n_params, ==, b->n_params);
  g_assert_cmpint (memcmp (a->params, b->params, a->n_params * sizeof (float)), ==, 0);
  g_assert_cmpint (memcmp (ia->data, ib->data, ia->size * sizeof (float)), ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) c = nn_style_random_filters (1, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (memcmp (a->params, c->params, a->n_params * sizeof (float)), !=, 0);
  nn_model_free (a);
  nn_model_free (b);
}

/* 60 iterations of the defaults on the random filters: the style loss
 * falls, the total falls, every iteration is reported. */
static void
test_losses_fall (void)
{
  Seen seen = { 0 };
  NnStyleLosses first, last;
  g_autoptr (NnTensor) out = run (1, 60, &seen, &first, &last, NULL);
  g_test_message ("style %.5g -> %.5g, content %.5g -> %.5g, tv %.5g -> %.5g", first.style,
                  last.style, first.content, last.content, first.tv, last.tv);
  g_assert_cmpint (seen.calls, ==, 60);
  g_assert_cmpfloat (first.content, ==, 0);
  g_assert_cmpfloat (last.style, <, 0.5 * first.style);
  g_assert_cmpfloat (last.total, <, first.total);
  for (size_t e = 0; e < out->size; e++)
    g_assert_true (isfinite (out->data[e]));
}

static void
test_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_style_random_filters (3, 1, &error);
  g_autoptr (NnTensor) content = image (16, 16, 3, 1);
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  cfg.iterations = 50;
  Seen seen = { .cancel_at = 4 };
  g_autoptr (NnTensor) out = nn_style_transfer (m, content, content, &cfg, progress_cb, &seen,
                                                NULL, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (seen.calls, ==, 4);
  nn_style_config_clear (&cfg);
}

static void
expect_refusal (const NnModel *m, const NnTensor *content, const NnTensor *style,
                const NnStyleConfig *cfg, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnStyle) s = nn_style_new (m, content, style, cfg, &error);
  g_assert_null (s);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_refusals (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_style_random_filters (1, 1, &error);
  g_autoptr (NnTensor) grey = image (16, 16, 1, 1);
  g_autoptr (NnTensor) rgb = image (16, 16, 3, 1);
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  nn_style_config_set_styles (&cfg, "conv1,nope");
  expect_refusal (m, grey, grey, &cfg, "no layer “nope”");
  nn_style_config_set_styles (&cfg, "image");
  expect_refusal (m, grey, grey, &cfg, "cannot be a style layer");
  nn_style_config_set_styles (&cfg, "");
  cfg.content_layer = g_strdup ("conv9");
  expect_refusal (m, grey, grey, &cfg, "content layer");
  g_clear_pointer (&cfg.content_layer, g_free);
  expect_refusal (m, rgb, grey, &cfg, "The content image must be one image of 1 channel");
  expect_refusal (m, grey, rgb, &cfg, "The style image");
  expect_refusal (m, grey, NULL, &cfg, "The style image");
  cfg.style_weight = -1;
  expect_refusal (m, grey, grey, &cfg, "weights must be numbers");
  cfg.style_weight = NAN;
  expect_refusal (m, grey, grey, &cfg, "weights must be numbers");
  cfg.style_weight = 1;
  cfg.iterations = 0;
  expect_refusal (m, grey, grey, &cfg, "iterations");
  cfg.iterations = 1;
  cfg.learning_rate = 0;
  expect_refusal (m, grey, grey, &cfg, "learning rate");
  /* A network with no convolution. */
  g_autoptr (NnModel) dense = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  cfg.learning_rate = 0.1;
  expect_refusal (dense, grey, grey, &cfg, "has no weights");
  g_assert_true (nn_model_init_weights (dense, 1, &error));
  expect_refusal (dense, grey, grey, &cfg, "style transfer takes a convolutional network");
  nn_style_config_clear (&cfg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/style/gram", test_gram);
  g_test_add_func ("/engine/style/gram-loss-gradient", test_gram_loss_gradient);
  g_test_add_func ("/engine/style/tv-gradient", test_tv_gradient);
  g_test_add_func ("/engine/style/input-gradient/content", test_input_gradient_content);
  g_test_add_func ("/engine/style/input-gradient/style", test_input_gradient_style);
  g_test_add_func ("/engine/style/input-gradient/tv", test_input_gradient_tv);
  g_test_add_func ("/engine/style/input-gradient/all", test_input_gradient_all);
  g_test_add_func ("/engine/style/fixed-seed", test_fixed_seed);
  g_test_add_func ("/engine/style/losses-fall", test_losses_fall);
  g_test_add_func ("/engine/style/cancel", test_cancel);
  g_test_add_func ("/engine/style/refusals", test_refusals);
  return g_test_run ();
}
