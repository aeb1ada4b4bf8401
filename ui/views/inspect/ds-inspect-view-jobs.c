/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsInspectView's computations, each on a worker thread through
 * ds_jobs_run_in_background with the view's cancellable, and each result
 * dropped when the subject's model generation (or input) has moved on:
 * - the activations and prediction of the input: one job at a time, a
 *   change meanwhile marks it dirty and the latest input goes next (so a
 *   drawing never queues up computations);
 * - the dead-unit fractions on up to 256 test images, once per model;
 * - the test split's predictions, in batches, for the browser. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include <string.h>
#include <glib/gi18n.h>

#include "ds-inspect-view-private.h"
#include "ds-jobs.h"

#define DEAD_SAMPLES 256
#define PREDICT_BATCH 250

/* ---- activations of the input --------------------------------------------- */

typedef struct
{
  NnInspector *inspector;   /* NULL: made from model on the worker */
  NnModel     *model;
  NnTensor    *input;
  guint        generation;
  guint        input_serial;
  NnTensor   **values;      /* out */
  int          n_values;
  NnTensor    *prediction;
} ActJob;

static void
act_job_free (gpointer data)
{
  ActJob *job = data;

  g_clear_pointer (&job->inspector, nn_inspector_free);
  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->input, nn_tensor_free);
  if (job->values)
    nn_tensors_free (job->values, job->n_values);
  g_clear_pointer (&job->prediction, nn_tensor_free);
  g_free (job);
}

static void
act_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  ActJob *job = data;
  GError *error = NULL;

  if (job->inspector == NULL)
    job->inspector = nn_inspector_new (job->model, &error);
  if (job->inspector && !g_cancellable_is_cancelled (cancellable))
    {
      job->values = nn_inspector_activations (job->inspector, job->input, &job->prediction,
                                              &error);
      job->n_values = nn_inspector_get_n_probes (job->inspector);
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_dead_units (DsInspectView *self);

static void
act_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  DsInspectView *self = DS_INSPECT_VIEW (source);
  ActJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean current;

  if (!g_task_propagate_boolean (G_TASK (result), &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->act_running = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  current = job->generation == ds_inspect_subject_get_generation (self->subject);
  if (!current && !error && job->input_serial == self->input_serial
      && self->probes_generation != 0
      && job->n_values == ds_inspect_activations_get_n_layers (self->activations))
    {
      /* Weights a few seconds old (a live run moved on while this ran):
       * shown all the same, or a slow machine would show nothing while a
       * run trains; the newer model's turn comes next. */
      ds_inspect_activations_take_values (self->activations, g_steal_pointer (&job->values),
                                          job->n_values);
      _ds_inspect_view_refresh_channel (self);
      _ds_inspect_view_show_result (self, job->prediction);
      self->n_computed++;
    }
  else if (current && error)
    {
      /* The model cannot be inspected (not a classifier's input, a shape
       * the engine refuses): the page says why. */
      ds_inspect_activations_set_probes (self->activations, NULL, error->message);
      self->probes_generation = job->generation;
      ds_inspect_bars_set (self->bars, 0, NULL, NULL, -1);
      gtk_label_set_text (self->prediction_label, error->message);
    }
  else if (current)
    {
      if (self->probes_generation != job->generation)
        {
          ds_inspect_activations_set_probes (self->activations, job->inspector, NULL);
          self->probes_generation = job->generation;
          start_dead_units (self);
        }
      if (job->input_serial == self->input_serial)
        {
          ds_inspect_activations_take_values (self->activations, g_steal_pointer (&job->values),
                                              job->n_values);
          _ds_inspect_view_refresh_channel (self);
          _ds_inspect_view_show_result (self, job->prediction);
          self->n_computed++;
        }
      g_clear_pointer (&self->inspector, nn_inspector_free);
      self->inspector = g_steal_pointer (&job->inspector);
    }
  if (self->act_dirty)
    {
      self->act_dirty = FALSE;
      _ds_inspect_view_compute (self);
    }
}

/**
 * _ds_inspect_view_compute:
 *
 * Computes the activations and prediction of the subject's input with its
 * model, or marks the one running as outdated (the latest input goes next).
 */
void
_ds_inspect_view_compute (DsInspectView *self)
{
  NnModel *model = ds_inspect_subject_get_model (self->subject);
  const NnTensor *input = ds_inspect_subject_get_input (self->subject);
  g_autoptr(GTask) task = NULL;
  ActJob *job;

  if (model == NULL || input == NULL)
    return;
  if (self->act_running)
    {
      self->act_dirty = TRUE;
      return;
    }
  job = g_new0 (ActJob, 1);
  job->inspector = g_steal_pointer (&self->inspector);
  if (job->inspector == NULL)
    job->model = nn_model_copy (model);
  job->input = nn_tensor_copy (input);
  job->generation = ds_inspect_subject_get_generation (self->subject);
  job->input_serial = self->input_serial;
  self->act_running = TRUE;
  task = g_task_new (self, self->cancellable, act_done_cb, NULL);
  g_task_set_source_tag (task, _ds_inspect_view_compute);
  g_task_set_task_data (task, job, act_job_free);
  ds_jobs_run_in_background (task, act_thread);
}

/* ---- dead units ----------------------------------------------------------- */

typedef struct
{
  NnModel   *model;
  DsDataset *dataset;
  guint      generation;
  double    *fractions;   /* out */
  int        n;
} DeadJob;

static void
dead_job_free (gpointer data)
{
  DeadJob *job = data;

  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  g_free (job->fractions);
  g_free (job);
}

/* Up to n test-split samples of input 0, (n, shape...). */
static NnTensor *
gather_test (NnDataset *ds,
             gsize      start,
             gsize      n)
{
  const NnArray *x = ds->inputs[0];
  int shape[NN_MAX_DIMS];
  NnTensor *t;

  n = MIN (n, ds->n_test - MIN (start, ds->n_test));
  if (n == 0 || x->ndim + 1 > NN_MAX_DIMS)
    return NULL;
  shape[0] = (int) n;
  for (int d = 0; d < x->ndim; d++)
    shape[d + 1] = x->shape[d];
  t = nn_tensor_new (x->ndim + 1, shape);
  nn_array_gather (x, ds->test_idx + start, n, t->data);
  return t;
}

static void
dead_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  DeadJob *job = data;
  g_autoptr(NnInspector) in = NULL;
  NnTensor *batch;
  GError *error = NULL;
  gboolean ok = FALSE;

  in = nn_inspector_new (job->model, &error);
  batch = in ? gather_test (ds_dataset_get (job->dataset), 0, DEAD_SAMPLES) : NULL;
  if (batch)
    {
      job->n = nn_inspector_get_n_probes (in);
      job->fractions = g_new0 (double, job->n);
      ok = nn_inspector_dead_units (in, batch, job->fractions, &error);
      nn_tensor_free (batch);
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, ok);
}

static void
dead_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  DsInspectView *self = DS_INSPECT_VIEW (source);
  DeadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("No dead-unit count: %s", error->message);
      return;
    }
  if (job->generation == ds_inspect_subject_get_generation (self->subject))
    ds_inspect_activations_set_dead (self->activations, job->fractions, job->n);
}

static gboolean
dataset_fits (DsInspectView *self,
              DsDataset     *dataset)
{
  NnDataset *ds = dataset ? ds_dataset_get (dataset) : NULL;
  const NnArray *x;

  if (ds == NULL || ds->n_inputs < 1 || ds->n_test == 0 || self->in_ndim == 0)
    return FALSE;
  x = ds->inputs[0];
  return x->ndim == self->in_ndim
         && memcmp (x->shape, self->in_dims, sizeof (int) * self->in_ndim) == 0;
}

static void
start_dead_units (DsInspectView *self)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnModel *model = ds_inspect_subject_get_model (self->subject);
  g_autoptr(GTask) task = NULL;
  DeadJob *job;

  if (model == NULL || !dataset_fits (self, dataset))
    return;
  job = g_new0 (DeadJob, 1);
  job->model = nn_model_copy (model);
  job->dataset = ds_dataset_ref (dataset);
  job->generation = ds_inspect_subject_get_generation (self->subject);
  task = g_task_new (self, self->cancellable, dead_done_cb, NULL);
  g_task_set_task_data (task, job, dead_job_free);
  ds_jobs_run_in_background (task, dead_thread);
}

/* ---- the test split's predictions ----------------------------------------- */

typedef struct
{
  NnInspector *inspector;  /* carried from batch to batch */
  NnModel     *model;      /* the first batch's, to make it */
  DsDataset   *dataset;
  guint        generation;
  gsize        start, n;
  int         *pred;       /* out, n */
} PredJob;

static void
pred_job_free (gpointer data)
{
  PredJob *job = data;

  g_clear_pointer (&job->inspector, nn_inspector_free);
  g_clear_pointer (&job->model, nn_model_free);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  g_free (job->pred);
  g_free (job);
}

static void
pred_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  PredJob *job = data;
  g_autoptr(NnTensor) batch = NULL;
  g_autoptr(NnTensor) out = NULL;
  GError *error = NULL;

  if (job->inspector == NULL)
    job->inspector = nn_inspector_new (job->model, &error);
  if (job->inspector)
    batch = gather_test (ds_dataset_get (job->dataset), job->start, job->n);
  if (batch)
    out = nn_inspector_predict (job->inspector, batch, &error);
  if (out)
    {
      int units = (int) (out->size / job->n);

      job->pred = g_new (int, job->n);
      for (gsize i = 0; i < job->n; i++)
        {
          const float *p = out->data + i * units;
          int best = 0;

          for (int c = 1; c < units; c++)
            if (p[c] > p[best])
              best = c;
          /* One sigmoid unit: class 1 above one half. */
          job->pred[i] = units == 1 ? p[0] > 0.5f : best;
        }
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, out != NULL);
}

static void launch_batch (DsInspectView *self, NnInspector *in, gsize start);

static void
update_progress (DsInspectView *self)
{
  g_autofree char *text = NULL;
  gboolean done = self->pred_done >= self->n_test;

  gtk_widget_set_visible (GTK_WIDGET (self->pred_progress), !done && self->n_test > 0);
  if (self->n_test == 0)
    return;
  text = g_strdup_printf (_("Predicting the test %s: %zu of %zu"),
                          _ds_inspect_view_input_noun (self), self->pred_done, self->n_test);
  gtk_progress_bar_set_text (self->pred_progress, text);
  gtk_progress_bar_set_fraction (self->pred_progress, (double) self->pred_done / self->n_test);
}

/* Whether a batch of new predictions (test images start..start+n) changes
 * what the browser shows: the captions of the images on its page, or,
 * when it filters by prediction, which images it lists (then at most once
 * a second, and once more at the end). Refiltering on every batch held
 * frames up while a live run was followed. */
static gboolean
prediction_changes_page (DsInspectView *self,
                         gsize          start,
                         gsize          n)
{
  guint filter = gtk_drop_down_get_selected (self->filter_drop);
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  int n_classes = dataset ? ds_dataset_get (dataset)->n_classes : 0;
  guint first = self->page * DS_INSPECT_PAGE_SIZE;

  if (filter == 1 || (filter != GTK_INVALID_LIST_POSITION && (int) filter >= 2 + n_classes))
    return self->pred_done >= self->n_test
           || g_get_monotonic_time () - self->last_refilter > G_USEC_PER_SEC;
  for (guint i = first; i < MIN (self->shown->len, first + DS_INSPECT_PAGE_SIZE); i++)
    {
      guint32 p = g_array_index (self->shown, guint32, i);

      if (p >= start && p < start + n)
        return TRUE;
    }
  return FALSE;
}

static void
pred_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  DsInspectView *self = DS_INSPECT_VIEW (source);
  PredJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (error && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->pred_running = FALSE;
  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (job->generation != ds_inspect_subject_get_generation (self->subject)
      || self->pred_generation != job->generation || self->pred == NULL)
    {
      /* A newer model (or dataset) came meanwhile: start over with it. */
      _ds_inspect_view_start_predictions (self);
      return;
    }
  if (!ok)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->pred_progress), FALSE);
      return;
    }
  for (gsize i = 0; i < job->n && job->start + i < self->n_test; i++)
    self->pred[job->start + i] = job->pred[i];
  self->pred_done = job->start + job->n;
  update_progress (self);
  if (prediction_changes_page (self, job->start, job->n))
    {
      self->last_refilter = g_get_monotonic_time ();
      _ds_inspect_view_refilter (self);
    }
  if (self->pred_done < self->n_test)
    launch_batch (self, g_steal_pointer (&job->inspector), self->pred_done);
}

static void
launch_batch (DsInspectView *self,
              NnInspector   *in,
              gsize          start)
{
  g_autoptr(GTask) task = NULL;
  PredJob *job = g_new0 (PredJob, 1);

  job->inspector = in;
  if (in == NULL)
    job->model = nn_model_copy (ds_inspect_subject_get_model (self->subject));
  job->dataset = ds_dataset_ref (ds_inspect_subject_get_dataset (self->subject));
  job->generation = self->pred_generation;
  job->start = start;
  job->n = MIN (PREDICT_BATCH, self->n_test - start);
  self->pred_running = TRUE;
  task = g_task_new (self, self->cancellable, pred_done_cb, NULL);
  g_task_set_task_data (task, job, pred_job_free);
  ds_jobs_run_in_background (task, pred_thread);
}

/**
 * _ds_inspect_view_start_predictions:
 *
 * Predicts every test image with the current model, in batches; a chain
 * still running for an older model restarts when its batch returns.
 */
void
_ds_inspect_view_start_predictions (DsInspectView *self)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnModel *model = ds_inspect_subject_get_model (self->subject);

  self->pred_generation = ds_inspect_subject_get_generation (self->subject);
  self->pred_done = 0;
  /* The last model's predictions (-1 when there were none) stay until
   * this one's replace them: a live run's filtered pages do not empty at
   * each snapshot. */
  update_progress (self);
  if (self->pred_running || model == NULL || self->pred == NULL
      || !dataset_fits (self, dataset) || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  launch_batch (self, NULL, 0);
}

/* ---- a new model ---------------------------------------------------------- */

void
_ds_inspect_view_model_changed_jobs (DsInspectView *self)
{
  NnModel *model = ds_inspect_subject_get_model (self->subject);

  g_clear_pointer (&self->inspector, nn_inspector_free);
  if (model == NULL)
    {
      self->probes_generation = 0;
      ds_inspect_activations_set_probes (self->activations, NULL,
                                         ds_inspect_subject_get_model_text (self->subject));
      ds_inspect_bars_set (self->bars, 0, NULL, NULL, -1);
    }
  else if (ds_inspect_subject_get_input (self->subject) == NULL)
    {
      /* A model and nothing to show it yet: the first test image, so the
       * pages have something at once; else say what to do (the page
       * still held the words of a model that was not there). */
      DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);

      if (dataset && ds_dataset_get (dataset)->n_test > 0
          && ds_inspect_subject_open_test_sample (self->subject, 0))
        {
          _ds_inspect_view_start_predictions (self);
          return;
        }
      ds_inspect_activations_set_probes (self->activations, NULL,
                                         _("Choose an input: a test image, a PNG file, or a "
                                         "drawing."));
    }
  _ds_inspect_view_compute (self);
  _ds_inspect_view_start_predictions (self);
}

float
_ds_inspect_view_pixel_value (DsInspectView *self,
                              size_t         f,
                              double         b)
{
  DsDataset *dataset = ds_inspect_subject_get_dataset (self->subject);
  NnDataset *ds;
  const NnArray *x;

  if (!dataset_fits (self, dataset))
    return (float) (b / 255);
  ds = ds_dataset_get (dataset);
  x = ds->inputs[0];
  if (x->dtype != NN_DTYPE_U8)
    return (float) (b / 255);
  return (float) (b * (x->scale ? x->scale[f] : 1) + (x->offset ? x->offset[f] : 0));
}
