/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli ensemble: the members' and the ensemble's test loss and
 * accuracy (or MAE), as a table or one JSON object per line. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "cli-ensemble.h"
#include "cli-inspect.h"

typedef struct {
  char    *weights;   /* "1,1,2" */
  char    *data;
  gboolean json, quiet;
} EnsembleOptions;

static gboolean
parse_options (int *argc, char ***argv, EnsembleOptions *o, GError **error)
{
  GOptionEntry entries[] = {
    { "weights", 0, 0, G_OPTION_ARG_STRING, &o->weights,
      N_("one weight per model, zero or more (default all 1)"), "W1,W2,..." },
    { "data", 0, 0, G_OPTION_ARG_STRING, &o->data,
      N_("the dataset (default the first model's)"), "NAME|PATH" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, N_("one JSON object per row on stdout"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("no notes on stderr"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (N_("A.json B.json ... - an ensemble"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  g_option_context_set_help_enabled (ctx, TRUE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc < 3)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("ensemble takes the model files to average: "
                   "deepscope-cli ensemble A.json B.json ..."));
      return FALSE;
    }
  return TRUE;
}

/* --weights: n finite numbers, zero or more, separated by commas. */
static double *
parse_weights (const char *text, int n, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  if ((int) g_strv_length (parts) != n)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("--weights takes one weight per model (%d), not “%s”"), n, text);
      return NULL;
    }
  g_autofree double *w = g_new (double, n);
  for (int k = 0; k < n; k++)
    {
      char *end = NULL;
      const char *p = g_strstrip (parts[k]);
      errno = 0;
      w[k] = g_ascii_strtod (p, &end);
      if (!*p || *end || errno == ERANGE || !isfinite (w[k]) || w[k] < 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       _("--weights takes numbers of zero or more, not “%s”"), parts[k]);
          return NULL;
        }
    }
  return g_steal_pointer (&w);
}

/* name, then spaces to `width` characters (not bytes: names may be UTF-8). */
static void
print_padded (const char *name, int width)
{
  int n = (int) g_utf8_strlen (name, -1);
  fputs (name, stdout);
  printf ("%*s", MAX (width - n, 0) + 1, "");
}

/* A score's column: as wide as its key, and at least 12. */
static int
key_width (const char *key)
{
  return MAX (12, (int) strlen (key));
}

static void
print_row (const char *name, int name_width, double weight, const NnScores *s, gboolean json)
{
  if (json)
    {
      g_autofree char *quoted = g_strescape (name, NULL);
      GString *line = g_string_new (NULL);
      g_string_append_printf (line, "{\"member\": \"%s\"", quoted);
      if (weight >= 0)
        g_string_append_printf (line, ", \"weight\": %.6g", weight);
      for (int k = 0; k < s->n_values; k++)
        g_string_append_printf (line, ", \"%s\": %.6g", s->keys[k], s->values[k]);
      g_string_append (line, "}");
      puts (line->str);
      g_string_free (line, TRUE);
      return;
    }
  print_padded (name, name_width);
  if (weight >= 0)
    printf ("%8.3f", weight);
  else
    printf ("%8s", "");
  for (int k = 0; k < s->n_values; k++)
    printf (" %*.4f", key_width (s->keys[k]), s->values[k]);
  printf ("\n");
}

/* The columns are as wide as the longest member's name and each key. */
static void
print_table (NnEnsemble *e, const NnEnsembleScores *s, gboolean json)
{
  int name_width = (int) strlen ("ensemble");
  for (int k = 0; k < s->n_members; k++)
    name_width = MAX (name_width, (int) g_utf8_strlen (nn_ensemble_get_name (e, k), -1));
  if (!json)
    {
      print_padded ("member", name_width);
      printf ("%8s", "weight");
      for (int k = 0; k < s->ensemble.n_values; k++)
        printf (" %*s", key_width (s->ensemble.keys[k]), s->ensemble.keys[k]);
      printf ("\n");
    }
  for (int k = 0; k < s->n_members; k++)
    print_row (nn_ensemble_get_name (e, k), name_width, nn_ensemble_get_weight (e, k),
               &s->members[k], json);
  print_row ("ensemble", name_width, -1, &s->ensemble, json);
}

/* Loads the files into a new ensemble; the first model in *first. */
static NnEnsemble *
load_members (char **paths, int n, NnModel **first, GError **error)
{
  g_autoptr (NnEnsemble) e = nn_ensemble_new ();
  for (int k = 0; k < n; k++)
    {
      g_autoptr (NnModel) m = nn_model_load (paths[k], error);
      if (m == NULL || !nn_ensemble_add (e, m, paths[k], error))
        return NULL;
      if (k == 0)
        *first = g_steal_pointer (&m);
    }
  return g_steal_pointer (&e);
}

static int
run (int n, char **paths, const EnsembleOptions *o, GError **error)
{
  g_autofree double *w = o->weights ? parse_weights (o->weights, n, error) : NULL;
  if (o->weights && w == NULL)
    return 2;
  g_autoptr (NnModel) first = NULL;
  g_autoptr (NnEnsemble) e = load_members (paths, n, &first, error);
  if (e == NULL || (w && !nn_ensemble_set_weights (e, w, n, error)))
    return 1;
  g_autoptr (NnDataset) ds = cli_open_data (first, o->data, o->quiet, error);
  if (ds == NULL)
    return 1;
  if (!o->quiet)
    fprintf (stderr, ngettext ("Evaluating %d model and their ensemble on %zu test samples of %s\n",
                               "Evaluating %d models and their ensemble on %zu test samples of %s\n",
                               n), n, ds->n_test, ds->name);
  NnEnsembleScores s = { 0 };
  if (!nn_ensemble_evaluate (e, ds, NULL, 0, &s, NULL, NULL, NULL, error))
    return 1;
  print_table (e, &s, o->json);
  nn_ensemble_scores_clear (&s);
  return 0;
}

int
cli_ensemble_main (int argc, char **argv)
{
  EnsembleOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  int rc;
  if (!parse_options (&argc, &argv, &o, &error))
    rc = 2;
  else
    rc = run (argc - 2, argv + 2, &o, &error);
  if (rc != 0)
    fprintf (stderr, "deepscope-cli: %s\n", error->message);
  g_free (o.weights);
  g_free (o.data);
  return rc;
}
