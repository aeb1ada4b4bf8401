/* SPDX-License-Identifier: GPL-3.0-or-later */
/* UI tests of the Build view's canvas: dropping and inserting layers, legible
 * drawing, pointer editing and the output layer set by the task, driven by
 * real pointer input through XTest (tests/run-headless.sh). */
#include "ui-build-util.h"

/* Double-click on a palette row with a middle layer selected inserts the
 * new layer after it, re-wiring what it fed, as one undo step, and never
 * makes a second output. */
static void
test_insert_after_selection (void)
{
  Ui ui;
  NnModel *m;
  int in, d1, d2, added, wrong;
  g_autofree char *before = NULL;
  g_autofree char *after_undo = NULL;
  g_autoptr(GError) error = NULL;

  ui_open (&ui);
  in = add_at (&ui, "Input", 0, 0, -1);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), in, "shape", "6", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  d1 = add_at (&ui, "Dense", 272, 0, in);
  d2 = add_at (&ui, "Dense", 544, 0, d1);
  g_assert_cmpint (nn_model_get_n_outputs (model_of (&ui)), ==, 1);
  before = json_of (&ui);

  ds_graph_canvas_select_layer (ui.canvas, d1, FALSE);
  g_signal_emit_by_name (ds_palette_get_row (ui.palette, "Dropout"), "activate");
  ui_spin (50);
  m = model_of (&ui);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, 4);
  added = ds_graph_canvas_get_selected_layer (ui.canvas);
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, added)), ==, "Dropout");
  g_test_message ("after insert: %s reads %d, %s reads %d, %d outputs",
                  nn_model_layer_get_name (m, added), input_of (m, added),
                  nn_model_layer_get_name (m, d2), input_of (m, d2), nn_model_get_n_outputs (m));
  g_assert_cmpint (input_of (m, added), ==, d1);
  g_assert_cmpint (input_of (m, d2), ==, added);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  g_assert_cmpint (nn_model_get_output (m, 0).layer, ==, d2);
  assert_no_overlap (m);

  /* One action, one undo step. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (20);
  after_undo = json_of (&ui);
  g_assert_cmpstr (after_undo, ==, before);

  /* An Input cannot go after anything: added alone, nothing re-wired, no
   * new output. */
  ds_graph_canvas_select_layer (ui.canvas, d1, FALSE);
  wrong = ds_graph_canvas_append_layer (ui.canvas, "Input", &error);
  g_assert_no_error (error);
  m = model_of (&ui);
  g_assert_cmpint (input_of (m, d2), ==, d1);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  g_assert_cmpint (input_of (m, wrong), ==, -1);
  assert_no_overlap (m);
  ui_close (&ui);
}

/* A drop on an edge inserts the layer there; a drop near a free output
 * port connects to it; a drop on a node's port lands beside, never on
 * another node. Each with the real pointer, each one undo step. */
static void
test_drop_smart (void)
{
  Ui ui;
  NnModel *m;
  int in, d1, d2, in2, added, n;
  double wx, wy, p[2];
  g_autofree char *before = NULL;
  g_autofree char *after_undo = NULL;
  g_autoptr(GError) error = NULL;

  ui_open (&ui);
  in = add_at (&ui, "Input", 0, 0, -1);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), in, "shape", "6", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  d1 = add_at (&ui, "Dense", 240, 0, in);
  d2 = add_at (&ui, "Dense", 640, 0, d1);
  in2 = add_at (&ui, "Input", 0, 296, -1);
  ds_graph_canvas_zoom_fit (ui.canvas);
  ui_spin (50);
  before = json_of (&ui);

  /* On the edge d1 -> d2, mid-way. */
  ds_graph_canvas_model_to_widget (ui.canvas, (240 + DS_NODE_WIDTH + 640) / 2.0,
                                   DS_NODE_HEIGHT / 2, &wx, &wy);
  g_test_message ("dropping on the edge at %.0f, %.0f (zoom %.2f, canvas %d x %d)", wx, wy,
                  ds_graph_canvas_get_zoom (ui.canvas), gtk_widget_get_width (GTK_WIDGET (ui.canvas)),
                  gtk_widget_get_height (GTK_WIDGET (ui.canvas)));
  drag_from_palette (&ui, "Dropout", wx, wy);
  m = model_of (&ui);
  added = nn_model_get_n_layers (m) - 1;
  g_test_message ("edge drop: %s reads %d, %s reads %d", nn_model_layer_get_name (m, added),
                  input_of (m, added), nn_model_layer_get_name (m, d2), input_of (m, d2));
  g_assert_cmpint (input_of (m, added), ==, d1);
  g_assert_cmpint (input_of (m, d2), ==, added);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  assert_no_overlap (m);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (20);
  after_undo = json_of (&ui);
  g_assert_cmpstr (after_undo, ==, before);

  /* Just right of in2's free output port: connected to it. */
  ds_graph_canvas_model_to_widget (ui.canvas, DS_NODE_WIDTH + 48 + DS_NODE_WIDTH / 2,
                                   296 + DS_NODE_HEIGHT / 2 + 16, &wx, &wy);
  drag_from_palette (&ui, "Dense", wx, wy);
  m = model_of (&ui);
  added = nn_model_get_n_layers (m) - 1;
  g_test_message ("port drop: %s reads %d", nn_model_layer_get_name (m, added), input_of (m, added));
  g_assert_cmpint (input_of (m, added), ==, in2);
  assert_no_overlap (m);

  /* Centred on d1's output port: it lands clear of every node. */
  n = nn_model_get_n_layers (m);
  g_assert_true (ds_graph_canvas_get_port (ui.canvas, d1, TRUE, &p[0], &p[1]));
  drag_from_palette (&ui, "Flatten", p[0], p[1]);
  m = model_of (&ui);
  g_assert_cmpint (nn_model_get_n_layers (m), ==, n + 1);
  assert_no_overlap (m);
  ui_close (&ui);
}

typedef struct { Ui *ui; int width; } WidthCond;

static gboolean
canvas_wider_cond (gpointer data)
{
  WidthCond *c = data;
  return gtk_widget_get_width (GTK_WIDGET (c->ui->canvas)) > c->width;
}

/* The model's bounds in canvas widget coordinates. */
static void
widget_bounds (Ui     *ui,
               double *x0,
               double *y0,
               double *x1,
               double *y1)
{
  double mx0, my0, mx1, my1;

  g_assert_true (ds_scene_get_bounds (ds_graph_canvas_get_scene (ui->canvas), &mx0, &my0, &mx1, &my1));
  ds_graph_canvas_model_to_widget (ui->canvas, mx0, my0, x0, y0);
  ds_graph_canvas_model_to_widget (ui->canvas, mx1, my1, x1, y1);
}

static const char *
activation_of (DsScene    *scene,
               NnModel    *m,
               const char *layer)
{
  return ds_scene_get_node (scene, ds_scene_find_layer (scene, nn_model_find_layer (m, layer)))->activation;
}

/* On a 1280x720 screen the convnet sample opens with every text at least
 * 11 px, laid out in rows that fit the canvas's width, each layer showing
 * its activation; the presentation mode enlarges it; Arrange lays a long
 * chain out in rows at a readable zoom. */
static void
test_legible_canvas (void)
{
  Ui ui;
  g_autofree char *path = g_build_filename (g_getenv ("DEEPSCOPE_SAMPLES"), "fashion_convnet.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  DsScene *scene;
  double zoom, px, x0, y0, x1, y1;
  int w, prev;
  WidthCond wc;

  ui_open_sized (&ui, 1280, 720);
  g_assert_true (ds_document_load (ui.doc, file, &error));
  g_assert_no_error (error);
  ui_spin (200);
  scene = ds_graph_canvas_get_scene (ui.canvas);
  zoom = ds_graph_canvas_get_zoom (ui.canvas);
  px = ds_scene_min_text_px (scene, zoom);
  w = gtk_widget_get_width (GTK_WIDGET (ui.canvas));
  widget_bounds (&ui, &x0, &y0, &x1, &y1);
  g_test_message ("convnet at 1280x720: zoom %.0f%%, smallest text %.1f px, canvas %d px wide, "
                  "model from x %.0f to %.0f", 100 * zoom, px, w, x0, x1);
  g_assert_cmpfloat (px, >=, 11.0);
  g_assert_cmpfloat (x0, >=, 0);
  g_assert_cmpfloat (x1, <=, w);
  g_assert_cmpstr (activation_of (scene, model_of (&ui), "conv1"), ==, "relu");
  g_assert_cmpstr (activation_of (scene, model_of (&ui), "classes"), ==, "softmax");
  g_assert_null (activation_of (scene, model_of (&ui), "pool1"));

  /* Presentation: only the canvas, the model larger. */
  wc = (WidthCond) { &ui, w };
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.view), "build.presentation", NULL));
  g_assert_true (ds_build_view_get_presentation (ui.view));
  g_assert_true (ui_wait_for (canvas_wider_cond, &wc, 5000));
  ui_spin (200);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (ui.palette)));
  g_test_message ("presentation: zoom %.0f%%, smallest text %.1f px",
                  100 * ds_graph_canvas_get_zoom (ui.canvas),
                  ds_scene_min_text_px (ds_graph_canvas_get_scene (ui.canvas),
                                        ds_graph_canvas_get_zoom (ui.canvas)));
  g_assert_cmpfloat (ds_graph_canvas_get_zoom (ui.canvas), >, 1.25 * zoom);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.view), "build.presentation", NULL));
  g_assert_false (ds_build_view_get_presentation (ui.view));
  ui_spin (200);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (ui.palette)));
  ui_close (&ui);

  /* A chain of twelve built by hand, then arranged. */
  ui_open_sized (&ui, 1280, 720);
  prev = add_at (&ui, "Input", 0, 0, -1);
  g_assert_true (nn_model_layer_set_param (model_of (&ui), prev, "shape", "6", &error));
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  for (int i = 1; i < 12; i++)
    prev = add_at (&ui, "Dense", 272.0 * i, 0, prev);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.view), "build.auto-layout", NULL));
  ui_spin (100);
  zoom = ds_graph_canvas_get_zoom (ui.canvas);
  px = ds_scene_min_text_px (ds_graph_canvas_get_scene (ui.canvas), zoom);
  w = gtk_widget_get_width (GTK_WIDGET (ui.canvas));
  widget_bounds (&ui, &x0, &y0, &x1, &y1);
  g_test_message ("arranged chain of 12: zoom %.0f%%, smallest text %.1f px, x %.0f to %.0f of %d",
                  100 * zoom, px, x0, x1, w);
  g_assert_cmpfloat (px, >=, 11.0);
  g_assert_cmpfloat (x0, >=, 0);
  g_assert_cmpfloat (x1, <=, w);
  assert_no_overlap (model_of (&ui));
  ui_close (&ui);
}

/* An encoder LSTM with return_state whose h and c start a decoder: the
 * encoder shows three output ports, and the decoder's state edges leave
 * from the second and third, one below the other. */
static void
test_state_ports (void)
{
  static const char json[] =
    "{ \"format\": \"deepscope-model\", \"version\": 1, \"name\": \"seq2seq\", \"config\": {"
    " \"layers\": ["
    "  { \"class_name\": \"Input\", \"name\": \"enc_in\", \"config\": { \"shape\": [6, 3] },"
    "    \"position\": [0, 0], \"inbound_nodes\": [] },"
    "  { \"class_name\": \"Input\", \"name\": \"dec_in\", \"config\": { \"shape\": [4, 3] },"
    "    \"position\": [0, 200], \"inbound_nodes\": [] },"
    "  { \"class_name\": \"LSTM\", \"name\": \"encoder\","
    "    \"config\": { \"units\": 8, \"return_state\": true }, \"position\": [280, 0],"
    "    \"inbound_nodes\": [[[\"enc_in\", 0, 0]]] },"
    "  { \"class_name\": \"LSTM\", \"name\": \"decoder\", \"config\": { \"units\": 8 },"
    "    \"position\": [560, 200], \"inbound_nodes\": [[[\"dec_in\", 0, 0], [\"encoder\", 0, 1],"
    "    [\"encoder\", 0, 2]]] } ],"
    " \"input_layers\": [[\"enc_in\", 0, 0], [\"dec_in\", 0, 0]],"
    " \"output_layers\": [[\"decoder\", 0, 0]] } }";
  Ui ui;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ui-states-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "seq2seq.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  DsScene *scene;
  double y[3] = { 0 };

  g_assert_true (g_file_set_contents (path, json, -1, &error));
  ui_open_sized (&ui, 1280, 720);
  g_assert_true (ds_document_load (ui.doc, file, &error));
  g_assert_no_error (error);
  ui_spin (200);
  scene = ds_graph_canvas_get_scene (ui.canvas);
  const DsSceneNode *enc = ds_scene_get_node (scene, ds_scene_find_layer (scene,
                                              nn_model_find_layer (model_of (&ui), "encoder")));
  g_assert_cmpint (enc->n_outputs, ==, 3);
  for (int i = 0; i < ds_scene_get_n_edges (scene); i++)
    {
      DsSceneEdge *e = ds_scene_get_edge (scene, i);
      double x;

      if (ds_scene_get_node (scene, e->src) != enc)
        continue;
      g_assert_cmpint (e->src_out, ==, e->slot);
      ds_scene_output_port_k (enc, e->src_out, &x, &y[e->src_out]);
    }
  ds_scene_output_port (enc, &(double) { 0 }, &y[0]);
  g_test_message ("encoder ports at y %.1f, %.1f, %.1f", y[0], y[1], y[2]);
  g_assert_cmpfloat (y[0], <, y[1]);
  g_assert_cmpfloat (y[1], <, y[2]);
  g_assert_cmpfloat (y[2], <, enc->y + DS_NODE_HEIGHT);
  ui_close (&ui);
  g_unlink (path);
  g_rmdir (dir);
}

/* Three layers dragged from the palette with the real pointer, connected by
 * dragging from output ports to the next nodes; the shapes follow. */
static void
test_drop_and_connect (void)
{
  Ui ui;
  NnModel *m;
  int in, flat, dense;
  double px, py, cx, cy;
  GtkWidget *units;
  g_autofree char *summary = NULL;

  ui_open (&ui);
  g_assert_cmpuint (ds_palette_get_n_rows (ui.palette), ==, nn_layer_types_count ());

  drag_from_palette (&ui, "Input", 110, 160);
  drag_from_palette (&ui, "Flatten", 330, 160);
  drag_from_palette (&ui, "Dense", 550, 160);
  m = model_of (&ui);
  in = nn_model_find_layer (m, "input_1") >= 0 ? nn_model_find_layer (m, "input_1") : 0;
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, 0)), ==, "Input");
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, 1)), ==, "Flatten");
  g_assert_cmpstr (nn_layer_type_get_name (nn_model_layer_get_type (m, 2)), ==, "Dense");
  in = 0, flat = 1, dense = 2;

  /* Each node is centred where it was dropped. */
  node_centre (&ui, flat, &cx, &cy);
  g_assert_cmpfloat (fabs (cx - 330), <, 8);
  g_assert_cmpfloat (fabs (cy - 160), <, 8);

  /* Real drags from each output port to the next node. */
  g_assert_true (ds_graph_canvas_get_port (ui.canvas, in, TRUE, &px, &py));
  node_centre (&ui, flat, &cx, &cy);
  ui_xtest_drag (GTK_WIDGET (ui.canvas), px, py, GTK_WIDGET (ui.canvas), cx, cy);
  g_assert_true (wait_connected (&ui, in, flat));
  g_assert_true (ds_graph_canvas_get_port (ui.canvas, flat, TRUE, &px, &py));
  node_centre (&ui, dense, &cx, &cy);
  ui_xtest_drag (GTK_WIDGET (ui.canvas), px, py, GTK_WIDGET (ui.canvas), cx, cy);
  g_assert_true (wait_connected (&ui, flat, dense));

  m = model_of (&ui);
  g_assert_cmpint (nn_model_layer_get_n_calls (m, flat), ==, 1);
  g_assert_cmpint (nn_model_call_get_input (m, flat, 0, 0).layer, ==, in);
  g_assert_cmpint (nn_model_layer_get_n_calls (m, dense), ==, 1);
  g_assert_cmpint (nn_model_call_get_input (m, dense, 0, 0).layer, ==, flat);
  assert_shape (m, in, 3, (int[]) { 28, 28, 1 });
  assert_shape (m, flat, 1, (int[]) { 784 });
  /* The new document shows a set of two classes: the output is set for it. */
  assert_shape (m, dense, 1, (int[]) { 1 });
  g_assert_null (nn_model_layer_get_error (m, dense));
  g_assert_cmpint (ds_scene_get_n_edges (ds_graph_canvas_get_scene (ui.canvas)), ==, 2);
  g_assert_cmpstr (ds_scene_get_node (ds_graph_canvas_get_scene (ui.canvas), dense)->shape_text, ==, "(1)");
  /* The dangling Dense became the model's output. */
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  g_assert_cmpint (nn_model_get_output (m, 0).layer, ==, dense);

  /* A click selects; the properties editor edits; shapes follow at once. */
  node_centre (&ui, dense, &cx, &cy);
  ui_xtest_click (GTK_WIDGET (ui.canvas), cx, cy);
  g_assert_true (wait_selected (&ui, dense));
  units = ds_properties_get_editor (ui.props, "units");
  g_assert_true (GTK_IS_SPIN_BUTTON (units));
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (units)), ==, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (units), 64);
  ui_spin (50);
  assert_shape (model_of (&ui), dense, 1, (int[]) { 64 });
  summary = ds_summary_dup_text (ds_build_view_get_summary (ui.view));
  g_assert_nonnull (strstr (summary, "(None, 64)"));
  g_assert_nonnull (strstr (summary, "50,240"));   /* 784 * 64 + 64 */
  g_assert_true (ds_document_get_dirty (ui.doc));
  ui_close (&ui);
}

static gboolean
n_selected_is_two (gpointer data)
{
  return ds_graph_canvas_get_n_selected (((Ui *) data)->canvas) == 2;
}

static gboolean
disconnected_cond (gpointer data)
{
  LayerCond *c = data;
  NnModel *m = model_of (c->ui);

  return nn_model_layer_get_n_calls (m, c->layer) == 0
         || nn_model_call_get_n_inputs (m, c->layer, 0) == 0;
}

static gboolean
zoomed_in (gpointer data)
{
  return ds_graph_canvas_get_zoom (((Ui *) data)->canvas) > 1.0;
}

/* Moving a node, rubber-band selection, selecting an edge and deleting it,
 * and Ctrl+scroll zoom, all with the real pointer. */
static void
test_pointer_editing (void)
{
  Ui ui;
  g_autoptr(GError) error = NULL;
  GtkWidget *canvas;
  double cx, cy, x0, y0, x, y, ax, ay, bx, by, zoom;
  int a, b, c;
  LayerCond cond;

  ui_open (&ui);
  canvas = GTK_WIDGET (ui.canvas);
  a = ds_graph_canvas_add_layer (ui.canvas, "Input", 0, 0, &error);
  b = ds_graph_canvas_add_layer (ui.canvas, "Dense", 256, 0, &error);
  c = ds_graph_canvas_add_layer (ui.canvas, "Dense", 256, 200, &error);
  g_assert_no_error (error);
  g_assert_true (ds_graph_canvas_connect (ui.canvas, a, b, &error));
  ds_graph_canvas_clear_selection (ui.canvas);
  ds_graph_canvas_set_zoom (ui.canvas, 1.0);
  ui_spin (50);
  zoom = ds_graph_canvas_get_zoom (ui.canvas);

  /* Drag c by (80, 40) screen pixels. */
  nn_model_layer_get_position (model_of (&ui), c, &x0, &y0);
  node_centre (&ui, c, &cx, &cy);
  ui_xtest_drag (canvas, cx, cy, canvas, cx + 80, cy + 40);
  g_assert_true (wait_position (&ui, c, round ((x0 + 80 / zoom) / 8) * 8,
                                round ((y0 + 40 / zoom) / 8) * 8));
  nn_model_layer_get_position (model_of (&ui), c, &x, &y);
  g_assert_cmpfloat (fabs (x - x0 - 80 / zoom), <=, 4);
  g_assert_cmpfloat (fabs (y - y0 - 40 / zoom), <=, 4);

  /* Rubber band around a and b only. */
  ds_graph_canvas_model_to_widget (ui.canvas, -30, -30, &ax, &ay);
  ds_graph_canvas_model_to_widget (ui.canvas, 256 + DS_NODE_WIDTH + 20, DS_NODE_HEIGHT + 20, &bx, &by);
  ui_xtest_drag (canvas, ax, ay, canvas, bx, by);
  g_assert_true (ui_wait_for (n_selected_is_two, &ui, 5000));

  /* Click the middle of the a -> b edge, Delete removes it. */
  g_assert_true (ds_graph_canvas_get_port (ui.canvas, a, TRUE, &ax, &ay));
  g_assert_true (ds_graph_canvas_get_port (ui.canvas, b, FALSE, &bx, &by));
  ui_xtest_click (canvas, (ax + bx) / 2, (ay + by) / 2);
  ui_spin (50);
  g_assert_cmpuint (ds_graph_canvas_get_n_selected (ui.canvas), ==, 0);
  ui_xtest_key (canvas, XK_Delete, FALSE);
  cond = (LayerCond) { &ui, b, -1, 0, 0 };
  g_assert_true (ui_wait_for (disconnected_cond, &cond, 5000));
  g_assert_cmpint (nn_model_get_n_layers (model_of (&ui)), ==, 3);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  g_assert_true (wait_connected (&ui, a, b));

  /* Ctrl + wheel up zooms in. */
  {
    Display *dpy = ui_xdisplay (canvas);
    KeyCode ctrl = XKeysymToKeycode (dpy, XK_Control_L);
    int rx, ry;

    ui_screen_point (canvas, 200, 200, &rx, &ry);
    XTestFakeMotionEvent (dpy, -1, rx, ry, CurrentTime);
    XTestFakeKeyEvent (dpy, ctrl, True, CurrentTime);
    XTestFakeButtonEvent (dpy, 4, True, CurrentTime);
    XTestFakeButtonEvent (dpy, 4, False, CurrentTime);
    XTestFakeKeyEvent (dpy, ctrl, False, CurrentTime);
    XFlush (dpy);
    g_assert_true (ui_wait_for (zoomed_in, &ui, 5000));
  }
  ui_close (&ui);
}

/* ---- the output layer set by the task ------------------------------------ */

static gboolean
store_holds (gpointer data)
{
  gpointer *args = data;
  DsDataset *ds = ds_dataset_store_get_dataset (args[0]);

  return ds != NULL && g_strcmp0 (ds_dataset_get_spec (ds), args[1]) == 0;
}

/* Loads spec into the document's store and waits for it. */
static void
load_dataset (Ui         *ui,
              const char *spec)
{
  DsDatasetStore *store = ds_document_get_dataset_store (ui->doc);
  gpointer args[2] = { store, (gpointer) spec };

  ds_dataset_store_load (store, spec, 0);
  g_assert_true (ui_wait_for (store_holds, args, 60000));
  g_assert_null (ds_dataset_store_get_error (store));
}

static char *
param_of (Ui         *ui,
          int         layer,
          const char *pname)
{
  return nn_model_layer_dup_param_text (model_of (ui), layer, pname);
}

static void
assert_dense (Ui         *ui,
              int         layer,
              const char *units,
              const char *activation)
{
  g_autofree char *u = param_of (ui, layer, "units");
  g_autofree char *a = param_of (ui, layer, "activation");

  g_test_message ("%s: Dense(%s, %s), expected Dense(%s, %s)",
                  nn_model_layer_get_name (model_of (ui), layer), u, a, units, activation);
  g_assert_cmpstr (u, ==, units);
  g_assert_cmpstr (a, ==, activation);
}

/* Input (shape) -> Flatten, then Dense appended after the Flatten by a
 * double-click in the palette; returns the Dense. */
static int
build_to_output (Ui         *ui,
                 const char *shape,
                 int        *flatten)
{
  g_autoptr(GError) error = NULL;
  int in = add_at (ui, "Input", 0, 0, -1);

  g_assert_true (nn_model_layer_set_param (model_of (ui), in, "shape", shape, &error));
  ds_document_commit (ui->doc, DS_CHANGE_PARAMS, "Set shape", NULL);
  *flatten = add_at (ui, "Flatten", 272, 0, in);
  ds_graph_canvas_select_layer (ui->canvas, *flatten, FALSE);
  g_signal_emit_by_name (ds_palette_get_row (ui->palette, "Dense"), "activate");
  ui_spin (50);
  return ds_graph_canvas_get_selected_layer (ui->canvas);
}

/* Fashion-MNIST: the Dense appended as the output is Dense(10, softmax),
 * said so in the properties, in the append's one undo step; a Dense
 * appended after it takes over, and the first gets its defaults back. */
static void
test_output_task_classes (void)
{
  Ui ui;
  int flatten, out, out2;
  g_autofree char *before = NULL;
  g_autofree char *after_undo = NULL;

  ui_open (&ui);
  load_dataset (&ui, "fashion-mnist:limit=100");
  out = build_to_output (&ui, "28,28", &flatten);
  g_assert_cmpint (out, >=, 0);
  assert_dense (&ui, out, "10", "softmax");
  g_assert_cmpint (nn_model_get_n_outputs (model_of (&ui)), ==, 1);
  g_assert_cmpint (nn_model_get_output (model_of (&ui), 0).layer, ==, out);
  g_test_message ("note: %s", ds_properties_get_task_note (ui.props));
  g_assert_cmpstr (ds_properties_get_task_note (ui.props), ==,
                   "Set by the task: 10 classes → softmax");

  /* One undo step: the append and the task's values together. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (20);
  g_assert_cmpint (nn_model_get_n_layers (model_of (&ui)), ==, 2);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.redo", NULL));
  ui_spin (20);
  assert_dense (&ui, out, "10", "softmax");

  /* Appended after the output, a Dense becomes the output; the old one is
   * a hidden layer again, with what it had. */
  ds_graph_canvas_select_layer (ui.canvas, out, FALSE);
  before = json_of (&ui);
  g_signal_emit_by_name (ds_palette_get_row (ui.palette, "Dense"), "activate");
  ui_spin (50);
  out2 = ds_graph_canvas_get_selected_layer (ui.canvas);
  g_assert_cmpint (out2, !=, out);
  assert_dense (&ui, out2, "10", "softmax");
  assert_dense (&ui, out, "32", "relu");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (20);
  after_undo = json_of (&ui);
  g_assert_cmpstr (after_undo, ==, before);
  ui_close (&ui);
}

/* Two classes as labels 0/1: Dense(1, sigmoid); values: linear, one unit
 * per target value. */
static void
test_output_task_binary_regression (void)
{
  Ui ui;
  int flatten, out;

  ui_open (&ui);
  load_dataset (&ui, "moons:n=200");
  out = build_to_output (&ui, "2", &flatten);
  assert_dense (&ui, out, "1", "sigmoid");
  g_assert_cmpstr (ds_properties_get_task_note (ui.props), ==,
                   "Set by the task: 2 classes → 1 unit, sigmoid");
  ui_close (&ui);

  ui_open (&ui);
  load_dataset (&ui, "plane:n=200");
  out = build_to_output (&ui, "2", &flatten);
  assert_dense (&ui, out, "1", "linear");
  g_assert_cmpstr (ds_properties_get_task_note (ui.props), ==,
                   "Set by the task: 1 target value → linear");
  ui_close (&ui);
}

/* What the person set stays: an activation chosen in the properties
 * survives a new dataset and a re-append; units chosen on a hidden layer
 * survive its becoming the output, whose default activation the task
 * still sets. A newly chosen dataset resets what the task set, in the
 * choice's undo step. */
static void
test_output_task_respects_choice (void)
{
  Ui ui;
  NnModel *m;
  GtkWidget *editor;
  int flatten, out, hidden;
  g_autofree char *hidden_name = NULL;
  guint tanh_index = 0;
  const NnParamSpec *spec = NULL;
  const NnLayerType *t = nn_layer_type_lookup ("Dense");

  ui_open (&ui);
  load_dataset (&ui, "fashion-mnist:limit=100");
  out = build_to_output (&ui, "28,28", &flatten);
  assert_dense (&ui, out, "10", "softmax");

  /* A newly chosen dataset (as the Data view writes it, once loaded)
   * changes what the task set, in the same undo step. */
  load_dataset (&ui, "moons:n=200");
  m = model_of (&ui);
  nn_model_set_dataset (m, "moons:n=200");
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Choose Dataset", NULL);
  ui_spin (20);
  assert_dense (&ui, out, "1", "sigmoid");
  g_assert_cmpstr (ds_document_get_undo_label (ui.doc), ==, "Choose Dataset");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.undo", NULL));
  ui_spin (20);
  assert_dense (&ui, out, "10", "softmax");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (ui.window), "win.redo", NULL));
  ui_spin (20);
  assert_dense (&ui, out, "1", "sigmoid");

  /* The person picks tanh in the properties: the task leaves it. */
  for (guint p = 0; p < nn_layer_type_get_n_params (t); p++)
    if (g_str_equal (nn_layer_type_get_param (t, p)->name, "activation"))
      spec = nn_layer_type_get_param (t, p);
  g_assert_nonnull (spec);
  while (!g_str_equal (spec->choices[tanh_index], "tanh"))
    tanh_index++;
  ds_graph_canvas_select_layer (ui.canvas, out, FALSE);
  editor = ds_properties_get_editor (ui.props, "activation");
  g_assert_nonnull (editor);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (editor), tanh_index);
  ui_spin (20);
  assert_dense (&ui, out, "1", "tanh");
  g_assert_null (ds_properties_get_task_note (ui.props));
  load_dataset (&ui, "fashion-mnist:limit=100");
  nn_model_set_dataset (model_of (&ui), "fashion-mnist:limit=100");
  ds_document_commit (ui.doc, DS_CHANGE_PARAMS, "Choose Dataset", NULL);
  ui_spin (20);
  /* The units were still the task's; the activation is the person's. */
  assert_dense (&ui, out, "10", "tanh");

  /* A hidden Dense whose units the person set becomes the output when the
   * layer after it goes: its units stay, its default activation follows
   * the task. */
  ds_graph_canvas_select_layer (ui.canvas, flatten, FALSE);
  g_signal_emit_by_name (ds_palette_get_row (ui.palette, "Dense"), "activate");
  ui_spin (50);
  hidden = ds_graph_canvas_get_selected_layer (ui.canvas);
  hidden_name = g_strdup (nn_model_layer_get_name (model_of (&ui), hidden));
  assert_dense (&ui, hidden, "32", "relu");
  editor = ds_properties_get_editor (ui.props, "units");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (editor), 64);
  ui_spin (20);
  assert_dense (&ui, hidden, "64", "relu");
  ds_graph_canvas_select_layer (ui.canvas, out, FALSE);
  ds_graph_canvas_delete_selection (ui.canvas);
  ui_spin (20);
  m = model_of (&ui);
  hidden = nn_model_find_layer (m, hidden_name);
  g_assert_cmpint (nn_model_get_n_outputs (m), ==, 1);
  g_assert_cmpint (nn_model_get_output (m, 0).layer, ==, hidden);
  assert_dense (&ui, hidden, "64", "softmax");
  ui_close (&ui);
}

int
main (int   argc,
      char *argv[])
{
  /* A UI test that cannot open a display fails: skipping proves nothing. */
  ui_test_init (&argc, &argv);

  g_test_add_func ("/ui/build/drop-and-connect", test_drop_and_connect);
  g_test_add_func ("/ui/build/insert-after-selection", test_insert_after_selection);
  g_test_add_func ("/ui/build/drop-smart", test_drop_smart);
  g_test_add_func ("/ui/build/legible-canvas", test_legible_canvas);
  g_test_add_func ("/ui/build/state-ports", test_state_ports);
  g_test_add_func ("/ui/build/pointer-editing", test_pointer_editing);
  g_test_add_func ("/ui/build/output-task/classes", test_output_task_classes);
  g_test_add_func ("/ui/build/output-task/binary-regression", test_output_task_binary_regression);
  g_test_add_func ("/ui/build/output-task/respects-choice", test_output_task_respects_choice);
  return g_test_run ();
}
