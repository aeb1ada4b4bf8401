/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-colors.h: every colour palette of the interface in one place: class
 * colours (data previews, the playground), run colours (charts, the run
 * list), layer-group colours (palette, canvas), the heat maps of the
 * playground and the histogram ridges. Light and dark theme chrome
 * (backgrounds, grid lines, text) stays with the widget that draws it. */
#pragma once

#include <gtk/gtk.h>

#include "nn.h"

G_BEGIN_DECLS

/* The colour of class c (any integer; the palette repeats) as red, green
 * and blue in 0..1. */
void     ds_colors_class_rgb       (int            c,
                                    double         rgb[3]);
/* The colour of class c on the maps and in the Data view's charts. */
void     ds_colors_class           (int            c,
                                    GdkRGBA       *out);
/* A regression target on the scatter plots: u from 0 (the lowest, class
 * 0's blue) to 1 (the highest, class 1's orange). */
void     ds_colors_ramp            (double         u,
                                    GdkRGBA       *out);
/* The colour of the index-th training run of a window (the palette
 * repeats). */
void     ds_colors_run             (guint          index,
                                    GdkRGBA       *out);
/* The colour that marks a layer group in the palette and on the canvas. */
void     ds_colors_group           (NnLayerGroup   group,
                                    GdkRGBA       *out);
/* An RGB24 pixel: rgb laid over white with opacity a (0..1). */
guint32  ds_colors_over_white      (const double   rgb[3],
                                    double         a);
/* The decision map's pixel for class probabilities p[0..n): the likeliest
 * class's colour when discrete, else the colours mixed by probability and
 * deeper where the model is confident. */
guint32  ds_colors_decision_pixel  (const double  *p,
                                    int            n,
                                    gboolean       discrete);
/* A diverging heat map's pixel for v in -1..1: blue below zero, orange
 * above, white at zero. */
guint32  ds_colors_diverging_pixel (double         v);
/* The fill and outline of a histogram ridge; t runs from 0 (the oldest
 * epoch, pale) to 1 (the newest, saturated). */
void     ds_colors_ridge           (double         t,
                                    GdkRGBA       *fill,
                                    GdkRGBA       *line);
/* A perceptual sequential heat map (inferno-like: black, purple, red,
 * orange, pale yellow; lightness rises with t) for t in 0..1: Grad-CAM,
 * saliency, activations. */
void     ds_colors_heat_rgb        (double         t,
                                    double         rgb[3]);
/* A diverging map for signed values v in -1..1: deep blue at -1, near
 * white at 0, deep red at +1 (occlusion: red where covering lowers the
 * score). */
void     ds_colors_signed_rgb      (double         v,
                                    double         rgb[3]);

/* The Inspect view's activations: an RGB24 pixel for u in 0..1 (the lowest
 * value of a layer to its highest), dark blue through teal to yellow
 * (viridis-like: ordered in lightness, readable in grey print). */
guint32  ds_colors_activation_pixel (double        u);

G_END_DECLS
