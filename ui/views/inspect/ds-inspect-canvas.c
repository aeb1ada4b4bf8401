/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include "ds-inspect-canvas.h"

struct _DsInspectCanvas
{
  GtkWidget  parent_instance;

  /* Owned */
  int        width, height;
  float     *pixels;         /* width × height, 0..1 */
  double     radius;
  double     last_x, last_y; /* the drag's previous point, canvas pixels */
};

G_DEFINE_FINAL_TYPE (DsInspectCanvas, ds_inspect_canvas, GTK_TYPE_WIDGET)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* The canvas's cell size and origin inside the widget. */
static void
layout (DsInspectCanvas *self,
        double          *x0,
        double          *y0,
        double          *cell)
{
  int w = gtk_widget_get_width (GTK_WIDGET (self));
  int h = gtk_widget_get_height (GTK_WIDGET (self));

  *cell = MAX (1, MIN ((double) w / self->width, (double) h / self->height));
  *x0 = (w - *cell * self->width) / 2;
  *y0 = (h - *cell * self->height) / 2;
}

/* One dab of the soft brush: full strength inside half the radius,
 * falling smoothly to nothing at 1.5 radii; a pixel keeps the brighter of
 * what it had and the dab. */
static void
dab (DsInspectCanvas *self,
     double           cx,
     double           cy)
{
  double r = self->radius, reach = 1.5 * r;

  for (int y = MAX (0, (int) floor (cy - reach)); y <= MIN (self->height - 1, (int) ceil (cy + reach)); y++)
    for (int x = MAX (0, (int) floor (cx - reach)); x <= MIN (self->width - 1, (int) ceil (cx + reach)); x++)
      {
        double d = hypot (x + 0.5 - cx, y + 0.5 - cy);
        double v = d <= 0.5 * r ? 1 : d >= reach ? 0 : 0.5 + 0.5 * cos (G_PI * (d - 0.5 * r) / r);
        float *p = &self->pixels[y * self->width + x];

        if (v > *p)
          *p = (float) v;
      }
}

void
ds_inspect_canvas_stroke (DsInspectCanvas *self,
                          double           x0,
                          double           y0,
                          double           x1,
                          double           y1)
{
  double len;
  int steps;

  g_return_if_fail (DS_IS_INSPECT_CANVAS (self));

  len = hypot (x1 - x0, y1 - y0);
  steps = MAX (1, (int) ceil (len / 0.25));
  for (int i = 0; i <= steps; i++)
    dab (self, x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
to_canvas (DsInspectCanvas *self,
           double           wx,
           double           wy,
           double          *cx,
           double          *cy)
{
  double x0, y0, cell;

  layout (self, &x0, &y0, &cell);
  *cx = (wx - x0) / cell;
  *cy = (wy - y0) / cell;
}

static void
drag_begin_cb (GtkGestureDrag  *gesture,
               double           x,
               double           y,
               DsInspectCanvas *self)
{
  to_canvas (self, x, y, &self->last_x, &self->last_y);
  ds_inspect_canvas_stroke (self, self->last_x, self->last_y, self->last_x, self->last_y);
}

static void
drag_update_cb (GtkGestureDrag  *gesture,
                double           dx,
                double           dy,
                DsInspectCanvas *self)
{
  double sx, sy, cx, cy;

  gtk_gesture_drag_get_start_point (gesture, &sx, &sy);
  to_canvas (self, sx + dx, sy + dy, &cx, &cy);
  if (hypot (cx - self->last_x, cy - self->last_y) < 0.2)
    return;
  ds_inspect_canvas_stroke (self, self->last_x, self->last_y, cx, cy);
  self->last_x = cx;
  self->last_y = cy;
}

static void
ds_inspect_canvas_snapshot (GtkWidget   *widget,
                            GtkSnapshot *snapshot)
{
  DsInspectCanvas *self = DS_INSPECT_CANVAS (widget);
  double x0, y0, cell;
  cairo_t *cr;

  layout (self, &x0, &y0, &cell);
  cr = gtk_snapshot_append_cairo (snapshot,
                                  &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (widget),
                                                       gtk_widget_get_height (widget)));
  /* Cells edge to edge: antialiased edges would draw a grid of seams. */
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_NONE);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, x0, y0, cell * self->width, cell * self->height);
  cairo_fill (cr);
  for (int y = 0; y < self->height; y++)
    for (int x = 0; x < self->width; x++)
      {
        float v = self->pixels[y * self->width + x];

        if (v <= 0)
          continue;
        cairo_set_source_rgb (cr, v, v, v);
        cairo_rectangle (cr, x0 + x * cell, y0 + y * cell, cell, cell);
        cairo_fill (cr);
      }
  cairo_destroy (cr);
}

static void
ds_inspect_canvas_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  DsInspectCanvas *self = DS_INSPECT_CANVAS (widget);
  int n = orientation == GTK_ORIENTATION_HORIZONTAL ? self->width : self->height;

  /* 8 screen pixels per canvas pixel: 224 for a 28×28 input. */
  *minimum = n * 4;
  *natural = n * 8;
}

static void
ds_inspect_canvas_finalize (GObject *object)
{
  DsInspectCanvas *self = DS_INSPECT_CANVAS (object);

  g_free (self->pixels);
  G_OBJECT_CLASS (ds_inspect_canvas_parent_class)->finalize (object);
}

static void
ds_inspect_canvas_class_init (DsInspectCanvasClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ds_inspect_canvas_finalize;
  widget_class->snapshot = ds_inspect_canvas_snapshot;
  widget_class->measure = ds_inspect_canvas_measure;
  gtk_widget_class_set_css_name (widget_class, "inspectcanvas");

  signals[CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ds_inspect_canvas_init (DsInspectCanvas *self)
{
  GtkGesture *drag = gtk_gesture_drag_new ();

  self->radius = 1.6;
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drag));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "crosshair");
}

GtkWidget *
ds_inspect_canvas_new (int width,
                       int height)
{
  DsInspectCanvas *self;

  g_return_val_if_fail (width > 0 && height > 0, NULL);
  self = g_object_new (DS_TYPE_INSPECT_CANVAS, NULL);
  self->width = width;
  self->height = height;
  self->pixels = g_new0 (float, (size_t) width * height);
  return GTK_WIDGET (self);
}

const float *
ds_inspect_canvas_get_pixels (DsInspectCanvas *self,
                              int             *width,
                              int             *height)
{
  g_return_val_if_fail (DS_IS_INSPECT_CANVAS (self), NULL);
  if (width)
    *width = self->width;
  if (height)
    *height = self->height;
  return self->pixels;
}

void
ds_inspect_canvas_clear (DsInspectCanvas *self)
{
  g_return_if_fail (DS_IS_INSPECT_CANVAS (self));
  for (int i = 0; i < self->width * self->height; i++)
    self->pixels[i] = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_signal_emit (self, signals[CHANGED], 0);
}

void
ds_inspect_canvas_set_radius (DsInspectCanvas *self,
                              double           radius)
{
  g_return_if_fail (DS_IS_INSPECT_CANVAS (self));
  self->radius = CLAMP (radius, 0.5, 8);
}
