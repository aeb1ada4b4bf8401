/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-training-run-private.h"
#include "ds-jobs.h"

struct _DsTrainingRun
{
  GObject        parent_instance;

  /* Owned */
  char          *name;
  NnModel       *model;        /* as started; the trainer copies it */
  DsDataset     *dataset;      /* kept alive: the worker borrows it */
  NnFitConfig    cfg;
  gboolean       keep_weights;
  NnTrainer     *trainer;      /* NULL before start and after the end */
  GMainContext  *context;      /* where the drain runs */
  GHashTable    *series;       /* key → DsMetricSeries */
  GPtrArray     *keys;         /* keys in order of appearance, NULL-terminated */
  GArray        *markers;      /* DsRunMarker */
  GArray        *histograms;   /* DsRunHistograms */
  NnModel       *snapshot;
  NnModel       *step_before;  /* the last watched step's details (step_details) */
  NnModel       *step_gradient;
  GArray        *step_batch;   /* guint32 */
  NnGanConfig   *gan;          /* a GAN's run: model is G, discriminator D */
  NnModel       *discriminator;
  NnModel       *aux;          /* a GAN's latest discriminator (snapshot or result) */
  int            pace_us;        /* nn_trainer_set_pace */
  NnModel       *result;
  GError        *error;
  char          *end_text;
  NnScores       test_scores;  /* the result on the test split, once known */
  gboolean       tested;
  gboolean       testing;      /* the evaluation runs on a worker thread */

  /* Set from the worker thread through the atomic flag only. */
  gint           pending;

  DsRunState     state;
  gboolean       start_paused;
  gboolean       self_ref;     /* holds itself while the worker runs */
  gboolean       visible;
  guint          color_index;
  int            epoch;        /* from 1 */
  int            epochs_done;
  int            fold;
  int            batch;
  int            batches_per_epoch;
  long           step;
  double         samples_per_s;
  double         seconds;
  double         lr;
  guint          n_events;

  /* For the saved history (ds_training_run_dup_record). */
  gboolean       loaded;       /* read from a file: no trainer, weights or dataset */
  char          *origin;       /* "deepscope", "deepscope-cli" */
  char          *started;      /* ISO 8601 UTC, or NULL */
  char          *dataset_spec;
  NnDatasetFlags dataset_flags;
  NnOptimizerConfig optimizer;
};

G_DEFINE_FINAL_TYPE (DsTrainingRun, ds_training_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_STATE,
  PROP_VISIBLE,
  N_PROPS
};

enum {
  PROGRESS,
  EPOCH_ENDED,
  SNAPSHOT,
  HISTOGRAMS,
  MESSAGE,
  ENDED,
  SERIES_ADDED,
  MARKERS_CHANGED,
  TESTED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
set_state (DsTrainingRun *self,
           DsRunState     state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static DsMetricSeries *
ensure_series (DsTrainingRun *self,
               const char    *key)
{
  DsMetricSeries *s = g_hash_table_lookup (self->series, key);

  if (s == NULL)
    {
      s = ds_metric_series_new (key);
      g_hash_table_insert (self->series, g_strdup (key), s);
      /* Keep the array NULL-terminated for ds_training_run_get_keys. */
      g_ptr_array_insert (self->keys, (int) self->keys->len - 1, g_strdup (key));
      g_signal_emit (self, signals[SERIES_ADDED], 0, key);
    }
  return s;
}

static void
add_marker (DsTrainingRun *self,
            double         x,
            char          *text)
{
  DsRunMarker m = { x, text };

  g_array_append_val (self->markers, m);
  g_signal_emit (self, signals[MARKERS_CHANGED], 0);
}

/* Position of the run in epochs, folds laid end to end. */
static double
x_of (DsTrainingRun *self,
      int            epoch,
      double         within)
{
  int fold = MAX (self->fold, 0);

  return (double) fold * self->cfg.epochs + epoch + within;
}

static void
histograms_clear (gpointer data)
{
  DsRunHistograms *h = data;

  for (int k = 0; k < h->n_histograms; k++)
    g_free (h->histograms[k].name);
  g_clear_pointer (&h->histograms, g_free);
}

static void
marker_clear (gpointer data)
{
  DsRunMarker *m = data;

  g_clear_pointer (&m->text, g_free);
}

static void
apply_batch (DsTrainingRun *self,
             NnEvent       *e)
{
  self->epoch = e->epoch + 1;
  self->batch = e->batch;
  self->batches_per_epoch = e->batches_per_epoch;
  self->step = e->step;
  self->samples_per_s = e->samples_per_s;
  self->seconds = e->seconds;
  self->lr = e->lr;
  if (e->batches_per_epoch > 0)
    {
      double x = x_of (self, e->epoch, (double) e->batch / e->batches_per_epoch);

      ds_metric_series_append (ensure_series (self, "batch/loss"), x, e->loss);
      ds_metric_series_append (ensure_series (self, "batch/lr"), x, e->lr);
      /* a GAN's figures: "batch/d_loss", "batch/d_acc_real", ... */
      for (int k = 0; k < e->n_values; k++)
        {
          g_autofree char *key = g_strconcat ("batch/", e->keys[k], NULL);

          ds_metric_series_append (ensure_series (self, key), x, e->values[k]);
        }
    }
}

static void
apply_epoch (DsTrainingRun *self,
             NnEvent       *e)
{
  self->epoch = e->epoch + 1;
  self->epochs_done = e->epoch + 1;
  self->step = e->step;
  self->seconds = e->seconds;
  self->lr = e->lr;
  if (e->samples_per_s > 0)
    self->samples_per_s = e->samples_per_s;
  for (int k = 0; k < e->n_values; k++)
    ds_metric_series_append (ensure_series (self, e->keys[k]),
                             x_of (self, e->epoch, 1), e->values[k]);
  ds_metric_series_append (ensure_series (self, "lr"), x_of (self, e->epoch, 1), e->lr);
  if (e->text)
    g_signal_emit (self, signals[MESSAGE], 0, e->text, TRUE);
  g_signal_emit (self, signals[EPOCH_ENDED], 0, self->epochs_done);
}

/* Where on the x axis a change made now goes: inside the epoch under way. */
static double
x_of_now (DsTrainingRun *self,
          NnEvent       *e)
{
  return x_of (self, e->epoch,
               self->batches_per_epoch > 0 && e->epoch + 1 == self->epoch
               ? (double) self->batch / self->batches_per_epoch : 0);
}

static void
apply_lr_changed (DsTrainingRun *self,
                  NnEvent       *e)
{
  double x = x_of_now (self, e);
  /* Short on the plot; a callback's own explanation goes to the status
   * line. */
  char *text = g_strdup_printf (_("lr %g → %g"), self->lr, e->lr);

  self->lr = e->lr;
  add_marker (self, x, text);
  if (e->text)
    g_signal_emit (self, signals[MESSAGE], 0, e->text, FALSE);
}

static void
apply_warning (DsTrainingRun *self,
               NnEvent       *e)
{
  if (e->text == NULL)
    return;
  if (g_str_has_prefix (e->text, "Early stopping"))
    {
      g_free (self->end_text);
      self->end_text = g_strdup (e->text);
    }
  g_signal_emit (self, signals[MESSAGE], 0, e->text, TRUE);
}

static void
apply_fold (DsTrainingRun *self,
            NnEvent       *e)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_string_printf (s, _("Fold %d done"), e->fold + 1);
  for (int k = 0; k < e->n_values; k++)
    g_string_append_printf (s, "%s %s %.4g", k ? "," : ":", e->keys[k], e->values[k]);
  g_signal_emit (self, signals[MESSAGE], 0, s->str, FALSE);
}

static void
apply_snapshot (DsTrainingRun *self,
                NnEvent       *e)
{
  if (e->snapshot == NULL)
    return;
  if (e->snapshot_aux)
    {
      g_clear_pointer (&self->aux, nn_model_free);
      self->aux = g_steal_pointer (&e->snapshot_aux);
    }
  g_clear_pointer (&self->snapshot, nn_model_free);
  self->snapshot = g_steal_pointer (&e->snapshot);
  g_clear_pointer (&self->step_before, nn_model_free);
  g_clear_pointer (&self->step_gradient, nn_model_free);
  g_clear_pointer (&self->step_batch, g_array_unref);
  if (e->before && e->gradient && e->batch_idx)
    {
      self->step_before = g_steal_pointer (&e->before);
      self->step_gradient = g_steal_pointer (&e->gradient);
      self->step_batch = g_array_sized_new (FALSE, FALSE, sizeof (guint32), (guint) e->n_batch);
      g_array_append_vals (self->step_batch, e->batch_idx, (guint) e->n_batch);
    }
  g_signal_emit (self, signals[SNAPSHOT], 0);
}

static void
apply_histograms (DsTrainingRun *self,
                  NnEvent       *e)
{
  DsRunHistograms h = { e->epoch, e->n_histograms, NULL };

  if (e->n_histograms <= 0)
    return;
  h.histograms = g_steal_pointer (&e->histograms);
  e->n_histograms = 0;
  g_array_append_val (self->histograms, h);
  g_signal_emit (self, signals[HISTOGRAMS], 0);
}

typedef struct
{
  NnModel   *model;     /* a copy of the result: the thread's own */
  DsDataset *dataset;
} TestJob;

static void
test_job_free (gpointer data)
{
  TestJob *job = data;

  nn_model_free (job->model);
  ds_dataset_unref (job->dataset);
  g_free (job);
}

static void
scores_free (gpointer data)
{
  nn_scores_clear (data);
  g_free (data);
}

static void
test_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  TestJob *job = data;
  g_autoptr(GError) error = NULL;
  NnScores *scores = g_new0 (NnScores, 1);

  if (!nn_model_evaluate (job->model, ds_dataset_get (job->dataset), NULL, 0, 256, scores, &error))
    {
      scores_free (scores);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, scores, scores_free);
}

static void
test_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  DsTrainingRun *self = DS_TRAINING_RUN (source);
  g_autoptr(GError) error = NULL;
  NnScores *scores = g_task_propagate_pointer (G_TASK (result), &error);

  self->testing = FALSE;
  if (scores == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The test split could not be evaluated: %s"), error->message);

      g_signal_emit (self, signals[MESSAGE], 0, text, TRUE);
      return;
    }
  nn_scores_clear (&self->test_scores);
  self->test_scores = *scores;
  g_free (scores);
  self->tested = TRUE;
  g_signal_emit (self, signals[TESTED], 0);
}

/* The test split's loss and metrics for the weights the run ended with
 * (the best ones when early stopping restored them), on a worker thread:
 * a large test split takes a while. K-fold runs have no single result. */
static void
start_test (DsTrainingRun *self)
{
  NnDataset *ds = ds_dataset_get (self->dataset);
  g_autoptr(GTask) task = NULL;
  TestJob *job;

  if (self->result == NULL || ds->n_test == 0 || self->cfg.kfold > 1 || self->gan
      || !nn_model_has_weights (self->result))
    return;
  job = g_new0 (TestJob, 1);
  job->model = nn_model_copy (self->result);
  job->dataset = ds_dataset_ref (self->dataset);
  task = g_task_new (self, NULL, test_done_cb, NULL);
  g_task_set_task_data (task, job, test_job_free);
  self->testing = TRUE;
  ds_jobs_run_in_thread (task, test_thread);
}

/* May drop the run's last reference (the one it held while it ran). */
static void
apply_finished (DsTrainingRun *self,
                NnEvent       *e)
{
  g_autoptr(GError) error = NULL;

  /* FINISHED is the worker's last push: the join does not wait. */
  nn_trainer_join (self->trainer, &error);
  self->result = nn_trainer_dup_model (self->trainer);
  if (self->gan)
    {
      g_clear_pointer (&self->aux, nn_model_free);
      self->aux = nn_trainer_dup_discriminator (self->trainer);
    }
  g_clear_pointer (&self->trainer, nn_trainer_free);
  if (e->error)
    {
      g_clear_error (&self->error);
      self->error = g_error_copy (e->error);
    }
  if (self->end_text == NULL || e->error || g_strcmp0 (e->text, "Stopped") == 0)
    {
      g_free (self->end_text);
      self->end_text = g_strdup (e->error ? e->error->message
                                          : e->text ? e->text : _("Finished"));
    }
  set_state (self, e->error ? DS_RUN_FAILED : DS_RUN_FINISHED);
  if (e->error == NULL)
    start_test (self);
  g_signal_emit (self, signals[ENDED], 0);
  if (self->self_ref)
    {
      self->self_ref = FALSE;
      g_object_unref (self);
    }
}

static void
apply_event (DsTrainingRun *self,
             NnEvent       *e)
{
  self->n_events++;
  if (e->fold != self->fold && e->fold >= 0 && e->kind != NN_EVENT_FOLD
      && e->kind != NN_EVENT_FINISHED)
    {
      self->fold = e->fold;
      add_marker (self, x_of (self, 0, 0), g_strdup_printf (_("Fold %d"), e->fold + 1));
    }

  switch (e->kind)
    {
    case NN_EVENT_STARTED:
      set_state (self, self->start_paused ? DS_RUN_PAUSED : DS_RUN_RUNNING);
      break;
    case NN_EVENT_BATCH:
      apply_batch (self, e);
      break;
    case NN_EVENT_EPOCH:
      apply_epoch (self, e);
      break;
    case NN_EVENT_LR_CHANGED:
      apply_lr_changed (self, e);
      break;
    case NN_EVENT_PARAM_CHANGED:
      add_marker (self, x_of_now (self, e), g_strdup (e->text ? e->text : _("Setting changed")));
      break;
    case NN_EVENT_WARNING:
      apply_warning (self, e);
      break;
    case NN_EVENT_FOLD:
      apply_fold (self, e);
      break;
    case NN_EVENT_SNAPSHOT:
      apply_snapshot (self, e);
      break;
    case NN_EVENT_HISTOGRAMS:
      apply_histograms (self, e);
      break;
    case NN_EVENT_FINISHED:
      apply_finished (self, e);
      break;
    default:
      break;
    }
}

void
ds_training_run_drain (DsTrainingRun *self)
{
  NnEvent *e;
  gboolean any = FALSE;

  g_return_if_fail (DS_IS_TRAINING_RUN (self));

  /* Clear first: a notify that races with this drain schedules another
   * one rather than being lost. */
  g_atomic_int_set (&self->pending, 0);
  g_object_ref (self);
  while (self->trainer && (e = nn_trainer_pop_event (self->trainer)))
    {
      apply_event (self, e);
      nn_event_free (e);
      any = TRUE;
    }
  if (any)
    g_signal_emit (self, signals[PROGRESS], 0);
  g_object_unref (self);
}

static gboolean
drain_cb (gpointer data)
{
  ds_training_run_drain (data);
  return G_SOURCE_REMOVE;
}

/* Worker thread: schedule only. An idle source attached to the main
 * context rather than g_main_context_invoke_full: invoke runs the function
 * right away in the calling thread whenever the context is not owned at
 * that moment (between two iterations of a hand-driven loop), and the
 * drain must only ever run on the main thread. */
static void
notify_cb (gpointer data)
{
  DsTrainingRun *self = data;

  if (g_atomic_int_compare_and_exchange (&self->pending, 0, 1))
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, drain_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[deepscope] training run drain");
      g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static void
ds_training_run_dispose (GObject *object)
{
  DsTrainingRun *self = DS_TRAINING_RUN (object);

  /* Normally the run ended already (it holds itself while it runs); this
   * covers a run that was never drained to its end. */
  if (self->trainer)
    {
      nn_trainer_request_stop (self->trainer);
      nn_trainer_join (self->trainer, NULL);
      g_clear_pointer (&self->trainer, nn_trainer_free);
    }
  G_OBJECT_CLASS (ds_training_run_parent_class)->dispose (object);
}

static void
ds_training_run_finalize (GObject *object)
{
  DsTrainingRun *self = DS_TRAINING_RUN (object);

  g_free (self->name);
  g_clear_pointer (&self->model, nn_model_free);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  nn_fit_config_clear (&self->cfg);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_hash_table_unref (self->series);
  g_ptr_array_unref (self->keys);
  g_array_unref (self->markers);
  g_array_unref (self->histograms);
  g_clear_pointer (&self->snapshot, nn_model_free);
  g_clear_pointer (&self->step_before, nn_model_free);
  g_clear_pointer (&self->step_gradient, nn_model_free);
  g_clear_pointer (&self->step_batch, g_array_unref);
  g_clear_pointer (&self->result, nn_model_free);
  g_clear_pointer (&self->gan, g_free);
  g_clear_pointer (&self->discriminator, nn_model_free);
  g_clear_pointer (&self->aux, nn_model_free);
  g_clear_error (&self->error);
  g_free (self->end_text);
  g_free (self->origin);
  g_free (self->started);
  g_free (self->dataset_spec);
  nn_scores_clear (&self->test_scores);
  G_OBJECT_CLASS (ds_training_run_parent_class)->finalize (object);
}

static void
ds_training_run_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DsTrainingRun *self = DS_TRAINING_RUN (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_VISIBLE:
      g_value_set_boolean (value, self->visible);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_training_run_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DsTrainingRun *self = DS_TRAINING_RUN (object);

  switch (prop_id)
    {
    case PROP_VISIBLE:
      ds_training_run_set_visible (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_training_run_class_init (DsTrainingRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ds_training_run_dispose;
  object_class->finalize = ds_training_run_finalize;
  object_class->get_property = ds_training_run_get_property;
  object_class->set_property = ds_training_run_set_property;

  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, DS_RUN_READY, DS_RUN_FAILED, DS_RUN_READY,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_VISIBLE] =
    g_param_spec_boolean ("visible", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Once per drain that applied events. */
  signals[PROGRESS] =
    g_signal_new ("progress", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[EPOCH_ENDED] =
    g_signal_new ("epoch-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT);
  signals[SNAPSHOT] =
    g_signal_new ("snapshot", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[HISTOGRAMS] =
    g_signal_new ("histograms", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* text, is_warning */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[ENDED] =
    g_signal_new ("ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SERIES_ADDED] =
    g_signal_new ("series-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[MARKERS_CHANGED] =
    g_signal_new ("markers-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[TESTED] =
    g_signal_new ("tested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ds_training_run_init (DsTrainingRun *self)
{
  self->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->keys = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->keys, NULL);
  self->markers = g_array_new (FALSE, FALSE, sizeof (DsRunMarker));
  g_array_set_clear_func (self->markers, marker_clear);
  self->histograms = g_array_new (FALSE, FALSE, sizeof (DsRunHistograms));
  g_array_set_clear_func (self->histograms, histograms_clear);
  self->visible = TRUE;
  self->fold = -1;
  self->lr = NAN;
}

DsTrainingRun *
ds_training_run_new (const char        *name,
                     NnModel           *model,
                     DsDataset         *dataset,
                     const NnFitConfig *cfg,
                     gboolean           keep_weights)
{
  DsTrainingRun *self;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (cfg != NULL, NULL);

  self = g_object_new (DS_TYPE_TRAINING_RUN, NULL);
  self->name = g_strdup (name ? name : _("Run"));
  self->model = nn_model_copy (model);
  self->dataset = ds_dataset_ref (dataset);
  self->cfg = *cfg;
  self->cfg.monitor = g_strdup (cfg->monitor);
  self->cfg.checkpoint_path = g_strdup (cfg->checkpoint_path);
  self->keep_weights = keep_weights;
  self->lr = nn_model_get_optimizer (self->model)->learning_rate;
  self->origin = g_strdup ("deepscope");
  self->dataset_spec = g_strdup (ds_dataset_get_spec (dataset));
  self->dataset_flags = (NnDatasetFlags) ds_dataset_get_flags (dataset);
  self->optimizer = *nn_model_get_optimizer (self->model);
  return self;
}

static gboolean
start (DsTrainingRun  *self,
       gboolean        paused,
       GError        **error)
{
  g_autoptr(NnModel) model = NULL;

  if (self->state != DS_RUN_READY || self->trainer != NULL)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_BUSY, _("This run has already started"));
      return FALSE;
    }

  /* A new run starts from fresh weights drawn from its seed, so that two
   * runs with different settings compare fairly. */
  model = nn_model_copy (self->model);
  nn_model_auto_outputs (model);
  if (!nn_model_infer (model, error))
    return FALSE;
  if (!self->keep_weights || !nn_model_has_weights (model))
    if (!nn_model_init_weights (model, self->cfg.seed, error))
      return FALSE;

  {
    g_autoptr(GDateTime) now = g_date_time_new_now_utc ();

    g_free (self->started);
    self->started = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  }
  self->context = g_main_context_ref_thread_default ();
  self->trainer = nn_trainer_new ();
  /* No reference in the notify data: the run outlives the worker (it holds
   * itself until FINISHED is drained, and dispose joins the worker). */
  nn_trainer_set_notify (self->trainer, notify_cb, self, NULL);
  self->start_paused = paused;
  nn_trainer_set_pace (self->trainer, self->pace_us);
  /* Step from nothing runs exactly one batch: the trainer starts paused
   * rather than being paused after its worker began. */
  self->cfg.start_paused = paused;
  if (self->gan)
    self->gan->start_paused = paused;
  if (self->gan ? !nn_trainer_start_gan (self->trainer, model, self->discriminator,
                                         ds_dataset_get (self->dataset), self->gan, error)
                : !nn_trainer_start (self->trainer, model, ds_dataset_get (self->dataset),
                                     &self->cfg, error))
    {
      g_clear_pointer (&self->trainer, nn_trainer_free);
      return FALSE;
    }
  if (paused)
    nn_trainer_step (self->trainer);
  g_object_ref (self);
  self->self_ref = TRUE;
  set_state (self, paused ? DS_RUN_PAUSED : DS_RUN_RUNNING);
  return TRUE;
}

gboolean
ds_training_run_start (DsTrainingRun  *self,
                       GError        **error)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return start (self, FALSE, error);
}

gboolean
ds_training_run_start_paused (DsTrainingRun  *self,
                              GError        **error)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return start (self, TRUE, error);
}

void
ds_training_run_pause (DsTrainingRun *self)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  if (self->trainer == NULL || self->state != DS_RUN_RUNNING)
    return;
  nn_trainer_pause (self->trainer);
  set_state (self, DS_RUN_PAUSED);
}

void
ds_training_run_resume (DsTrainingRun *self)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  if (self->trainer == NULL || self->state != DS_RUN_PAUSED)
    return;
  self->start_paused = FALSE;
  nn_trainer_resume (self->trainer);
  set_state (self, DS_RUN_RUNNING);
}

void
ds_training_run_step (DsTrainingRun *self)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  if (self->trainer == NULL || self->state != DS_RUN_PAUSED)
    return;
  nn_trainer_step (self->trainer);
}

void
ds_training_run_stop (DsTrainingRun *self)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  if (self->trainer == NULL)
    return;
  /* The FINISHED event follows within a batch; the drain ends the run. */
  nn_trainer_request_stop (self->trainer);
}

void
ds_training_run_set_lr (DsTrainingRun *self,
                        double         lr)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  g_return_if_fail (lr > 0);
  if (self->trainer)
    nn_trainer_set_lr (self->trainer, lr);
}

void
ds_training_run_set_pace (DsTrainingRun *self,
                          int            step_us)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  self->pace_us = MAX (step_us, 0);
  if (self->trainer)
    nn_trainer_set_pace (self->trainer, self->pace_us);
}

gboolean
ds_training_run_set_param (DsTrainingRun  *self,
                           const char     *layer,
                           const char     *param,
                           const char     *text,
                           GError        **error)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  if (self->trainer == NULL)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("The run is not training"));
      return FALSE;
    }
  return nn_trainer_set_param (self->trainer, layer, param, text, error);
}

const char *
ds_training_run_get_name (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->name;
}

DsRunState
ds_training_run_get_state (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), DS_RUN_READY);
  return self->state;
}

gboolean
ds_training_run_is_live (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return self->state == DS_RUN_RUNNING || self->state == DS_RUN_PAUSED;
}

const GError *
ds_training_run_get_error (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->error;
}

const char *
ds_training_run_get_end_text (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->end_text;
}

guint
ds_training_run_get_color_index (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->color_index;
}

void
ds_training_run_set_color_index (DsTrainingRun *self,
                                 guint          index)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  self->color_index = index;
}

gboolean
ds_training_run_get_visible (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return self->visible;
}

void
ds_training_run_set_visible (DsTrainingRun *self,
                             gboolean       visible)
{
  g_return_if_fail (DS_IS_TRAINING_RUN (self));
  visible = !!visible;
  if (self->visible == visible)
    return;
  self->visible = visible;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VISIBLE]);
}

const NnFitConfig *
ds_training_run_get_config (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return &self->cfg;
}

NnModel *
ds_training_run_get_model (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->model;
}

DsDataset *
ds_training_run_get_dataset (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->dataset;
}

int
ds_training_run_get_epoch (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->epoch;
}

int
ds_training_run_get_epochs_done (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->epochs_done;
}

int
ds_training_run_get_batch (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->batch;
}

int
ds_training_run_get_batches_per_epoch (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->batches_per_epoch;
}

long
ds_training_run_get_step (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->step;
}

double
ds_training_run_get_samples_per_second (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->samples_per_s;
}

double
ds_training_run_get_seconds (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->seconds;
}

double
ds_training_run_get_seconds_left (DsTrainingRun *self)
{
  NnDataset *ds;
  double per_epoch, done, total, n_train;

  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), -1);

  if (self->samples_per_s <= 0 || self->batches_per_epoch <= 0)
    return -1;
  ds = ds_dataset_get (self->dataset);
  n_train = ds->n_train * (1 - self->cfg.validation_split);
  /* A dataset's own validation split overrides validation_split, as in
   * the trainer (a time series's later windows). */
  if (ds->n_val > 0 && ds->n_val < ds->n_train)
    n_train = (double) (ds->n_train - ds->n_val);
  if (self->cfg.kfold > 1)
    n_train = ds->n_train * (1 - 1.0 / self->cfg.kfold);
  per_epoch = n_train / self->samples_per_s;
  total = (double) self->cfg.epochs * MAX (self->cfg.kfold, 1) * MAX (self->cfg.kfold_iterations, 1);
  done = x_of (self, self->epoch - 1, (double) self->batch / self->batches_per_epoch);
  return MAX (total - done, 0) * per_epoch;
}

double
ds_training_run_get_lr (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NAN);
  return self->lr;
}

guint
ds_training_run_get_n_events (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->n_events;
}

DsMetricSeries *
ds_training_run_get_series (DsTrainingRun *self,
                            const char    *key)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return g_hash_table_lookup (self->series, key);
}

const char * const *
ds_training_run_get_keys (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return (const char * const *) self->keys->pdata;
}

GArray *
ds_training_run_get_markers (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->markers;
}

GArray *
ds_training_run_get_histograms (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->histograms;
}

NnModel *
ds_training_run_get_snapshot (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->snapshot;
}

gboolean
ds_training_run_get_step_details (DsTrainingRun  *self,
                                  NnModel       **before,
                                  NnModel       **gradient,
                                  const guint32 **batch,
                                  guint          *n_batch)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  if (self->step_before == NULL)
    return FALSE;
  *before = self->step_before;
  *gradient = self->step_gradient;
  *batch = (const guint32 *) self->step_batch->data;
  *n_batch = self->step_batch->len;
  return TRUE;
}

DsTrainingRun *
ds_training_run_new_gan (const char        *name,
                         NnModel           *generator,
                         NnModel           *discriminator,
                         DsDataset         *dataset,
                         const NnGanConfig *cfg)
{
  NnFitConfig fit;
  DsTrainingRun *self;

  g_return_val_if_fail (discriminator != NULL && cfg != NULL, NULL);
  nn_fit_config_init (&fit);
  fit.seed = cfg->seed;
  fit.batch_size = cfg->batch_size;
  fit.snapshot_every = cfg->snapshot_every;
  self = ds_training_run_new (name, generator, dataset, &fit, TRUE);
  self->gan = g_memdup2 (cfg, sizeof *cfg);
  self->discriminator = nn_model_copy (discriminator);
  return self;
}

NnModel *
ds_training_run_get_discriminator (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->aux;
}

NnModel *
ds_training_run_get_result (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->result;
}

int
ds_training_run_get_best_epoch (DsTrainingRun *self,
                                const char    *key,
                                double        *value)
{
  DsMetricSeries *s;
  const DsPoint *p;
  int best;

  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);

  s = g_hash_table_lookup (self->series, key);
  if (s == NULL)
    return 0;
  best = ds_metric_series_find_best (s, ds_metric_key_maximizes (key));
  if (best < 0)
    return 0;
  p = ds_metric_series_get_points (s, NULL);
  if (value)
    *value = p[best].y;
  return (int) lround (p[best].x);
}

char *
ds_training_run_dup_history_csv (DsTrainingRun *self)
{
  g_autoptr(GPtrArray) cols = g_ptr_array_new ();
  GString *csv = g_string_new ("epoch");
  int n_rows = 0;

  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);

  /* Per-epoch keys only; per-batch series have other x values. */
  for (guint k = 0; k + 1 < self->keys->len; k++)
    {
      const char *key = self->keys->pdata[k];
      DsMetricSeries *s;

      if (g_str_has_prefix (key, "batch/"))
        continue;
      s = g_hash_table_lookup (self->series, key);
      g_ptr_array_add (cols, s);
      g_string_append_printf (csv, ",%s", key);
      n_rows = MAX (n_rows, (int) ds_metric_series_get_n_points (s));
    }
  g_string_append_c (csv, '\n');

  for (int r = 0; r < n_rows; r++)
    {
      double x = NAN;

      for (guint c = 0; c < cols->len && isnan (x); c++)
        {
          guint n;
          const DsPoint *p = ds_metric_series_get_points (cols->pdata[c], &n);

          if ((guint) r < n)
            x = p[r].x;
        }
      g_string_append_printf (csv, "%.0f", x);
      for (guint c = 0; c < cols->len; c++)
        {
          guint n;
          const DsPoint *p = ds_metric_series_get_points (cols->pdata[c], &n);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_c (csv, ',');
          if ((guint) r < n)
            g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.8g", p[r].y));
        }
      g_string_append_c (csv, '\n');
    }
  return g_string_free (csv, FALSE);
}

/* ---- saved runs ----------------------------------------------------------- */

gboolean
ds_training_run_get_loaded (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return self->loaded;
}

const char *
ds_training_run_get_dataset_spec (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->dataset_spec;
}

NnDatasetFlags
ds_training_run_get_dataset_flags (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), 0);
  return self->dataset_flags;
}

DsTrainingRun *
ds_training_run_new_from_record (const NnRunRecord *record)
{
  DsTrainingRun *self;

  g_return_val_if_fail (record != NULL, NULL);

  self = g_object_new (DS_TYPE_TRAINING_RUN, NULL);
  self->name = g_strdup (record->name);
  self->loaded = TRUE;
  self->state = DS_RUN_FINISHED;
  nn_fit_config_init (&self->cfg);
  self->cfg.epochs = record->epochs;
  self->cfg.batch_size = record->batch_size;
  self->cfg.validation_split = record->validation_split;
  self->cfg.kfold = record->kfold;
  self->cfg.seed = record->seed;
  self->optimizer = record->optimizer;
  self->lr = record->optimizer.learning_rate;
  self->origin = g_strdup (record->origin);
  self->started = g_strdup (record->started);
  self->end_text = g_strdup (record->end_text ? record->end_text : _("Finished"));
  self->dataset_spec = g_strdup (record->dataset);
  self->dataset_flags = record->dataset_flags;
  self->color_index = record->color;
  self->epoch = self->epochs_done = record->epochs_done;
  self->seconds = record->seconds;
  if (record->model)
    self->result = nn_model_copy (record->model);

  for (guint i = 0; i < record->series->len; i++)
    {
      const NnRunSeries *rs = record->series->pdata[i];
      DsMetricSeries *s = ensure_series (self, rs->key);

      for (guint k = 0; k < rs->x->len; k++)
        ds_metric_series_append (s, g_array_index (rs->x, double, k),
                                 g_array_index (rs->y, double, k));
    }
  for (guint i = 0; i < record->markers->len; i++)
    {
      const NnRunMarker *m = &g_array_index (record->markers, NnRunMarker, i);

      add_marker (self, m->x, g_strdup (m->text));
    }
  return self;
}

NnRunRecord *
ds_training_run_dup_record (DsTrainingRun *self)
{
  g_autoptr(NnRunRecord) r = NULL;

  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);

  r = nn_run_record_new (self->name);
  /* The trained weights go with the history; a GAN's result is only its
   * generator, so its runs keep their curves alone. */
  if (self->result && ds_training_run_get_discriminator (self) == NULL)
    r->model = nn_model_copy (self->result);
  r->origin = g_strdup (self->origin);
  r->started = g_strdup (self->started);
  r->end_text = g_strdup (self->end_text);
  r->color = self->color_index;
  r->dataset = g_strdup (self->dataset_spec);
  r->dataset_flags = self->dataset_flags;
  r->optimizer = self->optimizer;
  r->epochs = self->cfg.epochs;
  r->batch_size = self->cfg.batch_size;
  r->validation_split = self->cfg.validation_split;
  r->kfold = self->cfg.kfold > 1 ? self->cfg.kfold : 0;
  r->seed = self->cfg.seed;
  r->epochs_done = self->epochs_done;
  r->seconds = self->seconds;
  /* In order of first appearance, as the charts list them. */
  for (guint k = 0; k + 1 < self->keys->len; k++)
    {
      const char *key = self->keys->pdata[k];
      guint n;
      const DsPoint *p = ds_metric_series_get_points (g_hash_table_lookup (self->series, key), &n);

      nn_run_record_ensure_series (r, key);
      for (guint i = 0; i < n; i++)
        nn_run_record_append (r, key, p[i].x, p[i].y);
    }
  for (guint i = 0; i < self->markers->len; i++)
    {
      const DsRunMarker *m = &g_array_index (self->markers, DsRunMarker, i);

      nn_run_record_add_marker (r, m->x, m->text);
    }
  return g_steal_pointer (&r);
}

gboolean
ds_training_run_is_testing (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), FALSE);
  return self->testing;
}

const NnScores *
ds_training_run_get_test_scores (DsTrainingRun *self)
{
  g_return_val_if_fail (DS_IS_TRAINING_RUN (self), NULL);
  return self->tested ? &self->test_scores : NULL;
}
