/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Sequence layers that are not recurrent: Embedding (its ids, its mask,
 * its scatter-add gradient), Dense and TimeDistributed on (steps,
 * features), Conv1D (valid, same, causal, dilated, strided) and the 1-D
 * poolings against naive references and central differences; the fused
 * Embedding -> Conv1D op against the unfused ops; masking end
 * to end: a padded batch gives the outputs, loss and gradients of the
 * unpadded sequences run one by one. */
#include <math.h>
#include <string.h>

#include "nn-data-private.h"
#include "nn-model-private.h"
#include "nn-seq-private.h"
#include "test-ops-fx.h"

static gboolean subset;

/* ---- models ------------------------------------------------------------- */

/* Input(shape) -> each (class, name=value...) stage, NULL-separated; returns
 * the model and the last layer in *last. */
static NnModel *
chain (const char *input_shape, int *last, ...)
{
  NnModel *m = nn_model_new ("seq");
  int prev = test_add (m, "Input", "in");
  test_set (m, prev, "shape", input_shape);
  va_list ap;
  va_start (ap, last);
  for (const char *cls = va_arg (ap, const char *); cls; cls = va_arg (ap, const char *))
    {
      int l = test_add (m, cls, NULL);
      for (const char *p = va_arg (ap, const char *); p; p = va_arg (ap, const char *))
        test_set (m, l, p, va_arg (ap, const char *));
      test_connect (m, prev, l);
      prev = l;
    }
  va_end (ap);
  *last = prev;
  return m;
}

static NnCompiled *
compile (NnModel *m, int batch, int flags, NnLoss loss)
{
  g_autoptr (GError) error = NULL;
  if (loss != NN_LOSS_NONE && nn_model_get_n_outputs (m) == 0)
    nn_model_add_output (m, (NnRef) { m->n_layers - 1, 0 }, loss, 1.0, NULL, 0);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 7, &error));
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnCompiled *c = nn_compile (m, batch, flags, &rng, &error);
  g_assert_no_error (error);
  g_assert_nonnull (c);
  return c;
}

static NnNode *
in_node (NnCompiled *c, int k)
{
  return &c->g->nodes[c->input_nodes[k]];
}

static NnNode *
out_node (NnCompiled *c)
{
  return &c->g->nodes[c->output_nodes[0]];
}

static int
count_ops (NnGraph *g, NnOpType op)
{
  int n = 0;
  for (int i = 0; i < g->n_nodes; i++)
    n += g->nodes[i].op == op;
  return n;
}

/* Gradient check of the total loss against every parameter node and, when
 * the input has a gradient, the input. */
static void
check_model_grads (NnCompiled *c, const char *what)
{
  NnGraph *g = c->g;
  int checked = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      if (!n->grad || (n->op != NN_OP_PARAM && i != c->input_nodes[0]))
        continue;
      double err = test_check_grad (g, c->loss_node, i, 1e-2, 64);
      g_test_message ("%s: d loss / d %s: max rel err %.2e", what,
                      n->label ? n->label : "input", err);
      g_assert_cmpfloat (err, <, 2e-3);
      checked++;
    }
  g_assert_cmpint (checked, >=, 2);
}

/* ---- Embedding ---------------------------------------------------------- */

/* NOT_ZERO is a step function: its gradient is zero away from 0, which
 * central differences confirm on values away from 0 (another path keeps
 * the checked gradient from being zero everywhere). */
static void
test_not_zero_op (void)
{
  Fx fx;
  fx_init (&fx, 2);
  int shape[] = { 6 };
  int x = param (&fx, 1, shape, 0.5f, 2.0f);
  int y = op1 (&fx, NN_OP_NOT_ZERO, x);
  int sum = op2 (&fx, NN_OP_ADD, y, x);
  int loss = probe_loss (&fx, sum, 1, shape, NULL);
  alloc (&fx, 2);
  NnNode *xn = node (&fx, x);
  fill_away (&fx, xn->value, xn->size, 0.5f, 2.0f);
  xn->value[3] = 0.0f;
  nn_graph_forward (fx.g);
  for (size_t i = 0; i < xn->size; i++)
    g_assert_cmpfloat (node (&fx, y)->value[i], ==, xn->value[i] != 0.0f ? 1.0f : 0.0f);
  xn->value[3] = 1.0f;
  assert_grad_ok (&fx, loss, x, 1e-2, "not_zero");
  fx_clear (&fx);
}

static void
test_embedding_op (void)
{
  Fx fx;
  fx_init (&fx, 1);
  int ids_shape[] = { 5 }, w_shape[] = { 6, 4 }, y_shape[] = { 5, 4 };
  int ids = input (&fx, 1, ids_shape, 0);
  int w = param (&fx, 2, w_shape, -1.0f, 1.0f);
  int y = op2 (&fx, NN_OP_EMBEDDING, ids, w);
  int loss = probe_loss (&fx, y, 2, y_shape, NULL);
  alloc (&fx, 2);
  /* ids 3 twice (its row's gradient adds up), out of range 6, -1 and
   * 2.5 (not a whole number): zero vectors, no gradient, counted */
  static const float v[] = { 3, 0, 5, 3, 6,   1, -1, 2.5f, 4, 3 };
  memcpy (node (&fx, ids)->value, v, sizeof v);
  nn_graph_forward (fx.g);
  NnNode *yn = node (&fx, y), *wn = node (&fx, w);
  g_assert_cmpint (yn->ip[NN_EMBED_BAD], ==, 3);
  for (int i = 0; i < 10; i++)
    for (int k = 0; k < 4; k++)
      {
        long r = (v[i] >= 0 && v[i] < 6 && v[i] == floorf (v[i])) ? (long) v[i] : -1;
        g_assert_cmpfloat (yn->value[i * 4 + k], ==, r < 0 ? 0.0f : wn->value[r * 4 + k]);
      }
  /* row 2 is never read: no gradient there */
  memset (wn->grad, 0, 24 * sizeof (float));
  nn_graph_backward (fx.g, loss);
  for (int k = 0; k < 4; k++)
    g_assert_cmpfloat (wn->grad[2 * 4 + k], ==, 0.0f);
  assert_grad_ok (&fx, loss, w, LINEAR_EPS, "embedding");
  fx_clear (&fx);
}

static void
test_embedding_layer (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("7", &l, "Embedding", "input_dim", "50", "output_dim", "8",
                                 "mask_zero", "true", NULL, NULL);
  NnCompiled *c = compile (m, 3, 0, NN_LOSS_NONE);
  int ndim, shape[NN_MAX_DIMS];
  g_assert_true (nn_model_get_shape (m, (NnRef) { l, 0 }, &ndim, shape));
  g_assert_cmpint (ndim, ==, 2);
  g_assert_cmpint (shape[0], ==, 7);
  g_assert_cmpint (shape[1], ==, 8);
  g_assert_cmpint (nn_model_layer_count_params (m, l), ==, 50 * 8);
  /* Keras's "uniform": U(-0.05, 0.05), not all alike */
  NnTensor view;
  g_assert_cmpstr (nn_model_layer_get_weight (m, l, 0, &view), ==, "embeddings");
  float lo = 1, hi = -1;
  for (int i = 0; i < 400; i++)
    lo = fminf (lo, view.data[i]), hi = fmaxf (hi, view.data[i]);
  g_assert_cmpfloat (lo, >=, -0.05f);
  g_assert_cmpfloat (hi, <=, 0.05f);
  g_assert_cmpfloat (hi - lo, >, 0.08f);
  /* mask_zero: the output names a mask node, ids != 0 */
  NnNode *y = out_node (c);
  g_assert_cmpint (y->mask, >=, 0);
  float *ids = in_node (c, 0)->value;
  for (int i = 0; i < 21; i++)
    ids[i] = (float) (i % 5 == 4 ? 0 : 1 + i % 7);
  nn_graph_forward (c->g);
  NnNode *mask = &c->g->nodes[y->mask];
  g_assert_cmpint (mask->ndim, ==, 2);
  for (int i = 0; i < 21; i++)
    g_assert_cmpfloat (mask->value[i], ==, i % 5 == 4 ? 0.0f : 1.0f);
  nn_compiled_free (c);

  /* the mask needs (batch, steps) ids */
  g_autoptr (NnModel) bad = chain ("4, 3", &l, "Embedding", "mask_zero", "true", NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (bad, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "mask_zero"));
}

/* A frozen Embedding (pre-trained vectors) gets no gradient and keeps its
 * weights through training; the layers after it still learn. */
static void
test_embedding_frozen (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("4", &l, "Embedding", "input_dim", "10", "output_dim", "3",
                                 NULL, "Flatten", NULL, "Dense", "units", "1",
                                 "activation", "linear", NULL, NULL);
  nn_model_layer_set_trainable (m, 1, FALSE);
  NnCompiled *c = compile (m, 2, NN_COMPILE_TRAIN, NN_LOSS_MSE);
  int frozen = 0, trained = 0;
  for (int s = 0; s < c->n_segments; s++)
    {
      NnTensor view;
      nn_model_layer_get_weight (m, 1, 0, &view);
      if (c->segments[s].value == view.data)
        frozen += !c->segments[s].trainable;
      else
        trained += c->segments[s].trainable;
    }
  g_assert_cmpint (frozen, ==, 1);
  g_assert_cmpint (trained, ==, 2);
  nn_compiled_free (c);
}

/* ---- Dense and TimeDistributed on (steps, features) --------------------- */

static void
test_dense_steps (void)
{
  int l1, l2, l3;
  g_autoptr (NnModel) seq = chain ("4, 3", &l1, "Dense", "units", "5", "activation", "tanh",
                                   NULL, NULL);
  g_autoptr (NnModel) td = chain ("4, 3", &l2, "TimeDistributed", "units", "5",
                                  "activation", "tanh", NULL, NULL);
  g_autoptr (NnModel) one = chain ("3", &l3, "Dense", "units", "5", "activation", "tanh",
                                   NULL, NULL);
  NnCompiled *cs = compile (seq, 2, 0, NN_LOSS_NONE);
  NnCompiled *ct = compile (td, 2, 0, NN_LOSS_NONE);
  NnCompiled *c1 = compile (one, 8, 0, NN_LOSS_NONE);
  g_assert_cmpint (nn_model_layer_count_params (seq, l1), ==, 3 * 5 + 5);
  g_assert_cmpint (nn_model_layer_count_params (td, l2), ==, 3 * 5 + 5);
  /* the same seed gives the same (3, 5) kernel and (5) bias */
  NnRng rng;
  nn_rng_seed (&rng, 11);
  for (int i = 0; i < 24; i++)
    {
      float x = 2.0f * nn_rng_uniform (&rng) - 1.0f;
      in_node (cs, 0)->value[i] = in_node (ct, 0)->value[i] = in_node (c1, 0)->value[i] = x;
    }
  nn_graph_forward (cs->g);
  nn_graph_forward (ct->g);
  nn_graph_forward (c1->g);
  g_assert_cmpint (out_node (cs)->ndim, ==, 3);
  g_assert_cmpint (out_node (cs)->shape[2], ==, 5);
  for (int i = 0; i < 40; i++)
    {
      g_assert_cmpfloat_with_epsilon (out_node (cs)->value[i], out_node (c1)->value[i], 1e-6);
      g_assert_cmpfloat_with_epsilon (out_node (ct)->value[i], out_node (c1)->value[i], 1e-6);
    }
  nn_compiled_free (cs);
  nn_compiled_free (ct);
  nn_compiled_free (c1);
  /* images still ask for Flatten */
  int l;
  g_autoptr (NnModel) img = chain ("4, 4, 1", &l, "Dense", NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (img, &error));
  g_assert_nonnull (strstr (error->message, "add Flatten before it"));
}

/* ---- Conv1D ------------------------------------------------------------- */

/* y[b, t, o] = bias[o] + sum_{j, c} x[b, t s + j d - pad, c] W[j, c, o] */
static void
conv1d_reference (const float *x, const float *w, const float *bias, int batch, int steps,
                  int f, int k, int s, int d, int pad, int out_len, int filters, double *y)
{
  for (int b = 0; b < batch; b++)
    for (int t = 0; t < out_len; t++)
      for (int o = 0; o < filters; o++)
        {
          double acc = bias ? bias[o] : 0;
          for (int j = 0; j < k; j++)
            {
              int at = t * s + j * d - pad;
              if (at < 0 || at >= steps)
                continue;
              for (int c = 0; c < f; c++)
                acc += (double) x[((size_t) b * steps + at) * f + c]
                       * w[((size_t) j * f + c) * filters + o];
            }
          y[((size_t) b * out_len + t) * filters + o] = acc;
        }
}

/* Conv1D's kernel_size, strides and dilation_rate as parameter strings. */
typedef struct {
  char k[8], s[8], d[8];
} ConvArgs;

static void
conv_args (ConvArgs *a, int k, int s, int d)
{
  g_snprintf (a->k, sizeof a->k, "%d", k);
  g_snprintf (a->s, sizeof a->s, "%d", s);
  g_snprintf (a->d, sizeof a->d, "%d", d);
}

static void
test_conv1d (void)
{
  static const struct {
    const char *padding;
    int k, s, d, out_len, pad;
  } cases[] = {
    { "valid", 3, 1, 1, 7, 0 },
    { "same", 3, 1, 1, 9, 1 },
    { "same", 4, 2, 1, 5, 1 },     /* total padding 3, 1 before */
    { "causal", 3, 1, 1, 9, 2 },
    { "causal", 3, 1, 2, 9, 4 },   /* dilated: (k - 1) d zeros before */
    { "valid", 2, 1, 3, 6, 0 },
    { "valid", 3, 2, 1, 4, 0 },    /* strided */
  };
  int batch = 2, steps = 9, f = 3, filters = 4;
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      ConvArgs a;
      conv_args (&a, cases[ci].k, cases[ci].s, cases[ci].d);
      int l;
      g_autoptr (NnModel) m = chain ("9, 3", &l, "Conv1D", "filters", "4", "kernel_size", a.k,
                                     "strides", a.s, "dilation_rate", a.d,
                                     "padding", cases[ci].padding, "activation", "linear",
                                     NULL, NULL);
      NnCompiled *c = compile (m, batch, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS,
                               NN_LOSS_MSE);
      int ndim, shape[NN_MAX_DIMS];
      g_assert_true (nn_model_get_shape (m, (NnRef) { l, 0 }, &ndim, shape));
      g_assert_cmpint (shape[0], ==, cases[ci].out_len);
      g_assert_cmpint (nn_model_layer_count_params (m, l), ==, cases[ci].k * f * filters
                                                                 + filters);
      NnRng rng;
      nn_rng_seed (&rng, 20 + ci);
      NnNode *x = in_node (c, 0), *t = &c->g->nodes[c->target_nodes[0]];
      for (size_t i = 0; i < x->size; i++)
        x->value[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
      for (size_t i = 0; i < t->size; i++)
        t->value[i] = 0.3f * nn_rng_uniform (&rng);
      /* a bias that is not zero, so that it is checked too */
      NnTensor kv, bv;
      nn_model_layer_get_weight (m, l, 0, &kv);
      nn_model_layer_get_weight (m, l, 1, &bv);
      for (int o = 0; o < filters; o++)
        bv.data[o] = 0.1f * (float) (o + 1);
      nn_graph_forward (c->g);
      int len = cases[ci].out_len;
      g_autofree double *want = g_new (double, (size_t) batch * len * filters);
      conv1d_reference (x->value, kv.data, bv.data, batch, steps, f, cases[ci].k, cases[ci].s,
                        cases[ci].d, cases[ci].pad, len, filters, want);
      NnNode *y = out_node (c);
      g_assert_cmpuint (y->size, ==, (size_t) batch * len * filters);
      for (size_t i = 0; i < y->size; i++)
        assert_close (y->value[i], want[i], 1e-5);
      g_autofree char *what = g_strdup_printf ("Conv1D %s k%d s%d d%d", cases[ci].padding,
                                               cases[ci].k, cases[ci].s, cases[ci].d);
      check_model_grads (c, what);
      nn_compiled_free (c);
    }
  /* the errors name the fix */
  int l;
  g_autoptr (NnModel) a = chain ("4, 2", &l, "Conv1D", "kernel_size", "3",
                                 "dilation_rate", "2", NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (a, &error));
  g_assert_nonnull (strstr (error->message, "spans 5 steps"));
  g_clear_error (&error);
  g_autoptr (NnModel) b = chain ("40", &l, "Conv1D", NULL, NULL);
  g_assert_false (nn_model_infer (b, &error));
  g_assert_nonnull (strstr (error->message, "add Embedding"));
  g_clear_error (&error);
  /* causal padding keeps any length, even shorter than the kernel */
  g_autoptr (NnModel) cz = chain ("2, 2", &l, "Conv1D", "kernel_size", "5",
                                  "padding", "causal", NULL, NULL);
  g_assert_true (nn_model_infer (cz, &error));
  g_assert_no_error (error);
}

/* ---- 1-D poolings ------------------------------------------------------- */

static void
test_pool1d (void)
{
  static const struct {
    const char *cls, *strides, *padding;
    int p, s, out_len, pad;
  } cases[] = {
    { "MaxPooling1D", "", "valid", 2, 2, 4, 0 },
    { "MaxPooling1D", "1", "valid", 3, 1, 7, 0 },
    { "MaxPooling1D", "", "same", 2, 2, 5, 0 },
    { "AveragePooling1D", "", "valid", 2, 2, 4, 0 },
    { "AveragePooling1D", "2", "same", 3, 2, 5, 1 },
  };
  int batch = 2, steps = 9, f = 3;
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      char ps[8];
      g_snprintf (ps, sizeof ps, "%d", cases[ci].p);
      int l;
      g_autoptr (NnModel) m = chain ("9, 3", &l, "Dense", "units", "3", "activation", "linear",
                                     NULL, cases[ci].cls, "pool_size", ps,
                                     "strides", cases[ci].strides,
                                     "padding", cases[ci].padding, NULL, NULL);
      NnCompiled *c = compile (m, batch, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS,
                               NN_LOSS_MSE);
      int len = cases[ci].out_len;
      int ndim, shape[NN_MAX_DIMS];
      g_assert_true (nn_model_get_shape (m, (NnRef) { l, 0 }, &ndim, shape));
      g_assert_cmpint (shape[0], ==, len);
      NnRng rng;
      nn_rng_seed (&rng, 40 + ci);
      NnNode *x = in_node (c, 0), *t = &c->g->nodes[c->target_nodes[0]];
      for (size_t i = 0; i < x->size; i++)
        x->value[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
      for (size_t i = 0; i < t->size; i++)
        t->value[i] = 0.3f * nn_rng_uniform (&rng);
      nn_graph_forward (c->g);
      /* the Dense's output is the pooling's input */
      NnNode *h = &c->g->nodes[c->call_nodes[l - 1][0]], *y = out_node (c);
      gboolean max = g_str_equal (cases[ci].cls, "MaxPooling1D");
      for (int b = 0; b < batch; b++)
        for (int o = 0; o < len; o++)
          for (int k = 0; k < f; k++)
            {
              double best = -INFINITY, sum = 0;
              int count = 0;
              for (int j = 0; j < cases[ci].p; j++)
                {
                  int at = o * cases[ci].s + j - cases[ci].pad;
                  if (at < 0 || at >= steps)
                    continue;
                  double v = h->value[((size_t) b * steps + at) * f + k];
                  best = fmax (best, v);
                  sum += v;
                  count++;
                }
              assert_close (y->value[((size_t) b * len + o) * f + k], max ? best : sum / count,
                            1e-6);
            }
      check_model_grads (c, cases[ci].cls);
      nn_compiled_free (c);
    }
}

/* ---- Embedding -> Conv1D, fused ------------------------------------------ */

/* A training graph of m with the fusion on or off (DEEPSCOPE_NO_FUSION);
 * the first compilation initializes the weights, a second one (the other
 * way) shares them. */
static NnCompiled *
compile_fusion (NnModel *m, int batch, gboolean fuse, gboolean first)
{
  if (!fuse)
    g_setenv ("DEEPSCOPE_NO_FUSION", "1", TRUE);
  NnCompiled *c = NULL;
  if (first)
    c = compile (m, batch, NN_COMPILE_TRAIN, NN_LOSS_MSE);
  else
    {
      g_autoptr (GError) error = NULL;
      NnRng rng;
      nn_rng_seed (&rng, 3);
      c = nn_compile (m, batch, NN_COMPILE_TRAIN, &rng, &error);
      g_assert_no_error (error);
    }
  g_unsetenv ("DEEPSCOPE_NO_FUSION");
  return c;
}

/* Ids in [0, vocab) with one outside it (it reads zeros), and a target. */
static void
fill_ids_target (NnCompiled *c, int vocab, guint64 seed)
{
  NnRng rng;
  nn_rng_seed (&rng, seed);
  NnNode *x = in_node (c, 0), *t = &c->g->nodes[c->target_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = (float) (nn_rng_next (&rng) % (guint64) vocab);
  x->value[x->size / 2] = (float) vocab;
  for (size_t i = 0; i < t->size; i++)
    t->value[i] = 0.5f * nn_rng_uniform (&rng);
}

static void
step_grads (NnCompiled *c)
{
  memset (c->grads, 0, sizeof (float) * c->n_grads);
  nn_graph_forward (c->g);
  nn_graph_backward (c->g, c->loss_node);
}

/* The fused op against the Embedding, reshapes and convolution it
 * replaces (outputs, loss and every weight's gradient), over the Conv1D
 * paddings, dilation and strides, with ReLU or none, with the Embedding
 * frozen; then, without ReLU, against central differences. */
static void
test_embed_conv1d (void)
{
  static const struct {
    const char *padding, *act;
    int k, s, d;
    gboolean frozen;   /* the Embedding's weights: no gradient */
  } cases[] = {
    { "valid", "relu", 3, 1, 1 },
    { "valid", "linear", 3, 1, 1 },
    { "same", "linear", 3, 1, 1 },
    { "same", "relu", 4, 2, 1 },
    { "same", "linear", 4, 2, 1 },
    { "causal", "relu", 3, 1, 2 },
    { "causal", "linear", 3, 1, 2 },
    { "valid", "linear", 2, 1, 3 },
    { "valid", "relu", 3, 2, 1 },
    { "same", "linear", 3, 1, 1, TRUE },
  };
  const int vocab = 7, batch = 3;
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      ConvArgs a;
      conv_args (&a, cases[ci].k, cases[ci].s, cases[ci].d);
      int l;
      g_autoptr (NnModel) m = chain ("9", &l, "Embedding", "input_dim", "7", "output_dim", "3",
                                     NULL, "Conv1D", "filters", "4", "kernel_size", a.k,
                                     "strides", a.s, "dilation_rate", a.d,
                                     "padding", cases[ci].padding,
                                     "activation", cases[ci].act, NULL, NULL);
      nn_model_layer_set_trainable (m, 1, !cases[ci].frozen);
      NnCompiled *cf = compile_fusion (m, batch, TRUE, TRUE);
      NnCompiled *cu = compile_fusion (m, batch, FALSE, FALSE);
      g_assert_cmpint (count_ops (cf->g, NN_OP_EMBED_CONV1D), ==, 1);
      g_assert_cmpint (count_ops (cu->g, NN_OP_EMBED_CONV1D), ==, 0);
      g_assert_cmpuint (cf->n_grads, ==, cu->n_grads);
      /* the same weights (the model's), a bias that is not zero */
      NnTensor bv;
      nn_model_layer_get_weight (m, l, 1, &bv);
      for (int o = 0; o < 4; o++)
        bv.data[o] = 0.1f * (float) (o - 1);
      fill_ids_target (cf, vocab, 40 + ci);
      fill_ids_target (cu, vocab, 40 + ci);
      step_grads (cf);
      step_grads (cu);
      NnNode *yf = out_node (cf), *yu = out_node (cu);
      g_assert_cmpuint (yf->size, ==, yu->size);
      for (size_t i = 0; i < yf->size; i++)
        assert_close (yf->value[i], yu->value[i], 1e-5);
      assert_close (cf->g->nodes[cf->loss_node].value[0], cu->g->nodes[cu->loss_node].value[0],
                    1e-5);
      float gmax = 0.0f;
      for (size_t i = 0; i < cf->n_grads; i++)
        {
          assert_close (cf->grads[i], cu->grads[i], 1e-5);
          gmax = fmaxf (gmax, fabsf (cf->grads[i]));
        }
      g_assert_cmpfloat (gmax, >, 1e-3f);
      g_autofree char *what = g_strdup_printf ("Embedding%s -> Conv1D %s %s k%d s%d d%d",
                                               cases[ci].frozen ? " (frozen)" : "",
                                               cases[ci].padding, cases[ci].act, cases[ci].k,
                                               cases[ci].s, cases[ci].d);
      /* central differences step over ReLU's kink; the ReLU cases are
       * held to the unfused graph above */
      if (g_str_equal (cases[ci].act, "linear"))
        check_model_grads (cf, what);
      nn_compiled_free (cf);
      nn_compiled_free (cu);
    }
}

/* Reshapes around the 1-D ops (sequence to image and back, so reshapes of
 * reshapes) are views in a training graph: the same outputs and gradients
 * as the copies DEEPSCOPE_NO_FUSION keeps. */
static void
test_reshape_views (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("9, 3", &l, "Conv1D", "filters", "4", "kernel_size", "3",
                                 NULL, "MaxPooling1D", NULL, "Conv1D", "filters", "2",
                                 "kernel_size", "2", "activation", "tanh", NULL, NULL);
  NnCompiled *cv = compile_fusion (m, 2, TRUE, TRUE);
  NnCompiled *cc = compile_fusion (m, 2, FALSE, FALSE);
  int views = 0, chained = 0;
  for (int i = 0; i < cv->g->n_nodes; i++)
    {
      NnNode *n = &cv->g->nodes[i];
      views += n->view;
      chained += n->view && cv->g->nodes[n->in[0]].view;
      g_assert_false (cc->g->nodes[i].view);
    }
  g_assert_cmpint (views, >=, 4);
  g_assert_cmpint (chained, >=, 1);
  NnRng rng;
  nn_rng_seed (&rng, 5);
  NnNode *xv = in_node (cv, 0), *tv = &cv->g->nodes[cv->target_nodes[0]];
  for (size_t i = 0; i < xv->size; i++)
    xv->value[i] = in_node (cc, 0)->value[i] = 2.0f * nn_rng_uniform (&rng) - 1.0f;
  for (size_t i = 0; i < tv->size; i++)
    tv->value[i] = cc->g->nodes[cc->target_nodes[0]].value[i] = nn_rng_uniform (&rng);
  step_grads (cv);
  step_grads (cc);
  for (size_t i = 0; i < out_node (cv)->size; i++)
    assert_close (out_node (cv)->value[i], out_node (cc)->value[i], 1e-6);
  for (size_t i = 0; i < cv->n_grads; i++)
    assert_close (cv->grads[i], cc->grads[i], 1e-6);
  nn_compiled_free (cv);
  nn_compiled_free (cc);
}

/* No fusion where the Embedding's output is masked, or read by the
 * inspectors (an inference graph keeps every layer's output). */
static void
test_embed_conv1d_fallback (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("9", &l, "Embedding", "input_dim", "7", "output_dim", "3",
                                 "mask_zero", "true", NULL, "Conv1D", "filters", "2",
                                 "kernel_size", "3", NULL, NULL);
  NnCompiled *c = compile_fusion (m, 2, TRUE, TRUE);
  g_assert_cmpint (count_ops (c->g, NN_OP_EMBED_CONV1D), ==, 0);
  g_assert_cmpint (count_ops (c->g, NN_OP_EMBEDDING), ==, 1);
  nn_compiled_free (c);
  g_autoptr (NnModel) p = chain ("9", &l, "Embedding", "input_dim", "7", "output_dim", "3",
                                 NULL, "Conv1D", "filters", "2", "kernel_size", "3", NULL, NULL);
  c = compile (p, 2, 0, NN_LOSS_MSE);
  g_assert_cmpint (count_ops (c->g, NN_OP_EMBED_CONV1D), ==, 0);
  nn_compiled_free (c);
}

/* ---- masking end to end ------------------------------------------------- */

/* Two sequences of ids, lengths 3 and 5, post-padded with 0 to 5 steps. */
static const float seq_a[] = { 4, 1, 7 }, seq_b[] = { 2, 9, 3, 3, 5 };

/* Sets the model's only input: the padded batch (padded) or one sequence
 * (which 0 or 1) at its own length. */
static void
feed (NnCompiled *c, int padded, int which)
{
  float *v = in_node (c, 0)->value;
  if (padded)
    {
      memset (v, 0, 10 * sizeof (float));
      memcpy (v, seq_a, sizeof seq_a);
      memcpy (v + 5, seq_b, sizeof seq_b);
    }
  else if (which == 0)
    memcpy (v, seq_a, sizeof seq_a);
  else
    memcpy (v, seq_b, sizeof seq_b);
}

/* Embedding(mask_zero) -> Dense(tanh) -> pool -> Dense(1, sigmoid):
 * the padded batch's outputs equal each sequence run alone at its own
 * length, and the loss's gradients those runs' mean. */
static void
test_mask_global_pool (void)
{
  const char *pools[] = { "GlobalAveragePooling1D", "GlobalMaxPooling1D" };
  for (guint pi = 0; pi < G_N_ELEMENTS (pools); pi++)
    {
      NnModel *ms[3];
      NnCompiled *cs[3];
      static const char *const lens[] = { "5", "3", "5" };
      for (int k = 0; k < 3; k++)
        {
          int l;
          ms[k] = chain (lens[k], &l, "Embedding", "input_dim", "10", "output_dim", "4",
                         "mask_zero", "true", NULL, "Dense", "units", "6",
                         "activation", "tanh", NULL, pools[pi], NULL, "Dense", "units", "1",
                         "activation", "sigmoid", NULL, NULL);
          cs[k] = compile (ms[k], k == 0 ? 2 : 1, NN_COMPILE_TRAIN, NN_LOSS_BINARY_CROSSENTROPY);
          if (k > 0)
            nn_graph_set_batch (cs[k]->g, 1);
        }
      g_assert_cmpint (count_ops (cs[0]->g, NN_OP_GLOBAL_POOL1D), ==, 1);
      /* vectors well apart (Keras's U(-0.05, 0.05) scaled by 20): no two
       * steps within the difference step of the gradient check in the
       * max, whose kinks would break it */
      for (int k = 0; k < 3; k++)
        {
          NnTensor ev;
          nn_model_layer_get_weight (ms[k], 1, 0, &ev);
          for (size_t i = 0; i < ev.size; i++)
            ev.data[i] *= 20.0f;
        }
      feed (cs[0], 1, 0);
      feed (cs[1], 0, 0);
      feed (cs[2], 0, 1);
      float targets[] = { 1, 0 };
      memcpy (cs[0]->g->nodes[cs[0]->target_nodes[0]].value, targets, sizeof targets);
      cs[1]->g->nodes[cs[1]->target_nodes[0]].value[0] = targets[0];
      cs[2]->g->nodes[cs[2]->target_nodes[0]].value[0] = targets[1];
      double want_grad[1024] = { 0 };
      size_t n_grads = cs[0]->n_grads;
      g_assert_cmpuint (n_grads, <=, 1024);
      for (int k = 0; k < 3; k++)
        {
          memset (cs[k]->grads, 0, cs[k]->n_grads * sizeof (float));
          nn_graph_forward (cs[k]->g);
          nn_graph_backward (cs[k]->g, cs[k]->loss_node);
          if (k > 0)
            for (size_t i = 0; i < n_grads; i++)
              want_grad[i] += 0.5 * cs[k]->grads[i];
        }
      /* outputs: the padded batch's rows are the lone runs' */
      assert_close (out_node (cs[0])->value[0], out_node (cs[1])->value[0], 1e-6);
      assert_close (out_node (cs[0])->value[1], out_node (cs[2])->value[0], 1e-6);
      /* the loss is the mean of the two, and so are the gradients */
      double la = cs[1]->g->nodes[cs[1]->loss_node].value[0];
      double lb = cs[2]->g->nodes[cs[2]->loss_node].value[0];
      assert_close (cs[0]->g->nodes[cs[0]->loss_node].value[0], 0.5 * (la + lb), 1e-5);
      double gmax = 0;
      for (size_t i = 0; i < n_grads; i++)
        {
          assert_close (cs[0]->grads[i], want_grad[i], 1e-4);
          gmax = fmax (gmax, fabs (want_grad[i]));
        }
      g_assert_cmpfloat (gmax, >, 1e-4);
      g_test_message ("%s: padded loss %.6f = (%.6f + %.6f) / 2", pools[pi],
                      cs[0]->g->nodes[cs[0]->loss_node].value[0], la, lb);
      check_model_grads (cs[0], pools[pi]);
      for (int k = 0; k < 3; k++)
        {
          nn_compiled_free (cs[k]);
          nn_model_free (ms[k]);
        }
    }
}

/* A sequence output (Embedding(mask_zero) -> Dense(3, softmax) on every
 * step, or TimeDistributed): padded steps count neither in the loss nor in
 * its mean: the padded batch's loss is the lone runs' losses weighted by
 * their lengths, 3 and 5 steps of 8; so are the gradients. */
static void
test_mask_loss (void)
{
  static const NnLoss losses[] = { NN_LOSS_CATEGORICAL_CROSSENTROPY, NN_LOSS_MSE,
                                   NN_LOSS_BINARY_CROSSENTROPY, NN_LOSS_MAE,
                                   NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
                                   NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY };
  static const char *const cls[] = { "Dense", "TimeDistributed" };
  for (guint li = 0; li < G_N_ELEMENTS (losses); li++)
    {
      NnModel *ms[3];
      NnCompiled *cs[3];
      static const char *const lens[] = { "5", "3", "5" };
      gboolean sparse = losses[li] == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
      int tw = sparse ? 1 : 3;   /* target values per step */
      const char *act = losses[li] == NN_LOSS_CATEGORICAL_CROSSENTROPY || sparse ? "softmax"
                        : losses[li] == NN_LOSS_BINARY_CROSSENTROPY ? "sigmoid" : "linear";
      for (int k = 0; k < 3; k++)
        {
          int l;
          ms[k] = chain (lens[k], &l, "Embedding", "input_dim", "10", "output_dim", "4",
                         "mask_zero", "true", NULL, cls[li % 2], "units", "3",
                         "activation", act, NULL, NULL);
          cs[k] = compile (ms[k], k == 0 ? 2 : 1, NN_COMPILE_TRAIN, losses[li]);
          if (k > 0)
            nn_graph_set_batch (cs[k]->g, 1);
        }
      g_assert_cmpint (count_ops (cs[0]->g, NN_OP_MASKED_LOSS), ==, 1);
      feed (cs[0], 1, 0);
      feed (cs[1], 0, 0);
      feed (cs[2], 0, 1);
      /* targets: one-hot rows (sparse: class numbers); padded steps get
       * targets far from anything, or a class (they must not matter) */
      NnNode *t0 = &cs[0]->g->nodes[cs[0]->target_nodes[0]];
      g_assert_cmpuint (t0->size, ==, (size_t) 10 * tw);
      for (int s = 0; s < 10; s++)
        for (int j = 0; j < tw; j++)
          t0->value[s * tw + j] = sparse ? (float) ((s * 7) % 3)
                                  : (s == 3 || s == 4) ? 50.0f : (float) (j == (s * 7) % 3);
      memcpy (cs[1]->g->nodes[cs[1]->target_nodes[0]].value, t0->value,
              3 * tw * sizeof (float));
      memcpy (cs[2]->g->nodes[cs[2]->target_nodes[0]].value, t0->value + 5 * tw,
              5 * tw * sizeof (float));
      double want_grad[1024] = { 0 };
      size_t n_grads = cs[0]->n_grads;
      g_assert_cmpuint (n_grads, <=, 1024);
      double w[] = { 0, 3.0 / 8, 5.0 / 8 }, want_loss = 0;
      for (int k = 0; k < 3; k++)
        {
          memset (cs[k]->grads, 0, cs[k]->n_grads * sizeof (float));
          nn_graph_forward (cs[k]->g);
          nn_graph_backward (cs[k]->g, cs[k]->loss_node);
          want_loss += w[k] * cs[k]->g->nodes[cs[k]->loss_node].value[0];
          for (size_t i = 0; k > 0 && i < n_grads; i++)
            want_grad[i] += w[k] * cs[k]->grads[i];
        }
      double got = cs[0]->g->nodes[cs[0]->loss_node].value[0];
      g_test_message ("masked %s%s loss %.6f, lone runs weighted %.6f", act,
                      sparse ? " (sparse targets)" : "", got, want_loss);
      assert_close (got, want_loss, 1e-5);
      for (size_t i = 0; i < n_grads; i++)
        assert_close (cs[0]->grads[i], want_grad[i], sparse ? 1e-5 : 1e-4);
      /* the real steps' outputs are the lone runs' */
      for (int j = 0; j < 9; j++)
        assert_close (out_node (cs[0])->value[j], out_node (cs[1])->value[j], 1e-6);
      /* MAE's kink at p = t lies within the difference step of targets at
       * 0 (predictions start near 0): its gradient is checked above only */
      if (losses[li] != NN_LOSS_MAE)
        check_model_grads (cs[0], "masked loss");
      for (int k = 0; k < 3; k++)
        {
          nn_compiled_free (cs[k]);
          nn_model_free (ms[k]);
        }
    }
}

/* Sparse targets on a masked sequence output: the accuracy counts real
 * steps only, each once (padded steps get targets the model misses). */
static void
test_mask_sparse_metric (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("5", &l, "Embedding", "input_dim", "10", "output_dim", "4",
                                 "mask_zero", "true", NULL, "Dense", "units", "3",
                                 "activation", "softmax", NULL, NULL);
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { l, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       &acc, 1);
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_init_weights (m, 5, &error));
  g_autoptr (NnDataset) ds = nn_dataset_alloc ("padded", 1, 1);
  int shape[1] = { 5 };
  ds->inputs[0] = nn_array_new ("ids", NN_DTYPE_F32, 1, shape, 2, &error);
  ds->targets[0] = nn_array_new ("next", NN_DTYPE_F32, 1, shape, 2, &error);
  g_assert_no_error (error);
  ds->n = 2;
  ds->n_classes = 3;
  const float ids[10] = { 1, 2, 3, 0, 0, 4, 5, 6, 7, 8 };
  memcpy (ds->inputs[0]->data, ids, sizeof ids);
  nn_dataset_split_tail (ds, 2);
  NnTensor *in = nn_tensor_new (2, (int[]) { 2, 5 });
  memcpy (in->data, ids, sizeof ids);
  g_autoptr (NnTensor) p = nn_model_run (m, &in, 1, (NnRef) { l, 0 }, &error);
  g_assert_no_error (error);
  nn_tensor_free (in);
  /* real steps: the predicted class at even steps, another at odd ones
   * (4 of 8 right); padded steps: never the prediction */
  float *t = ds->targets[0]->data;
  for (int s = 0; s < 10; s++)
    {
      const float *row = p->data + s * 3;
      int best = row[1] > row[0] ? 1 : 0;
      best = row[2] > row[best] ? 2 : best;
      gboolean padded = ids[s] == 0;
      t[s] = (float) (!padded && s % 2 == 0 ? best : (best + 1) % 3);
    }
  NnScores sc = { 0 };
  nn_scores_clear (&sc);
  g_assert_true (nn_model_evaluate (m, ds, NULL, 0, 2, &sc, &error));
  g_assert_no_error (error);
  gboolean found = FALSE;
  double a = nn_scores_get (&sc, "accuracy", &found);
  g_assert_true (found);
  g_test_message ("masked sparse accuracy %.4f (4 of 8 real steps)", a);
  assert_close (a, 4.0 / 8.0, 1e-9);
  nn_scores_clear (&sc);
}

/* Without a mask, a sequence output keeps the plain loss op. */
static void
test_unmasked_loss (void)
{
  int l;
  g_autoptr (NnModel) m = chain ("5", &l, "Embedding", "input_dim", "10", "output_dim", "4",
                                 NULL, "Dense", "units", "2", "activation", "linear", NULL,
                                 NULL);
  NnCompiled *c = compile (m, 2, NN_COMPILE_TRAIN, NN_LOSS_MSE);
  g_assert_cmpint (count_ops (c->g, NN_OP_MASKED_LOSS), ==, 0);
  g_assert_cmpint (count_ops (c->g, NN_OP_MSE), ==, 1);
  nn_compiled_free (c);
}

/* Every sequence op of the table went through a gradient check above.
 * Runs last. */
static void
test_grad_coverage (void)
{
  if (subset)
    {
      g_test_skip ("only some tests ran: the coverage check needs them all");
      return;
    }
  test_assert_grad_checked (NN_OP_EMBEDDING, NN_OP_MASKED_LOSS + 1);
  test_assert_grad_checked (NN_OP_EMBED_CONV1D, NN_OP_EMBED_CONV1D + 1);
}

int
main (int argc, char **argv)
{
  subset = test_args_select (argc, argv);
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/seq/not-zero", test_not_zero_op);
  g_test_add_func ("/engine/seq/embedding/op", test_embedding_op);
  g_test_add_func ("/engine/seq/embedding/layer", test_embedding_layer);
  g_test_add_func ("/engine/seq/embedding/frozen", test_embedding_frozen);
  g_test_add_func ("/engine/seq/dense-steps", test_dense_steps);
  g_test_add_func ("/engine/seq/conv1d", test_conv1d);
  g_test_add_func ("/engine/seq/pool1d", test_pool1d);
  g_test_add_func ("/engine/seq/embed-conv1d/fused", test_embed_conv1d);
  g_test_add_func ("/engine/seq/embed-conv1d/fallback", test_embed_conv1d_fallback);
  g_test_add_func ("/engine/seq/reshape-views", test_reshape_views);
  g_test_add_func ("/engine/seq/mask/global-pool", test_mask_global_pool);
  g_test_add_func ("/engine/seq/mask/loss", test_mask_loss);
  g_test_add_func ("/engine/seq/mask/unmasked-loss", test_unmasked_loss);
  g_test_add_func ("/engine/seq/mask/sparse-metric", test_mask_sparse_metric);
  g_test_add_func ("/engine/seq/coverage/grad-checks", test_grad_coverage);
  return g_test_run ();
}
