/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-model-json: model files (MODEL-FORMAT.md) from bytes.
 *
 * nn_model_load_from_data reads the text; a model that loads is then taken
 * through shape inference, the summary and a write + read round trip, the
 * paths the editor takes on every file it opens; the written text must
 * read back and write again unchanged. */
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init_logging ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_model_load_from_data ((const char *) data, (gssize) size, &error);
  fuzz_check_result (m != NULL, error);
  if (m == NULL)
    return 0;

  g_autoptr(GError) infer_error = NULL;
  gboolean inferred = nn_model_infer (m, &infer_error);
  fuzz_check_result (inferred, infer_error);
  if (inferred)
    {
      g_autoptr(GError) summary_error = NULL;
      g_autofree char *summary = nn_model_summary (m, &summary_error);
      fuzz_check_result (summary != NULL, summary_error);
    }

  /* What was read is written back and must read again. */
  g_autoptr(GError) write_error = NULL;
  g_autofree char *json = nn_model_to_json (m, TRUE, &write_error);
  fuzz_check_result (json != NULL, write_error);
  if (json != NULL)
    {
      g_autoptr(GError) reload_error = NULL;
      g_autoptr(NnModel) again = nn_model_load_from_data (json, -1, &reload_error);
      if (again == NULL)
        {
          g_printerr ("A model that loaded does not load once written back: %s\n%s\n",
                      reload_error->message, json);
          abort ();
        }
      /* MODEL-FORMAT.md: loading a written file and writing it again gives
       * the same text. */
      g_autofree char *json2 = nn_model_to_json (again, TRUE, NULL);
      if (json2 == NULL || !g_str_equal (json, json2))
        {
          g_printerr ("Writing a model read back from its own file changes the text:\n"
                      "%s\n----\n%s\n", json, json2 ? json2 : "(no text)");
          abort ();
        }
    }
  return 0;
}
