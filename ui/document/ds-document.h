/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-document.h: the model being edited in a window, its file, its undo
 * history and whether it has unsaved changes, and the state its views
 * share: the dataset store and the training runs. Views share one document
 * and redraw on ::changed. */
#pragma once

#include <gio/gio.h>

#include "ds-dataset-store.h"
#include "ds-training-run.h"
#include "nn.h"

G_BEGIN_DECLS

typedef enum {
  DS_CHANGE_STRUCTURE = 1 << 0,  /* layers or edges added/removed */
  DS_CHANGE_PARAMS    = 1 << 1,  /* a layer's configuration or name */
  DS_CHANGE_POSITIONS = 1 << 2,  /* only editor positions */
  DS_CHANGE_REPLACED  = 1 << 3,  /* a new model object (open, undo, redo) */
} DsChange;

#define DS_TYPE_DOCUMENT (ds_document_get_type ())
G_DECLARE_FINAL_TYPE (DsDocument, ds_document, DS, DOCUMENT, GObject)

DsDocument  *ds_document_new          (void);
/* The model (borrowed). It is replaced by open, undo and redo, so don't keep
 * it across ::changed with DS_CHANGE_REPLACED. */
NnModel     *ds_document_get_model    (DsDocument *self);
GFile       *ds_document_get_file     (DsDocument *self);
gboolean     ds_document_get_dirty    (DsDocument *self);
/* TRUE for a new, never edited document (open may reuse its window). */
gboolean     ds_document_is_pristine  (DsDocument *self);
char        *ds_document_dup_title    (DsDocument *self);

/* Loads a model file with its saved runs, which replace the document's
 * runs (live ones stop); ds_document_reset empties the runs too. */
gboolean     ds_document_load         (DsDocument *self, GFile *file, GError **error);
/* Takes the model; file may be NULL. dirty: start as unsaved (recovery). */
void         ds_document_take_model   (DsDocument *self, NnModel *model, GFile *file,
                                       gboolean dirty);
/* The same, and the runs (NnRunRecord, may be NULL) replace the document's. */
void         ds_document_take_model_with_runs (DsDocument *self, NnModel *model, GFile *file,
                                               gboolean dirty, GPtrArray *runs);
/* Saves the model, naming the dataset shown in the store when it names
 * none, with its weights and the runs' histories. */
gboolean     ds_document_save         (DsDocument *self, GFile *file, GError **error);
void         ds_document_reset        (DsDocument *self);

/* Call after changing the model: runs shape inference, keeps the outputs in
 * step with the graph on structural edits, records an undo state and emits
 * ::changed. See ds_undo_stack_push for merge_key. */
void         ds_document_commit       (DsDocument *self, DsChange what,
                                       const char *label, const char *merge_key);
/* TRUE when output `output`'s loss and metric are the ones its layer's
 * activation suggests (nn_model_suggest_loss) and follow it on every
 * commit; FALSE once the person chose them (or the file named them). */
gboolean     ds_document_output_loss_is_automatic (DsDocument *self, int output);
/* Emits ::changed for a change not recorded in the history (positions
 * during a drag, before the commit at its end). */
void         ds_document_notify_live  (DsDocument *self, DsChange what);

/* Throws away changes made to the model since the last commit (after an
 * edit that failed half-way). */
void         ds_document_revert       (DsDocument *self);

gboolean     ds_document_can_undo     (DsDocument *self);
gboolean     ds_document_can_redo     (DsDocument *self);
gboolean     ds_document_undo         (DsDocument *self);
gboolean     ds_document_redo         (DsDocument *self);
const char  *ds_document_get_undo_label (DsDocument *self);
const char  *ds_document_get_redo_label (DsDocument *self);
/* Changes with every recorded edit (autosave compares it). */
guint64      ds_document_get_serial   (DsDocument *self);

/* The dataset the views share (borrowed: the document owns it). The Data
 * view chooses it, the Train view trains on it. */
DsDatasetStore *ds_document_get_dataset_store (DsDocument *self);

/* Every training run of this document, oldest first: a GListModel of
 * DsTrainingRun (borrowed). The Train view adds and removes runs; any view
 * may read them. Live runs stop when the document is disposed. */
GListModel    *ds_document_get_runs        (DsDocument    *self);
/* The runs' histories as the model file keeps them: a new array of
 * NnRunRecord, oldest first (ds_document_save writes these). */
GPtrArray     *ds_document_dup_run_records (DsDocument    *self);
/* The hyperparameter search saved with the document, as
 * nn_search_to_json() wrote it (borrowed), or NULL; set it NULL to drop
 * it. Opening a file sets it from the file (unchecked: the Search page
 * reads it and refuses a malformed one). */
const char    *ds_document_get_search      (DsDocument    *self);
void           ds_document_set_search      (DsDocument    *self,
                                            const char    *json);
/* Appends run (the document takes a reference). A model that names no
 * dataset takes the run's. */
void           ds_document_add_run         (DsDocument    *self,
                                            DsTrainingRun *run);
/* Removes run from the list (and as the current run); FALSE when it is
 * not in the list. */
gboolean       ds_document_remove_run      (DsDocument    *self,
                                            DsTrainingRun *run);
/* The run the views show (the newest one started, unless removed), or
 * NULL; property "current-run". */
DsTrainingRun *ds_document_get_current_run (DsDocument    *self);
void           ds_document_set_current_run (DsDocument    *self,
                                            DsTrainingRun *run);
/* Asks for test-split sample index to be shown in the Inspect view: emits
 * ::inspect-sample (index), which the window and that view follow. */
void           ds_document_inspect_sample  (DsDocument    *self,
                                            guint          index);

G_END_DECLS

G_BEGIN_DECLS
/* Like ds_document_commit, but folds the change into the edit just
 * recorded instead of adding an undo step: for a change that edit caused
 * (the output layer set for a newly chosen dataset). */
void         ds_document_amend        (DsDocument *self, DsChange what);
G_END_DECLS
