/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Adversarial training (nn-gan.h): each step moves only its own model, a
 * seed gives the same run bit for bit (on the trainer's thread too), the
 * losses stay finite with every labelling option, and mismatched models
 * are refused in words. */
#include <math.h>
#include <string.h>

#include "test-util.h"

#define LATENT 4

/* Latent (LATENT) -> Dense 16 -> BatchNormalization -> ReLU -> Dense 2:
 * batch norm, so that a discriminator step that ran G in training mode
 * without putting its statistics back would show. */
static NnModel *
ring_generator (void)
{
  NnModel *m = nn_model_new ("generator");
  int in = test_add (m, "Input", "z");
  test_set (m, in, "shape", G_STRINGIFY (LATENT));
  int h = test_add (m, "Dense", NULL);
  test_set (m, h, "units", "16");
  test_connect (m, in, h);
  int bn = test_add (m, "BatchNormalization", NULL);
  test_connect (m, h, bn);
  int act = test_add (m, "Activation", NULL);
  test_set (m, act, "activation", "relu");
  test_connect (m, bn, act);
  int out = test_add (m, "Dense", "point");
  test_set (m, out, "units", "2");
  test_connect (m, act, out);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  nn_model_get_optimizer (m)->learning_rate = 1e-3;
  return m;
}

/* Point (2) -> Dense 16 LeakyReLU -> Dropout 0.2 -> Dense 1 sigmoid. */
static NnModel *
ring_discriminator (const char *out_activation, const char *out_units)
{
  NnModel *m = nn_model_new ("discriminator");
  int in = test_add (m, "Input", "point");
  test_set (m, in, "shape", "2");
  int h = test_add (m, "Dense", NULL);
  test_set (m, h, "units", "16");
  test_set (m, h, "activation", "leaky_relu");
  test_connect (m, in, h);
  int drop = test_add (m, "Dropout", NULL);
  test_set (m, drop, "rate", "0.2");
  test_connect (m, h, drop);
  int out = test_add (m, "Dense", "real");
  test_set (m, out, "units", out_units);
  test_set (m, out, "activation", out_activation);
  test_connect (m, drop, out);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  nn_model_get_optimizer (m)->learning_rate = 1e-3;
  return m;
}

static NnDataset *
ring_data (void)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_dataset_open ("ring:n=512", NULL, &error);
  g_assert_no_error (error);
  return ds;
}

/* Every weight of m, variables in layer order (trainable or not). */
static GArray *
weights_dup (NnModel *m)
{
  GArray *w = g_array_new (FALSE, FALSE, sizeof (float));
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    for (int k = 0; k < nn_model_layer_get_n_weights (m, l); k++)
      {
        NnTensor view;
        g_assert_nonnull (nn_model_layer_get_weight (m, l, k, &view));
        g_array_append_vals (w, view.data, (guint) view.size);
      }
  return w;
}

static gboolean
weights_equal (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (float)) == 0;
}

/* The ring models, their data and a config of batch bs. */
typedef struct {
  NnModel    *g, *d;
  NnDataset  *ds;
  NnGanConfig cfg;
} Ring;

static void
ring_init (Ring *r, int bs)
{
  r->g = ring_generator ();
  r->d = ring_discriminator ("sigmoid", "1");
  r->ds = ring_data ();
  nn_gan_config_init (&r->cfg);
  r->cfg.batch_size = bs;
}

static void
ring_clear (Ring *r)
{
  nn_model_free (r->g);
  nn_model_free (r->d);
  nn_dataset_free (r->ds);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Ring, ring_clear)

static NnGan *
gan_new (NnModel *g, NnModel *d, NnDataset *ds, const NnGanConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  NnGan *gan = nn_gan_new (g, d, ds, cfg, &error);
  g_assert_no_error (error);
  g_assert_nonnull (gan);
  return gan;
}

static void
test_gan_steps_move_one_model (void)
{
  g_auto (Ring) r;
  ring_init (&r, 32);
  g_autoptr (NnGan) gan = gan_new (r.g, r.d, r.ds, &r.cfg);
  g_autoptr (GError) error = NULL;
  NnGanStats st;
  for (int round = 0; round < 3; round++)
    {
      g_autoptr (GArray) g0 = weights_dup (nn_gan_get_generator (gan));
      g_autoptr (GArray) d0 = weights_dup (nn_gan_get_discriminator (gan));
      g_assert_true (nn_gan_d_step (gan, &st, &error));
      g_assert_no_error (error);
      g_autoptr (GArray) g1 = weights_dup (nn_gan_get_generator (gan));
      g_autoptr (GArray) d1 = weights_dup (nn_gan_get_discriminator (gan));
      g_assert_true (weights_equal (g0, g1));
      g_assert_false (weights_equal (d0, d1));

      g_assert_true (nn_gan_g_step (gan, &st, &error));
      g_assert_no_error (error);
      g_autoptr (GArray) g2 = weights_dup (nn_gan_get_generator (gan));
      g_autoptr (GArray) d2 = weights_dup (nn_gan_get_discriminator (gan));
      g_assert_true (weights_equal (d1, d2));
      g_assert_false (weights_equal (g1, g2));
    }
  g_assert_cmpint (nn_gan_get_steps (gan), ==, 3);
}

/* n steps from scratch; the final weights of both and the last stats. */
static void
run_steps (guint64 seed, int n, GArray **gw, GArray **dw, NnGanStats *st)
{
  g_auto (Ring) r;
  ring_init (&r, 16);
  r.cfg.seed = seed;
  r.cfg.d_steps = 2;
  r.cfg.label_flip = 0.05;
  g_autoptr (NnGan) gan = gan_new (r.g, r.d, r.ds, &r.cfg);
  g_autoptr (GError) error = NULL;
  for (int k = 0; k < n; k++)
    g_assert_true (nn_gan_step (gan, st, &error));
  g_assert_no_error (error);
  *gw = weights_dup (nn_gan_get_generator (gan));
  *dw = weights_dup (nn_gan_get_discriminator (gan));
}

static void
test_gan_reproducible (void)
{
  g_autoptr (GArray) ga = NULL, da = NULL, gb = NULL, db = NULL, gc = NULL, dc = NULL;
  NnGanStats a, b, c;
  run_steps (7, 20, &ga, &da, &a);
  run_steps (7, 20, &gb, &db, &b);
  run_steps (8, 20, &gc, &dc, &c);
  g_assert_true (weights_equal (ga, gb));
  g_assert_true (weights_equal (da, db));
  g_assert_true (memcmp (&a, &b, sizeof a) == 0);
  g_assert_false (weights_equal (ga, gc));
  g_assert_false (weights_equal (da, dc));
}

static void
test_gan_finite (void)
{
  g_auto (Ring) r;
  ring_init (&r, 32);
  r.cfg.d_steps = 3;
  r.cfg.label_smoothing = 0.1;
  r.cfg.label_flip = 0.05;
  r.cfg.label_noise = 0.05;
  g_autoptr (NnGan) gan = gan_new (r.g, r.d, r.ds, &r.cfg);
  g_autoptr (GError) error = NULL;
  for (int k = 0; k < 60; k++)
    {
      NnGanStats st;
      g_assert_true (nn_gan_step (gan, &st, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (st.d_loss) && st.d_loss > 0);
      g_assert_true (isfinite (st.g_loss) && st.g_loss > 0);
      g_assert_cmpfloat (st.d_acc_real, >=, 0);
      g_assert_cmpfloat (st.d_acc_real, <=, 1);
      g_assert_cmpfloat (st.d_acc_fake, >=, 0);
      g_assert_cmpfloat (st.d_acc_fake, <=, 1);
    }
  g_assert_cmpint (nn_gan_get_steps (gan), ==, 60);
}

static void
expect_refused (NnModel *g, NnModel *d, NnDataset *ds, const NnGanConfig *cfg, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnGan) gan = nn_gan_new (g, d, ds, cfg, &error);
  g_assert_null (gan);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  if (!strstr (error->message, words))
    g_error ("“%s” does not say “%s”", error->message, words);
}

static void
test_gan_refused (void)
{
  g_autoptr (NnModel) g = ring_generator ();
  g_autoptr (NnModel) d = ring_discriminator ("sigmoid", "1");
  g_autoptr (NnModel) d_softmax = ring_discriminator ("softmax", "2");
  g_autoptr (NnModel) d_linear = ring_discriminator ("linear", "1");
  g_autoptr (NnDataset) ds = ring_data ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) wide = nn_dataset_open ("regression:n=64:features=3", NULL, &error);
  g_assert_no_error (error);
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  expect_refused (g, d_softmax, ds, &cfg, "one unit with a sigmoid");
  expect_refused (g, d_linear, ds, &cfg, "one unit with a sigmoid");
  expect_refused (g, d, wide, &cfg, "holds samples of 3 values");
  /* G makes 3 values, D reads 2 */
  g_autoptr (NnModel) g3 = ring_generator ();
  test_set (g3, nn_model_find_layer (g3, "point"), "units", "3");
  expect_refused (g3, d, ds, &cfg, "makes samples of shape");
  NnGanConfig bad = cfg;
  bad.d_steps = 0;
  expect_refused (g, d, ds, &bad, "discriminator steps");
  bad = cfg;
  bad.label_smoothing = 0.7;
  expect_refused (g, d, ds, &bad, "Label smoothing");
  bad = cfg;
  bad.label_flip = NAN;
  expect_refused (g, d, ds, &bad, "Label smoothing");
  bad = cfg;
  bad.batch_size = 0;
  expect_refused (g, d, ds, &bad, "batch size");
  /* a generator with two inputs */
  g_autoptr (NnModel) g2 = ring_generator ();
  int extra = test_add (g2, "Input", "extra");
  test_set (g2, extra, "shape", "2");
  int cat = test_add (g2, "Concatenate", NULL);
  test_connect (g2, nn_model_find_layer (g2, "point"), cat);
  test_connect (g2, extra, cat);
  int out = test_add (g2, "Dense", NULL);
  test_set (g2, out, "units", "2");
  test_connect (g2, cat, out);
  expect_refused (g2, d, ds, &cfg, "exactly one input");
}

typedef struct {
  int batches, snapshots, with_aux, finished;
  char *text;
} Seen;

static void
drain (NnTrainer *t, Seen *seen)
{
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_BATCH)
        {
          seen->batches++;
          gboolean found[4];
          const char *keys[] = { "d_loss", "g_loss", "d_acc_real", "d_acc_fake" };
          for (int k = 0; k < 4; k++)
            {
              double v = nn_event_get (e, keys[k], &found[k]);
              g_assert_true (found[k] && isfinite (v));
            }
          g_assert_cmpfloat (e->loss, ==, nn_event_get (e, "g_loss", NULL));
        }
      if (e->kind == NN_EVENT_SNAPSHOT)
        {
          seen->snapshots++;
          seen->with_aux += e->snapshot && e->snapshot_aux;
        }
      if (e->kind == NN_EVENT_FINISHED)
        {
          seen->finished++;
          g_free (seen->text);
          seen->text = g_strdup (e->text);
        }
      nn_event_free (e);
    }
}

/* The trainer's thread runs the same steps as nn_gan_step, bit for bit. */
static void
test_gan_trainer (void)
{
  g_auto (Ring) r;
  ring_init (&r, 16);
  r.cfg.steps = 25;
  r.cfg.snapshot_every = 10;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_trainer_start_gan (t, r.g, r.d, r.ds, &r.cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  Seen seen = { 0 };
  drain (t, &seen);
  g_assert_cmpint (seen.batches, >=, 1);
  g_assert_cmpint (seen.snapshots, ==, 3);   /* steps 10, 20 and the end */
  g_assert_cmpint (seen.with_aux, ==, 3);
  g_assert_cmpint (seen.finished, ==, 1);
  g_assert_cmpstr (seen.text, ==, "Finished");
  g_free (seen.text);

  g_autoptr (NnModel) tg = nn_trainer_dup_model (t);
  g_autoptr (NnModel) td = nn_trainer_dup_discriminator (t);
  g_autoptr (NnGan) gan = gan_new (r.g, r.d, r.ds, &r.cfg);
  NnGanStats st;
  for (int k = 0; k < r.cfg.steps; k++)
    g_assert_true (nn_gan_step (gan, &st, &error));
  g_autoptr (GArray) a = weights_dup (tg), b = weights_dup (nn_gan_get_generator (gan));
  g_autoptr (GArray) c = weights_dup (td), e = weights_dup (nn_gan_get_discriminator (gan));
  g_assert_true (weights_equal (a, b));
  g_assert_true (weights_equal (c, e));
}

/* A paused start runs nothing; one step runs one generator step; stop ends it. */
static void
test_gan_trainer_step_stop (void)
{
  g_auto (Ring) r;
  ring_init (&r, 16);
  r.cfg.steps = 1000000;
  r.cfg.start_paused = TRUE;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_trainer_start_gan (t, r.g, r.d, r.ds, &r.cfg, &error));
  nn_trainer_step (t);
  Seen seen = { 0 };
  for (int k = 0; k < 2000 && seen.batches == 0; k++)
    {
      g_usleep (5000);
      drain (t, &seen);
    }
  g_assert_cmpint (seen.batches, ==, 1);
  g_assert_cmpint (seen.with_aux, ==, 1);   /* a step is watched: its snapshot */
  nn_trainer_request_stop (t);
  g_assert_true (nn_trainer_join (t, &error));
  drain (t, &seen);
  g_assert_cmpint (seen.batches, ==, 1);
  g_assert_cmpstr (seen.text, ==, "Stopped");
  g_free (seen.text);
  g_autoptr (NnModel) td = nn_trainer_dup_discriminator (t);
  g_assert_nonnull (td);
}

/* The coverage measure itself, on points placed by hand. */
static void
test_gan_ring_coverage_measure (void)
{
  float xy[2 * 4] = { 0.8f, 0.0f, 0.0f, 0.8f + 0.1f, 0.0f, 0.0f, -0.8f, 0.0f };
  int counts[4];
  double within = nn_gan_ring_coverage (xy, 4, 4, 0.8, 0.05, counts);
  g_assert_cmpfloat (within, ==, 0.75);   /* the centre point is 0.8 from every mode */
  g_assert_cmpint (counts[0], ==, 2);     /* (0.8, 0) and the centre (ties: the first) */
  g_assert_cmpint (counts[1], ==, 1);
  g_assert_cmpint (counts[2], ==, 1);
  g_assert_cmpint (counts[3], ==, 0);
}

/* Diversity: identical samples score 0; two samples d apart in every
 * value score d. */
static void
test_gan_diversity (void)
{
  float same[3 * 4] = { 1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4 };
  g_assert_cmpfloat (nn_gan_diversity (same, 3, 4), ==, 0);
  float apart[2 * 4] = { 0, 0, 0, 0, 0.5f, -0.5f, 0.5f, -0.5f };
  g_assert_cmpfloat (fabs (nn_gan_diversity (apart, 2, 4) - 0.5), <, 1e-9);
  g_assert_cmpfloat (nn_gan_diversity (apart, 1, 4), ==, 0);
}

/* The generator run in inference mode gives the same points as G(z) of
 * nn_model_run, and a different seed different latent points. */
static void
test_gan_generate (void)
{
  g_autoptr (NnModel) g = ring_generator ();
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (g, 3, &error));
  g_autoptr (NnTensor) z = nn_gan_latent_points (5, LATENT, 1);
  g_autoptr (NnTensor) z2 = nn_gan_latent_points (5, LATENT, 1);
  g_autoptr (NnTensor) z3 = nn_gan_latent_points (5, LATENT, 2);
  g_assert_true (memcmp (z->data, z2->data, z->size * sizeof (float)) == 0);
  g_assert_false (memcmp (z->data, z3->data, z->size * sizeof (float)) == 0);
  g_autoptr (NnTensor) xy = nn_gan_generate (g, z, &error);
  g_assert_no_error (error);
  g_assert_cmpint (xy->shape[0], ==, 5);
  g_assert_cmpint (xy->shape[1], ==, 2);
  g_autoptr (NnTensor) again = nn_gan_generate (g, z, &error);
  g_assert_true (memcmp (xy->data, again->data, xy->size * sizeof (float)) == 0);
}

/* normalize=symmetric: each value v of [0, 1] becomes 2 v - 1. */
static void
test_gan_symmetric_data (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) a = nn_dataset_open ("shapes:n=8:size=16", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) b = nn_dataset_open ("shapes:n=8:size=16:normalize=symmetric", NULL,
                                             &error);
  g_assert_no_error (error);
  size_t m = a->inputs[0]->sample_size;
  g_autofree float *x = g_new (float, 8 * m), *y = g_new (float, 8 * m);
  guint32 idx[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
  nn_array_gather (a->inputs[0], idx, 8, x);
  nn_array_gather (b->inputs[0], idx, 8, y);
  float lo = 1, hi = -1;
  for (size_t i = 0; i < 8 * m; i++)
    {
      g_assert_cmpfloat (fabsf (y[i] - (2 * x[i] - 1)), <, 1e-6f);
      lo = MIN (lo, y[i]);
      hi = MAX (hi, y[i]);
    }
  g_assert_cmpfloat (lo, <, -0.5);
  g_assert_cmpfloat (hi, >, 0.5);
  g_assert_null (nn_dataset_open ("shapes:n=8:normalize=tanh", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
}

/* The DCGAN samples, their data replaced by 32 "shapes" images of 28 x 28
 * in [-1, 1]. */
typedef struct {
  NnModel   *g, *d;
  NnDataset *ds;
} Dcgan;

static void
dcgan_init (Dcgan *p)
{
  g_autoptr (GError) error = NULL;
  p->g = nn_model_load (test_sample ("fashion_dcgan_generator.json"), &error);
  g_assert_no_error (error);
  p->d = nn_model_load (test_sample ("fashion_dcgan_discriminator.json"), &error);
  g_assert_no_error (error);
  p->ds = nn_dataset_open ("shapes:n=32:size=28:normalize=symmetric", NULL, &error);
  g_assert_no_error (error);
}

static void
dcgan_clear (Dcgan *p)
{
  nn_model_free (p->g);
  nn_model_free (p->d);
  nn_dataset_free (p->ds);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Dcgan, dcgan_clear)

/* The DCGAN samples (strided convolutions, dropout, Conv2DTranspose, tanh)
 * step on 28 x 28 images in [-1, 1], each step moving its own model only. */
static void
test_gan_dcgan_samples (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (Dcgan) p;
  dcgan_init (&p);
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  cfg.batch_size = 8;
  g_autoptr (NnGan) gan = gan_new (p.g, p.d, p.ds, &cfg);
  NnGanStats st;
  g_autoptr (GArray) g0 = weights_dup (nn_gan_get_generator (gan));
  g_assert_true (nn_gan_d_step (gan, &st, &error));
  g_autoptr (GArray) g1 = weights_dup (nn_gan_get_generator (gan));
  g_autoptr (GArray) d1 = weights_dup (nn_gan_get_discriminator (gan));
  g_assert_true (weights_equal (g0, g1));
  g_assert_true (nn_gan_g_step (gan, &st, &error));
  g_assert_no_error (error);
  g_autoptr (GArray) d2 = weights_dup (nn_gan_get_discriminator (gan));
  g_autoptr (GArray) g2 = weights_dup (nn_gan_get_generator (gan));
  g_assert_true (weights_equal (d1, d2));
  g_assert_false (weights_equal (g1, g2));
  g_assert_true (isfinite (st.g_loss) && isfinite (st.d_loss));
  g_autoptr (NnTensor) z = nn_gan_latent_points (4, nn_gan_get_latent_dim (gan), 1);
  g_autoptr (NnTensor) img = nn_gan_generate (nn_gan_get_generator (gan), z, &error);
  g_assert_no_error (error);
  g_assert_cmpint (img->ndim, ==, 4);
  g_assert_cmpint (img->shape[1], ==, 28);
  for (size_t i = 0; i < img->size; i++)
    g_assert_true (img->data[i] >= -1 && img->data[i] <= 1);
}

/* Central differences of the generator's loss need a deterministic D: the
 * dropout layers of d set to rate 0. */
static void
no_dropout (NnModel *d)
{
  for (int l = 0; l < nn_model_get_n_layers (d); l++)
    if (g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (d, l)), "Dropout"))
      test_set (d, l, "rate", "0");
}

#define GRAD_EPS   1e-3   /* weight step of the central differences */
#define GRAD_ABS   3e-5   /* tolerance: absolute part ... */
#define GRAD_REL   5e-2   /* ... and relative part */
#define GRAD_PICKS 3      /* weights checked per variable: the largest gradients */

/* The gradient nn_gan_generator_loss gives for weight variable var of G's
 * layer `layer` against central differences of the loss, at the GRAD_PICKS
 * weights of largest gradient (so that the check measures something). */
static void
check_generator_grad_at (NnGan *gan, const NnTensor *z, int layer, int var)
{
  g_autoptr (GError) error = NULL;
  NnModel *g = nn_gan_get_generator (gan);
  const char *name = nn_model_layer_get_name (g, layer);
  NnTensor w;
  g_assert_nonnull (nn_model_layer_get_weight (g, layer, var, &w));
  g_autofree float *grad = g_new (float, w.size);
  double loss;
  g_assert_true (nn_gan_generator_loss (gan, z, layer, var, grad, &loss, &error));
  g_assert_no_error (error);
  for (size_t pick = 0; pick < MIN ((size_t) GRAD_PICKS, w.size); pick++)
    {
      size_t at = 0;
      for (size_t i = 1; i < w.size; i++)
        if (fabsf (grad[i]) > fabsf (grad[at]))
          at = i;
      float keep = w.data[at];
      double up, down;
      w.data[at] = keep + (float) GRAD_EPS;
      g_assert_true (nn_gan_generator_loss (gan, z, layer, var, NULL, &up, &error));
      w.data[at] = keep - (float) GRAD_EPS;
      g_assert_true (nn_gan_generator_loss (gan, z, layer, var, NULL, &down, &error));
      w.data[at] = keep;
      double numeric = (up - down) / (2 * GRAD_EPS);
      g_test_message ("%s[%d][%zu]: backward %.6f, central differences %.6f", name, var, at,
                      grad[at], numeric);
      g_assert_cmpfloat (fabs (grad[at]), >, 1e-4);
      g_assert_cmpfloat (fabs (grad[at] - numeric), <=, GRAD_ABS + GRAD_REL * fabs (numeric));
      grad[at] = 0;   /* the next pick */
    }
}

static void
check_generator_grad (NnGan *gan, const NnTensor *z, const char *name, int var)
{
  int layer = nn_model_find_layer (nn_gan_get_generator (gan), name);
  g_assert_cmpint (layer, >=, 0);
  check_generator_grad_at (gan, z, layer, var);
}

/* The generator step's gradient, D's backward seeding G's, against central
 * differences of the generator's loss: for the DCGAN samples (Dense,
 * Conv2DTranspose, Conv2D, tanh through strided convolutions) and for the
 * ring generator (batch norm). Measuring moves no weight. */
static void
test_gan_generator_gradient (void)
{
  g_autoptr (GError) error = NULL;
  g_auto (Dcgan) p;
  dcgan_init (&p);
  no_dropout (p.d);
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  cfg.batch_size = 8;
  g_autoptr (NnGan) gan = gan_new (p.g, p.d, p.ds, &cfg);
  NnGanStats st;
  /* one step of each first, so that D is not at its initial weights */
  g_assert_true (nn_gan_step (gan, &st, &error));
  g_assert_no_error (error);
  g_autoptr (NnTensor) z = nn_gan_latent_points (8, nn_gan_get_latent_dim (gan), 3);
  g_autoptr (GArray) g0 = weights_dup (nn_gan_get_generator (gan));
  g_autoptr (GArray) d0 = weights_dup (nn_gan_get_discriminator (gan));
  check_generator_grad (gan, z, "project", 0);
  check_generator_grad (gan, z, "project", 1);
  check_generator_grad (gan, z, "up_14", 0);
  check_generator_grad (gan, z, "up_28", 0);
  check_generator_grad (gan, z, "image", 0);
  check_generator_grad (gan, z, "image", 1);
  g_autoptr (GArray) g1 = weights_dup (nn_gan_get_generator (gan));
  g_autoptr (GArray) d1 = weights_dup (nn_gan_get_discriminator (gan));
  g_assert_true (weights_equal (g0, g1));
  g_assert_true (weights_equal (d0, d1));

  g_auto (Ring) r;
  ring_init (&r, 16);
  no_dropout (r.d);
  g_autoptr (NnGan) ring = gan_new (r.g, r.d, r.ds, &r.cfg);
  g_assert_true (nn_gan_step (ring, &st, &error));
  g_autoptr (NnTensor) zr = nn_gan_latent_points (16, LATENT, 4);
  check_generator_grad (ring, zr, "point", 0);
  /* the Dense before the batch norm, layer 1 (after the Input) */
  check_generator_grad_at (ring, zr, 1, 0);
}

/* The measure refuses latent points of the wrong shape and unknown weights. */
static void
test_gan_generator_loss_refused (void)
{
  g_auto (Ring) r;
  ring_init (&r, 16);
  g_autoptr (NnGan) gan = gan_new (r.g, r.d, r.ds, &r.cfg);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTensor) z = nn_gan_latent_points (8, LATENT, 4);
  float grad[64];
  double loss;
  g_assert_false (nn_gan_generator_loss (gan, z, 1, 0, grad, &loss, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_clear_error (&error);
  g_autoptr (NnTensor) z16 = nn_gan_latent_points (16, LATENT, 4);
  g_assert_false (nn_gan_generator_loss (gan, z16, 99, 0, grad, &loss, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/gan/steps-move-one-model", test_gan_steps_move_one_model);
  g_test_add_func ("/engine/gan/reproducible", test_gan_reproducible);
  g_test_add_func ("/engine/gan/finite", test_gan_finite);
  g_test_add_func ("/engine/gan/refused", test_gan_refused);
  g_test_add_func ("/engine/gan/trainer", test_gan_trainer);
  g_test_add_func ("/engine/gan/trainer-step-stop", test_gan_trainer_step_stop);
  g_test_add_func ("/engine/gan/ring-coverage", test_gan_ring_coverage_measure);
  g_test_add_func ("/engine/gan/diversity", test_gan_diversity);
  g_test_add_func ("/engine/gan/generate", test_gan_generate);
  g_test_add_func ("/engine/gan/symmetric-data", test_gan_symmetric_data);
  g_test_add_func ("/engine/gan/dcgan-samples", test_gan_dcgan_samples);
  g_test_add_func ("/engine/gan/generator-gradient", test_gan_generator_gradient);
  g_test_add_func ("/engine/gan/generator-loss-refused", test_gan_generator_loss_refused);
  return g_test_run ();
}
