/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include "ds-colors.h"
#include "ds-inspect-export.h"
#include "ds-inspect-picture.h"

struct _DsInspectPicture
{
  GtkWidget        parent_instance;

  /* Owned */
  cairo_surface_t *surface;   /* RGB24, width × height, or NULL */
  int              size;      /* requested side in pixels */
};

G_DEFINE_FINAL_TYPE (DsInspectPicture, ds_inspect_picture, GTK_TYPE_WIDGET)

/* Where the picture goes inside width × height: as large as fits, its
 * aspect kept, centred. */
static void
fit (DsInspectPicture *self,
     double            width,
     double            height,
     double           *x,
     double           *y,
     double           *scale)
{
  int w = cairo_image_surface_get_width (self->surface);
  int h = cairo_image_surface_get_height (self->surface);

  *scale = MIN (width / w, height / h);
  *x = (width - w * *scale) / 2;
  *y = (height - h * *scale) / 2;
}

static void
draw (GtkWidget *widget,
      cairo_t   *cr,
      int        width,
      int        height)
{
  DsInspectPicture *self = DS_INSPECT_PICTURE (widget);
  cairo_pattern_t *pattern;
  double x, y, scale;

  if (self->surface == NULL)
    return;
  fit (self, width, height, &x, &y, &scale);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, self->surface, 0, 0);
  pattern = cairo_get_source (cr);
  /* Pixels stay square: a 7×7 map is 49 cells, not a blur. */
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, cairo_image_surface_get_width (self->surface),
                   cairo_image_surface_get_height (self->surface));
  cairo_fill (cr);
  cairo_restore (cr);
}

static gboolean
export_size (GtkWidget *widget,
             int       *width,
             int       *height)
{
  DsInspectPicture *self = DS_INSPECT_PICTURE (widget);
  int w, h, k;

  if (self->surface == NULL)
    return FALSE;
  w = cairo_image_surface_get_width (self->surface);
  h = cairo_image_surface_get_height (self->surface);
  /* Whole pixels, at least about 280 wide: a 28×28 input at 10×. */
  k = MAX (1, (280 + w - 1) / w);
  *width = w * k;
  *height = h * k;
  return TRUE;
}

static void
ds_inspect_picture_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  DsInspectPicture *self = DS_INSPECT_PICTURE (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (width < 1 || height < 1)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->surface == NULL)
    {
      /* Empty: a faint dashed frame where the picture will go. */
      cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.5);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 4, 4 }, 2, 0);
      cairo_rectangle (cr, 0.5, 0.5, width - 1, height - 1);
      cairo_stroke (cr);
    }
  else
    draw (widget, cr, width, height);
  cairo_destroy (cr);
}

static void
ds_inspect_picture_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  DsInspectPicture *self = DS_INSPECT_PICTURE (widget);
  /* A fixed size: boxes hand out minimum heights, and a picture shrunk
   * to a few pixels shows nothing. */
  *minimum = *natural = self->size;
}

static void
ds_inspect_picture_finalize (GObject *object)
{
  DsInspectPicture *self = DS_INSPECT_PICTURE (object);

  g_clear_pointer (&self->surface, cairo_surface_destroy);
  G_OBJECT_CLASS (ds_inspect_picture_parent_class)->finalize (object);
}

static void
ds_inspect_picture_class_init (DsInspectPictureClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = ds_inspect_picture_finalize;
  widget_class->snapshot = ds_inspect_picture_snapshot;
  widget_class->measure = ds_inspect_picture_measure;
  gtk_widget_class_set_css_name (widget_class, "inspectpicture");
}

static void
ds_inspect_picture_init (DsInspectPicture *self)
{
  self->size = 96;
  ds_inspect_export_attach (GTK_WIDGET (self), "picture", export_size, draw);
}

GtkWidget *
ds_inspect_picture_new (int size)
{
  DsInspectPicture *self = g_object_new (DS_TYPE_INSPECT_PICTURE, NULL);

  self->size = MAX (size, 8);
  return GTK_WIDGET (self);
}

/* A new RGB24 surface of width × height, or reuses the one shown. */
static guint32 *
begin (DsInspectPicture *self,
       int               width,
       int               height,
       int              *stride)
{
  if (self->surface == NULL || cairo_image_surface_get_width (self->surface) != width
      || cairo_image_surface_get_height (self->surface) != height)
    {
      g_clear_pointer (&self->surface, cairo_surface_destroy);
      self->surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
    }
  cairo_surface_flush (self->surface);
  *stride = cairo_image_surface_get_stride (self->surface) / 4;
  return (guint32 *) cairo_image_surface_get_data (self->surface);
}

static void
end (DsInspectPicture *self)
{
  cairo_surface_mark_dirty (self->surface);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static guint8
byte_of (float v,
         double lo,
         double hi)
{
  double u = hi > lo ? (v - lo) / (hi - lo) : 0;

  if (!(u > 0))
    return 0;
  return u >= 1 ? 255 : (guint8) lround (u * 255);
}

void
ds_inspect_picture_set_image (DsInspectPicture *self,
                              const float      *values,
                              int               width,
                              int               height,
                              int               channels,
                              double            lo,
                              double            hi)
{
  guint32 *px;
  int stride;

  g_return_if_fail (DS_IS_INSPECT_PICTURE (self));
  g_return_if_fail (values != NULL && width > 0 && height > 0);
  g_return_if_fail (channels >= 1);

  px = begin (self, width, height, &stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const float *v = values + ((size_t) y * width + x) * channels;
        guint8 r = byte_of (v[0], lo, hi);
        guint8 g = channels >= 3 ? byte_of (v[1], lo, hi) : r;
        guint8 b = channels >= 3 ? byte_of (v[2], lo, hi) : r;

        px[y * stride + x] = ((guint32) r << 16) | ((guint32) g << 8) | b;
      }
  end (self);
}

void
ds_inspect_picture_set_map (DsInspectPicture *self,
                            const float      *values,
                            int               width,
                            int               height,
                            int               stride_in,
                            double            lo,
                            double            hi)
{
  guint32 *px;
  int stride;

  g_return_if_fail (DS_IS_INSPECT_PICTURE (self));
  g_return_if_fail (values != NULL && width > 0 && height > 0);

  px = begin (self, width, height, &stride);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        float v = values[((size_t) y * width + x) * stride_in];

        px[y * stride + x] = ds_colors_activation_pixel (hi > lo ? (v - lo) / (hi - lo) : 0);
      }
  end (self);
}

void
ds_inspect_picture_clear (DsInspectPicture *self)
{
  g_return_if_fail (DS_IS_INSPECT_PICTURE (self));
  g_clear_pointer (&self->surface, cairo_surface_destroy);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

int
ds_inspect_picture_get_width (DsInspectPicture *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_PICTURE (self), 0);
  return self->surface ? cairo_image_surface_get_width (self->surface) : 0;
}

int
ds_inspect_picture_get_height (DsInspectPicture *self)
{
  g_return_val_if_fail (DS_IS_INSPECT_PICTURE (self), 0);
  return self->surface ? cairo_image_surface_get_height (self->surface) : 0;
}

guint32
ds_inspect_picture_get_pixel (DsInspectPicture *self,
                              int               x,
                              int               y)
{
  g_return_val_if_fail (DS_IS_INSPECT_PICTURE (self), 0);
  g_return_val_if_fail (self->surface != NULL, 0);
  g_return_val_if_fail (x >= 0 && x < cairo_image_surface_get_width (self->surface), 0);
  g_return_val_if_fail (y >= 0 && y < cairo_image_surface_get_height (self->surface), 0);

  cairo_surface_flush (self->surface);
  return ((guint32 *) cairo_image_surface_get_data (self->surface))
           [y * (cairo_image_surface_get_stride (self->surface) / 4) + x] & 0xffffff;
}

void
ds_inspect_picture_set_export_name (DsInspectPicture *self,
                                    const char       *name)
{
  g_return_if_fail (DS_IS_INSPECT_PICTURE (self));
  ds_inspect_export_set_name (GTK_WIDGET (self), name);
}
