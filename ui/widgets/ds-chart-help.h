/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-chart-help.h: a chart's one-line "how to read this" with a link that
 * opens the lesson using the chart (the window's win.open-lesson, which
 * takes a file name in the samples' lessons folder). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The line: text (translated) and a link button reading lesson_label that
 * opens lesson_file ("05-4-what-convnets-learn.json", kept: a static
 * string). Its widget name is "chart-help". */
GtkWidget  *ds_chart_help_new        (const char *text,
                                      const char *lesson_label,
                                      const char *lesson_file);
/* chart above the line, in a new vertical box (chart expands). */
GtkWidget  *ds_chart_help_wrap       (GtkWidget  *chart,
                                      const char *text,
                                      const char *lesson_label,
                                      const char *lesson_file);
/* Every chart-help line under root, in tree order (a new array of
 * borrowed widgets). */
GPtrArray  *ds_chart_help_collect    (GtkWidget *root);
const char *ds_chart_help_get_text   (GtkWidget *help);
const char *ds_chart_help_get_lesson (GtkWidget *help);

G_END_DECLS
