/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-summary-private.h: DsSummary accessors that only the tests use. */
#pragma once

#include "ds-summary.h"

G_BEGIN_DECLS

/* The text shown (summary or error), for tests. */
char       *ds_summary_dup_text      (DsSummary *self);
/* The totals line above it ("3 layers · Total params: 1,234 ·
 * Trainable: 1,234 · Non-trainable: 0"). */
const char *ds_summary_get_totals    (DsSummary *self);
/* The label that shows it. */
GtkLabel   *ds_summary_get_totals_label (DsSummary *self);

G_END_DECLS
