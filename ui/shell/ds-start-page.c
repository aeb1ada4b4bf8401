/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-application.h"
#include "ds-lesson.h"
#include "ds-lesson-library.h"
#include "ds-sample-gallery.h"
#include "ds-start-page.h"
#include "ds-util.h"
#include "nn.h"

/* How many of the course's samples the page offers before "All Samples…". */
#define N_FIRST_SAMPLES 4
#define N_RECENT        5

struct _DsStartPage
{
  AdwBin     parent_instance;

  /* Owned */
  GPtrArray *lessons;         /* DsLesson, in the order shown */
  GPtrArray *lesson_rows;     /* GtkWidget (borrowed from the page) */
  guint      n_samples;
  guint      n_recent;
};

G_DEFINE_FINAL_TYPE (DsStartPage, ds_start_page, ADW_TYPE_BIN)

enum { LESSON_ACTIVATED, FILE_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
lesson_row_activated_cb (AdwActionRow *row,
                         DsStartPage  *self)
{
  guint i = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "index"));

  g_signal_emit (self, signals[LESSON_ACTIVATED], 0, ds_lesson_get_path (self->lessons->pdata[i]));
}

static void
file_row_activated_cb (AdwActionRow *row,
                       DsStartPage  *self)
{
  g_signal_emit (self, signals[FILE_ACTIVATED], 0, g_object_get_data (G_OBJECT (row), "path"));
}

static GtkWidget *
file_row (DsStartPage *self,
          const char  *title,
          const char  *subtitle,
          const char  *path)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  g_object_set_data_full (G_OBJECT (row), "path", g_strdup (path), g_free);
  g_signal_connect (row, "activated", G_CALLBACK (file_row_activated_cb), self);
  return row;
}

static GtkWidget *
action_row (const char *title,
            const char *action)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  gtk_actionable_set_action_name (GTK_ACTIONABLE (row), action);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  return row;
}

/* The course's first samples that load, each titled as its file says. */
static void
add_samples (DsStartPage         *self,
             AdwPreferencesGroup *group)
{
  g_autofree char *dir = ds_dup_samples_dir ();
  const char *name, *teaches;

  for (guint i = 0; self->n_samples < N_FIRST_SAMPLES && (name = ds_sample_course_get (i, &teaches)); i++)
    {
      g_autofree char *file = g_strconcat (name, ".json", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr(NnModel) m = nn_model_load (path, NULL);
      NnTrainDefaults *def = m ? nn_model_get_defaults (m) : NULL;

      if (!m)
        continue;
      adw_preferences_group_add (group, file_row (self, def && def->title && *def->title
                                                        ? def->title : name, teaches, path));
      self->n_samples++;
    }
  adw_preferences_group_add (group, action_row (_("_All Samples…"), "win.open-sample"));
}

static void
add_recent (DsStartPage        *self,
            AdwPreferencesPage *page,
            const char * const *recent)
{
  AdwPreferencesGroup *group = NULL;

  for (guint i = 0; recent && recent[i] && self->n_recent < N_RECENT; i++)
    {
      g_autofree char *base = g_path_get_basename (recent[i]);
      g_autofree char *dir = g_path_get_dirname (recent[i]);

      if (!g_file_test (recent[i], G_FILE_TEST_IS_REGULAR))
        continue;
      if (!group)
        {
          group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
          adw_preferences_group_set_title (group, _("Recent Models"));
          adw_preferences_page_add (page, group);
        }
      adw_preferences_group_add (group, file_row (self, base, dir, recent[i]));
      self->n_recent++;
    }
}

/* The title, one line on the app and the two buttons that start without
 * a lesson. */
static GtkWidget *
header (void)
{
  GtkWidget *status = adw_status_page_new ();
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *new_button = gtk_button_new_with_mnemonic (_("_New Empty Model"));
  GtkWidget *open_button = gtk_button_new_with_mnemonic (_("_Open…"));

  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), DS_APP_ID);
  adw_status_page_set_title (ADW_STATUS_PAGE (status), _("Welcome to Deepscope"));
  adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                   _("Start with a lesson, open a sample or build a model of "
                                     "your own."));
  gtk_widget_add_css_class (status, "compact");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (new_button), "win.new");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (open_button), "win.open");
  gtk_widget_add_css_class (new_button, "pill");
  gtk_widget_add_css_class (open_button, "pill");
  gtk_widget_add_css_class (new_button, "suggested-action");
  gtk_widget_set_name (new_button, "start-new");
  gtk_widget_set_name (open_button, "start-open");
  gtk_widget_set_halign (buttons, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (buttons), new_button);
  gtk_box_append (GTK_BOX (buttons), open_button);
  adw_status_page_set_child (ADW_STATUS_PAGE (status), buttons);
  gtk_widget_set_vexpand (status, FALSE);
  return status;
}

/* Collects the lesson rows in the order the page shows them. */
static void
collect_rows (GtkWidget *root,
              GPtrArray *rows)
{
  if (ADW_IS_ACTION_ROW (root) && g_object_get_data (G_OBJECT (root), "lesson"))
    g_ptr_array_add (rows, root);
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    collect_rows (c, rows);
}

static void
ds_start_page_finalize (GObject *object)
{
  DsStartPage *self = DS_START_PAGE (object);

  g_clear_pointer (&self->lessons, g_ptr_array_unref);
  g_clear_pointer (&self->lesson_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (ds_start_page_parent_class)->finalize (object);
}

static void
ds_start_page_class_init (DsStartPageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ds_start_page_finalize;
  signals[LESSON_ACTIVATED] =
    g_signal_new ("lesson-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[FILE_ACTIVATED] =
    g_signal_new ("file-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
ds_start_page_init (DsStartPage *self)
{
  self->lesson_rows = g_ptr_array_new ();
}

GtkWidget *
ds_start_page_new (const char * const *recent)
{
  DsStartPage *self = g_object_new (DS_TYPE_START_PAGE, NULL);
  g_autofree char *samples = ds_dup_samples_dir ();
  g_autofree char *lessons_dir = g_build_filename (samples, "lessons", NULL);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *columns = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *lessons_page = adw_preferences_page_new ();
  GtkWidget *side_page = adw_preferences_page_new ();
  AdwPreferencesGroup *intro = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  AdwPreferencesGroup *samples_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());

  /* Errors in lesson files are the library's to list; here the lessons
   * that load. */
  self->lessons = ds_lesson_load_dir (lessons_dir, NULL);
  gtk_box_append (GTK_BOX (box), header ());

  adw_preferences_group_set_title (intro, _("Lessons"));
  adw_preferences_group_set_description (intro, _("Each lesson opens its model and data, with "
                                                  "steps beside the views that tick themselves "
                                                  "as you go."));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (lessons_page), intro);
  ds_lesson_library_fill_page (ADW_PREFERENCES_PAGE (lessons_page), self->lessons, NULL,
                               G_CALLBACK (lesson_row_activated_cb), self);
  gtk_widget_set_hexpand (lessons_page, TRUE);
  gtk_widget_set_name (lessons_page, "start-lessons");

  adw_preferences_group_set_title (samples_group, _("Samples"));
  adw_preferences_group_set_description (samples_group, _("Ready models, the course's first."));
  add_samples (self, samples_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (side_page), samples_group);
  add_recent (self, ADW_PREFERENCES_PAGE (side_page), recent);
  gtk_widget_set_hexpand (side_page, TRUE);
  gtk_widget_set_name (side_page, "start-samples");

  gtk_box_set_homogeneous (GTK_BOX (columns), TRUE);
  gtk_widget_set_vexpand (columns, TRUE);
  gtk_box_append (GTK_BOX (columns), lessons_page);
  gtk_box_append (GTK_BOX (columns), side_page);
  gtk_box_append (GTK_BOX (box), columns);
  adw_bin_set_child (ADW_BIN (self), box);
  collect_rows (lessons_page, self->lesson_rows);
  return GTK_WIDGET (self);
}

guint
ds_start_page_get_n_lessons (DsStartPage *self)
{
  g_return_val_if_fail (DS_IS_START_PAGE (self), 0);
  return self->lessons->len;
}

const char *
ds_start_page_get_lesson_path (DsStartPage *self,
                               guint        i)
{
  g_return_val_if_fail (DS_IS_START_PAGE (self) && i < self->lessons->len, NULL);
  return ds_lesson_get_path (self->lessons->pdata[i]);
}

GtkWidget *
ds_start_page_get_lesson_row (DsStartPage *self,
                              guint        i)
{
  g_return_val_if_fail (DS_IS_START_PAGE (self), NULL);
  for (guint k = 0; k < self->lesson_rows->len; k++)
    if (GPOINTER_TO_UINT (g_object_get_data (self->lesson_rows->pdata[k], "index")) == i)
      return self->lesson_rows->pdata[k];
  return NULL;
}

guint
ds_start_page_get_n_samples (DsStartPage *self)
{
  g_return_val_if_fail (DS_IS_START_PAGE (self), 0);
  return self->n_samples;
}

guint
ds_start_page_get_n_recent (DsStartPage *self)
{
  g_return_val_if_fail (DS_IS_START_PAGE (self), 0);
  return self->n_recent;
}
