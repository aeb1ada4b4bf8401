/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-train-view.h: the Train view: compile settings and callbacks, the
 * Start / Pause / Step / Resume / Stop controls with progress, live plots of
 * every run, weight and gradient histograms, and the 2-D playground. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"
#include "ds-histogram-view.h"
#include "ds-playground.h"
#include "ds-plot.h"
#include "ds-training-run.h"
#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_TRAIN_VIEW (ds_train_view_get_type ())
G_DECLARE_FINAL_TYPE (DsTrainView, ds_train_view, DS, TRAIN_VIEW, DsView)

/* Every run of this window, oldest first (a GListModel of DsTrainingRun). */
GListModel      *ds_train_view_get_runs           (DsTrainView *self);
/* The newest run, or NULL. */
DsTrainingRun   *ds_train_view_get_current_run    (DsTrainView *self);
/* The chart of a metric ("loss", "accuracy", "lr"), or NULL. */
DsPlot          *ds_train_view_get_plot           (DsTrainView *self,
                                                   const char  *metric);
/* Every chart shown, in order (borrowed). */
GPtrArray       *ds_train_view_get_plots          (DsTrainView *self);
DsPlayground    *ds_train_view_get_playground     (DsTrainView *self);
DsHistogramView *ds_train_view_get_histogram_view (DsTrainView *self);
/* "start", "pause", "resume", "step" or "stop". */
GtkWidget       *ds_train_view_get_button         (DsTrainView *self,
                                                   const char  *name);
/* The run list (a GtkFlowBox with one child per run). */
GtkWidget       *ds_train_view_get_run_list       (DsTrainView *self);
/* The text of the status line (errors and why a run ended), or NULL. */
const char      *ds_train_view_get_status         (DsTrainView *self);
/* Shows a page: "curves", "histograms" or "playground". */
void             ds_train_view_show_page          (DsTrainView *self,
                                                   const char  *name);
/* Sets the smoothing slider and the per-batch and log toggles. */
void             ds_train_view_set_plot_options   (DsTrainView *self,
                                                   double       smoothing,
                                                   gboolean     per_batch,
                                                   gboolean     log_scale);

G_END_DECLS
