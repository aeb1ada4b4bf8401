/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The filters page: a convolutional layer's filters as the input patterns
 * that excite them, computed on a worker thread a few channels at a time
 * and shown as they arrive. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-inspect-draw.h"
#include "ds-inspect-filters.h"
#include "ds-inspect-panels-private.h"
#include "ds-jobs.h"
#include "ds-util.h"

/* Channels per engine call: small enough that the grid fills in steadily,
 * large enough that the batch keeps the engine busy. */
#define CHUNK 8
/* Partial pictures reach the main loop at most this often. */
#define POST_INTERVAL_US (80 * 1000)
/* A live run's snapshots restart the grid no more often than this. */
#define FOLLOW_DELAY_MS 400

typedef struct
{
  /* Set on the main thread before the job starts; read-only after. */
  NnInspector      *inspector;
  guint             generation;
  int               probe;
  int               n_channels;
  size_t            image_size;   /* floats per channel's image */
  NnFilterConfig    cfg;
  GCancellable     *cancellable;
  DsInspectFilters *page;         /* a reference while an idle is pending */

  /* Shared: under lock. */
  GMutex            lock;
  float            *images;       /* n_channels × image_size */
  gboolean         *fresh;        /* per channel: new pixels not yet shown */
  double           *gains;        /* per channel; NAN until its chunk ends */
  double            progress;     /* 0..1 */
  gint64            last_post;    /* worker only */
  gint              pending;      /* an idle is attached (atomic) */
} FilterJob;

struct _DsInspectFilters
{
  GtkWidget         parent_instance;

  /* Widgets */
  GtkWidget        *box;
  GtkWidget        *bars[2];       /* the settings' two rows */
  GtkDropDown      *layer_drop;
  GtkSpinButton    *steps_spin;
  GtkSpinButton    *step_size_spin;
  GtkSpinButton    *jitter_spin;
  GtkSpinButton    *blur_spin;
  GtkWidget        *compute_button;
  GtkWidget        *cancel_button;
  GtkCheckButton   *follow_check;
  GtkProgressBar   *progress;
  GtkLabel         *message;
  GtkWidget        *grid;

  /* Owned */
  DsInspectSubject *subject;
  GtkStringList    *layer_names;
  GArray           *conv_probes;   /* int: probe index per dropdown row */
  GArray           *conv_channels; /* int: its channel count */
  NnInspector      *spare;         /* an idle inspector of spare_generation */
  guint             spare_generation;
  cairo_surface_t **tiles;         /* n_tiles, NULL until a channel arrives */
  double           *gains;
  int               n_tiles;
  int               n_filled;
  char             *grid_caption;
  FilterJob        *job;
  int               in_h, in_w, in_c;
  gboolean          has_input_image;
  gboolean          dirty;         /* the model changed while unmapped or busy */
  gboolean          stopped;       /* the grid was cancelled: unfinished tiles are marked */
  gboolean          refilling;     /* the dropdown is being rebuilt */
  guint             follow_id;
};

G_DEFINE_FINAL_TYPE (DsInspectFilters, ds_inspect_filters, GTK_TYPE_WIDGET)

static void start_job (DsInspectFilters *self);
static void clear_tiles (DsInspectFilters *self,
                         int               n);

/* ---- the job (worker side) ------------------------------------------------ */

static void
filter_job_clear (FilterJob *job)
{
  g_clear_pointer (&job->inspector, nn_inspector_free);
  g_clear_object (&job->cancellable);
  g_mutex_clear (&job->lock);
  g_free (job->images);
  g_free (job->fresh);
  g_free (job->gains);
}

static void
filter_job_unref (FilterJob *job)
{
  g_atomic_rc_box_release_full (job, (GDestroyNotify) filter_job_clear);
}

static gboolean drain_idle_cb (gpointer data);

/* Worker thread: hands the main loop an idle (at most one pending). */
static void
post (FilterJob *job)
{
  GSource *source;

  if (!g_atomic_int_compare_and_exchange (&job->pending, 0, 1))
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
  g_source_set_callback (source, drain_idle_cb, g_atomic_rc_box_acquire (job),
                         (GDestroyNotify) filter_job_unref);
  g_source_set_static_name (source, "[deepscope] filter grid");
  g_source_attach (source, NULL);
  g_source_unref (source);
}

typedef struct
{
  FilterJob *job;
  int        first;
  int        count;
} Chunk;

/* Copies a chunk's images (count, input shape...) into the job. */
static void
store_chunk (Chunk          *chunk,
             const NnTensor *images,
             double          progress)
{
  FilterJob *job = chunk->job;

  g_mutex_lock (&job->lock);
  memcpy (job->images + chunk->first * job->image_size, images->data,
          sizeof (float) * job->image_size * chunk->count);
  for (int k = 0; k < chunk->count; k++)
    job->fresh[chunk->first + k] = TRUE;
  job->progress = progress;
  g_mutex_unlock (&job->lock);
}

static gboolean
filter_progress_cb (int             step,
                    int             steps,
                    const NnTensor *images,
                    gpointer        data)
{
  Chunk *chunk = data;
  FilterJob *job = chunk->job;
  gint64 now;

  if (g_cancellable_is_cancelled (job->cancellable))
    return FALSE;
  now = g_get_monotonic_time ();
  if (images && now - job->last_post >= POST_INTERVAL_US)
    {
      job->last_post = now;
      store_chunk (chunk, images,
                   (chunk->first + chunk->count * (double) step / MAX (steps, 1)) / job->n_channels);
      post (job);
    }
  return TRUE;
}

static void
filter_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  FilterJob *job = task_data;

  for (int first = 0; first < job->n_channels; first += CHUNK)
    {
      Chunk chunk = { job, first, MIN (CHUNK, job->n_channels - first) };
      g_autofree int *channels = g_new (int, chunk.count);
      g_autofree double *gains = g_new (double, chunk.count);
      g_autoptr(NnTensor) images = NULL;
      GError *error = NULL;

      for (int k = 0; k < chunk.count; k++)
        channels[k] = first + k;
      images = nn_inspector_filters (job->inspector, job->probe, channels, chunk.count, &job->cfg,
                                     filter_progress_cb, &chunk, gains, &error);
      if (images == NULL || g_cancellable_is_cancelled (cancellable))
        {
          if (error == NULL)
            error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled");
          g_task_return_error (task, error);
          return;
        }
      g_mutex_lock (&job->lock);
      memcpy (job->gains + first, gains, sizeof (double) * chunk.count);
      g_mutex_unlock (&job->lock);
      store_chunk (&chunk, images, (double) (first + chunk.count) / job->n_channels);
      post (job);
    }
  g_task_return_boolean (task, TRUE);
}

/* ---- the job (main side) -------------------------------------------------- */

static gboolean
job_current (DsInspectFilters *self,
             FilterJob        *job)
{
  return self->job == job && job->generation == ds_inspect_subject_get_generation (self->subject);
}

/* Takes what the worker stored: new tiles and the progress. */
static void
drain (DsInspectFilters *self,
       FilterJob        *job)
{
  double progress;

  g_mutex_lock (&job->lock);
  for (int c = 0; c < job->n_channels && c < self->n_tiles; c++)
    {
      if (!job->fresh[c])
        continue;
      job->fresh[c] = FALSE;
      if (self->tiles[c] == NULL)
        self->n_filled++;
      g_clear_pointer (&self->tiles[c], cairo_surface_destroy);
      /* Each pattern on its own range: its structure, not its level. */
      self->tiles[c] = ds_inspect_image_surface (job->images + c * job->image_size,
                                                 self->in_h, self->in_w, self->in_c, 0, 0);
      self->gains[c] = job->gains[c];
    }
  progress = job->progress;
  g_mutex_unlock (&job->lock);
  gtk_progress_bar_set_fraction (self->progress, progress);
  gtk_widget_queue_draw (self->grid);
}

static gboolean
drain_idle_cb (gpointer data)
{
  FilterJob *job = data;
  DsInspectFilters *self = job->page;

  g_atomic_int_set (&job->pending, 0);
  if (self && job_current (self, job))
    drain (self, job);
  return G_SOURCE_REMOVE;
}

static void
set_message (DsInspectFilters *self,
             const char       *text)
{
  gtk_label_set_text (self->message, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message), text && *text);
}

static void
update_sensitivity (DsInspectFilters *self)
{
  gboolean have = self->conv_probes->len > 0 && self->has_input_image;

  gtk_widget_set_sensitive (GTK_WIDGET (self->layer_drop), have && !self->refilling);
  gtk_widget_set_sensitive (self->compute_button, have && self->job == NULL);
  gtk_widget_set_visible (self->cancel_button, self->job != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->progress), self->job != NULL);
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The median gain of the filters drawn: a channel dead on grey starts
 * near the engine's 1e-6 floor and gains millions, which a mean would
 * report instead of the typical filter. */
static double
median_gain (DsInspectFilters *self)
{
  g_autofree double *g = g_new (double, MAX (self->n_tiles, 1));
  int n = 0;

  for (int c = 0; c < self->n_tiles; c++)
    if (self->tiles[c] && isfinite (self->gains[c]))
      g[n++] = self->gains[c];
  if (n == 0)
    return NAN;
  qsort (g, n, sizeof (double), compare_double);
  return n % 2 ? g[n / 2] : (g[n / 2 - 1] + g[n / 2]) / 2;
}

static void
job_done_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  DsInspectFilters *self = DS_INSPECT_FILTERS (source);
  FilterJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_autofree char *text = NULL;

  /* Idles still pending find no page and do nothing. */
  job->page = NULL;
  if (self->job != job)
    return;
  self->job = NULL;
  if (job->generation != ds_inspect_subject_get_generation (self->subject))
    {
      /* Patterns of a model that is gone: model_changed_cb has said what
       * the new one offers. */
      clear_tiles (self, 0);
      gtk_widget_queue_draw (self->grid);
      update_sensitivity (self);
      if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
        start_job (self);
      return;
    }
  drain (self, job);
  /* The inspector stays for the next job on the same model. */
  if (self->spare == NULL)
    {
      self->spare = g_steal_pointer (&job->inspector);
      self->spare_generation = job->generation;
    }
  if (ok)
    {
      double g = median_gain (self);

      text = isfinite (g)
             ? g_strdup_printf (_("%s. Each picture is the input that excites its filter most; the number beside it is how many times its mean activation rose over the grey start (median ×%.0f)."),
                                self->grid_caption, g)
             : g_strdup (self->grid_caption);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      int unfinished = ds_inspect_filters_get_n_unfinished (self);

      self->stopped = TRUE;
      gtk_widget_queue_draw (self->grid);
      text = g_strdup_printf (_("Stopped: %d of %d filters finished; the %d crossed out were not "
                              "(those drawn are where their ascent stopped). Compute draws "
                              "them all again."),
                              self->n_tiles - unfinished, self->n_tiles, unfinished);
    }
  else
    text = g_strdup_printf (_("The filters could not be computed: %s"), error->message);
  set_message (self, text);
  update_sensitivity (self);
  if (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
}

static void
clear_tiles (DsInspectFilters *self,
             int               n)
{
  for (int c = 0; c < self->n_tiles; c++)
    g_clear_pointer (&self->tiles[c], cairo_surface_destroy);
  g_free (self->tiles);
  g_free (self->gains);
  self->n_tiles = n;
  self->n_filled = 0;
  self->stopped = FALSE;
  self->tiles = g_new0 (cairo_surface_t *, MAX (n, 1));
  self->gains = g_new (double, MAX (n, 1));
  for (int c = 0; c < n; c++)
    self->gains[c] = NAN;
}

static void
cancel_job (DsInspectFilters *self)
{
  if (self->job)
    g_cancellable_cancel (self->job->cancellable);
}

static NnInspector *
take_inspector (DsInspectFilters *self,
                GError          **error)
{
  guint generation = ds_inspect_subject_get_generation (self->subject);

  if (self->spare && self->spare_generation == generation)
    return g_steal_pointer (&self->spare);
  g_clear_pointer (&self->spare, nn_inspector_free);
  return ds_inspect_subject_new_inspector (self->subject, error);
}

static void
read_config (DsInspectFilters *self,
             NnFilterConfig   *cfg)
{
  nn_filter_config_init (cfg);
  cfg->steps = gtk_spin_button_get_value_as_int (self->steps_spin);
  cfg->step_size = (float) gtk_spin_button_get_value (self->step_size_spin);
  cfg->jitter = gtk_spin_button_get_value_as_int (self->jitter_spin);
  cfg->blur = (float) gtk_spin_button_get_value (self->blur_spin);
}

static void
start_job (DsInspectFilters *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  guint row = gtk_drop_down_get_selected (self->layer_drop);
  FilterJob *job;
  NnInspector *inspector;
  const NnProbe *probe;

  self->dirty = FALSE;
  if (self->job)
    {
      /* One job at a time: this one restarts when the running one ends. */
      cancel_job (self);
      self->dirty = TRUE;
      return;
    }
  if (row >= self->conv_probes->len || !self->has_input_image)
    return;
  inspector = take_inspector (self, &error);
  if (inspector == NULL)
    {
      set_message (self, error->message);
      return;
    }
  job = g_atomic_rc_box_new0 (FilterJob);
  job->inspector = inspector;
  job->generation = ds_inspect_subject_get_generation (self->subject);
  job->probe = g_array_index (self->conv_probes, int, row);
  job->n_channels = g_array_index (self->conv_channels, int, row);
  job->image_size = (size_t) self->in_h * self->in_w * self->in_c;
  read_config (self, &job->cfg);
  job->cfg.seed = 1;
  job->cancellable = g_cancellable_new ();
  job->page = self;
  g_mutex_init (&job->lock);
  job->images = g_new0 (float, job->image_size * job->n_channels);
  job->fresh = g_new0 (gboolean, job->n_channels);
  job->gains = g_new (double, job->n_channels);
  for (int c = 0; c < job->n_channels; c++)
    job->gains[c] = NAN;

  probe = nn_inspector_get_probe (inspector, job->probe);
  clear_tiles (self, job->n_channels);
  g_free (self->grid_caption);
  self->grid_caption = g_strdup_printf (_("%s, %d filters, %d steps"), probe->path, job->n_channels,
                                        job->cfg.steps);
  self->job = job;
  gtk_progress_bar_set_fraction (self->progress, 0);
  set_message (self, NULL);
  update_sensitivity (self);
  gtk_widget_queue_draw (self->grid);

  task = g_task_new (self, job->cancellable, job_done_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) filter_job_unref);
  ds_jobs_run_in_background (task, filter_thread);
}

/* ---- drawing -------------------------------------------------------------- */

/* The largest square tile (with its caption) that fits n of them in w × h. */
static void
grid_layout (int     n,
             int     w,
             int     h,
             double *tile,
             int    *cols)
{
  const double gap = 6, caption = 14;

  for (double t = 160; t >= 12; t -= 2)
    {
      int c = MAX (1, (int) ((w + gap) / (t + gap)));
      int r = (n + c - 1) / c;

      if (r * (t + caption + gap) <= h || t <= 12)
        {
          *tile = t;
          *cols = c;
          return;
        }
    }
  *tile = 12;
  *cols = MAX (1, (int) (w / 18));
}

/* A tile whose ascent was cancelled before it finished: veiled and
 * crossed out. */
static void
draw_unfinished (cairo_t       *cr,
                 const GdkRGBA *fg,
                 double         x,
                 double         y,
                 double         tile)
{
  cairo_save (cr);
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.55);
  cairo_rectangle (cr, x, y, tile, tile);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  cairo_set_line_width (cr, MAX (1, tile / 28));
  cairo_move_to (cr, x + 2, y + 2);
  cairo_line_to (cr, x + tile - 2, y + tile - 2);
  cairo_move_to (cr, x + tile - 2, y + 2);
  cairo_line_to (cr, x + 2, y + tile - 2);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_grid (cairo_t  *cr,
           int       width,
           int       height,
           gpointer  data)
{
  DsInspectFilters *self = data;
  double tile;
  int cols;
  GdkRGBA fg;

  if (self->n_tiles == 0)
    return;
  ds_inspect_text_color (self->grid, &fg);
  grid_layout (self->n_tiles, width, height, &tile, &cols);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  for (int c = 0; c < self->n_tiles; c++)
    {
      double x = (c % cols) * (tile + 6), y = (c / cols) * (tile + 14 + 6);
      char label[48];

      if (self->tiles[c])
        ds_inspect_paint_surface (cr, self->tiles[c], x, y, tile, tile, FALSE);
      else
        {
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.08);
          cairo_rectangle (cr, x, y, tile, tile);
          cairo_fill (cr);
        }
      if (self->stopped && !isfinite (self->gains[c]))
        draw_unfinished (cr, &fg, x, y, tile);
      if (tile >= 36)
        {
          if (self->stopped && !isfinite (self->gains[c]) && tile >= 56)
            g_snprintf (label, sizeof label, _("%d  stopped"), c);
          else if (isfinite (self->gains[c]) && self->gains[c] >= 1000 && tile >= 56)
            g_snprintf (label, sizeof label, "%d  ×1000+", c);
          else if (isfinite (self->gains[c]) && tile >= 56)
            g_snprintf (label, sizeof label, "%d  ×%.0f", c, self->gains[c]);
          else
            g_snprintf (label, sizeof label, "%d", c);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
          cairo_move_to (cr, x + 1, y + tile + 11);
          cairo_show_text (cr, label);
        }
    }
}

/* ---- the model ------------------------------------------------------------ */

static void
refill_layers (DsInspectFilters *self)
{
  g_autoptr(GError) error = NULL;
  int shape[NN_MAX_DIMS], ndim;
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->layer_names));
  g_autofree char *keep = NULL;
  guint row = gtk_drop_down_get_selected (self->layer_drop), select = 0;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  DsDataset *dataset;
  gboolean text, series;

  if (row < n_old)
    keep = g_strdup (gtk_string_list_get_string (self->layer_names, row));
  /* Word ids are no picture: no patterns to draw, nor settings for them. */
  dataset = ds_inspect_subject_get_dataset (self->subject);
  text = dataset && ds_dataset_get (dataset)->vocab && ds_dataset_get (dataset)->inputs[0]->ndim == 1;
  series = dataset && ds_dataset_get (dataset)->series;
  for (int b = 0; b < 2; b++)
    gtk_widget_set_visible (self->bars[b], !text && !series);
  g_array_set_size (self->conv_probes, 0);
  g_array_set_size (self->conv_channels, 0);
  g_clear_pointer (&self->spare, nn_inspector_free);
  self->has_input_image = FALSE;
  if (ds_inspect_subject_get_model (self->subject) == NULL)
    set_message (self, ds_inspect_subject_get_model_text (self->subject));
  else if ((self->spare = ds_inspect_subject_new_inspector (self->subject, &error)) == NULL)
    set_message (self, error->message);
  else
    {
      self->spare_generation = ds_inspect_subject_get_generation (self->subject);
      ndim = nn_inspector_get_input_shape (self->spare, shape);
      self->has_input_image = ds_inspect_image_geometry (ndim, shape, &self->in_h, &self->in_w,
                                                         &self->in_c);
      for (int p = 0; p < nn_inspector_get_n_probes (self->spare); p++)
        {
          const NnProbe *probe = nn_inspector_get_probe (self->spare, p);
          int channels = probe->shape[probe->ndim - 1];

          if (!probe->conv || !probe->spatial)
            continue;
          if (g_strcmp0 (probe->path, keep) == 0)
            select = self->conv_probes->len;
          g_array_append_val (self->conv_probes, p);
          g_array_append_val (self->conv_channels, channels);
          g_ptr_array_add (names, g_strdup_printf (_("%s (%s, %d filters)"), probe->path,
                                                   probe->layer_type, channels));
        }
      g_ptr_array_add (names, NULL);
      if (text)
        set_message (self, _("This model reads text (word ids), not pictures: a filter’s pattern is the picture that excites it most, so there is none to draw. The Activations page shows how each layer, Conv1D filters included, responds word by word (its heat strips)."));
      else if (series)
        set_message (self, _("This model reads a time series (steps × columns), not pictures: a filter’s pattern is the picture that excites it most, so there is none to draw. The Activations page shows how each layer, Conv1D filters included, responds step by step (its heat strips)."));
      else if (!self->has_input_image)
        set_message (self, _("The model’s input is not an image (height × width × channels), so its filters cannot be drawn as pictures"));
      else if (self->conv_probes->len == 0)
        set_message (self, _("This model has no convolutional layer (Conv2D, DepthwiseConv2D, SeparableConv2D or Conv2DTranspose): filter patterns need one. Dense layers have no filters to draw; the Activations page shows what they do."));
      else
        set_message (self, NULL);
    }
  self->refilling = TRUE;
  gtk_string_list_splice (self->layer_names, 0, n_old,
                          names->len ? (const char * const *) names->pdata : NULL);
  if (self->conv_probes->len)
    gtk_drop_down_set_selected (self->layer_drop, select);
  self->refilling = FALSE;
}

static gboolean
follow_cb (gpointer data)
{
  DsInspectFilters *self = data;

  self->follow_id = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
  else
    self->dirty = TRUE;
  return G_SOURCE_REMOVE;
}

static void
model_changed_cb (DsInspectFilters *self)
{
  gboolean had = self->n_tiles > 0 || self->job != NULL;

  cancel_job (self);
  refill_layers (self);
  if (self->job == NULL)
    {
      clear_tiles (self, 0);
      gtk_widget_queue_draw (self->grid);
    }
  update_sensitivity (self);
  if (self->conv_probes->len == 0)
    return;
  /* A live run's snapshots arrive every few seconds: follow them when
   * asked, else say the grid is out of date. */
  if (!had || gtk_check_button_get_active (self->follow_check))
    {
      g_clear_handle_id (&self->follow_id, g_source_remove);
      self->follow_id = g_timeout_add (had ? FOLLOW_DELAY_MS : 1, follow_cb, self);
    }
  else
    set_message (self, _("The model changed: Compute draws its filters again"));
}

/* ---- callbacks ------------------------------------------------------------ */

static void
layer_selected_cb (DsInspectFilters *self)
{
  if (self->refilling)
    return;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_job (self);
  else
    self->dirty = TRUE;
}

static void
compute_clicked_cb (DsInspectFilters *self)
{
  start_job (self);
}

static void
cancel_clicked_cb (DsInspectFilters *self)
{
  self->dirty = FALSE;
  cancel_job (self);
}

static void
ds_inspect_filters_map (GtkWidget *widget)
{
  DsInspectFilters *self = DS_INSPECT_FILTERS (widget);

  GTK_WIDGET_CLASS (ds_inspect_filters_parent_class)->map (widget);
  if (self->dirty || (self->n_tiles == 0 && self->job == NULL))
    start_job (self);
}

/* Off screen (another page, a closed window) nothing computes: the job
 * holds the page until it ends, so it ends now and restarts on map. */
static void
ds_inspect_filters_unmap (GtkWidget *widget)
{
  DsInspectFilters *self = DS_INSPECT_FILTERS (widget);

  if (self->job)
    {
      cancel_job (self);
      self->dirty = TRUE;
    }
  GTK_WIDGET_CLASS (ds_inspect_filters_parent_class)->unmap (widget);
}

static void
ds_inspect_filters_dispose (GObject *object)
{
  DsInspectFilters *self = DS_INSPECT_FILTERS (object);

  cancel_job (self);
  if (self->job)
    self->job->page = NULL;
  self->job = NULL;
  g_clear_handle_id (&self->follow_id, g_source_remove);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  if (self->subject)
    g_signal_handlers_disconnect_by_data (self->subject, self);
  g_clear_object (&self->subject);
  g_clear_pointer (&self->spare, nn_inspector_free);
  G_OBJECT_CLASS (ds_inspect_filters_parent_class)->dispose (object);
}

static void
ds_inspect_filters_finalize (GObject *object)
{
  DsInspectFilters *self = DS_INSPECT_FILTERS (object);

  clear_tiles (self, 0);
  g_free (self->tiles);
  g_free (self->gains);
  g_free (self->grid_caption);
  g_clear_object (&self->layer_names);
  g_array_unref (self->conv_probes);
  g_array_unref (self->conv_channels);
  G_OBJECT_CLASS (ds_inspect_filters_parent_class)->finalize (object);
}

static void
ds_inspect_filters_class_init (DsInspectFiltersClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_inspect_filters_dispose;
  object_class->finalize = ds_inspect_filters_finalize;
  widget_class->map = ds_inspect_filters_map;
  widget_class->unmap = ds_inspect_filters_unmap;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspectfilters");
}

static GtkSpinButton *
add_spin (GtkWidget  *bar,
          const char *label,
          const char *tooltip,
          double      lo,
          double      hi,
          double      step,
          int         digits,
          double      value)
{
  GtkWidget *l = gtk_label_new (label);
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, step);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_tooltip_text (spin, tooltip);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), spin);
  gtk_widget_add_css_class (l, "dim-label");
  gtk_box_append (GTK_BOX (bar), l);
  gtk_box_append (GTK_BOX (bar), spin);
  return GTK_SPIN_BUTTON (spin);
}

static void
ds_inspect_filters_init (DsInspectFilters *self)
{
  GtkWidget *bar, *bar2, *label;
  NnFilterConfig cfg;

  nn_filter_config_init (&cfg);
  self->conv_probes = g_array_new (FALSE, FALSE, sizeof (int));
  self->conv_channels = g_array_new (FALSE, FALSE, sizeof (int));
  self->layer_names = gtk_string_list_new (NULL);
  self->tiles = g_new0 (cairo_surface_t *, 1);
  self->gains = g_new (double, 1);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  ds_inspect_page_margins (self->box);
  bar = self->bars[0] = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->box), bar);
  label = gtk_label_new_with_mnemonic (_("_Layer"));
  gtk_box_append (GTK_BOX (bar), label);
  self->layer_drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (self->layer_names)), NULL));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), GTK_WIDGET (self->layer_drop));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->layer_drop), _("The convolutional layer whose filters are drawn"));
  ds_quiet_tooltip_while_open (GTK_WIDGET (self->layer_drop));
  g_signal_connect_swapped (self->layer_drop, "notify::selected", G_CALLBACK (layer_selected_cb), self);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->layer_drop));
  self->compute_button = gtk_button_new_with_mnemonic (_("_Compute"));
  gtk_widget_add_css_class (self->compute_button, "suggested-action");
  gtk_widget_set_tooltip_text (self->compute_button, _("Draw every filter of the layer again with these settings"));
  g_signal_connect_swapped (self->compute_button, "clicked", G_CALLBACK (compute_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), self->compute_button);
  self->cancel_button = gtk_button_new_with_mnemonic (_("C_ancel"));
  g_signal_connect_swapped (self->cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb), self);
  gtk_box_append (GTK_BOX (bar), self->cancel_button);
  self->progress = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_widget_set_valign (GTK_WIDGET (self->progress), GTK_ALIGN_CENTER);
  gtk_widget_set_hexpand (GTK_WIDGET (self->progress), TRUE);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->progress));
  self->follow_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_mnemonic (_("_Follow the model")));
  gtk_check_button_set_active (self->follow_check, TRUE);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->follow_check),
                               _("Draw the filters again whenever the model changes (a live run’s new weights)"));
  gtk_widget_set_halign (GTK_WIDGET (self->follow_check), GTK_ALIGN_END);
  gtk_widget_set_hexpand (GTK_WIDGET (self->follow_check), TRUE);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->follow_check));

  bar2 = self->bars[1] = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (self->box), bar2);
  self->steps_spin = add_spin (bar2, _("Steps"), _("Gradient-ascent steps per filter"), 1, 500, 10, 0, cfg.steps);
  self->step_size_spin = add_spin (bar2, _("Step size"), _("How far each step moves the image, in the model’s input units"),
                                   0.001, 1, 0.01, 3, cfg.step_size);
  self->jitter_spin = add_spin (bar2, _("Jitter"), _("Roll the image by up to this many pixels before each step (0: off); gives smoother patterns"),
                                0, 8, 1, 0, cfg.jitter);
  self->blur_spin = add_spin (bar2, _("Blur"), _("Gaussian blur (sigma in pixels) every 4 steps (0: off); removes high-frequency noise"),
                              0, 3, 0.1, 1, cfg.blur);

  self->message = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->message, TRUE);
  gtk_label_set_xalign (self->message, 0);
  gtk_widget_add_css_class (GTK_WIDGET (self->message), "dim-label");
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->message));

  self->grid = ds_inspect_drawing_new (draw_grid, self);
  ds_inspect_drawing_set_size (DS_INSPECT_DRAWING (self->grid), 640, 420);
  ds_inspect_drawing_set_export_name (DS_INSPECT_DRAWING (self->grid), "filters");
  gtk_widget_set_vexpand (self->grid, TRUE);
  gtk_widget_set_hexpand (self->grid, TRUE);
  gtk_widget_set_tooltip_text (self->grid, _("Each filter’s pattern: the input that excites its channel most, with the gain over a grey image (right-click to export)"));
  gtk_box_append (GTK_BOX (self->box), self->grid);
  update_sensitivity (self);
}

GtkWidget *
ds_inspect_filters_new (DsInspectSubject *subject)
{
  DsInspectFilters *self;

  g_return_val_if_fail (DS_IS_INSPECT_SUBJECT (subject), NULL);

  self = g_object_new (DS_TYPE_INSPECT_FILTERS, NULL);
  self->subject = g_object_ref (subject);
  g_signal_connect_swapped (subject, "model-changed", G_CALLBACK (model_changed_cb), self);
  refill_layers (self);
  update_sensitivity (self);
  return GTK_WIDGET (self);
}

/* ---- private (tests) ------------------------------------------------------ */

gboolean
ds_inspect_filters_is_busy (DsInspectFilters *self)
{
  return self->job != NULL;
}

void
ds_inspect_filters_get_progress (DsInspectFilters *self,
                                 int              *filled,
                                 int              *total)
{
  *filled = self->n_filled;
  *total = self->n_tiles;
}

int
ds_inspect_filters_get_n_unfinished (DsInspectFilters *self)
{
  int n = 0;

  for (int c = 0; c < self->n_tiles; c++)
    n += !isfinite (self->gains[c]);
  return n;
}

gboolean
ds_inspect_filters_is_stopped (DsInspectFilters *self)
{
  return self->stopped;
}

GtkWidget *
ds_inspect_filters_get_cancel_button (DsInspectFilters *self)
{
  return self->cancel_button;
}

GtkWidget *
ds_inspect_filters_get_compute_button (DsInspectFilters *self)
{
  return self->compute_button;
}

GtkWidget *
ds_inspect_filters_get_grid (DsInspectFilters *self)
{
  return self->grid;
}

GtkSpinButton *
ds_inspect_filters_get_steps_spin (DsInspectFilters *self)
{
  return self->steps_spin;
}

GtkLabel *
ds_inspect_filters_get_message (DsInspectFilters *self)
{
  return self->message;
}
