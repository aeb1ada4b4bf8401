/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Neural style transfer: the engine's iterations per second against
 * PyTorch's on the identical computation (bench/torch_style.py's docstring
 * states it): the random-filters network (conv1..conv4, 2×2 average pooling
 * between), style layers conv1..conv4, content conv4, total variation, Adam
 * at 0.02 in input space, on a SIDE × SIDE RGB content and style of seeded
 * noise. Both sides run in turns in the same run, rounds alternating who
 * goes first; the ratio is taken per round and its median printed. PyTorch
 * runs as `torch_style.py SIDE ITERATIONS` with the engine's thread count
 * (OMP_NUM_THREADS) and OMP_WAIT_POLICY=passive; each side leaves its first
 * iteration out of its time.
 *
 *     bench-style [--side 256] [--iterations 20] [--rounds 3] [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "nn-parallel-private.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_style.py"
#endif
#define GOAL 3.0

static BenchOptions opt = { .steps = 20, .warmup = 0, .rounds = 3 };
static int opt_side = 256;

static const GOptionEntry entries[] = {
  { "side", 0, 0, G_OPTION_ARG_INT, &opt_side, "Image side in pixels (256)", "PX" },
  { "iterations", 'i', 0, G_OPTION_ARG_INT, &opt.steps, "Iterations per round (20)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (3)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "2 iterations at 64 px, one round", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_style.py)", "PATH" },
  { NULL }
};

/* (1, side, side, 3) of seeded uniform noise in [0, 1]. */
static NnTensor *
noise_image (int side, guint64 seed)
{
  int shape[4] = { 1, side, side, 3 };
  NnTensor *t = nn_tensor_new (4, shape);
  NnRng rng;
  nn_rng_seed (&rng, seed);
  for (size_t i = 0; i < t->size; i++)
    t->data[i] = (float) nn_rng_uniform (&rng);
  return t;
}

/* The clock at the first and the last iteration's end. */
typedef struct {
  double first, last;
} Clock;

static gboolean
clock_cb (int it, int n, const NnStyleLosses *l, const NnTensor *img, gpointer data)
{
  Clock *c = data;
  if (it == 1)
    c->first = bench_now_s ();
  c->last = bench_now_s ();
  return isfinite (l->total);
}

/* The engine's iterations/s over iterations 2..opt.steps + 1 of
 * nn_style_transfer with its defaults (the preparation of the style Grams
 * and content features, which PyTorch's timing leaves out too, and the
 * first iteration not counted); NAN on failure. */
static double
engine_rate (NnModel *m, const NnTensor *content, const NnTensor *style, GError **error)
{
  NnStyleConfig cfg;
  nn_style_config_init (&cfg);
  cfg.iterations = opt.steps + 1;
  Clock c = { 0 };
  g_autoptr (NnTensor) out = nn_style_transfer (m, content, style, &cfg, clock_cb, &c, NULL,
                                                NULL, error);
  nn_style_config_clear (&cfg);
  return out && c.last > c.first ? opt.steps / (c.last - c.first) : NAN;
}

/* Runs torch_style.py SIDE ITERATIONS and reads its iterations/s; NAN when
 * it cannot run (the reason printed once). */
static double
torch_rate (void)
{
  const char *python = opt.python ? opt.python : "/usr/bin/python3";
  const char *script = opt.script ? opt.script : BENCH_TORCH_SCRIPT;
  g_autofree char *side = g_strdup_printf ("%d", opt_side);
  g_autofree char *its = g_strdup_printf ("%d", opt.steps);
  const char *argv[] = { python, script, side, its, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;
  /* the engine's thread count, and no spinning threads between rounds */
  g_autofree char *threads = g_strdup_printf ("%d", nn_parallel_threads ());
  g_auto (GStrv) env = g_get_environ ();
  env = g_environ_setenv (env, "OMP_NUM_THREADS", threads, TRUE);
  env = g_environ_setenv (env, "OMP_WAIT_POLICY", "passive", TRUE);
  if (!g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                     &status, &error)
      || !g_spawn_check_wait_status (status, &error))
    {
      printf ("torch: unavailable: %s %s\n", error->message, err ? err : "");
      return NAN;
    }
  const char *at = strrchr (out, ',');
  double rate = at ? g_ascii_strtod (at + 1, NULL) : NAN;
  if (!(rate > 0))
    printf ("torch: unreadable answer: %s\n", out);
  return rate > 0 ? rate : NAN;
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- style transfer against PyTorch");
  g_autoptr (GError) error = NULL;
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-style: %s\n", error->message);
      return 2;
    }
  bench_options_settle (&opt, 2);
  if (opt.quick)
    opt_side = 64;
  opt_side = CLAMP (opt_side, 16, 2048);
  g_autoptr (NnModel) m = nn_style_random_filters (3, 1, &error);
  g_autoptr (NnTensor) content = noise_image (opt_side, 1);
  g_autoptr (NnTensor) style = noise_image (opt_side, 2);
  printf ("style transfer: random filters, %d x %d RGB, %d iterations a round, %d rounds, "
          "%d threads\n", opt_side, opt_side, opt.steps, opt.rounds, nn_parallel_threads ());
  int R = opt.rounds;
  g_autofree double *e = g_new (double, R), *t = g_new (double, R), *q = g_new (double, R);
  for (int r = 0; r < R; r++)
    {
      e[r] = t[r] = NAN;
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            e[r] = engine_rate (m, content, style, &error);
          else if (!opt.no_torch)
            t[r] = torch_rate ();
        }
      if (!isfinite (e[r]))
        {
          g_printerr ("bench-style: %s\n", error ? error->message : "the losses are not finite");
          return 1;
        }
      q[r] = e[r] / t[r];
      printf ("round %d: engine %.2f iterations/s, torch %.2f, ratio %.2f\n", r + 1, e[r], t[r],
              q[r]);
    }
  bench_ratio_line ("style transfer", bench_median (e, R), bench_median (t, R), "it/s", GOAL,
                    TRUE);
  printf ("median of the per-round ratios: %.2fx (goal >= %.0fx)\n", bench_median (q, R), GOAL);
  return 0;
}
