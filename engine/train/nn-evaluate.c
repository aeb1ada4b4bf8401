/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inference: nn_model_evaluate, nn_model_predict and nn_model_run, and the
 * feeding and measuring the trainer shares with them (nn-train-private.h).
 * Needs no trainer: inspectors call it on a model of their own. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-train-private.h"

/* ---- scores ---------------------------------------------------------------- */


void
nn_scores_clear (NnScores *s)
{
  for (int k = 0; k < s->n_values; k++)
    g_clear_pointer (&s->keys[k], g_free);
  s->n_values = 0;
}

double
nn_scores_get (const NnScores *s, const char *key, gboolean *found)
{
  for (int k = 0; k < s->n_values; k++)
    if (g_str_equal (s->keys[k], key))
      {
        if (found)
          *found = TRUE;
        return s->values[k];
      }
  if (found)
    *found = FALSE;
  return NAN;
}

void
nn_scores_set (NnScores *s, const char *key, double v)
{
  for (int k = 0; k < s->n_values; k++)
    if (g_str_equal (s->keys[k], key))
      {
        s->values[k] = v;
        return;
      }
  if (s->n_values < NN_MAX_HISTORY_KEYS)
    {
      s->keys[s->n_values] = g_strdup (key);
      s->values[s->n_values++] = v;
    }
}

/* ---- feeding data and measuring ------------------------------------------- */

static size_t
per_sample (const NnNode *n)
{
  return n->batched && n->shape[0] ? n->size / (size_t) n->shape[0] : n->size;
}

/* Checks that the dataset fits the compiled model before anything runs. */
gboolean
nn_eval_check_data (NnCompiled *c, NnDataset *ds, gboolean need_targets, GError **error)
{
  NnModel *m = c->model;
  NnGraph *g = c->g;
  if (ds->n_inputs != c->n_inputs)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   g_dngettext (GETTEXT_PACKAGE, "The model has %d input but the dataset “%s” gives %d",
                                "The model has %d inputs but the dataset “%s” gives %d", c->n_inputs),
                   c->n_inputs, ds->name, ds->n_inputs);
      return FALSE;
    }
  for (int k = 0; k < c->n_inputs; k++)
    {
      NnNode *in = &g->nodes[c->input_nodes[k]];
      if (per_sample (in) != ds->inputs[k]->sample_size)
        {
          g_autofree char *want = nn_shape_to_string (in->ndim - 1, in->shape + 1, 1);
          g_autofree char *got = nn_shape_to_string (ds->inputs[k]->ndim, ds->inputs[k]->shape, 1);
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Input “%s” expects %s but the dataset gives %s: set the Input shape to match"),
                       m->layers[nn_model_get_input_layer (m, k)]->name, want, got);
          return FALSE;
        }
    }
  if (!need_targets)
    return TRUE;
  for (int o = 0; o < c->n_outputs; o++)
    {
      if (c->target_nodes[o] < 0)
        continue;
      const char *oname = m->layers[m->outputs[o].ref.layer]->name;
      if (o >= ds->n_targets)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       g_dngettext (GETTEXT_PACKAGE, "Output “%s” needs targets, but the dataset “%s” has only %d target",
                                    "Output “%s” needs targets, but the dataset “%s” has only %d targets", ds->n_targets),
                       oname, ds->name, ds->n_targets);
          return FALSE;
        }
      NnNode *t = &g->nodes[c->target_nodes[o]];
      NnArray *a = ds->targets[o];
      NnLoss loss = m->outputs[o].loss;
      if (per_sample (t) != a->sample_size)
        {
          NnNode *p = &g->nodes[c->output_nodes[o]];
          if (loss == NN_LOSS_CATEGORICAL_CROSSENTROPY && a->sample_size == 1
              && p->ndim > (p->batched ? 2 : 1))
            /* Sparse labels need a (batch, classes) output too (shape
             * inference refuses more axes), so the advice is the layers. */
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         _("Output “%s” uses categorical_crossentropy on %d axes, but the dataset "
                         "gives one class number per sample: add Flatten and Dense (or "
                         "GlobalAveragePooling2D) before the output and use "
                         "sparse_categorical_crossentropy"), oname, p->ndim - (p->batched ? 1 : 0));
          else if (loss == NN_LOSS_CATEGORICAL_CROSSENTROPY && a->sample_size == 1)
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         _("Output “%s” uses categorical_crossentropy, which needs one-hot targets "
                         "(%zu values per sample), but the dataset gives one class number per "
                         "sample: use sparse_categorical_crossentropy"), oname, per_sample (t));
          else
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         g_dngettext (GETTEXT_PACKAGE, "Output “%s” produces %zu value per sample but the dataset's targets "
                         "have %zu: make the last layer's units match",
                                      "Output “%s” produces %zu values per sample but the dataset's targets "
                         "have %zu: make the last layer's units match", per_sample (p)),
                         oname, per_sample (p), a->sample_size);
          return FALSE;
        }
      if (loss == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY && ds->n_classes > 0
          && (int) per_sample (&g->nodes[c->output_nodes[o]]) < ds->n_classes)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Output “%s” has %zu units but the dataset has %d classes: give the last "
                       "Dense layer %d units"), oname, per_sample (&g->nodes[c->output_nodes[o]]),
                       ds->n_classes, ds->n_classes);
          return FALSE;
        }
    }
  return TRUE;
}

void
nn_eval_feed (NnCompiled *c, NnDataset *ds, const guint32 *idx, int n, gboolean targets)
{
  NnGraph *g = c->g;
  nn_graph_set_batch (g, n);
  for (int k = 0; k < c->n_inputs; k++)
    nn_array_gather (ds->inputs[k], idx, (size_t) n, g->nodes[c->input_nodes[k]].value);
  if (targets)
    for (int o = 0; o < c->n_outputs; o++)
      if (c->target_nodes[o] >= 0)
        nn_array_gather (ds->targets[o], idx, (size_t) n, g->nodes[c->target_nodes[o]].value);
}

/* Running sums for the loss and the metrics of every output. */
static NnMetric
resolve_metric (NnMetric k, NnLoss loss, size_t units, size_t target_size)
{
  if (k != NN_METRIC_ACCURACY)
    return k;
  if (loss == NN_LOSS_BINARY_CROSSENTROPY || units == 1)
    return NN_METRIC_BINARY_ACCURACY;
  if (target_size == 1)
    return NN_METRIC_SPARSE_CATEGORICAL_ACCURACY;
  return NN_METRIC_CATEGORICAL_ACCURACY;
}

/* Metric mk of one row: predictions pv[0..units), targets tv[0..ts). */
static double
metric_row (NnMetric mk, const float *pv, size_t units, const float *tv, size_t ts)
{
  double s = 0;
  switch (mk)
    {
    case NN_METRIC_BINARY_ACCURACY:
      for (size_t j = 0; j < units; j++)
        s += ((pv[j] > 0.5f) == (tv[j] > 0.5f)) / (double) units;
      return s;
    case NN_METRIC_SPARSE_CATEGORICAL_ACCURACY:
    case NN_METRIC_CATEGORICAL_ACCURACY:
      {
        size_t best = 0, want = 0;
        for (size_t j = 1; j < units; j++)
          if (pv[j] > pv[best])
            best = j;
        if (mk == NN_METRIC_SPARSE_CATEGORICAL_ACCURACY)
          return tv[0] >= 0.0f && (size_t) tv[0] == best;
        for (size_t j = 1; j < ts; j++)
          if (tv[j] > tv[want])
            want = j;
        return best == want;
      }
    case NN_METRIC_MAE:
    case NN_METRIC_MSE:
      for (size_t j = 0; j < units && j < ts; j++)
        {
          double d = (double) pv[j] - tv[j];
          s += mk == NN_METRIC_MAE ? fabs (d) : d * d;
        }
      return s / (double) units;
    default:
      return 0;
    }
}

void
nn_eval_accumulate (NnCompiled *c, NnEvalAcc *acc, int n)
{
  NnGraph *g = c->g;
  NnModel *m = c->model;
  if (c->loss_node >= 0)
    acc->loss_sum += (double) g->nodes[c->loss_node].value[0] * n;
  for (int k = 0; k < c->n_kl; k++)
    acc->kl_sum += (double) g->nodes[c->kl_nodes[k]].value[0] * n;
  for (int o = 0; o < c->n_outputs && o < 16; o++)
    {
      if (c->target_nodes[o] < 0)
        continue;
      acc->out_loss[o] += (double) g->nodes[c->loss_nodes[o]].value[0] * n;
      NnNode *p = &g->nodes[c->output_nodes[o]];
      NnNode *t = &g->nodes[c->target_nodes[o]];
      NnNode *mask = p->mask >= 0 ? &g->nodes[p->mask] : NULL;
      size_t units = per_sample (p), ts = per_sample (t);
      for (int k = 0; k < m->outputs[o].n_metrics; k++)
        {
          NnMetric mk = resolve_metric (m->outputs[o].metrics[k], m->outputs[o].loss, units, ts);
          /* Rows scored apart: the steps of a masked sequence (padded ones
           * weigh 0) or of a sequence with a class number per step, else
           * the sample. */
          size_t rows = mask ? per_sample (mask)
                        : mk == NN_METRIC_SPARSE_CATEGORICAL_ACCURACY ? MAX (ts, 1) : 1;
          double s = 0, w = 0;
          for (int b = 0; b < n; b++)
            for (size_t r = 0; r < rows; r++)
              {
                double wr = mask ? mask->value[(size_t) b * rows + r] : 1.0;
                if (wr == 0)
                  continue;
                s += wr * metric_row (mk, p->value + ((size_t) b * rows + r) * (units / rows),
                                      units / rows,
                                      t->value + ((size_t) b * rows + r) * (ts / rows),
                                      ts / rows);
                w += wr;
              }
          acc->metric[o][k] += s;
          acc->metric_n[o][k] += w;
        }
    }
  acc->count += n;
}

/* Writes "loss", "accuracy" ... (prefix "val_" for validation) into s. */
void
nn_eval_acc_to_scores (NnCompiled *c, const NnEvalAcc *acc, const char *prefix, NnScores *s)
{
  NnModel *m = c->model;
  double cnt = acc->count > 0 ? acc->count : 1;
  g_autofree char *lk = g_strconcat (prefix, "loss", NULL);
  nn_scores_set (s, lk, acc->loss_sum / cnt);
  if (c->n_kl > 0)
    {
      g_autofree char *kk = g_strconcat (prefix, "kl_loss", NULL);
      nn_scores_set (s, kk, acc->kl_sum / cnt);
      /* What the outputs' losses add, beside the KL terms: the loss is
       * their sum with the KL terms weighted by beta (and penalties). */
      double rec = 0;
      for (int o = 0; o < c->n_outputs && o < 16; o++)
        if (c->target_nodes[o] >= 0)
          rec += m->outputs[o].loss_weight * acc->out_loss[o] / cnt;
      g_autofree char *rk = g_strconcat (prefix, "reconstruction_loss", NULL);
      nn_scores_set (s, rk, rec);
    }
  int n_loss_outputs = 0;
  for (int o = 0; o < c->n_outputs; o++)
    n_loss_outputs += c->target_nodes[o] >= 0;
  for (int o = 0; o < c->n_outputs && o < 16; o++)
    {
      if (c->target_nodes[o] < 0)
        continue;
      const char *oname = m->layers[m->outputs[o].ref.layer]->name;
      gboolean multi = n_loss_outputs > 1;
      if (multi)
        {
          g_autofree char *k = g_strdup_printf ("%s%s_loss", prefix, oname);
          nn_scores_set (s, k, acc->out_loss[o] / cnt);
        }
      for (int k = 0; k < m->outputs[o].n_metrics; k++)
        {
          g_autofree char *key = multi
            ? g_strdup_printf ("%s%s_%s", prefix, oname, nn_metric_name (m->outputs[o].metrics[k]))
            : g_strdup_printf ("%s%s", prefix, nn_metric_name (m->outputs[o].metrics[k]));
          double mn = acc->metric_n[o][k] > 0 ? acc->metric_n[o][k] : cnt;
          nn_scores_set (s, key, acc->metric[o][k] / mn);
        }
    }
}

/* Inference (evaluate, predict, run) goes through the model this many
 * samples at a time, whatever batch the caller asked for: the results are
 * the same (each sample's forward is its own) and the activations of a
 * slice stay small (a convnet's first layer at batch 1000 would hold
 * 86 MB), and in cache. */
#define INFER_SLICE 128

static int
infer_batch (int requested, size_t n)
{
  size_t bs = (size_t) MAX (requested, 1);
  bs = MIN (bs, n);
  return (int) MIN (bs, (size_t) INFER_SLICE);
}

/* Evaluates on idx in inference mode; FALSE if *stop became set. */
gboolean
nn_eval_run (NnCompiled *c, NnDataset *ds, const guint32 *idx, size_t n, const char *prefix,
             NnScores *out, const gint *stop)
{
  NnGraph *g = c->g;
  int saved = g->training;
  g->training = 0;
  NnEvalAcc acc = { 0 };
  int bs = g->max_batch;
  for (size_t i = 0; i < n; i += (size_t) bs)
    {
      if (stop && g_atomic_int_get (stop))
        {
          g->training = saved;
          return FALSE;
        }
      int b = (int) MIN ((size_t) bs, n - i);
      nn_eval_feed (c, ds, idx + i, b, TRUE);
      if (c->loss_node >= 0)
        nn_graph_forward_to (g, c->loss_node);
      else
        nn_graph_forward (g);
      nn_eval_accumulate (c, &acc, b);
    }
  g->training = saved;
  nn_eval_acc_to_scores (c, &acc, prefix, out);
  return TRUE;
}

gboolean
nn_eval_samples (NnDataset *ds, const guint32 **idx, size_t *n, GError **error)
{
  if (*idx == NULL)
    {
      *idx = ds->test_idx;
      *n = ds->n_test;
    }
  if (*n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There are no samples to evaluate on (the dataset has no test split)"));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_model_evaluate (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n, int batch_size,
                   NnScores *out, GError **error)
{
  g_return_val_if_fail (m && ds && out, FALSE);
  if (!nn_eval_samples (ds, &idx, &n, error))
    return FALSE;
  int bs = infer_batch (batch_size, n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return FALSE;
  gboolean ok = nn_eval_check_data (c, ds, TRUE, error);
  if (ok)
    nn_eval_run (c, ds, idx, n, "", out, NULL);
  nn_compiled_free (c);
  return ok;
}

NnTensor *
nn_model_predict (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n, int output,
                  int batch_size, GError **error)
{
  g_return_val_if_fail (m && ds && idx, NULL);
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("No samples to predict"));
      return NULL;
    }
  int bs = infer_batch (batch_size, n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return NULL;
  if (output < 0 || output >= c->n_outputs)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model has no output number %d"), output);
      nn_compiled_free (c);
      return NULL;
    }
  if (!nn_eval_check_data (c, ds, FALSE, error))
    {
      nn_compiled_free (c);
      return NULL;
    }
  NnNode *p = &c->g->nodes[c->output_nodes[output]];
  int shape[NN_MAX_DIMS] = { (int) n };
  memcpy (shape + 1, p->shape + 1, sizeof (int) * (size_t) (p->ndim - 1));
  NnTensor *t = nn_tensor_new (p->ndim, shape);
  size_t ps = per_sample (p);
  for (size_t i = 0; i < n; i += (size_t) bs)
    {
      int b = (int) MIN ((size_t) bs, n - i);
      nn_eval_feed (c, ds, idx + i, b, FALSE);
      nn_graph_forward_to (c->g, c->output_nodes[output]);
      memcpy (t->data + i * ps, p->value, (size_t) b * ps * sizeof (float));
    }
  nn_compiled_free (c);
  return t;
}

NnTensor *
nn_model_run (NnModel *m, NnTensor *const *inputs, int n_inputs, NnRef ref, GError **error)
{
  g_return_val_if_fail (m && inputs, NULL);
  if (!nn_model_infer (m, error))
    return NULL;
  if (n_inputs != nn_model_get_n_inputs (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model takes %d inputs, not %d"), nn_model_get_n_inputs (m), n_inputs);
      return NULL;
    }
  if (ref.layer < 0 || ref.layer >= m->n_layers || ref.call < 0
      || ref.call >= m->layers[ref.layer]->n_calls || ref.out < 0
      || ref.out >= m->layers[ref.layer]->calls[ref.call].n_out)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("No such layer output"));
      return NULL;
    }
  int n = n_inputs ? inputs[0]->shape[0] : 0;
  for (int k = 0; k < n_inputs; k++)
    {
      NnCall *c = &m->layers[nn_model_get_input_layer (m, k)]->calls[0];
      size_t per = nn_shape_size (c->shape.ndim, c->shape.d);
      if (inputs[k]->ndim < 1 || inputs[k]->shape[0] != n || inputs[k]->size != per * (size_t) n)
        {
          g_autofree char *want = nn_shape_text (&c->shape);
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("Input %d must hold %d samples of shape %s"), k + 1, n, want);
          return NULL;
        }
    }
  if (n <= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("No samples to run"));
      return NULL;
    }
  int bs = infer_batch (n, (size_t) n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return NULL;
  int node = nn_compiled_ref_node (c, ref);
  NnNode *out = &c->g->nodes[node];
  size_t per_out = per_sample (out);
  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, out->shape + 1, sizeof (int) * (size_t) (out->ndim - 1));
  NnTensor *t = nn_tensor_new (MAX (out->ndim, 1), shape);
  for (int i = 0; i < n; i += bs)
    {
      int b = MIN (bs, n - i);
      nn_graph_set_batch (c->g, b);
      for (int k = 0; k < n_inputs; k++)
        {
          NnNode *in = &c->g->nodes[c->input_nodes[k]];
          size_t per = per_sample (in);
          memcpy (in->value, inputs[k]->data + (size_t) i * per, (size_t) b * per * sizeof (float));
        }
      nn_graph_forward_to (c->g, node);
      memcpy (t->data + (size_t) i * per_out, out->value, (size_t) b * per_out * sizeof (float));
    }
  nn_compiled_free (c);
  return t;
}

/* ---- loss surfaces --------------------------------------------------------- */

/* The float that w names in m's flat weights, or NULL with the reason. */
static float *
weight_at (NnModel *m, const NnWeightRef *w, GError **error)
{
  if (w->layer < 0 || w->layer >= m->n_layers)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There is no layer number %d: the model has %d layers"), w->layer, m->n_layers);
      return NULL;
    }
  NnLayer *l = m->layers[w->layer];
  if (w->var < 0 || w->var >= l->n_weights)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   g_dngettext (GETTEXT_PACKAGE, "Layer “%s” has %d weight variable, not one numbered %d",
                                "Layer “%s” has %d weight variables, not one numbered %d", l->n_weights), l->name,
                   l->n_weights, w->var);
      return NULL;
    }
  size_t size = nn_shape_size (l->wspec[w->var].ndim, l->wspec[w->var].shape);
  if (w->index >= size)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s/%s” holds %zu weights: pick one from 0 to %zu, not %zu"), l->name,
                   l->wspec[w->var].name, size, size - 1, w->index);
      return NULL;
    }
  return m->params + l->woff[w->var] + w->index;
}

/* A model compiled for inference on idx, checked against ds. */
static NnCompiled *
compile_for (NnModel *m, NnDataset *ds, size_t n, int flags, NnRng *rng, GError **error)
{
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There are no samples to measure the loss on: the training split is empty"));
      return NULL;
    }
  NnCompiled *c = nn_compile (m, infer_batch (INFER_SLICE, n), flags, rng, error);
  if (c == NULL)
    return NULL;
  if (!nn_eval_check_data (c, ds, TRUE, error))
    {
      nn_compiled_free (c);
      return NULL;
    }
  if (c->loss_node < 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model has no loss: choose one for its output"));
      nn_compiled_free (c);
      return NULL;
    }
  return c;
}

gboolean
nn_model_loss_surface (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                       const NnWeightRef w[2], const double span[2], int res, float *out,
                       GCancellable *cancel, GError **error)
{
  g_return_val_if_fail (m && ds && idx && w && span && out, FALSE);
  if (res < 3 || res > 255 || res % 2 == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("A loss surface takes an odd grid size from 3 to 255 (the centre is a "
                   "point of the grid), not %d"), res);
      return FALSE;
    }
  NnCompiled *c = compile_for (m, ds, n, 0, NULL, error);
  if (c == NULL)
    return FALSE;
  float *p0 = weight_at (m, &w[0], error), *p1 = p0 ? weight_at (m, &w[1], error) : NULL;
  if (p1 == NULL || p0 == p1)
    {
      if (p1)
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("A loss surface needs two different weights; both are weight %zu of “%s”"),
                     w[0].index, m->layers[w[0].layer]->name);
      nn_compiled_free (c);
      return FALSE;
    }
  float v0 = *p0, v1 = *p1;
  gboolean ok = TRUE;
  for (int r = 0; r < res && ok; r++)
    for (int k = 0; k < res && ok; k++)
      {
        NnScores s = { 0 };
        /* Row 0 is the top: the second weight at its largest. */
        *p0 = (float) (v0 + span[0] * (2.0 * k / (res - 1) - 1));
        *p1 = (float) (v1 + span[1] * (1 - 2.0 * r / (res - 1)));
        if (g_cancellable_set_error_if_cancelled (cancel, error))
          ok = FALSE;
        else
          {
            nn_eval_run (c, ds, idx, n, "", &s, NULL);
            out[(size_t) r * res + k] = (float) nn_scores_get (&s, "loss", NULL);
            nn_scores_clear (&s);
          }
      }
  *p0 = v0;
  *p1 = v1;
  nn_compiled_free (c);
  return ok;
}

gboolean
nn_model_weight_gradient (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n, int layer,
                          int var, float *grad, GError **error)
{
  g_return_val_if_fail (m && ds && idx && grad, FALSE);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  NnCompiled *c = compile_for (m, ds, n, NN_COMPILE_TRAIN, &rng, error);
  if (c == NULL)
    return FALSE;
  NnWeightRef w = { layer, var, 0 };
  float *p = weight_at (m, &w, error);
  const NnParamSegment *seg = NULL;
  for (int s = 0; p && s < c->n_segments; s++)
    if (c->segments[s].value == p)
      seg = &c->segments[s];
  if (p == NULL || seg == NULL || seg->grad == NULL)
    {
      if (p)
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("Layer “%s” is frozen: its weights get no gradient (make it trainable)"),
                     m->layers[layer]->name);
      nn_compiled_free (c);
      return FALSE;
    }
  g_autofree double *sum = g_new0 (double, seg->n);
  int bs = c->g->max_batch;
  for (size_t i = 0; i < n; i += (size_t) bs)
    {
      int b = (int) MIN ((size_t) bs, n - i);
      nn_eval_feed (c, ds, idx + i, b, TRUE);
      nn_graph_forward_to (c->g, c->loss_node);
      memset (c->grads, 0, c->n_grads * sizeof (float));
      nn_graph_backward (c->g, c->loss_node);
      /* Each slice's loss is its mean: weigh it by its share. */
      for (size_t j = 0; j < seg->n; j++)
        sum[j] += (double) seg->grad[j] * b / (double) n;
    }
  for (size_t j = 0; j < seg->n; j++)
    grad[j] = (float) sum[j];
  nn_compiled_free (c);
  return TRUE;
}
