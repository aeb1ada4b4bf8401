/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Training runs kept with a model file (the "runs" member,
 * engine/MODEL-FORMAT.md): the records, reading them, and the averaging
 * that keeps long per-batch curves to NN_RUN_MAX_POINTS points. Writing is
 * in nn-model-io-write.c, beside the rest of the writer. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-model-io-private.h"

/* ---- records -------------------------------------------------------------- */

static void
series_free (gpointer data)
{
  NnRunSeries *s = data;

  g_free (s->key);
  g_array_unref (s->x);
  g_array_unref (s->y);
  g_free (s);
}

static void
marker_clear (gpointer data)
{
  NnRunMarker *m = data;

  g_clear_pointer (&m->text, g_free);
}

/**
 * nn_run_record_new:
 * @name: (nullable): the run's name; NULL gives "Run"
 *
 * Returns: (transfer full): an empty record with the default optimizer.
 */
NnRunRecord *
nn_run_record_new (const char *name)
{
  NnRunRecord *r = g_new0 (NnRunRecord, 1);

  r->name = g_strdup (name ? name : "Run");
  nn_optimizer_config_init (&r->optimizer, NN_OPT_RMSPROP);
  r->series = g_ptr_array_new_with_free_func (series_free);
  r->markers = g_array_new (FALSE, FALSE, sizeof (NnRunMarker));
  g_array_set_clear_func (r->markers, marker_clear);
  return r;
}

void
nn_run_record_free (NnRunRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->origin);
  g_free (r->started);
  g_free (r->end_text);
  g_free (r->dataset);
  g_ptr_array_unref (r->series);
  g_array_unref (r->markers);
  g_clear_pointer (&r->model, nn_model_free);
  g_free (r);
}

NnRunSeries *
nn_run_record_get_series (const NnRunRecord *r, const char *key)
{
  g_return_val_if_fail (r != NULL && key != NULL, NULL);
  for (guint i = 0; i < r->series->len; i++)
    {
      NnRunSeries *s = r->series->pdata[i];
      if (g_str_equal (s->key, key))
        return s;
    }
  return NULL;
}

NnRunSeries *
nn_run_record_ensure_series (NnRunRecord *r, const char *key)
{
  g_return_val_if_fail (r != NULL && key != NULL, NULL);
  NnRunSeries *s = nn_run_record_get_series (r, key);

  if (s == NULL)
    {
      s = g_new0 (NnRunSeries, 1);
      s->key = g_strdup (key);
      s->x = g_array_new (FALSE, FALSE, sizeof (double));
      s->y = g_array_new (FALSE, FALSE, sizeof (double));
      g_ptr_array_add (r->series, s);
    }
  return s;
}

void
nn_run_record_append (NnRunRecord *r, const char *key, double x, double y)
{
  g_return_if_fail (r != NULL && key != NULL);
  NnRunSeries *s = nn_run_record_ensure_series (r, key);

  if (!isfinite (y))
    y = NAN;
  g_array_append_val (s->x, x);
  g_array_append_val (s->y, y);
}

void
nn_run_record_add_marker (NnRunRecord *r, double x, const char *text)
{
  g_return_if_fail (r != NULL);
  NnRunMarker m = { x, g_strdup (text ? text : "") };

  g_array_append_val (r->markers, m);
}

/* ---- averaging long series ----------------------------------------------- */

void
run_series_decimate (const NnRunSeries *s, guint max_points, GArray *x, GArray *y)
{
  guint n = s->x->len;
  guint per = max_points > 0 && n > max_points ? (n + max_points - 1) / max_points : 1;

  for (guint start = 0; start < n; start += per)
    {
      guint end = MIN (start + per, n), finite = 0;
      double sx = 0, sy = 0, mx, my;

      for (guint i = start; i < end; i++)
        {
          double v = g_array_index (s->y, double, i);

          sx += g_array_index (s->x, double, i);
          if (isfinite (v))
            {
              sy += v;
              finite++;
            }
        }
      mx = sx / (end - start);
      my = finite ? sy / finite : NAN;
      g_array_append_val (x, mx);
      g_array_append_val (y, my);
    }
}

/* ---- reading ------------------------------------------------------------- */

static const char *const run_keys[] = {
  "name", "origin", "started", "ended", "color", "dataset", "preprocessing", "settings",
  "epochs_done", "seconds", "series", "markers", "model", NULL
};
static const char *const settings_keys[] = {
  "optimizer", "epochs", "batch_size", "validation_split", "kfold", "seed", NULL
};
static const char *const preprocessing_keys[] = { "one_hot", "skip_unreadable", NULL };
static const char *const series_keys[] = { "key", "x", "y", NULL };
static const char *const marker_keys[] = { "x", "text", NULL };

/* "preprocessing" of the file or of a run: {"one_hot": b, "skip_unreadable": b}. */
gboolean
read_preprocessing (JsonObject *o, const char *where, NnDatasetFlags *out,
                          GError **error)
{
  const int E = NN_MODEL_ERROR_CONFIG;
  g_autofree char *inner = g_strdup_printf ("%s “preprocessing”", where);
  gboolean one_hot = FALSE, skip = FALSE;
  JsonNode *n;

  if (!get_member (o, "preprocessing", J_OBJECT, FALSE, E, where, &n, error))
    return FALSE;
  *out = 0;
  if (!n)
    return TRUE;
  o = json_node_get_object (n);
  if (!only_keys (o, preprocessing_keys, E, inner, error)
      || !get_bool (o, "one_hot", E, inner, &one_hot, error)
      || !get_bool (o, "skip_unreadable", E, inner, &skip, error))
    return FALSE;
  *out = (one_hot ? NN_DATASET_ONE_HOT : 0) | (skip ? NN_DATASET_SKIP_BAD : 0);
  return TRUE;
}

static gboolean
read_settings (NnRunRecord *r, JsonObject *o, const char *where, GError **error)
{
  const int E = NN_MODEL_ERROR_CONFIG;
  g_autofree char *inner = g_strdup_printf ("%s “settings”", where);
  gint64 seed = 0;
  JsonNode *n, *opt;

  if (!get_member (o, "settings", J_OBJECT, FALSE, E, where, &n, error))
    return FALSE;
  if (!n)
    return TRUE;
  o = json_node_get_object (n);
  if (!only_keys (o, settings_keys, E, inner, error)
      || !get_member (o, "optimizer", J_OBJECT, FALSE, E, inner, &opt, error)
      || !get_int32 (o, "epochs", 0, G_MAXINT, E, inner, &r->epochs, error)
      || !get_int32 (o, "batch_size", 0, G_MAXINT, E, inner, &r->batch_size, error)
      || !get_double (o, "validation_split", 0, FALSE, 0.99, E, inner, &r->validation_split,
                      error)
      || !get_int32 (o, "kfold", 0, G_MAXINT, E, inner, &r->kfold, error)
      || !get_int (o, "seed", 0, G_MAXINT64, E, inner, &seed, error))
    return FALSE;
  r->seed = (guint64) seed;
  if (opt)
    {
      g_autofree char *owhere = g_strdup_printf ("%s optimizer", inner);
      if (!read_optimizer_config (json_node_get_object (opt), owhere, &r->optimizer, error))
        return FALSE;
    }
  return TRUE;
}

/* A number, or null for a value that was not finite (y only). */
static gboolean
read_number (JsonArray *a, guint i, gboolean null_ok, double *out)
{
  JsonNode *e = json_array_get_element (a, i);

  if (null_ok && JSON_NODE_HOLDS_NULL (e))
    {
      *out = NAN;
      return TRUE;
    }
  if (!is_kind (e, J_NUMBER))
    return FALSE;
  *out = json_node_get_double (e);
  return isfinite (*out);
}

static gboolean
read_one_series (NnRunRecord *r, JsonNode *node, guint k, const char *where, GError **error)
{
  const int E = NN_MODEL_ERROR_CONFIG;
  g_autofree char *inner = g_strdup_printf ("%s series %u", where, k + 1);
  const char *key;
  JsonNode *xn, *yn;
  JsonArray *xa, *ya;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s must be an object, not %s"),
                   inner, node_desc (node));
      return FALSE;
    }
  JsonObject *o = json_node_get_object (node);
  if (!only_keys (o, series_keys, E, inner, error)
      || !get_string (o, "key", TRUE, E, inner, &key, error)
      || !get_member (o, "x", J_ARRAY, TRUE, E, inner, &xn, error)
      || !get_member (o, "y", J_ARRAY, TRUE, E, inner, &yn, error))
    return FALSE;
  if (*key == '\0' || nn_run_record_get_series (r, key))
    {
      g_set_error (error, NN_MODEL_ERROR, E, _("%s: the key “%s” is %s"), inner, key,
                   *key ? "used by an earlier series of the run: give each series once"
                        : "empty: name the metric (“loss”, “val_accuracy”)");
      return FALSE;
    }
  xa = json_node_get_array (xn);
  ya = json_node_get_array (yn);
  if (json_array_get_length (xa) != json_array_get_length (ya))
    {
      g_set_error (error, NN_MODEL_ERROR, E,
                   _("%s (“%s”): “x” has %u values but “y” has %u (one y per x)"), inner, key,
                   json_array_get_length (xa), json_array_get_length (ya));
      return FALSE;
    }
  /* An empty series is kept: the chart of its metric stays. */
  NnRunSeries *s = nn_run_record_ensure_series (r, key);
  for (guint i = 0; i < json_array_get_length (xa); i++)
    {
      double x, y, last;

      if (!read_number (xa, i, FALSE, &x) || !read_number (ya, i, TRUE, &y))
        {
          g_set_error (error, NN_MODEL_ERROR, E,
                       _("%s (“%s”): point %u must be a finite number x with a number or null y"),
                       inner, key, i + 1);
          return FALSE;
        }
      last = s->x->len ? g_array_index (s->x, double, s->x->len - 1) : -INFINITY;
      if (!(x > last))
        {
          g_set_error (error, NN_MODEL_ERROR, E,
                       _("%s (“%s”): x must increase, but point %u (%g) follows %g"), inner, key,
                       i + 1, x, last);
          return FALSE;
        }
      nn_run_record_append (r, key, x, y);
    }
  return TRUE;
}

static gboolean
read_markers (NnRunRecord *r, JsonObject *o, const char *where, GError **error)
{
  const int E = NN_MODEL_ERROR_CONFIG;
  JsonNode *n;

  if (!get_member (o, "markers", J_ARRAY, FALSE, E, where, &n, error))
    return FALSE;
  for (guint i = 0; n && i < json_array_get_length (json_node_get_array (n)); i++)
    {
      JsonNode *e = json_array_get_element (json_node_get_array (n), i);
      g_autofree char *inner = g_strdup_printf ("%s marker %u", where, i + 1);
      double x = NAN;
      const char *text;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE,
                       _("%s must be an object, not %s"), inner, node_desc (e));
          return FALSE;
        }
      if (!only_keys (json_node_get_object (e), marker_keys, E, inner, error)
          || !get_double (json_node_get_object (e), "x", 0, FALSE, G_MAXDOUBLE, E, inner, &x,
                          error)
          || !get_string (json_node_get_object (e), "text", TRUE, E, inner, &text, error))
        return FALSE;
      if (isnan (x))
        {
          g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s has no “x” member"),
                       inner);
          return FALSE;
        }
      nn_run_record_add_marker (r, x, text);
    }
  return TRUE;
}

/* The run's trained model ("model": a model file's object, weights
 * included), into r->model; none is fine. */
static gboolean
read_run_model (NnRunRecord *r, JsonObject *o, const char *where, GError **error)
{
  JsonNode *n;
  if (!get_member (o, "model", J_OBJECT, FALSE, NN_MODEL_ERROR_FILE, where, &n, error))
    return FALSE;
  if (n == NULL)
    return TRUE;
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, n);
  gsize len = 0;
  g_autofree char *text = json_generator_to_data (gen, &len);
  r->model = nn_model_load_from_data (text, (gssize) len, error);
  if (r->model == NULL)
    {
      g_prefix_error (error, _("%s model: "), where);
      return FALSE;
    }
  if (!nn_model_has_weights (r->model))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_WEIGHTS,
                   _("%s model: it has no weights (a run keeps its model only to keep its "
                   "trained weights)"), where);
      return FALSE;
    }
  return TRUE;
}

static NnRunRecord *
read_run (JsonNode *node, guint k, GError **error)
{
  const int E = NN_MODEL_ERROR_CONFIG;
  g_autofree char *where = g_strdup_printf ("run %u", k + 1);
  const char *name = NULL, *origin = NULL, *started = NULL, *ended = NULL, *dataset = NULL;
  gint64 color = 0;
  JsonNode *series;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_FILE, _("%s must be an object, not %s"),
                   where, node_desc (node));
      return NULL;
    }
  JsonObject *o = json_node_get_object (node);
  if (!get_string (o, "name", FALSE, E, where, &name, error))
    return NULL;
  if (name)
    {
      g_free (where);
      where = g_strdup_printf ("run %u (“%s”)", k + 1, name);
    }

  g_autoptr (NnRunRecord) r = nn_run_record_new (name);
  if (!only_keys (o, run_keys, E, where, error)
      || !get_string (o, "origin", FALSE, E, where, &origin, error)
      || !get_string (o, "started", FALSE, E, where, &started, error)
      || !get_string (o, "ended", FALSE, E, where, &ended, error)
      || !get_int (o, "color", 0, G_MAXINT, E, where, &color, error)
      || !get_string (o, "dataset", FALSE, E, where, &dataset, error)
      || !read_preprocessing (o, where, &r->dataset_flags, error)
      || !read_settings (r, o, where, error)
      || !get_int32 (o, "epochs_done", 0, G_MAXINT, E, where, &r->epochs_done, error)
      || !get_double (o, "seconds", 0, FALSE, G_MAXDOUBLE, E, where, &r->seconds, error)
      || !get_member (o, "series", J_ARRAY, FALSE, E, where, &series, error)
      || !read_markers (r, o, where, error)
      || !read_run_model (r, o, where, error))
    return NULL;
  r->origin = g_strdup (origin);
  r->started = g_strdup (started);
  r->end_text = g_strdup (ended);
  r->color = (guint) color;
  r->dataset = g_strdup (dataset);
  for (guint i = 0; series && i < json_array_get_length (json_node_get_array (series)); i++)
    if (!read_one_series (r, json_array_get_element (json_node_get_array (series), i), i, where,
                          error))
      return NULL;
  return g_steal_pointer (&r);
}

gboolean
read_runs (JsonObject *root, GPtrArray **runs, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_run_record_free);
  JsonNode *n;

  if (!get_member (root, "runs", J_ARRAY, FALSE, NN_MODEL_ERROR_FILE, "the file", &n, error))
    return FALSE;
  for (guint k = 0; n && k < json_array_get_length (json_node_get_array (n)); k++)
    {
      NnRunRecord *r = read_run (json_array_get_element (json_node_get_array (n), k), k, error);
      if (!r)
        return FALSE;
      g_ptr_array_add (out, r);
    }
  if (runs)
    *runs = g_steal_pointer (&out);
  return TRUE;
}
