/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-sample-gallery-private.h: DsSampleGallery accessors that only the tests use. */
#pragma once

#include "ds-sample-gallery.h"

G_BEGIN_DECLS

guint       ds_sample_gallery_get_n_samples  (DsSampleGallery *self);
/* Path of sample i, in the order shown. */
const char *ds_sample_gallery_get_path       (DsSampleGallery *self, guint i);
/* NULL, or why sample i could not be read. */
const char *ds_sample_gallery_get_error      (DsSampleGallery *self, guint i);
/* The one line on what sample i teaches, shown under its title. */
const char *ds_sample_gallery_get_teaches    (DsSampleGallery *self, guint i);
/* Draws sample i's thumbnail (its layers as boxes in their group's
 * colour, joined by edges) on cr; returns the boxes drawn. */
guint       ds_sample_gallery_draw_thumbnail (DsSampleGallery *self,
                                              guint            i,
                                              cairo_t         *cr,
                                              int              width,
                                              int              height);

G_END_DECLS
