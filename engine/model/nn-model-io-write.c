/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing model files, format version 1 (engine/MODEL-FORMAT.md): every
 * setting in a fixed order, so that saving a loaded file reproduces it byte
 * for byte. Reading is in nn-model-io.c. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <glib/gi18n-lib.h>

#include "nn-model-io-private.h"

/* ======================================================================== */
/* Writing                                                                  */
/* ======================================================================== */

typedef struct {
  JsonBuilder *b;
  gboolean     with_weights;
  GError      *error;         /* first value JSON cannot hold */
} Writer;

static void
w_key (Writer *w, const char *key)
{
  json_builder_set_member_name (w->b, key);
}

static void
w_string (Writer *w, const char *key, const char *value)
{
  w_key (w, key);
  json_builder_add_string_value (w->b, value ? value : "");
}

static void
w_int (Writer *w, const char *key, gint64 value)
{
  w_key (w, key);
  json_builder_add_int_value (w->b, value);
}

static void
w_bool (Writer *w, const char *key, gboolean value)
{
  w_key (w, key);
  json_builder_add_boolean_value (w->b, value);
}

/* JSON has no NaN or infinity: refuse to write a file that cannot be read
 * back rather than silently changing the value. */
static void
w_double_value (Writer *w, double value, const char *what)
{
  if (!isfinite (value))
    {
      if (!w->error)
        w->error = g_error_new (NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                                _("%s is not a finite number, so the model cannot be saved"), what);
      value = 0;
    }
  json_builder_add_double_value (w->b, value);
}

static void
w_double (Writer *w, const char *key, double value, const char *what)
{
  w_key (w, key);
  w_double_value (w, value, what);
}

static void
w_ref (Writer *w, const NnModel *m, NnRef r)
{
  json_builder_begin_array (w->b);
  json_builder_add_string_value (w->b, nn_model_layer_get_name (m, r.layer));
  json_builder_add_int_value (w->b, r.call);
  json_builder_add_int_value (w->b, r.out);
  json_builder_end_array (w->b);
}

static void
w_value (Writer *w, const NnParamSpec *spec, const NnValue *v)
{
  w_key (w, spec->name);
  switch (spec->type)
    {
    case NN_PARAM_INT:
      json_builder_add_int_value (w->b, v->i);
      break;
    case NN_PARAM_FLOAT:
      w_double_value (w, v->f, spec->name);
      break;
    case NN_PARAM_BOOL:
      json_builder_add_boolean_value (w->b, v->i != 0);
      break;
    case NN_PARAM_ENUM:
      json_builder_add_string_value (w->b, spec->choices[v->i]);
      break;
    case NN_PARAM_SHAPE:
      json_builder_begin_array (w->b);
      for (int k = 0; k < v->n; k++)
        json_builder_add_int_value (w->b, v->shape[k]);
      json_builder_end_array (w->b);
      break;
    case NN_PARAM_STRING:
      json_builder_add_string_value (w->b, v->s ? v->s : "");
      break;
    }
}

static void
w_weights (Writer *w, const NnModel *m)
{
  gsize nbytes = m->n_params * sizeof (float);
  const guchar *bytes = (const guchar *) m->params;
#if G_BYTE_ORDER == G_BIG_ENDIAN
  g_autofree guint32 *le = g_new (guint32, MAX (m->n_params, 1));
  for (size_t i = 0; i < m->n_params; i++)
    {
      guint32 u;
      memcpy (&u, &m->params[i], sizeof u);
      le[i] = GUINT32_TO_LE (u);
    }
  bytes = (const guchar *) le;
#endif
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, nbytes);
  g_autofree char *data = g_base64_encode (bytes, nbytes);

  w_key (w, "weights");
  json_builder_begin_object (w->b);
  w_string (w, "encoding", WEIGHT_ENCODING);
  w_int (w, "count", (gint64) m->n_params);
  w_string (w, "sha256", sha);
  w_string (w, "data", data);
  json_builder_end_object (w->b);
}

static void w_graph (Writer *w, NnModel *m);

static void
w_layer (Writer *w, NnModel *m, int i)
{
  const NnLayerType *t = nn_model_layer_get_type (m, i);
  NnModel *sub = nn_model_layer_get_submodel (m, i);
  const char *name = nn_model_layer_get_name (m, i);
  gboolean is_input = nn_layer_type_get_max_inputs (t) == 0;
  int n_calls = nn_model_layer_get_n_calls (m, i);
  double x, y;

  json_builder_begin_object (w->b);
  w_string (w, "class_name", nn_layer_type_get_name (t));
  w_string (w, "name", name);

  w_key (w, "config");
  json_builder_begin_object (w->b);
  if (sub)
    {
      w_string (w, "name", nn_model_get_name (sub));
      w_graph (w, sub);
      if (w->with_weights && sub->has_weights)
        w_weights (w, sub);
    }
  else
    for (guint k = 0; k < nn_layer_type_get_n_params (t); k++)
      {
        const NnParamSpec *spec = nn_layer_type_get_param (t, k);
        w_value (w, spec, nn_model_layer_get_param (m, i, spec->name));
      }
  json_builder_end_object (w->b);

  w_bool (w, "trainable", nn_model_layer_get_trainable (m, i));
  nn_model_layer_get_position (m, i, &x, &y);
  w_key (w, "position");
  json_builder_begin_array (w->b);
  w_double_value (w, x, "the editor position of a layer");
  w_double_value (w, y, "the editor position of a layer");
  json_builder_end_array (w->b);

  /* Every layer has a call 0; an empty one alone means "not connected
   * yet" and is written as no call at all. */
  w_key (w, "inbound_nodes");
  json_builder_begin_array (w->b);
  if (!is_input && !(n_calls == 1 && nn_model_call_get_n_inputs (m, i, 0) == 0))
    for (int c = 0; c < n_calls; c++)
      {
        json_builder_begin_array (w->b);
        for (int s = 0; s < nn_model_call_get_n_inputs (m, i, c); s++)
          w_ref (w, m, nn_model_call_get_input (m, i, c, s));
        json_builder_end_array (w->b);
      }
  json_builder_end_array (w->b);
  json_builder_end_object (w->b);
}

/* "layers", "input_layers" and "output_layers" of a model. */
static void
w_graph (Writer *w, NnModel *m)
{
  /* After an edit, infer first: weights are written only when they fit
   * the current structure (inference drops them when the layout changed). */
  if (!m->inferred)
    nn_model_infer (m, NULL);

  w_key (w, "layers");
  json_builder_begin_array (w->b);
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    w_layer (w, m, i);
  json_builder_end_array (w->b);

  w_key (w, "input_layers");
  json_builder_begin_array (w->b);
  for (int k = 0; k < nn_model_get_n_inputs (m); k++)
    w_ref (w, m, (NnRef) { nn_model_get_input_layer (m, k), 0 });
  json_builder_end_array (w->b);

  w_key (w, "output_layers");
  json_builder_begin_array (w->b);
  for (int k = 0; k < nn_model_get_n_outputs (m); k++)
    w_ref (w, m, nn_model_get_output (m, k));
  json_builder_end_array (w->b);
}

const char *const nn_schedule_names[] = { "constant", "step", "exponential", NULL };

static void
w_optimizer (Writer *w, const NnOptimizerConfig *o)
{
  w_key (w, "optimizer");
  json_builder_begin_object (w->b);
  w_string (w, "class_name", nn_optimizer_name (o->kind));
  w_key (w, "config");
  json_builder_begin_object (w->b);
  w_double (w, "learning_rate", o->learning_rate, "learning_rate");
  w_double (w, "momentum", o->momentum, "momentum");
  w_bool (w, "nesterov", o->nesterov);
  w_double (w, "rho", o->rho, "rho");
  w_double (w, "beta_1", o->beta_1, "beta_1");
  w_double (w, "beta_2", o->beta_2, "beta_2");
  w_double (w, "epsilon", o->epsilon, "epsilon");
  w_string (w, "schedule", nn_schedule_names[CLAMP ((int) o->schedule, 0, 2)]);
  w_int (w, "decay_steps", o->decay_steps);
  w_double (w, "decay_rate", o->decay_rate, "decay_rate");
  json_builder_end_object (w->b);
  json_builder_end_object (w->b);
}

static void
w_compile (Writer *w, NnModel *m)
{
  int n_out = nn_model_get_n_outputs (m);

  w_key (w, "compile");
  json_builder_begin_object (w->b);
  w_optimizer (w, nn_model_get_optimizer (m));

  w_key (w, "loss");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    json_builder_add_string_value (w->b, nn_loss_name (nn_model_output_get_loss (m, k)));
  json_builder_end_array (w->b);

  w_key (w, "loss_weights");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    w_double_value (w, nn_model_output_get_loss_weight (m, k), "a loss weight");
  json_builder_end_array (w->b);

  w_key (w, "metrics");
  json_builder_begin_array (w->b);
  for (int k = 0; k < n_out; k++)
    {
      json_builder_begin_array (w->b);
      for (int j = 0; j < nn_model_output_get_n_metrics (m, k); j++)
        json_builder_add_string_value (w->b,
                                       nn_metric_name (nn_model_output_get_metric (m, k, j)));
      json_builder_end_array (w->b);
    }
  json_builder_end_array (w->b);

  json_builder_end_object (w->b);
}

static void
w_training (Writer *w, NnModel *m)
{
  const NnTrainDefaults *d = nn_model_get_defaults (m);
  if (!d->epochs && !d->batch_size && d->validation_split == 0 && !d->kfold
      && !d->kfold_iterations && !d->seed && !d->early_stopping_patience)
    return;
  w_key (w, "training");
  json_builder_begin_object (w->b);
  w_int (w, "epochs", d->epochs);
  w_int (w, "batch_size", d->batch_size);
  w_double (w, "validation_split", d->validation_split, "validation_split");
  w_int (w, "kfold", d->kfold);
  w_int (w, "kfold_iterations", d->kfold_iterations);
  w_int (w, "seed", (gint64) MIN (d->seed, (guint64) G_MAXINT64));
  w_int (w, "early_stopping_patience", d->early_stopping_patience);
  json_builder_end_object (w->b);
}

static void
w_preprocessing (Writer *w, NnDatasetFlags flags)
{
  w_key (w, "preprocessing");
  json_builder_begin_object (w->b);
  w_bool (w, "one_hot", (flags & NN_DATASET_ONE_HOT) != 0);
  w_bool (w, "skip_unreadable", (flags & NN_DATASET_SKIP_BAD) != 0);
  json_builder_end_object (w->b);
}

/* The members of a model file's object, from "format" to "weights" (those
 * when w asks for weights and m has them). */
static void
w_model (Writer *w, NnModel *m)
{
  NnTrainDefaults *d = nn_model_get_defaults (m);

  w_string (w, "format", FORMAT_NAME);
  w_int (w, "version", FORMAT_VERSION);
  w_string (w, "name", nn_model_get_name (m));
  if (d->title)
    w_string (w, "title", d->title);
  if (d->description)
    w_string (w, "description", d->description);
  if (nn_model_get_dataset (m))
    {
      w_string (w, "dataset", nn_model_get_dataset (m));
      w_preprocessing (w, nn_model_get_dataset_flags (m));
    }
  w_training (w, m);

  w_key (w, "config");
  json_builder_begin_object (w->b);
  w_graph (w, m);
  json_builder_end_object (w->b);

  w_compile (w, m);
  if (m->vocab != NULL)
    nn_io_write_vocab (w->b, m->vocab);
  if (w->with_weights && m->has_weights)
    w_weights (w, m);
}

/* ---- runs ------------------------------------------------------------------ */

/* A value with `digits` significant digits, so that the file holds what a
 * float measured rather than 17 digits of noise; NaN becomes null. */
static void
w_rounded (Writer *w, double v, int digits)
{
  char fmt[8], buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (v))
    {
      json_builder_add_null_value (w->b);
      return;
    }
  g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
  json_builder_add_double_value (w->b, g_ascii_strtod (g_ascii_formatd (buf, sizeof buf, fmt, v),
                                                       NULL));
}

static void
w_run_series (Writer *w, const NnRunSeries *s)
{
  g_autoptr (GArray) x = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) y = g_array_new (FALSE, FALSE, sizeof (double));

  run_series_decimate (s, NN_RUN_MAX_POINTS, x, y);
  json_builder_begin_object (w->b);
  w_string (w, "key", s->key);
  w_key (w, "x");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < x->len; i++)
    w_rounded (w, g_array_index (x, double, i), 9);
  json_builder_end_array (w->b);
  w_key (w, "y");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < y->len; i++)
    w_rounded (w, g_array_index (y, double, i), 7);
  json_builder_end_array (w->b);
  json_builder_end_object (w->b);
}

static void
w_run (Writer *w, const NnRunRecord *r)
{
  json_builder_begin_object (w->b);
  w_string (w, "name", r->name);
  if (r->origin)
    w_string (w, "origin", r->origin);
  if (r->started)
    w_string (w, "started", r->started);
  if (r->end_text)
    w_string (w, "ended", r->end_text);
  w_int (w, "color", r->color);
  if (r->dataset)
    {
      w_string (w, "dataset", r->dataset);
      w_preprocessing (w, r->dataset_flags);
    }
  w_key (w, "settings");
  json_builder_begin_object (w->b);
  w_optimizer (w, &r->optimizer);
  w_int (w, "epochs", r->epochs);
  w_int (w, "batch_size", r->batch_size);
  w_double (w, "validation_split", r->validation_split, "a run's validation_split");
  w_int (w, "kfold", r->kfold);
  w_int (w, "seed", (gint64) MIN (r->seed, (guint64) G_MAXINT64));
  json_builder_end_object (w->b);
  w_int (w, "epochs_done", r->epochs_done);
  w_key (w, "seconds");
  w_rounded (w, isfinite (r->seconds) ? r->seconds : 0, 6);

  w_key (w, "series");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < r->series->len; i++)
    w_run_series (w, r->series->pdata[i]);
  json_builder_end_array (w->b);

  w_key (w, "markers");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < r->markers->len; i++)
    {
      const NnRunMarker *mk = &g_array_index (r->markers, NnRunMarker, i);
      json_builder_begin_object (w->b);
      w_key (w, "x");
      w_rounded (w, isfinite (mk->x) ? mk->x : 0, 9);
      w_string (w, "text", mk->text);
      json_builder_end_object (w->b);
    }
  json_builder_end_array (w->b);
  /* The trained weights, with the model they fit (it may differ from the
   * file's own model, edited since the run). */
  if (r->model && w->with_weights && r->model->has_weights)
    {
      w_key (w, "model");
      json_builder_begin_object (w->b);
      w_model (w, r->model);
      json_builder_end_object (w->b);
    }
  json_builder_end_object (w->b);
}

static void
w_runs (Writer *w, GPtrArray *runs)
{
  if (runs == NULL || runs->len == 0)
    return;
  w_key (w, "runs");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < runs->len; i++)
    w_run (w, runs->pdata[i]);
  json_builder_end_array (w->b);
}

/* Each search is the text nn_search_to_json() wrote, kept as one object. */
static void
w_searches (Writer *w, GPtrArray *searches)
{
  if (searches == NULL || searches->len == 0)
    return;
  w_key (w, "searches");
  json_builder_begin_array (w->b);
  for (guint i = 0; i < searches->len; i++)
    {
      g_autoptr (GError) err = NULL;
      JsonNode *n = json_from_string (searches->pdata[i], &err);
      if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
        {
          if (n)
            json_node_unref (n);
          if (!w->error)
            g_set_error (&w->error, NN_MODEL_ERROR, NN_MODEL_ERROR_CONFIG,
                         _("search %u cannot be written: it is not a JSON object"), i + 1);
          continue;
        }
      json_builder_add_value (w->b, n);
    }
  json_builder_end_array (w->b);
}

/* ---- output tidying ------------------------------------------------------ */

/* json-glib 1.6 prints every double with 17 significant digits (0.9 comes
 * out as 0.90000000000000002, and 1e21 as the invalid "1e+21.0") and every
 * array one element per line. Model files are read and edited by people, so
 * the generator's output is rewritten: doubles in the shortest form that
 * reads back to the same value, and arrays of plain values (shapes,
 * positions, tensor references) on one line. Strings are copied as they
 * are. The input is the generator's own, well-formed output. */

static const char *
tidy_string (GString *out, const char *p)
{
  const char *start = p++;
  while (*p && *p != '"')
    p += (*p == '\\' && p[1]) ? 2 : 1;
  if (*p)
    p++;
  g_string_append_len (out, start, p - start);
  return p;
}

static const char *
tidy_number (GString *out, const char *p)
{
  size_t n = strspn (p, "+-0123456789.eE");
  if (!memchr (p, '.', n) && !memchr (p, 'e', n) && !memchr (p, 'E', n))
    {
      g_string_append_len (out, p, (gssize) n);   /* an integer */
      return p + n;
    }
  double d = g_ascii_strtod (p, NULL);
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int prec = 1; prec <= 17; prec++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", prec);
      g_ascii_formatd (buf, sizeof buf, fmt, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }
  g_string_append (out, buf);
  /* Keep it a floating-point number when read back. */
  if (!strpbrk (buf, ".eE"))
    g_string_append (out, ".0");
  return p + n;
}

static gboolean
array_is_flat (const char *p)
{
  for (p++; *p; p++)
    {
      if (*p == '"')
        {
          for (p++; *p && *p != '"'; p += (*p == '\\' && p[1]) ? 2 : 1)
            ;
          if (!*p)
            return FALSE;
        }
      else if (*p == '[' || *p == '{')
        return FALSE;
      else if (*p == ']')
        return TRUE;
    }
  return FALSE;
}

static const char *
tidy_flat_array (GString *out, const char *p)
{
  g_string_append_c (out, '[');
  for (p++; *p && *p != ']';)
    {
      if (g_ascii_isspace (*p))
        p++;
      else if (*p == ',')
        {
          g_string_append (out, ", ");
          p++;
        }
      else if (*p == '"')
        p = tidy_string (out, p);
      else if (*p == '-' || g_ascii_isdigit (*p))
        p = tidy_number (out, p);
      else
        g_string_append_c (out, *p++);
    }
  if (*p)
    g_string_append_c (out, *p++);
  return p;
}

static char *
tidy_json (const char *s)
{
  GString *out = g_string_sized_new (strlen (s) + 2);
  const char *p = s;
  while (*p)
    {
      if (*p == '"')
        p = tidy_string (out, p);
      else if (*p == '-' || g_ascii_isdigit (*p))
        p = tidy_number (out, p);
      else if (*p == '[' && array_is_flat (p))
        p = tidy_flat_array (out, p);
      else
        g_string_append_c (out, *p++);
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* ---- public: writing ----------------------------------------------------- */

/**
 * nn_model_to_json_full:
 * @with_weights: include the weights (when the model has any)
 * @runs: (nullable): NnRunRecord to write after the weights
 * @searches: (nullable): char *, each a search as nn_search_to_json() wrote
 *   it, written after the runs
 *
 * Returns: (transfer full): the model file's text, or NULL when a value
 * cannot be written (a non-finite number, a search that is not a JSON
 * object).
 */
char *
nn_model_to_json_full (NnModel *m, gboolean with_weights, GPtrArray *runs, GPtrArray *searches,
                       GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  Writer w = { b, with_weights, NULL };

  json_builder_begin_object (b);
  w_model (&w, m);
  w_runs (&w, runs);
  w_searches (&w, searches);
  json_builder_end_object (b);

  if (w.error)
    {
      g_propagate_error (error, w.error);
      return NULL;
    }

  g_autoptr (JsonNode) root = json_builder_get_root (b);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  json_generator_set_root (gen, root);
  g_autofree char *raw = json_generator_to_data (gen, NULL);
  return tidy_json (raw);
}

char *
nn_model_to_json_with_runs (NnModel *m, gboolean with_weights, GPtrArray *runs, GError **error)
{
  return nn_model_to_json_full (m, with_weights, runs, NULL, error);
}

char *
nn_model_to_json (NnModel *m, gboolean with_weights, GError **error)
{
  return nn_model_to_json_with_runs (m, with_weights, NULL, error);
}

/* ---- saving --------------------------------------------------------------- */

/* Saving writes ".NAME.save-XXXXXX" next to the file NAME, holding an
 * flock on it from creation to the rename over NAME. GLib's and GIO's
 * replace functions do not fit: g_file_set_contents renames over a symlink
 * or a device node instead of writing to what it points to, and GIO writes
 * a symlink's target in place, which is not atomic. */
#define SAVE_TMP_INFIX  ".save-"
#define SAVE_TMP_RANDOM 6      /* the XXXXXX g_mkstemp replaces */
#define MAX_SYMLINKS    40     /* as Linux's path resolution */

static gboolean
save_error (GError **error, const char *path, const char *what, int err)
{
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("Cannot save the model to %s: %s%s%s"),
               display, what ? what : "", what && err ? ": " : "", err ? g_strerror (err) : "");
  return FALSE;
}

static const char *
file_kind (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a folder";
  if (S_ISFIFO (mode))
    return "a named pipe (FIFO)";
  if (S_ISCHR (mode))
    return "a character device";
  if (S_ISBLK (mode))
    return "a block device";
  if (S_ISSOCK (mode))
    return "a socket";
  return "a special file";
}

/* The file that saving to `path` replaces: `path` itself or, through any
 * chain of symlinks, what they point to (which need not exist yet, as
 * when the shell writes through a dangling link). `st` is its status, or
 * st_mode 0 when it does not exist. Devices, pipes, folders and sockets
 * are refused: saving never replaces them. */
static char *
resolve_target (const char *path, GStatBuf *st, GError **error)
{
  g_autofree char *cur = g_strdup (path);

  for (int hops = 0; hops <= MAX_SYMLINKS; hops++)
    {
      if (g_lstat (cur, st) != 0)
        {
          int err = errno;
          if (err != ENOENT)
            {
              save_error (error, path, NULL, err);
              return NULL;
            }
          memset (st, 0, sizeof *st);
          return g_steal_pointer (&cur);
        }
      if (S_ISREG (st->st_mode))
        return g_steal_pointer (&cur);
      if (!S_ISLNK (st->st_mode))
        {
          g_autofree char *what = NULL;
          g_autofree char *display = g_filename_display_name (cur);
          if (hops == 0)
            what = g_strdup_printf ("it is %s, not a regular file; choose a file name",
                                    file_kind (st->st_mode));
          else
            what = g_strdup_printf ("it links to %s, which is %s, not a regular file; choose a "
                                    "file name", display, file_kind (st->st_mode));
          save_error (error, path, what, 0);
          return NULL;
        }
      g_autoptr (GError) err = NULL;
      g_autofree char *link = g_file_read_link (cur, &err);
      if (!link)
        {
          save_error (error, path, err->message, 0);
          return NULL;
        }
      if (!g_path_is_absolute (link))
        {
          g_autofree char *dir = g_path_get_dirname (cur);
          g_autofree char *joined = g_build_filename (dir, link, NULL);
          g_free (link);
          link = g_steal_pointer (&joined);
        }
      g_free (cur);
      cur = g_steal_pointer (&link);
    }
  save_error (error, path, NULL, ELOOP);
  return NULL;
}

/* Whether `name` is one of our temporary files for the file `base`:
 * ".BASE.save-" and six characters from g_mkstemp's alphabet. */
static gboolean
is_save_tmp_name (const char *name, const char *base)
{
  size_t nb = strlen (base), ni = strlen (SAVE_TMP_INFIX);
  if (name[0] != '.' || strncmp (name + 1, base, nb) != 0
      || strncmp (name + 1 + nb, SAVE_TMP_INFIX, ni) != 0)
    return FALSE;
  const char *r = name + 1 + nb + ni;
  for (int k = 0; k < SAVE_TMP_RANDOM; k++)
    if (!g_ascii_isalnum (r[k]))
      return FALSE;
  return r[SAVE_TMP_RANDOM] == '\0';
}

/* Removes what killed or crashed saves to `base` in `dir` left behind. A
 * writer holds an flock on its temporary file until the rename, and the
 * kernel drops it when the writer dies, so a file of our exact name for
 * this target that is regular, ours and that nobody holds locked is not
 * being written by anyone: a process id or an age could not tell that (ids
 * are reused; a slow disk or a stopped process makes a live save old).
 * Where locks are not supported nothing is removed. */
static void
remove_stale_tmps (const char *dir, const char *base)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      if (!is_save_tmp_name (name, base))
        continue;
      g_autofree char *p = g_build_filename (dir, name, NULL);
      GStatBuf st, fst;
      if (g_lstat (p, &st) != 0 || !S_ISREG (st.st_mode) || st.st_uid != geteuid ())
        continue;
      int fd = g_open (p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
      if (fd < 0)
        continue;
      if (fstat (fd, &fst) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino
          && flock (fd, LOCK_EX | LOCK_NB) == 0
          && g_lstat (p, &st) == 0 && fst.st_dev == st.st_dev && fst.st_ino == st.st_ino)
        g_unlink (p);
      close (fd);
    }
}

/* Creates and locks the temporary file for `target` in its folder. */
static int
open_save_tmp (const char *target, const GStatBuf *target_st, char **tmp_out, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  /* An existing file keeps its permissions; a new one gets 0666 less the
   * umask, as g_file_set_contents gives it. */
  const int mode = target_st->st_mode ? (int) (target_st->st_mode & 0777) : 0666;

  for (int attempt = 0; attempt < 8; attempt++)
    {
      g_autofree char *name = g_strconcat (".", base, SAVE_TMP_INFIX, "XXXXXX", NULL);
      g_autofree char *tmp = g_build_filename (dir, name, NULL);
      int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, mode);
      if (fd < 0)
        {
          save_error (error, target, NULL, errno);
          return -1;
        }
      if (target_st->st_mode)
        fchmod (fd, target_st->st_mode & 0777);
      /* Between creation and the lock, another save's cleanup may have
       * taken the new file for a stale one: then start again. */
      GStatBuf st;
      gboolean locked = flock (fd, LOCK_EX | LOCK_NB) == 0
                        || (errno != EWOULDBLOCK && errno != EINTR);
      if (locked && fstat (fd, &st) == 0 && st.st_nlink > 0)
        {
          *tmp_out = g_steal_pointer (&tmp);
          return fd;
        }
      close (fd);
    }
  save_error (error, target, "another program keeps removing its temporary files", 0);
  return -1;
}

static gboolean
write_all (int fd, const char *data, size_t len, int *err)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          *err = n < 0 ? errno : ENOSPC;
          return FALSE;
        }
      data += n;
      len -= (size_t) n;
    }
  return TRUE;
}

/* The text replaces `path`'s file atomically: written to a temporary file
 * in the same folder, flushed to the disk, then renamed over the file, so
 * that at every moment the file holds the old model or the new one. */
static gboolean
save_text (const char *path, const char *text, GError **error)
{
  GStatBuf st;
  g_autofree char *target = resolve_target (path, &st, error);
  if (!target)
    return FALSE;
  g_autofree char *dir = g_path_get_dirname (target);
  g_autofree char *base = g_path_get_basename (target);
  g_autofree char *tmp = NULL;
  int err = 0;

  remove_stale_tmps (dir, base);
  int fd = open_save_tmp (target, &st, &tmp, error);
  if (fd < 0)
    return FALSE;
  /* fsync before the rename: otherwise a crash can leave the new name on
   * a file whose data never reached the disk. */
  if (!write_all (fd, text, strlen (text), &err) || fsync (fd) != 0
      || g_rename (tmp, target) != 0)
    {
      if (!err)
        err = errno;
      g_unlink (tmp);
      close (fd);
      return save_error (error, path, NULL, err);
    }
  /* Unlocked only now, so no cleanup can take it for stale before. */
  close (fd);
  /* The rename itself reaches the disk with the folder. */
  int dfd = g_open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  return TRUE;
}

/**
 * nn_model_save:
 *
 * Writes the model file atomically: the text goes to a temporary file in
 * the same directory, flushed to the disk, which then replaces @path, so a
 * failure or a crash leaves an existing file as it was. A symlink stays a
 * link and the file it points to is replaced; a folder, device, named pipe
 * or socket at @path is refused. Temporary files that earlier saves to the
 * same file left behind when they were killed are removed.
 */
gboolean
nn_model_save_full (NnModel *m, const char *path, gboolean with_weights, GPtrArray *runs,
                    GPtrArray *searches, GError **error)
{
  g_return_val_if_fail (m != NULL && path != NULL, FALSE);
  g_autofree char *json = nn_model_to_json_full (m, with_weights, runs, searches, error);
  if (!json)
    return FALSE;
  return save_text (path, json, error);
}

gboolean
nn_model_save_with_runs (NnModel *m, const char *path, gboolean with_weights, GPtrArray *runs,
                         GError **error)
{
  return nn_model_save_full (m, path, with_weights, runs, NULL, error);
}

gboolean
nn_model_save (NnModel *m, const char *path, gboolean with_weights, GError **error)
{
  return nn_model_save_with_runs (m, path, with_weights, NULL, error);
}

