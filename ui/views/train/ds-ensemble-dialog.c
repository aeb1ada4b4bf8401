/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Ensemble window: candidates (the document's trained runs and models
 * opened from files) with a check and a weight each; Evaluate builds an
 * NnEnsemble of the chosen ones on the main thread (copies of their
 * models) and scores it on a worker thread, whose progress the window
 * polls; the table lists each member and the ensemble. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <math.h>

#include "ds-ensemble-dialog.h"
#include "ds-file-chooser.h"
#include "ds-jobs.h"
#include "ds-training-run.h"

typedef struct {
  char           *name;
  DsTrainingRun  *run;      /* a run's trained model, or NULL */
  NnModel        *model;    /* a file's model, or NULL */
  GtkCheckButton *check;    /* borrowed: in the row */
  GtkSpinButton  *weight;
} Candidate;

/* What the worker computes; the task owns it. */
typedef struct {
  NnEnsemble       *ensemble;
  DsDataset        *dataset;
  gint              permille;   /* atomic: progress */
  NnEnsembleScores  scores;
} EnsembleJob;

struct _DsEnsembleDialog {
  AdwWindow parent_instance;

  /* Template widgets */
  AdwPreferencesGroup *members_group;
  GtkButton           *add_button;
  GtkButton           *evaluate_button;
  GtkButton           *cancel_button;
  GtkProgressBar      *progress_bar;
  GtkLabel            *status_label;
  GtkLabel            *refusal_label;
  GtkGrid             *table;

  /* Owned */
  DsDocument           *document;
  GPtrArray            *candidates;   /* Candidate */
  GTask                *task;         /* the running evaluation, or NULL */
  GCancellable         *cancel;
  GtkFileChooserNative *chooser;
  guint                 poll_id;
  GPtrArray            *cells;        /* GtkLabel, row-major, header first */
  GArray               *best;         /* gboolean per cell */
  guint                 n_columns;
};

G_DEFINE_FINAL_TYPE (DsEnsembleDialog, ds_ensemble_dialog, ADW_TYPE_WINDOW)

static void
candidate_free (Candidate *c)
{
  g_free (c->name);
  g_clear_object (&c->run);
  g_clear_pointer (&c->model, nn_model_free);
  g_free (c);
}

static void
job_free (EnsembleJob *job)
{
  nn_ensemble_free (job->ensemble);
  g_clear_pointer (&job->dataset, ds_dataset_unref);
  nn_ensemble_scores_clear (&job->scores);
  g_free (job);
}

static void
set_status (DsEnsembleDialog *self,
            const char       *text)
{
  gtk_label_set_text (self->status_label, text ? text : "");
}

/* ---- candidates ------------------------------------------------------------- */

static void clear_table (DsEnsembleDialog *self);

/* Other members or weights: the results shown were of the old ensemble. */
static void
members_changed_cb (DsEnsembleDialog *self)
{
  if (self->n_columns == 0)
    return;
  clear_table (self);
  set_status (self, NULL);
}

static NnModel *
candidate_model (Candidate *c)
{
  return c->run ? ds_training_run_get_result (c->run) : c->model;
}

/* Adds a row for c (takes it). */
static void
add_candidate (DsEnsembleDialog *self,
               Candidate        *c,
               const char       *subtitle)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *check = gtk_check_button_new ();
  GtkWidget *spin = gtk_spin_button_new_with_range (0, 100, 0.1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), c->name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), TRUE);
  gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  c->name, -1);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (spin), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (spin, _("Weight of this model's predictions"));
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
  c->check = GTK_CHECK_BUTTON (check);
  c->weight = GTK_SPIN_BUTTON (spin);
  g_signal_connect_swapped (check, "toggled", G_CALLBACK (members_changed_cb), self);
  g_signal_connect_swapped (spin, "value-changed", G_CALLBACK (members_changed_cb), self);
  adw_preferences_group_add (self->members_group, row);
  g_ptr_array_add (self->candidates, c);
}

/* "test accuracy 0.8512, loss 0.4123" from the run's test scores, or NULL. */
static char *
run_subtitle (DsTrainingRun *run)
{
  const NnScores *s = ds_training_run_get_test_scores (run);
  GString *text;

  if (s == NULL || s->n_values == 0)
    return NULL;
  text = g_string_new (_("Test"));
  for (int k = 0; k < s->n_values && k < 3; k++)
    g_string_append_printf (text, "%s %s %.4f", k ? "," : ":", s->keys[k], s->values[k]);
  return g_string_free (text, FALSE);
}

static void
list_runs (DsEnsembleDialog *self)
{
  GListModel *runs = ds_document_get_runs (self->document);

  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (runs, i);
      Candidate *c;
      g_autofree char *subtitle = NULL;

      /* A GAN's result is its generator, which has no task to score. */
      if (ds_training_run_get_result (run) == NULL || ds_training_run_get_discriminator (run))
        continue;
      c = g_new0 (Candidate, 1);
      c->name = g_strdup (ds_training_run_get_name (run));
      c->run = g_object_ref (run);
      subtitle = run_subtitle (run);
      add_candidate (self, c, subtitle);
    }
  if (self->candidates->len == 0)
    set_status (self, _("No run of this document has trained weights yet: train one, or add "
                        "models from files."));
}

static void
file_chosen_cb (GFile    *file,
                gpointer  user_data)
{
  DsEnsembleDialog *self = DS_ENSEMBLE_DIALOG (user_data);
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autofree char *name = file ? g_file_get_basename (file) : NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) model = NULL;

  if (path == NULL)
    return;
  model = nn_model_load (path, &error);
  if (model == NULL)
    {
      set_status (self, error->message);
      return;
    }
  ds_ensemble_dialog_add_model (self, model, name);
}

static void
add_clicked_cb (DsEnsembleDialog *self)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, _("Deepscope models"));
  gtk_file_filter_add_pattern (filter, "*.json");
  ds_file_chooser_show (&self->chooser, GTK_WIDGET (self), _("Add Model from File"),
                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Add"), NULL, filter,
                        file_chosen_cb, self);
}

/* ---- the results table ------------------------------------------------------ */

static void
clear_table (DsEnsembleDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->table))))
    gtk_grid_remove (self->table, child);
  g_ptr_array_set_size (self->cells, 0);
  g_array_set_size (self->best, 0);
  self->n_columns = 0;
}

static void
add_cell (DsEnsembleDialog *self,
          guint             row,
          guint             column,
          const char       *text,
          gboolean          strong)
{
  GtkWidget *label = gtk_label_new (text);
  gboolean best = FALSE;

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0 : 1);
  if (column == 0)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_hexpand (label, column == 0);
  if (strong)
    gtk_widget_add_css_class (label, "heading");
  gtk_label_set_selectable (GTK_LABEL (label), row > 0 && column > 1);
  gtk_grid_attach (self->table, label, (int) column, (int) row, 1, 1);
  g_ptr_array_add (self->cells, label);
  g_array_append_val (self->best, best);
}

/* A score's column title: the known keys in words, others as they are. */
static const char *
score_title (const char *key)
{
  if (g_str_equal (key, "loss"))
    return _("Loss");
  if (g_str_equal (key, "accuracy"))
    return _("Accuracy");
  if (g_str_equal (key, "mae"))
    return _("MAE");
  return key;
}

/* Highlights cell (row, column) of the grid (row 0 is the header). */
static void
highlight (DsEnsembleDialog *self,
           guint             row,
           guint             column)
{
  guint i = row * self->n_columns + column;

  g_array_index (self->best, gboolean, i) = TRUE;
  gtk_widget_add_css_class (self->cells->pdata[i], "success");
  gtk_widget_add_css_class (self->cells->pdata[i], "heading");
}

/* Marks the best value of score k, in column `column`, in every row that
 * has it (higher is better for an accuracy, lower for a loss or an
 * error). */
static void
mark_best (DsEnsembleDialog       *self,
           const NnEnsembleScores *s,
           int                     k,
           guint                   column)
{
  const char *key = s->ensemble.keys[k];
  gboolean higher = g_str_has_suffix (key, "accuracy");
  guint n_rows = (guint) s->n_members + 1;
  g_autofree double *v = g_new (double, n_rows);
  double best = 0;

  for (guint r = 0; r < n_rows; r++)
    {
      v[r] = nn_scores_get (r < (guint) s->n_members ? &s->members[r] : &s->ensemble, key, NULL);
      if (r == 0 || (higher ? v[r] > best : v[r] < best))
        best = v[r];
    }
  /* As shown: values that print alike tie. */
  for (guint r = 0; r < n_rows; r++)
    if (fabs (v[r] - best) < 5e-5)
      highlight (self, r + 1, column);
}

static void
fill_table (DsEnsembleDialog       *self,
            NnEnsemble             *e,
            const NnEnsembleScores *s)
{
  clear_table (self);
  self->n_columns = 2 + (guint) s->ensemble.n_values;
  add_cell (self, 0, 0, _("Member"), TRUE);
  add_cell (self, 0, 1, _("Weight"), TRUE);
  for (int k = 0; k < s->ensemble.n_values; k++)
    add_cell (self, 0, 2 + (guint) k, score_title (s->ensemble.keys[k]), TRUE);
  for (int r = 0; r <= s->n_members; r++)
    {
      gboolean ensemble = r == s->n_members;
      const NnScores *row = ensemble ? &s->ensemble : &s->members[r];
      g_autofree char *weight = ensemble ? g_strdup ("")
                                : g_strdup_printf ("%.3f", nn_ensemble_get_weight (e, r));

      add_cell (self, (guint) r + 1, 0, ensemble ? _("Ensemble") : nn_ensemble_get_name (e, r),
                ensemble);
      add_cell (self, (guint) r + 1, 1, weight, FALSE);
      for (int k = 0; k < s->ensemble.n_values; k++)
        {
          g_autofree char *text = g_strdup_printf ("%.4f", nn_scores_get (row, s->ensemble.keys[k],
                                                                            NULL));
          add_cell (self, (guint) r + 1, 2 + (guint) k, text, ensemble);
        }
    }
  for (int k = 0; k < s->ensemble.n_values; k++)
    mark_best (self, s, k, 2 + (guint) k);
}

/* ---- evaluating ------------------------------------------------------------- */

static void
set_busy (DsEnsembleDialog *self,
          gboolean          busy)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->evaluate_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->members_group), !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->cancel_button), busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_progress_bar_set_fraction (self->progress_bar, 0);
  if (!busy)
    g_clear_handle_id (&self->poll_id, g_source_remove);
}

/* Worker thread. */
static void
job_progress_cb (double   fraction,
                 gpointer data)
{
  EnsembleJob *job = data;

  g_atomic_int_set (&job->permille, (gint) (fraction * 1000));
}

static void
evaluate_thread (GTask        *task,
                 gpointer      source,
                 gpointer      data,
                 GCancellable *cancel)
{
  EnsembleJob *job = data;
  GError *error = NULL;

  if (nn_ensemble_evaluate (job->ensemble, ds_dataset_get (job->dataset), NULL, 0, &job->scores,
                            job_progress_cb, job, cancel, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static gboolean
poll_cb (gpointer data)
{
  DsEnsembleDialog *self = DS_ENSEMBLE_DIALOG (data);
  EnsembleJob *job = self->task ? g_task_get_task_data (self->task) : NULL;

  if (job)
    gtk_progress_bar_set_fraction (self->progress_bar,
                                   g_atomic_int_get (&job->permille) / 1000.0);
  return G_SOURCE_CONTINUE;
}

static void
evaluate_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  DsEnsembleDialog *self = DS_ENSEMBLE_DIALOG (source);
  EnsembleJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (G_TASK (result) == self->task)
    g_clear_object (&self->task);
  g_clear_object (&self->cancel);
  /* Closed while it ran: the widgets are gone. */
  if (self->candidates == NULL)
    return;
  set_busy (self, FALSE);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      clear_table (self);
      set_status (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                        ? _("Cancelled.") : error->message);
      return;
    }
  fill_table (self, job->ensemble, &job->scores);
  {
    NnDataset *ds = ds_dataset_get (job->dataset);
    g_autofree char *text = g_strdup_printf (_("%d models on the %zu test samples of %s."),
                                             nn_ensemble_get_n_members (job->ensemble),
                                             ds->n_test, ds_dataset_get_spec (job->dataset));
    set_status (self, text);
  }
}

/* The dataset to score on: the first chosen run's, else the document's. */
static DsDataset *
pick_dataset (DsEnsembleDialog *self)
{
  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *c = self->candidates->pdata[i];

      if (c->run && gtk_check_button_get_active (c->check) && ds_training_run_get_dataset (c->run))
        return ds_dataset_ref (ds_training_run_get_dataset (c->run));
    }
  DsDataset *ds = ds_dataset_store_get_dataset (ds_document_get_dataset_store (self->document));
  return ds ? ds_dataset_ref (ds) : NULL;
}

/* The chosen candidates as an ensemble, or NULL with the reason. */
static NnEnsemble *
build_ensemble (DsEnsembleDialog  *self,
                GError           **error)
{
  g_autoptr(NnEnsemble) e = nn_ensemble_new ();
  g_autoptr(GArray) weights = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; i < self->candidates->len; i++)
    {
      Candidate *c = self->candidates->pdata[i];
      double w = gtk_spin_button_get_value (c->weight);

      if (!gtk_check_button_get_active (c->check))
        continue;
      if (!nn_ensemble_add (e, candidate_model (c), c->name, error))
        return NULL;
      g_array_append_val (weights, w);
    }
  if (weights->len == 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Choose at least one model"));
      return NULL;
    }
  if (!nn_ensemble_set_weights (e, (double *) weights->data, (int) weights->len, error))
    return NULL;
  return g_steal_pointer (&e);
}

static void
evaluate_clicked_cb (DsEnsembleDialog *self)
{
  g_autoptr(GError) error = NULL;
  NnEnsemble *e;
  EnsembleJob *job;

  if (self->task)
    return;
  e = build_ensemble (self, &error);
  if (e == NULL)
    {
      clear_table (self);
      set_status (self, error->message);
      return;
    }
  job = g_new0 (EnsembleJob, 1);
  job->ensemble = e;
  job->dataset = pick_dataset (self);
  if (job->dataset == NULL)
    {
      job_free (job);
      clear_table (self);
      set_status (self, _("Load a dataset in the Data view first."));
      return;
    }
  self->cancel = g_cancellable_new ();
  self->task = g_task_new (self, self->cancel, evaluate_done_cb, NULL);
  g_task_set_task_data (self->task, job, (GDestroyNotify) job_free);
  set_busy (self, TRUE);
  set_status (self, _("Evaluating…"));
  self->poll_id = g_timeout_add (100, poll_cb, self);
  ds_jobs_run_in_thread (self->task, evaluate_thread);
}

static void
cancel_clicked_cb (DsEnsembleDialog *self)
{
  if (self->cancel)
    g_cancellable_cancel (self->cancel);
}

/* ---- the object ------------------------------------------------------------- */

static void
ds_ensemble_dialog_dispose (GObject *object)
{
  DsEnsembleDialog *self = DS_ENSEMBLE_DIALOG (object);

  if (self->cancel)
    g_cancellable_cancel (self->cancel);
  g_clear_handle_id (&self->poll_id, g_source_remove);
  ds_file_chooser_clear (&self->chooser);
  g_clear_pointer (&self->candidates, g_ptr_array_unref);
  g_clear_object (&self->document);
  gtk_widget_dispose_template (GTK_WIDGET (self), DS_TYPE_ENSEMBLE_DIALOG);
  G_OBJECT_CLASS (ds_ensemble_dialog_parent_class)->dispose (object);
}

static void
ds_ensemble_dialog_finalize (GObject *object)
{
  DsEnsembleDialog *self = DS_ENSEMBLE_DIALOG (object);

  g_clear_object (&self->task);
  g_clear_object (&self->cancel);
  g_ptr_array_unref (self->cells);
  g_array_unref (self->best);
  G_OBJECT_CLASS (ds_ensemble_dialog_parent_class)->finalize (object);
}

static void
ds_ensemble_dialog_class_init (DsEnsembleDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_ensemble_dialog_dispose;
  object_class->finalize = ds_ensemble_dialog_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/deepscope/Deepscope/ui/ds-ensemble-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, members_group);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, add_button);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, evaluate_button);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, refusal_label);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, status_label);
  gtk_widget_class_bind_template_child (widget_class, DsEnsembleDialog, table);
  gtk_widget_class_bind_template_callback (widget_class, add_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, evaluate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
ds_ensemble_dialog_init (DsEnsembleDialog *self)
{
  self->candidates = g_ptr_array_new_with_free_func ((GDestroyNotify) candidate_free);
  self->cells = g_ptr_array_new ();
  self->best = g_array_new (FALSE, TRUE, sizeof (gboolean));
  gtk_widget_init_template (GTK_WIDGET (self));
}

DsEnsembleDialog *
ds_ensemble_dialog_new (GtkWindow  *parent,
                        DsDocument *document)
{
  DsEnsembleDialog *self;

  g_return_val_if_fail (DS_IS_DOCUMENT (document), NULL);
  self = g_object_new (DS_TYPE_ENSEMBLE_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
  self->document = g_object_ref (document);
  list_runs (self);
  return self;
}

/* The shape of m's input k (k < 0: its output) as text, or NULL. */
static char *
port_shape (const NnModel *m, int k)
{
  NnRef ref = { 0, 0, 0 };
  int nd = 0, shape[NN_MAX_DIMS];

  if (k >= 0)
    ref.layer = nn_model_get_input_layer (m, k);
  else
    ref = nn_model_get_output (m, 0);
  if (!nn_model_get_shape (m, ref, &nd, shape))
    return NULL;
  return nn_shape_to_string (nd, shape, 1);
}

/* NULL when m (named name) does the first member's task: the same inputs
 * and output shapes and the same loss; else why not, naming the mismatch. */
static char *
refusal (DsEnsembleDialog *self,
         NnModel          *m,
         const char       *name)
{
  Candidate *first;
  NnModel *f;
  int n_in;

  if (self->candidates->len == 0)
    return NULL;
  first = self->candidates->pdata[0];
  f = candidate_model (first);
  if (f == NULL || !nn_model_infer (m, NULL))
    return NULL;   /* nothing to compare: Evaluate says what is wrong */
  n_in = nn_model_get_n_inputs (f);
  if (nn_model_get_n_inputs (m) != n_in || nn_model_get_n_outputs (m) != 1)
    return g_strdup_printf (_("“%s” was not added: it has %d inputs and %d outputs, not %d and "
                              "1 as “%s”"), name, nn_model_get_n_inputs (m),
                            nn_model_get_n_outputs (m), n_in, first->name);
  for (int k = -1; k < n_in; k++)
    {
      g_autofree char *want = port_shape (f, k);
      g_autofree char *have = port_shape (m, k);

      if (want && g_strcmp0 (want, have) != 0)
        return k < 0
          ? g_strdup_printf (_("“%s” was not added: its output is %s, not %s as in “%s”"),
                             name, have ? have : "?", want, first->name)
          : g_strdup_printf (_("“%s” was not added: its input is %s, not %s as in “%s”"),
                             name, have ? have : "?", want, first->name);
    }
  if (nn_model_output_get_loss (m, 0) != nn_model_output_get_loss (f, 0))
    {
      NnLoss lm = nn_model_output_get_loss (m, 0);

      return g_strdup_printf (_("“%s” was not added: its loss is %s, not %s as in “%s”"), name,
                              lm == NN_LOSS_NONE ? _("none") : nn_loss_name (lm),
                              nn_loss_name (nn_model_output_get_loss (f, 0)), first->name);
    }
  return NULL;
}

void
ds_ensemble_dialog_add_model (DsEnsembleDialog *self,
                              NnModel          *model,
                              const char       *name)
{
  Candidate *c;
  g_autoptr(NnModel) copy = NULL;
  g_autofree char *why = NULL;

  g_return_if_fail (DS_IS_ENSEMBLE_DIALOG (self) && model);
  if (name == NULL)
    name = nn_model_get_name (model);
  copy = nn_model_copy (model);
  why = refusal (self, copy, name);
  gtk_label_set_text (self->refusal_label, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (self->refusal_label), why != NULL);
  if (why)
    return;
  c = g_new0 (Candidate, 1);
  c->name = g_strdup (name);
  c->model = g_steal_pointer (&copy);
  members_changed_cb (self);
  add_candidate (self, c, nn_model_has_weights (model) ? _("From a file")
                          : _("From a file, without weights"));
  set_status (self, NULL);
}

guint
ds_ensemble_dialog_get_n_candidates (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), 0);
  return self->candidates->len;
}

void
ds_ensemble_dialog_set_candidate (DsEnsembleDialog *self,
                                  guint             k,
                                  gboolean          chosen,
                                  double            weight)
{
  Candidate *c;

  g_return_if_fail (DS_IS_ENSEMBLE_DIALOG (self) && k < self->candidates->len);
  c = self->candidates->pdata[k];
  gtk_check_button_set_active (c->check, chosen);
  gtk_spin_button_set_value (c->weight, weight);
}

void
ds_ensemble_dialog_evaluate (DsEnsembleDialog *self)
{
  g_return_if_fail (DS_IS_ENSEMBLE_DIALOG (self));
  evaluate_clicked_cb (self);
}

gboolean
ds_ensemble_dialog_is_busy (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), FALSE);
  return self->task != NULL;
}

guint
ds_ensemble_dialog_get_n_rows (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), 0);
  return self->n_columns ? self->cells->len / self->n_columns - 1 : 0;
}

guint
ds_ensemble_dialog_get_n_columns (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), 0);
  return self->n_columns;
}

const char *
ds_ensemble_dialog_get_cell (DsEnsembleDialog *self,
                             guint             row,
                             guint             column,
                             gboolean         *best)
{
  guint i;

  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), NULL);
  g_return_val_if_fail (column < self->n_columns, NULL);
  i = row * self->n_columns + column;
  g_return_val_if_fail (i < self->cells->len, NULL);
  if (best)
    *best = g_array_index (self->best, gboolean, i);
  return gtk_label_get_text (self->cells->pdata[i]);
}

const char *
ds_ensemble_dialog_get_refusal (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), NULL);
  return gtk_label_get_text (self->refusal_label);
}

const char *
ds_ensemble_dialog_get_status (DsEnsembleDialog *self)
{
  g_return_val_if_fail (DS_IS_ENSEMBLE_DIALOG (self), NULL);
  return gtk_label_get_text (self->status_label);
}
