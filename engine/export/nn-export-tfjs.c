/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TensorFlow.js Layers export: DIR/model.json (the Keras topology of
 * nn-keras-topology.c and the weights manifest) and DIR/group1-shard1of1.bin
 * (every weight, float32 little endian, in the manifest's order). */
#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "nn-export-private.h"

#define TFJS_SHARD "group1-shard1of1.bin"

/* Names of the layers left out (nn_keras_inference_identity), nested
 * models' too, appended to `names`. */
static void
left_out (NnModel *m, GString *names)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (nn_model_layer_get_submodel (m, l))
      left_out (nn_model_layer_get_submodel (m, l), names);
    else if (nn_keras_inference_identity (m, l))
      g_string_append_printf (names, "%s%s", names->len ? ", " : "", nn_model_layer_get_name (m, l));
}

char *
nn_export_tfjs_left_out (NnModel *m)
{
  GString *names = g_string_new (NULL);
  left_out (m, names);
  return g_string_free (names, names->len == 0);
}

char *
nn_export_tfjs_note (NnModel *m)
{
  g_autofree char *names = nn_export_tfjs_left_out (m);
  if (names == NULL)
    return NULL;
  return g_strdup_printf ("left out of the TensorFlow.js export: %s (augmentation and "
                          "SpatialDropout2D layers are identities at inference, which "
                          "TensorFlow.js lacks; the Keras and ONNX exports keep them)",
                          names);
}

/* Why TF.js cannot run layer `l`, or NULL when it can. */
static char *
tfjs_refusal (NnModel *m, int l)
{
  const char *cls = nn_layer_type_get_name (nn_model_layer_get_type (m, l));
  const char *name = nn_model_layer_get_name (m, l);
  g_autofree char *cell = g_str_equal (cls, "Bidirectional")
                          ? nn_model_layer_dup_param_text (m, l, "layer") : g_strdup (cls);
  if (g_str_equal (cell, "GRU") && nn_model_layer_get_param (m, l, "reset_after")->i)
    return g_strdup_printf ("layer “%s”: TensorFlow.js's GRU has no reset_after=true "
                            "(Keras 2's default); set reset_after to false and retrain, or "
                            "use the Keras export", name);
  g_autofree char *pad = g_str_equal (cls, "Conv1D")
                         ? nn_model_layer_dup_param_text (m, l, "padding") : NULL;
  if (pad && g_str_equal (pad, "causal"))
    return g_strdup_printf ("layer “%s”: TensorFlow.js's Conv1D has no causal padding (the "
                            "Keras export keeps it)", name);
  const char *keys[] = { "activation", "recurrent_activation" };
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      g_autofree char *a = nn_model_layer_get_param (m, l, keys[k])
                           ? nn_model_layer_dup_param_text (m, l, keys[k]) : NULL;
      /* leaky_relu is a LeakyReLU layer after the layer or instead of an
       * Activation (nn-keras-map.c); no other layer type offers it */
      gboolean leaky_layer = k == 0 && (nn_keras_leaky_after (m, l) || g_str_equal (cls, "Activation"));
      if (a && ((g_str_equal (a, "leaky_relu") && !leaky_layer) || g_str_equal (a, "exponential")))
        return g_strdup_printf ("layer “%s”: TensorFlow.js has no %s activation (%s; the "
                                "Keras export keeps it)", name, a, keys[k]);
    }
  return NULL;
}

static gboolean
tfjs_check (NnModel *m, GError **error)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      if (inner && !tfjs_check (inner, error))
        return FALSE;
      g_autofree char *why = inner ? NULL : tfjs_refusal (m, l);
      if (why)
        {
          g_set_error_literal (error, NN_MODEL_ERROR, NN_MODEL_ERROR_UNKNOWN_LAYER, why);
          return FALSE;
        }
    }
  return TRUE;
}

static JsonNode *
weights_manifest (GPtrArray *names, GArray *views)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "paths");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, TFJS_SHARD);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "weights");
  json_builder_begin_array (b);
  for (guint i = 0; i < names->len; i++)
    {
      const NnTensor *t = &g_array_index (views, NnTensor, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, g_ptr_array_index (names, i));
      json_builder_set_member_name (b, "shape");
      json_builder_begin_array (b);
      for (int d = 0; d < t->ndim; d++)
        json_builder_add_int_value (b, t->shape[d]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "dtype");
      json_builder_add_string_value (b, "float32");
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  json_builder_end_array (b);
  return json_builder_get_root (b);
}

/* "userDefinedMetadata": where the vocabulary is, what was left out (TF.js
 * hands it to a page as model.getUserDefinedMetadata ()). */
static void
user_metadata (JsonBuilder *b, gboolean vocab, const char *note)
{
  if (!vocab && !note)
    return;
  json_builder_set_member_name (b, "userDefinedMetadata");
  json_builder_begin_object (b);
  if (vocab)
    {
      json_builder_set_member_name (b, "vocabulary");
      json_builder_add_string_value (b, NN_VOCAB_FILE);
    }
  if (note)
    {
      json_builder_set_member_name (b, "note");
      json_builder_add_string_value (b, note);
    }
  json_builder_end_object (b);
}

static char *
model_json (JsonNode *config, JsonNode *manifest, gboolean vocab, const char *note)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  user_metadata (b, vocab, note);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, "layers-model");
  json_builder_set_member_name (b, "generatedBy");
  json_builder_add_string_value (b, "Deepscope");
  json_builder_set_member_name (b, "convertedBy");
  json_builder_add_null_value (b);
  json_builder_set_member_name (b, "modelTopology");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "keras_version");
  json_builder_add_string_value (b, NN_KERAS_VERSION);
  json_builder_set_member_name (b, "backend");
  json_builder_add_string_value (b, "tensorflow");
  json_builder_set_member_name (b, "model_config");
  json_builder_add_value (b, json_node_copy (config));
  json_builder_end_object (b);
  json_builder_set_member_name (b, "weightsManifest");
  json_builder_add_value (b, json_node_copy (manifest));
  json_builder_end_object (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 1);
  return json_generator_to_data (gen, NULL);
}

/* The weights one after the other, float32 little endian. */
static GBytes *
shard_bytes (GArray *views)
{
  gsize total = 0;
  for (guint i = 0; i < views->len; i++)
    total += g_array_index (views, NnTensor, i).size;
  float *buf = g_new (float, MAX (total, 1));
  gsize at = 0;
  for (guint i = 0; i < views->len; i++)
    {
      const NnTensor *t = &g_array_index (views, NnTensor, i);
      memcpy (buf + at, t->data, t->size * sizeof (float));
      at += t->size;
    }
#if G_BYTE_ORDER == G_BIG_ENDIAN
  for (gsize i = 0; i < total; i++)
    ((guint32 *) buf)[i] = GUINT32_TO_LE (((guint32 *) buf)[i]);
#endif
  return g_bytes_new_take (buf, total * sizeof (float));
}

gboolean
nn_export_prepare (NnModel *m, const char *dir, GError **error)
{
  if (!nn_model_infer (m, error))
    return FALSE;
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, 1, error))
    return FALSE;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e),
                   _("cannot create the folder %s: %s"), dir, g_strerror (e));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_export_tfjs (NnModel *model, const char *dir, GError **error)
{
  if (!tfjs_check (model, error) || !nn_export_prepare (model, dir, error))
    return FALSE;
  g_autoptr (NnModel) m = nn_model_copy (model);
  nn_keras_unique_names (m);
  g_autoptr (JsonNode) config = nn_keras_model_config_full (m, TRUE, error);
  if (config == NULL)
    return FALSE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) views = g_array_new (FALSE, FALSE, sizeof (NnTensor));
  nn_keras_model_weights (m, names, views);
  g_autoptr (JsonNode) manifest = weights_manifest (names, views);
  g_autofree char *note = nn_export_tfjs_note (m);
  g_autofree char *text = model_json (config, manifest, nn_model_get_vocab (m) != NULL, note);
  g_autoptr (GBytes) shard = shard_bytes (views);
  g_autofree char *json_path = g_build_filename (dir, "model.json", NULL);
  g_autofree char *bin_path = g_build_filename (dir, TFJS_SHARD, NULL);
  g_autofree char *vocab_path = g_build_filename (dir, NN_VOCAB_FILE, NULL);
  gsize len;
  const char *data = g_bytes_get_data (shard, &len);
  return g_file_set_contents (bin_path, data, len, error)
         && g_file_set_contents (json_path, text, -1, error)
         && nn_model_write_vocab (m, vocab_path, error);
}
