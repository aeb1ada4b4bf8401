/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <pango/pangocairo.h>
#include <glib/gi18n.h>

#include "ds-plot-private.h"
#include "ds-util.h"


G_DEFINE_FINAL_TYPE (DsPlot, ds_plot, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_METRIC,
  PROP_TITLE,
  PROP_PER_BATCH,
  PROP_SMOOTHING,
  PROP_LOG_SCALE,
  PROP_ZOOMED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------------ */
/* Model: the curves of the visible runs                                     */
/* ------------------------------------------------------------------------ */


static void
add_curve (GArray         *curves,
           DsTrainingRun  *run,
           const char     *key,
           gboolean        validation,
           gboolean        mark_best)
{
  DsMetricSeries *s = ds_training_run_get_series (run, key);
  Curve c = { run, s, { 0 }, validation, mark_best };

  if (s == NULL || ds_metric_series_get_n_points (s) == 0)
    return;
  ds_colors_run (ds_training_run_get_color_index (run), &c.color);
  g_array_append_val (curves, c);
}

/* The curves this chart shows, in drawing order. */
static GArray *
collect_curves (DsPlot *self)
{
  GArray *curves = g_array_new (FALSE, FALSE, sizeof (Curve));
  guint n = self->runs ? g_list_model_get_n_items (self->runs) : 0;
  gboolean is_lr = g_strcmp0 (self->metric, "lr") == 0;

  if (self->metric == NULL)
    return curves;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (self->runs, i);
      g_autofree char *batch_key = g_strconcat ("batch/", self->metric, NULL);
      g_autofree char *val_key = g_strconcat ("val_", self->metric, NULL);
      gboolean has_val = ds_training_run_get_series (run, val_key) != NULL;
      /* A GAN's figures come per batch only ("batch/d_loss"). */
      gboolean batch_only = ds_training_run_get_series (run, self->metric) == NULL;

      if (!ds_training_run_get_visible (run))
        continue;
      /* The learning rate changes within epochs (schedules, a person's
       * edit): its per-batch steps are the truth even on the epoch axis. */
      if ((self->per_batch || is_lr || batch_only) && ds_training_run_get_series (run, batch_key))
        add_curve (curves, run, batch_key, FALSE, FALSE);
      else
        add_curve (curves, run, self->metric, FALSE, !is_lr && !has_val);
      if (!is_lr)
        add_curve (curves, run, val_key, TRUE, TRUE);
    }
  return curves;
}

static inline double
transform_y (DsPlot *self,
             double  y)
{
  if (!self->log_scale)
    return y;
  return y > 0 ? log10 (y) : NAN;
}

double
_ds_plot_untransform_y (DsPlot *self,
               double  t)
{
  return self->log_scale ? pow (10, t) : t;
}

/* The range that shows every point with a margin; FALSE when no data. */
static gboolean
auto_view (DsPlot *self,
           GArray *curves,
           double *x0,
           double *x1,
           double *y0,
           double *y1)
{
  double ax0 = INFINITY, ax1 = -INFINITY, ay0 = INFINITY, ay1 = -INFINITY;

  for (guint c = 0; c < curves->len; c++)
    {
      Curve *cv = &g_array_index (curves, Curve, c);
      double bx0, bx1, by0, by1;

      if (!ds_metric_series_get_bounds (cv->series, self->log_scale, &bx0, &bx1, &by0, &by1))
        continue;
      ax0 = MIN (ax0, bx0);
      ax1 = MAX (ax1, bx1);
      ay0 = MIN (ay0, transform_y (self, by0));
      ay1 = MAX (ay1, transform_y (self, by1));
    }
  if (ax0 > ax1 || !isfinite (ay0) || !isfinite (ay1))
    return FALSE;
  /* The reference lines are what the curves are measured against: keep
   * them in sight, with room for the label of a line past every curve
   * on its far side, where no curve passes. */
  {
    double cy0 = ay0, cy1 = ay1;

    for (guint r = 0; r < self->ref_values->len; r++)
      {
        double t = transform_y (self, g_array_index (self->ref_values, double, r));

        if (isfinite (t))
          {
            ay0 = MIN (ay0, t);
            ay1 = MAX (ay1, t);
          }
      }
    for (guint r = 0; r < self->ref_values->len; r++)
      {
        double t = transform_y (self, g_array_index (self->ref_values, double, r));
        double room = (ay1 - ay0) * 0.1;

        if (isfinite (t) && t > cy1)
          ay1 = MAX (ay1, t + room);
        else if (isfinite (t) && t < cy0)
          ay0 = MIN (ay0, t - room);
      }
  }

  if (self->per_batch || g_strcmp0 (self->metric, "lr") == 0)
    {
      /* Batches fill the first epoch from its start. */
      *x0 = MIN (0, ax0);
      *x1 = MAX (ax1, *x0 + 1);
    }
  else
    {
      /* Whole epochs, with a little room around the first and last. */
      double pad = MAX ((ax1 - ax0) * 0.03, 0.2);

      *x0 = ax0 - pad;
      *x1 = ax1 + pad;
    }
  if (ay1 - ay0 < 1e-12)
    {
      double pad = self->log_scale ? 0.5 : MAX (fabs (ay0) * 0.1, 0.05);

      ay0 -= pad;
      ay1 += pad;
    }
  else
    {
      double pad = (ay1 - ay0) * 0.06;

      ay0 -= pad;
      ay1 += pad;
    }
  *y0 = ay0;
  *y1 = ay1;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Normalized: curves mapped to 0..1 in the view                             */
/* ------------------------------------------------------------------------ */


static void
norm_curve_clear (NormCurve *nc)
{
  g_free (nc->nx);
  g_free (nc->ny);
  g_free (nc->sy);
}

static void
normalize (DsPlot      *self,
           const Curve *cv,
           NormCurve   *nc)
{
  guint n;
  const DsPoint *p = ds_metric_series_get_points (cv->series, &n);
  double sx = 1.0 / (self->vx1 - self->vx0), sy = 1.0 / (self->vy1 - self->vy0);

  nc->curve = cv;
  nc->n = n;
  nc->nx = g_new (double, MAX (n, 1));
  nc->ny = g_new (double, MAX (n, 1));
  nc->sy = NULL;
  for (guint i = 0; i < n; i++)
    {
      nc->nx[i] = (p[i].x - self->vx0) * sx;
      nc->ny[i] = (transform_y (self, p[i].y) - self->vy0) * sy;
    }
  if (self->smoothing > 0 && n > 2)
    {
      nc->sy = g_new (double, n);
      ds_smooth_ema (p, n, self->smoothing, nc->sy);
      for (guint i = 0; i < n; i++)
        nc->sy[i] = (transform_y (self, nc->sy[i]) - self->vy0) * sy;
    }
  nc->best = cv->mark_best
    ? ds_metric_series_find_best (cv->series, ds_metric_key_maximizes (ds_metric_series_get_key (cv->series)))
    : -1;
}

/* ------------------------------------------------------------------------ */

static void
draw (DsPlot        *self,
      cairo_t       *cr,
      int            width,
      int            height,
      const Palette *pal,
      gboolean       crosshair)
{
  g_autoptr(GArray) curves = collect_curves (self);
  g_autoptr(GArray) norm = g_array_new (FALSE, FALSE, sizeof (NormCurve));
  PangoLayout *bold = _ds_plot_make_layout (self, cr, 1.0, TRUE);
  PangoLayout *small = _ds_plot_make_layout (self, cr, 0.85, FALSE);
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  gboolean have = auto_view (self, curves, &x0, &x1, &y0, &y1);
  Frame f;
  double left = 0;
  char buf[32];

  if (pal->paint_background)
    {
      _ds_plot_set_color (cr, &pal->background, 1);
      cairo_paint (cr);
    }

  if (!self->zoomed)
    {
      self->vx0 = x0;
      self->vx1 = x1;
      self->vy0 = y0;
      self->vy1 = y1;
    }

  /* Room for the widest y tick label. */
  {
    double ystep, yt[64];
    int ny = _ds_plot_y_ticks (self, height - 56, yt, G_N_ELEMENTS (yt), &ystep);

    for (int i = 0; i < ny; i++)
      {
        _ds_plot_format_tick (self, buf, sizeof buf, yt[i], ystep, TRUE);
        left = MAX (left, _ds_plot_text_width (small, buf));
      }
  }
  f.x = MAX (left + 12, 36);
  f.y = 30;
  f.w = MAX (width - f.x - 14, 10);
  f.h = MAX (height - f.y - 40, 10);

  self->frame_x = f.x;
  self->frame_y = f.y;
  self->frame_w = f.w;
  self->frame_h = f.h;
  self->n_points = 0;
  _ds_plot_layer_header (self, cr, width, &f, pal, curves, bold, small);

  if (!have)
    {
      _ds_plot_set_color (cr, &pal->fg, 0.45);
      _ds_plot_draw_text (cr, small, _("No values yet"), f.x + f.w / 2, f.y + f.h / 2, 0.5, 0.5);
      g_object_unref (bold);
      g_object_unref (small);
      return;
    }

  for (guint c = 0; c < curves->len; c++)
    {
      NormCurve nc;

      normalize (self, &g_array_index (curves, Curve, c), &nc);
      self->n_points += nc.n;
      g_array_append_val (norm, nc);
    }

  _ds_plot_layer_grid (self, cr, &f, pal, small);
  _ds_plot_set_color (cr, &pal->fg, 0.55);

  _ds_plot_layer_markers (self, cr, &f, &pal->background, small);
  g_array_set_size (self->label_rects, 0);
  _ds_plot_layer_references (self, cr, &f, pal, norm, small);
  _ds_plot_layer_curves (self, cr, &f, norm);
  _ds_plot_layer_best (self, cr, &f, pal, norm, small);
  if (crosshair)
    _ds_plot_layer_crosshair (self, cr, &f, pal, norm, small);

  for (guint c = 0; c < norm->len; c++)
    norm_curve_clear (&g_array_index (norm, NormCurve, c));
  g_object_unref (bold);
  g_object_unref (small);
}

static void
widget_palette (DsPlot  *self,
                Palette *pal)
{
  GtkStyleContext *style = gtk_widget_get_style_context (GTK_WIDGET (self));
  AdwStyleManager *manager = adw_style_manager_get_default ();
  gboolean dark = adw_style_manager_get_dark (manager);

  gtk_style_context_get_color (style, &pal->fg);
  pal->grid = pal->fg;
  pal->grid.alpha *= dark ? 0.10 : 0.08;
  gdk_rgba_parse (&pal->panel, dark ? "#383838" : "#ffffff");
  gdk_rgba_parse (&pal->background, dark ? "#303030" : "#ffffff");
  pal->paint_background = FALSE;
}

static void
ds_plot_snapshot (GtkWidget   *widget,
                  GtkSnapshot *snapshot)
{
  DsPlot *self = DS_PLOT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  Palette pal;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  widget_palette (self, &pal);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  draw (self, cr, width, height, &pal, self->cross_x >= 0);
  cairo_destroy (cr);
}

void
ds_plot_render (DsPlot  *self,
                cairo_t *cr,
                int      width,
                int      height)
{
  Palette pal;

  g_return_if_fail (DS_IS_PLOT (self));

  gdk_rgba_parse (&pal.fg, "#241f31");
  pal.grid = pal.fg;
  pal.grid.alpha = 0.08;
  gdk_rgba_parse (&pal.panel, "#ffffff");
  gdk_rgba_parse (&pal.background, "#ffffff");
  pal.paint_background = TRUE;
  {
    /* The export's layout must not move the widget's crosshair mapping. */
    double fx = self->frame_x, fy = self->frame_y, fw = self->frame_w, fh = self->frame_h;

    draw (self, cr, width, height, &pal, FALSE);
    self->frame_x = fx;
    self->frame_y = fy;
    self->frame_w = fw;
    self->frame_h = fh;
  }
}

/* ------------------------------------------------------------------------ */
/* Input                                                                     */
/* ------------------------------------------------------------------------ */

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           DsPlot                   *self)
{
  ds_plot_set_crosshair (self, x, y);
}

static void
leave_cb (GtkEventControllerMotion *motion,
          DsPlot                   *self)
{
  ds_plot_set_crosshair (self, -1, -1);
}

static void
set_zoomed (DsPlot   *self,
            gboolean  zoomed)
{
  if (self->zoomed == zoomed)
    return;
  self->zoomed = zoomed;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOMED]);
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           DsPlot                   *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (scroll));
  double factor = pow (1.15, -dy);
  double at_x = self->frame_w > 0 ? CLAMP ((self->cross_x - self->frame_x) / self->frame_w, 0, 1) : 0.5;
  double at_y = self->frame_h > 0 ? CLAMP (1 - (self->cross_y - self->frame_y) / self->frame_h, 0, 1) : 0.5;

  if (dy == 0)
    return FALSE;
  if (mods & (GDK_CONTROL_MASK | GDK_SHIFT_MASK))
    {
      /* The y axis: Ctrl or Shift with the wheel. */
      double c = self->vy0 + at_y * (self->vy1 - self->vy0);

      set_zoomed (self, TRUE);
      self->vy0 = c - (c - self->vy0) / factor;
      self->vy1 = c + (self->vy1 - c) / factor;
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  else
    ds_plot_zoom (self, factor, at_x);
  return TRUE;
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               DsPlot         *self)
{
  self->drag_vx0 = self->vx0;
  self->drag_vx1 = self->vx1;
  self->drag_vy0 = self->vy0;
  self->drag_vy1 = self->vy1;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          ox,
                double          oy,
                DsPlot         *self)
{
  double w = MAX (self->frame_w, 1);
  double h = MAX (self->frame_h, 1);
  double sx = (self->drag_vx1 - self->drag_vx0) / w;
  double sy = (self->drag_vy1 - self->drag_vy0) / h;

  if (fabs (ox) + fabs (oy) < 3 && !self->zoomed)
    return;
  set_zoomed (self, TRUE);
  self->vx0 = self->drag_vx0 - ox * sx;
  self->vx1 = self->drag_vx1 - ox * sx;
  self->vy0 = self->drag_vy0 + oy * sy;
  self->vy1 = self->drag_vy1 + oy * sy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            DsPlot          *self)
{
  if (n_press == 2)
    ds_plot_reset_view (self);
}

/* ------------------------------------------------------------------------ */

static gboolean
set_str (char       **dst,
         const char  *value)
{
  if (g_strcmp0 (*dst, value) == 0)
    return FALSE;
  g_free (*dst);
  *dst = g_strdup (value);
  return TRUE;
}

/* Live data redraws at most every DS_LIVE_REDRAW_US, on that grid of the
 * clock so that every chart (and the progress line) repaints in the same
 * frame: a repaint costs far more than the events that cause it (the whole
 * window, with a software renderer), and ~12 a second look just as live. */

static gboolean
redraw_cb (gpointer data)
{
  DsPlot *self = data;

  self->redraw_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* What the chart shows, in one number: its curves' point counts and last
 * points. Progress that changes none of them (the epoch charts while an
 * epoch runs) needs no repaint. */
static guint64
mix (guint64 h,
     guint64 v)
{
  return (h ^ v) * G_GUINT64_CONSTANT (1099511628211);
}

static guint64
shown_signature (DsPlot *self)
{
  g_autoptr(GArray) curves = collect_curves (self);
  guint64 sig = mix (G_GUINT64_CONSTANT (14695981039346656037), curves->len);

  for (guint c = 0; c < curves->len; c++)
    {
      guint n;
      const DsPoint *p = ds_metric_series_get_points (g_array_index (curves, Curve, c).series, &n);
      guint64 bits[2] = { 0, 0 };

      if (n > 0)
        {
          memcpy (&bits[0], &p[n - 1].x, sizeof bits[0]);
          memcpy (&bits[1], &p[n - 1].y, sizeof bits[1]);
        }
      sig = mix (mix (mix (sig, n), bits[0]), bits[1]);
    }
  return sig;
}

static void
runs_changed_cb (DsPlot *self)
{
  guint64 sig;

  if (self->redraw_id)
    return;
  sig = shown_signature (self);
  if (sig == self->shown)
    return;
  self->shown = sig;
  self->redraw_id = g_timeout_add (ds_ms_until_tick (DS_LIVE_REDRAW_US), redraw_cb, self);
}

static void
disconnect_runs (DsPlot *self)
{
  for (guint i = 0; i < self->connected->len; i++)
    g_signal_handlers_disconnect_by_data (self->connected->pdata[i], self);
  g_ptr_array_set_size (self->connected, 0);
}

static void
connect_runs (DsPlot *self)
{
  guint n;

  disconnect_runs (self);
  n = self->runs ? g_list_model_get_n_items (self->runs) : 0;
  for (guint i = 0; i < n; i++)
    {
      DsTrainingRun *run = g_list_model_get_item (self->runs, i);

      /* One redraw per drain, however many series changed in it. */
      g_signal_connect_swapped (run, "progress", G_CALLBACK (runs_changed_cb), self);
      g_signal_connect_swapped (run, "notify::visible", G_CALLBACK (gtk_widget_queue_draw), self);
      g_signal_connect_swapped (run, "markers-changed", G_CALLBACK (runs_changed_cb), self);
      g_ptr_array_add (self->connected, run);
    }
}

static void
items_changed_cb (DsPlot *self)
{
  connect_runs (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
ds_plot_dispose (GObject *object)
{
  DsPlot *self = DS_PLOT (object);

  disconnect_runs (self);
  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_clear_object (&self->runs);
  g_clear_handle_id (&self->redraw_id, g_source_remove);
  G_OBJECT_CLASS (ds_plot_parent_class)->dispose (object);
}

static void
ds_plot_finalize (GObject *object)
{
  DsPlot *self = DS_PLOT (object);

  g_ptr_array_unref (self->connected);
  g_free (self->metric);
  g_free (self->title);
  g_free (self->x_title);
  g_array_unref (self->ref_values);
  g_ptr_array_unref (self->ref_labels);
  g_array_unref (self->label_rects);
  G_OBJECT_CLASS (ds_plot_parent_class)->finalize (object);
}

static void
ds_plot_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  DsPlot *self = DS_PLOT (object);

  switch (prop_id)
    {
    case PROP_METRIC:
      g_value_set_string (value, self->metric);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_PER_BATCH:
      g_value_set_boolean (value, self->per_batch);
      break;
    case PROP_SMOOTHING:
      g_value_set_double (value, self->smoothing);
      break;
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, self->log_scale);
      break;
    case PROP_ZOOMED:
      g_value_set_boolean (value, self->zoomed);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_plot_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  DsPlot *self = DS_PLOT (object);

  switch (prop_id)
    {
    case PROP_METRIC:
      ds_plot_set_metric (self, g_value_get_string (value));
      break;
    case PROP_TITLE:
      ds_plot_set_title (self, g_value_get_string (value));
      break;
    case PROP_PER_BATCH:
      ds_plot_set_per_batch (self, g_value_get_boolean (value));
      break;
    case PROP_SMOOTHING:
      ds_plot_set_smoothing (self, g_value_get_double (value));
      break;
    case PROP_LOG_SCALE:
      ds_plot_set_log_scale (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_plot_measure (GtkWidget      *widget,
                 GtkOrientation  orientation,
                 int             for_size,
                 int            *minimum,
                 int            *natural,
                 int            *minimum_baseline,
                 int            *natural_baseline)
{
  DsPlot *self = DS_PLOT (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 220;
      *natural = 420;
    }
  else
    {
      *minimum = self->compact ? 120 : 170;
      *natural = self->compact ? 130 : 260;
    }
}

static void
ds_plot_class_init (DsPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_plot_dispose;
  object_class->finalize = ds_plot_finalize;
  object_class->get_property = ds_plot_get_property;
  object_class->set_property = ds_plot_set_property;
  widget_class->snapshot = ds_plot_snapshot;
  widget_class->measure = ds_plot_measure;

  properties[PROP_METRIC] =
    g_param_spec_string ("metric", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_PER_BATCH] =
    g_param_spec_boolean ("per-batch", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SMOOTHING] =
    g_param_spec_double ("smoothing", NULL, NULL, 0, 0.99, 0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOMED] =
    g_param_spec_boolean ("zoomed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "plot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ds_plot_init (DsPlot *self)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();
  GtkEventController *scroll =
    gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  GtkGesture *drag = gtk_gesture_drag_new ();
  GtkGesture *click = gtk_gesture_click_new ();

  self->connected = g_ptr_array_new_with_free_func (g_object_unref);  /* refs of the runs */
  self->ref_values = g_array_new (FALSE, FALSE, sizeof (double));
  self->ref_labels = g_ptr_array_new_with_free_func (g_free);
  self->label_rects = g_array_new (FALSE, FALSE, sizeof (LabelRect));
  self->cross_x = self->cross_y = -1;
  self->vx1 = self->vy1 = 1;

  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), motion);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), scroll);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));

  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self),
                               _("Scroll to zoom (Ctrl: the value axis), drag to pan, "
                               "double-click to fit"));
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), FALSE);
}

GtkWidget *
ds_plot_new (void)
{
  return g_object_new (DS_TYPE_PLOT, NULL);
}

void
ds_plot_set_runs (DsPlot     *self,
                  GListModel *runs)
{
  g_return_if_fail (DS_IS_PLOT (self));

  if (self->runs)
    g_signal_handlers_disconnect_by_data (self->runs, self);
  g_set_object (&self->runs, runs);
  if (runs)
    g_signal_connect_swapped (runs, "items-changed", G_CALLBACK (items_changed_cb), self);
  items_changed_cb (self);
}

void
ds_plot_set_metric (DsPlot     *self,
                    const char *metric)
{
  g_return_if_fail (DS_IS_PLOT (self));
  if (set_str (&self->metric, metric))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRIC]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      self->title ? self->title : metric, -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

const char *
ds_plot_get_metric (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), NULL);
  return self->metric;
}

void
ds_plot_set_title (DsPlot     *self,
                   const char *title)
{
  g_return_if_fail (DS_IS_PLOT (self));
  if (set_str (&self->title, title))
    {
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      title, -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

const char *
ds_plot_get_title (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), NULL);
  return self->title;
}

void
ds_plot_set_x_axis (DsPlot     *self,
                    double      scale,
                    const char *title)
{
  g_return_if_fail (DS_IS_PLOT (self));
  if (scale <= 0 || title == NULL)
    {
      scale = 0;
      title = NULL;
    }
  if (self->x_scale == scale && g_strcmp0 (self->x_title, title) == 0)
    return;
  self->x_scale = scale;
  g_free (self->x_title);
  self->x_title = g_strdup (title);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
ds_plot_get_x_title (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), NULL);
  return self->x_title;
}

void
ds_plot_set_per_batch (DsPlot   *self,
                       gboolean  per_batch)
{
  g_return_if_fail (DS_IS_PLOT (self));
  per_batch = !!per_batch;
  if (self->per_batch == per_batch)
    return;
  self->per_batch = per_batch;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PER_BATCH]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_plot_set_smoothing (DsPlot *self,
                       double  smoothing)
{
  g_return_if_fail (DS_IS_PLOT (self));
  smoothing = CLAMP (smoothing, 0, 0.99);
  if (self->smoothing == smoothing)
    return;
  self->smoothing = smoothing;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SMOOTHING]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_plot_set_log_scale (DsPlot   *self,
                       gboolean  log_scale)
{
  g_return_if_fail (DS_IS_PLOT (self));
  log_scale = !!log_scale;
  if (self->log_scale == log_scale)
    return;
  self->log_scale = log_scale;
  /* A zoomed view is in the old axis' units; start over. */
  set_zoomed (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOG_SCALE]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
ds_plot_get_log_scale (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), FALSE);
  return self->log_scale;
}

void
ds_plot_reset_view (DsPlot *self)
{
  g_return_if_fail (DS_IS_PLOT (self));
  set_zoomed (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_plot_set_references (DsPlot            *self,
                        guint              n,
                        const double      *values,
                        const char *const *labels)
{
  gboolean same;

  g_return_if_fail (DS_IS_PLOT (self));
  g_return_if_fail (n == 0 || (values != NULL && labels != NULL));

  same = n == self->ref_values->len;
  for (guint i = 0; same && i < n; i++)
    same = g_array_index (self->ref_values, double, i) == values[i]
           && g_strcmp0 (self->ref_labels->pdata[i], labels[i]) == 0;
  if (same)
    return;
  g_array_set_size (self->ref_values, 0);
  g_ptr_array_set_size (self->ref_labels, 0);
  for (guint i = 0; i < n; i++)
    {
      g_array_append_val (self->ref_values, values[i]);
      g_ptr_array_add (self->ref_labels, g_strdup (labels[i]));
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
ds_plot_get_n_references (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), 0);
  return self->ref_values->len;
}

double
ds_plot_get_reference (DsPlot      *self,
                       guint        i,
                       const char **label)
{
  g_return_val_if_fail (DS_IS_PLOT (self), NAN);
  g_return_val_if_fail (i < self->ref_values->len, NAN);
  if (label)
    *label = self->ref_labels->pdata[i];
  return g_array_index (self->ref_values, double, i);
}

gboolean
ds_plot_get_zoomed (DsPlot *self)
{
  g_return_val_if_fail (DS_IS_PLOT (self), FALSE);
  return self->zoomed;
}

void
ds_plot_zoom (DsPlot *self,
              double  factor,
              double  at)
{
  double c;

  g_return_if_fail (DS_IS_PLOT (self));
  g_return_if_fail (factor > 0);

  c = self->vx0 + CLAMP (at, 0, 1) * (self->vx1 - self->vx0);
  set_zoomed (self, TRUE);
  self->vx0 = c - (c - self->vx0) / factor;
  self->vx1 = c + (self->vx1 - c) / factor;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_plot_pan (DsPlot *self,
             double  dx,
             double  dy)
{
  double wx, wy;

  g_return_if_fail (DS_IS_PLOT (self));
  wx = (self->vx1 - self->vx0) * dx;
  wy = (self->vy1 - self->vy0) * dy;
  set_zoomed (self, TRUE);
  self->vx0 += wx;
  self->vx1 += wx;
  self->vy0 += wy;
  self->vy1 += wy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_plot_get_view (DsPlot *self,
                  double *x0,
                  double *x1,
                  double *y0,
                  double *y1)
{
  g_return_if_fail (DS_IS_PLOT (self));
  if (x0)
    *x0 = self->vx0;
  if (x1)
    *x1 = self->vx1;
  if (y0)
    *y0 = self->vy0;
  if (y1)
    *y1 = self->vy1;
}

void
ds_plot_set_crosshair (DsPlot *self,
                       double  x,
                       double  y)
{
  g_return_if_fail (DS_IS_PLOT (self));
  self->cross_x = x;
  self->cross_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

char *
ds_plot_dup_readout (DsPlot *self)
{
  g_autoptr(GArray) curves = NULL;
  GString *out;
  double data_x;

  g_return_val_if_fail (DS_IS_PLOT (self), NULL);

  if (self->cross_x < 0 || self->frame_w <= 0)
    return NULL;
  curves = collect_curves (self);
  out = g_string_new (NULL);
  data_x = self->vx0 + (self->cross_x - self->frame_x) / self->frame_w * (self->vx1 - self->vx0);
  if (self->x_title)
    g_string_append_printf (out, "%s %.0f", self->x_title, data_x * self->x_scale);
  else
    g_string_append_printf (out, _("epoch %.2f"), data_x);
  for (guint c = 0; c < curves->len; c++)
    {
      Curve *cv = &g_array_index (curves, Curve, c);
      int i = ds_metric_series_find_nearest (cv->series, data_x);
      const DsPoint *p = ds_metric_series_get_points (cv->series, NULL);

      if (i >= 0)
        g_string_append_printf (out, " · %s %s %g", ds_training_run_get_name (cv->run),
                                ds_metric_series_get_key (cv->series), p[i].y);
    }
  return g_string_free (out, FALSE);
}

guint
ds_plot_get_n_points (DsPlot *self)
{
  g_autoptr(GArray) curves = NULL;
  guint n = 0;

  g_return_val_if_fail (DS_IS_PLOT (self), 0);

  curves = collect_curves (self);
  for (guint c = 0; c < curves->len; c++)
    n += ds_metric_series_get_n_points (g_array_index (curves, Curve, c).series);
  return n;
}

/* A short chart, for a value that is set rather than measured (the
 * learning rate): it needs no more height than its ticks. */
void
ds_plot_set_compact (DsPlot   *self,
                     gboolean  compact)
{
  g_return_if_fail (DS_IS_PLOT (self));
  if (self->compact == !!compact)
    return;
  self->compact = !!compact;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

guint
ds_plot_get_n_labels (DsPlot *self)
{
  return self->label_rects->len;
}

const LabelRect *
ds_plot_get_label (DsPlot *self,
                   guint   i)
{
  g_return_val_if_fail (i < self->label_rects->len, NULL);
  return &g_array_index (self->label_rects, LabelRect, i);
}
