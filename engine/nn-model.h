/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-model.h: the layer table (engine/layers) and models (engine/model):
 * editing, shape inference, weights, files. Include nn.h. */
#pragma once

#include <glib.h>

#include "nn-tensor.h"
#include "nn-errors.h"
#include "nn-text.h"

G_BEGIN_DECLS

/* g_autoptr for the core's tensors (nn-tensor.h itself has no GLib). */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTensor, nn_tensor_free)

/* ------------------------------------------------------------------------ */
/* The layer table                                                          */
/* ------------------------------------------------------------------------ */

typedef enum {
  NN_PARAM_INT,
  NN_PARAM_FLOAT,
  NN_PARAM_BOOL,
  NN_PARAM_ENUM,     /* one of spec->choices */
  NN_PARAM_SHAPE,    /* a tuple of ints, e.g. (28, 28, 1) or kernel (3, 3) */
  NN_PARAM_STRING,
} NnParamType;

typedef struct {
  NnParamType type;
  int         i;                    /* INT, BOOL, ENUM (index into choices) */
  double      f;                    /* FLOAT */
  int         n;                    /* SHAPE: number of entries */
  int         shape[NN_MAX_DIMS];   /* SHAPE */
  char       *s;                    /* STRING (owned) */
} NnValue;

typedef struct {
  const char  *name;        /* Keras config key, e.g. "units" */
  NnParamType  type;
  const char  *def;         /* default as text: "32", "0.5", "true", "relu", "3,3", "" */
  double       min, max;    /* INT/FLOAT range; SHAPE entries' range */
  const char *const *choices; /* ENUM: NULL-terminated */
  const char  *help;        /* one line */
  int          min_len, max_len; /* SHAPE: allowed tuple lengths */
  int          runtime;     /* may change while training (e.g. dropout rate) */
} NnParamSpec;

typedef enum {
  NN_GROUP_INPUT,
  NN_GROUP_CORE,
  NN_GROUP_CONVOLUTION,
  NN_GROUP_POOLING,
  NN_GROUP_NORMALIZATION,
  NN_GROUP_REGULARIZATION,
  NN_GROUP_SEQUENCE,
  NN_GROUP_MERGE,
  NN_GROUP_GENERATIVE,
  NN_GROUP_MODEL,
  NN_N_GROUPS
} NnLayerGroup;

typedef struct _NnLayerType NnLayerType;  /* defined in nn-layer-private.h */

const char          *nn_layer_group_name     (NnLayerGroup g);
guint                nn_layer_types_count    (void);
const NnLayerType   *nn_layer_types_get      (guint i);
const NnLayerType   *nn_layer_type_lookup    (const char *class_name);
const char          *nn_layer_type_get_name  (const NnLayerType *t);  /* "Dense" */
const char          *nn_layer_type_get_help  (const NnLayerType *t);
NnLayerGroup         nn_layer_type_get_group (const NnLayerType *t);
int                  nn_layer_type_get_min_inputs (const NnLayerType *t);
int                  nn_layer_type_get_max_inputs (const NnLayerType *t); /* -1: any */
guint                nn_layer_type_get_n_params   (const NnLayerType *t);
const NnParamSpec   *nn_layer_type_get_param      (const NnLayerType *t, guint i);

/* ------------------------------------------------------------------------ */
/* Models: a DAG of layers with Keras functional-API semantics              */
/* ------------------------------------------------------------------------ */

typedef struct _NnModel NnModel;

/* A tensor in the model: output `out` of call `call` of layer `layer`
 * (indices). Most layers have one output per call (out 0); a recurrent
 * layer with return_state has several (the output, then its final states,
 * as in Keras). `(NnRef) { layer, call }` names output 0. */
typedef struct { int layer; int call; int out; } NnRef;

/* The most outputs one layer call can have (Bidirectional LSTM with
 * return_state: the merged output and two states per direction). */
#define NN_MAX_LAYER_OUTPUTS 5

typedef enum {
  NN_LOSS_NONE,
  NN_LOSS_BINARY_CROSSENTROPY,
  NN_LOSS_CATEGORICAL_CROSSENTROPY,
  NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
  NN_LOSS_MSE,
  NN_LOSS_MAE,
  NN_N_LOSSES
} NnLoss;

typedef enum {
  NN_METRIC_ACCURACY,          /* picks binary/categorical/sparse by the loss */
  NN_METRIC_BINARY_ACCURACY,
  NN_METRIC_CATEGORICAL_ACCURACY,
  NN_METRIC_SPARSE_CATEGORICAL_ACCURACY,
  NN_METRIC_MAE,
  NN_METRIC_MSE,
  NN_N_METRICS
} NnMetric;

const char *nn_loss_name   (NnLoss l);             /* Keras names */
gboolean    nn_loss_parse  (const char *s, NnLoss *out);
const char *nn_metric_name (NnMetric m);           /* history key: "accuracy", "mae" */
gboolean    nn_metric_parse(const char *s, NnMetric *out);

typedef enum { NN_OPT_SGD, NN_OPT_RMSPROP, NN_OPT_ADAM, NN_N_OPTIMIZERS } NnOptimizerKind;
typedef enum { NN_SCHEDULE_CONSTANT, NN_SCHEDULE_STEP, NN_SCHEDULE_EXPONENTIAL } NnScheduleKind;

typedef struct {
  NnOptimizerKind kind;
  double learning_rate;
  double momentum;        /* SGD */
  gboolean nesterov;      /* SGD */
  double rho;             /* RMSprop, default 0.9 */
  double beta_1, beta_2;  /* Adam */
  double epsilon;         /* RMSprop/Adam, default 1e-7 */
  NnScheduleKind schedule;
  int    decay_steps;     /* schedule period in optimizer steps */
  double decay_rate;      /* step: lr *= rate every decay_steps; exp: lr*rate^(t/decay_steps) */
} NnOptimizerConfig;

void        nn_optimizer_config_init (NnOptimizerConfig *c, NnOptimizerKind kind);
const char *nn_optimizer_name        (NnOptimizerKind k);   /* "RMSprop" */
gboolean    nn_optimizer_parse       (const char *s, NnOptimizerKind *out);
double      nn_optimizer_lr_at       (const NnOptimizerConfig *c, long step);

NnModel    *nn_model_new             (const char *name);
void        nn_model_free            (NnModel *m);
NnModel    *nn_model_copy            (const NnModel *m);   /* deep, weights included */
const char *nn_model_get_name        (const NnModel *m);
void        nn_model_set_name        (NnModel *m, const char *name);

/* Layers. Names are unique; name NULL picks "dense_3"-style names. */
int         nn_model_add_layer       (NnModel *m, const char *class_name,
                                      const char *name, GError **error);
gboolean    nn_model_remove_layer    (NnModel *m, int layer, GError **error);
int         nn_model_get_n_layers    (const NnModel *m);
int         nn_model_find_layer      (const NnModel *m, const char *name);
/* The layer at `path`, a layer's name or the names of the Model layers
 * around it first ("encoder/z"): its index in *owner, which is m or a
 * model nested in it (borrowed); -1 (and *owner NULL) when there is none. */
int         nn_model_find_layer_path (NnModel *m, const char *path, NnModel **owner);
const char *nn_model_layer_get_name  (const NnModel *m, int layer);
gboolean    nn_model_layer_set_name  (NnModel *m, int layer, const char *name, GError **error);
const NnLayerType *nn_model_layer_get_type (const NnModel *m, int layer);
const NnValue *nn_model_layer_get_param (const NnModel *m, int layer, const char *pname);
/* Sets a parameter from its text form ("64", "relu", "3,3"); validates. */
gboolean    nn_model_layer_set_param (NnModel *m, int layer, const char *pname,
                                      const char *text, GError **error);
char       *nn_model_layer_dup_param_text (const NnModel *m, int layer, const char *pname);
gboolean    nn_model_layer_get_trainable (const NnModel *m, int layer);
void        nn_model_layer_set_trainable (NnModel *m, int layer, gboolean trainable);
/* Editor position, saved in the model file. */
void        nn_model_layer_get_position (const NnModel *m, int layer, double *x, double *y);
void        nn_model_layer_set_position (NnModel *m, int layer, double x, double y);
/* For a "Model" layer: the inner model (borrowed). */
NnModel    *nn_model_layer_get_submodel (const NnModel *m, int layer);
/* Adds a layer of class "Model" wrapping a copy of `inner`. */
int         nn_model_add_submodel    (NnModel *m, const NnModel *inner,
                                      const char *name, GError **error);

/* Adds a TimeDistributed layer ("layer": "Model") applying a copy of
 * `inner` (one input) to every step of a sequence: its input (batch, steps,
 * ...) runs through inner as steps × batch samples (the steps folded into
 * the batch axis), its output is (batch, steps, inner's output). */
int         nn_model_add_time_distributed (NnModel *m, const NnModel *inner,
                                           const char *name, GError **error);
/* Output tensors each call of `layer` produces (from its configuration:
 * 1, or more for a recurrent layer with return_state). */
int         nn_model_layer_get_n_outputs (const NnModel *m, int layer);
/* The name of recurrent state k of `layer` (0-based; output k + 1 with
 * return_state, input k + 1 as its initial state), in Keras's order: "h",
 * "c" (an LSTM); "forward h", "backward h" (a Bidirectional GRU). NULL for
 * a layer without states or k out of range. */
const char *nn_model_layer_get_state_name (const NnModel *m, int layer, int k);
/* The name of the first layer (nested models searched too) that passes
 * recurrent states: several outputs (return_state), or a recurrent layer
 * called on more than its sequence (initial_state); NULL if none. */
const char *nn_model_find_state_layer (NnModel *m);
/* Calls: a layer called on inputs produces its output tensors per call.
 * Calling a layer twice shares its weights. */
int         nn_model_layer_get_n_calls (const NnModel *m, int layer);
int         nn_model_call_get_n_inputs (const NnModel *m, int layer, int call);
NnRef       nn_model_call_get_input    (const NnModel *m, int layer, int call, int slot);
/* Creates a new call of `layer` on `inputs`; returns the call index. */
int         nn_model_call                (NnModel *m, int layer, const NnRef *inputs,
                                          int n_inputs, GError **error);
/* Editor-level edges on a layer's first call (creating it if needed). */
gboolean    nn_model_connect             (NnModel *m, NnRef src, int dst_layer,
                                          int dst_slot, GError **error);
gboolean    nn_model_disconnect          (NnModel *m, int dst_layer, int dst_call, int dst_slot);

/* Inputs are the Input layers in order of addition; outputs are set here. */
int         nn_model_get_n_inputs    (const NnModel *m);
int         nn_model_get_input_layer (const NnModel *m, int i);
int         nn_model_get_n_outputs   (const NnModel *m);
NnRef       nn_model_get_output      (const NnModel *m, int i);
/* Adds an output with its loss, weight and metrics; returns its index. */
int         nn_model_add_output      (NnModel *m, NnRef ref, NnLoss loss, double loss_weight,
                                      const NnMetric *metrics, int n_metrics);
void        nn_model_clear_outputs   (NnModel *m);
/* The loss and metric that suit output `output` from its layer's activation
 * and units: softmax (2+ units): sparse categorical cross-entropy + accuracy;
 * sigmoid: binary cross-entropy + accuracy; linear or no activation: MSE +
 * MAE. Any other (relu, tanh, softmax on one unit): NN_LOSS_NONE, with an
 * error naming the layer and the fix. Units come from inferred shapes. */
NnLoss      nn_model_suggest_loss    (const NnModel *m, NnRef output, NnMetric *metric,
                                      GError **error);
/* When no output is set: makes every unconsumed layer call an output with
 * the loss and metric of nn_model_suggest_loss (none where none suits).
 * Returns the number of outputs. */
int         nn_model_auto_outputs    (NnModel *m);
NnLoss      nn_model_output_get_loss (const NnModel *m, int i);
double      nn_model_output_get_loss_weight (const NnModel *m, int i);
int         nn_model_output_get_n_metrics (const NnModel *m, int i);
NnMetric    nn_model_output_get_metric (const NnModel *m, int i, int k);
void        nn_model_output_set_loss (NnModel *m, int i, NnLoss loss, double weight);
void        nn_model_output_set_metrics (NnModel *m, int i, const NnMetric *metrics, int n);

/* Compile settings stored in the model file. */
NnOptimizerConfig *nn_model_get_optimizer (NnModel *m);
/* The dataset the model is meant for ("fashion-mnist", "spirals:n=1000"). */
const char *nn_model_get_dataset     (const NnModel *m);
void        nn_model_set_dataset     (NnModel *m, const char *spec);
/* The vocabulary text is vectorized with for this model (saved in the
 * file as "vocabulary"; nn-text.h): borrowed, or NULL for models of other
 * data. set copies it (NULL clears). */
const NnVocab *nn_model_get_vocab    (const NnModel *m);
void        nn_model_set_vocab       (NnModel *m, const NnVocab *vocab);
/* The vocabulary alone as a JSON file at path (the object the model
 * file's "vocabulary" member holds: "tokens", "index", ...), written
 * beside every export; TRUE without writing when the model has none. */
gboolean    nn_model_write_vocab     (const NnModel *m, const char *path, GError **error);
#define NN_VOCAB_FILE "vocab.json"   /* its name beside an export */
/* Pre-trained word vectors (GloVe text format) into the table of the
 * embedding layer named `layer` (its first weight, (input_dim,
 * output_dim)): the rows of the vocabulary's words the file holds
 * (vocab, or the model's when NULL; the model keeps a copy); other rows
 * keep their values. freeze makes the layer untrainable. *n_found (may be
 * NULL) gets the rows filled. A malformed file loads nothing. */
gboolean    nn_model_import_glove    (NnModel *m, const char *layer, const char *path,
                                      const NnVocab *vocab, gboolean freeze, int *n_found,
                                      GError **error);
/* The table of `layer` as a GloVe text file, one line per word of the
 * model's vocabulary (padding and [UNK] left out). */
gboolean    nn_model_export_glove    (NnModel *m, const char *layer, const char *path,
                                      GError **error);
/* Preprocessing applied to the model's dataset once it has loaded, saved
 * with the spec ("preprocessing" in the file); the spec itself carries
 * normalization (":normalize=meanstd"). */
typedef enum {
  NN_DATASET_ONE_HOT  = 1 << 0,  /* integer class targets become one-hot vectors */
  NN_DATASET_SKIP_BAD = 1 << 1,  /* a folder of PNG images skips unreadable files */
} NnDatasetFlags;
NnDatasetFlags nn_model_get_dataset_flags (const NnModel *m);
void        nn_model_set_dataset_flags (NnModel *m, NnDatasetFlags flags);
/* Free-form training defaults saved with the model (epochs, batch_size,
 * validation_split, kfold) and a description; NULL/0 when unset. */
typedef struct {
  int    epochs;
  int    batch_size;
  double validation_split;
  int    kfold;            /* >1: K-fold cross-validation */
  int    kfold_iterations; /* iterated K-fold with shuffling */
  guint64 seed;
  int    early_stopping_patience; /* 0: off */
  char  *description;
  char  *title;
} NnTrainDefaults;
NnTrainDefaults *nn_model_get_defaults (NnModel *m);

/* Shape inference. Runs on the whole graph; returns FALSE with the first
 * error, and records per-layer errors that the editor shows on nodes. */
gboolean    nn_model_infer           (NnModel *m, GError **error);
/* Output shape of a call without the batch axis; FALSE if unknown. */
gboolean    nn_model_get_shape       (const NnModel *m, NnRef ref, int *ndim, int *shape);
/* The message of the inference error on this layer, or NULL (borrowed). */
const char *nn_model_layer_get_error (const NnModel *m, int layer);
/* Parameter counts (valid after a successful infer). */
gint64      nn_model_layer_count_params (const NnModel *m, int layer);
gint64      nn_model_count_params    (const NnModel *m, gint64 *trainable, gint64 *non_trainable);
/* Keras-style summary text. */
char       *nn_model_summary         (NnModel *m, GError **error);

/* Weights: allocated (and initialized with `seed`) on demand. */
gboolean    nn_model_init_weights    (NnModel *m, guint64 seed, GError **error);
gboolean    nn_model_has_weights     (const NnModel *m);
/* Flat weights of one layer and its variables (borrowed; valid until the
 * model changes). */
int         nn_model_layer_get_n_weights (const NnModel *m, int layer);
const char *nn_model_layer_get_weight    (const NnModel *m, int layer, int k,
                                          NnTensor *view /* out: a view */);

/* Transfer learning: copies into the Model layer `layer` of dst the weights
 * of src's layers of the same names: those of src's Model layer of the same
 * name when src has one, else src's own (a base saved alone); a nested Model
 * layer by its own layers. Everything is checked before anything is copied:
 * a layer whose weights differ in shape is refused naming it and both
 * shapes, and so is a src without weights or without any such layer, dst
 * unchanged. dst without weights gets them from `seed` first. Returns the
 * number of layers copied, or -1 with a MODEL error. */
int         nn_model_copy_weights_into (NnModel *dst, int layer, NnModel *src, guint64 seed,
                                        GError **error);

/* Memory limit, in bytes, for a model's weights (checked by shape
 * inference) and for a compiled model: weights, gradients, optimizer state
 * and the activations of a batch (checked by nn_compile). A model that needs
 * more is refused with NN_MODEL_ERROR_MEMORY on the layer that goes over,
 * instead of an allocation that fails or exhausts the machine. 0 restores
 * the default: $DEEPSCOPE_MEMORY_LIMIT ("2G", "512M", "1.5GiB" or bytes),
 * else half of the machine's physical memory. */
void        nn_set_memory_limit      (guint64 bytes);
guint64     nn_get_memory_limit      (void);

/* Files: JSON with architecture, compile settings, editor positions and
 * weights (float32 LE, base64, SHA-256). Save is atomic. */
NnModel    *nn_model_load            (const char *path, GError **error);
NnModel    *nn_model_load_from_data  (const char *json, gssize len, GError **error);
gboolean    nn_model_save            (NnModel *m, const char *path, gboolean with_weights,
                                      GError **error);
char       *nn_model_to_json         (NnModel *m, gboolean with_weights, GError **error);

/* ------------------------------------------------------------------------ */
/* Training runs kept with a model file ("runs", MODEL-FORMAT.md)           */
/* ------------------------------------------------------------------------ */

/* One curve of a run: x in epochs (epoch e ends at e + 1, batch b of B at
 * e + b / B; folds laid end to end), y NAN where it was not finite. */
typedef struct {
  char   *key;       /* "loss", "val_accuracy", "lr", "batch/loss" */
  GArray *x;         /* double, increasing */
  GArray *y;         /* double */
} NnRunSeries;

/* A setting changed during the run, at x epochs: "lr 0.01 → 0.001". */
typedef struct {
  double  x;
  char   *text;
} NnRunMarker;

/* The history of one training run: where it came from, its settings, its
 * curves and the changes made while it ran. */
typedef struct {
  char              *name;        /* "Run 1" */
  char              *origin;      /* "deepscope", "deepscope-cli" */
  char              *started;     /* ISO 8601 UTC ("2025-03-01T09:30:00Z"), or NULL */
  char              *end_text;    /* "Finished", "Stopped", "Early stopping: …", or NULL */
  guint              color;       /* the run's colour index in the app */
  char              *dataset;     /* the spec it trained on, or NULL */
  NnDatasetFlags     dataset_flags;
  NnOptimizerConfig  optimizer;
  int                epochs;      /* asked for (per fold) */
  int                batch_size;
  double             validation_split;
  int                kfold;       /* 0: off */
  guint64            seed;
  int                epochs_done;
  double             seconds;     /* training time */
  GPtrArray         *series;      /* NnRunSeries, in order of first appearance */
  GArray            *markers;     /* NnRunMarker */
  NnModel           *model;       /* the trained model with its weights (owned), or NULL */
} NnRunRecord;

/* At most this many points per series are written to a file: longer
 * series (per-batch curves) are averaged over runs of consecutive points. */
#define NN_RUN_MAX_POINTS 2000

NnRunRecord *nn_run_record_new        (const char *name);
void         nn_run_record_free       (NnRunRecord *r);
/* Appends (x, y) to the series `key`, creating it. */
void         nn_run_record_append     (NnRunRecord *r, const char *key, double x, double y);
/* The series `key` (borrowed), created empty when there is none. */
NnRunSeries *nn_run_record_ensure_series (NnRunRecord *r, const char *key);
/* The series `key` (borrowed), or NULL. */
NnRunSeries *nn_run_record_get_series (const NnRunRecord *r, const char *key);
void         nn_run_record_add_marker (NnRunRecord *r, double x, const char *text);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnRunRecord, nn_run_record_free)

/* The file functions above, with the file's runs: *runs gets a new array
 * of NnRunRecord (empty when the file has none); runs NULL writes none. */
NnModel    *nn_model_load_with_runs  (const char *path, GPtrArray **runs, GError **error);
NnModel    *nn_model_load_from_data_with_runs (const char *json, gssize len, GPtrArray **runs,
                                               GError **error);
gboolean    nn_model_save_with_runs  (NnModel *m, const char *path, gboolean with_weights,
                                      GPtrArray *runs, GError **error);
char       *nn_model_to_json_with_runs (NnModel *m, gboolean with_weights, GPtrArray *runs,
                                        GError **error);
/* And with the file's hyperparameter searches: char *, each the text of
 * nn_search_to_json(); read back unchecked, so that a malformed one is
 * refused alone by nn_search_new_from_json() and the rest still loads. */
NnModel    *nn_model_load_full       (const char *path, GPtrArray **runs, GPtrArray **searches,
                                      GError **error);
NnModel    *nn_model_load_from_data_full (const char *json, gssize len, GPtrArray **runs,
                                          GPtrArray **searches, GError **error);
gboolean    nn_model_save_full       (NnModel *m, const char *path, gboolean with_weights,
                                      GPtrArray *runs, GPtrArray *searches, GError **error);
char       *nn_model_to_json_full    (NnModel *m, gboolean with_weights, GPtrArray *runs,
                                      GPtrArray *searches, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_free)

G_END_DECLS
