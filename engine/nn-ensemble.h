/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-ensemble.h: ensembles of trained models of one task (engine/train).
 * Every member takes the same inputs and gives one output of the same
 * shape with the same loss; the ensemble's prediction is the weighted mean
 * of the members' predictions (probabilities for a classifier, values for
 * a regression). Include nn.h. */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "nn-tensor.h"
#include "nn-errors.h"
#include "nn-model.h"
#include "nn-data.h"
#include "nn-train.h"

G_BEGIN_DECLS

typedef struct _NnEnsemble NnEnsemble;

NnEnsemble *nn_ensemble_new           (void);
void        nn_ensemble_free          (NnEnsemble *e);
/* Adds a copy of model m (with its weights) named `name` ("run 2",
 * "mlp-a.json") with weight 1. Refused with NN_TRAIN_ERROR_CONFIG, naming
 * m, when m has no weights, not one output, no loss, or inputs, output
 * shape or loss that differ from the first member's. */
gboolean    nn_ensemble_add           (NnEnsemble *e, const NnModel *m, const char *name,
                                       GError **error);
int         nn_ensemble_get_n_members (const NnEnsemble *e);
/* Member k's name (borrowed). */
const char *nn_ensemble_get_name      (const NnEnsemble *e, int k);
/* Member k's model (borrowed). */
NnModel    *nn_ensemble_get_model     (const NnEnsemble *e, int k);
/* Member k's weight, normalized: the weights sum to 1. */
double      nn_ensemble_get_weight    (const NnEnsemble *e, int k);
/* One weight per member (n must be the member count), any positive scale;
 * refused when one is negative or not finite, or when all are zero. */
gboolean    nn_ensemble_set_weights   (NnEnsemble *e, const double *weights, int n,
                                       GError **error);

/* The scores of each member and of the ensemble, all measured the same
 * way on the ensembled predictions: "loss" (the members' loss on
 * probabilities, clipped as Keras does), then "accuracy" for a classifier
 * or "mae" for a regression, then the first member's other metrics. */
typedef struct {
  int       n_members;
  NnScores *members;    /* n_members */
  NnScores  ensemble;
} NnEnsembleScores;

void        nn_ensemble_scores_clear  (NnEnsembleScores *s);

/* Called after each slice of samples with the fraction done (0 to 1). */
typedef void (*NnEnsembleProgress) (double fraction, gpointer user_data);

/* Evaluates every member and the ensemble on samples idx (NULL: the test
 * split), one slice of samples at a time through all members. FALSE with
 * G_IO_ERROR_CANCELLED when cancel is cancelled, or with the reason (the
 * dataset does not fit the members). */
gboolean    nn_ensemble_evaluate      (NnEnsemble *e, NnDataset *ds, const guint32 *idx,
                                       size_t n, NnEnsembleScores *out,
                                       NnEnsembleProgress progress, gpointer progress_data,
                                       GCancellable *cancel, GError **error);
/* The ensemble's predictions for samples idx: (n, ...) as a member's
 * output. */
NnTensor   *nn_ensemble_predict       (NnEnsemble *e, NnDataset *ds, const guint32 *idx,
                                       size_t n, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnEnsemble, nn_ensemble_free)

G_END_DECLS
