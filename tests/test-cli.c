/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli end to end: summary, training with --json history lines,
 * evaluate/predict on a saved model, errors in words with a non-zero exit.
 * The Fashion-MNIST run is the slow suite's (selected with -m slow). */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"

static const char *
cli (void)
{
  const char *p = g_getenv ("DEEPSCOPE_CLI");
  g_assert_nonnull (p);
  return p;
}

static int
run (const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli ());
  for (int k = 0; args[k]; k++)
    g_ptr_array_add (argv, (char *) args[k]);
  g_ptr_array_add (argv, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Parses every stdout line as a JSON object. */
static GPtrArray *
json_lines (const char *out)
{
  GPtrArray *objs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (int k = 0; lines[k]; k++)
    {
      if (!*lines[k])
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (p, lines[k], -1, &error));
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
      g_ptr_array_add (objs, json_node_copy (json_parser_get_root (p)));
    }
  return objs;
}

static JsonObject *
obj (GPtrArray *a, guint i)
{
  return json_node_get_object (a->pdata[i]);
}

static void
test_summary (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "summary", test_sample ("fashion_mlp.json"), NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "Total params: 407,050"));
  g_assert_nonnull (strstr (out, "hidden (Dense)"));
}

static void
test_train_spirals_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("deepscope-cli-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "trained.json", NULL);
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("spirals_mlp.json"), "--epochs", "40", "--seed", "3",
                         "--json", "--save", saved, NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 41);
  for (guint e = 0; e < 40; e++)
    {
      JsonObject *o = obj (lines, e);
      g_assert_cmpint (json_object_get_int_member (o, "epoch"), ==, e + 1);
      g_assert_cmpfloat (json_object_get_double_member (o, "samples_per_s"), >, 0);
      g_assert_true (json_object_has_member (o, "loss"));
      g_assert_true (json_object_has_member (o, "accuracy"));
      g_assert_true (json_object_has_member (o, "val_loss"));
      g_assert_true (json_object_has_member (o, "val_accuracy"));
    }
  JsonObject *last = obj (lines, 40);
  double acc = json_object_get_double_member (last, "test_accuracy");
  g_test_message ("spirals test accuracy after 40 epochs: %.4f", acc);
  g_assert_cmpfloat (acc, >, 0.9);
  g_assert_true (json_object_has_member (last, "test_loss"));

  /* The saved model evaluates to the same score, and predicts. */
  g_autofree char *out2 = NULL, *err2 = NULL;
  const char *eargs[] = { "evaluate", saved, "--json", NULL };
  g_assert_cmpint (run (eargs, &out2, &err2), ==, 0);
  g_autoptr (GPtrArray) e2 = json_lines (out2);
  g_assert_cmpfloat (json_object_get_double_member (obj (e2, 0), "test_accuracy"), ==, acc);
  g_autofree char *out3 = NULL, *err3 = NULL;
  const char *pargs[] = { "predict", saved, "--count", "3", "--json", NULL };
  g_assert_cmpint (run (pargs, &out3, &err3), ==, 0);
  g_autoptr (GPtrArray) p = json_lines (out3);
  g_assert_cmpuint (p->len, ==, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj (p, 0), "prediction")), ==, 2);
  g_unlink (saved);
  g_rmdir (dir);
}

static void
test_two_outputs_and_kfold (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("two_inputs_two_outputs.json"), "--epochs", "2",
                         "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  JsonObject *e1 = obj (lines, 0);
  g_assert_true (json_object_has_member (e1, "class_loss"));
  g_assert_true (json_object_has_member (e1, "class_accuracy"));
  g_assert_true (json_object_has_member (e1, "value_mae"));
  g_assert_true (json_object_has_member (e1, "val_value_loss"));

  g_autofree char *kout = NULL, *kerr = NULL;
  const char *kargs[] = { "train", test_sample ("regression_kfold.json"), "--epochs", "2",
                          "--json", NULL };
  g_assert_cmpint (run (kargs, &kout, &kerr), ==, 0);
  g_autoptr (GPtrArray) k = json_lines (kout);
  int folds = 0;
  for (guint i = 0; i < k->len; i++)
    if (json_object_has_member (obj (k, i), "fold") && !json_object_has_member (obj (k, i), "epoch"))
      folds++;
  g_assert_cmpint (folds, ==, 4);
  g_assert_true (json_object_has_member (obj (k, k->len - 2), "mean_val_mae"));
}

static void
test_errors_in_words (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", "/nonexistent/model.json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent/model.json"));

  g_autofree char *out2 = NULL, *err2 = NULL;
  const char *args2[] = { "train", test_sample ("spirals_mlp.json"), "--data", "regression", NULL };
  g_assert_cmpint (run (args2, &out2, &err2), ==, 1);
  g_assert_nonnull (strstr (err2, "expects (batch, 2) but the dataset gives (batch, 8)"));

  g_autofree char *out3 = NULL, *err3 = NULL;
  const char *args3[] = { "fly", test_sample ("spirals_mlp.json"), NULL };
  g_assert_cmpint (run (args3, &out3, &err3), ==, 2);
}

static void
test_slow_fashion_mlp (void)
{
  g_autofree char *out = NULL, *err = NULL;
  const char *args[] = { "train", test_sample ("fashion_mlp.json"), "--json", NULL };
  g_assert_cmpint (run (args, &out, &err), ==, 0);
  g_autoptr (GPtrArray) lines = json_lines (out);
  g_assert_cmpuint (lines->len, ==, 3);
  for (guint e = 0; e < 2; e++)
    g_test_message ("epoch %u: %.0f samples/s, loss %.4f, accuracy %.4f, val_accuracy %.4f", e + 1,
                    json_object_get_double_member (obj (lines, e), "samples_per_s"),
                    json_object_get_double_member (obj (lines, e), "loss"),
                    json_object_get_double_member (obj (lines, e), "accuracy"),
                    json_object_get_double_member (obj (lines, e), "val_accuracy"));
  double acc = json_object_get_double_member (obj (lines, 2), "test_accuracy");
  g_test_message ("Fashion-MNIST MLP test accuracy after 2 epochs: %.4f", acc);
  g_assert_cmpfloat (acc, >=, 0.85);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/summary", test_summary);
  g_test_add_func ("/cli/train-spirals-json", test_train_spirals_json);
  g_test_add_func ("/cli/two-outputs-and-kfold", test_two_outputs_and_kfold);
  g_test_add_func ("/cli/errors-in-words", test_errors_in_words);
  if (g_test_slow ())
    g_test_add_func ("/cli/slow/fashion-mlp", test_slow_fashion_mlp);
  return g_test_run ();
}
