/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-training-run.h: one training run, live or finished: the bridge from
 * the trainer's worker thread to the main loop, and the run's history
 * (metric series, change markers, histograms, the latest weight snapshot).
 *
 * The worker never touches GTK. Its notify callback only schedules: when
 * the atomic `pending` flag flips from 0 to 1 it attaches the drain to the
 * main context with a reference to the run. The drain clears the flag and
 * pops every event into the series, so a burst of events costs one main
 * loop dispatch. */
#pragma once

#include <gdk/gdk.h>

#include "ds-dataset-store.h"
#include "ds-metric-series.h"
#include "nn.h"

G_BEGIN_DECLS

typedef enum {
  DS_RUN_READY,      /* created, not started */
  DS_RUN_RUNNING,
  DS_RUN_PAUSED,
  DS_RUN_FINISHED,   /* all epochs, early stopping, or stopped by the person */
  DS_RUN_FAILED,     /* see ds_training_run_get_error */
} DsRunState;

/* A vertical line on the plots: the learning rate or a setting changed. */
typedef struct
{
  double  x;         /* epochs, as the series */
  char   *text;      /* "lr 0.01 → 0.001", "dropout.rate = 0.5" */
} DsRunMarker;

/* Histograms of every weight variable at the end of one epoch. */
typedef struct
{
  int          epoch;          /* 0-based */
  int          n_histograms;
  NnHistogram *histograms;
} DsRunHistograms;

#define DS_TYPE_TRAINING_RUN (ds_training_run_get_type ())
G_DECLARE_FINAL_TYPE (DsTrainingRun, ds_training_run, DS, TRAINING_RUN, GObject)

/* A run of a copy of model on dataset with cfg (copied). The model's
 * weights are (re)initialized from cfg->seed unless keep_weights. */
DsTrainingRun *ds_training_run_new            (const char        *name,
                                               NnModel           *model,
                                               DsDataset         *dataset,
                                               const NnFitConfig *cfg,
                                               gboolean           keep_weights);
/* A GAN's run (nn-gan.h): generator trained against discriminator on the
 * dataset's first input. Its batch events add the series "batch/d_loss",
 * "batch/g_loss", "batch/d_acc_real" and "batch/d_acc_fake"; snapshots and
 * the result are the generator's, ds_training_run_get_discriminator the
 * discriminator's. Weights the models have are kept. */
DsTrainingRun *ds_training_run_new_gan        (const char        *name,
                                               NnModel           *generator,
                                               NnModel           *discriminator,
                                               DsDataset         *dataset,
                                               const NnGanConfig *cfg);
/* A GAN's latest discriminator (a snapshot's, then the result's; borrowed),
 * or NULL. */
NnModel       *ds_training_run_get_discriminator (DsTrainingRun   *self);
gboolean       ds_training_run_start          (DsTrainingRun     *self,
                                               GError           **error);
/* Starts paused and runs one batch (the Step button before a start). */
gboolean       ds_training_run_start_paused   (DsTrainingRun     *self,
                                               GError           **error);
void           ds_training_run_pause          (DsTrainingRun     *self);
void           ds_training_run_resume         (DsTrainingRun     *self);
/* One batch while paused. */
void           ds_training_run_step           (DsTrainingRun     *self);
void           ds_training_run_stop           (DsTrainingRun     *self);
/* Changes the learning rate of a live run (marked on the plots once the
 * trainer applies it). */
void           ds_training_run_set_lr         (DsTrainingRun     *self,
                                               double             lr);
/* Each batch takes at least step_us microseconds and posts a snapshot
 * (0: full speed); see nn_trainer_set_pace. Before or during the run. */
void           ds_training_run_set_pace       (DsTrainingRun     *self,
                                               int                step_us);
gboolean       ds_training_run_set_param      (DsTrainingRun     *self,
                                               const char        *layer,
                                               const char        *param,
                                               const char        *text,
                                               GError           **error);
/* Pops and applies pending events now (tests; the main loop does it). */
void           ds_training_run_drain          (DsTrainingRun     *self);

const char    *ds_training_run_get_name       (DsTrainingRun     *self);
DsRunState     ds_training_run_get_state      (DsTrainingRun     *self);
gboolean       ds_training_run_is_live        (DsTrainingRun     *self);
const GError  *ds_training_run_get_error      (DsTrainingRun     *self);
/* Why it ended: "Finished", "Stopped", "Early stopping: ..." or NULL. */
const char    *ds_training_run_get_end_text   (DsTrainingRun     *self);
/* Which of the run colours (ds_colors_run) draws this run. */
guint          ds_training_run_get_color_index (DsTrainingRun    *self);
void           ds_training_run_set_color_index(DsTrainingRun     *self,
                                               guint              index);
gboolean       ds_training_run_get_visible    (DsTrainingRun     *self);
void           ds_training_run_set_visible    (DsTrainingRun     *self,
                                               gboolean           visible);
const NnFitConfig *ds_training_run_get_config (DsTrainingRun     *self);
/* The model as it was when the run started (borrowed). */
NnModel       *ds_training_run_get_model      (DsTrainingRun     *self);
DsDataset     *ds_training_run_get_dataset    (DsTrainingRun     *self);

/* Progress. Epochs are counted from 1 here; 0 before the first batch. */
int            ds_training_run_get_epoch      (DsTrainingRun     *self);
int            ds_training_run_get_epochs_done(DsTrainingRun     *self);
int            ds_training_run_get_batch      (DsTrainingRun     *self);
int            ds_training_run_get_batches_per_epoch (DsTrainingRun *self);
long           ds_training_run_get_step       (DsTrainingRun     *self);
double         ds_training_run_get_samples_per_second (DsTrainingRun *self);
double         ds_training_run_get_seconds    (DsTrainingRun     *self);
/* Estimated seconds left, or a negative value when unknown. */
double         ds_training_run_get_seconds_left (DsTrainingRun   *self);
double         ds_training_run_get_lr         (DsTrainingRun     *self);

/* The series of a history key ("loss", "val_accuracy", "lr", and
 * "batch/loss" for the per-batch loss), or NULL (borrowed). */
DsMetricSeries *ds_training_run_get_series    (DsTrainingRun     *self,
                                               const char        *key);
/* Every key with a series, in order of first appearance (borrowed). */
const char * const *ds_training_run_get_keys  (DsTrainingRun     *self);
/* The markers (borrowed, DsRunMarker). */
GArray        *ds_training_run_get_markers    (DsTrainingRun     *self);
/* The histograms, one entry per epoch (borrowed, DsRunHistograms). */
GArray        *ds_training_run_get_histograms (DsTrainingRun     *self);
/* The latest weight snapshot (borrowed), or NULL. */
NnModel       *ds_training_run_get_snapshot   (DsTrainingRun     *self);
/* The latest snapshot's step (NnFitConfig.step_details): the weights before
 * it, the batch's gradient as a model, the batch's samples (all borrowed);
 * FALSE when that snapshot has none. */
gboolean       ds_training_run_get_step_details (DsTrainingRun  *self,
                                                 NnModel       **before,
                                                 NnModel       **gradient,
                                                 const guint32 **batch,
                                                 guint          *n_batch);
/* The trained model once the run has ended (borrowed), or NULL. */
NnModel       *ds_training_run_get_result     (DsTrainingRun     *self);
/* The epoch (from 1) with the best value of key, or 0. */
int            ds_training_run_get_best_epoch (DsTrainingRun     *self,
                                               const char        *key,
                                               double            *value);

/* After a run ends, its trained (or best restored) weights are evaluated
 * on the dataset's test split on a worker thread; ::tested is emitted when
 * the scores are known. TRUE while that evaluation runs. */
gboolean       ds_training_run_is_testing     (DsTrainingRun     *self);
/* The test split's loss and metrics ("loss", "accuracy", ...), or NULL
 * (not yet known, no test split, K-fold, stopped before training). */
const NnScores *ds_training_run_get_test_scores (DsTrainingRun   *self);

/* The history as CSV text: one row per epoch, one column per key. */
char          *ds_training_run_dup_history_csv (DsTrainingRun    *self);

/* A finished run read from a model file's "runs": its curves, markers and
 * settings, and its trained model when the file kept it (the result);
 * no trainer, model at start or dataset (those getters return NULL). */
DsTrainingRun *ds_training_run_new_from_record (const NnRunRecord *record);
/* TRUE for a run made by ds_training_run_new_from_record. */
gboolean       ds_training_run_get_loaded     (DsTrainingRun     *self);
/* The history as a model file keeps it (a new record), with a copy of
 * the trained model (weights included) unless it is a GAN's. */
NnRunRecord   *ds_training_run_dup_record     (DsTrainingRun     *self);
/* The spec of the dataset it trained on (borrowed), or NULL. */
const char    *ds_training_run_get_dataset_spec (DsTrainingRun   *self);
NnDatasetFlags ds_training_run_get_dataset_flags (DsTrainingRun  *self);

G_END_DECLS
