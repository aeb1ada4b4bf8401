/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the Latent page's two files share: the page's state and the
 * pictures (ds-generate-latent-draw.c) the page (ds-generate-latent.c)
 * draws in its areas and exports. */
#pragma once

#include <math.h>
#include <string.h>

#include "ds-colors.h"
#include "ds-file-chooser.h"
#include "ds-generate-latent.h"
#include "ds-jobs.h"

#define MAX_CODES 5000
#define LEGEND_W 120
#define PAD 14
/* Room above and below the scatter's square for its axis names. */
#define AXIS_H 16
/* Side of the decoding drawn beside the pointer, in pixels. */
#define THUMB 72

struct _DsGenerateLatent
{
  /* Widgets */
  GtkStack       *stack;
  AdwStatusPage  *none_page;
  GtkLabel       *status;
  GtkSpinButton  *range;
  GtkSpinButton  *grid_n;
  GtkSpinButton  *n_samples;
  GtkWidget      *dims_box;
  GtkDropDown    *dim_x;
  GtkDropDown    *dim_y;
  GtkStringList  *dim_names;
  GtkButton      *compute_button;
  GtkButton      *cancel_button;
  GtkProgressBar *progress;
  GtkWidget      *grid_area;
  GtkWidget      *scatter;
  GtkWidget      *point_area;
  GtkWidget      *walk_area;
  GtkWidget      *strip_area;
  GtkWidget      *concept_area;
  GtkSpinButton  *walk_a;
  GtkSpinButton  *walk_b;
  GtkScale       *slider;
  GtkToggleButton *play;
  GtkDropDown    *class_a;
  GtkDropDown    *class_b;
  GtkStringList  *class_list;
  GtkScale       *alpha;
  GtkLabel       *concept_label;
  GtkDropDown    *export_what;
  GtkButton      *export_button;

  /* Owned */
  char           *reason;        /* why the model is no VAE, or NULL */
  NnVaeParts      parts;
  int             latent_dim;
  NnVaeDecoder   *decoder;       /* DS_LATENT_STRIP points, main thread only */
  int             out_h, out_w, out_c;
  size_t          per_out;
  GCancellable   *cancellable;
  gboolean        pending;       /* the model changed while the page was hidden */
  guint           codes_generation;  /* view generation the codes belong to */
  NnTensor       *grid;          /* (n × n, output...) */
  int             grid_side;
  double          grid_range;
  int             d1, d2;
  NnTensor       *codes;         /* (n, latent_dim) */
  int            *labels;        /* n, -1 when unknown */
  guint32        *positions;     /* n, test-split positions */
  int             n_classes;
  char          **class_names;   /* n_classes, NULL-terminated */
  float          *base;          /* latent_dim: where the dims not walked stay */
  float          *z;             /* latent_dim scratch */
  gboolean        has_point;
  gboolean        dragging;    /* the point's decoding is drawn beside the pointer */
  double          point_x, point_y;  /* the dragged point, latent units */
  double          drag_x, drag_y;
  NnTensor       *point_img;     /* (1, output...) */
  NnTensor       *walk_img;
  NnTensor       *strip;         /* (DS_LATENT_STRIP, output...) */
  NnTensor       *concept_img;
  float          *concept_v;     /* latent_dim, valid when has_concept */
  gboolean        has_concept;
  guint           play_id;
  double          play_dir;
};

static inline DsGenerateLatent *
lat (DsGenerateView *self)
{
  return self->latent;
}

/* ds-generate-latent-draw.c */
void _ds_latent_draw_grid (cairo_t *cr, int width, int height, gpointer data);
void _ds_latent_grid_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                              gpointer data);
void _ds_latent_plane_geometry (DsGenerateLatent *l, int width, int height, double *cx, double *cy,
                                double *half, double *extent);
void _ds_latent_draw_scatter (cairo_t *cr, int width, int height, gpointer data);
void _ds_latent_scatter_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                                 gpointer data);
void _ds_latent_point_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                               gpointer data);
void _ds_latent_walk_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                              gpointer data);
void _ds_latent_concept_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                                 gpointer data);
void _ds_latent_draw_strip (cairo_t *cr, int width, int height, gpointer data);
void _ds_latent_strip_draw_cb (GtkDrawingArea *area, cairo_t *cr, int width, int height,
                               gpointer data);
void _ds_latent_draw_point_picture (cairo_t *cr, int width, int height, gpointer data);
void _ds_latent_draw_concept_picture (cairo_t *cr, int width, int height, gpointer data);
void _ds_latent_draw_walk_picture (cairo_t *cr, int width, int height, gpointer data);
