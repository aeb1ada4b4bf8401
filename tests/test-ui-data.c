/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Data view under a private X server (tests/run-headless.sh): points
 * in the plane and Fashion-MNIST load off the main loop and show; a
 * malformed CSV shows which file and what is wrong next to the source
 * chooser; a load can be cancelled; a choice goes into the model and
 * comes back with undo. */
#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-data-view.h"
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
  ds_window_close_discarding (ui->window);
  ui_spin (100);
}

static gboolean
settled (gpointer data)
{
  DsDatasetStore *store = data;

  return !ds_dataset_store_get_loading (store)
         && (ds_dataset_store_get_dataset (store) || ds_dataset_store_get_error (store));
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
  ui_spin (400);
  g_assert_true (ui_wait_for (settled, store, 5000));
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
  ui_spin (400);
  g_assert_true (ui_wait_for (settled, store, 5000));
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, "spirals:n=1000");
  g_assert_true (ds_document_undo (doc));
  g_assert_cmpstr (nn_model_get_dataset (ds_document_get_model (doc)), ==, "moons:n=1000");
  ui_spin (50);
  g_assert_true (ui_wait_for (settled, store, 5000));
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
  ui_spin (400);
  g_assert_true (ds_dataset_store_get_loading (store) || settled (store));
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
  ds_dataset_store_load (store, "fashion-mnist", FALSE);
  g_assert_true (ds_dataset_store_get_loading (store));
  ui_spin (20);
  ds_dataset_store_cancel (store);
  g_assert_false (ds_dataset_store_get_loading (store));
  ui_spin (1500);
  g_assert_null (ds_dataset_store_get_dataset (store));
  g_assert_null (ds_dataset_store_get_error (store));
  g_assert_null (ds_data_view_get_error_text (ui->view));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  if (!gtk_init_check ())
    {
      g_printerr ("Cannot open a display; run through tests/run-headless.sh\n");
      return 1;
    }
  adw_init ();
  ds_ui_init ();
  g_test_add ("/ui/data/points", Ui, NULL, ui_setup, test_points, ui_teardown);
  g_test_add ("/ui/data/malformed-csv", Ui, NULL, ui_setup, test_malformed_csv, ui_teardown);
  g_test_add ("/ui/data/fashion-grid", Ui, NULL, ui_setup, test_fashion_grid, ui_teardown);
  g_test_add ("/ui/data/cancel", Ui, NULL, ui_setup, test_cancel, ui_teardown);
  return g_test_run ();
}
