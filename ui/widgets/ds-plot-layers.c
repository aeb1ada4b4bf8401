/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsPlot's drawing layers: grid and ticks, curves, best points, change
 * markers, the header and the crosshair, on normalized curves. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-plot-private.h"

/* ------------------------------------------------------------------------ */
/* Layers: drawing the normalized data                                       */
/* ------------------------------------------------------------------------ */


static inline double
px (const Frame *f,
    double       nx)
{
  return f->x + nx * f->w;
}

static inline double
py (const Frame *f,
    double       ny)
{
  return f->y + (1 - ny) * f->h;
}

void
_ds_plot_set_color (cairo_t       *cr,
           const GdkRGBA *c,
           double         alpha)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha * alpha);
}

PangoLayout *
_ds_plot_make_layout (DsPlot     *self,
             cairo_t    *cr,
             double      scale,
             gboolean    bold)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base =
    pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  PangoFontDescription *desc = base ? pango_font_description_copy (base)
                                    : pango_font_description_from_string ("Sans 10");

  if (pango_font_description_get_size (desc) <= 0)
    pango_font_description_set_size (desc, 10 * PANGO_SCALE);
  pango_font_description_set_size (desc, (int) (pango_font_description_get_size (desc) * scale));
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

/* Draws text with its (xalign, yalign) point at (x, y); returns its width. */
double
_ds_plot_draw_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y,
           double       xalign,
           double       yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_move_to (cr, round (x - w * xalign), round (y - h * yalign));
  pango_cairo_show_layout (cr, layout);
  return w;
}

double
_ds_plot_text_width (PangoLayout *layout,
            const char  *text)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  return w;
}

/* Text over curves: a halo in the background colour keeps it readable. */
static void
show_with_halo (cairo_t       *cr,
                PangoLayout   *layout,
                const GdkRGBA *halo)
{
  double x = 0, y = 0;

  /* At the current point, which the halo's path must not lose. */
  if (cairo_has_current_point (cr))
    cairo_get_current_point (cr, &x, &y);
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_move_to (cr, x, y);
  pango_cairo_layout_path (cr, layout);
  cairo_set_source_rgba (cr, halo->red, halo->green, halo->blue, 0.85);
  cairo_set_line_width (cr, 3);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_stroke (cr);
  cairo_restore (cr);
  cairo_move_to (cr, x, y);
  pango_cairo_show_layout (cr, layout);
}

/* 1, 2 or 5 times a power of ten, about range / target. */
static double
nice_step (double range,
           int    target)
{
  double raw = range / MAX (target, 1);
  double mag = pow (10, floor (log10 (raw)));
  double f = raw / mag;

  if (f < 1.5)
    return mag;
  if (f < 3.5)
    return 2 * mag;
  if (f < 7.5)
    return 5 * mag;
  return 10 * mag;
}

static void
format_value (char   *buf,
              gsize   size,
              double  v)
{
  double a = fabs (v);

  if (v == 0)
    g_strlcpy (buf, "0", size);
  else if (a >= 1e5 || a < 1e-4)
    g_snprintf (buf, size, "%.2g", v);
  else if (a >= 100)
    g_snprintf (buf, size, "%.0f", v);
  else
    g_snprintf (buf, size, "%.4g", v);
}

void
_ds_plot_format_tick (DsPlot *self,
             char   *buf,
             gsize   size,
             double  t,
             double  step,
             gboolean y_axis)
{
  double v = y_axis ? _ds_plot_untransform_y (self, t) : t;

  if (y_axis && self->log_scale)
    {
      format_value (buf, size, v);
      return;
    }
  if (fabs (t) < step * 1e-6)
    v = 0;
  if (step >= 1)
    g_snprintf (buf, size, "%.0f", v);
  else
    {
      int digits = (int) ceil (-log10 (step) - 1e-9);

      g_snprintf (buf, size, "%.*f", CLAMP (digits, 0, 6), v);
    }
}

/* Tick positions on the value axis (in transformed units). On a log axis
 * they are 1, 2 and 5 times powers of ten, or whole decades when the view
 * spans many, or nice steps of the values when it spans too little for
 * either; else multiples of a nice step. Returns the count. */
int
_ds_plot_y_ticks (DsPlot *self,
         double  height,
         double *ticks,
         int     max_ticks,
         double *step_out)
{
  int target = MAX ((int) (height / 45), 2), n = 0;
  double lo = self->vy0, hi = self->vy1;

  if (self->log_scale && hi - lo > 1e-9)
    {
      static const double mult[] = { 1, 2, 5 };

      *step_out = 1;
      if (hi - lo >= target * 0.6)
        {
          double every = MAX (1, ceil ((hi - lo) / target));

          for (double k = ceil (lo / every) * every; k <= hi + 1e-9 && n < max_ticks; k += every)
            ticks[n++] = k;
          return n;
        }
      for (int k = (int) floor (lo) - 1; k <= (int) ceil (hi) && n < max_ticks; k++)
        for (guint m = 0; m < G_N_ELEMENTS (mult) && n < max_ticks; m++)
          {
            double t = k + log10 (mult[m]);

            if (t >= lo - 1e-9 && t <= hi + 1e-9)
              ticks[n++] = t;
          }
      if (n >= 2)
        return n;
      /* Less than a decade or so: nice steps of the values themselves
       * (0.0006, 0.0007, ... 0.001), placed where they fall. */
      double vlo = pow (10, lo), vhi = pow (10, hi), vstep = nice_step (vhi - vlo, target);

      n = 0;
      for (double v = ceil (vlo / vstep) * vstep; v <= vhi * (1 + 1e-9) && n < max_ticks;
           v += vstep)
        if (v > 0)
          ticks[n++] = log10 (v);
      if (n >= 2)
        return n;
      n = 0;
    }

  *step_out = nice_step (hi - lo, target);
  for (double t = ceil (lo / *step_out) * *step_out; t <= hi + *step_out * 1e-9 && n < max_ticks;
       t += *step_out)
    ticks[n++] = t;
  /* On a log axis, fall back to evenly spaced values in that space. */
  return n;
}

void
_ds_plot_layer_grid (DsPlot        *self,
            cairo_t       *cr,
            const Frame   *f,
            const Palette *pal,
            PangoLayout   *small)
{
  /* ticks in the axis's units (epochs, or a GAN's steps) */
  double xs = self->x_scale > 0 ? self->x_scale : 1;
  double xstep = nice_step ((self->vx1 - self->vx0) * xs, MAX ((int) (f->w / 90), 2));
  double ystep, yt[64];
  int ny = _ds_plot_y_ticks (self, f->h, yt, G_N_ELEMENTS (yt), &ystep);
  char buf[32];

  /* Epoch values sit on whole epochs: no ticks in between. */
  if ((!self->per_batch || self->x_scale > 0) && xstep < 1)
    xstep = 1;

  cairo_set_line_width (cr, 1);
  _ds_plot_set_color (cr, &pal->grid, 1);
  for (double t = ceil (self->vx0 * xs / xstep) * xstep; t <= self->vx1 * xs + xstep * 1e-9;
       t += xstep)
    {
      double x = round (px (f, (t / xs - self->vx0) / (self->vx1 - self->vx0))) + 0.5;

      cairo_move_to (cr, x, f->y);
      cairo_line_to (cr, x, f->y + f->h);
    }
  for (int i = 0; i < ny; i++)
    {
      double y = round (py (f, (yt[i] - self->vy0) / (self->vy1 - self->vy0))) + 0.5;

      cairo_move_to (cr, f->x, y);
      cairo_line_to (cr, f->x + f->w, y);
    }
  cairo_stroke (cr);

  /* Tick labels, and the axis title under them. */
  _ds_plot_set_color (cr, &pal->fg, 0.65);
  for (double t = ceil (self->vx0 * xs / xstep) * xstep; t <= self->vx1 * xs + xstep * 1e-9;
       t += xstep)
    {
      double x = px (f, (t / xs - self->vx0) / (self->vx1 - self->vx0));

      _ds_plot_format_tick (self, buf, sizeof buf, t, xstep, FALSE);
      _ds_plot_draw_text (cr, small, buf, x, f->y + f->h + 4, 0.5, 0);
    }
  _ds_plot_set_color (cr, &pal->fg, 0.5);
  _ds_plot_draw_text (cr, small, self->x_title ? self->x_title : "epoch", f->x + f->w / 2,
                      f->y + f->h + 20, 0.5, 0);
  for (int i = 0; i < ny; i++)
    {
      double y = py (f, (yt[i] - self->vy0) / (self->vy1 - self->vy0));

      _ds_plot_format_tick (self, buf, sizeof buf, yt[i], ystep, TRUE);
      _ds_plot_draw_text (cr, small, buf, f->x - 6, y, 1, 0.5);
    }

  /* Axis frame: bottom and left lines */
  _ds_plot_set_color (cr, &pal->fg, 0.35);
  cairo_move_to (cr, f->x + 0.5, f->y);
  cairo_line_to (cr, f->x + 0.5, f->y + f->h + 0.5);
  cairo_line_to (cr, f->x + f->w, f->y + f->h + 0.5);
  cairo_stroke (cr);
}

/* Polyline of normalized points, at most two vertices per pixel column
 * (the column's extremes), so long per-batch curves stay cheap. */
static void
path_curve (cairo_t     *cr,
            const Frame *f,
            const double *nx,
            const double *ny,
            guint        n)
{
  gboolean pen_down = FALSE;
  int col = G_MININT;
  double lo = 0, hi = 0, last_y = 0;

  for (guint i = 0; i < n; i++)
    {
      double x, y;
      int c;

      if (!isfinite (ny[i]))
        {
          pen_down = FALSE;
          col = G_MININT;
          continue;
        }
      x = px (f, nx[i]);
      y = py (f, ny[i]);
      c = (int) floor (x);
      if (pen_down && c == col)
        {
          /* Same column: widen the column's span instead of a new vertex. */
          if (y < lo || y > hi)
            {
              cairo_line_to (cr, x, y);
              lo = MIN (lo, y);
              hi = MAX (hi, y);
            }
          last_y = y;
          continue;
        }
      if (pen_down)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen_down = TRUE;
      col = c;
      lo = hi = last_y = y;
    }
  (void) last_y;
}

/* ---- label placement -------------------------------------------------- */

/* Whether the segment (ax, ay)-(bx, by) meets the box, grown by 2 px. */
static gboolean
segment_meets_box (double ax, double ay, double bx, double by, const LabelRect *r)
{
  double x0 = r->x - 2, y0 = r->y - 2, x1 = r->x + r->w + 2, y1 = r->y + r->h + 2;
  double len = hypot (bx - ax, by - ay);
  int steps;

  if (MAX (ax, bx) < x0 || MIN (ax, bx) > x1 || MAX (ay, by) < y0 || MIN (ay, by) > y1)
    return FALSE;
  steps = MAX (1, (int) ceil (len / 2));
  for (int i = 0; i <= steps; i++)
    {
      double x = ax + (bx - ax) * i / steps, y = ay + (by - ay) * i / steps;

      if (x >= x0 && x <= x1 && y >= y0 && y <= y1)
        return TRUE;
    }
  return FALSE;
}

/* How many curves and reference lines the box crosses. */
static guint
box_crossings (DsPlot *self, const Frame *f, GArray *norm, const LabelRect *r)
{
  guint n = 0;

  for (guint c = 0; norm && c < norm->len; c++)
    {
      const NormCurve *nc = &g_array_index (norm, NormCurve, c);
      const double *ys = nc->sy ? nc->sy : nc->ny;
      gboolean hit = FALSE;

      for (guint i = 0; !hit && i + 1 < nc->n; i++)
        if (isfinite (ys[i]) && isfinite (ys[i + 1]))
          hit = segment_meets_box (px (f, nc->nx[i]), py (f, ys[i]), px (f, nc->nx[i + 1]),
                                   py (f, ys[i + 1]), r);
      if (!hit && nc->n == 1 && isfinite (ys[0]))
        hit = segment_meets_box (px (f, nc->nx[0]), py (f, ys[0]), px (f, nc->nx[0]),
                                 py (f, ys[0]), r);
      n += hit;
    }
  for (guint k = 0; k < self->ref_values->len; k++)
    {
      double v = g_array_index (self->ref_values, double, k);
      double t = self->log_scale ? (v > 0 ? log10 (v) : NAN) : v;
      double y = py (f, (t - self->vy0) / (self->vy1 - self->vy0));

      n += isfinite (y) && y > r->y - 2 && y < r->y + r->h + 2;
    }
  return n;
}

static gboolean
boxes_overlap (const LabelRect *a, const LabelRect *b)
{
  return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

LabelRect
_ds_plot_choose_label (const Frame       *f,
                       double             w,
                       double             h,
                       const double     (*cand)[2],
                       guint              n_cand,
                       const LabelRect   *placed,
                       guint              n_placed,
                       DsPlotCrossingsFn  crossings,
                       gpointer           data)
{
  LabelRect best = { cand[0][0], cand[0][1], w, h, G_MAXUINT };
  guint best_score = G_MAXUINT;

  for (guint i = 0; i < n_cand; i++)
    {
      LabelRect r = { cand[i][0], cand[i][1], w, h, 0 };
      guint score;

      if (r.x < f->x || r.y < f->y || r.x + w > f->x + f->w || r.y + h > f->y + f->h)
        continue;
      score = 0;
      for (guint k = 0; k < n_placed; k++)
        score += boxes_overlap (&r, &placed[k]) ? 1000 : 0;
      r.crossings = crossings (&r, data);
      score += r.crossings;
      if (score < best_score)
        {
          best = r;
          best_score = score;
        }
      if (score == 0)
        break;
    }
  if (best.crossings == G_MAXUINT)
    best.crossings = crossings (&best, data);
  return best;
}

typedef struct
{
  DsPlot      *self;
  const Frame *f;
  GArray      *norm;
} CrossingsData;

static guint
plot_crossings (const LabelRect *r,
                gpointer         data)
{
  CrossingsData *d = data;

  return box_crossings (d->self, d->f, d->norm, r);
}

/* The chosen box (_ds_plot_choose_label) among the drawing's curves,
 * reference lines and labels placed so far; records it. */
static LabelRect
place_label (DsPlot *self, const Frame *f, GArray *norm, double w, double h,
             const double (*cand)[2], guint n_cand)
{
  CrossingsData d = { self, f, norm };
  LabelRect best = _ds_plot_choose_label (f, w, h, cand, n_cand,
                                          (const LabelRect *) self->label_rects->data,
                                          self->label_rects->len, plot_crossings, &d);

  g_array_append_val (self->label_rects, best);
  return best;
}

/* Where a reference line's label may go: above, then below its line, at
 * the right end, the left end, then every eighth of the way from right to
 * left, so a curve that passes the ends (a validation curve's first
 * points) leaves a place free; then the same one to four label heights
 * farther from the line (a label as wide as the plot can only move away
 * from a curve near its line). */
#define REF_SPOTS 9
#define REF_TIERS 5

static guint
reference_candidates (const Frame *f, double y, int tw, int th, double (*cand)[2])
{
  guint n = 0;

  for (int tier = 0; tier < REF_TIERS; tier++)
    for (int i = 0; i < REF_SPOTS; i++)
      {
        /* 0: right, 1: left, then 7/8, 6/8, ... 1/8 of the way */
        double frac = i == 0 ? 1 : i == 1 ? 0 : (REF_SPOTS - i) / 8.0;
        double x = f->x + 4 + (f->w - tw - 8) * frac;

        cand[n][0] = x;
        cand[n++][1] = y - (tier + 1) * (th + 3);
        cand[n][0] = x;
        cand[n++][1] = y + 3 + tier * (th + 3);
      }
  return n;
}

/* The reference lines: fine dashes across the plot, each label beside its
 * line, where it crosses no curve and no other label
 * (reference_candidates). */
void
_ds_plot_layer_references (DsPlot        *self,
                           cairo_t       *cr,
                           const Frame   *f,
                           const Palette *pal,
                           GArray        *norm,
                           PangoLayout   *small)
{
  static const double dash[] = { 2, 3 };

  for (guint r = 0; r < self->ref_values->len; r++)
    {
      double v = g_array_index (self->ref_values, double, r);
      double t = self->log_scale ? (v > 0 ? log10 (v) : NAN) : v;
      double ny = (t - self->vy0) / (self->vy1 - self->vy0);
      double y;
      double cand[2 * REF_SPOTS * REF_TIERS][2];
      int tw, th;
      LabelRect box;

      if (!isfinite (ny) || ny < 0 || ny > 1)
        continue;
      y = py (f, ny);
      cairo_save (cr);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_set_line_width (cr, 1.5);
      _ds_plot_set_color (cr, &pal->fg, 0.6);
      cairo_move_to (cr, f->x, y);
      cairo_line_to (cr, f->x + f->w, y);
      cairo_stroke (cr);
      cairo_restore (cr);

      pango_layout_set_text (small, self->ref_labels->pdata[r], -1);
      pango_layout_get_pixel_size (small, &tw, &th);
      box = place_label (self, f, norm, tw, th, (const double (*)[2]) cand,
                         reference_candidates (f, y, tw, th, cand));
      _ds_plot_set_color (cr, &pal->fg, 0.8);
      cairo_move_to (cr, round (box.x), round (box.y));
      show_with_halo (cr, small, &pal->background);
    }
}

void
_ds_plot_layer_curves (DsPlot        *self,
              cairo_t       *cr,
              const Frame   *f,
              GArray        *norm)
{
  static const double dash[] = { 6, 4 };

  cairo_save (cr);
  cairo_rectangle (cr, f->x, f->y - 4, f->w + 4, f->h + 8);
  cairo_clip (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (guint c = 0; c < norm->len; c++)
    {
      NormCurve *nc = &g_array_index (norm, NormCurve, c);
      const Curve *cv = nc->curve;

      cairo_set_dash (cr, cv->validation ? dash : NULL, cv->validation ? 2 : 0, 0);

      /* The raw curve stays visible, faint, beneath the smoothed one. */
      if (nc->sy)
        {
          cairo_set_line_width (cr, 1.2);
          _ds_plot_set_color (cr, &cv->color, 0.28);
          path_curve (cr, f, nc->nx, nc->ny, nc->n);
          cairo_stroke (cr);
        }
      cairo_set_line_width (cr, 2);
      _ds_plot_set_color (cr, &cv->color, 1);
      path_curve (cr, f, nc->nx, nc->sy ? nc->sy : nc->ny, nc->n);
      cairo_stroke (cr);

      /* Dots on short per-epoch curves show where the samples are. */
      if (nc->n <= 60 && !self->per_batch)
        {
          cairo_set_dash (cr, NULL, 0, 0);
          for (guint i = 0; i < nc->n; i++)
            if (isfinite (nc->ny[i]))
              {
                cairo_new_sub_path (cr);
                cairo_arc (cr, px (f, nc->nx[i]), py (f, nc->sy ? nc->sy[i] : nc->ny[i]),
                           cv->validation ? 2.2 : 2.6, 0, 2 * G_PI);
              }
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}

/* How many label heights the best point's label may move away from it. */
#define BEST_TIERS 6

void
_ds_plot_layer_best (DsPlot        *self,
            cairo_t       *cr,
            const Frame   *f,
            const Palette *pal,
            GArray        *norm,
            PangoLayout   *small)
{
  DsTrainingRun *last_run = norm->len ? g_array_index (norm, NormCurve, norm->len - 1).curve->run : NULL;

  for (guint c = 0; c < norm->len; c++)
    {
      NormCurve *nc = &g_array_index (norm, NormCurve, c);
      const DsPoint *p;
      double x, y;
      char value[32], label[80];

      if (nc->best < 0 || !isfinite (nc->ny[nc->best]))
        continue;
      x = px (f, nc->nx[nc->best]);
      y = py (f, nc->ny[nc->best]);
      if (x < f->x - 1 || x > f->x + f->w + 1 || y < f->y - 1 || y > f->y + f->h + 1)
        continue;
      p = ds_metric_series_get_points (nc->curve->series, NULL);

      cairo_set_dash (cr, NULL, 0, 0);
      _ds_plot_set_color (cr, &pal->background, 1);
      cairo_arc (cr, x, y, 5.5, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_set_line_width (cr, 2);
      _ds_plot_set_color (cr, &nc->curve->color, 1);
      cairo_arc (cr, x, y, 5.5, 0, 2 * G_PI);
      cairo_stroke (cr);
      cairo_arc (cr, x, y, 2, 0, 2 * G_PI);
      cairo_fill (cr);

      /* With several runs the rings say where; the newest run's label
       * says what (the crosshair reads the others). */
      if (nc->curve->run != last_run)
        continue;
      format_value (value, sizeof value, p[nc->best].y);
      g_snprintf (label, sizeof label, _("best %s · epoch %.0f"), value, p[nc->best].x);
      _ds_plot_set_color (cr, &nc->curve->color, 1);
      {
        int tw, th;
        LabelRect box;

        pango_layout_set_text (small, label, -1);
        pango_layout_get_pixel_size (small, &tw, &th);
        {
          /* Beside the ring (left, right, centred), above then below it,
           * then a label height farther out each tier: a ring between two
           * reference lines or among curves still finds a free spot. */
          double cand[BEST_TIERS * 6][2];
          guint n = 0;

          for (int tier = 0; tier < BEST_TIERS; tier++)
            {
              double up = y - 8 - th - tier * (th + 2), down = y + 8 + tier * (th + 2);
              const double xs[3] = { x - 8 - tw, x + 8, x - tw / 2.0 };

              for (int k = 0; k < 3; k++)
                {
                  cand[n][0] = xs[k];
                  cand[n++][1] = up;
                  cand[n][0] = xs[k];
                  cand[n++][1] = down;
                }
            }
          box = place_label (self, f, norm, tw, th, (const double (*)[2]) cand, n);
        }
        cairo_move_to (cr, round (box.x), round (box.y));
        show_with_halo (cr, small, &pal->background);
      }
    }
}

void
_ds_plot_layer_markers (DsPlot        *self,
               cairo_t       *cr,
               const Frame   *f,
               const GdkRGBA *halo,
               PangoLayout   *small)
{
  static const double dash[] = { 2, 3 };
  guint n = self->runs ? g_list_model_get_n_items (self->runs) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (self->runs, i);
      GArray *markers;
      GdkRGBA color;

      if (!ds_training_run_get_visible (run))
        continue;
      markers = ds_training_run_get_markers (run);
      ds_colors_run (ds_training_run_get_color_index (run), &color);
      for (guint k = 0; k < markers->len; k++)
        {
          DsRunMarker *m = &g_array_index (markers, DsRunMarker, k);
          double nx = (m->x - self->vx0) / (self->vx1 - self->vx0);
          double x;
          int w, h;

          if (nx < 0 || nx > 1)
            continue;
          x = round (px (f, nx)) + 0.5;
          cairo_set_dash (cr, dash, 2, 0);
          cairo_set_line_width (cr, 1);
          _ds_plot_set_color (cr, &color, 0.8);
          cairo_move_to (cr, x, f->y);
          cairo_line_to (cr, x, f->y + f->h);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);

          /* A flag at the top and the text along the line. */
          cairo_move_to (cr, x - 4, f->y);
          cairo_line_to (cr, x + 4, f->y);
          cairo_line_to (cr, x, f->y + 5);
          cairo_close_path (cr);
          cairo_fill (cr);

          pango_layout_set_text (small, m->text, -1);
          pango_layout_set_width (small, (int) (f->h - 12) * PANGO_SCALE);
          pango_layout_set_ellipsize (small, PANGO_ELLIPSIZE_END);
          pango_layout_get_pixel_size (small, &w, &h);
          /* Turned a quarter clockwise, the text reads down the line with
           * its glyphs to the left of it. */
          cairo_save (cr);
          cairo_translate (cr, x - 2, f->y + 8);
          cairo_rotate (cr, G_PI / 2);
          cairo_move_to (cr, 0, 0);
          _ds_plot_set_color (cr, &color, 0.85);
          show_with_halo (cr, small, halo);
          cairo_restore (cr);
          pango_layout_set_width (small, -1);
          pango_layout_set_ellipsize (small, PANGO_ELLIPSIZE_NONE);
        }
    }
}

void
_ds_plot_layer_header (DsPlot        *self,
              cairo_t       *cr,
              int            width,
              const Frame   *f,
              const Palette *pal,
              GArray        *curves,
              PangoLayout   *bold,
              PangoLayout   *small)
{
  static const double dash[] = { 6, 4 };
  gboolean any_val = FALSE;
  double x = width - 4;
  DsTrainingRun *last = NULL;
  GPtrArray *runs = g_ptr_array_new ();

  _ds_plot_set_color (cr, &pal->fg, 1);
  _ds_plot_draw_text (cr, bold, self->title ? self->title : self->metric, 4, 2, 0, 0);

  for (guint c = 0; c < curves->len; c++)
    {
      Curve *cv = &g_array_index (curves, Curve, c);

      any_val |= cv->validation;
      if (cv->run != last)
        g_ptr_array_add (runs, cv->run);
      last = cv->run;
    }

  /* Right to left: line-style key, then the runs. */
  if (any_val)
    {
      double w;

      _ds_plot_set_color (cr, &pal->fg, 0.7);
      w = _ds_plot_text_width (small, "validation");
      _ds_plot_draw_text (cr, small, "validation", x, 4, 1, 0);
      x -= w + 4;
      cairo_set_line_width (cr, 2);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_move_to (cr, x - 18, 11.5);
      cairo_line_to (cr, x, 11.5);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      x -= 28;
      w = _ds_plot_text_width (small, "training");
      _ds_plot_draw_text (cr, small, "training", x, 4, 1, 0);
      x -= w + 4;
      cairo_move_to (cr, x - 18, 11.5);
      cairo_line_to (cr, x, 11.5);
      cairo_stroke (cr);
      x -= 34;
    }
  /* The runs, when all of them fit (the run list names them too). */
  {
    double need = 0;

    for (guint i = 0; i < runs->len; i++)
      need += _ds_plot_text_width (small, ds_training_run_get_name (runs->pdata[i])) + 27;
    if (x - need < _ds_plot_text_width (bold, self->title ? self->title : "") + 16)
      g_ptr_array_set_size (runs, 0);
  }
  if (runs->len > 1 || (runs->len == 1 && !any_val))
    for (int i = (int) runs->len - 1; i >= 0; i--)
      {
        DsTrainingRun *run = runs->pdata[i];
        const char *name = ds_training_run_get_name (run);
        GdkRGBA color;
        double w = _ds_plot_text_width (small, name);

        ds_colors_run (ds_training_run_get_color_index (run), &color);
        _ds_plot_set_color (cr, &pal->fg, 0.8);
        _ds_plot_draw_text (cr, small, name, x, 4, 1, 0);
        x -= w + 5;
        _ds_plot_set_color (cr, &color, 1);
        cairo_rectangle (cr, x - 10, 7, 10, 10);
        cairo_fill (cr);
        x -= 22;
      }
  g_ptr_array_unref (runs);
}

void
_ds_plot_layer_crosshair (DsPlot        *self,
                 cairo_t       *cr,
                 const Frame   *f,
                 const Palette *pal,
                 GArray        *norm,
                 PangoLayout   *small)
{
  double data_x, snap_x = NAN, best_d = INFINITY;
  g_autoptr(GString) text = g_string_new (NULL);
  guint rows = 0;
  int tw, th;
  double bx, by;

  if (self->cross_x < f->x || self->cross_x > f->x + f->w || norm->len == 0)
    return;
  data_x = self->vx0 + (self->cross_x - f->x) / f->w * (self->vx1 - self->vx0);

  /* Snap to the nearest sample of any curve. */
  for (guint c = 0; c < norm->len; c++)
    {
      NormCurve *nc = &g_array_index (norm, NormCurve, c);
      int i = ds_metric_series_find_nearest (nc->curve->series, data_x);
      const DsPoint *p = ds_metric_series_get_points (nc->curve->series, NULL);

      if (i >= 0 && fabs (p[i].x - data_x) < best_d)
        {
          best_d = fabs (p[i].x - data_x);
          snap_x = p[i].x;
        }
    }
  if (!isfinite (snap_x))
    return;

  {
    double x = round (px (f, (snap_x - self->vx0) / (self->vx1 - self->vx0))) + 0.5;

    cairo_set_dash (cr, NULL, 0, 0);
    cairo_set_line_width (cr, 1);
    _ds_plot_set_color (cr, &pal->fg, 0.4);
    cairo_move_to (cr, x, f->y);
    cairo_line_to (cr, x, f->y + f->h);
    cairo_stroke (cr);
  }

  g_string_append_printf (text, self->per_batch ? _("<b>Epoch %.2f</b>") : _("<b>Epoch %.0f</b>"), snap_x);
  for (guint c = 0; c < norm->len; c++)
    {
      NormCurve *nc = &g_array_index (norm, NormCurve, c);
      int i = ds_metric_series_find_nearest (nc->curve->series, snap_x);
      const DsPoint *p = ds_metric_series_get_points (nc->curve->series, NULL);
      char value[32];
      double y;

      if (i < 0 || fabs (p[i].x - snap_x) > (self->vx1 - self->vx0) * 0.02 + 1e-9)
        continue;
      y = nc->sy ? nc->sy[i] : nc->ny[i];
      if (isfinite (y))
        {
          _ds_plot_set_color (cr, &nc->curve->color, 1);
          cairo_arc (cr, px (f, nc->nx[i]), py (f, y), 4, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      format_value (value, sizeof value, p[i].y);
      {
        const char *key = ds_metric_series_get_key (nc->curve->series);
        g_autofree char *name = g_markup_escape_text (ds_training_run_get_name (nc->curve->run), -1);

        /* "batch/loss" reads as the loss of one batch. */
        g_string_append_printf (text, _("\n<span foreground=\"#%02x%02x%02x\">●</span> %s %s%s  <b>%s</b>"),
                                (int) (nc->curve->color.red * 255), (int) (nc->curve->color.green * 255),
                                (int) (nc->curve->color.blue * 255), name,
                                g_str_has_prefix (key, "batch/") ? key + 6 : key,
                                g_str_has_prefix (key, "batch/") ? _(" (batch)") : "", value);
      }
      rows++;
    }
  if (rows == 0)
    return;

  pango_layout_set_markup (small, text->str, -1);
  pango_layout_get_pixel_size (small, &tw, &th);
  /* Right of the pointer, else left of it, and always inside the chart. */
  bx = self->cross_x + 14;
  if (bx + tw + 16 > f->x + f->w)
    bx = self->cross_x - 14 - tw - 16;
  bx = CLAMP (bx, 2, MAX (2, f->x + f->w - tw - 16));
  by = CLAMP (self->cross_y - th / 2.0 - 8, f->y, MAX (f->y, f->y + f->h - th - 16));

  cairo_new_path (cr);
  cairo_arc (cr, bx + 6, by + 6, 6, G_PI, 1.5 * G_PI);
  cairo_arc (cr, bx + tw + 10, by + 6, 6, 1.5 * G_PI, 2 * G_PI);
  cairo_arc (cr, bx + tw + 10, by + th + 10, 6, 0, 0.5 * G_PI);
  cairo_arc (cr, bx + 6, by + th + 10, 6, 0.5 * G_PI, G_PI);
  cairo_close_path (cr);
  _ds_plot_set_color (cr, &pal->panel, 0.96);
  cairo_fill_preserve (cr);
  _ds_plot_set_color (cr, &pal->fg, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  _ds_plot_set_color (cr, &pal->fg, 1);
  cairo_move_to (cr, bx + 8, by + 8);
  pango_cairo_show_layout (cr, small);
}

