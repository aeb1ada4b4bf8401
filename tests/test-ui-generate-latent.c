/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Generate view's Latent page under a private X server
 * (tests/run-headless.sh), with the convolutional VAE sample trained for
 * one epoch on 500 Fashion-MNIST images: the grid and the encoded test
 * set appear; a real drag on the latent plane changes the decoded image;
 * the walk's slider moves through the decodings, from image A's to image
 * B's; the concept slider changes the concept image; every picture
 * exports; a model that is no VAE says why.
 * DEEPSCOPE_SCREENSHOTS=DIR also writes the window as PNGs there;
 * DEEPSCOPE_LATENT_MODEL=FILE uses that trained VAE instead of training. */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-generate-latent.h"
#include "ds-training-run.h"
#include "ds-window.h"
#include "ui-test-util.h"

#define SPEC "fashion-mnist:limit=500:target=input"
/* The compiled decoder against nn_vae_decode's fresh compile. */
#define DECODE_TOL 1e-5f

typedef struct
{
  DsWindow       *window;
  DsDocument     *doc;
  DsGenerateView *view;
} Ui;

static NnModel *trained;   /* fashion_vae_conv after one epoch, made once */

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

/* fashion_vae_conv trained for one epoch on SPEC through a training run. */
static NnModel *
train_once (void)
{
  g_autoptr(NnModel) model = ui_load_sample ("fashion_vae_conv.json");
  g_autoptr(GError) error = NULL;

  if (trained)
    return nn_model_copy (trained);
  /* A VAE trained elsewhere (deepscope-cli train --save), for screenshots
   * worth looking at. */
  if (g_getenv ("DEEPSCOPE_LATENT_MODEL"))
    {
      trained = nn_model_load (g_getenv ("DEEPSCOPE_LATENT_MODEL"), &error);
      g_assert_no_error (error);
      g_assert_true (nn_model_has_weights (trained));
      nn_model_set_dataset (trained, SPEC);
      return nn_model_copy (trained);
    }
  trained = ui_train_model (model, SPEC, 1, 300000);
  return nn_model_copy (trained);
}

static gboolean
latent_ready (gpointer data)
{
  DsGenerateView *view = data;

  return view->dataset != NULL && !ds_generate_view_is_latent_busy (view)
         && ds_generate_view_get_latent_grid (view) != NULL
         && ds_generate_view_get_latent_n_codes (view) > 0;
}

static void
show_trained (Ui *ui)
{
  ds_document_take_model (ui->doc, train_once (), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "generate");
  ds_generate_view_show_page (ui->view, "latent");
  g_assert_true (ui_wait_for (latent_ready, ui->view, 120000));
  g_assert_null (ds_generate_view_get_latent_reason (ui->view));
  g_assert_true (ui_wait_for (ui_widget_allocated, ds_generate_view_get_latent_scatter (ui->view),
                              10000));
}

static float
max_diff (const NnTensor *a,
          const float    *b)
{
  float worst = 0;

  for (size_t i = 0; i < a->size; i++)
    worst = MAX (worst, fabsf (a->data[i] - b[i]));
  return worst;
}

/* The decoding of one latent point by the model's own decoder. */
static NnTensor *
decode (DsGenerateView *view,
        const float    *code)
{
  NnModel *m = ds_generate_view_get_model (view);
  g_autoptr(GError) error = NULL;
  NnVaeParts parts;
  int shape[2] = { 1, 2 };
  g_autoptr(NnTensor) z = nn_tensor_new (2, shape);
  NnTensor *img;

  g_assert_true (nn_model_find_vae (m, &parts, &error));
  memcpy (z->data, code, 2 * sizeof (float));
  img = nn_vae_decode (m, &parts, z, &error);
  g_assert_no_error (error);
  return img;
}

/* Two real drags on the scatter: the decoded image follows the pointer. */
static void
test_drag (Ui            *ui,
           gconstpointer  data)
{
  GtkWidget *scatter;
  const NnTensor *grid, *img;
  g_autoptr(NnTensor) first = NULL;
  int w, h;

  show_trained (ui);
  grid = ds_generate_view_get_latent_grid (ui->view);
  g_assert_cmpint (grid->shape[0], ==, DS_LATENT_GRID * DS_LATENT_GRID);
  g_assert_cmpint (ds_generate_view_get_latent_n_codes (ui->view), ==, 2000);
  g_assert_null (ds_generate_view_get_latent_point_image (ui->view));
  scatter = ds_generate_view_get_latent_scatter (ui->view);
  w = gtk_widget_get_width (scatter);
  h = gtk_widget_get_height (scatter);
  /* Left of the centre of the plane, dragged up. */
  ui_xtest_drag (scatter, w * 0.15, h * 0.6, scatter, w * 0.2, h * 0.2);
  img = ds_generate_view_get_latent_point_image (ui->view);
  g_assert_nonnull (img);
  first = nn_tensor_copy (img);
  /* Right of it, dragged down. */
  ui_xtest_drag (scatter, w * 0.45, h * 0.5, scatter, w * 0.5, h * 0.85);
  img = ds_generate_view_get_latent_point_image (ui->view);
  g_assert_nonnull (img);
  g_test_message ("the two drags' decodings differ by up to %g", max_diff (img, first->data));
  g_assert_cmpfloat (max_diff (img, first->data), >, 1e-3);
  screenshot (ui, "latent");
}

/* The walk's slider: image A's decoding at 0, image B's at 1, neither
 * half way; the concept slider moves the concept image; the pictures
 * export. */
static void
test_walk (Ui            *ui,
           gconstpointer  data)
{
  GtkRange *slider;
  g_autoptr(NnTensor) da = NULL;
  g_autoptr(NnTensor) db = NULL;
  g_autoptr(NnTensor) c0 = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  const NnTensor *img;
  float to_a, to_b;

  show_trained (ui);
  ds_generate_view_set_latent_walk (ui->view, 3, 250);
  da = decode (ui->view, ds_generate_view_get_latent_code (ui->view, 3));
  db = decode (ui->view, ds_generate_view_get_latent_code (ui->view, 250));
  slider = ds_generate_view_get_latent_slider (ui->view);
  gtk_range_set_value (slider, 0);
  ui_spin (50);
  img = ds_generate_view_get_latent_walk_image (ui->view);
  g_assert_nonnull (img);
  g_assert_cmpfloat (max_diff (img, da->data), <=, DECODE_TOL);
  gtk_range_set_value (slider, 0.5);
  ui_spin (50);
  img = ds_generate_view_get_latent_walk_image (ui->view);
  to_a = max_diff (img, da->data);
  to_b = max_diff (img, db->data);
  g_test_message ("half way: %g from A's decoding, %g from B's", to_a, to_b);
  g_assert_cmpfloat (to_a, >, 1e-3);
  g_assert_cmpfloat (to_b, >, 1e-3);
  gtk_range_set_value (slider, 1);
  ui_spin (50);
  img = ds_generate_view_get_latent_walk_image (ui->view);
  g_assert_cmpfloat (max_diff (img, db->data), <=, DECODE_TOL);

  /* Concept vector dress − shirt added to image A's code. */
  ds_generate_view_set_latent_concept (ui->view, 3, 6, 0);
  img = ds_generate_view_get_latent_concept_image (ui->view);
  g_assert_nonnull (img);
  g_assert_cmpfloat (max_diff (img, da->data), <=, DECODE_TOL);
  c0 = nn_tensor_copy (img);
  ds_generate_view_set_latent_concept (ui->view, 3, 6, 2.5);
  img = ds_generate_view_get_latent_concept_image (ui->view);
  g_assert_cmpfloat (max_diff (img, c0->data), >, 1e-3);

  dir = g_dir_make_tmp ("latent-XXXXXX", &error);
  g_assert_no_error (error);
  {
    const char *what[] = { "grid", "strip", "concept", "walk" };

    for (guint i = 0; i < G_N_ELEMENTS (what); i++)
      {
        g_autofree char *path = g_strdup_printf ("%s/%s.png", dir, what[i]);
        GStatBuf st;

        g_assert_true (ds_generate_view_export_latent (ui->view, what[i], DS_EXPORT_PNG, path,
                                                       &error));
        g_assert_no_error (error);
        g_assert_cmpint (g_stat (path, &st), ==, 0);
        g_assert_cmpint (st.st_size, >, 100);
        g_unlink (path);
      }
  }
  {
    g_autofree char *path = g_strdup_printf ("%s/scatter.svg", dir);
    g_autofree char *svg = NULL;

    g_assert_true (ds_generate_view_export_latent (ui->view, "scatter", DS_EXPORT_SVG, path,
                                                   &error));
    g_assert_no_error (error);
    g_assert_true (g_file_get_contents (path, &svg, NULL, NULL));
    g_assert_nonnull (strstr (svg, "<svg"));
    g_unlink (path);
  }
  /* Nothing dragged yet: no point to export, said in words. */
  g_assert_false (ds_generate_view_export_latent (ui->view, "point", DS_EXPORT_PNG,
                                                  "/nonexistent/x.png", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED);
  g_rmdir (dir);
}

/* A classifier is no VAE: the page says why. */
static void
test_not_vae (Ui            *ui,
              gconstpointer  data)
{
  NnModel *m = ui_load_sample ("fashion_mlp.json");
  g_autoptr(GError) error = NULL;
  const char *why;

  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  ds_document_take_model (ui->doc, m, NULL, FALSE);
  ds_window_set_visible_view (ui->window, "generate");
  ds_generate_view_show_page (ui->view, "latent");
  ui_spin (200);
  why = ds_generate_view_get_latent_reason (ui->view);
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, "no Sampling layer"));
  g_assert_false (ds_generate_view_is_latent_busy (ui->view));
}

int
main (int    argc,
      char **argv)
{
  int ret;

  ui_test_init (&argc, &argv);
  g_test_add ("/ui/generate-latent/not-vae", Ui, NULL, ui_setup, test_not_vae, ui_teardown);
  g_test_add ("/ui/generate-latent/drag", Ui, NULL, ui_setup, test_drag, ui_teardown);
  g_test_add ("/ui/generate-latent/walk", Ui, NULL, ui_setup, test_walk, ui_teardown);
  ret = g_test_run ();
  g_clear_pointer (&trained, nn_model_free);
  return ret;
}
