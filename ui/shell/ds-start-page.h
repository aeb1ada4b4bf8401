/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-start-page.h: what a window shows when the app starts with no file:
 * the lesson library by chapter, the course's first samples with "All
 * Samples…", "New Empty Model", "Open…" and the recent models. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define DS_TYPE_START_PAGE (ds_start_page_get_type ())
G_DECLARE_FINAL_TYPE (DsStartPage, ds_start_page, DS, START_PAGE, AdwBin)

/* recent: the recent models' paths, newest first (NULL: none). Emits
 * ::lesson-activated (path) and ::file-activated (path of a sample or a
 * recent model); New, Open and All Samples are the window's actions. */
GtkWidget  *ds_start_page_new              (const char * const *recent);
guint       ds_start_page_get_n_lessons    (DsStartPage *self);
/* Path of lesson i, in the order shown. */
const char *ds_start_page_get_lesson_path  (DsStartPage *self, guint i);
/* The row of lesson i (activate it to click it). */
GtkWidget  *ds_start_page_get_lesson_row   (DsStartPage *self, guint i);
guint       ds_start_page_get_n_samples    (DsStartPage *self);
guint       ds_start_page_get_n_recent     (DsStartPage *self);

G_END_DECLS
