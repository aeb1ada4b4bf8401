/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-bars.h: the prediction as a horizontal bar chart, one bar per
 * class with its name and probability, the top class marked and the true
 * class (when known) marked apart; with many classes, only the likeliest. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_BARS (ds_inspect_bars_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectBars, ds_inspect_bars, DS, INSPECT_BARS, GtkWidget)

GtkWidget  *ds_inspect_bars_new       (void);
/* n probabilities (copied) and their class names (copied; NULL: "Class
 * c"); truth is the true class, or -1. n 0 empties the chart. */
void        ds_inspect_bars_set       (DsInspectBars      *self,
                                       int                 n,
                                       const float        *probabilities,
                                       const char * const *names,
                                       int                 truth);
int         ds_inspect_bars_get_n     (DsInspectBars      *self);
double      ds_inspect_bars_get_value (DsInspectBars      *self,
                                       int                 c);
/* The class rows drawn: all n in class order, or past 12 classes the 10
 * likeliest, likeliest first (a last row counts the others). */
int         ds_inspect_bars_get_n_rows     (DsInspectBars *self);
int         ds_inspect_bars_get_row_class  (DsInspectBars *self,
                                            int            row);
/* The marked top class, or -1. */
int         ds_inspect_bars_get_top   (DsInspectBars      *self);
int         ds_inspect_bars_get_truth (DsInspectBars      *self);

G_END_DECLS
