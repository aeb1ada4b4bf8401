/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data.c: datasets in general. Arrays and their lifetime, train/test
 * splits, per-batch gathering with conversion to float, normalization and
 * one-hot targets. Specs ("spirals:n=500:seed=3") are read in
 * nn-data-open.c; the loaders live in nn-data-idx.c, nn-data-csv.c,
 * nn-data-png.c and nn-data-toy.c. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n-lib.h>

/* ------------------------------------------------------------------------ */
/* Arrays                                                                   */
/* ------------------------------------------------------------------------ */

size_t
nn_dtype_size (NnDType dtype)
{
  switch (dtype)
    {
    case NN_DTYPE_U8:
      return 1;
    case NN_DTYPE_F32:
      return sizeof (float);
    case NN_DTYPE_I32:
      return sizeof (gint32);
    default:
      g_assert_not_reached ();
    }
}

NnArray *
nn_array_new (const char *name,
              NnDType     dtype,
              int         ndim,
              const int  *shape,
              size_t      n,
              GError    **error)
{
  g_return_val_if_fail (ndim >= 0 && ndim <= NN_MAX_DIMS, NULL);

  size_t sample_size = 1;
  for (int i = 0; i < ndim; i++)
    {
      g_return_val_if_fail (shape[i] > 0, NULL);
      sample_size *= (size_t) shape[i];
    }

  size_t esize = nn_dtype_size (dtype);
  if (sample_size > NN_DATA_MAX_ELEMENTS
      || (n > 0 && sample_size > NN_DATA_MAX_ELEMENTS / n))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                   "“%s” would hold %zu × %zu values, more than the %" G_GUINT64_FORMAT " allowed",
                   name, n, sample_size, NN_DATA_MAX_ELEMENTS);
      return NULL;
    }

  void *data = NULL;
  size_t bytes = n * sample_size * esize;
  if (bytes > 0)
    {
      data = g_try_malloc0 (bytes);
      if (data == NULL)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_SIZE,
                       _("Not enough memory for “%s” (%zu MB)"), name, bytes >> 20);
          return NULL;
        }
    }

  NnArray *a = g_new0 (NnArray, 1);
  a->name = g_strdup (name);
  a->dtype = dtype;
  a->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    a->shape[i] = shape[i];
  a->sample_size = sample_size;
  a->n = n;
  a->data = data;
  return a;
}

void
nn_array_free (NnArray *a)
{
  if (a == NULL)
    return;
  g_free (a->name);
  g_free (a->data);
  g_free (a->scale);
  g_free (a->offset);
  if (a->feature_names != NULL)
    {
      for (size_t i = 0; i < a->sample_size; i++)
        g_free (a->feature_names[i]);
      g_free (a->feature_names);
    }
  g_free (a);
}

void
nn_array_set_uniform_scale (NnArray *a,
                            float    scale,
                            float    offset)
{
  if (a->scale == NULL)
    a->scale = g_new (float, a->sample_size);
  if (a->offset == NULL)
    a->offset = g_new (float, a->sample_size);
  for (size_t j = 0; j < a->sample_size; j++)
    {
      a->scale[j] = scale;
      a->offset[j] = offset;
    }
}

float
nn_array_get (const NnArray *a,
              size_t         sample,
              size_t         feature)
{
  g_return_val_if_fail (a != NULL, 0.f);
  g_return_val_if_fail (sample < a->n && feature < a->sample_size, 0.f);

  size_t k = sample * a->sample_size + feature;
  float raw;
  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      raw = ((const guint8 *) a->data)[k];
      break;
    case NN_DTYPE_I32:
      raw = (float) ((const gint32 *) a->data)[k];
      break;
    case NN_DTYPE_F32:
    default:
      raw = ((const float *) a->data)[k];
      break;
    }
  float s = a->scale != NULL ? a->scale[feature] : 1.f;
  float o = a->offset != NULL ? a->offset[feature] : 0.f;
  return raw * s + o;
}

/* The per-batch hot path. One small function per (dtype, scaled) pair, each
 * a single loop over a sample with restrict pointers and no branch inside,
 * so that the compiler turns it into widening loads and vector FMAs. */

static inline void
row_u8_scaled (const guint8 *restrict src,
               const float  *restrict scale,
               const float  *restrict offset,
               float        *restrict dst,
               size_t                 m)
{
  for (size_t j = 0; j < m; j++)
    dst[j] = (float) src[j] * scale[j] + offset[j];
}

static inline void
row_u8 (const guint8 *restrict src,
        float        *restrict dst,
        size_t                 m)
{
  for (size_t j = 0; j < m; j++)
    dst[j] = (float) src[j];
}

static inline void
row_i32_scaled (const gint32 *restrict src,
                const float  *restrict scale,
                const float  *restrict offset,
                float        *restrict dst,
                size_t                 m)
{
  for (size_t j = 0; j < m; j++)
    dst[j] = (float) src[j] * scale[j] + offset[j];
}

static inline void
row_i32 (const gint32 *restrict src,
         float        *restrict dst,
         size_t                 m)
{
  for (size_t j = 0; j < m; j++)
    dst[j] = (float) src[j];
}

static inline void
row_f32_scaled (const float *restrict src,
                const float *restrict scale,
                const float *restrict offset,
                float       *restrict dst,
                size_t                m)
{
  for (size_t j = 0; j < m; j++)
    dst[j] = src[j] * scale[j] + offset[j];
}

void
nn_array_gather (const NnArray  *a,
                 const guint32  *idx,
                 size_t          n,
                 float          *out)
{
  /* Batches pick rows at random from arrays far larger than the caches, so
   * the first lines of every row come from memory: asking for the row two
   * ahead while converting this one hides most of that wait. */
#define GATHER_PREFETCH(base, esize)                                        \
  do                                                                        \
    if (i + 2 < n && idx[i + 2] < a->n)                                     \
      {                                                                     \
        const char *next_ = (const char *) (base) + (size_t) idx[i + 2] * m * (esize); \
        size_t bytes_ = MIN (m * (esize), (size_t) 4096);                   \
        for (size_t o_ = 0; o_ < bytes_; o_ += 64)                          \
          __builtin_prefetch (next_ + o_);                                  \
      }                                                                     \
  while (0)

  g_return_if_fail (a != NULL);
  g_return_if_fail (n == 0 || (idx != NULL && out != NULL));

  const size_t m = a->sample_size;
  const float *scale = a->scale, *offset = a->offset;
  const gboolean scaled = scale != NULL && offset != NULL;

  if (!scaled && (scale != NULL || offset != NULL))
    {
      /* Only one of the two set: rare enough to take the slow path. */
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
          out[i * m + j] = nn_array_get (a, idx[i], j);
      return;
    }

  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      {
        const guint8 *base = a->data;
        for (size_t i = 0; i < n; i++)
          {
            g_assert (idx[i] < a->n);
            GATHER_PREFETCH (base, 1);
            if (scaled)
              row_u8_scaled (base + (size_t) idx[i] * m, scale, offset, out + i * m, m);
            else
              row_u8 (base + (size_t) idx[i] * m, out + i * m, m);
          }
      }
      break;
    case NN_DTYPE_I32:
      {
        const gint32 *base = a->data;
        for (size_t i = 0; i < n; i++)
          {
            g_assert (idx[i] < a->n);
            GATHER_PREFETCH (base, sizeof (gint32));
            if (scaled)
              row_i32_scaled (base + (size_t) idx[i] * m, scale, offset, out + i * m, m);
            else
              row_i32 (base + (size_t) idx[i] * m, out + i * m, m);
          }
      }
      break;
    case NN_DTYPE_F32:
      {
        const float *base = a->data;
        for (size_t i = 0; i < n; i++)
          {
            g_assert (idx[i] < a->n);
            GATHER_PREFETCH (base, sizeof (float));
            if (scaled)
              row_f32_scaled (base + (size_t) idx[i] * m, scale, offset, out + i * m, m);
            else
              memcpy (out + i * m, base + (size_t) idx[i] * m, m * sizeof (float));
          }
      }
      break;
    default:
      g_assert_not_reached ();
    }
#undef GATHER_PREFETCH
}

/* ------------------------------------------------------------------------ */
/* Datasets and splits                                                      */
/* ------------------------------------------------------------------------ */

NnDataset *
nn_dataset_alloc (const char *name,
                  int         n_inputs,
                  int         n_targets)
{
  NnDataset *ds = g_new0 (NnDataset, 1);
  ds->name = g_strdup (name);
  ds->n_inputs = n_inputs;
  ds->n_targets = n_targets;
  ds->inputs = g_new0 (NnArray *, MAX (n_inputs, 1));
  ds->targets = g_new0 (NnArray *, MAX (n_targets, 1));
  return ds;
}

void
nn_dataset_free (NnDataset *ds)
{
  if (ds == NULL)
    return;
  g_free (ds->name);
  g_free (ds->spec);
  for (int i = 0; i < ds->n_inputs; i++)
    nn_array_free (ds->inputs[i]);
  for (int i = 0; i < ds->n_targets; i++)
    nn_array_free (ds->targets[i]);
  nn_array_free (ds->points);
  g_free (ds->inputs);
  g_free (ds->targets);
  if (ds->class_names != NULL)
    {
      for (int i = 0; i < ds->n_classes; i++)
        g_free (ds->class_names[i]);
      g_free (ds->class_names);
    }
  g_free (ds->test_idx);
  g_free (ds->train_idx);
  g_strfreev (ds->notes);
  g_free (ds->boxes);
  nn_series_free (ds->series);
  nn_vocab_free (ds->vocab);
  g_strfreev (ds->texts);
  nn_array_free (ds->labels);
  if (ds->label_names != NULL)
    {
      for (int i = 0; i < ds->n_label_classes; i++)
        g_free (ds->label_names[i]);
      g_free (ds->label_names);
    }
  g_free (ds);
}

int
nn_dataset_get_label (const NnDataset     *ds,
                      size_t               sample,
                      int                 *n_classes,
                      const char *const  **names)
{
  g_return_val_if_fail (ds != NULL, -1);
  const NnArray *y = NULL;
  int k = 0, label = -1;
  const char *const *nm = NULL;
  if (ds->labels != NULL && ds->n_label_classes > 0)
    y = ds->labels, k = ds->n_label_classes, nm = (const char *const *) ds->label_names;
  else if (ds->n_classes > 0 && ds->n_targets >= 1)
    y = ds->targets[0], k = ds->n_classes, nm = (const char *const *) ds->class_names;
  if (n_classes != NULL)
    *n_classes = k;
  if (names != NULL)
    *names = nm;
  if (y == NULL || sample >= y->n)
    return -1;
  if (y->sample_size == 1)
    label = (int) nn_array_get (y, sample, 0);
  else if ((int) y->sample_size == k)
    {
      float best = -G_MAXFLOAT;
      for (size_t c = 0; c < y->sample_size; c++)
        if (nn_array_get (y, sample, c) > best)
          {
            best = nn_array_get (y, sample, c);
            label = (int) c;
          }
    }
  return label >= 0 && label < k ? label : -1;
}

const char *const *
nn_dataset_get_notes (const NnDataset *ds)
{
  static const char *const none[] = { NULL };
  g_return_val_if_fail (ds != NULL, none);
  return ds->notes != NULL ? (const char *const *) ds->notes : none;
}

gboolean
nn_dataset_get_box (const NnDataset *ds,
                    gboolean         test,
                    size_t           i,
                    int              box[4])
{
  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (box != NULL, FALSE);

  if (ds->boxes == NULL || i >= (test ? ds->n_test : ds->n_train))
    return FALSE;
  memcpy (box, ds->boxes + 4 * (size_t) (test ? ds->test_idx : ds->train_idx)[i],
          4 * sizeof (int));
  return TRUE;
}

void
nn_dataset_split_tail (NnDataset *ds,
                       size_t     n_test)
{
  g_assert (n_test <= ds->n);
  g_clear_pointer (&ds->train_idx, g_free);
  g_clear_pointer (&ds->test_idx, g_free);
  ds->n_train = ds->n - n_test;
  ds->n_test = n_test;
  ds->train_idx = g_new (guint32, MAX (ds->n_train, 1));
  ds->test_idx = g_new (guint32, MAX (ds->n_test, 1));
  for (size_t i = 0; i < ds->n_train; i++)
    ds->train_idx[i] = (guint32) i;
  for (size_t i = 0; i < n_test; i++)
    ds->test_idx[i] = (guint32) (ds->n_train + i);
}

static void
array_compact (NnArray        *a,
               const gboolean *keep,
               size_t          n_keep)
{
  size_t sb = a->sample_size * nn_dtype_size (a->dtype);
  guint8 *d = a->data;
  size_t j = 0;
  for (size_t i = 0; i < a->n; i++)
    if (keep[i])
      {
        if (i != j)
          memmove (d + j * sb, d + i * sb, sb);
        j++;
      }
  g_assert (j == n_keep);
  /* Give back the memory of what was dropped (a limit of 1000 on
   * Fashion-MNIST keeps 8 MB of 55). */
  if (j < a->n && j > 0)
    {
      void *p = g_try_realloc (a->data, j * sb);
      if (p != NULL)
        a->data = p;
    }
  else if (j == 0)
    g_clear_pointer (&a->data, g_free);
  a->n = j;
}

void
nn_dataset_compact (NnDataset      *ds,
                    const gboolean *keep)
{
  size_t n_keep = 0;
  for (size_t i = 0; i < ds->n; i++)
    n_keep += keep[i] ? 1 : 0;

  gboolean *is_test = g_new0 (gboolean, MAX (ds->n, 1));
  for (size_t i = 0; i < ds->n_test; i++)
    is_test[ds->test_idx[i]] = TRUE;

  for (int i = 0; i < ds->n_inputs; i++)
    array_compact (ds->inputs[i], keep, n_keep);
  for (int i = 0; i < ds->n_targets; i++)
    array_compact (ds->targets[i], keep, n_keep);
  if (ds->boxes != NULL)
    for (size_t i = 0, j = 0; i < ds->n; i++)
      if (keep[i])
        memmove (ds->boxes + 4 * j++, ds->boxes + 4 * i, 4 * sizeof (int));

  guint32 *train = g_new (guint32, MAX (n_keep, 1));
  guint32 *test = g_new (guint32, MAX (n_keep, 1));
  size_t n_train = 0, n_test = 0, j = 0;
  for (size_t i = 0; i < ds->n; i++)
    if (keep[i])
      {
        if (is_test[i])
          test[n_test++] = (guint32) j;
        else
          train[n_train++] = (guint32) j;
        j++;
      }
  g_free (is_test);
  g_free (ds->train_idx);
  g_free (ds->test_idx);
  ds->train_idx = train;
  ds->test_idx = test;
  ds->n_train = n_train;
  ds->n_test = n_test;
  ds->n = n_keep;
}

gboolean
nn_dataset_keep_classes (NnDataset  *ds,
                         int         target,
                         const int  *classes,
                         int         k,
                         GError    **error)
{
  g_assert (target >= 0 && target < ds->n_targets);
  NnArray *t = ds->targets[target];
  g_assert (t->dtype == NN_DTYPE_I32 && t->sample_size == 1);

  int n_classes = ds->n_classes;
  g_autofree int *map = g_new (int, MAX (n_classes, 1));
  for (int c = 0; c < n_classes; c++)
    map[c] = -1;
  for (int i = 0; i < k; i++)
    {
      if (classes[i] < 0 || classes[i] >= n_classes)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("%s has no class %d: classes are 0 to %d"),
                       ds->name, classes[i], n_classes - 1);
          return FALSE;
        }
      if (map[classes[i]] >= 0)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       _("Class %d is listed twice in “classes”"), classes[i]);
          return FALSE;
        }
      map[classes[i]] = i;
    }

  const gint32 *lab = t->data;
  g_autofree gboolean *keep = g_new (gboolean, MAX (ds->n, 1));
  size_t n_keep = 0;
  for (size_t i = 0; i < ds->n; i++)
    {
      gint32 c = lab[i];
      keep[i] = c >= 0 && c < n_classes && map[c] >= 0;
      n_keep += keep[i];
    }
  if (n_keep == 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("%s has no samples of the chosen classes"), ds->name);
      return FALSE;
    }

  nn_dataset_compact (ds, keep);
  gint32 *lab2 = t->data;
  for (size_t i = 0; i < t->n; i++)
    lab2[i] = map[lab2[i]];

  if (ds->class_names != NULL)
    {
      char **names = g_new0 (char *, k + 1);
      for (int i = 0; i < k; i++)
        names[i] = g_strdup (ds->class_names[classes[i]]);
      for (int c = 0; c < n_classes; c++)
        g_free (ds->class_names[c]);
      g_free (ds->class_names);
      ds->class_names = names;
    }
  ds->n_classes = k;
  return TRUE;
}

void
nn_dataset_limit_train (NnDataset *ds,
                        size_t     limit)
{
  if (limit >= ds->n_train)
    return;
  g_autofree gboolean *keep = g_new (gboolean, MAX (ds->n, 1));
  for (size_t i = 0; i < ds->n; i++)
    keep[i] = FALSE;
  for (size_t i = 0; i < ds->n_test; i++)
    keep[ds->test_idx[i]] = TRUE;
  /* train_idx is ascending: the first `limit` entries are the first samples. */
  for (size_t i = 0; i < limit; i++)
    keep[ds->train_idx[i]] = TRUE;
  nn_dataset_compact (ds, keep);
}

gboolean
nn_data_cancelled (GCancellable  *cancel,
                   GError       **error)
{
  if (cancel == NULL || !g_cancellable_is_cancelled (cancel))
    return FALSE;
  g_set_error_literal (error, NN_DATA_ERROR, NN_DATA_ERROR_CANCELLED,
                       _("Loading the dataset was cancelled"));
  return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Preprocessing                                                            */
/* ------------------------------------------------------------------------ */

/* Adds sample s's raw values to acc[] (one double per feature). */
static void
accumulate_sample (const NnArray *a,
                   size_t         s,
                   double        *restrict acc,
                   const double  *restrict center,
                   gboolean       squares)
{
  const size_t m = a->sample_size;
  const size_t base = s * m;
  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      {
        const guint8 *x = (const guint8 *) a->data + base;
        if (squares)
          for (size_t j = 0; j < m; j++)
            {
              double d = x[j] - center[j];
              acc[j] += d * d;
            }
        else
          for (size_t j = 0; j < m; j++)
            acc[j] += x[j];
      }
      break;
    case NN_DTYPE_I32:
      {
        const gint32 *x = (const gint32 *) a->data + base;
        if (squares)
          for (size_t j = 0; j < m; j++)
            {
              double d = x[j] - center[j];
              acc[j] += d * d;
            }
        else
          for (size_t j = 0; j < m; j++)
            acc[j] += x[j];
      }
      break;
    case NN_DTYPE_F32:
      {
        const float *x = (const float *) a->data + base;
        if (squares)
          for (size_t j = 0; j < m; j++)
            {
              double d = x[j] - center[j];
              acc[j] += d * d;
            }
        else
          for (size_t j = 0; j < m; j++)
            acc[j] += x[j];
      }
      break;
    default:
      g_assert_not_reached ();
    }
}

static double
raw_value (const NnArray *a,
           size_t         k)
{
  switch (a->dtype)
    {
    case NN_DTYPE_U8:
      return ((const guint8 *) a->data)[k];
    case NN_DTYPE_I32:
      return ((const gint32 *) a->data)[k];
    case NN_DTYPE_F32:
    default:
      return ((const float *) a->data)[k];
    }
}

void
nn_dataset_normalize (NnDataset *ds,
                      int        input,
                      NnNorm     norm)
{
  g_return_if_fail (ds != NULL);
  g_return_if_fail (input >= 0 && input < ds->n_inputs);

  NnArray *a = ds->inputs[input];
  const size_t m = a->sample_size;

  if (norm == NN_NORM_NONE)
    {
      g_clear_pointer (&a->scale, g_free);
      g_clear_pointer (&a->offset, g_free);
      return;
    }
  if (norm == NN_NORM_SYMMETRIC)
    {
      /* on top of the loader's own scale: 2 (scale v + offset) - 1 */
      if (a->scale == NULL)
        nn_array_set_uniform_scale (a, 1.f, 0.f);
      for (size_t j = 0; j < m; j++)
        {
          a->scale[j] *= 2.f;
          a->offset[j] = 2.f * a->offset[j] - 1.f;
        }
      return;
    }

  /* Statistics come from the training split only: the test samples must
   * not leak into what the model sees while it learns. */
  const guint32 *idx = ds->train_idx;
  size_t n = ds->n_train;
  g_autofree guint32 *all = NULL;
  if (n == 0)
    {
      /* No split at all: every sample is training data. */
      n = a->n;
      all = g_new (guint32, MAX (n, 1));
      for (size_t i = 0; i < n; i++)
        all[i] = (guint32) i;
      idx = all;
    }
  if (n == 0)
    return;

  float *scale = g_new (float, m);
  float *offset = g_new (float, m);
  const double floor_ = 1e-7;

  if (norm == NN_NORM_MEANSTD)
    {
      g_autofree double *mean = g_new0 (double, m);
      g_autofree double *var = g_new0 (double, m);
      for (size_t i = 0; i < n; i++)
        accumulate_sample (a, idx[i], mean, NULL, FALSE);
      for (size_t j = 0; j < m; j++)
        mean[j] /= (double) n;
      /* Second pass around the mean: no cancellation for large offsets. */
      for (size_t i = 0; i < n; i++)
        accumulate_sample (a, idx[i], var, mean, TRUE);
      for (size_t j = 0; j < m; j++)
        {
          double sd = sqrt (var[j] / (double) n);
          if (!(sd >= floor_))
            sd = floor_;
          scale[j] = (float) (1.0 / sd);
          offset[j] = (float) (-mean[j] / sd);
        }
    }
  else
    {
      g_autofree double *lo = g_new (double, m);
      g_autofree double *hi = g_new (double, m);
      for (size_t j = 0; j < m; j++)
        {
          lo[j] = INFINITY;
          hi[j] = -INFINITY;
        }
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < m; j++)
          {
            double v = raw_value (a, (size_t) idx[i] * m + j);
            lo[j] = MIN (lo[j], v);
            hi[j] = MAX (hi[j], v);
          }
      for (size_t j = 0; j < m; j++)
        {
          double range = hi[j] - lo[j];
          if (!(range >= floor_))
            range = floor_;
          scale[j] = (float) (1.0 / range);
          offset[j] = (float) (-lo[j] / range);
        }
    }

  g_free (a->scale);
  g_free (a->offset);
  a->scale = scale;
  a->offset = offset;
}

gboolean
nn_dataset_one_hot (NnDataset  *ds,
                    int         target,
                    GError    **error)
{
  g_return_val_if_fail (ds != NULL, FALSE);
  g_return_val_if_fail (target >= 0 && target < ds->n_targets, FALSE);

  NnArray *t = ds->targets[target];
  if (t->dtype != NN_DTYPE_I32 || t->sample_size != 1)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                   _("Target “%s” is not a class label, so it has no one-hot form"),
                   t->name);
      return FALSE;
    }

  const gint32 *lab = t->data;
  int n_classes = ds->n_classes;
  if (n_classes <= 0)
    for (size_t i = 0; i < t->n; i++)
      n_classes = MAX (n_classes, lab[i] + 1);
  for (size_t i = 0; i < t->n; i++)
    if (lab[i] < 0 || lab[i] >= n_classes)
      {
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_FORMAT,
                     _("Sample %zu of “%s” has class %d, outside 0 to %d"),
                     i, t->name, lab[i], n_classes - 1);
        return FALSE;
      }
  if (n_classes <= 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   _("Target “%s” has no classes"), t->name);
      return FALSE;
    }

  int shape[1] = { n_classes };
  NnArray *oh = nn_array_new (t->name, NN_DTYPE_F32, 1, shape, t->n, error);
  if (oh == NULL)
    return FALSE;
  float *d = oh->data;
  for (size_t i = 0; i < t->n; i++)
    d[i * n_classes + lab[i]] = 1.f;
  if (ds->class_names != NULL && ds->n_classes == n_classes)
    {
      oh->feature_names = g_new0 (char *, n_classes);
      for (int c = 0; c < n_classes; c++)
        oh->feature_names[c] = g_strdup (ds->class_names[c]);
    }
  nn_array_free (t);
  ds->targets[target] = oh;
  return TRUE;
}
