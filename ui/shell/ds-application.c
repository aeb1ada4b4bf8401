/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "config.h"

#include <signal.h>

#include <glib-unix.h>
#include <glib/gi18n.h>

#include "ds-application.h"
#include "ds-autosave.h"
#include "ds-build-view.h"
#include "ds-resources.h"
#include "ds-jobs.h"
#include "ds-util.h"
#include "ds-lesson.h"
#include "ds-window.h"

struct _DsApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;       /* NULL when the schema is missing */
  char          **recent;         /* fallback store without settings */
  gboolean        recovery_done;
  guint           signal_ids[3];  /* SIGTERM, SIGINT, SIGHUP */
};

G_DEFINE_FINAL_TYPE (DsApplication, ds_application, ADW_TYPE_APPLICATION)

static void
slist_free_objects (gpointer list)
{
  g_slist_free_full (list, g_object_unref);
}

/* A menu's button keeps its tooltip while the menu shows, and the tooltip
 * then covers the menu's first item (the Open button's arrow, the Curves
 * export button): while a popover is mapped, the widgets it hangs from
 * show none. The widgets whose tooltips went off are kept on the popover
 * and given their tooltips back when it unmaps. */
static gboolean
popover_tooltip_hook (GSignalInvocationHint *hint,
                      guint                  n_values,
                      const GValue          *values,
                      gpointer               data)
{
  GtkWidget *popover = g_value_get_object (&values[0]);
  guint map_id = GPOINTER_TO_UINT (data);
  GSList *quieted;

  if (!GTK_IS_POPOVER (popover))
    return TRUE;
  if (hint->signal_id == map_id)
    {
      quieted = NULL;
      for (GtkWidget *w = gtk_widget_get_parent (popover); w && !GTK_IS_ROOT (w); w = gtk_widget_get_parent (w))
        if (gtk_widget_get_has_tooltip (w))
          {
            gtk_widget_set_has_tooltip (w, FALSE);
            gtk_widget_trigger_tooltip_query (w);
            quieted = g_slist_prepend (quieted, g_object_ref (w));
          }
      if (quieted)
        g_object_set_data_full (G_OBJECT (popover), "ds-quieted-tooltips", quieted,
                                slist_free_objects);
    }
  else
    {
      quieted = g_object_steal_data (G_OBJECT (popover), "ds-quieted-tooltips");
      for (GSList *l = quieted; l; l = l->next)
        gtk_widget_set_has_tooltip (l->data, TRUE);
      g_slist_free_full (quieted, g_object_unref);
    }
  return TRUE;
}

static void
quiet_tooltips_under_popovers (void)
{
  GTypeClass *klass = g_type_class_ref (GTK_TYPE_POPOVER);
  guint map_id = g_signal_lookup ("map", GTK_TYPE_WIDGET);
  guint unmap_id = g_signal_lookup ("unmap", GTK_TYPE_WIDGET);

  g_signal_add_emission_hook (map_id, 0, popover_tooltip_hook, GUINT_TO_POINTER (map_id), NULL);
  g_signal_add_emission_hook (unmap_id, 0, popover_tooltip_hook, GUINT_TO_POINTER (map_id), NULL);
  g_type_class_unref (klass);
}

void
ds_ui_init (void)
{
  static gsize done;

  if (g_once_init_enter (&done))
    {
      /* Referencing the bundle keeps it (and its constructor) linked in
       * from the static library; register it in case the constructor was
       * not run. */
      GResource *res = ds_get_resource ();

      if (!g_resources_lookup_data ("/io/github/deepscope/Deepscope/style.css", 0, NULL))
        g_resources_register (res);
      g_type_ensure (DS_TYPE_WINDOW);
      g_type_ensure (DS_TYPE_BUILD_VIEW);
      quiet_tooltips_under_popovers ();
      /* The application's resource base path gives the icon theme our
       * icons; windows made without it (tests, benchmarks) need them too. */
      if (gdk_display_get_default ())
        gtk_icon_theme_add_resource_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                          "/io/github/deepscope/Deepscope/icons");
      ds_jobs_wait_at_exit ();
      g_once_init_leave (&done, 1);
    }
}

static GSettings *
load_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, DS_APP_ID, TRUE);
  /* Uninstalled runs use the schema compiled in the build tree. */
  if (schema == NULL && g_file_test (DS_BUILD_SCHEMA_DIR "/gschemas.compiled", G_FILE_TEST_EXISTS))
    {
      g_autoptr(GSettingsSchemaSource) local =
        g_settings_schema_source_new_from_directory (DS_BUILD_SCHEMA_DIR, source, FALSE, NULL);

      if (local)
        schema = g_settings_schema_source_lookup (local, DS_APP_ID, FALSE);
    }
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

GSettings *
ds_application_get_settings (DsApplication *self)
{
  g_return_val_if_fail (DS_IS_APPLICATION (self), NULL);
  return self->settings;
}

char **
ds_application_dup_recent (DsApplication *self)
{
  g_return_val_if_fail (DS_IS_APPLICATION (self), NULL);
  if (self->settings)
    return g_settings_get_strv (self->settings, "recent-files");
  return g_strdupv (self->recent);
}

void
ds_application_add_recent (DsApplication *self,
                           GFile         *file)
{
  g_auto(GStrv) old = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autofree char *path = NULL;
  g_auto(GStrv) list = NULL;
  guint n = 1;

  g_return_if_fail (DS_IS_APPLICATION (self));
  path = g_file_get_path (file);
  if (path == NULL)
    return;
  old = ds_application_dup_recent (self);
  g_strv_builder_add (builder, path);
  for (guint i = 0; old && old[i] && n < 10; i++)
    if (g_strcmp0 (old[i], path) != 0)
      {
        g_strv_builder_add (builder, old[i]);
        n++;
      }
  list = g_strv_builder_end (builder);
  if (self->settings)
    g_settings_set_strv (self->settings, "recent-files", (const char * const *) list);
  else
    {
      g_strfreev (self->recent);
      self->recent = g_steal_pointer (&list);
    }
}

/* ---- recovery ------------------------------------------------------------ */

static void
recovery_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      gpointer          data)
{
  GPtrArray *orphans = g_object_get_data (G_OBJECT (dialog), "ds-orphans");
  DsWindow *window = DS_WINDOW (gtk_window_get_transient_for (GTK_WINDOW (dialog)));
  gboolean recover = g_str_equal (response, "recover");

  for (guint i = 0; i < orphans->len; i++)
    {
      const char *path = g_ptr_array_index (orphans, i);

      if (recover)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GFile) origin = NULL;
          g_autoptr(GPtrArray) runs = NULL;
          NnModel *m = ds_autosave_load_with_runs (path, &runs, &origin, &error);
          DsWindow *target = window;

          if (m == NULL)
            {
              g_autofree char *text = g_strdup_printf (_("Could not recover a model: %s"), error->message);
              ds_window_add_toast (window, text);
              continue;
            }
          if (!ds_document_is_pristine (ds_window_get_document (window)))
            {
              target = ds_window_new (gtk_window_get_application (GTK_WINDOW (window)));
              gtk_window_present (GTK_WINDOW (target));
            }
          /* Recovered work is unsaved work: it keeps its file but is dirty. */
          ds_document_take_model_with_runs (ds_window_get_document (target), m, origin, TRUE,
                                            runs);
          ds_window_autosave_now (target, NULL);
        }
      /* Never a live instance's copy, even if one took it up since. */
      ds_autosave_remove_orphan (path);
    }
}

void
ds_application_offer_recovery (DsApplication *self,
                               GtkWindow     *parent)
{
  g_autoptr(GPtrArray) orphans = ds_autosave_find_orphans ();
  GtkWidget *dialog;
  g_autofree char *body = NULL;

  g_return_if_fail (DS_IS_APPLICATION (self));
  if (orphans->len == 0)
    return;

  body = g_strdup_printf (orphans->len == 1
                          ? _("Deepscope did not close normally. A copy of a model with unsaved changes was kept. Recover it?")
                          : _("Deepscope did not close normally. Copies of %u models with unsaved changes were kept. Recover them?"),
                          orphans->len);
  dialog = adw_message_dialog_new (parent, _("Recover Unsaved Work?"), body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "discard", _("_Discard"),
                                    "recover", _("_Recover"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "recover",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "recover");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "discard");
  g_object_set_data_full (G_OBJECT (dialog), "ds-orphans", g_ptr_array_ref (orphans),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (dialog, "response", G_CALLBACK (recovery_response_cb), NULL);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- GApplication -------------------------------------------------------- */

static DsWindow *
new_window (DsApplication *self)
{
  return ds_window_new (GTK_APPLICATION (self));
}

static void
present_first (DsApplication *self,
               DsWindow      *window)
{
  gtk_window_present (GTK_WINDOW (window));
  if (!self->recovery_done)
    {
      self->recovery_done = TRUE;
      ds_application_offer_recovery (self, GTK_WINDOW (window));
    }
}

static void
ds_application_activate (GApplication *app)
{
  DsApplication *self = DS_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      /* No file: lessons, samples and recent models to start from. */
      window = GTK_WINDOW (new_window (self));
      ds_window_show_start_page (DS_WINDOW (window));
    }
  present_first (self, DS_WINDOW (window));
}

static void
ds_application_open (GApplication  *app,
                     GFile        **files,
                     int            n_files,
                     const char    *hint)
{
  DsApplication *self = DS_APPLICATION (app);

  for (int i = 0; i < n_files; i++)
    {
      GtkWindow *active = gtk_application_get_active_window (GTK_APPLICATION (app));
      DsWindow *window;

      /* Reuse an untouched window; otherwise each file gets its own. */
      if (DS_IS_WINDOW (active) && ds_document_is_pristine (ds_window_get_document (DS_WINDOW (active))))
        window = DS_WINDOW (active);
      else
        window = new_window (self);
      present_first (self, window);
      if (ds_lesson_file_is_lesson (files[i]))
        ds_window_open_lesson (window, g_file_peek_path (files[i]));
      else
        ds_window_open (window, files[i]);
    }
}

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       data)
{
  GList *copy = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (data)));

  /* Each window asks about its own unsaved work. */
  for (GList *l = copy; l; l = l->next)
    gtk_window_close (GTK_WINDOW (l->data));
  g_list_free (copy);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (data));
  const char *developers[] = { _("The Deepscope developers"), NULL };

  adw_show_about_window (parent,
                         "application-name", "Deepscope",
                         "application-icon", DS_APP_ID,
                         "version", DS_VERSION,
                         "comments", _("Learn deep learning by building networks, training them and looking inside"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "website", "https://github.com/deepscope/deepscope",
                         NULL);
}

static void
new_window_action (GSimpleAction *action,
                   GVariant      *param,
                   gpointer       data)
{
  gtk_window_present (GTK_WINDOW (new_window (data)));
}

/* Ended from outside (a logout, kill, Ctrl+C in a terminal): unsaved work
 * stays as its autosave copy, offered at the next start; every other
 * window closes as Quit closes it, so nothing is left in the cache. A
 * second signal ends the process at once (the handlers go, and GLib puts
 * the default actions back). */
static gboolean
terminate_cb (gpointer data)
{
  DsApplication *self = DS_APPLICATION (data);
  GList *copy = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (data)));

  /* This source included: removing it here is allowed, and it is then
   * never dispatched again whatever this returns. */
  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    g_clear_handle_id (&self->signal_ids[i], g_source_remove);

  for (GList *l = copy; l; l = l->next)
    {
      DsWindow *window = DS_IS_WINDOW (l->data) ? l->data : NULL;
      g_autoptr(GError) error = NULL;

      if (window == NULL || !ds_window_has_unsaved_changes (window))
        {
          gtk_window_close (GTK_WINDOW (l->data));
          continue;
        }
      if (!ds_window_autosave_now (window, &error))
        g_printerr ("Unsaved work could not be copied: %s\n", error->message);
      gtk_window_destroy (GTK_WINDOW (window));
    }
  g_list_free (copy);
  return G_SOURCE_CONTINUE;
}

static const GActionEntry app_entries[] = {
  { "quit", quit_action },
  { "about", about_action },
  { "new-window", new_window_action },
};

static void
ds_application_startup (GApplication *app)
{
  DsApplication *self = DS_APPLICATION (app);
  static const struct { const char *action; const char *accels[3]; } accels[] = {
    { "app.quit", { "<Control>q", NULL } },
    { "app.new-window", { "<Control><Shift>n", NULL } },
    { "win.new", { "<Control>n", NULL } },
    { "win.open", { "<Control>o", NULL } },
    { "win.open-sample", { "<Control><Shift>o", NULL } },
    { "win.save", { "<Control>s", NULL } },
    { "win.save-as", { "<Control><Shift>s", NULL } },
    { "win.undo", { "<Control>z", NULL } },
    { "win.redo", { "<Control><Shift>z", "<Control>y", NULL } },
    { "window.close", { "<Control>w", NULL } },
    /* The views in the switcher's order, as a browser's tabs. */
    { "win.show-view::data", { "<Alt>1", NULL } },
    { "win.show-view::build", { "<Alt>2", NULL } },
    { "win.show-view::train", { "<Alt>3", NULL } },
    { "win.show-view::inspect", { "<Alt>4", NULL } },
    { "win.show-view::generate", { "<Alt>5", NULL } },
  };

  ds_ui_init ();
  G_APPLICATION_CLASS (ds_application_parent_class)->startup (app);
  ds_prefer_cairo_on_software_gl ();

  self->settings = load_settings ();
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    gtk_application_set_accels_for_action (GTK_APPLICATION (app), accels[i].action, accels[i].accels);
  gtk_window_set_default_icon_name (DS_APP_ID);
  self->signal_ids[0] = g_unix_signal_add (SIGTERM, terminate_cb, app);
  self->signal_ids[1] = g_unix_signal_add (SIGINT, terminate_cb, app);
  self->signal_ids[2] = g_unix_signal_add (SIGHUP, terminate_cb, app);
}

static void
ds_application_finalize (GObject *object)
{
  DsApplication *self = DS_APPLICATION (object);

  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    g_clear_handle_id (&self->signal_ids[i], g_source_remove);
  g_clear_object (&self->settings);
  g_strfreev (self->recent);
  G_OBJECT_CLASS (ds_application_parent_class)->finalize (object);
}

static void
ds_application_class_init (DsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = ds_application_finalize;
  app_class->startup = ds_application_startup;
  app_class->activate = ds_application_activate;
  app_class->open = ds_application_open;
}

static void
ds_application_init (DsApplication *self)
{
}

DsApplication *
ds_application_new (void)
{
  return g_object_new (DS_TYPE_APPLICATION,
                       "application-id", DS_APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/deepscope/Deepscope",
                       NULL);
}
