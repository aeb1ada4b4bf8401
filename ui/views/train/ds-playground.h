/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground.h: the 2-D playground, TensorFlow Playground's picture of
 * the document's model. For a dataset of points in the plane it shows the
 * model's decision boundary as a coloured map under the points with the
 * training and test loss, the input features as toggles, and each hidden
 * unit's map in columns joined by the weights; a strip of settings and
 * +/- buttons edit the document's model. The maps are recomputed on a
 * worker thread from the run's weight snapshots (the UI never reads live
 * weights), after every batch when training is slowed down to watch. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_PLAYGROUND (ds_playground_get_type ())
G_DECLARE_FINAL_TYPE (DsPlayground, ds_playground, DS, PLAYGROUND, GtkWidget)

GtkWidget *ds_playground_new           (void);
/* The document whose model the playground shows and edits (borrowed). */
void       ds_playground_set_document  (DsPlayground  *self,
                                        DsDocument    *document);
/* The points to show (any dataset; only 2-D ones make a playground). */
void       ds_playground_set_dataset   (DsPlayground  *self,
                                        DsDataset     *dataset);
/* The run whose snapshots draw the maps (NULL: the document's model). */
void       ds_playground_set_run       (DsPlayground  *self,
                                        DsTrainingRun *run);
/* Applies the playground's choices to a run about to start ("Run
 * continuously": epochs without end). */
void       ds_playground_adjust_config (DsPlayground  *self,
                                        NnFitConfig   *cfg);
/* Microseconds per batch the speed control asks for (0: full speed). */
int        ds_playground_get_pace      (DsPlayground  *self);
/* TRUE when the dataset is 2-D (the playground has something to show). */
gboolean   ds_playground_get_available (DsPlayground  *self);
/* The class the last map predicts at input point (x, y), or -1. */
int        ds_playground_get_class_at  (DsPlayground  *self,
                                        double         x,
                                        double         y);

G_END_DECLS
