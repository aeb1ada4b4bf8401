/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a saved document keeps, under a private X server
 * (tests/run-headless.sh): a model built after New and trained on the
 * dataset the Data view shows is saved naming that dataset and its
 * preprocessing; the runs' curves are saved with it and come back on open,
 * marked as loaded, in their colours. */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-train-view-private.h"
#include "ds-training-run-private.h"
#include "ds-window.h"
#include "ds-window-private.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow    *window;
  DsDataView  *data;
  DsTrainView *train;
  char        *dir;
} Ui;

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->data = DS_DATA_VIEW (ds_window_get_view (ui->window, "data"));
  ui->train = DS_TRAIN_VIEW (ds_window_get_view (ui->window, "train"));
  g_assert_nonnull (ui->data);
  g_assert_nonnull (ui->train);
  ui->dir = g_dir_make_tmp ("ds-persist-XXXXXX", NULL);
  g_assert_nonnull (ui->dir);
  ui_spin (100);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  ui_stop_run_and_close (ui->window);
  remove_dir (ui->dir);
  g_free (ui->dir);
}

typedef struct
{
  DsDatasetStore *store;
  const char     *prefix;
} StoreWait;

static gboolean
store_has (gpointer data)
{
  StoreWait *w = data;
  DsDataset *ds = ds_dataset_store_get_dataset (w->store);

  return ds && !ds_dataset_store_get_loading (w->store)
         && g_str_has_prefix (ds_dataset_store_get_spec (w->store), w->prefix);
}

static void
show (Ui         *ui,
      const char *view)
{
  ds_window_set_visible_view (ui->window, view);
  ui_spin (150);
}

static GtkSpinButton *
find_spin (GtkWidget  *root,
           const char *label)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkSpinButton *found;

      if (GTK_IS_SPIN_BUTTON (c))
        {
          AdwActionRow *row = ADW_ACTION_ROW (gtk_widget_get_ancestor (c, ADW_TYPE_ACTION_ROW));

          if (row && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), label) == 0)
            return GTK_SPIN_BUTTON (c);
        }
      if ((found = find_spin (c, label)))
        return found;
    }
  return NULL;
}

/* The moons, chosen in the Data view as a person does. */
static void
pick_moons (Ui *ui)
{
  StoreWait w = { ds_data_view_get_store (ui->data), "moons" };

  show (ui, "data");
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->data), 1);
  adw_combo_row_set_selected (ds_data_view_get_shape_row (ui->data), 1);
  g_assert_true (ui_wait_for (store_has, &w, 5000));
}

/* A two-feature classifier built as the Build view builds one: layers
 * added and connected, committed, then a loss chosen. */
static void
build_mlp (DsDocument *doc)
{
  NnModel *m = ds_document_get_model (doc);
  int in, hidden, out;

  in = nn_model_add_layer (m, "Input", "points", NULL);
  g_assert_cmpint (in, >=, 0);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "2", NULL));
  hidden = nn_model_add_layer (m, "Dense", NULL, NULL);
  g_assert_true (nn_model_layer_set_param (m, hidden, "units", "8", NULL));
  g_assert_true (nn_model_layer_set_param (m, hidden, "activation", "relu", NULL));
  out = nn_model_add_layer (m, "Dense", NULL, NULL);
  g_assert_true (nn_model_layer_set_param (m, out, "units", "2", NULL));
  g_assert_true (nn_model_layer_set_param (m, out, "activation", "softmax", NULL));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, hidden, 0, NULL));
  g_assert_true (nn_model_connect (m, (NnRef) { hidden, 0 }, out, 0, NULL));
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Build", NULL);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  {
    NnMetric acc = NN_METRIC_ACCURACY;

    nn_model_output_set_loss (m, 0, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0);
    nn_model_output_set_metrics (m, 0, &acc, 1);
  }
  ds_document_commit (doc, DS_CHANGE_PARAMS, "Change Loss", NULL);
}

/* Trains the document's model for `epochs` from the Train view's form and
 * Start action; returns the run (borrowed). */
static DsTrainingRun *
train (Ui  *ui,
       int  epochs)
{
  GtkSpinButton *spin;
  DsTrainingRun *run;

  show (ui, "train");
  spin = find_spin (GTK_WIDGET (ui->train), "Epochs");
  g_assert_nonnull (spin);
  gtk_spin_button_set_value (spin, epochs);
  ui_spin (50);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui->train), "train.start", NULL));
  run = ds_train_view_get_current_run (ui->train);
  g_assert_nonnull (run);
  g_assert_true (ui_wait_for (ui_run_ended, run, 20000));
  ui_spin (100);
  g_assert_cmpint (ds_training_run_get_state (run), ==, DS_RUN_FINISHED);
  g_assert_cmpint (ds_training_run_get_epochs_done (run), ==, epochs);
  return run;
}

/* Issue 18, item 2: a dataset chosen in the Data view, then New, a model
 * built from scratch and trained: the Data view still shows the moons and
 * the run trained on them, so the saved file names them. */
static void
test_dataset_after_new (Ui            *ui,
                        gconstpointer  data)
{
  DsDocument *doc = ds_window_get_document (ui->window);
  g_autofree char *path = g_build_filename (ui->dir, "moons.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) saved = NULL;

  pick_moons (ui);
  g_assert_true (g_str_has_prefix (nn_model_get_dataset (ds_document_get_model (doc)), "moons"));
  ds_document_reset (doc);
  ui_spin (100);
  g_assert_null (nn_model_get_dataset (ds_document_get_model (doc)));
  build_mlp (doc);
  train (ui, 2);

  g_assert_true (ds_window_save_to (ui->window, file, &error));
  g_assert_no_error (error);
  /* Saving says so (nothing else on screen changes but the title). */
  g_assert_nonnull (ds_window_get_last_toast (ui->window));
  g_assert_true (g_str_has_prefix (ds_window_get_last_toast (ui->window), "Saved “"));
  saved = nn_model_load (path, &error);
  g_assert_no_error (error);
  /* Printed before the fix: the saved model names no dataset (NULL). */
  g_assert_cmpstr (nn_model_get_dataset (saved), ==, "moons:n=1000");
  g_assert_false (ds_document_get_dirty (doc));
}


static guint
n_points (DsTrainingRun *run,
          const char    *key)
{
  DsMetricSeries *s = ds_training_run_get_series (run, key);

  return s ? ds_metric_series_get_n_points (s) : 0;
}

/* Two runs saved, the file opened in another window: the Train view lists
 * both, finished and marked as loaded, with their curves and colours; a
 * new run there is the third, in the third colour, and the next save keeps
 * all three. */
static void
test_runs_reopen (Ui            *ui,
                  gconstpointer  data)
{
  DsDocument *doc = ds_window_get_document (ui->window);
  g_autofree char *path = g_build_filename (ui->dir, "runs.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(NnModel) saved = NULL;
  Ui other = { 0 };
  GListModel *runs;

  pick_moons (ui);
  build_mlp (doc);
  train (ui, 3);
  train (ui, 2);
  g_assert_true (ds_window_save_to (ui->window, file, &error));
  g_assert_no_error (error);

  saved = nn_model_load_with_runs (path, &records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      NnRunRecord *r = records->pdata[i];

      g_assert_cmpuint (r->color, ==, i);
      g_assert_cmpstr (r->origin, ==, "deepscope");
      g_assert_cmpstr (r->dataset, ==, "moons:n=1000");
      g_assert_cmpint (r->epochs_done, ==, i == 0 ? 3 : 2);
      g_assert_cmpuint (nn_run_record_get_series (r, "loss")->x->len, ==, i == 0 ? 3 : 2);
      g_assert_nonnull (nn_run_record_get_series (r, "val_loss"));
      g_assert_cmpuint (nn_run_record_get_series (r, "batch/loss")->x->len, >, 0);
    }

  /* Reopened elsewhere. */
  other.window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (other.window), 1280, 800);
  gtk_window_present (GTK_WINDOW (other.window));
  other.data = DS_DATA_VIEW (ds_window_get_view (other.window, "data"));
  other.train = DS_TRAIN_VIEW (ds_window_get_view (other.window, "train"));
  ui_spin (100);
  g_assert_true (ds_window_open (other.window, file) == other.window);
  show (&other, "train");
  runs = ds_train_view_get_runs (other.train);
  g_assert_cmpuint (g_list_model_get_n_items (runs), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);

      g_assert_true (ds_training_run_get_loaded (run));
      g_assert_cmpint (ds_training_run_get_state (run), ==, DS_RUN_FINISHED);
      g_assert_cmpuint (ds_training_run_get_color_index (run), ==, i);
      g_assert_cmpuint (n_points (run, "loss"), ==, i == 0 ? 3 : 2);
      g_assert_cmpuint (n_points (run, "batch/loss"), >, 0);
      g_assert_cmpint (ds_training_run_get_epochs_done (run), ==, i == 0 ? 3 : 2);
    }
  g_assert_nonnull (ds_train_view_get_plot (other.train, "loss"));
  g_assert_nonnull (ds_train_view_get_plot (other.train, "accuracy"));

  {
    DsTrainingRun *third = train (&other, 1);

    g_assert_cmpstr (ds_training_run_get_name (third), ==, "Run 3");
    g_assert_cmpuint (ds_training_run_get_color_index (third), ==, 2);
    g_assert_false (ds_training_run_get_loaded (third));
  }
  g_assert_true (ds_window_save_to (other.window, file, &error));
  g_assert_no_error (error);
  g_clear_pointer (&records, g_ptr_array_unref);
  g_clear_pointer (&saved, nn_model_free);
  saved = nn_model_load_with_runs (path, &records, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 3);
  g_assert_cmpstr (((NnRunRecord *) records->pdata[2])->name, ==, "Run 3");
  ui_close_window_checked (other.window);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/persist/dataset-after-new", Ui, NULL, ui_setup, test_dataset_after_new,
              ui_teardown);
  g_test_add ("/ui/persist/runs-reopen", Ui, NULL, ui_setup, test_runs_reopen, ui_teardown);
  return g_test_run ();
}
