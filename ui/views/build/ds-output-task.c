/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The output layer's units and activation, set by the dataset's task. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-output-task.h"

/* What the task set on one layer: the parameters it set, each with the
 * value it replaced (put back when the layer stops being an output). A
 * parameter the person changed since drops out: it is theirs. */
typedef struct
{
  char *units;          /* the task's value, or NULL when the task left it */
  char *units_before;
  char *activation;
  char *activation_before;
  char *note;
} Entry;

static const char *const params[] = { "units", "activation" };

static void
entry_free (Entry *e)
{
  g_free (e->units);
  g_free (e->units_before);
  g_free (e->activation);
  g_free (e->activation_before);
  g_free (e->note);
  g_free (e);
}

static char **
entry_value (Entry *e,
             int    p)
{
  return p == 0 ? &e->units : &e->activation;
}

static char **
entry_before (Entry *e,
              int    p)
{
  return p == 0 ? &e->units_before : &e->activation_before;
}

/* Layer name -> Entry, kept with the document: undo, redo and the other
 * views see the same record. */
static GHashTable *
record_of (DsDocument *document)
{
  GHashTable *record = g_object_get_data (G_OBJECT (document), "ds-output-task");

  if (record == NULL)
    {
      record = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) entry_free);
      g_object_set_data_full (G_OBJECT (document), "ds-output-task", record,
                              (GDestroyNotify) g_hash_table_unref);
    }
  return record;
}

gboolean
ds_output_task_choose (const NnDataset  *ds,
                       int               target,
                       int              *units,
                       const char      **activation,
                       char            **reason)
{
  const NnArray *a;

  g_return_val_if_fail (ds != NULL, FALSE);
  if (target < 0 || target >= ds->n_targets)
    return FALSE;
  a = ds->targets[target];
  if (a->ndim > 1)
    return FALSE;
  if (a->dtype != NN_DTYPE_F32 && ds->n_classes >= 2 && a->sample_size == 1)
    {
      /* Class numbers. Two classes take one sigmoid unit, as Keras courses
       * teach binary classification (binary cross-entropy on labels 0/1). */
      if (ds->n_classes == 2)
        {
          *units = 1;
          *activation = "sigmoid";
          *reason = g_strdup (_("2 classes → 1 unit, sigmoid"));
        }
      else
        {
          *units = ds->n_classes;
          *activation = "softmax";
          *reason = g_strdup_printf (ngettext ("%d class → softmax", "%d classes → softmax", ds->n_classes),
                                     ds->n_classes);
        }
      return TRUE;
    }
  if (ds->n_classes >= 2 && (int) a->sample_size == ds->n_classes)
    {
      /* One-hot targets: one softmax unit per column, two classes too. */
      *units = ds->n_classes;
      *activation = "softmax";
      *reason = g_strdup_printf (ngettext ("%d class, one-hot → softmax", "%d classes, one-hot → softmax",
                                           ds->n_classes), ds->n_classes);
      return TRUE;
    }
  if (a->sample_size < 1 || a->sample_size > 65536)
    return FALSE;
  *units = (int) a->sample_size;
  *activation = "linear";
  *reason = g_strdup_printf (g_dngettext (NULL, "%d target value → linear",
                                          "%d target values → linear", *units), *units);
  return TRUE;
}

static const NnParamSpec *
find_spec (const NnLayerType *t,
           const char        *name)
{
  for (guint i = 0; i < nn_layer_type_get_n_params (t); i++)
    if (g_str_equal (nn_layer_type_get_param (t, i)->name, name))
      return nn_layer_type_get_param (t, i);
  return NULL;
}

/* The model's outputs as the document keeps them (ds_document_commit):
 * every connected layer that nothing reads, in layer order. */
static gboolean *
find_sinks (NnModel *m)
{
  int n = nn_model_get_n_layers (m);
  gboolean *sink = g_new0 (gboolean, MAX (n, 1));
  g_autofree gboolean *read = g_new0 (gboolean, MAX (n, 1));

  for (int l = 0; l < n; l++)
    for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
      for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
        {
          NnRef r = nn_model_call_get_input (m, l, c, s);

          if (r.layer >= 0 && r.layer < n)
            read[r.layer] = TRUE;
        }
  for (int l = 0; l < n; l++)
    sink[l] = !read[l] && nn_model_layer_get_n_calls (m, l) > 0
              && nn_layer_type_get_min_inputs (nn_model_layer_get_type (m, l)) > 0;
  return sink;
}

/* Forgets what the person changed since the task set it; a layer that is
 * no longer an output gets back what it had. */
static gboolean
review_record (GHashTable *record,
               NnModel    *m,
               gboolean   *sink)
{
  GHashTableIter iter;
  gpointer key, value;
  gboolean changed = FALSE;

  g_hash_table_iter_init (&iter, record);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Entry *e = value;
      int l = nn_model_find_layer (m, key);
      gboolean any = FALSE;

      for (int p = 0; l >= 0 && p < (int) G_N_ELEMENTS (params); p++)
        {
          g_autofree char *now = NULL;

          if (*entry_value (e, p) == NULL)
            continue;
          now = nn_model_layer_dup_param_text (m, l, params[p]);
          if (g_strcmp0 (now, *entry_value (e, p)) != 0)
            g_clear_pointer (entry_value (e, p), g_free);
          else if (!sink[l])
            changed |= nn_model_layer_set_param (m, l, params[p], *entry_before (e, p), NULL);
          else
            any = TRUE;
        }
      if (!any)
        g_hash_table_iter_remove (&iter);
    }
  return changed;
}

/* Sets one output layer from target `target`; TRUE when it changed. */
static gboolean
set_output (GHashTable      *record,
            NnModel         *m,
            int              l,
            const NnDataset *ds,
            int              target)
{
  const NnLayerType *t = nn_model_layer_get_type (m, l);
  const char *name = nn_model_layer_get_name (m, l);
  Entry *e = g_hash_table_lookup (record, name);
  g_autofree char *reason = NULL;
  char units_text[16];
  const char *want[2];
  const char *activation;
  gboolean changed = FALSE;
  int units;

  if (!ds_output_task_choose (ds, target, &units, &activation, &reason))
    return FALSE;
  g_snprintf (units_text, sizeof units_text, "%d", units);
  want[0] = units_text;
  want[1] = activation;
  for (int p = 0; p < (int) G_N_ELEMENTS (params); p++)
    {
      const NnParamSpec *spec = find_spec (t, params[p]);
      g_autofree char *now = nn_model_layer_dup_param_text (m, l, params[p]);
      gboolean ours = e != NULL && *entry_value (e, p) != NULL;

      /* Free to set: what the task set before, or the layer's default,
       * which nobody chose. */
      if (spec == NULL || (!ours && g_strcmp0 (now, spec->def) != 0))
        continue;
      if (g_strcmp0 (now, want[p]) != 0
          && !nn_model_layer_set_param (m, l, params[p], want[p], NULL))
        continue;
      changed |= g_strcmp0 (now, want[p]) != 0;
      if (e == NULL)
        {
          e = g_new0 (Entry, 1);
          g_hash_table_insert (record, g_strdup (name), e);
        }
      if (!ours)
        *entry_before (e, p) = g_strdup (now);
      g_free (*entry_value (e, p));
      *entry_value (e, p) = g_strdup (want[p]);
    }
  if (e != NULL)
    {
      g_free (e->note);
      e->note = g_strdup_printf (_("Set by the task: %s"), reason);
    }
  return changed;
}

gboolean
ds_output_task_apply (DsDocument *document)
{
  NnModel *m;
  GHashTable *record;
  DsDataset *dataset;
  g_autofree gboolean *sink = NULL;
  gboolean changed;
  int k = 0;

  g_return_val_if_fail (DS_IS_DOCUMENT (document), FALSE);
  m = ds_document_get_model (document);
  record = record_of (document);
  sink = find_sinks (m);
  changed = review_record (record, m, sink);
  dataset = ds_dataset_store_get_dataset (ds_document_get_dataset_store (document));
  if (dataset == NULL)
    return changed;
  /* Output k reads target k (the trainer's rule). */
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    if (sink[l])
      {
        if (g_str_equal (nn_layer_type_get_name (nn_model_layer_get_type (m, l)), "Dense"))
          changed |= set_output (record, m, l, ds_dataset_get (dataset), k);
        k++;
      }
  return changed;
}

const char *
ds_output_task_get_note (DsDocument *document,
                         int         layer)
{
  NnModel *m;
  Entry *e;

  g_return_val_if_fail (DS_IS_DOCUMENT (document), NULL);
  m = ds_document_get_model (document);
  if (layer < 0 || layer >= nn_model_get_n_layers (m))
    return NULL;
  e = g_hash_table_lookup (record_of (document), nn_model_layer_get_name (m, layer));
  if (e == NULL || e->activation == NULL)
    return NULL;
  {
    /* The note names the activation: once the person picks another, it
     * no longer holds. */
    g_autofree char *now = nn_model_layer_dup_param_text (m, layer, "activation");

    return g_strcmp0 (now, e->activation) == 0 ? e->note : NULL;
  }
}
