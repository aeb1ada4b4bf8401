/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Import entry points: which kind of file it is (TF.js Layers model.json or
 * a Keras model.to_json() text), the topology (nn-import-keras.c) read by
 * the model reader, then the weights of a TF.js weights manifest and its
 * shards, matched by name and shape. Nothing is returned on error. */
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-export-private.h"

typedef struct {
  char   *name;
  int     ndim;
  int     shape[NN_MAX_DIMS];
  gsize   offset, count;   /* in floats */
  gboolean used;
} WeightSpec;

static void
weight_spec_free (gpointer p)
{
  WeightSpec *w = p;
  g_free (w->name);
  g_free (w);
}

static gboolean
weights_error (GError **error, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static gboolean
weights_error (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error_literal (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS, msg);
  return FALSE;
}

/* One manifest entry: name, float32 dtype, shape within limits. */
static WeightSpec *
read_spec (JsonObject *o, gsize offset, GError **error)
{
  const char *name = nn_json_string (o, "name", NULL);
  JsonArray *shape = nn_json_array (o, "shape");
  if (name == NULL || shape == NULL)
    return weights_error (error, "a weights manifest entry has no name or shape"), NULL;
  if (!g_str_equal (nn_json_string (o, "dtype", "float32"), "float32")
      || nn_json_member (o, "quantization"))
    return weights_error (error, "weight “%s”: only float32 weights are read, not %s%s", name,
                          nn_json_string (o, "dtype", "float32"),
                          nn_json_member (o, "quantization") ? " quantized" : ""), NULL;
  guint nd = json_array_get_length (shape);
  if (nd > NN_MAX_DIMS)
    return weights_error (error, "weight “%s” has %u axes (at most %d)", name, nd,
                          NN_MAX_DIMS), NULL;
  WeightSpec *w = g_new0 (WeightSpec, 1);
  w->ndim = nd;
  w->count = 1;
  w->offset = offset;
  for (guint i = 0; i < nd; i++)
    {
      JsonNode *e = json_array_get_element (shape, i);
      double d = JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64
                 ? json_node_get_double (e) : -1;
      if (!(d >= 0 && d <= G_MAXINT && w->count * MAX (d, 1) <= G_MAXINT))
        {
          weight_spec_free (w);
          return weights_error (error, "weight “%s”: axis %u has size %g, beyond what the "
                                "engine holds", name, i, d), NULL;
        }
      w->shape[i] = (int) d;
      w->count *= w->shape[i];
    }
  w->name = g_strdup (name);
  return w;
}

/* The manifest's specs and their shards' bytes, concatenated. */
static GBytes *
read_manifest (JsonArray *manifest, const char *dir, GPtrArray *specs, GError **error)
{
  g_autoptr (GByteArray) all = g_byte_array_new ();
  gsize floats = 0;
  for (guint g = 0; g < json_array_get_length (manifest); g++)
    {
      JsonObject *group = nn_json_array_object (manifest, g);
      JsonArray *paths = nn_json_array (group, "paths"), *ws = nn_json_array (group, "weights");
      if (paths == NULL || ws == NULL)
        return weights_error (error, "weights manifest group %u has no paths or weights", g),
               NULL;
      for (guint k = 0; k < json_array_get_length (ws); k++)
        {
          WeightSpec *w = read_spec (nn_json_array_object (ws, k), floats, error);
          if (w == NULL)
            return NULL;
          g_ptr_array_add (specs, w);
          floats += w->count;
        }
      for (guint k = 0; k < json_array_get_length (paths); k++)
        {
          const char *p = nn_json_array_string (paths, k);
          if (p == NULL || strchr (p, '/') || g_str_equal (p, "..") || *p == '\0')
            return weights_error (error, "weights manifest path %u is not a file name beside "
                                  "the model", k), NULL;
          g_autofree char *path = g_build_filename (dir, p, NULL);
          g_autofree char *data = NULL;
          gsize len;
          if (!g_file_get_contents (path, &data, &len, error))
            return NULL;
          g_byte_array_append (all, (const guint8 *) data, len);
        }
    }
  if (all->len != floats * sizeof (float))
    return weights_error (error, "the weight shards hold %u bytes, the manifest describes %"
                          G_GSIZE_FORMAT " (%s)", all->len, floats * sizeof (float),
                          all->len < floats * sizeof (float) ? "truncated shard"
                                                              : "longer than described"), NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&all));
}

static char *
shape_text (int ndim, const int *shape)
{
  GString *s = g_string_new ("(");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, "%s%d", i ? ", " : "", shape[i]);
  g_string_append (s, ")");
  return g_string_free (s, FALSE);
}

/* Every weight of m from the manifest, by name; every entry must be used. */
static gboolean
set_weights (NnModel *m, JsonArray *manifest, const char *dir, GError **error)
{
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func (weight_spec_free);
  g_autoptr (GBytes) bytes = read_manifest (manifest, dir, specs, error);
  if (bytes == NULL)
    return FALSE;
  const float *data = g_bytes_get_data (bytes, NULL);
  g_autoptr (GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < specs->len; i++)
    {
      WeightSpec *w = g_ptr_array_index (specs, i);
      if (!g_hash_table_insert (by_name, w->name, w))
        return weights_error (error, "weight “%s” appears twice in the manifest", w->name);
    }
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (NnTensor));
  nn_keras_model_weights (m, names, views);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      NnTensor *v = &g_array_index (views, NnTensor, i);
      WeightSpec *w = g_hash_table_lookup (by_name, name);
      if (w == NULL)
        return weights_error (error, "weight “%s” is missing from the weights", name);
      if (w->ndim != v->ndim || memcmp (w->shape, v->shape, v->ndim * sizeof (int)) != 0)
        {
          g_autofree char *file = shape_text (w->ndim, w->shape);
          g_autofree char *need = shape_text (v->ndim, v->shape);
          return weights_error (error, "weight “%s”: shape %s in the file, the layer needs %s",
                                name, file, need);
        }
      memcpy (v->data, data + w->offset, w->count * sizeof (float));
#if G_BYTE_ORDER == G_BIG_ENDIAN
      for (gsize k = 0; k < w->count; k++)
        ((guint32 *) v->data)[k] = GUINT32_FROM_LE (((guint32 *) v->data)[k]);
#endif
      w->used = TRUE;
    }
  for (guint i = 0; i < specs->len; i++)
    if (!((WeightSpec *) g_ptr_array_index (specs, i))->used)
      return weights_error (error, "weight “%s” belongs to no layer of the model",
                            ((WeightSpec *) g_ptr_array_index (specs, i))->name);
  return TRUE;
}

/* Keras 3 writes another layout; Keras 2 and TF.js Layers are read. */
static gboolean
check_version (JsonObject *o, GError **error)
{
  const char *v = nn_json_string (o, "keras_version", "");
  if (g_str_has_prefix (v, "3.") || g_str_has_prefix (v, "4."))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION,
                   _("keras_version %s: this reads Keras 2 and TF.js Layers models, not "
                   "Keras 3 ones"), v);
      return FALSE;
    }
  return TRUE;
}

/* The weights manifest of a separate file: the array, or an object holding
 * "weightsManifest". */
static JsonNode *
load_manifest_file (const char *path, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (!json_parser_load_from_file (p, path, error))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  if (root && JSON_NODE_HOLDS_OBJECT (root))
    root = nn_json_member (json_node_get_object (root), "weightsManifest");
  if (root == NULL || !JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("%s is not a TF.js weights manifest (a list of {paths, weights})"), path);
      return NULL;
    }
  return json_node_copy (root);
}

NnModel *
nn_import_keras_from_data (const char *json, gssize len, const char *dir, const char *weights,
                           GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  if (len == 0 || (len < 0 && *json == '\0'))
    return g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("the file is empty")), NULL;
  if (!json_parser_load_from_data (p, json, len, error))
    return NULL;
  JsonNode *root = json_parser_get_root (p);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  JsonObject *topology = NULL;
  g_autoptr (JsonNode) manifest = NULL;
  g_autofree char *wdir = NULL;
  if (nn_json_member (o, "format") || nn_json_member (o, "modelTopology"))
    {
      const char *format = nn_json_string (o, "format", "");
      if (!g_str_equal (format, "layers-model"))
        return g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_VERSION,
                            _("format “%s”: only TF.js Layers models (“layers-model”) are read"),
                            format), NULL;
      JsonObject *mt = nn_json_object (o, "modelTopology");
      if (!check_version (mt, error))
        return NULL;
      topology = nn_json_object (mt, "model_config") ? nn_json_object (mt, "model_config") : mt;
      JsonNode *wm = nn_json_member (o, "weightsManifest");
      manifest = wm && JSON_NODE_HOLDS_ARRAY (wm) ? json_node_copy (wm) : NULL;
      wdir = g_strdup (dir);
    }
  else if (nn_json_member (o, "class_name"))
    {
      if (!check_version (o, error))
        return NULL;
      topology = o;
    }
  if (topology == NULL)
    return g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                        _("not a TF.js Layers model.json nor a Keras model JSON (no "
                        "modelTopology, no class_name)")), NULL;
  if (weights)
    {
      g_clear_pointer (&manifest, json_node_unref);
      if ((manifest = load_manifest_file (weights, error)) == NULL)
        return NULL;
      g_free (wdir);
      wdir = g_path_get_dirname (weights);
    }
  g_autofree char *text = nn_import_keras_topology (topology, error);
  if (text == NULL)
    return NULL;
  g_autoptr (NnModel) m = nn_model_load_from_data (text, -1, error);
  if (m == NULL || !nn_model_infer (m, error) || !nn_model_init_weights (m, 1, error))
    return NULL;
  if (manifest && !set_weights (m, json_node_get_array (manifest), wdir, error))
    return NULL;
  return g_steal_pointer (&m);
}

NnModel *
nn_import_keras (const char *path, const char *weights, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) local = NULL;
  NnModel *m = nn_import_keras_from_data (text, len, dir, weights, &local);
  if (m == NULL)
    g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
  return m;
}
