/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Inspect view of models that do not take pictures, under a private X
 * server: a fortunes topic classifier shows test record N's own text (the
 * dataset's record, character for character) and the tokens it reads,
 * padding and [UNK] marked; a bag-of-words one the words present; the
 * browser lists texts one a line; a Seattle forecaster's window is a line
 * plot with the forecast in degrees. No picture frame shown stays empty.
 * Needs the fortunes package (and python3-vega-datasets for the forecaster),
 * else those cases are skipped. DEEPSCOPE_SCREENSHOTS=DIR writes
 * DIR/inspect-text.png and DIR/inspect-series.png. */
#include <string.h>

#include <adwaita.h>

#include "ds-application.h"
#include "ds-inspect-bars.h"
#include "ds-inspect-errors.h"
#include "ds-inspect-filters.h"
#include "ds-inspect-heatmaps.h"
#include "ds-inspect-panels-private.h"
#include "ds-inspect-picture.h"
#include "ds-inspect-view-private.h"
#include "ds-training-run.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow      *window;
  DsDocument    *doc;
  DsInspectView *view;
} Ui;

static void
ui_setup (Ui            *ui,
          gconstpointer  data)
{
  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->doc = ds_window_get_document (ui->window);
  ui->view = DS_INSPECT_VIEW (ds_window_get_view (ui->window, "inspect"));
  ui_spin (100);
}

static void
ui_teardown (Ui            *ui,
             gconstpointer  data)
{
  ui_close_window_checked (ui->window);
}

static gboolean
have_fortunes (void)
{
  return g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS);
}

/* m trained for a few epochs on its dataset, as the Train view does: for
 * the screenshots, whose predictions should mean something. */
static NnModel *
trained (NnModel *m)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) ds = ds_dataset_new_take (nn_dataset_open (nn_model_get_dataset (m),
                                                                  NULL, &error));
  g_autoptr(DsTrainingRun) run = NULL;
  NnFitConfig cfg;
  NnModel *result;

  g_assert_no_error (error);
  nn_fit_config_init (&cfg);
  cfg.epochs = 4;
  cfg.seed = 1;
  run = ds_training_run_new ("Run 1", m, ds, &cfg, FALSE);
  g_assert_true (ds_training_run_start (run, &error));
  g_assert_no_error (error);
  g_assert_true (ui_wait_for (ui_run_ended, run, 240000));
  result = nn_model_copy (ds_training_run_get_result (run));
  nn_model_set_dataset (result, nn_model_get_dataset (m));
  nn_fit_config_clear (&cfg);
  nn_model_free (m);
  return result;
}

/* A sample with weights from seed 1 (what it predicts does not matter),
 * trained a little for the screenshots. */
static NnModel *
sample_with_weights (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), name, NULL);
  g_autoptr(GError) error = NULL;
  NnModel *m = nn_model_load (path, &error);

  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);
  return g_getenv ("DEEPSCOPE_SCREENSHOTS") ? trained (m) : m;
}

static gboolean
browser_ready (gpointer data)
{
  DsInspectView *view = data;

  return ds_inspect_subject_get_dataset (ds_inspect_view_get_subject (view)) != NULL
         && ds_inspect_view_get_n_thumbs (view) > 0;
}

static void
show_sample (Ui         *ui,
             const char *name)
{
  ds_document_take_model (ui->doc, sample_with_weights (name), NULL, FALSE);
  ds_window_set_visible_view (ui->window, "inspect");
  g_assert_true (ui_wait_for (browser_ready, ui->view, 120000));
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

/* Opens test sample index and waits for its prediction. */
static void
open_test (Ui    *ui,
           gsize  index)
{
  Computed c = { ui->view, ds_inspect_view_get_n_computed (ui->view) };

  g_assert_true (ds_inspect_subject_open_test_sample (ds_inspect_view_get_subject (ui->view),
                                                      index));
  g_assert_true (ui_wait_for (computed_past, &c, 60000));
  ui_spin (300);
}

/* Every picture frame on screen shows something: counts those drawn. */
static guint
assert_no_empty_picture (GtkWidget *widget)
{
  guint n = 0;

  if (!gtk_widget_is_drawable (widget))
    return 0;
  if (DS_IS_INSPECT_PICTURE (widget))
    {
      g_assert_cmpint (ds_inspect_picture_get_width (DS_INSPECT_PICTURE (widget)), >, 0);
      n++;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    n += assert_no_empty_picture (c);
  return n;
}

static gboolean
all_predicted (gpointer data)
{
  DsInspectView *view = data;
  DsDataset *ds = ds_inspect_subject_get_dataset (ds_inspect_view_get_subject (view));

  return ds && ds_inspect_view_get_n_predicted (view) == ds_dataset_get (ds)->n_test;
}

/* The first widget of type under root (depth first), or NULL. */
static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_widget (c, type);

      if (found)
        return found;
    }
  return NULL;
}

/* Every drawn widget under root lies within the window's width: counts
 * the widgets checked. */
static guint
assert_no_overflow (GtkWidget *root,
                    GtkWidget *window)
{
  graphene_rect_t r;
  guint n = 1;

  if (!gtk_widget_is_drawable (root))
    return 0;
  g_assert_true (gtk_widget_compute_bounds (root, window, &r));
  if (r.origin.x + r.size.width > gtk_widget_get_width (window) + 0.5)
    g_error ("%s runs off the window's right edge: %.0f + %.0f > %d",
             G_OBJECT_TYPE_NAME (root), r.origin.x, r.size.width, gtk_widget_get_width (window));
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    n += assert_no_overflow (c, window);
  return n;
}

static gboolean
errors_done (gpointer data)
{
  DsInspectErrors *errors = data;

  return ds_inspect_errors_get_confusion (errors) != NULL && !ds_inspect_errors_is_busy (errors);
}

/* The Errors page of a text model counts texts, and lists the wrong ones
 * by their words: no picture (of the word ids as grey squares) at all. */
static void
assert_errors_in_words (Ui *ui)
{
  DsInspectErrors *errors = DS_INSPECT_ERRORS (find_widget (GTK_WIDGET (ui->view),
                                                            DS_TYPE_INSPECT_ERRORS));
  GtkWidget *gallery = GTK_WIDGET (ds_inspect_errors_get_gallery (errors));
  const char *message;
  guint n = 0;

  ds_inspect_view_show_page (ui->view, "errors");
  g_assert_true (ui_wait_for (errors_done, errors, 120000));
  ui_spin (300);
  message = gtk_label_get_text (ds_inspect_errors_get_message (errors));
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, " texts of the test split"));
  g_assert_null (strstr (message, "image"));
  for (GtkWidget *c = gtk_widget_get_first_child (gallery); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *label = find_widget (c, GTK_TYPE_LABEL);

      g_assert_null (find_widget (c, DS_TYPE_INSPECT_PICTURE));
      g_assert_nonnull (label);
      g_assert_cmpuint (strlen (gtk_label_get_text (GTK_LABEL (label))), >, 0);
      n++;
    }
  /* an untrained model is wrong on most texts */
  g_assert_cmpuint (n, >, 0);
  ds_inspect_view_show_page (ui->view, "activations");
}

static NnDataset *
dataset_of (Ui *ui)
{
  return ds_dataset_get (ds_inspect_subject_get_dataset (ds_inspect_view_get_subject (ui->view)));
}

static void
test_lstm_text (Ui            *ui,
                gconstpointer  data)
{
  const gsize n = 5;
  NnDataset *ds;
  const char *tokens;

  if (!have_fortunes ())
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  show_sample (ui, "fortunes_lstm.json");
  g_assert_cmpint (ds_inspect_view_get_input_kind (ui->view), ==, DS_INSPECT_INPUT_TEXT);
  open_test (ui, n);
  ds = dataset_of (ui);
  g_assert_nonnull (ds->texts);
  /* the record itself, not a decoding of it */
  g_assert_cmpstr (ds_inspect_view_get_input_text (ui->view), ==, ds->texts[ds->test_idx[n]]);
  tokens = ds_inspect_view_get_input_tokens (ui->view);
  g_test_message ("tokens: %s", tokens);
  g_assert_nonnull (tokens);
  g_assert_cmpuint (strlen (tokens), >, 0);
  /* fortunes are shorter than 100 words: the rest is padding, said so */
  g_assert_nonnull (strstr (tokens, "[padding × "));
  g_assert_nonnull (strstr (ds_inspect_view_get_prediction_text (ui->view), "Predicted: "));
  /* the browser lists texts; no picture frame is left blank */
  /* the browser's texts get their predictions, and "Wrong only" works */
  g_assert_true (ui_wait_for (all_predicted, ui->view, 60000));
  ds_inspect_view_set_filter (ui->view, 1);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), >, 0);
  g_assert_cmpuint (ds_inspect_view_get_n_shown (ui->view), <, ds->n_test);
  ds_inspect_view_set_filter (ui->view, 0);
  g_assert_cmpuint (assert_no_empty_picture (GTK_WIDGET (ui->view)), ==, 0);
  ui_screenshot (ui->window, "inspect", "text");
  /* the pages that need a picture say why they have none */
  {
    GtkWidget *filters = find_widget (GTK_WIDGET (ui->view), DS_TYPE_INSPECT_FILTERS);
    GtkWidget *heatmaps = find_widget (GTK_WIDGET (ui->view), DS_TYPE_INSPECT_HEATMAPS);

    ds_inspect_view_show_page (ui->view, "heatmaps");
    ui_spin (500);
    g_assert_true (g_str_has_prefix (gtk_label_get_text (ds_inspect_filters_get_message (DS_INSPECT_FILTERS (filters))),
                                     "This model reads text"));
    g_assert_nonnull (strstr (gtk_label_get_text (ds_inspect_heatmaps_get_message (DS_INSPECT_HEATMAPS (heatmaps))),
                              "this model reads text"));
    ds_inspect_view_show_page (ui->view, "activations");
  }
  assert_errors_in_words (ui);
  /* the other pages, for the README's pictures */
  for (int k = 0; g_getenv ("DEEPSCOPE_SCREENSHOTS") && k < 3; k++)
    {
      const char *pages[] = { "filters", "heatmaps", "errors" };
      ds_inspect_view_show_page (ui->view, pages[k]);
      ui_spin (k == 2 ? 8000 : 1500);
      ui_screenshot (ui->window, "inspect-text", pages[k]);
    }
  ds_inspect_view_show_page (ui->view, "activations");
  /* the next record replaces it */
  open_test (ui, n + 1);
  g_assert_cmpstr (ds_inspect_view_get_input_text (ui->view), ==, ds->texts[ds->test_idx[n + 1]]);
}

/* Words no text of the training split has are [UNK]: a record with one. */
static void
test_unknown_marked (Ui            *ui,
                     gconstpointer  data)
{
  NnDataset *ds;
  gssize found = -1;
  int length;

  if (!have_fortunes ())
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  show_sample (ui, "fortunes_lstm.json");
  ds = dataset_of (ui);
  length = ds->inputs[0]->shape[0];
  for (gsize i = 0; i < ds->n_test && found < 0; i++)
    for (int t = 0; t < length; t++)
      if (nn_array_get (ds->inputs[0], ds->test_idx[i], t) == 1)
        {
          found = (gssize) i;
          break;
        }
  g_assert_cmpint (found, >=, 0);
  open_test (ui, found);
  g_assert_nonnull (strstr (ds_inspect_view_get_input_tokens (ui->view), "[UNK]"));
}

static void
test_bag_of_words (Ui            *ui,
                   gconstpointer  data)
{
  NnDataset *ds;

  if (!have_fortunes ())
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  show_sample (ui, "fortunes_bow.json");
  g_assert_cmpint (ds_inspect_view_get_input_kind (ui->view), ==, DS_INSPECT_INPUT_TEXT);
  open_test (ui, 2);
  ds = dataset_of (ui);
  g_assert_cmpstr (ds_inspect_view_get_input_text (ui->view), ==, ds->texts[ds->test_idx[2]]);
  /* the words present, comma-separated; no padding in a bag */
  g_assert_nonnull (strstr (ds_inspect_view_get_input_tokens (ui->view), ", "));
  g_assert_null (strstr (ds_inspect_view_get_input_tokens (ui->view), "padding"));
  g_assert_cmpuint (assert_no_empty_picture (GTK_WIDGET (ui->view)), ==, 0);
  /* Heat maps say in words why there is none, no Grad-CAM settings, and
   * nothing runs off the 1280-pixel window */
  {
    GtkWidget *heatmaps = find_widget (GTK_WIDGET (ui->view), DS_TYPE_INSPECT_HEATMAPS);
    GtkLabel *message;
    graphene_rect_t r;

    ds_inspect_view_show_page (ui->view, "heatmaps");
    ui_spin (500);
    message = ds_inspect_heatmaps_get_message (DS_INSPECT_HEATMAPS (heatmaps));
    g_assert_nonnull (strstr (gtk_label_get_text (message), "this model reads text (a bag of words"));
    g_assert_cmpuint (assert_no_overflow (heatmaps, GTK_WIDGET (ui->window)), >, 0);
    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (message), GTK_WIDGET (ui->window), &r));
    g_assert_cmpfloat (r.size.width, >, 0);
    ui_screenshot (ui->window, "inspect-bow", "heatmaps");
  }
}

/* A character model's prediction: its heading names the next character,
 * its chart the 10 likeliest of its dozens of classes, likeliest first, and
 * a space, newline or tab class is a visible glyph wherever it is named. */
static void
assert_char_prediction (Ui        *ui,
                        NnDataset *ds)
{
  DsInspectBars *bars = ds_inspect_view_get_bars (ui->view);
  DsInspectSubject *subject = ds_inspect_view_get_subject (ui->view);
  const char *label = ds_inspect_subject_get_input_label (subject);
  int n_rows = ds_inspect_bars_get_n_rows (bars);
  gboolean space = FALSE;

  g_test_message ("%s; %d classes", label, ds->n_classes);
  g_assert_true (g_str_has_prefix (label, "Test window 3 → next character ‘"));
  g_assert_cmpint (ds->n_classes, >, 12);
  g_assert_cmpint (ds_inspect_bars_get_n (bars), ==, ds->n_classes);
  g_assert_cmpint (n_rows, ==, 10);
  g_assert_cmpint (ds_inspect_bars_get_row_class (bars, 0), ==, ds_inspect_bars_get_top (bars));
  for (int r = 1; r < n_rows; r++)
    g_assert_cmpfloat (ds_inspect_bars_get_value (bars, ds_inspect_bars_get_row_class (bars, r - 1)),
                       >=, ds_inspect_bars_get_value (bars, ds_inspect_bars_get_row_class (bars, r)));
  for (int c = 0; c < ds->n_classes; c++)
    {
      g_autofree char *name = ds_inspect_subject_dup_class_name (subject, c);

      g_assert_false (g_str_equal (name, " ") || g_str_equal (name, "\\n")
                      || g_str_equal (name, "\\t") || strchr (name, '\n') || strchr (name, '\t'));
      space = space || g_str_equal (name, "␣");
    }
  g_assert_true (space);
  {
    g_autofree char *newline = ds_inspect_visible_char ("\\n");
    g_autofree char *tab = ds_inspect_visible_char ("\t");
    g_autofree char *a = ds_inspect_visible_char ("a");

    g_assert_cmpstr (newline, ==, "↵");
    g_assert_cmpstr (tab, ==, "⇥");
    g_assert_cmpstr (a, ==, "a");
  }
}

/* A character model's windows keep no text of their own: the text shown
 * is its characters, read back through the vocabulary. */
static void
test_char_window (Ui            *ui,
                  gconstpointer  data)
{
  NnDataset *ds;
  const char *text;
  int length;

  if (!have_fortunes ())
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  show_sample (ui, "fortunes_char_lstm.json");
  g_assert_cmpint (ds_inspect_view_get_input_kind (ui->view), ==, DS_INSPECT_INPUT_TEXT);
  open_test (ui, 3);
  ds = dataset_of (ui);
  g_assert_null (ds->texts);
  text = ds_inspect_view_get_input_text (ui->view);
  g_test_message ("%s", text);
  g_assert_nonnull (text);
  length = ds->inputs[0]->shape[0];
  /* one character per step (none of them padding in a window) */
  g_assert_cmpint (g_utf8_strlen (text, -1), ==, length);
  for (int t = 0; t < length; t++)
    {
      int id = (int) nn_array_get (ds->inputs[0], ds->test_idx[3], t);
      const char *c = g_utf8_offset_to_pointer (text, t);

      g_assert_true (g_str_has_prefix (c, id == 1 ? "[UNK]" : nn_vocab_token (ds->vocab, id)));
    }
  g_assert_cmpuint (assert_no_empty_picture (GTK_WIDGET (ui->view)), ==, 0);
  assert_char_prediction (ui, ds);
  /* its windows are predicted too, and called windows */
  g_assert_true (ui_wait_for (all_predicted, ui->view, 120000));
  g_assert_cmpstr (gtk_string_list_get_string (ui->view->filter_items, 0), ==, "All test windows");
  ui_screenshot (ui->window, "inspect", "chars");
}

static void
test_series_window (Ui            *ui,
                    gconstpointer  data)
{
  const char *text;

  if (!g_file_test ("/usr/lib/python3/dist-packages/vega_datasets/_data/seattle-temps.csv",
                    G_FILE_TEST_EXISTS))
    {
      g_test_skip ("python3-vega-datasets is not installed");
      return;
    }
  show_sample (ui, "seattle_gru.json");
  g_assert_cmpint (ds_inspect_view_get_input_kind (ui->view), ==, DS_INSPECT_INPUT_SERIES);
  open_test (ui, 10);
  text = ds_inspect_view_get_prediction_text (ui->view);
  g_test_message ("%s", text);
  /* a forecast in the target's unit beside the truth, not a class */
  g_assert_nonnull (strstr (text, "°F"));
  g_assert_nonnull (strstr (text, "true"));
  g_assert_null (ds_inspect_view_get_input_text (ui->view));
  g_assert_true (ui_wait_for (all_predicted, ui->view, 60000));
  g_assert_cmpuint (assert_no_empty_picture (GTK_WIDGET (ui->view)), ==, 0);
  ui_screenshot (ui->window, "inspect", "series");
  /* no filter patterns for a series, said in words */
  {
    GtkWidget *filters = find_widget (GTK_WIDGET (ui->view), DS_TYPE_INSPECT_FILTERS);

    g_assert_true (g_str_has_prefix (gtk_label_get_text (ds_inspect_filters_get_message (DS_INSPECT_FILTERS (filters))),
                                     "This model reads a time series"));
  }
  /* the windows are predicted too; no "Wrong only" for a regression */
  ds_inspect_view_set_filter (ui->view, 1);
  g_assert_cmpuint (ds_inspect_view_get_filter (ui->view), ==, GTK_INVALID_LIST_POSITION);
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add ("/ui/inspect-text/lstm", Ui, NULL, ui_setup, test_lstm_text, ui_teardown);
  g_test_add ("/ui/inspect-text/unknown", Ui, NULL, ui_setup, test_unknown_marked, ui_teardown);
  g_test_add ("/ui/inspect-text/bag-of-words", Ui, NULL, ui_setup, test_bag_of_words,
              ui_teardown);
  g_test_add ("/ui/inspect-text/chars", Ui, NULL, ui_setup, test_char_window, ui_teardown);
  g_test_add ("/ui/inspect-text/series", Ui, NULL, ui_setup, test_series_window, ui_teardown);
  return g_test_run ();
}
