/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every chart of the Inspect and Generate views has a "how to read this"
 * line under it whose link names a lesson file that exists and loads; a
 * click on one opens that lesson. The Data view's options carry the help
 * table's formulas as tooltips. */
#include <string.h>

#include "ds-chart-help.h"
#include "ds-generate-view-private.h"
#include "ds-lesson.h"
#include "ds-lesson-panel.h"
#include "nn-help.h"
#include "ui-test-util.h"

/* The pages of a view's page stack (each one chart, or two read together). */
static guint
count_pages (GtkWidget *root)
{
  if (GTK_IS_STACK (root) && gtk_stack_get_child_by_name (GTK_STACK (root), "activations"))
    return g_list_model_get_n_items (G_LIST_MODEL (gtk_stack_get_pages (GTK_STACK (root))));
  if (GTK_IS_STACK (root) && gtk_stack_get_child_by_name (GTK_STACK (root), "dream"))
    return g_list_model_get_n_items (G_LIST_MODEL (gtk_stack_get_pages (GTK_STACK (root))));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      guint n = count_pages (c);

      if (n)
        return n;
    }
  return 0;
}

static void
test_every_chart (void)
{
  static const char *const views[] = { "inspect", "generate" };
  g_autofree char *dir = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons", NULL);
  DsWindow *window = ds_window_new (NULL);
  guint total = 0;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  for (guint v = 0; v < G_N_ELEMENTS (views); v++)
    {
      GtkWidget *view = ds_window_get_view (window, views[v]);
      g_autoptr(GPtrArray) helps = ds_chart_help_collect (view);
      guint pages = count_pages (view);

      g_test_message ("%s: %u pages, %u help lines", views[v], pages, helps->len);
      g_assert_cmpuint (pages, >=, 4);
      g_assert_cmpuint (helps->len, ==, pages);
      for (guint i = 0; i < helps->len; i++)
        {
          const char *text = ds_chart_help_get_text (helps->pdata[i]);
          const char *file = ds_chart_help_get_lesson (helps->pdata[i]);
          g_autofree char *path = g_build_filename (dir, file, NULL);
          g_autoptr(GError) error = NULL;
          g_autoptr(DsLesson) lesson = NULL;

          g_assert_nonnull (text);
          g_assert_cmpuint (strlen (text), >, 40);
          g_assert_true (g_str_has_prefix (text, "How to read this: "));
          lesson = ds_lesson_load (path, &error);
          if (!lesson)
            g_error ("%s's help line links to %s: %s", views[v], file, error->message);
        }
      total += helps->len;
    }
  g_assert_cmpuint (total, >=, 10);
  /* With DEEPSCOPE_SCREENSHOTS set: the lines under a convnet's pages. */
  if (g_getenv ("DEEPSCOPE_SCREENSHOTS"))
    {
      g_autofree char *path = ui_sample_path ("fashion_convnet.json");
      g_autoptr(GFile) file = g_file_new_for_path (path);

      gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
      g_assert_true (ds_window_open (window, file) == window);
      ds_window_set_visible_view (window, "inspect");
      ui_spin (1500);
      ui_screenshot (window, "chart-help", "inspect");
      ds_window_set_visible_view (window, "generate");
      ds_generate_view_show_page (DS_GENERATE_VIEW (ds_window_get_view (window, "generate")), "gan");
      ui_spin (1500);
      ui_screenshot (window, "chart-help", "generate");
    }
  ui_close_window_checked (window);
}

/* The link of the Inspect view's first line opens its lesson. */
static void
test_link_opens_lesson (void)
{
  DsWindow *window = ds_window_new (NULL);
  g_autoptr(GPtrArray) helps = NULL;
  GtkWidget *link;
  DsLesson *lesson;
  const char *file;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  helps = ds_chart_help_collect (ds_window_get_view (window, "inspect"));
  g_assert_cmpuint (helps->len, >, 0);
  file = ds_chart_help_get_lesson (helps->pdata[0]);
  link = gtk_widget_get_last_child (helps->pdata[0]);
  g_assert_true (GTK_IS_BUTTON (link));
  g_signal_emit_by_name (link, "clicked");
  ui_spin (100);
  g_assert_nonnull (ds_window_get_lesson_panel (window));
  lesson = ds_lesson_panel_get_lesson (DS_LESSON_PANEL (ds_window_get_lesson_panel (window)));
  g_assert_true (g_str_has_suffix (ds_lesson_get_path (lesson), file));
  ui_close_window_checked (window);
}

/* The widget under root whose builder id is id, or NULL. */
static GtkWidget *
find_id (GtkWidget  *root,
         const char *id)
{
  if (g_strcmp0 (gtk_buildable_get_buildable_id (GTK_BUILDABLE (root)), id) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_id (c, id);

      if (found)
        return found;
    }
  return NULL;
}

/* The Data view's options carry the help table's text as their row's
 * tooltip; the normalization's follows the choice. */
static void
test_data_options (void)
{
  static const char *const ids[][2] = {
    { "val_spin", "validation_split" }, { "kfold_spin", "kfold" }, { "flip_switch", "flip" },
    { "onehot_row", "one_hot" }, { "series_step_spin", "series_step" },
    { "text_length_spin", "text_length" },
  };
  DsWindow *window = ds_window_new (NULL);
  GtkWidget *data = ds_window_get_view (window, "data");
  GtkWidget *norm = find_id (data, "norm_row");

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      GtkWidget *w = find_id (data, ids[i][0]);
      GtkWidget *row = ADW_IS_PREFERENCES_ROW (w) ? w : gtk_widget_get_ancestor (w, ADW_TYPE_PREFERENCES_ROW);
      g_autofree char *text = nn_help_dup_text (NN_HELP_PREPROCESSING, ids[i][1]);

      g_assert_nonnull (row);
      g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, text);
    }
  adw_combo_row_set_selected (ADW_COMBO_ROW (norm), 2);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (norm), "(x − μ) / σ"));
  adw_combo_row_set_selected (ADW_COMBO_ROW (norm), 3);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (norm), "(max − min)"));
  ui_close_window_checked (window);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/chart-help/every-chart", test_every_chart);
  g_test_add_func ("/ui/chart-help/link-opens-lesson", test_link_opens_lesson);
  g_test_add_func ("/ui/chart-help/data-options", test_data_options);
  return g_test_run ();
}
