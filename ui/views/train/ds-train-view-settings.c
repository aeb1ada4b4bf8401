/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsTrainView's settings form: optimizer, fitting, callbacks, loss and
 * metrics of each output and the parameters a live run can change. It
 * shows the model's values, writes changes back as undoable steps, and
 * fills the fit configuration a new run starts with. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-file-chooser.h"
#include "ds-train-view-private.h"
#include "ds-playground-private.h"
#include "ds-util.h"
#include "nn-help.h"

/* ---- help ----------------------------------------------------------------- */

static const char *const schedule_names[] = { "constant", "step", "exponential" };

/* The shared help table's text for a choice as the widget's tooltip, and
 * its formula as the row's subtitle when the row has one to show. */
static void
show_help (GtkWidget  *row,
           NnHelpKind  kind,
           const char *name,
           gboolean    caption)
{
  const NnHelp *help = name ? nn_help_lookup (kind, name) : NULL;
  g_autofree char *text = name ? nn_help_dup_text (kind, name) : NULL;

  gtk_widget_set_tooltip_text (row, text);
  if (caption)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), help ? help->formula : "");
}

/* The optimizer's and the schedule's formulas under their choices, the
 * callbacks' in their tooltips. */
void
_ds_train_view_update_help (DsTrainView *self)
{
  guint opt = adw_combo_row_get_selected (self->optimizer_row);
  guint sched = adw_combo_row_get_selected (self->schedule_row);

  show_help (GTK_WIDGET (self->optimizer_row), NN_HELP_OPTIMIZER,
             opt < NN_N_OPTIMIZERS ? nn_optimizer_name ((NnOptimizerKind) opt) : NULL, TRUE);
  show_help (GTK_WIDGET (self->schedule_row), NN_HELP_SCHEDULE,
             sched < G_N_ELEMENTS (schedule_names) ? schedule_names[sched] : NULL, TRUE);
  show_help (GTK_WIDGET (self->early_row), NN_HELP_CALLBACK, "EarlyStopping", FALSE);
  show_help (GTK_WIDGET (self->plateau_row), NN_HELP_CALLBACK, "ReduceLROnPlateau", FALSE);
  show_help (GTK_WIDGET (self->checkpoint_row), NN_HELP_CALLBACK, "ModelCheckpoint", FALSE);
  _ds_train_view_apply_locks (self);
}

/* ---- a lesson's locks ---------------------------------------------------- */

static const char locked_tip[] =
  N_("The lesson fixed this setting: close the lesson to change it");

static const char *const lockable[] = { "optimizer", "learning_rate", "epochs", "batch_size",
                                        "validation_split", "schedule", "early_stopping" };

/* The row that shows setting `name`. */
static GtkWidget *
lock_row (DsTrainView *self,
          const char  *name)
{
  if (g_str_equal (name, "optimizer"))
    return GTK_WIDGET (self->optimizer_row);
  if (g_str_equal (name, "learning_rate"))
    return gtk_widget_get_ancestor (GTK_WIDGET (self->lr_spin), ADW_TYPE_ACTION_ROW);
  if (g_str_equal (name, "epochs"))
    return gtk_widget_get_ancestor (GTK_WIDGET (self->epochs_spin), ADW_TYPE_ACTION_ROW);
  if (g_str_equal (name, "batch_size"))
    return gtk_widget_get_ancestor (GTK_WIDGET (self->batch_spin), ADW_TYPE_ACTION_ROW);
  if (g_str_equal (name, "validation_split"))
    return GTK_WIDGET (self->val_row);
  if (g_str_equal (name, "schedule"))
    return GTK_WIDGET (self->schedule_row);
  return GTK_WIDGET (self->early_row);
}

static void
lock_playground (DsTrainView *self,
                 const char  *control,
                 const char  *setting)
{
  GtkWidget *w = ds_playground_get_control (self->playground, control);
  gboolean locked = self->locked && g_strv_contains ((const char *const *) self->locked, setting);

  if (!w)
    return;
  gtk_widget_set_sensitive (w, !locked);
  gtk_widget_set_tooltip_text (w, locked ? _(locked_tip) : NULL);
}

void
_ds_train_view_apply_locks (DsTrainView *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (lockable); i++)
    {
      GtkWidget *row = lock_row (self, lockable[i]);
      gboolean locked = self->locked && g_strv_contains ((const char *const *) self->locked,
                                                         lockable[i]);

      gtk_widget_set_sensitive (row, !locked);
      if (locked)
        gtk_widget_set_tooltip_text (row, _(locked_tip));
    }
  /* The Playground's strip has its own learning rate and batch size. */
  lock_playground (self, "learning-rate", "learning_rate");
  lock_playground (self, "batch-size", "batch_size");
}

void
ds_train_view_set_locked (DsTrainView       *self,
                          const char *const *settings)
{
  g_return_if_fail (DS_IS_TRAIN_VIEW (self));
  g_strfreev (self->locked);
  self->locked = settings ? g_strdupv ((char **) settings) : NULL;
  /* The rows without a help text (learning rate to validation split)
   * lose the lock's tooltip; update_help sets the others' again. */
  for (guint i = 1; i <= 4; i++)
    gtk_widget_set_tooltip_text (lock_row (self, lockable[i]), NULL);
  _ds_train_view_update_help (self);
}

gboolean
ds_train_view_is_locked (DsTrainView *self,
                         const char  *setting)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), FALSE);
  return self->locked && g_strv_contains ((const char *const *) self->locked, setting);
}

/* ---- model → widgets ---------------------------------------------------- */

static const char *const metric_choices[] = { N_("None"), N_("Accuracy"), "MAE", "MSE", NULL };
static const NnMetric metric_values[] = { 0, NN_METRIC_ACCURACY, NN_METRIC_MAE, NN_METRIC_MSE };

static const char *
loss_title (NnLoss loss)
{
  switch (loss)
    {
    case NN_LOSS_BINARY_CROSSENTROPY:
      return _("Binary cross-entropy");
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
      return _("Categorical cross-entropy");
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      return _("Sparse categorical cross-entropy");
    case NN_LOSS_MSE:
      return _("Mean squared error");
    case NN_LOSS_MAE:
      return _("Mean absolute error");
    case NN_LOSS_NONE:
    default:
      return _("None");
    }
}

static void
loss_selected_cb (AdwComboRow *row,
                  GParamSpec  *pspec,
                  DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  int output = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ds-output"));
  guint sel = adw_combo_row_get_selected (row);

  show_help (GTK_WIDGET (row), NN_HELP_LOSS, sel < NN_N_LOSSES ? nn_loss_name ((NnLoss) sel) : NULL, FALSE);
  if (self->updating || output >= nn_model_get_n_outputs (m) || sel == GTK_INVALID_LIST_POSITION)
    return;
  nn_model_output_set_loss (m, output, (NnLoss) sel, nn_model_output_get_loss_weight (m, output));
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Loss"), NULL);
}

static void
metric_selected_cb (AdwComboRow *row,
                    GParamSpec  *pspec,
                    DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  int output = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ds-output"));
  guint sel = adw_combo_row_get_selected (row);

  show_help (GTK_WIDGET (row), NN_HELP_METRIC,
             sel > 0 && sel < G_N_ELEMENTS (metric_values) ? nn_metric_name (metric_values[sel]) : NULL, TRUE);
  if (self->updating || output >= nn_model_get_n_outputs (m) || sel >= G_N_ELEMENTS (metric_values))
    return;
  nn_model_output_set_metrics (m, output, &metric_values[sel], sel == 0 ? 0 : 1);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Metric"), NULL);
}

static void
live_param_cb (GtkSpinButton *spin,
               DsTrainView   *self)
{
  const char *layer = g_object_get_data (G_OBJECT (spin), "ds-layer");
  const char *param = g_object_get_data (G_OBJECT (spin), "ds-param");
  NnModel *m = _ds_train_view_model (self), *owner = NULL;
  /* a layer's name, or its path through Model layers ("encoder/z") */
  int l = nn_model_find_layer_path (m, layer, &owner);
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *label = NULL;

  if (self->updating || l < 0)
    return;
  g_ascii_formatd (text, sizeof text, "%g", gtk_spin_button_get_value (spin));

  /* A live run takes it before its next batch; the model keeps it for the
   * next runs. */
  if (_ds_train_view_current (self) && ds_training_run_is_live (_ds_train_view_current (self))
      && !ds_training_run_set_param (_ds_train_view_current (self), layer, param, text, &error))
    {
      _ds_train_view_set_status (self, error->message, TRUE);
      return;
    }
  if (!nn_model_layer_set_param (owner, l, param, text, &error))
    {
      _ds_train_view_set_status (self, error->message, TRUE);
      ds_document_revert (self->document);
      return;
    }
  key = g_strdup_printf ("train-param-%s-%s", layer, param);
  label = g_strdup_printf (_("Change %s of %s"), param, layer);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, label, key);
}

static GtkWidget *
spin_for (double min,
          double max,
          double step,
          int    digits,
          double value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (min, max, step);

  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), (guint) digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  return spin;
}

static gboolean
is_live_param (const NnParamSpec *spec)
{
  return spec->type == NN_PARAM_FLOAT
         && (spec->runtime || g_str_equal (spec->name, "kernel_l1") || g_str_equal (spec->name, "kernel_l2"));
}

/* Whether the Train view offers this parameter of a layer nested in a
 * Model layer: a VAE's beta when the Sampling layer is inside the encoder
 * (nn_trainer_set_param takes it by its path). */
static gboolean
is_live_nested (const NnLayerType *t,
                const NnParamSpec *spec)
{
  return g_str_equal (nn_layer_type_get_name (t), "Sampling") && g_str_equal (spec->name, "beta");
}

typedef void (*LiveParamFunc) (const char        *path,
                               const NnParamSpec *spec,
                               gpointer           data);

/* Calls func on each live parameter of m's layers, then on those of the
 * layers inside its Model layers (their paths "encoder/z"). */
static void
foreach_live_param (NnModel       *m,
                    const char    *prefix,
                    LiveParamFunc  func,
                    gpointer       data)
{
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);
      NnModel *sub = nn_model_layer_get_submodel (m, l);
      g_autofree char *path = prefix ? g_strdup_printf ("%s/%s", prefix, nn_model_layer_get_name (m, l))
                                     : g_strdup (nn_model_layer_get_name (m, l));

      for (guint p = 0; t && (!prefix || !sub) && p < nn_layer_type_get_n_params (t); p++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (t, p);

          if (prefix ? is_live_param (spec) && is_live_nested (t, spec) : is_live_param (spec))
            func (path, spec, data);
        }
      if (sub)
        foreach_live_param (sub, path, func, data);
    }
}

static void
signature_add (const char        *path,
               const NnParamSpec *spec,
               gpointer           data)
{
  g_string_append_printf (data, "%s.%s;", path, spec->name);
}

static char *
rows_signature (NnModel *m)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    g_string_append_printf (s, "o%d;", nn_model_get_output (m, i).layer);
  foreach_live_param (m, NULL, signature_add, s);
  return g_string_free (s, FALSE);
}

/* One live parameter's row: the layer (its path when nested) and what the
 * parameter is, with a spin that changes it. */
static void
add_live_row (const char        *path,
              const NnParamSpec *spec,
              gpointer           data)
{
  DsTrainView *self = data;
  GtkWidget *row, *spin;
  g_autofree char *pretty = NULL;
  g_autofree char *label = NULL;
  /* Rates move in twentieths; penalties and a VAE's beta (often about
   * 1/784) are small numbers that need their digits. */
  gboolean coarse = g_str_equal (spec->name, "rate");

  if (g_str_equal (spec->name, "kernel_l1"))
    pretty = g_strdup (_("L1 weight penalty"));
  else if (g_str_equal (spec->name, "kernel_l2"))
    pretty = g_strdup (_("L2 weight penalty"));
  else if (g_str_equal (spec->name, "rate"))
    pretty = g_strdup (_("Dropout rate"));
  else if (g_str_equal (spec->name, "beta"))
    pretty = g_strdup (_("KL weight (beta)"));
  else
    pretty = ds_pretty_param_name (spec->name);
  /* A nested layer's spin names its path too: "KL weight (beta) · encoder/z". */
  label = strchr (path, '/') ? g_strdup_printf ("%s · %s", pretty, path) : g_strdup (pretty);
  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), path);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pretty);
  spin = spin_for (spec->min, MIN (spec->max, 10), coarse ? 0.05 : 0.0001,
                   coarse ? 2 : g_str_equal (spec->name, "beta") ? 6 : 4, 0);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  gtk_widget_set_tooltip_text (spin, _(spec->help));
  g_object_set_data_full (G_OBJECT (spin), "ds-layer", g_strdup (path), g_free);
  g_object_set_data (G_OBJECT (spin), "ds-param", (gpointer) spec->name);
  g_object_set_data (G_OBJECT (row), "ds-spin", spin);
  g_signal_connect (spin, "value-changed", G_CALLBACK (live_param_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  adw_preferences_group_add (self->live_group, row);
  g_ptr_array_add (self->live_rows, row);
}

static void
rebuild_rows (DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  GtkStringList *losses = gtk_string_list_new (NULL);

  for (guint i = 0; i < self->output_rows->len; i++)
    adw_preferences_group_remove (self->outputs_group, self->output_rows->pdata[i]);
  for (guint i = 0; i < self->live_rows->len; i++)
    adw_preferences_group_remove (self->live_group, self->live_rows->pdata[i]);
  g_ptr_array_set_size (self->output_rows, 0);
  g_ptr_array_set_size (self->live_rows, 0);

  for (int k = 0; k < NN_N_LOSSES; k++)
    gtk_string_list_append (losses, loss_title ((NnLoss) k));

  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    {
      const char *name = nn_model_layer_get_name (m, nn_model_get_output (m, i).layer);
      GtkWidget *loss = adw_combo_row_new ();
      GtkWidget *metric = adw_combo_row_new ();
      g_autofree char *title = nn_model_get_n_outputs (m) > 1
        ? g_strdup_printf (_("Loss of %s"), name) : g_strdup (_("Loss"));
      g_autofree char *mtitle = nn_model_get_n_outputs (m) > 1
        ? g_strdup_printf (_("Metric of %s"), name) : g_strdup (_("Metric"));
      g_autoptr(GtkStringList) metrics = gtk_string_list_new (NULL);

      for (guint k = 0; metric_choices[k]; k++)
        gtk_string_list_append (metrics, _(metric_choices[k]));
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (loss), title);
      /* The names are long: the choice reads as the row's subtitle. */
      adw_combo_row_set_use_subtitle (ADW_COMBO_ROW (loss), TRUE);
      adw_combo_row_set_model (ADW_COMBO_ROW (loss), G_LIST_MODEL (losses));
      g_object_set_data (G_OBJECT (loss), "ds-output", GINT_TO_POINTER (i));
      g_signal_connect (loss, "notify::selected", G_CALLBACK (loss_selected_cb), self);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (metric), mtitle);
      adw_combo_row_set_model (ADW_COMBO_ROW (metric), G_LIST_MODEL (metrics));
      g_object_set_data (G_OBJECT (metric), "ds-output", GINT_TO_POINTER (i));
      g_signal_connect (metric, "notify::selected", G_CALLBACK (metric_selected_cb), self);
      adw_preferences_group_add (self->outputs_group, loss);
      adw_preferences_group_add (self->outputs_group, metric);
      g_ptr_array_add (self->output_rows, loss);
      g_ptr_array_add (self->output_rows, metric);
    }
  if (nn_model_get_n_outputs (m) == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No outputs yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _("Connect layers in the Build view"));
      adw_preferences_group_add (self->outputs_group, row);
      g_ptr_array_add (self->output_rows, row);
    }

  foreach_live_param (m, NULL, add_live_row, self);
  gtk_widget_set_visible (GTK_WIDGET (self->live_group), self->live_rows->len > 0);
  g_object_unref (losses);
}

/* Under the Outputs heading: where each automatic loss comes from, or why
 * an output has none, so the choice is seen before Train is pressed. */
static void
describe_losses (DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  g_autoptr(GString) text = g_string_new (NULL);

  for (int i = 0; self->document && i < nn_model_get_n_outputs (m); i++)
    {
      NnRef ref = nn_model_get_output (m, i);
      const char *name = nn_model_layer_get_name (m, ref.layer);
      g_autofree char *act = nn_model_layer_get_param (m, ref.layer, "activation")
                             ? nn_model_layer_dup_param_text (m, ref.layer, "activation")
                             : g_strdup ("linear");
      g_autoptr(GError) why = NULL;

      if (!ds_document_output_loss_is_automatic (self->document, i))
        continue;
      if (text->len)
        g_string_append_c (text, '\n');
      if (nn_model_output_get_loss (m, i) != NN_LOSS_NONE)
        g_string_append_printf (text, _("Chosen from the %s output of %s"), act, name);
      else if (nn_model_suggest_loss (m, ref, NULL, &why) == NN_LOSS_NONE && why)
        g_string_append (text, why->message);
    }
  adw_preferences_group_set_description (self->outputs_group, text->len ? text->str : NULL);
}

static void
sync_rows (DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  g_autofree char *sig = rows_signature (m);
  guint r = 0;

  /* Rebuilding would drop the focus from a spin being edited: only when
   * the set of outputs or live parameters changed. */
  if (g_strcmp0 (sig, self->rows_signature) != 0)
    {
      g_free (self->rows_signature);
      self->rows_signature = g_steal_pointer (&sig);
      rebuild_rows (self);
    }

  for (int i = 0; i < nn_model_get_n_outputs (m) && r + 1 < self->output_rows->len + 1; i++, r += 2)
    {
      NnMetric metric = nn_model_output_get_n_metrics (m, i) > 0 ? nn_model_output_get_metric (m, i, 0) : 0;
      guint msel = 0;

      if (r + 1 >= self->output_rows->len)
        break;
      adw_combo_row_set_selected (self->output_rows->pdata[r], (guint) nn_model_output_get_loss (m, i));
      if (nn_model_output_get_n_metrics (m, i) > 0)
        for (guint k = 1; k < G_N_ELEMENTS (metric_values); k++)
          if (metric_values[k] == metric
              || (k == 1 && metric >= NN_METRIC_ACCURACY && metric <= NN_METRIC_SPARSE_CATEGORICAL_ACCURACY))
            msel = k;
      adw_combo_row_set_selected (self->output_rows->pdata[r + 1], msel);
    }

  describe_losses (self);

  for (guint i = 0; i < self->live_rows->len; i++)
    {
      GtkSpinButton *spin = g_object_get_data (G_OBJECT (self->live_rows->pdata[i]), "ds-spin");
      NnModel *owner = NULL;
      int l = nn_model_find_layer_path (m, g_object_get_data (G_OBJECT (spin), "ds-layer"), &owner);
      const NnValue *v = l >= 0 ? nn_model_layer_get_param (owner, l, g_object_get_data (G_OBJECT (spin), "ds-param")) : NULL;

      if (v)
        gtk_spin_button_set_value (spin, v->f);
    }
}

void
_ds_train_view_sync_from_model (DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  NnOptimizerConfig *opt = nn_model_get_optimizer (m);
  NnTrainDefaults *d = nn_model_get_defaults (m);

  self->updating = TRUE;
  adw_combo_row_set_selected (self->optimizer_row, (guint) opt->kind);
  if (opt->learning_rate > 0)
    gtk_spin_button_set_value (self->lr_spin, opt->learning_rate);
  gtk_spin_button_set_value (self->momentum_spin, opt->momentum);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row), opt->kind == NN_OPT_SGD);
  adw_combo_row_set_selected (self->schedule_row, (guint) opt->schedule);
  if (opt->decay_steps > 0)
    gtk_spin_button_set_value (self->decay_steps_spin, opt->decay_steps);
  if (opt->decay_rate > 0)
    gtk_spin_button_set_value (self->decay_rate_spin, opt->decay_rate);
  gtk_widget_set_visible (GTK_WIDGET (self->decay_steps_row), opt->schedule != NN_SCHEDULE_CONSTANT);
  gtk_widget_set_visible (GTK_WIDGET (self->decay_rate_row), opt->schedule != NN_SCHEDULE_CONSTANT);

  gtk_spin_button_set_value (self->epochs_spin, d->epochs > 0 ? d->epochs : 20);
  gtk_spin_button_set_value (self->batch_spin, d->batch_size > 0 ? d->batch_size : 32);
  /* Unset defaults (a new model) hold out 20%, as most samples do. */
  gtk_spin_button_set_value (self->val_spin, d->epochs > 0 ? d->validation_split : 0.2);
  gtk_spin_button_set_value (self->seed_spin, d->seed > 0 ? (double) d->seed : 1);
  adw_expander_row_set_enable_expansion (self->early_row, d->early_stopping_patience > 0);
  if (d->early_stopping_patience > 0)
    gtk_spin_button_set_value (self->patience_spin, d->early_stopping_patience);
  sync_rows (self);
  _ds_train_view_update_help (self);
  self->updating = FALSE;
}

/* ---- widgets → model ---------------------------------------------------- */

void
_ds_train_view_optimizer_changed_cb (DsTrainView *self)
{
  NnOptimizerConfig *opt;
  guint sel = adw_combo_row_get_selected (self->optimizer_row);

  _ds_train_view_update_help (self);
  if (self->updating || self->document == NULL || sel >= NN_N_OPTIMIZERS)
    return;
  opt = nn_model_get_optimizer (_ds_train_view_model (self));
  if (opt->kind != (NnOptimizerKind) sel)
    {
      double lr = opt->learning_rate;

      /* The new optimizer's own defaults (beta, rho), the person's rate. */
      nn_optimizer_config_init (opt, (NnOptimizerKind) sel);
      if (lr > 0)
        opt->learning_rate = lr;
    }
  opt->momentum = gtk_spin_button_get_value (self->momentum_spin);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row), opt->kind == NN_OPT_SGD);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Optimizer"), "train-optimizer");
}

void
_ds_train_view_lr_changed_cb (DsTrainView *self)
{
  double lr = gtk_spin_button_get_value (self->lr_spin);

  if (self->updating || self->document == NULL || lr <= 0)
    return;
  /* A live run changes its rate before the next batch; the plots mark it
   * when the trainer reports it. */
  if (_ds_train_view_current (self) && ds_training_run_is_live (_ds_train_view_current (self)))
    ds_training_run_set_lr (_ds_train_view_current (self), lr);
  nn_model_get_optimizer (_ds_train_view_model (self))->learning_rate = lr;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Learning Rate"), "train-lr");
}

/* The schedule applies from the next run on (a live run keeps its own). */
void
_ds_train_view_schedule_changed_cb (DsTrainView *self)
{
  NnOptimizerConfig *opt;
  guint sel = adw_combo_row_get_selected (self->schedule_row);

  _ds_train_view_update_help (self);
  if (self->updating || self->document == NULL || sel > NN_SCHEDULE_EXPONENTIAL)
    return;
  opt = nn_model_get_optimizer (_ds_train_view_model (self));
  opt->schedule = (NnScheduleKind) sel;
  opt->decay_steps = gtk_spin_button_get_value_as_int (self->decay_steps_spin);
  opt->decay_rate = gtk_spin_button_get_value (self->decay_rate_spin);
  gtk_widget_set_visible (GTK_WIDGET (self->decay_steps_row), sel != NN_SCHEDULE_CONSTANT);
  gtk_widget_set_visible (GTK_WIDGET (self->decay_rate_row), sel != NN_SCHEDULE_CONSTANT);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Schedule"), "train-schedule");
}

void
_ds_train_view_defaults_changed_cb (DsTrainView *self)
{
  NnTrainDefaults *d;

  if (self->updating || self->document == NULL)
    return;
  d = nn_model_get_defaults (_ds_train_view_model (self));
  d->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  d->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  d->validation_split = gtk_spin_button_get_value (self->val_spin);
  d->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  d->early_stopping_patience = adw_expander_row_get_enable_expansion (self->early_row)
                               ? gtk_spin_button_get_value_as_int (self->patience_spin) : 0;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Change Training Settings"), "train-defaults");
}

/* The fit configuration a new run starts with, from the form. */
void
_ds_train_view_fill_config (DsTrainView *self,
                            NnFitConfig *cfg)
{
  static const char *const monitors[] = { "val_loss", "loss", "val_accuracy", "accuracy" };
  guint monitor = adw_combo_row_get_selected (self->monitor_row);
  NnModel *m = _ds_train_view_model (self);

  nn_fit_config_init (cfg);
  cfg->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  cfg->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  cfg->validation_split = gtk_spin_button_get_value (self->val_spin);
  cfg->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  cfg->shuffle = TRUE;
  cfg->kfold = nn_model_get_defaults (m)->kfold;
  cfg->kfold_iterations = MAX (nn_model_get_defaults (m)->kfold_iterations, 1);
  cfg->early_stopping = adw_expander_row_get_enable_expansion (self->early_row);
  g_free (cfg->monitor);
  cfg->monitor = g_strdup (monitors[MIN (monitor, G_N_ELEMENTS (monitors) - 1)]);
  /* Without validation data, watch the training value of the same name. */
  if (cfg->validation_split <= 0 && cfg->kfold <= 1 && g_str_has_prefix (cfg->monitor, "val_"))
    {
      char *plain = g_strdup (cfg->monitor + 4);

      g_free (cfg->monitor);
      cfg->monitor = plain;
    }
  cfg->patience = gtk_spin_button_get_value_as_int (self->patience_spin);
  cfg->restore_best_weights = gtk_switch_get_active (self->restore_switch);
  cfg->reduce_lr = adw_expander_row_get_enable_expansion (self->plateau_row);
  cfg->reduce_factor = gtk_spin_button_get_value (self->factor_spin);
  cfg->reduce_patience = gtk_spin_button_get_value_as_int (self->plateau_patience_spin);
  cfg->min_lr = 1e-7;
  if (adw_expander_row_get_enable_expansion (self->checkpoint_row) && self->checkpoint_path)
    cfg->checkpoint_path = g_strdup (self->checkpoint_path);
  /* A weight snapshot every epoch feeds the playground, and one every two
   * seconds the Inspect and Generate views (a VAE's latent plane is
   * watched organizing itself); the histograms view gets one set per
   * epoch. */
  cfg->snapshot_every = 0;
  cfg->snapshot_secs = 2.0;
  cfg->histograms = TRUE;
}

/* ---- checkpoint file ---------------------------------------------------- */

static void
checkpoint_chosen_cb (GFile    *file,
                      gpointer  data)
{
  DsTrainView *self = data;

  g_free (self->checkpoint_path);
  self->checkpoint_path = file ? g_file_get_path (file) : NULL;
  adw_action_row_set_subtitle (self->checkpoint_file_row,
                               self->checkpoint_path ? self->checkpoint_path : _("Not chosen"));
}

void
_ds_train_view_choose_checkpoint (DsTrainView *self)
{
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Checkpoint File"), GTK_FILE_CHOOSER_ACTION_SAVE,
                        _("_Choose"), "checkpoint.json", NULL, checkpoint_chosen_cb, self);
}
