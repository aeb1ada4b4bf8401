/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-util.h: small helpers shared by the UI widgets. */
#pragma once

#include <gtk/gtk.h>

#include "nn.h"

G_BEGIN_DECLS

/* "1,234,567": parameter counts are easier to read grouped. */
char  *ds_format_count       (gint64 n);
/* "kernel_size" -> "Kernel size". */
char  *ds_pretty_param_name  (const char *name);
/* Where the sample models live: $DEEPSCOPE_SAMPLES, else the installed
 * data directory, else the source tree (uninstalled runs). */
char  *ds_dup_samples_dir    (void);
/* Milliseconds (at least 1) until the monotonic clock next passes a
 * multiple of period_us: live views that throttle their updates to one
 * grid redraw in the same frames instead of one after the other. */
guint  ds_ms_until_tick      (gint64 period_us);
/* With software OpenGL (no GPU), sets GSK_RENDERER=cairo for the windows
 * realized from now on, unless GSK_RENDERER is set; TRUE if it did. */
gboolean ds_prefer_cairo_on_software_gl (void);
/* While popover is open (owner's drop-down list, its right-click menu),
 * owner shows no tooltip: it would cover the very menu it explains. */
void   ds_quiet_tooltip_for_popover (GtkWidget *owner, GtkWidget *popover);
/* The same for every popover among owner's children (a GtkDropDown's
 * list): call once the owner is built. */
void   ds_quiet_tooltip_while_open  (GtkWidget *owner);

G_END_DECLS
