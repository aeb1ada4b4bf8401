/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui-test-util.h: helpers shared by the UI tests: spinning the main loop,
 * waiting for conditions and real pointer/keyboard input through XTest. */
#pragma once

#include <adwaita.h>
#include <stdlib.h>
#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>

#include "ds-application.h"
#include "ds-window.h"

/* The start of every UI test program: GLib's test framework, a display
 * (a test run outside run-headless.sh fails rather than skips), libadwaita
 * and the app's resources and types. */
static inline void
ui_test_init (int    *argc,
              char ***argv)
{
  /* As the app's main does: OpenBLAS on one thread beside the engine's own
   * pool. Left to itself OpenBLAS starts its own threads, and its exit
   * handler can wait forever for one of them (seen as a test that passed
   * every case and then never exited). */
  nn_set_compute_nice (DS_COMPUTE_NICE);
  nn_init (*argc, *argv);
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    {
      g_printerr ("Cannot open a display; run through tests/run-headless.sh\n");
      exit (1);
    }
  adw_init ();
  ds_ui_init ();
}

static inline void
ui_spin (int ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

typedef gboolean (*UiCond) (gpointer data);

static inline gboolean
ui_wait_for (UiCond   cond,
             gpointer data,
             int      timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!cond (data) && g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return cond (data);
}

/* Files in dir whose names end in suffix. */
static inline guint
ui_count_files (const char *dir,
                const char *suffix)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    n += g_str_has_suffix (name, suffix) ? 1 : 0;
  return n;
}

/* ---- leaks ---------------------------------------------------------------- */

/* Objects watched through weak pointers until they are finalized. */
typedef struct
{
  GPtrArray *slots;   /* gpointer *: NULL once the object is finalized */
  GPtrArray *names;   /* what each one is, for the failure message */
} UiWatch;

static inline void
ui_watch (UiWatch    *w,
          gpointer    object,
          const char *what)
{
  gpointer *slot = g_new (gpointer, 1);

  if (w->slots == NULL)
    {
      w->slots = g_ptr_array_new_with_free_func (g_free);
      w->names = g_ptr_array_new_with_free_func (g_free);
    }
  *slot = object;
  g_object_add_weak_pointer (object, slot);
  g_ptr_array_add (w->slots, slot);
  g_ptr_array_add (w->names, g_strdup_printf ("%s (%s)", what, G_OBJECT_TYPE_NAME (object)));
}

static inline gboolean
ui_watch_all_gone (gpointer data)
{
  UiWatch *w = data;

  for (guint i = 0; w->slots && i < w->slots->len; i++)
    if (*(gpointer *) w->slots->pdata[i] != NULL)
      return FALSE;
  return TRUE;
}

/* Waits (spinning the main loop) until every watched object is finalized,
 * and fails naming the first one that is not: a leaked reference. */
static inline void
ui_watch_assert_finalized (UiWatch *w,
                           int      timeout_ms)
{
  g_autoptr(GString) alive = g_string_new (NULL);

  ui_wait_for (ui_watch_all_gone, w, timeout_ms);
  for (guint i = 0; w->slots && i < w->slots->len; i++)
    {
      gpointer *slot = w->slots->pdata[i];

      if (*slot != NULL)
        {
          g_object_remove_weak_pointer (*slot, slot);
          *slot = NULL;
          g_string_append_printf (alive, "%s%s", alive->len ? ", " : "",
                                  (char *) w->names->pdata[i]);
        }
    }
  g_clear_pointer (&w->slots, g_ptr_array_unref);
  g_clear_pointer (&w->names, g_ptr_array_unref);
  /* Names what is still alive after its window closed: a leaked reference. */
  g_assert_cmpstr (alive->str, ==, "");
}

/* Closes window without asking and checks that the window, its document
 * and the document's training runs are finalized (a run keeps itself
 * alive until its worker thread has ended, so this waits for that too). */
static inline void
ui_close_window_checked (DsWindow *window)
{
  DsDocument *doc = ds_window_get_document (window);
  GListModel *runs = ds_document_get_runs (doc);
  UiWatch w = { NULL, NULL };

  ui_watch (&w, window, "the window");
  ui_watch (&w, doc, "its document");
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(GObject) run = g_list_model_get_item (runs, i);
      g_autofree char *what = g_strdup_printf ("training run %u", i + 1);

      ui_watch (&w, run, what);
    }
  ds_window_close_discarding (window);
  ui_watch_assert_finalized (&w, 10000);
}

/* A bundled sample's path (to free) and the model it holds. */
static inline char *
ui_sample_path (const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SAMPLES");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static inline NnModel *
ui_load_sample (const char *name)
{
  g_autofree char *path = ui_sample_path (name);
  g_autoptr(GError) error = NULL;
  NnModel *m = nn_model_load (path, &error);

  g_assert_no_error (error);
  return m;
}

static inline gboolean
ui_run_ended (gpointer run)
{
  return !ds_training_run_is_live (run);
}

/* `model` trained `epochs` epochs on `spec` (batches of 32, no validation,
 * seed 1) through a training run as the Train view starts it; the result
 * (to free) names the dataset. */
static inline NnModel *
ui_train_model (NnModel    *model,
                const char *spec,
                int         epochs,
                guint       timeout_ms)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) ds = NULL;
  g_autoptr(DsTrainingRun) run = NULL;
  NnDataset *raw;
  NnFitConfig cfg;
  NnModel *trained;

  raw = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  ds = ds_dataset_new_take (raw);
  nn_model_set_dataset (model, spec);
  nn_fit_config_init (&cfg);
  cfg.epochs = epochs;
  cfg.batch_size = 32;
  cfg.validation_split = 0;
  cfg.seed = 1;
  run = ds_training_run_new ("Run 1", model, ds, &cfg, FALSE);
  g_assert_true (ds_training_run_start (run, &error));
  g_assert_no_error (error);
  g_assert_true (ui_wait_for (ui_run_ended, run, timeout_ms));
  g_assert_nonnull (ds_training_run_get_result (run));
  trained = nn_model_copy (ds_training_run_get_result (run));
  nn_model_set_dataset (trained, spec);
  nn_fit_config_clear (&cfg);
  return trained;
}

/* A real press: activate animates and emits ::clicked as a click does;
 * returns when ::clicked came (monotonic µs). The wait is long because a
 * loaded machine starves the animation's timeout; a passing press returns
 * at once. */
static inline void
ui_press_clicked_cb (GtkButton *button,
                     gint64    *when)
{
  *when = g_get_monotonic_time ();
}

static inline gboolean
ui_press_done (gpointer when)
{
  return *(gint64 *) when != 0;
}

static inline gint64
ui_press (GtkWidget *button)
{
  gint64 when = 0;
  gulong id;

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  id = g_signal_connect (button, "clicked", G_CALLBACK (ui_press_clicked_cb), &when);
  gtk_widget_activate (button);
  g_assert_true (ui_wait_for (ui_press_done, &when, 20000));
  g_signal_handler_disconnect (button, id);
  return when;
}

/* A new 1280 × 800 window, shown, with `view` ("generate", "train"…) visible;
 * returns that view's widget (the window in *window). */
static inline GtkWidget *
ui_window_on_view (const char  *view,
                   DsWindow   **window)
{
  GtkWidget *widget;

  *window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (*window), 1280, 800);
  gtk_window_present (GTK_WINDOW (*window));
  ds_window_set_visible_view (*window, view);
  widget = ds_window_get_view (*window, view);
  g_assert_nonnull (widget);
  ui_spin (100);
  return widget;
}

static inline gboolean
ui_no_live_run (gpointer data)
{
  DsTrainingRun *run = ds_document_get_current_run (data);

  return run == NULL || !ds_training_run_is_live (run);
}

/* A test's teardown: stops the current run if it still trains (checking
 * that it ends within 5 s), then ui_close_window_checked. */
static inline void
ui_stop_run_and_close (DsWindow *window)
{
  DsDocument *doc = ds_window_get_document (window);
  DsTrainingRun *run = ds_document_get_current_run (doc);

  if (run && ds_training_run_is_live (run))
    {
      ds_training_run_stop (run);
      g_assert_true (ui_wait_for (ui_no_live_run, doc, 5000));
    }
  ui_close_window_checked (window);
}

static inline gboolean
ui_widget_allocated (gpointer widget)
{
  return gtk_widget_get_mapped (widget) && gtk_widget_get_width (widget) > 0;
}

/* The first combo row titled title under root, or NULL. */
static inline AdwComboRow *
ui_find_combo (GtkWidget  *root,
               const char *title)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      AdwComboRow *found;

      if (ADW_IS_COMBO_ROW (c)
          && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (c)), title) == 0)
        return ADW_COMBO_ROW (c);
      if ((found = ui_find_combo (c, title)))
        return found;
    }
  return NULL;
}

static inline Display *
ui_xdisplay (GtkWidget *widget)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
}

/* Root-window coordinates of point (x, y) of widget. */
static inline void
ui_screen_point (GtkWidget *widget,
                 double     x,
                 double     y,
                 int       *rx,
                 int       *ry)
{
  GtkNative *native = gtk_widget_get_native (widget);
  Display *dpy = ui_xdisplay (widget);
  graphene_point_t p;
  double sx, sy;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (x, y), &p));
  gtk_native_get_surface_transform (native, &sx, &sy);
  XTranslateCoordinates (dpy, gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                         DefaultRootWindow (dpy), (int) (p.x + sx), (int) (p.y + sy),
                         rx, ry, &child);
}

/* A real press-move-release, paced so that GTK's drag-and-drop starts
 * (one jump is not recognised as a drag). */
static inline void
ui_xtest_drag (GtkWidget *from,
               double     fx,
               double     fy,
               GtkWidget *to,
               double     tx,
               double     ty)
{
  Display *dpy = ui_xdisplay (from);
  int x0, y0, x1, y1;
  const int steps = 16;

  ui_screen_point (from, fx, fy, &x0, &y0);
  ui_screen_point (to, tx, ty, &x1, &y1);
  XTestFakeMotionEvent (dpy, -1, x0, y0, CurrentTime);
  XFlush (dpy);
  ui_spin (60);
  XTestFakeButtonEvent (dpy, 1, True, CurrentTime);
  XFlush (dpy);
  ui_spin (60);
  for (int i = 1; i <= steps; i++)
    {
      XTestFakeMotionEvent (dpy, -1, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps,
                            CurrentTime);
      XFlush (dpy);
      ui_spin (30);
    }
  ui_spin (120);
  XTestFakeButtonEvent (dpy, 1, False, CurrentTime);
  XFlush (dpy);
  ui_spin (250);
}

static inline void
ui_xtest_click (GtkWidget *widget,
                double     x,
                double     y)
{
  Display *dpy = ui_xdisplay (widget);
  int rx, ry;

  ui_screen_point (widget, x, y, &rx, &ry);
  XTestFakeMotionEvent (dpy, -1, rx, ry, CurrentTime);
  XFlush (dpy);
  ui_spin (50);
  XTestFakeButtonEvent (dpy, 1, True, CurrentTime);
  XFlush (dpy);
  ui_spin (30);
  XTestFakeButtonEvent (dpy, 1, False, CurrentTime);
  XFlush (dpy);
  ui_spin (150);
}

/* A real key press (with Shift when shift is set). */
static inline void
ui_xtest_key (GtkWidget *widget,
              KeySym     sym,
              gboolean   shift)
{
  Display *dpy = ui_xdisplay (widget);
  KeyCode code = XKeysymToKeycode (dpy, sym);
  KeyCode shift_code = XKeysymToKeycode (dpy, XK_Shift_L);

  g_assert_cmpint (code, !=, 0);
  /* No window manager: give our window the X keyboard focus ourselves, or
   * the key goes to whatever window the pointer is over. */
  XSetInputFocus (dpy, gdk_x11_surface_get_xid (gtk_native_get_surface (gtk_widget_get_native (widget))),
                  RevertToParent, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (dpy, shift_code, True, CurrentTime);
  XTestFakeKeyEvent (dpy, code, True, CurrentTime);
  XTestFakeKeyEvent (dpy, code, False, CurrentTime);
  if (shift)
    XTestFakeKeyEvent (dpy, shift_code, False, CurrentTime);
  XFlush (dpy);
  ui_spin (120);
}

/* A UiCond: the DsDatasetStore data has a dataset and loads nothing. */
static inline gboolean
ui_store_ready (gpointer data)
{
  DsDatasetStore *store = data;

  return ds_dataset_store_get_dataset (store) && !ds_dataset_store_get_loading (store);
}

/* With DEEPSCOPE_SCREENSHOTS=DIR, writes a window (any GtkWindow) as
 * DIR/PREFIX-NAME.png (the README's screenshots come from here); nothing
 * otherwise. */
static inline void
ui_screenshot_window (GtkWindow  *window,
                      const char *prefix,
                      const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SCREENSHOTS");
  GtkSnapshot *snap;
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
      ui_spin (200);
      snap = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (GTK_WIDGET (window)),
                              gtk_widget_get_height (GTK_WIDGET (window)));
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snap));
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)),
                                         node, NULL);
  path = g_strdup_printf ("%s/%s-%s.png", dir, prefix, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
}

/* ui_screenshot_window for the main window. */
static inline void
ui_screenshot (DsWindow   *window,
               const char *prefix,
               const char *name)
{
  ui_screenshot_window (GTK_WINDOW (window), prefix, name);
}
/* A widget's minimum width (the window-fits tests). */
static inline int
ui_min_width (GtkWidget *w)
{
  int min = 0;

  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &min, NULL, NULL, NULL);
  return min;
}

/* The widest descendant chain, each widget with its minimum width. */
static inline void
ui_describe_widest (GtkWidget *w,
                 GString   *out,
                 int        depth)
{
  GtkWidget *widest = NULL;
  int best = -1;

  g_string_append_printf (out, "%*s%s%s%s %d px\n", depth, "", G_OBJECT_TYPE_NAME (w),
                          GTK_IS_LABEL (w) ? " " : "",
                          GTK_IS_LABEL (w) ? gtk_label_get_text (GTK_LABEL (w)) : "",
                          ui_min_width (w));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_visible (c) && gtk_widget_get_next_sibling (gtk_widget_get_first_child (w)))
      g_string_append_printf (out, "%*s· %s %d px\n", depth + 1, "", G_OBJECT_TYPE_NAME (c),
                              ui_min_width (c));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (gtk_widget_get_visible (c) && ui_min_width (c) > best)
      {
        best = ui_min_width (c);
        widest = c;
      }
  if (widest && depth < 80)
    ui_describe_widest (widest, out, depth + 1);
}

