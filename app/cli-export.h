/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli export and import: a model to Keras's formats (a Keras
 * script, TensorFlow.js Layers, ONNX) and a Keras model into a Deepscope
 * model file. */
#pragma once

#include "nn.h"

G_BEGIN_DECLS

/* --format keras|tfjs|onnx (required): FALSE with a G_OPTION_ERROR when it
 * is missing or another. */
gboolean cli_export_check (const char *format, const char *out, GError **error);
/* Writes the model in `format` into the folder `out`. 0, or 1 with error. */
int      cli_export_run   (NnModel *m, const char *format, const char *out, GError **error);
/* Reads a TF.js model.json or Keras model JSON (--weights: a TF.js weights
 * manifest for the latter) and saves it, weights included, as `out`. */
int      cli_import_run   (const char *path, const char *weights, const char *out,
                           gboolean quiet, GError **error);

G_END_DECLS
