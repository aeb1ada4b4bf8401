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
#define ROW_GAP   64.0      /* vertical space between rows of a wide model */
/* A view never starts smaller than this: the scene's smallest text
 * (DS_SCENE_MIN_TEXT_PX at zoom 1) stays at least 11 px. Wide models are
 * laid out in rows instead of being shrunk. */
#define READABLE_ZOOM 1.0
#define PRESENTATION_ZOOM_MAX 2.5
#define FIT_MARGIN 24.0

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
  char           *quiet_node;    /* just dropped under the pointer: no tooltip */

  DsSceneOverlay  overlay;
  double          zoom, off_x, off_y;
  gboolean        needs_fit;
  gboolean        presentation;  /* fit may magnify, for a projector */
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
int _ds_graph_canvas_ranks_per_row (DsGraphCanvas *self);
/* Shows the model as big as fits, never below the readable zoom. */
void _ds_graph_canvas_fit_readable (DsGraphCanvas *self);
/* Tells the person when an edit made more outputs than n_before. */
void _ds_graph_canvas_note_outputs (DsGraphCanvas *self, int n_before);

/* For the tests. */
guint       ds_graph_canvas_get_n_selected   (DsGraphCanvas *self);
/* Widget coordinates of a layer's output (or input) port. FALSE if no
 * such layer. */
gboolean    ds_graph_canvas_get_port         (DsGraphCanvas *self, int layer, gboolean output,
                                              double *wx, double *wy);
/* The tooltip the canvas shows at widget point (x, y), or NULL for none. */
char       *ds_graph_canvas_dup_tooltip_text (DsGraphCanvas *self, double x, double y,
                                              gboolean keyboard_mode);
/* The scene drawn now (borrowed; replaced on every model change). */
DsScene    *ds_graph_canvas_get_scene        (DsGraphCanvas *self);
