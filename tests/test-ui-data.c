/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Data view under a private X server (tests/run-headless.sh): points
 * in the plane and Fashion-MNIST load off the main loop and show; a
 * malformed CSV shows which file and what is wrong next to the source
 * chooser; a load can be cancelled; a choice goes into the model and
 * comes back with undo. */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow   *window;
  DsDataView *view;
  char       *dir;
} Ui;

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->view = DS_DATA_VIEW (ds_window_get_view (ui->window, "data"));
  g_assert_nonnull (ui->view);
  ds_window_set_visible_view (ui->window, "data");
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->view, 5000));
  ui->dir = g_dir_make_tmp ("ds-data-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  g_autoptr(GDir) d = g_dir_open (ui->dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *path = g_build_filename (ui->dir, name, NULL);
      g_remove (path);
    }
  g_rmdir (ui->dir);
  g_free (ui->dir);
  ui_close_window_checked (ui->window);
}

static gboolean
settled (gpointer data)
{
  DsDatasetStore *store = data;

  return !ds_dataset_store_get_loading (store)
         && (ds_dataset_store_get_dataset (store) || ds_dataset_store_get_error (store));
}

/* The store was asked for Fashion-MNIST: loading it, or holding it. */
static gboolean
fashion_asked (gpointer data)
{
  DsDatasetStore *store = data;
  const char *spec = ds_dataset_store_get_spec (store);

  return spec && g_str_has_prefix (spec, "fashion-mnist")
         && (ds_dataset_store_get_loading (store) || ds_dataset_store_get_dataset (store));
}

typedef struct
{
  DsDatasetStore *store;
  const char     *spec;
  DsLoadFlags     flags;
} SpecWait;

/* The store settled on this spec (and these flags): the view's debounce
 * has passed and the load has ended. */
static gboolean
settled_on (gpointer data)
{
  SpecWait *w = data;

  return settled (w->store) && g_strcmp0 (ds_dataset_store_get_spec (w->store), w->spec) == 0
         && (ds_dataset_store_get_flags (w->store) & w->flags) == w->flags;
}

static gboolean
drawn (gpointer data)
{
  return ds_data_view_get_n_drawn (data) > 0;
}

static void
test_points (Ui            *ui,
             gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  DsDocument *doc = ds_window_get_document (ui->window);
  NnDataset *ds;

  /* Moons from the source chooser and the shape row. */
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), 1);
  adw_combo_row_set_selected (ds_data_view_get_shape_row (ui->view), 1);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "moons:n=1000", 0 }, 5000));
  g_assert_null (ds_data_view_get_error_text (ui->view));
  g_assert_cmpstr (ds_dataset_store_get_spec (store), ==, "moons:n=1000");
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpuint (ds->n, ==, 1000);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_true (ds_dataset_is_2d (ds_dataset_store_get_dataset (store)));

  /* The scatter plot draws the points. */
  g_assert_true (ui_wait_for (drawn, ui->view, 2000));
  g_assert_cmpuint (ds_data_view_get_n_drawn (ui->view), ==, 1000);

  /* The choice is part of the model, and undo takes it back. */
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, "moons:n=1000");
  adw_combo_row_set_selected (ds_data_view_get_shape_row (ui->view), 0);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "spirals:n=1000", 0 }, 5000));
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, "spirals:n=1000");
  g_assert_true (ds_document_undo (doc));
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, "moons:n=1000");
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "moons:n=1000", 0 }, 5000));
  g_assert_cmpstr (ds_dataset_store_get_spec (store), ==, "moons:n=1000");
  g_assert_cmpuint (adw_combo_row_get_selected (ds_data_view_get_shape_row (ui->view)), ==, 1);
}

static char *
write_file (Ui         *ui,
            const char *name,
            const char *text)
{
  char *path = g_build_filename (ui->dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, text, -1, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_malformed_csv (Ui            *ui,
                    gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_autofree char *bad = write_file (ui, "broken.csv", "age,height,label\n31,1.80,a\n44,1.62\n27,1.75,b\n");
  g_autofree char *good = write_file (ui, "people.csv", "age,height,label\n31,1.80,a\n44,1.62,b\n27,1.75,b\n"
                                                        "52,1.70,a\n38,1.66,b\n");
  DsDocument *doc = ds_window_get_document (ui->window);
  const char *text;

  ds_data_view_choose_csv (ui->view, bad);
  g_assert_true (ui_wait_for (settled, store, 5000));
  ui_spin (50);

  /* Which file and what is wrong, shown next to the source chooser. */
  text = ds_data_view_get_error_text (ui->view);
  g_assert_nonnull (text);
  g_test_message ("error shown: %s", text);
  g_assert_nonnull (strstr (text, "broken.csv"));
  g_assert_nonnull (strstr (text, "line 3"));
  g_assert_null (ds_dataset_store_get_dataset (store));
  /* A file that does not load never becomes the model's dataset. */
  g_assert_null (nn_model_get_dataset (ds_document_get_model (doc)));

  /* A good file replaces the error with the data. */
  ds_data_view_choose_csv (ui->view, good);
  g_assert_true (ui_wait_for (settled, store, 5000));
  ui_spin (50);
  g_assert_null (ds_data_view_get_error_text (ui->view));
  g_assert_nonnull (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds_dataset_get (ds_dataset_store_get_dataset (store))->n_classes, ==, 2);
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, good);

  /* A missing file names itself too. */
  {
    g_autofree char *missing = g_build_filename (ui->dir, "nowhere.csv", NULL);

    ds_data_view_choose_csv (ui->view, missing);
    g_assert_true (ui_wait_for (settled, store, 5000));
    ui_spin (50);
    text = ds_data_view_get_error_text (ui->view);
    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, "nowhere.csv"));
  }
}

static void
write_png (const char *dir,
           const char *klass,
           const char *name,
           int         shade)
{
  g_autofree char *sub = g_build_filename (dir, klass, NULL);
  g_autofree char *path = g_build_filename (sub, name, NULL);
  g_autoptr(GError) error = NULL;
  guint8 px[12 * 12];

  g_assert_cmpint (g_mkdir_with_parents (sub, 0700), ==, 0);
  for (int i = 0; i < 144; i++)
    px[i] = (guint8) ((i % 12 < 6) == (shade > 0) ? 230 : 20);
  g_assert_true (nn_png_write (path, px, 12, 12, 1, &error));
  g_assert_no_error (error);
}

static GtkSwitch *
find_switch (GtkWidget  *root,
             const char *title)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkSwitch *found;

      if (GTK_IS_SWITCH (c))
        {
          GtkWidget *row = gtk_widget_get_ancestor (c, ADW_TYPE_ACTION_ROW);

          if (row && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0)
            return GTK_SWITCH (c);
        }
      if ((found = find_switch (c, title)))
        return found;
    }
  return NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_remove (child);
    }
  g_rmdir (path);
}

static void
test_image_folder (Ui            *ui,
                   gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_autofree char *good = g_build_filename (ui->dir, "stripes", NULL);
  g_autofree char *bad = g_build_filename (ui->dir, "damaged", NULL);
  g_autofree char *junk = g_build_filename (bad, "right", "broken.png", NULL);
  NnDataset *ds;
  const char *text;

  for (int i = 0; i < 6; i++)
    {
      g_autofree char *name = g_strdup_printf ("%d.png", i);

      write_png (good, "left", name, 1);
      write_png (good, "right", name, 0);
    }
  ds_data_view_choose_folder (ui->view, good);
  g_assert_true (ui_wait_for (settled, store, 10000));
  ui_spin (50);
  g_assert_null (ds_data_view_get_error_text (ui->view));
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpuint (ds->n, ==, 12);
  g_assert_cmpint (ds->n_classes, ==, 2);
  g_assert_cmpstr (ds->class_names[0], ==, "left");
  g_assert_cmpstr (ds->class_names[1], ==, "right");
  g_assert_cmpint (ds->inputs[0]->ndim, ==, 3);
  /* Labelled thumbnails, as for Fashion-MNIST. */
  g_assert_true (ui_wait_for (drawn, ui->view, 2000));
  g_assert_cmpuint (ds_data_view_get_n_drawn (ui->view), ==, 12);

  /* A damaged image names itself. */
  write_png (bad, "left", "fine.png", 1);
  write_png (bad, "right", "fine.png", 0);
  g_assert_true (g_file_set_contents (junk, "\x89PNG\r\n\x1a\n not really", -1, NULL));
  ds_data_view_choose_folder (ui->view, bad);
  g_assert_true (ui_wait_for (settled, store, 10000));
  ui_spin (50);
  text = ds_data_view_get_error_text (ui->view);
  g_assert_nonnull (text);
  g_test_message ("error shown: %s", text);
  g_assert_nonnull (strstr (text, "broken.png"));

  /* Skipping unreadable images loads the rest and counts what was left. */
  {
    GtkSwitch *skip = find_switch (GTK_WIDGET (ui->view), "Skip unreadable images");

    g_assert_nonnull (skip);
    gtk_switch_set_active (skip, TRUE);
    g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, ds_dataset_store_get_spec (store),
                                                          DS_LOAD_SKIP_BAD }, 10000));
    ui_spin (50);
    g_assert_null (ds_data_view_get_error_text (ui->view));
    g_assert_cmpuint (ds_dataset_get (ds_dataset_store_get_dataset (store))->n, ==, 2);
    g_assert_nonnull (ds_dataset_store_get_skipped (store));
    g_assert_cmpuint (ds_dataset_store_get_skipped (store)->len, ==, 1);
    gtk_switch_set_active (skip, FALSE);
  }
  remove_tree (good);
  remove_tree (bad);
}

/* A dataset whose targets are its inputs (":target=input", an
 * autoencoder's) is not called a regression in the summary line. */
static void
test_target_input_summary (Ui            *ui,
                           gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  const char *text;

  ds_dataset_store_load (store, "moons:n=200:target=input", 0);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "moons:n=200:target=input", 0 },
                              5000));
  g_assert_null (ds_dataset_store_get_error (store));
  ui_spin (100);
  text = gtk_label_get_text (ui->view->stats_label);
  g_test_message ("summary: %s", text);
  g_assert_nonnull (strstr (text, "autoencoder (target = input)"));
  g_assert_null (strstr (text, "regression"));

  /* A true regression keeps its word. */
  ds_dataset_store_load (store, "regression:n=200", 0);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "regression:n=200", 0 }, 5000));
  ui_spin (100);
  text = gtk_label_get_text (ui->view->stats_label);
  g_test_message ("summary: %s", text);
  if (ds_dataset_store_get_error (store) == NULL)
    g_assert_nonnull (strstr (text, "regression"));
}

static void
test_fashion_grid (Ui            *ui,
                   gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  NnDataset *ds;

  if (!g_file_test ("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", G_FILE_TEST_EXISTS)
      && g_getenv ("DEEPSCOPE_FASHION_MNIST_DIR") == NULL)
    {
      g_test_fail_printf ("Fashion-MNIST is not installed (package dataset-fashion-mnist)");
      return;
    }
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), 0);
  /* The choice reaches the store (after the view's short debounce). */
  g_assert_true (ui_wait_for (fashion_asked, store, 5000));
  g_assert_true (ui_wait_for (settled, store, 30000));
  g_assert_null (ds_data_view_get_error_text (ui->view));
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds->n_classes, ==, 10);
  g_assert_cmpuint (ds->n_train, ==, 60000);
  g_assert_cmpuint (ds->n_test, ==, 10000);
  g_test_message ("Fashion-MNIST loaded in %.2f s", ds_dataset_store_get_load_seconds (store));
  /* A grid of labelled thumbnails. */
  ui_spin (100);
  g_assert_true (ui_wait_for (drawn, ui->view, 2000));
  g_assert_cmpuint (ds_data_view_get_n_drawn (ui->view), >=, 24);
}

static void
test_cancel (Ui            *ui,
             gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);

  g_assert_true (ui_wait_for (settled, store, 5000));
  /* Fashion-MNIST takes long enough to load that Cancel catches it. */
  ds_dataset_store_load (store, "fashion-mnist", 0);
  g_assert_true (ds_dataset_store_get_loading (store));
  ui_spin (20);
  ds_dataset_store_cancel (store);
  g_assert_false (ds_dataset_store_get_loading (store));
  ui_spin (1500);
  g_assert_null (ds_dataset_store_get_dataset (store));
  g_assert_null (ds_dataset_store_get_error (store));
  g_assert_null (ds_data_view_get_error_text (ui->view));
}

typedef struct
{
  gboolean   done;
  DsDataset *dataset;
  GError    *error;
} Ensured;

static void
ensured_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Ensured *e = data;

  e->dataset = ds_dataset_store_ensure_finish (DS_DATASET_STORE (source), result, &e->error);
  e->done = TRUE;
}

static gboolean
ensured (gpointer data)
{
  return ((Ensured *) data)->done;
}

static void
ensured_clear (Ensured *e)
{
  g_clear_pointer (&e->dataset, ds_dataset_unref);
  g_clear_error (&e->error);
  e->done = FALSE;
}

/* The store's one call that a view starting work on a dataset needs: the
 * dataset when it is there, after a load when it is not, and a cancelled
 * error when the load is cancelled or another spec replaces it. */
static void
test_ensure (Ui            *ui,
             gconstpointer  data)
{
  DsDatasetStore *store = ds_document_get_dataset_store (ds_window_get_document (ui->window));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Ensured e = { 0 };

  g_assert_true (ds_data_view_get_store (ui->view) == store);
  g_assert_true (ui_wait_for (settled, store, 5000));

  /* Not there yet: it loads, then calls back with that dataset. */
  ds_dataset_store_ensure_async (store, "circles:n=300", NULL, ensured_cb, &e);
  g_assert_false (e.done);
  g_assert_true (ds_dataset_store_get_loading (store));
  g_assert_cmpstr (ds_dataset_store_get_spec (store), ==, "circles:n=300");
  g_assert_true (ui_wait_for (ensured, &e, 10000));
  g_assert_no_error (e.error);
  g_assert_nonnull (e.dataset);
  g_assert_true (e.dataset == ds_dataset_store_get_dataset (store));
  g_assert_cmpuint (ds_dataset_get (e.dataset)->n, ==, 300);
  ensured_clear (&e);

  /* There already: no new load, and still never a call back before the
   * call returns. */
  ds_dataset_store_ensure_async (store, "circles:n=300", NULL, ensured_cb, &e);
  g_assert_false (e.done);
  g_assert_false (ds_dataset_store_get_loading (store));
  g_assert_true (ui_wait_for (ensured, &e, 2000));
  g_assert_no_error (e.error);
  g_assert_true (e.dataset == ds_dataset_store_get_dataset (store));
  ensured_clear (&e);

  /* Another spec replaces the one waited for: cancelled, with both names. */
  ds_dataset_store_ensure_async (store, "moons:n=400", NULL, ensured_cb, &e);
  ds_dataset_store_load (store, "xor:n=200", 0);
  g_assert_true (ui_wait_for (ensured, &e, 2000));
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (e.error->message, "moons:n=400"));
  g_assert_nonnull (strstr (e.error->message, "xor:n=200"));
  g_assert_null (e.dataset);
  ensured_clear (&e);

  /* The caller's cancellable ends the wait. */
  ds_dataset_store_ensure_async (store, "fashion-mnist", cancellable, ensured_cb, &e);
  g_cancellable_cancel (cancellable);
  g_assert_false (e.done);
  g_assert_true (ui_wait_for (ensured, &e, 2000));
  g_assert_error (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  ensured_clear (&e);
  ds_dataset_store_cancel (store);

  /* A spec that cannot load: the load's own error. */
  ds_dataset_store_ensure_async (store, "no-such-dataset:n=3", NULL, ensured_cb, &e);
  g_assert_true (ui_wait_for (ensured, &e, 5000));
  g_assert_nonnull (e.error);
  g_assert_false (g_error_matches (e.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_null (e.dataset);
  ensured_clear (&e);
}

/* Switching to CSV before a file is chosen shows an empty page asking for
 * one, not the previous source's samples and "Fits the model"; once a
 * file loads, its preview and verdict appear. */
static void
test_csv_empty_state (Ui            *ui,
                      gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_autofree char *good = write_file (ui, "people.csv", "age,height,label\n31,1.80,a\n44,1.62,b\n27,1.75,b\n"
                                                        "52,1.70,a\n38,1.66,b\n");

  /* A model with an input, so that the view judges whether data fits. */
  nn_model_add_layer (ds_document_get_model (ds_window_get_document (ui->window)), "Input", "points", NULL);
  ds_document_commit (ds_window_get_document (ui->window), DS_CHANGE_STRUCTURE, "Add", NULL);
  /* The points first: shown, with a verdict on the model. */
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), 1);
  adw_combo_row_set_selected (ds_data_view_get_shape_row (ui->view), 1);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "moons:n=1000", 0 }, 5000));
  ui_spin (50);
  g_assert_null (ds_data_view_get_empty_title (ui->view));
  g_assert_nonnull (ds_data_view_get_fit_title (ui->view));

  /* CSV with no file: nothing of the moons is left on show. */
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), 2);
  ui_spin (400);
  g_test_message ("empty page: %s; verdict: %s", ds_data_view_get_empty_title (ui->view),
                  ds_data_view_get_fit_title (ui->view));
  g_assert_cmpstr (ds_data_view_get_empty_title (ui->view), ==, "Choose a CSV File");
  g_assert_null (ds_data_view_get_fit_title (ui->view));
  /* The model keeps the dataset it had. */
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (ds_window_get_document (ui->window))), ==,
                   "moons:n=1000");

  ds_data_view_choose_csv (ui->view, good);
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, good, 0 }, 5000));
  ui_spin (50);
  g_assert_null (ds_data_view_get_empty_title (ui->view));
  g_assert_nonnull (ds_data_view_get_fit_title (ui->view));
}

static gboolean
strv_has (char       **v,
          const char  *a,
          const char  *b)
{
  for (guint i = 0; v[i]; i++)
    if (strstr (v[i], a) && (b == NULL || strstr (v[i], b)))
      return TRUE;
  return FALSE;
}

/* A numeric column with one bad cell and a column of words: the loader's
 * notes are listed beside the CSV source (the bad cell with its line, the
 * word column taken as categorical and why, the target's task), and leave
 * with a source that has no file yet. */
static void
test_csv_notes (Ui            *ui,
                gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_autoptr(GString) csv = g_string_new ("size,colour,label\n");
  g_autofree char *path = NULL;
  g_auto(GStrv) notes = NULL;
  const char *colours[] = { "red", "green", "blue" };

  for (int i = 0; i < 30; i++)
    g_string_append_printf (csv, "%s,%s,%d\n", i == 6 ? "abc" : (i % 2 ? "1.5" : "2.25"), colours[i % 3], i % 2);
  path = write_file (ui, "shop.csv", csv->str);
  /* Fill the bad cell with the column's mean. */
  adw_combo_row_set_selected (ui->view->missing_row, 2);
  ds_data_view_choose_csv (ui->view, path);
  g_assert_true (ui_wait_for (settled, store, 5000));
  ui_spin (50);
  g_assert_null (ds_data_view_get_error_text (ui->view));
  g_assert_nonnull (ds_dataset_store_get_dataset (store));

  notes = ds_data_view_dup_notes (ui->view);
  for (guint i = 0; notes[i]; i++)
    g_test_message ("note: %s", notes[i]);
  g_assert_cmpuint (g_strv_length (notes), ==, 3);
  /* Line 8: the header is line 1 and "abc" the 7th row. */
  g_assert_true (strv_has (notes, "“size”", "line 8: “abc”"));
  g_assert_true (strv_has (notes, "“colour” treated as categorical", "no cell is a number"));
  g_assert_true (strv_has (notes, "target “label”", NULL));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ui->view->notes_group)));

  /* Another source with nothing chosen: no notes of a file not shown. */
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), 3);
  ui_spin (50);
  g_clear_pointer (&notes, g_strfreev);
  notes = ds_data_view_dup_notes (ui->view);
  g_assert_cmpuint (g_strv_length (notes), ==, 0);
}

/* Class names under the thumbnails and the class bars are shown whole:
 * "Ankle boot" wraps rather than ending in "Ankle b…". */
static void
test_captions (Ui            *ui,
               gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_autofree char *dir = g_build_filename (ui->dir, "clothes", NULL);
  const char *names[] = { "Ankle boot", "T-shirt top", "Pullover", "Sneaker" };

  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    for (int i = 0; i < 3; i++)
      {
        g_autofree char *name = g_strdup_printf ("%d.png", i);

        write_png (dir, names[k], name, (int) (k % 2));
      }
  ds_data_view_choose_folder (ui->view, dir);
  g_assert_true (ui_wait_for (settled, store, 10000));
  g_assert_true (ui_wait_for (drawn, ui->view, 2000));
  ui_spin (100);
  g_assert_cmpuint (ds_data_view_get_n_drawn (ui->view), ==, 12);
  g_test_message ("captions shortened: %u", ds_data_view_get_n_clipped (ui->view));
  g_assert_cmpuint (ds_data_view_get_n_clipped (ui->view), ==, 0);
  remove_tree (dir);
}

/* A JSON table through the spec row (the car table, when
 * python3-vega-datasets is installed): its notes beside the source (the
 * records without a target, the nulls filled, the dates made years) and
 * its rows drawn as the CSV tables are. */
static void
test_json_table (Ui            *ui,
                 gconstpointer  data)
{
  DsDatasetStore *store = ds_data_view_get_store (ui->view);
  g_auto(GStrv) notes = NULL;

  if (!g_file_test ("/usr/lib/python3/dist-packages/vega_datasets/_data/cars.json",
                    G_FILE_TEST_IS_REGULAR) && g_getenv ("DEEPSCOPE_VEGA_DIR") == NULL)
    {
      g_test_skip ("python3-vega-datasets is not installed");
      return;
    }
  adw_combo_row_set_selected (ds_data_view_get_source_row (ui->view), SOURCE_CUSTOM);
  gtk_editable_set_text (GTK_EDITABLE (ui->view->spec_row), "cars");
  g_signal_emit_by_name (ui->view->spec_row, "apply");
  g_assert_true (ui_wait_for (settled_on, &(SpecWait) { store, "cars", 0 }, 10000));
  ui_spin (100);
  g_assert_null (ds_data_view_get_error_text (ui->view));
  g_assert_nonnull (ds_dataset_store_get_dataset (store));
  g_assert_cmpuint (ds_dataset_get (ds_dataset_store_get_dataset (store))->n, ==, 398);

  notes = ds_data_view_dup_notes (ui->view);
  for (guint i = 0; notes[i]; i++)
    g_test_message ("note: %s", notes[i]);
  g_assert_true (strv_has (notes, "8 of 406 records", "Miles_per_Gallon"));
  g_assert_true (strv_has (notes, "“Horsepower”", "6 nulls"));
  g_assert_true (strv_has (notes, "“Year”", "1970 to 1982"));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ui->view->notes_group)));
  g_assert_cmpint (ds_data_view_get_n_drawn (ui->view), >, 0);
  g_assert_null (ds_data_view_get_empty_title (ui->view));
  ui_spin (1000); /* the preview's cross-fade */
  ui_screenshot (ui->window, "data", "cars");
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/data/points", Ui, NULL, ui_setup, test_points, ui_teardown);
  g_test_add ("/ui/data/malformed-csv", Ui, NULL, ui_setup, test_malformed_csv, ui_teardown);
  g_test_add ("/ui/data/image-folder", Ui, NULL, ui_setup, test_image_folder, ui_teardown);
  g_test_add ("/ui/data/fashion-grid", Ui, NULL, ui_setup, test_fashion_grid, ui_teardown);
  g_test_add ("/ui/data/cancel", Ui, NULL, ui_setup, test_cancel, ui_teardown);
  g_test_add ("/ui/data/ensure", Ui, NULL, ui_setup, test_ensure, ui_teardown);
  g_test_add ("/ui/data/csv-empty-state", Ui, NULL, ui_setup, test_csv_empty_state, ui_teardown);
  g_test_add ("/ui/data/csv-notes", Ui, NULL, ui_setup, test_csv_notes, ui_teardown);
  g_test_add ("/ui/data/captions", Ui, NULL, ui_setup, test_captions, ui_teardown);
  g_test_add ("/ui/data/json-table", Ui, NULL, ui_setup, test_json_table, ui_teardown);
  g_test_add ("/ui/data/target-input-summary", Ui, NULL, ui_setup, test_target_input_summary,
              ui_teardown);
  return g_test_run ();
}
