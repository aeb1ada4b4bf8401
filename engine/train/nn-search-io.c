/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A search as JSON (MODEL-FORMAT.md, "searches"): its spec, its plan and
 * every trial's values and results. Reading checks every member's type
 * and range, so a damaged file gives an error naming the member. */
#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>
#include <glib/gi18n-lib.h>

#include "nn-search-private.h"

#define SEARCH_VERSION 1

/* ---- writing ------------------------------------------------------------------ */

static void
add_number (JsonBuilder *b, double v)
{
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_strv (JsonBuilder *b, const char *key, char **v)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (; v && *v; v++)
    json_builder_add_string_value (b, *v);
  json_builder_end_array (b);
}

static void
write_param (JsonBuilder *b, const NnSearchParam *p)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, p->path);
  if (p->domain == NN_SEARCH_LIST)
    add_strv (b, "values", p->values);
  else
    {
      json_builder_set_member_name (b, "range");
      json_builder_begin_array (b);
      json_builder_add_double_value (b, p->lo);
      json_builder_add_double_value (b, p->hi);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "log");
      json_builder_add_boolean_value (b, p->domain == NN_SEARCH_LOG_RANGE);
    }
  json_builder_set_member_name (b, "integer");
  json_builder_add_boolean_value (b, p->integer);
  json_builder_end_object (b);
}

static void
write_trial (JsonBuilder *b, const NnTrial *t)
{
  json_builder_begin_object (b);
  add_strv (b, "values", t->values);
  json_builder_set_member_name (b, "state");
  json_builder_add_string_value (b, nn_trial_state_name (t->state));
  json_builder_set_member_name (b, "rung");
  json_builder_add_int_value (b, t->rung);
  json_builder_set_member_name (b, "epochs_done");
  json_builder_add_int_value (b, t->epochs_done);
  json_builder_set_member_name (b, "best");
  add_number (b, t->best);
  json_builder_set_member_name (b, "best_epoch");
  json_builder_add_int_value (b, t->best_epoch);
  json_builder_set_member_name (b, "seconds");
  add_number (b, t->seconds);
  json_builder_set_member_name (b, "history");
  json_builder_begin_array (b);
  for (guint k = 0; k < t->history->len; k++)
    add_number (b, g_array_index (t->history, double, k));
  json_builder_end_array (b);
  if (t->error)
    {
      json_builder_set_member_name (b, "error");
      json_builder_add_string_value (b, t->error);
    }
  if (t->run)
    {
      json_builder_set_member_name (b, "run");
      json_builder_add_string_value (b, t->run);
    }
  json_builder_end_object (b);
}

static void
set_int (JsonBuilder *b, const char *key, gint64 v)
{
  json_builder_set_member_name (b, key);
  json_builder_add_int_value (b, v);
}

static void
write_spec (JsonBuilder *b, const NnSearchSpec *sp)
{
  json_builder_set_member_name (b, "strategy");
  json_builder_add_string_value (b, nn_search_strategy_name (sp->strategy));
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, sp->metric);
  json_builder_set_member_name (b, "maximize");
  json_builder_add_boolean_value (b, sp->maximize);
  set_int (b, "max_trials", sp->max_trials);
  set_int (b, "max_epochs_total", sp->max_epochs_total);
  set_int (b, "grid_points", sp->grid_points);
  set_int (b, "seed", (gint64) sp->seed);
  set_int (b, "min_epochs", sp->min_epochs);
  set_int (b, "max_epochs", sp->max_epochs);
  set_int (b, "eta", sp->eta);
  json_builder_set_member_name (b, "params");
  json_builder_begin_array (b);
  for (guint k = 0; k < sp->params->len; k++)
    write_param (b, sp->params->pdata[k]);
  json_builder_end_array (b);
}

char *
nn_search_to_json (NnSearch *s)
{
  g_return_val_if_fail (s, NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  set_int (b, "version", SEARCH_VERSION);
  write_spec (b, &s->spec);
  set_int (b, "epochs", s->epochs);
  json_builder_set_member_name (b, "trials");
  json_builder_begin_array (b);
  for (guint i = 0; i < s->trials->len; i++)
    write_trial (b, s->trials->pdata[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "jobs");
  json_builder_begin_array (b);
  for (guint k = 0; k < s->jobs->len; k++)
    {
      const NnSearchJob *j = &g_array_index (s->jobs, NnSearchJob, k);
      json_builder_begin_array (b);
      json_builder_add_int_value (b, j->rung);
      json_builder_add_int_value (b, j->trial);
      json_builder_add_int_value (b, j->epochs);
      json_builder_add_int_value (b, j->epochs_total);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  set_int (b, "jobs_done", s->jobs_done);
  set_int (b, "n_rungs", s->n_rungs);
  json_builder_end_object (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/* ---- reading ------------------------------------------------------------------ */

static gboolean
bad (GError **error, const char *where, const char *what)
{
  g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("The search's %s %s"), where, what);
  return FALSE;
}

static JsonNode *
member (JsonObject *o, const char *key, JsonNodeType type, gboolean optional, GError **error)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n && optional)
    return NULL;
  if (!n)
    {
      bad (error, key, "is missing");
      return NULL;
    }
  if (json_node_get_node_type (n) != type)
    {
      bad (error, key, type == JSON_NODE_ARRAY ? "is not a list" : type == JSON_NODE_OBJECT
                       ? "is not an object" : "is not a value");
      return NULL;
    }
  return n;
}

static gboolean
get_int (JsonObject *o, const char *key, gint64 lo, gint64 hi, gint64 *out, GError **error)
{
  JsonNode *n = member (o, key, JSON_NODE_VALUE, FALSE, error);
  if (!n)
    return FALSE;
  if (json_node_get_value_type (n) != G_TYPE_INT64)
    return bad (error, key, "is not a whole number");
  gint64 v = json_node_get_int (n);
  if (v < lo || v > hi)
    return bad (error, key, "is out of range");
  *out = v;
  return TRUE;
}

#define GET_INT(o, key, lo, hi, dst)                                                            \
  G_STMT_START {                                                                                \
    gint64 v_;                                                                                  \
    if (!get_int (o, key, lo, hi, &v_, error))                                                  \
      return FALSE;                                                                             \
    (dst) = v_;                                                                                 \
  } G_STMT_END

static const char *
get_string (JsonObject *o, const char *key, gboolean optional, GError **error)
{
  JsonNode *n = member (o, key, JSON_NODE_VALUE, optional, error);
  if (!n)
    return NULL;
  if (json_node_get_value_type (n) != G_TYPE_STRING)
    {
      bad (error, key, "is not a text");
      return NULL;
    }
  return json_node_get_string (n);
}

/* A number, or null for NAN. */
static gboolean
node_number (JsonNode *n, double *out)
{
  if (JSON_NODE_HOLDS_NULL (n))
    {
      *out = NAN;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || (json_node_get_value_type (n) != G_TYPE_DOUBLE
                                     && json_node_get_value_type (n) != G_TYPE_INT64))
    return FALSE;
  *out = json_node_get_double (n);
  return TRUE;
}

static char **
read_strv (JsonObject *o, const char *key, guint want, GError **error)
{
  JsonNode *n = member (o, key, JSON_NODE_ARRAY, FALSE, error);
  if (!n)
    return NULL;
  JsonArray *a = json_node_get_array (n);
  guint len = json_array_get_length (a);
  if (len == 0 || (want && len != want))
    {
      bad (error, key, len == 0 ? "is empty" : "do not match the parameters");
      return NULL;
    }
  char **v = g_new0 (char *, len + 1);
  for (guint k = 0; k < len; k++)
    {
      JsonNode *e = json_array_get_element (a, k);
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          g_strfreev (v);
          bad (error, key, "hold something that is not a text");
          return NULL;
        }
      v[k] = g_strdup (json_node_get_string (e));
    }
  return v;
}

static gboolean
read_param (JsonNode *node, NnSearchSpec *sp, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, "params", "hold something that is not an object");
  JsonObject *o = json_node_get_object (node);
  const char *path = get_string (o, "path", FALSE, error);
  if (!path)
    return FALSE;
  g_autoptr (GString) text = g_string_new (NULL);
  if (json_object_has_member (o, "values"))
    {
      g_auto (GStrv) v = read_strv (o, "values", 0, error);
      if (!v)
        return FALSE;
      g_autofree char *joined = g_strjoinv (",", v);
      g_string_append (text, joined);
    }
  else
    {
      JsonNode *r = member (o, "range", JSON_NODE_ARRAY, FALSE, error);
      if (!r)
        return FALSE;
      JsonArray *a = json_node_get_array (r);
      double lo, hi;
      if (json_array_get_length (a) != 2 || !node_number (json_array_get_element (a, 0), &lo)
          || !node_number (json_array_get_element (a, 1), &hi) || isnan (lo) || isnan (hi))
        return bad (error, "range", "is not two numbers");
      char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
      JsonNode *log = json_object_get_member (o, "log");
      g_string_printf (text, "%s%s..%s", log && json_node_get_boolean (log) ? "log:" : "",
                       g_ascii_dtostr (b1, sizeof b1, lo), g_ascii_dtostr (b2, sizeof b2, hi));
    }
  if (!nn_search_spec_add_param (sp, path, text->str, error))
    return FALSE;
  JsonNode *integer = json_object_get_member (o, "integer");
  NnSearchParam *p = sp->params->pdata[sp->params->len - 1];
  p->integer = integer && JSON_NODE_HOLDS_VALUE (integer) && json_node_get_boolean (integer);
  return TRUE;
}

static gboolean
read_spec (JsonObject *o, NnSearchSpec *sp, GError **error)
{
  const char *strategy = get_string (o, "strategy", FALSE, error);
  if (!strategy)
    return FALSE;
  if (!nn_search_strategy_parse (strategy, &sp->strategy))
    return bad (error, "strategy", "is not grid, random or halving");
  const char *metric = get_string (o, "metric", FALSE, error);
  if (!metric)
    return FALSE;
  nn_search_spec_set_metric (sp, metric);
  JsonNode *max = json_object_get_member (o, "maximize");
  if (max && JSON_NODE_HOLDS_VALUE (max))
    sp->maximize = json_node_get_boolean (max);
  GET_INT (o, "max_trials", 0, 100000, sp->max_trials);
  GET_INT (o, "max_epochs_total", 0, G_MAXINT, sp->max_epochs_total);
  GET_INT (o, "grid_points", 1, 1000, sp->grid_points);
  GET_INT (o, "seed", 0, G_MAXINT64, sp->seed);
  GET_INT (o, "min_epochs", 1, 100000, sp->min_epochs);
  GET_INT (o, "max_epochs", 1, 100000, sp->max_epochs);
  GET_INT (o, "eta", 2, 1000, sp->eta);
  JsonNode *params = member (o, "params", JSON_NODE_ARRAY, FALSE, error);
  if (!params)
    return FALSE;
  JsonArray *a = json_node_get_array (params);
  for (guint k = 0; k < json_array_get_length (a); k++)
    if (!read_param (json_array_get_element (a, k), sp, error))
      return FALSE;
  if (sp->params->len == 0)
    return bad (error, "params", "are empty");
  return TRUE;
}

static gboolean
read_history (JsonObject *o, NnTrial *t, GError **error)
{
  JsonNode *n = member (o, "history", JSON_NODE_ARRAY, FALSE, error);
  if (!n)
    return FALSE;
  JsonArray *a = json_node_get_array (n);
  for (guint k = 0; k < json_array_get_length (a); k++)
    {
      double v;
      if (!node_number (json_array_get_element (a, k), &v))
        return bad (error, "history", "holds something that is not a number");
      g_array_append_val (t->history, v);
    }
  return TRUE;
}

static gboolean
read_trial (NnSearch *s, JsonNode *node, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return bad (error, "trials", "hold something that is not an object");
  JsonObject *o = json_node_get_object (node);
  NnTrial *t = nn_trial_new (s->trials->len, 0);
  g_ptr_array_add (s->trials, t);
  g_strfreev (t->values);
  if (!(t->values = read_strv (o, "values", s->spec.params->len, error)))
    return FALSE;
  const char *state = get_string (o, "state", FALSE, error);
  if (!state)
    return FALSE;
  gboolean known = FALSE;
  for (int k = 0; k <= NN_TRIAL_FAILED && !known; k++)
    if (g_str_equal (state, nn_trial_state_name (k)))
      {
        t->state = k == NN_TRIAL_RUNNING ? NN_TRIAL_STOPPED : k;
        known = TRUE;
      }
  if (!known)
    return bad (error, "trial state", "is unknown");
  GET_INT (o, "rung", 0, 1000, t->rung);
  GET_INT (o, "epochs_done", 0, G_MAXINT, t->epochs_done);
  GET_INT (o, "best_epoch", 0, G_MAXINT, t->best_epoch);
  JsonNode *best = json_object_get_member (o, "best");
  JsonNode *secs = json_object_get_member (o, "seconds");
  if (!best || !node_number (best, &t->best)
      || !secs || !node_number (secs, &t->seconds))
    return bad (error, "trial", "has no best value or time");
  const char *err = get_string (o, "error", TRUE, NULL);
  t->error = g_strdup (err);
  /* optional: files written before trials named their runs have none */
  if (json_object_has_member (o, "run"))
    {
      const char *run = get_string (o, "run", FALSE, error);
      if (!run)
        return FALSE;
      t->run = g_strdup (run);
    }
  return read_history (o, t, error);
}

static gboolean
read_jobs (NnSearch *s, JsonObject *o, GError **error)
{
  JsonNode *n = member (o, "jobs", JSON_NODE_ARRAY, FALSE, error);
  if (!n)
    return FALSE;
  JsonArray *a = json_node_get_array (n);
  for (guint k = 0; k < json_array_get_length (a); k++)
    {
      JsonNode *e = json_array_get_element (a, k);
      JsonArray *j = JSON_NODE_HOLDS_ARRAY (e) ? json_node_get_array (e) : NULL;
      double v[4];
      if (!j || json_array_get_length (j) != 4)
        return bad (error, "jobs", "hold something that is not four numbers");
      for (int i = 0; i < 4; i++)
        if (!node_number (json_array_get_element (j, i), &v[i]) || isnan (v[i])
            || v[i] != floor (v[i]) || fabs (v[i]) > G_MAXINT)
          return bad (error, "jobs", "hold something that is not four whole numbers");
      NnSearchJob job = { (int) v[0], (int) v[1], (int) v[2], (int) v[3] };
      if (job.rung < 0 || job.trial < -1 || job.trial >= (int) s->trials->len || job.epochs < 1
          || job.epochs_total < job.epochs)
        return bad (error, "jobs", "name a trial or epochs that do not exist");
      g_array_append_val (s->jobs, job);
    }
  GET_INT (o, "jobs_done", 0, s->jobs->len, s->jobs_done);
  GET_INT (o, "n_rungs", 1, 1000, s->n_rungs);
  return TRUE;
}

static gboolean
read_search (NnSearch *s, JsonNode *root, GError **error)
{
  if (!JSON_NODE_HOLDS_OBJECT (root))
    return bad (error, "file", "is not a JSON object");
  JsonObject *o = json_node_get_object (root);
  gint64 version;
  if (!get_int (o, "version", 1, G_MAXINT, &version, error))
    return FALSE;
  if (version > SEARCH_VERSION)
    return bad (error, "version", "is newer than this program reads: update Deepscope");
  if (!read_spec (o, &s->spec, error))
    return FALSE;
  GET_INT (o, "epochs", 1, 1000000, s->epochs);
  JsonNode *trials = member (o, "trials", JSON_NODE_ARRAY, FALSE, error);
  if (!trials)
    return FALSE;
  JsonArray *a = json_node_get_array (trials);
  for (guint k = 0; k < json_array_get_length (a); k++)
    if (!read_trial (s, json_array_get_element (a, k), error))
      return FALSE;
  return read_jobs (s, o, error);
}

NnSearch *
nn_search_new_from_json (const char *json, gssize len, GError **error)
{
  g_return_val_if_fail (json, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) err = NULL;
  if (!json_parser_load_from_data (parser, json, len, &err))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("The search is not JSON: %s"),
                   err->message);
      return NULL;
    }
  NnSearch *s = nn_search_alloc ();
  nn_search_spec_init (&s->spec);
  g_ptr_array_set_size (s->spec.params, 0);
  JsonNode *root = json_parser_get_root (parser);
  if (!root || !read_search (s, root, error))
    {
      if (!root)
        bad (error, "file", "is empty");
      nn_search_free (s);
      return NULL;
    }
  return s;
}
