/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ds-view.h: the base of the window's views (Data, Build, Train…): it holds
 * the document the view shows and tells the view when it changes, so that
 * each view only connects to what it needs. */
#pragma once

#include <gtk/gtk.h>

#include "ds-document.h"

G_BEGIN_DECLS

#define DS_TYPE_VIEW (ds_view_get_type ())
G_DECLARE_DERIVABLE_TYPE (DsView, ds_view, DS, VIEW, GtkWidget)

struct _DsViewClass
{
  GtkWidgetClass parent_class;

  /* After the document was replaced (old_document and the new one may be
   * NULL; the new one is ds_view_get_document ()). Handlers the view
   * connected with itself as data to the old document and to its dataset
   * store are disconnected already. A view that must stop listening before
   * its template goes calls ds_view_set_document (view, NULL) first thing
   * in its dispose. */
  void (*document_changed) (DsView     *self,
                            DsDocument *old_document);

  gpointer padding[8];
};

/* The document shown (borrowed), or NULL. */
DsDocument *ds_view_get_document (DsView     *self);
void        ds_view_set_document (DsView     *self,
                                  DsDocument *document);

G_END_DECLS
