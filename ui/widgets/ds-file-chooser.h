/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-file-chooser.h: the native file chooser the views open. GTK 4.8 has no
 * GtkFileDialog, and a GtkFileChooserNative must be kept alive by its owner
 * and destroyed with it: each view keeps one in a slot of its own. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Runs when the person accepts; file is what the chooser returns (may be
 * NULL). Nothing runs on cancel. */
typedef void (*DsFileChosenFunc) (GFile    *file,
                                  gpointer  user_data);

/* Shows a chooser over parent's window and keeps it in *slot, replacing the
 * one there. current_name (save choosers) and filter may be NULL. */
void ds_file_chooser_show  (GtkFileChooserNative **slot,
                            GtkWidget             *parent,
                            const char            *title,
                            GtkFileChooserAction   action,
                            const char            *accept_label,
                            const char            *current_name,
                            GtkFileFilter         *filter,
                            DsFileChosenFunc       func,
                            gpointer               user_data);
/* Hides and releases the chooser in *slot, if any (for dispose). */
void ds_file_chooser_clear (GtkFileChooserNative **slot);

G_END_DECLS
