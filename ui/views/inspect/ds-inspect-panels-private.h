/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-panels-private.h: what the tests read and press on the
 * filters, heat-map and errors pages. */
#pragma once

#include "ds-inspect-draw.h"
#include "ds-inspect-errors.h"
#include "ds-inspect-filters.h"
#include "ds-inspect-heatmaps.h"

G_BEGIN_DECLS

gboolean       ds_inspect_filters_is_busy          (DsInspectFilters  *self);
/* Filters drawn so far, and in the grid. */
void           ds_inspect_filters_get_progress     (DsInspectFilters  *self,
                                                    int               *filled,
                                                    int               *total);
/* Filters whose ascent has not finished (no gain yet). */
int            ds_inspect_filters_get_n_unfinished (DsInspectFilters *self);
/* TRUE when the grid was cancelled, its unfinished tiles crossed out. */
gboolean       ds_inspect_filters_is_stopped       (DsInspectFilters *self);
GtkWidget     *ds_inspect_filters_get_cancel_button (DsInspectFilters *self);
GtkWidget     *ds_inspect_filters_get_compute_button (DsInspectFilters *self);
GtkWidget     *ds_inspect_filters_get_grid         (DsInspectFilters  *self);
GtkSpinButton *ds_inspect_filters_get_steps_spin   (DsInspectFilters  *self);
GtkLabel      *ds_inspect_filters_get_message      (DsInspectFilters  *self);

gboolean       ds_inspect_heatmaps_is_busy         (DsInspectHeatmaps *self);
/* The map shown for the main method (borrowed, (H, W)), or NULL. */
const NnTensor *ds_inspect_heatmaps_get_map        (DsInspectHeatmaps *self);
/* The class it explains, or -1. */
int            ds_inspect_heatmaps_get_map_class   (DsInspectHeatmaps *self);
GtkDropDown   *ds_inspect_heatmaps_get_class_drop  (DsInspectHeatmaps *self);
GtkDropDown   *ds_inspect_heatmaps_get_method_drop (DsInspectHeatmaps *self);
GtkCheckButton *ds_inspect_heatmaps_get_side_check (DsInspectHeatmaps *self);
GtkRange      *ds_inspect_heatmaps_get_opacity     (DsInspectHeatmaps *self);
GtkWidget     *ds_inspect_heatmaps_get_picture     (DsInspectHeatmaps *self);
GtkLabel      *ds_inspect_heatmaps_get_message     (DsInspectHeatmaps *self);

gboolean       ds_inspect_errors_is_busy           (DsInspectErrors   *self);
/* The confusion shown (borrowed), or NULL. */
const NnConfusion *ds_inspect_errors_get_confusion (DsInspectErrors   *self);
GtkWidget     *ds_inspect_errors_get_matrix        (DsInspectErrors   *self);
/* The centre of cell (truth, predicted) in the matrix picture. */
gboolean       ds_inspect_errors_cell_point        (DsInspectErrors   *self,
                                                    int                truth,
                                                    int                predicted,
                                                    double            *x,
                                                    double            *y);
/* The examples listed (a GtkFlowBox of DsInspectDrawing children). */
GtkFlowBox    *ds_inspect_errors_get_examples      (DsInspectErrors   *self);
GtkFlowBox    *ds_inspect_errors_get_gallery       (DsInspectErrors   *self);
GtkLabel      *ds_inspect_errors_get_message       (DsInspectErrors   *self);
/* Most-wrong examples whose Grad-CAM has arrived. */
int            ds_inspect_errors_get_n_overlays    (DsInspectErrors   *self);

G_END_DECLS
