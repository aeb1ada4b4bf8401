/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-gan: GAN steps per second of the DCGAN samples
 * (fashion_dcgan_generator.json, fashion_dcgan_discriminator.json) on
 * Fashion-MNIST scaled to [-1, 1], the engine (nn_gan_step, k = 1, batch
 * 64) against PyTorch running the identical DCGAN and step
 * (torch_gan.py). The two sides take turns, round after round; the ratio
 * of each round is taken before their median. Goal: 3×. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"

#define BATCH 64
#define GOAL  3.0

static BenchOptions opt = { .steps = 30, .warmup = 3, .rounds = 5 };

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Timed GAN steps per round (30)", "N" },
  { "warmup", 'w', 0, G_OPTION_ARG_INT, &opt.warmup, "Untimed steps before them (3)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "3 steps, one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "The engine alone", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "The Python with torch", "PATH" },
  { NULL }
};

/* warmup untimed then steps timed GAN steps: steps per second, NAN on
 * failure. */
static double
engine_rate (NnGan *gan, GError **error)
{
  NnGanStats st;
  for (int k = 0; k < opt.warmup; k++)
    if (!nn_gan_step (gan, &st, error))
      return NAN;
  double t0 = bench_now_s ();
  for (int k = 0; k < opt.steps; k++)
    if (!nn_gan_step (gan, &st, error))
      return NAN;
  return opt.steps / (bench_now_s () - t0);
}

static NnGan *
engine_gan (NnDataset **ds, GError **error)
{
  g_autoptr (NnModel) g = nn_model_load (BENCH_G_SAMPLE, error);
  g_autoptr (NnModel) d = g ? nn_model_load (BENCH_D_SAMPLE, error) : NULL;
  if (!d || !(*ds = nn_dataset_open (nn_model_get_dataset (d), NULL, error)))
    return NULL;
  NnGanConfig cfg;
  nn_gan_config_init (&cfg);
  cfg.batch_size = BATCH;
  return nn_gan_new (g, d, *ds, &cfg, error);
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— DCGAN steps against PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-gan: %s\n", error->message);
      return 2;
    }
  bench_options_settle (&opt, 3);
  g_autoptr (NnDataset) ds = NULL;
  g_autoptr (NnGan) gan = engine_gan (&ds, &error);
  if (!gan)
    {
      g_printerr ("bench-gan: %s\n", error->message);
      return 1;
    }
  printf ("DCGAN: batch %d, %d steps after %d, %d round%s\n", BATCH, opt.steps, opt.warmup,
          opt.rounds, opt.rounds == 1 ? "" : "s");
  BenchTorch torch;
  memset (&torch, 0, sizeof torch);
  gboolean have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, BATCH);
  g_autofree double *eng = g_new (double, opt.rounds);
  g_autofree double *tor = g_new (double, opt.rounds);
  g_autofree double *ratio = g_new (double, opt.rounds);
  for (int r = 0; r < opt.rounds; r++)
    {
      tor[r] = NAN;
      for (int turn = 0; turn < 2; turn++)
        if (bench_engine_turn (turn, r))
          eng[r] = engine_rate (gan, &error);
        else if (have_torch)
          {
            g_autofree char *cmd = g_strdup_printf ("train %d %d\n", opt.steps, opt.warmup);
            if (!bench_torch_ask (&torch, cmd, &tor[r], 1, &error))
              tor[r] = NAN;
          }
      if (!isfinite (eng[r]))
        {
          g_printerr ("bench-gan: %s\n", error ? error->message : "the engine failed");
          bench_torch_stop (&torch);
          return 1;
        }
      ratio[r] = eng[r] / tor[r];
      printf ("round %d: engine %.2f steps/s, torch %.2f steps/s, ratio %.2f\n", r + 1, eng[r],
              tor[r], ratio[r]);
    }
  bench_torch_stop (&torch);
  printf ("\nmedian over %d rounds (ratio: the median of the rounds' ratios %.2f)\n",
          opt.rounds, bench_median (ratio, opt.rounds));
  bench_ratio_line ("DCGAN steps", bench_median (eng, opt.rounds),
                    bench_median (tor, opt.rounds), "steps/s", GOAL, TRUE);
  return 0;
}
