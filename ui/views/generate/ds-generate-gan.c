/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The GAN page: a generator and a discriminator (the ring samples until the
 * person opens others) trained adversarially as a DsTrainingRun on the
 * trainer's thread. Live: both losses and D's accuracy on real and on
 * generated samples; at every snapshot, what G makes of fixed latent
 * points: for 2-D data the points over D's decision map (GAN Lab's view),
 * for images a grid and its diversity (nn_gan_diversity). The page's state
 * hangs on the view (g_object_set_data_full). */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>

#include "ds-colors.h"
#include "ds-export.h"
#include "ds-file-chooser.h"
#include "ds-generate-gan.h"
#include "ds-generate-view-private.h"
#include "ds-jobs.h"
#include "ds-util.h"

#define PAGE_KEY      "ds-generate-gan-page"
#define MAP_CELLS     64      /* D's decision map: cells per side */
#define MAP_SPAN      1.25    /* the plane shown: [-span, span]² */
#define LATENT_SEED   1
#define SNAPSHOT_EVERY 25     /* generator steps between pictures */
#define CHART_TITLE   18      /* pixels above each chart panel for its title */
#define CHART_SMOOTHING 0.8

typedef struct
{
  DsGenerateView *view;
  NnModel        *g, *d;           /* the pair to train (their files' models) */
  char           *g_name, *d_name;
  DsTrainingRun  *run;
  GtkLabel       *g_label, *d_label, *status, *figures, *pair_problem;
  GtkSpinButton  *steps, *d_steps, *smoothing, *flip, *noise;
  GtkWidget      *train, *pause, *step, *stop, *save, *export_picture, *export_charts;
  GtkWidget      *chart, *picture;
  gboolean        choosing_g;
  gboolean        step_after_load; /* Step before a run: start paused, one step */
  char           *pair_error;      /* why the pair does not fit, or NULL */
  GtkFileChooserNative *chooser;
  GCancellable   *loading;         /* the dataset being read at Train, or NULL */
  NnTensor       *z;               /* the fixed latent points */
  NnTensor       *samples;         /* what G made of them */
  NnTensor       *real;            /* up to DS_GAN_POINTS real points (2-D data) */
  float           map[MAP_CELLS * MAP_CELLS];
  gboolean        has_map;
  double          diversity;
  guint           n_updates;
  char           *status_text;
} GanPage;

static GanPage *
page_of (DsGenerateView *self)
{
  return g_object_get_data (G_OBJECT (self), PAGE_KEY);
}

static void
stop_run (GanPage *p)
{
  if (p->run == NULL)
    return;
  g_signal_handlers_disconnect_by_data (p->run, p);
  ds_training_run_stop (p->run);
  g_clear_object (&p->run);
}

static void
gan_page_free (GanPage *p)
{
  if (p->loading)
    g_cancellable_cancel (p->loading);
  g_clear_object (&p->loading);
  stop_run (p);
  nn_model_free (p->g);
  nn_model_free (p->d);
  g_free (p->g_name);
  g_free (p->d_name);
  g_clear_pointer (&p->z, nn_tensor_free);
  g_clear_pointer (&p->samples, nn_tensor_free);
  g_clear_pointer (&p->real, nn_tensor_free);
  g_free (p->status_text);
  g_free (p->pair_error);
  g_free (p);
}

static void
set_status (GanPage    *p,
            const char *text)
{
  g_free (p->status_text);
  p->status_text = g_strdup (text);
  gtk_label_set_text (p->status, text ? text : "");
}

/* The dataset's first input as the picture reads it: 2 values (points) or
 * an image (h, w, c). */
static gboolean
is_plane (const NnModel *d)
{
  int ndim = 0, shape[NN_MAX_DIMS];

  return d && nn_model_get_shape (d, (NnRef) { nn_model_get_input_layer (d, 0), 0, 0 },
                                  &ndim, shape)
         && ndim == 1 && shape[0] == 2;
}

static void
update_buttons (GanPage *p)
{
  gboolean live = p->run && ds_training_run_is_live (p->run);
  gboolean loading = p->loading != NULL;
  gboolean paused = live && ds_training_run_get_state (p->run) == DS_RUN_PAUSED;

  gboolean fits = p->g && p->d && !p->pair_error;

  gtk_widget_set_sensitive (p->train, !live && !loading && fits);
  gtk_widget_set_sensitive (p->pause, live);
  gtk_button_set_label (GTK_BUTTON (p->pause), paused ? _("Resume") : _("Pause"));
  gtk_widget_set_sensitive (p->step, paused || (!live && !loading && fits));
  gtk_widget_set_sensitive (p->stop, live || loading);
  gtk_widget_set_sensitive (p->save, p->run && ds_training_run_get_discriminator (p->run));
  gtk_widget_set_sensitive (p->export_picture, p->samples != NULL);
  gtk_widget_set_sensitive (p->export_charts, p->run != NULL);
  gtk_label_set_text (p->g_label, p->g_name ? p->g_name : _("none"));
  gtk_label_set_text (p->d_label, p->d_name ? p->d_name : _("none"));
  gtk_label_set_text (p->pair_problem, p->pair_error ? p->pair_error : "");
  gtk_widget_set_visible (GTK_WIDGET (p->pair_problem), p->pair_error != NULL);
}

/* ---- the picture ------------------------------------------------------------ */

/* D's probability of "real" over the plane shown, row 0 at the top. */
static void
compute_map (GanPage *p,
             NnModel *d)
{
  int shape[2] = { MAP_CELLS * MAP_CELLS, 2 };
  g_autoptr(NnTensor) grid = nn_tensor_new (2, shape);
  g_autoptr(NnTensor) out = NULL;

  for (int r = 0; r < MAP_CELLS; r++)
    for (int c = 0; c < MAP_CELLS; c++)
      {
        float *xy = grid->data + 2 * (r * MAP_CELLS + c);

        xy[0] = (float) (-MAP_SPAN + (c + 0.5) * 2 * MAP_SPAN / MAP_CELLS);
        xy[1] = (float) (MAP_SPAN - (r + 0.5) * 2 * MAP_SPAN / MAP_CELLS);
      }
  out = nn_model_run (d, &grid, 1, nn_model_get_output (d, 0), NULL);
  p->has_map = out != NULL;
  if (out)
    memcpy (p->map, out->data, sizeof p->map);
}

/* What the run's latest generator makes of the fixed latent points, and
 * for 2-D data the latest discriminator's map. */
static void
refresh_picture (GanPage *p)
{
  NnModel *g = ds_training_run_get_snapshot (p->run);
  NnModel *d = ds_training_run_get_discriminator (p->run);
  NnTensor *fake;

  if (!g && ds_training_run_get_result (p->run))
    g = ds_training_run_get_result (p->run);
  if (!g || !p->z || !(fake = nn_gan_generate (g, p->z, NULL)))
    return;
  g_clear_pointer (&p->samples, nn_tensor_free);
  p->samples = fake;
  p->diversity = nn_gan_diversity (fake->data, fake->shape[0], fake->size / fake->shape[0]);
  if (d && is_plane (d))
    compute_map (p, d);
  p->n_updates++;
  gtk_widget_queue_draw (p->picture);
  update_buttons (p);
}

static void
plane_xy (int width, int height, double x, double y, double *px, double *py)
{
  double side = MIN (width, height);

  *px = (width - side) / 2 + (x + MAP_SPAN) / (2 * MAP_SPAN) * side;
  *py = (height - side) / 2 + (MAP_SPAN - y) / (2 * MAP_SPAN) * side;
}

static void
draw_points (cairo_t *cr, const NnTensor *t, int n, int width, int height, double r, double g,
             double b)
{
  cairo_set_source_rgb (cr, r, g, b);
  for (int i = 0; i < n; i++)
    {
      double x, y;

      plane_xy (width, height, t->data[2 * i], t->data[2 * i + 1], &x, &y);
      cairo_rectangle (cr, x - 1.5, y - 1.5, 3, 3);
    }
  cairo_fill (cr);
}

/* GAN Lab's view: pale green where D says real, pale purple where it says
 * generated; real points green, generated ones purple. */
static void
draw_plane (GanPage *p, cairo_t *cr, int width, int height)
{
  double x0, y0, x1, y1;

  plane_xy (width, height, -MAP_SPAN, MAP_SPAN, &x0, &y0);
  plane_xy (width, height, MAP_SPAN, -MAP_SPAN, &x1, &y1);
  if (p->has_map)
    {
      double cell = (x1 - x0) / MAP_CELLS;

      for (int r = 0; r < MAP_CELLS; r++)
        for (int c = 0; c < MAP_CELLS; c++)
          {
            double v = CLAMP (p->map[r * MAP_CELLS + c], 0, 1);

            cairo_set_source_rgb (cr, (v * 196 + (1 - v) * 226) / 255,
                                  (v * 232 + (1 - v) * 206) / 255,
                                  (v * 196 + (1 - v) * 238) / 255);
            cairo_rectangle (cr, x0 + c * cell, y0 + r * cell, cell + 0.5, cell + 0.5);
            cairo_fill (cr);
          }
    }
  if (p->real)
    draw_points (cr, p->real, p->real->shape[0], width, height, 0.12, 0.51, 0.24);
  if (p->samples && p->samples->ndim == 2 && p->samples->shape[1] == 2)
    draw_points (cr, p->samples, p->samples->shape[0], width, height, 0.47, 0.16, 0.63);
}

static void
draw_grid (GanPage *p, cairo_t *cr, int width, int height)
{
  int h, w, c, cols = (int) ceil (sqrt (DS_GAN_IMAGES));
  const NnTensor *s = p->samples;

  if (!s || !_ds_generate_image_geometry (s->ndim - 1, s->shape + 1, &h, &w, &c))
    return;
  double tile = MIN (width, height) / (double) cols;
  size_t per = s->size / s->shape[0];
  /* centred like the plane */
  double left = (width - tile * cols) / 2, top = (height - tile * cols) / 2;
  g_autofree float *img = g_new (float, per);

  for (int k = 0; k < s->shape[0] && k < cols * cols; k++)
    {
      /* tanh images are in [-1, 1] */
      for (size_t i = 0; i < per; i++)
        img[i] = (s->data[k * per + i] + 1) / 2;
      cairo_surface_t *surf = _ds_generate_image_surface (img, h, w, c, FALSE);
      cairo_save (cr);
      cairo_translate (cr, left + (k % cols) * tile + 1, top + (k / cols) * tile + 1);
      cairo_scale (cr, (tile - 2) / w, (tile - 2) / h);
      cairo_set_source_surface (cr, surf, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (surf);
    }
}

static void
draw_picture_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  GanPage *p = data;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (is_plane (p->d))
    draw_plane (p, cr, width, height);
  else
    draw_grid (p, cr, width, height);
}

/* ---- the charts ------------------------------------------------------------- */

static void
draw_series (cairo_t *cr, DsTrainingRun *run, const char *key, double x_max, double y_max,
             double top, double w, double h, double r, double g, double b)
{
  DsMetricSeries *s = ds_training_run_get_series (run, key);
  guint n = 0;
  const DsPoint *pts = s ? ds_metric_series_get_points (s, &n) : NULL;

  if (n < 2)
    return;
  /* per-batch figures are noisy: drawn smoothed, as TensorBoard does */
  g_autofree double *ys = g_new (double, n);
  ds_smooth_ema (pts, n, CHART_SMOOTHING, ys);
  cairo_new_path (cr);
  cairo_set_source_rgb (cr, r, g, b);
  cairo_set_line_width (cr, 1.5);
  for (guint i = 0; i < n; i++)
    {
      double y = isfinite (ys[i]) ? CLAMP (ys[i] / y_max, 0, 1) : 1;

      cairo_line_to (cr, 40 + pts[i].x / x_max * (w - 48), top + h - y * h);
    }
  cairo_stroke (cr);
}

static void
draw_panel_frame (cairo_t *cr, double top, double w, double h, const char *title,
                  const char *y_top)
{
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, 40.5, top + 0.5, w - 48, h);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  cairo_move_to (cr, 40, top - 5);
  cairo_show_text (cr, title);
  cairo_move_to (cr, 4, top + 10);
  cairo_show_text (cr, y_top);
  cairo_move_to (cr, 4, top + h);
  cairo_show_text (cr, "0");
  cairo_new_path (cr);
}

/* Top: d_loss (red) and g_loss (blue), 0 to 3; bottom: D's accuracy on
 * real (green) and generated (purple) batches, 0 to 1; each over the whole
 * run so far. */
static void
draw_chart_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer data)
{
  GanPage *p = data;
  double h = (height - 2 * CHART_TITLE - 8) / 2.0, x_max = 1, top2 = 2 * CHART_TITLE + h + 4;
  DsMetricSeries *s = p->run ? ds_training_run_get_series (p->run, "batch/g_loss") : NULL;
  double x0, x1, y0, y1;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_set_font_size (cr, 11);
  draw_panel_frame (cr, CHART_TITLE, width, h, _("d_loss (red), g_loss (blue)"), "3");
  draw_panel_frame (cr, top2, width, h, _("D accuracy: real (green), generated (purple)"), "1");
  if (!s || !ds_metric_series_get_bounds (s, FALSE, &x0, &x1, &y0, &y1))
    return;
  x_max = MAX (x1, 1e-9);
  draw_series (cr, p->run, "batch/d_loss", x_max, 3, CHART_TITLE, width, h, 0.8, 0.2, 0.2);
  draw_series (cr, p->run, "batch/g_loss", x_max, 3, CHART_TITLE, width, h, 0.2, 0.35, 0.8);
  draw_series (cr, p->run, "batch/d_acc_real", x_max, 1, top2, width, h, 0.12, 0.51, 0.24);
  draw_series (cr, p->run, "batch/d_acc_fake", x_max, 1, top2, width, h, 0.47, 0.16, 0.63);
}

/* ---- the run ------------------------------------------------------------------ */

static double
series_last (DsTrainingRun *run, const char *key)
{
  DsMetricSeries *s = ds_training_run_get_series (run, key);
  guint n = 0;
  const DsPoint *pts = s ? ds_metric_series_get_points (s, &n) : NULL;

  return n ? pts[n - 1].y : NAN;
}

/* The footer of a live run: what the buttons do now. */
static void
show_run_status (GanPage *p)
{
  g_autofree char *text = NULL;

  if (!p->run || !ds_training_run_is_live (p->run))
    return;
  if (ds_training_run_get_state (p->run) == DS_RUN_PAUSED)
    {
      text = g_strdup_printf (_("Paused at step %ld: Resume or Step"),
                              ds_training_run_get_step (p->run));
      set_status (p, text);
    }
  else
    set_status (p, _("Training: the picture follows every 25 generator steps"));
}

static void
progress_cb (GanPage *p)
{
  g_autofree char *text = g_strdup_printf (
    _("Step %ld of %d · d_loss %.3f · g_loss %.3f · D accuracy: real %.2f, generated %.2f"),
    ds_training_run_get_step (p->run), gtk_spin_button_get_value_as_int (p->steps),
    series_last (p->run, "batch/d_loss"), series_last (p->run, "batch/g_loss"),
    series_last (p->run, "batch/d_acc_real"), series_last (p->run, "batch/d_acc_fake"));
  g_autofree char *div = is_plane (p->d) ? NULL
                         : g_strdup_printf (_(" · diversity of the grid %.3f"), p->diversity);

  g_autofree char *all = g_strconcat (text, div, NULL);
  gtk_label_set_text (p->figures, all);
  gtk_widget_queue_draw (p->chart);
  show_run_status (p);
  update_buttons (p);
}

static void
ended_cb (GanPage *p)
{
  const GError *e = ds_training_run_get_error (p->run);

  refresh_picture (p);
  progress_cb (p);
  set_status (p, e ? e->message : ds_training_run_get_end_text (p->run));
}

static void
state_cb (GanPage *p)
{
  show_run_status (p);
  update_buttons (p);
}

/* The real points drawn under the generated ones (2-D data). */
static void
take_real_points (GanPage *p, NnDataset *ds)
{
  int shape[2] = { 0, 2 };

  g_clear_pointer (&p->real, nn_tensor_free);
  if (!is_plane (p->d) || ds->n_inputs < 1 || ds->inputs[0]->sample_size != 2)
    return;
  shape[0] = (int) MIN (ds->n_train, (size_t) DS_GAN_POINTS);
  p->real = nn_tensor_new (2, shape);
  nn_array_gather (ds->inputs[0], ds->train_idx, (size_t) shape[0], p->real->data);
}

/* Starts the run on ds (taken). */
static gboolean
start_run (GanPage *p, NnDataset *ds_in, GError **error)
{
  g_autoptr(NnDataset) ds = ds_in;
  g_autoptr(DsDataset) dataset = NULL;
  NnTrainDefaults *def = nn_model_get_defaults (p->d);
  NnGanConfig cfg;
  int latent;

  if ((latent = nn_gan_model_latent_dim (p->g, error)) <= 0)
    return FALSE;
  nn_gan_config_init (&cfg);
  cfg.steps = gtk_spin_button_get_value_as_int (p->steps);
  cfg.d_steps = gtk_spin_button_get_value_as_int (p->d_steps);
  cfg.label_smoothing = gtk_spin_button_get_value (p->smoothing);
  cfg.label_flip = gtk_spin_button_get_value (p->flip);
  cfg.label_noise = gtk_spin_button_get_value (p->noise);
  cfg.batch_size = def->batch_size > 0 ? def->batch_size : 64;
  cfg.seed = def->seed ? def->seed : 1;
  cfg.snapshot_every = SNAPSHOT_EVERY;
  take_real_points (p, ds);
  dataset = ds_dataset_new_take (g_steal_pointer (&ds));
  stop_run (p);
  p->run = ds_training_run_new_gan ("GAN", p->g, p->d, dataset, &cfg);
  g_signal_connect_swapped (p->run, "progress", G_CALLBACK (progress_cb), p);
  g_signal_connect_swapped (p->run, "snapshot", G_CALLBACK (refresh_picture), p);
  g_signal_connect_swapped (p->run, "ended", G_CALLBACK (ended_cb), p);
  g_signal_connect_swapped (p->run, "notify::state", G_CALLBACK (state_cb), p);
  g_clear_pointer (&p->z, nn_tensor_free);
  p->z = nn_gan_latent_points (is_plane (p->d) ? DS_GAN_POINTS : DS_GAN_IMAGES, latent,
                               LATENT_SEED);
  g_clear_pointer (&p->samples, nn_tensor_free);
  p->has_map = FALSE;
  p->n_updates = 0;
  gtk_widget_queue_draw (p->picture);
  if (!(p->step_after_load ? ds_training_run_start_paused (p->run, error)
                           : ds_training_run_start (p->run, error)))
    {
      g_clear_object (&p->run);
      return FALSE;
    }
  /* listed and saved with the document's other runs */
  if (ds_view_get_document (DS_VIEW (p->view)))
    ds_document_add_run (ds_view_get_document (DS_VIEW (p->view)), p->run);
  return TRUE;
}

/* Worker thread: the discriminator's dataset (Fashion-MNIST takes seconds
 * to read and decompress, which the main loop must not wait for). */
static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      spec,
             GCancellable *cancellable)
{
  GError *error = NULL;
  NnDataset *ds = nn_dataset_open (spec, cancellable, &error);

  if (ds)
    g_task_return_pointer (task, ds, (GDestroyNotify) nn_dataset_free);
  else
    g_task_return_error (task, error);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GanPage *p = page_of (DS_GENERATE_VIEW (source));
  GCancellable *cancellable = g_task_get_cancellable (G_TASK (result));
  g_autoptr(GError) error = NULL;
  NnDataset *ds = g_task_propagate_pointer (G_TASK (result), &error);

  if (p == NULL || cancellable != p->loading)
    {
      g_clear_pointer (&ds, nn_dataset_free);
      return;
    }
  g_clear_object (&p->loading);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_clear_pointer (&ds, nn_dataset_free);
      set_status (p, _("Stopped"));
    }
  else if (ds == NULL)
    set_status (p, error->message);
  else if (!start_run (p, ds, &error))
    set_status (p, error->message);
  else
    show_run_status (p);
  p->step_after_load = FALSE;
  update_buttons (p);
}

/* Reads the data, then starts the run (paused after one step when
 * step_only, as the Train view's Step does before a start). */
static void
start_training (GanPage *p, gboolean step_only)
{
  const char *spec = p->d ? nn_model_get_dataset (p->d) : NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *text = NULL;

  if (p->loading || (p->run && ds_training_run_is_live (p->run)) || !p->g)
    return;
  if (p->pair_error)
    {
      set_status (p, p->pair_error);
      return;
    }
  if (!spec)
    {
      set_status (p, _("The discriminator names no dataset: its file's \"dataset\" is the "
                       "real data"));
      return;
    }
  p->loading = g_cancellable_new ();
  p->step_after_load = step_only;
  text = g_strdup_printf (_("Loading %s…"), spec);
  set_status (p, text);
  task = g_task_new (p->view, p->loading, loaded_cb, NULL);
  g_task_set_task_data (task, g_strdup (spec), g_free);
  ds_jobs_run_in_background (task, load_thread);
  update_buttons (p);
}

static void
train_clicked_cb (GanPage *p)
{
  start_training (p, FALSE);
}

/* One generator step with its discriminator steps; the run's snapshot of
 * a watched step redraws the picture. Before a run, starts one paused. */
static void
step_clicked_cb (GanPage *p)
{
  if (p->run && ds_training_run_is_live (p->run))
    ds_training_run_step (p->run);
  else
    start_training (p, TRUE);
}

static void
pause_clicked_cb (GanPage *p)
{
  if (!p->run || !ds_training_run_is_live (p->run))
    return;
  if (ds_training_run_get_state (p->run) == DS_RUN_PAUSED)
    ds_training_run_resume (p->run);
  else
    ds_training_run_pause (p->run);
  update_buttons (p);
}

static void
stop_clicked_cb (GanPage *p)
{
  if (p->loading)
    g_cancellable_cancel (p->loading);
  if (p->run)
    ds_training_run_stop (p->run);
}

/* ---- files ---------------------------------------------------------------- */

/* Why the pair cannot train together, in words for the line under the
 * choosers, or NULL when it fits: G's samples must be D's input, and D must
 * end in one unit (nn_gan_new checks the same again, with the data). */
static char *
dup_pair_error (NnModel *g, NnModel *d)
{
  int gd = 0, gs[NN_MAX_DIMS], dd = 0, dsh[NN_MAX_DIMS], od = 0, os[NN_MAX_DIMS];
  g_autoptr(GError) error = NULL;

  if (!g || !d)
    return NULL;
  nn_model_auto_outputs (g);
  nn_model_auto_outputs (d);
  if (!nn_model_infer (g, &error) || !nn_model_infer (d, &error)
      || nn_gan_model_latent_dim (g, &error) <= 0)
    return g_strdup (error->message);
  if (nn_model_get_n_outputs (g) < 1
      || !nn_model_get_shape (g, nn_model_get_output (g, 0), &gd, gs))
    return g_strdup (_("The generator has no output: connect its last layer"));
  if (nn_model_get_n_inputs (d) != 1
      || !nn_model_get_shape (d, (NnRef) { nn_model_get_input_layer (d, 0), 0, 0 }, &dd, dsh))
    return g_strdup (_("The discriminator must have exactly one input, a sample"));
  if (nn_model_get_n_outputs (d) != 1 || !nn_model_get_shape (d, nn_model_get_output (d, 0), &od, os)
      || nn_shape_size (od, os) != 1)
    return g_strdup (_("The discriminator must end in one unit (the probability that a sample "
                       "is real): is it a generator?"));
  if (gd != dd || memcmp (gs, dsh, sizeof (int) * (size_t) gd) != 0)
    {
      g_autofree char *gt = nn_shape_to_string (gd, gs, FALSE);
      g_autofree char *dt = nn_shape_to_string (dd, dsh, FALSE);

      if (nn_shape_size (gd, gs) == 1)
        return g_strdup_printf (_("The generator makes one value per sample but the "
                                  "discriminator reads %s: is the generator a discriminator?"),
                                dt);
      return g_strdup_printf (_("The generator makes samples of shape %s but the "
                                "discriminator reads %s: open a pair that fits"), gt, dt);
    }
  return NULL;
}

/* A new pair: the last run's picture, figures and status no longer say
 * anything about it. */
static void
clear_run (GanPage *p)
{
  if (p->loading)
    g_cancellable_cancel (p->loading);
  g_clear_object (&p->loading);
  p->step_after_load = FALSE;
  if (p->run)
    {
      g_signal_handlers_disconnect_by_data (p->run, p);
      if (ds_training_run_is_live (p->run))
        ds_training_run_stop (p->run);
      g_clear_object (&p->run);
    }
  g_clear_pointer (&p->samples, nn_tensor_free);
  g_clear_pointer (&p->real, nn_tensor_free);
  p->has_map = FALSE;
  p->diversity = 0;
  set_status (p, NULL);
  gtk_label_set_text (p->figures, _("Press Train: G learns to make samples that D "
                                    "takes for real ones"));
  gtk_widget_queue_draw (p->picture);
  gtk_widget_queue_draw (p->chart);
}

static gboolean
open_model (GanPage *p, const char *path, gboolean is_generator, GError **error)
{
  NnModel *m = nn_model_load (path, error);

  if (!m)
    return FALSE;
  clear_run (p);
  if (is_generator)
    {
      nn_model_free (p->g);
      p->g = m;
      g_free (p->g_name);
      p->g_name = g_path_get_basename (path);
    }
  else
    {
      nn_model_free (p->d);
      p->d = m;
      g_free (p->d_name);
      p->d_name = g_path_get_basename (path);
    }
  g_free (p->pair_error);
  p->pair_error = dup_pair_error (p->g, p->d);
  update_buttons (p);
  return TRUE;
}

static void
opened_cb (GFile *file, gpointer data)
{
  GanPage *p = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !open_model (p, path, p->choosing_g, &error))
    _ds_generate_view_toast (p->view, error->message);
}

static void
choose (GanPage *p, gboolean generator)
{
  p->choosing_g = generator;
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view),
                        generator ? _("Open a Generator") : _("Open a Discriminator"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), NULL, NULL, opened_cb, p);
}

static void open_g_cb (GanPage *p) { choose (p, TRUE); }
static void open_d_cb (GanPage *p) { choose (p, FALSE); }

static gboolean
save_models (GanPage *p, const char *dir, GError **error)
{
  NnModel *g = p->run ? ds_training_run_get_result (p->run) : NULL;
  NnModel *d = p->run ? ds_training_run_get_discriminator (p->run) : NULL;
  g_autofree char *gp = g_build_filename (dir, "generator.json", NULL);
  g_autofree char *dp = g_build_filename (dir, "discriminator.json", NULL);

  if (!g)
    g = p->run ? ds_training_run_get_snapshot (p->run) : NULL;
  if (!g || !d)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Nothing trained yet: press Train first"));
      return FALSE;
    }
  return nn_model_save (g, gp, TRUE, error) && nn_model_save (d, dp, TRUE, error);
}

static void
save_chosen_cb (GFile *file, gpointer data)
{
  GanPage *p = data;
  g_autofree char *dir = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (!dir)
    return;
  text = save_models (p, dir, &error)
         ? g_strdup_printf (_("Saved generator.json and discriminator.json in %s"), dir)
         : g_strdup (error->message);
  _ds_generate_view_toast (p->view, text);
}

static void
save_clicked_cb (GanPage *p)
{
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view), _("Save Both Models in a Folder"),
                        GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Save"), NULL, NULL,
                        save_chosen_cb, p);
}

/* ---- export ---------------------------------------------------------------- */

static void
export_draw_picture (cairo_t *cr, int width, int height, gpointer data)
{
  draw_picture_cb (NULL, cr, width, height, data);
}

static void
export_draw_chart (cairo_t *cr, int width, int height, gpointer data)
{
  draw_chart_cb (NULL, cr, width, height, data);
}

/* The picture (is_chart FALSE) or the charts to path: PNG, or SVG when the
 * name ends in .svg. */
static gboolean
export_to (GanPage *p, gboolean is_chart, const char *path, GError **error)
{
  DsExportFormat format = g_str_has_suffix (path, ".svg") ? DS_EXPORT_SVG : DS_EXPORT_PNG;

  if (is_chart ? p->run == NULL : p->samples == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("There is nothing to export yet: press Train or Step first"));
      return FALSE;
    }
  if (is_chart)
    return ds_export_drawing (export_draw_chart, p, 480, 420, format, path, error);
  return ds_export_drawing (export_draw_picture, p, 480, 480, format, path, error);
}

static void
export_accept (GanPage *p, gboolean is_chart, const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  text = export_to (p, is_chart, path, &error) ? g_strdup_printf (_("Exported %s"), path)
                                                : g_strdup (error->message);
  _ds_generate_view_toast (p->view, text);
}

static void
export_picture_chosen_cb (GFile *file, gpointer data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    export_accept (data, FALSE, path);
}

static void
export_charts_chosen_cb (GFile *file, gpointer data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (path)
    export_accept (data, TRUE, path);
}

static void
export_picture_cb (GanPage *p)
{
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view), _("Export the Picture (PNG or SVG)"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                        is_plane (p->d) ? "gan-samples.svg" : "gan-samples.png", NULL,
                        export_picture_chosen_cb, p);
}

static void
export_charts_cb (GanPage *p)
{
  ds_file_chooser_show (&p->chooser, GTK_WIDGET (p->view), _("Export the Charts (PNG or SVG)"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), "gan-charts.svg", NULL,
                        export_charts_chosen_cb, p);
}

/* ---- layout ------------------------------------------------------------------- */

static GtkWidget *
button (const char *label, GCallback cb, GanPage *p)
{
  GtkWidget *b = gtk_button_new_with_label (label);

  g_signal_connect_swapped (b, "clicked", cb, p);
  return b;
}

static GtkSpinButton *
spin (GtkWidget *box, const char *label, double lo, double hi, double step, double value,
      int digits)
{
  GtkWidget *s = gtk_spin_button_new_with_range (lo, hi, step);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (s), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (s), value);
  gtk_box_append (GTK_BOX (box), gtk_label_new (label));
  gtk_box_append (GTK_BOX (box), s);
  return GTK_SPIN_BUTTON (s);
}

static GtkWidget *
build_models_row (GanPage *p)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);

  p->g_label = GTK_LABEL (gtk_label_new (NULL));
  p->d_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_box_append (GTK_BOX (row), gtk_label_new (_("Generator:")));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (p->g_label));
  gtk_box_append (GTK_BOX (row), button (_("Open…"), G_CALLBACK (open_g_cb), p));
  gtk_box_append (GTK_BOX (row), gtk_label_new (_("  Discriminator:")));
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (p->d_label));
  gtk_box_append (GTK_BOX (row), button (_("Open…"), G_CALLBACK (open_d_cb), p));
  p->pair_problem = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (p->pair_problem, TRUE);
  gtk_label_set_xalign (p->pair_problem, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (p->pair_problem), TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (p->pair_problem), "error");
  gtk_widget_set_visible (GTK_WIDGET (p->pair_problem), FALSE);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (p->pair_problem));
  return row;
}

/* The settings on one row, the buttons on the next: on one row they
 * asked 1,230 px in English and 1,412 in Russian, wider than a 1,280
 * screen with the window's margins. */
static GtkWidget *
build_controls_row (GanPage *p)
{
  GtkWidget *rows = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *settings = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *box = settings;

  p->steps = spin (box, _("Steps"), 1, 1000000, 100, 2000, 0);
  p->d_steps = spin (box, _("D steps per G step"), 1, 100, 1, 1, 0);
  p->smoothing = spin (box, _("Label smoothing"), 0, 0.5, 0.05, 0, 2);
  p->flip = spin (box, _("Label flips"), 0, 0.5, 0.01, 0, 2);
  p->noise = spin (box, _("Label noise"), 0, 0.5, 0.01, 0, 2);
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->noise),
                               _("Moves each discriminator label towards the other one by a "
                                 "random amount up to this (0: exact labels)"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->flip),
                               _("The chance that each discriminator label is swapped"));
  gtk_widget_set_tooltip_text (GTK_WIDGET (p->smoothing),
                               _("Real samples are labelled 1 minus this (one-sided)"));
  p->train = button (C_("button", "Train"), G_CALLBACK (train_clicked_cb), p);
  gtk_widget_add_css_class (p->train, "suggested-action");
  p->pause = button (_("Pause"), G_CALLBACK (pause_clicked_cb), p);
  p->step = button (_("Step"), G_CALLBACK (step_clicked_cb), p);
  gtk_widget_set_tooltip_text (p->step, _("One generator step with its discriminator steps"));
  p->stop = button (_("Stop"), G_CALLBACK (stop_clicked_cb), p);
  p->save = button (_("Save Models…"), G_CALLBACK (save_clicked_cb), p);
  p->export_picture = button (_("Export Picture…"), G_CALLBACK (export_picture_cb), p);
  p->export_charts = button (_("Export Charts…"), G_CALLBACK (export_charts_cb), p);
  gtk_box_append (GTK_BOX (row), p->train);
  gtk_box_append (GTK_BOX (row), p->pause);
  gtk_box_append (GTK_BOX (row), p->step);
  gtk_box_append (GTK_BOX (row), p->stop);
  gtk_box_append (GTK_BOX (row), p->save);
  gtk_box_append (GTK_BOX (row), p->export_picture);
  gtk_box_append (GTK_BOX (row), p->export_charts);
  gtk_box_append (GTK_BOX (rows), settings);
  gtk_box_append (GTK_BOX (rows), row);
  return rows;
}

static GtkWidget *
area (GtkDrawingAreaDrawFunc draw, GanPage *p, int width)
{
  GtkWidget *a = gtk_drawing_area_new ();

  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (a), draw, p, NULL);
  gtk_widget_set_size_request (a, width, 320);
  gtk_widget_set_hexpand (a, TRUE);
  gtk_widget_set_vexpand (a, TRUE);
  gtk_widget_add_css_class (a, "card");
  return a;
}

static void
open_default_pair (GanPage *p)
{
  g_autofree char *dir = ds_dup_samples_dir ();
  g_autofree char *g = g_build_filename (dir, "gan_ring_generator.json", NULL);
  g_autofree char *d = g_build_filename (dir, "gan_ring_discriminator.json", NULL);

  if (!open_model (p, g, TRUE, NULL) || !open_model (p, d, FALSE, NULL))
    set_status (p, _("Open a generator and a discriminator (the ring samples were not found)"));
}

GtkWidget *
_ds_generate_gan_build (DsGenerateView *self)
{
  GanPage *p = g_new0 (GanPage, 1);
  GtkWidget *page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  GtkWidget *panes = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

  p->view = self;
  g_object_set_data_full (G_OBJECT (self), PAGE_KEY, p, (GDestroyNotify) gan_page_free);
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_bottom (page, 12);
  gtk_box_append (GTK_BOX (page), build_models_row (p));
  gtk_box_append (GTK_BOX (page), build_controls_row (p));
  p->figures = GTK_LABEL (gtk_label_new (_("Press Train: G learns to make samples that D "
                                         "takes for real ones")));
  gtk_label_set_xalign (p->figures, 0);
  gtk_label_set_wrap (p->figures, TRUE);
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (p->figures));
  p->chart = area (draw_chart_cb, p, 360);
  p->picture = area (draw_picture_cb, p, 320);
  gtk_box_append (GTK_BOX (panes), p->chart);
  gtk_box_append (GTK_BOX (panes), p->picture);
  gtk_box_append (GTK_BOX (page), panes);
  p->status = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (p->status, 0);
  gtk_label_set_wrap (p->status, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (p->status), "dim-label");
  gtk_box_append (GTK_BOX (page), GTK_WIDGET (p->status));
  open_default_pair (p);
  update_buttons (p);
  return page;
}

void
_ds_generate_gan_dispose (DsGenerateView *self)
{
  GanPage *p = page_of (self);

  if (p)
    {
      if (p->loading)
        g_cancellable_cancel (p->loading);
      stop_run (p);
      ds_file_chooser_clear (&p->chooser);
    }
}

/* ---- for the tests -------------------------------------------------------------- */

gboolean
ds_generate_view_gan_open (DsGenerateView *self, const char *path, gboolean is_generator,
                           GError **error)
{
  return open_model (page_of (self), path, is_generator, error);
}

void
ds_generate_view_gan_train (DsGenerateView *self, int steps)
{
  GanPage *p = page_of (self);

  gtk_spin_button_set_value (p->steps, steps);
  train_clicked_cb (p);
}

void ds_generate_view_gan_pause (DsGenerateView *self) { pause_clicked_cb (page_of (self)); }
void ds_generate_view_gan_step (DsGenerateView *self) { step_clicked_cb (page_of (self)); }

gboolean
ds_generate_view_gan_export (DsGenerateView *self, gboolean charts, const char *path,
                             GError **error)
{
  return export_to (page_of (self), charts, path, error);
}

const char *
ds_generate_view_gan_get_pair_error (DsGenerateView *self)
{
  return page_of (self)->pair_error;
}

gboolean
ds_generate_view_gan_can_train (DsGenerateView *self)
{
  return gtk_widget_get_sensitive (page_of (self)->train);
}
void ds_generate_view_gan_stop (DsGenerateView *self) { stop_clicked_cb (page_of (self)); }

gboolean
ds_generate_view_gan_is_training (DsGenerateView *self)
{
  GanPage *p = page_of (self);

  return p->loading || (p->run && ds_training_run_is_live (p->run));
}

long
ds_generate_view_gan_get_step (DsGenerateView *self)
{
  GanPage *p = page_of (self);

  return p->run ? ds_training_run_get_step (p->run) : 0;
}

guint ds_generate_view_gan_get_n_updates (DsGenerateView *self) { return page_of (self)->n_updates; }
const NnTensor *ds_generate_view_gan_get_samples (DsGenerateView *self) { return page_of (self)->samples; }
double ds_generate_view_gan_get_diversity (DsGenerateView *self) { return page_of (self)->diversity; }
const char *ds_generate_view_gan_get_status (DsGenerateView *self) { return page_of (self)->status_text; }

gboolean
ds_generate_view_gan_save (DsGenerateView *self, const char *dir, GError **error)
{
  return save_models (page_of (self), dir, error);
}
