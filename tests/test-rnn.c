/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Recurrent layers (NN_OP_RNN; SimpleRNN, LSTM, GRU, Bidirectional):
 * gradients through time against central differences, for every cell, with
 * and without a mask, both return_sequences, go_backwards and dropout; one
 * LSTM and one GRU step against the formulas in double, so the gate order
 * is pinned; a padded batch against its sequences run one by one; dropout
 * at inference; the layers' shapes, weights and errors. */
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-model-private.h"
#include "nn-rnn-private.h"

#define GRAD_EPS 1e-2
/* Float32 through several steps: the differences carry ~1e-3 of rounding
 * and truncation at this eps (smaller eps: more rounding); a wrong term
 * gives errors of 1e-1 and more. */
#define GRAD_TOL 5e-3

/* ---- a test loss: L = sum_i y_i w_i, fixed pseudo-random w ------------------- */

/* In the op table's last slot, free. Each term is output split into a float
 * and its remainder, so the check's double sum adds no rounding. */
#define OP_TEST_LOSS ((NnOpType) (NN_N_OPS - 1))

static double
loss_weight (size_t i)
{
  uint32_t h = (uint32_t) i * 2654435761u + 12345u;
  h ^= h >> 15;
  return (double) (h % 2001u) / 1000.0 - 1.0;
}

static void
test_loss_shape (NnGraph *g, NnNode *n)
{
  n->batched = 0;
  n->ndim = 1;
  n->shape[0] = 2 * (int) nn_in (g, n, 0)->size;
}

static void
test_loss_forward (NnGraph *g, NnNode *n)
{
  NnNode *y = nn_in (g, n, 0);
  for (size_t i = 0; i < y->size; i++)
    {
      double t = (double) y->value[i] * loss_weight (i);
      n->value[2 * i] = (float) t;
      n->value[2 * i + 1] = (float) (t - (double) n->value[2 * i]);
    }
}

static void
test_loss_backward (NnGraph *g, NnNode *n)
{
  NnNode *y = nn_in (g, n, 0);
  if (y->grad)
    for (size_t i = 0; i < y->size; i++)
      y->grad[i] += (float) (n->grad[2 * i] * loss_weight (i));
}

static const NnOpInfo test_loss_info = {
  "test_loss", test_loss_shape, test_loss_forward, test_loss_backward
};

static const NnOpInfo *const *
test_ops (void)
{
  static const NnOpInfo *ops[NN_N_OPS];
  if (!ops[OP_TEST_LOSS])
    {
      g_assert_null (nn_op_table[OP_TEST_LOSS]);
      memcpy (ops, nn_op_table, sizeof ops);
      ops[OP_TEST_LOSS] = &test_loss_info;
    }
  return ops;
}

/* ---- one RNN op in a graph of its own --------------------------------------- */

typedef struct {
  NnRnnCell cell;
  int       B, T, F, U;
  int       act, ract;
  gboolean  seq, backwards, reset_after, bias, reverse_out;
  const float *mask;     /* (B, T) or NULL */
  float     dropout, rdropout;
  gboolean  states, init;  /* final states packed in the output; initial states fed */
} Spec;

typedef struct {
  NnGraph *g;
  int      x, mask, rnn, loss;
  int      init[2];        /* h_0, c_0 inputs (Spec.init), else -1 */
  int      p[3];
  float   *pv[3], *pg[3];
  int      n_p;
  NnRng    rng, drop_rng;
} Net;

static int
gates (NnRnnCell cell)
{
  return cell == NN_RNN_LSTM ? 4 : cell == NN_RNN_GRU ? 3 : 1;
}

static void
fill_uniform (NnRng *r, float *v, size_t n, float lo, float hi)
{
  for (size_t i = 0; i < n; i++)
    v[i] = lo + (hi - lo) * nn_rng_uniform (r);
}

static int
add_param (Net *t, int ndim, const int *shape, float range)
{
  size_t n = nn_shape_size (ndim, shape);
  int k = t->n_p++;
  t->pv[k] = g_new (float, n);
  t->pg[k] = g_new0 (float, n);
  fill_uniform (&t->rng, t->pv[k], n, -range, range);
  t->p[k] = nn_graph_add_param (t->g, ndim, shape, t->pv[k], t->pg[k]);
  return t->p[k];
}

/* Builds x -> RNN -> test loss with random weights (seed), allocates and
 * fills x; with values given, the weights come from them instead
 * (kernel, recurrent kernel, bias in that order). */
static void
net_build (Net *t, const Spec *s, guint64 seed, const float *const *values)
{
  memset (t, 0, sizeof *t);
  nn_rng_seed (&t->rng, seed);
  nn_rng_seed (&t->drop_rng, seed + 1000);
  t->g = nn_graph_new ();
  t->g->ops = test_ops ();
  t->g->rng = &t->drop_rng;
  int gu = gates (s->cell) * s->U;
  int xs[] = { s->T, s->F };
  t->x = nn_graph_add_input (t->g, 2, xs, 1);
  nn_graph_node (t->g, t->x)->needs_grad = 1;
  int ks[] = { s->F, gu }, rs[] = { s->U, gu };
  gboolean two = s->cell == NN_RNN_GRU && s->reset_after;
  int bs[] = { two ? 2 : gu, gu };
  int ins[7], n_in = 0;
  ins[n_in++] = t->x;
  ins[n_in++] = add_param (t, 2, ks, 0.6f);
  ins[n_in++] = add_param (t, 2, rs, 0.6f);
  if (s->bias)
    ins[n_in++] = add_param (t, two ? 2 : 1, two ? bs : bs + 1, 0.3f);
  t->init[0] = t->init[1] = -1;
  for (int k = 0; s->init && k < (s->cell == NN_RNN_LSTM ? 2 : 1); k++)
    {
      int us[] = { s->U };
      t->init[k] = nn_graph_add_input (t->g, 1, us, 1);
      nn_graph_node (t->g, t->init[k])->needs_grad = 1;
      ins[n_in++] = t->init[k];
    }
  if (values)
    for (int k = 0; k < t->n_p; k++)
      memcpy (t->pv[k], values[k],
              sizeof (float) * nn_shape_size (nn_graph_node (t->g, t->p[k])->ndim,
                                              nn_graph_node (t->g, t->p[k])->shape));
  t->mask = -1;
  if (s->mask)
    {
      int ms[] = { s->T };
      t->mask = nn_graph_add_input (t->g, 1, ms, 1);
      ins[n_in++] = t->mask;
    }
  t->rnn = nn_graph_add (t->g, NN_OP_RNN, ins, n_in);
  NnNode *n = nn_graph_node (t->g, t->rnn);
  n->ip[NN_RNN_IP_CELL] = s->cell;
  n->ip[NN_RNN_IP_UNITS] = s->U;
  n->ip[NN_RNN_IP_ACT] = s->act;
  n->ip[NN_RNN_IP_REC_ACT] = s->ract;
  n->ip[NN_RNN_IP_SEQUENCES] = s->seq;
  n->ip[NN_RNN_IP_BACKWARDS] = s->backwards;
  n->ip[NN_RNN_IP_RESET_AFTER] = s->reset_after;
  n->ip[NN_RNN_IP_BIAS] = s->bias;
  n->ip[NN_RNN_IP_MASK] = s->mask != NULL;
  n->ip[NN_RNN_IP_REVERSE_OUT] = s->reverse_out;
  n->ip[NN_RNN_IP_STATES] = s->states;
  n->ip[NN_RNN_IP_INIT] = s->init;
  n->fp[0] = s->dropout;
  n->fp[1] = s->rdropout;
  t->loss = nn_graph_add (t->g, OP_TEST_LOSS, &t->rnn, 1);
  g_assert_true (nn_graph_alloc (t->g, s->B));
  NnNode *x = nn_graph_node (t->g, t->x);
  fill_uniform (&t->rng, x->value, x->size, -1.0f, 1.0f);
  for (int k = 0; k < 2; k++)
    if (t->init[k] >= 0)
      {
        NnNode *h0 = nn_graph_node (t->g, t->init[k]);
        fill_uniform (&t->rng, h0->value, h0->size, -0.8f, 0.8f);
      }
  if (s->mask)
    memcpy (nn_graph_node (t->g, t->mask)->value, s->mask,
            sizeof (float) * (size_t) s->B * (size_t) s->T);
}

static void
net_clear (Net *t)
{
  for (int k = 0; k < t->n_p; k++)
    {
      g_free (t->pv[k]);
      g_free (t->pg[k]);
    }
  nn_graph_free (t->g);
}

static void
check_grads (const Spec *s, const char *what)
{
  Net t;
  net_build (&t, s, 11, NULL);
  t.g->training = s->dropout > 0 || s->rdropout > 0;
  int wrt[6] = { t.x, t.p[0], t.p[1], s->bias ? t.p[2] : -1, t.init[0], t.init[1] };
  const char *names[6] = { "x", "kernel", "recurrent_kernel", "bias", "h_0", "c_0" };
  for (int k = 0; k < 6; k++)
    {
      if (wrt[k] < 0)
        continue;
      double e = test_check_grad (t.g, t.loss, wrt[k], GRAD_EPS, 300);
      g_test_message ("%s: d/d%s max relative error %.2e", what, names[k], e);
      g_assert_cmpfloat (e, <, GRAD_TOL);
    }
  net_clear (&t);
}

/* Masks with padding at the end, at the start and in the middle, and one
 * row without any. */
static float *
test_mask (int B, int T)
{
  float *m = g_new (float, (size_t) B * T);
  for (int b = 0; b < B; b++)
    for (int t = 0; t < T; t++)
      {
        float v = 1.0f;
        switch (b % 4)
          {
          case 0: v = t < T - 2 ? 1.0f : 0.0f; break;      /* post-padded */
          case 1: v = t >= 2 ? 1.0f : 0.0f; break;         /* pre-padded */
          case 2: v = t == 1 ? 0.0f : 1.0f; break;         /* a hole */
          default: break;
          }
        m[(size_t) b * T + t] = v;
      }
  return m;
}

static void
grad_cases (NnRnnCell cell, gboolean reset_after, const char *name)
{
  g_autofree float *mask = test_mask (4, 5);
  for (int variant = 0; variant < 6; variant++)
    {
      Spec s = { .cell = cell, .B = 4, .T = 5, .F = 3, .U = 4, .act = NN_RNN_ACT_TANH,
                 .ract = NN_RNN_ACT_SIGMOID, .reset_after = reset_after, .bias = TRUE };
      s.seq = variant & 1;
      s.mask = variant >= 2 ? mask : NULL;
      s.backwards = variant >= 4;
      s.reverse_out = variant == 5;
      g_autofree char *what = g_strdup_printf ("%s seq=%d mask=%d backwards=%d", name, s.seq,
                                               s.mask != NULL, s.backwards);
      check_grads (&s, what);
    }
  /* no bias; dropout on both (training: the same masks for every difference) */
  Spec s = { .cell = cell, .B = 3, .T = 4, .F = 3, .U = 3, .act = NN_RNN_ACT_TANH,
             .ract = NN_RNN_ACT_SIGMOID, .reset_after = reset_after, .seq = TRUE };
  check_grads (&s, name);
  s.bias = TRUE;
  s.dropout = 0.3f;
  s.rdropout = 0.4f;
  s.mask = mask;
  s.B = 4;
  s.T = 5;
  check_grads (&s, name);
  /* return_state and initial_state: the loss reads the final states packed
   * after the output, and the gradient reaches the initial states; with
   * and without a mask, recurrent dropout, sequences both ways */
  for (int variant = 0; variant < 4; variant++)
    {
      Spec st = { .cell = cell, .B = 4, .T = 5, .F = 3, .U = 3, .act = NN_RNN_ACT_TANH,
                  .ract = NN_RNN_ACT_SIGMOID, .reset_after = reset_after, .bias = TRUE,
                  .states = TRUE, .init = TRUE };
      st.seq = variant & 1;
      st.mask = variant >= 2 ? mask : NULL;
      st.backwards = variant == 3;
      st.rdropout = variant == 2 ? 0.3f : 0.0f;
      g_autofree char *what = g_strdup_printf ("%s states seq=%d mask=%d", name, st.seq,
                                               st.mask != NULL);
      check_grads (&st, what);
    }
}

static void
test_grad_simple (void)
{
  grad_cases (NN_RNN_SIMPLE, FALSE, "SimpleRNN");
  /* the other activations it computes inline */
  for (int act = NN_RNN_ACT_SIGMOID; act <= NN_RNN_ACT_LINEAR; act++)
    {
      if (act == NN_RNN_ACT_HARD_SIGMOID || act == NN_RNN_ACT_RELU)
        continue;   /* kinks: covered by the forward checks */
      Spec s = { .cell = NN_RNN_SIMPLE, .B = 2, .T = 4, .F = 2, .U = 3, .act = act,
                 .seq = TRUE, .bias = TRUE };
      check_grads (&s, "SimpleRNN, other activation");
    }
}

static void
test_grad_lstm (void)
{
  grad_cases (NN_RNN_LSTM, FALSE, "LSTM");
}

static void
test_grad_gru (void)
{
  grad_cases (NN_RNN_GRU, TRUE, "GRU reset_after");
}

static void
test_grad_gru_reset_before (void)
{
  grad_cases (NN_RNN_GRU, FALSE, "GRU reset_after=false");
}

/* ---- one step against the formulas -------------------------------------------- */

static double
sigm (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

/* y = x K + h R (+ b) for one row: out[j], j < cols */
static void
affine (const double *x, int nx, const float *k, int cols, double *out)
{
  for (int j = 0; j < cols; j++)
    for (int i = 0; i < nx; i++)
      out[j] += x[i] * k[i * cols + j];
}

/* Two steps of an LSTM and of a GRU (both reset modes), F = 2, U = 2, one
 * sequence; the reference in double with Keras's gate order. */
static void
test_step_formulas (void)
{
  const int T = 2, F = 2, U = 2;
  for (int variant = 0; variant < 3; variant++)
    {
      NnRnnCell cell = variant == 0 ? NN_RNN_LSTM : NN_RNN_GRU;
      gboolean reset_after = variant == 1;
      int G = gates (cell), GU = G * U;
      float kv[2 * 8], rv[2 * 8], bv[2 * 6 > 8 ? 12 : 8];
      NnRng rng;
      nn_rng_seed (&rng, 5 + variant);
      fill_uniform (&rng, kv, (size_t) F * GU, -0.8f, 0.8f);
      fill_uniform (&rng, rv, (size_t) U * GU, -0.8f, 0.8f);
      fill_uniform (&rng, bv, reset_after ? 2 * (size_t) GU : (size_t) GU, -0.5f, 0.5f);
      const float *values[3] = { kv, rv, bv };
      Spec s = { .cell = cell, .B = 1, .T = T, .F = F, .U = U, .act = NN_RNN_ACT_TANH,
                 .ract = NN_RNN_ACT_SIGMOID, .seq = TRUE, .reset_after = reset_after,
                 .bias = TRUE };
      Net t;
      net_build (&t, &s, 3, values);
      nn_graph_forward (t.g);
      const float *x = nn_graph_node (t.g, t.x)->value;
      const float *y = nn_graph_node (t.g, t.rnn)->value;
      double h[2] = { 0, 0 }, c[2] = { 0, 0 };
      for (int step = 0; step < T; step++)
        {
          double xs[2] = { x[step * F], x[step * F + 1] };
          double a[8] = { 0 }, rec[8] = { 0 }, hn[2];
          affine (xs, F, kv, GU, a);
          for (int j = 0; j < GU; j++)
            a[j] += bv[j];
          if (cell == NN_RNN_LSTM)
            {
              affine (h, U, rv, GU, a);
              for (int j = 0; j < U; j++)
                {
                  double i = sigm (a[j]), f = sigm (a[U + j]), g = tanh (a[2 * U + j]);
                  double o = sigm (a[3 * U + j]);
                  c[j] = f * c[j] + i * g;
                  hn[j] = o * tanh (c[j]);
                }
            }
          else if (reset_after)
            {
              affine (h, U, rv, GU, rec);
              for (int j = 0; j < GU; j++)
                rec[j] += bv[GU + j];   /* the recurrent bias, row 1 */
              for (int j = 0; j < U; j++)
                {
                  double z = sigm (a[j] + rec[j]), r = sigm (a[U + j] + rec[U + j]);
                  double hh = tanh (a[2 * U + j] + r * rec[2 * U + j]);
                  hn[j] = z * h[j] + (1 - z) * hh;
                }
            }
          else
            {
              double zr[4] = { 0 }, rh[2], q[2] = { 0, 0 };
              for (int j = 0; j < 2 * U; j++)
                for (int i = 0; i < U; i++)
                  zr[j] += h[i] * rv[i * GU + j];
              double z[2], r[2];
              for (int j = 0; j < U; j++)
                {
                  z[j] = sigm (a[j] + zr[j]);
                  r[j] = sigm (a[U + j] + zr[U + j]);
                  rh[j] = r[j] * h[j];
                }
              for (int j = 0; j < U; j++)
                for (int i = 0; i < U; i++)
                  q[j] += rh[i] * rv[i * GU + 2 * U + j];
              for (int j = 0; j < U; j++)
                hn[j] = z[j] * h[j] + (1 - z[j]) * tanh (a[2 * U + j] + q[j]);
            }
          for (int j = 0; j < U; j++)
            {
              h[j] = hn[j];
              g_assert_cmpfloat (fabs (y[step * U + j] - h[j]), <, 1e-6);
            }
        }
      net_clear (&t);
    }
}

/* ---- masking: a padded batch against its sequences one by one ---------------- */

/* Runs the op forward and backward from the given output gradient; copies
 * the output and the weight gradients out. */
static void
run_seeded (Net *t, const float *x, const float *seed, float *y, float **grads)
{
  NnNode *xn = nn_graph_node (t->g, t->x);
  memcpy (xn->value, x, sizeof (float) * xn->size);
  nn_graph_forward (t->g);
  NnNode *yn = nn_graph_node (t->g, t->rnn);
  memcpy (y, yn->value, sizeof (float) * yn->size);
  for (int k = 0; k < t->n_p; k++)
    memset (t->pg[k], 0, sizeof (float) * nn_graph_node (t->g, t->p[k])->size);
  nn_graph_backward_seeded (t->g, t->rnn, seed, -1);
  for (int k = 0; k < t->n_p; k++)
    memcpy (grads[k], t->pg[k], sizeof (float) * nn_graph_node (t->g, t->p[k])->size);
}

static void
mask_case (NnRnnCell cell, gboolean seq, gboolean backwards)
{
  enum { B = 3, T = 6, F = 3, U = 4 };
  /* sequence b has len[b] real steps starting at start[b] */
  const int len[B] = { 6, 4, 3 }, start[B] = { 0, 0, 3 };
  float mask[B * T] = { 0 }, x[B * T * F] = { 0 };
  NnRng rng;
  nn_rng_seed (&rng, 77);
  for (int b = 0; b < B; b++)
    for (int t = start[b]; t < start[b] + len[b]; t++)
      {
        mask[b * T + t] = 1;
        fill_uniform (&rng, x + (b * T + t) * F, F, -1, 1);
      }
  int out_steps = seq ? T : 1;
  float seed[B * T * U] = { 0 };
  for (int b = 0; b < B; b++)
    for (int p = 0; p < out_steps; p++)
      {
        /* the step written at p reads input step t */
        int t = seq ? (backwards ? T - 1 - p : p) : 0;
        if (!seq || (t >= start[b] && t < start[b] + len[b]))
          fill_uniform (&rng, seed + (b * out_steps + p) * U, U, -1, 1);
      }
  Spec s = { .cell = cell, .B = B, .T = T, .F = F, .U = U, .act = NN_RNN_ACT_TANH,
             .ract = NN_RNN_ACT_SIGMOID, .seq = seq, .backwards = backwards,
             .reset_after = TRUE, .bias = TRUE, .mask = mask };
  Net padded;
  net_build (&padded, &s, 21, NULL);
  float y[B * T * U];
  float *gp[3], *sum[3], *g1[3];
  for (int k = 0; k < 3; k++)
    {
      size_t n = nn_graph_node (padded.g, padded.p[k])->size;
      gp[k] = g_new0 (float, n);
      sum[k] = g_new0 (float, n);
      g1[k] = g_new0 (float, n);
    }
  run_seeded (&padded, x, seed, y, gp);
  const float *values[3] = { padded.pv[0], padded.pv[1], padded.pv[2] };
  for (int b = 0; b < B; b++)
    {
      Spec one = s;
      one.B = 1;
      one.T = len[b];
      one.mask = NULL;
      Net t;
      net_build (&t, &one, 21, values);
      int o1 = seq ? len[b] : 1;
      float y1[T * U], seed1[T * U] = { 0 };
      for (int p = 0; p < o1; p++)
        {
          /* the same input step in the padded run */
          int tin = backwards ? len[b] - 1 - p : p;
          int pp = seq ? (backwards ? T - 1 - (start[b] + tin) : start[b] + tin) : 0;
          memcpy (seed1 + p * U, seed + (b * out_steps + pp) * U, sizeof (float) * U);
        }
      run_seeded (&t, x + (b * T + start[b]) * F, seed1, y1, g1);
      for (int p = 0; p < o1; p++)
        {
          int tin = backwards ? len[b] - 1 - p : p;
          int pp = seq ? (backwards ? T - 1 - (start[b] + tin) : start[b] + tin) : 0;
          for (int j = 0; j < U; j++)
            g_assert_cmpfloat (fabsf (y1[p * U + j] - y[(b * out_steps + pp) * U + j]), <,
                               1e-6);
        }
      for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < nn_graph_node (t.g, t.p[k])->size; i++)
          sum[k][i] += g1[k][i];
      net_clear (&t);
    }
  for (int k = 0; k < 3; k++)
    {
      size_t n = nn_graph_node (padded.g, padded.p[k])->size;
      for (size_t i = 0; i < n; i++)
        g_assert_cmpfloat (fabsf (gp[k][i] - sum[k][i]), <, 1e-5 * (1 + fabsf (sum[k][i])));
      g_free (gp[k]);
      g_free (sum[k]);
      g_free (g1[k]);
    }
  /* padded steps repeat the previous output (zeros before the first real one) */
  if (seq && !backwards)
    for (int j = 0; j < U; j++)
      {
        g_assert_cmpfloat (y[(0 * T + 5) * U + j], ==, y[(0 * T + 5) * U + j]);
        g_assert_cmpfloat (y[(1 * T + 4) * U + j], ==, y[(1 * T + 3) * U + j]);
        g_assert_cmpfloat (y[(1 * T + 5) * U + j], ==, y[(1 * T + 3) * U + j]);
        g_assert_cmpfloat (y[(2 * T + 0) * U + j], ==, 0.0f);
        g_assert_cmpfloat (y[(2 * T + 2) * U + j], ==, 0.0f);
      }
  net_clear (&padded);
}

static void
test_mask_padded (void)
{
  for (NnRnnCell cell = NN_RNN_SIMPLE; cell <= NN_RNN_GRU; cell++)
    for (int v = 0; v < 4; v++)
      mask_case (cell, v & 1, v >= 2);
}

/* ---- dropout ------------------------------------------------------------------ */

static void
test_dropout_inference (void)
{
  for (NnRnnCell cell = NN_RNN_SIMPLE; cell <= NN_RNN_GRU; cell++)
    {
      Spec s = { .cell = cell, .B = 5, .T = 4, .F = 3, .U = 4, .act = NN_RNN_ACT_TANH,
                 .ract = NN_RNN_ACT_SIGMOID, .seq = TRUE, .reset_after = TRUE, .bias = TRUE };
      Net plain, drop;
      net_build (&plain, &s, 9, NULL);
      s.dropout = 0.5f;
      s.rdropout = 0.5f;
      net_build (&drop, &s, 9, NULL);
      nn_graph_forward (plain.g);
      nn_graph_forward (drop.g);   /* training off: identity */
      NnNode *a = nn_graph_node (plain.g, plain.rnn), *b = nn_graph_node (drop.g, drop.rnn);
      g_assert_cmpmem (a->value, a->size * sizeof (float), b->value, b->size * sizeof (float));
      /* training on: the output changes */
      drop.g->training = 1;
      nn_graph_forward (drop.g);
      gboolean differs = FALSE;
      for (size_t i = 0; i < a->size; i++)
        differs |= a->value[i] != b->value[i];
      g_assert_true (differs);
      net_clear (&plain);
      net_clear (&drop);
    }
}

/* ---- threads: chunks of rows give the same numbers --------------------------- */

static void
test_big_batch (void)
{
  /* 70 rows: three chunks, the last short; against the rows run alone */
  Spec s = { .cell = NN_RNN_LSTM, .B = 70, .T = 3, .F = 2, .U = 3, .act = NN_RNN_ACT_TANH,
             .ract = NN_RNN_ACT_SIGMOID, .seq = FALSE, .bias = TRUE };
  Net big;
  net_build (&big, &s, 4, NULL);
  nn_graph_forward (big.g);
  const float *values[3] = { big.pv[0], big.pv[1], big.pv[2] };
  Spec one = s;
  one.B = 1;
  for (int b = 0; b < s.B; b += 23)
    {
      Net t;
      net_build (&t, &one, 4, values);
      memcpy (nn_graph_node (t.g, t.x)->value,
              nn_graph_node (big.g, big.x)->value + (size_t) b * s.T * s.F,
              sizeof (float) * (size_t) s.T * s.F);
      nn_graph_forward (t.g);
      for (int j = 0; j < s.U; j++)
        g_assert_cmpfloat (fabsf (nn_graph_node (t.g, t.rnn)->value[j]
                                  - nn_graph_node (big.g, big.rnn)->value[b * s.U + j]), <,
                           1e-6);
      net_clear (&t);
    }
  net_clear (&big);
}

/* ---- the recurrent product at a few rows -------------------------------------- */

/* nn_gemm_rows against a double-precision sum, for every row count it
 * takes, with a width that runs wide blocks, single vectors and a scalar
 * tail, and strided operands (the gates' columns of a wider matrix). */
static void
test_gemm_rows (void)
{
  const int n = 77, k = 19, lda = 23, ldb = 81, ldc = 80;
  NnRng rng;
  nn_rng_seed (&rng, 11);
  float a[4 * 23], b[19 * 81], c[4 * 80], c0[4 * 80];
  for (size_t i = 0; i < G_N_ELEMENTS (a); i++)
    a[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
  for (size_t i = 0; i < G_N_ELEMENTS (b); i++)
    b[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
  for (size_t i = 0; i < G_N_ELEMENTS (c0); i++)
    c0[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
  for (int m = 1; m <= NN_GEMM_ROWS_MAX; m++)
    {
      memcpy (c, c0, sizeof c);
      nn_gemm_rows (m, n, k, a, lda, b, ldb, c, ldc);
      for (int r = 0; r < 4; r++)
        for (int j = 0; j < ldc; j++)
          {
            double want = c0[r * ldc + j];
            if (r < m && j < n)
              for (int u = 0; u < k; u++)
                want += (double) a[r * lda + u] * b[u * ldb + j];
            /* rows past m and columns past n stay as they were */
            g_assert_cmpfloat (fabs (c[r * ldc + j] - want), <, 1e-5);
          }
    }
}

/* ---- layers ------------------------------------------------------------------- */

static NnModel *
seq_model (const char *cls, int T, int F, int *rnn)
{
  NnModel *m = nn_model_new ("rnn");
  int in = test_add (m, "Input", "seq");
  g_autofree char *shape = g_strdup_printf ("%d, %d", T, F);
  test_set (m, in, "shape", shape);
  *rnn = test_add (m, cls, NULL);
  test_connect (m, in, *rnn);
  return m;
}

static void
assert_weight (NnModel *m, int layer, int k, const char *name, int ndim, int d0, int d1)
{
  NnTensor v;
  const char *got = nn_model_layer_get_weight (m, layer, k, &v);
  g_assert_cmpstr (got, ==, name);
  g_assert_cmpint (v.ndim, ==, ndim);
  g_assert_cmpint (v.shape[0], ==, d0);
  if (ndim > 1)
    g_assert_cmpint (v.shape[1], ==, d1);
}

static void
test_layer_weights (void)
{
  g_autoptr (GError) error = NULL;
  int l;
  g_autoptr (NnModel) lstm = seq_model ("LSTM", 7, 5, &l);
  test_set (lstm, l, "units", "3");
  g_assert_true (nn_model_init_weights (lstm, 1, &error));
  g_assert_no_error (error);
  assert_weight (lstm, l, 0, "kernel", 2, 5, 12);
  assert_weight (lstm, l, 1, "recurrent_kernel", 2, 3, 12);
  assert_weight (lstm, l, 2, "bias", 1, 12, 0);
  NnTensor b, r;
  nn_model_layer_get_weight (lstm, l, 2, &b);
  for (int j = 0; j < 12; j++)   /* unit_forget_bias: i 0, f 1, c 0, o 0 */
    g_assert_cmpfloat (b.data[j], ==, j >= 3 && j < 6 ? 1.0f : 0.0f);
  /* orthogonal recurrent kernel (3, 12): orthonormal rows */
  nn_model_layer_get_weight (lstm, l, 1, &r);
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++)
      {
        double dot = 0;
        for (int j = 0; j < 12; j++)
          dot += r.data[i * 12 + j] * r.data[k * 12 + j];
        g_assert_cmpfloat (fabs (dot - (i == k)), <, 1e-5);
      }
  g_assert_cmpint (nn_model_layer_get_n_weights (lstm, l), ==, 3);

  g_autoptr (NnModel) gru = seq_model ("GRU", 7, 5, &l);
  test_set (gru, l, "units", "4");
  g_assert_true (nn_model_init_weights (gru, 1, &error));
  assert_weight (gru, l, 0, "kernel", 2, 5, 12);
  assert_weight (gru, l, 2, "bias", 2, 2, 12);
  test_set (gru, l, "reset_after", "false");
  g_assert_true (nn_model_init_weights (gru, 1, &error));
  assert_weight (gru, l, 2, "bias", 1, 12, 0);

  g_autoptr (NnModel) bi = seq_model ("Bidirectional", 7, 5, &l);
  test_set (bi, l, "layer", "GRU");
  test_set (bi, l, "units", "4");
  test_set (bi, l, "return_sequences", "true");
  g_assert_true (nn_model_init_weights (bi, 1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (nn_model_layer_get_n_weights (bi, l), ==, 6);
  assert_weight (bi, l, 0, "forward_kernel", 2, 5, 12);
  assert_weight (bi, l, 3, "backward_kernel", 2, 5, 12);
  assert_weight (bi, l, 5, "backward_bias", 2, 2, 12);
  NnShape out;
  g_assert_true (nn_model_get_shape (bi, (NnRef) { l, 0 }, &out.ndim, out.d));
  g_assert_cmpint (out.ndim, ==, 2);
  g_assert_cmpint (out.d[0], ==, 7);
  g_assert_cmpint (out.d[1], ==, 8);
  test_set (bi, l, "merge_mode", "ave");
  g_assert_true (nn_model_init_weights (bi, 1, &error));
  g_assert_true (nn_model_get_shape (bi, (NnRef) { l, 0 }, &out.ndim, out.d));
  g_assert_cmpint (out.d[1], ==, 4);
}

static void
test_layer_shape_error (void)
{
  g_autoptr (NnModel) m = nn_model_new ("flat");
  int in = test_add (m, "Input", "x");
  test_set (m, in, "shape", "784");
  int l = test_add (m, "LSTM", NULL);
  test_connect (m, in, l);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_init_weights (m, 1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "LSTM expects a sequence (batch, steps, features)"));
  g_assert_nonnull (strstr (error->message, "Embedding"));
}

/* A stack LSTM (sequences) -> GRU -> Bidirectional (SimpleRNN) ... ; every
 * weight's and the input's gradient of the compiled model against central
 * differences. */
static void
test_layer_stack_gradients (void)
{
  g_autoptr (NnModel) m = nn_model_new ("stack");
  int in = test_add (m, "Input", "seq");
  test_set (m, in, "shape", "4, 3");
  int l1 = test_add (m, "LSTM", NULL);
  test_set (m, l1, "units", "3");
  test_set (m, l1, "return_sequences", "true");
  int l2 = test_add (m, "Bidirectional", NULL);
  test_set (m, l2, "layer", "GRU");
  test_set (m, l2, "units", "2");
  test_set (m, l2, "return_sequences", "true");
  int l3 = test_add (m, "Bidirectional", NULL);
  test_set (m, l3, "layer", "SimpleRNN");
  test_set (m, l3, "units", "2");
  test_set (m, l3, "merge_mode", "sum");
  int d = test_add (m, "Dense", NULL);
  test_set (m, d, "units", "3");
  test_set (m, d, "activation", "softmax");
  test_connect (m, in, l1);
  test_connect (m, l1, l2);
  test_connect (m, l2, l3);
  test_connect (m, l3, d);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { d, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 7, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 7);
  NnCompiled *c = nn_compile (m, 3, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  NnNode *x = &g->nodes[c->input_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = nn_rng_uniform (&rng) * 2 - 1;
  float *t = g->nodes[c->target_nodes[0]].value;
  t[0] = 2, t[1] = 0, t[2] = 1;
  int checked = 0;
  for (int n = 0; n < g->n_nodes; n++)
    if ((g->nodes[n].op == NN_OP_PARAM || g->nodes[n].op == NN_OP_INPUT) && g->nodes[n].grad)
      {
        memset (c->grads, 0, c->n_grads * sizeof (float));
        double err = test_check_grad (g, c->loss_node, n, 1e-2, 0);
        g_test_message ("%s: max relative error %.2e",
                        g->nodes[n].label ? g->nodes[n].label : "input", err);
        g_assert_cmpfloat (err, <, GRAD_TOL);
        checked++;
      }
  /* input; LSTM 3; two GRU directions 3 each; two SimpleRNN 3 each; Dense 2 */
  g_assert_cmpint (checked, ==, 1 + 3 + 6 + 6 + 2);
  nn_compiled_free (c);
}


/* Embedding with mask_zero -> LSTM (sequences) -> GRU: the LSTM reads the
 * mask and its output keeps it; the GRU reads it and consumes it; and a
 * padded token changes neither the state nor the output. */
static void
test_layer_mask (void)
{
  g_autoptr (NnModel) m = nn_model_new ("masked");
  int in = test_add (m, "Input", "ids");
  test_set (m, in, "shape", "5");
  int e = test_add (m, "Embedding", NULL);
  test_set (m, e, "input_dim", "20");
  test_set (m, e, "output_dim", "3");
  test_set (m, e, "mask_zero", "true");
  int l1 = test_add (m, "LSTM", NULL);
  test_set (m, l1, "units", "4");
  test_set (m, l1, "return_sequences", "true");
  int l2 = test_add (m, "GRU", NULL);
  test_set (m, l2, "units", "2");
  test_connect (m, in, e);
  test_connect (m, e, l1);
  test_connect (m, l1, l2);
  nn_model_add_output (m, (NnRef) { l2, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnCompiled *c = nn_compile (m, 2, 0, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  int rnn[2], n_rnn = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].op == NN_OP_RNN)
      rnn[n_rnn++] = i;
  g_assert_cmpint (n_rnn, ==, 2);
  NnNode *a = &g->nodes[rnn[0]], *b = &g->nodes[rnn[1]];
  g_assert_true (a->ip[NN_RNN_IP_MASK]);
  g_assert_cmpint (a->mask, >=, 0);
  g_assert_cmpint (a->in[a->n_in - 1], ==, a->mask);
  g_assert_true (b->ip[NN_RNN_IP_MASK]);
  g_assert_cmpint (b->in[b->n_in - 1], ==, a->mask);
  g_assert_cmpint (b->mask, ==, -1);
  /* ids 3 7 0 0 0 and 3 7 5 0 0: the padded steps leave the first
   * sequence's output at what the two tokens gave */
  const float ids[2][5] = { { 3, 7, 0, 0, 0 }, { 3, 7, 5, 0, 0 } };
  NnNode *x = &g->nodes[c->input_nodes[0]];
  memcpy (x->value, ids, sizeof ids);
  nn_graph_forward (g);
  float padded[2], second[2];
  memcpy (padded, b->value, sizeof padded);
  memcpy (second, b->value + 2, sizeof second);
  const float short_ids[2][5] = { { 0, 0, 0, 3, 7 }, { 3, 7, 5, 0, 0 } };
  memcpy (x->value, short_ids, sizeof short_ids);
  nn_graph_forward (g);
  for (int j = 0; j < 2; j++)
    {
      g_assert_cmpfloat (fabsf (b->value[j] - padded[j]), <, 1e-6);
      g_assert_cmpfloat (b->value[2 + j], ==, second[j]);
    }
  nn_compiled_free (c);
}

int
main (int argc, char **argv)
{
  gboolean selected = test_args_select (argc, argv);
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/rnn/grad/simple-rnn", test_grad_simple);
  g_test_add_func ("/engine/rnn/grad/lstm", test_grad_lstm);
  g_test_add_func ("/engine/rnn/grad/gru", test_grad_gru);
  g_test_add_func ("/engine/rnn/grad/gru-reset-before", test_grad_gru_reset_before);
  g_test_add_func ("/engine/rnn/step-formulas", test_step_formulas);
  g_test_add_func ("/engine/rnn/mask-padded", test_mask_padded);
  g_test_add_func ("/engine/rnn/dropout-inference", test_dropout_inference);
  g_test_add_func ("/engine/rnn/big-batch", test_big_batch);
  g_test_add_func ("/engine/rnn/gemm-rows", test_gemm_rows);
  g_test_add_func ("/engine/rnn/layer/weights", test_layer_weights);
  g_test_add_func ("/engine/rnn/layer/shape-error", test_layer_shape_error);
  g_test_add_func ("/engine/rnn/layer/stack-gradients", test_layer_stack_gradients);
  g_test_add_func ("/engine/rnn/layer/mask", test_layer_mask);
  int ret = g_test_run ();
  if (!selected && ret == 0)
    test_assert_grad_checked (NN_OP_RNN, NN_OP_RNN + 1);
  return ret;
}
