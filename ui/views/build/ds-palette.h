/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-palette.h: every layer type of the engine's layer table, grouped, with
 * a search field; rows drag onto the canvas and activate to append. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DS_TYPE_PALETTE (ds_palette_get_type ())
G_DECLARE_FINAL_TYPE (DsPalette, ds_palette, DS, PALETTE, GtkWidget)

GtkWidget  *ds_palette_new          (void);
void        ds_palette_set_search   (DsPalette *self, const char *text);
void        ds_palette_focus_search (DsPalette *self);
/* Shows only the layer types listed (a lesson's lock); NULL shows all. */
void        ds_palette_set_allowed  (DsPalette *self, const char *const *types);
gboolean    ds_palette_is_limited   (DsPalette *self);

G_END_DECLS
