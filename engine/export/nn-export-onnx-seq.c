/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ONNX mappings of the sequence layers: Embedding (Gather), Conv1D and the
 * 1-D poolings (Conv, MaxPool, AveragePool over channels-first sequences),
 * SimpleRNN, LSTM, GRU and Bidirectional (ONNX's RNN, LSTM and GRU, which
 * read (steps, batch, features)). Keras's gates are i, f, c, o (LSTM) and
 * z, r, h (GRU); ONNX's are i, o, f, c and z, r, h; a GRU with reset_after
 * is ONNX's linear_before_reset = 1. */
#include <float.h>
#include <string.h>

#include "nn-conv-private.h"
#include "nn-export-onnx-private.h"

enum { ONNX_FLOAT = 1, ONNX_INT32 = 6, ONNX_INT64 = 7, ONNX_BOOL = 9 };

static void
transpose (OxCtx *c, const char *in, const char *out, const gint64 *perm, int n)
{
  ox_node_begin (c, "Transpose", &in, 1, &out, 1);
  ox_attr_ints (c, "perm", perm, n);
  ox_node_end (c);
}

/* ---- Embedding ------------------------------------------------------------ */

/* Which steps are real (id not 0) and how many, for mask_zero. */
static void
embedding_mask (OxCall *k, const char *ids)
{
  gint64 zero = 0, axis = 1;
  g_autofree char *c_zero = ox_const_ints (k, "zero", &zero, 1);
  g_autofree char *c_axis = ox_const_ints (k, "axis", &axis, 1);
  g_autofree char *pad = ox_name (k, "is_padding");
  g_autofree char *real = ox_name (k, "is_real");
  g_autofree char *count = ox_name (k, "real_steps");
  OxValue *out = k->out;
  out->mask = ox_name (k, "mask");
  out->lens = ox_name (k, "lengths");
  ox_binary (k->c, "Equal", ids, c_zero, pad);
  ox_unary (k->c, "Not", pad, real);
  ox_node_begin (k->c, "Cast", (const char *const *) &real, 1,
                 (const char *const *) &out->mask, 1);
  ox_attr_int (k->c, "to", ONNX_FLOAT);
  ox_node_end (k->c);
  ox_node_begin (k->c, "ReduceSum", (const char *const[]) { out->mask, c_axis }, 2,
                 (const char *const *) &count, 1);
  ox_attr_int (k->c, "keepdims", 0);
  ox_node_end (k->c);
  ox_node_begin (k->c, "Cast", (const char *const *) &count, 1,
                 (const char *const *) &out->lens, 1);
  ox_attr_int (k->c, "to", ONNX_INT32);
  ox_node_end (k->c);
}

static gboolean
embedding (OxCall *k, GError **error)
{
  /* our ids are floats: whole numbers, cast to Gather's int64 */
  const char *x = ox_get (k->c, k->in[0], OX_LAST);
  g_autofree char *ids = ox_name (k, "ids");
  ox_node_begin (k->c, "Cast", &x, 1, (const char *const *) &ids, 1);
  ox_attr_int (k->c, "to", ONNX_INT64);
  ox_node_end (k->c);
  g_autofree char *table = ox_weight_init (k, 0);
  k->out->name[OX_LAST] = ox_name (k, "out");
  ox_binary (k->c, "Gather", table, ids, k->out->name[OX_LAST]);
  if (nn_layer_bool (k->l, "mask_zero"))
    embedding_mask (k, ids);
  return TRUE;
}

/* GlobalMaxPooling1D and GlobalAveragePooling1D over the real steps:
 *   mean = sum_t m x / max (sum_t m, 1)
 *   max  = max over real t (padding made -FLT_MAX), times min (sum_t m, 1):
 *          0 when no step is real, as in the engine. */
static gboolean
masked_global_pool (OxCall *k, GError **error)
{
  gint64 one_axis = 1, last = -1;
  float one = 1.0f, lowest = -FLT_MAX;
  gboolean max = strstr (k->l->type->name, "Max") != NULL;
  const char *x = ox_get (k->c, k->in[0], OX_LAST), *mask = k->in[0]->mask;
  g_autofree char *c_axis = ox_const_ints (k, "axis", &one_axis, 1);
  g_autofree char *c_last = ox_const_ints (k, "last", &last, 1);
  g_autofree char *c_one = ox_const_floats (k, "one", &one, 1);
  g_autofree char *m3 = ox_name (k, "mask3");        /* (batch, steps, 1) */
  g_autofree char *count = ox_name (k, "count");     /* (batch, 1) */
  g_autofree char *pooled = ox_name (k, "pooled");
  g_autofree char *scale = ox_name (k, "scale");
  ox_binary (k->c, "Unsqueeze", mask, c_last, m3);
  ox_node_begin (k->c, "ReduceSum", (const char *const[]) { m3, c_axis }, 2,
                 (const char *const *) &count, 1);
  ox_attr_int (k->c, "keepdims", 0);
  ox_node_end (k->c);
  k->out->name[OX_LAST] = ox_name (k, "out");
  if (max)
    {
      g_autofree char *c_low = ox_const_floats (k, "lowest", &lowest, 1);
      g_autofree char *is_real = ox_name (k, "is_real");
      g_autofree char *masked = ox_name (k, "masked");
      ox_node_begin (k->c, "Cast", (const char *const *) &m3, 1,
                     (const char *const *) &is_real, 1);
      ox_attr_int (k->c, "to", ONNX_BOOL);
      ox_node_end (k->c);
      ox_node_begin (k->c, "Where", (const char *const[]) { is_real, x, c_low }, 3,
                     (const char *const *) &masked, 1);
      ox_node_end (k->c);
      ox_node_begin (k->c, "ReduceMax", (const char *const *) &masked, 1,
                     (const char *const *) &pooled, 1);
      ox_attr_ints (k->c, "axes", &one_axis, 1);
      ox_attr_int (k->c, "keepdims", 0);
      ox_node_end (k->c);
      ox_binary (k->c, "Min", count, c_one, scale);
      ox_binary (k->c, "Mul", pooled, scale, k->out->name[OX_LAST]);
      return TRUE;
    }
  g_autofree char *weighted = ox_name (k, "weighted");
  ox_binary (k->c, "Mul", x, m3, weighted);
  ox_node_begin (k->c, "ReduceSum", (const char *const[]) { weighted, c_axis }, 2,
                 (const char *const *) &pooled, 1);
  ox_attr_int (k->c, "keepdims", 0);
  ox_node_end (k->c);
  ox_binary (k->c, "Max", count, c_one, scale);
  ox_binary (k->c, "Div", pooled, scale, k->out->name[OX_LAST]);
  return TRUE;
}

/* ---- Conv1D and the 1-D poolings ------------------------------------------ */

static gboolean
conv1d (OxCall *k, GError **error)
{
  int ks = nn_layer_int (k->l, "kernel_size"), s = nn_layer_int (k->l, "strides");
  int d = nn_layer_int (k->l, "dilation_rate"), steps = k->in[0]->d[0];
  const char *padding = nn_layer_enum (k->l, "padding");
  gint64 pads[2] = { 0, 0 };
  if (g_str_equal (padding, "causal"))
    pads[0] = (gint64) (ks - 1) * d;   /* zeros before the first step only */
  else if (g_str_equal (padding, "same"))
    {
      int before = 0, out = nn_conv_out_size (steps, ks, s, d, TRUE, &before);
      pads[0] = before;
      pads[1] = MAX ((out - 1) * s + (ks - 1) * d + 1 - steps - before, 0);
    }
  /* (k, in, filters) -> (filters, in, k) */
  NnTensor view;
  const float *src = ox_weight (k, 0, &view);
  int f = view.shape[1], filters = view.shape[2];
  g_autofree float *dst = g_new (float, view.size);
  for (int t = 0; t < ks; t++)
    for (int i = 0; i < f; i++)
      for (int o = 0; o < filters; o++)
        dst[((size_t) o * f + i) * ks + t] = src[((size_t) t * f + i) * filters + o];
  gint64 dims[3] = { filters, f, ks };
  g_autofree char *w = ox_weight_init_as (k, 0, dims, 3, dst);
  g_autofree char *b = nn_layer_bool (k->l, "use_bias") ? ox_weight_init (k, 1) : NULL;
  const char *ins[3] = { ox_get (k->c, k->in[0], OX_FIRST), w, b };
  g_autofree char *y = ox_name (k, "conv");
  gint64 kernel = ks, stride = s, dil = d;
  ox_node_begin (k->c, "Conv", ins, b ? 3 : 2, (const char *const *) &y, 1);
  ox_attr_ints (k->c, "kernel_shape", &kernel, 1);
  ox_attr_ints (k->c, "strides", &stride, 1);
  ox_attr_ints (k->c, "dilations", &dil, 1);
  ox_attr_ints (k->c, "pads", pads, 2);
  ox_node_end (k->c);
  k->out->name[OX_FIRST] = ox_name (k, "out");
  return ox_activation (k, nn_layer_enum (k->l, "activation"), y, OX_FIRST, 3,
                        k->out->name[OX_FIRST], error);
}

static gboolean
pool1d (OxCall *k, GError **error)
{
  int p = nn_layer_int (k->l, "pool_size"), d[NN_MAX_DIMS];
  int s = nn_layer_shape (k->l, "strides", d) == 0 ? p : d[0];
  gboolean same = g_str_equal (nn_layer_enum (k->l, "padding"), "same");
  int before = 0, steps = k->in[0]->d[0];
  int out = nn_conv_out_size (steps, p, s, 1, same, &before);
  gint64 pads[2] = { before, same ? MAX ((out - 1) * s + p - steps - before, 0) : 0 };
  gint64 kernel = p, stride = s;
  gboolean max = g_str_equal (k->l->type->name, "MaxPooling1D");
  const char *x = ox_get (k->c, k->in[0], OX_FIRST);
  k->out->name[OX_FIRST] = ox_name (k, "out");
  ox_node_begin (k->c, max ? "MaxPool" : "AveragePool", &x, 1,
                 (const char *const *) &k->out->name[OX_FIRST], 1);
  ox_attr_ints (k->c, "kernel_shape", &kernel, 1);
  ox_attr_ints (k->c, "strides", &stride, 1);
  ox_attr_ints (k->c, "pads", pads, 2);
  if (!max)
    ox_attr_int (k->c, "count_include_pad", 0);
  ox_node_end (k->c);
  return TRUE;
}

/* ---- recurrent layers ----------------------------------------------------- */

typedef struct {
  const char *cell;      /* "SimpleRNN", "LSTM", "GRU" */
  int         gates;     /* 1, 4, 3 */
  int         units;
  gboolean    bidirectional, bias, reset_after;
} Rnn;

static Rnn
rnn_info (const NnLayer *l)
{
  Rnn r = { l->type->name, 1, nn_layer_int (l, "units"), FALSE, nn_layer_bool (l, "use_bias"),
            FALSE };
  if (g_str_equal (r.cell, "Bidirectional"))
    {
      r.cell = nn_layer_enum (l, "layer");
      r.bidirectional = TRUE;
    }
  r.gates = g_str_equal (r.cell, "LSTM") ? 4 : g_str_equal (r.cell, "GRU") ? 3 : 1;
  if (g_str_equal (r.cell, "GRU"))
    r.reset_after = nn_layer_bool (l, "reset_after");
  return r;
}

/* Which of Keras's gates is ONNX's gate g. */
static int
keras_gate (const Rnn *r, int g)
{
  static const int lstm[4] = { 0, 3, 1, 2 };   /* i o f c <- i f c o */
  return r->gates == 4 ? lstm[g] : g;
}

/* W (dirs, G U, F) and R (dirs, G U, U) from Keras's kernels (F, G U) and
 * (U, G U), and B (dirs, 2 G U): the input biases, then the recurrent
 * ones. Weights of direction d start at layer weight d * per_dir. */
static void
rnn_weights (OxCall *k, const Rnn *r, char **names)
{
  int dirs = r->bidirectional ? 2 : 1, per_dir = r->bias ? 3 : 2, gu = r->gates * r->units;
  NnTensor kv, rv, bv;
  ox_weight (k, 0, &kv);
  int f = kv.shape[0], u = r->units;
  g_autofree float *w = g_new0 (float, (size_t) dirs * gu * f);
  g_autofree float *rr = g_new0 (float, (size_t) dirs * gu * u);
  g_autofree float *b = g_new0 (float, (size_t) dirs * 2 * gu);
  for (int dir = 0; dir < dirs; dir++)
    {
      ox_weight (k, dir * per_dir, &kv);
      ox_weight (k, dir * per_dir + 1, &rv);
      if (r->bias)
        ox_weight (k, dir * per_dir + 2, &bv);
      for (int g = 0; g < r->gates; g++)
        for (int j = 0; j < u; j++)
          {
            size_t row = (size_t) dir * gu + (size_t) g * u + j;
            int col = keras_gate (r, g) * u + j;
            for (int i = 0; i < f; i++)
              w[row * f + i] = kv.data[(size_t) i * gu + col];
            for (int i = 0; i < u; i++)
              rr[row * u + i] = rv.data[(size_t) i * gu + col];
            if (!r->bias)
              continue;
            b[(size_t) dir * 2 * gu + (size_t) g * u + j] = bv.data[col];
            if (r->reset_after)
              b[(size_t) dir * 2 * gu + gu + (size_t) g * u + j] = bv.data[gu + col];
          }
    }
  gint64 wd[3] = { dirs, gu, f }, rd[3] = { dirs, gu, u }, bd[2] = { dirs, 2 * gu };
  names[0] = ox_name (k, "W");
  names[1] = ox_name (k, "R");
  names[2] = r->bias ? ox_name (k, "B") : NULL;
  ox_init_floats (k->c, names[0], wd, 3, w);
  ox_init_floats (k->c, names[1], rd, 3, rr);
  if (r->bias)
    ox_init_floats (k->c, names[2], bd, 2, b);
}

static const char *
onnx_act (const char *ours)
{
  static const char *const map[][2] = {
    { "tanh", "Tanh" }, { "sigmoid", "Sigmoid" }, { "hard_sigmoid", "HardSigmoid" },
    { "relu", "Relu" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i][0], ours))
      return map[i][1];
  return NULL;
}

/* The activations attribute: f, g, h for LSTM; f, g for GRU; f for RNN;
 * once per direction. */
static gboolean
rnn_activations (OxCall *k, const Rnn *r, GError **error)
{
  const char *act = onnx_act (nn_layer_enum (k->l, "activation"));
  const char *rec = r->gates > 1 ? onnx_act (nn_layer_enum (k->l, "recurrent_activation")) : act;
  if (!act || !rec)
    {
      ox_unsupported (k, error, "a linear activation has no ONNX recurrent counterpart");
      return FALSE;
    }
  const char *list[6];
  int n = 0;
  for (int dir = 0; dir < (r->bidirectional ? 2 : 1); dir++)
    {
      if (r->gates > 1)
        list[n++] = rec;
      list[n++] = act;
      if (r->gates == 4)
        list[n++] = act;
    }
  ox_attr_strings (k->c, "activations", list, n);
  return TRUE;
}

/* (batch, T, F) -> (T, batch, F), reversed in time for go_backwards. */
static char *
rnn_input (OxCall *k, const Rnn *r)
{
  static const gint64 perm[3] = { 1, 0, 2 };
  char *x = ox_name (k, "steps_first");
  transpose (k->c, ox_get (k->c, k->in[0], OX_LAST), x, perm, 3);
  if (r->bidirectional || !nn_layer_bool (k->l, "go_backwards"))
    return x;
  if (k->in[0]->lens)
    {
      /* padded: reverse each sequence's real steps only, which stay first
       * (ReverseSequence counts them in int64, the recurrent ops in int32) */
      char *rev = ox_name (k, "reversed");
      g_autofree char *lens64 = ox_name (k, "lengths64");
      ox_node_begin (k->c, "Cast", (const char *const *) &k->in[0]->lens, 1,
                     (const char *const *) &lens64, 1);
      ox_attr_int (k->c, "to", ONNX_INT64);
      ox_node_end (k->c);
      ox_node_begin (k->c, "ReverseSequence", (const char *const[]) { x, lens64 }, 2,
                     (const char *const *) &rev, 1);
      ox_attr_int (k->c, "batch_axis", 1);
      ox_attr_int (k->c, "time_axis", 0);
      ox_node_end (k->c);
      g_free (x);
      return rev;
    }
  /* Keras's go_backwards reads the steps last to first and outputs in that
   * order: the same as a forward run over the reversed steps. */
  gint64 start = -1, end = G_MININT64, axis = 0, step = -1;
  g_autofree char *c_start = ox_const_ints (k, "start", &start, 1);
  g_autofree char *c_end = ox_const_ints (k, "end", &end, 1);
  g_autofree char *c_axis = ox_const_ints (k, "axis", &axis, 1);
  g_autofree char *c_step = ox_const_ints (k, "step", &step, 1);
  const char *ins[5] = { x, c_start, c_end, c_axis, c_step };
  char *rev = ox_name (k, "reversed");
  ox_node_begin (k->c, "Slice", ins, 5, (const char *const *) &rev, 1);
  ox_node_end (k->c);
  g_free (x);
  return rev;
}

/* Y (T, dirs, batch, U) or Y_h (dirs, batch, U) to our output. */
static gboolean
rnn_output (OxCall *k, const Rnn *r, const char *y, const char *y_h, GError **error)
{
  gboolean seq = nn_layer_bool (k->l, "return_sequences");
  static const gint64 seq_perm[4] = { 2, 0, 1, 3 }, last_perm[3] = { 1, 0, 2 };
  g_autofree char *t = ox_name (k, "batch_first");   /* (batch, [T,] dirs, U) */
  if (seq)
    transpose (k->c, y, t, seq_perm, 4);
  else
    transpose (k->c, y_h, t, last_perm, 3);
  k->out->name[OX_LAST] = ox_name (k, "out");
  const char *out = k->out->name[OX_LAST];
  const char *mode = r->bidirectional ? nn_layer_enum (k->l, "merge_mode") : "concat";
  if (g_str_equal (mode, "concat"))
    {
      /* forward then backward side by side: (batch, [T,] dirs U) */
      gint64 shape[3] = { 0, 0, 0 };
      shape[seq ? 2 : 1] = (gint64) (r->bidirectional ? 2 : 1) * r->units;
      g_autofree char *s = ox_const_ints (k, "shape", shape, seq ? 3 : 2);
      ox_binary (k->c, "Reshape", t, s, out);
      return TRUE;
    }
  gint64 axis = seq ? 2 : 1;
  if (g_str_equal (mode, "sum"))
    {
      /* opset 13's ReduceSum takes its axes as an input */
      g_autofree char *a = ox_const_ints (k, "axes", &axis, 1);
      ox_node_begin (k->c, "ReduceSum", (const char *const[]) { t, a }, 2, &out, 1);
    }
  else
    {
      ox_node_begin (k->c, g_str_equal (mode, "mul") ? "ReduceProd" : "ReduceMean",
                     (const char *const *) &t, 1, &out, 1);
      ox_attr_ints (k->c, "axes", &axis, 1);
    }
  ox_attr_int (k->c, "keepdims", 0);
  ox_node_end (k->c);
  return TRUE;
}

/* ONNX's initial_h (which 0) or initial_c (which 1), (dirs, batch, U),
 * from our initial states, inputs 1 and on: each direction's h (and c),
 * forward first. */
static char *
rnn_initial (OxCall *k, const Rnn *r, int which)
{
  int per_dir = r->gates == 4 ? 2 : 1, dirs = r->bidirectional ? 2 : 1;
  gint64 zero = 0;
  g_autofree char *axis = ox_const_ints (k, "axis", &zero, 1);
  char *parts[2];
  for (int d = 0; d < dirs; d++)
    {
      parts[d] = ox_name (k, which ? "initial_c" : "initial_h");
      ox_binary (k->c, "Unsqueeze", ox_get (k->c, k->in[1 + d * per_dir + which], OX_LAST),
                 axis, parts[d]);
    }
  if (dirs == 1)
    return parts[0];
  char *both = ox_name (k, which ? "initial_c" : "initial_h");
  ox_node_begin (k->c, "Concat", (const char *const *) parts, 2, (const char *const *) &both, 1);
  ox_attr_int (k->c, "axis", 0);
  ox_node_end (k->c);
  g_free (parts[0]);
  g_free (parts[1]);
  return both;
}

/* Our final states (return_state) from Y_h and Y_c (dirs, batch, U):
 * state j is direction j / per_dir's h or c, (batch, U). */
static void
rnn_states (OxCall *k, const Rnn *r, const char *y_h, const char *y_c)
{
  int per_dir = r->gates == 4 ? 2 : 1;
  gint64 zero = 0;
  if (k->n_states == 0)
    return;
  g_autofree char *axis = ox_const_ints (k, "axis", &zero, 1);
  for (int j = 0; j < k->n_states; j++)
    {
      gint64 d = j / per_dir, end = d + 1;
      g_autofree char *c_start = ox_const_ints (k, "start", &d, 1);
      g_autofree char *c_end = ox_const_ints (k, "end", &end, 1);
      g_autofree char *dir = ox_name (k, "state_dir");
      const char *src = j % per_dir ? y_c : y_h;
      ox_node_begin (k->c, "Slice", (const char *const[]) { src, c_start, c_end, axis }, 4,
                     (const char *const *) &dir, 1);
      ox_node_end (k->c);
      k->states[j]->name[OX_LAST] = ox_name (k, j % per_dir ? "state_c" : "state_h");
      ox_binary (k->c, "Squeeze", dir, axis, k->states[j]->name[OX_LAST]);
    }
}

/* The LSTM, GRU or RNN node: X, W, R, B, sequence_lens, initial_h,
 * initial_c in; Y, Y_h (and Y_c) out. */
static gboolean
rnn_node (OxCall *k, const Rnn *r, const char *x, const char *y, const char *y_h,
          const char *y_c, GError **error)
{
  char *w[3];
  rnn_weights (k, r, w);
  g_autofree char *h0 = k->n_in > 1 ? rnn_initial (k, r, 0) : NULL;
  g_autofree char *c0 = k->n_in > 1 && r->gates == 4 ? rnn_initial (k, r, 1) : NULL;
  /* padded sequences: their lengths (the real steps come first) */
  const char *lens = k->in[0]->lens;
  const char *ins[7] = { x, w[0], w[1], w[2] ? w[2] : "", lens ? lens : "", h0 ? h0 : "",
                         c0 ? c0 : "" };
  int n_in = 7;
  while (!*ins[n_in - 1])
    n_in--;
  const char *outs[3] = { y, y_h, y_c };
  const char *op = r->gates == 4 ? "LSTM" : r->gates == 3 ? "GRU" : "RNN";
  ox_node_begin (k->c, op, ins, n_in, outs, y_c ? 3 : 2);
  ox_attr_int (k->c, "hidden_size", r->units);
  ox_attr_string (k->c, "direction", r->bidirectional ? "bidirectional" : "forward");
  if (r->gates == 3)
    ox_attr_int (k->c, "linear_before_reset", r->reset_after);
  gboolean ok = rnn_activations (k, r, error);
  ox_node_end (k->c);
  for (int i = 0; i < 3; i++)
    g_free (w[i]);
  return ok;
}

static gboolean
recurrent (OxCall *k, GError **error)
{
  Rnn r = rnn_info (k->l);
  if (k->in[0]->lens && !r.bidirectional && nn_layer_bool (k->l, "go_backwards")
      && nn_layer_bool (k->l, "return_sequences"))
    {
      /* its steps come out last to first, padding first: ONNX's recurrent
       * ops put a padded sequence's real steps first */
      ox_unsupported (k, error, "go_backwards with return_sequences on padded (mask_zero) "
                      "sequences has no ONNX counterpart; turn one of them off");
      return FALSE;
    }
  g_autofree char *x = rnn_input (k, &r);
  g_autofree char *y = ox_name (k, "Y");
  g_autofree char *y_h = ox_name (k, "Y_h");
  g_autofree char *y_c = r.gates == 4 && k->n_states ? ox_name (k, "Y_c") : NULL;
  if (!rnn_node (k, &r, x, y, y_h, y_c, error) || !rnn_output (k, &r, y, y_h, error))
    return FALSE;
  rnn_states (k, &r, y_h, y_c);
  if (k->in[0]->lens && nn_layer_bool (k->l, "return_sequences"))
    {
      /* every step is output: the padding stays */
      k->out->mask = g_strdup (k->in[0]->mask);
      k->out->lens = g_strdup (k->in[0]->lens);
    }
  return TRUE;
}

static gboolean
global_pool1d (OxCall *k, GError **error)
{
  if (k->in[0]->mask)
    return masked_global_pool (k, error);
  OxLayerFn plain = ox_layer_lookup (k->l->type->name);
  return plain (k, error);
}

OxLayerFn
ox_seq_lookup (const char *cls)
{
  static const struct { const char *cls; OxLayerFn fn; } map[] = {
    { "Embedding", embedding }, { "Conv1D", conv1d }, { "MaxPooling1D", pool1d },
    { "AveragePooling1D", pool1d }, { "SimpleRNN", recurrent }, { "LSTM", recurrent },
    { "GRU", recurrent }, { "Bidirectional", recurrent },
    { "GlobalMaxPooling1D", global_pool1d }, { "GlobalAveragePooling1D", global_pool1d },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (map[i].cls, cls))
      return map[i].fn;
  return NULL;
}
