/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The layer table as a whole: every layer type in it, with its default
 * parameters, compiles into a training graph that runs forward and
 * backward, and its input's gradient is finite and not all zero (the
 * backward pass went through the layer). A new table entry is covered
 * without touching this file. */
#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn-model-private.h"
#include "test-util.h"

#define BATCH 3

/* The per-sample shapes tried, in order: each layer gets the first its
 * shape rule accepts (images for the convolutions and poolings, vectors
 * for Dense and friends). */
static const char *const input_shapes[] = { "8,8,3", "12", "10,4" };

/* inner (the Model layer's model): Input (12) -> Dense 2. */
static NnModel *
inner_model (void)
{
  NnModel *inner = nn_model_new ("inner");
  int in = test_add (inner, "Input", NULL);
  test_set (inner, in, "shape", "12");
  int d = test_add (inner, "Dense", NULL);
  test_set (inner, d, "units", "2");
  test_connect (inner, in, d);
  g_assert_cmpint (nn_model_auto_outputs (inner), ==, 1);
  return inner;
}

/* Input(s) of input_shape -> the layer with its defaults -> Flatten ->
 * Dense 1, MSE. */
static NnModel *
model_around (const NnLayerType *t, const char *input_shape)
{
  const char *cls = nn_layer_type_get_name (t);
  NnModel *m = nn_model_new (cls);
  g_autoptr (GError) error = NULL;
  int n_in = MAX (nn_layer_type_get_min_inputs (t), 1);
  int inputs[2];
  for (int k = 0; k < n_in; k++)
    {
      g_assert_cmpint (k, <, G_N_ELEMENTS (inputs));
      inputs[k] = test_add (m, "Input", NULL);
      test_set (m, inputs[k], "shape", input_shape);
    }
  int layer;
  if (g_str_equal (cls, "Input"))
    layer = inputs[0];
  else if (g_str_equal (cls, "Model"))
    {
      g_autoptr (NnModel) inner = inner_model ();
      layer = nn_model_add_submodel (m, inner, NULL, &error);
      g_assert_no_error (error);
    }
  else
    layer = test_add (m, cls, NULL);
  if (layer != inputs[0])
    for (int k = 0; k < n_in; k++)
      test_connect (m, inputs[k], layer);
  int flat = test_add (m, "Flatten", NULL);
  test_connect (m, layer, flat);
  int out = test_add (m, "Dense", NULL);
  test_set (m, out, "units", "1");
  /* A regression head: with relu (the default) a head that is negative on
   * every sample would pass no gradient back to the layer under test. */
  test_set (m, out, "activation", "linear");
  test_connect (m, flat, out);
  nn_model_add_output (m, (NnRef) { out, 0 }, NN_LOSS_MSE, 1.0, NULL, 0);
  return m;
}

static void
test_every_layer_type (void)
{
  guint n = nn_layer_types_count ();
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      const NnLayerType *t = nn_layer_types_get (i);
      const char *cls = nn_layer_type_get_name (t);
      g_autoptr (NnModel) m = NULL;
      g_autoptr (GError) error = NULL;
      for (guint s = 0; s < G_N_ELEMENTS (input_shapes); s++)
        {
          g_clear_pointer (&m, nn_model_free);
          g_clear_error (&error);
          m = model_around (t, input_shapes[s]);
          if (nn_model_infer (m, &error))
            break;
        }
      if (error)
        g_error ("%s with its defaults takes none of the test's input shapes: %s", cls,
                 error->message);
      NnRng rng;
      nn_rng_seed (&rng, 7);
      NnCompiled *c = nn_compile (m, BATCH, NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS, &rng,
                                  &error);
      if (error)
        g_error ("%s with its defaults does not compile: %s", cls, error->message);
      g_assert_nonnull (c);
      NnGraph *g = c->g;
      nn_graph_set_batch (g, BATCH);
      /* Embedding reads token ids, whole numbers, and passes them no
       * gradient: its own weights must get one instead */
      gboolean ids = g_str_equal (cls, "Embedding");
      for (int k = 0; k < c->n_inputs; k++)
        {
          NnNode *x = nn_graph_node (g, c->input_nodes[k]);
          for (size_t j = 0; j < x->size; j++)
            x->value[j] = ids ? (float) nn_rng_below (&rng, 10)
                              : 0.5f + 0.25f * nn_rng_normal (&rng);
        }
      NnNode *target = nn_graph_node (g, c->target_nodes[0]);
      for (size_t j = 0; j < target->size; j++)
        target->value[j] = nn_rng_normal (&rng);
      g_assert_cmpint (c->loss_node, >=, 0);
      memset (c->grads, 0, c->n_grads * sizeof (float));
      nn_graph_forward (g);
      double loss = nn_graph_node (g, c->loss_node)->value[0];
      if (!isfinite (loss))
        g_error ("%s: the loss is %g", cls, loss);
      nn_graph_backward (g, c->loss_node);
      /* The gradient reached the inputs through the layer. */
      for (int k = 0; k < c->n_inputs; k++)
        {
          NnNode *x = nn_graph_node (g, c->input_nodes[k]);
          g_assert_nonnull (x->grad);
          double sum = 0;
          for (size_t j = 0; j < x->size; j++)
            {
              if (!isfinite (x->grad[j]))
                g_error ("%s: input %d's gradient %zu is %g", cls, k, j, x->grad[j]);
              sum += fabs (x->grad[j]);
            }
          for (size_t j = 0; ids && j < c->n_grads; j++)
            sum += fabs (c->grads[j]);
          if (sum == 0)
            g_error ("%s: no gradient reaches input %d: its backward pass is missing", cls, k);
        }
      g_test_message ("%-24s input (%s), loss %.4f", cls,
                      nn_model_layer_get_param (m, 0, "shape")->n == 3 ? "8, 8, 3" : "12", loss);
      nn_compiled_free (c);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  nn_init (argc, argv);
  g_test_add_func ("/engine/layers/every-layer-type", test_every_layer_type);
  return g_test_run ();
}
