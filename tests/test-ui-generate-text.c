/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Generate view's Text page under a private X server
 * (tests/run-headless.sh): a model without a vocabulary says why in
 * words; with one, Generate streams characters into four side-by-side
 * columns while the job runs, and Stop halts it, the text no longer
 * growing. The model is a seeded Dense network over a window of 64 ids,
 * wide enough that 4 columns of 20000 characters take far longer than the
 * test waits. DEEPSCOPE_SCREENSHOTS=DIR also writes the window as PNGs. */
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-application.h"
#include "ds-generate-text.h"
#include "ds-generate-view-private.h"
#include "ds-window.h"
#include "ui-test-util.h"

#define WINDOW 64
#define ALPHABET "abcdefghijklmnopqrstuvwxyz "
#define N_TOKENS (2 + (int) (sizeof ALPHABET - 1))
#define LENGTH 20000

typedef struct
{
  DsWindow       *window;
  DsDocument     *doc;
  DsGenerateView *view;
} Ui;

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

/* Input (WINDOW ids) → Dense 1024 relu → Dense 1024 relu → Dense
 * (N_TOKENS, softmax), seeded weights. */
static NnModel *
text_model (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_model_new ("chars");
  int in = nn_model_add_layer (m, "Input", "ids", &error);
  int h1 = nn_model_add_layer (m, "Dense", "h1", &error);
  int h2 = nn_model_add_layer (m, "Dense", "h2", &error);
  int out = nn_model_add_layer (m, "Dense", "next", &error);
  g_autofree char *shape = g_strdup_printf ("%d", WINDOW);
  g_autofree char *units = g_strdup_printf ("%d", N_TOKENS);

  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", shape, &error));
  g_assert_true (nn_model_layer_set_param (m, h1, "units", "1024", &error));
  g_assert_true (nn_model_layer_set_param (m, h1, "activation", "relu", &error));
  g_assert_true (nn_model_layer_set_param (m, h2, "units", "1024", &error));
  g_assert_true (nn_model_layer_set_param (m, h2, "activation", "relu", &error));
  g_assert_true (nn_model_layer_set_param (m, out, "units", units, &error));
  g_assert_true (nn_model_layer_set_param (m, out, "activation", "softmax", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, h1, -1, &error));
  g_assert_true (nn_model_connect (m, (NnRef) { h1, 0 }, h2, -1, &error));
  g_assert_true (nn_model_connect (m, (NnRef) { h2, 0 }, out, -1, &error));
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&m);
}

static NnVocab *
text_vocab (void)
{
  NnTextOptions opt;
  NnVocab *v;

  nn_text_options_init (&opt);
  opt.chars = TRUE;
  opt.lower = FALSE;
  opt.strip = FALSE;
  v = nn_vocab_new (&opt);
  for (const char *c = ALPHABET; *c; c++)
    {
      char s[2] = { *c, 0 };

      nn_vocab_add (v, s);
    }
  g_assert_cmpint (nn_vocab_size (v), ==, N_TOKENS);
  return v;
}

static gboolean
model_shown (gpointer data)
{
  return ds_generate_view_get_model (data) != NULL;
}

static void
show_model (Ui *ui)
{
  ds_document_take_model (ui->doc, text_model (), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "generate");
  g_assert_true (ui_wait_for (model_shown, ui->view, 30000));
  ds_generate_view_show_page (ui->view, "text");
}

/* No vocabulary anywhere (neither with the model nor in a dataset): the
 * page says so and offers no Generate. */
static void
test_no_vocab (Ui            *ui,
               gconstpointer  data)
{
  const char *why;

  show_model (ui);
  why = ds_generate_view_get_text_reason (ui->view);
  g_assert_nonnull (why);
  g_test_message ("%s", why);
  g_assert_nonnull (strstr (why, "no vocabulary"));
  ds_generate_view_generate_text (ui->view);
  ui_spin (100);
  g_assert_false (ds_generate_view_is_generating_text (ui->view));
  screenshot (ui, "text-no-vocab");
}

static gboolean
streamed (gpointer data)
{
  DsGenerateView *view = data;
  g_autofree char *t = NULL;

  if (!ds_generate_view_is_generating_text (view))
    return TRUE;
  t = ds_generate_view_dup_generated (view, 3);
  return strlen (t) >= 40;
}

static gboolean
not_generating (gpointer data)
{
  return !ds_generate_view_is_generating_text (data);
}

/* Four temperatures side by side: characters arrive in every column while
 * the job runs; Stop ends it, and the columns stop growing. */
static void
test_stream_stop (Ui            *ui,
                  gconstpointer  data)
{
  g_autoptr(NnVocab) v = text_vocab ();
  const double temps[] = { 0.2, 0.5, 1.0, 1.2 };
  int stopped_at = -1;
  gsize shown[4];

  show_model (ui);
  ds_generate_view_set_text_vocab (ui->view, v);
  g_assert_null (ds_generate_view_get_text_reason (ui->view));
  ds_generate_view_set_text_settings (ui->view, "the cat ", LENGTH, 7, temps, 4);
  ds_generate_view_generate_text (ui->view);
  g_assert_true (ds_generate_view_is_generating_text (ui->view));
  g_assert_cmpint (ds_generate_view_get_n_text_columns (ui->view), ==, 4);
  g_assert_true (ui_wait_for (streamed, ui->view, 120000));
  /* Still running: what is shown came while it ran. */
  g_assert_true (ds_generate_view_is_generating_text (ui->view));
  for (int j = 0; j < 4; j++)
    {
      g_autofree char *t = ds_generate_view_dup_generated (ui->view, j);

      g_test_message ("T %.1f: %.60s", temps[j], t);
      g_assert_cmpuint (strlen (t), >=, 1);
      g_assert_cmpuint (strspn (t, ALPHABET), ==, strlen (t));
    }
  g_assert_true (g_str_has_prefix (ds_generate_view_get_text_status (ui->view), "Writing"));
  screenshot (ui, "text");
  ds_generate_view_stop_text (ui->view);
  g_assert_true (ui_wait_for (not_generating, ui->view, 30000));
  g_test_message ("%s", ds_generate_view_get_text_status (ui->view));
  g_assert_cmpint (sscanf (ds_generate_view_get_text_status (ui->view), "Stopped after %d",
                           &stopped_at), ==, 1);
  g_assert_cmpint (stopped_at, <, LENGTH);
  for (int j = 0; j < 4; j++)
    {
      g_autofree char *t = ds_generate_view_dup_generated (ui->view, j);

      shown[j] = strlen (t);
      /* Every column holds exactly the characters of the steps done. */
      g_assert_cmpuint (shown[j], ==, (gsize) stopped_at);
    }
  ui_spin (500);
  for (int j = 0; j < 4; j++)
    {
      g_autofree char *t = ds_generate_view_dup_generated (ui->view, j);

      g_assert_cmpuint (strlen (t), ==, shown[j]);
    }
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/generate-text/no-vocab", Ui, NULL, ui_setup, test_no_vocab, ui_teardown);
  g_test_add ("/ui/generate-text/stream-stop", Ui, NULL, ui_setup, test_stream_stop,
              ui_teardown);
  return g_test_run ();
}
