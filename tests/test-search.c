/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hyperparameter search: the grid is the exact product, random draws are
 * reproducible and in range, successive halving trains exactly its planned
 * epochs per rung, malformed specs and files give clear errors, stop
 * halts it, and a search survives a round trip through JSON. */
#include <math.h>
#include <string.h>

#include "nn.h"

/* Input(2) -> Dense "hidden" (8, relu) -> Dense "out" (2, softmax). */
static NnModel *
small_mlp (void)
{
  NnModel *m = nn_model_new ("moons");
  g_autoptr (GError) error = NULL;
  int in = nn_model_add_layer (m, "Input", "points", &error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", &error));
  int h = nn_model_add_layer (m, "Dense", "hidden", &error);
  g_assert_true (nn_model_layer_set_param (m, h, "units", "8", &error));
  g_assert_true (nn_model_layer_set_param (m, h, "activation", "relu", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, h, 0, &error));
  int d = nn_model_add_layer (m, "Dropout", "drop", &error);
  g_assert_true (nn_model_connect (m, (NnRef) { h, 0 }, d, 0, &error));
  int out = nn_model_add_layer (m, "Dense", "out", &error);
  g_assert_true (nn_model_layer_set_param (m, out, "units", "2", &error));
  g_assert_true (nn_model_layer_set_param (m, out, "activation", "softmax", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { d, 0 }, out, 0, &error));
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { out, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, &acc, 1);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return m;
}

static void
add (NnSearchSpec *sp, const char *path, const char *text)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_search_spec_add_param (sp, path, text, &error));
  g_assert_no_error (error);
}

static void
test_grid_product (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  sp.strategy = NN_SEARCH_GRID;
  sp.max_trials = 0;   /* no cap */
  add (&sp, "optimizer.learning_rate", "log:1e-3..1e-1");
  add (&sp, "layer.hidden.units", "4,16");
  add (&sp, "optimizer.name", "adam,sgd");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnSearch) s = nn_search_new (&sp, m, 5, &error);
  g_assert_no_error (error);
  /* 3 log-spaced rates x 2 unit counts x 2 optimizers, each once. */
  g_assert_cmpint (nn_search_get_n_trials (s), ==, 12);
  g_assert_cmpint (nn_search_get_n_jobs (s), ==, 12);
  g_assert_cmpint (nn_search_get_planned_epochs (s), ==, 60);
  const char *rates[] = { "0.001", "0.01", "0.1" }, *units[] = { "4", "16" },
             *opts[] = { "adam", "sgd" };
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 2; b++)
      for (int c = 0; c < 2; c++)
        {
          int found = 0;
          for (int i = 0; i < 12; i++)
            {
              NnTrial *t = nn_search_get_trial (s, i);
              found += g_str_equal (t->values[0], rates[a]) && g_str_equal (t->values[1], units[b])
                       && g_str_equal (t->values[2], opts[c]);
            }
          g_assert_cmpint (found, ==, 1);
        }
  g_autofree char *label = nn_search_dup_trial_label (s, 0);
  g_assert_cmpstr (label, ==, "lr=0.001, units=4, optimizer=adam");
  /* A cap on trials and on epochs cuts the plan. */
  sp.max_trials = 5;
  g_autoptr (NnSearch) capped = nn_search_new (&sp, m, 5, &error);
  g_assert_cmpint (nn_search_get_n_trials (capped), ==, 5);
  sp.max_trials = 0;
  sp.max_epochs_total = 22;
  g_autoptr (NnSearch) budget = nn_search_new (&sp, m, 5, &error);
  g_assert_cmpint (nn_search_get_n_trials (budget), ==, 4);
  g_assert_cmpint (nn_search_get_planned_epochs (budget), ==, 20);
  nn_search_spec_clear (&sp);
}

static NnSearch *
random_search (NnModel *m, guint64 seed, int trials)
{
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  sp.strategy = NN_SEARCH_RANDOM;
  sp.seed = seed;
  sp.max_trials = trials;
  add (&sp, "optimizer.learning_rate", "log:1e-4..1e-1");
  add (&sp, "layer.hidden.units", "8..64");
  add (&sp, "layer.drop.rate", "0.1..0.5");
  add (&sp, "batch_size", "16,32,64");
  g_autoptr (GError) error = NULL;
  NnSearch *s = nn_search_new (&sp, m, 3, &error);
  g_assert_no_error (error);
  nn_search_spec_clear (&sp);
  return s;
}

static void
test_random_reproducible (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  g_autoptr (NnSearch) a = random_search (m, 7, 200);
  g_autoptr (NnSearch) b = random_search (m, 7, 200);
  g_autoptr (NnSearch) c = random_search (m, 8, 200);
  int differ = 0, low_lr = 0, units_ends = 0;
  for (int i = 0; i < 200; i++)
    {
      NnTrial *x = nn_search_get_trial (a, i), *y = nn_search_get_trial (b, i),
              *z = nn_search_get_trial (c, i);
      for (int k = 0; k < 4; k++)
        g_assert_cmpstr (x->values[k], ==, y->values[k]);
      differ += !g_str_equal (x->values[0], z->values[0]);
      double lr = g_ascii_strtod (x->values[0], NULL);
      g_assert_cmpfloat (lr, >=, 1e-4);
      g_assert_cmpfloat (lr, <=, 1e-1);
      low_lr += lr < 1e-3;   /* log-uniform: a third of the draws below 1e-3 */
      gint64 units;
      g_assert_true (g_ascii_string_to_signed (x->values[1], 10, 8, 64, &units, NULL));
      units_ends += units == 8 || units == 64;
      double rate = g_ascii_strtod (x->values[2], NULL);
      g_assert_cmpfloat (rate, >=, 0.1);
      g_assert_cmpfloat (rate, <=, 0.5);
      g_assert_true (strstr ("16 32 64", x->values[3]) != NULL);
    }
  g_assert_cmpint (differ, >, 150);
  g_assert_cmpint (low_lr, >, 40);
  g_assert_cmpint (low_lr, <, 95);
  /* Both ends of an int range are drawn. */
  g_assert_cmpint (units_ends, >, 0);
}

typedef struct {
  int epochs_per_rung[8];
  int jobs;
  int cancel_after_jobs;
  GCancellable *cancel;
} Counted;

static void
count_cb (NnSearch *s, const NnSearchJob *job, int epoch, gpointer data)
{
  Counted *c = data;
  if (epoch >= 0)
    c->epochs_per_rung[job->rung]++;
  else if (++c->jobs == c->cancel_after_jobs)
    g_cancellable_cancel (c->cancel);
}

static void
test_halving_epochs (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("moons:n=64:seed=2", NULL, &error);
  g_assert_no_error (error);
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  sp.strategy = NN_SEARCH_HALVING;
  sp.max_trials = 9;
  sp.eta = 3;
  sp.min_epochs = 1;
  sp.max_epochs = 9;
  add (&sp, "optimizer.learning_rate", "log:1e-3..1e-1");
  g_autoptr (NnSearch) s = nn_search_new (&sp, m, 5, &error);
  g_assert_no_error (error);
  /* Rungs at 1, 3 and 9 epochs with 9, 3 and 1 trials. */
  g_assert_cmpint (nn_search_get_n_rungs (s), ==, 3);
  g_assert_cmpint (nn_search_get_n_jobs (s), ==, 13);
  g_assert_cmpint (nn_search_get_planned_epochs (s), ==, 9 * 1 + 3 * 2 + 1 * 6);
  g_assert_cmpint (nn_search_get_job (s, 9)->trial, ==, -1);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.batch_size = 16;
  cfg.validation_split = 0.25;
  Counted c = { 0 };
  g_assert_true (nn_search_run (s, m, ds, &cfg, count_cb, &c, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.epochs_per_rung[0], ==, 9);
  g_assert_cmpint (c.epochs_per_rung[1], ==, 6);
  g_assert_cmpint (c.epochs_per_rung[2], ==, 6);
  g_assert_cmpint (c.jobs, ==, 13);
  int done = 0, pruned = 0, trained = 0;
  for (int i = 0; i < 9; i++)
    {
      NnTrial *t = nn_search_get_trial (s, i);
      done += t->state == NN_TRIAL_DONE;
      pruned += t->state == NN_TRIAL_PRUNED;
      trained += t->epochs_done;
      g_assert_cmpint ((int) t->history->len, ==, t->epochs_done);
      g_assert_nonnull (t->model);
      g_assert_false (isnan (t->best));
    }
  g_assert_cmpint (done, ==, 1);
  g_assert_cmpint (pruned, ==, 8);
  g_assert_cmpint (trained, ==, 21);
  /* The winner went through every rung and continued its weights: 9 epochs. */
  NnTrial *w = nn_search_get_trial (s, nn_search_get_job (s, 12)->trial);
  g_assert_cmpint (w->epochs_done, ==, 9);
  g_assert_cmpint (w->state, ==, NN_TRIAL_DONE);
  /* Loading the winner into the model: its values and its weights. */
  g_autoptr (NnModel) loaded = nn_model_copy (m);
  g_assert_true (nn_search_apply_trial (s, w->index, loaded, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (nn_model_get_optimizer (loaded)->learning_rate, ==,
                     g_ascii_strtod (w->values[0], NULL));
  NnTensor a, b;
  nn_model_layer_get_weight (loaded, nn_model_find_layer (loaded, "hidden"), 0, &a);
  nn_model_layer_get_weight (w->model, nn_model_find_layer (w->model, "hidden"), 0, &b);
  g_assert_cmpmem (a.data, a.size * sizeof (float), b.data, b.size * sizeof (float));
  /* Rung 1's three trials were the best three of rung 0 by their first epoch. */
  for (int k = 9; k < 12; k++)
    {
      NnTrial *t = nn_search_get_trial (s, nn_search_get_job (s, k)->trial);
      int better = 0;
      for (int i = 0; i < 9; i++)
        better += g_array_index (nn_search_get_trial (s, i)->history, double, 0)
                  > g_array_index (t->history, double, 0);
      g_assert_cmpint (better, <, 3);
    }
  nn_search_spec_clear (&sp);
}

static void
expect_add_error (const char *path, const char *text, const char *words)
{
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_search_spec_add_param (&sp, path, text, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  if (!strstr (error->message, words))
    g_error ("“%s” lacks “%s”", error->message, words);
  nn_search_spec_clear (&sp);
}

static void
expect_new_error (NnSearchStrategy strategy, const char *path, const char *text, const char *words)
{
  g_autoptr (NnModel) m = small_mlp ();
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  sp.strategy = strategy;
  if (path)
    add (&sp, path, text);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnSearch) s = nn_search_new (&sp, m, 3, &error);
  g_assert_null (s);
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  if (!strstr (error->message, words))
    g_error ("“%s” lacks “%s”", error->message, words);
  nn_search_spec_clear (&sp);
}

static void
test_malformed_spec (void)
{
  expect_add_error ("optimizer.momentumx", "0.1,0.2", "Unknown parameter “optimizer.momentumx”");
  expect_add_error ("units", "1,2", "Unknown parameter");
  expect_add_error ("layer.hidden", "1,2", "Unknown parameter");
  expect_add_error ("layer.hidden.units", "", "empty");
  expect_add_error ("layer.hidden.units", " ", "empty");
  expect_add_error ("layer.hidden.units", "16,,32", "empty value");
  expect_add_error ("optimizer.learning_rate", "0.5..0.1", "inverted");
  expect_add_error ("optimizer.learning_rate", "0.1..0.1", "empty or inverted");
  expect_add_error ("optimizer.learning_rate", "log:0..0.1", "above 0");
  expect_add_error ("optimizer.learning_rate", "a..b", "not a range");
  expect_new_error (NN_SEARCH_RANDOM, "layer.nope.units", "8,16", "no layer “nope”");
  expect_new_error (NN_SEARCH_RANDOM, "layer.hidden.bogus", "8,16", "no parameter “bogus”");
  expect_new_error (NN_SEARCH_RANDOM, "layer.hidden.units", "8,zero", "layer.hidden.units");
  expect_new_error (NN_SEARCH_RANDOM, "layer.drop.rate", "0.1..1.5", "layer.drop.rate");
  expect_new_error (NN_SEARCH_RANDOM, "layer.hidden.activation", "1..3", "not a number");
  expect_new_error (NN_SEARCH_RANDOM, "optimizer.name", "adam,lion", "unknown optimizer “lion”");
  expect_new_error (NN_SEARCH_RANDOM, "batch_size", "0,16", "batch_size");
  expect_new_error (NN_SEARCH_HALVING, "epochs", "1,3", "successive halving");
  expect_new_error (NN_SEARCH_GRID, NULL, NULL, "no parameter");
  /* A list of layer values works for any parameter type. */
  g_autoptr (NnModel) m = small_mlp ();
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  add (&sp, "layer.hidden.activation", "relu,tanh");
  g_autoptr (GError) error = NULL;
  g_autoptr (NnSearch) s = nn_search_new (&sp, m, 3, &error);
  g_assert_no_error (error);
  nn_search_spec_clear (&sp);
}

static void
test_stop_and_json (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("moons:n=64:seed=2", NULL, &error);
  g_autoptr (NnSearch) s = random_search (m, 3, 4);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.validation_split = 0.25;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Counted c = { .cancel_after_jobs = 2, .cancel = cancel };
  g_assert_false (nn_search_run (s, m, ds, &cfg, count_cb, &c, cancel, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_cmpint (nn_search_get_jobs_done (s), ==, 2);
  g_assert_cmpint (nn_search_get_trial (s, 1)->epochs_done, ==, 3);
  g_assert_cmpint (nn_search_get_trial (s, 2)->state, ==, NN_TRIAL_PENDING);
  g_assert_cmpint (nn_search_get_trial (s, 2)->epochs_done, ==, 0);
  g_assert_cmpint (nn_search_get_best_trial (s), >=, 0);
  g_assert_cmpint (nn_search_get_best_trial (s), <, 2);

  /* The first trial names its run; the second, as in older files, none. */
  nn_search_set_trial_run (s, 0, "trial 1: lr=0.01");
  g_autofree char *json = nn_search_to_json (s);
  g_autoptr (NnSearch) back = nn_search_new_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = nn_search_to_json (back);
  g_assert_cmpstr (json, ==, again);
  g_assert_cmpstr (nn_search_get_trial (back, 0)->run, ==, "trial 1: lr=0.01");
  g_assert_null (nn_search_get_trial (back, 1)->run);
  g_assert_cmpint (nn_search_get_jobs_done (back), ==, 2);
  g_assert_cmpfloat (nn_search_get_trial (back, 0)->best, ==, nn_search_get_trial (s, 0)->best);

  /* Malformed files: an error each, no crash. */
  g_autofree char *half = g_strndup (json, strlen (json) / 2);
  g_autofree char *newer = g_strdup (json);
  memcpy (strstr (newer, "\"version\":1"), "\"version\":9", 11);
  g_autoptr (GString) bad_job = g_string_new (json);
  g_autofree char *jobs_at = g_strdup (strstr (json, "\"jobs\":[[0,0,"));
  g_string_replace (bad_job, "\"jobs\":[[0,0,", "\"jobs\":[[0,99,", 1);
  g_autoptr (GString) bad_values = g_string_new (json);
  g_string_replace (bad_values, "\"trials\":[{\"values\":[\"",
                    "\"trials\":[{\"values\":[\"1\",\"", 1);
  g_autoptr (GString) bad_run = g_string_new (json);
  g_assert_cmpuint (g_string_replace (bad_run, "\"run\":\"", "\"run\":5,\"x\":\"", 1), ==, 1);
  const char *bad[] = { "", "[]", "{}", half, newer, bad_job->str, bad_values->str, bad_run->str,
                        "{\"version\":1,\"strategy\":\"grid\",\"metric\":\"loss\"}" };
  g_assert_nonnull (jobs_at);
  for (size_t k = 0; k < G_N_ELEMENTS (bad); k++)
    {
      g_autoptr (NnSearch) b = nn_search_new_from_json (bad[k], -1, &error);
      if (b)
        g_error ("malformed search %zu was read", k);
      g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
      g_clear_error (&error);
    }
}

/* A search saved in the model file beside a run comes back with the same
 * JSON; a malformed one is refused alone: the model and runs still load. */
static void
test_model_file (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnSearch) s = random_search (m, 5, 3);
  double h[] = { 0.5, 0.75 };
  NnSearchJob job;
  g_assert_true (nn_search_next_job (s, &job));
  nn_search_finish_job (s, &job, h, 2, 1.5, NULL, FALSE, NULL);
  g_autofree char *json = nn_search_to_json (s);
  g_autoptr (GPtrArray) runs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  g_ptr_array_add (runs, nn_run_record_new ("trial 1"));
  g_autoptr (GPtrArray) searches = g_ptr_array_new ();
  g_ptr_array_add (searches, json);
  g_autofree char *file = nn_model_to_json_full (m, TRUE, runs, searches, &error);
  g_assert_no_error (error);

  g_autoptr (GPtrArray) runs2 = NULL;
  g_autoptr (GPtrArray) searches2 = NULL;
  g_autoptr (NnModel) back = nn_model_load_from_data_full (file, -1, &runs2, &searches2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (runs2->len, ==, 1);
  g_assert_cmpuint (searches2->len, ==, 1);
  g_autoptr (NnSearch) s2 = nn_search_new_from_json (searches2->pdata[0], -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = nn_search_to_json (s2);
  g_assert_cmpstr (json, ==, again);
  g_assert_cmpint (nn_search_get_trial (s2, job.trial)->state, ==, NN_TRIAL_DONE);

  /* A file without searches gives none; a broken one loads with it refused. */
  g_autofree char *plain = nn_model_to_json_with_runs (m, FALSE, runs, &error);
  g_autoptr (GPtrArray) none = NULL;
  g_autoptr (NnModel) m3 = nn_model_load_from_data_full (plain, -1, NULL, &none, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (none->len, ==, 0);
  const char *broken[] = { "\"searches\": 3", "\"searches\": [[]]", "\"searches\": [{}]",
                           "\"searches\": [{\"version\": 1, \"strategy\": \"grid\"}]" };
  for (size_t k = 0; k < G_N_ELEMENTS (broken); k++)
    {
      g_autoptr (GString) text = g_string_new (plain);
      g_string_truncate (text, strlen (plain) - 2);
      g_string_append_printf (text, ",\n  %s\n}\n", broken[k]);
      g_autoptr (GPtrArray) r = NULL;
      g_autoptr (GPtrArray) sr = NULL;
      g_autoptr (NnModel) mb = nn_model_load_from_data_full (text->str, -1, &r, &sr, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (r->len, ==, 1);
      g_assert_cmpuint (sr->len, ==, 1);
      g_autoptr (NnSearch) sb = nn_search_new_from_json (sr->pdata[0], -1, &error);
      if (sb)
        g_error ("malformed saved search %zu was read", k);
      g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
      g_clear_error (&error);
    }
  /* Writing a search that is not an object is refused, not written. */
  g_ptr_array_add (searches, (char *) "[1]");
  g_autofree char *refused = nn_model_to_json_full (m, FALSE, NULL, searches, &error);
  g_assert_null (refused);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
}

static void
test_missing_metric (void)
{
  g_autoptr (NnModel) m = small_mlp ();
  g_autoptr (GError) error = NULL;
  g_autoptr (NnDataset) ds = nn_dataset_open ("moons:n=64:seed=2", NULL, &error);
  g_autoptr (NnSearch) s = random_search (m, 3, 2);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.validation_split = 0;
  g_assert_false (nn_search_run (s, m, ds, &cfg, NULL, NULL, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "validation split"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/search/grid-product", test_grid_product);
  g_test_add_func ("/engine/search/random-reproducible", test_random_reproducible);
  g_test_add_func ("/engine/search/halving-epochs", test_halving_epochs);
  g_test_add_func ("/engine/search/malformed-spec", test_malformed_spec);
  g_test_add_func ("/engine/search/stop-and-json", test_stop_and_json);
  g_test_add_func ("/engine/search/missing-metric", test_missing_metric);
  g_test_add_func ("/engine/search/model-file", test_model_file);
  return g_test_run ();
}
