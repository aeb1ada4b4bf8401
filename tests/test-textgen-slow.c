/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The character generator sample (samples/fortunes_char_lstm.json, the
 * book's char-LSTM with an Embedding in front: LSTM (128) → Dense
 * (vocabulary, softmax)) trained on its fortunes topic for EPOCHS epochs:
 * the loss on the held-out end of the text (the dataset's test split, never
 * trained on) falls below 2.0 nats per character, and the trained model
 * writes a line at temperature 0.5, printed. About 3 minutes on 2 cores. */
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-generate.h"

#define EPOCHS 5
#define MAX_NATS 2.0

static void
test_char_lstm (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fortunes_char_lstm.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds = nn_dataset_open (nn_model_get_dataset (m), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds->vocab);
  g_assert_true (nn_vocab_is_chars (ds->vocab));
  g_test_message ("%s: %zu training windows, %zu held out, %d tokens", ds->name, ds->n_train,
                  ds->n_test, nn_vocab_size (ds->vocab));
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  NnScores before = { 0 };
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 256, &before, &error));
  g_assert_no_error (error);

  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = EPOCHS;
  cfg.batch_size = 128;
  cfg.validation_split = 0;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  gint64 t0 = g_get_monotonic_time ();
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      gboolean found = FALSE;
      double acc = nn_event_get (e, "accuracy", &found);
      if (found && e->kind == NN_EVENT_EPOCH)
        g_test_message ("epoch: loss %.4f, accuracy %.3f", nn_event_get (e, "loss", NULL), acc);
      nn_event_free (e);
    }
  nn_fit_config_clear (&cfg);
  g_autoptr (NnModel) trained = nn_trainer_dup_model (t);
  NnScores after = { 0 };
  g_assert_true (nn_model_evaluate (trained, ds, NULL, 0, 256, &after, &error));
  g_assert_no_error (error);
  double nats = nn_scores_get (&after, "loss", NULL);
  g_test_message ("held-out loss: untrained %.3f, after %d epochs %.3f nats/char (must be "
                  "below %.1f), accuracy %.3f; %.0f s of training",
                  nn_scores_get (&before, "loss", NULL), EPOCHS, nats, MAX_NATS,
                  nn_scores_get (&after, "accuracy", NULL),
                  (g_get_monotonic_time () - t0) / 1e6);
  nn_scores_clear (&before);
  nn_scores_clear (&after);
  g_assert_cmpfloat (nats, <, MAX_NATS);

  /* A line at temperature 0.5, from a seed text of the topic's kind. */
  g_autoptr (NnTextGen) g = nn_textgen_new_with_vocab (trained, ds->vocab, &error);
  g_assert_no_error (error);
  const double temp = 0.5;
  g_assert_true (nn_textgen_start (g, "the boss said ", &temp, 1, 1, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (nn_textgen_run (g, 200, NULL, NULL, &error));
  g_assert_no_error (error);
  const char *text = nn_textgen_get_text (g, 0);
  g_test_message ("T 0.5: the boss said %s", text);
  g_assert_cmpint (g_utf8_strlen (text, -1), ==, 200);
  /* Text, not noise: spaces between words. */
  int spaces = 0;
  for (const char *p = text; *p; p++)
    spaces += *p == ' ';
  g_assert_cmpint (spaces, >=, 10);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/textgen/char-lstm", test_char_lstm);
  return g_test_run ();
}
