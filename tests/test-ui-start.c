/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The start page: the app started with no file shows it inside its window,
 * with every lesson that loads and the course's first samples; a click on
 * a lesson opens that lesson and the views; New Empty Model and a chosen
 * view replace it too. */
#include "ds-lesson-panel.h"
#include "ds-start-page.h"
#include "ds-window-private.h"
#include "ui-test-util.h"

static DsWindow *
only_window (DsApplication *app)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (app));

  g_assert_cmpuint (g_list_length (windows), ==, 1);
  g_assert_true (DS_IS_WINDOW (windows->data));
  return windows->data;
}

static gboolean
lesson_open (gpointer window)
{
  return ds_window_get_lesson_panel (window) != NULL;
}

/* Started with no file, as `deepscope` alone: the start page shows; a real
 * click on a lesson's row opens that lesson in the same window. */
static void
test_start_then_lesson (void)
{
  g_autoptr(DsApplication) app = ds_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons", NULL);
  g_autofree char *path = NULL;
  DsWindow *window;
  DsStartPage *page;
  GtkWidget *row;
  DsLesson *lesson;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));
  window = only_window (app);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  ui_spin (200);

  page = DS_START_PAGE (ds_window_get_start_page (window));
  g_assert_nonnull (page);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (page)));
  g_assert_null (ds_window_get_lesson_panel (window));
  /* Every shipped lesson, and the first samples with "All Samples…". */
  g_assert_cmpuint (ds_start_page_get_n_lessons (page), ==, ui_count_files (dir, ".json"));
  g_assert_cmpuint (ds_start_page_get_n_samples (page), >=, 3);

  /* The second lesson (the first of chapter 3): its row, on screen. */
  path = g_strdup (ds_start_page_get_lesson_path (page, 1));
  row = ds_start_page_get_lesson_row (page, 1);
  g_assert_nonnull (row);
  g_assert_true (gtk_widget_get_mapped (row));
  g_test_message ("clicking %s", path);
  ui_xtest_click (row, 40, gtk_widget_get_height (row) / 2.0);
  g_assert_true (ui_wait_for (lesson_open, window, 5000));

  lesson = ds_lesson_panel_get_lesson (DS_LESSON_PANEL (ds_window_get_lesson_panel (window)));
  g_assert_cmpstr (ds_lesson_get_path (lesson), ==, path);
  g_assert_null (ds_window_get_start_page (window));
  g_assert_true (gtk_widget_get_mapped (ds_window_get_view (window, "build")));
  g_assert_true (only_window (app) == window);
  ui_close_window_checked (window);
}

/* New Empty Model and a view chosen in the switcher each leave the start
 * page for the views; a window made for a file never shows it. */
static void
test_new_and_view_hide_it (void)
{
  DsWindow *window = ds_window_new (NULL);

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  g_assert_null (ds_window_get_start_page (window));

  g_assert_nonnull (ds_window_show_start_page (window));
  ui_spin (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.new", NULL));
  ui_spin (50);
  g_assert_null (ds_window_get_start_page (window));
  g_assert_true (gtk_widget_get_mapped (ds_window_get_view (window, "build")));

  g_assert_nonnull (ds_window_show_start_page (window));
  ui_spin (50);
  ds_window_set_visible_view (window, "train");
  ui_spin (50);
  g_assert_null (ds_window_get_start_page (window));
  g_assert_true (gtk_widget_get_mapped (ds_window_get_view (window, "train")));
  ui_close_window_checked (window);
}

static GtkWidget *
find_active_switch (GtkWidget *root)
{
  if (GTK_IS_TOGGLE_BUTTON (root) && gtk_widget_is_drawable (root)
      && gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (root))
      && gtk_widget_get_ancestor (root, ADW_TYPE_VIEW_SWITCHER))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_active_switch (c);

      if (found)
        return found;
    }
  return NULL;
}

/* Under the start page the switcher shows Build selected: a real click on
 * that selected view's button leaves the start page too. */
static void
test_selected_view_hides_it (void)
{
  DsWindow *window = ds_window_new (NULL);
  GtkWidget *button;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  ds_window_show_start_page (window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, ds_window_get_start_page (window), 5000));
  ui_spin (100);
  button = find_active_switch (GTK_WIDGET (window));
  g_assert_nonnull (button);
  ui_xtest_click (button, gtk_widget_get_width (button) / 2, gtk_widget_get_height (button) / 2);
  ui_spin (100);
  g_assert_null (ds_window_get_start_page (window));
  g_assert_true (gtk_widget_get_mapped (ds_window_get_view (window, "build")));
  ui_close_window_checked (window);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/start/start-then-lesson", test_start_then_lesson);
  g_test_add_func ("/ui/start/new-and-view-hide-it", test_new_and_view_hide_it);
  g_test_add_func ("/ui/start/selected-view-hides-it", test_selected_view_hides_it);
  return g_test_run ();
}
