/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-dataset-store.h: the dataset a document's views share. The Data view
 * chooses it, the Train view trains on it; it loads on a worker thread
 * (GTask) with cancel, and keeps one loaded copy per document. */
#pragma once

#include <gio/gio.h>

#include "nn.h"

G_BEGIN_DECLS

/* A loaded dataset, reference counted: a training run keeps its dataset
 * alive while the worker thread reads it, even if the person picks another
 * one meanwhile. */
typedef struct _DsDataset DsDataset;

#define DS_TYPE_DATASET (ds_dataset_get_type ())
GType       ds_dataset_get_type  (void) G_GNUC_CONST;
DsDataset  *ds_dataset_new_take  (NnDataset *dataset);
DsDataset  *ds_dataset_ref       (DsDataset *self);
void        ds_dataset_unref     (DsDataset *self);
/* The engine dataset (borrowed; read-only once shared). */
NnDataset  *ds_dataset_get       (DsDataset *self);
/* The spec it was opened with (borrowed), or NULL. */
const char *ds_dataset_get_spec  (DsDataset *self);
/* TRUE for a set with one input of two features (the 2-D playground). */
gboolean    ds_dataset_is_2d     (DsDataset *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsDataset, ds_dataset_unref)

#define DS_TYPE_DATASET_STORE (ds_dataset_store_get_type ())
G_DECLARE_FINAL_TYPE (DsDatasetStore, ds_dataset_store, DS, DATASET_STORE, GObject)

/* An empty store; a document owns one (ds_document_get_dataset_store). */
DsDatasetStore *ds_dataset_store_new (void);

/* Options of a load that the spec does not carry. */
typedef enum {
  DS_LOAD_ONE_HOT    = 1 << 0,  /* integer class targets become one-hot vectors */
  DS_LOAD_SKIP_BAD   = 1 << 1,  /* a PNG folder skips unreadable images */
} DsLoadFlags;

/* The preprocessing a store loaded the dataset with (0 for one made
 * with ds_dataset_new_take). The bits are NnDatasetFlags'. */
DsLoadFlags ds_dataset_get_flags (DsDataset *self);

/* Starts loading spec (see nn_dataset_open; a folder of PNG images by class
 * also works), cancelling any load in progress. Nothing happens when spec
 * is already loaded or loading with the same flags. */
void        ds_dataset_store_load        (DsDatasetStore *self,
                                          const char     *spec,
                                          DsLoadFlags     flags);
void        ds_dataset_store_cancel      (DsDatasetStore *self);
/* The loaded dataset (borrowed), or NULL while loading or after a failure. */
DsDataset  *ds_dataset_store_get_dataset (DsDatasetStore *self);
/* The spec last asked for (loaded, loading or failed), or NULL. */
const char *ds_dataset_store_get_spec    (DsDatasetStore *self);
DsLoadFlags ds_dataset_store_get_flags   (DsDatasetStore *self);
gboolean    ds_dataset_store_get_loading (DsDatasetStore *self);
/* Why the last load failed (borrowed), or NULL. */
const GError *ds_dataset_store_get_error (DsDatasetStore *self);
/* Seconds the last successful load took. */
double      ds_dataset_store_get_load_seconds (DsDatasetStore *self);
/* Files a PNG-folder load skipped ("path: reason"), or NULL. */
GPtrArray  *ds_dataset_store_get_skipped (DsDatasetStore *self);

/* Makes sure the store holds spec (loading it with the store's current
 * flags unless it is loaded or loading already) and calls callback once it
 * does, or once that can no longer happen: the load failed, was cancelled
 * (ds_dataset_store_cancel or cancellable) or another spec replaced it.
 * Never calls back before it returns. */
void        ds_dataset_store_ensure_async  (DsDatasetStore      *self,
                                            const char          *spec,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* The dataset (a new reference), or NULL with the load's error, or
 * G_IO_ERROR_CANCELLED when the load was cancelled or replaced by another
 * spec. */
DsDataset  *ds_dataset_store_ensure_finish (DsDatasetStore      *self,
                                            GAsyncResult        *result,
                                            GError             **error);

G_END_DECLS
