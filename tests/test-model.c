/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table and the model DAG: shape inference and its error texts,
 * summary and parameter counts, shared layers, models used as layers,
 * frozen layers, editing. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "test-util.h"
#include "nn-model-private.h"
#include "nn-data-private.h"

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
  int in = test_add (m, "Input", "image");
  int f = test_add (m, "Flatten", NULL);
  int d1 = test_add (m, "Dense", NULL);
  int d2 = test_add (m, "Dense", NULL);
  test_set (m, d1, "units", "512");
  test_set (m, d1, "activation", "relu");
  test_set (m, d2, "units", "10");
  test_set (m, d2, "activation", "softmax");
  test_connect (m, in, f);
  test_connect (m, f, d1);
  test_connect (m, d1, d2);
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
  int in = test_add (m, "Input", "image");
  /* (28, 28) would be a sequence, which Dense takes step by step */
  test_set (m, in, "shape", "28, 28, 1");
  int d = test_add (m, "Dense", "dense");
  test_connect (m, in, d);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==,
                   "dense: Dense expects (batch, features) or (batch, steps, features) but gets "
                   "(batch, 28, 28, 1); add Flatten before it");
  /* The error is attached to the node that causes it, not to the Input. */
  g_assert_nonnull (nn_model_layer_get_error (m, d));
  g_assert_null (nn_model_layer_get_error (m, in));
  g_clear_error (&error);

  /* Unconnected layer. */
  g_autoptr (NnModel) m2 = nn_model_new ("loose");
  test_add (m2, "Input", NULL);
  int lone = test_add (m2, "Dense", NULL);
  g_assert_false (nn_model_infer (m2, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
  g_assert_nonnull (strstr (nn_model_layer_get_error (m2, lone), "not connected"));
  g_clear_error (&error);

  /* Add with mismatched shapes. */
  g_autoptr (NnModel) m3 = nn_model_new ("add");
  int a = test_add (m3, "Input", "a");
  int b = test_add (m3, "Input", "b");
  test_set (m3, a, "shape", "4");
  test_set (m3, b, "shape", "5");
  int s = test_add (m3, "Add", "sum");
  test_connect (m3, a, s);
  test_connect (m3, b, s);
  g_assert_false (nn_model_infer (m3, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==,
                   "sum: Add needs inputs of one shape, but input 1 is (batch, 4) and input 2 is (batch, 5)");
  g_clear_error (&error);

  /* Reshape that cannot fit. */
  g_autoptr (NnModel) m4 = nn_model_new ("reshape");
  int i4 = test_add (m4, "Input", NULL);
  test_set (m4, i4, "shape", "6");
  int r = test_add (m4, "Reshape", "r");
  test_set (m4, r, "target_shape", "4, -1");
  test_connect (m4, i4, r);
  g_assert_false (nn_model_infer (m4, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "Reshape cannot turn (batch, 6)"));
  g_clear_error (&error);
  test_set (m4, r, "target_shape", "3, -1");
  g_assert_true (nn_model_infer (m4, &error));
  assert_shape (m4, r, 0, "(batch, 3, 2)");

  /* Parameter validation. */
  g_assert_false (nn_model_layer_set_param (m4, r, "target_shape", "3, x", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  g_autoptr (NnModel) m5 = nn_model_new ("p");
  int d5 = test_add (m5, "Dense", NULL);
  g_assert_false (nn_model_layer_set_param (m5, d5, "units", "0", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "units must be between 1 and 65536"));
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (m5, d5, "activation", "mish", &error));
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
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "4");
  int a = test_add (m, "Dense", NULL);
  int b = test_add (m, "Add", NULL);
  test_connect (m, in, a);
  test_connect (m, a, b);
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
  int a = test_add (m, "Input", "a");
  int b = test_add (m, "Input", "b");
  test_set (m, a, "shape", "8");
  test_set (m, b, "shape", "8");
  int sh = test_add (m, "Dense", "shared");
  test_set (m, sh, "units", "16");
  g_autoptr (GError) error = NULL;
  NnRef ra = { a, 0 }, rb = { b, 0 };
  g_assert_cmpint (nn_model_call (m, sh, &ra, 1, &error), ==, 0);
  g_assert_cmpint (nn_model_call (m, sh, &rb, 1, &error), ==, 1);
  int cat = test_add (m, "Concatenate", "cat");
  NnRef both[2] = { { sh, 0 }, { sh, 1 } };
  g_assert_cmpint (nn_model_call (m, cat, both, 2, &error), ==, 0);
  int o1 = test_add (m, "Dense", "o1");
  test_set (m, o1, "units", "1");
  test_set (m, o1, "activation", "sigmoid");
  int o2 = test_add (m, "Dense", "o2");
  test_set (m, o2, "units", "3");
  test_set (m, o2, "activation", "linear");
  test_connect (m, cat, o1);
  test_connect (m, cat, o2);
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
  int c = test_add (m, "Input", "c");
  test_set (m, c, "shape", "5");
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
  int i = test_add (inner, "Input", "x");
  test_set (inner, i, "shape", "6");
  int d = test_add (inner, "Dense", "code");
  test_set (inner, d, "units", "3");
  test_connect (inner, i, d);

  g_autoptr (NnModel) m = nn_model_new ("outer");
  int a = test_add (m, "Input", "a");
  int b = test_add (m, "Input", "b");
  test_set (m, a, "shape", "6");
  test_set (m, b, "shape", "6");
  int enc = nn_model_add_submodel (m, inner, NULL, &error);
  g_assert_no_error (error);
  NnRef ra = { a, 0 }, rb = { b, 0 };
  nn_model_call (m, enc, &ra, 1, &error);
  nn_model_call (m, enc, &rb, 1, &error);
  int sum = test_add (m, "Add", NULL);
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
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "4");
  int a = test_add (m, "Dense", "a");
  int b = test_add (m, "Dense", "b");
  int c = test_add (m, "Dense", "c");
  test_connect (m, in, a);
  test_connect (m, a, b);
  test_connect (m, b, c);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_remove_layer (m, b, &error));
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 3);
  c = nn_model_find_layer (m, "c");
  g_assert_cmpint (c, ==, 2);
  g_assert_cmpint (nn_model_call_get_n_inputs (m, c, 0), ==, 0);
  g_assert_false (nn_model_infer (m, &error));
  g_clear_error (&error);
  test_connect (m, a, c);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_disconnect (m, c, 0, 0));
  g_assert_cmpint (nn_model_call_get_n_inputs (m, c, 0), ==, 0);
}

static void
test_copy_is_deep (void)
{
  g_autoptr (NnModel) m = nn_model_new ("orig");
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "3");
  int d = test_add (m, "Dense", NULL);
  test_connect (m, in, d);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_autoptr (NnModel) c = nn_model_copy (m);
  NnTensor w1, w2;
  nn_model_layer_get_weight (m, d, 0, &w1);
  g_assert_true (nn_model_infer (c, &error));
  nn_model_layer_get_weight (c, d, 0, &w2);
  g_assert_true (w1.data != w2.data);
  g_assert_cmpmem (w1.data, w1.size * 4, w2.data, w2.size * 4);
  test_set (c, d, "units", "7");
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
  int ii = test_add (inner, "Input", NULL);
  test_set (inner, ii, "shape", "5");
  int id = test_add (inner, "Dense", NULL);
  test_set (inner, id, "units", "4");
  test_set (inner, id, "activation", "tanh");
  test_connect (inner, ii, id);

  g_autoptr (NnModel) m = nn_model_new ("graph");
  int a = test_add (m, "Input", "a");
  int b = test_add (m, "Input", "b");
  test_set (m, a, "shape", "5");
  test_set (m, b, "shape", "5");
  int enc = nn_model_add_submodel (m, inner, "enc", &error);
  NnRef ra = { a, 0 }, rb = { b, 0 };
  nn_model_call (m, enc, &ra, 1, &error);
  nn_model_call (m, enc, &rb, 1, &error);
  int cat = test_add (m, "Concatenate", NULL);
  NnRef both[2] = { { enc, 0 }, { enc, 1 } };
  nn_model_call (m, cat, both, 2, &error);
  int h = test_add (m, "Dense", "h");
  test_set (m, h, "units", "6");
  test_set (m, h, "activation", "sigmoid");
  test_set (m, h, "kernel_l2", "0.01");
  test_connect (m, cat, h);
  int o1 = test_add (m, "Dense", "o1");
  test_set (m, o1, "units", "3");
  test_set (m, o1, "activation", "softmax");
  int o2 = test_add (m, "Dense", "o2");
  test_set (m, o2, "units", "2");
  test_connect (m, h, o1);
  test_connect (m, h, o2);
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
  int prev = test_add (m, "Input", NULL);
  test_set (m, prev, "shape", "8");
  gint64 t0 = g_get_monotonic_time ();
  for (int b = 0; b < 40; b++)
    {
      int d = test_add (m, "Dense", NULL);
      test_set (m, d, "units", "8");
      test_connect (m, prev, d);
      int a = test_add (m, "Add", NULL);
      test_connect (m, prev, a);
      test_connect (m, d, a);
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

/* Input (6, 6, 1) -> Conv2D (3 filters, 3x3) named conv2d_2, output
 * (batch, 4, 4, 3), with the given activation. */
static NnModel *
conv_output_model (const char *activation, int *conv)
{
  NnModel *m = nn_model_new ("pixels");
  int in = test_add (m, "Input", NULL);
  test_set (m, in, "shape", "6, 6, 1");
  *conv = test_add (m, "Conv2D", "conv2d_2");
  test_set (m, *conv, "filters", "3");
  test_set (m, *conv, "kernel_size", "3, 3");
  test_set (m, *conv, "activation", activation);
  test_connect (m, in, *conv);
  return m;
}

/* n samples of (6, 6, 1) images and targets of the given per-sample shape
 * (ndim 0: one class number per sample), all in the test split. */
static NnDataset *
pixels_dataset (size_t n, int t_ndim, const int *t_shape)
{
  g_autoptr (GError) error = NULL;
  NnDataset *ds = nn_dataset_alloc ("pixels", 1, 1);
  int ishape[3] = { 6, 6, 1 };
  ds->inputs[0] = nn_array_new ("image", NN_DTYPE_F32, 3, ishape, n, &error);
  g_assert_no_error (error);
  ds->targets[0] = nn_array_new ("label", t_ndim ? NN_DTYPE_F32 : NN_DTYPE_I32, t_ndim, t_shape,
                                 n, &error);
  g_assert_no_error (error);
  float *x = ds->inputs[0]->data;
  for (size_t i = 0; i < n * 36; i++)
    x[i] = (float) ((i * 7) % 11) / 11.0f - 0.4f;
  if (t_ndim)
    {
      float *t = ds->targets[0]->data;
      for (size_t i = 0; i < n * ds->targets[0]->sample_size; i++)
        t[i] = (float) (i % 3 == 0);
    }
  else
    for (size_t i = 0; i < n; i++)
      ((gint32 *) ds->targets[0]->data)[i] = (gint32) (i % 3);
  ds->n = n;
  ds->n_classes = t_ndim ? 0 : 3;
  nn_dataset_split_tail (ds, n);
  return ds;
}

/* Sparse categorical cross-entropy reads one class number per row of the
 * output and the target holds one per sample: an output with more rows
 * than samples (a Conv2D with softmax and no Flatten) is refused on the
 * output layer, by inference (what the editor shows) and by compile. The
 * other losses read a target of the output's own shape, and a dataset that
 * gives fewer values per sample is refused before anything runs; one that
 * gives as many is read exactly (the loss matches one computed by hand). */
static void
test_loss_needs_matching_output (void)
{
  g_autoptr (GError) error = NULL;
  int conv;

  /* No output set: softmax guesses sparse categorical cross-entropy. */
  g_autoptr (NnModel) m = conv_output_model ("softmax", &conv);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_assert_cmpstr (error->message, ==,
                   "conv2d_2: sparse categorical cross-entropy needs an output of shape "
                   "(batch, classes) but this output is (batch, 4, 4, 3); add Flatten and "
                   "Dense before it, or GlobalAveragePooling2D");
  g_assert_nonnull (nn_model_layer_get_error (m, conv));
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, conv), "(batch, 4, 4, 3)"));
  g_clear_error (&error);

  /* The same output set explicitly; compile refuses it too. */
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { conv, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = nn_compile (m, 4, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_null (c);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_true (g_str_has_prefix (error->message, "conv2d_2: sparse categorical"));
  g_clear_error (&error);
  /* Evaluating on a dataset of one label per sample fails in words (before
   * the fix it read 16 labels per sample from a target holding one). */
  g_autoptr (NnDataset) labels = pixels_dataset (8, 0, NULL);
  NnScores scores = { 0 };
  g_assert_false (nn_model_evaluate (m, labels, NULL, 0, 4, &scores, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_clear_error (&error);
  nn_scores_clear (&scores);

  /* Global average pooling makes it (batch, classes): accepted. */
  g_autoptr (NnModel) pooled = conv_output_model ("relu", &conv);
  int gap = test_add (pooled, "GlobalAveragePooling2D", NULL);
  test_connect (pooled, conv, gap);
  int d = test_add (pooled, "Dense", NULL);
  test_set (pooled, d, "units", "3");
  test_set (pooled, d, "activation", "softmax");
  test_connect (pooled, gap, d);
  g_assert_true (nn_model_infer (pooled, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_evaluate (pooled, labels, NULL, 0, 4, &scores, &error));
  g_assert_no_error (error);
  nn_scores_clear (&scores);

  /* The other losses on the (batch, 4, 4, 3) output. */
  const NnLoss others[] = { NN_LOSS_CATEGORICAL_CROSSENTROPY, NN_LOSS_BINARY_CROSSENTROPY,
                            NN_LOSS_MSE, NN_LOSS_MAE };
  int tshape[3] = { 4, 4, 3 };
  g_autoptr (NnDataset) maps = pixels_dataset (8, 3, tshape);
  for (guint k = 0; k < G_N_ELEMENTS (others); k++)
    {
      g_autoptr (NnModel) o = conv_output_model ("sigmoid", &conv);
      nn_model_add_output (o, (NnRef) { conv, 0 }, others[k], 1.0, NULL, 0);
      g_assert_true (nn_model_init_weights (o, 3, &error));
      g_assert_no_error (error);
      /* one label per sample cannot fill a (4, 4, 3) target */
      g_assert_false (nn_model_evaluate (o, labels, NULL, 0, 4, &scores, &error));
      g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
      g_test_message ("%s: %s", nn_loss_name (others[k]), error->message);
      g_assert_nonnull (strstr (error->message, "conv2d_2"));
      g_clear_error (&error);
      nn_scores_clear (&scores);
      if (others[k] != NN_LOSS_MSE)
        continue;
      /* 48 values per sample: the loss is the mean over exactly those. */
      g_assert_true (nn_model_evaluate (o, maps, NULL, 0, 4, &scores, &error));
      g_assert_no_error (error);
      g_autoptr (NnTensor) p = nn_model_predict (o, maps, maps->test_idx, maps->n_test, 0, 4, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (p->size, ==, 8 * 48);
      const float *t = maps->targets[0]->data;
      double want = 0;
      for (size_t i = 0; i < p->size; i++)
        want += ((double) p->data[i] - t[i]) * ((double) p->data[i] - t[i]);
      want /= (double) p->size;
      gboolean found = FALSE;
      double got = nn_scores_get (&scores, "loss", &found);
      g_assert_true (found);
      g_assert_cmpfloat_with_epsilon (got, want, 1e-5);
      nn_scores_clear (&scores);
    }
}

/* The summary's columns line up whatever the names' lengths: every row's
 * shape starts under "Output Shape" and its parameter count under
 * "Param #", with a space before each. */
static void
test_summary_long_names (void)
{
  g_autoptr (NnModel) m = nn_model_new ("long");
  int in = test_add (m, "Input", "image");
  int p = test_add (m, "MaxPooling2D", "max_pooling2d_with_a_long_name_1");
  int f = test_add (m, "Flatten", "flatten");
  g_autoptr (GError) error = NULL;
  test_connect (m, in, p);
  test_connect (m, p, f);
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
  g_test_add_func ("/model/loss-needs-matching-output", test_loss_needs_matching_output);
  return g_test_run ();
}
