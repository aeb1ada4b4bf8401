/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include "config.h"

#include <dlfcn.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-util.h"

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

guint
ds_ms_until_tick (gint64 period_us)
{
  gint64 now = g_get_monotonic_time ();
  gint64 wait = period_us - now % period_us;

  return (guint) (wait / 1000) + 1;
}

/* Mesa's software OpenGL (llvmpipe, softpipe, swrast: no GPU, a virtual
 * machine, Xvfb, a remote display) draws every frame on the CPU, in threads
 * of its own that compete with training for the cores: on a two-core
 * machine the charts' ten frames a second took one core, and training ran
 * at half speed. GTK's cairo renderer draws the same frames for a few
 * percent of one core. So when OpenGL is software, windows use cairo. Asked
 * once, before the first window is realized; GSK_RENDERER, if the user set
 * it, wins. Returns whether it chose cairo. */
gboolean
ds_prefer_cairo_on_software_gl (void)
{
  static const char *const libs[] = { "libGL.so.1", "libOpenGL.so.0", "libGLESv2.so.2" };
  static const char *const software[] = { "llvmpipe", "softpipe", "swrast", "Software Rasterizer" };
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr(GdkGLContext) context = NULL;
  const char *(*get_string) (unsigned int) = NULL;
  const char *renderer = NULL;

  gboolean chose = FALSE;

  if (g_getenv ("GSK_RENDERER") || display == NULL)
    return FALSE;
  context = gdk_display_create_gl_context (display, NULL);
  if (context == NULL || !gdk_gl_context_realize (context, NULL))
    return FALSE;
  gdk_gl_context_make_current (context);
  /* GTK loaded the GL library already: look glGetString up there */
  for (guint i = 0; i < G_N_ELEMENTS (libs) && get_string == NULL; i++)
    {
      void *lib = dlopen (libs[i], RTLD_LAZY | RTLD_NOLOAD);

      if (lib)
        {
          get_string = (const char *(*) (unsigned int)) dlsym (lib, "glGetString");
          dlclose (lib);
        }
    }
  if (get_string)
    renderer = get_string (0x1F01);   /* GL_RENDERER */
  for (guint i = 0; renderer && i < G_N_ELEMENTS (software); i++)
    if (strstr (renderer, software[i]))
      {
        g_debug ("OpenGL renderer \"%s\" is software: drawing with cairo", renderer);
        g_setenv ("GSK_RENDERER", "cairo", TRUE);
        chose = TRUE;
        break;
      }
  gdk_gl_context_clear_current ();
  return chose;
}

static void
popover_shown_cb (GtkWidget *popover,
                  GtkWidget *owner)
{
  gtk_widget_set_has_tooltip (owner, FALSE);
}

static void
popover_hidden_cb (GtkWidget *popover,
                   GtkWidget *owner)
{
  /* Only an owner that has something to say gets its tooltip back. */
  if (gtk_widget_get_tooltip_text (owner) || gtk_widget_get_tooltip_markup (owner))
    gtk_widget_set_has_tooltip (owner, TRUE);
}

void
ds_quiet_tooltip_for_popover (GtkWidget *owner,
                              GtkWidget *popover)
{
  g_return_if_fail (GTK_IS_WIDGET (owner));
  g_return_if_fail (GTK_IS_POPOVER (popover));
  g_signal_connect_object (popover, "show", G_CALLBACK (popover_shown_cb), owner, 0);
  g_signal_connect_object (popover, "hide", G_CALLBACK (popover_hidden_cb), owner, 0);
}

void
ds_quiet_tooltip_while_open (GtkWidget *owner)
{
  g_return_if_fail (GTK_IS_WIDGET (owner));
  for (GtkWidget *c = gtk_widget_get_first_child (owner); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      ds_quiet_tooltip_for_popover (owner, c);
}
