/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lowering a model to the op graph: inputs, weights as parameter nodes,
 * every layer call through its table entry, then targets, losses (fused
 * with a final softmax or sigmoid when it is numerically better), loss
 * weights and weight penalties summed into one scalar. */
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-model-private.h"
#include "nn-conv-private.h"
#include "nn-seq-private.h"

extern const NnLayerType nn_model_layer_type;

typedef struct {
  NnCompiled *c;
  NnLowerCtx  lower;
  int         flags;
  GArray     *segments;    /* NnParamSegment, grads as offsets until the end */
  size_t      n_grads;
  GArray     *dropouts;    /* pairs: node, layer (top-level only) */
  GArray     *node_layer;  /* int per node: the top-level layer that added it, or -1 */
  /* NN_COMPILE_PROBES: the calls lowered so far (NnCompiledProbe), and
   * where the lowering is: the path prefix ("" or "conv_base/"), the depth
   * and the top-level call that holds the model being lowered. */
  GArray     *probes;
  char       *prefix;
  int         depth;
  NnRef       top_ref;
  GArray     *kls;         /* KlLayer: each KL node and its Sampling layer, any depth */
} Compiler;

typedef struct {
  int      node;
  NnLayer *layer;
} KlLayer;

/* Appends a probe for call ci of layer l of the model being lowered. */
static void
note_probe (Compiler *cc, const NnLayer *l, int li, int ci, int node, gboolean top)
{
  if (!cc->probes)
    return;
  NnCompiledProbe p = { NULL, node, l, cc->depth, top ? (NnRef) { li, ci } : cc->top_ref };
  p.path = ci > 0 ? g_strdup_printf ("%s%s:%d", cc->prefix, l->name, ci)
                  : g_strconcat (cc->prefix, l->name, NULL);
  g_array_append_val (cc->probes, p);
}

/* Records that nodes from..n_nodes-1 belong to top-level layer li. */
static void
note_nodes (Compiler *cc, int from, int li)
{
  int none = -1;
  while ((int) cc->node_layer->len < cc->lower.g->n_nodes)
    g_array_append_val (cc->node_layer, none);
  for (int n = from; n < cc->lower.g->n_nodes; n++)
    g_array_index (cc->node_layer, int, n) = li;
}

static gboolean lower_model (Compiler *cc, NnModel *m, const int *inputs, int **call_nodes,
                             gboolean top, GError **error);

/* call_nodes for model m: per layer, NN_MAX_LAYER_OUTPUTS entries per call,
 * -1 until lowered (output k of call c at c + k n_calls). */
static int **
new_call_nodes (const NnModel *m)
{
  int **nodes = g_new0 (int *, MAX (m->n_layers, 1));
  for (int i = 0; i < m->n_layers; i++)
    {
      int n = m->layers[i]->n_calls * NN_MAX_LAYER_OUTPUTS;
      nodes[i] = g_new (int, MAX (n, 1));
      for (int k = 0; k < n; k++)
        nodes[i][k] = -1;
    }
  return nodes;
}

static void
free_call_nodes (const NnModel *m, int **nodes)
{
  for (int i = 0; nodes && i < m->n_layers; i++)
    g_free (nodes[i]);
  g_free (nodes);
}

static inline int *
ref_slot (const NnModel *m, int **call_nodes, NnRef r)
{
  return &call_nodes[r.layer][r.call + r.out * m->layers[r.layer]->n_calls];
}

int
nn_compiled_ref_node (const NnCompiled *c, NnRef r)
{
  const NnModel *m = c->model;
  if (r.layer < 0 || r.layer >= m->n_layers || r.call < 0 || r.call >= m->layers[r.layer]->n_calls
      || r.out < 0 || r.out >= NN_MAX_LAYER_OUTPUTS)
    return -1;
  return *ref_slot (m, c->call_nodes, r);
}

/* x (B, T, ...) as (B T, ...) (mode 1), or x (B T, ...) as (B, T, ...)
 * (mode 2), for TimeDistributed around a model. */
static int
fold_steps (NnGraph *g, int x, int mode, int steps)
{
  nn_graph_update_shapes (g, x);
  const NnNode *xn = &g->nodes[x];
  int y = nn_graph_add (g, NN_OP_RESHAPE, &x, 1);
  NnNode *n = &g->nodes[y];
  xn = &g->nodes[x];
  n->ip[NN_RESHAPE_FOLD] = mode;
  n->ip[NN_RESHAPE_STEPS] = steps;
  if (mode == 1)
    {
      n->ip[0] = xn->ndim - 2;
      for (int k = 2; k < xn->ndim; k++)
        n->ip[k - 1] = xn->shape[k];
    }
  else
    {
      n->ip[0] = xn->ndim;
      n->ip[1] = steps;
      for (int k = 1; k < xn->ndim; k++)
        n->ip[k + 1] = xn->shape[k];
    }
  nn_graph_update_shapes (g, y);
  return y;
}

static int
lower_call (Compiler *cc, NnModel *m, int li, int ci, int **call_nodes, int **w_nodes,
            gboolean top, GError **error)
{
  NnLayer *l = m->layers[li];
  if (call_nodes[li][ci] >= 0)
    return call_nodes[li][ci];
  NnCall *call = &l->calls[ci];
  int in[64];
  for (int s = 0; s < call->n_in && s < 64; s++)
    {
      NnRef r = call->in[s];
      if (lower_call (cc, m, r.layer, r.call, call_nodes, w_nodes, top, error) < 0)
        return -1;
      in[s] = *ref_slot (m, call_nodes, r);
      if (in[s] < 0)
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                       _("%s reads output %d of %s, which it does not have"), l->name, r.out,
                       m->layers[r.layer]->name);
          return -1;
        }
    }
  NnGraph *g = cc->lower.g;
  int before = g->n_nodes;
  int out;
  if (l->sub)
    {
      NnModel *sub = l->sub;
      /* TimeDistributed: every step a sample of the inner model */
      int steps = l->type == &nn_model_layer_type ? 0 : g->nodes[in[0]].shape[1];
      int sub_in[64];
      memcpy (sub_in, in, sizeof (int) * (size_t) MIN (call->n_in, 64));
      if (steps)
        sub_in[0] = fold_steps (g, in[0], 1, steps);
      int **sub_nodes = new_call_nodes (sub);
      /* A frozen Model layer freezes everything inside it. */
      int saved = cc->flags, saved_frozen = cc->lower.frozen;
      if (!l->trainable)
        {
          cc->flags &= ~NN_COMPILE_TRAIN;
          cc->lower.frozen = 1;
        }
      /* Probes inside it are named after this call: "conv_base/conv1". */
      char *saved_prefix = cc->prefix;
      NnRef saved_top = cc->top_ref;
      if (cc->probes)
        {
          cc->prefix = ci > 0 ? g_strdup_printf ("%s%s:%d/", saved_prefix, l->name, ci)
                              : g_strconcat (saved_prefix, l->name, "/", NULL);
          if (top)
            cc->top_ref = (NnRef) { li, ci };
          cc->depth++;
        }
      gboolean ok = lower_model (cc, sub, sub_in, sub_nodes, FALSE, error);
      if (cc->probes)
        {
          g_free (cc->prefix);
          cc->prefix = saved_prefix;
          cc->top_ref = saved_top;
          cc->depth--;
        }
      cc->flags = saved;
      cc->lower.frozen = saved_frozen;
      NnRef r = sub->outputs[0].ref;
      out = ok ? *ref_slot (sub, sub_nodes, r) : -1;
      free_call_nodes (sub, sub_nodes);
      if (!ok)
        return -1;
      if (steps)
        out = fold_steps (g, out, 2, steps);
    }
  else
    {
      if (!w_nodes[li] && l->n_weights)
        {
          w_nodes[li] = g_new (int, l->n_weights);
          for (int k = 0; k < l->n_weights; k++)
            {
              NnWeightSpec *ws = &l->wspec[k];
              gboolean train = (cc->flags & NN_COMPILE_TRAIN) && l->trainable && ws->trainable;
              size_t n = nn_shape_size (ws->ndim, ws->shape);
              w_nodes[li][k] = nn_graph_add_param (g, ws->ndim, ws->shape, m->params + l->woff[k],
                                                   NULL);
              g_autofree char *label = g_strdup_printf ("%s/%s", l->name, ws->name);
              nn_graph_set_label (g, w_nodes[li][k], label);
              NnParamSegment seg = { m->params + l->woff[k], NULL, n, train };
              /* A Model layer called twice reaches the same weights twice:
               * both param nodes then share one gradient. */
              gboolean seen = FALSE;
              for (guint s = 0; s < cc->segments->len && !seen; s++)
                seen = g_array_index (cc->segments, NnParamSegment, s).value == seg.value;
              if (seen)
                continue;
              if (train)
                {
                  /* The grad pointer is an offset until the flat array exists. */
                  seg.grad = (float *) (uintptr_t) (cc->n_grads + 1);
                  cc->n_grads += n;
                }
              g_array_append_val (cc->segments, seg);
            }
        }
      for (int k = 0; k < NN_MAX_LAYER_OUTPUTS; k++)
        cc->lower.outs[k] = -1;
      out = l->type->lower (&cc->lower, l, in, call->n_in, w_nodes[li]);
      for (int k = 1; k < call->n_out; k++)
        *ref_slot (m, call_nodes, (NnRef) { li, ci, k }) = cc->lower.outs[k];
    }
  nn_graph_update_shapes (g, before);
  if (out >= 0 && call->n_in > 0 && l->type->keeps_mask && g->nodes[out].mask < 0)
    g->nodes[out].mask = g->nodes[in[0]].mask;
  if (top)
    note_nodes (cc, before, li);
  /* Sampling's KL term, whose beta may change mid-run (nested too: the
   * Model layer around it is not its layer). */
  for (int n = before; n < g->n_nodes && !is_model_layer (l); n++)
    if (g->nodes[n].op == NN_OP_KL)
      {
        KlLayer k = { n, l };
        if (!cc->kls)
          cc->kls = g_array_new (FALSE, FALSE, sizeof (KlLayer));
        g_array_append_val (cc->kls, k);
      }
  /* Layers whose rate may change mid-run (Dropout, SpatialDropout2D) keep
   * it in fp[0] of the op they add. */
  gboolean runtime_rate = FALSE;
  for (int p = 0; p < l->type->n_params; p++)
    runtime_rate |= l->type->params[p].runtime && g_str_equal (l->type->params[p].name, "rate");
  if (top && l->type->lower && runtime_rate && call->n_in > 0 && out != in[0])
    {
      int pair[2] = { out, li };
      g_array_append_vals (cc->dropouts, pair, 2);
    }
  call_nodes[li][ci] = out;
  note_probe (cc, l, li, ci, out, top);
  return out;
}

static gboolean
lower_model (Compiler *cc, NnModel *m, const int *inputs, int **call_nodes, gboolean top,
             GError **error)
{
  int **w_nodes = g_new0 (int *, MAX (m->n_layers, 1));
  for (int k = 0; k < nn_model_get_n_inputs (m); k++)
    {
      int li = nn_model_get_input_layer (m, k);
      call_nodes[li][0] = inputs[k];
      note_probe (cc, m->layers[li], li, 0, inputs[k], top);
    }
  gboolean ok = TRUE;
  for (int i = 0; ok && i < m->n_layers; i++)
    for (int c = 0; ok && c < m->layers[i]->n_calls; c++)
      if (m->layers[i]->type->max_inputs != 0)
        ok = lower_call (cc, m, i, c, call_nodes, w_nodes, top, error) >= 0;
  for (int i = 0; i < m->n_layers; i++)
    g_free (w_nodes[i]);
  g_free (w_nodes);
  return ok;
}

/* A training graph runs a Conv2D and the MaxPooling2D that is its only
 * reader as one op (nn-op-conv2d.c): the pooling and its backward then
 * work on each image while its convolution output is still in cache, and
 * the convolution's gradient is never zeroed or written whole. Inference
 * graphs keep them apart, since nn_model_run may read any layer's output.
 * The conv's shape rule undoes the fusion where Winograd runs instead.
 * Likewise a ReLU that is a batch norm's only reader runs inside it, and
 * a Conv1D that is an Embedding's only reader (no mask) computes from the
 * token ids through per-tap tables (nn-op-embed-conv1d.c). Reshapes are
 * views of their inputs, not copies (NnGraph.reshape_views).
 * DEEPSCOPE_NO_FUSION=1 turns all four off, to compare. */
static void
fuse_conv_pool (NnCompiled *c)
{
  const char *e = g_getenv ("DEEPSCOPE_NO_FUSION");
  if (e && *e && *e != '0')
    return;
  NnGraph *g = c->g;
  g->reshape_views = 1;
  int *readers = g_new0 (int, g->n_nodes);
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_in; k++)
      readers[g->nodes[i].in[k]]++;
  for (int o = 0; o < c->n_outputs; o++)
    readers[c->output_nodes[o]] += 2; /* read by the caller too */
  for (int i = 0; i < g->n_nodes; i++)
    nn_embed_conv1d_fuse (g, i, readers);
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *p = &g->nodes[i];
      if (p->op != NN_OP_MAX_POOL2D || p->n_in != 1)
        continue;
      NnNode *conv = &g->nodes[p->in[0]];
      if (conv->op != NN_OP_CONV2D || readers[p->in[0]] != 1 || conv->keep)
        continue;
      conv->ip[NN_CONV_POOL] = i + 1;
      conv->sets_own_grad = 1;
      p->computed_by_input = 1;
    }
  /* BatchNormalization -> ReLU: the batch norm writes the ReLU's output
   * and reads its gradient (nn-op-batchnorm.c); its own are never used */
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *r = &g->nodes[i];
      if (r->op != NN_OP_RELU || r->n_in != 1)
        continue;
      NnNode *bn = &g->nodes[r->in[0]];
      if (bn->op != NN_OP_BATCHNORM || readers[r->in[0]] != 1 || bn->keep)
        continue;
      bn->ip[1] = i + 1;
      bn->sets_own_grad = 1;
      r->computed_by_input = 1;
    }
  g_free (readers);
}

/* The model's Input layers as batched input nodes, and call_nodes with -1
 * for every layer call not lowered yet. */
static void
compile_inputs (NnCompiled *c, NnModel *m, int flags)
{
  NnGraph *g = c->g;
  c->n_inputs = nn_model_get_n_inputs (m);
  c->input_nodes = g_new (int, MAX (c->n_inputs, 1));
  for (int k = 0; k < c->n_inputs; k++)
    {
      NnLayer *l = m->layers[nn_model_get_input_layer (m, k)];
      c->input_nodes[k] = nn_graph_add_input (g, l->calls[0].shape.ndim, l->calls[0].shape.d, 1);
      g->nodes[c->input_nodes[k]].needs_grad = (flags & NN_COMPILE_INPUT_GRADS) != 0;
      nn_graph_set_label (g, c->input_nodes[k], l->name);
    }
  nn_graph_update_shapes (g, 0);

  c->call_nodes = new_call_nodes (m);
}

/* Outputs, targets and losses: appends each output's (weighted) loss node
 * to terms. */
static void
compile_losses (NnCompiled *c, NnModel *m, GArray *terms)
{
  NnGraph *g = c->g;
  c->n_outputs = m->n_outputs;
  c->output_nodes = g_new (int, c->n_outputs);
  c->target_nodes = g_new (int, c->n_outputs);
  c->loss_nodes = g_new (int, c->n_outputs);
  for (int o = 0; o < c->n_outputs; o++)
    {
      NnOutput *out = &m->outputs[o];
      int pred = nn_compiled_ref_node (c, out->ref);
      c->output_nodes[o] = pred;
      c->target_nodes[o] = c->loss_nodes[o] = -1;
      if (out->loss == NN_LOSS_NONE)
        continue;
      NnShape *ps = nn_call_shape (&m->layers[out->ref.layer]->calls[out->ref.call], out->ref.out);
      static const NnOpType loss_op[] = {
        0, NN_OP_BCE, NN_OP_CCE, NN_OP_SPARSE_CCE, NN_OP_MSE, NN_OP_MAE
      };
      gboolean sparse = out->loss == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
      /* sparse: one class number per row, every axis but the classes' */
      int target = nn_graph_add_input (g, sparse ? ps->ndim - 1 : ps->ndim, ps->d, 1);
      nn_graph_update_shapes (g, target);
      g_autofree char *tl = g_strdup_printf ("%s/target", m->layers[out->ref.layer]->name);
      nn_graph_set_label (g, target, tl);
      int src = pred, from_logits = 0;
      NnOpType pop = g->nodes[pred].op;
      /* Cross-entropy on logits is exact where log(softmax) would underflow. */
      if ((pop == NN_OP_SOFTMAX && (out->loss == NN_LOSS_CATEGORICAL_CROSSENTROPY || sparse))
          || (pop == NN_OP_SIGMOID && out->loss == NN_LOSS_BINARY_CROSSENTROPY))
        {
          src = g->nodes[pred].in[0];
          from_logits = 1;
        }
      int ins[3] = { src, target, g->nodes[pred].mask };
      int ln;
      if (ins[2] >= 0 && ps->ndim == 2)
        {
          /* A sequence output with a padding mask: padded steps count
           * neither in the loss nor in its mean (nn-seq-private.h). */
          static const int kind[] = {
            0, NN_MLOSS_BCE, NN_MLOSS_CCE, NN_MLOSS_SPARSE, NN_MLOSS_MSE, NN_MLOSS_MAE
          };
          ln = nn_graph_add (g, NN_OP_MASKED_LOSS, ins, 3);
          g->nodes[ln].ip[NN_MLOSS_KIND] = kind[out->loss];
        }
      else
        ln = nn_graph_add (g, loss_op[out->loss], ins, 2);
      g->nodes[ln].ip[0] = from_logits;
      nn_graph_update_shapes (g, ln);
      c->target_nodes[o] = target;
      c->loss_nodes[o] = ln;
      int term = ln;
      if (out->loss_weight != 1.0)
        {
          term = nn_graph_add (g, NN_OP_SCALE, &ln, 1);
          g->nodes[term].fp[0] = (float) out->loss_weight;
          nn_graph_update_shapes (g, term);
        }
      g_array_append_val (terms, term);
    }
}

/* Weight penalties, appended to terms. A training graph keeps one on every
 * kernel of a layer that has kernel_l1/kernel_l2 parameters, even at zero,
 * so that they can change while training runs. */
static void
compile_penalties (NnCompiled *c, NnModel *m, GArray *terms)
{
  NnGraph *g = c->g;
  GArray *pens = g_array_new (FALSE, FALSE, sizeof (int));
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      gboolean adjustable = FALSE;
      for (int p = 0; p < l->type->n_params; p++)
        adjustable |= g_str_equal (l->type->params[p].name, "kernel_l2");
      for (int k = 0; k < l->n_weights; k++)
        {
          NnWeightSpec *ws = &l->wspec[k];
          gboolean runtime = c->training && adjustable && g_str_equal (ws->name, "kernel");
          if (ws->l1 <= 0 && ws->l2 <= 0 && !runtime)
            continue;
          /* Find the weight's param node by its value pointer. */
          for (int n = 0; n < g->n_nodes; n++)
            if (g->nodes[n].op == NN_OP_PARAM && g->nodes[n].value == m->params + l->woff[k])
              {
                int pen = nn_graph_add (g, NN_OP_WEIGHT_PENALTY, &n, 1);
                g->nodes[pen].fp[0] = ws->l1;
                g->nodes[pen].fp[1] = ws->l2;
                nn_graph_update_shapes (g, pen);
                g_array_append_val (terms, pen);
                int pair[2] = { pen, i };
                g_array_append_vals (pens, pair, 2);
                break;
              }
        }
    }
  c->n_penalty = (int) pens->len / 2;
  c->penalty_nodes = g_new (int, MAX (c->n_penalty, 1));
  c->penalty_layers = g_new (int, MAX (c->n_penalty, 1));
  for (int k = 0; k < c->n_penalty; k++)
    {
      c->penalty_nodes[k] = g_array_index (pens, int, 2 * k);
      c->penalty_layers[k] = g_array_index (pens, int, 2 * k + 1);
    }
  g_array_free (pens, TRUE);
}

/* The KL terms of Sampling layers (their lowering added them, with beta in
 * fp[0]), appended to terms, each through a scale by its beta that
 * nn_compiled_sync_runtime updates (beta changes without a recompile). */
static void
compile_kl (NnCompiled *c, GArray *kls, GArray *terms)
{
  NnGraph *g = c->g;
  c->n_kl = kls ? (int) kls->len : 0;
  c->kl_nodes = g_new (int, MAX (c->n_kl, 1));
  c->kl_scale_nodes = g_new (int, MAX (c->n_kl, 1));
  c->kl_layers = g_new (NnLayer *, MAX (c->n_kl, 1));
  for (int k = 0; k < c->n_kl; k++)
    {
      KlLayer *kl = &g_array_index (kls, KlLayer, k);
      int term = nn_graph_add (g, NN_OP_SCALE, &kl->node, 1);
      g->nodes[term].fp[0] = g->nodes[kl->node].fp[0];
      nn_graph_update_shapes (g, term);
      g_array_append_val (terms, term);
      c->kl_nodes[k] = kl->node;
      c->kl_scale_nodes[k] = term;
      c->kl_layers[k] = kl->layer;
    }
}

/* The total loss: the one term, or their sum; -1 without any. */
static void
compile_total_loss (NnCompiled *c, GArray *terms)
{
  NnGraph *g = c->g;
  c->loss_node = -1;
  if (terms->len == 1)
    c->loss_node = g_array_index (terms, int, 0);
  else if (terms->len > 1)
    {
      c->loss_node = nn_graph_add (g, NN_OP_ADD, (int *) terms->data, (int) terms->len);
      nn_graph_update_shapes (g, c->loss_node);
    }
}

static guint64
sat_add64 (guint64 a, guint64 b)
{
  return a > G_MAXUINT64 - b ? G_MAXUINT64 : a + b;
}

/* Sets error on top-level layer li (the message shown on its node too). */
static void
memory_error (NnModel *m, int li, GError **error, const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
memory_error (NnModel *m, int li, GError **error, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *msg = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (li < 0)
    {
      g_set_error_literal (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY, msg);
      return;
    }
  NnLayer *l = m->layers[li];
  g_free (l->error);
  l->error = g_strdup (msg);
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY, "%s: %s", l->name, msg);
}

/* Bytes per weight float that compiling adds: its gradient and the
 * optimizer's moments (one, Adam two) when training. */
static guint64
grad_bytes_per_float (const NnModel *m, int flags)
{
  if (!(flags & NN_COMPILE_TRAIN))
    return 0;
  return sizeof (float) * (m->opt.kind == NN_OPT_ADAM ? 3 : 2);
}

/* The weights, their gradients and the optimizer's moments against the
 * limit; on success *fixed gets their bytes. The error goes on the layer
 * whose weights, added in layer order, take the total over. */
static gboolean
check_weight_memory (NnCompiled *c, int flags, guint64 limit, const char *source,
                     guint64 *fixed, GError **error)
{
  NnModel *m = c->model;
  gint64 all = nn_model_count_params (m, NULL, NULL);
  guint64 per = grad_bytes_per_float (m, flags);
  guint64 total = sat_add64 ((guint64) all * sizeof (float), (guint64) c->n_grads * per);
  *fixed = total;
  if (total <= limit)
    return TRUE;
  g_autofree char *lim = nn_format_bytes (limit);
  g_autofree char *tot = nn_format_bytes (total);
  guint64 sum = 0;
  int culprit = m->n_layers - 1;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      gint64 tr = 0, floats = 0;
      if (l->sub)
        {
          gint64 st = 0, sn = 0;
          nn_model_count_params (l->sub, &st, &sn);
          floats = st + sn;
          tr = l->trainable ? st : 0;
        }
      else
        for (int k = 0; k < l->n_weights; k++)
          {
            gint64 n = (gint64) nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
            floats += n;
            tr += l->trainable && l->wspec[k].trainable ? n : 0;
          }
      sum = sat_add64 (sum, (guint64) floats * sizeof (float) + (guint64) tr * per);
      if (sum > limit)
        {
          culprit = i;
          break;
        }
    }
  memory_error (m, culprit, error,
                "the weights with their gradients and the optimizer's state take the model to "
                "%s; the limit is %s (%s); %s", tot, lim, source,
                culprit >= 0 ? nn_layer_smaller_hint (m->layers[culprit]) : "make it smaller");
  return FALSE;
}

/* Allocates the graph's arenas for max_batch within what the limit leaves
 * after the weights; the error goes on the layer whose node takes the
 * total over. */
static gboolean
alloc_within_limit (Compiler *cc, int max_batch, guint64 limit, const char *source,
                    guint64 fixed, GError **error)
{
  NnCompiled *c = cc->c;
  NnModel *m = c->model;
  NnGraph *g = c->g;
  guint64 left = limit - fixed;
  size_t budget = left >= G_MAXSIZE ? 0 : MAX ((size_t) left, 1);
  size_t needed = 0;
  int over = -1;
  if (nn_graph_alloc_within (g, max_batch, budget, &needed, &over))
    return TRUE;
  if (over < 0)
    {
      g_autofree char *need = nn_format_bytes (needed);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("Not enough memory for a batch of %d samples (%s of activations): close other "
                   "programs or use a smaller batch"), max_batch, need);
      return FALSE;
    }
  /* Nodes past the layers: inputs, targets, losses and penalties. */
  int li = over < (int) cc->node_layer->len ? g_array_index (cc->node_layer, int, over) : -1;
  for (int k = 0; li < 0 && k < c->n_inputs; k++)
    if (c->input_nodes[k] == over)
      li = nn_model_get_input_layer (m, k);
  for (int o = 0; li < 0 && o < c->n_outputs; o++)
    if (over >= c->target_nodes[o] && c->target_nodes[o] >= 0)
      li = m->outputs[o].ref.layer;
  if (li < 0 && c->n_outputs > 0)
    li = m->outputs[c->n_outputs - 1].ref.layer;
  g_autofree char *lim = nn_format_bytes (limit);
  g_autofree char *fix = nn_format_bytes (fixed);
  g_autofree char *act = needed == G_MAXSIZE ? g_strdup ("more than memory can address")
                                             : nn_format_bytes (needed);
  g_autofree char *tot = nn_format_bytes (sat_add64 (fixed, needed));
  memory_error (m, li, error,
                "with a batch of %d the model needs %s (%s for weights and optimizer state, %s "
                "for activations, gradients and scratch), and this layer's activations take it "
                "over the limit of %s (%s); use a smaller batch, or %s", max_batch,
                needed == G_MAXSIZE ? act : tot, fix, act, lim, source,
                li >= 0 ? nn_layer_smaller_hint (m->layers[li]) : "smaller layers");
  return FALSE;
}

/* The flat gradient array (segments get their real pointers, param nodes
 * their gradients) and the dropout nodes; takes cc's arrays. The weights,
 * their gradients and the optimizer's moments are checked against the
 * memory limit first (*fixed gets their bytes). */
static gboolean
compile_gradients (NnCompiled *c, Compiler *cc, int flags, guint64 limit, const char *source,
                   guint64 *fixed, GError **error)
{
  NnGraph *g = c->g;
  c->n_grads = cc->n_grads;
  if (!check_weight_memory (c, flags, limit, source, fixed, error))
    return FALSE;
  c->grads = g_try_new0 (float, MAX (c->n_grads, 1));
  if (!c->grads)
    {
      g_autofree char *need = nn_format_bytes ((guint64) c->n_grads * sizeof (float));
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("Not enough memory for the %s of gradients: close other programs or make the "
                   "model smaller"), need);
      return FALSE;
    }
  c->n_segments = (int) cc->segments->len;
  c->segments = (NnParamSegment *) g_array_free (cc->segments, FALSE);
  cc->segments = NULL;
  for (int s = 0; s < c->n_segments; s++)
    if (c->segments[s].grad)
      c->segments[s].grad = c->grads + ((uintptr_t) c->segments[s].grad - 1);
  for (int n = 0; n < g->n_nodes; n++)
    if (g->nodes[n].op == NN_OP_PARAM)
      for (int s = 0; s < c->n_segments; s++)
        if (c->segments[s].value == g->nodes[n].value)
          {
            g->nodes[n].grad = c->segments[s].grad;
            g->nodes[n].needs_grad = c->segments[s].grad != NULL;
          }
  c->n_dropout = (int) cc->dropouts->len / 2;
  c->dropout_nodes = g_new (int, MAX (c->n_dropout, 1));
  c->dropout_layers = g_new (int, MAX (c->n_dropout, 1));
  for (int k = 0; k < c->n_dropout; k++)
    {
      c->dropout_nodes[k] = g_array_index (cc->dropouts, int, 2 * k);
      c->dropout_layers[k] = g_array_index (cc->dropouts, int, 2 * k + 1);
    }
  g_array_free (cc->dropouts, TRUE);
  cc->dropouts = NULL;
  return TRUE;
}

/* An inference graph reuses activation buffers (nn-graph-private.h). What
 * callers read after a forward keeps its own: the outputs (evaluate reads
 * them after forwarding to the loss) and the targets, losses, weights and
 * penalties after them (nodes from first_extra on: scalars and inputs,
 * cheap). The layer calls' nodes (call_nodes) are not kept: nn_model_run
 * forwards exactly to the node it then reads, and forward_to always leaves
 * that node right. DEEPSCOPE_NO_BUFFER_REUSE=1 turns reuse off, to
 * compare. */
static void
compile_share_buffers (NnCompiled *c, int first_extra)
{
  NnGraph *g = c->g;
  const char *e = g_getenv ("DEEPSCOPE_NO_BUFFER_REUSE");
  g->share_buffers = !(e && *e && *e != '0');
  for (int o = 0; o < c->n_outputs; o++)
    {
      /* the metrics read a sequence output's mask too */
      NnNode *out = &g->nodes[c->output_nodes[o]];
      out->keep = 1;
      if (out->mask >= 0)
        g->nodes[out->mask].keep = 1;
    }
  for (int n = first_extra; n < g->n_nodes; n++)
    g->nodes[n].keep = 1;
}

NnCompiled *
nn_compile (NnModel *m, int max_batch, int flags, NnRng *rng, GError **error)
{
  nn_model_auto_outputs (m);
  if (!nn_model_infer (m, error))
    return NULL;
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, 0, error))
    return NULL;
  if (m->n_outputs == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("The model has no output: connect a layer after the Input"));
      return NULL;
    }

  NnCompiled *c = g_new0 (NnCompiled, 1);
  Compiler cc = { c, { nn_graph_new (), flags & NN_COMPILE_TRAIN }, flags,
                  g_array_new (FALSE, FALSE, sizeof (NnParamSegment)), 0,
                  g_array_new (FALSE, FALSE, sizeof (int)),
                  g_array_new (FALSE, FALSE, sizeof (int)),
                  flags & NN_COMPILE_PROBES ? g_array_new (FALSE, FALSE, sizeof (NnCompiledProbe))
                                            : NULL,
                  g_strdup (""), 0, { -1, -1 } };
  const char *source;
  guint64 limit = nn_memory_limit (&source), fixed = 0;
  NnGraph *g = cc.lower.g;
  c->model = m;
  c->g = g;
  c->training = flags & NN_COMPILE_TRAIN;
  g->max_batch = g->batch = max_batch;
  g->training = c->training;
  g->rng = rng;

  compile_inputs (c, m, flags);
  gboolean lowered = lower_model (&cc, m, c->input_nodes, c->call_nodes, TRUE, error);
  g_free (cc.prefix);
  if (cc.probes)
    {
      c->n_probes = (int) cc.probes->len;
      c->probes = (NnCompiledProbe *) g_array_free (cc.probes, FALSE);
    }
  if (!lowered)
    {
      g_array_free (cc.segments, TRUE);
      g_array_free (cc.dropouts, TRUE);
      g_array_free (cc.node_layer, TRUE);
      if (cc.kls)
        g_array_free (cc.kls, TRUE);
      nn_compiled_free (c);
      return NULL;
    }

  int first_extra = g->n_nodes;
  GArray *terms = g_array_new (FALSE, FALSE, sizeof (int));
  compile_losses (c, m, terms);
  compile_penalties (c, m, terms);
  compile_kl (c, cc.kls, terms);
  if (cc.kls)
    g_array_free (cc.kls, TRUE);
  compile_total_loss (c, terms);
  g_array_free (terms, TRUE);
  if (!compile_gradients (c, &cc, flags, limit, source, &fixed, error))
    {
      if (cc.segments)
        g_array_free (cc.segments, TRUE);
      if (cc.dropouts)
        g_array_free (cc.dropouts, TRUE);
      g_array_free (cc.node_layer, TRUE);
      nn_compiled_free (c);
      return NULL;
    }

  if (!(flags & (NN_COMPILE_TRAIN | NN_COMPILE_INPUT_GRADS)))
    compile_share_buffers (c, first_extra);
  /* Inspectors read every probe after one forward pass: their values keep
   * their own bytes (what lies between them, such as a Dense's product
   * before its activation, may still share). */
  for (int k = 0; k < c->n_probes; k++)
    g->nodes[c->probes[k].node].keep = 1;
  if (flags & NN_COMPILE_TRAIN)
    fuse_conv_pool (c);
  gboolean ok = alloc_within_limit (&cc, max_batch, limit, source, fixed, error);
  g_array_free (cc.node_layer, TRUE);
  if (!ok)
    {
      nn_compiled_free (c);
      return NULL;
    }
  return c;
}

void
nn_compiled_sync_runtime (NnCompiled *c)
{
  for (int k = 0; k < c->n_dropout; k++)
    c->g->nodes[c->dropout_nodes[k]].fp[0] =
      (float) nn_layer_float (c->model->layers[c->dropout_layers[k]], "rate");
  for (int k = 0; k < c->n_penalty; k++)
    {
      NnLayer *l = c->model->layers[c->penalty_layers[k]];
      c->g->nodes[c->penalty_nodes[k]].fp[0] = (float) nn_layer_float (l, "kernel_l1");
      c->g->nodes[c->penalty_nodes[k]].fp[1] = (float) nn_layer_float (l, "kernel_l2");
    }
  for (int k = 0; k < c->n_kl; k++)
    {
      float beta = (float) nn_layer_float (c->kl_layers[k], "beta");
      c->g->nodes[c->kl_nodes[k]].fp[0] = beta;
      c->g->nodes[c->kl_scale_nodes[k]].fp[0] = beta;
    }
}

void
nn_compiled_free (NnCompiled *c)
{
  if (!c)
    return;
  free_call_nodes (c->model, c->call_nodes);
  nn_graph_free (c->g);
  g_free (c->input_nodes);
  g_free (c->output_nodes);
  g_free (c->target_nodes);
  g_free (c->loss_nodes);
  g_free (c->grads);
  g_free (c->segments);
  g_free (c->dropout_nodes);
  g_free (c->dropout_layers);
  g_free (c->penalty_nodes);
  g_free (c->penalty_layers);
  g_free (c->kl_nodes);
  g_free (c->kl_scale_nodes);
  g_free (c->kl_layers);
  for (int k = 0; k < c->n_probes; k++)
    g_free (c->probes[k].path);
  g_free (c->probes);
  g_free (c);
}
