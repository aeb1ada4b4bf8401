/* SPDX-License-Identifier: GPL-3.0-or-later */
/* nn-data.c: datasets in general. Arrays and their lifetime, dataset specs
 * ("spirals:n=500:seed=3"), train/test splits, per-batch gathering with
 * conversion to float, normalization and one-hot targets. The loaders live
 * in nn-data-idx.c, nn-data-csv.c and nn-data-toy.c. */
#define G_LOG_DOMAIN "nn-data"

#include "nn-data-private.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define FASHION_MNIST_DIR "/usr/share/datasets/fashion-mnist"

static const char *const fashion_mnist_classes[] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
};

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
                       "Not enough memory for “%s” (%zu MB)", name, bytes >> 20);
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
  g_free (ds);
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
                       "%s has no class %d: classes are 0 to %d",
                       ds->name, classes[i], n_classes - 1);
          return FALSE;
        }
      if (map[classes[i]] >= 0)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "Class %d is listed twice in “classes”", classes[i]);
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
                   "%s has no samples of the chosen classes", ds->name);
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
                       "Loading the dataset was cancelled");
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
                   "Target “%s” is not a class label, so it has no one-hot form",
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
                     "Sample %zu of “%s” has class %d, outside 0 to %d",
                     i, t->name, lab[i], n_classes - 1);
        return FALSE;
      }
  if (n_classes <= 0)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_EMPTY,
                   "Target “%s” has no classes", t->name);
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

/* ------------------------------------------------------------------------ */
/* Specs: "name[:key=value]..."                                             */
/* ------------------------------------------------------------------------ */

typedef struct {
  char  *name;
  GPtrArray *keys;    /* char*, owned */
  GPtrArray *values;  /* char*, owned */
} Spec;

static void
spec_clear (Spec *s)
{
  g_free (s->name);
  g_clear_pointer (&s->keys, g_ptr_array_unref);
  g_clear_pointer (&s->values, g_ptr_array_unref);
}

/* Segments that contain '=' are options; the segments before the first
 * option make up the name, so a path with ':' in it still works. */
static gboolean
spec_parse (const char  *text,
            Spec        *s,
            GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);
  GString *name = g_string_new (NULL);
  s->keys = g_ptr_array_new_with_free_func (g_free);
  s->values = g_ptr_array_new_with_free_func (g_free);

  gboolean in_options = FALSE;
  for (int i = 0; parts[i] != NULL; i++)
    {
      const char *eq = strchr (parts[i], '=');
      if (i > 0 && eq != NULL)
        in_options = TRUE;
      if (!in_options)
        {
          if (i > 0)
            g_string_append_c (name, ':');
          g_string_append (name, parts[i]);
          continue;
        }
      if (eq == NULL || eq == parts[i])
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "“%s” in “%s” is not an option: options are written key=value",
                       parts[i], text);
          g_string_free (name, TRUE);
          return FALSE;
        }
      g_ptr_array_add (s->keys, g_strstrip (g_strndup (parts[i], eq - parts[i])));
      g_ptr_array_add (s->values, g_strstrip (g_strdup (eq + 1)));
    }
  s->name = g_strstrip (g_string_free (name, FALSE));
  if (s->name[0] == '\0')
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "The dataset spec “%s” names no dataset", text);
      return FALSE;
    }
  return TRUE;
}

/* The last value given for key, or NULL. */
static const char *
spec_get (const Spec *s,
          const char *key)
{
  for (guint i = s->keys->len; i > 0; i--)
    if (g_str_equal (g_ptr_array_index (s->keys, i - 1), key))
      return g_ptr_array_index (s->values, i - 1);
  return NULL;
}

static gboolean
spec_check_keys (const Spec         *s,
                 const char         *what,
                 const char *const  *accepted,
                 GError            **error)
{
  for (guint i = 0; i < s->keys->len; i++)
    {
      const char *key = g_ptr_array_index (s->keys, i);
      if (g_strv_contains (accepted, key))
        continue;
      /* Every loader also takes normalize (nn_dataset_open reads it for
       * all but CSV); CSV's older name for it, norm, is not advertised. */
      GString *list = g_string_new (NULL);
      for (int k = 0; accepted[k]; k++)
        if (!g_str_equal (accepted[k], "norm") && !g_str_equal (accepted[k], "normalize"))
          g_string_append_printf (list, "%s, ", accepted[k]);
      g_string_append (list, "normalize");
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "Unknown option “%s” for %s; accepted: %s", key, what, list->str);
      g_string_free (list, TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
spec_get_uint (const Spec  *s,
               const char  *key,
               guint64      def,
               guint64      min,
               guint64      max,
               guint64     *out,
               GError     **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (v, 10, min, max, out, NULL))
    {
      if (max == G_MAXUINT64)
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                     "Option “%s” must be a whole number, not “%s”", key, v);
      else
        g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                     "Option “%s” must be a whole number from %" G_GUINT64_FORMAT
                     " to %" G_GUINT64_FORMAT ", not “%s”", key, min, max, v);
      return FALSE;
    }
  return TRUE;
}

static gboolean
spec_get_double (const Spec  *s,
                 const char  *key,
                 double       def,
                 double       min,
                 double       max,
                 double      *out,
                 GError     **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  char *end = NULL;
  double d = g_ascii_strtod (v, &end);
  if (end == v || *end != '\0' || !isfinite (d) || d < min || d > max)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "Option “%s” must be a number from %g to %g, not “%s”",
                   key, min, max, v);
      return FALSE;
    }
  *out = d;
  return TRUE;
}

/* Index of the value of key within choices, def if absent. */
static gboolean
spec_get_choice (const Spec         *s,
                 const char         *key,
                 const char *const  *choices,
                 int                 def,
                 int                *out,
                 GError            **error)
{
  const char *v = spec_get (s, key);
  *out = def;
  if (v == NULL)
    return TRUE;
  for (int i = 0; choices[i] != NULL; i++)
    if (g_ascii_strcasecmp (v, choices[i]) == 0)
      {
        *out = i;
        return TRUE;
      }
  g_autofree char *list = g_strjoinv ("|", (char **) choices);
  g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
               "Option “%s” must be one of %s, not “%s”", key, list, v);
  return FALSE;
}

/* Applies :classes=a,b,... and :limit=N to an image-classification set. */
static gboolean
apply_classes_limit (NnDataset   *ds,
                     const Spec  *s,
                     GError     **error)
{
  const char *classes = spec_get (s, "classes");
  if (classes != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (classes, ",", -1);
      int k = (int) g_strv_length (parts);
      g_autofree int *list = g_new (int, MAX (k, 1));
      for (int i = 0; i < k; i++)
        {
          gint64 c;
          g_strstrip (parts[i]);
          if (!g_ascii_string_to_signed (parts[i], 10, 0, G_MAXINT, &c, NULL))
            {
              g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           "Option “classes” takes class numbers separated by commas "
                           "(e.g. classes=5,7), not “%s”", classes);
              return FALSE;
            }
          list[i] = (int) c;
        }
      if (k < 2)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "Option “classes” needs at least two classes, not “%s”", classes);
          return FALSE;
        }
      if (!nn_dataset_keep_classes (ds, 0, list, k, error))
        return FALSE;
    }

  guint64 limit;
  if (!spec_get_uint (s, "limit", G_MAXUINT32, 1, G_MAXUINT32, &limit, error))
    return FALSE;
  nn_dataset_limit_train (ds, (size_t) limit);
  return TRUE;
}

static NnDataset *
open_fashion_mnist (const Spec    *s,
                    GCancellable  *cancel,
                    GError       **error)
{
  static const char *const keys[] = { "classes", "limit", "dir", NULL };
  if (!spec_check_keys (s, "fashion-mnist", keys, error))
    return NULL;

  const char *dir = spec_get (s, "dir");
  if (dir == NULL)
    dir = g_getenv ("DEEPSCOPE_FASHION_MNIST_DIR");
  if (dir == NULL || dir[0] == '\0')
    dir = FASHION_MNIST_DIR;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_IO,
                   "Fashion-MNIST is not in %s: install the dataset-fashion-mnist "
                   "package, or point DEEPSCOPE_FASHION_MNIST_DIR or :dir= at its files",
                   dir);
      return NULL;
    }

  g_autoptr(NnDataset) ds = nn_idx_load_dir (dir, "fashion-mnist", fashion_mnist_classes,
                                             G_N_ELEMENTS (fashion_mnist_classes), TRUE,
                                             cancel, error);
  if (ds == NULL || !apply_classes_limit (ds, s, error))
    return NULL;
  return g_steal_pointer (&ds);
}

static NnDataset *
open_idx_dir (const Spec    *s,
              GCancellable  *cancel,
              GError       **error)
{
  static const char *const keys[] = { "classes", "limit", NULL };
  g_autofree char *base = g_path_get_basename (s->name);
  if (!spec_check_keys (s, base, keys, error))
    return NULL;
  g_autoptr(NnDataset) ds = nn_idx_load_dir (s->name, base, NULL, 0, FALSE, cancel, error);
  if (ds == NULL || !apply_classes_limit (ds, s, error))
    return NULL;
  return g_steal_pointer (&ds);
}

static const char *const toy_names[] = { "spirals", "moons", "circles", "xor", "blobs", NULL };

static NnDataset *
open_toy (NnToyKind     kind,
          const Spec   *s,
          GError      **error)
{
  static const char *const keys[] = { "n", "noise", "seed", "classes", "test", NULL };
  if (!spec_check_keys (s, toy_names[kind], keys, error))
    return NULL;

  guint64 n, seed, classes;
  double noise, test;
  if (!spec_get_uint (s, "n", 1000, 4, 10000000, &n, error)
      || !spec_get_double (s, "noise", -1.0, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_uint (s, "classes", 0, 2, 32, &classes, error)
      || !spec_get_double (s, "test", 0.2, 0.05, 0.95, &test, error))
    return NULL;
  NnDataset *ds = nn_dataset_new_toy (kind, (size_t) n, noise, (int) classes, seed, error);
  /* test=F holds out that share (the playground's training/test ratio). */
  if (ds != NULL)
    nn_dataset_split_tail (ds, (size_t) floor ((double) ds->n * test + 0.5));
  return ds;
}

/* plane|gaussians[:n=N][:noise=F][:seed=S][:test=F]: regression over the plane. */
static NnDataset *
open_toy_regression (const Spec   *s,
                     GError      **error)
{
  static const char *const keys[] = { "n", "noise", "seed", "test", NULL };
  if (!spec_check_keys (s, s->name, keys, error))
    return NULL;
  guint64 n, seed;
  double noise, test;
  if (!spec_get_uint (s, "n", 1000, 4, 10000000, &n, error)
      || !spec_get_double (s, "noise", 0.05, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", 0.2, 0.05, 0.95, &test, error))
    return NULL;
  NnDataset *ds = nn_dataset_new_toy_regression (s->name, (size_t) n, noise, seed, error);
  if (ds != NULL)
    nn_dataset_split_tail (ds, (size_t) floor ((double) ds->n * test + 0.5));
  return ds;
}

/* A folder with one sub-folder of PNG images per class:
 * DIR[:size=HxW][:channels=1|3][:skip=true|false][:test=F][:seed=S] */
static NnDataset *
open_png_dir (const Spec    *s,
              GCancellable  *cancel,
              GError       **error)
{
  static const char *const keys[] = { "size", "channels", "skip", "test", "seed", NULL };
  if (!spec_check_keys (s, "a PNG folder", keys, error))
    return NULL;
  NnPngOptions opt;
  nn_png_options_init (&opt);
  const char *size = spec_get (s, "size");
  if (size != NULL)
    {
      unsigned h = 0, w = 0;
      char tail;
      if (sscanf (size, "%ux%u%c", &h, &w, &tail) != 2 || h < 1 || w < 1 || h > 4096 || w > 4096)
        {
          g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                       "size must be HEIGHTxWIDTH between 1x1 and 4096x4096, like 64x64, not “%s”",
                       size);
          return NULL;
        }
      opt.height = (int) h;
      opt.width = (int) w;
    }
  guint64 channels, seed;
  double test;
  static const char *const bools[] = { "false", "true", NULL };
  int skip = 1;
  if (!spec_get_choice (s, "skip", bools, 1, &skip, error)
      || !spec_get_uint (s, "channels", 0, 0, 3, &channels, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error)
      || !spec_get_double (s, "test", 0.2, 0.0, 0.9, &test, error))
    return NULL;
  if (channels == 2)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN, "channels must be 1 or 3");
      return NULL;
    }
  opt.channels = (int) channels;
  opt.skip_bad = skip == 1;
  opt.seed = seed;
  opt.test_fraction = test;
  return nn_png_folder_load (s->name, &opt, NULL, cancel, error);
}

static NnDataset *
open_regression (const Spec   *s,
                 GError      **error)
{
  static const char *const keys[] = { "n", "features", "noise", "seed", NULL };
  if (!spec_check_keys (s, "regression", keys, error))
    return NULL;
  guint64 n, features, seed;
  double noise;
  if (!spec_get_uint (s, "n", 1000, 2, 10000000, &n, error)
      || !spec_get_uint (s, "features", 8, 1, 4096, &features, error)
      || !spec_get_double (s, "noise", 0.1, 0.0, 10.0, &noise, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error))
    return NULL;
  return nn_dataset_new_regression ((size_t) n, (int) features, noise, seed, error);
}

static NnDataset *
open_twoinput (const Spec   *s,
               GError      **error)
{
  static const char *const keys[] = { "n", "seed", NULL };
  if (!spec_check_keys (s, "twoinput", keys, error))
    return NULL;
  guint64 n, seed;
  if (!spec_get_uint (s, "n", 1000, 2, 10000000, &n, error)
      || !spec_get_uint (s, "seed", 1, 0, G_MAXUINT64, &seed, error))
    return NULL;
  return nn_dataset_new_twoinput ((size_t) n, seed, error);
}

static NnDataset *
open_csv (const Spec    *s,
          GCancellable  *cancel,
          GError       **error)
{
  /* "norm" is the older name of "normalize" (model files written before
   * one option served every dataset); CSV features default to meanstd. */
  static const char *const keys[] = { "target", "missing", "task", "normalize", "norm", "test",
                                      NULL };
  static const char *const missing_choices[] = { "error", "drop", "mean", "zero", NULL };
  static const NnMissing missing_values[] = {
    NN_MISSING_ERROR, NN_MISSING_DROP, NN_MISSING_MEAN, NN_MISSING_ZERO,
  };
  static const char *const task_choices[] = { "auto", "classify", "regress", NULL };
  static const char *const norm_choices[] = { "none", "meanstd", "minmax", NULL };
  static const NnNorm norm_values[] = { NN_NORM_NONE, NN_NORM_MEANSTD, NN_NORM_MINMAX };

  g_autofree char *base = g_path_get_basename (s->name);
  if (!spec_check_keys (s, base, keys, error))
    return NULL;

  int missing, task, norm;
  double test;
  const char *norm_key = spec_get (s, "normalize") ? "normalize" : "norm";
  if (spec_get (s, "normalize") && spec_get (s, "norm"))
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "%s: give normalize once (norm is its older name)", base);
      return NULL;
    }
  if (!spec_get_choice (s, "missing", missing_choices, 0, &missing, error)
      || !spec_get_choice (s, "task", task_choices, 0, &task, error)
      || !spec_get_choice (s, norm_key, norm_choices, 1, &norm, error)
      || !spec_get_double (s, "test", 0.2, 0.0, 0.9, &test, error))
    return NULL;

  NnCsvOptions opt = {
    .target = spec_get (s, "target"),
    .missing = missing_values[missing],
    .classify = task == 1,
    .test_fraction = test,
  };
  /* test=0 asks for no test split; the struct's 0 means "default". */
  if (test == 0.0)
    opt.test_fraction = -1.0;
  return nn_csv_load_full (s->name, &opt, task == 0, norm_values[norm], NULL, cancel, error);
}

NnDataset *
nn_dataset_open (const char    *spec,
                 GCancellable  *cancel,
                 GError       **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (spec == NULL || spec[0] == '\0')
    {
      g_set_error_literal (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                           "No dataset given: use fashion-mnist, spirals, moons, circles, "
                           "xor, blobs, plane, gaussians, regression, twoinput, a .csv file or a folder of IDX files");
      return NULL;
    }

  Spec s = { 0 };
  NnDataset *ds = NULL;
  if (!spec_parse (spec, &s, error))
    goto out;

  /* ":normalize=meanstd|minmax" applies to every dataset: it is taken out
   * before the loader sees its own options; the CSV loader, which
   * normalizes by default, reads it itself. */
  gboolean csv = g_str_has_suffix (s.name, ".csv") || g_str_has_suffix (s.name, ".CSV");
  NnNorm norm = NN_NORM_NONE;
  for (guint k = 0; k < s.keys->len && !csv; k++)
    if (g_str_equal (s.keys->pdata[k], "normalize"))
      {
        const char *v = s.values->pdata[k];
        if (g_str_equal (v, "meanstd"))
          norm = NN_NORM_MEANSTD;
        else if (g_str_equal (v, "minmax"))
          norm = NN_NORM_MINMAX;
        else if (!g_str_equal (v, "none"))
          {
            g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                         "normalize must be meanstd, minmax or none, not “%s”", v);
            goto out;
          }
        g_ptr_array_remove_index (s.keys, k);
        g_ptr_array_remove_index (s.values, k);
        break;
      }
  /* ":features=x1,x1sq,..." likewise: computed from the 2-D points before
   * any normalization. */
  guint features = 0;
  /* (regression's own features=N is the number of its inputs.) */
  for (guint k = 0; k < s.keys->len && !g_str_equal (s.name, "regression"); k++)
    if (g_str_equal (s.keys->pdata[k], "features"))
      {
        if (!nn_features_parse (s.values->pdata[k], &features, error))
          goto out;
        g_ptr_array_remove_index (s.keys, k);
        g_ptr_array_remove_index (s.values, k);
        break;
      }

  if (g_str_equal (s.name, "fashion-mnist"))
    ds = open_fashion_mnist (&s, cancel, error);
  else if (g_strv_contains (toy_names, s.name))
    {
      NnToyKind kind = 0;
      while (!g_str_equal (toy_names[kind], s.name))
        kind++;
      ds = open_toy (kind, &s, error);
    }
  else if (g_str_equal (s.name, "plane") || g_str_equal (s.name, "gaussians"))
    ds = open_toy_regression (&s, error);
  else if (g_str_equal (s.name, "regression"))
    ds = open_regression (&s, error);
  else if (g_str_equal (s.name, "twoinput"))
    ds = open_twoinput (&s, error);
  else if (csv)
    ds = open_csv (&s, cancel, error);
  else if (g_file_test (s.name, G_FILE_TEST_IS_DIR) && nn_png_folder_detect (s.name))
    ds = open_png_dir (&s, cancel, error);
  else if (g_file_test (s.name, G_FILE_TEST_IS_DIR))
    ds = open_idx_dir (&s, cancel, error);
  else
    g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                 "Unknown dataset “%s”: use fashion-mnist, spirals, moons, circles, xor, "
                 "blobs, plane, gaussians, regression, twoinput, a .csv file or a folder "
                 "of IDX files",
                 s.name);

  if (ds != NULL && features != 0 && !nn_dataset_apply_features (ds, features, error))
    g_clear_pointer (&ds, nn_dataset_free);
  if (ds != NULL && norm != NN_NORM_NONE)
    for (int k = 0; k < ds->n_inputs; k++)
      nn_dataset_normalize (ds, k, norm);
  if (ds != NULL)
    {
      g_free (ds->spec);
      ds->spec = g_strdup (spec);
    }

out:
  spec_clear (&s);
  return ds;
}
