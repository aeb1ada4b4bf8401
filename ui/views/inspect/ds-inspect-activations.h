/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-inspect-activations.h: the Activations page: one row per probe
 * (layer), its path, type, shape, value range and dead-unit fraction, then
 * each channel as a small colour-mapped image (spatial outputs) or the
 * units as a bar strip (flat outputs). Rows are made only for the layers
 * in sight (a GtkListView), so a long model scrolls and draws lazily. */
#pragma once

#include <gtk/gtk.h>

#include "ds-inspect-picture.h"
#include "nn.h"

G_BEGIN_DECLS

#define DS_TYPE_INSPECT_ACTIVATIONS (ds_inspect_activations_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectActivations, ds_inspect_activations, DS, INSPECT_ACTIVATIONS,
                      GtkWidget)

GtkWidget *ds_inspect_activations_new        (void);
/* The layers of in's probes (read now; in is not kept). Clears values and
 * dead fractions. NULL: no layers, with `why` shown in their place. */
void       ds_inspect_activations_set_probes (DsInspectActivations *self,
                                              NnInspector          *in,
                                              const char           *why);
/* Every probe's output for one input (n tensors (1, shape...), taken). */
void       ds_inspect_activations_take_values (DsInspectActivations *self,
                                               NnTensor            **values,
                                               int                   n);
/* Dead-unit fractions per probe (NAN: not a ReLU layer). */
void       ds_inspect_activations_set_dead   (DsInspectActivations *self,
                                              const double         *fractions,
                                              int                   n);
int        ds_inspect_activations_get_n_layers (DsInspectActivations *self);
/* Shows channel c of layer `layer` in picture; FALSE when it is not a
 * spatial channel with a value. *title (may be NULL) gets its name. */
gboolean   ds_inspect_activations_show_channel (DsInspectActivations *self,
                                                int                   layer,
                                                int                   channel,
                                                DsInspectPicture     *picture,
                                                char                **title);

/* For the tests. */
/* The header text of a layer's row. */
char      *ds_inspect_activations_dup_header (DsInspectActivations *self,
                                              int                   layer);
/* Channels (spatial) or units (flat) of a layer; 0 before values arrive. */
int        ds_inspect_activations_get_n_channels (DsInspectActivations *self,
                                                  int                   layer);
/* Whether a layer's output, (steps, units), is drawn as a time x units
 * heat strip. */
gboolean   ds_inspect_activations_is_heat_strip (DsInspectActivations *self,
                                                 int                   layer);
/* How many values have been set (one per computed input). */
guint      ds_inspect_activations_get_serial (DsInspectActivations *self);
/* Acts as a click on a channel. */
void       ds_inspect_activations_activate_channel (DsInspectActivations *self,
                                                    int                   layer,
                                                    int                   channel);

G_END_DECLS
