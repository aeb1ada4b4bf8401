/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "ds-graph-scene.h"
#include "ds-util.h"

#define PAD          12.0
#define STRIP         5.0
#define RADIUS        9.0
#define NAME_Y        9.0
#define TYPE_Y       27.0
#define SHAPE_Y      46.0
#define PARAMS_Y     64.0

struct _DsScene
{
  GArray       *nodes;   /* DsSceneNode */
  GArray       *edges;   /* DsSceneEdge */
  PangoContext *context;
};

void
ds_scene_style_init (DsSceneStyle *s,
                     gboolean      dark)
{
  /* libadwaita's own colours, so the canvas sits well in both styles. */
  if (dark)
    {
      gdk_rgba_parse (&s->background, "#242424");
      gdk_rgba_parse (&s->grid, "rgba(255,255,255,0.09)");
      gdk_rgba_parse (&s->card, "#383838");
      gdk_rgba_parse (&s->card_border, "rgba(255,255,255,0.10)");
      gdk_rgba_parse (&s->shadow, "rgba(0,0,0,0.45)");
      gdk_rgba_parse (&s->fg, "#ffffff");
      gdk_rgba_parse (&s->dim, "rgba(255,255,255,0.60)");
      gdk_rgba_parse (&s->accent, "#78aeed");
      gdk_rgba_parse (&s->error, "#ff7b63");
      gdk_rgba_parse (&s->error_bg, "#4d2a2a");
      gdk_rgba_parse (&s->edge, "rgba(255,255,255,0.45)");
      gdk_rgba_parse (&s->label_bg, "#303030");
    }
  else
    {
      gdk_rgba_parse (&s->background, "#f6f5f4");
      gdk_rgba_parse (&s->grid, "rgba(0,0,0,0.10)");
      gdk_rgba_parse (&s->card, "#ffffff");
      gdk_rgba_parse (&s->card_border, "rgba(0,0,0,0.14)");
      gdk_rgba_parse (&s->shadow, "rgba(0,0,0,0.10)");
      gdk_rgba_parse (&s->fg, "rgba(0,0,0,0.85)");
      gdk_rgba_parse (&s->dim, "rgba(0,0,0,0.55)");
      gdk_rgba_parse (&s->accent, "#3584e4");
      gdk_rgba_parse (&s->error, "#c01c28");
      gdk_rgba_parse (&s->error_bg, "#fbe1e1");
      gdk_rgba_parse (&s->edge, "rgba(0,0,0,0.40)");
      gdk_rgba_parse (&s->label_bg, "#ffffff");
    }
}

void
ds_scene_overlay_init (DsSceneOverlay *ov)
{
  memset (ov, 0, sizeof *ov);
  ov->connect_src = -1;
  ov->connect_target = -1;
  ov->hover_port = -1;
  ov->focus_node = -1;
}

static void
node_clear (gpointer data)
{
  DsSceneNode *n = data;

  g_free (n->name);
  g_free (n->type_name);
  g_free (n->shape_text);
  g_free (n->params_text);
  g_free (n->error);
  g_clear_object (&n->name_layout);
  g_clear_object (&n->type_layout);
  g_clear_object (&n->shape_layout);
  g_clear_object (&n->params_layout);
}

static void
edge_clear (gpointer data)
{
  DsSceneEdge *e = data;

  g_free (e->label);
  g_clear_object (&e->label_layout);
}

static char *
shape_text (int ndim,
            const int *shape)
{
  GString *s = g_string_new ("(");

  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %d" : "%d", shape[i]);
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

static PangoLayout *
make_layout (PangoContext *context,
             const char   *text,
             const char   *font,
             double        width,
             gboolean      bold)
{
  PangoLayout *layout = pango_layout_new (context);
  PangoFontDescription *desc = pango_font_description_from_string (font);

  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_single_paragraph_mode (layout, TRUE);
  if (width > 0)
    {
      pango_layout_set_width (layout, (int) (width * PANGO_SCALE));
      pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
    }
  return layout;
}

DsScene *
ds_scene_new (NnModel      *model,
              PangoContext *context)
{
  DsScene *scene = g_new0 (DsScene, 1);
  int n = nn_model_get_n_layers (model);

  scene->nodes = g_array_sized_new (FALSE, TRUE, sizeof (DsSceneNode), n);
  g_array_set_clear_func (scene->nodes, node_clear);
  scene->edges = g_array_new (FALSE, TRUE, sizeof (DsSceneEdge));
  g_array_set_clear_func (scene->edges, edge_clear);
  scene->context = g_object_ref (context);

  for (int i = 0; i < n; i++)
    {
      DsSceneNode node = { 0 };
      const NnLayerType *type = nn_model_layer_get_type (model, i);
      const char *error = nn_model_layer_get_error (model, i);
      int ndim, shape[NN_MAX_DIMS];

      node.layer = i;
      node.name = g_strdup (nn_model_layer_get_name (model, i));
      node.type_name = g_strdup (type ? nn_layer_type_get_name (type) : "?");
      node.group = type ? nn_layer_type_get_group (type) : NN_GROUP_MODEL;
      node.max_inputs = type ? nn_layer_type_get_max_inputs (type) : 1;
      node.error = g_strdup (error);
      nn_model_layer_get_position (model, i, &node.x, &node.y);

      if (nn_model_layer_get_n_calls (model, i) > 0
          && nn_model_get_shape (model, (NnRef) { i, 0 }, &ndim, shape))
        node.shape_text = shape_text (ndim, shape);

      if (error == NULL && node.shape_text != NULL)
        {
          gint64 count = nn_model_layer_count_params (model, i);
          g_autofree char *c = ds_format_count (count);

          node.params_text = count == 0 ? g_strdup ("no weights")
                           : count == 1 ? g_strdup ("1 param")
                           : g_strdup_printf ("%s params", c);
        }
      else
        node.params_text = g_strdup (error ? "hover for details" : "not connected");

      node.name_layout = make_layout (context, node.name, "Sans 10",
                                      DS_NODE_WIDTH - 2 * PAD - STRIP, TRUE);
      node.type_layout = make_layout (context, node.type_name, "Sans 8.5",
                                      DS_NODE_WIDTH - 2 * PAD - STRIP, FALSE);
      node.shape_layout = make_layout (context,
                                       error ? "shape error" : node.shape_text ? node.shape_text : "—",
                                       error ? "Sans Bold 9" : "Monospace 9",
                                       DS_NODE_WIDTH - 2 * PAD - STRIP, FALSE);
      node.params_layout = make_layout (context, node.params_text, "Sans 8.5",
                                        DS_NODE_WIDTH - 2 * PAD - STRIP, FALSE);
      g_array_append_val (scene->nodes, node);
    }

  for (int dst = 0; dst < n; dst++)
    {
      int n_calls = nn_model_layer_get_n_calls (model, dst);

      for (int c = 0; c < n_calls; c++)
        {
          int n_in = nn_model_call_get_n_inputs (model, dst, c);

          for (int s = 0; s < n_in; s++)
            {
              NnRef ref = nn_model_call_get_input (model, dst, c, s);
              DsSceneEdge e = { 0 };
              int ndim, shape[NN_MAX_DIMS];

              if (ref.layer < 0 || ref.layer >= n)
                continue;
              e.src = ref.layer;
              e.dst = dst;
              e.call = c;
              e.slot = s;
              e.n_slots = n_in;
              if (nn_model_get_shape (model, ref, &ndim, shape))
                {
                  e.label = shape_text (ndim, shape);
                  e.label_layout = make_layout (context, e.label, "Monospace 7.5", -1, FALSE);
                }
              g_array_append_val (scene->edges, e);
            }
        }
    }
  return scene;
}

void
ds_scene_free (DsScene *scene)
{
  if (scene == NULL)
    return;
  g_array_unref (scene->nodes);
  g_array_unref (scene->edges);
  g_object_unref (scene->context);
  g_free (scene);
}

int
ds_scene_get_n_nodes (const DsScene *scene)
{
  return scene->nodes->len;
}

DsSceneNode *
ds_scene_get_node (DsScene *scene,
                   int      i)
{
  g_return_val_if_fail (i >= 0 && (guint) i < scene->nodes->len, NULL);
  return &g_array_index (scene->nodes, DsSceneNode, i);
}

int
ds_scene_get_n_edges (const DsScene *scene)
{
  return scene->edges->len;
}

DsSceneEdge *
ds_scene_get_edge (DsScene *scene,
                   int      i)
{
  g_return_val_if_fail (i >= 0 && (guint) i < scene->edges->len, NULL);
  return &g_array_index (scene->edges, DsSceneEdge, i);
}

int
ds_scene_find_layer (const DsScene *scene,
                     int            layer)
{
  /* Nodes are made in layer order, one per layer. */
  if (layer >= 0 && (guint) layer < scene->nodes->len)
    return layer;
  return -1;
}

void
ds_scene_output_port (const DsSceneNode *node,
                      double            *x,
                      double            *y)
{
  *x = node->x + DS_NODE_WIDTH;
  *y = node->y + DS_NODE_HEIGHT / 2;
}

void
ds_scene_input_port (const DsSceneNode *node,
                     int                slot,
                     int                n_slots,
                     double            *x,
                     double            *y)
{
  /* Several inputs enter one above the other, in slot order, so a merge
   * layer shows which input is first. */
  *x = node->x;
  if (n_slots <= 1)
    *y = node->y + DS_NODE_HEIGHT / 2;
  else
    *y = node->y + DS_NODE_HEIGHT * (slot + 1) / (n_slots + 1);
}

gboolean
ds_scene_get_bounds (const DsScene *scene,
                     double        *x0,
                     double        *y0,
                     double        *x1,
                     double        *y1)
{
  if (scene == NULL || scene->nodes->len == 0)
    return FALSE;
  *x0 = *y0 = G_MAXDOUBLE;
  *x1 = *y1 = -G_MAXDOUBLE;
  for (guint i = 0; i < scene->nodes->len; i++)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);

      *x0 = MIN (*x0, n->x);
      *y0 = MIN (*y0, n->y);
      *x1 = MAX (*x1, n->x + DS_NODE_WIDTH);
      *y1 = MAX (*y1, n->y + DS_NODE_HEIGHT);
    }
  return TRUE;
}

/* ---- hit tests --------------------------------------------------------- */

int
ds_scene_hit_node (const DsScene *scene,
                   double         x,
                   double         y)
{
  /* Last drawn is on top, so search backwards. */
  for (int i = (int) scene->nodes->len - 1; i >= 0; i--)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);

      if (x >= n->x && x <= n->x + DS_NODE_WIDTH && y >= n->y && y <= n->y + DS_NODE_HEIGHT)
        return i;
    }
  return -1;
}

int
ds_scene_hit_output_port (const DsScene *scene,
                          double         x,
                          double         y,
                          double         radius)
{
  for (int i = (int) scene->nodes->len - 1; i >= 0; i--)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);
      double px, py;

      ds_scene_output_port (n, &px, &py);
      if ((x - px) * (x - px) + (y - py) * (y - py) <= radius * radius)
        return i;
    }
  return -1;
}

static void
edge_geometry (const DsScene     *scene,
               const DsSceneEdge *e,
               double             p[8])
{
  const DsSceneNode *s = &g_array_index (scene->nodes, DsSceneNode, e->src);
  const DsSceneNode *d = &g_array_index (scene->nodes, DsSceneNode, e->dst);
  double dx;

  ds_scene_output_port (s, &p[0], &p[1]);
  ds_scene_input_port (d, e->slot, e->n_slots, &p[6], &p[7]);
  /* Horizontal tangents at both ends; longer ones when the edge runs
   * backwards so that it loops around instead of crossing the nodes. */
  dx = fabs (p[6] - p[0]) / 2;
  if (p[6] < p[0] + 20)
    dx = MAX (dx, 80);
  dx = MAX (dx, 30);
  p[2] = p[0] + dx;
  p[3] = p[1];
  p[4] = p[6] - dx;
  p[5] = p[7];
}

static void
bezier_point (const double p[8],
              double       t,
              double      *x,
              double      *y)
{
  double u = 1 - t;
  double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;

  *x = a * p[0] + b * p[2] + c * p[4] + d * p[6];
  *y = a * p[1] + b * p[3] + c * p[5] + d * p[7];
}

int
ds_scene_hit_edge (const DsScene *scene,
                   double         x,
                   double         y,
                   double         tolerance)
{
  int best = -1;
  double best_d2 = tolerance * tolerance;

  for (guint i = 0; i < scene->edges->len; i++)
    {
      const DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
      double p[8], px, py, qx, qy;

      edge_geometry (scene, e, p);
      bezier_point (p, 0, &px, &py);
      /* Distance to a 24-segment polyline along the curve. */
      for (int k = 1; k <= 24; k++)
        {
          double vx, vy, len2, t, cx, cy, d2;

          bezier_point (p, k / 24.0, &qx, &qy);
          vx = qx - px;
          vy = qy - py;
          len2 = vx * vx + vy * vy;
          t = len2 > 0 ? ((x - px) * vx + (y - py) * vy) / len2 : 0;
          t = CLAMP (t, 0, 1);
          cx = px + t * vx - x;
          cy = py + t * vy - y;
          d2 = cx * cx + cy * cy;
          if (d2 < best_d2)
            {
              best_d2 = d2;
              best = i;
            }
          px = qx;
          py = qy;
        }
    }
  return best;
}

/* ---- drawing ----------------------------------------------------------- */

static void
set_rgba (cairo_t       *cr,
          const GdkRGBA *c)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha);
}

static void
rounded_rect (cairo_t *cr,
              double   x,
              double   y,
              double   w,
              double   h,
              double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
draw_grid (cairo_t            *cr,
           int                 width,
           int                 height,
           double              zoom,
           double              off_x,
           double              off_y,
           const DsSceneStyle *style)
{
  double step = 24 * zoom;
  double x0, y0, dot;

  set_rgba (cr, &style->background);
  cairo_paint (cr);
  /* Dots closer than 10 px turn into noise: double the spacing until not. */
  while (step < 10)
    step *= 2;
  x0 = fmod (off_x, step);
  y0 = fmod (off_y, step);
  if (x0 < 0)
    x0 += step;
  if (y0 < 0)
    y0 += step;
  dot = CLAMP (1.5 * zoom, 1, 2);
  set_rgba (cr, &style->grid);
  for (double y = y0; y < height; y += step)
    for (double x = x0; x < width; x += step)
      cairo_rectangle (cr, floor (x), floor (y), dot, dot);
  cairo_fill (cr);
}

static void
draw_arrow_head (cairo_t *cr,
                 double   x,
                 double   y)
{
  /* Points right, into the input port at (x, y). */
  cairo_move_to (cr, x - 1, y);
  cairo_line_to (cr, x - 9, y - 4.5);
  cairo_line_to (cr, x - 9, y + 4.5);
  cairo_close_path (cr);
  cairo_fill (cr);
}

static void
draw_edges (DsScene            *scene,
            cairo_t            *cr,
            double              vx0,
            double              vy0,
            double              vx1,
            double              vy1,
            double              zoom,
            const DsSceneStyle *style)
{
  for (guint i = 0; i < scene->edges->len; i++)
    {
      DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
      double p[8];
      double bx0, by0, bx1, by1;

      edge_geometry (scene, e, p);
      /* The curve lies in the hull of its control points. */
      bx0 = MIN (MIN (p[0], p[2]), MIN (p[4], p[6]));
      bx1 = MAX (MAX (p[0], p[2]), MAX (p[4], p[6]));
      by0 = MIN (MIN (p[1], p[3]), MIN (p[5], p[7]));
      by1 = MAX (MAX (p[1], p[3]), MAX (p[5], p[7]));
      if (bx1 < vx0 || bx0 > vx1 || by1 < vy0 || by0 > vy1)
        continue;

      set_rgba (cr, e->selected ? &style->accent : &style->edge);
      cairo_set_line_width (cr, e->selected ? 3 : 1.75);
      cairo_move_to (cr, p[0], p[1]);
      cairo_curve_to (cr, p[2], p[3], p[4], p[5], p[6] - 8, p[7]);
      cairo_stroke (cr);
      draw_arrow_head (cr, p[6], p[7]);
    }

  if (zoom < 0.45)
    return;

  for (guint i = 0; i < scene->edges->len; i++)
    {
      DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
      double p[8], mx, my;
      int lw, lh;

      if (e->label_layout == NULL)
        continue;
      edge_geometry (scene, e, p);
      bezier_point (p, 0.5, &mx, &my);
      if (mx < vx0 - 100 || mx > vx1 + 100 || my < vy0 - 20 || my > vy1 + 20)
        continue;
      pango_layout_get_pixel_size (e->label_layout, &lw, &lh);
      rounded_rect (cr, mx - lw / 2.0 - 6, my - lh / 2.0 - 2, lw + 12, lh + 4, (lh + 4) / 2.0);
      set_rgba (cr, &style->label_bg);
      cairo_fill_preserve (cr);
      set_rgba (cr, e->selected ? &style->accent : &style->card_border);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      set_rgba (cr, &style->dim);
      cairo_move_to (cr, mx - lw / 2.0, my - lh / 2.0);
      pango_cairo_show_layout (cr, e->label_layout);
    }
}

static void
draw_port (cairo_t            *cr,
           double              x,
           double              y,
           const GdkRGBA      *ring,
           gboolean            filled,
           const DsSceneStyle *style)
{
  cairo_new_path (cr);
  cairo_arc (cr, x, y, DS_PORT_RADIUS, 0, 2 * G_PI);
  set_rgba (cr, filled ? ring : &style->card);
  cairo_fill_preserve (cr);
  set_rgba (cr, ring);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static void
draw_node (cairo_t              *cr,
           const DsSceneNode    *n,
           int                   index,
           double                zoom,
           const DsSceneStyle   *style,
           const DsSceneOverlay *ov)
{
  GdkRGBA group;
  const double x = n->x, y = n->y, w = DS_NODE_WIDTH, h = DS_NODE_HEIGHT;
  gboolean err = n->error != NULL;

  ds_group_color (n->group, &group);

  /* Soft two-step shadow: cheaper than a blur and enough at this size. */
  set_rgba (cr, &style->shadow);
  rounded_rect (cr, x, y + 2, w, h, RADIUS);
  cairo_fill (cr);
  rounded_rect (cr, x - 0.5, y + 0.5, w + 1, h + 1, RADIUS);
  cairo_fill (cr);

  rounded_rect (cr, x, y, w, h, RADIUS);
  set_rgba (cr, err ? &style->error_bg : &style->card);
  cairo_fill_preserve (cr);
  /* Group colour strip along the left edge, clipped to the card. */
  cairo_save (cr);
  cairo_clip_preserve (cr);
  cairo_new_path (cr);
  cairo_rectangle (cr, x, y, STRIP, h);
  set_rgba (cr, err ? &style->error : &group);
  cairo_fill (cr);
  cairo_restore (cr);

  rounded_rect (cr, x + 0.5, y + 0.5, w - 1, h - 1, RADIUS - 0.5);
  if (err)
    {
      set_rgba (cr, &style->error);
      cairo_set_line_width (cr, 2);
    }
  else
    {
      set_rgba (cr, &style->card_border);
      cairo_set_line_width (cr, 1);
    }
  cairo_stroke (cr);

  if (n->selected || ov->connect_target == index || ov->focus_node == index)
    {
      rounded_rect (cr, x - 3.5, y - 3.5, w + 7, h + 7, RADIUS + 3);
      set_rgba (cr, &style->accent);
      cairo_set_line_width (cr, n->selected || ov->connect_target == index ? 2.5 : 1.5);
      if (!n->selected && ov->connect_target != index)
        cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }

  /* Texts; below ~0.3 they would be unreadable, so only the card shows. */
  if (zoom >= 0.3)
    {
      const double tx = x + STRIP + PAD;

      set_rgba (cr, err ? &style->error : &style->fg);
      cairo_move_to (cr, tx, y + NAME_Y);
      pango_cairo_show_layout (cr, n->name_layout);
      if (zoom >= 0.45)
        {
          set_rgba (cr, &style->dim);
          cairo_move_to (cr, tx, y + TYPE_Y);
          pango_cairo_show_layout (cr, n->type_layout);

          set_rgba (cr, err ? &style->error : &style->fg);
          cairo_move_to (cr, tx, y + SHAPE_Y);
          pango_cairo_show_layout (cr, n->shape_layout);

          set_rgba (cr, &style->dim);
          cairo_move_to (cr, tx, y + PARAMS_Y);
          pango_cairo_show_layout (cr, n->params_layout);
        }
    }

  {
    double px, py;

    if (n->max_inputs != 0)
      {
        ds_scene_input_port (n, 0, 1, &px, &py);
        draw_port (cr, px, py, err ? &style->error : &group, FALSE, style);
      }
    ds_scene_output_port (n, &px, &py);
    draw_port (cr, px, py, &group, ov->hover_port == index || ov->connect_src == index, style);
  }
}

void
ds_scene_render (DsScene              *scene,
                 cairo_t              *cr,
                 int                   width,
                 int                   height,
                 double                zoom,
                 double                off_x,
                 double                off_y,
                 const DsSceneStyle   *style,
                 const DsSceneOverlay *ov)
{
  DsSceneOverlay none;
  double vx0, vy0, vx1, vy1;

  if (ov == NULL)
    {
      ds_scene_overlay_init (&none);
      ov = &none;
    }

  cairo_save (cr);
  draw_grid (cr, width, height, zoom, off_x, off_y, style);

  cairo_translate (cr, off_x, off_y);
  cairo_scale (cr, zoom, zoom);
  /* Visible area in model units, for culling. */
  vx0 = -off_x / zoom;
  vy0 = -off_y / zoom;
  vx1 = (width - off_x) / zoom;
  vy1 = (height - off_y) / zoom;

  draw_edges (scene, cr, vx0, vy0, vx1, vy1, zoom, style);

  for (guint i = 0; i < scene->nodes->len; i++)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);

      if (n->x + DS_NODE_WIDTH + 12 < vx0 || n->x - 12 > vx1
          || n->y + DS_NODE_HEIGHT + 12 < vy0 || n->y - 12 > vy1)
        continue;
      draw_node (cr, n, i, zoom, style, ov);
    }

  if (ov->connecting && ov->connect_src >= 0 && (guint) ov->connect_src < scene->nodes->len)
    {
      const DsSceneNode *s = &g_array_index (scene->nodes, DsSceneNode, ov->connect_src);
      double sx, sy, dx;

      ds_scene_output_port (s, &sx, &sy);
      dx = MAX (30, fabs (ov->connect_x - sx) / 2);
      set_rgba (cr, &style->accent);
      cairo_set_line_width (cr, 2.5);
      cairo_set_dash (cr, (double[]) { 6, 4 }, 2, 0);
      cairo_move_to (cr, sx, sy);
      cairo_curve_to (cr, sx + dx, sy, ov->connect_x - dx, ov->connect_y,
                      ov->connect_x, ov->connect_y);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
      cairo_new_path (cr);
      cairo_arc (cr, ov->connect_x, ov->connect_y, 4, 0, 2 * G_PI);
      cairo_fill (cr);
    }

  if (ov->rubber_band)
    {
      double x = MIN (ov->rb_x0, ov->rb_x1), y = MIN (ov->rb_y0, ov->rb_y1);
      double w = fabs (ov->rb_x1 - ov->rb_x0), h = fabs (ov->rb_y1 - ov->rb_y0);
      GdkRGBA fill = style->accent;

      fill.alpha = 0.15;
      cairo_rectangle (cr, x, y, w, h);
      set_rgba (cr, &fill);
      cairo_fill_preserve (cr);
      set_rgba (cr, &style->accent);
      cairo_set_line_width (cr, 1 / zoom);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}
