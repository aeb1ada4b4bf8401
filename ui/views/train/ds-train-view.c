/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsTrainView: the run controls (start, pause, step, stop), progress, the
 * run list, the charts and their export, and the GObject. The settings
 * form is in ds-train-view-settings.c. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-export.h"
#include "ds-file-chooser.h"
#include "ds-train-view-private.h"
#include "ds-ensemble-dialog.h"
#include "ds-util.h"

G_DEFINE_FINAL_TYPE (DsTrainView, ds_train_view, DS_TYPE_VIEW)

static void update_actions (DsTrainView *self);
static void rebuild_plots  (DsTrainView *self);

/* ---- messages ------------------------------------------------------------- */

void
_ds_train_view_toast (DsTrainView *self,
                      const char  *text)
{
  /* The window shows it as a toast; outside a window (tests) log it. */
  if (!gtk_widget_activate_action (GTK_WIDGET (self), "win.show-toast", "s", text))
    g_message ("%s", text);
}

void
_ds_train_view_set_status (DsTrainView *self,
                           const char  *text,
                           gboolean     error)
{
  self->status_from_model = FALSE;
  gtk_label_set_text (self->status_label, text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->status_label), text != NULL && *text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

/* An error about the model as it is: it goes when the model no longer has
 * it (an undo, a fix in the Build view) rather than stay stale. */
void
_ds_train_view_set_model_error (DsTrainView *self,
                                const char  *text)
{
  _ds_train_view_set_status (self, text, TRUE);
  self->status_from_model = TRUE;
}

NnModel *
_ds_train_view_model (DsTrainView *self)
{
  return ds_document_get_model (self->document);
}

DsTrainingRun *
_ds_train_view_current (DsTrainView *self)
{
  return self->document ? ds_document_get_current_run (self->document) : NULL;
}

/* The document's runs, or an empty list without a document. */
static GListModel *
runs_model (DsTrainView *self)
{
  return self->document ? ds_document_get_runs (self->document) : G_LIST_MODEL (self->no_runs);
}

/* ---- model → widgets ------------------------------------------------------ */

/* Why the model cannot train as it is, or NULL: no layers, a shape error,
 * or no loss (with the reason from the output's activation). */
static char *
model_problem (DsTrainView *self)
{
  NnModel *m = _ds_train_view_model (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) why = NULL;
  gboolean any_loss = FALSE;

  if (nn_model_get_n_layers (m) == 0)
    return g_strdup (_("There is no model to train: build one in the Build view or open a sample"));
  if (!nn_model_infer (m, &error))
    return g_strdup (error->message);
  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    any_loss |= nn_model_output_get_loss (m, i) != NN_LOSS_NONE;
  if (any_loss || nn_model_get_n_outputs (m) == 0)
    return NULL;
  /* The first output's reason (every output has none). */
  nn_model_suggest_loss (m, nn_model_get_output (m, 0), NULL, &why);
  if (why)
    return g_strdup_printf (_("The model has no loss to train with. %s"), why->message);
  return g_strdup (_("The model has no loss to train with: choose one under Outputs"));
}

static void
document_changed_cb (DsTrainView *self,
                     guint        what)
{
  if (what == DS_CHANGE_POSITIONS)
    return;
  if (self->status_from_model)
    {
      g_autofree char *problem = model_problem (self);

      if (problem)
        _ds_train_view_set_model_error (self, problem);
      else
        _ds_train_view_set_status (self, NULL, FALSE);
    }
  _ds_train_view_sync_from_model (self);
  if (what & DS_CHANGE_REPLACED && _ds_train_view_current (self) == NULL)
    rebuild_plots (self);
}

/* ---- plots ---------------------------------------------------------------- */

char *
_ds_train_view_metric_title (const char *key)
{
  if (g_str_equal (key, "loss"))
    return g_strdup (_("Loss"));
  if (g_str_equal (key, "lr"))
    return g_strdup (_("Learning Rate"));
  if (g_str_equal (key, "accuracy"))
    return g_strdup (_("Accuracy"));
  if (g_str_equal (key, "mae"))
    return g_strdup (_("Mean Absolute Error"));
  if (g_str_equal (key, "mse"))
    return g_strdup (_("Mean Squared Error"));
  /* A VAE's Kullback-Leibler term: an initialism, not a word. */
  if (g_str_equal (key, "kl_loss"))
    return g_strdup (_("KL loss"));
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
  guint n = g_list_model_get_n_items (runs_model (self));
  NnModel *m = _ds_train_view_model (self);

  add_key (keys, "loss");
  /* A GAN's figures are per batch only: charted from "batch/d_loss" etc. */
  for (guint r = 0; r < n; r++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs_model (self), r);
      static const char *const gan_keys[] = { "d_loss", "g_loss", "d_acc_real", "d_acc_fake" };

      if (ds_training_run_get_series (run, "batch/g_loss"))
        for (guint k = 0; k < G_N_ELEMENTS (gan_keys); k++)
          add_key (keys, gan_keys[k]);
    }
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
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs_model (self), r);
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

/* What a naive forecast does "one period before" the target, in words. */
static char *
period_words (int period)
{
  if (period == 24)
    return g_strdup (_("same time yesterday"));
  if (period == 365)
    return g_strdup (_("same day last year"));
  return g_strdup_printf (ngettext ("one period (%d step) before", "one period (%d steps) before", period),
                          period);
}

/* A series validates on its own last windows (the trainer takes them in
 * place of the split, as Keras's validation_data does): the split is then
 * not used, and the row says so rather than showing an unused 0.20. */
static void
sync_validation_row (DsTrainView *self, NnDataset *ds)
{
  gboolean own = ds && ds->n_val > 0;
  g_autofree char *text = own ? g_strdup_printf (_("The series's own %zu validation windows are used"),
                                                 ds->n_val)
                              : NULL;

  gtk_widget_set_sensitive (GTK_WIDGET (self->val_spin), !own);
  adw_action_row_set_subtitle (self->val_row, own ? text : _("Fraction of the training samples held out"));
}

/* A time series's naive forecasts beside the model's MAE: their
 * validation MAE (what the dashed curves are) as lines on the MAE chart,
 * in its normalized units, labelled with that value and, in brackets, the
 * error in the target's own units (the curves are normalized too). The
 * current run's dataset, else the one loaded. */
static void
update_references (DsTrainView *self)
{
  DsTrainingRun *run = _ds_train_view_current (self);
  DsDataset *d = run ? ds_training_run_get_dataset (run) : NULL;
  NnDataset *ds;
  NnBaselines b;
  const NnSeries *series;
  double values[2];
  g_autofree char *last = NULL;
  g_autofree char *period = NULL;
  g_autofree char *words = NULL;
  const char *labels[2];
  const char *unit;
  guint n = 0;

  if (d == NULL && self->store)
    d = ds_dataset_store_get_dataset (self->store);
  ds = d ? ds_dataset_get (d) : NULL;
  sync_validation_row (self, ds);
  if (ds && nn_dataset_get_baselines (ds, &b))
    {
      series = nn_dataset_get_series (ds);
      unit = series && series->unit ? series->unit : "";
      words = period_words (b.period);
      if (fabs (b.val_last - b.val_period) < 1e-9)
        {
          /* delay = period: one forecast with two names. */
          last = g_strdup_printf (_("last value = %s: %.3g (%.3g %s)"), words, b.val_last_norm,
                                  b.val_last, unit);
          values[n] = b.val_last_norm;
          labels[n++] = last;
        }
      else
        {
          last = g_strdup_printf (_("last value: %.3g (%.3g %s)"), b.val_last_norm, b.val_last, unit);
          period = g_strdup_printf ("%s: %.3g (%.3g %s)", words, b.val_period_norm, b.val_period,
                                    unit);
          values[n] = b.val_last_norm;
          labels[n++] = last;
          values[n] = b.val_period_norm;
          labels[n++] = period;
        }
    }
  for (guint i = 0; i < self->plots->len; i++)
    {
      DsPlot *plot = self->plots->pdata[i];
      gboolean mae = g_strcmp0 (ds_plot_get_metric (plot), "mae") == 0;

      ds_plot_set_references (plot, mae ? n : 0, values, labels);
    }
}

/* Generator steps per epoch when every run shown is a GAN's (its charts
 * then count steps, not the epochs of its batches), else 0. */
static double
gan_steps_per_epoch (DsTrainView *self)
{
  guint n = g_list_model_get_n_items (runs_model (self));
  int bpe = 0;

  for (guint r = 0; r < n; r++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs_model (self), r);

      if (!ds_training_run_get_series (run, "batch/g_loss"))
        return 0;
      if (bpe && ds_training_run_get_batches_per_epoch (run) != bpe)
        return 0;
      bpe = ds_training_run_get_batches_per_epoch (run);
    }
  return MAX (bpe, 0);
}

static void
set_x_axes (DsTrainView *self)
{
  double steps = gan_steps_per_epoch (self);

  for (guint i = 0; i < self->plots->len; i++)
    ds_plot_set_x_axis (self->plots->pdata[i], steps, steps > 0 ? _("generator step") : NULL);
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
    {
      set_x_axes (self);
      update_references (self);
      return;
    }

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->plot_grid))))
    gtk_grid_remove (self->plot_grid, child);
  g_ptr_array_set_size (self->plots, 0);

  for (guint i = 0; i < keys->len; i++)
    {
      GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *plot = ds_plot_new ();
      g_autofree char *title = _ds_train_view_metric_title (keys->pdata[i]);
      /* The learning rate is a setting, mostly a flat line: a short
       * chart; the measured curves take the height. */
      gboolean lr = g_str_equal (keys->pdata[i], "lr");

      ds_plot_set_metric (DS_PLOT (plot), keys->pdata[i]);
      ds_plot_set_title (DS_PLOT (plot), title);
      ds_plot_set_runs (DS_PLOT (plot), runs_model (self));
      apply_plot_options (self, DS_PLOT (plot));
      ds_plot_set_compact (DS_PLOT (plot), lr);
      gtk_widget_set_vexpand (plot, !lr);
      gtk_widget_set_margin_start (plot, 10);
      gtk_widget_set_margin_end (plot, 10);
      gtk_widget_set_margin_top (plot, 8);
      gtk_widget_set_margin_bottom (plot, 8);
      gtk_widget_add_css_class (card, "card");
      gtk_box_append (GTK_BOX (card), plot);
      gtk_widget_set_hexpand (card, TRUE);
      gtk_widget_set_vexpand (card, !lr);
      /* An odd last chart takes the whole row rather than leave a hole. */
      gtk_grid_attach (self->plot_grid, card, (int) (i % 2), (int) (i / 2),
                       i + 1 == keys->len && i % 2 == 0 ? 2 : 1, 1);
      g_ptr_array_add (self->plots, plot);
    }
  set_x_axes (self);
  update_references (self);
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

  ds_colors_run (ds_training_run_get_color_index (DS_TRAINING_RUN (data)), &color);
  gdk_cairo_set_source_rgba (cr, &color);
  cairo_arc (cr, width / 2.0, height / 2.0, MIN (width, height) / 2.0 - 1, 0, 2 * G_PI);
  cairo_fill (cr);
}

/* A series's MAE is in normalized units (the curves and baselines are
 * too): its value in the target's own units follows in brackets, from the
 * naive forecast's two figures ("mae 0.0916 (0.147 °F)"). */
static void
append_in_units (GString       *text,
                 DsTrainingRun *run,
                 const char    *key,
                 double         value)
{
  DsDataset *d = ds_training_run_get_dataset (run);
  NnDataset *ds = d ? ds_dataset_get (d) : NULL;
  const NnSeries *series = ds ? nn_dataset_get_series (ds) : NULL;
  NnBaselines b;

  if (!g_str_equal (key, "mae") || series == NULL || !nn_dataset_get_baselines (ds, &b)
      || !(b.val_last_norm > 0))
    return;
  g_string_append_printf (text, " (%.3g%s%s)", value * b.val_last / b.val_last_norm,
                          series->unit ? " " : "", series->unit ? series->unit : "");
}

/* "test loss 0.312 · accuracy 0.886", "testing…", or NULL. */
static char *
test_text (DsTrainingRun *run)
{
  const NnScores *scores = ds_training_run_get_test_scores (run);
  GString *text;

  if (ds_training_run_is_testing (run))
    return g_strdup (_("testing…"));
  if (scores == NULL || scores->n_values == 0)
    return NULL;
  text = g_string_new ("test");
  for (int k = 0; k < scores->n_values; k++)
    {
      g_string_append_printf (text, "%s %s %.4g", k ? " ·" : "", scores->keys[k], scores->values[k]);
      append_in_units (text, run, scores->keys[k], scores->values[k]);
    }
  return g_string_free (text, FALSE);
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
      return g_strdup_printf (g_dngettext (NULL, "%d of %d epoch", "%d of %d epochs",
                                           ds_training_run_get_config (run)->epochs),
                              ds_training_run_get_epochs_done (run), ds_training_run_get_config (run)->epochs);
    case DS_RUN_PAUSED:
      return g_strdup_printf (g_dngettext (NULL, "paused · %d of %d epoch", "paused · %d of %d epochs",
                                           ds_training_run_get_config (run)->epochs),
                              ds_training_run_get_epochs_done (run), ds_training_run_get_config (run)->epochs);
    case DS_RUN_FAILED:
      return g_strdup ("failed");
    case DS_RUN_FINISHED:
    default:
      {
        /* A run read from the file says so: it has curves but no weights. */
        const char *from = ds_training_run_get_loaded (run) ? _("saved · ") : "";

        for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
          {
            double v;
            int best = ds_training_run_get_best_epoch (run, keys[i], &v);

            if (best > 0)
              return g_strdup_printf (_("%sbest %s %.4g"), from, keys[i], v);
          }
        return g_strdup_printf ("%sended", from);
      }
    }
}

static void
update_chip (GtkWidget *chip)
{
  DsTrainingRun *run = g_object_get_data (G_OBJECT (chip), "ds-run");
  GtkLabel *detail = g_object_get_data (G_OBJECT (chip), "ds-detail");
  GtkWidget *remove = g_object_get_data (G_OBJECT (chip), "ds-remove");
  g_autofree char *text = run_summary (run);
  g_autofree char *test = test_text (run);

  if (test)
    {
      g_autofree char *both = g_strdup_printf ("%s · %s", text, test);
      gtk_label_set_text (detail, both);
    }
  else
    gtk_label_set_text (detail, text);
  gtk_widget_set_sensitive (remove, !ds_training_run_is_live (run));
}

static void
remove_run_cb (GtkButton   *button,
               DsTrainView *self)
{
  DsTrainingRun *run = g_object_get_data (G_OBJECT (button), "ds-run");
  gboolean was_current = run == _ds_train_view_current (self);
  guint n;

  if (ds_training_run_is_live (run) || !ds_document_remove_run (self->document, run))
    return;
  n = g_list_model_get_n_items (runs_model (self));
  if (was_current)
    {
      g_autoptr(DsTrainingRun) newest = n > 0 ? g_list_model_get_item (runs_model (self), n - 1) : NULL;

      ds_document_set_current_run (self->document, newest);
      ds_histogram_view_set_run (self->histogram_view, newest);
      ds_playground_set_run (self->playground, newest);
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
  g_autofree char *check_label = g_strdup_printf (_("Show %s"), ds_training_run_get_name (run));

  gtk_widget_add_css_class (box, "card");
  gtk_widget_add_css_class (box, "run-chip");
  gtk_widget_set_margin_start (check, 6);
  g_object_bind_property (run, "visible", check, "active", G_BINDING_SYNC_CREATE | G_BINDING_BIDIRECTIONAL);
  gtk_widget_set_tooltip_text (check, _("Show or hide this run on the plots"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, check_label, -1);
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (swatch), 12);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (swatch), 12);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (swatch), draw_swatch, g_object_ref (run), g_object_unref);
  gtk_widget_add_css_class (name, "heading");
  /* A search's runs have long names and details: the chips shrink to the
   * page rather than widen the window. */
  gtk_label_set_ellipsize (GTK_LABEL (name), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (name), 32);
  gtk_label_set_ellipsize (GTK_LABEL (detail), PANGO_ELLIPSIZE_END);
  gtk_widget_set_tooltip_text (name, ds_training_run_get_name (run));
  if (ds_training_run_get_loaded (run))
    {
      const char *spec = ds_training_run_get_dataset_spec (run);
      g_autofree char *tip = g_strdup_printf (_("Saved with the model: its curves, without its weights%s%s"),
                                              spec ? _("; trained on ") : "", spec ? spec : "");

      gtk_widget_set_tooltip_text (name, tip);
    }
  gtk_widget_add_css_class (detail, "dim-label");
  gtk_widget_add_css_class (detail, "numeric");
  gtk_widget_add_css_class (remove, "flat");
  gtk_widget_add_css_class (remove, "circular");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove this run"));
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
  g_signal_connect_object (run, "tested", G_CALLBACK (update_chip), box, G_CONNECT_SWAPPED);
  update_chip (box);
  return box;
}

/* ---- progress ------------------------------------------------------------- */

static void
update_progress (DsTrainView *self)
{
  DsTrainingRun *run = _ds_train_view_current (self);
  const NnFitConfig *cfg;
  g_autofree char *head = NULL;
  g_autofree char *speed = NULL;
  double fraction = 0, left;
  int epoch, bpe, total_epochs;

  if (run == NULL)
    {
      gtk_label_set_text (self->epoch_label, self->start_cancellable ? _("Loading the dataset…") : _("Ready"));
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
      head = g_strdup (_("Starting…"));
      break;
    case DS_RUN_RUNNING:
    case DS_RUN_PAUSED:
      head = g_strdup_printf (_("%s · epoch %d of %d%s"), ds_training_run_get_name (run), epoch, cfg->epochs,
                              ds_training_run_get_state (run) == DS_RUN_PAUSED ? _(" · paused") : "");
      if (bpe > 0)
        {
          g_autofree char *tmp = g_steal_pointer (&head);
          head = g_strdup_printf (_("%s · batch %d of %d"), tmp, ds_training_run_get_batch (run), bpe);
        }
      break;
    case DS_RUN_FINISHED:
      head = g_strdup_printf (g_dngettext (NULL, "%s · %s after %d epoch", "%s · %s after %d epochs",
                                           ds_training_run_get_epochs_done (run)),
                              ds_training_run_get_name (run),
                              ds_training_run_get_end_text (run) ? ds_training_run_get_end_text (run) : _("Finished"),
                              ds_training_run_get_epochs_done (run));
      break;
    case DS_RUN_FAILED:
    default:
      head = g_strdup_printf (_("%s · failed"), ds_training_run_get_name (run));
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
  if (ds_training_run_get_state (run) == DS_RUN_PAUSED)
    {
      /* The clock counts running time only; a rate over single steps
       * would measure the batch, not the training: none while paused. */
      double secs = ds_training_run_get_seconds (run);

      speed = g_strdup_printf (_("%d:%02d of training"), (int) secs / 60, (int) secs % 60);
    }
  else if (ds_training_run_get_state (run) == DS_RUN_FINISHED && test_text (run))
    {
      /* Once it has ended, the test figures matter more than the speed. */
      g_autofree char *test = test_text (run);
      double secs = ds_training_run_get_seconds (run);

      speed = g_strdup_printf (_("%s · %d:%02d elapsed"), test, (int) secs / 60, (int) secs % 60);
    }
  else if (ds_training_run_get_samples_per_second (run) > 0)
    {
      g_autofree char *rate = ds_format_count ((gint64) llround (ds_training_run_get_samples_per_second (run)));

      if (ds_training_run_get_state (run) == DS_RUN_RUNNING && left >= 0)
        speed = g_strdup_printf (_("%s samples/s · %d:%02d left"), rate, (int) left / 60, (int) left % 60);
      else
        {
          double secs = ds_training_run_get_seconds (run);
          speed = g_strdup_printf (_("%s samples/s · %d:%02d elapsed"), rate, (int) secs / 60, (int) secs % 60);
        }
    }
  gtk_label_set_text (self->epoch_label, head);
  gtk_label_set_text (self->speed_label, speed ? speed : "");
  gtk_progress_bar_set_fraction (self->progress_bar, fraction);
}

static void
update_actions (DsTrainView *self)
{
  DsTrainingRun *current = _ds_train_view_current (self);
  DsRunState state = current ? ds_training_run_get_state (current) : DS_RUN_FINISHED;
  gboolean live = current && ds_training_run_is_live (current);
  gboolean pending = self->start_cancellable != NULL;  /* waiting for the dataset */
  guint n = g_list_model_get_n_items (runs_model (self));
  gboolean any_ended = FALSE;

  for (guint i = 0; i < n && !any_ended; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs_model (self), i);
      any_ended = !ds_training_run_is_live (run);
    }

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.start", !live && !pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.pause", live && state == DS_RUN_RUNNING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.resume", live && state == DS_RUN_PAUSED);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.toggle-pause", live);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.step",
                                 (live && state == DS_RUN_PAUSED) || (!live && !pending));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.stop", live || pending);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.export-history", n > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.clear-runs", any_ended);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "train.ensemble", any_ended);
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
      _ds_train_view_set_model_error (self, error->message);
      _ds_train_view_toast (self, error->message);
    }
  else
    {
      NnModel *result = ds_training_run_get_result (run);

      _ds_train_view_set_status (self, NULL, FALSE);
      if (run == _ds_train_view_current (self) && result)
        {
          if (take_weights (_ds_train_view_model (self), result))
            ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Train"), NULL);
          else
            _ds_train_view_set_status (self, _("The model changed while it trained: its trained weights stay with the run"),
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
    _ds_train_view_set_status (self, text, FALSE);
  _ds_train_view_toast (self, text);
}

static gboolean
progress_timeout_cb (gpointer data)
{
  DsTrainView *self = data;

  self->progress_id = 0;
  update_progress (self);
  return G_SOURCE_REMOVE;
}

static void
run_progress_cb (DsTrainView   *self,
                 DsTrainingRun *run)
{
  /* New label texts re-lay out the window: about four times a second is
   * plenty for numbers that change every batch, on the charts' grid so
   * that both repaint in one frame. */
  if (run != _ds_train_view_current (self) || self->progress_id)
    return;
  self->progress_id = g_timeout_add (ds_ms_until_tick (3 * DS_LIVE_REDRAW_US),
                                     progress_timeout_cb, self);
}

static void
run_series_added_cb (DsTrainView *self)
{
  rebuild_plots (self);
}

/* A run another panel started (a search's trial): its curves and
 * progress here too; its weights stay with it. */
static void
runs_added_cb (DsTrainView *self,
               guint        position,
               guint        removed,
               guint        added,
               GListModel  *runs)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);

      if (!ds_training_run_is_live (run)
          || g_signal_handler_find (run, G_SIGNAL_MATCH_FUNC | G_SIGNAL_MATCH_DATA, 0, 0, NULL,
                                    run_series_added_cb, self))
        continue;
      g_signal_connect_object (run, "progress", G_CALLBACK (run_progress_cb), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (run, "notify::state", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
      g_signal_connect_object (run, "series-added", G_CALLBACK (run_series_added_cb), self, G_CONNECT_SWAPPED);
      rebuild_plots (self);
    }
}

static void
search_config_cb (gpointer     data,
                  NnFitConfig *cfg)
{
  _ds_train_view_fill_config (data, cfg);
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

  _ds_train_view_fill_config (self, &cfg);
  ds_playground_adjust_config (self->playground, &cfg);
  /* After the runs a file brought: the next number and colour. */
  for (guint i = 0; i < g_list_model_get_n_items (runs_model (self)); i++)
    {
      g_autoptr(DsTrainingRun) other = g_list_model_get_item (runs_model (self), i);

      self->run_counter = MAX (self->run_counter, ds_training_run_get_color_index (other) + 1);
    }
  name = g_strdup_printf (_("Run %u"), self->run_counter + 1);
  run = ds_training_run_new (name, _ds_train_view_model (self), dataset, &cfg,
                             gtk_switch_get_active (self->keep_switch));
  nn_fit_config_clear (&cfg);
  ds_training_run_set_color_index (run, self->run_counter);

  g_signal_connect_object (run, "progress", G_CALLBACK (run_progress_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "notify::state", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "ended", G_CALLBACK (run_ended_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "message", G_CALLBACK (run_message_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "series-added", G_CALLBACK (run_series_added_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (run, "tested", G_CALLBACK (update_actions), self, G_CONNECT_SWAPPED);

  ok = paused ? ds_training_run_start_paused (run, &error) : ds_training_run_start (run, &error);
  if (!ok)
    {
      _ds_train_view_set_model_error (self, error->message);
      update_actions (self);
      return;
    }
  self->run_counter++;
  _ds_train_view_set_status (self, NULL, FALSE);
  ds_document_add_run (self->document, run);
  ds_document_set_current_run (self->document, run);
  ds_histogram_view_set_run (self->histogram_view, run);
  ds_playground_set_run (self->playground, run);
  rebuild_plots (self);
  update_actions (self);
}

static const char *
wanted_spec (DsTrainView *self)
{
  const char *spec = nn_model_get_dataset (_ds_train_view_model (self));

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

  if (_ds_train_view_current (self) == NULL && ds)
    ds_playground_set_dataset (self->playground, ds);
  update_references (self);
}

static void
dataset_ready_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(DsTrainView) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsDataset) ds = ds_dataset_store_ensure_finish (DS_DATASET_STORE (source), result, &error);

  /* Stopped, started again or the view went away: this start is over. */
  if (self->start_cancellable == NULL
      || g_task_get_cancellable (G_TASK (result)) != self->start_cancellable)
    return;
  g_clear_object (&self->start_cancellable);
  if (ds)
    begin_run (self, ds, self->pending_paused);
  else
    {
      g_autofree char *text = g_strdup_printf (_("The dataset could not be loaded: %s"),
                                               g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                                               ? _("loading was cancelled") : error->message);

      _ds_train_view_set_status (self, text, TRUE);
    }
  update_actions (self);
}

static void
start (DsTrainView *self,
       gboolean     paused)
{
  const char *spec = wanted_spec (self);
  DsDataset *ds = ds_dataset_store_get_dataset (self->store);
  g_autofree char *problem = NULL;

  if (_ds_train_view_current (self) && ds_training_run_is_live (_ds_train_view_current (self)))
    return;
  problem = model_problem (self);
  if (problem)
    {
      _ds_train_view_set_model_error (self, problem);
      return;
    }
  if (spec == NULL)
    {
      _ds_train_view_set_status (self, _("Choose a dataset in the Data view first"), TRUE);
      return;
    }
  if (ds && g_strcmp0 (ds_dataset_store_get_spec (self->store), spec) == 0)
    {
      begin_run (self, ds, paused);
      return;
    }
  /* The model names its dataset: have the store load it (or wait for the
   * load under way), then start. */
  self->pending_paused = paused;
  g_clear_object (&self->start_cancellable);
  self->start_cancellable = g_cancellable_new ();
  ds_dataset_store_ensure_async (self->store, spec, self->start_cancellable,
                                 dataset_ready_cb, g_object_ref (self));
  _ds_train_view_set_status (self, NULL, FALSE);
  update_actions (self);
}

/* ---- actions -------------------------------------------------------------- */

static void
export_chosen_cb (GFile    *file,
                  gpointer  data)
{
  DsTrainView *self = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (path == NULL)
    ok = FALSE, g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                     _("Only local files can be written"));
  else if (self->export_history)
    ok = ds_export_history (runs_model (self), path, &error);
  else
    ok = ds_export_plots (self->plots, 2, 640, 380, self->export_format, path, &error);
  if (ok)
    {
      g_autofree char *name = g_file_get_basename (file);
      g_autofree char *text = g_strdup_printf (_("Exported “%s”"), name);
      _ds_train_view_toast (self, text);
    }
  else
    {
      g_autofree char *text = g_strdup_printf (_("Could not export: %s"), error->message);
      _ds_train_view_set_status (self, text, TRUE);
      _ds_train_view_toast (self, text);
    }
}

static void
run_export_dialog (DsTrainView    *self,
                   gboolean        history,
                   DsExportFormat  format)
{
  g_autofree char *name = history ? g_strdup ("training-history.csv")
                                  : g_strdup_printf ("training-curves.%s", ds_export_format_extension (format));

  self->export_history = history;
  self->export_format = format;
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), history ? _("Export History") : _("Export Plots"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), name, NULL, export_chosen_cb, self);
}

static void
action_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  DsTrainView *self = DS_TRAIN_VIEW (widget);
  DsTrainingRun *run = _ds_train_view_current (self);

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
      else if (self->start_cancellable)
        {
          g_cancellable_cancel (self->start_cancellable);
          g_clear_object (&self->start_cancellable);
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
  else if (g_str_equal (action_name, "train.ensemble"))
    gtk_window_present (GTK_WINDOW (ds_ensemble_dialog_new (GTK_WINDOW (gtk_widget_get_root (widget)),
                                                            self->document)));
  else if (g_str_equal (action_name, "train.clear-runs"))
    {
      gboolean current_ended = run && !ds_training_run_is_live (run);

      for (guint i = g_list_model_get_n_items (runs_model (self)); i-- > 0;)
        {
          g_autoptr(DsTrainingRun) r = g_list_model_get_item (runs_model (self), i);

          if (!ds_training_run_is_live (r))
            ds_document_remove_run (self->document, r);
        }
      if (current_ended)
        {
          ds_histogram_view_set_run (self->histogram_view, NULL);
          ds_playground_set_run (self->playground, NULL);
        }
      rebuild_plots (self);
    }
  else if (g_str_equal (action_name, "train.choose-checkpoint"))
    _ds_train_view_choose_checkpoint (self);
  update_actions (self);
}

/* ---- GObject -------------------------------------------------------------- */

static void
ds_train_view_document_changed (DsView     *view,
                                DsDocument *old_document)
{
  DsTrainView *self = DS_TRAIN_VIEW (view);

  if (old_document)
    for (guint i = 0; i < g_list_model_get_n_items (ds_document_get_runs (old_document)); i++)
      {
        g_autoptr(DsTrainingRun) run = g_list_model_get_item (ds_document_get_runs (old_document), i);

        g_signal_handlers_disconnect_by_data (run, self);
      }
  self->document = ds_view_get_document (view);
  ds_playground_set_document (self->playground, self->document);
  ds_search_panel_set_document (self->search_panel, self->document);
  g_clear_object (&self->store);
  gtk_flow_box_bind_model (self->run_list, runs_model (self), create_chip, self, NULL);
  if (self->document == NULL)
    return;
  self->store = g_object_ref (ds_document_get_dataset_store (self->document));
  g_signal_connect_swapped (self->document, "changed", G_CALLBACK (document_changed_cb), self);
  g_signal_connect_swapped (ds_document_get_runs (self->document), "items-changed",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (ds_document_get_runs (self->document), "items-changed",
                            G_CALLBACK (runs_added_cb), self);
  g_signal_connect_swapped (self->store, "notify::dataset", G_CALLBACK (store_changed_cb), self);
  g_signal_connect_swapped (self->store, "notify::loading", G_CALLBACK (store_changed_cb), self);
  _ds_train_view_sync_from_model (self);
  rebuild_plots (self);
  if (ds_dataset_store_get_dataset (self->store))
    ds_playground_set_dataset (self->playground, ds_dataset_store_get_dataset (self->store));
  update_actions (self);
}

static void
ds_train_view_dispose (GObject *object)
{
  DsTrainView *self = DS_TRAIN_VIEW (object);

  /* The document stops its live runs when it goes; the view only stops
   * listening to them. */
  if (self->start_cancellable)
    g_cancellable_cancel (self->start_cancellable);
  g_clear_object (&self->start_cancellable);
  ds_view_set_document (DS_VIEW (self), NULL);
  ds_file_chooser_clear (&self->chooser);
  g_clear_handle_id (&self->progress_id, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (object), DS_TYPE_TRAIN_VIEW);
  /* An unbound template root is not unparented by the call above. */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object)));)
    gtk_widget_unparent (child);
  g_clear_object (&self->no_runs);
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
  g_strfreev (self->locked);
  G_OBJECT_CLASS (ds_train_view_parent_class)->finalize (object);
}

static void
ds_train_view_class_init (DsTrainViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  DsViewClass *view_class = DS_VIEW_CLASS (klass);
  static const char *const actions[] = {
    "train.start", "train.pause", "train.resume", "train.toggle-pause", "train.step",
    "train.stop", "train.reset-zoom", "train.export-history", "train.clear-runs",
    "train.choose-checkpoint", "train.ensemble",
  };

  object_class->dispose = ds_train_view_dispose;
  object_class->finalize = ds_train_view_finalize;
  view_class->document_changed = ds_train_view_document_changed;

  g_type_ensure (DS_TYPE_HISTOGRAM_VIEW);
  g_type_ensure (DS_TYPE_PLAYGROUND);
  g_type_ensure (DS_TYPE_SEARCH_PANEL);
  g_type_ensure (DS_TYPE_PLOT);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-train-view.ui");
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, optimizer_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, schedule_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, decay_steps_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, decay_steps_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, decay_rate_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, decay_rate_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, momentum_row);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, momentum_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, val_spin);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, val_row);
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
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, curves_help_label);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, curves_lesson_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, histograms_help_label);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, histograms_lesson_button);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, playground);
  gtk_widget_class_bind_template_child (widget_class, DsTrainView, search_panel);
  /* The settings form's handlers live in ds-train-view-settings.c. */
  gtk_widget_class_bind_template_callback_full (widget_class, "optimizer_changed_cb",
                                                G_CALLBACK (_ds_train_view_optimizer_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "lr_changed_cb",
                                                G_CALLBACK (_ds_train_view_lr_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "schedule_changed_cb",
                                                G_CALLBACK (_ds_train_view_schedule_changed_cb));
  gtk_widget_class_bind_template_callback_full (widget_class, "defaults_changed_cb",
                                                G_CALLBACK (_ds_train_view_defaults_changed_cb));
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
  self->no_runs = g_list_store_new (DS_TYPE_TRAINING_RUN);
  self->plots = g_ptr_array_new ();
  self->output_rows = g_ptr_array_new ();
  self->live_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  ds_search_panel_set_config_func (self->search_panel, search_config_cb, self);
  gtk_flow_box_bind_model (self->run_list, runs_model (self), create_chip, self, NULL);
  page_changed_cb (self);
  update_actions (self);
}

GListModel *
ds_train_view_get_runs (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return runs_model (self);
}

DsTrainingRun *
ds_train_view_get_current_run (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return _ds_train_view_current (self);
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

DsSearchPanel *
ds_train_view_get_search_panel (DsTrainView *self)
{
  g_return_val_if_fail (DS_IS_TRAIN_VIEW (self), NULL);
  return self->search_panel;
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
