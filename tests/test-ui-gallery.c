/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The sample gallery lists every model in $DEEPSCOPE_SAMPLES and opens each
 * one without error, under a private X server (tests/run-headless.sh). */
#include <adwaita.h>
#include <glib/gstdio.h>
#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ds-application.h"
#include "ds-autosave.h"
#include "ds-build-view-private.h"
#include "ds-colors.h"
#include "ds-graph-canvas-private.h"
#include "ds-summary-private.h"
#include "ds-sample-gallery-private.h"
#include "ds-util.h"
#include "ds-window-private.h"
#include "test-util.h"
#include "ui-test-util.h"

static gboolean
is_hidden (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

static void
test_open_every_sample (void)
{
  const char *dir = g_getenv ("DEEPSCOPE_SAMPLES");
  DsWindow *window;
  DsBuildView *view;
  GtkWidget *gallery;
  guint n;

  g_assert_nonnull (dir);
  window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  view = DS_BUILD_VIEW (ds_window_get_view (window, "build"));
  g_assert_true (ui_wait_for (ui_widget_allocated, ds_build_view_get_canvas (view), 5000));

  gallery = ds_window_show_samples (window);
  n = ds_sample_gallery_get_n_samples (DS_SAMPLE_GALLERY (gallery));
  g_assert_cmpuint (n, >, 0);
  g_assert_cmpuint (n, ==, ui_count_files (dir, ".json"));
  /* Reading every sample takes a while: one gallery serves all the opens
   * (activating a sample closes it; the object stays ours). */
  g_object_ref (gallery);

  for (guint i = 0; i < n; i++)
    {
      DsSampleGallery *g = DS_SAMPLE_GALLERY (gallery);
      g_autoptr(GFile) expect = NULL;
      DsDocument *doc;
      NnModel *m;
      GFile *file;

      g_test_message ("sample %s", ds_sample_gallery_get_path (g, i));
      g_assert_null (ds_sample_gallery_get_error (g, i));
      expect = g_file_new_for_path (ds_sample_gallery_get_path (g, i));
      ds_sample_gallery_activate (g, i);
      /* A successful open closes the gallery. */
      g_assert_true (ui_wait_for (is_hidden, g, 2000));

      doc = ds_window_get_document (window);
      file = ds_document_get_file (doc);
      g_assert_nonnull (file);
      g_assert_true (g_file_equal (file, expect));
      g_assert_false (ds_document_get_dirty (doc));
      m = ds_document_get_model (doc);
      g_assert_cmpint (nn_model_get_n_layers (m), >, 0);
      g_assert_true (nn_model_infer (m, NULL));
      for (int l = 0; l < nn_model_get_n_layers (m); l++)
        g_assert_null (nn_model_layer_get_error (m, l));
      /* Shown on the canvas, with no problems listed. */
      g_assert_cmpint (ds_scene_get_n_nodes (ds_graph_canvas_get_scene (ds_build_view_get_canvas (view))),
                       ==, nn_model_get_n_layers (m));
      g_assert_null (gtk_widget_get_first_child (GTK_WIDGET (ds_build_view_get_error_list (view))));
      ui_spin (30);
    }
  g_object_unref (gallery);
  ui_close_window_checked (window);
}

/* The test display has no GPU: where it offers OpenGL at all, that is
 * Mesa's software renderer, and the app draws with cairo instead; a
 * renderer the user chose is left alone. */
static void
test_software_gl (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("GSK_RENDERER"));
  g_autoptr(GdkGLContext) context = NULL;

  g_setenv ("GSK_RENDERER", "gl", TRUE);
  g_assert_false (ds_prefer_cairo_on_software_gl ());
  g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "gl");

  g_unsetenv ("GSK_RENDERER");
  context = gdk_display_create_gl_context (gdk_display_get_default (), NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    {
      g_assert_false (ds_prefer_cairo_on_software_gl ());
      g_test_message ("no OpenGL on this display: GTK draws with cairo anyway");
    }
  else
    {
      g_assert_true (ds_prefer_cairo_on_software_gl ());
      g_assert_cmpstr (g_getenv ("GSK_RENDERER"), ==, "cairo");
    }
  if (saved)
    g_setenv ("GSK_RENDERER", saved, TRUE);
  else
    g_unsetenv ("GSK_RENDERER");
}

/* The Recent menu shows a file name with an underscore as it is
 * ("fashion_mlp.json", not "fashionmlp.json"): menu labels take "_" as a
 * mnemonic, so the label doubles it. */
static void
test_recent_underscore (void)
{
  g_autoptr(DsApplication) app = ds_application_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path ("/tmp/fashion_mlp.json");
  g_autofree char *label = NULL;
  DsWindow *window;
  GMenuModel *recent;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  ds_application_add_recent (app, file);
  window = ds_window_new (GTK_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (50);
  recent = ds_window_get_recent_menu (window);
  g_assert_cmpint (g_menu_model_get_n_items (recent), >=, 1);
  g_assert_true (g_menu_model_get_item_attribute (recent, 0, G_MENU_ATTRIBUTE_LABEL, "s", &label));
  g_test_message ("menu label “%s”", label);
  /* Shown with use-underline: "__" is one literal "_". */
  g_assert_cmpstr (label, ==, "fashion__mlp.json");
  ui_close_window_checked (window);
}

static gboolean
path_listed (GPtrArray  *paths,
             const char *path)
{
  for (guint i = 0; i < paths->len; i++)
    if (g_str_equal (paths->pdata[i], path))
      return TRUE;
  return FALSE;
}

/* Another instance, in a child process (GObjects only, no display): its
 * DsAutosave, with a copy of unsaved work written when copy is TRUE. It
 * sends its copy's path (path, size bytes) and lives until the parent
 * closes *release, then goes without cleaning up, as in a crash. */
static pid_t
start_other_instance (gboolean  copy,
                      char     *path,
                      gsize     size,
                      int      *release)
{
  int to_parent[2], to_child[2];
  ssize_t got = 0, n;
  pid_t child;

  g_assert_cmpint (pipe (to_parent), ==, 0);
  g_assert_cmpint (pipe (to_child), ==, 0);
  child = fork ();
  g_assert_cmpint (child, >=, 0);
  if (child == 0)
    {
      DsDocument *doc = ds_document_new ();
      DsAutosave *autosave = ds_autosave_new (doc, 0);
      const char *p;
      char c;

      close (to_parent[0]);
      close (to_child[1]);
      nn_model_add_layer (ds_document_get_model (doc), "Input", "image", NULL);
      ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Add", NULL);
      if (copy && !ds_autosave_save_now (autosave, NULL))
        _exit (2);
      p = ds_autosave_get_path (autosave);
      if (write (to_parent[1], p, strlen (p)) < 0)
        _exit (3);
      close (to_parent[1]);
      if (read (to_child[0], &c, 1) < 0)
        _exit (4);
      _exit (0);
    }
  close (to_parent[1]);
  close (to_child[0]);
  memset (path, 0, size);
  while ((n = read (to_parent[0], path + got, size - 1 - (gsize) got)) > 0)
    got += n;
  close (to_parent[0]);
  g_assert_cmpint (got, >, 0);
  *release = to_child[1];
  return child;
}

/* Ends the instance start_other_instance started, as a crash would. */
static void
end_other_instance (pid_t child,
                    int   release)
{
  int status;

  close (release);
  g_assert_cmpint (waitpid (child, &status, 0), ==, child);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
}

/* A second instance started while the first has unsaved work does not
 * offer the first's autosave copy, nor remove it: only a dead instance's
 * copies are orphans. The first instance is a child process that writes
 * its copy, then waits; killed, it leaves the copy, which is then offered
 * and can be removed. */
static void
test_autosave_live_instance (void)
{
  char path[4096];
  int release;
  pid_t child = start_other_instance (TRUE, path, sizeof path, &release);

  g_test_message ("the other instance's copy: %s", path);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  /* While it lives: not offered, and not removed when asked to. */
  {
    g_autoptr(GPtrArray) orphans = ds_autosave_find_orphans ();

    g_assert_false (path_listed (orphans, path));
    g_assert_false (ds_autosave_remove_orphan (path));
    g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
  }

  /* It dies (as in a crash: the copy stays): now the copy is offered. */
  end_other_instance (child, release);
  {
    g_autoptr(GPtrArray) orphans = ds_autosave_find_orphans ();

    g_assert_true (path_listed (orphans, path));
    g_assert_true (ds_autosave_remove_orphan (path));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  }
}

/* How many files of the autosave directory start with the name of path
 * (the copy, its origin and its lock file). */
static guint
count_files_of (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  while (d && (name = g_dir_read_name (d)))
    n += g_str_has_prefix (name, base);
  return n;
}

/* A normal close leaves no lock file behind, even while something still
 * holds the autosave object; a lock file left by an instance killed
 * before it wrote a copy is removed at the next start, but never a live
 * instance's. */
static void
test_autosave_no_stale_lock (void)
{
  g_autoptr(DsDocument) doc = ds_document_new ();
  DsAutosave *autosave = ds_autosave_new (doc, 0);
  g_autofree char *lock = g_strconcat (ds_autosave_get_path (autosave), ".lock", NULL);
  g_autofree char *path = g_strdup (ds_autosave_get_path (autosave));
  char child_path[4096];
  int release;
  pid_t child;

  nn_model_add_layer (ds_document_get_model (doc), "Input", "image", NULL);
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Add", NULL);
  g_assert_true (ds_autosave_save_now (autosave, NULL));
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  /* The clean close: the copy and its lock file go at once. */
  ds_autosave_discard (autosave);
  g_assert_cmpuint (count_files_of (path), ==, 0);
  /* Written again after all (a save): locked again, not an orphan. */
  g_assert_true (ds_autosave_save_now (autosave, NULL));
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  {
    g_autoptr(GPtrArray) orphans = ds_autosave_find_orphans ();

    g_assert_false (path_listed (orphans, path));
  }
  ds_autosave_discard (autosave);
  g_object_unref (autosave);
  g_assert_cmpuint (count_files_of (path), ==, 0);

  /* Another instance, killed before its first copy: only its lock file. */
  child = start_other_instance (FALSE, child_path, sizeof child_path, &release);
  g_free (lock);
  lock = g_strconcat (child_path, ".lock", NULL);
  /* Alive: its lock stays. */
  g_ptr_array_unref (ds_autosave_find_orphans ());
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  end_other_instance (child, release);
  /* Dead: the next look for orphans removes it. */
  g_assert_true (g_file_test (lock, G_FILE_TEST_EXISTS));
  g_ptr_array_unref (ds_autosave_find_orphans ());
  g_assert_false (g_file_test (lock, G_FILE_TEST_EXISTS));
}

static gboolean
has_lock_file (gpointer data)
{
  g_autoptr(GDir) d = g_dir_open (data, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".lock"))
      return TRUE;
  return FALSE;
}

/* The application ended as a session or a terminal ends it (SIGTERM,
 * SIGINT) closes its windows: it exits normally and leaves nothing in the
 * cache (the default action of the signal left the lock file). */
static void
test_app_terminated (gconstpointer data)
{
  int signum = GPOINTER_TO_INT (data);
  const char *app = g_getenv ("DEEPSCOPE_APP");
  g_autofree char *cache = g_dir_make_tmp ("ds-term-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (cache, "deepscope", NULL);
  g_auto(GStrv) env = g_get_environ ();
  char *argv[] = { (char *) app, NULL };
  g_autoptr(GError) error = NULL;
  GPid pid;
  int status = -1;

  g_assert_nonnull (app);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  g_assert_true (g_spawn_async (NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid,
                                &error));
  g_assert_no_error (error);
  /* Its window's lock is taken once the window is made. */
  g_assert_true (ui_wait_for (has_lock_file, dir, 60000));
  ui_spin (500);
  g_assert_cmpint (kill (pid, signum), ==, 0);
  for (int i = 0; i < 300 && waitpid (pid, &status, WNOHANG) == 0; i++)
    g_usleep (100000);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  g_assert_false (has_lock_file (dir));
  /* Nothing else either. */
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  test_remove_tree (cache);
}

/* Whether a pixel of colour c fills part of the surface. */
static gboolean
has_colour (cairo_surface_t *surface,
            const GdkRGBA   *c)
{
  guint32 want = 0xff000000u | ((guint32) lround (c->red * 255) << 16)
                 | ((guint32) lround (c->green * 255) << 8) | (guint32) lround (c->blue * 255);
  int w = cairo_image_surface_get_width (surface), h = cairo_image_surface_get_height (surface);
  int stride = cairo_image_surface_get_stride (surface) / 4;
  const guint32 *px = (const guint32 *) cairo_image_surface_get_data (surface);

  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (px[y * stride + x] == want)
        return TRUE;
  return FALSE;
}

/* The gallery is a course: the dense networks first, then the convnets,
 * then the generative models, then text and sequences, each with one line on what it teaches and a thumbnail of its graph (a
 * box per layer in its group's colour). */
static void
test_course (void)
{
  static const char *const order[] = {
    "spirals_mlp", "gd_tiny", "fashion_mlp", "fashion_binary", "regression_kfold", "cars_mpg",
    "two_inputs_two_outputs",
    "fashion_convnet", "fashion_convnet_bn", "fashion_small", "fashion_small_augmented",
    "transfer_base", "transfer_head", "fashion_vae_dense", "fashion_vae_conv",
    "fortunes_char_lstm", "gan_ring_generator", "gan_ring_discriminator",
    "fashion_dcgan_generator", "fashion_dcgan_discriminator",
    "fortunes_bow", "fortunes_lstm", "fortunes_conv1d",
    "seattle_gru", "seattle_gru_stacked", "seattle_gru_bidirectional", "seattle_conv_gru",
  };
  GtkWidget *gallery = ds_sample_gallery_new (NULL);
  DsSampleGallery *g = DS_SAMPLE_GALLERY (gallery);
  GdkRGBA conv, nested;
  guint n = ds_sample_gallery_get_n_samples (g);

  ds_colors_group (NN_GROUP_CONVOLUTION, &conv);
  ds_colors_group (NN_GROUP_MODEL, &nested);
  g_assert_cmpuint (n, >=, G_N_ELEMENTS (order));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *base = g_path_get_basename (ds_sample_gallery_get_path (g, i));
      const char *teaches = ds_sample_gallery_get_teaches (g, i);
      g_autoptr(NnModel) m = nn_model_load (ds_sample_gallery_get_path (g, i), NULL);
      cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 168, 60);
      cairo_t *cr = cairo_create (surface);
      guint boxes;

      g_test_message ("%u. %s: %s", i + 1, base, teaches);
      if (i < G_N_ELEMENTS (order))
        {
          g_autofree char *want = g_strconcat (order[i], ".json", NULL);

          g_assert_cmpstr (base, ==, want);
        }
      /* One line: no paragraph, no line break. */
      g_assert_nonnull (teaches);
      g_assert_cmpuint (strlen (teaches), >, 20);
      g_assert_cmpuint (g_utf8_strlen (teaches, -1), <=, 100);
      g_assert_null (strchr (teaches, '\n'));

      g_assert_nonnull (m);
      boxes = ds_sample_gallery_draw_thumbnail (g, i, cr, 168, 60);
      g_assert_cmpuint (boxes, ==, (guint) nn_model_get_n_layers (m));
      /* Convnets show their convolutions in the group's colour; the
       * dense networks have none, and transfer learning keeps its
       * convolutions inside a Model layer, in that group's colour; of
       * the generative models, the conv VAE and the DCGAN pair (18, 19); of
       * text and sequences, the Conv1D classifier and the last forecaster. */
      g_assert_true (has_colour (surface, &conv)
                     == ((i >= 7 && i < 11) || i == 14 || i == 18 || i == 19 || i == 22 || i == 26));
      /* The VAEs keep their decoder in a Model layer. */
      if (i >= 11 && i <= 14)
        g_assert_true (has_colour (surface, &nested));
      cairo_destroy (cr);
      cairo_surface_destroy (surface);
    }
  gtk_window_destroy (GTK_WINDOW (gallery));
}

/* A document with a finished run, autosaved and recovered as the recovery
 * offer does it: the recovered document shows the run, with its curve. */
static void
test_autosave_keeps_runs (void)
{
  g_autoptr(DsDocument) doc = ds_document_new ();
  g_autoptr(DsDocument) back = ds_document_new ();
  g_autoptr(DsAutosave) autosave = ds_autosave_new (doc, 0);
  g_autoptr(NnRunRecord) record = nn_run_record_new ("Run 1");
  g_autoptr(DsTrainingRun) run = NULL;
  g_autoptr(DsTrainingRun) got = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GFile) origin = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  GListModel *list;
  NnModel *m;

  record->origin = g_strdup ("deepscope");
  record->end_text = g_strdup ("Finished");
  record->epochs = 3;
  record->epochs_done = 3;
  for (int i = 1; i <= 3; i++)
    nn_run_record_append (record, "loss", i, 1.0 / i);
  run = ds_training_run_new_from_record (record);
  ds_document_add_run (doc, run);
  nn_model_add_layer (ds_document_get_model (doc), "Input", "image", NULL);
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Add", NULL);
  g_assert_true (ds_document_get_dirty (doc));
  g_assert_true (ds_autosave_save_now (autosave, &error));
  g_assert_no_error (error);
  path = g_strdup (ds_autosave_get_path (autosave));

  m = ds_autosave_load_with_runs (path, &runs, &origin, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  g_test_message ("runs in the autosave copy: %u", runs->len);
  g_assert_cmpuint (runs->len, ==, 1);
  ds_document_take_model_with_runs (back, m, origin, TRUE, runs);
  list = ds_document_get_runs (back);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  got = g_list_model_get_item (list, 0);
  g_assert_cmpstr (ds_training_run_get_name (got), ==, "Run 1");
  g_assert_cmpint (ds_training_run_get_state (got), ==, DS_RUN_FINISHED);
  g_assert_cmpuint (ds_metric_series_get_n_points (ds_training_run_get_series (got, "loss")), ==, 3);
  g_assert_true (ds_document_get_dirty (back));
  ds_autosave_discard (autosave);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* Closing a window with unsaved changes and choosing Discard: the window
 * goes only once the dialog has, so the dialog never reaches back into a
 * freed window (GLib warned "instance with invalid (NULL) class pointer"
 * four times on quit, fatal here under G_DEBUG=fatal-warnings). */
static void
test_discard_on_close (void)
{
  DsWindow *window = ds_window_new (NULL);
  GtkWidget *dialog = NULL;
  GListModel *tops;
  g_autoptr (GError) error = NULL;
  DsDocument *doc;
  NnModel *m;
  int in;

  gtk_window_present (GTK_WINDOW (window));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  doc = ds_window_get_document (window);
  m = ds_document_get_model (doc);
  in = nn_model_add_layer (m, "Input", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (in, >=, 0);
  ds_document_commit (doc, DS_CHANGE_STRUCTURE, "Add Input", NULL);
  g_assert_true (ds_document_get_dirty (doc));
  gtk_window_close (GTK_WINDOW (window));
  ui_spin (200);
  tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (tops, i);
      if (ADW_IS_MESSAGE_DIALOG (w))
        dialog = GTK_WIDGET (w);
    }
  g_assert_nonnull (dialog);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "discard");
  for (int i = 0; i < 100 && window; i++)
    ui_spin (20);
  g_assert_null (window);
}

/* The first widget of type under root (depth first), or NULL. */
static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  if (g_type_is_a (G_OBJECT_TYPE (root), type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_descendant (c, type);

      if (found)
        return found;
    }
  return NULL;
}

static DsWindow *
other_window (DsWindow *window)
{
  GListModel *tops = gtk_window_get_toplevels ();
  DsWindow *other = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (DS_IS_WINDOW (w) && w != G_OBJECT (window))
        other = DS_WINDOW (w);
    }
  return other;
}

/* A document whose only change is a run (trained, or a search's trial
 * loaded) has unsaved work though its undo history is clean: Open Sample,
 * as the Open menu reaches it, leaves it in its window and opens the
 * sample in another. Right after the open, the new window's summary
 * already names the sample's layers. */
static void
test_open_sample_keeps_runs (void)
{
  g_autofree char *spirals = ui_sample_path ("spirals_mlp.json");
  g_autofree char *cars = ui_sample_path ("cars_mpg.json");
  g_autoptr(GFile) file = g_file_new_for_path (spirals);
  g_autoptr(GFile) cars_file = g_file_new_for_path (cars);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnRunRecord) record = nn_run_record_new ("Run 1");
  g_autoptr(DsTrainingRun) run = NULL;
  DsWindow *window = ds_window_new (NULL);
  DsWindow *other;
  DsDocument *doc;
  DsSampleGallery *gallery;
  DsSummary *summary;
  const char *totals;
  g_autofree char *expect = NULL;
  guint i, n;

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ds_window_load (window, file, &error));
  g_assert_no_error (error);
  doc = ds_window_get_document (window);
  g_assert_false (ds_window_has_unsaved_changes (window));

  record->origin = g_strdup ("deepscope");
  record->end_text = g_strdup ("Finished");
  record->epochs = record->epochs_done = 2;
  nn_run_record_append (record, "loss", 1, 0.5);
  run = ds_training_run_new_from_record (record);
  ds_document_add_run (doc, run);
  g_clear_object (&run);   /* the document's now */
  g_assert_false (ds_document_get_dirty (doc));
  g_assert_true (ds_window_has_unsaved_changes (window));

  gtk_widget_activate_action (GTK_WIDGET (window), "win.open-sample", NULL);
  ui_spin (100);
  gallery = NULL;
  {
    GListModel *tops = gtk_window_get_toplevels ();

    for (i = 0; i < g_list_model_get_n_items (tops); i++)
      {
        g_autoptr(GObject) w = g_list_model_get_item (tops, i);

        if (DS_IS_SAMPLE_GALLERY (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
          gallery = DS_SAMPLE_GALLERY (w);
      }
  }
  g_assert_nonnull (gallery);
  n = ds_sample_gallery_get_n_samples (gallery);
  for (i = 0; i < n; i++)
    if (g_str_equal (ds_sample_gallery_get_path (gallery, i), cars))
      break;
  g_assert_cmpuint (i, <, n);
  ds_sample_gallery_activate (gallery, i);

  /* The run and its model stay where they were. */
  g_assert_true (ds_window_get_document (window) == doc);
  g_assert_true (g_file_equal (ds_document_get_file (doc), file));
  g_assert_cmpuint (g_list_model_get_n_items (ds_document_get_runs (doc)), ==, 1);
  other = other_window (window);
  g_assert_nonnull (other);
  g_assert_true (g_file_equal (ds_document_get_file (ds_window_get_document (other)), cars_file));

  /* No main-loop turn yet: the summary is the sample's already. */
  summary = ds_build_view_get_summary (DS_BUILD_VIEW (ds_window_get_view (other, "build")));
  totals = gtk_label_get_text (ds_summary_get_totals_label (summary));
  n = nn_model_get_n_layers (ds_document_get_model (ds_window_get_document (other)));
  expect = g_strdup_printf ("%u layers", n);
  g_test_message ("summary right after the open: %s", totals);
  g_assert_true (g_str_has_prefix (totals, expect));

  ui_close_window_checked (other);
  /* Closing asks about the run, as about an edit, and Cancel keeps it. */
  gtk_window_close (GTK_WINDOW (window));
  ui_spin (200);
  {
    GListModel *tops = gtk_window_get_toplevels ();
    GtkWidget *dialog = NULL;

    for (i = 0; i < g_list_model_get_n_items (tops); i++)
      {
        g_autoptr(GObject) w = g_list_model_get_item (tops, i);

        if (ADW_IS_MESSAGE_DIALOG (w))
          dialog = GTK_WIDGET (w);
      }
    g_assert_nonnull (dialog);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  }
  ui_spin (200);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (window)));
  g_assert_cmpuint (g_list_model_get_n_items (ds_document_get_runs (doc)), ==, 1);
  ui_close_window_checked (window);
}

/* A menu's tooltip does not show over its own open menu (the Open
 * button's arrow said "Samples and Recent Models" over "Open Sample…"). */
static void
test_no_tooltip_over_menu (void)
{
  DsWindow *window = ds_window_new (NULL);
  GtkWidget *split, *arrow;

  gtk_window_present (GTK_WINDOW (window));
  ui_spin (100);
  split = find_descendant (GTK_WIDGET (window), ADW_TYPE_SPLIT_BUTTON);
  g_assert_nonnull (split);
  arrow = find_descendant (split, GTK_TYPE_MENU_BUTTON);
  g_assert_nonnull (arrow);
  g_assert_true (gtk_widget_get_has_tooltip (arrow));
  g_assert_true (gtk_widget_get_has_tooltip (split));

  adw_split_button_popup (ADW_SPLIT_BUTTON (split));
  ui_spin (200);
  g_assert_false (gtk_widget_get_has_tooltip (arrow));
  g_assert_false (gtk_widget_get_has_tooltip (split));

  adw_split_button_popdown (ADW_SPLIT_BUTTON (split));
  ui_spin (200);
  g_assert_true (gtk_widget_get_has_tooltip (arrow));
  g_assert_true (gtk_widget_get_has_tooltip (split));
  g_assert_cmpstr (adw_split_button_get_dropdown_tooltip (ADW_SPLIT_BUTTON (split)), ==,
                   gtk_widget_get_tooltip_text (arrow));
  ui_close_window_checked (window);
}

static void
record_path_cb (DsSampleGallery *gallery,
                const char      *path,
                char           **out)
{
  g_free (*out);
  *out = g_strdup (path);
}

/* One real click on a row that shows only in part, at the bottom of the
 * gallery's scrolled list, opens that row's sample (a first click that
 * did nothing was reported; the list box activates on a single click). */
static void
test_gallery_row_single_click (void)
{
  DsWindow *window = ds_window_new (NULL);
  GtkWidget *gallery, *list, *row, *scrolled;
  g_autofree char *got = NULL;
  graphene_point_t p;
  double view_h;
  guint index;

  gtk_window_present (GTK_WINDOW (window));
  gallery = ds_window_show_samples (window);
  g_object_ref (gallery);
  gtk_window_set_default_size (GTK_WINDOW (gallery), 600, 500);
  list = find_descendant (gallery, GTK_TYPE_LIST_BOX);
  scrolled = gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW);
  g_assert_true (ui_wait_for (ui_widget_allocated, list, 5000));
  ui_spin (200);
  view_h = gtk_widget_get_height (scrolled);
  /* The first row below the bottom edge, scrolled to show its top 30 px. */
  row = NULL;
  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    {
      g_assert_true (gtk_widget_compute_point (c, scrolled, &GRAPHENE_POINT_INIT (0, 0), &p));
      if (GTK_IS_LIST_BOX_ROW (c) && p.y > view_h)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));

          gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + p.y - (view_h - 30));
          break;
        }
    }
  ui_spin (200);
  /* The first row that reaches past the bottom edge. */
  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    {
      if (!GTK_IS_LIST_BOX_ROW (c) || !gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (c)))
        continue;
      g_assert_true (gtk_widget_compute_point (c, scrolled, &GRAPHENE_POINT_INIT (0, 0), &p));
      if (p.y + gtk_widget_get_height (c) > view_h && p.y + 12 < view_h)
        {
          row = c;
          break;
        }
    }
  if (row == NULL)
    {
      g_test_skip ("no row shows in part at this size");
      gtk_window_destroy (GTK_WINDOW (gallery));
      g_object_unref (gallery);
      ui_close_window_checked (window);
      return;
    }
  index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (row), "ds-index"));
  g_signal_connect (gallery, "sample-activated", G_CALLBACK (record_path_cb), &got);
  /* Just inside the visible part of the row. */
  ui_xtest_click (row, gtk_widget_get_width (row) / 2, view_h - p.y - 6);
  ui_spin (200);
  g_test_message ("clicked row %u, opened %s", index, got ? got : "nothing");
  g_assert_cmpstr (got, ==, ds_sample_gallery_get_path (DS_SAMPLE_GALLERY (gallery), index));
  gtk_window_destroy (GTK_WINDOW (gallery));
  g_object_unref (gallery);
  {
    DsWindow *other = other_window (window);

    if (other)
      ui_close_window_checked (other);
  }
  ui_close_window_checked (window);
}

int
main (int   argc,
      char *argv[])
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/gallery/open-every-sample", test_open_every_sample);
  g_test_add_func ("/ui/gallery/software-gl", test_software_gl);
  g_test_add_func ("/ui/gallery/recent-underscore", test_recent_underscore);
  g_test_add_func ("/ui/gallery/autosave-live-instance", test_autosave_live_instance);
  g_test_add_func ("/ui/gallery/autosave-no-stale-lock", test_autosave_no_stale_lock);
  g_test_add_data_func ("/ui/gallery/app-sigterm", GINT_TO_POINTER (SIGTERM), test_app_terminated);
  g_test_add_data_func ("/ui/gallery/app-sigint", GINT_TO_POINTER (SIGINT), test_app_terminated);
  g_test_add_func ("/ui/gallery/course", test_course);
  g_test_add_func ("/ui/gallery/autosave-keeps-runs", test_autosave_keeps_runs);
  g_test_add_func ("/ui/gallery/discard-on-close", test_discard_on_close);
  g_test_add_func ("/ui/gallery/open-sample-keeps-runs", test_open_sample_keeps_runs);
  g_test_add_func ("/ui/gallery/no-tooltip-over-menu", test_no_tooltip_over_menu);
  g_test_add_func ("/ui/gallery/row-single-click", test_gallery_row_single_click);
  return g_test_run ();
}
