/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-file-chooser.h"

typedef struct
{
  GtkFileChooserNative **slot;   /* in the owner, which destroys the chooser in dispose */
  DsFileChosenFunc       func;
  gpointer               user_data;
} Pending;

static void
pending_free (gpointer  data,
              GClosure *closure)
{
  g_free (data);
}

static void
response_cb (GtkNativeDialog *dialog,
             int              response,
             Pending         *pending)
{
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
  /* The owner lets go first, so the callback may open another chooser;
   * the emission keeps this one alive until it returns. */
  if (*pending->slot == GTK_FILE_CHOOSER_NATIVE (dialog))
    g_clear_object (pending->slot);
  if (response == GTK_RESPONSE_ACCEPT)
    pending->func (file, pending->user_data);
}

void
ds_file_chooser_show (GtkFileChooserNative **slot,
                      GtkWidget             *parent,
                      const char            *title,
                      GtkFileChooserAction   action,
                      const char            *accept_label,
                      const char            *current_name,
                      GtkFileFilter         *filter,
                      DsFileChosenFunc       func,
                      gpointer               user_data)
{
  GtkRoot *root;
  Pending *pending;

  g_return_if_fail (slot != NULL);
  g_return_if_fail (GTK_IS_WIDGET (parent));
  g_return_if_fail (func != NULL);

  root = gtk_widget_get_root (parent);
  g_clear_object (slot);
  *slot = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                       action, accept_label, _("_Cancel"));
  if (current_name)
    gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (*slot), current_name);
  if (filter)
    gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (*slot), filter);
  pending = g_new (Pending, 1);
  pending->slot = slot;
  pending->func = func;
  pending->user_data = user_data;
  g_signal_connect_data (*slot, "response", G_CALLBACK (response_cb), pending, pending_free, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (*slot));
}

void
ds_file_chooser_clear (GtkFileChooserNative **slot)
{
  g_return_if_fail (slot != NULL);

  /* Destroying hides it: no response comes after the owner is gone. */
  if (*slot)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (*slot));
  g_clear_object (slot);
}
