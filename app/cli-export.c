/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli export MODEL.json --format keras|tfjs|onnx --out DIR and
 * deepscope-cli import PATH [--weights MANIFEST] --out MODEL.json. */
#include <stdio.h>
#include <glib/gi18n.h>

#include "cli-export.h"

static const char *const formats[] = { "keras", "tfjs", "onnx", NULL };

gboolean
cli_export_check (const char *format, const char *out, GError **error)
{
  if (format == NULL || !g_strv_contains (formats, format))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("export needs --format keras, tfjs or onnx%s%s%s"), format ? ", not “" : "",
                   format ? format : "", format ? "”" : "");
      return FALSE;
    }
  if (out == NULL || *out == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("export needs --out DIR, the folder to write"));
      return FALSE;
    }
  return TRUE;
}

int
cli_export_run (NnModel *m, const char *format, const char *out, GError **error)
{
  gboolean ok;
  if (g_str_equal (format, "tfjs"))
    ok = nn_export_tfjs (m, out, error);
  else if (g_str_equal (format, "keras"))
    ok = nn_export_keras (m, out, error);
  else
    ok = nn_export_onnx (m, out, error);
  g_autofree char *note = ok && g_str_equal (format, "tfjs") ? nn_export_tfjs_note (m) : NULL;
  if (note)
    printf ("note: %s\n", note);
  if (ok)
    printf ("%s: %s\n", format, out);
  return ok ? 0 : 1;
}

int
cli_import_run (const char *path, const char *weights, const char *out, gboolean quiet,
                GError **error)
{
  if (out == NULL || *out == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("import needs --out MODEL.json, the Deepscope model file to write"));
      return 2;
    }
  g_autoptr (NnModel) m = nn_import_keras (path, weights, error);
  if (m == NULL || !nn_model_save (m, out, TRUE, error))
    return 1;
  if (!quiet)
    {
      g_autofree char *summary = nn_model_summary (m, NULL);
      if (summary)
        fputs (summary, stdout);
    }
  printf ("saved %s\n", out);
  return 0;
}
