/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-csv: CSV tables (nn_csv_load_full).
 *
 * The whole input is the file. Its last byte also picks the options (so a
 * plain CSV file is a seed as it is): the missing-value strategy, the task,
 * the normalization, the test fraction and whether the target is the
 * column named "y" or the last one. */
#include "fuzz-common.h"

#include "nn-data-private.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const NnMissing missing[] = {
    NN_MISSING_ERROR, NN_MISSING_DROP, NN_MISSING_MEAN, NN_MISSING_ZERO,
  };
  static const NnNorm norms[] = { NN_NORM_MEANSTD, NN_NORM_MINMAX, NN_NORM_NONE, NN_NORM_MEANSTD };
  static const double tests[] = { 0.0, -1.0, 0.5, 0.9 };
  unsigned o = size > 0 ? data[size - 1] : 0;

  NnCsvOptions opt = {
    .target = (o >> 7) & 1 ? "y" : NULL,
    .missing = missing[o & 3],
    .classify = (o >> 2) & 1,
    .test_fraction = tests[(o >> 5) & 3],
  };
  gboolean auto_task = (o >> 3) & 1;
  NnNorm norm = norms[((o >> 4) & 1) | ((o >> 6) & 1) << 1];

  g_autofree char *path = NULL;
  int fd = fuzz_memfd ("table.csv", data, size, &path);
  g_autoptr(GError) error = NULL;
  int n_missing = -1;
  g_autoptr(NnDataset) ds = nn_csv_load_full (path, &opt, auto_task, norm, &n_missing, NULL,
                                              &error);
  fuzz_check_result (ds != NULL, error);
  if (ds != NULL)
    {
      g_assert (n_missing >= 0);
      g_assert (ds->n > 0 && ds->n_train + ds->n_test == ds->n);
      /* Every row of every array reads as floats, as the trainer reads them. */
      g_autofree guint32 *all = g_new (guint32, ds->n);
      for (size_t i = 0; i < ds->n; i++)
        all[i] = (guint32) i;
      for (int k = 0; k < ds->n_inputs + ds->n_targets; k++)
        {
          NnArray *a = k < ds->n_inputs ? ds->inputs[k] : ds->targets[k - ds->n_inputs];
          g_autofree float *out = g_new (float, ds->n * MAX (a->sample_size, 1));
          nn_array_gather (a, all, ds->n, out);
        }
      if (ds->n_classes > 0)
        {
          g_autoptr(GError) oh_error = NULL;
          gboolean ok = nn_dataset_one_hot (ds, 0, &oh_error);
          fuzz_check_result (ok, oh_error);
        }
    }
  close (fd);
  return 0;
}
