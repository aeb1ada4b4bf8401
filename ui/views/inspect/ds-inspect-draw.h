/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-draw.h: what the Inspect view's pages draw with: a tensor
 * image as a Cairo surface, a map under a colour map, a colour bar with its
 * values, and DsInspectDrawing, a widget that draws one picture and
 * exports it to PNG or SVG from its context menu. */
#pragma once

#include <gtk/gtk.h>

#include "ds-export.h"
#include "nn.h"

G_BEGIN_DECLS

typedef enum {
  DS_INSPECT_SCALE_HEAT,     /* lo..hi, inferno-like (ds_colors_heat_rgb) */
  DS_INSPECT_SCALE_SIGNED,   /* -m..m with m = max (|lo|, |hi|), blue-white-red */
} DsInspectScale;

/* How an input shape reads as an image: (H, W, C), (H, W), or N values
 * that make a square (784 → 28 × 28). FALSE when it is none of these. */
gboolean         ds_inspect_image_geometry (int             ndim,
                                            const int      *shape,
                                            int            *h,
                                            int            *w,
                                            int            *c);
/* An opaque image of data (H, W, C) row-major: grey for C = 1, RGB for
 * C = 3, the first channel otherwise; values lo..hi become black..white
 * (lo >= hi: the image's own minimum and maximum). */
cairo_surface_t *ds_inspect_image_surface  (const float    *data,
                                            int             h,
                                            int             w,
                                            int             c,
                                            double          lo,
                                            double          hi);
/* A map (H, W) under a colour map, to lay over an image: the alpha is
 * opacity where the map is high and fades towards its low end (HEAT) or
 * towards zero (SIGNED), so that the input shows where the map is low. */
cairo_surface_t *ds_inspect_heat_surface   (const float    *map,
                                            int             h,
                                            int             w,
                                            DsInspectScale  scale,
                                            double          lo,
                                            double          hi,
                                            double          opacity);
/* Paints surface (of sw × sh pixels) into the rectangle x, y, w, h without
 * smoothing (every pixel of a 28 × 28 image stays a square). */
void             ds_inspect_paint_surface  (cairo_t         *cr,
                                            cairo_surface_t *surface,
                                            double           x,
                                            double           y,
                                            double           w,
                                            double           h,
                                            gboolean         smooth);
/* A vertical colour bar at x, y of w × h with ticks and values at its
 * right (about 40 points wide): lo at the bottom, hi at the top. */
void             ds_inspect_draw_color_bar (cairo_t        *cr,
                                            double          x,
                                            double          y,
                                            double          w,
                                            double          h,
                                            DsInspectScale  scale,
                                            double          lo,
                                            double          hi,
                                            const GdkRGBA  *text);
/* The colour of text drawn in widget's picture: the theme's foreground,
 * or near black while a DsInspectDrawing exports itself. */
/* The 12-pixel margins every Inspect page keeps from the window's edges. */
void             ds_inspect_page_margins   (GtkWidget      *page);
void             ds_inspect_text_color     (GtkWidget      *widget,
                                            GdkRGBA        *out);

/* A widget that draws one picture with draw (at its allocated size) and
 * offers "Export as PNG…" and "Export as SVG…" in a context menu (right
 * click, long press). ::clicked (x, y) follows a primary click. */
#define DS_TYPE_INSPECT_DRAWING (ds_inspect_drawing_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectDrawing, ds_inspect_drawing, DS, INSPECT_DRAWING, GtkWidget)

GtkWidget       *ds_inspect_drawing_new        (DsExportDrawFunc  draw,
                                                gpointer          user_data);
/* The natural size the picture asks for (it shrinks and grows with its
 * allocation); default 240 × 240. */
void             ds_inspect_drawing_set_size   (DsInspectDrawing *self,
                                                int               width,
                                                int               height);
/* The file name the export offers, without its extension ("grad-cam"). */
void             ds_inspect_drawing_set_export_name (DsInspectDrawing *self,
                                                     const char       *name);
/* The picture is n_parts equal columns side by side, each a picture of
 * its own (1, the default: one picture): a right click exports the column
 * under the pointer alone. */
void             ds_inspect_drawing_set_parts  (DsInspectDrawing *self,
                                                int               n_parts);
/* The column the next export writes, as a right click on it would choose
 * (tests); -1: the whole. */
void             ds_inspect_drawing_set_export_part (DsInspectDrawing *self,
                                                     int               part);
/* Draws the picture at its allocated size (its natural size when it has
 * none) onto a file; TRUE on success. */
gboolean         ds_inspect_drawing_export     (DsInspectDrawing *self,
                                                DsExportFormat    format,
                                                const char       *path,
                                                GError          **error);

G_END_DECLS
