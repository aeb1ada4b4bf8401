/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sequence layers that are not recurrent: Embedding, TimeDistributed,
 * Conv1D, MaxPooling1D, AveragePooling1D, GlobalMaxPooling1D and
 * GlobalAveragePooling1D. Keras names and defaults; a sequence is
 * (steps, features) per sample, batch-major. Conv1D and the 1-D poolings
 * run as the 2-D ops on (batch, 1, steps, features) (nn-conv-private.h);
 * Embedding and the mask-aware global poolings have their own ops
 * (nn-seq-private.h). */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "nn-conv-private.h"
#include "nn-layer-private.h"
#include "nn-seq-private.h"

/* New names go at the end: a layer keeps its choice as an index. */
static const char *const activations[] = {
  "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu", "gelu",
  "swish", "silu", "softplus", "hard_sigmoid", "exponential", NULL
};
static const char *const conv_paddings[] = { "valid", "same", "causal", NULL };
static const char *const pool_paddings[] = { "valid", "same", NULL };
static const char *const wrappable[] = { "Dense", "Model", NULL };

#define P_ACTIVATION(def) \
  { "activation", NN_PARAM_ENUM, def, 0, 0, activations, N_ ("Function applied to the output") }
#define P_INIT(name, def, help) \
  { name, NN_PARAM_ENUM, def, 0, 0, nn_init_names, help }

/* Ids are fed as floats: exact up to 2^24. */
#define MAX_VOCAB (1 << 24)

static gboolean
expect_sequence (const NnLayer *l, const NnShape *in, GError **error)
{
  if (in->ndim == 2)
    return TRUE;
  nn_layer_shape_error (error, l, "sequences (batch, steps, features)", in,
                        in->ndim == 1 ? "add Embedding (token ids) or Reshape with a "
                                        "features axis, e.g. (steps, 1), before it"
                                      : NULL);
  return FALSE;
}

static int
reshape_to (NnLowerCtx *ctx, int x, int ndim, const int *d)
{
  int y = nn_graph_add (ctx->g, NN_OP_RESHAPE, &x, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  n->ip[0] = ndim;
  for (int k = 0; k < ndim; k++)
    n->ip[1 + k] = d[k];
  nn_graph_update_shapes (ctx->g, y);
  return y;
}

/* A batched (B, T, F) node as the image (B, 1, T, F). */
static int
as_image (NnLowerCtx *ctx, int x)
{
  NnNode *n = nn_graph_node (ctx->g, x);
  int d[3] = { 1, n->shape[1], n->shape[2] };
  return reshape_to (ctx, x, 3, d);
}

/* An image (B, 1, T, F) back to the sequence (B, T, F). */
static int
as_sequence (NnLowerCtx *ctx, int x)
{
  nn_graph_update_shapes (ctx->g, x);
  NnNode *n = nn_graph_node (ctx->g, x);
  int d[2] = { n->shape[2], n->shape[3] };
  return reshape_to (ctx, x, 2, d);
}

/* ---- Embedding --------------------------------------------------------- */

static const NnParamSpec embedding_params[] = {
  { "input_dim", NN_PARAM_INT, "10000", 1, MAX_VOCAB, NULL,
    N_ ("Vocabulary size: token ids run from 0 to input_dim - 1") },
  { "output_dim", NN_PARAM_INT, "32", 1, 65536, NULL,
    N_ ("Length of each token's learned vector") },
  P_INIT ("embeddings_initializer", "uniform", N_ ("How the vectors start")),
  { "mask_zero", NN_PARAM_BOOL, "false", 0, 0, NULL,
    N_ ("Id 0 is padding: later layers skip those steps (recurrent layers, global pooling, "
    "the loss)") },
};

static gboolean
embedding_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (in[0].ndim < 1 || in[0].ndim >= NN_MAX_DIMS - 1)
    {
      nn_layer_shape_error (error, l, "token ids (batch, steps)", &in[0], NULL);
      return FALSE;
    }
  if (nn_layer_bool (l, "mask_zero") && in[0].ndim != 1)
    {
      nn_layer_shape_error (error, l, "token ids (batch, steps) when mask_zero is on", &in[0],
                            "turn mask_zero off or Reshape the ids to (steps)");
      return FALSE;
    }
  *out = in[0];
  out->d[out->ndim++] = nn_layer_int (l, "output_dim");
  return TRUE;
}

static int
embedding_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int v = nn_layer_int (l, "input_dim"), d = nn_layer_int (l, "output_dim");
  w[0] = (NnWeightSpec) { "embeddings", 2, { v, d },
                          nn_init_parse (nn_layer_enum (l, "embeddings_initializer")),
                          v, d, 1, 0, 0 };
  return 1;
}

static int
embedding_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int ins[2] = { in[0], w[0] };
  int y = nn_graph_add (ctx->g, NN_OP_EMBEDDING, ins, 2);
  if (nn_layer_bool (l, "mask_zero"))
    {
      int m = nn_graph_add (ctx->g, NN_OP_NOT_ZERO, in, 1);
      nn_graph_node (ctx->g, y)->mask = m;
    }
  return y;
}

const NnLayerType nn_layer_embedding_type = {
  .name = "Embedding", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Turns token ids into learned vectors: (batch, steps) ids to (batch, steps, output_dim)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = embedding_params, .n_params = G_N_ELEMENTS (embedding_params),
  .infer = embedding_infer, .weights = embedding_weights, .lower = embedding_lower,
};

/* ---- TimeDistributed ----------------------------------------------------- */

/* The wrapped layer runs on every step with the same weights. "Dense" keeps
 * Dense's keys here and runs as Dense on the last axis, which is exactly
 * what TimeDistributed(Dense) computes. "Model" wraps any model of one
 * input (nn_model_add_time_distributed; the layer's submodel): the
 * model code infers and lowers it, folding the steps into the batch axis
 * around the inner model's ops (nn-compile.c), so Conv2D, Dropout,
 * Flatten or a whole model run on every step. */
static const NnParamSpec time_distributed_params[] = {
  { "layer", NN_PARAM_ENUM, "Dense", 0, 0, wrappable,
    N_ ("The layer applied to every step: Dense, or a whole model (any layers) made into a "
    "TimeDistributed layer from a saved model") },
  { "units", NN_PARAM_INT, "32", 1, 65536, NULL, N_ ("Number of output units") },
  P_ACTIVATION ("linear"),
  { "use_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, N_ ("Add a learned bias to each unit") },
  P_INIT ("kernel_initializer", "glorot_uniform", N_ ("How the weights start")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  { "kernel_l1", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L1 penalty on the weights (sum of |w|)") },
  { "kernel_l2", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L2 penalty on the weights (sum of w²)") },
};

static gboolean
time_distributed_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out,
                        GError **error)
{
  if (g_str_equal (nn_layer_enum (l, "layer"), "Model"))
    {
      /* with a model the model code infers it; here there is none */
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("TimeDistributed has no model to apply: choose Dense, or make it from a "
                   "saved model"));
      return FALSE;
    }
  if (in[0].ndim < 2)
    {
      nn_layer_shape_error (error, l, "sequences (batch, steps, features)", &in[0],
                            "use Dense on (batch, features)");
      return FALSE;
    }
  *out = in[0];
  out->d[out->ndim - 1] = nn_layer_int (l, "units");
  return TRUE;
}

static int
time_distributed_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int units = nn_layer_int (l, "units"), f = in[0].d[in[0].ndim - 1];
  w[0] = (NnWeightSpec) { "kernel", 2, { f, units },
                          nn_init_parse (nn_layer_enum (l, "kernel_initializer")),
                          f, units, 1,
                          (float) nn_layer_float (l, "kernel_l1"),
                          (float) nn_layer_float (l, "kernel_l2") };
  if (!nn_layer_bool (l, "use_bias"))
    return 1;
  w[1] = (NnWeightSpec) { "bias", 1, { units },
                          nn_init_parse (nn_layer_enum (l, "bias_initializer")),
                          f, units, 1, 0, 0 };
  return 2;
}

static int
time_distributed_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in,
                        const int *w)
{
  int has_bias = nn_layer_bool (l, "use_bias");
  int ins[3] = { in[0], w[0], has_bias ? w[1] : -1 };
  int y = nn_graph_add (ctx->g, NN_OP_MATMUL_BIAS, ins, has_bias ? 3 : 2);
  nn_graph_node (ctx->g, y)->ip[0] = has_bias;
  return nn_lower_activation (ctx, y, nn_layer_enum (l, "activation"));
}

const NnLayerType nn_layer_time_distributed_type = {
  .name = "TimeDistributed", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Applies Dense, or a whole model of any layers, to every step with the same weights"),
  .min_inputs = 1, .max_inputs = 1,
  .params = time_distributed_params, .n_params = G_N_ELEMENTS (time_distributed_params),
  .infer = time_distributed_infer, .weights = time_distributed_weights,
  .lower = time_distributed_lower,
  .keeps_mask = TRUE,
};

/* ---- Conv1D ------------------------------------------------------------ */

static const NnParamSpec conv1d_params[] = {
  { "filters", NN_PARAM_INT, "32", 1, 65536, NULL, N_ ("Number of output channels (feature maps)") },
  { "kernel_size", NN_PARAM_INT, "3", 1, 255, NULL, N_ ("Steps each window covers") },
  { "strides", NN_PARAM_INT, "1", 1, 255, NULL, N_ ("Step between windows (2 halves the length)") },
  { "padding", NN_PARAM_ENUM, "valid", 0, 0, conv_paddings,
    N_ ("valid: windows stay inside (it shortens); same: zeros at both ends keep the length; "
    "causal: zeros before the start, so no output sees a later step") },
  { "dilation_rate", NN_PARAM_INT, "1", 1, 255, NULL,
    N_ ("Spacing between the kernel's taps (sees further back, same weights)") },
  /* relu, as for Dense and Conv2D: a new hidden layer should be nonlinear. */
  P_ACTIVATION ("relu"),
  { "use_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, N_ ("Add a learned bias to each output channel") },
  P_INIT ("kernel_initializer", "glorot_uniform", N_ ("How the kernel starts")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  { "kernel_l1", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L1 penalty on the kernel (sum of |w|)") },
  { "kernel_l2", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L2 penalty on the kernel (sum of w²)") },
};

static gboolean
is_causal (const NnLayer *l)
{
  return g_str_equal (nn_layer_enum (l, "padding"), "causal");
}

static gboolean
is_same (const NnLayer *l)
{
  return g_str_equal (nn_layer_enum (l, "padding"), "same");
}

static gboolean
conv1d_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!expect_sequence (l, &in[0], error))
    return FALSE;
  int k = nn_layer_int (l, "kernel_size"), s = nn_layer_int (l, "strides");
  int d = nn_layer_int (l, "dilation_rate"), steps = in[0].d[0];
  if (s > 1 && d > 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("Conv1D cannot combine strides above 1 with dilation_rate above 1 "
                   "(the windows would skip steps); set one of them to 1"));
      return FALSE;
    }
  int len = is_causal (l) ? nn_conv_out_size (steps + (k - 1) * d, k, s, d, 0, NULL)
                          : nn_conv_out_size (steps, k, s, d, is_same (l), NULL);
  if (len <= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("Conv1D's kernel of %d steps with dilation %d spans %d steps, more than "
                   "its %d; use padding \"same\" or \"causal\", a smaller kernel_size or less "
                   "dilation"), k, d, (k - 1) * d + 1, steps);
      return FALSE;
    }
  out->ndim = 2;
  out->d[0] = len;
  out->d[1] = nn_layer_int (l, "filters");
  return TRUE;
}

static int
conv1d_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  int k = nn_layer_int (l, "kernel_size"), filters = nn_layer_int (l, "filters");
  /* Keras's layout (kernel_size, in_features, filters); fans from the shape */
  w[0] = (NnWeightSpec) { "kernel", 3, { k, in[0].d[1], filters },
                          nn_init_parse (nn_layer_enum (l, "kernel_initializer")),
                          0, 0, 1,
                          (float) nn_layer_float (l, "kernel_l1"),
                          (float) nn_layer_float (l, "kernel_l2") };
  if (!nn_layer_bool (l, "use_bias"))
    return 1;
  w[1] = (NnWeightSpec) { "bias", 1, { filters },
                          nn_init_parse (nn_layer_enum (l, "bias_initializer")),
                          0, 0, 1, 0, 0 };
  return 2;
}

static int
conv1d_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnGraph *g = ctx->g;
  int k = nn_layer_int (l, "kernel_size"), d = nn_layer_int (l, "dilation_rate");
  int x = as_image (ctx, in[0]);
  if (is_causal (l))
    {
      /* causal = (k - 1) d zeros before the first step, then "valid" */
      x = nn_graph_add (g, NN_OP_ZERO_PAD2D, &x, 1);
      NnNode *p = nn_graph_node (g, x);
      p->ip[0] = p->ip[1] = p->ip[3] = 0;
      p->ip[2] = (k - 1) * d;
      nn_graph_update_shapes (g, x);
    }
  /* (k, F, filters) read as (1, k, F, filters): the same floats */
  NnNode *wn = nn_graph_node (g, w[0]);
  int kd[4] = { 1, wn->shape[0], wn->shape[1], wn->shape[2] };
  int kernel = reshape_to (ctx, w[0], 4, kd);
  gboolean bias = nn_layer_bool (l, "use_bias");
  const char *act = nn_layer_enum (l, "activation");
  gboolean relu = g_str_equal (act, "relu");
  int ins[3] = { x, kernel, bias ? w[1] : -1 };
  int y = nn_graph_add (g, NN_OP_CONV2D, ins, bias ? 3 : 2);
  NnNode *n = nn_graph_node (g, y);
  n->ip[NN_CONV_STRIDE_H] = n->ip[NN_CONV_DIL_H] = 1;
  n->ip[NN_CONV_STRIDE_W] = nn_layer_int (l, "strides");
  n->ip[NN_CONV_DIL_W] = d;
  n->ip[NN_CONV_SAME] = is_same (l);
  n->ip[NN_CONV_HAS_BIAS] = bias;
  n->ip[NN_CONV_ACT] = relu ? NN_CONV_ACT_RELU : NN_CONV_ACT_NONE;
  y = as_sequence (ctx, y);
  return relu ? y : nn_lower_activation (ctx, y, act);
}

const NnLayerType nn_layer_conv1d_type = {
  .name = "Conv1D", .group = NN_GROUP_CONVOLUTION,
  .help = N_ ("Slides learned filters along a sequence: each output channel is one detected "
              "local pattern (n-gram)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = conv1d_params, .n_params = G_N_ELEMENTS (conv1d_params),
  .infer = conv1d_infer, .weights = conv1d_weights, .lower = conv1d_lower,
};

/* ---- MaxPooling1D, AveragePooling1D ------------------------------------ */

static const NnParamSpec pool1d_params[] = {
  { "pool_size", NN_PARAM_INT, "2", 1, 255, NULL, N_ ("Steps each window covers") },
  { "strides", NN_PARAM_SHAPE, "", 1, 255, NULL,
    N_ ("Step between windows; empty: the pool size (windows do not overlap)"), 0, 1 },
  { "padding", NN_PARAM_ENUM, "valid", 0, 0, pool_paddings,
    N_ ("valid: windows stay inside (it shortens more); same: the last window may hang over") },
};

static int
pool1d_stride (const NnLayer *l)
{
  int d[NN_MAX_DIMS];
  return nn_layer_shape (l, "strides", d) == 0 ? nn_layer_int (l, "pool_size") : d[0];
}

static gboolean
pool1d_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!expect_sequence (l, &in[0], error))
    return FALSE;
  int p = nn_layer_int (l, "pool_size");
  int len = nn_conv_out_size (in[0].d[0], p, pool1d_stride (l), 1, is_same (l), NULL);
  if (len <= 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("%s's pool window of %d steps is longer than its %d steps; use padding "
                   "\"same\" or a smaller pool_size"), l->type->name, p, in[0].d[0]);
      return FALSE;
    }
  out->ndim = 2;
  out->d[0] = len;
  out->d[1] = in[0].d[1];
  return TRUE;
}

static int
pool1d_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnOpType op = g_str_equal (l->type->name, "MaxPooling1D") ? NN_OP_MAX_POOL2D
                                                             : NN_OP_AVG_POOL2D;
  int x = as_image (ctx, in[0]);
  int y = nn_graph_add (ctx->g, op, &x, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  n->ip[NN_POOL_H] = n->ip[NN_POOL_STRIDE_H] = 1;
  n->ip[NN_POOL_W] = nn_layer_int (l, "pool_size");
  n->ip[NN_POOL_STRIDE_W] = pool1d_stride (l);
  n->ip[NN_POOL_SAME] = is_same (l);
  return as_sequence (ctx, y);
}

const NnLayerType nn_layer_max_pooling1d_type = {
  .name = "MaxPooling1D", .group = NN_GROUP_POOLING,
  .help = N_ ("Keeps the largest value of each window of steps: a shorter sequence"),
  .min_inputs = 1, .max_inputs = 1,
  .params = pool1d_params, .n_params = G_N_ELEMENTS (pool1d_params),
  .infer = pool1d_infer, .lower = pool1d_lower,
};

const NnLayerType nn_layer_average_pooling1d_type = {
  .name = "AveragePooling1D", .group = NN_GROUP_POOLING,
  .help = N_ ("Averages each window of steps: a shorter, smoothed sequence"),
  .min_inputs = 1, .max_inputs = 1,
  .params = pool1d_params, .n_params = G_N_ELEMENTS (pool1d_params),
  .infer = pool1d_infer, .lower = pool1d_lower,
};

/* ---- GlobalMaxPooling1D, GlobalAveragePooling1D ------------------------ */

static gboolean
global_pool1d_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out,
                     GError **error)
{
  if (!expect_sequence (l, &in[0], error))
    return FALSE;
  out->ndim = 1;
  out->d[0] = in[0].d[1];
  return TRUE;
}

/* Padded steps (the input's mask) count neither in the max nor in the
 * mean; the output has no steps left, so no mask either. */
static int
global_pool1d_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int mask = nn_graph_node (ctx->g, in[0])->mask;
  int ins[2] = { in[0], mask };
  int y = nn_graph_add (ctx->g, NN_OP_GLOBAL_POOL1D, ins, mask >= 0 ? 2 : 1);
  nn_graph_node (ctx->g, y)->ip[NN_GPOOL_MAX] = g_str_equal (l->type->name,
                                                             "GlobalMaxPooling1D");
  return y;
}

const NnLayerType nn_layer_global_max_pooling1d_type = {
  .name = "GlobalMaxPooling1D", .group = NN_GROUP_POOLING,
  .help = N_ ("One number per feature: its largest value over the steps (padding skipped)"),
  .min_inputs = 1, .max_inputs = 1,
  .infer = global_pool1d_infer, .lower = global_pool1d_lower,
};

const NnLayerType nn_layer_global_average_pooling1d_type = {
  .name = "GlobalAveragePooling1D", .group = NN_GROUP_POOLING,
  .help = N_ ("One number per feature: its mean over the steps (padding skipped)"),
  .min_inputs = 1, .max_inputs = 1,
  .infer = global_pool1d_infer, .lower = global_pool1d_lower,
};
