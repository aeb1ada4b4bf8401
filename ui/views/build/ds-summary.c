/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-summary-private.h"
#include "ds-util.h"

struct _DsSummary
{
  GtkWidget    parent_instance;

  /* Template widgets */
  GtkLabel    *totals;
  GtkTextView *view;
  GtkLabel    *error;

  /* Owned */
  DsDocument  *document;
  guint        idle_id;
};

G_DEFINE_FINAL_TYPE (DsSummary, ds_summary, GTK_TYPE_WIDGET)

static gboolean
update_idle (gpointer data)
{
  DsSummary *self = data;
  NnModel *m;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gint64 trainable = 0, frozen = 0, total;

  self->idle_id = 0;
  if (self->document == NULL)
    return G_SOURCE_REMOVE;
  m = ds_document_get_model (self->document);

  if (nn_model_get_n_layers (m) == 0)
    {
      gtk_label_set_text (self->totals, _("Empty model"));
      gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->view), "", -1);
      gtk_widget_set_visible (GTK_WIDGET (self->error), FALSE);
      return G_SOURCE_REMOVE;
    }

  text = nn_model_summary (m, &error);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->view), text ? text : "", -1);
  gtk_widget_set_visible (GTK_WIDGET (self->error), error != NULL);
  if (error)
    gtk_label_set_text (self->error, error->message);

  total = nn_model_count_params (m, &trainable, &frozen);
  {
    /* The summary text ends with these totals, below the layers: the
     * header line carries them too, so a pane too short for the whole
     * table still shows them without scrolling. */
    g_autofree char *t = ds_format_count (total);
    g_autofree char *tr = ds_format_count (trainable);
    g_autofree char *fr = ds_format_count (frozen);
    g_autofree char *label = NULL;

    label = g_strdup_printf (g_dngettext (NULL,
                                          "%d layer · Total params: %s · Trainable: %s · Non-trainable: %s",
                                          "%d layers · Total params: %s · Trainable: %s · Non-trainable: %s",
                                          nn_model_get_n_layers (m)),
                             nn_model_get_n_layers (m), t, tr, fr);
    gtk_label_set_text (self->totals, label);
  }
  return G_SOURCE_REMOVE;
}

static void
document_changed_cb (DsSummary *self,
                     guint      what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  /* A new model (open, a sample, undo) is one change: its summary shows
   * with it, never the last model's for as long as the canvas keeps the
   * main loop busy laying it out. */
  if (what & DS_CHANGE_REPLACED)
    {
      g_clear_handle_id (&self->idle_id, g_source_remove);
      update_idle (self);
      return;
    }
  /* Several edits in one main-loop turn (a paste) make one summary,
   * before the next frame draws (GTK's layout and paint come after
   * G_PRIORITY_HIGH_IDLE); a default idle waited behind every frame. */
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, update_idle, self, NULL);
}

void
ds_summary_set_document (DsSummary  *self,
                         DsDocument *document)
{
  g_return_if_fail (DS_IS_SUMMARY (self));
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document)
    g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  update_idle (self);
}

char *
ds_summary_dup_text (DsSummary *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter a, b;

  g_return_val_if_fail (DS_IS_SUMMARY (self), NULL);
  if (self->idle_id)
    {
      g_source_remove (self->idle_id);
      update_idle (self);
    }
  if (gtk_widget_get_visible (GTK_WIDGET (self->error)))
    return g_strdup (gtk_label_get_text (self->error));
  buffer = gtk_text_view_get_buffer (self->view);
  gtk_text_buffer_get_bounds (buffer, &a, &b);
  return gtk_text_buffer_get_text (buffer, &a, &b, FALSE);
}

GtkLabel *
ds_summary_get_totals_label (DsSummary *self)
{
  g_return_val_if_fail (DS_IS_SUMMARY (self), NULL);
  return self->totals;
}

const char *
ds_summary_get_totals (DsSummary *self)
{
  g_return_val_if_fail (DS_IS_SUMMARY (self), NULL);
  if (self->idle_id)
    {
      g_source_remove (self->idle_id);
      update_idle (self);
    }
  return gtk_label_get_text (self->totals);
}

static void
ds_summary_dispose (GObject *object)
{
  DsSummary *self = DS_SUMMARY (object);

  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_handle_id (&self->idle_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_SUMMARY);
  /* The root of the template is not bound to a field, so
   * gtk_widget_dispose_template leaves it: unparent it here. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_summary_parent_class)->dispose (object);
}

static void
ds_summary_class_init (DsSummaryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_summary_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-summary.ui");
  gtk_widget_class_bind_template_child (widget_class, DsSummary, totals);
  gtk_widget_class_bind_template_child (widget_class, DsSummary, view);
  gtk_widget_class_bind_template_child (widget_class, DsSummary, error);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "summary");
}

static void
ds_summary_init (DsSummary *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
ds_summary_new (void)
{
  return g_object_new (DS_TYPE_SUMMARY, NULL);
}
