/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn.h: the one header of the Deepscope engine that the UI and the CLI
 * include. It gathers the per-area headers:
 *
 *   nn-tensor.h   start-up, tensors, the seeded generator (engine/core)
 *   nn-augment.h  image augmentation (engine/graph)
 *   nn-errors.h   the error domains
 *   nn-model.h    the layer table and models (engine/layers, engine/model)
 *   nn-data.h     datasets (engine/data)
 *   nn-text.h     text vectorization, vocabularies, GloVe vectors (engine/data)
 *   nn-train.h    training and inference (engine/train)
 *   nn-gan.h      generative adversarial networks (engine/train)
 *   nn-inspect.h  activations, filters, explanations, confusion (engine/inspect)
 *   nn-generate.h DeepDream, projections, variational autoencoders (engine/inspect)
 *   nn-style.h    neural style transfer (engine/inspect)
 *
 * The engine has two halves: a numeric core (tensors, op graph, kernels) in
 * plain C11 + CBLAS, and services (model files, datasets, trainer) on GLib,
 * GIO and json-glib. engine/README.md says what may depend on what.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <stdint.h>

#include "nn-tensor.h"
#include "nn-augment.h"
#include "nn-errors.h"
#include "nn-model.h"
#include "nn-help.h"
#include "nn-data.h"
#include "nn-text.h"
#include "nn-train.h"
#include "nn-gan.h"
#include "nn-search.h"
#include "nn-ensemble.h"
#include "nn-inspect.h"
#include "nn-generate.h"
#include "nn-style.h"
#include "nn-onnx.h"
#include "nn-export.h"
