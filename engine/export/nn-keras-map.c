/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Keras mapping: one entry per layer type of the layer table, its
 * Keras 2 / TensorFlow.js Layers class name and a function writing its
 * config with Keras's keys and defaults. The engine's weights already have
 * Keras's layouts (MODEL-FORMAT.md: Conv2D HWIO, Dense (in, out), LSTM
 * gates i f c o, GRU z r h, BatchNormalization gamma, beta, moving_mean,
 * moving_variance), so weights map one to one, in order. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-export-private.h"

/* ---- reading a layer's parameters --------------------------------------- */

static const NnValue *
val (const NnModel *m, int l, const char *name)
{
  const NnValue *v = nn_model_layer_get_param (m, l, name);
  g_assert (v != NULL);
  return v;
}

static const char *
enum_text (const NnModel *m, int l, const char *name)
{
  const NnLayerType *t = nn_model_layer_get_type (m, l);
  for (guint i = 0; i < nn_layer_type_get_n_params (t); i++)
    {
      const NnParamSpec *s = nn_layer_type_get_param (t, i);
      if (g_str_equal (s->name, name))
        return s->choices[val (m, l, name)->i];
    }
  g_assert_not_reached ();
}

/* ---- writing Keras values --------------------------------------------- */

static void
put_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
put_double (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_double_value (b, v);
}

static void
put_bool (JsonBuilder *b, const char *key, gboolean v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_boolean_value (b, v);
}

static void
put_string (JsonBuilder *b, const char *key, const char *v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_string_value (b, v);
}

static void
put_null (JsonBuilder *b, const char *key)
{
  json_builder_set_member_name (b, key);
  json_builder_add_null_value (b);
}

static void
put_ints (JsonBuilder *b, const char *key, const int *v, int n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (int i = 0; i < n; i++)
    json_builder_add_int_value (b, v[i]);
  json_builder_end_array (b);
}

/* An INT parameter copied under the same key. */
static void
copy_int (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  put_int (b, key, val (m, l, key)->i);
}

static void
copy_double (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  put_double (b, key, val (m, l, key)->f);
}

static void
copy_bool (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  put_bool (b, key, val (m, l, key)->i != 0);
}

/* A 1- or 2-entry SHAPE parameter as Keras's pair ("3" means 3, 3). */
static void
copy_pair (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  const NnValue *v = val (m, l, key);
  int p[2] = { v->shape[0], v->n > 1 ? v->shape[1] : v->shape[0] };
  put_ints (b, key, p, 2);
}

/* An INT parameter as a one-entry tuple (Conv1D's kernel_size, strides). */
static void
copy_tuple1 (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  int v = val (m, l, key)->i;
  put_ints (b, key, &v, 1);
}

/* Our activation names are Keras's, but for silu, which Keras calls swish;
 * a leaky_relu after the layer is a LeakyReLU layer of its own. */
static void
copy_activation (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  const char *a = enum_text (m, l, key);
  if (g_str_equal (key, "activation") && nn_keras_leaky_after ((NnModel *) m, l))
    a = "linear";
  put_string (b, key, g_str_equal (a, "silu") ? "swish" : a);
}

typedef struct {
  const char *ours, *keras;
  double a, b;          /* the distribution's own settings, NAN: none */
  const char *ka, *kb;  /* their keys */
} KerasInit;

static const KerasInit keras_inits[] = {
  { "zeros", "Zeros", NAN, NAN, NULL, NULL },
  { "ones", "Ones", NAN, NAN, NULL, NULL },
  { "glorot_uniform", "GlorotUniform", NAN, NAN, NULL, NULL },
  { "glorot_normal", "GlorotNormal", NAN, NAN, NULL, NULL },
  { "he_normal", "HeNormal", NAN, NAN, NULL, NULL },
  { "he_uniform", "HeUniform", NAN, NAN, NULL, NULL },
  { "lecun_normal", "LecunNormal", NAN, NAN, NULL, NULL },
  { "random_normal", "RandomNormal", 0.0, 0.05, "mean", "stddev" },
  { "orthogonal", "Orthogonal", 1.0, NAN, "gain", NULL },
  { "uniform", "RandomUniform", -0.05, 0.05, "minval", "maxval" },
};

const char *
nn_keras_init_class (const char *ours)
{
  for (guint i = 0; i < G_N_ELEMENTS (keras_inits); i++)
    if (g_str_equal (keras_inits[i].ours, ours))
      return keras_inits[i].keras;
  return NULL;
}

const char *
nn_keras_init_ours (const char *keras)
{
  for (guint i = 0; i < G_N_ELEMENTS (keras_inits); i++)
    if (g_str_equal (keras_inits[i].keras, keras))
      return keras_inits[i].ours;
  /* TF.js spells it so */
  return g_str_equal (keras, "LeCunNormal") ? "lecun_normal" : NULL;
}

static void
copy_init (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  const char *ours = enum_text (m, l, key);
  const KerasInit *k = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (keras_inits); i++)
    if (g_str_equal (keras_inits[i].ours, ours))
      k = &keras_inits[i];
  g_assert (k != NULL);
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  put_string (b, "class_name", k->keras);
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  if (k->ka)
    put_double (b, k->ka, k->a);
  if (k->kb)
    put_double (b, k->kb, k->b);
  if (!g_str_equal (k->keras, "Zeros") && !g_str_equal (k->keras, "Ones"))
    put_null (b, "seed");
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* kernel_l1 and kernel_l2 as Keras's L1L2 regularizer under `key`. */
static void
copy_regularizer (JsonBuilder *b, const NnModel *m, int l, const char *key)
{
  double l1 = val (m, l, "kernel_l1")->f, l2 = val (m, l, "kernel_l2")->f;
  if (l1 == 0 && l2 == 0)
    {
      put_null (b, key);
      return;
    }
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  put_string (b, "class_name", "L1L2");
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  put_double (b, "l1", l1);
  put_double (b, "l2", l2);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* ---- one function per layer type --------------------------------------- */

static void
input_config (JsonBuilder *b, NnModel *m, int l)
{
  const NnValue *v = val (m, l, "shape");
  json_builder_set_member_name (b, "batch_input_shape");
  json_builder_begin_array (b);
  json_builder_add_null_value (b);
  for (int i = 0; i < v->n; i++)
    json_builder_add_int_value (b, v->shape[i]);
  json_builder_end_array (b);
  put_bool (b, "sparse", FALSE);
  put_bool (b, "ragged", FALSE);
}

/* activation, use_bias, the initializers, regularizers and constraints of
 * Dense and the convolutions. */
static void
kernel_keys (JsonBuilder *b, NnModel *m, int l)
{
  copy_activation (b, m, l, "activation");
  copy_bool (b, m, l, "use_bias");
  copy_init (b, m, l, "kernel_initializer");
  copy_init (b, m, l, "bias_initializer");
  copy_regularizer (b, m, l, "kernel_regularizer");
  put_null (b, "bias_regularizer");
  put_null (b, "activity_regularizer");
  put_null (b, "kernel_constraint");
  put_null (b, "bias_constraint");
}

static void
dense_keys (JsonBuilder *b, NnModel *m, int l)
{
  copy_int (b, m, l, "units");
  kernel_keys (b, m, l);
}

static void
activation_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_activation (b, m, l, "activation");
}

static void
dropout_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "rate");
  put_null (b, "noise_shape");
  put_null (b, "seed");
}

static void
channels_last (JsonBuilder *b, NnModel *m, int l)
{
  put_string (b, "data_format", "channels_last");
}

static void
reshape_config (JsonBuilder *b, NnModel *m, int l)
{
  const NnValue *v = val (m, l, "target_shape");
  put_ints (b, "target_shape", v->shape, v->n);
}

static void
no_config (JsonBuilder *b, NnModel *m, int l)
{
}

static void
concatenate_config (JsonBuilder *b, NnModel *m, int l)
{
  put_int (b, "axis", -1);
}

/* kernel_size, strides, padding, data_format, dilation_rate of the 2-D
 * convolutions. */
static void
conv2d_window (JsonBuilder *b, NnModel *m, int l)
{
  copy_pair (b, m, l, "kernel_size");
  copy_pair (b, m, l, "strides");
  put_string (b, "padding", enum_text (m, l, "padding"));
  put_string (b, "data_format", "channels_last");
  copy_pair (b, m, l, "dilation_rate");
}

static void
conv2d_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_int (b, m, l, "filters");
  conv2d_window (b, m, l);
  put_int (b, "groups", 1);
  kernel_keys (b, m, l);
}

static void
transpose_config (JsonBuilder *b, NnModel *m, int l)
{
  conv2d_config (b, m, l);
  put_null (b, "output_padding");
}

static void
depthwise_config (JsonBuilder *b, NnModel *m, int l)
{
  conv2d_window (b, m, l);
  copy_int (b, m, l, "depth_multiplier");
  copy_activation (b, m, l, "activation");
  copy_bool (b, m, l, "use_bias");
  copy_init (b, m, l, "depthwise_initializer");
  copy_init (b, m, l, "bias_initializer");
  copy_regularizer (b, m, l, "depthwise_regularizer");
  put_null (b, "bias_regularizer");
  put_null (b, "activity_regularizer");
}

static void
separable_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_int (b, m, l, "filters");
  conv2d_window (b, m, l);
  copy_int (b, m, l, "depth_multiplier");
  copy_activation (b, m, l, "activation");
  copy_bool (b, m, l, "use_bias");
  copy_init (b, m, l, "depthwise_initializer");
  copy_init (b, m, l, "pointwise_initializer");
  copy_init (b, m, l, "bias_initializer");
  copy_regularizer (b, m, l, "depthwise_regularizer");
  copy_regularizer (b, m, l, "pointwise_regularizer");
  put_null (b, "bias_regularizer");
  put_null (b, "activity_regularizer");
}

static void
pool2d_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_pair (b, m, l, "pool_size");
  if (val (m, l, "strides")->n == 0)
    {
      const NnValue *p = val (m, l, "pool_size");
      int s[2] = { p->shape[0], p->n > 1 ? p->shape[1] : p->shape[0] };
      put_ints (b, "strides", s, 2);
    }
  else
    copy_pair (b, m, l, "strides");
  put_string (b, "padding", enum_text (m, l, "padding"));
  put_string (b, "data_format", "channels_last");
}

static void
global_pool_config (JsonBuilder *b, NnModel *m, int l)
{
  put_string (b, "data_format", "channels_last");
  put_bool (b, "keepdims", FALSE);
}

static void
upsample_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_pair (b, m, l, "size");
  put_string (b, "data_format", "channels_last");
  put_string (b, "interpolation", enum_text (m, l, "interpolation"));
}

static void
zero_pad_config (JsonBuilder *b, NnModel *m, int l)
{
  const NnValue *v = val (m, l, "padding");
  int p[4];                     /* top, bottom, left, right */
  if (v->n == 1)
    p[0] = p[1] = p[2] = p[3] = v->shape[0];
  else if (v->n == 2)
    p[0] = p[1] = v->shape[0], p[2] = p[3] = v->shape[1];
  else
    memcpy (p, v->shape, sizeof p);
  json_builder_set_member_name (b, "padding");
  json_builder_begin_array (b);
  for (int i = 0; i < 4; i += 2)
    {
      json_builder_begin_array (b);
      json_builder_add_int_value (b, p[i]);
      json_builder_add_int_value (b, p[i + 1]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
}

static void
batchnorm_config (JsonBuilder *b, NnModel *m, int l)
{
  put_int (b, "axis", -1);
  copy_double (b, m, l, "momentum");
  copy_double (b, m, l, "epsilon");
  put_bool (b, "center", TRUE);
  put_bool (b, "scale", TRUE);
  copy_init (b, m, l, "beta_initializer");
  copy_init (b, m, l, "gamma_initializer");
  copy_init (b, m, l, "moving_mean_initializer");
  copy_init (b, m, l, "moving_variance_initializer");
  put_null (b, "beta_regularizer");
  put_null (b, "gamma_regularizer");
}

static void
fill_keys (JsonBuilder *b, NnModel *m, int l)
{
  put_string (b, "fill_mode", enum_text (m, l, "fill_mode"));
  copy_double (b, m, l, "fill_value");
  put_string (b, "interpolation", "bilinear");
  put_null (b, "seed");
}

static void
flip_config (JsonBuilder *b, NnModel *m, int l)
{
  put_string (b, "mode", enum_text (m, l, "mode"));
  put_null (b, "seed");
}

static void
rotation_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "factor");
  fill_keys (b, m, l);
}

static void
zoom_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "height_factor");
  put_null (b, "width_factor");
  fill_keys (b, m, l);
}

static void
translation_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "height_factor");
  copy_double (b, m, l, "width_factor");
  fill_keys (b, m, l);
}

static void
brightness_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "factor");
  double r[2] = { val (m, l, "value_min")->f, val (m, l, "value_max")->f };
  json_builder_set_member_name (b, "value_range");
  json_builder_begin_array (b);
  json_builder_add_double_value (b, r[0]);
  json_builder_add_double_value (b, r[1]);
  json_builder_end_array (b);
  put_null (b, "seed");
}

static void
sampling_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_double (b, m, l, "beta");
}

static void
embedding_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_int (b, m, l, "input_dim");
  copy_int (b, m, l, "output_dim");
  copy_init (b, m, l, "embeddings_initializer");
  put_null (b, "embeddings_regularizer");
  put_null (b, "activity_regularizer");
  put_null (b, "embeddings_constraint");
  copy_bool (b, m, l, "mask_zero");
  put_null (b, "input_length");
}

static void
conv1d_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_int (b, m, l, "filters");
  copy_tuple1 (b, m, l, "kernel_size");
  copy_tuple1 (b, m, l, "strides");
  put_string (b, "padding", enum_text (m, l, "padding"));
  put_string (b, "data_format", "channels_last");
  copy_tuple1 (b, m, l, "dilation_rate");
  put_int (b, "groups", 1);
  kernel_keys (b, m, l);
}

static void
pool1d_config (JsonBuilder *b, NnModel *m, int l)
{
  copy_tuple1 (b, m, l, "pool_size");
  const NnValue *s = val (m, l, "strides");
  int stride = s->n == 0 ? val (m, l, "pool_size")->i : s->shape[0];
  put_ints (b, "strides", &stride, 1);
  put_string (b, "padding", enum_text (m, l, "padding"));
  put_string (b, "data_format", "channels_last");
}

/* The keys of SimpleRNN, LSTM and GRU (`cell` names which apply). */
static void
rnn_keys (JsonBuilder *b, NnModel *m, int l, const char *cell)
{
  gboolean gated = !g_str_equal (cell, "SimpleRNN");
  copy_int (b, m, l, "units");
  put_string (b, "activation", enum_text (m, l, "activation"));
  if (gated)
    put_string (b, "recurrent_activation", enum_text (m, l, "recurrent_activation"));
  copy_bool (b, m, l, "use_bias");
  copy_init (b, m, l, "kernel_initializer");
  copy_init (b, m, l, "recurrent_initializer");
  copy_init (b, m, l, "bias_initializer");
  if (g_str_equal (cell, "LSTM"))
    copy_bool (b, m, l, "unit_forget_bias");
  put_null (b, "kernel_regularizer");
  put_null (b, "recurrent_regularizer");
  put_null (b, "bias_regularizer");
  put_null (b, "activity_regularizer");
  copy_double (b, m, l, "dropout");
  copy_double (b, m, l, "recurrent_dropout");
  copy_bool (b, m, l, "return_sequences");
  copy_bool (b, m, l, "return_state");
  put_bool (b, "stateful", FALSE);
  put_bool (b, "unroll", FALSE);
  put_bool (b, "time_major", FALSE);
  if (g_str_equal (cell, "GRU"))
    copy_bool (b, m, l, "reset_after");
}

static void
rnn_config (JsonBuilder *b, NnModel *m, int l)
{
  rnn_keys (b, m, l, nn_layer_type_get_name (nn_model_layer_get_type (m, l)));
  copy_bool (b, m, l, "go_backwards");
}

static void
bidirectional_config (JsonBuilder *b, NnModel *m, int l)
{
  const char *cell = enum_text (m, l, "layer");
  /* Keras names the directions forward_NAME and backward_NAME */
  g_autofree char *inner = g_ascii_strdown (cell, -1);
  json_builder_set_member_name (b, "layer");
  json_builder_begin_object (b);
  put_string (b, "class_name", cell);
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  put_string (b, "name", inner);
  put_bool (b, "trainable", nn_model_layer_get_trainable (m, l));
  put_string (b, "dtype", "float32");
  rnn_keys (b, m, l, cell);
  put_bool (b, "go_backwards", FALSE);
  json_builder_end_object (b);
  json_builder_end_object (b);
  put_string (b, "merge_mode", enum_text (m, l, "merge_mode"));
}

static void
time_distributed_config (JsonBuilder *b, NnModel *m, int l)
{
  g_autofree char *inner = g_strdup_printf ("%s_dense", nn_model_layer_get_name (m, l));
  json_builder_set_member_name (b, "layer");
  json_builder_begin_object (b);
  put_string (b, "class_name", "Dense");
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  put_string (b, "name", inner);
  put_bool (b, "trainable", nn_model_layer_get_trainable (m, l));
  put_string (b, "dtype", "float32");
  dense_keys (b, m, l);
  json_builder_end_object (b);
  json_builder_end_object (b);
}

/* ---- leaky_relu as a LeakyReLU layer ------------------------------------ */

/* TF.js has no leaky_relu activation string, only a LeakyReLU layer (and
 * tf.keras 2 has no "leaky_relu" in keras.activations): a layer whose
 * output activation is leaky_relu is written with a linear activation and
 * followed by a LeakyReLU layer; an Activation layer is one. */

gboolean
nn_keras_leaky_after (NnModel *m, int l)
{
  static const char *const types[] = {
    "Dense", "TimeDistributed", "Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D",
    "Conv2DTranspose", NULL
  };
  return g_strv_contains (types, nn_layer_type_get_name (nn_model_layer_get_type (m, l)))
         && g_str_equal (enum_text (m, l, "activation"), "leaky_relu");
}

char *
nn_keras_leaky_name (NnModel *m, int l)
{
  g_autofree char *base = g_strdup_printf ("%s_leaky_relu", nn_model_layer_get_name (m, l));
  char *name = g_strdup (base);
  for (int i = 2; nn_model_find_layer (m, name) >= 0; i++)
    {
      g_free (name);
      name = g_strdup_printf ("%s_%d", base, i);
    }
  return name;
}

/* class_name and config of a LeakyReLU layer named `name`. */
static void
leaky_members (JsonBuilder *b, const char *name, gboolean trainable)
{
  put_string (b, "class_name", "LeakyReLU");
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  put_string (b, "name", name);
  put_bool (b, "trainable", trainable);
  put_string (b, "dtype", "float32");
  put_double (b, "alpha", NN_LEAKY_RELU_ALPHA);
  json_builder_end_object (b);
}

void
nn_keras_build_leaky (JsonBuilder *b, NnModel *m, int l)
{
  g_autofree char *name = nn_keras_leaky_name (m, l);
  leaky_members (b, name, nn_model_layer_get_trainable (m, l));
}

JsonNode *
nn_keras_leaky_config (NnModel *m, int l)
{
  if (!nn_keras_leaky_after (m, l))
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  nn_keras_build_leaky (b, m, l);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- the table --------------------------------------------------------- */

typedef void (*KerasConfigFn) (JsonBuilder *b, NnModel *m, int l);

typedef struct {
  const char   *ours;
  const char   *keras;
  KerasConfigFn config;
} KerasMap;

static const KerasMap keras_map[] = {
  { "Input", "InputLayer", input_config },
  { "Dense", "Dense", dense_keys },
  { "Activation", "Activation", activation_config },
  { "Dropout", "Dropout", dropout_config },
  { "Flatten", "Flatten", channels_last },
  { "Reshape", "Reshape", reshape_config },
  { "Add", "Add", no_config },
  { "Concatenate", "Concatenate", concatenate_config },
  { "Multiply", "Multiply", no_config },
  { "Conv2D", "Conv2D", conv2d_config },
  { "DepthwiseConv2D", "DepthwiseConv2D", depthwise_config },
  { "SeparableConv2D", "SeparableConv2D", separable_config },
  { "Conv2DTranspose", "Conv2DTranspose", transpose_config },
  { "MaxPooling2D", "MaxPooling2D", pool2d_config },
  { "AveragePooling2D", "AveragePooling2D", pool2d_config },
  { "GlobalAveragePooling2D", "GlobalAveragePooling2D", global_pool_config },
  { "GlobalMaxPooling2D", "GlobalMaxPooling2D", global_pool_config },
  { "UpSampling2D", "UpSampling2D", upsample_config },
  { "ZeroPadding2D", "ZeroPadding2D", zero_pad_config },
  { "BatchNormalization", "BatchNormalization", batchnorm_config },
  { "SpatialDropout2D", "SpatialDropout2D", dropout_config },
  { "RandomFlip", "RandomFlip", flip_config },
  { "RandomRotation", "RandomRotation", rotation_config },
  { "RandomZoom", "RandomZoom", zoom_config },
  { "RandomTranslation", "RandomTranslation", translation_config },
  { "RandomBrightness", "RandomBrightness", brightness_config },
  { "Sampling", "Sampling", sampling_config },
  { "Embedding", "Embedding", embedding_config },
  { "TimeDistributed", "TimeDistributed", time_distributed_config },
  { "Conv1D", "Conv1D", conv1d_config },
  { "MaxPooling1D", "MaxPooling1D", pool1d_config },
  { "AveragePooling1D", "AveragePooling1D", pool1d_config },
  { "GlobalMaxPooling1D", "GlobalMaxPooling1D", global_pool_config },
  { "GlobalAveragePooling1D", "GlobalAveragePooling1D", global_pool_config },
  { "SimpleRNN", "SimpleRNN", rnn_config },
  { "LSTM", "LSTM", rnn_config },
  { "GRU", "GRU", rnn_config },
  { "Bidirectional", "Bidirectional", bidirectional_config },
};

const char *
nn_keras_class_name (const char *ours)
{
  if (g_str_equal (ours, "Model"))
    return "Functional";
  for (guint i = 0; i < G_N_ELEMENTS (keras_map); i++)
    if (g_str_equal (keras_map[i].ours, ours))
      return keras_map[i].keras;
  return NULL;
}

const char *
nn_keras_class_ours (const char *keras)
{
  if (g_str_equal (keras, "Functional") || g_str_equal (keras, "Model"))
    return "Model";
  for (guint i = 0; i < G_N_ELEMENTS (keras_map); i++)
    if (g_str_equal (keras_map[i].keras, keras))
      return keras_map[i].ours;
  return NULL;
}

/* {"class_name", "config"} of a plain (non-Model) layer into `b`. */
gboolean
nn_keras_build_layer (JsonBuilder *b, NnModel *m, int l, GError **error)
{
  const char *ours = nn_layer_type_get_name (nn_model_layer_get_type (m, l));
  const KerasMap *k = NULL;
  for (guint i = 0; i < G_N_ELEMENTS (keras_map); i++)
    if (g_str_equal (keras_map[i].ours, ours))
      k = &keras_map[i];
  if (k == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER,
                   _("layer “%s”: %s has no Keras equivalent"), nn_model_layer_get_name (m, l),
                   ours);
      return FALSE;
    }
  if (g_str_equal (ours, "Activation") && g_str_equal (enum_text (m, l, "activation"), "leaky_relu"))
    {
      leaky_members (b, nn_model_layer_get_name (m, l), nn_model_layer_get_trainable (m, l));
      return TRUE;
    }
  put_string (b, "class_name", k->keras);
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  put_string (b, "name", nn_model_layer_get_name (m, l));
  put_bool (b, "trainable", nn_model_layer_get_trainable (m, l));
  put_string (b, "dtype", "float32");
  k->config (b, m, l);
  json_builder_end_object (b);
  return TRUE;
}

JsonNode *
nn_keras_layer_config (NnModel *m, int l, GError **error)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  if (g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)), "Model"))
    {
      if (!nn_keras_build_submodel (b, m, l, error))
        return NULL;
    }
  else if (!nn_keras_build_layer (b, m, l, error))
    return NULL;
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* ---- weights ---------------------------------------------------------- */

int
nn_keras_layer_weights (NnModel *m, int l, GPtrArray *names, GArray *views)
{
  const char *ours = nn_layer_type_get_name (nn_model_layer_get_type (m, l));
  const char *lname = nn_model_layer_get_name (m, l);
  int n = nn_model_layer_get_n_weights (m, l);
  for (int k = 0; k < n; k++)
    {
      NnTensor view;
      const char *w = nn_model_layer_get_weight (m, l, k, &view);
      char *name;
      if (g_str_equal (ours, "Bidirectional"))
        {
          /* forward_kernel -> NAME/forward_lstm/kernel */
          g_autofree char *cell = g_ascii_strdown (enum_text (m, l, "layer"), -1);
          const char *us = strchr (w, '_');
          g_autofree char *dir = g_strndup (w, us - w);
          name = g_strdup_printf ("%s/%s_%s/%s", lname, dir, cell, us + 1);
        }
      else
        name = g_strdup_printf ("%s/%s", lname, w);
      g_ptr_array_add (names, name);
      g_array_append_val (views, view);
    }
  return n;
}
