/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-search-panel.h: the Train view's Search page: the searched parameters
 * (one PATH=VALUES per line), strategy, budget and metric; Start/Stop; each
 * trial an ordinary run of the document (on the charts, named after its
 * values); a sortable results table filled trial by trial, a
 * parallel-coordinates plot, and a row's trial loaded into the model. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_SEARCH_PANEL (ds_search_panel_get_type ())
G_DECLARE_FINAL_TYPE (DsSearchPanel, ds_search_panel, DS, SEARCH_PANEL, GtkBox)

/* Fills the fit settings each trial starts from (the Train view's form). */
typedef void (*DsSearchConfigFunc) (gpointer data, NnFitConfig *cfg);

GtkWidget   *ds_search_panel_new          (void);
/* The document whose model is searched and which gets the runs (borrowed). */
void         ds_search_panel_set_document (DsSearchPanel     *self,
                                           DsDocument        *document);
void         ds_search_panel_set_config_func (DsSearchPanel  *self,
                                              DsSearchConfigFunc func,
                                              gpointer        data);

/* For the tests. */
/* Sets the parameters' text (one PATH=VALUES per line). */
void         ds_search_panel_set_params_text (DsSearchPanel  *self,
                                              const char     *text);
char        *ds_search_panel_dup_params_text (DsSearchPanel  *self);
void         ds_search_panel_set_strategy (DsSearchPanel     *self,
                                           NnSearchStrategy   strategy);
void         ds_search_panel_set_trials   (DsSearchPanel     *self,
                                           int                trials);
void         ds_search_panel_start        (DsSearchPanel     *self);
void         ds_search_panel_stop         (DsSearchPanel     *self);
gboolean     ds_search_panel_is_running   (DsSearchPanel     *self);
/* Loads the trial of the table's row `position` into the model (what a
 * double-click does). */
void         ds_search_panel_load_row     (DsSearchPanel     *self,
                                           guint              position);
/* The plot to a PNG or SVG file (by path's ending), as Export Plot… does. */
void         ds_search_panel_export_plot  (DsSearchPanel     *self,
                                           const char        *path);
/* The results table's rows (a GListModel of trial rows, in table order). */
GListModel  *ds_search_panel_get_rows     (DsSearchPanel     *self);
/* The index of the trial in the table's row `position`, or -1. */
int          ds_search_panel_get_row_trial (DsSearchPanel   *self,
                                            guint            position);
/* The search (borrowed), or NULL before the first start. */
NnSearch    *ds_search_panel_get_search   (DsSearchPanel     *self);
const char  *ds_search_panel_get_status   (DsSearchPanel     *self);

G_END_DECLS
