/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "deepscope"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "ds-autosave.h"

struct _DsAutosave
{
  GObject     parent_instance;

  DsDocument *document;   /* weak: the window owns both */
  char       *path;
  guint64     saved_serial;
  guint       timeout_id;
  gboolean    written;
  int         lock_fd;    /* flock'ed for this object's life: the copy is ours */
};

G_DEFINE_FINAL_TYPE (DsAutosave, ds_autosave, G_TYPE_OBJECT)

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

static char *
lock_path (const char *path)
{
  return g_strconcat (path, ".lock", NULL);
}

/* Takes the lock of a copy: an open descriptor holding an exclusive flock
 * on its lock file, or -1 when a live instance (this process included,
 * through another descriptor) holds it. A copy without a lock file is an
 * orphan's: the lock is created and taken. */
static int
take_lock (const char *path)
{
  g_autofree char *lpath = lock_path (path);

  /* A lock file is removed by whoever holds its flock (a clean close, or
   * the sweep of a dead instance's): the flock taken on a file unlinked
   * meanwhile guards nothing, so the lock is taken on the file the name
   * leads to now. */
  for (int tries = 0; tries < 8; tries++)
    {
      int fd = g_open (lpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      GStatBuf named;
      struct stat held;

      if (fd < 0)
        return -1;
      if (flock (fd, LOCK_EX | LOCK_NB) != 0)
        {
          close (fd);
          return -1;
        }
      if (fstat (fd, &held) == 0 && g_stat (lpath, &named) == 0
          && held.st_ino == named.st_ino && held.st_dev == named.st_dev)
        return fd;
      close (fd);
    }
  return -1;
}

/* Gives a lock up and removes its file (the copy is gone). */
static void
drop_lock (const char *path,
           int        *fd)
{
  g_autofree char *lpath = lock_path (path);

  if (*fd < 0)
    return;
  /* Unlinked while held: nobody can take it in between. */
  g_unlink (lpath);
  close (*fd);
  *fd = -1;
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
  g_autoptr(GPtrArray) runs = NULL;
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
                   _("Cannot create %s: %s"), dir, g_strerror (errno));
      return FALSE;
    }
  /* Given up by a discard: a copy written again is ours again. */
  if (self->lock_fd < 0)
    self->lock_fd = take_lock (self->path);
  m = ds_document_get_model (self->document);
  /* The runs' histories go with the copy, as with a save: recovered work
   * shows the curves it had. */
  runs = ds_document_dup_run_records (self->document);
  if (!nn_model_save_with_runs (m, self->path, nn_model_has_weights (m), runs, error))
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
  /* A clean close leaves nothing behind, whenever this object goes. */
  drop_lock (self->path, &self->lock_fd);
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

/* The lock file name of a dead instance that left no copy (killed
 * between copies, or before the lock went with a clean close) is removed;
 * a live instance's is kept, as it holds it. */
static void
remove_stale_lock (const char *dir,
                   const char *name)
{
  g_autofree char *copy = g_strndup (name, strlen (name) - strlen (".lock"));
  g_autofree char *path = g_build_filename (dir, copy, NULL);
  int lock;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  lock = take_lock (path);
  /* Taken: nobody holds it; and a copy written since is a dead one's. */
  if (lock >= 0 && !g_file_test (path, G_FILE_TEST_EXISTS))
    drop_lock (path, &lock);
  else if (lock >= 0)
    close (lock);
}

GPtrArray *
ds_autosave_find_orphans (void)
{
  g_autofree char *dir = ds_autosave_dup_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *name;
  int lock;

  if (d == NULL)
    return out;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *path = NULL;

      if (g_str_has_prefix (name, "autosave-") && g_str_has_suffix (name, ".json.lock"))
        {
          remove_stale_lock (dir, name);
          continue;
        }
      if (!g_str_has_prefix (name, "autosave-") || !g_str_has_suffix (name, ".json"))
        continue;
      path = g_build_filename (dir, name, NULL);
      /* Only a dead instance's copies: a live one (another window of this
       * process, or another process) holds the lock. */
      lock = take_lock (path);
      if (lock < 0)
        continue;
      close (lock);
      g_ptr_array_add (out, g_steal_pointer (&path));
    }
  g_ptr_array_sort (out, cmp_mtime_desc);
  return out;
}

gboolean
ds_autosave_remove_orphan (const char *path)
{
  g_autofree char *lpath = lock_path (path);
  int lock = take_lock (path);

  g_return_val_if_fail (path != NULL, FALSE);
  if (lock < 0)
    return FALSE;
  /* Removed under the lock, then the lock file itself. */
  ds_autosave_remove (path);
  g_unlink (lpath);
  close (lock);
  return TRUE;
}

NnModel *
ds_autosave_load_with_runs (const char  *path,
                            GPtrArray  **runs,
                            GFile      **origin,
                            GError     **error)
{
  g_autofree char *opath = NULL;
  g_autofree char *uri = NULL;
  g_autoptr(GPtrArray) records = NULL;
  NnModel *m;

  g_return_val_if_fail (path != NULL, NULL);
  opath = origin_path (path);
  m = nn_model_load_with_runs (path, &records, error);
  if (m == NULL)
    return NULL;
  if (runs)
    *runs = g_steal_pointer (&records);
  if (origin)
    {
      *origin = NULL;
      if (g_file_get_contents (opath, &uri, NULL, NULL) && uri[0] != '\0')
        *origin = g_file_new_for_uri (g_strstrip (uri));
    }
  return m;
}

NnModel *
ds_autosave_load (const char  *path,
                  GFile      **origin,
                  GError     **error)
{
  return ds_autosave_load_with_runs (path, NULL, origin, error);
}

static void
ds_autosave_finalize (GObject *object)
{
  DsAutosave *self = DS_AUTOSAVE (object);

  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_weak_pointer (&self->document);
  /* A copy left behind (not discarded) stays to be offered; its lock
   * file, released, says it is nobody's now. */
  if (!g_file_test (self->path, G_FILE_TEST_EXISTS))
    drop_lock (self->path, &self->lock_fd);
  else if (self->lock_fd >= 0)
    close (self->lock_fd);
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
  /* The random part keeps a later process that gets a dead one's pid off
   * its copies. */
  g_autofree char *name = g_strdup_printf ("autosave-%d-%u-%08x.json", (int) getpid (), ++counter,
                                           g_random_int ());

  self->path = g_build_filename (dir, name, NULL);
  /* The lock is held from now until this object goes (the window closes,
   * or the process ends, when the kernel releases it): while it is held
   * no other instance offers or removes the copy. */
  g_mkdir_with_parents (dir, 0700);
  self->lock_fd = take_lock (self->path);
  if (self->lock_fd < 0)
    g_warning ("Cannot lock the autosave copy %s: another instance may offer it", self->path);
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
