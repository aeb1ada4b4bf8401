/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <pango/pangocairo.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-histogram-view-private.h"

struct _DsHistogramView
{
  GtkWidget      parent_instance;

  /* Template widgets */
  GtkStack      *stack;
  GtkBox        *rows;
  GtkLabel      *caption;

  /* Owned */
  DsTrainingRun *run;
  GPtrArray     *names;       /* variables that have rows */
  GPtrArray     *areas;       /* GtkDrawingArea of each panel */
};

G_DEFINE_FINAL_TYPE (DsHistogramView, ds_histogram_view, GTK_TYPE_WIDGET)

/* At most this many ridges: older epochs are sampled evenly. */
#define MAX_RIDGES 40

typedef struct
{
  double   lo, hi;
  guint32  bins[NN_HIST_BINS];
  int      epoch;
} Ridge;

static guint
collect_ridges (DsTrainingRun *run,
                const char    *name,
                gboolean       gradients,
                Ridge         *out)
{
  GArray *all = ds_training_run_get_histograms (run);
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (Ridge));
  guint n_out = 0;

  for (guint e = 0; e < all->len; e++)
    {
      DsRunHistograms *h = &g_array_index (all, DsRunHistograms, e);

      for (int k = 0; k < h->n_histograms; k++)
        if (g_strcmp0 (h->histograms[k].name, name) == 0)
          {
            const NnHistogram *hist = &h->histograms[k];
            Ridge r;

            r.lo = gradients ? hist->g_min : hist->w_min;
            r.hi = gradients ? hist->g_max : hist->w_max;
            memcpy (r.bins, gradients ? hist->g_bins : hist->w_bins, sizeof r.bins);
            r.epoch = h->epoch;
            g_array_append_val (found, r);
            break;
          }
    }
  if (found->len <= MAX_RIDGES)
    {
      memcpy (out, found->data, found->len * sizeof (Ridge));
      return found->len;
    }
  /* Evenly spaced, always ending with the newest. */
  for (guint i = 0; i < MAX_RIDGES; i++)
    {
      guint src = (guint) llround ((double) i * (found->len - 1) / (MAX_RIDGES - 1));

      out[n_out++] = g_array_index (found, Ridge, src);
    }
  return n_out;
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           gboolean     bold)
{
  int w, h;

  if (bold)
    {
      g_autofree char *markup = g_markup_printf_escaped ("<b>%s</b>", text);
      pango_layout_set_markup (layout, markup, -1);
    }
  else
    pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y));
  pango_cairo_show_layout (cr, layout);
}

static void
format_number (char   *buf,
               gsize   size,
               double  v)
{
  if (v == 0)
    g_strlcpy (buf, "0", size);
  else if (fabs (v) < 1e-3 || fabs (v) >= 1e4)
    g_snprintf (buf, size, "%.1e", v);
  else
    g_snprintf (buf, size, "%.3g", v);
}

/* The values the ridges span and the highest density among them; FALSE
 * when no ridge has a count. */
static gboolean
ridges_range (const Ridge *ridges,
              guint        n,
              double      *lo,
              double      *hi,
              double      *max_density)
{
  gboolean any = FALSE;

  for (guint i = 0; i < n; i++)
    {
      guint64 total = 0;

      for (int k = 0; k < NN_HIST_BINS; k++)
        total += ridges[i].bins[k];
      if (total == 0)
        continue;
      any = TRUE;
      *lo = MIN (*lo, ridges[i].lo);
      *hi = MAX (*hi, ridges[i].hi);
      for (int k = 0; k < NN_HIST_BINS; k++)
        {
          /* Density, so that ridges of different widths compare. */
          double bw = (ridges[i].hi - ridges[i].lo) / NN_HIST_BINS;
          double d = ridges[i].bins[k] / (total * MAX (bw, 1e-12));

          *max_density = MAX (*max_density, d);
        }
    }
  return any;
}

/* One filled outline per epoch, the oldest at the top, each step lower. */
static void
draw_ridges (cairo_t     *cr,
             const Ridge *ridges,
             guint        n,
             double       lo,
             double       hi,
             double       max_density,
             double       left,
             double       top,
             double       pw,
             double       peak,
             double       step)
{
  GdkRGBA fill, line;

  cairo_set_line_width (cr, 1);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (guint i = 0; i < n; i++)
    {
      const Ridge *r = &ridges[i];
      double base = top + peak + i * step;
      double t = n > 1 ? (double) i / (n - 1) : 1;
      double bw = (r->hi - r->lo) / NN_HIST_BINS;
      guint64 total = 0;

      for (int k = 0; k < NN_HIST_BINS; k++)
        total += r->bins[k];
      if (total == 0)
        continue;

      cairo_move_to (cr, left + (r->lo - lo) / (hi - lo) * pw, base);
      for (int k = 0; k < NN_HIST_BINS; k++)
        {
          double c = r->lo + (k + 0.5) * bw;
          double d = r->bins[k] / (total * MAX (bw, 1e-12)) / max_density;

          cairo_line_to (cr, left + (c - lo) / (hi - lo) * pw, base - d * peak);
        }
      cairo_line_to (cr, left + (r->hi - lo) / (hi - lo) * pw, base);
      cairo_close_path (cr);
      ds_colors_ridge (t, &fill, &line);
      gdk_cairo_set_source_rgba (cr, &fill);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, &line);
      cairo_stroke (cr);
    }
}

void
ds_histogram_render (DsTrainingRun *run,
                     const char    *name,
                     gboolean       gradients,
                     cairo_t       *cr,
                     int            width,
                     int            height,
                     const GdkRGBA *fg)
{
  Ridge ridges[MAX_RIDGES];
  static PangoFontDescription *font;
  static gsize font_once;
  g_autoptr(PangoLayout) layout = NULL;
  guint n;
  double lo = INFINITY, hi = -INFINITY, max_density = 0;
  double left = 10, right = 64, top = 24, bottom = 22;
  double pw = width - left - right, ph = height - top - bottom;
  double peak, step;
  gboolean any = FALSE;
  char a[32], b[32];

  g_return_if_fail (DS_IS_TRAINING_RUN (run));

  /* One layout for every label of the panel. */
  if (g_once_init_enter (&font_once))
    {
      font = pango_font_description_from_string ("Sans 8");
      g_once_init_leave (&font_once, 1);
    }
  layout = pango_cairo_create_layout (cr);
  pango_layout_set_font_description (layout, font);

  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha);
  show_text (cr, layout, gradients ? _("Gradients") : _("Weights"), 8, 4, 0, TRUE);

  n = collect_ridges (run, name, gradients, ridges);
  any = ridges_range (ridges, n, &lo, &hi, &max_density);
  if (!any || pw < 20 || ph < 20)
    {
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.5);
      show_text (cr, layout, gradients ? _("No gradients (frozen or not trained yet)") : _("No values yet"),
                 width / 2.0, height / 2.0 - 8, 0.5, FALSE);
      return;
    }
  if (hi - lo < 1e-12)
    {
      lo -= 0.5;
      hi += 0.5;
    }

  peak = n > 1 ? ph * 0.42 : ph;
  step = n > 1 ? (ph - peak) / (n - 1) : 0;

  draw_ridges (cr, ridges, n, lo, hi, max_density, left, top, pw, peak, step);

  /* Epoch labels beside the first and the newest ridge. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.7);
  g_snprintf (a, sizeof a, _("epoch %d"), ridges[0].epoch + 1);
  show_text (cr, layout, a, left + pw + 6, top + peak - 10, 0, FALSE);
  if (n > 1)
    {
      g_snprintf (b, sizeof b, _("epoch %d"), ridges[n - 1].epoch + 1);
      show_text (cr, layout, b, left + pw + 6, top + peak + (n - 1) * step - 10, 0, FALSE);
    }

  /* Value axis: the two ends and zero when it is inside. */
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.3);
  cairo_move_to (cr, left, height - bottom + 2.5);
  cairo_line_to (cr, left + pw, height - bottom + 2.5);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.7);
  format_number (a, sizeof a, lo);
  format_number (b, sizeof b, hi);
  show_text (cr, layout, a, left, height - bottom + 5, 0, FALSE);
  show_text (cr, layout, b, left + pw, height - bottom + 5, 1, FALSE);
  if (lo < 0 && hi > 0 && -lo / (hi - lo) > 0.15 && hi / (hi - lo) > 0.15)
    {
      double zx = left + (-lo) / (hi - lo) * pw;

      show_text (cr, layout, "0", zx, height - bottom + 5, 0.5, FALSE);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha * 0.15);
      cairo_move_to (cr, round (zx) + 0.5, top);
      cairo_line_to (cr, round (zx) + 0.5, height - bottom);
      cairo_stroke (cr);
    }
}

typedef struct
{
  DsHistogramView *view;
  char            *name;
  gboolean         gradients;
} Panel;

static void
panel_free (gpointer data)
{
  Panel *p = data;

  g_free (p->name);
  g_free (p);
}

static void
draw_panel (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  Panel *p = data;
  GdkRGBA fg;

  if (p->view->run == NULL)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  ds_histogram_render (p->view->run, p->name, p->gradients, cr, width, height, &fg);
}

static GtkWidget *
make_panel (DsHistogramView *self,
            const char      *name,
            gboolean         gradients)
{
  GtkWidget *area = gtk_drawing_area_new ();
  GtkWidget *frame = gtk_frame_new (NULL);
  Panel *p = g_new0 (Panel, 1);
  g_autofree char *label = g_strdup_printf (_("%s of %s"), gradients ? _("Gradients") : _("Weights"), name);

  p->view = self;
  p->name = g_strdup (name);
  p->gradients = gradients;
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), 170);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_panel, p, panel_free);
  gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_frame_set_child (GTK_FRAME (frame), area);
  gtk_widget_add_css_class (frame, "view");
  g_ptr_array_add (self->areas, area);
  return frame;
}

static void
rebuild (DsHistogramView *self)
{
  GArray *all = self->run ? ds_training_run_get_histograms (self->run) : NULL;
  DsRunHistograms *last;
  gboolean same;
  GtkWidget *child;

  if (all == NULL || all->len == 0)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      return;
    }
  gtk_stack_set_visible_child_name (self->stack, "content");
  last = &g_array_index (all, DsRunHistograms, all->len - 1);

  {
    g_autofree char *text = g_strdup_printf (g_dngettext (NULL, "%s · %u epoch · one ridge per epoch, the newest in front",
                                                          "%s · %u epochs · one ridge per epoch, the newest in front",
                                                          all->len),
                                             ds_training_run_get_name (self->run), all->len);
    gtk_label_set_text (self->caption, text);
  }

  same = (int) self->names->len == last->n_histograms;
  for (int k = 0; same && k < last->n_histograms; k++)
    same = g_str_equal (self->names->pdata[k], last->histograms[k].name);
  if (same)
    {
      for (guint i = 0; i < self->areas->len; i++)
        gtk_widget_queue_draw (self->areas->pdata[i]);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rows))))
    gtk_box_remove (self->rows, child);
  g_ptr_array_set_size (self->names, 0);
  g_ptr_array_set_size (self->areas, 0);
  for (int k = 0; k < last->n_histograms; k++)
    {
      const char *name = last->histograms[k].name;
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *label = gtk_label_new (name);
      GtkWidget *panels = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);

      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "heading");
      gtk_box_set_homogeneous (GTK_BOX (panels), TRUE);
      gtk_box_append (GTK_BOX (panels), make_panel (self, name, FALSE));
      gtk_box_append (GTK_BOX (panels), make_panel (self, name, TRUE));
      gtk_box_append (GTK_BOX (row), label);
      gtk_box_append (GTK_BOX (row), panels);
      gtk_box_append (self->rows, row);
      g_ptr_array_add (self->names, g_strdup (name));
    }
}

static void
ds_histogram_view_dispose (GObject *object)
{
  DsHistogramView *self = DS_HISTOGRAM_VIEW (object);

  ds_histogram_view_set_run (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_HISTOGRAM_VIEW);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_histogram_view_parent_class)->dispose (object);
}

static void
ds_histogram_view_finalize (GObject *object)
{
  DsHistogramView *self = DS_HISTOGRAM_VIEW (object);

  g_ptr_array_unref (self->names);
  g_ptr_array_unref (self->areas);
  G_OBJECT_CLASS (ds_histogram_view_parent_class)->finalize (object);
}

static void
ds_histogram_view_class_init (DsHistogramViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_histogram_view_dispose;
  object_class->finalize = ds_histogram_view_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-histogram-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DsHistogramView, stack);
  gtk_widget_class_bind_template_child (widget_class, DsHistogramView, rows);
  gtk_widget_class_bind_template_child (widget_class, DsHistogramView, caption);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "histogramview");
}

static void
ds_histogram_view_init (DsHistogramView *self)
{
  self->names = g_ptr_array_new_with_free_func (g_free);
  self->areas = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ds_histogram_view_new (void)
{
  return g_object_new (DS_TYPE_HISTOGRAM_VIEW, NULL);
}

void
ds_histogram_view_set_run (DsHistogramView *self,
                           DsTrainingRun   *run)
{
  g_return_if_fail (DS_IS_HISTOGRAM_VIEW (self));

  if (self->run == run)
    return;
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_set_object (&self->run, run);
  if (run)
    g_signal_connect_swapped (run, "histograms", G_CALLBACK (rebuild), self);
  if (self->stack)
    rebuild (self);
}

guint
ds_histogram_view_get_n_rows (DsHistogramView *self)
{
  g_return_val_if_fail (DS_IS_HISTOGRAM_VIEW (self), 0);
  return self->names->len;
}
