/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-i18n.h: the programs' gettext set-up (README "Languages"). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* setlocale (LC_ALL, "") and the text domain GETTEXT_PACKAGE, bound to the
 * catalogues in the build tree (build/po) when the running program lies in
 * the build tree, else to the installed locale directory. The language then
 * follows LANGUAGE, LC_ALL, LC_MESSAGES and LANG. */
void ds_i18n_init (void);

/* The directory ds_i18n_init() bound the text domain to. */
const char *ds_i18n_locale_dir (void);

G_END_DECLS
