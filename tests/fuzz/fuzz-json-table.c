/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-json-table: JSON tables (nn_json_table_load, what json:PATH, PATH.json
 * and cars open).
 *
 * The whole input is the file. Its last byte also picks the options (so a
 * plain JSON table is a seed as it is): the target ("y" or the last
 * member), whether "name" is dropped, the task, the normalization, the test
 * fraction and the seed. */
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
  static const NnNorm norms[] = { NN_NORM_MEANSTD, NN_NORM_MINMAX, NN_NORM_NONE, NN_NORM_MEANSTD };
  static const double tests[] = { 0.2, 0.0, 0.5, 0.9 };
  unsigned o = size > 0 ? data[size - 1] : 0;

  NnJsonTableOptions opt = {
    .target = (o >> 7) & 1 ? "y" : NULL,
    .drop = (o >> 6) & 1 ? "name" : NULL,
    .norm = norms[o & 3],
    .auto_task = (o >> 2) & 1,
    .classify = (o >> 3) & 1,
    .test_fraction = tests[(o >> 4) & 3],
    .seed = o,
  };

  g_autofree char *path = NULL;
  int fd = fuzz_memfd ("table.json", data, size, &path);
  g_autoptr(GError) error = NULL;
  g_autoptr(NnDataset) ds = nn_json_table_load (path, NULL, &opt, NULL, &error);
  fuzz_check_result (ds != NULL, error);
  if (ds != NULL)
    {
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
    }
  close (fd);
  return 0;
}
