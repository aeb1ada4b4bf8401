/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The playground under a private X server (tests/run-headless.sh): open the
 * spirals sample, show the playground, and check that at the slowest speed
 * every Step changes the boundary, that toggling x1² widens the model's
 * input and changes the boundary, that +/- edit the hidden layers and
 * their units (undoably), that every unit is shown, and that nothing moves
 * between two redraws. */
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-playground-private.h"
#include "ds-train-view-private.h"
#include "ds-training-run-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow     *window;
  DsTrainView  *train;
  DsPlayground *pg;
  DsDocument   *doc;
} Ui;

static gboolean
store_ready (gpointer data)
{
  DsDatasetStore *store = data;

  return ds_dataset_store_get_dataset (store) && !ds_dataset_store_get_loading (store);
}

static gboolean
has_map (gpointer data)
{
  g_autofree char *sum = ds_playground_dup_map_checksum (data);

  return sum != NULL;
}

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "spirals_mlp.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->train = DS_TRAIN_VIEW (ds_window_get_view (ui->window, "train"));
  ui->pg = ds_train_view_get_playground (ui->train);
  g_assert_true (ds_window_open (ui->window, file) == ui->window);
  ui->doc = ds_window_get_document (ui->window);
  g_assert_true (ui_wait_for (store_ready, ds_document_get_dataset_store (ui->doc), 10000));
  ds_window_set_visible_view (ui->window, "train");
  ds_train_view_show_page (ui->train, "playground");
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->pg, 5000));
  g_assert_true (ds_playground_get_available (ui->pg));
  /* Before any run the playground draws the document's model. */
  g_assert_true (ui_wait_for (has_map, ui->pg, 10000));
}

static gboolean
no_live_run (gpointer data)
{
  DsTrainingRun *run = ds_train_view_get_current_run (data);

  return run == NULL || !ds_training_run_is_live (run);
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  DsTrainingRun *run = ds_train_view_get_current_run (ui->train);

  if (run && ds_training_run_is_live (run))
    {
      ds_training_run_stop (run);
      g_assert_true (ui_wait_for (no_live_run, ui->train, 5000));
    }
  ui_close_window_checked (ui->window);
}

static gboolean clicked_flag;

static void
clicked_cb (GtkButton *button,
            gpointer   data)
{
  clicked_flag = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

/* A real press: activate animates and emits ::clicked as a click does. */
static void
press (GtkWidget *button)
{
  gulong id;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  id = g_signal_connect (button, "clicked", G_CALLBACK (clicked_cb), NULL);
  clicked_flag = FALSE;
  gtk_widget_activate (button);
  g_assert_true (ui_wait_for (flag_set, &clicked_flag, 2000));
  g_signal_handler_disconnect (button, id);
}

typedef struct
{
  DsPlayground *pg;
  const char   *old;
} MapWait;

static gboolean
map_changed (gpointer data)
{
  MapWait *w = data;
  g_autofree char *sum = ds_playground_dup_map_checksum (w->pg);

  return sum && g_strcmp0 (sum, w->old) != 0;
}

static int
input_width (DsDocument *doc)
{
  NnModel *m = ds_document_get_model (doc);
  int ndim, shape[NN_MAX_DIMS];

  g_assert_true (nn_model_get_shape (m, (NnRef) { nn_model_get_input_layer (m, 0), 0 }, &ndim, shape));
  return shape[0];
}

static int
units_of (DsDocument *doc,
          const char *layer)
{
  NnModel *m = ds_document_get_model (doc);
  const NnValue *v = nn_model_layer_get_param (m, nn_model_find_layer (m, layer), "units");

  g_assert_nonnull (v);
  return v->i;
}

/* Slowest speed, three presses of Step: the boundary changes each time,
 * and the losses beside the map are there. */
static void
test_step_slowest (Ui            *ui,
                   gconstpointer  data)
{
  GtkWidget *step = ds_train_view_get_button (ui->train, "step");

  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui->pg), 0);
  g_assert_cmpint (ds_playground_get_pace (ui->pg), ==, 16667);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *before = ds_playground_dup_map_checksum (ui->pg);
      MapWait w = { ui->pg, before };
      guint updates = ds_playground_get_n_updates (ui->pg);

      press (step);
      g_assert_true (ui_wait_for (map_changed, &w, 10000));
      g_test_message ("step %d: map %u → %u, step %ld, training loss %.4f, test loss %.4f", k + 1,
                      updates, ds_playground_get_n_updates (ui->pg),
                      ds_training_run_get_step (ds_train_view_get_current_run (ui->train)),
                      ds_playground_get_loss (ui->pg, FALSE), ds_playground_get_loss (ui->pg, TRUE));
      g_assert_true (isfinite (ds_playground_get_loss (ui->pg, FALSE)));
      g_assert_true (isfinite (ds_playground_get_loss (ui->pg, TRUE)));
      g_assert_cmpint (ds_training_run_get_state (ds_train_view_get_current_run (ui->train)), ==, DS_RUN_PAUSED);
    }
}

/* x1² on: the Input is 3 wide, the spec asks for the feature, and the
 * boundary changes; off again: 2 wide. */
static void
test_feature_toggle (Ui            *ui,
                     gconstpointer  data)
{
  GtkToggleButton *x1sq = ds_playground_get_feature_button (ui->pg, NN_FEATURE_X1_SQ);
  g_autofree char *before = ds_playground_dup_map_checksum (ui->pg);
  MapWait w = { ui->pg, before };

  g_assert_cmpint (input_width (ui->doc), ==, 2);
  g_assert_false (gtk_toggle_button_get_active (x1sq));
  press (GTK_WIDGET (x1sq));
  g_assert_true (gtk_toggle_button_get_active (x1sq));
  g_assert_cmpint (input_width (ui->doc), ==, 3);
  g_assert_nonnull (strstr (nn_model_get_dataset (ds_document_get_model (ui->doc)), "features=x1,x2,x1sq"));
  g_assert_true (ui_wait_for (map_changed, &w, 10000));
  g_test_message ("spec %s", nn_model_get_dataset (ds_document_get_model (ui->doc)));

  ds_document_undo (ui->doc);
  ui_spin (100);
  g_assert_cmpint (input_width (ui->doc), ==, 2);
  g_assert_false (gtk_toggle_button_get_active (x1sq));
}

/* +/- on a hidden layer's column change its units; undo restores them. */
static void
test_units_buttons (Ui            *ui,
                    gconstpointer  data)
{
  guint widgets = ds_playground_get_n_unit_widgets (ui->pg);

  g_assert_cmpint (units_of (ui->doc, "hidden_1"), ==, 64);
  press (ds_playground_get_units_button (ui->pg, "hidden_1", +1));
  g_assert_cmpint (units_of (ui->doc, "hidden_1"), ==, 65);
  g_assert_cmpuint (ds_playground_get_n_unit_widgets (ui->pg), ==, widgets + 1);
  press (ds_playground_get_units_button (ui->pg, "hidden_2", -1));
  press (ds_playground_get_units_button (ui->pg, "hidden_2", -1));
  g_assert_cmpint (units_of (ui->doc, "hidden_2"), ==, 62);
  ds_document_undo (ui->doc);
  g_assert_cmpint (units_of (ui->doc, "hidden_2"), ==, 63);

  /* A layer more, then none less than before. */
  press (ds_playground_get_layer_button (ui->pg, +1));
  g_assert_cmpint (nn_model_get_n_layers (ds_document_get_model (ui->doc)), ==, 5);
  press (ds_playground_get_layer_button (ui->pg, -1));
  press (ds_playground_get_layer_button (ui->pg, -1));
  g_assert_cmpint (nn_model_get_n_layers (ds_document_get_model (ui->doc)), ==, 3);
  g_assert_true (nn_model_infer (ds_document_get_model (ui->doc), NULL));
}

/* Every unit of the 64-unit layers is shown (not the first 48). */
static void
test_all_units (Ui            *ui,
                gconstpointer  data)
{
  g_assert_cmpuint (ds_playground_get_n_unit_widgets (ui->pg), ==, 128);
  g_assert_cmpuint (ds_playground_get_n_units (ui->pg), ==, 128);
}

static gboolean
run_ended (gpointer data)
{
  return !ds_training_run_is_live (data);
}

/* Not a test: DEEPSCOPE_SCREENSHOT=FILE.png trains the spirals with x1²,
 * x2² and sin πx1 on and writes the window as the README shows it. */
static int
screenshot (const char *path)
{
  Ui ui = { 0 };
  GdkPaintable *paintable;
  g_autoptr(GtkSnapshot) snap = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  NnFeature on[] = { NN_FEATURE_X1_SQ, NN_FEATURE_X2_SQ, NN_FEATURE_SIN_X1 };

  ui_setup (&ui, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (on); i++)
    press (GTK_WIDGET (ds_playground_get_feature_button (ui.pg, on[i])));
  g_assert_true (ui_wait_for (store_ready, ds_document_get_dataset_store (ui.doc), 10000));
  press (ds_train_view_get_button (ui.train, "start"));
  g_assert_true (ui_wait_for (run_ended, ds_train_view_get_current_run (ui.train), 120000));
  ui_spin (1500);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (ui.window));
  gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (GTK_WIDGET (ui.window)),
                          gtk_widget_get_height (GTK_WIDGET (ui.window)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  renderer = gtk_native_get_renderer (GTK_NATIVE (ui.window));
  texture = gsk_renderer_render_texture (renderer, node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
  ui_teardown (&ui, NULL);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  if (g_getenv ("DEEPSCOPE_SCREENSHOT"))
    return screenshot (g_getenv ("DEEPSCOPE_SCREENSHOT"));
  g_test_add ("/ui/playground/step-slowest", Ui, NULL, ui_setup, test_step_slowest, ui_teardown);
  g_test_add ("/ui/playground/feature-toggle", Ui, NULL, ui_setup, test_feature_toggle, ui_teardown);
  g_test_add ("/ui/playground/units-buttons", Ui, NULL, ui_setup, test_units_buttons, ui_teardown);
  g_test_add ("/ui/playground/all-units", Ui, NULL, ui_setup, test_all_units, ui_teardown);
  return g_test_run ();
}
