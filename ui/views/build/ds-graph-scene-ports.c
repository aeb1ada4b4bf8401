/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The graph scene's ports: where each output and input of a node is, the
 * hit tests on them, and a recurrent layer's state ports drawn with their
 * names ("h", "c"; "initial h"). */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <glib/gi18n.h>

#include "ds-graph-scene-private.h"

void
ds_scene_output_port (const DsSceneNode *node,
                      double            *x,
                      double            *y)
{
  *x = node->x + DS_NODE_WIDTH;
  *y = node->y + DS_NODE_HEIGHT / 2;
}

void
ds_scene_output_port_k (const DsSceneNode *node,
                        int                out,
                        double            *x,
                        double            *y)
{
  ds_scene_output_port (node, x, y);
  if (out <= 0)
    return;
  /* Too many states to hang below the middle (a Bidirectional LSTM's
   * four): the first half goes above output 0, the rest below it, one
   * port every step, so that each port stays on the card. */
  if (DS_NODE_HEIGHT / 2 + (node->n_outputs - 1) * DS_STATE_PORT_STEP >= DS_NODE_HEIGHT)
    {
      int n_states = node->n_outputs - 1, above = n_states / 2;
      double step = DS_NODE_HEIGHT / (2 * ((n_states + 1) / 2) + 2);

      *y += out <= above ? -(above - out + 1) * step : (out - above) * step;
    }
  else
    *y += out * DS_STATE_PORT_STEP;
}

/* The states a node's inputs after the first are (its initial states). */
static int
n_state_inputs (const DsSceneNode *node)
{
  return node->state_names ? MIN (node->n_in_slots - 1, (int) g_strv_length (node->state_names))
                           : 0;
}

int
ds_scene_hit_state_port (const DsScene *scene,
                         double         x,
                         double         y,
                         double         radius,
                         int           *k,
                         gboolean      *input)
{
  for (int i = ds_scene_get_n_nodes (scene) - 1; i >= 0; i--)
    {
      const DsSceneNode *n = ds_scene_get_node ((DsScene *) scene, i);
      double px, py;

      for (int out = 1; out < n->n_outputs; out++)
        {
          ds_scene_output_port_k (n, out, &px, &py);
          if ((x - px) * (x - px) + (y - py) * (y - py) <= radius * radius)
            {
              *k = out;
              *input = FALSE;
              return i;
            }
        }
      for (int slot = 1; slot <= n_state_inputs (n); slot++)
        {
          ds_scene_input_port (n, slot, n->n_in_slots, &px, &py);
          if ((x - px) * (x - px) + (y - py) * (y - py) <= radius * radius)
            {
              *k = slot;
              *input = TRUE;
              return i;
            }
        }
    }
  return -1;
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

int
ds_scene_hit_output_port (const DsScene *scene,
                          double         x,
                          double         y,
                          double         radius)
{
  for (int i = ds_scene_get_n_nodes (scene) - 1; i >= 0; i--)
    {
      const DsSceneNode *n = ds_scene_get_node ((DsScene *) scene, i);
      double px, py;

      ds_scene_output_port (n, &px, &py);
      if ((x - px) * (x - px) + (y - py) * (y - py) <= radius * radius)
        return i;
    }
  return -1;
}

/* One state port with its name beside it: right of an output's port,
 * left of an input's. */
static void
draw_state_port (cairo_t            *cr,
                 const DsSceneStyle *style,
                 const GdkRGBA      *color,
                 double              px,
                 double              py,
                 const char         *name,
                 gboolean            input)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  g_autoptr(PangoFontDescription) font = pango_font_description_from_string ("Sans 8.5");
  int tw, th;
  double tx, ty;

  cairo_new_path (cr);
  cairo_arc (cr, px, py, DS_PORT_RADIUS, 0, 2 * G_PI);
  _ds_scene_set_rgba (cr, &style->card);
  cairo_fill_preserve (cr);
  _ds_scene_set_rgba (cr, color);
  cairo_set_line_width (cr, 2);
  cairo_stroke (cr);
  pango_font_description_set_absolute_size (font, DS_SCENE_MIN_TEXT_PX * PANGO_SCALE);
  pango_layout_set_font_description (layout, font);
  pango_layout_set_text (layout, name, -1);
  pango_layout_get_pixel_size (layout, &tw, &th);
  /* Above the edge that leaves (or enters) the port, on the edge labels'
   * background so that a crossing edge does not hide it. */
  tx = input ? px - DS_PORT_RADIUS - 4 - tw : px + DS_PORT_RADIUS + 4;
  ty = py - th - 1;
  cairo_new_path (cr);
  _ds_scene_rounded_rect (cr, tx - 2, ty, tw + 4, th, 3);
  _ds_scene_set_rgba (cr, &style->label_bg);
  cairo_fill (cr);
  cairo_move_to (cr, tx, ty);
  _ds_scene_set_rgba (cr, &style->fg);
  pango_cairo_show_layout (cr, layout);
}

void
_ds_scene_draw_state_ports (cairo_t            *cr,
                  const DsSceneNode  *node,
                  const DsSceneStyle *style)
{
  GdkRGBA color;
  double px, py;

  if (node->state_names == NULL)
    return;
  _ds_scene_node_color (node, style, &color);
  for (int k = 1; k < node->n_outputs && node->state_names[k - 1]; k++)
    {
      ds_scene_output_port_k (node, k, &px, &py);
      draw_state_port (cr, style, &color, px, py, node->state_names[k - 1], FALSE);
    }
  for (int slot = 1; slot <= n_state_inputs (node); slot++)
    {
      g_autofree char *name = g_strdup_printf (_("initial %s"), node->state_names[slot - 1]);

      ds_scene_input_port (node, slot, node->n_in_slots, &px, &py);
      draw_state_port (cr, style, &color, px, py, name, TRUE);
    }
}

int
ds_scene_hit_any_output (const DsScene *scene,
                         double         x,
                         double         y,
                         double         radius,
                         int           *out)
{
  int node = ds_scene_hit_output_port (scene, x, y, radius);
  gboolean input = FALSE;

  *out = 0;
  if (node >= 0)
    return node;
  node = ds_scene_hit_state_port (scene, x, y, radius, out, &input);
  if (node >= 0 && !input)
    return node;
  *out = 0;
  return -1;
}

int
ds_scene_hit_input_target (const DsScene *scene,
                           double         x,
                           double         y,
                           double         radius,
                           int           *slot)
{
  gboolean input = FALSE;
  int node = ds_scene_hit_state_port (scene, x, y, radius, slot, &input);

  if (node >= 0 && input)
    return node;
  *slot = -1;
  return ds_scene_hit_node (scene, x, y);
}
