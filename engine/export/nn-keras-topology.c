/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Keras functional topology of a model: its layers (configs from the
 * mapping, nn-keras-map.c), each call's inbound tensors, the inputs and
 * outputs, nested models as nested Functional configs; and every weight of
 * the model in TF.js's order. */
#include "nn-export-private.h"
#include <glib/gi18n-lib.h>

gboolean
nn_keras_inference_identity (NnModel *m, int l)
{
  static const char *const identities[] = {
    "SpatialDropout2D", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation",
    "RandomBrightness", NULL
  };
  return g_strv_contains (identities, nn_layer_type_get_name (nn_model_layer_get_type (m, l)));
}

/* With `skip`, a reference to a layer left out is one to its input. */
static NnRef
resolve (NnModel *m, NnRef r, gboolean skip)
{
  while (skip && nn_keras_inference_identity (m, r.layer))
    r = nn_model_call_get_input (m, r.layer, r.call, 0);
  return r;
}

/* [name, node, tensor(, {})]: a reference to the output of a layer with
 * a LeakyReLU after it (nn_keras_leaky_after) is one to the LeakyReLU,
 * unless `raw` (the LeakyReLU's own input). */
static void
add_ref_full (JsonBuilder *b, NnModel *m, NnRef r, gboolean kwargs, gboolean raw)
{
  g_autofree char *leaky = !raw && r.out == 0 && nn_keras_leaky_after (m, r.layer)
                           ? nn_keras_leaky_name (m, r.layer) : NULL;
  json_builder_begin_array (b);
  json_builder_add_string_value (b, leaky ? leaky : nn_model_layer_get_name (m, r.layer));
  /* A nested Functional model's node 0 is the one that built it, inside;
   * Keras numbers its calls from 1 */
  json_builder_add_int_value (b, r.call + (nn_model_layer_get_submodel (m, r.layer) != NULL));
  /* the tensor: 0, or a recurrent layer's state (return_state) */
  json_builder_add_int_value (b, r.out);
  if (kwargs)
    {
      json_builder_begin_object (b);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
add_ref (JsonBuilder *b, NnModel *m, NnRef r, gboolean kwargs)
{
  add_ref_full (b, m, r, kwargs, FALSE);
}

/* The LeakyReLU layer after layer l, called on each of its calls. */
static void
build_leaky (JsonBuilder *b, NnModel *m, int l)
{
  json_builder_begin_object (b);
  g_autofree char *name = nn_keras_leaky_name (m, l);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  nn_keras_build_leaky (b, m, l);
  json_builder_set_member_name (b, "inbound_nodes");
  json_builder_begin_array (b);
  for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
    {
      json_builder_begin_array (b);
      add_ref_full (b, m, (NnRef) { l, c, 0 }, TRUE, TRUE);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

/* "inbound_nodes": one list of tensor references per call (a recurrent
 * layer's initial states follow its sequence, as Keras writes them). */
static gboolean
build_inbound (JsonBuilder *b, NnModel *m, int l, gboolean skip, GError **error)
{
  gboolean is_input = nn_model_layer_get_n_calls (m, l) == 1
                      && nn_model_call_get_n_inputs (m, l, 0) == 0
                      && nn_layer_type_get_max_inputs (nn_model_layer_get_type (m, l)) == 0;
  json_builder_set_member_name (b, "inbound_nodes");
  json_builder_begin_array (b);
  for (int c = 0; !is_input && c < nn_model_layer_get_n_calls (m, l); c++)
    {
      int n = nn_model_call_get_n_inputs (m, l, c);
      if (n == 0)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       _("layer “%s” is not connected (call %d has no input): Keras has no "
                       "such layer"), nn_model_layer_get_name (m, l), c);
          return FALSE;
        }
      json_builder_begin_array (b);
      for (int s = 0; s < n; s++)
        add_ref (b, m, resolve (m, nn_model_call_get_input (m, l, c, s), skip), TRUE);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  return TRUE;
}

static gboolean build_model_members (JsonBuilder *b, NnModel *m, const char *name,
                                     gboolean skip, GError **error);

static gboolean
build_submodel (JsonBuilder *b, NnModel *m, int l, gboolean skip, GError **error)
{
  NnModel *inner = nn_model_layer_get_submodel (m, l);
  json_builder_set_member_name (b, "class_name");
  json_builder_add_string_value (b, "Functional");
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  if (!build_model_members (b, inner, nn_model_layer_get_name (m, l), skip, error))
    return FALSE;
  json_builder_end_object (b);
  return TRUE;
}

gboolean
nn_keras_build_submodel (JsonBuilder *b, NnModel *m, int l, GError **error)
{
  return build_submodel (b, m, l, FALSE, error);
}

/* The layers; with `skip`, those left out (nn_keras_inference_identity)
 * are not written and their consumers read their inputs instead. */
static gboolean
build_layers (JsonBuilder *b, NnModel *m, gboolean skip, GError **error)
{
  json_builder_set_member_name (b, "layers");
  json_builder_begin_array (b);
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      gboolean nested = g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)),
                                     "Model");
      if (skip && nn_keras_inference_identity (m, l))
        continue;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, nn_model_layer_get_name (m, l));
      if (!(nested ? build_submodel (b, m, l, skip, error)
                   : nn_keras_build_layer (b, m, l, error))
          || !build_inbound (b, m, l, skip, error))
        return FALSE;
      json_builder_end_object (b);
      if (!nested && nn_keras_leaky_after (m, l))
        build_leaky (b, m, l);
    }
  json_builder_end_array (b);
  return TRUE;
}

/* name, layers, input_layers, output_layers into an open object. */
static gboolean
build_model_members (JsonBuilder *b, NnModel *m, const char *name, gboolean skip,
                     GError **error)
{
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  if (!build_layers (b, m, skip, error))
    return FALSE;
  if (nn_model_get_n_outputs (m) == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("model “%s” has no output: Keras needs at least one"), name);
      return FALSE;
    }
  json_builder_set_member_name (b, "input_layers");
  json_builder_begin_array (b);
  for (int i = 0; i < nn_model_get_n_inputs (m); i++)
    add_ref (b, m, (NnRef) { nn_model_get_input_layer (m, i), 0 }, FALSE);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "output_layers");
  json_builder_begin_array (b);
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    add_ref (b, m, resolve (m, nn_model_get_output (m, i), skip), FALSE);
  json_builder_end_array (b);
  return TRUE;
}

JsonNode *
nn_keras_model_config (NnModel *m, GError **error)
{
  return nn_keras_model_config_full (m, FALSE, error);
}

JsonNode *
nn_keras_model_config_full (NnModel *m, gboolean skip, GError **error)
{
  if (!nn_model_infer (m, error))
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "class_name");
  json_builder_add_string_value (b, "Functional");
  json_builder_set_member_name (b, "config");
  json_builder_begin_object (b);
  if (!build_model_members (b, m, nn_model_get_name (m), skip, error))
    return NULL;
  json_builder_end_object (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

void
nn_keras_model_weights (NnModel *m, GPtrArray *names, GArray *views)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      if (inner)
        nn_keras_model_weights (inner, names, views);
      else
        nn_keras_layer_weights (m, l, names, views);
    }
}

/* Names of `m`'s inner models' layers that an outer layer (or an earlier
 * inner one) already has become MODEL_NAME (MODEL the Model layer's name,
 * then _2, _3, ... until free): Keras's weights are named by layer, and
 * TF.js refuses two weights of one name. */
static void
rename_inner (NnModel *m, GHashTable *seen)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      NnModel *inner = nn_model_layer_get_submodel (m, l);
      if (inner == NULL)
        continue;
      for (int k = 0; k < nn_model_get_n_layers (inner); k++)
        {
          const char *name = nn_model_layer_get_name (inner, k);
          if (!g_hash_table_contains (seen, name))
            {
              g_hash_table_add (seen, g_strdup (name));
              continue;
            }
          g_autofree char *base = g_strdup_printf ("%s_%s", nn_model_layer_get_name (m, l), name);
          char *fresh = g_strdup (base);
          for (int i = 2; g_hash_table_contains (seen, fresh); i++)
            {
              g_free (fresh);
              fresh = g_strdup_printf ("%s_%d", base, i);
            }
          g_assert_true (nn_model_layer_set_name (inner, k, fresh, NULL));
          g_hash_table_add (seen, fresh);
        }
      rename_inner (inner, seen);
    }
}

void
nn_keras_unique_names (NnModel *m)
{
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    g_hash_table_add (seen, g_strdup (nn_model_layer_get_name (m, l)));
  rename_inner (m, seen);
}
