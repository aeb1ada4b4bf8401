/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Import of Keras models: a TF.js Layers model.json (with its weight
 * shards) or a Keras 2 model.to_json() text. The Keras topology is turned
 * into a Deepscope model file's text (the layer configs the other way
 * round from nn-keras-map.c), which the model reader checks as any file;
 * the weights are then matched by name (nn-import-weights.c). A Keras
 * setting the engine lacks (channels_first, groups, constraints, ...) is
 * refused, naming the layer and the setting. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-export-private.h"

#define IMPORT_MAX_DEPTH 8

typedef struct {
  JsonBuilder *b;
  const char  *layer;   /* the Keras layer's name, for messages */
  const char  *cls;     /* its Keras class */
  gboolean     leaky;   /* a LeakyReLU after it is folded in: activation leaky_relu */
} Conv;

/* One Functional model's names: its nested models, the LeakyReLU layers
 * folded into the layer before them (name -> that layer's name) and those
 * layers. */
typedef struct {
  GHashTable *nested, *fold, *leaky;
} Scope;

static gboolean
refuse (GError **error, Conv *c, const char *fmt, ...) G_GNUC_PRINTF (3, 4);

static gboolean
refuse (GError **error, Conv *c, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *what = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG, _("layer “%s” (%s): %s"),
               c->layer, c->cls, what);
  return FALSE;
}

/* Keras settings the engine has no counterpart for: they must be null. */
static const char *const must_be_null[] = {
  "activity_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint",
  "recurrent_regularizer", "recurrent_constraint", "depthwise_constraint",
  "pointwise_constraint", "embeddings_regularizer", "embeddings_constraint",
  "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
  "output_padding", "noise_shape", NULL
};

static gboolean
check_unsupported (JsonObject *cfg, Conv *c, GError **error)
{
  for (int i = 0; must_be_null[i]; i++)
    if (json_object_has_member (cfg, must_be_null[i])
        && !JSON_NODE_HOLDS_NULL (json_object_get_member (cfg, must_be_null[i])))
      return refuse (error, c, "%s is not supported (Deepscope has none)", must_be_null[i]);
  const char *df = nn_json_string (cfg, "data_format", "channels_last");
  if (!g_str_equal (df, "channels_last"))
    return refuse (error, c, "data_format %s is not supported (only channels_last)", df);
  static const char *const must_be_false[] = { "stateful", NULL };
  for (int i = 0; must_be_false[i]; i++)
    if (nn_json_bool (cfg, must_be_false[i], FALSE))
      return refuse (error, c, "%s=true is not supported", must_be_false[i]);
  static const char *const must_be_true[] = { "center", "scale", NULL };
  for (int i = 0; must_be_true[i]; i++)
    if (!nn_json_bool (cfg, must_be_true[i], TRUE))
      return refuse (error, c, "%s=false is not supported", must_be_true[i]);
  if (nn_json_number (cfg, "groups", 1) != 1)
    return refuse (error, c, "groups other than 1 are not supported");
  if (g_str_equal (c->cls, "Concatenate")
      && nn_json_number (cfg, "axis", -1) != -1)
    return refuse (error, c, "only axis -1 (the last) is supported");
  return TRUE;
}

/* TF.js writes some activations in camel case. */
static const char *
activation_ours (const char *a)
{
  return g_str_equal (a, "hardSigmoid") ? "hard_sigmoid" : a;
}

/* Our initializer name from a Keras initializer object (VarianceScaling as
 * TF.js writes the Glorot, He and LeCun ones), NULL when there is none. */
static const char *
init_ours (JsonNode *n)
{
  if (!JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  JsonObject *o = json_node_get_object (n);
  const char *cls = nn_json_string (o, "class_name", "");
  if (!g_str_equal (cls, "VarianceScaling"))
    return nn_keras_init_ours (cls);
  JsonObject *cfg = nn_json_object (o, "config");
  if (cfg == NULL)
    return NULL;
  double scale = nn_json_number (cfg, "scale", 1);
  const char *mode = nn_json_string (cfg, "mode", "");
  const char *dist = nn_json_string (cfg, "distribution", "");
  gboolean uniform = g_str_equal (dist, "uniform");
  if (scale == 1 && g_str_equal (mode, "fan_avg"))
    return uniform ? "glorot_uniform" : "glorot_normal";
  if (scale == 2 && g_str_equal (mode, "fan_in"))
    return uniform ? "he_uniform" : "he_normal";
  if (scale == 1 && g_str_equal (mode, "fan_in") && !uniform)
    return "lecun_normal";
  return NULL;
}

/* An int from a number or a one-entry list. */
static gboolean
int_of (JsonNode *n, gint64 *out)
{
  if (JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) == 1)
    n = json_array_get_element (json_node_get_array (n), 0);
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) == G_TYPE_STRING)
    return FALSE;
  *out = json_node_get_int (n);
  return json_node_get_double (n) == (double) *out;
}

/* One parameter of ours from the Keras value v; FALSE: refused. */
static gboolean
put_param (Conv *c, const NnParamSpec *p, JsonNode *v, GError **error)
{
  gint64 i;
  if (JSON_NODE_HOLDS_NULL (v))
    return TRUE;             /* the engine's default (pool strides: the pool size) */
  json_builder_set_member_name (c->b, p->name);
  switch (p->type)
    {
    case NN_PARAM_INT:
      if (!int_of (v, &i))
        return refuse (error, c, "%s is not a whole number", p->name);
      json_builder_add_int_value (c->b, i);
      return TRUE;
    case NN_PARAM_SHAPE:
      if (JSON_NODE_HOLDS_ARRAY (v))
        {
          json_builder_begin_array (c->b);
          JsonArray *a = json_node_get_array (v);
          for (guint k = 0; k < json_array_get_length (a); k++)
            {
              if (!int_of (json_array_get_element (a, k), &i))
                return refuse (error, c, "%s entry %u is not a whole number", p->name, k);
              json_builder_add_int_value (c->b, i);
            }
          json_builder_end_array (c->b);
          return TRUE;
        }
      if (!int_of (v, &i))
        return refuse (error, c, "%s is not a whole number or a list", p->name);
      json_builder_begin_array (c->b);
      json_builder_add_int_value (c->b, i);
      json_builder_end_array (c->b);
      return TRUE;
    case NN_PARAM_ENUM:
      if (g_str_has_suffix (p->name, "_initializer"))
        {
          const char *ours = init_ours (v);
          /* only training from scratch reads it: an unknown one is the default */
          json_builder_add_string_value (c->b, ours ? ours : p->def);
          return TRUE;
        }
      G_GNUC_FALLTHROUGH;  /* a string */
    case NN_PARAM_STRING:
      if (!JSON_NODE_HOLDS_VALUE (v) || json_node_get_value_type (v) != G_TYPE_STRING)
        return refuse (error, c, "%s is not a name", p->name);
      json_builder_add_string_value (c->b, activation_ours (json_node_get_string (v)));
      return TRUE;
    default:
      /* FLOAT and BOOL: the reader checks the JSON type */
      json_builder_add_value (c->b, json_node_copy (v));
      return TRUE;
    }
}

/* kernel_l1 and kernel_l2 from an L1L2 (or L1, L2) regularizer. */
static gboolean
put_regularizer (Conv *c, JsonObject *cfg, GError **error)
{
  static const char *const keys[] = { "kernel_regularizer", "depthwise_regularizer", NULL };
  for (int k = 0; keys[k]; k++)
    {
      JsonNode *r = json_object_get_member (cfg, keys[k]);
      if (r == NULL || JSON_NODE_HOLDS_NULL (r))
        continue;
      JsonObject *ro = JSON_NODE_HOLDS_OBJECT (r) ? json_node_get_object (r) : NULL;
      const char *cls = ro ? nn_json_string (ro, "class_name", "")
                           : "";
      JsonObject *rc = ro ? nn_json_object (ro, "config") : NULL;
      if (rc == NULL || !(g_str_equal (cls, "L1L2") || g_str_equal (cls, "L1")
                          || g_str_equal (cls, "L2")))
        return refuse (error, c, "%s %s is not supported (only L1L2)", keys[k], cls);
      json_builder_set_member_name (c->b, "kernel_l1");
      json_builder_add_double_value (c->b, nn_json_number (rc, "l1", 0));
      json_builder_set_member_name (c->b, "kernel_l2");
      json_builder_add_double_value (c->b, nn_json_number (rc, "l2", 0));
      return TRUE;
    }
  return TRUE;
}

static gboolean
put_input_shape (Conv *c, JsonObject *cfg, GError **error)
{
  JsonArray *s = nn_json_array (cfg, "batch_input_shape");
  if (s == NULL || json_array_get_length (s) < 2)
    return refuse (error, c, "batch_input_shape is missing");
  json_builder_set_member_name (c->b, "shape");
  json_builder_begin_array (c->b);
  for (guint k = 1; k < json_array_get_length (s); k++)
    {
      gint64 d;
      if (!int_of (json_array_get_element (s, k), &d))
        return refuse (error, c, "axis %u of the input shape has no fixed size; Deepscope "
                       "needs one", k);
      json_builder_add_int_value (c->b, d);
    }
  json_builder_end_array (c->b);
  return TRUE;
}

/* ZeroPadding2D's padding: n, (rows, cols) or ((top, bottom), (left, right)). */
static gboolean
put_zero_padding (Conv *c, JsonNode *v, GError **error)
{
  gint64 p[4], a;
  if (int_of (v, &a))
    p[0] = p[1] = p[2] = p[3] = a;
  else if (JSON_NODE_HOLDS_ARRAY (v) && json_array_get_length (json_node_get_array (v)) == 2)
    for (int k = 0; k < 2; k++)
      {
        JsonNode *e = json_array_get_element (json_node_get_array (v), k);
        if (int_of (e, &a))
          p[2 * k] = p[2 * k + 1] = a;
        else if (JSON_NODE_HOLDS_ARRAY (e) && json_array_get_length (json_node_get_array (e)) == 2
                 && int_of (json_array_get_element (json_node_get_array (e), 0), &p[2 * k])
                 && int_of (json_array_get_element (json_node_get_array (e), 1), &p[2 * k + 1]))
          ;
        else
          return refuse (error, c, "padding is not understood");
      }
  else
    return refuse (error, c, "padding is not understood");
  json_builder_set_member_name (c->b, "padding");
  json_builder_begin_array (c->b);
  for (int k = 0; k < 4; k++)
    json_builder_add_int_value (c->b, p[k]);
  json_builder_end_array (c->b);
  return TRUE;
}

/* Our config object of a plain layer of our type `t` from the Keras config
 * (for wrappers, `inner` holds the wrapped layer's keys). */
static gboolean
put_config (Conv *c, const NnLayerType *t, JsonObject *cfg, JsonObject *inner, GError **error)
{
  const char *ours = nn_layer_type_get_name (t);
  if (!check_unsupported (cfg, c, error) || (inner && !check_unsupported (inner, c, error)))
    return FALSE;
  json_builder_set_member_name (c->b, "config");
  json_builder_begin_object (c->b);
  if (g_str_equal (ours, "Input") && !put_input_shape (c, cfg, error))
    return FALSE;
  if (!put_regularizer (c, inner ? inner : cfg, error))
    return FALSE;
  for (guint k = 0; k < nn_layer_type_get_n_params (t); k++)
    {
      const NnParamSpec *p = nn_layer_type_get_param (t, k);
      if (g_str_equal (ours, "Input") || g_str_has_prefix (p->name, "kernel_l"))
        continue;
      if (inner && g_str_equal (p->name, "layer"))
        {
          json_builder_set_member_name (c->b, "layer");
          json_builder_add_string_value (c->b, c->cls);
          continue;
        }
      if (c->leaky && g_str_equal (p->name, "activation"))
        {
          json_builder_set_member_name (c->b, "activation");
          json_builder_add_string_value (c->b, "leaky_relu");
          continue;
        }
      JsonObject *from = inner && !g_str_equal (p->name, "merge_mode") ? inner : cfg;
      JsonNode *v = json_object_get_member (from, p->name);
      if (v == NULL)
        continue;
      if (g_str_equal (ours, "ZeroPadding2D") ? !put_zero_padding (c, v, error)
                                              : !put_param (c, p, v, error))
        return FALSE;
    }
  json_builder_end_object (c->b);
  return TRUE;
}

/* ---- LeakyReLU ------------------------------------------------------------ */

/* TRUE when a LeakyReLU's alpha (Keras 3: negative_slope) is the engine's
 * leaky_relu slope, else refused (error may be NULL). */
static gboolean
leaky_alpha_ok (Conv *c, JsonObject *cfg, GError **error)
{
  JsonNode *v = nn_json_member (cfg, "alpha");
  if (v == NULL)
    v = nn_json_member (cfg, "negative_slope");
  if (v == NULL || JSON_NODE_HOLDS_NULL (v))
    return TRUE;   /* Keras 2's and TF.js's default, 0.3 */
  GType t = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return refuse (error, c, "alpha is not a number");
  double a = json_node_get_double (v);
  if (!isfinite (a))
    return refuse (error, c, "alpha %g is not a finite number", a);
  if ((float) a != (float) NN_LEAKY_RELU_ALPHA)
    return refuse (error, c, "alpha %g is not supported: Deepscope's leaky_relu has the slope "
                   "%g (Keras 2's default) only", a, NN_LEAKY_RELU_ALPHA);
  return TRUE;
}

/* The layer name a reference [name, node, tensor, ...] reads, or NULL. */
static const char *
ref_name (JsonNode *ref, gboolean first_output)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (ref) ? json_node_get_array (ref) : NULL;
  gint64 node, tensor;
  if (a == NULL || json_array_get_length (a) < 3)
    return NULL;
  if (first_output && !(int_of (json_array_get_element (a, 1), &node)
                        && int_of (json_array_get_element (a, 2), &tensor)
                        && node == 0 && tensor == 0))
    return NULL;
  return nn_json_array_string (a, 0);
}

/* How many references read each layer (by name): inbound tensors and
 * model outputs. */
static GHashTable *
count_reads (JsonArray *layers, JsonArray *outs)
{
  GHashTable *reads = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *lists = g_ptr_array_new ();
  for (guint k = 0; k < json_array_get_length (layers); k++)
    {
      JsonArray *in = nn_json_array (nn_json_array_object (layers, k), "inbound_nodes");
      for (guint i = 0; in && i < json_array_get_length (in); i++)
        if (JSON_NODE_HOLDS_ARRAY (json_array_get_element (in, i)))
          g_ptr_array_add (lists, json_node_get_array (json_array_get_element (in, i)));
    }
  g_ptr_array_add (lists, outs);
  for (guint i = 0; i < lists->len; i++)
    {
      JsonArray *refs = g_ptr_array_index (lists, i);
      for (guint k = 0; k < json_array_get_length (refs); k++)
        {
          const char *n = ref_name (json_array_get_element (refs, k), FALSE);
          if (n)
            g_hash_table_insert (reads, (gpointer) n,
                                 GINT_TO_POINTER (GPOINTER_TO_INT (g_hash_table_lookup (reads, n)) + 1));
        }
    }
  g_ptr_array_unref (lists);
  return reads;
}

/* The layer before LeakyReLU `lo` when the LeakyReLU folds into it: its
 * activation is linear and applies last, it has one call, and the
 * LeakyReLU alone reads it. */
static const char *
fold_target (JsonArray *layers, JsonObject *lo, GHashTable *reads)
{
  static const char *const foldable[] = {
    "Dense", "Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", NULL
  };
  JsonArray *in = nn_json_array (lo, "inbound_nodes");
  JsonNode *call = in && json_array_get_length (in) == 1 ? json_array_get_element (in, 0) : NULL;
  if (call == NULL || !JSON_NODE_HOLDS_ARRAY (call)
      || json_array_get_length (json_node_get_array (call)) != 1)
    return NULL;
  const char *from = ref_name (json_array_get_element (json_node_get_array (call), 0), TRUE);
  if (from == NULL || GPOINTER_TO_INT (g_hash_table_lookup (reads, from)) != 1)
    return NULL;
  for (guint k = 0; k < json_array_get_length (layers); k++)
    {
      JsonObject *po = nn_json_array_object (layers, k);
      if (po == NULL || g_strcmp0 (nn_json_string (po, "name", NULL), from) != 0)
        continue;
      JsonArray *pin = nn_json_array (po, "inbound_nodes");
      return g_strv_contains (foldable, nn_json_string (po, "class_name", ""))
             && g_str_equal (nn_json_string (nn_json_object (po, "config"), "activation", ""),
                             "linear")
             && pin && json_array_get_length (pin) == 1 ? from : NULL;
    }
  return NULL;
}

/* The LeakyReLU layers (alpha the engine's) that fold into the layer
 * before them: into s->fold and s->leaky. */
static void
find_folds (JsonArray *layers, JsonArray *outs, Scope *s)
{
  g_autoptr (GHashTable) reads = count_reads (layers, outs);
  for (guint k = 0; k < json_array_get_length (layers); k++)
    {
      JsonObject *lo = nn_json_array_object (layers, k);
      const char *name = nn_json_string (lo, "name", NULL);
      Conv c = { NULL, name, "LeakyReLU", FALSE };
      if (name == NULL || nn_json_object (lo, "config") == NULL
          || !g_str_equal (nn_json_string (lo, "class_name", ""), "LeakyReLU")
          || !leaky_alpha_ok (&c, nn_json_object (lo, "config"), NULL))
        continue;
      const char *from = fold_target (layers, lo, reads);
      if (from && !g_hash_table_contains (s->leaky, from))
        {
          g_hash_table_insert (s->fold, (gpointer) name, (gpointer) from);
          g_hash_table_add (s->leaky, (gpointer) from);
        }
    }
}

/* ---- topology ---------------------------------------------------------- */

/* Keras's node index of a reference to layer `name`, as our call index:
 * a nested model's calls count from 1 (node 0 built it). */
static gboolean
put_ref (Conv *c, JsonNode *ref, Scope *s, GError **error)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (ref) ? json_node_get_array (ref) : NULL;
  gint64 node, tensor;
  if (a == NULL || json_array_get_length (a) < 3
      || nn_json_array_string (a, 0) == NULL
      || !int_of (json_array_get_element (a, 1), &node)
      || !int_of (json_array_get_element (a, 2), &tensor))
    return refuse (error, c, "an inbound tensor is not [name, node, tensor, ...] (a Keras 3 "
                   "file? only Keras 2 and TF.js Layers files are read)");
  const char *name = nn_json_array_string (a, 0);
  if (g_hash_table_contains (s->fold, name))
    name = g_hash_table_lookup (s->fold, name);
  if (g_hash_table_contains (s->nested, name))
    node--;
  /* a tensor past the layer's outputs is the model reader's error */
  if (tensor < 0 || tensor >= NN_MAX_LAYER_OUTPUTS || node < 0 || node > G_MAXINT)
    return refuse (error, c, "it reads output %" G_GINT64_FORMAT " of node %" G_GINT64_FORMAT
                   " of “%s”, which no Deepscope layer has", tensor, node, name);
  json_builder_begin_array (c->b);
  json_builder_add_string_value (c->b, name);
  json_builder_add_int_value (c->b, node);
  json_builder_add_int_value (c->b, tensor);
  json_builder_end_array (c->b);
  return TRUE;
}

static gboolean
put_refs (Conv *c, const char *key, JsonArray *refs, Scope *s, gboolean nest, GError **error)
{
  json_builder_set_member_name (c->b, key);
  json_builder_begin_array (c->b);
  for (guint i = 0; refs && i < json_array_get_length (refs); i++)
    {
      JsonNode *e = json_array_get_element (refs, i);
      if (nest)
        {
          JsonArray *call = JSON_NODE_HOLDS_ARRAY (e) ? json_node_get_array (e) : NULL;
          if (call == NULL)
            return refuse (error, c, "inbound_nodes entry %u is not a list", i);
          json_builder_begin_array (c->b);
          for (guint k = 0; k < json_array_get_length (call); k++)
            if (!put_ref (c, json_array_get_element (call, k), s, error))
              return FALSE;
          json_builder_end_array (c->b);
        }
      else if (!put_ref (c, e, s, error))
        return FALSE;
    }
  json_builder_end_array (c->b);
  return TRUE;
}

static gboolean put_model_config (JsonBuilder *b, JsonObject *cfg, int depth, GError **error);

static gboolean
put_layer (JsonBuilder *b, JsonObject *lo, Scope *s, int depth, GError **error)
{
  JsonObject *cfg = nn_json_object (lo, "config");
  const char *cls = nn_json_string (lo, "class_name", "");
  const char *name = nn_json_string (lo, "name", cfg ? nn_json_string (cfg, "name", "") : "");
  Conv c = { b, name, cls, g_hash_table_contains (s->leaky, name) };
  /* a LeakyReLU not folded into the layer before it: an Activation layer */
  gboolean leaky = g_str_equal (cls, "LeakyReLU");
  const char *ours = leaky ? "Activation" : nn_keras_class_ours (cls);
  if (ours == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER,
                   _("layer “%s”: Keras class %s has no Deepscope equivalent"), name, cls);
      return FALSE;
    }
  if (cfg == NULL)
    return refuse (error, &c, "config is missing");
  if (leaky && !leaky_alpha_ok (&c, cfg, error))
    return FALSE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "class_name");
  json_builder_add_string_value (b, ours);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "trainable");
  json_builder_add_boolean_value (b, nn_json_bool (cfg, "trainable",
                                                                                  TRUE));
  gboolean ok = TRUE;
  if (leaky)
    {
      json_builder_set_member_name (b, "config");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "activation");
      json_builder_add_string_value (b, "leaky_relu");
      json_builder_end_object (b);
    }
  else if (g_str_equal (ours, "Model"))
    {
      json_builder_set_member_name (b, "config");
      ok = put_model_config (b, cfg, depth + 1, error);
    }
  else if (g_str_equal (ours, "Bidirectional") || g_str_equal (ours, "TimeDistributed"))
    {
      JsonObject *w = nn_json_object (cfg, "layer");
      JsonObject *wc = w ? nn_json_object (w, "config") : NULL;
      if (wc == NULL)
        return refuse (error, &c, "the wrapped layer is missing");
      c.cls = nn_json_string (w, "class_name", "");
      ok = put_config (&c, nn_layer_type_lookup (ours), cfg, wc, error);
    }
  else
    ok = put_config (&c, nn_layer_type_lookup (ours), cfg, NULL, error);
  JsonArray *inbound = nn_json_array (lo, "inbound_nodes");
  if (!ok || !put_refs (&c, "inbound_nodes", inbound, s, TRUE, error))
    return FALSE;
  json_builder_end_object (b);
  return TRUE;
}

/* Input layers first, in input_layers' order (as the model reader wants),
 * then the others in their order. */
static GPtrArray *
layer_order (JsonArray *layers, JsonArray *inputs)
{
  GPtrArray *order = g_ptr_array_new ();
  for (guint i = 0; inputs && i < json_array_get_length (inputs); i++)
    {
      JsonNode *r = json_array_get_element (inputs, i);
      const char *want = JSON_NODE_HOLDS_ARRAY (r) && json_array_get_length (json_node_get_array (r))
                         ? nn_json_array_string (json_node_get_array (r), 0) : NULL;
      for (guint k = 0; want && k < json_array_get_length (layers); k++)
        {
          JsonObject *lo = nn_json_array_object (layers, k);
          if (lo && g_strcmp0 (nn_json_string (lo, "name", ""),
                               want) == 0)
            g_ptr_array_add (order, lo);
        }
    }
  for (guint k = 0; k < json_array_get_length (layers); k++)
    {
      JsonObject *lo = nn_json_array_object (layers, k);
      if (lo && !g_ptr_array_find (order, lo, NULL))
        g_ptr_array_add (order, lo);
    }
  return order;
}

/* A Functional config {name, layers, input_layers, output_layers} as ours. */
static gboolean
put_model_config (JsonBuilder *b, JsonObject *cfg, int depth, GError **error)
{
  const char *name = nn_json_string (cfg, "name", "model");
  Conv c = { b, name, "Functional" };
  if (depth > IMPORT_MAX_DEPTH)
    return refuse (error, &c, "models nest more than %d deep", IMPORT_MAX_DEPTH);
  JsonArray *layers = nn_json_array (cfg, "layers");
  JsonArray *ins = nn_json_array (cfg, "input_layers");
  JsonArray *outs = nn_json_array (cfg, "output_layers");
  if (layers == NULL || ins == NULL || outs == NULL)
    return refuse (error, &c, "layers, input_layers or output_layers is missing");
  g_autoptr (GHashTable) nested = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) fold = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) leaky = g_hash_table_new (g_str_hash, g_str_equal);
  Scope s = { nested, fold, leaky };
  for (guint k = 0; k < json_array_get_length (layers); k++)
    {
      JsonObject *lo = nn_json_array_object (layers, k);
      if (lo && g_strcmp0 (nn_keras_class_ours (nn_json_string (lo, "class_name", "")), "Model") == 0)
        g_hash_table_add (nested, (gpointer) nn_json_string (lo, "name", ""));
    }
  find_folds (layers, outs, &s);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  g_autoptr (GPtrArray) order = layer_order (layers, ins);
  for (guint k = 0; k < order->len; k++)
    if (!g_hash_table_contains (fold, nn_json_string (g_ptr_array_index (order, k), "name", ""))
        && !put_layer (b, g_ptr_array_index (order, k), &s, depth, error))
      return FALSE;
  json_builder_end_array (b);
  if (!put_refs (&c, "input_layers", ins, &s, FALSE, error)
      || !put_refs (&c, "output_layers", outs, &s, FALSE, error))
    return FALSE;
  json_builder_end_object (b);
  return TRUE;
}

/* [name, 0, 0] */
static void
add_first_ref (JsonBuilder *b, const char *name)
{
  json_builder_begin_array (b);
  json_builder_add_string_value (b, name);
  json_builder_add_int_value (b, 0);
  json_builder_add_int_value (b, 0);
  json_builder_end_array (b);
}

/* A Sequential config as the functional one it stands for: an InputLayer
 * (NAME_input, or the list's own InputLayer) from the first layer's
 * batch_input_shape, then each layer called on the one before. */
static JsonNode *
sequential_to_functional (JsonObject *cfg, GError **error)
{
  JsonArray *layers = nn_json_array (cfg, "layers");
  const char *name = nn_json_string (cfg, "name", "sequential");
  JsonObject *first = layers && json_array_get_length (layers)
                      ? nn_json_array_object (layers, 0) : NULL;
  JsonObject *fc = nn_json_object (first, "config");
  JsonNode *shape = nn_json_member (fc, "batch_input_shape");
  if (shape == NULL || !JSON_NODE_HOLDS_ARRAY (shape))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("Sequential model “%s”: its first layer has no batch_input_shape, so its "
                   "input size is unknown"), name);
      return NULL;
    }
  gboolean has_input = g_str_equal (nn_json_string (first, "class_name", ""), "InputLayer");
  g_autofree char *in_name = has_input ? g_strdup (nn_json_string (fc, "name", "input"))
                                       : g_strdup_printf ("%s_input", name);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "class_name");
  json_builder_add_string_value (b, "InputLayer");
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, in_name);
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "batch_input_shape");
  json_builder_add_value (b, json_node_copy (shape));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "inbound_nodes");
  json_builder_begin_array (b);
  json_builder_end_array (b);
  json_builder_end_object (b);
  const char *prev = in_name;
  for (guint i = has_input; i < json_array_get_length (layers); i++)
    {
      JsonObject *lo = nn_json_array_object (layers, i);
      const char *lname = nn_json_string (nn_json_object (lo, "config"), "name", NULL);
      if (lname == NULL)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                       _("Sequential model “%s”: layer %u has no name"), name, i);
          return NULL;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "class_name");
      json_builder_add_string_value (b, nn_json_string (lo, "class_name", ""));
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, lname);
      json_builder_set_member_name (b, "config");
      json_builder_add_value (b, json_node_copy (nn_json_member (lo, "config")));
      json_builder_set_member_name (b, "inbound_nodes");
      json_builder_begin_array (b);
      json_builder_begin_array (b);
      add_first_ref (b, prev);
      json_builder_end_array (b);
      json_builder_end_array (b);
      json_builder_end_object (b);
      prev = lname;
    }
  json_builder_end_array (b);
  const char *ends[2][2] = { { "input_layers", in_name }, { "output_layers", prev } };
  for (int k = 0; k < 2; k++)
    {
      json_builder_set_member_name (b, ends[k][0]);
      json_builder_begin_array (b);
      add_first_ref (b, ends[k][1]);
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

/* The Deepscope model file text for a Keras model_config object. */
char *
nn_import_keras_topology (JsonObject *model_config, GError **error)
{
  const char *cls = nn_json_string (model_config, "class_name", "");
  JsonObject *cfg = nn_json_object (model_config, "config");
  g_autoptr (JsonNode) seq = NULL;
  if (cfg && g_str_equal (cls, "Sequential"))
    {
      if ((seq = sequential_to_functional (cfg, error)) == NULL)
        return NULL;
      cfg = json_node_get_object (seq);
    }
  else if (cfg == NULL || nn_keras_class_ours (cls) == NULL
           || !g_str_equal (nn_keras_class_ours (cls), "Model"))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("the model is a %s, not a Functional, Model or Sequential model"),
                   *cls ? cls : "thing without class_name");
      return NULL;
    }
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "deepscope-model");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, nn_json_string (cfg, "name",
                                                                                "model"));
  json_builder_set_member_name (b, "config");
  if (!put_model_config (b, cfg, 0, error))
    return NULL;
  json_builder_end_object (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  return json_generator_to_data (gen, NULL);
}
