/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-private.h: DsPlayground's instance struct and the functions its
 * files share, and the accessors that only the tests use. */
#pragma once

#include <glib/gi18n.h>
#include "ds-playground.h"
#include "ds-playground-map.h"
#include "ds-playground-surface.h"

G_BEGIN_DECLS

#define UNIT_SIZE       40
#define UNIT_SPACING    6
#define MAX_HIDDEN      6
#define MAX_UNITS       256
/* Networks with at most this many weights and biases keep each watched
 * step's gradient for reading. */
#define DS_PLAYGROUND_MAX_NUMBERS 30

static const int speeds[] = { 1, 2, 5, 20, 0 };
static const char *const speed_names[] = {
  N_("1 batch a frame"), N_("2 batches a frame"), N_("5 batches a frame"), N_("20 batches a frame"),
  N_("Full speed"), NULL,
};
static const char *const rates[] = {
  "0.00001", "0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", NULL,
};
static const char *const reg_rates[] = {
  "0", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1", "3", "10", NULL,
};
static const char *const reg_names[] = { N_("None"), "L1", "L2", NULL };
static const char *const dataset_specs[] = {
  "spirals", "moons", "circles", "xor", "blobs", "plane", "gaussians", NULL,
};
static const char *const dataset_names[] = {
  N_("Spirals"), N_("Moons"), N_("Circles"), "XOR", N_("Blobs"), N_("Plane (regression)"),
  N_("Gaussians (regression)"), NULL,
};
static const char *const feature_labels[NN_N_FEATURES] = {
  "x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin πx₁", "sin πx₂",
};

/* The numbers drawn on the network (the "Numbers" switch): one Dense
 * layer's weights now, and after a Step the weights before it, the batch's
 * mean gradient and the activations of the batch's first sample. */
typedef struct
{
  int    layer;            /* in the model */
  int    in, units;
  float *w, *b;            /* now: kernel (in, units) row-major, bias */
  float *w0, *b0;          /* before the step, or NULL */
  float *g, *bg;           /* the batch's mean ∂L/∂w, ∂L/∂b, or NULL */
  float *act;              /* the batch's first sample, before the step, or NULL */
} DsNumbersLayer;

typedef struct
{
  gboolean step;           /* the last Step's details are known */
  double   lr;             /* η of that step */
  guint32  sample;         /* the batch's first sample (dataset index) */
  int      n_x;
  float    x[NN_N_FEATURES];
  float    y;
  double   prediction, loss;  /* before the step; loss: the batch's */
  GArray  *layers;         /* DsNumbersLayer, input side first */
} DsNumbers;

/* The plain chain the playground edits: Input → Dense… → Dense (output). */
typedef struct
{
  int     input;
  GArray *hidden;   /* int: layer indices, input side first */
  int     output;
} Chain;

/* An edge of the network diagram: kernel row `in`, column `unit` of the
 * Dense layer of hidden column `hidden`. */
typedef struct
{
  guint hidden;
  int   in;
  int   unit;
} PickedEdge;

struct _DsPlayground
{
  GtkWidget        parent_instance;

  /* Template widgets */
  GtkStack        *stack;
  AdwStatusPage   *empty_page;
  GtkFlowBox      *strip;
  GtkButton       *remove_layer_button;
  GtkButton       *add_layer_button;
  GtkLabel        *layers_label;
  GtkButton       *build_button;
  GtkBox          *network_box;
  GtkBox          *features_box;
  GtkDrawingArea  *edges_area;
  GtkDrawingArea  *map_area;
  GtkLabel        *test_loss_label;
  GtkLabel        *train_loss_label;
  GtkLabel        *caption;
  GtkCheckButton  *test_check;
  GtkCheckButton  *discrete_check;
  GtkDrawingArea  *surface_area;
  GtkLabel        *surface_caption;
  GtkWidget       *network_overlay;
  GtkButton       *gradient_button;

  /* Strip widgets (made in code) */
  GtkDropDown     *speed_drop;
  GtkCheckButton  *continuous_check;
  GtkDropDown     *dataset_drop;
  GtkDropDown     *activation_drop;
  GtkDropDown     *lr_drop;
  GtkDropDown     *reg_drop;
  GtkDropDown     *reg_rate_drop;
  GtkSpinButton   *batch_spin;
  GtkSpinButton   *noise_spin;
  GtkSpinButton   *ratio_spin;
  GtkToggleButton *feature_buttons[NN_N_FEATURES];
  GtkWidget       *feature_maps[NN_N_FEATURES];

  /* Borrowed */
  DsDocument      *document;

  /* Owned */
  DsDataset       *dataset;       /* the points shown */
  DsTrainingRun   *run;
  GCancellable    *cancellable;
  DsMapJob        *result;        /* the last finished map */
  cairo_surface_t *map_surface;
  GPtrArray       *columns;       /* GtkBox per hidden layer */
  GPtrArray       *unit_areas;    /* GtkDrawingArea per unit, all layers */
  char            *shape_key;     /* the hidden layers the columns show */
  char           **activations;   /* the Dense activations but softmax */
  gboolean         busy;
  gboolean         dirty;
  gboolean         updating;      /* model → widgets: ignore their signals */
  gint64           last_start;
  guint            timeout_id;
  guint            n_updates;
  int              hover_hidden;  /* the unit under the pointer, or -1 */
  int              hover_unit;
  double           x0, x1, y0, y1;  /* the plane shown */
  gboolean         available;
  DsSurfaceJob    *surface;       /* the last finished loss surface */
  cairo_surface_t *surface_image;
  gboolean         surface_busy;
  gboolean         surface_dirty;
  guint            n_surfaces;
  PickedEdge       picked[2];     /* edges clicked for the loss surface */
  int              n_picked;      /* 0: the two with the largest gradient */
  DsNumbers       *numbers;       /* for the last map, or NULL */
  gboolean         numbers_wanted;/* the switch, while the model is small */
  GtkSwitch       *numbers_switch;
  GtkWidget       *numbers_row;
  GtkLabel        *numbers_label;
  GtkWidget       *output_column; /* shown with the numbers */
  GPtrArray       *output_units;
  GPtrArray       *drawn;         /* char *: the numbers the last draw showed */
};


/* Shared between the playground's files: in ds-playground.c. */
void _ds_playground_paint_surface (cairo_t         *cr,
                                   cairo_surface_t *s,
                                   int              res,
                                   int              width,
                                   int              height);
void _ds_playground_surface_start (DsPlayground *self);
void _ds_playground_schedule_update (DsPlayground *self);

/* In ds-playground-edit.c. */
NnModel *_ds_playground_doc_model (DsPlayground *self);
gboolean _ds_playground_is_dense (NnModel *m,
                                  int      l);
gboolean _ds_playground_chain_find (NnModel *m,
                                    Chain   *c);
void _ds_playground_chain_clear (Chain *c);
const char *_ds_playground_current_spec (DsPlayground *self);
char *_ds_playground_spec_get (const char *spec,
                               const char *key);
guint _ds_playground_spec_features (const char *spec);
void _ds_playground_feature_toggled_cb (GtkToggleButton *button,
                                        DsPlayground    *self);
void _ds_playground_units_cb (GtkButton    *button,
                              DsPlayground *self);
void _ds_playground_add_layer_cb (DsPlayground *self);
void _ds_playground_remove_layer_cb (DsPlayground *self);
void _ds_playground_open_build_cb (DsPlayground *self);
void _ds_playground_build_strip (DsPlayground *self);

/* In ds-playground-network.c. */
void _ds_playground_draw_edges (GtkDrawingArea *area,
                                cairo_t        *cr,
                                int             width,
                                int             height,
                                gpointer        data);
gboolean _ds_playground_picked_ref (DsPlayground *self,
                                    int           k,
                                    NnWeightRef  *w);
void _ds_playground_active_inputs (DsPlayground *self,
                                   const char   *inputs[NN_N_FEATURES + 1]);
void _ds_playground_reset_picks (DsPlayground *self);
void _ds_playground_network_pressed_cb (GtkGestureClick *gesture,
                                        int              n_press,
                                        double           x,
                                        double           y,
                                        DsPlayground    *self);
void _ds_playground_gradient_cb (DsPlayground *self);
void _ds_playground_rebuild_network (DsPlayground *self);
void _ds_playground_build_features (DsPlayground *self);

/* In ds-playground-numbers.c. */
void _ds_playground_numbers_build (DsPlayground *self);
DsNumbers *_ds_playground_numbers_new (DsPlayground *self,
                                       NnModel      *model,
                                       gboolean      from_run);
void _ds_playground_numbers_free (DsNumbers *n);
void _ds_playground_numbers_apply (DsPlayground *self);
gboolean _ds_playground_numbers_shown (DsPlayground *self);
/* The output column's units (shown with the numbers) into to. */
void _ds_playground_output_units (DsPlayground *self,
                                  GPtrArray    *to);
void _ds_playground_numbers_draw_edge (DsPlayground *self,
                                       cairo_t      *cr,
                                       int           layer,
                                       int           in,
                                       int           unit,
                                       double        x,
                                       double        y);
void _ds_playground_numbers_draw_units (DsPlayground *self,
                                        cairo_t      *cr);
/* A number as drawn: three significant digits, signed when sign. */
char *ds_playground_format_number (double   v,
                                   gboolean sign);

/* The numbers of the last map (tests), or NULL. */
const DsNumbers *ds_playground_get_numbers       (DsPlayground *self);
/* What the last draw of the network showed, one string each:
 * "w|d|D LAYER IN UNIT TEXT" for an edge's weight, gradient and update,
 * "b|a LAYER -1 UNIT TEXT" for a unit's bias and activation (borrowed). */
GPtrArray       *ds_playground_get_drawn_numbers (DsPlayground *self);

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
 * "largest-gradient", "numbers", or NULL. */
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
