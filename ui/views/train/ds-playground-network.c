/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-playground-network.c: the network diagram: unit columns, the weights as
 * edges and picking them, and the input feature toggles with their maps. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-playground-map.h"
#include "ds-playground-private.h"
#include "ds-playground-surface.h"

/* One small map per unit: data packs the layer (high bits) and unit. */
static void
draw_unit (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        data)
{
  DsPlayground *self = g_object_get_data (G_OBJECT (area), "ds-playground");
  guint index = GPOINTER_TO_UINT (data) >> 16, u = GPOINTER_TO_UINT (data) & 0xffff;
  cairo_surface_t *s = NULL;
  gboolean dead = FALSE;

  if (self && self->result && index < self->result->hidden->len)
    s = ds_map_job_paint_unit (self->result, index, (int) u, &dead);
  if (s == NULL)
    {
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
      cairo_fill (cr);
    }
  else
    {
      _ds_playground_paint_surface (cr, s, DS_UNIT_RES, width, height);
      cairo_surface_destroy (s);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, dead ? 0.3 : 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  if (dead)
    {
      /* A unit that is zero everywhere (a dead ReLU) is crossed out. */
      cairo_move_to (cr, 4, 4);
      cairo_line_to (cr, width - 4, height - 4);
      cairo_stroke (cr);
    }
}

/* The middle of a widget's left (side 0) or right (side 1) edge in the
 * network box's coordinates. */
static gboolean
edge_point (DsPlayground *self,
            GtkWidget    *w,
            int           side,
            double       *x,
            double       *y)
{
  graphene_point_t p;

  if (!gtk_widget_compute_point (w, GTK_WIDGET (self->edges_area),
                                 &GRAPHENE_POINT_INIT (side ? gtk_widget_get_width (w) : 0,
                                                       gtk_widget_get_height (w) / 2.0), &p))
    return FALSE;
  *x = p.x;
  *y = p.y;
  return TRUE;
}

/* One drawn weight: where it goes and its value over the layer's largest
 * |weight|; (x0, y0) and (x1, y1) in the edges area's coordinates. */
typedef struct
{
  PickedEdge id;
  int        layer;   /* in the map's model */
  int        units;
  double     w;
  double     x0, y0, x1, y1;
} Edge;

typedef void (*EdgeFunc) (DsPlayground *self,
                          const Edge   *e,
                          gpointer      data);

/* Calls func for each edge the diagram draws, from the inputs (the
 * feature maps) to the first hidden column, then column to column. */
static void
edges_foreach (DsPlayground *self,
               EdgeFunc      func,
               gpointer      data)
{
  g_autoptr(GPtrArray) from = g_ptr_array_new ();
  DsMapJob *job = self->result;

  if (job == NULL || self->columns->len != job->hidden->len)
    return;
  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      g_ptr_array_add (from, self->feature_maps[f]);
  for (guint i = 0; i < job->hidden->len; i++)
    {
      DsMapHidden *h = &g_array_index (job->hidden, DsMapHidden, i);
      g_autoptr(GPtrArray) to = g_ptr_array_new ();
      int in = 0, units = 0;
      double max_abs;
      const float *k = ds_map_job_kernel (job, h->layer, &in, &units, &max_abs);

      for (guint u = 0; u < self->unit_areas->len; u++)
        if ((GPOINTER_TO_UINT (g_object_get_data (self->unit_areas->pdata[u], "ds-unit")) >> 16) == i)
          g_ptr_array_add (to, self->unit_areas->pdata[u]);
      if (k && in == (int) from->len && units == (int) to->len && max_abs > 0)
        for (int a = 0; a < in; a++)
          for (int b = 0; b < units; b++)
            {
              Edge e = { { i, a, b }, h->layer, units, k[(size_t) a * units + b] / max_abs };

              if (!edge_point (self, from->pdata[a], 1, &e.x0, &e.y0)
                  || !edge_point (self, to->pdata[b], 0, &e.x1, &e.y1))
                continue;
              func (self, &e, data);
            }
      g_ptr_array_set_size (from, 0);
      g_ptr_array_extend (from, to, NULL, NULL);
    }
  /* With the numbers, the last column's edges to the output unit(s). */
  {
    g_autoptr(GPtrArray) to = g_ptr_array_new ();
    int in = 0, units = 0;
    double max_abs;
    const float *k = ds_map_job_kernel (job, job->out_layer, &in, &units, &max_abs);

    _ds_playground_output_units (self, to);
    if (to->len > 0 && k && in == (int) from->len && units >= (int) to->len && max_abs > 0)
      for (int a = 0; a < in; a++)
        for (int b = 0; b < (int) to->len; b++)
          {
            Edge e = { { job->hidden->len, a, b }, job->out_layer, units, k[(size_t) a * units + b] / max_abs };

            if (!edge_point (self, from->pdata[a], 1, &e.x0, &e.y0)
                || !edge_point (self, to->pdata[b], 0, &e.x1, &e.y1))
              continue;
            func (self, &e, data);
          }
  }
}

/* The point at t (0..1) along an edge's curve: a cubic Bézier from 2 px
 * right of its start to 2 px left of its end, level at both ends. */
static void
edge_at (const Edge *e,
         double      t,
         double     *x,
         double     *y)
{
  double xs = e->x0 + 2, xe = e->x1 - 2, xm = (e->x0 + e->x1) / 2, s = 1 - t;

  *x = s * s * s * xs + 3 * s * s * t * xm + 3 * s * t * t * xm + t * t * t * xe;
  *y = (s * s * s + 3 * s * s * t) * e->y0 + (3 * s * t * t + t * t * t) * e->y1;
}

static void
edge_path (cairo_t    *cr,
           const Edge *e)
{
  cairo_move_to (cr, e->x0 + 2, e->y0);
  cairo_curve_to (cr, (e->x0 + e->x1) / 2, e->y0, (e->x0 + e->x1) / 2, e->y1, e->x1 - 2, e->y1);
}

static gboolean
edge_same (const PickedEdge *a,
           const PickedEdge *b)
{
  return a->hidden == b->hidden && a->in == b->in && a->unit == b->unit;
}

static void
draw_edge_cb (DsPlayground *self,
              const Edge   *e,
              gpointer      data)
{
  cairo_t *cr = data;
  guint32 px = ds_colors_diverging_pixel (e->w);

  cairo_set_source_rgba (cr, ((px >> 16) & 0xff) / 255.0, ((px >> 8) & 0xff) / 255.0,
                         (px & 0xff) / 255.0, 0.35 + 0.6 * fabs (e->w));
  cairo_set_line_width (cr, 0.4 + 3.6 * fabs (e->w));
  edge_path (cr, e);
  cairo_stroke (cr);
}

/* The edges picked for the loss surface: drawn over the others in the
 * text colour, each with its letter (A, then B) at its middle. */
static void
draw_picked_cb (DsPlayground *self,
                const Edge   *e,
                gpointer      data)
{
  cairo_t *cr = data;
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self->edges_area)), &fg);
  for (int k = 0; k < self->n_picked; k++)
    if (edge_same (&self->picked[k], &e->id))
      {
        const char *letter = k == 0 ? "A" : "B";
        cairo_text_extents_t ext;
        double x, y;

        gdk_cairo_set_source_rgba (cr, &fg);
        cairo_set_line_width (cr, 3);
        edge_path (cr, e);
        cairo_stroke (cr);
        edge_at (e, 0.5, &x, &y);
        cairo_arc (cr, x, y, 8, 0, 2 * G_PI);
        cairo_fill (cr);
        cairo_set_font_size (cr, 11);
        cairo_text_extents (cr, letter, &ext);
        cairo_set_source_rgb (cr, 1, 1, 1);
        if (fg.red + fg.green + fg.blue > 1.5)
          cairo_set_source_rgb (cr, 0, 0, 0);
        cairo_move_to (cr, x - ext.x_bearing - ext.width / 2, y - ext.y_bearing - ext.height / 2);
        cairo_show_text (cr, letter);
      }
}

/* An edge's numbers, at its middle. */
static void
draw_number_cb (DsPlayground *self,
                const Edge   *e,
                gpointer      data)
{
  double x, y;

  edge_at (e, 0.5, &x, &y);
  _ds_playground_numbers_draw_edge (self, data, e->layer, e->id.in, e->id.unit, x, y);
}

/* The weights as edges: width by |w|, orange for positive, blue for
 * negative, as in TensorFlow Playground. */
void
_ds_playground_draw_edges (GtkDrawingArea *area,
                           cairo_t        *cr,
                           int             width,
                           int             height,
                           gpointer        data)
{
  DsPlayground *self = data;

  edges_foreach (self, draw_edge_cb, cr);
  if (self->n_picked > 0)
    edges_foreach (self, draw_picked_cb, cr);
  g_ptr_array_set_size (self->drawn, 0);
  if (_ds_playground_numbers_shown (self))
    {
      edges_foreach (self, draw_number_cb, cr);
      _ds_playground_numbers_draw_units (self, cr);
    }
}

/* ---- picking two weights by their edges ------------------------------------ */

/* How near (px) a click must be to an edge to pick it. */
#define EDGE_HIT 6.0

typedef struct
{
  double x, y;
  double best;
  Edge   hit;
  gboolean found;
} EdgeHit;

static double
segment_distance (double px,
                  double py,
                  double ax,
                  double ay,
                  double bx,
                  double by)
{
  double dx = bx - ax, dy = by - ay, len = dx * dx + dy * dy;
  double t = len > 0 ? CLAMP (((px - ax) * dx + (py - ay) * dy) / len, 0, 1) : 0;

  return hypot (px - (ax + t * dx), py - (ay + t * dy));
}

static void
hit_cb (DsPlayground *self,
        const Edge   *e,
        gpointer      data)
{
  EdgeHit *h = data;
  double ax, ay, bx, by;

  /* The output column's edges are not on the loss surface's list. */
  if (e->id.hidden >= self->result->hidden->len)
    return;

  edge_at (e, 0, &ax, &ay);
  for (int i = 1; i <= 32; i++, ax = bx, ay = by)
    {
      double d;

      edge_at (e, i / 32.0, &bx, &by);
      d = segment_distance (h->x, h->y, ax, ay, bx, by);
      if (d < h->best)
        {
          h->best = d;
          h->hit = *e;
          h->found = TRUE;
        }
    }
}

/* The weight an edge stands for in the map's model, while the model still
 * has that edge. */
gboolean
_ds_playground_picked_ref (DsPlayground *self,
                           int           k,
                           NnWeightRef  *w)
{
  const PickedEdge *p = &self->picked[k];
  const DsMapHidden *h;
  int in = 0, units = 0;
  double max_abs;

  if (self->result == NULL || p->hidden >= self->result->hidden->len)
    return FALSE;
  h = &g_array_index (self->result->hidden, DsMapHidden, p->hidden);
  if (ds_map_job_kernel (self->result, h->layer, &in, &units, &max_abs) == NULL
      || p->in >= in || p->unit >= units)
    return FALSE;
  *w = (NnWeightRef) { h->layer, 0, (size_t) p->in * units + p->unit };
  return TRUE;
}

/* The labels of the inputs the model reads, in order, NULL-terminated. */
void
_ds_playground_active_inputs (DsPlayground *self,
                              const char   *inputs[NN_N_FEATURES + 1])
{
  int n = 0;

  for (int f = 0; f < NN_N_FEATURES; f++)
    if (gtk_toggle_button_get_active (self->feature_buttons[f]))
      inputs[n++] = feature_labels[f];
  inputs[n] = NULL;
}

void
_ds_playground_reset_picks (DsPlayground *self)
{
  self->n_picked = 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->gradient_button), FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
}

/* A first edge picks weight A, a second one weight B and the surface
 * follows them; a third starts a new pair. */
static void
pick_edge (DsPlayground *self,
           const Edge   *e)
{
  if (self->n_picked == 1 && edge_same (&self->picked[0], &e->id))
    return;
  if (self->n_picked == 1)
    self->picked[self->n_picked++] = e->id;
  else
    {
      self->picked[0] = e->id;
      self->n_picked = 1;
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->gradient_button), TRUE);
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
  if (self->n_picked == 2)
    {
      _ds_playground_surface_start (self);
      return;
    }
  {
    const char *inputs[NN_N_FEATURES + 1];
    DsSurfaceJob tmp = { .model = self->result->model };
    g_autofree char *a = NULL;
    g_autofree char *text = NULL;

    _ds_playground_active_inputs (self, inputs);
    tmp.w[0] = (NnWeightRef) { e->layer, 0, (size_t) e->id.in * e->units + e->id.unit };
    a = ds_surface_job_describe (&tmp, 0, inputs);
    text = g_strdup_printf (_("Weight A: %s\nClick another edge for weight B"), a);
    gtk_label_set_text (self->surface_caption, text);
  }
}

static gboolean
pick_at (DsPlayground *self,
         double        x,
         double        y)
{
  EdgeHit h = { x, y, EDGE_HIT };

  edges_foreach (self, hit_cb, &h);
  if (!h.found)
    return FALSE;
  pick_edge (self, &h.hit);
  return TRUE;
}

void
_ds_playground_network_pressed_cb (GtkGestureClick *gesture,
                                   int              n_press,
                                   double           x,
                                   double           y,
                                   DsPlayground    *self)
{
  graphene_point_t p;

  if (n_press != 1
      || !gtk_widget_compute_point (self->network_overlay, GTK_WIDGET (self->edges_area),
                                    &GRAPHENE_POINT_INIT (x, y), &p))
    return;
  if (pick_at (self, p.x, p.y))
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

void
_ds_playground_gradient_cb (DsPlayground *self)
{
  _ds_playground_reset_picks (self);
  _ds_playground_surface_start (self);
}

/* ---- the network ---------------------------------------------------------- */

static void
unit_enter_cb (GtkEventControllerMotion *motion,
               double                    x,
               double                    y,
               DsPlayground             *self)
{
  GtkWidget *area = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (motion));
  guint data = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (area), "ds-unit"));

  self->hover_hidden = (int) (data >> 16);
  self->hover_unit = (int) (data & 0xffff);
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

static void
unit_leave_cb (GtkEventControllerMotion *motion,
               DsPlayground             *self)
{
  self->hover_hidden = -1;
  gtk_widget_queue_draw (GTK_WIDGET (self->map_area));
}

static GtkWidget *
units_button (DsPlayground *self,
              const char   *layer,
              int           delta)
{
  GtkWidget *b = gtk_button_new_from_icon_name (delta > 0 ? "list-add-symbolic" : "list-remove-symbolic");
  g_autofree char *tip = delta > 0 ? g_strdup_printf (_("Add a unit to %s"), layer)
                                    : g_strdup_printf (_("Remove a unit from %s"), layer);

  gtk_widget_add_css_class (b, "circular");
  gtk_widget_add_css_class (b, "flat");
  gtk_widget_set_tooltip_text (b, tip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (b), GTK_ACCESSIBLE_PROPERTY_LABEL, tip, -1);
  g_object_set_data_full (G_OBJECT (b), "ds-layer", g_strdup (layer), g_free);
  g_object_set_data (G_OBJECT (b), "ds-delta", GINT_TO_POINTER (delta));
  g_signal_connect (b, "clicked", G_CALLBACK (_ds_playground_units_cb), self);
  return b;
}

static GtkWidget *
make_unit (DsPlayground *self,
           guint         index,
           const char   *name,
           int           u)
{
  GtkWidget *area = gtk_drawing_area_new ();
  g_autofree char *tip = g_strdup_printf (_("%s, unit %d: hover to see it large"), name, u + 1);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  guint data = (index << 16) | (guint) u;

  g_object_set_data (G_OBJECT (area), "ds-playground", self);
  g_object_set_data (G_OBJECT (area), "ds-unit", GUINT_TO_POINTER (data));
  gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), UNIT_SIZE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), UNIT_SIZE);
  gtk_widget_set_halign (area, GTK_ALIGN_START);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_unit, GUINT_TO_POINTER (data), NULL);
  gtk_widget_set_tooltip_text (area, tip);
  g_signal_connect (motion, "enter", G_CALLBACK (unit_enter_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (unit_leave_cb), self);
  gtk_widget_add_controller (area, motion);
  return area;
}

/* Gives a column `units` unit maps, adding or removing at its end only, so
 * the units above stay where they are. */
static void
column_set_units (DsPlayground *self,
                  GtkWidget    *column,
                  guint         index,
                  const char   *name,
                  int           units)
{
  GtkLabel *count_label = g_object_get_data (G_OBJECT (column), "ds-count");
  int have = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (column), "ds-units"));
  g_autofree char *count = g_strdup_printf (g_dngettext (NULL, "%d unit", "%d units", units), units);

  gtk_label_set_text (count_label, count);
  units = MIN (units, MAX_UNITS);
  for (; have > units; have--)
    gtk_box_remove (GTK_BOX (column), gtk_widget_get_last_child (column));
  for (; have < units; have++)
    gtk_box_append (GTK_BOX (column), make_unit (self, index, name, have));
  g_object_set_data (G_OBJECT (column), "ds-units", GINT_TO_POINTER (units));
}

static GtkWidget *
make_column (DsPlayground *self,
             const char   *name,
             gboolean      editable)
{
  GtkWidget *column = gtk_box_new (GTK_ORIENTATION_VERTICAL, UNIT_SPACING);
  GtkWidget *header = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *title = gtk_label_new (name);
  GtkWidget *count_label = gtk_label_new ("");

  gtk_widget_set_size_request (header, -1, 52);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (title), 12);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (count_label, "dim-label");
  gtk_widget_add_css_class (count_label, "caption");
  gtk_label_set_width_chars (GTK_LABEL (count_label), 9);
  gtk_label_set_xalign (GTK_LABEL (count_label), 0);
  gtk_box_append (GTK_BOX (header), title);
  if (editable)
    {
      gtk_box_append (GTK_BOX (row), units_button (self, name, -1));
      gtk_box_append (GTK_BOX (row), units_button (self, name, +1));
    }
  gtk_box_append (GTK_BOX (row), count_label);
  gtk_box_append (GTK_BOX (header), row);
  gtk_box_append (GTK_BOX (column), header);
  g_object_set_data (G_OBJECT (column), "ds-count", count_label);
  return column;
}

/* Columns for the hidden layers of the document's model (or of the map's
 * model when the playground cannot edit it), rebuilt only when the layers
 * or their sizes change, so nothing moves between two redraws. */
void
_ds_playground_rebuild_network (DsPlayground *self)
{
  NnModel *m = _ds_playground_doc_model (self);
  Chain c;
  gboolean editable = m && _ds_playground_chain_find (m, &c);
  g_autoptr(GString) key = g_string_new (editable ? "e" : "r");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) sizes = g_array_new (FALSE, FALSE, sizeof (int));
  g_autofree char *layers = NULL;

  if (editable)
    for (guint i = 0; i < c.hidden->len; i++)
      {
        int l = g_array_index (c.hidden, int, i);
        const NnValue *v = nn_model_layer_get_param (m, l, "units");
        int units = v ? v->i : 0;

        g_ptr_array_add (names, g_strdup (nn_model_layer_get_name (m, l)));
        g_array_append_val (sizes, units);
      }
  else if (self->result)
    for (guint i = 0; i < self->result->hidden->len; i++)
      {
        DsMapHidden *h = &g_array_index (self->result->hidden, DsMapHidden, i);

        g_ptr_array_add (names, g_strdup (h->name));
        g_array_append_val (sizes, h->units);
      }
  if (m)
    _ds_playground_chain_clear (&c);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (key, "|%s", (char *) names->pdata[i]);

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_layer_button), editable && names->len < MAX_HIDDEN);
  gtk_widget_set_sensitive (GTK_WIDGET (self->remove_layer_button), editable && names->len > 0);
  layers = editable
    ? g_strdup_printf (g_dngettext (NULL, "%u hidden layer", "%u hidden layers", names->len), names->len)
    : g_strdup (_("Not a plain stack of Dense layers: edit it in the Build view"));
  gtk_label_set_text (self->layers_label, layers);

  /* New columns only when the layers change; units change in place. */
  if (g_strcmp0 (key->str, self->shape_key) != 0)
    {
      g_free (self->shape_key);
      self->shape_key = g_strdup (key->str);
      for (guint i = 0; i < self->columns->len; i++)
        gtk_box_remove (self->network_box, self->columns->pdata[i]);
      g_ptr_array_set_size (self->columns, 0);
      self->hover_hidden = -1;
      for (guint i = 0; i < names->len; i++)
        {
          GtkWidget *column = make_column (self, names->pdata[i], editable);

          gtk_box_append (self->network_box, column);
          g_ptr_array_add (self->columns, column);
        }
    }
  g_ptr_array_set_size (self->unit_areas, 0);
  for (guint i = 0; i < names->len; i++)
    {
      GtkWidget *column = self->columns->pdata[i];

      column_set_units (self, column, i, names->pdata[i], g_array_index (sizes, int, i));
      for (GtkWidget *c = gtk_widget_get_next_sibling (gtk_widget_get_first_child (column)); c;
           c = gtk_widget_get_next_sibling (c))
        {
          g_ptr_array_add (self->unit_areas, c);
          gtk_widget_queue_draw (c);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->edges_area));
}

/* A feature's value over the plane, faded while the model does not read
 * it. */
static void
draw_feature (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsPlayground *self = g_object_get_data (G_OBJECT (area), "ds-playground");
  NnFeature f = GPOINTER_TO_INT (data);
  cairo_surface_t *s = NULL;

  if (self && self->x1 > self->x0 && self->y1 > self->y0)
    s = ds_map_paint_feature (f, self->x0, self->x1, self->y0, self->y1);
  if (s == NULL)
    {
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_set_source_rgb (cr, 0.96, 0.96, 0.96);
      cairo_fill (cr);
    }
  else
    {
      cairo_push_group (cr);
      _ds_playground_paint_surface (cr, s, DS_UNIT_RES, width, height);
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, gtk_toggle_button_get_active (self->feature_buttons[f]) ? 1 : 0.3);
      cairo_surface_destroy (s);
    }
  cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
  cairo_set_source_rgba (cr, 0, 0, 0, 0.15);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
}

/* Each feature's toggle, with its map beside it (the edges start there). */
void
_ds_playground_build_features (DsPlayground *self)
{
  /* One width for every toggle, so the maps stand in one column. */
  g_autoptr(GtkSizeGroup) group = gtk_size_group_new (GTK_SIZE_GROUP_HORIZONTAL);

  for (int f = 0; f < NN_N_FEATURES; f++)
    {
      GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *b = gtk_toggle_button_new_with_label (feature_labels[f]);
      GtkWidget *area = gtk_drawing_area_new ();
      g_autofree char *tip = g_strdup_printf (_("Feed %s to the model (dataset option features=%s)"),
                                              feature_labels[f], nn_feature_name (f));
      g_autofree char *map_tip = g_strdup_printf (_("%s over the plane: orange above zero, blue below"),
                                                  feature_labels[f]);

      gtk_widget_set_size_request (b, 64, UNIT_SIZE);
      gtk_size_group_add_widget (group, b);
      gtk_widget_set_tooltip_text (b, tip);
      gtk_widget_set_halign (row, GTK_ALIGN_START);
      g_signal_connect (b, "toggled", G_CALLBACK (_ds_playground_feature_toggled_cb), self);
      g_object_set_data (G_OBJECT (area), "ds-playground", self);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (area), UNIT_SIZE);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (area), draw_feature, GINT_TO_POINTER (f), NULL);
      gtk_widget_set_tooltip_text (area, map_tip);
      gtk_accessible_update_property (GTK_ACCESSIBLE (area), GTK_ACCESSIBLE_PROPERTY_LABEL, map_tip, -1);
      g_signal_connect_swapped (b, "toggled", G_CALLBACK (gtk_widget_queue_draw), area);
      gtk_box_append (GTK_BOX (row), b);
      gtk_box_append (GTK_BOX (row), area);
      gtk_box_append (self->features_box, row);
      self->feature_buttons[f] = GTK_TOGGLE_BUTTON (b);
      self->feature_maps[f] = area;
    }
}

int
ds_playground_get_picked (DsPlayground *self,
                          NnWeightRef   w[2])
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), 0);
  for (int k = 0; k < self->n_picked; k++)
    if (!_ds_playground_picked_ref (self, k, &w[k]))
      return k;
  return self->n_picked;
}

typedef struct
{
  PickedEdge id;
  double     t;
  double     x, y;
  gboolean   found;
} EdgeFind;

static void
find_cb (DsPlayground *self,
         const Edge   *e,
         gpointer      data)
{
  EdgeFind *f = data;

  if (!f->found && edge_same (&f->id, &e->id))
    {
      edge_at (e, f->t, &f->x, &f->y);
      f->found = TRUE;
    }
}

gboolean
ds_playground_get_edge_point (DsPlayground *self,
                              guint         hidden,
                              int           in,
                              int           unit,
                              double        t,
                              double       *x,
                              double       *y)
{
  EdgeFind f = { { hidden, in, unit }, t };

  g_return_val_if_fail (DS_IS_PLAYGROUND (self), FALSE);
  edges_foreach (self, find_cb, &f);
  *x = f.x;
  *y = f.y;
  return f.found;
}

GtkWidget *
ds_playground_get_feature_map (DsPlayground *self,
                               NnFeature     feature)
{
  g_return_val_if_fail (DS_IS_PLAYGROUND (self), NULL);
  g_return_val_if_fail (feature < NN_N_FEATURES, NULL);
  return self->feature_maps[feature];
}
