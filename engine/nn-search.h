/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-search.h: hyperparameter search (engine/train/nn-search.c): a spec
 * (parameters by path, each a list or a range), a strategy (grid, seeded
 * random, successive halving), a budget and the metric; the plan of trials
 * is computed up front, trials are ordinary fits of modified copies of the
 * model, run one after another. Include nn.h. */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "nn-errors.h"
#include "nn-model.h"
#include "nn-data.h"
#include "nn-train.h"

G_BEGIN_DECLS

typedef enum {
  NN_SEARCH_GRID,      /* every combination (ranges at grid_points values) */
  NN_SEARCH_RANDOM,    /* max_trials draws, seeded */
  NN_SEARCH_HALVING,   /* successive halving: max_trials draws, the best 1/eta go on */
  NN_N_SEARCH_STRATEGIES
} NnSearchStrategy;

const char *nn_search_strategy_name  (NnSearchStrategy s);   /* "grid", "random", "halving" */
gboolean    nn_search_strategy_parse (const char *s, NnSearchStrategy *out);

typedef enum {
  NN_SEARCH_LIST,       /* values: "16", "32", "64" or "adam", "sgd" */
  NN_SEARCH_RANGE,      /* lo..hi, uniform */
  NN_SEARCH_LOG_RANGE,  /* log:lo..hi, uniform in log (lo > 0) */
} NnSearchDomain;

/* One searched parameter. Paths: "optimizer.learning_rate",
 * "optimizer.name" (sgd, rmsprop, adam), "batch_size", "epochs" (not with
 * halving, which sets the epochs) and "layer.NAME.PARAM" for an int or
 * float parameter of a layer (units, rate, filters), NAME a layer's name
 * or a path through Model layers ("encoder/z"). */
typedef struct {
  char          *path;
  NnSearchDomain domain;
  char         **values;    /* LIST */
  double         lo, hi;    /* ranges */
  gboolean       integer;   /* drawn values are rounded (units, batch size) */
} NnSearchParam;

typedef struct {
  NnSearchStrategy strategy;
  GPtrArray *params;        /* NnSearchParam */
  int      max_trials;      /* random, halving: trials drawn (default 8); grid: a cap (0: none) */
  int      max_epochs_total;/* budget of epochs over all trials (0: none) */
  int      grid_points;     /* values a range takes in a grid (default 3) */
  guint64  seed;            /* random draws; each trial's weights start from the fit's seed */
  int      min_epochs;      /* halving: epochs of the first rung (default 1) */
  int      max_epochs;      /* halving: epochs of the last rung (default 9) */
  int      eta;             /* halving: reduction factor (default 3) */
  char    *metric;          /* "val_accuracy" (default), "val_loss", "accuracy", ... */
  gboolean maximize;        /* set by nn_search_spec_set_metric from the metric's name */
} NnSearchSpec;

void     nn_search_spec_init       (NnSearchSpec *s);
void     nn_search_spec_clear      (NnSearchSpec *s);
/* Adds a parameter from its text: "log:1e-4..1e-1", "0.1..0.5", "16..128"
 * (integers: an int range), "16,32,64", "adam,sgd". FALSE with the reason
 * for an unknown path, an empty list, an inverted or empty range. */
gboolean nn_search_spec_add_param  (NnSearchSpec *s, const char *path, const char *text,
                                    GError **error);
/* "PATH=TEXT", as the CLI's --param takes it. */
gboolean nn_search_spec_add_param_assignment (NnSearchSpec *s, const char *assignment,
                                              GError **error);
/* Sets the metric; maximize when its name ends in "accuracy". */
void     nn_search_spec_set_metric (NnSearchSpec *s, const char *metric);

typedef enum {
  NN_TRIAL_PENDING,
  NN_TRIAL_RUNNING,
  NN_TRIAL_DONE,       /* trained to its last rung */
  NN_TRIAL_PRUNED,     /* halving stopped it after a rung */
  NN_TRIAL_STOPPED,    /* the search was stopped during it */
  NN_TRIAL_FAILED,
} NnTrialState;

const char *nn_trial_state_name (NnTrialState s);   /* "done", "pruned", ... */

/* One configuration and what training it gave. */
typedef struct {
  int          index;          /* 0-based; shown as "trial index + 1" */
  char       **values;         /* one text per spec param ("0.003", "64", "adam") */
  NnTrialState state;
  int          rung;           /* last rung reached (0 outside halving) */
  int          epochs_done;    /* epochs trained over all its jobs */
  double       best;           /* best value of the metric (NAN: none yet) */
  int          best_epoch;     /* 1-based, counted over its jobs */
  double       seconds;        /* training time over its jobs */
  GArray      *history;        /* double: the metric after each epoch trained */
  NnModel     *model;          /* the trained model (NULL until trained, or loaded) */
  char        *error;          /* FAILED: why */
  char        *run;            /* the name of the run that holds its trained model
                                * (the app's document run, saved with the search), or NULL */
} NnTrial;

/* One fit in the plan: trial `trial` trains `epochs` more epochs. In a
 * halving search the trials of rungs after the first are known only when
 * the rung before ends (trial -1 until then). */
typedef struct {
  int rung;
  int trial;
  int epochs;          /* to train in this job */
  int epochs_total;    /* the trial's epochs after it */
} NnSearchJob;

typedef struct _NnSearch NnSearch;

/* Checks spec against model (layers and parameters exist) and computes the
 * plan; `epochs` is the fit's epochs for trials that do not search them.
 * spec is copied. */
NnSearch   *nn_search_new            (const NnSearchSpec *spec, NnModel *model, int epochs,
                                      GError **error);
void        nn_search_free           (NnSearch *s);
const NnSearchSpec *nn_search_get_spec (NnSearch *s);
int         nn_search_get_n_trials   (NnSearch *s);
NnTrial    *nn_search_get_trial      (NnSearch *s, int i);      /* borrowed */
int         nn_search_get_n_jobs     (NnSearch *s);
const NnSearchJob *nn_search_get_job (NnSearch *s, int k);
int         nn_search_get_n_rungs    (NnSearch *s);
/* Epochs the whole plan trains. */
int         nn_search_get_planned_epochs (NnSearch *s);
/* Jobs finished (the next job's index). */
int         nn_search_get_jobs_done  (NnSearch *s);
/* "lr=0.003, units=64": short names (the path's last part) and values. */
char       *nn_search_dup_trial_label (NnSearch *s, int trial);
/* The trial with the best metric, or -1. */
int         nn_search_get_best_trial (NnSearch *s);

/* Driving a search one fit at a time (the app runs each fit as a run of
 * the document): next_job gives the next job (FALSE when the plan is done),
 * resolving a halving rung's survivors; dup_job_model gives the model to
 * fit (the trial's trained model to continue from, or a copy of base with
 * the trial's values and new weights) and sets cfg's epochs and batch size;
 * finish_job records its result (history: the metric per epoch of this
 * job; model taken, may be NULL). */
gboolean    nn_search_next_job       (NnSearch *s, NnSearchJob *job);
NnModel    *nn_search_dup_job_model  (NnSearch *s, const NnSearchJob *job, NnModel *base,
                                      NnFitConfig *cfg, GError **error);
void        nn_search_finish_job     (NnSearch *s, const NnSearchJob *job, const double *history,
                                      int n, double seconds, NnModel *model, gboolean stopped,
                                      const char *error);
/* The metric's values in a trainer's EPOCH events: appends each to
 * history; FALSE (with the keys that are there) if an epoch lacks it. */
gboolean    nn_search_collect_metric (NnSearch *s, const NnEvent *e, GArray *history,
                                      GError **error);

/* Names the run that holds the trial's trained model (NULL: none), so that
 * a saved search can be linked back to its runs when it is opened. */
void        nn_search_set_trial_run  (NnSearch *s, int trial, const char *run);

/* Sets trial's values on m (its layers' and the optimizer's; batch size
 * and epochs are the fit's) and, when the trial has a trained model, copies
 * its weights into m: "load this trial" without replacing m. FALSE when m
 * lacks a searched layer or its weights do not match the trial's. */
gboolean    nn_search_apply_trial    (NnSearch *s, int trial, NnModel *m, GError **error);

/* Called on the calling thread after each job, and once per trained epoch
 * (job->trial's epochs so far in `epoch`, -1 after the job). */
typedef void (*NnSearchCallback) (NnSearch *s, const NnSearchJob *job, int epoch,
                                  gpointer user_data);
/* Runs the remaining plan synchronously, each job a fit on its own
 * NnTrainer with cfg (its epochs and batch size replaced per trial).
 * Cancelling stops the running fit and the search (FALSE with
 * NN_TRAIN_ERROR_CANCELLED); a failed fit marks its trial failed and goes
 * on; a metric the fits do not report fails the search. */
gboolean    nn_search_run            (NnSearch *s, NnModel *base, NnDataset *ds,
                                      const NnFitConfig *cfg, NnSearchCallback cb,
                                      gpointer user_data, GCancellable *cancel, GError **error);

/* JSON: the spec, the plan's progress and every trial's values, results
 * and run name (not the trained weights). */
char       *nn_search_to_json        (NnSearch *s);
NnSearch   *nn_search_new_from_json  (const char *json, gssize len, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnSearch, nn_search_free)

G_END_DECLS
