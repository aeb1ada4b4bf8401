/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <errno.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "ds-autosave.h"

struct _DsAutosave
{
  GObject     parent_instance;

  DsDocument *document;   /* weak: the window owns both */
  char       *path;
  guint64     saved_serial;
  guint       timeout_id;
  gboolean    written;
};

G_DEFINE_FINAL_TYPE (DsAutosave, ds_autosave, G_TYPE_OBJECT)

/* Paths written by live DsAutosave objects of this process: not orphans. */
static GHashTable *live_paths;

char *
ds_autosave_dup_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "deepscope", NULL);
}

static char *
origin_path (const char *path)
{
  return g_strconcat (path, ".origin", NULL);
}

void
ds_autosave_remove (const char *path)
{
  g_autofree char *origin = origin_path (path);

  g_unlink (path);
  g_unlink (origin);
}

gboolean
ds_autosave_save_now (DsAutosave  *self,
                      GError     **error)
{
  NnModel *m;
  g_autofree char *dir = NULL;
  g_autofree char *origin = NULL;
  GFile *file;
  guint64 serial;

  g_return_val_if_fail (DS_IS_AUTOSAVE (self), FALSE);
  if (self->document == NULL)
    return TRUE;

  if (!ds_document_get_dirty (self->document))
    {
      if (self->written)
        ds_autosave_remove (self->path);
      self->written = FALSE;
      return TRUE;
    }
  serial = ds_document_get_serial (self->document);
  if (self->written && serial == self->saved_serial)
    return TRUE;

  dir = ds_autosave_dup_dir ();
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  m = ds_document_get_model (self->document);
  if (!nn_model_save (m, self->path, nn_model_has_weights (m), error))
    return FALSE;
  /* Where the work came from, so recovery can offer to save it there. */
  file = ds_document_get_file (self->document);
  origin = origin_path (self->path);
  {
    g_autofree char *uri = file ? g_file_get_uri (file) : g_strdup ("");
    if (!g_file_set_contents (origin, uri, -1, error))
      return FALSE;
  }
  self->saved_serial = serial;
  self->written = TRUE;
  return TRUE;
}

static gboolean
tick_cb (gpointer data)
{
  DsAutosave *self = data;
  g_autoptr(GError) error = NULL;

  if (!ds_autosave_save_now (self, &error))
    g_warning ("Autosave failed: %s", error->message);
  return G_SOURCE_CONTINUE;
}

void
ds_autosave_discard (DsAutosave *self)
{
  g_return_if_fail (DS_IS_AUTOSAVE (self));
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  ds_autosave_remove (self->path);
  self->written = FALSE;
}

const char *
ds_autosave_get_path (DsAutosave *self)
{
  g_return_val_if_fail (DS_IS_AUTOSAVE (self), NULL);
  return self->path;
}

static int
cmp_mtime_desc (gconstpointer a,
                gconstpointer b)
{
  GStatBuf sa, sb;
  const char *pa = *(const char **) a, *pb = *(const char **) b;

  if (g_stat (pa, &sa) != 0 || g_stat (pb, &sb) != 0)
    return 0;
  return (sb.st_mtime > sa.st_mtime) - (sb.st_mtime < sa.st_mtime);
}

GPtrArray *
ds_autosave_find_orphans (void)
{
  g_autofree char *dir = ds_autosave_dup_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return out;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = NULL;

      if (!g_str_has_prefix (name, "autosave-") || !g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (live_paths && g_hash_table_contains (live_paths, path))
        continue;
      g_ptr_array_add (out, g_steal_pointer (&path));
    }
  g_ptr_array_sort (out, cmp_mtime_desc);
  return out;
}

NnModel *
ds_autosave_load (const char  *path,
                  GFile      **origin,
                  GError     **error)
{
  g_autofree char *opath = origin_path (path);
  g_autofree char *uri = NULL;
  NnModel *m = nn_model_load (path, error);

  if (m == NULL)
    return NULL;
  if (origin)
    {
      *origin = NULL;
      if (g_file_get_contents (opath, &uri, NULL, NULL) && uri[0] != '\0')
        *origin = g_file_new_for_uri (g_strstrip (uri));
    }
  return m;
}

static void
ds_autosave_finalize (GObject *object)
{
  DsAutosave *self = DS_AUTOSAVE (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_weak_pointer (&self->document);
  if (live_paths)
    g_hash_table_remove (live_paths, self->path);
  g_free (self->path);
  G_OBJECT_CLASS (ds_autosave_parent_class)->finalize (object);
}

static void
ds_autosave_class_init (DsAutosaveClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ds_autosave_finalize;
}

static void
ds_autosave_init (DsAutosave *self)
{
  static guint counter;
  g_autofree char *dir = ds_autosave_dup_dir ();
  g_autofree char *name = g_strdup_printf ("autosave-%d-%u.json", (int) getpid (), ++counter);

  self->path = g_build_filename (dir, name, NULL);
  if (live_paths == NULL)
    live_paths = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (live_paths, g_strdup (self->path));
}

DsAutosave *
ds_autosave_new (DsDocument *doc,
                 guint       interval_s)
{
  DsAutosave *self = g_object_new (DS_TYPE_AUTOSAVE, NULL);

  g_set_weak_pointer (&self->document, doc);
  if (interval_s > 0)
    self->timeout_id = g_timeout_add_seconds (interval_s, tick_cb, self);
  return self;
}
