/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <stdlib.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-file-chooser.h"
#include "ds-output-task.h"
#include "ds-properties-private.h"
#include "ds-util.h"

struct _DsProperties
{
  GtkWidget   parent_instance;

  /* Owned */
  DsDocument *document;
  char       *layer_name;     /* the layer shown, by name: indices shift */
  GHashTable *editors;        /* param name -> editor widget (borrowed) */

  /* Borrowed */
  GtkWidget  *box;
  GtkWidget  *task_note;      /* "Set by the task: …", in box */
  gboolean    committing;     /* our own edit: don't rebuild under the user */
  GtkFileChooserNative *chooser;  /* Load Weights From…, while open */
};

G_DEFINE_FINAL_TYPE (DsProperties, ds_properties, GTK_TYPE_WIDGET)

enum {
  RENAME,
  SHOW_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void rebuild (DsProperties *self);

static int
current_layer (DsProperties *self)
{
  if (self->document == NULL || self->layer_name == NULL)
    return -1;
  return nn_model_find_layer (ds_document_get_model (self->document), self->layer_name);
}

int
ds_properties_get_layer (DsProperties *self)
{
  g_return_val_if_fail (DS_IS_PROPERTIES (self), -1);
  return current_layer (self);
}

GtkWidget *
ds_properties_get_editor (DsProperties *self,
                          const char   *pname)
{
  g_return_val_if_fail (DS_IS_PROPERTIES (self), NULL);
  return g_hash_table_lookup (self->editors, pname);
}

const char *
ds_properties_get_task_note (DsProperties *self)
{
  g_return_val_if_fail (DS_IS_PROPERTIES (self), NULL);
  if (self->task_note == NULL || !gtk_widget_get_visible (self->task_note))
    return NULL;
  return gtk_label_get_text (GTK_LABEL (self->task_note));
}

static void
mark_error (GtkWidget  *editor,
            const char *message)
{
  if (message)
    {
      gtk_widget_add_css_class (editor, "error");
      gtk_widget_set_tooltip_text (editor, message);
    }
  else
    {
      gtk_widget_remove_css_class (editor, "error");
      gtk_widget_set_tooltip_text (editor, NULL);
    }
}

/* The note under the layer's title while the task sets its units and
 * activation; gone once the person sets them. */
static void
update_task_note (DsProperties *self)
{
  const char *note = NULL;

  if (self->task_note == NULL)
    return;
  if (self->document != NULL)
    note = ds_output_task_get_note (self->document, current_layer (self));
  gtk_label_set_text (GTK_LABEL (self->task_note), note ? note : "");
  gtk_widget_set_visible (self->task_note, note != NULL);
}

/* Sets one parameter from text and records the edit; consecutive changes of
 * the same parameter undo as one. */
static gboolean
apply (DsProperties *self,
       const char   *pname,
       const char   *text,
       GtkWidget    *editor)
{
  NnModel *m;
  int layer = current_layer (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *old = NULL;
  g_autofree char *key = NULL;
  g_autofree char *label = NULL;
  g_autofree char *pretty = NULL;

  if (layer < 0)
    return FALSE;
  /* A text field losing focus while the panel switches to another layer
   * must not write into that other layer. */
  if (g_strcmp0 (g_object_get_data (G_OBJECT (editor), "ds-layer"), self->layer_name) != 0)
    return FALSE;
  m = ds_document_get_model (self->document);
  old = nn_model_layer_dup_param_text (m, layer, pname);
  if (g_strcmp0 (old, text) == 0)
    {
      mark_error (editor, NULL);
      return TRUE;
    }
  if (!nn_model_layer_set_param (m, layer, pname, text, &error))
    {
      mark_error (editor, error->message);
      g_signal_emit (self, signals[SHOW_MESSAGE], 0, error->message);
      return FALSE;
    }
  mark_error (editor, NULL);
  key = g_strdup_printf ("param:%s:%s", self->layer_name, pname);
  pretty = ds_pretty_param_name (pname);
  label = g_strdup_printf (_("Change %s"), pretty);
  self->committing = TRUE;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, label, key);
  self->committing = FALSE;
  update_task_note (self);
  return TRUE;
}

static void
spin_changed_cb (GtkSpinButton *spin,
                 DsProperties  *self)
{
  const char *pname = g_object_get_data (G_OBJECT (spin), "ds-param");
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (gtk_spin_button_get_digits (spin) == 0)
    g_snprintf (buf, sizeof buf, "%d", gtk_spin_button_get_value_as_int (spin));
  else
    g_ascii_formatd (buf, sizeof buf, "%.6g", gtk_spin_button_get_value (spin));
  apply (self, pname, buf, GTK_WIDGET (spin));
}

/* Floats show as "0.001", not "0.001000". */
static gboolean
spin_output_cb (GtkSpinButton *spin)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (buf, sizeof buf, "%.6g", gtk_spin_button_get_value (spin));
  if (g_strcmp0 (buf, gtk_editable_get_text (GTK_EDITABLE (spin))) != 0)
    gtk_editable_set_text (GTK_EDITABLE (spin), buf);
  return TRUE;
}

static int
spin_input_cb (GtkSpinButton *spin,
               double        *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  if (end == text)
    return GTK_INPUT_ERROR;
  return TRUE;
}

static void
switch_cb (GtkSwitch    *sw,
           GParamSpec   *pspec,
           DsProperties *self)
{
  const char *pname = g_object_get_data (G_OBJECT (sw), "ds-param");

  apply (self, pname, gtk_switch_get_active (sw) ? "true" : "false", GTK_WIDGET (sw));
}

static void
combo_cb (GtkDropDown  *dropdown,
          GParamSpec   *pspec,
          DsProperties *self)
{
  const char *pname = g_object_get_data (G_OBJECT (dropdown), "ds-param");
  const NnParamSpec *spec = g_object_get_data (G_OBJECT (dropdown), "ds-spec");
  guint i = gtk_drop_down_get_selected (dropdown);

  if (spec->choices == NULL || i == GTK_INVALID_LIST_POSITION)
    return;
  apply (self, pname, spec->choices[i], GTK_WIDGET (dropdown));
}

static void
entry_apply (GtkEntry     *entry,
             DsProperties *self)
{
  const char *pname = g_object_get_data (G_OBJECT (entry), "ds-param");

  apply (self, pname, gtk_editable_get_text (GTK_EDITABLE (entry)), GTK_WIDGET (entry));
}

static void
entry_focus_leave_cb (GtkEventControllerFocus *focus,
                      DsProperties            *self)
{
  entry_apply (GTK_ENTRY (gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (focus))), self);
}

static void
trainable_cb (GtkSwitch    *sw,
              GParamSpec   *pspec,
              DsProperties *self)
{
  int layer = current_layer (self);
  NnModel *m;

  if (layer < 0)
    return;
  m = ds_document_get_model (self->document);
  if (nn_model_layer_get_trainable (m, layer) == gtk_switch_get_active (sw))
    return;
  nn_model_layer_set_trainable (m, layer, gtk_switch_get_active (sw));
  self->committing = TRUE;
  ds_document_commit (self->document, DS_CHANGE_PARAMS,
                      gtk_switch_get_active (sw) ? _("Unfreeze Layer") : _("Freeze Layer"), NULL);
  self->committing = FALSE;
}

/* ---- Load Weights From… (a Model layer) ------------------------------------ */

gboolean
ds_properties_load_weights (DsProperties  *self,
                            NnModel       *src,
                            const char    *src_name,
                            GError       **error)
{
  int layer = current_layer (self);
  g_autofree char *label = NULL;
  g_autofree char *done = NULL;
  int n;

  g_return_val_if_fail (DS_IS_PROPERTIES (self), FALSE);
  if (layer < 0 || nn_model_layer_get_submodel (ds_document_get_model (self->document), layer)
                   == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                   _("Select a Model layer to load weights into"));
      return FALSE;
    }
  n = nn_model_copy_weights_into (ds_document_get_model (self->document), layer, src,
                                  nn_model_get_defaults (ds_document_get_model (self->document))->seed,
                                  error);
  if (n < 0)
    return FALSE;
  label = g_strdup_printf (_("Load Weights into %s"), self->layer_name);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, label, NULL);
  done = g_strdup_printf (ngettext ("%d layer of %s took the weights of %s",
                                    "%d layers of %s took the weights of %s", n),
                          n, self->layer_name, src_name);
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, done);
  return TRUE;
}

gboolean
ds_properties_load_weights_from_path (DsProperties  *self,
                                      const char    *path,
                                      GError       **error)
{
  g_autoptr(NnModel) src = nn_model_load (path, error);
  g_autofree char *base = g_path_get_basename (path);

  return src && ds_properties_load_weights (self, src, base, error);
}

static void
weights_chosen_cb (GFile    *file,
                   gpointer  data)
{
  DsProperties *self = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;

  if (path && !ds_properties_load_weights_from_path (self, path, &error))
    g_signal_emit (self, signals[SHOW_MESSAGE], 0, error->message);
}

static void
load_weights_cb (DsProperties *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Model files"));
  gtk_file_filter_add_suffix (filter, "json");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Load Weights From a Model"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Load"), NULL, filter,
                        weights_chosen_cb, self);
}

static void
name_apply_cb (AdwEntryRow  *row,
               DsProperties *self)
{
  int layer = current_layer (self);
  const char *name = gtk_editable_get_text (GTK_EDITABLE (row));

  if (layer < 0 || g_strcmp0 (name, self->layer_name) == 0)
    return;
  /* The build view renames through the canvas, which keeps the selection
   * (kept by name) in step. */
  g_signal_emit (self, signals[RENAME], 0, layer, name);
}

static GtkWidget *
make_editor (DsProperties      *self,
             const NnParamSpec *spec,
             const char        *text,
             GtkWidget        **row_out)
{
  g_autofree char *title = ds_pretty_param_name (spec->name);
  GtkWidget *row, *editor;

  if (spec->type == NN_PARAM_ENUM && spec->choices != NULL)
    {
      guint selected = 0;

      /* A drop-down beside the text, like the other editors, so that a long
       * help text never squeezes the value out of sight. */
      row = adw_action_row_new ();
      editor = gtk_drop_down_new_from_strings ((const char * const *) spec->choices);
      for (guint i = 0; spec->choices[i]; i++)
        if (g_strcmp0 (spec->choices[i], text) == 0)
          selected = i;
      gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), selected);
      gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
      g_object_set_data (G_OBJECT (editor), "ds-spec", (gpointer) spec);
      g_signal_connect (editor, "notify::selected", G_CALLBACK (combo_cb), self);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      gtk_accessible_update_property (GTK_ACCESSIBLE (editor),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
    }
  else
    {
      row = adw_action_row_new ();
      switch (spec->type)
        {
        case NN_PARAM_BOOL:
          editor = gtk_switch_new ();
          gtk_switch_set_active (GTK_SWITCH (editor), g_strcmp0 (text, "true") == 0);
          gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), editor);
          g_signal_connect (editor, "notify::active", G_CALLBACK (switch_cb), self);
          break;

        case NN_PARAM_INT:
        case NN_PARAM_FLOAT:
          {
            gboolean is_int = spec->type == NN_PARAM_INT;
            double lo = spec->min, hi = spec->max, step;

            if (!(hi > lo))
              {
                lo = is_int ? -1e9 : -1e12;
                hi = -lo;
              }
            if (is_int)
              step = 1;
            else
              step = MIN (pow (10, floor (log10 (hi - lo)) - 1), 0.01);
            editor = gtk_spin_button_new_with_range (lo, hi, step);
            gtk_spin_button_set_digits (GTK_SPIN_BUTTON (editor), is_int ? 0 : 6);
            gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (editor), FALSE);
            gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor), g_ascii_strtod (text ? text : "0", NULL));
            if (!is_int)
              {
                g_signal_connect (editor, "output", G_CALLBACK (spin_output_cb), NULL);
                g_signal_connect (editor, "input", G_CALLBACK (spin_input_cb), NULL);
                spin_output_cb (GTK_SPIN_BUTTON (editor));
              }
            gtk_editable_set_width_chars (GTK_EDITABLE (editor), 6);
            gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
            g_signal_connect (editor, "value-changed", G_CALLBACK (spin_changed_cb), self);
          }
          break;

        case NN_PARAM_SHAPE:
        case NN_PARAM_STRING:
        case NN_PARAM_ENUM:
        default:
          {
            GtkEventController *focus = gtk_event_controller_focus_new ();

            editor = gtk_entry_new ();
            gtk_editable_set_text (GTK_EDITABLE (editor), text ? text : "");
            gtk_editable_set_width_chars (GTK_EDITABLE (editor), 9);
            gtk_widget_set_valign (editor, GTK_ALIGN_CENTER);
            /* An empty field means the default; say what that is. */
            gtk_entry_set_placeholder_text (GTK_ENTRY (editor),
                                            spec->def && *spec->def ? spec->def : _("default"));
            g_signal_connect (editor, "activate", G_CALLBACK (entry_apply), self);
            g_signal_connect (focus, "leave", G_CALLBACK (entry_focus_leave_cb), self);
            gtk_widget_add_controller (editor, focus);
          }
          break;
        }
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), editor);
      gtk_accessible_update_property (GTK_ACCESSIBLE (editor),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  if (spec->help && *spec->help)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(spec->help));
  g_object_set_data_full (G_OBJECT (editor), "ds-param", g_strdup (spec->name), g_free);
  g_object_set_data_full (G_OBJECT (editor), "ds-layer", g_strdup (self->layer_name), g_free);
  *row_out = row;
  return editor;
}

static void
clear (DsProperties *self)
{
  GtkWidget *child;

  g_hash_table_remove_all (self->editors);
  self->task_note = NULL;
  while ((child = gtk_widget_get_first_child (self->box)))
    gtk_box_remove (GTK_BOX (self->box), child);
}


/* The layer's one-line help, its formula from the help table in bold, and
 * the formula of its activation when it has one ("relu: f(x) = max(0, x)"),
 * as markup (the group's description is markup; formulas have "<"). */
static char *
layer_about (NnModel *m,
             int      layer)
{
  const NnLayerType *t = nn_model_layer_get_type (m, layer);
  const NnHelp *h = nn_help_lookup (NN_HELP_LAYER, nn_layer_type_get_name (t));
  g_autofree char *act = nn_model_layer_dup_param_text (m, layer, "activation");
  const NnHelp *a = act ? nn_help_lookup (NN_HELP_ACTIVATION, act) : NULL;
  GString *s = g_string_new (NULL);
  g_autofree char *help = g_markup_escape_text (nn_layer_type_get_help (t), -1);
  g_autofree char *formula = h ? g_markup_printf_escaped ("\n<b>%s</b>\n%s", h->formula, _(h->text))
                               : NULL;
  g_autofree char *activation = a && !g_str_equal (act, "linear")
                                ? g_markup_printf_escaped ("\n%s: <b>%s</b>", act, a->formula)
                                : NULL;

  g_string_append (s, help);
  if (formula)
    g_string_append (s, formula);
  if (activation)
    g_string_append (s, activation);
  return g_string_free (s, FALSE);
}

static void
rebuild (DsProperties *self)
{
  int layer = current_layer (self);
  NnModel *m;
  const NnLayerType *t;
  GtkWidget *group, *row, *name_row;
  const char *error;

  clear (self);
  if (layer < 0)
    {
      GtkWidget *status = adw_status_page_new ();

      adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "ds-build-symbolic");
      adw_status_page_set_title (ADW_STATUS_PAGE (status), _("No Layer Selected"));
      adw_status_page_set_description (ADW_STATUS_PAGE (status),
                                       _("Select a layer on the canvas to edit its settings"));
      gtk_widget_add_css_class (status, "compact");
      gtk_widget_set_vexpand (status, TRUE);
      gtk_box_append (GTK_BOX (self->box), status);
      return;
    }

  m = ds_document_get_model (self->document);
  t = nn_model_layer_get_type (m, layer);

  group = adw_preferences_group_new ();
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), nn_layer_type_get_name (t));
  {
    g_autofree char *about = layer_about (m, layer);

    adw_preferences_group_set_description (ADW_PREFERENCES_GROUP (group), about);
  }
  gtk_box_append (GTK_BOX (self->box), group);

  error = nn_model_layer_get_error (m, layer);
  if (error != NULL)
    {
      GtkWidget *label = gtk_label_new (error);

      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "layer-error");
      gtk_widget_set_margin_bottom (label, 12);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), label);
    }

  self->task_note = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->task_note), TRUE);
  gtk_label_set_xalign (GTK_LABEL (self->task_note), 0);
  gtk_widget_add_css_class (self->task_note, "dim-label");
  gtk_widget_set_margin_bottom (self->task_note, 12);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), self->task_note);
  update_task_note (self);

  name_row = adw_entry_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (name_row), _("Name"));
  gtk_editable_set_text (GTK_EDITABLE (name_row), self->layer_name);
  adw_entry_row_set_show_apply_button (ADW_ENTRY_ROW (name_row), TRUE);
  g_signal_connect (name_row, "apply", G_CALLBACK (name_apply_cb), self);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), name_row);
  g_hash_table_insert (self->editors, g_strdup ("name"), name_row);

  if (nn_layer_type_get_min_inputs (t) > 0)
    {
      GtkWidget *sw = gtk_switch_new ();

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Trainable"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("Off freezes the weights (transfer learning)"));
      gtk_switch_set_active (GTK_SWITCH (sw), nn_model_layer_get_trainable (m, layer));
      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
      g_signal_connect (sw, "notify::active", G_CALLBACK (trainable_cb), self);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
      g_hash_table_insert (self->editors, g_strdup ("trainable"), sw);
    }

  if (nn_model_layer_get_submodel (m, layer) != NULL)
    {
      /* Below the rows, full width: beside a title the button would leave
       * the text a word per line in this narrow pane. */
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
      GtkWidget *button = gtk_button_new_with_mnemonic (_("_Load Weights From…"));
      GtkWidget *label = gtk_label_new (_("Copy a trained base from a saved model: its layers of "
                                          "the same names and shapes"));

      gtk_widget_set_margin_top (box, 12);
      gtk_widget_set_name (button, "load_weights");
      gtk_widget_set_tooltip_text (button, _("Copy the weights of a model file's layers of the "
                                             "same names into this Model layer (undoable)"));
      g_signal_connect_swapped (button, "clicked", G_CALLBACK (load_weights_cb), self);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (box), button);
      gtk_box_append (GTK_BOX (box), label);
      adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), box);
      g_hash_table_insert (self->editors, g_strdup ("load_weights"), button);
    }

  if (nn_layer_type_get_n_params (t) > 0)
    {
      group = adw_preferences_group_new ();
      adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (group), _("Parameters"));
      gtk_box_append (GTK_BOX (self->box), group);
      for (guint p = 0; p < nn_layer_type_get_n_params (t); p++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (t, p);
          g_autofree char *text = nn_model_layer_dup_param_text (m, layer, spec->name);
          GtkWidget *editor = make_editor (self, spec, text, &row);

          adw_preferences_group_add (ADW_PREFERENCES_GROUP (group), row);
          g_hash_table_insert (self->editors, g_strdup (spec->name), editor);
        }
    }
}

void
ds_properties_set_layer (DsProperties *self,
                         int           layer)
{
  const char *name = NULL;

  g_return_if_fail (DS_IS_PROPERTIES (self));
  if (self->document && layer >= 0)
    name = nn_model_layer_get_name (ds_document_get_model (self->document), layer);
  if (name && g_strcmp0 (name, self->layer_name) == 0 && g_hash_table_size (self->editors) > 0)
    return;
  g_free (self->layer_name);
  self->layer_name = g_strdup (name);
  rebuild (self);
}

static void
document_changed_cb (DsProperties *self,
                     guint         what)
{
  /* Our own edit already shows; rebuilding would take the focus away from
   * the spin button being typed in. Undo, redo and open rebuild. */
  if (self->committing || what == DS_CHANGE_POSITIONS)
    return;
  rebuild (self);
}

void
ds_properties_set_document (DsProperties *self,
                            DsDocument   *document)
{
  g_return_if_fail (DS_IS_PROPERTIES (self));
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document)
    g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_clear_pointer (&self->layer_name, g_free);
  rebuild (self);
}

static void
ds_properties_dispose (GObject *object)
{
  DsProperties *self = DS_PROPERTIES (object);

  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  ds_file_chooser_clear (&self->chooser);
  if (self->box)
    {
      g_hash_table_remove_all (self->editors);
      self->task_note = NULL;
      gtk_widget_unparent (self->box);
      self->box = NULL;
    }
  G_OBJECT_CLASS (ds_properties_parent_class)->dispose (object);
}

static void
ds_properties_finalize (GObject *object)
{
  DsProperties *self = DS_PROPERTIES (object);

  g_free (self->layer_name);
  g_hash_table_unref (self->editors);
  G_OBJECT_CLASS (ds_properties_parent_class)->finalize (object);
}

static void
ds_properties_class_init (DsPropertiesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_properties_dispose;
  object_class->finalize = ds_properties_finalize;

  /**
   * DsProperties::rename:
   * @layer: the layer index
   * @name: the new name
   */
  signals[RENAME] =
    g_signal_new ("rename", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_STRING);
  signals[SHOW_MESSAGE] =
    g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "properties");
}

static void
ds_properties_init (DsProperties *self)
{
  self->editors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 18);
  gtk_widget_set_margin_start (self->box, 12);
  gtk_widget_set_margin_end (self->box, 12);
  gtk_widget_set_margin_top (self->box, 12);
  gtk_widget_set_margin_bottom (self->box, 12);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  rebuild (self);
}

GtkWidget *
ds_properties_new (void)
{
  return g_object_new (DS_TYPE_PROPERTIES, NULL);
}
