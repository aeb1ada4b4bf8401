/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli: train, evaluate, predict and summarise model files without
 * a display. Links the engine alone. */
#include <glib-unix.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nn.h"

typedef struct {
  char    *data;
  int      epochs, batch, kfold, count;
  gint64   seed;
  double   validation_split;
  char    *save;
  gboolean json, quiet, early_stopping;
  double   lr;
} Options;

typedef struct {
  GMainLoop *loop;
  NnTrainer *trainer;
  Options   *opt;
  gint       pending;
  gboolean   tty;
  int        epochs;
  NnEvent   *finished;
  NnScores   fold_sum;
  int        folds;
} Run;

static void
usage (FILE *f)
{
  fputs ("Usage:\n"
         "  deepscope-cli train MODEL.json [--data NAME|PATH] [--epochs N] [--batch B] [--seed S]\n"
         "                                 [--validation-split F] [--kfold K] [--lr LR]\n"
         "                                 [--early-stopping] [--save OUT.json] [--json] [--quiet]\n"
         "  deepscope-cli evaluate MODEL.json [--data NAME|PATH] [--batch B] [--json]\n"
         "  deepscope-cli predict MODEL.json [--data NAME|PATH] [--count N] [--json]\n"
         "  deepscope-cli summary MODEL.json\n"
         "  deepscope-cli layers\n"
         "\nDatasets: fashion-mnist[:classes=5,7], spirals, moons, circles, xor, blobs,\n"
         "regression, twoinput, a .csv file, or a folder of IDX files.\n", f);
}

static gboolean
parse_args (int *argc, char ***argv, Options *o, GError **error)
{
  GOptionEntry entries[] = {
    { "data", 0, 0, G_OPTION_ARG_STRING, &o->data, "Dataset name or path", "NAME|PATH" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o->epochs, "Epochs", "N" },
    { "batch", 0, 0, G_OPTION_ARG_INT, &o->batch, "Batch size", "B" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &o->seed, "Random seed", "S" },
    { "validation-split", 0, 0, G_OPTION_ARG_DOUBLE, &o->validation_split, "Validation fraction", "F" },
    { "kfold", 0, 0, G_OPTION_ARG_INT, &o->kfold, "K-fold cross-validation", "K" },
    { "lr", 0, 0, G_OPTION_ARG_DOUBLE, &o->lr, "Learning rate", "LR" },
    { "early-stopping", 0, 0, G_OPTION_ARG_NONE, &o->early_stopping, "Stop when val_loss stalls", NULL },
    { "count", 0, 0, G_OPTION_ARG_INT, &o->count, "Samples to predict", "N" },
    { "save", 0, 0, G_OPTION_ARG_FILENAME, &o->save, "Save the trained model", "OUT.json" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &o->json, "One JSON object per line on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "No progress bar", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("COMMAND MODEL.json");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, TRUE);
  return g_option_context_parse (ctx, argc, argv, error);
}

static void
print_json_scores (const char *prefix, const NnScores *s, GString *out)
{
  for (int k = 0; k < s->n_values; k++)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      double v = s->values[k];
      g_string_append_printf (out, ", \"%s%s\": %s", prefix, s->keys[k],
                              isfinite (v) ? g_ascii_formatd (buf, sizeof buf, "%.6g", v) : "null");
    }
}

static void
event_to_scores (const NnEvent *e, NnScores *s)
{
  nn_scores_clear (s);
  for (int k = 0; k < e->n_values; k++)
    {
      s->keys[k] = g_strdup (e->keys[k]);
      s->values[k] = e->values[k];
    }
  s->n_values = e->n_values;
}

static void
progress (Run *r, const NnEvent *e)
{
  if (!r->tty || r->opt->quiet || r->opt->json)
    return;
  int width = 30, done = e->batches_per_epoch ? width * e->batch / e->batches_per_epoch : 0;
  g_autofree char *bar = g_strnfill (done, '=');
  g_autofree char *rest = g_strnfill (width - done, ' ');
  fprintf (stderr, "\r%sEpoch %d/%d [%s>%s] %d/%d  loss %.4f  %.0f samples/s ",
           e->fold >= 0 ? "" : "", e->epoch + 1, r->epochs, bar, rest, e->batch,
           e->batches_per_epoch, e->loss, e->samples_per_s);
  fflush (stderr);
}

static gboolean
drain_cb (gpointer data)
{
  Run *r = data;
  NnEvent *e;
  g_atomic_int_set (&r->pending, 0);
  while ((e = nn_trainer_pop_event (r->trainer)))
    {
      switch (e->kind)
        {
        case NN_EVENT_BATCH:
          progress (r, e);
          break;
        case NN_EVENT_EPOCH:
          {
            NnScores s = { 0 };
            event_to_scores (e, &s);
            if (r->opt->json)
              {
                GString *line = g_string_new (NULL);
                char buf[G_ASCII_DTOSTR_BUF_SIZE];
                g_string_append_printf (line, "{\"epoch\": %d", e->epoch + 1);
                if (e->fold >= 0)
                  g_string_append_printf (line, ", \"fold\": %d", e->fold + 1);
                g_string_append_printf (line, ", \"samples_per_s\": %s",
                                        g_ascii_formatd (buf, sizeof buf, "%.1f", e->samples_per_s));
                g_string_append_printf (line, ", \"lr\": %s",
                                        g_ascii_formatd (buf, sizeof buf, "%.6g", e->lr));
                print_json_scores ("", &s, line);
                g_string_append (line, "}\n");
                fputs (line->str, stdout);
                fflush (stdout);
                g_string_free (line, TRUE);
              }
            else if (!r->opt->quiet)
              {
                if (r->tty)
                  fputs ("\r\033[K", stderr);
                GString *line = g_string_new (NULL);
                if (e->fold >= 0)
                  g_string_append_printf (line, "fold %d ", e->fold + 1);
                g_string_append_printf (line, "epoch %d/%d  %.0f samples/s", e->epoch + 1, r->epochs,
                                        e->samples_per_s);
                for (int k = 0; k < s.n_values; k++)
                  g_string_append_printf (line, "  %s %.4f", s.keys[k], s.values[k]);
                fprintf (stderr, "%s\n", line->str);
                g_string_free (line, TRUE);
              }
            nn_scores_clear (&s);
            break;
          }
        case NN_EVENT_FOLD:
          if (r->opt->json)
            {
              NnScores s = { 0 };
              GString *line = g_string_new (NULL);
              event_to_scores (e, &s);
              g_string_append_printf (line, "{\"fold\": %d", e->fold + 1);
              print_json_scores ("", &s, line);
              g_string_append (line, "}\n");
              fputs (line->str, stdout);
              g_string_free (line, TRUE);
              nn_scores_clear (&s);
            }
          else if (!r->opt->quiet)
            {
              fprintf (stderr, "fold %d:", e->fold + 1);
              for (int k = 0; k < e->n_values; k++)
                fprintf (stderr, "  %s %.4f", e->keys[k], e->values[k]);
              fputc ('\n', stderr);
            }
          break;
        case NN_EVENT_WARNING:
        case NN_EVENT_LR_CHANGED:
          if (e->text && !r->opt->quiet)
            {
              if (r->tty && !r->opt->json)
                fputs ("\r\033[K", stderr);
              fprintf (stderr, "%s\n", e->text);
            }
          break;
        case NN_EVENT_FINISHED:
          g_clear_pointer (&r->finished, nn_event_free);
          r->finished = e;
          e = NULL;
          g_main_loop_quit (r->loop);
          break;
        default:
          break;
        }
      nn_event_free (e);
    }
  return G_SOURCE_REMOVE;
}

static void
notify_cb (gpointer data)
{
  Run *r = data;
  /* Always queue: g_main_context_invoke would run the drain right here on
   * the worker when the main loop has not started yet (a run that ends
   * before g_main_loop_run), quitting a loop that then waits forever. */
  if (g_atomic_int_compare_and_exchange (&r->pending, 0, 1))
    g_idle_add (drain_cb, r);
}

static gboolean
sigint_cb (gpointer data)
{
  Run *r = data;
  fprintf (stderr, "\nStopping after this batch…\n");
  nn_trainer_request_stop (r->trainer);
  return G_SOURCE_CONTINUE;
}

static NnDataset *
open_data (NnModel *m, const Options *o, GError **error)
{
  const char *spec = o->data ? o->data : nn_model_get_dataset (m);
  if (!spec)
    {
      g_set_error (error, NN_DATA_ERROR, NN_DATA_ERROR_UNKNOWN,
                   "The model names no dataset: pass --data NAME|PATH");
      return NULL;
    }
  return nn_dataset_open (spec, NULL, error);
}

static void
print_scores_line (const char *prefix, const NnScores *s, gboolean json)
{
  if (json)
    {
      GString *line = g_string_new ("{");
      print_json_scores (prefix, s, line);
      /* drop the leading ", " */
      g_string_erase (line, 1, 2);
      g_string_append (line, "}\n");
      fputs (line->str, stdout);
      g_string_free (line, TRUE);
    }
  else
    for (int k = 0; k < s->n_values; k++)
      printf ("%s%s: %.4f\n", prefix, s->keys[k], s->values[k]);
}

static int
cmd_train (NnModel *m, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = open_data (m, o, error);
  if (!ds)
    return 1;
  NnTrainDefaults *d = nn_model_get_defaults (m);
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = o->epochs > 0 ? o->epochs : d->epochs > 0 ? d->epochs : 5;
  cfg.batch_size = o->batch > 0 ? o->batch : d->batch_size > 0 ? d->batch_size : 32;
  cfg.seed = o->seed >= 0 ? (guint64) o->seed : d->seed;
  cfg.validation_split = o->validation_split >= 0 ? o->validation_split : d->validation_split;
  cfg.kfold = o->kfold > 0 ? o->kfold : d->kfold;
  cfg.kfold_iterations = MAX (d->kfold_iterations, 1);
  if (o->early_stopping || d->early_stopping_patience > 0)
    {
      cfg.early_stopping = TRUE;
      cfg.patience = d->early_stopping_patience > 0 ? d->early_stopping_patience : 3;
    }
  cfg.snapshot_every = -1;
  if (o->lr > 0)
    nn_model_get_optimizer (m)->learning_rate = o->lr;
  if (!nn_model_has_weights (m) && !nn_model_init_weights (m, cfg.seed, error))
    return 1;

  Run r = { 0 };
  r.loop = g_main_loop_new (NULL, FALSE);
  r.trainer = nn_trainer_new ();
  r.opt = o;
  r.tty = isatty (STDERR_FILENO);
  r.epochs = cfg.epochs;
  nn_trainer_set_notify (r.trainer, notify_cb, &r, NULL);
  guint sig = g_unix_signal_add (SIGINT, sigint_cb, &r);
  if (!o->quiet && !o->json)
    fprintf (stderr, "Training %s on %s: %zu training samples, %d epochs, batch %d%s\n",
             nn_model_get_name (m), ds->name, ds->n_train, cfg.epochs, cfg.batch_size,
             cfg.kfold > 1 ? " (K-fold)" : "");
  int rc = 0;
  if (!nn_trainer_start (r.trainer, m, ds, &cfg, error))
    rc = 1;
  else
    {
      g_main_loop_run (r.loop);
      if (!nn_trainer_join (r.trainer, error))
        rc = 1;
    }
  g_source_remove (sig);
  if (rc == 0)
    {
      g_autoptr (NnModel) trained = nn_trainer_dup_model (r.trainer);
      if (cfg.kfold > 1 && r.finished)
        {
          NnScores s = { 0 };
          event_to_scores (r.finished, &s);
          print_scores_line ("mean_", &s, o->json);
          nn_scores_clear (&s);
        }
      NnScores test = { 0 };
      if (ds->n_test)
        {
          if (!nn_model_evaluate (trained, ds, NULL, 0, 256, &test, error))
            rc = 1;
          else
            print_scores_line ("test_", &test, o->json);
        }
      nn_scores_clear (&test);
      if (rc == 0 && o->save && !nn_model_save (trained, o->save, TRUE, error))
        rc = 1;
      else if (rc == 0 && o->save && !o->quiet && !o->json)
        fprintf (stderr, "Saved %s\n", o->save);
    }
  g_clear_pointer (&r.finished, nn_event_free);
  nn_trainer_free (r.trainer);
  g_main_loop_unref (r.loop);
  nn_fit_config_clear (&cfg);
  return rc;
}

static int
cmd_evaluate (NnModel *m, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = open_data (m, o, error);
  if (!ds)
    return 1;
  if (!nn_model_has_weights (m))
    fprintf (stderr, "Warning: the model file has no weights; evaluating an untrained model\n");
  NnScores s = { 0 };
  if (!nn_model_evaluate (m, ds, NULL, 0, o->batch > 0 ? o->batch : 256, &s, error))
    return 1;
  print_scores_line ("test_", &s, o->json);
  nn_scores_clear (&s);
  return 0;
}

static int
cmd_predict (NnModel *m, Options *o, GError **error)
{
  g_autoptr (NnDataset) ds = open_data (m, o, error);
  if (!ds)
    return 1;
  size_t n = MIN ((size_t) (o->count > 0 ? o->count : 10), ds->n_test ? ds->n_test : ds->n);
  const guint32 *idx = ds->n_test ? ds->test_idx : ds->train_idx;
  g_autoptr (NnTensor) p = nn_model_predict (m, ds, idx, n, 0, 256, error);
  if (!p)
    return 1;
  size_t per = p->size / n;
  for (size_t i = 0; i < n; i++)
    {
      const float *row = p->data + i * per;
      if (o->json)
        {
          GString *line = g_string_new (NULL);
          g_string_append_printf (line, "{\"sample\": %u, \"prediction\": [", idx[i]);
          for (size_t j = 0; j < per; j++)
            g_string_append_printf (line, "%s%.6g", j ? ", " : "", row[j]);
          g_string_append (line, "]}\n");
          fputs (line->str, stdout);
          g_string_free (line, TRUE);
        }
      else if (ds->n_classes > 1 && per > 1)
        {
          size_t best = 0;
          for (size_t j = 1; j < per; j++)
            if (row[j] > row[best])
              best = j;
          printf ("sample %u: %s (%.1f%%)\n", idx[i],
                  best < (size_t) ds->n_classes && ds->class_names ? ds->class_names[best] : "?",
                  100.0 * row[best]);
        }
      else
        {
          printf ("sample %u:", idx[i]);
          for (size_t j = 0; j < per; j++)
            printf (" %.4f", row[j]);
          printf ("\n");
        }
    }
  return 0;
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  setlocale (LC_ALL, "");
  Options o = { .seed = -1, .validation_split = -1 };
  g_autoptr (GError) error = NULL;
  if (!parse_args (&argc, &argv, &o, &error))
    {
      fprintf (stderr, "deepscope-cli: %s\n", error->message);
      usage (stderr);
      return 2;
    }
  if (argc >= 2 && g_str_equal (argv[1], "layers"))
    {
      for (guint i = 0; i < nn_layer_types_count (); i++)
        {
          const NnLayerType *t = nn_layer_types_get (i);
          printf ("%-24s %-15s %s\n", nn_layer_type_get_name (t),
                  nn_layer_group_name (nn_layer_type_get_group (t)), nn_layer_type_get_help (t));
        }
      return 0;
    }
  if (argc != 3)
    {
      usage (stderr);
      return 2;
    }
  const char *cmd = argv[1];
  g_autoptr (NnModel) m = nn_model_load (argv[2], &error);
  int rc = 1;
  if (!m)
    ;
  else if (g_str_equal (cmd, "train"))
    rc = cmd_train (m, &o, &error);
  else if (g_str_equal (cmd, "evaluate"))
    rc = cmd_evaluate (m, &o, &error);
  else if (g_str_equal (cmd, "predict"))
    rc = cmd_predict (m, &o, &error);
  else if (g_str_equal (cmd, "summary"))
    {
      g_autofree char *s = nn_model_summary (m, &error);
      if (s)
        {
          fputs (s, stdout);
          rc = 0;
        }
    }
  else
    {
      fprintf (stderr, "deepscope-cli: unknown command “%s”\n", cmd);
      usage (stderr);
      rc = 2;
    }
  if (rc == 1 && error)
    fprintf (stderr, "deepscope-cli: %s\n", error->message);
  g_free (o.data);
  g_free (o.save);
  return rc;
}
