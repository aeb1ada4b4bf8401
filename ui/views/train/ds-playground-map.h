/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-map.h: the playground's pictures, apart from its widgets.
 * A map job takes a copy of a model and computes, on a worker thread, its
 * output over a grid of the plane (the decision map), every hidden unit's
 * activation over a coarser grid (the unit maps), and the loss on the
 * training and the test samples. The inputs the model reads are computed
 * from the grid's points with the dataset's features (nn_features_compute). */
#pragma once

#include <gio/gio.h>
#include <cairo.h>

#include "ds-dataset-store.h"

G_BEGIN_DECLS

/* Resolution of the decision map and of each hidden-unit map. */
#define DS_MAP_RES   112
#define DS_UNIT_RES  40

typedef struct
{
  int    layer;
  char  *name;
  int    units;
  float *act;          /* (DS_UNIT_RES², units), or NULL */
} DsMapHidden;

typedef struct
{
  NnModel   *model;      /* owned copy */
  DsDataset *dataset;    /* for the losses (a reference) */
  guint      features;   /* nn_features_* mask the model's input reads */
  double     x0, x1, y0, y1;
  int        out_layer;
  int        out_dim;
  gboolean   probs_out;  /* softmax or sigmoid: outputs are probabilities */
  gboolean   regression; /* the dataset has no classes */
  GArray    *hidden;     /* DsMapHidden */
  float     *out;        /* (DS_MAP_RES², out_dim) */
  double     train_loss, test_loss;  /* NAN when unknown */
  long       step;       /* of the weights, -1 for the document's */
} DsMapJob;

/* The feature mask of a dataset's input (NN_FEATURES_XY for raw points). */
guint      ds_map_dataset_features (NnDataset  *ds);
/* A job for model (copied; weights drawn from seed 1 when it has none), or
 * NULL with the reason when the model does not read these features. */
DsMapJob  *ds_map_job_new          (NnModel    *model,
                                    DsDataset  *dataset,
                                    double      x0,
                                    double      x1,
                                    double      y0,
                                    double      y1,
                                    GError    **error);
void       ds_map_job_free         (DsMapJob   *job);
/* The worker's part: fills out, the hidden maps and the losses. */
gboolean   ds_map_job_run          (DsMapJob     *job,
                                    GCancellable *cancellable,
                                    GError      **error);
/* Class probabilities of one map cell into p (at most max); returns how
 * many. For regression p[0] is the value. */
int        ds_map_job_cell         (const DsMapJob *job,
                                    int             cell,
                                    double         *p,
                                    int             max);
/* The decision map as an image (DS_MAP_RES square). */
cairo_surface_t *ds_map_job_paint  (const DsMapJob *job,
                                    gboolean        discrete);
/* One unit's map as an image (DS_UNIT_RES square); *dead set when it is
 * zero everywhere. */
cairo_surface_t *ds_map_job_paint_unit (const DsMapJob *job,
                                        guint           hidden,
                                        int             unit,
                                        gboolean       *dead);
/* Feature f's value over the plane [x0, x1] × [y0, y1] as an image
 * (DS_UNIT_RES square), coloured as the unit maps are: blue below zero,
 * orange above, scaled by its largest |value| there. */
cairo_surface_t *ds_map_paint_feature  (NnFeature       f,
                                        double          x0,
                                        double          x1,
                                        double          y0,
                                        double          y1);
/* The kernel (in, units) of Dense layer `layer` (borrowed), its shape and
 * its largest |weight|, or NULL. */
const float *ds_map_job_kernel     (const DsMapJob *job,
                                    int             layer,
                                    int            *in,
                                    int            *units,
                                    double         *max_abs);

G_END_DECLS
