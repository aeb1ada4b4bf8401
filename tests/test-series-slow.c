/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GRU forecaster sample on Seattle's hourly temperatures (slow suite):
 * trained as its file says, it forecasts the temperature 24 hours ahead
 * on the test period (the last rows, never seen in training) with a
 * smaller mean absolute error than the better of the two naive forecasts,
 * the last value and the value 24 hours before the target. Both figures
 * are printed in °F. */
#include <math.h>

#include "nn.h"
#include "test-util.h"

static void
test_gru_beats_baselines (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("seattle_gru.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_dataset_open (nn_model_get_dataset (m), NULL, &error);
  if (ds == NULL && g_error_matches (error, NN_DATA_ERROR, NN_DATA_ERROR_IO))
    {
      /* apt-get install python3-vega-datasets */
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  NnBaselines b;
  g_assert_true (nn_dataset_get_baselines (ds, &b));
  double naive = MIN (b.test_last, b.test_period);

  const NnTrainDefaults *d = nn_model_get_defaults (m);
  g_assert_true (nn_model_init_weights (m, d->seed, &error));
  g_assert_no_error (error);
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = d->epochs;
  cfg.batch_size = d->batch_size;
  cfg.seed = d->seed;
  cfg.snapshot_every = -1;
  gint64 t0 = g_get_monotonic_time ();
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_EPOCH)
        g_test_message ("epoch %d: mae %.4f, val_mae %.4f (normalized)", e->epoch + 1,
                        nn_event_get (e, "mae", NULL), nn_event_get (e, "val_mae", NULL));
      nn_event_free (e);
    }
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  NnScores s = { 0 };
  gboolean found = FALSE;
  g_assert_true (nn_model_evaluate (trained, ds, NULL, ds->n_test, 256, &s, &error));
  g_assert_no_error (error);
  double mae = nn_scores_get (&s, "mae", &found) * b.target_std;
  g_assert_true (found);
  nn_scores_clear (&s);

  g_test_message ("%s, %d epochs in %.0f s: test MAE %.4f °F; naive: last value %.4f °F, "
                  "24 hours before the target %.4f °F", nn_model_get_dataset (m), d->epochs,
                  (g_get_monotonic_time () - t0) / 1e6, mae, b.test_last, b.test_period);
  g_assert_cmpfloat (mae, <, naive);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/series/gru-beats-baselines", test_gru_beats_baselines);
  return g_test_run ();
}
