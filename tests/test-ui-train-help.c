/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Help in the Train view's settings under a private X server
 * (tests/run-headless.sh): the optimizer's and the schedule's formulas
 * show under their choices and follow them, and the tooltips of the
 * optimizer, loss, metric and callbacks are the shared help table's text;
 * the curves and the histograms each have a "how to read this" line whose
 * link opens the lesson that uses them. */
#include <adwaita.h>

#include "ds-lesson-panel.h"
#include "ds-train-view-private.h"
#include "ds-window.h"
#include "nn-help.h"
#include "ui-test-util.h"

/* The application's style sheet, as the application loads it, so the
 * screenshots look as the app does. */
static void
load_app_style (void)
{
  static GtkCssProvider *provider;

  if (provider)
    return;
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/io/github/deepscope/Deepscope/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static DsWindow *
open_window (const char *sample)
{
  DsWindow *window = ds_window_new (NULL);
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), sample, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (100);
  g_assert_true (ds_window_open (window, file) == window);
  ds_window_set_visible_view (window, "train");
  ui_spin (150);
  return window;
}

static void
assert_help (GtkWidget  *row,
             NnHelpKind  kind,
             const char *name,
             gboolean    caption)
{
  const NnHelp *help = nn_help_lookup (kind, name);
  g_autofree char *text = nn_help_dup_text (kind, name);

  g_assert_nonnull (help);
  g_assert_cmpstr (gtk_widget_get_tooltip_text (row), ==, text);
  if (caption)
    g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==, help->formula);
}

static void
test_optimizer_caption (void)
{
  DsWindow *window = open_window ("fashion_convnet.json");
  DsTrainView *train = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  AdwComboRow *optimizer = ui_find_combo (GTK_WIDGET (train), "Algorithm");
  AdwComboRow *schedule = ui_find_combo (GTK_WIDGET (train), "Schedule");
  g_autofree char *before = NULL;

  g_assert_nonnull (optimizer);
  g_assert_nonnull (schedule);
  /* The sample's own choices first, then every optimizer in turn. */
  assert_help (GTK_WIDGET (optimizer), NN_HELP_OPTIMIZER,
               nn_optimizer_name ((NnOptimizerKind) adw_combo_row_get_selected (optimizer)), TRUE);
  before = g_strdup (adw_action_row_get_subtitle (ADW_ACTION_ROW (optimizer)));
  g_test_message ("sample's optimizer: %s", before);
  ui_screenshot (window, "train-help", "settings");
  for (guint k = 0; k < NN_N_OPTIMIZERS; k++)
    {
      adw_combo_row_set_selected (optimizer, k);
      ui_spin (30);
      g_assert_cmpuint (nn_model_get_optimizer (ds_document_get_model (ds_window_get_document (window)))->kind,
                        ==, k);
      assert_help (GTK_WIDGET (optimizer), NN_HELP_OPTIMIZER, nn_optimizer_name ((NnOptimizerKind) k), TRUE);
    }
  adw_combo_row_set_selected (schedule, NN_SCHEDULE_STEP);
  ui_spin (30);
  assert_help (GTK_WIDGET (schedule), NN_HELP_SCHEDULE, "step", TRUE);
  adw_combo_row_set_selected (schedule, NN_SCHEDULE_CONSTANT);
  ui_spin (30);
  assert_help (GTK_WIDGET (schedule), NN_HELP_SCHEDULE, "constant", TRUE);

  /* Undo back to the sample's RMSprop brings its formula back. */
  while (ds_document_can_undo (ds_window_get_document (window))
         && nn_model_get_optimizer (ds_document_get_model (ds_window_get_document (window)))->kind
            != NN_OPT_RMSPROP)
    ds_document_undo (ds_window_get_document (window));
  ui_spin (50);
  g_assert_cmpuint (adw_combo_row_get_selected (optimizer), ==, NN_OPT_RMSPROP);
  assert_help (GTK_WIDGET (optimizer), NN_HELP_OPTIMIZER, "RMSprop", TRUE);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (optimizer)), ==, before);

  assert_help (GTK_WIDGET (ui_find_combo (GTK_WIDGET (train), "Loss")), NN_HELP_LOSS,
               "sparse_categorical_crossentropy", FALSE);
  assert_help (GTK_WIDGET (ui_find_combo (GTK_WIDGET (train), "Metric")), NN_HELP_METRIC, "accuracy", TRUE);
  if (g_getenv ("DEEPSCOPE_SCREENSHOTS"))
    {
      GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (train->early_row), GTK_TYPE_SCROLLED_WINDOW);
      GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));
      double x, y;

      g_assert_true (gtk_widget_translate_coordinates (GTK_WIDGET (ui_find_combo (GTK_WIDGET (train), "Metric")),
                                                       gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (scroller)),
                                                       0, 0, &x, &y));
      gtk_adjustment_set_value (adj, y - 200);
      ui_screenshot (window, "train-help", "outputs");
    }
  assert_help (GTK_WIDGET (train->early_row), NN_HELP_CALLBACK, "EarlyStopping", FALSE);
  assert_help (GTK_WIDGET (train->plateau_row), NN_HELP_CALLBACK, "ReduceLROnPlateau", FALSE);
  assert_help (GTK_WIDGET (train->checkpoint_row), NN_HELP_CALLBACK, "ModelCheckpoint", FALSE);
  ui_stop_run_and_close (window);
}

static gboolean
lesson_open (gpointer window)
{
  return ds_window_get_lesson_panel (window) != NULL;
}

/* The line reads as help and the link opens its lesson in the window. */
static void
check_chart_help (const char *page,
                  gboolean    histograms)
{
  DsWindow *window = ds_window_new (NULL);
  DsTrainView *train = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  GtkLabel *label = histograms ? train->histograms_help_label : train->curves_help_label;
  GtkWidget *link = histograms ? train->histograms_lesson_button : train->curves_lesson_button;
  GVariant *target;
  DsLesson *lesson;
  g_autofree char *file = NULL;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ds_window_set_visible_view (window, "train");
  ds_train_view_show_page (train, page);
  g_assert_true (ui_wait_for (ui_widget_allocated, link, 3000));
  g_assert_true (g_str_has_prefix (gtk_label_get_text (label), "How to read this: "));
  g_assert_true (ui_widget_allocated (label));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (link)), ==, "win.open-lesson");
  target = gtk_actionable_get_action_target_value (GTK_ACTIONABLE (link));
  g_test_message ("%s: “%s” → %s", page, gtk_label_get_text (label), g_variant_get_string (target, NULL));
  g_assert_false (lesson_open (window));
  ui_screenshot (window, "train-help", page);
  g_assert_true (gtk_widget_is_sensitive (link));
  gtk_widget_activate (link);
  g_assert_true (ui_wait_for (lesson_open, window, 5000));
  lesson = ds_lesson_panel_get_lesson (DS_LESSON_PANEL (ds_window_get_lesson_panel (window)));
  file = g_path_get_basename (ds_lesson_get_path (lesson));
  g_assert_cmpstr (file, ==, g_variant_get_string (target, NULL));
  ui_stop_run_and_close (window);
}

static void
test_curves_help (void)
{
  check_chart_help ("curves", FALSE);
}

static void
test_histograms_help (void)
{
  check_chart_help ("histograms", TRUE);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  load_app_style ();
  g_test_add_func ("/ui/train-help/optimizer-caption", test_optimizer_caption);
  g_test_add_func ("/ui/train-help/curves", test_curves_help);
  g_test_add_func ("/ui/train-help/histograms", test_histograms_help);
  return g_test_run ();
}
