/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Data view's time-series preview under a private X server: a
 * windowed series loads, its plot is drawn column by column, and Shuffle
 * shows another window of the same series. The Train view draws a
 * series's naive forecasts beside the model's MAE.
 * DEEPSCOPE_SCREENSHOTS=DIR also writes data-series.png and
 * train-series.png there. */
#include <math.h>
#include <string.h>
#include <adwaita.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-plot-private.h"
#include "ds-train-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

static void
screenshot (DsWindow   *window,
            const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SCREENSHOTS");
  GtkWidget *w = GTK_WIDGET (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkPaintable *paintable;

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (w);
  /* The paintable is empty while the window waits for a new layout. */
  for (int tries = 0; node == NULL && tries < 50; tries++)
    {
      GtkSnapshot *snap = gtk_snapshot_new ();

      ui_spin (200);
      gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (w),
                              gtk_widget_get_height (w));
      node = gtk_snapshot_free_to_node (snap);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (w)), node, NULL);
  path = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
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

typedef struct
{
  DsTrainView *view;
  int          epochs;
} EpochWait;

static gboolean
epochs_reached (gpointer data)
{
  EpochWait *w = data;
  DsTrainingRun *run = ds_train_view_get_current_run (w->view);

  return run && ds_training_run_get_epochs_done (run) >= w->epochs;
}

static gboolean
store_has_seattle (gpointer data)
{
  DsDatasetStore *store = data;

  return settled (store) && ds_dataset_store_get_dataset (store)
         && g_str_has_prefix (ds_dataset_store_get_spec (store), "seattle-temps");
}

/* The GRU forecaster sample trains from the Train view; its MAE chart
 * holds the naive forecast's validation MAE (delay = period = 24: one line
 * with both names) in the chart's normalized units, labelled in °F; the
 * loss chart has none. */
/* The chart's labels (reference lines, best points): at least n_min of
 * them, inside the plot, none overlapping another. */
static void
assert_labels_apart (DsPlot *plot,
                     guint   n_min)
{
  guint n = ds_plot_get_n_labels (plot);

  g_assert_cmpuint (n, >=, n_min);
  for (guint i = 0; i < n; i++)
    {
      const LabelRect *a = ds_plot_get_label (plot, i);

      g_test_message ("%s label %u: %.0f,%.0f %.0fx%.0f, crosses %u", ds_plot_get_metric (plot), i,
                      a->x, a->y, a->w, a->h, a->crossings);
      g_assert_cmpfloat (a->w, >, 0);
      for (guint j = i + 1; j < n; j++)
        {
          const LabelRect *b = ds_plot_get_label (plot, j);

          g_assert_false (a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h
                          && b->y < a->y + a->h);
        }
    }
}

static gboolean
run_tested (gpointer run)
{
  const NnScores *scores = ds_training_run_get_test_scores (run);

  return !ds_training_run_is_live (run) && !ds_training_run_is_testing (run)
         && scores != NULL && scores->n_values > 0;
}

static void
test_train_baselines (void)
{
  const char *samples = g_getenv ("DEEPSCOPE_SAMPLES");
  g_autofree char *path = g_build_filename (samples, "seattle_gru.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DsWindow *window = ds_window_new (NULL);
  DsDataView *data;
  DsTrainView *train;
  DsDatasetStore *store;
  NnBaselines b;
  NnDataset *ds;
  DsPlot *mae;
  const char *label = NULL;
  EpochWait ew;

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  data = DS_DATA_VIEW (ds_window_get_view (window, "data"));
  train = DS_TRAIN_VIEW (ds_window_get_view (window, "train"));
  store = ds_data_view_get_store (data);
  ui_spin (100);
  g_assert_true (ds_window_open (window, file) == window);
  if (!ui_wait_for (store_has_seattle, store, 30000))
    {
      /* apt-get install python3-vega-datasets */
      g_test_skip ("seattle-temps did not load");
      ui_close_window_checked (window);
      return;
    }
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_true (nn_dataset_get_baselines (ds, &b));
  ds_window_set_visible_view (window, "data");
  g_assert_true (ui_wait_for (drawn, data, 5000));
  screenshot (window, "data-series");

  ds_window_set_visible_view (window, "train");
  ui_spin (150);
  /* The series validates on its own windows: the split is not offered. */
  {
    g_autofree char *count = g_strdup_printf ("own %zu validation windows", ds->n_val);

    g_assert_cmpuint (ds->n_val, >, 0);
    g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (train->val_spin)));
    g_assert_nonnull (strstr (adw_action_row_get_subtitle (train->val_row), count));
  }
  gtk_widget_activate (ds_train_view_get_button (train, "start"));
  ew.view = train;
  ew.epochs = 3;
  g_assert_true (ui_wait_for (epochs_reached, &ew, 120000));
  ui_spin (300);
  mae = ds_train_view_get_plot (train, "mae");
  g_assert_nonnull (mae);
  g_assert_cmpuint (ds_plot_get_n_references (mae), ==, 1);
  g_assert_cmpfloat_with_epsilon (ds_plot_get_reference (mae, 0, &label), b.val_last_norm, 1e-9);
  g_test_message ("MAE chart: “%s” at %.4f", label, ds_plot_get_reference (mae, 0, NULL));
  g_assert_nonnull (strstr (label, "last value"));
  g_assert_nonnull (strstr (label, "same time yesterday"));
  g_assert_nonnull (strstr (label, "°F"));
  g_assert_cmpuint (ds_plot_get_n_references (ds_train_view_get_plot (train, "loss")), ==, 0);
  /* The line is in sight: the chart's range takes it in. */
  {
    double x0, x1, y0, y1;

    ds_plot_get_view (mae, &x0, &x1, &y0, &y1);
    g_assert_cmpfloat (y0, <=, b.val_last_norm);
    g_assert_cmpfloat (y1, >=, b.val_last_norm);
  }
  ds_train_view_set_plot_options (train, 0, FALSE, TRUE);
  ui_spin (300);
  assert_labels_apart (mae, 2);
  assert_labels_apart (ds_train_view_get_plot (train, "loss"), 1);
  /* The learning rate's chart is short; the measured ones take the height. */
  {
    GtkWidget *lr = GTK_WIDGET (ds_train_view_get_plot (train, "lr"));

    g_assert_nonnull (lr);
    g_test_message ("heights: lr %d, mae %d", gtk_widget_get_height (lr),
                    gtk_widget_get_height (GTK_WIDGET (mae)));
    g_assert_cmpint (gtk_widget_get_height (lr) * 2, <, gtk_widget_get_height (GTK_WIDGET (mae)));
  }
  screenshot (window, "train-series");
  /* The naive forecast's label, the first placed, and the best points'
   * labels cross no curve and no reference line. */
  g_assert_cmpuint (ds_plot_get_n_labels (mae), >=, 2);
  for (guint i = 0; i < ds_plot_get_n_labels (mae); i++)
    g_assert_cmpuint (ds_plot_get_label (mae, i)->crossings, ==, 0);
  /* Stopped, the run is tested: beside the normalized test MAE the status
   * gives it in the target's own units, as the baselines' labels do. */
  {
    DsTrainingRun *run = ds_train_view_get_current_run (train);

    ds_training_run_stop (run);
    g_assert_true (ui_wait_for (run_tested, run, 60000));
    ui_spin (300);
    g_test_message ("status: %s", gtk_label_get_text (train->speed_label));
    g_assert_nonnull (strstr (gtk_label_get_text (train->speed_label), "mae"));
    g_assert_nonnull (strstr (gtk_label_get_text (train->speed_label), "°F)"));
  }
  ui_stop_run_and_close (window);
}

/* A daily cycle of amplitude 10 on a slow rise, a year of hourly rows in
 * 784 pixel columns (about 11 rows each): every column's band spans the
 * whole cycle and its mean follows the rise, not the cycle. */
static void
test_series_columns (void)
{
  enum { N = 8760, COLS = 784 };
  g_autofree float *v = g_new (float, N);
  float mn[COLS], mx[COLS], mean[COLS];
  NnSeries s = { 0 };

  for (int r = 0; r < N; r++)
    v[r] = 50.0f + 10.0f * (float) r / N + 10.0f * (float) sin (2 * G_PI * r / 24.0);
  s.n_rows = N;
  s.n_columns = 1;
  s.values = v;
  s.period = 24;
  _ds_series_columns (&s, COLS, mn, mx, mean);
  for (int px = 0; px < COLS; px++)
    {
      double trend = 50.0 + 10.0 * ((px + 0.5) / COLS);

      g_assert_cmpfloat (mx[px] - mn[px], >, 19.0);
      g_assert_cmpfloat (fabs (mean[px] - trend), <, 0.8);
    }
  /* Without a period a column spans its own rows only: a narrower band. */
  s.period = 0;
  _ds_series_columns (&s, COLS, mn, mx, mean);
  g_assert_cmpfloat (mx[COLS / 2] - mn[COLS / 2], <, 19.0);
}

/* ---- label placement ------------------------------------------------------ */

/* Vertical lines at the x of each entry of `data` (a -1 terminated list of
 * doubles, from the top of the frame to its bottom): how many meet r. */
static guint
vertical_crossings (const LabelRect *r,
                    gpointer         data)
{
  const double *xs = data;
  guint n = 0;

  for (; *xs >= 0; xs++)
    n += *xs >= r->x && *xs <= r->x + r->w;
  return n;
}

/* The box chosen among the candidates below, with `placed` already
 * there and vertical curves at xs: its corner and crossings. */
static void
assert_choice (const LabelRect *placed,
               const double    *xs,
               double           x,
               double           y,
               guint            crossings)
{
  const Frame f = { 0, 0, 400, 200 };
  const double cand[][2] = {
    { -10, 83 }, { 316, 83 }, { 316, 103 }, { 4, 83 }, { 4, 103 }, { 200, 83 }, { 200, 103 },
  };
  LabelRect r = _ds_plot_choose_label (&f, 80, 14, cand, G_N_ELEMENTS (cand), placed,
                                       placed ? 1 : 0, vertical_crossings, (gpointer) xs);

  g_assert_cmpfloat (r.x, ==, x);
  g_assert_cmpfloat (r.y, ==, y);
  g_assert_cmpuint (r.crossings, ==, crossings);
}

/* The placement takes the first candidate that meets no curve and no
 * placed label, skips candidates outside the frame, and with every place
 * crossed takes the first of the fewest crossings. The naive forecast's
 * label crossed the validation curve's first point at the right end. */
static void
test_label_placement (void)
{
  const double ends[] = { 350, 40, -1 }, everywhere[] = { 350, 40, 240, -1 }, none[] = { -1 };
  const LabelRect middle = { 200, 83, 80, 14, 0 };

  /* Nothing in the way: the first inside the frame. */
  assert_choice (NULL, none, 316, 83, 0);
  /* Curves through both ends: the middle, free. */
  assert_choice (NULL, ends, 200, 83, 0);
  /* That place taken by another label: below it. */
  assert_choice (&middle, ends, 200, 103, 0);
  /* Every place crossed once: the first inside. */
  assert_choice (NULL, everywhere, 316, 83, 1);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/series/preview", test_series_preview);
  g_test_add_func ("/ui/series/columns", test_series_columns);
  g_test_add_func ("/ui/series/label-placement", test_label_placement);
  g_test_add_func ("/ui/series/train-baselines", test_train_baselines);
  return g_test_run ();
}
