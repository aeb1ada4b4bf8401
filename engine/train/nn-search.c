/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Hyperparameter search: a spec of parameters (lists and ranges), a plan
 * of fits computed up front (grid, seeded random draws, or successive
 * halving's rungs), and the trials' results. Each fit trains a modified
 * copy of the model; halving's survivors continue from their weights. */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn-search-private.h"

/* ---- names ------------------------------------------------------------------ */

static const char *const strategy_names[] = { "grid", "random", "halving" };

const char *
nn_search_strategy_name (NnSearchStrategy s)
{
  g_return_val_if_fail (s < NN_N_SEARCH_STRATEGIES, NULL);
  return strategy_names[s];
}

gboolean
nn_search_strategy_parse (const char *s, NnSearchStrategy *out)
{
  for (int k = 0; k < NN_N_SEARCH_STRATEGIES; k++)
    if (s && g_ascii_strcasecmp (s, strategy_names[k]) == 0)
      {
        *out = k;
        return TRUE;
      }
  return FALSE;
}

const char *
nn_trial_state_name (NnTrialState s)
{
  static const char *const names[] = { "pending", "running", "done", "pruned", "stopped",
                                       "failed" };
  g_return_val_if_fail (s <= NN_TRIAL_FAILED, NULL);
  return names[s];
}

/* ---- the spec ------------------------------------------------------------------ */

void
nn_search_spec_init (NnSearchSpec *s)
{
  *s = (NnSearchSpec) {
    .strategy = NN_SEARCH_RANDOM, .max_trials = 8, .grid_points = 3, .seed = 1,
    .min_epochs = 1, .max_epochs = 9, .eta = 3,
  };
  s->params = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_search_param_free);
  nn_search_spec_set_metric (s, "val_accuracy");
}

void
nn_search_spec_clear (NnSearchSpec *s)
{
  g_clear_pointer (&s->params, g_ptr_array_unref);
  g_clear_pointer (&s->metric, g_free);
}

void
nn_search_spec_set_metric (NnSearchSpec *s, const char *metric)
{
  g_free (s->metric);
  s->metric = g_strdup (metric);
  s->maximize = g_str_has_suffix (metric, "accuracy");
}

void
nn_search_param_free (NnSearchParam *p)
{
  if (!p)
    return;
  g_free (p->path);
  g_strfreev (p->values);
  g_free (p);
}

NnSearchParam *
nn_search_param_copy (const NnSearchParam *p)
{
  NnSearchParam *c = g_memdup2 (p, sizeof *p);
  c->path = g_strdup (p->path);
  c->values = g_strdupv (p->values);
  return c;
}

static void
spec_copy (NnSearchSpec *dst, const NnSearchSpec *src)
{
  *dst = *src;
  dst->metric = g_strdup (src->metric);
  dst->params = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_search_param_free);
  for (guint k = 0; k < src->params->len; k++)
    g_ptr_array_add (dst->params, nn_search_param_copy (src->params->pdata[k]));
}

static gboolean
parse_number (const char *text, double *out, gboolean *integer)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  char *end = NULL;
  if (!*t)
    return FALSE;
  double v = g_ascii_strtod (t, &end);
  if (*end || !isfinite (v))
    return FALSE;
  *out = v;
  if (integer)
    *integer = strpbrk (t, ".eE") == NULL;
  return TRUE;
}

static const char known_paths[] =
  "optimizer.learning_rate, optimizer.name, batch_size, epochs or layer.NAME.PARAM";

static gboolean
path_is_known (const char *path)
{
  static const char *const fixed[] = { "optimizer.learning_rate", "optimizer.name",
                                       "batch_size", "epochs" };
  for (size_t k = 0; k < G_N_ELEMENTS (fixed); k++)
    if (g_str_equal (path, fixed[k]))
      return TRUE;
  const char *dot = strrchr (path, '.');
  return g_str_has_prefix (path, "layer.") && dot > path + 6 && dot[1];
}

static gboolean
parse_range (NnSearchParam *p, const char *text, GError **error)
{
  g_auto (GStrv) ends = g_strsplit (text, "..", 2);
  gboolean int_lo = FALSE, int_hi = FALSE;
  if (!ends[1] || !parse_number (ends[0], &p->lo, &int_lo)
      || !parse_number (ends[1], &p->hi, &int_hi))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s: “%s” is not a range: write LOW..HIGH or log:LOW..HIGH"), p->path, text);
      return FALSE;
    }
  p->integer = int_lo && int_hi;
  if (p->lo >= p->hi)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s: the range %s is empty or inverted: its low end must be below its high end"),
                   p->path, text);
      return FALSE;
    }
  if (p->domain == NN_SEARCH_LOG_RANGE && p->lo <= 0)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s: a log range needs a low end above 0, not %s"), p->path, ends[0]);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_list (NnSearchParam *p, const char *text, GError **error)
{
  g_auto (GStrv) items = g_strsplit (text, ",", -1);
  g_autoptr (GPtrArray) values = g_ptr_array_new_null_terminated (4, g_free, TRUE);
  for (char **it = items; *it; it++)
    {
      g_strstrip (*it);
      if (!**it)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("%s: the list “%s” has an empty value: give values separated by commas"),
                       p->path, text);
          return FALSE;
        }
      g_ptr_array_add (values, g_strdup (*it));
    }
  p->values = (char **) g_ptr_array_steal (values, NULL);
  return TRUE;
}

gboolean
nn_search_spec_add_param (NnSearchSpec *s, const char *path, const char *text, GError **error)
{
  g_return_val_if_fail (s && path && text, FALSE);
  if (!path_is_known (path))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Unknown parameter “%s”: search %s"), path, known_paths);
      return FALSE;
    }
  for (guint k = 0; k < s->params->len; k++)
    if (g_str_equal (((NnSearchParam *) s->params->pdata[k])->path, path))
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("%s is searched twice: give it once"), path);
        return FALSE;
      }
  g_autofree char *t = g_strstrip (g_strdup (text));
  if (!*t)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s: the list of values is empty: give values (16,32,64) or a range (1e-4..1e-1)"),
                   path);
      return FALSE;
    }
  g_autoptr (NnSearchParam) p = g_new0 (NnSearchParam, 1);
  p->path = g_strdup (path);
  gboolean ok;
  if (g_str_has_prefix (t, "log:"))
    {
      p->domain = NN_SEARCH_LOG_RANGE;
      ok = parse_range (p, t + 4, error);
    }
  else if (strstr (t, ".."))
    {
      p->domain = NN_SEARCH_RANGE;
      ok = parse_range (p, t, error);
    }
  else
    {
      p->domain = NN_SEARCH_LIST;
      ok = parse_list (p, t, error);
    }
  if (!ok)
    return FALSE;
  g_ptr_array_add (s->params, g_steal_pointer (&p));
  return TRUE;
}

gboolean
nn_search_spec_add_param_assignment (NnSearchSpec *s, const char *assignment, GError **error)
{
  const char *eq = strchr (assignment, '=');
  if (!eq || eq == assignment)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("“%s” is not PATH=VALUES (optimizer.learning_rate=log:1e-4..1e-1)"), assignment);
      return FALSE;
    }
  g_autofree char *path = g_strndup (assignment, eq - assignment);
  return nn_search_spec_add_param (s, g_strstrip (path), eq + 1, error);
}

/* ---- applying a value ------------------------------------------------------- */

/* Splits "layer.NAME.PARAM" into NAME and PARAM. */
static void
split_layer_path (const char *path, char **name, char **param)
{
  const char *dot = strrchr (path, '.');
  *name = g_strndup (path + 6, dot - (path + 6));
  *param = g_strdup (dot + 1);
}

/* The layer of a "layer.NAME.PARAM" path: its index in *owner, and PARAM;
 * -1 with the reason when the model has no such layer. */
static int
find_layer (NnModel *m, const NnSearchParam *p, NnModel **owner, char **param, GError **error)
{
  g_autofree char *name = NULL;
  split_layer_path (p->path, &name, param);
  int li = nn_model_find_layer_path (m, name, owner);
  if (li < 0)
    g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, _("%s: the model has no layer “%s”"),
                 p->path, name);
  return li;
}

static gboolean
positive_int (const char *path, const char *v, int *out, GError **error)
{
  gint64 n;
  if (!g_ascii_string_to_signed (v, 10, 1, 1000000, &n, NULL))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s must be a whole number of 1 or more, not “%s”"), path, v);
      return FALSE;
    }
  *out = (int) n;
  return TRUE;
}

/* Sets parameter p to the text v in m (a layer's or the optimizer's) or
 * cfg (batch size, epochs; cfg may be NULL). */
static gboolean
apply_value (NnModel *m, NnFitConfig *cfg, const NnSearchParam *p, const char *v, GError **error)
{
  NnOptimizerConfig *opt = nn_model_get_optimizer (m);
  int n;
  if (g_str_equal (p->path, "optimizer.learning_rate"))
    {
      double lr;
      if (!parse_number (v, &lr, NULL) || lr <= 0)
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("optimizer.learning_rate must be a number above 0, not “%s”"), v);
          return FALSE;
        }
      opt->learning_rate = lr;
      return TRUE;
    }
  if (g_str_equal (p->path, "optimizer.name"))
    {
      NnOptimizerKind kind;
      if (!nn_optimizer_parse (v, &kind))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                       _("optimizer.name: unknown optimizer “%s”: use sgd, rmsprop or adam"), v);
          return FALSE;
        }
      double lr = opt->learning_rate;
      nn_optimizer_config_init (opt, kind);
      opt->learning_rate = lr;
      return TRUE;
    }
  if (g_str_equal (p->path, "batch_size") || g_str_equal (p->path, "epochs"))
    {
      if (!positive_int (p->path, v, &n, error))
        return FALSE;
      if (cfg && p->path[0] == 'b')
        cfg->batch_size = n;
      else if (cfg)
        cfg->epochs = n;
      return TRUE;
    }
  g_autofree char *param = NULL;
  NnModel *owner = NULL;
  int li = find_layer (m, p, &owner, &param, error);
  if (li < 0)
    return FALSE;
  g_autoptr (GError) err = NULL;
  if (!nn_model_layer_set_param (owner, li, param, v, &err))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, "%s: %s", p->path, err->message);
      return FALSE;
    }
  return TRUE;
}

/* The layer parameter's type, checking that it exists. */
static gboolean
check_layer_param (NnModel *m, NnSearchParam *p, GError **error)
{
  g_autofree char *param = NULL;
  NnModel *owner = NULL;
  int li = find_layer (m, p, &owner, &param, error);
  if (li < 0)
    return FALSE;
  const NnLayerType *type = nn_model_layer_get_type (owner, li);
  const NnParamSpec *ps = NULL;
  for (guint k = 0; k < nn_layer_type_get_n_params (type); k++)
    if (g_str_equal (nn_layer_type_get_param (type, k)->name, param))
      ps = nn_layer_type_get_param (type, k);
  if (!ps)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s: a %s layer has no parameter “%s”"), p->path,
                   nn_layer_type_get_name (type), param);
      return FALSE;
    }
  if (p->domain != NN_SEARCH_LIST && ps->type != NN_PARAM_INT && ps->type != NN_PARAM_FLOAT)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("%s is not a number: give it a list of values, not a range"), p->path);
      return FALSE;
    }
  if (ps->type == NN_PARAM_INT)
    p->integer = TRUE;
  else if (ps->type == NN_PARAM_FLOAT)
    p->integer = FALSE;
  return TRUE;
}

static char *
format_value (const NnSearchParam *p, double v)
{
  if (p->integer)
    return g_strdup_printf ("%d", (int) llround (v));
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.3g", v));
}

/* Checks every value p can take against a copy of m: a list's values, a
 * range's ends. */
static gboolean
check_param (NnModel *m, NnSearchParam *p, const NnSearchSpec *spec, GError **error)
{
  if (g_str_equal (p->path, "epochs") && spec->strategy == NN_SEARCH_HALVING)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("epochs cannot be searched by successive halving, whose rungs set them: "
                   "set its minimum and maximum epochs instead"));
      return FALSE;
    }
  if (g_str_has_prefix (p->path, "layer.") && !check_layer_param (m, p, error))
    return FALSE;
  if (g_str_equal (p->path, "batch_size") || g_str_equal (p->path, "epochs"))
    p->integer = TRUE;
  if (g_str_has_prefix (p->path, "optimizer.name") && p->domain != NN_SEARCH_LIST)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("optimizer.name takes a list (adam,sgd,rmsprop), not a range"));
      return FALSE;
    }
  g_autoptr (NnModel) copy = nn_model_copy (m);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  if (p->domain == NN_SEARCH_LIST)
    {
      for (char **v = p->values; *v; v++)
        if (!apply_value (copy, &cfg, p, *v, error))
          return FALSE;
      return TRUE;
    }
  g_autofree char *lo = format_value (p, p->lo), *hi = format_value (p, p->hi);
  return apply_value (copy, &cfg, p, lo, error) && apply_value (copy, &cfg, p, hi, error);
}

/* ---- the plan ------------------------------------------------------------------ */

NnTrial *
nn_trial_new (int index, int n_params)
{
  NnTrial *t = g_new0 (NnTrial, 1);
  t->index = index;
  t->values = g_new0 (char *, n_params + 1);
  t->best = NAN;
  t->history = g_array_new (FALSE, FALSE, sizeof (double));
  return t;
}

void
nn_trial_free (NnTrial *t)
{
  if (!t)
    return;
  g_strfreev (t->values);
  g_array_unref (t->history);
  g_clear_pointer (&t->model, nn_model_free);
  g_free (t->error);
  g_free (t->run);
  g_free (t);
}

NnSearch *
nn_search_alloc (void)
{
  NnSearch *s = g_new0 (NnSearch, 1);
  s->trials = g_ptr_array_new_with_free_func ((GDestroyNotify) nn_trial_free);
  s->jobs = g_array_new (FALSE, FALSE, sizeof (NnSearchJob));
  s->n_rungs = 1;
  return s;
}

void
nn_search_free (NnSearch *s)
{
  if (!s)
    return;
  nn_search_spec_clear (&s->spec);
  g_ptr_array_unref (s->trials);
  g_array_unref (s->jobs);
  g_free (s);
}

/* The values a parameter takes in a grid. */
static char **
grid_values (const NnSearchParam *p, int points)
{
  if (p->domain == NN_SEARCH_LIST)
    return g_strdupv (p->values);
  g_autoptr (GPtrArray) out = g_ptr_array_new_null_terminated (points, g_free, TRUE);
  for (int k = 0; k < points; k++)
    {
      double f = points > 1 ? (double) k / (points - 1) : 0.5;
      double v = p->domain == NN_SEARCH_LOG_RANGE ? exp (log (p->lo) + f * (log (p->hi) - log (p->lo)))
                                                  : p->lo + f * (p->hi - p->lo);
      g_autofree char *text = format_value (p, v);
      /* An int range narrower than the points repeats values: once each. */
      if (out->len == 0 || !g_str_equal (out->pdata[out->len - 1], text))
        g_ptr_array_add (out, g_steal_pointer (&text));
    }
  return (char **) g_ptr_array_steal (out, NULL);
}

static char *
draw_value (const NnSearchParam *p, GRand *rng)
{
  if (p->domain == NN_SEARCH_LIST)
    return g_strdup (p->values[g_rand_int_range (rng, 0, g_strv_length (p->values))]);
  double u = g_rand_double (rng);
  if (p->domain == NN_SEARCH_LOG_RANGE)
    return format_value (p, exp (log (p->lo) + u * (log (p->hi) - log (p->lo))));
  if (p->integer)   /* lo..hi inclusive */
    return format_value (p, floor (p->lo + u * (p->hi - p->lo + 1)));
  return format_value (p, p->lo + u * (p->hi - p->lo));
}

static void
plan_grid (NnSearch *s)
{
  guint np = s->spec.params->len;
  g_autofree char ***values = g_new0 (char **, MAX (np, 1));
  g_autofree guint *len = g_new0 (guint, MAX (np, 1));
  g_autofree guint *at = g_new0 (guint, MAX (np, 1));
  for (guint k = 0; k < np; k++)
    {
      values[k] = grid_values (s->spec.params->pdata[k], s->spec.grid_points);
      len[k] = g_strv_length (values[k]);
    }
  /* Odometer order: the last parameter changes fastest. */
  for (;;)
    {
      NnTrial *t = nn_trial_new (s->trials->len, np);
      for (guint k = 0; k < np; k++)
        t->values[k] = g_strdup (values[k][at[k]]);
      g_ptr_array_add (s->trials, t);
      int k = (int) np - 1;
      while (k >= 0 && ++at[k] == len[k])
        at[k--] = 0;
      if (k < 0)
        break;
    }
  for (guint k = 0; k < np; k++)
    g_strfreev (values[k]);
}

static void
plan_random (NnSearch *s, int n)
{
  guint np = s->spec.params->len;
  guint32 seed[2] = { (guint32) s->spec.seed, (guint32) (s->spec.seed >> 32) };
  GRand *rng = g_rand_new_with_seed_array (seed, 2);
  for (int i = 0; i < n; i++)
    {
      NnTrial *t = nn_trial_new (i, np);
      for (guint k = 0; k < np; k++)
        t->values[k] = draw_value (s->spec.params->pdata[k], rng);
      g_ptr_array_add (s->trials, t);
    }
  g_rand_free (rng);
}

/* A trial's epochs when they are not halving's: its "epochs" value or the
 * fit's. */
static int
trial_epochs (NnSearch *s, const NnTrial *t)
{
  for (guint k = 0; k < s->spec.params->len; k++)
    if (g_str_equal (((NnSearchParam *) s->spec.params->pdata[k])->path, "epochs"))
      return atoi (t->values[k]);
  return s->epochs;
}

/* Grid and random: one job per trial, cut to the trial cap and the epoch
 * budget. */
static void
plan_flat_jobs (NnSearch *s)
{
  int total = 0;
  guint keep = s->trials->len;
  if (s->spec.strategy == NN_SEARCH_GRID && s->spec.max_trials > 0)
    keep = MIN (keep, (guint) s->spec.max_trials);
  for (guint i = 0; i < keep; i++)
    {
      int e = trial_epochs (s, s->trials->pdata[i]);
      if (s->spec.max_epochs_total > 0 && total + e > s->spec.max_epochs_total && i > 0)
        {
          keep = i;
          break;
        }
      total += e;
      NnSearchJob job = { .rung = 0, .trial = (int) i, .epochs = e, .epochs_total = e };
      g_array_append_val (s->jobs, job);
    }
  g_ptr_array_set_size (s->trials, keep);
}

/* Halving's rungs: rung r trains to min_epochs eta^r epochs (the last to
 * max_epochs), with n0 / eta^r of the trials (at least 1). */
static int
halving_rungs (const NnSearchSpec *sp, int n0, int *epochs_at, int *n_at, int max_rungs)
{
  int r = 0;
  double e = sp->min_epochs, n = n0;
  for (;;)
    {
      epochs_at[r] = (int) MIN (e, (double) sp->max_epochs);
      n_at[r] = MAX (1, (int) floor (n));
      r++;
      if (epochs_at[r - 1] >= sp->max_epochs || r == max_rungs)
        return r;
      e *= sp->eta;
      n /= sp->eta;
    }
}

static int
halving_total (const int *epochs_at, const int *n_at, int rungs)
{
  int total = 0;
  for (int r = 0; r < rungs; r++)
    total += n_at[r] * (epochs_at[r] - (r ? epochs_at[r - 1] : 0));
  return total;
}

#define MAX_RUNGS 32

static void
plan_halving (NnSearch *s)
{
  int epochs_at[MAX_RUNGS], n_at[MAX_RUNGS];
  int n0 = MAX (s->spec.max_trials, 1);
  int rungs = halving_rungs (&s->spec, n0, epochs_at, n_at, MAX_RUNGS);
  while (n0 > 1 && s->spec.max_epochs_total > 0
         && halving_total (epochs_at, n_at, rungs) > s->spec.max_epochs_total)
    rungs = halving_rungs (&s->spec, --n0, epochs_at, n_at, MAX_RUNGS);
  plan_random (s, n0);
  s->n_rungs = rungs;
  for (int r = 0; r < rungs; r++)
    for (int k = 0; k < n_at[r]; k++)
      {
        NnSearchJob job = { .rung = r, .trial = r == 0 ? k : -1,
                            .epochs = epochs_at[r] - (r ? epochs_at[r - 1] : 0),
                            .epochs_total = epochs_at[r] };
        g_array_append_val (s->jobs, job);
      }
}

static gboolean
check_spec (const NnSearchSpec *sp, GError **error)
{
  const char *bad = NULL;
  if (sp->params->len == 0)
    bad = "The search has no parameter: add one (optimizer.learning_rate=log:1e-4..1e-1)";
  else if (!sp->metric || !*sp->metric)
    bad = "The search has no metric: name one (val_accuracy, val_loss)";
  else if (sp->strategy != NN_SEARCH_GRID && sp->max_trials < 1)
    bad = "A random or halving search needs at least 1 trial";
  else if (sp->strategy == NN_SEARCH_GRID && sp->grid_points < 1)
    bad = "A grid needs at least 1 value per range";
  else if (sp->strategy == NN_SEARCH_HALVING && sp->eta < 2)
    bad = "Successive halving's reduction factor must be 2 or more";
  else if (sp->strategy == NN_SEARCH_HALVING
           && (sp->min_epochs < 1 || sp->max_epochs < sp->min_epochs))
    bad = "Successive halving's epochs: the minimum must be 1 or more and not above the maximum";
  else if (sp->max_epochs_total < 0)
    bad = "The epoch budget cannot be negative";
  if (bad)
    g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG, bad);
  return bad == NULL;
}

NnSearch *
nn_search_new (const NnSearchSpec *spec, NnModel *model, int epochs, GError **error)
{
  g_return_val_if_fail (spec && model, NULL);
  if (!check_spec (spec, error))
    return NULL;
  g_autoptr (NnSearch) s = nn_search_alloc ();
  spec_copy (&s->spec, spec);
  s->epochs = MAX (epochs, 1);
  for (guint k = 0; k < s->spec.params->len; k++)
    if (!check_param (model, s->spec.params->pdata[k], &s->spec, error))
      return NULL;
  if (spec->strategy == NN_SEARCH_GRID)
    {
      plan_grid (s);
      plan_flat_jobs (s);
    }
  else if (spec->strategy == NN_SEARCH_RANDOM)
    {
      plan_random (s, spec->max_trials);
      plan_flat_jobs (s);
    }
  else
    plan_halving (s);
  return g_steal_pointer (&s);
}

const NnSearchSpec *nn_search_get_spec (NnSearch *s) { return &s->spec; }
int nn_search_get_n_trials (NnSearch *s) { return (int) s->trials->len; }
int nn_search_get_n_jobs (NnSearch *s) { return (int) s->jobs->len; }
int nn_search_get_n_rungs (NnSearch *s) { return s->n_rungs; }
int nn_search_get_jobs_done (NnSearch *s) { return s->jobs_done; }

NnTrial *
nn_search_get_trial (NnSearch *s, int i)
{
  g_return_val_if_fail (i >= 0 && i < (int) s->trials->len, NULL);
  return s->trials->pdata[i];
}

const NnSearchJob *
nn_search_get_job (NnSearch *s, int k)
{
  g_return_val_if_fail (k >= 0 && k < (int) s->jobs->len, NULL);
  return &g_array_index (s->jobs, NnSearchJob, k);
}

int
nn_search_get_planned_epochs (NnSearch *s)
{
  int total = 0;
  for (guint k = 0; k < s->jobs->len; k++)
    total += g_array_index (s->jobs, NnSearchJob, k).epochs;
  return total;
}

char *
nn_search_dup_trial_label (NnSearch *s, int trial)
{
  NnTrial *t = nn_search_get_trial (s, trial);
  GString *out = g_string_new (NULL);
  for (guint k = 0; k < s->spec.params->len; k++)
    {
      const char *path = ((NnSearchParam *) s->spec.params->pdata[k])->path;
      const char *dot = strrchr (path, '.');
      const char *name = dot ? dot + 1 : path;
      if (g_str_equal (name, "learning_rate"))
        name = "lr";
      else if (g_str_equal (path, "optimizer.name"))
        name = "optimizer";
      g_string_append_printf (out, "%s%s=%s", k ? ", " : "", name, t->values[k]);
    }
  return g_string_free (out, FALSE);
}

/* a better than b by the metric's direction; NAN is worst. */
static gboolean
better (const NnSearch *s, double a, double b)
{
  if (isnan (a))
    return FALSE;
  if (isnan (b))
    return TRUE;
  return s->spec.maximize ? a > b : a < b;
}

int
nn_search_get_best_trial (NnSearch *s)
{
  int best = -1;
  for (guint i = 0; i < s->trials->len; i++)
    {
      NnTrial *t = s->trials->pdata[i];
      if (!isnan (t->best) && (best < 0 || better (s, t->best, nn_search_get_trial (s, best)->best)))
        best = (int) i;
    }
  return best;
}

/* Copies every weight of src into dst, whose layers must match by name,
 * weight count and sizes (checked before anything is copied). */
static gboolean
copy_weights (NnModel *dst, NnModel *src, GError **error)
{
  int n = nn_model_get_n_layers (dst);
  gboolean same = n == nn_model_get_n_layers (src) && nn_model_has_weights (src)
                  && (nn_model_has_weights (dst) || nn_model_init_weights (dst, 1, NULL));
  for (int pass = same ? 0 : 2; pass < 2; pass++)
    for (int l = 0; l < n && same; l++)
      {
        int nw = nn_model_layer_get_n_weights (dst, l);
        same = nw == nn_model_layer_get_n_weights (src, l)
               && g_str_equal (nn_model_layer_get_name (dst, l), nn_model_layer_get_name (src, l));
        for (int k = 0; k < nw && same; k++)
          {
            NnTensor a, b;
            nn_model_layer_get_weight (dst, l, k, &a);
            nn_model_layer_get_weight (src, l, k, &b);
            same = a.size == b.size;
            if (same && pass == 1)   /* the first pass only checks */
              memcpy (a.data, b.data, a.size * sizeof (float));
          }
      }
  if (!same)
    g_set_error_literal (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                         _("The model's layers no longer match the trial's: its weights cannot be "
                         "loaded"));
  return same;
}

void
nn_search_set_trial_run (NnSearch *s, int trial, const char *run)
{
  g_return_if_fail (s && trial >= 0 && trial < (int) s->trials->len);
  NnTrial *t = s->trials->pdata[trial];
  g_free (t->run);
  t->run = g_strdup (run);
}

gboolean
nn_search_apply_trial (NnSearch *s, int trial, NnModel *m, GError **error)
{
  NnTrial *t = nn_search_get_trial (s, trial);
  g_return_val_if_fail (t && m, FALSE);
  for (guint k = 0; k < s->spec.params->len; k++)
    if (!apply_value (m, NULL, s->spec.params->pdata[k], t->values[k], error))
      return FALSE;
  if (!nn_model_infer (m, error))
    return FALSE;
  return !t->model || copy_weights (m, t->model, error);
}

/* ---- running ------------------------------------------------------------------ */

static gint
trial_order (gconstpointer a, gconstpointer b, gpointer data)
{
  NnSearch *s = data;
  const NnTrial *x = *(NnTrial *const *) a, *y = *(NnTrial *const *) b;
  if (better (s, x->best, y->best))
    return -1;
  if (better (s, y->best, x->best))
    return 1;
  return x->index - y->index;
}

/* Halving: the jobs of `rung` get the best trials of the rung before; the
 * others are pruned. */
static void
resolve_rung (NnSearch *s, int rung)
{
  g_autoptr (GPtrArray) ranked = g_ptr_array_new ();
  for (guint i = 0; i < s->trials->len; i++)
    {
      NnTrial *t = s->trials->pdata[i];
      if (t->rung == rung - 1 && t->state == NN_TRIAL_PENDING && t->epochs_done > 0)
        g_ptr_array_add (ranked, t);
    }
  g_ptr_array_sort_with_data (ranked, trial_order, s);
  guint next = 0;
  for (guint k = s->jobs_done; k < s->jobs->len; k++)
    {
      NnSearchJob *job = &g_array_index (s->jobs, NnSearchJob, k);
      if (job->rung != rung)
        break;
      job->trial = next < ranked->len ? ((NnTrial *) ranked->pdata[next++])->index : -1;
    }
  for (; next < ranked->len; next++)
    ((NnTrial *) ranked->pdata[next])->state = NN_TRIAL_PRUNED;
}

gboolean
nn_search_next_job (NnSearch *s, NnSearchJob *job)
{
  while (s->jobs_done < (int) s->jobs->len)
    {
      NnSearchJob *j = &g_array_index (s->jobs, NnSearchJob, s->jobs_done);
      if (j->trial < 0)
        resolve_rung (s, j->rung);
      if (j->trial >= 0)
        {
          nn_search_get_trial (s, j->trial)->state = NN_TRIAL_RUNNING;
          *job = *j;
          return TRUE;
        }
      /* Fewer survivors than planned (failed trials): nothing to run. */
      s->jobs_done++;
    }
  return FALSE;
}

NnModel *
nn_search_dup_job_model (NnSearch *s, const NnSearchJob *job, NnModel *base, NnFitConfig *cfg,
                         GError **error)
{
  NnTrial *t = nn_search_get_trial (s, job->trial);
  g_return_val_if_fail (t && base && cfg, NULL);
  cfg->epochs = job->epochs;
  NnModel *from = job->rung > 0 && t->model ? t->model : base;
  g_autoptr (NnModel) m = nn_model_copy (from);
  for (guint k = 0; k < s->spec.params->len; k++)
    {
      const NnSearchParam *p = s->spec.params->pdata[k];
      /* A continuing trial keeps its weights: only the fit's settings. */
      if (from != base && !g_str_equal (p->path, "batch_size"))
        continue;
      if (!apply_value (m, cfg, p, t->values[k], error))
        return NULL;
    }
  cfg->epochs = job->epochs;
  if (from == base && !nn_model_init_weights (m, cfg->seed, error))
    return NULL;
  return g_steal_pointer (&m);
}

void
nn_search_finish_job (NnSearch *s, const NnSearchJob *job, const double *history, int n,
                      double seconds, NnModel *model, gboolean stopped, const char *error)
{
  NnTrial *t = nn_search_get_trial (s, job->trial);
  g_return_if_fail (t);
  for (int k = 0; k < n; k++)
    {
      g_array_append_val (t->history, history[k]);
      if (better (s, history[k], t->best))
        {
          t->best = history[k];
          t->best_epoch = t->epochs_done + k + 1;
        }
    }
  t->epochs_done += n;
  t->seconds += seconds;
  t->rung = job->rung;
  if (model)
    {
      g_clear_pointer (&t->model, nn_model_free);
      t->model = model;
    }
  if (error)
    {
      t->state = NN_TRIAL_FAILED;
      g_free (t->error);
      t->error = g_strdup (error);
    }
  else if (stopped)
    t->state = NN_TRIAL_STOPPED;
  else if (s->spec.strategy != NN_SEARCH_HALVING || job->rung == s->n_rungs - 1)
    t->state = NN_TRIAL_DONE;
  else
    t->state = NN_TRIAL_PENDING;   /* waits for its rung's ranking */
  s->jobs_done++;
  /* Pruned at the last rung's ranking: when no job remains, the ones left
   * waiting are pruned too. */
  if (s->jobs_done == (int) s->jobs->len)
    for (guint i = 0; i < s->trials->len; i++)
      if (((NnTrial *) s->trials->pdata[i])->state == NN_TRIAL_PENDING
          && ((NnTrial *) s->trials->pdata[i])->epochs_done > 0)
        ((NnTrial *) s->trials->pdata[i])->state = NN_TRIAL_PRUNED;
}

gboolean
nn_search_collect_metric (NnSearch *s, const NnEvent *e, GArray *history, GError **error)
{
  if (e->kind != NN_EVENT_EPOCH)
    return TRUE;
  gboolean found = FALSE;
  double v = nn_event_get (e, s->spec.metric, &found);
  if (!found)
    {
      g_autoptr (GString) keys = g_string_new (NULL);
      for (int k = 0; k < e->n_values; k++)
        g_string_append_printf (keys, "%s%s", k ? ", " : "", e->keys[k]);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The runs report no %s (they report %s)%s"), s->spec.metric, keys->str,
                   g_str_has_prefix (s->spec.metric, "val_")
                     ? ": set a validation split, or search on a metric of the training data" : "");
      return FALSE;
    }
  g_array_append_val (history, v);
  return TRUE;
}

static void
cancelled_cb (GCancellable *cancel, gpointer trainer)
{
  nn_trainer_request_stop (trainer);
}

typedef struct {
  NnSearch        *s;
  const NnSearchJob *job;
  NnSearchCallback cb;
  gpointer         data;
  GArray          *history;
  GError          *metric_error;
} JobRun;

static void
drain (NnTrainer *t, JobRun *r)
{
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_EPOCH && !r->metric_error
          && nn_search_collect_metric (r->s, e, r->history, &r->metric_error) && r->cb)
        {
          NnTrial *tr = nn_search_get_trial (r->s, r->job->trial);
          r->cb (r->s, r->job, tr->epochs_done + (int) r->history->len, r->data);
        }
      nn_event_free (e);
    }
}

/* One job's fit; FALSE only when the search must end (metric missing). */
static gboolean
run_job (NnSearch *s, const NnSearchJob *job, NnModel *base, NnDataset *ds,
         const NnFitConfig *cfg, JobRun *r, GCancellable *cancel, GError **error)
{
  NnFitConfig c = *cfg;
  c.snapshot_every = -1;
  c.histograms = FALSE;
  c.checkpoint_path = NULL;
  c.start_paused = FALSE;
  g_autoptr (GError) err = NULL;
  g_autoptr (NnModel) m = nn_search_dup_job_model (s, job, base, &c, &err);
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  gint64 t0 = g_get_monotonic_time ();
  if (m && nn_trainer_start (t, m, ds, &c, &err))
    {
      gulong id = cancel ? g_cancellable_connect (cancel, G_CALLBACK (cancelled_cb), t, NULL) : 0;
      while (nn_trainer_is_running (t))
        {
          drain (t, r);
          if (r->metric_error)
            nn_trainer_request_stop (t);
          g_usleep (5000);
        }
      nn_trainer_join (t, &err);
      g_cancellable_disconnect (cancel, id);
      drain (t, r);
    }
  double secs = (g_get_monotonic_time () - t0) / 1e6;
  gboolean stopped = g_cancellable_is_cancelled (cancel);
  NnModel *trained = err ? NULL : nn_trainer_dup_model (t);
  nn_search_finish_job (s, job, (double *) r->history->data, (int) r->history->len, secs,
                        trained, stopped, err ? err->message : NULL);
  if (r->metric_error)
    {
      g_propagate_error (error, g_steal_pointer (&r->metric_error));
      return FALSE;
    }
  return TRUE;
}

gboolean
nn_search_run (NnSearch *s, NnModel *base, NnDataset *ds, const NnFitConfig *cfg,
               NnSearchCallback cb, gpointer user_data, GCancellable *cancel, GError **error)
{
  g_return_val_if_fail (s && base && ds && cfg, FALSE);
  NnSearchJob job;
  while (nn_search_next_job (s, &job))
    {
      g_autoptr (GArray) history = g_array_new (FALSE, FALSE, sizeof (double));
      JobRun r = { .s = s, .job = &job, .cb = cb, .data = user_data, .history = history };
      if (!run_job (s, &job, base, ds, cfg, &r, cancel, error))
        return FALSE;
      if (cb)
        cb (s, &job, -1, user_data);
      if (g_cancellable_is_cancelled (cancel))
        {
          g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CANCELLED,
                       _("The search was stopped after %d of %d fits"), s->jobs_done,
                       (int) s->jobs->len);
          return FALSE;
        }
    }
  return TRUE;
}
