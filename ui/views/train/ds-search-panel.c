/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Search page: a hyperparameter search (nn-search.h) run fit by fit as
 * ordinary runs of the document, so each trial is on the charts and keeps
 * its weights. The engine plans; this panel starts each job's run when the
 * one before ends, and fills the table and the parallel-coordinates plot
 * from the search's trials. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "ds-colors.h"
#include "ds-file-chooser.h"
#include "ds-search-panel.h"
#include "ds-search-plot.h"

/* ---- one row of the table: a trial -------------------------------------- */

#define DS_TYPE_SEARCH_ROW (ds_search_row_get_type ())
G_DECLARE_FINAL_TYPE (DsSearchRow, ds_search_row, DS, SEARCH_ROW, GObject)

struct _DsSearchRow
{
  GObject  parent_instance;
  NnTrial *trial;     /* borrowed from the panel's search */
};

G_DEFINE_FINAL_TYPE (DsSearchRow, ds_search_row, G_TYPE_OBJECT)

static void ds_search_row_class_init (DsSearchRowClass *klass) { }
static void ds_search_row_init (DsSearchRow *self) { }

static DsSearchRow *
ds_search_row_new (NnTrial *trial)
{
  DsSearchRow *row = g_object_new (DS_TYPE_SEARCH_ROW, NULL);
  row->trial = trial;
  return row;
}

/* ---- the panel ------------------------------------------------------------ */

struct _DsSearchPanel
{
  GtkBox parent_instance;

  /* Widgets */
  GtkTextView   *params_view;
  GtkDropDown   *strategy_drop;
  GtkSpinButton *trials_spin;
  GtkSpinButton *budget_spin;
  GtkSpinButton *min_spin;
  GtkSpinButton *max_spin;
  GtkSpinButton *eta_spin;
  GtkEntry      *metric_entry;
  GtkWidget     *start_button;
  GtkWidget     *stop_button;
  GtkWidget     *export_button;
  GtkFileChooserNative *chooser;
  GtkLabel      *status_label;
  GtkColumnView *table;
  DsSearchPlot  *plot;

  /* Borrowed */
  DsDocument    *document;
  DsSearchConfigFunc config_func;
  gpointer       config_data;

  /* Owned */
  GListStore    *rows;          /* DsSearchRow, in trial order of first result */
  GtkSortListModel *sorted;
  NnSearch      *search;
  NnModel       *base;          /* the model as the search started */
  DsDataset     *dataset;
  NnFitConfig    cfg;
  gboolean       have_cfg;
  DsTrainingRun *run;           /* the job running */
  NnSearchJob    job;
  gint64         job_start;     /* monotonic µs when the job's run started */
  GCancellable  *loading;       /* the dataset being loaded for a start */
  gboolean       stopping;
  gboolean       orphan;        /* its document was replaced while it ran */
  char          *status;
  char          *suggested;     /* the parameter text last suggested */
};

G_DEFINE_FINAL_TYPE (DsSearchPanel, ds_search_panel, GTK_TYPE_BOX)

static void run_next (DsSearchPanel *self);

static void
set_status (DsSearchPanel *self, const char *text)
{
  g_free (self->status);
  self->status = g_strdup (text ? text : "");
  gtk_label_set_text (self->status_label, self->status);
}

static void
update_buttons (DsSearchPanel *self)
{
  gboolean running = ds_search_panel_is_running (self);
  gtk_widget_set_sensitive (self->start_button, !running);
  gtk_widget_set_sensitive (self->stop_button, running && !self->stopping);
}

/* ---- the table -------------------------------------------------------------- */

typedef enum { COL_TRIAL, COL_BEST, COL_EPOCH, COL_TIME, COL_STATE, COL_PARAM } ColKind;

static char *
cell_text (DsSearchRow *row, ColKind kind, int param)
{
  NnTrial *t = row->trial;
  switch (kind)
    {
    case COL_TRIAL:
      return g_strdup_printf ("%d", t->index + 1);
    case COL_BEST:
      return isnan (t->best) ? g_strdup ("—") : g_strdup_printf ("%.4f", t->best);
    case COL_EPOCH:
      return g_strdup_printf ("%d", t->best_epoch);
    case COL_TIME:
      return g_strdup_printf ("%.2f s", t->seconds);
    case COL_STATE:
      return g_strdup (nn_trial_state_name (t->state));
    default:
      return g_strdup (t->values[param]);
    }
}

static void
setup_cell_cb (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (label), GPOINTER_TO_INT (data) == COL_STATE ? 0 : 1);
  gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
bind_cell_cb (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  int code = GPOINTER_TO_INT (data);
  g_autofree char *text = cell_text (gtk_list_item_get_item (item),
                                     MIN (code, COL_PARAM), code - COL_PARAM);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static double
cell_number (DsSearchRow *row, int code)
{
  NnTrial *t = row->trial;
  switch (code)
    {
    case COL_TRIAL: return t->index;
    case COL_BEST: return t->best;
    case COL_EPOCH: return t->best_epoch;
    case COL_TIME: return t->seconds;
    case COL_STATE: return t->state;
    default: return g_ascii_strtod (t->values[code - COL_PARAM], NULL);
    }
}

static int
compare_cells_cb (gconstpointer a, gconstpointer b, gpointer data)
{
  int code = GPOINTER_TO_INT (data);
  DsSearchRow *x = (DsSearchRow *) a, *y = (DsSearchRow *) b;
  double u = cell_number (x, code), v = cell_number (y, code);
  if (code >= COL_PARAM && (u == 0 && v == 0))   /* texts (optimizer names) */
    return g_strcmp0 (x->trial->values[code - COL_PARAM], y->trial->values[code - COL_PARAM]);
  if (isnan (u) || isnan (v))
    return isnan (u) - isnan (v);
  return u < v ? -1 : u > v ? 1 : 0;
}

static void
add_column (DsSearchPanel *self, const char *title, int code)
{
  GtkListItemFactory *f = gtk_signal_list_item_factory_new ();
  g_signal_connect (f, "setup", G_CALLBACK (setup_cell_cb), GINT_TO_POINTER (code));
  g_signal_connect (f, "bind", G_CALLBACK (bind_cell_cb), GINT_TO_POINTER (code));
  GtkColumnViewColumn *col = gtk_column_view_column_new (title, f);
  GtkSorter *sorter = GTK_SORTER (gtk_custom_sorter_new (compare_cells_cb, GINT_TO_POINTER (code),
                                                         NULL));
  gtk_column_view_column_set_sorter (col, sorter);
  g_object_unref (sorter);
  gtk_column_view_append_column (self->table, col);
  g_object_unref (col);
}

/* A parameter's column title: "lr", "units", "hidden_1.units" would be
 * too wide: the layer's name and its parameter, the optimizer's part. */
static char *
short_title (const char *path)
{
  if (g_str_equal (path, "optimizer.learning_rate"))
    return g_strdup ("lr");
  if (g_str_has_prefix (path, "layer."))
    return g_strdup (path + 6);
  if (g_str_has_prefix (path, "optimizer."))
    return g_strdup (_("optimizer"));
  return g_strdup (path);
}

/* One column per searched parameter, then the results. */
static void
rebuild_columns (DsSearchPanel *self)
{
  GListModel *cols = gtk_column_view_get_columns (self->table);
  while (g_list_model_get_n_items (cols) > 0)
    {
      g_autoptr (GtkColumnViewColumn) c = g_list_model_get_item (cols, 0);
      gtk_column_view_remove_column (self->table, c);
    }
  const NnSearchSpec *sp = nn_search_get_spec (self->search);
  add_column (self, _("Trial"), COL_TRIAL);
  for (guint k = 0; k < sp->params->len; k++)
    {
      g_autofree char *title = short_title (((NnSearchParam *) sp->params->pdata[k])->path);
      add_column (self, title, COL_PARAM + (int) k);
    }
  add_column (self, sp->metric, COL_BEST);
  add_column (self, _("Epoch"), COL_EPOCH);
  add_column (self, _("Time"), COL_TIME);
  add_column (self, _("State"), COL_STATE);
}

/* The trial's row, added when its first result arrives, else refreshed. */
static void
show_trial (DsSearchPanel *self, NnTrial *trial)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DsSearchRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      if (row->trial == trial)
        {
          g_list_store_splice (self->rows, i, 1, (gpointer *) &row, 1);
          return;
        }
    }
  g_autoptr (DsSearchRow) row = ds_search_row_new (trial);
  g_list_store_append (self->rows, row);
}

/* Halving prunes trials when a rung is ranked: their rows say so. */
static void
refresh_rows (DsSearchPanel *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->rows));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (DsSearchRow) row = g_list_model_get_item (G_LIST_MODEL (self->rows), i);
      g_list_store_splice (self->rows, i, 1, (gpointer *) &row, 1);
    }
  ds_search_plot_set_search (self->plot, self->search);
}

/* The search into the document, which saves it with the model. */
static void
keep_search (DsSearchPanel *self)
{
  if (!self->search || !self->document || self->orphan)
    return;
  g_autofree char *json = nn_search_to_json (self->search);
  ds_document_set_search (self->document, json);
}

/* ---- running ------------------------------------------------------------------ */

static void
finish (DsSearchPanel *self, const char *why)
{
  keep_search (self);
  g_clear_object (&self->run);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->base, nn_model_free);
  refresh_rows (self);
  int best = self->search ? nn_search_get_best_trial (self->search) : -1;
  if (best >= 0)
    {
      g_autofree char *label = nn_search_dup_trial_label (self->search, best);
      g_autofree char *text = g_strdup_printf (_("%s. Best: trial %d (%s), %s %.4f. "
                                                 "Double-click a row to load its model."),
                                               why, best + 1, label,
                                               nn_search_get_spec (self->search)->metric,
                                               nn_search_get_trial (self->search, best)->best);
      set_status (self, text);
    }
  else
    set_status (self, why);
  self->stopping = FALSE;
  update_buttons (self);
}

/* The metric after each epoch of the run that just ended. */
static GArray *
run_history (DsSearchPanel *self, DsTrainingRun *run)
{
  GArray *h = g_array_new (FALSE, FALSE, sizeof (double));
  DsMetricSeries *s = ds_training_run_get_series (run, nn_search_get_spec (self->search)->metric);
  guint n = 0;
  const DsPoint *p = s ? ds_metric_series_get_points (s, &n) : NULL;
  for (guint i = 0; i < n; i++)
    g_array_append_val (h, p[i].y);
  return h;
}

static void
run_ended_cb (DsSearchPanel *self, DsTrainingRun *run)
{
  if (run != self->run)
    return;
  g_autoptr (GArray) h = run_history (self, run);
  const GError *error = ds_training_run_get_error (run);
  NnModel *result = ds_training_run_get_result (run);
  const char *metric = nn_search_get_spec (self->search)->metric;
  g_autofree char *missing = NULL;
  if (!error && h->len == 0 && ds_training_run_get_epochs_done (run) > 0)
    missing = g_strdup_printf (_("The runs report no %s: set a validation split, or search on "
                                 "a metric of the training data"), metric);
  nn_search_finish_job (self->search, &self->job, (double *) h->data, (int) h->len,
                        (g_get_monotonic_time () - self->job_start) / 1e6,
                        result ? nn_model_copy (result) : NULL,
                        self->stopping, error ? error->message : missing);
  if (result)   /* saved with the search: the file links the trial back to this run */
    nn_search_set_trial_run (self->search, self->job.trial, ds_training_run_get_name (run));
  show_trial (self, nn_search_get_trial (self->search, self->job.trial));
  ds_search_plot_set_search (self->plot, self->search);
  keep_search (self);
  g_clear_object (&self->run);
  if (missing)
    finish (self, missing);
  else if (self->stopping)
    finish (self, _("Stopped"));
  else
    run_next (self);
}

static void
run_next (DsSearchPanel *self)
{
  if (!nn_search_next_job (self->search, &self->job))
    {
      finish (self, _("Search finished"));
      return;
    }
  NnFitConfig cfg = self->cfg;
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_search_dup_job_model (self->search, &self->job, self->base, &cfg,
                                                   &error);
  g_autofree char *label = nn_search_dup_trial_label (self->search, self->job.trial);
  g_autofree char *name = g_strdup_printf (_("trial %d: %s"), self->job.trial + 1, label);
  if (m)
    {
      self->run = ds_training_run_new (name, m, self->dataset, &cfg, TRUE);
      g_signal_connect_object (self->run, "ended", G_CALLBACK (run_ended_cb), self,
                               G_CONNECT_SWAPPED);
      GListModel *runs = ds_document_get_runs (self->document);
      ds_training_run_set_color_index (self->run, g_list_model_get_n_items (runs));
    }
  self->job_start = g_get_monotonic_time ();
  if (!m || !ds_training_run_start (self->run, &error))
    {
      g_clear_object (&self->run);
      nn_search_finish_job (self->search, &self->job, NULL, 0, 0, NULL, FALSE, error->message);
      show_trial (self, nn_search_get_trial (self->search, self->job.trial));
      finish (self, error->message);
      return;
    }
  ds_document_add_run (self->document, self->run);
  ds_document_set_current_run (self->document, self->run);
  g_autofree char *text = g_strdup_printf (_("Fit %d of %d: %s"),
                                           nn_search_get_jobs_done (self->search) + 1,
                                           nn_search_get_n_jobs (self->search), name);
  set_status (self, text);
}

/* ---- starting ------------------------------------------------------------------ */

static gboolean
read_spec (DsSearchPanel *self, NnSearchSpec *sp, GError **error)
{
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->params_view);
  GtkTextIter a, b;
  gtk_text_buffer_get_bounds (buf, &a, &b);
  g_autofree char *text = gtk_text_buffer_get_text (buf, &a, &b, FALSE);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    if (*g_strstrip (*l) && **l != '#' && !nn_search_spec_add_param_assignment (sp, *l, error))
      return FALSE;
  sp->strategy = gtk_drop_down_get_selected (self->strategy_drop);
  sp->max_trials = gtk_spin_button_get_value_as_int (self->trials_spin);
  sp->max_epochs_total = gtk_spin_button_get_value_as_int (self->budget_spin);
  sp->min_epochs = gtk_spin_button_get_value_as_int (self->min_spin);
  sp->max_epochs = gtk_spin_button_get_value_as_int (self->max_spin);
  sp->eta = gtk_spin_button_get_value_as_int (self->eta_spin);
  nn_search_spec_set_metric (sp, gtk_editable_get_text (GTK_EDITABLE (self->metric_entry)));
  return TRUE;
}

static void
begin (DsSearchPanel *self, DsDataset *dataset)
{
  NnSearchSpec sp;
  g_autoptr (GError) error = NULL;
  nn_search_spec_init (&sp);
  if (self->have_cfg)
    nn_fit_config_clear (&self->cfg);
  nn_fit_config_init (&self->cfg);
  self->have_cfg = TRUE;
  if (self->config_func)
    self->config_func (self->config_data, &self->cfg);
  sp.seed = self->cfg.seed;
  NnModel *model = ds_document_get_model (self->document);
  g_autoptr (NnSearch) s = read_spec (self, &sp, &error)
                           ? nn_search_new (&sp, model, self->cfg.epochs, &error) : NULL;
  nn_search_spec_clear (&sp);
  if (!s)
    {
      set_status (self, error->message);
      update_buttons (self);
      return;
    }
  /* The rows and the plot borrow the old search's trials. */
  g_list_store_remove_all (self->rows);
  ds_search_plot_set_search (self->plot, NULL);
  g_clear_pointer (&self->search, nn_search_free);
  self->search = g_steal_pointer (&s);
  self->base = nn_model_copy (model);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  self->dataset = ds_dataset_ref (dataset);
  rebuild_columns (self);
  ds_search_plot_set_search (self->plot, self->search);
  self->stopping = FALSE;
  self->orphan = FALSE;
  run_next (self);
  update_buttons (self);
}

static void
dataset_ready_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (DsSearchPanel) self = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (DsDataset) ds = ds_dataset_store_ensure_finish (DS_DATASET_STORE (source), result,
                                                             &error);
  if (!self->loading || g_task_get_cancellable (G_TASK (result)) != self->loading)
    return;
  g_clear_object (&self->loading);
  if (ds)
    begin (self, ds);
  else
    {
      g_autofree char *text = g_strdup_printf (_("The dataset could not be loaded: %s"),
                                               error->message);
      set_status (self, text);
      update_buttons (self);
    }
}

void
ds_search_panel_start (DsSearchPanel *self)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  if (!self->document || ds_search_panel_is_running (self))
    return;
  DsDatasetStore *store = ds_document_get_dataset_store (self->document);
  const char *spec = nn_model_get_dataset (ds_document_get_model (self->document));
  if (!spec || !*spec)
    spec = ds_dataset_store_get_spec (store);
  if (!spec)
    {
      set_status (self, _("Choose a dataset in the Data view first"));
      return;
    }
  g_clear_object (&self->loading);
  self->loading = g_cancellable_new ();
  set_status (self, _("Loading the dataset…"));
  ds_dataset_store_ensure_async (store, spec, self->loading, dataset_ready_cb,
                                 g_object_ref (self));
  update_buttons (self);
}

void
ds_search_panel_stop (DsSearchPanel *self)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  if (self->loading)
    {
      g_cancellable_cancel (self->loading);
      g_clear_object (&self->loading);
      set_status (self, _("Stopped"));
    }
  else if (self->run)
    {
      self->stopping = TRUE;
      set_status (self, _("Stopping after this batch…"));
      ds_training_run_stop (self->run);
    }
  update_buttons (self);
}

/* A row's trial into the document's model: its values and its weights,
 * as one edit that Undo takes back. */
void
ds_search_panel_load_row (DsSearchPanel *self, guint position)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  g_autoptr (DsSearchRow) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);
  g_autoptr (GError) error = NULL;
  if (!row || !self->document || ds_search_panel_is_running (self))
    return;
  NnModel *m = ds_document_get_model (self->document);
  if (!nn_search_apply_trial (self->search, row->trial->index, m, &error))
    {
      ds_document_revert (self->document);
      set_status (self, error->message);
      return;
    }
  g_autofree char *label = g_strdup_printf (_("Load trial %d"), row->trial->index + 1);
  ds_document_commit (self->document, DS_CHANGE_PARAMS, label, NULL);
  g_autofree char *text = row->trial->model
    ? g_strdup_printf (_("Trial %d is in the model, with its trained weights"),
                       row->trial->index + 1)
    : g_strdup_printf (_("Trial %d's values are in the model; its run and its trained "
                         "weights are gone: train it again"), row->trial->index + 1);
  set_status (self, text);
}

/* ---- building ------------------------------------------------------------------ */

static GtkSpinButton *
add_spin (GtkGrid *grid, int row, const char *label, double lo, double hi, double value)
{
  GtkWidget *l = gtk_label_new (label);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  GtkWidget *spin = gtk_spin_button_new_with_range (lo, hi, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_grid_attach (grid, l, (row % 2) * 2, row / 2, 1, 1);
  gtk_grid_attach (grid, spin, (row % 2) * 2 + 1, row / 2, 1, 1);
  return GTK_SPIN_BUTTON (spin);
}

static void
setup_strategy_cb (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkWidget *label = gtk_label_new (NULL);
  PangoLayout *layout = gtk_widget_create_pango_layout (label, data);
  int width;
  pango_layout_get_pixel_size (layout, &width, NULL);
  g_object_unref (layout);
  /* As wide as the longest name (a quarter more: the button's label is
   * bold, and not yet styled here), but no wider than 220 px: a longer
   * one (Russian) wraps. */
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 1);
  gtk_widget_set_size_request (label, MIN (width * 5 / 4, 220), -1);
  gtk_list_item_set_child (item, label);
}

static void
bind_strategy_cb (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkStringObject *s = gtk_list_item_get_item (item);
  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (s));
}

static GtkWidget *
build_settings (DsSearchPanel *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (_("Parameters, one per line: PATH=VALUES"));
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);
  GtkWidget *hint = gtk_label_new (_("optimizer.learning_rate=log:1e-4..1e-1 · "
                                     "layer.NAME.units=16,32,64 · layer.NAME.rate=0.1..0.5 · "
                                     "batch_size=16,32 · optimizer.name=adam,sgd · epochs=5..20"));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  gtk_box_append (GTK_BOX (box), hint);
  self->params_view = GTK_TEXT_VIEW (gtk_text_view_new ());
  gtk_text_view_set_monospace (self->params_view, TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (self->params_view), -1, 72);
  gtk_widget_add_css_class (GTK_WIDGET (self->params_view), "card");
  gtk_text_view_set_left_margin (self->params_view, 6);
  gtk_text_view_set_top_margin (self->params_view, 4);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (self->params_view));

  GtkGrid *grid = GTK_GRID (gtk_grid_new ());
  gtk_grid_set_row_spacing (grid, 6);
  gtk_grid_set_column_spacing (grid, 12);
  static const char *const strategies[] = { N_("Grid"), N_("Random"), N_("Successive halving"),
                                            NULL };
  const char *names[4] = { _(strategies[0]), _(strategies[1]), _(strategies[2]), NULL };
  self->strategy_drop = GTK_DROP_DOWN (gtk_drop_down_new_from_strings (names));
  /* Every row as wide as the longest name: choosing one does not move the
   * spin buttons beside and below (setup_strategy_cb). */
  const char *longest = names[0];
  for (int i = 0; names[i]; i++)
    if (g_utf8_strlen (names[i], -1) > g_utf8_strlen (longest, -1))
      longest = names[i];
  GtkListItemFactory *f = gtk_signal_list_item_factory_new ();
  g_signal_connect_data (f, "setup", G_CALLBACK (setup_strategy_cb), g_strdup (longest),
                         (GClosureNotify) (void (*) (void)) g_free, 0);
  g_signal_connect (f, "bind", G_CALLBACK (bind_strategy_cb), NULL);
  gtk_drop_down_set_factory (self->strategy_drop, f);
  g_object_unref (f);
  gtk_drop_down_set_selected (self->strategy_drop, NN_SEARCH_RANDOM);
  GtkWidget *sl = gtk_label_new (_("Strategy"));
  gtk_label_set_xalign (GTK_LABEL (sl), 0);
  gtk_grid_attach (grid, sl, 0, 0, 1, 1);
  gtk_grid_attach (grid, GTK_WIDGET (self->strategy_drop), 1, 0, 1, 1);
  GtkWidget *ml = gtk_label_new (_("Metric"));
  gtk_label_set_xalign (GTK_LABEL (ml), 0);
  self->metric_entry = GTK_ENTRY (gtk_entry_new ());
  gtk_editable_set_text (GTK_EDITABLE (self->metric_entry), "val_accuracy");
  gtk_grid_attach (grid, ml, 2, 0, 1, 1);
  gtk_grid_attach (grid, GTK_WIDGET (self->metric_entry), 3, 0, 1, 1);
  self->trials_spin = add_spin (grid, 2, _("Trials (grid: at most; 0 all)"), 0, 1000, 8);
  self->budget_spin = add_spin (grid, 3, _("Epoch budget (0: none)"), 0, 100000, 0);
  self->min_spin = add_spin (grid, 4, _("Halving: first rung epochs"), 1, 1000, 1);
  self->max_spin = add_spin (grid, 5, _("Halving: last rung epochs"), 1, 1000, 9);
  self->eta_spin = add_spin (grid, 6, _("Halving: keep 1 in"), 2, 100, 3);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (grid));
  return box;
}

/* The parallel-coordinates plot to a file: SVG when the name ends in
 * .svg, else PNG; the status line says where, or why not. */
void
ds_search_panel_export_plot (DsSearchPanel *self, const char *path)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  g_autoptr (GError) error = NULL;
  DsExportFormat format = g_str_has_suffix (path, ".svg") ? DS_EXPORT_SVG : DS_EXPORT_PNG;
  if (!ds_search_plot_export (self->plot, format, path, &error))
    {
      set_status (self, error->message);
      return;
    }
  g_autofree char *text = g_strdup_printf (_("Exported %s"), path);
  set_status (self, text);
}

static void
export_chosen_cb (GFile *file, gpointer data)
{
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  if (path)
    ds_search_panel_export_plot (data, path);
}

static void
export_cb (DsSearchPanel *self)
{
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self),
                        _("Export the Parallel Coordinates (PNG or SVG)"),
                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), "search.svg", NULL,
                        export_chosen_cb, self);
}

static GtkWidget *
build_controls (DsSearchPanel *self)
{
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->start_button = gtk_button_new_with_label (_("Start search"));
  gtk_widget_add_css_class (self->start_button, "suggested-action");
  g_signal_connect_swapped (self->start_button, "clicked", G_CALLBACK (ds_search_panel_start),
                            self);
  self->stop_button = gtk_button_new_with_label (_("Stop"));
  g_signal_connect_swapped (self->stop_button, "clicked", G_CALLBACK (ds_search_panel_stop), self);
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_xalign (self->status_label, 0);
  gtk_widget_set_hexpand (GTK_WIDGET (self->status_label), TRUE);
  gtk_box_append (GTK_BOX (bar), self->start_button);
  gtk_box_append (GTK_BOX (bar), self->stop_button);
  self->export_button = gtk_button_new_with_mnemonic (_("_Export Plot…"));
  gtk_widget_set_tooltip_text (self->export_button,
                               _("Save the parallel-coordinates plot as PNG or SVG"));
  g_signal_connect_swapped (self->export_button, "clicked", G_CALLBACK (export_cb), self);
  gtk_box_append (GTK_BOX (bar), GTK_WIDGET (self->status_label));
  gtk_box_append (GTK_BOX (bar), self->export_button);
  return bar;
}

static GtkWidget *
build_results (DsSearchPanel *self)
{
  GtkWidget *paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  self->rows = g_list_store_new (DS_TYPE_SEARCH_ROW);
  self->table = GTK_COLUMN_VIEW (gtk_column_view_new (NULL));
  GtkSorter *sorter = gtk_column_view_get_sorter (self->table);
  self->sorted = gtk_sort_list_model_new (G_LIST_MODEL (g_object_ref (self->rows)),
                                          g_object_ref (sorter));
  gtk_column_view_set_model (self->table, GTK_SELECTION_MODEL (
    gtk_single_selection_new (G_LIST_MODEL (g_object_ref (self->sorted)))));
  g_object_unref (gtk_column_view_get_model (self->table));
  gtk_column_view_set_show_column_separators (self->table, TRUE);
  g_signal_connect_swapped (self->table, "activate", G_CALLBACK (ds_search_panel_load_row), self);
  GtkWidget *scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), GTK_WIDGET (self->table));
  gtk_widget_set_size_request (scroll, 560, 200);
  gtk_paned_set_start_child (GTK_PANED (paned), scroll);
  gtk_paned_set_resize_start_child (GTK_PANED (paned), TRUE);
  self->plot = ds_search_plot_new ();
  gtk_widget_set_size_request (GTK_WIDGET (self->plot), 280, 200);
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (self->plot));
  gtk_widget_set_vexpand (paned, TRUE);
  return paned;
}

static void
ds_search_panel_dispose (GObject *object)
{
  DsSearchPanel *self = DS_SEARCH_PANEL (object);
  if (self->loading)
    g_cancellable_cancel (self->loading);
  g_clear_object (&self->loading);
  if (self->run && ds_training_run_is_live (self->run))
    ds_training_run_stop (self->run);
  g_clear_object (&self->run);
  if (self->rows)
    g_list_store_remove_all (self->rows);
  g_clear_object (&self->sorted);
  g_clear_object (&self->rows);
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->base, nn_model_free);
  if (self->plot)
    ds_search_plot_set_search (self->plot, NULL);
  g_clear_pointer (&self->search, nn_search_free);
  if (self->have_cfg)
    nn_fit_config_clear (&self->cfg);
  self->have_cfg = FALSE;
  g_clear_pointer (&self->status, g_free);
  g_clear_pointer (&self->suggested, g_free);
  ds_file_chooser_clear (&self->chooser);
  G_OBJECT_CLASS (ds_search_panel_parent_class)->dispose (object);
}

static void
ds_search_panel_class_init (DsSearchPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ds_search_panel_dispose;
}

static void
ds_search_panel_init (DsSearchPanel *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 12);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 12);
  gtk_widget_set_margin_bottom (GTK_WIDGET (self), 12);
  gtk_box_append (GTK_BOX (self), build_settings (self));
  gtk_box_append (GTK_BOX (self), build_controls (self));
  gtk_box_append (GTK_BOX (self), build_results (self));
  self->status = g_strdup ("");
  update_buttons (self);
}

/* ---- public API ------------------------------------------------------------------ */

GtkWidget *
ds_search_panel_new (void)
{
  return g_object_new (DS_TYPE_SEARCH_PANEL, NULL);
}

/* A first line for a model: its learning rate, and the units of its first
 * Dense layer that is not an output. */
static void
suggest_params (DsSearchPanel *self, NnModel *m)
{
  g_autoptr (GString) text = g_string_new ("optimizer.learning_rate=log:1e-4..1e-1\n");
  int n = nn_model_get_n_layers (m);
  for (int l = 0; l < n; l++)
    {
      gboolean is_output = FALSE;
      for (int o = 0; o < nn_model_get_n_outputs (m); o++)
        is_output |= nn_model_get_output (m, o).layer == l;
      if (!is_output && g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)), "Dense"))
        {
          g_string_append_printf (text, "layer.%s.units=16,32,64\n", nn_model_layer_get_name (m, l));
          break;
        }
    }
  ds_search_panel_set_params_text (self, text->str);
  g_free (self->suggested);
  self->suggested = g_strdup (text->str);
}

/* A number of a range as the parameter text takes it back: an integer
 * range's bounds without a point, a real range's with one. */
static void
append_bound (GString *out, double x, gboolean integer)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (integer)
    {
      g_string_append_printf (out, "%.0f", x);
      return;
    }
  g_ascii_formatd (buf, sizeof buf, "%.6g", x);
  g_string_append (out, buf);
  if (!strpbrk (buf, ".eEn"))
    g_string_append (out, ".0");
}

/* A saved search's settings back into the form: every parameter line and
 * the strategy, trials, budget, rungs and metric. */
static void
show_spec (DsSearchPanel *self)
{
  const NnSearchSpec *sp = nn_search_get_spec (self->search);
  g_autoptr (GString) text = g_string_new (NULL);
  for (guint k = 0; k < sp->params->len; k++)
    {
      const NnSearchParam *p = sp->params->pdata[k];
      g_string_append_printf (text, "%s=", p->path);
      if (p->domain == NN_SEARCH_LIST)
        {
          g_autofree char *list = g_strjoinv (",", p->values);
          g_string_append (text, list);
        }
      else
        {
          if (p->domain == NN_SEARCH_LOG_RANGE)
            g_string_append (text, "log:");
          append_bound (text, p->lo, p->integer);
          g_string_append (text, "..");
          append_bound (text, p->hi, p->integer);
        }
      g_string_append_c (text, '\n');
    }
  ds_search_panel_set_params_text (self, text->str);
  gtk_drop_down_set_selected (self->strategy_drop, sp->strategy);
  gtk_spin_button_set_value (self->trials_spin, sp->max_trials);
  gtk_spin_button_set_value (self->budget_spin, sp->max_epochs_total);
  gtk_spin_button_set_value (self->min_spin, sp->min_epochs);
  gtk_spin_button_set_value (self->max_spin, sp->max_epochs);
  gtk_spin_button_set_value (self->eta_spin, sp->eta);
  gtk_editable_set_text (GTK_EDITABLE (self->metric_entry), sp->metric);
}

/* The parameter box's text, unless the user wrote their own, follows the
 * model: its learning rate and first hidden layer's units. */
static void
suggest_again (DsSearchPanel *self)
{
  g_autofree char *now = ds_search_panel_dup_params_text (self);
  if (!self->suggested || g_strcmp0 (now, self->suggested) == 0 || !*g_strstrip (now))
    suggest_params (self, ds_document_get_model (self->document));
}

/* A reopened search's trials get their trained models back from the
 * document's runs (a file keeps each run's trained model): the run the
 * trial names, else (files written before trials named their runs) the run
 * the panel names after it; the newest such run when several have the name. */
static void
link_trial_runs (DsSearchPanel *self)
{
  GListModel *runs = ds_document_get_runs (self->document);
  guint n_runs = g_list_model_get_n_items (runs);
  for (int i = 0; i < nn_search_get_n_trials (self->search); i++)
    {
      NnTrial *t = nn_search_get_trial (self->search, i);
      if (t->model)
        continue;
      g_autofree char *label = nn_search_dup_trial_label (self->search, i);
      g_autofree char *guess = g_strdup_printf (_("trial %d: %s"), i + 1, label);
      const char *name = t->run ? t->run : guess;
      for (guint k = n_runs; k-- > 0;)
        {
          g_autoptr (DsTrainingRun) run = g_list_model_get_item (runs, k);
          NnModel *result = ds_training_run_get_result (run);
          if (result && g_strcmp0 (ds_training_run_get_name (run), name) == 0)
            {
              t->model = nn_model_copy (result);
              break;
            }
        }
    }
}

/* The document's saved search (when it has one) into the table and plot;
 * a malformed one is refused with its reason and left in the document. */
static void
restore_search (DsSearchPanel *self)
{
  const char *json = ds_document_get_search (self->document);
  g_autofree char *mine = self->search ? nn_search_to_json (self->search) : NULL;
  if (json && g_strcmp0 (mine, json) == 0)
    return;   /* Undo or a revert: the same search, with its trained trials */
  g_autoptr (GError) error = NULL;
  g_autoptr (NnSearch) s = json ? nn_search_new_from_json (json, -1, &error) : NULL;
  g_list_store_remove_all (self->rows);
  ds_search_plot_set_search (self->plot, NULL);
  g_clear_pointer (&self->search, nn_search_free);
  if (!s)
    {
      g_autofree char *text = error ? g_strdup_printf (_("The saved search was not opened: %s"),
                                                       error->message) : NULL;
      set_status (self, text);
      suggest_again (self);
      return;
    }
  self->search = g_steal_pointer (&s);
  link_trial_runs (self);
  rebuild_columns (self);
  for (int i = 0; i < nn_search_get_n_trials (self->search); i++)
    if (nn_search_get_trial (self->search, i)->state != NN_TRIAL_PENDING)
      show_trial (self, nn_search_get_trial (self->search, i));

  show_spec (self);
  finish (self, _("Saved search"));
}

/* Another model (opened, or Undo): the search was about the one before,
 * so it stops; the new document's saved search is shown. */
static void
document_changed_cb (DsSearchPanel *self, guint what)
{
  if (!(what & DS_CHANGE_REPLACED))
    return;
  if (ds_search_panel_is_running (self))
    {
      self->orphan = TRUE;
      ds_search_panel_stop (self);
    }
  else
    restore_search (self);
}

void
ds_search_panel_set_document (DsSearchPanel *self, DsDocument *document)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  if (self->document == document)
    return;
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  self->document = document;
  if (!document)
    return;
  g_signal_connect_object (document, "changed", G_CALLBACK (document_changed_cb), self,
                           G_CONNECT_SWAPPED);
  suggest_params (self, ds_document_get_model (document));
}

void
ds_search_panel_set_config_func (DsSearchPanel *self, DsSearchConfigFunc func, gpointer data)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  self->config_func = func;
  self->config_data = data;
}

void
ds_search_panel_set_params_text (DsSearchPanel *self, const char *text)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->params_view), text, -1);
}

void
ds_search_panel_set_trials (DsSearchPanel *self, int trials)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  gtk_spin_button_set_value (self->trials_spin, trials);
}

void
ds_search_panel_set_strategy (DsSearchPanel *self, NnSearchStrategy strategy)
{
  g_return_if_fail (DS_IS_SEARCH_PANEL (self));
  gtk_drop_down_set_selected (self->strategy_drop, strategy);
}

/* The parameter box's text, newly allocated. */
char *
ds_search_panel_dup_params_text (DsSearchPanel *self)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), NULL);
  GtkTextBuffer *buf = gtk_text_view_get_buffer (self->params_view);
  GtkTextIter a, b;
  gtk_text_buffer_get_bounds (buf, &a, &b);
  return gtk_text_buffer_get_text (buf, &a, &b, FALSE);
}

gboolean
ds_search_panel_is_running (DsSearchPanel *self)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), FALSE);
  return self->run != NULL || self->loading != NULL;
}

GListModel *
ds_search_panel_get_rows (DsSearchPanel *self)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), NULL);
  return G_LIST_MODEL (self->sorted);
}

int
ds_search_panel_get_row_trial (DsSearchPanel *self, guint position)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), -1);
  g_autoptr (DsSearchRow) row = g_list_model_get_item (G_LIST_MODEL (self->sorted), position);
  return row ? row->trial->index : -1;
}

NnSearch *
ds_search_panel_get_search (DsSearchPanel *self)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), NULL);
  return self->search;
}

const char *
ds_search_panel_get_status (DsSearchPanel *self)
{
  g_return_val_if_fail (DS_IS_SEARCH_PANEL (self), NULL);
  return self->status;
}
