/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-filters.h: the filters page: pick a convolutional layer and
 * see, filter by filter, the input pattern that excites each of its
 * channels most (gradient ascent in input space), with progress and
 * Cancel. */
#pragma once

#include <gtk/gtk.h>

#include "ds-inspect-subject.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_FILTERS (ds_inspect_filters_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectFilters, ds_inspect_filters, DS, INSPECT_FILTERS, GtkWidget)

/* The page, following subject: it recomputes off the main loop whenever
 * what it shows changes, and only while it is on screen. */
GtkWidget *ds_inspect_filters_new (DsInspectSubject *subject);

G_END_DECLS
