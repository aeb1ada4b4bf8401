/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-app: training in the app against training in deepscope-cli, on the
 * same model file, taking turns, on a quiet machine and beside processes
 * that burn a core, with the Train view's charts per epoch and per batch.
 *
 * The app side is the real window (DsWindow, headless under Xvfb when there
 * is no display: the program then starts itself again through
 * tests/run-headless.sh): the model file is opened in it, the Train view is
 * shown with its charts, and each run starts with the view's own action
 * `train.start` and runs under a plain blocking main loop, as in the
 * application. Its figure is what the app reports: the run's samples/s at
 * the end of every epoch (DsTrainingRun, the Train view's speed label). The
 * CLI side is `deepscope-cli train MODEL --json`, its figure the
 * samples_per_s of every epoch line. Both come from the trainer's clock
 * over the epoch's training batches. A run's rate is the harmonic mean of
 * its epochs' rates (all epochs have the same number of samples): samples
 * over training time.
 *
 *   bench-app [--rounds R] [--epochs E] [--limit N] [--neighbours K] [--verbose] [--quick]
 */
#define G_LOG_DOMAIN "bench-app"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <adwaita.h>
#include <json-glib/json-glib.h>

#include "ds-application.h"
#include "ds-plot-private.h"
#include "ds-train-view-private.h"
#include "ds-util.h"
#include "ds-window.h"
#include "nn.h"

#define GOAL 0.9
#define N_CASES 4
#define MAX_EPOCHS 64

typedef struct
{
  int       rounds;
  int       epochs;
  int       limit;
  int       neighbours;
  gboolean  quick;
  gboolean  verbose;
  char     *cli;
  char     *model;
  char     *data;
} Options;

static const struct
{
  const char *name;
  gboolean    loaded;
  gboolean    per_batch;
} cases[N_CASES] = {
  { "quiet, epochs",   FALSE, FALSE },
  { "quiet, batches",  FALSE, TRUE },
  { "loaded, epochs",  TRUE,  FALSE },
  { "loaded, batches", TRUE,  TRUE },
};

/* What one run (either side) reported. */
typedef struct
{
  double rates[MAX_EPOCHS];   /* samples/s of each epoch */
  int    n_epochs;
  double first_loss;          /* the first epoch's training loss */
  double rate;                /* harmonic mean of rates */
  double main_cpu;            /* app: the main thread's share of a core */
  double server_cpu;          /* app: the X server's share of a core, or NAN */
  double frames;              /* app: frames painted per second */
  double others;              /* cores busy with other processes */
} RunResult;

typedef struct
{
  Options      *o;
  DsWindow     *window;
  DsTrainView  *view;
  GdkFrameClock *clock;
  guint         frames;
  char         *server_stat;  /* /proc/PID/stat of the private Xvfb, or NULL */
  pid_t         neighbours[16]; /* the spinning processes of a loaded case */
  RunResult    *current;      /* the app's run under way */
  GHashTable   *threads0;     /* --verbose: its threads' CPU at its start */
  GHashTable   *threads1;     /* and lately */
  double        threads0_s, threads1_s;
  char         *model_path;   /* the file both sides train */
  char         *spec;         /* its dataset */
  int           batch;
  double        validation_split;
  guint64       seed;
} Bench;

/* ---- clocks ---------------------------------------------------------------- */

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static double
median (double *v, int n)
{
  double s[64];
  int k = 0;

  for (int i = 0; i < n && k < (int) G_N_ELEMENTS (s); i++)
    if (isfinite (v[i]))
      s[k++] = v[i];
  if (k == 0)
    return NAN;
  for (int i = 1; i < k; i++)
    for (int j = i; j > 0 && s[j - 1] > s[j]; j--)
      {
        double t = s[j];

        s[j] = s[j - 1];
        s[j - 1] = t;
      }
  return k % 2 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
}

/* Busy CPU seconds of the whole machine (all but idle and iowait). */
static double
machine_busy_s (void)
{
  g_autofree char *stat = NULL;
  guint64 v[8] = { 0 };

  if (!g_file_get_contents ("/proc/stat", &stat, NULL, NULL)
      || sscanf (stat, "cpu %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                 " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT
                 " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
                 &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
    return 0;
  return (double) (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / sysconf (_SC_CLK_TCK);
}

/* utime + stime of a /proc stat file, in seconds; *name gets the thread's
 * name when not NULL. */
static double
stat_cpu_s (const char *path,
            char      **name)
{
  g_autofree char *stat = NULL;
  guint64 utime = 0, stime = 0;
  char *open, *close;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(close = strrchr (stat, ')')))
    return 0;
  if (name && (open = strchr (stat, '(')) && open < close)
    *name = g_strndup (open + 1, close - open - 1);
  /* utime and stime are fields 14 and 15, after the ")" that ends the name. */
  if (sscanf (close + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %" G_GUINT64_FORMAT
              " %" G_GUINT64_FORMAT, &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

/* CPU seconds of this process's main thread and of all its threads. */
static void
self_cpu_s (double *main_thread,
            double *all)
{
  g_autofree char *path = g_strdup_printf ("/proc/self/task/%d/stat", (int) getpid ());

  *main_thread = stat_cpu_s (path, NULL);
  *all = stat_cpu_s ("/proc/self/stat", NULL);
}

/* CPU seconds of the children waited for so far (the CLI runs). */
static double
children_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_CHILDREN, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec / 1e6;
}

typedef struct
{
  double  cpu;
  char   *name;
} ThreadCpu;

static void
thread_cpu_free (gpointer data)
{
  ThreadCpu *t = data;

  g_free (t->name);
  g_free (t);
}

/* CPU seconds each thread of this process has used so far, by thread id. */
static GHashTable *
threads_cpu (void)
{
  GHashTable *threads = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, thread_cpu_free);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;

  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/self/task/%s/stat", tid);
      ThreadCpu *t = g_new0 (ThreadCpu, 1);

      t->cpu = stat_cpu_s (path, &t->name);
      g_hash_table_insert (threads, g_strdup (tid), t);
    }
  return threads;
}

/* Each thread's share of a core between two readings `wall` seconds apart,
 * as `top -H` shows it (--verbose): who competes with the trainer. */
static void
print_threads (GHashTable *before,
               GHashTable *after,
               double      wall)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, after);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ThreadCpu *t = value, *t0 = g_hash_table_lookup (before, key);
      double used = t->cpu - (t0 ? t0->cpu : 0);

      if (used > 0)
        printf ("      thread %-7s %-16s %5.1f%% of a core%s\n", (char *) key,
                t->name ? t->name : "?", 100 * used / wall,
                atoi (key) == getpid () ? "  (the main loop)" : "");
    }
}

/* The /proc stat file of the Xvfb that tests/run-headless.sh started for
 * this process (its sibling), or NULL (a real display): its CPU is the
 * app's drawing too. */
static char *
find_xvfb_stat (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_strdup_printf ("/proc/%s/stat", name);
      g_autofree char *stat = NULL;
      char *close;
      int ppid = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &stat, NULL, NULL)
          || !(close = strrchr (stat, ')')) || sscanf (close + 2, "%*c %d", &ppid) != 1)
        continue;
      if (ppid == getppid () && strstr (stat, "(Xvfb)"))
        return g_steal_pointer (&path);
    }
  return NULL;
}

/* ---- the neighbour ---------------------------------------------------------- */

/* A child that spins on one core until it is killed (or this process
 * dies). Only async-signal-safe calls after the fork. */
static pid_t
neighbour_start (void)
{
  pid_t pid = fork ();

  if (pid == 0)
    {
      volatile unsigned long spin = 0;

      prctl (PR_SET_PDEATHSIG, SIGKILL);
      for (;;)
        spin++;
    }
  return pid;
}

static void
neighbours_stop (pid_t *pids,
                 int    n)
{
  for (int i = 0; i < n; i++)
    if (pids[i] > 0)
      {
        kill (pids[i], SIGKILL);
        waitpid (pids[i], NULL, 0);
        pids[i] = 0;
      }
}

/* CPU seconds the neighbours have used so far: left out of "other
 * programs", which is meant to show the load nobody asked for. */
static double
neighbours_cpu_s (Bench *b)
{
  double sum = 0;

  for (int i = 0; i < b->o->neighbours; i++)
    if (b->neighbours[i] > 0)
      {
        g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) b->neighbours[i]);

        sum += stat_cpu_s (path, NULL);
      }
  return sum;
}

/* ---- the app side ------------------------------------------------------------- */

static void
result_finish (RunResult *r)
{
  double inv = 0;

  for (int i = 0; i < r->n_epochs; i++)
    inv += r->rates[i] > 0 ? 1 / r->rates[i] : INFINITY;
  r->rate = r->n_epochs > 0 && isfinite (inv) ? r->n_epochs / inv : NAN;
}

static void
epoch_ended_cb (DsTrainingRun *run,
                int            epochs_done,
                Bench         *b)
{
  RunResult *r = b->current;

  /* The figure the Train view shows beside the progress bar, set from the
   * epoch's event just before this signal. */
  if (r->n_epochs < MAX_EPOCHS)
    r->rates[r->n_epochs++] = ds_training_run_get_samples_per_second (run);
}

/* --verbose: the threads' CPU every quarter second while the run is live,
 * so the last reading still has the trainer's thread, which ends with the
 * run. */
static gboolean
threads_sample_cb (gpointer data)
{
  Bench *b = data;

  g_clear_pointer (&b->threads1, g_hash_table_unref);
  b->threads1 = threads_cpu ();
  b->threads1_s = now_s ();
  return G_SOURCE_CONTINUE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *b)
{
  b->frames++;
}

/* A widget of type `type` under root whose label (a button's) or title (a
 * row's) is `label`. */
static GtkWidget *
find_labelled (GtkWidget  *root,
               GType       type,
               const char *label)
{
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type) && GTK_IS_BUTTON (c)
          && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (c)), label) == 0)
        return c;
      if ((found = find_labelled (c, type, label)))
        return found;
    }
  return NULL;
}

/* The chart mode, as a click on "Epochs" or "Batches" above the charts
 * sets it; checked on the charts themselves. */
static gboolean
set_chart_mode (Bench    *b,
                gboolean  per_batch,
                GError  **error)
{
  GtkWidget *toggle = find_labelled (GTK_WIDGET (b->view), GTK_TYPE_TOGGLE_BUTTON,
                                     per_batch ? "Batches" : "Epochs");
  GPtrArray *plots = ds_train_view_get_plots (b->view);

  if (toggle == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "The Train view has no “%s” toggle above its charts", per_batch ? "Batches" : "Epochs");
      return FALSE;
    }
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (toggle), TRUE);
  for (guint i = 0; i < plots->len; i++)
    if (((DsPlot *) plots->pdata[i])->per_batch != per_batch)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "The chart “%s” did not follow the chart mode",
                     ds_plot_get_metric (plots->pdata[i]));
        return FALSE;
      }
  return TRUE;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Checks that the app's run trains what the CLI is told to. */
static gboolean
check_config (Bench         *b,
              DsTrainingRun *run,
              GError       **error)
{
  const NnFitConfig *cfg = ds_training_run_get_config (run);

  if (cfg->epochs != b->o->epochs || cfg->batch_size != b->batch
      || fabs (cfg->validation_split - b->validation_split) > 1e-9 || cfg->seed != b->seed
      || g_strcmp0 (ds_dataset_store_get_spec (ds_document_get_dataset_store (ds_window_get_document (b->window))),
                    b->spec) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The app's run is not the CLI's: %d epochs, batch %d, validation split %g, "
                   "seed %" G_GUINT64_FORMAT " (the CLI: %d, %d, %g, %" G_GUINT64_FORMAT ")",
                   cfg->epochs, cfg->batch_size, cfg->validation_split, cfg->seed,
                   b->o->epochs, b->batch, b->validation_split, b->seed);
      return FALSE;
    }
  return TRUE;
}

/* Reads what the ended run reports into r and checks it ran to its end. */
static gboolean
app_collect (Bench         *b,
             DsTrainingRun *run,
             RunResult     *r,
             GError       **error)
{
  DsMetricSeries *loss = ds_training_run_get_series (run, "loss");

  if (ds_training_run_get_error (run))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The app's run failed: %s",
                   ds_training_run_get_error (run)->message);
      return FALSE;
    }
  if (r->n_epochs != b->o->epochs || loss == NULL || ds_metric_series_get_n_points (loss) < 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The app's run ended (%s) after %d of %d epochs",
                   ds_training_run_get_end_text (run) ? ds_training_run_get_end_text (run) : "?",
                   r->n_epochs, b->o->epochs);
      return FALSE;
    }
  r->first_loss = ds_metric_series_get_points (loss, NULL)[0].y;
  result_finish (r);
  return TRUE;
}

/* One run in the app: clear the ended runs, set the chart mode, then
 * train.start as the Train button does, and let the main loop run until
 * the run ends. */
static gboolean
app_run (Bench     *b,
         gboolean   per_batch,
         RunResult *r,
         GError   **error)
{
  DsTrainingRun *before, *run;
  double main0, all0, main1, all1, busy0, server0, server1, t0, wall;
  gboolean timed_out = FALSE;
  guint timeout_id, sample_id = 0;
  gulong handler;
  gboolean ok;

  memset (r, 0, sizeof *r);
  gtk_widget_activate_action (GTK_WIDGET (b->view), "train.clear-runs", NULL);
  if (!set_chart_mode (b, per_batch, error))
    return FALSE;
  /* Let the view settle (charts rebuilt, a frame drawn) before the clock. */
  for (int i = 0; i < 20 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);

  before = ds_train_view_get_current_run (b->view);
  self_cpu_s (&main0, &all0);
  server0 = b->server_stat ? stat_cpu_s (b->server_stat, NULL) : 0;
  busy0 = machine_busy_s () - neighbours_cpu_s (b);
  b->frames = 0;
  t0 = now_s ();
  if (!gtk_widget_activate_action (GTK_WIDGET (b->view), "train.start", NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The Train view has no action train.start");
      return FALSE;
    }
  /* The dataset is loaded: the run starts within the action. */
  run = ds_train_view_get_current_run (b->view);
  if (run == NULL || run == before)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "train.start did not start a run: %s",
                   ds_train_view_get_status (b->view) ? ds_train_view_get_status (b->view)
                                                      : "no reason shown");
      return FALSE;
    }
  g_object_ref (run);
  b->current = r;
  if (b->o->verbose)
    {
      b->threads0 = threads_cpu ();
      b->threads0_s = now_s ();
      sample_id = g_timeout_add (250, threads_sample_cb, b);
    }
  handler = g_signal_connect (run, "epoch-ended", G_CALLBACK (epoch_ended_cb), b);
  timeout_id = g_timeout_add_seconds (1800, timeout_cb, &timed_out);
  ok = check_config (b, run, error);
  while (ds_training_run_is_live (run) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  wall = now_s () - t0;
  if (!timed_out)
    g_source_remove (timeout_id);
  self_cpu_s (&main1, &all1);
  server1 = b->server_stat ? stat_cpu_s (b->server_stat, NULL) : 0;
  r->main_cpu = (main1 - main0) / wall;
  r->server_cpu = b->server_stat ? (server1 - server0) / wall : NAN;
  r->frames = b->frames / wall;
  r->others = MAX ((machine_busy_s () - neighbours_cpu_s (b) - busy0 - (all1 - all0)
                    - (server1 - server0)) / wall, 0);
  g_signal_handler_disconnect (run, handler);
  if (timed_out)
    {
      ds_training_run_stop (run);
      if (ok)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "The app's run did not end in 30 minutes");
      ok = FALSE;
    }
  ok = ok && app_collect (b, run, r, error);
  /* The run evaluates its test split on a worker thread once it ends: let
   * that finish outside the clock, before the next run or the CLI. */
  while (ds_training_run_is_testing (run))
    g_main_context_iteration (NULL, TRUE);
  if (sample_id)
    g_source_remove (sample_id);
  if (b->threads1)
    {
      printf ("    the app's threads during the run:\n");
      print_threads (b->threads0, b->threads1, b->threads1_s - b->threads0_s);
    }
  g_clear_pointer (&b->threads0, g_hash_table_unref);
  g_clear_pointer (&b->threads1, g_hash_table_unref);
  b->current = NULL;
  g_object_unref (run);
  return ok;
}

/* ---- the CLI side ------------------------------------------------------------- */

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

/* The epoch lines of `deepscope-cli train --json` into r. */
static gboolean
cli_parse (const char *out,
           RunResult  *r,
           GError    **error)
{
  g_auto(GStrv) lines = g_strsplit (out ? out : "", "\n", -1);

  for (int i = 0; lines[i]; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *o;

      if (lines[i][0] != '{')
        continue;
      if (!json_parser_load_from_data (parser, lines[i], -1, error))
        return FALSE;
      o = json_node_get_object (json_parser_get_root (parser));
      if (!json_object_has_member (o, "epoch") || !json_object_has_member (o, "samples_per_s"))
        continue;
      if (r->n_epochs == 0 && json_object_has_member (o, "loss"))
        r->first_loss = json_object_get_double_member (o, "loss");
      if (r->n_epochs < MAX_EPOCHS)
        r->rates[r->n_epochs++] = json_object_get_double_member (o, "samples_per_s");
    }
  return TRUE;
}

/* One run of deepscope-cli on the same file; the app's main loop runs
 * meanwhile (and has nothing to do). */
static gboolean
cli_run (Bench     *b,
         RunResult *r,
         GError   **error)
{
  g_autofree char *epochs = g_strdup_printf ("%d", b->o->epochs);
  g_autofree char *batch = g_strdup_printf ("%d", b->batch);
  const char *argv[] = { b->o->cli, "train", b->model_path, "--json", "--epochs", epochs,
                         "--batch", batch, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  double busy0, child0, t0, wall;

  memset (r, 0, sizeof *r);
  busy0 = machine_busy_s () - neighbours_cpu_s (b);
  child0 = children_cpu_s ();
  t0 = now_s ();
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, error);
  if (proc == NULL)
    return FALSE;
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, communicate_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (!g_subprocess_communicate_utf8_finish (proc, result, &out, &err, error))
    return FALSE;
  wall = now_s () - t0;
  r->others = MAX ((machine_busy_s () - neighbours_cpu_s (b) - busy0
                    - (children_cpu_s () - child0)) / wall, 0);
  if (!g_subprocess_get_if_exited (proc) || g_subprocess_get_exit_status (proc) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s train failed: %s", b->o->cli,
                   err && *err ? g_strstrip (err) : "no message");
      return FALSE;
    }
  if (!cli_parse (out, r, error))
    return FALSE;
  if (r->n_epochs != b->o->epochs)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s train reported %d of %d epochs",
                   b->o->cli, r->n_epochs, b->o->epochs);
      return FALSE;
    }
  result_finish (r);
  return TRUE;
}

/* ---- setting up ----------------------------------------------------------------- */

/* The model file both sides train: the benchmark's model with the run's
 * epochs and dataset as its training defaults, so that the app's Train view
 * shows them when the file is opened, as it would for any saved model. */
static gboolean
prepare_model (Bench    *b,
               char    **tmpdir,
               GError  **error)
{
  g_autoptr(NnModel) m = nn_model_load (b->o->model, error);
  NnTrainDefaults *d;
  const char *data;

  if (m == NULL)
    return FALSE;
  data = b->o->data ? b->o->data : nn_model_get_dataset (m);
  if (data == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s names no dataset: pass --data NAME", b->o->model);
      return FALSE;
    }
  b->spec = b->o->limit > 0 ? g_strdup_printf ("%s:limit=%d", data, b->o->limit) : g_strdup (data);
  nn_model_set_dataset (m, b->spec);
  d = nn_model_get_defaults (m);
  d->epochs = b->o->epochs;
  d->batch_size = b->batch = d->batch_size > 0 ? d->batch_size : 32;
  b->validation_split = d->validation_split;
  b->seed = d->seed = d->seed > 0 ? d->seed : 1;
  /* No early stopping: both sides run every epoch. */
  d->early_stopping_patience = 0;
  *tmpdir = g_dir_make_tmp ("bench-app-XXXXXX", error);
  if (*tmpdir == NULL)
    return FALSE;
  b->model_path = g_build_filename (*tmpdir, "bench-app-model.json", NULL);
  return nn_model_save (m, b->model_path, FALSE, error);
}

static void
ensure_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

/* Waits until the window's dataset store holds the model's dataset. */
static gboolean
wait_for_dataset (Bench   *b,
                  GError **error)
{
  DsDatasetStore *store = ds_document_get_dataset_store (ds_window_get_document (b->window));

  /* The Data view may replace a load under way with the model's own: try
   * again when a load is cancelled that way. */
  for (int attempt = 0; attempt < 5; attempt++)
    {
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(DsDataset) ds = NULL;
      g_autoptr(GError) local = NULL;

      ds_dataset_store_ensure_async (store, b->spec, NULL, ensure_cb, &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      ds = ds_dataset_store_ensure_finish (store, result, &local);
      if (ds && !ds_dataset_store_get_loading (store)
          && g_strcmp0 (ds_dataset_store_get_spec (store), b->spec) == 0)
        return TRUE;
      if (local && !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The app did not load “%s”", b->spec);
  return FALSE;
}

/* The app's window on the model file, the Train view shown with its
 * charts, the dataset loaded. */
static gboolean
app_open (Bench   *b,
          GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (b->model_path);

  b->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (b->window), 1280, 800);
  gtk_window_present (GTK_WINDOW (b->window));
  if (!ds_window_load (b->window, file, error))
    return FALSE;
  b->view = DS_TRAIN_VIEW (ds_window_get_view (b->window, "train"));
  if (!wait_for_dataset (b, error))
    return FALSE;
  ds_window_set_visible_view (b->window, "train");
  ds_train_view_show_page (b->view, "curves");
  for (gint64 end = g_get_monotonic_time () + G_USEC_PER_SEC; g_get_monotonic_time () < end;)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  b->clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->window));
  if (b->clock == NULL || !gtk_widget_get_mapped (GTK_WIDGET (b->view)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The Train view is not on screen");
      return FALSE;
    }
  g_signal_connect (b->clock, "after-paint", G_CALLBACK (after_paint_cb), b);
  b->server_stat = find_xvfb_stat ();
  return TRUE;
}

/* Without a display, start again under a private Xvfb. */
static void
maybe_go_headless (int    argc,
                   char **argv)
{
  g_autofree char *self = NULL;
  char **args;

  if (g_getenv ("DISPLAY") || g_getenv ("WAYLAND_DISPLAY") || g_getenv ("DEEPSCOPE_BENCH_HEADLESS"))
    return;
  self = g_file_read_link ("/proc/self/exe", NULL);
  if (self == NULL)
    return;
  g_setenv ("DEEPSCOPE_BENCH_HEADLESS", "1", TRUE);
  args = g_new0 (char *, argc + 2);
  args[0] = (char *) BENCH_RUN_HEADLESS;
  args[1] = self;
  for (int i = 1; i < argc; i++)
    args[i + 1] = argv[i];
  fflush (NULL);
  execv (BENCH_RUN_HEADLESS, args);
  g_printerr ("bench-app: could not start %s: %s\n", BENCH_RUN_HEADLESS, g_strerror (errno));
  g_free (args);
}

/* ---- the runs -------------------------------------------------------------------- */

static void
print_run (int              round,
           int              c,
           const RunResult *app,
           const RunResult *cli,
           gboolean         app_first)
{
  g_autofree char *server = isfinite (app->server_cpu)
                            ? g_strdup_printf (", Xvfb %2.0f%%", 100 * app->server_cpu) : g_strdup ("");

  printf ("round %d  %-16s app %8.0f (%3.0f frames/s; main thread %2.0f%% of a core%s)  "
          "CLI %8.0f  app/CLI %5.2f  %s first; other programs %.1f | %.1f cores\n",
          round + 1, cases[c].name, app->rate, app->frames, 100 * app->main_cpu, server, cli->rate,
          app->rate / cli->rate, app_first ? "app" : "CLI", app->others, cli->others);
  fflush (stdout);
}

/* The first epoch's training loss of both sides: the same file, seed and
 * data give the same numbers, so a difference means the two did not do
 * the same work. */
static gboolean
check_same_work (const RunResult *app,
                 const RunResult *cli,
                 GError         **error)
{
  if (fabs (app->first_loss - cli->first_loss) > 1e-3 * MAX (fabs (cli->first_loss), 1e-3))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "The app and the CLI did not train the same: first-epoch loss %.6f in the app, "
                   "%.6f in the CLI", app->first_loss, cli->first_loss);
      return FALSE;
    }
  return TRUE;
}

/* One case of one round: the neighbours started (loaded cases), the app
 * and the CLI one after the other, who goes first alternating. */
static gboolean
run_case (Bench     *b,
          int        round,
          int        c,
          RunResult *app,
          RunResult *cli,
          GError   **error)
{
  gboolean app_first = (round + c) % 2 == 0;
  gboolean ok = TRUE;

  if (cases[c].loaded)
    {
      for (int k = 0; k < b->o->neighbours; k++)
        if ((b->neighbours[k] = neighbour_start ()) < 0)
          {
            int saved = errno;

            b->neighbours[k] = 0;
            neighbours_stop (b->neighbours, k);
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                         "Could not start the neighbour process (fork: %s); try --neighbours 0",
                         g_strerror (saved));
            return FALSE;
          }
      g_usleep (200000);
    }
  for (int turn = 0; turn < 2 && ok; turn++)
    ok = (turn == 0) == app_first ? app_run (b, cases[c].per_batch, app, error)
                                  : cli_run (b, cli, error);
  neighbours_stop (b->neighbours, b->o->neighbours);
  if (ok)
    print_run (round, c, app, cli, app_first);
  if (ok && b->o->verbose)
    printf ("    first-epoch training loss: app %.6f, CLI %.6f\n", app->first_loss, cli->first_loss);
  return ok && check_same_work (app, cli, error);
}

static void
print_table (const Options *o,
             double        (*app)[64],
             double        (*cli)[64],
             double        (*ratio)[64],
             gboolean       *met)
{
  printf ("\n%-18s %14s %14s %9s\n", "case", "app samples/s", "CLI samples/s", "app/CLI");
  *met = TRUE;
  for (int c = 0; c < N_CASES; c++)
    {
      double q = median (ratio[c], o->rounds);

      *met = *met && q >= GOAL;
      printf ("  %-16s %14.0f %14.0f %8.2fx   goal >= %.1fx: %s\n", cases[c].name,
              median (app[c], o->rounds), median (cli[c], o->rounds), q, GOAL,
              q >= GOAL ? "met" : "not met");
    }
  printf ("(medians over %d round%s; the ratio is the median of each round's app/CLI)\n",
          o->rounds, o->rounds == 1 ? "" : "s");
}

static double
loadavg (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return NAN;
  return g_ascii_strtod (text, NULL);
}

static gboolean
run_all (Bench   *b,
         gboolean *met,
         GError  **error)
{
  static double app[N_CASES][64], cli[N_CASES][64], ratio[N_CASES][64];
  NnDataset *ds = ds_dataset_get (ds_dataset_store_get_dataset (
                    ds_document_get_dataset_store (ds_window_get_document (b->window))));

  printf ("bench-app: %s on %s (%zu training images, %.0f%% held out for validation), batch %d, "
          "%d epoch%s a run, %d round%s; loaded: %d process%s spinning beside it\n",
          b->o->model, b->spec, ds->n_train, 100 * b->validation_split, b->batch, b->o->epochs,
          b->o->epochs == 1 ? "" : "s", b->o->rounds, b->o->rounds == 1 ? "" : "s",
          b->o->neighbours, b->o->neighbours == 1 ? "" : "es");
  printf ("machine: %ld cores online, engine pool %d threads, load average %.2f; app: %s, "
          "GSK_RENDERER=%s\n", sysconf (_SC_NPROCESSORS_ONLN), nn_blas_threads (), loadavg (),
          b->server_stat ? "under a private Xvfb" : "on this display",
          g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "(default)");
  for (int r = 0; r < b->o->rounds; r++)
    for (int c = 0; c < N_CASES; c++)
      {
        RunResult ra, rc;

        if (!run_case (b, r, c, &ra, &rc, error))
          return FALSE;
        app[c][r] = ra.rate;
        cli[c][r] = rc.rate;
        ratio[c][r] = ra.rate / rc.rate;
      }
  print_table (b->o, app, cli, ratio, met);
  printf ("load average at the end: %.2f\n", loadavg ());
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  Options o = { .rounds = 5, .epochs = 2, .neighbours = 1 };
  GOptionEntry entries[] = {
    { "rounds", 0, 0, G_OPTION_ARG_INT, &o.rounds, "Rounds of the four cases (default 5)", "R" },
    { "epochs", 0, 0, G_OPTION_ARG_INT, &o.epochs, "Epochs a run (default 2)", "E" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &o.limit, "Training images (default: all)", "N" },
    { "neighbours", 0, 0, G_OPTION_ARG_INT, &o.neighbours,
      "CPU-burning processes in the loaded cases (default 1)", "K" },
    { "quick", 0, 0, G_OPTION_ARG_NONE, &o.quick, "A smoke run: 1 round, 1 epoch, 2000 images", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "The app's threads and their share of a core during each run", NULL },
    { "cli", 0, 0, G_OPTION_ARG_FILENAME, &o.cli, "deepscope-cli to run", "PATH" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &o.model, "The model file", "MODEL.json" },
    { "data", 0, 0, G_OPTION_ARG_STRING, &o.data, "The dataset (default: the model's)", "NAME" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- training in the app against deepscope-cli");
  g_autoptr(GError) error = NULL;
  g_autofree char *tmpdir = NULL;
  Bench b = { &o };
  gboolean ok, met = FALSE;

  maybe_go_headless (argc, argv);
  /* First after that: it may re-execute the program with a better BLAS
   * kernel, which deepscope-cli then inherits. */
  nn_init (argc, argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-app: %s\n", error->message);
      return 2;
    }
  if (o.quick)
    {
      o.rounds = 1;
      o.epochs = 1;
      o.limit = 2000;
    }
  o.rounds = CLAMP (o.rounds, 1, 64);
  o.epochs = CLAMP (o.epochs, 1, MAX_EPOCHS);
  o.neighbours = CLAMP (o.neighbours, 0, 16);
  o.cli = o.cli ? o.cli : g_strdup (BENCH_CLI);
  o.model = o.model ? o.model : g_strdup (BENCH_MODEL);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-app: cannot open a display; run it through tests/run-headless.sh\n");
      return 1;
    }
  adw_init ();
  ds_ui_init ();
  ds_prefer_cairo_on_software_gl ();

  ok = prepare_model (&b, &tmpdir, &error) && app_open (&b, &error) && run_all (&b, &met, &error);
  if (!ok)
    g_printerr ("bench-app: %s\n", error->message);
  if (b.window)
    ds_window_close_discarding (b.window);
  if (b.model_path)
    g_unlink (b.model_path);
  if (tmpdir)
    g_rmdir (tmpdir);
  g_free (b.model_path);
  g_free (b.spec);
  g_free (b.server_stat);
  g_free (o.cli);
  g_free (o.model);
  g_free (o.data);
  /* A smoke run checks that both sides train and report; the goal is
   * judged on full runs. */
  return !ok ? 1 : o.quick || met ? 0 : 3;
}
