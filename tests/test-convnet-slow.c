/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The convnet samples end to end, on the real Fashion-MNIST (slow suite,
 * selected with -m slow):
 *   - the classic convnet reaches >= 0.90 test accuracy through
 *     deepscope-cli within 5 epochs;
 *   - on 2,000 training images, the sample with augmentation and dropout
 *     ends with a higher validation accuracy than the same convnet without
 *     (same seed, same epochs);
 *   - transfer learning: a base trained on classes 0-5 is reused, frozen,
 *     under a new classifier for classes 6-9, then its top block is
 *     fine-tuned with a small learning rate. */
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "nn.h"
#include "test-util.h"

/* deepscope-cli train SAMPLE --json [extra]: one JSON object per stdout
 * line. */
static GPtrArray *
cli_train (const char *name, const char *extra)
{
  const char *cli = g_getenv ("DEEPSCOPE_CLI");
  g_assert_nonnull (cli);
  const char *argv[] = { cli, "train", test_sample (name), "--json", "--quiet", extra, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out,
                               &err, &status, &error));
  g_assert_no_error (error);
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    g_error ("deepscope-cli train %s failed: %s", name, err);
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_auto (GStrv) parts = g_strsplit (out, "\n", -1);
  for (int k = 0; parts[k]; k++)
    {
      if (!*g_strstrip (parts[k]))
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_data (p, parts[k], -1, &error));
      g_assert_no_error (error);
      g_ptr_array_add (lines, json_object_ref (json_node_get_object (json_parser_get_root (p))));
    }
  return lines;
}

static double
member (GPtrArray *lines, guint i, const char *key)
{
  JsonObject *o = lines->pdata[i];
  g_assert_true (json_object_has_member (o, key));
  return json_object_get_double_member (o, key);
}

/* As in the course's final run: all 60,000 training images (the sample
 * holds out 10% for the validation curves), then the test set. */
static void
test_classic (void)
{
  g_autoptr (GPtrArray) lines = cli_train ("fashion_convnet.json", "--validation-split=0");
  /* 5 epochs and the test scores */
  g_assert_cmpuint (lines->len, ==, 6);
  for (guint e = 0; e < 5; e++)
    g_test_message ("epoch %u: %.0f samples/s, loss %.4f, accuracy %.4f", e + 1,
                    member (lines, e, "samples_per_s"), member (lines, e, "loss"),
                    member (lines, e, "accuracy"));
  double acc = member (lines, 5, "test_accuracy");
  g_test_message ("classic convnet: test accuracy %.4f after 5 epochs", acc);
  g_assert_cmpfloat (acc, >=, 0.90);
}

/* Mean of `key` over the last n epochs (lines end with the test scores):
 * validation accuracy on 500 images jumps by a few points from one epoch to
 * the next, so single epochs are not compared. */
static double
last_mean (GPtrArray *lines, const char *key, guint n)
{
  guint epochs = lines->len - 1;
  double s = 0;
  for (guint e = epochs - n; e < epochs; e++)
    s += member (lines, e, key);
  return s / n;
}

static void
test_small_data (void)
{
  g_autoptr (GPtrArray) plain = cli_train ("fashion_small.json", NULL);
  g_autoptr (GPtrArray) aug = cli_train ("fashion_small_augmented.json", NULL);
  g_assert_cmpuint (plain->len, ==, aug->len);
  guint epochs = plain->len - 1;
  double p_train = last_mean (plain, "accuracy", 5), a_train = last_mean (aug, "accuracy", 5);
  double p_val = last_mean (plain, "val_accuracy", 5), a_val = last_mean (aug, "val_accuracy", 5);
  g_test_message ("2,000 images, %u epochs, means of the last 5: without augmentation accuracy "
                  "%.4f, val_accuracy %.4f; with augmentation and dropout %.4f, %.4f", epochs,
                  p_train, p_val, a_train, a_val);
  g_test_message ("test accuracy: %.4f without, %.4f with",
                  member (plain, epochs, "test_accuracy"), member (aug, epochs, "test_accuracy"));
  /* less overfitting: a smaller gap, and a better validation score */
  g_assert_cmpfloat (a_train - a_val, <, p_train - p_val);
  g_assert_cmpfloat (a_val, >, p_val);
}

/* ---- transfer learning through the engine's API ------------------------ */

static NnModel *
fit (NnModel *m, NnDataset *ds, int epochs)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  NnTrainDefaults *d = nn_model_get_defaults (m);
  cfg.epochs = epochs;
  cfg.batch_size = d->batch_size;
  cfg.validation_split = d->validation_split;
  cfg.seed = d->seed;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);
  return nn_trainer_dup_model (t);
}

static double
test_accuracy (NnModel *m, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  NnScores s = { 0 };
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 256, &s, &error));
  g_assert_no_error (error);
  gboolean found = FALSE;
  double acc = nn_scores_get (&s, "accuracy", &found);
  g_assert_true (found);
  nn_scores_clear (&s);
  return acc;
}

static NnDataset *
open_data (NnModel *m)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_dataset_open (nn_model_get_dataset (m), NULL, &error);
  g_assert_no_error (error);
  return ds;
}

/* A copy of weight k of layer `layer` of m. */
static float *
weight_copy (const NnModel *m, int layer, int k, size_t *n)
{
  NnTensor view;
  g_assert_nonnull (nn_model_layer_get_weight (m, layer, k, &view));
  *n = view.size;
  return g_memdup2 (view.data, view.size * sizeof (float));
}

static gboolean
weight_equals (const NnModel *m, int layer, int k, const float *ref, size_t n)
{
  NnTensor view;
  nn_model_layer_get_weight (m, layer, k, &view);
  return view.size == n && memcmp (view.data, ref, n * sizeof (float)) == 0;
}

static void
test_transfer (void)
{
  g_autoptr (GError) error = NULL;

  /* step 1: the base learns classes 0-5 */
  g_autoptr (NnModel) base = nn_model_load (test_sample ("transfer_base.json"), &error);
  g_assert_no_error (error);
  g_autoptr (NnDataset) ds_base = open_data (base);
  g_assert_cmpint (ds_base->n_classes, ==, 6);
  g_assert_true (nn_model_init_weights (base, 1, &error));
  g_autoptr (NnModel) trained = fit (base, ds_base, nn_model_get_defaults (base)->epochs);
  double base_acc = test_accuracy (trained, ds_base);
  g_test_message ("base, classes 0-5: test accuracy %.4f", base_acc);
  g_assert_cmpfloat (base_acc, >=, 0.80);

  /* step 2: its convolutional base, frozen, under a new head for 6-9 */
  g_autoptr (NnModel) head = nn_model_load (test_sample ("transfer_head.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (head, 2, &error));
  int hb = nn_model_find_layer (head, "conv_base"), tb = nn_model_find_layer (trained, "conv_base");
  g_assert_cmpint (hb, >=, 0);
  g_assert_cmpint (tb, >=, 0);
  g_assert_false (nn_model_layer_get_trainable (head, hb));
  NnModel *hsub = nn_model_layer_get_submodel (head, hb);
  NnModel *tsub = nn_model_layer_get_submodel (trained, tb);
  g_assert_cmpint (nn_model_get_n_layers (hsub), ==, nn_model_get_n_layers (tsub));
  for (int l = 0; l < nn_model_get_n_layers (tsub); l++)
    for (int k = 0; k < nn_model_layer_get_n_weights (tsub, l); k++)
      {
        NnTensor from, to;
        nn_model_layer_get_weight (tsub, l, k, &from);
        nn_model_layer_get_weight (hsub, l, k, &to);
        g_assert_cmpuint (from.size, ==, to.size);
        memcpy (to.data, from.data, from.size * sizeof (float));
      }
  int conv1 = nn_model_find_layer (hsub, "conv1"), conv3 = nn_model_find_layer (hsub, "conv3");
  size_t n1, n3;
  g_autofree float *k1 = weight_copy (hsub, conv1, 0, &n1);
  g_autofree float *k3 = weight_copy (hsub, conv3, 0, &n3);

  g_autoptr (NnDataset) ds_head = open_data (head);
  g_assert_cmpint (ds_head->n_classes, ==, 4);
  double before = test_accuracy (head, ds_head);
  g_autoptr (NnModel) extracted = fit (head, ds_head, nn_model_get_defaults (head)->epochs);
  double feat_acc = test_accuracy (extracted, ds_head);
  g_test_message ("feature extraction, classes 6-9: test accuracy %.4f (untrained head %.4f)",
                  feat_acc, before);
  g_assert_cmpfloat (feat_acc, >=, 0.90);
  /* the frozen base did not move */
  NnModel *esub = nn_model_layer_get_submodel (extracted, nn_model_find_layer (extracted,
                                                                              "conv_base"));
  g_assert_true (weight_equals (esub, conv1, 0, k1, n1));
  g_assert_true (weight_equals (esub, conv3, 0, k3, n3));

  /* step 3: fine-tune the top block (conv3) with a 10x smaller rate */
  int eb = nn_model_find_layer (extracted, "conv_base");
  nn_model_layer_set_trainable (extracted, eb, TRUE);
  for (int l = 0; l < nn_model_get_n_layers (esub); l++)
    nn_model_layer_set_trainable (esub, l, l == conv3);
  nn_model_get_optimizer (extracted)->learning_rate = 1e-4;
  g_autoptr (NnModel) tuned = fit (extracted, ds_head, 1);
  double tuned_acc = test_accuracy (tuned, ds_head);
  g_test_message ("fine-tuned conv3: test accuracy %.4f", tuned_acc);
  NnModel *fsub = nn_model_layer_get_submodel (tuned, nn_model_find_layer (tuned, "conv_base"));
  g_assert_true (weight_equals (fsub, conv1, 0, k1, n1));
  g_assert_false (weight_equals (fsub, conv3, 0, k3, n3));
  g_assert_cmpfloat (tuned_acc, >=, feat_acc - 0.01);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_test_slow ())
    {
      g_test_add_func ("/convnet/slow/classic", test_classic);
      g_test_add_func ("/convnet/slow/small-data-augmentation", test_small_data);
      g_test_add_func ("/convnet/slow/transfer-learning", test_transfer);
    }
  return g_test_run ();
}
