/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Buffer reuse in inference graphs: a chain needs less than the sum of its
 * nodes, results are bit for bit those of separate buffers (the convnet
 * samples, every layer through nn_model_run), training graphs unchanged. */
#include <math.h>
#include <string.h>
#include <unistd.h>

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
    if (!g->nodes[i].external && !g->nodes[i].view)
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

/* Training (and input-gradient) graphs keep one buffer per node; in a
 * training graph a reshape is a view, its input's bytes. */
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
      int views = 0;
      for (int i = 0; i < g->n_nodes; i++)
        if (g->nodes[i].view)
          {
            NnNode *x = &g->nodes[g->nodes[i].in[0]];
            g_assert_true (g->nodes[i].value == x->value && g->nodes[i].grad == x->grad);
            views++;
          }
      /* the Flatten */
      g_assert_cmpint (views, ==, flags[f] == NN_COMPILE_TRAIN ? 1 : 0);
      for (int i = 1; i < g->n_nodes; i++)
        for (int j = 0; j < i; j++)
          if (!g->nodes[i].external && !g->nodes[j].external && !g->nodes[i].view
              && !g->nodes[j].view)
            g_assert_false (overlap (&g->nodes[i], &g->nodes[j]));
      nn_compiled_free (c);
    }
}

/* ---- the memory limit ------------------------------------------------------ */

#define GIB ((guint64) 1 << 30)

static int
add_layer (NnModel *m, const char *cls, const char *name, const char *param, const char *value)
{
  g_autoptr (GError) error = NULL;
  int i = nn_model_add_layer (m, cls, name, &error);
  g_assert_no_error (error);
  if (param)
    {
      g_assert_true (nn_model_layer_set_param (m, i, param, value, &error));
      g_assert_no_error (error);
    }
  return i;
}

static void
chain (NnModel *m, int src, int dst)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_connect (m, (NnRef) { src, 0 }, dst, -1, &error));
  g_assert_no_error (error);
}

/* Input (65536) -> Dense (65536) -> Dense (65536): 16 GiB of weights per
 * Dense. */
static NnModel *
huge_dense_model (void)
{
  NnModel *m = nn_model_new ("huge");
  int in = add_layer (m, "Input", NULL, "shape", "65536");
  int d1 = add_layer (m, "Dense", "dense_1", "units", "65536");
  int d2 = add_layer (m, "Dense", "dense_2", "units", "65536");
  chain (m, in, d1);
  chain (m, d1, d2);
  return m;
}

/* The 65536-unit model is refused by shape inference, on the layer that
 * goes over the limit, before anything is allocated; compile and weight
 * initialisation return the same error. The limit comes from
 * nn_set_memory_limit, else DEEPSCOPE_MEMORY_LIMIT, else half of the
 * machine's memory. */
static void
test_huge_dense_refused (void)
{
  g_autoptr (GError) error = NULL;
  g_unsetenv ("DEEPSCOPE_MEMORY_LIMIT");
  nn_set_memory_limit (0);
  guint64 phys = (guint64) sysconf (_SC_PHYS_PAGES) * (guint64) sysconf (_SC_PAGE_SIZE);
  g_assert_cmpuint (nn_get_memory_limit (), ==, phys / 2);

  g_autoptr (NnModel) m = huge_dense_model ();
  int d1 = nn_model_find_layer (m, "dense_1"), d2 = nn_model_find_layer (m, "dense_2");
  if (phys / 2 < 32 * GIB)
    {
      /* the default limit: this machine cannot hold both layers */
      g_assert_false (nn_model_infer (m, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
      g_test_message ("default limit: %s", error->message);
      g_assert_nonnull (strstr (error->message, "half of this machine's memory"));
      g_clear_error (&error);
    }

  nn_set_memory_limit (12 * GIB);
  g_assert_cmpuint (nn_get_memory_limit (), ==, 12 * GIB);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_assert_cmpstr (error->message, ==,
                   "dense_1: its weights need 16.0 GiB; the limit is 12.0 GiB (set by "
                   "nn_set_memory_limit); use fewer units");
  g_assert_nonnull (nn_model_layer_get_error (m, d1));
  g_assert_null (nn_model_layer_get_error (m, d2));
  g_clear_error (&error);
  g_assert_false (nn_model_init_weights (m, 1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_clear_error (&error);
  g_assert_false (nn_model_has_weights (m));
  NnRng rng;
  nn_rng_seed (&rng, 1);
  g_assert_null (nn_compile (m, 32, NN_COMPILE_TRAIN, &rng, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_assert_true (g_str_has_prefix (error->message, "dense_1: "));
  g_clear_error (&error);

  /* 20 GiB holds dense_1 but not both: the error is on dense_2. */
  nn_set_memory_limit (20 * GIB);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_assert_cmpstr (error->message, ==,
                   "dense_2: its weights (16.0 GiB) bring the model's to 32.0 GiB; the limit is "
                   "20.0 GiB (set by nn_set_memory_limit); use fewer units");
  g_assert_null (nn_model_layer_get_error (m, d1));
  g_assert_nonnull (nn_model_layer_get_error (m, d2));
  g_clear_error (&error);

  /* The environment variable, when no limit is set. */
  nn_set_memory_limit (0);
  g_setenv ("DEEPSCOPE_MEMORY_LIMIT", "2G", TRUE);
  g_assert_cmpuint (nn_get_memory_limit (), ==, 2 * GIB);
  g_assert_false (nn_model_infer (m, &error));
  g_assert_nonnull (strstr (error->message, "the limit is 2.0 GiB (DEEPSCOPE_MEMORY_LIMIT)"));
  g_clear_error (&error);
  g_setenv ("DEEPSCOPE_MEMORY_LIMIT", "1.5GiB", TRUE);
  g_assert_cmpuint (nn_get_memory_limit (), ==, 3 * GIB / 2);
  g_setenv ("DEEPSCOPE_MEMORY_LIMIT", "512M", TRUE);
  g_assert_cmpuint (nn_get_memory_limit (), ==, 512u << 20);
  g_setenv ("DEEPSCOPE_MEMORY_LIMIT", "lots", TRUE);
  g_assert_cmpuint (nn_get_memory_limit (), ==, phys / 2);
  g_unsetenv ("DEEPSCOPE_MEMORY_LIMIT");
  guint64 v = 0;
  g_assert_true (nn_parse_bytes ("1048576", &v));
  g_assert_cmpuint (v, ==, 1048576);
  g_assert_true (nn_parse_bytes ("300k", &v));
  g_assert_cmpuint (v, ==, 300 * 1024);
  g_assert_false (nn_parse_bytes ("0", &v));
  g_assert_false (nn_parse_bytes ("-2G", &v));
  g_assert_false (nn_parse_bytes ("2Q", &v));
  g_assert_false (nn_parse_bytes ("99999999T", &v));
}

/* Input (64) -> Dense (256, relu) -> Dense (10, softmax), Adam. */
static NnModel *
small_model (void)
{
  NnModel *m = nn_model_new ("small");
  int in = add_layer (m, "Input", NULL, "shape", "64");
  int h = add_layer (m, "Dense", "hidden", "units", "256");
  int o = add_layer (m, "Dense", "classes", "units", "10");
  g_autoptr (GError) error = NULL;
  g_assert_true (nn_model_layer_set_param (m, o, "activation", "softmax", &error));
  chain (m, in, h);
  chain (m, h, o);
  nn_optimizer_config_init (nn_model_get_optimizer (m), NN_OPT_ADAM);
  return m;
}

static guint64
arena_bytes (size_t floats)
{
  return ((guint64) floats * sizeof (float) + 63) / 64 * 64;
}

/* What nn_compile counts against the limit: weights, gradients and the
 * optimizer's moments (Adam: two), then the graph's three arenas. */
static guint64
compiled_bytes (NnCompiled *c, gboolean adam)
{
  gint64 params = nn_model_count_params (c->model, NULL, NULL);
  return (guint64) params * 4 + (guint64) c->n_grads * 4 * (c->training ? (adam ? 3 : 2) : 0)
         + arena_bytes (c->g->value_arena_size) + arena_bytes (c->g->grad_arena_size)
         + arena_bytes (c->g->aux_arena_size);
}

/* A limit of exactly what a compiled model needs compiles it; one byte
 * less fails with a GError on a layer, for training and inference graphs;
 * a limit below the weights, gradients and moments fails before the graph
 * is sized. */
static void
test_limit_at_compile (void)
{
  const int flags[2] = { NN_COMPILE_TRAIN, 0 };
  for (int f = 0; f < 2; f++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (NnModel) m = small_model ();
      NnRng rng;
      nn_rng_seed (&rng, 1);
      nn_set_memory_limit (G_MAXUINT64);
      NnCompiled *c = nn_compile (m, 100, flags[f], &rng, &error);
      g_assert_no_error (error);
      guint64 need = compiled_bytes (c, TRUE);
      nn_compiled_free (c);
      g_test_message ("%s graph, batch 100: %" G_GUINT64_FORMAT " bytes",
                      f == 0 ? "training" : "inference", need);

      nn_set_memory_limit (need);
      c = nn_compile (m, 100, flags[f], &rng, &error);
      g_assert_no_error (error);
      g_assert_nonnull (c);
      g_assert_cmpuint (compiled_bytes (c, TRUE), ==, need);
      nn_compiled_free (c);

      nn_set_memory_limit (need - 1);
      g_assert_null (nn_compile (m, 100, flags[f], &rng, &error));
      g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
      g_test_message ("%s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "hidden: ")
                     || g_str_has_prefix (error->message, "classes: "));
      g_assert_nonnull (strstr (error->message, "with a batch of 100"));
      g_assert_nonnull (strstr (error->message, "use a smaller batch"));
      g_clear_error (&error);
      /* a smaller batch fits again */
      c = nn_compile (m, 50, flags[f], &rng, &error);
      g_assert_no_error (error);
      g_assert_nonnull (c);
      nn_compiled_free (c);
    }

  /* Weights fit (inference checks only them) but with gradients and Adam's
   * two moments they do not: hidden holds most of them. */
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = small_model ();
  gint64 params = 0;
  nn_set_memory_limit (G_MAXUINT64);
  g_assert_true (nn_model_infer (m, &error));
  params = nn_model_count_params (m, NULL, NULL);
  nn_set_memory_limit ((guint64) params * 4 * 2);
  g_assert_true (nn_model_infer (m, &error));
  g_assert_no_error (error);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  g_assert_null (nn_compile (m, 10, NN_COMPILE_TRAIN, &rng, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "hidden: the weights with their gradients"));
  g_assert_nonnull (nn_model_layer_get_error (m, nn_model_find_layer (m, "hidden")));
  nn_set_memory_limit (0);
}

/* Sizes whose products overflow an int, or 64 bits, are refused in words
 * by shape inference instead of wrapping round. */
static void
test_overflow_refused (void)
{
  g_autoptr (GError) error = NULL;
  nn_set_memory_limit (G_MAXUINT64);

  /* 2^80 values per sample: wraps a size_t */
  g_autoptr (NnModel) a = nn_model_new ("a");
  int in = add_layer (a, "Input", "huge", "shape", "1048576, 1048576, 1048576, 1048576");
  int d = add_layer (a, "Activation", NULL, NULL, NULL);
  chain (a, in, d);
  g_assert_false (nn_model_infer (a, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "huge: Input would output "));
  g_assert_nonnull (strstr (error->message, "more than 2147483647 values per sample"));
  g_clear_error (&error);

  /* 2^32 values per sample: Flatten's int would wrap to 0 */
  g_autoptr (NnModel) b = nn_model_new ("b");
  in = add_layer (b, "Input", "wide", "shape", "65536, 65536");
  int f = add_layer (b, "Flatten", NULL, NULL, NULL);
  d = add_layer (b, "Dense", NULL, "units", "4");
  chain (b, in, f);
  chain (b, f, d);
  g_assert_false (nn_model_infer (b, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_true (g_str_has_prefix (error->message, "wide: "));
  g_clear_error (&error);

  /* A kernel of 255 x 255 x 2146435072 x 65536 floats: 2^65 bytes, more
   * than 64 bits count (the channels come from a Reshape) */
  g_autoptr (NnModel) c = nn_model_new ("c");
  in = add_layer (c, "Input", NULL, "shape", "1048576, 2047");
  int r = add_layer (c, "Reshape", NULL, "target_shape", "1, 1, -1");
  int conv = add_layer (c, "Conv2D", "giant", "filters", "65536");
  g_assert_true (nn_model_layer_set_param (c, conv, "kernel_size", "255, 255", &error));
  g_assert_true (nn_model_layer_set_param (c, conv, "padding", "same", &error));
  chain (c, in, r);
  chain (c, r, conv);
  g_assert_false (nn_model_infer (c, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "giant: its kernel "));
  g_clear_error (&error);
  g_assert_false (nn_model_init_weights (c, 1, &error));
  g_clear_error (&error);

  /* Reshape to (-1, 1, 1) of 2^26 rows, then UpSampling2D by 64: 2^32 rows
   * would wrap an int */
  g_autoptr (NnModel) u = nn_model_new ("u");
  in = add_layer (u, "Input", NULL, "shape", "1048576, 64");
  r = add_layer (u, "Reshape", NULL, "target_shape", "-1, 1, 1");
  int up = add_layer (u, "UpSampling2D", "up", "size", "64, 1");
  chain (u, in, r);
  chain (u, r, up);
  g_assert_false (nn_model_infer (u, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_true (g_str_has_prefix (error->message, "up: "));
  g_clear_error (&error);

  /* Reshape's target entries multiply past what the input holds */
  g_autoptr (NnModel) t = nn_model_new ("t");
  in = add_layer (t, "Input", NULL, "shape", "16");
  r = add_layer (t, "Reshape", "re", "target_shape", "1048576, 1048576, 1048576, -1");
  chain (t, in, r);
  g_assert_false (nn_model_infer (t, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_assert_true (g_str_has_prefix (error->message, "re: Reshape cannot turn"));
  g_clear_error (&error);
  nn_set_memory_limit (0);
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
  g_test_add_func ("/engine/graph-mem/huge-dense-refused", test_huge_dense_refused);
  g_test_add_func ("/engine/graph-mem/limit-at-compile", test_limit_at_compile);
  g_test_add_func ("/engine/graph-mem/overflow-refused", test_overflow_refused);
  return g_test_run ();
}
