/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-lesson.h: a lesson file (samples/lessons/FORMAT.md): its title and
 * chapter, the model and dataset it opens, and its steps, each with an
 * optional check on the model, the runs or the visible view. Parsing and
 * checking use GLib, json-glib and the engine only (no GTK): the tests of
 * malformed files run without a display. */
#pragma once

#include <gio/gio.h>

#include "nn.h"

G_BEGIN_DECLS

#define DS_LESSON_ERROR (ds_lesson_error_quark ())
GQuark ds_lesson_error_quark (void);

typedef enum {
  DS_LESSON_ERROR_PARSE,         /* not JSON, or not a lesson object */
  DS_LESSON_ERROR_MISSING,       /* a required field is absent or empty */
  DS_LESSON_ERROR_INVALID,       /* a field has the wrong type or value */
  DS_LESSON_ERROR_CONDITION,     /* an unknown check condition */
  DS_LESSON_ERROR_REFERENCE,     /* a layer, type, view or file that does not exist */
} DsLessonError;

typedef enum {
  DS_CHECK_MODEL_HAS_LAYER,      /* a layer of `type` (fed by layer `after`) */
  DS_CHECK_LAYER_PARAM,          /* layer `layer`'s `param` compares with a number */
  DS_CHECK_RUN_METRIC,           /* a run's best `name` is at least / at most */
  DS_CHECK_RUN_EPOCHS,           /* a run has finished at least `at_least` epochs */
  DS_CHECK_RUN_COUNT,            /* the document has at least `at_least` runs */
  DS_CHECK_VIEW,                 /* the view shown is `view` */
  DS_CHECK_TRAIN_SETTING,        /* the model's training setting `name` compares with a number */
  DS_CHECK_LAYER_TRAINABLE,      /* layer `layer`'s trainable flag is `flag` */
  DS_CHECK_PAGE,                 /* view `layer` shows its page `name` */
  DS_CHECK_LAYER_WEIGHTS,        /* layer `layer` has weights (loaded into a Model layer, or
                                  * trained) */
} DsCheckKind;

typedef struct {
  DsCheckKind kind;
  char       *type;              /* MODEL_HAS_LAYER: a class name */
  char       *layer;             /* MODEL_HAS_LAYER: "after"; LAYER_PARAM, LAYER_TRAINABLE,
                                  * LAYER_WEIGHTS: the layer; PAGE: the view */
  char       *name;              /* LAYER_PARAM: the parameter; RUN_METRIC: the key; VIEW;
                                  * TRAIN_SETTING: the setting; PAGE: the page */
  gboolean    flag;              /* LAYER_TRAINABLE: the value wanted */
  gboolean    has_at_least, has_at_most;
  double      at_least, at_most;
} DsLessonCheck;

typedef struct {
  char          *todo;           /* "do": what to do */
  char          *watch;          /* what to watch (may be NULL) */
  char          *why;            /* why (may be NULL) */
  char          *show_me;        /* "view:control" (may be NULL) */
  DsLessonCheck *check;          /* may be NULL: the person ticks the step */
} DsLessonStep;

/* What a lesson fixes in the interface while it is open ("lock"). */
typedef struct {
  char           **palette;      /* the layer types the palette offers (NULL: all) */
  gboolean         has_optimizer;
  NnOptimizerKind  optimizer;    /* set when the lesson opens, its choice locked */
  char           **settings;     /* Train view settings locked (NULL: none) */
} DsLessonLock;

typedef struct _DsLesson DsLesson;

/* Reads and validates a lesson file; the model it names (relative to the
 * file's folder) is loaded to check the layers the steps refer to. On
 * error, nothing is returned and the message starts "FILE:LINE: ". */
DsLesson           *ds_lesson_load          (const char *path, GError **error);
void                ds_lesson_free          (DsLesson *self);
/* TRUE when file is a local JSON file that says it is a lesson (its
 * "format"), so that opening it from the command line starts the lesson. */
gboolean            ds_lesson_file_is_lesson (GFile *file);
const char         *ds_lesson_get_path      (DsLesson *self);
const char         *ds_lesson_get_title     (DsLesson *self);
const char         *ds_lesson_get_chapter   (DsLesson *self);
const char         *ds_lesson_get_summary   (DsLesson *self);
/* The model file's absolute path. */
const char         *ds_lesson_get_model_path (DsLesson *self);
/* A dataset spec that replaces the model's, or NULL. */
const char         *ds_lesson_get_dataset   (DsLesson *self);
guint               ds_lesson_get_n_steps   (DsLesson *self);
/* The lesson's lock, or NULL when it fixes nothing. */
const DsLessonLock *ds_lesson_get_lock      (DsLesson *self);
/* The Train view settings a lock may name: learning_rate, epochs,
 * batch_size, validation_split, schedule, early_stopping. */
gboolean            ds_lesson_is_lockable_setting (const char *name);
const DsLessonStep *ds_lesson_get_step      (DsLesson *self, guint i);

/* Every lesson file (*.json) in dir, sorted by chapter then file name:
 * a new array of DsLesson. Files that fail to load are left out and their
 * errors appended to errors (may be NULL) as strings. */
GPtrArray          *ds_lesson_load_dir      (const char *dir, GPtrArray *errors);

/* The best value of history key `key` over the document's runs; for key
 * "epochs" the most epochs a run has finished, for "runs" the number of
 * runs. FALSE when no run has it. */
typedef gboolean (*DsLessonMetricFunc) (const char *key, double *best, gpointer data);

typedef struct {
  const NnModel      *model;     /* the document's model (may be NULL) */
  const char         *view;      /* the visible view's name (may be NULL) */
  const char         *page;      /* its visible page, for views with pages (may be NULL) */
  DsLessonMetricFunc  metric;    /* may be NULL: no runs */
  gpointer            metric_data;
} DsLessonState;

/* TRUE when the check holds in state. */
gboolean            ds_lesson_check_holds   (const DsLessonCheck *check,
                                             const DsLessonState *state);
/* The views a check or a "Show me" target may name. */
gboolean            ds_lesson_is_view_name  (const char *name);
/* The value of a training setting train_setting may name (epochs,
 * batch_size, validation_split, kfold, kfold_iterations,
 * early_stopping_patience): FALSE for another name. */
gboolean            ds_lesson_train_setting (NnModel *model, const char *name, double *value);

/* Writes a lesson file at path for model: the model (with its weights
 * when it has some) saved beside it as NAME.model.json, its dataset, and
 * skeleton steps to edit (open `view`, train for the model's epochs, one
 * to write). */
gboolean            ds_lesson_export        (NnModel *model, const char *view, const char *path,
                                             GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsLesson, ds_lesson_free)

G_END_DECLS
