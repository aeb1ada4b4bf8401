/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-canvas.h: a small grey image drawn with the mouse (white on
 * black, as Fashion-MNIST's pictures are), with a soft round brush. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_CANVAS (ds_inspect_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectCanvas, ds_inspect_canvas, DS, INSPECT_CANVAS, GtkWidget)

/* A width × height canvas, black. Emits ::changed after each stroke
 * segment and after a clear. */
GtkWidget    *ds_inspect_canvas_new        (int              width,
                                            int              height);
/* The pixels, row-major, 0 (black) to 1 (white) (borrowed). */
const float  *ds_inspect_canvas_get_pixels (DsInspectCanvas *self,
                                            int             *width,
                                            int             *height);
void          ds_inspect_canvas_clear      (DsInspectCanvas *self);
/* Draws a stroke from (x0, y0) to (x1, y1) in canvas pixels, as a drag of
 * the mouse does. */
void          ds_inspect_canvas_stroke     (DsInspectCanvas *self,
                                            double           x0,
                                            double           y0,
                                            double           x1,
                                            double           y1);
/* The brush's radius in canvas pixels (default 1.6). */
void          ds_inspect_canvas_set_radius (DsInspectCanvas *self,
                                            double           radius);

G_END_DECLS
