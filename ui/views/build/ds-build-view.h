/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-build-view.h: the Build view: layer palette, graph canvas, and a side
 * pane with the layer errors, the properties editor and the summary. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"
#include "ds-graph-canvas.h"
#include "ds-palette.h"
#include "ds-properties.h"
#include "ds-summary.h"
#include "ds-view.h"

G_BEGIN_DECLS

#define DS_TYPE_BUILD_VIEW (ds_build_view_get_type ())
G_DECLARE_FINAL_TYPE (DsBuildView, ds_build_view, DS, BUILD_VIEW, DsView)

/* Presentation mode (F5, property "presentation"): only the canvas, the
 * model fitted large, for a projector. */
void     ds_build_view_set_presentation (DsBuildView *self, gboolean presentation);
gboolean ds_build_view_get_presentation (DsBuildView *self);
/* Offers only these layer types in the palette (a lesson's lock); NULL:
 * every type. */
void     ds_build_view_limit_palette    (DsBuildView *self, const char *const *types);

G_END_DECLS
