/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-view.h: the Inspect view: an input (a test image, a PNG, or a
 * drawing), the model's prediction for it, and pages that show what the
 * model does with it: the activations of every layer, the filters, heat
 * maps and errors. It follows the document's current run: a live run's
 * latest weights every few seconds, an ended run's result, else the
 * document's model when it has weights. */
#pragma once

#include <gtk/gtk.h>

#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_VIEW (ds_inspect_view_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectView, ds_inspect_view, DS, INSPECT_VIEW, DsView)

/* The stack of pages (activations, filters, heatmaps, errors): its
 * visible-child-name is the page shown (lessons check it). */
GtkStack *ds_inspect_view_get_pages (DsInspectView *self);

G_END_DECLS
