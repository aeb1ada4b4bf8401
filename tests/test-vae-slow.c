/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The convolutional VAE sample on the real Fashion-MNIST (slow suite):
 * 3 epochs on 10,000 images lower the test reconstruction loss well below
 * the untrained model's, and the decoder draws the test images back from
 * their encoded means better than from random latent points. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-data-private.h"
#include "test-util.h"

/* Test images scored: the first 1,000 of the test split. */
#define N_SCORED 1000
/* Images encoded and decoded. */
#define N_DECODED 100
/* The trained reconstruction loss must be at most this share of the
 * untrained model's (binary cross-entropy per pixel, about 0.69 untrained). */
#define LOSS_SHARE 0.8

static double
reconstruction_loss (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnScores s = { 0 };
  gboolean found = FALSE;
  g_assert_true (nn_model_evaluate (m, ds, ds->test_idx, N_SCORED, 128, &s, &error));
  g_assert_no_error (error);
  double v = nn_scores_get (&s, "reconstruction_loss", &found);
  g_assert_true (found);
  nn_scores_clear (&s);
  return v;
}

static double
mse (const NnTensor *a, const NnTensor *b)
{
  g_assert_cmpuint (a->size, ==, b->size);
  double s = 0;
  for (size_t i = 0; i < a->size; i++)
    s += ((double) a->data[i] - b->data[i]) * ((double) a->data[i] - b->data[i]);
  return s / (double) a->size;
}

static void
test_conv_vae (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("fashion-mnist:limit=10000:target=input", NULL,
                                              &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_vae_conv.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  double before = reconstruction_loss (m, ds);

  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 3;
  cfg.batch_size = 128;
  cfg.validation_split = 0;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      gboolean found = FALSE;
      double kl = nn_event_get (e, "kl_loss", &found);
      if (found)
        g_test_message ("epoch: loss %.4f, reconstruction_loss %.4f, kl_loss %.3f",
                        nn_event_get (e, "loss", NULL),
                        nn_event_get (e, "reconstruction_loss", NULL), kl);
      nn_event_free (e);
    }
  nn_fit_config_clear (&cfg);
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  double after = reconstruction_loss (trained, ds);
  g_test_message ("test reconstruction loss (BCE per pixel, %d images): untrained %.4f, "
                  "after 3 epochs %.4f (%.0f%% of it; must be at most %.0f%%)", N_SCORED,
                  before, after, 100 * after / before, 100 * LOSS_SHARE);
  g_assert_cmpfloat (after, <, LOSS_SHARE * before);

  /* Encoded means against random latent points, through the decoder. */
  NnVaeParts parts;
  g_assert_true (nn_model_find_vae (trained, &parts, &error));
  g_assert_no_error (error);
  const NnArray *x = ds->inputs[0];
  int shape[NN_MAX_DIMS + 1] = { N_DECODED };
  for (int d = 0; d < x->ndim; d++)
    shape[d + 1] = x->shape[d];
  g_autoptr (NnTensor) images = nn_tensor_new (x->ndim + 1, shape);
  nn_array_gather (x, ds->test_idx, N_DECODED, images->data);
  g_autoptr (NnTensor) mu = nn_vae_encode (trained, &parts, images, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) from_mu = nn_vae_decode (trained, &parts, mu, &error);
  g_assert_no_error (error);
  int zs[] = { N_DECODED, parts.latent_dim };
  g_autoptr (NnTensor) z = nn_tensor_new (2, zs);
  NnRng rng;
  nn_rng_seed (&rng, 2);
  for (size_t i = 0; i < z->size; i++)
    z->data[i] = nn_rng_normal (&rng);
  g_autoptr (NnTensor) from_z = nn_vae_decode (trained, &parts, z, &error);
  g_assert_no_error (error);
  double e_mu = mse (from_mu, images), e_z = mse (from_z, images);
  g_test_message ("MSE against %d test images: decoded from their means %.4f, from random "
                  "N(0, 1) points %.4f", N_DECODED, e_mu, e_z);
  g_assert_cmpfloat (e_mu, <, e_z);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/slow/vae/conv", test_conv_vae);
  return g_test_run ();
}
