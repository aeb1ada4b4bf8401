/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Import of Keras models (TF.js Layers model.json, Keras model.to_json()):
 * the round trip export -> import -> Deepscope file -> load gives the same
 * predictions, and malformed files (truncated shard, shape mismatch,
 * unknown class, wrong format or version, empty, huge dimensions, settings
 * the engine lacks) are refused with an error in words and nothing made. */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "export-test-util.h"

/* Largest relative difference of a's and b's predictions on the same
 * random inputs, over every output. */
static double
predictions_diff (NnModel *a, NnModel *b)
{
  g_autofree char *dir = g_dir_make_tmp ("import-in-XXXXXX", NULL);
  g_autoptr (GString) files = g_string_new (NULL);
  g_autoptr (GPtrArray) ins = export_random_inputs (a, 50, 5, dir, files);
  double worst = 0;
  g_assert_cmpint (nn_model_get_n_outputs (a), ==, nn_model_get_n_outputs (b));
  for (int k = 0; k < nn_model_get_n_outputs (a); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnTensor) ya = nn_model_run (a, (NnTensor *const *) ins->pdata, ins->len,
                                              nn_model_get_output (a, k), &error);
      g_assert_no_error (error);
      g_autoptr (NnTensor) yb = nn_model_run (b, (NnTensor *const *) ins->pdata, ins->len,
                                              nn_model_get_output (b, k), &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ya->size, ==, yb->size);
      worst = fmax (worst, export_rel_diff (ya->data, yb->data, ya->size));
    }
  test_remove_tree (dir);
  return worst;
}

/* How many LeakyReLU layers of m's export cannot fold back into the layer
 * before them on import: those after a shared layer (the LeakyReLU is
 * called several times) or a TimeDistributed one. */
static int
leaky_unfolded (NnModel *m)
{
  int n = 0;
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      g_autofree char *a = nn_model_layer_get_param (m, l, "activation")
                           ? nn_model_layer_dup_param_text (m, l, "activation") : NULL;
      const char *type = nn_layer_type_get_name (nn_model_layer_get_type (m, l));
      if (a && g_str_equal (a, "leaky_relu") && !g_str_equal (type, "Activation"))
        n += nn_model_layer_get_n_calls (m, l) > 1 || g_str_equal (type, "TimeDistributed");
    }
  return n;
}

/* export to TF.js -> import -> save as a Deepscope file -> load: the same
 * predictions as the model exported. */
static void
round_trip (NnModel *m)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_init_weights (m, 3, &error));
  export_perturb_weights (m, 3);
  g_autofree char *dir = g_dir_make_tmp ("import-rt-XXXXXX", NULL);
  g_assert_true (nn_export_tfjs (m, dir, &error));
  g_autofree char *json = g_build_filename (dir, "model.json", NULL);
  g_autoptr (NnModel) imported = nn_import_keras (json, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *saved = g_build_filename (dir, "saved.json", NULL);
  g_assert_true (nn_model_save (imported, saved, TRUE, &error));
  g_autoptr (NnModel) back = nn_model_load (saved, &error);
  g_assert_no_error (error);
  /* a LeakyReLU after a layer read by it alone folds back into it */
  g_assert_cmpint (nn_model_get_n_layers (back), ==,
                   nn_model_get_n_layers (m) + leaky_unfolded (m));
  double d = predictions_diff (m, back);
  g_test_message ("%s: round trip difference %.3g", nn_model_get_name (m), d);
  g_assert_cmpfloat (d, <=, 1e-6);
  test_remove_tree (dir);
}

static void
test_round_trip_samples (void)
{
  static const char *const samples[] = {
    "fashion_convnet_bn.json", "transfer_head.json", "two_inputs_two_outputs.json",
    "fortunes_lstm.json", "fortunes_conv1d.json", "fashion_vae_conv.json",
    /* leaky_relu: exported as LeakyReLU layers, folded back on import */
    "gan_ring_discriminator.json", "fashion_dcgan_generator.json",
    "fashion_dcgan_discriminator.json",
  };
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load (test_sample (samples[i]), &error);
      g_assert_no_error (error);
      round_trip (m);
    }
}

/* Bidirectional, TimeDistributed, a shared layer, ZeroPadding2D. */
static void
test_round_trip_layers (void)
{
  static const char *const models[] = {
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"bi\", \"config\": {\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [6, 3]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"TimeDistributed\", \"name\": \"td\", \"config\": {\"units\": 4}, "
    " \"inbound_nodes\": [[[\"x\", 0, 0]]]},"
    "{\"class_name\": \"Bidirectional\", \"name\": \"bi\", \"config\": {\"layer\": \"GRU\", \"units\": 3, \"reset_after\": false}, "
    " \"inbound_nodes\": [[[\"td\", 0, 0]]]}],"
    "\"input_layers\": [[\"x\", 0, 0]], \"output_layers\": [[\"bi\", 0, 0]]}}",
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"shared\", \"config\": {\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"a\", \"config\": {\"shape\": [4, 4, 1]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"Input\", \"name\": \"b\", \"config\": {\"shape\": [4, 4, 1]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"ZeroPadding2D\", \"name\": \"pad\", \"config\": {\"padding\": [1, 0, 2, 1]}, "
    " \"inbound_nodes\": [[[\"a\", 0, 0]], [[\"b\", 0, 0]]]},"
    "{\"class_name\": \"Conv2D\", \"name\": \"conv\", \"config\": {\"filters\": 2, \"kernel_l2\": 0.01}, "
    " \"inbound_nodes\": [[[\"pad\", 0, 0]], [[\"pad\", 1, 0]]]},"
    "{\"class_name\": \"Add\", \"name\": \"sum\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"conv\", 0, 0], [\"conv\", 1, 0]]]}],"
    "\"input_layers\": [[\"a\", 0, 0], [\"b\", 0, 0]], \"output_layers\": [[\"sum\", 0, 0]]}}",
    /* leaky_relu on a shared layer (its LeakyReLU called twice: an
     * Activation layer on import), on an Activation layer, on a layer
     * read by the next one and as an output, and on the last */
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"leaky\", \"config\": {\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"a\", \"config\": {\"shape\": [6]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"Input\", \"name\": \"b\", \"config\": {\"shape\": [6]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"Dense\", \"name\": \"shared\", \"config\": {\"units\": 5, \"activation\": \"leaky_relu\"}, "
    " \"inbound_nodes\": [[[\"a\", 0, 0]], [[\"b\", 0, 0]]]},"
    "{\"class_name\": \"Add\", \"name\": \"sum\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"shared\", 0, 0], [\"shared\", 1, 0]]]},"
    "{\"class_name\": \"Activation\", \"name\": \"act\", \"config\": {\"activation\": \"leaky_relu\"}, "
    " \"inbound_nodes\": [[[\"sum\", 0, 0]]]},"
    "{\"class_name\": \"Dense\", \"name\": \"mid\", \"config\": {\"units\": 4, \"activation\": \"leaky_relu\"}, "
    " \"inbound_nodes\": [[[\"act\", 0, 0]]]},"
    "{\"class_name\": \"Dense\", \"name\": \"out\", \"config\": {\"units\": 3, \"activation\": \"leaky_relu\"}, "
    " \"inbound_nodes\": [[[\"mid\", 0, 0]]]}],"
    "\"input_layers\": [[\"a\", 0, 0], [\"b\", 0, 0]], "
    "\"output_layers\": [[\"out\", 0, 0], [\"mid\", 0, 0]]}}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (models); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load_from_data (models[i], -1, &error);
      g_assert_no_error (error);
      round_trip (m);
    }
}

/* Recurrent states: tensor indices and initial states read back. */
static void
test_round_trip_states (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_state_models); i++)
    {
      g_autoptr (NnModel) m = export_state_model (i);
      round_trip (m);
    }
}

/* ---- the vocabulary beside the exports ---------------------------------- */

/* A character model's vocabulary, Unicode included, goes to DIR/vocab.json
 * beside each export, equal to the model's (every token in index order,
 * the tokenizer's options); model.json points to it in
 * userDefinedMetadata, model.py has its loader; a model without one
 * writes none. */
static void
test_vocabulary (void)
{
  static const char *const tokens[] = { "a", "é", "ж", "\xf0\x9f\x98\x80", " ", "\"" };
  gboolean (*exports[]) (NnModel *, const char *, GError **) = {
    nn_export_tfjs, nn_export_keras, nn_export_onnx
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fortunes_char_lstm.json"), &error);
  g_assert_no_error (error);
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.chars = TRUE;
  opt.lower = FALSE;
  g_autoptr (NnVocab) v = nn_vocab_new (&opt);
  for (guint i = 0; i < G_N_ELEMENTS (tokens); i++)
    nn_vocab_add (v, tokens[i]);
  g_autoptr (NnModel) plain = nn_model_copy (m);
  nn_model_set_vocab (m, v);
  g_autofree char *dir = g_dir_make_tmp ("export-vocab-XXXXXX", NULL);
  for (guint k = 0; k < G_N_ELEMENTS (exports); k++)
    {
      g_assert_true (exports[k] (m, dir, &error));
      g_assert_no_error (error);
      g_autofree char *path = g_build_filename (dir, NN_VOCAB_FILE, NULL);
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_file (p, path, &error));
      JsonObject *o = json_node_get_object (json_parser_get_root (p));
      g_assert_cmpstr (json_object_get_string_member (o, "tokens"), ==, "chars");
      g_assert_false (json_object_get_boolean_member (o, "lower"));
      JsonArray *index = json_object_get_array_member (o, "index");
      g_assert_cmpint (json_array_get_length (index), ==, nn_vocab_size (v));
      g_assert_cmpint (nn_vocab_size (v), ==, 2 + G_N_ELEMENTS (tokens));
      for (int i = 0; i < nn_vocab_size (v); i++)
        g_assert_cmpstr (json_array_get_string_element (index, i), ==, nn_vocab_token (v, i));
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_autofree char *json = g_build_filename (dir, "model.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, json, &error));
  JsonObject *meta = json_object_get_object_member (json_node_get_object (json_parser_get_root (p)),
                                                    "userDefinedMetadata");
  g_assert_cmpstr (json_object_get_string_member (meta, "vocabulary"), ==, NN_VOCAB_FILE);
  g_autofree char *py_path = g_build_filename (dir, "model.py", NULL);
  g_autofree char *py = NULL;
  g_assert_true (g_file_get_contents (py_path, &py, NULL, NULL));
  g_assert_nonnull (strstr (py, "def load_vocabulary(path=\"vocab.json\"):"));
  test_remove_tree (dir);

  /* no vocabulary: no file, no pointer */
  g_autofree char *bare = g_dir_make_tmp ("export-vocab-XXXXXX", NULL);
  for (guint k = 0; k < G_N_ELEMENTS (exports); k++)
    g_assert_true (exports[k] (plain, bare, &error));
  g_autofree char *none = g_build_filename (bare, NN_VOCAB_FILE, NULL);
  g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
  g_autofree char *json2 = g_build_filename (bare, "model.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json2, &text, NULL, NULL));
  g_assert_null (strstr (text, "userDefinedMetadata"));
  test_remove_tree (bare);
}

/* ---- malformed files ---------------------------------------------------- */

/* A small model exported to DIR (model.json and its shard). */
static char *
export_small (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fashion_convnet_bn.json"), &error);
  g_assert_no_error (error);
  char *dir = g_dir_make_tmp ("import-bad-XXXXXX", NULL);
  g_assert_true (nn_export_tfjs (m, dir, &error));
  return dir;
}

/* Replaces the first `from` in DIR/model.json by `to`, imports, expects an
 * error holding `expect`. */
static void
expect_edit_refused (const char *from, const char *to, const char *expect)
{
  g_autofree char *dir = export_small ();
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  /* compact text: "key":value, no spaces */
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, path, NULL));
  g_autofree char *text = json_to_string (json_parser_get_root (p), FALSE);
  char *at = strstr (text, from);
  if (at == NULL)
    g_error ("“%s” not in %s", from, text);
  *at = '\0';
  g_autofree char *edited = g_strconcat (text, to, at + strlen (from), NULL);
  g_assert_true (g_file_set_contents (path, edited, -1, NULL));
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_import_keras (path, NULL, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (strstr (error->message, expect) == NULL)
    g_error ("“%s” not in “%s”", expect, error->message);
  test_remove_tree (dir);
}

static void
test_malformed_topology (void)
{
  expect_edit_refused ("\"class_name\":\"Conv2D\"", "\"class_name\":\"LocallyConnected2D\"",
                       "Keras class LocallyConnected2D has no Deepscope equivalent");
  expect_edit_refused ("\"format\":\"layers-model\"", "\"format\":\"graph-model\"",
                       "only TF.js Layers models");
  expect_edit_refused ("\"keras_version\":\"2.15.0\"", "\"keras_version\":\"3.1.0\"",
                       "not Keras 3");
  expect_edit_refused ("\"data_format\":\"channels_last\"",
                       "\"data_format\":\"channels_first\"", "channels_first is not supported");
  expect_edit_refused ("\"groups\":1", "\"groups\" : 2", "groups other than 1");
  expect_edit_refused ("\"kernel_constraint\":null",
                       "\"kernel_constraint\" : {\"class_name\": \"MaxNorm\"}",
                       "kernel_constraint is not supported");
  /* huge dimensions: refused by the engine's limits, not allocated */
  expect_edit_refused ("[null,28,28,1]",
                       "[null, 2000000000, 2000000000, 1]", "image");
  expect_edit_refused ("\"filters\":32", "\"filters\" : 1e12", "filters");
  expect_edit_refused ("\"class_name\":\"Functional\"", "\"class_name\":\"Graph\"",
                       "not a Functional, Model or Sequential model");
}

/* Rewrites the shard: keeps `keep` bytes (G_MAXSIZE: all) and appends
 * `extra` bytes. */
static void
expect_shard_refused (gsize keep, gsize extra, const char *expect)
{
  g_autofree char *dir = export_small ();
  g_autofree char *bin = g_build_filename (dir, "group1-shard1of1.bin", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (bin, &data, &len, NULL));
  keep = MIN (keep, len);
  g_autofree char *out = g_malloc0 (keep + extra + 1);
  memcpy (out, data, keep);
  g_assert_true (g_file_set_contents (bin, out, keep + extra, NULL));
  g_autofree char *json = g_build_filename (dir, "model.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_import_keras (json, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, expect));
  test_remove_tree (dir);
}

static void
test_malformed_weights (void)
{
  expect_shard_refused (100, 0, "truncated shard");
  expect_shard_refused (0, 0, "truncated shard");
  expect_shard_refused (G_MAXSIZE, 8, "longer than described");
  expect_edit_refused ("\"shape\":[3,3,1,32]",
                       "\"shape\" : [3, 3, 32, 1]", "shape (3, 3, 32, 1) in the file, the layer needs (3, 3, 1, 32)");
  expect_edit_refused ("\"name\":\"conv1/kernel\"", "\"name\" : \"conv9/kernel\"",
                       "weight “conv1/kernel” is missing");
  expect_edit_refused ("\"dtype\":\"float32\"}", "\"dtype\":\"int32\"}", "only float32");
  expect_edit_refused ("\"group1-shard1of1.bin\"", "\"../group1-shard1of1.bin\"",
                       "not a file name beside the model");
}

static void
test_malformed_files (void)
{
  static const char *const texts[] = { "", "{", "[]", "{\"format\": \"layers-model\"}",
                                       "{\"class_name\": 3}", "{\"class_name\": \"Functional\", "
                                       "\"config\": {\"layers\": 1}}" };
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_import_keras_from_data (texts[i], -1, ".", NULL, &error);
      g_assert_null (m);
      g_assert_nonnull (error);
      g_test_message ("“%s”: %s", texts[i], error->message);
    }
  g_autoptr (GError) error = NULL;
  g_assert_null (nn_import_keras ("/nonexistent/model.json", NULL, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

/* A Keras LeakyReLU layer (model.to_json() of a Sequential model; ALPHA
 * the first one's alpha) imported, or NULL with the error. */
static NnModel *
import_leaky (const char *alpha, GError **error)
{
  g_autofree char *json = g_strdup_printf (
    "{\"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
    "{\"class_name\": \"Dense\", \"config\": {\"name\": \"d\", \"units\": 3, "
    "  \"activation\": \"linear\", \"batch_input_shape\": [null, 4]}},"
    "{\"class_name\": \"LeakyReLU\", \"config\": {\"name\": \"lr\", \"alpha\": %s}},"
    "{\"class_name\": \"Dense\", \"config\": {\"name\": \"e\", \"units\": 2, "
    "  \"activation\": \"relu\"}},"
    "{\"class_name\": \"LeakyReLU\", \"config\": {\"name\": \"lr2\"}}]}}", alpha);
  return nn_import_keras_from_data (json, -1, ".", NULL, error);
}

/* LeakyReLU from Keras: after a linear layer read by it alone, folded
 * into that layer's activation; after a relu, an Activation layer;
 * an alpha other than the engine's slope, not a number or not finite is
 * refused naming the layer, and nothing is made. */
static void
test_leaky_relu (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = import_leaky ("0.3", &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 4);
  g_assert_cmpint (nn_model_find_layer (m, "lr"), <, 0);
  g_autofree char *d_act = nn_model_layer_dup_param_text (m, nn_model_find_layer (m, "d"),
                                                          "activation");
  g_assert_cmpstr (d_act, ==, "leaky_relu");
  int lr2 = nn_model_find_layer (m, "lr2");
  g_assert_cmpint (lr2, >=, 0);
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, lr2)), ==, "Activation");
  g_autofree char *lr2_act = nn_model_layer_dup_param_text (m, lr2, "activation");
  g_assert_cmpstr (lr2_act, ==, "leaky_relu");
  g_assert_cmpint (nn_model_get_output (m, 0).layer, ==, lr2);

  static const char *const bad[][2] = {
    { "\"0.3\"", "alpha is not a number" },
    { "[0.3]", "alpha is not a number" },
    { "-1e999", "not a finite number" },
    { "0.2", "slope 0.3" },
    { "-0.3", "slope 0.3" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (NnModel) none = import_leaky (bad[i][0], &e);
      g_assert_null (none);
      g_assert_nonnull (e);
      g_test_message ("alpha %s: %s", bad[i][0], e->message);
      g_assert_nonnull (strstr (e->message, "“lr” (LeakyReLU)"));
      if (strstr (e->message, bad[i][1]) == NULL)
        g_error ("“%s” not in “%s”", bad[i][1], e->message);
    }
}

/* A Keras model.to_json() text with a separate weights manifest. */
static void
test_keras_json_with_manifest (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("two_inputs_two_outputs.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_init_weights (m, 9, &error));
  export_perturb_weights (m, 9);
  g_autofree char *dir = g_dir_make_tmp ("import-keras-XXXXXX", NULL);
  g_assert_true (nn_export_tfjs (m, dir, &error));
  /* split model.json into to_json()'s text and a manifest file */
  g_autofree char *json = g_build_filename (dir, "model.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, json, &error));
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonObject *topo = json_object_get_object_member (root, "modelTopology");
  JsonNode *cfg = json_object_get_member (topo, "model_config");
  g_autofree char *cfg_text = json_to_string (cfg, FALSE);
  g_autofree char *man_text = json_to_string (json_object_get_member (root, "weightsManifest"),
                                              FALSE);
  g_autofree char *keras = g_build_filename (dir, "keras.json", NULL);
  g_autofree char *man = g_build_filename (dir, "weights_manifest.json", NULL);
  g_assert_true (g_file_set_contents (keras, cfg_text, -1, NULL));
  g_assert_true (g_file_set_contents (man, man_text, -1, NULL));
  g_autoptr (NnModel) with = nn_import_keras (keras, man, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (predictions_diff (m, with), ==, 0);
  /* without weights: the structure, fresh weights */
  g_autoptr (NnModel) without = nn_import_keras (keras, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_get_n_layers (without), ==, nn_model_get_n_layers (m));
  g_assert_cmpfloat (predictions_diff (m, without), >, 1e-3);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/import/keras/round-trip-samples", test_round_trip_samples);
  g_test_add_func ("/import/keras/round-trip-layers", test_round_trip_layers);
  g_test_add_func ("/import/keras/round-trip-states", test_round_trip_states);
  g_test_add_func ("/export/vocabulary", test_vocabulary);
  g_test_add_func ("/import/keras/keras-json", test_keras_json_with_manifest);
  g_test_add_func ("/import/keras/leaky-relu", test_leaky_relu);
  g_test_add_func ("/import/keras/malformed-files", test_malformed_files);
  g_test_add_func ("/import/keras/malformed-topology", test_malformed_topology);
  g_test_add_func ("/import/keras/malformed-weights", test_malformed_weights);
  return g_test_run ();
}
