/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-keras-import: TF.js Layers model.json and Keras model JSON files
 * with their weight shard (nn_import_keras_from_data).
 *
 * The input up to its first NUL byte is model.json; the bytes after it are
 * group1-shard1of1.bin, written beside it in a scratch folder (an input
 * without a NUL has an empty shard). A failed import must say why; a model
 * that imports is exported to TF.js again and must import again. */
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

static char *
scratch (const char *tag)
{
  g_autofree char *name = g_strdup_printf ("fuzz-keras-%s-XXXXXX", tag);
  return g_dir_make_tmp (name, NULL);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, 0, size);
  size_t json_len = nul ? (size_t) (nul - data) : size;
  g_autofree char *dir = scratch ("in");
  g_assert (dir != NULL);
  g_autofree char *shard = g_build_filename (dir, "group1-shard1of1.bin", NULL);
  g_assert (g_file_set_contents (shard, nul ? (const char *) nul + 1 : "",
                                 nul ? (gssize) (size - json_len - 1) : 0, NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_import_keras_from_data ((const char *) data, (gssize) json_len,
                                                    dir, NULL, &error);
  fuzz_check_result (m != NULL, error);
  fuzz_remove_tree (dir);
  if (m == NULL)
    return 0;

  /* What imported exports again (or says why not) and imports again. */
  g_autofree char *out = scratch ("out");
  g_autoptr(GError) export_error = NULL;
  gboolean exported = nn_export_tfjs (m, out, &export_error);
  fuzz_check_result (exported, export_error);
  if (exported)
    {
      g_autofree char *json = g_build_filename (out, "model.json", NULL);
      g_autoptr(GError) again_error = NULL;
      g_autoptr(NnModel) again = nn_import_keras (json, NULL, &again_error);
      if (again == NULL)
        g_error ("an exported model does not import: %s", again_error->message);
    }
  fuzz_remove_tree (out);
  return 0;
}
