/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ring GAN sample (gan_ring_generator.json, gan_ring_discriminator.json)
 * trained with its own settings for RING_STEPS (5,000) generator steps: of 1,000
 * points it generates from N(0, 1) latent points, every one of the ring's 8
 * modes gets at least 5 % and at least 90 % lie within 3 sigma (0.15) of a
 * mode. The figures are printed. */
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

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/gan/ring-covers-modes", test_gan_ring_covers_modes);
  return g_test_run ();
}
