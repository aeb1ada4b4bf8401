/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-window.h: the main window: one document shown through the views
 * (Data, Build, Train, Inspect, Generate) of a view switcher. */
#pragma once

#include <adwaita.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_WINDOW (ds_window_get_type ())
G_DECLARE_FINAL_TYPE (DsWindow, ds_window, DS, WINDOW, AdwApplicationWindow)

DsWindow   *ds_window_new              (GtkApplication *app);
DsDocument *ds_window_get_document     (DsWindow *self);
/* A view by its stack name ("build"), or NULL. */
GtkWidget  *ds_window_get_view         (DsWindow *self, const char *name);
void        ds_window_set_visible_view (DsWindow *self, const char *name);
/* Loads a model into this window; on failure shows why and returns FALSE. */
gboolean    ds_window_load             (DsWindow *self, GFile *file, GError **error);
/* Loads here, or in a new window when this one has unsaved work. Returns
 * the window that shows the file, or NULL on error. */
DsWindow   *ds_window_open             (DsWindow *self, GFile *file);
/* Imports a TF.js Layers model.json or Keras model JSON as a new, unsaved
 * model and lays it out in the Build view (errors in a dialog). */
DsWindow   *ds_window_import_keras     (DsWindow *self, GFile *file);
/* Saves to the document's file (asks for one if it has none). */
gboolean    ds_window_save_to          (DsWindow *self, GFile *file, GError **error);
void        ds_window_add_toast        (DsWindow *self, const char *message);
/* Shows the sample gallery and returns it (a DsSampleGallery). */
GtkWidget  *ds_window_show_samples     (DsWindow *self);
/* Shows the lesson library and returns it (a DsLessonLibrary). */
GtkWidget  *ds_window_show_lessons     (DsWindow *self);
/* Shows the start page over the views (the app starting with no file)
 * and returns it (a DsStartPage); opening a document, a new model, a
 * lesson or choosing a view hides it. */
GtkWidget  *ds_window_show_start_page  (DsWindow *self);
/* The start page while it shows, else NULL. */
GtkWidget  *ds_window_get_start_page   (DsWindow *self);
/* Opens a lesson file: its model as a new unsaved document (here, or in a
 * new window when this one has unsaved work) and its steps in the side
 * panel. Returns that window, or NULL after showing why it failed. */
DsWindow   *ds_window_open_lesson      (DsWindow *self, const char *path);
/* The lesson panel (a DsLessonPanel) while a lesson is open, else NULL. */
GtkWidget  *ds_window_get_lesson_panel (DsWindow *self);
/* "view:control": shows the view and highlights the control (its builder
 * id or widget name) for a few seconds; returns it, or NULL (and a toast)
 * when there is none. */
GtkWidget  *ds_window_show_me          (DsWindow *self, const char *target);
/* Writes the autosave copy now (tests; otherwise on a timer). */
/* TRUE when closing or replacing the document would lose work: edits,
 * or runs trained, loaded or still training since the last load or save. */
gboolean    ds_window_has_unsaved_changes (DsWindow *self);
gboolean    ds_window_autosave_now     (DsWindow *self, GError **error);
/* Closes without asking (unsaved work is dropped, autosave removed). */
void        ds_window_close_discarding (DsWindow *self);

G_END_DECLS
