/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "config.h"

#include <string.h>

#include "ds-util.h"

void
ds_group_color (NnLayerGroup  group,
                GdkRGBA      *out)
{
  /* GNOME palette colours, picked to stay distinct from each other and from
   * the error red. */
  static const char *const colors[NN_N_GROUPS] = {
    [NN_GROUP_INPUT] = "#3584e4",
    [NN_GROUP_CORE] = "#9141ac",
    [NN_GROUP_CONVOLUTION] = "#e66100",
    [NN_GROUP_POOLING] = "#c88800",
    [NN_GROUP_NORMALIZATION] = "#26a269",
    [NN_GROUP_REGULARIZATION] = "#2190a4",
    [NN_GROUP_SEQUENCE] = "#986a44",
    [NN_GROUP_MERGE] = "#c061cb",
    [NN_GROUP_GENERATIVE] = "#dc5c8c",
    [NN_GROUP_MODEL] = "#77767b",
  };
  const char *c = group >= 0 && group < NN_N_GROUPS && colors[group] ? colors[group] : "#77767b";

  gdk_rgba_parse (out, c);
}

char *
ds_format_count (gint64 n)
{
  char digits[32];
  GString *s = g_string_new (NULL);
  int len, i;

  if (n < 0)
    {
      g_string_append_c (s, '-');
      n = -n;
    }
  len = g_snprintf (digits, sizeof digits, "%" G_GINT64_FORMAT, n);
  for (i = 0; i < len; i++)
    {
      if (i > 0 && (len - i) % 3 == 0)
        g_string_append_c (s, ',');
      g_string_append_c (s, digits[i]);
    }
  return g_string_free (s, FALSE);
}

char *
ds_pretty_param_name (const char *name)
{
  char *s = g_strdup (name);

  for (char *p = s; *p; p++)
    if (*p == '_')
      *p = ' ';
  if (s[0])
    s[0] = g_ascii_toupper (s[0]);
  return s;
}

char *
ds_dup_samples_dir (void)
{
  const char *env = g_getenv ("DEEPSCOPE_SAMPLES");

  if (env && *env)
    return g_strdup (env);
  if (g_file_test (DS_SAMPLES_DIR, G_FILE_TEST_IS_DIR))
    return g_strdup (DS_SAMPLES_DIR);
  return g_strdup (DS_SOURCE_SAMPLES_DIR);
}

char *
ds_file_display_name (GFile *file)
{
  if (file == NULL)
    return g_strdup ("Untitled");
  return g_file_get_basename (file);
}

guint
ds_ms_until_tick (gint64 period_us)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait = period_us - now % period_us;

  return (guint) (wait / 1000) + 1;
}
