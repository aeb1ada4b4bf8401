/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The inspector's core: probes (every layer call, nested models included),
 * predictions, activations in one forward pass, dead units, and the two
 * gradient primitives the explanations and filter pictures build on.
 *
 * Two graphs, compiled lazily from the inspector's own copy of the model:
 * - an inference graph (no gradients, dropout off, batch norm on its moving
 *   statistics) whose probes keep their values, so one forward pass
 *   leaves every layer's output readable;
 * - a gradient graph compiled with input gradients, so a gradient flows
 *   to the input and through every layer's output. Its backward passes
 *   start at any node and stop at the lowest node wanted
 *   (nn_graph_backward_seeded): Grad-CAM does not pay for the gradient
 *   below its layer.
 * Neither is a training graph, so no node is fused (computed_by_input,
 * sets_own_grad) and every probe's value and gradient are its own. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-inspect-private.h"
#include "nn-conv-private.h"

static gboolean
type_is (const NnLayer *l, const char *name)
{
  return g_str_equal (nn_layer_type_get_name (nn_layer_type (l)), name);
}

static gboolean
is_conv_type (const NnLayer *l)
{
  return type_is (l, "Conv2D") || type_is (l, "DepthwiseConv2D") || type_is (l, "SeparableConv2D")
         || type_is (l, "Conv2DTranspose");
}

/* Whether node's value passes a ReLU: a ReLU op, or a convolution with its
 * ReLU fused in. */
static gboolean
node_is_relu (NnGraph *g, int node)
{
  NnNode *n = nn_graph_node (g, node);
  if (n->op == NN_OP_RELU)
    return TRUE;
  return (n->op == NN_OP_CONV2D || n->op == NN_OP_DEPTHWISE_CONV2D)
         && n->ip[NN_CONV_ACT] == NN_CONV_ACT_RELU;
}

static size_t
node_per_sample (const NnNode *n)
{
  return n->batched && n->shape[0] ? n->size / (size_t) n->shape[0] : n->size;
}

/* A new tensor (n, shape of node without its batch axis) holding the
 * node's first n samples. */
static NnTensor *
node_copy (NnGraph *g, int node, int n)
{
  NnNode *nd = nn_graph_node (g, node);
  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, nd->shape + 1, sizeof (int) * (size_t) (nd->ndim - 1));
  NnTensor *t = nn_tensor_new (MAX (nd->ndim, 1), shape);
  memcpy (t->data, nd->value, (size_t) n * node_per_sample (nd) * sizeof (float));
  return t;
}

/* Copies n samples from src into rows [at, at + n) of dst (same
 * per-sample size); src NULL (a node without a gradient) leaves zeros. */
static void
copy_rows (NnTensor *dst, int at, const float *src, int n)
{
  size_t per = dst->size / (size_t) dst->shape[0];
  if (src)
    memcpy (dst->data + (size_t) at * per, src, (size_t) n * per * sizeof (float));
}

/* ---- compiling ------------------------------------------------------------ */

static NnCompiled *
compile (NnInspector *in, int batch, int flags, GError **error)
{
  NnCompiled *c = nn_compile (in->model, batch, flags | NN_COMPILE_PROBES, NULL, error);
  if (!c)
    return NULL;
  /* The lowering does not depend on the flags: both graphs list the same
   * probes. */
  g_assert (c->n_probes >= in->n_probes);
  return c;
}

NnCompiled *
nn_inspector_forward_graph (NnInspector *in, int batch, GError **error)
{
  batch = CLAMP (batch, 1, MAX (in->fwd_max, 1));
  if (in->fwd && in->fwd_batch >= batch)
    return in->fwd;
  NnCompiled *c = compile (in, batch, 0, error);
  if (!c)
    return NULL;
  g_clear_pointer (&in->fwd, nn_compiled_free);
  in->fwd = c;
  in->fwd_batch = batch;
  return c;
}

NnCompiled *
nn_inspector_gradient_graph (NnInspector *in, int batch, GError **error)
{
  batch = CLAMP (batch, 1, MAX (in->grad_max, 1));
  if (in->grad && in->grad_batch >= batch)
    return in->grad;
  /* The old graph goes first: the two need not fit in memory together. */
  g_clear_pointer (&in->grad, nn_compiled_free);
  in->grad_batch = 0;
  NnCompiled *c = compile (in, batch, NN_COMPILE_INPUT_GRADS, error);
  if (!c)
    return NULL;
  in->grad = c;
  in->grad_batch = batch;
  return c;
}

int
nn_inspector_probe_node (NnInspector *in, NnCompiled *c, int probe)
{
  g_assert (probe >= 0 && probe < in->n_probes);
  return c->probes[in->probe_slot[probe]].node;
}

int
nn_inspector_logits_node (NnInspector *in, NnCompiled *c)
{
  int out = c->output_nodes[0];
  NnNode *n = nn_graph_node (c->g, out);
  if ((n->op == NN_OP_SOFTMAX || n->op == NN_OP_SIGMOID) && n->n_in == 1)
    return n->in[0];
  return out;
}

/* ---- the inspector -------------------------------------------------------- */

/* Classes of output 0 (see nn_inspector_get_n_classes). */
static int
count_classes (NnInspector *in, NnCompiled *c)
{
  NnNode *out = nn_graph_node (c->g, c->output_nodes[0]);
  NnLoss loss = nn_model_output_get_loss (in->model, 0);
  gboolean squashed = out->op == NN_OP_SOFTMAX || out->op == NN_OP_SIGMOID;
  gboolean cross_entropy = loss == NN_LOSS_BINARY_CROSSENTROPY
                           || loss == NN_LOSS_CATEGORICAL_CROSSENTROPY
                           || loss == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  if (out->ndim != 2 || !(squashed || cross_entropy))
    return 0;
  int units = out->shape[1];
  if (units == 1)
    return out->op == NN_OP_SIGMOID || loss == NN_LOSS_BINARY_CROSSENTROPY ? 2 : 0;
  return units;
}

static void
list_probes (NnInspector *in, NnCompiled *c)
{
  in->probes = g_new0 (NnProbe, MAX (c->n_probes, 1));
  in->probe_slot = g_new0 (int, MAX (c->n_probes, 1));
  for (int k = 0; k < c->n_probes; k++)
    {
      NnCompiledProbe *cp = &c->probes[k];
      /* A Model layer's output is its last inner layer's, listed already;
       * a nested Input is the Model layer's input, listed already. */
      if (is_model_layer (cp->layer) || (cp->depth > 0 && type_is (cp->layer, "Input")))
        continue;
      NnNode *n = nn_graph_node (c->g, cp->node);
      NnProbe *p = &in->probes[in->n_probes];
      p->path = g_strdup (cp->path);
      const char *slash = strrchr (cp->path, '/');
      p->layer_name = g_strdup (slash ? slash + 1 : cp->path);
      p->layer_type = g_strdup (nn_layer_type_get_name (nn_layer_type (cp->layer)));
      p->depth = cp->depth;
      p->ref = cp->top;
      p->ndim = n->ndim - 1;
      memcpy (p->shape, n->shape + 1, sizeof (int) * (size_t) p->ndim);
      p->spatial = p->ndim == 3 && p->shape[0] > 1 && p->shape[1] > 1;
      p->conv = is_conv_type (cp->layer);
      p->relu = node_is_relu (c->g, cp->node);
      in->probe_slot[in->n_probes++] = k;
    }
}

/* fwd_max and grad_max from one sample's activations in c (batch 1): the
 * inference graph holds the probes' values and what shares the rest, the
 * gradient graph a value and a gradient for every node. */
static void
set_batch_limits (NnInspector *in, NnCompiled *c)
{
  size_t all = 0;
  for (int i = 0; i < c->g->n_nodes; i++)
    if (!c->g->nodes[i].external)
      all += c->g->nodes[i].capacity;
  size_t fwd = MAX (c->g->value_arena_size, 1) * sizeof (float);
  size_t grad = MAX (all, 1) * 2 * sizeof (float);
  in->fwd_max = (int) CLAMP (NN_INSPECT_FORWARD_BYTES / fwd, 1, NN_INSPECT_FORWARD_BATCH);
  in->grad_max = (int) CLAMP (NN_INSPECT_GRADIENT_BYTES / grad, 1, NN_INSPECT_GRADIENT_BATCH);
}

NnInspector *
nn_inspector_new (const NnModel *m, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has no weights to inspect: train it first, or open a model "
                   "file saved with its weights"),
                   nn_model_get_name (m));
      return NULL;
    }
  g_autoptr (NnInspector) in = g_new0 (NnInspector, 1);
  in->model = nn_model_copy (m);
  nn_model_auto_outputs (in->model);
  if (!nn_model_infer (in->model, error))
    return NULL;
  if (!nn_model_has_weights (in->model))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The weights of the model “%s” do not fit its layers any more: train it "
                   "again"),
                   nn_model_get_name (m));
      return NULL;
    }
  int n_inputs = nn_model_get_n_inputs (in->model);
  if (n_inputs != 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has %d inputs; inspecting takes a model with exactly one "
                   "Input layer"),
                   nn_model_get_name (m), n_inputs);
      return NULL;
    }
  in->fwd_max = in->grad_max = 1;
  NnCompiled *c = nn_inspector_forward_graph (in, 1, error);
  if (!c)
    return NULL;
  set_batch_limits (in, c);
  NnNode *x = nn_graph_node (c->g, c->input_nodes[0]);
  in->input_ndim = x->ndim - 1;
  memcpy (in->input_shape, x->shape + 1, sizeof (int) * (size_t) in->input_ndim);
  in->input_size = node_per_sample (x);
  in->n_units = (int) node_per_sample (nn_graph_node (c->g, c->output_nodes[0]));
  in->n_classes = count_classes (in, c);
  list_probes (in, c);
  return g_steal_pointer (&in);
}

void
nn_inspector_free (NnInspector *in)
{
  if (!in)
    return;
  g_clear_pointer (&in->fwd, nn_compiled_free);
  g_clear_pointer (&in->grad, nn_compiled_free);
  for (int k = 0; k < in->n_probes; k++)
    {
      g_free (in->probes[k].path);
      g_free (in->probes[k].layer_name);
      g_free (in->probes[k].layer_type);
    }
  g_free (in->probes);
  g_free (in->probe_slot);
  g_clear_pointer (&in->model, nn_model_free);
  g_free (in);
}

const NnModel *
nn_inspector_get_model (NnInspector *in)
{
  g_return_val_if_fail (in != NULL, NULL);
  return in->model;
}

int
nn_inspector_get_n_probes (NnInspector *in)
{
  g_return_val_if_fail (in != NULL, 0);
  return in->n_probes;
}

const NnProbe *
nn_inspector_get_probe (NnInspector *in, int probe)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (probe < 0 || probe >= in->n_probes)
    return NULL;
  return &in->probes[probe];
}

int
nn_inspector_find_probe (NnInspector *in, const char *path)
{
  g_return_val_if_fail (in != NULL, -1);
  if (!path)
    return -1;
  for (int k = 0; k < in->n_probes; k++)
    if (g_str_equal (in->probes[k].path, path))
      return k;
  return -1;
}

int
nn_inspector_default_cam_probe (NnInspector *in)
{
  g_return_val_if_fail (in != NULL, -1);
  for (int k = in->n_probes - 1; k >= 0; k--)
    if (in->probes[k].spatial && !g_str_equal (in->probes[k].layer_type, "Input"))
      return k;
  return -1;
}

int
nn_inspector_get_input_shape (NnInspector *in, int *shape)
{
  g_return_val_if_fail (in != NULL, 0);
  if (shape)
    memcpy (shape, in->input_shape, sizeof (int) * (size_t) in->input_ndim);
  return in->input_ndim;
}

int
nn_inspector_get_n_classes (NnInspector *in)
{
  g_return_val_if_fail (in != NULL, 0);
  return in->n_classes;
}

/* ---- checks --------------------------------------------------------------- */

gboolean
nn_inspector_check_input (NnInspector *in, const NnTensor *t, int want_n, const char *what,
                          GError **error)
{
  gboolean ok = t && t->ndim == in->input_ndim + 1 && t->shape[0] >= 1
                && (want_n <= 0 || t->shape[0] == want_n)
                && memcmp (t->shape + 1, in->input_shape, sizeof (int) * (size_t) in->input_ndim)
                       == 0
                && t->size == (size_t) t->shape[0] * in->input_size && t->data;
  if (ok)
    return TRUE;
  int want[NN_MAX_DIMS + 1] = { want_n > 0 ? want_n : 1 };
  memcpy (want + 1, in->input_shape, sizeof (int) * (size_t) in->input_ndim);
  g_autofree char *exp = want_n > 0 ? nn_shape_to_string (in->input_ndim + 1, want, 0)
                                    : nn_shape_to_string (in->input_ndim, in->input_shape, 1);
  g_autofree char *got = t ? nn_shape_to_string (t->ndim, t->shape, 0) : g_strdup ("nothing");
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               _("%s has shape %s but the model “%s” expects %s: convert it to the model's input "
               "shape"),
               what, got, nn_model_get_name (in->model), exp);
  return FALSE;
}

gboolean
nn_inspector_check_probe (NnInspector *in, int probe, GError **error)
{
  if (probe >= 0 && probe < in->n_probes)
    return TRUE;
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               _("There is no layer output %d to inspect: the model “%s” has %d (0 to %d)"), probe,
               nn_model_get_name (in->model), in->n_probes, in->n_probes - 1);
  return FALSE;
}

/* FALSE unless seed is (n, shape...) of `ndim` per-sample dimensions. */
static gboolean
check_seed (NnInspector *in, const NnTensor *seed, int n, int ndim, const int *shape,
            const char *of, GError **error)
{
  size_t per = nn_shape_size (ndim, shape);
  gboolean ok = seed && seed->data && seed->ndim == ndim + 1 && seed->shape[0] == n
                && memcmp (seed->shape + 1, shape, sizeof (int) * (size_t) ndim) == 0
                && seed->size == (size_t) n * per;
  if (ok)
    return TRUE;
  int want[NN_MAX_DIMS + 1] = { n };
  memcpy (want + 1, shape, sizeof (int) * (size_t) ndim);
  g_autofree char *exp = nn_shape_to_string (ndim + 1, want, 0);
  g_autofree char *got = seed ? nn_shape_to_string (seed->ndim, seed->shape, 0)
                              : g_strdup ("nothing");
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
               _("The gradient seed has shape %s but %s is %s: give one value per element of it "
               "for each input"),
               got, of, exp);
  return FALSE;
}

/* ---- forward -------------------------------------------------------------- */

/* Feeds samples [at, at + b) of inputs to c and runs forward to node last. */
static void
forward_rows (NnCompiled *c, const NnTensor *inputs, int at, int b, int last)
{
  NnNode *x = nn_graph_node (c->g, c->input_nodes[0]);
  nn_graph_set_batch (c->g, b);
  size_t per = node_per_sample (x);
  memcpy (x->value, inputs->data + (size_t) at * per, (size_t) b * per * sizeof (float));
  nn_graph_forward_to (c->g, last);
}

NnTensor *
nn_inspector_predict (NnInspector *in, const NnTensor *inputs, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (!nn_inspector_check_input (in, inputs, 0, "The input", error))
    return NULL;
  int n = inputs->shape[0];
  NnCompiled *c = nn_inspector_forward_graph (in, n, error);
  if (!c)
    return NULL;
  int out = c->output_nodes[0];
  int shape[2] = { n, in->n_units };
  NnTensor *t = nn_tensor_new (2, shape);
  for (int i = 0; i < n; i += in->fwd_batch)
    {
      int b = MIN (in->fwd_batch, n - i);
      forward_rows (c, inputs, i, b, out);
      copy_rows (t, i, nn_graph_node (c->g, out)->value, b);
    }
  return t;
}

NnTensor *
nn_inspector_probe_values (NnInspector *in, const NnTensor *inputs, int probe, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (!nn_inspector_check_probe (in, probe, error)
      || !nn_inspector_check_input (in, inputs, 0, "The input", error))
    return NULL;
  int n = inputs->shape[0];
  NnCompiled *c = nn_inspector_forward_graph (in, n, error);
  if (!c)
    return NULL;
  int node = nn_inspector_probe_node (in, c, probe);
  const NnProbe *p = &in->probes[probe];
  /* (n, features): the probe's per-sample shape flattened, as the
   * projector wants one row of features per input */
  int shape[2] = { n, (int) nn_shape_size (p->ndim, p->shape) };
  NnTensor *t = nn_tensor_new (2, shape);
  for (int i = 0; i < n; i += in->fwd_batch)
    {
      int b = MIN (in->fwd_batch, n - i);
      forward_rows (c, inputs, i, b, node);
      copy_rows (t, i, nn_graph_node (c->g, node)->value, b);
    }
  return t;
}

NnTensor **
nn_inspector_activations (NnInspector *in, const NnTensor *input, NnTensor **prediction,
                          GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (prediction)
    *prediction = NULL;
  if (!nn_inspector_check_input (in, input, 1, "The input", error))
    return NULL;
  NnCompiled *c = nn_inspector_forward_graph (in, 1, error);
  if (!c)
    return NULL;
  /* One pass to the last node any probe or output 0 needs; the probes keep
   * their own bytes (NN_COMPILE_PROBES), so each is still there after. */
  int last = c->output_nodes[0];
  for (int k = 0; k < in->n_probes; k++)
    last = MAX (last, nn_inspector_probe_node (in, c, k));
  forward_rows (c, input, 0, 1, last);
  NnTensor **t = g_new0 (NnTensor *, MAX (in->n_probes, 1));
  for (int k = 0; k < in->n_probes; k++)
    t[k] = node_copy (c->g, nn_inspector_probe_node (in, c, k), 1);
  if (prediction)
    *prediction = node_copy (c->g, c->output_nodes[0], 1);
  return t;
}

void
nn_tensors_free (NnTensor **t, int n)
{
  if (!t)
    return;
  for (int k = 0; k < n; k++)
    nn_tensor_free (t[k]);
  g_free (t);
}

gboolean
nn_inspector_dead_units (NnInspector *in, const NnTensor *inputs, double *fractions, GError **error)
{
  g_return_val_if_fail (in != NULL && fractions != NULL, FALSE);
  if (!nn_inspector_check_input (in, inputs, 0, "The input", error))
    return FALSE;
  int n = inputs->shape[0];
  NnCompiled *c = nn_inspector_forward_graph (in, n, error);
  if (!c)
    return FALSE;
  /* alive[k] (units of probe k, on its last axis): nonzero anywhere yet */
  guint8 **alive = g_new0 (guint8 *, MAX (in->n_probes, 1));
  int last = -1;
  for (int k = 0; k < in->n_probes; k++)
    {
      fractions[k] = NAN;
      if (!in->probes[k].relu || in->probes[k].ndim < 1)
        continue;
      alive[k] = g_new0 (guint8, in->probes[k].shape[in->probes[k].ndim - 1]);
      last = MAX (last, nn_inspector_probe_node (in, c, k));
    }
  for (int i = 0; last >= 0 && i < n; i += in->fwd_batch)
    {
      int b = MIN (in->fwd_batch, n - i);
      forward_rows (c, inputs, i, b, last);
      for (int k = 0; k < in->n_probes; k++)
        {
          if (!alive[k])
            continue;
          NnNode *nd = nn_graph_node (c->g, nn_inspector_probe_node (in, c, k));
          size_t units = (size_t) in->probes[k].shape[in->probes[k].ndim - 1];
          for (size_t e = 0; e < nd->size; e++)
            alive[k][e % units] |= nd->value[e] != 0.0f;
        }
    }
  for (int k = 0; k < in->n_probes; k++)
    {
      if (!alive[k])
        continue;
      int units = in->probes[k].shape[in->probes[k].ndim - 1], dead = 0;
      for (int u = 0; u < units; u++)
        dead += !alive[k][u];
      fractions[k] = units ? (double) dead / units : NAN;
      g_free (alive[k]);
    }
  g_free (alive);
  return TRUE;
}

/* ---- gradients ------------------------------------------------------------ */

NnTensor *
nn_inspector_input_gradient (NnInspector *in, const NnTensor *inputs, int probe,
                             const NnTensor *seed, NnTensor **probe_value, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (probe_value)
    *probe_value = NULL;
  if (!nn_inspector_check_input (in, inputs, 0, "The input", error)
      || !nn_inspector_check_probe (in, probe, error))
    return NULL;
  const NnProbe *p = &in->probes[probe];
  int n = inputs->shape[0];
  g_autofree char *of = g_strdup_printf ("the output of %s", p->path);
  if (!check_seed (in, seed, n, p->ndim, p->shape, of, error))
    return NULL;
  NnCompiled *c = nn_inspector_gradient_graph (in, n, error);
  if (!c)
    return NULL;
  int node = nn_inspector_probe_node (in, c, probe), x = c->input_nodes[0];
  size_t per = nn_shape_size (p->ndim, p->shape);
  g_autoptr (NnTensor) grad = nn_tensor_new (inputs->ndim, inputs->shape);
  g_autoptr (NnTensor) value = NULL;
  if (probe_value)
    {
      int shape[NN_MAX_DIMS + 1] = { n };
      memcpy (shape + 1, p->shape, sizeof (int) * (size_t) p->ndim);
      value = nn_tensor_new (p->ndim + 1, shape);
    }
  for (int i = 0; i < n; i += in->grad_batch)
    {
      int b = MIN (in->grad_batch, n - i);
      forward_rows (c, inputs, i, b, node);
      nn_graph_backward_seeded (c->g, node, seed->data + (size_t) i * per, x);
      copy_rows (grad, i, nn_graph_node (c->g, x)->grad, b);
      if (value)
        copy_rows (value, i, nn_graph_node (c->g, node)->value, b);
    }
  if (probe_value)
    *probe_value = g_steal_pointer (&value);
  return g_steal_pointer (&grad);
}

NnTensor *
nn_inspector_probe_gradient (NnInspector *in, const NnTensor *inputs, int probe,
                             const NnTensor *output_seed, NnTensor **probe_value,
                             NnTensor **output_value, GError **error)
{
  g_return_val_if_fail (in != NULL, NULL);
  if (probe_value)
    *probe_value = NULL;
  if (output_value)
    *output_value = NULL;
  if (!nn_inspector_check_input (in, inputs, 0, "The input", error)
      || !nn_inspector_check_probe (in, probe, error))
    return NULL;
  const NnProbe *p = &in->probes[probe];
  int n = inputs->shape[0];
  int units[1] = { in->n_units };
  if (!check_seed (in, output_seed, n, 1, units, "the output's class scores", error))
    return NULL;
  NnCompiled *c = nn_inspector_gradient_graph (in, n, error);
  if (!c)
    return NULL;
  int node = nn_inspector_probe_node (in, c, probe);
  int logits = nn_inspector_logits_node (in, c), out = c->output_nodes[0];
  int shape[NN_MAX_DIMS + 1] = { n };
  memcpy (shape + 1, p->shape, sizeof (int) * (size_t) p->ndim);
  g_autoptr (NnTensor) grad = nn_tensor_new (p->ndim + 1, shape);
  g_autoptr (NnTensor) value = probe_value ? nn_tensor_new (p->ndim + 1, shape) : NULL;
  int oshape[2] = { n, in->n_units };
  g_autoptr (NnTensor) ovalue = output_value ? nn_tensor_new (2, oshape) : NULL;
  for (int i = 0; i < n; i += in->grad_batch)
    {
      int b = MIN (in->grad_batch, n - i);
      forward_rows (c, inputs, i, b, MAX (out, node));
      /* From the logits down to the probe, no further; a probe after the
       * logits (the output layer itself) gets zeros: the logits do not
       * depend on it. */
      nn_graph_backward_seeded (c->g, logits, output_seed->data + (size_t) i * in->n_units, node);
      copy_rows (grad, i, nn_graph_node (c->g, node)->grad, b);
      if (value)
        copy_rows (value, i, nn_graph_node (c->g, node)->value, b);
      if (ovalue)
        copy_rows (ovalue, i, nn_graph_node (c->g, out)->value, b);
    }
  if (probe_value)
    *probe_value = g_steal_pointer (&value);
  if (output_value)
    *output_value = g_steal_pointer (&ovalue);
  return g_steal_pointer (&grad);
}
