/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsPlot internals shared by ds-plot.c (model, view, input, GObject) and
 * ds-plot-layers.c (drawing the normalized curves with Cairo). */
#pragma once

#include <adwaita.h>
#include <pango/pangocairo.h>

#include "ds-colors.h"
#include "ds-plot.h"
#include "ds-training-run.h"

struct _DsPlot
{
  GtkWidget   parent_instance;

  /* Owned */
  GListModel *runs;
  GPtrArray  *connected;      /* runs whose signals we listen to */
  char       *metric;
  char       *title;
  gboolean    per_batch;
  gboolean    log_scale;
  double      smoothing;
  GArray     *ref_values;     /* double: reference lines, metric units */
  GPtrArray  *ref_labels;     /* char *, one per value */
  gboolean    compact;        /* a short chart (a set value, not a measure) */
  double      x_scale;        /* axis units per x unit (0: epochs as they are) */
  char       *x_title;        /* the x axis's title, or NULL: "epoch" */
  GArray     *label_rects;    /* LabelRect: labels placed by the last drawing */

  /* The view in data units (y transformed by log10 when log_scale). */
  gboolean    zoomed;
  double      vx0, vx1, vy0, vy1;
  double      drag_vx0, drag_vx1, drag_vy0, drag_vy1;

  double      cross_x, cross_y;  /* widget coordinates; x < 0: hidden */
  double      frame_x, frame_y;  /* plot area of the last drawing */
  double      frame_w, frame_h;
  guint       n_points;
  guint64     shown;          /* shown_signature () at the last live redraw */
  guint       redraw_id;
};

/* One drawn curve: a series of a run. */
typedef struct
{
  DsTrainingRun  *run;         /* borrowed */
  DsMetricSeries *series;      /* borrowed */
  GdkRGBA         color;
  gboolean        validation;  /* dashed */
  gboolean        mark_best;
} Curve;

/* A curve mapped to 0..1 in the view. */
typedef struct
{
  const Curve *curve;
  guint        n;
  double      *nx;     /* 0..1 across the view */
  double      *ny;     /* raw values, 0..1 bottom to top; NAN breaks the line */
  double      *sy;     /* smoothed, or NULL */
  int          best;   /* index of the best point, or -1 */
} NormCurve;

typedef struct
{
  GdkRGBA fg;
  GdkRGBA grid;
  GdkRGBA panel;
  gboolean paint_background;
  GdkRGBA background;
} Palette;

typedef struct
{
  double x, y, w, h;   /* the plot area in pixels */
} Frame;

/* A text label's box in widget pixels, and how many curves it crosses. */
typedef struct
{
  double x, y, w, h;
  guint  crossings;
} LabelRect;

/* How many curves (and lines) a label box meets. */
typedef guint (*DsPlotCrossingsFn) (const LabelRect *r, gpointer data);
/* Label placement: among the candidate top-left corners of a w x h box,
 * the first inside frame f that overlaps none of `placed` and meets
 * nothing (crossings () is 0); else the one inside with the fewest
 * crossings, an overlap counting 1000; else the first. Its crossings
 * are filled in. */
LabelRect _ds_plot_choose_label (const Frame *f, double w, double h, const double (*cand)[2],
                                 guint n_cand, const LabelRect *placed, guint n_placed,
                                 DsPlotCrossingsFn crossings, gpointer data);

double _ds_plot_untransform_y (DsPlot *self, double t);
void _ds_plot_set_color (cairo_t *cr, const GdkRGBA *c, double alpha);
PangoLayout *_ds_plot_make_layout (DsPlot *self, cairo_t *cr, double scale, gboolean bold);
double _ds_plot_draw_text (cairo_t *cr, PangoLayout *layout, const char *text, double x, double y, double xalign, double yalign);
double _ds_plot_text_width (PangoLayout *layout, const char *text);
void _ds_plot_format_tick (DsPlot *self, char *buf, gsize size, double t, double step, gboolean y_axis);
int _ds_plot_y_ticks (DsPlot *self, double height, double *ticks, int max_ticks, double *step_out);
void _ds_plot_layer_grid (DsPlot *self, cairo_t *cr, const Frame *f, const Palette *pal, PangoLayout *small);
void _ds_plot_layer_references (DsPlot *self, cairo_t *cr, const Frame *f, const Palette *pal, GArray *norm, PangoLayout *small);
void _ds_plot_layer_curves (DsPlot *self, cairo_t *cr, const Frame *f, GArray *norm);
void _ds_plot_layer_best (DsPlot *self, cairo_t *cr, const Frame *f, const Palette *pal, GArray *norm, PangoLayout *small);
void _ds_plot_layer_markers (DsPlot *self, cairo_t *cr, const Frame *f, const GdkRGBA *halo, PangoLayout *small);
void _ds_plot_layer_header (DsPlot *self, cairo_t *cr, int width, const Frame *f, const Palette *pal, GArray *curves, PangoLayout *bold, PangoLayout *small);
void _ds_plot_layer_crosshair (DsPlot *self, cairo_t *cr, const Frame *f, const Palette *pal, GArray *norm, PangoLayout *small);

/* For the tests. */
/* Number of points of all drawn curves (tests). */
guint       ds_plot_get_n_points   (DsPlot     *self);
/* The readout under the crosshair ("epoch 12 · Run 1 loss 0.213 …"), or
 * NULL when hidden. */
char       *ds_plot_dup_readout    (DsPlot     *self);
/* The view in data units (y in log10 when log scale). */
void        ds_plot_get_view       (DsPlot     *self,
                                    double     *x0,
                                    double     *x1,
                                    double     *y0,
                                    double     *y1);
gboolean    ds_plot_get_zoomed     (DsPlot     *self);
/* The reference lines: their count, and value and label of line i. */
guint       ds_plot_get_n_references (DsPlot   *self);
double      ds_plot_get_reference    (DsPlot   *self,
                                      guint     i,
                                      const char **label);
gboolean    ds_plot_get_log_scale  (DsPlot     *self);
/* The labels of the last drawing (reference lines, best points): their
 * count, and the box of label i. */
guint       ds_plot_get_n_labels   (DsPlot     *self);
const LabelRect *ds_plot_get_label (DsPlot     *self,
                                    guint       i);
