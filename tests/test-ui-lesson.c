/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Lessons in the window: the library lists every lesson file; a lesson
 * opens its model and the side panel; steps tick as the document and the
 * view change; "Show me" finds every control the shipped lessons name. */
#include <glib/gstdio.h>
#include <string.h>

#include "ds-build-view-private.h"
#include "ds-palette-private.h"
#include "ds-properties-private.h"
#include "ds-train-view.h"
#include "ds-graph-canvas.h"
#include "ds-lesson-library.h"
#include "ds-lesson-panel.h"
#include "ds-window-private.h"
#include "ds-playground-private.h"
#include "ds-inspect-view-private.h"
#include "ds-generate-view-private.h"
#include "ui-test-util.h"

static DsWindow *
new_window (void)
{
  DsWindow *window = ds_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, window, 5000));
  return window;
}

/* A lesson on the binary sample whose first steps the test performs: the
 * Data view, a Dropout after dense_1, then a step the person ticks. */
static const char lesson_text[] =
  "{ \"format\": \"deepscope-lesson\", \"title\": \"Test\", \"chapter\": \"0\",\n"
  "  \"model\": \"MODEL\",\n"
  "  \"steps\": [\n"
  "    { \"do\": \"Look at the data\", \"check\": { \"view\": \"data\" } },\n"
  "    { \"do\": \"Add Dropout\", \"show_me\": \"build:palette\",\n"
  "      \"check\": { \"model_has_layer\": { \"type\": \"Dropout\", \"after\": \"dense_1\" } } },\n"
  "    { \"do\": \"Think\" }\n"
  "  ] }\n";

static void
insert_dropout (DsDocument *doc)
{
  NnModel *m = ds_document_get_model (doc);
  int dense_1 = nn_model_find_layer (m, "dense_1");
  int dense_2 = nn_model_find_layer (m, "dense_2");
  int dropout = nn_model_add_layer (m, "Dropout", NULL, NULL);

  g_assert_cmpint (dropout, >=, 0);
  nn_model_disconnect (m, dense_2, 0, 0);
  g_assert_true (nn_model_connect (m, (NnRef) { dense_1, 0, 0 }, dropout, 0, NULL));
  g_assert_true (nn_model_connect (m, (NnRef) { dropout, 0, 0 }, dense_2, 0, NULL));
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Add Dropout", NULL);
}

static void
test_steps_tick (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ui-lesson-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "test.json", NULL);
  g_autofree char *model = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_binary.json",
                                             NULL);
  g_autoptr(GString) text = g_string_new (lesson_text);
  DsWindow *window = new_window ();
  DsLessonPanel *panel;
  GtkWidget *palette;

  g_string_replace (text, "MODEL", model, 0);
  g_assert_true (g_file_set_contents (path, text->str, -1, NULL));
  g_assert_null (ds_window_get_lesson_panel (window));
  g_assert_true (ds_window_open_lesson (window, path) == window);
  panel = DS_LESSON_PANEL (ds_window_get_lesson_panel (window));
  g_assert_nonnull (panel);
  g_assert_cmpint (nn_model_get_n_layers (ds_document_get_model (ds_window_get_document (window))),
                   ==, 5);
  g_assert_false (ds_lesson_panel_get_step_done (panel, 0));
  g_assert_false (ds_lesson_panel_get_step_done (panel, 1));

  /* Step 1: the Data view. */
  ds_window_set_visible_view (window, "data");
  ui_spin (50);
  g_assert_true (ds_lesson_panel_get_step_done (panel, 0));
  g_assert_false (ds_lesson_panel_get_step_done (panel, 1));

  /* Step 2: "Show me" opens the Build view on the palette; the Dropout
   * edit ticks the step; a tick stays when the view changes back. */
  palette = ds_window_show_me (window, "build:palette");
  g_assert_nonnull (palette);
  g_assert_true (gtk_widget_has_css_class (palette, "lesson-highlight"));
  ui_spin (50);
  g_assert_true (gtk_widget_get_mapped (ds_window_get_view (window, "build")));
  g_assert_false (gtk_widget_get_mapped (ds_window_get_view (window, "data")));
  insert_dropout (ds_window_get_document (window));
  g_assert_true (ds_lesson_panel_get_step_done (panel, 1));
  g_assert_true (ds_lesson_panel_get_step_done (panel, 0));
  g_assert_false (ds_lesson_panel_get_step_done (panel, 2));

  /* A target that does not exist: a toast, no crash. */
  g_assert_null (ds_window_show_me (window, "build:no_such_control"));
  g_assert_nonnull (ds_window_get_last_toast (window));

  g_unlink (path);
  g_rmdir (dir);
  ds_window_close_discarding (window);
  ui_spin (50);
}

/* The library lists every shipped lesson with no errors; each opens, and
 * every "Show me" target it names exists. */
static void
test_library_and_targets (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons", NULL);
  DsWindow *window = new_window ();
  GtkWidget *library = g_object_ref (ds_window_show_lessons (window));
  guint n = ds_lesson_library_get_n_lessons (DS_LESSON_LIBRARY (library));

  g_assert_cmpuint (ds_lesson_library_get_n_errors (DS_LESSON_LIBRARY (library)), ==, 0);
  g_assert_cmpuint (n, ==, ui_count_files (dir, ".json"));
  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *path = g_strdup (ds_lesson_library_get_path (DS_LESSON_LIBRARY (library), i));
      DsWindow *target;
      DsLesson *lesson;

      g_test_message ("lesson %s", path);
      target = ds_window_open_lesson (window, path);
      g_assert_true (target == window);
      lesson = ds_lesson_panel_get_lesson (DS_LESSON_PANEL (ds_window_get_lesson_panel (window)));
      g_assert_cmpstr (ds_lesson_get_path (lesson), ==, path);
      for (guint s = 0; s < ds_lesson_get_n_steps (lesson); s++)
        if (ds_lesson_get_step (lesson, s)->show_me)
          g_assert_nonnull (ds_window_show_me (window, ds_lesson_get_step (lesson, s)->show_me));
      ui_spin (20);
    }
  /* Activating a row opens its lesson and closes the library. */
  ds_lesson_library_activate (DS_LESSON_LIBRARY (library), 0);
  ui_spin (50);
  g_assert_false (gtk_widget_get_visible (library));
  g_object_unref (library);
  ds_window_close_discarding (window);
  ui_spin (50);
}

/* The first widget under root named name, or NULL. */
static GtkWidget *
find_named (GtkWidget  *root,
            const char *name)
{
  if (g_strcmp0 (gtk_widget_get_name (root), name) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_named (c, name);

      if (found)
        return found;
    }
  return NULL;
}

/* Some AdwPreferencesGroup under root has a description containing text
 * (libadwaita returns the text shown, markup parsed). */
static gboolean
has_group_describing (GtkWidget  *root,
                      const char *text)
{
  if (ADW_IS_PREFERENCES_GROUP (root)
      && adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (root))
      && strstr (adw_preferences_group_get_description (ADW_PREFERENCES_GROUP (root)), text))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (has_group_describing (c, text))
      return TRUE;
  return FALSE;
}

/* The palette's tooltip and the properties panel show the help table's
 * formulas: the layer's, and its activation's. */
static void
test_formulas_in_build (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_mlp.json",
                                             NULL);
  g_autoptr(GFile) file = g_file_new_for_path (model);
  DsWindow *window = new_window ();
  GtkWidget *view = ds_window_get_view (window, "build");
  GtkWidget *row = find_named (view, "Dense");
  DsGraphCanvas *canvas;
  NnModel *m;

  g_assert_nonnull (row);
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (row), "y = f(W·x + b)"));
  g_assert_true (ds_window_load (window, file, NULL));
  m = ds_document_get_model (ds_window_get_document (window));
  canvas = ds_build_view_get_canvas (DS_BUILD_VIEW (view));
  g_assert_false (has_group_describing (view, "y = f(W·x + b)"));
  ds_graph_canvas_select_layer (canvas, nn_model_find_layer (m, "hidden"), FALSE);
  ui_spin (50);
  g_assert_true (has_group_describing (view, "y = f(W·x + b)"));
  g_assert_true (has_group_describing (view, "relu: f(x) = max(0, x)"));
  ds_graph_canvas_select_layer (canvas, nn_model_find_layer (m, "flatten"), FALSE);
  ui_spin (50);
  g_assert_false (has_group_describing (view, "y = f(W·x + b)"));
  g_assert_true (has_group_describing (view, "(B, d₁, …, dₙ) → (B, d₁·…·dₙ)"));

  /* A formula with "<" in it, escaped: the description is markup. */
  {
    g_autofree char *convnet = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"),
                                                 "fashion_convnet.json", NULL);
    g_autoptr(GFile) file2 = g_file_new_for_path (convnet);

    g_assert_true (ds_window_load (window, file2, NULL));
    m = ds_document_get_model (ds_window_get_document (window));
    ds_graph_canvas_select_layer (canvas, nn_model_find_layer (m, "pool1"), FALSE);
    ui_spin (50);
    g_assert_true (has_group_describing (view, "max_{u,v < p}"));
  }
  ds_window_close_discarding (window);
  ui_spin (50);
}

/* A row of the Train view's settings (the one holding control). */
static GtkWidget *
settings_row (DsWindow   *window,
              const char *control)
{
  GtkWidget *w = ds_window_show_me (window, control);

  g_assert_nonnull (w);
  return ADW_IS_PREFERENCES_ROW (w) ? w : gtk_widget_get_ancestor (w, ADW_TYPE_ACTION_ROW);
}

/* The overfitting lesson's lock: the palette offers Dense and Dropout only,
 * the optimizer is RMSprop and locked with the learning rate and batch
 * size (insensitive, a tooltip saying why); closing the lesson releases
 * everything. */
static void
test_lock (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons",
                                            "04-1-overfitting-dropout.json", NULL);
  DsWindow *window = new_window ();
  DsPalette *palette = ds_build_view_get_palette (DS_BUILD_VIEW (ds_window_get_view (window,
                                                                                     "build")));
  DsTrainView *train = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  guint all = ds_palette_get_n_visible (palette);
  GtkWidget *optimizer, *lr, *epochs, *pg_lr;

  g_assert_cmpuint (all, >, 30);
  g_assert_true (ds_window_open_lesson (window, path) == window);
  ui_spin (50);
  g_assert_cmpuint (ds_palette_get_n_visible (palette), ==, 2);
  g_assert_true (ds_palette_is_limited (palette));
  g_assert_cmpint (nn_model_get_optimizer (ds_document_get_model (ds_window_get_document (window)))
                   ->kind, ==, NN_OPT_RMSPROP);
  optimizer = settings_row (window, "train:optimizer_row");
  lr = settings_row (window, "train:lr_spin");
  epochs = settings_row (window, "train:epochs_spin");
  g_assert_false (gtk_widget_get_sensitive (optimizer));
  g_assert_false (gtk_widget_get_sensitive (lr));
  g_assert_true (gtk_widget_get_sensitive (epochs));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (optimizer), "lesson fixed"));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (lr), "lesson fixed"));
  g_assert_true (ds_train_view_is_locked (train, "batch_size"));
  g_assert_false (ds_train_view_is_locked (train, "epochs"));
  /* The Playground's own learning rate and batch size too. */
  pg_lr = ds_playground_get_control (DS_PLAYGROUND (ds_window_show_me (window, "train:playground")),
                                     "learning-rate");
  g_assert_false (gtk_widget_get_sensitive (pg_lr));
  g_assert_true (gtk_widget_get_sensitive (ds_playground_get_control (
    DS_PLAYGROUND (ds_window_show_me (window, "train:playground")), "activation")));

  /* The lock holds while the document changes (help texts are set again). */
  ds_document_commit (ds_window_get_document (window), DS_CHANGE_PARAMS, "Touch", NULL);
  ui_spin (50);
  g_assert_false (gtk_widget_get_sensitive (optimizer));
  g_assert_nonnull (strstr (gtk_widget_get_tooltip_text (optimizer), "lesson fixed"));

  g_signal_emit_by_name (ds_window_get_lesson_panel (window), "close");
  ui_spin (50);
  g_assert_null (ds_window_get_lesson_panel (window));
  g_assert_cmpuint (ds_palette_get_n_visible (palette), ==, all);
  g_assert_false (ds_palette_is_limited (palette));
  g_assert_true (gtk_widget_get_sensitive (optimizer));
  g_assert_true (gtk_widget_get_sensitive (lr));
  g_assert_null (gtk_widget_get_tooltip_text (lr));
  g_assert_null (strstr (gtk_widget_get_tooltip_text (optimizer), "lesson fixed"));
  g_assert_false (ds_train_view_is_locked (train, "batch_size"));
  g_assert_true (gtk_widget_get_sensitive (pg_lr));
  ds_window_close_discarding (window);
  ui_spin (50);
}

/* The Data view's Iterated K-fold spin (what the protocols lesson points
 * at) writes the model's kfold_iterations, and shows it back. */
static void
test_iterated_kfold (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons",
                                            "04-2-evaluation-protocols.json", NULL);
  DsWindow *window = new_window ();
  GtkWidget *spin;
  NnModel *m;

  g_assert_true (ds_window_open_lesson (window, path) == window);
  m = ds_document_get_model (ds_window_get_document (window));
  spin = ds_window_show_me (window, "data:kfold_iterations_spin");
  g_assert_nonnull (spin);
  ui_spin (50);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 3);
  ui_spin (50);
  g_assert_cmpint (nn_model_get_defaults (m)->kfold_iterations, ==, 3);
  nn_model_get_defaults (m)->kfold_iterations = 2;
  ds_document_commit (ds_window_get_document (window), DS_CHANGE_PARAMS, "Iterations", NULL);
  ui_spin (50);
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (spin)), ==, 2);
  ds_window_close_discarding (window);
  ui_spin (50);
}

/* Export as Lesson: the file a teacher hands out opens as a lesson on the
 * same model and dataset, its first step on the view shown. */
static void
test_export_lesson (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ui-lesson-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "handout.json", NULL);
  g_autofree char *model_path = g_build_filename (dir, "handout.model.json", NULL);
  g_autofree char *sample = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_binary.json",
                                              NULL);
  g_autoptr(GFile) file = g_file_new_for_path (sample);
  g_autoptr(GError) error = NULL;
  DsWindow *window = new_window ();
  NnModel *m;
  g_autoptr(NnModel) before = NULL;
  g_autofree char *dataset = NULL;
  DsWindow *target;
  DsLesson *lesson;

  g_assert_true (ds_window_load (window, file, NULL));
  m = ds_document_get_model (ds_window_get_document (window));
  nn_model_set_dataset (m, "fashion-mnist:classes=5,7:limit=800");
  ds_document_commit (ds_window_get_document (window), DS_CHANGE_STRUCTURE, "Dataset", NULL);
  before = nn_model_copy (m);
  dataset = g_strdup (nn_model_get_dataset (m));
  ds_window_set_visible_view (window, "train");
  g_assert_true (ds_window_export_lesson_to (window, path, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (ds_window_get_last_toast (window), "handout.json"));

  /* The edited document stays: the lesson opens in a new window. */
  target = ds_window_open_lesson (window, path);
  g_assert_nonnull (target);
  lesson = ds_lesson_panel_get_lesson (DS_LESSON_PANEL (ds_window_get_lesson_panel (target)));
  g_assert_cmpstr (ds_lesson_get_model_path (lesson), ==, model_path);
  g_assert_cmpstr (ds_lesson_get_step (lesson, 0)->check->name, ==, "train");
  m = ds_document_get_model (ds_window_get_document (target));
  g_assert_cmpstr (nn_model_get_dataset (m), ==, dataset);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, nn_model_get_n_layers (before));
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    {
      g_assert_cmpstr (nn_model_layer_get_name (m, i), ==, nn_model_layer_get_name (before, i));
      g_assert_true (nn_model_layer_get_type (m, i) == nn_model_layer_get_type (before, i));
    }
  g_assert_cmpint (nn_model_count_params (m, NULL, NULL), ==,
                   nn_model_count_params (before, NULL, NULL));
  /* The opened lesson's first step: the Build view is shown, not Train. */
  g_assert_false (ds_lesson_panel_get_step_done (DS_LESSON_PANEL (ds_window_get_lesson_panel (target)),
                                                 0));

  if (target != window)
    ds_window_close_discarding (target);
  ds_window_close_discarding (window);
  ui_spin (50);
  g_unlink (path);
  g_unlink (model_path);
  g_rmdir (dir);
}

/* ---- walking whole lessons (slow) ------------------------------------------ */

/* Inserts a layer of type after layer `after`: what after fed, the new
 * layer feeds. */
static void
perform_insert (DsDocument *doc,
                const char *type,
                const char *after)
{
  NnModel *m = ds_document_get_model (doc);
  int a = nn_model_find_layer (m, after);
  int n = nn_model_get_n_layers (m);
  int added = nn_model_add_layer (m, type, NULL, NULL);

  g_assert_cmpint (added, >=, 0);
  for (int i = 0; i < n; i++)
    if (i != a && nn_model_layer_get_n_calls (m, i) > 0 && nn_model_call_get_n_inputs (m, i, 0) > 0
        && nn_model_call_get_input (m, i, 0, 0).layer == a)
      {
        nn_model_disconnect (m, i, 0, 0);
        g_assert_true (nn_model_connect (m, (NnRef) { added, 0, 0 }, i, 0, NULL));
      }
  g_assert_true (nn_model_connect (m, (NnRef) { a, 0, 0 }, added, 0, NULL));
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Insert", NULL);
}

static gboolean
no_live_run (gpointer data)
{
  GListModel *runs = ds_document_get_runs (data);

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);

      if (ds_training_run_is_live (run))
        return FALSE;
    }
  return TRUE;
}

typedef struct { DsLessonPanel *panel; guint step; } StepWait;

static gboolean
step_done (gpointer data)
{
  StepWait *w = data;

  return ds_lesson_panel_get_step_done (w->panel, w->step);
}

/* Starts a run with the Train button (after the one before has ended);
 * when the step points at the epochs ("set Epochs to N"), N is the
 * check's count. */
static void
perform_train (DsWindow           *window,
               const DsLessonStep *step)
{
  const DsLessonCheck *check = step->check;
  GtkWidget *start;

  g_assert_true (ui_wait_for (no_live_run, ds_window_get_document (window), 120000));
  /* "turn on Continue from current weights": keep weights loaded before */
  if (strstr (step->todo, "Continue from current weights"))
    gtk_switch_set_active (GTK_SWITCH (ds_window_show_me (window, "train:keep_switch")), TRUE);
  if (check->kind == DS_CHECK_RUN_EPOCHS && g_strcmp0 (step->show_me, "train:epochs_spin") == 0)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (ds_window_show_me (window, "train:epochs_spin")),
                               check->at_least);
  start = ds_window_show_me (window, "train:start_button");
  g_assert_nonnull (start);
  gtk_widget_activate (start);
}

/* Sets a training setting to the bound a train_setting check names, as
 * the Data view's K-fold spin or the Train view's patience would. */
static void
perform_setting (DsDocument          *doc,
                 const DsLessonCheck *c)
{
  NnTrainDefaults *d = nn_model_get_defaults (ds_document_get_model (doc));
  double v = c->has_at_least ? c->at_least : c->at_most;

  if (g_str_equal (c->name, "kfold"))
    d->kfold = (int) v;
  else if (g_str_equal (c->name, "kfold_iterations"))
    d->kfold_iterations = (int) v;
  else if (g_str_equal (c->name, "early_stopping_patience"))
    d->early_stopping_patience = (int) v;
  else if (g_str_equal (c->name, "epochs"))
    d->epochs = (int) v;
  else if (g_str_equal (c->name, "batch_size"))
    d->batch_size = (int) v;
  else if (g_str_equal (c->name, "validation_split"))
    d->validation_split = v;
  ds_document_commit (doc, DS_CHANGE_PARAMS, "Change Training Settings", NULL);
}

/* Loads a base's weights into the Model layer `layer` with the Build view's
 * Load Weights From…: the base is the sample transfer_base.json with weights
 * from a seed (training it is the first part of the lesson; the walk spares
 * the time), saved to a file and loaded as a person would pick it. */
static void
perform_load_weights (DsWindow   *window,
                      const char *layer)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "transfer_base.json",
                                           NULL);
  g_autoptr(NnModel) base = nn_model_load (src, &error);
  g_autofree char *dir = g_dir_make_tmp ("ds-walk-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "base.json", NULL);
  DsProperties *props;

  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (base, 1, &error));
  g_assert_true (nn_model_save (base, path, TRUE, &error));
  ds_window_set_visible_view (window, "build");
  props = DS_PROPERTIES (ds_window_show_me (window, "build:properties"));
  ds_properties_set_layer (props, nn_model_find_layer (ds_document_get_model (
                                                         ds_window_get_document (window)), layer));
  g_assert_true (ds_properties_load_weights_from_path (props, path, &error));
  g_assert_no_error (error);
  g_unlink (path);
  g_rmdir (dir);
}

/* What a person would do for step s: show the view, insert the layer, set
 * the parameter, train; a step without a check is ticked. */
static void
perform_step (DsWindow           *window,
              DsLessonPanel      *panel,
              const DsLessonStep *step,
              guint               s)
{
  const DsLessonCheck *c = step->check;
  DsDocument *doc = ds_window_get_document (window);
  g_autofree char *value = NULL;

  if (!c)
    {
      ds_lesson_panel_tick_step (panel, s);
      return;
    }
  switch (c->kind)
    {
    case DS_CHECK_VIEW:
      ds_window_set_visible_view (window, c->name);
      break;
    case DS_CHECK_MODEL_HAS_LAYER:
      perform_insert (doc, c->type, c->layer);
      break;
    case DS_CHECK_LAYER_PARAM:
      value = g_strdup_printf ("%g", c->has_at_most ? c->at_most : c->at_least);
      g_assert_true (nn_model_layer_set_param (ds_document_get_model (doc),
                                               nn_model_find_layer (ds_document_get_model (doc),
                                                                    c->layer),
                                               c->name, value, NULL));
      ds_document_commit (doc, DS_CHANGE_PARAMS, "Set", NULL);
      break;
    case DS_CHECK_TRAIN_SETTING:
      perform_setting (doc, c);
      break;
    case DS_CHECK_PAGE:
      ds_window_set_visible_view (window, c->layer);
      if (g_str_equal (c->layer, "inspect"))
        ds_inspect_view_show_page (DS_INSPECT_VIEW (ds_window_get_view (window, "inspect")), c->name);
      else
        ds_generate_view_show_page (DS_GENERATE_VIEW (ds_window_get_view (window, "generate")),
                                    c->name);
      break;
    case DS_CHECK_LAYER_TRAINABLE:
      nn_model_layer_set_trainable (ds_document_get_model (doc),
                                    nn_model_find_layer (ds_document_get_model (doc), c->layer),
                                    c->flag);
      ds_document_commit (doc, DS_CHANGE_PARAMS, "Trainable", NULL);
      break;
    case DS_CHECK_LAYER_WEIGHTS:
      perform_load_weights (window, c->layer);
      break;
    case DS_CHECK_RUN_EPOCHS:
    case DS_CHECK_RUN_COUNT:
      perform_train (window, step);
      break;
    case DS_CHECK_RUN_METRIC:
      /* The run of an earlier step reaches it, or one started here. */
      if (g_list_model_get_n_items (ds_document_get_runs (doc)) == 0)
        perform_train (window, step);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* ---- Load Weights From… in the transfer lesson --------------------------- */

/* transfer_base.json with weights from seed, saved as DIR/NAME; conv2 with
 * `filters` filters. */
static char *
save_base (const char *dir,
           const char *name,
           const char *filters)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "transfer_base.json",
                                           NULL);
  g_autoptr(NnModel) base = nn_model_load (src, &error);
  char *path = g_build_filename (dir, name, NULL);
  NnModel *sub;

  g_assert_no_error (error);
  sub = nn_model_layer_get_submodel (base, nn_model_find_layer (base, "conv_base"));
  g_assert_true (nn_model_layer_set_param (sub, nn_model_find_layer (sub, "conv2"), "filters",
                                           filters, &error));
  g_assert_true (nn_model_init_weights (base, 4, &error));
  g_assert_true (nn_model_save (base, path, TRUE, &error));
  return path;
}

/* The lesson's load step: conv_base selected on the canvas shows Load
 * Weights From…; a base of another shape is refused and changes nothing;
 * the base loads as one undoable edit and ticks the step. */
static void
test_load_weights (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *lesson = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons",
                                              "05-3-transfer-learning.json", NULL);
  g_autofree char *dir = g_dir_make_tmp ("ds-load-XXXXXX", &error);
  g_autofree char *good = save_base (dir, "base.json", "64");
  g_autofree char *bad = save_base (dir, "bad.json", "48");
  DsWindow *window = new_window ();
  DsDocument *doc;
  DsLessonPanel *panel;
  DsProperties *props;
  NnModel *m;
  int layer;
  StepWait w;

  g_assert_true (ds_window_open_lesson (window, lesson) == window);
  panel = DS_LESSON_PANEL (ds_window_get_lesson_panel (window));
  w = (StepWait) { panel, 1 };
  doc = ds_window_get_document (window);
  m = ds_document_get_model (doc);
  layer = nn_model_find_layer (m, "conv_base");
  ds_window_set_visible_view (window, "build");
  ds_graph_canvas_select_layer (DS_GRAPH_CANVAS (ds_window_show_me (window, "build:canvas")), layer,
                                FALSE);
  ui_spin (200);
  props = DS_PROPERTIES (ds_window_show_me (window, "build:properties"));
  g_assert_cmpint (ds_properties_get_layer (props), ==, layer);
  g_assert_nonnull (ds_window_show_me (window, "build:load_weights"));
  g_assert_false (nn_model_has_weights (m));
  g_assert_true (ds_lesson_panel_get_step_done (panel, 0));
  g_assert_false (ds_lesson_panel_get_step_done (panel, 1));

  g_assert_false (ds_properties_load_weights_from_path (props, bad, &error));
  g_assert_nonnull (strstr (error->message, "(3, 3, 32, 48)"));
  g_clear_error (&error);
  g_assert_false (nn_model_has_weights (ds_document_get_model (doc)));
  g_assert_false (ds_document_can_undo (doc));

  g_assert_true (ds_properties_load_weights_from_path (props, good, &error));
  g_assert_no_error (error);
  g_assert_true (nn_model_has_weights (ds_document_get_model (doc)));
  g_assert_true (ui_wait_for (step_done, &w, 5000));
  ui_spin (300);
  ui_screenshot_window (GTK_WINDOW (window), "build", "load-weights-lesson");
  /* the properties panel, the lesson panel out of the way for a picture */
  gtk_widget_set_visible (GTK_WIDGET (panel), FALSE);
  ui_spin (300);
  ui_screenshot_window (GTK_WINDOW (window), "build", "load-weights");
  gtk_widget_set_visible (GTK_WIDGET (panel), TRUE);
  /* one edit: undo takes the weights back */
  g_assert_true (ds_document_undo (doc));
  g_assert_false (nn_model_has_weights (ds_document_get_model (doc)));
  g_assert_false (ds_document_can_undo (doc));

  ds_window_close_discarding (window);
  ui_spin (100);
  g_unlink (good);
  g_unlink (bad);
  g_rmdir (dir);
}

static gboolean
path_has_any (const char *path,
              GStrv       parts)
{
  for (guint i = 0; parts[i]; i++)
    if (strstr (path, parts[i]))
      return TRUE;
  return FALSE;
}

/* Every shipped lesson, step by step, by its own actions: each step ticks
 * (within 2 minutes of training); the wall time of each lesson is printed. */
static void
test_walk_every_lesson (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "lessons", NULL);
  g_autoptr(GPtrArray) lessons = ds_lesson_load_dir (dir, NULL);
  /* DS_WALK_ONLY=05-,06-1: only the lessons whose path contains one of
   * these. */
  g_auto(GStrv) only = g_getenv ("DS_WALK_ONLY") ? g_strsplit (g_getenv ("DS_WALK_ONLY"), ",", -1)
                                                 : NULL;
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < lessons->len; i++)
    {
      DsWindow *window;
      DsLesson *lesson = lessons->pdata[i];
      gint64 t0 = g_get_monotonic_time ();
      DsLessonPanel *panel;

      if (only && !path_has_any (ds_lesson_get_path (lesson), only))
        continue;
      window = new_window ();

      g_assert_true (ds_window_open_lesson (window, ds_lesson_get_path (lesson)) == window);
      panel = DS_LESSON_PANEL (ds_window_get_lesson_panel (window));
      for (guint s = 0; s < ds_lesson_get_n_steps (lesson); s++)
        {
          StepWait w = { panel, s };

          perform_step (window, panel, ds_lesson_get_step (lesson, s), s);
          if (!ui_wait_for (step_done, &w, 120000))
            g_error ("%s: step %u did not tick", ds_lesson_get_path (lesson), s + 1);
        }
      g_assert_true (ui_wait_for (no_live_run, ds_window_get_document (window), 120000));
      g_printerr ("# lesson %s: %.1f s\n", ds_lesson_get_path (lesson),
                  (g_get_monotonic_time () - t0) / 1e6);
      ds_window_close_discarding (window);
      ui_spin (100);
    }
  g_printerr ("# every lesson: %.1f s\n", (g_get_monotonic_time () - start) / 1e6);
}

int
main (int argc, char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/lesson/steps-tick", test_steps_tick);
  g_test_add_func ("/ui/lesson/library-and-targets", test_library_and_targets);
  g_test_add_func ("/ui/lesson/formulas-in-build", test_formulas_in_build);
  g_test_add_func ("/ui/lesson/lock", test_lock);
  g_test_add_func ("/ui/lesson/export", test_export_lesson);
  g_test_add_func ("/ui/lesson/iterated-kfold", test_iterated_kfold);
  g_test_add_func ("/ui/lesson/load-weights", test_load_weights);
  if (g_test_slow ())
    g_test_add_func ("/ui/lesson/walk-every-lesson", test_walk_every_lesson);
  return g_test_run ();
}
