/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ONNX export checked by two programs that are not ours: the ONNX checker
 * (tests/onnx_check.py, Debian's python3-onnx, full check) and ONNX Runtime
 * Web under Node.js (tests/js/onnx-predict.mjs), whose predictions on 100
 * random inputs must equal the engine's to 1e-5 of the output's largest
 * magnitude. Every sample model and small models per layer type; then the
 * refusals (a layer with no mapping, no outputs, an unwritable folder),
 * which write nothing. Each external program that is missing (exit 77)
 * skips its part with a message. */
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "export-test-util.h"
#include "nn-layer-private.h"

#define N_SAMPLES 100
#define TOLERANCE 1e-5

/* Runs argv; returns its exit status (-1 when it could not start), output
 * in *out (may be NULL: the output is then dropped, never let through to
 * this program's TAP stream). */
static int
run (const char *const *argv, char **out)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  g_autofree char *dropped = NULL;
  int status = -1;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     out ? out : &dropped, &err, &status, &error))
    {
      g_test_message ("%s cannot start: %s", argv[0], error->message);
      return -1;
    }
  if (err && *err)
    g_test_message ("%s: %s", argv[0], err);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}

static char *
src_path (const char *rel)
{
  return g_build_filename (g_getenv ("G_TEST_SRCDIR"), rel, NULL);
}

/* The ONNX checker's verdict; FALSE when it is not installed. */
static gboolean
onnx_check (const char *onnx_path)
{
  g_autofree char *script = src_path ("onnx_check.py");
  g_autofree char *out = NULL;
  const char *argv[] = { "/usr/bin/python3", script, onnx_path, NULL };
  int status = run (argv, &out);
  if (status == 77 || status == -1)
    return FALSE;
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (out, "ir_version 7 opset 13"));
  return TRUE;
}

/* The ids an input that feeds an Embedding may take (0 if it feeds none),
 * and whether that Embedding masks the padding (id 0). */
static int
embedding_ids (NnModel *m, int input_layer, gboolean *masked)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      if (!g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)), "Embedding"))
        continue;
      for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
        if (nn_model_call_get_input (m, l, c, 0).layer == input_layer)
          {
            *masked = nn_model_layer_get_param (m, l, "mask_zero")->i;
            return nn_model_layer_get_param (m, l, "input_dim")->i;
          }
    }
  return 0;
}

/* One sample of ids: with a mask, 1 to all steps real, then 0s (padding
 * at the end, as the engine's text datasets have it). */
static void
random_ids (float *x, size_t steps, int ids, gboolean masked, NnRng *rng)
{
  size_t real = masked ? 1 + nn_rng_below (rng, (guint32) steps) : steps;
  for (size_t t = 0; t < steps; t++)
    x[t] = t >= real ? 0.0f
                     : (float) (masked ? 1 + nn_rng_below (rng, (guint32) ids - 1)
                                       : nn_rng_below (rng, (guint32) ids));
}

/* 100 random samples per model input: uniform in [-1, 1), or ids. */
static GPtrArray *
random_inputs (NnModel *m, NnRng *rng)
{
  GPtrArray *inputs = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_tensor_free);
  for (int i = 0; i < nn_model_get_n_inputs (m); i++)
    {
      int li = nn_model_get_input_layer (m, i), shape[NN_MAX_DIMS + 1], ndim;
      g_assert_true (nn_model_get_shape (m, (NnRef) { li, 0 }, &ndim, shape + 1));
      shape[0] = N_SAMPLES;
      NnTensor *t = nn_tensor_new (ndim + 1, shape);
      gboolean masked = FALSE;
      int ids = embedding_ids (m, li, &masked);
      size_t per = t->size / N_SAMPLES;
      for (size_t b = 0; ids && b < N_SAMPLES; b++)
        random_ids (t->data + b * per, per, ids, masked, rng);
      for (size_t k = 0; !ids && k < t->size; k++)
        t->data[k] = 2.0f * nn_rng_uniform (rng) - 1.0f;
      g_ptr_array_add (inputs, t);
    }
  return inputs;
}

static void
write_floats (const char *path, const NnTensor *t)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, (const char *) t->data,
                                      (gssize) (t->size * sizeof (float)), &error));
}

/* "name=dir/in0.bin:100,28,28,1" for onnx-predict.mjs. */
static char *
input_spec (NnModel *m, int i, const char *dir, const NnTensor *t)
{
  g_autofree char *file = g_strdup_printf ("%s/in%d.bin", dir, i);
  write_floats (file, t);
  GString *s = g_string_new (NULL);
  g_string_printf (s, "%s=%s:", nn_model_layer_get_name (m, nn_model_get_input_layer (m, i)),
                   file);
  for (int d = 0; d < t->ndim; d++)
    g_string_append_printf (s, d ? ",%d" : "%d", t->shape[d]);
  return g_string_free (s, FALSE);
}

/* ONNX Runtime's output k against the engine's: the largest difference
 * over the largest magnitude. */
static double
compare_output (const char *dir, int k, const NnTensor *want)
{
  g_autofree char *file = g_strdup_printf ("%s/output%d.bin", dir, k);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (file, &data, &len, NULL));
  g_assert_cmpuint (len, ==, want->size * sizeof (float));
  const float *got = (const float *) data;
  double diff = 0, scale = 0;
  for (size_t j = 0; j < want->size; j++)
    {
      g_assert_true (isfinite (got[j]));
      diff = MAX (diff, fabs ((double) got[j] - want->data[j]));
      scale = MAX (scale, fabs ((double) want->data[j]));
    }
  return diff / MAX (scale, 1e-6);
}

/* ONNX Runtime's predictions against the engine's; FALSE when ONNX Runtime
 * or Node.js is missing. */
static gboolean
onnx_predict (NnModel *m, const char *dir, const char *label)
{
  NnRng rng;
  nn_rng_seed (&rng, 17);
  g_autoptr (GPtrArray) inputs = random_inputs (m, &rng);
  g_autofree char *script = src_path ("js/onnx-predict.mjs");
  g_autofree char *model = g_build_filename (dir, "model.onnx", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (argv, g_strdup ("node"));
  g_ptr_array_add (argv, g_strdup (script));
  g_ptr_array_add (argv, g_strdup (model));
  g_ptr_array_add (argv, g_strdup (dir));
  for (guint i = 0; i < inputs->len; i++)
    g_ptr_array_add (argv, input_spec (m, (int) i, dir, inputs->pdata[i]));
  g_ptr_array_add (argv, NULL);
  int status = run ((const char *const *) argv->pdata, NULL);
  if (status == 77 || status == -1)
    return FALSE;
  g_assert_cmpint (status, ==, 0);
  for (int k = 0; k < nn_model_get_n_outputs (m); k++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnTensor) want = nn_model_run (m, (NnTensor *const *) inputs->pdata,
                                                (int) inputs->len, nn_model_get_output (m, k),
                                                &error);
      g_assert_no_error (error);
      double rel = compare_output (dir, k, want);
      g_test_message ("%s output %d: largest difference %.2g of the largest value", label, k,
                      rel);
      g_assert_cmpfloat (rel, <=, TOLERANCE);
    }
  return TRUE;
}

/* Exports m, checks the file and compares predictions. */
static void
check_export (NnModel *m, const char *label)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("deepscope-onnx-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_build_filename (tmp, "out", NULL);
  g_assert_true (nn_export_onnx (m, dir, &error));
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "model.onnx", NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  gboolean checked = onnx_check (path);
  gboolean ran = onnx_predict (m, dir, label);
  test_remove_tree (tmp);
  if (!checked || !ran)
    g_test_skip (!checked ? "the ONNX checker (python3-onnx) is not installed"
                          : "ONNX Runtime Web (tests/js/node_modules) or Node.js is missing");
}

/* Weights away from their initial values (biases and batch norm statistics
 * too), so that a mixed-up gate or channel shows. */
static void
randomize_weights (NnModel *m, guint64 seed)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  g_assert_true (nn_model_init_weights (m, seed, NULL));
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *sub = nn_model_layer_get_submodel (m, l);
      if (sub)
        {
          randomize_weights (sub, seed + 1);
          continue;
        }
      for (int w = 0; w < nn_model_layer_get_n_weights (m, l); w++)
        {
          NnTensor view;
          const char *name = nn_model_layer_get_weight (m, l, w, &view);
          gboolean positive = g_str_equal (name, "moving_variance");
          for (size_t k = 0; k < view.size; k++)
            view.data[k] = positive ? 0.5f + nn_rng_uniform (&rng)
                                    : nn_rng_uniform (&rng) - 0.5f;
        }
    }
}

/* ---- every sample --------------------------------------------------------- */

static void
test_samples (void)
{
  g_autoptr (GDir) d = g_dir_open (g_getenv ("DEEPSCOPE_SAMPLES"), 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  int n = 0;
  while ((name = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (name, ".json"))
        continue;
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = nn_model_load (test_sample (name), &error);
      g_assert_no_error (error);
      g_assert_true (nn_model_infer (m, &error));
      /* the model's own initializers: weights of a trained model's scale
       * (uniform +-0.5 everywhere would saturate the big layers) */
      if (!nn_model_has_weights (m))
        g_assert_true (nn_model_init_weights (m, 5, NULL));
      g_test_message ("sample %s", name);
      check_export (m, name);
      n++;
    }
  g_assert_cmpint (n, >=, 20);
}

/* ---- small models per layer type ------------------------------------------ */

static int
add (NnModel *m, const char *cls, const char *const *params, int src)
{
  int l = test_add (m, cls, NULL);
  for (int k = 0; params && params[k]; k += 2)
    test_set (m, l, params[k], params[k + 1]);
  if (src >= 0)
    test_connect (m, src, l);
  return l;
}

static int
input (NnModel *m, const char *shape)
{
  const char *p[] = { "shape", shape, NULL };
  return add (m, "Input", p, -1);
}

static void
output (NnModel *m, int l)
{
  nn_model_add_output (m, (NnRef) { l, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
}

static void
finish (NnModel *m, const char *label)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  randomize_weights (m, 11);
  check_export (m, label);
}

static void
test_dense_activations (void)
{
  g_autoptr (NnModel) m = nn_model_new ("activations");
  int x = input (m, "6");
  const char *lin[] = { "units", "12", "activation", "linear", NULL };
  int h = add (m, "Dense", lin, x);
  int cat = test_add (m, "Concatenate", NULL);
  for (int k = 0; nn_activation_names[k]; k++)
    {
      const char *p[] = { "activation", nn_activation_names[k], NULL };
      test_connect (m, add (m, "Activation", p, h), cat);
    }
  const char *no_bias[] = { "units", "3", "use_bias", "false", "activation", "softmax", NULL };
  output (m, add (m, "Dense", no_bias, cat));
  finish (m, "activations");
}

static void
test_conv (void)
{
  g_autoptr (NnModel) m = nn_model_new ("conv");
  int x = input (m, "9, 9, 2");
  const char *c1[] = { "filters", "4", "strides", "2", "padding", "same", NULL };
  int c = add (m, "Conv2D", c1, x);
  int bn = add (m, "BatchNormalization", NULL, c);
  const char *mp[] = { "pool_size", "2", "padding", "same", NULL };
  int p = add (m, "MaxPooling2D", mp, bn);
  const char *zp[] = { "padding", "1, 2, 0, 1", NULL };
  int z = add (m, "ZeroPadding2D", zp, p);
  const char *ap[] = { "pool_size", "2, 3", "strides", "1", "padding", "same", NULL };
  int a = add (m, "AveragePooling2D", ap, z);
  const char *dil[] = { "filters", "3", "kernel_size", "2", "dilation_rate", "2",
                        "activation", "tanh", NULL };
  int c2 = add (m, "Conv2D", dil, a);
  int f = add (m, "Flatten", NULL, c2);
  const char *d[] = { "units", "5", "activation", "softmax", NULL };
  output (m, add (m, "Dense", d, f));
  finish (m, "conv");
}

static void
test_conv_more (void)
{
  g_autoptr (NnModel) m = nn_model_new ("conv_more");
  int x = input (m, "6, 7, 3");
  const char *t[] = { "filters", "4", "kernel_size", "3", "strides", "2", NULL };
  int ct = add (m, "Conv2DTranspose", t, x);
  const char *ts[] = { "filters", "2", "kernel_size", "3", "strides", "2", "padding", "same",
                       "activation", "sigmoid", NULL };
  int ct2 = add (m, "Conv2DTranspose", ts, ct);
  const char *up[] = { "size", "2, 3", NULL };
  int u = add (m, "UpSampling2D", up, x);
  const char *dw[] = { "depth_multiplier", "2", "padding", "same", "activation", "relu", NULL };
  int d = add (m, "DepthwiseConv2D", dw, u);
  const char *sp[] = { "filters", "5", "depth_multiplier", "2", "strides", "2", NULL };
  int s = add (m, "SeparableConv2D", sp, d);
  int g1 = add (m, "GlobalAveragePooling2D", NULL, s);
  int g2 = add (m, "GlobalMaxPooling2D", NULL, ct2);
  int drop = add (m, "SpatialDropout2D", NULL, s);
  int g3 = add (m, "GlobalMaxPooling2D", NULL, drop);
  int cat = add (m, "Concatenate", NULL, g1);
  test_connect (m, g2, cat);
  test_connect (m, g3, cat);
  output (m, cat);
  output (m, ct2);
  finish (m, "conv_more");
}

static void
test_merges_two_inputs (void)
{
  g_autoptr (NnModel) m = nn_model_new ("merges");
  int a = input (m, "4, 5");
  int b = input (m, "4, 5");
  int sum = add (m, "Add", NULL, a);
  test_connect (m, b, sum);
  int prod = add (m, "Multiply", NULL, a);
  test_connect (m, b, prod);
  test_connect (m, sum, prod);
  const char *rs[] = { "target_shape", "5, -1", NULL };
  int r = add (m, "Reshape", rs, prod);
  const char *td[] = { "units", "3", NULL };
  int t = add (m, "TimeDistributed", td, r);
  const char *dn[] = { "units", "2", "activation", "softmax", NULL };
  int seq_dense = add (m, "Dense", dn, t);
  int drop = add (m, "Dropout", NULL, sum);
  int f = add (m, "Flatten", NULL, drop);
  /* one Dense called on both inputs: its weights written once, used twice */
  const char *sh[] = { "units", "2", NULL };
  int shared = add (m, "Dense", sh, a);
  g_autoptr (GError) error = NULL;
  NnRef in_b = { b, 0 };
  int second = nn_model_call (m, shared, &in_b, 1, &error);
  g_assert_no_error (error);
  output (m, seq_dense);
  output (m, f);
  nn_model_add_output (m, (NnRef) { shared, second }, NN_LOSS_MSE, 1.0, NULL, 0);
  finish (m, "merges");
}

static void
test_sequences (void)
{
  g_autoptr (NnModel) m = nn_model_new ("sequences");
  int x = input (m, "12");
  const char *em[] = { "input_dim", "20", "output_dim", "6", NULL };
  int e = add (m, "Embedding", em, x);
  const char *cv[] = { "filters", "5", "kernel_size", "3", "padding", "causal",
                       "dilation_rate", "2", NULL };
  int c = add (m, "Conv1D", cv, e);
  const char *mp[] = { "pool_size", "2", NULL };
  int p = add (m, "MaxPooling1D", mp, c);
  const char *ls[] = { "units", "4", "return_sequences", "true", NULL };
  int l = add (m, "LSTM", ls, p);
  const char *gr[] = { "units", "3", NULL };
  int g = add (m, "GRU", gr, l);
  const char *cs[] = { "filters", "3", "kernel_size", "4", "padding", "same", "strides", "2",
                       "activation", "linear", NULL };
  int c2 = add (m, "Conv1D", cs, e);
  const char *ap[] = { "pool_size", "3", "strides", "2", "padding", "same", NULL };
  int a = add (m, "AveragePooling1D", ap, c2);
  int gm = add (m, "GlobalMaxPooling1D", NULL, a);
  int ga = add (m, "GlobalAveragePooling1D", NULL, e);
  output (m, g);
  output (m, gm);
  output (m, ga);
  finish (m, "sequences");
}

static void
test_recurrent (void)
{
  g_autoptr (NnModel) m = nn_model_new ("recurrent");
  int x = input (m, "7, 3");
  const char *sr[] = { "units", "4", "go_backwards", "true", "return_sequences", "true", NULL };
  int s = add (m, "SimpleRNN", sr, x);
  const char *g0[] = { "units", "3", "reset_after", "false", "return_sequences", "true",
                       "recurrent_activation", "hard_sigmoid", NULL };
  int g = add (m, "GRU", g0, s);
  const char *b1[] = { "layer", "LSTM", "units", "3", "return_sequences", "true", NULL };
  int b = add (m, "Bidirectional", b1, g);
  const char *b2[] = { "layer", "GRU", "units", "2", "merge_mode", "sum", NULL };
  int b2l = add (m, "Bidirectional", b2, b);
  const char *b3[] = { "layer", "SimpleRNN", "units", "2", "merge_mode", "ave",
                       "return_sequences", "true", NULL };
  int b3l = add (m, "Bidirectional", b3, x);
  const char *b4[] = { "layer", "GRU", "units", "2", "merge_mode", "mul", NULL };
  int b4l = add (m, "Bidirectional", b4, x);
  const char *lb[] = { "units", "2", "go_backwards", "true", "activation", "relu", NULL };
  int lbl = add (m, "LSTM", lb, x);
  output (m, b2l);
  output (m, b3l);
  output (m, b4l);
  output (m, lbl);
  finish (m, "recurrent");
}

/* Recurrent states: ONNX's initial_h, initial_c in and Y_h, Y_c out; the
 * GRU also with reset_after (linear_before_reset). */
static void
test_states (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (export_state_models); i++)
    {
      g_autoptr (NnModel) m = export_state_model (i);
      finish (m, nn_model_get_name (m));
    }
  g_autoptr (NnModel) g = export_state_model (1);
  g_assert_true (nn_model_layer_set_param (g, nn_model_find_layer (g, "gru"), "reset_after",
                                           "true", NULL));
  finish (g, "gru_state reset_after");
}

/* A text model: its ONNX file names vocab.json in metadata_props, which the
 * checker and ONNX Runtime accept. */
static void
test_vocabulary (void)
{
  g_autoptr (NnModel) m = nn_model_new ("with_vocabulary");
  const char *d[] = { "units", "3", "activation", "softmax", NULL };
  output (m, add (m, "Dense", d, input (m, "4")));
  NnTextOptions opt;
  nn_text_options_init (&opt);
  g_autoptr (NnVocab) v = nn_vocab_new (&opt);
  nn_vocab_add (v, "word");
  nn_model_set_vocab (m, v);
  finish (m, "vocabulary");
}

/* Padding skipped (mask_zero): step-by-step layers pass it on, recurrent
 * layers read the lengths, the 1-D global poolings the real steps. */
static void
test_masked (void)
{
  g_autoptr (NnModel) m = nn_model_new ("masked");
  int x = input (m, "9");
  const char *em[] = { "input_dim", "15", "output_dim", "4", "mask_zero", "true", NULL };
  int e = add (m, "Embedding", em, x);
  const char *dn[] = { "units", "5", "activation", "tanh", NULL };
  int d = add (m, "Dense", dn, e);
  const char *ls[] = { "units", "3", "return_sequences", "true", NULL };
  int lstm = add (m, "LSTM", ls, d);
  const char *bi[] = { "layer", "GRU", "units", "2", "return_sequences", "true", NULL };
  int b = add (m, "Bidirectional", bi, lstm);
  int gmax = add (m, "GlobalMaxPooling1D", NULL, b);
  int gavg = add (m, "GlobalAveragePooling1D", NULL, b);
  const char *sr[] = { "units", "3", NULL };
  int last = add (m, "SimpleRNN", sr, e);
  const char *lb[] = { "units", "3", "go_backwards", "true", NULL };
  int back = add (m, "LSTM", lb, d);
  output (m, gmax);
  output (m, gavg);
  output (m, last);
  output (m, back);
  finish (m, "masked");
}

static void
test_nested (void)
{
  g_autoptr (NnModel) inner = nn_model_new ("inner");
  int ix = input (inner, "4");
  const char *d[] = { "units", "3", "activation", "tanh", NULL };
  int id = add (inner, "Dense", d, ix);
  output (inner, id);
  g_autoptr (NnModel) m = nn_model_new ("nested");
  int a = input (m, "4");
  int b = input (m, "4");
  g_autoptr (GError) error = NULL;
  int sub = nn_model_add_submodel (m, inner, "encoder", &error);
  g_assert_no_error (error);
  test_connect (m, a, sub);
  /* the same model, its weights shared, on the second input */
  NnRef in_b = { b, 0 };
  int call = nn_model_call (m, sub, &in_b, 1, &error);
  g_assert_no_error (error);
  int sum = test_add (m, "Add", NULL);
  test_connect (m, sub, sum);
  g_assert_true (nn_model_connect (m, (NnRef) { sub, call }, sum, -1, &error));
  output (m, sum);
  finish (m, "nested");
}

/* ---- refusals ------------------------------------------------------------- */

static void
assert_refused (NnModel *m, GQuark domain, int code, const char *needle)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("deepscope-onnx-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "out", NULL);
  g_assert_false (nn_export_onnx (m, dir, &error));
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  test_remove_tree (tmp);
}

static void
test_refusals (void)
{
  /* padded sequences read backwards, every step output */
  g_autoptr (NnModel) back = nn_model_new ("backwards");
  const char *em[] = { "input_dim", "9", "output_dim", "2", "mask_zero", "true", NULL };
  int e = add (back, "Embedding", em, input (back, "5"));
  const char *lb[] = { "units", "2", "go_backwards", "true", "return_sequences", "true", NULL };
  output (back, add (back, "LSTM", lb, e));
  assert_refused (back, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER, "lstm");

  /* shapes that do not fit: the inference error, nothing written */
  g_autoptr (NnModel) bad = nn_model_new ("bad_shapes");
  const char *d2[] = { "units", "2", NULL };
  output (bad, add (bad, "Dense", d2, input (bad, "4, 4, 1")));
  assert_refused (bad, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE, "Flatten");

  /* 537 million weights: 2.1 GB of float32, over protobuf's 2 GB; refused
   * before any is made (the memory limit raised so that shape inference
   * lets it through) */
  nn_set_memory_limit ((guint64) 64 << 30);
  g_autoptr (NnModel) huge = nn_model_new ("huge");
  const char *wide[] = { "units", "65536", NULL };
  output (huge, add (huge, "Dense", wide, input (huge, "8193")));
  assert_refused (huge, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY, "2 GB");
  g_assert_false (nn_model_has_weights (huge));
  nn_set_memory_limit (0);

  /* no outputs */
  g_autoptr (NnModel) none = nn_model_new ("none");
  input (none, "3");
  assert_refused (none, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, "no outputs");

  /* a recurrent layer with a linear activation: no ONNX counterpart */
  g_autoptr (NnModel) lin = nn_model_new ("linear_rnn");
  int lx = input (lin, "4, 2");
  const char *sr[] = { "units", "2", "activation", "linear", NULL };
  output (lin, add (lin, "SimpleRNN", sr, lx));
  assert_refused (lin, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER, "simple_rnn");
}

/* A layer type the exporter does not know (a test table's): refused with
 * its name. */
static gboolean
mystery_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  *out = in[0];
  return TRUE;
}

static void
test_unmapped (void)
{
  static NnLayerType mystery = {
    .name = "Mystery", .group = NN_GROUP_CORE, .help = "a layer ONNX has never heard of",
    .min_inputs = 1, .max_inputs = 1, .infer = mystery_infer,
  };
  const NnLayerType *table[] = {
    nn_layer_type_lookup ("Input"), nn_layer_type_lookup ("Dense"), &mystery,
  };
  nn_layer_table_replace (table, G_N_ELEMENTS (table));
  {
    g_autoptr (NnModel) m = nn_model_new ("unmapped");
    const char *d[] = { "units", "2", NULL };
    int dense = add (m, "Dense", d, input (m, "3"));
    int odd = test_add (m, "Mystery", "odd_one");
    test_connect (m, dense, odd);
    output (m, odd);
    assert_refused (m, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER, "odd_one (Mystery)");
  }
  nn_layer_table_replace (NULL, 0);
}

static void
test_unwritable (void)
{
  g_autoptr (NnModel) m = nn_model_new ("small");
  const char *d[] = { "units", "2", NULL };
  output (m, add (m, "Dense", d, input (m, "3")));
  g_autofree char *tmp = g_dir_make_tmp ("deepscope-onnx-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (tmp, "a-file", NULL);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_autofree char *dir = g_build_filename (file, "out", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_export_onnx (m, dir, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE);
  test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/export/onnx/activations", test_dense_activations);
  g_test_add_func ("/export/onnx/conv", test_conv);
  g_test_add_func ("/export/onnx/conv-more", test_conv_more);
  g_test_add_func ("/export/onnx/merges", test_merges_two_inputs);
  g_test_add_func ("/export/onnx/sequences", test_sequences);
  g_test_add_func ("/export/onnx/recurrent", test_recurrent);
  g_test_add_func ("/export/onnx/masked", test_masked);
  g_test_add_func ("/export/onnx/states", test_states);
  g_test_add_func ("/export/onnx/vocabulary", test_vocabulary);
  g_test_add_func ("/export/onnx/nested", test_nested);
  g_test_add_func ("/export/onnx/unmapped", test_unmapped);
  g_test_add_func ("/export/onnx/refusals", test_refusals);
  g_test_add_func ("/export/onnx/unwritable", test_unwritable);
  g_test_add_func ("/export/onnx/samples", test_samples);
  return g_test_run ();
}
