/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-inspect-activations.h"
#include "ds-inspect-export.h"

#define GAP        4
#define STRIP_H    40
#define HEAT_H     160   /* a heat strip's height for 20+ units */

typedef struct
{
  char            *path;
  char            *type;
  int              depth;
  int              ndim;
  int              shape[NN_MAX_DIMS];
  gboolean         spatial;
  gboolean         relu;
  NnTensor        *value;     /* (1, shape...), or NULL */
  float            lo, hi;
  double           dead;      /* NAN: unknown or not a ReLU layer */
  cairo_surface_t *atlas;     /* the channels side by side, made when first drawn */
} Layer;

struct _DsInspectActivations
{
  GtkWidget       parent_instance;

  /* Owned */
  GtkWidget      *box;        /* the why label above the list */
  GtkLabel       *why;
  GtkStringList  *items;      /* one per layer: its path */
  GArray         *layers;     /* Layer */
  guint           serial;
};

G_DEFINE_FINAL_TYPE (DsInspectActivations, ds_inspect_activations, GTK_TYPE_WIDGET)

enum {
  CHANNEL_ACTIVATED,
  UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
layer_clear (gpointer data)
{
  Layer *l = data;

  g_clear_pointer (&l->path, g_free);
  g_clear_pointer (&l->type, g_free);
  g_clear_pointer (&l->value, nn_tensor_free);
  g_clear_pointer (&l->atlas, cairo_surface_destroy);
}

static Layer *
layer_at (DsInspectActivations *self,
          int                   i)
{
  if (i < 0 || (guint) i >= self->layers->len)
    return NULL;
  return &g_array_index (self->layers, Layer, i);
}

/* A sequence layer's output, (steps, units): drawn as a time x units heat
 * strip, not as bars. */
static gboolean
layer_is_sequence (const Layer *l)
{
  return !l->spatial && l->ndim == 2;
}

/* Channels of a spatial layer, units of a flat or sequence one. */
static int
layer_channels (const Layer *l)
{
  if (l->value == NULL)
    return 0;
  if (l->spatial)
    return l->shape[2];
  if (layer_is_sequence (l))
    return l->shape[1];
  return (int) (l->value->size);
}

/* Height of one unit's row in the heat strip: few units get tall rows. */
static int
heat_row (const Layer *l)
{
  return CLAMP (HEAT_H / MAX (l->shape[1], 1), 1, 8);
}

/* The side of one channel's tile: small maps are enlarged more. */
static int
tile_size (const Layer *l)
{
  int h = l->shape[0];

  return CLAMP (h >= 20 ? 2 * h : 4 * h, 28, 72);
}

/* ---- one layer's channels: DsInspectChannels ------------------------------ */

#define DS_TYPE_INSPECT_CHANNELS (ds_inspect_channels_get_type ())
G_DECLARE_FINAL_TYPE (DsInspectChannels, ds_inspect_channels, DS, INSPECT_CHANNELS, GtkWidget)

struct _DsInspectChannels
{
  GtkWidget             parent_instance;

  /* Borrowed */
  DsInspectActivations *page;
  int                   layer;
};

G_DEFINE_FINAL_TYPE (DsInspectChannels, ds_inspect_channels, GTK_TYPE_WIDGET)

static int
grid_columns (const Layer *l,
              int          width)
{
  int cell = l->spatial ? tile_size (l) + GAP : 4;

  return MAX (1, (width + (l->spatial ? GAP : 0)) / cell);
}

static int
grid_height (const Layer *l,
             int          width)
{
  int n = layer_channels (l), cols;

  if (n == 0)
    return 0;
  if (layer_is_sequence (l))
    return l->shape[1] * heat_row (l);
  cols = grid_columns (l, width);
  if (l->spatial)
    return ((n + cols - 1) / cols) * (tile_size (l) + GAP);
  return ((n + cols - 1) / cols) * (STRIP_H + GAP);
}

/* Every channel of a spatial layer as one image, side by side. */
static void
ensure_atlas (Layer *l)
{
  int h = l->shape[0], w = l->shape[1], c = l->shape[2], stride;
  guint32 *px;

  if (l->atlas)
    return;
  l->atlas = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w * c, h);
  stride = cairo_image_surface_get_stride (l->atlas) / 4;
  px = (guint32 *) cairo_image_surface_get_data (l->atlas);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        {
          float v = l->value->data[((size_t) y * w + x) * c + k];
          double u = l->hi > l->lo ? (v - l->lo) / (l->hi - l->lo) : 0;

          px[y * stride + k * w + x] = ds_colors_activation_pixel (u);
        }
  cairo_surface_mark_dirty (l->atlas);
}

static void
draw_spatial (Layer   *l,
              cairo_t *cr,
              int      width)
{
  int tile = tile_size (l), cols = grid_columns (l, width), c = l->shape[2];
  int h = l->shape[0], w = l->shape[1];
  double scale = (double) tile / MAX (h, w);

  ensure_atlas (l);
  for (int k = 0; k < c; k++)
    {
      double x = (k % cols) * (tile + GAP), y = (k / cols) * (tile + GAP);

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, l->atlas, -k * w, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
      cairo_rectangle (cr, 0, 0, w, h);
      cairo_fill (cr);
      cairo_restore (cr);
    }
}

/* Sequence outputs (steps, units): time runs left to right, one row per
 * unit, each cell coloured by its value; the atlas is steps x units. */
static void
draw_heat_strip (Layer   *l,
                 cairo_t *cr,
                 int      width)
{
  int steps = l->shape[0], units = l->shape[1], stride;
  guint32 *px;

  if (l->atlas == NULL)
    {
      l->atlas = cairo_image_surface_create (CAIRO_FORMAT_RGB24, steps, units);
      stride = cairo_image_surface_get_stride (l->atlas) / 4;
      px = (guint32 *) cairo_image_surface_get_data (l->atlas);
      for (int t = 0; t < steps; t++)
        for (int u = 0; u < units; u++)
          {
            float v = l->value->data[(size_t) t * units + u];
            double q = l->hi > l->lo ? (v - l->lo) / (l->hi - l->lo) : 0;

            px[u * stride + t] = ds_colors_activation_pixel (q);
          }
      cairo_surface_mark_dirty (l->atlas);
    }
  cairo_save (cr);
  cairo_scale (cr, (double) width / steps, heat_row (l));
  cairo_set_source_surface (cr, l->atlas, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, steps, units);
  cairo_fill (cr);
  cairo_restore (cr);
}

/* Flat outputs: one bar per unit, its height and colour its value, rows
 * wrapping when there are more units than fit. */
static void
draw_strip (Layer   *l,
            cairo_t *cr,
            int      width)
{
  int n = layer_channels (l), cols = grid_columns (l, width);

  for (int i = 0; i < n; i++)
    {
      double u = l->hi > l->lo ? (l->value->data[i] - l->lo) / (l->hi - l->lo) : 0;
      guint32 rgb = ds_colors_activation_pixel (u);
      double x = (i % cols) * 4, y = (i / cols) * (STRIP_H + GAP);
      double bar = MAX (1, u * STRIP_H);

      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.15);
      cairo_rectangle (cr, x, y, 3, STRIP_H);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                            (rgb & 0xff) / 255.0);
      cairo_rectangle (cr, x, y + STRIP_H - bar, 3, bar);
      cairo_fill (cr);
    }
}

static void
channels_draw (GtkWidget *widget,
               cairo_t   *cr,
               int        width,
               int        height)
{
  DsInspectChannels *self = DS_INSPECT_CHANNELS (widget);
  Layer *l = self->page ? layer_at (self->page, self->layer) : NULL;

  if (l == NULL || l->value == NULL)
    return;
  if (l->spatial)
    draw_spatial (l, cr, width);
  else if (layer_is_sequence (l))
    draw_heat_strip (l, cr, width);
  else
    draw_strip (l, cr, width);
}

static gboolean
channels_export_size (GtkWidget *widget,
                      int       *width,
                      int       *height)
{
  DsInspectChannels *self = DS_INSPECT_CHANNELS (widget);
  Layer *l = self->page ? layer_at (self->page, self->layer) : NULL;

  if (l == NULL || l->value == NULL)
    return FALSE;
  *width = MAX (gtk_widget_get_width (widget), 64);
  *height = grid_height (l, *width);
  return *height > 0;
}

static void
ds_inspect_channels_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width < 1 || height < 1)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  channels_draw (widget, cr, width, height);
  cairo_destroy (cr);
}

static GtkSizeRequestMode
ds_inspect_channels_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ds_inspect_channels_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  DsInspectChannels *self = DS_INSPECT_CHANNELS (widget);
  Layer *l = self->page ? layer_at (self->page, self->layer) : NULL;

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 80;
      *natural = 400;
      return;
    }
  *minimum = *natural = l ? grid_height (l, for_size < 0 ? 400 : for_size) : 0;
}

static void
channels_pressed_cb (GtkGestureClick   *gesture,
                     int                n_press,
                     double             x,
                     double             y,
                     DsInspectChannels *self)
{
  Layer *l = self->page ? layer_at (self->page, self->layer) : NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (self)), cols, col, row, k;

  if (l == NULL || l->value == NULL || !l->spatial)
    return;
  cols = grid_columns (l, width);
  col = (int) (x / (tile_size (l) + GAP));
  row = (int) (y / (tile_size (l) + GAP));
  k = row * cols + col;
  if (col < cols && k < layer_channels (l))
    ds_inspect_activations_activate_channel (self->page, self->layer, k);
}

static void
ds_inspect_channels_class_init (DsInspectChannelsClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  widget_class->snapshot = ds_inspect_channels_snapshot;
  widget_class->measure = ds_inspect_channels_measure;
  widget_class->get_request_mode = ds_inspect_channels_get_request_mode;
  gtk_widget_class_set_css_name (widget_class, "inspectchannels");
}

static void
ds_inspect_channels_init (DsInspectChannels *self)
{
  GtkGesture *click = gtk_gesture_click_new ();

  self->layer = -1;
  g_signal_connect (click, "pressed", G_CALLBACK (channels_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (click));
  ds_inspect_export_attach (GTK_WIDGET (self), "activations", channels_export_size,
                            channels_draw);
}

/* ---- rows ----------------------------------------------------------------- */

static char *
header_markup (Layer *l)
{
  g_autofree char *path = g_markup_escape_text (l->path, -1);
  g_autofree char *shape = nn_shape_to_string (l->ndim, l->shape, 0);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "<b>%s</b>   %s · %s", path, l->type, shape);
  if (l->value)
    g_string_append_printf (s, _(" · range %.3g … %.3g"), l->lo, l->hi);
  if (l->relu && !isnan (l->dead))
    g_string_append_printf (s, _(" · %.0f %% dead"), 100 * l->dead);
  else if (l->relu)
    g_string_append (s, _(" · dead units: counting…"));
  return g_string_free (s, FALSE);
}

static void
row_refresh (GtkWidget *row)
{
  DsInspectActivations *page = g_object_get_data (G_OBJECT (row), "page");
  GtkWidget *label = gtk_widget_get_first_child (row);
  DsInspectChannels *channels = DS_INSPECT_CHANNELS (gtk_widget_get_next_sibling (label));
  Layer *l = layer_at (page, channels->layer);
  g_autofree char *markup = NULL;
  g_autofree char *name = NULL;

  if (l == NULL)
    return;
  markup = header_markup (l);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  gtk_widget_set_margin_start (row, 12 + 18 * l->depth);
  name = g_strdelimit (g_strdup (l->path), "/", '-');
  ds_inspect_export_set_name (GTK_WIDGET (channels), name);
  gtk_widget_queue_resize (GTK_WIDGET (channels));
  gtk_widget_queue_draw (GTK_WIDGET (channels));
}

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          DsInspectActivations     *self)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  DsInspectChannels *channels = g_object_new (DS_TYPE_INSPECT_CHANNELS, NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  channels->page = self;
  gtk_box_append (GTK_BOX (row), label);
  gtk_box_append (GTK_BOX (row), GTK_WIDGET (channels));
  gtk_widget_set_margin_top (row, 8);
  gtk_widget_set_margin_bottom (row, 8);
  gtk_widget_set_margin_end (row, 12);
  g_object_set_data (G_OBJECT (row), "page", self);
  g_signal_connect_object (self, "updated", G_CALLBACK (row_refresh), row, G_CONNECT_SWAPPED);
  gtk_list_item_set_child (item, row);
  gtk_list_item_set_activatable (item, FALSE);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         DsInspectActivations     *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);
  GtkWidget *label = gtk_widget_get_first_child (row);
  DsInspectChannels *channels = DS_INSPECT_CHANNELS (gtk_widget_get_next_sibling (label));

  channels->layer = (int) gtk_list_item_get_position (item);
  row_refresh (row);
}

/* ---- the page ------------------------------------------------------------- */

static void
ds_inspect_activations_dispose (GObject *object)
{
  DsInspectActivations *self = DS_INSPECT_ACTIVATIONS (object);

  g_clear_pointer (&self->box, gtk_widget_unparent);
  G_OBJECT_CLASS (ds_inspect_activations_parent_class)->dispose (object);
}

static void
ds_inspect_activations_finalize (GObject *object)
{
  DsInspectActivations *self = DS_INSPECT_ACTIVATIONS (object);

  g_array_unref (self->layers);
  g_clear_object (&self->items);
  G_OBJECT_CLASS (ds_inspect_activations_parent_class)->finalize (object);
}

static void
ds_inspect_activations_class_init (DsInspectActivationsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_inspect_activations_dispose;
  object_class->finalize = ds_inspect_activations_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "inspectactivations");

  /* layer, channel */
  signals[CHANNEL_ACTIVATED] =
    g_signal_new ("channel-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  /* The rows in sight redraw from the page's data. */
  signals[UPDATED] =
    g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ds_inspect_activations_init (DsInspectActivations *self)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *list;

  self->layers = g_array_new (FALSE, TRUE, sizeof (Layer));
  g_array_set_clear_func (self->layers, layer_clear);
  self->items = gtk_string_list_new (NULL);

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (
                              G_LIST_MODEL (g_object_ref (self->items)))), factory);
  gtk_widget_add_css_class (list, "inspect-layers");

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  self->why = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_wrap (self->why, TRUE);
  gtk_widget_add_css_class (GTK_WIDGET (self->why), "dim-label");
  gtk_widget_set_margin_top (GTK_WIDGET (self->why), 24);
  gtk_widget_set_visible (GTK_WIDGET (self->why), FALSE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), list);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER,
                                  GTK_POLICY_AUTOMATIC);
  gtk_widget_set_vexpand (scroller, TRUE);
  gtk_box_append (GTK_BOX (self->box), GTK_WIDGET (self->why));
  gtk_box_append (GTK_BOX (self->box), scroller);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

GtkWidget *
ds_inspect_activations_new (void)
{
  return g_object_new (DS_TYPE_INSPECT_ACTIVATIONS, NULL);
}

void
ds_inspect_activations_set_probes (DsInspectActivations *self,
                                   NnInspector          *in,
                                   const char           *why)
{
  int n = in ? nn_inspector_get_n_probes (in) : 0;
  guint old = self->layers->len;
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  g_return_if_fail (DS_IS_INSPECT_ACTIVATIONS (self));

  g_array_set_size (self->layers, 0);
  for (int i = 0; i < n; i++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, i);
      Layer l = { 0 };

      l.path = g_strdup (p->path);
      l.type = g_strdup (p->layer_type);
      l.depth = p->depth;
      l.ndim = p->ndim;
      memcpy (l.shape, p->shape, sizeof l.shape);
      l.spatial = p->spatial && p->ndim == 3;
      l.relu = p->relu;
      l.dead = NAN;
      g_array_append_val (self->layers, l);
      g_ptr_array_add (paths, l.path);
    }
  g_ptr_array_add (paths, NULL);
  gtk_string_list_splice (self->items, 0, old, (const char * const *) paths->pdata);
  gtk_label_set_text (self->why, why ? why : "");
  gtk_widget_set_visible (GTK_WIDGET (self->why), n == 0 && why != NULL);
  g_signal_emit (self, signals[UPDATED], 0);
}

void
ds_inspect_activations_take_values (DsInspectActivations  *self,
                                    NnTensor             **values,
                                    int                    n)
{
  g_return_if_fail (DS_IS_INSPECT_ACTIVATIONS (self));

  for (int i = 0; i < n; i++)
    {
      Layer *l = layer_at (self, i);

      if (l == NULL || values[i] == NULL)
        {
          g_clear_pointer (&values[i], nn_tensor_free);
          continue;
        }
      g_clear_pointer (&l->value, nn_tensor_free);
      g_clear_pointer (&l->atlas, cairo_surface_destroy);
      l->value = g_steal_pointer (&values[i]);
      l->lo = nn_tensor_min (l->value);
      l->hi = nn_tensor_max (l->value);
    }
  g_free (values);
  self->serial++;
  g_signal_emit (self, signals[UPDATED], 0);
}

void
ds_inspect_activations_set_dead (DsInspectActivations *self,
                                 const double         *fractions,
                                 int                   n)
{
  g_return_if_fail (DS_IS_INSPECT_ACTIVATIONS (self));

  for (int i = 0; i < n; i++)
    if (layer_at (self, i))
      layer_at (self, i)->dead = fractions[i];
  g_signal_emit (self, signals[UPDATED], 0);
}

int
ds_inspect_activations_get_n_layers (DsInspectActivations *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), 0);
  return (int) self->layers->len;
}

gboolean
ds_inspect_activations_show_channel (DsInspectActivations *self,
                                     int                   layer,
                                     int                   channel,
                                     DsInspectPicture     *picture,
                                     char                **title)
{
  Layer *l;

  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), FALSE);

  l = layer_at (self, layer);
  if (l == NULL || l->value == NULL || !l->spatial || channel < 0 || channel >= l->shape[2])
    return FALSE;
  ds_inspect_picture_set_map (picture, l->value->data + channel, l->shape[1], l->shape[0],
                              l->shape[2], l->lo, l->hi);
  if (title)
    *title = g_strdup_printf (_("%s, channel %d"), l->path, channel);
  return TRUE;
}

char *
ds_inspect_activations_dup_header (DsInspectActivations *self,
                                   int                   layer)
{
  g_autofree char *markup = NULL;
  char *text = NULL;
  Layer *l;

  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), NULL);
  l = layer_at (self, layer);
  if (l == NULL)
    return NULL;
  markup = header_markup (l);
  pango_parse_markup (markup, -1, 0, NULL, &text, NULL, NULL);
  return text;
}

int
ds_inspect_activations_get_n_channels (DsInspectActivations *self,
                                       int                   layer)
{
  Layer *l;

  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), 0);
  l = layer_at (self, layer);
  return l ? layer_channels (l) : 0;
}

gboolean
ds_inspect_activations_is_heat_strip (DsInspectActivations *self,
                                      int                   layer)
{
  Layer *l;

  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), FALSE);
  l = layer_at (self, layer);
  return l != NULL && layer_is_sequence (l);
}

guint
ds_inspect_activations_get_serial (DsInspectActivations *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_ACTIVATIONS (self), 0);
  return self->serial;
}

void
ds_inspect_activations_activate_channel (DsInspectActivations *self,
                                         int                   layer,
                                         int                   channel)
{
  g_return_if_fail (DS_IS_INSPECT_ACTIVATIONS (self));
  g_signal_emit (self, signals[CHANNEL_ACTIVATED], 0, layer, channel);
}
