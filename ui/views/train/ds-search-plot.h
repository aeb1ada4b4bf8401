/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-search-plot.h: a search's trials as parallel coordinates: one
 * vertical axis per searched parameter and one for the metric, a line per
 * trial through its values, coloured by its metric. */
#pragma once

#include <gtk/gtk.h>

#include "nn.h"
#include "ds-export.h"

G_BEGIN_DECLS

#define DS_TYPE_SEARCH_PLOT (ds_search_plot_get_type ())
G_DECLARE_FINAL_TYPE (DsSearchPlot, ds_search_plot, DS, SEARCH_PLOT, GtkWidget)

DsSearchPlot *ds_search_plot_new        (void);
/* The search to draw (borrowed: set NULL before it is freed); redraws. */
void          ds_search_plot_set_search (DsSearchPlot *self,
                                         NnSearch     *search);
/* Where trial `trial`'s line crosses axis `axis` (0..1 from the bottom),
 * or NAN when the trial has no result; for the tests. */
double        ds_search_plot_get_position (DsSearchPlot *self,
                                           int           trial,
                                           int           axis);

/* The plot, with its colour legend, onto a PNG or SVG file at path
 * (720 x 480); FALSE with the reason before any trial has a result. */
gboolean      ds_search_plot_export     (DsSearchPlot   *self,
                                         DsExportFormat  format,
                                         const char     *path,
                                         GError        **error);

G_END_DECLS
