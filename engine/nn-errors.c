/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-errors.h"

G_DEFINE_QUARK (nn-model-error-quark, nn_model_error)
G_DEFINE_QUARK (nn-data-error-quark, nn_data_error)
G_DEFINE_QUARK (nn-train-error-quark, nn_train_error)
