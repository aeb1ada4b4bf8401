/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli ensemble: the table and its JSON rows agree with the
 * engine's figures for the same files, and usage errors (no models, bad
 * weights) exit 2 while a model of another task or a missing file exits 1,
 * each naming what is wrong. */
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include <glib/gstdio.h>

#include "cli-test-util.h"

/* A spirals classifier with weights from seed, saved in dir; returns its
 * path. other_task: three classes instead of two. */
static char *
save_model (const char *dir, guint64 seed, gboolean other_task)
{
  NnModel *m = nn_model_new ("mlp");
  int in = test_add (m, "Input", "points");
  test_set (m, in, "shape", "2");
  int hidden = test_add (m, "Dense", NULL);
  test_set (m, hidden, "units", "8");
  test_set (m, hidden, "activation", "relu");
  test_connect (m, in, hidden);
  int out = test_add (m, "Dense", "out");
  test_set (m, out, "units", other_task ? "3" : "2");
  test_set (m, out, "activation", "softmax");
  test_connect (m, hidden, out);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { out, 0, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  nn_model_set_dataset (m, "spirals:n=300:seed=4");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_autofree char *name = g_strdup_printf ("m%" G_GUINT64_FORMAT "%s.json", seed,
                                           other_task ? "-3" : "");
  char *path = g_build_filename (dir, name, NULL);
  g_assert_true (nn_model_save (m, path, TRUE, &error));
  g_assert_no_error (error);
  nn_model_free (m);
  return path;
}

/* The engine's figures for the same files and weights. */
static void
engine_scores (char **paths, int n, const double *w, NnEnsembleScores *s)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  for (int k = 0; k < n; k++)
    {
      g_autoptr (NnModel) m = nn_model_load (paths[k], &error);
      g_assert_no_error (error);
      g_assert_true (nn_ensemble_add (e, m, paths[k], &error));
    }
  g_assert_true (nn_ensemble_set_weights (e, w, n, &error));
  g_autoptr (NnDataset) ds = nn_dataset_open ("spirals:n=300:seed=4", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (nn_ensemble_evaluate (e, ds, NULL, 0, s, NULL, NULL, NULL, &error));
}

static void
test_table (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ensemble-XXXXXX", NULL);
  char *paths[3];
  for (int k = 0; k < 3; k++)
    paths[k] = save_model (dir, (guint64) k + 1, FALSE);
  NnEnsembleScores want = { 0 };
  engine_scores (paths, 3, (double[]) { 1, 1, 2 }, &want);

  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "ensemble", paths[0], paths[1], paths[2], "--weights", "1,1,2",
                         "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 4);
  const double weights[] = { 0.25, 0.25, 0.5 };
  for (int k = 0; k < 4; k++)
    {
      JsonObject *o = obj (lines, k);
      const NnScores *s = k < 3 ? &want.members[k] : &want.ensemble;
      g_assert_cmpstr (json_object_get_string_member (o, "member"), ==,
                       k < 3 ? paths[k] : "ensemble");
      if (k < 3)
        g_assert_cmpfloat (json_object_get_double_member (o, "weight"), ==, weights[k]);
      else
        g_assert_false (json_object_has_member (o, "weight"));
      for (const char *const *key = (const char *[]) { "loss", "accuracy", NULL }; *key; key++)
        g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, *key),
                                        nn_scores_get (s, *key, NULL), 1e-5);
    }
  nn_ensemble_scores_clear (&want);

  /* The table: a header, one row per model, the ensemble last. */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *table[] = { "ensemble", paths[0], paths[1], NULL };
  g_assert_cmpint (run (table, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_auto (GStrv) rows = g_strsplit (g_strchomp (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (rows), ==, 4);
  g_assert_true (g_str_has_prefix (rows[0], "member"));
  g_assert_nonnull (strstr (rows[0], "accuracy"));
  g_assert_true (g_str_has_prefix (rows[1], paths[0]));
  g_assert_nonnull (strstr (rows[1], "0.500"));
  g_assert_true (g_str_has_prefix (rows[3], "ensemble"));

  /* Long paths: the columns still line up (every row as long as the
   * header, the names padded to the longest). */
  g_autofree char *deep = g_build_filename (dir, "a-folder-with-a-rather-long-name-for-models",
                                            NULL);
  g_assert_cmpint (g_mkdir (deep, 0700), ==, 0);
  g_autofree char *long_path = save_model (deep, 7, FALSE);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  const char *wide[] = { "ensemble", paths[0], long_path, NULL };
  g_assert_cmpint (run (wide, &out, &err), ==, 0);
  g_test_message ("%s", out);
  g_auto (GStrv) wrows = g_strsplit (g_strchomp (out), "\n", -1);
  g_assert_cmpuint (g_strv_length (wrows), ==, 4);
  for (int k = 1; k < 4; k++)
    g_assert_cmpuint (strlen (wrows[k]), ==, strlen (wrows[0]));
  g_unlink (long_path);
  for (int k = 0; k < 3; k++)
    g_free (paths[k]);
  remove_tree (dir);
}

/* Runs args; asserts the exit status and that stderr holds want. */
static void
assert_fails (const char *const *args, int status, const char *want)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run (args, &out, &err), ==, status);
  g_test_message ("%s", err);
  g_assert_nonnull (strstr (err, want));
}

static void
test_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ensemble-XXXXXX", NULL);
  g_autofree char *a = save_model (dir, 1, FALSE);
  g_autofree char *b = save_model (dir, 2, FALSE);
  g_autofree char *odd = save_model (dir, 3, TRUE);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  assert_fails ((const char *[]) { "ensemble", NULL }, 2, "takes the model files");
  assert_fails ((const char *[]) { "ensemble", a, b, "--weights", "1", NULL }, 2,
                "one weight per model (2)");
  assert_fails ((const char *[]) { "ensemble", a, b, "--weights", "1,-1", NULL }, 2,
                "not “-1”");
  assert_fails ((const char *[]) { "ensemble", a, b, "--weights", "1,x", NULL }, 2, "not “x”");
  assert_fails ((const char *[]) { "ensemble", a, b, "--weights", "0,0", NULL }, 1,
                "All the weights are zero");
  assert_fails ((const char *[]) { "ensemble", a, odd, NULL }, 1, "output is (batch, 3)");
  assert_fails ((const char *[]) { "ensemble", a, odd, NULL }, 1, odd);
  assert_fails ((const char *[]) { "ensemble", a, missing, NULL }, 1, "missing.json");
  assert_fails ((const char *[]) { "ensemble", a, b, "--data", "regression:n=50", NULL }, 1,
                "expects");
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/ensemble/table", test_table);
  g_test_add_func ("/cli/ensemble/errors", test_errors);
  return g_test_run ();
}
