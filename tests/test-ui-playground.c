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
#include "ds-playground-surface.h"
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
  g_assert_true (ui_wait_for (ui_store_ready, ds_document_get_dataset_store (ui->doc), 10000));
  ds_window_set_visible_view (ui->window, "train");
  ds_train_view_show_page (ui->train, "playground");
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->pg, 5000));
  g_assert_true (ds_playground_get_available (ui->pg));
  /* Before any run the playground draws the document's model. */
  g_assert_true (ui_wait_for (has_map, ui->pg, 10000));
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  ui_stop_run_and_close (ui->window);
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

      ui_press (step);
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
  ui_press (GTK_WIDGET (x1sq));
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
  ui_press (ds_playground_get_units_button (ui->pg, "hidden_1", +1));
  g_assert_cmpint (units_of (ui->doc, "hidden_1"), ==, 65);
  g_assert_cmpuint (ds_playground_get_n_unit_widgets (ui->pg), ==, widgets + 1);
  ui_press (ds_playground_get_units_button (ui->pg, "hidden_2", -1));
  ui_press (ds_playground_get_units_button (ui->pg, "hidden_2", -1));
  g_assert_cmpint (units_of (ui->doc, "hidden_2"), ==, 62);
  ds_document_undo (ui->doc);
  g_assert_cmpint (units_of (ui->doc, "hidden_2"), ==, 63);

  /* A layer more, then none less than before. */
  ui_press (ds_playground_get_layer_button (ui->pg, +1));
  g_assert_cmpint (nn_model_get_n_layers (ds_document_get_model (ui->doc)), ==, 5);
  ui_press (ds_playground_get_layer_button (ui->pg, -1));
  ui_press (ds_playground_get_layer_button (ui->pg, -1));
  g_assert_cmpint (nn_model_get_n_layers (ds_document_get_model (ui->doc)), ==, 3);
  g_assert_true (nn_model_infer (ds_document_get_model (ui->doc), NULL));
}

/* The count beside a hidden layer's +/- buttons. */
static const char *
units_count_text (Ui *ui)
{
  GtkWidget *minus = ds_playground_get_units_button (ui->pg, "hidden_1", -1);

  g_assert_nonnull (minus);
  return gtk_label_get_text (GTK_LABEL (gtk_widget_get_last_child (gtk_widget_get_parent (minus))));
}

/* The unit count speaks in plural forms: "1 unit", "2 units". */
static void
test_units_plural (Ui            *ui,
                   gconstpointer  data)
{
  NnModel *m = ds_document_get_model (ui->doc);

  g_assert_true (nn_model_layer_set_param (m, nn_model_find_layer (m, "hidden_1"), "units", "2", NULL));
  ds_document_commit (ui->doc, DS_CHANGE_STRUCTURE, "Units", NULL);
  ui_spin (100);
  g_assert_cmpstr (units_count_text (ui), ==, "2 units");
  ui_press (ds_playground_get_units_button (ui->pg, "hidden_1", -1));
  g_assert_cmpint (units_of (ui->doc, "hidden_1"), ==, 1);
  g_assert_cmpstr (units_count_text (ui), ==, "1 unit");
}

/* Every unit of the 64-unit layers is shown (not the first 48). */
static void
test_all_units (Ui            *ui,
                gconstpointer  data)
{
  g_assert_cmpuint (ds_playground_get_n_unit_widgets (ui->pg), ==, 128);
  g_assert_cmpuint (ds_playground_get_n_units (ui->pg), ==, 128);
}

/* ---- the strip -------------------------------------------------------------- */

static guint
drop_index (GtkWidget  *drop,
            const char *text)
{
  GListModel *items = gtk_drop_down_get_model (GTK_DROP_DOWN (drop));

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    if (g_strcmp0 (gtk_string_list_get_string (GTK_STRING_LIST (items), i), text) == 0)
      return i;
  g_error ("no item %s", text);
  return 0;
}

static void
drop_choose (Ui         *ui,
             const char *control,
             const char *text)
{
  GtkWidget *drop = ds_playground_get_control (ui->pg, control);

  g_assert_nonnull (drop);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop), drop_index (drop, text));
  ui_spin (50);
}

static char *
layer_param (DsDocument *doc,
             const char *layer,
             const char *param)
{
  NnModel *m = ds_document_get_model (doc);

  return nn_model_layer_dup_param_text (m, nn_model_find_layer (m, layer), param);
}

static double
layer_value (DsDocument *doc,
             const char *layer,
             const char *param)
{
  NnModel *m = ds_document_get_model (doc);
  const NnValue *v = nn_model_layer_get_param (m, nn_model_find_layer (m, layer), param);

  g_assert_nonnull (v);
  return v->f;
}

/* Activation: every hidden Dense layer takes it, the output keeps its own,
 * the map follows; undo is one step. */
static void
test_strip_activation (Ui            *ui,
                       gconstpointer  data)
{
  g_autofree char *before = ds_playground_dup_map_checksum (ui->pg);
  g_autofree char *out_act = layer_param (ui->doc, "arm", "activation");
  MapWait w = { ui->pg, before };

  drop_choose (ui, "activation", "tanh");
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *act = layer_param (ui->doc, i ? "hidden_2" : "hidden_1", "activation");

      g_assert_cmpstr (act, ==, "tanh");
    }
  {
    g_autofree char *act = layer_param (ui->doc, "arm", "activation");

    g_assert_cmpstr (act, ==, out_act);
  }
  g_assert_true (ui_wait_for (map_changed, &w, 10000));
  ds_document_undo (ui->doc);
  {
    g_autofree char *act = layer_param (ui->doc, "hidden_2", "activation");

    g_assert_cmpstr (act, !=, "tanh");
  }
}

/* Learning rate: the model's optimizer, and a run started then uses it. */
static void
test_strip_learning_rate (Ui            *ui,
                          gconstpointer  data)
{
  drop_choose (ui, "learning-rate", "0.3");
  g_assert_cmpfloat_with_epsilon (nn_model_get_optimizer (ds_document_get_model (ui->doc))->learning_rate,
                                  0.3, 1e-12);
  drop_choose (ui, "learning-rate", "0.001");
  g_assert_cmpfloat_with_epsilon (nn_model_get_optimizer (ds_document_get_model (ui->doc))->learning_rate,
                                  0.001, 1e-12);
}

/* Regularization None/L1/L2 and its rate: every Dense kernel's penalty. */
static void
test_strip_regularization (Ui            *ui,
                           gconstpointer  data)
{
  static const char *const layers[] = { "hidden_1", "hidden_2", "arm" };

  g_assert_false (gtk_widget_get_sensitive (ds_playground_get_control (ui->pg, "regularization-rate")));
  drop_choose (ui, "regularization", "L1");
  g_assert_true (gtk_widget_get_sensitive (ds_playground_get_control (ui->pg, "regularization-rate")));
  drop_choose (ui, "regularization-rate", "0.01");
  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      g_assert_cmpfloat_with_epsilon (layer_value (ui->doc, layers[i], "kernel_l1"), 0.01, 1e-9);
      g_assert_cmpfloat (layer_value (ui->doc, layers[i], "kernel_l2"), ==, 0);
    }
  drop_choose (ui, "regularization", "L2");
  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      g_assert_cmpfloat (layer_value (ui->doc, layers[i], "kernel_l1"), ==, 0);
      g_assert_cmpfloat_with_epsilon (layer_value (ui->doc, layers[i], "kernel_l2"), 0.01, 1e-9);
    }
  drop_choose (ui, "regularization-rate", "0.3");
  g_assert_cmpfloat_with_epsilon (layer_value (ui->doc, "hidden_1", "kernel_l2"), 0.3, 1e-9);
  drop_choose (ui, "regularization", "None");
  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      g_assert_cmpfloat (layer_value (ui->doc, layers[i], "kernel_l1"), ==, 0);
      g_assert_cmpfloat (layer_value (ui->doc, layers[i], "kernel_l2"), ==, 0);
    }
  g_assert_false (gtk_widget_get_sensitive (ds_playground_get_control (ui->pg, "regularization-rate")));
}

/* Batch size: the model's default, and the run that Step starts uses it. */
static void
test_strip_batch_size (Ui            *ui,
                       gconstpointer  data)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (ds_playground_get_control (ui->pg, "batch-size"));
  DsTrainingRun *run;

  gtk_spin_button_set_value (spin, 17);
  ui_spin (50);
  g_assert_cmpint (nn_model_get_defaults (ds_document_get_model (ui->doc))->batch_size, ==, 17);
  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui->pg), 0);
  ui_press (ds_train_view_get_button (ui->train, "step"));
  run = ds_train_view_get_current_run (ui->train);
  g_assert_nonnull (run);
  g_assert_cmpint (ds_training_run_get_config (run)->batch_size, ==, 17);
}

static gboolean
store_spec_is (gpointer data)
{
  Ui *ui = data;
  DsDatasetStore *store = ds_document_get_dataset_store (ui->doc);

  return ui_store_ready (store)
         && g_strcmp0 (ds_dataset_store_get_spec (store), nn_model_get_dataset (ds_document_get_model (ui->doc))) == 0;
}

static NnDataset *
store_dataset (Ui *ui)
{
  g_assert_true (ui_wait_for (store_spec_is, ui, 10000));
  return ds_dataset_get (ds_dataset_store_get_dataset (ds_document_get_dataset_store (ui->doc)));
}

typedef struct
{
  Ui    *ui;
  guint  updates;
} MapFollows;

/* A map was computed since f->updates, on the points the store holds, and
 * none is pending. */
static gboolean
map_follows (gpointer data)
{
  MapFollows *f = data;
  DsPlayground *pg = f->ui->pg;

  return ds_playground_get_n_updates (pg) > f->updates && !pg->busy && !pg->dirty
         && pg->dataset == ds_dataset_store_get_dataset (ds_document_get_dataset_store (f->ui->doc));
}

/* Noise, the training share and the dataset go into the model's dataset
 * spec and the loaded points; plane and gaussians are regression sets. */
static void
test_strip_data (Ui            *ui,
                 gconstpointer  data)
{
  static const char *const sets[][2] = {
    { "Plane (regression)", "plane" }, { "Gaussians (regression)", "gaussians" }, { "Moons", "moons" },
  };
  GtkSpinButton *noise = GTK_SPIN_BUTTON (ds_playground_get_control (ui->pg, "noise"));
  GtkSpinButton *share = GTK_SPIN_BUTTON (ds_playground_get_control (ui->pg, "training-share"));
  NnModel *m = ds_document_get_model (ui->doc);
  NnDataset *ds;

  gtk_spin_button_set_value (noise, 0.35);
  ui_spin (50);
  g_assert_nonnull (strstr (nn_model_get_dataset (m), ":noise=0.35"));
  gtk_spin_button_set_value (share, 60);
  ui_spin (50);
  g_test_message ("spec %s", nn_model_get_dataset (m));
  g_assert_nonnull (strstr (nn_model_get_dataset (m), ":test=0.4"));
  ds = store_dataset (ui);
  g_assert_cmpuint (ds->n_test, ==, (size_t) floor (ds->n * 0.4 + 0.5));
  g_assert_cmpuint (ds->n_train, ==, ds->n - ds->n_test);

  for (guint i = 0; i < G_N_ELEMENTS (sets); i++)
    {
      g_autofree char *prefix = g_strdup_printf ("%s:", sets[i][1]);
      MapFollows f = { ui, ds_playground_get_n_updates (ui->pg) };

      drop_choose (ui, "dataset", sets[i][0]);
      g_test_message ("spec %s", nn_model_get_dataset (m));
      g_assert_true (g_str_has_prefix (nn_model_get_dataset (m), prefix));
      /* The strip's options stay with the new set. */
      g_assert_nonnull (strstr (nn_model_get_dataset (m), ":noise=0.35"));
      g_assert_nonnull (strstr (nn_model_get_dataset (m), ":test=0.4"));
      ds = store_dataset (ui);
      g_assert_cmpint (ds->n_classes, ==, i < 2 ? 0 : 2);
      g_assert_cmpuint (ds->n_test, ==, (size_t) floor (ds->n * 0.4 + 0.5));
      g_assert_true (ds_playground_get_available (ui->pg));
      /* A map drawn on the new set's points (the map itself may look the
       * same: an untrained model on two sets that span the same plane). */
      if (!ui_wait_for (map_follows, &f, 20000))
        g_error ("No map followed the choice of %s: caption “%s”, busy %d, dirty %d, %u maps "
                 "(%u before), the playground's points are %sthe store's", sets[i][1],
                 gtk_label_get_text (ui->pg->caption), ui->pg->busy, ui->pg->dirty,
                 ui->pg->n_updates, f.updates,
                 ui->pg->dataset == ds_dataset_store_get_dataset (ds_document_get_dataset_store (ui->doc))
                 ? "" : "not ");
    }
}

static gboolean
widget_mapped (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

/* "Open in Build View" shows the Build view of the same window. */
static void
test_open_build (Ui            *ui,
                 gconstpointer  data)
{
  GtkWidget *build = ds_window_get_view (ui->window, "build");

  g_assert_false (gtk_widget_get_mapped (build));
  ui_press (ds_playground_get_control (ui->pg, "build"));
  g_assert_true (ui_wait_for (widget_mapped, build, 5000));
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (ui->pg)));
}

/* ---- hover and stability ------------------------------------------------------ */

/* A checksum of what widget draws now. */
static char *
render_checksum (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GtkSnapshot) snap = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  g_autofree guchar *pixels = g_malloc ((size_t) w * h * 4);

  gdk_paintable_snapshot (paintable, snap, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node, NULL);
  gdk_texture_download (texture, pixels, (size_t) w * 4);
  g_object_unref (paintable);
  return g_compute_checksum_for_data (G_CHECKSUM_SHA1, pixels, (size_t) w * h * 4);
}

static void
pointer_to (GtkWidget *widget,
            double     x,
            double     y)
{
  Display *dpy = ui_xdisplay (widget);
  int rx, ry;

  ui_screen_point (widget, x, y, &rx, &ry);
  XTestFakeMotionEvent (dpy, -1, rx, ry, CurrentTime);
  XFlush (dpy);
  ui_spin (200);
}

/* Hovering a unit shows its map large in place of the decision map;
 * leaving it brings the decision map back. */
static void
test_hover_unit (Ui            *ui,
                 gconstpointer  data)
{
  GtkWidget *map = ds_playground_get_control (ui->pg, "map");
  GtkWidget *unit = ds_playground_get_unit_widget (ui->pg, 0, 2);
  g_autofree char *plain = NULL;
  g_autofree char *hovered = NULL;
  g_autofree char *other = NULL;
  g_autofree char *back = NULL;
  int hidden = -1, u = -1;

  g_assert_nonnull (unit);
  pointer_to (map, 1, 1);
  plain = render_checksum (map);
  pointer_to (unit, 20, 20);
  g_assert_true (ds_playground_get_hover (ui->pg, &hidden, &u));
  g_assert_cmpint (hidden, ==, 0);
  g_assert_cmpint (u, ==, 2);
  hovered = render_checksum (map);
  g_assert_cmpstr (hovered, !=, plain);
  /* Another unit, another picture. */
  pointer_to (ds_playground_get_unit_widget (ui->pg, 1, 0), 20, 20);
  g_assert_true (ds_playground_get_hover (ui->pg, &hidden, &u));
  g_assert_cmpint (hidden, ==, 1);
  other = render_checksum (map);
  g_assert_cmpstr (other, !=, hovered);
  pointer_to (map, 1, 1);
  g_assert_false (ds_playground_get_hover (ui->pg, &hidden, &u));
  back = render_checksum (map);
  g_assert_cmpstr (back, ==, plain);
}

typedef struct
{
  GtkWidget      *widget;
  graphene_rect_t bounds;
} Place;

static void
place_take (Place     *p,
            GtkWidget *widget,
            GtkWidget *root)
{
  p->widget = widget;
  g_assert_nonnull (widget);
  g_assert_true (gtk_widget_compute_bounds (widget, root, &p->bounds));
}

/* Several redraws while training (a map after each Step) move neither the
 * map nor the unit columns: the same widgets at the same places. */
static void
test_no_shift (Ui            *ui,
               gconstpointer  data)
{
  GtkWidget *root = GTK_WIDGET (ui->window);
  Place before[5];
  GtkWidget *step = ds_train_view_get_button (ui->train, "step");

  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui->pg), 0);
  /* The first Step starts a run: the caption and the losses change text. */
  ui_press (step);
  ui_spin (300);
  place_take (&before[0], ds_playground_get_control (ui->pg, "map"), root);
  place_take (&before[1], ds_playground_get_unit_widget (ui->pg, 0, 0), root);
  place_take (&before[2], ds_playground_get_unit_widget (ui->pg, 0, 5), root);
  place_take (&before[3], ds_playground_get_unit_widget (ui->pg, 1, 0), root);
  place_take (&before[4], ds_playground_get_unit_widget (ui->pg, 1, 5), root);
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *sum = ds_playground_dup_map_checksum (ui->pg);
      MapWait w = { ui->pg, sum };

      ui_press (step);
      g_assert_true (ui_wait_for (map_changed, &w, 10000));
      ui_spin (100);
      for (guint i = 0; i < G_N_ELEMENTS (before); i++)
        {
          Place now;

          place_take (&now, before[i].widget, root);
          g_assert_true (i == 0 || now.widget == ds_playground_get_unit_widget (ui->pg, i < 3 ? 0 : 1,
                                                                                 i % 2 ? 0 : 5));
          g_assert_cmpfloat (now.bounds.origin.x, ==, before[i].bounds.origin.x);
          g_assert_cmpfloat (now.bounds.origin.y, ==, before[i].bounds.origin.y);
          g_assert_cmpfloat (now.bounds.size.width, ==, before[i].bounds.size.width);
          g_assert_cmpfloat (now.bounds.size.height, ==, before[i].bounds.size.height);
        }
    }
  g_test_message ("map at %.0f,%.0f %.0fx%.0f after 4 redraws", before[0].bounds.origin.x,
                  before[0].bounds.origin.y, before[0].bounds.size.width, before[0].bounds.size.height);
}

/* ---- the loss surface --------------------------------------------------------- */

static double
train_loss (NnModel   *m,
            NnDataset *ds)
{
  NnScores s = { 0 };
  double v;

  g_assert_true (nn_model_evaluate (m, ds, ds->train_idx, ds->n_train, 256, &s, NULL));
  v = nn_scores_get (&s, "loss", NULL);
  nn_scores_clear (&s);
  return v;
}

/* A linear regression on plane without noise: the loss is lowest (zero)
 * at kernel (0.5, 0.5). The surface around (0.2, 0.9) matches the loss
 * evaluated point by point, its centre is the model's loss to 1e-5 and
 * its lowest cell is the grid point nearest (0.5, 0.5); the gradient that
 * picks the default weights matches central differences. */
static void
test_surface_plane (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_model_new ("plane_linear");
  g_autoptr(DsDataset) dataset = ds_dataset_new_take (nn_dataset_open ("plane:noise=0:n=300", NULL, &error));
  NnDataset *ds = ds_dataset_get (dataset);
  int input = nn_model_add_layer (m, "Input", "points", NULL);
  int dense = nn_model_add_layer (m, "Dense", "value", NULL);
  NnWeightRef w[2] = { { dense, 0, 0 }, { dense, 0, 1 } };
  NnTensor kernel, bias;
  DsSurfaceJob *job;
  double step[2], best = INFINITY, centre;
  int best_cell = -1, r, k;
  float grad[2];

  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (m, input, "shape", "2", NULL));
  g_assert_true (nn_model_layer_set_param (m, dense, "units", "1", NULL));
  g_assert_true (nn_model_layer_set_param (m, dense, "activation", "linear", NULL));
  g_assert_true (nn_model_connect (m, (NnRef) { input, 0 }, dense, 0, NULL));
  nn_model_add_output (m, (NnRef) { dense, 0 }, NN_LOSS_MSE, 1, NULL, 0);
  g_assert_true (nn_model_infer (m, NULL));
  g_assert_true (nn_model_init_weights (m, 1, NULL));
  nn_model_layer_get_weight (m, dense, 0, &kernel);
  nn_model_layer_get_weight (m, dense, 1, &bias);
  kernel.data[0] = 0.2f;
  kernel.data[1] = 0.9f;
  bias.data[0] = 0;
  centre = train_loss (m, ds);

  /* The gradient: d/dw mean (w.x - y)^2, against central differences. */
  g_assert_true (nn_model_weight_gradient (m, ds, ds->train_idx, ds->n_train, dense, 0, grad, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 2; i++)
    {
      float keep = kernel.data[i];
      double up, down;

      kernel.data[i] = keep + 1e-3f;
      up = train_loss (m, ds);
      kernel.data[i] = keep - 1e-3f;
      down = train_loss (m, ds);
      kernel.data[i] = keep;
      g_test_message ("gradient %d: %.5f, central differences %.5f", i, grad[i], (up - down) / 2e-3);
      g_assert_cmpfloat_with_epsilon (grad[i], (up - down) / 2e-3, 2e-3);
    }

  job = ds_surface_job_new (m, dataset, w, &error);
  g_assert_no_error (error);
  g_assert_true (ds_surface_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("centre %.6f (evaluated %.6f), range %.4f to %.4f", job->centre, centre, job->lo, job->hi);
  g_assert_cmpfloat_with_epsilon (job->centre, centre, 1e-5);
  g_assert_cmpfloat_with_epsilon (job->value[0], 0.2, 1e-6);
  g_assert_cmpfloat_with_epsilon (job->value[1], 0.9, 1e-6);
  /* Every cell is the loss evaluated with the two weights set there. */
  for (int i = 0; i < 2; i++)
    step[i] = 2 * job->span[i] / (DS_SURFACE_RES - 1);
  for (r = 0; r < DS_SURFACE_RES; r++)
    for (k = 0; k < DS_SURFACE_RES; k++)
      {
        double v;

        kernel.data[0] = (float) (0.2f + job->span[0] * (2.0 * k / (DS_SURFACE_RES - 1) - 1));
        kernel.data[1] = (float) (0.9f + job->span[1] * (1 - 2.0 * r / (DS_SURFACE_RES - 1)));
        v = train_loss (m, ds);
        g_assert_cmpfloat_with_epsilon (job->loss[r * DS_SURFACE_RES + k], v, 1e-5 * MAX (1, v));
        if (v < best)
          {
            best = v;
            best_cell = r * DS_SURFACE_RES + k;
          }
      }
  g_assert_cmpint (job->min_cell, ==, best_cell);
  r = job->min_cell / DS_SURFACE_RES;
  k = job->min_cell % DS_SURFACE_RES;
  g_test_message ("lowest %.6f at w = (%.3f, %.3f)", job->lo,
                  0.2 + job->span[0] * (2.0 * k / (DS_SURFACE_RES - 1) - 1),
                  0.9 + job->span[1] * (1 - 2.0 * r / (DS_SURFACE_RES - 1)));
  g_assert_cmpfloat (fabs (0.2 + job->span[0] * (2.0 * k / (DS_SURFACE_RES - 1) - 1) - 0.5), <=, step[0] / 2 + 1e-6);
  g_assert_cmpfloat (fabs (0.9 + job->span[1] * (1 - 2.0 * r / (DS_SURFACE_RES - 1)) - 0.5), <=, step[1] / 2 + 1e-6);
  g_assert_cmpfloat (job->lo, <, job->centre);
  ds_surface_job_free (job);

  /* Without a choice: the two kernel weights, by gradient. */
  kernel.data[0] = 0.2f;
  kernel.data[1] = 0.9f;
  job = ds_surface_job_new (m, dataset, NULL, &error);
  g_assert_true (ds_surface_job_run (job, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (job->w[0].layer, ==, dense);
  g_assert_cmpuint (job->w[0].index, ==, 0);
  g_assert_cmpuint (job->w[1].index, ==, 1);
  ds_surface_job_free (job);

  /* The same weight twice is refused in words. */
  w[1].index = 0;
  job = ds_surface_job_new (m, dataset, w, &error);
  g_assert_false (ds_surface_job_run (job, NULL, &error));
  g_assert_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG);
  g_test_message ("%s", error->message);
  ds_surface_job_free (job);
}

static gboolean
has_surface (gpointer data)
{
  Ui *ui = data;

  return ds_playground_get_n_surfaces (ui->pg) > 0;
}

/* The playground shows the loss surface of the model it maps: its centre
 * is the training loss shown beside the map; at the slowest speed a Step
 * brings a new one. */
static void
test_surface_shown (Ui            *ui,
                    gconstpointer  data)
{
  const DsSurfaceJob *job;
  guint n;

  g_assert_true (ui_wait_for (has_surface, ui, 60000));
  job = ds_playground_get_surface (ui->pg);
  g_test_message ("surface centre %.6f, map's training loss %.6f", job->centre,
                  ds_playground_get_loss (ui->pg, FALSE));
  g_assert_cmpfloat_with_epsilon (job->centre, ds_playground_get_loss (ui->pg, FALSE), 1e-5);
  g_assert_cmpstr (nn_model_layer_get_name (job->model, job->w[0].layer), ==, "hidden_1");
  n = ds_playground_get_n_surfaces (ui->pg);
  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui->pg), 0);
  ui_press (ds_train_view_get_button (ui->train, "step"));
  ui_spin (200);
  g_assert_true (ui_wait_for (has_surface, ui, 1));
  {
    gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

    while (ds_playground_get_n_surfaces (ui->pg) <= n && g_get_monotonic_time () < end)
      g_main_context_iteration (NULL, TRUE);
  }
  g_assert_cmpuint (ds_playground_get_n_surfaces (ui->pg), >, n);
}


/* ---- picking the surface's weights, feature maps ---------------------------- */

static gboolean
edges_drawn (gpointer data)
{
  double x, y;

  return ds_playground_get_edge_point (data, 0, 1, 0, 0.35, &x, &y);
}

static gboolean
surfaces_past (gpointer data)
{
  gpointer *d = data;

  return ds_playground_get_n_surfaces (d[0]) > GPOINTER_TO_UINT (d[1]);
}

/* Waits for a loss surface newer than the n-th, computed from scratch. */
static void
wait_surface_after (Ui    *ui,
                    guint  n)
{
  gpointer d[2] = { ui->pg, GUINT_TO_POINTER (n) };

  g_assert_true (ui_wait_for (surfaces_past, d, 60000));
}

/* The pixel (x, y) of what widget draws, as 0xRRGGBB. */
static guint32
render_pixel (GtkWidget *widget,
              int        x,
              int        y)
{
  GdkPaintable *paintable;
  g_autoptr(GtkSnapshot) snap = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int w, h;
  g_autofree guint32 *pixels = NULL;

  /* Drawn after the last size change. */
  ui_spin (300);
  paintable = gtk_widget_paintable_new (widget);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  pixels = g_new (guint32, (size_t) w * h);

  gdk_paintable_snapshot (paintable, snap, w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)), node, NULL);
  /* GDK_MEMORY_DEFAULT: B, G, R, A bytes, one 32-bit word per pixel. */
  gdk_texture_download (texture, (guchar *) pixels, (size_t) w * 4);
  g_object_unref (paintable);
  return pixels[(size_t) y * w + x] & 0xffffff;
}

/* Clicks an edge of the diagram where it runs farthest from every other
 * edge of its layer (the edges cross: a click on a crossing is ambiguous). */
static void
click_edge (Ui    *ui,
            guint  hidden,
            int    in,
            int    unit)
{
  GtkWidget *edges = ds_playground_get_control (ui->pg, "edges");
  /* The units near the top: the ones the clicks are for, on screen. */
  int units = MIN (units_of (ui->doc, "hidden_1"), 12);
  double best = -1, bx = 0, by = 0;

  for (double t = 0.2; t <= 0.81; t += 0.1)
    {
      double x, y, clear = G_MAXDOUBLE;

      g_assert_true (ds_playground_get_edge_point (ui->pg, hidden, in, unit, t, &x, &y));
      for (int a = 0; a < 2; a++)
        for (int b = 0; b < units; b++)
          for (int k = 0; k <= 32 && (a != in || b != unit); k++)
            {
              double ox, oy;

              if (ds_playground_get_edge_point (ui->pg, hidden, a, b, k / 32.0, &ox, &oy))
                clear = MIN (clear, hypot (ox - x, oy - y));
            }
      if (clear > best)
        best = clear, bx = x, by = y;
    }
  g_test_message ("edge %u: %d → %d at (%.1f, %.1f), %.1f px from the others", hidden, in, unit, bx, by, best);
  g_assert_cmpfloat (best, >, 2.5);
  ui_xtest_click (edges, bx, by);
}

/* A first click on an edge picks weight A and highlights it, a second
 * weight B, and the loss surface follows those two; "Largest gradient"
 * goes back to the default pair. */
static void
test_surface_pick_edges (Ui            *ui,
                         gconstpointer  data)
{
  GtkWidget *edges = ds_playground_get_control (ui->pg, "edges");
  GtkWidget *gradient = ds_playground_get_control (ui->pg, "largest-gradient");
  int units = units_of (ui->doc, "hidden_1");
  const DsSurfaceJob *job;
  guint32 plain, one;
  NnWeightRef w[2];
  double x, y;
  guint n;

  g_assert_nonnull (gradient);
  g_assert_cmpint (units, >=, 3);
  g_assert_true (ui_wait_for (has_surface, ui, 60000));
  job = ds_playground_get_surface (ui->pg);
  g_assert_false (job->chosen);
  g_assert_false (gtk_widget_get_sensitive (gradient));
  g_assert_true (ui_wait_for (edges_drawn, ui->pg, 5000));
  n = ds_playground_get_n_surfaces (ui->pg);
  /* A picked edge carries its letter in a disc at its middle: a pixel of
   * the disc, above the letter. */
  g_assert_true (ds_playground_get_edge_point (ui->pg, 0, 0, 2, 0.5, &x, &y));
  plain = render_pixel (edges, (int) x, (int) y - 6);

  /* A: x1 → unit 3 of hidden_1; highlighted, the surface not yet moved. */
  click_edge (ui, 0, 0, 2);
  g_assert_cmpint (ds_playground_get_picked (ui->pg, w), ==, 1);
  g_assert_cmpuint (w[0].index, ==, 0 * units + 2);
  g_assert_cmpint (w[0].var, ==, 0);
  one = render_pixel (edges, (int) x, (int) y - 6);
  g_test_message ("the middle of edge A: %06x before, %06x picked", plain, one);
  g_assert_cmpuint (one, !=, plain);
  /* The text colour, dark in the light theme. */
  g_assert_cmpuint (((one >> 16) & 0xff) + ((one >> 8) & 0xff) + (one & 0xff), <, 200);
  g_assert_true (gtk_widget_get_sensitive (gradient));

  /* B: x2 → unit 1: the surface is recomputed along A and B. */
  click_edge (ui, 0, 1, 0);
  g_assert_cmpint (ds_playground_get_picked (ui->pg, w), ==, 2);
  g_assert_cmpuint (w[1].index, ==, 1 * units + 0);
  wait_surface_after (ui, n);
  job = ds_playground_get_surface (ui->pg);
  while (!job->chosen)
    {
      /* One started before the second click may end first. */
      n = ds_playground_get_n_surfaces (ui->pg);
      wait_surface_after (ui, n);
      job = ds_playground_get_surface (ui->pg);
    }
  g_assert_cmpstr (nn_model_layer_get_name (job->model, job->w[0].layer), ==, "hidden_1");
  g_assert_cmpuint (job->w[0].index, ==, 2);
  g_assert_cmpuint (job->w[1].index, ==, (guint) units);
  g_test_message ("surface along A and B: loss %.4f at the centre, %.4f lowest", job->centre, job->lo);

  /* Back to the largest gradient. */
  n = ds_playground_get_n_surfaces (ui->pg);
  ui_press (gradient);
  g_assert_cmpint (ds_playground_get_picked (ui->pg, w), ==, 0);
  wait_surface_after (ui, n);
  job = ds_playground_get_surface (ui->pg);
  g_assert_false (job->chosen);
  g_assert_false (gtk_widget_get_sensitive (gradient));
}

static gboolean
is_orange (guint32 px)
{
  return (int) (px >> 16) - (int) (px & 0xff) > 20;
}

static gboolean
is_blue (guint32 px)
{
  return (int) (px & 0xff) - (int) (px >> 16) > 20;
}

/* Beside each feature's toggle a small map of its value over the plane,
 * orange above zero and blue below as the unit maps: x1 rises to the
 * right, x2 upwards, x1² is high at both sides and low in the middle. */
static void
test_feature_maps (Ui            *ui,
                   gconstpointer  data)
{
  GtkWidget *x1 = ds_playground_get_feature_map (ui->pg, NN_FEATURE_X1);
  GtkWidget *x2 = ds_playground_get_feature_map (ui->pg, NN_FEATURE_X2);
  GtkWidget *sq = ds_playground_get_feature_map (ui->pg, NN_FEATURE_X1_SQ);
  int w, h;

  g_assert_nonnull (x1);
  g_assert_true (ui_wait_for (ui_widget_allocated, x1, 5000));
  w = gtk_widget_get_width (x1);
  h = gtk_widget_get_height (x1);
  g_assert_cmpint (w, >=, 24);
  /* Beside its toggle, on the same row. */
  {
    graphene_rect_t a, b;

    g_assert_true (gtk_widget_compute_bounds (x1, GTK_WIDGET (ui->window), &a));
    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (ds_playground_get_feature_button (ui->pg, NN_FEATURE_X1)),
                                              GTK_WIDGET (ui->window), &b));
    g_assert_cmpfloat (fabs ((a.origin.y + a.size.height / 2) - (b.origin.y + b.size.height / 2)), <, 4);
  }
  g_test_message ("x1 map: left %06x, right %06x", render_pixel (x1, 4, h / 2), render_pixel (x1, w - 5, h / 2));
  g_assert_true (is_blue (render_pixel (x1, 4, h / 2)));
  g_assert_true (is_orange (render_pixel (x1, w - 5, h / 2)));
  g_assert_true (is_orange (render_pixel (x2, w / 2, 4)));
  g_assert_true (is_blue (render_pixel (x2, w / 2, h - 5)));
  g_assert_true (is_orange (render_pixel (sq, 4, h / 2)));
  g_assert_true (is_orange (render_pixel (sq, w - 5, h / 2)));
  g_assert_false (is_orange (render_pixel (sq, w / 2, h / 2)));
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
    ui_press (GTK_WIDGET (ds_playground_get_feature_button (ui.pg, on[i])));
  g_assert_true (ui_wait_for (ui_store_ready, ds_document_get_dataset_store (ui.doc), 10000));
  ui_press (ds_train_view_get_button (ui.train, "start"));
  g_assert_true (ui_wait_for (ui_run_ended, ds_train_view_get_current_run (ui.train), 120000));
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
  g_test_add ("/ui/playground/units-plural", Ui, NULL, ui_setup, test_units_plural, ui_teardown);
  g_test_add ("/ui/playground/strip-activation", Ui, NULL, ui_setup, test_strip_activation, ui_teardown);
  g_test_add ("/ui/playground/strip-learning-rate", Ui, NULL, ui_setup, test_strip_learning_rate, ui_teardown);
  g_test_add ("/ui/playground/strip-regularization", Ui, NULL, ui_setup, test_strip_regularization, ui_teardown);
  g_test_add ("/ui/playground/strip-batch-size", Ui, NULL, ui_setup, test_strip_batch_size, ui_teardown);
  g_test_add ("/ui/playground/strip-data", Ui, NULL, ui_setup, test_strip_data, ui_teardown);
  g_test_add ("/ui/playground/open-build", Ui, NULL, ui_setup, test_open_build, ui_teardown);
  g_test_add ("/ui/playground/hover-unit", Ui, NULL, ui_setup, test_hover_unit, ui_teardown);
  g_test_add_func ("/ui/playground/surface-plane", test_surface_plane);
  g_test_add ("/ui/playground/surface-shown", Ui, NULL, ui_setup, test_surface_shown, ui_teardown);
  g_test_add ("/ui/playground/no-shift", Ui, NULL, ui_setup, test_no_shift, ui_teardown);
  g_test_add ("/ui/playground/surface-pick-edges", Ui, NULL, ui_setup, test_surface_pick_edges, ui_teardown);
  g_test_add ("/ui/playground/feature-maps", Ui, NULL, ui_setup, test_feature_maps, ui_teardown);
  return g_test_run ();
}
