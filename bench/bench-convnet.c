/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-convnet: the classic small convnet on Fashion-MNIST, engine against
 * PyTorch, in one run.
 *
 * Model: samples/fashion_convnet.json (Conv2D 32 3x3 relu → MaxPool 2 →
 * Conv2D 64 → MaxPool → Conv2D 64 → Flatten → Dense 64 relu → Dense 10
 * softmax), sparse categorical cross-entropy, RMSprop lr 0.001, batch 64, on
 * the real Fashion-MNIST training images (uint8, converted per batch). The
 * PyTorch side (bench/torch_convnet.py, Debian's python3-torch under
 * /usr/bin/python3, 2 threads, OMP_WAIT_POLICY=passive, the engine's
 * OpenBLAS kernel) builds the identical model. Measured:
 *   training     samples/s: engine-step (private API loop), engine-fit (the
 *                public trainer thread) and torch, alternately, per round
 *   latency      one image's prediction (batch 1), median
 *   batch 1000   images/s predicting 1000 images in one call, best round
 *   peak RSS     each process's own maximum resident set
 * and, for the engine, the fraction of OpenBLAS's sgemm peak (timed in the
 * same run) that the convolution layers reach during training.
 * The machine is shared and noisy: medians over rounds, ratios taken per
 * round (both sides close in time) before their median. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "nn.h"
#include "nn-conv-private.h"
#include "nn-model-private.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_convnet.py"
#endif
#ifndef BENCH_SAMPLE
#define BENCH_SAMPLE "fashion_convnet.json"
#endif

#define BATCH 64
#define BIG_BATCH 1000

static int opt_steps = 100;
static int opt_warmup = 10;
static int opt_rounds = 5;
static gboolean opt_quick;
static gboolean opt_no_torch;
static gboolean opt_no_fit;
static gboolean opt_ops;
static char *opt_python;
static char *opt_script;
static char *opt_sample;
static char *opt_data;
static int opt_chunk;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt_steps, "Timed training steps per round (100)", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt_warmup, "Untimed steps before each round (10)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds, "Rounds of each side, alternating (5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "A few steps and one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt_no_torch, "Measure the engine only", NULL },
  { "no-fit", 0, 0, G_OPTION_ARG_NONE, &opt_no_fit, "Skip the trainer-thread measurement", NULL },
  { "ops", 0, 0, G_OPTION_ARG_NONE, &opt_ops, "Print where a training step's time goes", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt_python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt_script, "The PyTorch side (torch_convnet.py)", "PATH" },
  { "sample", 0, 0, G_OPTION_ARG_FILENAME, &opt_sample, "The model (fashion_convnet.json)", "PATH" },
  { "data", 0, 0, G_OPTION_ARG_STRING, &opt_data, "Dataset spec (fashion-mnist)", "SPEC" },
  { "chunk", 0, 0, G_OPTION_ARG_INT, &opt_chunk, "Floats of im2col rows per chunk (131072)", "N" },
  { NULL }
};

static double
now_s (void)
{
  return g_get_monotonic_time () / 1e6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Median of the finite values; NAN when there are none. */
static double
median (const double *v, int n)
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

static double
peak_rss_bytes (void)
{
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_maxrss * 1024.0;   /* KiB on Linux */
}

/* ---- sgemm peak ------------------------------------------------------------ */

/* Best GFLOP/s of a square sgemm over min_s seconds, OpenBLAS on as many
 * threads as the engine has (the engine keeps it on one and splits the work
 * itself): the bound any convolution built on sgemm can reach on this
 * machine right now. */
static double
sgemm_peak (int n, double min_s)
{
  size_t nn = (size_t) n * n;
  float *a = g_new (float, nn), *b = g_new (float, nn), *c = g_new0 (float, nn);
  for (size_t i = 0; i < nn; i++)
    {
      a[i] = (float) (i % 13) * 0.01f;
      b[i] = (float) (i % 7) * 0.01f;
    }
  openblas_set_num_threads (nn_blas_threads ());
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
  double best = INFINITY, end = now_s () + min_s;
  do
    {
      double t0 = now_s ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                   c, n);
      best = MIN (best, now_s () - t0);
    }
  while (now_s () < end);
  openblas_set_num_threads (1);
  g_free (a);
  g_free (b);
  g_free (c);
  return 2.0 * n * (double) nn / best / 1e9;
}

/* ---- the engine's training step -------------------------------------------- */

typedef struct {
  NnCompiled  *c;
  NnOptimizer *opt;
  NnDataset   *ds;
  NnRng        rng;
  guint32     *order;
  size_t       n, pos;
  double       lr;
  float        loss;
  double       conv_flops;   /* multiply-adds x 2 of the conv ops, one step */
} Stepper;

/* FLOPs of one training step's convolutions: forward, kernel gradient,
 * input gradient (not for the first layer, whose input needs none). */
static double
conv_step_flops (NnGraph *g)
{
  double f = 0;
  for (int i = 0; i < g->n_nodes; i++)
    {
      NnNode *n = &g->nodes[i];
      if (n->op != NN_OP_CONV2D)
        continue;
      NnNode *x = nn_in (g, n, 0), *w = nn_in (g, n, 1);
      double one = 2.0 * n->shape[0] * n->shape[1] * n->shape[2] * w->shape[0] * w->shape[1]
                   * w->shape[2] * w->shape[3];
      f += one * (1 + (w->grad != NULL) + (x->grad != NULL));
    }
  return f;
}

static gboolean
stepper_init (Stepper *s, NnModel *m, NnDataset *ds, guint64 seed, GError **error)
{
  memset (s, 0, sizeof *s);
  nn_rng_seed (&s->rng, seed);
  s->c = nn_compile (m, BATCH, NN_COMPILE_TRAIN, &s->rng, error);
  if (!s->c)
    return FALSE;
  s->opt = nn_optimizer_new (nn_model_get_optimizer (m), s->c->n_grads);
  s->lr = nn_model_get_optimizer (m)->learning_rate;
  s->ds = ds;
  s->n = ds->n_train;
  s->order = g_memdup2 (ds->train_idx, s->n * sizeof (guint32));
  nn_rng_shuffle (&s->rng, s->order, s->n);
  s->conv_flops = conv_step_flops (s->c->g);
  return TRUE;
}

static void
stepper_clear (Stepper *s)
{
  nn_optimizer_free (s->opt);
  nn_compiled_free (s->c);
  g_free (s->order);
}

static void
stepper_feed (Stepper *s)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  if (s->pos + BATCH > s->n)
    {
      nn_rng_shuffle (&s->rng, s->order, s->n);
      s->pos = 0;
    }
  const guint32 *idx = s->order + s->pos;
  s->pos += BATCH;
  nn_graph_set_batch (g, BATCH);
  nn_array_gather (s->ds->inputs[0], idx, BATCH, g->nodes[c->input_nodes[0]].value);
  nn_array_gather (s->ds->targets[0], idx, BATCH, g->nodes[c->target_nodes[0]].value);
}

/* One training step as the trainer makes it, minus metrics and events. */
static void
stepper_step (Stepper *s)
{
  NnCompiled *c = s->c;
  stepper_feed (s);
  nn_graph_forward_to (c->g, c->loss_node);
  s->loss = c->g->nodes[c->loss_node].value[0];
  memset (c->grads, 0, c->n_grads * sizeof (float));
  nn_graph_backward (c->g, c->loss_node);
  nn_optimizer_step (s->opt, c, s->lr);
}

/* Samples/s over the run; *typical: the rate of the median step. */
static double
stepper_run (Stepper *s, int steps, int warmup, double *typical)
{
  for (int i = 0; i < warmup; i++)
    stepper_step (s);
  double *dt = g_new (double, steps);
  double t0 = now_s (), t = t0;
  for (int i = 0; i < steps; i++)
    {
      stepper_step (s);
      double t1 = now_s ();
      dt[i] = t1 - t;
      t = t1;
    }
  *typical = BATCH / median (dt, steps);
  g_free (dt);
  return steps * (double) BATCH / (t - t0);
}

/* Times every op of `steps` training steps; returns the seconds per step
 * spent in the convolution ops, and prints the breakdown if asked. */
/* "conv2 (conv2d)": the layer a node belongs to, for the breakdown. */
static char *
node_name (NnCompiled *c, int node)
{
  NnModel *m = c->model;
  const char *op = nn_op_info (c->g->nodes[node].op)->name;
  for (int l = 0; l < nn_model_get_n_layers (m); l++)
    for (int k = 0; k < nn_model_layer_get_n_calls (m, l); k++)
      if (c->call_nodes[l] && c->call_nodes[l][k] == node)
        return g_strdup_printf ("%s (%s)", nn_model_layer_get_name (m, l), op);
  return g_strdup (op);
}

static double
stepper_profile (Stepper *s, int steps, gboolean print)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  int nn = g->n_nodes;
  double *fwd = g_new0 (double, nn), *bwd = g_new0 (double, nn);
  double *op_s = g_new0 (double, 2 * (size_t) nn);
  double t_feed = 0, t_zero = 0, t_opt = 0, t_total = 0;
  for (int it = 0; it < steps; it++)
    {
      double t0 = now_s ();
      stepper_feed (s);
      double t = now_s ();
      t_feed += t - t0;
      /* The graph's own forward and backward, timing each op (backward
       * includes zeroing the gradients an op is first to add into). */
      memset (op_s, 0, 2 * (size_t) nn * sizeof (double));
      g->op_seconds = op_s;
      nn_graph_forward_to (g, c->loss_node);
      double a = now_s ();
      memset (c->grads, 0, c->n_grads * sizeof (float));
      t_zero += now_s () - a;
      nn_graph_backward (g, c->loss_node);
      g->op_seconds = NULL;
      for (int i = 0; i < nn; i++)
        {
          fwd[i] += op_s[2 * i];
          bwd[i] += op_s[2 * i + 1];
        }
      a = now_s ();
      nn_optimizer_step (s->opt, c, s->lr);
      t = now_s ();
      t_opt += t - a;
      t_total += t - t0;
    }
  double conv = 0;
  for (int i = 0; i < nn; i++)
    if (g->nodes[i].op == NN_OP_CONV2D)
      conv += fwd[i] + bwd[i];
  if (print)
    {
      double k = 1e3 / steps;
      printf ("\nwhere one engine training step's time goes (ms per step, mean of %d):\n", steps);
      printf ("  %-40s %8.3f\n", "gather + convert the batch", t_feed * k);
      for (int i = 0; i <= c->loss_node; i++)
        if (fwd[i] > 1e-6 / k)
          {
            g_autofree char *name = node_name (c, i);
            printf ("  forward  %-31s %8.3f\n", name, fwd[i] * k);
          }
      printf ("  %-40s %8.3f\n", "zero the weight gradients", t_zero * k);
      for (int i = c->loss_node; i >= 0; i--)
        if (bwd[i] > 1e-6 / k)
          {
            g_autofree char *name = node_name (c, i);
            printf ("  backward %-31s %8.3f\n", name, bwd[i] * k);
          }
      printf ("  %-40s %8.3f\n", "optimizer update", t_opt * k);
      printf ("  %-40s %8.3f  (%.0f samples/s)\n", "total", t_total * k, steps * BATCH / t_total);
    }
  g_free (fwd);
  g_free (bwd);
  g_free (op_s);
  return conv / steps;
}

/* ---- the engine through the trainer ----------------------------------------- */

/* Rate from the batch events' own clock past the warm-up, so compiling and
 * thread start-up are not counted. */
static double
fit_run (NnModel *m, NnDataset *ds, int steps, int warmup, guint64 seed, GError **error)
{
  g_autoptr (NnTrainer) t = nn_trainer_new ();
  NnFitConfig cfg;
  nn_fit_config_init (&cfg);
  cfg.epochs = 1000;
  cfg.batch_size = BATCH;
  cfg.seed = seed;
  cfg.max_steps = warmup + steps;
  double t0 = now_s ();
  if (!nn_trainer_start (t, m, ds, &cfg, error))
    return NAN;
  gboolean ok = nn_trainer_join (t, error);
  double wall = now_s () - t0;
  nn_fit_config_clear (&cfg);
  if (!ok)
    return NAN;
  long s0 = -1, s1 = -1;
  double e0 = 0, e1 = 0;
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
        }
      nn_event_free (e);
    }
  if (s0 >= 0 && s1 > s0 && e1 > e0)
    return (double) (s1 - s0) * BATCH / (e1 - e0);
  return (warmup + steps) * (double) BATCH / wall;
}

/* ---- the engine's inference ------------------------------------------------- */

/* Median seconds of one image's prediction: gather, convert, forward. */
static double
engine_latency (NnModel *m, NnDataset *ds, int runs, GError **error)
{
  NnRng rng;
  nn_rng_seed (&rng, 3);
  NnCompiled *c = nn_compile (m, 1, 0, &rng, error);
  if (!c)
    return NAN;
  NnGraph *g = c->g;
  double *dt = g_new (double, runs);
  for (int i = 0; i < runs + 10; i++)
    {
      guint32 idx = ds->train_idx[(size_t) i % ds->n_train];
      double t0 = now_s ();
      nn_array_gather (ds->inputs[0], &idx, 1, g->nodes[c->input_nodes[0]].value);
      nn_graph_forward_to (g, c->output_nodes[0]);
      if (i >= 10)
        dt[i - 10] = now_s () - t0;
    }
  double r = median (dt, runs);
  g_free (dt);
  nn_compiled_free (c);
  return r;
}

/* Images/s predicting n images in one call (best of the rounds) through
 * the engine's public nn_model_predict, as an application does: it
 * compiles, gathers and converts the images and runs them through the
 * model (a slice of the batch at a time, which keeps the activations
 * small), against PyTorch's model (x) on the whole batch. */
static double
engine_batch (NnModel *m, NnDataset *ds, int n, int rounds, GError **error)
{
  double best = INFINITY;
  guint32 *idx = g_new (guint32, n);
  for (int r = 0; r <= rounds; r++)
    {
      for (int i = 0; i < n; i++)
        idx[i] = ds->train_idx[((size_t) r * n + i) % ds->n_train];
      double t0 = now_s ();
      NnTensor *p = nn_model_predict (m, ds, idx, (size_t) n, 0, n, error);
      double dt = now_s () - t0;
      if (!p)
        {
          g_free (idx);
          return NAN;
        }
      nn_tensor_free (p);
      if (r > 0)
        best = MIN (best, dt);
    }
  g_free (idx);
  return n / best;
}

/* ---- PyTorch in a child process ----------------------------------------------- */

typedef struct {
  GSubprocess      *proc;
  GOutputStream    *in;
  GDataInputStream *out;
  char             *info;
} Torch;

static void
torch_stop (Torch *t)
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

static gboolean
torch_start (Torch *t, GError **error)
{
  memset (t, 0, sizeof *t);
  g_autoptr (GSubprocessLauncher) l =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* the OpenBLAS kernels and thread count the engine ended up with */
  const char *core = nn_blas_core_name ();
  if (g_strcmp0 (core, "unknown") != 0)
    g_subprocess_launcher_setenv (l, "OPENBLAS_CORETYPE", core, TRUE);
  g_autofree char *threads = g_strdup_printf ("%d", nn_blas_threads ());
  g_subprocess_launcher_setenv (l, "OPENBLAS_NUM_THREADS", threads, TRUE);
  /* idle OpenMP threads sleep instead of spinning against OpenBLAS's */
  g_subprocess_launcher_setenv (l, "OMP_WAIT_POLICY", "passive", TRUE);
  g_subprocess_launcher_unsetenv (l, "DEEPSCOPE_REEXEC");
  const char *dir = g_getenv ("DEEPSCOPE_FASHION_MNIST_DIR");
  const char *argv[] = {
    opt_python ? opt_python : "/usr/bin/python3",
    opt_script ? opt_script : BENCH_TORCH_SCRIPT,
    "--dir", dir ? dir : "/usr/share/datasets/fashion-mnist",
    "--batch", G_STRINGIFY (BATCH), "--threads", threads, NULL
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
                     "%s did not start (is python3-torch installed?)", argv[1]);
      torch_stop (t);
      return FALSE;
    }
  t->info = g_strdup (line + 6);
  return TRUE;
}

/* Sends a command; parses "result V1 V2 ..." into v (n values). */
static gboolean
torch_ask (Torch *t, const char *cmd, double *v, int n, GError **error)
{
  if (!g_output_stream_write_all (t->in, cmd, strlen (cmd), NULL, NULL, error)
      || !g_output_stream_flush (t->in, NULL, error))
    return FALSE;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (t->out, NULL, NULL, error);
  g_auto (GStrv) words = line ? g_strsplit (line, " ", -1) : NULL;
  if (!words || g_strcmp0 (words[0], "result") != 0 || (int) g_strv_length (words) < n + 1)
    {
      if (error && !*error)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "the PyTorch side answered “%s”",
                     line ? line : "nothing");
      return FALSE;
    }
  for (int k = 0; k < n; k++)
    v[k] = g_ascii_strtod (words[k + 1], NULL);
  return TRUE;
}

/* ---- main ---------------------------------------------------------------------- */

static void
ratio_line (const char *what, double engine, double torch, const char *unit, double goal,
            gboolean higher_is_better)
{
  double q = engine / torch;
  gboolean met = higher_is_better ? q >= goal : q <= goal;
  printf ("  %-22s %12.3f %12.3f  %-10s %6.2fx   goal %s%.1fx: %s\n", what, engine, torch, unit,
          q, higher_is_better ? ">= " : "<= ", goal,
          isfinite (q) ? (met ? "met" : "not met") : "n/a");
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("— the classic Fashion-MNIST convnet: engine vs PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 2;
    }
  if (opt_chunk > 0)
    nn_conv_set_chunk_floats ((size_t) opt_chunk);
  if (opt_quick)
    {
      opt_steps = 8;
      opt_warmup = 2;
      opt_rounds = 1;
    }
  opt_steps = MAX (opt_steps, 1);
  opt_warmup = MAX (opt_warmup, 0);
  opt_rounds = MAX (opt_rounds, 1);
  const guint64 seed = 1;

  double t_load = now_s ();
  g_autoptr (NnDataset) ds = nn_dataset_open (opt_data ? opt_data : "fashion-mnist", NULL, &error);
  if (!ds)
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 1;
    }
  t_load = now_s () - t_load;
  g_autoptr (NnModel) model = nn_model_load (opt_sample ? opt_sample : BENCH_SAMPLE, &error);
  if (!model || !nn_model_init_weights (model, seed, &error))
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 1;
    }
  /* the bench's terms, whatever the sample says */
  NnOptimizerConfig *oc = nn_model_get_optimizer (model);
  nn_optimizer_config_init (oc, NN_OPT_RMSPROP);
  oc->learning_rate = 0.001;

  printf ("Fashion-MNIST classic convnet (%s, %" G_GINT64_FORMAT " weights), RMSprop, batch %d\n",
          nn_model_get_name (model), nn_model_count_params (model, NULL, NULL), BATCH);
  printf ("data: %zu training images (loaded in %.2f s); %d timed steps after %d warm-up, "
          "%d round%s\n", ds->n_train, t_load, opt_steps, opt_warmup, opt_rounds,
          opt_rounds == 1 ? "" : "s");
  printf ("engine: OpenBLAS core %s, %d threads\n", nn_blas_core_name (), nn_blas_threads ());

  Torch torch = { 0 };
  gboolean have_torch = FALSE;
  if (!opt_no_torch)
    {
      g_autoptr (GError) terr = NULL;
      have_torch = torch_start (&torch, &terr);
      if (have_torch)
        printf ("torch: %s\n", torch.info);
      else
        printf ("torch: unavailable: %s\n", terr->message);
    }

  Stepper st;
  if (!stepper_init (&st, model, ds, seed, &error))
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      torch_stop (&torch);
      return 1;
    }

  double *r_step = g_new (double, opt_rounds), *r_fit = g_new (double, opt_rounds);
  double *r_torch = g_new (double, opt_rounds), *q_step = g_new (double, opt_rounds);
  double *q_fit = g_new (double, opt_rounds), *peak = g_new (double, opt_rounds);
  double *conv_frac = g_new (double, opt_rounds);
  int rc = 0;
  printf ("\n");
  for (int r = 0; r < opt_rounds; r++)
    {
      r_step[r] = r_fit[r] = r_torch[r] = NAN;
      peak[r] = sgemm_peak (1024, opt_quick ? 0.05 : 0.3);
      /* the conv layers' share of a training step, timed op by op */
      double conv_s = stepper_profile (&st, opt_quick ? 2 : 20, opt_ops && r == 0);
      conv_frac[r] = st.conv_flops / conv_s / 1e9 / peak[r];
      double torch_loss = NAN, typical = NAN, ttypical = NAN;
      /* alternate who goes first, so neither side always gets the calmer
       * moment after the other's threads went to sleep */
      for (int turn = 0; turn < 2; turn++)
        {
          if ((turn == 0) == (r % 2 == 0))
            {
              r_step[r] = stepper_run (&st, opt_steps, opt_warmup, &typical);
              if (!opt_no_fit)
                {
                  g_autoptr (GError) ferr = NULL;
                  r_fit[r] = fit_run (model, ds, opt_steps, opt_warmup, seed + (guint64) r, &ferr);
                  if (ferr)
                    {
                      g_printerr ("bench-convnet: trainer: %s\n", ferr->message);
                      rc = 1;
                    }
                }
            }
          else if (have_torch)
            {
              g_autoptr (GError) terr = NULL;
              g_autofree char *cmd = g_strdup_printf ("train %d %d\n", opt_steps, opt_warmup);
              double v[4];
              if (torch_ask (&torch, cmd, v, 4, &terr))
                {
                  r_torch[r] = v[0];
                  torch_loss = v[2];
                  ttypical = BATCH / v[3];
                }
              else
                {
                  printf ("torch: failed: %s\n", terr->message);
                  have_torch = FALSE;
                }
            }
          g_usleep (200000);
        }
      q_step[r] = r_step[r] / r_torch[r];
      q_fit[r] = r_fit[r] / r_torch[r];
      printf ("round %d: engine-step %6.0f (median step %6.0f)  engine-fit %6.0f  torch %6.0f "
              "(median step %6.0f) samples/s; sgemm peak %.1f GFLOP/s, conv layers at %.0f%%; "
              "losses %.4f / %.4f\n", r + 1, r_step[r], typical, r_fit[r], r_torch[r], ttypical,
              peak[r], 100 * conv_frac[r], st.loss, torch_loss);
      fflush (stdout);
    }
  if (!isfinite (st.loss))
    {
      g_printerr ("bench-convnet: the engine's loss is not finite\n");
      rc = 1;
    }
  stepper_clear (&st);

  /* inference */
  int lat_runs = opt_quick ? 20 : 300;
  double lat = engine_latency (model, ds, lat_runs, &error);
  double big = engine_batch (model, ds, BIG_BATCH, opt_quick ? 1 : 5, &error);
  if (error)
    {
      g_printerr ("bench-convnet: inference: %s\n", error->message);
      rc = 1;
      g_clear_error (&error);
    }
  double t_lat = NAN, t_big = NAN, t_rss = NAN;
  if (have_torch)
    {
      g_autoptr (GError) terr = NULL;
      g_autofree char *c1 = g_strdup_printf ("latency %d\n", lat_runs);
      g_autofree char *c2 = g_strdup_printf ("infer %d %d\n", BIG_BATCH, opt_quick ? 1 : 5);
      if (!torch_ask (&torch, c1, &t_lat, 1, &terr) || !torch_ask (&torch, c2, &t_big, 1, &terr)
          || !torch_ask (&torch, "rss\n", &t_rss, 1, &terr))
        printf ("torch: failed: %s\n", terr->message);
    }
  torch_stop (&torch);
  double rss = peak_rss_bytes ();

  double m_step = median (r_step, opt_rounds), m_fit = median (r_fit, opt_rounds);
  double m_torch = median (r_torch, opt_rounds), m_peak = median (peak, opt_rounds);
  double m_frac = median (conv_frac, opt_rounds);
  printf ("\n%-24s %12s %12s  %-10s %7s\n", "", "engine", "torch", "unit", "ratio");
  printf ("  %-22s %12.0f %12.0f  %-10s %6.2fx   goal >= 3.0x: %s\n", "training (step loop)",
          m_step, m_torch, "samples/s", median (q_step, opt_rounds),
          median (q_step, opt_rounds) >= 3.0 ? "met" : "not met");
  if (!opt_no_fit)
    printf ("  %-22s %12.0f %12.0f  %-10s %6.2fx\n", "training (trainer)", m_fit, m_torch,
            "samples/s", median (q_fit, opt_rounds));
  ratio_line ("batch-1 latency", lat * 1e3, t_lat * 1e3, "ms", 0.5, FALSE);
  ratio_line ("batch-1000 inference", big, t_big, "images/s", 2.0, TRUE);
  ratio_line ("peak RSS", rss / 1048576.0, t_rss / 1048576.0, "MiB", 0.3, FALSE);
  printf ("  sgemm peak (1024^3, %d threads) %.1f GFLOP/s; the conv layers reach %.0f%% of it "
          "while training (%.1f GFLOP/s)\n", nn_blas_threads (), m_peak, 100 * m_frac,
          m_frac * m_peak);
  return rc;
}
