/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope: the desktop application. */
#include "ds-application.h"
#include "ds-i18n.h"
#include "nn.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DsApplication) app = NULL;

  /* Training fills the cores; the window's frames come first. */
  nn_set_compute_nice (DS_COMPUTE_NICE);
  /* The language follows the desktop's locale (LANGUAGE, LC_ALL, ...); set
   * before anything translates (GLib decides once whether to translate). */
  ds_i18n_init ();
  /* It may re-execute the program with a better BLAS kernel. */
  nn_init (argc, argv);
  app = ds_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
