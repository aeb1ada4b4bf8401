/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-private.h: DsPlayground accessors that only the tests use. */
#pragma once

#include "ds-playground.h"

G_BEGIN_DECLS

/* Decision maps computed so far (tests). */
guint            ds_playground_get_n_updates      (DsPlayground *self);
/* Hidden units with a map (tests). */
guint            ds_playground_get_n_units        (DsPlayground *self);
/* Hidden units shown as widgets. */
guint            ds_playground_get_n_unit_widgets (DsPlayground *self);
/* A checksum of the last decision map's values, or NULL. */
char            *ds_playground_dup_map_checksum   (DsPlayground *self);
/* The last map's training (FALSE) or test (TRUE) loss, or NAN. */
double           ds_playground_get_loss           (DsPlayground *self,
                                                   gboolean      test);
GtkDropDown     *ds_playground_get_speed_drop     (DsPlayground *self);
GtkToggleButton *ds_playground_get_feature_button (DsPlayground *self,
                                                   NnFeature     feature);
/* The +/- units button of a hidden layer, or NULL. */
GtkWidget       *ds_playground_get_units_button   (DsPlayground *self,
                                                   const char   *layer,
                                                   int           delta);
/* The add (delta > 0) or remove hidden layer button. */
GtkWidget       *ds_playground_get_layer_button   (DsPlayground *self,
                                                   int           delta);

/* A control by name: "activation", "learning-rate", "regularization",
 * "regularization-rate", "batch-size", "noise", "training-share",
 * "dataset", "build", "map", "network", "surface", "edges",
 * "largest-gradient", or NULL. */
GtkWidget       *ds_playground_get_control        (DsPlayground *self,
                                                   const char   *name);
/* The unit whose map the big map shows (hovered), or FALSE. */
gboolean         ds_playground_get_hover          (DsPlayground *self,
                                                   int          *hidden,
                                                   int          *unit);
/* The unit map widgets of hidden layer `hidden`, top first (borrowed). */
GtkWidget       *ds_playground_get_unit_widget    (DsPlayground *self,
                                                   guint         hidden,
                                                   guint         unit);
/* Loss surfaces computed so far, and the last one (a DsSurfaceJob). */
guint            ds_playground_get_n_surfaces     (DsPlayground *self);
gconstpointer    ds_playground_get_surface        (DsPlayground *self);
/* The weights picked for the loss surface by clicking edges (0, 1 or 2),
 * into w. */
int              ds_playground_get_picked         (DsPlayground *self,
                                                   NnWeightRef   w[2]);
/* The point at t (0..1) along the drawn edge from input (or unit) `in` to
 * unit `unit` of hidden layer `hidden`, in the edges area's coordinates;
 * FALSE when it is not drawn. */
gboolean         ds_playground_get_edge_point     (DsPlayground *self,
                                                   guint         hidden,
                                                   int           in,
                                                   int           unit,
                                                   double        t,
                                                   double       *x,
                                                   double       *y);
/* The small map beside a feature's toggle. */
GtkWidget       *ds_playground_get_feature_map    (DsPlayground *self,
                                                   NnFeature     feature);

G_END_DECLS
