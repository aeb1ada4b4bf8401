/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-build-view-private.h: DsBuildView accessors that only the tests use. */
#pragma once

#include "ds-build-view.h"

G_BEGIN_DECLS

DsGraphCanvas *ds_build_view_get_canvas     (DsBuildView *self);
DsPalette     *ds_build_view_get_palette    (DsBuildView *self);
DsProperties  *ds_build_view_get_properties (DsBuildView *self);
DsSummary     *ds_build_view_get_summary    (DsBuildView *self);
/* The error list (a GtkListBox; one row per layer with a shape error). */
GtkListBox    *ds_build_view_get_error_list (DsBuildView *self);

G_END_DECLS
