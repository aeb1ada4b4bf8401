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
 *   peak RSS     each side's maximum resident set for the same work: the
 *                training steps, the latency runs and the batch of 1000;
 *                the engine's in a process of its own (--rss-probe), as
 *                this one also holds the trainer's second training graph
 *                and the sgemm reference's matrices
 * and, for the engine, the fraction of OpenBLAS's sgemm peak (timed in the
 * same run) that the convolution layers reach during training.
 * The machine is shared and noisy: medians over rounds, ratios taken per
 * round (both sides close in time) before their median. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "nn-conv-private.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_convnet.py"
#endif
#ifndef BENCH_SAMPLE
#define BENCH_SAMPLE "fashion_convnet.json"
#endif

#define BATCH 64
#define BIG_BATCH 1000

static BenchOptions opt = { .steps = 100, .warmup = 10, .rounds = 5 };
static char *opt_sample;
static int opt_chunk;
static gboolean opt_rss_probe;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Timed training steps per round (100)", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup, "Untimed steps before each round (10)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "A few steps and one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "no-fit", 0, 0, G_OPTION_ARG_NONE, &opt.no_fit, "Skip the trainer-thread measurement", NULL },
  { "ops", 0, 0, G_OPTION_ARG_NONE, &opt.ops, "Print where a training step's time goes", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_convnet.py)", "PATH" },
  { "sample", 0, 0, G_OPTION_ARG_FILENAME, &opt_sample, "The model (fashion_convnet.json)", "PATH" },
  { "data", 0, 0, G_OPTION_ARG_STRING, &opt.data, "Dataset spec (fashion-mnist)", "SPEC" },
  { "chunk", 0, 0, G_OPTION_ARG_INT, &opt_chunk, "Floats of im2col rows per chunk (131072)", "N" },
  { "rss-probe", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &opt_rss_probe,
    "Do PyTorch's share of the work only and print the peak RSS", NULL },
  { NULL }
};

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
  double best = INFINITY, end = bench_now_s () + min_s;
  do
    {
      double t0 = bench_now_s ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                   c, n);
      best = MIN (best, bench_now_s () - t0);
    }
  while (bench_now_s () < end);
  openblas_set_num_threads (1);
  g_free (a);
  g_free (b);
  g_free (c);
  return 2.0 * n * (double) nn / best / 1e9;
}

/* ---- the engine's training step -------------------------------------------- */

/* FLOPs of one training step's convolutions computed plainly: forward,
 * kernel gradient, input gradient (not for the first layer, whose input
 * needs none), every output position. The engine does less work than
 * this (Winograd; only the positions a fused pooling reads), so the rate
 * derived from it is an effective one and may pass the sgemm peak. */
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

/* Samples/s over the run; *typical: the rate of the median step. */
static double
stepper_run (BenchStepper *s, int steps, int warmup, double *typical)
{
  bench_stepper_chunk (s, warmup, NULL);
  double *dt = g_new (double, steps);
  bench_stepper_chunk (s, steps, dt);
  *typical = BATCH / bench_median (dt, steps);
  double rate = steps * (double) BATCH / bench_sum (dt, steps);
  g_free (dt);
  return rate;
}

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

/* Times every op of `steps` training steps; returns the seconds per step
 * spent in the convolution ops, and prints the breakdown if asked. */
static double
stepper_profile (BenchStepper *s, int steps, gboolean print)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  int nn = g->n_nodes;
  double *fwd = g_new0 (double, nn), *bwd = g_new0 (double, nn);
  double *op_s = g_new0 (double, 2 * (size_t) nn);
  double t_feed = 0, t_zero = 0, t_opt = 0, t_total = 0;
  for (int it = 0; it < steps; it++)
    {
      double t0 = bench_now_s ();
      bench_stepper_feed (s);
      double t = bench_now_s ();
      t_feed += t - t0;
      /* The graph's own forward and backward, timing each op (backward
       * includes zeroing the gradients an op is first to add into). */
      memset (op_s, 0, 2 * (size_t) nn * sizeof (double));
      g->op_seconds = op_s;
      nn_graph_forward_to (g, c->loss_node);
      double a = bench_now_s ();
      memset (c->grads, 0, c->n_grads * sizeof (float));
      t_zero += bench_now_s () - a;
      nn_graph_backward (g, c->loss_node);
      g->op_seconds = NULL;
      for (int i = 0; i < nn; i++)
        {
          fwd[i] += op_s[2 * i];
          bwd[i] += op_s[2 * i + 1];
        }
      a = bench_now_s ();
      nn_optimizer_step (s->opt, c, s->lr);
      t = bench_now_s ();
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
      double t0 = bench_now_s ();
      nn_array_gather (ds->inputs[0], &idx, 1, g->nodes[c->input_nodes[0]].value);
      nn_graph_forward_to (g, c->output_nodes[0]);
      if (i >= 10)
        dt[i - 10] = bench_now_s () - t0;
    }
  double r = bench_median (dt, runs);
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
      double t0 = bench_now_s ();
      NnTensor *p = nn_model_predict (m, ds, idx, (size_t) n, 0, n, error);
      double dt = bench_now_s () - t0;
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

/* ---- peak memory ---------------------------------------------------------------- */

/* --rss-probe: the training steps, the latency runs and the batch of
 * 1000, then "rss BYTES" on stdout. */
static int
rss_probe (NnModel *model, NnDataset *ds)
{
  g_autoptr (GError) error = NULL;
  BenchStepper st;
  double typical;
  if (!bench_stepper_init (&st, model, ds, BATCH, 1, &error))
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 1;
    }
  stepper_run (&st, opt.steps, opt.warmup, &typical);
  bench_stepper_clear (&st);
  engine_latency (model, ds, opt.quick ? 20 : 300, &error);
  if (!error)
    engine_batch (model, ds, BIG_BATCH, opt.quick ? 1 : 5, &error);
  if (error)
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 1;
    }
  printf ("rss %.0f\n", bench_peak_rss_bytes ());
  return 0;
}

/* The peak RSS of this program run with --rss-probe and the same model,
 * data and steps; NAN (and a message) if that fails. */
static double
probe_rss (void)
{
  g_autoptr (GPtrArray) av = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (av, g_file_read_link ("/proc/self/exe", NULL));
  g_ptr_array_add (av, g_strdup ("--rss-probe"));
  g_ptr_array_add (av, g_strdup_printf ("--steps=%d", opt.steps));
  g_ptr_array_add (av, g_strdup_printf ("--warmup=%d", opt.warmup));
  if (opt.quick)
    g_ptr_array_add (av, g_strdup ("--quick"));
  if (opt_sample)
    g_ptr_array_add (av, g_strdup_printf ("--sample=%s", opt_sample));
  if (opt.data)
    g_ptr_array_add (av, g_strdup_printf ("--data=%s", opt.data));
  if (opt_chunk > 0)
    g_ptr_array_add (av, g_strdup_printf ("--chunk=%d", opt_chunk));
  g_ptr_array_add (av, NULL);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  double rss = NAN;
  if (!g_ptr_array_index (av, 0)
      || !g_spawn_sync (NULL, (char **) av->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL,
                        &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    printf ("engine: the memory probe failed: %s\n", error ? error->message : "no executable");
  else
    {
      const char *line = strstr (out, "rss ");
      if (line)
        rss = g_ascii_strtod (line + 4, NULL);
    }
  return rss;
}

/* ---- main ---------------------------------------------------------------------- */

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
  bench_options_settle (&opt, 8);
  const guint64 seed = 1;

  double t_load;
  g_autoptr (NnDataset) ds = bench_dataset_open (&opt, &t_load, &error);
  if (!ds)
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      return 1;
    }
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

  if (opt_rss_probe)
    return rss_probe (model, ds);

  printf ("Fashion-MNIST classic convnet (%s, %" G_GINT64_FORMAT " weights), RMSprop, batch %d\n",
          nn_model_get_name (model), nn_model_count_params (model, NULL, NULL), BATCH);
  bench_print_plan (&opt, ds, t_load);
  printf ("engine: OpenBLAS core %s, %d threads\n", nn_blas_core_name (), nn_blas_threads ());

  BenchTorch torch;
  gboolean have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, BATCH);

  BenchStepper st;
  if (!bench_stepper_init (&st, model, ds, BATCH, seed, &error))
    {
      g_printerr ("bench-convnet: %s\n", error->message);
      bench_torch_stop (&torch);
      return 1;
    }
  /* multiply-adds x 2 of the conv ops, one step */
  double conv_flops = conv_step_flops (st.c->g);

  double *r_step = g_new (double, opt.rounds), *r_fit = g_new (double, opt.rounds);
  double *r_torch = g_new (double, opt.rounds), *q_step = g_new (double, opt.rounds);
  double *q_fit = g_new (double, opt.rounds), *peak = g_new (double, opt.rounds);
  double *conv_frac = g_new (double, opt.rounds);
  int rc = 0;
  printf ("\n");
  for (int r = 0; r < opt.rounds; r++)
    {
      r_step[r] = r_fit[r] = r_torch[r] = NAN;
      peak[r] = sgemm_peak (1024, opt.quick ? 0.05 : 0.3);
      /* the conv layers' share of a training step, timed op by op */
      double conv_s = stepper_profile (&st, opt.quick ? 2 : 20, opt.ops && r == 0);
      conv_frac[r] = conv_flops / conv_s / 1e9 / peak[r];
      double torch_loss = NAN, typical = NAN, ttypical = NAN;
      /* alternate who goes first, so neither side always gets the calmer
       * moment after the other's threads went to sleep */
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            {
              r_step[r] = stepper_run (&st, opt.steps, opt.warmup, &typical);
              if (!opt.no_fit)
                {
                  g_autoptr (GError) ferr = NULL;
                  r_fit[r] = bench_fit_rate (model, ds, BATCH, opt.steps, opt.warmup,
                                             seed + (guint64) r, &ferr);
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
              g_autofree char *cmd = g_strdup_printf ("train %d %d\n", opt.steps, opt.warmup);
              double v[4];
              if (bench_torch_ask (&torch, cmd, v, 4, &terr))
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
  bench_stepper_clear (&st);

  /* inference */
  int lat_runs = opt.quick ? 20 : 300;
  double lat = engine_latency (model, ds, lat_runs, &error);
  double big = engine_batch (model, ds, BIG_BATCH, opt.quick ? 1 : 5, &error);
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
      g_autofree char *c2 = g_strdup_printf ("infer %d %d\n", BIG_BATCH, opt.quick ? 1 : 5);
      if (!bench_torch_ask (&torch, c1, &t_lat, 1, &terr) || !bench_torch_ask (&torch, c2, &t_big, 1, &terr)
          || !bench_torch_ask (&torch, "rss\n", &t_rss, 1, &terr))
        printf ("torch: failed: %s\n", terr->message);
    }
  bench_torch_stop (&torch);
  double own_rss = bench_peak_rss_bytes (), rss = probe_rss ();

  double m_step = bench_median (r_step, opt.rounds), m_fit = bench_median (r_fit, opt.rounds);
  double m_torch = bench_median (r_torch, opt.rounds), m_peak = bench_median (peak, opt.rounds);
  double m_frac = bench_median (conv_frac, opt.rounds);
  printf ("\n%-24s %12s %12s  %-10s %7s\n", "", "engine", "torch", "unit", "ratio");
  printf ("  %-22s %12.0f %12.0f  %-10s %6.2fx   goal >= 3.0x: %s\n", "training (step loop)",
          m_step, m_torch, "samples/s", bench_median (q_step, opt.rounds),
          bench_median (q_step, opt.rounds) >= 3.0 ? "met" : "not met");
  if (!opt.no_fit)
    printf ("  %-22s %12.0f %12.0f  %-10s %6.2fx\n", "training (trainer)", m_fit, m_torch,
            "samples/s", bench_median (q_fit, opt.rounds));
  bench_ratio_line ("batch-1 latency", lat * 1e3, t_lat * 1e3, "ms", 0.5, FALSE);
  bench_ratio_line ("batch-1000 inference", big, t_big, "images/s", 2.0, TRUE);
  bench_ratio_line ("peak RSS", rss / 1048576.0, t_rss / 1048576.0, "MiB", 0.3, FALSE);
  printf ("  (peak RSS of this whole run, with the trainer's second graph and the sgemm "
          "reference: %.1f MiB)\n", own_rss / 1048576.0);
  printf ("  sgemm peak (1024^3, %d threads) %.1f GFLOP/s; the conv layers reach %.0f%% of it "
          "while training (%.1f GFLOP/s effective: a plain convolution's FLOPs per second)\n",
          nn_blas_threads (), m_peak, 100 * m_frac, m_frac * m_peak);

  g_free (r_step);
  g_free (r_fit);
  g_free (r_torch);
  g_free (q_step);
  g_free (q_fit);
  g_free (peak);
  g_free (conv_frac);
  return rc;
}
