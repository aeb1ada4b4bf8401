/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ui-build-util.h: the window, model and canvas helpers shared by the Build
 * view UI tests (test-ui-build.c, test-ui-canvas.c). */
#pragma once

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <adwaita.h>

#include "ds-application.h"
#include "ds-autosave.h"
#include "ds-build-view-private.h"
#include "ds-graph-canvas-private.h"
#include "ds-palette-private.h"
#include "ds-properties-private.h"
#include "ds-summary-private.h"
#include "ds-undo-stack.h"
#include "ds-util.h"
#include "ds-window.h"
#include "ui-test-util.h"

typedef struct
{
  DsWindow      *window;
  DsBuildView   *view;
  DsGraphCanvas *canvas;
  DsPalette     *palette;
  DsProperties  *props;
  DsDocument    *doc;
} Ui;

static inline gboolean
preview_loaded (gpointer doc)
{
  DsDatasetStore *store = ds_document_get_dataset_store (doc);

  return !ds_dataset_store_get_loading (store) && ds_dataset_store_get_dataset (store) != NULL;
}

static inline void
ui_open_sized (Ui  *ui,
               int  width,
               int  height)
{
  ui->window = ds_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (ui->window), width, height);
  gtk_window_present (GTK_WINDOW (ui->window));
  ui->view = DS_BUILD_VIEW (ds_window_get_view (ui->window, "build"));
  g_assert_nonnull (ui->view);
  ui->canvas = ds_build_view_get_canvas (ui->view);
  ui->palette = ds_build_view_get_palette (ui->view);
  ui->props = ds_build_view_get_properties (ui->view);
  ui->doc = ds_window_get_document (ui->window);
  g_assert_true (ui_wait_for (ui_widget_allocated, ui->canvas, 5000));
  /* The dataset a new document shows (the Data view's preview) sets the
   * output layer's units and activation: wait for it, so that every test
   * sees the same model whatever the machine's load. */
  g_assert_true (ui_wait_for (preview_loaded, ui->doc, 30000));
  ui_spin (100);
}

static inline void
ui_open (Ui *ui)
{
  ui_open_sized (ui, 1280, 800);
}

static inline void
ui_close (Ui *ui)
{
  ui_close_window_checked (ui->window);
}

static inline NnModel *
model_of (Ui *ui)
{
  return ds_document_get_model (ui->doc);
}

static inline char *
json_of (Ui *ui)
{
  g_autoptr(GError) error = NULL;
  char *json = nn_model_to_json (model_of (ui), FALSE, &error);

  g_assert_no_error (error);
  return json;
}

static inline void
assert_shape (NnModel *m,
              int      layer,
              int      ndim,
              const int *expect)
{
  int n, shape[NN_MAX_DIMS];

  g_assert_true (nn_model_get_shape (m, (NnRef) { layer, 0 }, &n, shape));
  g_assert_cmpint (n, ==, ndim);
  for (int i = 0; i < n; i++)
    g_assert_cmpint (shape[i], ==, expect[i]);
}

/* Centre of a layer's node, in canvas widget coordinates. */
static inline void
node_centre (Ui     *ui,
             int     layer,
             double *wx,
             double *wy)
{
  double x, y;

  nn_model_layer_get_position (model_of (ui), layer, &x, &y);
  ds_graph_canvas_model_to_widget (ui->canvas, x + DS_NODE_WIDTH / 2, y + DS_NODE_HEIGHT / 2, wx, wy);
}

typedef struct { Ui *ui; int n; } LayerCount;

static inline gboolean
has_n_layers (gpointer data)
{
  LayerCount *c = data;
  return nn_model_get_n_layers (model_of (c->ui)) == c->n;
}

static inline void
drag_from_palette (Ui         *ui,
                   const char *class_name,
                   double      x,
                   double      y)
{
  GtkWidget *row = ds_palette_get_row (ui->palette, class_name);
  LayerCount c = { ui, nn_model_get_n_layers (model_of (ui)) + 1 };

  g_assert_nonnull (row);
  /* A row scrolled out of the palette's view is mapped but not under the
   * pointer: search for it, so it is among the first rows. */
  ds_palette_set_search (ui->palette, class_name);
  ui_spin (100);
  g_assert_true (gtk_widget_get_mapped (row));
  ui_xtest_drag (row, 40, gtk_widget_get_height (row) / 2.0, GTK_WIDGET (ui->canvas), x, y);
  g_assert_true (ui_wait_for (has_n_layers, &c, 3000));
  ds_palette_set_search (ui->palette, "");
}

typedef struct { Ui *ui; int layer, other; double x, y; } LayerCond;

static inline gboolean
is_selected_cond (gpointer data)
{
  LayerCond *c = data;
  return ds_graph_canvas_get_selected_layer (c->ui->canvas) == c->layer;
}

static inline gboolean
wait_selected (Ui *ui, int layer)
{
  LayerCond c = { ui, layer, -1, 0, 0 };
  return ui_wait_for (is_selected_cond, &c, 5000);
}

static inline gboolean
at_position_cond (gpointer data)
{
  LayerCond *c = data;
  double x, y;

  nn_model_layer_get_position (model_of (c->ui), c->layer, &x, &y);
  return x == c->x && y == c->y;
}

static inline gboolean
wait_position (Ui *ui, int layer, double x, double y)
{
  LayerCond c = { ui, layer, -1, x, y };
  return ui_wait_for (at_position_cond, &c, 5000);
}

static inline gboolean
connected_cond (gpointer data)
{
  LayerCond *c = data;
  NnModel *m = model_of (c->ui);

  return nn_model_layer_get_n_calls (m, c->other) == 1
         && nn_model_call_get_n_inputs (m, c->other, 0) == 1
         && nn_model_call_get_input (m, c->other, 0, 0).layer == c->layer;
}

/* src's output feeds dst. */
static inline gboolean
wait_connected (Ui *ui, int src, int dst)
{
  LayerCond c = { ui, src, dst, 0, 0 };
  return ui_wait_for (connected_cond, &c, 5000);
}

/* Adds a layer at (x, y) through the canvas and connects src to it. */
static inline int
add_at (Ui         *ui,
        const char *class_name,
        double      x,
        double      y,
        int         src)
{
  g_autoptr(GError) error = NULL;
  int l = ds_graph_canvas_add_layer (ui->canvas, class_name, x, y, &error);

  g_assert_no_error (error);
  if (src >= 0)
    {
      g_assert_true (ds_graph_canvas_connect (ui->canvas, src, l, &error));
      g_assert_no_error (error);
    }
  return l;
}

static inline int
input_of (NnModel *m,
          int      layer)
{
  if (nn_model_layer_get_n_calls (m, layer) == 0 || nn_model_call_get_n_inputs (m, layer, 0) == 0)
    return -1;
  return nn_model_call_get_input (m, layer, 0, 0).layer;
}

/* No two nodes overlap, ports included. */
static inline void
assert_no_overlap (NnModel *m)
{
  for (int a = 0; a < nn_model_get_n_layers (m); a++)
    for (int b = a + 1; b < nn_model_get_n_layers (m); b++)
      {
        double ax, ay, bx, by;

        nn_model_layer_get_position (m, a, &ax, &ay);
        nn_model_layer_get_position (m, b, &bx, &by);
        if (fabs (ax - bx) < DS_NODE_WIDTH + 2 * DS_PORT_RADIUS
            && fabs (ay - by) < DS_NODE_HEIGHT + 2 * DS_PORT_RADIUS)
          g_error ("%s at (%g, %g) overlaps %s at (%g, %g)",
                   nn_model_layer_get_name (m, a), ax, ay, nn_model_layer_get_name (m, b), bx, by);
      }
}
