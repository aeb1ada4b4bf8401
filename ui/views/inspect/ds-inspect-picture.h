/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-picture.h: one small picture of the Inspect view (an input,
 * a channel's activation) drawn pixel for pixel at any size, with its
 * PNG/SVG export on a right click. */
#pragma once

#include <gtk/gtk.h>

#include "nn.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_PICTURE (ds_inspect_picture_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectPicture, ds_inspect_picture, DS, INSPECT_PICTURE, GtkWidget)

/* A picture that asks for size × size pixels. */
GtkWidget *ds_inspect_picture_new       (int               size);
/* Shows an image: width × height pixels of `channels` (1 grey, 3 RGB)
 * values, lo shown black and hi white. */
void       ds_inspect_picture_set_image (DsInspectPicture *self,
                                         const float      *values,
                                         int               width,
                                         int               height,
                                         int               channels,
                                         double            lo,
                                         double            hi);
/* Shows one map through the activation colours, lo to hi; stride is the
 * distance between two values (the channel count of an (H, W, C) output). */
void       ds_inspect_picture_set_map   (DsInspectPicture *self,
                                         const float      *values,
                                         int               width,
                                         int               height,
                                         int               stride,
                                         double            lo,
                                         double            hi);
void       ds_inspect_picture_clear     (DsInspectPicture *self);
/* The pixels shown (0 when empty). */
int        ds_inspect_picture_get_width  (DsInspectPicture *self);
int        ds_inspect_picture_get_height (DsInspectPicture *self);
/* The RGB24 pixel at (x, y) as shown, for the tests. */
guint32    ds_inspect_picture_get_pixel  (DsInspectPicture *self,
                                          int               x,
                                          int               y);
/* The file name its export offers, without extension. */
void       ds_inspect_picture_set_export_name (DsInspectPicture *self,
                                               const char       *name);

G_END_DECLS
