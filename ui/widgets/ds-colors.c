/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include "ds-colors.h"

/* Class colours: GNOME blue, orange, green, purple, red, yellow… as in the
 * TensorFlow Playground, blue and orange first. */
static const guint32 class_rgb[] = {
  0x3584e4, 0xe66100, 0x2ec27e, 0x9141ac, 0xe01b24, 0xc88800, 0x2190a4, 0xc061cb,
  0x986a44, 0x5e5c64,
};

/* Run colours: GNOME palette colours, distinct from each other on light and
 * dark backgrounds. */
static const char *const run_colors[] = {
  "#3584e4", "#e66100", "#2ec27e", "#9141ac", "#e01b24",
  "#c88800", "#2190a4", "#c061cb", "#986a44",
};

/* Layer groups: GNOME palette colours, picked to stay distinct from each
 * other and from the error red. */
static const char *const group_colors[NN_N_GROUPS] = {
  [NN_GROUP_INPUT] = "#3584e4",
  [NN_GROUP_CORE] = "#9141ac",
  [NN_GROUP_CONVOLUTION] = "#e66100",
  [NN_GROUP_POOLING] = "#c88800",
  [NN_GROUP_NORMALIZATION] = "#26a269",
  [NN_GROUP_REGULARIZATION] = "#2190a4",
  [NN_GROUP_SEQUENCE] = "#986a44",
  [NN_GROUP_MERGE] = "#c061cb",
  [NN_GROUP_GENERATIVE] = "#dc5c8c",
  [NN_GROUP_MODEL] = "#77767b",
};
static const char *const group_fallback = "#77767b";

/* Histogram ridges: TensorBoard's orange, older epochs pale, the newest
 * saturated. */
static const char *const ridge_old = "#f9d4b4";
static const char *const ridge_new = "#e66100";

void
ds_colors_class_rgb (int    c,
                     double rgb[3])
{
  int n = (int) G_N_ELEMENTS (class_rgb);
  guint32 v = class_rgb[((c % n) + n) % n];

  rgb[0] = ((v >> 16) & 0xff) / 255.0;
  rgb[1] = ((v >> 8) & 0xff) / 255.0;
  rgb[2] = (v & 0xff) / 255.0;
}

void
ds_colors_class (int      c,
                 GdkRGBA *out)
{
  double rgb[3];

  g_return_if_fail (out != NULL);
  ds_colors_class_rgb (c, rgb);
  out->red = (float) rgb[0];
  out->green = (float) rgb[1];
  out->blue = (float) rgb[2];
  out->alpha = 1;
}

void
ds_colors_ramp (double   u,
                GdkRGBA *out)
{
  GdkRGBA b, o;

  g_return_if_fail (out != NULL);
  ds_colors_class (0, &b);
  ds_colors_class (1, &o);
  out->red = b.red + (float) u * (o.red - b.red);
  out->green = b.green + (float) u * (o.green - b.green);
  out->blue = b.blue + (float) u * (o.blue - b.blue);
  out->alpha = 1;
}

void
ds_colors_run (guint    index,
               GdkRGBA *out)
{
  g_return_if_fail (out != NULL);
  gdk_rgba_parse (out, run_colors[index % G_N_ELEMENTS (run_colors)]);
}

void
ds_colors_group (NnLayerGroup  group,
                 GdkRGBA      *out)
{
  const char *c = (int) group >= 0 && group < NN_N_GROUPS && group_colors[group]
                  ? group_colors[group] : group_fallback;

  g_return_if_fail (out != NULL);
  gdk_rgba_parse (out, c);
}

guint32
ds_colors_over_white (const double rgb[3],
                      double       a)
{
  return ((guint32) ((1 - a + a * rgb[0]) * 255) << 16)
         | ((guint32) ((1 - a + a * rgb[1]) * 255) << 8)
         | (guint32) ((1 - a + a * rgb[2]) * 255);
}

guint32
ds_colors_decision_pixel (const double *p,
                          int           n,
                          gboolean      discrete)
{
  double mix[3] = { 0, 0, 0 }, best = -1, a, conf;
  int arg = 0;

  for (int k = 0; k < n; k++)
    if (p[k] > best)
      {
        best = p[k];
        arg = k;
      }
  if (discrete)
    {
      ds_colors_class_rgb (arg, mix);
      a = 0.42;
    }
  else
    {
      for (int k = 0; k < n; k++)
        {
          double c[3];

          ds_colors_class_rgb (k, c);
          mix[0] += p[k] * c[0];
          mix[1] += p[k] * c[1];
          mix[2] += p[k] * c[2];
        }
      /* Confident regions are deeper; the boundary fades to white. */
      conf = n > 1 ? (best - 1.0 / n) / (1 - 1.0 / n) : 1;
      a = 0.12 + 0.48 * CLAMP (conf, 0, 1);
    }
  return ds_colors_over_white (mix, a);
}

guint32
ds_colors_diverging_pixel (double v)
{
  double rgb[3];

  ds_colors_class_rgb (v < 0 ? 0 : 1, rgb);
  return ds_colors_over_white (rgb, MIN (fabs (v), 1));
}

void
ds_colors_ridge (double   t,
                 GdkRGBA *fill,
                 GdkRGBA *line)
{
  GdkRGBA old_fill, new_fill;

  gdk_rgba_parse (&old_fill, ridge_old);
  gdk_rgba_parse (&new_fill, ridge_new);
  fill->red = old_fill.red + t * (new_fill.red - old_fill.red);
  fill->green = old_fill.green + t * (new_fill.green - old_fill.green);
  fill->blue = old_fill.blue + t * (new_fill.blue - old_fill.blue);
  fill->alpha = 0.92;
  line->red = 0.45 * (1 - t) + 0.55;
  line->green = 0.2;
  line->blue = 0.0;
  line->alpha = 0.55 + 0.4 * t;
}

guint32
ds_colors_activation_pixel (double u)
{
  /* Viridis at nine stops, interpolated linearly. */
  static const guint8 stops[9][3] = {
    { 68, 1, 84 }, { 71, 44, 122 }, { 59, 81, 139 }, { 44, 113, 142 }, { 33, 144, 141 },
    { 39, 173, 129 }, { 92, 200, 99 }, { 170, 220, 50 }, { 253, 231, 37 },
  };
  double x, f;
  int i;
  guint32 rgb = 0;

  if (!(u > 0))
    u = 0;
  if (u > 1)
    u = 1;
  x = u * 8;
  i = MIN ((int) x, 7);
  f = x - i;
  for (int k = 0; k < 3; k++)
    rgb = (rgb << 8) | (guint32) lround (stops[i][k] + f * (stops[i + 1][k] - stops[i][k]));
  return rgb;
}

/* Piecewise-linear interpolation between n evenly spaced stops. */
static void
interpolate_stops (const guint32 *stops,
                   int            n,
                   double         t,
                   double         rgb[3])
{
  double x = CLAMP (isfinite (t) ? t : 0, 0, 1) * (n - 1), f;
  int i = MIN ((int) x, n - 2);

  f = x - i;
  for (int k = 0; k < 3; k++)
    {
      int shift = 16 - 8 * k;
      double a = ((stops[i] >> shift) & 0xff) / 255.0;
      double b = ((stops[i + 1] >> shift) & 0xff) / 255.0;

      rgb[k] = a + f * (b - a);
    }
}

/* Inferno's colours at t = 0, 0.1, ..., 1: perceptually even, readable in
 * grey print and by people with red-green colour blindness. */
static const guint32 heat_stops[] = {
  0x000004, 0x160b39, 0x420a68, 0x6a176e, 0x932667, 0xbc3754,
  0xdd513a, 0xf37819, 0xfca50a, 0xf6d746, 0xfcffa4,
};

/* ColorBrewer's RdBu, blue for negative values, from -1 to +1. */
static const guint32 signed_stops[] = {
  0x2166ac, 0x67a9cf, 0xd1e5f0, 0xf7f7f7, 0xfddbc7, 0xef8a62, 0xb2182b,
};

void
ds_colors_heat_rgb (double t,
                    double rgb[3])
{
  interpolate_stops (heat_stops, G_N_ELEMENTS (heat_stops), t, rgb);
}

void
ds_colors_signed_rgb (double v,
                      double rgb[3])
{
  interpolate_stops (signed_stops, G_N_ELEMENTS (signed_stops), (v + 1) / 2, rgb);
}
