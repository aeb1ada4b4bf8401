/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the model file writer (nn-model-io-write.c) and reader
 * (nn-model-io.c). */
#pragma once

#include <json-glib/json-glib.h>

#include "nn-model-private.h"

#define FORMAT_NAME     "deepscope-model"
#define FORMAT_VERSION  1
#define WEIGHT_ENCODING "float32-le-base64"
/* Models used as layers nest; a limit keeps a hostile file from exhausting
 * the stack. */
#define MAX_DEPTH       8

/* NnScheduleKind names in the file, NULL-terminated. */
extern const char *const nn_schedule_names[];

/* ---- reading helpers (nn-model-io.c), shared with the runs reader
 * (nn-model-io-runs.c); `where` names the object in messages. ---------- */

typedef enum { J_OBJECT, J_ARRAY, J_STRING, J_INT, J_NUMBER, J_BOOL } JKind;

/* Global symbols of a static library: prefixed, short names in the code. */
#define is_kind               nn_io_is_kind
#define kind_name             nn_io_kind_name
#define node_desc             nn_io_node_desc
#define get_member            nn_io_get_member
#define get_int               nn_io_get_int
#define get_int32             nn_io_get_int32
#define get_double            nn_io_get_double
#define get_bool              nn_io_get_bool
#define get_string            nn_io_get_string
#define only_keys             nn_io_only_keys
#define read_optimizer_config nn_io_read_optimizer_config
#define read_runs             nn_io_read_runs
#define read_preprocessing    nn_io_read_preprocessing
#define run_series_decimate   nn_io_run_series_decimate

gboolean    is_kind     (JsonNode *n, JKind k);
const char *kind_name   (JKind k);
const char *node_desc   (JsonNode *n);
gboolean    get_member  (JsonObject *o, const char *key, JKind k, gboolean required, int code,
                         const char *where, JsonNode **out, GError **error);
gboolean    get_int     (JsonObject *o, const char *key, gint64 min, gint64 max, int code,
                         const char *where, gint64 *out, GError **error);
gboolean    get_int32   (JsonObject *o, const char *key, int min, int max, int code,
                         const char *where, int *out, GError **error);
gboolean    get_double  (JsonObject *o, const char *key, double min, gboolean min_open,
                         double max, int code, const char *where, double *out, GError **error);
gboolean    get_bool    (JsonObject *o, const char *key, int code, const char *where,
                         gboolean *out, GError **error);
gboolean    get_string  (JsonObject *o, const char *key, gboolean required, int code,
                         const char *where, const char **out, GError **error);
gboolean    only_keys   (JsonObject *o, const char *const *keys, int code, const char *where,
                         GError **error);
/* {"class_name": …, "config": {…}} into *out. */
gboolean    read_optimizer_config (JsonObject *o, const char *where, NnOptimizerConfig *out,
                                   GError **error);
/* The member "preprocessing" of o (optional) into *out. */
gboolean    read_preprocessing (JsonObject *o, const char *where, NnDatasetFlags *out,
                                GError **error);
/* The file's "runs" member (optional) into a new array of NnRunRecord. */
gboolean    read_runs   (JsonObject *root, GPtrArray **runs, GError **error);
/* The points of s to write: at most max_points, each the mean of a run of
 * consecutive points (y: of its finite values, else NAN). */
void        run_series_decimate (const NnRunSeries *s, guint max_points, GArray *x, GArray *y);

/* The "vocabulary" member (nn-model-io-vocab.c): written from v; read from
 * root into *out (NULL when the file has none). */
void        nn_io_write_vocab (JsonBuilder *b, const NnVocab *v);
gboolean    nn_io_read_vocab  (JsonObject *root, NnVocab **out, GError **error);
