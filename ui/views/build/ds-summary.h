/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-summary.h: the Keras-style model summary with parameter totals. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_SUMMARY (ds_summary_get_type ())
G_DECLARE_FINAL_TYPE (DsSummary, ds_summary, DS, SUMMARY, GtkWidget)

GtkWidget  *ds_summary_new           (void);
void        ds_summary_set_document  (DsSummary *self, DsDocument *document);

G_END_DECLS
