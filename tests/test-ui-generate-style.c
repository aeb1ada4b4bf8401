/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Generate view's Style page under a private X server
 * (tests/run-headless.sh), with the two pictures of samples/ it opens by
 * itself and the random filters: a started transfer redraws the image as
 * it changes, Stop halts it (no iteration and no picture after), the image
 * saves as a PNG of its size; a short run ends by itself with "Done" (a
 * screenshot with DEEPSCOPE_SCREENSHOTS=DIR). */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-generate-style.h"
#include "ds-generate-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow       *window;
  DsGenerateView *view;
} Ui;

static void
ui_setup (Ui *ui, gconstpointer data)
{
  ui->view = DS_GENERATE_VIEW (ui_window_on_view ("generate", &ui->window));
  ds_generate_view_show_page (ui->view, "style");
  ui_spin (100);
}

static void
ui_teardown (Ui *ui, gconstpointer data)
{
  ui_close_window_checked (ui->window);
}

typedef struct
{
  DsGenerateView *view;
  guint           updates;
} Wait;

static gboolean
updated (gpointer data)
{
  Wait *w = data;

  return ds_generate_view_style_get_n_updates (w->view) >= w->updates;
}

static gboolean
not_running (gpointer data)
{
  return !ds_generate_view_style_is_running (data);
}

static NnTensor *
image_copy (DsGenerateView *view)
{
  const NnTensor *t = ds_generate_view_style_get_image (view);

  g_assert_nonnull (t);
  return nn_tensor_copy (t);
}

static void
test_updates_and_stop (Ui *ui, gconstpointer data)
{
  Wait w = { ui->view, 2 };

  /* the page says which network it uses */
  g_assert_nonnull (strstr (ds_generate_view_style_get_network_text (ui->view),
                            "random filters"));
  ds_generate_view_style_start (ui->view, 100000, 64);
  g_assert_true (ds_generate_view_style_is_running (ui->view));
  g_assert_true (ui_wait_for (updated, &w, 120000));
  g_autoptr(NnTensor) first = image_copy (ui->view);
  g_assert_cmpint (first->shape[1], ==, 64);
  w.updates = ds_generate_view_style_get_n_updates (ui->view) + 2;
  g_assert_true (ui_wait_for (updated, &w, 120000));
  g_autoptr(NnTensor) later = image_copy (ui->view);
  g_assert_cmpuint (later->size, ==, first->size);
  g_assert_false (memcmp (first->data, later->data, first->size * sizeof (float)) == 0);

  ds_generate_view_style_stop (ui->view);
  g_assert_true (ui_wait_for (not_running, ui->view, 30000));
  g_assert_true (g_str_has_prefix (ds_generate_view_style_get_status (ui->view), "Stopped"));
  int iteration = ds_generate_view_style_get_iteration (ui->view);
  guint n = ds_generate_view_style_get_n_updates (ui->view);
  g_assert_cmpint (iteration, <, 100000);
  ui_spin (500);
  g_assert_cmpint (ds_generate_view_style_get_iteration (ui->view), ==, iteration);
  g_assert_cmpuint (ds_generate_view_style_get_n_updates (ui->view), ==, n);

  g_autofree char *dir = g_dir_make_tmp ("ui-style-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "style.png", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true (ds_generate_view_style_save (ui->view, path, &error));
  g_assert_no_error (error);
  int width = 0, height = 0, channels = 0;
  g_autofree guint8 *px = nn_png_read (path, 0, &width, &height, &channels, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 64);
  g_assert_cmpint (channels, ==, 3);
  g_unlink (path);
  g_rmdir (dir);
}

/* A picture that is not a PNG is refused in words; the header, with no
 * model in the document, says what the page works with, not that a model is
 * missing (as it does on the DeepDream page). */
static void
test_open_refused (Ui *ui, gconstpointer data)
{
  g_assert_nonnull (strstr (gtk_label_get_text (ui->view->model_label), "feature network"));
  ds_generate_view_show_page (ui->view, "dream");
  ui_spin (100);
  g_assert_nonnull (strstr (gtk_label_get_text (ui->view->model_label), "no model yet"));
  ds_generate_view_show_page (ui->view, "style");
  ui_spin (100);

  g_autofree char *dir = g_dir_make_tmp ("ui-style-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "not.png", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "not a picture", -1, NULL));
  g_assert_false (ds_generate_view_style_open (ui->view, path, TRUE, &error));
  g_assert_nonnull (error);
  g_unlink (path);
  g_rmdir (dir);
}

/* A short run to its end: "Done" at its last iteration. */
static void
test_run_to_end (Ui *ui, gconstpointer data)
{
  gboolean shots = g_getenv ("DEEPSCOPE_SCREENSHOTS") != NULL;

  ds_generate_view_style_start (ui->view, shots ? 200 : 20, shots ? 128 : 48);
  g_assert_true (ui_wait_for (not_running, ui->view, 600000));
  g_assert_true (g_str_has_prefix (ds_generate_view_style_get_status (ui->view), "Done"));
  g_assert_cmpint (ds_generate_view_style_get_iteration (ui->view), ==, shots ? 200 : 20);
  ui_screenshot (ui->window, "generate", "style");
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/generate-style/updates-and-stop", Ui, NULL, ui_setup, test_updates_and_stop,
              ui_teardown);
  g_test_add ("/ui/generate-style/open-refused", Ui, NULL, ui_setup, test_open_refused,
              ui_teardown);
  g_test_add ("/ui/generate-style/run-to-end", Ui, NULL, ui_setup, test_run_to_end,
              ui_teardown);
  return g_test_run ();
}
