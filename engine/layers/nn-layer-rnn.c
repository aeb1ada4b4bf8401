/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Recurrent layers: SimpleRNN, LSTM, GRU and Bidirectional, with tf.keras
 * 2.x's parameters, defaults and weight layouts (MODEL-FORMAT.md). Each
 * lowers to one NN_OP_RNN per direction (nn-op-rnn.c), which honours the
 * input's padding mask; with return_sequences the output keeps the mask,
 * without it the mask is consumed. With return_state a call has several
 * outputs, as in Keras: the output, then the final h (and c for an LSTM),
 * Bidirectional's forward states before its backward ones. Extra inputs
 * after the sequence are the initial states, in that same order (Keras's
 * initial_state). */
#include <string.h>

#include <glib/gi18n-lib.h>

#include "nn-layer-private.h"
#include "nn-rnn-private.h"

/* In NnRnnAct order. */
static const char *const rnn_activations[] = {
  "tanh", "sigmoid", "hard_sigmoid", "relu", "linear", NULL
};

static const char *const rnn_cells[] = { "SimpleRNN", "LSTM", "GRU", NULL };

static const char *const merge_modes[] = { "concat", "sum", "mul", "ave", NULL };

#define P_UNITS \
  { "units", NN_PARAM_INT, "32", 1, 4096, NULL, N_ ("Size of the state (and of each step's output)") }
#define P_ACT \
  { "activation", NN_PARAM_ENUM, "tanh", 0, 0, rnn_activations, \
    "Function of the candidate state and of the output" }
#define P_REC_ACT \
  { "recurrent_activation", NN_PARAM_ENUM, "sigmoid", 0, 0, rnn_activations, \
    "Function of the gates" }
#define P_BIAS \
  { "use_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, N_ ("Add learned biases") }
#define P_KINIT \
  { "kernel_initializer", NN_PARAM_ENUM, "glorot_uniform", 0, 0, nn_init_names, \
    "How the input weights start" }
#define P_RINIT \
  { "recurrent_initializer", NN_PARAM_ENUM, "orthogonal", 0, 0, nn_init_names, \
    "How the state-to-state weights start" }
#define P_BINIT \
  { "bias_initializer", NN_PARAM_ENUM, "zeros", 0, 0, nn_init_names, N_ ("How the biases start") }
#define P_FORGET \
  { "unit_forget_bias", NN_PARAM_BOOL, "true", 0, 0, NULL, \
    "Start the forget gate's bias at 1 (the cell remembers at first)" }
#define P_RESET_AFTER \
  { "reset_after", NN_PARAM_BOOL, "true", 0, 0, NULL, \
    "Apply the reset gate after the state's product (Keras's and cuDNN's default)" }
#define P_DROPOUT \
  { "dropout", NN_PARAM_FLOAT, "0", 0, 0.99, NULL, \
    "Fraction of the input features dropped while training (one mask per sequence)" }
#define P_REC_DROPOUT \
  { "recurrent_dropout", NN_PARAM_FLOAT, "0", 0, 0.99, NULL, \
    "Fraction of the state dropped before its product while training (one mask per sequence)" }
#define P_SEQUENCES \
  { "return_sequences", NN_PARAM_BOOL, "false", 0, 0, NULL, \
    "Output every step (batch, steps, units) instead of the last (batch, units)" }
#define P_STATE \
  { "return_state", NN_PARAM_BOOL, "false", 0, 0, NULL, \
    "Also output the final state (h, and c for LSTM) as outputs 1 and on, e.g. for a decoder's " \
    "initial state" }
#define P_BACKWARDS \
  { "go_backwards", NN_PARAM_BOOL, "false", 0, 0, NULL, \
    "Read the sequence from its end; the outputs come in that order" }

static const NnParamSpec simple_rnn_params[] = {
  P_UNITS, P_ACT, P_BIAS, P_KINIT, P_RINIT, P_BINIT, P_DROPOUT, P_REC_DROPOUT, P_SEQUENCES,
  P_STATE, P_BACKWARDS,
};

static const NnParamSpec lstm_params[] = {
  P_UNITS, P_ACT, P_REC_ACT, P_BIAS, P_KINIT, P_RINIT, P_BINIT, P_FORGET, P_DROPOUT,
  P_REC_DROPOUT, P_SEQUENCES, P_STATE, P_BACKWARDS,
};

static const NnParamSpec gru_params[] = {
  P_UNITS, P_ACT, P_REC_ACT, P_BIAS, P_KINIT, P_RINIT, P_BINIT, P_DROPOUT, P_REC_DROPOUT,
  P_SEQUENCES, P_STATE, P_BACKWARDS, P_RESET_AFTER,
};

static const NnParamSpec bidirectional_params[] = {
  { "layer", NN_PARAM_ENUM, "LSTM", 0, 0, rnn_cells,
    N_ ("The recurrent layer run in both directions") },
  { "merge_mode", NN_PARAM_ENUM, "concat", 0, 0, merge_modes,
    N_ ("How the two directions' outputs combine: side by side, sum, product, mean") },
  P_UNITS, P_ACT, P_REC_ACT, P_BIAS, P_KINIT, P_RINIT, P_BINIT, P_FORGET, P_DROPOUT,
  P_REC_DROPOUT, P_SEQUENCES, P_STATE, P_RESET_AFTER,
};

/* The cell a layer runs: its own type, or Bidirectional's choice. */
static NnRnnCell
layer_cell (const NnLayer *l)
{
  const char *name = l->type->name;
  if (g_str_equal (name, "Bidirectional"))
    name = nn_layer_enum (l, "layer");
  if (g_str_equal (name, "LSTM"))
    return NN_RNN_LSTM;
  if (g_str_equal (name, "GRU"))
    return NN_RNN_GRU;
  return NN_RNN_SIMPLE;
}

static gboolean
has_param (const NnLayer *l, const char *name)
{
  for (int p = 0; p < l->type->n_params; p++)
    if (g_str_equal (l->type->params[p].name, name))
      return TRUE;
  return FALSE;
}

static int
act_code (const NnLayer *l, const char *pname)
{
  if (!has_param (l, pname))
    return NN_RNN_ACT_SIGMOID;
  const char *s = nn_layer_enum (l, pname);
  for (int k = 0; rnn_activations[k]; k++)
    if (g_str_equal (rnn_activations[k], s))
      return k;
  return NN_RNN_ACT_TANH;
}

static gboolean
is_bidirectional (const NnLayer *l)
{
  return g_str_equal (l->type->name, "Bidirectional");
}

/* States of one direction (h, and c for an LSTM), and of the layer. */
static int
direction_states (const NnLayer *l)
{
  return layer_cell (l) == NN_RNN_LSTM ? 2 : 1;
}

static int
layer_states (const NnLayer *l)
{
  return direction_states (l) * (is_bidirectional (l) ? 2 : 1);
}

static int
rnn_n_outputs (const NnLayer *l)
{
  return 1 + (nn_layer_bool (l, "return_state") ? layer_states (l) : 0);
}

/* Keras's order: h (and c) of one direction, then the backward one's. */
static const char *
rnn_state_name (const NnLayer *l, int k)
{
  static const char *const one[] = { "h", "c" };
  static const char *const two[] = { "forward h", "forward c", "backward h", "backward c" };
  int per = direction_states (l);

  if (k < 0 || k >= layer_states (l))
    return NULL;
  if (!is_bidirectional (l))
    return one[k];
  return two[(k / per) * 2 + k % per];
}

/* Initial states given as extra inputs: as many as the layer's states,
 * each (units). */
static gboolean
check_initial_states (const NnLayer *l, const NnShape *in, int n_in, GError **error)
{
  int want = layer_states (l), units = nn_layer_int (l, "units");
  if (n_in != 1 && n_in != 1 + want)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   g_dngettext (GETTEXT_PACKAGE, "%s takes the sequence, then optionally its %d initial state (%s), "
                   "but has %d inputs",
                                "%s takes the sequence, then optionally its %d initial states (%s), "
                   "but has %d inputs", want), l->name, want,
                   want == 1 ? "h" : want == 2 ? (is_bidirectional (l) ? "forward h, backward h"
                                                                        : "h, c")
                                               : "forward h, c, backward h, c", n_in);
      return FALSE;
    }
  for (int k = 1; k < n_in; k++)
    if (in[k].ndim != 1 || in[k].d[0] != units)
      {
        g_autofree char *expects = g_strdup_printf ("an initial state (batch, %d) as input %d",
                                                    units, k + 1);
        nn_layer_shape_error (error, l, expects, &in[k],
                              "connect a state of a recurrent layer with as many units");
        return FALSE;
      }
  return TRUE;
}

static gboolean
rnn_infer (const NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (!check_initial_states (l, in, n_in, error))
    return FALSE;
  if (in[0].ndim != 2)
    {
      nn_layer_shape_error (error, l, "a sequence (batch, steps, features)", &in[0],
                            in[0].ndim == 1
                              ? "put Embedding before it for token ids, or Reshape to "
                                "(steps, features)"
                              : "Reshape it to (steps, features)");
      return FALSE;
    }
  int units = nn_layer_int (l, "units");
  if (is_bidirectional (l) && g_str_equal (nn_layer_enum (l, "merge_mode"), "concat"))
    units *= 2;
  if (nn_layer_bool (l, "return_sequences"))
    {
      out->ndim = 2;
      out->d[0] = in[0].d[0];
      out->d[1] = units;
    }
  else
    {
      out->ndim = 1;
      out->d[0] = units;
    }
  for (int k = 1; k < rnn_n_outputs (l); k++)
    out[k] = (NnShape) { 1, { nn_layer_int (l, "units") } };
  return TRUE;
}

/* One direction's kernel, recurrent kernel and bias, Keras's layouts:
 * kernel (F, G U), recurrent_kernel (U, G U), bias (G U) or (2, 3 U) for a
 * GRU with reset_after (the input bias, then the recurrent one). */
static int
direction_weights (const NnLayer *l, int features, const char *const names[3],
                   NnWeightSpec *w)
{
  NnRnnCell cell = layer_cell (l);
  int units = nn_layer_int (l, "units");
  int gates = cell == NN_RNN_LSTM ? 4 : cell == NN_RNN_GRU ? 3 : 1;
  int gu = gates * units;
  w[0] = (NnWeightSpec) { names[0], 2, { features, gu },
                          nn_init_parse (nn_layer_enum (l, "kernel_initializer")),
                          features, gu, 1, 0, 0 };
  w[1] = (NnWeightSpec) { names[1], 2, { units, gu },
                          nn_init_parse (nn_layer_enum (l, "recurrent_initializer")),
                          units, gu, 1, 0, 0 };
  if (!nn_layer_bool (l, "use_bias"))
    return 2;
  gboolean two = cell == NN_RNN_GRU && nn_layer_bool (l, "reset_after");
  w[2] = (NnWeightSpec) { names[2], two ? 2 : 1, { two ? 2 : gu, gu },
                          nn_init_parse (nn_layer_enum (l, "bias_initializer")),
                          two ? 2 : gu, gu, 1, 0, 0 };
  if (!two)
    w[2].shape[1] = 0;
  if (cell == NN_RNN_LSTM && nn_layer_bool (l, "unit_forget_bias"))
    {
      w[2].ones_lo = units;
      w[2].ones_hi = 2 * units;
    }
  return 3;
}

static int
rnn_weights (const NnLayer *l, const NnShape *in, int n_in, NnWeightSpec *w)
{
  static const char *const plain[3] = { "kernel", "recurrent_kernel", "bias" };
  static const char *const fwd[3] = {
    "forward_kernel", "forward_recurrent_kernel", "forward_bias"
  };
  static const char *const bwd[3] = {
    "backward_kernel", "backward_recurrent_kernel", "backward_bias"
  };
  int features = in[0].d[1];
  if (!is_bidirectional (l))
    return direction_weights (l, features, plain, w);
  int nf = direction_weights (l, features, fwd, w);
  int nb = direction_weights (l, features, bwd, w + nf);
  return nf + nb;
}

/* Values [off, off + size of d) of each row of y, shaped d (per sample). */
static int
slice_rows (NnLowerCtx *ctx, int y, int off, int ndim, const int *d)
{
  int s = nn_graph_add (ctx->g, NN_OP_SLICE, &y, 1);
  NnNode *n = nn_graph_node (ctx->g, s);
  n->ip[0] = off;
  n->ip[1] = ndim;
  for (int k = 0; k < ndim; k++)
    n->ip[2 + k] = d[k];
  nn_graph_update_shapes (ctx->g, s);
  return s;
}

/* One NN_OP_RNN over x with weights w[0..nw), from the initial states
 * init (NULL: zeros). *out gets the output's node; with states set
 * (return_state) the op packs the final states after the output and
 * states[k] gets a slice for each. */
static void
lower_direction (NnLowerCtx *ctx, const NnLayer *l, int x, const int *w, int nw,
                 const int *init, gboolean backwards, gboolean reverse_out, int *out,
                 int *states)
{
  int ins[8], n_in = 0, ns = direction_states (l);
  int mask = nn_graph_node (ctx->g, x)->mask;
  ins[n_in++] = x;
  for (int k = 0; k < nw; k++)
    ins[n_in++] = w[k];
  for (int k = 0; init && k < ns; k++)
    ins[n_in++] = init[k];
  if (mask >= 0)
    ins[n_in++] = mask;
  int y = nn_graph_add (ctx->g, NN_OP_RNN, ins, n_in);
  NnNode *n = nn_graph_node (ctx->g, y);
  gboolean seq = nn_layer_bool (l, "return_sequences");
  int units = nn_layer_int (l, "units");
  n->ip[NN_RNN_IP_CELL] = layer_cell (l);
  n->ip[NN_RNN_IP_UNITS] = units;
  n->ip[NN_RNN_IP_ACT] = act_code (l, "activation");
  n->ip[NN_RNN_IP_REC_ACT] = act_code (l, "recurrent_activation");
  n->ip[NN_RNN_IP_SEQUENCES] = seq;
  n->ip[NN_RNN_IP_BACKWARDS] = backwards;
  n->ip[NN_RNN_IP_RESET_AFTER] = has_param (l, "reset_after") && nn_layer_bool (l, "reset_after");
  n->ip[NN_RNN_IP_BIAS] = nw == 3;
  n->ip[NN_RNN_IP_MASK] = mask >= 0;
  n->ip[NN_RNN_IP_REVERSE_OUT] = reverse_out;
  n->ip[NN_RNN_IP_STATES] = states != NULL;
  n->ip[NN_RNN_IP_INIT] = init != NULL;
  n->fp[0] = (float) nn_layer_float (l, "dropout");
  n->fp[1] = (float) nn_layer_float (l, "recurrent_dropout");
  /* A mask is consumed unless every step is output. */
  n->mask = seq ? mask : -1;
  *out = y;
  if (!states)
    return;
  n->mask = -1;
  nn_graph_update_shapes (ctx->g, y);
  int steps = nn_graph_node (ctx->g, x)->shape[1];
  int d[2] = { seq ? steps : units, units };
  *out = slice_rows (ctx, y, 0, seq ? 2 : 1, seq ? d : d + 1);
  nn_graph_node (ctx->g, *out)->mask = seq ? mask : -1;
  int width = seq ? steps * units : units;
  for (int k = 0; k < ns; k++)
    states[k] = slice_rows (ctx, y, width + k * units, 1, &units);
}

static int
rnn_lower (NnLowerCtx *ctx, const NnLayer *l, const int *in, int n_in, const int *w)
{
  int nw = nn_layer_bool (l, "use_bias") ? 3 : 2, ns = direction_states (l), f, b;
  const int *init = n_in > 1 ? in + 1 : NULL;
  int *states = nn_layer_bool (l, "return_state") ? ctx->outs + 1 : NULL;
  if (!is_bidirectional (l))
    {
      lower_direction (ctx, l, in[0], w, nw, init, nn_layer_bool (l, "go_backwards"), FALSE,
                       &f, states);
      return f;
    }
  gboolean seq = nn_layer_bool (l, "return_sequences");
  lower_direction (ctx, l, in[0], w, nw, init, FALSE, FALSE, &f, states);
  /* Keras reverses the backward direction's outputs back to input order. */
  lower_direction (ctx, l, in[0], w + nw, nw, init ? init + ns : NULL, TRUE, seq, &b,
                   states ? states + ns : NULL);
  int mask = nn_graph_node (ctx->g, f)->mask;
  int pair[2] = { f, b };
  const char *mode = nn_layer_enum (l, "merge_mode");
  int y;
  if (g_str_equal (mode, "concat"))
    y = nn_graph_add (ctx->g, NN_OP_CONCAT, pair, 2);
  else if (g_str_equal (mode, "mul"))
    y = nn_graph_add (ctx->g, NN_OP_MUL, pair, 2);
  else
    {
      y = nn_graph_add (ctx->g, NN_OP_ADD, pair, 2);
      if (g_str_equal (mode, "ave"))
        {
          y = nn_graph_add (ctx->g, NN_OP_SCALE, &y, 1);
          nn_graph_node (ctx->g, y)->fp[0] = 0.5f;
        }
    }
  nn_graph_node (ctx->g, y)->mask = mask;
  return y;
}

const NnLayerType nn_layer_simple_rnn_type = {
  .name = "SimpleRNN", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Recurrent layer: the state is a function of the input and the previous state"),
  .min_inputs = 1, .max_inputs = 2,
  .params = simple_rnn_params, .n_params = G_N_ELEMENTS (simple_rnn_params),
  .n_outputs = rnn_n_outputs, .state_name = rnn_state_name,
  .infer = rnn_infer, .weights = rnn_weights, .lower = rnn_lower,
};

const NnLayerType nn_layer_lstm_type = {
  .name = "LSTM", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Long short-term memory: a gated cell that keeps information over long sequences"),
  .min_inputs = 1, .max_inputs = 3,
  .params = lstm_params, .n_params = G_N_ELEMENTS (lstm_params),
  .n_outputs = rnn_n_outputs, .state_name = rnn_state_name,
  .infer = rnn_infer, .weights = rnn_weights, .lower = rnn_lower,
};

const NnLayerType nn_layer_gru_type = {
  .name = "GRU", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Gated recurrent unit: an LSTM's cheaper cousin with two gates"),
  .min_inputs = 1, .max_inputs = 2,
  .params = gru_params, .n_params = G_N_ELEMENTS (gru_params),
  .n_outputs = rnn_n_outputs, .state_name = rnn_state_name,
  .infer = rnn_infer, .weights = rnn_weights, .lower = rnn_lower,
};

const NnLayerType nn_layer_bidirectional_type = {
  .name = "Bidirectional", .group = NN_GROUP_SEQUENCE,
  .help = N_ ("Runs a recurrent layer forward and backward over the sequence and merges both"),
  .min_inputs = 1, .max_inputs = 5,
  .params = bidirectional_params, .n_params = G_N_ELEMENTS (bidirectional_params),
  .n_outputs = rnn_n_outputs, .state_name = rnn_state_name,
  .infer = rnn_infer, .weights = rnn_weights, .lower = rnn_lower,
};
