/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-edit.c: the model the playground edits, the edits its controls
 * make, and the settings strip that holds them. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-playground-private.h"

/* ---- the model ------------------------------------------------------------ */

NnModel *
_ds_playground_doc_model (DsPlayground *self)
{
  return self->document ? ds_document_get_model (self->document) : NULL;
}

gboolean
_ds_playground_is_dense (NnModel *m,
                         int      l)
{
  const NnLayerType *t = nn_model_layer_get_type (m, l);

  return t && g_strcmp0 (nn_layer_type_get_name (t), "Dense") == 0;
}

/* TRUE when m is Input → Dense… → Dense, one call each, one output: the
 * models the playground edits. */
gboolean
_ds_playground_chain_find (NnModel *m,
                           Chain   *c)
{
  int l;

  c->hidden = g_array_new (FALSE, FALSE, sizeof (int));
  c->input = c->output = -1;
  if (m == NULL || nn_model_get_n_inputs (m) != 1)
    return FALSE;
  c->input = nn_model_get_input_layer (m, 0);
  /* The output: the one Dense layer nothing reads. */
  for (l = 0; l < nn_model_get_n_layers (m); l++)
    {
      gboolean read = FALSE;

      for (int k = 0; k < nn_model_get_n_layers (m) && !read; k++)
        for (int s = 0; nn_model_layer_get_n_calls (m, k) > 0
                        && s < nn_model_call_get_n_inputs (m, k, 0); s++)
          read |= nn_model_call_get_input (m, k, 0, s).layer == l;
      if (!read && l != c->input)
        {
          if (c->output >= 0)
            return FALSE;
          c->output = l;
        }
    }
  if (c->output < 0 || !_ds_playground_is_dense (m, c->output))
    return FALSE;
  for (l = c->output;;)
    {
      NnRef src;

      if (nn_model_layer_get_n_calls (m, l) != 1 || nn_model_call_get_n_inputs (m, l, 0) != 1)
        return FALSE;
      src = nn_model_call_get_input (m, l, 0, 0);
      if (src.layer == c->input)
        break;
      if (!_ds_playground_is_dense (m, src.layer) || c->hidden->len >= (guint) nn_model_get_n_layers (m))
        return FALSE;
      g_array_prepend_val (c->hidden, src.layer);
      l = src.layer;
    }
  return (int) c->hidden->len + 2 == nn_model_get_n_layers (m);
}

void
_ds_playground_chain_clear (Chain *c)
{
  g_clear_pointer (&c->hidden, g_array_unref);
}

/* The document's dataset spec (or the store's), never NULL. */
const char *
_ds_playground_current_spec (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  const char *spec = m ? nn_model_get_dataset (m) : NULL;

  if ((spec == NULL || *spec == '\0') && self->document)
    spec = ds_dataset_store_get_spec (ds_document_get_dataset_store (self->document));
  return spec ? spec : "spirals";
}

/* spec with option key set to value (NULL: removed). */
static char *
spec_with (const char *spec,
           const char *key,
           const char *value)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  GString *s = g_string_new (parts[0]);

  for (int i = 1; parts[i]; i++)
    if (!g_str_has_prefix (parts[i], prefix))
      g_string_append_printf (s, ":%s", parts[i]);
  if (value)
    g_string_append_printf (s, ":%s=%s", key, value);
  return g_string_free (s, FALSE);
}

/* The value of option key in spec (owned), or NULL. */
char *
_ds_playground_spec_get (const char *spec,
                         const char *key)
{
  g_auto(GStrv) parts = g_strsplit (spec, ":", -1);
  g_autofree char *prefix = g_strconcat (key, "=", NULL);
  char *value = NULL;

  for (int i = 1; parts[i]; i++)
    if (g_str_has_prefix (parts[i], prefix))
      {
        g_free (value);
        value = g_strdup (parts[i] + strlen (prefix));
      }
  return value;
}

guint
_ds_playground_spec_features (const char *spec)
{
  g_autofree char *text = _ds_playground_spec_get (spec, "features");
  guint mask = NN_FEATURES_XY;

  if (text && !nn_features_parse (text, &mask, NULL))
    mask = NN_FEATURES_XY;
  return mask;
}

/* Records an edit of the document's model as one undo step; a live run of
 * the old model stops (its pictures would no longer match). */
static void
commit (DsPlayground *self,
        DsChange      what,
        const char   *label,
        const char   *merge_key)
{
  if (self->run && ds_training_run_is_live (self->run))
    ds_training_run_stop (self->run);
  ds_document_commit (self->document, what, label, merge_key);
}

/* A new dataset spec: into the model, and loading. */
static void
set_spec (DsPlayground *self,
          const char   *spec,
          const char   *label)
{
  DsDatasetStore *store = ds_document_get_dataset_store (self->document);
  NnModel *m = _ds_playground_doc_model (self);
  g_autofree char *width = g_strdup_printf ("%d", nn_features_count (_ds_playground_spec_features (spec)));
  g_autofree char *copy = g_strdup (spec);

  nn_model_set_dataset (m, copy);
  if (nn_model_get_n_inputs (m) == 1)
    nn_model_layer_set_param (m, nn_model_get_input_layer (m, 0), "shape", width, NULL);
  commit (self, DS_CHANGE_PARAMS, label, NULL);
  ds_dataset_store_load (store, copy, ds_dataset_store_get_flags (store));
}

/* ---- edits ---------------------------------------------------------------- */

void
_ds_playground_feature_toggled_cb (GtkToggleButton *button,
                                   DsPlayground    *self)
{
  guint mask = 0;
  g_autofree char *list = NULL;
  g_autofree char *spec = NULL;

  if (self->updating || self->document == NULL)
    return;
  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      mask |= 1u << f;
  if (mask == 0)
    {
      /* The model needs at least one input. */
      self->updating = TRUE;
      gtk_toggle_button_set_active (button, TRUE);
      self->updating = FALSE;
      return;
    }
  list = nn_features_to_string (mask);
  spec = spec_with (_ds_playground_current_spec (self), "features", mask == NN_FEATURES_XY ? NULL : list);
  set_spec (self, spec, _("Choose Input Features"));
}

void
_ds_playground_units_cb (GtkButton    *button,
                         DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  int layer = nn_model_find_layer (m, g_object_get_data (G_OBJECT (button), "ds-layer"));
  int delta = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (button), "ds-delta"));
  const NnValue *v;
  g_autofree char *text = NULL;
  g_autofree char *label = NULL;

  if (layer < 0 || (v = nn_model_layer_get_param (m, layer, "units")) == NULL)
    return;
  if (v->i + delta < 1 || v->i + delta > MAX_UNITS)
    return;
  text = g_strdup_printf ("%d", v->i + delta);
  if (!nn_model_layer_set_param (m, layer, "units", text, NULL))
    return;
  label = g_strdup_printf (_("%s Units of %s"), delta > 0 ? _("Add") : _("Remove"),
                           nn_model_layer_get_name (m, layer));
  commit (self, DS_CHANGE_PARAMS, label, NULL);
}

void
_ds_playground_add_layer_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  Chain c;
  int prev, layer;
  double x, y, ox, oy;
  g_autofree char *units = NULL;
  g_autofree char *act = NULL;

  if (m == NULL || !_ds_playground_chain_find (m, &c) || c.hidden->len >= MAX_HIDDEN)
    {
      _ds_playground_chain_clear (&c);
      return;
    }
  prev = c.hidden->len ? g_array_index (c.hidden, int, c.hidden->len - 1) : c.input;
  units = c.hidden->len ? nn_model_layer_dup_param_text (m, prev, "units") : g_strdup ("4");
  act = c.hidden->len ? nn_model_layer_dup_param_text (m, prev, "activation") : g_strdup ("relu");
  layer = nn_model_add_layer (m, "Dense", NULL, NULL);
  if (layer < 0
      || !nn_model_layer_set_param (m, layer, "units", units, NULL)
      || !nn_model_layer_set_param (m, layer, "activation", act, NULL)
      || !nn_model_disconnect (m, c.output, 0, 0)
      || !nn_model_connect (m, (NnRef) { prev, 0 }, layer, 0, NULL)
      || !nn_model_connect (m, (NnRef) { layer, 0 }, c.output, 0, NULL))
    {
      ds_document_revert (self->document);
      _ds_playground_chain_clear (&c);
      return;
    }
  /* In the Build view: where the output was, the output one step on. */
  nn_model_layer_get_position (m, prev, &x, &y);
  nn_model_layer_get_position (m, c.output, &ox, &oy);
  nn_model_layer_set_position (m, layer, ox, oy);
  nn_model_layer_set_position (m, c.output, ox + (ox - x > 0 ? ox - x : 240), oy);
  _ds_playground_chain_clear (&c);
  commit (self, DS_CHANGE_STRUCTURE, _("Add Hidden Layer"), NULL);
}

void
_ds_playground_remove_layer_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  Chain c;
  int last, prev;
  g_autofree char *out_name = NULL;
  g_autofree char *prev_name = NULL;
  double x, y;

  if (m == NULL || !_ds_playground_chain_find (m, &c) || c.hidden->len == 0)
    {
      _ds_playground_chain_clear (&c);
      return;
    }
  last = g_array_index (c.hidden, int, c.hidden->len - 1);
  prev = c.hidden->len > 1 ? g_array_index (c.hidden, int, c.hidden->len - 2) : c.input;
  out_name = g_strdup (nn_model_layer_get_name (m, c.output));
  prev_name = g_strdup (nn_model_layer_get_name (m, prev));
  nn_model_layer_get_position (m, last, &x, &y);
  _ds_playground_chain_clear (&c);
  if (!nn_model_remove_layer (m, last, NULL)
      || !nn_model_connect (m, (NnRef) { nn_model_find_layer (m, prev_name), 0 },
                            nn_model_find_layer (m, out_name), 0, NULL))
    {
      ds_document_revert (self->document);
      return;
    }
  nn_model_layer_set_position (m, nn_model_find_layer (m, out_name), x, y);
  commit (self, DS_CHANGE_STRUCTURE, _("Remove Hidden Layer"), NULL);
}

static void
activation_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  guint i = gtk_drop_down_get_selected (self->activation_drop);
  Chain c;

  if (self->updating || m == NULL || i >= g_strv_length (self->activations))
    return;
  if (_ds_playground_chain_find (m, &c))
    {
      for (guint k = 0; k < c.hidden->len; k++)
        nn_model_layer_set_param (m, g_array_index (c.hidden, int, k), "activation",
                                  self->activations[i], NULL);
      commit (self, DS_CHANGE_PARAMS, _("Change Activation"), NULL);
    }
  _ds_playground_chain_clear (&c);
}

static void
lr_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  guint i = gtk_drop_down_get_selected (self->lr_drop);
  double lr;

  if (self->updating || m == NULL || i >= g_strv_length ((char **) rates))
    return;
  lr = g_ascii_strtod (rates[i], NULL);
  nn_model_get_optimizer (m)->learning_rate = lr;
  /* A live run takes it at once, as the Train view's field does. */
  if (self->run && ds_training_run_is_live (self->run))
    ds_training_run_set_lr (self->run, lr);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Learning Rate"), NULL);
}

static void
regularization_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  guint kind = gtk_drop_down_get_selected (self->reg_drop);
  guint r = gtk_drop_down_get_selected (self->reg_rate_drop);
  const char *rate;
  gboolean live = self->run && ds_training_run_is_live (self->run);

  if (self->updating || m == NULL)
    return;
  /* L1 or L2 at rate 0 would be no penalty, and the strip would show None
   * again: a kind chosen starts at the smallest rate. */
  if (kind != 0 && r == 0)
    {
      self->updating = TRUE;
      gtk_drop_down_set_selected (self->reg_rate_drop, r = 1);
      self->updating = FALSE;
    }
  rate = r < g_strv_length ((char **) reg_rates) ? reg_rates[r] : "0";
  gtk_widget_set_sensitive (GTK_WIDGET (self->reg_rate_drop), kind != 0);
  /* Every Dense kernel is penalized, as in TensorFlow Playground; a live
   * run takes the new penalty before its next batch. */
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (_ds_playground_is_dense (m, l))
      {
        const char *l1 = kind == 1 ? rate : "0", *l2 = kind == 2 ? rate : "0";

        nn_model_layer_set_param (m, l, "kernel_l1", l1, NULL);
        nn_model_layer_set_param (m, l, "kernel_l2", l2, NULL);
        if (live)
          {
            ds_training_run_set_param (self->run, nn_model_layer_get_name (m, l), "kernel_l1", l1, NULL);
            ds_training_run_set_param (self->run, nn_model_layer_get_name (m, l), "kernel_l2", l2, NULL);
          }
      }
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Regularization"), NULL);
}

static void
batch_cb (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);

  if (self->updating || m == NULL)
    return;
  nn_model_get_defaults (m)->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Batch Size"), "playground-batch");
}

static void
data_option_cb (DsPlayground *self)
{
  g_autofree char *spec = NULL;
  g_autofree char *noise = NULL;
  g_autofree char *test = NULL;
  g_autofree char *base = NULL;
  guint d = gtk_drop_down_get_selected (self->dataset_drop);

  if (self->updating || self->document == NULL || d >= g_strv_length ((char **) dataset_specs))
    return;
  /* The dataset's name first, then the options the strip sets. */
  base = spec_with (_ds_playground_current_spec (self), "noise", NULL);
  spec = g_strconcat (dataset_specs[d], strchr (base, ':') ? strchr (base, ':') : "", NULL);
  noise = g_strdup_printf ("%g", gtk_spin_button_get_value (self->noise_spin));
  g_free (base);
  base = spec_with (spec, "noise", noise);
  test = g_strdup_printf ("%g", 1 - gtk_spin_button_get_value (self->ratio_spin) / 100.0);
  g_free (spec);
  spec = spec_with (base, "test", test);
  if (g_strcmp0 (spec, _ds_playground_current_spec (self)) != 0)
    set_spec (self, spec, _("Change Dataset"));
}

void
_ds_playground_open_build_cb (DsPlayground *self)
{
  /* The window switches views: the Build view shows the same model. */
  gtk_widget_activate_action (GTK_WIDGET (self), "win.show-view", "s", "build");
}

/* ---- the strip ------------------------------------------------------------ */

static void
strip_add (DsPlayground *self,
           const char   *title,
           GtkWidget    *control)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *label = gtk_label_new (title);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_widget_add_css_class (label, "dim-label");
  gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), control);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_flow_box_append (self->strip, box);
  gtk_widget_set_can_focus (gtk_widget_get_parent (box), FALSE);
}

static GtkDropDown *
strip_drop (DsPlayground      *self,
            const char        *title,
            const char *const *items,
            GCallback          changed)
{
  g_autoptr(GtkStringList) list = gtk_string_list_new (NULL);
  GtkDropDown *drop;

  /* The tables hold N_() names: the choices show their translations. */
  for (guint i = 0; items[i]; i++)
    gtk_string_list_append (list, _(items[i]));
  drop = GTK_DROP_DOWN (gtk_drop_down_new (G_LIST_MODEL (g_object_ref (list)), NULL));

  strip_add (self, title, GTK_WIDGET (drop));
  g_signal_connect_swapped (drop, "notify::selected", changed, self);
  return drop;
}

static GtkSpinButton *
strip_spin (DsPlayground *self,
            const char   *title,
            double        lo,
            double        hi,
            double        step,
            int           digits,
            GCallback     changed)
{
  GtkSpinButton *spin = GTK_SPIN_BUTTON (gtk_spin_button_new_with_range (lo, hi, step));

  gtk_spin_button_set_digits (spin, (guint) digits);
  strip_add (self, title, GTK_WIDGET (spin));
  g_signal_connect_swapped (spin, "value-changed", changed, self);
  return spin;
}

static void
speed_cb (DsPlayground *self)
{
  if (self->run)
    ds_training_run_set_pace (self->run, ds_playground_get_pace (self));
  _ds_playground_schedule_update (self);
}

void
_ds_playground_build_strip (DsPlayground *self)
{
  const NnLayerType *dense = nn_layer_type_lookup ("Dense");
  g_autoptr(GStrvBuilder) acts = g_strv_builder_new ();

  for (guint i = 0; dense && i < nn_layer_type_get_n_params (dense); i++)
    {
      const NnParamSpec *p = nn_layer_type_get_param (dense, i);

      if (g_str_equal (p->name, "activation"))
        for (int k = 0; p->choices[k]; k++)
          if (!g_str_equal (p->choices[k], "softmax"))
            g_strv_builder_add (acts, p->choices[k]);
    }
  self->activations = g_strv_builder_end (acts);

  self->speed_drop = strip_drop (self, _("Speed"), speed_names, G_CALLBACK (speed_cb));
  gtk_drop_down_set_selected (self->speed_drop, G_N_ELEMENTS (speeds) - 1);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->speed_drop),
                               _("How fast training runs: slow enough to watch the boundary move after every batch, or at full speed"));
  self->continuous_check = GTK_CHECK_BUTTON (gtk_check_button_new_with_label (_("Run continuously")));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->continuous_check),
                               _("Train until you stop it rather than for the number of epochs set"));
  strip_add (self, _("Epochs"), GTK_WIDGET (self->continuous_check));
  self->dataset_drop = strip_drop (self, _("Data"), dataset_names, G_CALLBACK (data_option_cb));
  self->activation_drop = strip_drop (self, _("Activation"), (const char *const *) self->activations,
                                      G_CALLBACK (activation_cb));
  self->lr_drop = strip_drop (self, _("Learning rate"), rates, G_CALLBACK (lr_cb));
  self->reg_drop = strip_drop (self, _("Regularization"), reg_names, G_CALLBACK (regularization_cb));
  self->reg_rate_drop = strip_drop (self, _("Regularization rate"), reg_rates, G_CALLBACK (regularization_cb));
  self->batch_spin = strip_spin (self, _("Batch size"), 1, 256, 1, 0, G_CALLBACK (batch_cb));
  self->noise_spin = strip_spin (self, _("Noise"), 0, 1, 0.05, 2, G_CALLBACK (data_option_cb));
  self->ratio_spin = strip_spin (self, _("Training data %"), 10, 90, 10, 0, G_CALLBACK (data_option_cb));
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->ratio_spin),
                               _("The share of the points the model trains on; the rest test it"));
}

