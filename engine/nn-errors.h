/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-errors.h: the engine's error domains, one per area, with codes tests
 * can match (nn-errors.c). Include nn.h. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

#define NN_MODEL_ERROR (nn_model_error_quark ())
#define NN_DATA_ERROR  (nn_data_error_quark ())
#define NN_TRAIN_ERROR (nn_train_error_quark ())

typedef enum {
  NN_MODEL_ERROR_SHAPE,        /* shape inference failed */
  NN_MODEL_ERROR_CONFIG,       /* a parameter value is out of range / unknown */
  NN_MODEL_ERROR_GRAPH,        /* cycle, dangling edge, no input/output */
  NN_MODEL_ERROR_UNKNOWN_LAYER,
  NN_MODEL_ERROR_FILE,         /* cannot read or parse the file */
  NN_MODEL_ERROR_VERSION,      /* file written by an unknown format version */
  NN_MODEL_ERROR_WEIGHTS,      /* weights missing, wrong size, bad checksum */
  NN_MODEL_ERROR_MEMORY,       /* needs more memory than the limit (nn_set_memory_limit) */
} NnModelError;

typedef enum {
  NN_DATA_ERROR_IO,
  NN_DATA_ERROR_FORMAT,        /* wrong magic, not the expected format */
  NN_DATA_ERROR_TRUNCATED,
  NN_DATA_ERROR_SIZE,          /* sizes that don't match or are absurd */
  NN_DATA_ERROR_EMPTY,
  NN_DATA_ERROR_MISSING,       /* missing values with strategy "error" */
  NN_DATA_ERROR_UNKNOWN,       /* unknown dataset name or option */
  NN_DATA_ERROR_CANCELLED,
} NnDataError;

typedef enum {
  NN_TRAIN_ERROR_CONFIG,       /* model/dataset mismatch, bad settings */
  NN_TRAIN_ERROR_NAN,          /* the loss became NaN or Inf */
  NN_TRAIN_ERROR_BUSY,         /* already running */
  NN_TRAIN_ERROR_CANCELLED,
} NnTrainError;

GQuark nn_model_error_quark (void);
GQuark nn_data_error_quark  (void);
GQuark nn_train_error_quark (void);

G_END_DECLS
