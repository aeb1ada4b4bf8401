/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DeepDream (nn_dream): the loss rises at every octave on an input larger
 * than the model was built for, the octaves have the documented sizes,
 * several layers share one backward pass that equals the sum of their own,
 * a cancel stops it, two runs give the same bits, and every misuse is
 * refused in words. */
#include <math.h>
#include <string.h>

#include "test-util.h"
#include "nn-inspect-private.h"

/* Two float backward passes against one with both seeds: rounding only. */
#define SEEDS_TOL 1e-4

/* fashion_convnet with its initializers' weights (seeded): an untrained
 * network still has filters whose activations the ascent can raise. */
static NnModel *
load_convnet (guint64 seed)
{
  g_autoptr (GError) error = NULL;
  NnModel *m = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, seed, &error));
  g_assert_no_error (error);
  return m;
}

/* A (1, h, w, c) image: soft stripes plus seeded noise, in [0, 1]. */
static NnTensor *
test_image (int h, int w, int c, guint64 seed)
{
  int shape[4] = { 1, h, w, c };
  NnTensor *t = nn_tensor_new (4, shape);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        t->data[((size_t) y * w + x) * c + k]
          = (float) (0.4 + 0.3 * sin (0.3 * x + 0.2 * y) + 0.1 * nn_rng_uniform (&rng));
  return t;
}

typedef struct {
  int calls;
  int last_octave, last_step;
  int heights[8], widths[8];
  int steps_in[8];
  int cancel_octave, cancel_step; /* cancel after this step (-1: never) */
} Seen;

static gboolean
progress_cb (int octave, int n_octaves, int step, int steps, double loss, const NnTensor *image,
             gpointer user_data)
{
  Seen *s = user_data;
  g_assert_cmpint (octave, >=, 0);
  g_assert_cmpint (octave, <, n_octaves);
  g_assert_cmpint (step, >=, 1);
  g_assert_cmpint (step, <=, steps);
  g_assert_true (isfinite (loss));
  g_assert_cmpint (image->ndim, ==, 4);
  s->calls++;
  s->last_octave = octave;
  s->last_step = step;
  if (octave < 8)
    {
      s->heights[octave] = image->shape[1];
      s->widths[octave] = image->shape[2];
      s->steps_in[octave]++;
    }
  return !(octave == s->cancel_octave && step == s->cancel_step);
}

/* 64 × 64 (the model was built for 28 × 28), the defaults: the last two
 * convolutions, three octaves of scale 1.4 (32, 45 and 64 pixels). */
static void
test_dream_loss_rises (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (3);
  g_autoptr (NnTensor) img = test_image (64, 64, 1, 5);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  g_assert_cmpint (cfg.octaves, ==, 3);
  Seen seen = { .cancel_octave = -1 };
  double start[3] = { 0 }, end[3] = { 0 };
  g_autoptr (NnTensor) out = nn_dream (m, img, &cfg, progress_cb, &seen, start, end, &error);
  g_assert_no_error (error);
  g_assert_nonnull (out);
  g_assert_cmpint (out->ndim, ==, 4);
  g_assert_cmpint (out->shape[1], ==, 64);
  g_assert_cmpint (out->shape[2], ==, 64);
  g_assert_cmpint (out->shape[3], ==, 1);
  int want[3] = { 32, 45, 64 };
  for (int o = 0; o < 3; o++)
    {
      g_test_message ("octave %d (%d px): loss %.5g -> %.5g", o, want[o], start[o], end[o]);
      g_assert_cmpint (seen.heights[o], ==, want[o]);
      g_assert_cmpint (seen.widths[o], ==, want[o]);
      g_assert_cmpint (seen.steps_in[o], ==, cfg.steps);
      g_assert_cmpfloat (start[o], >, 0);
      g_assert_cmpfloat (end[o], >, start[o]);
    }
  g_assert_cmpint (seen.calls, ==, 3 * cfg.steps);
  /* The image changed, and stayed finite. */
  double diff = 0;
  for (size_t e = 0; e < out->size; e++)
    {
      g_assert_true (isfinite (out->data[e]));
      diff += fabs (out->data[e] - img->data[e]);
    }
  g_assert_cmpfloat (diff / (double) out->size, >, 0.05);
  nn_dream_config_clear (&cfg);
}

/* A chosen layer by name, one octave at the size the model was built for,
 * and max_loss stopping the ascent early. */
static void
test_dream_layers_max_loss (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (4);
  g_autoptr (NnTensor) img = test_image (28, 28, 1, 6);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  nn_dream_config_add_layer (&cfg, "conv1", 1.0);
  cfg.octaves = 1;
  cfg.steps = 10;
  double start = 0, end = 0;
  g_autoptr (NnTensor) out = nn_dream (m, img, &cfg, NULL, NULL, &start, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (end, >, start);
  /* A limit just above the starting loss: the ascent stops after the
   * step whose loss passes it, before the tenth. */
  cfg.max_loss = start + 0.25 * (end - start);
  Seen seen = { .cancel_octave = -1 };
  g_autoptr (NnTensor) out2 = nn_dream (m, img, &cfg, progress_cb, &seen, &start, &end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (seen.calls, <, cfg.steps);
  g_assert_cmpint (seen.calls, >=, 2);
  g_assert_cmpfloat (end, >, cfg.max_loss);
  nn_dream_config_clear (&cfg);
}

/* The seeds of several layers in one backward pass give what one pass per
 * layer gives, summed. */
static void
test_dream_combined_seeds (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (7);
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) img = test_image (28, 28, 1, 8);
  int probes[2] = { nn_inspector_find_probe (in, "conv2"), nn_inspector_find_probe (in, "conv3") };
  NnTensor *seeds[2];
  g_autoptr (NnTensor) sum = nn_tensor_new (img->ndim, img->shape);
  NnRng rng;
  nn_rng_seed (&rng, 9);
  for (int k = 0; k < 2; k++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, probes[k]);
      int shape[4] = { 1, p->shape[0], p->shape[1], p->shape[2] };
      seeds[k] = nn_tensor_new (4, shape);
      for (size_t e = 0; e < seeds[k]->size; e++)
        seeds[k]->data[e] = nn_rng_normal (&rng);
      g_autoptr (NnTensor) g = nn_inspector_input_gradient (in, img, probes[k], seeds[k], NULL,
                                                            &error);
      g_assert_no_error (error);
      for (size_t e = 0; e < sum->size; e++)
        sum->data[e] += g->data[e];
    }
  NnCompiled *c = nn_inspector_gradient_graph (in, 1, &error);
  g_assert_no_error (error);
  int nodes[2] = { nn_inspector_probe_node (in, c, probes[0]),
                   nn_inspector_probe_node (in, c, probes[1]) };
  NnNode *x = nn_graph_node (c->g, c->input_nodes[0]);
  nn_graph_set_batch (c->g, 1);
  memcpy (x->value, img->data, img->size * sizeof (float));
  nn_graph_forward_to (c->g, MAX (nodes[0], nodes[1]));
  const float *s[2] = { seeds[0]->data, seeds[1]->data };
  nn_graph_backward_seeds (c->g, 2, nodes, s, c->input_nodes[0]);
  double worst = 0, scale = 0;
  for (size_t e = 0; e < sum->size; e++)
    {
      worst = fmax (worst, fabs (x->grad[e] - sum->data[e]));
      scale = fmax (scale, fabs (sum->data[e]));
    }
  g_test_message ("largest difference %.3g of %.3g", worst, scale);
  g_assert_cmpfloat (scale, >, 0);
  g_assert_cmpfloat (worst, <=, SEEDS_TOL * scale);
  nn_tensor_free (seeds[0]);
  nn_tensor_free (seeds[1]);
}

static void
test_dream_cancel (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (3);
  g_autoptr (NnTensor) img = test_image (48, 40, 1, 5);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  cfg.steps = 5;
  Seen seen = { .cancel_octave = 1, .cancel_step = 3 };
  double start[3] = { -1, -1, -1 }, end[3] = { -1, -1, -1 };
  NnTensor *out = nn_dream (m, img, &cfg, progress_cb, &seen, start, end, &error);
  g_assert_null (out);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* Nothing ran after the cancel. */
  g_assert_cmpint (seen.calls, ==, 5 + 3);
  g_assert_cmpint (seen.last_octave, ==, 1);
  g_assert_cmpint (seen.last_step, ==, 3);
  nn_dream_config_clear (&cfg);
}

static void
test_dream_deterministic (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (11);
  g_autoptr (NnTensor) img = test_image (50, 60, 1, 12);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  cfg.steps = 6;
  nn_dream_config_add_layer (&cfg, "conv2", 0.5);
  nn_dream_config_add_layer (&cfg, "conv3", 2.0);
  double a_end[3], b_end[3];
  g_autoptr (NnTensor) a = nn_dream (m, img, &cfg, NULL, NULL, NULL, a_end, &error);
  g_assert_no_error (error);
  g_autoptr (NnTensor) b = nn_dream (m, img, &cfg, NULL, NULL, NULL, b_end, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->shape[1], ==, 50);
  g_assert_cmpint (a->shape[2], ==, 60);
  g_assert_cmpmem (a->data, a->size * sizeof (float), b->data, b->size * sizeof (float));
  g_assert_cmpmem (a_end, sizeof a_end, b_end, sizeof b_end);
  nn_dream_config_clear (&cfg);
}

/* Octave graphs kept between dreams (nn_dream_set_reuse): a dream that
 * reuses them gives the bits of one that builds everything anew, and a
 * model whose weights changed in between is dreamed with its new weights. */
static void
dream_pair (NnModel *m, const NnTensor *img, const NnDreamConfig *cfg, NnTensor **built,
            NnTensor **reused)
{
  g_autoptr (GError) error = NULL;
  nn_dream_set_reuse (FALSE);
  *built = nn_dream (m, img, cfg, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  nn_dream_set_reuse (TRUE);
  /* the first keeps the graphs, the second runs on them */
  g_autoptr (NnTensor) first = nn_dream (m, img, cfg, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  *reused = nn_dream (m, img, cfg, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (first->data, first->size * sizeof (float), (*built)->data,
                   (*built)->size * sizeof (float));
}

static void
test_dream_reuse (void)
{
  g_autoptr (NnModel) m = load_convnet (13);
  g_autoptr (NnTensor) img = test_image (44, 52, 1, 14);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  cfg.steps = 4;
  NnTensor *built, *reused;
  dream_pair (m, img, &cfg, &built, &reused);
  g_assert_cmpmem (reused->data, reused->size * sizeof (float), built->data,
                   built->size * sizeof (float));
  /* New weights for conv2: the kept graphs take them. */
  NnTensor kernel = { 0 };
  g_assert_nonnull (nn_model_layer_get_weight (m, nn_model_find_layer (m, "conv2"), 0, &kernel));
  for (size_t i = 0; i < kernel.size; i++)
    kernel.data[i] *= 1.5f;
  NnTensor *built2, *reused2;
  dream_pair (m, img, &cfg, &built2, &reused2);
  g_assert_cmpmem (reused2->data, reused2->size * sizeof (float), built2->data,
                   built2->size * sizeof (float));
  g_assert_true (memcmp (built2->data, built->data, built->size * sizeof (float)) != 0);
  nn_tensor_free (built);
  nn_tensor_free (reused);
  nn_tensor_free (built2);
  nn_tensor_free (reused2);
  nn_dream_config_clear (&cfg);
}

/* Runs nn_dream expecting a failure whose message holds `words`. */
static void
expect_error (const NnModel *m, const NnTensor *img, const NnDreamConfig *cfg, GQuark domain,
              int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  NnTensor *out = nn_dream (m, img, cfg, NULL, NULL, NULL, NULL, &error);
  g_assert_null (out);
  g_assert_error (error, domain, code);
  g_test_message ("%s", error->message);
  if (!strstr (error->message, words))
    g_error ("“%s” is not in the message “%s”", words, error->message);
}

static void
test_dream_errors (void)
{
  g_autoptr (NnModel) m = load_convnet (3);
  g_autoptr (NnTensor) img = test_image (40, 40, 1, 5);
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  nn_dream_config_add_layer (&cfg, "conv9", 1.0);
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                "no layer “conv9” to dream with: choose one of conv1, pool1, conv2");
  nn_dream_config_clear (&cfg);
  nn_dream_config_add_layer (&cfg, "hidden", 1.0);
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                "“hidden” (Dense, output (64,)) does not give an image");
  nn_dream_config_clear (&cfg);
  nn_dream_config_add_layer (&cfg, "image", 1.0);
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "is the model's input");
  nn_dream_config_clear (&cfg);

  /* Three channels for a grey model. */
  g_autoptr (NnTensor) rgb = test_image (40, 40, 3, 5);
  expect_error (m, rgb, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                "takes one image of 1 channel");
  /* Too small: 16 / 1.4^2 = 8 does not run (conv3 needs 3 × 3 after two
   * poolings: 18 × 18 and more; 18 × 1.96 = 35.3). */
  g_autoptr (NnTensor) tiny = test_image (16, 16, 1, 5);
  expect_error (m, tiny, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                "smallest octave is 8×8 but the model “fashion_convnet” needs at least 18×18 up to its layer “conv3”; use an image of at least 36×36");
  cfg.octaves = 0;
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "octaves must be 1 to 20");
  cfg.octaves = 3;
  cfg.step_size = 0;
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "step size");
  cfg.step_size = 0.01;
  cfg.octave_scale = 0.5;
  expect_error (m, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "octave scale");
  nn_dream_config_clear (&cfg);

  /* A model without weights. */
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) bare = nn_model_load (test_sample ("fashion_convnet.json"), &error);
  g_assert_no_error (error);
  nn_dream_config_init (&cfg);
  expect_error (bare, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "train it first");

  /* A model without convolutions. */
  g_autoptr (NnModel) mlp = nn_model_load (test_sample ("fashion_mlp.json"), &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (mlp, 1, &error));
  expect_error (mlp, img, &cfg, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "has no convolutional layer");
}

/* The graph a dream runs (the inspector's gradient graph at batch 1)
 * computes no weight gradient: no parameter has one; the three
 * convolutions and the image have theirs. */
static void
test_dream_no_weight_grads (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = load_convnet (3);
  g_autoptr (NnInspector) in = nn_inspector_new (m, &error);
  g_assert_no_error (error);
  NnCompiled *c = nn_inspector_gradient_graph (in, 1, &error);
  g_assert_no_error (error);
  NnGraph *g = c->g;
  int params = 0, convs = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = nn_graph_node (g, i);
      if (n->op == NN_OP_PARAM)
        {
          g_assert_null (n->grad);
          params++;
        }
      convs += n->op == NN_OP_CONV2D && n->grad != NULL;
    }
  g_assert_cmpint (params, >, 0);
  g_assert_cmpint (convs, ==, 3);
  g_assert_nonnull (nn_graph_node (g, c->input_nodes[0])->grad);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/dream/loss-rises", test_dream_loss_rises);
  g_test_add_func ("/engine/dream/layers-max-loss", test_dream_layers_max_loss);
  g_test_add_func ("/engine/dream/combined-seeds", test_dream_combined_seeds);
  g_test_add_func ("/engine/dream/cancel", test_dream_cancel);
  g_test_add_func ("/engine/dream/deterministic", test_dream_deterministic);
  g_test_add_func ("/engine/dream/reuse", test_dream_reuse);
  g_test_add_func ("/engine/dream/errors", test_dream_errors);
  g_test_add_func ("/engine/dream/no-weight-grads", test_dream_no_weight_grads);
  return g_test_run ();
}
