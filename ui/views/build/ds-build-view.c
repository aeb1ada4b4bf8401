/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-build-view-private.h"
#include "ds-output-task.h"

struct _DsBuildView
{
  DsView         parent_instance;

  /* Template widgets */
  DsPalette     *palette;
  DsGraphCanvas *canvas;
  DsProperties  *properties;
  DsSummary     *summary;
  GtkWidget     *empty;
  GtkWidget     *errors_group;
  GtkListBox    *errors_list;
  GtkLabel      *zoom_label;
  GtkLabel      *title_label;
  GtkWidget     *side_pane;

  /* Owned */
  char          *dataset_spec;  /* the model's dataset at the last change */

  /* Borrowed */
  DsDocument    *document;      /* ds_view_get_document () */
};

G_DEFINE_FINAL_TYPE (DsBuildView, ds_build_view, DS_TYPE_VIEW)

enum {
  PROP_0,
  PROP_PRESENTATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_message (DsBuildView *self,
              const char  *text)
{
  /* The window shows it as a toast; outside a window (tests) log it. */
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text))
    g_message ("%s", text);
}

static void
update_errors (DsBuildView *self)
{
  NnModel *m = ds_document_get_model (self->document);
  GtkWidget *child;
  int n_errors = 0;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->errors_list))))
    gtk_list_box_remove (self->errors_list, child);

  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const char *error = nn_model_layer_get_error (m, l);
      GtkWidget *row, *icon;

      if (error == NULL)
        continue;
      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), nn_model_layer_get_name (m, l));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error);
      icon = gtk_image_new_from_icon_name ("dialog-error-symbolic");
      gtk_widget_add_css_class (icon, "error");
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      gtk_widget_set_tooltip_text (row, _("Select this layer"));
      g_object_set_data_full (G_OBJECT (row), "ds-layer",
                              g_strdup (nn_model_layer_get_name (m, l)), g_free);
      gtk_list_box_append (self->errors_list, row);
      n_errors++;
    }
  gtk_widget_set_visible (self->errors_group, n_errors > 0);
  {
    g_autofree char *title = g_strdup_printf (ngettext ("%d Problem", "%d Problems", n_errors),
                                                    n_errors);

    adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (self->errors_group), title);
  }
}

static void
error_row_activated_cb (DsBuildView   *self,
                        GtkListBoxRow *row)
{
  const char *name = g_object_get_data (G_OBJECT (row), "ds-layer");
  int layer = nn_model_find_layer (ds_document_get_model (self->document), name);

  if (layer < 0)
    return;
  ds_graph_canvas_select_layer (self->canvas, layer, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

/* A dataset just chosen (the Data view writes it into the model once it has
 * loaded) sets the output layer for its task, in the same undo step as the
 * choice; open, undo and redo bring their own outputs. */
static void
dataset_chosen (DsBuildView *self,
                guint        what)
{
  NnModel *m = ds_document_get_model (self->document);
  const char *spec = nn_model_get_dataset (m);
  DsDataset *ds;

  if (g_strcmp0 (spec, self->dataset_spec) == 0)
    return;
  g_free (self->dataset_spec);
  self->dataset_spec = g_strdup (spec);
  if (what & DS_CHANGE_REPLACED)
    return;
  ds = ds_dataset_store_get_dataset (ds_document_get_dataset_store (self->document));
  if (ds != NULL && g_strcmp0 (ds_dataset_get_spec (ds), spec) == 0
      && ds_output_task_apply (self->document))
    ds_document_amend (self->document, DS_CHANGE_PARAMS);
}

static void
document_changed_cb (DsBuildView *self,
                     guint        what)
{
  NnModel *m = ds_document_get_model (self->document);

  gtk_widget_set_visible (self->empty, nn_model_get_n_layers (m) == 0);
  if (what != DS_CHANGE_POSITIONS)
    update_errors (self);
  dataset_chosen (self, what);
}

/* The header shows the view switcher, not the file: name it on the canvas,
 * with a dot while there are unsaved changes. */
static void
update_title (DsBuildView *self)
{
  g_autofree char *title = ds_document_dup_title (self->document);
  g_autofree char *text = g_strdup_printf ("%s%s", title,
                                           ds_document_get_dirty (self->document) ? " •" : "");

  gtk_label_set_text (self->title_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->title_label),
                               ds_document_get_dirty (self->document) ? _("Unsaved changes") : NULL);
}

static void
selection_changed_cb (DsBuildView *self)
{
  ds_properties_set_layer (self->properties, ds_graph_canvas_get_selected_layer (self->canvas));
}

static void
layer_activated_cb (DsBuildView *self,
                    const char  *class_name)
{
  g_autoptr(GError) error = NULL;

  if (ds_graph_canvas_append_layer (self->canvas, class_name, &error) < 0)
    show_message (self, error->message);
}

static void
rename_cb (DsBuildView *self,
           int          layer,
           const char  *name)
{
  g_autoptr(GError) error = NULL;

  if (!ds_graph_canvas_rename_layer (self->canvas, layer, name, &error))
    show_message (self, error->message);
}

static void
zoom_cb (DsBuildView *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f%%", 100 * ds_graph_canvas_get_zoom (self->canvas));

  gtk_label_set_text (self->zoom_label, text);
}

static void
action_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  DsBuildView *self = DS_BUILD_VIEW (widget);
  double zoom = ds_graph_canvas_get_zoom (self->canvas);

  if (g_str_equal (action_name, "build.zoom-in"))
    ds_graph_canvas_set_zoom (self->canvas, zoom * 1.25);
  else if (g_str_equal (action_name, "build.zoom-out"))
    ds_graph_canvas_set_zoom (self->canvas, zoom / 1.25);
  else if (g_str_equal (action_name, "build.zoom-reset"))
    ds_graph_canvas_set_zoom (self->canvas, 1.0);
  else if (g_str_equal (action_name, "build.zoom-fit"))
    ds_graph_canvas_zoom_fit (self->canvas);
  else if (g_str_equal (action_name, "build.auto-layout"))
    ds_graph_canvas_auto_layout (self->canvas);
  else if (g_str_equal (action_name, "build.find-layer"))
    ds_palette_focus_search (self->palette);
  else if (g_str_equal (action_name, "build.focus-canvas"))
    gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

void
ds_build_view_set_presentation (DsBuildView *self,
                                gboolean     presentation)
{
  g_return_if_fail (DS_IS_BUILD_VIEW (self));
  /* Only the canvas, as large as the window allows, and the model fitted
   * to it (up to 250 %): what a projector needs. */
  gtk_widget_set_visible (GTK_WIDGET (self->palette), !presentation);
  gtk_widget_set_visible (self->side_pane, !presentation);
  gtk_widget_set_visible (GTK_WIDGET (self->summary), !presentation);
  ds_graph_canvas_set_presentation (self->canvas, presentation);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PRESENTATION]);
}

gboolean
ds_build_view_get_presentation (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), FALSE);
  return ds_graph_canvas_get_presentation (self->canvas);
}

static void
ds_build_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  if (prop_id == PROP_PRESENTATION)
    g_value_set_boolean (value, ds_build_view_get_presentation (DS_BUILD_VIEW (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
ds_build_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  if (prop_id == PROP_PRESENTATION)
    ds_build_view_set_presentation (DS_BUILD_VIEW (object), g_value_get_boolean (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
ds_build_view_document_changed (DsView     *view,
                                DsDocument *old_document)
{
  DsBuildView *self = DS_BUILD_VIEW (view);
  DsDocument *document = ds_view_get_document (view);

  self->document = document;
  g_clear_pointer (&self->dataset_spec, g_free);
  if (document == NULL)
    return;
  ds_graph_canvas_set_document (self->canvas, document);
  ds_properties_set_document (self->properties, document);
  ds_summary_set_document (self->summary, document);
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (document, "notify::title", G_CALLBACK (update_title), self);
  g_signal_connect_swapped (document, "notify::dirty", G_CALLBACK (update_title), self);
  document_changed_cb (self, DS_CHANGE_REPLACED);
  update_title (self);
}

DsGraphCanvas *
ds_build_view_get_canvas (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), NULL);
  return self->canvas;
}

DsPalette *
ds_build_view_get_palette (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), NULL);
  return self->palette;
}

void
ds_build_view_limit_palette (DsBuildView       *self,
                             const char *const *types)
{
  g_return_if_fail (DS_IS_BUILD_VIEW (self));
  ds_palette_set_allowed (self->palette, types);
}

DsProperties *
ds_build_view_get_properties (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), NULL);
  return self->properties;
}

DsSummary *
ds_build_view_get_summary (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), NULL);
  return self->summary;
}

GtkListBox *
ds_build_view_get_error_list (DsBuildView *self)
{
  g_return_val_if_fail (DS_IS_BUILD_VIEW (self), NULL);
  return self->errors_list;
}

static void
ds_build_view_dispose (GObject *object)
{
  DsBuildView *self = DS_BUILD_VIEW (object);

  ds_view_set_document (DS_VIEW (self), NULL);
  g_clear_pointer (&self->dataset_spec, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_BUILD_VIEW);
  /* The root of the template is not bound to a field, so
   * gtk_widget_dispose_template leaves it: unparent it here. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_build_view_parent_class)->dispose (object);
}

static void
ds_build_view_class_init (DsBuildViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  DsViewClass *view_class = DS_VIEW_CLASS (klass);
  static const char *const actions[] = {
    "build.zoom-in", "build.zoom-out", "build.zoom-reset", "build.zoom-fit",
    "build.auto-layout", "build.find-layer", "build.focus-canvas",
  };

  object_class->dispose = ds_build_view_dispose;
  object_class->get_property = ds_build_view_get_property;
  object_class->set_property = ds_build_view_set_property;
  /* The toggle button follows it (build.presentation is a property action). */
  properties[PROP_PRESENTATION] =
    g_param_spec_boolean ("presentation", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  view_class->document_changed = ds_build_view_document_changed;

  g_type_ensure (DS_TYPE_PALETTE);
  g_type_ensure (DS_TYPE_GRAPH_CANVAS);
  g_type_ensure (DS_TYPE_PROPERTIES);
  g_type_ensure (DS_TYPE_SUMMARY);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-build-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, palette);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, canvas);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, properties);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, summary);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, empty);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, errors_group);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, errors_list);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, title_label);
  gtk_widget_class_bind_template_child (widget_class, DsBuildView, side_pane);
  gtk_widget_class_bind_template_callback (widget_class, error_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, selection_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, layer_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, rename_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_message);
  gtk_widget_class_bind_template_callback (widget_class, zoom_cb);

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, action_cb);
  gtk_widget_class_install_property_action (widget_class, "build.presentation", "presentation");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "build.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "build.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "build.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "build.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "build.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "build.zoom-fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "build.zoom-reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_l, GDK_CONTROL_MASK, "build.auto-layout", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK, "build.find-layer", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_g, GDK_CONTROL_MASK, "build.focus-canvas", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "build.presentation", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "buildview");
}

static void
ds_build_view_init (DsBuildView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  zoom_cb (self);
}
