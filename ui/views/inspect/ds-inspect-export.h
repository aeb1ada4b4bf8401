/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-export.h: the Inspect view's pictures (inputs, channels, the
 * prediction chart) to PNG or SVG, as the charts are exported
 * (ds-export.c): drawn again with Cairo onto a file surface, written to a
 * temporary file renamed over the target. A right click on a picture
 * offers it. */
#pragma once

#include <gtk/gtk.h>

#include "ds-export.h"

G_BEGIN_DECLS

/* Draws the picture into width × height (user units). */
typedef void (*DsInspectDrawFunc) (GtkWidget *widget,
                                   cairo_t   *cr,
                                   int        width,
                                   int        height);
/* The size the export has, or FALSE when there is nothing to export. */
typedef gboolean (*DsInspectSizeFunc) (GtkWidget *widget,
                                       int       *width,
                                       int       *height);

/* Writes draw's picture at width × height to path (PNG at twice the
 * pixels, or SVG). */
gboolean ds_inspect_export_draw   (GtkWidget          *widget,
                                   DsInspectDrawFunc   draw,
                                   int                 width,
                                   int                 height,
                                   DsExportFormat      format,
                                   const char         *path,
                                   GError            **error);
/* Gives widget a context menu (right click) "Export as PNG…" and "Export
 * as SVG…"; name is the file name offered, without extension. */
void     ds_inspect_export_attach (GtkWidget          *widget,
                                   const char         *name,
                                   DsInspectSizeFunc   size,
                                   DsInspectDrawFunc   draw);
/* Writes widget's picture, as its menu would (tests, scripts). */
gboolean ds_inspect_export_widget (GtkWidget          *widget,
                                   DsExportFormat      format,
                                   const char         *path,
                                   GError            **error);
/* Changes the file name offered. */
void     ds_inspect_export_set_name (GtkWidget        *widget,
                                     const char       *name);

G_END_DECLS
