/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What ds-graph-scene.c (layout, cards, edges, rendering) shares with
 * ds-graph-scene-ports.c (ports, their hit tests, the state ports). */
#pragma once

#include "ds-graph-scene.h"

void _ds_scene_set_rgba          (cairo_t            *cr,
                                  const GdkRGBA      *c);
void _ds_scene_rounded_rect      (cairo_t            *cr,
                                  double              x,
                                  double              y,
                                  double              w,
                                  double              h,
                                  double              r);
/* The colour that marks node n: its layer group's, or the error colour. */
void _ds_scene_node_color        (const DsSceneNode  *n,
                                  const DsSceneStyle *style,
                                  GdkRGBA            *out);
/* A recurrent layer's state ports (outputs with return_state, initial
 * states as inputs), each as large as a main port and named beside it. */
void _ds_scene_draw_state_ports  (cairo_t            *cr,
                                  const DsSceneNode  *node,
                                  const DsSceneStyle *style);
