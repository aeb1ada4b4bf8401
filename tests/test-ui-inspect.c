/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Inspect view under a private X server (tests/run-headless.sh), with
 * the small Fashion-MNIST convnet sample trained for one epoch on 500
 * images: a test image gives every layer's activations and a prediction
 * whose probabilities sum to one; drawing on the canvas changes the
 * prediction, and after a burst of strokes the chart shows the latest
 * drawing's prediction; a PNG is converted to the model's input with the
 * conversion in words; a model without weights says why there is nothing
 * to inspect; a live run is followed, its generation advancing.
 * DEEPSCOPE_SCREENSHOTS=DIR also writes the window as PNGs there. */
#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-inspect-export.h"
#include "ds-inspect-view-private.h"
#include "ds-training-run.h"
#include "ds-window.h"
#include "ui-test-util.h"

#define SPEC "fashion-mnist:limit=500"

typedef struct
{
  DsWindow      *window;
  DsDocument    *doc;
  DsInspectView *view;
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
  ui->view = DS_INSPECT_VIEW (ds_window_get_view (ui->window, "inspect"));
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
  ui_screenshot (ui->window, "inspect", name);
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
  DsInspectView *view = data;

  return ds_inspect_subject_get_dataset (ds_inspect_view_get_subject (view)) != NULL
         && ds_inspect_view_get_n_thumbs (view) > 0;
}

/* The trained model in the document, the Inspect view shown and its
 * dataset (named by the model) loaded. */
static void
show_trained (Ui *ui)
{
  ds_document_take_model (ui->doc, train_once (), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "inspect");
  g_assert_true (ui_wait_for (dataset_ready, ui->view, 60000));
}

typedef struct
{
  DsInspectView *view;
  guint          n;
} Computed;

static gboolean
computed_past (gpointer data)
{
  Computed *c = data;

  return ds_inspect_view_get_n_computed (c->view) > c->n;
}

static double
bars_sum (DsInspectBars *bars)
{
  double sum = 0;

  for (int c = 0; c < ds_inspect_bars_get_n (bars); c++)
    sum += ds_inspect_bars_get_value (bars, c);
  return sum;
}

/* Picking a test image shows one row per probe with its channels, and a
 * prediction over the ten classes summing to one, the true class marked. */
static void
test_test_image (Ui            *ui,
                 gconstpointer  data)
{
  DsInspectSubject *subject = ds_inspect_view_get_subject (ui->view);
  DsInspectActivations *acts = ds_inspect_view_get_activations (ui->view);
  DsInspectBars *bars = ds_inspect_view_get_bars (ui->view);
  g_autoptr(NnInspector) in = NULL;
  g_autoptr(GError) error = NULL;
  Computed c = { ui->view, 0 };
  int conv = -1;

  show_trained (ui);
  g_assert_cmpstr (ds_inspect_subject_get_model_text (subject), ==,
                   "The model as opened, with its saved weights");
  /* The header names the model and its data. */
  g_assert_cmpstr (ds_inspect_view_get_header (ui->view), ==,
                   "fashion_small on fashion-mnist · The model as opened, with its saved weights");
  /* The browser's first page, and a filter that needs no prediction:
   * Fashion-MNIST's test split holds 1,000 pictures of each class. */
  g_assert_cmpuint (ds_inspect_view_get_n_thumbs (ui->view), ==, DS_INSPECT_PAGE_SIZE);
  ds_inspect_view_set_filter (ui->view, 2 + 9);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), ==, 1000);
  ds_inspect_view_set_filter (ui->view, 0);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), ==, 10000);

  c.n = ds_inspect_view_get_n_computed (ui->view);
  g_assert_true (ds_inspect_subject_open_test_sample (subject, 17));
  g_assert_true (ui_wait_for (computed_past, &c, 30000));

  in = nn_inspector_new (ds_inspect_subject_get_model (subject), &error);
  g_assert_no_error (error);
  g_assert_cmpint (ds_inspect_activations_get_n_layers (acts), ==, nn_inspector_get_n_probes (in));
  for (int i = 0; i < nn_inspector_get_n_probes (in); i++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, i);
      g_autofree char *header = ds_inspect_activations_dup_header (acts, i);

      g_assert_true (g_str_has_prefix (header, p->path));
      g_assert_cmpint (ds_inspect_activations_get_n_channels (acts, i), >, 0);
      if (p->spatial && p->ndim == 3)
        g_assert_cmpint (ds_inspect_activations_get_n_channels (acts, i), ==, p->shape[2]);
      if (p->conv && conv < 0)
        conv = i;
    }
  g_assert_cmpint (ds_inspect_bars_get_n (bars), ==, 10);
  g_assert_cmpfloat_with_epsilon (bars_sum (bars), 1.0, 1e-4);
  g_assert_cmpint (ds_inspect_bars_get_truth (bars), >=, 0);
  g_assert_cmpint (ds_inspect_bars_get_top (bars), >=, 0);

  /* A channel clicked is enlarged beside the input. */
  g_assert_cmpint (conv, >=, 0);
  g_assert_cmpint (ds_inspect_picture_get_width (ds_inspect_view_get_channel_picture (ui->view)),
                   ==, 0);
  ds_inspect_activations_activate_channel (acts, conv, 0);
  g_assert_cmpint (ds_inspect_picture_get_width (ds_inspect_view_get_channel_picture (ui->view)),
                   ==, nn_inspector_get_probe (in, conv)->shape[1]);
  screenshot (ui, "activations");

  /* It follows the next input: its pixels are that input's channel. */
  {
    DsInspectPicture *enlarged = ds_inspect_view_get_channel_picture (ui->view);
    int w = ds_inspect_picture_get_width (enlarged), h = ds_inspect_picture_get_height (enlarged);
    g_autofree guint32 *before = g_new (guint32, (size_t) w * h);
    Computed next = { ui->view, ds_inspect_view_get_n_computed (ui->view) };
    int changed = 0;

    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        before[y * w + x] = ds_inspect_picture_get_pixel (enlarged, x, y);
    g_assert_true (ds_inspect_subject_open_test_sample (subject, 1));
    g_assert_true (ui_wait_for (computed_past, &next, 30000));
    g_assert_cmpint (ds_inspect_picture_get_width (enlarged), ==, w);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        changed += ds_inspect_picture_get_pixel (enlarged, x, y) != before[y * w + x];
    g_test_message ("the enlarged channel: %d of %d pixels changed with the next input", changed,
                    w * h);
    g_assert_cmpint (changed, >, w * h / 10);
  }

  /* A chosen class stays with strokes of one picture, not with the next
   * picture. */
  {
    g_autoptr(NnTensor) copy = nn_tensor_copy (ds_inspect_subject_get_input (subject));

    ds_inspect_subject_set_class (subject, 3);
    ds_inspect_subject_set_input (subject, copy, "Drawn", -1);
    ds_inspect_subject_set_class (subject, 3);
    ds_inspect_subject_set_input (subject, copy, "Drawn", -1);
    g_assert_cmpint (ds_inspect_subject_get_class (subject), ==, 3);
    g_assert_true (ds_inspect_subject_open_test_sample (subject, 2));
    g_assert_cmpint (ds_inspect_subject_get_class (subject), ==, -1);
  }

  /* The prediction chart and the enlarged channel export as their menus
   * would: a PNG and an SVG that say so in their first bytes. */
  {
    g_autofree char *dir = g_dir_make_tmp ("ds-inspect-export-XXXXXX", NULL);
    GtkWidget *pictures[] = { GTK_WIDGET (bars),
                              GTK_WIDGET (ds_inspect_view_get_channel_picture (ui->view)) };

    for (guint i = 0; i < G_N_ELEMENTS (pictures); i++)
      for (int f = 0; f < 2; f++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *path = g_strdup_printf ("%s/picture-%u.%s", dir, i, f ? "svg" : "png");
          g_autofree char *bytes = NULL;
          gsize len = 0;

          g_assert_true (ds_inspect_export_widget (pictures[i], f ? DS_EXPORT_SVG : DS_EXPORT_PNG,
                                                   path, &error));
          g_assert_no_error (error);
          g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
          g_assert_cmpuint (len, >, 100);
          if (f)
            g_assert_nonnull (strstr (bytes, "<svg"));
          else
            g_assert_cmpmem (bytes, 4, "\x89PNG", 4);
          g_remove (path);
        }
    g_rmdir (dir);
  }
}

/* What the test computes itself: the model's prediction of the input the
 * view shows. */
static NnTensor *
predict_input (DsInspectView *view)
{
  DsInspectSubject *subject = ds_inspect_view_get_subject (view);
  g_autoptr(NnInspector) in = NULL;
  g_autoptr(GError) error = NULL;
  NnTensor *p;

  in = nn_inspector_new (ds_inspect_subject_get_model (subject), &error);
  g_assert_no_error (error);
  p = nn_inspector_predict (in, ds_inspect_subject_get_input (subject), &error);
  g_assert_no_error (error);
  return p;
}

static gboolean
shows_latest (gpointer data)
{
  DsInspectView *view = data;
  DsInspectBars *bars = ds_inspect_view_get_bars (view);
  g_autoptr(NnTensor) p = predict_input (view);

  if (ds_inspect_bars_get_n (bars) != (int) p->size)
    return FALSE;
  for (int c = 0; c < (int) p->size; c++)
    if (fabs (ds_inspect_bars_get_value (bars, c) - p->data[c]) > 1e-5)
      return FALSE;
  return TRUE;
}

/* Drawing changes the prediction; a burst of strokes is coalesced, and
 * the chart ends on the latest drawing's prediction. */
static void
test_draw (Ui            *ui,
           gconstpointer  data)
{
  DsInspectCanvas *canvas = ds_inspect_view_get_canvas (ui->view);
  DsInspectBars *bars = ds_inspect_view_get_bars (ui->view);
  double before[10], change = 0;
  Computed c = { ui->view, 0 };
  guint burst;

  show_trained (ui);
  g_assert_null (ds_inspect_view_get_canvas_reason (ui->view));
  /* A vertical bar, like a pair of trousers' leg. */
  c.n = ds_inspect_view_get_n_computed (ui->view);
  ds_inspect_canvas_stroke (canvas, 12, 3, 12, 25);
  ds_inspect_canvas_stroke (canvas, 16, 3, 16, 25);
  g_assert_true (ui_wait_for (computed_past, &c, 30000));
  g_assert_true (ui_wait_for (shows_latest, ui->view, 30000));
  g_assert_cmpint (ds_inspect_bars_get_n (bars), ==, 10);
  g_assert_cmpfloat_with_epsilon (bars_sum (bars), 1.0, 1e-4);
  for (int k = 0; k < 10; k++)
    before[k] = ds_inspect_bars_get_value (bars, k);

  /* A burst of twenty strokes without spinning the main loop between:
   * far fewer computations than strokes, ending on the last drawing. */
  c.n = burst = ds_inspect_view_get_n_computed (ui->view);
  for (int i = 0; i < 20; i++)
    ds_inspect_canvas_stroke (canvas, 4, 6 + i, 24, 6 + i);
  g_assert_true (ui_wait_for (computed_past, &c, 30000));
  g_assert_true (ui_wait_for (shows_latest, ui->view, 30000));
  g_assert_cmpuint (ds_inspect_view_get_n_computed (ui->view) - burst, <, 20);
  for (int k = 0; k < 10; k++)
    change = MAX (change, fabs (ds_inspect_bars_get_value (bars, k) - before[k]));
  g_assert_cmpfloat (change, >, 1e-3);
  gtk_stack_set_visible_child_name (ui->view->source_stack, "draw");
  screenshot (ui, "draw");

  ds_inspect_canvas_clear (canvas);
  g_assert_true (ui_wait_for (shows_latest, ui->view, 30000));
}

/* A PNG is converted to the model's input shape, in words. */
static void
test_png (Ui            *ui,
          gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("inspect-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "shape.png", NULL);
  g_autofree guint8 *px = g_new0 (guint8, 40 * 30 * 3);
  g_autoptr(GError) error = NULL;
  Computed c = { ui->view, 0 };

  for (int y = 8; y < 22; y++)
    for (int x = 10; x < 30; x++)
      px[(y * 40 + x) * 3] = px[(y * 40 + x) * 3 + 1] = 255;
  g_assert_true (nn_png_write (path, px, 40, 30, 3, &error));
  show_trained (ui);
  c.n = ds_inspect_view_get_n_computed (ui->view);
  g_assert_true (ds_inspect_view_open_png (ui->view, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ds_inspect_view_get_conversion (ui->view), ==, "RGB 40×30 → grey 28×28");
  g_assert_cmpstr (ds_inspect_subject_get_input_label (ds_inspect_view_get_subject (ui->view)),
                   ==, "shape.png");
  g_assert_true (ui_wait_for (computed_past, &c, 30000));
  g_assert_true (ui_wait_for (shows_latest, ui->view, 30000));

  /* The same shape dark on white, opened from the Draw page: flagged as
   * the reverse of the training pictures (light on dark), and the Draw
   * toggle lets go, since the drawing is no longer the input. */
  for (int i = 0; i < 40 * 30 * 3; i++)
    px[i] = 255 - px[i];
  g_assert_true (nn_png_write (path, px, 40, 30, 3, &error));
  ds_inspect_view_set_source (ui->view, "draw");
  g_assert_true (ds_inspect_view_open_png (ui->view, path, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ds_inspect_view_get_conversion (ui->view), ==,
                   "RGB 40×30 → grey 28×28\nDark on light, the reverse of the training "
                   "pictures (light on dark): the prediction may mean little");
  g_assert_cmpstr (ds_inspect_view_get_source (ui->view), ==, "browse");
  g_unlink (path);
  g_rmdir (dir);
}

/* A model without weights: the reason, in words, and no pages. */
static void
test_no_weights (Ui            *ui,
                 gconstpointer  data)
{
  g_autofree char *path = ui_sample_path ("fashion_small.json");
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DsInspectSubject *subject = ds_inspect_view_get_subject (ui->view);

  g_assert_true (ds_window_open (ui->window, file) == ui->window);
  ds_window_set_visible_view (ui->window, "inspect");
  ui_spin (200);
  g_assert_null (ds_inspect_subject_get_model (subject));
  g_assert_nonnull (strstr (ds_inspect_subject_get_model_text (subject),
                            "has not been trained yet"));
  g_assert_cmpint (ds_inspect_activations_get_n_layers (ds_inspect_view_get_activations (ui->view)),
                   ==, 0);
  screenshot (ui, "no-weights");
}

/* A model whose input is not a 28×28 grey picture: the canvas gives way
 * to the reason, and the activations still work. */
static void
test_not_drawable (Ui            *ui,
                   gconstpointer  data)
{
  g_autoptr(NnModel) model = ui_load_sample ("spirals_mlp.json");
  g_autoptr(GError) error = NULL;
  DsInspectSubject *subject = ds_inspect_view_get_subject (ui->view);
  int shape[2] = { 1, 2 };
  g_autoptr(NnTensor) x = nn_tensor_new (2, shape);
  Computed c = { ui->view, 0 };

  g_assert_true (nn_model_init_weights (model, 1, &error));
  nn_model_set_dataset (model, NULL);
  ds_document_take_model (ui->doc, g_steal_pointer (&model), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "inspect");
  ui_spin (200);
  g_assert_nonnull (ds_inspect_subject_get_model (subject));
  g_assert_nonnull (strstr (ds_inspect_view_get_canvas_reason (ui->view), "28×28"));
  c.n = ds_inspect_view_get_n_computed (ui->view);
  x->data[0] = 0.3f;
  x->data[1] = -0.5f;
  ds_inspect_subject_set_input (subject, x, "A point", -1);
  g_assert_true (ui_wait_for (computed_past, &c, 30000));
  g_assert_cmpint (ds_inspect_activations_get_n_layers (ds_inspect_view_get_activations (ui->view)),
                   >, 1);
  g_assert_cmpfloat_with_epsilon (bars_sum (ds_inspect_view_get_bars (ui->view)), 1.0, 1e-4);
}

typedef struct
{
  DsInspectSubject *subject;
  guint             generation;
} Advance;

static gboolean
generation_advanced (gpointer data)
{
  Advance *a = data;
  const char *text = ds_inspect_subject_get_model_text (a->subject);

  return ds_inspect_subject_get_generation (a->subject) >= a->generation + 2
         && text && strstr (text, "(live)") && ds_inspect_subject_get_model (a->subject);
}

/* Some test images predicted wrong. */
static gboolean
some_wrong (gpointer data)
{
  DsInspectView *view = data;

  ds_inspect_view_set_filter (view, 1);
  return ds_inspect_view_get_n_shown (view) > 0;
}

/* A live run is followed: the model text says so and the generation
 * advances with its snapshots. */
static void
test_live (Ui            *ui,
           gconstpointer  data)
{
  g_autoptr(NnModel) model = train_once ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DsTrainingRun) run = NULL;
  g_autoptr(DsDataset) ds = NULL;
  DsDatasetStore *store = ds_document_get_dataset_store (ui->doc);
  Advance a = { ds_inspect_view_get_subject (ui->view), 0 };
  Computed c = { ui->view, 0 };
  NnFitConfig cfg;

  show_trained (ui);
  ds = ds_dataset_ref (ds_dataset_store_get_dataset (store));
  nn_fit_config_init (&cfg);
  /* Long enough to be followed for a while: the test stops it. */
  cfg.epochs = 100000;
  cfg.batch_size = 32;
  cfg.validation_split = 0;
  cfg.snapshot_every = 2;
  /* The person looks at the wrong ones: the filter stays as the run
   * starts and its snapshots arrive, and the wrong ones stay listed (the
   * last model's predictions) while the new model's come. */
  g_assert_true (ui_wait_for (some_wrong, ui->view, 60000));
  ds_inspect_view_set_filter (ui->view, 1);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), >, 0);
  run = ds_training_run_new ("Run 2", model, ds, &cfg, TRUE);
  ds_document_add_run (ui->doc, run);
  ds_document_set_current_run (ui->doc, run);
  a.generation = ds_inspect_subject_get_generation (a.subject);
  g_assert_true (ds_training_run_start (run, &error));
  g_assert_no_error (error);
  if (!ui_wait_for (generation_advanced, &a, 60000))
    g_error ("The view did not follow the run: generation %u (from %u), text “%s”, run at "
             "step %ld, epoch %d, live %d", ds_inspect_subject_get_generation (a.subject),
             a.generation, ds_inspect_subject_get_model_text (a.subject),
             ds_training_run_get_step (run), ds_training_run_get_epoch (run),
             ds_training_run_is_live (run));
  g_assert_true (g_str_has_prefix (ds_inspect_subject_get_model_text (a.subject), "Run 2, epoch "));
  g_assert_cmpuint (ds_inspect_view_get_filter (ui->view), ==, 1);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), >, 0);
  c.n = ds_inspect_view_get_n_computed (ui->view);
  g_assert_true (ds_inspect_subject_open_test_sample (a.subject, 3));
  /* Shown while the run trains, though its weights move on meanwhile. */
  g_assert_true (ui_wait_for (computed_past, &c, 60000));
  g_assert_cmpint (ds_inspect_bars_get_n (ds_inspect_view_get_bars (ui->view)), ==, 10);
  screenshot (ui, "live");
  ds_training_run_stop (run);
  g_assert_true (ui_wait_for (ui_run_ended, run, 10000));
  ui_spin (300);
  g_assert_null (strstr (ds_inspect_subject_get_model_text (a.subject), "(live)"));
  nn_fit_config_clear (&cfg);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  ui_test_init (&argc, &argv);
  g_test_add ("/ui/inspect/no-weights", Ui, NULL, ui_setup, test_no_weights, ui_teardown);
  g_test_add ("/ui/inspect/not-drawable", Ui, NULL, ui_setup, test_not_drawable, ui_teardown);
  g_test_add ("/ui/inspect/test-image", Ui, NULL, ui_setup, test_test_image, ui_teardown);
  g_test_add ("/ui/inspect/draw", Ui, NULL, ui_setup, test_draw, ui_teardown);
  g_test_add ("/ui/inspect/png", Ui, NULL, ui_setup, test_png, ui_teardown);
  g_test_add ("/ui/inspect/live", Ui, NULL, ui_setup, test_live, ui_teardown);
  ret = g_test_run ();
  g_clear_pointer (&trained, nn_model_free);
  return ret;
}
