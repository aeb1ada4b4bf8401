/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-palette-private.h: DsPalette accessors that only the tests use. */
#pragma once

#include "ds-palette.h"

G_BEGIN_DECLS

guint       ds_palette_get_n_rows   (DsPalette *self);
guint       ds_palette_get_n_visible (DsPalette *self);
/* The row showing a layer type (for tests and keyboard focus), or NULL. */
GtkWidget  *ds_palette_get_row      (DsPalette *self, const char *class_name);

G_END_DECLS
