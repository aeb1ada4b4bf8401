/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-export.h: plots to PNG, SVG or PDF through Cairo surfaces, and the
 * training history to CSV. */
#pragma once

#include <gio/gio.h>

#include "ds-plot.h"

G_BEGIN_DECLS

typedef enum {
  DS_EXPORT_PNG,
  DS_EXPORT_SVG,
  DS_EXPORT_PDF,
} DsExportFormat;

/* "png", "svg" or "pdf" (case-insensitive); FALSE for anything else. */
gboolean  ds_export_format_parse   (const char      *text,
                                    DsExportFormat  *format);
const char *ds_export_format_extension (DsExportFormat format);

/* Draws the plots (DsPlot) in a grid of `columns` charts of width × height
 * each onto a file at path, atomically. */
gboolean  ds_export_plots          (GPtrArray       *plots,
                                    int              columns,
                                    int              width,
                                    int              height,
                                    DsExportFormat   format,
                                    const char      *path,
                                    GError         **error);
/* Draws one picture of width × height (in points) onto cr. */
typedef void (*DsExportDrawFunc) (cairo_t  *cr,
                                  int       width,
                                  int       height,
                                  gpointer  user_data);
/* Any picture (the Inspect view's images, maps and grids) onto a file at
 * path, atomically, as ds_export_plots does: PNG at twice the pixels, SVG
 * and PDF as vectors. */
gboolean  ds_export_drawing        (DsExportDrawFunc  draw,
                                    gpointer          user_data,
                                    int               width,
                                    int               height,
                                    DsExportFormat    format,
                                    const char       *path,
                                    GError          **error);
/* The history of every run of runs (DsTrainingRun) as CSV: a run column,
 * the epoch, then one column per key in the union of the runs' keys. */
char     *ds_export_history_to_csv (GListModel      *runs);
gboolean  ds_export_history        (GListModel      *runs,
                                    const char      *path,
                                    GError         **error);

G_END_DECLS
