/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-graph-canvas-private.h"


G_DEFINE_FINAL_TYPE (DsGraphCanvas, ds_graph_canvas, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_DOCUMENT,
  PROP_ZOOM,
  N_PROPS
};

enum {
  SELECTION_CHANGED,
  SHOW_MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];


static void
move_start_clear (gpointer data)
{
  g_free (((MoveStart *) data)->name);
}

double
_ds_graph_canvas_snap (double v)
{
  return round (v / GRID) * GRID;
}

void
_ds_graph_canvas_widget_to_model (DsGraphCanvas *self,
                 double         wx,
                 double         wy,
                 double        *mx,
                 double        *my)
{
  *mx = (wx - self->off_x) / self->zoom;
  *my = (wy - self->off_y) / self->zoom;
}

void
ds_graph_canvas_model_to_widget (DsGraphCanvas *self,
                                 double         mx,
                                 double         my,
                                 double        *wx,
                                 double        *wy)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  *wx = mx * self->zoom + self->off_x;
  *wy = my * self->zoom + self->off_y;
}

NnModel *
_ds_graph_canvas_model (DsGraphCanvas *self)
{
  return self->document ? ds_document_get_model (self->document) : NULL;
}

void
_ds_graph_canvas_message (DsGraphCanvas *self,
         const char    *text)
{
  g_signal_emit (self, signals[SHOW_MESSAGE], 0, text);
}

/* ---- scene and selection ------------------------------------------------ */

static gboolean
is_selected_name (DsGraphCanvas *self,
                  const char    *name)
{
  for (guint i = 0; i < self->selection->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->selection, i), name) == 0)
      return TRUE;
  return FALSE;
}

static void
apply_selection (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);
  int n;

  if (self->scene == NULL)
    return;
  n = ds_scene_get_n_nodes (self->scene);
  for (int i = 0; i < n; i++)
    {
      DsSceneNode *node = ds_scene_get_node (self->scene, i);
      node->selected = is_selected_name (self, node->name);
    }
  for (int i = 0; i < ds_scene_get_n_edges (self->scene); i++)
    {
      DsSceneEdge *e = ds_scene_get_edge (self->scene, i);
      DsSceneNode *dst = ds_scene_get_node (self->scene, e->dst);

      e->selected = self->sel_edge_dst != NULL
                    && g_strcmp0 (dst->name, self->sel_edge_dst) == 0
                    && e->call == self->sel_edge_call && e->slot == self->sel_edge_slot;
    }
  /* The keyboard cursor is the first selected node. */
  self->overlay.focus_node = -1;
  if (m != NULL && self->selection->len > 0 && gtk_widget_has_focus (GTK_WIDGET (self)))
    self->overlay.focus_node = ds_scene_find_layer (self->scene,
                                                    nn_model_find_layer (m, g_ptr_array_index (self->selection, 0)));
}

void
_ds_graph_canvas_selection_changed (DsGraphCanvas *self)
{
  apply_selection (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
rebuild_scene (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);
  DsScene *old = g_steal_pointer (&self->scene);

  if (m == NULL)
    {
      ds_scene_free (old);
      return;
    }
  self->scene = ds_scene_new (m, self->pango);
  ds_scene_adopt_images (self->scene, old);
  ds_scene_free (old);

  /* Forget selected names that no longer exist (after undo or delete). */
  for (guint i = self->selection->len; i > 0; i--)
    if (nn_model_find_layer (m, g_ptr_array_index (self->selection, i - 1)) < 0)
      g_ptr_array_remove_index (self->selection, i - 1);
  if (self->sel_edge_dst && nn_model_find_layer (m, self->sel_edge_dst) < 0)
    g_clear_pointer (&self->sel_edge_dst, g_free);
  self->overlay.hover_port = -1;
  self->overlay.connect_target = -1;
  apply_selection (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
ds_graph_canvas_clear_selection (DsGraphCanvas *self)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  g_ptr_array_set_size (self->selection, 0);
  g_clear_pointer (&self->sel_edge_dst, g_free);
  _ds_graph_canvas_selection_changed (self);
}

void
ds_graph_canvas_select_layer (DsGraphCanvas *self,
                              int            layer,
                              gboolean       extend)
{
  NnModel *m = _ds_graph_canvas_model (self);
  const char *name;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (!extend)
    g_ptr_array_set_size (self->selection, 0);
  g_clear_pointer (&self->sel_edge_dst, g_free);
  if (m != NULL && layer >= 0 && layer < nn_model_get_n_layers (m))
    {
      name = nn_model_layer_get_name (m, layer);
      if (!is_selected_name (self, name))
        g_ptr_array_add (self->selection, g_strdup (name));
    }
  _ds_graph_canvas_selection_changed (self);
}

static void
toggle_layer (DsGraphCanvas *self,
              int            layer)
{
  const char *name = nn_model_layer_get_name (_ds_graph_canvas_model (self), layer);

  for (guint i = 0; i < self->selection->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->selection, i), name) == 0)
      {
        g_ptr_array_remove_index (self->selection, i);
        _ds_graph_canvas_selection_changed (self);
        return;
      }
  g_ptr_array_add (self->selection, g_strdup (name));
  _ds_graph_canvas_selection_changed (self);
}

int
ds_graph_canvas_get_selected_layer (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), -1);
  if (self->selection->len != 1 || _ds_graph_canvas_model (self) == NULL)
    return -1;
  return nn_model_find_layer (_ds_graph_canvas_model (self), g_ptr_array_index (self->selection, 0));
}

guint
ds_graph_canvas_get_n_selected (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), 0);
  return self->selection->len;
}

/* Selected layer indices in descending order (safe for removal). */
GArray *
_ds_graph_canvas_selected_layers (DsGraphCanvas *self)
{
  GArray *a = g_array_new (FALSE, FALSE, sizeof (int));
  NnModel *m = _ds_graph_canvas_model (self);

  for (guint i = 0; m && i < self->selection->len; i++)
    {
      int l = nn_model_find_layer (m, g_ptr_array_index (self->selection, i));
      if (l >= 0)
        g_array_append_val (a, l);
    }
  return a;
}


/* ---- view ---------------------------------------------------------------- */

double
ds_graph_canvas_get_zoom (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), 1);
  return self->zoom;
}

static gboolean
sharpen_cb (gpointer data)
{
  DsGraphCanvas *self = data;

  self->sharpen_id = 0;
  if (self->scene)
    ds_scene_sharpen (self->scene);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

/* While zooming, cached node images are magnified; sharp ones are drawn
 * once the zoom has rested for a moment. */
static void
zoom_changed (DsGraphCanvas *self)
{
  g_clear_handle_id (&self->sharpen_id, g_source_remove);
  self->sharpen_id = g_timeout_add (150, sharpen_cb, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ZOOM]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
zoom_around (DsGraphCanvas *self,
             double         zoom,
             double         wx,
             double         wy)
{
  double mx, my;

  zoom = CLAMP (zoom, ZOOM_MIN, ZOOM_MAX);
  if (fabs (zoom - self->zoom) < 1e-9)
    return;
  /* Keep the model point under (wx, wy) where it is. */
  _ds_graph_canvas_widget_to_model (self, wx, wy, &mx, &my);
  self->zoom = zoom;
  self->off_x = wx - mx * zoom;
  self->off_y = wy - my * zoom;
  zoom_changed (self);
}

void
ds_graph_canvas_set_zoom (DsGraphCanvas *self,
                          double         zoom)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  zoom_around (self, zoom, gtk_widget_get_width (GTK_WIDGET (self)) / 2.0,
               gtk_widget_get_height (GTK_WIDGET (self)) / 2.0);
}

/* readable: never below the zoom where every text shows; a model too wide
 * or tall for that is shown from its top-left corner and scrolls. Used
 * when a model is opened; the Zoom to Fit command shows it all. In
 * presentation mode a fit magnifies up to PRESENTATION_ZOOM_MAX. */
static void
fit (DsGraphCanvas *self,
     gboolean       readable)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));
  double x0, y0, x1, y1, zoom;
  const double margin = FIT_MARGIN;

  if (w <= 0 || h <= 0)
    {
      self->needs_fit = TRUE;
      return;
    }
  self->needs_fit = FALSE;
  if (!ds_scene_get_bounds (self->scene, &x0, &y0, &x1, &y1))
    {
      self->zoom = 1;
      self->off_x = w / 2.0 - DS_NODE_WIDTH / 2;
      self->off_y = 48;
    }
  else
    {
      /* Never magnify past 100 %: a small model should look normal size
       * (except on a projector). */
      zoom = MIN ((w - 2 * margin) / (x1 - x0), (h - 2 * margin) / (y1 - y0));
      zoom = CLAMP (zoom, ZOOM_MIN, self->presentation ? PRESENTATION_ZOOM_MAX : 1.0);
      if (readable && zoom < READABLE_ZOOM)
        zoom = READABLE_ZOOM;
      self->zoom = zoom;
      if ((x1 - x0) * zoom > w - 2 * margin)
        self->off_x = margin - x0 * zoom;
      else
        self->off_x = w / 2.0 - (x0 + x1) / 2 * zoom;
      if ((y1 - y0) * zoom > h - 2 * margin)
        self->off_y = margin - y0 * zoom;
      else
        self->off_y = h / 2.0 - (y0 + y1) / 2 * zoom;
    }
  zoom_changed (self);
}

/* How many ranks of nodes fit side by side in the view at the readable
 * zoom (auto layout wraps a wider model into rows). */
int
_ds_graph_canvas_ranks_per_row (DsGraphCanvas *self)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  double avail = (w - 2 * FIT_MARGIN) / READABLE_ZOOM;

  if (w <= 0)
    return G_MAXINT;
  return MAX (1, (int) floor ((avail + RANK_GAP) / (DS_NODE_WIDTH + RANK_GAP)));
}

void
ds_graph_canvas_set_presentation (DsGraphCanvas *self,
                                  gboolean       presentation)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  self->presentation = !!presentation;
  /* Fit once the new size is known (the panes around it change). */
  self->needs_fit = TRUE;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

gboolean
ds_graph_canvas_get_presentation (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), FALSE);
  return self->presentation;
}

void
_ds_graph_canvas_fit_readable (DsGraphCanvas *self)
{
  fit (self, TRUE);
}

void
ds_graph_canvas_zoom_fit (DsGraphCanvas *self)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  fit (self, FALSE);
}

/* Scrolls the least needed to show a node. */
void
_ds_graph_canvas_reveal_node (DsGraphCanvas *self,
             int            node)
{
  DsSceneNode *n;
  double wx0, wy0, wx1, wy1;
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  if (self->scene == NULL || node < 0 || w <= 0)
    return;
  n = ds_scene_get_node (self->scene, node);
  ds_graph_canvas_model_to_widget (self, n->x - 16, n->y - 16, &wx0, &wy0);
  ds_graph_canvas_model_to_widget (self, n->x + DS_NODE_WIDTH + 16, n->y + DS_NODE_HEIGHT + 16,
                                   &wx1, &wy1);
  if (wx0 < 0)
    self->off_x -= wx0;
  else if (wx1 > w)
    self->off_x -= MIN (wx1 - w, wx0);
  if (wy0 < 0)
    self->off_y -= wy0;
  else if (wy1 > h)
    self->off_y -= MIN (wy1 - h, wy0);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- drawing ------------------------------------------------------------- */

static gboolean
redraw_cb (gpointer data)
{
  DsGraphCanvas *self = data;

  self->redraw_id = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return G_SOURCE_REMOVE;
}

static void
ds_graph_canvas_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  DsSceneStyle style;
  cairo_t *cr;

  if (w <= 0 || h <= 0)
    return;
  ds_scene_style_init (&style, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  if (self->scene == NULL)
    {
      cairo_set_source_rgba (cr, style.background.red, style.background.green,
                             style.background.blue, 1);
      cairo_paint (cr);
    }
  else if (!ds_scene_render (self->scene, cr, w, h, self->zoom, self->off_x, self->off_y,
                             &style, &self->overlay)
           && self->redraw_id == 0)
    /* Some node images are still magnified: sharpen more next frame. */
    self->redraw_id = g_idle_add_full (G_PRIORITY_LOW, redraw_cb, self, NULL);
  cairo_destroy (cr);
}

static void
ds_graph_canvas_size_allocate (GtkWidget *widget,
                               int        width,
                               int        height,
                               int        baseline)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (widget);

  if (self->needs_fit && width > 0 && height > 0)
    fit (self, TRUE);
  gtk_popover_present (GTK_POPOVER (self->menu));
}

/* ---- input --------------------------------------------------------------- */

static double
port_radius (DsGraphCanvas *self)
{
  /* At least 8 screen pixels, so ports stay easy to hit when zoomed out. */
  return MAX (DS_PORT_RADIUS + 4, 8 / self->zoom);
}

static void
drag_begin_cb (GtkGestureDrag *gesture,
               double          x,
               double          y,
               DsGraphCanvas  *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (gesture));
  double mx, my;
  int node, port, edge, out;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  self->drag = DRAG_NONE;
  self->drag_x = x;
  self->drag_y = y;
  self->drag_extend = (mods & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)) != 0;
  if (self->scene == NULL)
    return;
  _ds_graph_canvas_widget_to_model (self, x, y, &mx, &my);

  port = ds_scene_hit_any_output (self->scene, mx, my, port_radius (self), &out);
  if (port >= 0)
    {
      self->drag = DRAG_CONNECT;
      self->overlay.connecting = TRUE;
      self->overlay.connect_src = port;
      self->overlay.connect_src_out = out;
      self->overlay.connect_slot = -1;
      self->overlay.connect_x = mx;
      self->overlay.connect_y = my;
      self->overlay.connect_target = -1;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  node = ds_scene_hit_node (self->scene, mx, my);
  if (node >= 0)
    {
      DsSceneNode *n = ds_scene_get_node (self->scene, node);

      if (self->drag_extend)
        toggle_layer (self, n->layer);
      else if (!n->selected)
        ds_graph_canvas_select_layer (self, n->layer, FALSE);
      self->drag = DRAG_MOVE;
      g_array_set_size (self->move_start, 0);
      for (int i = 0; i < ds_scene_get_n_nodes (self->scene); i++)
        {
          DsSceneNode *s = ds_scene_get_node (self->scene, i);

          if (s->selected)
            {
              MoveStart ms = { g_strdup (s->name), s->x, s->y };
              g_array_append_val (self->move_start, ms);
            }
        }
      return;
    }

  edge = ds_scene_hit_edge (self->scene, mx, my, MAX (6, 6 / self->zoom));
  if (edge >= 0)
    {
      DsSceneEdge *e = ds_scene_get_edge (self->scene, edge);

      g_ptr_array_set_size (self->selection, 0);
      g_free (self->sel_edge_dst);
      self->sel_edge_dst = g_strdup (ds_scene_get_node (self->scene, e->dst)->name);
      self->sel_edge_call = e->call;
      self->sel_edge_slot = e->slot;
      _ds_graph_canvas_selection_changed (self);
      return;
    }

  self->drag = DRAG_RUBBER;
  if (!self->drag_extend && (self->selection->len > 0 || self->sel_edge_dst))
    ds_graph_canvas_clear_selection (self);
  self->overlay.rubber_band = TRUE;
  self->overlay.rb_x0 = self->overlay.rb_x1 = mx;
  self->overlay.rb_y0 = self->overlay.rb_y1 = my;
}

static void
drag_update_cb (GtkGestureDrag *gesture,
                double          dx,
                double          dy,
                DsGraphCanvas  *self)
{
  double mx, my;

  _ds_graph_canvas_widget_to_model (self, self->drag_x + dx, self->drag_y + dy, &mx, &my);
  switch (self->drag)
    {
    case DRAG_MOVE:
      {
        NnModel *m = _ds_graph_canvas_model (self);

        for (guint i = 0; i < self->move_start->len; i++)
          {
            MoveStart *ms = &g_array_index (self->move_start, MoveStart, i);
            int l = nn_model_find_layer (m, ms->name);
            int node = ds_scene_find_layer (self->scene, l);
            double x = _ds_graph_canvas_snap (ms->x + dx / self->zoom), y = _ds_graph_canvas_snap (ms->y + dy / self->zoom);

            if (l < 0 || node < 0)
              continue;
            nn_model_layer_set_position (m, l, x, y);
            ds_scene_get_node (self->scene, node)->x = x;
            ds_scene_get_node (self->scene, node)->y = y;
          }
        gtk_widget_queue_draw (GTK_WIDGET (self));
      }
      break;

    case DRAG_CONNECT:
      {
        int slot = -1, target = ds_scene_hit_input_target (self->scene, mx, my, port_radius (self), &slot);

        if (target == self->overlay.connect_src
            || (target >= 0 && ds_scene_get_node (self->scene, target)->max_inputs == 0))
          target = -1;
        self->overlay.connect_x = mx;
        self->overlay.connect_y = my;
        self->overlay.connect_target = target;
        self->overlay.connect_slot = target >= 0 ? slot : -1;
        gtk_widget_queue_draw (GTK_WIDGET (self));
      }
      break;

    case DRAG_RUBBER:
      {
        double x0, y0, x1, y1;

        self->overlay.rb_x1 = mx;
        self->overlay.rb_y1 = my;
        x0 = MIN (self->overlay.rb_x0, mx);
        x1 = MAX (self->overlay.rb_x0, mx);
        y0 = MIN (self->overlay.rb_y0, my);
        y1 = MAX (self->overlay.rb_y0, my);
        if (!self->drag_extend)
          g_ptr_array_set_size (self->selection, 0);
        for (int i = 0; i < ds_scene_get_n_nodes (self->scene); i++)
          {
            DsSceneNode *n = ds_scene_get_node (self->scene, i);

            if (n->x < x1 && n->x + DS_NODE_WIDTH > x0 && n->y < y1 && n->y + DS_NODE_HEIGHT > y0
                && !is_selected_name (self, n->name))
              g_ptr_array_add (self->selection, g_strdup (n->name));
          }
        _ds_graph_canvas_selection_changed (self);
      }
      break;

    case DRAG_NONE:
    case DRAG_PAN:
    default:
      break;
    }
}

static void
drag_end_cb (GtkGestureDrag *gesture,
             double          dx,
             double          dy,
             DsGraphCanvas  *self)
{
  gboolean moved = fabs (dx) > 2 || fabs (dy) > 2;
  DragMode mode = self->drag;

  self->drag = DRAG_NONE;
  switch (mode)
    {
    case DRAG_MOVE:
      if (moved)
        ds_document_commit (self->document, DS_CHANGE_POSITIONS,
                            self->move_start->len > 1 ? _("Move Layers") : _("Move Layer"), NULL);
      else if (!self->drag_extend && self->selection->len > 1)
        {
          /* A click on one of several selected nodes selects just it. */
          double mx, my;
          int node;

          _ds_graph_canvas_widget_to_model (self, self->drag_x, self->drag_y, &mx, &my);
          node = ds_scene_hit_node (self->scene, mx, my);
          if (node >= 0)
            ds_graph_canvas_select_layer (self, ds_scene_get_node (self->scene, node)->layer, FALSE);
        }
      g_array_set_size (self->move_start, 0);
      break;

    case DRAG_CONNECT:
      {
        int src = self->overlay.connect_src, dst = self->overlay.connect_target;
        int out = self->overlay.connect_src_out, slot = self->overlay.connect_slot;

        self->overlay.connecting = FALSE;
        self->overlay.connect_src = -1;
        self->overlay.connect_target = -1;
        gtk_widget_queue_draw (GTK_WIDGET (self));
        if (src >= 0 && dst >= 0 && self->scene)
          {
            g_autoptr(GError) error = NULL;
            int sl = ds_scene_get_node (self->scene, src)->layer;
            int dl = ds_scene_get_node (self->scene, dst)->layer;

            if (!ds_graph_canvas_connect_port (self, sl, out, dl, slot, &error))
              _ds_graph_canvas_message (self, error->message);
          }
      }
      break;

    case DRAG_RUBBER:
      self->overlay.rubber_band = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self));
      break;

    case DRAG_NONE:
    case DRAG_PAN:
    default:
      break;
    }
}

static void
pan_begin_cb (GtkGestureDrag *gesture,
              double          x,
              double          y,
              DsGraphCanvas  *self)
{
  self->pan_x = self->off_x;
  self->pan_y = self->off_y;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "grabbing");
}

static void
pan_update_cb (GtkGestureDrag *gesture,
               double          dx,
               double          dy,
               DsGraphCanvas  *self)
{
  self->off_x = self->pan_x + dx;
  self->off_y = self->pan_y + dy;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
pan_end_cb (GtkGestureDrag *gesture,
            double          dx,
            double          dy,
            DsGraphCanvas  *self)
{
  gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
}

static gboolean
scroll_cb (GtkEventControllerScroll *controller,
           double                    dx,
           double                    dy,
           DsGraphCanvas            *self)
{
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (controller));
  double step = gtk_event_controller_scroll_get_unit (controller) == GDK_SCROLL_UNIT_WHEEL ? 40 : 1;

  if (mods & GDK_CONTROL_MASK)
    {
      zoom_around (self, self->zoom * pow (1.1, -dy * (step > 1 ? 1 : 0.1)),
                   self->pointer_x, self->pointer_y);
      return TRUE;
    }
  if (mods & GDK_SHIFT_MASK && dx == 0)
    {
      dx = dy;
      dy = 0;
    }
  self->off_x -= dx * step;
  self->off_y -= dy * step;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  return TRUE;
}

static void
motion_cb (GtkEventControllerMotion *controller,
           double                    x,
           double                    y,
           DsGraphCanvas            *self)
{
  double mx, my;
  int port = -1;

  self->pointer_x = x;
  self->pointer_y = y;
  if (self->scene == NULL || self->drag != DRAG_NONE)
    return;
  _ds_graph_canvas_widget_to_model (self, x, y, &mx, &my);
  if (self->quiet_node != NULL)
    {
      int node = ds_scene_hit_node (self->scene, mx, my);

      if (node < 0 || g_strcmp0 (ds_scene_get_node (self->scene, node)->name, self->quiet_node) != 0)
        g_clear_pointer (&self->quiet_node, g_free);
    }
  port = ds_scene_hit_output_port (self->scene, mx, my, port_radius (self));
  if (port != self->overlay.hover_port)
    {
      self->overlay.hover_port = port;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self), port >= 0 ? "crosshair" : NULL);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         DsGraphCanvas *self)
{
  g_autoptr(GError) error = NULL;
  const char *class_name;
  int layer;

  if (!G_VALUE_HOLDS_STRING (value) || (class_name = g_value_get_string (value)) == NULL)
    return FALSE;
  /* Text dropped from elsewhere is not a layer: refuse it quietly. */
  if (nn_layer_type_lookup (class_name) == NULL)
    return FALSE;
  layer = ds_graph_canvas_drop_layer (self, class_name, x, y, &error);
  if (layer < 0)
    {
      _ds_graph_canvas_message (self, error->message);
      return FALSE;
    }
  g_free (self->quiet_node);
  self->quiet_node = g_strdup (nn_model_layer_get_name (_ds_graph_canvas_model (self), layer));
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
  gtk_widget_grab_focus (GTK_WIDGET (self));
  return TRUE;
}

/* What a recurrent layer's state port is: "h: encoder’s final hidden
 * state (32), its output 1 …" or "initial h: …, from encoder’s h". */
static char *
state_port_tooltip (DsGraphCanvas     *self,
                    const DsSceneNode *n,
                    int                k,
                    gboolean           input)
{
  NnModel *model = _ds_graph_canvas_model (self);
  const char *name = n->state_names[k - 1];
  const char *what = g_str_has_suffix (name, "c") ? _("cell state") : _("hidden state");
  int ndim, shape[NN_MAX_DIMS];
  g_autofree char *shape_text = NULL;

  if (input)
    {
      NnRef src = nn_model_call_get_input (model, n->layer, 0, k);
      const char *from = src.layer >= 0 ? nn_model_layer_get_name (model, src.layer) : NULL;
      const char *from_state = from && src.out > 0
                               ? nn_model_layer_get_state_name (model, src.layer, src.out - 1)
                               : NULL;

      return g_strdup_printf (_("initial %s: the %s %s starts from, instead of zeros%s%s%s%s"),
                              name, what, n->name, from ? _(": here ") : "", from ? from : "",
                              from_state ? _("’s final ") : "", from_state ? from_state : "");
    }
  if (nn_model_get_shape (model, (NnRef) { n->layer, 0, k }, &ndim, shape))
    shape_text = nn_shape_to_string (ndim, shape, 1);
  return g_strdup_printf (_("%s: %s’s final %s %s, its output %d (return_state): it can be "
                          "another recurrent layer’s initial %s, as an encoder’s starts its "
                          "decoder"),
                          name, n->name, what, shape_text ? shape_text : "", k, name);
}

char *
ds_graph_canvas_dup_tooltip_text (DsGraphCanvas *self,
                                  double         x,
                                  double         y,
                                  gboolean       keyboard_mode)
{
  double mx, my;
  int node, edge, k;
  gboolean input;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), NULL);
  /* Nothing over an open menu, nor during a drag. */
  if (self->scene == NULL || self->drag != DRAG_NONE || gtk_widget_get_visible (self->menu))
    return NULL;
  if (keyboard_mode)
    node = self->overlay.focus_node;
  else
    {
      _ds_graph_canvas_widget_to_model (self, x, y, &mx, &my);
      if (ds_scene_hit_output_port (self->scene, mx, my, port_radius (self)) >= 0)
        return g_strdup (_("Drag to a layer to connect this output to it"));
      if ((node = ds_scene_hit_state_port (self->scene, mx, my, port_radius (self), &k,
                                           &input)) >= 0)
        return state_port_tooltip (self, ds_scene_get_node (self->scene, node), k, input);
      node = ds_scene_hit_node (self->scene, mx, my);
      /* A node just dropped under the pointer stays uncovered until the
       * pointer leaves it: the person wants to see what was added. */
      if (node >= 0 && g_strcmp0 (ds_scene_get_node (self->scene, node)->name, self->quiet_node) == 0)
        return NULL;
      if (node < 0)
        {
          edge = ds_scene_hit_edge (self->scene, mx, my, MAX (6, 6 / self->zoom));
          if (edge >= 0)
            {
              DsSceneEdge *e = ds_scene_get_edge (self->scene, edge);

              return g_strdup_printf (_("%s → %s\nCarries %s"), ds_scene_get_node (self->scene, e->src)->name,
                                      ds_scene_get_node (self->scene, e->dst)->name,
                                      e->label ? e->label : _("an unknown shape"));
            }
        }
    }
  if (node < 0)
    return NULL;
  {
    DsSceneNode *n = ds_scene_get_node (self->scene, node);
    const NnLayerType *t = nn_layer_type_lookup (n->type_name);

    if (n->error)
      return g_strdup (n->error);
    return g_strdup_printf ("%s (%s)\n%s", n->name, n->type_name,
                            t ? nn_layer_type_get_help (t) : "");
  }
}

static gboolean
query_tooltip_cb (GtkWidget     *widget,
                  int            x,
                  int            y,
                  gboolean       keyboard_mode,
                  GtkTooltip    *tooltip,
                  DsGraphCanvas *self)
{
  g_autofree char *text = ds_graph_canvas_dup_tooltip_text (self, x, y, keyboard_mode);

  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
context_menu_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 DsGraphCanvas   *self)
{
  double mx, my;
  int node;

  gtk_widget_grab_focus (GTK_WIDGET (self));
  if (self->scene)
    {
      _ds_graph_canvas_widget_to_model (self, x, y, &mx, &my);
      node = ds_scene_hit_node (self->scene, mx, my);
      if (node >= 0 && !ds_scene_get_node (self->scene, node)->selected)
        ds_graph_canvas_select_layer (self, ds_scene_get_node (self->scene, node)->layer, FALSE);
    }
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &(GdkRectangle) { x, y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->menu));
  /* Asks again, which hides a tooltip shown before the menu opened. */
  gtk_widget_trigger_tooltip_query (GTK_WIDGET (self));
}

static void
focus_changed_cb (DsGraphCanvas *self)
{
  apply_selection (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

/* ---- actions ------------------------------------------------------------- */

static void
action_cb (GtkWidget  *widget,
           const char *action_name,
           GVariant   *parameter)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (widget);
  const char *a = action_name + strlen ("canvas.");

  if (g_str_equal (a, "delete"))
    ds_graph_canvas_delete_selection (self);
  else if (g_str_equal (a, "duplicate"))
    ds_graph_canvas_duplicate (self);
  else if (g_str_equal (a, "copy"))
    ds_graph_canvas_copy (self);
  else if (g_str_equal (a, "cut"))
    {
      ds_graph_canvas_copy (self);
      ds_graph_canvas_delete_selection (self);
    }
  else if (g_str_equal (a, "paste"))
    ds_graph_canvas_paste (self);
  else if (g_str_equal (a, "select-all"))
    ds_graph_canvas_select_all (self);
  else if (g_str_equal (a, "select-none"))
    ds_graph_canvas_clear_selection (self);
  else if (g_str_equal (a, "connect"))
    _ds_graph_canvas_connect_selected (self);
  else if (g_str_equal (a, "next"))
    _ds_graph_canvas_select_next (self, 1);
  else if (g_str_equal (a, "previous"))
    _ds_graph_canvas_select_next (self, -1);
  else if (g_str_equal (a, "move"))
    {
      double dx, dy;

      g_variant_get (parameter, "(dd)", &dx, &dy);
      _ds_graph_canvas_move_selection_by (self, dx, dy);
    }
  else if (g_str_equal (a, "auto-layout"))
    ds_graph_canvas_auto_layout (self);
}

/* ---- document ------------------------------------------------------------ */

static void
document_changed_cb (DsGraphCanvas *self,
                     guint          what)
{
  gboolean was_empty = self->scene == NULL || ds_scene_get_n_nodes (self->scene) == 0;

  rebuild_scene (self);
  /* A freshly opened model is shown whole. */
  if ((what & DS_CHANGE_REPLACED) && (self->needs_fit || was_empty))
    fit (self, TRUE);
  g_signal_emit (self, signals[SELECTION_CHANGED], 0);
}

static void
document_file_cb (DsGraphCanvas *self)
{
  self->needs_fit = TRUE;
}

void
ds_graph_canvas_set_document (DsGraphCanvas *self,
                              DsDocument    *document)
{
  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));

  if (self->document == document)
    return;
  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_set_object (&self->document, document);
  if (document)
    {
      g_signal_connect_swapped (document, "changed", G_CALLBACK (document_changed_cb), self);
      g_signal_connect_swapped (document, "notify::file", G_CALLBACK (document_file_cb), self);
    }
  g_ptr_array_set_size (self->selection, 0);
  rebuild_scene (self);
  self->needs_fit = TRUE;
  fit (self, TRUE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOCUMENT]);
}

DsDocument *
ds_graph_canvas_get_document (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), NULL);
  return self->document;
}

DsScene *
ds_graph_canvas_get_scene (DsGraphCanvas *self)
{
  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), NULL);
  return self->scene;
}

gboolean
ds_graph_canvas_get_port (DsGraphCanvas *self,
                          int            layer,
                          gboolean       output,
                          double        *wx,
                          double        *wy)
{
  int node;
  double mx, my;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), FALSE);
  if (self->scene == NULL || (node = ds_scene_find_layer (self->scene, layer)) < 0)
    return FALSE;
  if (output)
    ds_scene_output_port (ds_scene_get_node (self->scene, node), &mx, &my);
  else
    ds_scene_input_port (ds_scene_get_node (self->scene, node), 0, 1, &mx, &my);
  ds_graph_canvas_model_to_widget (self, mx, my, wx, wy);
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------- */

static void
ds_graph_canvas_dispose (GObject *object)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (object);

  if (self->document)
    g_signal_handlers_disconnect_by_data (self->document, self);
  g_clear_object (&self->document);
  g_clear_pointer (&self->scene, ds_scene_free);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
  g_clear_handle_id (&self->sharpen_id, g_source_remove);
  G_OBJECT_CLASS (ds_graph_canvas_parent_class)->dispose (object);
}

static void
ds_graph_canvas_finalize (GObject *object)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (object);

  g_clear_object (&self->pango);
  g_ptr_array_unref (self->selection);
  g_array_unref (self->move_start);
  g_free (self->sel_edge_dst);
  g_free (self->quiet_node);
  G_OBJECT_CLASS (ds_graph_canvas_parent_class)->finalize (object);
}

static void
ds_graph_canvas_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, self->document);
      break;
    case PROP_ZOOM:
      g_value_set_double (value, self->zoom);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ds_graph_canvas_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DsGraphCanvas *self = DS_GRAPH_CANVAS (object);

  switch (prop_id)
    {
    case PROP_DOCUMENT:
      ds_graph_canvas_set_document (self, g_value_get_object (value));
      break;
    case PROP_ZOOM:
      ds_graph_canvas_set_zoom (self, g_value_get_double (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
add_move_binding (GtkWidgetClass *klass,
                  guint           key,
                  double          dx,
                  double          dy)
{
  gtk_widget_class_add_binding_action (klass, key, 0, "canvas.move", "(dd)", dx, dy);
  gtk_widget_class_add_binding_action (klass, key, GDK_SHIFT_MASK, "canvas.move", "(dd)",
                                       dx * 6, dy * 6);
}

static void
ds_graph_canvas_class_init (DsGraphCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char *const simple[] = {
    "delete", "duplicate", "copy", "cut", "paste", "select-all", "select-none",
    "connect", "next", "previous", "auto-layout",
  };

  object_class->dispose = ds_graph_canvas_dispose;
  object_class->finalize = ds_graph_canvas_finalize;
  object_class->get_property = ds_graph_canvas_get_property;
  object_class->set_property = ds_graph_canvas_set_property;
  widget_class->snapshot = ds_graph_canvas_snapshot;
  widget_class->size_allocate = ds_graph_canvas_size_allocate;

  properties[PROP_DOCUMENT] =
    g_param_spec_object ("document", NULL, NULL, DS_TYPE_DOCUMENT,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ZOOM] =
    g_param_spec_double ("zoom", NULL, NULL, ZOOM_MIN, ZOOM_MAX, 1.0,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SELECTION_CHANGED] =
    g_signal_new ("selection-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* A message for the person (a refused connection, say): shown as a toast. */
  signals[SHOW_MESSAGE] =
    g_signal_new ("show-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  for (guint i = 0; i < G_N_ELEMENTS (simple); i++)
    {
      g_autofree char *name = g_strconcat ("canvas.", simple[i], NULL);
      gtk_widget_class_install_action (widget_class, name, NULL, action_cb);
    }
  gtk_widget_class_install_action (widget_class, "canvas.move", "(dd)", action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "canvas.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Delete, 0, "canvas.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_BackSpace, 0, "canvas.delete", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK, "canvas.duplicate", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_c, GDK_CONTROL_MASK, "canvas.copy", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_x, GDK_CONTROL_MASK, "canvas.cut", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "canvas.paste", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_a, GDK_CONTROL_MASK, "canvas.select-all", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "canvas.select-none", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK, "canvas.connect", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Tab, 0, "canvas.next", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_ISO_Left_Tab, GDK_SHIFT_MASK, "canvas.previous", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Tab, GDK_SHIFT_MASK, "canvas.previous", NULL);
  add_move_binding (widget_class, GDK_KEY_Left, -GRID, 0);
  add_move_binding (widget_class, GDK_KEY_Right, GRID, 0);
  add_move_binding (widget_class, GDK_KEY_Up, 0, -GRID);
  add_move_binding (widget_class, GDK_KEY_Down, 0, GRID);

  gtk_widget_class_set_css_name (widget_class, "graphcanvas");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_WIDGET);
}

static void
ds_graph_canvas_init (DsGraphCanvas *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkGesture *drag, *pan, *click;
  GtkEventController *scroll, *motion, *focus;
  GtkDropTarget *drop;
  cairo_font_options_t *fo;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) section = g_menu_new ();

  self->selection = g_ptr_array_new_with_free_func (g_free);
  self->move_start = g_array_new (FALSE, TRUE, sizeof (MoveStart));
  g_array_set_clear_func (self->move_start, move_start_clear);
  self->zoom = 1;
  ds_scene_overlay_init (&self->overlay);

  /* Own context with unhinted metrics: text keeps its proportions at every
   * zoom instead of snapping to whole pixels at 100 %. */
  self->pango = gtk_widget_create_pango_context (widget);
  fo = cairo_font_options_create ();
  cairo_font_options_set_hint_metrics (fo, CAIRO_HINT_METRICS_OFF);
  pango_cairo_context_set_font_options (self->pango, fo);
  cairo_font_options_destroy (fo);

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_hexpand (widget, TRUE);
  gtk_widget_set_vexpand (widget, TRUE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, "Model graph",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  "Tab moves between layers, arrows move them, Delete removes them",
                                  -1);
  g_signal_connect (widget, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drag));

  pan = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (pan), GDK_BUTTON_MIDDLE);
  g_signal_connect (pan, "drag-begin", G_CALLBACK (pan_begin_cb), self);
  g_signal_connect (pan, "drag-update", G_CALLBACK (pan_update_cb), self);
  g_signal_connect (pan, "drag-end", G_CALLBACK (pan_end_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (pan));

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  g_signal_connect (click, "pressed", G_CALLBACK (context_menu_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (click));

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (widget, scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  gtk_widget_add_controller (widget, motion);

  /* Light and dark styles draw differently (the scene keeps its images per
   * style, so a redraw is all it takes). */
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self, G_CONNECT_SWAPPED);

  focus = gtk_event_controller_focus_new ();
  g_signal_connect_swapped (focus, "enter", G_CALLBACK (focus_changed_cb), self);
  g_signal_connect_swapped (focus, "leave", G_CALLBACK (focus_changed_cb), self);
  gtk_widget_add_controller (widget, focus);

  drop = gtk_drop_target_new (G_TYPE_STRING, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (widget, GTK_EVENT_CONTROLLER (drop));

  g_menu_append (section, _("Cut"), "canvas.cut");
  g_menu_append (section, _("Copy"), "canvas.copy");
  g_menu_append (section, _("Paste"), "canvas.paste");
  g_menu_append (section, _("Duplicate"), "canvas.duplicate");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  g_menu_append (section, _("Connect in Selection Order"), "canvas.connect");
  g_menu_append (section, _("Select All"), "canvas.select-all");
  g_menu_append (section, _("Arrange Layers"), "canvas.auto-layout");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  g_clear_object (&section);
  section = g_menu_new ();
  {
    /* Delete and BackSpace both delete; the menu names the one the
     * shortcuts window lists first. */
    g_autoptr(GMenuItem) item = g_menu_item_new (_("Delete"), "canvas.delete");

    g_menu_item_set_attribute (item, "accel", "s", "Delete");
    g_menu_append_item (section, item);
  }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (section));
  self->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (menu));
  gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
  gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
  gtk_widget_set_parent (self->menu, widget);
}

GtkWidget *
ds_graph_canvas_new (void)
{
  return g_object_new (DS_TYPE_GRAPH_CANVAS, NULL);
}
