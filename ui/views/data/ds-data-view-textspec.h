/* SPDX-License-Identifier: GPL-3.0-or-later */
/* DsDataView's text and time-series sources ↔ their spec
 * (ds-data-view-textspec.c): the topics, numbers and window the page
 * shows, every other option kept as the spec wrote it, and the notes next
 * to the topics. */
#pragma once

#include "ds-data-view-private.h"

typedef enum {
  DS_TEXT_NONE,
  DS_TEXT_FORTUNES,   /* fortunes:topics=… */
  DS_TEXT_FOLDER,     /* text:DIR */
  DS_TEXT_CHARS,      /* chars:SOURCE */
  DS_TEXT_SERIES,     /* seattle-temps, seattle-weather, series, PATH.csv:window=N */
} DsTextKind;

/* Shows a text spec's options, parts[first..] (after "fortunes", or after
 * "text:DIR", "chars:SOURCE" or a series's name), and keeps them to give
 * them back. */
gboolean _ds_data_view_show_text_spec   (DsDataView *self,
                                         char      **parts,
                                         guint       first,
                                         DsTextKind  kind);
/* Appends the options (":topics=…:mode=int:length=100") to s, the kept
 * ones in their places; FALSE, appending nothing, when no topic is
 * ticked (fortunes). */
gboolean _ds_data_view_append_text_spec (DsDataView *self,
                                         GString    *s,
                                         DsTextKind  kind);
/* Whether spec parts (split at ':') name a time series: seattle-temps,
 * seattle-weather, series, or a CSV file with window=; then shows it
 * (its name in the Series row, its options as above) and returns TRUE. */
gboolean _ds_data_view_show_series_spec (DsDataView *self,
                                         char      **parts,
                                         gboolean   *known);
/* The class numbers of the ticked topics, the warning when they differ
 * from those the model's weights were trained with, and the options kept
 * from the spec. */
void     _ds_data_view_update_text_notes (DsDataView *self);
