/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Convnet layers: table entries, shape inference and parameter counts of
 * every layer, the readable errors, lowering (fused ReLU, frozen batch norm,
 * no dropout at inference) and a whole-model gradient check. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-model-private.h"
#include "test-util.h"

static const char *const conv_layers[] = {
  "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "MaxPooling2D",
  "AveragePooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling2D", "UpSampling2D",
  "ZeroPadding2D", "BatchNormalization", "SpatialDropout2D", "RandomFlip", "RandomRotation",
  "RandomZoom", "RandomTranslation", "RandomBrightness",
};

static char *
shape_of (NnModel *m, int layer)
{
  int ndim, shape[NN_MAX_DIMS];
  if (!nn_model_get_shape (m, (NnRef) { layer, 0 }, &ndim, shape))
    return g_strdup ("unknown");
  return nn_shape_to_string (ndim, shape, 1);
}

/* Builds Input(shape) -> cls with params (pairs of name, value; NULL ends)
 * and returns the model; *layer is the tested layer. */
static NnModel *
one_layer (const char *input_shape, const char *cls, int *layer, ...)
{
  NnModel *m = nn_model_new ("t");
  int in = test_add (m, "Input", "in");
  test_set (m, in, "shape", input_shape);
  *layer = test_add (m, cls, NULL);
  va_list ap;
  va_start (ap, layer);
  for (const char *p = va_arg (ap, const char *); p; p = va_arg (ap, const char *))
    test_set (m, *layer, p, va_arg (ap, const char *));
  va_end (ap);
  test_connect (m, in, *layer);
  return m;
}

static void
check_shape (NnModel *m, int layer, const char *want, gint64 params)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  g_autofree char *s = shape_of (m, layer);
  g_assert_cmpstr (s, ==, want);
  g_assert_cmpint (nn_model_layer_count_params (m, layer), ==, params);
}

/* Inference fails on `layer` with a message containing every fragment. */
static void
check_error (NnModel *m, int layer, int code, ...)
{
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, code);
  const char *msg = nn_model_layer_get_error (m, layer);
  g_assert_nonnull (msg);
  g_test_message ("error: %s", error->message);
  /* the first error names the layer */
  g_assert_true (g_str_has_prefix (error->message, nn_model_layer_get_name (m, layer)));
  va_list ap;
  va_start (ap, code);
  for (const char *frag = va_arg (ap, const char *); frag; frag = va_arg (ap, const char *))
    if (!strstr (msg, frag))
      g_error ("“%s” is not in “%s”", frag, msg);
  va_end (ap);
}

static int
count_ops (NnGraph *g, NnOpType op)
{
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    n += g->nodes[i].op == op;
  return n;
}

static void
test_table (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (conv_layers); k++)
    {
      const NnLayerType *t = nn_layer_type_lookup (conv_layers[k]);
      g_assert_nonnull (t);
      g_assert_cmpstr (nn_layer_type_get_name (t), ==, conv_layers[k]);
      g_assert_cmpint (nn_layer_type_get_min_inputs (t), ==, 1);
      g_assert_cmpint (nn_layer_type_get_max_inputs (t), ==, 1);
      g_assert_true (strlen (nn_layer_type_get_help (t)) > 10);
      for (guint p = 0; p < nn_layer_type_get_n_params (t); p++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (t, p);
          g_assert_nonnull (spec->help);
          /* every default parses */
          NnValue v = { 0 };
          g_autoptr (GError) error = NULL;
          g_assert_true (nn_value_parse (spec, spec->def, &v, &error));
          g_assert_no_error (error);
          nn_value_clear (&v);
        }
    }
  g_assert_cmpint (nn_layer_type_get_group (nn_layer_type_lookup ("Conv2D")), ==,
                   NN_GROUP_CONVOLUTION);
  g_assert_cmpint (nn_layer_type_get_group (nn_layer_type_lookup ("MaxPooling2D")), ==,
                   NN_GROUP_POOLING);
  g_assert_cmpint (nn_layer_type_get_group (nn_layer_type_lookup ("BatchNormalization")), ==,
                   NN_GROUP_NORMALIZATION);
  g_assert_cmpint (nn_layer_type_get_group (nn_layer_type_lookup ("SpatialDropout2D")), ==,
                   NN_GROUP_REGULARIZATION);
}

static void
test_conv2d_shapes (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("28, 28, 1", "Conv2D", &l, "filters", "32", NULL);
  check_shape (a, l, "(batch, 26, 26, 32)", 3 * 3 * 1 * 32 + 32);
  g_autoptr (NnModel) b = one_layer ("28, 28, 1", "Conv2D", &l, "filters", "8", "padding", "same",
                                     "strides", "2", NULL);
  check_shape (b, l, "(batch, 14, 14, 8)", 3 * 3 * 8 + 8);
  g_autoptr (NnModel) c = one_layer ("28, 28, 3", "Conv2D", &l, "filters", "4",
                                     "dilation_rate", "2, 2", "use_bias", "false", NULL);
  check_shape (c, l, "(batch, 24, 24, 4)", 3 * 3 * 3 * 4);
  /* one entry means a square kernel; rectangular kernels and strides */
  g_autoptr (NnModel) d = one_layer ("13, 13, 32", "Conv2D", &l, "filters", "64",
                                     "kernel_size", "5", NULL);
  check_shape (d, l, "(batch, 9, 9, 64)", 5 * 5 * 32 * 64 + 64);
  g_autoptr (NnModel) e = one_layer ("10, 12, 2", "Conv2D", &l, "filters", "3",
                                     "kernel_size", "3, 1", "strides", "2, 3", NULL);
  check_shape (e, l, "(batch, 4, 4, 3)", 3 * 1 * 2 * 3 + 3);
  /* the weights: Keras layout (kh, kw, in, out) */
  NnLayer *layer = nn_model_layer (e, l);
  g_assert_cmpint (layer->n_weights, ==, 2);
  g_assert_cmpstr (layer->wspec[0].name, ==, "kernel");
  g_assert_cmpint (layer->wspec[0].shape[0], ==, 3);
  g_assert_cmpint (layer->wspec[0].shape[1], ==, 1);
  g_assert_cmpint (layer->wspec[0].shape[2], ==, 2);
  g_assert_cmpint (layer->wspec[0].shape[3], ==, 3);
  g_assert_cmpstr (layer->wspec[1].name, ==, "bias");
}

static void
test_regularizer (void)
{
  int l;
  g_autoptr (NnModel) m = one_layer ("8, 8, 1", "Conv2D", &l, "filters", "4",
                                     "kernel_l1", "0.001", "kernel_l2", "0.01", NULL);
  check_shape (m, l, "(batch, 6, 6, 4)", 40);
  NnLayer *layer = nn_model_layer (m, l);
  g_assert_cmpfloat_with_epsilon (layer->wspec[0].l1, 0.001, 1e-9);
  g_assert_cmpfloat_with_epsilon (layer->wspec[0].l2, 0.01, 1e-9);
  /* the bias is not penalized, as in Keras' kernel_regularizer */
  g_assert_cmpfloat (layer->wspec[1].l1, ==, 0);
  g_assert_cmpfloat (layer->wspec[1].l2, ==, 0);
}

static void
test_depthwise_separable_transpose_shapes (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("28, 28, 3", "DepthwiseConv2D", &l,
                                     "depth_multiplier", "2", NULL);
  check_shape (a, l, "(batch, 26, 26, 6)", 3 * 3 * 3 * 2 + 6);
  g_assert_cmpstr (nn_model_layer (a, l)->wspec[0].name, ==, "depthwise_kernel");
  g_autoptr (NnModel) b = one_layer ("28, 28, 3", "DepthwiseConv2D", &l, "padding", "same",
                                     "strides", "2", NULL);
  check_shape (b, l, "(batch, 14, 14, 3)", 3 * 3 * 3 + 3);
  g_autoptr (NnModel) c = one_layer ("28, 28, 3", "SeparableConv2D", &l, "filters", "16", NULL);
  check_shape (c, l, "(batch, 26, 26, 16)", 3 * 3 * 3 + 3 * 16 + 16);
  NnLayer *sep = nn_model_layer (c, l);
  g_assert_cmpint (sep->n_weights, ==, 3);
  g_assert_cmpstr (sep->wspec[0].name, ==, "depthwise_kernel");
  g_assert_cmpstr (sep->wspec[1].name, ==, "pointwise_kernel");
  g_autoptr (NnModel) d = one_layer ("14, 14, 8", "SeparableConv2D", &l, "filters", "32",
                                     "padding", "same", "depth_multiplier", "2", NULL);
  check_shape (d, l, "(batch, 14, 14, 32)", 3 * 3 * 8 * 2 + 16 * 32 + 32);
  g_autoptr (NnModel) e = one_layer ("7, 7, 16", "Conv2DTranspose", &l, "filters", "8",
                                     "strides", "2", "padding", "same", NULL);
  check_shape (e, l, "(batch, 14, 14, 8)", 3 * 3 * 8 * 16 + 8);
  /* Keras' transposed kernel layout: (kh, kw, filters, in_channels) */
  NnLayer *tr = nn_model_layer (e, l);
  g_assert_cmpint (tr->wspec[0].shape[2], ==, 8);
  g_assert_cmpint (tr->wspec[0].shape[3], ==, 16);
  g_autoptr (NnModel) f = one_layer ("7, 7, 16", "Conv2DTranspose", &l, "filters", "1",
                                     "strides", "2", NULL);
  check_shape (f, l, "(batch, 15, 15, 1)", 3 * 3 * 16 + 1);
}

static void
test_pooling_shapes (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("26, 26, 32", "MaxPooling2D", &l, NULL);
  check_shape (a, l, "(batch, 13, 13, 32)", 0);
  g_autoptr (NnModel) b = one_layer ("11, 11, 64", "MaxPooling2D", &l, NULL);
  check_shape (b, l, "(batch, 5, 5, 64)", 0);
  g_autoptr (NnModel) c = one_layer ("11, 11, 64", "MaxPooling2D", &l, "padding", "same", NULL);
  check_shape (c, l, "(batch, 6, 6, 64)", 0);
  g_autoptr (NnModel) d = one_layer ("7, 7, 4", "AveragePooling2D", &l, "pool_size", "3",
                                     "strides", "2", "padding", "same", NULL);
  check_shape (d, l, "(batch, 4, 4, 4)", 0);
  g_autoptr (NnModel) e = one_layer ("9, 8, 2", "AveragePooling2D", &l, "pool_size", "3, 2",
                                     "strides", "1", NULL);
  check_shape (e, l, "(batch, 7, 7, 2)", 0);
  g_autoptr (NnModel) f = one_layer ("5, 5, 64", "GlobalAveragePooling2D", &l, NULL);
  check_shape (f, l, "(batch, 64)", 0);
  g_autoptr (NnModel) g = one_layer ("3, 4, 10", "GlobalMaxPooling2D", &l, NULL);
  check_shape (g, l, "(batch, 10)", 0);
}

static void
test_resample_shapes (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("4, 5, 2", "UpSampling2D", &l, "size", "2, 3", NULL);
  check_shape (a, l, "(batch, 8, 15, 2)", 0);
  g_autoptr (NnModel) b = one_layer ("7, 7, 1", "UpSampling2D", &l, NULL);
  check_shape (b, l, "(batch, 14, 14, 1)", 0);
  g_autoptr (NnModel) c = one_layer ("28, 28, 1", "ZeroPadding2D", &l, NULL);
  check_shape (c, l, "(batch, 30, 30, 1)", 0);
  g_autoptr (NnModel) d = one_layer ("28, 28, 1", "ZeroPadding2D", &l, "padding", "1, 2", NULL);
  check_shape (d, l, "(batch, 30, 32, 1)", 0);
  g_autoptr (NnModel) e = one_layer ("28, 28, 1", "ZeroPadding2D", &l, "padding", "1, 2, 3, 4",
                                     NULL);
  check_shape (e, l, "(batch, 31, 35, 1)", 0);
  g_autoptr (NnModel) f = one_layer ("28, 28, 1", "ZeroPadding2D", &l, "padding", "1, 2, 3",
                                     NULL);
  check_error (f, l, NN_MODEL_ERROR_CONFIG, "1, 2 or 4 numbers", NULL);
}

static void
test_batchnorm_dropout_shapes (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("26, 26, 32", "BatchNormalization", &l, NULL);
  check_shape (a, l, "(batch, 26, 26, 32)", 4 * 32);
  gint64 tr, fixed;
  nn_model_count_params (a, &tr, &fixed);
  /* gamma and beta train; the moving statistics do not (as in Keras) */
  g_assert_cmpint (tr, ==, 64);
  g_assert_cmpint (fixed, ==, 64);
  g_autoptr (NnModel) b = one_layer ("100", "BatchNormalization", &l, NULL);
  check_shape (b, l, "(batch, 100)", 400);
  g_autoptr (NnModel) c = one_layer ("13, 13, 32", "SpatialDropout2D", &l, "rate", "0.2", NULL);
  check_shape (c, l, "(batch, 13, 13, 32)", 0);
}

/* The augmentation layers keep the shape, have no weights, and exist only
 * in training graphs. */
static void
test_augment_layers (void)
{
  g_autoptr (NnModel) m = nn_model_new ("aug");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", "10, 10, 3");
  int flip = test_add (m, "RandomFlip", NULL);
  test_set (m, flip, "mode", "horizontal");
  int rot = test_add (m, "RandomRotation", NULL);
  test_set (m, rot, "factor", "0.05");
  int zoom = test_add (m, "RandomZoom", NULL);
  test_set (m, zoom, "fill_mode", "constant");
  int tr = test_add (m, "RandomTranslation", NULL);
  test_set (m, tr, "width_factor", "0.2");
  int br = test_add (m, "RandomBrightness", NULL);
  int chain[] = { in, flip, rot, zoom, tr, br };
  for (guint k = 0; k + 1 < G_N_ELEMENTS (chain); k++)
    test_connect (m, chain[k], chain[k + 1]);
  check_shape (m, br, "(batch, 10, 10, 3)", 0);
  for (guint k = 1; k < G_N_ELEMENTS (chain); k++)
    g_assert_cmpint (nn_model_layer_count_params (m, chain[k]), ==, 0);
  g_autoptr (GError) error = NULL;
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = nn_compile (m, 2, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_ops (c->g, NN_OP_AUGMENT), ==, 5);
  NnNode *fn = &c->g->nodes[c->call_nodes[flip][0]];
  g_assert_cmpint (fn->ip[NN_AUG_FLIP_H], ==, 1);
  g_assert_cmpint (fn->ip[NN_AUG_FLIP_V], ==, 0);
  g_assert_cmpint (c->g->nodes[c->call_nodes[zoom][0]].ip[NN_AUG_FILL], ==, NN_FILL_CONSTANT);
  g_assert_cmpfloat_with_epsilon (c->g->nodes[c->call_nodes[tr][0]].fp[1], 0.2, 1e-6);
  nn_compiled_free (c);
  c = nn_compile (m, 2, 0, &rng, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_ops (c->g, NN_OP_AUGMENT), ==, 0);
  nn_compiled_free (c);
  /* on something that is not an image */
  int l;
  g_autoptr (NnModel) bad = one_layer ("10", "RandomFlip", &l, NULL);
  check_error (bad, l, NN_MODEL_ERROR_SHAPE, "RandomFlip expects images", NULL);
  g_autoptr (NnModel) range = one_layer ("4, 4, 1", "RandomBrightness", &l, "value_min", "2",
                                         NULL);
  check_error (range, l, NN_MODEL_ERROR_CONFIG, "value_max above value_min", NULL);
}

static void
test_errors (void)
{
  int l;
  g_autoptr (NnModel) a = one_layer ("3, 3, 1", "Conv2D", &l, "kernel_size", "5", NULL);
  check_error (a, l, NN_MODEL_ERROR_SHAPE, "Conv2D", "5x5 kernel is larger than its 3x3 input",
               "padding \"same\"", NULL);
  g_autoptr (NnModel) b = one_layer ("6, 6, 1", "Conv2D", &l, "dilation_rate", "3", NULL);
  check_error (b, l, NN_MODEL_ERROR_SHAPE, "dilation 3x3 spans 7x7", "6x6 input", NULL);
  g_autoptr (NnModel) c = one_layer ("28, 28, 1", "Conv2D", &l, "dilation_rate", "2",
                                     "strides", "2", NULL);
  check_error (c, l, NN_MODEL_ERROR_CONFIG, "strides above 1", "dilation_rate above 1", NULL);
  g_autoptr (NnModel) d = one_layer ("784", "Conv2D", &l, NULL);
  check_error (d, l, NN_MODEL_ERROR_SHAPE, "images (batch, height, width, channels)",
               "(batch, 784)", "Reshape with target_shape 28, 28, 1", NULL);
  g_autoptr (NnModel) e = one_layer ("28, 28", "MaxPooling2D", &l, NULL);
  check_error (e, l, NN_MODEL_ERROR_SHAPE, "(batch, 28, 28)", "channels axis", NULL);
  g_autoptr (NnModel) f = one_layer ("1, 1, 8", "MaxPooling2D", &l, NULL);
  check_error (f, l, NN_MODEL_ERROR_SHAPE, "2x2 pool window is larger than its 1x1 input", NULL);
  g_autoptr (NnModel) g = one_layer ("2, 2, 8", "DepthwiseConv2D", &l, NULL);
  check_error (g, l, NN_MODEL_ERROR_SHAPE, "DepthwiseConv2D", "3x3 kernel", NULL);
  g_autoptr (NnModel) h = one_layer ("10", "GlobalAveragePooling2D", &l, NULL);
  check_error (h, l, NN_MODEL_ERROR_SHAPE, "GlobalAveragePooling2D expects images", NULL);
  g_autoptr (NnModel) i = one_layer ("16384, 16384, 3", "UpSampling2D", &l, "size", "64", NULL);
  check_error (i, l, NN_MODEL_ERROR_SHAPE, "too many values", NULL);
  /* same padding never fails: the output keeps ceil (size / stride) */
  g_autoptr (NnModel) j = one_layer ("3, 3, 1", "Conv2D", &l, "kernel_size", "5",
                                     "padding", "same", NULL);
  check_shape (j, l, "(batch, 3, 3, 32)", 5 * 5 * 32 + 32);

  /* bad values are refused when set, with the parameter's name */
  g_autoptr (NnModel) k = nn_model_new ("k");
  int conv = test_add (k, "Conv2D", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_layer_set_param (k, conv, "padding", "full", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "valid, same"));
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (k, conv, "kernel_size", "0", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (k, conv, "kernel_size", "3, 3, 3", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (nn_model_layer_set_param (k, conv, "filters", "-4", &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG);
}

/* The classic convnet of the course, layer by layer. */
static NnModel *
classic_convnet (void)
{
  NnModel *m = nn_model_new ("classic");
  int in = test_add (m, "Input", "image");
  int c1 = test_add (m, "Conv2D", NULL), p1 = test_add (m, "MaxPooling2D", NULL);
  int c2 = test_add (m, "Conv2D", NULL), p2 = test_add (m, "MaxPooling2D", NULL);
  int c3 = test_add (m, "Conv2D", NULL), f = test_add (m, "Flatten", NULL);
  int d1 = test_add (m, "Dense", NULL), d2 = test_add (m, "Dense", NULL);
  test_set (m, c1, "filters", "32");
  test_set (m, c2, "filters", "64");
  test_set (m, c3, "filters", "64");
  test_set (m, c1, "activation", "relu");
  test_set (m, c2, "activation", "relu");
  test_set (m, c3, "activation", "relu");
  test_set (m, d1, "units", "64");
  test_set (m, d1, "activation", "relu");
  test_set (m, d2, "units", "10");
  test_set (m, d2, "activation", "softmax");
  int chain[] = { in, c1, p1, c2, p2, c3, f, d1, d2 };
  for (guint k = 0; k + 1 < G_N_ELEMENTS (chain); k++)
    test_connect (m, chain[k], chain[k + 1]);
  return m;
}

static void
test_classic_convnet (void)
{
  g_autoptr (NnModel) m = classic_convnet ();
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  const char *want[] = { "(batch, 28, 28, 1)", "(batch, 26, 26, 32)", "(batch, 13, 13, 32)",
                         "(batch, 11, 11, 64)", "(batch, 5, 5, 64)", "(batch, 3, 3, 64)",
                         "(batch, 576)", "(batch, 64)", "(batch, 10)" };
  for (int k = 0; k < 9; k++)
    {
      g_autofree char *s = shape_of (m, k);
      g_assert_cmpstr (s, ==, want[k]);
    }
  /* the figure every Keras course shows */
  g_assert_cmpint (nn_model_count_params (m, NULL, NULL), ==, 93322);

  /* one more conv + pool block no longer fits: the error says where */
  int p3 = test_add (m, "MaxPooling2D", NULL), c4 = test_add (m, "Conv2D", NULL);
  g_assert_true (nn_model_disconnect (m, 6, 0, 0));
  test_connect (m, 5, p3);
  test_connect (m, p3, c4);
  test_connect (m, c4, 6);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, c4), "larger than its 1x1 input"));
}

/* ---- lowering ---------------------------------------------------------- */


static void
test_lowering (void)
{
  g_autoptr (NnModel) m = nn_model_new ("lower");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", "12, 12, 3");
  int c1 = test_add (m, "Conv2D", NULL);
  test_set (m, c1, "filters", "4");
  test_set (m, c1, "activation", "relu");
  int c2 = test_add (m, "Conv2D", NULL);
  test_set (m, c2, "filters", "4");
  test_set (m, c2, "activation", "sigmoid");
  int sd = test_add (m, "SpatialDropout2D", NULL);
  int bn = test_add (m, "BatchNormalization", NULL);
  int sep = test_add (m, "SeparableConv2D", NULL);
  test_set (m, sep, "filters", "5");
  test_set (m, sep, "activation", "relu");
  int gap = test_add (m, "GlobalMaxPooling2D", NULL);
  int chain[] = { in, c1, c2, sd, bn, sep, gap };
  for (guint k = 0; k + 1 < G_N_ELEMENTS (chain); k++)
    test_connect (m, chain[k], chain[k + 1]);
  g_autoptr (GError) error = NULL;
  NnRng rng;
  nn_rng_seed (&rng, 5);
  g_assert_true (nn_model_init_weights (m, 5, &error));

  NnCompiled *c = nn_compile (m, 4, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  /* ReLU runs inside the convolutions; sigmoid is its own op */
  g_assert_cmpint (count_ops (g, NN_OP_RELU), ==, 0);
  g_assert_cmpint (count_ops (g, NN_OP_SIGMOID), ==, 1);
  g_assert_cmpint (count_ops (g, NN_OP_CONV2D), ==, 3);    /* two + the pointwise step */
  g_assert_cmpint (count_ops (g, NN_OP_DEPTHWISE_CONV2D), ==, 1);
  g_assert_cmpint (count_ops (g, NN_OP_SPATIAL_DROPOUT2D), ==, 1);
  NnNode *n1 = &g->nodes[c->call_nodes[c1][0]];
  g_assert_cmpint (n1->op, ==, NN_OP_CONV2D);
  g_assert_cmpint (n1->ip[NN_CONV_ACT], ==, NN_CONV_ACT_RELU);
  NnNode *out = &g->nodes[c->call_nodes[gap][0]];
  g_assert_cmpint (out->ndim, ==, 2);
  g_assert_cmpint (out->shape[0], ==, 4);
  g_assert_cmpint (out->shape[1], ==, 5);
  /* forward runs and gives the model's shapes at every layer */
  NnNode *x = &g->nodes[c->input_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = nn_rng_uniform (&rng);
  nn_graph_forward (g);
  for (int li = 1; li < nn_model_get_n_layers (m); li++)
    {
      NnNode *n = &g->nodes[c->call_nodes[li][0]];
      int ndim, shape[NN_MAX_DIMS];
      g_assert_true (nn_model_get_shape (m, (NnRef) { li, 0 }, &ndim, shape));
      g_assert_cmpint (n->ndim, ==, ndim + 1);
      for (int d = 0; d < ndim; d++)
        g_assert_cmpint (n->shape[d + 1], ==, shape[d]);
      for (size_t i = 0; i < n->size; i++)
        g_assert_true (isfinite (n->value[i]));
    }
  /* relu outputs are never negative */
  for (size_t i = 0; i < n1->size; i++)
    g_assert_cmpfloat (n1->value[i], >=, 0.0f);
  /* the moving statistics moved in training mode */
  NnLayer *bnl = nn_model_layer (m, bn);
  float *moving_var = m->params + bnl->woff[3];
  g_assert_cmpfloat (fabsf (moving_var[0] - 1.0f), >, 1e-6f);
  nn_compiled_free (c);

  /* inference: no dropout op at all */
  c = nn_compile (m, 2, 0, &rng, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_ops (c->g, NN_OP_SPATIAL_DROPOUT2D), ==, 0);
  nn_compiled_free (c);

  /* a frozen BatchNormalization keeps its statistics while training */
  nn_model_layer_set_trainable (m, bn, FALSE);
  c = nn_compile (m, 4, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  NnNode *bnn = &c->g->nodes[c->call_nodes[bn][0]];
  g_assert_cmpint (bnn->op, ==, NN_OP_BATCHNORM);
  g_assert_cmpint (bnn->ip[0], ==, 1);
  bnl = nn_model_layer (m, bn);
  float saved[4];
  memcpy (saved, m->params + bnl->woff[2], sizeof saved);
  x = &c->g->nodes[c->input_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = nn_rng_uniform (&rng);
  nn_graph_forward (c->g);
  g_assert_cmpmem (saved, sizeof saved, m->params + bnl->woff[2], sizeof saved);
  /* and gets no gradient for gamma and beta */
  g_assert_null (c->g->nodes[bnn->in[1]].grad);
  nn_compiled_free (c);
}

/* A convnet without kinks (linear and tanh, average pooling) so the whole
 * model's gradients can be checked by central differences. */
static void
test_model_gradients (void)
{
  g_autoptr (NnModel) m = nn_model_new ("grad");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", "8, 8, 2");
  int zp = test_add (m, "ZeroPadding2D", NULL);
  int c1 = test_add (m, "Conv2D", NULL);
  test_set (m, c1, "filters", "3");
  test_set (m, c1, "strides", "2");
  test_set (m, c1, "activation", "linear");   /* no kink for the difference quotients */
  int bn = test_add (m, "BatchNormalization", NULL);
  int ap = test_add (m, "AveragePooling2D", NULL);
  test_set (m, ap, "padding", "same");
  int up = test_add (m, "UpSampling2D", NULL);
  int sep = test_add (m, "SeparableConv2D", NULL);
  test_set (m, sep, "filters", "4");
  test_set (m, sep, "activation", "tanh");
  test_set (m, sep, "padding", "same");
  int tr = test_add (m, "Conv2DTranspose", NULL);
  test_set (m, tr, "filters", "2");
  test_set (m, tr, "strides", "2");
  test_set (m, tr, "activation", "tanh");
  int dw = test_add (m, "DepthwiseConv2D", NULL);
  int gap = test_add (m, "GlobalAveragePooling2D", NULL);
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", "3");
  test_set (m, d, "activation", "softmax");
  int chain[] = { in, zp, c1, bn, ap, up, sep, tr, dw, gap, d };
  for (guint k = 0; k + 1 < G_N_ELEMENTS (chain); k++)
    test_connect (m, chain[k], chain[k + 1]);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 7, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 7);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  NnNode *x = &g->nodes[c->input_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = nn_rng_uniform (&rng) * 2 - 1;
  float *t = g->nodes[c->target_nodes[0]].value;
  t[0] = 2, t[1] = 0, t[2] = 1;
  int checked = 0;
  for (int n = 0; n < g->n_nodes; n++)
    if ((g->nodes[n].op == NN_OP_PARAM || g->nodes[n].op == NN_OP_INPUT) && g->nodes[n].grad)
      {
        memset (c->grads, 0, c->n_grads * sizeof (float));
        double err = nn_graph_check_grad (g, c->loss_node, n, 1e-2, 0);
        g_test_message ("%s: max relative error %.2e", g->nodes[n].label ? g->nodes[n].label : "?",
                        err);
        g_assert_cmpfloat (err, <, 1e-3);
        checked++;
      }
  /* input; conv kernel, bias; gamma, beta; depthwise, pointwise, bias;
   * transposed kernel, bias; depthwise kernel, bias; dense kernel, bias */
  g_assert_cmpint (checked, ==, 14);
  nn_compiled_free (c);
}

/* ---- fused Conv2D + MaxPooling2D --------------------------------------- */

/* Convolutions the last train_step_values ran as Winograd fused with
 * their pooling. */
static int winograd_pools;

/* Loss, output and every gradient of one training step (weights, and the
 * input when asked), flattened into out; returns how many floats. */
static size_t
train_step_values (NnModel *m, int batch, const float *x_in, const float *t_in, int fuse,
                   int input_grads, float *out, int *fused_pools)
{
  g_autoptr (GError) error = NULL;
  g_setenv ("DEEPSCOPE_NO_FUSION", fuse ? "0" : "1", TRUE);
  NnRng rng;
  nn_rng_seed (&rng, 11);
  NnCompiled *c = nn_compile (m, batch,
                              NN_COMPILE_TRAIN | (input_grads ? NN_COMPILE_INPUT_GRADS : 0),
                              &rng, &error);
  g_unsetenv ("DEEPSCOPE_NO_FUSION");
  g_assert_no_error (error);
  NnGraph *g = c->g;
  *fused_pools = 0;
  winograd_pools = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      *fused_pools += g->nodes[i].computed_by_input;
      winograd_pools += g->nodes[i].op == NN_OP_CONV2D && g->nodes[i].ip[NN_CONV_WINOGRAD] == 2;
    }
  NnNode *x = &g->nodes[c->input_nodes[0]];
  memcpy (x->value, x_in, x->size * sizeof (float));
  memcpy (g->nodes[c->target_nodes[0]].value, t_in, (size_t) batch * sizeof (float));
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_forward_to (g, c->loss_node);
  nn_graph_backward (g, c->loss_node);
  size_t k = 0;
  out[k++] = g->nodes[c->loss_node].value[0];
  NnNode *o = &g->nodes[c->output_nodes[0]];
  memcpy (out + k, o->value, o->size * sizeof (float));
  k += o->size;
  memcpy (out + k, c->grads, c->n_grads * sizeof (float));
  k += c->n_grads;
  if (input_grads)
    {
      memcpy (out + k, x->grad, x->size * sizeof (float));
      k += x->size;
    }
  nn_compiled_free (c);
  return k;
}

/* Connects the layers of chain one after the other, makes the last one
 * the output (sparse cross-entropy) and draws the weights from seed. */
static void
finish_chain (NnModel *m, const int *chain, guint n, guint64 seed)
{
  for (guint k = 0; k + 1 < n; k++)
    test_connect (m, chain[k], chain[k + 1]);
  nn_model_add_output (m, (NnRef) { chain[n - 1], 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
                       1.0, NULL, 0);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
}

/* Input -> Conv2D -> MaxPooling2D -> Flatten -> Dense 3 softmax, with a
 * sparse cross-entropy loss, weights from seed. */
static NnModel *
conv_pool_model (const char *shape, const char *act, const char *conv_strides,
                 const char *pool, const char *pool_strides, const char *filters,
                 const char *padding, guint64 seed)
{
  NnModel *m = nn_model_new ("fused");
  int in = test_add (m, "Input", "image");
  test_set (m, in, "shape", shape);
  int cv = test_add (m, "Conv2D", NULL);
  test_set (m, cv, "filters", filters);
  test_set (m, cv, "padding", padding);
  test_set (m, cv, "activation", act);
  test_set (m, cv, "strides", conv_strides);
  int mp = test_add (m, "MaxPooling2D", NULL);
  test_set (m, mp, "pool_size", pool);
  if (*pool_strides)
    test_set (m, mp, "strides", pool_strides);
  int fl = test_add (m, "Flatten", NULL);
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", "3");
  test_set (m, d, "activation", "softmax");
  int chain[] = { in, cv, mp, fl, d };
  finish_chain (m, chain, G_N_ELEMENTS (chain), seed);
  return m;
}

/* batch random inputs in [-1, 1) for m's input (with zeros: 70 % of them
 * 0); *per: floats of one. */
static float *
conv_pool_inputs (NnModel *m, int batch, guint64 seed, int zeros, size_t *per)
{
  int ndim, shape[NN_MAX_DIMS];
  g_assert_true (nn_model_get_shape (m, (NnRef) { 0, 0 }, &ndim, shape));
  *per = nn_shape_size (ndim, shape);
  float *x = g_new (float, *per * (size_t) batch);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (size_t i = 0; i < *per * (size_t) batch; i++)
    {
      float v = nn_rng_uniform (&rng) * 2 - 1;
      x[i] = zeros && v < 0.4f ? 0.0f : v;
    }
  return x;
}

/* A training graph runs Conv2D + MaxPooling2D as one op; it must give the
 * same loss, outputs and gradients as the two ops apart, whose gradients
 * test-conv checks against central differences (here, random inputs put
 * near-ties in the windows that a difference step would flip): 2x2 pooling that
 * leaves an odd last row and column unread, overlapping 3x3 windows with
 * stride 2 (the generic kernel), a linear convolution, strides, inputs
 * full of zeros, so ReLU outputs tie at 0 inside windows, and enough
 * channels for the direct kernels and for Winograd fused with the pooling
 * (3x3, 16 channels). */
static void
test_fused_conv_pool (void)
{
  static const struct {
    const char *shape, *act, *conv_strides, *pool, *pool_strides, *filters, *padding;
    int zeros;
  } cases[] = {
    { "11, 11, 2", "relu", "1", "2", "", "5", "valid", 0 },
    { "11, 11, 2", "relu", "1", "2", "", "5", "valid", 1 },
    { "10, 10, 3", "relu", "1", "3", "2", "5", "valid", 0 },
    { "10, 10, 3", "relu", "1", "3", "2", "5", "valid", 1 },
    { "9, 12, 1", "linear", "1", "2", "", "5", "valid", 0 },
    { "13, 13, 2", "relu", "2", "2", "", "5", "valid", 0 },
    /* 8+ channels: the direct kernels (nn-conv-direct.c), on the rows
     * the pooling reads (an odd last row and column never computed);
     * "same" padding takes the input gradient as windows over dz */
    { "13, 13, 16", "relu", "1", "2", "", "16", "valid", 0 },
    { "10, 9, 8", "relu", "1", "2", "", "12", "valid", 1 },
    { "9, 9, 8", "relu", "1", "2", "", "8", "same", 0 },
  };
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      g_autoptr (NnModel) m = conv_pool_model (cases[ci].shape, cases[ci].act,
                                               cases[ci].conv_strides, cases[ci].pool,
                                               cases[ci].pool_strides, cases[ci].filters,
                                               cases[ci].padding, 3 + ci);
      int batch = 5;
      size_t per;
      float *x = conv_pool_inputs (m, batch, 100 + ci, cases[ci].zeros, &per);
      float t[5] = { 0, 2, 1, 1, 0 };
      size_t cap = 1 + (size_t) batch * 3 + (size_t) nn_model_count_params (m, NULL, NULL)
                   + per * (size_t) batch;
      float *a = g_new (float, cap), *b = g_new (float, cap);
      /* the default chunks (several images per group), then chunks of 32
       * rows, smaller than one image */
      for (int small = 0; small <= 1; small++)
      for (int input_grads = 0; input_grads <= 1; input_grads++)
        {
          int fa, fb;
          nn_conv_set_chunk_floats (small ? 64 : 0);
          size_t na = train_step_values (m, batch, x, t, 1, input_grads, a, &fa);
          size_t nb = train_step_values (m, batch, x, t, 0, input_grads, b, &fb);
          g_assert_cmpint (fa, ==, 1);
          g_assert_cmpint (fb, ==, 0);
          g_assert_cmpuint (na, ==, nb);
          /* relative, with a floor of 1 % of the largest value: the fused
           * path may run as Winograd, whose rounding is relative to the
           * sums it transforms, not to each small gradient */
          double worst = 0, scale = 0;
          for (size_t i = 0; i < na; i++)
            scale = MAX (scale, fabs ((double) b[i]));
          for (size_t i = 0; i < na; i++)
            worst = MAX (worst, fabs ((double) a[i] - b[i])
                                  / MAX (MAX (1e-3, 1e-2 * scale), fabs ((double) b[i])));
          nn_conv_set_chunk_floats (0);
          g_test_message ("case %u, %s chunks, input grads %d: %zu values, worst relative "
                          "difference %.2e", ci, small ? "small" : "default", input_grads, na,
                          worst);
          g_assert_cmpfloat (worst, <, 1e-4);
        }
      g_free (a);
      g_free (b);
      g_free (x);
    }
}

/* ---- MaxPooling2D 2x2 "same" after a Conv2D, odd sizes ------------------ */

/* The graph's max pooling node and the convolution it reads. */
static void
find_conv_pool (NnGraph *g, NnNode **conv, NnNode **pool)
{
  *conv = *pool = NULL;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].op == NN_OP_MAX_POOL2D)
      {
        *pool = &g->nodes[i];
        *conv = nn_in (g, *pool, 0);
      }
  g_assert_nonnull (*pool);
  g_assert_cmpint ((*conv)->op, ==, NN_OP_CONV2D);
}

/* The pooling's output against a naive 2x2 stride-2 "same" max pooling of
 * the convolution's output (Keras: the padding after the image, never
 * selected), and the gradient it passes back (dy at the first maximum of
 * each window; masked by the ReLU when the fused op applied it). */
static void
check_same_pool_naive (NnGraph *g, int relu_masked, const char *what)
{
  NnNode *conv, *pool;
  find_conv_pool (g, &conv, &pool);
  int B = conv->shape[0], H = conv->shape[1], W = conv->shape[2], C = conv->shape[3];
  int OH = (H + 1) / 2, OW = (W + 1) / 2;
  int pt = MAX ((OH - 1) * 2 + 2 - H, 0) / 2, pl = MAX ((OW - 1) * 2 + 2 - W, 0) / 2;
  g_assert_cmpint (pool->shape[1], ==, OH);
  g_assert_cmpint (pool->shape[2], ==, OW);
  size_t nz = conv->size;
  g_autofree float *dz = g_new0 (float, nz);
  double worst_y = 0, worst_dz = 0;
  for (int b = 0; b < B; b++)
    for (int i = 0; i < OH; i++)
      for (int j = 0; j < OW; j++)
        for (int c = 0; c < C; c++)
          {
            float best = -INFINITY;
            size_t arg = 0;
            for (int u = 0; u < 2; u++)
              for (int v = 0; v < 2; v++)
                {
                  int h = 2 * i - pt + u, w = 2 * j - pl + v;
                  if (h < 0 || h >= H || w < 0 || w >= W)
                    continue;
                  size_t at = (((size_t) b * H + h) * W + w) * C + c;
                  if (conv->value[at] > best)
                    best = conv->value[at], arg = at;
                }
            size_t o = (((size_t) b * OH + i) * OW + j) * C + c;
            worst_y = MAX (worst_y, fabs ((double) pool->value[o] - best));
            dz[arg] += pool->grad[o];
          }
  for (size_t i = 0; i < nz; i++)
    {
      float want = relu_masked && !(conv->value[i] > 0) ? 0.0f : dz[i];
      worst_dz = MAX (worst_dz, fabs ((double) conv->grad[i] - want));
    }
  g_test_message ("%s: pooled %dx%d -> %dx%d, max |y - ref| %.2e, max |dz - ref| %.2e", what,
                  H, W, OH, OW, worst_y, worst_dz);
  g_assert_cmpfloat (worst_y, ==, 0);
  g_assert_cmpfloat (worst_dz, ==, 0);
}

/* MaxPooling2D (2, "same") after a Conv2D on odd heights and widths: its
 * last windows hang over the image by one row or column. A training graph
 * runs the two as one op; the step must give the same loss, outputs and
 * gradients as the two ops apart, and the pooling must match a naive one
 * in both graphs (test-ops checks the fused op against central
 * differences). Short rows (2 to 3 channels), the direct kernels (8+),
 * and even sizes with "same" padding (no padding at all: the argmax and
 * Winograd fused paths) too. */
static void
test_fused_conv_pool_same_odd (void)
{
  static const struct {
    const char *shape, *act, *filters, *padding;
    int oh, ow, zeros, argmax;
  } cases[] = {
    { "9, 7, 2", "relu", "5", "valid", 7, 5, 0, 0 },
    { "5, 7, 3", "linear", "4", "same", 5, 7, 0, 0 },
    { "5, 5, 8", "relu", "12", "valid", 3, 3, 1, 0 },
    { "3, 3, 16", "relu", "16", "valid", 1, 1, 0, 0 },
    { "9, 4, 16", "relu", "16", "same", 9, 4, 0, 0 },
    { "11, 6, 8", "linear", "8", "valid", 9, 4, 0, 0 },
    { "8, 6, 16", "relu", "16", "same", 8, 6, 0, 1 },
    { "10, 8, 8", "relu", "8", "valid", 8, 6, 0, 1 },
  };
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      g_autoptr (NnModel) m = nn_model_new ("same-pool");
      int in = test_add (m, "Input", "image");
      test_set (m, in, "shape", cases[ci].shape);
      int cv = test_add (m, "Conv2D", NULL);
      test_set (m, cv, "filters", cases[ci].filters);
      test_set (m, cv, "padding", cases[ci].padding);
      test_set (m, cv, "activation", cases[ci].act);
      int mp = test_add (m, "MaxPooling2D", NULL);
      test_set (m, mp, "padding", "same");
      int fl = test_add (m, "Flatten", NULL);
      int d = test_add (m, "Dense", NULL);
      test_set (m, d, "units", "3");
      test_set (m, d, "activation", "softmax");
      int chain[] = { in, cv, mp, fl, d };
      finish_chain (m, chain, G_N_ELEMENTS (chain), 70 + ci);
      int batch = 5, relu = g_str_equal (cases[ci].act, "relu");
      size_t per;
      float *x = conv_pool_inputs (m, batch, 80 + ci, cases[ci].zeros, &per);
      float t[5] = { 1, 0, 2, 0, 1 };
      size_t cap = 1 + (size_t) batch * 3 + (size_t) nn_model_count_params (m, NULL, NULL)
                   + per * (size_t) batch;
      float *res[2] = { g_new (float, cap), g_new (float, cap) };
      size_t n[2];
      for (int fuse = 0; fuse <= 1; fuse++)
        {
          g_autoptr (GError) error = NULL;
          g_setenv ("DEEPSCOPE_NO_FUSION", fuse ? "0" : "1", TRUE);
          NnRng rng;
          nn_rng_seed (&rng, 11);
          NnCompiled *c = nn_compile (m, batch, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng,
                                      &error);
          g_unsetenv ("DEEPSCOPE_NO_FUSION");
          g_assert_no_error (error);
          NnGraph *g = c->g;
          NnNode *conv, *pool;
          find_conv_pool (g, &conv, &pool);
          g_assert_cmpint (conv->shape[1], ==, cases[ci].oh);
          g_assert_cmpint (conv->shape[2], ==, cases[ci].ow);
          g_assert_cmpint (pool->computed_by_input, ==, fuse);
          /* 16 channels, 3x3, argmax kept: Winograd fused with the pooling */
          g_assert_cmpint (conv->ip[NN_CONV_WINOGRAD] == 2, ==,
                           fuse && cases[ci].argmax && g_str_equal (cases[ci].filters, "16"));
          NnNode *xn = &g->nodes[c->input_nodes[0]];
          memcpy (xn->value, x, xn->size * sizeof (float));
          memcpy (g->nodes[c->target_nodes[0]].value, t, sizeof t);
          memset (c->grads, 0, c->n_grads * sizeof (float));
          nn_graph_forward_to (g, c->loss_node);
          nn_graph_backward (g, c->loss_node);
          g_autofree char *what = g_strdup_printf ("case %u, %s", ci, fuse ? "fused" : "apart");
          /* with argmax the fused op never stores the convolution's output */
          if (!fuse || !cases[ci].argmax)
            check_same_pool_naive (g, fuse && relu, what);
          size_t k = 0;
          float *out = res[fuse];
          out[k++] = g->nodes[c->loss_node].value[0];
          NnNode *o = &g->nodes[c->output_nodes[0]];
          memcpy (out + k, o->value, o->size * sizeof (float));
          k += o->size;
          memcpy (out + k, c->grads, c->n_grads * sizeof (float));
          k += c->n_grads;
          memcpy (out + k, xn->grad, xn->size * sizeof (float));
          k += xn->size;
          n[fuse] = k;
          nn_compiled_free (c);
        }
      g_assert_cmpuint (n[0], ==, n[1]);
      double worst = 0, scale = 0;
      for (size_t i = 0; i < n[0]; i++)
        scale = MAX (scale, fabs ((double) res[0][i]));
      for (size_t i = 0; i < n[0]; i++)
        worst = MAX (worst, fabs ((double) res[1][i] - res[0][i])
                              / MAX (MAX (1e-3, 1e-2 * scale), fabs ((double) res[0][i])));
      g_test_message ("case %u (%s -> %dx%d): fused against apart, %zu values, worst relative "
                      "difference %.2e", ci, cases[ci].shape, cases[ci].oh, cases[ci].ow, n[0],
                      worst);
      g_assert_cmpfloat (scale, >, 0);
      g_assert_cmpfloat (worst, <, 1e-4);
      g_free (res[0]);
      g_free (res[1]);
      g_free (x);
    }
}

/* A ReLU after a batch norm runs inside it in training graphs: the same
 * loss, outputs and gradients as the two ops apart, with the batch norm
 * training and frozen (moving statistics, as Keras runs a non-trainable
 * one). */
static void
test_fused_bn_relu (void)
{
  for (int frozen = 0; frozen <= 1; frozen++)
    {
      g_autoptr (NnModel) m = nn_model_new ("bn-relu");
      int in = test_add (m, "Input", "image");
      test_set (m, in, "shape", "9, 9, 8");
      int cv = test_add (m, "Conv2D", NULL);
      test_set (m, cv, "filters", "16");
      test_set (m, cv, "padding", "same");
      int bn = test_add (m, "BatchNormalization", NULL);
      int act = test_add (m, "Activation", NULL);
      test_set (m, act, "activation", "relu");
      int mp = test_add (m, "MaxPooling2D", NULL);
      int fl = test_add (m, "Flatten", NULL);
      int d = test_add (m, "Dense", NULL);
      test_set (m, d, "units", "3");
      test_set (m, d, "activation", "softmax");
      int chain[] = { in, cv, bn, act, mp, fl, d };
      finish_chain (m, chain, G_N_ELEMENTS (chain), 61);
      if (frozen)
        nn_model_layer_set_trainable (m, bn, FALSE);
      int batch = 6;
      size_t per;
      float *x = conv_pool_inputs (m, batch, 62, 0, &per);
      float t[6] = { 0, 1, 2, 2, 1, 0 };
      size_t cap = 1 + (size_t) batch * 3 + (size_t) nn_model_count_params (m, NULL, NULL)
                   + per * (size_t) batch;
      float *a = g_new (float, cap), *b = g_new (float, cap);
      int fa, fb;
      size_t na = train_step_values (m, batch, x, t, 1, 1, a, &fa);
      size_t nb = train_step_values (m, batch, x, t, 0, 1, b, &fb);
      g_assert_cmpint (fa, ==, 1);   /* the ReLU */
      g_assert_cmpint (fb, ==, 0);
      g_assert_cmpuint (na, ==, nb);
      double scale = 0, diff = 0;
      for (size_t i = 0; i < na; i++)
        {
          scale = MAX (scale, fabs ((double) b[i]));
          diff = MAX (diff, fabs ((double) a[i] - b[i]));
        }
      g_test_message ("batch norm %s: %zu values, max difference %.2e of %.2e",
                      frozen ? "frozen" : "training", na, diff, scale);
      g_assert_cmpfloat (scale, >, 0);
      g_assert_cmpfloat (diff, <=, 1e-6 * scale);
      g_free (a);
      g_free (b);
      g_free (x);
    }
}

/* Winograd fused with the pooling and the direct kernels (also fused)
 * compute the same training step: the classic convnet's second layer,
 * "same" padding on odd sizes (the last row and column unpooled), and a
 * batch that splits unevenly into tasks and groups. */
static void
test_winograd_pool (void)
{
  static const struct {
    const char *shape, *filters, *padding;
    int batch;
  } cases[] = {
    { "13, 13, 32", "64", "valid", 9 },
    { "9, 11, 16", "24", "same", 13 },
    { "6, 6, 48", "8", "valid", 3 },
  };
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      g_autoptr (NnModel) m = conv_pool_model (cases[ci].shape, "relu", "1", "2", "",
                                               cases[ci].filters, cases[ci].padding, 40 + ci);
      int batch = cases[ci].batch;
      size_t per;
      float *x = conv_pool_inputs (m, batch, 50 + ci, 0, &per);
      float *t = g_new (float, (size_t) batch);
      for (int i = 0; i < batch; i++)
        t[i] = (float) (i % 3);
      size_t cap = 1 + (size_t) batch * 3 + (size_t) nn_model_count_params (m, NULL, NULL)
                   + per * (size_t) batch;
      float *res[2] = { g_new (float, cap), g_new (float, cap) };
      size_t n[2];
      for (int wino = 0; wino <= 1; wino++)
        {
          int fused;
          nn_conv_set_winograd (wino);
          n[wino] = train_step_values (m, batch, x, t, 1, 1, res[wino], &fused);
          g_assert_cmpint (fused, ==, 1);
          g_assert_cmpint (winograd_pools, ==, wino);
        }
      nn_conv_set_winograd (1);
      g_assert_cmpuint (n[0], ==, n[1]);
      double scale = 0, diff = 0;
      for (size_t i = 0; i < n[0]; i++)
        {
          scale = MAX (scale, fabs ((double) res[0][i]));
          diff = MAX (diff, fabs ((double) res[0][i] - res[1][i]));
        }
      g_test_message ("%s -> %s %s: %zu values, max difference %.2e of %.2e", cases[ci].shape,
                      cases[ci].filters, cases[ci].padding, n[0], diff, scale);
      g_assert_cmpfloat (scale, >, 0);
      g_assert_cmpfloat (diff, <=, 1e-5 * scale);
      g_free (res[0]);
      g_free (res[1]);
      g_free (t);
      g_free (x);
    }
}

/* The split of a training step's work depends on the batch alone: loss,
 * outputs and every gradient are the same bits on one, two or three
 * threads (and with or without the fused pooling). */
static void
test_threads_same_numbers (void)
{
  g_autoptr (NnModel) m = classic_convnet ();
  test_set (m, 0, "shape", "20, 20, 3");
  nn_model_add_output (m, (NnRef) { 8, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       NULL, 0);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 21, &error));
  g_assert_no_error (error);
  int batch = 13;
  size_t per = 20 * 20 * 3;
  float *x = g_new (float, per * (size_t) batch), t[13];
  NnRng rng;
  nn_rng_seed (&rng, 8);
  for (size_t i = 0; i < per * (size_t) batch; i++)
    x[i] = nn_rng_uniform (&rng);
  for (int i = 0; i < batch; i++)
    t[i] = (float) (i % 10);
  size_t cap = 1 + (size_t) batch * 10 + (size_t) nn_model_count_params (m, NULL, NULL)
               + per * (size_t) batch;
  int saved = nn_parallel_threads ();
  for (int fuse = 0; fuse <= 1; fuse++)
    {
      float *ref = g_new (float, cap), *got = g_new (float, cap);
      int fused;
      nn_parallel_set_threads (1);
      size_t n = train_step_values (m, batch, x, t, fuse, 1, ref, &fused);
      g_assert_cmpint (fused, ==, fuse ? 2 : 0);
      for (int threads = 2; threads <= 3; threads++)
        {
          nn_parallel_set_threads (threads);
          g_assert_cmpuint (train_step_values (m, batch, x, t, fuse, 1, got, &fused), ==, n);
          g_test_message ("fuse %d, %d threads: %zu values", fuse, threads, n);
          g_assert_cmpmem (got, n * sizeof (float), ref, n * sizeof (float));
        }
      g_free (ref);
      g_free (got);
    }
  nn_parallel_set_threads (saved);
  g_free (x);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/conv-layers/table", test_table);
  g_test_add_func ("/engine/conv-layers/conv2d-shapes", test_conv2d_shapes);
  g_test_add_func ("/engine/conv-layers/regularizer", test_regularizer);
  g_test_add_func ("/engine/conv-layers/depthwise-separable-transpose",
                   test_depthwise_separable_transpose_shapes);
  g_test_add_func ("/engine/conv-layers/pooling-shapes", test_pooling_shapes);
  g_test_add_func ("/engine/conv-layers/resample-shapes", test_resample_shapes);
  g_test_add_func ("/engine/conv-layers/batchnorm-dropout-shapes", test_batchnorm_dropout_shapes);
  g_test_add_func ("/engine/conv-layers/augment", test_augment_layers);
  g_test_add_func ("/engine/conv-layers/errors", test_errors);
  g_test_add_func ("/engine/conv-layers/classic-convnet", test_classic_convnet);
  g_test_add_func ("/engine/conv-layers/lowering", test_lowering);
  g_test_add_func ("/engine/conv-layers/model-gradients", test_model_gradients);
  g_test_add_func ("/engine/conv-layers/fused-conv-pool", test_fused_conv_pool);
  g_test_add_func ("/engine/conv-layers/winograd-pool", test_winograd_pool);
  g_test_add_func ("/engine/conv-layers/fused-conv-pool-same-odd", test_fused_conv_pool_same_odd);
  g_test_add_func ("/engine/conv-layers/fused-bn-relu", test_fused_bn_relu);
  g_test_add_func ("/engine/conv-layers/threads-same-numbers", test_threads_same_numbers);
  return g_test_run ();
}
