/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-mlp: training speed of the Fashion-MNIST MLP, engine against PyTorch.
 *
 * Model: Input (28, 28, 1) → Flatten → Dense 512 relu → Dense 10 softmax,
 * sparse categorical cross-entropy, RMSprop lr 0.001, batch 128, on the real
 * Fashion-MNIST training images (uint8, converted per batch), reshuffled
 * every epoch. Three measurements run alternately, round after round, in
 * this one process, so all see the same machine load:
 *   engine-step  the private API: feed, nn_graph_forward_to, backward,
 *                nn_optimizer_step in a plain loop (no thread hand-off)
 *   engine-fit   the public trainer (worker thread, metrics, events)
 *   torch        bench/torch_mlp.py in a child /usr/bin/python3, driven
 *                over a pipe, with the same OpenBLAS kernel and threads
 * The machine is shared and noisy, so the table reports medians over the
 * rounds, and ratios are taken per round (both sides close in time) before
 * their median. The sgemm rates on the very shapes of the training step
 * say how close to the BLAS bound the engine gets. */
#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "nn-parallel-private.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_mlp.py"
#endif

#define BATCH 128

static BenchOptions opt = { .steps = 300, .warmup = 20, .rounds = 5 };
static int opt_chunk = 50;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Timed training steps per round (300)", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup, "Untimed steps before each round (20)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (5)", "N" },
  { "chunk", 'c', 0, G_OPTION_ARG_INT, &opt_chunk, "Steps per turn, the sides alternating (50)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "A few steps and one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "no-fit", 0, 0, G_OPTION_ARG_NONE, &opt.no_fit, "Skip the trainer-thread measurement", NULL },
  { "ops", 0, 0, G_OPTION_ARG_NONE, &opt.ops, "Also time every op of the step (engine)", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_mlp.py)", "PATH" },
  { "data", 0, 0, G_OPTION_ARG_STRING, &opt.data, "Dataset spec (fashion-mnist)", "SPEC" },
  { NULL }
};

/* ---- the model ------------------------------------------------------------ */

static NnModel *
build_model (guint64 seed, GError **error)
{
  g_autoptr (NnModel) m = nn_model_new ("fashion_mlp");
  int in = nn_model_add_layer (m, "Input", "image", error);
  if (in < 0 || !nn_model_layer_set_param (m, in, "shape", "28,28,1", error))
    return NULL;
  int fl = nn_model_add_layer (m, "Flatten", "flatten", error);
  if (fl < 0 || !nn_model_connect (m, (NnRef) { in, 0 }, fl, 0, error))
    return NULL;
  int d1 = nn_model_add_layer (m, "Dense", "hidden", error);
  if (d1 < 0 || !nn_model_layer_set_param (m, d1, "units", "512", error)
      || !nn_model_layer_set_param (m, d1, "activation", "relu", error)
      || !nn_model_connect (m, (NnRef) { fl, 0 }, d1, 0, error))
    return NULL;
  int d2 = nn_model_add_layer (m, "Dense", "classes", error);
  if (d2 < 0 || !nn_model_layer_set_param (m, d2, "units", "10", error)
      || !nn_model_layer_set_param (m, d2, "activation", "softmax", error)
      || !nn_model_connect (m, (NnRef) { d1, 0 }, d2, 0, error))
    return NULL;
  NnMetric acc = NN_METRIC_ACCURACY;
  nn_model_add_output (m, (NnRef) { d2, 0 }, NN_LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1.0, &acc, 1);
  NnOptimizerConfig *o = nn_model_get_optimizer (m);
  nn_optimizer_config_init (o, NN_OPT_RMSPROP);
  o->learning_rate = 0.001;
  if (!nn_model_infer (m, error) || !nn_model_init_weights (m, seed, error))
    return NULL;
  return g_steal_pointer (&m);
}

/* ---- sgemm on the step's own shapes --------------------------------------- */

typedef struct {
  char  label[64];
  CBLAS_TRANSPOSE ta, tb;
  int   m, n, k;
  double gflops;
  double seconds;   /* one call */
} Gemm;

/* The sgemm calls one training step makes, read off the compiled graph's
 * matmul nodes exactly as nn-op-matmul.c issues them. Returns how many. */
static int
step_gemms (NnCompiled *c, Gemm *out, int max)
{
  NnGraph *g = c->g;
  int n = 0;
  for (int i = 0; i < g->n_nodes && n + 3 <= max; i++)
    {
      NnNode *node = &g->nodes[i];
      if (node->op != NN_OP_MATMUL_BIAS)
        continue;
      NnNode *x = nn_in (g, node, 0), *w = nn_in (g, node, 1);
      int k = w->shape[0], cols = w->shape[1], m = (int) (x->size / (size_t) k);
      const char *name = w->label ? w->label : "matmul";
      out[n] = (Gemm) { .ta = CblasNoTrans, .tb = CblasNoTrans, .m = m, .n = cols, .k = k };
      g_snprintf (out[n++].label, sizeof out->label, "forward  %s", name);
      if (w->grad)
        {
          out[n] = (Gemm) { .ta = CblasTrans, .tb = CblasNoTrans, .m = k, .n = cols, .k = m };
          g_snprintf (out[n++].label, sizeof out->label, "dW       %s", name);
        }
      if (x->grad)
        {
          out[n] = (Gemm) { .ta = CblasNoTrans, .tb = CblasTrans, .m = m, .n = k, .k = cols };
          g_snprintf (out[n++].label, sizeof out->label, "dX       %s", name);
        }
    }
  return n;
}

/* Times one shape: repeats until min_s has passed, reports the best of a
 * few batches of calls (the least disturbed by other processes). */
static void
one_thread_sgemm (CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha,
                  const float *a, int lda, const float *b, int ldb, float beta, float *c,
                  int ldc)
{
  cblas_sgemm (CblasRowMajor, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

static void
time_gemm (Gemm *gm, double min_s, NnRng *rng, gboolean split)
{
  int lda = gm->ta == CblasNoTrans ? gm->k : gm->m;
  int ldb = gm->tb == CblasNoTrans ? gm->n : gm->k;
  size_t na = (size_t) gm->m * gm->k, nb = (size_t) gm->k * gm->n, nc = (size_t) gm->m * gm->n;
  float *a = g_new (float, na), *b = g_new (float, nb), *c = g_new0 (float, nc);
  for (size_t i = 0; i < na; i++)
    a[i] = nn_rng_uniform (rng) - 0.5f;
  for (size_t i = 0; i < nb; i++)
    b[i] = nn_rng_uniform (rng) - 0.5f;
  /* beta 1 as in the op (accumulating gradients). */
  /* split: as the engine runs it, over its threads (nn_sgemm); else
   * OpenBLAS alone on this thread. */
  void (*gemm) (CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, int, int, int, float, const float *, int,
                const float *, int, float, float *, int) = split ? nn_sgemm : one_thread_sgemm;
  gemm (gm->ta, gm->tb, gm->m, gm->n, gm->k, 1.0f, a, lda, b, ldb, 1.0f, c, gm->n);
  double best = INFINITY, t_end = bench_now_s () + min_s;
  int reps = 8;
  do
    {
      double t0 = bench_now_s ();
      for (int r = 0; r < reps; r++)
        gemm (gm->ta, gm->tb, gm->m, gm->n, gm->k, 1.0f, a, lda, b, ldb, 1.0f, c, gm->n);
      double per = (bench_now_s () - t0) / reps;
      if (per < best)
        best = per;
    }
  while (bench_now_s () < t_end);
  gm->seconds = best;
  gm->gflops = 2.0 * gm->m * gm->n * gm->k / best / 1e9;
  g_free (a);
  g_free (b);
  g_free (c);
}

/* The step's products back to back as the engine runs them (nn_sgemm:
 * split over its threads, small ones on the calling thread): samples/s if
 * nothing but sgemm ran. Timed anew each round, beside the two sides, because the
 * machine's load moves. */
static double
gemm_bound_rate (const Gemm *shapes, int n, double min_s, NnRng *rng, double *gflops)
{
  double secs = 0, flops = 0;
  for (int i = 0; i < n; i++)
    {
      Gemm g = shapes[i];
      time_gemm (&g, min_s, rng, TRUE);
      secs += g.seconds;
      flops += 2.0 * g.m * g.n * g.k;
    }
  *gflops = flops / secs / 1e9;
  return BATCH / secs;
}

/* ---- the engine through the private API ----------------------------------- */

/* Where a step's time goes: the same step as bench_stepper_step, with each op,
 * the gradient zeroing, the batch conversion and the update timed apart.
 * The sums are per step, in milliseconds. */
static void
stepper_profile (BenchStepper *s, int steps)
{
  NnCompiled *c = s->c;
  NnGraph *g = c->g;
  int nn = g->n_nodes;
  double *fwd = g_new0 (double, nn), *bwd = g_new0 (double, nn);
  double t_feed = 0, t_zero = 0, t_opt = 0, t_total = 0;
  for (int it = 0; it < steps; it++)
    {
      double t0 = bench_now_s (), t;
      bench_stepper_feed (s);
      t = bench_now_s ();
      t_feed += t - t0;
      for (int i = 0; i <= c->loss_node; i++)
        {
          NnNode *n = &g->nodes[i];
          if (n->op == NN_OP_INPUT || n->op == NN_OP_PARAM)
            continue;
          double a = bench_now_s ();
          nn_op_info (n->op)->forward (g, n);
          fwd[i] += bench_now_s () - a;
        }
      double a = bench_now_s ();
      memset (c->grads, 0, c->n_grads * sizeof (float));
      for (int i = 0; i <= c->loss_node; i++)
        {
          NnNode *n = &g->nodes[i];
          if (n->grad && !n->external)
            memset (n->grad, 0, n->size * sizeof (float));
        }
      NnNode *l = &g->nodes[c->loss_node];
      for (size_t k = 0; k < l->size; k++)
        l->grad[k] = 1.0f;
      t_zero += bench_now_s () - a;
      for (int i = c->loss_node; i >= 0; i--)
        {
          NnNode *n = &g->nodes[i];
          if (!n->grad || n->op == NN_OP_INPUT || n->op == NN_OP_PARAM)
            continue;
          a = bench_now_s ();
          nn_op_info (n->op)->backward (g, n);
          bwd[i] += bench_now_s () - a;
        }
      a = bench_now_s ();
      nn_optimizer_step (s->opt, c, s->lr);
      t = bench_now_s ();
      t_opt += t - a;
      t_total += t - t0;
    }
  double k = 1e3 / steps;
  printf ("\nwhere one engine step's time goes (ms per step, mean of %d steps):\n", steps);
  printf ("  %-34s %8.3f\n", "gather + convert the batch", t_feed * k);
  for (int i = 0; i <= c->loss_node; i++)
    if (fwd[i] > 0)
      printf ("  forward  %-25s %8.3f\n", nn_op_info (g->nodes[i].op)->name, fwd[i] * k);
  printf ("  %-34s %8.3f\n", "zero gradients", t_zero * k);
  for (int i = c->loss_node; i >= 0; i--)
    if (bwd[i] > 0)
      printf ("  backward %-25s %8.3f\n", nn_op_info (g->nodes[i].op)->name, bwd[i] * k);
  printf ("  %-34s %8.3f\n", "optimizer update", t_opt * k);
  printf ("  %-34s %8.3f  (%.0f samples/s)\n", "total", t_total * k, steps * BATCH / t_total);
  g_free (fwd);
  g_free (bwd);
}

/* ---- PyTorch in a child process -------------------------------------------- */

/* Runs n steps on the PyTorch side ("steps N" -> "result T1 ... TN LOSS");
 * dt (if not NULL) gets each one's duration as the script measured it. */
static gboolean
torch_chunk (BenchTorch *t, int n, double *dt, double *loss, GError **error)
{
  g_autofree char *cmd = g_strdup_printf ("steps %d\n", n);
  g_autofree double *v = g_new (double, (size_t) n + 1);
  if (!bench_torch_ask (t, cmd, v, n + 1, error))
    return FALSE;
  if (dt)
    memcpy (dt, v, (size_t) n * sizeof *dt);
  *loss = v[n];
  return TRUE;
}

/* ---- main ------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— Fashion-MNIST MLP: engine vs PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-mlp: %s\n", error->message);
      return 2;
    }
  bench_options_settle (&opt, 10);
  opt_chunk = MAX (opt_chunk, 1);
  const guint64 seed = 1;

  double t_load;
  g_autoptr (NnDataset) ds = bench_dataset_open (&opt, &t_load, &error);
  if (!ds)
    {
      g_printerr ("bench-mlp: %s\n", error->message);
      return 1;
    }
  g_autoptr (NnModel) model = build_model (seed, &error);
  if (!model)
    {
      g_printerr ("bench-mlp: cannot build the model: %s\n", error->message);
      return 1;
    }

  const char *pref = nn_blas_preferred_core ();
  printf ("Fashion-MNIST MLP: Flatten → Dense 512 relu → Dense 10 softmax, RMSprop, batch %d\n",
          BATCH);
  bench_print_plan (&opt, ds, t_load);
  printf ("engine: OpenBLAS core %s (%s), %d threads\n", nn_blas_core_name (),
          g_getenv ("OPENBLAS_CORETYPE") ? "OPENBLAS_CORETYPE set" : pref ? "not re-executed"
          : "the library's own choice", nn_blas_threads ());

  BenchTorch torch;
  gboolean have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, BATCH);

  BenchStepper st;
  if (!bench_stepper_init (&st, model, ds, BATCH, seed, &error))
    {
      g_printerr ("bench-mlp: %s\n", error->message);
      bench_torch_stop (&torch);
      return 1;
    }

  /* sgemm alone on the step's shapes. */
  Gemm gm[32];
  int ng = step_gemms (st.c, gm, 32);
  NnRng grng;
  nn_rng_seed (&grng, 7);
  double gemm_s = 0, gemm_flops = 0;
  printf ("\nsgemm on the training step's shapes (M x N x K, best of repeated calls;\n"
          "GFLOP/s with the engine's %d threads, then with one):\n", nn_blas_threads ());
  for (int i = 0; i < ng; i++)
    {
      Gemm one = gm[i];
      time_gemm (&gm[i], opt.quick ? 0.005 : 0.15, &grng, TRUE);
      /* The same shape on one thread shows what the hand-off to the
       * others costs on small products. */
      time_gemm (&one, opt.quick ? 0.005 : 0.1, &grng, FALSE);
      /* The bound takes the better of the two. */
      gemm_s += MIN (gm[i].seconds, one.seconds);
      gemm_flops += 2.0 * gm[i].m * gm[i].n * gm[i].k;
      printf ("  %-28s %c%c %4d x %4d x %4d  %7.1f %7.1f GFLOP/s  %6.1f us\n", gm[i].label,
              gm[i].ta == CblasTrans ? 'T' : 'N', gm[i].tb == CblasTrans ? 'T' : 'N', gm[i].m,
              gm[i].n, gm[i].k, gm[i].gflops, one.gflops, gm[i].seconds * 1e6);
    }
  double gemm_gflops = gemm_flops / gemm_s / 1e9;
  double gemm_bound = BATCH / gemm_s;
  printf ("  all %d of one step: %.3f ms, %.1f GFLOP/s: at most %.0f samples/s from sgemm alone\n"
          "  (timed again in every round, beside the two sides)\n",
          ng, gemm_s * 1e3, gemm_gflops, gemm_bound);

  if (opt.ops)
    stepper_profile (&st, opt.steps);

  double *r_step = g_new (double, opt.rounds), *r_fit = g_new (double, opt.rounds);
  double *r_torch = g_new (double, opt.rounds);
  double *q_step = g_new (double, opt.rounds), *q_fit = g_new (double, opt.rounds);
  double *t_step = g_new (double, opt.rounds), *t_torch = g_new (double, opt.rounds);
  double *qt_step = g_new (double, opt.rounds);
  double *r_gemm = g_new (double, opt.rounds), *g_gemm = g_new (double, opt.rounds);
  double *dt_step = g_new (double, opt.steps), *dt_torch = g_new (double, opt.steps);
  int chunk = MIN (opt_chunk, opt.steps);
  printf ("\n");
  int rc = 0;
  for (int r = 0; r < opt.rounds; r++)
    {
      r_step[r] = r_fit[r] = r_torch[r] = q_step[r] = q_fit[r] = NAN;
      t_step[r] = t_torch[r] = qt_step[r] = NAN;
      r_gemm[r] = gemm_bound_rate (gm, ng, opt.quick ? 0.002 : 0.03, &grng, &g_gemm[r]);
      double torch_loss = NAN;
      /* The two step loops take turns in chunks of a few dozen steps, so
       * both see the same moments of a machine whose load changes by the
       * second; the rates come from the steps' own durations. */
      bench_stepper_chunk (&st, opt.warmup, NULL);
      if (have_torch && !torch_chunk (&torch, opt.warmup, NULL, &torch_loss, &error))
        {
          printf ("torch: failed: %s\n", error->message);
          g_clear_error (&error);
          have_torch = FALSE;
        }
      for (int done = 0, k = 0; done < opt.steps; done += chunk, k++)
        {
          int n = MIN (chunk, opt.steps - done);
          for (int turn = 0; turn < 2; turn++)
            {
              /* Alternate who goes first so neither side always follows
               * the other's spinning BLAS threads. */
              if (bench_engine_turn (turn, k + r))
                bench_stepper_chunk (&st, n, dt_step + done);
              else if (have_torch && !torch_chunk (&torch, n, dt_torch + done, &torch_loss,
                                                   &error))
                {
                  printf ("torch: failed: %s\n", error->message);
                  g_clear_error (&error);
                  have_torch = FALSE;
                }
              /* Let the BLAS threads of the side that just ran go idle. */
              g_usleep (opt.quick ? 1000 : 50000);
            }
        }
      r_step[r] = opt.steps * (double) BATCH / bench_sum (dt_step, opt.steps);
      t_step[r] = BATCH / bench_median (dt_step, opt.steps);
      if (have_torch)
        {
          r_torch[r] = opt.steps * (double) BATCH / bench_sum (dt_torch, opt.steps);
          t_torch[r] = BATCH / bench_median (dt_torch, opt.steps);
        }
      if (!opt.no_fit)
        {
          g_autoptr (GError) ferr = NULL;
          r_fit[r] = bench_fit_rate (model, ds, BATCH, opt.steps, opt.warmup, seed + (guint64) r,
                                     &ferr);
          if (ferr)
            {
              g_printerr ("bench-mlp: trainer: %s\n", ferr->message);
              rc = 1;
            }
        }
      q_step[r] = r_step[r] / r_torch[r];
      q_fit[r] = r_fit[r] / r_torch[r];
      qt_step[r] = t_step[r] / t_torch[r];
      printf ("round %d: engine-step %6.0f (median step %6.0f)  engine-fit %6.0f  "
              "torch %6.0f (median step %6.0f)  sgemm bound %6.0f samples/s;"
              "  losses %.4f / %.4f\n", r + 1, r_step[r], t_step[r], r_fit[r], r_torch[r],
              t_torch[r], r_gemm[r], st.loss, torch_loss);
      fflush (stdout);
    }
  if (!isfinite (st.loss))
    {
      g_printerr ("bench-mlp: the engine's loss is not finite\n");
      rc = 1;
    }

  double m_step = bench_median (r_step, opt.rounds), m_fit = bench_median (r_fit, opt.rounds);
  double m_torch = bench_median (r_torch, opt.rounds);
  double mt_step = bench_median (t_step, opt.rounds), mt_torch = bench_median (t_torch, opt.rounds);
  double mq_step = bench_median (q_step, opt.rounds), mq_fit = bench_median (q_fit, opt.rounds);
  double mqt_step = bench_median (qt_step, opt.rounds);
  gemm_bound = bench_median (r_gemm, opt.rounds);
  gemm_gflops = bench_median (g_gemm, opt.rounds);
  double step_flops = gemm_flops;   /* every product of one step */
  printf ("\nmedians over %d round%s; a ratio is the median of the rounds' engine/torch;\n"
          "\"median step\": the rate of a round's median step, robust to stalls\n",
          opt.rounds, opt.rounds == 1 ? "" : "s");
  printf ("  %-20s %10s %9s %12s %9s %9s %9s\n", "", "samples/s", "vs torch", "median step",
          "vs torch", "GFLOP/s", "of sgemm");
  printf ("  %-20s %10.0f %8.2fx %12.0f %8.2fx %9.1f %8.0f%%\n", "engine (step API)", m_step,
          mq_step, mt_step, mqt_step, m_step / BATCH * step_flops / 1e9,
          100.0 * m_step / gemm_bound);
  if (!opt.no_fit)
    printf ("  %-20s %10.0f %8.2fx %12s %9s %9.1f %8.0f%%\n", "engine (trainer)", m_fit, mq_fit,
            "", "", m_fit / BATCH * step_flops / 1e9, 100.0 * m_fit / gemm_bound);
  printf ("  %-20s %10.0f %8.2fx %12.0f %8.2fx %9.1f %8.0f%%\n", "torch", m_torch, 1.0,
          mt_torch, 1.0, m_torch / BATCH * step_flops / 1e9, 100.0 * m_torch / gemm_bound);
  printf ("  %-20s %10.0f %9s %12s %9s %9.1f %8.0f%%\n", "sgemm alone (bound)", gemm_bound, "",
          "", "", gemm_gflops, 100.0);
  printf ("  (GFLOP/s: the step's %.1f MFLOP of matrix products, forward + backward, over the "
          "step time)\n", step_flops / 1e6);
  /* On a busy machine the fastest round of each side is the closest to
   * what an idle one would give (as timeit keeps the best of its runs). */
  double b_step = bench_best (r_step, opt.rounds), b_torch = bench_best (r_torch, opt.rounds);
  double b_gemm = bench_best (r_gemm, opt.rounds);
  printf ("best rounds: engine-step %.0f, engine-fit %.0f, torch %.0f, sgemm bound %.0f "
          "samples/s; engine/torch %.2f; engine at %.1f GFLOP/s, %.0f%% of the bound\n",
          b_step, bench_best (r_fit, opt.rounds), b_torch, b_gemm, b_step / b_torch,
          b_step / BATCH * step_flops / 1e9, 100.0 * b_step / b_gemm);
  if (!opt.no_torch && isfinite (mq_step))
    printf ("ratio engine/torch: %.2f (median steps: %.2f; best rounds: %.2f; goal ≥ 1.5)\n",
            mq_step, mqt_step, b_step / b_torch);

  g_free (r_step);
  g_free (r_fit);
  g_free (r_torch);
  g_free (q_step);
  g_free (q_fit);
  g_free (t_step);
  g_free (t_torch);
  g_free (qt_step);
  g_free (r_gemm);
  g_free (dt_step);
  g_free (dt_torch);
  g_free (g_gemm);
  bench_stepper_clear (&st);
  bench_torch_stop (&torch);
  return rc;
}
