/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shape inference of the model (with its loss and weight-memory checks),
 * parameter counts and the Keras-style summary. */
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-model-private.h"

/* ---- shape inference ----------------------------------------------------- */

typedef struct {
  NnModel *m;
  guint8 **state;   /* per layer, per call: 0 new, 1 visiting, 2 done */
  GError  *first;
  int      first_layer;
} InferCtx;

static void
layer_fail (InferCtx *ctx, int layer, GError *err)
{
  NnLayer *l = ctx->m->layers[layer];
  if (!l->error)
    l->error = g_strdup (err->message);
  if (!ctx->first)
    {
      ctx->first = g_error_new (err->domain, err->code, "%s: %s", l->name, err->message);
      ctx->first_layer = layer;
    }
  g_error_free (err);
}

gboolean nn_model_infer_submodel (NnLayer *l, const NnShape *in, int n_in, NnShape *out,
                                  GError **error);

/* Whether an output of shape s (per sample) fits what the kernel of its
 * loss (nn-op-loss.c) reads of the target, given that a dataset gives one
 * target per sample. The losses see the output as rows, every axis but the
 * last, of `last axis` values each:
 *   - sparse categorical cross-entropy reads one class number per row: the
 *     output is (batch, classes) with one number per sample, or a sequence
 *     (batch, steps, classes) with one per step (its target (batch, steps));
 *     an image of classes is refused (its labels would be per pixel);
 *   - categorical cross-entropy reads a one-hot row per row, binary
 *     cross-entropy, MSE and MAE one value per output value: their target
 *     node has the output's shape, and the trainer checks that the dataset
 *     gives that many values per sample; categorical cross-entropy still
 *     needs a class axis. */
static gboolean
check_loss_shape (const NnShape *s, NnLoss loss, GError **error)
{
  g_autofree char *shape = nn_shape_text (s);
  switch (loss)
    {
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      /* (batch, classes), or a sequence (batch, steps, classes) with one
       * class number per step */
      if (s->ndim == 1 || s->ndim == 2)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("sparse categorical cross-entropy needs an output of shape (batch, classes) "
                   "but this output is %s; %s"), shape,
                   s->ndim == 0 ? "add a Dense layer with one unit per class after it"
                   : s->ndim == 3 ? "add Flatten and Dense before it, or GlobalAveragePooling2D"
                   : "add Flatten and Dense before it");
      return FALSE;
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
      if (s->ndim >= 1)
        return TRUE;
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("categorical cross-entropy needs an output with a class axis, "
                   "(batch, classes), but this output is %s; add a Dense layer with one unit "
                   "per class after it"), shape);
      return FALSE;
    default:
      return TRUE;
    }
}

/* Checks every output's loss against its shape (the outputs that
 * nn_model_auto_outputs would make, with their guessed losses, when none is
 * set), so that the editor shows the error on the output layer. */
static void
check_losses (InferCtx *ctx)
{
  NnModel *m = ctx->m;
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      {
        NnRef r = { i, c };
        NnCall *call = &m->layers[i]->calls[c];
        NnLoss loss = NN_LOSS_NONE;
        NnMetric metric;
        if (!call->shape_ok)
          continue;
        if (m->n_outputs == 0 && is_auto_output (m, r))
          loss = nn_model_suggest_loss (m, r, &metric, NULL);
        GError *err = NULL;
        if (!check_loss_shape (&call->shape, loss, &err))
          layer_fail (ctx, i, err);
      }
  for (int o = 0; o < m->n_outputs; o++)
    {
      NnRef r = m->outputs[o].ref;
      NnCall *call = &m->layers[r.layer]->calls[r.call];
      GError *err = NULL;
      if (call->shape_ok && r.out < call->n_out
          && !check_loss_shape (nn_call_shape (call, r.out), m->outputs[o].loss, &err))
        layer_fail (ctx, r.layer, err);
    }
}

/* TimeDistributed around a model: the model sees one step of the
 * sequence (batch, steps, ...) as a sample; the output gets the steps back. */
static gboolean
infer_time_distributed (NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  if (n_in != 1 || in[0].ndim < 2)
    {
      nn_layer_shape_error (error, l, "sequences (batch, steps, ...)", &in[0],
                            "apply the inner model to (batch, ...) directly");
      return FALSE;
    }
  NnShape step = { in[0].ndim - 1 };
  memcpy (step.d, in[0].d + 1, sizeof (int) * (size_t) step.ndim);
  NnShape inner;
  if (!nn_model_infer_submodel (l, &step, 1, &inner, error))
    return FALSE;
  if (inner.ndim + 1 > NN_MAX_DIMS)
    {
      g_autofree char *s = nn_shape_text (&inner);
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                   _("its inner model outputs %s per step: with the steps that is more than %d "
                   "axes"), s, NN_MAX_DIMS);
      return FALSE;
    }
  out->ndim = inner.ndim + 1;
  out->d[0] = in[0].d[0];
  memcpy (out->d + 1, inner.d, sizeof (int) * (size_t) inner.ndim);
  return TRUE;
}

static void
infer_call (InferCtx *ctx, int li, int ci)
{
  NnModel *m = ctx->m;
  NnLayer *l = m->layers[li];
  NnCall *c = &l->calls[ci];
  if (ctx->state[li][ci] == 2)
    return;
  if (ctx->state[li][ci] == 1)
    {
      layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                        _("is part of a cycle")));
      return;
    }
  ctx->state[li][ci] = 1;
  NnShape in[64];
  int n_in = MIN (c->n_in, 64);
  gboolean inputs_ok = TRUE;
  for (int s = 0; s < n_in; s++)
    {
      NnRef r = c->in[s];
      infer_call (ctx, r.layer, r.call);
      NnCall *src = &m->layers[r.layer]->calls[r.call];
      inputs_ok &= src->shape_ok;
      if (src->shape_ok && (r.out < 0 || r.out >= src->n_out))
        {
          layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                            g_dngettext (GETTEXT_PACKAGE, "reads output %d of %s, which has %d output: "
                                            "turn return_state on there or connect output 0",
                                                         "reads output %d of %s, which has %d outputs: "
                                            "turn return_state on there or connect output 0", src->n_out),
                                            r.out, m->layers[r.layer]->name, src->n_out));
          inputs_ok = FALSE;
        }
      if (inputs_ok)
        in[s] = *nn_call_shape (src, r.out);
    }
  ctx->state[li][ci] = 2;
  c->shape_ok = FALSE;
  if (!inputs_ok)
    return;
  if (n_in < l->type->min_inputs)
    {
      if (n_in == 0)
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                          _("%s is not connected: connect a layer's output to it"),
                                          l->type->name));
      else
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                                          _("%s needs at least %d inputs but has %d"),
                                          l->type->name, l->type->min_inputs, n_in));
      return;
    }
  GError *err = NULL;
  gboolean ok;
  NnShape outs[NN_MAX_LAYER_OUTPUTS];
  c->n_out = nn_model_layer_get_n_outputs (m, li);
  if (is_model_layer (l))
    ok = nn_model_infer_submodel (l, in, n_in, outs, &err);
  else if (l->sub)
    ok = infer_time_distributed (l, in, n_in, outs, &err);
  else
    ok = l->type->infer (l, in, n_in, outs, &err);
  if (!ok)
    {
      layer_fail (ctx, li, err);
      return;
    }
  for (int k = 0; k < c->n_out; k++)
    *nn_call_shape (c, k) = outs[k];
  for (int d = 0; d < c->shape.ndim; d++)
    if (c->shape.d[d] <= 0)
      {
        g_autofree char *s = nn_shape_text (&c->shape);
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                          _("%s would output %s: every size must be positive"),
                                          l->type->name, s));
        return;
      }
  /* Kernels index a sample's values with int: one sample holds at most
   * G_MAXINT of them (8 GiB of floats). */
  size_t values = 1;
  for (int d = 0; d < c->shape.ndim; d++)
    if (!g_size_checked_mul (&values, values, (size_t) c->shape.d[d]) || values > G_MAXINT)
      {
        g_autofree char *s = nn_shape_text (&c->shape);
        layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                          _("%s would output %s, more than %d values per sample; "
                                          "%s"), l->type->name, s, G_MAXINT,
                                          nn_layer_smaller_hint (l)));
        return;
      }
  /* Weights come from the first call; later calls (shared layers) must
   * need the same weights. */
  NnWeightSpec w[NN_MAX_WEIGHTS];
  int nw = l->type->weights && !l->sub ? l->type->weights (l, in, n_in, w) : 0;
  for (int k = 0; k < nw; k++)
    {
      size_t n = 1;
      gboolean fits = TRUE;
      for (int d = 0; d < w[k].ndim && fits; d++)
        fits = w[k].shape[d] > 0 && g_size_checked_mul (&n, n, (size_t) w[k].shape[d])
               && n <= G_MAXSIZE / sizeof (float);
      if (!fits)
        {
          g_autofree char *s = nn_shape_to_string (w[k].ndim, w[k].shape, 0);
          layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                            _("its %s %s has more values than memory can address; "
                                            "%s"), w[k].name, s, nn_layer_smaller_hint (l)));
          return;
        }
    }
  if (ci == 0 || !l->calls[0].shape_ok)
    {
      l->n_weights = nw;
      memcpy (l->wspec, w, sizeof (NnWeightSpec) * (size_t) nw);
    }
  else
    for (int k = 0; k < nw; k++)
      if (!nn_shape_equal (w[k].ndim, w[k].shape, l->wspec[k].ndim, l->wspec[k].shape))
        {
          layer_fail (ctx, li, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE,
                                            _("shared layer is called on inputs of different shapes, "
                                            "so its weights cannot be shared (call %d)"), ci + 1));
          return;
        }
  c->shape_ok = TRUE;
}

static void
layout_weights (NnModel *m)
{
  size_t off = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int k = 0; k < l->n_weights; k++)
        {
          l->woff[k] = off;
          off += nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
        }
    }
  if (off != m->n_params)
    {
      /* The layout changed: old weights no longer fit. */
      g_clear_pointer (&m->params, g_free);
      m->has_weights = FALSE;
      m->n_params = off;
    }
}

/* Floats of a layer's weights (a Model layer: its inner model's), counted
 * after inference checked that each weight's size fits a size_t. */
static guint64
layer_weight_floats (const NnLayer *l)
{
  if (l->sub)
    return (guint64) nn_model_count_params (l->sub, NULL, NULL);
  guint64 n = 0;
  for (int k = 0; k < l->n_weights; k++)
    n += nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
  return n;
}

/* The weights that nn_model_init_weights allocates, layer by layer in the
 * order of the flat array, against the memory limit: the error goes on the
 * layer that takes them over it. */
static void
check_weight_memory (InferCtx *ctx)
{
  const char *source;
  guint64 limit = nn_memory_limit (&source), total = 0;
  for (int i = 0; i < ctx->m->n_layers; i++)
    {
      NnLayer *l = ctx->m->layers[i];
      guint64 floats = layer_weight_floats (l);
      guint64 bytes = floats > G_MAXUINT64 / 4 ? G_MAXUINT64 : floats * 4;
      guint64 before = total;
      total = total > G_MAXUINT64 - bytes ? G_MAXUINT64 : total + bytes;
      if (total <= limit)
        continue;
      g_autofree char *lim = nn_format_bytes (limit);
      g_autofree char *own = nn_format_bytes (bytes);
      g_autofree char *all = nn_format_bytes (total);
      if (before == 0 || bytes > limit)
        layer_fail (ctx, i, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                         _("its weights need %s; the limit is %s (%s); %s"),
                                         own, lim, source, nn_layer_smaller_hint (l)));
      else
        layer_fail (ctx, i, g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                                         _("its weights (%s) bring the model's to %s; the limit "
                                         "is %s (%s); %s"), own, all, lim, source,
                                         nn_layer_smaller_hint (l)));
      return;
    }
}

/* top: m is the model being trained, not one used as a layer (whose
 * outputs have no loss). */
static gboolean
infer_model (NnModel *m, gboolean top, GError **error)
{
  InferCtx ctx = { m, g_new0 (guint8 *, MAX (m->n_layers, 1)), NULL, -1 };
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      g_clear_pointer (&l->error, g_free);
      l->n_weights = 0;
      ctx.state[i] = g_new0 (guint8, MAX (l->n_calls, 1));
      for (int c = 0; c < l->n_calls; c++)
        l->calls[c].shape_ok = FALSE;
    }
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      infer_call (&ctx, i, c);
  for (int i = 0; i < m->n_layers; i++)
    g_free (ctx.state[i]);
  g_free (ctx.state);

  if (!ctx.first && nn_model_get_n_inputs (m) == 0)
    ctx.first = g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                             _("The model has no Input layer: add one from the palette"));
  for (int o = 0; !ctx.first && o < m->n_outputs; o++)
    if (!check_ref (m, m->outputs[o].ref, &ctx.first))
      break;
  if (top && !ctx.first)
    check_losses (&ctx);
  if (top && !ctx.first)
    check_weight_memory (&ctx);
  layout_weights (m);
  m->inferred = ctx.first == NULL;
  if (ctx.first)
    {
      g_propagate_error (error, ctx.first);
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_model_infer (NnModel *m, GError **error)
{
  return infer_model (m, TRUE, error);
}

gboolean
nn_model_infer_submodel (NnLayer *l, const NnShape *in, int n_in, NnShape *out, GError **error)
{
  NnModel *sub = l->sub;
  g_autoptr (GError) err = NULL;
  if (!infer_model (sub, FALSE, &err))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE, _("its inner model is invalid: %s"),
                   err->message);
      return FALSE;
    }
  if (n_in != nn_model_get_n_inputs (sub))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("the inner model takes %d inputs but gets %d"), nn_model_get_n_inputs (sub), n_in);
      return FALSE;
    }
  for (int k = 0; k < n_in; k++)
    {
      NnCall *c = &sub->layers[nn_model_get_input_layer (sub, k)]->calls[0];
      if (!nn_shape_equal (c->shape.ndim, c->shape.d, in[k].ndim, in[k].d))
        {
          g_autofree char *want = nn_shape_text (&c->shape);
          nn_layer_shape_error (error, l, want, &in[k], NULL);
          return FALSE;
        }
    }
  nn_model_auto_outputs (sub);
  if (sub->n_outputs < 1)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, _("the inner model has no output"));
      return FALSE;
    }
  NnRef r = sub->outputs[0].ref;
  *out = *nn_call_shape (&sub->layers[r.layer]->calls[r.call], r.out);
  return TRUE;
}

gboolean
nn_model_get_shape (const NnModel *m, NnRef r, int *ndim, int *shape)
{
  if (r.layer < 0 || r.layer >= m->n_layers || r.call < 0 || r.call >= m->layers[r.layer]->n_calls)
    return FALSE;
  NnCall *c = &m->layers[r.layer]->calls[r.call];
  if (!c->shape_ok || r.out < 0 || r.out >= c->n_out)
    return FALSE;
  const NnShape *s = nn_call_shape (c, r.out);
  *ndim = s->ndim;
  memcpy (shape, s->d, sizeof (int) * (size_t) s->ndim);
  return TRUE;
}

/* ---- parameter counts and summary ---------------------------------------- */

gint64
nn_model_layer_count_params (const NnModel *m, int i)
{
  NnLayer *l = nn_model_layer (m, i);
  if (l->sub)
    return nn_model_count_params (l->sub, NULL, NULL);
  gint64 n = 0;
  for (int k = 0; k < l->n_weights; k++)
    n += (gint64) nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
  return n;
}

gint64
nn_model_count_params (const NnModel *m, gint64 *trainable, gint64 *non_trainable)
{
  gint64 tr = 0, fixed = 0;
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      if (l->sub)
        {
          gint64 st = 0, sn = 0;
          nn_model_count_params (l->sub, &st, &sn);
          tr += l->trainable ? st : 0;
          fixed += l->trainable ? sn : st + sn;
          continue;
        }
      for (int k = 0; k < l->n_weights; k++)
        {
          gint64 n = (gint64) nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
          if (l->trainable && l->wspec[k].trainable)
            tr += n;
          else
            fixed += n;
        }
    }
  if (trainable)
    *trainable = tr;
  if (non_trainable)
    *non_trainable = fixed;
  return tr + fixed;
}

static char *
thousands (gint64 n)
{
  g_autofree char *raw = g_strdup_printf ("%" G_GINT64_FORMAT, n);
  GString *s = g_string_new (NULL);
  int len = (int) strlen (raw);
  for (int k = 0; k < len; k++)
    {
      if (k && (len - k) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, raw[k]);
    }
  return g_string_free (s, FALSE);
}

static char *
keras_shape (const NnShape *s)
{
  GString *str = g_string_new ("(None");
  for (int k = 0; k < s->ndim; k++)
    g_string_append_printf (str, ", %d", s->d[k]);
  g_string_append_c (str, ')');
  return g_string_free (str, FALSE);
}

/* Every output's shape of call c of layer i: "(None, 32)", and with
 * return_state its states' too, named: "(None, 32) · h (None, 32) · c
 * (None, 32)". */
static char *
call_shapes (const NnModel *m, int i, int c)
{
  NnCall *call = &m->layers[i]->calls[c];
  GString *s = g_string_new (NULL);
  for (int k = 0; k < MAX (call->n_out, 1); k++)
    {
      g_autofree char *shape = keras_shape (nn_call_shape (call, k));
      const char *name = k > 0 ? nn_model_layer_get_state_name (m, i, k - 1) : NULL;
      if (k > 0)
        g_string_append (s, " · ");
      if (name)
        g_string_append_printf (s, "%s ", name);
      g_string_append (s, shape);
    }
  return g_string_free (s, FALSE);
}

/* The display width of UTF-8 text (the summary's columns hold "·"). */
static int
text_width (const char *text)
{
  return (int) g_utf8_strlen (text, -1);
}

char *
nn_model_summary (NnModel *m, GError **error)
{
  if (!nn_model_infer (m, error))
    return NULL;
  gboolean graph = FALSE;
  for (int i = 0; i < m->n_layers; i++)
    graph |= m->layers[i]->n_calls > 1 || m->layers[i]->calls[0].n_in > 1
             || (m->layers[i]->type->max_inputs == 0 && i > 0);
  /* Keras's column widths, widened to the longest entry plus a space so
   * that "max_pooling2d_1 (MaxPooling2D)" never runs into its shape. */
  int w_name = 29, w_shape = 26, w_params = 11;
  for (int i = 0; i < m->n_layers; i++)
    for (int c = 0; c < m->layers[i]->n_calls; c++)
      {
        g_autofree char *shape = call_shapes (m, i, c);
        w_name = MAX (w_name, (int) (strlen (m->layers[i]->name) + strlen (m->layers[i]->type->name) + 5));
        w_shape = MAX (w_shape, text_width (shape) + 1);
      }
  int width = w_name + w_shape + w_params + (graph ? 24 : 0);
  g_autofree char *rule = g_strnfill (width, '_');
  g_autofree char *dbl = g_strnfill (width, '=');
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "Model: \"%s\"\n%s\n", m->name, rule);
  g_string_append_printf (s, " %-*s%-*s%-*s%s\n%s\n", w_name - 1, "Layer (type)", w_shape,
                          "Output Shape", w_params, "Param #", graph ? "Connected to" : "", dbl);
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int c = 0; c < l->n_calls; c++)
        {
          g_autofree char *name = g_strdup_printf ("%s (%s)", l->name, l->type->name);
          g_autofree char *shape = call_shapes (m, i, c);
          g_autofree char *params = thousands (c == 0 ? nn_model_layer_count_params (m, i) : 0);
          GString *conn = g_string_new (NULL);
          for (int k = 0; graph && k < l->calls[c].n_in; k++)
            {
              NnRef r = l->calls[c].in[k];
              g_string_append_printf (conn, "%s%s[%d][%d]", k ? ", " : "",
                                      m->layers[r.layer]->name, r.call, r.out);
            }
          /* printf pads bytes, not characters: "·" takes two. */
          int pad = w_shape + (int) strlen (shape) - text_width (shape);
          g_string_append_printf (s, " %-*s%-*s%-*s%s\n", w_name - 1, name, pad, shape,
                                  w_params, params, conn->str);
          g_string_free (conn, TRUE);
        }
      if (i + 1 < m->n_layers)
        g_string_append_c (s, '\n');
    }
  gint64 tr, fixed, total = nn_model_count_params (m, &tr, &fixed);
  g_autofree char *t1 = thousands (total), *t2 = thousands (tr), *t3 = thousands (fixed);
  g_string_append_printf (s, "%s\nTotal params: %s\nTrainable params: %s\nNon-trainable params: %s\n%s\n",
                          dbl, t1, t2, t3, rule);
  return g_string_free (s, FALSE);
}
