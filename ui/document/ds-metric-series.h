/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-metric-series.h: one curve of a training run ("loss", "val_accuracy",
 * the per-batch loss), as (x, y) points with x in epochs. The plot reads
 * it; the training run appends to it on the main thread. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  double x;   /* epochs: epoch e ends at x = e + 1; batch b of B at e + b / B */
  double y;
} DsPoint;

#define DS_TYPE_METRIC_SERIES (ds_metric_series_get_type ())
G_DECLARE_FINAL_TYPE (DsMetricSeries, ds_metric_series, DS, METRIC_SERIES, GObject)

DsMetricSeries *ds_metric_series_new          (const char *key);
/* "loss", "val_accuracy", "batch/loss", "lr". */
const char     *ds_metric_series_get_key      (DsMetricSeries *self);
guint           ds_metric_series_get_n_points (DsMetricSeries *self);
/* The points (borrowed, valid until the next append), x ascending. */
const DsPoint  *ds_metric_series_get_points   (DsMetricSeries *self,
                                               guint          *n_points);
/* Appends a point and emits ::items-changed (position, 0, 1). Points with
 * an x not greater than the last one replace the tail from that x on, so a
 * resumed run never draws a curve that doubles back. */
void            ds_metric_series_append       (DsMetricSeries *self,
                                               double          x,
                                               double          y);
void            ds_metric_series_clear        (DsMetricSeries *self);
/* Bounds of the finite points (positive ones only when positive_only, for
 * log axes). FALSE when there are none. */
gboolean        ds_metric_series_get_bounds   (DsMetricSeries *self,
                                               gboolean        positive_only,
                                               double         *x_min,
                                               double         *x_max,
                                               double         *y_min,
                                               double         *y_max);
/* The index of the lowest (or, with maximize, highest) finite value, or -1. */
int             ds_metric_series_find_best    (DsMetricSeries *self,
                                               gboolean        maximize);
/* The index of the point nearest to x, or -1 when empty. */
int             ds_metric_series_find_nearest (DsMetricSeries *self,
                                               double          x);
/* TRUE when higher values are better for this key (accuracies). */
gboolean        ds_metric_key_maximizes       (const char     *key);

/* Exponential moving average as TensorBoard draws it: weight in [0, 1),
 * debiased so the first points are not pulled toward zero. Non-finite
 * values pass through and do not disturb the average. out holds n values. */
void            ds_smooth_ema                 (const DsPoint  *points,
                                               guint           n,
                                               double          weight,
                                               double         *out);

G_END_DECLS
