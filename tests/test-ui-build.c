/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UI tests of the Build view: the real window and widgets under a private X
 * server (tests/run-headless.sh), driven by real pointer and keyboard input
 * through XTest where it matters (palette drags, port-to-port connection,
 * keyboard operation of the canvas). */
#include <stdarg.h>

#include "ui-build-util.h"

/* The accelerator the shortcuts window shows for a title (first of its
 * space-separated list). */
static char *
shortcut_for (const char *title)
{
  g_autoptr(GtkBuilder) b = gtk_builder_new_from_resource ("/io/github/deepscope/Deepscope/gtk/help-overlay.ui");
  GSList *objects = gtk_builder_get_objects (b);
  char *accel = NULL;

  for (GSList *l = objects; l; l = l->next)
    if (GTK_IS_SHORTCUTS_SHORTCUT (l->data))
      {
        g_autofree char *t = NULL;
        g_autofree char *a = NULL;

        g_object_get (l->data, "title", &t, "accelerator", &a, NULL);
        if (g_strcmp0 (t, title) == 0)
          accel = g_steal_pointer (&a);
      }
  g_slist_free (objects);
  return accel;
}

static char *
menu_accel_for (GMenuModel *menu,
                const char *action)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *a = NULL;
      g_autofree char *accel = NULL;
      GMenuModel *section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);

      if (section)
        {
          char *found = menu_accel_for (section, action);

          g_object_unref (section);
          if (found)
            return found;
          continue;
        }
      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &a)
          && g_strcmp0 (a, action) == 0
          && g_menu_model_get_item_attribute (menu, i, "accel", "s", &accel))
        return g_steal_pointer (&accel);
    }
  return NULL;
}

/* No tooltip covers a node just dropped (until the pointer leaves it) or
 * an open context menu; the menu and the shortcuts window name the same
 * Delete key, and both Delete and BackSpace delete. */
static void
test_tooltips_and_delete_key (void)
{
  Ui ui;
  int in, dense;
  double cx, cy, ix, iy;
  g_autofree char *tip = NULL;
  g_autofree char *overlay = NULL;
  g_autofree char *menu = NULL;
  g_auto(GStrv) keys = NULL;

  ui_open (&ui);
  in = add_at (&ui, "Input", 0, 0, -1);
  ds_graph_canvas_set_zoom (ui.canvas, 1.0);
  node_centre (&ui, in, &ix, &iy);
  drag_from_palette (&ui, "Dense", ix + 20, iy + 200);
  dense = nn_model_get_n_layers (model_of (&ui)) - 1;
  node_centre (&ui, dense, &cx, &cy);
  tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, cx, cy, FALSE);
  g_test_message ("tooltip over the node just dropped: %s", tip ? tip : "(none)");
  g_assert_null (tip);
  tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, ix, iy, FALSE);
  g_assert_nonnull (tip);
  g_clear_pointer (&tip, g_free);
  /* Once the pointer has left it, the node has its tooltip again. */
  ui_xtest_click (GTK_WIDGET (ui.canvas), ix, iy);
  ui_spin (100);
  tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, cx, cy, FALSE);
  g_assert_nonnull (strstr (tip, "Dense"));
  g_clear_pointer (&tip, g_free);

  /* An open context menu: no tooltip anywhere. */
  gtk_popover_popup (GTK_POPOVER (ui.canvas->menu));
  ui_spin (100);
  tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, ix, iy, FALSE);
  g_test_message ("tooltip with the menu open: %s", tip ? tip : "(none)");
  g_assert_null (tip);
  gtk_popover_popdown (GTK_POPOVER (ui.canvas->menu));
  ui_spin (100);

  /* The menu's key is the shortcuts window's, and every key listed
   * there deletes. */
  overlay = shortcut_for ("Delete the selection");
  menu = menu_accel_for (gtk_popover_menu_get_menu_model (GTK_POPOVER_MENU (ui.canvas->menu)),
                         "canvas.delete");
  g_test_message ("shortcuts window: %s; menu: %s", overlay, menu ? menu : "(none)");
  g_assert_nonnull (overlay);
  g_assert_nonnull (menu);
  keys = g_strsplit (overlay, " ", -1);
  g_assert_cmpstr (menu, ==, keys[0]);
  g_assert_cmpstr (keys[0], ==, "Delete");
  g_assert_cmpstr (keys[1], ==, "BackSpace");
  ds_graph_canvas_select_layer (ui.canvas, dense, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (ui.canvas));
  ui_xtest_key (GTK_WIDGET (ui.canvas), XK_BackSpace, FALSE);
  {
    LayerCount c = { &ui, 1 };

    g_assert_true (ui_wait_for (has_n_layers, &c, 3000));
  }
  ds_graph_canvas_select_layer (ui.canvas, in, FALSE);
  ui_xtest_key (GTK_WIDGET (ui.canvas), XK_Delete, FALSE);
  {
    LayerCount c = { &ui, 0 };

    g_assert_true (ui_wait_for (has_n_layers, &c, 3000));
  }
  ui_close (&ui);
}

/* Every kind of edit is undone and redone to the exact model text. */
static void
test_undo_redo (void)
{
  Ui ui;
  g_autoptr(GPtrArray) states = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  GtkWidget *editor;
  int in, dense, dup;

  ui_open (&ui);
  g_ptr_array_add (states, json_of (&ui));

  in = ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  g_assert_no_error (error);
  g_ptr_array_add (states, json_of (&ui));
  dense = ds_graph_canvas_add_layer (ui.canvas, "Dense", 256, 0, &error);
  g_assert_no_error (error);
  g_ptr_array_add (states, json_of (&ui));
  g_assert_true (ds_graph_canvas_connect (ui.canvas, in, dense, &error));
  g_ptr_array_add (states, json_of (&ui));

  /* Property edits go through the generated editors. */
  ds_graph_canvas_select_layer (ui.canvas, in, FALSE);
  editor = ds_properties_get_editor (ui.props, "shape");
  g_assert_true (GTK_IS_ENTRY (editor));
  gtk_editable_set_text (GTK_EDITABLE (editor), "4");
  g_signal_emit_by_name (editor, "activate");
  assert_shape (model_of (&ui), dense, 1, (int[]) { 1 });   /* set for two classes */
  g_ptr_array_add (states, json_of (&ui));

  ds_graph_canvas_select_layer (ui.canvas, dense, FALSE);
  editor = ds_properties_get_editor (ui.props, "units");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor), 16);
  g_ptr_array_add (states, json_of (&ui));
  editor = ds_properties_get_editor (ui.props, "activation");
  g_assert_true (GTK_IS_DROP_DOWN (editor));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), 3);   /* tanh (sigmoid is the task's) */
  g_ptr_array_add (states, json_of (&ui));
  editor = ds_properties_get_editor (ui.props, "use_bias");
  g_assert_true (GTK_IS_SWITCH (editor));
  gtk_switch_set_active (GTK_SWITCH (editor), FALSE);
  g_ptr_array_add (states, json_of (&ui));

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.canvas), "canvas.move", "(dd)", 8.0, 16.0));
  g_ptr_array_add (states, json_of (&ui));
  g_assert_true (ds_graph_canvas_rename_layer (ui.canvas, dense, "scores", &error));
  g_ptr_array_add (states, json_of (&ui));
  ds_graph_canvas_duplicate (ui.canvas);
  dup = ds_graph_canvas_get_selected_layer (ui.canvas);
  g_assert_cmpint (dup, ==, 2);
  g_ptr_array_add (states, json_of (&ui));
  ds_graph_canvas_delete_selection (ui.canvas);
  g_assert_cmpint (nn_model_get_n_layers (model_of (&ui)), ==, 2);
  g_ptr_array_add (states, json_of (&ui));
  ds_graph_canvas_select_all (ui.canvas);
  ds_graph_canvas_copy (ui.canvas);
  ds_graph_canvas_paste (ui.canvas);
  g_assert_cmpint (nn_model_get_n_layers (model_of (&ui)), ==, 4);
  g_ptr_array_add (states, json_of (&ui));
  ds_graph_canvas_auto_layout (ui.canvas);
  g_ptr_array_add (states, json_of (&ui));

  /* Each recorded edit changed the model. */
  for (guint i = 1; i < states->len; i++)
    g_assert_cmpstr (g_ptr_array_index (states, i - 1), !=, g_ptr_array_index (states, i));

  for (guint i = states->len - 1; i > 0; i--)
    {
      g_autofree char *now = NULL;

      g_assert_true (ds_document_can_undo (ui.doc));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
      now = json_of (&ui);
      g_assert_cmpstr (now, ==, g_ptr_array_index (states, i - 1));
    }
  g_assert_false (ds_document_can_undo (ui.doc));
  g_assert_false (ds_document_get_dirty (ui.doc));

  for (guint i = 1; i < states->len; i++)
    {
      g_autofree char *now = NULL;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.redo", NULL));
      now = json_of (&ui);
      g_assert_cmpstr (now, ==, g_ptr_array_index (states, i));
    }
  g_assert_false (ds_document_can_redo (ui.doc));
  ui_close (&ui);
}

/* An edge the shapes don't allow: the error shows on the node it concerns
 * (drawn in the error colour), in the error list, and the list selects it. */
static void
test_invalid_connection (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  GtkListBox *list;
  GtkWidget *row;
  NnModel *m;
  int in, conv, dense;
  DsScene *scene;

  ui_open (&ui);
  in = ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), in, "shape", "10", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  conv = ds_graph_canvas_add_layer (ui.canvas, "Conv2D", 240, 0, &error);
  g_assert_no_error (error);
  dense = ds_graph_canvas_add_layer (ui.canvas, "Dense", 240, 160, &error);
  g_assert_no_error (error);
  g_assert_true (ds_graph_canvas_connect (ui.canvas, in, dense, &error));
  g_assert_true (ds_graph_canvas_connect (ui.canvas, in, conv, &error));
  ui_spin (50);

  m = model_of (&ui);
  g_assert_nonnull (nn_model_layer_get_error (m, conv));
  g_assert_null (nn_model_layer_get_error (m, in));
  g_assert_null (nn_model_layer_get_error (m, dense));
  scene = ds_graph_canvas_get_scene (ui.canvas);
  g_assert_nonnull (ds_scene_get_node (scene, conv)->error);
  g_assert_null (ds_scene_get_node (scene, dense)->error);

  /* The error colour on screen: the node's left strip is red. */
  {
    GtkWidget *canvas = GTK_WIDGET (ui.canvas);
    g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (canvas);
    g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
    g_autoptr(GskRenderNode) node = NULL;
    g_autoptr(GdkTexture) texture = NULL;
    int w = gtk_widget_get_width (canvas), h = gtk_widget_get_height (canvas);
    g_autofree guchar *pixels = g_malloc (4 * w * h);
    double x, y, wx, wy;
    const guchar *p;

    ds_graph_canvas_set_zoom (ui.canvas, 1.0);
    gtk_test_widget_wait_for_draw (GTK_WIDGET (ui.window));
    ui_spin (50);
    gdk_paintable_snapshot (paintable, snapshot, w, h);
    node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    g_assert_nonnull (node);
    texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (canvas)),
                                           node, &GRAPHENE_RECT_INIT (0, 0, w, h));
    gdk_texture_download (texture, pixels, 4 * w);
    if (g_getenv ("DS_TEST_SAVE_PNG"))
      gdk_texture_save_to_png (texture, g_getenv ("DS_TEST_SAVE_PNG"));
    nn_model_layer_get_position (model_of (&ui), conv, &x, &y);
    ds_graph_canvas_model_to_widget (ui.canvas, x + 2.5, y + DS_NODE_HEIGHT / 4, &wx, &wy);
    g_assert_cmpfloat (wx, >=, 0);
    g_assert_cmpfloat (wx, <, w);
    g_assert_cmpfloat (wy, >=, 0);
    g_assert_cmpfloat (wy, <, h);
    p = pixels + 4 * ((int) wy * w + (int) wx);   /* BGRA */
    g_test_message ("error strip at %.1f,%.1f: %d %d %d", wx, wy, p[2], p[1], p[0]);
    g_assert_cmpint (p[2], >, 150);
    g_assert_cmpint (p[1], <, 90);
    /* ...and the healthy Dense has its group colour, not red. */
    nn_model_layer_get_position (model_of (&ui), dense, &x, &y);
    ds_graph_canvas_model_to_widget (ui.canvas, x + 2.5, y + DS_NODE_HEIGHT / 4, &wx, &wy);
    p = pixels + 4 * ((int) wy * w + (int) wx);
    g_assert_cmpint (p[0], >, 120);   /* #9141ac: more blue than red */
  }

  list = ds_build_view_get_error_list (ui.view);
  row = gtk_widget_get_first_child (GTK_WIDGET (list));
  g_assert_nonnull (row);
  g_assert_null (gtk_widget_get_next_sibling (row));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), ==,
                   nn_model_layer_get_name (m, conv));
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (row)), ==,
                   nn_model_layer_get_error (m, conv));
  ds_graph_canvas_select_layer (ui.canvas, dense, FALSE);
  g_signal_emit_by_name (row, "activate");
  ui_spin (50);
  g_assert_cmpint (ds_graph_canvas_get_selected_layer (ui.canvas), ==, conv);
  g_assert_cmpint (ds_properties_get_layer (ui.props), ==, conv);

  /* Edges the graph itself refuses change nothing. */
  before = json_of (&ui);
  g_assert_false (ds_graph_canvas_connect (ui.canvas, dense, in, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (ds_graph_canvas_connect (ui.canvas, conv, conv, &error));
  g_clear_error (&error);
  after = json_of (&ui);
  g_assert_cmpstr (before, ==, after);

  /* Fixing the input clears the error and the list (the Dense, which
   * would then get an image, goes first). */
  ds_graph_canvas_select_layer (ui.canvas, dense, FALSE);
  ds_graph_canvas_delete_selection (ui.canvas);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), in, "shape", "8, 8, 1", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  g_assert_null (nn_model_layer_get_error (model_of (&ui), conv));
  g_assert_null (gtk_widget_get_first_child (GTK_WIDGET (list)));
  ui_close (&ui);
}

/* Save, reopen in another window: same layers, edges and positions. */
static void
test_save_reopen (void)
{
  Ui a, b;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ds-ui-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "saved.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *json_a = NULL;
  g_autofree char *json_b = NULL;
  NnModel *ma, *mb;
  int x1, x2, add;

  g_assert_no_error (error);
  ui_open (&a);
  x1 = ds_graph_canvas_add_layer (a.canvas, "Input", 0, 0, &error);
  x2 = ds_graph_canvas_add_layer (a.canvas, "Input", 0, 200, &error);
  add = ds_graph_canvas_add_layer (a.canvas, "Add", 300, 100, &error);
  g_assert_no_error (error);
  g_assert_true (ds_graph_canvas_connect (a.canvas, x1, add, &error));
  g_assert_true (ds_graph_canvas_connect (a.canvas, x2, add, &error));
  /* Positions off the grid too: they must come back exactly. */
  nn_model_layer_set_position (model_of (&a), x2, 13.25, 217.5);
  ds_document_commit (a.doc, DS_CHANGE_POSITIONS, "Move", NULL);
  g_assert_true (ds_window_save_to (a.window, file, &error));
  g_assert_no_error (error);
  g_assert_false (ds_document_get_dirty (a.doc));

  ui_open (&b);
  g_assert_true (ds_window_load (b.window, file, &error));
  g_assert_no_error (error);
  g_assert_false (ds_document_get_dirty (b.doc));
  g_assert_true (g_file_equal (ds_document_get_file (b.doc), file));

  ma = model_of (&a);
  mb = model_of (&b);
  g_assert_cmpint (nn_model_get_n_layers (mb), ==, 3);
  for (int l = 0; l < 3; l++)
    {
      double xa, ya, xb, yb;

      g_assert_cmpstr (nn_model_layer_get_name (ma, l), ==, nn_model_layer_get_name (mb, l));
      g_assert_true (nn_model_layer_get_type (ma, l) == nn_model_layer_get_type (mb, l));
      nn_model_layer_get_position (ma, l, &xa, &ya);
      nn_model_layer_get_position (mb, l, &xb, &yb);
      g_assert_cmpfloat (xa, ==, xb);
      g_assert_cmpfloat (ya, ==, yb);
      g_assert_cmpfloat (ds_scene_get_node (ds_graph_canvas_get_scene (b.canvas), l)->x, ==, xb);
      g_assert_cmpint (nn_model_layer_get_n_calls (ma, l), ==, nn_model_layer_get_n_calls (mb, l));
    }
  g_assert_cmpint (nn_model_call_get_n_inputs (mb, add, 0), ==, 2);
  g_assert_cmpint (nn_model_call_get_input (mb, add, 0, 0).layer, ==, x1);
  g_assert_cmpint (nn_model_call_get_input (mb, add, 0, 1).layer, ==, x2);
  json_a = json_of (&a);
  json_b = json_of (&b);
  g_assert_cmpstr (json_a, ==, json_b);

  ui_close (&b);
  ui_close (&a);
  g_unlink (path);
  g_rmdir (dir);
}

/* The canvas works from the keyboard alone: Tab walks the nodes in data
 * order, arrows move, Delete removes, Ctrl+E connects. */
static void
test_keyboard (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  GtkWidget *canvas;
  double x0, y0;
  int a, b, c;
  g_autofree char *b_name = NULL;
  g_autofree char *c_name = NULL;
  LayerCount two = { &ui, 2 };

  ui_open (&ui);
  canvas = GTK_WIDGET (ui.canvas);
  c = ds_graph_canvas_add_layer (ui.canvas, "Dense", 480, 0, &error);
  a = ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  b = ds_graph_canvas_add_layer (ui.canvas, "Dense", 240, 0, &error);
  g_assert_no_error (error);
  ds_graph_canvas_clear_selection (ui.canvas);
  gtk_widget_grab_focus (canvas);
  ui_spin (50);
  g_assert_true (gtk_widget_has_focus (canvas));

  /* Each key is waited for: on a busy machine the X server may take a
   * while to deliver it. */
  ui_xtest_key (canvas, XK_Tab, FALSE);
  g_assert_true (wait_selected (&ui, a));
  ui_xtest_key (canvas, XK_Tab, FALSE);
  g_assert_true (wait_selected (&ui, b));
  ui_xtest_key (canvas, XK_Tab, TRUE);
  g_assert_true (wait_selected (&ui, a));
  g_assert_true (gtk_widget_has_focus (canvas));

  nn_model_layer_get_position (model_of (&ui), a, &x0, &y0);
  ui_xtest_key (canvas, XK_Right, FALSE);
  ui_xtest_key (canvas, XK_Down, FALSE);
  g_assert_true (wait_position (&ui, a, x0 + 8, y0 + 8));

  /* Select a then b (Ctrl+click extends), Ctrl+E connects a -> b. */
  ds_graph_canvas_select_layer (ui.canvas, a, FALSE);
  ds_graph_canvas_select_layer (ui.canvas, b, TRUE);
  {
    Display *dpy = ui_xdisplay (canvas);
    KeyCode ctrl = XKeysymToKeycode (dpy, XK_Control_L);

    XTestFakeKeyEvent (dpy, ctrl, True, CurrentTime);
    ui_xtest_key (canvas, XK_e, FALSE);
    XTestFakeKeyEvent (dpy, ctrl, False, CurrentTime);
    XFlush (dpy);
    g_assert_true (wait_connected (&ui, a, b));
    ui_spin (50);
  }

  c_name = g_strdup (nn_model_layer_get_name (model_of (&ui), c));
  b_name = g_strdup (nn_model_layer_get_name (model_of (&ui), b));
  ds_graph_canvas_select_layer (ui.canvas, c, FALSE);
  ui_xtest_key (canvas, XK_Delete, FALSE);
  g_assert_true (ui_wait_for (has_n_layers, &two, 5000));
  g_assert_cmpint (nn_model_find_layer (model_of (&ui), c_name), ==, -1);
  g_assert_cmpint (nn_model_find_layer (model_of (&ui), b_name), >=, 0);
  ui_close (&ui);
}

/* Unsaved work is copied to the cache directory; a copy left by a crashed
 * run is found and loads back to the same model; a clean close removes the
 * window's own copy. */
static void
test_autosave (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) orphans = NULL;
  g_autoptr(GFile) origin = NULL;
  g_autofree char *dir = ds_autosave_dup_dir ();
  g_autofree char *copy = NULL;
  g_autofree char *json = NULL;
  g_autofree char *own = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(NnModel) back = NULL;
  g_autofree char *back_json = NULL;
  g_autoptr(GPtrArray) left = NULL;

  /* run-headless.sh points XDG_CACHE_HOME at a throw-away directory. */
  g_assert_true (g_str_has_prefix (dir, g_getenv ("XDG_CACHE_HOME")));

  ui_open (&ui);
  ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  ds_graph_canvas_add_layer (ui.canvas, "Dense", 240, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ds_window_autosave_now (ui.window, &error));
  g_assert_no_error (error);
  json = json_of (&ui);

  /* The live window's copy is not an orphan. */
  orphans = ds_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 0);

  /* Pretend a crashed run left it behind. */
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, &error);
    const char *name;

    g_assert_no_error (error);
    while ((name = g_dir_read_name (d)))
      if (g_str_has_suffix (name, ".json"))
        own = g_build_filename (dir, name, NULL);
  }
  g_assert_nonnull (own);
  g_assert_true (g_file_get_contents (own, &contents, NULL, &error));
  copy = g_build_filename (dir, "autosave-1-1.json", NULL);
  g_assert_true (g_file_set_contents (copy, contents, -1, &error));
  g_clear_pointer (&orphans, g_ptr_array_unref);
  orphans = ds_autosave_find_orphans ();
  g_assert_cmpuint (orphans->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (orphans, 0), ==, copy);
  back = ds_autosave_load (copy, &origin, &error);
  g_assert_no_error (error);
  g_assert_null (origin);
  back_json = nn_model_to_json (back, FALSE, &error);
  g_assert_cmpstr (back_json, ==, json);
  ds_autosave_remove (copy);

  ui_close (&ui);
  g_assert_false (g_file_test (own, G_FILE_TEST_EXISTS));
  left = ds_autosave_find_orphans ();
  g_assert_cmpuint (left->len, ==, 0);
}

static AdwMessageDialog *
find_message_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return ADW_MESSAGE_DIALOG (w);
    }
  return NULL;
}

static DsWindow *
find_other_window (DsWindow *not_this)
{
  GListModel *tops = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (tops, i);

      if (DS_IS_WINDOW (w) && DS_WINDOW (w) != not_this && gtk_widget_get_visible (GTK_WIDGET (w)))
        return DS_WINDOW (w);
    }
  return NULL;
}

/* Copies the window's autosave as a crashed run's (returns its path). */
static char *
leave_orphan (Ui *ui)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = ds_autosave_dup_dir ();
  g_autofree char *own = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  char *copy;

  g_assert_true (ds_window_autosave_now (ui->window, &error));
  g_assert_no_error (error);
  d = g_dir_open (dir, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".json") && !g_str_has_prefix (name, "autosave-1-"))
      own = g_build_filename (dir, name, NULL);
  g_assert_nonnull (own);
  g_assert_true (g_file_get_contents (own, &contents, NULL, &error));
  copy = g_build_filename (dir, "autosave-1-1.json", NULL);
  g_assert_true (g_file_set_contents (copy, contents, -1, &error));
  return copy;
}

/* At start the app offers work a crash left behind: Recover opens it in a
 * new window (this one holds work of its own), unsaved, and the copy goes;
 * Discard only removes the copy. */
static void
test_recover_dialog (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  g_autoptr(DsApplication) app = ds_application_new ();
  g_autofree char *json = NULL;
  g_autofree char *copy = NULL;
  g_autofree char *recovered_json = NULL;
  AdwMessageDialog *dialog;
  DsWindow *other;

  ui_open (&ui);
  ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  ds_graph_canvas_add_layer (ui.canvas, "Dense", 240, 0, &error);
  g_assert_no_error (error);
  json = json_of (&ui);

  copy = leave_orphan (&ui);
  ds_application_offer_recovery (app, GTK_WINDOW (ui.window));
  ui_spin (100);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Recover Unsaved Work?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "recover");
  adw_message_dialog_response (dialog, "recover");
  ui_spin (150);
  other = find_other_window (ui.window);
  g_assert_nonnull (other);
  recovered_json = nn_model_to_json (ds_document_get_model (ds_window_get_document (other)), FALSE,
                                     &error);
  g_assert_no_error (error);
  g_assert_cmpstr (recovered_json, ==, json);
  g_assert_true (ds_document_get_dirty (ds_window_get_document (other)));
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  ui_close_window_checked (other);
  g_assert_null (find_other_window (ui.window));

  /* Discard: the copy goes, nothing opens. */
  g_free (copy);
  copy = leave_orphan (&ui);
  ds_application_offer_recovery (app, GTK_WINDOW (ui.window));
  ui_spin (100);
  dialog = find_message_dialog ();
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  ui_spin (150);
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  g_assert_null (find_other_window (ui.window));

  ui_close (&ui);
}

/* The palette filters by name, help text and group; activating a row (Enter
 * or double click) appends that layer after the selected one, connected. */
/* Every palette description shows in full: wrapped to the pane's width,
 * never ellipsized or wider than its label. */
static void
test_palette_descriptions (void)
{
  Ui ui;
  guint n = 0;

  ui_open (&ui);
  for (guint i = 0; i < nn_layer_types_count (); i++)
    {
      const char *name = nn_layer_type_get_name (nn_layer_types_get (i));
      GtkWidget *row = ds_palette_get_row (ui.palette, name);
      GtkWidget *box = gtk_list_box_row_get_child (GTK_LIST_BOX_ROW (row));
      GtkWidget *text = gtk_widget_get_last_child (box);
      GtkWidget *help = gtk_widget_get_last_child (text);
      PangoLayout *layout;
      int lw, lh;

      g_assert_true (GTK_IS_LABEL (help));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (help)), ==,
                       nn_layer_type_get_help (nn_layer_types_get (i)));
      layout = gtk_label_get_layout (GTK_LABEL (help));
      pango_layout_get_pixel_size (layout, &lw, &lh);
      if (pango_layout_is_ellipsized (layout) || lw > gtk_widget_get_width (help)
          || lh > gtk_widget_get_height (help))
        g_error ("%s's description is cut: %d x %d px of text in a %d x %d px label%s", name,
                 lw, lh, gtk_widget_get_width (help), gtk_widget_get_height (help),
                 pango_layout_is_ellipsized (layout) ? ", ellipsized" : "");
      n++;
    }
  g_assert_cmpuint (n, >, 20);
  ui_close (&ui);
}

static void
test_palette (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  guint all;
  int in, added;
  NnModel *m;

  ui_open (&ui);
  all = ds_palette_get_n_visible (ui.palette);
  g_assert_cmpuint (all, ==, nn_layer_types_count ());
  ds_palette_set_search (ui.palette, "pool");
  g_assert_cmpuint (ds_palette_get_n_visible (ui.palette), >, 0);
  g_assert_cmpuint (ds_palette_get_n_visible (ui.palette), <, all);
  ds_palette_set_search (ui.palette, "no such layer at all");
  g_assert_cmpuint (ds_palette_get_n_visible (ui.palette), ==, 0);
  ds_palette_set_search (ui.palette, "");
  g_assert_cmpuint (ds_palette_get_n_visible (ui.palette), ==, all);

  in = ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), in, "shape", "6", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  ds_graph_canvas_select_layer (ui.canvas, in, FALSE);
  g_signal_emit_by_name (ds_palette_get_row (ui.palette, "Dense"), "activate");
  ui_spin (50);
  m = model_of (&ui);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 2);
  added = ds_graph_canvas_get_selected_layer (ui.canvas);
  g_assert_cmpint (added, ==, 1);
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, added)), ==, "Dense");
  g_assert_cmpint (nn_model_call_get_input (m, added, 0, 0).layer, ==, in);
  /* To the right of the Input, not on top of it. */
  {
    double xi, yi, xa, ya;

    nn_model_layer_get_position (m, in, &xi, &yi);
    nn_model_layer_get_position (m, added, &xa, &ya);
    g_assert_cmpfloat (xa, >=, xi + DS_NODE_WIDTH);
  }
  assert_shape (m, added, 1, (int[]) { 1 });   /* the output, set for two classes */
  ui_close (&ui);
}

static gboolean
is_not_visible (gpointer widget)
{
  return !gtk_widget_get_visible (widget);
}

/* Closing with unsaved changes asks first; Cancel keeps the window,
 * Discard closes it. */
static void
test_close_prompt (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  GListModel *toplevels = gtk_window_get_toplevels ();
  AdwMessageDialog *dialog = NULL;

  ui_open (&ui);
  g_object_ref (ui.window);
  ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  g_assert_no_error (error);
  g_assert_true (ds_document_get_dirty (ui.doc));

  gtk_window_close (GTK_WINDOW (ui.window));
  ui_spin (100);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ui.window)));
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w)
          && gtk_window_get_transient_for (GTK_WINDOW (w)) == GTK_WINDOW (ui.window))
        dialog = ADW_MESSAGE_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Save Changes?");
  adw_message_dialog_response (dialog, "cancel");
  ui_spin (100);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ui.window)));
  g_assert_true (ds_document_get_dirty (ui.doc));

  gtk_window_close (GTK_WINDOW (ui.window));
  ui_spin (100);
  dialog = NULL;
  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) w = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w))
          && gtk_window_get_transient_for (GTK_WINDOW (w)) == GTK_WINDOW (ui.window))
        dialog = ADW_MESSAGE_DIALOG (w);
    }
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "discard");
  g_assert_true (ui_wait_for (is_not_visible, ui.window, 2000));
  {
    UiWatch w = { NULL, NULL };

    ui_watch (&w, ui.window, "the window");
    ui_watch (&w, ui.doc, "its document");
    g_object_unref (ui.window);
    ui_watch_assert_finalized (&w, 10000);
  }
}

/* The history itself: equal states are not recorded, a run of edits with
 * one merge key undoes at once, a new edit drops what could be redone. */
static void
test_undo_stack (void)
{
  g_autoptr(DsUndoStack) u = ds_undo_stack_new (3);
  guint64 serial;

  ds_undo_stack_reset (u, "A");
  g_assert_false (ds_undo_stack_can_undo (u));
  g_assert_true (ds_undo_stack_push (u, "B", "to B", NULL));
  g_assert_false (ds_undo_stack_push (u, "B", "again", NULL));
  g_assert_true (ds_undo_stack_push (u, "C", "to C", "spin"));
  serial = ds_undo_stack_get_serial (u);
  g_assert_true (ds_undo_stack_push (u, "D", "to D", "spin"));
  g_assert_cmpuint (ds_undo_stack_get_serial (u), !=, serial);
  g_assert_cmpstr (ds_undo_stack_get_undo_label (u), ==, "to C");
  g_assert_cmpstr (ds_undo_stack_undo (u), ==, "B");
  g_assert_cmpstr (ds_undo_stack_get_redo_label (u), ==, "to C");
  g_assert_cmpstr (ds_undo_stack_redo (u), ==, "D");
  g_assert_cmpstr (ds_undo_stack_undo (u), ==, "B");
  g_assert_true (ds_undo_stack_push (u, "E", "to E", NULL));
  g_assert_false (ds_undo_stack_can_redo (u));
  g_assert_null (ds_undo_stack_redo (u));
  /* At most 3 states: A went when E came. */
  g_assert_true (ds_undo_stack_push (u, "F", "to F", NULL));
  g_assert_cmpstr (ds_undo_stack_undo (u), ==, "E");
  g_assert_cmpstr (ds_undo_stack_undo (u), ==, "B");
  g_assert_false (ds_undo_stack_can_undo (u));
  g_assert_null (ds_undo_stack_undo (u));
}

/* At 1280x720 the summary pane under the canvas is too short for the
 * whole table: its header line carries the totals the table ends with
 * (total, trainable and non-trainable), whole and on screen. */
static void
test_summary_totals (void)
{
  Ui ui;
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "transfer_head.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  DsSummary *summary;
  GtkLabel *label;
  graphene_rect_t bounds;
  gint64 trainable, frozen, total;
  g_autofree char *t = NULL, *tr = NULL, *fr = NULL, *want = NULL;

  ui_open_sized (&ui, 1280, 720);
  g_assert_true (ds_document_load (ui.doc, file, &error));
  g_assert_no_error (error);
  ui_spin (300);
  summary = ds_build_view_get_summary (ui.view);
  label = ds_summary_get_totals_label (summary);
  total = nn_model_count_params (model_of (&ui), &trainable, &frozen);
  g_assert_cmpint (frozen, >, 0);
  t = ds_format_count (total);
  tr = ds_format_count (trainable);
  fr = ds_format_count (frozen);
  want = g_strdup_printf ("Total params: %s · Trainable: %s · Non-trainable: %s", t, tr, fr);
  g_test_message ("totals: %s", ds_summary_get_totals (summary));
  g_assert_nonnull (strstr (ds_summary_get_totals (summary), want));
  /* Shown whole, inside the window. */
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
  g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (label), GTK_WIDGET (ui.view), &bounds));
  g_test_message ("totals at x %.0f..%.0f, y %.0f..%.0f of the %d x %d view", bounds.origin.x,
                  bounds.origin.x + bounds.size.width, bounds.origin.y, bounds.origin.y + bounds.size.height,
                  gtk_widget_get_width (GTK_WIDGET (ui.view)), gtk_widget_get_height (GTK_WIDGET (ui.view)));
  g_assert_cmpfloat (bounds.size.height, >, 0);
  g_assert_cmpfloat (bounds.origin.x, >=, 0);
  g_assert_cmpfloat (bounds.origin.x + bounds.size.width, <=, gtk_widget_get_width (GTK_WIDGET (ui.view)));
  g_assert_cmpfloat (bounds.origin.y + bounds.size.height, <=, gtk_widget_get_height (GTK_WIDGET (ui.view)));
  ui_close (&ui);
}

/* Adds a layer of type at (x, y), its parameters set from pairs. */
static int
add_layer (NnModel    *m,
           const char *type,
           const char *name,
           double      x,
           double      y,
           ...)
{
  g_autoptr(GError) error = NULL;
  int l = nn_model_add_layer (m, type, name, &error);
  va_list ap;
  const char *key;

  g_assert_no_error (error);
  nn_model_layer_set_position (m, l, x, y);
  va_start (ap, y);
  while ((key = va_arg (ap, const char *)))
    g_assert_true (nn_model_layer_set_param (m, l, key, va_arg (ap, const char *), NULL));
  va_end (ap);
  return l;
}

/* enc_in (5, 3) → encoder LSTM(4, return_state); dec_in (4, 2) → decoder
 * LSTM(4) at (dec_x, dec_y), its initial states left to the caller. */
static NnModel *
seq2seq_model (double dec_x,
               double dec_y,
               int   *ein,
               int   *enc,
               int   *dec)
{
  NnModel *m = nn_model_new ("seq2seq");
  int din;

  *ein = add_layer (m, "Input", "enc_in", 40, 60, "shape", "5, 3", NULL);
  din = add_layer (m, "Input", "dec_in", 40, 260, "shape", "4, 2", NULL);
  *enc = add_layer (m, "LSTM", "encoder", 300, 60, "units", "4", "return_state", "true", NULL);
  *dec = add_layer (m, "LSTM", "decoder", dec_x, dec_y, "units", "4", NULL);
  g_assert_true (nn_model_connect (m, (NnRef) { *ein, 0 }, *enc, -1, NULL));
  g_assert_true (nn_model_connect (m, (NnRef) { din, 0 }, *dec, -1, NULL));
  return m;
}

/* An encoder LSTM with return_state whose h and c start a decoder LSTM:
 * the states are ports as large as the main ones, named on the canvas
 * ("h", "c"; "initial h", "initial c"), with a tooltip each; the summary
 * shows every output's shape. Screenshots at three zooms with
 * DEEPSCOPE_SCREENSHOTS. */
static void
test_state_ports (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  int ein, enc, dec;
  NnModel *m = seq2seq_model (560, 200, &ein, &enc, &dec);
  DsScene *scene;
  DsSceneNode *node;
  double px, py, wx, wy;
  g_autofree char *summary = NULL;
  const double zooms[] = { 1.0, 0.6, 1.8 };
  const char *names[] = { "states", "states-out", "states-in" };

  for (int k = 1; k <= 2; k++)
    g_assert_true (nn_model_connect (m, (NnRef) { enc, 0, k }, dec, -1, &error));
  g_assert_no_error (error);
  ui_open (&ui);
  ds_document_take_model (ui.doc, m, NULL, FALSE);
  ui_spin (300);
  scene = ds_graph_canvas_get_scene (ui.canvas);
  node = ds_scene_get_node (scene, ds_scene_find_layer (scene, enc));
  g_assert_nonnull (node->state_names);
  g_assert_cmpstr (node->state_names[0], ==, "h");
  g_assert_cmpstr (node->state_names[1], ==, "c");

  /* the encoder's c port: its tooltip names it and its shape */
  ds_scene_output_port_k (node, 2, &px, &py);
  ds_graph_canvas_model_to_widget (ui.canvas, px, py, &wx, &wy);
  {
    g_autofree char *tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, wx, wy, FALSE);

    g_test_message ("%s", tip);
    g_assert_true (g_str_has_prefix (tip, "c: encoder’s final cell state"));
  }
  /* the decoder's initial h: where it comes from */
  node = ds_scene_get_node (scene, ds_scene_find_layer (scene, dec));
  g_assert_cmpint (node->n_in_slots, ==, 3);
  ds_scene_input_port (node, 1, node->n_in_slots, &px, &py);
  ds_graph_canvas_model_to_widget (ui.canvas, px, py, &wx, &wy);
  {
    g_autofree char *tip = ds_graph_canvas_dup_tooltip_text (ui.canvas, wx, wy, FALSE);

    g_test_message ("%s", tip);
    g_assert_true (g_str_has_prefix (tip, "initial h: "));
    g_assert_nonnull (strstr (tip, "encoder’s final h"));
  }
  summary = ds_summary_dup_text (ds_build_view_get_summary (ui.view));
  g_assert_nonnull (strstr (summary, "(None, 4) · h (None, 4) · c (None, 4)"));
  for (int z = 0; z < 3; z++)
    {
      ds_graph_canvas_set_zoom (ui.canvas, zooms[z]);
      ui_spin (400);
      ui_screenshot (ui.window, "build", names[z]);
    }
  ui_close (&ui);
}

/* The states' ref on the decoder's input `slot`: encoder's output k. */
static gboolean
state_ref_is (Ui  *ui,
              int  dec,
              int  slot,
              int  enc,
              int  out)
{
  NnModel *m = model_of (ui);
  NnRef r;

  if (nn_model_call_get_n_inputs (m, dec, 0) <= slot)
    return FALSE;
  r = nn_model_call_get_input (m, dec, 0, slot);
  return r.layer == enc && r.out == out;
}

typedef struct { Ui *ui; int dec, slot, enc, out; } StateRef;

static gboolean
state_ref_cond (gpointer data)
{
  StateRef *c = data;

  return state_ref_is (c->ui, c->dec, c->slot, c->enc, c->out);
}

/* Real pointer drags from the encoder's h and c ports onto the decoder
 * wire its initial states (h first: c first is refused in words), the
 * model then runs; undo removes the edge; a Bidirectional LSTM's four
 * state ports all sit on its card. */
static void
test_state_drag (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  int ein, enc, dec;
  NnModel *m = seq2seq_model (600, 240, &ein, &enc, &dec);
  int small = add_layer (m, "LSTM", "small", 600, 440, "units", "3", NULL);
  DsScene *scene;
  DsSceneNode *node;
  double px, py, wx, wy, cx, cy;
  NnTensor *in[2];
  NnTensor *y;

  g_assert_true (nn_model_connect (m, (NnRef) { ein, 0 }, small, -1, &error));
  ui_open (&ui);
  ds_document_take_model (ui.doc, m, NULL, FALSE);
  ui_spin (300);
  scene = ds_graph_canvas_get_scene (ui.canvas);
  node = ds_scene_get_node (scene, ds_scene_find_layer (scene, enc));
  node_centre (&ui, dec, &cx, &cy);

  /* c before h: refused, nothing changes */
  ds_scene_output_port_k (node, 2, &px, &py);
  ds_graph_canvas_model_to_widget (ui.canvas, px, py, &wx, &wy);
  ui_xtest_drag (GTK_WIDGET (ui.canvas), wx, wy, GTK_WIDGET (ui.canvas), cx, cy);
  ui_spin (300);
  g_assert_cmpint (nn_model_call_get_n_inputs (model_of (&ui), dec, 0), ==, 1);
  g_assert_false (ds_graph_canvas_connect_port (ui.canvas, enc, 2, dec, -1, &error));
  g_assert_nonnull (strstr (error->message, "initial h before its initial c"));
  g_clear_error (&error);
  /* h and c (4 units) into an LSTM of 3 units: h alone waits for c, c
   * completes the states and its shape is refused */
  g_assert_true (ds_graph_canvas_connect_port (ui.canvas, enc, 1, small, -1, &error));
  g_assert_no_error (error);
  g_assert_false (ds_graph_canvas_connect_port (ui.canvas, enc, 2, small, -1, &error));
  g_assert_error (error, NN_MODEL_ERROR, NN_MODEL_ERROR_SHAPE);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
  g_assert_cmpint (nn_model_call_get_n_inputs (model_of (&ui), small, 0), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  g_assert_cmpint (nn_model_call_get_n_inputs (model_of (&ui), small, 0), ==, 1);

  /* h onto the decoder's card, then c onto it */
  for (int k = 1; k <= 2; k++)
    {
      scene = ds_graph_canvas_get_scene (ui.canvas);
      node = ds_scene_get_node (scene, ds_scene_find_layer (scene, enc));
      ds_scene_output_port_k (node, k, &px, &py);
      ds_graph_canvas_model_to_widget (ui.canvas, px, py, &wx, &wy);
      node_centre (&ui, dec, &cx, &cy);
      ui_xtest_drag (GTK_WIDGET (ui.canvas), wx, wy, GTK_WIDGET (ui.canvas), cx, cy);
      g_assert_true (ui_wait_for (state_ref_cond, &(StateRef) { &ui, dec, k, enc, k }, 5000));
    }
  scene = ds_graph_canvas_get_scene (ui.canvas);
  node = ds_scene_get_node (scene, ds_scene_find_layer (scene, dec));
  g_assert_cmpint (node->n_in_slots, ==, 3);

  m = model_of (&ui);
  in[0] = nn_tensor_new (3, (int[]) { 1, 5, 3 });
  in[1] = nn_tensor_new (3, (int[]) { 1, 4, 2 });
  y = nn_model_run (m, in, 2, (NnRef) { dec, 0 }, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->shape[0], ==, 1);
  g_assert_cmpint (y->shape[1], ==, 4);
  nn_tensor_free (y);
  nn_tensor_free (in[0]);
  nn_tensor_free (in[1]);
  ui_screenshot (ui.window, "build", "states-dragged");

  /* undo removes the c edge only */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (100);
  g_assert_cmpint (nn_model_call_get_n_inputs (model_of (&ui), dec, 0), ==, 2);
  g_assert_true (state_ref_is (&ui, dec, 1, enc, 1));
  ui_close (&ui);
}

/* Every port of a Bidirectional LSTM with return_state (four states)
 * lies on its card, and no two overlap. */
static void
test_bidirectional_ports (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  NnModel *m = nn_model_new ("bi");
  int in = add_layer (m, "Input", "seq", 40, 60, "shape", "5, 3", NULL);
  int bi = add_layer (m, "Bidirectional", "bi", 300, 60, "layer", "LSTM", "units", "4",
                      "return_state", "true", NULL);
  DsScene *scene;
  DsSceneNode *node;
  double prev = -1;

  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, bi, -1, &error));
  ui_open (&ui);
  ds_document_take_model (ui.doc, m, NULL, FALSE);
  ui_spin (300);
  scene = ds_graph_canvas_get_scene (ui.canvas);
  node = ds_scene_get_node (scene, ds_scene_find_layer (scene, bi));
  g_assert_cmpint (node->n_outputs, ==, 5);
  for (int k = 1; k <= 4; k++)
    {
      double px, py, y0;

      ds_scene_output_port_k (node, k, &px, &py);
      ds_scene_output_port_k (node, 0, &px, &y0);
      g_assert_cmpfloat (py - DS_PORT_RADIUS, >=, node->y);
      g_assert_cmpfloat (py + DS_PORT_RADIUS, <=, node->y + DS_NODE_HEIGHT);
      g_assert_cmpfloat (fabs (py - y0), >=, 2 * DS_PORT_RADIUS);
      g_assert_cmpfloat (py, >=, prev + 2 * DS_PORT_RADIUS);
      prev = k == 2 ? y0 : py;
    }
  ui_screenshot (ui.window, "build", "states-bidirectional");
  ui_close (&ui);
}

int
main (int   argc,
      char *argv[])
{
  /* A UI test that cannot open a display fails: skipping proves nothing. */
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/undo-stack", test_undo_stack);
  g_test_add_func ("/ui/build/tooltips-and-delete-key", test_tooltips_and_delete_key);
  g_test_add_func ("/ui/build/undo-redo", test_undo_redo);
  g_test_add_func ("/ui/build/invalid-connection", test_invalid_connection);
  g_test_add_func ("/ui/build/save-reopen", test_save_reopen);
  g_test_add_func ("/ui/build/keyboard", test_keyboard);
  g_test_add_func ("/ui/build/palette", test_palette);
  g_test_add_func ("/ui/build/palette-descriptions", test_palette_descriptions);
  g_test_add_func ("/ui/build/autosave", test_autosave);
  g_test_add_func ("/ui/build/recover-dialog", test_recover_dialog);
  g_test_add_func ("/ui/build/close-prompt", test_close_prompt);
  g_test_add_func ("/ui/build/summary-totals", test_summary_totals);
  g_test_add_func ("/ui/build/state-ports", test_state_ports);
  g_test_add_func ("/ui/build/state-drag", test_state_drag);
  g_test_add_func ("/ui/build/bidirectional-ports", test_bidirectional_ports);
  return g_test_run ();
}
