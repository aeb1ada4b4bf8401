/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-export.h: models to and from Keras's formats (engine/export): the
 * Keras mapping of the layer table, TensorFlow.js Layers export and import,
 * the Keras script export. Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-model.h"

G_BEGIN_DECLS

/* json-glib's node (the header is included only where it is used). */
typedef struct _JsonNode JsonNode;

/* The Keras class and config of layer `layer`: a new JSON object
 * {"class_name": "Conv2D", "config": {...}} with Keras 2 / TF.js Layers
 * keys and values (the layer's name included), or NULL with an error for
 * a layer type that has no Keras equivalent. The TF.js export and the
 * Keras script both take their layer configs from here. */
JsonNode   *nn_keras_layer_config (NnModel *m, int layer, GError **error);

/* The whole architecture as Keras's "model_config": {"class_name":
 * "Functional", "config": {"name", "layers" (each with class_name, config,
 * name, inbound_nodes), "input_layers", "output_layers"}}; Model layers are
 * nested Functional models. Shape inference must succeed. */
JsonNode   *nn_keras_model_config (NnModel *m, GError **error);

/* The Keras weight variables of layer `layer`, in Keras's order and
 * layouts (which are the engine's, MODEL-FORMAT.md): *names gets their
 * TF.js names ("dense/kernel"), *views views into the model's weights.
 * Returns the count (0 for layers without weights). The model must have
 * weights. Model layers have none themselves: their inner model has. */
int         nn_keras_layer_weights (NnModel *m, int layer, GPtrArray *names, GArray *views);

/* TensorFlow.js Layers format: DIR/model.json ("layers-model",
 * modelTopology, weightsManifest) and DIR/group1-shard1of1.bin (float32,
 * little endian). The folder is created; weights are initialized first
 * (seed 1) when the model has none. Layers TF.js lacks are refused, naming
 * them. */
gboolean    nn_export_tfjs        (NnModel *m, const char *dir, GError **error);
/* What the TF.js export of m leaves out, in words (the augmentation
 * layers and SpatialDropout2D, identities at inference that TF.js lacks:
 * their consumers read their inputs), or NULL when nothing; model.json
 * holds it as userDefinedMetadata.note. */
char       *nn_export_tfjs_note   (NnModel *m);
/* The names of those layers, ", "-separated, or NULL when none. */
char       *nn_export_tfjs_left_out (NnModel *m);

/* Keras script: DIR/model.py (the model with Keras's functional API, layer
 * configs from nn_keras_layer_config, compile settings, the dataset and
 * training, a USE_DISTRIBUTED switch) and DIR/weights.npz (numpy: one
 * float32 array per weight, named as in TF.js, "dense/kernel"). */
gboolean    nn_export_keras       (NnModel *m, const char *dir, GError **error);

/* Reads a TF.js Layers model.json (its shards beside it) or a Keras
 * model.to_json() text. For the latter the weights are optional: a TF.js
 * weights manifest (JSON: the "weightsManifest" array, or an object holding
 * it) named `weights` (NULL: none, the weights start from the layers'
 * initializers, seed 1). A layer the engine lacks is refused, naming it;
 * nothing is returned on error. */
NnModel    *nn_import_keras       (const char *path, const char *weights, GError **error);
/* The same from the text of model.json; `dir` is where its shards are. */
NnModel    *nn_import_keras_from_data (const char *json, gssize len, const char *dir,
                                       const char *weights, GError **error);

G_END_DECLS
