/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-onnx.h: a model written as ONNX (engine/export), for the deployment
 * tools, runtimes and viewers that read it. Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-model.h"

G_BEGIN_DECLS

/* The ONNX IR version and operator set the files declare. */
#define NN_ONNX_IR_VERSION 7
#define NN_ONNX_OPSET      13

/* Writes DIR/model.onnx (DIR is created if needed): the model's graph in
 * standard ONNX operators (opset 13), its weights as initializers (the
 * model's own, or initialized with seed 1 when it has none, as the Keras
 * and TF.js exports do), one graph input per Input layer (float, batch
 * axis "batch") and one graph output per model output, named after their
 * layers. Images stay channels-last (batch, height, width, channels) at
 * the inputs and outputs, as in the engine. Padded sequences (Embedding
 * with mask_zero) give the recurrent layers their lengths, which supposes
 * the padding comes after the real steps, as the engine's text datasets
 * put it. A layer with no ONNX mapping (or a setting with none, such as a
 * recurrent layer with a linear activation) is refused with an error
 * naming it (NN_MODEL_ERROR_UNKNOWN_LAYER) and nothing is written. */
gboolean nn_export_onnx (NnModel *model, const char *dir, GError **error);

G_END_DECLS
