/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-lesson.h"
#include "ds-lesson-library.h"
#include "ds-util.h"

struct _DsLessonLibrary
{
  AdwWindow  parent_instance;

  /* Owned */
  GPtrArray *lessons;            /* DsLesson, in the order shown */
  GPtrArray *errors;             /* char *: files that could not be read */
};

G_DEFINE_FINAL_TYPE (DsLessonLibrary, ds_lesson_library, ADW_TYPE_WINDOW)

enum { LESSON_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
row_activated_cb (AdwActionRow    *row,
                  DsLessonLibrary *self)
{
  ds_lesson_library_activate (self, GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index")));
}

static GtkWidget *
lesson_row (DsLesson  *lesson,
            guint      i,
            GCallback  activated_cb,
            gpointer   data)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *steps = g_strdup_printf (ngettext ("%u step", "%u steps", ds_lesson_get_n_steps (lesson)),
                                                   ds_lesson_get_n_steps (lesson));
  g_autofree char *title = g_markup_escape_text (ds_lesson_get_title (lesson), -1);
  g_autofree char *summary = g_markup_escape_text (ds_lesson_get_summary (lesson)
                                                   ? ds_lesson_get_summary (lesson) : "", -1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), summary);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_label_new (steps));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data (G_OBJECT (row), "index", GUINT_TO_POINTER (i));
  g_object_set_data (G_OBJECT (row), "lesson", lesson);
  g_signal_connect (row, "activated", activated_cb, data);
  return row;
}

void
ds_lesson_library_fill_page (AdwPreferencesPage *page,
                             GPtrArray          *lessons,
                             GPtrArray          *errors,
                             GCallback           activated_cb,
                             gpointer            data)
{
  AdwPreferencesGroup *group = NULL;
  const char *chapter = NULL;

  for (guint i = 0; i < lessons->len; i++)
    {
      DsLesson *lesson = lessons->pdata[i];

      if (!group || g_strcmp0 (chapter, ds_lesson_get_chapter (lesson)))
        {
          g_autofree char *escaped = g_markup_escape_text (ds_lesson_get_chapter (lesson), -1);

          chapter = ds_lesson_get_chapter (lesson);
          group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
          adw_preferences_group_set_title (group, escaped);
          adw_preferences_page_add (page, group);
        }
      adw_preferences_group_add (group, lesson_row (lesson, i, activated_cb, data));
    }
  if (errors == NULL || errors->len == 0)
    return;
  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Lesson Files That Could Not Be Read"));
  for (guint i = 0; i < errors->len; i++)
    {
      GtkWidget *label = gtk_label_new (errors->pdata[i]);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_widget_add_css_class (label, "error");
      adw_preferences_group_add (group, label);
    }
  adw_preferences_page_add (page, group);
}

static void
ds_lesson_library_finalize (GObject *object)
{
  DsLessonLibrary *self = DS_LESSON_LIBRARY (object);

  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  g_clear_pointer (&self->errors, g_ptr_array_unref);
  G_OBJECT_CLASS (ds_lesson_library_parent_class)->finalize (object);
}

static void
ds_lesson_library_class_init (DsLessonLibraryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ds_lesson_library_finalize;
  /* path */
  signals[LESSON_ACTIVATED] =
    g_signal_new ("lesson-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ds_lesson_library_init (DsLessonLibrary *self)
{
  self->errors = g_ptr_array_new_with_free_func (g_free);
}

GtkWidget *
ds_lesson_library_new (GtkWindow  *parent,
                       const char *dir)
{
  DsLessonLibrary *self = g_object_new (DS_TYPE_LESSON_LIBRARY, "transient-for", parent,
                                        "modal", TRUE, "default-width", 600,
                                        "default-height", 640, "title", "Lessons", NULL);
  g_autofree char *samples = ds_dup_samples_dir ();
  g_autofree char *lessons_dir = dir ? g_strdup (dir) : g_build_filename (samples, "lessons", NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *intro = gtk_label_new (_("Each lesson opens its model and data, with steps beside "
                                    "the views that tick themselves as you go."));

  self->lessons = ds_lesson_load_dir (lessons_dir, self->errors);
  gtk_box_append (GTK_BOX (box), adw_header_bar_new ());
  gtk_label_set_wrap (GTK_LABEL (intro), TRUE);
  gtk_widget_add_css_class (intro, "dim-label");
  gtk_widget_set_margin_top (intro, 12);
  gtk_widget_set_margin_start (intro, 24);
  gtk_widget_set_margin_end (intro, 24);
  gtk_box_append (GTK_BOX (box), intro);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), page);
  ds_lesson_library_fill_page (ADW_PREFERENCES_PAGE (page), self->lessons, self->errors,
                               G_CALLBACK (row_activated_cb), self);
  adw_window_set_content (ADW_WINDOW (self), box);
  return GTK_WIDGET (self);
}

guint
ds_lesson_library_get_n_lessons (DsLessonLibrary *self)
{
  g_return_val_if_fail (DS_IS_LESSON_LIBRARY (self), 0);
  return self->lessons->len;
}

const char *
ds_lesson_library_get_path (DsLessonLibrary *self,
                            guint            i)
{
  g_return_val_if_fail (DS_IS_LESSON_LIBRARY (self) && i < self->lessons->len, NULL);
  return ds_lesson_get_path (self->lessons->pdata[i]);
}

guint
ds_lesson_library_get_n_errors (DsLessonLibrary *self)
{
  g_return_val_if_fail (DS_IS_LESSON_LIBRARY (self), 0);
  return self->errors->len;
}

void
ds_lesson_library_activate (DsLessonLibrary *self,
                            guint            i)
{
  g_return_if_fail (DS_IS_LESSON_LIBRARY (self) && i < self->lessons->len);
  g_signal_emit (self, signals[LESSON_ACTIVATED], 0, ds_lesson_get_path (self->lessons->pdata[i]));
}
