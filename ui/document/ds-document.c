/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-document.h"
#include "ds-undo-stack.h"

struct _DsDocument
{
  GObject      parent_instance;

  NnModel     *model;
  GFile       *file;
  DsUndoStack *undo;
  guint64      saved_serial;    /* undo serial of the saved state; 0: none */
  gboolean     edited;          /* any commit since new/load */
  DsDatasetStore *store;
  GListStore  *runs;            /* DsTrainingRun, oldest first */
  DsTrainingRun *current;
  GHashTable  *auto_losses;     /* output layer name → loss + 1 it was given
                                 * automatically (it follows the layer) */
  GPtrArray   *searches;        /* char *: searches as nn_search_to_json() */
};

G_DEFINE_FINAL_TYPE (DsDocument, ds_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_DIRTY,
  PROP_CAN_UNDO,
  PROP_CAN_REDO,
  PROP_TITLE,
  PROP_CURRENT_RUN,
  N_PROPS
};

enum {
  CHANGED,
  INSPECT_SAMPLE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void follow_losses (DsDocument *self);

static char *
snapshot (NnModel *model)
{
  g_autoptr(GError) error = NULL;
  /* Weights ride along when present, so undo never loses a trained model. */
  char *json = nn_model_to_json (model, nn_model_has_weights (model), &error);

  if (json == NULL)
    {
      g_warning ("Cannot serialize the model for undo: %s", error->message);
      json = g_strdup ("");
    }
  return json;
}

static void
notify_state (DsDocument *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TITLE]);
}

static void
undo_notify_cb (DsDocument *self,
                GParamSpec *pspec)
{
  if (g_strcmp0 (pspec->name, "can-undo") == 0)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_UNDO]);
  else
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAN_REDO]);
}

static void
ds_document_dispose (GObject *object)
{
  DsDocument *self = DS_DOCUMENT (object);

  /* Live runs stop with their document (their workers end within a
   * batch); a run holds itself until its worker has ended. */
  for (guint i = 0; self->runs && i < g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (ds_training_run_is_live (run))
        ds_training_run_stop (run);
    }
  g_clear_object (&self->current);
  g_clear_object (&self->runs);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (ds_document_parent_class)->dispose (object);
}

static void
ds_document_finalize (GObject *object)
{
  DsDocument *self = DS_DOCUMENT (object);

  g_clear_pointer (&self->model, nn_model_free);
  g_clear_object (&self->file);
  g_clear_object (&self->undo);
  g_clear_pointer (&self->auto_losses, g_hash_table_unref);
  g_clear_pointer (&self->searches, g_ptr_array_unref);
  G_OBJECT_CLASS (ds_document_parent_class)->finalize (object);
}

static void
ds_document_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DsDocument *self = DS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_DIRTY:
      g_value_set_boolean (value, ds_document_get_dirty (self));
      break;
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, ds_document_can_undo (self));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, ds_document_can_redo (self));
      break;
    case PROP_TITLE:
      g_value_take_string (value, ds_document_dup_title (self));
      break;
    case PROP_CURRENT_RUN:
      g_value_set_object (value, self->current);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_document_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  DsDocument *self = DS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_CURRENT_RUN:
      ds_document_set_current_run (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_document_class_init (DsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ds_document_dispose;
  object_class->finalize = ds_document_finalize;
  object_class->get_property = ds_document_get_property;
  object_class->set_property = ds_document_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_UNDO] =
    g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] =
    g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] =
    g_param_spec_string ("title", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURRENT_RUN] =
    g_param_spec_object ("current-run", NULL, NULL, DS_TYPE_TRAINING_RUN,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DsDocument::changed:
   * @what: a #DsChange mask
   */
  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * DsDocument::inspect-sample:
   * @index: a position in the dataset's test split
   *
   * A view asks for this test sample to be shown in the Inspect view (the
   * projector's click): the window shows that view, which opens it.
   */
  signals[INSPECT_SAMPLE] =
    g_signal_new ("inspect-sample", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ds_document_init (DsDocument *self)
{
  g_autofree char *state = NULL;

  self->auto_losses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->searches = g_ptr_array_new_with_free_func (g_free);
  self->undo = ds_undo_stack_new (200);
  g_signal_connect_object (self->undo, "notify", G_CALLBACK (undo_notify_cb), self,
                           G_CONNECT_SWAPPED);
  self->model = nn_model_new ("model");
  state = snapshot (self->model);
  ds_undo_stack_reset (self->undo, state);
  self->saved_serial = ds_undo_stack_get_serial (self->undo);
  self->store = ds_dataset_store_new ();
  self->runs = g_list_store_new (DS_TYPE_TRAINING_RUN);
}

DsDocument *
ds_document_new (void)
{
  return g_object_new (DS_TYPE_DOCUMENT, NULL);
}

NnModel *
ds_document_get_model (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return self->model;
}

GFile *
ds_document_get_file (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return self->file;
}

gboolean
ds_document_get_dirty (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  return ds_undo_stack_get_serial (self->undo) != self->saved_serial;
}

gboolean
ds_document_is_pristine (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  return self->file == NULL && !self->edited && nn_model_get_n_layers (self->model) == 0;
}

char *
ds_document_dup_title (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  if (self->file == NULL)
    return g_strdup (_("Untitled"));
  return g_file_get_basename (self->file);
}

/* The runs of another model go with it: live ones stop (their trained
 * weights stay with them), and the new model's saved runs come in. */
static void
replace_runs (DsDocument *self,
              GPtrArray  *records)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->runs));
  g_autoptr(GPtrArray) loaded = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      if (ds_training_run_is_live (run))
        ds_training_run_stop (run);
    }
  ds_document_set_current_run (self, NULL);
  for (guint i = 0; records && i < records->len; i++)
    g_ptr_array_add (loaded, ds_training_run_new_from_record (records->pdata[i]));
  g_list_store_splice (self->runs, 0, n, loaded->pdata, loaded->len);
}

static void
replace_model (DsDocument *self,
               NnModel    *model,
               GFile      *file,
               gboolean    dirty,
               GPtrArray  *runs,
               GPtrArray  *searches)
{
  g_autofree char *state = NULL;

  replace_runs (self, runs);
  g_clear_pointer (&self->searches, g_ptr_array_unref);
  self->searches = searches ? searches : g_ptr_array_new_with_free_func (g_free);
  g_clear_pointer (&self->model, nn_model_free);
  self->model = model;
  nn_model_infer (self->model, NULL);
  g_hash_table_remove_all (self->auto_losses);
  follow_losses (self);
  state = snapshot (self->model);
  ds_undo_stack_reset (self->undo, state);
  self->saved_serial = dirty ? 0 : ds_undo_stack_get_serial (self->undo);
  self->edited = dirty;
  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  notify_state (self);
  g_signal_emit (self, signals[CHANGED], 0, (guint) (DS_CHANGE_REPLACED | DS_CHANGE_STRUCTURE));
}

void
ds_document_reset (DsDocument *self)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  replace_model (self, nn_model_new ("model"), NULL, FALSE, NULL, NULL);
}

gboolean
ds_document_load (DsDocument  *self,
                  GFile       *file,
                  GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GPtrArray) searches = NULL;
  NnModel *model;

  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("“%s” is not a local file"), g_file_peek_path (file));
      return FALSE;
    }
  model = nn_model_load_full (path, &runs, &searches, error);
  if (model == NULL)
    return FALSE;
  replace_model (self, model, file, FALSE, runs, g_steal_pointer (&searches));
  return TRUE;
}

void
ds_document_take_model (DsDocument *self,
                        NnModel    *model,
                        GFile      *file,
                        gboolean    dirty)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_return_if_fail (model != NULL);
  replace_model (self, model, file, dirty, NULL, NULL);
}

void
ds_document_take_model_with_runs (DsDocument *self,
                                  NnModel    *model,
                                  GFile      *file,
                                  gboolean    dirty,
                                  GPtrArray  *runs)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_return_if_fail (model != NULL);
  replace_model (self, model, file, dirty, runs, NULL);
}

/* A model that names no dataset takes the one it is shown with and trains
 * on, so that its file names it (the Data view writes a person's choice
 * itself; a preview after New or of a model without one it does not). */
static void
adopt_dataset (DsDocument     *self,
               const char     *spec,
               NnDatasetFlags  flags)
{
  const char *mine = nn_model_get_dataset (self->model);

  if (spec == NULL || *spec == '\0' || (mine && *mine))
    return;
  nn_model_set_dataset (self->model, spec);
  nn_model_set_dataset_flags (self->model, flags);
  ds_document_commit (self, DS_CHANGE_PARAMS, _("Choose Dataset"), NULL);
}

const char *
ds_document_get_search (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return self->searches && self->searches->len ? self->searches->pdata[0] : NULL;
}

void
ds_document_set_search (DsDocument *self, const char *json)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_ptr_array_set_size (self->searches, 0);
  if (json)
    g_ptr_array_add (self->searches, g_strdup (json));
}

GPtrArray *
ds_document_dup_run_records (DsDocument *self)
{
  GPtrArray *records = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);

  g_return_val_if_fail (DS_IS_DOCUMENT (self), records);
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->runs)); i++)
    {
      g_autoptr(DsTrainingRun) run = g_list_model_get_item (G_LIST_MODEL (self->runs), i);

      g_ptr_array_add (records, ds_training_run_dup_record (run));
    }
  return records;
}

gboolean
ds_document_save (DsDocument  *self,
                  GFile       *file,
                  GError     **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  DsDataset *shown;

  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  path = g_file_get_path (file);
  if (path == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                   _("Models can only be saved to local files"));
      return FALSE;
    }
  shown = ds_dataset_store_get_loading (self->store) ? NULL : ds_dataset_store_get_dataset (self->store);
  if (shown)
    adopt_dataset (self, ds_dataset_get_spec (shown), (NnDatasetFlags) ds_dataset_get_flags (shown));
  runs = ds_document_dup_run_records (self);
  if (!nn_model_save_full (self->model, path, nn_model_has_weights (self->model), runs,
                           self->searches, error))
    return FALSE;
  self->saved_serial = ds_undo_stack_get_serial (self->undo);
  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  notify_state (self);
  return TRUE;
}

/* Output i's loss and first metric as one number for the record. */
static int
loss_key (NnModel *m,
          int      i)
{
  int metric = nn_model_output_get_n_metrics (m, i) > 0 ? (int) nn_model_output_get_metric (m, i, 0) + 1 : 0;

  return 1 + (int) nn_model_output_get_loss (m, i) + 64 * metric;
}

/* Whether output i's loss is the document's automatic choice: none yet
 * and never chosen, or the loss and metric it was last given
 * automatically (a metric the person picked makes it theirs too). */
static gboolean
loss_is_automatic (DsDocument *self,
                   int         i)
{
  NnModel *m = self->model;
  const char *name = nn_model_layer_get_name (m, nn_model_get_output (m, i).layer);
  gpointer given;

  if (!g_hash_table_lookup_extended (self->auto_losses, name, NULL, &given))
    return nn_model_output_get_loss (m, i) == NN_LOSS_NONE;
  return GPOINTER_TO_INT (given) == loss_key (m, i);
}

/* Automatic losses follow their output layer: a new model's softmax output
 * gets cross-entropy and accuracy, a linear one MSE and MAE, and a change
 * of activation or units changes them again; a loss the person chose
 * stays. Where no loss suits, the output has none and the Train view says
 * why. Needs inferred shapes (units). */
static void
follow_losses (DsDocument *self)
{
  NnModel *m = self->model;

  for (int i = 0; i < nn_model_get_n_outputs (m); i++)
    {
      const char *name = nn_model_layer_get_name (m, nn_model_get_output (m, i).layer);

      if (loss_is_automatic (self, i))
        {
          NnMetric metric;
          NnLoss loss = nn_model_suggest_loss (m, nn_model_get_output (m, i), &metric, NULL);

          nn_model_output_set_loss (m, i, loss, nn_model_output_get_loss_weight (m, i));
          nn_model_output_set_metrics (m, i, &metric, loss == NN_LOSS_NONE ? 0 : 1);
          g_hash_table_insert (self->auto_losses, g_strdup (name), GINT_TO_POINTER (loss_key (m, i)));
        }
    }
  /* Layers that are no longer outputs stay in the record: an undo may
   * make them outputs again, automatic as they were. */
}

/* Outputs follow the graph: every connected layer that nothing reads from is
 * an output, as in a Keras Model(inputs, outputs) built from the sinks.
 * Outputs that stay keep their loss and metrics; new ones copy the first
 * old output's settings, or start automatic when that one was. */
static void
sync_outputs (DsDocument *self)
{
  NnModel *m = self->model;
  int n = nn_model_get_n_layers (m);
  g_autofree gboolean *read = g_new0 (gboolean, MAX (n, 1));
  g_autofree int *sinks = g_new0 (int, MAX (n, 1));
  int n_sinks = 0, n_old = nn_model_get_n_outputs (m);
  gboolean same;

  typedef struct { NnRef ref; NnLoss loss; double weight; int n_metrics; NnMetric metrics[8];
                   gboolean automatic; } Old;
  g_autofree Old *old = g_new0 (Old, MAX (n_old, 1));

  for (int l = 0; l < n; l++)
    for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
      for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
        {
          NnRef r = nn_model_call_get_input (m, l, c, s);
          if (r.layer >= 0 && r.layer < n)
            read[r.layer] = TRUE;
        }
  for (int l = 0; l < n; l++)
    {
      const NnLayerType *t = nn_model_layer_get_type (m, l);

      if (!read[l] && nn_model_layer_get_n_calls (m, l) > 0
          && t != NULL && nn_layer_type_get_min_inputs (t) > 0)
        sinks[n_sinks++] = l;
    }

  same = n_sinks == n_old;
  for (int i = 0; same && i < n_old; i++)
    same = nn_model_get_output (m, i).layer == sinks[i];
  if (same)
    return;

  for (int i = 0; i < n_old; i++)
    {
      old[i].ref = nn_model_get_output (m, i);
      old[i].loss = nn_model_output_get_loss (m, i);
      old[i].weight = nn_model_output_get_loss_weight (m, i);
      old[i].n_metrics = MIN (nn_model_output_get_n_metrics (m, i), 8);
      for (int k = 0; k < old[i].n_metrics; k++)
        old[i].metrics[k] = nn_model_output_get_metric (m, i, k);
      old[i].automatic = loss_is_automatic (self, i);
    }
  nn_model_clear_outputs (m);
  for (int i = 0; i < n_sinks; i++)
    {
      const Old *o = n_old > 0 ? &old[0] : NULL;
      gboolean kept = FALSE;

      for (int k = 0; k < n_old; k++)
        if (old[k].ref.layer == sinks[i])
          o = &old[k], kept = TRUE;
      if (o != NULL && (kept || !o->automatic))
        nn_model_add_output (m, (NnRef) { sinks[i], 0 }, o->loss, o->weight,
                             o->metrics, o->n_metrics);
      else
        {
          /* A new output: automatic, whatever its name held before. */
          g_hash_table_remove (self->auto_losses, nn_model_layer_get_name (m, sinks[i]));
          nn_model_add_output (m, (NnRef) { sinks[i], 0 }, NN_LOSS_NONE, 1.0, NULL, 0);
        }
    }
}

gboolean
ds_document_output_loss_is_automatic (DsDocument *self,
                                      int         output)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (output >= 0 && output < nn_model_get_n_outputs (self->model), FALSE);
  return loss_is_automatic (self, output);
}

void
ds_document_commit (DsDocument *self,
                    DsChange    what,
                    const char *label,
                    const char *merge_key)
{
  g_autofree char *state = NULL;

  g_return_if_fail (DS_IS_DOCUMENT (self));

  if (what & DS_CHANGE_STRUCTURE)
    sync_outputs (self);
  /* Errors are recorded on the layers; the views show them there. */
  if (what & (DS_CHANGE_STRUCTURE | DS_CHANGE_PARAMS))
    {
      nn_model_infer (self->model, NULL);
      follow_losses (self);
    }
  state = snapshot (self->model);
  if (ds_undo_stack_push (self->undo, state, label, merge_key))
    {
      self->edited = TRUE;
      notify_state (self);
    }
  g_signal_emit (self, signals[CHANGED], 0, (guint) what);
}

void
ds_document_notify_live (DsDocument *self,
                         DsChange    what)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_signal_emit (self, signals[CHANGED], 0, (guint) what);
}

gboolean
ds_document_can_undo (DsDocument *self)
{
  return ds_undo_stack_can_undo (self->undo);
}

gboolean
ds_document_can_redo (DsDocument *self)
{
  return ds_undo_stack_can_redo (self->undo);
}

const char *
ds_document_get_undo_label (DsDocument *self)
{
  return ds_undo_stack_get_undo_label (self->undo);
}

const char *
ds_document_get_redo_label (DsDocument *self)
{
  return ds_undo_stack_get_redo_label (self->undo);
}

static gboolean
restore (DsDocument *self,
         const char *state)
{
  g_autoptr(GError) error = NULL;
  NnModel *model;

  if (state == NULL)
    return FALSE;
  if (*state == '\0')
    model = nn_model_new ("model");
  else
    model = nn_model_load_from_data (state, -1, &error);
  if (model == NULL)
    {
      /* Our own snapshots always parse; if not, keep the current model. */
      g_critical ("Cannot restore an undo state: %s", error->message);
      return FALSE;
    }
  g_clear_pointer (&self->model, nn_model_free);
  self->model = model;
  nn_model_infer (self->model, NULL);
  notify_state (self);
  g_signal_emit (self, signals[CHANGED], 0,
                 (guint) (DS_CHANGE_REPLACED | DS_CHANGE_STRUCTURE | DS_CHANGE_PARAMS));
  return TRUE;
}

void
ds_document_revert (DsDocument *self)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  restore (self, ds_undo_stack_get_current (self->undo));
}

gboolean
ds_document_undo (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  return restore (self, ds_undo_stack_undo (self->undo));
}

gboolean
ds_document_redo (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  return restore (self, ds_undo_stack_redo (self->undo));
}

guint64
ds_document_get_serial (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), 0);
  return ds_undo_stack_get_serial (self->undo);
}

DsDatasetStore *
ds_document_get_dataset_store (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return self->store;
}

GListModel *
ds_document_get_runs (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return G_LIST_MODEL (self->runs);
}

void
ds_document_add_run (DsDocument    *self,
                     DsTrainingRun *run)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_return_if_fail (DS_IS_TRAINING_RUN (run));
  g_list_store_append (self->runs, run);
  adopt_dataset (self, ds_training_run_get_dataset_spec (run), ds_training_run_get_dataset_flags (run));
}

gboolean
ds_document_remove_run (DsDocument    *self,
                        DsTrainingRun *run)
{
  guint pos;

  g_return_val_if_fail (DS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (DS_IS_TRAINING_RUN (run), FALSE);
  if (!g_list_store_find (self->runs, run, &pos))
    return FALSE;
  if (run == self->current)
    ds_document_set_current_run (self, NULL);
  g_list_store_remove (self->runs, pos);
  return TRUE;
}

DsTrainingRun *
ds_document_get_current_run (DsDocument *self)
{
  g_return_val_if_fail (DS_IS_DOCUMENT (self), NULL);
  return self->current;
}

void
ds_document_set_current_run (DsDocument    *self,
                             DsTrainingRun *run)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_return_if_fail (run == NULL || DS_IS_TRAINING_RUN (run));
  if (g_set_object (&self->current, run))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURRENT_RUN]);
}

void
ds_document_amend (DsDocument *self,
                   DsChange    what)
{
  g_autofree char *state = NULL;

  g_return_if_fail (DS_IS_DOCUMENT (self));

  if (what & (DS_CHANGE_STRUCTURE | DS_CHANGE_PARAMS))
    nn_model_infer (self->model, NULL);
  state = snapshot (self->model);
  if (ds_undo_stack_amend (self->undo, state))
    {
      self->edited = TRUE;
      notify_state (self);
    }
  g_signal_emit (self, signals[CHANGED], 0, (guint) what);
}

/**
 * ds_document_inspect_sample:
 * @index: a position in the test split of the dataset the views show
 *
 * Emits ::inspect-sample: one view asks for a sample to be opened in the
 * Inspect view without knowing that view.
 */
void
ds_document_inspect_sample (DsDocument *self,
                            guint       index)
{
  g_return_if_fail (DS_IS_DOCUMENT (self));
  g_signal_emit (self, signals[INSPECT_SAMPLE], 0, index);
}
