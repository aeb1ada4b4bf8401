/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Inspect view's filters, heat-map and errors pages under a private X
 * server (tests/run-headless.sh), each alone in a window with its own
 * DsInspectSubject, on the fashion_small convnet trained here for one
 * epoch on 500 Fashion-MNIST images: a confusion cell lists its examples
 * and a click on one makes it the input; another class changes Grad-CAM's
 * map; the opacity slider changes the drawing; Cancel stops a filter grid
 * within a second; pictures export to valid PNG and SVG files.
 * DEEPSCOPE_SCREENSHOTS=DIR also writes each page to DIR/inspect-*.png. */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-inspect-panels-private.h"
#include "ds-jobs.h"
#include "ds-inspect-subject.h"
#include "ui-test-util.h"

/* Test images the confusion runs over: enough for every class to appear,
 * few enough to stay quick on a shared machine. */
#define N_TEST 600

static NnModel   *trained;
static DsDataset *dataset;

/* A sample trained for one epoch on 500 images. */
static NnModel *
train_sample (const char *name,
              NnDataset  *ds)
{
  g_autofree char *path = ui_sample_path (name);
  g_autoptr(NnModel) m = NULL;
  g_autoptr(NnTrainer) t = NULL;
  g_autoptr(GError) error = NULL;
  NnModel *result;
  NnFitConfig cfg;

  m = nn_model_load (path, &error);
  g_assert_no_error (error);
  nn_fit_config_init (&cfg);
  cfg.epochs = 1;
  cfg.batch_size = 32;
  cfg.validation_split = 0;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  t = nn_trainer_new ();
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  nn_fit_config_clear (&cfg);
  result = nn_trainer_dup_model (t);
  g_assert_nonnull (result);
  g_assert_true (nn_model_has_weights (result));
  return result;
}

/* fashion_small (a convnet), once per program. */
static void
ensure_trained (void)
{
  g_autoptr(GError) error = NULL;
  NnDataset *ds;

  if (trained)
    return;
  ds = nn_dataset_open ("fashion-mnist:limit=500", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_test, >=, N_TEST);
  ds->n_test = N_TEST;
  trained = train_sample ("fashion_small.json", ds);
  dataset = ds_dataset_new_take (ds);
}

typedef struct
{
  DsInspectSubject *subject;
  GtkWindow        *window;
  GtkWidget        *page;
} Ui;

typedef GtkWidget *(*PageNew) (DsInspectSubject *subject);

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  PageNew page_new = (PageNew) data;

  ensure_trained ();
  ui->subject = ds_inspect_subject_new ();
  ds_inspect_subject_set_dataset (ui->subject, dataset);
  ds_inspect_subject_set_model (ui->subject, trained, "Trained in the test");
  g_assert_true (ds_inspect_subject_open_test_sample (ui->subject, 0));
  ui->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (ui->window, 1100, 760);
  ui->page = page_new (ui->subject);
  /* No margins of its own: the page keeps them, as in the window (the
   * filters and heat-map pages once touched its edges). */
  g_assert_cmpint (gtk_widget_get_margin_start (gtk_widget_get_first_child (ui->page)), ==, 12);
  g_assert_cmpint (gtk_widget_get_margin_end (gtk_widget_get_first_child (ui->page)), ==, 12);
  gtk_window_set_child (ui->window, ui->page);
  gtk_window_present (ui->window);
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->page, 5000));
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  UiWatch w = { NULL, NULL };

  ui_watch (&w, ui->page, "the page");
  ui_watch (&w, ui->subject, "the subject");
  gtk_window_destroy (ui->window);
  g_object_unref (ui->subject);
  /* A job still running holds its page until it ends: at most a second. */
  ui_watch_assert_finalized (&w, 10000);
  g_assert_true (ds_jobs_wait (5 * G_USEC_PER_SEC));
}

/* Writes the window to DIR/name when DEEPSCOPE_SCREENSHOTS=DIR is set. */
static void
maybe_screenshot (Ui         *ui,
                  const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SCREENSHOTS");
  g_autoptr(GtkSnapshot) snap = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkPaintable *paintable;

  if (dir == NULL)
    return;
  ui_spin (300);
  snap = gtk_snapshot_new ();
  paintable = gtk_widget_paintable_new (GTK_WIDGET (ui->window));
  gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (GTK_WIDGET (ui->window)),
                          gtk_widget_get_height (GTK_WIDGET (ui->window)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (ui->window)), node, NULL);
  path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("wrote %s", path);
  g_object_unref (paintable);
}

/* ---- errors ----------------------------------------------------------------- */

static gboolean
confusion_ready (gpointer data)
{
  DsInspectErrors *page = data;

  return !ds_inspect_errors_is_busy (page) && ds_inspect_errors_get_confusion (page) != NULL;
}

static guint
n_children (GtkFlowBox *box)
{
  guint n = 0;

  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (box)); c; c = gtk_widget_get_next_sibling (c))
    n++;
  return n;
}

static GtkWidget *
child_picture (GtkFlowBox *box,
               guint       i)
{
  GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (box));

  while (c && i-- > 0)
    c = gtk_widget_get_next_sibling (c);
  g_assert_nonnull (c);
  /* flow box child → its box → the picture */
  return gtk_widget_get_first_child (gtk_flow_box_child_get_child (GTK_FLOW_BOX_CHILD (c)));
}

static gboolean
gallery_has_overlays (gpointer data)
{
  return ds_inspect_errors_get_n_overlays (data) > 0;
}

static gboolean
input_is (gpointer data)
{
  gpointer *args = data;

  return ds_inspect_subject_get_input_index (args[0]) == GPOINTER_TO_SIZE (args[1]);
}

static void
test_errors_cell (Ui            *ui,
                  gconstpointer  data)
{
  DsInspectErrors *page = DS_INSPECT_ERRORS (ui->page);
  const NnConfusion *c;
  guint64 total = 0, diagonal = 0;
  int best_t = -1, best_p = -1;
  guint32 best = 0;
  double x, y;
  g_autofree size_t *positions = NULL;
  size_t n;

  g_assert_true (ui_wait_for (confusion_ready, page, 60000));
  c = ds_inspect_errors_get_confusion (page);
  g_assert_cmpint (c->n_classes, ==, 10);
  g_assert_cmpuint (c->n, ==, N_TEST);
  /* The matrix accounts for every test image once. */
  for (int i = 0; i < c->n_classes * c->n_classes; i++)
    total += c->counts[i];
  for (int i = 0; i < c->n_classes; i++)
    diagonal += c->counts[i * c->n_classes + i];
  g_assert_cmpuint (total, ==, N_TEST);
  g_assert_cmpfloat (fabs (c->accuracy - (double) diagonal / N_TEST), <, 1e-9);
  g_test_message ("accuracy after one epoch on 500 images: %.3f", c->accuracy);
  /* The fullest mistake: a cell off the diagonal with the most images. */
  for (int t = 0; t < c->n_classes; t++)
    for (int p = 0; p < c->n_classes; p++)
      if (t != p && c->counts[t * c->n_classes + p] > best)
        best = c->counts[t * c->n_classes + p], best_t = t, best_p = p;
  g_assert_cmpint (best_t, >=, 0);
  g_assert_cmpuint (n_children (ds_inspect_errors_get_examples (page)), ==, 0);

  /* A real click on the cell lists its examples. */
  g_assert_true (ds_inspect_errors_cell_point (page, best_t, best_p, &x, &y));
  ui_xtest_click (ds_inspect_errors_get_matrix (page), x, y);
  g_assert_cmpuint (n_children (ds_inspect_errors_get_examples (page)), ==, MIN (best, 60));
  positions = g_new (size_t, best);
  n = nn_confusion_cell (c, best_t, best_p, positions, best);
  g_assert_cmpuint (n, ==, best);

  /* A click on its first example makes that test image the input. */
  {
    GtkWidget *pic = child_picture (ds_inspect_errors_get_examples (page), 0);
    gpointer args[2] = { ui->subject, GSIZE_TO_POINTER (positions[0]) };

    g_assert_true (ui_wait_for (ui_widget_allocated, pic, 5000));
    g_assert_cmpint (ds_inspect_subject_get_input_index (ui->subject), !=, (gssize) positions[0]);
    ui_xtest_click (pic, gtk_widget_get_width (pic) / 2.0, gtk_widget_get_height (pic) / 2.0);
    g_assert_true (ui_wait_for (input_is, args, 2000));
  }

  /* The gallery: the most confidently wrong, Grad-CAM laid over them. */
  g_assert_cmpuint (n_children (ds_inspect_errors_get_gallery (page)), ==,
                    MIN (24, N_TEST - diagonal));
  g_assert_true (ui_wait_for (gallery_has_overlays, page, 30000));
  maybe_screenshot (ui, "inspect-errors.png");
}

/* ---- heat maps -------------------------------------------------------------- */

static gboolean
heatmap_ready (gpointer data)
{
  DsInspectHeatmaps *page = data;

  return !ds_inspect_heatmaps_is_busy (page) && ds_inspect_heatmaps_get_map (page) != NULL;
}

typedef struct
{
  DsInspectHeatmaps *page;
  int                c;
} ClassWait;

static gboolean
heatmap_class_ready (gpointer data)
{
  ClassWait *w = data;

  return heatmap_ready (w->page) && ds_inspect_heatmaps_get_map_class (w->page) == w->c;
}

/* While a drop-down's list is open its tooltip stays away (it covered the
 * list), and comes back when the list closes. */
static void
assert_tooltip_quiet_while_open (GtkWidget *drop)
{
  GtkWidget *popover = NULL;

  for (GtkWidget *c = gtk_widget_get_first_child (drop); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      popover = c;
  g_assert_nonnull (popover);
  g_assert_nonnull (gtk_widget_get_tooltip_text (drop));
  g_assert_true (gtk_widget_get_has_tooltip (drop));
  gtk_popover_popup (GTK_POPOVER (popover));
  ui_spin (100);
  g_assert_true (gtk_widget_get_visible (popover));
  g_assert_false (gtk_widget_get_has_tooltip (drop));
  gtk_popover_popdown (GTK_POPOVER (popover));
  ui_spin (100);
  g_assert_true (gtk_widget_get_has_tooltip (drop));
}

static void
test_heatmap_class (Ui            *ui,
                    gconstpointer  data)
{
  DsInspectHeatmaps *page = DS_INSPECT_HEATMAPS (ui->page);
  g_autoptr(NnTensor) first = NULL;
  const NnTensor *second;
  ClassWait w = { page, -1 };
  int predicted;
  double diff = 0;

  g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
  /* Grad-CAM by default, of the predicted class, at the last spatial layer. */
  g_assert_cmpuint (gtk_drop_down_get_selected (ds_inspect_heatmaps_get_method_drop (page)), ==, 0);
  first = nn_tensor_copy (ds_inspect_heatmaps_get_map (page));
  predicted = ds_inspect_heatmaps_get_map_class (page);
  g_assert_cmpint (predicted, >=, 0);
  g_assert_cmpint (first->ndim, ==, 2);
  g_assert_cmpfloat (nn_tensor_max (first), <=, 1.0 + 1e-6);

  assert_tooltip_quiet_while_open (GTK_WIDGET (ds_inspect_heatmaps_get_class_drop (page)));
  assert_tooltip_quiet_while_open (GTK_WIDGET (ds_inspect_heatmaps_get_method_drop (page)));

  /* Another class, chosen by name in the dropdown (row 0: the predicted). */
  w.c = (predicted + 5) % 10;
  gtk_drop_down_set_selected (ds_inspect_heatmaps_get_class_drop (page), (guint) w.c + 1);
  g_assert_cmpint (ds_inspect_subject_get_class (ui->subject), ==, w.c);
  g_assert_true (ui_wait_for (heatmap_class_ready, &w, 30000));
  second = ds_inspect_heatmaps_get_map (page);
  g_assert_cmpint (second->size, ==, first->size);
  for (size_t i = 0; i < first->size; i++)
    diff = MAX (diff, fabs (first->data[i] - second->data[i]));
  g_test_message ("Grad-CAM of class %d vs %d: largest difference %.3f", predicted, w.c, diff);
  g_assert_cmpfloat (diff, >, 0.05);

  /* The subject's class moves the dropdown back (another page chose). */
  ds_inspect_subject_set_class (ui->subject, -1);
  g_assert_cmpuint (gtk_drop_down_get_selected (ds_inspect_heatmaps_get_class_drop (page)), ==, 0);
  w.c = predicted;
  g_assert_true (ui_wait_for (heatmap_class_ready, &w, 30000));
}

/* The picture exported as PNG, read back. */
static cairo_surface_t *
export_png (GtkWidget  *picture,
            const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ds-panels-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  cairo_surface_t *s;

  g_assert_no_error (error);
  g_assert_true (ds_inspect_drawing_export (DS_INSPECT_DRAWING (picture), DS_EXPORT_PNG, path, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_unlink (path);
  g_rmdir (dir);
  return s;
}

static void
test_heatmap_opacity (Ui            *ui,
                      gconstpointer  data)
{
  DsInspectHeatmaps *page = DS_INSPECT_HEATMAPS (ui->page);
  GtkWidget *picture = ds_inspect_heatmaps_get_picture (page);
  cairo_surface_t *a, *b;
  int w, h, stride, changed = 0;

  g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
  gtk_range_set_value (ds_inspect_heatmaps_get_opacity (page), 0.1);
  a = export_png (picture, "a.png");
  gtk_range_set_value (ds_inspect_heatmaps_get_opacity (page), 0.9);
  b = export_png (picture, "b.png");
  w = cairo_image_surface_get_width (a);
  h = cairo_image_surface_get_height (a);
  g_assert_cmpint (w, ==, cairo_image_surface_get_width (b));
  g_assert_cmpint (h, ==, cairo_image_surface_get_height (b));
  stride = cairo_image_surface_get_stride (a);
  for (int y = 0; y < h; y++)
    {
      const guint32 *ra = (const guint32 *) (cairo_image_surface_get_data (a) + y * stride);
      const guint32 *rb = (const guint32 *) (cairo_image_surface_get_data (b) + y * stride);

      for (int x = 0; x < w; x++)
        changed += ra[x] != rb[x];
    }
  g_test_message ("opacity 0.1 → 0.9: %d of %d pixels changed", changed, w * h);
  /* The image under the map is most of the picture. */
  g_assert_cmpint (changed, >, w * h / 5);
  if (g_getenv ("DEEPSCOPE_SCREENSHOTS"))
    {
      gtk_range_set_value (ds_inspect_heatmaps_get_opacity (page), 0.5);
      gtk_check_button_set_active (ds_inspect_heatmaps_get_side_check (page), TRUE);
      g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
      maybe_screenshot (ui, "inspect-heatmaps.png");
    }
  cairo_surface_destroy (a);
  cairo_surface_destroy (b);
}

/* ---- filters ---------------------------------------------------------------- */

static gboolean
filters_some (gpointer data)
{
  int filled, total;

  ds_inspect_filters_get_progress (data, &filled, &total);
  return filled > 0;
}

static gboolean
filters_idle (gpointer data)
{
  return !ds_inspect_filters_is_busy (data);
}

static void
test_filters_cancel (Ui            *ui,
                     gconstpointer  data)
{
  DsInspectFilters *page = DS_INSPECT_FILTERS (ui->page);
  GtkWidget *cancel = ds_inspect_filters_get_cancel_button (page);
  int filled, total;
  gint64 t0, waited;

  /* The first grid starts with the page: let it finish, then ask for a
   * long one (500 steps per filter) to cancel. */
  g_assert_true (ui_wait_for (filters_idle, page, 60000));
  ds_inspect_filters_get_progress (page, &filled, &total);
  g_assert_cmpint (total, ==, 32);
  g_assert_cmpint (filled, ==, total);
  maybe_screenshot (ui, "inspect-filters.png");
  gtk_spin_button_set_value (ds_inspect_filters_get_steps_spin (page), 500);
  g_signal_emit_by_name (ds_inspect_filters_get_compute_button (page), "clicked");
  g_assert_true (ds_inspect_filters_is_busy (page));
  g_assert_true (ui_wait_for (filters_some, page, 30000));
  g_assert_true (gtk_widget_get_visible (cancel));

  t0 = g_get_monotonic_time ();
  g_signal_emit_by_name (cancel, "clicked");
  g_assert_true (ui_wait_for (filters_idle, page, 5000));
  waited = g_get_monotonic_time () - t0;
  ds_inspect_filters_get_progress (page, &filled, &total);
  g_test_message ("Cancel: the job ended %.0f ms later with %d of %d filters drawn",
                  waited / 1000.0, filled, total);
  g_assert_cmpint (waited, <, G_USEC_PER_SEC);
  g_assert_cmpint (filled, >, 0);
  g_assert_cmpint (filled, <, total);
  g_assert_true (strstr (gtk_label_get_text (ds_inspect_filters_get_message (page)), "Stopped") != NULL);
  /* The unfinished filters are marked (crossed out) and counted in words. */
  g_assert_true (ds_inspect_filters_is_stopped (page));
  g_assert_cmpint (ds_inspect_filters_get_n_unfinished (page), >, 0);
  g_assert_true (strstr (gtk_label_get_text (ds_inspect_filters_get_message (page)),
                         "crossed out were not") != NULL);
  maybe_screenshot (ui, "inspect-filters-stopped.png");
  /* Still alive and drawable. */
  ui_spin (200);
  g_assert_true (gtk_widget_get_mapped (ds_inspect_filters_get_grid (page)));
}

/* ---- export ----------------------------------------------------------------- */

static void
check_exports (GtkWidget  *picture,
               const char *dir,
               const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *png = g_strdup_printf ("%s/%s.png", dir, name);
  g_autofree char *svg = g_strdup_printf ("%s/%s.svg", dir, name);
  g_autofree char *text = NULL;
  cairo_surface_t *s;
  gsize len;

  g_assert_true (ds_inspect_drawing_export (DS_INSPECT_DRAWING (picture), DS_EXPORT_PNG, png, &error));
  g_assert_no_error (error);
  s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  /* Twice the pixels of the picture on screen. */
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 2 * gtk_widget_get_width (picture));
  cairo_surface_destroy (s);

  g_assert_true (ds_inspect_drawing_export (DS_INSPECT_DRAWING (picture), DS_EXPORT_SVG, svg, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &text, &len, &error));
  g_assert_true (g_str_has_prefix (text, "<?xml"));
  g_assert_nonnull (strstr (text, "<svg"));
  g_assert_nonnull (strstr (text, "</svg>"));
  /* Pictures in SVG carry their images. */
  g_assert_nonnull (strstr (text, "<image"));
  g_unlink (png);
  g_unlink (svg);
}

static void
test_export (Ui            *ui,
             gconstpointer  data)
{
  DsInspectHeatmaps *page = DS_INSPECT_HEATMAPS (ui->page);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ds-panels-XXXXXX", &error);
  g_autofree char *bad = NULL;

  g_assert_no_error (error);
  g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
  check_exports (ds_inspect_heatmaps_get_picture (page), dir, "heat-map");
  /* One map as tall as the page leaves its colour bar's last label room
   * below it: the export's bottom rows are blank paper (the picture and
   * the "0.00" under the bar ran into the edge). */
  {
    GtkWidget *picture = ds_inspect_heatmaps_get_picture (page);
    cairo_surface_t *s;
    int w, h, stride, ink = 0;

    g_assert_cmpint (gtk_widget_get_height (picture) + 56, <, gtk_widget_get_width (picture));
    s = export_png (picture, "single.png");
    w = cairo_image_surface_get_width (s);
    h = cairo_image_surface_get_height (s);
    stride = cairo_image_surface_get_stride (s);
    for (int y = h - 4; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          guint32 px = ((const guint32 *) (cairo_image_surface_get_data (s) + y * stride))[x];

          ink += (px & 0xffffff) != 0xffffff;
        }
    g_test_message ("single map: %d×%d, %d inked pixels in the last 4 rows", w, h, ink);
    g_assert_cmpint (ink, ==, 0);
    cairo_surface_destroy (s);
  }
  /* A folder that does not exist: an error naming it, no file. */
  bad = g_build_filename (dir, "no-such-folder", "map.png", NULL);
  g_assert_false (ds_inspect_drawing_export (DS_INSPECT_DRAWING (ds_inspect_heatmaps_get_picture (page)),
                                             DS_EXPORT_PNG, bad, &error));
  g_assert_nonnull (error);
  g_assert_false (g_file_test (bad, G_FILE_TEST_EXISTS));
  g_rmdir (dir);

  /* Side by side, one explanation's export is that picture alone (a
   * third of the width), not the whole page of three. */
  {
    GtkWidget *picture = ds_inspect_heatmaps_get_picture (page);
    cairo_surface_t *whole, *one;

    gtk_check_button_set_active (ds_inspect_heatmaps_get_side_check (page), TRUE);
    g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
    ui_spin (200);
    whole = export_png (picture, "whole.png");
    ds_inspect_drawing_set_export_part (DS_INSPECT_DRAWING (picture), 2);
    one = export_png (picture, "occlusion.png");
    g_test_message ("side by side: whole %d×%d, one %d×%d", cairo_image_surface_get_width (whole),
                    cairo_image_surface_get_height (whole), cairo_image_surface_get_width (one),
                    cairo_image_surface_get_height (one));
    g_assert_cmpint (cairo_image_surface_get_height (one), ==, cairo_image_surface_get_height (whole));
    g_assert_cmpint (abs (3 * cairo_image_surface_get_width (one)
                          - cairo_image_surface_get_width (whole)), <=, 6);
    cairo_surface_destroy (whole);
    cairo_surface_destroy (one);
  }
}

/* ---- a model without convolutions ----------------------------------------- */

static gboolean
message_has (gpointer data)
{
  gpointer *args = data;

  return strstr (gtk_label_get_text (args[0]), args[1]) != NULL;
}

/* fashion_mlp (Flatten, Dense, Dense): the filters page says why it has
 * nothing to draw, Grad-CAM says why it cannot run, and saliency and
 * occlusion still explain the class. */
static void
test_dense_model (Ui            *ui,
                  gconstpointer  data)
{
  g_autoptr(NnModel) mlp = train_sample ("fashion_mlp.json", ds_dataset_get (dataset));
  GtkWidget *filters = ds_inspect_filters_new (ui->subject);
  DsInspectHeatmaps *page = DS_INSPECT_HEATMAPS (ui->page);
  gpointer args[2];

  gtk_window_set_child (ui->window, NULL);
  {
    GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

    gtk_box_append (GTK_BOX (box), filters);
    gtk_box_append (GTK_BOX (box), ui->page);
    gtk_window_set_child (ui->window, box);
  }
  ds_inspect_subject_set_model (ui->subject, mlp, "Trained in the test (no convolutions)");
  ui_spin (200);
  args[0] = ds_inspect_filters_get_message (DS_INSPECT_FILTERS (filters));
  args[1] = "no convolutional layer";
  ui_wait_for (message_has, args, 5000);
  g_test_message ("filters: %s", gtk_label_get_text (args[0]));
  g_assert_true (message_has (args));
  g_assert_false (ds_inspect_filters_is_busy (DS_INSPECT_FILTERS (filters)));
  args[0] = ds_inspect_heatmaps_get_message (page);
  args[1] = "Grad-CAM needs a layer";
  ui_wait_for (message_has, args, 5000);
  g_test_message ("heat maps: %s", gtk_label_get_text (args[0]));
  g_assert_true (message_has (args));
  g_assert_null (ds_inspect_heatmaps_get_map (page));

  /* Saliency: a map at the input's resolution. */
  gtk_drop_down_set_selected (ds_inspect_heatmaps_get_method_drop (page), 1);
  g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
  g_assert_cmpint (ds_inspect_heatmaps_get_map (page)->shape[0], ==, 28);
  g_assert_cmpint (ds_inspect_heatmaps_get_map (page)->shape[1], ==, 28);
  /* Occlusion too. */
  gtk_drop_down_set_selected (ds_inspect_heatmaps_get_method_drop (page), 2);
  g_assert_true (ui_wait_for (heatmap_ready, page, 30000));
  g_assert_cmpint (ds_inspect_heatmaps_get_map (page)->shape[0], ==, 28);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  ui_test_init (&argc, &argv);
  g_test_add ("/ui/inspect-panels/errors/cell-examples", Ui, ds_inspect_errors_new, ui_setup,
              test_errors_cell, ui_teardown);
  g_test_add ("/ui/inspect-panels/heatmaps/class-switch", Ui, ds_inspect_heatmaps_new, ui_setup,
              test_heatmap_class, ui_teardown);
  g_test_add ("/ui/inspect-panels/heatmaps/opacity", Ui, ds_inspect_heatmaps_new, ui_setup,
              test_heatmap_opacity, ui_teardown);
  g_test_add ("/ui/inspect-panels/heatmaps/export", Ui, ds_inspect_heatmaps_new, ui_setup,
              test_export, ui_teardown);
  g_test_add ("/ui/inspect-panels/filters/cancel", Ui, ds_inspect_filters_new, ui_setup,
              test_filters_cancel, ui_teardown);
  g_test_add ("/ui/inspect-panels/dense-model", Ui, ds_inspect_heatmaps_new, ui_setup,
              test_dense_model, ui_teardown);
  ret = g_test_run ();
  g_clear_pointer (&trained, nn_model_free);
  g_clear_pointer (&dataset, ds_dataset_unref);
  return ret;
}
