/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-generate: what the Generate API (nn-generate.h) costs, against
 * PyTorch doing the same computation on identical weights.
 *
 * DeepDream: samples/fashion_convnet.json with the file's weights if it
 * has any, else Keras' initialisation (seed 1) (what is measured does not
 * depend on what the weights have learnt), on a 256 × 256 gray image of
 * soft stripes and seeded noise, with nn_dream's defaults: conv2 and conv3
 * weight 1 each, 3 octaves of scale 1.4 (130, 182 and 256 pixels), 20
 * steps per octave of 0.01. bench/torch_dream.py runs the same algorithm
 * (the same loss, normalisation, resizing and detail reinjection) on
 * torch modules holding the engine's weights. A check before the timing
 * compares both sides' losses at the first and the last step. Rounds
 * alternate the two sides; the ratio is taken per round and its median
 * reported; the goal: ours >= 3x faster.
 *
 * The convolutional VAE (samples/fashion_vae_conv.json, Keras'
 * initialisation, seed 1) on Fashion-MNIST with target=input: training
 * samples/s at batch 128 through the trainer (bench_fit_rate) against
 * bench/torch_vae.py (the same layers, loss and optimizer; goal >= 3x);
 * decoding the 15 x 15 latent grid in one batch (goal < 20 ms) and one
 * latent point through a decoder compiled once (goal < 1 ms, what a drag
 * on the latent plane costs), medians.
 *
 * Nothing here asserts a time: the machine may be shared, and figures that
 * count are measured on a quiet one. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_dream.py"
#endif
#ifndef BENCH_SAMPLE
#define BENCH_SAMPLE "fashion_convnet.json"
#endif
#ifndef BENCH_VAE_SCRIPT
#define BENCH_VAE_SCRIPT "torch_vae.py"
#endif
#ifndef BENCH_VAE_SAMPLE
#define BENCH_VAE_SAMPLE "fashion_vae_conv.json"
#endif
#define VAE_BATCH 128

#define SIDE 256

static BenchOptions opt = { .steps = 20, .warmup = 0, .rounds = 5 };
static char *opt_sample;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Gradient-ascent steps per octave (20)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "2 steps, one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_dream.py)", "PATH" },
  { "sample", 0, 0, G_OPTION_ARG_FILENAME, &opt_sample, "The model (fashion_convnet.json)", "PATH" },
  { NULL }
};

/* (1, SIDE, SIDE, 1): soft stripes plus seeded noise, in [0, 1]. */
static NnTensor *
start_image (void)
{
  int shape[4] = { 1, SIDE, SIDE, 1 };
  NnTensor *t = nn_tensor_new (4, shape);
  NnRng rng;
  nn_rng_seed (&rng, 1);
  for (int y = 0; y < SIDE; y++)
    for (int x = 0; x < SIDE; x++)
      t->data[y * SIDE + x] = (float) (0.45 + 0.3 * sin (0.07 * x) * cos (0.05 * y)
                                       + 0.1 * nn_rng_uniform (&rng));
  return t;
}

/* Appends a layer's weight variable k to f; FALSE when its shape is not
 * `want`. */
static gboolean
write_weight (FILE *f, NnModel *m, const char *layer, int k, int ndim, const int *want)
{
  int l = nn_model_find_layer (m, layer);
  NnTensor view = { 0 };
  if (l < 0 || !nn_model_layer_get_weight (m, l, k, &view)
      || !nn_shape_equal (view.ndim, view.shape, ndim, want))
    {
      g_printerr ("bench-generate: %s has no weight %d of the expected shape\n", layer, k);
      return FALSE;
    }
  return fwrite (view.data, sizeof (float), view.size, f) == view.size;
}

/* The file torch_dream.py reads (float32, native order): the three
 * convolutions' kernels and biases, the side, the image, the engine's
 * losses (first and last step of each octave). */
static char *
write_torch_file (NnModel *m, const NnTensor *image, const double *start, const double *end)
{
  char *path = NULL;
  int fd = g_file_open_tmp ("bench-generate-XXXXXX.f32", &path, NULL);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen (fd, "wb");
  const int k1[] = { 3, 3, 1, 32 }, b1[] = { 32 }, k2[] = { 3, 3, 32, 64 }, b2[] = { 64 };
  const int k3[] = { 3, 3, 64, 64 };
  float side = SIDE;
  gboolean ok = write_weight (f, m, "conv1", 0, 4, k1) && write_weight (f, m, "conv1", 1, 1, b1)
                && write_weight (f, m, "conv2", 0, 4, k2) && write_weight (f, m, "conv2", 1, 1, b2)
                && write_weight (f, m, "conv3", 0, 4, k3) && write_weight (f, m, "conv3", 1, 1, b2)
                && fwrite (&side, sizeof side, 1, f) == 1
                && fwrite (image->data, sizeof (float), image->size, f) == image->size;
  for (int o = 0; ok && o < 3; o++)
    {
      float v[2] = { (float) start[o], (float) end[o] };
      ok = fwrite (v, sizeof (float), 2, f) == 2;
    }
  ok = fclose (f) == 0 && ok;
  if (!ok)
    {
      g_unlink (path);
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* One dream with the defaults and opt.steps steps: seconds, NAN on failure. */
static double
engine_dream (NnModel *m, const NnTensor *image, double *start, double *end, GError **error)
{
  NnDreamConfig cfg;
  nn_dream_config_init (&cfg);
  cfg.steps = opt.steps;
  double t0 = bench_now_s ();
  g_autoptr (NnTensor) out = nn_dream (m, image, &cfg, NULL, NULL, start, end, error);
  double t = bench_now_s () - t0;
  nn_dream_config_clear (&cfg);
  return out ? t : NAN;
}

/* Seconds per call of decoding n points (n x n grid when grid), median of
 * rounds calls. */
static double
time_decode (NnVaeDecoder *d, gboolean grid, int rounds)
{
  g_autofree double *t = g_new (double, rounds);
  float z[2] = { 0.3f, -0.7f };
  g_autofree float *out = NULL;
  int shape[NN_MAX_DIMS];
  int ndim = nn_vae_decoder_get_output_shape (d, shape);
  size_t per = nn_shape_size (ndim, shape);
  out = g_new (float, per);
  for (int r = 0; r < rounds; r++)
    {
      double t0 = bench_now_s ();
      if (grid)
        {
          g_autoptr (NnTensor) g = nn_vae_decode_grid (d, 15, 2.0, 0, 1, NULL, NULL);
          if (g == NULL)
            return NAN;
        }
      else
        nn_vae_decoder_run (d, z, 1, out);
      t[r] = bench_now_s () - t0;
    }
  return bench_median (t, rounds);
}

/* The conv VAE: training against PyTorch, grid and point decoding. */
static int
bench_vae (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (NnModel) m = nn_model_load (BENCH_VAE_SAMPLE, &error);
  if (!m || !nn_model_init_weights (m, 1, &error))
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  int steps = opt.quick ? 2 : 40, warmup = opt.quick ? 1 : 5;
  g_autoptr (NnDataset) ds = nn_dataset_open (opt.quick ? "fashion-mnist:limit=2000:target=input"
                                              : "fashion-mnist:target=input", NULL, &error);
  if (!ds)
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  printf ("\nConv VAE: %s, batch %d, %d timed steps (%d warm-up), %d round%s\n",
          nn_model_get_name (m), VAE_BATCH, steps, warmup, opt.rounds,
          opt.rounds == 1 ? "" : "s");
  BenchTorch torch;
  memset (&torch, 0, sizeof torch);
  BenchOptions o = opt;
  o.script = NULL;
  gboolean have_torch = bench_torch_launch (&torch, &o, BENCH_VAE_SCRIPT, VAE_BATCH);
  g_autofree double *r_engine = g_new (double, opt.rounds);
  g_autofree double *r_torch = g_new (double, opt.rounds);
  for (int r = 0; r < opt.rounds; r++)
    {
      r_engine[r] = r_torch[r] = NAN;
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            {
              g_autoptr (NnModel) copy = nn_model_copy (m);
              r_engine[r] = bench_fit_rate (copy, ds, VAE_BATCH, steps, warmup, 1, &error);
              if (!isfinite (r_engine[r]))
                {
                  g_printerr ("bench-generate: %s\n", error ? error->message : "no rate");
                  bench_torch_stop (&torch);
                  return 1;
                }
            }
          else if (have_torch)
            {
              g_autoptr (GError) terr = NULL;
              g_autofree char *cmd = g_strdup_printf ("train %d\n", steps);
              if (!bench_torch_ask (&torch, cmd, &r_torch[r], 1, &terr))
                {
                  printf ("torch: failed: %s\n", terr->message);
                  have_torch = FALSE;
                }
            }
          g_usleep (100000);
        }
      printf ("round %d: conv VAE training engine %.0f samples/s, torch %.0f samples/s\n",
              r + 1, r_engine[r], r_torch[r]);
      fflush (stdout);
    }
  bench_torch_stop (&torch);

  NnVaeParts parts;
  if (!nn_model_find_vae (m, &parts, &error))
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  g_autoptr (NnVaeDecoder) grid = nn_vae_decoder_new (m, &parts, 225, &error);
  g_autoptr (NnVaeDecoder) one = grid ? nn_vae_decoder_new (m, &parts, 1, &error) : NULL;
  if (!one)
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  time_decode (grid, TRUE, 1);
  time_decode (one, FALSE, 10);
  double t_grid = time_decode (grid, TRUE, opt.quick ? 3 : 30);
  double t_one = time_decode (one, FALSE, opt.quick ? 50 : 2000);

  int R = opt.rounds;
  printf ("\n%-26s %10s %10s\n", "", "engine", "torch");
  bench_ratio_line ("conv VAE training", bench_median (r_engine, R), bench_median (r_torch, R),
                    "samples/s", 3.0, TRUE);
  printf ("  %-24s %10.2f ms   goal < 20 ms: %s\n", "decode 15x15 grid", 1e3 * t_grid,
          t_grid < 0.020 ? "met" : "not met");
  printf ("  %-24s %10.3f ms   goal < 1 ms: %s\n", "decode one point", 1e3 * t_one,
          t_one < 0.001 ? "met" : "not met");
  return 0;
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— DeepDream against PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 2;
    }
  if (opt.quick)
    {
      opt.steps = 2;
      opt.rounds = 1;
    }
  opt.steps = MAX (opt.steps, 1);
  opt.rounds = MAX (opt.rounds, 1);

  g_autoptr (NnModel) model = nn_model_load (opt_sample ? opt_sample : BENCH_SAMPLE, &error);
  if (!model || (!nn_model_has_weights (model) && !nn_model_init_weights (model, 1, &error)))
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  g_autoptr (NnTensor) image = start_image ();
  printf ("DeepDream: %s, a %dx%d image, conv2 + conv3, 3 octaves of 1.4, %d steps each, "
          "%d round%s\n", nn_model_get_name (model), SIDE, SIDE, opt.steps, opt.rounds,
          opt.rounds == 1 ? "" : "s");

  /* The engine once first: its losses for the check, and a warm start. */
  double start[3], end[3];
  double first = engine_dream (model, image, start, end, &error);
  if (!isfinite (first))
    {
      g_printerr ("bench-generate: %s\n", error->message);
      return 1;
    }
  for (int o = 0; o < 3; o++)
    printf ("engine: octave %d loss %.5g -> %.5g\n", o + 1, start[o], end[o]);

  BenchTorch torch;
  memset (&torch, 0, sizeof torch);
  gboolean have_torch = FALSE;
  g_autofree char *torch_file = NULL;
  if (!opt.no_torch)
    {
      if (!(torch_file = write_torch_file (model, image, start, end)))
        printf ("torch: skipped: torch_dream.py builds fashion_convnet's conv1 to conv3 and "
                "this model is not it, or its file cannot be written\n");
      else
        {
          g_setenv ("DEEPSCOPE_BENCH_DREAM_FILE", torch_file, TRUE);
          have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, 1);
        }
    }
  if (have_torch)
    {
      g_autoptr (GError) terr = NULL;
      g_autofree char *cmd = g_strdup_printf ("check %d\n", opt.steps);
      double v[2];
      if (!bench_torch_ask (&torch, cmd, v, 2, &terr))
        {
          printf ("torch: failed: %s\n", terr->message);
          have_torch = FALSE;
        }
      else
        {
          printf ("check: first step's loss differs by %.2g, last step's by %.2g (relative)\n",
                  v[0], v[1]);
          if (!(v[0] < 1e-3))
            printf ("check: the two sides do not compute the same loss: the comparison below "
                    "is not meaningful\n");
        }
    }

  g_autofree double *t_engine = g_new (double, opt.rounds);
  g_autofree double *t_torch = g_new (double, opt.rounds);
  g_autofree double *q = g_new (double, opt.rounds);
  printf ("\n");
  for (int r = 0; r < opt.rounds; r++)
    {
      t_engine[r] = t_torch[r] = NAN;
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            {
              t_engine[r] = engine_dream (model, image, NULL, NULL, &error);
              if (!isfinite (t_engine[r]))
                {
                  g_printerr ("bench-generate: %s\n", error->message);
                  bench_torch_stop (&torch);
                  return 1;
                }
            }
          else if (have_torch)
            {
              g_autoptr (GError) terr = NULL;
              g_autofree char *cmd = g_strdup_printf ("dream %d\n", opt.steps);
              if (!bench_torch_ask (&torch, cmd, &t_torch[r], 1, &terr))
                {
                  printf ("torch: failed: %s\n", terr->message);
                  have_torch = FALSE;
                }
            }
          g_usleep (100000);
        }
      q[r] = t_torch[r] / t_engine[r];
      printf ("round %d: DeepDream engine %.3f s, torch %.3f s\n", r + 1, t_engine[r],
              t_torch[r]);
      fflush (stdout);
    }
  bench_torch_stop (&torch);
  if (torch_file)
    {
      g_unlink (torch_file);
      g_unsetenv ("DEEPSCOPE_BENCH_DREAM_FILE");
    }

  int R = opt.rounds;
  double qm = bench_median (q, R);
  printf ("\n%-26s %10s %10s  %s\n", "", "engine", "torch", "ratio torch / engine");
  printf ("  %-24s %10.3f %10.3f  %6.2fx   goal >= 3.0x: %s\n", "DeepDream 256x256 (s)",
          bench_median (t_engine, R), bench_median (t_torch, R), qm,
          isfinite (qm) ? (qm >= 3.0 ? "met" : "not met") : "n/a");
  int vae = bench_vae ();
  if (opt.quick)
    printf ("(--quick: a smoke run of %d steps per octave and 2 VAE steps; the figures that "
            "count come from a full run on a quiet machine)\n", opt.steps);
  return vae;
}
