/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-inspect-bars.h"
#include "ds-inspect-export.h"

#define ROW_HEIGHT  20
#define NAME_WIDTH  96
#define VALUE_WIDTH 48
/* Past MAX_ALL classes, only the MAX_SHOWN likeliest are drawn, sorted,
 * and a last row counts the rest. */
#define MAX_ALL     12
#define MAX_SHOWN   10

struct _DsInspectBars
{
  GtkWidget  parent_instance;

  /* Owned */
  int        n;
  float     *p;
  char     **names;
  int        top;
  int        truth;
  int        n_rows;   /* class rows drawn (n, or MAX_SHOWN) */
  int       *order;    /* the class of each row drawn */
};

G_DEFINE_FINAL_TYPE (DsInspectBars, ds_inspect_bars, GTK_TYPE_WIDGET)

/* The rows a chart of n classes draws: every class, or the likeliest
 * MAX_SHOWN and a row counting the rest. */
static int
n_lines (DsInspectBars *self)
{
  return self->n_rows + (self->n_rows < self->n);
}

/* The last row of a chart that does not draw every class: how many are
 * left out, and the true class's probability when it is one of them. */
static void
render_more (DsInspectBars *self,
             cairo_t       *cr,
             int            width,
             const GdkRGBA *fg)
{
  g_autofree char *text = NULL;
  gboolean truth_shown = self->truth < 0;
  PangoLayout *layout;
  PangoFontDescription *font;
  int tw, th;

  if (self->n_rows >= self->n)
    return;
  for (int row = 0; row < self->n_rows; row++)
    truth_shown = truth_shown || self->order[row] == self->truth;
  if (truth_shown)
    text = g_strdup_printf (_("+ %d more"), self->n - self->n_rows);
  else
    text = g_strdup_printf (_("+ %d more (true: %s, %.1f %%)"), self->n - self->n_rows,
                            self->names[self->truth], 100.0 * self->p[self->truth]);
  layout = pango_cairo_create_layout (cr);
  font = pango_font_description_from_string ("Sans Italic 9");
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, MAX (1, width - NAME_WIDTH - 6) * PANGO_SCALE);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_get_pixel_size (layout, &tw, &th);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.7 * fg->alpha);
  cairo_move_to (cr, NAME_WIDTH + 6, self->n_rows * ROW_HEIGHT + (ROW_HEIGHT - th) / 2.0);
  pango_cairo_show_layout (cr, layout);
  g_object_unref (layout);
}

/* Draws the chart with `fg` for text (the theme's, or black on export). */
static void
render (DsInspectBars *self,
        cairo_t       *cr,
        int            width,
        const GdkRGBA *fg)
{
  PangoLayout *layout = NULL;
  double rgb[3], bar_w = MAX (20, width - NAME_WIDTH - VALUE_WIDTH - 12);

  ds_colors_class_rgb (1, rgb);
  for (int row = 0; row < self->n_rows; row++)
    {
      int c = self->order[row];
      double y = row * ROW_HEIGHT;
      g_autofree char *value = g_strdup_printf ("%.1f %%", 100.0 * self->p[c]);
      g_autofree char *name = g_strdup_printf ("%s%s", c == self->truth ? "✓ " : "",
                                               self->names[c]);
      PangoFontDescription *font;
      int tw, th;

      /* The bar: the top class in the class colour, the others grey. */
      if (c == self->top)
        cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      else
        cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.35);
      cairo_rectangle (cr, NAME_WIDTH + 6, y + 3, MAX (1, bar_w * self->p[c]), ROW_HEIGHT - 6);
      cairo_fill (cr);
      if (c == self->truth)
        {
          /* The true class: an outline around its whole row's bar space. */
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, NAME_WIDTH + 5.5, y + 2.5, bar_w + 1, ROW_HEIGHT - 5);
          cairo_stroke (cr);
        }

      g_clear_object (&layout);
      layout = pango_cairo_create_layout (cr);
      font = pango_font_description_from_string (c == self->top ? "Sans Bold 9" : "Sans 9");
      pango_layout_set_font_description (layout, font);
      pango_font_description_free (font);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha);
      pango_layout_set_text (layout, name, -1);
      pango_layout_set_width (layout, NAME_WIDTH * PANGO_SCALE);
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
      pango_layout_set_alignment (layout, PANGO_ALIGN_RIGHT);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, 0, y + (ROW_HEIGHT - th) / 2.0);
      pango_cairo_show_layout (cr, layout);
      pango_layout_set_width (layout, -1);
      pango_layout_set_alignment (layout, PANGO_ALIGN_LEFT);
      pango_layout_set_text (layout, value, -1);
      pango_layout_get_pixel_size (layout, &tw, &th);
      cairo_move_to (cr, width - tw, y + (ROW_HEIGHT - th) / 2.0);
      pango_cairo_show_layout (cr, layout);
    }
  g_clear_object (&layout);
  render_more (self, cr, width, fg);
}

static void
draw (GtkWidget *widget,
      cairo_t   *cr,
      int        width,
      int        height)
{
  GdkRGBA black = { 0, 0, 0, 1 };

  render (DS_INSPECT_BARS (widget), cr, width, &black);
}

static gboolean
export_size (GtkWidget *widget,
             int       *width,
             int       *height)
{
  DsInspectBars *self = DS_INSPECT_BARS (widget);

  *width = 360;
  *height = n_lines (self) * ROW_HEIGHT;
  return self->n > 0;
}

static void
ds_inspect_bars_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  DsInspectBars *self = DS_INSPECT_BARS (widget);
  int width = gtk_widget_get_width (widget);
  GdkRGBA fg;
  cairo_t *cr;

  if (self->n == 0 || width < 1)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0, width, n_lines (self) * ROW_HEIGHT));
  render (self, cr, width, &fg);
  cairo_destroy (cr);
}

static void
ds_inspect_bars_measure (GtkWidget      *widget,
                         GtkOrientation  orientation,
                         int             for_size,
                         int            *minimum,
                         int            *natural,
                         int            *minimum_baseline,
                         int            *natural_baseline)
{
  DsInspectBars *self = DS_INSPECT_BARS (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = NAME_WIDTH + VALUE_WIDTH + 40;
      *natural = 320;
    }
  else
    *minimum = *natural = n_lines (self) * ROW_HEIGHT;
}

static void
clear (DsInspectBars *self)
{
  g_clear_pointer (&self->p, g_free);
  g_clear_pointer (&self->names, g_strfreev);
  g_clear_pointer (&self->order, g_free);
  self->n = 0;
  self->n_rows = 0;
  self->top = -1;
  self->truth = -1;
}

static void
ds_inspect_bars_finalize (GObject *object)
{
  clear (DS_INSPECT_BARS (object));
  G_OBJECT_CLASS (ds_inspect_bars_parent_class)->finalize (object);
}

static void
ds_inspect_bars_class_init (DsInspectBarsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ds_inspect_bars_finalize;
  widget_class->snapshot = ds_inspect_bars_snapshot;
  widget_class->measure = ds_inspect_bars_measure;
  gtk_widget_class_set_css_name (widget_class, "inspectbars");
}

static void
ds_inspect_bars_init (DsInspectBars *self)
{
  self->top = -1;
  self->truth = -1;
  ds_inspect_export_attach (GTK_WIDGET (self), "prediction", export_size, draw);
}

GtkWidget *
ds_inspect_bars_new (void)
{
  return g_object_new (DS_TYPE_INSPECT_BARS, NULL);
}

static int
by_probability (gconstpointer a,
                gconstpointer b,
                gpointer      data)
{
  const float *p = data;
  int i = *(const int *) a, j = *(const int *) b;

  if (p[i] != p[j])
    return p[i] > p[j] ? -1 : 1;
  return i - j;
}

/* Every class in its own order, or past MAX_ALL the likeliest MAX_SHOWN,
 * likeliest first. */
static void
sort_rows (DsInspectBars *self)
{
  self->order = g_new (int, self->n + 1);
  for (int c = 0; c < self->n; c++)
    self->order[c] = c;
  self->n_rows = self->n;
  if (self->n > MAX_ALL)
    {
      g_qsort_with_data (self->order, self->n, sizeof (int), by_probability, self->p);
      self->n_rows = MAX_SHOWN;
    }
}

void
ds_inspect_bars_set (DsInspectBars      *self,
                     int                 n,
                     const float        *probabilities,
                     const char * const *names,
                     int                 truth)
{
  int old_lines;

  g_return_if_fail (DS_IS_INSPECT_BARS (self));
  g_return_if_fail (n == 0 || probabilities != NULL);

  old_lines = n_lines (self);
  clear (self);
  self->n = MAX (n, 0);
  self->p = g_new0 (float, self->n + 1);
  self->names = g_new0 (char *, self->n + 1);
  for (int c = 0; c < self->n; c++)
    {
      self->p[c] = isfinite (probabilities[c]) ? CLAMP (probabilities[c], 0.f, 1.f) : 0.f;
      self->names[c] = names && names[c] ? g_strdup (names[c]) : g_strdup_printf (_("Class %d"), c);
      if (self->top < 0 || self->p[c] > self->p[self->top])
        self->top = c;
    }
  self->truth = truth >= 0 && truth < self->n ? truth : -1;
  sort_rows (self);
  if (n_lines (self) != old_lines)
    gtk_widget_queue_resize (GTK_WIDGET (self));
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
ds_inspect_bars_get_n (DsInspectBars *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), 0);
  return self->n;
}

double
ds_inspect_bars_get_value (DsInspectBars *self,
                           int            c)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), 0);
  g_return_val_if_fail (c >= 0 && c < self->n, 0);
  return self->p[c];
}

int
ds_inspect_bars_get_n_rows (DsInspectBars *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), 0);
  return self->n_rows;
}

int
ds_inspect_bars_get_row_class (DsInspectBars *self,
                               int            row)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), -1);
  g_return_val_if_fail (row >= 0 && row < self->n_rows, -1);
  return self->order[row];
}

int
ds_inspect_bars_get_top (DsInspectBars *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), -1);
  return self->top;
}

int
ds_inspect_bars_get_truth (DsInspectBars *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_BARS (self), -1);
  return self->truth;
}
