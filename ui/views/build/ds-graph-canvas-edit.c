/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsGraphCanvas editing commands: add, drop, append, connect, rename,
 * delete, copy/paste, duplicate, select all, auto layout and keyboard moves,
 * each one undoable step of the document. */
#define G_LOG_DOMAIN "deepscope"

#include <math.h>
#include <string.h>
#include <glib/gi18n.h>

#include "ds-graph-canvas-private.h"
#include "ds-output-task.h"

/* Copied layers live here, in a model of their own, so that paste works
 * across windows and after the originals are gone. */
static NnModel *clipboard_model;

static int
cmp_int_desc (gconstpointer a,
              gconstpointer b)
{
  return *(const int *) b - *(const int *) a;
}

/* ---- editing ------------------------------------------------------------- */

/* Records a structural edit as one undo step, with the output layer's units
 * and activation set for the dataset's task (a Dense that becomes the
 * output, or stops being it) in the same step. */
static void
commit_structure (DsGraphCanvas *self,
                  const char    *label)
{
  ds_output_task_apply (self->document);
  ds_document_commit (self->document, DS_CHANGE_STRUCTURE, label, NULL);
}

/* Adds a layer at (x, y) and selects it, without recording an undo step:
 * the caller commits once for the whole user action. */
static int
add_layer_uncommitted (DsGraphCanvas  *self,
                       const char     *class_name,
                       double          x,
                       double          y,
                       GError        **error)
{
  NnModel *m = _ds_graph_canvas_model (self);
  int layer;

  if (m == NULL)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, _("No model is open"));
      return -1;
    }
  layer = nn_model_add_layer (m, class_name, NULL, error);
  if (layer < 0)
    return -1;
  nn_model_layer_set_position (m, layer, _ds_graph_canvas_snap (x), _ds_graph_canvas_snap (y));
  g_ptr_array_set_size (self->selection, 0);
  g_clear_pointer (&self->sel_edge_dst, g_free);
  g_ptr_array_add (self->selection, g_strdup (nn_model_layer_get_name (m, layer)));
  return layer;
}

/* Records one undo step for an edit that added `name`, tells the person
 * about every output the edit made (each gets its own loss, which nobody
 * should get without knowing), and returns the layer's index. */
static int
commit_added (DsGraphCanvas *self,
              const char    *name,
              const char    *label,
              int            n_outputs_before)
{
  NnModel *m;
  int n_outputs;

  commit_structure (self, label);
  _ds_graph_canvas_selection_changed (self);
  m = _ds_graph_canvas_model (self);
  n_outputs = nn_model_get_n_outputs (m);
  if (n_outputs > n_outputs_before && n_outputs > 1)
    _ds_graph_canvas_note_outputs (self, n_outputs_before);
  return nn_model_find_layer (m, name);
}

void
_ds_graph_canvas_note_outputs (DsGraphCanvas *self,
                               int            n_before)
{
  NnModel *m = _ds_graph_canvas_model (self);
  int n = nn_model_get_n_outputs (m);
  NnRef r;
  g_autofree char *text = NULL;

  if (n <= n_before || n < 2)
    return;
  r = nn_model_get_output (m, n - 1);
  text = g_strdup_printf (g_dngettext (NULL,
                                       "%s is now a model output too: the model has %d output, "
                                       "each with its own loss. Connect it onward if it should "
                                       "not be one.",
                                       "%s is now a model output too: the model has %d outputs, "
                                       "each with its own loss. Connect it onward if it should "
                                       "not be one.", n),
                          nn_model_layer_get_name (m, r.layer), n);
  _ds_graph_canvas_message (self, text);
}

int
ds_graph_canvas_add_layer (DsGraphCanvas  *self,
                           const char     *class_name,
                           double          x,
                           double          y,
                           GError        **error)
{
  g_autofree char *label = NULL;
  g_autofree char *name = NULL;
  int layer;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), -1);
  g_return_val_if_fail (class_name != NULL, -1);

  layer = add_layer_uncommitted (self, class_name, x, y, error);
  if (layer < 0)
    return -1;
  name = g_strdup (nn_model_layer_get_name (_ds_graph_canvas_model (self), layer));
  label = g_strdup_printf (_("Add %s"), class_name);
  return commit_added (self, name, label, nn_model_get_n_outputs (_ds_graph_canvas_model (self)));
}

/* TRUE when a node at (x, y) would keep a clear gap from every node but
 * `except` (-1 for none). */
static gboolean
spot_is_free (DsGraphCanvas *self,
              int            except,
              double         x,
              double         y)
{
  NnModel *m = _ds_graph_canvas_model (self);

  for (int l = 0; m && l < nn_model_get_n_layers (m); l++)
    {
      double nx, ny;

      if (l == except)
        continue;
      nn_model_layer_get_position (m, l, &nx, &ny);
      /* The gap keeps ports and edge ends visible, not only the cards. */
      if (fabs (nx - x) < DS_NODE_WIDTH + 2 * GRID && fabs (ny - y) < DS_NODE_HEIGHT + 2 * GRID)
        return FALSE;
    }
  return TRUE;
}

/* Moves `layer` to the free spot nearest to where it is: rings of grid
 * steps around it, nearest first, below before above. */
static void
move_to_free_spot (DsGraphCanvas *self,
                   int            layer)
{
  NnModel *m = _ds_graph_canvas_model (self);
  double x0, y0, best_x, best_y, best_d = G_MAXDOUBLE;

  nn_model_layer_get_position (m, layer, &x0, &y0);
  if (spot_is_free (self, layer, x0, y0))
    return;
  best_x = x0;
  best_y = y0;
  for (int ring = 1; ring <= 64 && best_d == G_MAXDOUBLE; ring++)
    for (int iy = -ring; iy <= ring; iy++)
      for (int ix = -ring; ix <= ring; ix++)
        {
          double x = x0 + ix * 2 * GRID, y = y0 + iy * 2 * GRID;
          /* Vertical moves cost less: the data flows left to right. */
          double d = (ix * 2.0) * (ix * 2.0) + iy * iy - (iy > 0 ? 0.5 : 0);

          if ((abs (ix) != ring && abs (iy) != ring) || d >= best_d
              || !spot_is_free (self, layer, x, y))
            continue;
          best_d = d;
          best_x = x;
          best_y = y;
        }
  nn_model_layer_set_position (m, layer, best_x, best_y);
}

/* Every layer fed, directly or not, by `layer` (its downstream). */
static gboolean *
downstream_of (NnModel *m,
               int      layer)
{
  int n = nn_model_get_n_layers (m);
  gboolean *down = g_new0 (gboolean, MAX (n, 1));
  gboolean changed = TRUE;

  down[layer] = TRUE;
  while (changed)
    {
      changed = FALSE;
      for (int l = 0; l < n; l++)
        for (int c = 0; !down[l] && c < nn_model_layer_get_n_calls (m, l); c++)
          for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
            {
              NnRef r = nn_model_call_get_input (m, l, c, s);

              if (r.layer >= 0 && r.layer < n && down[r.layer])
                {
                  down[l] = changed = TRUE;
                  break;
                }
            }
    }
  down[layer] = FALSE;
  return down;
}

/* Puts `layer` between `src` and the layers src feeds (their first call,
 * the one the editor draws): src -> layer -> each former consumer, in the
 * same input slot. */
static gboolean
insert_after (NnModel  *m,
              int       src,
              int       layer,
              GError  **error)
{
  int n = nn_model_get_n_layers (m);

  for (int l = 0; l < n; l++)
    {
      if (l == layer || nn_model_layer_get_n_calls (m, l) == 0)
        continue;
      for (int s = 0; s < nn_model_call_get_n_inputs (m, l, 0); s++)
        {
          NnRef r = nn_model_call_get_input (m, l, 0, s);

          if (r.layer == src && r.out == 0
              && !nn_model_connect (m, (NnRef) { layer, 0 }, l, s, error))
            return FALSE;
        }
    }
  return nn_model_connect (m, (NnRef) { src, 0 }, layer, 0, error);
}

static gboolean
takes_inputs (const char *class_name)
{
  const NnLayerType *t = nn_layer_type_lookup (class_name);

  return t != NULL && nn_layer_type_get_max_inputs (t) != 0;
}

/* The layer whose output port is nearest to model point (x, y) within
 * `radius` and feeds nothing yet, or -1. */
static int
free_output_near (DsGraphCanvas *self,
                  double         x,
                  double         y,
                  double         radius)
{
  NnModel *m = _ds_graph_canvas_model (self);
  int n = nn_model_get_n_layers (m), best = -1;
  g_autofree gboolean *read = g_new0 (gboolean, MAX (n, 1));
  double best_d2 = radius * radius;

  for (int l = 0; l < n; l++)
    for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
      for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
        {
          NnRef r = nn_model_call_get_input (m, l, c, s);

          if (r.layer >= 0 && r.layer < n)
            read[r.layer] = TRUE;
        }
  for (int l = 0; l < n; l++)
    {
      double px, py, d2;

      if (read[l])
        continue;
      /* An unconnected layer has no output yet (Input layers always do). */
      if (nn_model_layer_get_n_calls (m, l) == 0
          && nn_layer_type_get_max_inputs (nn_model_layer_get_type (m, l)) != 0)
        continue;
      nn_model_layer_get_position (m, l, &px, &py);
      px += DS_NODE_WIDTH;
      py += DS_NODE_HEIGHT / 2;
      d2 = (x - px) * (x - px) + (y - py) * (y - py);
      if (d2 < best_d2)
        {
          best_d2 = d2;
          best = l;
        }
    }
  return best;
}

int
ds_graph_canvas_drop_layer (DsGraphCanvas  *self,
                            const char     *class_name,
                            double          wx,
                            double          wy,
                            GError        **error)
{
  NnModel *m = _ds_graph_canvas_model (self);
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  int n_outputs, edge = -1, src = -1, dst = -1, slot = 0, layer;
  double mx, my;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), -1);
  g_return_val_if_fail (class_name != NULL, -1);
  if (m == NULL)
    return add_layer_uncommitted (self, class_name, 0, 0, error);
  _ds_graph_canvas_widget_to_model (self, wx, wy, &mx, &my);
  n_outputs = nn_model_get_n_outputs (m);

  /* Where it lands decides what it joins: an edge under the pointer gets
   * the layer inserted into it; else a free output port within reach of
   * its input port feeds it. */
  if (takes_inputs (class_name) && self->scene != NULL
      && ds_scene_hit_node (self->scene, mx, my) < 0)
    {
      edge = ds_scene_hit_edge (self->scene, mx, my, MAX (10, 10 / self->zoom));
      if (edge >= 0)
        {
          DsSceneEdge *e = ds_scene_get_edge (self->scene, edge);

          src = ds_scene_get_node (self->scene, e->src)->layer;
          dst = ds_scene_get_node (self->scene, e->dst)->layer;
          slot = e->call == 0 ? e->slot : -1;
          if (slot < 0)
            edge = -1;
        }
      if (edge < 0)
        src = free_output_near (self, mx - DS_NODE_WIDTH / 2, my, DS_NODE_WIDTH / 2 + RANK_GAP);
    }

  layer = add_layer_uncommitted (self, class_name, mx - DS_NODE_WIDTH / 2,
                                 my - DS_NODE_HEIGHT / 2, error);
  if (layer < 0)
    return -1;
  name = g_strdup (nn_model_layer_get_name (m, layer));
  if (src >= 0)
    {
      g_autoptr(GError) local = NULL;
      gboolean ok = nn_model_connect (m, (NnRef) { src, 0 }, layer, 0, &local);

      if (ok && edge >= 0)
        ok = nn_model_connect (m, (NnRef) { layer, 0 }, dst, slot, &local);
      if (!ok)
        {
          /* The layer stays, unconnected: the drop itself was fine. */
          _ds_graph_canvas_message (self, local->message);
          ds_document_revert (self->document);
          m = _ds_graph_canvas_model (self);   /* revert replaced it */
          layer = add_layer_uncommitted (self, class_name, mx - DS_NODE_WIDTH / 2,
                                         my - DS_NODE_HEIGHT / 2, error);
          if (layer < 0)
            return -1;
          g_free (name);
          name = g_strdup (nn_model_layer_get_name (m, layer));
          src = -1;
        }
    }
  move_to_free_spot (self, layer);
  if (src >= 0 && edge >= 0)
    label = g_strdup_printf (_("Insert %s between %s and %s"), class_name,
                             nn_model_layer_get_name (m, src), nn_model_layer_get_name (m, dst));
  else if (src >= 0)
    label = g_strdup_printf (_("Add %s after %s"), class_name, nn_model_layer_get_name (m, src));
  else
    label = g_strdup_printf (_("Add %s"), class_name);
  return commit_added (self, name, label, n_outputs);
}

int
ds_graph_canvas_append_layer (DsGraphCanvas  *self,
                              const char     *class_name,
                              GError        **error)
{
  int sel = ds_graph_canvas_get_selected_layer (self);
  NnModel *m = _ds_graph_canvas_model (self);
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;
  g_autofree char *sel_name = NULL;
  double x = 0, y = 0;
  int layer, n_outputs;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), -1);
  g_return_val_if_fail (class_name != NULL, -1);
  if (m == NULL)
    return -1;

  n_outputs = nn_model_get_n_outputs (m);
  if (sel >= 0)
    {
      nn_model_layer_get_position (m, sel, &x, &y);
      x += DS_NODE_WIDTH + RANK_GAP;
      sel_name = g_strdup (nn_model_layer_get_name (m, sel));
    }
  else if (self->scene && ds_scene_get_n_nodes (self->scene) > 0)
    {
      double x0, y0, x1, y1;

      ds_scene_get_bounds (self->scene, &x0, &y0, &x1, &y1);
      x = x1 + RANK_GAP;
      y = y0;
    }

  if (sel >= 0 && takes_inputs (class_name))
    {
      g_autofree gboolean *down = downstream_of (m, sel);

      /* Make room: what the selection feeds moves one place right. */
      for (int l = 0; l < nn_model_get_n_layers (m); l++)
        if (down[l])
          {
            double lx, ly;

            nn_model_layer_get_position (m, l, &lx, &ly);
            if (lx >= x - DS_NODE_WIDTH / 2)
              nn_model_layer_set_position (m, l, lx + DS_NODE_WIDTH + RANK_GAP, ly);
          }
    }
  layer = add_layer_uncommitted (self, class_name, x, y, error);
  if (layer < 0)
    {
      ds_document_revert (self->document);
      return -1;
    }
  name = g_strdup (nn_model_layer_get_name (m, layer));
  if (sel >= 0 && takes_inputs (class_name))
    {
      if (!insert_after (m, sel, layer, error))
        {
          ds_document_revert (self->document);
          return -1;
        }
      label = g_strdup_printf (_("Insert %s after %s"), class_name, sel_name);
    }
  else
    label = g_strdup_printf (_("Add %s"), class_name);
  move_to_free_spot (self, layer);
  layer = commit_added (self, name, label, n_outputs);
  _ds_graph_canvas_reveal_node (self, layer);
  return layer;
}

/* The input slot an edge from src's output `out` takes on dst when the
 * drop names none: a state (out >= 1) dropped on a recurrent layer is its
 * initial state of the same index; otherwise the next free input, a full
 * single-input layer getting its input replaced. -1 with error if none. */
static int
pick_slot (NnModel  *m,
           int       out,
           int       dst,
           GError  **error)
{
  const NnLayerType *t = nn_model_layer_get_type (m, dst);
  int max = t ? nn_layer_type_get_max_inputs (t) : 1;
  int slot = nn_model_layer_get_n_calls (m, dst) > 0 ? nn_model_call_get_n_inputs (m, dst, 0) : 0;

  /* A recurrent layer's inputs after the sequence are initial states: an
   * edge from a layer's main output replaces its sequence. */
  if (t && nn_layer_type_get_group (t) == NN_GROUP_SEQUENCE && max > 1)
    return out >= 1 ? out : 0;
  if (max > 0 && slot >= max)
    {
      if (max == 1)
        {
          nn_model_disconnect (m, dst, 0, 0);
          return 0;
        }
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   g_dngettext (NULL, "%s takes at most %d input", "%s takes at most %d inputs",
                                (gulong) max),
                   nn_model_layer_get_name (m, dst), max);
      return -1;
    }
  return slot;
}

/* A recurrent layer, whose inputs after the sequence are initial states
 * (an Add's or a Concatenate's second input is not). */
static gboolean
takes_initial_states (NnModel *m,
                      int      dst)
{
  const NnLayerType *t = nn_model_layer_get_type (m, dst);

  return t && nn_layer_type_get_group (t) == NN_GROUP_SEQUENCE && nn_layer_type_get_max_inputs (t) > 1;
}

/* An initial state goes after the sequence and the states before it. */
static gboolean
check_state_slot (NnModel  *m,
                  int       dst,
                  int       slot,
                  GError  **error)
{
  int n_in = nn_model_layer_get_n_calls (m, dst) > 0 ? nn_model_call_get_n_inputs (m, dst, 0) : 0;
  const char *name = nn_model_layer_get_state_name (m, dst, slot - 1);

  if (slot < 1 || !takes_initial_states (m, dst))
    return TRUE;
  if (name == NULL)
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, _("%s takes no initial state %d"),
                 nn_model_layer_get_name (m, dst), slot);
  else if (n_in == 0)
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                 _("%s needs its sequence input before its initial %s"),
                 nn_model_layer_get_name (m, dst), name);
  else if (slot > n_in)
    g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                 _("Connect %s’s initial %s before its initial %s"), nn_model_layer_get_name (m, dst),
                 nn_model_layer_get_state_name (m, dst, n_in - 1), name);
  else
    return TRUE;
  return FALSE;
}

/* A recurrent layer given some of its initial states but not all (h
 * before c): an error until the next drop completes them. */
static gboolean
states_incomplete (NnModel *m,
                   int      dst)
{
  int n_states = 0;
  int n_in = nn_model_layer_get_n_calls (m, dst) > 0 ? nn_model_call_get_n_inputs (m, dst, 0) : 0;

  while (nn_model_layer_get_state_name (m, dst, n_states))
    n_states++;
  return n_in > 1 && n_in - 1 < n_states;
}

/* After a state edge: FALSE with the reason when dst's shapes do not
 * follow (an h of the wrong size, a state where a layer wants more
 * dimensions) and did before. Incomplete states are not refused: the drop
 * that completes them is checked. */
static gboolean
check_state_shapes (NnModel  *m,
                    int       dst,
                    gboolean  had_error,
                    GError  **error)
{
  const char *why;

  nn_model_infer (m, NULL);
  why = nn_model_layer_get_error (m, dst);
  if (had_error || why == NULL || states_incomplete (m, dst))
    return TRUE;
  g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE, "%s", why);
  return FALSE;
}

static char *
port_text (NnModel    *m,
           int         layer,
           int         k,
           const char *prefix)
{
  const char *state = k >= 1 ? nn_model_layer_get_state_name (m, layer, k - 1) : NULL;

  return state ? g_strdup_printf ("%s’s %s%s", nn_model_layer_get_name (m, layer), prefix, state)
               : g_strdup (nn_model_layer_get_name (m, layer));
}

gboolean
ds_graph_canvas_connect (DsGraphCanvas  *self,
                         int             src,
                         int             dst,
                         GError        **error)
{
  return ds_graph_canvas_connect_port (self, src, 0, dst, -1, error);
}

gboolean
ds_graph_canvas_connect_port (DsGraphCanvas  *self,
                              int             src,
                              int             out,
                              int             dst,
                              int             slot,
                              GError        **error)
{
  NnModel *m = _ds_graph_canvas_model (self);
  const NnLayerType *t;
  int n_outputs;
  gboolean had_error;
  g_autofree char *label = NULL, *from = NULL, *to = NULL;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), FALSE);
  g_return_val_if_fail (m != NULL, FALSE);

  n_outputs = nn_model_get_n_outputs (m);
  if (src < 0 || dst < 0 || src >= nn_model_get_n_layers (m) || dst >= nn_model_get_n_layers (m)
      || out < 0 || out >= nn_model_layer_get_n_outputs (m, src))
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH, _("No such layer or output"));
      return FALSE;
    }
  if (src == dst)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("%s cannot take its own output as input"), nn_model_layer_get_name (m, dst));
      return FALSE;
    }
  t = nn_model_layer_get_type (m, dst);
  if (t && nn_layer_type_get_max_inputs (t) == 0)
    {
      g_set_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_GRAPH,
                   _("%s is an Input layer: it takes no inputs"), nn_model_layer_get_name (m, dst));
      return FALSE;
    }
  nn_model_infer (m, NULL);
  had_error = nn_model_layer_get_error (m, dst) != NULL && !states_incomplete (m, dst);
  if (slot < 0)
    slot = pick_slot (m, out, dst, error);
  if (slot < 0 || !check_state_slot (m, dst, slot, error)
      || !nn_model_connect (m, (NnRef) { src, 0, out }, dst, slot, error)
      || ((out >= 1 || (slot >= 1 && takes_initial_states (m, dst)))
          && !check_state_shapes (m, dst, had_error, error)))
    {
      ds_document_revert (self->document);
      return FALSE;
    }
  from = port_text (m, src, out, "");
  to = port_text (m, dst, slot, _("initial "));
  label = g_strdup_printf (_("Connect %s to %s"), from, to);
  commit_structure (self, label);
  _ds_graph_canvas_note_outputs (self, n_outputs);
  return TRUE;
}

gboolean
ds_graph_canvas_rename_layer (DsGraphCanvas  *self,
                              int             layer,
                              const char     *name,
                              GError        **error)
{
  NnModel *m = _ds_graph_canvas_model (self);
  g_autofree char *old = NULL;

  g_return_val_if_fail (DS_IS_GRAPH_CANVAS (self), FALSE);
  g_return_val_if_fail (m != NULL && layer >= 0, FALSE);

  old = g_strdup (nn_model_layer_get_name (m, layer));
  if (!nn_model_layer_set_name (m, layer, name, error))
    return FALSE;
  for (guint i = 0; i < self->selection->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->selection, i), old) == 0)
      {
        g_free (self->selection->pdata[i]);
        self->selection->pdata[i] = g_strdup (name);
      }
  if (g_strcmp0 (self->sel_edge_dst, old) == 0)
    {
      g_free (self->sel_edge_dst);
      self->sel_edge_dst = g_strdup (name);
    }
  ds_document_commit (self->document, DS_CHANGE_PARAMS, _("Rename Layer"), NULL);
  return TRUE;
}

void
ds_graph_canvas_delete_selection (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);
  g_autoptr(GArray) layers = NULL;
  gboolean changed = FALSE;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (m == NULL)
    return;

  if (self->sel_edge_dst != NULL && self->selection->len == 0)
    {
      int dst = nn_model_find_layer (m, self->sel_edge_dst);

      if (dst >= 0 && nn_model_disconnect (m, dst, self->sel_edge_call, self->sel_edge_slot))
        {
          g_clear_pointer (&self->sel_edge_dst, g_free);
          commit_structure (self, _("Remove Connection"));
          _ds_graph_canvas_selection_changed (self);
        }
      return;
    }

  layers = _ds_graph_canvas_selected_layers (self);
  g_array_sort (layers, cmp_int_desc);
  for (guint i = 0; i < layers->len; i++)
    {
      g_autoptr(GError) error = NULL;

      if (nn_model_remove_layer (m, g_array_index (layers, int, i), &error))
        changed = TRUE;
      else
        _ds_graph_canvas_message (self, error->message);
    }
  if (changed)
    {
      g_ptr_array_set_size (self->selection, 0);
      commit_structure (self, layers->len > 1 ? _("Delete Layers") : _("Delete Layer"));
      _ds_graph_canvas_selection_changed (self);
    }
}

/* Copies layers (configuration, position + (dx, dy), trainable flag) and the
 * edges among them from one model into another; new names are picked.
 * Fills new_index[i] for layers[i]. */
static gboolean
copy_layers (NnModel    *from,
             const int  *layers,
             int         n,
             NnModel    *to,
             double      dx,
             double      dy,
             int        *new_index,
             GError    **error)
{
  for (int i = 0; i < n; i++)
    {
      int l = layers[i], nl;
      const NnLayerType *t = nn_model_layer_get_type (from, l);
      double x, y;

      if (nn_model_layer_get_submodel (from, l) != NULL)
        nl = nn_model_add_submodel (to, nn_model_layer_get_submodel (from, l), NULL, error);
      else
        nl = nn_model_add_layer (to, nn_layer_type_get_name (t), NULL, error);
      if (nl < 0)
        return FALSE;
      for (guint p = 0; p < nn_layer_type_get_n_params (t); p++)
        {
          const NnParamSpec *spec = nn_layer_type_get_param (t, p);
          g_autofree char *text = nn_model_layer_dup_param_text (from, l, spec->name);

          if (text && !nn_model_layer_set_param (to, nl, spec->name, text, error))
            return FALSE;
        }
      nn_model_layer_set_trainable (to, nl, nn_model_layer_get_trainable (from, l));
      nn_model_layer_get_position (from, l, &x, &y);
      nn_model_layer_set_position (to, nl, x + dx, y + dy);
      new_index[i] = nl;
    }
  for (int i = 0; i < n; i++)
    {
      int l = layers[i];

      if (nn_model_layer_get_n_calls (from, l) == 0)
        continue;
      for (int s = 0; s < nn_model_call_get_n_inputs (from, l, 0); s++)
        {
          NnRef r = nn_model_call_get_input (from, l, 0, s);

          for (int k = 0; k < n; k++)
            if (layers[k] == r.layer)
              {
                if (!nn_model_connect (to, (NnRef) { new_index[k], 0, r.out }, new_index[i], s,
                                       error))
                  return FALSE;
                break;
              }
        }
    }
  return TRUE;
}

static int
cmp_int_asc (gconstpointer a,
             gconstpointer b)
{
  return *(const int *) a - *(const int *) b;
}

void
ds_graph_canvas_copy (DsGraphCanvas *self)
{
  g_autoptr(GArray) layers = _ds_graph_canvas_selected_layers (self);
  g_autofree int *idx = NULL;
  g_autoptr(GError) error = NULL;
  NnModel *clip;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (layers->len == 0)
    return;
  /* Keep model order so edges can be made in one pass. */
  g_array_sort (layers, cmp_int_asc);
  idx = g_new (int, layers->len);
  clip = nn_model_new ("clipboard");
  if (!copy_layers (_ds_graph_canvas_model (self), (int *) layers->data, layers->len, clip, 0, 0, idx, &error))
    {
      nn_model_free (clip);
      _ds_graph_canvas_message (self, error->message);
      return;
    }
  g_clear_pointer (&clipboard_model, nn_model_free);
  clipboard_model = clip;
  self->paste_count = 0;
}

static void
paste_from (DsGraphCanvas *self,
            NnModel       *src,
            double         dx,
            double         dy,
            const char    *label)
{
  int n = nn_model_get_n_layers (src);
  g_autofree int *layers = g_new (int, MAX (n, 1));
  g_autofree int *idx = g_new (int, MAX (n, 1));
  g_autoptr(GError) error = NULL;
  NnModel *m = _ds_graph_canvas_model (self);

  for (int i = 0; i < n; i++)
    layers[i] = i;
  if (!copy_layers (src, layers, n, m, dx, dy, idx, &error))
    {
      ds_document_revert (self->document);
      _ds_graph_canvas_message (self, error->message);
      return;
    }
  g_ptr_array_set_size (self->selection, 0);
  for (int i = 0; i < n; i++)
    g_ptr_array_add (self->selection, g_strdup (nn_model_layer_get_name (m, idx[i])));
  g_clear_pointer (&self->sel_edge_dst, g_free);
  commit_structure (self, label);
  _ds_graph_canvas_selection_changed (self);
}

void
ds_graph_canvas_paste (DsGraphCanvas *self)
{
  double off;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (clipboard_model == NULL || _ds_graph_canvas_model (self) == NULL
      || nn_model_get_n_layers (clipboard_model) == 0)
    return;
  /* Each paste lands a step further so copies don't hide each other. */
  off = 32 * ++self->paste_count;
  paste_from (self, clipboard_model, off, off, _("Paste"));
}

void
ds_graph_canvas_duplicate (DsGraphCanvas *self)
{
  g_autoptr(GArray) layers = _ds_graph_canvas_selected_layers (self);
  g_autofree int *idx = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) tmp = NULL;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (layers->len == 0)
    return;
  g_array_sort (layers, cmp_int_asc);
  idx = g_new (int, layers->len);
  tmp = nn_model_new ("duplicate");
  if (!copy_layers (_ds_graph_canvas_model (self), (int *) layers->data, layers->len, tmp, 0, 0, idx, &error))
    {
      _ds_graph_canvas_message (self, error->message);
      return;
    }
  paste_from (self, tmp, 0, DS_NODE_HEIGHT + SIB_GAP, _("Duplicate"));
}

void
ds_graph_canvas_select_all (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (m == NULL)
    return;
  g_ptr_array_set_size (self->selection, 0);
  for (int i = 0; i < nn_model_get_n_layers (m); i++)
    g_ptr_array_add (self->selection, g_strdup (nn_model_layer_get_name (m, i)));
  _ds_graph_canvas_selection_changed (self);
}

void
_ds_graph_canvas_connect_selected (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);
  g_autoptr(GPtrArray) names = NULL;

  if (m == NULL || self->selection->len < 2)
    {
      _ds_graph_canvas_message (self, _("Select two or more layers, in order, to connect them"));
      return;
    }
  /* Chain them in the order they were selected. */
  names = g_ptr_array_new_full (self->selection->len, g_free);
  for (guint i = 0; i < self->selection->len; i++)
    g_ptr_array_add (names, g_strdup (g_ptr_array_index (self->selection, i)));
  for (guint i = 0; i + 1 < names->len; i++)
    {
      g_autoptr(GError) error = NULL;
      int a = nn_model_find_layer (_ds_graph_canvas_model (self), g_ptr_array_index (names, i));
      int b = nn_model_find_layer (_ds_graph_canvas_model (self), g_ptr_array_index (names, i + 1));

      if (!ds_graph_canvas_connect (self, a, b, &error))
        {
          _ds_graph_canvas_message (self, error->message);
          return;
        }
    }
}

void
ds_graph_canvas_auto_layout (DsGraphCanvas *self)
{
  NnModel *m = _ds_graph_canvas_model (self);
  int n;
  g_autofree int *depth = NULL;
  g_autofree double *order = NULL;
  g_autofree int *by_depth = NULL;
  g_autofree int *rank_size = NULL;
  g_autofree int *slot = NULL;
  g_autofree double *row_top = NULL;
  int max_depth = 0, per_row;
  gboolean changed = TRUE;

  g_return_if_fail (DS_IS_GRAPH_CANVAS (self));
  if (m == NULL || (n = nn_model_get_n_layers (m)) == 0)
    return;

  /* Layered (Sugiyama-style) layout, ranks left to right: rank = longest
   * path from a source,
   * found by relaxing edges until nothing changes (n rounds at most, since
   * the graph has no cycles). */
  depth = g_new0 (int, n);
  for (int round = 0; changed && round < n; round++)
    {
      changed = FALSE;
      for (int l = 0; l < n; l++)
        for (int c = 0; c < nn_model_layer_get_n_calls (m, l); c++)
          for (int s = 0; s < nn_model_call_get_n_inputs (m, l, c); s++)
            {
              NnRef r = nn_model_call_get_input (m, l, c, s);

              if (r.layer >= 0 && r.layer < n && depth[l] < depth[r.layer] + 1)
                {
                  depth[l] = depth[r.layer] + 1;
                  changed = TRUE;
                }
            }
    }
  for (int l = 0; l < n; l++)
    max_depth = MAX (max_depth, depth[l]);

  /* Order within a rank: by the mean position of the inputs (barycentre),
   * ranks processed top-down; sources keep their model order. */
  order = g_new0 (double, n);
  for (int l = 0; l < n; l++)
    order[l] = l;
  by_depth = g_new0 (int, n);
  rank_size = g_new0 (int, max_depth + 1);
  slot = g_new0 (int, n);
  for (int d = 0; d <= max_depth; d++)
    {
      int k = 0;

      for (int l = 0; l < n; l++)
        if (depth[l] == d)
          {
            double sum = 0;
            int cnt = 0;

            for (int s = 0; nn_model_layer_get_n_calls (m, l) > 0
                            && s < nn_model_call_get_n_inputs (m, l, 0); s++)
              {
                NnRef r = nn_model_call_get_input (m, l, 0, s);
                if (r.layer >= 0 && r.layer < n)
                  {
                    sum += order[r.layer];
                    cnt++;
                  }
              }
            if (cnt > 0)
              order[l] = sum / cnt + l * 1e-6;
            by_depth[k++] = l;
          }
      /* Insertion sort by order: ranks are small. */
      for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && order[by_depth[j]] < order[by_depth[j - 1]]; j--)
          {
            int t = by_depth[j];
            by_depth[j] = by_depth[j - 1];
            by_depth[j - 1] = t;
          }
      rank_size[d] = k;
      for (int i = 0; i < k; i++)
        {
          int l = by_depth[i];

          order[l] = i;
          slot[l] = i;
        }
    }

  /* A model wider than the view is laid out in rows, as text is, rather
   * than shrunk below a readable size: ranks 0..per_row-1 on the first
   * row, the next ones below. */
  per_row = _ds_graph_canvas_ranks_per_row (self);
  row_top = g_new0 (double, max_depth / MAX (per_row, 1) + 2);
  for (int d = 0; d <= max_depth; d++)
    {
      int row = d / per_row;
      double col_h = rank_size[d] * DS_NODE_HEIGHT + (rank_size[d] - 1) * SIB_GAP;

      row_top[row + 1] = MAX (row_top[row + 1], row_top[row] + col_h + ROW_GAP);
    }
  for (int l = 0; l < n; l++)
    {
      int d = depth[l], row = d / per_row;
      double y = row_top[row] + slot[l] * (DS_NODE_HEIGHT + SIB_GAP);

      /* One row centres each rank on the axis, as before. */
      if (max_depth < per_row)
        y -= (rank_size[d] * DS_NODE_HEIGHT + (rank_size[d] - 1) * SIB_GAP) / 2;
      nn_model_layer_set_position (m, l, (d % per_row) * (DS_NODE_WIDTH + RANK_GAP),
                                   _ds_graph_canvas_snap (y));
    }
  ds_document_commit (self->document, DS_CHANGE_POSITIONS, _("Arrange Layers"), NULL);
  _ds_graph_canvas_fit_readable (self);
}

void
_ds_graph_canvas_move_selection_by (DsGraphCanvas *self,
                   double         dx,
                   double         dy)
{
  g_autoptr(GArray) layers = _ds_graph_canvas_selected_layers (self);
  NnModel *m = _ds_graph_canvas_model (self);
  GString *key = g_string_new ("keymove");

  if (layers->len == 0)
    {
      g_string_free (key, TRUE);
      return;
    }
  for (guint i = 0; i < layers->len; i++)
    {
      int l = g_array_index (layers, int, i);
      double x, y;

      nn_model_layer_get_position (m, l, &x, &y);
      nn_model_layer_set_position (m, l, x + dx, y + dy);
      g_string_append_printf (key, ":%s", nn_model_layer_get_name (m, l));
    }
  /* Arrow presses on the same selection undo as one move. */
  ds_document_commit (self->document, DS_CHANGE_POSITIONS, _("Move"), key->str);
  g_string_free (key, TRUE);
  if (layers->len > 0)
    _ds_graph_canvas_reveal_node (self, ds_scene_find_layer (self->scene, g_array_index (layers, int, 0)));
}

/* Tab order follows the data: left to right, then top to bottom. */
static int
cmp_reading (DsScene *scene,
             int      a,
             int      b)
{
  DsSceneNode *na = ds_scene_get_node (scene, a), *nb = ds_scene_get_node (scene, b);

  if (na->x != nb->x)
    return na->x < nb->x ? -1 : 1;
  if (na->y != nb->y)
    return na->y < nb->y ? -1 : 1;
  return (a > b) - (a < b);
}

void
_ds_graph_canvas_select_next (DsGraphCanvas *self,
             int            dir)
{
  int n, cur = -1, best = -1;

  if (self->scene == NULL || (n = ds_scene_get_n_nodes (self->scene)) == 0)
    return;
  if (self->selection->len > 0)
    cur = nn_model_find_layer (_ds_graph_canvas_model (self), g_ptr_array_index (self->selection, 0));

  /* The nearest node after (or before) the current one in reading order;
   * past the end, wrap around to the first (or last). */
  for (int i = 0; i < n; i++)
    {
      if (cur >= 0 && (i == cur || cmp_reading (self->scene, i, cur) * dir < 0))
        continue;
      if (best < 0 || cmp_reading (self->scene, i, best) * dir < 0)
        best = i;
    }
  if (best < 0)
    for (int i = 0; i < n; i++)
      if (best < 0 || cmp_reading (self->scene, i, best) * dir < 0)
        best = i;
  ds_graph_canvas_select_layer (self, ds_scene_get_node (self->scene, best)->layer, FALSE);
  _ds_graph_canvas_reveal_node (self, best);
}

