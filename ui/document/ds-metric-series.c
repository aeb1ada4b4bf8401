/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include "ds-metric-series.h"

struct _DsMetricSeries
{
  GObject  parent_instance;

  char    *key;
  GArray  *points;   /* DsPoint */
};

G_DEFINE_FINAL_TYPE (DsMetricSeries, ds_metric_series, G_TYPE_OBJECT)

enum {
  ITEMS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
ds_metric_series_finalize (GObject *object)
{
  DsMetricSeries *self = DS_METRIC_SERIES (object);

  g_free (self->key);
  g_array_unref (self->points);
  G_OBJECT_CLASS (ds_metric_series_parent_class)->finalize (object);
}

static void
ds_metric_series_class_init (DsMetricSeriesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ds_metric_series_finalize;

  /**
   * DsMetricSeries::items-changed:
   * @position: first changed point
   * @removed: points removed there
   * @added: points added there
   *
   * The same contract as GListModel's, so plots can redraw only when the
   * data they show changed.
   */
  signals[ITEMS_CHANGED] =
    g_signal_new ("items-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_UINT);
}

static void
ds_metric_series_init (DsMetricSeries *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (DsPoint));
}

DsMetricSeries *
ds_metric_series_new (const char *key)
{
  DsMetricSeries *self = g_object_new (DS_TYPE_METRIC_SERIES, NULL);

  self->key = g_strdup (key);
  return self;
}

const char *
ds_metric_series_get_key (DsMetricSeries *self)
{
  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), NULL);
  return self->key;
}

guint
ds_metric_series_get_n_points (DsMetricSeries *self)
{
  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), 0);
  return self->points->len;
}

const DsPoint *
ds_metric_series_get_points (DsMetricSeries *self,
                             guint          *n_points)
{
  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), NULL);
  if (n_points)
    *n_points = self->points->len;
  return (const DsPoint *) self->points->data;
}

void
ds_metric_series_append (DsMetricSeries *self,
                         double          x,
                         double          y)
{
  DsPoint p = { x, y };
  guint len, keep;

  g_return_if_fail (DS_IS_METRIC_SERIES (self));

  len = self->points->len;
  keep = len;
  while (keep > 0 && g_array_index (self->points, DsPoint, keep - 1).x >= x)
    keep--;
  if (keep < len)
    g_array_set_size (self->points, keep);
  g_array_append_val (self->points, p);
  g_signal_emit (self, signals[ITEMS_CHANGED], 0, keep, len - keep, 1u);
}

void
ds_metric_series_clear (DsMetricSeries *self)
{
  guint len;

  g_return_if_fail (DS_IS_METRIC_SERIES (self));
  len = self->points->len;
  if (len == 0)
    return;
  g_array_set_size (self->points, 0);
  g_signal_emit (self, signals[ITEMS_CHANGED], 0, 0u, len, 0u);
}

gboolean
ds_metric_series_get_bounds (DsMetricSeries *self,
                             gboolean        positive_only,
                             double         *x_min,
                             double         *x_max,
                             double         *y_min,
                             double         *y_max)
{
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;

  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), FALSE);

  for (guint i = 0; i < self->points->len; i++)
    {
      const DsPoint *p = &g_array_index (self->points, DsPoint, i);

      if (!isfinite (p->y) || (positive_only && p->y <= 0))
        continue;
      x0 = MIN (x0, p->x);
      x1 = MAX (x1, p->x);
      y0 = MIN (y0, p->y);
      y1 = MAX (y1, p->y);
    }
  if (x0 > x1)
    return FALSE;
  if (x_min)
    *x_min = x0;
  if (x_max)
    *x_max = x1;
  if (y_min)
    *y_min = y0;
  if (y_max)
    *y_max = y1;
  return TRUE;
}

int
ds_metric_series_find_best (DsMetricSeries *self,
                            gboolean        maximize)
{
  int best = -1;

  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), -1);

  for (guint i = 0; i < self->points->len; i++)
    {
      double y = g_array_index (self->points, DsPoint, i).y;

      if (!isfinite (y))
        continue;
      if (best < 0
          || (maximize ? y > g_array_index (self->points, DsPoint, best).y
                       : y < g_array_index (self->points, DsPoint, best).y))
        best = (int) i;
    }
  return best;
}

int
ds_metric_series_find_nearest (DsMetricSeries *self,
                               double          x)
{
  const DsPoint *p;
  guint lo = 0, hi;

  g_return_val_if_fail (DS_IS_METRIC_SERIES (self), -1);
  if (self->points->len == 0)
    return -1;

  /* x is ascending: bisect, then pick the closer neighbour. */
  p = (const DsPoint *) self->points->data;
  hi = self->points->len - 1;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (p[mid].x < x)
        lo = mid + 1;
      else
        hi = mid;
    }
  if (lo > 0 && fabs (p[lo - 1].x - x) <= fabs (p[lo].x - x))
    lo--;
  return (int) lo;
}

gboolean
ds_metric_key_maximizes (const char *key)
{
  /* Keras history keys: "accuracy", "val_binary_accuracy"; errors and
   * losses go down. */
  return key != NULL && strstr (key, "acc") != NULL;
}

void
ds_smooth_ema (const DsPoint *points,
               guint          n,
               double         weight,
               double        *out)
{
  double last = 0, debias = 0;

  weight = CLAMP (weight, 0.0, 0.999);
  for (guint i = 0; i < n; i++)
    {
      double y = points[i].y;

      if (!isfinite (y))
        {
          out[i] = y;
          continue;
        }
      last = last * weight + (1 - weight) * y;
      debias = debias * weight + (1 - weight);
      out[i] = weight > 0 ? last / debias : y;
    }
}
