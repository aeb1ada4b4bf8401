/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The three fortunes topic classifiers end to end (slow suite, selected
 * with -m slow): the bag of words (fortunes_bow), the Embedding + LSTM
 * (fortunes_lstm) and the 1-D convnet (fortunes_conv1d) samples, trained
 * with their own settings on their own datasets: four topics of similar
 * size, the same texts and the same test split for all three. The best of
 * them beats the majority-class baseline by at least 20 points of test
 * accuracy, each of them by at least 10. */
#include <string.h>

#include "nn.h"
#include "test-util.h"

/* Points of test accuracy (as fractions) over the majority-class baseline. */
#define BEST_MARGIN 0.20
#define EACH_MARGIN 0.10

static const char *const samples[] = {
  "fortunes_bow.json", "fortunes_lstm.json", "fortunes_conv1d.json",
};

#define N_SAMPLES G_N_ELEMENTS (samples)

/* Trains m on ds with the settings the sample file gives. */
static NnModel *
fit (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnTrainDefaults *d = nn_model_get_defaults (m);
  NnFitConfig cfg;
  NnEvent *e;

  nn_fit_config_init (&cfg);
  cfg.epochs = d->epochs;
  cfg.batch_size = d->batch_size;
  cfg.validation_split = d->validation_split;
  cfg.seed = d->seed;
  cfg.snapshot_every = -1;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_EPOCH)
        g_test_message ("  epoch: loss %.4f, accuracy %.4f, val_loss %.4f, val_accuracy %.4f",
                        nn_event_get (e, "loss", NULL), nn_event_get (e, "accuracy", NULL),
                        nn_event_get (e, "val_loss", NULL),
                        nn_event_get (e, "val_accuracy", NULL));
      nn_event_free (e);
    }
  nn_fit_config_clear (&cfg);
  return nn_trainer_dup_model (t);
}

static double
test_accuracy (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnScores s = { 0 };
  gboolean found = FALSE;
  double acc;

  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 256, &s, &error));
  g_assert_no_error (error);
  acc = nn_scores_get (&s, "accuracy", &found);
  g_assert_true (found);
  nn_scores_clear (&s);
  return acc;
}

/* The share of the test split in its most frequent class: the accuracy
 * of always answering that class. */
static double
majority_baseline (const NnDataset *ds)
{
  g_autofree size_t *count = g_new0 (size_t, ds->n_classes);
  size_t best = 0;

  for (size_t i = 0; i < ds->n_test; i++)
    {
      int c = nn_dataset_get_label (ds, ds->test_idx[i], NULL, NULL);

      g_assert_cmpint (c, >=, 0);
      g_assert_cmpint (c, <, ds->n_classes);
      count[c]++;
    }
  for (int c = 0; c < ds->n_classes; c++)
    {
      g_test_message ("test split: %zu texts of %s", count[c], ds->class_names[c]);
      best = MAX (best, count[c]);
    }
  return (double) best / (double) ds->n_test;
}

/* The datasets differ in their encoding only: the same texts, classes
 * and test split, so that the three models answer the same question. */
static void
assert_same_texts (const NnDataset *a, const NnDataset *b)
{
  g_assert_cmpuint (a->n, ==, b->n);
  g_assert_cmpuint (a->n_test, ==, b->n_test);
  g_assert_cmpint (a->n_classes, ==, b->n_classes);
  g_assert_nonnull (a->texts);
  g_assert_nonnull (b->texts);
  for (int c = 0; c < a->n_classes; c++)
    g_assert_cmpstr (a->class_names[c], ==, b->class_names[c]);
  for (size_t i = 0; i < a->n_test; i++)
    {
      guint32 k = a->test_idx[i];

      g_assert_cmpuint (k, ==, b->test_idx[i]);
      g_assert_cmpstr (a->texts[k], ==, b->texts[k]);
      g_assert_cmpint (nn_dataset_get_label (a, k, NULL, NULL), ==,
                       nn_dataset_get_label (b, k, NULL, NULL));
    }
}

static void
test_classifiers (void)
{
  NnDataset *ds[N_SAMPLES] = { NULL };
  double acc[N_SAMPLES], best = 0, base;
  const char *best_name = NULL;

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS)
      && !g_getenv ("DEEPSCOPE_FORTUNES_DIR"))
    {
      g_test_skip ("no fortunes topics (apt-get install fortunes)");
      return;
    }

  for (guint i = 0; i < N_SAMPLES; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load (test_sample (samples[i]), &error);
      g_autoptr (NnModel) trained = NULL;
      g_autoptr (GTimer) timer = g_timer_new ();

      g_assert_no_error (error);
      ds[i] = nn_dataset_open (nn_model_get_dataset (m), NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ds[i]->n_classes, ==, 4);
      if (i > 0)
        assert_same_texts (ds[0], ds[i]);
      g_test_message ("%s on %s:", samples[i], nn_model_get_dataset (m));
      trained = fit (m, ds[i]);
      acc[i] = test_accuracy (trained, ds[i]);
      g_test_message ("%s: test accuracy %.4f (%.1f s)", samples[i], acc[i],
                      g_timer_elapsed (timer, NULL));
      if (acc[i] > best)
        {
          best = acc[i];
          best_name = samples[i];
        }
    }

  base = majority_baseline (ds[0]);
  g_test_message ("majority-class baseline %.4f on %zu test texts; bag of words %.4f, "
                  "LSTM %.4f, Conv1D %.4f; best %s, %.1f points over the baseline "
                  "(at least %.0f asked), each at least %.0f", base, ds[0]->n_test,
                  acc[0], acc[1], acc[2], best_name, 100 * (best - base), 100 * BEST_MARGIN,
                  100 * EACH_MARGIN);
  g_assert_cmpfloat (best, >=, base + BEST_MARGIN);
  for (guint i = 0; i < N_SAMPLES; i++)
    g_assert_cmpfloat (acc[i], >=, base + EACH_MARGIN);

  for (guint i = 0; i < N_SAMPLES; i++)
    nn_dataset_free (ds[i]);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/slow/text/fortunes-classifiers", test_classifiers);
  return g_test_run ();
}
