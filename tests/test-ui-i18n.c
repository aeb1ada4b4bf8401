/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window in Russian (LANGUAGE=ru, the catalogue of build/po) under a
 * private X server (tests/run-headless.sh): each of the Data, Build, Train,
 * Inspect and Generate views is opened and its whole widget tree walked,
 * hidden pages included. Every label's text and every tooltip that holds
 * Latin letters must also hold Cyrillic ones, or consist of names that stay
 * as they are (layer classes, the model's layer names, activation, loss,
 * metric and optimizer keys, file formats, products): a string left
 * unmarked for translation, or marked but left untranslated, fails the test
 * and is printed with the widget that shows it. */
#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "ds-i18n.h"
#include "ds-window.h"
#include "nn-help.h"
#include "ui-test-util.h"

/* Names shown as they are in every language. */
static const char *const kept_names[] = {
  "Deepscope", "Fashion-MNIST", "MNIST", "Keras", "ONNX", "TensorFlow", "TF", "js", "PNG", "SVG", "CSV",
  "PDF", "JSON", "json", "IDX", "RGB", "Ctrl", "Shift", "Alt", "Enter", "Backspace", "Delete",
  "Space", "Tab", "Escape", "Home", "End", "Left", "Right", "Up", "Down", "sin", "cos", "exp", "log", "GAN", "DCGAN",
  "VAE", "PCA", "t-SNE", "Grad-CAM", "DeepDream", "MAE", "MSE", "SGD", "XOR", "KL", "L1", "L2", "LSTM",
  "GRU", "RNN", "MLP", "ReLU", "UNK", "TF-IDF", "fortunes", "work", "one-hot", "multi-hot", "n-gram",
  "None", "k", "M", "s", "x", "y", "z", "D", "G", "d_loss", "g_loss", "lr", "val_loss", "val_accuracy",
  "val_mae", "val_mse", "loss", "mae", "mse", "accuracy", "kl_loss",
};

typedef struct
{
  GHashTable *kept;     /* word → itself */
  GString    *report;   /* every failing text, one a line */
  guint       n_texts;
  guint       n_failed;
} Walk;

static void
keep_model_names (Walk     *w,
                  DsWindow *window)
{
  NnModel *m = ds_document_get_model (ds_window_get_document (window));

  for (int i = 0; m && i < nn_model_get_n_layers (m); i++)
    g_hash_table_add (w->kept, g_strdup (nn_model_layer_get_name (m, i)));
}

static void
walk_init (Walk *w)
{
  w->kept = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->report = g_string_new (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (kept_names); i++)
    g_hash_table_add (w->kept, g_strdup (kept_names[i]));
  for (guint i = 0; i < nn_layer_types_count (); i++)
    g_hash_table_add (w->kept, g_strdup (nn_layer_type_get_name (nn_layer_types_get (i))));
  for (guint i = 0; i < nn_help_count (); i++)
    g_hash_table_add (w->kept, g_strdup (nn_help_get (i)->name));
}

static gboolean
has_cyrillic (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x0400 && c <= 0x04FF)
        return TRUE;
    }
  return FALSE;
}

/* TRUE when text reads in Russian: it holds Cyrillic, or each of its Latin
 * words is a kept name. */
static gboolean
reads_russian (Walk       *w,
               const char *text)
{
  g_autoptr(GRegex) word = NULL;
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gboolean ok = TRUE;

  if (has_cyrillic (text))
    return TRUE;
  /* Formulas stay as they are; so do single tokens that are data, not
   * words: keys, file names, specs, paths, shortcuts (zippy, x1,
   * blobs:classes=4, /usr/share, Ctrl+X). */
  if (strstr (text, "=") || strstr (text, "←") || strstr (text, "∝"))
    return TRUE;
  if (!strchr (stripped, ' ')
      && (strpbrk (text, "0123456789:/+=._") || !g_regex_match_simple ("[A-Z]", text, 0, 0)))
    return TRUE;
  word = g_regex_new ("[A-Za-z][A-Za-z0-9_.\\-]*[A-Za-z0-9_]|[A-Za-z]", 0, 0, NULL);
  g_regex_match (word, text, 0, &match);
  for (; ok && g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree char *wd = g_match_info_fetch (match, 0);

      /* A file name (fashion_mlp.json) or a spec (blobs:classes=4) is data. */
      ok = g_hash_table_contains (w->kept, wd) || g_str_has_suffix (wd, ".json")
           || strchr (wd, '_') != NULL || strlen (wd) == 1;
    }
  return ok;
}

static void
check_text (Walk       *w,
            GtkWidget  *widget,
            const char *what,
            const char *text)
{
  if (!text || !*text)
    return;
  w->n_texts++;
  if (reads_russian (w, text))
    return;
  w->n_failed++;
  g_string_append_printf (w->report, "%s %s: “%s” (in", G_OBJECT_TYPE_NAME (widget), what, text);
  for (GtkWidget *p = gtk_widget_get_parent (widget); p; p = gtk_widget_get_parent (p))
    if (gtk_widget_get_name (p) && !g_str_has_prefix (gtk_widget_get_name (p), "Gtk")
        && !g_str_has_prefix (gtk_widget_get_name (p), "Adw"))
      g_string_append_printf (w->report, " %s", gtk_widget_get_name (p));
  g_string_append (w->report, ")\n");
}

/* Every descendant, internal children and hidden pages included. */
static void
walk_tree (Walk      *w,
           GtkWidget *widget)
{
  g_autofree char *tip = gtk_widget_get_tooltip_text (widget) ? g_strdup (gtk_widget_get_tooltip_text (widget)) : NULL;

  if (GTK_IS_LABEL (widget) && !gtk_widget_has_css_class (widget, "monospace"))
    check_text (w, widget, "label", gtk_label_get_text (GTK_LABEL (widget)));
  check_text (w, widget, "tooltip", tip);
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    walk_tree (w, c);
}

static void
test_views_in_russian (void)
{
  static const char *const views[] = { "data", "build", "train", "inspect", "generate" };
  DsWindow *window = ds_window_new (NULL);
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_mlp.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Walk w = { 0 };

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (100);
  g_assert_true (ds_window_open (window, file) == window);
  walk_init (&w);
  keep_model_names (&w, window);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      guint before = w.n_failed;

      ds_window_set_visible_view (window, views[i]);
      ui_spin (300);
      walk_tree (&w, GTK_WIDGET (window));
      g_test_message ("%s view: %u texts so far, %u not in Russian", views[i], w.n_texts, w.n_failed - before);
    }
  if (w.n_failed)
    g_test_message ("Not in Russian:\n%s", w.report->str);
  /* The walk saw the window's texts, and each of them reads in Russian. */
  g_assert_cmpuint (w.n_texts, >, 200);
  g_assert_cmpuint (w.n_failed, ==, 0);
  g_hash_table_unref (w.kept);
  g_string_free (w.report, TRUE);
  ui_stop_run_and_close (window);
}

int
main (int    argc,
      char **argv)
{
  /* As a Russian desktop session: the language before anything translates. */
  g_setenv ("LANGUAGE", "ru", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  ds_i18n_init ();
  ui_test_init (&argc, &argv);
  g_assert_cmpstr (_("Build"), ==, "Сборка");
  g_test_add_func ("/ui/i18n/views-in-russian", test_views_in_russian);
  return g_test_run ();
}
