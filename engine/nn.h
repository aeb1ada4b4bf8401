/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn.h: the one public header of the Deepscope engine.
 *
 * The engine has two halves: a numeric core (tensors, op graph, kernels) in
 * plain C11 + CBLAS, and services (model files, datasets, trainer) on GLib,
 * GIO and json-glib. The UI and the CLI include only this header.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ------------------------------------------------------------------------ */
/* Start-up                                                                 */
/* ------------------------------------------------------------------------ */

/* Call first thing in main (before any BLAS call). If OpenBLAS fell back to a
 * generic kernel on a CPU it does not know, re-executes the program with the
 * right OPENBLAS_CORETYPE (unless the user set one). Returns normally
 * otherwise. */
void         nn_init                    (int argc, char **argv);
const char  *nn_blas_core_name          (void);
/* Threads the engine computes on: the usable cores, or the user's
 * OPENBLAS_NUM_THREADS (OpenBLAS itself then runs on one thread). */
int          nn_blas_threads            (void);
/* The OPENBLAS_CORETYPE that suits this CPU, or NULL when the library's own
 * choice is fine (exposed for tests). */
const char  *nn_blas_preferred_core     (void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */
/* ------------------------------------------------------------------------ */

#define NN_MODEL_ERROR (nn_model_error_quark ())
#define NN_DATA_ERROR  (nn_data_error_quark ())
#define NN_TRAIN_ERROR (nn_train_error_quark ())

typedef enum {
  NN_MODEL_ERROR_SHAPE,        /* shape inference failed */
  NN_MODEL_ERROR_CONFIG,       /* a parameter value is out of range / unknown */
  NN_MODEL_ERROR_GRAPH,        /* cycle, dangling edge, no input/output */
  NN_MODEL_ERROR_UNKNOWN_LAYER,
  NN_MODEL_ERROR_FILE,         /* cannot read or parse the file */
  NN_MODEL_ERROR_VERSION,      /* file written by an unknown format version */
  NN_MODEL_ERROR_WEIGHTS,      /* weights missing, wrong size, bad checksum */
} NnModelError;

typedef enum {
  NN_DATA_ERROR_IO,
  NN_DATA_ERROR_FORMAT,        /* wrong magic, not the expected format */
  NN_DATA_ERROR_TRUNCATED,
  NN_DATA_ERROR_SIZE,          /* sizes that don't match or are absurd */
  NN_DATA_ERROR_EMPTY,
  NN_DATA_ERROR_MISSING,       /* missing values with strategy "error" */
  NN_DATA_ERROR_UNKNOWN,       /* unknown dataset name or option */
  NN_DATA_ERROR_CANCELLED,
} NnDataError;

typedef enum {
  NN_TRAIN_ERROR_CONFIG,       /* model/dataset mismatch, bad settings */
  NN_TRAIN_ERROR_NAN,          /* the loss became NaN or Inf */
  NN_TRAIN_ERROR_BUSY,         /* already running */
  NN_TRAIN_ERROR_CANCELLED,
} NnTrainError;

GQuark nn_model_error_quark (void);
GQuark nn_data_error_quark  (void);
GQuark nn_train_error_quark (void);

/* ------------------------------------------------------------------------ */
/* Tensors (numeric core)                                                   */
/* ------------------------------------------------------------------------ */

#define NN_MAX_DIMS 5

/* float32, row-major, channels-last (B, H, W, C). A view borrows data. */
typedef struct {
  int     ndim;
  int     shape[NN_MAX_DIMS];
  size_t  size;        /* product of shape */
  float  *data;
  int     owns_data;
} NnTensor;

NnTensor *nn_tensor_new        (int ndim, const int *shape);  /* zeroed */
NnTensor *nn_tensor_new_view   (float *data, int ndim, const int *shape);
NnTensor *nn_tensor_copy       (const NnTensor *t);
void      nn_tensor_free       (NnTensor *t);
int       nn_tensor_reshape    (NnTensor *t, int ndim, const int *shape); /* 0 if size differs */
void      nn_tensor_fill       (NnTensor *t, float v);
void      nn_tensor_add        (NnTensor *dst, const NnTensor *a);         /* dst += a */
void      nn_tensor_mul        (NnTensor *dst, const NnTensor *a);         /* dst *= a */
void      nn_tensor_scale      (NnTensor *dst, float s);
void      nn_tensor_axpy       (NnTensor *dst, float a, const NnTensor *x); /* dst += a x */
float     nn_tensor_sum        (const NnTensor *t);
float     nn_tensor_mean       (const NnTensor *t);
float     nn_tensor_max        (const NnTensor *t);
float     nn_tensor_min        (const NnTensor *t);
size_t    nn_tensor_argmax     (const NnTensor *t);
/* Sum over the last axis into out (shape without the last axis). */
void      nn_tensor_sum_last   (const NnTensor *t, NnTensor *out);
int       nn_shape_equal       (int ndim_a, const int *a, int ndim_b, const int *b);
size_t    nn_shape_size        (int ndim, const int *shape);
/* "(batch, 28, 28, 1)"-style text; batch_first prefixes "batch". */
char     *nn_shape_to_string   (int ndim, const int *shape, int batch_first);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnTensor, nn_tensor_free)

/* One seeded generator (xoshiro128**): the same seed gives the same stream. */
typedef struct { uint32_t s[4]; int has_spare; float spare; } NnRng;

void      nn_rng_seed          (NnRng *r, uint64_t seed);
uint32_t  nn_rng_next          (NnRng *r);
float     nn_rng_uniform       (NnRng *r);            /* [0, 1) */
float     nn_rng_normal        (NnRng *r);            /* N(0, 1) */
uint32_t  nn_rng_below         (NnRng *r, uint32_t n); /* [0, n) */
void      nn_rng_shuffle       (NnRng *r, uint32_t *a, size_t n);

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

/* A tensor in the model: output `call` of layer `layer` (index). */
typedef struct { int layer; int call; } NnRef;

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

/* Calls: a layer called on inputs produces one output tensor per call.
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

/* Files: JSON with architecture, compile settings, editor positions and
 * weights (float32 LE, base64, SHA-256). Save is atomic. */
NnModel    *nn_model_load            (const char *path, GError **error);
NnModel    *nn_model_load_from_data  (const char *json, gssize len, GError **error);
gboolean    nn_model_save            (NnModel *m, const char *path, gboolean with_weights,
                                      GError **error);
char       *nn_model_to_json         (NnModel *m, gboolean with_weights, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnModel, nn_model_free)

/* ------------------------------------------------------------------------ */
/* Datasets                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum { NN_DTYPE_U8, NN_DTYPE_F32, NN_DTYPE_I32 } NnDType;

/* One array of samples: n samples of a per-sample shape. Values read as
 * raw * scale[f] + offset[f] (f: index within a sample; scale/offset NULL
 * means 1 and 0). Images stay uint8 and are converted per batch: their
 * loaders fill scale with 1/255 and offset with 0 for every feature (there
 * is no separate uniform scale); nn_dataset_normalize overwrites both. */
typedef struct {
  char    *name;
  NnDType  dtype;
  int      ndim;
  int      shape[NN_MAX_DIMS];
  size_t   sample_size;       /* product of shape */
  size_t   n;
  void    *data;
  float   *scale, *offset;    /* per feature, sample_size each, or NULL */
  char   **feature_names;     /* sample_size names ("age", "color=red"), or NULL */
} NnArray;

typedef enum { NN_SPLIT_TRAIN, NN_SPLIT_TEST, NN_SPLIT_ALL } NnSplit;

typedef struct {
  char     *name;              /* "fashion-mnist" */
  char     *spec;              /* the spec it was opened with */
  int       n_inputs, n_targets;
  NnArray **inputs;
  NnArray **targets;
  size_t    n;                 /* samples */
  int       n_classes;         /* 0 for regression */
  char    **class_names;       /* n_classes, or NULL */
  /* Test split: these sample indices (ascending) are held out; the rest train. */
  guint32  *test_idx;
  size_t    n_test;
  guint32  *train_idx;
  size_t    n_train;
} NnDataset;

void        nn_dataset_free          (NnDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnDataset, nn_dataset_free)

/* Opens a dataset from a spec: a name with options or a path.
 *   fashion-mnist[:classes=5,7][:limit=N][:dir=PATH]
 *     (dir defaults to $DEEPSCOPE_FASHION_MNIST_DIR, then
 *     /usr/share/datasets/fashion-mnist; train then t10k, test = t10k;
 *     classes keeps those labels and renumbers them 0..k-1; limit keeps the
 *     first N training samples)
 *   spirals|moons|circles|xor|blobs[:n=N][:noise=F][:seed=S][:classes=K]
 *     (n 1000, seed 1, noise 0.2 rad for spirals else 0.1, K 2 or 3 for
 *     blobs; moons and xor have 2 classes; test = last 20% after shuffling)
 *   regression[:n=N][:features=F][:noise=F][:seed=S]
 *   twoinput[:n=N][:seed=S]
 *     (inputs "a", "b" (8) each; targets "class" (I32, 2 classes), "value" (1))
 *   PATH.csv[:target=COL][:missing=drop|mean|zero|error][:task=classify|regress]
 *           [:norm=meanstd|minmax|none][:test=F]
 *     (task defaults to classify when the target is not numeric or holds
 *     at most 20 distinct integers; missing defaults to error)
 *   DIR with train-images-idx3-ubyte(.gz) and friends (IDX), options as
 *     fashion-mnist without dir
 * Every spec also takes :normalize=meanstd|minmax|none, which normalizes
 * every input from the training split after loading.
 * Normalization and the test split are part of each loader's defaults. */
NnDataset  *nn_dataset_open          (const char *spec, GCancellable *cancel, GError **error);

/* IDX (plain or gzip): one array. */
NnArray    *nn_idx_load              (const char *path, GError **error);
void        nn_array_free            (NnArray *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnArray, nn_array_free)

typedef enum { NN_MISSING_ERROR, NN_MISSING_DROP, NN_MISSING_MEAN, NN_MISSING_ZERO } NnMissing;
typedef struct {
  const char *target;          /* target column name; NULL: last column */
  NnMissing   missing;
  gboolean    classify;        /* target is a class label (else regression) */
  double      test_fraction;   /* held out at the end, in [0, 1); 0: default 0.2 */
} NnCsvOptions;
/* Numeric features are normalized (mean/std, training split); one-hot
 * columns of categorical features stay 0/1. A missing target drops its row
 * under every strategy but error. opt NULL: last column, missing error,
 * task guessed as for nn_dataset_open. */
NnDataset  *nn_csv_load              (const char *path, const NnCsvOptions *opt,
                                      int *n_missing_out, GError **error);

typedef enum { NN_TOY_SPIRALS, NN_TOY_MOONS, NN_TOY_CIRCLES, NN_TOY_XOR, NN_TOY_BLOBS } NnToyKind;
/* noise < 0 and n_classes 0 pick the kind's defaults (see nn_dataset_open). */
NnDataset  *nn_dataset_new_toy       (NnToyKind kind, size_t n, double noise, int n_classes,
                                      guint64 seed, GError **error);
NnDataset  *nn_dataset_new_regression(size_t n, int features, double noise, guint64 seed,
                                      GError **error);

/* A folder of PNG images with one sub-folder per class; class names are the
 * sub-folder names in sorted order. Gray, RGB, RGBA (alpha dropped),
 * palette and 16-bit PNGs are converted to 8 bits and resized (bilinear up,
 * area average down). Images stay uint8 (scale 1/255). Samples are shuffled
 * with `seed`, then the last test_fraction is the test split. */
typedef struct {
  int      height, width;      /* 0: the size of the first image */
  int      channels;           /* 1 or 3; 0: 1 when every image is gray, else 3 */
  gboolean skip_bad;           /* skip unreadable files instead of failing */
  double   test_fraction;      /* in [0, 1); default 0.2 */
  guint64  seed;               /* default 1 */
} NnPngOptions;
void        nn_png_options_init      (NnPngOptions *opt);
/* skipped_out (may be NULL): "path: reason" strings of every file that was
 * not loaded (with skip_bad FALSE the load fails on the first such file). */
NnDataset  *nn_png_folder_load       (const char *dir, const NnPngOptions *opt,
                                      GPtrArray **skipped_out, GCancellable *cancel,
                                      GError **error);
/* TRUE when dir has a sub-folder holding a *.png file (for nn_dataset_open). */
gboolean    nn_png_folder_detect     (const char *dir);
/* One PNG as 8-bit pixels (h, w, channels), channels 1 or 3 (0: the file's:
 * 1 for gray, else 3); g_free the result. */
guint8     *nn_png_read              (const char *path, int channels, int *width, int *height,
                                      int *channels_out, GError **error);
/* Writes 8-bit gray (1), RGB (3) or RGBA (4) pixels as a PNG, atomically. */
gboolean    nn_png_write             (const char *path, const guint8 *pixels, int width,
                                      int height, int channels, GError **error);

typedef enum { NN_NORM_NONE, NN_NORM_MEANSTD, NN_NORM_MINMAX } NnNorm;
/* Sets per-feature scale/offset of input i from the training split only
 * (mean/std with std floored at 1e-7, or min/max to [0, 1]); NONE clears
 * them (raw values). */
void        nn_dataset_normalize     (NnDataset *ds, int input, NnNorm norm);
/* Replaces integer class target t by a one-hot float array (n, C), C =
 * n_classes (or the largest label + 1 when n_classes is 0). */
gboolean    nn_dataset_one_hot       (NnDataset *ds, int target, GError **error);

/* Copies samples idx[0..n) of a, converted to float, into out (n * sample_size). */
void        nn_array_gather          (const NnArray *a, const guint32 *idx, size_t n, float *out);
float       nn_array_get             (const NnArray *a, size_t sample, size_t feature);

/* Random image augmentation of a float batch (B, H, W, C) in place, drawn
 * per image from the seeded generator: the same seed gives the same images.
 * The augmentation layers (RandomFlip, RandomRotation, RandomZoom,
 * RandomTranslation, RandomBrightness) run it on training batches only. */
typedef enum { NN_FILL_REFLECT, NN_FILL_CONSTANT, NN_FILL_NEAREST } NnFillMode;
typedef struct {
  gboolean   flip_horizontal, flip_vertical;  /* each with probability 1/2 */
  double     rotation;       /* max angle either way, as a fraction of a full turn */
  double     shift_height, shift_width;       /* max shift, fraction of the size */
  double     zoom;           /* scale drawn in [1 - zoom, 1 + zoom] */
  double     brightness;     /* max added delta, fraction of value_max - value_min */
  double     value_min, value_max; /* brightness result is clipped to this range */
  NnFillMode fill_mode;      /* where the transform reads outside the image */
  float      fill_value;     /* NN_FILL_CONSTANT */
} NnAugment;
void        nn_augment_init          (NnAugment *a);   /* everything off; range 0..1 */
/* scratch: nn_augment_scratch_size floats (NULL: allocated for the call). */
size_t      nn_augment_scratch_size  (int height, int width, int channels);
void        nn_augment_batch         (const NnAugment *a, NnRng *rng, float *images, int batch,
                                      int height, int width, int channels, float *scratch);

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
  double   validation_split;   /* fraction of training samples held out (last, like Keras) */
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
  gboolean histograms;         /* post NN_EVENT_HISTOGRAMS every epoch */
  int      max_steps;          /* stop after this many steps (0: no limit) */
  gboolean start_paused;       /* wait for nn_trainer_step/_resume before the first batch */
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
/* Changes a parameter marked `runtime` in the layer table (dropout rate) or
 * a weight penalty (kernel_l1, kernel_l2) of layer `layer` while training
 * runs; applied before the next batch and reported as NN_EVENT_PARAM_CHANGED.
 * FALSE if the parameter cannot change mid-run or the value is invalid. */
gboolean    nn_trainer_set_param     (NnTrainer *t, const char *layer, const char *param,
                                      const char *text, GError **error);
gboolean    nn_trainer_is_running    (NnTrainer *t);
gboolean    nn_trainer_is_paused     (NnTrainer *t);
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

G_END_DECLS
