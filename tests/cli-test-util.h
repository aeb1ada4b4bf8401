/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the deepscope-cli test programs share: running the CLI named by
 * $DEEPSCOPE_CLI, reading its --json lines, removing a scratch folder. */
#pragma once

#include <glib/gstdio.h>
#include <sys/wait.h>
#include <json-glib/json-glib.h>

static const char *
cli (void)
{
  const char *p = g_getenv ("DEEPSCOPE_CLI");
  g_assert_nonnull (p);
  return p;
}

static int
run (const char *const *args, char **out, char **err)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_ptr_array_add (argv, (char *) cli ());
  for (int k = 0; args[k]; k++)
    g_ptr_array_add (argv, (char *) args[k]);
  g_ptr_array_add (argv, NULL);
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, err, &status, &error));
  g_assert_no_error (error);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

/* Parses every stdout line as a JSON object. */
static G_GNUC_UNUSED GPtrArray *
json_lines (const char *out)
{
  GPtrArray *objs = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  for (int k = 0; lines[k]; k++)
    {
      if (!*lines[k])
        continue;
      g_autoptr (JsonParser) p = json_parser_new ();
      g_autoptr (GError) error = NULL;
      g_assert_true (json_parser_load_from_data (p, lines[k], -1, &error));
      g_assert_no_error (error);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (p)));
      g_ptr_array_add (objs, json_node_copy (json_parser_get_root (p)));
    }
  return objs;
}

static G_GNUC_UNUSED JsonObject *
obj (GPtrArray *a, guint i)
{
  return json_node_get_object (a->pdata[i]);
}

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GDir) d = g_dir_open (path, 0, NULL);
      const char *name;
      while (d && (name = g_dir_read_name (d)))
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_unlink (path);
}
