/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The playground's numbers under a private X server (tests/run-headless.sh):
 * open gd_tiny (2 → 2 tanh → 1 sigmoid, plain SGD), press Step once, and
 * check that every weight moved by exactly −η·∂L/∂w, that every number
 * drawn on the network is the engine's (the run's snapshot, the weights
 * before the step, the batch's gradient), and that a network above the
 * limit has the switch off and insensitive. */
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-application.h"
#include "ds-i18n.h"
#include "ds-playground-private.h"
#include "ds-train-view-private.h"
#include "ds-training-run-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow     *window;
  DsTrainView  *train;
  DsPlayground *pg;
  DsDocument   *doc;
} Ui;

static gboolean
has_numbers (gpointer data)
{
  const DsNumbers *n = ds_playground_get_numbers (data);

  return n != NULL && ds_playground_get_drawn_numbers (data)->len > 0;
}

static gboolean
has_step (gpointer data)
{
  const DsNumbers *n = ds_playground_get_numbers (data);
  GPtrArray *drawn = ds_playground_get_drawn_numbers (data);

  if (n == NULL || !n->step)
    return FALSE;
  for (guint i = 0; i < drawn->len; i++)
    if (((char *) drawn->pdata[i])[0] == 'D')
      return TRUE;
  return FALSE;
}

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), data ? data : "gd_tiny.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->train = DS_TRAIN_VIEW (ds_window_get_view (ui->window, "train"));
  ui->pg = ds_train_view_get_playground (ui->train);
  g_assert_true (ds_window_open (ui->window, file) == ui->window);
  ui->doc = ds_window_get_document (ui->window);
  g_assert_true (ui_wait_for (ui_store_ready, ds_document_get_dataset_store (ui->doc), 10000));
  ds_window_set_visible_view (ui->window, "train");
  ds_train_view_show_page (ui->train, "playground");
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->pg, 5000));
  g_assert_true (ds_playground_get_available (ui->pg));
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  ui_stop_run_and_close (ui->window);
}

/* The drawn text for key ("w 3 0 1"), parsed; FALSE when not drawn. */
static gboolean
drawn_value (DsPlayground *pg,
             const char   *kind,
             int           layer,
             int           in,
             int           unit,
             double       *v,
             char        **text)
{
  GPtrArray *drawn = ds_playground_get_drawn_numbers (pg);
  g_autofree char *key = g_strdup_printf ("%s %d %d %d ", kind, layer, in, unit);

  for (guint i = 0; i < drawn->len; i++)
    if (g_str_has_prefix (drawn->pdata[i], key))
      {
        g_autofree char *t = g_strdelimit (g_strdup ((char *) drawn->pdata[i] + strlen (key)), ",", '.');

        *v = g_ascii_strtod (t, NULL);
        *text = g_strdup ((char *) drawn->pdata[i] + strlen (key));
        return TRUE;
      }
  return FALSE;
}

/* The drawn text is the engine's value to its three significant digits. */
static void
check_drawn (DsPlayground *pg,
             const char   *kind,
             int           layer,
             int           in,
             int           unit,
             double        engine,
             gboolean      sign)
{
  double v;
  g_autofree char *text = NULL;
  g_autofree char *want = ds_playground_format_number (engine, sign);

  g_assert_true (drawn_value (pg, kind, layer, in, unit, &v, &text));
  g_assert_cmpstr (text, ==, want);
  g_assert_cmpfloat (fabs (v - engine), <=, 0.006 * fabs (engine) + 1e-6);
}

static float
weight (NnModel *m,
        int      layer,
        int      var,
        size_t   k)
{
  NnTensor view;

  g_assert_nonnull (nn_model_layer_get_weight (m, layer, var, &view));
  g_assert_cmpuint (k, <, view.size);
  return view.data[k];
}

/* One Step: w_after = w_before − η·∂L/∂w for every weight and bias, and
 * what the drawing shows is the engine's. */
static void
test_step (Ui            *ui,
           gconstpointer  data)
{
  DsTrainingRun *run;
  NnModel *before, *gradient, *after;
  const guint32 *batch;
  guint n_batch, n_checked = 0;
  const DsNumbers *n;
  double worst = 0;
  GtkWidget *sw = ds_playground_get_control (ui->pg, "numbers");

  g_assert_true (GTK_IS_SWITCH (sw));
  g_assert_true (gtk_widget_get_sensitive (sw));
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (sw)));
  /* Before any Step: the weights only. */
  g_assert_true (ui_wait_for (has_numbers, ui->pg, 10000));
  g_assert_false (ds_playground_get_numbers (ui->pg)->step);

  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui->pg), 0);
  ui_press (ds_train_view_get_button (ui->train, "step"));
  g_assert_true (ui_wait_for (has_step, ui->pg, 20000));
  run = ds_train_view_get_current_run (ui->train);
  g_assert_true (ds_training_run_get_step_details (run, &before, &gradient, &batch, &n_batch));
  after = ds_training_run_get_snapshot (run);
  n = ds_playground_get_numbers (ui->pg);
  g_assert_cmpuint (n->layers->len, ==, 2);
  g_assert_cmpuint (n->sample, ==, batch[0]);
  g_assert_cmpfloat (n->lr, >, 0);
  for (guint i = 0; i < n->layers->len; i++)
    {
      const DsNumbersLayer *l = &g_array_index (n->layers, DsNumbersLayer, i);

      for (int a = 0; a < l->in; a++)
        for (int b = 0; b < l->units; b++)
          {
            size_t k = (size_t) a * l->units + b;
            double w1 = weight (after, l->layer, 0, k), w0 = weight (before, l->layer, 0, k);
            double g = weight (gradient, l->layer, 0, k);

            worst = MAX (worst, fabs (w1 - (w0 - n->lr * g)));
            g_assert_cmpfloat (fabs (w1 - (w0 - n->lr * g)), <=, 1e-6);
            g_assert_cmpfloat (l->w[k], ==, w1);
            g_assert_cmpfloat (l->g[k], ==, g);
            check_drawn (ui->pg, "w", l->layer, a, b, w1, FALSE);
            check_drawn (ui->pg, "d", l->layer, a, b, g, TRUE);
            check_drawn (ui->pg, "D", l->layer, a, b, w1 - w0, TRUE);
            n_checked++;
          }
      for (int b = 0; b < l->units; b++)
        {
          double b1 = weight (after, l->layer, 1, b), b0 = weight (before, l->layer, 1, b);
          double g = weight (gradient, l->layer, 1, b);

          worst = MAX (worst, fabs (b1 - (b0 - n->lr * g)));
          g_assert_cmpfloat (fabs (b1 - (b0 - n->lr * g)), <=, 1e-6);
          check_drawn (ui->pg, "b", l->layer, -1, b, b1, FALSE);
          check_drawn (ui->pg, "a", l->layer, -1, b, l->act[b], FALSE);
        }
    }
  /* The output unit's activation is the prediction, a probability. */
  g_assert_cmpfloat (n->prediction, >, 0);
  g_assert_cmpfloat (n->prediction, <, 1);
  g_assert_true (isfinite (n->loss) && n->loss > 0);
  g_test_message ("step: %u weights (all drawn), lr %g, worst |w_after − (w_before − lr·g)| %.2g; "
                  "sample %u: prediction %.4f, batch loss %.4f", n_checked, n->lr, worst, n->sample,
                  n->prediction, n->loss);
  g_assert_cmpuint (n_checked, ==, 2 * 2 + 2 * 1);
}

/* The spirals network is above the limit: the switch is off, insensitive,
 * and says why; nothing is drawn. */
static void
test_too_big (Ui            *ui,
              gconstpointer  data)
{
  GtkWidget *sw = ds_playground_get_control (ui->pg, "numbers");
  const char *tip;

  ui_spin (500);
  g_assert_false (gtk_widget_get_sensitive (sw));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sw)));
  tip = gtk_widget_get_tooltip_text (sw);
  g_assert_nonnull (tip);
  g_assert_nonnull (strstr (tip, "30"));
  g_assert_cmpuint (ds_playground_get_drawn_numbers (ui->pg)->len, ==, 0);
}

/* Not a test: DEEPSCOPE_SCREENSHOT=FILE.png presses Step once on gd_tiny
 * and writes the window as the README shows it. */
static int
screenshot (const char *path)
{
  Ui ui = { 0 };
  GdkPaintable *paintable;
  g_autoptr(GtkSnapshot) snap = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;

  ui_setup (&ui, NULL);
  g_assert_true (ui_wait_for (has_numbers, ui.pg, 10000));
  gtk_drop_down_set_selected (ds_playground_get_speed_drop (ui.pg), 0);
  ui_press (ds_train_view_get_button (ui.train, "step"));
  g_assert_true (ui_wait_for (has_step, ui.pg, 20000));
  ui_spin (1000);
  paintable = gtk_widget_paintable_new (GTK_WIDGET (ui.window));
  gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (GTK_WIDGET (ui.window)),
                          gtk_widget_get_height (GTK_WIDGET (ui.window)));
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
  renderer = gtk_native_get_renderer (GTK_NATIVE (ui.window));
  texture = gsk_renderer_render_texture (renderer, node, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
  ui_teardown (&ui, NULL);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  /* LANGUAGE=ru: the window in Russian (for the screenshot). */
  if (g_getenv ("LANGUAGE"))
    {
      g_setenv ("LC_ALL", "C.UTF-8", TRUE);
      ds_i18n_init ();
    }
  ui_test_init (&argc, &argv);
  if (g_getenv ("DEEPSCOPE_SCREENSHOT"))
    return screenshot (g_getenv ("DEEPSCOPE_SCREENSHOT"));
  g_test_add ("/ui/playground-numbers/step", Ui, NULL, ui_setup, test_step, ui_teardown);
  g_test_add ("/ui/playground-numbers/too-big", Ui, "spirals_mlp.json", ui_setup, test_too_big, ui_teardown);
  return g_test_run ();
}
