/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The embedding projector's cost: PCA and t-SNE (2-D, perplexity 30, 1000
 * iterations) of 5,000 points of 64 features, in seconds, the median over
 * rounds. The points are ten Gaussian clusters (the shape of a trained
 * layer's activations over ten classes); the map's nearest-neighbour
 * cluster agreement is printed so that a fast but wrong map shows.
 * --quick: 500 points, 250 iterations, one round (a smoke run). */
#include <math.h>
#include <stdio.h>

#include "bench-common.h"

static int opt_points = 5000;
static int opt_features = 64;
static int opt_iterations = 1000;
static int opt_rounds = 3;
static gboolean opt_quick = FALSE;

static GOptionEntry entries[] = {
  { "points", 'n', 0, G_OPTION_ARG_INT, &opt_points, "Points (default 5000)", "N" },
  { "features", 'd', 0, G_OPTION_ARG_INT, &opt_features, "Features per point (default 64)", "D" },
  { "iterations", 'i', 0, G_OPTION_ARG_INT, &opt_iterations, "t-SNE iterations (default 1000)",
    "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt_rounds, "Rounds (default 3)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt_quick, "500 points, 250 iterations, one round",
    NULL },
  { NULL }
};

#define CLUSTERS 10

static NnTensor *
clusters (int n, int d, int *labels)
{
  NnRng rng;
  nn_rng_seed (&rng, 1);
  g_autofree float *centre = g_new (float, (size_t) CLUSTERS * (size_t) d);
  for (int i = 0; i < CLUSTERS * d; i++)
    centre[i] = 4 * nn_rng_normal (&rng);
  int shape[2] = { n, d };
  NnTensor *x = nn_tensor_new (2, shape);
  for (int i = 0; i < n; i++)
    {
      labels[i] = i % CLUSTERS;
      for (int j = 0; j < d; j++)
        x->data[(size_t) i * (size_t) d + (size_t) j]
          = centre[labels[i] * d + j] + nn_rng_normal (&rng);
    }
  return x;
}

static double
agreement (const NnTensor *y, const int *labels)
{
  int n = y->shape[0], dims = y->shape[1], same = 0;
  for (int i = 0; i < n; i++)
    {
      int best = -1;
      double bd = INFINITY;
      for (int j = 0; j < n; j++)
        {
          double dist = 0;
          for (int k = 0; j != i && k < dims; k++)
            dist += pow (y->data[i * dims + k] - y->data[j * dims + k], 2);
          if (j != i && dist < bd)
            {
              bd = dist;
              best = j;
            }
        }
      same += labels[best] == labels[i];
    }
  return (double) same / n;
}

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- PCA and t-SNE timings");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (opt_quick)
    {
      opt_points = 500;
      opt_iterations = 250;
      opt_rounds = 1;
    }
  opt_points = MAX (opt_points, 2);
  opt_features = MAX (opt_features, 1);
  opt_rounds = MAX (opt_rounds, 1);
  g_autofree int *labels = g_new (int, (size_t) opt_points);
  g_autoptr (NnTensor) x = clusters (opt_points, opt_features, labels);
  printf ("projecting %d points of %d features (%d threads), %d rounds\n", opt_points,
          opt_features, nn_blas_threads (), opt_rounds);

  g_autofree double *pca_s = g_new (double, (size_t) opt_rounds);
  g_autofree double *tsne_s = g_new (double, (size_t) opt_rounds);
  double share = 0, agree = 0;
  for (int r = 0; r < opt_rounds; r++)
    {
      NnProjectConfig cfg;
      nn_project_config_init (&cfg);
      double explained[2];
      double t0 = bench_now_s ();
      g_autoptr (NnTensor) p = nn_project (x, &cfg, NULL, NULL, explained, &error);
      pca_s[r] = bench_now_s () - t0;
      if (!p)
        {
          g_printerr ("PCA failed: %s\n", error->message);
          return 1;
        }
      share = explained[0] + explained[1];

      cfg.method = NN_PROJECT_TSNE;
      cfg.iterations = opt_iterations;
      cfg.seed = (guint64) r;
      t0 = bench_now_s ();
      g_autoptr (NnTensor) t = nn_project (x, &cfg, NULL, NULL, NULL, &error);
      tsne_s[r] = bench_now_s () - t0;
      if (!t)
        {
          g_printerr ("t-SNE failed: %s\n", error->message);
          return 1;
        }
      agree = agreement (t, labels);
      printf ("round %d: PCA %.4f s, t-SNE %.2f s (agreement %.3f)\n", r + 1, pca_s[r],
              tsne_s[r], agree);
    }
  printf ("PCA   (2-D): %.4f s median; the two components explain %.1f%%\n",
          bench_median (pca_s, opt_rounds), 100 * share);
  printf ("t-SNE (2-D, perplexity 30, %d iterations): %.2f s median; nearest-neighbour "
          "cluster agreement %.3f\n",
          opt_iterations, bench_median (tsne_s, opt_rounds), agree);
  if (opt_quick)
    printf ("(--quick: a smoke run; the figures that count come from the full run)\n");
  /* a smoke run still fails on a map that does not separate the clusters */
  return agree >= 0.9 ? 0 : 1;
}
