/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the trainer (nn-train.c) shares with inference (nn-evaluate.c):
 * feeding batches from a dataset into a compiled model and measuring its
 * loss and metrics. */
#pragma once

#include "nn-model-private.h"

/* Per-output sums over the batches of one pass. */
typedef struct {
  double loss_sum;
  double out_loss[16];
  double metric[16][8];
  double metric_n[16][8]; /* what each metric's sum is over: samples, or the
                             real steps of a sequence output */
  double kl_sum;      /* Sampling layers' KL terms, unweighted */
  double count;
} NnEvalAcc;

/* Sets key to v in s (adds it when new; at most NN_MAX_HISTORY_KEYS). */
void     nn_scores_set          (NnScores *s, const char *key, double v);
/* Checks that the dataset fits the compiled model before anything runs;
 * FALSE with an NN_TRAIN_ERROR_CONFIG naming the input or output and the
 * fix. */
gboolean nn_eval_check_data     (NnCompiled *c, NnDataset *ds, gboolean need_targets,
                                 GError **error);
/* Copies samples idx[0..n) into the input (and target) nodes and sets the
 * graph's batch to n. */
void     nn_eval_feed           (NnCompiled *c, NnDataset *ds, const guint32 *idx, int n,
                                 gboolean targets);
/* Adds the last forward pass's losses and metrics (n samples) to acc. */
void     nn_eval_accumulate     (NnCompiled *c, NnEvalAcc *acc, int n);
/* Writes "loss", "accuracy" ... (prefix "val_" for validation) into s. */
void     nn_eval_acc_to_scores  (NnCompiled *c, const NnEvalAcc *acc, const char *prefix,
                                 NnScores *s);
/* Evaluates on idx in inference mode; FALSE if *stop became set. */
gboolean nn_eval_run            (NnCompiled *c, NnDataset *ds, const guint32 *idx, size_t n,
                                 const char *prefix, NnScores *out, const gint *stop);
