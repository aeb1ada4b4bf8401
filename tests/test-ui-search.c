/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Train view's Search page under a private X server: a random search
 * on the spirals sample fills its table one row per trial while the
 * trials run as runs of the document (named after their values), and Stop
 * halts a longer search: no run stays live and no row is added after. */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-train-view-private.h"
#include "ds-search-plot.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow      *window;
  DsTrainView   *train;
  DsSearchPanel *panel;
} Ui;

static void
ui_setup (Ui *ui, gconstpointer data)
{
  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "spirals_mlp.json",
                                            NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_assert_true (ds_window_open (ui->window, file) == ui->window);
  ui->train = DS_TRAIN_VIEW (ds_window_get_view (ui->window, "train"));
  ds_window_set_visible_view (ui->window, "train");
  gtk_stack_set_visible_child_name (ui->train->pages, "search");
  ui->panel = ds_train_view_get_search_panel (ui->train);
  gtk_spin_button_set_value (ui->train->epochs_spin, 2);
  ds_search_panel_set_params_text (ui->panel, "optimizer.learning_rate=log:1e-3..1e-1\n"
                                              "layer.hidden_1.units=8,16\n");
  ui_spin (200);
}

static void
ui_teardown (Ui *ui, gconstpointer data)
{
  ds_search_panel_stop (ui->panel);
  ui_stop_run_and_close (ui->window);
}

static gboolean
stopped (gpointer data)
{
  return !ds_search_panel_is_running (data);
}

static int
live_runs (Ui *ui)
{
  GListModel *runs = ds_train_view_get_runs (ui->train);
  int live = 0;
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DsTrainingRun) run = g_list_model_get_item (runs, i);
      live += ds_training_run_is_live (run);
    }
  return live;
}

/* The table: a double-click (or Enter) on a row is its "activate". */
static GtkColumnView *
find_table (GtkWidget *w)
{
  if (GTK_IS_COLUMN_VIEW (w))
    return GTK_COLUMN_VIEW (w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkColumnView *t = find_table (c);
      if (t)
        return t;
    }
  return NULL;
}

/* Every weight of a and b the same, bit for bit. */
static void
assert_same_weights (NnModel *a, NnModel *b)
{
  g_assert_cmpint (nn_model_get_n_layers (a), ==, nn_model_get_n_layers (b));
  int compared = 0;
  for (int l = 0; l < nn_model_get_n_layers (a); l++)
    {
      g_assert_cmpint (nn_model_layer_get_n_weights (a, l), ==, nn_model_layer_get_n_weights (b, l));
      for (int k = 0; k < nn_model_layer_get_n_weights (a, l); k++)
        {
          NnTensor x, y;
          nn_model_layer_get_weight (a, l, k, &x);
          nn_model_layer_get_weight (b, l, k, &y);
          g_assert_cmpmem (x.data, x.size * sizeof (float), y.data, y.size * sizeof (float));
          compared++;
        }
    }
  g_assert_cmpint (compared, >, 0);
}

/* Spins until the search ends (or timeout), asserting the table grows one
 * row at a time; returns how many times it grew. */
static guint
watch_rows (Ui *ui, guint stop_at, int timeout_ms)
{
  GListModel *rows = ds_search_panel_get_rows (ui->panel);
  guint seen = g_list_model_get_n_items (rows), steps = 0;
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  while (ds_search_panel_is_running (ui->panel) && g_get_monotonic_time () < end)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
      guint n = g_list_model_get_n_items (rows);
      if (n != seen)
        {
          g_assert_cmpuint (n, ==, seen + 1);
          /* At most one trial runs: the others have not started. */
          g_assert_cmpint (live_runs (ui), <=, 1);
          seen = n;
          steps++;
          if (seen == stop_at)
            break;
        }
    }
  return steps;
}

static void
test_fills_row_by_row (Ui *ui, gconstpointer data)
{
  ds_search_panel_set_trials (ui->panel, 4);
  ds_search_panel_start (ui->panel);
  g_assert_true (ds_search_panel_is_running (ui->panel));
  g_assert_cmpuint (watch_rows (ui, 0, 120000), ==, 4);
  g_assert_true (ui_wait_for (stopped, ui->panel, 5000));
  NnSearch *s = ds_search_panel_get_search (ui->panel);
  g_assert_cmpint (nn_search_get_jobs_done (s), ==, 4);
  g_assert_nonnull (strstr (ds_search_panel_get_status (ui->panel), "Search finished"));
  /* Four runs of the document, named after their trials. */
  GListModel *runs = ds_train_view_get_runs (ui->train);
  int named = 0;
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr (DsTrainingRun) run = g_list_model_get_item (runs, i);
      named += g_str_has_prefix (ds_training_run_get_name (run), "trial ")
               && strstr (ds_training_run_get_name (run), ": lr=") != NULL
               && ds_training_run_get_result (run) != NULL;
    }
  g_assert_cmpint (named, ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_false (isnan (nn_search_get_trial (s, i)->best));
  /* The first row's trial into the model: its units, rate and weights. */
  ds_search_panel_load_row (ui->panel, 0);
  NnModel *m = ds_document_get_model (ds_window_get_document (ui->window));
  const char *status = ds_search_panel_get_status (ui->panel);
  g_assert_nonnull (strstr (status, "is in the model"));
  int trial = atoi (status + strlen ("Trial "));
  g_assert_cmpint (trial, >=, 1);
  g_assert_cmpint (trial, <=, 4);
  NnTrial *t = nn_search_get_trial (s, trial - 1);
  g_assert_cmpfloat (nn_model_get_optimizer (m)->learning_rate, ==,
                     g_ascii_strtod (t->values[0], NULL));
  int hidden = nn_model_find_layer (m, "hidden_1");
  g_assert_cmpint (nn_model_layer_get_param (m, hidden, "units")->i, ==, atoi (t->values[1]));
  NnTensor a, b;
  nn_model_layer_get_weight (m, hidden, 0, &a);
  nn_model_layer_get_weight (t->model, hidden, 0, &b);
  g_assert_cmpmem (a.data, a.size * sizeof (float), b.data, b.size * sizeof (float));

  /* Saved and opened again: the same search, the same rows. */
  DsDocument *doc = ds_window_get_document (ui->window);
  int third = ds_search_panel_get_row_trial (ui->panel, 2);
  g_assert_cmpint (third, >=, 0);
  NnTrial *t3 = nn_search_get_trial (s, third);
  g_assert_nonnull (t3->model);
  g_autoptr (NnModel) before = nn_model_copy (t3->model);
  g_autofree char *third_run = g_strdup (t3->run);
  g_assert_nonnull (third_run);
  g_autofree char *json = nn_search_to_json (s);
  g_autofree char *dir = g_dir_make_tmp ("ds-search-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "searched.json", NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GError) error = NULL;
  g_assert_true (ds_document_save (doc, file, &error));
  g_assert_no_error (error);
  ds_document_reset (doc);
  g_assert_cmpuint (g_list_model_get_n_items (ds_search_panel_get_rows (ui->panel)), ==, 0);
  ds_search_panel_set_params_text (ui->panel, "batch_size=16,32\n");
  ds_search_panel_set_strategy (ui->panel, NN_SEARCH_GRID);
  g_assert_true (ds_document_load (doc, file, &error));
  g_assert_no_error (error);
  /* The form shows the saved search's parameters, every line of them. */
  g_autofree char *params = ds_search_panel_dup_params_text (ui->panel);
  g_test_message ("reopened parameters:\n%s", params);
  g_assert_cmpstr (params, ==, "optimizer.learning_rate=log:0.001..0.1\n"
                               "layer.hidden_1.units=8,16\n");
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  g_auto (GStrv) lines = g_strsplit (params, "\n", -1);
  for (char **l = lines; *l; l++)
    if (**l)
      g_assert_true (nn_search_spec_add_param_assignment (&sp, *l, NULL));
  g_assert_cmpuint (sp.params->len, ==, 2);
  nn_search_spec_clear (&sp);
  g_assert_cmpuint (g_list_model_get_n_items (ds_search_panel_get_rows (ui->panel)), ==, 4);
  g_autofree char *again = nn_search_to_json (ds_search_panel_get_search (ui->panel));
  g_assert_cmpstr (json, ==, again);
  g_assert_cmpuint (g_list_model_get_n_items (ds_train_view_get_runs (ui->train)), ==, 4);

  /* A double-click on the reopened third row loads its trial's values and
   * the very weights it had before saving, which are its run's. */
  g_assert_cmpint (ds_search_panel_get_row_trial (ui->panel, 2), ==, third);
  NnTrial *reopened = nn_search_get_trial (ds_search_panel_get_search (ui->panel), third);
  g_assert_cmpstr (reopened->run, ==, third_run);
  GtkColumnView *table = find_table (GTK_WIDGET (ui->panel));
  g_assert_nonnull (table);
  g_signal_emit_by_name (table, "activate", 2);
  g_autofree char *loaded = g_strdup_printf ("Trial %d is in the model, with its trained weights",
                                             third + 1);
  g_assert_cmpstr (ds_search_panel_get_status (ui->panel), ==, loaded);
  m = ds_document_get_model (doc);
  g_assert_cmpfloat (nn_model_get_optimizer (m)->learning_rate, ==,
                     g_ascii_strtod (reopened->values[0], NULL));
  hidden = nn_model_find_layer (m, "hidden_1");
  g_assert_cmpint (nn_model_layer_get_param (m, hidden, "units")->i, ==,
                   atoi (reopened->values[1]));
  assert_same_weights (m, before);
  GListModel *reruns = ds_train_view_get_runs (ui->train);
  int linked = 0;
  for (guint i = 0; i < g_list_model_get_n_items (reruns); i++)
    {
      g_autoptr (DsTrainingRun) run = g_list_model_get_item (reruns, i);
      if (g_str_equal (ds_training_run_get_name (run), third_run))
        {
          assert_same_weights (m, ds_training_run_get_result (run));
          linked++;
        }
    }
  g_assert_cmpint (linked, ==, 1);

  /* A file written before trials named their runs: linked by the name the
   * panel gives a trial's run. */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_autoptr (GRegex) re = g_regex_new (",\\s*\"run\"\\s*:\\s*\"[^\"]*\"", 0, 0, NULL);
  g_autofree char *old = g_regex_replace_literal (re, text, -1, 0, "", 0, NULL);
  g_assert_null (strstr (old, "\"run\""));
  g_assert_true (g_file_set_contents (path, old, -1, NULL));
  g_assert_true (ds_document_load (doc, file, &error));
  g_assert_no_error (error);
  g_assert_null (nn_search_get_trial (ds_search_panel_get_search (ui->panel), third)->run);
  g_signal_emit_by_name (table, "activate", 2);
  g_assert_cmpstr (ds_search_panel_get_status (ui->panel), ==, loaded);
  assert_same_weights (ds_document_get_model (doc), before);
  g_unlink (path);
  g_rmdir (dir);
}

/* The README's picture (DEEPSCOPE_SCREENSHOTS=DIR): ten trials of six
 * epochs, the table sorted by the metric. */
static void
test_screenshot (Ui *ui, gconstpointer data)
{
  if (!g_getenv ("DEEPSCOPE_SCREENSHOTS"))
    {
      g_test_skip ("DEEPSCOPE_SCREENSHOTS is not set");
      return;
    }
  gtk_spin_button_set_value (ui->train->epochs_spin, 6);
  ds_search_panel_set_trials (ui->panel, 10);
  ds_search_panel_start (ui->panel);
  g_assert_cmpuint (watch_rows (ui, 0, 300000), ==, 10);
  ui_screenshot (ui->window, "train", "search");
}

static void
test_stop_halts (Ui *ui, gconstpointer data)
{
  ds_search_panel_set_trials (ui->panel, 60);
  ds_search_panel_start (ui->panel);
  g_assert_cmpuint (watch_rows (ui, 2, 120000), ==, 2);
  ds_search_panel_stop (ui->panel);
  g_assert_true (ui_wait_for (stopped, ui->panel, 5000));
  GListModel *rows = ds_search_panel_get_rows (ui->panel);
  guint n = g_list_model_get_n_items (rows);
  g_assert_cmpuint (n, <=, 3);
  ui_spin (1000);
  g_assert_cmpuint (g_list_model_get_n_items (rows), ==, n);
  g_assert_cmpint (live_runs (ui), ==, 0);
  g_assert_cmpint (nn_search_get_jobs_done (ds_search_panel_get_search (ui->panel)), ==, (int) n);
  g_assert_nonnull (strstr (ds_search_panel_get_status (ui->panel), "Stopped"));
}

static GtkWidget *
find_widget (GtkWidget *w, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (w, type))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

static int
min_height (GtkWidget *w)
{
  int min = 0;
  gtk_widget_measure (w, GTK_ORIENTATION_VERTICAL, -1, &min, NULL, NULL, NULL);
  return min;
}

static void
describe_tallest (GtkWidget *w, GString *out, int depth)
{
  GtkWidget *tallest = NULL;
  int best = -1;
  g_string_append_printf (out, "%*s%s %d px\n", depth, "", G_OBJECT_TYPE_NAME (w), min_height (w));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_visible (c))
      g_string_append_printf (out, "%*s· %s %d px\n", depth + 1, "", G_OBJECT_TYPE_NAME (c),
                              min_height (c));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_visible (c) && min_height (c) > best)
      {
        best = min_height (c);
        tallest = c;
      }
  if (tallest && depth < 80)
    describe_tallest (tallest, out, depth + 1);
}

/* The window's smallest size, and the size it has. */
static void
window_size (Ui *ui, int *min_w, int *min_h, int *w, int *h)
{
  gtk_widget_measure (GTK_WIDGET (ui->window), GTK_ORIENTATION_HORIZONTAL, -1, min_w, NULL,
                      NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (ui->window), GTK_ORIENTATION_VERTICAL, -1, min_h, NULL,
                      NULL, NULL);
  *w = gtk_widget_get_width (GTK_WIDGET (ui->window));
  *h = gtk_widget_get_height (GTK_WIDGET (ui->window));
}

/* A random search and then a halving one keep the window within a
 * 1280 x 800 screen; choosing halving does not widen the strategy box. */
static void
test_fits_screen (Ui *ui, gconstpointer data)
{
  int min_w, min_h, w, h;
  GtkWidget *drop = find_widget (GTK_WIDGET (ui->panel), GTK_TYPE_DROP_DOWN);
  g_assert_nonnull (drop);
  g_autofree char *dir = g_dir_make_tmp ("ds-search-plot-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "plot.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "plot.svg", NULL);
  /* Nothing to export before a search. */
  ds_search_panel_export_plot (ui->panel, png);
  g_assert_nonnull (strstr (ds_search_panel_get_status (ui->panel), "no search to export"));
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
  gtk_spin_button_set_value (ui->train->epochs_spin, 1);
  ds_search_panel_set_trials (ui->panel, 3);
  ds_search_panel_start (ui->panel);
  g_assert_true (ui_wait_for (stopped, ui->panel, 120000));
  g_assert_cmpuint (g_list_model_get_n_items (ds_search_panel_get_rows (ui->panel)), ==, 3);
  ui_spin (300);
  window_size (ui, &min_w, &min_h, &w, &h);
  g_test_message ("random: the window needs %d x %d px and has %d x %d", min_w, min_h, w, h);
  if (min_w > 1280)
    {
      g_autoptr (GString) chain = g_string_new (NULL);
      ui_describe_widest (GTK_WIDGET (ui->window), chain, 0);
      g_test_message ("The widest widgets:\n%s", chain->str);
    }
  g_assert_cmpint (min_w, <=, 1280);
  g_assert_cmpint (min_h, <=, 800);
  g_assert_cmpint (w, <=, 1280);
  g_assert_cmpint (h, <=, 800);

  int drop_w = gtk_widget_get_width (drop);
  ds_search_panel_set_strategy (ui->panel, NN_SEARCH_HALVING);
  ui_spin (300);
  g_test_message ("strategy box: %d px, %d px with halving", drop_w, gtk_widget_get_width (drop));
  g_assert_cmpint (gtk_widget_get_width (drop), ==, drop_w);
  ds_search_panel_set_trials (ui->panel, 9);
  ds_search_panel_start (ui->panel);
  g_assert_true (ui_wait_for (stopped, ui->panel, 120000));
  g_assert_cmpuint (g_list_model_get_n_items (ds_search_panel_get_rows (ui->panel)), ==, 9);
  ui_spin (300);
  window_size (ui, &min_w, &min_h, &w, &h);
  g_test_message ("halving: the window needs %d x %d px and has %d x %d", min_w, min_h, w, h);
  if (min_h > 800)
    {
      g_autoptr (GString) chain = g_string_new (NULL);
      describe_tallest (GTK_WIDGET (ui->window), chain, 0);
      g_test_message ("The tallest widgets:\n%s", chain->str);
    }
  g_assert_cmpint (min_w, <=, 1280);
  g_assert_cmpint (min_h, <=, 800);
  g_assert_cmpint (w, <=, 1280);
  g_assert_cmpint (h, <=, 800);

  /* The plot exports as PNG and SVG. */
  g_autofree char *bytes = NULL;
  gsize len = 0;
  ds_search_panel_export_plot (ui->panel, png);
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 1000);
  g_assert_cmpmem (bytes, 8, "\x89PNG\r\n\x1a\n", 8);
  g_clear_pointer (&bytes, g_free);
  ds_search_panel_export_plot (ui->panel, svg);
  g_assert_true (g_file_get_contents (svg, &bytes, &len, NULL));
  g_assert_nonnull (strstr (bytes, "<svg"));
  g_assert_true (g_str_has_prefix (ds_search_panel_get_status (ui->panel), "Exported "));
  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);
}

/* A model opened into a new window prefills both suggested lines: the
 * learning rate and the first hidden Dense layer's units. */
static void
test_prefill (void)
{
  DsWindow *window = ds_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "spirals_mlp.json",
                                            NULL);
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_assert_true (ds_window_open (window, file) == window);
  DsTrainView *train = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  g_autofree char *text = ds_search_panel_dup_params_text (ds_train_view_get_search_panel (train));
  g_test_message ("prefilled:\n%s", text);
  g_assert_nonnull (strstr (text, "optimizer.learning_rate=log:1e-4..1e-1\n"));
  g_assert_nonnull (strstr (text, "layer.hidden_1.units=16,32,64\n"));
  ui_stop_run_and_close (window);
}

int
main (int argc, char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/search/fills-row-by-row", Ui, NULL, ui_setup, test_fills_row_by_row,
              ui_teardown);
  g_test_add ("/ui/search/screenshot", Ui, NULL, ui_setup, test_screenshot, ui_teardown);
  g_test_add_func ("/ui/search/prefill", test_prefill);
  g_test_add ("/ui/search/fits-screen", Ui, NULL, ui_setup, test_fits_screen, ui_teardown);
  g_test_add ("/ui/search/stop-halts", Ui, NULL, ui_setup, test_stop_halts, ui_teardown);
  return g_test_run ();
}
