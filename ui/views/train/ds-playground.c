/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-colors.h"
#include "ds-playground-private.h"

/* Resolution of the decision map and of each hidden-unit map. */
#define MAP_RES   112
#define UNIT_RES  36
#define MAX_UNITS 48
/* Leave the trainer the CPU between two maps. */
#define MIN_INTERVAL_US 90000

typedef struct
{
  int    layer;
  char  *name;
  int    units;        /* of the layer */
  int    shown;        /* drawn: at most MAX_UNITS */
  float *act;          /* (UNIT_RES², units) */
} Hidden;

typedef struct
{
  NnModel *model;      /* owned copy of a snapshot */
  double   x0, x1, y0, y1;
  int      out_layer;
  int      out_dim;
  gboolean softmax_out;  /* outputs are probabilities already */
  GArray  *hidden;     /* Hidden, act filled by the worker */
  float   *out;        /* (MAP_RES², out_dim) */
  char    *caption;
} MapJob;

struct _DsPlayground
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkDrawingArea  *map_area;
  GtkLabel        *caption;
  GtkCheckButton  *test_check;
  GtkCheckButton  *discrete_check;
  GtkBox          *units_box;

  /* Owned */
  DsDataset       *dataset;
  DsTrainingRun   *run;
  GCancellable    *cancellable;
  MapJob          *result;        /* the last finished map */
  cairo_surface_t *map_surface;
  GPtrArray       *unit_areas;    /* one GtkDrawingArea per hidden layer */
  GPtrArray       *unit_labels;
  gboolean         busy;
  gboolean         dirty;
  gint64           last_start;
  guint            timeout_id;
  guint            n_updates;
  double           x0, x1, y0, y1;  /* the plane shown */
  gboolean         available;
};

G_DEFINE_FINAL_TYPE (DsPlayground, ds_playground, GTK_TYPE_WIDGET)

static void schedule_update (DsPlayground *self);

static void
map_job_free (MapJob *job)
{
  if (job == NULL)
    return;
  g_clear_pointer (&job->model, nn_model_free);
  if (job->hidden)
    {
      for (guint i = 0; i < job->hidden->len; i++)
        {
          Hidden *h = &g_array_index (job->hidden, Hidden, i);
          g_free (h->name);
          g_free (h->act);
        }
      g_array_unref (job->hidden);
    }
  g_free (job->out);
  g_free (job->caption);
  g_free (job);
}

/* ---- the worker ----------------------------------------------------------- */

static NnTensor *
grid_tensor (int    res,
             double x0,
             double x1,
             double y0,
             double y1)
{
  int shape[2] = { res * res, 2 };
  NnTensor *t = nn_tensor_new (2, shape);

  /* Row 0 is the top of the picture: the largest y. */
  for (int r = 0; r < res; r++)
    for (int c = 0; c < res; c++)
      {
        float *p = t->data + 2 * ((size_t) r * res + c);
        p[0] = (float) (x0 + (c + 0.5) / res * (x1 - x0));
        p[1] = (float) (y1 - (r + 0.5) / res * (y1 - y0));
      }
  return t;
}

static void
map_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  MapJob *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnTensor) grid = grid_tensor (MAP_RES, job->x0, job->x1, job->y0, job->y1);
  g_autoptr(NnTensor) small = grid_tensor (UNIT_RES, job->x0, job->x1, job->y0, job->y1);
  g_autoptr(NnTensor) out = NULL;
  NnTensor *in[1] = { grid };

  out = nn_model_run (job->model, in, 1, (NnRef) { job->out_layer, 0 }, &error);
  if (out == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job->out_dim = (int) (out->size / ((size_t) MAP_RES * MAP_RES));
  job->out = g_steal_pointer (&out->data);
  out->owns_data = 0;

  in[0] = small;
  for (guint i = 0; i < job->hidden->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      Hidden *h = &g_array_index (job->hidden, Hidden, i);
      g_autoptr(NnTensor) act = nn_model_run (job->model, in, 1, (NnRef) { h->layer, 0 }, NULL);

      if (act && act->size == (size_t) UNIT_RES * UNIT_RES * h->units)
        {
          h->act = act->data;
          act->owns_data = 0;
          act->data = NULL;
        }
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  g_task_return_boolean (task, TRUE);
}

/* ---- pictures ------------------------------------------------------------- */

static gboolean
discrete (DsPlayground *self)
{
  return gtk_check_button_get_active (self->discrete_check);
}

/* Probabilities of each class at one map cell. */
static int
cell_probs (const MapJob *job,
            int           cell,
            double       *p,
            int           max_classes)
{
  const float *o = job->out + (size_t) cell * job->out_dim;
  int n;

  if (job->out_dim == 1)
    {
      double v = o[0];

      /* One unit: a sigmoid probability of class 1. */
      v = job->softmax_out ? v : 1 / (1 + exp (-v));
      p[0] = 1 - v;
      p[1] = v;
      return 2;
    }
  n = MIN (job->out_dim, max_classes);
  if (job->softmax_out)
    for (int k = 0; k < n; k++)
      p[k] = o[k];
  else
    {
      double mx = -INFINITY, sum = 0;

      for (int k = 0; k < n; k++)
        mx = MAX (mx, o[k]);
      for (int k = 0; k < n; k++)
        sum += (p[k] = exp (o[k] - mx));
      for (int k = 0; k < n; k++)
        p[k] /= sum;
    }
  return n;
}

static void
paint_map (DsPlayground *self)
{
  MapJob *job = self->result;
  guint32 *px;
  int stride;

  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  if (job == NULL || job->out == NULL)
    return;
  self->map_surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, MAP_RES, MAP_RES);
  cairo_surface_flush (self->map_surface);
  px = (guint32 *) cairo_image_surface_get_data (self->map_surface);
  stride = cairo_image_surface_get_stride (self->map_surface) / 4;

  for (int r = 0; r < MAP_RES; r++)
    for (int c = 0; c < MAP_RES; c++)
      {
        double p[16];
        int n = cell_probs (job, r * MAP_RES + c, p, 16);

        px[r * stride + c] = ds_colors_decision_pixel (p, n, discrete (self));
      }
  cairo_surface_mark_dirty (self->map_surface);
}

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
      return ds->n_classes > 0 ? (int) v : (v > 0.5);
    }
  /* One-hot */
  for (size_t k = 1; k < t->sample_size; k++)
    if (nn_array_get (t, i, k) > nn_array_get (t, i, (size_t) best))
      best = (int) k;
  return best;
}

static void
draw_map (GtkDrawingArea *area,
          cairo_t        *cr,
          int             width,
          int             height,
          gpointer        data)
{
  DsPlayground *self = data;
  NnDataset *ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  gboolean show_test = gtk_check_button_get_active (self->test_check);
  g_autofree guint8 *is_test = NULL;
  size_t step;

  /* The plane's background, then the map scaled up smoothly. */
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_fill (cr);
  if (self->map_surface)
    {
      cairo_pattern_t *pattern;

      cairo_save (cr);
      cairo_scale (cr, (double) width / MAP_RES, (double) height / MAP_RES);
      cairo_set_source_surface (cr, self->map_surface, 0, 0);
      pattern = cairo_get_source (cr);
      cairo_pattern_set_filter (pattern, CAIRO_FILTER_BILINEAR);
      cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);
      cairo_paint (cr);
      cairo_restore (cr);
    }

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

  if (ds == NULL || !self->available)
    return;

  is_test = g_new0 (guint8, ds->n);
  for (size_t i = 0; i < ds->n_test; i++)
    is_test[ds->test_idx[i]] = 1;
  /* A few thousand points at most: more hide the map. */
  step = MAX ((size_t) 1, ds->n / 3000);
  for (size_t i = 0; i < ds->n; i += step)
    {
      double x = (nn_array_get (ds->inputs[0], i, 0) - self->x0) / (self->x1 - self->x0) * width;
      double y = (self->y1 - nn_array_get (ds->inputs[0], i, 1)) / (self->y1 - self->y0) * height;
      double rgb[3];

      if (is_test[i] && !show_test)
        continue;
      ds_colors_class_rgb (point_class (ds, i), rgb);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 3.4, 0, 2 * G_PI);
      if (is_test[i])
        {
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_set_line_width (cr, 3);
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
          cairo_set_line_width (cr, 1);
          cairo_stroke (cr);
        }
    }

  /* A thin frame. */
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* One small map per unit: data packs the layer (high bits) and unit. */
static void
draw_unit (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        data)
{
  DsPlayground *self = g_object_get_data (G_OBJECT (area), "ds-playground");
  guint index = GPOINTER_TO_UINT (data) >> 16, u = GPOINTER_TO_UINT (data) & 0xffff;
  cairo_surface_t *s;
  guint32 *px;
  int stride;
  double amax = 1e-6;
  Hidden *h;

  if (self == NULL || self->result == NULL || index >= self->result->hidden->len)
    return;
  h = &g_array_index (self->result->hidden, Hidden, index);
  if (h->act == NULL || (int) u >= h->units)
    return;

  for (int k = 0; k < UNIT_RES * UNIT_RES; k++)
    amax = MAX (amax, fabs (h->act[(size_t) k * h->units + u]));
  s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, UNIT_RES, UNIT_RES);
  cairo_surface_flush (s);
  px = (guint32 *) cairo_image_surface_get_data (s);
  stride = cairo_image_surface_get_stride (s) / 4;
  for (int r = 0; r < UNIT_RES; r++)
    for (int c = 0; c < UNIT_RES; c++)
      {
        double v = h->act[(size_t) (r * UNIT_RES + c) * h->units + u] / amax;

        /* Diverging: blue below zero, orange above, white at zero. */
        px[r * stride + c] = ds_colors_diverging_pixel (v);
      }
  cairo_surface_mark_dirty (s);

  cairo_save (cr);
  cairo_scale (cr, (double) width / UNIT_RES, (double) height / UNIT_RES);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, amax <= 1e-6 ? 0.3 : 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  if (amax <= 1e-6)
    {
      /* A unit that is zero everywhere (a dead ReLU) is crossed out. */
      cairo_move_to (cr, 4, 4);
      cairo_line_to (cr, width - 4, height - 4);
      cairo_stroke (cr);
    }
  cairo_surface_destroy (s);
}

static void
rebuild_units (DsPlayground *self)
{
  MapJob *job = self->result;
  gboolean same = job && job->hidden->len == self->unit_areas->len;

  if (same)
    {
      for (guint i = 0; i < self->unit_areas->len; i++)
        {
          GtkWidget *child;

          for (child = gtk_widget_get_first_child (self->unit_areas->pdata[i]); child;
               child = gtk_widget_get_next_sibling (child))
            gtk_widget_queue_draw (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (child)));
        }
      return;
    }
  for (guint i = 0; i < self->unit_areas->len; i++)
    {
      gtk_box_remove (self->units_box, self->unit_labels->pdata[i]);
      gtk_box_remove (self->units_box, self->unit_areas->pdata[i]);
    }
  g_ptr_array_set_size (self->unit_areas, 0);
  g_ptr_array_set_size (self->unit_labels, 0);
  if (job == NULL)
    return;

  for (guint i = 0; i < job->hidden->len; i++)
    {
      Hidden *h = &g_array_index (job->hidden, Hidden, i);
      g_autofree char *text = h->shown < h->units
        ? g_strdup_printf ("%s · first %d of %d units", h->name, h->shown, h->units)
        : g_strdup_printf ("%s · %d units", h->name, h->units);
      GtkWidget *label = gtk_label_new (text);
      GtkWidget *flow = gtk_flow_box_new ();

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_widget_set_margin_top (label, 12);
      gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
      gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
      gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 16);
      gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (flow), 0);
      gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (flow), 0);
      gtk_accessible_update_property (GTK_ACCESSIBLE (flow), GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
      for (int u = 0; u < h->shown; u++)
        {
          GtkWidget *area = gtk_drawing_area_new ();
          g_autofree char *tip = g_strdup_printf ("%s, unit %d", h->name, u + 1);

          g_object_set_data (G_OBJECT (area), "ds-playground", self);
          gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), 48);
          gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 48);
          gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_unit,
                                          GUINT_TO_POINTER ((i << 16) | (guint) u), NULL);
          gtk_widget_set_tooltip_text (area, tip);
          gtk_flow_box_append (GTK_FLOW_BOX (flow), area);
          gtk_widget_set_can_focus (gtk_widget_get_parent (area), FALSE);
        }
      gtk_box_append (self->units_box, label);
      gtk_box_append (self->units_box, flow);
      g_ptr_array_add (self->unit_labels, label);
      g_ptr_array_add (self->unit_areas, flow);
    }
}

/* ---- scheduling ----------------------------------------------------------- */

static void
map_done_cb (GObject      *source,
             GAsyncResult *res,
             gpointer      user_data)
{
  DsPlayground *self = DS_PLAYGROUND (source);
  GTask *task = G_TASK (res);
  /* The job is ours in every outcome: the task holds it without a
   * destroy function. */
  MapJob *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (task, &error))
    {
      map_job_free (job);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          self->busy = FALSE;
          gtk_label_set_text (self->caption, error->message);
        }
      return;
    }
  self->busy = FALSE;
  map_job_free (self->result);
  self->result = job;
  self->n_updates++;
  paint_map (self);
  rebuild_units (self);
  gtk_label_set_text (self->caption, self->result->caption);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  if (self->dirty)
    schedule_update (self);
}

static gboolean
is_output (NnModel *m,
           int      layer)
{
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    if (nn_model_get_output (m, i).layer == layer)
      return TRUE;
  return FALSE;
}

static MapJob *
make_job (DsPlayground *self,
          NnModel      *snapshot)
{
  MapJob *job;
  NnModel *m;
  int ndim, shape[NN_MAX_DIMS];
  g_autofree char *act = NULL;

  if (nn_model_get_n_inputs (snapshot) != 1 || nn_model_get_n_outputs (snapshot) < 1)
    return NULL;
  if (!nn_model_get_shape (snapshot, (NnRef) { nn_model_get_input_layer (snapshot, 0), 0 }, &ndim, shape)
      || ndim != 1 || shape[0] != 2)
    return NULL;

  job = g_new0 (MapJob, 1);
  job->model = m = nn_model_copy (snapshot);
  job->x0 = self->x0;
  job->x1 = self->x1;
  job->y0 = self->y0;
  job->y1 = self->y1;
  job->out_layer = nn_model_get_output (m, 0).layer;
  act = nn_model_layer_dup_param_text (m, job->out_layer, "activation");
  job->softmax_out = g_strcmp0 (act, "softmax") == 0 || g_strcmp0 (act, "sigmoid") == 0;
  job->hidden = g_array_new (FALSE, TRUE, sizeof (Hidden));
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);
      Hidden h = { 0 };

      if (t == NULL || g_strcmp0 (nn_layer_type_get_name (t), "Dense") != 0 || is_output (m, l)
          || nn_model_layer_get_n_calls (m, l) < 1)
        continue;
      if (!nn_model_get_shape (m, (NnRef) { l, 0 }, &ndim, shape) || ndim != 1)
        continue;
      h.layer = l;
      h.name = g_strdup (nn_model_layer_get_name (m, l));
      h.units = shape[0];
      h.shown = MIN (shape[0], MAX_UNITS);
      g_array_append_val (job->hidden, h);
    }

  if (self->run)
    {
      g_autoptr(GString) s = g_string_new (ds_training_run_get_name (self->run));
      int epoch = ds_training_run_get_epochs_done (self->run);
      DsMetricSeries *acc = ds_training_run_get_series (self->run, "val_accuracy");

      if (acc == NULL)
        acc = ds_training_run_get_series (self->run, "accuracy");
      g_string_append_printf (s, " · epoch %d", epoch);
      if (acc && ds_metric_series_get_n_points (acc) > 0)
        {
          guint n;
          const DsPoint *p = ds_metric_series_get_points (acc, &n);

          g_string_append_printf (s, " · %s %.3f", ds_metric_series_get_key (acc), p[n - 1].y);
        }
      job->caption = g_string_free (g_steal_pointer (&s), FALSE);
    }
  else
    job->caption = g_strdup ("");
  return job;
}

static void
start_job (DsPlayground *self)
{
  NnModel *snapshot = NULL;
  g_autoptr(GTask) task = NULL;
  MapJob *job;

  self->dirty = FALSE;
  if (self->run)
    snapshot = ds_training_run_get_result (self->run);
  if (snapshot == NULL && self->run)
    snapshot = ds_training_run_get_snapshot (self->run);
  if (snapshot == NULL || !self->available)
    return;
  job = make_job (self, snapshot);
  if (job == NULL)
    {
      gtk_label_set_text (self->caption, "The model must take one input of 2 numbers");
      return;
    }
  self->busy = TRUE;
  self->last_start = g_get_monotonic_time ();
  task = g_task_new (self, self->cancellable, map_done_cb, NULL);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, map_thread);
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

static void
schedule_update (DsPlayground *self)
{
  gint64 wait;

  if (!self->available || self->run == NULL)
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
  wait = self->last_start + MIN_INTERVAL_US - g_get_monotonic_time ();
  if (wait > 0)
    self->timeout_id = g_timeout_add ((guint) (wait / 1000) + 1, timeout_cb, self);
  else
    start_job (self);
}

static void
options_cb (DsPlayground *self)
{
  paint_map (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_playground_dispose (GObject *object)
{
  DsPlayground *self = DS_PLAYGROUND (object);

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
  map_job_free (self->result);
  g_ptr_array_unref (self->unit_areas);
  g_ptr_array_unref (self->unit_labels);
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
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, map_area);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, caption);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, test_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, discrete_check);
  gtk_widget_class_bind_template_child (widget_class, DsPlayground, units_box);
  gtk_widget_class_bind_template_callback (widget_class, options_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "playground");
}

static void
ds_playground_init (DsPlayground *self)
{
  self->cancellable = g_cancellable_new ();
  self->unit_areas = g_ptr_array_new ();
  self->unit_labels = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (self->map_area, draw_map, self, NULL);
  gtk_stack_set_visible_child_name (self->stack, "empty");
}

GtkWidget *
ds_playground_new (void)
{
  return g_object_new (DS_TYPE_PLAYGROUND, NULL);
}

void
ds_playground_set_dataset (DsPlayground *self,
                           DsDataset    *dataset)
{
  NnDataset *ds;
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
  for (size_t i = 0; i < ds->n; i++)
    for (int f = 0; f < 2; f++)
      {
        double v = nn_array_get (ds->inputs[0], i, (size_t) f);

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

  map_job_free (self->result);
  self->result = NULL;
  g_clear_pointer (&self->map_surface, cairo_surface_destroy);
  rebuild_units (self);
  gtk_label_set_text (self->caption, self->run ? "" : "Train a model to see its decision boundary");
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
  schedule_update (self);
}

static void
snapshot_cb (DsPlayground *self)
{
  schedule_update (self);
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
      g_signal_connect_swapped (run, "snapshot", G_CALLBACK (snapshot_cb), self);
      g_signal_connect_swapped (run, "ended", G_CALLBACK (snapshot_cb), self);
      ds_playground_set_dataset (self, ds_training_run_get_dataset (run));
    }
  schedule_update (self);
}

gboolean
ds_playground_get_available (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  return self->available;
}

guint
ds_playground_get_n_updates (DsPlayground *self)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  return self->n_updates;
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
  c = (int) floor ((x - self->x0) / (self->x1 - self->x0) * MAP_RES);
  r = (int) floor ((self->y1 - y) / (self->y1 - self->y0) * MAP_RES);
  if (c < 0 || c >= MAP_RES || r < 0 || r >= MAP_RES)
    return -1;
  n = cell_probs (self->result, r * MAP_RES + c, p, 16);
  for (int k = 0; k < n; k++)
    if (p[k] > best)
      {
        best = p[k];
        arg = k;
      }
  return arg;
}

guint
ds_playground_get_n_units (DsPlayground *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  if (self->result)
    for (guint i = 0; i < self->result->hidden->len; i++)
      if (g_array_index (self->result->hidden, Hidden, i).act)
        n += (guint) g_array_index (self->result->hidden, Hidden, i).shown;
  return n;
}
