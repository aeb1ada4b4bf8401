/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TensorFlow.js Layers export: every sample (none refused), and a
 * small model per layer type, exported with perturbed weights, run by
 * TensorFlow.js (tests/js/tfjs-predict.mjs, pure JavaScript CPU backend) on
 * 100 random inputs: outputs equal the engine's to 1e-5 relative (the
 * largest difference over the largest output value). Without node or
 * tests/js/node_modules the program says why and exits 77 (skipped). */
#include <json-glib/json-glib.h>

#include "export-test-util.h"
#include "nn-export-private.h"

#define TOLERANCE 1e-5

/* Exports m, runs it in TF.js and returns the largest relative difference. */
static double
tfjs_round (NnModel *m, guint64 seed)
{
  g_autofree char *dir = g_dir_make_tmp ("export-tfjs-XXXXXX", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_init_weights (m, seed, &error));
  export_perturb_weights (m, seed);
  nn_export_tfjs (m, dir, &error);
  g_assert_no_error (error);
  g_autoptr (GString) files = g_string_new (NULL);
  g_autoptr (GPtrArray) ins = export_random_inputs (m, EXPORT_SAMPLES, seed, dir, files);
  g_autofree char *prefix = g_build_filename (dir, "out", NULL);
  g_autofree char *n = g_strdup_printf ("%d", EXPORT_SAMPLES);
  const char *args[] = { dir, n, files->str, prefix, NULL };
  export_run_node ("tfjs-predict.mjs", args);
  double d = export_compare_outputs (m, ins, prefix);
  test_remove_tree (dir);
  return d;
}

/* Every sample exports and runs, none refused (the GAN models' leaky_relu
 * as LeakyReLU layers). */
static void
test_samples (void)
{
  const char *dir = g_getenv ("DEEPSCOPE_SAMPLES");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  int exported = 0, leaky = 0;
  while ((name = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load (test_sample (name), &error);
      g_assert_no_error (error);
      for (int l = 0; l < nn_model_get_n_layers (m); l++)
        {
          g_autoptr (JsonNode) after = nn_keras_leaky_config (m, l);
          leaky += after != NULL;
        }
      double diff = tfjs_round (m, 7);
      g_test_message ("%s: largest relative difference %.3g", name, diff);
      g_assert_cmpfloat (diff, <=, TOLERANCE);
      exported++;
    }
  g_test_message ("%d samples exported, %d LeakyReLU layers", exported, leaky);
  g_assert_cmpint (exported, >=, 24);
  g_assert_cmpint (leaky, >=, 7);
}

/* A one-layer model: Input(shape) -> CLASS(config) [-> Flatten]. */
static NnModel *
one_layer (const char *shape, const char *cls, const char *config, gboolean flatten)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"one\", \"config\": {"
    "\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [%s]}, "
    "\"inbound_nodes\": []},"
    "{\"class_name\": \"%s\", \"name\": \"layer\", \"config\": %s, "
    "\"inbound_nodes\": [[[\"x\", 0, 0]]]}%s],"
    "\"input_layers\": [[\"x\", 0, 0]], \"output_layers\": [[\"%s\", 0, 0]]}}",
    shape, cls, config,
    flatten ? ",{\"class_name\": \"Flatten\", \"name\": \"flat\", \"config\": {}, "
              "\"inbound_nodes\": [[[\"layer\", 0, 0]]]}" : "",
    flatten ? "flat" : "layer");
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  return m;
}

typedef struct { const char *shape, *cls, *config; } OneLayer;

static const OneLayer layer_cases[] = {
  { "6", "Dense", "{\"units\": 4, \"activation\": \"tanh\"}" },
  { "6", "Dense", "{\"units\": 3, \"activation\": \"linear\", \"use_bias\": false}" },
  { "6", "Activation", "{\"activation\": \"softmax\"}" },
  { "6", "Activation", "{\"activation\": \"elu\"}" },
  { "6", "Activation", "{\"activation\": \"selu\"}" },
  { "6", "Activation", "{\"activation\": \"gelu\"}" },
  { "6", "Activation", "{\"activation\": \"swish\"}" },
  { "6", "Activation", "{\"activation\": \"silu\"}" },
  { "6", "Activation", "{\"activation\": \"softplus\"}" },
  { "6", "Activation", "{\"activation\": \"hard_sigmoid\"}" },
  { "6", "Activation", "{\"activation\": \"sigmoid\"}" },
  { "6", "Activation", "{\"activation\": \"leaky_relu\"}" },
  { "6", "Dense", "{\"units\": 4, \"activation\": \"leaky_relu\"}" },
  { "6, 3", "TimeDistributed", "{\"units\": 4, \"activation\": \"leaky_relu\"}" },
  { "10, 3", "Conv1D", "{\"filters\": 4, \"kernel_size\": 3, \"activation\": \"leaky_relu\"}" },
  { "6, 6, 3", "Conv2D", "{\"filters\": 4, \"activation\": \"leaky_relu\"}" },
  { "6", "Dropout", "{\"rate\": 0.3}" },
  { "6, 4", "Reshape", "{\"target_shape\": [3, -1]}" },
  { "7, 7, 3", "Conv2D", "{\"filters\": 4, \"kernel_size\": [3, 2], \"strides\": [2, 1], "
                         "\"padding\": \"same\", \"activation\": \"relu\"}" },
  { "8, 8, 2", "Conv2D", "{\"filters\": 3, \"dilation_rate\": [2, 2], \"activation\": \"linear\"}" },
  { "6, 6, 3", "DepthwiseConv2D", "{\"depth_multiplier\": 2, \"padding\": \"same\"}" },
  { "6, 6, 3", "SeparableConv2D", "{\"filters\": 5, \"depth_multiplier\": 2}" },
  { "5, 4, 3", "Conv2DTranspose", "{\"filters\": 3, \"strides\": [2, 2], \"padding\": \"same\", "
                                  "\"activation\": \"linear\"}" },
  { "5, 4, 3", "Conv2DTranspose", "{\"filters\": 2, \"kernel_size\": [3, 3], \"strides\": [2, 1], "
                                  "\"activation\": \"linear\"}" },
  { "7, 6, 2", "MaxPooling2D", "{\"pool_size\": [2, 2]}" },
  { "7, 6, 2", "MaxPooling2D", "{\"pool_size\": [3, 3], \"strides\": [2, 2], \"padding\": \"same\"}" },
  { "6, 6, 2", "AveragePooling2D", "{\"pool_size\": [2, 3]}" },
  { "6, 5, 3", "GlobalAveragePooling2D", "{}" },
  { "6, 5, 3", "GlobalMaxPooling2D", "{}" },
  { "3, 4, 2", "UpSampling2D", "{\"size\": [2, 3]}" },
  { "3, 4, 2", "ZeroPadding2D", "{\"padding\": [1, 2, 0, 1]}" },
  { "5, 5, 3", "BatchNormalization", "{\"epsilon\": 0.001}" },
  { "6", "BatchNormalization", "{\"epsilon\": 0.01}" },
  { "10, 3", "Conv1D", "{\"filters\": 4, \"kernel_size\": 3, \"dilation_rate\": 2}" },
  { "10, 3", "Conv1D", "{\"filters\": 2, \"kernel_size\": 2, \"strides\": 2, \"padding\": \"same\", "
                       "\"activation\": \"tanh\"}" },
  { "10, 3", "MaxPooling1D", "{\"pool_size\": 2}" },
  { "10, 3", "AveragePooling1D", "{\"pool_size\": 3, \"strides\": [2]}" },
  { "10, 3", "GlobalMaxPooling1D", "{}" },
  { "10, 3", "GlobalAveragePooling1D", "{}" },
  { "6, 3", "SimpleRNN", "{\"units\": 4}" },
  { "6, 3", "LSTM", "{\"units\": 4, \"return_sequences\": true}" },
  { "6, 3", "LSTM", "{\"units\": 3, \"go_backwards\": true, \"recurrent_activation\": \"hard_sigmoid\"}" },
  { "6, 3", "GRU", "{\"units\": 4, \"reset_after\": false}" },
  { "6, 3", "GRU", "{\"units\": 2, \"reset_after\": false, \"return_sequences\": true}" },
  { "6, 3", "Bidirectional", "{\"layer\": \"LSTM\", \"units\": 3}" },
  { "6, 3", "Bidirectional", "{\"layer\": \"GRU\", \"units\": 2, \"reset_after\": false, "
                             "\"merge_mode\": \"sum\", \"return_sequences\": true}" },
  { "6, 3", "Bidirectional", "{\"layer\": \"SimpleRNN\", \"units\": 2, \"merge_mode\": \"ave\"}" },
  { "4, 3", "TimeDistributed", "{\"units\": 5, \"activation\": \"sigmoid\"}" },
  { "5", "Embedding", "{\"input_dim\": 7, \"output_dim\": 3}" },
};

static void
test_layers (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (layer_cases); i++)
    {
      const OneLayer *c = &layer_cases[i];
      g_autoptr (NnModel) m = one_layer (c->shape, c->cls, c->config, FALSE);
      double diff = tfjs_round (m, 11 + i);
      g_test_message ("%s %s: largest relative difference %.3g", c->cls, c->config, diff);
      g_assert_cmpfloat (diff, <=, TOLERANCE);
    }
}

/* Two inputs, a layer called twice (shared weights), Add, Multiply and
 * Concatenate, two outputs. */
static void
test_topology (void)
{
  static const char json[] =
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"shared\", \"config\": {"
    "\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"a\", \"config\": {\"shape\": [5]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"Input\", \"name\": \"b\", \"config\": {\"shape\": [5]}, \"inbound_nodes\": []},"
    "{\"class_name\": \"Dense\", \"name\": \"tower\", \"config\": {\"units\": 4}, "
    " \"inbound_nodes\": [[[\"a\", 0, 0]], [[\"b\", 0, 0]]]},"
    "{\"class_name\": \"Add\", \"name\": \"sum\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"tower\", 0, 0], [\"tower\", 1, 0]]]},"
    "{\"class_name\": \"Multiply\", \"name\": \"prod\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"tower\", 0, 0], [\"tower\", 1, 0]]]},"
    "{\"class_name\": \"Concatenate\", \"name\": \"cat\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"sum\", 0, 0], [\"prod\", 0, 0]]]},"
    "{\"class_name\": \"Dense\", \"name\": \"head\", \"config\": {\"units\": 2, \"activation\": \"softmax\"}, "
    " \"inbound_nodes\": [[[\"cat\", 0, 0]]]}],"
    "\"input_layers\": [[\"a\", 0, 0], [\"b\", 0, 0]], "
    "\"output_layers\": [[\"head\", 0, 0], [\"sum\", 0, 0]]}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  double diff = tfjs_round (m, 3);
  g_test_message ("shared layer, merges, two outputs: %.3g", diff);
  g_assert_cmpfloat (diff, <=, TOLERANCE);
}

/* Recurrent states (return_state, initial_state): TF.js runs them as the
 * engine does. */
static void
test_states (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_state_models); i++)
    {
      g_autoptr (NnModel) m = export_state_model (i);
      double diff = tfjs_round (m, 31 + i);
      g_test_message ("%s: largest relative difference %.3g", nn_model_get_name (m), diff);
      g_assert_cmpfloat (diff, <=, TOLERANCE);
    }
}

/* Augmentation layers and SpatialDropout2D, identities at inference that
 * TF.js lacks, are left out: their consumers read their inputs, the
 * predictions equal the engine's, and model.json says what was left out. */
static void
test_left_out (void)
{
  static const char json[] =
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"aug\", \"config\": {"
    "\"layers\": ["
    "{\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [6, 6, 2]}, "
    " \"inbound_nodes\": []},"
    "{\"class_name\": \"RandomFlip\", \"name\": \"flip\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"x\", 0, 0]]]},"
    "{\"class_name\": \"RandomZoom\", \"name\": \"zoom\", \"config\": {\"height_factor\": 0.2}, "
    " \"inbound_nodes\": [[[\"flip\", 0, 0]]]},"
    "{\"class_name\": \"Conv2D\", \"name\": \"conv\", \"config\": {\"filters\": 3}, "
    " \"inbound_nodes\": [[[\"zoom\", 0, 0]]]},"
    "{\"class_name\": \"SpatialDropout2D\", \"name\": \"drop\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"conv\", 0, 0]]]},"
    "{\"class_name\": \"Flatten\", \"name\": \"flat\", \"config\": {}, "
    " \"inbound_nodes\": [[[\"drop\", 0, 0]]]}],"
    "\"input_layers\": [[\"x\", 0, 0]], "
    "\"output_layers\": [[\"flat\", 0, 0], [\"drop\", 0, 0]]}}";
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  double diff = tfjs_round (m, 5);
  g_test_message ("left out: largest relative difference %.3g", diff);
  g_assert_cmpfloat (diff, <=, TOLERANCE);
  g_autofree char *dir = g_dir_make_tmp ("export-tfjs-XXXXXX", NULL);
  g_assert_true (nn_export_tfjs (m, dir, &error));
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"class_name\" : \"Conv2D\""));
  g_assert_null (strstr (text, "\"class_name\" : \"RandomFlip\""));
  g_assert_null (strstr (text, "\"class_name\" : \"SpatialDropout2D\""));
  g_autofree char *note = nn_export_tfjs_note (m);
  g_assert_nonnull (strstr (note, "flip, zoom, drop"));
  g_assert_nonnull (strstr (text, "\"note\" : \"left out of the TensorFlow.js export: flip, "));
  test_remove_tree (dir);
}

/* What TF.js lacks is refused with the layer's name, and no file is made. */
static void
test_refusals (void)
{
  static const OneLayer cases[] = {
    { "6, 3", "GRU", "{\"units\": 4}" },
    { "6", "Activation", "{\"activation\": \"exponential\"}" },
    { "10, 3", "Conv1D", "{\"padding\": \"causal\"}" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (NnModel) m = one_layer (cases[i].shape, cases[i].cls, cases[i].config, FALSE);
      g_autofree char *tmp = g_dir_make_tmp ("export-refuse-XXXXXX", NULL);
      g_autofree char *dir = g_build_filename (tmp, "out", NULL);
      g_autoptr (GError) error = NULL;
      g_assert_false (nn_export_tfjs (m, dir, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER);
      g_test_message ("%s", error->message);
      g_assert_true (strstr (error->message, "“layer”") != NULL);
      g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
      test_remove_tree (tmp);
    }
}

/* A model TF.js built and saved itself (tests/js/tfjs-make.mjs: Conv2D,
 * MaxPooling2D, BatchNormalization, Dense, Dropout, two inputs, two
 * outputs, random weights) imports with TF.js's predictions. */
static void
import_made_by_tfjs (const char *kind, int inputs, int outputs)
{
  g_autofree char *dir = g_dir_make_tmp ("import-tfjs-XXXXXX", NULL);
  const char *make_args[] = { dir, kind, NULL };
  export_run_node ("tfjs-make.mjs", make_args);
  g_autofree char *json = g_build_filename (dir, "model.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_import_keras (json, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_get_n_inputs (m), ==, inputs);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, outputs);
  g_autoptr (GString) files = g_string_new (NULL);
  g_autoptr (GPtrArray) ins = export_random_inputs (m, EXPORT_SAMPLES, 21, dir, files);
  g_autofree char *prefix = g_build_filename (dir, "out", NULL);
  g_autofree char *n = g_strdup_printf ("%d", EXPORT_SAMPLES);
  const char *args[] = { dir, n, files->str, prefix, NULL };
  export_run_node ("tfjs-predict.mjs", args);
  double d = export_compare_outputs (m, ins, prefix);
  g_test_message ("made by TF.js (%s), imported: largest relative difference %.3g",
                  kind ? kind : "functional", d);
  g_assert_cmpfloat (d, <=, TOLERANCE);
  test_remove_tree (dir);
}

static void
test_import_made_by_tfjs (void)
{
  import_made_by_tfjs (NULL, 2, 2);
  import_made_by_tfjs ("sequential", 1, 1);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  const char *missing = export_tfjs_missing ();
  if (missing)
    {
      g_print ("skipped: %s\n", missing);
      return 77;
    }
  g_test_add_func ("/export/tfjs/refusals", test_refusals);
  g_test_add_func ("/export/tfjs/import-made-by-tfjs", test_import_made_by_tfjs);
  g_test_add_func ("/export/tfjs/topology", test_topology);
  g_test_add_func ("/export/tfjs/states", test_states);
  g_test_add_func ("/export/tfjs/left-out", test_left_out);
  g_test_add_func ("/export/tfjs/layers", test_layers);
  g_test_add_func ("/export/tfjs/samples", test_samples);
  return g_test_run ();
}
