/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-train.h: the trainer thread, its events and callbacks, K-fold, and
 * inference (engine/train). Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-tensor.h"
#include "nn-errors.h"
#include "nn-model.h"
#include "nn-data.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Training                                                                 */
/* ------------------------------------------------------------------------ */

typedef struct _NnTrainer NnTrainer;

typedef enum {
  NN_EVENT_STARTED,
  NN_EVENT_BATCH,        /* step, loss, samples_per_s */
  NN_EVENT_EPOCH,        /* epoch, history values */
  NN_EVENT_LR_CHANGED,
  NN_EVENT_WARNING,      /* text */
  NN_EVENT_FOLD,         /* fold finished: fold, values */
  NN_EVENT_SNAPSHOT,     /* weights copied */
  NN_EVENT_FINISHED,     /* text: why it ended; error if it failed */
  NN_EVENT_HISTOGRAMS,   /* per weight variable, at the end of each epoch */
  NN_EVENT_PARAM_CHANGED,/* a runtime parameter changed: text "layer.param = value" */
} NnEventKind;

#define NN_MAX_HISTORY_KEYS 32

/* A plain event, owned by whoever pops it. */
typedef struct {
  NnEventKind kind;
  int    epoch;              /* 0-based */
  int    fold;               /* -1 outside K-fold */
  long   step;               /* global optimizer step */
  int    batch;              /* batch within the epoch */
  int    batches_per_epoch;
  double loss;
  double lr;
  double samples_per_s;
  double seconds;            /* since start */
  int    n_values;
  char  *keys[NN_MAX_HISTORY_KEYS];   /* "loss", "accuracy", "val_loss", ... */
  double values[NN_MAX_HISTORY_KEYS];
  char  *text;
  GError *error;
  NnModel *snapshot;         /* SNAPSHOT: a copy of the model with weights */
  NnModel *snapshot_aux;     /* SNAPSHOT of a GAN's run: the discriminator (snapshot: G) */
  /* SNAPSHOT of a watched batch when NnFitConfig.step_details is set: the
   * weights before the step, a copy of the model whose weights are the
   * batch's loss gradient (the mean over its samples, as the optimizer used
   * it; frozen weights 0), and the batch's samples (dataset indices). */
  NnModel *before;
  NnModel *gradient;
  guint32 *batch_idx;
  int      n_batch;
  /* HISTOGRAMS: one per weight variable ("dense_1/kernel"), of the weights
   * and of the last batch's gradients (frozen weights: g_bins all zero). */
  int    n_histograms;
  struct _NnHistogram *histograms;
} NnEvent;

#define NN_HIST_BINS 32
typedef struct _NnHistogram {
  char   *name;
  double  w_min, w_max;              /* bin k covers w_min + k (w_max - w_min) / NN_HIST_BINS */
  guint32 w_bins[NN_HIST_BINS];
  double  g_min, g_max;
  guint32 g_bins[NN_HIST_BINS];
} NnHistogram;

void        nn_event_free (NnEvent *e);
double      nn_event_get  (const NnEvent *e, const char *key, gboolean *found);

typedef struct {
  int      epochs;
  int      batch_size;
  double   validation_split;   /* fraction of training samples held out (last, like Keras);
                                * a dataset's own split (NnDataset.n_val) overrides it */
  gboolean shuffle;
  guint64  seed;
  int      kfold;              /* >1: K-fold; fit trains K models */
  int      kfold_iterations;   /* >=1; shuffles between iterations */
  /* callbacks */
  gboolean early_stopping;
  char    *monitor;            /* "val_loss" default */
  int      patience;
  double   min_delta;
  gboolean restore_best_weights;
  char    *checkpoint_path;    /* ModelCheckpoint, best only (NULL: off) */
  gboolean reduce_lr;          /* ReduceLROnPlateau */
  double   reduce_factor;
  int      reduce_patience;
  double   min_lr;
  int      snapshot_every;     /* batches between weight snapshots (0: per epoch, <0: never) */
  double   snapshot_secs;      /* > 0 (and snapshot_every >= 0): also a snapshot when this many
                                  seconds passed since the last, the first after the first batch */
  gboolean histograms;         /* post NN_EVENT_HISTOGRAMS every epoch */
  int      max_steps;          /* stop after this many steps (0: no limit) */
  gboolean start_paused;       /* wait for nn_trainer_step/_resume before the first batch */
  gboolean step_details;       /* watched batches' snapshots carry the weights before the
                                * step, the gradient and the batch (NnEvent.before, ...) */
} NnFitConfig;

void        nn_fit_config_init  (NnFitConfig *c);
void        nn_fit_config_clear (NnFitConfig *c);

typedef void (*NnTrainerNotify) (gpointer user_data);

NnTrainer  *nn_trainer_new           (void);
void        nn_trainer_free          (NnTrainer *t);
/* Called from the worker whenever events were pushed. Must only schedule. */
void        nn_trainer_set_notify    (NnTrainer *t, NnTrainerNotify notify, gpointer data,
                                      GDestroyNotify destroy);
/* Starts fit on a worker thread. The trainer works on its own copy of the
 * model and dataset references; the result is in nn_trainer_dup_model. */
gboolean    nn_trainer_start         (NnTrainer *t, NnModel *model, NnDataset *ds,
                                      const NnFitConfig *cfg, GError **error);
NnEvent    *nn_trainer_pop_event     (NnTrainer *t);   /* NULL when empty */
void        nn_trainer_request_stop  (NnTrainer *t);
void        nn_trainer_pause         (NnTrainer *t);
void        nn_trainer_resume        (NnTrainer *t);
/* Runs exactly one batch while paused. */
void        nn_trainer_step          (NnTrainer *t);
void        nn_trainer_set_lr        (NnTrainer *t, double lr);
/* Paces training for watching: each batch takes at least step_us
 * microseconds (0: full speed) and posts its loss and a weight snapshot
 * (unless snapshot_every < 0), as a step does. The wait counts as paused
 * time. May be called before start and at any time while it runs. */
void        nn_trainer_set_pace      (NnTrainer *t, int step_us);
/* Changes a parameter marked `runtime` in the layer table (dropout rate) or
 * a weight penalty (kernel_l1, kernel_l2) of layer `layer` (a name, or a
 * path through Model layers such as "encoder/z") while training runs; applied before the next batch and reported as NN_EVENT_PARAM_CHANGED.
 * FALSE if the parameter cannot change mid-run or the value is invalid. */
gboolean    nn_trainer_set_param     (NnTrainer *t, const char *layer, const char *param,
                                      const char *text, GError **error);
gboolean    nn_trainer_is_running    (NnTrainer *t);
gboolean    nn_trainer_is_paused     (NnTrainer *t);
/* TRUE while the worker waits at a pause (it has reached it: no batch runs
 * until a Step or resume). */
gboolean    nn_trainer_is_waiting    (NnTrainer *t);
/* Waits for the worker; returns its result. */
gboolean    nn_trainer_join          (NnTrainer *t, GError **error);
/* The trained model (after join): whenever join reported no error, the
 * weights as they stand, or the model given to start if it was stopped
 * before any training. NULL while the worker runs. */
NnModel    *nn_trainer_dup_model     (NnTrainer *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTrainer, nn_trainer_free)

/* Synchronous helpers (used by the CLI and tests). */
typedef struct {
  int    n_values;
  char  *keys[NN_MAX_HISTORY_KEYS];   /* "loss", "accuracy", ... */
  double values[NN_MAX_HISTORY_KEYS];
} NnScores;
void        nn_scores_clear          (NnScores *s);
double      nn_scores_get            (const NnScores *s, const char *key, gboolean *found);

/* Evaluates loss and metrics on samples idx (NULL: the test split). */
gboolean    nn_model_evaluate        (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                                      int batch_size, NnScores *out, GError **error);
/* Runs the model forward on input tensors (one per model input, batch
 * first, per-sample shapes as the Input layers) and returns the output of
 * any layer call `ref`, (n, ...). For decision maps, hidden-unit maps and
 * intermediate activations. */
NnTensor   *nn_model_run             (NnModel *m, NnTensor *const *inputs, int n_inputs,
                                      NnRef ref, GError **error);
/* Predictions of output `output` for samples idx: returns (n, ...) tensor. */
NnTensor   *nn_model_predict         (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                                      int output, int batch_size, GError **error);

/* One weight of a model: element `index` of weight variable `var` of layer
 * `layer` (a Dense layer's kernel is variable 0, (in, units) row-major). */
typedef struct {
  int    layer;
  int    var;
  size_t index;
} NnWeightRef;
/* The loss on samples idx over a res x res grid (res odd) of two weights
 * moved around their values: cell (r, k) holds the loss with w[0] at its
 * value + span[0] (2k/(res-1) - 1) and w[1] at its value + span[1]
 * (1 - 2r/(res-1)), so the centre is the model as it is and row 0 the top.
 * The weights are put back. FALSE with G_IO_ERROR_CANCELLED if cancel was
 * cancelled, or with the reason. */
gboolean    nn_model_loss_surface    (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                                      const NnWeightRef w[2], const double span[2], int res,
                                      float *out, GCancellable *cancel, GError **error);
/* The gradient of the loss on samples idx (their mean, as a training step
 * computes it) with respect to weight variable `var` of `layer`, into grad
 * (that variable's size). */
gboolean    nn_model_weight_gradient (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                                      int layer, int var, float *grad, GError **error);

G_END_DECLS
