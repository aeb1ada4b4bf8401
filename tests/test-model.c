/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table and the model DAG: shape inference and its error texts,
 * summary and parameter counts, shared layers, models used as layers,
 * frozen layers, editing. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-model-private.h"

static int
add (NnModel *m, const char *cls, const char *name)
{
  g_autoptr (GError) error = NULL;
  int i = nn_model_add_layer (m, cls, name, &error);
  g_assert_no_error (error);
  g_assert_cmpint (i, >=, 0);
  return i;
}

static void
set (NnModel *m, int layer, const char *p, const char *v)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_layer_set_param (m, layer, p, v, &error));
  g_assert_no_error (error);
}

static void
connect_layers (NnModel *m, int src, int dst)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_connect (m, (NnRef) { src, 0 }, dst, -1, &error));
  g_assert_no_error (error);
}

static void
assert_shape (NnModel *m, int layer, int call, const char *want)
{
  int ndim, shape[NN_MAX_DIMS];
  g_assert_true (nn_model_get_shape (m, (NnRef) { layer, call }, &ndim, shape));
  g_autofree char *s = nn_shape_to_string (ndim, shape, 1);
  g_assert_cmpstr (s, ==, want);
}

static void
test_table (void)
{
  const char *expected[] = { "Input", "Dense", "Activation", "Dropout", "Flatten", "Reshape",
                             "Add", "Concatenate", "Multiply", "Model" };
  for (guint k = 0; k < G_N_ELEMENTS (expected); k++)
    {
      const NnLayerType *t = nn_layer_type_lookup (expected[k]);
      g_assert_nonnull (t);
      g_assert_cmpstr (nn_layer_type_get_name (t), ==, expected[k]);
      g_assert_true (strlen (nn_layer_type_get_help (t)) > 10);
      /* Every default parses and every spec has help text. */
      for (guint p = 0; p < nn_layer_type_get_n_params (t); p++)
        g_assert_nonnull (nn_layer_type_get_param (t, p)->help);
    }
  g_assert_null (nn_layer_type_lookup ("Dense2"));
  g_assert_cmpuint (nn_layer_types_count (), >=, G_N_ELEMENTS (expected));
}

static void
test_mlp_shapes_and_summary (void)
{
  g_autoptr (NnModel) m = nn_model_new ("mlp");
  int in = add (m, "Input", "image");
  int f = add (m, "Flatten", NULL);
  int d1 = add (m, "Dense", NULL);
  int d2 = add (m, "Dense", NULL);
  set (m, d1, "units", "512");
  set (m, d1, "activation", "relu");
  set (m, d2, "units", "10");
  set (m, d2, "activation", "softmax");
  connect_layers (m, in, f);
  connect_layers (m, f, d1);
  connect_layers (m, d1, d2);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  assert_shape (m, in, 0, "(batch, 28, 28, 1)");
  assert_shape (m, f, 0, "(batch, 784)");
  assert_shape (m, d2, 0, "(batch, 10)");
  gint64 tr, fixed;
  g_assert_cmpint (nn_model_count_params (m, &tr, &fixed), ==, 784 * 512 + 512 + 512 * 10 + 10);
  g_assert_cmpint (fixed, ==, 0);
  g_assert_cmpstr (nn_model_layer_get_name (m, d1), ==, "dense_1");
  g_autofree char *s = nn_model_summary (m, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (s, "dense_1 (Dense)"));
  g_assert_nonnull (strstr (s, "(None, 512)"));
  g_assert_nonnull (strstr (s, "401,920"));
  g_assert_nonnull (strstr (s, "Total params: 407,050"));
  g_assert_nonnull (strstr (s, "Trainable params: 407,050"));
  g_assert_nonnull (strstr (s, "Non-trainable params: 0"));

  /* Freezing a layer moves its weights to non-trainable. */
  nn_model_layer_set_trainable (m, d1, FALSE);
  g_assert_cmpint (nn_model_count_params (m, &tr, &fixed), ==, 407050);
  g_assert_cmpint (fixed, ==, 401920);
}

static void
test_errors_name_the_fix (void)
{
  g_autoptr (NnModel) m = nn_model_new ("bad");
  int in = add (m, "Input", "image");
  set (m, in, "shape", "28, 28");
  int d = add (m, "Dense", "dense");
  connect_layers (m, in, d);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==,
                   "dense: Dense expects (batch, features) but gets (batch, 28, 28); add Flatten before it");
  /* The error is attached to the node that causes it, not to the Input. */
  g_assert_nonnull (nn_model_layer_get_error (m, d));
  g_assert_null (nn_model_layer_get_error (m, in));
  g_clear_error (&error);

  /* Unconnected layer. */
  g_autoptr (NnModel) m2 = nn_model_new ("loose");
  add (m2, "Input", NULL);
  int lone = add (m2, "Dense", NULL);
  g_assert_false (nn_model_infer (m2, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_assert_nonnull (strstr (nn_model_layer_get_error (m2, lone), "not connected"));
  g_clear_error (&error);

  /* Add with mismatched shapes. */
  g_autoptr (NnModel) m3 = nn_model_new ("add");
  int a = add (m3, "Input", "a");
  int b = add (m3, "Input", "b");
  set (m3, a, "shape", "4");
  set (m3, b, "shape", "5");
  int s = add (m3, "Add", "sum");
  connect_layers (m3, a, s);
  connect_layers (m3, b, s);
  g_assert_false (nn_model_infer (m3, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==,
                   "sum: Add needs inputs of one shape, but input 1 is (batch, 4) and input 2 is (batch, 5)");
  g_clear_error (&error);

  /* Reshape that cannot fit. */
  g_autoptr (NnModel) m4 = nn_model_new ("reshape");
  int i4 = add (m4, "Input", NULL);
  set (m4, i4, "shape", "6");
  int r = add (m4, "Reshape", "r");
  set (m4, r, "target_shape", "4, -1");
  connect_layers (m4, i4, r);
  g_assert_false (nn_model_infer (m4, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "Reshape cannot turn (batch, 6)"));
  g_clear_error (&error);
  set (m4, r, "target_shape", "3, -1");
  g_assert_true (nn_model_infer (m4, &error));
  assert_shape (m4, r, 0, "(batch, 3, 2)");

  /* Parameter validation. */
  g_assert_false (nn_model_layer_set_param (m4, r, "target_shape", "3, x", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  g_autoptr (NnModel) m5 = nn_model_new ("p");
  int d5 = add (m5, "Dense", NULL);
  g_assert_false (nn_model_layer_set_param (m5, d5, "units", "0", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "units must be between 1 and 65536"));
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (m5, d5, "activation", "swish", &error));
  g_assert_nonnull (strstr (error->message, "choose one of: linear, relu"));
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (m5, d5, "nope", "1", &error));
  g_clear_error (&error);
  g_assert_cmpint (nn_model_add_layer (m5, "Conv9D", NULL, &error), ==, -1);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER);
  g_clear_error (&error);
  g_assert_cmpint (nn_model_add_layer (m5, "Dense", "dense_1", &error), ==, -1);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
}

static void
test_cycles_refused (void)
{
  g_autoptr (NnModel) m = nn_model_new ("cycle");
  int in = add (m, "Input", NULL);
  set (m, in, "shape", "4");
  int a = add (m, "Dense", NULL);
  int b = add (m, "Add", NULL);
  connect_layers (m, in, a);
  connect_layers (m, a, b);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_connect (m, (NnRef) { b, 0 }, a, -1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_clear_error (&error);
  /* Nothing connects into an Input. */
  g_assert_false (nn_model_connect (m, (NnRef) { a, 0 }, in, -1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
}

static void
test_shared_layer_and_graph (void)
{
  g_autoptr (NnModel) m = nn_model_new ("siamese");
  int a = add (m, "Input", "a");
  int b = add (m, "Input", "b");
  set (m, a, "shape", "8");
  set (m, b, "shape", "8");
  int sh = add (m, "Dense", "shared");
  set (m, sh, "units", "16");
  g_autoptr (GError) error = NULL;
  NnRef ra = { a, 0 }, rb = { b, 0 };
  g_assert_cmpint (nn_model_call (m, sh, &ra, 1, &error), ==, 0);
  g_assert_cmpint (nn_model_call (m, sh, &rb, 1, &error), ==, 1);
  int cat = add (m, "Concatenate", "cat");
  NnRef both[2] = { { sh, 0 }, { sh, 1 } };
  g_assert_cmpint (nn_model_call (m, cat, both, 2, &error), ==, 0);
  int o1 = add (m, "Dense", "o1");
  set (m, o1, "units", "1");
  set (m, o1, "activation", "sigmoid");
  int o2 = add (m, "Dense", "o2");
  set (m, o2, "units", "3");
  connect_layers (m, cat, o1);
  connect_layers (m, cat, o2);
  g_assert_true (nn_model_infer (m, &error));
  assert_shape (m, cat, 0, "(batch, 32)");
  /* One set of weights for the two calls. */
  g_assert_cmpint (nn_model_layer_count_params (m, sh), ==, 8 * 16 + 16);
  g_assert_cmpint (nn_model_auto_outputs (m), ==, 2);
  g_assert_cmpint (nn_model_output_get_loss (m, 0), ==, NN_LOSS_BINARY_CROSSENTROPY);
  g_assert_cmpint (nn_model_output_get_loss (m, 1), ==, NN_LOSS_MSE);
  g_autofree char *s = nn_model_summary (m, &error);
  g_assert_nonnull (strstr (s, "Connected to"));
  g_assert_nonnull (strstr (s, "shared[0][0], shared[1][0]"));

  /* Calling the shared layer on an input of another shape is an error on it. */
  int c = add (m, "Input", "c");
  set (m, c, "shape", "5");
  NnRef rc = { c, 0 };
  g_assert_cmpint (nn_model_call (m, sh, &rc, 1, &error), ==, 2);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_nonnull (strstr (error->message, "shared"));
}

static void
test_model_as_layer (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) inner = nn_model_new ("encoder");
  int i = add (inner, "Input", "x");
  set (inner, i, "shape", "6");
  int d = add (inner, "Dense", "code");
  set (inner, d, "units", "3");
  connect_layers (inner, i, d);

  g_autoptr (NnModel) m = nn_model_new ("outer");
  int a = add (m, "Input", "a");
  int b = add (m, "Input", "b");
  set (m, a, "shape", "6");
  set (m, b, "shape", "6");
  int enc = nn_model_add_submodel (m, inner, NULL, &error);
  g_assert_no_error (error);
  NnRef ra = { a, 0 }, rb = { b, 0 };
  nn_model_call (m, enc, &ra, 1, &error);
  nn_model_call (m, enc, &rb, 1, &error);
  int sum = add (m, "Add", NULL);
  NnRef both[2] = { { enc, 0 }, { enc, 1 } };
  nn_model_call (m, sum, both, 2, &error);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  assert_shape (m, sum, 0, "(batch, 3)");
  g_assert_cmpint (nn_model_layer_count_params (m, enc), ==, 21);
  gint64 total = nn_model_count_params (m, NULL, NULL);
  g_assert_cmpint (total, ==, 21);

  /* Both calls see the same weights: identical inputs give identical codes. */
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_true (nn_model_has_weights (m));
}

static void
test_remove_layer_renumbers (void)
{
  g_autoptr (NnModel) m = nn_model_new ("edit");
  int in = add (m, "Input", NULL);
  set (m, in, "shape", "4");
  int a = add (m, "Dense", "a");
  int b = add (m, "Dense", "b");
  int c = add (m, "Dense", "c");
  connect_layers (m, in, a);
  connect_layers (m, a, b);
  connect_layers (m, b, c);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_remove_layer (m, b, &error));
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 3);
  c = nn_model_find_layer (m, "c");
  g_assert_cmpint (c, ==, 2);
  g_assert_cmpint (nn_model_call_get_n_inputs (m, c, 0), ==, 0);
  g_assert_false (nn_model_infer (m, &error));
  g_clear_error (&error);
  connect_layers (m, a, c);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_disconnect (m, c, 0, 0));
  g_assert_cmpint (nn_model_call_get_n_inputs (m, c, 0), ==, 0);
}

static void
test_copy_is_deep (void)
{
  g_autoptr (NnModel) m = nn_model_new ("orig");
  int in = add (m, "Input", NULL);
  set (m, in, "shape", "3");
  int d = add (m, "Dense", NULL);
  connect_layers (m, in, d);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_autoptr (NnModel) c = nn_model_copy (m);
  NnTensor w1, w2;
  nn_model_layer_get_weight (m, d, 0, &w1);
  g_assert_true (nn_model_infer (c, &error));
  nn_model_layer_get_weight (c, d, 0, &w2);
  g_assert_true (w1.data != w2.data);
  g_assert_cmpmem (w1.data, w1.size * 4, w2.data, w2.size * 4);
  set (c, d, "units", "7");
  g_assert_cmpint (nn_model_layer_get_param (m, d, "units")->i, ==, 32);
}

/* Whole-model gradients through a shared layer, a Model layer called twice,
 * concatenation, an L2 penalty and two weighted losses, with respect to
 * every weight and both inputs. */
static void
test_compiled_gradients (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) inner = nn_model_new ("inner");
  int ii = add (inner, "Input", NULL);
  set (inner, ii, "shape", "5");
  int id = add (inner, "Dense", NULL);
  set (inner, id, "units", "4");
  set (inner, id, "activation", "tanh");
  connect_layers (inner, ii, id);

  g_autoptr (NnModel) m = nn_model_new ("graph");
  int a = add (m, "Input", "a");
  int b = add (m, "Input", "b");
  set (m, a, "shape", "5");
  set (m, b, "shape", "5");
  int enc = nn_model_add_submodel (m, inner, "enc", &error);
  NnRef ra = { a, 0 }, rb = { b, 0 };
  nn_model_call (m, enc, &ra, 1, &error);
  nn_model_call (m, enc, &rb, 1, &error);
  int cat = add (m, "Concatenate", NULL);
  NnRef both[2] = { { enc, 0 }, { enc, 1 } };
  nn_model_call (m, cat, both, 2, &error);
  int h = add (m, "Dense", "h");
  set (m, h, "units", "6");
  set (m, h, "activation", "sigmoid");
  set (m, h, "kernel_l2", "0.01");
  connect_layers (m, cat, h);
  int o1 = add (m, "Dense", "o1");
  set (m, o1, "units", "3");
  set (m, o1, "activation", "softmax");
  int o2 = add (m, "Dense", "o2");
  set (m, o2, "units", "2");
  connect_layers (m, h, o1);
  connect_layers (m, h, o2);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { o1, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, &acc, 1);
  nn_model_add_output (m, (NnRef) { o2, 0 }, NN_LOSS_MSE, 0.5, NULL, 0);
  g_assert_true (nn_model_init_weights (m, 11, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = nn_compile (m, 4, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  nn_graph_set_batch (g, 3);
  for (int k = 0; k < 2; k++)
    for (size_t i = 0; i < g->nodes[c->input_nodes[k]].size; i++)
      g->nodes[c->input_nodes[k]].value[i] = nn_rng_uniform (&rng) * 2 - 1;
  float *t1 = g->nodes[c->target_nodes[0]].value, *t2 = g->nodes[c->target_nodes[1]].value;
  t1[0] = 2, t1[1] = 0, t1[2] = 1;
  for (int i = 0; i < 6; i++)
    t2[i] = 0.3f * (float) i - 0.7f;
  int checked = 0;
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == NN_OP_PARAM || g->nodes[n].op == NN_OP_INPUT)
      {
        if (!g->nodes[n].grad)
          continue;
        memset (c->grads, 0, c->n_grads * sizeof (float));
        double err = nn_graph_check_grad (g, c->loss_node, n, 1e-2, 0);
        g_test_message ("node %d (%s): max relative error %.2e", n,
                        g->nodes[n].label ? g->nodes[n].label : "?", err);
        g_assert_cmpfloat (err, <, 1e-3);
        checked++;
      }
  /* 2 inputs, enc kernel+bias (one param node pair shared by both calls),
   * h, o1, o2 kernels and biases. */
  g_assert_cmpint (checked, >=, 10);
  nn_compiled_free (c);
}

/* Forty stacked residual blocks: connecting and inferring stay fast (the
 * cycle check visits each layer call once, not every path). */
static void
test_deep_residual_stack (void)
{
  g_autoptr (NnModel) m = nn_model_new ("resnet");
  int prev = add (m, "Input", NULL);
  set (m, prev, "shape", "8");
  gint64 t0 = g_get_monotonic_time ();
  for (int b = 0; b < 40; b++)
    {
      int d = add (m, "Dense", NULL);
      set (m, d, "units", "8");
      connect_layers (m, prev, d);
      int a = add (m, "Add", NULL);
      connect_layers (m, prev, a);
      connect_layers (m, d, a);
      prev = a;
    }
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  /* A cycle across the whole stack is still found. */
  g_assert_false (nn_model_connect (m, (NnRef) { prev, 0 }, 1, -1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_assert_nonnull (strstr (error->message, "cycle"));
  g_test_message ("40 residual blocks built and checked in %.1f ms",
                  (g_get_monotonic_time () - t0) / 1000.0);
}

/* The summary's columns line up whatever the names' lengths: every row's
 * shape starts under "Output Shape" and its parameter count under
 * "Param #", with a space before each. */
static void
test_summary_long_names (void)
{
  g_autoptr (NnModel) m = nn_model_new ("long");
  int in = add (m, "Input", "image");
  int p = add (m, "MaxPooling2D", "max_pooling2d_with_a_long_name_1");
  int f = add (m, "Flatten", "flatten");
  g_autoptr (GError) error = NULL;
  connect_layers (m, in, p);
  connect_layers (m, p, f);
  g_autofree char *s = nn_model_summary (m, &error);
  g_assert_no_error (error);
  g_test_message ("\n%s", s);
  g_auto (GStrv) lines = g_strsplit (s, "\n", -1);
  int shape_col = -1, params_col = -1, rows = 0;
  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      const char *shape = strstr (l, "(None");
      if (strstr (l, "Output Shape"))
        {
          shape_col = (int) (strstr (l, "Output Shape") - l);
          params_col = (int) (strstr (l, "Param #") - l);
          continue;
        }
      if (shape == NULL)
        continue;
      rows++;
      g_assert_cmpint (shape_col, >, 0);
      g_assert_cmpint ((int) (shape - l), ==, shape_col);
      g_assert_cmpint (l[shape_col - 1], ==, ' ');
      /* The count is the first digit after the shape. */
      const char *count = strchr (shape, ')') + 1;
      while (*count == ' ')
        count++;
      g_assert_cmpint ((int) (count - l), ==, params_col);
    }
  g_assert_cmpint (rows, ==, 3);
  g_assert_nonnull (strstr (s, "Total params"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/table", test_table);
  g_test_add_func ("/model/mlp-shapes-summary", test_mlp_shapes_and_summary);
  g_test_add_func ("/model/summary-long-names", test_summary_long_names);
  g_test_add_func ("/model/errors-name-the-fix", test_errors_name_the_fix);
  g_test_add_func ("/model/cycles-refused", test_cycles_refused);
  g_test_add_func ("/model/shared-layer-graph", test_shared_layer_and_graph);
  g_test_add_func ("/model/model-as-layer", test_model_as_layer);
  g_test_add_func ("/model/remove-layer", test_remove_layer_renumbers);
  g_test_add_func ("/model/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/model/compiled-gradients", test_compiled_gradients);
  g_test_add_func ("/model/deep-residual-stack", test_deep_residual_stack);
  return g_test_run ();
}
