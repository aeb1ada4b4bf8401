/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli export and import end to end: usage errors exit 2 naming
 * the option; tfjs, keras and onnx write their files (tfjs notes the
 * augmentation layers it leaves out);
 * an exported model imports back with the same weights; a refused layer
 * and a bad file exit 1 saying why. */
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "cli-test-util.h"

static void
expect (const char *const *args, int rc, const char *in_stderr)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run (args, &out, &err), ==, rc);
  if (in_stderr && strstr (err, in_stderr) == NULL)
    g_error ("“%s” not in: %s", in_stderr, err);
}

static void
test_usage (void)
{
  const char *model = test_sample ("spirals_mlp.json");
  expect ((const char *[]) { "export", model, "--out", "/tmp/x", NULL }, 2,
          "export needs --format keras, tfjs or onnx");
  expect ((const char *[]) { "export", model, "--format", "caffe", "--out", "/tmp/x", NULL }, 2,
          "not “caffe”");
  expect ((const char *[]) { "export", model, "--format", "tfjs", NULL }, 2, "--out DIR");
  expect ((const char *[]) { "import", model, NULL }, 2, "import needs --out MODEL.json");
  expect ((const char *[]) { "export", model, "--format", "tfjs", "--out", "/tmp/x",
                             "--weights", "w.json", NULL }, 2, "--weights is not an option");
}

static void
test_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cli-export-XXXXXX", NULL);
  g_autofree char *tfjs = g_build_filename (dir, "tfjs", NULL);
  g_autofree char *keras = g_build_filename (dir, "keras", NULL);
  g_autofree char *json = g_build_filename (tfjs, "model.json", NULL);
  g_autofree char *back = g_build_filename (dir, "back.json", NULL);
  const char *model = test_sample ("two_inputs_two_outputs.json");
  expect ((const char *[]) { "export", model, "--format", "tfjs", "--out", tfjs, NULL }, 0, NULL);
  expect ((const char *[]) { "export", model, "--format", "keras", "--out", keras, NULL }, 0,
          NULL);
  g_autofree char *py = g_build_filename (keras, "model.py", NULL);
  g_autofree char *npz = g_build_filename (keras, "weights.npz", NULL);
  g_assert_true (g_file_test (py, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (npz, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *onnx = g_build_filename (dir, "onnx", NULL);
    g_autofree char *file = g_build_filename (onnx, "model.onnx", NULL);

    expect ((const char *[]) { "export", model, "--format", "onnx", "--out", onnx, NULL }, 0, NULL);
    g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  }
  expect ((const char *[]) { "import", json, "--out", back, "-q", NULL }, 0, NULL);
  /* the weights the export wrote (seed 1) came back */
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) a = nn_model_load (model, &error);
  g_assert_true (nn_model_infer (a, &error) && nn_model_init_weights (a, 1, &error));
  g_autoptr (NnModel) b = nn_model_load (back, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_has_weights (b));
  g_assert_cmpint (nn_model_get_n_layers (a), ==, nn_model_get_n_layers (b));
  for (int l = 0; l < nn_model_get_n_layers (a); l++)
    for (int k = 0; k < nn_model_layer_get_n_weights (a, l); k++)
      {
        NnTensor va, vb;
        nn_model_layer_get_weight (a, l, k, &va);
        nn_model_layer_get_weight (b, nn_model_find_layer (b, nn_model_layer_get_name (a, l)),
                                   k, &vb);
        g_assert_cmpmem (va.data, va.size * 4, vb.data, vb.size * 4);
      }
  /* augmentation left out of TF.js, with a note */
  g_autofree char *aug = g_build_filename (dir, "aug", NULL);
  const char *aug_args[] = { "export", test_sample ("fashion_small_augmented.json"), "--format",
                             "tfjs", "--out", aug, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (run (aug_args, &out, &err), ==, 0);
  g_assert_nonnull (strstr (out, "note: left out of the TensorFlow.js export: "));
  /* refused: a layer TF.js lacks (GRU with reset_after, Keras's default); a
   * file that is no model */
  static const char gru[] =
    "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"g\", \"config\": {"
    "\"layers\": [{\"class_name\": \"Input\", \"name\": \"x\", \"config\": {\"shape\": [4, 2]}, "
    "\"inbound_nodes\": []}, {\"class_name\": \"GRU\", \"name\": \"gru\", \"config\": {}, "
    "\"inbound_nodes\": [[[\"x\", 0, 0]]]}], \"input_layers\": [[\"x\", 0, 0]], "
    "\"output_layers\": [[\"gru\", 0, 0]]}}";
  g_autofree char *gru_path = g_build_filename (dir, "gru.json", NULL);
  g_assert_true (g_file_set_contents (gru_path, gru, -1, NULL));
  expect ((const char *[]) { "export", gru_path, "--format", "tfjs", "--out", tfjs, NULL }, 1,
          "reset_after");
  expect ((const char *[]) { "import", model, "--out", back, NULL }, 1,
          "only TF.js Layers models");
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/cli/export/usage", test_usage);
  g_test_add_func ("/cli/export/round-trip", test_round_trip);
  return g_test_run ();
}
