/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Buffer reuse in inference graphs: a chain needs less than the sum of its
 * nodes, results are bit for bit those of separate buffers (the convnet
 * samples, every layer through nn_model_run), training graphs unchanged. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-model-private.h"

#define CHAIN 8
#define WIDTH 96
#define BATCH 5
/* an intermediate node marked keep */
#define MID 6

static size_t
sum_of_values (NnGraph *g)
{
  size_t s = 0;
  for (int i = 0; i < g->n_nodes; i++)
    if (!g->nodes[i].external)
      s += g->nodes[i].capacity;
  return s;
}

/* x -> (scale, tanh) x CHAIN: each value dies at the next node. */
static NnGraph *
chain_graph (int share, int *out)
{
  NnGraph *g = nn_graph_new ();
  int shape[1] = { WIDTH };
  int x = nn_graph_add_input (g, 1, shape, 1);
  int prev = x;
  for (int k = 0; k < CHAIN; k++)
    {
      int s = nn_graph_add (g, NN_OP_SCALE, &prev, 1);
      g->nodes[s].fp[0] = 1.5f + 0.1f * (float) k;
      prev = nn_graph_add (g, NN_OP_TANH, &s, 1);
    }
  g->nodes[prev].keep = 1;
  g->nodes[MID].keep = 1;
  *out = prev;
  g->share_buffers = share;
  g_assert_true (nn_graph_alloc (g, BATCH));
  NnNode *in = &g->nodes[x];
  for (size_t i = 0; i < in->size; i++)
    in->value[i] = (float) ((double) (i % 17) / 8.0 - 1.0);
  return g;
}

static gboolean
overlap (const NnNode *a, const NnNode *b)
{
  return a->value < b->value + b->capacity && b->value < a->value + a->capacity;
}

static void
test_chain_smaller (void)
{
  int out, out0;
  NnGraph *g = chain_graph (1, &out);
  NnGraph *g0 = chain_graph (0, &out0);
  g_assert_true (g->shared);
  g_assert_false (g0->shared);
  size_t one = (size_t) BATCH * WIDTH;
  g_assert_cmpuint (sum_of_values (g), ==, (size_t) (2 * CHAIN + 1) * one);
  /* the input, the kept output and at most two live intermediates */
  g_assert_cmpuint (g->value_arena_size, <, sum_of_values (g) / 3);
  g_assert_cmpuint (g0->value_arena_size, >=, sum_of_values (g0));
  /* no op writes over its input; the input and kept nodes never share */
  for (int i = 1; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      g_assert_false (overlap (n, &g->nodes[n->in[0]]));
      g_assert_false (overlap (n, &g->nodes[0]));
      if (i > MID)
        g_assert_false (overlap (n, &g->nodes[MID]));
    }
  /* forward_to leaves every node right at the moment it is the last one */
  for (int last = 1; last < g->n_nodes; last++)
    {
      nn_graph_forward_to (g, last);
      nn_graph_forward_to (g0, last);
      g_assert_cmpmem (g->nodes[last].value, one * sizeof (float), g0->nodes[last].value,
                       one * sizeof (float));
    }
  nn_graph_forward (g);
  nn_graph_forward (g0);
  g_assert_cmpmem (g->nodes[out].value, one * sizeof (float), g0->nodes[out0].value,
                   one * sizeof (float));
  /* the kept intermediate survives the whole forward */
  nn_graph_forward_to (g0, MID);
  g_assert_cmpmem (g->nodes[MID].value, one * sizeof (float), g0->nodes[MID].value,
                   one * sizeof (float));
  /* the input survives the forward (the caller wrote it) */
  g_assert_cmpfloat (g->nodes[0].value[17], ==, -1.0f);
  nn_graph_free (g);
  nn_graph_free (g0);
}

/* A gradient anywhere switches sharing off, whatever the flag says. */
static void
test_grad_graph_not_shared (void)
{
  NnGraph *g = nn_graph_new ();
  int shape[1] = { WIDTH };
  int x = nn_graph_add_input (g, 1, shape, 1);
  g->nodes[x].needs_grad = 1;
  int prev = x;
  for (int k = 0; k < CHAIN; k++)
    prev = nn_graph_add (g, NN_OP_TANH, &prev, 1);
  g->share_buffers = 1;
  g_assert_true (nn_graph_alloc (g, BATCH));
  g_assert_false (g->shared);
  g_assert_cmpuint (g->value_arena_size, >=, sum_of_values (g));
  for (int i = 1; i < g->n_nodes; i++)
    for (int j = 0; j < i; j++)
      g_assert_false (overlap (&g->nodes[i], &g->nodes[j]));
  nn_graph_free (g);
}

static NnModel *
load_sample (const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SAMPLES");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 7, &error));
  g_assert_no_error (error);
  return m;
}

static void
fill_input (NnCompiled *c)
{
  NnNode *in = &c->g->nodes[c->input_nodes[0]];
  NnRng rng;
  nn_rng_seed (&rng, 11);
  for (size_t i = 0; i < in->size; i++)
    in->value[i] = (float) nn_rng_uniform (&rng);
}

/* Inference on a compiled sample with and without reuse: same bits. */
static void
check_sample_compiled (const char *name)
{
  g_autoptr (NnModel) m = load_sample (name);
  g_autoptr (GError) error = NULL;
  NnCompiled *c = nn_compile (m, BATCH, 0, NULL, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  g_assert_true (g->shared);
  size_t shared_size = g->value_arena_size;
  g_assert_cmpuint (shared_size, <, sum_of_values (g));
  NnNode *out = &g->nodes[c->output_nodes[0]];
  fill_input (c);
  nn_graph_forward (g);
  g_autofree float *with = g_memdup2 (out->value, out->size * sizeof (float));
  g->share_buffers = 0;
  g_assert_true (nn_graph_alloc (g, BATCH));
  g_assert_false (g->shared);
  g_assert_cmpuint (g->value_arena_size, >, shared_size);
  fill_input (c);
  nn_graph_forward (g);
  g_assert_cmpmem (with, out->size * sizeof (float), out->value, out->size * sizeof (float));
  nn_compiled_free (c);
}

/* Every layer's output through nn_model_run (which forwards to that node
 * only), with reuse and with DEEPSCOPE_NO_BUFFER_REUSE: same bits. */
static void
check_sample_run (const char *name)
{
  g_autoptr (NnModel) m = load_sample (name);
  g_autoptr (GError) error = NULL;
  NnCompiled *c = nn_compile (m, 1, 0, NULL, &error);
  g_assert_no_error (error);
  NnNode *in = &c->g->nodes[c->input_nodes[0]];
  int shape[NN_MAX_DIMS] = { BATCH };
  memcpy (shape + 1, in->shape + 1, sizeof (int) * (size_t) (in->ndim - 1));
  g_autoptr (NnTensor) x = nn_tensor_new (in->ndim, shape);
  nn_compiled_free (c);
  NnRng rng;
  nn_rng_seed (&rng, 5);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = (float) nn_rng_uniform (&rng);
  int checked = 0;
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    for (int k = 0; k < nn_model_layer_get_n_calls (m, l); k++)
      {
        NnRef ref = { l, k };
        g_unsetenv ("DEEPSCOPE_NO_BUFFER_REUSE");
        g_autoptr (NnTensor) a = nn_model_run (m, &x, 1, ref, &error);
        g_assert_no_error (error);
        g_setenv ("DEEPSCOPE_NO_BUFFER_REUSE", "1", TRUE);
        g_autoptr (NnTensor) b = nn_model_run (m, &x, 1, ref, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (a->size, ==, b->size);
        g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
        checked++;
      }
  g_unsetenv ("DEEPSCOPE_NO_BUFFER_REUSE");
  g_assert_cmpint (checked, >, 3);
}

static void
test_convnet_identical (void)
{
  check_sample_compiled ("fashion_convnet.json");
  check_sample_run ("fashion_convnet.json");
}

static void
test_convnet_bn_identical (void)
{
  check_sample_compiled ("fashion_convnet_bn.json");
  check_sample_run ("fashion_convnet_bn.json");
}

/* Inference runs a slice of 128 samples at a time whatever the batch:
 * 300 images in one call (slices of 128, 128, 44) give each image the
 * outputs it gets alone. */
static void
test_inference_slices (void)
{
  g_autoptr (NnModel) m = load_sample ("fashion_convnet.json");
  g_autoptr (GError) error = NULL;
  const int n = 300;
  int shape[4] = { n, 28, 28, 1 }, one[4] = { 1, 28, 28, 1 };
  g_autoptr (NnTensor) x = nn_tensor_new (4, shape);
  NnRng rng;
  nn_rng_seed (&rng, 9);
  for (size_t i = 0; i < x->size; i++)
    x->data[i] = (float) nn_rng_uniform (&rng);
  NnRef out = nn_model_get_output (m, 0);
  g_autoptr (NnTensor) all = nn_model_run (m, &x, 1, out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (all->shape[0], ==, n);
  size_t per = all->size / (size_t) n, img = 28 * 28;
  double worst = 0;
  for (int i = 0; i < n; i += 7)
    {
      g_autoptr (NnTensor) xi = nn_tensor_new (4, one);
      memcpy (xi->data, x->data + (size_t) i * img, img * sizeof (float));
      g_autoptr (NnTensor) yi = nn_model_run (m, &xi, 1, out, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (yi->size, ==, per);
      for (size_t k = 0; k < per; k++)
        worst = MAX (worst, fabs ((double) yi->data[k] - all->data[(size_t) i * per + k]));
    }
  g_test_message ("300 images at once against one at a time: worst difference %.2e", worst);
  g_assert_cmpfloat (worst, <, 1e-6);
}

/* Training (and input-gradient) graphs keep one buffer per node. */
static void
test_training_unchanged (void)
{
  g_autoptr (NnModel) m = load_sample ("fashion_convnet.json");
  g_autoptr (GError) error = NULL;
  int flags[2] = { NN_COMPILE_TRAIN, NN_COMPILE_INPUT_GRADS };
  for (int f = 0; f < 2; f++)
    {
      NnRng rng;
      nn_rng_seed (&rng, 1);
      NnCompiled *c = nn_compile (m, BATCH, flags[f], &rng, &error);
      g_assert_no_error (error);
      NnGraph *g = c->g;
      g_assert_false (g->share_buffers);
      g_assert_false (g->shared);
      g_assert_cmpuint (g->value_arena_size, >=, sum_of_values (g));
      for (int i = 1; i < g->n_nodes; i++)
        for (int j = 0; j < i; j++)
          if (!g->nodes[i].external && !g->nodes[j].external)
            g_assert_false (overlap (&g->nodes[i], &g->nodes[j]));
      nn_compiled_free (c);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/graph-mem/chain-smaller", test_chain_smaller);
  g_test_add_func ("/engine/graph-mem/grad-graph-not-shared", test_grad_graph_not_shared);
  g_test_add_func ("/engine/graph-mem/convnet-identical", test_convnet_identical);
  g_test_add_func ("/engine/graph-mem/convnet-bn-identical", test_convnet_bn_identical);
  g_test_add_func ("/engine/graph-mem/training-unchanged", test_training_unchanged);
  g_test_add_func ("/engine/graph-mem/inference-slices", test_inference_slices);
  return g_test_run ();
}
