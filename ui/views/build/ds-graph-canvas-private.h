/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsGraphCanvas internals shared by ds-graph-canvas.c (view, drawing,
 * input, GObject) and ds-graph-canvas-edit.c (the editing commands). */
#pragma once

#include <adwaita.h>

#include "ds-graph-canvas.h"

#define ZOOM_MIN   0.1
#define ZOOM_MAX   3.0
#define GRID       8.0      /* positions snap to this */
#define RANK_GAP  96.0      /* horizontal space between a layer and the next */
#define SIB_GAP   32.0      /* vertical space between layers of one rank */
#define READABLE_ZOOM 0.6   /* a new view never starts smaller */

typedef enum {
  DRAG_NONE,
  DRAG_MOVE,
  DRAG_CONNECT,
  DRAG_RUBBER,
  DRAG_PAN,
} DragMode;

typedef struct {
  char  *name;
  double x, y;
} MoveStart;

struct _DsGraphCanvas
{
  GtkWidget       parent_instance;

  /* Owned */
  DsDocument     *document;
  DsScene        *scene;
  PangoContext   *pango;
  GPtrArray      *selection;     /* layer names, in the order selected */
  char           *sel_edge_dst;  /* selected edge: dst layer name, call, slot */
  int             sel_edge_call, sel_edge_slot;
  GArray         *move_start;    /* MoveStart, during a move */
  GtkWidget      *menu;

  DsSceneOverlay  overlay;
  double          zoom, off_x, off_y;
  gboolean        needs_fit;
  DragMode        drag;
  double          drag_x, drag_y;    /* widget point where the drag began */
  double          pan_x, pan_y;      /* offset when a pan began */
  double          pointer_x, pointer_y;
  gboolean        drag_extend;
  int             paste_count;
  guint           sharpen_id;
  guint           redraw_id;
};

void _ds_graph_canvas_message (DsGraphCanvas *self, const char *text);
NnModel * _ds_graph_canvas_model (DsGraphCanvas *self);
void _ds_graph_canvas_reveal_node (DsGraphCanvas *self, int node);
GArray * _ds_graph_canvas_selected_layers (DsGraphCanvas *self);
void _ds_graph_canvas_selection_changed (DsGraphCanvas *self);
double _ds_graph_canvas_snap (double v);
void _ds_graph_canvas_widget_to_model (DsGraphCanvas *self, double wx, double wy, double *mx, double *my);
void _ds_graph_canvas_connect_selected (DsGraphCanvas *self);
void _ds_graph_canvas_move_selection_by (DsGraphCanvas *self, double dx, double dy);
void _ds_graph_canvas_select_next (DsGraphCanvas *self, int dir);
/* Tells the person when an edit made more outputs than n_before. */
void _ds_graph_canvas_note_outputs (DsGraphCanvas *self, int n_before);

/* For the tests. */
guint       ds_graph_canvas_get_n_selected   (DsGraphCanvas *self);
/* Widget coordinates of a layer's output (or input) port. FALSE if no
 * such layer. */
gboolean    ds_graph_canvas_get_port         (DsGraphCanvas *self, int layer, gboolean output,
                                              double *wx, double *wy);
/* The scene drawn now (borrowed; replaced on every model change). */
DsScene    *ds_graph_canvas_get_scene        (DsGraphCanvas *self);
