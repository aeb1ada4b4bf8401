/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-file-chooser.h"
#include "ds-inspect-export.h"
#include "ds-util.h"

typedef struct
{
  char                 *name;
  DsInspectSizeFunc     size;
  DsInspectDrawFunc     draw;
  GtkFileChooserNative *chooser;
  DsExportFormat        format;
  GtkWidget            *menu;     /* GtkPopoverMenu, a child of the widget */
} Hook;

#define HOOK_KEY "ds-inspect-export"

static void
hook_free (gpointer data)
{
  Hook *hook = data;

  ds_file_chooser_clear (&hook->chooser);
  g_free (hook->name);
  g_free (hook);
}

typedef struct
{
  GtkWidget         *widget;
  DsInspectDrawFunc  draw;
} DrawData;

static void
draw_adapter (cairo_t  *cr,
              int       width,
              int       height,
              gpointer  user_data)
{
  DrawData *d = user_data;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  d->draw (d->widget, cr, width, height);
}

/**
 * ds_inspect_export_draw:
 *
 * The widget's picture through ds_export_drawing: PNG at twice the pixels
 * or SVG, written to a temporary file renamed over @path once complete.
 */
gboolean
ds_inspect_export_draw (GtkWidget          *widget,
                        DsInspectDrawFunc   draw,
                        int                 width,
                        int                 height,
                        DsExportFormat      format,
                        const char         *path,
                        GError            **error)
{
  DrawData d = { widget, draw };

  g_return_val_if_fail (draw != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (width < 1 || height < 1)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("There is no picture to export yet: pick an input first"));
      return FALSE;
    }
  return ds_export_drawing (draw_adapter, &d, width, height, format, path, error);
}

gboolean
ds_inspect_export_widget (GtkWidget      *widget,
                          DsExportFormat  format,
                          const char     *path,
                          GError        **error)
{
  Hook *hook;
  int w = 0, h = 0;

  g_return_val_if_fail (GTK_IS_WIDGET (widget), FALSE);
  hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);
  g_return_val_if_fail (hook != NULL, FALSE);

  if (!hook->size (widget, &w, &h))
    w = h = 0;
  return ds_inspect_export_draw (widget, hook->draw, w, h, format, path, error);
}

static void
chosen_cb (GFile    *file,
           gpointer  user_data)
{
  GtkWidget *widget = user_data;
  Hook *hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;

  if (hook == NULL || path == NULL)
    return;
  if (!ds_inspect_export_widget (widget, hook->format, path, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Could not export the picture: %s"), error->message);

      if (!gtk_widget_activate_action (widget, "win.show-toast", "s", text))
        g_message ("%s", text);
    }
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *param)
{
  Hook *hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);
  g_autofree char *current = NULL;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  int w, h;

  if (hook == NULL || !hook->size (widget, &w, &h))
    return;
  hook->format = g_str_equal (g_variant_get_string (param, NULL), "svg") ? DS_EXPORT_SVG
                                                                         : DS_EXPORT_PNG;
  current = g_strdup_printf ("%s.%s", hook->name, ds_export_format_extension (hook->format));
  gtk_file_filter_add_suffix (filter, ds_export_format_extension (hook->format));
  ds_file_chooser_show (&hook->chooser, widget, _("Export Picture"), GTK_FILE_CHOOSER_ACTION_SAVE,
                        _("_Export"), current, filter, chosen_cb, widget);
}

static void
ensure_menu (GtkWidget *widget,
             Hook      *hook)
{
  g_autoptr(GMenu) menu = g_menu_new ();

  g_menu_append (menu, _("Export as _PNG…"), "inspect-export.export::png");
  g_menu_append (menu, _("Export as _SVG…"), "inspect-export.export::svg");
  hook->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_widget_set_parent (hook->menu, widget);
  gtk_popover_set_has_arrow (GTK_POPOVER (hook->menu), FALSE);
  ds_quiet_tooltip_for_popover (widget, hook->menu);
}

static void
pressed_cb (GtkGestureClick *gesture,
            int              n_press,
            double           x,
            double           y,
            GtkWidget       *widget)
{
  Hook *hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);
  int w, h;

  if (hook == NULL || !hook->size (widget, &w, &h))
    return;
  /* Made on the first right click, not with the widget: a page of
   * thumbnails would otherwise build twenty menus each time it fills. */
  if (hook->menu == NULL)
    ensure_menu (widget, hook);
  gtk_popover_set_pointing_to (GTK_POPOVER (hook->menu),
                               &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (hook->menu));
}

static void
unrealize_cb (GtkWidget *widget)
{
  Hook *hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);

  /* The popover is a child the widget's class does not know of. */
  if (hook && hook->menu)
    g_clear_pointer (&hook->menu, gtk_widget_unparent);
}

static void
activate_export_cb (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       widget)
{
  export_action (widget, "export", param);
}

void
ds_inspect_export_attach (GtkWidget         *widget,
                          const char        *name,
                          DsInspectSizeFunc  size,
                          DsInspectDrawFunc  draw)
{
  g_autoptr(GSimpleActionGroup) group = g_simple_action_group_new ();
  g_autoptr(GSimpleAction) action = g_simple_action_new ("export", G_VARIANT_TYPE_STRING);
  GtkGesture *click = gtk_gesture_click_new ();
  Hook *hook = g_new0 (Hook, 1);

  g_return_if_fail (GTK_IS_WIDGET (widget));

  hook->name = g_strdup (name);
  hook->size = size;
  hook->draw = draw;
  g_object_set_data_full (G_OBJECT (widget), HOOK_KEY, hook, hook_free);

  g_signal_connect (action, "activate", G_CALLBACK (activate_export_cb), widget);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (action));
  gtk_widget_insert_action_group (widget, "inspect-export", G_ACTION_GROUP (group));

  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (pressed_cb), widget);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));
  g_signal_connect (widget, "unrealize", G_CALLBACK (unrealize_cb), NULL);
}

void
ds_inspect_export_set_name (GtkWidget  *widget,
                            const char *name)
{
  Hook *hook = g_object_get_data (G_OBJECT (widget), HOOK_KEY);

  g_return_if_fail (hook != NULL);
  g_free (hook->name);
  hook->name = g_strdup (name);
}
