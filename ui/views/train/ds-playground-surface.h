/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-surface.h: the loss surface along two weights, apart from
 * the widgets. A surface job takes a copy of a model and, on a worker
 * thread, evaluates the training loss on a grid around the current point
 * with two weights moved (nn_model_loss_surface); by default the two are
 * the first Dense kernel's weights with the largest gradient. */
#pragma once

#include <gio/gio.h>
#include <cairo.h>

#include "ds-dataset-store.h"

G_BEGIN_DECLS

/* Points along each side of the grid (odd: the centre is the model). */
#define DS_SURFACE_RES 25

typedef struct
{
  NnModel     *model;      /* owned copy */
  DsDataset   *dataset;    /* a reference */
  NnWeightRef  w[2];
  gboolean     chosen;     /* w set by the caller, else picked by gradient */
  double       span[2];    /* each weight moves by +- span */
  double       value[2];   /* the weights at the centre */
  float       *loss;       /* (DS_SURFACE_RES, DS_SURFACE_RES), row 0 the top */
  double       centre;     /* the loss at the centre */
  double       lo, hi;     /* its finite range */
  int          min_cell;   /* the lowest cell */
} DsSurfaceJob;

/* A job for model (copied; weights drawn from seed 1 when it has none) on
 * the dataset's training samples; w NULL picks the two weights of the
 * first Dense kernel with the largest gradient when it runs. */
DsSurfaceJob    *ds_surface_job_new      (NnModel           *model,
                                          DsDataset         *dataset,
                                          const NnWeightRef *w,
                                          GError           **error);
void             ds_surface_job_free     (DsSurfaceJob      *job);
/* The worker's part. */
gboolean         ds_surface_job_run      (DsSurfaceJob      *job,
                                          GCancellable      *cancellable,
                                          GError           **error);
/* A weight's name in words: "hidden_1: x₁ → unit 3" (owned). */
char            *ds_surface_job_describe (const DsSurfaceJob *job,
                                          int                 k,
                                          const char *const  *inputs);
/* The surface as an image (DS_SURFACE_RES square): low loss dark blue,
 * high light yellow, in bands. */
cairo_surface_t *ds_surface_job_paint    (const DsSurfaceJob *job);

G_END_DECLS
