/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table: every layer type in palette order. Each layer file
 * exports its types (parameters, shape rule, weights, lowering); adding a
 * layer is its entry in a layer file and one line here. The table is
 * constant data: nothing registers anything at start-up. */
#include "nn-layer-private.h"

extern const NnLayerType nn_layer_input_type;                    /* nn-layer-core.c */
extern const NnLayerType nn_layer_dense_type;
extern const NnLayerType nn_layer_activation_type;
extern const NnLayerType nn_layer_dropout_type;
extern const NnLayerType nn_layer_flatten_type;
extern const NnLayerType nn_layer_reshape_type;
extern const NnLayerType nn_layer_add_type;
extern const NnLayerType nn_layer_concatenate_type;
extern const NnLayerType nn_layer_multiply_type;
extern const NnLayerType nn_model_layer_type;
extern const NnLayerType nn_layer_conv2d_type;                   /* nn-layer-conv.c */
extern const NnLayerType nn_layer_depthwise_conv2d_type;
extern const NnLayerType nn_layer_separable_conv2d_type;
extern const NnLayerType nn_layer_conv2d_transpose_type;
extern const NnLayerType nn_layer_max_pooling2d_type;
extern const NnLayerType nn_layer_average_pooling2d_type;
extern const NnLayerType nn_layer_global_average_pooling2d_type;
extern const NnLayerType nn_layer_global_max_pooling2d_type;
extern const NnLayerType nn_layer_up_sampling2d_type;
extern const NnLayerType nn_layer_zero_padding2d_type;
extern const NnLayerType nn_layer_batch_normalization_type;
extern const NnLayerType nn_layer_spatial_dropout2d_type;
extern const NnLayerType nn_layer_random_flip_type;
extern const NnLayerType nn_layer_random_rotation_type;
extern const NnLayerType nn_layer_random_zoom_type;
extern const NnLayerType nn_layer_random_translation_type;
extern const NnLayerType nn_layer_random_brightness_type;
extern const NnLayerType nn_layer_sampling_type;                 /* nn-layer-vae.c */
extern const NnLayerType nn_layer_embedding_type;                /* nn-layer-seq.c */
extern const NnLayerType nn_layer_time_distributed_type;
extern const NnLayerType nn_layer_conv1d_type;
extern const NnLayerType nn_layer_max_pooling1d_type;
extern const NnLayerType nn_layer_average_pooling1d_type;
extern const NnLayerType nn_layer_global_max_pooling1d_type;
extern const NnLayerType nn_layer_global_average_pooling1d_type;
extern const NnLayerType nn_layer_simple_rnn_type;               /* nn-layer-rnn.c */
extern const NnLayerType nn_layer_lstm_type;
extern const NnLayerType nn_layer_gru_type;
extern const NnLayerType nn_layer_bidirectional_type;

const NnLayerType *const nn_layer_table[] = {
  &nn_layer_input_type,
  &nn_layer_dense_type,
  &nn_layer_activation_type,
  &nn_layer_dropout_type,
  &nn_layer_flatten_type,
  &nn_layer_reshape_type,
  &nn_layer_add_type,
  &nn_layer_concatenate_type,
  &nn_layer_multiply_type,
  &nn_model_layer_type,
  &nn_layer_conv2d_type,
  &nn_layer_depthwise_conv2d_type,
  &nn_layer_separable_conv2d_type,
  &nn_layer_conv2d_transpose_type,
  &nn_layer_max_pooling2d_type,
  &nn_layer_average_pooling2d_type,
  &nn_layer_global_average_pooling2d_type,
  &nn_layer_global_max_pooling2d_type,
  &nn_layer_up_sampling2d_type,
  &nn_layer_zero_padding2d_type,
  &nn_layer_batch_normalization_type,
  &nn_layer_spatial_dropout2d_type,
  &nn_layer_random_flip_type,
  &nn_layer_random_rotation_type,
  &nn_layer_random_zoom_type,
  &nn_layer_random_translation_type,
  &nn_layer_random_brightness_type,
  &nn_layer_sampling_type,
  &nn_layer_embedding_type,
  &nn_layer_time_distributed_type,
  &nn_layer_conv1d_type,
  &nn_layer_max_pooling1d_type,
  &nn_layer_average_pooling1d_type,
  &nn_layer_global_max_pooling1d_type,
  &nn_layer_global_average_pooling1d_type,
  &nn_layer_simple_rnn_type,
  &nn_layer_lstm_type,
  &nn_layer_gru_type,
  &nn_layer_bidirectional_type,
};

const guint nn_layer_table_size = G_N_ELEMENTS (nn_layer_table);
