/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An ensemble beats its members: the Fashion-MNIST MLP sample trained three
 * times from seeds 1, 2 and 3 (10,000 training images, 2 epochs each), and
 * the ensemble of the three scored on the 10,000 test images: its accuracy
 * must exceed the members' mean accuracy. */
#include "nn.h"
#include "test-util.h"

static NnModel *
train (NnModel *sample, NnDataset *ds, guint64 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 2;
  cfg.batch_size = 64;
  cfg.validation_split = 0;
  cfg.seed = seed;
  cfg.snapshot_every = -1;
  g_autoptr (NnModel) m = nn_model_copy (sample);
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);
  return nn_trainer_dup_model (t);
}

static void
test_three_mlps (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) sample = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_dataset_open ("fashion-mnist:limit=10000:normalize=meanstd",
                                              NULL, &error);
  g_assert_no_error (error);
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  for (guint64 seed = 1; seed <= 3; seed++)
    {
      g_autoptr (NnModel) m = train (sample, ds, seed);
      g_autofree char *name = g_strdup_printf ("seed %" G_GUINT64_FORMAT, seed);
      g_assert_true (nn_ensemble_add (e, m, name, &error));
      g_assert_no_error (error);
    }
  NnEnsembleScores s = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  g_assert_true (nn_ensemble_evaluate (e, ds, NULL, 0, &s, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  double mean_acc = 0, mean_loss = 0;
  for (int k = 0; k < s.n_members; k++)
    {
      double acc = nn_scores_get (&s.members[k], "accuracy", NULL);
      double loss = nn_scores_get (&s.members[k], "loss", NULL);
      g_test_message ("%s: test accuracy %.4f, loss %.4f", nn_ensemble_get_name (e, k), acc, loss);
      g_printerr ("%s: test accuracy %.4f, loss %.4f\n", nn_ensemble_get_name (e, k), acc, loss);
      mean_acc += acc / s.n_members;
      mean_loss += loss / s.n_members;
    }
  double acc = nn_scores_get (&s.ensemble, "accuracy", NULL);
  double loss = nn_scores_get (&s.ensemble, "loss", NULL);
  g_printerr ("members' mean: accuracy %.4f, loss %.4f; ensemble: accuracy %.4f, loss %.4f "
              "(%zu test images, evaluated in %.1f s)\n", mean_acc, mean_loss, acc, loss,
              ds->n_test, (g_get_monotonic_time () - t0) / 1e6);
  g_assert_cmpuint (ds->n_test, ==, 10000);
  g_assert_cmpfloat (acc, >, mean_acc);
  nn_ensemble_scores_clear (&s);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/ensemble/three-mlps", test_three_mlps);
  return g_test_run ();
}
