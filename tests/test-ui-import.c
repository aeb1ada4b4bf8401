/* SPDX-License-Identifier: GPL-3.0-or-later */
/* File > Import Keras Model…: a TF.js Layers model opens as a new, unsaved
 * model in the Build view, laid out automatically (no two layers at one
 * place), with its weights; a file that is no Keras model leaves the
 * document as it was. File > Export… asks for the format first.
 * DEEPSCOPE_SCREENSHOTS=DIR writes the window and the dialog. */
#include <string.h>

#include "ds-window-private.h"
#include "ui-test-util.h"
#include "test-util.h"

static void
test_import (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(NnModel) m = nn_model_load (test_sample ("two_inputs_two_outputs.json"), &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_dir_make_tmp ("ui-import-XXXXXX", NULL);
  g_assert_true (nn_export_tfjs (m, dir, &error));
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  DsWindow *window = ds_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (200);
  g_assert_true (ds_window_import_keras (window, file) == window);
  ui_spin (300);
  DsDocument *doc = ds_window_get_document (window);
  NnModel *got = ds_document_get_model (doc);
  g_assert_cmpint (nn_model_get_n_layers (got), ==, nn_model_get_n_layers (m));
  g_assert_true (nn_model_has_weights (got));
  g_assert_true (ds_document_get_dirty (doc));
  /* laid out: every layer at its own place */
  for (int a = 0; a < nn_model_get_n_layers (got); a++)
    for (int b = a + 1; b < nn_model_get_n_layers (got); b++)
      {
        double ax, ay, bx, by;
        nn_model_layer_get_position (got, a, &ax, &ay);
        nn_model_layer_get_position (got, b, &bx, &by);
        g_assert_false (ax == bx && ay == by);
      }
  ui_screenshot (window, "import", "two-inputs");
  /* a Deepscope file is not a Keras model: refused, the model stays */
  g_autoptr(GFile) bad = g_file_new_for_path (test_sample ("spirals_mlp.json"));
  g_assert_null (ds_window_import_keras (window, bad));
  g_assert_true (ds_document_get_model (doc) == got);
  ui_close_window_checked (window);
  test_remove_tree (dir);
}

/* File > Export… asks for the format (three) before the folder. */
static void
test_export_dialog (void)
{
  DsWindow *window = ds_window_new (NULL);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (200);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.export", NULL));
  ui_spin (300);
  AdwMessageDialog *dialog = NULL;
  g_autoptr(GList) tops = gtk_window_list_toplevels ();
  for (GList *l = tops; l; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      dialog = l->data;
  g_assert_nonnull (dialog);
  GtkWidget *formats = adw_message_dialog_get_extra_child (dialog);
  g_assert_true (GTK_IS_DROP_DOWN (formats));
  g_assert_cmpuint (g_list_model_get_n_items (gtk_drop_down_get_model (GTK_DROP_DOWN (formats))),
                    ==, 3);
  ui_screenshot ((DsWindow *) dialog, "export", "dialog");
  adw_message_dialog_response (dialog, "cancel");
  ui_spin (100);
  ui_close_window_checked (window);
}

/* A TF.js export's toast names the layers it left out (the augmentation
 * layers), as the command line's note does; a Keras export's does not. */
static void
test_export_note (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (test_sample ("fashion_small_augmented.json"));
  g_autofree char *dir = g_dir_make_tmp ("ui-export-note-XXXXXX", NULL);
  DsWindow *window = ds_window_new (NULL);

  gtk_window_set_default_size (GTK_WINDOW (window), 1280, 800);
  gtk_window_present (GTK_WINDOW (window));
  ui_spin (200);
  g_assert_true (ds_window_load (window, file, &error));
  g_assert_no_error (error);
  g_autoptr(NnModel) copy = nn_model_copy (ds_document_get_model (ds_window_get_document (window)));
  g_autofree char *left = nn_export_tfjs_left_out (copy);
  g_autofree char *base = g_path_get_basename (dir);
  g_assert_cmpstr (left, ==, "flip, shift");
  g_assert_true (ds_window_export_to (window, "tfjs", dir, &error));
  g_assert_no_error (error);
  const char *toast = ds_window_get_last_toast (window);
  g_test_message ("toast: %s", toast);
  g_assert_nonnull (strstr (toast, base));
  g_assert_nonnull (strstr (toast, "without flip, shift:"));
  g_assert_nonnull (strstr (toast, "TensorFlow.js lacks"));
  ui_spin (300);
  ui_screenshot (window, "export", "tfjs-note");
  g_assert_true (ds_window_export_to (window, "keras", dir, &error));
  g_assert_null (strstr (ds_window_get_last_toast (window), "without"));
  ds_window_close_discarding (window);
  ui_spin (100);
  test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  ui_test_init (&argc, &argv);
  g_test_add_func ("/ui/import/keras", test_import);
  g_test_add_func ("/ui/import/export-dialog", test_export_dialog);
  g_test_add_func ("/ui/import/export-note", test_export_note);
  return g_test_run ();
}
