/* SPDX-License-Identifier: GPL-3.0-or-later */
/* deepscope-cli inspect's pictures (cli-picture.h). */
#include <math.h>
#include <string.h>

#include "cli-picture.h"

/* Pictures are enlarged (whole pixels) to at least this many pixels a side. */
#define MIN_PICTURE_SIDE 224
#define MIN_TILE_SIDE 48

/* ---- pictures --------------------------------------------------------------- */

/* An inferno-like colour map: dark purple through red and orange to pale
 * yellow, brightness rising steadily, readable in grey print. */
static void
colormap (double t, guint8 *rgb)
{
  static const guint8 stops[][3] = {
    { 0, 0, 4 }, { 31, 12, 72 }, { 85, 15, 109 }, { 136, 34, 106 }, { 186, 54, 85 },
    { 227, 89, 51 }, { 249, 140, 10 }, { 249, 201, 50 }, { 252, 255, 164 },
  };
  const int n = G_N_ELEMENTS (stops) - 1;
  if (!(t > 0))
    t = 0;
  if (t > 1)
    t = 1;
  double x = t * n;
  int i = MIN ((int) x, n - 1);
  double f = x - i;
  for (int k = 0; k < 3; k++)
    rgb[k] = (guint8) lround (stops[i][k] + f * (stops[i + 1][k] - stops[i][k]));
}


static CliPicture *
picture_new (int width, int height, guint8 background)
{
  CliPicture *p = g_new0 (CliPicture, 1);
  p->width = width;
  p->height = height;
  p->rgb = g_malloc ((size_t) width * height * 3);
  memset (p->rgb, background, (size_t) width * height * 3);
  return p;
}

void
cli_picture_free (CliPicture *p)
{
  g_free (p->rgb);
  g_free (p);
}


static guint8 *
picture_at (CliPicture *p, int x, int y)
{
  return p->rgb + ((size_t) y * p->width + x) * 3;
}

/* Whole-pixel enlargement that brings the longer side to at least `side`,
 * and keeps pictures under 4096 pixels. */
static int
enlargement (int h, int w, int side)
{
  int m = MAX (h, w), s = MAX (1, (side + m - 1) / m);
  while (s > 1 && (s * m > 4096))
    s--;
  return s;
}

/* The tiles' grid: columns and rows for n tiles, about square. */
static void
grid_size (int n, int *cols, int *rows)
{
  *cols = (int) ceil (sqrt ((double) n));
  *rows = (n + *cols - 1) / *cols;
}

/* One input (h, w, ch) as display values in [0, 1] per pixel and colour:
 * grey or RGB, stretched over its own range. rgb gets h * w * 3. */
static void
input_to_display (const float *x, int h, int w, int ch, float *rgb)
{
  size_t npx = (size_t) h * w;
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < npx * (size_t) ch; i++)
    lo = MIN (lo, x[i]), hi = MAX (hi, x[i]);
  float span = hi > lo ? hi - lo : 1;
  for (size_t i = 0; i < npx; i++)
    for (int k = 0; k < 3; k++)
      {
        float v;
        if (ch == 3)
          v = x[i * 3 + k];
        else if (ch == 1)
          v = x[i];
        else
          {
            v = 0;
            for (int j = 0; j < ch; j++)
              v += x[i * (size_t) ch + j];
            v /= (float) ch;
          }
        rgb[i * 3 + k] = (v - lo) / span;
      }
}

gboolean
cli_picture_save (CliPicture *p, const char *path, GError **error)
{
  return nn_png_write (path, p->rgb, p->width, p->height, 3, error);
}

/* Channels of one activation (h, w, n) as tiles of a grid, on one colour
 * scale from lo to hi, so that a weak channel looks weak. */
CliPicture *
cli_activation_grid (const float *a, int h, int w, int n, float lo, float hi)
{
  int cols, rows, gap = 2, s = enlargement (h, w, MIN_TILE_SIDE);
  grid_size (n, &cols, &rows);
  int th = h * s, tw = w * s;
  CliPicture *p = picture_new (cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap, 255);
  float span = hi > lo ? hi - lo : 1;
  for (int k = 0; k < n; k++)
    {
      int x0 = gap + (k % cols) * (tw + gap), y0 = gap + (k / cols) * (th + gap);
      for (int y = 0; y < th; y++)
        for (int x = 0; x < tw; x++)
          colormap ((a[((size_t) (y / s) * w + x / s) * n + k] - lo) / span,
                    picture_at (p, x0 + x, y0 + y));
    }
  return p;
}

/* Images (n, h, w, ch) with values in [0, 1] as tiles of a grid. */
CliPicture *
cli_image_grid (const float *img, int n, int h, int w, int ch)
{
  int cols, rows, gap = 2, s = enlargement (h, w, MIN_TILE_SIDE);
  grid_size (n, &cols, &rows);
  int th = h * s, tw = w * s;
  CliPicture *p = picture_new (cols * tw + (cols + 1) * gap, rows * th + (rows + 1) * gap, 255);
  size_t per = (size_t) h * w * ch;
  g_autofree float *rgb = g_new (float, (size_t) h * w * 3);
  for (int k = 0; k < n; k++)
    {
      const float *x = img + per * k;
      if (ch == 1 || ch == 3)
        for (size_t i = 0; i < (size_t) h * w * 3; i++)
          rgb[i] = x[ch == 3 ? i : i / 3];
      else
        input_to_display (x, h, w, ch, rgb);
      int x0 = gap + (k % cols) * (tw + gap), y0 = gap + (k / cols) * (th + gap);
      for (int y = 0; y < th; y++)
        for (int xx = 0; xx < tw; xx++)
          for (int j = 0; j < 3; j++)
            picture_at (p, x0 + xx, y0 + y)[j] =
              (guint8) lroundf (255 * CLAMP (rgb[((size_t) (y / s) * w + xx / s) * 3 + j], 0, 1));
    }
  return p;
}

/* The map (mh, mw), values in [0, 1], laid over the input (h, w, ch):
 * sampled bilinearly at the picture's resolution (a coarse Grad-CAM map is
 * stretched over the whole image), coloured, and blended over a grey-level
 * copy of the input more strongly where it is hot. */
CliPicture *
cli_overlay (const float *input, int h, int w, int ch, const float *map, int mh, int mw)
{
  int s = enlargement (h, w, MIN_PICTURE_SIDE);
  CliPicture *p = picture_new (w * s, h * s, 0);
  g_autofree float *rgb = g_new (float, (size_t) h * w * 3);
  input_to_display (input, h, w, ch, rgb);
  for (int y = 0; y < p->height; y++)
    for (int x = 0; x < p->width; x++)
      {
        /* half-pixel centres on both grids */
        double my = (y + 0.5) * mh / p->height - 0.5, mx = (x + 0.5) * mw / p->width - 0.5;
        my = CLAMP (my, 0, mh - 1);
        mx = CLAMP (mx, 0, mw - 1);
        int y0 = (int) floor (my), x0 = (int) floor (mx);
        int y1 = MIN (y0 + 1, mh - 1), x1 = MIN (x0 + 1, mw - 1);
        double fy = my - y0, fx = mx - x0;
        double v = (1 - fy) * ((1 - fx) * map[y0 * mw + x0] + fx * map[y0 * mw + x1])
                   + fy * ((1 - fx) * map[y1 * mw + x0] + fx * map[y1 * mw + x1]);
        guint8 heat[3];
        colormap (v, heat);
        const float *in = rgb + ((size_t) (y / s) * w + x / s) * 3;
        double grey = (in[0] + in[1] + in[2]) / 3.0, a = 0.35 + 0.45 * CLAMP (v, 0, 1);
        guint8 *o = picture_at (p, x, y);
        for (int k = 0; k < 3; k++)
          o[k] = (guint8) lround ((1 - a) * 255 * grey + a * heat[k]);
      }
  return p;
}

