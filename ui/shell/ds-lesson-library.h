/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-lesson-library.h: the lesson library dialog: every lesson in the
 * samples' lessons folder, grouped by chapter, and the files that could
 * not be read with their errors. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DS_TYPE_LESSON_LIBRARY (ds_lesson_library_get_type ())
G_DECLARE_FINAL_TYPE (DsLessonLibrary, ds_lesson_library, DS, LESSON_LIBRARY, AdwWindow)

/* Reads dir (NULL: the samples' "lessons" folder). */
GtkWidget  *ds_lesson_library_new          (GtkWindow *parent, const char *dir);
guint       ds_lesson_library_get_n_lessons (DsLessonLibrary *self);
/* Path of lesson i, in the order shown. */
const char *ds_lesson_library_get_path     (DsLessonLibrary *self, guint i);
guint       ds_lesson_library_get_n_errors (DsLessonLibrary *self);
/* Same as clicking lesson i: emits ::lesson-activated (path). */
void        ds_lesson_library_activate     (DsLessonLibrary *self, guint i);

/* One group per chapter of lessons (DsLesson, sorted by chapter), then
 * a group listing errors (char *; NULL or empty: none) on page. Each
 * lesson's row (its index in lessons as the object data "index", the lesson as "lesson") calls
 * activated_cb (row, data) when clicked. The library and the start page
 * share it. */
void        ds_lesson_library_fill_page    (AdwPreferencesPage *page,
                                            GPtrArray          *lessons,
                                            GPtrArray          *errors,
                                            GCallback           activated_cb,
                                            gpointer            data);

G_END_DECLS
