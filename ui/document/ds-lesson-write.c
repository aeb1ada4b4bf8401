/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Writing a lesson file from a model: what a teacher hands out, the model
 * beside it and a skeleton of steps to edit (samples/lessons/FORMAT.md,
 * "Export as lesson"). GLib, json-glib and the engine only. */
#define G_LOG_DOMAIN "deepscope"

#include <string.h>

#include <json-glib/json-glib.h>

#include "ds-lesson.h"

/* path without its ".json", then ".model.json": the model's file. */
static char *
model_path_for (const char *path)
{
  g_autofree char *stem = g_str_has_suffix (path, ".json")
                          ? g_strndup (path, strlen (path) - strlen (".json")) : g_strdup (path);

  return g_strconcat (stem, ".model.json", NULL);
}

static void
add_step (JsonBuilder *b,
          const char  *todo,
          const char  *watch,
          const char  *why)
{
  json_builder_set_member_name (b, "do");
  json_builder_add_string_value (b, todo);
  json_builder_set_member_name (b, "watch");
  json_builder_add_string_value (b, watch);
  json_builder_set_member_name (b, "why");
  json_builder_add_string_value (b, why);
}

/* Open the view shown; train for the epochs set; a step to write. */
static void
add_steps (JsonBuilder *b,
           const char  *view,
           int          epochs)
{
  g_autofree char *open = g_strdup_printf ("Open the %c%s view.", g_ascii_toupper (view[0]),
                                           view + 1);
  g_autofree char *train = g_strdup_printf ("In the Train view, set Epochs to %d and press "
                                            "Train.", epochs);

  json_builder_set_member_name (b, "steps");
  json_builder_begin_array (b);
  json_builder_begin_object (b);
  add_step (b, open, "What to look at there.", "Why it matters.");
  json_builder_set_member_name (b, "check");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "view");
  json_builder_add_string_value (b, view);
  json_builder_end_object (b);
  json_builder_end_object (b);

  json_builder_begin_object (b);
  add_step (b, train, "What the curves should do.", "What the student learns from it.");
  json_builder_set_member_name (b, "check");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "run_epochs");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "at_least");
  json_builder_add_int_value (b, epochs);
  json_builder_end_object (b);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "show_me");
  json_builder_add_string_value (b, "train:epochs_spin");
  json_builder_end_object (b);

  json_builder_begin_object (b);
  add_step (b, "The next thing to try (replace these texts; see FORMAT.md for the checks).",
            "What changes.", "Why.");
  json_builder_end_object (b);
  json_builder_end_array (b);
}

static void
add_member (JsonBuilder *b,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, value);
}

gboolean
ds_lesson_export (NnModel    *model,
                  const char *view,
                  const char *path,
                  GError    **error)
{
  g_autofree char *model_path = NULL;
  g_autofree char *model_name = NULL;
  g_autofree char *title = NULL;
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  NnTrainDefaults *d;
  const char *dataset;

  g_return_val_if_fail (model != NULL && path != NULL, FALSE);

  if (!ds_lesson_is_view_name (view))
    view = "build";
  model_path = model_path_for (path);
  model_name = g_path_get_basename (model_path);
  if (!nn_model_save (model, model_path, nn_model_has_weights (model), error))
    return FALSE;
  d = nn_model_get_defaults (model);
  title = g_strdup_printf ("A lesson on %s", d->title && *d->title ? d->title
                                             : nn_model_get_name (model));
  dataset = nn_model_get_dataset (model);

  json_builder_begin_object (b);
  add_member (b, "format", "deepscope-lesson");
  add_member (b, "title", title);
  add_member (b, "chapter", "My lessons");
  add_member (b, "summary", "One line shown in the lesson library.");
  add_member (b, "model", model_name);
  if (dataset && *dataset)
    add_member (b, "dataset", dataset);
  add_steps (b, view, MAX (d->epochs, 1));
  json_builder_end_object (b);

  root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 2);
  return json_generator_to_file (gen, path, error);
}
