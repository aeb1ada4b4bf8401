/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-heatmaps.h: the heat-map page: why the model gives the input
 * its class, as Grad-CAM, saliency or occlusion laid over the input, with
 * an opacity slider, a colour bar, and the class and Grad-CAM's layer to
 * choose. */
#pragma once

#include <gtk/gtk.h>

#include "ds-inspect-subject.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_HEATMAPS (ds_inspect_heatmaps_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectHeatmaps, ds_inspect_heatmaps, DS, INSPECT_HEATMAPS, GtkWidget)

/* The page, following subject: it recomputes off the main loop whenever
 * what it shows changes, and only while it is on screen. */
GtkWidget *ds_inspect_heatmaps_new (DsInspectSubject *subject);

G_END_DECLS
