/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window fits a 1280-pixel-wide screen (a classroom projector) in the
 * language given as the first argument (en; ru, whose words are longer): with each of several samples open, the window's minimum width
 * is at most 1280. A failure prints, from the window down, the chain of
 * widgets that asks for the most width, so the culprit is named. */
#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-i18n.h"
#include "ds-window.h"
#include "ui-test-util.h"

#define SCREEN_WIDTH 1280

static void
test_fits (gconstpointer data)
{
  static const char *const views[] = { "data", "build", "train", "inspect", "generate" };
  const char *sample = data;
  DsWindow *window = ds_window_new (NULL);
  g_autofree char *path = ui_sample_path (sample);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  gtk_window_set_default_size (GTK_WINDOW (window), SCREEN_WIDTH, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (100);
  g_assert_true (ds_window_open (window, file) == window);
  for (guint i = 0; i < G_N_ELEMENTS (views); i++)
    {
      int min;

      ds_window_set_visible_view (window, views[i]);
      ui_spin (300);
      min = ui_min_width (GTK_WIDGET (window));
      g_test_message ("%s, %s view: the window needs %d px", sample, views[i], min);
      if (min > SCREEN_WIDTH)
        {
          g_autoptr(GString) chain = g_string_new (NULL);

          ui_describe_widest (GTK_WIDGET (window), chain, 0);
          g_test_message ("The widest widgets:\n%s", chain->str);
        }
      g_assert_cmpint (min, <=, SCREEN_WIDTH);
    }
  ui_stop_run_and_close (window);
}

int
main (int    argc,
      char **argv)
{
  static const char *const samples[] = {
    "fashion_mlp.json", "seattle_gru.json", "fortunes_lstm.json", "fashion_vae_conv.json",
  };

  /* The language is the first argument (en, ru), set before anything
   * translates. */
  if (argc > 1 && argv[1][0] != '-')
    {
      g_setenv ("LANGUAGE", argv[1], TRUE);
      argv[1] = argv[0];
      argv++;
      argc--;
    }
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  ds_i18n_init ();
  ui_test_init (&argc, &argv);
  for (guint i = 0; i < G_N_ELEMENTS (samples); i++)
    {
      g_autofree char *name = g_strdup_printf ("/ui/width/%s", samples[i]);

      g_test_add_data_func (name, samples[i], test_fits);
    }
  return g_test_run ();
}
