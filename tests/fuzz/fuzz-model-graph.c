/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-model-graph: random small models built through the public API.
 *
 * The bytes choose, one small choice at a time: one or two Input layers
 * (rank 1 to 3, sides 1 to 8); up to eight layers of any type in the layer
 * table, with every parameter drawn from its declared range (mostly small
 * values, sometimes the range's ends, sometimes just outside it, which must
 * be refused with an error); their inputs among the tensors made so far,
 * calls of a layer made before (shared weights), Model layers wrapping a
 * small inner model, frozen layers; the outputs with their losses. A model
 * that passes shape inference and stays small (each tensor at most
 * MAX_VALUES values per sample, at most MAX_PARAMS weights) is compiled
 * for training at batch 1 or 2, run forward and backward on random data,
 * stepped once by an optimizer, compiled for inference and run forward,
 * run through nn_model_run, and written to JSON and read back. */
#include "fuzz-common.h"

#include "nn-model-private.h"

#define MAX_LAYERS 8
#define MAX_REFS   32
#define MAX_SIDE   8
#define MAX_VALUES 4096
#define MAX_PARAMS 100000

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

/* "3, 1, 8": rank entries in [lo, min (hi, lo + MAX_SIDE - 1)]. */
static char *
draw_dims (FuzzBytes *b, int rank, int lo, int hi)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < rank; i++)
    {
      int top = MIN (hi, lo + MAX_SIDE - 1);
      int v = lo + (int) fuzz_below (b, (unsigned) (top - lo + 1));
      g_string_append_printf (s, "%s%d", i ? ", " : "", v);
    }
  return g_string_free (s, FALSE);
}

/* The text of a value for spec: mostly in range and small, sometimes an
 * end of the range, sometimes just outside it. */
static char *
draw_value (FuzzBytes *b, const NnParamSpec *spec)
{
  unsigned mode = fuzz_below (b, 16);
  switch (spec->type)
    {
    case NN_PARAM_INT:
      if (mode == 13)
        return g_strdup_printf ("%.0f", spec->max);
      if (mode == 14)
        return g_strdup_printf ("%.0f", spec->min - 1);
      if (mode == 15)
        return g_strdup_printf ("%.0f", spec->max + 1);
      {
        unsigned span = (unsigned) MIN (spec->max - spec->min + 1, MAX_SIDE);
        return g_strdup_printf ("%.0f", spec->min + fuzz_below (b, span));
      }
    case NN_PARAM_FLOAT:
      if (mode == 13)
        return g_strdup_printf ("%.17g", spec->max);
      if (mode == 14)
        return g_strdup_printf ("%.17g", spec->min - 0.5);
      if (mode == 15)
        return g_strdup_printf ("%.17g", spec->max + 0.5);
      return g_strdup_printf ("%.17g", spec->min + (spec->max - spec->min) * fuzz_byte (b) / 255.0);
    case NN_PARAM_BOOL:
      return g_strdup (mode & 1 ? "true" : "false");
    case NN_PARAM_ENUM:
      {
        if (mode == 15)
          return g_strdup ("no-such-choice");
        guint n = 0;
        while (spec->choices[n] != NULL)
          n++;
        return g_strdup (spec->choices[fuzz_below (b, n)]);
      }
    case NN_PARAM_SHAPE:
      {
        int span = spec->max_len - spec->min_len + 1;
        int len = spec->min_len + (int) fuzz_below (b, (unsigned) span);
        if (mode == 13)
          return g_strdup_printf ("%.0f", spec->max);
        if (mode == 14)
          return g_strdup_printf ("%.0f", spec->min - 1);
        return draw_dims (b, len, (int) spec->min, (int) spec->max);
      }
    case NN_PARAM_STRING:
    default:
      return g_strdup (mode & 1 ? "" : "x");
    }
}

typedef struct {
  NnModel  *m;
  FuzzBytes b;
  NnRef     refs[MAX_REFS];
  int       n_refs;
} Builder;

static void
add_ref (Builder *bd, NnRef r)
{
  if (bd->n_refs < MAX_REFS)
    bd->refs[bd->n_refs++] = r;
}

static int
add_input (Builder *bd, const char *shape_text)
{
  int l = nn_model_add_layer (bd->m, "Input", NULL, NULL);
  g_assert (l >= 0);
  g_autofree char *drawn = NULL;
  if (shape_text == NULL)
    shape_text = drawn = draw_dims (&bd->b, 1 + (int) fuzz_below (&bd->b, 3), 1, MAX_SIDE);
  g_autoptr(GError) error = NULL;
  gboolean ok = nn_model_layer_set_param (bd->m, l, "shape", shape_text, &error);
  fuzz_check_result (ok, error);
  add_ref (bd, (NnRef) { l, 0 });
  return l;
}

/* A Model layer on a tensor: Input -> Dense (flat) or Flatten (images). */
static void
add_submodel (Builder *bd, NnRef src)
{
  int ndim, shape[NN_MAX_DIMS];
  nn_model_infer (bd->m, NULL);
  if (!nn_model_get_shape (bd->m, src, &ndim, shape))
    return;
  g_autoptr(NnModel) inner = nn_model_new ("inner");
  GString *text = g_string_new (NULL);
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (text, "%s%d", i ? ", " : "", shape[i]);
  int in = nn_model_add_layer (inner, "Input", NULL, NULL);
  gboolean ok = nn_model_layer_set_param (inner, in, "shape", text->str, NULL);
  g_string_free (text, TRUE);
  if (!ok)
    return;
  int body = nn_model_add_layer (inner, ndim == 1 ? "Dense" : "Flatten", NULL, NULL);
  if (ndim == 1)
    {
      g_autofree char *units = g_strdup_printf ("%u", 1 + fuzz_below (&bd->b, MAX_SIDE));
      nn_model_layer_set_param (inner, body, "units", units, NULL);
      nn_model_layer_set_param (inner, body, "activation",
                                fuzz_byte (&bd->b) & 1 ? "tanh" : "relu", NULL);
    }
  if (!nn_model_connect (inner, (NnRef) { in, 0 }, body, 0, NULL))
    return;
  nn_model_add_output (inner, (NnRef) { body, 0 }, NN_LOSS_NONE, 1.0, NULL, 0);
  g_autoptr(GError) error = NULL;
  int l = nn_model_add_submodel (bd->m, inner, NULL, &error);
  fuzz_check_result (l >= 0, error);
  if (l < 0)
    return;
  nn_model_layer_set_trainable (bd->m, l, fuzz_byte (&bd->b) & 1);
  g_autoptr(GError) call_error = NULL;
  int call = nn_model_call (bd->m, l, &src, 1, &call_error);
  fuzz_check_result (call >= 0, call_error);
  if (call >= 0)
    add_ref (bd, (NnRef) { l, call });
}

static void
add_layer (Builder *bd)
{
  FuzzBytes *b = &bd->b;
  NnModel *m = bd->m;
  unsigned what = fuzz_below (b, 16);

  /* Another call of a layer already there: the calls share its weights. */
  if (what == 0 && nn_model_get_n_layers (m) > 0)
    {
      int l = (int) fuzz_below (b, (unsigned) nn_model_get_n_layers (m));
      const NnLayerType *t = nn_model_layer_get_type (m, l);
      if (nn_layer_type_get_min_inputs (t) != 1)
        return;
      NnRef src = bd->refs[fuzz_below (b, (unsigned) bd->n_refs)];
      g_autoptr(GError) error = NULL;
      int call = nn_model_call (m, l, &src, 1, &error);
      fuzz_check_result (call >= 0, error);
      if (call >= 0)
        add_ref (bd, (NnRef) { l, call });
      return;
    }

  const NnLayerType *t = nn_layer_types_get (fuzz_below (b, nn_layer_types_count ()));
  const char *type_name = nn_layer_type_get_name (t);
  if (g_str_equal (type_name, "Input"))
    {
      add_input (bd, NULL);
      return;
    }
  if (g_str_equal (type_name, "Model"))
    {
      add_submodel (bd, bd->refs[fuzz_below (b, (unsigned) bd->n_refs)]);
      return;
    }

  g_autoptr(GError) error = NULL;
  int l = nn_model_add_layer (m, type_name, NULL, &error);
  fuzz_check_result (l >= 0, error);
  if (l < 0)
    return;
  guint n_params = nn_layer_type_get_n_params (t);
  for (guint p = 0; p < n_params; p++)
    {
      /* each parameter: keep its default, or draw a value */
      if (fuzz_byte (b) < 96)
        continue;
      const NnParamSpec *spec = nn_layer_type_get_param (t, p);
      g_autofree char *text = draw_value (b, spec);
      g_autoptr(GError) param_error = NULL;
      gboolean ok = nn_model_layer_set_param (m, l, spec->name, text, &param_error);
      fuzz_check_result (ok, param_error);
    }
  if (fuzz_below (b, 8) == 0)
    nn_model_layer_set_trainable (m, l, FALSE);

  int lo = nn_layer_type_get_min_inputs (t), hi = nn_layer_type_get_max_inputs (t);
  if (hi < 0)
    hi = lo + 2;
  int n_in = lo + (int) fuzz_below (b, (unsigned) (hi - lo + 1));
  NnRef in[4];
  n_in = MIN (n_in, 4);
  for (int k = 0; k < n_in; k++)
    in[k] = bd->refs[fuzz_below (b, (unsigned) bd->n_refs)];
  g_autoptr(GError) call_error = NULL;
  int call = nn_model_call (m, l, in, n_in, &call_error);
  fuzz_check_result (call >= 0, call_error);
  if (call >= 0)
    add_ref (bd, (NnRef) { l, call });
}

/* FALSE when a tensor or the weights are larger than this target runs. */
static gboolean
small_enough (NnModel *m)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
      {
        int ndim, shape[NN_MAX_DIMS];
        if (nn_model_get_shape (m, (NnRef) { l, c }, &ndim, shape)
            && nn_shape_size (ndim, shape) > MAX_VALUES)
          return FALSE;
      }
  return nn_model_count_params (m, NULL, NULL) <= MAX_PARAMS;
}

/* Targets a loss accepts: class indices below the class count, 0/1, one-hot
 * rows, or any numbers. */
static void
fill_target (NnRng *rng, NnLoss loss, NnNode *pred, NnNode *target)
{
  int classes = nn_node_cols (pred);
  size_t rows = nn_node_rows (target);
  switch (loss)
    {
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      for (size_t i = 0; i < target->size; i++)
        target->value[i] = (float) nn_rng_below (rng, (uint32_t) MAX (classes, 1));
      break;
    case NN_LOSS_BINARY_CROSSENTROPY:
      for (size_t i = 0; i < target->size; i++)
        target->value[i] = (float) nn_rng_below (rng, 2);
      break;
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
      memset (target->value, 0, target->size * sizeof (float));
      for (size_t r = 0; r < rows; r++)
        target->value[r * (size_t) nn_node_cols (target)
                      + nn_rng_below (rng, (uint32_t) nn_node_cols (target))] = 1.f;
      break;
    default:
      for (size_t i = 0; i < target->size; i++)
        target->value[i] = nn_rng_normal (rng);
      break;
    }
}

static void
run_training_step (NnModel *m, FuzzBytes *b)
{
  NnRng rng;
  nn_rng_seed (&rng, fuzz_byte (b));
  int batch = 1 + (int) fuzz_below (b, 2);
  int flags = NN_COMPILE_TRAIN | (fuzz_byte (b) & 1 ? NN_COMPILE_INPUT_GRADS : 0);
  g_autoptr(GError) error = NULL;
  NnCompiled *c = nn_compile (m, 2, flags, &rng, &error);
  fuzz_check_result (c != NULL, error);
  if (c == NULL)
    return;
  NnGraph *g = c->g;
  nn_graph_set_batch (g, batch);
  for (int k = 0; k < c->n_inputs; k++)
    {
      NnNode *x = &g->nodes[c->input_nodes[k]];
      for (size_t i = 0; i < x->size; i++)
        x->value[i] = nn_rng_normal (&rng);
    }
  for (int o = 0; o < c->n_outputs; o++)
    if (c->target_nodes[o] >= 0)
      fill_target (&rng, nn_model_output_get_loss (m, o), &g->nodes[c->output_nodes[o]],
                   &g->nodes[c->target_nodes[o]]);
  memset (c->grads, 0, c->n_grads * sizeof (float));
  if (c->loss_node >= 0)
    {
      nn_graph_forward_to (g, c->loss_node);
      nn_graph_backward (g, c->loss_node);
      NnOptimizerConfig cfg;
      nn_optimizer_config_init (&cfg, (NnOptimizerKind) fuzz_below (b, NN_N_OPTIMIZERS));
      NnOptimizer *opt = nn_optimizer_new (&cfg, c->n_grads);
      nn_optimizer_step (opt, c, cfg.learning_rate);
      nn_optimizer_free (opt);
    }
  else
    nn_graph_forward (g);
  nn_compiled_free (c);
}

static void
run_inference (NnModel *m, FuzzBytes *b)
{
  g_autoptr(GError) error = NULL;
  NnCompiled *c = nn_compile (m, 2, 0, NULL, &error);
  fuzz_check_result (c != NULL, error);
  if (c == NULL)
    return;
  for (int k = 0; k < c->n_inputs; k++)
    {
      NnNode *x = &c->g->nodes[c->input_nodes[k]];
      for (size_t i = 0; i < x->size; i++)
        x->value[i] = (float) ((int) (i % 7) - 3);
    }
  nn_graph_forward (c->g);
  nn_compiled_free (c);

  /* nn_model_run on three samples, for a random layer call */
  int n_in = nn_model_get_n_inputs (m);
  NnTensor *inputs[8] = { NULL };
  for (int k = 0; k < n_in && k < 8; k++)
    {
      int ndim, shape[NN_MAX_DIMS + 1] = { 3 };
      NnRef r = { nn_model_get_input_layer (m, k), 0 };
      g_assert (nn_model_get_shape (m, r, &ndim, shape + 1));
      inputs[k] = nn_tensor_new (ndim + 1, shape);
      for (size_t i = 0; i < inputs[k]->size; i++)
        inputs[k]->data[i] = (float) (i % 5) * 0.25f;
    }
  int l = (int) fuzz_below (b, (unsigned) nn_model_get_n_layers (m));
  int calls = nn_model_layer_get_n_calls (m, l);
  NnRef ref = { l, calls > 0 ? (int) fuzz_below (b, (unsigned) calls) : 0 };
  g_autoptr(GError) run_error = NULL;
  g_autoptr(NnTensor) out = nn_model_run (m, inputs, MIN (n_in, 8), ref, &run_error);
  if (n_in <= 8)
    fuzz_check_result (out != NULL || run_error != NULL, run_error);
  for (int k = 0; k < 8; k++)
    g_clear_pointer (&inputs[k], nn_tensor_free);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(NnModel) m = nn_model_new ("fuzz");
  Builder bd = { m, { data, size }, { { 0 } }, 0 };

  int n_inputs = 1 + (int) fuzz_below (&bd.b, 2);
  for (int k = 0; k < n_inputs; k++)
    add_input (&bd, NULL);
  int n_layers = 1 + (int) fuzz_below (&bd.b, MAX_LAYERS);
  for (int k = 0; k < n_layers; k++)
    add_layer (&bd);

  /* Outputs: the last tensor made, and sometimes another one. */
  int n_outputs = 1 + (int) fuzz_below (&bd.b, 2);
  for (int o = 0; o < n_outputs; o++)
    {
      NnRef r = o == 0 ? bd.refs[bd.n_refs - 1] : bd.refs[fuzz_below (&bd.b, (unsigned) bd.n_refs)];
      NnLoss loss = (NnLoss) fuzz_below (&bd.b, NN_N_LOSSES);
      NnMetric metrics[2] = {
        (NnMetric) fuzz_below (&bd.b, NN_N_METRICS), (NnMetric) fuzz_below (&bd.b, NN_N_METRICS),
      };
      double weight = fuzz_below (&bd.b, 4) * 0.5;
      nn_model_add_output (m, r, loss, weight, metrics, (int) fuzz_below (&bd.b, 3));
    }

  g_autoptr(GError) error = NULL;
  gboolean ok = nn_model_infer (m, &error);
  fuzz_check_result (ok, error);
  if (!ok || !small_enough (m))
    return 0;
  g_autoptr(GError) weights_error = NULL;
  ok = nn_model_init_weights (m, fuzz_byte (&bd.b), &weights_error);
  fuzz_check_result (ok, weights_error);
  if (!ok)
    return 0;
  g_autofree char *summary = nn_model_summary (m, NULL);
  g_assert (summary != NULL);
  /* FUZZ_DUMP=1: print the model, to see what a crashing input built */
  if (g_getenv ("FUZZ_DUMP") != NULL)
    {
      g_autofree char *text = nn_model_to_json (m, FALSE, NULL);
      g_printerr ("%s\n", text ? text : summary);
    }

  run_training_step (m, &bd.b);
  run_inference (m, &bd.b);

  /* Written and read back, the model has the same layers and weights. */
  g_autoptr(GError) json_error = NULL;
  g_autofree char *json = nn_model_to_json (m, TRUE, &json_error);
  fuzz_check_result (json != NULL, json_error);
  if (json != NULL)
    {
      g_autoptr(GError) load_error = NULL;
      g_autoptr(NnModel) again = nn_model_load_from_data (json, -1, &load_error);
      if (again == NULL)
        {
          g_printerr ("A model built through the API does not read back from its own "
                      "file: %s\n%s\n", load_error->message, json);
          abort ();
        }
      g_assert_cmpint (nn_model_get_n_layers (again), ==, nn_model_get_n_layers (m));
    }
  return 0;
}
