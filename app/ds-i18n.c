/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-i18n.c: where the programs find their message catalogues. */
#include "ds-i18n-config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "ds-i18n.h"

static char *locale_dir;

/* TRUE when the running executable lies under the meson build directory:
 * there its catalogues are build/po/CODE/LC_MESSAGES/deepscope.mo, compiled
 * by `ninja` without `meson install`. */
static gboolean
running_from_build_tree (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *prefix = g_strconcat (DS_BUILD_ROOT, G_DIR_SEPARATOR_S, NULL);

  return exe != NULL && g_str_has_prefix (exe, prefix);
}

const char *
ds_i18n_locale_dir (void)
{
  return locale_dir;
}

void
ds_i18n_init (void)
{
  setlocale (LC_ALL, "");
  if (locale_dir == NULL)
    locale_dir = g_strdup (running_from_build_tree () ? DS_BUILD_LOCALE_DIR : DS_LOCALE_DIR);
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
