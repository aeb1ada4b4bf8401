/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Dataset internals shared by nn-data.c (splits, gather, normalization),
 * nn-data-open.c (spec parsing), nn-data-idx.c, nn-data-csv.c,
 * nn-data-png.c and nn-data-toy.c. */
#pragma once

#include "nn.h"

/* IDX files never hold more elements than this (and our shapes are int). */
#define NN_DATA_MAX_ELEMENTS (((guint64) 1 << 31) - 1)

size_t      nn_dtype_size            (NnDType dtype);

/* A zero-filled array; data comes from g_try_malloc so that a size the
 * machine cannot hold is a GError (NN_DATA_ERROR_SIZE), not an abort. */
NnArray    *nn_array_new             (const char *name, NnDType dtype, int ndim,
                                      const int *shape, size_t n, GError **error);
/* Sets scale to `scale` and offset to `offset` for every feature. */
void        nn_array_set_uniform_scale (NnArray *a, float scale, float offset);

/* An empty dataset with room for the given number of arrays. */
NnDataset  *nn_dataset_alloc         (const char *name, int n_inputs, int n_targets);
/* Holds out the last n_test samples (the rest train). */
void        nn_dataset_split_tail    (NnDataset *ds, size_t n_test);
/* Keeps the samples whose keep[i] is TRUE (in order), in every array and in
 * both splits. */
void        nn_dataset_compact       (NnDataset *ds, const gboolean *keep);
/* Keeps only the samples of target `target` whose class is one of
 * classes[0..k) and renumbers them 0..k-1 in that order. */
gboolean    nn_dataset_keep_classes  (NnDataset *ds, int target, const int *classes,
                                      int k, GError **error);
/* Keeps the first `limit` training samples (the test split stays whole). */
void        nn_dataset_limit_train   (NnDataset *ds, size_t limit);

/* Sets a CANCELLED error and returns TRUE if cancel was triggered. */
gboolean    nn_data_cancelled        (GCancellable *cancel, GError **error);

NnArray    *nn_idx_load_cancellable  (const char *path, GCancellable *cancel, GError **error);
/* Loads DIR/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]; train then
 * test. class_names NULL: "0".."K-1". require_test: fail without t10k. */
NnDataset  *nn_idx_load_dir          (const char *dir, const char *name,
                                      const char *const *class_names, int n_class_names,
                                      gboolean require_test, GCancellable *cancel,
                                      GError **error);

/* CSV with the task guessed when auto_task is set (opt->classify ignored). */
NnDataset  *nn_csv_load_full         (const char *path, const NnCsvOptions *opt,
                                      gboolean auto_task, NnNorm norm, int *n_missing_out,
                                      GCancellable *cancel, GError **error);

NnDataset  *nn_dataset_new_twoinput  (size_t n, guint64 seed, GError **error);
/* "plane" (the value (x1 + x2) / 2) or "gaussians" (bumps up and down) over
 * points in [-1, 1]²: regression sets for the playground. */
NnDataset  *nn_dataset_new_toy_regression (const char *kind, size_t n, double noise,
                                           guint64 seed, GError **error);

/* "shapes": n gray size × size images of noise in [0, noise] holding one
 * square, cross or ring each, with its bounding box (ds->boxes). */
NnDataset  *nn_dataset_new_shapes    (size_t n, int size, double noise, guint64 seed,
                                      GError **error);

/* Text datasets (nn-data-text.c), their options as nn_dataset_open reads
 * them. */
typedef struct {
  NnTextOptions text;     /* tokenizer and encoding */
  int           vocab;    /* vocabulary size with padding and [UNK]; 0: the default */
  double        test;     /* held-out share */
  guint64       seed;     /* shuffle before the split (not for chars) */
  int           step;     /* chars: stride of the windows */
  const char   *dir;      /* fortunes: the folder of topic files; NULL: default */
} NnTextDataOptions;

/* Defaults for documents (chars FALSE) or for chars:. */
void        nn_text_data_options_init (NnTextDataOptions *opt, gboolean chars);
/* TRUE when dir has a sub-folder holding a *.txt file. */
gboolean    nn_text_folder_detect    (const char *dir);
NnDataset  *nn_text_folder_load      (const char *dir, const NnTextDataOptions *opt,
                                      GCancellable *cancel, GError **error);
/* topics: "science,work"; one sample per %-separated record. */
NnDataset  *nn_fortunes_load         (const char *topics, const NnTextDataOptions *opt,
                                      GCancellable *cancel, GError **error);
/* source: a file, "fortunes/TOPIC" or "TOPIC1,TOPIC2" (fortunes topics). */
NnDataset  *nn_chars_load            (const char *source, const NnTextDataOptions *opt,
                                      GCancellable *cancel, GError **error);
/* The cells of a CSV file as nn-data-csv.c parses them: fields row-major,
 * n_cols per record, the header first; lines[r]: the line record r starts
 * on. nn_csv_cells_clear frees it. */
typedef struct {
  char         *contents;
  GStringChunk *chunk;
  GPtrArray    *fields;
  GArray       *lines;
  int           n_cols;
  size_t        n_records;
} NnCsvCells;
gboolean    nn_csv_read_cells        (const char *path, NnCsvCells *out, GCancellable *cancel,
                                      GError **error);
void        nn_csv_cells_clear       (NnCsvCells *c);
/* A table another loader made as CSV cells (a header record first; cells
 * "" are missing; lines[r]: the number the messages give record r), made
 * into features and a target as a CSV file's are; name stands for the
 * path in messages and names the dataset. cells is taken over (cleared),
 * whatever the outcome. */
NnDataset  *nn_csv_load_cells        (const char *name, NnCsvCells *cells,
                                      const NnCsvOptions *opt, gboolean auto_task,
                                      NnNorm norm, GCancellable *cancel, GError **error);

/* JSON tables (nn-data-json.c): an array of flat objects, one per row. */
typedef struct {
  const char  *target;        /* the target member; NULL: the last member of the first record */
  const char  *drop;          /* members left out, comma-separated; NULL: none */
  NnNorm       norm;          /* of the numeric features, training split's statistics */
  gboolean     auto_task;     /* guess classify or regress as CSV does, else by classify */
  gboolean     classify;
  double       test_fraction; /* held out after shuffling; 0: none */
  guint64      seed;          /* the shuffle's */
} NnJsonTableOptions;
NnDataset  *nn_json_table_load       (const char *path, const char *name,
                                      const NnJsonTableOptions *opt, GCancellable *cancel,
                                      GError **error);

/* Time series (nn-data-series.c): TRUE when the spec (its name and option
 * keys) names a windowed series: seattle-temps, seattle-weather, series,
 * or a .csv file with a window option. */
gboolean    nn_series_spec_matches   (const char *name, const GPtrArray *keys);
/* Opens it; keys and values: the spec's options (char *). */
NnDataset  *nn_series_open           (const char *name, const GPtrArray *keys,
                                      const GPtrArray *values, GCancellable *cancel,
                                      GError **error);
void        nn_series_free           (NnSeries *s);
