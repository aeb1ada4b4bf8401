/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-inspect: what the Inspect API (nn-inspect.h) costs, in one run,
 * against one forward pass of the same model and against PyTorch doing the
 * same computation on identical weights.
 *
 * Model: samples/fashion_convnet.json (Conv2D 32 → MaxPool → Conv2D 64 →
 * MaxPool → Conv2D 64 → Flatten → Dense 64 → Dense 10 softmax), with the
 * file's weights if it has any, else Keras' initialisation (seed 1): what
 * is measured does not depend on what the weights have learnt. Input: the
 * first Fashion-MNIST test image. Measured, per round:
 *   forward      one image through an inference graph compiled for batch 1
 *                (the private API: no copying, no checks), median of reps
 *   predict      nn_inspector_predict on that image (the public path)
 *   activations  nn_inspector_activations: every layer's output, one image
 *   Grad-CAM     nn_inspector_explain, the default layer, the predicted class
 *   saliency, occlusion   the same, for the record (no goal)
 *   filters      nn_inspector_filters: all 64 filters of conv2 together,
 *                40 gradient-ascent steps from gray plus noise, against
 *                bench/torch_inspect.py running the same ascent (conv1,
 *                pool1, conv2 as torch modules holding the engine's
 *                weights, from the engine's own starting images)
 * Ratios are taken per round, both sides close in time, and their median
 * reported; the goals: activations <= 1.5 forward passes, Grad-CAM <= 3,
 * the filter grid >= 3x faster than PyTorch's. Nothing here asserts a
 * time: the machine may be shared, and figures that count are measured on
 * a quiet one. A check before the timing makes sure both sides compute the
 * same thing: PyTorch's conv2 means on the starting images against the
 * engine's, and both sides' gains after the ascent. */
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"

#ifndef BENCH_TORCH_SCRIPT
#define BENCH_TORCH_SCRIPT "torch_inspect.py"
#endif
#ifndef BENCH_SAMPLE
#define BENCH_SAMPLE "fashion_convnet.json"
#endif

static BenchOptions opt = { .steps = 40, .warmup = 3, .rounds = 5 };
static char *opt_sample;
static char *opt_layer;
static int opt_reps = 100;

static const GOptionEntry entries[] = {
  { "steps", 's', 0, G_OPTION_ARG_INT, &opt.steps, "Gradient-ascent steps of the filter grid (40)", "N" },
  { "reps", 0, 0, G_OPTION_ARG_INT, &opt_reps, "Timed calls per round of the one-image measurements (100)", "N" },
  { "rounds", 'r', 0, G_OPTION_ARG_INT, &opt.rounds, "Rounds of each side, alternating (5)", "N" },
  { "quick", 'q', 0, G_OPTION_ARG_NONE, &opt.quick, "4 steps, 5 reps, one round: a smoke run", NULL },
  { "no-torch", 0, 0, G_OPTION_ARG_NONE, &opt.no_torch, "Measure the engine only", NULL },
  { "python", 0, 0, G_OPTION_ARG_FILENAME, &opt.python, "Python for PyTorch (/usr/bin/python3)", "PATH" },
  { "script", 0, 0, G_OPTION_ARG_FILENAME, &opt.script, "The PyTorch side (torch_inspect.py)", "PATH" },
  { "sample", 0, 0, G_OPTION_ARG_FILENAME, &opt_sample, "The model (fashion_convnet.json)", "PATH" },
  { "layer", 0, 0, G_OPTION_ARG_STRING, &opt_layer, "The filter grid's layer (conv2)", "NAME" },
  { "data", 0, 0, G_OPTION_ARG_STRING, &opt.data, "Dataset spec (fashion-mnist)", "SPEC" },
  { NULL }
};

/* ---- the engine --------------------------------------------------------------- */

/* The input: the first test image, or a bright block on black when the
 * dataset is not there. */
static NnTensor *
first_image (const NnDataset *ds, const int *in_shape, int in_ndim)
{
  int shape[NN_MAX_DIMS] = { 1 };
  memcpy (shape + 1, in_shape, sizeof (int) * (size_t) in_ndim);
  NnTensor *x = nn_tensor_new (in_ndim + 1, shape);
  if (ds && ds->n_test > 0
      && nn_shape_equal (ds->inputs[0]->ndim, ds->inputs[0]->shape, in_ndim, in_shape))
    {
      nn_array_gather (ds->inputs[0], ds->test_idx, 1, x->data);
      return x;
    }
  int h = in_shape[0], w = in_ndim > 1 ? in_shape[1] : 1;
  size_t c = x->size / ((size_t) h * w);
  for (int y = h / 4; y < 3 * h / 4; y++)
    for (int xx = w / 3; xx < 2 * w / 3; xx++)
      for (size_t k = 0; k < c; k++)
        x->data[((size_t) y * w + xx) * c + k] = 0.8f;
  return x;
}

typedef struct {
  NnCompiled  *c;         /* an inference graph for batch 1 */
  NnInspector *in;
  NnTensor    *x;         /* (1, 28, 28, 1) */
  int          cam_probe;
} Engine;

typedef enum {
  M_FORWARD, M_PREDICT, M_ACTIVATIONS, M_GRADCAM, M_SALIENCY, M_OCCLUSION, N_MEASURES
} Measure;

static const char *measure_names[N_MEASURES] = {
  "forward (batch 1)", "predict", "activations", "Grad-CAM", "saliency", "occlusion",
};

/* One call of measurement m; FALSE on an error. */
static gboolean
engine_once (Engine *e, Measure m, GError **error)
{
  NnGraph *g = e->c->g;
  NnExplainConfig cfg;
  nn_explain_config_init (&cfg);
  switch (m)
    {
    case M_FORWARD:
      memcpy (g->nodes[e->c->input_nodes[0]].value, e->x->data, e->x->size * sizeof (float));
      nn_graph_forward_to (g, e->c->output_nodes[0]);
      return TRUE;
    case M_PREDICT:
      {
        NnTensor *p = nn_inspector_predict (e->in, e->x, error);
        nn_tensor_free (p);
        return p != NULL;
      }
    case M_ACTIVATIONS:
      {
        NnTensor *p = NULL;
        NnTensor **a = nn_inspector_activations (e->in, e->x, &p, error);
        if (!a)
          return FALSE;
        nn_tensors_free (a, nn_inspector_get_n_probes (e->in));
        nn_tensor_free (p);
        return TRUE;
      }
    default:
      {
        cfg.kind = m == M_GRADCAM ? NN_EXPLAIN_GRADCAM
                   : m == M_SALIENCY ? NN_EXPLAIN_SALIENCY : NN_EXPLAIN_OCCLUSION;
        cfg.probe = e->cam_probe;
        NnTensor *map = nn_inspector_explain (e->in, e->x, &cfg, NULL, NULL, error);
        nn_tensor_free (map);
        return map != NULL;
      }
    }
}

/* Median seconds of one call over reps (after a few untimed). */
static double
engine_time (Engine *e, Measure m, int reps, GError **error)
{
  g_autofree double *dt = g_new (double, reps);
  for (int i = 0; i < opt.warmup + reps; i++)
    {
      double t0 = bench_now_s ();
      if (!engine_once (e, m, error))
        return NAN;
      if (i >= opt.warmup)
        dt[i - opt.warmup] = bench_now_s () - t0;
    }
  return bench_median (dt, reps);
}

/* The starting images the filter grid begins from, caught at its step 0. */
static gboolean
catch_start_cb (int step, int steps, const NnTensor *images, gpointer user_data)
{
  NnTensor **start = user_data;
  if (step == 0 && !*start)
    *start = nn_tensor_copy (images);
  return TRUE;
}

/* Seconds of one filter grid (no gains: the ascent alone, as PyTorch's). */
static double
engine_filters (Engine *e, int probe, const int *channels, int n, GError **error)
{
  NnFilterConfig cfg;
  nn_filter_config_init (&cfg);
  cfg.steps = opt.steps;
  double t0 = bench_now_s ();
  NnTensor *img = nn_inspector_filters (e->in, probe, channels, n, &cfg, NULL, NULL, NULL,
                                        error);
  double dt = bench_now_s () - t0;
  nn_tensor_free (img);
  return img ? dt : NAN;
}

/* ---- what PyTorch is given -------------------------------------------------------- */

/* Appends a layer's weight variable k (the kernel (kh, kw, in, out) or the
 * bias) to f; FALSE when its shape is not `want`. */
static gboolean
write_weight (FILE *f, NnModel *m, const char *layer, int k, int ndim, const int *want)
{
  int l = nn_model_find_layer (m, layer);
  NnTensor view = { 0 };
  if (l < 0 || !nn_model_layer_get_weight (m, l, k, &view)
      || !nn_shape_equal (view.ndim, view.shape, ndim, want))
    {
      g_printerr ("bench-inspect: %s has no weight %d of the expected shape\n", layer, k);
      return FALSE;
    }
  return fwrite (view.data, sizeof (float), view.size, f) == view.size;
}

/* The file torch_inspect.py reads (float32, native order): conv1's kernel
 * and bias, conv2's kernel and bias, the 64 starting images (64, 28, 28,
 * 1), then the engine's 64 starting means and its 64 gains after the
 * ascent, for the check. */
static char *
write_torch_file (NnModel *m, const NnTensor *start, const double *start_means,
                  const double *gains, int n)
{
  char *path = NULL;
  int fd = g_file_open_tmp ("bench-inspect-XXXXXX.f32", &path, NULL);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen (fd, "wb");
  const int k1[] = { 3, 3, 1, 32 }, b1[] = { 32 }, k2[] = { 3, 3, 32, 64 }, b2[] = { 64 };
  gboolean ok = write_weight (f, m, "conv1", 0, 4, k1) && write_weight (f, m, "conv1", 1, 1, b1)
                && write_weight (f, m, "conv2", 0, 4, k2)
                && write_weight (f, m, "conv2", 1, 1, b2)
                && fwrite (start->data, sizeof (float), start->size, f) == start->size;
  for (int k = 0; ok && k < n; k++)
    {
      float v = (float) start_means[k];
      ok = fwrite (&v, sizeof v, 1, f) == 1;
    }
  for (int k = 0; ok && k < n; k++)
    {
      float v = (float) gains[k];
      ok = fwrite (&v, sizeof v, 1, f) == 1;
    }
  ok = fclose (f) == 0 && ok;
  if (!ok)
    {
      g_unlink (path);
      g_clear_pointer (&path, g_free);
    }
  return path;
}

/* Per image b, the mean of channel b of the probe's output on images. */
static gboolean
channel_means (Engine *e, int probe, const NnTensor *images, double *means, int n,
               GError **error)
{
  NnTensor *value = NULL;
  const NnProbe *pr = nn_inspector_get_probe (e->in, probe);
  int shape[NN_MAX_DIMS] = { n };
  memcpy (shape + 1, pr->shape, sizeof (int) * (size_t) pr->ndim);
  g_autoptr (NnTensor) seed = nn_tensor_new (pr->ndim + 1, shape);
  g_autoptr (NnTensor) grad = nn_inspector_input_gradient (e->in, images, probe, seed, &value,
                                                           error);
  if (!grad)
    return FALSE;
  size_t per = value->size / (size_t) n, k_n = (size_t) pr->shape[pr->ndim - 1];
  for (int b = 0; b < n; b++)
    {
      double s = 0;
      for (size_t p = 0; p < per / k_n; p++)
        s += value->data[(size_t) b * per + p * k_n + (size_t) b];
      means[b] = s / (double) (per / k_n);
    }
  nn_tensor_free (value);
  return TRUE;
}

/* ---- main ------------------------------------------------------------------------- */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NnCompiled, nn_compiled_free)

int
main (int argc, char **argv)
{
  nn_init (argc, argv);
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("— the Inspect API against a forward pass and against PyTorch");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("bench-inspect: %s\n", error->message);
      return 2;
    }
  if (opt.quick)
    {
      opt.steps = 4;
      opt_reps = 5;
      opt.rounds = 1;
      opt.warmup = 2;
    }
  opt.steps = MAX (opt.steps, 1);
  opt.rounds = MAX (opt.rounds, 1);
  opt_reps = MAX (opt_reps, 1);

  double t_load = 0;
  g_autoptr (GError) derr = NULL;
  g_autoptr (NnDataset) ds = bench_dataset_open (&opt, &t_load, &derr);
  g_autoptr (NnModel) model = nn_model_load (opt_sample ? opt_sample : BENCH_SAMPLE, &error);
  if (!model || (!nn_model_has_weights (model) && !nn_model_init_weights (model, 1, &error)))
    {
      g_printerr ("bench-inspect: %s\n", error->message);
      return 1;
    }
  Engine e = { 0 };
  NnRng rng;
  nn_rng_seed (&rng, 1);
  g_autoptr (NnCompiled) compiled = nn_compile (model, 1, 0, &rng, &error);
  g_autoptr (NnInspector) in = compiled ? nn_inspector_new (model, &error) : NULL;
  if (!in)
    {
      g_printerr ("bench-inspect: %s\n", error->message);
      return 1;
    }
  e.c = compiled;
  e.in = in;
  int in_shape[NN_MAX_DIMS];
  int in_ndim = nn_inspector_get_input_shape (in, in_shape);
  g_autoptr (NnTensor) x = first_image (ds, in_shape, in_ndim);
  e.x = x;
  e.cam_probe = nn_inspector_default_cam_probe (in);
  int probe = nn_inspector_find_probe (in, opt_layer ? opt_layer : "conv2");
  if (probe < 0 || e.cam_probe < 0)
    {
      g_printerr ("bench-inspect: %s has no layer “%s” or no image-like layer for Grad-CAM\n",
                  nn_model_get_name (model), opt_layer ? opt_layer : "conv2");
      return 1;
    }
  const NnProbe *pr = nn_inspector_get_probe (in, probe);
  int n = pr->shape[pr->ndim - 1];
  g_autofree int *channels = g_new (int, n);
  for (int k = 0; k < n; k++)
    channels[k] = k;

  printf ("Inspect API on %s (%" G_GINT64_FORMAT " weights%s), one %s image\n",
          nn_model_get_name (model), nn_model_count_params (model, NULL, NULL),
          opt_sample ? "" : ", initialised with seed 1",
          ds ? "Fashion-MNIST test" : "synthetic");
  if (!ds)
    printf ("data: %s; a synthetic image instead\n", derr->message);
  printf ("plan: %d round%s of %d timed calls per one-image measurement; the filter grid: all "
          "%d filters of %s, %d steps, once per round\n", opt.rounds, opt.rounds == 1 ? "" : "s",
          opt_reps, n, pr->path, opt.steps);
  printf ("engine: OpenBLAS core %s, %d threads; Grad-CAM at %s\n", nn_blas_core_name (),
          nn_blas_threads (), nn_inspector_get_probe (in, e.cam_probe)->path);

  /* The check: the engine's own starting images and gains, for PyTorch to
   * reproduce (untimed). */
  g_autoptr (NnTensor) start = NULL;
  NnFilterConfig fcfg;
  nn_filter_config_init (&fcfg);
  fcfg.steps = opt.steps;
  fcfg.raw = TRUE;
  g_autofree double *gains = g_new (double, n);
  g_autofree double *start_means = g_new (double, n);
  g_autoptr (NnTensor) final = nn_inspector_filters (in, probe, channels, n, &fcfg,
                                                     catch_start_cb, &start, gains, &error);
  if (!final || !start || !channel_means (&e, probe, start, start_means, n, &error))
    {
      g_printerr ("bench-inspect: filters: %s\n", error ? error->message : "no starting images");
      return 1;
    }

  BenchTorch torch;
  memset (&torch, 0, sizeof torch);
  gboolean have_torch = FALSE;
  g_autofree char *torch_file = NULL;
  if (!opt.no_torch)
    {
      if (pr->ndim != 3 || n != 64 || in_ndim != 3 || in_shape[0] != 28 || in_shape[2] != 1
          || g_strcmp0 (pr->path, "conv2") != 0)
        printf ("torch: skipped: torch_inspect.py builds fashion_convnet's conv1-pool1-conv2 "
                "and this is not it\n");
      else if (!(torch_file = write_torch_file (model, start, start_means, gains, n)))
        printf ("torch: skipped: cannot write the weights for it\n");
      else
        {
          /* the script reads the file its environment names */
          g_setenv ("DEEPSCOPE_BENCH_INSPECT_FILE", torch_file, TRUE);
          have_torch = bench_torch_launch (&torch, &opt, BENCH_TORCH_SCRIPT, n);
        }
    }
  if (have_torch)
    {
      g_autoptr (GError) terr = NULL;
      g_autofree char *cmd = g_strdup_printf ("check %d\n", opt.steps);
      double v[4];
      if (!bench_torch_ask (&torch, cmd, v, 4, &terr))
        {
          printf ("torch: failed: %s\n", terr->message);
          have_torch = FALSE;
        }
      else
        {
          /* the engine's median gain over the filters alive at the start */
          g_autofree double *alive = g_new (double, n);
          int n_alive = 0;
          for (int k = 0; k < n; k++)
            if (start_means[k] > 0 && gains[k] > 0)
              alive[n_alive++] = gains[k];
          printf ("check: conv2 means on the starting images, largest difference %.2g "
                  "(relative to the largest mean)\n", v[0]);
          printf ("check: gains after %d steps of the %d filters alive at the start on both "
                  "sides (of %d): median engine %.4g, torch %.4g; median |log(torch / engine)| "
                  "%.3g\n", opt.steps, (int) v[1], n, bench_median (alive, n_alive), v[2], v[3]);
          printf ("       (the %d dead at the start get random noise, whose numbers differ "
                  "between the two sides)\n", n - n_alive);
          if (!(v[0] < 1e-3))
            printf ("check: the two sides do not compute the same conv2: the comparison "
                    "below is not meaningful\n");
        }
    }

  /* ---- the rounds ---- */
  double *t[N_MEASURES];
  for (int m = 0; m < N_MEASURES; m++)
    t[m] = g_new (double, opt.rounds);
  g_autofree double *f_engine = g_new (double, opt.rounds);
  g_autofree double *f_torch = g_new (double, opt.rounds);
  g_autofree double *q_filters = g_new (double, opt.rounds);
  int rc = 0;
  printf ("\n");
  for (int r = 0; r < opt.rounds && rc == 0; r++)
    {
      for (int m = 0; m < N_MEASURES && rc == 0; m++)
        {
          /* occlusion is many forward passes: fewer calls */
          t[m][r] = engine_time (&e, (Measure) m, m == M_OCCLUSION ? MAX (1, opt_reps / 10)
                                                                   : opt_reps, &error);
          if (!isfinite (t[m][r]))
            rc = 1;
        }
      if (rc)
        break;
      f_engine[r] = f_torch[r] = NAN;
      for (int turn = 0; turn < 2; turn++)
        {
          if (bench_engine_turn (turn, r))
            {
              f_engine[r] = engine_filters (&e, probe, channels, n, &error);
              if (!isfinite (f_engine[r]))
                rc = 1;
            }
          else if (have_torch)
            {
              g_autoptr (GError) terr = NULL;
              g_autofree char *cmd = g_strdup_printf ("filters %d\n", opt.steps);
              if (!bench_torch_ask (&torch, cmd, &f_torch[r], 1, &terr))
                {
                  printf ("torch: failed: %s\n", terr->message);
                  have_torch = FALSE;
                }
            }
          g_usleep (100000);
        }
      q_filters[r] = f_torch[r] / f_engine[r];
      printf ("round %d: forward %.3f ms, predict %.3f, activations %.3f, Grad-CAM %.3f, "
              "saliency %.3f, occlusion %.3f ms; filter grid engine %.3f s, torch %.3f s\n",
              r + 1, t[M_FORWARD][r] * 1e3, t[M_PREDICT][r] * 1e3, t[M_ACTIVATIONS][r] * 1e3,
              t[M_GRADCAM][r] * 1e3, t[M_SALIENCY][r] * 1e3, t[M_OCCLUSION][r] * 1e3,
              f_engine[r], f_torch[r]);
      fflush (stdout);
    }
  bench_torch_stop (&torch);
  if (torch_file)
    {
      g_unlink (torch_file);
      g_unsetenv ("DEEPSCOPE_BENCH_INSPECT_FILE");
    }
  if (rc)
    {
      g_printerr ("bench-inspect: %s\n", error ? error->message : "failed");
      for (int m = 0; m < N_MEASURES; m++)
        g_free (t[m]);
      return 1;
    }

  int R = opt.rounds;
  printf ("\n%-26s %10s  %s\n", "one image", "ms", "forward passes (median of per-round ratios)");
  for (int m = 0; m < N_MEASURES; m++)
    {
      g_autofree double *q = g_new (double, R);
      for (int r = 0; r < R; r++)
        q[r] = t[m][r] / t[M_FORWARD][r];
      double goal = m == M_ACTIVATIONS ? 1.5 : m == M_GRADCAM ? 3.0 : NAN;
      double med = bench_median (q, R);
      printf ("  %-24s %10.3f  %6.2f", measure_names[m], bench_median (t[m], R) * 1e3, med);
      if (isfinite (goal))
        printf ("   goal <= %.1f: %s", goal, med <= goal ? "met" : "not met");
      printf ("\n");
    }
  printf ("\n%-26s %10s %10s  %s\n", "", "engine", "torch", "ratio torch / engine");
  double qf = bench_median (q_filters, R);
  printf ("  %-24s %10.3f %10.3f  %6.2fx   goal >= 3.0x: %s\n", "filter grid (s)",
          bench_median (f_engine, R), bench_median (f_torch, R), qf,
          isfinite (qf) ? (qf >= 3.0 ? "met" : "not met") : "n/a");
  if (opt.quick)
    printf ("(--quick: a smoke run of %d steps and %d calls; the figures that count come "
            "from a full run on a quiet machine)\n", opt.steps, opt_reps);
  for (int m = 0; m < N_MEASURES; m++)
    g_free (t[m]);
  return 0;
}
