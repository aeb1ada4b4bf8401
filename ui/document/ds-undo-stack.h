/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-undo-stack.h: undo history as a list of whole-model snapshots.
 *
 * Each state is the model's JSON text. Models are small next to memory, and
 * a snapshot restores exactly, whatever the edit was. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DS_TYPE_UNDO_STACK (ds_undo_stack_get_type ())
G_DECLARE_FINAL_TYPE (DsUndoStack, ds_undo_stack, DS, UNDO_STACK, GObject)

DsUndoStack *ds_undo_stack_new         (guint max_states);
/* Forgets everything; `state` becomes the only (current) state. */
void         ds_undo_stack_reset       (DsUndoStack *self, const char *state);
/* Records a state after an edit, dropping whatever could be redone. When
 * merge_key is not NULL and equals the previous push's key, the new state
 * replaces the previous one (so a run of spin-button steps undoes at once).
 * Returns FALSE when the state equals the current one (nothing recorded). */
gboolean     ds_undo_stack_push        (DsUndoStack *self, const char *state,
                                        const char *label, const char *merge_key);
const char  *ds_undo_stack_get_current (DsUndoStack *self);
gboolean     ds_undo_stack_can_undo    (DsUndoStack *self);
gboolean     ds_undo_stack_can_redo    (DsUndoStack *self);
/* Label of the edit undo/redo would revert/replay, or NULL. */
const char  *ds_undo_stack_get_undo_label (DsUndoStack *self);
const char  *ds_undo_stack_get_redo_label (DsUndoStack *self);
/* Move one step; return the state to restore, or NULL. */
const char  *ds_undo_stack_undo        (DsUndoStack *self);
const char  *ds_undo_stack_redo        (DsUndoStack *self);
/* Position in the history, for "is this the saved state" checks. Each push
 * gets a new serial, so equal serials mean the same state. */
guint64      ds_undo_stack_get_serial  (DsUndoStack *self);

G_END_DECLS

G_BEGIN_DECLS
/* Replaces the current state, keeping its label and what can be redone:
 * a change that completes the edit just recorded. FALSE when empty. */
gboolean     ds_undo_stack_amend       (DsUndoStack *self, const char *state);
G_END_DECLS
