/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-graph-scene.h: what the graph canvas draws, apart from the widget.
 *
 * A scene is a snapshot of the model's layers and edges with their texts
 * already laid out (PangoLayouts are made once per edit, not per frame), so
 * drawing a frame only paints. It draws on any cairo_t, which is how the
 * benchmark measures it on an image surface with no display. */
#pragma once

#include <cairo.h>
#include <pango/pango.h>
#include <gdk/gdk.h>

#include "nn.h"

G_BEGIN_DECLS

/* Node size in model units (pixels at zoom 1). Data flows left to right:
 * inputs enter on a node's left side, its output leaves on the right. */
#define DS_NODE_WIDTH   176.0
#define DS_NODE_HEIGHT   72.0
#define DS_PORT_RADIUS    5.5
/* The smallest text the scene draws (edge labels, the type line), in
 * pixels at zoom 1 on a 96 dpi screen: 8.5 pt. Projected or not, text
 * below 11 px is hard to read, so the canvas opens at a zoom that keeps
 * this at least 11 px. */
#define DS_SCENE_MIN_TEXT_PX 11.33

typedef struct {
  int           layer;         /* index in the model */
  char         *name;
  char         *type_name;
  char         *shape_text;    /* "(26, 26, 32)", or NULL when unknown */
  char         *params_text;   /* "320 parameters" */
  char         *activation;    /* "relu", or NULL for layers without one */
  char         *error;         /* inference error, or NULL */
  NnLayerGroup  group;
  int           max_inputs;    /* 0: no input port (Input layers) */
  int           n_outputs;     /* outputs per call: 1, or a recurrent layer's states too */
  char        **state_names;   /* a recurrent layer's states ("h", "c"), NULL-terminated, or NULL */
  int           n_in_slots;    /* inputs of its first call (initial states after the sequence) */
  double        x, y;          /* top-left corner, model units */
  gboolean      selected;
  PangoLayout  *name_layout;
  PangoLayout  *type_layout;    /* "Dense · 5,130 params" */
  PangoLayout  *shape_layout;
  PangoLayout  *params_layout;  /* unused (NULL) */
  PangoLayout  *act_layout;     /* the activation, right of the shape */
  void         *sprite;         /* private: the drawn card, a cairo_surface_t */
  double        sprite_scale;   /* private: device pixels per unit of sprite */
} DsSceneNode;

typedef struct {
  int          src, dst;       /* node indices */
  int          src_out;        /* which output of src (0, or a recurrent layer's state) */
  int          slot, n_slots;  /* where the edge enters dst */
  int          call;           /* dst's call the edge feeds */
  char        *label;          /* shape carried, or NULL */
  PangoLayout *label_layout;
  gboolean     selected;
} DsSceneEdge;

typedef struct {
  GdkRGBA background, grid, card, card_border, shadow, fg, dim,
          accent, error, error_bg, edge, label_bg;
} DsSceneStyle;

/* Transient things drawn over the graph while the user drags. */
typedef struct {
  gboolean rubber_band;
  double   rb_x0, rb_y0, rb_x1, rb_y1;     /* model units */
  gboolean connecting;
  int      connect_src;                   /* node index */
  int      connect_src_out;               /* its output dragged from (0, or a state) */
  int      connect_slot;                  /* input port under the pointer, or -1 */
  double   connect_x, connect_y;          /* pointer, model units */
  int      connect_target;                /* node under the pointer or -1 */
  int      hover_port;                    /* node whose output port is hovered or -1 */
  int      focus_node;                    /* keyboard cursor, or -1 */
} DsSceneOverlay;

typedef struct _DsScene DsScene;

void          ds_scene_style_init      (DsSceneStyle *style, gboolean dark);
void          ds_scene_overlay_init    (DsSceneOverlay *ov);

DsScene      *ds_scene_new             (NnModel *model, PangoContext *context);
void          ds_scene_free            (DsScene *scene);
/* Takes over old's drawn images of nodes and labels that look the same, so
 * a redraw after an edit only draws what changed. */
void          ds_scene_adopt_images    (DsScene *scene, DsScene *old);
/* Images are magnified while zooming; this asks for sharp ones on the next
 * render (the canvas calls it once the zoom has settled). */
void          ds_scene_sharpen         (DsScene *scene);
int           ds_scene_get_n_nodes     (const DsScene *scene);
DsSceneNode  *ds_scene_get_node        (DsScene *scene, int i);
int           ds_scene_get_n_edges     (const DsScene *scene);
DsSceneEdge  *ds_scene_get_edge        (DsScene *scene, int i);
/* Node index of a model layer, or -1. */
int           ds_scene_find_layer      (const DsScene *scene, int layer);

/* Draws the visible part of the scene on cr, a width x height area where
 * a model point p appears at p * zoom + (off_x, off_y). Node images are
 * redrawn sharp a few dozen per frame, so that no frame takes long; returns
 * FALSE when some are still magnified and another frame should follow. */
gboolean      ds_scene_render          (DsScene *scene, cairo_t *cr, int width, int height,
                                        double zoom, double off_x, double off_y,
                                        const DsSceneStyle *style, const DsSceneOverlay *ov);

/* The smallest text of the scene in pixels at the given zoom, from the
 * layouts' fonts and the context's resolution (for the tests). */
double        ds_scene_min_text_px     (const DsScene *scene, double zoom);

/* Hit tests in model units; return node/edge indices or -1. */
int           ds_scene_hit_node        (const DsScene *scene, double x, double y);
int           ds_scene_hit_output_port (const DsScene *scene, double x, double y, double radius);
int           ds_scene_hit_edge        (const DsScene *scene, double x, double y, double tolerance);

void          ds_scene_output_port     (const DsSceneNode *node, double *x, double *y);
/* Output `out` of a node with several (return_state): output 0 in the
 * middle of the right edge, the states below it, as large, one port
 * every DS_STATE_PORT_STEP units; when they would not fit on the card
 * (four states), all outputs spread evenly over the right edge. */
#define DS_STATE_PORT_STEP 16.0
void          ds_scene_output_port_k   (const DsSceneNode *node, int out, double *x, double *y);
/* The node whose state port (an output k >= 1, or an input slot k >= 1 of
 * a recurrent layer given initial states) is within radius of (x, y), or
 * -1; *k gets the state's index + 1 and *input whether it is an input. */
int           ds_scene_hit_state_port  (const DsScene *scene, double x, double y, double radius,
                                        int *k, gboolean *input);
/* Where a connection drag starts: the node whose output port, main or
 * state, is within radius (*out: 0 or the state's index + 1), or -1. */
int           ds_scene_hit_any_output  (const DsScene *scene, double x, double y, double radius,
                                        int *out);
/* Where it ends: a node's initial-state port (*slot its input slot), else
 * the node under (x, y) (*slot -1), or -1. */
int           ds_scene_hit_input_target (const DsScene *scene, double x, double y, double radius,
                                         int *slot);
void          ds_scene_input_port      (const DsSceneNode *node, int slot, int n_slots,
                                        double *x, double *y);
/* Bounding box of every node; FALSE when the scene is empty. */
gboolean      ds_scene_get_bounds      (const DsScene *scene, double *x0, double *y0,
                                        double *x1, double *y1);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DsScene, ds_scene_free)

G_END_DECLS
