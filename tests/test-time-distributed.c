/* SPDX-License-Identifier: GPL-3.0-or-later */
/* TimeDistributed around a whole model: the steps folded into the batch
 * axis around the inner model's ops. A Conv2D -> Flatten -> Dense inner
 * model per frame of a clip: each step's output equals the inner model run
 * on that frame alone, gradients against central differences; the mask
 * of an Embedding passes through to the loss; a file round trip; a
 * TimeDistributed set to Model without one is an error. */
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-model-private.h"
#include "nn-seq-private.h"

static int
add_layer (NnModel *m, const char *cls, const char *const *kv)
{
  int l = test_add (m, cls, NULL);
  for (int k = 0; kv && kv[k]; k += 2)
    test_set (m, l, kv[k], kv[k + 1]);
  return l;
}

/* Input (5, 5, 1) -> Conv2D (2 filters 3 × 3, tanh) -> [Dropout] -> Flatten
 * -> Dense (3, linear): what one frame goes through. */
static NnModel *
frame_model (gboolean dropout)
{
  NnModel *m = nn_model_new ("frame");
  int in = add_layer (m, "Input", (const char *[]) { "shape", "5, 5, 1", NULL });
  int conv = add_layer (m, "Conv2D", (const char *[]) { "filters", "2", "kernel_size", "3, 3",
                                                        "activation", "tanh", NULL });
  int flat = add_layer (m, "Flatten", NULL);
  int dense = add_layer (m, "Dense", (const char *[]) { "units", "3", "activation", "linear",
                                                        NULL });
  test_connect (m, in, conv);
  int prev = conv;
  if (dropout)
    {
      int d = add_layer (m, "Dropout", (const char *[]) { "rate", "0.3", NULL });
      test_connect (m, conv, d);
      prev = d;
    }
  test_connect (m, prev, flat);
  test_connect (m, flat, dense);
  return m;
}

/* clip (4, 5, 5, 1) -> TimeDistributed(frame) -> (4, 3) */
static NnModel *
clip_model (gboolean dropout, int *td)
{
  NnModel *m = nn_model_new ("clip");
  int in = add_layer (m, "Input", (const char *[]) { "shape", "4, 5, 5, 1", NULL });
  g_autoptr (NnModel) frame = frame_model (dropout);
  g_autoptr (GError) error = NULL;
  *td = nn_model_add_time_distributed (m, frame, "frames", &error);
  g_assert_no_error (error);
  test_connect (m, in, *td);
  nn_model_add_output (m, (NnRef) { *td, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  g_assert_true (nn_model_init_weights (m, 5, &error));
  g_assert_no_error (error);
  return m;
}

static NnTensor *
random_clip (int n)
{
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnTensor *t = nn_tensor_new (5, (int[]) { n, 4, 5, 5, 1 });
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = nn_rng_uniform (&rng) * 2 - 1;
  return t;
}

static void
test_shapes_and_values (void)
{
  int td;
  g_autoptr (NnModel) m = clip_model (FALSE, &td);
  int ndim, shape[NN_MAX_DIMS];
  g_assert_true (nn_model_get_shape (m, (NnRef) { td, 0 }, &ndim, shape));
  g_assert_cmpint (ndim, ==, 2);
  g_assert_cmpint (shape[0], ==, 4);
  g_assert_cmpint (shape[1], ==, 3);
  /* conv 2 × (9 + 1) + dense (2 · 3 · 3) × 3 + 3 */
  g_assert_cmpint (nn_model_layer_count_params (m, td), ==, 20 + 54 + 3);
  g_autoptr (NnTensor) x = random_clip (2);
  g_autoptr (GError) error = NULL;
  g_autoptr (NnTensor) y = nn_model_run (m, &x, 1, (NnRef) { td, 0 }, &error);
  g_assert_no_error (error);
  /* each step: the inner model (the layer's own copy, same weights) on
   * that frame alone */
  NnModel *inner = nn_model_layer_get_submodel (m, td);
  g_autoptr (NnTensor) frames = nn_tensor_new (4, (int[]) { 8, 5, 5, 1 });
  memcpy (frames->data, x->data, sizeof (float) * x->size);
  int last = nn_model_get_n_layers (inner) - 1;
  g_autoptr (NnTensor) one = nn_model_run (inner, &frames, 1, (NnRef) { last, 0 }, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (one->size, ==, y->size);
  for (size_t i = 0; i < y->size; i++)
    g_assert_cmpfloat (fabsf (y->data[i] - one->data[i]), <, 1e-6);
}

static void
test_gradients (void)
{
  int td;
  g_autoptr (NnModel) m = clip_model (TRUE, &td);
  g_autoptr (GError) error = NULL;
  NnRng rng;
  nn_rng_seed (&rng, 9);
  NnCompiled *c = nn_compile (m, 2, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  NnNode *x = &g->nodes[c->input_nodes[0]], *t = &g->nodes[c->target_nodes[0]];
  for (size_t i = 0; i < x->size; i++)
    x->value[i] = nn_rng_uniform (&rng) * 2 - 1;
  for (size_t i = 0; i < t->size; i++)
    t->value[i] = nn_rng_uniform (&rng) - 0.5f;
  int checked = 0;
  for (int n = 0; n < g->n_nodes; n++)
    if ((g->nodes[n].op == NN_OP_PARAM || g->nodes[n].op == NN_OP_INPUT) && g->nodes[n].grad)
      {
        memset (c->grads, 0, c->n_grads * sizeof (float));
        /* dropout: the same mask for every difference (the check reruns
         * forward from a reseeded generator each time) */
        double err = test_check_grad (g, c->loss_node, n, 3e-3, 200);
        g_test_message ("%s: max relative error %.2e",
                        g->nodes[n].label ? g->nodes[n].label : "input", err);
        g_assert_cmpfloat (err, <, 5e-3);
        checked++;
      }
  /* input, conv kernel and bias, dense kernel and bias */
  g_assert_cmpint (checked, ==, 5);
  /* the steps are folded into the batch: the convolution ran on 2 × 4 frames */
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == NN_OP_CONV2D)
      g_assert_cmpint (g->nodes[n].shape[0], ==, 8);
  nn_compiled_free (c);
}

/* Embedding (mask_zero) -> TimeDistributed(Dense -> Dropout -> Dense
 * softmax): the output keeps the mask, so the loss leaves padded steps out. */
static void
test_mask (void)
{
  g_autoptr (NnModel) inner = nn_model_new ("step");
  int in = add_layer (inner, "Input", (const char *[]) { "shape", "4", NULL });
  int d1 = add_layer (inner, "Dense", (const char *[]) { "units", "5", NULL });
  int dr = add_layer (inner, "Dropout", (const char *[]) { "rate", "0.2", NULL });
  int d2 = add_layer (inner, "Dense", (const char *[]) { "units", "3", "activation", "softmax",
                                                         NULL });
  test_connect (inner, in, d1);
  test_connect (inner, d1, dr);
  test_connect (inner, dr, d2);
  g_autoptr (NnModel) m = nn_model_new ("tagger");
  int ids = add_layer (m, "Input", (const char *[]) { "shape", "6", NULL });
  int emb = add_layer (m, "Embedding", (const char *[]) { "input_dim", "10", "output_dim", "4",
                                                          "mask_zero", "true", NULL });
  g_autoptr (GError) error = NULL;
  int td = nn_model_add_time_distributed (m, inner, NULL, &error);
  g_assert_no_error (error);
  test_connect (m, ids, emb);
  test_connect (m, emb, td);
  nn_model_add_output (m, (NnRef) { td, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0,
                       NULL, 0);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = nn_compile (m, 2, NN_COMPILE_TRAIN, &rng, &error);
  g_assert_no_error (error);
  int masked = 0;
  for (int n = 0; n < c->g->n_nodes; n++)
    masked += c->g->nodes[n].op == NN_OP_MASKED_LOSS;
  g_assert_cmpint (masked, ==, 1);
  g_assert_cmpint (c->g->nodes[c->output_nodes[0]].mask, >=, 0);
  /* padded steps change nothing: the loss of [3 4 0 0 0 0] with any
   * targets on the padded steps */
  NnNode *x = &c->g->nodes[c->input_nodes[0]], *t = &c->g->nodes[c->target_nodes[0]];
  const float seq[12] = { 3, 4, 0, 0, 0, 0, 5, 6, 7, 0, 0, 0 };
  memcpy (x->value, seq, sizeof seq);
  for (int k = 0; k < 12; k++)
    t->value[k] = (float) (k % 3);
  c->g->training = 0;
  nn_graph_forward (c->g);
  float before = c->g->nodes[c->loss_node].value[0];
  for (int k = 0; k < 12; k++)
    if (seq[k] == 0)
      t->value[k] = (float) ((k + 1) % 3);
  nn_graph_forward (c->g);
  g_assert_cmpfloat (c->g->nodes[c->loss_node].value[0], ==, before);
  nn_compiled_free (c);
}

static void
test_file (void)
{
  int td;
  g_autoptr (NnModel) m = clip_model (TRUE, &td);
  g_autoptr (GError) error = NULL;
  g_autofree char *json = nn_model_to_json (m, TRUE, &error);
  g_assert_no_error (error);
  g_autoptr (NnModel) back = nn_model_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = nn_model_to_json (back, TRUE, &error);
  g_assert_cmpstr (json, ==, again);
  g_assert_nonnull (nn_model_layer_get_submodel (back, td));
  g_autoptr (NnTensor) x = random_clip (1);
  g_autoptr (NnTensor) a = nn_model_run (m, &x, 1, (NnRef) { td, 0 }, &error);
  g_autoptr (NnTensor) b = nn_model_run (back, &x, 1, (NnRef) { td, 0 }, &error);
  g_assert_no_error (error);
  for (size_t i = 0; i < a->size; i++)
    g_assert_cmpfloat (a->data[i], ==, b->data[i]);
  /* malformed inner models: no output_layers; a truncated file */
  g_autoptr (GString) bad = g_string_new (json);
  g_assert_cmpint (g_string_replace (bad, "\"output_layers\"", "\"outputs_layers\"", 1), ==, 1);
  g_autoptr (NnModel) none = nn_model_load_from_data (bad->str, -1, &error);
  g_assert_null (none);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "frames"));
  g_clear_error (&error);
  g_autoptr (NnModel) cut = nn_model_load_from_data (json, (gssize) strlen (json) / 2, &error);
  g_assert_null (cut);
  g_assert_nonnull (error);
  g_clear_error (&error);
  /* a model of two inputs cannot run on every step */
  g_autoptr (NnModel) two = nn_model_new ("two");
  add_layer (two, "Input", (const char *[]) { "shape", "3", NULL });
  add_layer (two, "Input", (const char *[]) { "shape", "3", NULL });
  g_assert_cmpint (nn_model_add_time_distributed (m, two, NULL, &error), <, 0);
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH);
}

/* "layer": "Model" set by hand, with no model: an error, not a crash. */
static void
test_no_model (void)
{
  g_autoptr (NnModel) m = nn_model_new ("none");
  int in = add_layer (m, "Input", (const char *[]) { "shape", "4, 3", NULL });
  int td = add_layer (m, "TimeDistributed", (const char *[]) { "layer", "Model", NULL });
  test_connect (m, in, td);
  g_autoptr (GError) error = NULL;
  g_assert_false (nn_model_infer (m, &error));
  g_assert_nonnull (strstr (nn_model_layer_get_error (m, td), "no model"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  test_threads_from_env ();
  g_test_add_func ("/engine/time-distributed/values", test_shapes_and_values);
  g_test_add_func ("/engine/time-distributed/gradients", test_gradients);
  g_test_add_func ("/engine/time-distributed/mask", test_mask);
  g_test_add_func ("/engine/time-distributed/file", test_file);
  g_test_add_func ("/engine/time-distributed/no-model", test_no_model);
  return g_test_run ();
}
