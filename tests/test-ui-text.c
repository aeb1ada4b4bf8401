/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Data view's tokenization preview under a private X server: a folder
 * of text files by class loads, the preview shows its vocabulary and one
 * text's tokens with their indices in it, and Shuffle shows another text.
 * With the fortunes package installed, four fortunes topics are previewed
 * too; DEEPSCOPE_SCREENSHOTS=DIR then writes the window as
 * DIR/data-text.png. */
#include <string.h>

#include <adwaita.h>
#include <glib/gstdio.h>

#include "ds-application.h"
#include "ds-data-view-private.h"
#include "ds-data-view-text.h"
#include "ds-window.h"
#include "ui-test-util.h"

static gboolean
settled (gpointer data)
{
  DsDatasetStore *store = data;

  return !ds_dataset_store_get_loading (store)
         && (ds_dataset_store_get_dataset (store) || ds_dataset_store_get_error (store));
}

static gboolean
tokens_drawn (gpointer data)
{
  return ds_data_view_get_n_drawn (data) > 0 && ds_data_view_get_text_tokens (data) != NULL;
}

static void
write_text (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *e;

  while (d && (e = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, e, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        remove_tree (p);
      else
        g_remove (p);
    }
  g_rmdir (dir);
}

static DsWindow *
open_window (DsDataView **view)
{
  DsWindow *window = ds_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 900);
  gtk_window_present (GTK_WINDOW (window));
  *view = DS_DATA_VIEW (ds_window_get_view (window, "data"));
  ds_window_set_visible_view (window, "data");
  g_assert_true (ui_wait_for (ui_widget_allocated, *view, 5000));
  return window;
}

/* Every "token:index" of the drawn sample is the vocabulary's index of
 * that token; returns how many there are. */
static guint
check_tokens (NnDataset  *ds,
              const char *line)
{
  g_auto(GStrv) pairs = g_strsplit (line, " ", -1);
  guint n = 0;

  for (int k = 0; pairs[k]; k++)
    {
      char *colon = strrchr (pairs[k], ':');
      g_assert_nonnull (colon);
      *colon = '\0';
      g_assert_cmpint (atoi (colon + 1), ==, nn_vocab_lookup (ds->vocab, pairs[k]));
      n++;
    }
  return n;
}

/* Loads spec into the view's store and waits until its preview is drawn;
 * returns the dataset (borrowed). */
static NnDataset *
load_and_draw (DsDataView *view,
               const char *spec)
{
  DsDatasetStore *store = ds_data_view_get_store (view);

  ds_dataset_store_load (store, spec, 0);
  g_assert_true (ui_wait_for (settled, store, 10000));
  g_assert_null (ds_dataset_store_get_error (store));
  ui_spin (200);
  g_assert_true (ui_wait_for (tokens_drawn, view, 3000));
  return ds_dataset_get (ds_dataset_store_get_dataset (store));
}

/* A folder of 16 short reviews in pos/ and neg/. */
static char *
make_text_folder (void)
{
  char *dir = g_dir_make_tmp ("test-ui-text-XXXXXX", NULL);

  for (int i = 0; i < 8; i++)
    {
      g_autofree char *pos = g_strdup_printf ("pos/p%d.txt", i);
      g_autofree char *neg = g_strdup_printf ("neg/n%d.txt", i);
      g_autofree char *pt = g_strdup_printf ("Good, great film number %d! Loved it. Café crème.", i);
      g_autofree char *nt = g_strdup_printf ("Bad awful film %d; hated it%s", i, i % 2 ? " again" : "");
      write_text (dir, pos, pt);
      write_text (dir, neg, nt);
    }
  return dir;
}

static void
test_text_folder_preview (void)
{
  g_autofree char *dir = make_text_folder ();
  DsDataView *view;
  DsWindow *window;

  window = open_window (&view);
  g_autofree char *spec = g_strdup_printf ("%s:length=6:test=0.25", dir);
  NnDataset *ds = load_and_draw (view, spec);
  g_assert_nonnull (ds->vocab);

  /* The vocabulary: its size and its coverage of the training tokens. */
  const char *vocab = ds_data_view_get_text_vocab_line (view);
  g_autofree char *size = g_strdup_printf ("Vocabulary: %d tokens", nn_vocab_size (ds->vocab));
  g_test_message ("%s", vocab);
  g_assert_nonnull (strstr (vocab, size));
  g_assert_nonnull (strstr (vocab, "covers 100.0 % of the"));

  /* One text's tokens, each with its index, one chip each. */
  g_autofree char *first = g_strdup (ds_data_view_get_text_tokens (view));
  g_test_message ("tokens: %s", first);
  guint n = check_tokens (ds, first);
  g_assert_cmpuint (n, >=, 4);
  g_assert_cmpuint (ds_data_view_get_n_drawn (view), ==, n);
  g_assert_true (strstr (first, "film:") != NULL);

  /* Shuffle shows another text. */
  gboolean changed = FALSE;
  for (int tries = 0; tries < 5 && !changed; tries++)
    {
      _ds_data_view_shuffle_cb (view);
      ui_spin (100);
      g_assert_true (ui_wait_for (tokens_drawn, view, 3000));
      changed = g_strcmp0 (first, ds_data_view_get_text_tokens (view)) != 0;
    }
  g_assert_true (changed);
  check_tokens (ds, ds_data_view_get_text_tokens (view));
  ui_close_window_checked (window);
  remove_tree (dir);
}

/* Texts of 40 short lines each (a poem's shape): the preview shows four
 * of them, so the vocabulary and the histogram keep their room. Pango's
 * line limit applied per paragraph, and such a text filled the area. */
static void
test_long_text_bounded (void)
{
  char *dir = g_dir_make_tmp ("test-ui-text-XXXXXX", NULL);
  DsDataView *view;
  DsWindow *window;

  for (int i = 0; i < 8; i++)
    {
      g_autoptr(GString) text = g_string_new (NULL);
      g_autofree char *name = g_strdup_printf ("%s/%d.txt", i % 2 ? "long" : "short", i);

      for (int l = 0; l < 40; l++)
        g_string_append_printf (text, "Line %d of poem %d,\n", l, i);
      write_text (dir, name, text->str);
    }
  window = open_window (&view);
  g_autofree char *spec = g_strdup_printf ("%s:length=20", dir);
  load_and_draw (view, spec);
  g_test_message ("histogram: %d px", ds_data_view_get_text_histogram_height (view));
  g_assert_cmpint (ds_data_view_get_text_histogram_height (view), >=, 80);
  g_assert_cmpuint (ds_data_view_get_text_overlaps (view), ==, 0);
  ui_close_window_checked (window);
  remove_tree (dir);
  g_free (dir);
}

static void
screenshot (DsWindow   *window,
            const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SCREENSHOTS");
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  GdkPaintable *paintable;

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (GTK_WIDGET (window));
  /* The paintable is empty while the window waits for a new layout. */
  for (int tries = 0; node == NULL && tries < 50; tries++)
    {
      GtkSnapshot *snap = gtk_snapshot_new ();

      ui_spin (200);
      gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (GTK_WIDGET (window)),
                              gtk_widget_get_height (GTK_WIDGET (window)));
      node = gtk_snapshot_free_to_node (snap);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node, NULL);
  path = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
  g_test_message ("wrote %s", path);
}

/* The preview's top scrolled into sight, for the screenshot. */
static void
scroll_to_preview (DsDataView *view)
{
  GtkWidget *sw = gtk_widget_get_ancestor (GTK_WIDGET (view->samples_title), GTK_TYPE_SCROLLED_WINDOW);
  double x, y;

  g_assert_nonnull (sw);
  g_assert_true (gtk_widget_translate_coordinates (GTK_WIDGET (view->samples_title),
                                                   gtk_scrolled_window_get_child (GTK_SCROLLED_WINDOW (sw)),
                                                   0, 0, &x, &y));
  gtk_adjustment_set_value (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (sw)), y - 12);
  ui_spin (200);
}

static guint
source_index (DsDataView *view,
              const char *name)
{
  GListModel *model = adw_combo_row_get_model (ds_data_view_get_source_row (view));

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    if (g_str_equal (gtk_string_list_get_string (GTK_STRING_LIST (model), i), name))
      return i;
  g_error ("the source chooser has no “%s”", name);
  return 0;
}

static gboolean
loaded_spec (gpointer data)
{
  DsDataView *view = data;
  DsDatasetStore *store = ds_data_view_get_store (view);
  const char *want = g_object_get_data (G_OBJECT (view), "want-spec");

  return settled (store) && g_strcmp0 (ds_dataset_store_get_spec (store), want) == 0;
}

/* The source chooser offers fortunes topics and a folder of text files
 * in words, and each loads a text dataset whose preview shows. */
static void
test_source_chooser (void)
{
  g_autofree char *dir = make_text_folder ();
  DsDataView *view;
  DsWindow *window = open_window (&view);
  DsDatasetStore *store = ds_data_view_get_store (view);
  AdwComboRow *source = ds_data_view_get_source_row (view);
  guint custom = source_index (view, "Custom spec");

  /* Both before "Custom spec", the last. */
  g_assert_cmpuint (source_index (view, "Text by topic (fortunes)"), <, custom);
  g_assert_cmpuint (source_index (view, "Folder of text files"), <, custom);

  /* A folder of text files: nothing chosen yet says what to do. */
  adw_combo_row_set_selected (source, source_index (view, "Folder of text files"));
  ui_spin (100);
  g_assert_cmpstr (ds_data_view_get_empty_title (view), ==, "Choose a Folder of Text Files");
  /* No normalization to choose: token ids are not rescaled. */
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->norm_row)));
  ds_data_view_choose_text_folder (view, dir);
  g_autofree char *want = g_strdup_printf ("text:%s", dir);
  g_object_set_data (G_OBJECT (view), "want-spec", want);
  g_assert_true (ui_wait_for (loaded_spec, view, 10000));
  g_assert_null (ds_dataset_store_get_error (store));
  NnDataset *ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds->n_classes, ==, 2);
  ui_spin (200);
  g_assert_true (ui_wait_for (tokens_drawn, view, 3000));
  g_autofree char *size = g_strdup_printf ("Vocabulary: %d tokens", nn_vocab_size (ds->vocab));
  g_assert_nonnull (strstr (ds_data_view_get_text_vocab_line (view), size));
  check_tokens (ds, ds_data_view_get_text_tokens (view));
  /* The model names it once it loaded. */
  NnModel *m = ds_document_get_model (ds_view_get_document (DS_VIEW (view)));
  g_assert_cmpstr (nn_model_get_dataset (m), ==, want);

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_message ("the fortunes package is not installed: its topics not tried");
      ui_close_window_checked (window);
      remove_tree (dir);
      return;
    }
  /* Fortunes by topic: four topics ticked at first; ticking a fifth and
   * untying two reloads with the three. */
  adw_combo_row_set_selected (source, source_index (view, "Text by topic (fortunes)"));
  g_object_set_data (G_OBJECT (view), "want-spec",
                     (gpointer) "fortunes:topics=politics,science,songs-poems,work");
  g_assert_true (ui_wait_for (loaded_spec, view, 30000));
  g_assert_null (ds_dataset_store_get_error (store));
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds->n_classes, ==, 4);
  g_assert_cmpstr (ds->class_names[1], ==, "science");
  ui_spin (200);
  g_assert_true (ui_wait_for (tokens_drawn, view, 5000));
  g_assert_nonnull (strstr (ds_data_view_get_text_vocab_line (view), "Vocabulary: 10,000 tokens"));
  check_tokens (ds, ds_data_view_get_text_tokens (view));

  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "science"), FALSE);
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "songs-poems"), FALSE);
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "food"), TRUE);
  gtk_spin_button_set_value (view->text_length_spin, 50);
  g_object_set_data (G_OBJECT (view), "want-spec",
                     (gpointer) "fortunes:topics=food,politics,work:length=50");
  g_assert_true (ui_wait_for (loaded_spec, view, 30000));
  g_assert_null (ds_dataset_store_get_error (store));
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds->n_classes, ==, 3);
  ui_spin (200);
  g_assert_true (ui_wait_for (tokens_drawn, view, 5000));
  check_tokens (ds, ds_data_view_get_text_tokens (view));

  /* No topic ticked: nothing to load, and the page says what to do. */
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "food"), FALSE);
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "politics"), FALSE);
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "work"), FALSE);
  ui_spin (400);
  g_assert_cmpstr (ds_data_view_get_empty_title (view), ==, "Tick Some Topics");

  /* Characters of a text: nothing named yet says what to do; a topic
   * named loads its windows, the window's length changed as asked. */
  adw_combo_row_set_selected (source, source_index (view, "Characters of a text"));
  ui_spin (100);
  g_assert_cmpstr (ds_data_view_get_empty_title (view), ==, "Name a Text");
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->norm_row)));
  gtk_editable_set_text (GTK_EDITABLE (view->chars_source_row), "work");
  gtk_spin_button_set_value (view->chars_length_spin, 40);
  g_signal_emit_by_name (view->chars_source_row, "apply");
  g_object_set_data (G_OBJECT (view), "want-spec", (gpointer) "chars:work:length=40");
  g_assert_true (ui_wait_for (loaded_spec, view, 30000));
  g_assert_null (ds_dataset_store_get_error (store));
  ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 40);
  ui_close_window_checked (window);
  remove_tree (dir);
}

static void
test_fortunes_preview (void)
{
  DsDataView *view;
  DsWindow *window;

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  window = open_window (&view);
  DsDatasetStore *store = ds_data_view_get_store (view);
  /* Through the model, as a saved model names it: the source chooser
   * shows its topics ticked. */
  DsDocument *doc = ds_view_get_document (DS_VIEW (view));
  nn_model_set_dataset (ds_document_get_model (doc), "fortunes:topics=science,work,politics,songs-poems");
  ds_document_commit (doc, DS_CHANGE_PARAMS, "Choose Dataset", NULL);
  g_object_set_data (G_OBJECT (view), "want-spec",
                     (gpointer) "fortunes:topics=science,work,politics,songs-poems");
  g_assert_true (ui_wait_for (loaded_spec, view, 30000));
  g_assert_cmpuint (adw_combo_row_get_selected (ds_data_view_get_source_row (view)), ==,
                    source_index (view, "Text by topic (fortunes)"));
  g_assert_true (gtk_check_button_get_active (ds_data_view_get_topic_check (view, "songs-poems")));
  g_assert_false (gtk_check_button_get_active (ds_data_view_get_topic_check (view, "food")));
  g_assert_null (ds_dataset_store_get_error (store));
  NnDataset *ds = ds_dataset_get (ds_dataset_store_get_dataset (store));
  ui_spin (300);
  g_assert_true (ui_wait_for (tokens_drawn, view, 5000));
  const char *vocab = ds_data_view_get_text_vocab_line (view);
  g_test_message ("%s", vocab);
  g_assert_nonnull (strstr (vocab, "Vocabulary: 10,000 tokens"));
  check_tokens (ds, ds_data_view_get_text_tokens (view));
  /* The histogram's title, cut-off label and axis labels each in a place
   * of their own. */
  g_assert_cmpuint (ds_data_view_get_text_overlaps (view), ==, 0);
  /* Scrolled so that the preview is in sight. */
  scroll_to_preview (view);
  screenshot (window, "data-text");
  ui_close_window_checked (window);
}

/* Moves the page to another source (a folder of text files, none chosen:
 * it loads nothing) and back to its source, `name`, which it asserts. */
static void
leave_and_come_back (DsDataView *view,
                     const char *name)
{
  AdwComboRow *source = ds_data_view_get_source_row (view);
  guint back = source_index (view, name);

  g_assert_cmpuint (adw_combo_row_get_selected (source), ==, back);
  adw_combo_row_set_selected (source, source_index (view, "Folder of text files"));
  ui_spin (50);
  adw_combo_row_set_selected (source, back);
  ui_spin (50);
}

/* Changes spin and changes it back. */
static void
nudge (GtkSpinButton *spin)
{
  int value = gtk_spin_button_get_value_as_int (spin);

  gtk_spin_button_set_value (spin, value + 10);
  gtk_spin_button_set_value (spin, value);
}

/* Opens samples/name in a new window, shows the Data view and waits for
 * the sample's dataset; returns the window. */
static DsWindow *
open_sample (const char  *name,
             DsDataView **view)
{
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), name, NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DsWindow *window = open_window (view);
  NnModel *m;

  g_assert_true (ds_window_open (window, file) == window);
  m = ds_document_get_model (ds_window_get_document (window));
  g_object_set_data_full (G_OBJECT (*view), "want-spec", g_strdup (nn_model_get_dataset (m)), g_free);
  g_assert_true (ui_wait_for (loaded_spec, *view, 60000));
  g_assert_null (ds_dataset_store_get_error (ds_data_view_get_store (*view)));
  return window;
}

/* Each fortunes sample opened and its text page passed through (another
 * source and back, a topic unticked and ticked again, the numbers changed
 * and changed back): the spec comes back byte for byte, with its topics'
 * order (the class numbers) and the options the page has no control for
 * (:mode=int:vocab=10000), and the model keeps it. The page rebuilt it in
 * alphabetical order without them, and showed such specs (and the
 * character model's) as "Custom spec". */
static void
test_sample_specs_kept (void)
{
  const char *samples[] = { "fortunes_bow.json", "fortunes_lstm.json", "fortunes_conv1d.json",
                            "fortunes_char_lstm.json" };

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  for (guint k = 0; k < G_N_ELEMENTS (samples); k++)
    {
      DsDataView *view;
      DsWindow *window = open_sample (samples[k], &view);
      NnModel *m = ds_document_get_model (ds_window_get_document (window));
      g_autofree char *spec = g_strdup (nn_model_get_dataset (m));
      g_autofree char *shown = ds_data_view_dup_spec (view);

      g_test_message ("%s: %s", samples[k], spec);
      if (k == 0)
        {
          ds_window_set_visible_view (window, "data");
          screenshot (window, "data-series-source");
        }
      g_assert_cmpstr (shown, ==, spec);
      if (g_str_has_prefix (spec, "fortunes:"))
        {
          GtkCheckButton *science = ds_data_view_get_topic_check (view, "science");

          g_assert_cmpstr (gtk_label_get_text (view->topics_label), ==,
                           "Class numbers: 0 science · 1 work · 2 politics · 3 songs-poems");
          g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view->text_kept_row)));
          leave_and_come_back (view, "Text by topic (fortunes)");
          gtk_check_button_set_active (science, FALSE);
          gtk_check_button_set_active (science, TRUE);
          nudge (view->text_length_spin);
        }
      else
        {
          /* chars:work:length=60:step=3:lower=1:vocab=48 */
          g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (view->chars_source_row)), ==,
                           "work");
          g_assert_cmpint (gtk_spin_button_get_value_as_int (view->chars_length_spin), ==, 60);
          g_assert_cmpstr (adw_action_row_get_subtitle (view->chars_kept_row), ==,
                           "lower=1:vocab=48");
          leave_and_come_back (view, "Characters of a text");
          nudge (view->chars_length_spin);
          nudge (view->chars_step_spin);
        }
      g_free (shown);
      shown = ds_data_view_dup_spec (view);
      g_assert_cmpstr (shown, ==, spec);
      /* Loaded again as the page asks (after its pause), the model's spec
       * is the same. */
      ui_spin (600);
      g_assert_true (ui_wait_for (loaded_spec, view, 60000));
      g_assert_cmpstr (nn_model_get_dataset (m), ==, spec);
      ui_close_window_checked (window);
    }
}

/* A model with trained weights: unticking a topic renumbers the classes,
 * and the page says so next to the topics; ticking it again puts it back
 * in its place and the warning goes. A topic added comes last. */
static void
test_renumbering_warning (void)
{
  DsDataView *view;
  DsWindow *window;
  NnModel *m;
  GtkCheckButton *work;

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  window = open_sample ("fortunes_conv1d.json", &view);
  m = ds_document_get_model (ds_window_get_document (window));
  work = ds_data_view_get_topic_check (view, "work");
  /* Without weights there is nothing to renumber. */
  gtk_check_button_set_active (work, FALSE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->topics_warning)));
  gtk_check_button_set_active (work, TRUE);
  g_assert_true (nn_model_init_weights (m, 1, NULL));

  gtk_check_button_set_active (work, FALSE);
  g_assert_cmpstr (gtk_label_get_text (view->topics_label), ==,
                   "Class numbers: 0 science · 1 politics · 2 songs-poems");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view->topics_warning)));
  g_assert_nonnull (strstr (gtk_label_get_text (view->topics_warning),
                            "The trained weights number the classes 0 science · 1 work · "
                            "2 politics · 3 songs-poems"));
  gtk_check_button_set_active (work, TRUE);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->topics_warning)));
  gtk_check_button_set_active (ds_data_view_get_topic_check (view, "food"), TRUE);
  g_assert_cmpstr (gtk_label_get_text (view->topics_label), ==,
                   "Class numbers: 0 science · 1 work · 2 politics · 3 songs-poems · 4 food");
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (view->topics_warning)));
  ui_close_window_checked (window);
}

/* Five topics ticked for a model that scores four classes: the verdict
 * says the samples do not fit and why; four topics again fit. */
static gboolean
fit_title_is (gpointer data)
{
  DsDataView *view = data;

  return g_strcmp0 (ds_data_view_get_fit_title (view), g_object_get_data (G_OBJECT (view), "want-fit")) == 0;
}

static void
test_classes_fit (void)
{
  DsDataView *view;
  DsWindow *window;
  GtkCheckButton *food;
  const char *why;

  if (!g_file_test ("/usr/share/games/fortunes/science", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("the fortunes package is not installed");
      return;
    }
  window = open_sample ("fortunes_conv1d.json", &view);
  g_assert_cmpstr (ds_data_view_get_fit_title (view), ==, "Fits the model");
  food = ds_data_view_get_topic_check (view, "food");
  gtk_check_button_set_active (food, TRUE);
  g_object_set_data (G_OBJECT (view), "want-fit", (gpointer) "Does not fit the model");
  g_assert_true (ui_wait_for (fit_title_is, view, 60000));
  why = ds_data_view_get_fit_detail (view);
  g_test_message ("%s", why);
  g_assert_nonnull (strstr (why, "scores 4 classes; these samples have 5"));
  g_assert_nonnull (strstr (why, "Tick 4 topics, or set its units to 5"));
  ds_window_set_visible_view (window, "data");
  screenshot (window, "data-classes-misfit");
  gtk_check_button_set_active (food, FALSE);
  g_object_set_data (G_OBJECT (view), "want-fit", (gpointer) "Fits the model");
  g_assert_true (ui_wait_for (fit_title_is, view, 60000));
  ui_close_window_checked (window);
}

/* Windows of characters overlap: the vocabulary line counts each
 * training character of the text once (the first window's and each next
 * window's new ones), and the loader's note names the held-out windows
 * as the header does, "for testing". */
static void
test_chars_counted_once (void)
{
  g_autofree char *dir = g_dir_make_tmp ("test-ui-chars-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "t.txt", NULL);
  g_autofree char *spec = NULL, *want = NULL;
  GString *text = g_string_new (NULL);
  DsDataView *view;
  DsWindow *window = open_window (&view);
  NnDataset *ds;

  for (int i = 0; i < 200; i++)
    g_string_append_c (text, "ab cd\tef\n"[i % 9]);
  g_assert_true (g_file_set_contents (path, text->str, 200, NULL));
  g_string_free (text, TRUE);
  spec = g_strdup_printf ("chars:%s:length=4:step=2", path);
  ds = load_and_draw (view, spec);
  g_assert_cmpuint (ds->n_train, >, 10);
  /* Windows 0 .. n_train - 1 start every 2 characters and hold 4. */
  want = g_strdup_printf ("of the %zu training characters", (ds->n_train - 1) * 2 + 4);
  g_test_message ("%s", ds_data_view_get_text_vocab_line (view));
  g_assert_nonnull (strstr (ds_data_view_get_text_vocab_line (view), want));
  g_assert_nonnull (strstr (ds->notes[0], "for testing"));
  /* The card fits what it holds (a window and two lines): no empty area. */
  ui_spin (300);
  g_test_message ("preview height %d", gtk_drawing_area_get_content_height (view->samples_area));
  g_assert_cmpint (gtk_drawing_area_get_content_height (view->samples_area), <, 300);
  screenshot (window, "data-chars");
  ui_close_window_checked (window);
  g_remove (path);
  g_rmdir (dir);
}

/* Each Seattle sample opens with the source "Time series", its window,
 * step and delay in the spins and its other options (:relative=1
 * :inputs=both) kept; passed through the page (another source and back,
 * the numbers changed and changed back) the spec comes back byte for byte;
 * a number changed rewrites it in its place. The page showed these specs
 * as "Custom spec". */
static void
test_series_specs_kept (void)
{
  const char *samples[] = { "seattle_gru.json", "seattle_gru_stacked.json",
                            "seattle_gru_bidirectional.json", "seattle_conv_gru.json" };

  for (guint k = 0; k < G_N_ELEMENTS (samples); k++)
    {
      DsDataView *view;
      DsWindow *window = open_sample (samples[k], &view);
      NnModel *m = ds_document_get_model (ds_window_get_document (window));
      g_autofree char *spec = g_strdup (nn_model_get_dataset (m));
      g_autofree char *shown = ds_data_view_dup_spec (view);
      g_autofree char *lookback = NULL, *changed = NULL, *want = NULL;
      int window_rows;

      g_test_message ("%s: %s", samples[k], spec);
      if (k == 0)
        {
          ds_window_set_visible_view (window, "data");
          screenshot (window, "data-series-source");
        }
      g_assert_cmpuint (adw_combo_row_get_selected (ds_data_view_get_source_row (view)), ==,
                        source_index (view, "Time series"));
      g_assert_true (gtk_widget_get_visible (view->series_group));
      g_assert_false (gtk_widget_get_visible (view->custom_group));
      g_assert_cmpstr (shown, ==, spec);
      g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (view->series_source_row)), ==,
                       "seattle-temps");
      window_rows = gtk_spin_button_get_value_as_int (view->series_lookback_spin);
      lookback = g_strdup_printf (":lookback=%d:", window_rows);
      g_assert_nonnull (strstr (spec, lookback));
      g_assert_cmpint (gtk_spin_button_get_value_as_int (view->series_delay_spin), ==, 24);
      g_assert_cmpint (gtk_spin_button_get_value_as_int (view->series_step_spin), ==, 1);
      if (strstr (spec, ":relative=1:inputs=both"))
        g_assert_cmpstr (adw_action_row_get_subtitle (view->series_kept_row), ==,
                         "relative=1:inputs=both");
      else
        g_assert_false (gtk_widget_get_visible (GTK_WIDGET (view->series_kept_row)));
      leave_and_come_back (view, "Time series");
      nudge (view->series_lookback_spin);
      nudge (view->series_step_spin);
      nudge (view->series_delay_spin);
      g_free (shown);
      shown = ds_data_view_dup_spec (view);
      g_assert_cmpstr (shown, ==, spec);
      /* A changed window is written in its place, a new step after. */
      gtk_spin_button_set_value (view->series_lookback_spin, 48);
      gtk_spin_button_set_value (view->series_step_spin, 2);
      changed = ds_data_view_dup_spec (view);
      {
        g_autofree char *rest = g_strdup (strstr (spec, lookback) + strlen (lookback) - 1);

        want = g_strdup_printf ("seattle-temps:lookback=48%s:step=2", rest);
      }
      g_assert_cmpstr (changed, ==, want);
      /* The series typed as a CSV file: its window is "window=". */
      gtk_editable_set_text (GTK_EDITABLE (view->series_source_row), "/data/temps.csv");
      g_free (changed);
      changed = ds_data_view_dup_spec (view);
      g_assert_true (g_str_has_prefix (changed, "/data/temps.csv:window=48:"));
      g_assert_null (strstr (changed, "lookback"));
      ui_close_window_checked (window);
    }
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/text/folder-preview", test_text_folder_preview);
  g_test_add_func ("/ui/text/fortunes-preview", test_fortunes_preview);
  g_test_add_func ("/ui/text/source-chooser", test_source_chooser);
  g_test_add_func ("/ui/text/sample-specs-kept", test_sample_specs_kept);
  g_test_add_func ("/ui/text/series-specs-kept", test_series_specs_kept);
  g_test_add_func ("/ui/text/long-text-bounded", test_long_text_bounded);
  g_test_add_func ("/ui/text/renumbering-warning", test_renumbering_warning);
  g_test_add_func ("/ui/text/classes-fit", test_classes_fit);
  g_test_add_func ("/ui/text/chars-counted-once", test_chars_counted_once);
  return g_test_run ();
}
