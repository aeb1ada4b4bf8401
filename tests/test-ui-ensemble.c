/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Train view's Ensemble window under a private X server
 * (tests/run-headless.sh): two runs of the spirals sample trained from two
 * seeds are listed with their trained weights; Evaluate fills the table
 * with both members and the ensemble, one best value highlighted per
 * column; a model file added beside them joins the next evaluation, and a
 * file of another task is refused by name (a screenshot with
 * DEEPSCOPE_SCREENSHOTS=DIR). */
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>

#include "ds-ensemble-dialog.h"
#include "ds-train-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

static gboolean
run_ended (gpointer data)
{
  return !ds_training_run_is_live (data) && ds_training_run_get_result (data) != NULL;
}

static gboolean
not_busy (gpointer data)
{
  return !ds_ensemble_dialog_is_busy (data);
}

static GtkSpinButton *
find_spin (GtkWidget  *root,
           const char *title)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkSpinButton *found;
      GtkWidget *row = gtk_widget_get_ancestor (c, ADW_TYPE_ACTION_ROW);

      if (GTK_IS_SPIN_BUTTON (c) && row
          && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
        return GTK_SPIN_BUTTON (c);
      if ((found = find_spin (c, title)))
        return found;
    }
  return NULL;
}

typedef struct
{
  DsTrainView   *view;
  DsTrainingRun *before;
} NewRunWait;

static gboolean
new_run (gpointer data)
{
  NewRunWait *w = data;
  DsTrainingRun *run = ds_train_view_get_current_run (w->view);

  return run != NULL && run != w->before;
}

/* Trains one run of the open model from seed; returns it (borrowed). */
static DsTrainingRun *
train (DsTrainView *view,
       int          seed)
{
  NewRunWait w = { view, ds_train_view_get_current_run (view) };
  DsTrainingRun *run;

  gtk_spin_button_set_value (find_spin (GTK_WIDGET (view), "Seed"), seed);
  gtk_spin_button_set_value (find_spin (GTK_WIDGET (view), "Epochs"), 8);
  gtk_widget_activate (ds_train_view_get_button (view, "start"));
  g_assert_true (ui_wait_for (new_run, &w, 5000));
  run = ds_train_view_get_current_run (view);
  g_assert_true (ui_wait_for (run_ended, run, 60000));
  return run;
}

static DsEnsembleDialog *
find_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();   /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (DS_IS_ENSEMBLE_DIALOG (w))
        return DS_ENSEMBLE_DIALOG (w);
    }
  return NULL;
}

/* Checks the table: n members and the ensemble, numbers in every score
 * cell, the highlighted ones each column's best (ties all marked). */
static void
assert_table (DsEnsembleDialog *dialog,
              guint             n_members)
{
  guint cols = ds_ensemble_dialog_get_n_columns (dialog);

  g_assert_cmpuint (ds_ensemble_dialog_get_n_rows (dialog), ==, n_members + 1);
  g_assert_cmpuint (cols, ==, 4);
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, 0, 2, NULL), ==, "Loss");
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, 0, 3, NULL), ==, "Accuracy");
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, n_members + 1, 0, NULL), ==, "Ensemble");
  for (guint c = 2; c < cols; c++)
    {
      double v[8], best = c == 3 ? 0 : G_MAXDOUBLE;
      gboolean marked[8];

      g_assert_cmpuint (n_members + 1, <=, G_N_ELEMENTS (v));
      for (guint r = 0; r <= n_members; r++)
        {
          const char *text = ds_ensemble_dialog_get_cell (dialog, r + 1, c, &marked[r]);
          char *end = NULL;

          v[r] = g_ascii_strtod (text, &end);
          g_assert_true (end != text && *end == '\0');
          g_assert_cmpfloat (v[r], >=, 0);
          if (c == 3)
            g_assert_cmpfloat (v[r], <=, 1);
          best = c == 3 ? MAX (best, v[r]) : MIN (best, v[r]);
        }
      for (guint r = 0; r <= n_members; r++)
        g_assert_true (marked[r] == (v[r] == best));
    }
}

static void
evaluate (DsEnsembleDialog *dialog)
{
  ds_ensemble_dialog_evaluate (dialog);
  g_assert_true (ds_ensemble_dialog_is_busy (dialog));
  g_assert_true (ui_wait_for (not_busy, dialog, 60000));
  g_test_message ("%s", ds_ensemble_dialog_get_status (dialog));
}

static GtkWidget *
find_button (GtkWidget *w, const char *label)
{
  if (GTK_IS_BUTTON (w) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (w)), label) == 0)
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_button (c, label);
      if (found)
        return found;
    }
  return NULL;
}

static void
test_two_runs (void)
{
  DsWindow *window = ds_window_new (NULL);
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "spirals_mlp.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DsDocument *doc = ds_window_get_document (window);
  DsTrainView *view;
  DsEnsembleDialog *dialog;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (100);
  g_assert_true (ds_window_open (window, file) == window);
  g_assert_true (ui_wait_for (ui_store_ready, ds_document_get_dataset_store (doc), 10000));
  ds_window_set_visible_view (window, "train");
  ui_spin (150);
  view = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  train (view, 1);
  train (view, 2);

  gtk_widget_activate_action (GTK_WIDGET (view), "train.ensemble", NULL);
  ui_spin (200);
  dialog = find_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpuint (ds_ensemble_dialog_get_n_candidates (dialog), ==, 2);
  g_assert_cmpuint (ds_ensemble_dialog_get_n_rows (dialog), ==, 0);
  evaluate (dialog);
  assert_table (dialog, 2);
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, 1, 1, NULL), ==, "0.500");
  ui_screenshot_window (GTK_WINDOW (dialog), "ensemble", "table");

  /* A third member from a "file" (the first run's model), weighted 2. */
  ds_ensemble_dialog_add_model (dialog, ds_training_run_get_result (ds_train_view_get_current_run (view)),
                                "copy.json");
  ds_ensemble_dialog_set_candidate (dialog, 2, TRUE, 2);
  evaluate (dialog);
  assert_table (dialog, 3);
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, 3, 0, NULL), ==, "copy.json");
  g_assert_cmpstr (ds_ensemble_dialog_get_cell (dialog, 3, 1, NULL), ==, "0.500");

  /* A model of another task is refused when added, next to the list,
   * naming the mismatch; the members and the table stay. */
  {
    g_autoptr(NnModel) other = nn_model_copy (ds_document_get_model (doc));
    int out = nn_model_find_layer (other, nn_model_layer_get_name (other, nn_model_get_output (other, 0).layer));

    g_assert_true (nn_model_layer_set_param (other, out, "units", "3", NULL));
    g_assert_true (nn_model_init_weights (other, 1, NULL));
    ds_ensemble_dialog_add_model (dialog, other, "three-classes.json");
    g_test_message ("refused: %s", ds_ensemble_dialog_get_refusal (dialog));
    g_assert_nonnull (strstr (ds_ensemble_dialog_get_refusal (dialog), "“three-classes.json”"));
    g_assert_nonnull (strstr (ds_ensemble_dialog_get_refusal (dialog), "output"));
    g_assert_cmpuint (ds_ensemble_dialog_get_n_candidates (dialog), ==, 3);
    g_assert_cmpuint (ds_ensemble_dialog_get_n_rows (dialog), ==, 4);
  }
  /* The same shapes without a loss (a generator's output) are refused for
   * the loss. */
  {
    g_autoptr(NnModel) no_loss = nn_model_copy (ds_document_get_model (doc));

    nn_model_output_set_loss (no_loss, 0, NN_LOSS_NONE, 1);
    g_assert_true (nn_model_init_weights (no_loss, 1, NULL));
    ds_ensemble_dialog_add_model (dialog, no_loss, "generator.json");
    g_test_message ("refused: %s", ds_ensemble_dialog_get_refusal (dialog));
    g_assert_nonnull (strstr (ds_ensemble_dialog_get_refusal (dialog), "“generator.json”"));
    g_assert_nonnull (strstr (ds_ensemble_dialog_get_refusal (dialog), "loss"));
    g_assert_cmpuint (ds_ensemble_dialog_get_n_candidates (dialog), ==, 3);
  }
  /* Another weight: the old results go. */
  ds_ensemble_dialog_set_candidate (dialog, 2, TRUE, 1);
  g_assert_cmpuint (ds_ensemble_dialog_get_n_rows (dialog), ==, 0);
  /* A failed evaluation leaves no table under its error. */
  evaluate (dialog);
  assert_table (dialog, 3);
  for (guint k = 0; k < 3; k++)
    ds_ensemble_dialog_set_candidate (dialog, k, FALSE, 1);
  ds_ensemble_dialog_evaluate (dialog);
  g_assert_false (ds_ensemble_dialog_is_busy (dialog));
  g_assert_cmpstr (ds_ensemble_dialog_get_status (dialog), ==, "Choose at least one model");
  g_assert_cmpuint (ds_ensemble_dialog_get_n_rows (dialog), ==, 0);
  /* Evaluate is in view at the dialog's opening size, whatever the list. */
  {
    GtkWidget *button = find_button (GTK_WIDGET (dialog), "_Evaluate");
    graphene_rect_t r;

    g_assert_nonnull (button);
    g_assert_true (gtk_widget_compute_bounds (button, GTK_WIDGET (dialog), &r));
    g_test_message ("Evaluate: y %.0f..%.0f of %d", r.origin.y, r.origin.y + r.size.height,
                    gtk_widget_get_height (GTK_WIDGET (dialog)));
    g_assert_cmpfloat (r.origin.y + r.size.height, <=, gtk_widget_get_height (GTK_WIDGET (dialog)));
  }
  /* The runs' trained weights go into the file's record and come back. */
  {
    g_autoptr(NnRunRecord) record = ds_training_run_dup_record (ds_train_view_get_current_run (view));
    g_autoptr(DsTrainingRun) reread = NULL;

    g_assert_nonnull (record->model);
    reread = ds_training_run_new_from_record (record);
    g_assert_nonnull (ds_training_run_get_result (reread));
    g_assert_true (nn_model_has_weights (ds_training_run_get_result (reread)));
  }
  gtk_window_destroy (GTK_WINDOW (dialog));
  ui_spin (100);
  ui_close_window_checked (window);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/ensemble/two-runs", test_two_runs);
  return g_test_run ();
}
