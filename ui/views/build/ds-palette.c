/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <string.h>

#include <glib/gi18n.h>

#include "ds-palette-private.h"
#include "ds-util.h"
#include "nn.h"

struct _DsPalette
{
  GtkWidget       parent_instance;

  /* Template widgets */
  GtkSearchEntry *search;
  GtkListBox     *list;
  GtkWidget      *empty;
  GtkLabel       *limit_label;  /* says the lesson limits the palette */

  /* Owned */
  char           *needle;   /* casefolded search text */
  char          **allowed;  /* the only types shown (a lesson's lock), or NULL */
};

G_DEFINE_FINAL_TYPE (DsPalette, ds_palette, GTK_TYPE_WIDGET)

enum {
  LAYER_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const NnLayerType *
row_type (GtkListBoxRow *row)
{
  return g_object_get_data (G_OBJECT (row), "ds-layer-type");
}

static void
header_func (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       user_data)
{
  NnLayerGroup group = nn_layer_type_get_group (row_type (row));
  GtkWidget *label;

  if (before != NULL && nn_layer_type_get_group (row_type (before)) == group)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  label = gtk_label_new (nn_layer_group_name (group));
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "heading");
  gtk_widget_add_css_class (label, "palette-heading");
  gtk_list_box_row_set_header (row, label);
}

static gboolean
contains (const char *haystack,
          const char *needle)
{
  g_autofree char *h = g_utf8_casefold (haystack ? haystack : "", -1);
  return strstr (h, needle) != NULL;
}

static gboolean
filter_func (GtkListBoxRow *row,
             gpointer       user_data)
{
  DsPalette *self = user_data;
  const NnLayerType *t = row_type (row);

  if (self->allowed && !g_strv_contains ((const char *const *) self->allowed,
                                         nn_layer_type_get_name (t)))
    return FALSE;
  if (self->needle == NULL || self->needle[0] == '\0')
    return TRUE;
  return contains (nn_layer_type_get_name (t), self->needle)
         || contains (nn_layer_type_get_help (t), self->needle)
         || contains (nn_layer_group_name (nn_layer_type_get_group (t)), self->needle);
}

guint
ds_palette_get_n_visible (DsPalette *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_PALETTE (self), 0);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && gtk_widget_get_child_visible (c)
        && filter_func (GTK_LIST_BOX_ROW (c), self))
      n++;
  return n;
}

static void
search_changed_cb (DsPalette *self)
{
  g_free (self->needle);
  self->needle = g_utf8_casefold (gtk_editable_get_text (GTK_EDITABLE (self->search)), -1);
  gtk_list_box_invalidate_filter (self->list);
  gtk_widget_set_visible (self->empty, ds_palette_get_n_visible (self) == 0);
}

void
ds_palette_set_allowed (DsPalette         *self,
                        const char *const *types)
{
  g_return_if_fail (DS_IS_PALETTE (self));
  g_strfreev (self->allowed);
  self->allowed = types ? g_strdupv ((char **) types) : NULL;
  gtk_editable_set_text (GTK_EDITABLE (self->search), "");
  gtk_list_box_invalidate_filter (self->list);
  gtk_list_box_invalidate_headers (self->list);
  gtk_widget_set_visible (self->empty, ds_palette_get_n_visible (self) == 0);
  if (types)
    {
      guint n = g_strv_length ((char **) types);
      g_autofree char *text = g_strdup_printf (ngettext ("This lesson offers %u layer type",
                                                         "This lesson offers %u layer types", n),
                                               n);

      gtk_label_set_label (self->limit_label, text);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->limit_label), types != NULL);
}

gboolean
ds_palette_is_limited (DsPalette *self)
{
  g_return_val_if_fail (DS_IS_PALETTE (self), FALSE);
  return self->allowed != NULL;
}

static void
search_activate_cb (DsPalette *self)
{
  /* Enter in the search field appends the first match. */
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c) && filter_func (GTK_LIST_BOX_ROW (c), self))
      {
        g_signal_emit (self, signals[LAYER_ACTIVATED], 0,
                       nn_layer_type_get_name (row_type (GTK_LIST_BOX_ROW (c))));
        return;
      }
}

static void
row_activated_cb (DsPalette     *self,
                  GtkListBoxRow *row)
{
  g_signal_emit (self, signals[LAYER_ACTIVATED], 0, nn_layer_type_get_name (row_type (row)));
}

static GdkContentProvider *
drag_prepare_cb (GtkDragSource *source,
                 double         x,
                 double         y,
                 GtkWidget     *row)
{
  /* The class name is all a drop needs. */
  return gdk_content_provider_new_typed (G_TYPE_STRING,
                                         nn_layer_type_get_name (row_type (GTK_LIST_BOX_ROW (row))));
}

static void
drag_begin_cb (GtkDragSource *source,
               GdkDrag       *drag,
               GtkWidget     *row)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (row);

  gtk_drag_source_set_icon (source, paintable, 24, 16);
}

static GtkWidget *
make_row (const NnLayerType *t)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 10);
  GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *dot = gtk_drawing_area_new ();
  GtkWidget *title = gtk_label_new (nn_layer_type_get_name (t));
  GtkWidget *help = gtk_label_new (nn_layer_type_get_help (t));
  GtkDragSource *source = gtk_drag_source_new ();
  g_autofree char *css_class = NULL;

  g_object_set_data (G_OBJECT (row), "ds-layer-type", (gpointer) t);
  gtk_widget_set_name (row, nn_layer_type_get_name (t));

  /* A dot in the group colour ties the row to the nodes on the canvas. */
  gtk_widget_set_size_request (dot, 10, 10);
  gtk_widget_set_valign (dot, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (dot, "group-dot");
  css_class = g_strdup_printf ("group-%d", nn_layer_type_get_group (t));
  gtk_widget_add_css_class (dot, css_class);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_wrap (GTK_LABEL (title), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (title), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (title, "palette-title");
  gtk_label_set_xalign (GTK_LABEL (help), 0);
  /* The whole description, on as many lines as the pane's width needs: a
   * cut-off sentence explains nothing. width-chars keeps the label from
   * asking for a pane wide enough for one line. */
  gtk_label_set_wrap (GTK_LABEL (help), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (help), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_width_chars (GTK_LABEL (help), 12);
  gtk_label_set_max_width_chars (GTK_LABEL (help), 12);
  gtk_widget_add_css_class (help, "dim-label");
  gtk_widget_add_css_class (help, "caption");

  gtk_box_append (GTK_BOX (text), title);
  gtk_box_append (GTK_BOX (text), help);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_widget_set_size_request (text, 1, -1);
  gtk_box_append (GTK_BOX (box), dot);
  gtk_box_append (GTK_BOX (box), text);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  {
    /* The tooltip adds what the layer computes (the help table's formula). */
    g_autofree char *formula = nn_help_dup_text (NN_HELP_LAYER, nn_layer_type_get_name (t));
    g_autofree char *tip = g_strdup_printf ("%s\n\n%s", nn_layer_type_get_help (t),
                                            formula ? formula : "");

    gtk_widget_set_tooltip_text (row, formula ? tip : nn_layer_type_get_help (t));
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, nn_layer_type_get_name (t),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, nn_layer_type_get_help (t),
                                  -1);

  gtk_drag_source_set_actions (source, GDK_ACTION_COPY);
  g_signal_connect (source, "prepare", G_CALLBACK (drag_prepare_cb), row);
  g_signal_connect (source, "drag-begin", G_CALLBACK (drag_begin_cb), row);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (source));
  return row;
}

static void
populate (DsPalette *self)
{
  guint n = nn_layer_types_count ();

  /* By group, in table order within a group: the table decides, so a new
   * engine layer shows up here without UI code. */
  for (int g = 0; g < NN_N_GROUPS; g++)
    for (guint i = 0; i < n; i++)
      {
        const NnLayerType *t = nn_layer_types_get (i);

        if ((int) nn_layer_type_get_group (t) == g)
          gtk_list_box_append (self->list, make_row (t));
      }
}

GtkWidget *
ds_palette_get_row (DsPalette  *self,
                    const char *class_name)
{
  g_return_val_if_fail (DS_IS_PALETTE (self), NULL);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c)
        && g_strcmp0 (nn_layer_type_get_name (row_type (GTK_LIST_BOX_ROW (c))), class_name) == 0)
      return c;
  return NULL;
}

guint
ds_palette_get_n_rows (DsPalette *self)
{
  guint n = 0;

  g_return_val_if_fail (DS_IS_PALETTE (self), 0);
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (self->list)); c;
       c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_LIST_BOX_ROW (c))
      n++;
  return n;
}

void
ds_palette_set_search (DsPalette  *self,
                       const char *text)
{
  g_return_if_fail (DS_IS_PALETTE (self));
  gtk_editable_set_text (GTK_EDITABLE (self->search), text ? text : "");
  search_changed_cb (self);
}

void
ds_palette_focus_search (DsPalette *self)
{
  g_return_if_fail (DS_IS_PALETTE (self));
  gtk_widget_grab_focus (GTK_WIDGET (self->search));
}

static void
ds_palette_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_PALETTE);
  /* The root of the template is not bound to a field, so
   * gtk_widget_dispose_template leaves it: unparent it here. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (ds_palette_parent_class)->dispose (object);
}

static void
ds_palette_finalize (GObject *object)
{
  g_free (DS_PALETTE (object)->needle);
  g_strfreev (DS_PALETTE (object)->allowed);
  G_OBJECT_CLASS (ds_palette_parent_class)->finalize (object);
}

static void
ds_palette_class_init (DsPaletteClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_palette_dispose;
  object_class->finalize = ds_palette_finalize;

  /**
   * DsPalette::layer-activated:
   * @class_name: the layer type's class name
   *
   * A row was activated (double click, Enter): append that layer.
   */
  signals[LAYER_ACTIVATED] =
    g_signal_new ("layer-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-palette.ui");
  gtk_widget_class_bind_template_child (widget_class, DsPalette, search);
  gtk_widget_class_bind_template_child (widget_class, DsPalette, list);
  gtk_widget_class_bind_template_child (widget_class, DsPalette, empty);
  gtk_widget_class_bind_template_child (widget_class, DsPalette, limit_label);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "palette");
}

static void
ds_palette_init (DsPalette *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_list_box_set_header_func (self->list, header_func, NULL, NULL);
  gtk_list_box_set_filter_func (self->list, filter_func, self, NULL);
  populate (self);
}

GtkWidget *
ds_palette_new (void)
{
  return g_object_new (DS_TYPE_PALETTE, NULL);
}
