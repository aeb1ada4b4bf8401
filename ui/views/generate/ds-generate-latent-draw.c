/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Latent page's pictures: the decoded grid, the scatter of codes
 * coloured by class, one decoded image, the walk's strip; each as a
 * drawing area's draw function and as a function the export calls. */
#define G_LOG_DOMAIN "deepscope"

#include <glib/gi18n.h>

#include "ds-generate-latent-private.h"

/* ---- pictures ----------------------------------------------------------------- */

static void
draw_image (cairo_t     *cr,
            const float *data,
            int          h,
            int          w,
            int          c,
            double       x,
            double       y,
            double       side)
{
  cairo_surface_t *s = _ds_generate_image_surface (data, h, w, c, FALSE);
  double scale = side / MAX (h, w);

  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, scale, scale);
  cairo_set_source_surface (cr, s, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
  cairo_surface_destroy (s);
}

static void
draw_text (cairo_t    *cr,
           double      x,
           double      y,
           const char *text)
{
  cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, text);
}

void
_ds_latent_draw_grid (cairo_t  *cr,
           int       width,
           int       height,
           gpointer  data)
{
  DsGenerateLatent *l = lat (data);
  double side = MIN (width, height) - 2 * PAD - 14, tile, x0, y0;
  int n = l->grid_side;
  char buf[64];

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (l->grid == NULL || n < 1 || side < 20)
    return;
  tile = side / n;
  x0 = (width - side) / 2 + 7;
  y0 = PAD;
  for (int row = 0; row < n; row++)
    for (int col = 0; col < n; col++)
      draw_image (cr, l->grid->data + ((size_t) row * n + col) * l->per_out, l->out_h,
                  l->out_w, l->out_c, x0 + col * tile, y0 + row * tile, tile);
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x0 - 0.5, y0 - 0.5, side + 1, side + 1);
  cairo_stroke (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  g_snprintf (buf, sizeof buf, _("z%d from %.3g to %.3g →"), l->d1 + 1, -l->grid_range,
              l->grid_range);
  draw_text (cr, x0, y0 + side + 13, buf);
  cairo_save (cr);
  cairo_translate (cr, x0 - 4, y0 + side);
  cairo_rotate (cr, -G_PI / 2);
  g_snprintf (buf, sizeof buf, _("z%d from %.3g to %.3g →"), l->d2 + 1, -l->grid_range,
              l->grid_range);
  draw_text (cr, 0, 0, buf);
  cairo_restore (cr);
}

void
_ds_latent_grid_draw_cb (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  _ds_latent_draw_grid (cr, width, height, data);
}

/* The scatter's square: centre and half side in pixels, and the half side
 * in latent units (the grid's range, or the codes' extent when larger). */
void
_ds_latent_plane_geometry (DsGenerateLatent *l,
                int               width,
                int               height,
                double           *cx,
                double           *cy,
                double           *half,
                double           *extent)
{
  double e = l->grid_range > 0 ? l->grid_range : 1;

  *half = MAX (10, MIN (width - LEGEND_W - 2 * PAD, height - 2 * PAD - 2 * AXIS_H) / 2.0);
  *cx = PAD + *half;
  *cy = PAD + AXIS_H + *half;
  if (l->codes)
    for (int i = 0; i < l->codes->shape[0]; i++)
      {
        const float *p = l->codes->data + (size_t) i * l->latent_dim;

        e = MAX (e, fabs (p[l->d1]));
        e = MAX (e, fabs (p[l->d2]));
      }
  *extent = e * 1.05;
}

static void
to_screen (double  cx,
           double  cy,
           double  half,
           double  extent,
           double  zx,
           double  zy,
           double *x,
           double *y)
{
  *x = cx + zx / extent * half;
  *y = cy - zy / extent * half;
}

void
_ds_latent_draw_scatter (cairo_t  *cr,
              int       width,
              int       height,
              gpointer  data)
{
  DsGenerateLatent *l = lat (data);
  double cx, cy, half, extent, x, y, x1, y1;
  cairo_text_extents_t te;
  char buf[64];

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (l->reason != NULL || l->latent_dim < 1)
    return;
  _ds_latent_plane_geometry (l, width, height, &cx, &cy, &half, &extent);
  cairo_set_line_width (cr, 1);
  /* The plot's frame: the axis names go outside it. */
  cairo_set_source_rgb (cr, 0.7, 0.7, 0.7);
  cairo_rectangle (cr, cx - half - 0.5, cy - half - 0.5, 2 * half + 1, 2 * half + 1);
  cairo_stroke (cr);
  cairo_set_source_rgb (cr, 0.85, 0.85, 0.85);
  cairo_move_to (cr, cx - half, cy);
  cairo_line_to (cr, cx + half, cy);
  cairo_move_to (cr, cx, cy - half);
  cairo_line_to (cr, cx, cy + half);
  cairo_stroke (cr);
  /* The grid's square. */
  to_screen (cx, cy, half, extent, -l->grid_range, l->grid_range, &x, &y);
  to_screen (cx, cy, half, extent, l->grid_range, -l->grid_range, &x1, &y1);
  cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
  cairo_set_dash (cr, (double[]) { 4, 3 }, 2, 0);
  cairo_rectangle (cr, x, y, x1 - x, y1 - y);
  cairo_stroke (cr);
  cairo_set_dash (cr, NULL, 0, 0);
  if (l->codes)
    for (int i = 0; i < l->codes->shape[0]; i++)
      {
        const float *p = l->codes->data + (size_t) i * l->latent_dim;
        double rgb[3] = { 0.5, 0.5, 0.5 };

        if (l->labels[i] >= 0)
          ds_colors_class_rgb (l->labels[i], rgb);
        to_screen (cx, cy, half, extent, p[l->d1], p[l->d2], &x, &y);
        cairo_set_source_rgba (cr, rgb[0], rgb[1], rgb[2], 0.7);
        cairo_arc (cr, x, y, 2.2, 0, 2 * G_PI);
        cairo_fill (cr);
      }
  /* The walk's ends and the concept's arrow. */
  if (l->codes && l->codes->shape[0] > 0)
    {
      int a = gtk_spin_button_get_value_as_int (l->walk_a);
      int b = gtk_spin_button_get_value_as_int (l->walk_b);
      int n = l->codes->shape[0];

      if (a < n && b < n)
        {
          const float *pa = l->codes->data + (size_t) a * l->latent_dim;
          const float *pb = l->codes->data + (size_t) b * l->latent_dim;

          to_screen (cx, cy, half, extent, pa[l->d1], pa[l->d2], &x, &y);
          to_screen (cx, cy, half, extent, pb[l->d1], pb[l->d2], &x1, &y1);
          cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
          cairo_set_line_width (cr, 1.5);
          cairo_move_to (cr, x, y);
          cairo_line_to (cr, x1, y1);
          cairo_stroke (cr);
          cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
          cairo_stroke (cr);
          cairo_arc (cr, x1, y1, 4, 0, 2 * G_PI);
          cairo_fill (cr);
          if (l->has_concept)
            {
              double alpha = gtk_range_get_value (GTK_RANGE (l->alpha));

              to_screen (cx, cy, half, extent, pa[l->d1] + alpha * l->concept_v[l->d1],
                         pa[l->d2] + alpha * l->concept_v[l->d2], &x1, &y1);
              cairo_set_source_rgb (cr, 0.75, 0.1, 0.45);
              cairo_move_to (cr, x, y);
              cairo_line_to (cr, x1, y1);
              cairo_stroke (cr);
              cairo_arc (cr, x1, y1, 3.5, 0, 2 * G_PI);
              cairo_fill (cr);
            }
        }
    }
  /* Axis names outside the frame, z1 under it (right-aligned), z2 over it;
   * before the pointer's decoding, which may cover them while dragged. */
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  g_snprintf (buf, sizeof buf, _("z%d → (plot ±%.3g)"), l->d1 + 1, extent);
  cairo_text_extents (cr, buf, &te);
  draw_text (cr, cx + half - te.x_advance, cy + half + AXIS_H - 3, buf);
  g_snprintf (buf, sizeof buf, "z%d ↑", l->d2 + 1);
  draw_text (cr, cx - half, cy - half - 5, buf);
  cairo_new_path (cr);
  /* The dragged point's ring, and its decoding beside the pointer while
   * the drag lasts. */
  if (l->has_point && l->point_img)
    {
      to_screen (cx, cy, half, extent, l->point_x, l->point_y, &x, &y);
      cairo_set_source_rgb (cr, 0.9, 0.2, 0.1);
      cairo_set_line_width (cr, 2);
      cairo_arc (cr, x, y, 5, 0, 2 * G_PI);
      cairo_stroke (cr);
    }
  if (l->has_point && l->point_img && l->dragging)
    {
      x1 = x + 10 + THUMB > width - LEGEND_W ? x - 10 - THUMB : x + 10;
      y1 = CLAMP (y - THUMB / 2.0, 0, MAX (0, height - THUMB));
      draw_image (cr, l->point_img->data, l->out_h, l->out_w, l->out_c, x1, y1, THUMB);
      cairo_set_source_rgb (cr, 0.9, 0.2, 0.1);
      cairo_rectangle (cr, x1, y1, THUMB, THUMB);
      cairo_stroke (cr);
    }
  /* The legend. */
  for (int c = 0; c < l->n_classes && c < 20; c++)
    {
      double rgb[3];

      ds_colors_class_rgb (c, rgb);
      cairo_set_source_rgb (cr, rgb[0], rgb[1], rgb[2]);
      cairo_arc (cr, width - LEGEND_W + 8, PAD + 17 * c + 6, 5, 0, 2 * G_PI);
      cairo_fill (cr);
      draw_text (cr, width - LEGEND_W + 18, PAD + 17 * c + 10,
                 l->class_names && l->class_names[c] ? l->class_names[c] : "?");
    }
}

void
_ds_latent_scatter_draw_cb (GtkDrawingArea *area,
                 cairo_t        *cr,
                 int             width,
                 int             height,
                 gpointer        data)
{
  _ds_latent_draw_scatter (cr, width, height, data);
}

/* One decoded image (1, output...) centred in the area, or a hint. */
static void
draw_one (cairo_t          *cr,
          DsGenerateLatent *l,
          const NnTensor   *img,
          int               width,
          int               height,
          const char       *hint)
{
  double side = MIN (width, height);

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (img == NULL)
    {
      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 11);
      draw_text (cr, 6, height / 2.0, hint);
      return;
    }
  draw_image (cr, img->data, l->out_h, l->out_w, l->out_c, (width - side) / 2,
              (height - side) / 2, side);
}

void
_ds_latent_point_draw_cb (GtkDrawingArea *area,
               cairo_t        *cr,
               int             width,
               int             height,
               gpointer        data)
{
  DsGenerateLatent *l = lat (data);

  draw_one (cr, l, l->point_img, width, height, _("Drag on the plane"));
}

void
_ds_latent_walk_draw_cb (GtkDrawingArea *area,
              cairo_t        *cr,
              int             width,
              int             height,
              gpointer        data)
{
  DsGenerateLatent *l = lat (data);

  draw_one (cr, l, l->walk_img, width, height, _("No walk yet"));
}

void
_ds_latent_concept_draw_cb (GtkDrawingArea *area,
                 cairo_t        *cr,
                 int             width,
                 int             height,
                 gpointer        data)
{
  DsGenerateLatent *l = lat (data);

  draw_one (cr, l, l->concept_img, width, height, _("Pick two classes"));
}

void
_ds_latent_draw_strip (cairo_t  *cr,
            int       width,
            int       height,
            gpointer  data)
{
  DsGenerateLatent *l = lat (data);
  int n;
  double side;

  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (l->strip == NULL)
    return;
  n = l->strip->shape[0];
  side = MIN ((double) width / n, height);
  for (int i = 0; i < n; i++)
    draw_image (cr, l->strip->data + (size_t) i * l->per_out, l->out_h, l->out_w, l->out_c,
                i * side, (height - side) / 2, side);
}

void
_ds_latent_strip_draw_cb (GtkDrawingArea *area,
               cairo_t        *cr,
               int             width,
               int             height,
               gpointer        data)
{
  _ds_latent_draw_strip (cr, width, height, data);
}

void
_ds_latent_draw_point_picture (cairo_t *cr, int width, int height, gpointer data)
{
  draw_one (cr, lat (data), lat (data)->point_img, width, height, "");
}

void
_ds_latent_draw_concept_picture (cairo_t *cr, int width, int height, gpointer data)
{
  draw_one (cr, lat (data), lat (data)->concept_img, width, height, "");
}

void
_ds_latent_draw_walk_picture (cairo_t *cr, int width, int height, gpointer data)
{
  draw_one (cr, lat (data), lat (data)->walk_img, width, height, "");
}

