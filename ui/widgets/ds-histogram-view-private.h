/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-histogram-view-private.h: DsHistogramView accessors that only the tests use. */
#pragma once

#include "ds-histogram-view.h"

G_BEGIN_DECLS

/* Number of weight variables shown (tests). */
guint      ds_histogram_view_get_n_rows  (DsHistogramView *self);

G_END_DECLS
