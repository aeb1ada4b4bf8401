/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-lesson-panel.h: the side panel of a lesson in progress: its steps,
 * each ticked when its check holds on the window's document and view, with
 * "Show me" buttons. The window puts it in a flap beside the views. */
#pragma once

#include <adwaita.h>

#include "ds-document.h"
#include "ds-lesson.h"

G_BEGIN_DECLS

#define DS_TYPE_LESSON_PANEL (ds_lesson_panel_get_type ())
G_DECLARE_FINAL_TYPE (DsLessonPanel, ds_lesson_panel, DS, LESSON_PANEL, GtkBox)

GtkWidget  *ds_lesson_panel_new          (DsDocument *document);
/* Shows lesson (the panel takes it; NULL empties the panel), every step
 * unticked, and evaluates the checks at once. */
void        ds_lesson_panel_take_lesson  (DsLessonPanel *self, DsLesson *lesson);
DsLesson   *ds_lesson_panel_get_lesson   (DsLessonPanel *self);
/* The view the window shows ("build") and its page ("heatmaps", or NULL):
 * view and page checks compare with them. */
void        ds_lesson_panel_set_view     (DsLessonPanel *self, const char *view,
                                          const char *page);
/* Step i has been ticked (its check held once, or the person ticked it). */
gboolean    ds_lesson_panel_get_step_done (DsLessonPanel *self, guint i);
/* Ticks step i as the person would (a step without a check). */
void        ds_lesson_panel_tick_step    (DsLessonPanel *self, guint i);
/* Evaluates the checks of the steps not done yet, in order, up to the
 * first that does not hold or has no check (done on every change of the
 * document, its runs and the view, and on a tick by hand). */
void        ds_lesson_panel_update       (DsLessonPanel *self);

G_END_DECLS
