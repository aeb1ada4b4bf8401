/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-window-private.h: DsWindow accessors that only the tests use. */
#pragma once

#include "ds-window.h"

/* The Recent section of the Open menu (borrowed). */
GMenuModel *ds_window_get_recent_menu (DsWindow *self);
/* What the last toast said, or NULL (borrowed). */
const char *ds_window_get_last_toast (DsWindow *self);
/* Main menu ▸ Export as Lesson… without its chooser: writes the lesson
 * file at path and the model beside it (ds_lesson_export). */
gboolean    ds_window_export_lesson_to (DsWindow *self, const char *path, GError **error);
/* File ▸ Export without its dialogs: format "keras", "tfjs" or "onnx"
 * into the folder path. */
gboolean    ds_window_export_to (DsWindow *self, const char *format, const char *path,
                                 GError **error);
