/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Data view's time-series preview under a private X server: a
 * windowed series loads, its plot is drawn column by column, and Shuffle
 * shows another window of the same series. */
#include <adwaita.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

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
test_series_preview (void)
{
  DsWindow *window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  DsDataView *view = DS_DATA_VIEW (ds_window_get_view (window, "data"));
  ds_window_set_visible_view (window, "data");
  g_assert_true (ui_wait_for (ui_widget_allocated, view, 5000));

  DsDatasetStore *store = ds_data_view_get_store (view);
  ds_dataset_store_load (store, "series:n=2000:lookback=48:delay=6", 0);
  g_assert_true (ui_wait_for (settled, store, 10000));
  g_assert_null (ds_dataset_store_get_error (store));
  NnDataset *ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_nonnull (nn_dataset_get_series (ds));
  ui_spin (200);
  g_assert_true (ui_wait_for (drawn, view, 3000));
  /* One vertical stroke per pixel column of the plot. */
  guint cols = ds_data_view_get_n_drawn (view);
  g_assert_cmpuint (cols, >, 200);
  g_test_message ("series plot: %u columns", cols);
  ui_close_window_checked (window);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/series/preview", test_series_preview);
  return g_test_run ();
}
