/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The confusion matrix of a classifier on a dataset's samples, per-class
 * precision and recall, and the lists of samples behind each cell and
 * behind the most confident mistakes (nn_confusion_compute). */
#include <math.h>
#include <string.h>
#include <glib/gi18n-lib.h>

#include "nn.h"

/* Samples predicted per call (one progress report and cancel point each). */
#define CONFUSION_BATCH 512

void
nn_confusion_free (NnConfusion *c)
{
  if (c == NULL)
    return;
  if (c->class_names != NULL)
    for (int k = 0; k < c->n_classes; k++)
      g_free (c->class_names[k]);
  g_free (c->class_names);
  g_free (c->counts);
  g_free (c->precision);
  g_free (c->recall);
  g_free (c->index);
  g_free (c->truth);
  g_free (c->predicted);
  g_free (c->confidence);
  g_free (c);
}

/* Output 0's units, or 0 with the reason when it does not classify. */
static int
classifier_units (NnModel *m, GError **error)
{
  if (nn_model_get_n_outputs (m) < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model has no output: mark its last layer as the output"));
      return 0;
    }
  NnRef out = nn_model_get_output (m, 0);
  const char *name = nn_model_layer_get_name (m, out.layer);
  int ndim = 0, shape[NN_MAX_DIMS] = { 0 };
  if (!nn_model_infer (m, error))
    return 0;
  if (!nn_model_get_shape (m, out, &ndim, shape))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The shape of output “%s” is unknown: fix the model's errors first"), name);
      return 0;
    }
  NnLoss loss = nn_model_output_get_loss (m, 0);
  int units = (int) nn_shape_size (ndim, shape);
  gboolean classifies = ndim == 1
                        && ((loss == NN_LOSS_BINARY_CROSSENTROPY && units == 1)
                            || ((loss == NN_LOSS_CATEGORICAL_CROSSENTROPY
                                 || loss == NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY)
                                && units >= 2));
  if (!classifies)
    {
      g_autofree char *text = nn_shape_to_string (ndim, shape, 0);
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("Output “%s” (%s, loss %s) does not classify: a confusion matrix needs a "
                   "softmax output of 2 or more units or one sigmoid unit with a "
                   "cross-entropy loss"),
                   name, text, nn_loss_name (loss));
      return 0;
    }
  return units;
}

/* The true class of sample i of target array a: a class number (one
 * value), or the largest of a one-hot vector; -1 when out of range. */
static int
true_class (const NnArray *a, size_t i, int n_classes, gboolean sigmoid)
{
  if (a->sample_size == 1)
    {
      float v = nn_array_get (a, i, 0);
      if (sigmoid)
        return v > 0.5f;
      if (!(v >= 0.0f) || v >= (float) n_classes || v != floorf (v))
        return -1;
      return (int) v;
    }
  size_t best = 0;
  for (size_t j = 1; j < a->sample_size; j++)
    if (nn_array_get (a, i, j) > nn_array_get (a, i, best))
      best = j;
  return (int) best;
}

NnConfusion *
nn_confusion_compute (NnModel *m, NnDataset *ds, const guint32 *idx, size_t n,
                      NnFilterProgress progress, gpointer user_data, GError **error)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_return_val_if_fail (ds != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!nn_model_has_weights (m))
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The model “%s” has no weights: train it first"), nn_model_get_name (m));
      return NULL;
    }
  int units = classifier_units (m, error);
  if (units == 0)
    return NULL;
  gboolean sigmoid = units == 1;
  int n_classes = sigmoid ? 2 : units;
  if (idx == NULL)
    {
      idx = ds->test_idx;
      n = ds->n_test;
    }
  if (n == 0 || idx == NULL)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("There are no samples to count: the dataset “%s” has no test split"), ds->name);
      return NULL;
    }
  if (ds->n_targets < 1)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The dataset “%s” has no targets to compare the predictions with"), ds->name);
      return NULL;
    }
  const NnArray *t = ds->targets[0];
  if (t->sample_size != 1 && t->sample_size != (size_t) units)
    {
      g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                   _("The dataset “%s” gives %zu target values per sample, but output “%s” has "
                   "%d units: give one class number or a one-hot vector of %d"),
                   ds->name, t->sample_size,
                   nn_model_layer_get_name (m, nn_model_get_output (m, 0).layer), units, units);
      return NULL;
    }
  for (size_t i = 0; i < n; i++)
    if (idx[i] >= ds->n)
      {
        g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                     _("Sample %u is out of range: the dataset “%s” has %zu samples"), idx[i],
                     ds->name, ds->n);
        return NULL;
      }

  g_autoptr (NnConfusion) c = g_new0 (NnConfusion, 1);
  c->n_classes = n_classes;
  c->class_names = g_new0 (char *, n_classes);
  for (int k = 0; k < n_classes; k++)
    c->class_names[k] = ds->class_names != NULL && k < ds->n_classes && ds->class_names[k]
                            ? g_strdup (ds->class_names[k])
                            : g_strdup_printf ("%d", k);
  c->n = n;
  c->counts = g_new0 (guint32, (size_t) n_classes * (size_t) n_classes);
  c->precision = g_new (double, n_classes);
  c->recall = g_new (double, n_classes);
  c->index = g_new (guint32, n);
  c->truth = g_new (int, n);
  c->predicted = g_new (int, n);
  c->confidence = g_new (float, n);

  int batches = (int) ((n + CONFUSION_BATCH - 1) / CONFUSION_BATCH);
  for (size_t first = 0; first < n; first += CONFUSION_BATCH)
    {
      size_t b_n = MIN ((size_t) CONFUSION_BATCH, n - first);
      g_autoptr (NnTensor)
          p = nn_model_predict (m, ds, idx + first, b_n, 0, CONFUSION_BATCH, error);
      if (p == NULL)
        return NULL;
      for (size_t b = 0; b < b_n; b++)
        {
          size_t i = first + b;
          const float *row = p->data + b * (size_t) units;
          int pred = 0;
          float conf;
          if (sigmoid)
            {
              /* as nn_model_evaluate counts binary accuracy */
              pred = row[0] > 0.5f;
              conf = pred ? row[0] : 1.0f - row[0];
            }
          else
            {
              for (int j = 1; j < units; j++)
                if (row[j] > row[pred])
                  pred = j;
              conf = row[pred];
            }
          int truth = true_class (t, idx[i], n_classes, sigmoid);
          if (truth < 0)
            {
              g_set_error (error, NN_TRAIN_ERROR, NN_TRAIN_ERROR_CONFIG,
                           _("Sample %u of the dataset “%s” has class %g, outside 0 to %d of "
                           "output “%s”"),
                           idx[i], ds->name, nn_array_get (t, idx[i], 0), n_classes - 1,
                           nn_model_layer_get_name (m, nn_model_get_output (m, 0).layer));
              return NULL;
            }
          c->index[i] = idx[i];
          c->truth[i] = truth;
          c->predicted[i] = pred;
          c->confidence[i] = conf;
          c->counts[(size_t) truth * (size_t) n_classes + (size_t) pred]++;
        }
      if (progress != NULL
          && !progress ((int) (first / CONFUSION_BATCH) + 1, batches, NULL, user_data))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                       _("Counting the confusion of “%s” was cancelled"), nn_model_get_name (m));
          return NULL;
        }
    }

  size_t right = 0;
  for (int k = 0; k < n_classes; k++)
    {
      guint64 row = 0, col = 0;
      guint32 hit = c->counts[(size_t) k * (size_t) n_classes + (size_t) k];
      for (int j = 0; j < n_classes; j++)
        {
          row += c->counts[(size_t) k * (size_t) n_classes + (size_t) j];
          col += c->counts[(size_t) j * (size_t) n_classes + (size_t) k];
        }
      c->recall[k] = row ? (double) hit / (double) row : NAN;
      c->precision[k] = col ? (double) hit / (double) col : NAN;
      right += hit;
    }
  c->accuracy = (double) right / (double) n;
  return g_steal_pointer (&c);
}

/* Sorts positions by confidence, the highest first; ties in sample order. */
static int
by_confidence (gconstpointer a, gconstpointer b, gpointer user_data)
{
  const NnConfusion *c = user_data;
  size_t i = *(const size_t *) a, j = *(const size_t *) b;
  if (c->confidence[i] != c->confidence[j])
    return c->confidence[i] > c->confidence[j] ? -1 : 1;
  return i < j ? -1 : i > j;
}

size_t
nn_confusion_most_wrong (const NnConfusion *c, size_t *positions, size_t max)
{
  g_return_val_if_fail (c != NULL, 0);
  g_return_val_if_fail (positions != NULL || max == 0, 0);
  g_autofree size_t *wrong = g_new (size_t, MAX (c->n, 1));
  size_t n_wrong = 0;
  for (size_t i = 0; i < c->n; i++)
    if (c->truth[i] != c->predicted[i])
      wrong[n_wrong++] = i;
  g_qsort_with_data (wrong, (gint) n_wrong, sizeof (size_t), by_confidence, (gpointer) c);
  size_t k = MIN (n_wrong, max);
  if (k > 0)
    memcpy (positions, wrong, k * sizeof (size_t));
  return k;
}

size_t
nn_confusion_cell (const NnConfusion *c, int truth, int predicted, size_t *positions, size_t max)
{
  g_return_val_if_fail (c != NULL, 0);
  g_return_val_if_fail (positions != NULL || max == 0, 0);
  if (truth < 0 || truth >= c->n_classes || predicted < 0 || predicted >= c->n_classes)
    return 0;
  size_t k = 0;
  for (size_t i = 0; i < c->n && k < max; i++)
    if (c->truth[i] == truth && c->predicted[i] == predicted)
      positions[k++] = i;
  return k;
}
