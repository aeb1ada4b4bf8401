/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the trainer (nn-train.c) shares with inference (nn-evaluate.c):
 * feeding batches from a dataset into a compiled model and measuring its
 * loss and metrics. */
#pragma once

#include "nn-model-private.h"

/* The trainer (nn-train.c); nn-gan.c runs a GAN on the same thread,
 * queue and commands. */
struct _NnTrainer {
  GThread        *thread;
  GAsyncQueue    *events;
  NnTrainerNotify notify;
  gpointer        notify_data;
  GDestroyNotify  notify_destroy;
  gint            stop, paused, steps_requested, running;
  gint            waiting;     /* blocked in nn_trainer_wait_if_paused */
  gint            pace_us;         /* >0: at least this long per batch */
  GMutex          lock;
  GCond           cond;
  double          lr_request;      /* >0: new base learning rate (under lock) */
  GPtrArray      *param_requests;  /* "layer\nparam\nvalue" strings (under lock) */
  NnModel        *model;           /* the worker's copy; ours after join */
  NnDataset      *ds;              /* borrowed: the caller keeps it alive */
  NnFitConfig     cfg;
  NnGan          *gan;             /* a GAN's run (nn-gan.c), else NULL; model is its G */
  NnModel        *model_aux;       /* a GAN's discriminator; ours after join */
  NnGanConfig     gan_cfg;
  GError         *error;
  NnRng           rng;
  gint64          t0;
  gint64          waited_us;       /* worker only: time spent paused since t0 */
};

/* An event stamped with the running time; pushed (and notified) by push. */
NnEvent *nn_trainer_event_new      (NnTrainer *t, NnEventKind kind);
void     nn_trainer_push           (NnTrainer *t, NnEvent *e);
/* Blocks while paused (a step request lets one batch through); FALSE when
 * asked to stop. */
gboolean nn_trainer_wait_if_paused (NnTrainer *t);
/* With a pace, waits out the rest of the batch's time (until stop or
 * pause); returns the microseconds waited. */
gint64   nn_trainer_wait_for_pace  (NnTrainer *t, gint64 batch_start);
/* TRUE when no run is going (a finished one is joined); FALSE with
 * NN_TRAIN_ERROR_BUSY while one runs. */
gboolean nn_trainer_check_idle     (NnTrainer *t, GError **error);
/* Starts the worker thread on what t holds (t->gan set: a GAN's run). */
void     nn_trainer_launch         (NnTrainer *t, guint64 seed, gboolean start_paused);
/* The GAN worker's run (nn-gan.c): the FINISHED event to post. */
NnEvent *nn_gan_worker             (NnTrainer *t, GError **error);

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
/* The samples to evaluate on: idx, or the test split when *idx is NULL;
 * FALSE with the reason when there are none. */
gboolean nn_eval_samples        (NnDataset *ds, const guint32 **idx, size_t *n, GError **error);
/* Evaluates on idx in inference mode; FALSE if *stop became set. */
gboolean nn_eval_run            (NnCompiled *c, NnDataset *ds, const guint32 *idx, size_t n,
                                 const char *prefix, NnScores *out, const gint *stop);
