/* SPDX-License-Identifier: GPL-3.0-or-later */
/* engine/export's insides, for the files beside it. */
#pragma once

#include <json-glib/json-glib.h>

#include "nn.h"

/* Keras class names from ours ("Model" -> "Functional") and back; NULL
 * when there is none. */
const char *nn_keras_class_name (const char *ours);
const char *nn_keras_class_ours (const char *keras);
/* Our initializer names from Keras's class names and back. */
const char *nn_keras_init_class (const char *ours);
const char *nn_keras_init_ours  (const char *keras);

/* Members "class_name" and "config" of layer `l` into an open object. */
gboolean    nn_keras_build_layer    (JsonBuilder *b, NnModel *m, int l, GError **error);
/* The same for a Model layer: a nested Functional model. */
gboolean    nn_keras_build_submodel (JsonBuilder *b, NnModel *m, int l, GError **error);

/* The slope of leaky_relu below 0, the engine's (nn-op-elementwise.c's,
 * Keras 2's and TF.js's LeakyReLU default; Keras 3's negative_slope is
 * 0.2), written explicitly as LeakyReLU's alpha. */
#define NN_LEAKY_RELU_ALPHA 0.3

/* Whether layer l's leaky_relu activation is written as a LeakyReLU layer
 * after it (the layer itself then linear): Dense, TimeDistributed and the
 * convolutions. That layer's name: NAME_leaky_relu (_2, ... when taken);
 * its "class_name" and "config" into an open object. */
gboolean    nn_keras_leaky_after    (NnModel *m, int l);
char       *nn_keras_leaky_name     (NnModel *m, int l);
void        nn_keras_build_leaky    (JsonBuilder *b, NnModel *m, int l);
/* That layer as a new {"class_name": "LeakyReLU", "config": {...}}, or
 * NULL when layer l has none. (An Activation layer with leaky_relu is a
 * LeakyReLU layer itself: nn_keras_layer_config.) */
JsonNode   *nn_keras_leaky_config   (NnModel *m, int l);

/* Layers that are identities at inference (augmentation, SpatialDropout2D)
 * and TF.js lacks: its export leaves them out. */
gboolean    nn_keras_inference_identity (NnModel *m, int l);
/* nn_keras_model_config, with `skip`: those layers left out, their
 * consumers reading their inputs. */
JsonNode   *nn_keras_model_config_full (NnModel *m, gboolean skip, GError **error);

/* Every weight of the model, nested models' included, in TF.js's order
 * (layer by layer, inner models where they stand): names and views. */
void        nn_keras_model_weights  (NnModel *m, GPtrArray *names, GArray *views);

/* The Keras version the exported topology follows. */
#define NN_KERAS_VERSION "2.15.0"

/* Before any export: shape inference, weights (initialized with seed 1
 * when the model has none) and the folder DIR, created. */
gboolean    nn_export_prepare       (NnModel *m, const char *dir, GError **error);

/* Renames inner models' layers whose names an outer layer already has
 * (Keras names weights by layer; TF.js refuses duplicates). Use on a copy. */
void        nn_keras_unique_names   (NnModel *m);

/* The Deepscope model file text for a Keras model_config object
 * ({"class_name": "Functional", "config": ...}), or NULL with an error
 * naming the layer and the setting the engine lacks. */
char       *nn_import_keras_topology (JsonObject *model_config, GError **error);

/* Lenient JSON getters: the member if it has the asked type, else the
 * default (NULL), without the warnings json-glib's own getters give. */
static inline JsonNode *
nn_json_member (JsonObject *o, const char *key)
{
  return o ? json_object_get_member (o, key) : NULL;
}

static inline const char *
nn_json_string (JsonObject *o, const char *key, const char *def)
{
  JsonNode *n = nn_json_member (o, key);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : def;
}

static inline JsonObject *
nn_json_object (JsonObject *o, const char *key)
{
  JsonNode *n = nn_json_member (o, key);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static inline JsonArray *
nn_json_array (JsonObject *o, const char *key)
{
  JsonNode *n = nn_json_member (o, key);
  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

static inline gboolean
nn_json_bool (JsonObject *o, const char *key, gboolean def)
{
  JsonNode *n = nn_json_member (o, key);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_BOOLEAN
         ? json_node_get_boolean (n) : def;
}

/* A number member (int or double), else def. */
static inline double
nn_json_number (JsonObject *o, const char *key, double def)
{
  JsonNode *n = nn_json_member (o, key);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return def;
  GType t = json_node_get_value_type (n);
  return t == G_TYPE_INT64 || t == G_TYPE_DOUBLE ? json_node_get_double (n) : def;
}

/* Element i of an array if it is an object / a string, else NULL. */
static inline JsonObject *
nn_json_array_object (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static inline const char *
nn_json_array_string (JsonArray *a, guint i)
{
  JsonNode *n = json_array_get_element (a, i);
  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         ? json_node_get_string (n) : NULL;
}

/* A numpy .npz of the arrays `views` (NnTensor) named `names` (each
 * stored as NAME.npy). */
gboolean    nn_npz_write (const char *path, GPtrArray *names, GArray *views, GError **error);
