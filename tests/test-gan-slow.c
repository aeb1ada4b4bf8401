/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GAN samples trained in full (slow suite); the figures are printed.
 * - The ring GAN (gan_ring_generator.json, gan_ring_discriminator.json)
 *   trained with its own settings for RING_STEPS (5,000) generator steps: of
 *   1,000 points it generates from N(0, 1) latent points, every one of the
 *   ring's 8 modes gets at least 5 % and at least 90 % lie within 3 sigma
 *   (0.15) of a mode.
 * - The DCGAN (fashion_dcgan_generator.json, _discriminator.json) trained for
 *   DCGAN_EPOCHS (2) epochs of all 60,000 Fashion-MNIST training images
 *   (1,875 generator steps of batch 64), with one-sided label smoothing 0.1: a
 *   classifier (the MLP sample, trained here for CLASSIFIER_EPOCHS on the same
 *   [-1, 1] images)
 *   gives its DCGAN_SAMPLES (600) generated images a mean top-class
 *   confidence of at least DCGAN_CONFIDENCE, and at least DCGAN_CLASSES (6) of
 *   the 10 classes get DCGAN_CLASS_SHARE (2 %) of them or more: images that
 *   look like clothes, of several kinds, not noise nor one collapsed mode. */
#include <math.h>

#include "test-util.h"

#define RING_STEPS   5000
#define RING_POINTS  1000
#define RING_MODES   8
#define RING_SIGMA   0.05

static void
test_gan_ring_covers_modes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) g = nn_model_load (test_sample ("gan_ring_generator.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) d = nn_model_load (test_sample ("gan_ring_discriminator.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_dataset_open (nn_model_get_dataset (d), NULL, &error);
  g_assert_no_error (error);
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  cfg.batch_size = nn_model_get_defaults (d)->batch_size;
  cfg.seed = nn_model_get_defaults (d)->seed;
  g_autoptr (NnGan) gan = nn_gan_new (g, d, ds, &cfg, &error);
  g_assert_no_error (error);
  NnGanStats st;
  for (int s = 0; s < RING_STEPS; s++)
    g_assert_true (nn_gan_step (gan, &st, &error));
  g_assert_no_error (error);
  g_test_message ("after %d steps: d_loss %.3f, g_loss %.3f, D accuracy real %.2f, "
                  "generated %.2f", RING_STEPS, st.d_loss, st.g_loss, st.d_acc_real,
                  st.d_acc_fake);

  g_autoptr (NnTensor) z = nn_gan_latent_points (RING_POINTS, nn_gan_get_latent_dim (gan), 99);
  g_autoptr (NnTensor) xy = nn_gan_generate (nn_gan_get_generator (gan), z, &error);
  g_assert_no_error (error);
  int counts[RING_MODES];
  double within = nn_gan_ring_coverage (xy->data, RING_POINTS, RING_MODES, NN_TOY_RING_RADIUS,
                                        RING_SIGMA, counts);
  GString *per = g_string_new (NULL);
  int least = RING_POINTS;
  for (int k = 0; k < RING_MODES; k++)
    {
      g_string_append_printf (per, " %.1f%%", 100.0 * counts[k] / RING_POINTS);
      least = MIN (least, counts[k]);
    }
  g_test_message ("within 3 sigma: %.1f%%; per mode:%s", 100 * within, per->str);
  g_string_free (per, TRUE);
  g_assert_cmpint (least, >=, RING_POINTS / 20);
  g_assert_cmpfloat (within, >=, 0.90);
}

#define DCGAN_EPOCHS       2
#define DCGAN_SAMPLES      600
#define DCGAN_CONFIDENCE   0.60
#define DCGAN_CLASSES      6
#define DCGAN_CLASS_SHARE  0.02
#define CLASSIFIER_EPOCHS  2
#define N_CLASSES          10

/* The MLP sample trained on ds (the DCGAN's images, scaled to [-1, 1]). */
static NnModel *
train_classifier (NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = CLASSIFIER_EPOCHS;
  cfg.batch_size = 128;
  cfg.validation_split = 0;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    nn_event_free (e);
  NnModel *trained = nn_trainer_dup_model (t);
  NnScores sc = { 0 };
  g_assert_true (nn_model_evaluate (trained, ds, NULL, 0, 256, &sc, &error));
  g_assert_no_error (error);
  double acc = nn_scores_get (&sc, "accuracy", NULL);
  g_test_message ("classifier: test accuracy %.3f after %d epochs", acc, CLASSIFIER_EPOCHS);
  /* a classifier that cannot tell real clothes apart would judge nothing */
  g_assert_cmpfloat (acc, >, 0.8);
  nn_scores_clear (&sc);
  return trained;
}

/* The DCGAN sample trained for DCGAN_EPOCHS epochs of ds's training split. */
static NnModel *
train_dcgan (NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) g = nn_model_load (test_sample ("fashion_dcgan_generator.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) d = nn_model_load (test_sample ("fashion_dcgan_discriminator.json"),
                                         &error);
  g_assert_no_error (error);
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  cfg.batch_size = nn_model_get_defaults (d)->batch_size;
  cfg.seed = nn_model_get_defaults (d)->seed;
  cfg.label_smoothing = 0.1;
  /* one discriminator step reads one real batch */
  int steps = (int) (DCGAN_EPOCHS * ds->n_train / ((size_t) cfg.batch_size * cfg.d_steps));
  g_autoptr (NnGan) gan = nn_gan_new (g, d, ds, &cfg, &error);
  g_assert_no_error (error);
  NnGanStats st;
  for (int s = 1; s <= steps; s++)
    {
      g_assert_true (nn_gan_step (gan, &st, &error));
      if (s % 250 == 0 || s == steps)
        g_test_message ("step %d/%d: d_loss %.3f, g_loss %.3f, D accuracy real %.2f, "
                        "generated %.2f", s, steps, st.d_loss, st.g_loss, st.d_acc_real,
                        st.d_acc_fake);
    }
  g_assert_no_error (error);
  return nn_model_copy (nn_gan_get_generator (gan));
}

static void
test_gan_dcgan_makes_clothes (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("fashion-mnist:normalize=symmetric", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) classifier = train_classifier (ds);
  g_autoptr (NnModel) g = train_dcgan (ds);

  g_autoptr (NnTensor) z = nn_gan_latent_points (DCGAN_SAMPLES,
                                                      nn_gan_model_latent_dim (g, NULL), 7);
  g_autoptr (NnTensor) images = nn_gan_generate (g, z, &error);
  g_assert_no_error (error);
  g_assert_cmpint (images->shape[0], ==, DCGAN_SAMPLES);
  g_autoptr (NnTensor) p = nn_model_run (classifier, &images, 1,
                                         nn_model_get_output (classifier, 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (p->size, ==, (size_t) DCGAN_SAMPLES * N_CLASSES);
  int counts[N_CLASSES] = { 0 };
  double confidence = 0;
  for (int i = 0; i < DCGAN_SAMPLES; i++)
    {
      const float *row = p->data + (size_t) i * N_CLASSES;
      int best = 0;
      for (int c = 1; c < N_CLASSES; c++)
        if (row[c] > row[best])
          best = c;
      counts[best]++;
      confidence += row[best];
    }
  confidence /= DCGAN_SAMPLES;
  GString *per = g_string_new (NULL);
  int classes = 0;
  for (int c = 0; c < N_CLASSES; c++)
    {
      g_string_append_printf (per, " %d", counts[c]);
      classes += counts[c] >= DCGAN_CLASS_SHARE * DCGAN_SAMPLES;
    }
  g_test_message ("%d generated images: mean top-class confidence %.3f (at least %.2f); "
                  "per class:%s; %d classes with %.0f%% or more (at least %d)",
                  DCGAN_SAMPLES, confidence, DCGAN_CONFIDENCE, per->str, classes,
                  100 * DCGAN_CLASS_SHARE, DCGAN_CLASSES);
  g_string_free (per, TRUE);
  g_assert_cmpfloat (confidence, >=, DCGAN_CONFIDENCE);
  g_assert_cmpint (classes, >=, DCGAN_CLASSES);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/gan/ring-covers-modes", test_gan_ring_covers_modes);
  g_test_add_func ("/slow/gan/dcgan-makes-clothes", test_gan_dcgan_makes_clothes);
  return g_test_run ();
}
