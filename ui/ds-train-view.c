/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-dataset-store.h"
#include "ds-export.h"
#include "ds-train-view.h"
#include "ds-util.h"

struct _DsTrainView
{
  GtkWidget            parent_instance;

  /* Template widgets */
  AdwComboRow         *optimizer_row;
  GtkSpinButton       *lr_spin;
  AdwActionRow        *momentum_row;
  GtkSpinButton       *momentum_spin;
  GtkSpinButton       *epochs_spin;
  GtkSpinButton       *batch_spin;
  GtkSpinButton       *val_spin;
  GtkSpinButton       *seed_spin;
  GtkSwitch           *keep_switch;
  AdwPreferencesGroup *outputs_group;
  AdwExpanderRow      *early_row;
  AdwComboRow         *monitor_row;
  GtkSpinButton       *patience_spin;
  GtkSwitch           *restore_switch;
  AdwExpanderRow      *plateau_row;
  GtkSpinButton       *factor_spin;
  GtkSpinButton       *plateau_patience_spin;
  AdwExpanderRow      *checkpoint_row;
  AdwActionRow        *checkpoint_file_row;
  AdwPreferencesGroup *live_group;
  GtkWidget           *start_button;
  GtkWidget           *pause_button;
  GtkWidget           *resume_button;
  GtkWidget           *step_button;
  GtkWidget           *stop_button;
  GtkLabel            *epoch_label;
  GtkLabel            *speed_label;
  GtkLabel            *status_label;
  GtkProgressBar      *progress_bar;
  GtkStack            *pages;
  GtkWidget           *curve_tools;
  GtkToggleButton     *per_epoch_toggle;
  GtkToggleButton     *per_batch_toggle;
  GtkToggleButton     *log_toggle;
  GtkScale            *smoothing_scale;
  GtkGrid             *plot_grid;
  GtkFlowBox          *run_list;
  DsHistogramView     *histogram_view;
  DsPlayground        *playground;

  /* Owned */
  DsDocument          *document;
  DsDatasetStore      *store;
  GListStore          *runs;
  DsTrainingRun       *current;
  GPtrArray           *plots;          /* DsPlot, in grid order */
  GPtrArray           *output_rows;    /* rows added to outputs_group */
  GPtrArray           *live_rows;      /* rows added to live_group */
  char                *rows_signature; /* which outputs and live params have rows */
  char                *checkpoint_path;
  GtkFileChooserNative *chooser;
  gboolean             updating;       /* model → widgets: ignore their signals */
  gboolean             start_pending;  /* waiting for the dataset */
  char                *pending_spec;   /* ...this one */
  gboolean             pending_paused;
  guint                run_counter;
  gint64               last_progress;
  guint                progress_id;
};

G_DEFINE_FINAL_TYPE (DsTrainView, ds_train_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void update_actions (DsTrainView *self);
static void rebuild_plots  (DsTrainView *self);

/* ---- messages ------------------------------------------------------------- */

static void
toast (DsTrainView *self,
       const char  *text)
{
  /* The window shows it as a toast; outside a window (tests) log it. */
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text))
    g_message ("%s", text);
}

static void
set_status (DsTrainView *self,
            const char  *text,
            gboolean     error)
{
  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

/* ---- model → widgets ---------------------------------------------------- */

static const char *const metric_choices[] = { "None", "Accuracy", "MAE", "MSE", NULL };
static const NnMetric metric_values[] = { 0, NN_METRIC_ACCURACY, NN_METRIC_MAE, NN_METRIC_MSE };

static const char *
loss_title (NnLoss loss)
{
  switch (loss)
    {
    case NN_LOSS_BINARY_CROSSENTROPY:
      return "Binary cross-entropy";
    case NN_LOSS_CATEGORICAL_CROSSENTROPY:
      return "Categorical cross-entropy";
    case NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY:
      return "Sparse categorical cross-entropy";
    case NN_LOSS_MSE:
      return "Mean squared error";
    case NN_LOSS_MAE:
      return "Mean absolute error";
    case NN_LOSS_NONE:
    default:
      return "None";
    }
}

static NnModel *
model_of (DsTrainView *self)
{
  return ds_document_get_model (self->document);
}

static void
loss_selected_cb (AdwComboRow *row,
                  GParamSpec  *pspec,
                  DsTrainView *self)
{
  NnModel *m = model_of (self);
  int output = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ds-output"));
  guint sel = adw_combo_row_get_selected (row);

  if (self->updating || output >= nn_model_get_n_outputs (m) || sel == GTK_INVALID_LIST_POSITION)
    return;
  nn_model_output_set_loss (m, output, (NnLoss) sel, nn_model_output_get_loss_weight (m, output));
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Loss", NULL);
}

static void
metric_selected_cb (AdwComboRow *row,
                    GParamSpec  *pspec,
                    DsTrainView *self)
{
  NnModel *m = model_of (self);
  int output = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "ds-output"));
  guint sel = adw_combo_row_get_selected (row);

  if (self->updating || output >= nn_model_get_n_outputs (m) || sel >= G_N_ELEMENTS (metric_values))
    return;
  nn_model_output_set_metrics (m, output, &metric_values[sel], sel == 0 ? 0 : 1);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Metric", NULL);
}

static void
live_param_cb (GtkSpinButton *spin,
               DsTrainView   *self)
{
  const char *layer = g_object_get_data (G_OBJECT (spin), "ds-layer");
  const char *param = g_object_get_data (G_OBJECT (spin), "ds-param");
  NnModel *m = model_of (self);
  int l = nn_model_find_layer (m, layer);
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autoptr(GError) error = NULL;
  g_autofree char *key = NULL;
  g_autofree char *label = NULL;

  if (self->updating || l < 0)
    return;
  g_ascii_formatd (text, sizeof text, "%g", gtk_spin_button_get_value (spin));

  /* A live run takes it before its next batch; the model keeps it for the
   * next runs. */
  if (self->current && ds_training_run_is_live (self->current)
      && !ds_training_run_set_param (self->current, layer, param, text, &error))
    {
      set_status (self, error->message, TRUE);
      return;
    }
  if (!nn_model_layer_set_param (m, l, param, text, &error))
    {
      set_status (self, error->message, TRUE);
      ds_document_revert (self->document);
      return;
    }
  key = g_strdup_printf ("train-param-%s-%s", layer, param);
  label = g_strdup_printf ("Change %s of %s", param, layer);
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

static char *
rows_signature (NnModel *m)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    g_string_append_printf (s, "o%d;", nn_model_get_output (m, i).layer);
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);

      for (guint p = 0; t && p < nn_layer_type_get_n_params (t); p++)
        if (is_live_param (nn_layer_type_get_param (t, p)))
          g_string_append_printf (s, "%s.%s;", nn_model_layer_get_name (m, l),
                                  nn_layer_type_get_param (t, p)->name);
    }
  return g_string_free (s, FALSE);
}

static void
rebuild_rows (DsTrainView *self)
{
  NnModel *m = model_of (self);
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
        ? g_strdup_printf ("Loss of %s", name) : g_strdup ("Loss");
      g_autofree char *mtitle = nn_model_get_n_outputs (m) > 1
        ? g_strdup_printf ("Metric of %s", name) : g_strdup ("Metric");
      g_autoptr(GtkStringList) metrics = gtk_string_list_new ((const char * const *) metric_choices);

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

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), "No outputs yet");
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), "Connect layers in the Build view");
      adw_preferences_group_add (self->outputs_group, row);
      g_ptr_array_add (self->output_rows, row);
    }

  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);

      for (guint p = 0; t && p < nn_layer_type_get_n_params (t); p++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (t, p);
          GtkWidget *row, *spin;
          g_autofree char *pretty = NULL;

          if (!is_live_param (spec))
            continue;
          if (g_str_equal (spec->name, "kernel_l1"))
            pretty = g_strdup ("L1 weight penalty");
          else if (g_str_equal (spec->name, "kernel_l2"))
            pretty = g_strdup ("L2 weight penalty");
          else if (g_str_equal (spec->name, "rate"))
            pretty = g_strdup ("Dropout rate");
          else
            pretty = ds_pretty_param_name (spec->name);
          row = adw_action_row_new ();
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), nn_model_layer_get_name (m, l));
          adw_action_row_set_subtitle (ADW_ACTION_ROW (row), pretty);
          spin = spin_for (spec->min, MIN (spec->max, 10), spec->runtime ? 0.05 : 0.0001,
                           spec->runtime ? 2 : 4, 0);
          gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                          pretty, -1);
          gtk_widget_set_tooltip_text (spin, spec->help);
          g_object_set_data_full (G_OBJECT (spin), "ds-layer",
                                  g_strdup (nn_model_layer_get_name (m, l)), g_free);
          g_object_set_data (G_OBJECT (spin), "ds-param", (gpointer) spec->name);
          g_object_set_data (G_OBJECT (row), "ds-spin", spin);
          g_signal_connect (spin, "value-changed", G_CALLBACK (live_param_cb), self);
          adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
          adw_preferences_group_add (self->live_group, row);
          g_ptr_array_add (self->live_rows, row);
        }
    }
  gtk_widget_set_visible (GTK_WIDGET (self->live_group), self->live_rows->len > 0);
  g_object_unref (losses);
}

static void
sync_rows (DsTrainView *self)
{
  NnModel *m = model_of (self);
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

  for (guint i = 0; i < self->live_rows->len; i++)
    {
      GtkSpinButton *spin = g_object_get_data (G_OBJECT (self->live_rows->pdata[i]), "ds-spin");
      int l = nn_model_find_layer (m, g_object_get_data (G_OBJECT (spin), "ds-layer"));
      const NnValue *v = l >= 0 ? nn_model_layer_get_param (m, l, g_object_get_data (G_OBJECT (spin), "ds-param")) : NULL;

      if (v)
        gtk_spin_button_set_value (spin, v->f);
    }
}

static void
sync_from_model (DsTrainView *self)
{
  NnModel *m = model_of (self);
  NnOptimizerConfig *opt = nn_model_get_optimizer (m);
  NnTrainDefaults *d = nn_model_get_defaults (m);

  self->updating = TRUE;
  adw_combo_row_set_selected (self->optimizer_row, (guint) opt->kind);
  if (opt->learning_rate > 0)
    gtk_spin_button_set_value (self->lr_spin, opt->learning_rate);
  gtk_spin_button_set_value (self->momentum_spin, opt->momentum);
  gtk_widget_set_visible (GTK_WIDGET (self->momentum_row), opt->kind == NN_OPT_SGD);

  gtk_spin_button_set_value (self->epochs_spin, d->epochs > 0 ? d->epochs : 20);
  gtk_spin_button_set_value (self->batch_spin, d->batch_size > 0 ? d->batch_size : 32);
  /* Unset defaults (a new model) hold out 20%, as most samples do. */
  gtk_spin_button_set_value (self->val_spin, d->epochs > 0 ? d->validation_split : 0.2);
  gtk_spin_button_set_value (self->seed_spin, d->seed > 0 ? (double) d->seed : 1);
  adw_expander_row_set_enable_expansion (self->early_row, d->early_stopping_patience > 0);
  if (d->early_stopping_patience > 0)
    gtk_spin_button_set_value (self->patience_spin, d->early_stopping_patience);
  sync_rows (self);
  self->updating = FALSE;
}

/* ---- widgets → model ---------------------------------------------------- */

static void
optimizer_changed_cb (DsTrainView *self)
{
  NnOptimizerConfig *opt;
  guint sel = adw_combo_row_get_selected (self->optimizer_row);

  if (self->updating || self->document == NULL || sel >= NN_N_OPTIMIZERS)
    return;
  opt = nn_model_get_optimizer (model_of (self));
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
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Optimizer", "train-optimizer");
}

static void
lr_changed_cb (DsTrainView *self)
{
  double lr = gtk_spin_button_get_value (self->lr_spin);

  if (self->updating || self->document == NULL || lr <= 0)
    return;
  /* A live run changes its rate before the next batch; the plots mark it
   * when the trainer reports it. */
  if (self->current && ds_training_run_is_live (self->current))
    ds_training_run_set_lr (self->current, lr);
  nn_model_get_optimizer (model_of (self))->learning_rate = lr;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Learning Rate", "train-lr");
}

static void
defaults_changed_cb (DsTrainView *self)
{
  NnTrainDefaults *d;

  if (self->updating || self->document == NULL)
    return;
  d = nn_model_get_defaults (model_of (self));
  d->epochs = gtk_spin_button_get_value_as_int (self->epochs_spin);
  d->batch_size = gtk_spin_button_get_value_as_int (self->batch_spin);
  d->validation_split = gtk_spin_button_get_value (self->val_spin);
  d->seed = (guint64) gtk_spin_button_get_value_as_int (self->seed_spin);
  d->early_stopping_patience = adw_expander_row_get_enable_expansion (self->early_row)
                               ? gtk_spin_button_get_value_as_int (self->patience_spin) : 0;
  ds_document_commit (self->document, DS_CHANGE_PARAMS, "Change Training Settings", "train-defaults");
}

static void
document_changed_cb (DsTrainView *self,
                     guint        what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  sync_from_model (self);
  if (what & DS_CHANGE_REPLACED && self->current == NULL)
    rebuild_plots (self);
}

/* ---- plots ---------------------------------------------------------------- */

static char *
metric_title (const char *key)
{
  if (g_str_equal (key, "loss"))
    return g_strdup ("Loss");
  if (g_str_equal (key, "lr"))
    return g_strdup ("Learning Rate");
  if (g_str_equal (key, "accuracy"))
    return g_strdup ("Accuracy");
  if (g_str_equal (key, "mae"))
    return g_strdup ("Mean Absolute Error");
  if (g_str_equal (key, "mse"))
    return g_strdup ("Mean Squared Error");
  return ds_pretty_param_name (key);
}

static void
add_key (GPtrArray  *keys,
         const char *key)
{
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (keys->pdata[i], key))
      return;
  g_ptr_array_add (keys, g_strdup (key));
}

/* Charts: the loss, each metric, then the learning rate. Before any run
 * they follow the model's outputs so the layout does not jump. */
static GPtrArray *
chart_keys (DsTrainView *self)
{
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  NnModel *m = model_of (self);

  add_key (keys, "loss");
  /* The model's metrics first, so their charts are there from the start
   * rather than appearing when the first epoch ends. */
  for (int i = 0; i < nn_model_get_n_outputs (m) && nn_model_get_n_outputs (m) == 1; i++)
      for (int k = 0; k < nn_model_output_get_n_metrics (m, i); k++)
        {
          NnMetric metric = nn_model_output_get_metric (m, i, k);

          add_key (keys, metric <= NN_METRIC_SPARSE_CATEGORICAL_ACCURACY ? "accuracy" : nn_metric_name (metric));
        }
  for (guint r = 0; r < n; r++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), r);
      const char * const *run_keys = ds_training_run_get_keys (run);

      for (guint k = 0; run_keys[k]; k++)
        {
          const char *key = run_keys[k];

          if (g_str_has_prefix (key, "batch/") || g_str_equal (key, "lr"))
            continue;
          if (g_str_has_prefix (key, "val_"))
            key += 4;
          add_key (keys, key);
        }
    }
  add_key (keys, "lr");
  return keys;
}

static void
apply_plot_options (DsTrainView *self,
                    DsPlot      *plot)
{
  gboolean lr = g_strcmp0 (ds_plot_get_metric (plot), "lr") == 0;

  ds_plot_set_per_batch (plot, gtk_toggle_button_get_active (self->per_batch_toggle));
  /* The learning rate is set, not measured: nothing to smooth, and its
   * steps are the point. It spans decades: always on a log axis. */
  ds_plot_set_smoothing (plot, lr ? 0 : gtk_range_get_value (GTK_RANGE (self->smoothing_scale)));
  ds_plot_set_log_scale (plot, gtk_toggle_button_get_active (self->log_toggle) || lr);
}

static void
rebuild_plots (DsTrainView *self)
{
  g_autoptr(GPtrArray) keys = chart_keys (self);
  gboolean same = keys->len == self->plots->len;
  GtkWidget *child;

  for (guint i = 0; same && i < keys->len; i++)
    same = g_str_equal (keys->pdata[i], ds_plot_get_metric (self->plots->pdata[i]));
  if (same)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->plot_grid))))
    gtk_grid_remove (self->plot_grid, child);
  g_ptr_array_set_size (self->plots, 0);

  for (guint i = 0; i < keys->len; i++)
    {
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *plot = ds_plot_new ();
      g_autofree char *title = metric_title (keys->pdata[i]);

      ds_plot_set_metric (DS_PLOT (plot), keys->pdata[i]);
      ds_plot_set_title (DS_PLOT (plot), title);
      ds_plot_set_runs (DS_PLOT (plot), G_LIST_MODEL (self->runs));
      apply_plot_options (self, DS_PLOT (plot));
      gtk_widget_set_vexpand (plot, TRUE);
      gtk_widget_set_margin_start (plot, 10);
      gtk_widget_set_margin_end (plot, 10);
      gtk_widget_set_margin_top (plot, 8);
      gtk_widget_set_margin_bottom (plot, 8);
      gtk_widget_add_css_class (card, "card");
      gtk_box_append (GTK_BOX (card), plot);
      gtk_widget_set_hexpand (card, TRUE);
      gtk_widget_set_vexpand (card, TRUE);
      /* An odd last chart takes the whole row rather than leave a hole. */
      gtk_grid_attach (self->plot_grid, card, (int) (i % 2), (int) (i / 2),
                       i + 1 == keys->len && i % 2 == 0 ? 2 : 1, 1);
      g_ptr_array_add (self->plots, plot);
    }
}

static void
plot_options_cb (DsTrainView *self)
{
  for (guint i = 0; i < self->plots->len; i++)
    apply_plot_options (self, self->plots->pdata[i]);
}

static void
page_changed_cb (DsTrainView *self)
{
  const char *page = gtk_stack_get_visible_child_name (self->pages);

  /* The plot tools belong to the curves. */
  if (self->curve_tools)
    gtk_widget_set_visible (self->curve_tools, g_strcmp0 (page, "curves") == 0);
}

/* ---- the run list --------------------------------------------------------- */

static void
draw_swatch (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  GdkRGBA color;

  ds_training_run_get_color (DS_TRAINING_RUN (data), &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0 - 1, 0, 2 * G_PI);
  cairo_fill (cr);
}

static char *
run_summary (DsTrainingRun *run)
{
  const char *keys[] = { "val_accuracy", "accuracy", "val_loss", "loss" };

  switch (ds_training_run_get_state (run))
    {
    case DS_RUN_READY:
      return g_strdup ("starting");
    case DS_RUN_RUNNING:
      return g_strdup_printf ("%d of %d epochs", ds_training_run_get_epochs_done (run),
                              ds_training_run_get_config (run)->epochs);
    case DS_RUN_PAUSED:
      return g_strdup_printf ("paused · %d of %d epochs", ds_training_run_get_epochs_done (run),
                              ds_training_run_get_config (run)->epochs);
    case DS_RUN_FAILED:
      return g_strdup ("failed");
    case DS_RUN_FINISHED:
    default:
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          double v;
          int best = ds_training_run_get_best_epoch (run, keys[i], &v);

          if (best > 0)
            return g_strdup_printf ("best %s %.3g", keys[i], v);
        }
      return g_strdup ("ended");
    }
}

static void
update_chip (GtkWidget *chip)
{
  DsTrainingRun *run = g_object_get_data (G_OBJECT (chip), "ds-run");
  GtkLabel *detail = g_object_get_data (G_OBJECT (chip), "ds-detail");
  GtkWidget *remove = g_object_get_data (G_OBJECT (chip), "ds-remove");
  g_autofree char *text = run_summary (run);

  gtk_label_set_text (detail, text);
  gtk_widget_set_sensitive (remove, !ds_training_run_is_live (run));
}

static void
remove_run_cb (GtkButton   *button,
               DsTrainView *self)
{
  DsTrainingRun *run = g_object_get_data (G_OBJECT (button), "ds-run");
  guint pos;

  if (ds_training_run_is_live (run) || !g_list_store_find (self->runs, run, &pos))
    return;
  g_list_store_remove (self->runs, pos);
  if (run == self->current)
    {
      g_clear_object (&self->current);
      if (g_list_model_get_n_items (G_LIST_MODEL (self->runs)) > 0)
        self->current = g_list_model_get_item (G_LIST_MODEL (self->runs),
                                               g_list_model_get_n_items (G_LIST_MODEL (self->runs)) - 1);
      ds_histogram_view_set_run (self->histogram_view, self->current);
      ds_playground_set_run (self->playground, self->current);
    }
  update_actions (self);
}

static GtkWidget *
create_chip (gpointer item,
             gpointer data)
{
  DsTrainView *self = data;
  DsTrainingRun *run = item;
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *swatch = gtk_drawing_area_new ();
  GtkWidget *name = gtk_label_new (ds_training_run_get_name (run));
  GtkWidget *detail = gtk_label_new (NULL);
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  g_autofree char *check_label = g_strdup_printf ("Show %s", ds_training_run_get_name (run));

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "run-chip");
  gtk_widget_set_margin_start (check, 6);
  g_object_bind_property (run, "visible", check, "active", G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  gtk_widget_set_tooltip_text (check, "Show or hide this run on the plots");
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 12);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 12);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, g_object_ref (run), g_object_unref);
  gtk_widget_add_css_class (name, "heading");
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "numeric");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, "Remove this run");
  g_object_set_data (G_OBJECT (remove), "ds-run", run);
  g_signal_connect (remove, "clicked", G_CALLBACK (remove_run_cb), self);

  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), swatch);
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), detail);
  gtk_box_append (GTK_BOX (box), remove);

  g_object_set_data_full (G_OBJECT (box), "ds-run", g_object_ref (run), g_object_unref);
  g_object_set_data (G_OBJECT (box), "ds-detail", detail);
  g_object_set_data (G_OBJECT (box), "ds-remove", remove);
  g_signal_connect_object (run, "notify::state", G_CALLBACK (update_chip), box, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "epoch-ended", G_CALLBACK (update_chip), box, G_CONNECT_SWAPPED);
  update_chip (box);
  return box;
}

/* ---- progress ------------------------------------------------------------- */

static void
update_progress (DsTrainView *self)
{
  DsTrainingRun *run = self->current;
  const NnFitConfig *cfg;
  g_autofree char *head = NULL;
  g_autofree char *speed = NULL;
  double fraction = 0, left;
  int epoch, bpe, total_epochs;

  if (run == NULL)
    {
      gtk_label_set_text (self->epoch_label, self->start_pending ? "Loading the dataset…" : "Ready");
      gtk_label_set_text (self->speed_label, "");
      gtk_progress_bar_set_fraction (self->progress_bar, 0);
      return;
    }
  cfg = ds_training_run_get_config (run);
  epoch = MAX (ds_training_run_get_epoch (run), 1);
  bpe = ds_training_run_get_batches_per_epoch (run);
  total_epochs = cfg->epochs * MAX (cfg->kfold, 1) * MAX (cfg->kfold_iterations, 1);

  switch (ds_training_run_get_state (run))
    {
    case DS_RUN_READY:
      head = g_strdup ("Starting…");
      break;
    case DS_RUN_RUNNING:
    case DS_RUN_PAUSED:
      head = g_strdup_printf ("%s · epoch %d of %d%s", ds_training_run_get_name (run), epoch, cfg->epochs,
                              ds_training_run_get_state (run) == DS_RUN_PAUSED ? " · paused" : "");
      if (bpe > 0)
        {
          g_autofree char *tmp = g_steal_pointer (&head);
          head = g_strdup_printf ("%s · batch %d of %d", tmp, ds_training_run_get_batch (run), bpe);
        }
      break;
    case DS_RUN_FINISHED:
      head = g_strdup_printf ("%s · %s after %d epochs", ds_training_run_get_name (run),
                              ds_training_run_get_end_text (run) ? ds_training_run_get_end_text (run) : "Finished",
                              ds_training_run_get_epochs_done (run));
      break;
    case DS_RUN_FAILED:
    default:
      head = g_strdup_printf ("%s · failed", ds_training_run_get_name (run));
      break;
    }
  if (bpe > 0 && total_epochs > 0)
    {
      double done = ds_training_run_get_epochs_done (run);
      double within = ds_training_run_get_epoch (run) > ds_training_run_get_epochs_done (run)
                      ? (double) ds_training_run_get_batch (run) / bpe : 0;

      fraction = CLAMP ((done + within) / total_epochs, 0, 1);
    }
  if (ds_training_run_get_state (run) == DS_RUN_FINISHED)
    fraction = 1;

  left = ds_training_run_get_seconds_left (run);
  if (ds_training_run_get_samples_per_second (run) > 0)
    {
      g_autofree char *rate = ds_format_count ((gint64) llround (ds_training_run_get_samples_per_second (run)));

      if (ds_training_run_get_state (run) == DS_RUN_RUNNING && left >= 0)
        speed = g_strdup_printf ("%s samples/s · %d:%02d left", rate, (int) left / 60, (int) left % 60);
      else
        {
          double secs = ds_training_run_get_seconds (run);
          speed = g_strdup_printf ("%s samples/s · %d:%02d elapsed", rate, (int) secs / 60, (int) secs % 60);
        }
    }
  gtk_label_set_text (self->epoch_label, head);
  gtk_label_set_text (self->speed_label, speed ? speed : "");
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
update_actions (DsTrainView *self)
{
  DsRunState state = self->current ? ds_training_run_get_state (self->current) : DS_RUN_FINISHED;
  gboolean live = self->current && ds_training_run_is_live (self->current);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  gboolean any_ended = FALSE;

  for (guint i = 0; i < n && !any_ended; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);
      any_ended = !ds_training_run_is_live (run);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.start", !live && !self->start_pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.pause", live && state == DS_RUN_RUNNING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.resume", live && state == DS_RUN_PAUSED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.toggle-pause", live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.step",
                                 (live && state == DS_RUN_PAUSED) || (!live && !self->start_pending));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.stop", live || self->start_pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.export-history", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.clear-runs", any_ended);
  gtk_widget_set_visible (self->pause_button, !(live && state == DS_RUN_PAUSED));
  gtk_widget_set_visible (self->resume_button, live && state == DS_RUN_PAUSED);
  update_progress (self);
}

/* ---- runs ----------------------------------------------------------------- */

/* Copies the trained weights into the document's model when it still has
 * the same layers and variables, so Inspect and Save see the trained
 * model. */
static gboolean
take_weights (NnModel *dst,
              NnModel *src)
{
  int n = nn_model_get_n_layers (dst);

  if (n != nn_model_get_n_layers (src) || !nn_model_has_weights (src))
    return FALSE;
  for (int l = 0; l < n; l++)
    {
      if (g_strcmp0 (nn_model_layer_get_name (dst, l), nn_model_layer_get_name (src, l)) != 0)
        return FALSE;
    }
  if (!nn_model_has_weights (dst) && !nn_model_init_weights (dst, 1, NULL))
    return FALSE;
  for (int pass = 0; pass < 2; pass++)
    for (int l = 0; l < n; l++)
      {
        int nw = nn_model_layer_get_n_weights (dst, l);

        if (nw != nn_model_layer_get_n_weights (src, l))
          return FALSE;
        for (int k = 0; k < nw; k++)
          {
            NnTensor a, b;

            nn_model_layer_get_weight (dst, l, k, &a);
            nn_model_layer_get_weight (src, l, k, &b);
            if (a.size != b.size)
              return FALSE;
            /* First pass checks everything, the second copies. */
            if (pass == 1)
              memcpy (a.data, b.data, a.size * sizeof (float));
          }
      }
  return TRUE;
}

static void
run_ended_cb (DsTrainView   *self,
              DsTrainingRun *run)
{
  const GError *error = ds_training_run_get_error (run);

  if (error)
    {
      set_status (self, error->message, TRUE);
      toast (self, error->message);
    }
  else
    {
      NnModel *result = ds_training_run_get_result (run);

      set_status (self, NULL, FALSE);
      if (run == self->current && result)
        {
          if (take_weights (model_of (self), result))
            ds_document_commit (self->document, DS_CHANGE_PARAMS, "Train", NULL);
          else
            set_status (self, "The model changed while it trained: its trained weights stay with the run",
                        FALSE);
        }
    }
  update_actions (self);
}

static void
run_message_cb (DsTrainView   *self,
                const char    *text,
                gboolean       warning,
                DsTrainingRun *run)
{
  if (warning)
    set_status (self, text, FALSE);
  toast (self, text);
}

static gboolean
progress_timeout_cb (gpointer data)
{
  DsTrainView *self = data;

  self->progress_id = 0;
  self->last_progress = g_get_monotonic_time ();
  update_progress (self);
  return G_SOURCE_REMOVE;
}

static void
run_progress_cb (DsTrainView   *self,
                 DsTrainingRun *run)
{
  gint64 wait;

  /* New label texts re-lay out the window: five times a second is
   * plenty for numbers that change every batch. */
  if (run != self->current || self->progress_id)
    return;
  wait = self->last_progress + 200000 - g_get_monotonic_time ();
  if (wait <= 0)
    progress_timeout_cb (self);
  else
    self->progress_id = g_timeout_add ((guint) (wait / 1000) + 1, progress_timeout_cb, self);
}

static void
run_series_added_cb (DsTrainView *self)
{
  rebuild_plots (self);
}

static void
fill_config (DsTrainView *self,
             NnFitConfig *cfg)
{
  static const char *const monitors[] = { "val_loss", "loss", "val_accuracy", "accuracy" };
  guint monitor = adw_combo_row_get_selected (self->monitor_row);
  NnModel *m = model_of (self);

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
  /* A weight snapshot every epoch feeds the playground; the histograms
   * view gets one set per epoch. */
  cfg->snapshot_every = 0;
  cfg->histograms = TRUE;
}

static void
begin_run (DsTrainView *self,
           DsDataset   *dataset,
           gboolean     paused)
{
  g_autoptr(DsTrainingRun) run = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  NnFitConfig cfg;
  gboolean ok;

  fill_config (self, &cfg);
  name = g_strdup_printf ("Run %u", self->run_counter + 1);
  run = ds_training_run_new (name, model_of (self), dataset, &cfg,
                             gtk_switch_get_active (self->keep_switch));
  nn_fit_config_clear (&cfg);
  ds_training_run_set_color_index (run, self->run_counter);

  g_signal_connect_object (run, "progress", G_CALLBACK (run_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::state", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "ended", G_CALLBACK (run_ended_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "message", G_CALLBACK (run_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "series-added", G_CALLBACK (run_series_added_cb), self, G_CONNECT_SWAPPED);

  ok = paused ? ds_training_run_start_paused (run, &error) : ds_training_run_start (run, &error);
  if (!ok)
    {
      set_status (self, error->message, TRUE);
      update_actions (self);
      return;
    }
  self->run_counter++;
  set_status (self, NULL, FALSE);
  g_set_object (&self->current, run);
  g_list_store_append (self->runs, run);
  ds_histogram_view_set_run (self->histogram_view, run);
  ds_playground_set_run (self->playground, run);
  rebuild_plots (self);
  update_actions (self);
}

static const char *
wanted_spec (DsTrainView *self)
{
  const char *spec = nn_model_get_dataset (model_of (self));

  /* A choice still loading in the Data view is the newest word: it goes
   * into the model as soon as it has loaded. */
  if (ds_dataset_store_get_loading (self->store))
    return ds_dataset_store_get_spec (self->store);
  if (spec && *spec)
    return spec;
  return ds_dataset_store_get_spec (self->store);
}

static void
store_changed_cb (DsTrainView *self)
{
  DsDataset *ds = ds_dataset_store_get_dataset (self->store);

  if (self->current == NULL && ds)
    ds_playground_set_dataset (self->playground, ds);
  if (!self->start_pending || ds_dataset_store_get_loading (self->store))
    return;

  self->start_pending = FALSE;
  if (ds && g_strcmp0 (ds_dataset_store_get_spec (self->store), self->pending_spec) == 0)
    begin_run (self, ds, self->pending_paused);
  else
    {
      const GError *error = ds_dataset_store_get_error (self->store);
      g_autofree char *text = g_strdup_printf ("The dataset could not be loaded: %s",
                                               error ? error->message : "loading was cancelled");

      set_status (self, text, TRUE);
    }
  update_actions (self);
}

static void
start (DsTrainView *self,
       gboolean     paused)
{
  NnModel *m = model_of (self);
  const char *spec = wanted_spec (self);
  DsDataset *ds = ds_dataset_store_get_dataset (self->store);

  if (self->current && ds_training_run_is_live (self->current))
    return;
  if (nn_model_get_n_layers (m) == 0)
    {
      set_status (self, "There is no model to train: build one in the Build view or open a sample", TRUE);
      return;
    }
  if (spec == NULL)
    {
      set_status (self, "Choose a dataset in the Data view first", TRUE);
      return;
    }
  if (ds && g_strcmp0 (ds_dataset_store_get_spec (self->store), spec) == 0)
    {
      begin_run (self, ds, paused);
      return;
    }
  /* The model names its dataset: load it (or wait for the load under
   * way), then start. */
  self->start_pending = TRUE;
  self->pending_paused = paused;
  g_free (self->pending_spec);
  self->pending_spec = g_strdup (spec);
  ds_dataset_store_load (self->store, self->pending_spec, ds_dataset_store_get_flags (self->store));
  set_status (self, NULL, FALSE);
  update_actions (self);
  /* It may have been loaded already under the same spec. */
  if (!ds_dataset_store_get_loading (self->store))
    store_changed_cb (self);
}

/* ---- actions -------------------------------------------------------------- */

static void
export_plots_response_cb (GtkNativeDialog *dialog,
                          int              response,
                          DsTrainView     *self)
{
  DsExportFormat format = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ds-format"));
  gboolean history = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "ds-history"));

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (path == NULL)
        ok = FALSE, g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                         "Only local files can be written");
      else if (history)
        ok = ds_export_history (G_LIST_MODEL (self->runs), path, &error);
      else
        ok = ds_export_plots (self->plots, 2, 640, 380, format, path, &error);
      if (ok)
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf ("Exported “%s”", name);
          toast (self, text);
        }
      else
        {
          g_autofree char *text = g_strdup_printf ("Could not export: %s", error->message);
          set_status (self, text, TRUE);
          toast (self, text);
        }
    }
  g_clear_object (&self->chooser);
}

static void
run_export_dialog (DsTrainView    *self,
                   gboolean        history,
                   DsExportFormat  format)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autofree char *name = NULL;

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (history ? "Export History" : "Export Plots",
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  name = history ? g_strdup ("training-history.csv")
                 : g_strdup_printf ("training-curves.%s", ds_export_format_extension (format));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_object_set_data (G_OBJECT (self->chooser), "ds-format", GINT_TO_POINTER (format));
  g_object_set_data (G_OBJECT (self->chooser), "ds-history", GINT_TO_POINTER (history));
  g_signal_connect (self->chooser, "response", G_CALLBACK (export_plots_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
checkpoint_response_cb (GtkNativeDialog *dialog,
                        int              response,
                        DsTrainView     *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      g_free (self->checkpoint_path);
      self->checkpoint_path = file ? g_file_get_path (file) : NULL;
      adw_action_row_set_subtitle (self->checkpoint_file_row,
                                   self->checkpoint_path ? self->checkpoint_path : "Not chosen");
    }
  g_clear_object (&self->chooser);
}

static void
action_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  DsTrainView *self = DS_TRAIN_VIEW (widget);
  DsTrainingRun *run = self->current;

  if (g_str_equal (action_name, "train.start"))
    start (self, FALSE);
  else if (g_str_equal (action_name, "train.pause") && run)
    ds_training_run_pause (run);
  else if (g_str_equal (action_name, "train.resume") && run)
    ds_training_run_resume (run);
  else if (g_str_equal (action_name, "train.toggle-pause") && run)
    {
      if (ds_training_run_get_state (run) == DS_RUN_PAUSED)
        ds_training_run_resume (run);
      else
        ds_training_run_pause (run);
    }
  else if (g_str_equal (action_name, "train.step"))
    {
      if (run && ds_training_run_is_live (run))
        ds_training_run_step (run);
      else
        start (self, TRUE);
    }
  else if (g_str_equal (action_name, "train.stop"))
    {
      if (run && ds_training_run_is_live (run))
        ds_training_run_stop (run);
      else if (self->start_pending)
        {
          self->start_pending = FALSE;
          ds_dataset_store_cancel (self->store);
        }
    }
  else if (g_str_equal (action_name, "train.reset-zoom"))
    for (guint i = 0; i < self->plots->len; i++)
      ds_plot_reset_view (self->plots->pdata[i]);
  else if (g_str_equal (action_name, "train.export-plots"))
    {
      DsExportFormat format = DS_EXPORT_PNG;

      ds_export_format_parse (g_variant_get_string (parameter, NULL), &format);
      run_export_dialog (self, FALSE, format);
    }
  else if (g_str_equal (action_name, "train.export-history"))
    run_export_dialog (self, TRUE, DS_EXPORT_PNG);
  else if (g_str_equal (action_name, "train.clear-runs"))
    {
      for (guint i = g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i-- > 0;)
        {
          g_autoptr(DsTrainingRun) r = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

          if (!ds_training_run_is_live (r))
            g_list_store_remove (self->runs, i);
        }
      if (self->current && !ds_training_run_is_live (self->current))
        {
          g_clear_object (&self->current);
          ds_histogram_view_set_run (self->histogram_view, NULL);
          ds_playground_set_run (self->playground, NULL);
        }
      rebuild_plots (self);
    }
  else if (g_str_equal (action_name, "train.choose-checkpoint"))
    {
      GtkRoot *root = gtk_widget_get_root (widget);

      g_clear_object (&self->chooser);
      self->chooser = gtk_file_chooser_native_new ("Checkpoint File",
                                                   GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   GTK_FILE_CHOOSER_ACTION_SAVE, "_Choose", "_Cancel");
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), "checkpoint.json");
      g_signal_connect (self->chooser, "response", G_CALLBACK (checkpoint_response_cb), self);
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
    }
  update_actions (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
set_document (DsTrainView *self,
              DsDocument  *document)
{
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->document, document);
  g_clear_object (&self->store);
  if (document == NULL)
    return;
  self->store = g_object_ref (ds_dataset_store_get_for_document (document));
  g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (self->store, "notify::dataset", G_CALLBACK (store_changed_cb), self);
  g_signal_connect_swapped (self->store, "notify::loading", G_CALLBACK (store_changed_cb), self);
  sync_from_model (self);
  rebuild_plots (self);
  if (ds_dataset_store_get_dataset (self->store))
    ds_playground_set_dataset (self->playground, ds_dataset_store_get_dataset (self->store));
  update_actions (self);
}

static void
ds_train_view_dispose (GObject *object)
{
  DsTrainView *self = DS_TRAIN_VIEW (object);

  /* Live runs stop with the view (their workers end within a batch). */
  for (guint i = 0; self->runs && i < g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      g_signal_handlers_disconnect_by_data (run, self);
      ds_training_run_stop (run);
    }
  set_document (self, NULL);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->current);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_TRAIN_VIEW);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->runs);
  G_OBJECT_CLASS (ds_train_view_parent_class)->dispose (object);
}

static void
ds_train_view_finalize (GObject *object)
{
  DsTrainView *self = DS_TRAIN_VIEW (object);

  g_ptr_array_unref (self->plots);
  g_ptr_array_unref (self->output_rows);
  g_ptr_array_unref (self->live_rows);
  g_free (self->rows_signature);
  g_free (self->checkpoint_path);
  g_free (self->pending_spec);
  G_OBJECT_CLASS (ds_train_view_parent_class)->finalize (object);
}

static void
ds_train_view_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  DsTrainView *self = DS_TRAIN_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_train_view_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  DsTrainView *self = DS_TRAIN_VIEW (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      set_document (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_train_view_class_init (DsTrainViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char *const actions[] = {
    "train.start", "train.pause", "train.resume", "train.toggle-pause", "train.step",
    "train.stop", "train.reset-zoom", "train.export-history", "train.clear-runs",
    "train.choose-checkpoint",
  };

  object_class->dispose = ds_train_view_dispose;
  object_class->finalize = ds_train_view_finalize;
  object_class->get_property = ds_train_view_get_property;
  object_class->set_property = ds_train_view_set_property;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, DS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (DS_TYPE_HISTOGRAM_VIEW);
  g_type_ensure (DS_TYPE_PLAYGROUND);
  g_type_ensure (DS_TYPE_PLOT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-train-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, momentum_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, momentum_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, val_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, keep_switch);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, outputs_group);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, early_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, monitor_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, patience_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, restore_switch);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, plateau_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, factor_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, plateau_patience_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, checkpoint_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, checkpoint_file_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, live_group);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, start_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, pause_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, resume_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, step_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, stop_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, epoch_label);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, speed_label);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, status_label);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, pages);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, curve_tools);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, per_epoch_toggle);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, per_batch_toggle);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, log_toggle);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, smoothing_scale);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, plot_grid);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, run_list);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, histogram_view);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, playground);
  gtk_widget_class_bind_template_callback (widget_class, optimizer_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, lr_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, defaults_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, plot_options_cb);
  gtk_widget_class_bind_template_callback (widget_class, page_changed_cb);

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i], NULL, action_cb);
  gtk_widget_class_install_action (widget_class, "train.export-plots", "s", action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK, "train.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK, "train.start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_period, GDK_CONTROL_MASK, "train.toggle-pause", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, GDK_CONTROL_MASK, "train.stop", NULL);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "trainview");
}

static void
ds_train_view_init (DsTrainView *self)
{
  self->runs = g_list_store_new (DS_TYPE_TRAINING_RUN);
  self->plots = g_ptr_array_new ();
  self->output_rows = g_ptr_array_new ();
  self->live_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_flow_box_bind_model (self->run_list, G_LIST_MODEL (self->runs), create_chip, self, NULL);
  g_signal_connect_swapped (self->runs, "items-changed", G_CALLBACK (update_actions), self);
  page_changed_cb (self);
  update_actions (self);
}

DsDocument *
ds_train_view_get_document (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->document;
}

GListModel *
ds_train_view_get_runs (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return G_LIST_MODEL (self->runs);
}

DsTrainingRun *
ds_train_view_get_current_run (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->current;
}

DsPlot *
ds_train_view_get_plot (DsTrainView *self,
                        const char  *metric)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  for (guint i = 0; i < self->plots->len; i++)
    if (g_strcmp0 (ds_plot_get_metric (self->plots->pdata[i]), metric) == 0)
      return self->plots->pdata[i];
  return NULL;
}

GPtrArray *
ds_train_view_get_plots (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->plots;
}

DsPlayground *
ds_train_view_get_playground (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->playground;
}

DsHistogramView *
ds_train_view_get_histogram_view (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->histogram_view;
}

GtkWidget *
ds_train_view_get_button (DsTrainView *self,
                          const char  *name)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  if (g_str_equal (name, "start"))
    return self->start_button;
  if (g_str_equal (name, "pause"))
    return self->pause_button;
  if (g_str_equal (name, "resume"))
    return self->resume_button;
  if (g_str_equal (name, "step"))
    return self->step_button;
  if (g_str_equal (name, "stop"))
    return self->stop_button;
  return NULL;
}

GtkWidget *
ds_train_view_get_run_list (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return GTK_WIDGET (self->run_list);
}

const char *
ds_train_view_get_status (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  if (!gtk_widget_get_visible (GTK_WIDGET (self->status_label)))
    return NULL;
  return gtk_label_get_text (self->status_label);
}

void
ds_train_view_show_page (DsTrainView *self,
                         const char  *name)
{
  g_return_if_fail (DS_IS_TRAIN_VIEW (self));
  gtk_stack_set_visible_child_name (self->pages, name);
}

void
ds_train_view_set_plot_options (DsTrainView *self,
                                double       smoothing,
                                gboolean     per_batch,
                                gboolean     log_scale)
{
  g_return_if_fail (DS_IS_TRAIN_VIEW (self));
  gtk_range_set_value (GTK_RANGE (self->smoothing_scale), smoothing);
  gtk_toggle_button_set_active (per_batch ? self->per_batch_toggle : self->per_epoch_toggle, TRUE);
  gtk_toggle_button_set_active (self->log_toggle, log_scale);
  plot_options_cb (self);
}
