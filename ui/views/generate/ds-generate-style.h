/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-style.h: the Generate view's Style page (neural style
 * transfer from a content and a style PNG, nn-style.h, on a worker thread,
 * the image shown as it changes), its hooks for the view and what the tests
 * use. Its state hangs on the view, not in the view's struct. */
#pragma once

#include "ds-generate-view.h"

G_BEGIN_DECLS

/* For ds-generate-view.c */
GtkWidget  *_ds_generate_style_build         (DsGenerateView *self);
/* The document's model changed: offered as the feature network when it is
 * a convnet on images with weights. */
void        _ds_generate_style_model_changed (DsGenerateView *self);
void        _ds_generate_style_dispose       (DsGenerateView *self);

/* For the tests */
/* Opens the content (is_content) or the style picture, as Open… does. */
gboolean    ds_generate_view_style_open      (DsGenerateView *self, const char *path,
                                              gboolean is_content, GError **error);
/* Sets the iterations and the image's longer side, then presses Start. */
void        ds_generate_view_style_start     (DsGenerateView *self, int iterations, int side);
void        ds_generate_view_style_stop      (DsGenerateView *self);
gboolean    ds_generate_view_style_is_running (DsGenerateView *self);
/* The last iteration shown, and how many times the image was redrawn from
 * the worker's copies. */
int         ds_generate_view_style_get_iteration (DsGenerateView *self);
guint       ds_generate_view_style_get_n_updates (DsGenerateView *self);
/* The image shown (1, H, W, C), borrowed; NULL before a start. */
const NnTensor *ds_generate_view_style_get_image (DsGenerateView *self);
const char *ds_generate_view_style_get_status  (DsGenerateView *self);
/* The sentence that says which feature network is used and why. */
const char *ds_generate_view_style_get_network_text (DsGenerateView *self);
/* Writes the image shown as a PNG, as Save PNG… does. */
gboolean    ds_generate_view_style_save      (DsGenerateView *self, const char *path,
                                              GError **error);

G_END_DECLS
