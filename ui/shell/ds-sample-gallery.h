/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-sample-gallery.h: the "Open Sample" dialog: every model in the samples
 * directory with the title and description stored in the model file. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DS_TYPE_SAMPLE_GALLERY (ds_sample_gallery_get_type ())
G_DECLARE_FINAL_TYPE (DsSampleGallery, ds_sample_gallery, DS, SAMPLE_GALLERY, AdwWindow)

GtkWidget  *ds_sample_gallery_new            (GtkWindow *parent);
/* Rescans the directory (done once by new). */
void        ds_sample_gallery_reload         (DsSampleGallery *self);
/* Same as clicking sample i. */
void        ds_sample_gallery_activate       (DsSampleGallery *self, guint i);
/* The samples in the course's order: the file name (without .json) of
 * the i-th, with its translated line on what it teaches, or NULL after
 * the last. The start page shows the first few. */
const char *ds_sample_course_get             (guint i, const char **teaches);

G_END_DECLS
