/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Parallel coordinates of a search: trials → positions 0..1 on each axis
 * (a list by its values' order, a range linearly, a log range in log, the
 * metric between the worst and best results) → cairo lines. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include "ds-colors.h"
#include "ds-search-plot.h"

struct _DsSearchPlot
{
  GtkWidget parent_instance;
  NnSearch *search;     /* borrowed */
};

G_DEFINE_FINAL_TYPE (DsSearchPlot, ds_search_plot, GTK_TYPE_WIDGET)

#define MARGIN_X   48.0
#define MARGIN_TOP 28.0
#define MARGIN_BOTTOM 42.0   /* the bottom values, then the colour legend */

/* ---- the model: positions ---------------------------------------------------- */

static double
param_position (const NnSearchParam *p, const char *text)
{
  if (p->domain == NN_SEARCH_LIST)
    {
      guint n = g_strv_length (p->values);
      for (guint k = 0; k < n; k++)
        if (g_str_equal (p->values[k], text))
          return n > 1 ? (double) k / (n - 1) : 0.5;
      return 0.5;
    }
  double v = g_ascii_strtod (text, NULL);
  if (p->domain == NN_SEARCH_LOG_RANGE)
    return (log (v) - log (p->lo)) / (log (p->hi) - log (p->lo));
  return (v - p->lo) / (p->hi - p->lo);
}

static gboolean
metric_bounds (NnSearch *s, double *lo, double *hi)
{
  *lo = INFINITY;
  *hi = -INFINITY;
  for (int i = 0; i < nn_search_get_n_trials (s); i++)
    {
      double b = nn_search_get_trial (s, i)->best;
      if (!isnan (b))
        {
          *lo = MIN (*lo, b);
          *hi = MAX (*hi, b);
        }
    }
  return isfinite (*lo);
}

double
ds_search_plot_get_position (DsSearchPlot *self, int trial, int axis)
{
  g_return_val_if_fail (DS_IS_SEARCH_PLOT (self) && self->search, NAN);
  const NnSearchSpec *sp = nn_search_get_spec (self->search);
  NnTrial *t = nn_search_get_trial (self->search, trial);
  double lo, hi;
  if (!t || isnan (t->best) || !metric_bounds (self->search, &lo, &hi))
    return NAN;
  if (axis < (int) sp->params->len)
    return CLAMP (param_position (sp->params->pdata[axis], t->values[axis]), 0, 1);
  return hi > lo ? (t->best - lo) / (hi - lo) : 0.5;
}

/* ---- drawing ---------------------------------------------------------------- */

static void
draw_text (GtkWidget *w, cairo_t *cr, const char *text, double x, double y, double align_x)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (w, text);
  int tw, th;
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_move_to (cr, x - align_x * tw, y - th / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

static const char *
short_name (const char *path)
{
  const char *dot = strrchr (path, '.');
  if (g_str_equal (path, "optimizer.learning_rate"))
    return "lr";
  if (g_str_equal (path, "optimizer.name"))
    return "optimizer";
  return dot ? dot + 1 : path;
}

/* The axes, their names and their ends' values. */
static void
draw_axes (DsSearchPlot *self, cairo_t *cr, double w, double h, int n_axes)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const NnSearchSpec *sp = nn_search_get_spec (self->search);
  double lo, hi, step = (w - 2 * MARGIN_X) / MAX (n_axes - 1, 1);
  gboolean have = metric_bounds (self->search, &lo, &hi);
  char buf[64];
  for (int a = 0; a < n_axes; a++)
    {
      double x = MARGIN_X + a * step;
      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.8);
      cairo_set_line_width (cr, 1);
      cairo_move_to (cr, x, MARGIN_TOP);
      cairo_line_to (cr, x, h - MARGIN_BOTTOM);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
      gboolean is_param = a < (int) sp->params->len;
      const NnSearchParam *p = is_param ? sp->params->pdata[a] : NULL;
      double ax = a == 0 ? 0.3 : a == n_axes - 1 ? 0.7 : 0.5;
      draw_text (widget, cr, is_param ? short_name (p->path) : sp->metric, x, 10, ax);
      if (is_param && p->domain == NN_SEARCH_LIST)
        {
          guint n = g_strv_length (p->values);
          for (guint k = 0; k < n; k++)
            draw_text (widget, cr, p->values[k], x + 4,
                       h - MARGIN_BOTTOM - param_position (p, p->values[k]) * (h - MARGIN_TOP - MARGIN_BOTTOM),
                       a == n_axes - 1 ? 1.1 : -0.05);
          continue;
        }
      double top = is_param ? p->hi : hi, bottom = is_param ? p->lo : lo;
      if (!is_param && !have)
        continue;
      g_snprintf (buf, sizeof buf, "%.3g", top);
      draw_text (widget, cr, buf, x, MARGIN_TOP - 2, ax);
      g_snprintf (buf, sizeof buf, "%.3g", bottom);
      draw_text (widget, cr, buf, x, h - MARGIN_BOTTOM + 9, ax);
    }
}

/* What the line colour means: the metric's ramp from its lowest value
 * to its highest, under the axes. */
static void
draw_legend (DsSearchPlot *self, cairo_t *cr, double w, double h)
{
  GtkWidget *widget = GTK_WIDGET (self);
  const NnSearchSpec *sp = nn_search_get_spec (self->search);
  double lo, hi, y = h - 9, bar = 72;
  char buf[64];
  if (!metric_bounds (self->search, &lo, &hi))
    return;
  g_autofree char *title = g_strdup_printf (_("Line colour: %s"), sp->metric);
  PangoLayout *layout = gtk_widget_create_pango_layout (widget, title);
  int tw, th;
  pango_layout_get_pixel_size (layout, &tw, &th);
  g_object_unref (layout);
  g_snprintf (buf, sizeof buf, "%.3g", lo);
  double x = MAX (4, (w - tw - bar - 120) / 2);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  draw_text (widget, cr, title, x, y, 0);
  x += tw + 10;
  draw_text (widget, cr, buf, x, y, 0);
  layout = gtk_widget_create_pango_layout (widget, buf);
  pango_layout_get_pixel_size (layout, &tw, &th);
  g_object_unref (layout);
  x += tw + 4;
  for (int i = 0; i < (int) bar; i++)
    {
      GdkRGBA c;
      ds_colors_ramp (i / (bar - 1), &c);
      cairo_set_source_rgb (cr, c.red, c.green, c.blue);
      cairo_rectangle (cr, x + i, y - 4, 1.2, 8);
      cairo_fill (cr);
    }
  g_snprintf (buf, sizeof buf, "%.3g", hi);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  draw_text (widget, cr, buf, x + bar + 4, y, 0);
}

static void
draw_plot (DsSearchPlot *self, cairo_t *cr, double w, double h)
{
  int n_axes = (int) nn_search_get_spec (self->search)->params->len + 1;
  double step = (w - 2 * MARGIN_X) / MAX (n_axes - 1, 1), span = h - MARGIN_TOP - MARGIN_BOTTOM;
  draw_axes (self, cr, w, h, n_axes);
  draw_legend (self, cr, w, h);
  cairo_set_line_width (cr, 2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int i = 0; i < nn_search_get_n_trials (self->search); i++)
    {
      double m = ds_search_plot_get_position (self, i, n_axes - 1);
      if (isnan (m))
        continue;
      GdkRGBA c;
      ds_colors_ramp (m, &c);
      cairo_set_source_rgba (cr, c.red, c.green, c.blue, 0.85);
      for (int a = 0; a < n_axes; a++)
        {
          double y = h - MARGIN_BOTTOM - ds_search_plot_get_position (self, i, a) * span;
          if (a == 0)
            cairo_move_to (cr, MARGIN_X, y);
          else
            cairo_line_to (cr, MARGIN_X + a * step, y);
        }
      cairo_stroke (cr);
    }
}

static void
ds_search_plot_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  DsSearchPlot *self = DS_SEARCH_PLOT (widget);
  double w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  if (!self->search || w < 2 * MARGIN_X || h < MARGIN_TOP + MARGIN_BOTTOM + 10)
    return;
  cairo_t *cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  draw_plot (self, cr, w, h);
  cairo_destroy (cr);
}

static void
export_draw (cairo_t *cr, int width, int height, gpointer data)
{
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  draw_plot (data, cr, width, height);
}

gboolean
ds_search_plot_export (DsSearchPlot *self, DsExportFormat format, const char *path,
                       GError **error)
{
  g_return_val_if_fail (DS_IS_SEARCH_PLOT (self), FALSE);
  if (!self->search || nn_search_get_jobs_done (self->search) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   _("There is no search to export yet: start one"));
      return FALSE;
    }
  return ds_export_drawing (export_draw, self, 720, 480, format, path, error);
}

static void
ds_search_plot_class_init (DsSearchPlotClass *klass)
{
  GTK_WIDGET_CLASS (klass)->snapshot = ds_search_plot_snapshot;
  gtk_widget_class_set_accessible_role (GTK_WIDGET_CLASS (klass), GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ds_search_plot_init (DsSearchPlot *self)
{
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
}

DsSearchPlot *
ds_search_plot_new (void)
{
  return g_object_new (DS_TYPE_SEARCH_PLOT, NULL);
}

void
ds_search_plot_set_search (DsSearchPlot *self, NnSearch *search)
{
  g_return_if_fail (DS_IS_SEARCH_PLOT (self));
  self->search = search;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
