/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-chart-help.h"

GtkWidget *
ds_chart_help_new (const char *text,
                   const char *lesson_label,
                   const char *lesson_file)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (text);
  GtkWidget *link = gtk_button_new_with_label (lesson_label);

  g_return_val_if_fail (text && lesson_label && lesson_file, NULL);
  gtk_widget_set_name (box, "chart-help");
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 12);
  gtk_widget_set_margin_top (box, 4);
  gtk_widget_set_margin_bottom (box, 4);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_add_css_class (label, "caption");
  gtk_widget_set_valign (link, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (link, "link");
  gtk_widget_set_tooltip_text (link, _("Open the lesson that uses this chart"));
  gtk_actionable_set_action_target (GTK_ACTIONABLE (link), "s", lesson_file);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (link), "win.open-lesson");
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), link);
  g_object_set_data (G_OBJECT (box), "ds-chart-help-label", label);
  g_object_set_data (G_OBJECT (box), "ds-chart-help-lesson", (gpointer) lesson_file);
  return box;
}

GtkWidget *
ds_chart_help_wrap (GtkWidget  *chart,
                    const char *text,
                    const char *lesson_label,
                    const char *lesson_file)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  gtk_widget_set_vexpand (chart, TRUE);
  gtk_box_append (GTK_BOX (box), chart);
  gtk_box_append (GTK_BOX (box), ds_chart_help_new (text, lesson_label, lesson_file));
  return box;
}

static void
collect (GtkWidget *root,
         GPtrArray *out)
{
  if (g_object_get_data (G_OBJECT (root), "ds-chart-help-lesson"))
    g_ptr_array_add (out, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect (c, out);
}

GPtrArray *
ds_chart_help_collect (GtkWidget *root)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (GTK_IS_WIDGET (root), out);
  collect (root, out);
  return out;
}

const char *
ds_chart_help_get_text (GtkWidget *help)
{
  GtkWidget *label = g_object_get_data (G_OBJECT (help), "ds-chart-help-label");

  g_return_val_if_fail (GTK_IS_LABEL (label), NULL);
  return gtk_label_get_text (GTK_LABEL (label));
}

const char *
ds_chart_help_get_lesson (GtkWidget *help)
{
  return g_object_get_data (G_OBJECT (help), "ds-chart-help-lesson");
}
