/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Generate view under a private X server (tests/run-headless.sh), with
 * the small Fashion-MNIST convnet sample trained for one epoch on 500
 * images: a DeepDream run shows intermediate octaves and can be stopped;
 * the projector computes a PCA of a layer, hovering a point shows its
 * image, clicking it opens it in the Inspect view; a model without
 * convolutional layers says why on the DeepDream page.
 * DEEPSCOPE_SCREENSHOTS=DIR also writes the window as PNGs there. */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-generate-view-private.h"
#include "ds-training-run.h"
#include "ds-window.h"
#include "ui-test-util.h"

#define SPEC "fashion-mnist:limit=500"

typedef struct
{
  DsWindow       *window;
  DsDocument     *doc;
  DsGenerateView *view;
} Ui;

static NnModel *trained;   /* fashion_small after one epoch, made once */

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->doc = ds_window_get_document (ui->window);
  ui->view = DS_GENERATE_VIEW (ds_window_get_view (ui->window, "generate"));
  g_assert_nonnull (ui->view);
  ui_spin (100);
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  ui_close_window_checked (ui->window);
}

static void
screenshot (Ui         *ui,
            const char *name)
{
  ui_screenshot (ui->window, "generate", name);
}

/* fashion_small trained for one epoch on SPEC, through a training run as
 * the Train view starts it. */
static NnModel *
train_once (void)
{
  g_autoptr(NnModel) model = ui_load_sample ("fashion_small.json");

  if (trained)
    return nn_model_copy (trained);
  trained = ui_train_model (model, SPEC, 1, 120000);
  return nn_model_copy (trained);
}

static gboolean
dataset_ready (gpointer data)
{
  DsGenerateView *view = data;

  return view->dataset != NULL && ds_generate_view_get_model (view) != NULL;
}

static void
show_trained (Ui *ui)
{
  ds_document_take_model (ui->doc, train_once (), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "generate");
  g_assert_true (ui_wait_for (dataset_ready, ui->view, 60000));
}

static gboolean
two_octaves_seen (gpointer data)
{
  return ds_generate_view_get_octaves_seen (data) >= 2;
}

static gboolean
not_dreaming (gpointer data)
{
  return !ds_generate_view_is_dreaming (data);
}

/* A dream of three octaves shows pictures of the first octaves while it
 * runs, each smaller than the full size; Stop ends it with the last step
 * shown. */
static void
test_dream_cancel (Ui            *ui,
                   gconstpointer  data)
{
  const NnTensor *shown;

  show_trained (ui);
  g_assert_null (ds_generate_view_get_dream_reason (ui->view));
  g_assert_cmpuint (ds_generate_view_get_n_conv_layers (ui->view), >=, 2);
  g_assert_true (ds_generate_view_dream_from_test (ui->view, 3));
  shown = ds_generate_view_get_dreamed (ui->view);
  g_assert_cmpint (shown->shape[1], ==, DS_GENERATE_DREAM_SIDE);
  ds_generate_view_set_dream_settings (ui->view, 3, 1.4, 400, 0.01);
  ds_generate_view_dream (ui->view);
  g_assert_true (ds_generate_view_is_dreaming (ui->view));
  g_assert_true (ui_wait_for (two_octaves_seen, ui->view, 120000));
  g_assert_cmpuint (ds_generate_view_get_n_dream_frames (ui->view), >=, 2);
  shown = ds_generate_view_get_dreamed (ui->view);
  /* The second octave is 256 / 1.4 ≈ 183 pixels high. */
  g_assert_cmpint (shown->shape[1], <, DS_GENERATE_DREAM_SIDE);
  screenshot (ui, "dream");
  ds_generate_view_stop_dream (ui->view);
  g_assert_true (ui_wait_for (not_dreaming, ui->view, 30000));
  /* The status names the size the stopped picture is saved at. */
  g_assert_true (g_str_has_prefix (ds_generate_view_get_dream_status (ui->view),
                                   "Stopped: the picture shows the last step, at "));
  g_assert_nonnull (strstr (ds_generate_view_get_dream_status (ui->view), " × "));
}

static gboolean
not_projecting (gpointer data)
{
  return !ds_generate_view_is_projecting (data);
}

static gboolean
inspect_shown (gpointer data)
{
  Ui *ui = data;

  return gtk_widget_get_mapped (ds_window_get_view (ui->window, "inspect"));
}

/* A PCA of the flattened layer over 500 test samples: one point each,
 * shares of the variance that fall and sum to at most one; hovering a
 * point shows its image and label. */
static void
test_projector_pca (Ui            *ui,
                    gconstpointer  data)
{
  const double *ex;
  const NnTensor *img;

  show_trained (ui);
  ds_generate_view_show_page (ui->view, "projector");
  ds_generate_view_project (ui->view, 1, 500, TRUE, 2);
  g_assert_true (ui_wait_for (not_projecting, ui->view, 120000));
  g_assert_cmpint (ds_generate_view_get_n_points (ui->view), ==, 500);
  ex = ds_generate_view_get_explained (ui->view);
  g_assert_nonnull (ex);
  g_assert_cmpfloat (ex[0], >, 0);
  g_assert_cmpfloat (ex[0], >=, ex[1]);
  g_assert_cmpfloat (ex[0] + ex[1], <=, 1 + 1e-6);
  g_assert_null (ds_generate_view_get_hover_image (ui->view));
  ds_generate_view_hover_point (ui->view, 7);
  img = ds_generate_view_get_hover_image (ui->view);
  g_assert_nonnull (img);
  g_assert_cmpint (img->shape[0], ==, 1);
  /* Point 7 of 500 spread over the test split: "Test image N: class". */
  g_assert_true (g_str_has_prefix (ds_generate_view_get_hover_label (ui->view), "Test image "));
  g_assert_nonnull (strstr (ds_generate_view_get_hover_label (ui->view), ": "));
  screenshot (ui, "projector");
  ds_generate_view_click_point (ui->view, 7);
  g_assert_true (ui_wait_for (inspect_shown, ui, 10000));
}

/* After a dream, a new start image (a PNG opened, or a test image) makes
 * the status say so rather than describe the dream that is gone; Save
 * writes the PNG and says so in a toast. */
static void
test_dream_status_save (Ui            *ui,
                        gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("test-ui-generate-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "dream.png", NULL);
  g_autofree char *toast = NULL;
  g_autoptr(GError) error = NULL;
  const char *status;

  show_trained (ui);
  g_assert_true (ds_generate_view_dream_from_test (ui->view, 3));
  ds_generate_view_set_dream_settings (ui->view, 1, 1.4, 2, 0.01);
  ds_generate_view_dream (ui->view);
  g_assert_true (ui_wait_for (not_dreaming, ui->view, 120000));
  g_assert_true (g_str_has_prefix (ds_generate_view_get_dream_status (ui->view), "Dreamed: "));

  ds_generate_view_save_dream_accept (ui->view, saved);
  g_assert_true (g_file_test (saved, G_FILE_TEST_EXISTS));
  toast = g_strdup_printf ("Saved %s", saved);
  g_assert_cmpstr (ds_generate_view_get_last_toast (ui->view), ==, toast);

  /* Open the saved dream as the next start: the status no longer reads
   * "Dreamed: 256 × 256, 1 octave". */
  g_assert_true (ds_generate_view_open_start_png (ui->view, saved, &error));
  g_assert_no_error (error);
  status = ds_generate_view_get_dream_status (ui->view);
  g_test_message ("after Open PNG: %s", status);
  g_assert_false (g_str_has_prefix (status, "Dreamed"));
  g_assert_cmpstr (status, ==, "Ready: press Dream to start from this image");
  g_assert_cmpstr (gtk_label_get_text (ui->view->dream_losses), ==, "");

  /* A PNG that is not there: the toast explains, nothing is saved. */
  g_unlink (saved);
  g_assert_false (ds_generate_view_open_start_png (ui->view, saved, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_rmdir (dir);
}

/* The projector: Export is off until there is a projection, the exported
 * picture carries a caption (layer, method, samples), the hovered point is
 * drawn on top and ringed in 3-D, the hover panel clears when the pointer
 * leaves the scatter, and Export confirms in a toast. */
static void
test_projector_export_hover (Ui            *ui,
                             gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("test-ui-generate-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "projection.png", NULL);
  g_autofree char *toast = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GListModel) controllers = NULL;
  cairo_surface_t *img;
  const char *caption;
  const guint8 *px;
  double x, y;
  int stride, dark = 0, ink = 0, sc;

  show_trained (ui);
  ds_generate_view_show_page (ui->view, "projector");
  ui_spin (100);
  g_assert_false (gtk_widget_get_sensitive (ui->view->export_button));
  g_assert_false (ds_generate_view_export_scatter (ui->view, DS_EXPORT_PNG, png, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  ds_generate_view_project (ui->view, 1, 300, TRUE, 3);
  g_assert_false (gtk_widget_get_sensitive (ui->view->export_button));
  g_assert_true (ui_wait_for (not_projecting, ui->view, 120000));
  g_assert_cmpint (ds_generate_view_get_n_points (ui->view), ==, 300);
  g_assert_true (gtk_widget_get_sensitive (ui->view->export_button));
  caption = ds_generate_view_get_scatter_caption (ui->view);
  g_assert_nonnull (caption);
  g_test_message ("caption: %s", caption);
  g_assert_nonnull (strstr (caption, "PCA 3-D"));
  g_assert_nonnull (strstr (caption, "300 test samples"));
  g_assert_nonnull (strstr (caption, gtk_string_list_get_string (ui->view->probe_names, 1)));

  /* Hovered in 3-D: a dark ring around the point, drawn over the rest. */
  ds_generate_view_hover_point (ui->view, 11);
  g_assert_nonnull (ds_generate_view_get_hover_image (ui->view));
  ds_generate_view_export_scatter_accept (ui->view, png);
  toast = g_strdup_printf ("Exported %s", png);
  g_assert_cmpstr (ds_generate_view_get_last_toast (ui->view), ==, toast);
  img = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  /* 720 x 540, written at the export's pixel density. */
  sc = cairo_image_surface_get_width (img) / 720;
  g_assert_cmpint (sc, >=, 1);
  g_assert_cmpint (cairo_image_surface_get_width (img), ==, 720 * sc);
  g_assert_cmpint (cairo_image_surface_get_height (img), ==, 540 * sc);
  px = cairo_image_surface_get_data (img);
  stride = cairo_image_surface_get_stride (img);
  g_assert_true (ds_generate_view_get_point_position (ui->view, 11, 720, 540, &x, &y));
  /* The ring: pixels 6 to 7 from the centre, on 16 directions. */
  for (int k = 0; k < 16; k++)
    {
      int rx = (int) lround (sc * (x + 6.5 * cos (k * G_PI / 8)));
      int ry = (int) lround (sc * (y + 6.5 * sin (k * G_PI / 8)));
      const guint8 *p = px + (size_t) ry * stride + 4 * rx;

      if (p[0] < 80 && p[1] < 80 && p[2] < 80)
        dark++;
    }
  g_test_message ("hovered point at (%.1f, %.1f): %d of 16 ring pixels dark", x, y, dark);
  g_assert_cmpint (dark, >=, 12);
  /* The caption: ink in the band under the plot, left of the legend. */
  for (int yy = sc * (540 - 20); yy < sc * 540; yy++)
    for (int xx = 0; xx < sc * (720 - 130); xx++)
      {
        const guint8 *p = px + (size_t) yy * stride + 4 * xx;

        if (p[0] < 128)
          ink++;
      }
  g_test_message ("caption band: %d dark pixels", ink);
  g_assert_cmpint (ink, >, 100);
  cairo_surface_destroy (img);

  /* The pointer leaves the scatter: the panel goes back to its hint. */
  controllers = gtk_widget_observe_controllers (ui->view->scatter);
  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_MOTION (c))
        g_signal_emit_by_name (c, "leave");
    }
  g_assert_null (ds_generate_view_get_hover_image (ui->view));
  g_assert_cmpstr (ds_generate_view_get_hover_label (ui->view), ==,
                   "Hover a point to see its input");
  g_unlink (png);
  g_rmdir (dir);
}

/* A dense model (the MLP sample) with weights: the DeepDream page says why
 * it cannot dream, and offers no layer. */
static void
test_no_conv (Ui            *ui,
              gconstpointer  data)
{
  NnModel *m = ui_load_sample ("fashion_mlp.json");
  g_autoptr(GError) error = NULL;
  const char *why;

  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  ds_document_take_model (ui->doc, m, NULL, FALSE);
  ds_window_set_visible_view (ui->window, "generate");
  ui_spin (200);
  g_assert_nonnull (ds_generate_view_get_model (ui->view));
  why = ds_generate_view_get_dream_reason (ui->view);
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, "no convolutional layer"));
  g_assert_cmpuint (ds_generate_view_get_n_conv_layers (ui->view), ==, 0);
  screenshot (ui, "no-conv");
}

int
main (int    argc,
      char **argv)
{
  int ret;

  ui_test_init (&argc, &argv);
  g_test_add ("/ui/generate/no-conv", Ui, NULL, ui_setup, test_no_conv, ui_teardown);
  g_test_add ("/ui/generate/dream-cancel", Ui, NULL, ui_setup, test_dream_cancel, ui_teardown);
  g_test_add ("/ui/generate/projector-pca", Ui, NULL, ui_setup, test_projector_pca, ui_teardown);
  g_test_add ("/ui/generate/dream-status-save", Ui, NULL, ui_setup, test_dream_status_save,
              ui_teardown);
  g_test_add ("/ui/generate/projector-export-hover", Ui, NULL, ui_setup,
              test_projector_export_hover, ui_teardown);
  ret = g_test_run ();
  g_clear_pointer (&trained, nn_model_free);
  return ret;
}
