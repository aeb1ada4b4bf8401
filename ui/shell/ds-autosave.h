/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-autosave.h: periodic copies of unsaved work in the user's cache
 * directory, removed on a clean close, so that after a crash the next start
 * can offer them back. */
#pragma once

#include <glib-object.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_AUTOSAVE (ds_autosave_get_type ())
G_DECLARE_FINAL_TYPE (DsAutosave, ds_autosave, DS, AUTOSAVE, GObject)

/* Copies doc's model every interval_s seconds while it has unsaved
 * changes (0: never on a timer, only ds_autosave_save_now). */
DsAutosave *ds_autosave_new        (DsDocument *doc, guint interval_s);
/* Writes the copy now if the document changed since the last one; removes
 * it if there is nothing unsaved. */
gboolean    ds_autosave_save_now   (DsAutosave *self, GError **error);
/* Removes the copy and its lock file, and stops (clean close). */
void        ds_autosave_discard    (DsAutosave *self);
const char *ds_autosave_get_path   (DsAutosave *self);

/* $XDG_CACHE_HOME/deepscope */
char       *ds_autosave_dup_dir    (void);
/* Copies of dead instances, newest first: each copy has a lock file that
 * its DsAutosave holds (flock) for its life, so the copies of live windows,
 * in this process or another, are never listed. The lock files of dead
 * instances that left no copy (a killed process) are removed. */
GPtrArray  *ds_autosave_find_orphans (void);
/* Loads a copy; *origin gets the file it was a copy of (or NULL). */
NnModel    *ds_autosave_load       (const char *path, GFile **origin, GError **error);
/* The same, with the copy's training runs: *runs (when not NULL) gets a
 * new array of NnRunRecord, empty when it kept none. */
NnModel    *ds_autosave_load_with_runs (const char *path, GPtrArray **runs, GFile **origin,
                                        GError **error);
void        ds_autosave_remove     (const char *path);
/* Removes a dead instance's copy (and its lock file); FALSE, removing
 * nothing, when a live instance holds its lock. */
gboolean    ds_autosave_remove_orphan (const char *path);

G_END_DECLS
