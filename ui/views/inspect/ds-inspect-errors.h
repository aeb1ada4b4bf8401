/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-errors.h: the errors page: the confusion matrix of the test
 * split as a clickable heat grid with per-class precision and recall, the
 * examples of a cell, and the most confidently wrong examples with their
 * Grad-CAM. */
#pragma once

#include <gtk/gtk.h>

#include "ds-inspect-subject.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_ERRORS (ds_inspect_errors_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectErrors, ds_inspect_errors, DS, INSPECT_ERRORS, GtkWidget)

/* The page, following subject: it recomputes off the main loop whenever
 * what it shows changes, and only while it is on screen. */
GtkWidget *ds_inspect_errors_new (DsInspectSubject *subject);

G_END_DECLS
