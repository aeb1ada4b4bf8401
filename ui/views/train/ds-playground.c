/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsPlayground: TensorFlow Playground's picture of a small network, on the
 * document's model. A strip of settings on top (speed, activation, learning
 * rate, regularization, batch size, noise, the share of training data, the
 * dataset); below, the input features as toggles, the hidden layers as
 * columns of unit maps joined by their weights, with +/- for layers and
 * units, and on the right the output map with the training and test loss.
 * Every control edits the document's model (one undo step each); the
 * pictures come from ds-playground-map.c on a worker thread. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-jobs.h"
#include "ds-colors.h"
#include "ds-playground-map.h"
#include "ds-playground-private.h"
#include "ds-playground-surface.h"

/* Leave the trainer the CPU between two maps at full speed. */
#define MIN_INTERVAL_US 90000
/* One batch a frame at 60 frames a second. */
#define FRAME_US        16667

G_DEFINE_FINAL_TYPE (DsPlayground, ds_playground, GTK_TYPE_WIDGET)

static void sync_from_model (DsPlayground *self);

/* ---- pictures ------------------------------------------------------------- */

static int
point_class (NnDataset *ds,
             size_t     i)
{
  const NnArray *t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  int best = 0;

  if (t == NULL)
    return 0;
  if (t->sample_size == 1)
    {
      double v = nn_array_get (t, i, 0);

      if (ds->n_classes == 0)
        return v > 0;   /* regression: orange above zero */
      return (int) v;
    }
  /* One-hot */
  for (size_t k = 1; k < t->sample_size; k++)
    if (nn_array_get (t, i, k) > nn_array_get (t, i, (size_t) best))
      best = (int) k;
  return best;
}

/* The point colours: classes, or for regression the target's value. */
static void
point_rgb (NnDataset *ds,
           size_t     i,
           double    *rgb)
{
  if (ds->n_classes == 0 && ds->n_targets > 0)
    {
      guint32 px = ds_colors_diverging_pixel (CLAMP (nn_array_get (ds->targets[0], i, 0), -1, 1));

      rgb[0] = ((px >> 16) & 0xff) / 255.0 * 0.8;
      rgb[1] = ((px >> 8) & 0xff) / 255.0 * 0.8;
      rgb[2] = (px & 0xff) / 255.0 * 0.8;
      return;
    }
  ds_colors_class_rgb (point_class (ds, i), rgb);
}

void
_ds_playground_paint_surface (cairo_t         *cr,
                              cairo_surface_t *s,
                              int              res,
                              int              width,
                              int              height)
{
  cairo_save (cr);
  cairo_scale (cr, (double) width / res, (double) height / res);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

static void
draw_points (DsPlayground *self,
             cairo_t      *cr,
             int           width,
             int           height)
{
  NnDataset *ds = ds_dataset_get (self->dataset);
  const NnArray *pts = ds->points ? ds->points : ds->inputs[0];
  gboolean show_test = gtk_check_button_get_active (self->test_check);
  g_autofree guint8 *is_test = g_new0 (guint8, MAX (ds->n, 1));
  /* A few thousand points at most: more hide the map. */
  size_t step = MAX ((size_t) 1, ds->n / 3000);

  for (size_t i = 0; i < ds->n_test; i++)
    is_test[ds->test_idx[i]] = 1;
  for (size_t i = 0; i < ds->n; i += step)
    {
      double x = (nn_array_get (pts, i, 0) - self->x0) / (self->x1 - self->x0) * width;
      double y = (self->y1 - nn_array_get (pts, i, 1)) / (self->y1 - self->y0) * height;
      double rgb[3];

      if (is_test[i] && !show_test)
        continue;
      point_rgb (ds, i, rgb);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 3.4, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_set_line_width (cr, is_test[i] ? 3 : 1);
      if (is_test[i])
        {
          cairo_stroke_preserve (cr);
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_set_line_width (cr, 1.6);
          cairo_stroke (cr);
        }
      else
        {
          cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_stroke (cr);
        }
    }
}

static void
draw_map (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        data)
{
  DsPlayground *self = data;
  cairo_surface_t *unit = NULL;
  gboolean dead = FALSE;

  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  /* Hovering a unit shows its map here, large. */
  if (self->hover_hidden >= 0 && self->result
      && (guint) self->hover_hidden < self->result->hidden->len)
    unit = ds_map_job_paint_unit (self->result, self->hover_hidden, self->hover_unit, &dead);
  if (unit)
    {
      _ds_playground_paint_surface (cr, unit, DS_UNIT_RES, width, height);
      cairo_surface_destroy (unit);
    }
  else if (self->map_surface)
    _ds_playground_paint_surface (cr, self->map_surface, DS_MAP_RES, width, height);

  /* Axes through the origin when it is in view. */
  cairo_set_source_rgba (cr, 0, 0, 0, 0.12);
  cairo_set_line_width (cr, 1);
  if (self->x0 < 0 && self->x1 > 0)
    {
      double x = round (-self->x0 / (self->x1 - self->x0) * width) + 0.5;
      cairo_move_to (cr, x, 0);
      cairo_line_to (cr, x, height);
    }
  if (self->y0 < 0 && self->y1 > 0)
    {
      double y = round (self->y1 / (self->y1 - self->y0) * height) + 0.5;
      cairo_move_to (cr, 0, y);
      cairo_line_to (cr, width, y);
    }
  cairo_stroke (cr);

  if (self->dataset && self->available && unit == NULL)
    draw_points (self, cr, width, height);

  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static guint
index_of (const char *const *list,
          const char        *value,
          guint              fallback)
{
  for (guint i = 0; list[i]; i++)
    if (g_strcmp0 (list[i], value) == 0)
      return i;
  return fallback;
}

static guint
nearest_rate (const char *const *list,
              double             v)
{
  guint best = 0;

  for (guint i = 1; list[i]; i++)
    if (fabs (log10 (g_ascii_strtod (list[i], NULL) + 1e-9) - log10 (v + 1e-9))
        < fabs (log10 (g_ascii_strtod (list[best], NULL) + 1e-9) - log10 (v + 1e-9)))
      best = i;
  return best;
}

/* The strip and the feature toggles show the document's model. */
static void
sync_from_model (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  const char *spec = _ds_playground_current_spec (self);
  g_auto(GStrv) parts = g_strsplit (spec, ":", 2);
  g_autofree char *noise = _ds_playground_spec_get (spec, "noise");
  g_autofree char *test = _ds_playground_spec_get (spec, "test");
  guint features = _ds_playground_spec_features (spec);
  double l1 = 0, l2 = 0;
  Chain c;

  if (m == NULL)
    return;
  self->updating = TRUE;
  for (int f = 0; f < NN_N_FEATURES; f++)
    gtk_toggle_button_set_active (self->feature_buttons[f], (features >> f) & 1);
  gtk_drop_down_set_selected (self->dataset_drop, index_of (dataset_specs, parts[0], 0));
  gtk_spin_button_set_value (self->noise_spin,
                             noise ? g_ascii_strtod (noise, NULL) : g_str_equal (parts[0], "spirals") ? 0.2 : 0.1);
  gtk_spin_button_set_value (self->ratio_spin, 100 * (1 - (test ? g_ascii_strtod (test, NULL) : 0.2)));
  gtk_drop_down_set_selected (self->lr_drop, nearest_rate (rates, nn_model_get_optimizer (m)->learning_rate));
  gtk_spin_button_set_value (self->batch_spin,
                             nn_model_get_defaults (m)->batch_size > 0 ? nn_model_get_defaults (m)->batch_size : 32);
  if (_ds_playground_chain_find (m, &c) && c.hidden->len > 0)
    {
      g_autofree char *act = nn_model_layer_dup_param_text (m, g_array_index (c.hidden, int, 0), "activation");

      gtk_drop_down_set_selected (self->activation_drop, index_of ((const char *const *) self->activations, act, 0));
    }
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (_ds_playground_is_dense (m, l))
      {
        const NnValue *v1 = nn_model_layer_get_param (m, l, "kernel_l1");
        const NnValue *v2 = nn_model_layer_get_param (m, l, "kernel_l2");

        l1 = MAX (l1, v1 ? v1->f : 0);
        l2 = MAX (l2, v2 ? v2->f : 0);
      }
  gtk_drop_down_set_selected (self->reg_drop, l1 > 0 ? 1 : l2 > 0 ? 2 : 0);
  gtk_drop_down_set_selected (self->reg_rate_drop, nearest_rate (reg_rates, MAX (l1, l2)));
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_rate_drop), l1 > 0 || l2 > 0);
  _ds_playground_chain_clear (&c);
  self->updating = FALSE;
  _ds_playground_rebuild_network (self);
}

/* ---- scheduling ----------------------------------------------------------- */

static gboolean
run_live (DsPlayground *self)
{
  return self->run && ds_training_run_is_live (self->run);
}

static void
set_loss_label (GtkLabel   *label,
                const char *what,
                double      v)
{
  g_autofree char *text = isfinite (v) ? g_strdup_printf ("%s %.3f", what, v)
                                       : g_strdup_printf ("%s –", what);

  gtk_label_set_text (label, text);
}

static void
surface_done_cb (GObject      *source,
                 GAsyncResult *res,
                 gpointer      user_data)
{
  DsPlayground *self = DS_PLAYGROUND (source);
  GTask *task = G_TASK (res);
  DsSurfaceJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *text = NULL;
  const char *inputs[NN_N_FEATURES + 1] = { NULL };

  if (!g_task_propagate_boolean (task, &error))
    {
      ds_surface_job_free (job);
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      self->surface_busy = FALSE;
      gtk_label_set_text (self->surface_caption, error->message);
      return;
    }
  self->surface_busy = FALSE;
  ds_surface_job_free (self->surface);
  self->surface = job;
  self->n_surfaces++;
  g_clear_pointer (&self->surface_image, cairo_surface_destroy);
  self->surface_image = ds_surface_job_paint (job);
  _ds_playground_active_inputs (self, inputs);
  a = ds_surface_job_describe (job, 0, inputs);
  b = ds_surface_job_describe (job, 1, inputs);
  text = g_strdup_printf (_("→ %s%s (±%.2g)\n↑ %s%s (±%.2g)\nLoss %.3f here (ring), lowest %.3f (cross)"),
                          job->chosen ? "A: " : "", a, job->span[0], job->chosen ? "B: " : "", b,
                          job->span[1], job->centre, job->lo);
  gtk_label_set_text (self->surface_caption, text);
  gtk_widget_queue_draw (GTK_WIDGET (self->surface_area));
  if (self->surface_dirty)
    _ds_playground_surface_start (self);
}

static void
surface_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  GError *error = NULL;

  if (ds_surface_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* The loss surface around the last map's weights, on a worker thread; at
 * full speed only once the run has ended (the trainer keeps the CPU). */
void
_ds_playground_surface_start (DsPlayground *self)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DsSurfaceJob *job;
  NnWeightRef w[2];
  gboolean chosen;

  self->surface_dirty = FALSE;
  if (self->result == NULL)
    return;
  /* Picked edges the model no longer has (a layer or unit removed) give
   * way to the largest gradient. */
  for (int k = 0; k < self->n_picked; k++)
    if (!_ds_playground_picked_ref (self, k, &w[k]))
      {
        _ds_playground_reset_picks (self);
        break;
      }
  if (self->surface_busy)
    {
      self->surface_dirty = TRUE;
      return;
    }
  if (run_live (self) && ds_playground_get_pace (self) == 0)
    return;
  chosen = self->n_picked == 2;
  job = ds_surface_job_new (self->result->model, self->result->dataset, chosen ? w : NULL, &error);
  if (job == NULL)
    {
      gtk_label_set_text (self->surface_caption, error->message);
      return;
    }
  self->surface_busy = TRUE;
  task = g_task_new (self, self->cancellable, surface_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  ds_jobs_run_in_thread (task, surface_thread);
}

static void
draw_surface (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsPlayground *self = data;
  DsSurfaceJob *job = self->surface;
  double cell = (double) width / DS_SURFACE_RES, x, y;

  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 0.94, 0.94, 0.94);
  cairo_fill (cr);
  if (job == NULL || self->surface_image == NULL)
    return;
  cairo_save (cr);
  cairo_scale (cr, (double) width / DS_SURFACE_RES, (double) height / DS_SURFACE_RES);
  cairo_set_source_surface (cr, self->surface_image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  /* The current weights: a ring at the centre. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_set_line_width (cr, 2.5);
  cairo_arc (cr, width / 2.0, height / 2.0, MAX (cell * 0.8, 4), 0, 2 * G_PI);
  cairo_stroke (cr);
  /* The lowest point of the grid: a cross. */
  if (job->min_cell >= 0)
    {
      x = (job->min_cell % DS_SURFACE_RES + 0.5) * cell;
      y = (job->min_cell / DS_SURFACE_RES + 0.5) * (double) height / DS_SURFACE_RES;
      cairo_move_to (cr, x - 5, y - 5);
      cairo_line_to (cr, x + 5, y + 5);
      cairo_move_to (cr, x + 5, y - 5);
      cairo_line_to (cr, x - 5, y + 5);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

static void
map_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  DsPlayground *self = DS_PLAYGROUND (source);
  GTask *task = G_TASK (res);
  /* The job is ours in every outcome: the task holds it without a
   * destroy function. */
  DsMapJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *caption = g_strdup (g_object_get_data (G_OBJECT (task), "ds-caption"));

  if (!g_task_propagate_boolean (task, &error))
    {
      ds_map_job_free (job);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->busy = FALSE;
          gtk_label_set_text (self->caption, error->message);
        }
      return;
    }
  self->busy = FALSE;
  ds_map_job_free (self->result);
  self->result = job;
  self->n_updates++;
  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  self->map_surface = ds_map_job_paint (job, gtk_check_button_get_active (self->discrete_check));
  _ds_playground_numbers_free (self->numbers);
  self->numbers = g_object_steal_data (G_OBJECT (task), "ds-numbers");
  _ds_playground_rebuild_network (self);
  _ds_playground_numbers_apply (self);
  gtk_label_set_text (self->caption, caption);
  set_loss_label (self->test_loss_label, _("Test loss"), job->test_loss);
  set_loss_label (self->train_loss_label, _("Training loss"), job->train_loss);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
  _ds_playground_surface_start (self);
  if (self->dirty)
    _ds_playground_schedule_update (self);
}

static void
map_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  GError *error = NULL;

  if (ds_map_job_run (task_data, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static char *
make_caption (DsPlayground *self,
              gboolean      from_run)
{
  GString *s;

  if (!from_run)
    return g_strdup (nn_model_has_weights (_ds_playground_doc_model (self))
                     ? _("The document’s model") : _("Untrained: weights drawn from seed 1"));
  s = g_string_new (ds_training_run_get_name (self->run));
  g_string_append_printf (s, _(" · epoch %d · step %ld"), MAX (ds_training_run_get_epoch (self->run), 1),
                          ds_training_run_get_step (self->run));
  return g_string_free (s, FALSE);
}

static void
start_job (DsPlayground *self)
{
  gboolean from_run = run_live (self);
  NnModel *model = NULL;
  DsDataset *dataset = self->dataset;
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DsMapJob *job;

  self->dirty = FALSE;
  if (from_run)
    {
      model = ds_training_run_get_snapshot (self->run);
      if (model == NULL)
        model = ds_training_run_get_model (self->run);
      dataset = ds_training_run_get_dataset (self->run);
    }
  else
    model = _ds_playground_doc_model (self);
  if (model == NULL || dataset == NULL || !self->available || nn_model_get_n_layers (model) == 0)
    return;
  job = ds_map_job_new (model, dataset, self->x0, self->x1, self->y0, self->y1, &error);
  if (job == NULL)
    {
      gtk_label_set_text (self->caption, error->message);
      return;
    }
  self->busy = TRUE;
  self->last_start = g_get_monotonic_time ();
  task = g_task_new (self, self->cancellable, map_done_cb, NULL);
  g_object_set_data_full (G_OBJECT (task), "ds-caption", make_caption (self, from_run), g_free);
  g_object_set_data_full (G_OBJECT (task), "ds-numbers", _ds_playground_numbers_new (self, job->model, from_run),
                          (GDestroyNotify) _ds_playground_numbers_free);
  g_task_set_task_data (task, job, NULL);
  ds_jobs_run_in_thread (task, map_thread);
}

static gboolean
timeout_cb (gpointer data)
{
  DsPlayground *self = data;

  self->timeout_id = 0;
  if (!self->busy)
    start_job (self);
  return G_SOURCE_REMOVE;
}

void
_ds_playground_schedule_update (DsPlayground *self)
{
  gint64 wait;

  if (!self->available)
    return;
  /* One map at a time: snapshots that arrive meanwhile collapse into the
   * next map, which uses the latest one. */
  if (self->busy)
    {
      self->dirty = TRUE;
      return;
    }
  if (self->timeout_id)
    return;
  /* Watched training (a pace, a step) redraws after every batch. */
  wait = self->last_start + (ds_playground_get_pace (self) > 0 || !run_live (self) ? 0 : MIN_INTERVAL_US)
         - g_get_monotonic_time ();
  if (wait > 0)
    self->timeout_id = g_timeout_add ((guint) (wait / 1000) + 1, timeout_cb, self);
  else
    start_job (self);
}

static void
options_cb (DsPlayground *self)
{
  if (self->result)
    {
      g_clear_pointer (&self->map_surface, cairo_surface_destroy);
      self->map_surface = ds_map_job_paint (self->result, gtk_check_button_get_active (self->discrete_check));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

/* The points shown: the live run's, else the document's store's. */
static void
follow_dataset (DsPlayground *self)
{
  DsDataset *ds = NULL;

  if (run_live (self))
    ds = ds_training_run_get_dataset (self->run);
  else if (self->document)
    ds = ds_dataset_store_get_dataset (ds_document_get_dataset_store (self->document));
  if (ds == NULL && self->run)
    ds = ds_training_run_get_dataset (self->run);
  if (ds)
    ds_playground_set_dataset (self, ds);
}

static void
document_changed_cb (DsPlayground *self,
                     guint         what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  sync_from_model (self);
  if (!run_live (self))
    _ds_playground_schedule_update (self);
}

static void
run_state_cb (DsPlayground *self)
{
  follow_dataset (self);
  _ds_playground_schedule_update (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_playground_dispose (GObject *object)
{
  DsPlayground *self = DS_PLAYGROUND (object);

  ds_playground_set_document (self, NULL);
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_PLAYGROUND);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_playground_parent_class)->dispose (object);
}

static void
ds_playground_finalize (GObject *object)
{
  DsPlayground *self = DS_PLAYGROUND (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  g_clear_pointer (&self->surface_image, cairo_surface_destroy);
  ds_map_job_free (self->result);
  ds_surface_job_free (self->surface);
  g_ptr_array_unref (self->columns);
  g_ptr_array_unref (self->unit_areas);
  g_ptr_array_unref (self->output_units);
  g_ptr_array_unref (self->drawn);
  _ds_playground_numbers_free (self->numbers);
  g_free (self->shape_key);
  g_strfreev (self->activations);
  G_OBJECT_CLASS (ds_playground_parent_class)->finalize (object);
}

static void
ds_playground_class_init (DsPlaygroundClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_playground_dispose;
  object_class->finalize = ds_playground_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-playground.ui");
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, stack);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, empty_page);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, strip);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, remove_layer_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, add_layer_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, layers_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, build_button);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, network_box);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, features_box);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, edges_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, map_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, test_loss_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, train_loss_label);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, caption);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, test_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, discrete_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, surface_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, surface_caption);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, network_overlay);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, gradient_button);
  gtk_widget_class_bind_template_callback (widget_class, options_cb);
  gtk_widget_class_bind_template_callback_full (widget_class, "add_layer_cb",
                                                G_CALLBACK (_ds_playground_add_layer_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "remove_layer_cb",
                                                G_CALLBACK (_ds_playground_remove_layer_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "open_build_cb",
                                                G_CALLBACK (_ds_playground_open_build_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "gradient_cb",
                                                G_CALLBACK (_ds_playground_gradient_cb));
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "playground");
}

static void
ds_playground_init (DsPlayground *self)
{
  GtkGesture *click;

  self->cancellable = g_cancellable_new ();
  self->columns = g_ptr_array_new ();
  self->unit_areas = g_ptr_array_new ();
  self->hover_hidden = -1;
  gtk_widget_init_template (GTK_WIDGET (self));
  _ds_playground_build_strip (self);
  _ds_playground_build_features (self);
  _ds_playground_numbers_build (self);
  gtk_drawing_area_set_draw_func (self->map_area, draw_map, self, NULL);
  gtk_drawing_area_set_draw_func (self->edges_area, _ds_playground_draw_edges, self, NULL);
  gtk_drawing_area_set_draw_func (self->surface_area, draw_surface, self, NULL);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (_ds_playground_network_pressed_cb), self);
  gtk_widget_add_controller (self->network_overlay, GTK_EVENT_CONTROLLER (click));
  gtk_stack_set_visible_child_name (self->stack, "empty");
  set_loss_label (self->test_loss_label, _("Test loss"), NAN);
  set_loss_label (self->train_loss_label, _("Training loss"), NAN);
}

GtkWidget *
ds_playground_new (void)
{
  return g_object_new (DS_TYPE_PLAYGROUND, NULL);
}

void
ds_playground_set_document (DsPlayground *self,
                            DsDocument   *document)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (self->document == document)
    return;
  if (self->document)
    {
      g_signal_handlers_disconnect_by_data (self->document, self);
      g_signal_handlers_disconnect_by_data (ds_document_get_dataset_store (self->document), self);
    }
  /* Owned: a window that quits may finalize its document before this
   * widget is disposed, and the disconnections above must not then reach
   * a freed document. */
  g_set_object (&self->document, document);
  if (document == NULL)
    return;
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (ds_document_get_dataset_store (document), "notify::dataset",
                            G_CALLBACK (run_state_cb), self);
  sync_from_model (self);
  follow_dataset (self);
  _ds_playground_schedule_update (self);
}

void
ds_playground_set_dataset (DsPlayground *self,
                           DsDataset    *dataset)
{
  NnDataset *ds;
  const NnArray *pts;
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  double span, cx, cy;

  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (dataset == self->dataset)
    return;
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  self->available = dataset != NULL && ds_dataset_is_2d (dataset);
  if (dataset)
    self->dataset = ds_dataset_ref (dataset);
  gtk_stack_set_visible_child_name (self->stack, self->available ? "content" : "empty");
  if (!self->available)
    return;

  ds = ds_dataset_get (dataset);
  pts = ds->points ? ds->points : ds->inputs[0];
  for (size_t i = 0; i < ds->n; i++)
    for (int f = 0; f < 2; f++)
      {
        double v = nn_array_get (pts, i, (size_t) f);

        if (isfinite (v))
          {
            lo[f] = MIN (lo[f], v);
            hi[f] = MAX (hi[f], v);
          }
      }
  if (!(lo[0] <= hi[0]) || !(lo[1] <= hi[1]))
    lo[0] = lo[1] = -1, hi[0] = hi[1] = 1;
  /* A square plane, so shapes are not squashed, with a margin. */
  span = MAX (MAX (hi[0] - lo[0], hi[1] - lo[1]), 1e-3) * 1.16;
  cx = (lo[0] + hi[0]) / 2;
  cy = (lo[1] + hi[1]) / 2;
  self->x0 = cx - span / 2;
  self->x1 = cx + span / 2;
  self->y0 = cy - span / 2;
  self->y1 = cy + span / 2;
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  for (int f = 0; f < NN_N_FEATURES; f++)
    gtk_widget_queue_draw (self->feature_maps[f]);
  _ds_playground_schedule_update (self);
}

void
ds_playground_set_run (DsPlayground  *self,
                       DsTrainingRun *run)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));

  if (self->run == run)
    return;
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_set_object (&self->run, run);
  if (run)
    {
      ds_training_run_set_pace (run, ds_playground_get_pace (self));
      g_signal_connect_swapped (run, "snapshot", G_CALLBACK (_ds_playground_schedule_update), self);
      g_signal_connect_swapped (run, "ended", G_CALLBACK (run_state_cb), self);
    }
  follow_dataset (self);
  _ds_playground_schedule_update (self);
}

void
ds_playground_adjust_config (DsPlayground *self,
                             NnFitConfig  *cfg)
{
  g_return_if_fail (DS_IS_PLAYGROUND (self));
  NnModel *m = _ds_playground_doc_model (self);

  /* Until the person stops it: as many epochs as anyone will wait for. */
  if (gtk_check_button_get_active (self->continuous_check))
    cfg->epochs = 1000000;
  /* A network small enough to read keeps each watched step's gradient and
   * the weights before it (copies of a few dozen floats). */
  if (m && nn_model_count_params (m, NULL, NULL) <= DS_PLAYGROUND_MAX_NUMBERS)
    cfg->step_details = TRUE;
}

int
ds_playground_get_pace (DsPlayground *self)
{
  guint i;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  i = gtk_drop_down_get_selected (self->speed_drop);
  return i < G_N_ELEMENTS (speeds) && speeds[i] > 0 ? FRAME_US / speeds[i] : 0;
}

gboolean
ds_playground_get_available (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  return self->available;
}

int
ds_playground_get_class_at (DsPlayground *self,
                            double        x,
                            double        y)
{
  double p[16], best = -1;
  int c, r, n, arg = -1;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), -1);

  if (self->result == NULL || self->result->out == NULL)
    return -1;
  c = (int) floor ((x - self->x0) / (self->x1 - self->x0) * DS_MAP_RES);
  r = (int) floor ((self->y1 - y) / (self->y1 - self->y0) * DS_MAP_RES);
  if (c < 0 || c >= DS_MAP_RES || r < 0 || r >= DS_MAP_RES)
    return -1;
  n = ds_map_job_cell (self->result, r * DS_MAP_RES + c, p, 16);
  for (int k = 0; k < n; k++)
    if (p[k] > best)
      {
        best = p[k];
        arg = k;
      }
  return arg;
}

/* ---- tests ---------------------------------------------------------------- */

guint
ds_playground_get_n_updates (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->n_updates;
}

guint
ds_playground_get_n_units (DsPlayground *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  if (self->result)
    for (guint i = 0; i < self->result->hidden->len; i++)
      if (g_array_index (self->result->hidden, DsMapHidden, i).act)
        n += (guint) g_array_index (self->result->hidden, DsMapHidden, i).units;
  return n;
}

guint
ds_playground_get_n_unit_widgets (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->unit_areas->len;
}

char *
ds_playground_dup_map_checksum (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  if (self->result == NULL || self->result->out == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, (const guchar *) self->result->out,
                                      sizeof (float) * DS_MAP_RES * DS_MAP_RES * self->result->out_dim);
}

double
ds_playground_get_loss (DsPlayground *self,
                        gboolean      test)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NAN);
  if (self->result == NULL)
    return NAN;
  return test ? self->result->test_loss : self->result->train_loss;
}

GtkDropDown *
ds_playground_get_speed_drop (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->speed_drop;
}

GtkToggleButton *
ds_playground_get_feature_button (DsPlayground *self,
                                  NnFeature     feature)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  g_return_val_if_fail (feature < NN_N_FEATURES, NULL);
  return self->feature_buttons[feature];
}

GtkWidget *
ds_playground_get_units_button (DsPlayground *self,
                                const char   *layer,
                                int           delta)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < self->columns->len; i++)
    {
      GtkWidget *header = gtk_widget_get_first_child (self->columns->pdata[i]);
      GtkWidget *row = gtk_widget_get_last_child (header);

      for (GtkWidget *b = gtk_widget_get_first_child (row); b; b = gtk_widget_get_next_sibling (b))
        if (GTK_IS_BUTTON (b) && g_strcmp0 (g_object_get_data (G_OBJECT (b), "ds-layer"), layer) == 0
            && GPOINTER_TO_INT (g_object_get_data (G_OBJECT (b), "ds-delta")) == delta)
          return b;
    }
  return NULL;
}

GtkWidget *
ds_playground_get_layer_button (DsPlayground *self,
                                int           delta)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return GTK_WIDGET (delta > 0 ? self->add_layer_button : self->remove_layer_button);
}

GtkWidget *
ds_playground_get_control (DsPlayground *self,
                           const char   *name)
{
  const struct { const char *name; gpointer widget; } controls[] = {
    { "activation", self->activation_drop }, { "learning-rate", self->lr_drop },
    { "regularization", self->reg_drop }, { "regularization-rate", self->reg_rate_drop },
    { "batch-size", self->batch_spin }, { "noise", self->noise_spin },
    { "training-share", self->ratio_spin }, { "dataset", self->dataset_drop },
    { "build", self->build_button }, { "map", self->map_area },
    { "network", self->network_box }, { "surface", self->surface_area },
    { "edges", self->edges_area }, { "largest-gradient", self->gradient_button },
    { "numbers", self->numbers_switch },
  };

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    if (g_strcmp0 (controls[i].name, name) == 0)
      return controls[i].widget;
  return NULL;
}

gboolean
ds_playground_get_hover (DsPlayground *self,
                         int          *hidden,
                         int          *unit)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  *hidden = self->hover_hidden;
  *unit = self->hover_unit;
  return self->hover_hidden >= 0;
}

GtkWidget *
ds_playground_get_unit_widget (DsPlayground *self,
                               guint         hidden,
                               guint         unit)
{
  guint k = 0;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  for (guint i = 0; i < self->unit_areas->len; i++)
    {
      guint data = GPOINTER_TO_UINT (g_object_get_data (self->unit_areas->pdata[i], "ds-unit"));

      if (data >> 16 == hidden && k++ == unit)
        return self->unit_areas->pdata[i];
    }
  return NULL;
}

guint
ds_playground_get_n_surfaces (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->n_surfaces;
}

gconstpointer
ds_playground_get_surface (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  return self->surface;
}

