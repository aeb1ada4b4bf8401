/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Generate view's GAN page under a private X server
 * (tests/run-headless.sh), with the ring samples it opens by itself: the
 * generated points are refreshed while the GAN trains, Stop halts it (no
 * step and no picture after), both models save; a run to its end leaves
 * the points on the ring's modes in the picture (a screenshot with
 * DEEPSCOPE_SCREENSHOTS=DIR). */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-document.h"
#include "ds-generate-gan.h"
#include "ds-generate-view-private.h"
#include "ds-train-view-private.h"
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
  ds_generate_view_show_page (ui->view, "gan");
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

  return ds_generate_view_gan_get_n_updates (w->view) >= w->updates;
}

static gboolean
not_training (gpointer data)
{
  return !ds_generate_view_gan_is_training (data);
}

static NnTensor *
samples_copy (DsGenerateView *view)
{
  const NnTensor *s = ds_generate_view_gan_get_samples (view);

  g_assert_nonnull (s);
  return nn_tensor_copy (s);
}

static void
test_updates_and_stop (Ui *ui, gconstpointer data)
{
  Wait w = { ui->view, 1 };

  /* no model in the document: the header says the page needs none */
  g_assert_nonnull (strstr (gtk_label_get_text (ui->view->model_label), "needs no model"));
  ds_generate_view_gan_train (ui->view, 1000000);
  g_assert_true (ds_generate_view_gan_is_training (ui->view));
  /* the data is read on a worker thread: Train returns before it is there */
  g_assert_true (g_str_has_prefix (ds_generate_view_gan_get_status (ui->view), "Loading"));
  g_assert_true (ui_wait_for (updated, &w, 60000));
  g_autoptr(NnTensor) first = samples_copy (ui->view);
  g_assert_cmpint (first->shape[0], ==, DS_GAN_POINTS);
  w.updates = 4;
  g_assert_true (ui_wait_for (updated, &w, 60000));
  g_autoptr(NnTensor) later = samples_copy (ui->view);
  /* the same latent points through a generator 75 steps further on */
  g_assert_false (memcmp (first->data, later->data, first->size * sizeof (float)) == 0);
  g_assert_cmpfloat (ds_generate_view_gan_get_diversity (ui->view), >, 0);

  ds_generate_view_gan_stop (ui->view);
  g_assert_true (ui_wait_for (not_training, ui->view, 30000));
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==, "Stopped");
  long step = ds_generate_view_gan_get_step (ui->view);
  guint n = ds_generate_view_gan_get_n_updates (ui->view);
  g_assert_cmpint (step, >=, 75);
  g_assert_cmpint (step, <, 1000000);
  ui_spin (500);
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, step);
  g_assert_cmpuint (ds_generate_view_gan_get_n_updates (ui->view), ==, n);

  /* the run joined the document's runs, and saves with them */
  DsDocument *doc = ds_window_get_document (ui->window);
  g_assert_cmpuint (g_list_model_get_n_items (ds_document_get_runs (doc)), ==, 1);
  g_autoptr(GPtrArray) records = ds_document_dup_run_records (doc);
  g_autoptr(NnModel) holder = nn_model_new ("holder");
  g_autofree char *json = nn_model_to_json_with_runs (holder, FALSE, records, NULL);
  g_assert_nonnull (json);
  g_autoptr(GPtrArray) back = NULL;
  g_autoptr(NnModel) read = nn_model_load_from_data_with_runs (json, -1, &back, NULL);
  g_assert_nonnull (read);
  g_assert_cmpuint (back->len, ==, 1);
  g_assert_cmpstr (((NnRunRecord *) back->pdata[0])->name, ==, "GAN");
  /* the Train view lists and draws it like any run (no warning) */
  ds_window_set_visible_view (ui->window, "train");
  ui_spin (500);
  /* with charts of D's and G's figures, counted in generator steps */
  DsTrainView *train = DS_TRAIN_VIEW (ds_window_get_view (ui->window, "train"));
  const char *gan_keys[] = { "d_loss", "g_loss", "d_acc_real", "d_acc_fake" };
  for (guint k = 0; k < G_N_ELEMENTS (gan_keys); k++)
    {
      DsPlot *plot = ds_train_view_get_plot (train, gan_keys[k]);

      g_assert_nonnull (plot);
      g_assert_cmpstr (ds_plot_get_x_title (plot), ==, "generator step");
    }
  ui_screenshot (ui->window, "train", "gan-run");
  ds_window_set_visible_view (ui->window, "generate");
  ui_spin (100);

  g_autofree char *dir = g_dir_make_tmp ("ui-gan-XXXXXX", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true (ds_generate_view_gan_save (ui->view, dir, &error));
  g_assert_no_error (error);
  const char *files[] = { "generator.json", "discriminator.json" };
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *path = g_build_filename (dir, files[k], NULL);
      g_autoptr(NnModel) m = nn_model_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (nn_model_has_weights (m));
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Pause holds the step count; Resume goes on. */
static void
test_pause (Ui *ui, gconstpointer data)
{
  Wait w = { ui->view, 1 };

  ds_generate_view_gan_train (ui->view, 1000000);
  g_assert_true (ui_wait_for (updated, &w, 60000));
  ds_generate_view_gan_pause (ui->view);
  ui_spin (300);
  long step = ds_generate_view_gan_get_step (ui->view);
  ui_spin (400);
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, step);
  ds_generate_view_gan_pause (ui->view);   /* Resume */
  w.updates = ds_generate_view_gan_get_n_updates (ui->view) + 2;
  g_assert_true (ui_wait_for (updated, &w, 60000));
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), >, step);
  ds_generate_view_gan_stop (ui->view);
  g_assert_true (ui_wait_for (not_training, ui->view, 30000));
}

typedef struct
{
  DsGenerateView *view;
  long            step;
} StepWait;

static gboolean
at_step (gpointer data)
{
  StepWait *w = data;

  return ds_generate_view_gan_get_step (w->view) >= w->step;
}

/* Step before a run starts one paused after its first generator step; each
 * further Step is exactly one more, and redraws the picture; the footer says
 * it is paused, and Resume puts the training line back. */
static void
test_step (Ui *ui, gconstpointer data)
{
  StepWait w = { ui->view, 1 };

  ds_generate_view_gan_step (ui->view);
  g_assert_true (ui_wait_for (at_step, &w, 60000));
  ui_spin (300);
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, 1);
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==,
                   "Paused at step 1: Resume or Step");
  guint n = ds_generate_view_gan_get_n_updates (ui->view);
  g_assert_cmpuint (n, >=, 1);
  for (long k = 2; k <= 3; k++)
    {
      ds_generate_view_gan_step (ui->view);
      w.step = k;
      g_assert_true (ui_wait_for (at_step, &w, 60000));
      ui_spin (300);
      /* one generator step, no more */
      g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, k);
      g_autofree char *text = g_strdup_printf ("Paused at step %ld: Resume or Step", k);
      g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==, text);
    }
  g_assert_cmpuint (ds_generate_view_gan_get_n_updates (ui->view), >, n);
  ui_screenshot (ui->window, "generate", "gan-paused");

  /* the picture and charts export: PNG, and SVG for the charts */
  g_autofree char *dir = g_dir_make_tmp ("ui-gan-export-XXXXXX", NULL);
  g_autofree char *png = g_build_filename (dir, "samples.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "charts.svg", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *bytes = NULL;
  gsize len = 0;
  g_assert_true (ds_generate_view_gan_export (ui->view, FALSE, png, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (png, &bytes, &len, NULL));
  g_assert_cmpuint (len, >, 8);
  g_assert_cmpmem (bytes, 8, "\x89PNG\r\n\x1a\n", 8);
  g_clear_pointer (&bytes, g_free);
  g_assert_true (ds_generate_view_gan_export (ui->view, TRUE, svg, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &bytes, &len, NULL));
  g_assert_nonnull (strstr (bytes, "<svg"));
  g_unlink (png);
  g_unlink (svg);
  g_rmdir (dir);

  ds_generate_view_gan_pause (ui->view);   /* Resume */
  ui_spin (100);
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==,
                   "Training: the picture follows every 25 generator steps");
  ds_generate_view_gan_stop (ui->view);
  g_assert_true (ui_wait_for (not_training, ui->view, 30000));
}

/* The discriminator opened as the generator: refused with the reason, Train
 * not offered; opening a pair clears the last run's picture and status. */
static void
test_mismatched_pair (Ui *ui, gconstpointer data)
{
  g_autofree char *g = ui_sample_path ("gan_ring_generator.json");
  g_autofree char *d = ui_sample_path ("gan_ring_discriminator.json");
  g_autoptr(GError) error = NULL;
  StepWait w = { ui->view, 1 };

  g_assert_null (ds_generate_view_gan_get_pair_error (ui->view));
  g_assert_true (ds_generate_view_gan_can_train (ui->view));
  ds_generate_view_gan_step (ui->view);
  g_assert_true (ui_wait_for (at_step, &w, 60000));
  ui_spin (200);
  g_assert_nonnull (ds_generate_view_gan_get_samples (ui->view));

  g_assert_true (ds_generate_view_gan_open (ui->view, d, TRUE, &error));
  g_assert_no_error (error);
  g_assert_false (ds_generate_view_gan_is_training (ui->view));
  g_assert_null (ds_generate_view_gan_get_samples (ui->view));
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, 0);
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==, NULL);
  const char *why = ds_generate_view_gan_get_pair_error (ui->view);
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, "is the generator a discriminator?"));
  g_assert_false (ds_generate_view_gan_can_train (ui->view));
  ui_screenshot (ui->window, "generate", "gan-mismatch");
  /* Train refuses it, saying why */
  ds_generate_view_gan_train (ui->view, 10);
  g_assert_false (ds_generate_view_gan_is_training (ui->view));
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==, why);
  /* nothing to export */
  g_assert_false (ds_generate_view_gan_export (ui->view, FALSE, "/tmp/never.png", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  /* the right generator again: the pair fits */
  g_assert_true (ds_generate_view_gan_open (ui->view, g, TRUE, &error));
  g_assert_null (ds_generate_view_gan_get_pair_error (ui->view));
  g_assert_true (ds_generate_view_gan_can_train (ui->view));
}

/* The DCGAN pair: one Step makes the 6 × 6 grid (drawn centred; a
 * screenshot with DEEPSCOPE_SCREENSHOTS), and the old ring run's picture
 * went with the old pair. */
static void
test_dcgan_step (Ui *ui, gconstpointer data)
{
  g_autofree char *g = ui_sample_path ("fashion_dcgan_generator.json");
  g_autofree char *d = ui_sample_path ("fashion_dcgan_discriminator.json");
  g_autoptr(GError) error = NULL;
  StepWait w = { ui->view, 1 };

  g_assert_true (ds_generate_view_gan_open (ui->view, g, TRUE, &error));
  g_assert_nonnull (ds_generate_view_gan_get_pair_error (ui->view));  /* ring D, DCGAN G */
  g_assert_true (ds_generate_view_gan_open (ui->view, d, FALSE, &error));
  g_assert_no_error (error);
  g_assert_null (ds_generate_view_gan_get_pair_error (ui->view));
  ds_generate_view_gan_step (ui->view);
  g_assert_true (ui_wait_for (at_step, &w, 300000));
  ui_spin (300);
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, 1);
  const NnTensor *s = ds_generate_view_gan_get_samples (ui->view);
  g_assert_nonnull (s);
  g_assert_cmpint (s->shape[0], ==, DS_GAN_IMAGES);
  ui_screenshot (ui->window, "generate", "gan-dcgan");
  ds_generate_view_gan_stop (ui->view);
  g_assert_true (ui_wait_for (not_training, ui->view, 30000));
}

/* A whole short run: it ends by itself with "Finished". */
static void
test_run_to_end (Ui *ui, gconstpointer data)
{
  int steps = g_getenv ("DEEPSCOPE_SCREENSHOTS") ? 4000 : 200;

  ds_generate_view_gan_train (ui->view, steps);
  g_assert_true (ui_wait_for (not_training, ui->view, 600000));
  g_assert_cmpstr (ds_generate_view_gan_get_status (ui->view), ==, "Finished");
  g_assert_cmpint (ds_generate_view_gan_get_step (ui->view), ==, steps);
  ui_screenshot (ui->window, "generate", "gan");
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/generate-gan/updates-and-stop", Ui, NULL, ui_setup, test_updates_and_stop,
              ui_teardown);
  g_test_add ("/ui/generate-gan/pause", Ui, NULL, ui_setup, test_pause, ui_teardown);
  g_test_add ("/ui/generate-gan/step", Ui, NULL, ui_setup, test_step, ui_teardown);
  g_test_add ("/ui/generate-gan/mismatched-pair", Ui, NULL, ui_setup, test_mismatched_pair,
              ui_teardown);
  g_test_add ("/ui/generate-gan/dcgan-step", Ui, NULL, ui_setup, test_dcgan_step, ui_teardown);
  g_test_add ("/ui/generate-gan/run-to-end", Ui, NULL, ui_setup, test_run_to_end, ui_teardown);
  return g_test_run ();
}
