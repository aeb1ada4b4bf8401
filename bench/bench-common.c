/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The benchmarks' shared harness: see bench-common.h. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-common.h"

/* ---- clock and statistics ------------------------------------------------- */

double
bench_now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

double
bench_median (const double *v, int n)
{
  double *s = g_new (double, MAX (n, 1));
  int k = 0;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]))
      s[k++] = v[i];
  double r = NAN;
  if (k > 0)
    {
      qsort (s, (size_t) k, sizeof *s, cmp_double);
      r = k % 2 ? s[k / 2] : 0.5 * (s[k / 2 - 1] + s[k / 2]);
    }
  g_free (s);
  return r;
}

double
bench_best (const double *v, int n)
{
  double r = NAN;
  for (int i = 0; i < n; i++)
    if (isfinite (v[i]) && !(v[i] <= r))
      r = v[i];
  return r;
}

double
bench_sum (const double *v, int n)
{
  double r = 0;
  for (int i = 0; i < n; i++)
    r += v[i];
  return r;
}

/* VmHWM, the peak of this process image's own resident set: ru_maxrss
 * survives exec, so a process started by fork + exec from a larger one
 * would report that one's size (the memory probe, PyTorch's side). */
double
bench_peak_rss_bytes (void)
{
  g_autofree char *status = NULL;
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *hwm = strstr (status, "VmHWM:");
      if (hwm)
        return g_ascii_strtod (hwm + 6, NULL) * 1024.0;   /* kB */
    }
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_maxrss * 1024.0;   /* KiB on Linux */
}

gboolean
bench_engine_turn (int turn, int k)
{
  return (turn == 0) == (k % 2 == 0);
}

/* ---- options ---------------------------------------------------------------- */

void
bench_options_settle (BenchOptions *o, int quick_steps)
{
  if (o->quick)
    {
      o->steps = quick_steps;
      o->warmup = 2;
      o->rounds = 1;
    }
  o->steps = MAX (o->steps, 1);
  o->warmup = MAX (o->warmup, 0);
  o->rounds = MAX (o->rounds, 1);
}

NnDataset *
bench_dataset_open (const BenchOptions *o, double *seconds, GError **error)
{
  double t0 = bench_now_s ();
  NnDataset *ds = nn_dataset_open (o->data ? o->data : "fashion-mnist", NULL, error);
  *seconds = bench_now_s () - t0;
  return ds;
}

void
bench_print_plan (const BenchOptions *o, const NnDataset *ds, double load_s)
{
  printf ("data: %zu training images (loaded in %.2f s); %d timed steps after %d warm-up, "
          "%d round%s\n", ds->n_train, load_s, o->steps, o->warmup, o->rounds,
          o->rounds == 1 ? "" : "s");
}

/* ---- the engine's training step through the private API ------------------- */

gboolean
bench_stepper_init (BenchStepper *s, NnModel *m, NnDataset *ds, int batch, guint64 seed,
                    GError **error)
{
  memset (s, 0, sizeof *s);
  nn_rng_seed (&s->rng, seed);
  s->c = nn_compile (m, batch, NN_COMPILE_TRAIN, &s->rng, error);
  if (!s->c)
    return FALSE;
  s->opt = nn_optimizer_new (nn_model_get_optimizer (m), s->c->n_grads);
  s->lr = nn_model_get_optimizer (m)->learning_rate;
  s->ds = ds;
  s->n = ds->n_train;
  s->batch = batch;
  s->order = g_memdup2 (ds->train_idx, s->n * sizeof (guint32));
  nn_rng_shuffle (&s->rng, s->order, s->n);
  return TRUE;
}

void
bench_stepper_clear (BenchStepper *s)
{
  g_clear_pointer (&s->opt, nn_optimizer_free);
  g_clear_pointer (&s->c, nn_compiled_free);
  g_clear_pointer (&s->order, g_free);
}

void
bench_stepper_feed (BenchStepper *s)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  /* Drop the short tail, as PyTorch's side does: every step has a full
   * batch. */
  if (s->pos + (size_t) s->batch > s->n)
    {
      nn_rng_shuffle (&s->rng, s->order, s->n);
      s->pos = 0;
    }
  const guint32 *idx = s->order + s->pos;
  s->pos += (size_t) s->batch;
  nn_graph_set_batch (g, s->batch);
  nn_array_gather (s->ds->inputs[0], idx, (size_t) s->batch, g->nodes[c->input_nodes[0]].value);
  nn_array_gather (s->ds->targets[0], idx, (size_t) s->batch,
                   g->nodes[c->target_nodes[0]].value);
}

void
bench_stepper_step (BenchStepper *s)
{
  NnCompiled *c = s->c;
  bench_stepper_feed (s);
  nn_graph_forward_to (c->g, c->loss_node);
  s->loss = c->g->nodes[c->loss_node].value[0];
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_backward (c->g, c->loss_node);
  nn_optimizer_step (s->opt, c, s->lr);
}

void
bench_stepper_chunk (BenchStepper *s, int n, double *dt)
{
  double t = bench_now_s ();
  for (int i = 0; i < n; i++)
    {
      bench_stepper_step (s);
      double t1 = bench_now_s ();
      if (dt)
        dt[i] = t1 - t;
      t = t1;
    }
}

/* ---- the engine through the public trainer -------------------------------- */

/* The rate comes from the batch events' own clock between the first event at
 * or past the warm-up and the last one, so compiling and thread start-up are
 * not counted. */
double
bench_fit_rate (NnModel *m, NnDataset *ds, int batch, int steps, int warmup, guint64 seed,
                GError **error)
{
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 1000;
  cfg.batch_size = batch;
  cfg.seed = seed;
  cfg.max_steps = warmup + steps;
  double t0 = bench_now_s ();
  if (!nn_trainer_start (t, m, ds, &cfg, error))
    {
      nn_fit_config_clear (&cfg);
      return NAN;
    }
  gboolean ok = nn_trainer_join (t, error);
  double wall = bench_now_s () - t0;
  nn_fit_config_clear (&cfg);
  if (!ok)
    return NAN;
  long s0 = -1, s1 = -1;
  double e0 = 0, e1 = 0, last_rate = NAN;
  NnEvent *e;
  while ((e = nn_trainer_pop_event (t)))
    {
      if (e->kind == NN_EVENT_BATCH)
        {
          if (s0 < 0 && e->step >= warmup)
            {
              s0 = e->step;
              e0 = e->seconds;
            }
          s1 = e->step;
          e1 = e->seconds;
          last_rate = e->samples_per_s;
        }
      nn_event_free (e);
    }
  if (s0 >= 0 && s1 > s0 && e1 > e0)
    return (double) (s1 - s0) * batch / (e1 - e0);
  /* Too few events (the trainer sends at most one every 30 ms, so a very
   * short run): the trainer's own running rate, or at worst the wall clock
   * around the whole fit. */
  if (isfinite (last_rate) && last_rate > 0)
    return last_rate;
  return (warmup + steps) * (double) batch / wall;
}

/* ---- PyTorch in a child process ------------------------------------------- */

void
bench_torch_stop (BenchTorch *t)
{
  if (t->proc)
    {
      if (t->in)
        {
          g_output_stream_write_all (t->in, "quit\n", 5, NULL, NULL, NULL);
          g_output_stream_close (t->in, NULL, NULL);
        }
      g_subprocess_wait (t->proc, NULL, NULL);
    }
  g_clear_object (&t->out);
  g_clear_object (&t->proc);
  g_clear_pointer (&t->info, g_free);
  t->in = NULL;
}

gboolean
bench_torch_start (BenchTorch *t, const char *python, const char *script, int batch,
                   GError **error)
{
  memset (t, 0, sizeof *t);
  g_autoptr (GSubprocessLauncher) l =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* The same OpenBLAS kernels and thread count as this process: name the
   * core the engine ended up with (after nn_init's re-exec, if any). */
  const char *core = nn_blas_core_name ();
  if (g_strcmp0 (core, "unknown") != 0)
    g_subprocess_launcher_setenv (l, "OPENBLAS_CORETYPE", core, TRUE);
  g_autofree char *threads = g_strdup_printf ("%d", nn_blas_threads ());
  g_subprocess_launcher_setenv (l, "OPENBLAS_NUM_THREADS", threads, TRUE);
  /* Idle OpenMP threads sleep instead of spinning against OpenBLAS's. */
  g_subprocess_launcher_setenv (l, "OMP_WAIT_POLICY", "passive", TRUE);
  g_subprocess_launcher_unsetenv (l, "DEEPSCOPE_REEXEC");
  const char *dir = g_getenv ("DEEPSCOPE_FASHION_MNIST_DIR");
  g_autofree char *batch_s = g_strdup_printf ("%d", batch);
  const char *argv[] = {
    python ? python : "/usr/bin/python3", script,
    "--dir", dir ? dir : "/usr/share/datasets/fashion-mnist",
    "--batch", batch_s, "--threads", threads, NULL
  };
  t->proc = g_subprocess_launcher_spawnv (l, argv, error);
  if (!t->proc)
    return FALSE;
  t->in = g_subprocess_get_stdin_pipe (t->proc);
  t->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (t->proc));
  g_autofree char *line = g_data_input_stream_read_line_utf8 (t->out, NULL, NULL, error);
  if (!line || !g_str_has_prefix (line, "ready "))
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "%s did not start (is python3-torch installed?)", script);
      bench_torch_stop (t);
      return FALSE;
    }
  t->info = g_strdup (line + 6);
  return TRUE;
}

gboolean
bench_torch_launch (BenchTorch *t, const BenchOptions *o, const char *default_script, int batch)
{
  memset (t, 0, sizeof *t);
  if (o->no_torch)
    return FALSE;
  g_autoptr (GError) error = NULL;
  if (!bench_torch_start (t, o->python, o->script ? o->script : default_script, batch, &error))
    {
      printf ("torch: unavailable: %s\n", error->message);
      return FALSE;
    }
  printf ("torch: %s\n", t->info);
  return TRUE;
}

gboolean
bench_torch_ask (BenchTorch *t, const char *cmd, double *v, int n, GError **error)
{
  if (!g_output_stream_write_all (t->in, cmd, strlen (cmd), NULL, NULL, error)
      || !g_output_stream_flush (t->in, NULL, error))
    return FALSE;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (t->out, NULL, NULL, error);
  g_auto (GStrv) words = line ? g_strsplit (line, " ", -1) : NULL;
  if (!words || g_strcmp0 (words[0], "result") != 0 || g_strv_length (words) != (guint) n + 1)
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the PyTorch side answered “%.80s”",
                     line ? line : "nothing");
      return FALSE;
    }
  for (int k = 0; k < n; k++)
    v[k] = g_ascii_strtod (words[k + 1], NULL);
  return TRUE;
}

/* ---- the summary table ---------------------------------------------------- */

void
bench_ratio_line (const char *what, double engine, double torch, const char *unit, double goal,
                  gboolean higher_is_better)
{
  double q = engine / torch;
  gboolean met = higher_is_better ? q >= goal : q <= goal;
  printf ("  %-22s %12.3f %12.3f  %-10s %6.2fx   goal %s%.1fx: %s\n", what, engine, torch, unit,
          q, higher_is_better ? ">= " : "<= ", goal,
          isfinite (q) ? (met ? "met" : "not met") : "n/a");
}
