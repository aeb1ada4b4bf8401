/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView's preview: the dataset's title and counts, the shapes the
 * model receives and whether they fit, sample images (with the chosen
 * augmentation) or a scatter plot of two columns, and samples per class,
 * drawn with Cairo. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>
#include <glib/gi18n.h>

#include "ds-data-view-private.h"
#include "ds-data-view-text.h"
#include "ds-colors.h"
#include "ds-util.h"

/* Thumbnails of image datasets. */
#define THUMB 60
#define THUMB_GAP 14
#define THUMB_LABEL 30   /* two lines of captions */

static gboolean
is_image_set (NnDataset *ds)
{
  return ds->n_inputs > 0 && ds->inputs[0]->ndim == 3
         && (ds->inputs[0]->shape[2] == 1 || ds->inputs[0]->shape[2] == 3);
}

static int
sample_class (NnDataset *ds,
              size_t     i)
{
  const NnArray *t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  int best = 0;

  if (t == NULL || ds->n_classes <= 0)
    return -1;
  if (t->sample_size == 1)
    return (int) nn_array_get (t, i, 0);
  for (size_t k = 1; k < t->sample_size; k++)
    if (nn_array_get (t, i, k) > nn_array_get (t, i, (size_t) best))
      best = (int) k;
  return best;
}

static const char *
class_name (NnDataset *ds,
            int        c,
            char      *buf,
            gsize      size)
{
  if (ds->class_names && c >= 0 && c < ds->n_classes && ds->class_names[c])
    {
      /* Characters: the loader's "\\t" and "\\n" drawn as in the windows. */
      if (ds->vocab && nn_vocab_is_chars (ds->vocab) && g_str_equal (ds->class_names[c], "\\t"))
        return "⇥";
      if (ds->vocab && nn_vocab_is_chars (ds->vocab) && g_str_equal (ds->class_names[c], "\\n"))
        return "↵";
      return ds->class_names[c];
    }
  g_snprintf (buf, size, "%d", c);
  return buf;
}

static void
draw_text (cairo_t              *cr,
           PangoLayout          *layout,
           const char           *text,
           double                x,
           double                y,
           double                xalign,
           double                max_width)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, max_width > 0 ? (int) (max_width * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (layout, max_width > 0 ? PANGO_ELLIPSIZE_END : PANGO_ELLIPSIZE_NONE);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y));
  pango_cairo_show_layout (cr, layout);
}

/* A caption centred under a thumbnail or a bar, within width: a name too
 * long for one line ("Ankle boot") wraps onto a second, and only a longer
 * one is shortened with "…" (counted, for the tests). */
static void
draw_caption (guint       *n_clipped,
              cairo_t     *cr,
              PangoLayout *layout,
              const char  *text,
              double       cx,
              double       y,
              double       width)
{
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_set_height (layout, -2);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  if (pango_layout_is_ellipsized (layout))
    (*n_clipped)++;
  cairo_move_to (cr, round (cx - width / 2), round (y));
  pango_cairo_show_layout (cr, layout);
  /* The layout goes on to draw one-line labels. */
  pango_layout_set_height (layout, -1);
  pango_layout_set_alignment (layout, PANGO_ALIGN_LEFT);
}

static PangoLayout *
small_layout (GtkWidget *widget,
              cairo_t   *cr)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  PangoFontDescription *desc = base ? pango_font_description_copy (base)
                                    : pango_font_description_from_string ("Sans 10");

  if (pango_font_description_get_size (desc) <= 0)
    pango_font_description_set_size (desc, 10 * PANGO_SCALE);
  pango_font_description_set_size (desc, pango_font_description_get_size (desc) * 8 / 10);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

static void
draw_images (DsDataView *self,
             GtkWidget  *area,
             cairo_t    *cr,
             int         width,
             int         height,
             NnDataset  *ds)
{
  const NnArray *a = ds->inputs[0];
  int h = a->shape[0], w = a->shape[1], ch = a->shape[2];
  int cols = MAX (1, (width - THUMB_GAP) / (THUMB + THUMB_GAP));
  int rows = MAX (1, (height - THUMB_GAP) / (THUMB + THUMB_LABEL + THUMB_GAP));
  double x0 = (width - (cols * (THUMB + THUMB_GAP) - THUMB_GAP)) / 2.0;
  g_autofree float *buf = g_new (float, a->sample_size);
  g_autoptr(PangoLayout) layout = small_layout (area, cr);
  gboolean augment = adw_expander_row_get_enable_expansion (self->augment_row);
  NnAugment aug;
  NnRng rng;
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (area), &fg);
  nn_augment_init (&aug);
  aug.flip_horizontal = gtk_switch_get_active (self->flip_switch);
  aug.rotation = gtk_range_get_value (GTK_RANGE (self->rotation_scale));
  aug.zoom = gtk_range_get_value (GTK_RANGE (self->zoom_scale));
  /* The same seed for the same preview: moving a slider changes the
   * transform, not which random draw is shown. */
  nn_rng_seed (&rng, self->shuffle_seed + 7);

  for (int k = 0; k < cols * rows && (size_t) k < self->n_order; k++)
    {
      size_t i = self->order[k];
      int x = (int) x0 + (k % cols) * (THUMB + THUMB_GAP);
      int y = THUMB_GAP + (k / cols) * (THUMB + THUMB_LABEL + THUMB_GAP);
      cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
      guint32 *px;
      int stride;
      float lo = INFINITY, hi = -INFINITY;
      char nbuf[32];
      int c = sample_class (ds, i);

      /* Bytes are shown as stored: normalization is for the model, and
       * a standardized image reads as a gray smudge. */
      if (a->dtype == NN_DTYPE_U8)
        for (size_t f = 0; f < a->sample_size; f++)
          buf[f] = ((const guint8 *) a->data)[i * a->sample_size + f] / 255.0f;
      else
        for (size_t f = 0; f < a->sample_size; f++)
          buf[f] = nn_array_get (a, i, f);
      if (augment)
        nn_augment_batch (&aug, &rng, buf, 1, h, w, ch, NULL);
      for (size_t f = 0; f < a->sample_size; f++)
        {
          lo = MIN (lo, buf[f]);
          hi = MAX (hi, buf[f]);
        }
      /* Pixels read 0..1 keep their brightness; other scales stretch. */
      if (lo >= 0 && hi <= 1)
        lo = 0, hi = 1;
      if (hi <= lo)
        hi = lo + 1;

      cairo_surface_flush (s);
      px = (guint32 *) cairo_image_surface_get_data (s);
      stride = cairo_image_surface_get_stride (s) / 4;
      for (int r = 0; r < h; r++)
        for (int q = 0; q < w; q++)
          {
            const float *p = buf + ((size_t) r * w + q) * ch;
            guint32 v[3];

            for (int k2 = 0; k2 < 3; k2++)
              v[k2] = (guint32) CLAMP ((p[ch == 3 ? k2 : 0] - lo) / (hi - lo) * 255, 0, 255);
            px[r * stride + q] = (v[0] << 16) | (v[1] << 8) | v[2];
          }
      cairo_surface_mark_dirty (s);

      cairo_save (cr);
      cairo_rectangle (cr, x, y, THUMB, THUMB);
      cairo_clip (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, (double) THUMB / w, (double) THUMB / h);
      cairo_set_source_surface (cr, s, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (s);

      if (c >= 0)
        {
          GdkRGBA color;

          ds_colors_class (c, &color);
          gdk_cairo_set_source_rgba (cr, &color);
          cairo_rectangle (cr, x, y + THUMB - 3, THUMB, 3);
          cairo_fill (cr);
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
          draw_caption (&self->n_clipped, cr, layout, class_name (ds, c, nbuf, sizeof nbuf), x + THUMB / 2.0, y + THUMB + 1,
                        THUMB + THUMB_GAP - 2);
        }
      self->n_drawn++;
    }
}

/* Where a scatter plot draws: the two columns shown, their ranges, the
 * targets' range (regression) and the plot rectangle. */
typedef struct
{
  guint        fx, fy;
  double       lo[2], hi[2];
  double       tlo, thi;
  double       left, top, pw, ph;
  size_t       step;
  const NnArray *t;
  gboolean     regression;
} Scatter;

/* The columns' ranges with a margin; points in the plane keep their shape
 * (one unit as long across as up, in a square centred in the area). */
static void
scatter_layout (DsDataView *self,
                NnDataset  *ds,
                int         width,
                int         height,
                Scatter    *sc)
{
  const NnArray *a = ds->inputs[0];

  sc->fx = gtk_drop_down_get_selected (self->x_dropdown);
  sc->fy = gtk_drop_down_get_selected (self->y_dropdown);
  if (sc->fx >= a->sample_size)
    sc->fx = 0;
  if (sc->fy >= a->sample_size)
    sc->fy = MIN (1, a->sample_size - 1);
  sc->lo[0] = sc->lo[1] = sc->tlo = INFINITY;
  sc->hi[0] = sc->hi[1] = sc->thi = -INFINITY;
  sc->left = 56;
  sc->top = 14;
  sc->pw = width - sc->left - 16;
  sc->ph = height - sc->top - 40;
  sc->step = MAX ((size_t) 1, ds->n / 3000);
  sc->t = ds->n_targets > 0 ? ds->targets[0] : NULL;
  sc->regression = ds->n_classes <= 0 && sc->t != NULL;

  for (size_t i = 0; i < ds->n; i += sc->step)
    {
      double v[2] = { nn_array_get (a, i, sc->fx), nn_array_get (a, i, sc->fy) };

      for (int k = 0; k < 2; k++)
        if (isfinite (v[k]))
          {
            sc->lo[k] = MIN (sc->lo[k], v[k]);
            sc->hi[k] = MAX (sc->hi[k], v[k]);
          }
      if (sc->regression)
        {
          double tv = nn_array_get (sc->t, i, 0);
          sc->tlo = MIN (sc->tlo, tv);
          sc->thi = MAX (sc->thi, tv);
        }
    }
  for (int k = 0; k < 2; k++)
    {
      double m;

      if (!(sc->lo[k] <= sc->hi[k]))
        sc->lo[k] = 0, sc->hi[k] = 1;
      if (sc->hi[k] - sc->lo[k] < 1e-9)
        sc->lo[k] -= 0.5, sc->hi[k] += 0.5;
      m = (sc->hi[k] - sc->lo[k]) * 0.04;
      sc->lo[k] -= m;
      sc->hi[k] += m;
    }
  if (a->sample_size == 2)
    {
      double span = MAX (sc->hi[0] - sc->lo[0], sc->hi[1] - sc->lo[1]);
      double side = MIN (sc->pw, sc->ph);

      for (int k = 0; k < 2; k++)
        {
          double c = (sc->lo[k] + sc->hi[k]) / 2;
          sc->lo[k] = c - span / 2;
          sc->hi[k] = c + span / 2;
        }
      sc->left += (sc->pw - side) / 2;
      sc->pw = sc->ph = side;
    }
}

/* Frame, the ends of each axis and the column names. */
static void
scatter_frame (DsDataView    *self,
               cairo_t       *cr,
               PangoLayout   *layout,
               const GdkRGBA *fg,
               const Scatter *sc)
{
  GtkStringObject *xs = gtk_drop_down_get_selected_item (self->x_dropdown);
  GtkStringObject *ys = gtk_drop_down_get_selected_item (self->y_dropdown);
  double left = sc->left, top = sc->top, pw = sc->pw, ph = sc->ph;
  char buf[64];

  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, left + 0.5, top + 0.5, pw, ph);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.6);
  g_snprintf (buf, sizeof buf, "%.3g", sc->lo[0]);
  draw_text (cr, layout, buf, left, top + ph + 4, 0, -1);
  g_snprintf (buf, sizeof buf, "%.3g", sc->hi[0]);
  draw_text (cr, layout, buf, left + pw, top + ph + 4, 1, -1);
  g_snprintf (buf, sizeof buf, "%.3g", sc->hi[1]);
  draw_text (cr, layout, buf, left - 6, top, 1, -1);
  g_snprintf (buf, sizeof buf, "%.3g", sc->lo[1]);
  draw_text (cr, layout, buf, left - 6, top + ph - 14, 1, -1);
  if (xs)
    draw_text (cr, layout, gtk_string_object_get_string (xs), left + pw / 2, top + ph + 4, 0.5, pw / 2);
  if (ys)
    draw_text (cr, layout, gtk_string_object_get_string (ys), left - 6, top + ph / 2 - 7, 1, left - 8);
}

/* One dot per sample (at most about 3000), in its class's colour or, for
 * regression, on the blue-to-orange ramp of its target. */
static void
scatter_points (DsDataView    *self,
                cairo_t       *cr,
                NnDataset     *ds,
                const Scatter *sc)
{
  const NnArray *a = ds->inputs[0];

  for (size_t i = 0; i < ds->n; i += sc->step)
    {
      double x = sc->left + (nn_array_get (a, i, sc->fx) - sc->lo[0]) / (sc->hi[0] - sc->lo[0]) * sc->pw;
      double y = sc->top + (sc->hi[1] - nn_array_get (a, i, sc->fy)) / (sc->hi[1] - sc->lo[1]) * sc->ph;
      GdkRGBA color;

      if (!isfinite (x) || !isfinite (y))
        continue;
      if (sc->regression)
        ds_colors_ramp (sc->thi > sc->tlo ? (nn_array_get (sc->t, i, 0) - sc->tlo) / (sc->thi - sc->tlo) : 0.5,
                        &color);
      else
        ds_colors_class (MAX (sample_class (ds, i), 0), &color);
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, 3, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_fill_preserve (cr);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.8);
      cairo_set_line_width (cr, 0.8);
      cairo_stroke (cr);
      self->n_drawn++;
    }
}

/* Legend: the classes, beside the plot when there is room, else in its
 * top right corner. */
static void
scatter_legend (cairo_t       *cr,
                PangoLayout   *layout,
                const GdkRGBA *fg,
                NnDataset     *ds,
                const Scatter *sc,
                int            width)
{
  double ly = sc->top + 6;
  double lx = sc->left + sc->pw + 120 < width ? sc->left + sc->pw + 26 : sc->left + sc->pw - 90;

  for (int c = 0; c < ds->n_classes && c < 12; c++)
    {
      GdkRGBA color;
      char nbuf[32];

      ds_colors_class (c, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_arc (cr, lx, ly + 7, 4, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8);
      draw_text (cr, layout, class_name (ds, c, nbuf, sizeof nbuf), lx + 10, ly, 0, 90);
      ly += 16;
    }
}

static void
draw_scatter (DsDataView *self,
              GtkWidget  *area,
              cairo_t    *cr,
              int         width,
              int         height,
              NnDataset  *ds)
{
  g_autoptr(PangoLayout) layout = small_layout (area, cr);
  Scatter sc;
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (area), &fg);
  scatter_layout (self, ds, width, height, &sc);
  scatter_frame (self, cr, layout, &fg, &sc);
  scatter_points (self, cr, ds, &sc);
  if (!sc.regression && ds->n_classes > 0)
    scatter_legend (cr, layout, &fg, ds, &sc, width);
}

void
_ds_series_columns (const NnSeries *s,
                    int             cols,
                    float          *mn,
                    float          *mx,
                    float          *mean)
{
  size_t n = s->n_rows;
  int F = s->n_columns, c = s->target;

  for (int px = 0; px < cols; px++)
    {
      /* Rows [r0, r0 + w), centred on the column, moved inside the series
       * at its ends so that they too span a whole period. */
      size_t w = (size_t) ceil (MAX ((double) n / cols, s->period > 0 ? s->period : 1));
      double mid = ((double) px + 0.5) / cols * n;
      size_t r0, r1;
      double sum = 0;

      w = MIN (w, n);
      r0 = (size_t) CLAMP (mid - w / 2.0, 0.0, (double) (n - w));
      r1 = r0 + w;
      mn[px] = mx[px] = s->values[r0 * F + c];
      for (size_t r = r0; r < r1; r++)
        {
          mn[px] = MIN (mn[px], s->values[r * F + c]);
          mx[px] = MAX (mx[px], s->values[r * F + c]);
          sum += s->values[r * F + c];
        }
      mean[px] = (float) (sum / (double) (r1 - r0));
    }
}

/* The target column of s drawn in cols pixel columns from x = left: a
 * light band from each column's least to greatest value and a line
 * through its mean (_ds_series_columns). */
static void
series_envelope (cairo_t        *cr,
                 const GdkRGBA  *fg,
                 const NnSeries *s,
                 int             cols,
                 double          left,
                 double          top,
                 double          ph,
                 float           lo,
                 float           hi)
{
  g_autofree float *mn = g_new (float, cols), *mx = g_new (float, cols), *mean = g_new (float, cols);

  _ds_series_columns (s, cols, mn, mx, mean);
#define EY(v) (top + ph * (1.0 - ((v) - lo) / (hi - lo)))
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.2);
  for (int px = 0; px < cols; px++)
    cairo_line_to (cr, left + px + 0.5, EY (mx[px]) - 0.5);
  for (int px = cols - 1; px >= 0; px--)
    cairo_line_to (cr, left + px + 0.5, EY (mn[px]) + 0.5);
  cairo_close_path (cr);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.85);
  cairo_set_line_width (cr, 1.5);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int px = 0; px < cols; px++)
    cairo_line_to (cr, left + px + 0.5, EY (mean[px]));
  cairo_stroke (cr);
#undef EY
}

/* A time series: the target column over every row, the split boundaries,
 * the window of the sample shown (order[0], so Shuffle picks another) and
 * its target. */
static void
draw_series (DsDataView *self,
             GtkWidget  *widget,
             cairo_t    *cr,
             int         width,
             int         height,
             NnDataset  *ds)
{
  const NnSeries *s = ds->series;
  const int left = 56, right = 12, top = 26, bottom = 34;
  double pw = width - left - right, ph = height - top - bottom;
  g_autoptr(PangoLayout) layout = small_layout (widget, cr);
  GdkRGBA fg;
  char buf[96];
  const char *unit = s->unit ? s->unit : "";
  size_t n = s->n_rows;
  int F = s->n_columns, c = s->target;

  if (pw < 40 || ph < 40 || n < 2)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  float lo = s->values[c], hi = lo;
  for (size_t r = 0; r < n; r++)
    {
      lo = MIN (lo, s->values[r * F + c]);
      hi = MAX (hi, s->values[r * F + c]);
    }
  if (hi <= lo)
    hi = lo + 1;
#define SX(r) (left + pw * (double) (r) / (double) (n - 1))
#define SY(v) (top + ph * (1.0 - ((v) - lo) / (hi - lo)))

  /* The splits: training, validation, test, with their names. */
  static const char *const names[] = { "training", "validation", "test" };
  size_t bounds[4] = { 0, s->train_end, s->val_end, n };
  for (int k = 0; k < 3; k++)
    {
      if (bounds[k + 1] <= bounds[k])
        continue;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
      draw_text (cr, layout, names[k], (SX (bounds[k]) + SX (bounds[k + 1] - 1)) / 2, 4, 0.5,
                 SX (bounds[k + 1] - 1) - SX (bounds[k]));
    }
  cairo_save (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.5);
  cairo_set_line_width (cr, 1);
  double dash[] = { 4, 3 };
  cairo_set_dash (cr, dash, 2, 0);
  for (int k = 1; k < 3; k++)
    if (bounds[k] > 0 && bounds[k] < n)
      {
        cairo_move_to (cr, round (SX (bounds[k])) + 0.5, top);
        cairo_line_to (cr, round (SX (bounds[k])) + 0.5, top + ph);
      }
  cairo_stroke (cr);
  cairo_restore (cr);

  /* The chosen window, shaded, and its target. */
  size_t i = self->n_order > 0 ? self->order[0] : 0;
  size_t end = s->window_end[i], first = end - (size_t) (s->lookback - 1) * s->step;
  size_t t = end + (size_t) s->delay;
  double x0 = SX (first), x1 = MAX (SX (end), x0 + 2);
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 0.22);
  cairo_rectangle (cr, x0, top, x1 - x0, ph);
  cairo_fill (cr);

  /* The series: its envelope and mean per pixel column. */
  int cols = (int) pw;
  series_envelope (cr, &fg, s, cols, left, top, ph, lo, hi);
  self->n_drawn = (guint) cols;

  /* The window's steps over it, and the target it forecasts. */
  cairo_set_source_rgba (cr, 0.21, 0.52, 0.89, 1);
  for (int k = 0; k < s->lookback && s->lookback <= 400; k++)
    {
      size_t r = first + (size_t) k * s->step;
      cairo_rectangle (cr, SX (r) - 1, SY (s->values[r * F + c]) - 1, 2, 2);
    }
  cairo_fill (cr);
  cairo_set_source_rgba (cr, 0.88, 0.11, 0.14, 1);
  cairo_arc (cr, SX (t), SY (s->values[t * F + c]), 4, 0, 2 * G_PI);
  cairo_fill (cr);

  /* Frame and labels. */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.15);
  cairo_rectangle (cr, left + 0.5, top + 0.5, pw, ph);
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  g_snprintf (buf, sizeof buf, "%.4g%s", hi, unit);
  draw_text (cr, layout, buf, left - 6, top, 1, left - 8);
  g_snprintf (buf, sizeof buf, "%.4g%s", lo, unit);
  draw_text (cr, layout, buf, left - 6, top + ph - 14, 1, left - 8);
  /* Short enough for a narrow window: the rows are on the axis already. */
  g_snprintf (buf, sizeof buf, _("“%s”: window %zu, rows %zu-%zu (%d steps, every %d) → row %zu, "
              "%d ahead = %.4g%s"), s->columns[c], i + 1, first + 1, end + 1, s->lookback,
              s->step, t + 1, s->delay, s->values[t * F + c], unit);
  draw_text (cr, layout, buf, left + pw / 2, top + ph + 6, 0.5, pw);
#undef SX
#undef SY
}

static void
draw_samples (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsDataView *self = data;
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;

  self->n_drawn = 0;
  self->n_clipped = 0;
  if (ds == NULL || ds->n_inputs == 0 || ds->n == 0)
    return;
  if (is_image_set (ds))
    draw_images (self, GTK_WIDGET (area), cr, width, height, ds);
  else if (ds->series != NULL)
    draw_series (self, GTK_WIDGET (area), cr, width, height, ds);
  else if (_ds_data_view_is_text (ds))
    _ds_data_view_draw_text (self, GTK_WIDGET (area), cr, width, height, ds);
  else if (ds->inputs[0]->ndim == 1)
    draw_scatter (self, GTK_WIDGET (area), cr, width, height, ds);
}

static void
draw_classes (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsDataView *self = data;
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;
  g_autofree guint64 *train = NULL;
  g_autofree guint64 *test = NULL;
  g_autoptr(PangoLayout) layout = NULL;
  guint64 max = 1;
  int n, bottom = 36, top = 44;
  double bw, gap;
  GdkRGBA fg;
  char buf[64];

  self->n_clipped_bars = 0;
  if (ds == NULL || ds->n_classes <= 0)
    return;
  n = MIN (ds->n_classes, 64);
  train = g_new0 (guint64, n);
  test = g_new0 (guint64, n);
  for (size_t i = 0; i < ds->n_train; i++)
    {
      int c = sample_class (ds, ds->train_idx[i]);
      if (c >= 0 && c < n)
        train[c]++;
    }
  for (size_t i = 0; i < ds->n_test; i++)
    {
      int c = sample_class (ds, ds->test_idx[i]);
      if (c >= 0 && c < n)
        test[c]++;
    }
  for (int c = 0; c < n; c++)
    max = MAX (max, train[c] + test[c]);

  layout = small_layout (GTK_WIDGET (area), cr);
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  gap = MIN (16, (width - 24.0) / n * 0.3);
  bw = ((width - 24.0) - gap * (n - 1)) / n;

  /* Legend */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  cairo_rectangle (cr, 12, 9, 10, 10);
  cairo_fill (cr);
  draw_text (cr, layout, "training", 26, 6, 0, -1);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.3);
  cairo_rectangle (cr, 90, 9, 10, 10);
  cairo_fill (cr);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.75);
  draw_text (cr, layout, "test", 104, 6, 0, -1);

  for (int c = 0; c < n; c++)
    {
      double x = 12 + c * (bw + gap);
      double htr = (height - top - bottom) * (double) train[c] / max;
      double hte = (height - top - bottom) * (double) test[c] / max;
      double base = height - bottom;
      g_autofree char *count = ds_format_count ((gint64) (train[c] + test[c]));
      GdkRGBA color;
      char nbuf[32];

      ds_colors_class (c, &color);
      gdk_cairo_set_source_rgba (cr, &color);
      cairo_rectangle (cr, x, base - htr, bw, htr);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, color.red, color.green, color.blue, 0.4);
      cairo_rectangle (cr, x, base - htr - hte, bw, hte);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      if (bw >= 28)
        draw_text (cr, layout, count, x + bw / 2, base - htr - hte - 15, 0.5, -1);
      g_snprintf (buf, sizeof buf, "%s", class_name (ds, c, nbuf, sizeof nbuf));
      draw_caption (&self->n_clipped_bars, cr, layout, buf, x + bw / 2, base + 3, bw + gap - 2);
    }
}

static void
add_shape_row (DsDataView *self,
               const char *icon,
               const char *title,
               const char *subtitle,
               gboolean    warning)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *image = gtk_image_new_from_icon_name (icon);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), image);
  if (warning)
    gtk_widget_add_css_class (image, "warning");
  gtk_list_box_append (self->shapes_list, row);
}

static char *
describe_array (const NnArray *a,
                int            n_classes,
                gboolean       target)
{
  g_autofree char *shape = nn_shape_to_string (a->ndim, a->shape, 1);
  const char *kind;

  if (target && a->dtype == NN_DTYPE_I32)
    return g_strdup_printf (_("%s · class numbers 0 to %d"), shape, MAX (n_classes - 1, 0));
  if (target && n_classes > 0 && a->ndim == 1 && a->shape[0] == n_classes)
    return g_strdup_printf (g_dngettext (NULL, "%s · one-hot over %d class", "%s · one-hot over %d classes",
                                         n_classes), shape, n_classes);
  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      kind = _("stored as bytes, read as floats");
      break;
    case NN_DTYPE_I32:
      kind = _("integers");
      break;
    case NN_DTYPE_F32:
    default:
      kind = _("floats");
      break;
    }
  return g_strdup_printf ("%s · %s", shape, kind);
}

/* No dataset: the empty page, or why the last load failed, in full. */
static void
show_empty (DsDataView *self)
{
  const GError *error = self->store ? ds_dataset_store_get_error (self->store) : NULL;
  const char *description = NULL;
  const char *missing = _ds_data_view_missing_choice (self, &description);

  if (missing)
    {
      /* The source has nothing to load yet: what was loaded before
       * belongs to another source, and so does its error. */
      adw_status_page_set_icon_name (self->empty_page, "ds-data-symbolic");
      adw_status_page_set_title (self->empty_page, missing);
      adw_status_page_set_description (self->empty_page, description);
      gtk_stack_set_visible_child_name (self->preview_stack, "empty");
      gtk_label_set_text (self->test_label, "");
      return;
    }
  adw_status_page_set_icon_name (self->empty_page, error ? "dialog-error-symbolic" : "ds-data-symbolic");
  adw_status_page_set_title (self->empty_page, error ? _("Could Not Load the Dataset") : _("Choose a Dataset"));
  adw_status_page_set_description (self->empty_page,
                                   error ? error->message
                                         : _("Pick a source on the left: Fashion-MNIST, points in the "
                                           "plane, a CSV file or a folder of images"));
  gtk_stack_set_visible_child_name (self->preview_stack, "empty");
  gtk_label_set_text (self->test_label, "");
}

/* Title and counts. */
static void
show_summary (DsDataView *self,
              NnDataset  *ds)
{
  g_autoptr(GString) stats = g_string_new (NULL);
  g_autofree char *n_all = ds_format_count ((gint64) ds->n);
  g_autofree char *n_train = ds_format_count ((gint64) ds->n_train);
  g_autofree char *n_test = ds_format_count ((gint64) ds->n_test);
  g_autofree char *title = NULL;

  if (g_str_equal (ds->name, "fashion-mnist"))
    title = g_strdup ("Fashion-MNIST");
  else
    {
      g_auto(GStrv) parts = g_strsplit (ds->spec ? ds->spec : ds->name, ":", 2);
      g_autofree char *base = g_path_get_basename (parts[0]);
      title = g_strdup (base);
      if (g_ascii_islower (title[0]) && !strchr (title, '.'))
        title[0] = g_ascii_toupper (title[0]);
    }
  /* The generated sets (Spirals, Moons, ...) have their names in the catalogue. */
  gtk_label_set_text (self->title_label, gettext (title));
  if (ds->n_val > 0 && ds->n_val < ds->n_train)
    {
      /* A time series's own validation windows are not trained on. */
      g_autofree char *n_fit = ds_format_count ((gint64) (ds->n_train - ds->n_val));
      g_autofree char *n_val = ds_format_count ((gint64) ds->n_val);

      g_string_printf (stats, _("%s samples · %s for training · %s for validation · %s for testing"),
                       n_all, n_fit, n_val, n_test);
    }
  else
    g_string_printf (stats, g_dngettext (NULL, "%s sample · %s for training · %s for testing",
                                         "%s samples · %s for training · %s for testing", ds->n),
                     n_all, n_train, n_test);
  if (ds->n_classes > 0)
    g_string_append_printf (stats, g_dngettext (NULL, " · %d class", " · %d classes", ds->n_classes),
                            ds->n_classes);
  else if (ds->labels || (ds->spec && strstr (ds->spec, "target=input")))
    /* The targets are the inputs themselves: not a regression on a value. */
    g_string_append (stats, _(" · autoencoder (target = input)"));
  else
    g_string_append (stats, _(" · regression"));
  if (ds_dataset_store_get_dataset (self->store) == self->shown)
    g_string_append_printf (stats, _(" · loaded in %.1f s"), ds_dataset_store_get_load_seconds (self->store));
  if (ds_dataset_store_get_skipped (self->store) && ds_dataset_store_get_skipped (self->store)->len)
    g_string_append_printf (stats, g_dngettext (NULL, " · %u file skipped", " · %u files skipped",
                                                ds_dataset_store_get_skipped (self->store)->len),
                            ds_dataset_store_get_skipped (self->store)->len);
  gtk_label_set_text (self->stats_label, stats->str);
  gtk_label_set_text (self->test_label, n_test);
}

/* When the samples have classes and the model's first output scores
 * classes (a softmax under categorical cross-entropy), and the numbers
 * differ: what does not fit, in words; else NULL. */
static char *
classes_misfit (NnDataset *ds,
                NnModel   *m)
{
  int ndim, shape[NN_MAX_DIMS];
  NnLoss loss;
  NnRef out;

  if (ds->n_classes <= 0 || nn_model_get_n_outputs (m) < 1)
    return NULL;
  loss = nn_model_output_get_loss (m, 0);
  if (loss != NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY && loss != NN_LOSS_CATEGORICAL_CROSSENTROPY)
    return NULL;
  out = nn_model_get_output (m, 0);
  if (!nn_model_get_shape (m, out, &ndim, shape) || ndim < 1 || shape[ndim - 1] <= 0
      || shape[ndim - 1] == ds->n_classes)
    return NULL;
  if (ds->spec && g_str_has_prefix (ds->spec, "fortunes:"))
    return g_strdup_printf (_("The model’s output “%s” scores %d classes; these samples have %d (numbers 0 to %d). "
                            "Tick %d topics, or set its units to %d in the Build view"),
                            nn_model_layer_get_name (m, out.layer), shape[ndim - 1], ds->n_classes,
                            ds->n_classes - 1, shape[ndim - 1], ds->n_classes);
  return g_strdup_printf (_("The model’s output “%s” scores %d classes; these samples have %d (numbers 0 to %d). "
                          "Set its units to %d in the Build view"),
                          nn_model_layer_get_name (m, out.layer), shape[ndim - 1], ds->n_classes,
                          ds->n_classes - 1, ds->n_classes);
}

/* Whether the samples fit the model's inputs and its number of classes:
 * a row saying so, or which input takes what. */
static void
show_fit (DsDataView *self,
          NnDataset  *ds,
          NnModel    *m)
{
  gboolean fits = nn_model_get_n_inputs (m) == ds->n_inputs;
  g_autofree char *detail = NULL;

  for (int i = 0; fits && i < ds->n_inputs; i++)
    {
      int ndim, shape[NN_MAX_DIMS];
      int layer = nn_model_get_input_layer (m, i);

      if (nn_model_get_shape (m, (NnRef) { layer, 0 }, &ndim, shape)
          && !nn_shape_equal (ndim, shape, ds->inputs[i]->ndim, ds->inputs[i]->shape))
        {
          g_autofree char *want = nn_shape_to_string (ndim, shape, 0);
          g_autofree char *have = nn_shape_to_string (ds->inputs[i]->ndim, ds->inputs[i]->shape, 0);

          fits = FALSE;
          detail = g_strdup_printf (_("The model’s input “%s” takes %s per sample; these samples are %s. "
                                    "Change the Input layer’s shape in the Build view"),
                                    nn_model_layer_get_name (m, layer), want, have);
        }
    }
  if (fits && (detail = classes_misfit (ds, m)))
    fits = FALSE;
  if (fits)
    add_shape_row (self, "emblem-ok-symbolic", _("Fits the model"),
                   _("The model’s inputs take samples of these shapes"), FALSE);
  else
    add_shape_row (self, "dialog-warning-symbolic", _("Does not fit the model"),
                   detail ? detail : _("The model has another number of inputs"), TRUE);
}

/* What the model receives, and whether it fits the model's inputs. */
static void
show_shapes (DsDataView *self,
             NnDataset  *ds,
             NnModel    *m)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->shapes_list))))
    gtk_list_box_remove (self->shapes_list, child);
  if (ds == NULL)
    return;
  for (int i = 0; i < ds->n_inputs; i++)
    {
      g_autofree char *t = g_strdup_printf (_("Input “%s”"), ds->inputs[i]->name ? ds->inputs[i]->name : "x");
      g_autofree char *d = describe_array (ds->inputs[i], ds->n_classes, FALSE);

      add_shape_row (self, ds->inputs[i]->ndim == 3 ? "image-x-generic-symbolic" : "x-office-spreadsheet-symbolic",
                     t, d, FALSE);
    }
  for (int i = 0; i < ds->n_targets; i++)
    {
      g_autofree char *t = g_strdup_printf (_("Target “%s”"), ds->targets[i]->name ? ds->targets[i]->name : "y");
      g_autofree char *d = describe_array (ds->targets[i], ds->n_classes, TRUE);

      add_shape_row (self, "view-list-ordered-symbolic", t, d, FALSE);
    }
  if (m && nn_model_get_n_inputs (m) > 0)
    show_fit (self, ds, m);
}

/* Image samples: a grid of labelled thumbnails that can be shuffled. */
static void
show_image_samples (DsDataView *self)
{
  gtk_label_set_text (self->samples_title, _("Samples"));
  gtk_widget_set_visible (self->axes_box, FALSE);
  gtk_widget_set_visible (self->shuffle_button, TRUE);
  gtk_drawing_area_set_content_height (self->samples_area, 3 * (THUMB + THUMB_LABEL + THUMB_GAP) + THUMB_GAP);
}

/* Table samples: a scatter of two columns, chosen with the axis menus when
 * there are more than two. */
static void
show_scatter_samples (DsDataView *self,
                      NnDataset  *ds)
{
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  const NnArray *a = ds->inputs[0];

  for (size_t f = 0; f < a->sample_size && f < 256; f++)
    {
      g_autofree char *name = a->feature_names && a->feature_names[f]
        ? g_strdup (a->feature_names[f]) : g_strdup_printf ("x%zu", f + 1);
      gtk_string_list_append (names, name);
    }
  gtk_label_set_text (self->samples_title, _("Samples"));
  gtk_widget_set_visible (self->axes_box, a->ndim == 1 && a->sample_size > 2);
  gtk_widget_set_visible (self->shuffle_button, FALSE);
  gtk_drop_down_set_model (self->x_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_model (self->y_dropdown, G_LIST_MODEL (names));
  gtk_drop_down_set_selected (self->x_dropdown, 0);
  gtk_drop_down_set_selected (self->y_dropdown, a->sample_size > 1 ? 1 : 0);
  gtk_drawing_area_set_content_height (self->samples_area, 420);
}

/* A fixed shuffled order, so the preview does not jump while loading. */
static void
shuffle_order (DsDataView *self,
               NnDataset  *ds)
{
  NnRng rng;

  g_free (self->order);
  self->n_order = MIN (ds->n, (size_t) 512);
  self->order = g_new (guint32, MAX (self->n_order, 1));
  nn_rng_seed (&rng, self->shuffle_seed);
  for (size_t k = 0; k < self->n_order; k++)
    self->order[k] = (guint32) (ds->n > 512 ? nn_rng_below (&rng, (guint32) ds->n) : k);
  if (ds->n <= 512)
    nn_rng_shuffle (&rng, self->order, self->n_order);
}

void
_ds_data_view_update_preview (DsDataView *self)
{
  NnDataset *ds = self->shown ? ds_dataset_get (self->shown) : NULL;
  NnModel *m = self->document ? ds_document_get_model (self->document) : NULL;
  const char *unused;

  /* Until the chosen source has a file, the store still holds the last
   * source's dataset: it is not this source's, so neither its samples
   * nor whether it fits the model are shown. */
  if (_ds_data_view_missing_choice (self, &unused))
    ds = NULL;
  show_shapes (self, ds, m);
  _ds_data_view_update_notes (self);
  if (ds == NULL)
    {
      show_empty (self);
      return;
    }
  gtk_stack_set_visible_child_name (self->preview_stack, "preview");
  show_summary (self, ds);
  if (is_image_set (ds))
    show_image_samples (self);
  else if (ds->series != NULL)
    {
      /* A time series: the series, one window (Shuffle picks another). */
      gtk_label_set_text (self->samples_title, _("Series"));
      gtk_widget_set_visible (self->axes_box, FALSE);
      gtk_widget_set_visible (self->shuffle_button, TRUE);
      gtk_drawing_area_set_content_height (self->samples_area, 320);
    }
  else if (_ds_data_view_is_text (ds))
    _ds_data_view_show_text (self, ds);
  else
    show_scatter_samples (self, ds);
  shuffle_order (self, ds);

  gtk_widget_set_visible (GTK_WIDGET (self->classes_title), ds->n_classes > 0);
  gtk_widget_set_visible (gtk_widget_get_parent (GTK_WIDGET (self->classes_area)), ds->n_classes > 0);
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->classes_area));
  _ds_data_view_update_visibility (self);
}

void
_ds_data_view_axes_changed_cb (DsDataView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
}

void
_ds_data_view_shuffle_cb (DsDataView *self)
{
  self->shuffle_seed = self->shuffle_seed * 1103515245u + 12345u;
  _ds_data_view_update_preview (self);
}

void
_ds_data_view_augment_changed_cb (DsDataView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->samples_area));
}

void
_ds_data_view_init_preview (DsDataView *self)
{
  gtk_drawing_area_set_draw_func (self->samples_area, draw_samples, self, NULL);
  gtk_drawing_area_set_draw_func (self->classes_area, draw_classes, self, NULL);
}
