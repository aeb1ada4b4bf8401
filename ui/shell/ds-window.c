/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include <glib/gi18n.h>

#include "ds-application.h"
#include "ds-autosave.h"
#include "ds-build-view.h"
#include "ds-data-view.h"
#include "ds-file-chooser.h"
#include "ds-generate-view.h"
#include "ds-inspect-view.h"
#include "ds-lesson-library.h"
#include "ds-lesson-panel.h"
#include "ds-sample-gallery.h"
#include "ds-start-page.h"
#include "ds-train-view.h"
#include "ds-util.h"
#include "ds-window-private.h"

struct _DsWindow
{
  AdwApplicationWindow  parent_instance;

  /* Template widgets */
  AdwToastOverlay      *toasts;
  char                 *last_toast;      /* what the last toast said (for tests) */
  AdwViewStack         *stack;
  AdwViewSwitcherTitle *switcher_title;
  AdwSplitButton       *open_button;
  AdwFlap              *lesson_flap;
  DsLessonPanel        *lesson_panel;    /* the flap's child */
  GtkStack             *page_stack;      /* "views", or "start" over them */

  /* Borrowed */
  GtkWidget            *start_page;      /* a DsStartPage while shown */

  /* Owned */
  DsDocument           *document;
  DsAutosave           *autosave;
  GMenu                *recent_section;
  GtkFileChooserNative *chooser;
  gboolean              close_after_save;
  gboolean              force_close;
  gboolean              runs_unsaved;    /* runs came or went since load/save */
};

G_DEFINE_FINAL_TYPE (DsWindow, ds_window, ADW_TYPE_APPLICATION_WINDOW)

static DsApplication *
app_of (DsWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return DS_IS_APPLICATION (app) ? DS_APPLICATION (app) : NULL;
}

/* A view asks for a test sample in the Inspect view (the projector's
 * click): that view opens it; the window shows it. */
static void
inspect_sample_cb (DsWindow *self,
                   guint     index)
{
  adw_view_stack_set_visible_child_name (self->stack, "inspect");
}

/* Adding a view is one line here: the widget type takes the document as
 * its "document" construct property. Views appear in the switcher in the
 * order they are added (Data, Build, Train, Inspect, Generate). */
static void
add_view (DsWindow   *self,
          GType       type,
          const char *name,
          const char *title,
          const char *icon_name)
{
  GtkWidget *view = g_object_new (type, "document", self->document, NULL);

  adw_view_stack_add_titled_with_icon (self->stack, view, name, title, icon_name);
}

void
ds_window_add_toast (DsWindow   *self,
                     const char *message)
{
  AdwToast *toast;

  g_return_if_fail (DS_IS_WINDOW (self));
  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 4);
  adw_toast_overlay_add_toast (self->toasts, toast);
  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
}

const char *
ds_window_get_last_toast (DsWindow *self)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return self->last_toast;
}

static void
show_error_dialog (DsWindow   *self,
                   const char *heading,
                   const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
update_title (DsWindow *self)
{
  g_autofree char *name = ds_document_dup_title (self->document);
  gboolean dirty = ds_document_get_dirty (self->document);
  GFile *file = ds_document_get_file (self->document);
  g_autofree char *title = g_strdup_printf ("%s%s", dirty ? "• " : "", name);
  g_autofree char *window_title = g_strdup_printf (_("%s — Deepscope"), title);
  g_autofree char *subtitle = NULL;

  if (file)
    {
      g_autoptr(GFile) parent = g_file_get_parent (file);
      g_autofree char *dir = parent ? g_file_get_path (parent) : NULL;
      const char *home = g_get_home_dir ();

      /* "~/Models" reads better than "/home/ada/Models". */
      if (dir && home && g_str_has_prefix (dir, home))
        subtitle = g_strconcat ("~", dir + strlen (home), NULL);
      else
        subtitle = g_strdup (dir);
    }
  else
    subtitle = g_strdup (_("Not saved"));

  gtk_window_set_title (GTK_WINDOW (self), window_title);
  adw_view_switcher_title_set_title (self->switcher_title, title);
  adw_view_switcher_title_set_subtitle (self->switcher_title, subtitle);
}

static void
refresh_recent (DsWindow *self)
{
  DsApplication *app = app_of (self);
  g_auto(GStrv) recent = NULL;

  g_menu_remove_all (self->recent_section);
  if (app == NULL)
    return;
  recent = ds_application_dup_recent (app);
  for (guint i = 0; recent && recent[i] && i < 8; i++)
    {
      g_autoptr(GFile) file = g_file_new_for_path (recent[i]);
      g_autofree char *name = g_file_get_basename (file);
      /* Menu labels take "_" as a mnemonic: "fashion_mlp.json" would
       * read "fashionmlp.json". Doubled, it shows as itself. */
      g_auto(GStrv) parts = g_strsplit (name, "_", -1);
      g_autofree char *label = g_strjoinv ("__", parts);
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s", recent[i]);
      g_menu_append_item (self->recent_section, item);
    }
}

/* A document opened, or the person chose a view: the views replace the
 * start page for good. */
static void
hide_start_page (DsWindow *self)
{
  GtkWidget *page = g_steal_pointer (&self->start_page);

  if (page == NULL)
    return;
  gtk_stack_set_visible_child_name (self->page_stack, "views");
  gtk_stack_remove (self->page_stack, page);
}

/* The document's model as saved, with its runs as saved: what Save would
 * write is what the file holds. Runs (trained, loaded from a search's
 * trials, still training) are saved with the model but are no edit, so
 * the undo history alone does not tell. */
gboolean
ds_window_has_unsaved_changes (DsWindow *self)
{
  GListModel *runs;

  g_return_val_if_fail (DS_IS_WINDOW (self), FALSE);
  if (ds_document_get_dirty (self->document) || self->runs_unsaved)
    return TRUE;
  runs = ds_document_get_runs (self->document);
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);

      if (ds_training_run_is_live (run))
        return TRUE;
    }
  return FALSE;
}

static void
runs_changed_cb (DsWindow *self)
{
  self->runs_unsaved = TRUE;
}

/* The document now holds what a file (or nothing) holds. */
static void
mark_runs_saved (DsWindow *self)
{
  self->runs_unsaved = FALSE;
}

gboolean
ds_window_load (DsWindow  *self,
                GFile     *file,
                GError   **error)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), FALSE);

  if (!ds_document_load (self->document, file, error))
    return FALSE;
  mark_runs_saved (self);
  if (app_of (self))
    ds_application_add_recent (app_of (self), file);
  refresh_recent (self);
  ds_window_set_visible_view (self, "build");
  hide_start_page (self);
  return TRUE;
}

/* Never replace unsaved work: what opens goes to a window of its own.
 * Every path that replaces the document (Open, a recent file, a sample,
 * a lesson, the start page, New, an import) comes here. */
static DsWindow *
window_for_open (DsWindow *self)
{
  DsWindow *target;

  if (!ds_window_has_unsaved_changes (self))
    return self;
  target = ds_window_new (gtk_window_get_application (GTK_WINDOW (self)));
  gtk_window_present (GTK_WINDOW (target));
  return target;
}

DsWindow *
ds_window_open (DsWindow *self,
                GFile    *file)
{
  g_autoptr(GError) error = NULL;
  DsWindow *target;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);

  target = window_for_open (self);
  if (!ds_window_load (target, file, &error))
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *heading = g_strdup_printf (_("Could Not Open “%s”"), name);

      show_error_dialog (target, heading, error->message);
      return NULL;
    }
  return target;
}

gboolean
ds_window_save_to (DsWindow  *self,
                   GFile     *file,
                   GError   **error)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), FALSE);

  if (!ds_document_save (self->document, file, error))
    return FALSE;
  mark_runs_saved (self);
  {
    /* Saving changes nothing on screen but the title: say it happened. */
    g_autofree char *base = g_file_get_basename (file);
    g_autofree char *text = g_strdup_printf (_("Saved “%s”"), base);

    ds_window_add_toast (self, text);
  }
  ds_autosave_save_now (self->autosave, NULL);
  if (app_of (self))
    ds_application_add_recent (app_of (self), file);
  refresh_recent (self);
  return TRUE;
}

DsDocument *
ds_window_get_document (DsWindow *self)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return self->document;
}

GtkWidget *
ds_window_get_view (DsWindow   *self,
                    const char *name)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return adw_view_stack_get_child_by_name (self->stack, name);
}

void
ds_window_set_visible_view (DsWindow   *self,
                            const char *name)
{
  g_return_if_fail (DS_IS_WINDOW (self));
  if (adw_view_stack_get_child_by_name (self->stack, name))
    adw_view_stack_set_visible_child_name (self->stack, name);
}

gboolean
ds_window_autosave_now (DsWindow  *self,
                        GError   **error)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), FALSE);
  return ds_autosave_save_now (self->autosave, error);
}

void
ds_window_close_discarding (DsWindow *self)
{
  g_return_if_fail (DS_IS_WINDOW (self));
  self->force_close = TRUE;
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- file choosers ------------------------------------------------------- */

static void
add_filters (GtkFileChooser *chooser)
{
  g_autoptr(GtkFileFilter) models = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  gtk_file_filter_set_name (models, _("Deepscope models"));
  gtk_file_filter_add_pattern (models, "*.json");
  gtk_file_filter_add_mime_type (models, "application/json");
  gtk_file_chooser_add_filter (chooser, models);
  gtk_file_filter_set_name (all, _("All files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (chooser, all);
}

static void
open_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  DsWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file)
        ds_window_open (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  DsWindow        *self)
{
  gboolean close = self->close_after_save;

  self->close_after_save = FALSE;
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (file && !ds_window_save_to (self, file, &error))
        show_error_dialog (self, _("Could Not Save the Model"), error->message);
      else if (file && close)
        gtk_window_close (GTK_WINDOW (self));
    }
  g_clear_object (&self->chooser);
}

static void
run_save_as (DsWindow *self)
{
  GFile *file = ds_document_get_file (self->document);

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Save Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (self->chooser));
  if (file)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (self->chooser), file, NULL);
  else
    {
      g_autofree char *name = g_strdup_printf ("%s.json", nn_model_get_name (ds_document_get_model (self->document)));
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
    }
  g_signal_connect (self->chooser, "response", G_CALLBACK (save_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
run_save (DsWindow *self)
{
  GFile *file = ds_document_get_file (self->document);
  g_autoptr(GError) error = NULL;

  if (file == NULL)
    {
      run_save_as (self);
      return;
    }
  if (!ds_window_save_to (self, file, &error))
    {
      self->close_after_save = FALSE;
      show_error_dialog (self, _("Could Not Save the Model"), error->message);
      return;
    }
  if (self->close_after_save)
    {
      self->close_after_save = FALSE;
      gtk_window_close (GTK_WINDOW (self));
    }
}

/* ---- actions ------------------------------------------------------------- */

static void
new_action (GSimpleAction *action,
            GVariant      *param,
            gpointer       data)
{
  DsWindow *target = window_for_open (data);

  if (target == data)
    {
      ds_document_reset (target->document);
      mark_runs_saved (target);
    }
  hide_start_page (target);
}

static void
open_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  DsWindow *self = data;

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Open Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  add_filters (GTK_FILE_CHOOSER (self->chooser));
  g_signal_connect (self->chooser, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
open_recent_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       data)
{
  g_autoptr(GFile) file = g_file_new_for_path (g_variant_get_string (param, NULL));

  ds_window_open (data, file);
}

static void
sample_activated_cb (DsSampleGallery *gallery,
                     const char      *path,
                     DsWindow        *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  if (ds_window_open (self, file))
    gtk_window_close (GTK_WINDOW (gallery));
}

GtkWidget *
ds_window_show_samples (DsWindow *self)
{
  GtkWidget *gallery;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  gallery = ds_sample_gallery_new (GTK_WINDOW (self));
  g_signal_connect_object (gallery, "sample-activated", G_CALLBACK (sample_activated_cb), self, 0);
  gtk_window_present (GTK_WINDOW (gallery));
  return gallery;
}

static void
open_sample_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       data)
{
  ds_window_show_samples (data);
}

static void
save_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  run_save (data);
}

static void
save_as_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       data)
{
  run_save_as (data);
}

static void
undo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  DsWindow *self = data;
  g_autofree char *label = g_strdup (ds_document_get_undo_label (self->document));

  if (ds_document_undo (self->document) && label)
    {
      g_autofree char *text = g_strdup_printf (_("Undid “%s”"), label);
      ds_window_add_toast (self, text);
    }
}

static void
redo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  DsWindow *self = data;

  ds_document_redo (self->document);
}

static void
show_toast_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       data)
{
  ds_window_add_toast (data, g_variant_get_string (param, NULL));
}

/* A view asks for another (the playground's "Open in Build View"). */
static void
show_view_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       data)
{
  ds_window_set_visible_view (data, g_variant_get_string (param, NULL));
}

/* ---- Keras export and import --------------------------------------------- */

static const char *const export_formats[] = { "keras", "tfjs", "onnx" };

/* Exports the document's model as format ("keras", "tfjs", "onnx") into
 * the folder path; the toast says where, and what a TF.js export left out
 * (as the command line's note does). FALSE with error on failure. */
gboolean
ds_window_export_to (DsWindow   *self,
                     const char *format,
                     const char *path,
                     GError    **error)
{
  g_autoptr(NnModel) copy = nn_model_copy (ds_document_get_model (self->document));
  g_autofree char *left = NULL;
  g_autofree char *base = NULL;
  g_autofree char *text = NULL;
  gboolean ok;

  if (g_str_equal (format, "onnx"))
    ok = nn_export_onnx (copy, path, error);
  else
    ok = g_str_equal (format, "tfjs") ? nn_export_tfjs (copy, path, error)
                                      : nn_export_keras (copy, path, error);
  if (!ok)
    return FALSE;
  /* The command line's note, short enough for a toast's one line. */
  left = g_str_equal (format, "tfjs") ? nn_export_tfjs_left_out (copy) : NULL;
  base = g_path_get_basename (path);
  text = left ? g_strdup_printf (_("Exported to “%s” without %s: identities at inference, which "
                                 "TensorFlow.js lacks (Keras and ONNX keep them)"), base, left)
              : g_strdup_printf (_("Exported to “%s”"), path);
  ds_window_add_toast (self, text);
  return TRUE;
}

static void
export_folder_cb (GtkNativeDialog *dialog,
                  int              response,
                  DsWindow        *self)
{
  const char *format = g_object_get_data (G_OBJECT (dialog), "format");
  g_autoptr(GFile) folder = response == GTK_RESPONSE_ACCEPT
                            ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;
  g_autofree char *path = folder ? g_file_get_path (folder) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !ds_window_export_to (self, format, path, &error))
    show_error_dialog (self, _("Could Not Export"), error->message);
  g_clear_object (&self->chooser);
}

static void
export_format_cb (AdwMessageDialog *dialog,
                  const char       *response,
                  DsWindow         *self)
{
  GtkDropDown *formats = g_object_get_data (G_OBJECT (dialog), "formats");

  if (!g_str_equal (response, "choose"))
    return;
  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Into Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER,
                                               _("_Export"), _("_Cancel"));
  g_object_set_data (G_OBJECT (self->chooser), "format",
                     (gpointer) export_formats[gtk_drop_down_get_selected (formats)]);
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_folder_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
export_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       data)
{
  DsWindow *self = data;
  const char *const names[] = {
    _("Keras script (model.py and weights.npz)"), _("TensorFlow.js Layers (model.json)"),
    "ONNX", NULL
  };
  GtkWidget *dialog = adw_message_dialog_new (
    GTK_WINDOW (self), _("Export Model"),
    _("The model and its weights, for other engines: a Keras script that rebuilds, "
    "compiles and trains it, or TensorFlow.js for a web page. Choose the format, "
    "then the folder to write into."));
  GtkWidget *formats = gtk_drop_down_new_from_strings (names);

  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (dialog), formats);
  g_object_set_data (G_OBJECT (dialog), "formats", formats);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"),
                                    "choose", _("_Choose Folder…"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "choose",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "choose");
  g_signal_connect (dialog, "response", G_CALLBACK (export_format_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Opens a TF.js Layers model.json or Keras model JSON as a new, unsaved
 * model, laid out in the Build view. */
DsWindow *
ds_window_import_keras (DsWindow *self,
                        GFile    *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GError) error = NULL;
  NnModel *model = path ? nn_import_keras (path, NULL, &error) : NULL;
  DsWindow *target;
  GtkWidget *build;

  if (model == NULL)
    {
      show_error_dialog (self, _("Could Not Import the Keras Model"),
                         error ? error->message : _("not a local file"));
      return NULL;
    }
  target = window_for_open (self);
  ds_document_take_model (target->document, model, NULL, TRUE);
  mark_runs_saved (target);
  ds_window_set_visible_view (target, "build");
  hide_start_page (target);
  build = adw_view_stack_get_child_by_name (target->stack, "build");
  gtk_widget_activate_action (build, "build.auto-layout", NULL);
  return target;
}

static void
import_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    DsWindow        *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file)
        ds_window_import_keras (self, file);
    }
  g_clear_object (&self->chooser);
}

static void
import_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       data)
{
  DsWindow *self = data;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Import Keras Model"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Import"),
                                               _("_Cancel"));
  gtk_file_filter_set_name (filter, _("TF.js or Keras model (*.json)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (import_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- lessons ------------------------------------------------------------- */

/* A lesson's lock on the palette and the Train view's settings; NULL
 * releases them. */
static void
apply_lock (DsWindow           *self,
            const DsLessonLock *lock)
{
  g_autoptr(GStrvBuilder) settings = g_strv_builder_new ();
  g_auto(GStrv) locked = NULL;

  ds_build_view_limit_palette (DS_BUILD_VIEW (ds_window_get_view (self, "build")),
                               lock ? (const char *const *) lock->palette : NULL);
  if (lock && lock->settings)
    g_strv_builder_addv (settings, (const char **) lock->settings);
  if (lock && lock->has_optimizer)
    g_strv_builder_add (settings, "optimizer");
  locked = g_strv_builder_end (settings);
  ds_train_view_set_locked (DS_TRAIN_VIEW (ds_window_get_view (self, "train")),
                            locked[0] ? (const char *const *) locked : NULL);
}

static void
lesson_close_cb (DsWindow *self)
{
  adw_flap_set_reveal_flap (self->lesson_flap, FALSE);
  ds_lesson_panel_take_lesson (self->lesson_panel, NULL);
  apply_lock (self, NULL);
}

static void
lesson_show_me_cb (DsWindow   *self,
                   const char *target)
{
  ds_window_show_me (self, target);
}

/* The Inspect and Generate views' stacks of pages. */
static GtkStack *
view_pages (DsWindow   *self,
            const char *view)
{
  if (g_strcmp0 (view, "inspect") == 0)
    return ds_inspect_view_get_pages (DS_INSPECT_VIEW (ds_window_get_view (self, "inspect")));
  if (g_strcmp0 (view, "generate") == 0)
    return ds_generate_view_get_pages (DS_GENERATE_VIEW (ds_window_get_view (self, "generate")));
  return NULL;
}

static void
visible_view_cb (DsWindow *self)
{
  const char *view = adw_view_stack_get_visible_child_name (self->stack);
  GtkStack *pages = view_pages (self, view);

  ds_lesson_panel_set_view (self->lesson_panel, view,
                            pages ? gtk_stack_get_visible_child_name (pages) : NULL);
}

static void
lessons_init (DsWindow *self)
{
  self->lesson_panel = DS_LESSON_PANEL (ds_lesson_panel_new (self->document));
  adw_flap_set_flap (self->lesson_flap, GTK_WIDGET (self->lesson_panel));
  g_signal_connect_swapped (self->lesson_panel, "close", G_CALLBACK (lesson_close_cb), self);
  g_signal_connect_swapped (self->lesson_panel, "show-me", G_CALLBACK (lesson_show_me_cb), self);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name",
                            G_CALLBACK (visible_view_cb), self);
  g_signal_connect_object (view_pages (self, "inspect"), "notify::visible-child-name",
                           G_CALLBACK (visible_view_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (view_pages (self, "generate"), "notify::visible-child-name",
                           G_CALLBACK (visible_view_cb), self, G_CONNECT_SWAPPED);
  visible_view_cb (self);
}

/* The lesson's model (with its dataset when the lesson names one) as a new
 * unsaved document, and the panel beside the views. */
static gboolean
start_lesson (DsWindow  *self,
              DsLesson  *lesson,
              GError   **error)
{
  NnModel *model = nn_model_load (ds_lesson_get_model_path (lesson), error);
  const DsLessonLock *lock = ds_lesson_get_lock (lesson);

  if (!model)
    return FALSE;
  if (ds_lesson_get_dataset (lesson))
    nn_model_set_dataset (model, ds_lesson_get_dataset (lesson));
  if (lock && lock->has_optimizer)
    {
      NnOptimizerConfig *opt = nn_model_get_optimizer (model);
      double lr = opt->learning_rate;

      nn_optimizer_config_init (opt, lock->optimizer);
      opt->learning_rate = lr;
    }
  ds_document_take_model (self->document, model, NULL, FALSE);
  mark_runs_saved (self);
  apply_lock (self, lock);
  ds_window_set_visible_view (self, "build");
  ds_lesson_panel_take_lesson (self->lesson_panel, lesson);
  adw_flap_set_reveal_flap (self->lesson_flap, TRUE);
  hide_start_page (self);
  return TRUE;
}

DsWindow *
ds_window_open_lesson (DsWindow   *self,
                       const char *path)
{
  g_autoptr(GError) error = NULL;
  DsLesson *lesson;
  DsWindow *target = self;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);

  lesson = ds_lesson_load (path, &error);
  if (lesson)
    target = window_for_open (self);
  if (!lesson || !start_lesson (target, lesson, &error))
    {
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *heading = g_strdup_printf (_("Could Not Open the Lesson “%s”"), name);

      if (lesson)
        ds_lesson_free (lesson);
      show_error_dialog (target, heading, error->message);
      return NULL;
    }
  return target;
}

GtkWidget *
ds_window_get_lesson_panel (DsWindow *self)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return adw_flap_get_reveal_flap (self->lesson_flap) ? GTK_WIDGET (self->lesson_panel) : NULL;
}

static gboolean
unhighlight_cb (gpointer data)
{
  gtk_widget_remove_css_class (data, "lesson-highlight");
  g_object_unref (data);
  return G_SOURCE_REMOVE;
}

/* The widget of `view` whose builder id (or widget name) is id. */
static GtkWidget *
find_control (GtkWidget  *root,
              const char *id)
{
  const char *bid = GTK_IS_BUILDABLE (root) ? gtk_buildable_get_buildable_id (GTK_BUILDABLE (root))
                                            : NULL;

  if (g_strcmp0 (bid, id) == 0 || g_strcmp0 (gtk_widget_get_name (root), id) == 0)
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_control (c, id);

      if (found)
        return found;
    }
  return NULL;
}

GtkWidget *
ds_window_show_me (DsWindow   *self,
                   const char *target)
{
  g_auto(GStrv) parts = g_strsplit (target, ":", 2);
  GtkWidget *view, *control;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);

  view = parts[0] && parts[1] ? ds_window_get_view (self, parts[0]) : NULL;
  control = view ? find_control (view, parts[1]) : NULL;
  if (!control)
    {
      g_autofree char *text = g_strdup_printf (_("This lesson points at “%s”, which this version "
                                               "does not have"), target);
      ds_window_add_toast (self, text);
      return NULL;
    }
  ds_window_set_visible_view (self, parts[0]);
  gtk_widget_add_css_class (control, "lesson-highlight");
  gtk_widget_grab_focus (control);
  g_timeout_add_seconds (3, unhighlight_cb, g_object_ref (control));
  return control;
}

static void
lesson_activated_cb (DsLessonLibrary *library,
                     const char      *path,
                     DsWindow        *self)
{
  if (ds_window_open_lesson (self, path))
    gtk_window_close (GTK_WINDOW (library));
}

GtkWidget *
ds_window_show_lessons (DsWindow *self)
{
  GtkWidget *library;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  library = ds_lesson_library_new (GTK_WINDOW (self), NULL);
  g_signal_connect_object (library, "lesson-activated", G_CALLBACK (lesson_activated_cb), self, 0);
  gtk_window_present (GTK_WINDOW (library));
  return library;
}

static void
start_lesson_cb (DsStartPage *page,
                 const char  *path,
                 DsWindow    *self)
{
  ds_window_open_lesson (self, path);
}

static void
start_file_cb (DsStartPage *page,
               const char  *path,
               DsWindow    *self)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);

  ds_window_open (self, file);
}

GtkWidget *
ds_window_show_start_page (DsWindow *self)
{
  g_auto(GStrv) recent = NULL;

  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  if (self->start_page)
    return self->start_page;
  if (app_of (self))
    recent = ds_application_dup_recent (app_of (self));
  self->start_page = ds_start_page_new ((const char * const *) recent);
  g_signal_connect_object (self->start_page, "lesson-activated", G_CALLBACK (start_lesson_cb), self, 0);
  g_signal_connect_object (self->start_page, "file-activated", G_CALLBACK (start_file_cb), self, 0);
  gtk_stack_add_named (self->page_stack, self->start_page, "start");
  gtk_stack_set_visible_child (self->page_stack, self->start_page);
  return self->start_page;
}

GtkWidget *
ds_window_get_start_page (DsWindow *self)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return self->start_page;
}

static void
lessons_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       data)
{
  ds_window_show_lessons (data);
}

/* A lesson of the samples' lessons folder by file name: the charts' "how
 * to read this" links. */
static void
open_lesson_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       data)
{
  g_autofree char *samples = ds_dup_samples_dir ();
  g_autofree char *name = g_path_get_basename (g_variant_get_string (param, NULL));
  g_autofree char *path = g_build_filename (samples, "lessons", name, NULL);

  ds_window_open_lesson (data, path);
}

gboolean
ds_window_export_lesson_to (DsWindow   *self,
                            const char *path,
                            GError    **error)
{
  g_autofree char *base = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (DS_IS_WINDOW (self), FALSE);
  if (!ds_lesson_export (ds_document_get_model (self->document),
                         adw_view_stack_get_visible_child_name (self->stack), path, error))
    return FALSE;
  base = g_path_get_basename (path);
  text = g_strdup_printf (_("Lesson written to “%s”: edit its steps, then hand it out with its "
                            "model"), base);
  ds_window_add_toast (self, text);
  return TRUE;
}

static void
export_lesson_chosen_cb (GFile    *file,
                         gpointer  data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !ds_window_export_lesson_to (data, path, &error))
    show_error_dialog (data, _("Could Not Export the Lesson"), error->message);
}

/* Main menu ▸ Export as Lesson…: the model, its dataset and the view
 * shown, as a lesson file with skeleton steps. */
static void
export_lesson_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       data)
{
  DsWindow *self = data;
  g_autofree char *name = g_strdup_printf ("%s-lesson.json",
                                           nn_model_get_name (ds_document_get_model (self->document)));
  GtkFileFilter *filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Lesson files"));
  gtk_file_filter_add_pattern (filter, "*.json");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Export as Lesson"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), name, filter,
                        export_lesson_chosen_cb, self);
  g_object_unref (filter);
}

static const GActionEntry win_entries[] = {
  { "new", new_action },
  { "open", open_action },
  { "open-recent", open_recent_action, "s" },
  { "open-sample", open_sample_action },
  { "save", save_action },
  { "save-as", save_as_action },
  { "undo", undo_action },
  { "redo", redo_action },
  { "show-toast", show_toast_action, "s" },
  { "show-view", show_view_action, "s" },
  { "export", export_action },
  { "import-keras", import_action },
  { "lessons", lessons_action },
  { "open-lesson", open_lesson_action, "s" },
  { "export-lesson", export_lesson_action },
};

/* ---- closing ------------------------------------------------------------- */

static gboolean
save_idle (gpointer data)
{
  run_save (data);
  return G_SOURCE_REMOVE;
}

static gboolean
close_discarding_idle (gpointer data)
{
  ds_window_close_discarding (data);
  return G_SOURCE_REMOVE;
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   DsWindow         *self)
{
  /* The dialog closes itself after this handler: the window goes after
   * it, or the dialog's closing would reach back into a freed window. */
  if (g_str_equal (response, "discard"))
    g_idle_add_full (G_PRIORITY_DEFAULT, close_discarding_idle, g_object_ref (self),
                     g_object_unref);
  else if (g_str_equal (response, "save"))
    {
      self->close_after_save = TRUE;
      g_idle_add_full (G_PRIORITY_DEFAULT, save_idle, g_object_ref (self), g_object_unref);
    }
}

static void
save_window_state (DsWindow *self)
{
  DsApplication *app = app_of (self);
  GSettings *settings = app ? ds_application_get_settings (app) : NULL;
  int w, h;

  if (settings == NULL)
    return;
  gtk_window_get_default_size (GTK_WINDOW (self), &w, &h);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (GTK_WINDOW (self)));
  if (!gtk_window_is_maximized (GTK_WINDOW (self)) && w > 0 && h > 0)
    {
      g_settings_set_int (settings, "window-width", w);
      g_settings_set_int (settings, "window-height", h);
    }
}

static gboolean
ds_window_close_request (GtkWindow *window)
{
  DsWindow *self = DS_WINDOW (window);
  GtkWidget *dialog;
  g_autofree char *name = NULL;
  g_autofree char *body = NULL;

  if (self->force_close || !ds_window_has_unsaved_changes (self))
    {
      save_window_state (self);
      ds_autosave_discard (self->autosave);
      return GTK_WINDOW_CLASS (ds_window_parent_class)->close_request (window);
    }

  name = ds_document_dup_title (self->document);
  body = g_strdup_printf (_("“%s” has unsaved changes. Changes that are not saved will be lost."), name);
  dialog = adw_message_dialog_new (window, _("Save Changes?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "discard", _("_Discard"),
                                    "save", _("_Save"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "save");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (close_response_cb), self);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------- */

/* The switcher keeps the Build view selected under the start page, so a
 * click on it changes no view: any press on a view's button leaves the
 * start page (a press on another view's button would do it anyway). Seen
 * before the button takes the press, as the button claims it. */
static void
switcher_pressed_cb (GtkGestureClick *gesture,
                     int              n_press,
                     double           x,
                     double           y,
                     DsWindow        *self)
{
  GtkWidget *title = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));
  GtkWidget *picked;

  if (self->start_page == NULL)
    return;
  picked = gtk_widget_pick (title, x, y, GTK_PICK_DEFAULT);
  if (picked && gtk_widget_get_ancestor (picked, GTK_TYPE_TOGGLE_BUTTON))
    hide_start_page (self);
}

static void
document_notify_cb (DsWindow *self)
{
  update_title (self);
  /* Work restored after a crash, or any edit: the views show it. */
  if (ds_window_has_unsaved_changes (self))
    hide_start_page (self);
}

static void
ds_window_dispose (GObject *object)
{
  DsWindow *self = DS_WINDOW (object);

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), DS_TYPE_WINDOW);
  G_OBJECT_CLASS (ds_window_parent_class)->dispose (object);
}

static void
ds_window_finalize (GObject *object)
{
  DsWindow *self = DS_WINDOW (object);

  g_clear_object (&self->autosave);
  g_clear_object (&self->document);
  g_clear_object (&self->recent_section);
  g_free (self->last_toast);
  G_OBJECT_CLASS (ds_window_parent_class)->finalize (object);
}

static void
ds_window_class_init (DsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = ds_window_dispose;
  object_class->finalize = ds_window_finalize;
  window_class->close_request = ds_window_close_request;

  g_type_ensure (DS_TYPE_BUILD_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DsWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, DsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DsWindow, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, DsWindow, open_button);
  gtk_widget_class_bind_template_child (widget_class, DsWindow, lesson_flap);
  gtk_widget_class_bind_template_child (widget_class, DsWindow, page_stack);
}

static void
ds_window_init (DsWindow *self)
{
  GMenu *open_menu;
  g_autoptr(GMenu) sample_section = g_menu_new ();
  GAction *action;

  self->document = ds_document_new ();
  gtk_widget_init_template (GTK_WIDGET (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), win_entries, G_N_ELEMENTS (win_entries), self);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "undo");
  g_object_bind_property (self->document, "can-undo", action, "enabled", G_BINDING_SYNC_CREATE);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "redo");
  g_object_bind_property (self->document, "can-redo", action, "enabled", G_BINDING_SYNC_CREATE);

  /* The views, in workflow order. */
  add_view (self, DS_TYPE_DATA_VIEW, "data", _("Data"), "ds-data-symbolic");
  add_view (self, DS_TYPE_BUILD_VIEW, "build", _("Build"), "ds-build-symbolic");
  add_view (self, DS_TYPE_TRAIN_VIEW, "train", _("Train"), "ds-train-symbolic");
  add_view (self, DS_TYPE_INSPECT_VIEW, "inspect", _("Inspect"), "ds-inspect-symbolic");
  add_view (self, DS_TYPE_GENERATE_VIEW, "generate", _("Generate"), "ds-generate-symbolic");
  /* A new window opens on the builder, as before the Data view existed. */
  ds_window_set_visible_view (self, "build");

  open_menu = G_MENU (adw_split_button_get_menu_model (self->open_button));
  g_menu_append (sample_section, _("Open _Sample…"), "win.open-sample");
  g_menu_append (sample_section, _("_Lessons…"), "win.lessons");
  g_menu_append_section (open_menu, NULL, G_MENU_MODEL (sample_section));
  self->recent_section = g_menu_new ();
  g_menu_append_section (open_menu, _("Recent"), G_MENU_MODEL (self->recent_section));

  g_signal_connect_swapped (self->document, "notify::dirty", G_CALLBACK (document_notify_cb), self);
  g_signal_connect_swapped (ds_document_get_runs (self->document), "items-changed",
                            G_CALLBACK (runs_changed_cb), self);
  g_signal_connect_swapped (self->document, "inspect-sample", G_CALLBACK (inspect_sample_cb), self);
  g_signal_connect_swapped (self->document, "notify::title", G_CALLBACK (document_notify_cb), self);
  g_signal_connect_swapped (self->document, "notify::file", G_CALLBACK (document_notify_cb), self);
  g_signal_connect_swapped (self, "notify::is-active", G_CALLBACK (refresh_recent), self);
  /* A view chosen in the switcher while the start page shows. */
  g_signal_connect_swapped (self->stack, "notify::visible-child", G_CALLBACK (hide_start_page), self);
  {
    GtkGesture *press = gtk_gesture_click_new ();

    gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (press), GTK_PHASE_CAPTURE);
    g_signal_connect (press, "pressed", G_CALLBACK (switcher_pressed_cb), self);
    gtk_widget_add_controller (GTK_WIDGET (self->switcher_title), GTK_EVENT_CONTROLLER (press));
  }
  lessons_init (self);
  update_title (self);
}

DsWindow *
ds_window_new (GtkApplication *app)
{
  DsWindow *self = g_object_new (DS_TYPE_WINDOW, "application", app, NULL);
  DsApplication *dsapp = app_of (self);
  GSettings *settings = dsapp ? ds_application_get_settings (dsapp) : NULL;
  guint interval = 30;

  if (settings)
    {
      gtk_window_set_default_size (GTK_WINDOW (self), g_settings_get_int (settings, "window-width"),
                                   g_settings_get_int (settings, "window-height"));
      if (g_settings_get_boolean (settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      interval = g_settings_get_uint (settings, "autosave-interval");
    }
  self->autosave = ds_autosave_new (self->document, interval);
  refresh_recent (self);
  return self;
}

GMenuModel *
ds_window_get_recent_menu (DsWindow *self)
{
  g_return_val_if_fail (DS_IS_WINDOW (self), NULL);
  return G_MENU_MODEL (self->recent_section);
}
