/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Inspect view's activations of a sequence model: Embedding and Conv1D
 * outputs, (steps, units), are drawn as time x units heat strips, whose
 * cells change colour along time; the flat layers keep their bars. With
 * DEEPSCOPE_SCREENSHOTS set, the page is saved as inspect-heat-strip.png. */
#include <string.h>

#include <adwaita.h>

#include "ds-inspect-activations.h"
#include "ui-test-util.h"

static NnModel *
sequence_model (void)
{
  g_autoptr(GError) error = NULL;
  NnModel *m = nn_model_new ("seq");
  int in = nn_model_add_layer (m, "Input", "ids", &error);
  int emb = nn_model_add_layer (m, "Embedding", "embedding", &error);
  int conv = nn_model_add_layer (m, "Conv1D", "conv1d", &error);
  int pool = nn_model_add_layer (m, "GlobalMaxPooling1D", "pool", &error);
  int out = nn_model_add_layer (m, "Dense", "topic", &error);

  g_assert_no_error (error);
  g_assert_true (nn_model_layer_set_param (m, in, "shape", "40", &error));
  g_assert_true (nn_model_layer_set_param (m, emb, "input_dim", "50", &error));
  g_assert_true (nn_model_layer_set_param (m, emb, "output_dim", "16", &error));
  g_assert_true (nn_model_layer_set_param (m, conv, "filters", "24", &error));
  g_assert_true (nn_model_layer_set_param (m, conv, "padding", "same", &error));
  g_assert_true (nn_model_layer_set_param (m, out, "units", "4", &error));
  g_assert_true (nn_model_layer_set_param (m, out, "activation", "softmax", &error));
  g_assert_true (nn_model_connect (m, (NnRef) { in, 0 }, emb, -1, &error));
  g_assert_true (nn_model_connect (m, (NnRef) { emb, 0 }, conv, -1, &error));
  g_assert_true (nn_model_connect (m, (NnRef) { conv, 0 }, pool, -1, &error));
  g_assert_true (nn_model_connect (m, (NnRef) { pool, 0 }, out, -1, &error));
  g_assert_true (nn_model_infer (m, &error));
  g_assert_true (nn_model_init_weights (m, 3, &error));
  g_assert_no_error (error);
  return m;
}

static void
save_screenshot (GtkWidget  *window,
                 const char *name)
{
  const char *dir = g_getenv ("DEEPSCOPE_SCREENSHOTS");
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autofree char *path = NULL;

  if (dir == NULL)
    return;
  paintable = gtk_widget_paintable_new (window);
  for (int tries = 0; node == NULL && tries < 50; tries++)
    {
      GtkSnapshot *snap = gtk_snapshot_new ();

      ui_spin (200);
      gdk_paintable_snapshot (paintable, snap, gtk_widget_get_width (window),
                              gtk_widget_get_height (window));
      node = gtk_snapshot_free_to_node (snap);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         NULL);
  path = g_strdup_printf ("%s/inspect-%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
}

static void
test_heat_strip (void)
{
  g_autoptr(NnModel) m = sequence_model ();
  g_autoptr(GError) error = NULL;
  g_autoptr(NnInspector) in = nn_inspector_new (m, &error);
  int shape[] = { 1, 40 }, heat = 0, bars = 0;
  g_autoptr(NnTensor) ids = nn_tensor_new (2, shape);
  DsInspectActivations *acts = DS_INSPECT_ACTIVATIONS (ds_inspect_activations_new ());
  GtkWidget *window = gtk_window_new ();
  NnTensor **values;

  g_assert_no_error (error);
  /* a padded sentence: 30 tokens, then zeros */
  for (int t = 0; t < 30; t++)
    ids->data[t] = (float) (1 + (t * 7) % 49);
  values = nn_inspector_activations (in, ids, NULL, &error);
  g_assert_no_error (error);
  ds_inspect_activations_set_probes (acts, in, NULL);
  ds_inspect_activations_take_values (acts, values, nn_inspector_get_n_probes (in));
  for (int i = 0; i < nn_inspector_get_n_probes (in); i++)
    {
      const NnProbe *p = nn_inspector_get_probe (in, i);
      gboolean seq = p->ndim == 2;

      g_test_message ("%s: %s", p->path, seq ? "heat strip" : "bars");
      g_assert_cmpint (ds_inspect_activations_is_heat_strip (acts, i), ==, seq);
      if (seq)
        {
          /* one row per unit: embedding 16, conv1d 24 */
          g_assert_cmpint (ds_inspect_activations_get_n_channels (acts, i), ==, p->shape[1]);
          heat++;
        }
      else
        bars++;
    }
  g_assert_cmpint (heat, ==, 2);
  g_assert_cmpint (bars, ==, 3);

  gtk_window_set_default_size (GTK_WINDOW (window), 720, 700);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (acts));
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (ui_wait_for (ui_widget_allocated, acts, 10000));
  ui_spin (300);
  save_screenshot (window, "heat-strip");
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/seq/heat-strip", test_heat_strip);
  return g_test_run ();
}
