/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-histogram-view.h: per-layer histograms of the weights and gradients of
 * a training run over epochs, drawn as TensorBoard's offset view: one ridge
 * per epoch, the newest in front. */
#pragma once

#include <gtk/gtk.h>

#include "ds-training-run.h"

G_BEGIN_DECLS

#define DS_TYPE_HISTOGRAM_VIEW (ds_histogram_view_get_type ())
G_DECLARE_FINAL_TYPE (DsHistogramView, ds_histogram_view, DS, HISTOGRAM_VIEW, GtkWidget)

GtkWidget *ds_histogram_view_new         (void);
void       ds_histogram_view_set_run     (DsHistogramView *self,
                                          DsTrainingRun   *run);
/* Draws the ridges of variable `name` (weights, or gradients when
 * gradients) on any cairo context: export and tests. */
void       ds_histogram_render           (DsTrainingRun   *run,
                                          const char      *name,
                                          gboolean         gradients,
                                          cairo_t         *cr,
                                          int              width,
                                          int              height,
                                          const GdkRGBA   *fg);

G_END_DECLS
