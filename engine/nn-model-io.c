/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Model files, format version 1 (engine/MODEL-FORMAT.md): JSON with the
 * architecture in a Keras-like layout, compile settings, training defaults,
 * editor positions and the weights (float32 little-endian, base64, SHA-256).
 *
 * Reading builds the model through the public editing API, so a file can
 * describe only what the editor could have built and every value passes the
 * same validation as in the property panel; only the flat weight arrays are
 * set directly. Writing emits every setting in a fixed order, so that saving
 * a loaded file reproduces it byte for byte. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "nn-model-private.h"

#define FORMAT_NAME     "deepscope-model"
#define FORMAT_VERSION  1
#define WEIGHT_ENCODING "float32-le-base64"
/* Models used as layers nest; a limit keeps a hostile file from exhausting
 * the stack. */
#define MAX_DEPTH       8

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

typedef struct {
  JsonBuilder *b;
  gboolean     with_weights;
  GError      *error;         /* first value JSON cannot hold */
} Writer;

static void
w_key (Writer *w, const char *key)
{
  json_builder_set_member_name (w->b, key);
}

static void
w_string (Writer *w, const char *key, const char *value)
{
  w_key (w, key);
  json_builder_add_string_value (w->b, value ? value : "");
}

static void
w_int (Writer *w, const char *key, gint64 value)
{
  w_key (w, key);
  json_builder_add_int_value (w->b, value);
}

static void
w_bool (Writer *w, const char *key, gboolean value)
{
  w_key (w, key);
  json_builder_add_boolean_value (w->b, value);
}

/* JSON has no NaN or infinity: refuse to write a file that cannot be read
 * back rather than silently changing the value. */
static void
w_double_value (Writer *w, double value, const char *what)
{
  if (!isfinite (value))
    {
      if (!w->error)
        w->error = g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                                "%s is not a finite number, so the model cannot be saved", what);
      value = 0;
    }
  json_builder_add_double_value (w->b, value);
}

static void
w_double (Writer *w, const char *key, double value, const char *what)
{
  w_key (w, key);
  w_double_value (w, value, what);
}

static void
w_ref (Writer *w, const NnModel *m, NnRef r)
{
  json_builder_begin_array (w->b);
  json_builder_add_string_value (w->b, nn_model_layer_get_name (m, r.layer));
  json_builder_add_int_value (w->b, r.call);
  json_builder_add_int_value (w->b, 0);
  json_builder_end_array (w->b);
}

static void
w_value (Writer *w, const NnParamSpec *spec, const NnValue *v)
{
  w_key (w, spec->name);
  switch (spec->type)
    {
    case NN_PARAM_INT:
      json_builder_add_int_value (w->b, v->i);
      break;
    case NN_PARAM_FLOAT:
      w_double_value (w, v->f, spec->name);
      break;
    case NN_PARAM_BOOL:
      json_builder_add_boolean_value (w->b, v->i != 0);
      break;
    case NN_PARAM_ENUM:
      json_builder_add_string_value (w->b, spec->choices[v->i]);
      break;
    case NN_PARAM_SHAPE:
      json_builder_begin_array (w->b);
      for (int k = 0; k < v->n; k++)
        json_builder_add_int_value (w->b, v->shape[k]);
      json_builder_end_array (w->b);
      break;
    case NN_PARAM_STRING:
      json_builder_add_string_value (w->b, v->s ? v->s : "");
      break;
    }
}

static void
w_weights (Writer *w, const NnModel *m)
{
  gsize nbytes = m->n_params * sizeof (float);
  const guchar *bytes = (const guchar *) m->params;
#if G_BYTE_ORDER == G_BIG_ENDIAN
  g_autofree guint32 *le = g_new (guint32, MAX (m->n_params, 1));
  for (size_t i = 0; i < m->n_params; i++)
    {
      guint32 u;
      memcpy (&u, &m->params[i], sizeof u);
      le[i] = GUINT32_TO_LE (u);
    }
  bytes = (const guchar *) le;
#endif
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, nbytes);
  g_autofree char *data = g_base64_encode (bytes, nbytes);

  w_key (w, "weights");
  json_builder_begin_object (w->b);
  w_string (w, "encoding", WEIGHT_ENCODING);
  w_int (w, "count", (gint64) m->n_params);
  w_string (w, "sha256", sha);
  w_string (w, "data", data);
  json_builder_end_object (w->b);
}

static void w_graph (Writer *w, NnModel *m);

static void
w_layer (Writer *w, NnModel *m, int i)
{
  const NnLayerType *t = nn_model_layer_get_type (m, i);
  NnModel *sub = nn_model_layer_get_submodel (m, i);
  const char *name = nn_model_layer_get_name (m, i);
  gboolean is_input = nn_layer_type_get_max_inputs (t) == 0;
  int n_calls = nn_model_layer_get_n_calls (m, i);
  double x, y;

  json_builder_begin_object (w->b);
  w_string (w, "class_name", nn_layer_type_get_name (t));
  w_string (w, "name", name);

  w_key (w, "config");
  json_builder_begin_object (w->b);
  if (sub)
    {
      w_string (w, "name", nn_model_get_name (sub));
      w_graph (w, sub);
      if (w->with_weights && sub->has_weights)
        w_weights (w, sub);
    }
  else
    for (guint k = 0; k < nn_layer_type_get_n_params (t); k++)
      {
        const NnParamSpec *spec = nn_layer_type_get_param (t, k);
        w_value (w, spec, nn_model_layer_get_param (m, i, spec->name));
      }
  json_builder_end_object (w->b);

  w_bool (w, "trainable", nn_model_layer_get_trainable (m, i));
  nn_model_layer_get_position (m, i, &x, &y);
  w_key (w, "position");
  json_builder_begin_array (w->b);
  w_double_value (w, x, "the editor position of a layer");
  w_double_value (w, y, "the editor position of a layer");
  json_builder_end_array (w->b);

  /* Every layer has a call 0; an empty one alone means "not connected
   * yet" and is written as no call at all. */
  w_key (w, "inbound_nodes");
  json_builder_begin_array (w->b);
  if (!is_input && !(n_calls == 1 && nn_model_call_get_n_inputs (m, i, 0) == 0))
    for (int c = 0; c < n_calls; c++)
      {
        json_builder_begin_array (w->b);
        for (int s = 0; s < nn_model_call_get_n_inputs (m, i, c); s++)
          w_ref (w, m, nn_model_call_get_input (m, i, c, s));
        json_builder_end_array (w->b);
      }
  json_builder_end_array (w->b);
  json_builder_end_object (w->b);
}

/* "layers", "input_layers" and "output_layers" of a model. */
static void
w_graph (Writer *w, NnModel *m)
{
  /* After an edit, infer first: weights are written only when they fit
   * the current structure (inference drops them when the layout changed). */
  if (!m->inferred)
    nn_model_infer (m, NULL);

  w_key (w, "layers");
  json_builder_begin_array (w->b);
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    w_layer (w, m, i);
  json_builder_end_array (w->b);

  w_key (w, "input_layers");
  json_builder_begin_array (w->b);
  for (int k = 0; k < nn_model_get_n_inputs (m); k++)
    w_ref (w, m, (NnRef) { nn_model_get_input_layer (m, k), 0 });
  json_builder_end_array (w->b);

  w_key (w, "output_layers");
  json_builder_begin_array (w->b);
  for (int k = 0; k < nn_model_get_n_outputs (m); k++)
    w_ref (w, m, nn_model_get_output (m, k));
  json_builder_end_array (w->b);
}

static const char *const schedule_names[] = { "constant", "step", "exponential", NULL };

static void
w_compile (Writer *w, NnModel *m)
{
  const NnOptimizerConfig *o = nn_model_get_optimizer (m);
  int n_out = nn_model_get_n_outputs (m);

  w_key (w, "compile");
  json_builder_begin_object (w->b);

  w_key (w, "optimizer");
  json_builder_begin_object (w->b);
  w_string (w, "class_name", nn_optimizer_name (o->kind));
  w_key (w, "config");
  json_builder_begin_object (w->b);
  w_double (w, "learning_rate", o->learning_rate, "learning_rate");
  w_double (w, "momentum", o->momentum, "momentum");
  w_bool (w, "nesterov", o->nesterov);
  w_double (w, "rho", o->rho, "rho");
  w_double (w, "beta_1", o->beta_1, "beta_1");
  w_double (w, "beta_2", o->beta_2, "beta_2");
  w_double (w, "epsilon", o->epsilon, "epsilon");
  w_string (w, "schedule", schedule_names[CLAMP ((int) o->schedule, 0, 2)]);
  w_int (w, "decay_steps", o->decay_steps);
  w_double (w, "decay_rate", o->decay_rate, "decay_rate");
  json_builder_end_object (w->b);
  json_builder_end_object (w->b);

  w_key (w, "loss");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    json_builder_add_string_value (w->b, nn_loss_name (nn_model_output_get_loss (m, k)));
  json_builder_end_array (w->b);

  w_key (w, "loss_weights");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    w_double_value (w, nn_model_output_get_loss_weight (m, k), "a loss weight");
  json_builder_end_array (w->b);

  w_key (w, "metrics");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    {
      json_builder_begin_array (w->b);
      for (int j = 0; j < nn_model_output_get_n_metrics (m, k); j++)
        json_builder_add_string_value (w->b,
                                       nn_metric_name (nn_model_output_get_metric (m, k, j)));
      json_builder_end_array (w->b);
    }
  json_builder_end_array (w->b);

  json_builder_end_object (w->b);
}

static void
w_training (Writer *w, NnModel *m)
{
  const NnTrainDefaults *d = nn_model_get_defaults (m);
  if (!d->epochs && !d->batch_size && d->validation_split == 0 && !d->kfold
      && !d->kfold_iterations && !d->seed && !d->early_stopping_patience)
    return;
  w_key (w, "training");
  json_builder_begin_object (w->b);
  w_int (w, "epochs", d->epochs);
  w_int (w, "batch_size", d->batch_size);
  w_double (w, "validation_split", d->validation_split, "validation_split");
  w_int (w, "kfold", d->kfold);
  w_int (w, "kfold_iterations", d->kfold_iterations);
  w_int (w, "seed", (gint64) MIN (d->seed, (guint64) G_MAXINT64));
  w_int (w, "early_stopping_patience", d->early_stopping_patience);
  json_builder_end_object (w->b);
}

/* ---- output tidying ------------------------------------------------------ */

/* json-glib 1.6 prints every double with 17 significant digits (0.9 comes
 * out as 0.90000000000000002, and 1e21 as the invalid "1e+21.0") and every
 * array one element per line. Model files are read and edited by people, so
 * the generator's output is rewritten: doubles in the shortest form that
 * reads back to the same value, and arrays of plain values (shapes,
 * positions, tensor references) on one line. Strings are copied as they
 * are. The input is the generator's own, well-formed output. */

static const char *
tidy_string (GString *out, const char *p)
{
  const char *start = p++;
  while (*p && *p != '"')
    p += (*p == '\\' && p[1]) ? 2 : 1;
  if (*p)
    p++;
  g_string_append_len (out, start, p - start);
  return p;
}

static const char *
tidy_number (GString *out, const char *p)
{
  size_t n = strspn (p, "+-0123456789.eE");
  if (!memchr (p, '.', n) && !memchr (p, 'e', n) && !memchr (p, 'E', n))
    {
      g_string_append_len (out, p, (gssize) n);   /* an integer */
      return p + n;
    }
  double d = g_ascii_strtod (p, NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int prec = 1; prec <= 17; prec++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, sizeof buf, fmt, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
  /* Keep it a floating-point number when read back. */
  if (!strpbrk (buf, ".eE"))
    g_string_append (out, ".0");
  return p + n;
}

static gboolean
array_is_flat (const char *p)
{
  for (p++; *p; p++)
    {
      if (*p == '"')
        {
          for (p++; *p && *p != '"'; p += (*p == '\\' && p[1]) ? 2 : 1)
            ;
          if (!*p)
            return FALSE;
        }
      else if (*p == '[' || *p == '{')
        return FALSE;
      else if (*p == ']')
        return TRUE;
    }
  return FALSE;
}

static const char *
tidy_flat_array (GString *out, const char *p)
{
  g_string_append_c (out, '[');
  for (p++; *p && *p != ']';)
    {
      if (g_ascii_isspace (*p))
        p++;
      else if (*p == ',')
        {
          g_string_append (out, ", ");
          p++;
        }
      else if (*p == '"')
        p = tidy_string (out, p);
      else if (*p == '-' || g_ascii_isdigit (*p))
        p = tidy_number (out, p);
      else
        g_string_append_c (out, *p++);
    }
  if (*p)
    g_string_append_c (out, *p++);
  return p;
}

static char *
tidy_json (const char *s)
{
  GString *out = g_string_sized_new (strlen (s) + 2);
  const char *p = s;
  while (*p)
    {
      if (*p == '"')
        p = tidy_string (out, p);
      else if (*p == '-' || g_ascii_isdigit (*p))
        p = tidy_number (out, p);
      else if (*p == '[' && array_is_flat (p))
        p = tidy_flat_array (out, p);
      else
        g_string_append_c (out, *p++);
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* ---- public: writing ----------------------------------------------------- */

/**
 * nn_model_to_json:
 * @with_weights: include the weights (when the model has any)
 *
 * Returns: (transfer full): the model file's text, or NULL when a value
 * cannot be written (a non-finite number).
 */
char *
nn_model_to_json (NnModel *m, gboolean with_weights, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  Writer w = { b, with_weights, NULL };
  NnTrainDefaults *d = nn_model_get_defaults (m);

  json_builder_begin_object (b);
  w_string (&w, "format", FORMAT_NAME);
  w_int (&w, "version", FORMAT_VERSION);
  w_string (&w, "name", nn_model_get_name (m));
  if (d->title)
    w_string (&w, "title", d->title);
  if (d->description)
    w_string (&w, "description", d->description);
  if (nn_model_get_dataset (m))
    w_string (&w, "dataset", nn_model_get_dataset (m));
  w_training (&w, m);

  w_key (&w, "config");
  json_builder_begin_object (b);
  w_graph (&w, m);
  json_builder_end_object (b);

  w_compile (&w, m);
  if (with_weights && m->has_weights)
    w_weights (&w, m);
  json_builder_end_object (b);

  if (w.error)
    {
      g_propagate_error (error, w.error);
      return NULL;
    }

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  g_autofree char *raw = json_generator_to_data (gen, NULL);
  return tidy_json (raw);
}

/**
 * nn_model_save:
 *
 * Writes the model file atomically: the text goes to a temporary file in
 * the same directory, which then replaces @path, so a failure leaves an
 * existing file as it was.
 */
gboolean
nn_model_save (NnModel *m, const char *path, gboolean with_weights, GError **error)
{
  g_return_val_if_fail (m != NULL && path != NULL, FALSE);
  g_autofree char *json = nn_model_to_json (m, with_weights, error);
  if (!json)
    return FALSE;
  g_autoptr (GError) err = NULL;
  if (!g_file_set_contents_full (path, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0666, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "Cannot save the model: %s",
                   err->message);
      return FALSE;
    }
  return TRUE;
}

/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

/* Error codes: a missing member is always NN_MODEL_ERROR_FILE; a member of
 * the wrong JSON type gets the code of what it describes (FILE for the
 * file's structure, CONFIG for settings, WEIGHTS for the weights). */

typedef enum { J_OBJECT, J_ARRAY, J_STRING, J_INT, J_NUMBER, J_BOOL } JKind;

static gboolean
is_kind (JsonNode *n, JKind k)
{
  if (k == J_OBJECT)
    return JSON_NODE_HOLDS_OBJECT (n);
  if (k == J_ARRAY)
    return JSON_NODE_HOLDS_ARRAY (n);
  if (!JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  switch (k)
    {
    case J_STRING:
      return t == G_TYPE_STRING;
    case J_INT:
      return t == G_TYPE_INT64;
    case J_NUMBER:
      return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE;
    case J_BOOL:
      return t == G_TYPE_BOOLEAN;
    default:
      return FALSE;
    }
}

static const char *
kind_name (JKind k)
{
  static const char *const names[] = {
    "an object", "an array", "a string", "a whole number", "a number", "true or false"
  };
  return names[k];
}

/* What a node holds, for messages: "… must be a whole number, not a string". */
static const char *
node_desc (JsonNode *n)
{
  switch (json_node_get_node_type (n))
    {
    case JSON_NODE_OBJECT:
      return "an object";
    case JSON_NODE_ARRAY:
      return "an array";
    case JSON_NODE_NULL:
      return "null";
    case JSON_NODE_VALUE:
      break;
    }
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_STRING ? "a string"
       : t == G_TYPE_INT64 ? "a whole number"
       : t == G_TYPE_DOUBLE ? "a fractional number"
       : t == G_TYPE_BOOLEAN ? (json_node_get_boolean (n) ? "true" : "false")
       : "an unknown value";
}

/* Member `key` of `o`, which must be of kind `k`. `where` names the
 * object for messages ("layer “dense”"). Sets *out to NULL when an optional
 * member is absent. */
static gboolean
get_member (JsonObject *o, const char *key, JKind k, gboolean required, int code,
            const char *where, JsonNode **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  *out = NULL;
  if (!n)
    {
      if (!required)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "%s has no “%s” member", where,
                   key);
      return FALSE;
    }
  if (!is_kind (n, k))
    {
      g_set_error (error, NN_MODEL_ERROR, code, "%s: “%s” must be %s, not %s", where, key,
                   kind_name (k), node_desc (n));
      return FALSE;
    }
  *out = n;
  return TRUE;
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 min, gint64 max, int code, const char *where,
         gint64 *out, GError **error)
{
  JsonNode *n;
  if (!get_member (o, key, J_INT, FALSE, code, where, &n, error))
    return FALSE;
  if (!n)
    return TRUE;
  gint64 v = json_node_get_int (n);
  if (v < min || v > max)
    {
      g_set_error (error, NN_MODEL_ERROR, code,
                   "%s: “%s” must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                   ", not %" G_GINT64_FORMAT, where, key, min, max, v);
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
get_int32 (JsonObject *o, const char *key, int min, int max, int code, const char *where,
           int *out, GError **error)
{
  gint64 v = *out;
  if (!get_int (o, key, min, max, code, where, &v, error))
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* A finite number in [min, max] (or (min, max] when min_open). */
static gboolean
get_double (JsonObject *o, const char *key, double min, gboolean min_open, double max,
            int code, const char *where, double *out, GError **error)
{
  JsonNode *n;
  if (!get_member (o, key, J_NUMBER, FALSE, code, where, &n, error))
    return FALSE;
  if (!n)
    return TRUE;
  double v = json_node_get_double (n);
  if (!isfinite (v) || v < min || (min_open && v == min) || v > max)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_set_error (error, NN_MODEL_ERROR, code, "%s: “%s” must be %s %g and at most %g, not %s",
                   where, key, min_open ? "more than" : "at least", min, max,
                   g_ascii_dtostr (buf, sizeof buf, v));
      return FALSE;
    }
  *out = v;
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const char *key, int code, const char *where, gboolean *out,
          GError **error)
{
  JsonNode *n;
  if (!get_member (o, key, J_BOOL, FALSE, code, where, &n, error))
    return FALSE;
  if (n)
    *out = json_node_get_boolean (n);
  return TRUE;
}

/* Optional string member: *out is borrowed from the document, or NULL. */
static gboolean
get_string (JsonObject *o, const char *key, gboolean required, int code, const char *where,
            const char **out, GError **error)
{
  JsonNode *n;
  if (!get_member (o, key, J_STRING, required, code, where, &n, error))
    return FALSE;
  *out = n ? json_node_get_string (n) : NULL;
  return TRUE;
}

/* Settings objects accept only the keys they define, so that a misspelt
 * setting is reported instead of silently taking its default. */
static gboolean
only_keys (JsonObject *o, const char *const *keys, int code, const char *where, GError **error)
{
  JsonObjectIter it;
  const char *name;
  JsonNode *n;
  json_object_iter_init_ordered (&it, o);
  while (json_object_iter_next_ordered (&it, &name, &n))
    if (!g_strv_contains (keys, name))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) keys);
        g_set_error (error, NN_MODEL_ERROR, code,
                     "%s has no setting “%s” (the settings are: %s)", where, name, list);
        return FALSE;
      }
  return TRUE;
}

/* ---- layer configs ------------------------------------------------------- */

/* The text form of a config value, after checking its JSON type. */
static char *
value_text (const NnParamSpec *spec, JsonNode *n, const char *where, GError **error)
{
  JKind want;
  switch (spec->type)
    {
    case NN_PARAM_INT:
      want = J_INT;
      break;
    case NN_PARAM_FLOAT:
      want = J_NUMBER;
      break;
    case NN_PARAM_BOOL:
      want = J_BOOL;
      break;
    case NN_PARAM_SHAPE:
      want = J_ARRAY;
      break;
    default:
      want = J_STRING;
      break;
    }
  if (!is_kind (n, want))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG, "%s: “%s” must be %s, not %s",
                   where, spec->name,
                   spec->type == NN_PARAM_SHAPE ? "an array of whole numbers" : kind_name (want),
                   node_desc (n));
      return NULL;
    }
  switch (spec->type)
    {
    case NN_PARAM_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
    case NN_PARAM_FLOAT:
      {
        /* 17 digits give back the same double. */
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.17g", json_node_get_double (n)));
      }
    case NN_PARAM_BOOL:
      return g_strdup (json_node_get_boolean (n) ? "true" : "false");
    case NN_PARAM_SHAPE:
      {
        JsonArray *a = json_node_get_array (n);
        GString *s = g_string_new (NULL);
        for (guint k = 0; k < json_array_get_length (a); k++)
          {
            JsonNode *e = json_array_get_element (a, k);
            if (!is_kind (e, J_INT))
              {
                g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                             "%s: “%s” must be an array of whole numbers, but entry %u is %s",
                             where, spec->name, k + 1, node_desc (e));
                g_string_free (s, TRUE);
                return NULL;
              }
            g_string_append_printf (s, "%s%" G_GINT64_FORMAT, k ? "," : "", json_node_get_int (e));
          }
        return g_string_free (s, FALSE);
      }
    default:
      return g_strdup (json_node_get_string (n));
    }
}

static gboolean
read_layer_config (NnModel *m, int li, JsonObject *cfg, const char *where, GError **error)
{
  const NnLayerType *t = nn_model_layer_get_type (m, li);
  JsonObjectIter it;
  const char *key;
  JsonNode *n;

  json_object_iter_init_ordered (&it, cfg);
  while (json_object_iter_next_ordered (&it, &key, &n))
    {
      const NnParamSpec *spec = NULL;
      for (guint k = 0; k < nn_layer_type_get_n_params (t) && !spec; k++)
        if (g_str_equal (nn_layer_type_get_param (t, k)->name, key))
          spec = nn_layer_type_get_param (t, k);
      if (!spec)
        {
          GString *list = g_string_new (NULL);
          for (guint k = 0; k < nn_layer_type_get_n_params (t); k++)
            g_string_append_printf (list, "%s%s", k ? ", " : "",
                                    nn_layer_type_get_param (t, k)->name);
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       "%s: %s layers have no setting “%s” (%s%s)", where,
                       nn_layer_type_get_name (t), key,
                       list->len ? "their settings are: " : "they have no settings",
                       list->str);
          g_string_free (list, TRUE);
          return FALSE;
        }
      g_autofree char *text = value_text (spec, n, where, error);
      if (!text)
        return FALSE;
      /* Validate on a scratch value first for a message in this file's
       * terms; setting it then cannot fail. */
      NnValue scratch = { 0 };
      g_autoptr (GError) err = NULL;
      if (!nn_value_parse (spec, text, &scratch, &err))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG, "%s: %s", where,
                       err->message);
          return FALSE;
        }
      nn_value_clear (&scratch);
      if (!nn_model_layer_set_param (m, li, spec->name, text, error))
        return FALSE;
    }
  return TRUE;
}

/* ---- graphs -------------------------------------------------------------- */

/* A layer read from the file, before its calls are made. */
typedef struct {
  JsonArray *inbound;        /* borrowed from the document */
  GPtrArray *calls;          /* GArray of NnRef per call */
  char      *where;          /* "layer “dense”" */
} PendingLayer;

static void
pending_clear (PendingLayer *p)
{
  g_clear_pointer (&p->calls, g_ptr_array_unref);
  g_clear_pointer (&p->where, g_free);
}

typedef struct {
  NnModel      *m;
  PendingLayer *layers;
  int           n;
  int          *avail;       /* calls each layer will have: refs must stay below */
} GraphReader;

static gboolean
read_ref (GraphReader *gr, JsonNode *n, const char *where, const char *what, NnRef *out,
          GError **error)
{
  JsonArray *a = JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
  if (!a || json_array_get_length (a) != 3
      || !is_kind (json_array_get_element (a, 0), J_STRING)
      || !is_kind (json_array_get_element (a, 1), J_INT)
      || !is_kind (json_array_get_element (a, 2), J_INT))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   "%s: each entry of %s must be [layer name, call index, tensor index]",
                   where, what);
      return FALSE;
    }
  const char *name = json_array_get_string_element (a, 0);
  gint64 call = json_array_get_int_element (a, 1);
  gint64 tensor = json_array_get_int_element (a, 2);
  int li = nn_model_find_layer (gr->m, name);
  if (li < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s: %s refers to “%s”, which is not a layer of this model", where, what,
                   name);
      return FALSE;
    }
  if (call < 0 || call >= gr->avail[li])
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s: %s refers to call %" G_GINT64_FORMAT " of “%s”, which has only %d call%s",
                   where, what, call, name, gr->avail[li], gr->avail[li] == 1 ? "" : "s");
      return FALSE;
    }
  if (tensor != 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s: %s refers to tensor %" G_GINT64_FORMAT " of “%s”, but each call of a "
                   "layer has one output tensor, number 0", where, what, tensor, name);
      return FALSE;
    }
  *out = (NnRef) { li, (int) call };
  return TRUE;
}

static NnModel *read_submodel (JsonObject *cfg, const char *layer_name, int depth,
                               GError **error);

static const char *const submodel_keys[] = {
  "name", "layers", "input_layers", "output_layers", "weights", NULL
};

/* One element of "layers": adds the layer with its settings. */
static gboolean
read_layer (GraphReader *gr, JsonArray *layers, int i, int depth, GError **error)
{
  NnModel *m = gr->m;
  PendingLayer *p = &gr->layers[i];
  JsonNode *n = json_array_get_element (layers, i), *cfg, *inbound, *node;
  g_autofree char *where0 = g_strdup_printf ("layer %d of “layers”", i + 1);
  const char *class_name, *name;
  g_autoptr (GError) err = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (n))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "%s must be an object, not %s",
                   where0, node_desc (n));
      return FALSE;
    }
  JsonObject *o = json_node_get_object (n);
  if (!get_string (o, "name", TRUE, NN_MODEL_ERROR_FILE, where0, &name, error)
      || !get_string (o, "class_name", TRUE, NN_MODEL_ERROR_FILE, where0, &class_name, error))
    return FALSE;
  p->where = g_strdup_printf ("layer “%s”", name);
  if (!get_member (o, "config", J_OBJECT, TRUE, NN_MODEL_ERROR_FILE, p->where, &cfg, error)
      || !get_member (o, "inbound_nodes", J_ARRAY, TRUE, NN_MODEL_ERROR_FILE, p->where,
                      &inbound, error))
    return FALSE;
  p->inbound = json_node_get_array (inbound);

  const NnLayerType *t = nn_layer_type_lookup (class_name);
  if (!t)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER,
                   "%s: there is no layer type “%s”", p->where, class_name);
      return FALSE;
    }
  if (nn_model_find_layer (m, name) >= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "two layers are named “%s”: layer names must be unique", name);
      return FALSE;
    }

  int li;
  if (g_str_equal (class_name, "Model"))
    {
      g_autoptr (NnModel) inner = read_submodel (json_node_get_object (cfg), name, depth + 1,
                                                 error);
      if (!inner)
        return FALSE;
      li = nn_model_add_submodel (m, inner, name, &err);
    }
  else
    li = nn_model_add_layer (m, class_name, name, &err);
  if (li < 0)
    {
      g_set_error (error, err->domain, err->code, "%s: %s", p->where, err->message);
      return FALSE;
    }
  g_assert (li == i);
  if (!g_str_equal (class_name, "Model")
      && !read_layer_config (m, li, json_node_get_object (cfg), p->where, error))
    return FALSE;

  gboolean trainable = TRUE;
  if (!get_bool (o, "trainable", NN_MODEL_ERROR_CONFIG, p->where, &trainable, error))
    return FALSE;
  nn_model_layer_set_trainable (m, li, trainable);

  if (!get_member (o, "position", J_ARRAY, FALSE, NN_MODEL_ERROR_CONFIG, p->where, &node, error))
    return FALSE;
  if (node)
    {
      JsonArray *a = json_node_get_array (node);
      if (json_array_get_length (a) != 2
          || !is_kind (json_array_get_element (a, 0), J_NUMBER)
          || !is_kind (json_array_get_element (a, 1), J_NUMBER)
          || !isfinite (json_array_get_double_element (a, 0))
          || !isfinite (json_array_get_double_element (a, 1)))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       "%s: “position” must be [x, y], two numbers", p->where);
          return FALSE;
        }
      nn_model_layer_set_position (m, li, json_array_get_double_element (a, 0),
                                   json_array_get_double_element (a, 1));
    }

  /* Every layer has a call 0, connected or not; refs to it are fine even
   * when the file lists no inbound node for it. */
  gr->avail[li] = MAX (1, (int) json_array_get_length (p->inbound));
  if (nn_layer_type_get_max_inputs (t) == 0 && json_array_get_length (p->inbound) > 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s is an Input layer, so its “inbound_nodes” must be empty", p->where);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_inbound (GraphReader *gr, int li, GError **error)
{
  PendingLayer *p = &gr->layers[li];
  p->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  for (guint c = 0; c < json_array_get_length (p->inbound); c++)
    {
      JsonNode *n = json_array_get_element (p->inbound, c);
      if (!JSON_NODE_HOLDS_ARRAY (n))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                       "%s: each entry of “inbound_nodes” must be an array of "
                       "[layer name, call index, tensor index], not %s", p->where, node_desc (n));
          return FALSE;
        }
      JsonArray *a = json_node_get_array (n);
      GArray *refs = g_array_new (FALSE, FALSE, sizeof (NnRef));
      g_ptr_array_add (p->calls, refs);
      for (guint s = 0; s < json_array_get_length (a); s++)
        {
          NnRef r;
          if (!read_ref (gr, json_array_get_element (a, s), p->where, "“inbound_nodes”", &r,
                         error))
            return FALSE;
          g_array_append_val (refs, r);
        }
    }
  return TRUE;
}

/* Makes every layer's calls in an order where each call refers only to
 * calls that exist (files may refer to layers further down the list). */
static gboolean
make_calls (GraphReader *gr, GError **error)
{
  NnModel *m = gr->m;
  g_autofree int *next = g_new0 (int, MAX (gr->n, 1));
  g_autofree gboolean *placeholder = g_new0 (gboolean, MAX (gr->n, 1));
  int remaining = 0;
  gboolean progress = TRUE;

  for (int i = 0; i < gr->n; i++)
    remaining += (int) gr->layers[i].calls->len;
  while (remaining && progress)
    {
      progress = FALSE;
      for (int i = 0; i < gr->n; i++)
        {
          PendingLayer *p = &gr->layers[i];
          while (next[i] < (int) p->calls->len)
            {
              GArray *refs = g_ptr_array_index (p->calls, next[i]);
              NnRef *in = (NnRef *) (void *) refs->data;
              gboolean ready = TRUE;
              for (guint s = 0; s < refs->len && ready; s++)
                ready = in[s].call < nn_model_layer_get_n_calls (m, in[s].layer);
              if (!ready)
                break;
              g_autoptr (GError) err = NULL;
              int c;
              if (next[i] == 0 && refs->len == 0 && p->calls->len > 1)
                {
                  /* An empty call 0 followed by others (a shared layer whose
                   * first call was disconnected in the editor): a call with
                   * no inputs would reuse call 0, so connect it to a
                   * placeholder now and disconnect it once all calls exist. */
                  NnRef ph = { nn_model_get_input_layer (m, 0), 0 };
                  if (ph.layer < 0)
                    {
                      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                   "%s: its first call is empty, which only a model with an "
                                   "Input layer can hold", p->where);
                      return FALSE;
                    }
                  c = nn_model_call (m, i, &ph, 1, &err);
                  placeholder[i] = TRUE;
                }
              else
                c = nn_model_call (m, i, in, (int) refs->len, &err);
              if (c < 0)
                {
                  g_set_error (error, err->domain, err->code, "%s: %s", p->where,
                               err->message);
                  return FALSE;
                }
              g_assert (c == next[i]);
              next[i]++;
              remaining--;
              progress = TRUE;
            }
        }
    }
  if (remaining)
    {
      for (int i = 0; i < gr->n; i++)
        if (next[i] < (int) gr->layers[i].calls->len)
          {
            g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                         "%s: call %d depends on its own output through a cycle of calls",
                         gr->layers[i].where, next[i]);
            return FALSE;
          }
    }
  for (int i = 0; i < gr->n; i++)
    if (placeholder[i])
      nn_model_disconnect (m, i, 0, 0);
  return TRUE;
}

/* Reads "layers", "input_layers" and "output_layers" of `cfg` into the
 * empty model `m`; returns the outputs' refs in *outputs. */
static gboolean
read_graph (NnModel *m, JsonObject *cfg, int depth, const char *where, GArray **outputs,
            GError **error)
{
  JsonNode *layers_node, *inputs_node, *outputs_node;
  if (!get_member (cfg, "layers", J_ARRAY, TRUE, NN_MODEL_ERROR_FILE, where, &layers_node, error)
      || !get_member (cfg, "input_layers", J_ARRAY, TRUE, NN_MODEL_ERROR_FILE, where,
                      &inputs_node, error)
      || !get_member (cfg, "output_layers", J_ARRAY, TRUE, NN_MODEL_ERROR_FILE, where,
                      &outputs_node, error))
    return FALSE;

  JsonArray *layers = json_node_get_array (layers_node);
  int n = (int) json_array_get_length (layers);
  GraphReader gr = { m, g_new0 (PendingLayer, MAX (n, 1)), n, g_new0 (int, MAX (n, 1)) };
  gboolean ok = FALSE;

  for (int i = 0; i < n; i++)
    if (!read_layer (&gr, layers, i, depth, error))
      goto out;
  for (int i = 0; i < n; i++)
    if (!read_inbound (&gr, i, error))
      goto out;
  if (!make_calls (&gr, error))
    goto out;

  /* The inputs are the Input layers in list order: the file must agree. */
  JsonArray *ins = json_node_get_array (inputs_node);
  gboolean match = (int) json_array_get_length (ins) == nn_model_get_n_inputs (m);
  for (guint k = 0; k < json_array_get_length (ins); k++)
    {
      NnRef r;
      if (!read_ref (&gr, json_array_get_element (ins, k), where, "“input_layers”", &r, error))
        goto out;
      if (nn_layer_type_get_max_inputs (nn_model_layer_get_type (m, r.layer)) != 0)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       "%s: “%s” is listed in “input_layers” but is not an Input layer", where,
                       nn_model_layer_get_name (m, r.layer));
          goto out;
        }
      match = match && r.layer == nn_model_get_input_layer (m, (int) k);
    }
  if (!match)
    {
      GString *list = g_string_new (NULL);
      for (int k = 0; k < nn_model_get_n_inputs (m); k++)
        g_string_append_printf (list, "%s%s", k ? ", " : "",
                                nn_model_layer_get_name (m, nn_model_get_input_layer (m, k)));
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s: “input_layers” must list the Input layers in the order of “layers” "
                   "(%s)", where, list->len ? list->str : "there are none");
      g_string_free (list, TRUE);
      goto out;
    }

  JsonArray *outs = json_node_get_array (outputs_node);
  *outputs = g_array_new (FALSE, FALSE, sizeof (NnRef));
  for (guint k = 0; k < json_array_get_length (outs); k++)
    {
      NnRef r;
      if (!read_ref (&gr, json_array_get_element (outs, k), where, "“output_layers”", &r, error))
        {
          g_clear_pointer (outputs, g_array_unref);
          goto out;
        }
      g_array_append_val (*outputs, r);
    }
  ok = TRUE;

out:
  for (int i = 0; i < n; i++)
    pending_clear (&gr.layers[i]);
  g_free (gr.layers);
  g_free (gr.avail);
  return ok;
}

/* ---- weights ------------------------------------------------------------- */

static gboolean
valid_base64 (const char *s, size_t *bad_at)
{
  size_t len = strlen (s), pad = 0;
  for (size_t i = 0; i < len; i++)
    {
      char c = s[i];
      if (c == '=' && i + 2 >= len && (i + 1 == len || s[i + 1] == '='))
        pad++;
      else if (!(g_ascii_isalnum (c) || c == '+' || c == '/') || pad)
        {
          *bad_at = i;
          return FALSE;
        }
    }
  *bad_at = len;
  return len % 4 == 0;
}

static const char *const weights_keys[] = { "encoding", "count", "sha256", "data", NULL };

/* Checks the weights object against itself (encoding, count, checksum),
 * then against the model's parameter count, and only then sets them. */
static gboolean
read_weights (NnModel *m, JsonObject *w, const char *where, GError **error)
{
  const char *encoding, *sha, *data;
  gint64 count = -1;
  size_t bad_at;

  if (!get_string (w, "encoding", TRUE, NN_MODEL_ERROR_WEIGHTS, where, &encoding, error)
      || !get_string (w, "sha256", TRUE, NN_MODEL_ERROR_WEIGHTS, where, &sha, error)
      || !get_string (w, "data", TRUE, NN_MODEL_ERROR_WEIGHTS, where, &data, error)
      || !get_int (w, "count", 0, G_MAXINT64, NN_MODEL_ERROR_WEIGHTS, where, &count, error)
      || !only_keys (w, weights_keys, NN_MODEL_ERROR_WEIGHTS, where, error))
    return FALSE;
  if (count < 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "%s has no “count” member", where);
      return FALSE;
    }
  if (!g_str_equal (encoding, WEIGHT_ENCODING))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "%s: the encoding “%s” is unknown; this version reads “" WEIGHT_ENCODING "”",
                   where, encoding);
      return FALSE;
    }
  /* g_base64_decode skips characters it does not know, so check first. */
  if (!valid_base64 (data, &bad_at))
    {
      if (bad_at < strlen (data))
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                     "%s: “data” is not valid base64 (unexpected “%c” at character %zu)", where,
                     data[bad_at], bad_at + 1);
      else
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                     "%s: “data” is not valid base64 (its length is not a multiple of 4)",
                     where);
      return FALSE;
    }
  gsize nbytes = 0;
  g_autofree guchar *bytes = *data ? g_base64_decode (data, &nbytes) : NULL;
  if (nbytes % 4)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "%s: “data” holds %zu bytes, which is not a whole number of float32 values",
                   where, (size_t) nbytes);
      return FALSE;
    }
  if ((guint64) (nbytes / 4) != (guint64) count)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "%s: “data” holds %zu values but “count” says %" G_GINT64_FORMAT, where,
                   (size_t) nbytes / 4, count);
      return FALSE;
    }
  g_autofree char *actual = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                          bytes ? bytes : (const guchar *) "",
                                                          nbytes);
  if (g_ascii_strcasecmp (actual, sha) != 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "%s: the SHA-256 checksum does not match the data, so the file is damaged "
                   "(expected %s, the data gives %s)", where, sha, actual);
      return FALSE;
    }

  /* The layout comes from inference; a model saved with an error somewhere
   * still has weights that fit, so only the count decides. */
  g_autoptr (GError) infer_err = NULL;
  nn_model_infer (m, &infer_err);
  if ((guint64) m->n_params != (guint64) count)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   "%s: the file has %" G_GINT64_FORMAT " weights but the model needs %zu%s%s",
                   where, count, m->n_params, infer_err ? "; " : "",
                   infer_err ? infer_err->message : "");
      return FALSE;
    }
  g_free (m->params);
  m->params = g_new (float, MAX (m->n_params, 1));
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (size_t i = 0; i < m->n_params; i++)
    {
      guint32 u;
      memcpy (&u, bytes + 4 * i, sizeof u);
      u = GUINT32_FROM_LE (u);
      memcpy (&m->params[i], &u, sizeof u);
    }
#else
  if (nbytes)
    memcpy (m->params, bytes, nbytes);
#endif
  m->has_weights = TRUE;
  return TRUE;
}

/* `owner` is NULL for the file's own weights, else the Model layer's name. */
static gboolean
read_weights_member (NnModel *m, JsonObject *o, const char *owner, GError **error)
{
  JsonNode *n;
  g_autofree char *where = owner ? g_strdup_printf ("“weights” of model layer “%s”", owner)
                                 : g_strdup ("“weights”");
  if (!get_member (o, "weights", J_OBJECT, FALSE, NN_MODEL_ERROR_WEIGHTS,
                   owner ? "the model layer" : "the file", &n, error))
    return FALSE;
  return !n || read_weights (m, json_node_get_object (n), where, error);
}

/* ---- models -------------------------------------------------------------- */

/* The config of a "Model" layer: a graph and, optionally, its weights. */
static NnModel *
read_submodel (JsonObject *cfg, const char *layer_name, int depth, GError **error)
{
  g_autofree char *where = g_strdup_printf ("model layer “%s”", layer_name);
  g_autoptr (GArray) outs = NULL;
  const char *name;

  if (depth > MAX_DEPTH)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   "%s: models are nested more than %d deep", where, MAX_DEPTH);
      return NULL;
    }
  if (!only_keys (cfg, submodel_keys, NN_MODEL_ERROR_CONFIG, where, error)
      || !get_string (cfg, "name", FALSE, NN_MODEL_ERROR_CONFIG, where, &name, error))
    return NULL;
  g_autoptr (NnModel) inner = nn_model_new (name ? name : layer_name);
  if (!read_graph (inner, cfg, depth, where, &outs, error))
    return NULL;
  for (guint k = 0; k < outs->len; k++)
    nn_model_add_output (inner, g_array_index (outs, NnRef, k), NN_LOSS_NONE, 1.0, NULL, 0);
  if (!read_weights_member (inner, cfg, layer_name, error))
    return NULL;
  return g_steal_pointer (&inner);
}

static const char *const optimizer_keys[] = {
  "learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon",
  "schedule", "decay_steps", "decay_rate", NULL
};

static gboolean
read_optimizer (NnModel *m, JsonObject *o, GError **error)
{
  const char *where = "the optimizer", *class_name, *schedule = NULL;
  NnOptimizerKind kind;
  NnOptimizerConfig c;
  JsonNode *cfg_node;
  const int E = NN_MODEL_ERROR_CONFIG;

  if (!get_string (o, "class_name", TRUE, E, where, &class_name, error)
      || !get_member (o, "config", J_OBJECT, FALSE, E, where, &cfg_node, error))
    return FALSE;
  if (!nn_optimizer_parse (class_name, &kind))
    {
      g_set_error (error, NN_MODEL_ERROR, E,
                   "there is no optimizer “%s”; choose SGD, RMSprop or Adam", class_name);
      return FALSE;
    }
  nn_optimizer_config_init (&c, kind);
  if (cfg_node)
    {
      JsonObject *cfg = json_node_get_object (cfg_node);
      if (!only_keys (cfg, optimizer_keys, E, where, error)
          || !get_double (cfg, "learning_rate", 0, TRUE, 10, E, where, &c.learning_rate, error)
          || !get_double (cfg, "momentum", 0, FALSE, 1, E, where, &c.momentum, error)
          || !get_bool (cfg, "nesterov", E, where, &c.nesterov, error)
          || !get_double (cfg, "rho", 0, FALSE, 1, E, where, &c.rho, error)
          || !get_double (cfg, "beta_1", 0, FALSE, 1, E, where, &c.beta_1, error)
          || !get_double (cfg, "beta_2", 0, FALSE, 1, E, where, &c.beta_2, error)
          || !get_double (cfg, "epsilon", 0, FALSE, 1, E, where, &c.epsilon, error)
          || !get_string (cfg, "schedule", FALSE, E, where, &schedule, error)
          || !get_int32 (cfg, "decay_steps", 0, G_MAXINT, E, where, &c.decay_steps, error)
          || !get_double (cfg, "decay_rate", 0, TRUE, 1e6, E, where, &c.decay_rate, error))
        return FALSE;
      if (schedule)
        {
          int k;
          for (k = 0; schedule_names[k] && !g_str_equal (schedule_names[k], schedule); k++)
            ;
          if (!schedule_names[k])
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           "%s: “schedule” cannot be “%s”; choose constant, step or exponential",
                           where, schedule);
              return FALSE;
            }
          c.schedule = (NnScheduleKind) k;
        }
    }
  *nn_model_get_optimizer (m) = c;
  return TRUE;
}

static const char *const compile_keys[] = {
  "optimizer", "loss", "loss_weights", "metrics", NULL
};

/* "compile": the optimizer and, per output, loss, loss weight and metrics.
 * Adds the outputs to the model. */
static gboolean
read_compile (NnModel *m, JsonObject *root, GArray *outs, GError **error)
{
  const char *where = "“compile”";
  const int E = NN_MODEL_ERROR_CONFIG;
  JsonNode *cn, *opt = NULL, *loss = NULL, *weights = NULL, *metrics = NULL;
  int n_out = (int) outs->len;

  if (!get_member (root, "compile", J_OBJECT, FALSE, E, "the file", &cn, error))
    return FALSE;
  if (cn)
    {
      JsonObject *c = json_node_get_object (cn);
      if (!only_keys (c, compile_keys, E, where, error)
          || !get_member (c, "optimizer", J_OBJECT, FALSE, E, where, &opt, error)
          || !get_member (c, "loss", J_ARRAY, FALSE, E, where, &loss, error)
          || !get_member (c, "loss_weights", J_ARRAY, FALSE, E, where, &weights, error)
          || !get_member (c, "metrics", J_ARRAY, FALSE, E, where, &metrics, error))
        return FALSE;
      if (opt && !read_optimizer (m, json_node_get_object (opt), error))
        return FALSE;
    }
  struct { JsonNode *node; const char *key; } lists[] = {
    { loss, "loss" }, { weights, "loss_weights" }, { metrics, "metrics" }
  };
  for (guint k = 0; k < G_N_ELEMENTS (lists); k++)
    {
      guint n = lists[k].node ? json_array_get_length (json_node_get_array (lists[k].node)) : 0;
      if (lists[k].node && (int) n != n_out)
        {
          g_set_error (error, NN_MODEL_ERROR, E,
                       "%s: “%s” has %u entries but the model has %d output%s (one entry each)",
                       where, lists[k].key, n, n_out, n_out == 1 ? "" : "s");
          return FALSE;
        }
    }

  for (int o = 0; o < n_out; o++)
    {
      NnLoss l = NN_LOSS_NONE;
      double lw = 1.0;
      NnMetric mt[8];
      int n_mt = 0;
      if (loss)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (loss), o);
          if (!is_kind (e, J_STRING) || !nn_loss_parse (json_node_get_string (e), &l))
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           "%s: loss %d must be the name of a loss (binary_crossentropy, "
                           "categorical_crossentropy, sparse_categorical_crossentropy, mse, "
                           "mae or none)", where, o + 1);
              return FALSE;
            }
        }
      if (weights)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (weights), o);
          if (!is_kind (e, J_NUMBER) || !isfinite (lw = json_node_get_double (e)) || lw < 0)
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           "%s: loss weight %d must be a number of at least 0", where, o + 1);
              return FALSE;
            }
        }
      if (metrics)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (metrics), o);
          JsonArray *a = JSON_NODE_HOLDS_ARRAY (e) ? json_node_get_array (e) : NULL;
          if (!a || json_array_get_length (a) > G_N_ELEMENTS (mt))
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           "%s: the metrics of output %d must be an array of at most %d names",
                           where, o + 1, (int) G_N_ELEMENTS (mt));
              return FALSE;
            }
          for (guint j = 0; j < json_array_get_length (a); j++)
            {
              JsonNode *me = json_array_get_element (a, j);
              if (!is_kind (me, J_STRING)
                  || !nn_metric_parse (json_node_get_string (me), &mt[n_mt]))
                {
                  g_set_error (error, NN_MODEL_ERROR, E,
                               "%s: metric %u of output %d must be one of accuracy, "
                               "binary_accuracy, categorical_accuracy, "
                               "sparse_categorical_accuracy, mae, mse", where, j + 1, o + 1);
                  return FALSE;
                }
              n_mt++;
            }
        }
      nn_model_add_output (m, g_array_index (outs, NnRef, o), l, lw, mt, n_mt);
    }
  return TRUE;
}

static const char *const training_keys[] = {
  "epochs", "batch_size", "validation_split", "kfold", "kfold_iterations", "seed",
  "early_stopping_patience", NULL
};

static gboolean
read_training (NnModel *m, JsonObject *root, GError **error)
{
  const char *where = "“training”";
  const int E = NN_MODEL_ERROR_CONFIG;
  NnTrainDefaults *d = nn_model_get_defaults (m);
  JsonNode *n;
  gint64 seed = (gint64) MIN (d->seed, (guint64) G_MAXINT64);

  if (!get_member (root, "training", J_OBJECT, FALSE, E, "the file", &n, error))
    return FALSE;
  if (!n)
    return TRUE;
  JsonObject *t = json_node_get_object (n);
  if (!only_keys (t, training_keys, E, where, error)
      || !get_int32 (t, "epochs", 0, 1000000, E, where, &d->epochs, error)
      || !get_int32 (t, "batch_size", 0, 1 << 20, E, where, &d->batch_size, error)
      || !get_double (t, "validation_split", 0, FALSE, 0.99, E, where, &d->validation_split,
                      error)
      || !get_int32 (t, "kfold", 0, 1000, E, where, &d->kfold, error)
      || !get_int32 (t, "kfold_iterations", 0, 1000, E, where, &d->kfold_iterations, error)
      || !get_int (t, "seed", 0, G_MAXINT64, E, where, &seed, error)
      || !get_int32 (t, "early_stopping_patience", 0, 1000000, E, where,
                     &d->early_stopping_patience, error))
    return FALSE;
  d->seed = (guint64) seed;
  return TRUE;
}

/* Turns json-glib's "<data>:3:14: Parse error: unexpected …" into a
 * sentence with the line and column. */
static void
set_parse_error (GError **error, const GError *err)
{
  int line, col, off = -1;
  const char *msg = err->message;
  if (sscanf (msg, "<data>:%d:%d: %n", &line, &col, &off) == 2 && off > 0)
    {
      const char *rest = msg + off;
      if (g_str_has_prefix (rest, "Parse error: "))
        rest += strlen ("Parse error: ");
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   "the file is not valid JSON: line %d, column %d: %s", line, col, rest);
    }
  else
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "the file is not valid JSON: %s",
                 msg);
}

/* ---- public: reading ----------------------------------------------------- */

/**
 * nn_model_load_from_data:
 * @json: the file's text
 * @len: its length, or -1 when NUL-terminated
 *
 * Returns: (transfer full): the model, or NULL with @error set; nothing is
 * half-loaded.
 */
NnModel *
nn_model_load_from_data (const char *json, gssize len, GError **error)
{
  g_return_val_if_fail (json != NULL || len == 0, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) err = NULL;
  g_autoptr (GArray) outs = NULL;
  JsonNode *node;
  const char *format, *name, *title, *description, *dataset;
  gint64 version = 0;

  if (len < 0)
    len = (gssize) strlen (json);
  if (!json_parser_load_from_data (parser, json ? json : "", len, &err))
    {
      set_parse_error (error, err);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "the file is empty");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   "the file holds %s, not a JSON object with a model", node_desc (root));
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);

  if (!get_string (o, "format", TRUE, NN_MODEL_ERROR_FILE, "the file", &format, error))
    return NULL;
  if (!g_str_equal (format, FORMAT_NAME))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION,
                   "this is not a Deepscope model file: its format is “%s”, not “" FORMAT_NAME "”",
                   format);
      return NULL;
    }
  if (!get_member (o, "version", J_INT, TRUE, NN_MODEL_ERROR_VERSION, "the file", &node, error))
    return NULL;
  version = json_node_get_int (node);
  if (version > FORMAT_VERSION)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION,
                   "this file was written by a newer Deepscope (format version %" G_GINT64_FORMAT
                   "); this version reads version %d", version, FORMAT_VERSION);
      return NULL;
    }
  if (version < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION,
                   "format version %" G_GINT64_FORMAT " does not exist; this version reads "
                   "version %d", version, FORMAT_VERSION);
      return NULL;
    }

  if (!get_string (o, "name", FALSE, NN_MODEL_ERROR_CONFIG, "the file", &name, error)
      || !get_string (o, "title", FALSE, NN_MODEL_ERROR_CONFIG, "the file", &title, error)
      || !get_string (o, "description", FALSE, NN_MODEL_ERROR_CONFIG, "the file",
                      &description, error)
      || !get_string (o, "dataset", FALSE, NN_MODEL_ERROR_CONFIG, "the file", &dataset, error)
      || !get_member (o, "config", J_OBJECT, TRUE, NN_MODEL_ERROR_FILE, "the file", &node,
                      error))
    return NULL;

  g_autoptr (NnModel) m = nn_model_new (name);
  if (!read_graph (m, json_node_get_object (node), 0, "“config”", &outs, error)
      || !read_compile (m, o, outs, error)
      || !read_training (m, o, error))
    return NULL;
  NnTrainDefaults *d = nn_model_get_defaults (m);
  g_free (d->title);
  d->title = g_strdup (title);
  g_free (d->description);
  d->description = g_strdup (description);
  nn_model_set_dataset (m, dataset);
  if (!read_weights_member (m, o, NULL, error))
    return NULL;
  /* Shapes for the editor; a model with errors still loads so that they
   * can be shown on its nodes. */
  nn_model_infer (m, NULL);
  return g_steal_pointer (&m);
}

/**
 * nn_model_load:
 *
 * Returns: (transfer full): the model in the file at @path, or NULL with
 * @error set (messages start with the file's name).
 */
NnModel *
nn_model_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *data = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr (GError) err = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, "Cannot open the model: %s",
                   err->message);
      return NULL;
    }
  NnModel *m = nn_model_load_from_data (data, (gssize) len, error);
  if (!m)
    g_prefix_error (error, "%s: ", display);
  return m;
}
