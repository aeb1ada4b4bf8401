/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-dataset-store.h"
#include "ds-jobs.h"

/* ---- DsDataset ------------------------------------------------------------ */

/* A model saves the store's flags as its dataset's preprocessing. */
G_STATIC_ASSERT ((int) DS_LOAD_ONE_HOT == (int) NN_DATASET_ONE_HOT);
G_STATIC_ASSERT ((int) DS_LOAD_SKIP_BAD == (int) NN_DATASET_SKIP_BAD);

struct _DsDataset
{
  NnDataset   *dataset;
  DsLoadFlags  flags;     /* the preprocessing it was loaded with */
};

static void
dataset_clear (gpointer data)
{
  DsDataset *self = data;

  g_clear_pointer (&self->dataset, nn_dataset_free);
}

DsDataset *
ds_dataset_new_take (NnDataset *dataset)
{
  DsDataset *self;

  g_return_val_if_fail (dataset != NULL, NULL);
  self = g_atomic_rc_box_new0 (DsDataset);
  self->dataset = dataset;
  return self;
}

DsDataset *
ds_dataset_ref (DsDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_atomic_rc_box_acquire (self);
}

void
ds_dataset_unref (DsDataset *self)
{
  g_return_if_fail (self != NULL);
  g_atomic_rc_box_release_full (self, dataset_clear);
}

G_DEFINE_BOXED_TYPE (DsDataset, ds_dataset, ds_dataset_ref, ds_dataset_unref)

NnDataset *
ds_dataset_get (DsDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dataset;
}

DsLoadFlags
ds_dataset_get_flags (DsDataset *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->flags;
}

const char *
ds_dataset_get_spec (DsDataset *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->dataset->spec;
}

gboolean
ds_dataset_is_2d (DsDataset *self)
{
  NnDataset *ds;

  g_return_val_if_fail (self != NULL, FALSE);
  ds = self->dataset;
  /* Points with features computed from them (":features=") count too. */
  return ds->n_inputs == 1
         && (ds->points != NULL || (ds->inputs[0]->ndim == 1 && ds->inputs[0]->shape[0] == 2));
}

/* ---- DsDatasetStore ------------------------------------------------------- */

struct _DsDatasetStore
{
  GObject       parent_instance;

  DsDataset    *dataset;
  char         *spec;
  DsLoadFlags   flags;
  GCancellable *cancellable;   /* of the load in progress, or NULL */
  GError       *error;
  GPtrArray    *skipped;
  double        load_seconds;
  GPtrArray    *waiters;       /* GTask of ensure_async, waiting for a load */
};

G_DEFINE_FINAL_TYPE (DsDatasetStore, ds_dataset_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_DATASET,
  PROP_SPEC,
  PROP_LOADING,
  PROP_ERROR_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

typedef struct
{
  char        *spec;
  DsLoadFlags  flags;
  gint64       start;
} LoadData;

typedef struct
{
  NnDataset *dataset;
  GPtrArray *skipped;
} LoadResult;

static void
load_data_free (LoadData *data)
{
  g_free (data->spec);
  g_free (data);
}

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->dataset, nn_dataset_free);
  g_clear_pointer (&result->skipped, g_ptr_array_unref);
  g_free (result);
}

static void settle_waiters (DsDatasetStore *self);

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LoadData *data = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) skipped = NULL;
  g_autoptr(NnDataset) ds = NULL;
  LoadResult *result;

  /* A folder of class sub-folders holding PNG images has no options; any
   * other spec is the engine's. */
  if (g_file_test (data->spec, G_FILE_TEST_IS_DIR) && nn_png_folder_detect (data->spec))
    {
      NnPngOptions opt;

      nn_png_options_init (&opt);
      opt.skip_bad = (data->flags & DS_LOAD_SKIP_BAD) != 0;
      ds = nn_png_folder_load (data->spec, &opt, &skipped, cancellable, &error);
      if (ds)
        {
          g_free (ds->spec);
          ds->spec = g_strdup (data->spec);
        }
    }
  else
    ds = nn_dataset_open (data->spec, cancellable, &error);

  if (ds && (data->flags & DS_LOAD_ONE_HOT) && ds->n_classes > 0 && ds->n_targets > 0
      && ds->targets[0]->dtype == NN_DTYPE_I32)
    {
      if (!nn_dataset_one_hot (ds, 0, &error))
        g_clear_pointer (&ds, nn_dataset_free);
    }

  if (ds == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;
  result = g_new0 (LoadResult, 1);
  result->dataset = g_steal_pointer (&ds);
  result->skipped = g_steal_pointer (&skipped);
  g_task_return_pointer (task, result, (GDestroyNotify) load_result_free);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  DsDatasetStore *self = DS_DATASET_STORE (source);
  GTask *task = G_TASK (res);
  LoadData *data = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  LoadResult *result;

  /* A newer load replaced this one: its result is not wanted. */
  if (g_task_get_cancellable (task) != self->cancellable)
    {
      result = g_task_propagate_pointer (task, NULL);
      if (result)
        load_result_free (result);
      return;
    }

  g_clear_object (&self->cancellable);
  result = g_task_propagate_pointer (task, &error);
  g_clear_error (&self->error);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);
  if (result)
    {
      self->dataset = ds_dataset_new_take (g_steal_pointer (&result->dataset));
      self->dataset->flags = data->flags;
      self->skipped = g_steal_pointer (&result->skipped);
      self->load_seconds = (g_get_monotonic_time () - data->start) / 1e6;
      load_result_free (result);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
           && !g_error_matches (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED))
    self->error = g_steal_pointer (&error);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
  g_object_thaw_notify (G_OBJECT (self));
  settle_waiters (self);
}

static void
ds_dataset_store_dispose (GObject *object)
{
  DsDatasetStore *self = DS_DATASET_STORE (object);

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  settle_waiters (self);
  G_OBJECT_CLASS (ds_dataset_store_parent_class)->dispose (object);
}

static void
ds_dataset_store_finalize (GObject *object)
{
  DsDatasetStore *self = DS_DATASET_STORE (object);

  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_free (self->spec);
  g_ptr_array_unref (self->waiters);
  G_OBJECT_CLASS (ds_dataset_store_parent_class)->finalize (object);
}

static void
ds_dataset_store_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DsDatasetStore *self = DS_DATASET_STORE (object);

  switch (prop_id)
    {
    case PROP_DATASET:
      g_value_set_boxed (value, self->dataset);
      break;
    case PROP_SPEC:
      g_value_set_string (value, self->spec);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->cancellable != NULL);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error ? self->error->message : NULL);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_dataset_store_class_init (DsDatasetStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = ds_dataset_store_dispose;
  object_class->finalize = ds_dataset_store_finalize;
  object_class->get_property = ds_dataset_store_get_property;

  properties[PROP_DATASET] =
    g_param_spec_boxed ("dataset", NULL, NULL, DS_TYPE_DATASET,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SPEC] =
    g_param_spec_string ("spec", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ERROR_MESSAGE] =
    g_param_spec_string ("error-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ds_dataset_store_init (DsDatasetStore *self)
{
  self->waiters = g_ptr_array_new ();
}

DsDatasetStore *
ds_dataset_store_new (void)
{
  return g_object_new (DS_TYPE_DATASET_STORE, NULL);
}

void
ds_dataset_store_load (DsDatasetStore *self,
                       const char     *spec,
                       DsLoadFlags     flags)
{
  g_autoptr(GTask) task = NULL;
  LoadData *data;
  gboolean had_dataset;

  g_return_if_fail (DS_IS_DATASET_STORE (self));
  g_return_if_fail (spec != NULL);

  if (g_strcmp0 (spec, self->spec) == 0 && flags == self->flags
      && (self->cancellable != NULL || self->dataset != NULL))
    return;

  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  had_dataset = self->dataset != NULL;
  g_clear_pointer (&self->dataset, ds_dataset_unref);
  g_clear_pointer (&self->skipped, g_ptr_array_unref);
  g_clear_error (&self->error);
  g_free (self->spec);
  self->spec = g_strdup (spec);
  self->flags = flags;
  self->cancellable = g_cancellable_new ();

  data = g_new0 (LoadData, 1);
  data->spec = g_strdup (spec);
  data->flags = flags;
  data->start = g_get_monotonic_time ();
  task = g_task_new (self, self->cancellable, load_done_cb, NULL);
  g_task_set_source_tag (task, ds_dataset_store_load);
  g_task_set_task_data (task, data, (GDestroyNotify) load_data_free);
  ds_jobs_run_in_thread (task, load_thread);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEC]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
  if (had_dataset)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DATASET]);
  g_object_thaw_notify (G_OBJECT (self));
  /* Those waiting for another spec will not get it now. */
  settle_waiters (self);
}

void
ds_dataset_store_cancel (DsDatasetStore *self)
{
  g_return_if_fail (DS_IS_DATASET_STORE (self));

  if (self->cancellable == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  /* Nothing is loaded now; forget the spec so the same one can be asked
   * for again. */
  g_clear_pointer (&self->spec, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEC]);
  settle_waiters (self);
}

DsDataset *
ds_dataset_store_get_dataset (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), NULL);
  return self->dataset;
}

const char *
ds_dataset_store_get_spec (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), NULL);
  return self->spec;
}

DsLoadFlags
ds_dataset_store_get_flags (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), 0);
  return self->flags;
}

gboolean
ds_dataset_store_get_loading (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), FALSE);
  return self->cancellable != NULL;
}

const GError *
ds_dataset_store_get_error (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), NULL);
  return self->error;
}

double
ds_dataset_store_get_load_seconds (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), 0);
  return self->load_seconds;
}

GPtrArray *
ds_dataset_store_get_skipped (DsDatasetStore *self)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), NULL);
  return self->skipped;
}

/* ---- ensure --------------------------------------------------------------- */

typedef struct
{
  char           *spec;
  DsDatasetStore *store;          /* borrowed: the task holds it */
  gulong          cancelled_id;
  guint           idle_id;
} Waiter;

static void
waiter_free (Waiter *w)
{
  g_assert (w->idle_id == 0);
  g_free (w->spec);
  g_free (w);
}

/* Returns the task's result and drops it from the waiters. Not called from
 * inside the cancellable's handler (g_cancellable_disconnect would wait for
 * itself). */
static void
waiter_return (DsDatasetStore *self,
               GTask          *task)
{
  Waiter *w = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_clear_handle_id (&w->idle_id, g_source_remove);
  if (cancellable && w->cancelled_id)
    g_cancellable_disconnect (cancellable, w->cancelled_id);
  w->cancelled_id = 0;
  g_ptr_array_remove (self->waiters, task);

  if (cancellable && g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("Loading the dataset “%s” was cancelled"), w->spec);
  else if (self->dataset && g_strcmp0 (self->spec, w->spec) == 0)
    g_task_return_pointer (task, ds_dataset_ref (self->dataset), (GDestroyNotify) ds_dataset_unref);
  else if (self->error && g_strcmp0 (self->spec, w->spec) == 0)
    g_task_return_error (task, g_error_copy (self->error));
  else if (g_strcmp0 (self->spec, w->spec) == 0)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("Loading the dataset “%s” was cancelled"), w->spec);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The dataset “%s” was replaced by “%s” before it loaded"), w->spec,
                             self->spec ? self->spec : "none");
  g_object_unref (task);
}

/* Answers every waiter whose spec is no longer on its way. */
static void
settle_waiters (DsDatasetStore *self)
{
  for (guint i = self->waiters->len; i-- > 0;)
    {
      GTask *task = self->waiters->pdata[i];
      Waiter *w = g_task_get_task_data (task);
      GCancellable *cancellable = g_task_get_cancellable (task);
      gboolean waiting = self->cancellable != NULL && g_strcmp0 (self->spec, w->spec) == 0;

      if (!waiting || (cancellable && g_cancellable_is_cancelled (cancellable)))
        waiter_return (self, task);
    }
}

static gboolean
waiter_idle_cb (gpointer data)
{
  GTask *task = data;
  Waiter *w = g_task_get_task_data (task);

  w->idle_id = 0;
  waiter_return (w->store, task);
  return G_SOURCE_REMOVE;
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  GTask *task = data;
  Waiter *w = g_task_get_task_data (task);

  /* Answer from the main loop, outside this handler. */
  if (w->idle_id == 0)
    w->idle_id = g_idle_add (waiter_idle_cb, task);
}

void
ds_dataset_store_ensure_async (DsDatasetStore      *self,
                               const char          *spec,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  GTask *task;
  Waiter *w;

  g_return_if_fail (DS_IS_DATASET_STORE (self));
  g_return_if_fail (spec != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, ds_dataset_store_ensure_async);
  w = g_new0 (Waiter, 1);
  w->spec = g_strdup (spec);
  w->store = self;
  g_task_set_task_data (task, w, (GDestroyNotify) waiter_free);
  g_ptr_array_add (self->waiters, task);

  if (!(self->dataset && g_strcmp0 (self->spec, spec) == 0))
    ds_dataset_store_load (self, spec, self->flags);
  if (cancellable)
    w->cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (waiter_cancelled_cb), task, NULL);
  /* Loaded already, or failed at once: answer from the main loop, never
   * before this returns. */
  if (self->cancellable == NULL && w->idle_id == 0)
    w->idle_id = g_idle_add (waiter_idle_cb, task);
}

DsDataset *
ds_dataset_store_ensure_finish (DsDatasetStore  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (DS_IS_DATASET_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == ds_dataset_store_ensure_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
