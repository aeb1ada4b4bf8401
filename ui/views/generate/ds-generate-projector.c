/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The projector page: a layer's activations over test samples projected
 * by PCA or t-SNE to 2-D or 3-D on a worker thread, drawn as a scatter
 * coloured by class with a legend; 3-D turns with a drag; hovering a point
 * shows its input; clicking it opens it in the Inspect view. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-file-chooser.h"
#include "ds-generate-view-private.h"
#include "ds-jobs.h"

typedef struct
{
  NnModel        *model;
  NnTensor       *inputs;
  int             probe;
  NnProjectConfig cfg;
  char           *layer;       /* the probe's path, for the caption */
  double          explained[3];
  DsGenerateView *view;
  GCancellable   *cancellable;
  gint            posted;      /* a progress update waits for the main loop */
  double          fraction;
  /* The samples projected; they replace the view's when the projection
   * is done (the old points stay drawn with their own until then). */
  int            *labels;
  guint32        *positions;
  int             n_classes;
} ProjJob;

static void
proj_job_free (ProjJob *job)
{
  nn_model_free (job->model);
  nn_tensor_free (job->inputs);
  g_free (job->layer);
  g_free (job->labels);
  g_free (job->positions);
  g_object_unref (job->view);
  g_object_unref (job->cancellable);
  g_free (job);
}

typedef struct
{
  DsGenerateView *view;
  GCancellable   *cancellable;
  double          fraction;
  int             step, steps;
  gboolean        tsne;
} ProjProgress;

static gboolean
proj_progress_idle (gpointer data)
{
  ProjProgress *p = data;

  if (p->view->proj_cancellable == p->cancellable)
    {
      g_autofree char *text = NULL;

      gtk_progress_bar_set_fraction (p->view->proj_progress, p->fraction);
      if (p->tsne)
        {
          text = g_strdup_printf (_("Computing t-SNE: iteration %d of %d…"), p->step, p->steps);
          gtk_label_set_text (p->view->proj_status, text);
        }
    }
  g_object_unref (p->view);
  g_object_unref (p->cancellable);
  g_free (p);
  return G_SOURCE_REMOVE;
}

static gboolean
proj_progress_cb (int      step,
                  int      steps,
                  gpointer data)
{
  ProjJob *job = data;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  if (step % 10 == 0 || step == steps)
    {
      ProjProgress *p = g_new0 (ProjProgress, 1);

      p->view = g_object_ref (job->view);
      p->cancellable = g_object_ref (job->cancellable);
      p->fraction = 0.2 + 0.8 * step / MAX (1, steps);
      p->step = step;
      p->steps = steps;
      p->tsne = job->cfg.method == NN_PROJECT_TSNE;
      g_idle_add (proj_progress_idle, p);
    }
  return TRUE;
}

static void
proj_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  ProjJob *job = data;
  GError *error = NULL;
  g_autoptr(NnInspector) in = nn_inspector_new (job->model, &error);
  g_autoptr(NnTensor) values = NULL;
  NnTensor *out;

  if (in)
    values = nn_inspector_probe_values (in, job->inputs, job->probe, &error);
  if (values && g_cancellable_set_error_if_cancelled (cancellable, &error))
    g_clear_pointer (&values, nn_tensor_free);
  out = values ? nn_project (values, &job->cfg, proj_progress_cb, job, job->explained, &error)
               : NULL;
  if (out)
    g_task_return_pointer (task, out, (GDestroyNotify) nn_tensor_free);
  else
    g_task_return_error (task, error);
}

static void
set_projecting (DsGenerateView *self,
                gboolean        on)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->compute_button), !on);
  gtk_widget_set_sensitive (GTK_WIDGET (self->cancel_button), on);
  gtk_widget_set_visible (GTK_WIDGET (self->proj_progress), on);
  /* Nothing to export until a projection is there. */
  gtk_widget_set_sensitive (self->export_button, !on && self->points != NULL);
}

static void
proj_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  DsGenerateView *self = DS_GENERATE_VIEW (source);
  ProjJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  NnTensor *out = g_task_propagate_pointer (G_TASK (result), &error);

  if (job->cancellable != self->proj_cancellable)
    {
      g_clear_pointer (&out, nn_tensor_free);
      return;
    }
  g_clear_object (&self->proj_cancellable);
  if (out == NULL)
    {
      /* The projection shown before stays, with its labels. */
      gboolean cancelled = g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

      gtk_label_set_text (self->proj_status,
                          !cancelled ? error->message
                          : self->points ? _("Cancelled: the projection before it is still shown")
                          : _("Cancelled"));
      set_projecting (self, FALSE);
      gtk_widget_queue_draw (self->scatter);
      return;
    }
  g_clear_pointer (&self->points, nn_tensor_free);
  g_clear_pointer (&self->proj_caption, g_free);
  self->points = out;
  g_free (self->labels);
  g_free (self->positions);
  self->labels = g_steal_pointer (&job->labels);
  self->positions = g_steal_pointer (&job->positions);
  self->n_classes = job->n_classes;
  set_projecting (self, FALSE);
  self->dims = job->cfg.dims;
  self->has_explained = job->cfg.method == NN_PROJECT_PCA;
  memcpy (self->explained, job->explained, sizeof self->explained);
  if (self->has_explained)
    {
      g_autoptr(GString) s = g_string_new (_("Explained variance:"));

      for (int k = 0; k < self->dims; k++)
        g_string_append_printf (s, _(" PC%d %.1f %%"), k + 1, 100 * self->explained[k]);
      gtk_label_set_text (self->explained_label, s->str);
    }
  else
    gtk_label_set_text (self->explained_label, "");
  {
    g_autofree char *text = g_strdup_printf (_("%d test samples, %s, %d-D"), out->shape[0],
                                             self->has_explained ? "PCA" : "t-SNE", self->dims);
    gtk_label_set_text (self->proj_status, text);
  }
  /* The exported picture says what it shows. */
  if (self->has_explained)
    {
      GString *c = g_string_new (NULL);

      g_string_printf (c, _("Layer %s · PCA %d-D ("), job->layer, self->dims);
      for (int k = 0; k < self->dims; k++)
        g_string_append_printf (c, _("%sPC%d %.1f %%"), k ? ", " : "", k + 1,
                                100 * self->explained[k]);
      g_string_append_printf (c, _(") · %d test samples"), out->shape[0]);
      self->proj_caption = g_string_free (c, FALSE);
    }
  else
    self->proj_caption = g_strdup_printf (_("Layer %s · t-SNE %d-D (perplexity %g, %d "
                                          "iterations) · %d test samples"),
                                          job->layer, self->dims, job->cfg.perplexity,
                                          job->cfg.iterations, out->shape[0]);
  self->hover = -1;
  gtk_widget_queue_draw (self->scatter);
}

void
ds_generate_view_project (DsGenerateView *self,
                          int             probe,
                          int             n,
                          gboolean        pca,
                          int             dims)
{
  NnDataset *ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  const NnArray *x;
  g_autoptr(GTask) task = NULL;
  ProjJob *job;
  int shape[NN_MAX_DIMS];

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (self->model == NULL || self->proj_cancellable)
    return;
  if (ds == NULL || ds->n_inputs < 1 || ds->n_test < 2)
    {
      gtk_label_set_text (self->proj_status,
                          _("No test split to project: load the model's dataset in the Data view"));
      return;
    }
  x = ds->inputs[0];
  n = CLAMP (n, 2, MIN (DS_GENERATE_MAX_POINTS, (int) ds->n_test));
  shape[0] = n;
  for (int d = 0; d < x->ndim; d++)
    shape[d + 1] = x->shape[d];
  job = g_new0 (ProjJob, 1);
  job->inputs = nn_tensor_new (x->ndim + 1, shape);
  job->labels = g_new (int, n);
  job->positions = g_new (guint32, n);
  job->n_classes = ds->n_classes;
  /* Evenly over the test split. */
  for (int i = 0; i < n; i++)
    {
      job->positions[i] = (guint32) ((guint64) i * ds->n_test / n);
      job->labels[i] = _ds_generate_test_label (ds, job->positions[i]);
    }
  for (int i = 0; i < n; i++)
    {
      guint32 sample = ds->test_idx[job->positions[i]];

      nn_array_gather (x, &sample, 1, job->inputs->data + (size_t) i * x->sample_size);
    }
  if (!_ds_generate_image_geometry (x->ndim, x->shape, &self->img_h, &self->img_w, &self->img_c))
    self->img_h = self->img_w = self->img_c = 0;
  job->model = nn_model_copy (self->model);
  job->probe = probe;
  job->layer = g_strdup (gtk_string_list_get_string (self->probe_names, (guint) MAX (probe, 0)));
  if (job->layer == NULL)
    job->layer = g_strdup_printf ("%d", probe);
  nn_project_config_init (&job->cfg);
  job->cfg.method = pca ? NN_PROJECT_PCA : NN_PROJECT_TSNE;
  job->cfg.dims = dims == 3 ? 3 : 2;
  job->cfg.perplexity = gtk_spin_button_get_value (self->perplexity);
  job->cfg.iterations = gtk_spin_button_get_value_as_int (self->iterations);
  job->cfg.seed = 1;
  self->proj_cancellable = g_cancellable_new ();
  job->cancellable = g_object_ref (self->proj_cancellable);
  job->view = g_object_ref (self);
  gtk_progress_bar_set_fraction (self->proj_progress, 0.05);
  gtk_label_set_text (self->proj_status, _("Computing…"));
  set_projecting (self, TRUE);
  task = g_task_new (self, self->proj_cancellable, proj_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) proj_job_free);
  ds_jobs_run_in_background (task, proj_thread);
}

static void
compute_cb (DsGenerateView *self)
{
  ds_generate_view_project (self, (int) gtk_drop_down_get_selected (self->probe_drop),
                            gtk_spin_button_get_value_as_int (self->n_samples),
                            gtk_drop_down_get_selected (self->method_drop) == 0,
                            gtk_drop_down_get_selected (self->dims_drop) == 1 ? 3 : 2);
}

static void
cancel_cb (DsGenerateView *self)
{
  if (self->proj_cancellable)
    g_cancellable_cancel (self->proj_cancellable);
}

/* ---- the scatter ------------------------------------------------------------ */

/* Point i in 0..1 × 0..1 (3-D: turned by yaw and pitch, then seen from
 * the front), with its depth. */
static void
point_xy (DsGenerateView *self,
          int             i,
          double         *u,
          double         *v,
          double         *depth)
{
  const float *p = self->points->data + (size_t) i * self->dims;
  int n = self->points->shape[0];
  double lo[3] = { G_MAXDOUBLE, G_MAXDOUBLE, G_MAXDOUBLE };
  double hi[3] = { -G_MAXDOUBLE, -G_MAXDOUBLE, -G_MAXDOUBLE };
  double q[3] = { 0 };

  /* Bounds each call are cheap beside drawing at 5,000 points. */
  for (int j = 0; j < n; j++)
    for (int k = 0; k < self->dims; k++)
      {
        lo[k] = MIN (lo[k], self->points->data[(size_t) j * self->dims + k]);
        hi[k] = MAX (hi[k], self->points->data[(size_t) j * self->dims + k]);
      }
  for (int k = 0; k < self->dims; k++)
    q[k] = hi[k] > lo[k] ? (p[k] - lo[k]) / (hi[k] - lo[k]) * 2 - 1 : 0;
  if (self->dims == 3)
    {
      double cy = cos (self->yaw), sy = sin (self->yaw), cp = cos (self->pitch),
             sp = sin (self->pitch);
      double x = cy * q[0] + sy * q[2], z = -sy * q[0] + cy * q[2];
      double y = cp * q[1] - sp * z;

      z = sp * q[1] + cp * z;
      q[0] = x / 1.8, q[1] = y / 1.8, q[2] = z;
    }
  *u = (q[0] + 1) / 2;
  *v = 1 - (q[1] + 1) / 2;
  *depth = q[2];
}

#define LEGEND_W 130
#define PAD 16
#define CAPTION_H 22

/* The plot's width and height inside a width x height scatter: room is
 * kept for the legend and, once there is one, the caption. */
static void
plot_size (DsGenerateView *self,
           int             width,
           int             height,
           double         *pw,
           double         *ph)
{
  *pw = width - LEGEND_W - 2 * PAD;
  *ph = height - 2 * PAD - (self->proj_caption ? CAPTION_H : 0);
}

static void
draw_scatter (cairo_t  *cr,
              int       width,
              int       height,
              gpointer  data)
{
  DsGenerateView *self = data;
  double pw, ph;
  NnDataset *ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  int n;

  plot_size (self, width, height, &pw, &ph);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (self->points == NULL && pw >= 10 && ph >= 10)
    {
      cairo_text_extents_t te;
      const char *hint = self->proj_cancellable ? _("Projecting…")
                         : _("Choose a layer and a method, then press Compute");

      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 13);
      cairo_text_extents (cr, hint, &te);
      cairo_set_source_rgb (cr, 0.45, 0.45, 0.45);
      cairo_move_to (cr, PAD + (pw - te.width) / 2 - te.x_bearing, PAD + ph / 2);
      cairo_show_text (cr, hint);
      return;
    }
  if (self->points == NULL || pw < 10 || ph < 10)
    return;
  n = self->points->shape[0];
  for (int i = 0; i < n; i++)
    {
      double u, v, z, rgb[3] = { 0.5, 0.5, 0.5 };

      point_xy (self, i, &u, &v, &z);
      if (self->labels[i] >= 0)
        ds_colors_class_rgb (self->labels[i], rgb);
      cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], self->dims == 3 ? 0.5 + 0.3 * z : 0.75);
      cairo_arc (cr, PAD + u * pw, PAD + v * ph, 2.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  /* The hovered point last, opaque and ringed: drawn in its turn it sank
   * under the points after it, and in 3-D under its depth's transparency. */
  if (self->hover >= 0 && self->hover < n)
    {
      double u, v, z, rgb[3] = { 0.5, 0.5, 0.5 };

      point_xy (self, self->hover, &u, &v, &z);
      if (self->labels[self->hover] >= 0)
        ds_colors_class_rgb (self->labels[self->hover], rgb);
      cairo_arc (cr, PAD + u * pw, PAD + v * ph, 6, 0, 2 * G_PI);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0.05, 0.05, 0.05);
      cairo_set_line_width (cr, 2);
      cairo_stroke (cr);
    }
  if (self->proj_caption)
    {
      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 12);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      cairo_move_to (cr, PAD, height - PAD / 2.0 - 4);
      cairo_show_text (cr, self->proj_caption);
    }
  /* The legend. */
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 12);
  for (int c = 0; c < self->n_classes; c++)
    {
      double rgb[3];
      g_autofree char *name = ds && ds->class_names && ds->class_names[c]
                              ? g_strdup (ds->class_names[c]) : g_strdup_printf (_("Class %d"), c);

      ds_colors_class_rgb (c, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_arc (cr, width - LEGEND_W + 8, PAD + 18 * c + 6, 5, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, width - LEGEND_W + 18, PAD + 18 * c + 10);
      cairo_show_text (cr, name);
    }
}

static void
scatter_draw_cb (GtkDrawingArea *area,
                 cairo_t        *cr,
                 int             width,
                 int             height,
                 gpointer        data)
{
  draw_scatter (cr, width, height, data);
}

static int
point_at (DsGenerateView *self,
          double          x,
          double          y)
{
  int width = gtk_widget_get_width (self->scatter), height = gtk_widget_get_height (self->scatter);
  double pw, ph, best = 64;
  int found = -1;

  plot_size (self, width, height, &pw, &ph);
  if (self->points == NULL)
    return -1;
  for (int i = 0; i < self->points->shape[0]; i++)
    {
      double u, v, z, d;

      point_xy (self, i, &u, &v, &z);
      d = pow (PAD + u * pw - x, 2) + pow (PAD + v * ph - y, 2);
      if (d < best)
        best = d, found = i;
    }
  return found;
}

static void
hover_area_draw_cb (GtkDrawingArea *area,
                    cairo_t        *cr,
                    int             width,
                    int             height,
                    gpointer        data)
{
  DsGenerateView *self = data;
  cairo_surface_t *s;
  double scale;

  if (self->hover_image == NULL || self->img_h == 0)
    return;
  s = _ds_generate_image_surface (self->hover_image->data, self->img_h, self->img_w, self->img_c,
                                  TRUE);
  scale = MIN ((double) width / self->img_w, (double) height / self->img_h);
  cairo_translate (cr, (width - self->img_w * scale) / 2, (height - self->img_h * scale) / 2);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_surface_destroy (s);
}

void
ds_generate_view_hover_point (DsGenerateView *self,
                              int             i)
{
  NnDataset *ds = self->dataset ? ds_dataset_get (self->dataset) : NULL;
  g_autofree char *text = NULL;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (self->points == NULL || i < 0 || i >= self->points->shape[0] || ds == NULL)
    i = -1;
  if (i == self->hover)
    return;
  self->hover = i;
  g_clear_pointer (&self->hover_image, nn_tensor_free);
  if (i >= 0 && self->positions[i] < ds->n_test)
    {
      const NnArray *x = ds->inputs[0];
      guint32 sample = ds->test_idx[self->positions[i]];
      int cls = self->labels[i];
      int shape[NN_MAX_DIMS] = { 1 };

      for (int d = 0; d < x->ndim; d++)
        shape[d + 1] = x->shape[d];
      self->hover_image = nn_tensor_new (x->ndim + 1, shape);
      nn_array_gather (x, &sample, 1, self->hover_image->data);
      text = g_strdup_printf (_("Test image %u: %s\nClick to open it in the Inspect view"),
                              self->positions[i],
                              cls >= 0 && ds->class_names && ds->class_names[cls]
                              ? ds->class_names[cls] : _("no label"));
    }
  gtk_label_set_text (self->hover_label, text ? text : _("Hover a point to see its input"));
  gtk_widget_queue_draw (self->hover_area);
  gtk_widget_queue_draw (self->scatter);
}

void
ds_generate_view_click_point (DsGenerateView *self,
                              int             i)
{
  DsDocument *doc = ds_view_get_document (DS_VIEW (self));

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (doc && self->points && i >= 0 && i < self->points->shape[0])
    ds_document_inspect_sample (doc, self->positions[i]);
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           DsGenerateView           *self)
{
  ds_generate_view_hover_point (self, point_at (self, x, y));
}

/* The pointer left the scatter: nothing is hovered any more. */
static void
leave_cb (GtkEventControllerMotion *motion,
          DsGenerateView           *self)
{
  ds_generate_view_hover_point (self, -1);
}

static void
drag_begin_cb (GtkGestureDrag *drag,
               double          x,
               double          y,
               DsGenerateView *self)
{
  self->drag_yaw = self->yaw;
  self->drag_pitch = self->pitch;
}

static void
drag_update_cb (GtkGestureDrag *drag,
                double          dx,
                double          dy,
                DsGenerateView *self)
{
  if (self->dims != 3)
    return;
  self->yaw = self->drag_yaw + dx * 0.01;
  self->pitch = CLAMP (self->drag_pitch + dy * 0.01, -G_PI / 2, G_PI / 2);
  gtk_widget_queue_draw (self->scatter);
}

static void
drag_end_cb (GtkGestureDrag *drag,
             double          dx,
             double          dy,
             DsGenerateView *self)
{
  double x, y;

  /* A press without a move is a click. */
  if (fabs (dx) < 3 && fabs (dy) < 3 && gtk_gesture_drag_get_start_point (drag, &x, &y))
    ds_generate_view_click_point (self, point_at (self, x, y));
}

gboolean
ds_generate_view_export_scatter (DsGenerateView *self,
                                 DsExportFormat  format,
                                 const char     *path,
                                 GError        **error)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  if (self->points == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("There is no projection to export yet: choose a layer and press Compute"));
      return FALSE;
    }
  return ds_export_drawing (draw_scatter, self, 720, 540, format, path, error);
}

void
ds_generate_view_export_scatter_accept (DsGenerateView *self,
                                        const char     *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  DsExportFormat format = g_str_has_suffix (path, ".svg") ? DS_EXPORT_SVG : DS_EXPORT_PNG;

  g_return_if_fail (DS_IS_GENERATE_VIEW (self));
  if (!ds_generate_view_export_scatter (self, format, path, &error))
    {
      _ds_generate_view_toast (self, error->message);
      return;
    }
  text = g_strdup_printf (_("Exported %s"), path);
  _ds_generate_view_toast (self, text);
}

static void
export_chosen_cb (GFile    *file,
                  gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    ds_generate_view_export_scatter_accept (data, path);
}

static void
export_cb (DsGenerateView *self)
{
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Export the Scatter (PNG or SVG)"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), "projection.svg", NULL,
                        export_chosen_cb, self);
}

/* ---- the model's layers and the layout -------------------------------------- */

void
_ds_generate_projector_model_changed (DsGenerateView *self)
{
  g_autoptr(NnInspector) in = self->model ? nn_inspector_new (self->model, NULL) : NULL;
  guint old = gtk_drop_down_get_selected (self->probe_drop);
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->probe_names));
  int n = in ? nn_inspector_get_n_probes (in) : 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  for (int i = 0; i < n; i++)
    g_ptr_array_add (names, g_strdup (nn_inspector_get_probe (in, i)->path));
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->probe_names, 0, n_old, (const char * const *) names->pdata);
  /* The last layer before the output by default: its features separate the classes. */
  if (n > 0)
    gtk_drop_down_set_selected (self->probe_drop,
                                old < (guint) n && n_old == (guint) n ? old : (guint) MAX (0, n - 2));
}

static GtkWidget *
labelled (const char *text,
          GtkWidget  *widget)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *l = gtk_label_new (text);

  gtk_widget_set_hexpand (l, TRUE);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_box_append (GTK_BOX (box), l);
  gtk_box_append (GTK_BOX (box), widget);
  return box;
}

GtkWidget *
_ds_generate_projector_build (DsGenerateView *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *left = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *right = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *export = gtk_button_new_with_mnemonic (_("_Export…"));

  self->export_button = export;
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkGesture *drag = gtk_gesture_drag_new ();

  gtk_widget_set_margin_start (left, 12);
  gtk_widget_set_margin_end (left, 12);
  gtk_widget_set_margin_top (left, 8);
  gtk_widget_set_size_request (left, 300, -1);
  self->probe_names = gtk_string_list_new (NULL);
  self->probe_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (self->probe_names), NULL));
  self->n_samples = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (2, DS_GENERATE_MAX_POINTS, 100));
  gtk_spin_button_set_value (self->n_samples, 1000);
  self->method_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings ((const char *[]) { "PCA", "t-SNE", NULL }));
  self->dims_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings ((const char *[]) { "2-D", "3-D", NULL }));
  self->perplexity = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (2, 100, 1));
  gtk_spin_button_set_value (self->perplexity, 30);
  self->iterations = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (50, 5000, 50));
  gtk_spin_button_set_value (self->iterations, 1000);
  gtk_box_append (GTK_BOX (left), labelled (_("Layer"), GTK_WIDGET (self->probe_drop)));
  gtk_box_append (GTK_BOX (left), labelled (_("Test samples"), GTK_WIDGET (self->n_samples)));
  gtk_box_append (GTK_BOX (left), labelled (_("Method"), GTK_WIDGET (self->method_drop)));
  gtk_box_append (GTK_BOX (left), labelled (_("Dimensions"), GTK_WIDGET (self->dims_drop)));
  gtk_box_append (GTK_BOX (left), labelled (_("t-SNE perplexity"), GTK_WIDGET (self->perplexity)));
  gtk_box_append (GTK_BOX (left), labelled (_("t-SNE iterations"), GTK_WIDGET (self->iterations)));
  self->compute_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Compute")));
  gtk_widget_add_css_class (GTK_WIDGET (self->compute_button), "suggested-action");
  self->cancel_button = GTK_BUTTON (gtk_button_new_with_mnemonic (_("_Cancel")));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->compute_button));
  gtk_box_append (GTK_BOX (buttons), GTK_WIDGET (self->cancel_button));
  gtk_box_append (GTK_BOX (buttons), export);
  gtk_box_append (GTK_BOX (left), buttons);
  self->proj_progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_box_append (GTK_BOX (left), GTK_WIDGET (self->proj_progress));
  self->proj_status = GTK_LABEL (gtk_label_new (NULL));
  self->explained_label = GTK_LABEL (gtk_label_new (NULL));
  self->hover_label = GTK_LABEL (gtk_label_new (_("Hover a point to see its input")));
  for (GtkLabel *l = self->proj_status; l; l = l == self->proj_status ? self->explained_label
                                              : l == self->explained_label ? self->hover_label : NULL)
    {
      gtk_label_set_wrap (l, TRUE);
      gtk_label_set_xalign (l, 0);
      gtk_box_append (GTK_BOX (left), GTK_WIDGET (l));
    }
  self->hover_area = gtk_drawing_area_new ();
  gtk_widget_set_size_request (self->hover_area, 160, 160);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->hover_area), hover_area_draw_cb, self, NULL);
  gtk_box_append (GTK_BOX (left), self->hover_area);
  g_signal_connect_swapped (self->compute_button, "clicked", G_CALLBACK (compute_cb), self);
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_cb), self);
  g_signal_connect_swapped (export, "clicked", G_CALLBACK (export_cb), self);

  self->scatter = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (self->scatter, TRUE);
  gtk_widget_set_vexpand (self->scatter, TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->scatter), scatter_draw_cb, self, NULL);
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (self->scatter, motion);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (self->scatter, GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_margin_top (right, 8);
  gtk_widget_set_margin_end (right, 12);
  gtk_widget_set_margin_bottom (right, 12);
  gtk_box_append (GTK_BOX (right), self->scatter);

  gtk_paned_set_start_child (GTK_PANED (paned), left);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (paned), FALSE);
  gtk_paned_set_end_child (GTK_PANED (paned), right);
  set_projecting (self, FALSE);
  return paned;
}

void
_ds_generate_projector_dispose (DsGenerateView *self)
{
  if (self->proj_cancellable)
    g_cancellable_cancel (self->proj_cancellable);
  g_clear_object (&self->proj_cancellable);
  g_clear_pointer (&self->proj_caption, g_free);
}

/* ---- for the tests ---------------------------------------------------------- */

gboolean
ds_generate_view_is_projecting (DsGenerateView *self)
{
  return self->proj_cancellable != NULL;
}

int
ds_generate_view_get_n_points (DsGenerateView *self)
{
  return self->points ? self->points->shape[0] : 0;
}

const double *
ds_generate_view_get_explained (DsGenerateView *self)
{
  return self->has_explained ? self->explained : NULL;
}

const char *
ds_generate_view_get_proj_status (DsGenerateView *self)
{
  return gtk_label_get_text (self->proj_status);
}

const char *
ds_generate_view_get_hover_label (DsGenerateView *self)
{
  return gtk_label_get_text (self->hover_label);
}

const NnTensor *
ds_generate_view_get_hover_image (DsGenerateView *self)
{
  return self->hover_image;
}

gboolean
ds_generate_view_get_point_position (DsGenerateView *self,
                                     int             i,
                                     int             width,
                                     int             height,
                                     double         *x,
                                     double         *y)
{
  double pw, ph, u, v, z;

  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), FALSE);
  if (self->points == NULL || i < 0 || i >= self->points->shape[0])
    return FALSE;
  plot_size (self, width, height, &pw, &ph);
  point_xy (self, i, &u, &v, &z);
  *x = PAD + u * pw;
  *y = PAD + v * ph;
  return TRUE;
}

const char *
ds_generate_view_get_scatter_caption (DsGenerateView *self)
{
  g_return_val_if_fail (DS_IS_GENERATE_VIEW (self), NULL);
  return self->proj_caption;
}
