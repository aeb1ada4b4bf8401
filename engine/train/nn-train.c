/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training (inference is nn-evaluate.c). fit runs on its own thread, owns its
 * copy of the model and posts plain events through a queue; commands (stop,
 * pause, step, learning rate) arrive through atomics and a condition
 * variable, read between batches. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-train-private.h"

/* ---- events and settings -------------------------------------------------- */

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
  g_clear_pointer (&e->snapshot_aux, nn_model_free);
  g_clear_pointer (&e->before, nn_model_free);
  g_clear_pointer (&e->gradient, nn_model_free);
  g_free (e->batch_idx);
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
nn_fit_config_init (NnFitConfig *c)
{
  *c = (NnFitConfig) {
    .epochs = 10, .batch_size = 32, .validation_split = 0, .shuffle = TRUE, .seed = 1,
    .kfold = 0, .kfold_iterations = 1, .early_stopping = FALSE, .monitor = NULL,
    .patience = 3, .min_delta = 0, .restore_best_weights = TRUE, .checkpoint_path = NULL,
    .reduce_lr = FALSE, .reduce_factor = 0.1, .reduce_patience = 2, .min_lr = 0,
    .snapshot_every = 0, .snapshot_secs = 0, .max_steps = 0,
  };
}

void
nn_fit_config_clear (NnFitConfig *c)
{
  g_clear_pointer (&c->monitor, g_free);
  g_clear_pointer (&c->checkpoint_path, g_free);
}

/* ---- the trainer ------------------------------------------------------------ */


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
  g_clear_pointer (&t->model_aux, nn_model_free);
  g_clear_pointer (&t->gan, nn_gan_free);
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

NnEvent *
nn_trainer_event_new (NnTrainer *t, NnEventKind kind)
{
  NnEvent *e = g_new0 (NnEvent, 1);
  e->kind = kind;
  e->fold = -1;
  /* Running time: a paused trainer's clock stands still. */
  e->seconds = (g_get_monotonic_time () - t->t0 - t->waited_us) / 1e6;
  return e;
}

void
nn_trainer_push (NnTrainer *t, NnEvent *e)
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
nn_trainer_set_pace (NnTrainer *t, int step_us)
{
  g_mutex_lock (&t->lock);
  g_atomic_int_set (&t->pace_us, MAX (step_us, 0));
  g_cond_broadcast (&t->cond);
  g_mutex_unlock (&t->lock);
}

/* With a pace, waits out the rest of the batch's time (until stop or
 * pause); returns the microseconds waited. */
gint64
nn_trainer_wait_for_pace (NnTrainer *t, gint64 batch_start)
{
  gint64 w0 = g_get_monotonic_time ();
  g_mutex_lock (&t->lock);
  for (;;)
    {
      int pace = g_atomic_int_get (&t->pace_us);
      if (pace <= 0 || g_atomic_int_get (&t->stop) || g_atomic_int_get (&t->paused)
          || g_get_monotonic_time () >= batch_start + pace)
        break;
      g_cond_wait_until (&t->cond, &t->lock, batch_start + pace);
    }
  g_mutex_unlock (&t->lock);
  return g_get_monotonic_time () - w0;
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
  NnModel *m = t->model, *owner = NULL;
  int li = m ? nn_model_find_layer_path (m, layer, &owner) : -1;
  const NnLayerType *type = li >= 0 ? owner->layers[li]->type : NULL;
  g_mutex_unlock (&t->lock);
  if (li < 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There is no layer “%s” in the model being trained"), layer);
      return FALSE;
    }
  const NnParamSpec *spec = NULL;
  for (int k = 0; k < type->n_params; k++)
    if (g_str_equal (type->params[k].name, param))
      spec = &type->params[k];
  if (!spec || !(spec->runtime || g_str_equal (param, "kernel_l1") || g_str_equal (param, "kernel_l2")))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s.%s cannot change while training runs"), layer, param);
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
gboolean nn_trainer_is_waiting (NnTrainer *t) { return g_atomic_int_get (&t->waiting); }

/* Blocks while paused; returns FALSE when asked to stop. */
gboolean
nn_trainer_wait_if_paused (NnTrainer *t)
{
  if (!g_atomic_int_get (&t->paused))
    return !g_atomic_int_get (&t->stop);
  gint64 w0 = g_get_monotonic_time ();
  g_mutex_lock (&t->lock);
  g_atomic_int_set (&t->waiting, 1);
  while (g_atomic_int_get (&t->paused) && !g_atomic_int_get (&t->stop)
         && g_atomic_int_get (&t->steps_requested) == 0)
    g_cond_wait (&t->cond, &t->lock);
  g_atomic_int_set (&t->waiting, 0);
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
      /* A layer inside a Model layer by its path (a Sampling in the
       * encoder: "encoder/z"); the compiled graph keeps its layer. */
      NnModel *owner = NULL;
      int li = nn_model_find_layer_path (m, parts[0], &owner);
      if (li < 0 || !nn_model_layer_set_param (owner, li, parts[1], parts[2], NULL))
        continue;
      /* Same layout: the structure did not change, so inference is cheap
       * and keeps the weights. */
      nn_model_infer (m, NULL);
      nn_compiled_sync_runtime (c);
      NnEvent *e = nn_trainer_event_new (t, NN_EVENT_PARAM_CHANGED);
      e->epoch = epoch;
      e->step = step;
      e->fold = fold;
      e->text = g_strdup_printf ("%s.%s = %s", parts[0], parts[1], parts[2]);
      nn_trainer_push (t, e);
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
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_HISTOGRAMS);
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

/* One fit_one run: the compiled model, the schedule and what the epochs
 * carry from one to the next. */
typedef struct {
  NnTrainer        *t;
  NnModel          *m;
  NnCompiled       *c;
  NnDataset        *ds;
  NnOptimizer      *opt;
  NnOptimizerConfig sched;
  double            lr_scale;      /* ReduceLROnPlateau's factor so far */
  guint32          *train_idx;
  size_t            n_train;
  const guint32    *val_idx;
  size_t            n_val;
  int               fold;
  int               bs, batches;
  long              step;
  gint64            last_batch_event;
  gint64            last_snapshot;   /* for snapshot_secs; 0: none yet */
  Divergence        div;
  Watch             w;
  gboolean          want_watch;    /* a callback watches a value */
  NnScores          scores;        /* the last epoch's */
  gboolean          stopped;
} Fit;

/* The learning rate the schedule gives at the current step. */
static double
fit_lr (const Fit *f)
{
  return nn_optimizer_lr_at (&f->sched, f->step) * f->lr_scale;
}

/* Applies a learning rate set from outside (nn_trainer_set_lr). */
static void
fit_take_lr_request (Fit *f, int epoch)
{
  NnTrainer *t = f->t;
  g_mutex_lock (&t->lock);
  if (t->lr_request > 0)
    {
      f->sched.learning_rate = t->lr_request / f->lr_scale;
      t->lr_request = 0;
      NnEvent *e = nn_trainer_event_new (t, NN_EVENT_LR_CHANGED);
      e->epoch = epoch;
      e->step = f->step;
      e->lr = fit_lr (f);
      e->fold = f->fold;
      g_mutex_unlock (&t->lock);
      nn_trainer_push (t, e);
    }
  else
    g_mutex_unlock (&t->lock);
}

/* The weights before this batch's step, and a copy of the model holding the
 * gradient just computed instead of its weights (0 where none flows). */
static void
step_details (Fit *f, NnModel **before, NnModel **gradient)
{
  NnCompiled *c = f->c;
  *before = nn_model_copy (f->m);
  *gradient = nn_model_copy (f->m);
  if ((*gradient)->params == NULL)
    return;
  memset ((*gradient)->params, 0, (*gradient)->n_params * sizeof (float));
  for (int s = 0; s < c->n_segments; s++)
    {
      const NnParamSegment *seg = &c->segments[s];
      if (!seg->trainable || !seg->grad || seg->value < f->m->params
          || seg->value + seg->n > f->m->params + f->m->n_params)
        continue;
      memcpy ((*gradient)->params + (seg->value - f->m->params), seg->grad, seg->n * sizeof (float));
    }
}

/* One optimizer step on batch b of the epoch, and its events. FALSE with
 * error when the loss is no longer finite. */
static gboolean
fit_batch (Fit *f, int epoch, int b, NnEvalAcc *acc, gint64 e0, gint64 paused_us,
           gboolean stepping, GError **error)
{
  NnTrainer *t = f->t;
  NnCompiled *c = f->c;
  NnFitConfig *cfg = &t->cfg;
  size_t start = (size_t) b * (size_t) f->bs;
  int n = (int) MIN ((size_t) f->bs, f->n_train - start);
  nn_eval_feed (c, f->ds, f->train_idx + start, n, TRUE);
  nn_graph_forward_to (c->g, c->loss_node);
  float loss = c->g->nodes[c->loss_node].value[0];
  if (!isfinite (loss))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_NAN,
                   _("The loss became %s at epoch %d, batch %d: the learning rate (%g) is "
                   "probably too high, or the inputs are not normalized; lower it and "
                   "start again"), isnan (loss) ? "NaN" : "infinite", epoch + 1, b + 1,
                   fit_lr (f));
      return FALSE;
    }
  double window_mean;
  if (divergence_add (&f->div, loss, &window_mean))
    {
      NnEvent *we = nn_trainer_event_new (t, NN_EVENT_WARNING);
      we->epoch = epoch;
      we->step = f->step;
      we->fold = f->fold;
      we->loss = window_mean;
      we->text = g_strdup_printf ("The loss is diverging: %g over the last batches at "
                                  "epoch %d, batch %d, more than %g times the first "
                                  "batch's %g; the learning rate (%g) is probably too "
                                  "high: lower it and start again", window_mean,
                                  epoch + 1, b + 1, DIVERGE_FACTOR, f->div.first, fit_lr (f));
      nn_trainer_push (t, we);
    }
  nn_eval_accumulate (c, acc, n);
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_backward (c->g, c->loss_node);
  /* A step or a paced batch is meant to be watched: each one posts its
   * loss and its weights. */
  gboolean watched = stepping || g_atomic_int_get (&t->pace_us) > 0
                     /* the batch a pause stops at: its number is shown */
                     || g_atomic_int_get (&t->paused);
  NnModel *before = NULL, *gradient = NULL;
  if (watched && cfg->step_details && cfg->snapshot_every >= 0)
    step_details (f, &before, &gradient);
  double lr = fit_lr (f);
  nn_optimizer_step (f->opt, c, lr);
  f->step++;

  gint64 now = g_get_monotonic_time ();
  if (watched || b == f->batches - 1 || now - f->last_batch_event > 30000)
    {
      f->last_batch_event = now;
      NnEvent *e = nn_trainer_event_new (t, NN_EVENT_BATCH);
      e->epoch = epoch;
      e->fold = f->fold;
      e->step = f->step;
      e->batch = b + 1;
      e->batches_per_epoch = f->batches;
      e->loss = loss;
      e->lr = lr;
      double secs = (now - e0 - paused_us) / 1e6;
      e->samples_per_s = secs > 0 ? (start + (size_t) n) / secs : 0;
      nn_trainer_push (t, e);
    }
  if ((cfg->snapshot_every > 0 && f->step % cfg->snapshot_every == 0)
      || (watched && cfg->snapshot_every >= 0)
      || (cfg->snapshot_secs > 0 && cfg->snapshot_every >= 0
          && (f->last_snapshot == 0
              || now - f->last_snapshot >= (gint64) (cfg->snapshot_secs * G_USEC_PER_SEC))))
    {
      f->last_snapshot = now;
      NnEvent *e = nn_trainer_event_new (t, NN_EVENT_SNAPSHOT);
      e->epoch = epoch;
      e->step = f->step;
      e->fold = f->fold;
      e->snapshot = nn_model_copy (f->m);
      if (before)
        {
          e->before = g_steal_pointer (&before);
          e->gradient = g_steal_pointer (&gradient);
          e->batch_idx = g_memdup2 (f->train_idx + start, (size_t) n * sizeof (guint32));
          e->n_batch = n;
        }
      nn_trainer_push (t, e);
    }
  g_clear_pointer (&before, nn_model_free);
  g_clear_pointer (&gradient, nn_model_free);
  return TRUE;
}

/* The batches of one epoch, with pauses, commands and max_steps between
 * them; sets f->stopped when a stop or max_steps ends it early. Returns
 * FALSE with error on failure; *train_secs: the time spent training. */
static gboolean
fit_epoch (Fit *f, int epoch, NnEvalAcc *acc, double *train_secs, GError **error)
{
  NnTrainer *t = f->t;
  NnFitConfig *cfg = &t->cfg;
  gint64 e0 = g_get_monotonic_time ();
  gint64 paused_us = 0;
  for (int b = 0; b < f->batches; b++)
    {
      gint64 p0 = g_get_monotonic_time ();
      gboolean stepping = g_atomic_int_get (&t->paused);
      if (!nn_trainer_wait_if_paused (t))
        {
          f->stopped = TRUE;
          break;
        }
      gint64 b0 = g_get_monotonic_time ();
      paused_us += b0 - p0;
      /* Resumed rather than stepped: a batch like any other. */
      stepping = stepping && g_atomic_int_get (&t->paused);
      fit_take_lr_request (f, epoch);
      apply_param_requests (t, f->m, f->c, epoch, f->step, f->fold);
      if (!fit_batch (f, epoch, b, acc, e0, paused_us, stepping, error))
        return FALSE;
      if (cfg->max_steps > 0 && f->step >= cfg->max_steps)
        {
          f->stopped = TRUE;
          break;
        }
      if (!stepping)
        paused_us += nn_trainer_wait_for_pace (t, b0);
    }
  *train_secs = (g_get_monotonic_time () - e0 - paused_us) / 1e6;
  return TRUE;
}

/* The epoch's training scores and, with a validation split, its
 * validation scores, into f->scores. FALSE when a stop request came
 * meanwhile: the epoch is then not reported. */
static gboolean
fit_validate (Fit *f, const NnEvalAcc *acc)
{
  nn_scores_clear (&f->scores);
  nn_eval_acc_to_scores (f->c, acc, "", &f->scores);
  if (f->n_val
      && !nn_eval_run (f->c, f->ds, f->val_idx, f->n_val, "val_", &f->scores, &f->t->stop))
    f->stopped = TRUE;
  return !(f->stopped && g_atomic_int_get (&f->t->stop));
}

/* Callbacks after an epoch: early stopping's bookkeeping, the checkpoint,
 * reduce on plateau. e is the epoch's event (its text says when the
 * monitored value does not exist). */
static void
fit_callbacks (Fit *f, int epoch, NnEvent *e, double lr_now)
{
  NnTrainer *t = f->t;
  NnFitConfig *cfg = &t->cfg;
  Watch *w = &f->w;
  gboolean found = FALSE;
  double v = nn_scores_get (&f->scores, w->monitor, &found);
  if (f->want_watch && !found)
    {
      e->text = g_strdup_printf ("The monitored value “%s” does not exist; callbacks are off",
                                 w->monitor);
      f->want_watch = FALSE;
    }
  if (!f->want_watch)
    return;
  if (improved (w, v, cfg->min_delta))
    {
      w->best = v;
      w->best_epoch = epoch;
      w->wait = w->lr_wait = 0;
      if (w->best_params)
        params_save (f->c, w->best_params);
      if (cfg->checkpoint_path)
        {
          g_autoptr (GError) err = NULL;
          if (!nn_model_save (f->m, cfg->checkpoint_path, TRUE, &err))
            {
              NnEvent *we = nn_trainer_event_new (t, NN_EVENT_WARNING);
              we->text = g_strdup_printf ("Checkpoint not saved: %s", err->message);
              nn_trainer_push (t, we);
            }
        }
      return;
    }
  w->wait++;
  w->lr_wait++;
  if (cfg->reduce_lr && w->lr_wait >= cfg->reduce_patience)
    {
      double new_lr = MAX (lr_now * cfg->reduce_factor, cfg->min_lr);
      if (new_lr < lr_now)
        {
          f->lr_scale *= new_lr / lr_now;
          NnEvent *le = nn_trainer_event_new (t, NN_EVENT_LR_CHANGED);
          le->epoch = epoch;
          le->step = f->step;
          le->lr = new_lr;
          le->fold = f->fold;
          le->text = g_strdup_printf ("ReduceLROnPlateau: learning rate %g → %g",
                                      lr_now, new_lr);
          nn_trainer_push (t, le);
        }
      w->lr_wait = 0;
    }
}

/* The end of an epoch: its event, the callbacks, histograms and the
 * per-epoch snapshot. TRUE when early stopping ends the run here. */
static gboolean
fit_end_epoch (Fit *f, int epoch, const NnEvalAcc *acc, double train_secs)
{
  NnTrainer *t = f->t;
  NnFitConfig *cfg = &t->cfg;
  double lr_now = fit_lr (f);
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_EPOCH);
  e->epoch = epoch;
  e->fold = f->fold;
  e->step = f->step;
  e->lr = lr_now;
  e->batches_per_epoch = f->batches;
  e->samples_per_s = train_secs > 0 ? acc->count / train_secs : 0;
  e->loss = nn_scores_get (&f->scores, "loss", NULL);
  event_set_scores (e, &f->scores);
  fit_callbacks (f, epoch, e, lr_now);
  nn_trainer_push (t, e);
  if (cfg->histograms)
    {
      NnEvent *he = histograms_event (t, f->m, f->c);
      he->epoch = epoch;
      he->step = f->step;
      he->fold = f->fold;
      nn_trainer_push (t, he);
    }
  if (cfg->snapshot_every == 0)
    {
      NnEvent *se = nn_trainer_event_new (t, NN_EVENT_SNAPSHOT);
      se->epoch = epoch;
      se->step = f->step;
      se->fold = f->fold;
      se->snapshot = nn_model_copy (f->m);
      nn_trainer_push (t, se);
    }
  if (f->want_watch && cfg->early_stopping && f->w.wait >= cfg->patience)
    {
      NnEvent *we = nn_trainer_event_new (t, NN_EVENT_WARNING);
      we->epoch = epoch;
      we->text = g_strdup_printf ("Early stopping: %s has not improved for %d epochs; the best "
                                  "was %g at epoch %d", f->w.monitor, f->w.wait, f->w.best,
                                  f->w.best_epoch + 1);
      nn_trainer_push (t, we);
      return TRUE;
    }
  return FALSE;
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
                   _("No output has a loss: choose a loss for the model's output"));
      ok = FALSE;
    }
  if (ok && !nn_eval_check_data (c, ds, TRUE, error))
    ok = FALSE;
  if (!ok)
    {
      nn_compiled_free (c);
      return FALSE;
    }
  NnOptimizer *opt = nn_optimizer_new (&m->opt, c->n_grads);
  if (!opt)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_MEMORY,
                   _("Not enough memory for the optimizer's state of %zu weights: close other "
                   "programs or make the model smaller"), c->n_grads);
      nn_compiled_free (c);
      return FALSE;
    }
  Fit f = {
    .t = t, .m = m, .c = c, .ds = ds, .opt = opt,
    .sched = m->opt, .lr_scale = 1.0,
    .train_idx = train_idx, .n_train = n_train, .val_idx = val_idx, .n_val = n_val,
    .fold = fold, .bs = bs, .batches = (int) ((n_train + (size_t) bs - 1) / (size_t) bs),
  };
  Watch *w = &f.w;
  w->monitor = g_strdup (cfg->monitor ? cfg->monitor : n_val ? "val_loss" : "loss");
  w->maximize = strstr (w->monitor, "acc") != NULL;
  w->best = NAN;
  w->best_epoch = -1;
  f.want_watch = cfg->early_stopping || cfg->reduce_lr || cfg->checkpoint_path;
  if (cfg->early_stopping && cfg->restore_best_weights)
    w->best_params = g_new (float, MAX (params_total (c), 1));

  int last_epoch = 0;
  for (int epoch = 0; epoch < cfg->epochs && ok && !f.stopped; epoch++)
    {
      last_epoch = epoch;
      if (cfg->shuffle)
        nn_rng_shuffle (&t->rng, train_idx, n_train);
      NnEvalAcc acc = { 0 };
      double train_secs = 0;
      if (!fit_epoch (&f, epoch, &acc, &train_secs, error))
        {
          ok = FALSE;
          break;
        }
      if (acc.count == 0)
        break;
      if (!fit_validate (&f, &acc))
        break;
      if (fit_end_epoch (&f, epoch, &acc, train_secs))
        break;
    }
  /* A request accepted just before a stop, or after the last batch, still
   * reaches the model this run returns. */
  apply_param_requests (t, m, c, last_epoch, f.step, fold);
  if (ok && w->best_params && w->best_epoch >= 0)
    {
      params_restore (c, w->best_params);
      /* Report the restored epoch's scores as the final ones. */
      if (n_val)
        nn_eval_run (c, ds, val_idx, n_val, "val_", &f.scores, NULL);
    }
  if (final)
    {
      nn_scores_clear (final);
      for (int k = 0; k < f.scores.n_values; k++)
        nn_scores_set (final, f.scores.keys[k], f.scores.values[k]);
    }
  nn_scores_clear (&f.scores);
  g_free (w->best_params);
  g_free (w->monitor);
  nn_optimizer_free (f.opt);
  nn_compiled_free (c);
  return ok;
}

/* Fold [lo, hi) of order goes to va, the other samples to tr. */
static void
kfold_split (const guint32 *order, size_t n, size_t lo, size_t hi, guint32 *tr, size_t *ntr,
             guint32 *va, size_t *nva)
{
  *ntr = *nva = 0;
  for (size_t i = 0; i < n; i++)
    if (i >= lo && i < hi)
      va[(*nva)++] = order[i];
    else
      tr[(*ntr)++] = order[i];
}

/* Trains fold f of iteration it on a fresh copy of proto, which replaces
 * t->model, with weights from the fold's own seed. */
static gboolean
kfold_fit_fold (NnTrainer *t, const NnModel *proto, int it, int f, guint32 *tr, size_t ntr,
                const guint32 *va, size_t nva, NnScores *fold_scores, GError **error)
{
  NnFitConfig *cfg = &t->cfg;
  NnModel *next = nn_model_copy (proto), *old;
  g_mutex_lock (&t->lock);
  old = t->model;
  t->model = next;
  g_mutex_unlock (&t->lock);
  nn_model_free (old);
  if (!nn_model_init_weights (t->model, cfg->seed + 1000u * (guint64) it + (guint64) f, error))
    return FALSE;
  return fit_one (t, t->model, tr, ntr, va, nva, it * cfg->kfold + f, fold_scores, error);
}

/* sum += s, key by key (a key sum lacks starts at 0). */
static void
scores_add (NnScores *sum, const NnScores *s)
{
  for (int k = 0; k < s->n_values; k++)
    {
      gboolean had;
      double prev = nn_scores_get (sum, s->keys[k], &had);
      nn_scores_set (sum, s->keys[k], (had ? prev : 0) + s->values[k]);
    }
}

/* K-fold cross-validation, kfold_iterations times over a new shuffle: one
 * FOLD event per fold; the FINISHED event returned holds the mean scores. */
static NnEvent *
worker_kfold (NnTrainer *t, GError **error)
{
  NnFitConfig *cfg = &t->cfg;
  int k = cfg->kfold, iters = MAX (cfg->kfold_iterations, 1);
  size_t n = t->ds->n_train;
  guint32 *order = g_memdup2 (t->ds->train_idx, n * sizeof (guint32));
  guint32 *tr = g_new (guint32, n), *va = g_new (guint32, n);
  NnScores sum = { 0 }, fold_scores = { 0 };
  int folds_done = 0;
  gboolean ok = TRUE;
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
          size_t ntr, nva;
          kfold_split (order, n, n * (size_t) f / (size_t) k, n * (size_t) (f + 1) / (size_t) k,
                       tr, &ntr, va, &nva);
          ok = kfold_fit_fold (t, proto, it, f, tr, ntr, va, nva, &fold_scores, error);
          if (!ok || g_atomic_int_get (&t->stop))
            break;
          NnEvent *e = nn_trainer_event_new (t, NN_EVENT_FOLD);
          e->fold = it * k + f;
          event_set_scores (e, &fold_scores);
          nn_trainer_push (t, e);
          scores_add (&sum, &fold_scores);
          folds_done++;
        }
    }
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_FINISHED);
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
    e->error = g_error_copy (*error);
  else if (g_atomic_int_get (&t->stop))
    {
      /* Replaces the "mean of N folds" text of the folds done. */
      g_free (e->text);
      e->text = g_strdup ("Stopped");
    }
  return e;
}

/* One training run on the training split less the validation split; the
 * FINISHED event returned holds the final scores. */
static NnEvent *
worker_fit (NnTrainer *t, GError **error)
{
  NnFitConfig *cfg = &t->cfg;
  NnDataset *ds = t->ds;
  gboolean ok;
  size_t n = ds->n_train;
  size_t n_val = (size_t) (n * CLAMP (cfg->validation_split, 0.0, 0.95));
  /* A dataset with its own validation split (a time series's later
   * windows) brings it, as Keras's validation_data overrides
   * validation_split. */
  if (ds->n_val > 0 && ds->n_val < n)
    n_val = ds->n_val;
  size_t n_tr = n - n_val;
  /* Like Keras: the validation samples are the last ones, before shuffling. */
  guint32 *tr = g_memdup2 (ds->train_idx, MAX (n_tr, 1) * sizeof (guint32));
  const guint32 *va = ds->train_idx + n_tr;
  NnScores final = { 0 };
  if (n_tr == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There are no training samples left: lower the validation split"));
      ok = FALSE;
    }
  else
    ok = fit_one (t, t->model, tr, n_tr, va, n_val, -1, &final, error);
  g_free (tr);
  NnEvent *e = nn_trainer_event_new (t, NN_EVENT_FINISHED);
  event_set_scores (e, &final);
  nn_scores_clear (&final);
  if (!ok)
    e->error = g_error_copy (*error);
  else
    e->text = g_strdup (g_atomic_int_get (&t->stop) ? "Stopped" : "Finished");
  return e;
}

static gpointer
worker (gpointer data)
{
  NnTrainer *t = data;
  GError *error = NULL;
  nn_compute_thread_enter ();
  nn_trainer_push (t, nn_trainer_event_new (t, NN_EVENT_STARTED));

  NnEvent *e = t->gan               ? nn_gan_worker (t, &error)
                : t->cfg.kfold > 1 ? worker_kfold (t, &error)
                                   : worker_fit (t, &error);
  g_mutex_lock (&t->lock);
  t->error = error;
  g_mutex_unlock (&t->lock);
  g_atomic_int_set (&t->running, 0);
  nn_trainer_push (t, e);
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
                       _("The model has no loss to train with. %s"), why->message);
          g_error_free (why);
          return FALSE;
        }
      nn_model_output_set_loss (m, i, loss, nn_model_output_get_loss_weight (m, i));
      nn_model_output_set_metrics (m, i, &metric, 1);
    }
  if (n == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model has no output to train: connect its last layer"));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_trainer_start (NnTrainer *t, NnModel *model, NnDataset *ds, const NnFitConfig *cfg,
                  GError **error)
{
  g_return_val_if_fail (t && model && ds && cfg, FALSE);
  if (!nn_trainer_check_idle (t, error))
    return FALSE;
  if (cfg->epochs < 1 || cfg->batch_size < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Epochs and batch size must be at least 1"));
      return FALSE;
    }
  if (cfg->validation_split < 0 || cfg->validation_split >= 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The validation split must be at least 0 and less than 1, not %g"),
                   cfg->validation_split);
      return FALSE;
    }
  if (ds->n_train == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The dataset “%s” has no training samples"), ds->name);
      return FALSE;
    }
  if (cfg->kfold > 1 && ds->series != NULL)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("K-fold would validate “%s” on windows from before the ones it trains on; "
                   "a time series validates on its own later split: set K-fold to 0"),
                   ds->name);
      return FALSE;
    }
  if (cfg->kfold > 1 && (size_t) cfg->kfold > ds->n_train)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("K-fold with %d folds needs at least %d training samples, but the dataset "
                   "“%s” has %zu: use at most %zu folds"), cfg->kfold, cfg->kfold, ds->name,
                   ds->n_train, ds->n_train);
      return FALSE;
    }
  g_clear_pointer (&t->model, nn_model_free);
  t->model = nn_model_copy (model);
  /* A model trained on text keeps the vocabulary it read it with, so that
   * its file can vectorize raw text (predict --text). */
  if (ds->vocab != NULL)
    nn_model_set_vocab (t->model, ds->vocab);
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
  g_clear_pointer (&t->gan, nn_gan_free);
  g_clear_pointer (&t->model_aux, nn_model_free);
  nn_trainer_launch (t, cfg->seed, cfg->start_paused);
  return TRUE;
}

gboolean
nn_trainer_check_idle (NnTrainer *t, GError **error)
{
  if (!t->thread)
    return TRUE;
  if (g_atomic_int_get (&t->running))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_BUSY, _("Training is already running"));
      return FALSE;
    }
  nn_trainer_join (t, NULL);
  return TRUE;
}

void
nn_trainer_launch (NnTrainer *t, guint64 seed, gboolean start_paused)
{
  g_clear_error (&t->error);
  nn_rng_seed (&t->rng, seed);
  g_atomic_int_set (&t->stop, 0);
  /* Set before the worker exists, so a paused start runs no batch early. */
  g_atomic_int_set (&t->paused, start_paused ? 1 : 0);
  g_atomic_int_set (&t->steps_requested, 0);
  g_atomic_int_set (&t->running, 1);
  t->lr_request = 0;
  t->t0 = g_get_monotonic_time ();
  t->waited_us = 0;
  t->thread = g_thread_new ("deepscope-fit", worker, t);
}

gboolean
nn_trainer_join (NnTrainer *t, GError **error)
{
  if (!t->thread)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("Training was not started"));
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
