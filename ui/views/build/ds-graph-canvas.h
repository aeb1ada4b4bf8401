/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-graph-canvas.h: the model graph editor. Drop layers from the palette,
 * move them, drag from an output port to a node to connect, select, delete,
 * copy and paste, zoom and pan; every edit goes through the DsDocument so
 * it can be undone. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"
#include "ds-graph-scene.h"

G_BEGIN_DECLS

#define DS_TYPE_GRAPH_CANVAS (ds_graph_canvas_get_type ())
G_DECLARE_FINAL_TYPE (DsGraphCanvas, ds_graph_canvas, DS, GRAPH_CANVAS, GtkWidget)

GtkWidget  *ds_graph_canvas_new              (void);
void        ds_graph_canvas_set_document     (DsGraphCanvas *self, DsDocument *document);
DsDocument *ds_graph_canvas_get_document     (DsGraphCanvas *self);

/* Adds a layer with its top-left corner at model point (x, y); returns its
 * index or -1 with error set. */
int         ds_graph_canvas_add_layer        (DsGraphCanvas *self, const char *class_name,
                                              double x, double y, GError **error);
/* What a drop does: the new node is centred on widget point (wx, wy). */
int         ds_graph_canvas_drop_layer       (DsGraphCanvas *self, const char *class_name,
                                              double wx, double wy, GError **error);
/* Adds a layer below the selected one and connects it (the keyboard way to
 * build a chain). */
int         ds_graph_canvas_append_layer     (DsGraphCanvas *self, const char *class_name,
                                              GError **error);
/* Connects src's output to dst's next free input, as a port drag does. */
gboolean    ds_graph_canvas_connect          (DsGraphCanvas *self, int src_layer,
                                              int dst_layer, GError **error);
/* Connects src's output `out` (0, or a recurrent layer's state k + 1) to
 * dst's input `slot` (-1: as a drop on the card picks it: a state onto a
 * recurrent layer becomes its initial state of the same index). One undo
 * step; FALSE with the reason (a missing earlier state, a shape that does
 * not follow) and nothing changed otherwise. */
gboolean    ds_graph_canvas_connect_port     (DsGraphCanvas *self, int src_layer, int out,
                                              int dst_layer, int slot, GError **error);

/* Renames a layer, keeping it selected if it was. */
gboolean    ds_graph_canvas_rename_layer     (DsGraphCanvas *self, int layer, const char *name,
                                              GError **error);

/* Selection, by layer index (indices of the current model). */
void        ds_graph_canvas_select_layer     (DsGraphCanvas *self, int layer, gboolean extend);
void        ds_graph_canvas_clear_selection  (DsGraphCanvas *self);
/* The one selected layer, or -1 when none or several are. */
int         ds_graph_canvas_get_selected_layer (DsGraphCanvas *self);

void        ds_graph_canvas_delete_selection (DsGraphCanvas *self);
void        ds_graph_canvas_duplicate        (DsGraphCanvas *self);
void        ds_graph_canvas_copy             (DsGraphCanvas *self);
void        ds_graph_canvas_paste            (DsGraphCanvas *self);
void        ds_graph_canvas_select_all       (DsGraphCanvas *self);
void        ds_graph_canvas_auto_layout      (DsGraphCanvas *self);

double      ds_graph_canvas_get_zoom         (DsGraphCanvas *self);
void        ds_graph_canvas_set_zoom         (DsGraphCanvas *self, double zoom);
void        ds_graph_canvas_zoom_fit         (DsGraphCanvas *self);
/* Presentation (projector) mode: fits may magnify up to 250 %; the next
 * size change fits the model. */
void        ds_graph_canvas_set_presentation (DsGraphCanvas *self, gboolean presentation);
gboolean    ds_graph_canvas_get_presentation (DsGraphCanvas *self);

/* Where a model point is drawn, in widget coordinates. */
void        ds_graph_canvas_model_to_widget  (DsGraphCanvas *self, double mx, double my,
                                              double *wx, double *wy);

G_END_DECLS
