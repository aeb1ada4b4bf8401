/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training, evaluation and prediction. fit runs on its own thread, owns its
 * copy of the model and posts plain events through a queue; commands (stop,
 * pause, step, learning rate) arrive through atomics and a condition
 * variable, read between batches. */
#include <math.h>
#include <string.h>

#include "nn-model-private.h"

/* ---- events and scores ---------------------------------------------------- */

void
nn_event_free (NnEvent *e)
{
  if (!e)
    return;
  for (int k = 0; k < e->n_values; k++)
    g_free (e->keys[k]);
  g_free (e->text);
  g_clear_error (&e->error);
  g_clear_pointer (&e->snapshot, nn_model_free);
  for (int k = 0; k < e->n_histograms; k++)
    g_free (e->histograms[k].name);
  g_free (e->histograms);
  g_free (e);
}

double
nn_event_get (const NnEvent *e, const char *key, gboolean *found)
{
  for (int k = 0; k < e->n_values; k++)
    if (g_str_equal (e->keys[k], key))
      {
        if (found)
          *found = TRUE;
        return e->values[k];
      }
  if (found)
    *found = FALSE;
  return NAN;
}

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

static void
scores_set (NnScores *s, const char *key, double v)
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

void
nn_fit_config_init (NnFitConfig *c)
{
  *c = (NnFitConfig) {
    .epochs = 10, .batch_size = 32, .validation_split = 0, .shuffle = TRUE, .seed = 1,
    .kfold = 0, .kfold_iterations = 1, .early_stopping = FALSE, .monitor = NULL,
    .patience = 3, .min_delta = 0, .restore_best_weights = TRUE, .checkpoint_path = NULL,
    .reduce_lr = FALSE, .reduce_factor = 0.1, .reduce_patience = 2, .min_lr = 0,
    .snapshot_every = 0, .max_steps = 0,
  };
}

void
nn_fit_config_clear (NnFitConfig *c)
{
  g_clear_pointer (&c->monitor, g_free);
  g_clear_pointer (&c->checkpoint_path, g_free);
}

/* ---- feeding data and measuring ------------------------------------------- */

static size_t
per_sample (const NnNode *n)
{
  return n->batched && n->shape[0] ? n->size / (size_t) n->shape[0] : n->size;
}

/* Checks that the dataset fits the compiled model before anything runs. */
static gboolean
check_data (NnCompiled *c, NnDataset *ds, gboolean need_targets, GError **error)
{
  NnModel *m = c->model;
  NnGraph *g = c->g;
  if (ds->n_inputs != c->n_inputs)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "The model has %d input%s but the dataset “%s” gives %d",
                   c->n_inputs, c->n_inputs == 1 ? "" : "s", ds->name, ds->n_inputs);
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
                       "Input “%s” expects %s but the dataset gives %s: set the Input shape to match",
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
                       "Output “%s” needs targets, but the dataset “%s” has only %d target%s",
                       oname, ds->name, ds->n_targets, ds->n_targets == 1 ? "" : "s");
          return FALSE;
        }
      NnNode *t = &g->nodes[c->target_nodes[o]];
      NnArray *a = ds->targets[o];
      NnLoss loss = m->outputs[o].loss;
      if (per_sample (t) != a->sample_size)
        {
          NnNode *p = &g->nodes[c->output_nodes[o]];
          if (loss == NN_LOSS_CATEGORICAL_CROSSENTROPY && a->sample_size == 1)
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         "Output “%s” uses categorical_crossentropy, which needs one-hot targets "
                         "(%zu values per sample), but the dataset gives one class number per "
                         "sample: use sparse_categorical_crossentropy", oname, per_sample (t));
          else
            g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         "Output “%s” produces %zu value%s per sample but the dataset's targets "
                         "have %zu: make the last layer's units match",
                         oname, per_sample (p), per_sample (p) == 1 ? "" : "s", a->sample_size);
          return FALSE;
        }
      if (loss == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY && ds->n_classes > 0
          && (int) per_sample (&g->nodes[c->output_nodes[o]]) < ds->n_classes)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       "Output “%s” has %zu units but the dataset has %d classes: give the last "
                       "Dense layer %d units", oname, per_sample (&g->nodes[c->output_nodes[o]]),
                       ds->n_classes, ds->n_classes);
          return FALSE;
        }
    }
  return TRUE;
}

static void
feed (NnCompiled *c, NnDataset *ds, const guint32 *idx, int n, gboolean targets)
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
typedef struct {
  double loss_sum;
  double out_loss[16];
  double metric[16][8];
  double count;
} Acc;

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

static void
accumulate (NnCompiled *c, Acc *acc, int n)
{
  NnGraph *g = c->g;
  NnModel *m = c->model;
  if (c->loss_node >= 0)
    acc->loss_sum += (double) g->nodes[c->loss_node].value[0] * n;
  for (int o = 0; o < c->n_outputs && o < 16; o++)
    {
      if (c->target_nodes[o] < 0)
        continue;
      acc->out_loss[o] += (double) g->nodes[c->loss_nodes[o]].value[0] * n;
      NnNode *p = &g->nodes[c->output_nodes[o]];
      NnNode *t = &g->nodes[c->target_nodes[o]];
      size_t units = per_sample (p), ts = per_sample (t);
      for (int k = 0; k < m->outputs[o].n_metrics; k++)
        {
          NnMetric mk = resolve_metric (m->outputs[o].metrics[k], m->outputs[o].loss, units, ts);
          double s = 0;
          for (int b = 0; b < n; b++)
            {
              const float *pv = p->value + (size_t) b * units, *tv = t->value + (size_t) b * ts;
              switch (mk)
                {
                case NN_METRIC_BINARY_ACCURACY:
                  for (size_t j = 0; j < units; j++)
                    s += ((pv[j] > 0.5f) == (tv[j] > 0.5f)) / (double) units;
                  break;
                case NN_METRIC_SPARSE_CATEGORICAL_ACCURACY:
                case NN_METRIC_CATEGORICAL_ACCURACY:
                  {
                    size_t best = 0, want = 0;
                    for (size_t j = 1; j < units; j++)
                      if (pv[j] > pv[best])
                        best = j;
                    if (mk == NN_METRIC_SPARSE_CATEGORICAL_ACCURACY)
                      want = (size_t) tv[0];
                    else
                      for (size_t j = 1; j < ts; j++)
                        if (tv[j] > tv[want])
                          want = j;
                    s += best == want;
                    break;
                  }
                case NN_METRIC_MAE:
                case NN_METRIC_MSE:
                  {
                    double e = 0;
                    for (size_t j = 0; j < units && j < ts; j++)
                      {
                        double d = (double) pv[j] - tv[j];
                        e += mk == NN_METRIC_MAE ? fabs (d) : d * d;
                      }
                    s += e / (double) units;
                    break;
                  }
                default:
                  break;
                }
            }
          acc->metric[o][k] += s;
        }
    }
  acc->count += n;
}

/* Writes "loss", "accuracy" ... (prefix "val_" for validation) into s. */
static void
acc_to_scores (NnCompiled *c, const Acc *acc, const char *prefix, NnScores *s)
{
  NnModel *m = c->model;
  double cnt = acc->count > 0 ? acc->count : 1;
  g_autofree char *lk = g_strconcat (prefix, "loss", NULL);
  scores_set (s, lk, acc->loss_sum / cnt);
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
          scores_set (s, k, acc->out_loss[o] / cnt);
        }
      for (int k = 0; k < m->outputs[o].n_metrics; k++)
        {
          g_autofree char *key = multi
            ? g_strdup_printf ("%s%s_%s", prefix, oname, nn_metric_name (m->outputs[o].metrics[k]))
            : g_strdup_printf ("%s%s", prefix, nn_metric_name (m->outputs[o].metrics[k]));
          scores_set (s, key, acc->metric[o][k] / cnt);
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
static gboolean
run_eval (NnCompiled *c, NnDataset *ds, const guint32 *idx, size_t n, const char *prefix,
          NnScores *out, const gint *stop)
{
  NnGraph *g = c->g;
  int saved = g->training;
  g->training = 0;
  Acc acc = { 0 };
  int bs = g->max_batch;
  for (size_t i = 0; i < n; i += (size_t) bs)
    {
      if (stop && g_atomic_int_get (stop))
        {
          g->training = saved;
          return FALSE;
        }
      int b = (int) MIN ((size_t) bs, n - i);
      feed (c, ds, idx + i, b, TRUE);
      if (c->loss_node >= 0)
        nn_graph_forward_to (g, c->loss_node);
      else
        nn_graph_forward (g);
      accumulate (c, &acc, b);
    }
  g->training = saved;
  acc_to_scores (c, &acc, prefix, out);
  return TRUE;
}

gboolean
nn_model_evaluate (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n, int batch_size,
                   NnScores *out, GError **error)
{
  g_return_val_if_fail (m && ds && out, FALSE);
  if (!idx)
    {
      idx = ds->test_idx;
      n = ds->n_test;
    }
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "There are no samples to evaluate on (the dataset has no test split)");
      return FALSE;
    }
  int bs = infer_batch (batch_size, n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return FALSE;
  gboolean ok = check_data (c, ds, TRUE, error);
  if (ok)
    run_eval (c, ds, idx, n, "", out, NULL);
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
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "No samples to predict");
      return NULL;
    }
  int bs = infer_batch (batch_size, n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return NULL;
  if (output < 0 || output >= c->n_outputs)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "The model has no output number %d", output);
      nn_compiled_free (c);
      return NULL;
    }
  if (!check_data (c, ds, FALSE, error))
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
      feed (c, ds, idx + i, b, FALSE);
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
                   "The model takes %d inputs, not %d", nn_model_get_n_inputs (m), n_inputs);
      return NULL;
    }
  if (ref.layer < 0 || ref.layer >= m->n_layers || ref.call < 0
      || ref.call >= m->layers[ref.layer]->n_calls)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "No such layer output");
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
                       "Input %d must hold %d samples of shape %s", k + 1, n, want);
          return NULL;
        }
    }
  if (n <= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "No samples to run");
      return NULL;
    }
  int bs = infer_batch (n, (size_t) n);
  NnCompiled *c = nn_compile (m, bs, 0, NULL, error);
  if (!c)
    return NULL;
  int node = c->call_nodes[ref.layer][ref.call];
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

/* ---- the trainer ------------------------------------------------------------ */

struct _NnTrainer {
  GThread        *thread;
  GAsyncQueue    *events;
  NnTrainerNotify notify;
  gpointer        notify_data;
  GDestroyNotify  notify_destroy;
  gint            stop, paused, steps_requested, running;
  GMutex          lock;
  GCond           cond;
  double          lr_request;      /* >0: new base learning rate (under lock) */
  GPtrArray      *param_requests;  /* "layer\nparam\nvalue" strings (under lock) */
  NnModel        *model;           /* the worker's copy; ours after join */
  NnDataset      *ds;              /* borrowed: the caller keeps it alive */
  NnFitConfig     cfg;
  GError         *error;
  NnRng           rng;
  gint64          t0;
  gint64          waited_us;       /* worker only: time spent paused since t0 */
};

NnTrainer *
nn_trainer_new (void)
{
  NnTrainer *t = g_new0 (NnTrainer, 1);
  t->events = g_async_queue_new_full ((GDestroyNotify) nn_event_free);
  t->param_requests = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&t->lock);
  g_cond_init (&t->cond);
  return t;
}

void
nn_trainer_free (NnTrainer *t)
{
  if (!t)
    return;
  if (t->thread)
    {
      nn_trainer_request_stop (t);
      nn_trainer_join (t, NULL);
    }
  g_async_queue_unref (t->events);
  g_ptr_array_unref (t->param_requests);
  if (t->notify_destroy)
    t->notify_destroy (t->notify_data);
  g_clear_pointer (&t->model, nn_model_free);
  g_clear_error (&t->error);
  nn_fit_config_clear (&t->cfg);
  g_mutex_clear (&t->lock);
  g_cond_clear (&t->cond);
  g_free (t);
}

void
nn_trainer_set_notify (NnTrainer *t, NnTrainerNotify notify, gpointer data, GDestroyNotify destroy)
{
  if (t->notify_destroy)
    t->notify_destroy (t->notify_data);
  t->notify = notify;
  t->notify_data = data;
  t->notify_destroy = destroy;
}

static NnEvent *
event_new (NnTrainer *t, NnEventKind kind)
{
  NnEvent *e = g_new0 (NnEvent, 1);
  e->kind = kind;
  e->fold = -1;
  /* Running time: a paused trainer's clock stands still. */
  e->seconds = (g_get_monotonic_time () - t->t0 - t->waited_us) / 1e6;
  return e;
}

static void
push (NnTrainer *t, NnEvent *e)
{
  g_async_queue_push (t->events, e);
  if (t->notify)
    t->notify (t->notify_data);
}

static void
event_set_scores (NnEvent *e, const NnScores *s)
{
  for (int k = 0; k < s->n_values && e->n_values < NN_MAX_HISTORY_KEYS; k++)
    {
      e->keys[e->n_values] = g_strdup (s->keys[k]);
      e->values[e->n_values++] = s->values[k];
    }
}

NnEvent *
nn_trainer_pop_event (NnTrainer *t)
{
  return g_async_queue_try_pop (t->events);
}

void
nn_trainer_request_stop (NnTrainer *t)
{
  g_atomic_int_set (&t->stop, 1);
  g_mutex_lock (&t->lock);
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_pause (NnTrainer *t)
{
  g_atomic_int_set (&t->paused, 1);
}

void
nn_trainer_resume (NnTrainer *t)
{
  g_mutex_lock (&t->lock);
  g_atomic_int_set (&t->paused, 0);
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_step (NnTrainer *t)
{
  g_mutex_lock (&t->lock);
  g_atomic_int_inc (&t->steps_requested);
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

void
nn_trainer_set_lr (NnTrainer *t, double lr)
{
  g_mutex_lock (&t->lock);
  t->lr_request = lr;
  g_mutex_unlock (&t->lock);
}

gboolean
nn_trainer_set_param (NnTrainer *t, const char *layer, const char *param, const char *text,
                      GError **error)
{
  g_return_val_if_fail (t && layer && param && text, FALSE);
  /* The worker replaces t->model between folds under the lock; layer types
   * are static, so the type can be used after unlocking. */
  g_mutex_lock (&t->lock);
  NnModel *m = t->model;
  int li = m ? nn_model_find_layer (m, layer) : -1;
  const NnLayerType *type = li >= 0 ? m->layers[li]->type : NULL;
  g_mutex_unlock (&t->lock);
  if (li < 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "There is no layer “%s” in the model being trained", layer);
      return FALSE;
    }
  const NnParamSpec *spec = NULL;
  for (int k = 0; k < type->n_params; k++)
    if (g_str_equal (type->params[k].name, param))
      spec = &type->params[k];
  if (!spec || !(spec->runtime || g_str_equal (param, "kernel_l1") || g_str_equal (param, "kernel_l2")))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "%s.%s cannot change while training runs", layer, param);
      return FALSE;
    }
  NnValue v = { 0 };
  if (!nn_value_parse (spec, text, &v, error))
    return FALSE;
  nn_value_clear (&v);
  g_mutex_lock (&t->lock);
  g_ptr_array_add (t->param_requests, g_strdup_printf ("%s\n%s\n%s", layer, param, text));
  g_mutex_unlock (&t->lock);
  return TRUE;
}

gboolean nn_trainer_is_running (NnTrainer *t) { return g_atomic_int_get (&t->running); }
gboolean nn_trainer_is_paused (NnTrainer *t) { return g_atomic_int_get (&t->paused); }

/* Blocks while paused; returns FALSE when asked to stop. */
static gboolean
wait_if_paused (NnTrainer *t)
{
  if (!g_atomic_int_get (&t->paused))
    return !g_atomic_int_get (&t->stop);
  gint64 w0 = g_get_monotonic_time ();
  g_mutex_lock (&t->lock);
  while (g_atomic_int_get (&t->paused) && !g_atomic_int_get (&t->stop)
         && g_atomic_int_get (&t->steps_requested) == 0)
    g_cond_wait (&t->cond, &t->lock);
  if (g_atomic_int_get (&t->steps_requested) > 0)
    g_atomic_int_add (&t->steps_requested, -1);
  g_mutex_unlock (&t->lock);
  t->waited_us += g_get_monotonic_time () - w0;
  return !g_atomic_int_get (&t->stop);
}

typedef struct {
  char    *monitor;
  gboolean maximize;
  double   best;
  int      wait;          /* epochs without improvement (early stopping) */
  int      lr_wait;       /* same, for ReduceLROnPlateau */
  int      best_epoch;
  float   *best_params;   /* all segments' values, concatenated */
} Watch;

static gboolean
improved (const Watch *w, double v, double min_delta)
{
  if (!isfinite (w->best))
    return TRUE;
  return w->maximize ? v > w->best + min_delta : v < w->best - min_delta;
}

static void
params_save (NnCompiled *c, float *dst)
{
  size_t o = 0;
  for (int s = 0; s < c->n_segments; s++)
    {
      memcpy (dst + o, c->segments[s].value, c->segments[s].n * sizeof (float));
      o += c->segments[s].n;
    }
}

static void
params_restore (NnCompiled *c, const float *src)
{
  size_t o = 0;
  for (int s = 0; s < c->n_segments; s++)
    {
      memcpy (c->segments[s].value, src + o, c->segments[s].n * sizeof (float));
      o += c->segments[s].n;
    }
}

static size_t
params_total (NnCompiled *c)
{
  size_t n = 0;
  for (int s = 0; s < c->n_segments; s++)
    n += c->segments[s].n;
  return n;
}

static void
apply_param_requests (NnTrainer *t, NnModel *m, NnCompiled *c, int epoch, long step, int fold)
{
  g_mutex_lock (&t->lock);
  if (t->param_requests->len == 0)
    {
      g_mutex_unlock (&t->lock);
      return;
    }
  GPtrArray *reqs = t->param_requests;
  t->param_requests = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&t->lock);
  for (guint k = 0; k < reqs->len; k++)
    {
      g_auto (GStrv) parts = g_strsplit (reqs->pdata[k], "\n", 3);
      int li = nn_model_find_layer (m, parts[0]);
      if (li < 0 || !nn_model_layer_set_param (m, li, parts[1], parts[2], NULL))
        continue;
      /* Same layout: the structure did not change, so inference is cheap
       * and keeps the weights. */
      nn_model_infer (m, NULL);
      nn_compiled_sync_runtime (c);
      NnEvent *e = event_new (t, NN_EVENT_PARAM_CHANGED);
      e->epoch = epoch;
      e->step = step;
      e->fold = fold;
      e->text = g_strdup_printf ("%s.%s = %s", parts[0], parts[1], parts[2]);
      push (t, e);
    }
  g_ptr_array_unref (reqs);
}

static void
histogram_fill (const float *x, size_t n, double *lo, double *hi, guint32 *bins)
{
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++)
    {
      mn = MIN (mn, x[i]);
      mx = MAX (mx, x[i]);
    }
  if (!n || !isfinite (mn) || !isfinite (mx))
    mn = mx = 0;
  if (mx <= mn)
    mx = mn + 1e-6f;
  *lo = mn;
  *hi = mx;
  float scale = NN_HIST_BINS / (mx - mn);
  for (size_t i = 0; i < n; i++)
    {
      int b = (int) ((x[i] - mn) * scale);
      bins[CLAMP (b, 0, NN_HIST_BINS - 1)]++;
    }
}

static NnEvent *
histograms_event (NnTrainer *t, NnModel *m, NnCompiled *c)
{
  NnEvent *e = event_new (t, NN_EVENT_HISTOGRAMS);
  int n = 0;
  for (int i = 0; i < m->n_layers; i++)
    n += m->layers[i]->n_weights;
  e->histograms = g_new0 (NnHistogram, MAX (n, 1));
  for (int i = 0; i < m->n_layers; i++)
    {
      NnLayer *l = m->layers[i];
      for (int k = 0; k < l->n_weights; k++)
        {
          NnHistogram *h = &e->histograms[e->n_histograms++];
          size_t sz = nn_shape_size (l->wspec[k].ndim, l->wspec[k].shape);
          const float *w = m->params + l->woff[k];
          h->name = g_strdup_printf ("%s/%s", l->name, l->wspec[k].name);
          histogram_fill (w, sz, &h->w_min, &h->w_max, h->w_bins);
          for (int s = 0; s < c->n_segments; s++)
            if (c->segments[s].value == w && c->segments[s].grad)
              histogram_fill (c->segments[s].grad, sz, &h->g_min, &h->g_max, h->g_bins);
        }
    }
  return e;
}

/* Divergence: the mean loss of the last DIVERGE_WINDOW batches above
 * DIVERGE_FACTOR times the first batch's loss. A learning rate far too high
 * can keep the loss finite (Adam's steps are about the learning rate in
 * size, whatever the gradient) while it grows by orders of magnitude. */
#define DIVERGE_FACTOR 1e3
#define DIVERGE_WINDOW 8

typedef struct {
  double first;                 /* the first positive batch loss; 0 until then */
  double last[DIVERGE_WINDOW];
  int    n;                     /* batches seen */
  gboolean warned;
} Divergence;

/* Adds a batch's loss; TRUE once, the first time the run diverges. */
static gboolean
divergence_add (Divergence *d, double loss, double *window_mean)
{
  if (d->first <= 0 && loss > 0)
    d->first = loss;
  d->last[d->n++ % DIVERGE_WINDOW] = loss;
  int w = MIN (d->n, DIVERGE_WINDOW);
  double sum = 0;
  for (int k = 0; k < w; k++)
    sum += d->last[k];
  *window_mean = sum / w;
  if (d->warned || d->first <= 0 || !(*window_mean > DIVERGE_FACTOR * d->first))
    return FALSE;
  d->warned = TRUE;
  return TRUE;
}

/* Trains m on train_idx, validating on val_idx (may be empty) for every
 * epoch. Returns FALSE with error on failure, TRUE when done or stopped;
 * final validation (or training) scores go to final. */
static gboolean
fit_one (NnTrainer *t, NnModel *m, guint32 *train_idx, size_t n_train, const guint32 *val_idx,
         size_t n_val, int fold, NnScores *final, GError **error)
{
  NnFitConfig *cfg = &t->cfg;
  NnDataset *ds = t->ds;
  int bs = (int) MIN ((size_t) MAX (cfg->batch_size, 1), MAX (n_train, 1));
  NnCompiled *c = nn_compile (m, bs, NN_COMPILE_TRAIN, &t->rng, error);
  if (!c)
    return FALSE;
  gboolean ok = TRUE;
  if (c->loss_node < 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "No output has a loss: choose a loss for the model's output");
      ok = FALSE;
    }
  if (ok && !check_data (c, ds, TRUE, error))
    ok = FALSE;
  if (!ok)
    {
      nn_compiled_free (c);
      return FALSE;
    }
  NnOptimizer *opt = nn_optimizer_new (&m->opt, c->n_grads);
  NnOptimizerConfig sched = m->opt;
  double lr_scale = 1.0;
  Watch w = { 0 };
  w.monitor = g_strdup (cfg->monitor ? cfg->monitor : n_val ? "val_loss" : "loss");
  w.maximize = strstr (w.monitor, "acc") != NULL;
  w.best = NAN;
  w.best_epoch = -1;
  gboolean want_watch = cfg->early_stopping || cfg->reduce_lr || cfg->checkpoint_path;
  if (cfg->early_stopping && cfg->restore_best_weights)
    w.best_params = g_new (float, MAX (params_total (c), 1));

  int batches = (int) ((n_train + (size_t) bs - 1) / (size_t) bs);
  long step = 0;
  gint64 last_batch_event = 0;
  Divergence div = { 0 };
  NnScores scores = { 0 };
  gboolean stopped = FALSE;

  int last_epoch = 0;
  for (int epoch = 0; epoch < cfg->epochs && ok && !stopped; epoch++)
    {
      last_epoch = epoch;
      if (cfg->shuffle)
        nn_rng_shuffle (&t->rng, train_idx, n_train);
      Acc acc = { 0 };
      gint64 e0 = g_get_monotonic_time ();
      gint64 paused_us = 0;
      for (int b = 0; b < batches; b++)
        {
          gint64 p0 = g_get_monotonic_time ();
          gboolean stepping = g_atomic_int_get (&t->paused);
          if (!wait_if_paused (t))
            {
              stopped = TRUE;
              break;
            }
          paused_us += g_get_monotonic_time () - p0;
          g_mutex_lock (&t->lock);
          if (t->lr_request > 0)
            {
              sched.learning_rate = t->lr_request / lr_scale;
              t->lr_request = 0;
              NnEvent *e = event_new (t, NN_EVENT_LR_CHANGED);
              e->epoch = epoch;
              e->step = step;
              e->lr = nn_optimizer_lr_at (&sched, step) * lr_scale;
              e->fold = fold;
              g_mutex_unlock (&t->lock);
              push (t, e);
            }
          else
            g_mutex_unlock (&t->lock);
          apply_param_requests (t, m, c, epoch, step, fold);

          size_t start = (size_t) b * (size_t) bs;
          int n = (int) MIN ((size_t) bs, n_train - start);
          feed (c, ds, train_idx + start, n, TRUE);
          nn_graph_forward_to (c->g, c->loss_node);
          float loss = c->g->nodes[c->loss_node].value[0];
          if (!isfinite (loss))
            {
              g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_NAN,
                           "The loss became %s at epoch %d, batch %d: the learning rate (%g) is "
                           "probably too high, or the inputs are not normalized; lower it and "
                           "start again", isnan (loss) ? "NaN" : "infinite", epoch + 1, b + 1,
                           nn_optimizer_lr_at (&sched, step) * lr_scale);
              ok = FALSE;
              break;
            }
          double window_mean;
          if (divergence_add (&div, loss, &window_mean))
            {
              NnEvent *we = event_new (t, NN_EVENT_WARNING);
              we->epoch = epoch;
              we->step = step;
              we->fold = fold;
              we->loss = window_mean;
              we->text = g_strdup_printf ("The loss is diverging: %g over the last batches at "
                                          "epoch %d, batch %d, more than %g times the first "
                                          "batch's %g; the learning rate (%g) is probably too "
                                          "high: lower it and start again", window_mean,
                                          epoch + 1, b + 1, DIVERGE_FACTOR, div.first,
                                          nn_optimizer_lr_at (&sched, step) * lr_scale);
              push (t, we);
            }
          accumulate (c, &acc, n);
          memset (c->grads, 0, c->n_grads * sizeof (float));
          nn_graph_backward (c->g, c->loss_node);
          double lr = nn_optimizer_lr_at (&sched, step) * lr_scale;
          nn_optimizer_step (opt, c, lr);
          step++;

          gint64 now = g_get_monotonic_time ();
          if (stepping || b == batches - 1 || now - last_batch_event > 30000)
            {
              last_batch_event = now;
              NnEvent *e = event_new (t, NN_EVENT_BATCH);
              e->epoch = epoch;
              e->fold = fold;
              e->step = step;
              e->batch = b + 1;
              e->batches_per_epoch = batches;
              e->loss = loss;
              e->lr = lr;
              double secs = (now - e0 - paused_us) / 1e6;
              e->samples_per_s = secs > 0 ? (start + (size_t) n) / secs : 0;
              push (t, e);
            }
          if (cfg->snapshot_every > 0 && step % cfg->snapshot_every == 0)
            {
              NnEvent *e = event_new (t, NN_EVENT_SNAPSHOT);
              e->epoch = epoch;
              e->step = step;
              e->fold = fold;
              e->snapshot = nn_model_copy (m);
              push (t, e);
            }
          if (cfg->max_steps > 0 && step >= cfg->max_steps)
            {
              stopped = TRUE;
              b++;
              break;
            }
        }
      if (!ok)
        break;
      double train_secs = (g_get_monotonic_time () - e0 - paused_us) / 1e6;
      if (acc.count == 0)
        break;
      nn_scores_clear (&scores);
      acc_to_scores (c, &acc, "", &scores);
      if (n_val && !run_eval (c, ds, val_idx, n_val, "val_", &scores, &t->stop))
        stopped = TRUE;
      if (stopped && g_atomic_int_get (&t->stop))
        break;
      double lr_now = nn_optimizer_lr_at (&sched, step) * lr_scale;
      NnEvent *e = event_new (t, NN_EVENT_EPOCH);
      e->epoch = epoch;
      e->fold = fold;
      e->step = step;
      e->lr = lr_now;
      e->batches_per_epoch = batches;
      e->samples_per_s = train_secs > 0 ? acc.count / train_secs : 0;
      e->loss = nn_scores_get (&scores, "loss", NULL);
      event_set_scores (e, &scores);

      /* Callbacks: early stopping, checkpoint, reduce on plateau. */
      gboolean found = FALSE;
      double v = nn_scores_get (&scores, w.monitor, &found);
      if (want_watch && !found)
        {
          e->text = g_strdup_printf ("The monitored value “%s” does not exist; callbacks are off",
                                     w.monitor);
          want_watch = FALSE;
        }
      if (want_watch)
        {
          if (improved (&w, v, cfg->min_delta))
            {
              w.best = v;
              w.best_epoch = epoch;
              w.wait = w.lr_wait = 0;
              if (w.best_params)
                params_save (c, w.best_params);
              if (cfg->checkpoint_path)
                {
                  g_autoptr (GError) err = NULL;
                  if (!nn_model_save (m, cfg->checkpoint_path, TRUE, &err))
                    {
                      NnEvent *we = event_new (t, NN_EVENT_WARNING);
                      we->text = g_strdup_printf ("Checkpoint not saved: %s", err->message);
                      push (t, we);
                    }
                }
            }
          else
            {
              w.wait++;
              w.lr_wait++;
              if (cfg->reduce_lr && w.lr_wait >= cfg->reduce_patience)
                {
                  double new_lr = MAX (lr_now * cfg->reduce_factor, cfg->min_lr);
                  if (new_lr < lr_now)
                    {
                      lr_scale *= new_lr / lr_now;
                      NnEvent *le = event_new (t, NN_EVENT_LR_CHANGED);
                      le->epoch = epoch;
                      le->step = step;
                      le->lr = new_lr;
                      le->fold = fold;
                      le->text = g_strdup_printf ("ReduceLROnPlateau: learning rate %g → %g",
                                                  lr_now, new_lr);
                      push (t, le);
                    }
                  w.lr_wait = 0;
                }
            }
        }
      push (t, e);
      if (cfg->histograms)
        {
          NnEvent *he = histograms_event (t, m, c);
          he->epoch = epoch;
          he->step = step;
          he->fold = fold;
          push (t, he);
        }
      if (cfg->snapshot_every == 0)
        {
          NnEvent *se = event_new (t, NN_EVENT_SNAPSHOT);
          se->epoch = epoch;
          se->step = step;
          se->fold = fold;
          se->snapshot = nn_model_copy (m);
          push (t, se);
        }
      if (want_watch && cfg->early_stopping && w.wait >= cfg->patience)
        {
          NnEvent *we = event_new (t, NN_EVENT_WARNING);
          we->epoch = epoch;
          we->text = g_strdup_printf ("Early stopping: %s has not improved for %d epochs; the best "
                                      "was %g at epoch %d", w.monitor, w.wait, w.best,
                                      w.best_epoch + 1);
          push (t, we);
          break;
        }
    }
  /* A request accepted just before a stop, or after the last batch, still
   * reaches the model this run returns. */
  apply_param_requests (t, m, c, last_epoch, step, fold);
  if (ok && w.best_params && w.best_epoch >= 0)
    {
      params_restore (c, w.best_params);
      /* Report the restored epoch's scores as the final ones. */
      if (n_val)
        run_eval (c, ds, val_idx, n_val, "val_", &scores, NULL);
    }
  if (final)
    {
      nn_scores_clear (final);
      for (int k = 0; k < scores.n_values; k++)
        scores_set (final, scores.keys[k], scores.values[k]);
    }
  nn_scores_clear (&scores);
  g_free (w.best_params);
  g_free (w.monitor);
  nn_optimizer_free (opt);
  nn_compiled_free (c);
  return ok;
}

static gpointer
worker (gpointer data)
{
  NnTrainer *t = data;
  NnFitConfig *cfg = &t->cfg;
  NnDataset *ds = t->ds;
  GError *error = NULL;
  gboolean ok = TRUE;
  push (t, event_new (t, NN_EVENT_STARTED));

  if (cfg->kfold > 1)
    {
      int k = cfg->kfold, iters = MAX (cfg->kfold_iterations, 1);
      size_t n = ds->n_train;
      guint32 *order = g_memdup2 (ds->train_idx, n * sizeof (guint32));
      guint32 *tr = g_new (guint32, n), *va = g_new (guint32, n);
      NnScores sum = { 0 }, fold_scores = { 0 };
      int folds_done = 0;
      /* The model given to start stays in t->model until the first fold
       * replaces it, so a stop before that still hands back a model. */
      g_mutex_lock (&t->lock);
      NnModel *proto = nn_model_copy (t->model);
      g_mutex_unlock (&t->lock);
      for (int it = 0; ok && it < iters && !g_atomic_int_get (&t->stop); it++)
        {
          nn_rng_shuffle (&t->rng, order, n);
          for (int f = 0; ok && f < k && !g_atomic_int_get (&t->stop); f++)
            {
              size_t lo = n * (size_t) f / (size_t) k, hi = n * (size_t) (f + 1) / (size_t) k;
              size_t ntr = 0, nva = 0;
              for (size_t i = 0; i < n; i++)
                if (i >= lo && i < hi)
                  va[nva++] = order[i];
                else
                  tr[ntr++] = order[i];
              NnModel *next = nn_model_copy (proto), *old;
              g_mutex_lock (&t->lock);
              old = t->model;
              t->model = next;
              g_mutex_unlock (&t->lock);
              nn_model_free (old);
              ok = nn_model_init_weights (t->model, cfg->seed + 1000u * (guint64) it + (guint64) f,
                                          &error);
              if (ok)
                ok = fit_one (t, t->model, tr, ntr, va, nva, it * k + f, &fold_scores, &error);
              if (!ok || g_atomic_int_get (&t->stop))
                break;
              NnEvent *e = event_new (t, NN_EVENT_FOLD);
              e->fold = it * k + f;
              event_set_scores (e, &fold_scores);
              push (t, e);
              for (int s = 0; s < fold_scores.n_values; s++)
                {
                  gboolean had;
                  double prev = nn_scores_get (&sum, fold_scores.keys[s], &had);
                  scores_set (&sum, fold_scores.keys[s], (had ? prev : 0) + fold_scores.values[s]);
                }
              folds_done++;
            }
        }
      NnEvent *e = event_new (t, NN_EVENT_FINISHED);
      if (ok && folds_done)
        {
          for (int s = 0; s < sum.n_values; s++)
            sum.values[s] /= folds_done;
          event_set_scores (e, &sum);
          e->text = g_strdup_printf ("%d-fold cross-validation: mean of %d folds", k, folds_done);
        }
      nn_scores_clear (&sum);
      nn_scores_clear (&fold_scores);
      nn_model_free (proto);
      g_free (order);
      g_free (tr);
      g_free (va);
      if (!ok)
        e->error = g_error_copy (error);
      else if (g_atomic_int_get (&t->stop))
        {
          /* Replaces the "mean of N folds" text of the folds done. */
          g_free (e->text);
          e->text = g_strdup ("Stopped");
        }
      g_mutex_lock (&t->lock);
      t->error = error;
      g_mutex_unlock (&t->lock);
      g_atomic_int_set (&t->running, 0);
      push (t, e);
      return NULL;
    }

  size_t n = ds->n_train;
  size_t n_val = (size_t) (n * CLAMP (cfg->validation_split, 0.0, 0.95));
  size_t n_tr = n - n_val;
  /* Like Keras: the validation samples are the last ones, before shuffling. */
  guint32 *tr = g_memdup2 (ds->train_idx, MAX (n_tr, 1) * sizeof (guint32));
  const guint32 *va = ds->train_idx + n_tr;
  NnScores final = { 0 };
  if (n_tr == 0)
    {
      g_set_error (&error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "There are no training samples left: lower the validation split");
      ok = FALSE;
    }
  else
    ok = fit_one (t, t->model, tr, n_tr, va, n_val, -1, &final, &error);
  g_free (tr);
  NnEvent *e = event_new (t, NN_EVENT_FINISHED);
  event_set_scores (e, &final);
  nn_scores_clear (&final);
  if (!ok)
    e->error = g_error_copy (error);
  else
    e->text = g_strdup (g_atomic_int_get (&t->stop) ? "Stopped" : "Finished");
  g_mutex_lock (&t->lock);
  t->error = error;
  g_mutex_unlock (&t->lock);
  g_atomic_int_set (&t->running, 0);
  push (t, e);
  return NULL;
}

/* A model with no loss at all would train on nothing (loss 0 every epoch):
 * its outputs take the loss their activation suggests, and where none
 * suits the start is refused with the reason. Outputs left without a loss
 * beside one that has a loss are meant so (an extra output to inspect). */
static gboolean
choose_losses (NnModel *m, GError **error)
{
  int n = nn_model_get_n_outputs (m);

  for (int i = 0; i < n; i++)
    if (nn_model_output_get_loss (m, i) != NN_LOSS_NONE)
      return TRUE;
  for (int i = 0; i < n; i++)
    {
      GError *why = NULL;
      NnMetric metric;
      NnLoss loss = nn_model_suggest_loss (m, nn_model_get_output (m, i), &metric, &why);

      if (loss == NN_LOSS_NONE)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       "The model has no loss to train with. %s", why->message);
          g_error_free (why);
          return FALSE;
        }
      nn_model_output_set_loss (m, i, loss, nn_model_output_get_loss_weight (m, i));
      nn_model_output_set_metrics (m, i, &metric, 1);
    }
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "The model has no output to train: connect its last layer");
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_trainer_start (NnTrainer *t, NnModel *model, NnDataset *ds, const NnFitConfig *cfg,
                  GError **error)
{
  g_return_val_if_fail (t && model && ds && cfg, FALSE);
  if (t->thread)
    {
      if (g_atomic_int_get (&t->running))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_BUSY, "Training is already running");
          return FALSE;
        }
      nn_trainer_join (t, NULL);
    }
  if (cfg->epochs < 1 || cfg->batch_size < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "Epochs and batch size must be at least 1");
      return FALSE;
    }
  if (cfg->validation_split < 0 || cfg->validation_split >= 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "The validation split must be at least 0 and less than 1, not %g",
                   cfg->validation_split);
      return FALSE;
    }
  if (ds->n_train == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "The dataset “%s” has no training samples", ds->name);
      return FALSE;
    }
  if (cfg->kfold > 1 && (size_t) cfg->kfold > ds->n_train)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   "K-fold with %d folds needs at least %d training samples, but the dataset "
                   "“%s” has %zu: use at most %zu folds", cfg->kfold, cfg->kfold, ds->name,
                   ds->n_train, ds->n_train);
      return FALSE;
    }
  g_clear_pointer (&t->model, nn_model_free);
  t->model = nn_model_copy (model);
  nn_model_auto_outputs (t->model);
  if (!nn_model_infer (t->model, error))
    return FALSE;
  if (!choose_losses (t->model, error))
    return FALSE;
  if (!nn_model_has_weights (t->model) && !nn_model_init_weights (t->model, cfg->seed, error))
    return FALSE;
  nn_fit_config_clear (&t->cfg);
  t->cfg = *cfg;
  t->cfg.monitor = g_strdup (cfg->monitor);
  t->cfg.checkpoint_path = g_strdup (cfg->checkpoint_path);
  t->ds = ds;
  g_clear_error (&t->error);
  nn_rng_seed (&t->rng, cfg->seed);
  g_atomic_int_set (&t->stop, 0);
  /* Set before the worker exists, so a paused start runs no batch early. */
  g_atomic_int_set (&t->paused, cfg->start_paused ? 1 : 0);
  g_atomic_int_set (&t->steps_requested, 0);
  g_atomic_int_set (&t->running, 1);
  t->lr_request = 0;
  t->t0 = g_get_monotonic_time ();
  t->waited_us = 0;
  t->thread = g_thread_new ("deepscope-fit", worker, t);
  return TRUE;
}

gboolean
nn_trainer_join (NnTrainer *t, GError **error)
{
  if (!t->thread)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "Training was not started");
      return FALSE;
    }
  g_thread_join (t->thread);
  t->thread = NULL;
  if (t->error)
    {
      if (error)
        *error = g_error_copy (t->error);
      return FALSE;
    }
  return TRUE;
}

NnModel *
nn_trainer_dup_model (NnTrainer *t)
{
  g_return_val_if_fail (t, NULL);
  /* While the worker runs it writes the weights without the lock: no copy
   * then. t->thread is only set and cleared by the caller's thread. */
  if (t->thread)
    return NULL;
  g_mutex_lock (&t->lock);
  NnModel *m = t->model ? nn_model_copy (t->model) : NULL;
  g_mutex_unlock (&t->lock);
  return m;
}
