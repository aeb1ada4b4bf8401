/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-generate-view-private.h: the Generate view's fields, shared by its
 * files (the view, the DeepDream page, the projector), and what the tests
 * use. */
#pragma once

#include <adwaita.h>

#include "ds-dataset-store.h"
#include "ds-document.h"
#include "ds-export.h"
#include "ds-generate-view.h"
#include "ds-training-run.h"
#include "ds-view-follow.h"

G_BEGIN_DECLS

/* A live run's snapshot is taken at most this often. */
#define DS_GENERATE_FOLLOW_SECONDS 5
/* The test image a dream starts from is upscaled to this side. */
#define DS_GENERATE_DREAM_SIDE 256
#define DS_GENERATE_MAX_POINTS 5000

struct _DsGenerateView
{
  DsView          parent_instance;

  /* Widgets */
  GtkWidget      *root;
  GtkLabel       *model_label;
  GtkStack       *main_stack;
  AdwStatusPage  *empty_page;
  GtkStack       *pages;
  const char     *suggested_page;    /* the page the last model was made for */

  /* DeepDream page */
  GtkLabel       *dream_why;         /* why there is no dream (no conv layer) */
  GtkWidget      *dream_form;
  GtkBox         *layer_box;
  GPtrArray      *layer_checks;      /* GtkCheckButton, one per conv layer */
  GPtrArray      *layer_spins;       /* GtkSpinButton */
  GPtrArray      *layer_paths;       /* char *, probe paths */
  GtkSpinButton  *octaves;
  GtkSpinButton  *octave_scale;
  GtkSpinButton  *steps;
  GtkSpinButton  *step_size;
  GtkSpinButton  *max_loss;
  GtkSpinButton  *test_index;
  GtkButton      *dream_button;
  GtkButton      *stop_button;
  GtkButton      *save_button;
  GtkLabel       *start_label;
  GtkLabel       *dream_status;
  GtkLabel       *dream_losses;
  GtkWidget      *dream_area;

  /* Projector page */
  GtkDropDown    *probe_drop;
  GtkStringList  *probe_names;
  GtkSpinButton  *n_samples;
  GtkDropDown    *method_drop;
  GtkDropDown    *dims_drop;
  GtkSpinButton  *perplexity;
  GtkSpinButton  *iterations;
  GtkButton      *compute_button;
  GtkButton      *cancel_button;
  GtkProgressBar *proj_progress;
  GtkLabel       *proj_status;
  GtkLabel       *explained_label;
  GtkWidget      *scatter;
  GtkWidget      *hover_area;
  GtkLabel       *hover_label;

  /* Owned */
  NnModel        *model;             /* a private copy, or NULL */
  char           *model_text;
  guint           generation;
  DsDataset      *dataset;
  DsViewFollow    follow;           /* which model, and when to look again */
  GtkFileChooserNative *chooser;

  NnTensor       *start;             /* (1, H, W, C), the dream's start */
  NnTensor       *dreamed;           /* the picture shown: the start, a step, or the result */
  GCancellable   *dream_cancellable;
  guint           n_dream_frames;    /* intermediate pictures shown */
  int             octaves_seen;      /* octaves that showed a picture */
  double          octave_loss[16];
  int             n_octave_loss;

  GCancellable   *proj_cancellable;
  NnTensor       *points;            /* (n, dims) */
  int            *labels;            /* n, -1 when unknown */
  guint32        *positions;         /* n, test-split positions */
  int             n_classes;
  int             dims;
  double          explained[3];
  gboolean        has_explained;
  double          yaw, pitch, drag_yaw, drag_pitch;
  int             hover;             /* the point under the pointer, or -1 */
  NnTensor       *hover_image;       /* (1, input shape...) */
  int             img_h, img_w, img_c;

  /* Latent page (ds-generate-latent.c) */
  struct _DsGenerateLatent *latent;

  char           *last_toast;        /* the last toast's text (for the tests) */
  GtkWidget      *export_button;     /* the projector's Export… */
  char           *proj_caption;      /* "layer · method · n samples", or NULL */
};

/* ds-generate-view.c */
void      _ds_generate_view_toast             (DsGenerateView *self, const char *text);
/* An image of data (h, w, c): values 0..1 as black..white, clipped (as the
 * CLI writes a dream), or stretched from their own minimum to maximum. */
cairo_surface_t *_ds_generate_image_surface   (const float *data, int h, int w, int c,
                                               gboolean stretch);
/* An image (1, h, w, c) in 0..1 (clipped) fitted and centred in width × height. */
void      _ds_generate_draw_tensor            (cairo_t *cr, const NnTensor *t, int width,
                                               int height);
/* How an input shape reads as an image: (H, W, C), (H, W), or a square. */
gboolean  _ds_generate_image_geometry         (int ndim, const int *shape, int *h, int *w,
                                               int *c);
/* The true class of test-split position pos, or -1. */
int       _ds_generate_test_label             (NnDataset *ds, gsize pos);

/* ds-generate-dream.c */
GtkWidget *_ds_generate_dream_build           (DsGenerateView *self);
void       _ds_generate_dream_model_changed   (DsGenerateView *self);
void       _ds_generate_dream_dispose         (DsGenerateView *self);

/* ds-generate-projector.c */
GtkWidget *_ds_generate_projector_build       (DsGenerateView *self);
void       _ds_generate_projector_model_changed (DsGenerateView *self);
void       _ds_generate_projector_dispose     (DsGenerateView *self);

/* For the tests */
const char *ds_generate_view_get_model_text   (DsGenerateView *self);
NnModel    *ds_generate_view_get_model        (DsGenerateView *self);
void        ds_generate_view_show_page        (DsGenerateView *self, const char *name);
/* The DeepDream page's reason when it cannot dream (NULL when it can). */
const char *ds_generate_view_get_dream_reason (DsGenerateView *self);
guint       ds_generate_view_get_n_conv_layers (DsGenerateView *self);
/* Starts from test sample position (upscaled); FALSE without a dataset. */
gboolean    ds_generate_view_dream_from_test  (DsGenerateView *self, guint position);
void        ds_generate_view_dream            (DsGenerateView *self);
void        ds_generate_view_stop_dream       (DsGenerateView *self);
gboolean    ds_generate_view_is_dreaming      (DsGenerateView *self);
guint       ds_generate_view_get_n_dream_frames (DsGenerateView *self);
int         ds_generate_view_get_octaves_seen (DsGenerateView *self);
const char *ds_generate_view_get_dream_status (DsGenerateView *self);
const NnTensor *ds_generate_view_get_dreamed  (DsGenerateView *self);
/* Sets the dream's settings (tests keep it short). */
void        ds_generate_view_set_dream_settings (DsGenerateView *self, int octaves,
                                                 double octave_scale, int steps,
                                                 double step_size);
/* The projector: probe index, samples, PCA (FALSE: t-SNE), dims. */
void        ds_generate_view_project          (DsGenerateView *self, int probe, int n,
                                               gboolean pca, int dims);
gboolean    ds_generate_view_is_projecting    (DsGenerateView *self);
int         ds_generate_view_get_n_points     (DsGenerateView *self);
const double *ds_generate_view_get_explained  (DsGenerateView *self);
const char *ds_generate_view_get_proj_status  (DsGenerateView *self);
/* Moves the pointer over point i, as hovering does: the side panel shows
 * its image and label. */
void        ds_generate_view_hover_point      (DsGenerateView *self, int i);
const char *ds_generate_view_get_hover_label  (DsGenerateView *self);
const NnTensor *ds_generate_view_get_hover_image (DsGenerateView *self);
/* Clicks point i: asks for it in the Inspect view. */
void        ds_generate_view_click_point      (DsGenerateView *self, int i);
/* Writes the scatter (PNG or SVG) or the dream (PNG). */
gboolean    ds_generate_view_export_scatter   (DsGenerateView *self, DsExportFormat format,
                                               const char *path, GError **error);
gboolean    ds_generate_view_save_dream       (DsGenerateView *self, const char *path,
                                               GError **error);

/* The last toast the view showed, or NULL. */
const char *ds_generate_view_get_last_toast   (DsGenerateView *self);
/* What accepting the Save / Export chooser on path does (writes, then
 * confirms or explains in a toast). */
void        ds_generate_view_save_dream_accept (DsGenerateView *self, const char *path);
void        ds_generate_view_export_scatter_accept (DsGenerateView *self, const char *path);
/* Opens a PNG as the dream's start, as the Open chooser does. */
gboolean    ds_generate_view_open_start_png   (DsGenerateView *self, const char *path,
                                               GError **error);
/* Where point i of the projection is drawn in a width x height scatter. */
gboolean    ds_generate_view_get_point_position (DsGenerateView *self, int i, int width,
                                                 int height, double *x, double *y);
/* The caption drawn under the scatter (layer, method, samples), or NULL. */
const char *ds_generate_view_get_scatter_caption (DsGenerateView *self);

G_END_DECLS
