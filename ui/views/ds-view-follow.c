/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsViewFollow: the model the Inspect and Generate views look inside (see
 * ds-view-follow.h for the rule). */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>
#include <string.h>

#include "ds-view-follow.h"
#include "ds-view.h"

const char *const ds_view_follow_untrained_text =
  N_("The model has not been trained yet: train it in the Train view, or open a model file "
     "with weights");

static const char *no_model_text =
  N_("There is no model yet: open a sample or a model file, or build one in the Build view, "
     "then train it");

void
ds_view_follow_init (DsViewFollow     *f,
                     GtkWidget        *view,
                     int               seconds,
                     DsViewFollowFunc  follow)
{
  memset (f, 0, sizeof *f);
  f->view = view;
  f->seconds = seconds;
  f->follow = follow;
}

static void
call_follow (DsViewFollow *f)
{
  f->follow (f->view);
}

static gboolean
follow_timeout_cb (gpointer data)
{
  DsViewFollow *f = data;

  f->follow_id = 0;
  call_follow (f);
  return G_SOURCE_REMOVE;
}

/* A live run's new snapshot: followed at most every f->seconds. */
static void
snapshot_cb (DsViewFollow *f)
{
  gint64 wait = f->last_follow + (gint64) f->seconds * G_USEC_PER_SEC - g_get_monotonic_time ();

  if (!gtk_widget_get_mapped (f->view))
    {
      f->stale = TRUE;
      return;
    }
  if (f->follow_id)
    return;
  if (wait <= 0)
    call_follow (f);
  else
    f->follow_id = g_timeout_add ((guint) (wait / 1000) + 1, follow_timeout_cb, f);
}

static void
watch_run (DsViewFollow  *f,
           DsTrainingRun *run)
{
  if (f->run == run)
    return;
  if (f->run)
    g_signal_handlers_disconnect_by_data (f->run, f);
  g_set_object (&f->run, run);
  if (run)
    {
      g_signal_connect_swapped (run, "snapshot", G_CALLBACK (snapshot_cb), f);
      g_signal_connect_swapped (run, "ended", G_CALLBACK (call_follow), f);
    }
}

void
ds_view_follow_reset (DsViewFollow *f)
{
  watch_run (f, NULL);
  g_clear_handle_id (&f->follow_id, g_source_remove);
  if (f->ensure_cancellable)
    g_cancellable_cancel (f->ensure_cancellable);
  g_clear_object (&f->ensure_cancellable);
}

gboolean
ds_view_follow_begin (DsViewFollow *f)
{
  g_clear_handle_id (&f->follow_id, g_source_remove);
  f->stale = !gtk_widget_get_mapped (f->view);
  return !f->stale;
}

void
ds_view_follow_done (DsViewFollow *f)
{
  f->last_follow = g_get_monotonic_time ();
}

static DsDocument *
document_of (DsViewFollow *f)
{
  return ds_view_get_document (DS_VIEW (f->view));
}

NnModel *
ds_view_follow_pick_model (DsViewFollow  *f,
                           char         **text)
{
  DsDocument *doc = document_of (f);
  DsTrainingRun *run = doc ? ds_document_get_current_run (doc) : NULL;
  NnModel *model = doc ? ds_document_get_model (doc) : NULL;

  /* Watched before it starts too: its first snapshot makes it live here. */
  watch_run (f, run);
  if (run && ds_training_run_is_live (run))
    {
      if (ds_training_run_get_snapshot (run))
        {
          *text = g_strdup_printf (_("%s, epoch %d (live)"), ds_training_run_get_name (run),
                                   MAX (1, ds_training_run_get_epoch (run)));
          return ds_training_run_get_snapshot (run);
        }
      *text = g_strdup_printf (_("%s has started: its first weights arrive after its first "
                                 "batch"), ds_training_run_get_name (run));
      return NULL;
    }
  if (run && ds_training_run_get_result (run))
    {
      int epochs = ds_training_run_get_epochs_done (run);

      *text = g_strdup_printf (ngettext ("%s, after %d epoch", "%s, after %d epochs", epochs),
                               ds_training_run_get_name (run), epochs);
      return ds_training_run_get_result (run);
    }
  if (model && nn_model_get_n_layers (model) > 0 && nn_model_has_weights (model))
    {
      *text = g_strdup (_("The model as opened, with its saved weights"));
      return model;
    }
  *text = g_strdup (model && nn_model_get_n_layers (model) == 0
                    ? _(no_model_text) : _(ds_view_follow_untrained_text));
  return NULL;
}

static void
ensure_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(DsDataset) ds = NULL;
  g_autoptr(GError) error = NULL;

  ds = ds_dataset_store_ensure_finish (DS_DATASET_STORE (source), result, &error);
  /* Cancelled: the view or its document went, and f with it maybe. */
  if (ds == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  call_follow (data);
}

/* A model that names its dataset gets it loaded, once the view is shown. */
static void
ensure_dataset (DsViewFollow *f,
                NnModel      *model)
{
  DsDocument *doc = document_of (f);
  DsDatasetStore *store = doc ? ds_document_get_dataset_store (doc) : NULL;
  const char *spec = model ? nn_model_get_dataset (model) : NULL;

  if (store == NULL || spec == NULL || *spec == '\0' || ds_dataset_store_get_loading (store)
      || ds_dataset_store_get_spec (store) != NULL || f->ensure_cancellable)
    return;
  f->ensure_cancellable = g_cancellable_new ();
  ds_dataset_store_ensure_async (store, spec, f->ensure_cancellable, ensure_done_cb, f);
}

DsDataset *
ds_view_follow_pick_dataset (DsViewFollow *f,
                             NnModel      *model)
{
  DsDocument *doc = document_of (f);
  DsTrainingRun *run = doc ? ds_document_get_current_run (doc) : NULL;
  DsDataset *dataset = NULL;

  if (run && ds_training_run_get_dataset (run))
    dataset = ds_training_run_get_dataset (run);
  else if (doc)
    dataset = ds_dataset_store_get_dataset (ds_document_get_dataset_store (doc));
  if (dataset == NULL)
    ensure_dataset (f, model);
  return dataset;
}
