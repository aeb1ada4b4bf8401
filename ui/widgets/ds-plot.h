/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-plot.h: a live line chart of one metric over the runs of a list:
 * training (solid) and validation (dashed) per run in the run's colour,
 * per epoch or per batch, with EMA smoothing over the faint raw curve, a
 * linear or log y axis, a crosshair readout, zoom (scroll) and pan (drag),
 * the best epoch marked and the change markers of each run.
 *
 * Drawing keeps model and picture apart: the runs' series are gathered into
 * curves, the curves are normalized to 0..1 in the current view, and layers
 * (grid, markers, curves, best points, axes, legend, crosshair) draw the
 * normalized data. ds_plot_render draws the same picture on any cairo
 * context for export. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DS_TYPE_PLOT (ds_plot_get_type ())
/* Live views repaint at most this often (microseconds), all on the same
 * grid of the clock (ds_ms_until_tick). */
#define DS_LIVE_REDRAW_US 80000
G_DECLARE_FINAL_TYPE (DsPlot, ds_plot, DS, PLOT, GtkWidget)

GtkWidget  *ds_plot_new            (void);
/* runs: a GListModel of DsTrainingRun (the plot keeps a reference). */
void        ds_plot_set_runs       (DsPlot     *self,
                                    GListModel *runs);
/* The history key drawn: "loss" shows "loss" and "val_loss"; "lr" the
 * learning rate. */
void        ds_plot_set_metric     (DsPlot     *self,
                                    const char *metric);
const char *ds_plot_get_metric     (DsPlot     *self);
void        ds_plot_set_title      (DsPlot     *self,
                                    const char *title);
const char *ds_plot_get_title      (DsPlot     *self);
/* The x axis in other units than epochs: each epoch is scale of them (a
 * GAN's generator steps: its batches per epoch), titled title; scale 0 (or
 * title NULL) puts epochs back. */
void        ds_plot_set_x_axis     (DsPlot     *self,
                                    double      scale,
                                    const char *title);
/* The x axis's title when not "epoch", or NULL. */
const char *ds_plot_get_x_title    (DsPlot     *self);
void        ds_plot_set_per_batch  (DsPlot     *self,
                                    gboolean    per_batch);
void        ds_plot_set_smoothing  (DsPlot     *self,
                                    double      smoothing);
void        ds_plot_set_log_scale  (DsPlot     *self,
                                    gboolean    log_scale);
/* Horizontal reference lines in the metric's units (a naive forecast's
 * error, say), dashed and labelled at their right end; the y range takes
 * them in. n 0 removes them. */
void        ds_plot_set_compact    (DsPlot             *self,
                                    gboolean            compact);
void        ds_plot_set_references (DsPlot             *self,
                                    guint               n,
                                    const double       *values,
                                    const char *const  *labels);
/* Back to following the data. */
void        ds_plot_reset_view     (DsPlot     *self);
/* Zooms the x axis by factor (>1 zooms in) around fraction at of the
 * width (0..1), as the scroll wheel does. */
void        ds_plot_zoom           (DsPlot     *self,
                                    double      factor,
                                    double      at);
/* Moves the view by a fraction of its width and height (a drag). */
void        ds_plot_pan            (DsPlot     *self,
                                    double      dx,
                                    double      dy);
/* Places the crosshair at widget point (x, y); a negative x hides it. */
void        ds_plot_set_crosshair  (DsPlot     *self,
                                    double      x,
                                    double      y);
/* Draws the chart (no crosshair) on cr in a width × height box with a
 * light palette, for PNG, SVG and PDF export. */
void        ds_plot_render         (DsPlot     *self,
                                    cairo_t    *cr,
                                    int         width,
                                    int         height);

G_END_DECLS
