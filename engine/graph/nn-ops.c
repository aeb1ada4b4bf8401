/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The op table: every op's description, indexed by op type. Each op file
 * exports its description (shape rule, forward, backward); adding an op is
 * its file, its NN_OP_ value in nn-graph-private.h and one line here.
 * Nothing registers anything at start-up: the table is constant data. */
#include "nn-graph-private.h"

extern const NnOpInfo nn_op_matmul_bias_info;        /* nn-op-matmul.c */
extern const NnOpInfo nn_op_add_info;                /* nn-op-elementwise.c */
extern const NnOpInfo nn_op_mul_info;
extern const NnOpInfo nn_op_scale_info;
extern const NnOpInfo nn_op_relu_info;
extern const NnOpInfo nn_op_sigmoid_info;
extern const NnOpInfo nn_op_tanh_info;
extern const NnOpInfo nn_op_dropout_info;
extern const NnOpInfo nn_op_weight_penalty_info;
extern const NnOpInfo nn_op_leaky_relu_info;
extern const NnOpInfo nn_op_elu_info;
extern const NnOpInfo nn_op_selu_info;
extern const NnOpInfo nn_op_gelu_info;
extern const NnOpInfo nn_op_swish_info;
extern const NnOpInfo nn_op_softplus_info;
extern const NnOpInfo nn_op_hard_sigmoid_info;
extern const NnOpInfo nn_op_exponential_info;
extern const NnOpInfo nn_op_concat_info;             /* nn-op-shape.c */
extern const NnOpInfo nn_op_reshape_info;
extern const NnOpInfo nn_op_softmax_info;            /* nn-op-softmax.c */
extern const NnOpInfo nn_op_bce_info;                /* nn-op-loss.c */
extern const NnOpInfo nn_op_cce_info;
extern const NnOpInfo nn_op_sparse_cce_info;
extern const NnOpInfo nn_op_mse_info;
extern const NnOpInfo nn_op_mae_info;
extern const NnOpInfo nn_op_conv2d_info;             /* nn-op-conv2d.c */
extern const NnOpInfo nn_op_depthwise_conv2d_info;   /* nn-op-depthwise.c */
extern const NnOpInfo nn_op_conv2d_transpose_info;
extern const NnOpInfo nn_op_max_pool2d_info;         /* nn-op-pool.c */
extern const NnOpInfo nn_op_avg_pool2d_info;
extern const NnOpInfo nn_op_global_avg_pool2d_info;
extern const NnOpInfo nn_op_global_max_pool2d_info;
extern const NnOpInfo nn_op_upsample2d_info;         /* nn-op-resample.c */
extern const NnOpInfo nn_op_zero_pad2d_info;
extern const NnOpInfo nn_op_batchnorm_info;          /* nn-op-batchnorm.c */
extern const NnOpInfo nn_op_spatial_dropout2d_info;  /* nn-op-spatial-dropout.c */
extern const NnOpInfo nn_op_augment_info;            /* nn-op-augment.c */
extern const NnOpInfo nn_op_sampling_info;           /* nn-op-vae.c */
extern const NnOpInfo nn_op_kl_info;
extern const NnOpInfo nn_op_embedding_info;          /* nn-op-embedding.c */
extern const NnOpInfo nn_op_not_zero_info;
extern const NnOpInfo nn_op_global_pool1d_info;      /* nn-op-seq.c */
extern const NnOpInfo nn_op_masked_loss_info;
extern const NnOpInfo nn_op_rnn_info;                /* nn-op-rnn.c */
extern const NnOpInfo nn_op_embed_conv1d_info;       /* nn-op-embed-conv1d.c */
extern const NnOpInfo nn_op_slice_info;              /* nn-op-slice.c */

/* NN_OP_INPUT and NN_OP_PARAM have no description: the graph fills their
 * values itself. */
const NnOpInfo *const nn_op_table[NN_N_OPS] = {
  [NN_OP_MATMUL_BIAS]        = &nn_op_matmul_bias_info,
  [NN_OP_ADD]                = &nn_op_add_info,
  [NN_OP_MUL]                = &nn_op_mul_info,
  [NN_OP_CONCAT]             = &nn_op_concat_info,
  [NN_OP_RESHAPE]            = &nn_op_reshape_info,
  [NN_OP_RELU]               = &nn_op_relu_info,
  [NN_OP_SIGMOID]            = &nn_op_sigmoid_info,
  [NN_OP_TANH]               = &nn_op_tanh_info,
  [NN_OP_SOFTMAX]            = &nn_op_softmax_info,
  [NN_OP_DROPOUT]            = &nn_op_dropout_info,
  [NN_OP_SCALE]              = &nn_op_scale_info,
  [NN_OP_BCE]                = &nn_op_bce_info,
  [NN_OP_CCE]                = &nn_op_cce_info,
  [NN_OP_SPARSE_CCE]         = &nn_op_sparse_cce_info,
  [NN_OP_MSE]                = &nn_op_mse_info,
  [NN_OP_MAE]                = &nn_op_mae_info,
  [NN_OP_WEIGHT_PENALTY]     = &nn_op_weight_penalty_info,
  [NN_OP_LEAKY_RELU]         = &nn_op_leaky_relu_info,
  [NN_OP_ELU]                = &nn_op_elu_info,
  [NN_OP_SELU]               = &nn_op_selu_info,
  [NN_OP_GELU]               = &nn_op_gelu_info,
  [NN_OP_SWISH]              = &nn_op_swish_info,
  [NN_OP_SOFTPLUS]           = &nn_op_softplus_info,
  [NN_OP_HARD_SIGMOID]       = &nn_op_hard_sigmoid_info,
  [NN_OP_EXPONENTIAL]        = &nn_op_exponential_info,
  [NN_OP_CONV2D]             = &nn_op_conv2d_info,
  [NN_OP_DEPTHWISE_CONV2D]   = &nn_op_depthwise_conv2d_info,
  [NN_OP_CONV2D_TRANSPOSE]   = &nn_op_conv2d_transpose_info,
  [NN_OP_MAX_POOL2D]         = &nn_op_max_pool2d_info,
  [NN_OP_AVG_POOL2D]         = &nn_op_avg_pool2d_info,
  [NN_OP_GLOBAL_AVG_POOL2D]  = &nn_op_global_avg_pool2d_info,
  [NN_OP_GLOBAL_MAX_POOL2D]  = &nn_op_global_max_pool2d_info,
  [NN_OP_UPSAMPLE2D]         = &nn_op_upsample2d_info,
  [NN_OP_ZERO_PAD2D]         = &nn_op_zero_pad2d_info,
  [NN_OP_BATCHNORM]          = &nn_op_batchnorm_info,
  [NN_OP_SPATIAL_DROPOUT2D]  = &nn_op_spatial_dropout2d_info,
  [NN_OP_AUGMENT]            = &nn_op_augment_info,
  [NN_OP_SAMPLING]           = &nn_op_sampling_info,
  [NN_OP_KL]                 = &nn_op_kl_info,
  [NN_OP_EMBEDDING]          = &nn_op_embedding_info,
  [NN_OP_NOT_ZERO]           = &nn_op_not_zero_info,
  [NN_OP_GLOBAL_POOL1D]      = &nn_op_global_pool1d_info,
  [NN_OP_MASKED_LOSS]        = &nn_op_masked_loss_info,
  [NN_OP_RNN]                = &nn_op_rnn_info,
  [NN_OP_EMBED_CONV1D]       = &nn_op_embed_conv1d_info,
  [NN_OP_SLICE]              = &nn_op_slice_info,
};

const NnOpInfo *
nn_op_info (NnOpType op)
{
  return (unsigned) op < NN_N_OPS ? nn_op_table[op] : NULL;
}
