/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drawing the Inspect view's pictures: tensor images, colour-mapped maps,
 * colour bars, and the exportable picture widget. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "ds-colors.h"
#include "ds-file-chooser.h"
#include "ds-inspect-draw.h"
#include "ds-util.h"

gboolean
ds_inspect_image_geometry (int        ndim,
                           const int *shape,
                           int       *h,
                           int       *w,
                           int       *c)
{
  int side;

  if (ndim == 3 && shape[0] > 0 && shape[1] > 0 && shape[2] > 0)
    {
      *h = shape[0], *w = shape[1], *c = shape[2];
      return TRUE;
    }
  if (ndim == 2 && shape[0] > 0 && shape[1] > 0)
    {
      *h = shape[0], *w = shape[1], *c = 1;
      return TRUE;
    }
  if (ndim != 1 || shape[0] < 4)
    return FALSE;
  side = (int) lround (sqrt (shape[0]));
  if (side * side != shape[0])
    return FALSE;
  *h = *w = side, *c = 1;
  return TRUE;
}

static inline guint8
to_byte (double v)
{
  return (guint8) lround (CLAMP (isfinite (v) ? v : 0, 0, 1) * 255);
}

cairo_surface_t *
ds_inspect_image_surface (const float *data,
                          int          h,
                          int          w,
                          int          c,
                          double       lo,
                          double       hi)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, MAX (w, 1), MAX (h, 1));
  guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  size_t n = (size_t) h * w * c;

  g_return_val_if_fail (data != NULL && c > 0, surface);
  if (lo >= hi)
    {
      lo = INFINITY, hi = -INFINITY;
      for (size_t i = 0; i < n; i++)
        if (isfinite (data[i]))
          lo = MIN (lo, data[i]), hi = MAX (hi, data[i]);
      if (!(hi > lo))
        hi = lo + 1;
    }
  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (pixels + (size_t) y * stride);

      for (int x = 0; x < w; x++)
        {
          const float *p = data + ((size_t) y * w + x) * c;
          guint8 r = to_byte ((p[0] - lo) / (hi - lo));
          guint8 g = c == 3 ? to_byte ((p[1] - lo) / (hi - lo)) : r;
          guint8 b = c == 3 ? to_byte ((p[2] - lo) / (hi - lo)) : r;

          row[x] = ((guint32) r << 16) | ((guint32) g << 8) | b;
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

cairo_surface_t *
ds_inspect_heat_surface (const float    *map,
                         int             h,
                         int             w,
                         DsInspectScale  scale,
                         double          lo,
                         double          hi,
                         double          opacity)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, MAX (w, 1), MAX (h, 1));
  guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  double m = MAX (fabs (lo), fabs (hi));

  g_return_val_if_fail (map != NULL, surface);
  opacity = CLAMP (opacity, 0, 1);
  if (!(m > 0))
    m = 1;
  if (!(hi > lo))
    hi = lo + 1;
  cairo_surface_flush (surface);
  for (int y = 0; y < h; y++)
    {
      guint32 *row = (guint32 *) (pixels + (size_t) y * stride);

      for (int x = 0; x < w; x++)
        {
          double v = map[(size_t) y * w + x], rgb[3], a;

          if (!isfinite (v))
            v = 0;
          if (scale == DS_INSPECT_SCALE_SIGNED)
            {
              double s = CLAMP (v / m, -1, 1);

              ds_colors_signed_rgb (s, rgb);
              /* Zero drops are clear; strong ones are as opaque as asked. */
              a = opacity * MIN (1, 0.15 + 1.2 * fabs (s)) * (fabs (s) > 0.02);
            }
          else
            {
              double t = CLAMP ((v - lo) / (hi - lo), 0, 1);

              ds_colors_heat_rgb (t, rgb);
              /* Low values veil the input less: where the map is near
               * zero the picture stays readable. */
              a = opacity * MIN (1, 0.15 + t);
            }
          /* Cairo's ARGB32 is premultiplied. */
          row[x] = ((guint32) to_byte (a) << 24) | ((guint32) to_byte (rgb[0] * a) << 16)
                   | ((guint32) to_byte (rgb[1] * a) << 8) | to_byte (rgb[2] * a);
        }
    }
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
ds_inspect_paint_surface (cairo_t         *cr,
                          cairo_surface_t *surface,
                          double           x,
                          double           y,
                          double           w,
                          double           h,
                          gboolean         smooth)
{
  int sw = cairo_image_surface_get_width (surface);
  int sh = cairo_image_surface_get_height (surface);

  if (sw < 1 || sh < 1 || w <= 0 || h <= 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, w / sw, h / sh);
  cairo_set_source_surface (cr, surface, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), smooth ? CAIRO_FILTER_BILINEAR : CAIRO_FILTER_NEAREST);
  /* Bilinear maps stretch to the edges instead of fading out there. */
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

void
ds_inspect_draw_color_bar (cairo_t        *cr,
                           double          x,
                           double          y,
                           double          w,
                           double          h,
                           DsInspectScale  scale,
                           double          lo,
                           double          hi,
                           const GdkRGBA  *text)
{
  const int steps = 64;
  double m = MAX (fabs (lo), fabs (hi));

  if (scale == DS_INSPECT_SCALE_SIGNED)
    lo = -m, hi = m;
  if (!(hi > lo))
    hi = lo + 1;
  for (int i = 0; i < steps; i++)
    {
      double t = (i + 0.5) / steps, rgb[3];

      if (scale == DS_INSPECT_SCALE_SIGNED)
        ds_colors_signed_rgb (2 * t - 1, rgb);
      else
        ds_colors_heat_rgb (t, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      /* Overlapping by half a pixel hides seams in SVG viewers. */
      cairo_rectangle (cr, x, y + h - (i + 1) * h / steps - 0.5, w, h / steps + 0.5);
      cairo_fill (cr);
    }
  cairo_set_source_rgba (cr, text->red, text->green, text->blue, 0.35);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1, h - 1);
  cairo_stroke (cr);

  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  /* Enough decimals that the five ticks read differently: a quarter of
   * the range must show (occlusion drops of ±0.004 read "0.00" five
   * times with two). */
  double step = fabs (hi - lo) / 4;
  int decimals = step > 0 ? CLAMP ((int) ceil (-log10 (step)) + 1, 0, 6) : 2;

  for (int k = 0; k <= 4; k++)
    {
      double v = lo + (hi - lo) * k / 4, ty = y + h - h * k / 4;
      char label[32];

      if (fabs (v) < step * 1e-6)
        v = 0;   /* no "-0.000" */
      g_snprintf (label, sizeof label, "%.*f", decimals, v);
      cairo_set_source_rgba (cr, text->red, text->green, text->blue, 0.6);
      cairo_move_to (cr, x + w, ty);
      cairo_line_to (cr, x + w + 4, ty);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, text->red, text->green, text->blue, 0.9);
      cairo_move_to (cr, x + w + 6, CLAMP (ty + 3.5, y + 8, y + h + 3));
      cairo_show_text (cr, label);
    }
}

static gboolean picture_exporting (GtkWidget *widget);

void
ds_inspect_page_margins (GtkWidget *page)
{
  gtk_widget_set_margin_start (page, 12);
  gtk_widget_set_margin_end (page, 12);
  gtk_widget_set_margin_top (page, 12);
  gtk_widget_set_margin_bottom (page, 12);
}

void
ds_inspect_text_color (GtkWidget *widget,
                       GdkRGBA   *out)
{
  /* Exports are on white paper whatever the theme. */
  if (picture_exporting (widget))
    *out = (GdkRGBA) { 0.1, 0.1, 0.1, 1 };
  else
    gtk_style_context_get_color (gtk_widget_get_style_context (widget), out);
}

/* ---- DsInspectDrawing ----------------------------------------------------- */

struct _DsInspectDrawing
{
  GtkWidget             parent_instance;

  /* Owned */
  GtkWidget            *menu;
  GtkFileChooserNative *chooser;
  char                 *export_name;

  DsExportDrawFunc      draw;
  gpointer              user_data;
  int                   width;
  int                   height;
  DsExportFormat        export_format;
  gboolean              exporting;
  int                   n_parts;     /* equal columns, each a picture of its own */
  int                   export_part; /* the column the menu was opened on, or -1 */
};

G_DEFINE_FINAL_TYPE (DsInspectDrawing, ds_inspect_drawing, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
show_result (DsInspectDrawing *self,
             const char       *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  gtk_widget_set_tooltip_text (GTK_WIDGET (self), text);
  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
}

static void
export_chosen_cb (GFile    *file,
                  gpointer  data)
{
  DsInspectDrawing *self = data;
  g_autofree char *path = file ? g_file_get_path (file) : NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (path == NULL)
    text = g_strdup (_("Could not export: only local files can be written; choose a folder on this computer"));
  else if (!ds_inspect_drawing_export (self, self->export_format, path, &error))
    text = g_strdup_printf (_("Could not export: %s"), error->message);
  else
    {
      g_autofree char *name = g_file_get_basename (file);

      text = g_strdup_printf (_("Exported “%s”"), name);
    }
  show_result (self, text);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (widget);
  g_autofree char *name = NULL;
  DsExportFormat format;

  if (!ds_export_format_parse (g_variant_get_string (parameter, NULL), &format))
    return;
  self->export_format = format;
  name = g_strdup_printf ("%s.%s", self->export_name ? self->export_name : "picture",
                          ds_export_format_extension (format));
  ds_file_chooser_show (&self->chooser, widget, _("Export Picture"), GTK_FILE_CHOOSER_ACTION_SAVE,
                        _("_Export"), name, NULL, export_chosen_cb, self);
}

static void
popup_menu (DsInspectDrawing *self,
            double            x,
            double            y)
{
  if (self->menu == NULL)
    {
      g_autoptr(GMenu) model = g_menu_new ();

      g_menu_append (model, _("Export as PNG…"), "picture.export::png");
      g_menu_append (model, _("Export as SVG…"), "picture.export::svg");
      self->menu = gtk_popover_menu_new_from_model (G_MENU_MODEL (model));
      gtk_popover_set_has_arrow (GTK_POPOVER (self->menu), FALSE);
      gtk_widget_set_halign (self->menu, GTK_ALIGN_START);
      gtk_widget_set_parent (self->menu, GTK_WIDGET (self));
      ds_quiet_tooltip_for_popover (GTK_WIDGET (self), self->menu);
    }
  /* A picture of several side by side exports the one clicked. */
  self->export_part = -1;
  if (self->n_parts > 1 && gtk_widget_get_width (GTK_WIDGET (self)) > 0)
    self->export_part = CLAMP ((int) (x * self->n_parts / gtk_widget_get_width (GTK_WIDGET (self))),
                               0, self->n_parts - 1);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->menu), &(GdkRectangle) { (int) x, (int) y, 1, 1 });
  gtk_popover_popup (GTK_POPOVER (self->menu));
}

static void
secondary_pressed_cb (GtkGestureClick  *gesture,
                      int               n_press,
                      double            x,
                      double            y,
                      DsInspectDrawing *self)
{
  popup_menu (self, x, y);
  gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
long_pressed_cb (GtkGestureLongPress *gesture,
                 double               x,
                 double               y,
                 DsInspectDrawing    *self)
{
  popup_menu (self, x, y);
}

static void
primary_released_cb (GtkGestureClick  *gesture,
                     int               n_press,
                     double            x,
                     double            y,
                     DsInspectDrawing *self)
{
  g_signal_emit (self, signals[SIGNAL_CLICKED], 0, x, y);
}

static void
ds_inspect_drawing_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  cairo_t *cr;

  if (self->draw == NULL || w < 1 || h < 1)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, w, h));
  self->draw (cr, w, h, self->user_data);
  cairo_destroy (cr);
}

static void
ds_inspect_drawing_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (widget);
  int n = orientation == GTK_ORIENTATION_HORIZONTAL ? self->width : self->height;

  *minimum = MIN (n, 48);
  *natural = n;
}

static void
ds_inspect_drawing_size_allocate (GtkWidget *widget,
                                  int        width,
                                  int        height,
                                  int        baseline)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (widget);

  if (self->menu)
    gtk_popover_present (GTK_POPOVER (self->menu));
}

static void
ds_inspect_drawing_dispose (GObject *object)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (object);

  ds_file_chooser_clear (&self->chooser);
  g_clear_pointer (&self->menu, gtk_widget_unparent);
  G_OBJECT_CLASS (ds_inspect_drawing_parent_class)->dispose (object);
}

static void
ds_inspect_drawing_finalize (GObject *object)
{
  DsInspectDrawing *self = DS_INSPECT_DRAWING (object);

  g_free (self->export_name);
  G_OBJECT_CLASS (ds_inspect_drawing_parent_class)->finalize (object);
}

static void
ds_inspect_drawing_class_init (DsInspectDrawingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ds_inspect_drawing_dispose;
  object_class->finalize = ds_inspect_drawing_finalize;
  widget_class->snapshot = ds_inspect_drawing_snapshot;
  widget_class->measure = ds_inspect_drawing_measure;
  widget_class->size_allocate = ds_inspect_drawing_size_allocate;

  /* x, y: where the primary button was released, in the widget. */
  signals[SIGNAL_CLICKED] = g_signal_new ("clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                          G_TYPE_DOUBLE, G_TYPE_DOUBLE);
  gtk_widget_class_install_action (widget_class, "picture.export", "s", export_action);
  gtk_widget_class_set_css_name (widget_class, "inspectpicture");
}

static void
ds_inspect_drawing_init (DsInspectDrawing *self)
{
  GtkGesture *secondary = gtk_gesture_click_new ();
  GtkGesture *primary = gtk_gesture_click_new ();
  GtkGesture *press = gtk_gesture_long_press_new ();

  self->width = self->height = 240;
  self->n_parts = 1;
  self->export_part = -1;
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (secondary), GDK_BUTTON_SECONDARY);
  g_signal_connect (secondary, "pressed", G_CALLBACK (secondary_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (secondary));
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (primary), GDK_BUTTON_PRIMARY);
  g_signal_connect (primary, "released", G_CALLBACK (primary_released_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (primary));
  gtk_gesture_single_set_touch_only (GTK_GESTURE_SINGLE (press), TRUE);
  g_signal_connect (press, "pressed", G_CALLBACK (long_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (press));
}

GtkWidget *
ds_inspect_drawing_new (DsExportDrawFunc draw,
                        gpointer         user_data)
{
  DsInspectDrawing *self = g_object_new (DS_TYPE_INSPECT_DRAWING, NULL);

  self->draw = draw;
  self->user_data = user_data;
  return GTK_WIDGET (self);
}

void
ds_inspect_drawing_set_size (DsInspectDrawing *self,
                             int               width,
                             int               height)
{
  g_return_if_fail (DS_IS_INSPECT_DRAWING (self));

  if (self->width == width && self->height == height)
    return;
  self->width = MAX (width, 1);
  self->height = MAX (height, 1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
ds_inspect_drawing_set_export_name (DsInspectDrawing *self,
                                    const char       *name)
{
  g_return_if_fail (DS_IS_INSPECT_DRAWING (self));

  g_free (self->export_name);
  self->export_name = g_strdup (name);
}

static gboolean
picture_exporting (GtkWidget *widget)
{
  return DS_IS_INSPECT_DRAWING (widget) && DS_INSPECT_DRAWING (widget)->exporting;
}

static void
export_draw (cairo_t  *cr,
             int       width,
             int       height,
             gpointer  data)
{
  DsInspectDrawing *self = data;
  int k = self->export_part;

  /* Exports stand alone: white paper behind the picture. */
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (k >= 0)
    {
      /* one column of the whole: the whole drawn shifted under a clip */
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_clip (cr);
      cairo_translate (cr, -k * (double) width, 0);
      width *= self->n_parts;
    }
  self->draw (cr, width, height, self->user_data);
}

void
ds_inspect_drawing_set_parts (DsInspectDrawing *self,
                              int               n_parts)
{
  g_return_if_fail (DS_IS_INSPECT_DRAWING (self));
  self->n_parts = MAX (1, n_parts);
  self->export_part = -1;
}

void
ds_inspect_drawing_set_export_part (DsInspectDrawing *self,
                                    int               part)
{
  g_return_if_fail (DS_IS_INSPECT_DRAWING (self));
  self->export_part = part >= 0 && part < self->n_parts && self->n_parts > 1 ? part : -1;
}

gboolean
ds_inspect_drawing_export (DsInspectDrawing *self,
                           DsExportFormat    format,
                           const char       *path,
                           GError          **error)
{
  gboolean ok;
  int w, h;

  g_return_val_if_fail (DS_IS_INSPECT_DRAWING (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  w = gtk_widget_get_width (GTK_WIDGET (self));
  h = gtk_widget_get_height (GTK_WIDGET (self));
  if (w < 1 || h < 1)
    w = self->width, h = self->height;
  if (self->export_part >= self->n_parts)
    self->export_part = -1;
  if (self->export_part >= 0)
    w = MAX (1, w / self->n_parts);
  self->exporting = TRUE;
  ok = ds_export_drawing (export_draw, self, w, h, format, path, error);
  self->exporting = FALSE;
  return ok;
}
