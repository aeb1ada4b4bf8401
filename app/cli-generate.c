/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli generate: a character model writes text from a seed text,
 * one character at a time, at one temperature (streamed to stdout as it
 * comes) or at several side by side (one batch, printed in turn). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "cli-generate.h"
#include "cli-inspect.h"

#define MAX_LENGTH 1000000
#define DEFAULT_LENGTH 400
#define DEFAULT_TEMPERATURE 0.5
#define MAX_TEMPERATURE 100.0

static gboolean
bad_value (const char *option, const char *range, const char *text, GError **error)
{
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, _("--%s takes %s, not “%s”"),
               option, range, text);
  return FALSE;
}

/* A temperature: a finite number from 0 to MAX_TEMPERATURE, all of text. */
static gboolean
parse_temperature (const char *text, double *out)
{
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (text, &end);
  if (!*text || g_ascii_isspace (*text) || *end || errno == ERANGE || !isfinite (v) || v < 0
      || v > MAX_TEMPERATURE)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
cli_generate_check (const CliGenerateOptions *o, CliGenerateConfig *cfg, GError **error)
{
  memset (cfg, 0, sizeof *cfg);
  if (!o->seed_text)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("generate starts from --seed-text \"TEXT\": give that option (an empty "
                   "text starts from padding)"));
      return FALSE;
    }
  if (o->temperature && o->temperatures)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--temperature and --temperatures both set the temperature: give one "
                   "of them"));
      return FALSE;
    }
  cfg->length = DEFAULT_LENGTH;
  if (o->length)
    {
      gint64 v;
      if (!g_ascii_string_to_signed (o->length, 10, 1, MAX_LENGTH, &v, NULL))
        return bad_value ("length", _("a whole number of characters from 1 to 1000000"),
                          o->length, error);
      cfg->length = (int) v;
    }
  const char *range = _("a temperature from 0 to 100 (0: always the likeliest character)");
  cfg->n_temperatures = 1;
  cfg->temperatures[0] = DEFAULT_TEMPERATURE;
  if (o->temperature && !parse_temperature (o->temperature, &cfg->temperatures[0]))
    return bad_value ("temperature", range, o->temperature, error);
  if (o->temperatures)
    {
      g_auto (GStrv) items = g_strsplit (o->temperatures, ",", -1);
      int n = (int) g_strv_length (items);
      if (n < 1 || n > NN_TEXTGEN_MAX_STREAMS)
        return bad_value ("temperatures", _("1 to 16 temperatures separated by commas "
                          "(0.2,0.5,1.0)"), o->temperatures, error);
      for (int i = 0; i < n; i++)
        if (!parse_temperature (g_strstrip (items[i]), &cfg->temperatures[i]))
          return bad_value ("temperatures", _("temperatures from 0 to 100 separated by commas "
                            "(0.2,0.5,1.0)"), o->temperatures, error);
      cfg->n_temperatures = n;
    }
  return TRUE;
}

/* One temperature: each character goes out as it is chosen. */
static gboolean
print_cb (int stream, int step, const char *token, gpointer user_data)
{
  fputs (token, stdout);
  fflush (stdout);
  return TRUE;
}

/* Several: a count on stderr while the batch runs. */
static gboolean
count_cb (int stream, int step, const char *token, gpointer user_data)
{
  const int *length = user_data;
  if (stream == 0 && (step % 20 == 19 || step == *length - 1))
    fprintf (stderr, _("\r%d/%d characters "), step + 1, *length);
  return TRUE;
}

/* The generator for m: with the vocabulary saved with the model, else with
 * that of its character dataset (a `chars:` spec, loaded for it). */
static NnTextGen *
open_generator (NnModel *m, gboolean quiet, GError **error)
{
  g_autoptr (GError) own = NULL;
  NnTextGen *g = nn_textgen_new (m, &own);
  const char *spec = nn_model_get_dataset (m);
  if (g || !spec || !g_str_has_prefix (spec, "chars:"))
    {
      if (!g)
        g_propagate_error (error, g_steal_pointer (&own));
      return g;
    }
  g_autoptr (NnDataset) ds = cli_open_data (m, NULL, quiet, error);
  if (!ds)
    return NULL;
  if (!ds->vocab)
    {
      g_propagate_error (error, g_steal_pointer (&own));
      return NULL;
    }
  return nn_textgen_new_or_vocab (m, ds->vocab, error);
}

int
cli_generate_run (NnModel *m, const char *path, const CliGenerateOptions *o,
                  const CliGenerateConfig *cfg, GError **error)
{
  g_autoptr (NnTextGen) g = open_generator (m, o->quiet, error);
  if (!g)
    return 1;
  if (o->stateful && !nn_textgen_set_stateful (g, TRUE, error))
    return 1;
  g_autofree char *note = NULL;
  guint64 seed = o->seed_given ? (guint64) o->seed : 1;
  if (!nn_textgen_start (g, o->seed_text, cfg->temperatures, cfg->n_temperatures, seed, &note,
                         error))
    return 1;
  if (!o->quiet)
    {
      if (note)
        fprintf (stderr, "%s.\n", note);
      fprintf (stderr, "%d characters from “%s” (window %d, vocabulary %d, seed %" G_GUINT64_FORMAT
               ")\n", cfg->length, o->seed_text, nn_textgen_get_window (g),
               nn_textgen_get_n_tokens (g), seed);
    }
  int length = cfg->length;
  if (cfg->n_temperatures == 1)
    {
      if (!nn_textgen_run (g, length, print_cb, NULL, error))
        return 1;
      fputc ('\n', stdout);
      return 0;
    }
  if (!nn_textgen_run (g, length, o->quiet ? NULL : count_cb, &length, error))
    return 1;
  if (!o->quiet)
    fputc ('\n', stderr);
  /* Each block reads as one text, the seed and what followed it, as the
   * Generate view's columns do. */
  for (int j = 0; j < cfg->n_temperatures; j++)
    printf ("%s--- temperature %g ---\n%s%s\n", j ? "\n" : "", cfg->temperatures[j],
            o->seed_text, nn_textgen_get_text (g, j));
  return 0;
}
