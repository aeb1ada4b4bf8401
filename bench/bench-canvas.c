/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-canvas: how long the Build view's canvas takes to draw a 200-node
 * graph, against the 16.7 ms of a 60 Hz frame. Draws on a Cairo image
 * surface with the canvas's own scene renderer, so it needs no display.
 *
 *   bench-canvas [--quick]
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <pango/pangocairo.h>

#include "ds-graph-scene.h"
#include "nn.h"

#define N_LAYERS 200
#define FRAME_MS (1000.0 / 60.0)

/* A multi-branch network: 14 towers (an Input and 13 Dense layers each)
 * whose ends are concatenated and followed by three Dense layers; 200
 * layers, 199 edges. Towers run left to right one above the other. (Towers
 * rather than a deep residual net: the engine's
 * cycle check on connect is exponential in the number of stacked diamonds
 * for now.) */
#define TOWERS 14
#define DEPTH  14

static NnModel *
make_model (void)
{
  NnModel *m = nn_model_new ("bench");
  g_autoptr(GError) error = NULL;
  int ends[TOWERS], concat, prev;

  for (int t = 0; t < TOWERS; t++)
    {
      prev = nn_model_add_layer (m, "Input", NULL, &error);
      g_assert_no_error (error);
      nn_model_layer_set_param (m, prev, "shape", "32", &error);
      nn_model_layer_set_position (m, prev, 0, t * (DS_NODE_HEIGHT + 40));
      for (int d = 1; d < DEPTH; d++)
        {
          int l = nn_model_add_layer (m, "Dense", NULL, &error);

          g_assert_no_error (error);
          nn_model_layer_set_param (m, l, "units", "32", &error);
          nn_model_connect (m, (NnRef) { prev, 0 }, l, 0, &error);
          g_assert_no_error (error);
          nn_model_layer_set_position (m, l, d * (DS_NODE_WIDTH + 96), t * (DS_NODE_HEIGHT + 40));
          prev = l;
        }
      ends[t] = prev;
    }
  concat = nn_model_add_layer (m, "Concatenate", NULL, &error);
  g_assert_no_error (error);
  for (int t = 0; t < TOWERS; t++)
    {
      nn_model_connect (m, (NnRef) { ends[t], 0 }, concat, t, &error);
      g_assert_no_error (error);
    }
  nn_model_layer_set_position (m, concat, DEPTH * (DS_NODE_WIDTH + 96), 6 * (DS_NODE_HEIGHT + 40));
  prev = concat;
  for (int i = 0; nn_model_get_n_layers (m) < N_LAYERS; i++)
    {
      int l = nn_model_add_layer (m, "Dense", NULL, &error);

      g_assert_no_error (error);
      nn_model_connect (m, (NnRef) { prev, 0 }, l, 0, &error);
      g_assert_no_error (error);
      nn_model_layer_set_position (m, l, (DEPTH + 1) * (DS_NODE_WIDTH + 96),
                                   (5 + 2 * i) * (DS_NODE_HEIGHT + 40) - 60);
      prev = l;
    }
  if (!nn_model_infer (m, &error))
    g_error ("inference failed: %s", error->message);
  return m;
}

static double
clock_ms (clockid_t id)
{
  struct timespec ts;

  clock_gettime (id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double
now_ms (void)
{
  return clock_ms (CLOCK_MONOTONIC);
}

/* CPU time too: on a busy machine wall time also counts other programs. */
static double
cpu_ms (void)
{
  return clock_ms (CLOCK_PROCESS_CPUTIME_ID);
}

typedef struct { double mean, max, cpu, frames_per; } Timing;

static int
count_visible (DsScene *scene, int w, int h, double zoom, double ox, double oy)
{
  int n = 0;

  for (int i = 0; i < ds_scene_get_n_nodes (scene); i++)
    {
      DsSceneNode *node = ds_scene_get_node (scene, i);
      double x = node->x * zoom + ox, y = node->y * zoom + oy;

      if (x + DS_NODE_WIDTH * zoom > 0 && x < w && y + DS_NODE_HEIGHT * zoom > 0 && y < h)
        n++;
    }
  return n;
}

/* cold: after each frame, a new zoom and a request for sharp images, as
 * when a zoom settles: the canvas then redraws the node images a few dozen
 * per frame, so this measures the worst frames of that catching up. */
static Timing
time_frames (DsScene *scene, cairo_t *cr, int w, int h, double zoom, double ox, double oy,
             const DsSceneStyle *style, int frames, gboolean cold)
{
  Timing t = { 0, 0, 0 };
  int n = 0;

  for (int i = 0; i < 3; i++)   /* warm the glyph caches */
    ds_scene_render (scene, cr, w, h, zoom, ox, oy, style, NULL);
  cairo_surface_flush (cairo_get_target (cr));
  for (int i = 0; i < frames; i++)
    {
      double z = cold ? zoom * (1 + 0.001 * (i % 2 + 1)) : zoom;
      gboolean done = FALSE;

      if (cold)
        ds_scene_sharpen (scene);
      while (!done)
        {
          double t0 = now_ms (), c0 = cpu_ms (), dt;

          done = ds_scene_render (scene, cr, w, h, z, ox, oy, style, NULL) || !cold;
          cairo_surface_flush (cairo_get_target (cr));
          dt = now_ms () - t0;
          t.mean += dt;
          t.cpu += cpu_ms () - c0;
          t.max = MAX (t.max, dt);
          n++;
        }
    }
  t.mean /= n;
  t.cpu /= n;
  t.frames_per = (double) n / frames;
  return t;
}

static void
report (const char *what, Timing t)
{
  printf ("  %-34s mean %6.2f ms (CPU %6.2f), max %6.2f ms = %3.0f%% of a %.1f ms frame\n",
          what, t.mean, t.cpu, t.max, 100 * t.mean / FRAME_MS, FRAME_MS);
}

int
main (int   argc,
      char *argv[])
{
  gboolean quick = argc > 1 && strcmp (argv[1], "--quick") == 0;
  int frames = quick ? 10 : 100;
  const int w = 1920, h = 1080;
  g_autoptr(NnModel) m = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  PangoContext *context;
  cairo_font_options_t *fo;
  DsScene *scene;
  DsSceneStyle style;
  double x0, y0, x1, y1, t0, build_ms, fit;
  int n_full;
  Timing full, cold, actual, fitted;
  char what[64];
  int worst_ok;

  nn_init (argc, argv);
  m = make_model ();

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cr = cairo_create (surface);
  context = pango_cairo_create_context (cr);
  fo = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (context, fo);
  cairo_font_options_destroy (fo);
  ds_scene_style_init (&style, FALSE);

  /* What every edit costs: the scene (texts laid out) is rebuilt. */
  t0 = now_ms ();
  for (int i = 0; i < (quick ? 2 : 10); i++)
    {
      DsScene *s = ds_scene_new (m, context);
      ds_scene_free (s);
    }
  build_ms = (now_ms () - t0) / (quick ? 2 : 10);
  scene = ds_scene_new (m, context);
  g_assert_true (ds_scene_get_bounds (scene, &x0, &y0, &x1, &y1));

  /* 50 %, the smallest zoom that draws every text and edge label: the
   * densest full-detail view. */
  full = time_frames (scene, cr, w, h, 0.5, w / 2.0 - (x0 + x1) / 2 * 0.5,
                      h / 2.0 - (y0 + y1) / 2 * 0.5, &style, frames, FALSE);
  cold = time_frames (scene, cr, w, h, 0.5, w / 2.0 - (x0 + x1) / 2 * 0.5,
                      h / 2.0 - (y0 + y1) / 2 * 0.5, &style, frames, TRUE);
  n_full = count_visible (scene, w, h, 0.5, w / 2.0 - (x0 + x1) / 2 * 0.5,
                          h / 2.0 - (y0 + y1) / 2 * 0.5);
  /* 100 %: the usual working view; nodes out of view are skipped. */
  actual = time_frames (scene, cr, w, h, 1.0, 40, 40, &style, frames, FALSE);
  /* Zoom to fit, as after opening a file. */
  fit = MIN ((w - 96) / (x1 - x0), (h - 96) / (y1 - y0));
  fitted = time_frames (scene, cr, w, h, fit, w / 2.0 - (x0 + x1) / 2 * fit,
                        h / 2.0 - (y0 + y1) / 2 * fit, &style, frames, FALSE);

  /* DEEPSCOPE_BENCH_PNG=file.png keeps a picture of the densest view, to
   * check that the frames measured draw what they should. */
  if (g_getenv ("DEEPSCOPE_BENCH_PNG"))
    {
      ds_scene_render (scene, cr, w, h, 0.5, w / 2.0 - (x0 + x1) / 2 * 0.5,
                       h / 2.0 - (y0 + y1) / 2 * 0.5, &style, NULL);
      cairo_surface_write_to_png (surface, g_getenv ("DEEPSCOPE_BENCH_PNG"));
    }
  printf ("canvas: %d nodes, %d edges, %dx%d Cairo image surface, %d frames each\n",
          ds_scene_get_n_nodes (scene), ds_scene_get_n_edges (scene), w, h, frames);
  g_snprintf (what, sizeof what, "densest full detail (50%%, %d nodes):", n_full);
  report (what, full);
  g_snprintf (what, sizeof what, "same, sharpening (%.1f frames):", cold.frames_per);
  report (what, cold);
  report ("working view at 100%:", actual);
  g_snprintf (what, sizeof what, "zoom to fit (%.0f%%):", 100 * fit);
  report (what, fitted);
  printf ("  %-34s %6.2f ms\n", "scene rebuild after an edit:", build_ms);

  /* Judged on CPU time, which other programs on the machine don't inflate. */
  worst_ok = full.cpu < FRAME_MS && cold.cpu < FRAME_MS && actual.cpu < FRAME_MS
             && fitted.cpu < FRAME_MS;
  printf ("%s\n", worst_ok ? "every view draws within a frame" : "SLOWER THAN A FRAME");

  ds_scene_free (scene);
  g_object_unref (context);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
  return worst_ok ? 0 : 1;
}
