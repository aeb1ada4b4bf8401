/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keras script export, checked with Debian's /usr/bin/python3 and numpy
 * (tests/export-keras-check.py; TensorFlow is not installed): model.py
 * compiles, weights.npz holds every weight bit for bit, and the layer
 * configs the script writes equal the mapping's (the TF.js export's). */
#include <json-glib/json-glib.h>

#include "export-test-util.h"
#include "nn-export-private.h"

#define PYTHON "/usr/bin/python3"

/* Every weight of m with its name, outer layers before inner models'. */
static void
all_weights (NnModel *m, GPtrArray *names, GArray *views)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (!nn_model_layer_get_submodel (m, l))
      nn_keras_layer_weights (m, l, names, views);
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (nn_model_layer_get_submodel (m, l))
      all_weights (nn_model_layer_get_submodel (m, l), names, views);
}

/* The script leaves dtype out (float32, Keras's default): so does the
 * comparison, at every depth. */
static void
strip_dtype (JsonNode *n)
{
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return;
  JsonObject *o = json_node_get_object (n);
  if (json_object_has_member (o, "dtype"))
    json_object_remove_member (o, "dtype");
  g_autoptr (GList) members = json_object_get_values (o);
  for (GList *v = members; v; v = v->next)
    strip_dtype (v->data);
}

/* The script's config `got` of layer `name` equals the mapping's `want`. */
static int
compare_config (const char *name, JsonNode *want, JsonNode *got)
{
  strip_dtype (want);
  if (!json_node_equal (want, got))
    g_error ("layer %s: the script writes %s, the mapping %s", name,
             json_to_string (got, FALSE), json_to_string (want, FALSE));
  return 1;
}

/* Compares the script's config of every layer of m it names with the
 * mapping's; returns how many were compared. Outer layers come first: an
 * inner layer whose name an outer one has was renamed in the export, and
 * is left out here (its weights are still checked). */
static int
compare_configs (NnModel *m, JsonObject *script, GHashTable *seen)
{
  int n = 0;
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const char *name = nn_model_layer_get_name (m, l);
      if (nn_model_layer_get_submodel (m, l) || !g_hash_table_add (seen, (gpointer) name))
        continue;
      JsonNode *got = json_object_get_member (script, name);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) want = nn_keras_layer_config (m, l, &error);
      g_assert_no_error (error);
      JsonObject *wo = json_node_get_object (want);
      if (g_str_equal (json_object_get_string_member (wo, "class_name"), "InputLayer"))
        continue;   /* keras.Input(shape=...) */
      g_assert_nonnull (got);
      n += compare_config (name, want, got);
      /* leaky_relu: the LeakyReLU layer after it */
      g_autoptr (JsonNode) leaky = nn_keras_leaky_config (m, l);
      if (leaky)
        {
          JsonObject *lc = json_object_get_object_member (json_node_get_object (leaky), "config");
          const char *lname = json_object_get_string_member (lc, "name");
          g_assert_true (json_object_has_member (script, lname));
          n += compare_config (lname, leaky, json_object_get_member (script, lname));
        }
    }
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (nn_model_layer_get_submodel (m, l))
      n += compare_configs (nn_model_layer_get_submodel (m, l), script, seen);
  return n;
}

static void
check_model (NnModel *m, const char *sample)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_init_weights (m, 4, &error));
  export_perturb_weights (m, 4);
  g_autofree char *dir = g_dir_make_tmp ("export-keras-XXXXXX", NULL);
  g_assert_true (nn_export_keras (m, dir, &error));
  g_autofree char *script = g_build_filename (g_getenv ("G_TEST_SRCDIR"), "export-keras-check.py",
                                              NULL);
  const char *argv[] = { PYTHON, script, dir, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status,
                               &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("export-keras-check.py failed on %s:\n%s", sample, err);
  /* configs */
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, &error));
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  int compared = compare_configs (m, json_node_get_object (json_parser_get_root (p)), seen);
  /* weights */
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (NnTensor));
  all_weights (m, names, views);
  int found = 0;
  g_autoptr (GHashTable) done = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < names->len; i++)
    {
      if (!g_hash_table_add (done, g_ptr_array_index (names, i)))
        continue;   /* an inner layer renamed in the export */
      g_auto (GStrv) parts = g_strsplit (g_ptr_array_index (names, i), "/", -1);
      g_autofree char *base = g_strjoinv ("__", parts);
      g_autofree char *path = g_strdup_printf ("%s/check/%s.bin", dir, base);
      g_autofree char *data = NULL;
      gsize len;
      if (!g_file_get_contents (path, &data, &len, NULL))
        continue;   /* renamed inside a nested model */
      NnTensor *v = &g_array_index (views, NnTensor, i);
      g_assert_cmpuint (len, ==, v->size * sizeof (float));
      g_assert_cmpmem (data, len, v->data, v->size * sizeof (float));
      found++;
    }
  g_autofree char *check = g_build_filename (dir, "check", NULL);
  g_autoptr (GDir) d = g_dir_open (check, 0, NULL);
  int files = 0;
  for (const char *n; (n = g_dir_read_name (d));)
    files += g_str_has_suffix (n, ".bin");
  g_test_message ("%s: %d layer configs equal, %d of %d arrays compared bit for bit, %d in "
                  "weights.npz", sample, compared, found, names->len, files);
  g_assert_cmpint (files, ==, names->len);
  g_assert_cmpint (compared, >, 0);
  g_assert_cmpint (found, >=, (int) names->len - 2);
  test_remove_tree (dir);
}

static void
check_sample (const char *sample)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample (sample), &error);
  g_assert_no_error (error);
  check_model (m, sample);
}

/* Recurrent states: return_state unpacked, initial_state=[...]. */
static void
test_states (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_state_models); i++)
    {
      g_autoptr (NnModel) m = export_state_model (i);
      check_model (m, nn_model_get_name (m));
    }
}

static void
test_samples (void)
{
  static const char *const samples[] = {
    "fashion_convnet_bn.json", "fashion_vae_conv.json", "seattle_gru_bidirectional.json",
    "two_inputs_two_outputs.json", "fortunes_conv1d.json", "fashion_small_augmented.json",
    "transfer_head.json", "fashion_dcgan_discriminator.json", "gan_ring_discriminator.json",
  };
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    check_sample (samples[i]);
}

/* A text model's export: load_dataset () reads the vocabulary
 * (load_vocabulary ()) and encodes raw texts with encode_texts (), whose
 * ids, run by python3 on the script's own functions, equal the engine's. */
static const char *const vocab_texts[] = {
  "Don't panic: the answer is 42!", "The answer, the question; and THE towel.",
  "An unknown-word xyzzy (never counted) snake_case", "",
};

static void
check_text_export (gboolean pre)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (test_sample ("fortunes_lstm.json"), &error);
  g_assert_no_error (error);
  NnTextOptions opt;
  nn_text_options_init (&opt);
  opt.length = 6;
  opt.pad = opt.trunc = pre ? NN_TEXT_PRE : NN_TEXT_POST;
  g_autoptr (NnVocabCounter) c = nn_vocab_counter_new ();
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr (GPtrArray) t = nn_text_tokenize (&opt, vocab_texts[i], -1, "t", &error);
      g_assert_no_error (error);
      nn_vocab_counter_add (c, t);
    }
  g_autoptr (NnVocab) v = nn_vocab_counter_build (c, &opt, 0);
  nn_model_set_vocab (m, v);
  g_autofree char *dir = g_dir_make_tmp ("export-keras-vocab-XXXXXX", NULL);
  g_assert_true (nn_export_keras (m, dir, &error));
  g_assert_no_error (error);
  g_autofree char *py = g_build_filename (dir, "model.py", NULL);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (py, &text, NULL, NULL));
  const char *fn = strstr (text, "def load_dataset():");
  g_assert_nonnull (fn);
  g_assert_nonnull (strstr (fn, "vocab = load_vocabulary()"));
  g_assert_nonnull (strstr (fn, "encode_texts(x_train, vocab)"));

  /* The script's two functions, run on the texts (TensorFlow aside). */
  static const char prog[] =
    "import ast, json, os, py_compile, sys\n"
    "import numpy as np\n"
    "d = sys.argv[1]\n"
    "py_compile.compile(os.path.join(d, 'model.py'), doraise=True)\n"
    "tree = ast.parse(open(os.path.join(d, 'model.py')).read())\n"
    "keep = [n for n in tree.body if isinstance(n, ast.FunctionDef)\n"
    "        and n.name in ('load_vocabulary', 'encode_texts')]\n"
    "env = {'np': np}\n"
    "exec(compile(ast.Module(body=keep, type_ignores=[]), 'model.py', 'exec'), env)\n"
    "os.chdir(d)\n"
    "texts = np.array(json.loads(sys.argv[2]))\n"
    "print(json.dumps(env['encode_texts'](texts, env['load_vocabulary']()).tolist()))\n";
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < G_N_ELEMENTS (vocab_texts); i++)
    json_builder_add_string_value (b, vocab_texts[i]);
  json_builder_end_array (b);
  g_autoptr (JsonNode) arr = json_builder_get_root (b);
  g_autofree char *texts = json_to_string (arr, FALSE);
  const char *argv[] = { PYTHON, "-c", prog, dir, texts, NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status,
                               &error));
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("encode_texts failed:\n%s", err);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, &error));
  JsonArray *rows = json_node_get_array (json_parser_get_root (p));
  g_assert_cmpuint (json_array_get_length (rows), ==, G_N_ELEMENTS (vocab_texts));
  g_assert_cmpint (nn_vocab_output_size (v), ==, 6);
  for (guint i = 0; i < G_N_ELEMENTS (vocab_texts); i++)
    {
      float want[6];
      JsonArray *row = json_array_get_array_element (rows, i);
      g_assert_true (nn_vocab_vectorize (v, vocab_texts[i], -1, "t", want, NULL, &error));
      g_assert_cmpuint (json_array_get_length (row), ==, 6);
      for (guint k = 0; k < 6; k++)
        g_assert_cmpint (json_array_get_int_element (row, k), ==, (gint64) want[k]);
    }
  g_test_message ("encode_texts (pad %s): %s", pre ? "pre" : "post", out);
  test_remove_tree (dir);
}

static void
test_vocabulary (void)
{
  check_text_export (FALSE);
  check_text_export (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  if (!g_file_test (PYTHON, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_print ("skipped: %s is not installed\n", PYTHON);
      return 77;
    }
  g_test_add_func ("/export/keras/samples", test_samples);
  g_test_add_func ("/export/keras/states", test_states);
  g_test_add_func ("/export/keras/vocabulary", test_vocabulary);
  return g_test_run ();
}
