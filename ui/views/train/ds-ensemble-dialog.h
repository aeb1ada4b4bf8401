/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-ensemble-dialog.h: the Train view's Ensemble window: choose runs of
 * the document (their trained weights) and models opened from files, give
 * each a weight, evaluate the ensemble beside its members on the test split
 * (on a worker thread, with progress and Cancel) and read a table of the
 * scores with the best value of each column highlighted. */
#pragma once

#include <adwaita.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_ENSEMBLE_DIALOG (ds_ensemble_dialog_get_type ())
G_DECLARE_FINAL_TYPE (DsEnsembleDialog, ds_ensemble_dialog, DS, ENSEMBLE_DIALOG, AdwWindow)

/* Lists document's runs that have trained weights, each chosen. */
DsEnsembleDialog *ds_ensemble_dialog_new          (GtkWindow        *parent,
                                                   DsDocument       *document);
/* Adds a model as a member (chosen, weight 1); the dialog keeps a copy.
 * What "Add Model from File…" does once the file has loaded. */
void              ds_ensemble_dialog_add_model    (DsEnsembleDialog *self,
                                                   NnModel          *model,
                                                   const char       *name);
/* Candidates listed (runs and files), chosen or not. */
guint             ds_ensemble_dialog_get_n_candidates (DsEnsembleDialog *self);
/* Chooses candidate k or leaves it out, with weight (>= 0). */
void              ds_ensemble_dialog_set_candidate (DsEnsembleDialog *self,
                                                    guint             k,
                                                    gboolean          chosen,
                                                    double            weight);
/* Starts the evaluation, as the Evaluate button does. */
void              ds_ensemble_dialog_evaluate     (DsEnsembleDialog *self);
/* TRUE while an evaluation runs. */
gboolean          ds_ensemble_dialog_is_busy      (DsEnsembleDialog *self);
/* The results table's rows (members, then "Ensemble"; 0 before a result)
 * and columns (name, weight, then the scores). */
guint             ds_ensemble_dialog_get_n_rows   (DsEnsembleDialog *self);
guint             ds_ensemble_dialog_get_n_columns (DsEnsembleDialog *self);
/* The text of a cell (row 0 is the header) and whether it is highlighted
 * as its column's best. */
const char       *ds_ensemble_dialog_get_cell     (DsEnsembleDialog *self,
                                                   guint             row,
                                                   guint             column,
                                                   gboolean         *best);
/* Why the last model offered was not added ("" when it was). */
const char       *ds_ensemble_dialog_get_refusal  (DsEnsembleDialog *self);
/* The status line (the dataset used, or what went wrong). */
const char       *ds_ensemble_dialog_get_status   (DsEnsembleDialog *self);

G_END_DECLS
