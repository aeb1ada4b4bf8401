/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data.h: datasets (engine/data): the spec parser, IDX, CSV, PNG folders,
 * generated sets, splits and normalization. Include nn.h. */
#pragma once

#include <glib.h>
#include <gio/gio.h>

#include "nn-tensor.h"
#include "nn-errors.h"
#include "nn-text.h"

G_BEGIN_DECLS

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
  /* With :features=, the 2-D points the features of inputs[0] were
   * computed from (for pictures), else NULL. */
  NnArray  *points;
  char    **notes;             /* what the loader noticed, NULL-terminated, or NULL */
  /* Per sample, the bounding box of the object the class names (x0, y0,
   * x1, y1: inclusive pixel columns and rows), 4 ints each; NULL for
   * datasets without boxes (only the generated "shapes" has them). */
  int      *boxes;
  /* A time series's windows (nn-data-series.c), else NULL; owned. */
  struct _NnSeries *series;
  /* The last n_val samples of train_idx are the dataset's own validation
   * split (a time series's, chronological); the trainer takes them in
   * place of its validation_split, as Keras's validation_data overrides
   * validation_split. 0: none. */
  size_t    n_val;
  /* Text datasets: the vocabulary their inputs were encoded with (built
   * from the training split; nn-text.h), owned; NULL for other data. */
  NnVocab  *vocab;
  /* Text datasets of documents: each sample's text (n, in sample order),
   * owned, NULL-terminated; NULL for other data (and for chars:, whose
   * windows read back losslessly through the vocabulary). */
  char    **texts;
  /* With :target=input, the class labels the targets replaced: one class
   * number per sample (n, 1), their count and names. Not a training target
   * (n_classes is 0 and class_names NULL then): for colouring pictures and
   * for a VAE's concept vectors. NULL and 0 otherwise. */
  NnArray  *labels;
  int       n_label_classes;
  char    **label_names;       /* n_label_classes, or NULL */
} NnDataset;

void        nn_dataset_free          (NnDataset *ds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnDataset, nn_dataset_free)
/* What the loader noticed and decided, one sentence each, for the user: a
 * CSV's cells that are not numbers in a numeric column ("column “weight”:
 * 1 cell not a number (line 17: “abc”), treated as missing; ..."), the
 * columns taken as categorical and why, the task of its target. Borrowed;
 * NULL-terminated, empty when there is nothing to say (never NULL). */
const char *const *nn_dataset_get_notes (const NnDataset *ds);
/* The bounding box of sample i of the test split (test TRUE) or of the
 * training split into box: x0, y0, x1, y1, inclusive pixel columns and rows
 * of the input image. FALSE (box untouched) when the dataset has no boxes
 * or i is not in the split. */
gboolean    nn_dataset_get_box       (const NnDataset *ds, gboolean test, size_t i, int box[4]);
/* The class of sample (an index into the arrays, not a split position):
 * from the labels a :target=input kept, else from a class target (one
 * class number, or one-hot). -1 when the dataset has no classes or the
 * value is out of range. *n_classes and *names (may be NULL) get the
 * classes' count and their names (borrowed, may be NULL). */
int         nn_dataset_get_label     (const NnDataset *ds, size_t sample, int *n_classes,
                                      const char *const **names);

/* The naive forecasts of a time series, scored on its validation and test
 * windows: "last", the target column's value at the window's last step;
 * "period", its value at the same phase of the cycle one period (k periods,
 * the fewest with k·period >= delay, so that the value is known when the
 * forecast is made) before the target. MAE in the target's own units and
 * in normalized units (divided by the training split's std). With delay
 * equal to the period (24 hours ahead on hourly data) the two coincide. */
typedef struct {
  int    period;                          /* rows */
  double val_last, val_period;            /* MAE, the target's units */
  double test_last, test_period;
  double val_last_norm, val_period_norm;  /* MAE, normalized units */
  double test_last_norm, test_period_norm;
  double target_mean, target_std;         /* the target's normalization: normalized =
                                           * (target - mean) / std; MAE normalized × std =
                                           * MAE in the target's units */
  gboolean relative;                      /* the target is the change from the last value
                                           * (relative=1): mean 0, std that change's */
} NnBaselines;

/* What a window's steps hold, per column: the value (LEVELS, normalized
 * with the training rows' mean and std), its change over the `delay` rows
 * before it (CHANGES: value[r] - value[r - delay], divided by that
 * change's std over the training rows, so a window reaches `delay` rows
 * further back), or both (BOTH: the levels' columns, then the changes'). */
typedef enum {
  NN_SERIES_LEVELS,
  NN_SERIES_CHANGES,
  NN_SERIES_BOTH
} NnSeriesInputs;

/* A time series and how it was cut into windows. Sample i's inputs are the
 * rows window_end[i] - (lookback - 1)·step, ..., window_end[i] (every
 * step-th row) of every column, shape (lookback, n_columns) (twice the
 * columns with inputs BOTH); its target is the target column at row
 * window_end[i] + delay (minus its value at window_end[i] when
 * relative). Rows [0, train_end) are the training split, [train_end, val_end) validation, the rest test; a
 * window belongs to the split that holds both its first row and its
 * target, so none straddles a boundary. Samples come in time order:
 * training, validation, test. */
typedef struct _NnSeries {
  size_t      n_rows;
  int         n_columns;
  char      **columns;                    /* n_columns names + NULL */
  int         target;                     /* column of the target */
  float      *values;                     /* (n_rows, n_columns), original units */
  char       *unit;                       /* "°F", or NULL when unknown */
  int         lookback, step, delay, period;
  size_t      train_end, val_end;         /* first validation row, first test row */
  float      *mean, *std;                 /* per column, training rows only */
  guint32    *window_end;                 /* per sample (ds->n) */
  NnBaselines baselines;
  gboolean    relative;                   /* target = value[end + delay] - value[end] */
  NnSeriesInputs inputs;                  /* what a window's steps hold */
  float      *change_std;                 /* per column, with relative or changes: the
                                           * training rows' std of value[r] - value[r - delay] */
} NnSeries;

/* The series behind a windowed dataset (borrowed), or NULL. */
const NnSeries *nn_dataset_get_series    (const NnDataset *ds);
/* The naive baselines of a windowed dataset into out; FALSE for a dataset
 * that is not a time series. */
gboolean    nn_dataset_get_baselines (const NnDataset *ds, NnBaselines *out);

typedef struct {
  int    lookback;                        /* steps per window (>= 1) */
  int    step;                            /* rows between steps (>= 1) */
  int    delay;                           /* rows from the last step to the target (>= 1) */
  int    period;                          /* rows of the seasonal baseline's cycle (>= 1) */
  double train_fraction, val_fraction;    /* of the rows; test gets the rest */
  int    target;                          /* column of the target */
  const char *unit;                       /* the values' unit, or NULL */
  gboolean relative;                      /* target = the change from the window's last
                                           * value, divided by its training std */
  NnSeriesInputs inputs;                  /* LEVELS (0) unless asked */
} NnSeriesOptions;
/* A windowed dataset from a series values (n_rows, n_columns) in time
 * order, normalized with the training rows' mean and std (inputs and
 * target: the model learns and reports in normalized units). FALSE with a
 * GError naming the option to change when a split holds no whole window. */
NnDataset  *nn_series_dataset_new    (const char *name, const float *values, size_t n_rows,
                                      int n_columns, const char *const *columns,
                                      const NnSeriesOptions *opt, GError **error);

/* Opens a dataset from a spec: a name with options or a path.
 *   fashion-mnist[:classes=5,7][:limit=N][:dir=PATH]
 *     (dir defaults to $DEEPSCOPE_FASHION_MNIST_DIR, then
 *     /usr/share/datasets/fashion-mnist; train then t10k, test = t10k;
 *     classes keeps those labels and renumbers them 0..k-1; limit keeps the
 *     first N training samples)
 *   spirals|moons|circles|xor|blobs|ring[:n=N][:noise=F][:seed=S][:classes=K][:test=F]
 *     (n 1000, seed 1, noise 0.2 rad for spirals, 0.05 for ring, else 0.1;
 *     K 3 for blobs, 8 for ring (its modes), else 2; moons and xor have 2
 *     classes; test = the last F (0.2) after shuffling)
 *   plane|gaussians[:n=N][:noise=F][:seed=S][:test=F]
 *     (regression over points in [-1, 1]²: (x1 + x2) / 2, or Gaussian bumps
 *     up and down; noise 0.05 added to the value)
 *   regression[:n=N][:features=F][:noise=F][:seed=S]
 *   twoinput[:n=N][:seed=S]
 *     (inputs "a", "b" (8) each; targets "class" (I32, 2 classes), "value" (1))
 *   shapes[:n=N][:size=S][:noise=F][:seed=S][:test=F]
 *     (n 2000 gray S×S images (S 32, from 16 to 256) of uniform noise in
 *     [0, F] (F 0.35, at most 0.75) holding one bright shape (0.8 to 1, 7 to
 *     11 px) at a random place, never cut by the border: classes "square",
 *     "cross", "ring", balanced; each sample's box, nn_dataset_get_box)
 *   PATH.csv[:target=COL][:missing=drop|mean|zero|error][:task=classify|regress]
 *           [:norm=meanstd|minmax|none][:test=F]
 *     (task defaults to classify when the target is not numeric or holds
 *     at most 20 distinct integers; missing defaults to error; a column
 *     is numeric when at least 90 % of its filled cells are numbers, and
 *     its other cells are then missing values; see nn_dataset_get_notes)
 *   json:PATH or PATH.json[:target=MEMBER][:drop=a,b][:task=classify|regress]
 *           [:normalize=meanstd|minmax|none][:test=F][:seed=S]
 *     (an array of flat records, one per row; target defaults to the last
 *     member; rows shuffled with S (1), the last F (0.2) held out; a null
 *     target drops its row, a null feature takes the training rows' mean;
 *     date strings become the year; strings of at most 20 values are
 *     one-hot, of more left out; see nn_dataset_get_notes)
 *   cars[:dir=PATH][json options]
 *     (python3-vega-datasets' cars.json, target Miles_per_Gallon, Name
 *     dropped; dir as seattle-temps')
 *   seattle-temps[:lookback=120][:step=1][:delay=24][:period=24][:split=0.5,0.25]
 *                [:dir=PATH]
 *     (time series: the hourly temperatures of Seattle in 2010, °F, 8759
 *     rows, from Debian's python3-vega-datasets; dir defaults to
 *     $DEEPSCOPE_VEGA_DIR, then /usr/lib/python3/dist-packages/vega_datasets/
 *     _data. A sample is `lookback` steps taken every `step` rows (inputs
 *     (lookback, columns)); its target is the target column `delay` rows
 *     after the window's last step. split=TRAIN,VAL: the first TRAIN of the
 *     rows train, the next VAL validate (the trainer's validation split,
 *     nn_dataset_get_series), the rest test; never shuffled across. Inputs
 *     and target are normalized with the training rows' mean and std only.
 *     The naive baselines (nn_dataset_get_baselines) use `period`.
 *     relative=1: the target is the change, value[end + delay] -
 *     value[end], divided by the training rows' std of the changes over
 *     `delay` rows (not centred: 0 is the last-value forecast, and MAE ×
 *     NnBaselines.target_std is the forecast's MAE in °F).
 *     inputs=levels|changes|both: each step's values (levels, the
 *     default), their changes over the `delay` rows before them (divided
 *     the same way; a window then reaches `delay` rows further back), or
 *     both (levels' columns, then changes'). Every series spec below
 *     takes relative= and inputs= too.)
 *   seattle-weather[:target=temp_max][:columns=precipitation,temp_max,temp_min,wind]
 *                  [:lookback=30][:step=1][:delay=1][:period=365][:split=..][:dir=PATH]
 *     (daily, 2012-2015, °C and mm; the target column is an input too)
 *   series[:n=8760][:noise=1][:seed=1][:lookback=120][:step=1][:delay=24][:period=24]
 *         [:split=..]
 *     (generated, hourly: 10 + 8 sin(yearly) + 4 sin(daily) + noise N(0,1)·F;
 *     n from 16 to 10000000)
 *   PATH.csv:window=LOOKBACK[:columns=a,b][:target=COL][:step=1][:delay=1][:period=24]
 *            [:split=..]
 *     (any CSV in time order: columns defaults to the target alone, target
 *     to the last column; every cell of those columns must be a number)
 *   DIR with train-images-idx3-ubyte(.gz) and friends (IDX), options as
 *     fashion-mnist without dir
 *   fortunes:topics=A,B,...[:dir=PATH][text options]
 *     (one sample per %-separated record of each topic file, class = topic
 *     in the order given; dir defaults to $DEEPSCOPE_FORTUNES_DIR, then
 *     /usr/share/games/fortunes (apt-get install fortunes))
 *   text:DIR, or a DIR of class sub-folders holding .txt files[text options]
 *     (one sample per file, class = its sub-folder, sorted by name)
 *   text options: :mode=int|multi_hot|tfidf|count (int: I32 (length) token
 *     ids, else F32 (vocabulary size)), :tokens=words|chars, :vocab=N (the
 *     vocabulary's size with padding 0 and [UNK] 1; 10000 for words, every
 *     character for chars), :length=T (200), :pad=post|pre,
 *     :trunc=post|pre, :ngrams=1..3, :hash=N (the hashing trick, N
 *     buckets), :lower=0|1 (1), :strip=0|1 (1: punctuation dropped),
 *     :test=F (0.2), :seed=S (1). Texts are shuffled with the seed, the last
 *     F held out, and the vocabulary (ds->vocab) built from the training
 *     split only; ds->texts keeps each sample's text.
 *   chars:FILE, chars:fortunes/TOPIC or chars:TOPIC1,TOPIC2[:dir=PATH]
 *           [:length=T][:step=S][:vocab=N][:lower=0|1][:strip=0|1][:test=F]
 *     (next-character prediction: windows of T (60) character ids every S
 *     (3) characters (graphemes: a base with its combining marks), target
 *     the next one's id (class = vocabulary index, class names = the
 *     characters); the vocabulary is every character of the text; the
 *     validation split is the windows of its last F (0.1), none shuffled
 *     across; case and punctuation are kept unless asked)
 *   Malformed text (no class folders, an empty or unreadable file, invalid
 *   UTF-8 (named with its byte offset), an unknown topic) is an error and
 *   nothing is loaded; text beyond 256 MB (64 MB for chars) is refused.
 * Every spec also takes :normalize=meanstd|minmax|symmetric|none, which
 * normalizes every input from the training split after loading (symmetric:
 * 2 v - 1, images in [-1, 1] for a tanh generator), and a set of 2-D
 * points takes :features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2 (any of them),
 * which replaces its input by those features (nn_dataset_apply_features),
 * before any normalization. Every spec but a CSV file's also takes
 * :target=input, which makes the targets a copy of the one input (after
 * normalization): an autoencoder's data; its class labels move to
 * ds->labels (no longer a target; nn_dataset_get_label).
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
 * task guessed as for nn_dataset_open. *n_missing_out counts the missing
 * cells, with the cells of numeric columns that are not numbers a float
 * holds (words, inf, nan). */
NnDataset  *nn_csv_load              (const char *path, const NnCsvOptions *opt,
                                      int *n_missing_out, GError **error);

typedef enum {
  NN_TOY_SPIRALS, NN_TOY_MOONS, NN_TOY_CIRCLES, NN_TOY_XOR, NN_TOY_BLOBS,
  NN_TOY_RING   /* K Gaussians (8) of std noise (0.05) centred at radius NN_TOY_RING_RADIUS,
                 * angles 2 pi k / K (a GAN's classic target; class k = mode k) */
} NnToyKind;
#define NN_TOY_RING_RADIUS 0.8
/* noise < 0 and n_classes 0 pick the kind's defaults (see nn_dataset_open). */
NnDataset  *nn_dataset_new_toy       (NnToyKind kind, size_t n, double noise, int n_classes,
                                      guint64 seed, GError **error);
NnDataset  *nn_dataset_new_regression(size_t n, int features, double noise, guint64 seed,
                                      GError **error);

/* Features of 2-D points (x1, x2), as the playground offers them: x1, x2,
 * x1², x2², x1·x2, sin(π x1), sin(π x2). A set of features is a bit mask of
 * 1 << NnFeature; its columns come in the enum's order. */
typedef enum {
  NN_FEATURE_X1, NN_FEATURE_X2, NN_FEATURE_X1_SQ, NN_FEATURE_X2_SQ, NN_FEATURE_X1_X2,
  NN_FEATURE_SIN_X1, NN_FEATURE_SIN_X2, NN_N_FEATURES
} NnFeature;
#define NN_FEATURES_XY ((1u << NN_FEATURE_X1) | (1u << NN_FEATURE_X2))
/* The spec token of a feature: "x1", "x1sq", "sinx2". */
const char *nn_feature_name          (NnFeature f);
/* "x1,x2,x1sq" → mask; FALSE naming an unknown token or an empty list. */
gboolean    nn_features_parse        (const char *text, guint *mask_out, GError **error);
char       *nn_features_to_string    (guint mask);
int         nn_features_count        (guint mask);
/* The features of n points xy (n, 2) into out (n, count). */
void        nn_features_compute      (guint mask, const float *xy, size_t n, float *out);
/* Replaces the one 2-D input of ds by its features; the points move to
 * ds->points. */
gboolean    nn_dataset_apply_features(NnDataset *ds, guint mask, GError **error);

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
/* One PNG as a model's input: (height, width, channels) 8-bit pixels,
 * channels 1 or 3, converted (luma or gray copied to RGB) and resized as
 * nn_png_folder_load does. *file_width, *file_height and *file_channels
 * (may be NULL) get what the file held (channels 1: gray, 3: colour), so
 * the caller can say what was converted. g_free the result. */
guint8     *nn_png_read_sized        (const char *path, int height, int width, int channels,
                                      int *file_width, int *file_height, int *file_channels,
                                      GError **error);
/* Writes 8-bit gray (1), RGB (3) or RGBA (4) pixels as a PNG, atomically. */
gboolean    nn_png_write             (const char *path, const guint8 *pixels, int width,
                                      int height, int channels, GError **error);

/* SYMMETRIC: values v in [0, 1] as the loader gives them (images) become
 * 2 v - 1, in [-1, 1] (a tanh generator's range). */
typedef enum { NN_NORM_NONE, NN_NORM_MEANSTD, NN_NORM_MINMAX, NN_NORM_SYMMETRIC } NnNorm;
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

G_END_DECLS
