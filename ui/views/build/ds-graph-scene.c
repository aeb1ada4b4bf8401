/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>
#include <glib/gi18n.h>

#include "ds-graph-scene-private.h"
#include "ds-colors.h"
#include "ds-util.h"

#define PAD          10.0
#define STRIP         5.0
#define RADIUS        9.0
#define NAME_Y        9.0
#define META_Y       27.0
#define SHAPE_Y      45.0
/* Below DETAIL_ZOOM only names are drawn (smaller text is unreadable), and
 * below NAME_ZOOM no text at all. */
#define DETAIL_ZOOM   0.5
#define NAME_ZOOM     0.3

/* Node cards (shadow, background, group strip, ports, border) are drawn
 * once per kind into small images at the current scale and then copied for
 * each node: a copy is much cheaper than filling antialiased rounded shapes
 * 200 times a frame. Kinds: each group and the error look, with or without
 * an input port. */
#define SPRITE_MARGIN 8.0
/* Up to this scale each node (and each edge label) also keeps its whole
 * drawing, texts included, as an image: panning and dragging then only copy
 * images. Above it few nodes fit on screen and memory would grow with the
 * square of the scale. */
#define MAX_SPRITE_SCALE 1.25
#define N_KINDS (NN_N_GROUPS + 1)

struct _DsScene
{
  GArray          *nodes;   /* DsSceneNode */
  GArray          *edges;   /* DsSceneEdge */
  PangoContext    *context;
  cairo_surface_t *sprites[2][N_KINDS];
  double           sprite_scale;   /* device pixels per model unit of all images */
  DsSceneStyle     sprite_style;
  gboolean         want_exact;     /* redraw images that are at another scale */
  GHashTable      *labels;         /* edge label text -> LabelImage: many edges carry the same shape */
  int              budget;         /* images that may still be redrawn this frame */
  gboolean         incomplete;     /* some image was left magnified */
};

typedef struct
{
  cairo_surface_t *image;
  double           scale;
  int              ref_count;
} LabelImage;

static LabelImage *
label_image_ref (LabelImage *li)
{
  li->ref_count++;
  return li;
}

static void
label_image_unref (gpointer data)
{
  LabelImage *li = data;

  if (--li->ref_count > 0)
    return;
  g_clear_pointer (&li->image, cairo_surface_destroy);
  g_free (li);
}

/* Images redrawn per frame at most: about 3 ms of work, so that a frame
 * that sharpens stays well inside 16.7 ms. */
#define IMAGES_PER_FRAME 24

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
  ov->connect_src_out = 0;
  ov->connect_slot = -1;
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
  g_free (n->activation);
  g_strfreev (n->state_names);
  g_clear_object (&n->act_layout);
  g_clear_object (&n->name_layout);
  g_clear_object (&n->type_layout);
  g_clear_object (&n->shape_layout);
  g_clear_object (&n->params_layout);
  g_clear_pointer ((cairo_surface_t **) &n->sprite, cairo_surface_destroy);
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

/* "28×28×1": edge labels must fit between nodes. */
static char *
compact_shape_text (int        ndim,
                    const int *shape)
{
  GString *s = g_string_new (NULL);

  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? "×%d" : "%d", shape[i]);
  return g_string_free (s, FALSE);
}

/* "5,130" but "18.5k" and "1.2M": a node has little room. */
static char *
compact_count (gint64 n)
{
  if (n < 10000)
    return ds_format_count (n);
  if (n < 1000000)
    return g_strdup_printf (n < 100000 ? "%.1fk" : "%.0fk", n / 1e3);
  return g_strdup_printf ("%.1fM", n / 1e6);
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

/* A recurrent layer's states' names, NULL-terminated, or NULL. */
static char **
state_names (NnModel *model,
             int      layer)
{
  GPtrArray *names = g_ptr_array_new ();
  const char *name;

  for (int k = 0; (name = nn_model_layer_get_state_name (model, layer, k)); k++)
    g_ptr_array_add (names, g_strdup (name));
  if (names->len == 0)
    {
      g_ptr_array_free (names, TRUE);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  return (char **) g_ptr_array_free (names, FALSE);
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
  scene->labels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, label_image_unref);

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
      node.n_outputs = type ? nn_model_layer_get_n_outputs (model, i) : 1;
      node.n_in_slots = nn_model_layer_get_n_calls (model, i) > 0
                        ? nn_model_call_get_n_inputs (model, i, 0) : 0;
      node.state_names = state_names (model, i);
      node.error = g_strdup (error);
      nn_model_layer_get_position (model, i, &node.x, &node.y);

      if (nn_model_layer_get_n_calls (model, i) > 0
          && nn_model_get_shape (model, (NnRef) { i, 0 }, &ndim, shape))
        node.shape_text = shape_text (ndim, shape);

      if (error == NULL && node.shape_text != NULL)
        {
          gint64 count = nn_model_layer_count_params (model, i);
          g_autofree char *c = compact_count (count);

          /* The plural follows the count, not its compact text. */
          node.params_text = count == 0 ? g_strdup (_("no weights"))
                           : g_strdup_printf (g_dngettext (NULL, "%s param", "%s params",
                                                           (gulong) MIN (count, G_MAXLONG)), c);
        }
      else
        node.params_text = g_strdup (error ? _("hover for details") : _("not connected"));

      /* What a layer computes at its end shows on it: a course talks
       * about relu and softmax as much as about shapes. */
      for (guint k = 0; type && k < nn_layer_type_get_n_params (type); k++)
        if (g_str_equal (nn_layer_type_get_param (type, k)->name, "activation"))
          node.activation = nn_model_layer_dup_param_text (model, i, "activation");

      node.name_layout = make_layout (context, node.name, "Sans 10",
                                      DS_NODE_WIDTH - 2 * PAD - STRIP, TRUE);
      {
        /* "Dense · 5,130 params": one layout instead of two; a layer
         * without weights shows only its type. */
        g_autofree char *meta = node.error == NULL && g_strcmp0 (node.params_text, "no weights") == 0
                                ? g_strdup (node.type_name)
                                : g_strdup_printf ("%s · %s", node.type_name, node.params_text);

        node.type_layout = make_layout (context, meta, "Sans 8.5",
                                        DS_NODE_WIDTH - 2 * PAD - STRIP, FALSE);
      }
      {
        double shape_w = DS_NODE_WIDTH - 2 * PAD - STRIP;

        if (node.activation)
          {
            int aw;

            node.act_layout = make_layout (context, node.activation, "Sans Bold 8.5",
                                           shape_w / 2, FALSE);
            pango_layout_get_pixel_size (node.act_layout, &aw, NULL);
            shape_w -= aw + 6;
          }
        node.shape_layout = make_layout (context,
                                         error ? _("shape error") : node.shape_text ? node.shape_text : "—",
                                         error ? "Sans Bold 9" : "Monospace 9", shape_w, FALSE);
      }
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
              e.src_out = ref.out;
              e.dst = dst;
              e.call = c;
              e.slot = s;
              e.n_slots = n_in;
              if (nn_model_get_shape (model, ref, &ndim, shape))
                {
                  e.label = compact_shape_text (ndim, shape);
                  e.label_layout = make_layout (context, e.label, "Monospace 8.5", -1, FALSE);
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
  g_hash_table_unref (scene->labels);
  for (int i = 0; i < 2; i++)
    for (int k = 0; k < N_KINDS; k++)
      g_clear_pointer (&scene->sprites[i][k], cairo_surface_destroy);
  g_free (scene);
}

void
ds_scene_sharpen (DsScene *scene)
{
  scene->want_exact = TRUE;
}

static gboolean
same_look (const DsSceneNode *a,
           const DsSceneNode *b)
{
  return g_strcmp0 (a->name, b->name) == 0 && g_strcmp0 (a->type_name, b->type_name) == 0
         && g_strcmp0 (a->shape_text, b->shape_text) == 0
         && g_strcmp0 (a->params_text, b->params_text) == 0
         && g_strcmp0 (a->error, b->error) == 0
         && g_strcmp0 (a->activation, b->activation) == 0
         && a->group == b->group && a->max_inputs == b->max_inputs;
}

void
ds_scene_adopt_images (DsScene *scene,
                       DsScene *old)
{
  g_autoptr(GHashTable) by_name = NULL;

  if (old == NULL || old->sprite_scale <= 0)
    return;
  /* The kind cards are not taken: they are cheap, and are keyed by scale. */
  scene->sprite_scale = old->sprite_scale;
  scene->sprite_style = old->sprite_style;
  scene->want_exact = old->want_exact;

  /* Unchanged nodes keep their images: after an edit only what changed is
   * drawn again. */
  by_name = g_hash_table_new (g_str_hash, g_str_equal);
  for (guint i = 0; i < old->nodes->len; i++)
    {
      DsSceneNode *n = &g_array_index (old->nodes, DsSceneNode, i);
      g_hash_table_insert (by_name, n->name, n);
    }
  for (guint i = 0; i < scene->nodes->len; i++)
    {
      DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);
      DsSceneNode *o = g_hash_table_lookup (by_name, n->name);

      if (o && o->sprite && same_look (n, o))
        {
          n->sprite = g_steal_pointer (&o->sprite);
          n->sprite_scale = o->sprite_scale;
        }
    }
  {
    GHashTableIter iter;
    gpointer key, value;

    g_hash_table_iter_init (&iter, old->labels);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_hash_table_insert (scene->labels, g_strdup (key), label_image_ref (value));
  }
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

double
ds_scene_min_text_px (const DsScene *scene,
                      double         zoom)
{
  double res = pango_cairo_context_get_resolution (scene->context);
  double min = G_MAXDOUBLE;

  if (res <= 0)
    res = 96;
  for (guint i = 0; i < scene->nodes->len; i++)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);
      PangoLayout *layouts[] = { n->name_layout, n->type_layout, n->shape_layout, n->act_layout };

      for (guint k = 0; k < G_N_ELEMENTS (layouts); k++)
        if (layouts[k])
          min = MIN (min, pango_font_description_get_size (pango_layout_get_font_description (layouts[k]))
                          / (double) PANGO_SCALE * res / 72.0);
    }
  for (guint i = 0; i < scene->edges->len; i++)
    {
      const DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);

      if (e->label_layout)
        min = MIN (min, pango_font_description_get_size (pango_layout_get_font_description (e->label_layout))
                        / (double) PANGO_SCALE * res / 72.0);
    }
  return min * zoom;
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

static void
edge_geometry (const DsScene     *scene,
               const DsSceneEdge *e,
               double             p[8])
{
  const DsSceneNode *s = &g_array_index (scene->nodes, DsSceneNode, e->src);
  const DsSceneNode *d = &g_array_index (scene->nodes, DsSceneNode, e->dst);
  double dx;

  ds_scene_output_port_k (s, e->src_out, &p[0], &p[1]);
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

void
_ds_scene_set_rgba (cairo_t       *cr,
          const GdkRGBA *c)
{
  cairo_set_source_rgba (cr, c->red, c->green, c->blue, c->alpha);
}

void
_ds_scene_rounded_rect (cairo_t *cr,
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

/* Copies an image whose top-left corner goes to widget point (x, y),
 * magnified by f (1 when it was drawn at the current scale), at a whole
 * device pixel so that it stays crisp. */
static void
paint_image (cairo_t              *cr,
             cairo_surface_t      *image,
             const cairo_matrix_t *base,
             double                x,
             double                y,
             double                dev,
             double                f)
{
  cairo_save (cr);
  cairo_set_matrix (cr, base);
  cairo_translate (cr, round (x * dev) / dev, round (y * dev) / dev);
  cairo_scale (cr, f / dev, f / dev);
  cairo_set_source_surface (cr, image, 0, 0);
  if (f != 1)
    cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
  cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (image),
                   cairo_image_surface_get_height (image));
  cairo_fill (cr);
  cairo_restore (cr);
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
  double step = 24 * zoom, dot;
  int tile;
  cairo_surface_t *surface;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  cairo_t *tcr;

  _ds_scene_set_rgba (cr, &style->background);
  cairo_paint (cr);
  /* Dots closer than 10 px turn into noise: double the spacing until not. */
  while (step < 10)
    step *= 2;
  /* One dot on a tile, repeated: a single paint instead of thousands of
   * little rectangles. */
  tile = MAX (1, (int) round (step));
  dot = CLAMP (1.5 * zoom, 1, 2);
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, tile, tile);
  tcr = cairo_create (surface);
  _ds_scene_set_rgba (tcr, &style->grid);
  cairo_rectangle (tcr, 0, 0, dot, dot);
  cairo_fill (tcr);
  cairo_destroy (tcr);
  pattern = cairo_pattern_create_for_surface (surface);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_REPEAT);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_matrix_init_translate (&matrix, -floor (fmod (off_x, tile)), -floor (fmod (off_y, tile)));
  cairo_pattern_set_matrix (pattern, &matrix);
  cairo_set_source (cr, pattern);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (surface);
}

static void
add_arrow_head (cairo_t *cr,
                double   x,
                double   y)
{
  /* Points right, into the input port at (x, y). */
  cairo_move_to (cr, x - 1, y);
  cairo_line_to (cr, x - 9, y - 4.5);
  cairo_line_to (cr, x - 9, y + 4.5);
  cairo_close_path (cr);
}

static gboolean
edge_visible (const double p[8],
              double       vx0,
              double       vy0,
              double       vx1,
              double       vy1)
{
  /* The curve lies in the hull of its control points. */
  double bx0 = MIN (MIN (p[0], p[2]), MIN (p[4], p[6]));
  double bx1 = MAX (MAX (p[0], p[2]), MAX (p[4], p[6]));
  double by0 = MIN (MIN (p[1], p[3]), MIN (p[5], p[7]));
  double by1 = MAX (MAX (p[1], p[3]), MAX (p[5], p[7]));

  return !(bx1 < vx0 || bx0 > vx1 || by1 < vy0 || by0 > vy1);
}

/* Every drawing pass below builds one path for many items and paints it
 * once: Cairo's cost is mostly per fill or stroke, not per path segment. */
/* The lines and arrow heads of the edges: the selected ones last, on top. */
static void
draw_edge_lines (DsScene            *scene,
                 cairo_t            *cr,
                 double              vx0,
                 double              vy0,
                 double              vx1,
                 double              vy1,
                 const DsSceneStyle *style)
{
  for (int selected = 0; selected <= 1; selected++)
    {
      gboolean any = FALSE;

      cairo_new_path (cr);
      for (guint i = 0; i < scene->edges->len; i++)
        {
          DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
          double p[8];

          if (e->selected != selected)
            continue;
          edge_geometry (scene, e, p);
          if (!edge_visible (p, vx0, vy0, vx1, vy1))
            continue;
          cairo_move_to (cr, p[0], p[1]);
          cairo_curve_to (cr, p[2], p[3], p[4], p[5], p[6] - 8, p[7]);
          any = TRUE;
        }
      if (!any)
        continue;
      _ds_scene_set_rgba (cr, selected ? &style->accent : &style->edge);
      cairo_set_line_width (cr, selected ? 3 : 1.75);
      cairo_stroke (cr);

      for (guint i = 0; i < scene->edges->len; i++)
        {
          DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
          double p[8];

          if (e->selected != selected)
            continue;
          edge_geometry (scene, e, p);
          if (p[6] >= vx0 - 10 && p[6] <= vx1 + 10 && p[7] >= vy0 - 10 && p[7] <= vy1 + 10)
            add_arrow_head (cr, p[6], p[7]);
        }
      cairo_fill (cr);
    }
}

/* The image of an edge's label at scale target: cached per label text,
 * redrawn when the scale moved too far (within the frame's budget). */
static LabelImage *
label_image (DsScene            *scene,
             DsSceneEdge        *e,
             int                 lw,
             int                 lh,
             double              target,
             const DsSceneStyle *style)
{
  LabelImage *li = g_hash_table_lookup (scene->labels, e->label);
  gboolean stale;

  if (li == NULL)
    {
      li = g_new0 (LabelImage, 1);
      li->ref_count = 1;
      g_hash_table_insert (scene->labels, g_strdup (e->label), li);
    }
  stale = li->image == NULL
          || (li->scale != target
              && (scene->want_exact || target / li->scale > 1.4 || target / li->scale < 1 / 1.4));

  if (stale && li->image != NULL && scene->budget <= 0)
    {
      scene->incomplete = TRUE;
      stale = FALSE;
    }
  if (stale)
    {
      cairo_surface_t *image =
        cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil ((lw + 14) * target),
                                    (int) ceil ((lh + 6) * target));
      cairo_t *scr = cairo_create (image);

      if (li->image != NULL)
        scene->budget--;
      cairo_scale (scr, target, target);
      _ds_scene_rounded_rect (scr, 1, 1, lw + 12, lh + 4, (lh + 4) / 2.0);
      _ds_scene_set_rgba (scr, &style->label_bg);
      cairo_fill_preserve (scr);
      _ds_scene_set_rgba (scr, &style->card_border);
      cairo_set_line_width (scr, 1);
      cairo_stroke (scr);
      _ds_scene_set_rgba (scr, &style->dim);
      cairo_move_to (scr, 7, 3);
      pango_cairo_show_layout (scr, e->label_layout);
      cairo_destroy (scr);
      g_clear_pointer (&li->image, cairo_surface_destroy);
      li->image = image;
      li->scale = target;
    }
  return li;
}

/* The labels of the edges (shapes), mid-way along each. */
static void
draw_edge_labels (DsScene            *scene,
                  cairo_t            *cr,
                  double              vx0,
                  double              vy0,
                  double              vx1,
                  double              vy1,
                  double              zoom,
                  const DsSceneStyle *style)
{
  /* Labels: each an image of its pill and text while the scale allows,
   * else all pills in one path, then all texts. */
  double dev = 1, sx, sy;
  cairo_matrix_t ctm, base;
  g_autofree double *mid = g_new (double, 2 * MAX (scene->edges->len, 1));
  g_autofree gboolean *show = g_new0 (gboolean, MAX (scene->edges->len, 1));
  gboolean direct;

  cairo_surface_get_device_scale (cairo_get_target (cr), &sx, &sy);
  dev = MAX (sx, 1);
  direct = zoom * dev > MAX_SPRITE_SCALE;
  cairo_get_matrix (cr, &ctm);
  cairo_matrix_init_identity (&base);

  cairo_new_path (cr);
  for (guint i = 0; i < scene->edges->len; i++)
    {
      DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);
      double p[8], mx, my;
      int lw, lh;
      LabelImage *li;

      if (e->label_layout == NULL)
        continue;
      edge_geometry (scene, e, p);
      bezier_point (p, 0.5, &mx, &my);
      if (mx < vx0 - 100 || mx > vx1 + 100 || my < vy0 - 20 || my > vy1 + 20)
        continue;
      pango_layout_get_pixel_size (e->label_layout, &lw, &lh);
      /* Between two nodes side by side, a label that does not fit in the
       * gap would hide under them: leave it to the edge's tooltip. */
      if (fabs (p[7] - p[1]) < DS_NODE_HEIGHT / 2 && p[6] - p[0] < lw + 12 + 2 * DS_PORT_RADIUS + 6)
        continue;
      mid[2 * i] = mx - lw / 2.0;
      mid[2 * i + 1] = my - lh / 2.0;
      if (direct)
        {
          _ds_scene_rounded_rect (cr, mx - lw / 2.0 - 6, my - lh / 2.0 - 2, lw + 12, lh + 4, (lh + 4) / 2.0);
          show[i] = TRUE;
          continue;
        }
      li = label_image (scene, e, lw, lh, zoom * dev, style);
      {
        double wx = mid[2 * i] - 7, wy = mid[2 * i + 1] - 3;

        cairo_matrix_transform_point (&ctm, &wx, &wy);
        paint_image (cr, li->image, &base, wx, wy, dev, zoom * dev / li->scale);
      }
    }
  if (!direct)
    return;
  _ds_scene_set_rgba (cr, &style->label_bg);
  cairo_fill_preserve (cr);
  _ds_scene_set_rgba (cr, &style->card_border);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  _ds_scene_set_rgba (cr, &style->dim);
  for (guint i = 0; i < scene->edges->len; i++)
    if (show[i])
      {
        DsSceneEdge *e = &g_array_index (scene->edges, DsSceneEdge, i);

        cairo_move_to (cr, mid[2 * i], mid[2 * i + 1]);
        pango_cairo_show_layout (cr, e->label_layout);
      }
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
  draw_edge_lines (scene, cr, vx0, vy0, vx1, vy1, style);
  if (zoom >= DETAIL_ZOOM)
    draw_edge_labels (scene, cr, vx0, vy0, vx1, vy1, zoom, style);
}

/* The part of a node's rounded card left of x + STRIP. */
static void
add_strip (cairo_t *cr,
           double   x,
           double   y,
           double   h)
{
  double t = acos ((STRIP - RADIUS) / RADIUS);   /* in (pi/2, pi) */

  cairo_new_sub_path (cr);
  cairo_arc_negative (cr, x + RADIUS, y + RADIUS, RADIUS, 2 * G_PI - t, G_PI);
  cairo_arc_negative (cr, x + RADIUS, y + h - RADIUS, RADIUS, G_PI, t);
  cairo_close_path (cr);
}

void
_ds_scene_node_color (const DsSceneNode  *n,
            const DsSceneStyle *style,
            GdkRGBA            *out)
{
  if (n->error)
    *out = style->error;
  else
    ds_colors_group (n->group, out);
}

static void
draw_card (cairo_t            *cr,
           int                 kind,
           gboolean            has_input,
           const DsSceneStyle *style)
{
  const double w = DS_NODE_WIDTH, h = DS_NODE_HEIGHT;
  gboolean err = kind == 0;
  GdkRGBA color;


  if (err)
    color = style->error;
  else
    ds_colors_group (kind - 1, &color);

  /* Soft two-step shadow: cheaper than a blur and enough at this size. */
  _ds_scene_rounded_rect (cr, 0, 2, w, h, RADIUS);
  _ds_scene_rounded_rect (cr, -0.5, 0.5, w + 1, h + 1, RADIUS);
  _ds_scene_set_rgba (cr, &style->shadow);
  cairo_fill (cr);

  _ds_scene_rounded_rect (cr, 0, 0, w, h, RADIUS);
  _ds_scene_set_rgba (cr, err ? &style->error_bg : &style->card);
  cairo_fill (cr);
  add_strip (cr, 0, 0, h);
  _ds_scene_set_rgba (cr, &color);
  cairo_fill (cr);

  if (err)
    {
      _ds_scene_rounded_rect (cr, 1, 1, w - 2, h - 2, RADIUS - 1);
      cairo_set_line_width (cr, 2);
      _ds_scene_set_rgba (cr, &style->error);
    }
  else
    {
      _ds_scene_rounded_rect (cr, 0.5, 0.5, w - 1, h - 1, RADIUS - 0.5);
      cairo_set_line_width (cr, 1);
      _ds_scene_set_rgba (cr, &style->card_border);
    }
  cairo_stroke (cr);

  if (has_input)
    {
      cairo_new_sub_path (cr);
      cairo_arc (cr, 0, h / 2, DS_PORT_RADIUS, 0, 2 * G_PI);
    }
  cairo_new_sub_path (cr);
  cairo_arc (cr, w, h / 2, DS_PORT_RADIUS, 0, 2 * G_PI);
  _ds_scene_set_rgba (cr, &style->card);
  cairo_fill_preserve (cr);
  _ds_scene_set_rgba (cr, &color);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
}

static int
node_kind (const DsSceneNode *node)
{
  return node->error ? 0 : 1 + CLAMP ((int) node->group, 0, NN_N_GROUPS - 1);
}

static void
blit_card (DsScene              *scene,
           cairo_t              *cr,
           const DsSceneNode    *node,
           const cairo_matrix_t *base,
           double                zoom,
           double                off_x,
           double                off_y,
           double                dev,
           const DsSceneStyle   *style)
{
  int kind = node_kind (node);
  gboolean has_input = node->max_inputs != 0;
  cairo_surface_t **sprite = &scene->sprites[has_input][kind];
  double ss = scene->sprite_scale, f = zoom * dev / ss;

  if (*sprite == NULL)
    {
      int sw = (int) ceil ((DS_NODE_WIDTH + 2 * SPRITE_MARGIN) * ss);
      int sh = (int) ceil ((DS_NODE_HEIGHT + 2 * SPRITE_MARGIN) * ss);
      cairo_t *scr;

      *sprite = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, MAX (sw, 1), MAX (sh, 1));
      scr = cairo_create (*sprite);
      cairo_scale (scr, ss, ss);
      cairo_translate (scr, SPRITE_MARGIN, SPRITE_MARGIN);
      draw_card (scr, kind, has_input, style);
      cairo_destroy (scr);
    }
  paint_image (cr, *sprite, base, (node->x - SPRITE_MARGIN) * zoom + off_x,
               (node->y - SPRITE_MARGIN) * zoom + off_y, dev, f);
}

static int
detail_level (double zoom)
{
  return zoom < NAME_ZOOM ? 0 : zoom < DETAIL_ZOOM ? 1 : 2;
}

/* Texts of one node with its top-left corner at (x, y). */
static void
draw_node_texts (cairo_t            *cr,
                 const DsSceneNode  *node,
                 double              x,
                 double              y,
                 double              zoom,
                 const DsSceneStyle *style)
{
  if (zoom < NAME_ZOOM)
    return;
  _ds_scene_set_rgba (cr, node->error ? &style->error : &style->fg);
  cairo_move_to (cr, x + STRIP + PAD, y + NAME_Y);
  pango_cairo_show_layout (cr, node->name_layout);
  if (zoom < DETAIL_ZOOM)
    return;
  cairo_move_to (cr, x + STRIP + PAD, y + SHAPE_Y);
  pango_cairo_show_layout (cr, node->shape_layout);
  if (node->act_layout)
    {
      int aw;
      GdkRGBA color;

      /* In the layer's group colour, right-aligned on the shape line. */
      pango_layout_get_pixel_size (node->act_layout, &aw, NULL);
      _ds_scene_node_color (node, style, &color);
      _ds_scene_set_rgba (cr, &color);
      cairo_move_to (cr, x + DS_NODE_WIDTH - PAD - aw, y + SHAPE_Y + 1);
      pango_cairo_show_layout (cr, node->act_layout);
    }
  _ds_scene_set_rgba (cr, &style->dim);
  cairo_move_to (cr, x + STRIP + PAD, y + META_Y);
  pango_cairo_show_layout (cr, node->type_layout);
}


static gboolean
blit_node_sprite (DsScene              *scene,
                  cairo_t              *cr,
                  DsSceneNode          *node,
                  const cairo_matrix_t *base,
                  double                zoom,
                  double                off_x,
                  double                off_y,
                  double                dev,
                  const DsSceneStyle   *style)
{
  double target = zoom * dev;
  cairo_surface_t *sprite = node->sprite;
  gboolean stale;

  if (target > MAX_SPRITE_SCALE)
    return FALSE;
  /* Also stale when drawn with another level of detail (names only, or
   * all the texts). */
  stale = sprite == NULL
          || (node->sprite_scale != target
              && (scene->want_exact || target / node->sprite_scale > 1.4
                  || target / node->sprite_scale < 1 / 1.4
                  || detail_level (zoom) != detail_level (node->sprite_scale / dev)));
  if (stale && sprite != NULL && scene->budget <= 0)
    {
      /* Over budget: show the old image magnified, sharpen next frame. */
      scene->incomplete = TRUE;
      stale = FALSE;
    }
  if (stale)
    {
      int sw = (int) ceil ((DS_NODE_WIDTH + 2 * SPRITE_MARGIN) * target);
      int sh = (int) ceil ((DS_NODE_HEIGHT + 2 * SPRITE_MARGIN) * target);
      cairo_t *scr;

      if (sprite != NULL)
        scene->budget--;
      g_clear_pointer (&sprite, cairo_surface_destroy);
      sprite = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, MAX (sw, 1), MAX (sh, 1));
      scr = cairo_create (sprite);
      cairo_scale (scr, target, target);
      cairo_translate (scr, SPRITE_MARGIN, SPRITE_MARGIN);
      draw_card (scr, node_kind (node), node->max_inputs != 0, style);
      draw_node_texts (scr, node, 0, 0, zoom, style);
      cairo_destroy (scr);
      node->sprite = sprite;
      node->sprite_scale = target;
    }
  paint_image (cr, sprite, base, (node->x - SPRITE_MARGIN) * zoom + off_x,
               (node->y - SPRITE_MARGIN) * zoom + off_y, dev, target / node->sprite_scale);
  return TRUE;
}

static void
draw_nodes (DsScene              *scene,
            cairo_t              *cr,
            const gboolean       *vis,
            const cairo_matrix_t *base,
            double                zoom,
            double                off_x,
            double                off_y,
            double                dev,
            const DsSceneStyle   *style,
            const DsSceneOverlay *ov)
{
  const double w = DS_NODE_WIDTH, h = DS_NODE_HEIGHT;
  guint n = scene->nodes->len;

#define FOR_VISIBLE(...) \
  for (guint i = 0; i < n; i++) \
    if (vis[i]) \
      { \
        const DsSceneNode *node = &g_array_index (scene->nodes, DsSceneNode, i); \
        __VA_ARGS__ \
      }

  FOR_VISIBLE (
    DsSceneNode *mnode = (DsSceneNode *) node;

    if (!blit_node_sprite (scene, cr, mnode, base, zoom, off_x, off_y, dev, style))
      {
        blit_card (scene, cr, node, base, zoom, off_x, off_y, dev, style);
        draw_node_texts (cr, node, node->x, node->y, zoom, style);
      })

  /* A recurrent layer's states: its outputs (return_state) below its
   * output's port, its initial states as inputs after the sequence, each
   * as large as a main port and named. */
  FOR_VISIBLE (_ds_scene_draw_state_ports (cr, node, style);)

  /* Selection, connection target and keyboard focus rings. */
  FOR_VISIBLE (
    gboolean strong = node->selected || ov->connect_target == (int) i;

    if (strong || ov->focus_node == (int) i)
      {
        cairo_new_path (cr);
        _ds_scene_rounded_rect (cr, node->x - 3.5, node->y - 3.5, w + 7, h + 7, RADIUS + 3);
        _ds_scene_set_rgba (cr, &style->accent);
        cairo_set_line_width (cr, strong ? 2.5 : 1.5);
        if (!strong)
          cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
        cairo_stroke (cr);
        cairo_set_dash (cr, NULL, 0, 0);
      })

  /* Filled output port under the pointer or where a connection starts. */
  FOR_VISIBLE (
    if (ov->hover_port == (int) i || ov->connect_src == (int) i)
      {
        GdkRGBA color;
        double px, py;

        _ds_scene_node_color (node, style, &color);
        ds_scene_output_port (node, &px, &py);
        cairo_new_path (cr);
        cairo_arc (cr, px, py, DS_PORT_RADIUS, 0, 2 * G_PI);
        _ds_scene_set_rgba (cr, &color);
        cairo_fill (cr);
      })

#undef FOR_VISIBLE
}

gboolean
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
  double vx0, vy0, vx1, vy1, dev;
  cairo_matrix_t base;
  g_autofree gboolean *vis = g_new0 (gboolean, MAX (scene->nodes->len, 1));

  if (ov == NULL)
    {
      ds_scene_overlay_init (&none);
      ov = &none;
    }

  cairo_save (cr);
  cairo_get_matrix (cr, &base);
  {
    double sx = 1, sy = 1;

    /* HiDPI: cards are drawn at device resolution. */
    cairo_surface_get_device_scale (cairo_get_target (cr), &sx, &sy);
    dev = MAX (sx, 1);
  }
  draw_grid (cr, width, height, zoom, off_x, off_y, style);

  cairo_translate (cr, off_x, off_y);
  cairo_scale (cr, zoom, zoom);
  /* Visible area in model units, for culling. */
  vx0 = -off_x / zoom;
  vy0 = -off_y / zoom;
  vx1 = (width - off_x) / zoom;
  vy1 = (height - off_y) / zoom;

  /* Images drawn in another style are stale; the card of each kind is
   * cheap, and is drawn again at each new scale. */
  if (memcmp (&scene->sprite_style, style, sizeof *style) != 0)
    {
      for (guint i = 0; i < scene->nodes->len; i++)
        g_clear_pointer ((cairo_surface_t **) &g_array_index (scene->nodes, DsSceneNode, i).sprite,
                         cairo_surface_destroy);
      g_hash_table_remove_all (scene->labels);
      scene->sprite_style = *style;
      scene->sprite_scale = 0;
    }
  if (scene->sprite_scale != zoom * dev)
    {
      for (int i = 0; i < 2; i++)
        for (int k = 0; k < N_KINDS; k++)
          g_clear_pointer (&scene->sprites[i][k], cairo_surface_destroy);
      scene->sprite_scale = zoom * dev;
    }
  scene->budget = IMAGES_PER_FRAME;
  scene->incomplete = FALSE;

  draw_edges (scene, cr, vx0, vy0, vx1, vy1, zoom, style);

  for (guint i = 0; i < scene->nodes->len; i++)
    {
      const DsSceneNode *n = &g_array_index (scene->nodes, DsSceneNode, i);

      vis[i] = !(n->x + DS_NODE_WIDTH + 12 < vx0 || n->x - 12 > vx1
                 || n->y + DS_NODE_HEIGHT + 12 < vy0 || n->y - 12 > vy1);
    }
  draw_nodes (scene, cr, vis, &base, zoom, off_x, off_y, dev, style, ov);

  if (ov->connecting && ov->connect_src >= 0 && (guint) ov->connect_src < scene->nodes->len)
    {
      const DsSceneNode *s = &g_array_index (scene->nodes, DsSceneNode, ov->connect_src);
      double sx, sy, dx;

      ds_scene_output_port_k (s, ov->connect_src_out, &sx, &sy);
      dx = MAX (30, fabs (ov->connect_x - sx) / 2);
      cairo_new_path (cr);
      _ds_scene_set_rgba (cr, &style->accent);
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
      cairo_new_path (cr);
      cairo_rectangle (cr, x, y, w, h);
      _ds_scene_set_rgba (cr, &fill);
      cairo_fill_preserve (cr);
      _ds_scene_set_rgba (cr, &style->accent);
      cairo_set_line_width (cr, 1 / zoom);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  if (!scene->incomplete)
    scene->want_exact = FALSE;
  return !scene->incomplete;
}
