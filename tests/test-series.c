/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-series.c: time series as windowed samples (nn-data-series.c):
 * windows against hand-sliced values, targets at their delay, statistics
 * of the training rows alone, no window across a split, the naive
 * baselines by hand, the specs and every malformed input. */
#include "nn.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* Rows 0..n-1 with value 100 + r in column 0 and -r in column 1. */
static float *
ramp (size_t n)
{
  float *v = g_new (float, 2 * n);
  for (size_t r = 0; r < n; r++)
    {
      v[2 * r] = 100.f + (float) r;
      v[2 * r + 1] = -(float) r;
    }
  return v;
}

static const char *const ramp_cols[] = { "a", "b", NULL };

static NnSeriesOptions
options (int lookback, int step, int delay)
{
  NnSeriesOptions o = {
    .lookback = lookback, .step = step, .delay = delay, .period = 4,
    .train_fraction = 0.5, .val_fraction = 0.25, .target = 0, .unit = NULL,
  };
  return o;
}

/* Raw (unnormalized) value of feature j of sample i. */
static float
raw (const NnArray *a, size_t i, size_t j)
{
  return ((const float *) a->data)[i * a->sample_size + j];
}

static void
test_windows (void)
{
  g_autofree float *v = ramp (40);
  NnSeriesOptions o = options (3, 2, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_series_dataset_new ("ramp", v, 40, 2, ramp_cols, &o, &error);
  g_assert_no_error (error);
  const NnSeries *s = nn_dataset_get_series (ds);
  g_assert_nonnull (s);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 3);
  g_assert_cmpint (ds->inputs[0]->shape[1], ==, 2);
  g_assert_cmpuint (ds->targets[0]->sample_size, ==, 1);

  /* Rows 0-19 train, 20-29 validate, 30-39 test; a window spans 4 rows
   * before its last step and its target 5 after: 20 - 4 - 5 = 11 training
   * windows, 10 - 9 = 1 each for the others. */
  g_assert_cmpuint (s->train_end, ==, 20);
  g_assert_cmpuint (s->val_end, ==, 30);
  g_assert_cmpuint (ds->n, ==, 13);
  g_assert_cmpuint (ds->n_train, ==, 12);
  g_assert_cmpuint (ds->n_val, ==, 1);
  g_assert_cmpuint (ds->n_test, ==, 1);

  for (size_t i = 0; i < ds->n; i++)
    {
      size_t end = s->window_end[i];
      /* Hand-sliced: rows end-4, end-2, end of both columns. */
      for (int t = 0; t < 3; t++)
        {
          size_t r = end - 4 + 2 * (size_t) t;
          g_assert_cmpfloat (raw (ds->inputs[0], i, 2 * t), ==, 100.f + (float) r);
          g_assert_cmpfloat (raw (ds->inputs[0], i, 2 * t + 1), ==, -(float) r);
        }
      /* The target: column a, 5 rows after the last step. */
      g_assert_cmpfloat (raw (ds->targets[0], i, 0), ==, 100.f + (float) (end + 5));
    }
  g_assert_cmpuint (s->window_end[0], ==, 4);
  g_assert_cmpuint (s->window_end[10], ==, 14);
  g_assert_cmpuint (s->window_end[11], ==, 24);
  g_assert_cmpuint (s->window_end[12], ==, 34);

  /* Gathered (normalized) values: (raw - mean) / std. */
  float x[6];
  guint32 idx = 0;
  nn_array_gather (ds->inputs[0], &idx, 1, x);
  g_assert_cmpfloat_with_epsilon (x[0], (100.f - s->mean[0]) / s->std[0], 1e-5);
  g_assert_cmpfloat_with_epsilon (x[5], (-4.f - s->mean[1]) / s->std[1], 1e-5);
  g_assert_cmpstr (ds->inputs[0]->feature_names[0], ==, "a[t-4]");
  g_assert_cmpstr (ds->inputs[0]->feature_names[5], ==, "b[t-0]");
}

/* Samples come in time order: training, validation (the last n_val of
 * train_idx), test; no window reaches across a split boundary. */
static void
test_no_straddle (void)
{
  for (int lookback = 1; lookback <= 9; lookback += 4)
    for (int step = 1; step <= 3; step++)
      for (int delay = 1; delay <= 7; delay += 3)
        {
          g_autofree float *v = ramp (200);
          NnSeriesOptions o = options (lookback, step, delay);
          o.train_fraction = 0.6;
          o.val_fraction = 0.2;
          g_autoptr(NnDataset) ds = nn_series_dataset_new ("ramp", v, 200, 2, ramp_cols, &o,
                                                           NULL);
          g_assert_nonnull (ds);
          const NnSeries *s = ds->series;
          size_t span = (size_t) (lookback - 1) * step;
          size_t n_tr = ds->n_train - ds->n_val;
          for (size_t i = 0; i < ds->n; i++)
            {
              size_t first = s->window_end[i] - span, target = s->window_end[i] + delay;
              size_t lo, hi;
              if (i < n_tr)
                lo = 0, hi = s->train_end;
              else if (i < ds->n_train)
                lo = s->train_end, hi = s->val_end;
              else
                lo = s->val_end, hi = s->n_rows;
              g_assert_cmpuint (first, >=, lo);
              g_assert_cmpuint (target, <, hi);
              if (i > 0)
                g_assert_cmpuint (s->window_end[i], >, s->window_end[i - 1]);
            }
          for (size_t i = 0; i < ds->n_train; i++)
            g_assert_cmpuint (ds->train_idx[i], ==, i);
          for (size_t i = 0; i < ds->n_test; i++)
            g_assert_cmpuint (ds->test_idx[i], ==, ds->n_train + i);
          /* Every window that fits is there: per split, rows - span - delay. */
          g_assert_cmpuint (n_tr, ==, 120 - span - delay);
          g_assert_cmpuint (ds->n_val, ==, 40 - span - delay);
          g_assert_cmpuint (ds->n_test, ==, 40 - span - delay);
        }
}

/* Mean and std come from the training rows: changing a validation or test
 * value leaves the normalization where it was; changing a training value
 * moves it. */
static void
test_train_statistics (void)
{
  g_autofree float *v = ramp (40);
  NnSeriesOptions o = options (2, 1, 1);
  g_autoptr(NnDataset) a = nn_series_dataset_new ("ramp", v, 40, 2, ramp_cols, &o, NULL);
  g_assert_nonnull (a);

  /* By hand: column a over rows 0-19 is 100..119, mean 109.5, population
   * std sqrt((20² - 1) / 12). */
  g_assert_cmpfloat_with_epsilon (a->series->mean[0], 109.5, 1e-4);
  g_assert_cmpfloat_with_epsilon (a->series->std[0], sqrt (399.0 / 12.0), 1e-4);

  v[2 * 35] = 1e6f;      /* a test row */
  v[2 * 25 + 1] = -1e6f; /* a validation row */
  g_autoptr(NnDataset) b = nn_series_dataset_new ("ramp", v, 40, 2, ramp_cols, &o, NULL);
  g_assert_nonnull (b);
  for (size_t j = 0; j < a->inputs[0]->sample_size; j++)
    {
      g_assert_cmpfloat (a->inputs[0]->scale[j], ==, b->inputs[0]->scale[j]);
      g_assert_cmpfloat (a->inputs[0]->offset[j], ==, b->inputs[0]->offset[j]);
    }
  g_assert_cmpfloat (a->targets[0]->scale[0], ==, b->targets[0]->scale[0]);
  g_assert_cmpfloat (a->targets[0]->offset[0], ==, b->targets[0]->offset[0]);

  v[2 * 3] = 1e3f;       /* a training row */
  g_autoptr(NnDataset) c = nn_series_dataset_new ("ramp", v, 40, 2, ramp_cols, &o, NULL);
  g_assert_nonnull (c);
  g_assert_cmpfloat (a->inputs[0]->offset[0], !=, c->inputs[0]->offset[0]);
  g_assert_cmpfloat (a->targets[0]->scale[0], !=, c->targets[0]->scale[0]);
}

/* The naive baselines on a tiny series, computed by hand. */
static void
test_baselines (void)
{
  /* 12 rows; split 0.5, 0.25: rows 0-5 train, 6-8 validate, 9-11 test.
   * lookback 1, delay 1: validation windows end at 6, 7 (targets 7, 8),
   * test windows at 9, 10 (targets 10, 11). */
  const float v[12] = { 0, 1, 2, 3, 4, 5, 10, 13, 9, 20, 26, 21 };
  static const char *const cols[] = { "x", NULL };
  NnSeriesOptions o = {
    .lookback = 1, .step = 1, .delay = 1, .period = 3,
    .train_fraction = 0.5, .val_fraction = 0.25, .target = 0,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_series_dataset_new ("tiny", v, 12, 1, cols, &o, &error);
  g_assert_no_error (error);
  NnBaselines b;
  g_assert_true (nn_dataset_get_baselines (ds, &b));
  g_assert_cmpint (b.period, ==, 3);
  /* last: validation |13 - 10| and |9 - 13| → 3.5; test |26 - 20|,
   * |21 - 26| → 5.5. */
  g_assert_cmpfloat_with_epsilon (b.val_last, 3.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (b.test_last, 5.5, 1e-9);
  /* period 3 (delay 1 <= 3, one period back): validation targets 7, 8
   * against rows 4, 5: |13 - 4|, |9 - 5| → 6.5; test targets 10, 11
   * against rows 7, 8: |26 - 13|, |21 - 9| → 12.5. */
  g_assert_cmpfloat_with_epsilon (b.val_period, 6.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (b.test_period, 12.5, 1e-9);
  /* Normalized: divided by the training rows' std (0..5: sqrt(35/12)). */
  double sd = sqrt (35.0 / 12.0);
  g_assert_cmpfloat_with_epsilon (b.target_std, sd, 1e-6);
  g_assert_cmpfloat_with_epsilon (b.test_last_norm, 5.5 / sd, 1e-5);
  g_assert_cmpfloat_with_epsilon (b.val_period_norm, 6.5 / sd, 1e-5);

  /* A delay longer than the period: the same phase two periods back (the
   * value one period back is not known yet). delay 4, period 3: k = 2,
   * 6 rows before the target. Three validation rows hold no window with
   * a delay of 4, so the split is 0.5,0: rows 6-11 test. */
  o.delay = 4;
  o.val_fraction = 0;
  g_autoptr(NnDataset) d2 = nn_series_dataset_new ("tiny", v, 12, 1, cols, &o, &error);
  g_assert_no_error (error);
  g_assert_true (nn_dataset_get_baselines (d2, &b));
  /* Two test windows: ends 6 and 7, targets 10 and 11 (26, 21); period:
   * rows 4, 5 → (|26 - 4| + |21 - 5|) / 2 = 19; last: rows 6, 7 →
   * (|26 - 10| + |21 - 13|) / 2 = 12. */
  g_assert_cmpuint (d2->n_test, ==, 2);
  g_assert_cmpfloat_with_epsilon (b.test_period, 19.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (b.test_last, 12.0, 1e-9);

  g_autoptr(NnDataset) toy = nn_dataset_open ("xor:n=50", NULL, NULL);
  g_assert_false (nn_dataset_get_baselines (toy, &b));
  g_assert_null (nn_dataset_get_series (toy));
}

static char *
write_csv (const char *text)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("series-XXXXXX.csv", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  return path;
}

/* PATH.csv:window=N reads the named columns, the target last by default. */
static void
test_csv_spec (void)
{
  GString *csv = g_string_new ("date,t,h\n");
  for (int r = 0; r < 100; r++)
    g_string_append_printf (csv, "d%d,%d.5,%d\n", r, r, 1000 - r);
  g_autofree char *path = write_csv (csv->str);
  g_string_free (csv, TRUE);

  g_autoptr(GError) error = NULL;
  g_autofree char *spec = g_strdup_printf ("%s:window=4:columns=t,h:target=t:delay=2", path);
  g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
  g_assert_no_error (error);
  const NnSeries *s = nn_dataset_get_series (ds);
  g_assert_cmpint (s->n_columns, ==, 2);
  g_assert_cmpint (s->target, ==, 0);
  g_assert_cmpint (s->lookback, ==, 4);
  g_assert_cmpstr (ds->spec, ==, spec);
  size_t end = s->window_end[0];
  g_assert_cmpuint (end, ==, 3);
  g_assert_cmpfloat (raw (ds->inputs[0], 0, 0), ==, 0.5f);
  g_assert_cmpfloat (raw (ds->inputs[0], 0, 1), ==, 1000.f);
  g_assert_cmpfloat (raw (ds->targets[0], 0, 0), ==, 5.5f);

  /* Target by default: the last column, alone. */
  g_autofree char *spec2 = g_strdup_printf ("%s:window=3", path);
  g_autoptr(NnDataset) d2 = nn_dataset_open (spec2, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (d2->series->n_columns, ==, 1);
  g_assert_cmpstr (d2->series->columns[0], ==, "h");
  g_assert_cmpfloat (raw (d2->targets[0], 0, 0), ==, 1000.f - 3.f);
  g_unlink (path);
}

/* Every malformed input: a clear error naming the thing, nothing loaded. */
static void
test_malformed (void)
{
  g_autofree char *good = NULL, *word = NULL, *empty = NULL, *header = NULL;
  GString *csv = g_string_new ("t,h\n");
  for (int r = 0; r < 50; r++)
    g_string_append_printf (csv, "%d,%d\n", r, r);
  good = write_csv (csv->str);
  g_string_append (csv, "12,abc\n");
  word = write_csv (csv->str);
  g_string_free (csv, TRUE);
  empty = write_csv ("");
  header = write_csv ("t,h\n");

  struct {
    const char *spec;     /* %s: the good file, or a fixed spec */
    const char *file;
    NnDataError code;
    const char *needle;
  } cases[] = {
    { "%s:window=4:target=nope", good, NN_DATA_ERROR_UNKNOWN, "no column “nope”" },
    { "%s:window=4:columns=t,zz", good, NN_DATA_ERROR_UNKNOWN, "no column “zz”" },
    { "%s:window=4", word, NN_DATA_ERROR_FORMAT, "“abc”, not a number" },
    { "%s:window=4", empty, NN_DATA_ERROR_EMPTY, "is empty" },
    { "%s:window=4", header, NN_DATA_ERROR_EMPTY, "no data rows" },
    { "%s:window=0", good, NN_DATA_ERROR_UNKNOWN, "“window” must be a whole number from 1" },
    { "%s:window=1000000", good, NN_DATA_ERROR_UNKNOWN, "from 1 to 100000" },
    { "%s:window=60", good, NN_DATA_ERROR_EMPTY, "too few for one window" },
    { "%s:window=4:delay=49", good, NN_DATA_ERROR_EMPTY, "too few for one window" },
    { "%s:window=4:delay=20", good, NN_DATA_ERROR_EMPTY, "too short for one window" },
    { "%s:window=4:step=0", good, NN_DATA_ERROR_UNKNOWN, "“step”" },
    { "%s:window=4:split=0.9,0.3", good, NN_DATA_ERROR_UNKNOWN, "“split”" },
    { "%s:window=4:split=half", good, NN_DATA_ERROR_UNKNOWN, "“split”" },
    { "%s:window=4:columns=t,t", good, NN_DATA_ERROR_UNKNOWN, "listed twice" },
    { "%s:window=4:normalize=minmax", good, NN_DATA_ERROR_UNKNOWN, "Unknown option" },
    { "/nonexistent/x.csv:window=4", NULL, NN_DATA_ERROR_IO, "Cannot read" },
    { "seattle-temps:dir=/nonexistent", NULL, NN_DATA_ERROR_IO, "python3-vega-datasets" },
    { "seattle-temps:lookback=0", NULL, NN_DATA_ERROR_UNKNOWN, "“lookback”" },
    { "seattle-temps:lookback=9000", NULL, NN_DATA_ERROR_EMPTY, "too few for one window" },
    { "seattle-temps:delay=9000", NULL, NN_DATA_ERROR_EMPTY, "too few for one window" },
    { "seattle-temps:delay=8000", NULL, NN_DATA_ERROR_EMPTY, "training split (rows 1 to 4380)" },
    { "seattle-weather:target=weather", NULL, NN_DATA_ERROR_FORMAT, "not a number" },
    { "seattle-weather:columns=wind,rain", NULL, NN_DATA_ERROR_UNKNOWN, "no column “rain”" },
    { "series:n=8", NULL, NN_DATA_ERROR_UNKNOWN, "“n”" },
    { "series:n=100:lookback=40", NULL, NN_DATA_ERROR_EMPTY, "too short" },
    { "series:bogus=1", NULL, NN_DATA_ERROR_UNKNOWN, "Unknown option “bogus”" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *spec = cases[i].file ? g_strdup_printf (cases[i].spec, cases[i].file)
                                            : g_strdup (cases[i].spec);
      g_autoptr(NnDataset) ds = nn_dataset_open (spec, NULL, &error);
      if (ds != NULL || error == NULL || error->code != (int) cases[i].code
          || strstr (error->message, cases[i].needle) == NULL)
        g_error ("%s: expected error %d with “%s”, got %s (%d)", spec, cases[i].code,
                 cases[i].needle, error ? error->message : "a dataset",
                 error ? error->code : -1);
      g_test_message ("%s → %s", spec, error->message);
    }
  g_unlink (good);
  g_unlink (word);
  g_unlink (empty);
  g_unlink (header);
}

/* The shipped data: seattle-temps as the defaults cut it. */
static void
test_seattle (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("seattle-temps", NULL, &error);
  if (ds == NULL && g_error_matches (error, NN_DATA_ERROR, NN_DATA_ERROR_IO))
    {
      g_test_skip (error->message);
      return;
    }
  g_assert_no_error (error);
  const NnSeries *s = ds->series;
  g_assert_cmpuint (s->n_rows, ==, 8759);
  g_assert_cmpstr (s->columns[0], ==, "temp");
  g_assert_cmpstr (s->unit, ==, "°F");
  g_assert_cmpint (s->lookback, ==, 120);
  g_assert_cmpint (s->delay, ==, 24);
  g_assert_cmpfloat (s->values[0], ==, 39.4f);
  /* 2010/01/01 01:00 is 39.2 °F. */
  g_assert_cmpfloat (s->values[1], ==, 39.2f);
  NnBaselines b;
  g_assert_true (nn_dataset_get_baselines (ds, &b));
  g_test_message ("seattle-temps: %zu train, %zu validation, %zu test windows; test MAE "
                  "last %.3f °F, period %.3f °F", ds->n_train - ds->n_val, ds->n_val,
                  ds->n_test, b.test_last, b.test_period);
  /* delay = period = 24: one forecast, two names. */
  g_assert_cmpfloat_with_epsilon (b.test_last, b.test_period, 1e-9);
  /* The file holds smooth hourly normals: a day ahead the last value
   * misses by about 0.2 °F (0.192 measured). */
  g_assert_cmpfloat (b.test_last, >, 0.1);
  g_assert_cmpfloat (b.test_last, <, 0.3);

  g_autoptr(NnDataset) w = nn_dataset_open ("seattle-weather", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (w->series->n_columns, ==, 4);
  g_assert_cmpstr (w->series->columns[w->series->target], ==, "temp_max");
  g_assert_cmpuint (w->series->n_rows, ==, 1461);
  g_assert_true (nn_dataset_get_baselines (w, &b));
  g_test_message ("seattle-weather: test MAE last %.3f, a year before %.3f",
                  b.test_last, b.test_period);
  g_assert_cmpfloat (b.test_last, <, b.test_period);
}

/* The generated series: deterministic for a seed, its daily cycle seen by
 * the period baseline. */
static void
test_generated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) a = nn_dataset_open ("series:n=2000:seed=3:delay=6:lookback=24", NULL,
                                            &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) b = nn_dataset_open ("series:n=2000:seed=3:delay=6:lookback=24", NULL,
                                            &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) c = nn_dataset_open ("series:n=2000:seed=4:delay=6:lookback=24", NULL,
                                            &error);
  g_assert_no_error (error);
  g_assert_cmpmem (a->series->values, 2000 * sizeof (float), b->series->values,
                   2000 * sizeof (float));
  g_assert_cmpfloat (a->series->values[5], !=, c->series->values[5]);
  NnBaselines bl;
  g_assert_true (nn_dataset_get_baselines (a, &bl));
  /* Six hours ahead the daily cycle moves the value by up to 4·√2: the
   * value a day before the target (noise alone, about 1.13) does better. */
  g_assert_cmpfloat (bl.test_period, <, bl.test_last);
  g_assert_cmpfloat_with_epsilon (bl.test_period, 2 / sqrt (G_PI), 0.2);
}

/* relative=1 with inputs=both: the target is the change from the window's
 * last value, divided by the std of the changes over `delay` rows in the
 * training rows alone; each step holds its level, then its change over
 * `delay` rows; the last-value baseline is the MAE of change 0. */
static void
test_relative (void)
{
  /* 60 rows of a bending curve (changes vary) in column a, a ramp in b;
   * rows 0-29 train, 30-44 validate, 45-59 test. */
  float v[120], w[120];
  for (int r = 0; r < 60; r++)
    {
      v[2 * r] = 0.05f * (float) (r * r) + 3.f * sinf ((float) r);
      v[2 * r + 1] = (float) r;
    }
  memcpy (w, v, sizeof v);
  /* The same series with its test rows wildly different. */
  for (int r = 45; r < 60; r++)
    w[2 * r] = 1000.f * (float) (r % 3) - 77.f;
  NnSeriesOptions o = options (3, 2, 3);
  o.relative = TRUE;
  o.inputs = NN_SERIES_BOTH;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_series_dataset_new ("bend", v, 60, 2, ramp_cols, &o, &error);
  g_assert_no_error (error);
  g_autoptr(NnDataset) dw = nn_series_dataset_new ("bend", w, 60, 2, ramp_cols, &o, &error);
  g_assert_no_error (error);
  const NnSeries *s = nn_dataset_get_series (ds);
  g_assert_true (s->relative);
  g_assert_cmpint (ds->inputs[0]->shape[0], ==, 3);
  g_assert_cmpint (ds->inputs[0]->shape[1], ==, 4);

  /* A window reaches 4 rows back and its changes 3 more: the first
   * training window ends at row 7, 30 - 7 - 3 = 20 of them; 15 - 10 = 5
   * validation and 5 test windows. */
  g_assert_cmpuint (s->window_end[0], ==, 7);
  g_assert_cmpuint (ds->n, ==, 30);
  g_assert_cmpuint (ds->n_val, ==, 5);
  g_assert_cmpuint (ds->n_test, ==, 5);
  g_assert_cmpuint (s->window_end[20], ==, 37);

  /* The scale by hand: changes over 3 rows, rows 3..29 (training only). */
  double sum = 0, sq = 0;
  for (int r = 3; r < 30; r++)
    sum += v[2 * r] - v[2 * (r - 3)];
  double mean = sum / 27.0;
  for (int r = 3; r < 30; r++)
    {
      double d = v[2 * r] - v[2 * (r - 3)] - mean;
      sq += d * d;
    }
  double sd = sqrt (sq / 27.0);
  NnBaselines b, bw;
  g_assert_true (nn_dataset_get_baselines (ds, &b));
  g_assert_true (nn_dataset_get_baselines (dw, &bw));
  g_assert_true (b.relative);
  g_assert_cmpfloat_with_epsilon (b.target_std, sd, 1e-5);
  g_assert_cmpfloat (b.target_mean, ==, 0.0);
  /* Statistics from the training split only: the test rows changed, the
   * scales did not. */
  g_assert_cmpfloat (bw.target_std, ==, b.target_std);
  g_assert_cmpfloat (dw->series->change_std[1], ==, s->change_std[1]);
  g_assert_cmpfloat (dw->series->std[0], ==, s->std[0]);
  g_assert_cmpfloat (bw.test_last, !=, b.test_last);

  double abs_change = 0, abs_norm = 0;
  for (size_t i = 0; i < ds->n; i++)
    {
      size_t end = s->window_end[i];
      /* The target: a at end + 3 minus a at end, by hand. */
      float change = v[2 * (end + 3)] - v[2 * end];
      g_assert_cmpfloat (raw (ds->targets[0], i, 0), ==, change);
      float y;
      guint32 idx = (guint32) i;
      nn_array_gather (ds->targets[0], &idx, 1, &y);
      g_assert_cmpfloat_with_epsilon (y, change / sd, 1e-4);
      /* Steps end-4, end-2, end: levels a, b, then changes over 3 rows. */
      for (int t = 0; t < 3; t++)
        {
          size_t r = end - 4 + 2 * (size_t) t;
          g_assert_cmpfloat (raw (ds->inputs[0], i, 4 * t), ==, v[2 * r]);
          g_assert_cmpfloat (raw (ds->inputs[0], i, 4 * t + 1), ==, v[2 * r + 1]);
          g_assert_cmpfloat (raw (ds->inputs[0], i, 4 * t + 2), ==, v[2 * r] - v[2 * (r - 3)]);
          g_assert_cmpfloat (raw (ds->inputs[0], i, 4 * t + 3), ==, 3.f);
        }
      if (i >= ds->n - ds->n_test)
        {
          abs_change += fabsf (change);
          abs_norm += fabsf (y);
        }
    }
  /* The last-value baseline is the MAE of a forecast of change 0, in the
   * target's units and in the model's (normalized) units. */
  g_assert_cmpuint (ds->n_test, >, 0);
  g_assert_cmpfloat_with_epsilon (b.test_last, abs_change / ds->n_test, 1e-5);
  g_assert_cmpfloat_with_epsilon (b.test_last_norm, abs_norm / ds->n_test, 1e-4);
  g_assert_cmpstr (ds->inputs[0]->feature_names[2], ==, "a[t-4]-a[t-7]");
  g_assert_cmpstr (ds->inputs[0]->feature_names[9], ==, "b[t-0]");

  /* inputs=changes alone: one change per column; the default keeps the
   * absolute target. */
  o.inputs = NN_SERIES_CHANGES;
  g_autoptr(NnDataset) dc = nn_series_dataset_new ("bend", v, 60, 2, ramp_cols, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpint (dc->inputs[0]->shape[1], ==, 2);
  size_t e0 = dc->series->window_end[0];
  g_assert_cmpfloat (raw (dc->inputs[0], 0, 4), ==, v[2 * e0] - v[2 * (e0 - 3)]);

  /* Specs: the options parse, and a wrong one names the choices. */
  g_autoptr(NnDataset) sp = nn_dataset_open ("series:n=500:lookback=12:delay=6:relative=1"
                                             ":inputs=changes", NULL, &error);
  g_assert_no_error (error);
  g_assert_true (sp->series->relative);
  g_assert_null (nn_dataset_open ("series:n=500:inputs=deltas", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_assert_nonnull (strstr (error->message, "levels"));
  g_clear_error (&error);
  g_assert_null (nn_dataset_open ("series:n=500:relative=2", NULL, &error));
  g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
  g_clear_error (&error);
}

/* A small GRU forecaster on (12, 1) windows, compiled with MAE. */
static const char small_forecaster[] =
  "{\"format\": \"deepscope-model\", \"version\": 1, \"name\": \"small\","
  " \"config\": {\"layers\": ["
  "  {\"class_name\": \"Input\", \"name\": \"in\", \"config\": {\"shape\": [12, 1]},"
  "   \"inbound_nodes\": []},"
  "  {\"class_name\": \"GRU\", \"name\": \"gru\", \"config\": {\"units\": 4},"
  "   \"inbound_nodes\": [[[\"in\", 0, 0]]]},"
  "  {\"class_name\": \"Dense\", \"name\": \"out\","
  "   \"config\": {\"units\": 1, \"activation\": \"linear\"},"
  "   \"inbound_nodes\": [[[\"gru\", 0, 0]]]}],"
  "  \"input_layers\": [[\"in\", 0, 0]], \"output_layers\": [[\"out\", 0, 0]]},"
  " \"compile\": {\"optimizer\": {\"class_name\": \"RMSprop\","
  "  \"config\": {\"learning_rate\": 0.001}}, \"loss\": [\"mae\"], \"metrics\": [[\"mae\"]]}}";

static double
scores_mae (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n)
{
  g_autoptr(GError) error = NULL;
  NnScores sc = { 0 };
  gboolean found = FALSE;
  g_assert_true (nn_model_evaluate (m, ds, idx, n, 64, &sc, &error));
  g_assert_no_error (error);
  double v = nn_scores_get (&sc, "mae", &found);
  g_assert_true (found);
  nn_scores_clear (&sc);
  return v;
}

/* The trainer validates on the series's own validation windows (the last
 * n_val of train_idx), not on the share its validation_split asks for:
 * the epoch's val_mae is the trained model's MAE on exactly those. */
static void
test_trainer_validates_n_val (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_dataset_open ("series:n=1200:lookback=12:delay=6", NULL,
                                             &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ds->n_val, >, 0);
  g_assert_cmpuint (ds->n_val, <, ds->n_train);
  g_autoptr(NnModel) m = nn_model_load_from_data (small_forecaster, -1, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_init_weights (m, 1, &error));
  g_assert_no_error (error);

  g_autoptr(NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 1;
  cfg.batch_size = 32;
  /* Half the training windows: far more than the series's own split. */
  cfg.validation_split = 0.5;
  cfg.seed = 1;
  cfg.snapshot_every = -1;
  g_assert_true (nn_trainer_start (t, m, ds, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (nn_trainer_join (t, &error));
  g_assert_no_error (error);
  double val_mae = NAN;
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      gboolean found = FALSE;
      double v = nn_event_get (e, "val_mae", &found);
      if (e->kind == NN_EVENT_EPOCH && found)
        val_mae = v;
      nn_event_free (e);
    }
  g_assert_false (isnan (val_mae));

  g_autoptr(NnModel) trained = nn_trainer_dup_model (t);
  size_t n_tr = ds->n_train - ds->n_val;
  double own = scores_mae (trained, ds, ds->train_idx + n_tr, ds->n_val);
  size_t half = ds->n_train - (size_t) (ds->n_train * 0.5);
  double split = scores_mae (trained, ds, ds->train_idx + half, ds->n_train - half);
  g_test_message ("%zu training windows, %zu the series's validation: val_mae %.6f, MAE on "
                  "them %.6f, on the last half %.6f", ds->n_train, ds->n_val, val_mae, own,
                  split);
  g_assert_cmpfloat (fabs (own - split), >, 1e-4);
  g_assert_cmpfloat_with_epsilon (val_mae, own, 1e-5);
}

/* The messages for a missing or unknown spec name the time series and
 * text specs too. */
static void
test_unknown_lists_specs (void)
{
  static const char *const specs[] = { "", "no-such-data" };
  static const char *const names[] = {
    "seattle-temps", "seattle-weather", "series", "PATH.csv:window=", "fortunes:topics=",
    "text:DIR", "chars:FILE", "fashion-mnist",
  };
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(NnDataset) ds = nn_dataset_open (specs[i], NULL, &error);
      g_assert_null (ds);
      g_assert_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN);
      for (guint k = 0; k < G_N_ELEMENTS (names); k++)
        if (strstr (error->message, names[k]) == NULL)
          g_error ("“%s” does not name %s", error->message, names[k]);
    }
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/series/windows", test_windows);
  g_test_add_func ("/engine/series/no-straddle", test_no_straddle);
  g_test_add_func ("/engine/series/train-statistics", test_train_statistics);
  g_test_add_func ("/engine/series/baselines", test_baselines);
  g_test_add_func ("/engine/series/csv-spec", test_csv_spec);
  g_test_add_func ("/engine/series/malformed", test_malformed);
  g_test_add_func ("/engine/series/seattle", test_seattle);
  g_test_add_func ("/engine/series/generated", test_generated);
  g_test_add_func ("/engine/series/relative", test_relative);
  g_test_add_func ("/engine/series/trainer-validates-n-val", test_trainer_validates_n_val);
  g_test_add_func ("/engine/series/unknown-lists-specs", test_unknown_lists_specs);
  return g_test_run ();
}
