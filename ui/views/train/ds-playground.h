/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground.h: the 2-D playground. For a dataset of points in the
 * plane it shows the model's decision boundary as a coloured map under the
 * points, and a small map of each hidden unit of the Dense layers, both
 * recomputed on a worker thread from the run's weight snapshots while it
 * trains (the UI never reads live weights). */
#pragma once

#include <gtk/gtk.h>

#include "ds-dataset-store.h"
#include "ds-training-run.h"

G_BEGIN_DECLS

#define DS_TYPE_PLAYGROUND (ds_playground_get_type ())
G_DECLARE_FINAL_TYPE (DsPlayground, ds_playground, DS, PLAYGROUND, GtkWidget)

GtkWidget *ds_playground_new           (void);
/* The points to show (any dataset; only 2-D ones make a playground). */
void       ds_playground_set_dataset   (DsPlayground  *self,
                                        DsDataset     *dataset);
/* The run whose snapshots draw the maps (NULL: points only). */
void       ds_playground_set_run       (DsPlayground  *self,
                                        DsTrainingRun *run);
/* TRUE when the dataset is 2-D (the playground has something to show). */
gboolean   ds_playground_get_available (DsPlayground  *self);
/* The class the last map predicts at input point (x, y), or -1. */
int        ds_playground_get_class_at  (DsPlayground  *self,
                                        double         x,
                                        double         y);

G_END_DECLS
