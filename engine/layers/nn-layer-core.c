/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Core layers: Input, Dense, Activation, Dropout, Flatten, Reshape, the merge
 * layers and Model (a model used as a layer). One table entry each. */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "nn-layer-private.h"

/* New names go at the end: a layer keeps its choice as an index. */
static const char *const activations[] = {
  "linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "elu", "selu", "gelu",
  "swish", "silu", "softplus", "hard_sigmoid", "exponential", NULL
};

#define P_ACTIVATION(def) \
  { "activation", NN_PARAM_ENUM, def, 0, 0, activations, N_ ("Function applied to the output") }
#define P_INIT(name, def, help) \
  { name, NN_PARAM_ENUM, def, 0, 0, nn_init_names, help }

/* ---- Input ------------------------------------------------------------- */

static const NnParamSpec input_params[] = {
  { "shape", NN_PARAM_SHAPE, "28, 28, 1", 1, 1 << 20, NULL,
    N_ ("Shape of one sample, without the batch axis"), 1, 4 },
};

static gboolean
input_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  out->ndim = nn_layer_shape (l, "shape", out->d);
  return TRUE;
}

const NnLayerType nn_layer_input_type = {
  .name = "Input", .group = NN_GROUP_INPUT,
  .help = N_ ("Where data enters the model: one sample's shape"),
  .min_inputs = 0, .max_inputs = 0,
  .params = input_params, .n_params = G_N_ELEMENTS (input_params),
  .infer = input_infer,
};

/* ---- Dense ------------------------------------------------------------- */

static const NnParamSpec dense_params[] = {
  { "units", NN_PARAM_INT, "32", 1, 65536, NULL, N_ ("Number of output units") },
  /* relu, not Keras's linear: a new hidden layer should be nonlinear (a
   * stack of linear layers is one linear layer); the output layer's
   * activation is set for the task. */
  P_ACTIVATION ("relu"),
  { "use_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, N_ ("Add a learned bias to each unit") },
  P_INIT ("kernel_initializer", "glorot_uniform", N_ ("How the weights start")),
  P_INIT ("bias_initializer", "zeros", N_ ("How the biases start")),
  { "kernel_l1", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L1 penalty on the weights (sum of |w|)") },
  { "kernel_l2", NN_PARAM_FLOAT, "0", 0, 10, NULL, N_ ("L2 penalty on the weights (sum of w²)") },
};

static gboolean
dense_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  /* On sequences (batch, steps, features) it works on the last axis, step
   * by step with the same weights, as in Keras; images are refused, since
   * there Dense after Flatten is what is meant. */
  if (in[0].ndim != 1 && in[0].ndim != 2)
    {
      nn_layer_shape_error (error, l, "(batch, features) or (batch, steps, features)", &in[0],
                            in[0].ndim > 2 ? "add Flatten before it" : NULL);
      return FALSE;
    }
  *out = in[0];
  out->d[out->ndim - 1] = nn_layer_int (l, "units");
  return TRUE;
}

static int
dense_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
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
dense_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int has_bias = nn_layer_bool (l, "use_bias");
  int ins[3] = { in[0], w[0], has_bias ? w[1] : -1 };
  int y = nn_graph_add (ctx->g, NN_OP_MATMUL_BIAS, ins, has_bias ? 3 : 2);
  nn_graph_node (ctx->g, y)->ip[0] = has_bias;
  return nn_lower_activation (ctx, y, nn_layer_enum (l, "activation"));
}

const NnLayerType nn_layer_dense_type = {
  .name = "Dense", .group = NN_GROUP_CORE,
  .help = N_ ("Fully connected: every output unit sees every input feature"),
  .min_inputs = 1, .max_inputs = 1,
  .params = dense_params, .n_params = G_N_ELEMENTS (dense_params),
  .infer = dense_infer, .weights = dense_weights, .lower = dense_lower,
  .keeps_mask = TRUE,
};

/* ---- Activation -------------------------------------------------------- */

static const NnParamSpec activation_params[] = { P_ACTIVATION ("relu") };

static gboolean
same_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  *out = in[0];
  return TRUE;
}

static int
activation_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return nn_lower_activation (ctx, in[0], nn_layer_enum (l, "activation"));
}

const NnLayerType nn_layer_activation_type = {
  .name = "Activation", .group = NN_GROUP_CORE,
  .help = N_ ("Applies a function element by element (relu, sigmoid, tanh, softmax, gelu, …)"),
  .min_inputs = 1, .max_inputs = 1,
  .params = activation_params, .n_params = G_N_ELEMENTS (activation_params),
  .infer = same_infer, .lower = activation_lower,
  .keeps_mask = TRUE,
};

/* ---- Dropout ----------------------------------------------------------- */

static const NnParamSpec dropout_params[] = {
  { "rate", NN_PARAM_FLOAT, "0.5", 0, 0.99, NULL,
    "Fraction of inputs set to zero at each training step", .runtime = 1 },
};

static int
dropout_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  if (!ctx->training)
    return in[0];
  int y = nn_graph_add (ctx->g, NN_OP_DROPOUT, in, 1);
  nn_graph_node (ctx->g, y)->fp[0] = (float) nn_layer_float (l, "rate");
  return y;
}

const NnLayerType nn_layer_dropout_type = {
  .name = "Dropout", .group = NN_GROUP_REGULARIZATION,
  .help = N_ ("Randomly zeroes inputs while training, against overfitting"),
  .min_inputs = 1, .max_inputs = 1,
  .params = dropout_params, .n_params = G_N_ELEMENTS (dropout_params),
  .infer = same_infer, .lower = dropout_lower,
  .keeps_mask = TRUE,
};

/* ---- Flatten and Reshape ----------------------------------------------- */

static int
reshape_node (NnLowerCtx *ctx, int x, const NnShape *to)
{
  int y = nn_graph_add (ctx->g, NN_OP_RESHAPE, &x, 1);
  NnNode *n = nn_graph_node (ctx->g, y);
  n->ip[0] = to->ndim;
  for (int k = 0; k < to->ndim; k++)
    n->ip[1 + k] = to->d[k];
  return y;
}

static gboolean
flatten_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  out->ndim = 1;
  out->d[0] = (int) nn_shape_size (in[0].ndim, in[0].d);
  return TRUE;
}

static int
flatten_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnNode *x = nn_graph_node (ctx->g, in[0]);
  NnShape to = { 1, { 1 } };
  for (int k = x->batched ? 1 : 0; k < x->ndim; k++)
    to.d[0] *= x->shape[k];
  return reshape_node (ctx, in[0], &to);
}

const NnLayerType nn_layer_flatten_type = {
  .name = "Flatten", .group = NN_GROUP_CORE,
  .help = N_ ("Turns each sample into one long vector, e.g. before Dense"),
  .min_inputs = 1, .max_inputs = 1,
  .infer = flatten_infer, .lower = flatten_lower,
};

static const NnParamSpec reshape_params[] = {
  { "target_shape", NN_PARAM_SHAPE, "-1", -1, 1 << 20, NULL,
    N_ ("New shape of one sample; one entry may be -1 (inferred)"), 1, 4 },
};

static gboolean
reshape_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  size_t total = nn_shape_size (in[0].ndim, in[0].d), known = 1;
  int free_axis = -1;
  out->ndim = nn_layer_shape (l, "target_shape", out->d);
  for (int k = 0; k < out->ndim; k++)
    {
      if (out->d[k] == -1 && free_axis < 0)
        free_axis = k;
      else if (out->d[k] <= 0)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                       _("Reshape: target_shape entries must be positive, with at most one -1"));
          return FALSE;
        }
      else if (!g_size_checked_mul (&known, known, (size_t) out->d[k]) || known > total)
        {
          /* More values than the input has (and than a size_t may count):
           * no product can wrap round to the right size. */
          g_autofree char *to = nn_shape_to_string (out->ndim, out->d, 1);
          g_autofree char *from = nn_shape_text (&in[0]);
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                       _("Reshape cannot turn %s (%zu values per sample) into %s, which holds "
                       "more"), from, total, to);
          return FALSE;
        }
    }
  if (free_axis >= 0 && known && total % known == 0)
    out->d[free_axis] = (int) (total / known);
  if ((free_axis >= 0 && (!known || total % known)) || nn_shape_size (out->ndim, out->d) != total)
    {
      g_autofree char *to = nn_shape_to_string (out->ndim, out->d, 1);
      g_autofree char *from = nn_shape_text (&in[0]);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("Reshape cannot turn %s (%zu values per sample) into %s"),
                   from, total, to);
      return FALSE;
    }
  return TRUE;
}

static int
reshape_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  NnShape to;
  NnNode *x = nn_graph_node (ctx->g, in[0]);
  NnShape from = { .ndim = x->ndim - (x->batched ? 1 : 0) };
  memcpy (from.d, x->shape + (x->batched ? 1 : 0), sizeof (int) * (size_t) from.ndim);
  reshape_infer (l, &from, 1, &to, NULL);
  return reshape_node (ctx, in[0], &to);
}

const NnLayerType nn_layer_reshape_type = {
  .name = "Reshape", .group = NN_GROUP_CORE,
  .help = N_ ("Gives each sample a new shape with the same number of values"),
  .min_inputs = 1, .max_inputs = 1,
  .params = reshape_params, .n_params = G_N_ELEMENTS (reshape_params),
  .infer = reshape_infer, .lower = reshape_lower,
};

/* ---- Merge layers ------------------------------------------------------ */

static gboolean
same_shape_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  for (int k = 1; k < n_in; k++)
    if (!nn_shape_equal (in[0].ndim, in[0].d, in[k].ndim, in[k].d))
      {
        g_autofree char *a = nn_shape_text (&in[0]);
        g_autofree char *b = nn_shape_text (&in[k]);
        g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                     _("%s needs inputs of one shape, but input 1 is %s and input %d is %s"),
                     l->type->name, a, k + 1, b);
        return FALSE;
      }
  *out = in[0];
  return TRUE;
}

static int
add_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return nn_graph_add (ctx->g, NN_OP_ADD, in, n_in);
}

static int
multiply_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return nn_graph_add (ctx->g, NN_OP_MUL, in, n_in);
}

const NnLayerType nn_layer_add_type = {
  .name = "Add", .group = NN_GROUP_MERGE,
  .help = N_ ("Adds its inputs element by element (residual connections)"),
  .min_inputs = 2, .max_inputs = -1,
  .infer = same_shape_infer, .lower = add_lower,
};

const NnLayerType nn_layer_multiply_type = {
  .name = "Multiply", .group = NN_GROUP_MERGE,
  .help = N_ ("Multiplies its inputs element by element (gating)"),
  .min_inputs = 2, .max_inputs = -1,
  .infer = same_shape_infer, .lower = multiply_lower,
};

static gboolean
concat_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  *out = in[0];
  gint64 last = in[0].ndim ? in[0].d[in[0].ndim - 1] : 0;
  for (int k = 1; k < n_in; k++)
    {
      gboolean ok = in[k].ndim == in[0].ndim;
      for (int d = 0; ok && d < in[0].ndim - 1; d++)
        ok = in[k].d[d] == in[0].d[d];
      if (!ok || in[0].ndim == 0)
        {
          g_autofree char *a = nn_shape_text (&in[0]);
          g_autofree char *b = nn_shape_text (&in[k]);
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                       _("Concatenate joins along the last axis, so all other axes must match, "
                       "but input 1 is %s and input %d is %s"), a, k + 1, b);
          return FALSE;
        }
      last += in[k].d[in[k].ndim - 1];
      if (last > G_MAXINT)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                       _("Concatenate would join more than %d values along the last axis; "
                       "use smaller inputs"), G_MAXINT);
          return FALSE;
        }
      out->d[out->ndim - 1] = (int) last;
    }
  return TRUE;
}

static int
concat_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  return nn_graph_add (ctx->g, NN_OP_CONCAT, in, n_in);
}

const NnLayerType nn_layer_concatenate_type = {
  .name = "Concatenate", .group = NN_GROUP_MERGE,
  .help = N_ ("Joins its inputs along the last axis"),
  .min_inputs = 2, .max_inputs = -1,
  .infer = concat_infer, .lower = concat_lower,
};

/* ---- Model as a layer: inference and lowering live in nn-model.c and
 * nn-compile.c, which recognise the type by name. ------------------------ */

const NnLayerType nn_model_layer_type = {
  .name = "Model", .group = NN_GROUP_MODEL,
  .help = N_ ("A whole model used as one layer (its weights are shared wherever it is called)"),
  .min_inputs = 1, .max_inputs = -1,
};
