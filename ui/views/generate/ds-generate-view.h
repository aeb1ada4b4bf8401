/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-view.h: the Generate view: DeepDream on the person's own
 * convnet, and the embedding projector (PCA or t-SNE of any layer's
 * activations over test samples). It follows the document's current run as
 * the Inspect view does: a live run's latest snapshot, an ended run's
 * result, else the document's model when it has weights. */
#pragma once

#include <gtk/gtk.h>

#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_GENERATE_VIEW (ds_generate_view_get_type ())
G_DECLARE_FINAL_TYPE (DsGenerateView, ds_generate_view, DS, GENERATE_VIEW, DsView)

/* The stack of pages (dream, projector, latent, text, gan): its
 * visible-child-name is the page shown (lessons check it). */
GtkStack *ds_generate_view_get_pages (DsGenerateView *self);

G_END_DECLS
