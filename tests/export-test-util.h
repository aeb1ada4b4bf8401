/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the export and import tests share: whether TensorFlow.js runs here
 * (tests/js/node_modules and node), random weights and inputs, the engine's
 * predictions, running a script of tests/js and comparing outputs.
 * Header-only (static inline). */
#pragma once

#include <math.h>
#include <string.h>

#include "test-util.h"

#define EXPORT_SAMPLES 100

/* NULL when node and TensorFlow.js are there, else why not (static). */
static inline const char *
export_tfjs_missing (void)
{
  static char why[512];
  g_autofree char *tfjs = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "js", "node_modules",
                                            "@tensorflow", "tfjs", "package.json", NULL);
  g_autofree char *node = g_find_program_in_path ("node");
  if (node == NULL)
    return "node (Node.js) is not installed";
  if (!g_file_test (tfjs, G_FILE_TEST_EXISTS))
    {
      g_snprintf (why, sizeof why, "%s is missing: run npm ci in tests/js", tfjs);
      return why;
    }
  return NULL;
}

/* Adds noise to every weight (so biases, batch-norm statistics and every
 * entry of a layout matter); moving variances stay positive. */
static inline void
export_perturb_weights (NnModel *m, guint64 seed)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (NnTensor));
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      if (inner)
        export_perturb_weights (inner, seed + 1 + l);
      else
        nn_keras_layer_weights (m, l, names, views);
    }
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (guint i = 0; i < views->len; i++)
    {
      NnTensor *t = &g_array_index (views, NnTensor, i);
      gboolean var = g_str_has_suffix (g_ptr_array_index (names, i), "moving_variance");
      for (size_t k = 0; k < t->size; k++)
        {
          float u = (float) (nn_rng_next (&rng) >> 8) / (float) (1 << 24);
          t->data[k] = var ? 0.5f + u : t->data[k] + 0.2f * (u - 0.5f);
        }
    }
}

/* input_dim of the Embedding that reads input layer `in`, or 0. */
static inline int
export_embedding_range (NnModel *m, int in)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
      for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
        if (nn_model_call_get_input (m, l, c, s).layer == in
            && g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)),
                            "Embedding"))
          return nn_model_layer_get_param (m, l, "input_dim")->i;
  return 0;
}

/* n random samples for each input: U(-1, 1), or token ids for inputs an
 * Embedding reads. Each tensor is also written to DIR/inK.bin. */
static inline GPtrArray *
export_random_inputs (NnModel *m, int n, guint64 seed, const char *dir, GString *files)
{
  GPtrArray *ins = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_tensor_free);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (int i = 0; i < nn_model_get_n_inputs (m); i++)
    {
      int layer = nn_model_get_input_layer (m, i), shape[NN_MAX_DIMS + 1], nd;
      g_assert_true (nn_model_get_shape (m, (NnRef) { layer, 0 }, &nd, shape + 1));
      shape[0] = n;
      NnTensor *t = nn_tensor_new (nd + 1, shape);
      int range = export_embedding_range (m, layer);
      for (size_t k = 0; k < t->size; k++)
        {
          guint32 r = nn_rng_next (&rng);
          t->data[k] = range ? (float) (r % (guint32) range)
                             : 2.0f * (float) (r >> 8) / (float) (1 << 24) - 1.0f;
        }
      g_autofree char *path = g_strdup_printf ("%s/in%d.bin", dir, i);
      g_assert_true (g_file_set_contents (path, (const char *) t->data,
                                          t->size * sizeof (float), NULL));
      g_string_append_printf (files, "%s%s", i ? "," : "", path);
      g_ptr_array_add (ins, t);
    }
  return ins;
}

/* Runs `node tests/js/SCRIPT args...`; fails the test when it fails. */
static inline void
export_run_node (const char *script, const char *const *args)
{
  g_autofree char *path = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "js", script, NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (gpointer) "node");
  g_ptr_array_add (argv, path);
  for (int i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL,
                               NULL, &out, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("node %s failed:\n%s\n%s", script, out, err);
}

/* The largest |a - b| over the largest |a|: how far b is from a, relative
 * to a's scale. */
static inline double
export_rel_diff (const float *a, const float *b, size_t n)
{
  double dmax = 0, amax = 1e-30;
  for (size_t i = 0; i < n; i++)
    {
      dmax = fmax (dmax, fabs ((double) a[i] - b[i]));
      amax = fmax (amax, fabs ((double) a[i]));
    }
  return dmax / amax;
}

/* Compares output k of the engine (on `ins`) with PREFIXk.bin; returns the
 * largest relative difference over the outputs. */
static inline double
export_compare_outputs (NnModel *m, GPtrArray *ins, const char *prefix)
{
  double worst = 0;
  for (int k = 0; k < nn_model_get_n_outputs (m); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnTensor) y = nn_model_run (m, (NnTensor *const *) ins->pdata, ins->len,
                                             nn_model_get_output (m, k), &error);
      g_assert_no_error (error);
      g_autofree char *path = g_strdup_printf ("%s%d.bin", prefix, k);
      g_autofree char *data = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      g_assert_cmpuint (len, ==, y->size * sizeof (float));
      worst = fmax (worst, export_rel_diff (y->data, (const float *) data, y->size));
    }
  return worst;
}

/* Models that pass recurrent states (Keras's return_state and
 * initial_state): an encoder LSTM whose final h and c start a decoder LSTM
 * (its c also an output of the model); a GRU whose state feeds a Dense; a
 * Bidirectional LSTM's four states starting a Bidirectional decoder. GRUs
 * have reset_after false, which TF.js runs. */
static const char *const export_state_models[] = {
  "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"seq2seq\", \"config\": {"
  "\"layers\": ["
  "{\"class_name\": \"Input\", \"name\": \"enc_in\", \"config\": {\"shape\": [5, 3]}, "
  " \"inbound_nodes\": []},"
  "{\"class_name\": \"Input\", \"name\": \"dec_in\", \"config\": {\"shape\": [4, 2]}, "
  " \"inbound_nodes\": []},"
  "{\"class_name\": \"LSTM\", \"name\": \"encoder\", \"config\": {\"units\": 4, "
  " \"return_state\": true}, \"inbound_nodes\": [[[\"enc_in\", 0, 0]]]},"
  "{\"class_name\": \"LSTM\", \"name\": \"decoder\", \"config\": {\"units\": 4, "
  " \"return_sequences\": true}, "
  " \"inbound_nodes\": [[[\"dec_in\", 0, 0], [\"encoder\", 0, 1], [\"encoder\", 0, 2]]]},"
  "{\"class_name\": \"Flatten\", \"name\": \"flat\", \"config\": {}, "
  " \"inbound_nodes\": [[[\"decoder\", 0, 0]]]},"
  "{\"class_name\": \"Dense\", \"name\": \"out\", \"config\": {\"units\": 3, "
  " \"activation\": \"softmax\"}, \"inbound_nodes\": [[[\"flat\", 0, 0]]]}],"
  "\"input_layers\": [[\"enc_in\", 0, 0], [\"dec_in\", 0, 0]], "
  "\"output_layers\": [[\"out\", 0, 0], [\"encoder\", 0, 2]]}}",
  "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"gru_state\", \"config\": {"
  "\"layers\": ["
  "{\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [6, 3]}, "
  " \"inbound_nodes\": []},"
  "{\"class_name\": \"GRU\", \"name\": \"gru\", \"config\": {\"units\": 5, "
  " \"return_state\": true, \"return_sequences\": true, \"reset_after\": false}, "
  " \"inbound_nodes\": [[[\"x\", 0, 0]]]},"
  "{\"class_name\": \"Dense\", \"name\": \"head\", \"config\": {\"units\": 2}, "
  " \"inbound_nodes\": [[[\"gru\", 0, 1]]]}],"
  "\"input_layers\": [[\"x\", 0, 0]], \"output_layers\": [[\"head\", 0, 0]]}}",
  "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"bi_states\", \"config\": {"
  "\"layers\": ["
  "{\"class_name\": \"Input\", \"name\": \"enc_in\", \"config\": {\"shape\": [4, 2]}, "
  " \"inbound_nodes\": []},"
  "{\"class_name\": \"Input\", \"name\": \"dec_in\", \"config\": {\"shape\": [3, 2]}, "
  " \"inbound_nodes\": []},"
  "{\"class_name\": \"Bidirectional\", \"name\": \"enc\", \"config\": {\"units\": 3, "
  " \"return_state\": true}, \"inbound_nodes\": [[[\"enc_in\", 0, 0]]]},"
  "{\"class_name\": \"Bidirectional\", \"name\": \"dec\", \"config\": {\"units\": 3, "
  " \"merge_mode\": \"sum\"}, \"inbound_nodes\": [[[\"dec_in\", 0, 0], [\"enc\", 0, 1], "
  " [\"enc\", 0, 2], [\"enc\", 0, 3], [\"enc\", 0, 4]]]}],"
  "\"input_layers\": [[\"enc_in\", 0, 0], [\"dec_in\", 0, 0]], "
  "\"output_layers\": [[\"dec\", 0, 0], [\"enc\", 0, 3]]}}",
};

static inline NnModel *
export_state_model (guint i)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load_from_data (export_state_models[i], -1, &error);
  g_assert_no_error (error);
  return m;
}
