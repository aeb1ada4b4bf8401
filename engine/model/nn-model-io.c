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
#include <glib/gi18n-lib.h>

#include "nn-model-io-private.h"


/* ======================================================================== */
/* Reading                                                                  */
/* ======================================================================== */

/* Error codes: a missing member is always NN_MODEL_ERROR_FILE; a member of
 * the wrong JSON type gets the code of what it describes (FILE for the
 * file's structure, CONFIG for settings, WEIGHTS for the weights). */

gboolean
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

const char *
kind_name (JKind k)
{
  static const char *const names[] = {
    "an object", "an array", "a string", "a whole number", "a number", "true or false"
  };
  return names[k];
}

/* What a node holds, for messages: "… must be a whole number, not a string". */
const char *
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
gboolean
get_member (JsonObject *o, const char *key, JKind k, gboolean required, int code,
            const char *where, JsonNode **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  *out = NULL;
  if (!n)
    {
      if (!required)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s has no “%s” member"), where,
                   key);
      return FALSE;
    }
  if (!is_kind (n, k))
    {
      g_set_error (error, NN_MODEL_ERROR, code, _("%s: “%s” must be %s, not %s"), where, key,
                   kind_name (k), node_desc (n));
      return FALSE;
    }
  *out = n;
  return TRUE;
}

gboolean
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

gboolean
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
gboolean
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
      g_set_error (error, NN_MODEL_ERROR, code, _("%s: “%s” must be %s %g and at most %g, not %s"),
                   where, key, min_open ? "more than" : "at least", min, max,
                   g_ascii_dtostr (buf, sizeof buf, v));
      return FALSE;
    }
  *out = v;
  return TRUE;
}

gboolean
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
gboolean
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
gboolean
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
                     _("%s has no setting “%s” (the settings are: %s)"), where, name, list);
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
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG, _("%s: “%s” must be %s, not %s"),
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
                             _("%s: “%s” must be an array of whole numbers, but entry %u is %s"),
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
                       _("%s: %s layers have no setting “%s” (%s%s)"), where,
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
                   _("%s: each entry of %s must be [layer name, call index, tensor index]"),
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
                   _("%s: %s refers to “%s”, which is not a layer of this model"), where, what,
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
  int n_out = nn_model_layer_get_n_outputs (gr->m, li);
  if (tensor < 0 || tensor >= n_out)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   "%s: %s refers to tensor %" G_GINT64_FORMAT " of “%s”, but each of its "
                   "calls has %d output tensor%s, numbered from 0%s", where, what, tensor, name,
                   n_out, n_out == 1 ? "" : "s",
                   n_out == 1 ? " (a recurrent layer's states need return_state)" : "");
      return FALSE;
    }
  *out = (NnRef) { li, (int) call, (int) tensor };
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
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s must be an object, not %s"),
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
                   _("%s: there is no layer type “%s”"), p->where, class_name);
      return FALSE;
    }
  if (nn_model_find_layer (m, name) >= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("two layers are named “%s”: layer names must be unique"), name);
      return FALSE;
    }

  int li;
  /* TimeDistributed around a model holds the model's keys, as a Model layer */
  gboolean sub = g_str_equal (class_name, "Model")
                 || (g_str_equal (class_name, "TimeDistributed")
                     && json_object_has_member (json_node_get_object (cfg), "layers"));
  if (sub)
    {
      g_autoptr (NnModel) inner = read_submodel (json_node_get_object (cfg), name, depth + 1,
                                                 error);
      if (!inner)
        return FALSE;
      li = g_str_equal (class_name, "Model") ? nn_model_add_submodel (m, inner, name, &err)
                                             : nn_model_add_time_distributed (m, inner, name,
                                                                              &err);
    }
  else
    li = nn_model_add_layer (m, class_name, name, &err);
  if (li < 0)
    {
      g_set_error (error, err->domain, err->code, "%s: %s", p->where, err->message);
      return FALSE;
    }
  g_assert (li == i);
  if (!sub && !read_layer_config (m, li, json_node_get_object (cfg), p->where, error))
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
                       _("%s: “position” must be [x, y], two numbers"), p->where);
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
                   _("%s is an Input layer, so its “inbound_nodes” must be empty"), p->where);
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
                       _("%s: each entry of “inbound_nodes” must be an array of "
                       "[layer name, call index, tensor index], not %s"), p->where, node_desc (n));
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
                                   _("%s: its first call is empty, which only a model with an "
                                   "Input layer can hold"), p->where);
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
                         _("%s: call %d depends on its own output through a cycle of calls"),
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
                       _("%s: “%s” is listed in “input_layers” but is not an Input layer"), where,
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
                   _("%s: “input_layers” must list the Input layers in the order of “layers” "
                   "(%s)"), where, list->len ? list->str : "there are none");
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
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s has no “count” member"), where);
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
                     _("%s: “data” is not valid base64 (unexpected “%c” at character %zu)"), where,
                     data[bad_at], bad_at + 1);
      else
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                     _("%s: “data” is not valid base64 (its length is not a multiple of 4)"),
                     where);
      return FALSE;
    }
  gsize nbytes = 0;
  g_autofree guchar *bytes = *data ? g_base64_decode (data, &nbytes) : NULL;
  if (nbytes % 4)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   _("%s: “data” holds %zu bytes, which is not a whole number of float32 values"),
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
                   _("%s: the SHA-256 checksum does not match the data, so the file is damaged "
                   "(expected %s, the data gives %s)"), where, sha, actual);
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
                   _("%s: models are nested more than %d deep"), where, MAX_DEPTH);
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

gboolean
read_optimizer_config (JsonObject *o, const char *where, NnOptimizerConfig *out, GError **error)
{
  const char *class_name, *schedule = NULL;
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
                   _("there is no optimizer “%s”; choose SGD, RMSprop or Adam"), class_name);
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
          for (k = 0; nn_schedule_names[k] && !g_str_equal (nn_schedule_names[k], schedule); k++)
            ;
          if (!nn_schedule_names[k])
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           _("%s: “schedule” cannot be “%s”; choose constant, step or exponential"),
                           where, schedule);
              return FALSE;
            }
          c.schedule = (NnScheduleKind) k;
        }
    }
  *out = c;
  return TRUE;
}

static gboolean
read_optimizer (NnModel *m, JsonObject *o, GError **error)
{
  return read_optimizer_config (o, "the optimizer", nn_model_get_optimizer (m), error);
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
                       g_dngettext (GETTEXT_PACKAGE, "%s: “%s” has %u entries but the model has %d output (one entry each)",
                                    "%s: “%s” has %u entries but the model has %d outputs (one entry each)", n_out),
                       where, lists[k].key, n, n_out);
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
                           _("%s: loss %d must be the name of a loss (binary_crossentropy, "
                           "categorical_crossentropy, sparse_categorical_crossentropy, mse, "
                           "mae or none)"), where, o + 1);
              return FALSE;
            }
        }
      if (weights)
        {
          JsonNode *e = json_array_get_element (json_node_get_array (weights), o);
          if (!is_kind (e, J_NUMBER) || !isfinite (lw = json_node_get_double (e)) || lw < 0)
            {
              g_set_error (error, NN_MODEL_ERROR, E,
                           _("%s: loss weight %d must be a number of at least 0"), where, o + 1);
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
                           _("%s: the metrics of output %d must be an array of at most %d names"),
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
                               _("%s: metric %u of output %d must be one of accuracy, "
                               "binary_accuracy, categorical_accuracy, "
                               "sparse_categorical_accuracy, mae, mse"), where, j + 1, o + 1);
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
                   _("the file is not valid JSON: line %d, column %d: %s"), line, col, rest);
    }
  else
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("the file is not valid JSON: %s"),
                 msg);
}

/* json-glib parses nested arrays and objects by recursion, so a few
 * hundred kilobytes of [[[[… or {"a":{"a":… run it out of stack. A model
 * nested MAX_DEPTH models deep needs about 40 levels; this bound is checked
 * before json-glib sees the text. */
#define MAX_JSON_DEPTH 128

/* One linear pass that counts brackets the way json-glib's scanner reads
 * the text: not inside "strings" (where \ escapes the next character),
 * 'strings' (no escapes) or C comments, which it also accepts. */
static gboolean
check_json_depth (const char *text, gsize len, GError **error)
{
  int depth = 0, line = 1;
  gsize line_start = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      switch (c)
        {
        case '\n':
          line++;
          line_start = i + 1;
          break;
        case '"':
        case '\'':
          for (i++; i < len && text[i] != c; i++)
            {
              if (text[i] == '\n')
                {
                  line++;
                  line_start = i + 1;
                }
              else if (c == '"' && text[i] == '\\' && i + 1 < len)
                i++;
            }
          break;
        case '/':
          if (i + 1 < len && text[i + 1] == '*')
            {
              for (i += 2; i < len && !(text[i] == '*' && i + 1 < len && text[i + 1] == '/'); i++)
                if (text[i] == '\n')
                  {
                    line++;
                    line_start = i + 1;
                  }
              i++;  /* onto the closing '/' */
            }
          break;
        case '[':
        case '{':
          if (++depth > MAX_JSON_DEPTH)
            {
              g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                           _("the file nests arrays and objects deeper than %d levels (line %d, "
                           "column %zu, byte %zu); this is not "
                           "a model file"), MAX_JSON_DEPTH, line, i - line_start + 1, i);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          /* Too many closing brackets are json-glib's error to report. */
          depth = MAX (depth - 1, 0);
          break;
        default:
          break;
        }
    }
  return TRUE;
}

/* ---- public: reading ----------------------------------------------------- */

/* The "searches" member, each element as text; they are checked when
 * read as searches (nn_search_new_from_json), so that a bad one is refused
 * alone and the rest of the file still loads. */
static void
read_searches (JsonObject *o, GPtrArray **searches)
{
  if (!searches)
    return;
  *searches = g_ptr_array_new_with_free_func (g_free);
  JsonNode *n = json_object_get_member (o, "searches");
  if (!n)
    return;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    {
      g_ptr_array_add (*searches, json_to_string (n, FALSE));
      return;
    }
  JsonArray *a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_ptr_array_add (*searches, json_to_string (json_array_get_element (a, i), FALSE));
}

/**
 * nn_model_load_from_data_full:
 * @json: the file's text
 * @len: its length, or -1 when NUL-terminated
 * @runs: (out) (optional): the file's training runs, a new array of
 *   NnRunRecord (empty when it has none)
 * @searches: (out) (optional): the file's searches, a new array of char *
 *   (JSON text for nn_search_new_from_json(), not checked here)
 *
 * Returns: (transfer full): the model, or NULL with @error set; nothing is
 * half-loaded.
 */
NnModel *
nn_model_load_from_data_full (const char *json, gssize len, GPtrArray **runs,
                              GPtrArray **searches, GError **error)
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
  if (!check_json_depth (json, (gsize) len, error))
    return NULL;
  if (!json_parser_load_from_data (parser, json ? json : "", len, &err))
    {
      set_parse_error (error, err);
      return NULL;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (!root)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("the file is empty"));
      return NULL;
    }
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("the file holds %s, not a JSON object with a model"), node_desc (root));
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
  NnDatasetFlags flags;
  if (!read_preprocessing (o, "the file", &flags, error))
    return NULL;
  nn_model_set_dataset_flags (m, flags);
  if (!nn_io_read_vocab (o, &m->vocab, error))
    return NULL;
  if (!read_weights_member (m, o, NULL, error) || !read_runs (o, runs, error))
    return NULL;
  read_searches (o, searches);
  /* Shapes for the editor; a model with errors still loads so that they
   * can be shown on its nodes. */
  nn_model_infer (m, NULL);
  return g_steal_pointer (&m);
}

NnModel *
nn_model_load_from_data_with_runs (const char *json, gssize len, GPtrArray **runs,
                                   GError **error)
{
  return nn_model_load_from_data_full (json, len, runs, NULL, error);
}

/**
 * nn_model_load_from_data:
 *
 * nn_model_load_from_data_with_runs() without the runs (they are checked
 * all the same).
 */
NnModel *
nn_model_load_from_data (const char *json, gssize len, GError **error)
{
  return nn_model_load_from_data_with_runs (json, len, NULL, error);
}

/**
 * nn_model_load_with_runs:
 * @runs: (out) (optional): as nn_model_load_from_data_with_runs()
 *
 * Returns: (transfer full): the model in the file at @path, or NULL with
 * @error set (messages start with the file's name).
 */
NnModel *
nn_model_load_full (const char *path, GPtrArray **runs, GPtrArray **searches, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *data = NULL;
  g_autofree char *display = g_filename_display_name (path);
  g_autoptr (GError) err = NULL;
  gsize len;

  if (!g_file_get_contents (path, &data, &len, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("Cannot open the model: %s"),
                   err->message);
      return NULL;
    }
  NnModel *m = nn_model_load_from_data_full (data, (gssize) len, runs, searches, error);
  if (!m)
    g_prefix_error (error, "%s: ", display);
  return m;
}

NnModel *
nn_model_load_with_runs (const char *path, GPtrArray **runs, GError **error)
{
  return nn_model_load_full (path, runs, NULL, error);
}

NnModel *
nn_model_load (const char *path, GError **error)
{
  return nn_model_load_with_runs (path, NULL, error);
}
