/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli search: a hyperparameter search (nn-search.h) on the
 * model's dataset: --param PATH=VALUES (repeated), a strategy, a budget and
 * the metric; progress per fit on stderr, a results table on stdout (best
 * first), and with --out DIR the search and every trained trial. */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <glib/gi18n.h>

#include "cli-dream.h"
#include "cli-inspect.h"
#include "cli-search.h"

typedef struct {
  char **params;
  char  *strategy, *trials, *metric, *out, *data, *epochs, *batch, *seed, *split;
  char  *budget, *min_epochs, *max_epochs, *eta, *grid_points;
  gboolean quiet;
} SearchOptions;

static void
options_clear (SearchOptions *o)
{
  char **s[] = { &o->strategy, &o->trials, &o->metric, &o->out, &o->data, &o->epochs,
                 &o->batch, &o->seed, &o->split, &o->budget, &o->min_epochs, &o->max_epochs,
                 &o->eta, &o->grid_points };
  for (size_t k = 0; k < G_N_ELEMENTS (s); k++)
    g_clear_pointer (s[k], g_free);
  g_clear_pointer (&o->params, g_strfreev);
}

static gboolean
parse_options (int *argc, char ***argv, SearchOptions *o, GError **error)
{
  GOptionEntry entries[] = {
    { "param", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->params,
      N_("a searched parameter, repeated: optimizer.learning_rate=log:1e-4..1e-1, "
      "layer.hidden.units=16,32,64, layer.drop.rate=0.1..0.5, batch_size=16,32, "
      "optimizer.name=adam,sgd, epochs=5..20"), "PATH=VALUES" },
    { "strategy", 0, 0, G_OPTION_ARG_STRING, &o->strategy, N_("grid, random (default) or halving"),
      "S" },
    { "trials", 0, 0, G_OPTION_ARG_STRING, &o->trials,
      N_("random, halving: configurations drawn (default 8); grid: a cap"), "N" },
    { "metric", 0, 0, G_OPTION_ARG_STRING, &o->metric,
      N_("what is compared (default val_accuracy; names ending in accuracy are maximized)"), "M" },
    { "budget-epochs", 0, 0, G_OPTION_ARG_STRING, &o->budget, N_("epochs over all trials at most"),
      "N" },
    { "grid-points", 0, 0, G_OPTION_ARG_STRING, &o->grid_points,
      N_("grid: values per range (default 3)"), "N" },
    { "min-epochs", 0, 0, G_OPTION_ARG_STRING, &o->min_epochs, N_("halving: first rung (default 1)"),
      "N" },
    { "max-epochs", 0, 0, G_OPTION_ARG_STRING, &o->max_epochs, N_("halving: last rung (default 9)"),
      "N" },
    { "eta", 0, 0, G_OPTION_ARG_STRING, &o->eta, N_("halving: 1/eta of the trials go on (default 3)"),
      "N" },
    { "data", 0, 0, G_OPTION_ARG_STRING, &o->data, N_("dataset name or path (default the model's)"),
      "SPEC" },
    { "epochs", 0, 0, G_OPTION_ARG_STRING, &o->epochs, N_("epochs per trial (default the model's, "
      "else 10)"), "N" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &o->batch, N_("batch size (default the model's, else 32)"),
      "B" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &o->seed, N_("the draws' and the weights' seed (default 1)"),
      "S" },
    { "validation-split", 0, 0, G_OPTION_ARG_STRING, &o->split,
      N_("fraction held out (default 0.2 for a val_ metric when the dataset has no split)"), "F" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &o->out,
      N_("write DIR/search.json and each trained trial as DIR/trial-N.json"), "DIR" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, N_("no progress on stderr"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (N_("MODEL.json - hyperparameter search"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, error))
    return FALSE;
  if (*argc != 3)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("search takes one model file%s"), *argc > 3 ? ", and every option starts with --"
                                                              : "");
      return FALSE;
    }
  if (!o->params)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _("search needs at least one --param PATH=VALUES "
                   "(optimizer.learning_rate=log:1e-4..1e-1)"));
      return FALSE;
    }
  return TRUE;
}

/* An int option within lo..hi, when given. */
static gboolean
option_int (const char *option, const char *text, gint64 lo, gint64 hi, int *out, GError **error)
{
  gint64 v;
  if (!text)
    return TRUE;
  if (!g_ascii_string_to_signed (text, 10, lo, hi, &v, NULL))
    {
      g_autofree char *range = g_strdup_printf ("a whole number from %" G_GINT64_FORMAT " to %"
                                                G_GINT64_FORMAT, lo, hi);
      return cli_bad_value (option, range, text, error);
    }
  *out = (int) v;
  return TRUE;
}

/* The spec and the fit's settings from the options. */
static gboolean
check_options (const SearchOptions *o, NnModel *m, NnSearchSpec *sp, NnFitConfig *cfg,
               GError **error)
{
  NnTrainDefaults *d = nn_model_get_defaults (m);
  int seed = 1;
  cfg->epochs = d->epochs > 0 ? d->epochs : 10;
  cfg->batch_size = d->batch_size > 0 ? d->batch_size : 32;
  if (o->strategy && !nn_search_strategy_parse (o->strategy, &sp->strategy))
    return cli_bad_value ("strategy", _("grid, random or halving"), o->strategy, error);
  if (!option_int ("trials", o->trials, 1, 100000, &sp->max_trials, error)
      || !option_int ("budget-epochs", o->budget, 1, G_MAXINT, &sp->max_epochs_total, error)
      || !option_int ("grid-points", o->grid_points, 1, 1000, &sp->grid_points, error)
      || !option_int ("min-epochs", o->min_epochs, 1, 100000, &sp->min_epochs, error)
      || !option_int ("max-epochs", o->max_epochs, 1, 100000, &sp->max_epochs, error)
      || !option_int ("eta", o->eta, 2, 1000, &sp->eta, error)
      || !option_int ("epochs", o->epochs, 1, 100000, &cfg->epochs, error)
      || !option_int ("batch", o->batch, 1, 1000000, &cfg->batch_size, error)
      || !option_int ("seed", o->seed, 0, G_MAXINT, &seed, error))
    return FALSE;
  if (sp->strategy == NN_SEARCH_GRID && !o->trials)
    sp->max_trials = 0;
  sp->seed = cfg->seed = (guint64) seed;
  if (o->metric)
    nn_search_spec_set_metric (sp, o->metric);
  if (o->split)
    {
      char *end = NULL;
      cfg->validation_split = g_ascii_strtod (o->split, &end);
      if (!*o->split || *end || !(cfg->validation_split >= 0 && cfg->validation_split < 1))
        return cli_bad_value ("validation-split", _("a fraction from 0 to below 1"), o->split, error);
    }
  for (char **p = o->params; *p; p++)
    if (!nn_search_spec_add_param_assignment (sp, *p, error))
      return FALSE;
  return TRUE;
}

typedef struct {
  gboolean quiet;
  gboolean tty;
} Progress;

static void
progress_cb (NnSearch *s, const NnSearchJob *job, int epoch, gpointer data)
{
  Progress *p = data;
  if (p->quiet)
    return;
  NnTrial *t = nn_search_get_trial (s, job->trial);
  g_autofree char *label = nn_search_dup_trial_label (s, job->trial);
  int k = nn_search_get_jobs_done (s) + (epoch >= 0);
  const char *metric = nn_search_get_spec (s)->metric;
  if (epoch >= 0)
    {
      if (p->tty)
        fprintf (stderr, _("\rfit %d of %d, trial %d (%s): epoch %d of %d "), k,
                 nn_search_get_n_jobs (s), job->trial + 1, label, epoch, job->epochs_total);
      return;
    }
  g_autofree char *rung = nn_search_get_n_rungs (s) > 1 ? g_strdup_printf (", rung %d", job->rung + 1)
                                                      : g_strdup ("");
  fprintf (stderr, _("%sfit %d of %d, trial %d (%s)%s: %s %.4f at epoch %d (%s)\n"),
           p->tty ? "\r\033[K" : "", k, nn_search_get_n_jobs (s), job->trial + 1, label, rung,
           metric, t->best, t->best_epoch, nn_trial_state_name (t->state));
}

static gint
best_first (gconstpointer a, gconstpointer b, gpointer data)
{
  const NnTrial *x = *(NnTrial *const *) a, *y = *(NnTrial *const *) b;
  gboolean maximize = GPOINTER_TO_INT (data);
  if (isnan (x->best) != isnan (y->best))
    return isnan (x->best) ? 1 : -1;
  if (x->best != y->best && !isnan (x->best))
    return (maximize ? x->best > y->best : x->best < y->best) ? -1 : 1;
  return x->index - y->index;
}

static void
print_table (NnSearch *s)
{
  const NnSearchSpec *sp = nn_search_get_spec (s);
  g_autoptr (GPtrArray) rows = g_ptr_array_new ();
  for (int i = 0; i < nn_search_get_n_trials (s); i++)
    g_ptr_array_add (rows, nn_search_get_trial (s, i));
  g_ptr_array_sort_with_data (rows, best_first, GINT_TO_POINTER (sp->maximize));
  printf ("%-6s", "trial");
  for (guint k = 0; k < sp->params->len; k++)
    printf (" %-24s", ((NnSearchParam *) sp->params->pdata[k])->path);
  printf (" %12s %6s %7s %8s  %s\n", sp->metric, "epoch", "epochs", "seconds", "state");
  for (guint r = 0; r < rows->len; r++)
    {
      NnTrial *t = rows->pdata[r];
      printf ("%-6d", t->index + 1);
      for (guint k = 0; k < sp->params->len; k++)
        printf (" %-24s", t->values[k]);
      printf (" %12.4f %6d %7d %8.2f  %s\n", t->best, t->best_epoch, t->epochs_done, t->seconds,
              nn_trial_state_name (t->state));
    }
  int best = nn_search_get_best_trial (s);
  if (best >= 0)
    {
      g_autofree char *label = nn_search_dup_trial_label (s, best);
      printf ("best: trial %d (%s), %s %.4f\n", best + 1, label, sp->metric,
              nn_search_get_trial (s, best)->best);
    }
}

static gboolean
write_out (NnSearch *s, const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   _("Cannot create the folder %s: %s"), dir, g_strerror (errno));
      return FALSE;
    }
  g_autofree char *json = nn_search_to_json (s);
  g_autofree char *path = g_build_filename (dir, "search.json", NULL);
  if (!g_file_set_contents (path, json, -1, error))
    return FALSE;
  for (int i = 0; i < nn_search_get_n_trials (s); i++)
    {
      NnTrial *t = nn_search_get_trial (s, i);
      g_autofree char *name = g_strdup_printf ("trial-%d.json", i + 1);
      g_autofree char *file = g_build_filename (dir, name, NULL);
      if (t->model && !nn_model_save (t->model, file, TRUE, error))
        return FALSE;
    }
  return TRUE;
}

static int
run (const SearchOptions *o, const char *path, GError **error)
{
  g_autoptr (NnModel) m = nn_model_load (path, error);
  if (!m)
    return 1;
  NnSearchSpec sp;
  nn_search_spec_init (&sp);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  int rc = 0;
  g_autoptr (NnDataset) ds = NULL;
  g_autoptr (NnSearch) s = NULL;
  if (!check_options (o, m, &sp, &cfg, error))
    rc = 2;
  else if (!(ds = cli_open_data (m, o->data, o->quiet, error)))
    rc = 1;
  else
    {
      if (!o->split && g_str_has_prefix (sp.metric, "val_") && ds->n_val == 0)
        cfg.validation_split = 0.2;
      if (!(s = nn_search_new (&sp, m, cfg.epochs, error)))
        rc = 2;
    }
  nn_search_spec_clear (&sp);
  if (rc)
    return rc;
  Progress p = { .quiet = o->quiet, .tty = isatty (fileno (stderr)) };
  if (!o->quiet)
    fprintf (stderr, _("%s search: %d trials, %d fits, %d epochs in all\n"),
             nn_search_strategy_name (nn_search_get_spec (s)->strategy),
             nn_search_get_n_trials (s), nn_search_get_n_jobs (s),
             nn_search_get_planned_epochs (s));
  g_autoptr (GError) err = NULL;
  gboolean ok = nn_search_run (s, m, ds, &cfg, progress_cb, &p, NULL, &err);
  print_table (s);
  if (o->out && !write_out (s, o->out, error))
    return 1;
  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&err));
      return 1;
    }
  return 0;
}

int
cli_search_main (int argc, char **argv)
{
  SearchOptions o = { 0 };
  g_autoptr (GError) error = NULL;
  int rc;
  if (!parse_options (&argc, &argv, &o, &error))
    rc = 2;
  else
    rc = run (&o, argv[2], &error);
  if (rc != 0)
    fprintf (stderr, "deepscope-cli: %s\n", error->message);
  options_clear (&o);
  return rc;
}
