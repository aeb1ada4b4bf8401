/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data-series.c: time series as windowed samples.
 *
 * A series is a table of rows in time order (one or more numeric columns).
 * A sample is a window of `lookback` steps, one every `step` rows, of every
 * column, and its target is the target column `delay` rows after the
 * window's last step: a forecast that far ahead. The rows are cut into
 * training, validation and test by fractions, in time order; a window
 * belongs to the split holding both its first row and its target, so the
 * model never trains on a window that reads the validation or test period,
 * and the windows are never shuffled across the splits. Mean and standard
 * deviation come from the training rows alone (what is known when the
 * model is built), and scale inputs and target alike.
 *
 * The naive baselines any forecaster must beat are scored here, on the
 * validation and test windows, in the target's units: the last known value,
 * and the value at the same phase of the cycle (24 rows on hourly data, 365
 * on daily) one period before the target.
 *
 * Sources: seattle-temps and seattle-weather (Debian's python3-vega-datasets
 * CSV files), a generated series with daily and yearly cycles, and any CSV
 * file (PATH.csv:window=N). */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <float.h>
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#define VEGA_DIR "/usr/lib/python3/dist-packages/vega_datasets/_data"
/* Rows and steps a window may hold: more is no forecast we can train. */
#define SERIES_MAX_LOOKBACK 100000
#define SERIES_MAX_ROWS     10000000

void
nn_series_free (NnSeries *s)
{
  if (s == NULL)
    return;
  g_strfreev (s->columns);
  g_free (s->values);
  g_free (s->unit);
  g_free (s->mean);
  g_free (s->std);
  g_free (s->window_end);
  g_free (s->change_std);
  g_free (s);
}

const NnSeries *
nn_dataset_get_series (const NnDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->series;
}

gboolean
nn_dataset_get_baselines (const NnDataset *ds,
                          NnBaselines     *out)
{
  g_return_val_if_fail (ds != NULL && out != NULL, FALSE);
  if (ds->series == NULL)
    return FALSE;
  *out = ds->series->baselines;
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Windows, splits, statistics, baselines                                   */
/* ------------------------------------------------------------------------ */

/* The MAE of the two naive forecasts over the windows whose last rows are
 * ends[0..n), in units; FALSE when there are none. */
static void
baseline_mae (const NnSeries *s,
              const guint32  *ends,
              size_t          n,
              double         *last_out,
              double         *period_out)
{
  const int F = s->n_columns, c = s->target;
  /* The latest value at the target's phase that is known at the window's
   * end: k periods back, k the fewest with k·period >= delay. */
  size_t back = (size_t) s->period * (size_t) ((s->delay + s->period - 1) / s->period);
  double sum_last = 0, sum_period = 0;
  size_t n_period = 0;
  for (size_t i = 0; i < n; i++)
    {
      size_t t = (size_t) ends[i] + (size_t) s->delay;
      double y = s->values[t * F + c];
      sum_last += fabs (y - s->values[(size_t) ends[i] * F + c]);
      if (t >= back)
        {
          sum_period += fabs (y - s->values[(t - back) * F + c]);
          n_period++;
        }
    }
  *last_out = n ? sum_last / (double) n : NAN;
  *period_out = n_period ? sum_period / (double) n_period : NAN;
}

/* The first row of split [lo, hi)'s windows and their count: last rows
 * from lo + span to hi - 1 - delay. */
static size_t
split_windows (size_t lo,
               size_t hi,
               size_t span,
               size_t delay)
{
  if (hi < lo + span + delay + 1)
    return 0;
  return hi - lo - span - delay;
}

/* FALSE with the reason unless opt's numbers make sense. */
static gboolean
check_options (const char *name, const NnSeriesOptions *opt, GError **error)
{
  if (opt->lookback < 1 || opt->lookback > SERIES_MAX_LOOKBACK)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s: lookback must be from 1 to %d steps, not %d"),
                   name, SERIES_MAX_LOOKBACK, opt->lookback);
      return FALSE;
    }
  if (opt->step < 1 || opt->delay < 1 || opt->period < 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s: step, delay and period must be at least 1 row (they are %d, %d, %d)"),
                   name, opt->step, opt->delay, opt->period);
      return FALSE;
    }
  if (!(opt->train_fraction > 0) || !(opt->val_fraction >= 0)
      || !(opt->train_fraction + opt->val_fraction <= 1.0 + 1e-9))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("%s: split=TRAIN,VAL takes the training share of the rows (more than 0) "
                   "and the validation share (0 or more), at most 1 together, not %g,%g"),
                   name, opt->train_fraction, opt->val_fraction);
      return FALSE;
    }
  return TRUE;
}

/* s's statistics from its training rows alone: each column's mean and
 * std, and (with changes) the std of its changes over delay rows. */
static void
series_statistics (NnSeries *s, gboolean changes)
{
  const float *kept = s->values;
  int F = s->n_columns;
  size_t train_end = s->train_end, delay = (size_t) s->delay;

  /* Statistics of the training rows only; the second pass runs around the
   * mean (no cancellation for large offsets). */
  s->mean = g_new0 (float, F);
  s->std = g_new0 (float, F);
  for (int c = 0; c < F; c++)
    {
      double sum = 0, sq = 0;
      for (size_t r = 0; r < train_end; r++)
        sum += kept[r * F + c];
      double mean = sum / (double) train_end;
      for (size_t r = 0; r < train_end; r++)
        {
          double d = kept[r * F + c] - mean;
          sq += d * d;
        }
      s->mean[c] = (float) mean;
      s->std[c] = (float) MAX (sqrt (sq / (double) train_end), 1e-7);
    }

  /* The scale of the changes over `delay` rows, per column, from the
   * training rows alone (around their mean; the data keep 0 as "no
   * change"): the target's when it is the change, the inputs' when they
   * are changes, so both are in the same units. */
  if (changes)
    {
      s->change_std = g_new0 (float, F);
      for (int c = 0; c < F; c++)
        {
          double sum = 0, sq = 0, count = (double) (train_end - delay);
          for (size_t r = delay; r < train_end; r++)
            sum += kept[r * F + c] - kept[(r - delay) * F + c];
          double mean = sum / count;
          for (size_t r = delay; r < train_end; r++)
            {
              double d = kept[r * F + c] - kept[(r - delay) * F + c] - mean;
              sq += d * d;
            }
          s->change_std[c] = (float) MAX (sqrt (sq / count), 1e-7);
        }
    }
}

/* The windows' values: levels kept in the data's units (the array's scale
 * and offset normalize them), changes stored as differences; each target
 * the level, or the change, delay rows after its window's last step. */
static void
fill_windows (const NnSeries *s, size_t n, size_t span, int W, float *x, float *y)
{
  const float *kept = s->values;
  int F = s->n_columns;
  size_t delay = (size_t) s->delay;
  for (size_t k = 0; k < n; k++)
    {
      size_t end = s->window_end[k];
      for (int t = 0; t < s->lookback; t++)
        {
          const float *row = kept + (end - span + (size_t) t * s->step) * F;
          float *dst = x + (k * s->lookback + t) * W;
          if (s->inputs != NN_SERIES_CHANGES)
            memcpy (dst, row, F * sizeof (float));
          if (s->inputs != NN_SERIES_LEVELS)
            {
              float *d = dst + (s->inputs == NN_SERIES_BOTH ? F : 0);
              for (int c = 0; c < F; c++)
                d[c] = row[c] - row[c - (ptrdiff_t) delay * F];
            }
        }
      y[k] = kept[(end + delay) * F + s->target];
      if (s->relative)
        y[k] -= kept[end * F + s->target];
    }

}

/* How the arrays' raw values become the model's: each input column's
 * scale, offset and name, and the target's scale and offset. */
static void
set_scales (const NnSeries *s, NnArray *in, NnArray *tg, int W, double change_sd)
{
  int F = s->n_columns;
  size_t delay = (size_t) s->delay;
  in->scale = g_new (float, in->sample_size);
  in->offset = g_new (float, in->sample_size);
  in->feature_names = g_new0 (char *, in->sample_size);
  for (int t = 0; t < s->lookback; t++)
    for (int w = 0; w < W; w++)
      {
        size_t j = (size_t) t * W + w;
        size_t lag = (size_t) (s->lookback - 1 - t) * s->step;
        gboolean change = s->inputs == NN_SERIES_CHANGES || w >= F;
        int c = w % F;
        if (change)
          {
            in->scale[j] = 1.f / s->change_std[c];
            in->offset[j] = 0.f;
            in->feature_names[j] = g_strdup_printf ("%s[t-%zu]-%s[t-%zu]", s->columns[c], lag,
                                                    s->columns[c], lag + delay);
          }
        else
          {
            in->scale[j] = 1.f / s->std[c];
            in->offset[j] = -s->mean[c] / s->std[c];
            in->feature_names[j] = g_strdup_printf ("%s[t-%zu]", s->columns[c], lag);
          }
      }
  tg->scale = g_new (float, 1);
  tg->offset = g_new (float, 1);
  if (s->relative)
    {
      tg->scale[0] = (float) (1.0 / change_sd);
      tg->offset[0] = 0.f;
    }
  else
    {
      tg->scale[0] = 1.f / s->std[s->target];
      tg->offset[0] = -s->mean[s->target] / s->std[s->target];
    }

}

/* What the loader did, for the user, one sentence each, NULL-terminated. */
static char **
series_notes (const NnSeries *s, const NnSeriesOptions *opt, size_t n, size_t n_tr, size_t n_va,
              size_t n_te, double sd)
{
  const NnBaselines *b = &s->baselines;
  size_t n_rows = s->n_rows, train_end = s->train_end, val_end = s->val_end;
  int F = s->n_columns;
  const char *u = s->unit != NULL ? s->unit : "";
  GPtrArray *notes = g_ptr_array_new ();
  g_ptr_array_add (notes, g_strdup_printf (
    "%zu rows cut into %zu windows of %d steps (every %d rows) of %d column%s, each "
    "forecasting “%s” %d rows after its last step: %zu train (rows 1-%zu), %zu validate "
    "(rows %zu-%zu), %zu test (rows %zu-%zu)", n_rows, n, opt->lookback, opt->step, F,
    F == 1 ? "" : "s", s->columns[opt->target], opt->delay, n_tr, train_end, n_va,
    train_end + 1, val_end, n_te, val_end + 1, n_rows));
  g_ptr_array_add (notes, g_strdup_printf (
    "Normalized with the training rows' mean and std only (“%s”: mean %.4g%s, std %.4g%s)",
    s->columns[opt->target], s->mean[opt->target], u, s->std[opt->target], u));
  if (opt->relative)
    g_ptr_array_add (notes, g_strdup_printf (
      "The target is the change of “%s” over the %d rows after the window's last step "
      "(the forecast is the last value plus it), divided by that change's std over the "
      "training rows, %.4g%s: an MAE in these units times %.4g%s is the forecast's MAE, "
      "and the last value is the forecast of change 0", s->columns[opt->target], opt->delay,
      sd, u, sd, u));
  if (opt->inputs != NN_SERIES_LEVELS)
    g_ptr_array_add (notes, g_strdup_printf (
      "Inputs: %seach step's change over the %d rows before it, divided by that change's "
      "std over the training rows (“%s”: %.4g%s)",
      opt->inputs == NN_SERIES_BOTH ? "the normalized values, then " : "", opt->delay,
      s->columns[opt->target], s->change_std[opt->target], u));
  g_ptr_array_add (notes, g_strdup_printf (
    "Naive baselines, test MAE: last value %.4g%s (%.4g normalized), same time one period "
    "(%d rows) before %.4g%s (%.4g normalized); validation: %.4g%s and %.4g%s",
    b->test_last, u, b->test_last_norm, opt->period, b->test_period, u, b->test_period_norm,
    b->val_last, u, b->val_period, u));
  g_ptr_array_add (notes, NULL);
  return (char **) g_ptr_array_free (notes, FALSE);
}

/* FALSE with the place unless every value is a finite number. */
static gboolean
check_finite (const char *name, const float *values, size_t n_rows, int n_columns,
              const char *const *columns, GError **error)
{
  for (size_t r = 0; r < n_rows; r++)
    for (int c = 0; c < n_columns; c++)
      if (!isfinite (values[r * n_columns + c]))
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                       _("%s: row %zu of column “%s” is not a finite number; a time series "
                       "needs a value in every row"), name, r + 1,
                       columns ? columns[c] : "?");
          return FALSE;
        }
  return TRUE;
}

NnDataset *
nn_series_dataset_new (const char                *name,
                       const float               *values,
                       size_t                     n_rows,
                       int                        n_columns,
                       const char *const         *columns,
                       const NnSeriesOptions     *opt,
                       GError                   **error)
{
  g_return_val_if_fail (values != NULL && n_columns > 0 && opt != NULL, NULL);
  g_return_val_if_fail (opt->target >= 0 && opt->target < n_columns, NULL);

  if (!check_options (name, opt, error))
    return NULL;

  /* Rows a window covers before its last one, and the whole span with the
   * target: a window and its target need span + delay + 1 rows. */
  size_t span = (size_t) (opt->lookback - 1) * (size_t) opt->step;
  size_t delay = (size_t) opt->delay;
  /* Changes read `delay` rows before each step: the window reaches that
   * much further back, and those rows must be in its split too. */
  size_t reach = span + (opt->inputs != NN_SERIES_LEVELS ? delay : 0);
  if (n_rows < reach + delay + 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has %zu rows, too few for one window: lookback %d × step %d and a "
                   "delay of %d need %zu; lower lookback, step or delay"),
                   name, n_rows, opt->lookback, opt->step, opt->delay, reach + delay + 1);
      return NULL;
    }

  size_t train_end = (size_t) floor ((double) n_rows * opt->train_fraction + 0.5);
  size_t val_end = (size_t) floor ((double) n_rows * (opt->train_fraction + opt->val_fraction)
                                   + 0.5);
  train_end = MIN (train_end, n_rows);
  val_end = CLAMP (val_end, train_end, n_rows);
  size_t n_tr = split_windows (0, train_end, reach, delay);
  size_t n_va = split_windows (train_end, val_end, reach, delay);
  size_t n_te = split_windows (val_end, n_rows, reach, delay);
  const char *empty = n_tr == 0 ? "training" : val_end > train_end && n_va == 0 ? "validation"
                      : n_rows > val_end && n_te == 0 ? "test" : NULL;
  if (empty != NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s: the %s split (rows %zu to %zu) is too short for one window of "
                   "lookback %d × step %d with a delay of %d (%zu rows); lower lookback, "
                   "step or delay, or give that split a larger share (split=)"),
                   name, empty,
                   g_str_equal (empty, "training") ? (size_t) 1
                   : g_str_equal (empty, "validation") ? train_end + 1 : val_end + 1,
                   g_str_equal (empty, "training") ? train_end
                   : g_str_equal (empty, "validation") ? val_end : n_rows,
                   opt->lookback, opt->step, opt->delay, reach + delay + 1);
      return NULL;
    }
  size_t n = n_tr + n_va + n_te;
  if (n > G_MAXUINT32)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("%s: %zu windows, more than a dataset indexes"), name, n);
      return NULL;
    }

  if (!check_finite (name, values, n_rows, n_columns, columns, error))
    return NULL;

  int F = n_columns;
  /* Input columns per step: the levels, their changes, or both. */
  int W = opt->inputs == NN_SERIES_BOTH ? 2 * F : F;
  int in_shape[2] = { opt->lookback, W };
  int t_shape[1] = { 1 };
  g_autoptr(NnArray) in = nn_array_new ("series", NN_DTYPE_F32, 2, in_shape, n, error);
  if (in == NULL)
    return NULL;
  g_autoptr(NnArray) tg = nn_array_new ("target", NN_DTYPE_F32, 1, t_shape, n, error);
  if (tg == NULL)
    return NULL;
  float *kept = g_try_malloc (n_rows * (size_t) F * sizeof (float));
  if (kept == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for the series %s (%zu rows)"), name, n_rows);
      return NULL;
    }
  memcpy (kept, values, n_rows * (size_t) F * sizeof (float));

  NnSeries *s = g_new0 (NnSeries, 1);
  s->n_rows = n_rows;
  s->n_columns = F;
  s->columns = g_new0 (char *, F + 1);
  for (int c = 0; c < F; c++)
    s->columns[c] = columns != NULL ? g_strdup (columns[c]) : g_strdup_printf ("column %d", c + 1);
  s->target = opt->target;
  s->values = kept;
  s->unit = g_strdup (opt->unit);
  s->lookback = opt->lookback;
  s->step = opt->step;
  s->delay = opt->delay;
  s->period = opt->period;
  s->train_end = train_end;
  s->val_end = val_end;
  s->relative = opt->relative;
  s->inputs = opt->inputs;
  s->window_end = g_new (guint32, n);

  series_statistics (s, opt->relative || opt->inputs != NN_SERIES_LEVELS);

  /* Window ends, split by split, in time order. */
  const size_t lo[3] = { 0, train_end, val_end };
  const size_t counts[3] = { n_tr, n_va, n_te };
  size_t k = 0;
  for (int sp = 0; sp < 3; sp++)
    for (size_t i = 0; i < counts[sp]; i++, k++)
      s->window_end[k] = (guint32) (lo[sp] + reach + i);

  double change_sd = s->change_std != NULL ? s->change_std[opt->target] : 1.0;

  fill_windows (s, n, span, W, in->data, tg->data);

  set_scales (s, in, tg, W, change_sd);

  /* Baselines on the validation and test windows. */
  NnBaselines *b = &s->baselines;
  double sd = opt->relative ? change_sd : s->std[opt->target];
  b->period = opt->period;
  b->target_mean = opt->relative ? 0.0 : s->mean[opt->target];
  b->target_std = sd;
  b->relative = opt->relative;
  baseline_mae (s, s->window_end + n_tr, n_va, &b->val_last, &b->val_period);
  baseline_mae (s, s->window_end + n_tr + n_va, n_te, &b->test_last, &b->test_period);
  b->val_last_norm = b->val_last / sd;
  b->val_period_norm = b->val_period / sd;
  b->test_last_norm = b->test_last / sd;
  b->test_period_norm = b->test_period / sd;

  NnDataset *ds = nn_dataset_alloc (name, 1, 1);
  ds->inputs[0] = g_steal_pointer (&in);
  ds->targets[0] = g_steal_pointer (&tg);
  ds->n = n;
  ds->series = s;
  /* Training and validation windows train (the trainer holds out the last
   * n_val, in time order); the test windows are the test split. */
  nn_dataset_split_tail (ds, n_te);
  ds->n_val = n_va;

  ds->notes = series_notes (s, opt, n, n_tr, n_va, n_te, sd);
  return ds;
}

/* ------------------------------------------------------------------------ */
/* Specs                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
  const GPtrArray *keys, *values;
} Opts;

static const char *
opts_get (const Opts *o,
          const char *key)
{
  for (guint i = o->keys->len; i > 0; i--)
    if (g_str_equal (g_ptr_array_index (o->keys, i - 1), key))
      return g_ptr_array_index (o->values, i - 1);
  return NULL;
}

static gboolean
opts_check (const Opts         *o,
            const char         *what,
            const char *const  *accepted,
            GError            **error)
{
  for (guint i = 0; i < o->keys->len; i++)
    if (!g_strv_contains (accepted, g_ptr_array_index (o->keys, i)))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) accepted);
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                     _("Unknown option “%s” for %s; accepted: %s"),
                     (const char *) g_ptr_array_index (o->keys, i), what, list);
        return FALSE;
      }
  return TRUE;
}

static gboolean
opts_int (const Opts  *o,
          const char  *key,
          gint64       def,
          gint64       min,
          gint64       max,
          int         *out,
          GError     **error)
{
  const char *v = opts_get (o, key);
  gint64 x = def;
  if (v != NULL && !g_ascii_string_to_signed (v, 10, min, max, &x, NULL))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "Option “%s” must be a whole number from %" G_GINT64_FORMAT " to %"
                   G_GINT64_FORMAT ", not “%s”", key, min, max, v);
      return FALSE;
    }
  *out = (int) x;
  return TRUE;
}

static gboolean
opts_double (const Opts  *o,
             const char  *key,
             double       def,
             double       min,
             double       max,
             double      *out,
             GError     **error)
{
  const char *v = opts_get (o, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  char *end = NULL;
  double d = g_ascii_strtod (v, &end);
  if (end == v || *end != '\0' || !isfinite (d) || d < min || d > max)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("Option “%s” must be a number from %g to %g, not “%s”"), key, min, max, v);
      return FALSE;
    }
  *out = d;
  return TRUE;
}

/* lookback, step, delay, period and split into opt. */
static gboolean
opts_window (const Opts       *o,
             int               lookback,
             int               delay,
             int               period,
             NnSeriesOptions  *opt,
             GError          **error)
{
  int relative;
  if (!opts_int (o, "lookback", lookback, 1, SERIES_MAX_LOOKBACK, &opt->lookback, error)
      || !opts_int (o, "step", 1, 1, SERIES_MAX_ROWS, &opt->step, error)
      || !opts_int (o, "delay", delay, 1, SERIES_MAX_ROWS, &opt->delay, error)
      || !opts_int (o, "period", period, 1, SERIES_MAX_ROWS, &opt->period, error)
      || !opts_int (o, "relative", 0, 0, 1, &relative, error))
    return FALSE;
  opt->relative = relative != 0;
  const char *inputs = opts_get (o, "inputs");
  opt->inputs = NN_SERIES_LEVELS;
  if (inputs != NULL)
    {
      if (g_str_equal (inputs, "changes"))
        opt->inputs = NN_SERIES_CHANGES;
      else if (g_str_equal (inputs, "both"))
        opt->inputs = NN_SERIES_BOTH;
      else if (!g_str_equal (inputs, "levels"))
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Option “inputs” takes levels (the values), changes (each step's "
                       "difference from the window's last value) or both, not “%s”"), inputs);
          return FALSE;
        }
    }
  opt->train_fraction = 0.5;
  opt->val_fraction = 0.25;
  const char *split = opts_get (o, "split");
  if (split != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (split, ",", -1);
      char *e1 = NULL, *e2 = NULL;
      double a = -1, b = -1;
      if (g_strv_length (parts) == 2)
        {
          a = g_ascii_strtod (parts[0], &e1);
          b = g_ascii_strtod (parts[1], &e2);
        }
      if (e1 == NULL || e1 == parts[0] || *e1 != '\0' || e2 == parts[1] || *e2 != '\0'
          || !(a > 0 && a < 1) || !(b >= 0 && b < 1) || a + b > 1.0 + 1e-9)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Option “split” takes TRAIN,VAL shares of the rows (like 0.5,0.25: "
                       "the test split gets the rest), TRAIN above 0, at most 1 together, "
                       "not “%s”"), split);
          return FALSE;
        }
      opt->train_fraction = a;
      opt->val_fraction = b;
    }
  return TRUE;
}

/* Index of column name in names[0..n) (exact, then ignoring case), or -1. */
static int
find_column (char *const *names,
             int          n,
             const char  *name)
{
  for (int c = 0; c < n; c++)
    if (g_str_equal (names[c], name))
      return c;
  for (int c = 0; c < n; c++)
    if (g_ascii_strcasecmp (names[c], name) == 0)
      return c;
  return -1;
}

/* Reads columns `want` (names; target among them) of a CSV into a
 * (rows, n_want) array; every cell must be a number. */
static float *
read_csv_columns (const char         *path,
                  const char *const  *want,
                  int                 n_want,
                  size_t             *n_rows_out,
                  GCancellable       *cancel,
                  GError            **error)
{
  NnCsvCells cells;
  if (!nn_csv_read_cells (path, &cells, cancel, error))
    return NULL;
  float *values = NULL;
  int *col = g_new (int, n_want);
  char **header = (char **) cells.fields->pdata;
  if (cells.n_records < 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no data rows: a time series needs a header line and rows"), path);
      goto out;
    }
  for (int k = 0; k < n_want; k++)
    {
      col[k] = find_column (header, cells.n_cols, want[k]);
      if (col[k] < 0)
        {
          GString *list = g_string_new (NULL);
          for (int c = 0; c < cells.n_cols; c++)
            g_string_append_printf (list, "%s%s", c ? ", " : "", header[c]);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("%s has no column “%s”; its columns: %s"), path, want[k], list->str);
          g_string_free (list, TRUE);
          goto out;
        }
    }
  size_t n_rows = cells.n_records - 1;
  values = g_try_malloc (n_rows * (size_t) n_want * sizeof (float));
  if (values == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for %zu rows of %s"), n_rows, path);
      goto out;
    }
  for (size_t r = 0; r < n_rows; r++)
    for (int k = 0; k < n_want; k++)
      {
        const char *cell = cells.fields->pdata[(r + 1) * cells.n_cols + col[k]];
        char *end = NULL;
        double v = g_ascii_strtod (cell, &end);
        if (end == cell || *end != '\0' || !(fabs (v) <= FLT_MAX))
          {
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                         _("%s, line %d: column “%s” holds “%s”, not a number; a time "
                         "series needs a number in every row of its columns"),
                         path, g_array_index (cells.lines, int, r + 1), header[col[k]], cell);
            g_clear_pointer (&values, g_free);
            goto out;
          }
        values[r * n_want + k] = (float) v;
      }
  *n_rows_out = n_rows;

out:
  g_free (col);
  nn_csv_cells_clear (&cells);
  return values;
}

/* Input columns from `columns` (comma-separated, or defaults) with the
 * target added when missing; *target_out its index. */
static GStrv
column_list (const char  *columns,
             const char  *defaults,
             const char  *target,
             int         *target_out)
{
  g_auto(GStrv) parts = g_strsplit (columns != NULL ? columns : defaults, ",", -1);
  GPtrArray *list = g_ptr_array_new ();
  for (int i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_ptr_array_add (list, g_strdup (parts[i]));
    }
  int t = -1;
  for (guint i = 0; i < list->len && t < 0; i++)
    if (g_ascii_strcasecmp (list->pdata[i], target) == 0)
      t = (int) i;
  if (t < 0)
    {
      t = (int) list->len;
      g_ptr_array_add (list, g_strdup (target));
    }
  g_ptr_array_add (list, NULL);
  *target_out = t;
  return (GStrv) g_ptr_array_free (list, FALSE);
}

static NnDataset *
open_csv_series (const char    *name,
                 const char    *path,
                 const Opts    *o,
                 const char    *default_columns,
                 const char    *default_target,
                 const char    *unit,
                 NnSeriesOptions *opt,
                 GCancellable  *cancel,
                 GError       **error)
{
  const char *target = opts_get (o, "target");
  g_auto(GStrv) want = NULL;
  if (target == NULL && default_target == NULL)
    {
      /* A plain CSV: the last column. */
      NnCsvCells cells;
      if (!nn_csv_read_cells (path, &cells, cancel, error))
        return NULL;
      if (cells.n_records == 0)
        {
          nn_csv_cells_clear (&cells);
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                       _("%s is empty: a time series needs a header line and rows"), path);
          return NULL;
        }
      g_autofree char *last = g_strdup (cells.fields->pdata[cells.n_cols - 1]);
      nn_csv_cells_clear (&cells);
      want = column_list (opts_get (o, "columns"), last, last, &opt->target);
    }
  else
    {
      const char *t = target != NULL ? target : default_target;
      want = column_list (opts_get (o, "columns"), default_columns ? default_columns : t, t,
                          &opt->target);
    }
  int n_want = (int) g_strv_length (want);
  for (int a = 0; a < n_want; a++)
    for (int b = a + 1; b < n_want; b++)
      if (g_ascii_strcasecmp (want[a], want[b]) == 0)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("%s: column “%s” is listed twice in columns="), name, want[a]);
          return NULL;
        }
  size_t n_rows = 0;
  g_autofree float *values = read_csv_columns (path, (const char *const *) want, n_want,
                                               &n_rows, cancel, error);
  if (values == NULL)
    return NULL;
  opt->unit = unit;
  return nn_series_dataset_new (name, values, n_rows, n_want, (const char *const *) want, opt,
                                error);
}

static const char *
vega_path (const Opts  *o,
           const char  *file,
           char       **path_out,
           GError     **error)
{
  const char *dir = opts_get (o, "dir");
  if (dir == NULL)
    dir = g_getenv ("DEEPSCOPE_VEGA_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = VEGA_DIR;
  *path_out = g_build_filename (dir, file, NULL);
  if (!g_file_test (*path_out, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   _("%s is not in %s: install the python3-vega-datasets package, or point "
                   "DEEPSCOPE_VEGA_DIR or :dir= at its _data folder"), file, dir);
      return NULL;
    }
  return *path_out;
}

/* The generated series: hourly, a yearly and a daily cycle and noise. */
static NnDataset *
open_generated (const Opts       *o,
                NnSeriesOptions  *opt,
                GError          **error)
{
  int n;
  double noise;
  gint64 seed64 = 1;
  const char *sv = opts_get (o, "seed");
  if (!opts_int (o, "n", 8760, 16, SERIES_MAX_ROWS, &n, error)
      || !opts_double (o, "noise", 1.0, 0.0, 100.0, &noise, error))
    return NULL;
  if (sv != NULL && !g_ascii_string_to_signed (sv, 10, 0, G_MAXINT64, &seed64, NULL))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   _("Option “seed” must be a whole number from 0, not “%s”"), sv);
      return NULL;
    }
  float *v = g_try_new (float, n);
  if (v == NULL)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   _("Not enough memory for a series of %d rows"), n);
      return NULL;
    }
  NnRng rng;
  nn_rng_seed (&rng, (guint64) seed64);
  for (int t = 0; t < n; t++)
    v[t] = (float) (10.0 + 8.0 * sin (2 * G_PI * t / (24.0 * 365.0) - G_PI / 2)
                    + 4.0 * sin (2 * G_PI * (t % 24) / 24.0 - G_PI / 2)
                    + noise * nn_rng_normal (&rng));
  static const char *const cols[] = { "value", NULL };
  opt->target = 0;
  NnDataset *ds = nn_series_dataset_new ("series", v, (size_t) n, 1, cols, opt, error);
  g_free (v);
  return ds;
}

gboolean
nn_series_spec_matches (const char      *name,
                        const GPtrArray *keys)
{
  if (g_str_equal (name, "seattle-temps") || g_str_equal (name, "seattle-weather")
      || g_str_equal (name, "series"))
    return TRUE;
  if (!g_str_has_suffix (name, ".csv") && !g_str_has_suffix (name, ".CSV"))
    return FALSE;
  for (guint i = 0; i < keys->len; i++)
    if (g_str_equal (g_ptr_array_index (keys, i), "window"))
      return TRUE;
  return FALSE;
}

NnDataset *
nn_series_open (const char       *name,
                const GPtrArray  *keys,
                const GPtrArray  *values,
                GCancellable     *cancel,
                GError          **error)
{
  Opts o = { keys, values };
  NnSeriesOptions opt = { 0 };
  g_autofree char *path = NULL;

  if (g_str_equal (name, "seattle-temps"))
    {
      static const char *const accepted[] = { "lookback", "step", "delay", "period", "split",
                                              "relative", "inputs", "dir", NULL };
      if (!opts_check (&o, name, accepted, error)
          || !opts_window (&o, 120, 24, 24, &opt, error)
          || vega_path (&o, "seattle-temps.csv", &path, error) == NULL)
        return NULL;
      return open_csv_series (name, path, &o, "temp", "temp", "°F", &opt, cancel, error);
    }
  if (g_str_equal (name, "seattle-weather"))
    {
      static const char *const accepted[] = { "target", "columns", "lookback", "step", "delay",
                                              "period", "split", "relative", "inputs",
                                              "dir", NULL };
      if (!opts_check (&o, name, accepted, error)
          || !opts_window (&o, 30, 1, 365, &opt, error)
          || vega_path (&o, "seattle-weather.csv", &path, error) == NULL)
        return NULL;
      return open_csv_series (name, path, &o, "precipitation,temp_max,temp_min,wind",
                              "temp_max", NULL, &opt, cancel, error);
    }
  if (g_str_equal (name, "series"))
    {
      static const char *const accepted[] = { "n", "noise", "seed", "lookback", "step", "delay",
                                              "period", "split", "relative", "inputs",
                                              NULL };
      if (!opts_check (&o, name, accepted, error)
          || !opts_window (&o, 120, 24, 24, &opt, error))
        return NULL;
      return open_generated (&o, &opt, error);
    }

  /* PATH.csv:window=LOOKBACK */
  static const char *const accepted[] = { "window", "columns", "target", "step", "delay",
                                          "period", "split", "relative", "inputs", NULL };
  g_autofree char *base = g_path_get_basename (name);
  int lookback;
  if (!opts_check (&o, base, accepted, error)
      || !opts_int (&o, "window", 0, 1, SERIES_MAX_LOOKBACK, &lookback, error)
      || !opts_window (&o, lookback, 1, 24, &opt, error))
    return NULL;
  return open_csv_series (base, name, &o, NULL, NULL, NULL, &opt, cancel, error);
}
